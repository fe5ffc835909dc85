/* preprocess-internal.h — tables and row kernels behind preprocess.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * create() turns the parameters into tables; a row kernel turns two source
 * rows (and, for YUV, two chroma rows) into one row segment of the tensor
 * (the part inside the destination rectangle).  Kernels decide nothing:
 * every offset, weight and coefficient comes from the tables.
 *
 * Column taps.  A bilinear tap pair is (off0, off1, w): the value is
 * v[off0] + w * (v[off1] - v[off0]), offsets in bytes from the row start,
 * off1 == off0 (w == 0) at the right edge of the sampled region, so a
 * kernel never reads outside the rectangle (luma / packed) or the plane
 * (chroma).
 *   packed formats: one tap pair per output float k in [0, 3 * dst.width),
 *     the channel byte (R, G or B of the format) folded into the offsets;
 *     scale[k] = 1 / std[c], bias[k] = -mean[c] / std[c] (scalar kernel);
 *     and in `cx` one tap pair per output pixel pointing at the pixel's
 *     first byte, R/G/B at bit chan_shift[c] of the gathered word (SIMD:
 *     one gather per pixel and tap instead of one per channel).
 *   YUV formats: one luma and one chroma tap pair per output pixel.
 *     NV12 chroma offsets point at U; V is the next byte.
 *
 * SIMD gathers read 32-bit words: g = min(off, row_bytes - 4) and
 * shift = 8 * (off - g), so the byte is (word >> shift) & 0xff and no read
 * crosses the end of a row (the last row of a plane may end exactly at its
 * last pixel).  SIMD needs row_bytes >= 4 for every plane; create() falls
 * back to the scalar kernels for tinier frames.
 *
 * YUV taps are paired: g1 == g0 and sh1 is relative to g0, so one word
 * gives both taps.  Y, I420 U/V: off1 <= off0 + 1 and off0 - g0 <= 2
 * unless off0 is the last byte, where off1 == off0.  NV12: off1 <= off0 + 2
 * with V one byte above U, g0 == off0 unless off0 is the last U, where
 * off1 == off0 and V is byte 3.  Either way every byte lies in the word.
 *
 * Every table is padded to a multiple of MNV3_PP_PAD entries with harmless
 * entries (offset 0, weight 0), so vector loads of the tables never need a
 * tail; stores do use masks.
 */
#ifndef MNV3_PREPROCESS_INTERNAL_H
#define MNV3_PREPROCESS_INTERNAL_H

#include <stdint.h>

#include "preprocess.h"

#define MNV3_PP_PAD 16

typedef struct {
  int32_t *off0, *off1;    /* byte offsets in the row */
  int32_t *g0, *g1;        /* 32-bit gather offsets (SIMD) */
  int32_t *sh0, *sh1;      /* right shifts that bring the byte to bits 0-7 */
  float *w;                /* weight of off1 */
} mnv3_pp_taps;

/* Source rows of one output row: packed formats use y0/y1 only; I420 U and
 * V planes; NV12 u = the UV row, v = u + 1 (scalar) — SIMD uses u only. */
typedef struct {
  const uint8_t *y0, *y1, *u0, *u1, *v0, *v1;
  float wy, cwy;
} mnv3_pp_rows;

/* YUV -> RGB in 0..255: R = cy*Y + crv*V + off[0], etc. */
typedef struct {
  float cy, crv, cgu, cgv, cbu;
  float off[3];
} mnv3_pp_yuv;

typedef void (*mnv3_pp_row_fn) (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);

struct mnv3_preprocess {
  mnv3_preprocess_params p;
  mnv3_isa isa;              /* what the kernels really use */
  int yuv;                   /* I420 or NV12 */
  int n;                     /* entries per row: 3*dst.width or dst.width */
  int planes;                /* planes the frame must have */
  int row_bytes[3];          /* bytes of one row of each plane */
  mnv3_pp_taps x;            /* packed: per float; YUV: luma per pixel */
  mnv3_pp_taps cx;           /* YUV: chroma per pixel; packed: per pixel */
  int chan_shift[3];         /* packed: bit of R, G, B in a gathered word */
  float *scale, *bias;       /* packed: per float k */
  float ch_scale[3], ch_bias[3];
  mnv3_pp_yuv m;
  int32_t *ry0, *ry1, *rcy0, *rcy1;   /* per dst row: plane rows */
  float *rwy, *rcwy;
  mnv3_pp_row_fn row;
  void *mem;                 /* one allocation holds every table */
};

void mnv3_pp_packed_scalar (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
void mnv3_pp_yuv_scalar (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);

#ifdef MNV3_X86
void mnv3_pp_packed_avx2 (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
void mnv3_pp_i420_avx2 (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
void mnv3_pp_nv12_avx2 (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
void mnv3_pp_packed_avx512 (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
void mnv3_pp_i420_avx512 (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
void mnv3_pp_nv12_avx512 (const mnv3_preprocess *pp,
    const mnv3_pp_rows *r, float *out);
#endif

#endif /* MNV3_PREPROCESS_INTERNAL_H */
