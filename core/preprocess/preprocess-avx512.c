/* preprocess-avx512.c — AVX-512 F/BW row kernels (16 lanes).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Same structure as preprocess-avx2.c: 32-bit gathers at table offsets,
 * shift and mask to the byte, interpolation in float, one lane per output
 * pixel, 3-way interleave; masked tail stores. */
#include <immintrin.h>

#include "preprocess-internal.h"

static inline __mmask16
mnv3_pp_tail_mask16 (int n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << n) - 1);
}

/* byte at bit `shift` of 16 words, as float */
static inline __m512
mnv3_pp_chan16 (__m512i x, __m512i shift)
{
  return _mm512_cvtepi32_ps (_mm512_and_si512 (_mm512_srlv_epi32 (x, shift),
      _mm512_set1_epi32 (0xff)));
}

static inline __m512
mnv3_pp_lerp16 (__m512 a, __m512 b, __m512 c, __m512 d, __m512 w,
    __m512 wy)
{
  __m512 h0 = _mm512_fmadd_ps (w, _mm512_sub_ps (b, a), a);
  __m512 h1 = _mm512_fmadd_ps (w, _mm512_sub_ps (d, c), c);

  return _mm512_fmadd_ps (wy, _mm512_sub_ps (h1, h0), h0);
}

/* bilinear value of 16 paired taps (one-byte samples): one gather per
 * row gives both taps */
static inline __m512
mnv3_pp_pair16 (const uint8_t *r0, const uint8_t *r1,
    const mnv3_pp_taps *t, int j, __m512 wy)
{
  __m512i g = _mm512_loadu_si512 (t->g0 + j);
  __m512i s0 = _mm512_loadu_si512 (t->sh0 + j);
  __m512i s1 = _mm512_loadu_si512 (t->sh1 + j);
  __m512i x0 = _mm512_i32gather_epi32 (g, (const void *) r0, 1);
  __m512i x1 = _mm512_i32gather_epi32 (g, (const void *) r1, 1);

  return mnv3_pp_lerp16 (mnv3_pp_chan16 (x0, s0), mnv3_pp_chan16 (x0, s1),
      mnv3_pp_chan16 (x1, s0), mnv3_pp_chan16 (x1, s1),
      _mm512_loadu_ps (t->w + j), wy);
}

/* NV12 chroma: the word at g0 holds U0 V0 at sh0 and U1 V1 at sh1 */
static inline void
mnv3_pp_nv12_pair16 (const mnv3_pp_rows *r, const mnv3_pp_taps *t, int j,
    __m512 *u, __m512 *v)
{
  __m512i g = _mm512_loadu_si512 (t->g0 + j);
  __m512i s0 = _mm512_loadu_si512 (t->sh0 + j);
  __m512i s1 = _mm512_loadu_si512 (t->sh1 + j);
  __m512i e8 = _mm512_set1_epi32 (8);
  __m512i t0 = _mm512_add_epi32 (s0, e8), t1 = _mm512_add_epi32 (s1, e8);
  __m512i x0 = _mm512_i32gather_epi32 (g, (const void *) r->u0, 1);
  __m512i x1 = _mm512_i32gather_epi32 (g, (const void *) r->u1, 1);
  __m512 w = _mm512_loadu_ps (t->w + j), wy = _mm512_set1_ps (r->cwy);

  *u = mnv3_pp_lerp16 (mnv3_pp_chan16 (x0, s0), mnv3_pp_chan16 (x0, s1),
      mnv3_pp_chan16 (x1, s0), mnv3_pp_chan16 (x1, s1), w, wy);
  *v = mnv3_pp_lerp16 (mnv3_pp_chan16 (x0, t0), mnv3_pp_chan16 (x0, t1),
      mnv3_pp_chan16 (x1, t0), mnv3_pp_chan16 (x1, t1), w, wy);
}

/* R, G, B of 16 pixels -> 48 interleaved floats at out (n of them). */
static inline void
mnv3_pp_store_rgb16 (__m512 cr, __m512 cg, __m512 cb, float *out, int n)
{
  /* output vector i, lane l: pixel (16i + l) / 3, channel (16i + l) % 3 */
  const __m512i idx[3] = {
    _mm512_setr_epi32 (0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5),
    _mm512_setr_epi32 (5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10),
    _mm512_setr_epi32 (10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14,
        15, 15, 15),
  };
  /* lanes taking green, blue */
  static const __mmask16 gm[3] = { 0x2492, 0x9249, 0x4924 };
  static const __mmask16 bm[3] = { 0x4924, 0x2492, 0x9249 };

  for (int i = 0; i < 3; i++) {
    __m512 o = _mm512_permutexvar_ps (idx[i], cr);
    o = _mm512_mask_permutexvar_ps (o, gm[i], idx[i], cg);
    o = _mm512_mask_permutexvar_ps (o, bm[i], idx[i], cb);
    if (n >= 16)
      _mm512_storeu_ps (out + 16 * i, o);
    else if (n > 0)
      _mm512_mask_storeu_ps (out + 16 * i, mnv3_pp_tail_mask16 (n), o);
    n -= 16;
  }
}

/* Packed formats, one lane per pixel: a gathered word holds R, G and B. */
void
mnv3_pp_packed_avx512 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const mnv3_pp_taps *t = &pp->cx;
  int width = pp->p.dst.width;
  __m512 wy = _mm512_set1_ps (r->wy);

  for (int j = 0; j < width; j += 16) {
    __m512i g0 = _mm512_loadu_si512 (t->g0 + j);
    __m512i g1 = _mm512_loadu_si512 (t->g1 + j);
    __m512i s0 = _mm512_loadu_si512 (t->sh0 + j);
    __m512i s1 = _mm512_loadu_si512 (t->sh1 + j);
    __m512 w = _mm512_loadu_ps (t->w + j);
    __m512i a = _mm512_srlv_epi32 (
        _mm512_i32gather_epi32 (g0, (const void *) r->y0, 1), s0);
    __m512i b = _mm512_srlv_epi32 (
        _mm512_i32gather_epi32 (g1, (const void *) r->y0, 1), s1);
    __m512i c = _mm512_srlv_epi32 (
        _mm512_i32gather_epi32 (g0, (const void *) r->y1, 1), s0);
    __m512i d = _mm512_srlv_epi32 (
        _mm512_i32gather_epi32 (g1, (const void *) r->y1, 1), s1);
    __m512 v[3];

    for (int ch = 0; ch < 3; ch++) {
      __m512i cs = _mm512_set1_epi32 (pp->chan_shift[ch]);
      __m512 fa = mnv3_pp_chan16 (a, cs), fb = mnv3_pp_chan16 (b, cs);
      __m512 fc = mnv3_pp_chan16 (c, cs), fd = mnv3_pp_chan16 (d, cs);
      v[ch] = _mm512_fmadd_ps (mnv3_pp_lerp16 (fa, fb, fc, fd, w, wy),
          _mm512_set1_ps (pp->ch_scale[ch]), _mm512_set1_ps (pp->ch_bias[ch]));
    }
    mnv3_pp_store_rgb16 (v[0], v[1], v[2], out + 3 * j, 3 * (width - j));
  }
}

/* Y, U, V of 16 pixels -> 48 interleaved normalised floats (n of them). */
static inline void
mnv3_pp_yuv_store16 (const mnv3_preprocess *pp, __m512 y, __m512 u,
    __m512 v, float *out, int n)
{
  const mnv3_pp_yuv *m = &pp->m;
  __m512 zero = _mm512_setzero_ps (), top = _mm512_set1_ps (255.0f);
  __m512 cy = _mm512_set1_ps (m->cy);
  __m512 cr = _mm512_fmadd_ps (_mm512_set1_ps (m->crv), v,
      _mm512_fmadd_ps (cy, y, _mm512_set1_ps (m->off[0])));
  __m512 cg = _mm512_fmadd_ps (_mm512_set1_ps (m->cgv), v,
      _mm512_fmadd_ps (_mm512_set1_ps (m->cgu), u,
          _mm512_fmadd_ps (cy, y, _mm512_set1_ps (m->off[1]))));
  __m512 cb = _mm512_fmadd_ps (_mm512_set1_ps (m->cbu), u,
      _mm512_fmadd_ps (cy, y, _mm512_set1_ps (m->off[2])));

  cr = _mm512_min_ps (_mm512_max_ps (cr, zero), top);
  cg = _mm512_min_ps (_mm512_max_ps (cg, zero), top);
  cb = _mm512_min_ps (_mm512_max_ps (cb, zero), top);
  cr = _mm512_fmadd_ps (cr, _mm512_set1_ps (pp->ch_scale[0]),
      _mm512_set1_ps (pp->ch_bias[0]));
  cg = _mm512_fmadd_ps (cg, _mm512_set1_ps (pp->ch_scale[1]),
      _mm512_set1_ps (pp->ch_bias[1]));
  cb = _mm512_fmadd_ps (cb, _mm512_set1_ps (pp->ch_scale[2]),
      _mm512_set1_ps (pp->ch_bias[2]));
  mnv3_pp_store_rgb16 (cr, cg, cb, out, n);
}

void
mnv3_pp_i420_avx512 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m512 wy = _mm512_set1_ps (r->wy), cwy = _mm512_set1_ps (r->cwy);

  for (int j = 0; j < pp->n; j += 16) {
    __m512 y = mnv3_pp_pair16 (r->y0, r->y1, &pp->x, j, wy);
    __m512 u = mnv3_pp_pair16 (r->u0, r->u1, &pp->cx, j, cwy);
    __m512 v = mnv3_pp_pair16 (r->v0, r->v1, &pp->cx, j, cwy);
    mnv3_pp_yuv_store16 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}

void
mnv3_pp_nv12_avx512 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m512 wy = _mm512_set1_ps (r->wy);

  for (int j = 0; j < pp->n; j += 16) {
    __m512 y = mnv3_pp_pair16 (r->y0, r->y1, &pp->x, j, wy);
    __m512 u, v;
    mnv3_pp_nv12_pair16 (r, &pp->cx, j, &u, &v);
    mnv3_pp_yuv_store16 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}
