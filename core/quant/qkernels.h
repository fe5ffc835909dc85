/* qkernels.h — private: packed 8-bit convolution kernels and their dispatch.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two kernels serve mnv3_qconv (qops.h): the GEMM of a 1x1 convolution /
 * fully connected layer, and the depthwise convolution.  Both compute, per
 * output value, TFLite's
 *
 *   acc = bias[n] + sum (a - in_zp) * (w - w_zp[n])        (int32)
 *   out = clamp (MultiplyByQuantizedMultiplier (acc, mul[n]) + out_zp,
 *                act_min, act_max)
 *
 * bit for bit (qops.h's mnv3_qmul_apply, or for the channels below
 * up_channels the variant whose last shift rounds ties upward: ruy's
 * rounding, and TFLite's x86 NEON path; see mnv3_qmul_apply_neon), and
 * write it as one byte (the
 * clamp makes it a valid uint8 or int8 of the output type).  The int32 sum
 * is exact while k * 255 * 255 < 2^31 (k <= 33025): the kernels regroup
 * the sum (zero points folded into the bias), which is only the same sum
 * when nothing overflows.
 *
 * Packing happens once (create); the caller (qconv.c) derives the
 * multipliers (mnv3_qmul_from_double with TFLite's rule for the scheme) and
 * hands them over per channel or per tensor.  A kernel is chosen through
 * mnv3_qdsp, filled best-first for an ISA (dav1d style): the C versions,
 * then each ISA the CPU has overrides what it accelerates.  The packed
 * layout depends on the kernel, so pack with the same mnv3_qdsp you run.
 *
 * GEMM layout.  Columns (output channels) are grouped in panels of nv*vw
 * (vw int32 lanes a vector, nv vectors); the last panel is as many vectors
 * as the remaining columns need.  K is grouped in steps of kstep:
 *   kstep 2: int16 pairs (w - w_zp) for vpmaddwd (AVX2, AVX-512BW);
 *            activations sign/zero-extended to int16: products <= 255*255,
 *            so the pair sums never saturate;
 *   kstep 4: int8 quads (w ^ 0x80 for uint8 weights) for vpdpbusd (VNNI),
 *            activations as uint8 (int8 ones XOR 0x80); the zero points
 *            then go to the bias (column sums) and, for uint8 weights,
 *            to coef[n] * (row sum of the activations).
 * A panel stores its k-steps one after the other: [kq][width][4 bytes].
 * w8 (desc.w_bytes, kstep 2 only): the weights as they are, one byte each
 * ([kq][width][2 bytes]), extended to int16 as loaded; their zero point
 * then goes through coef as for kstep 4.  Half the bytes to stream where
 * each weight meets one row (fully connected, squeeze-excite).
 *
 * Float requantization (desc.fscales, ONNX Runtime's MLAS semantics for
 * the integer graphs of QDQ models): the same exact int32 sums, then
 *   out = nearbyintf (clamp ((float) acc * fscale[n], act_min - out_zp,
 *                            act_max - out_zp)) + out_zp
 * (qinternal.h mnv3_qconv_requant_float; vi_requant_float in SIMD: one
 * float multiply, nothing to contract, conversions rounding half to even
 * as the C casts and nearbyintf do in the default mode).  muls,
 * up_channels and the ruy form are then unused.
 */
#ifndef MNV3_QKERNELS_H
#define MNV3_QKERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "quant/qops.h"

/* ---- GEMM (1x1 convolution, fully connected) -------------------------- */

typedef struct {
  int k, n;                   /* depth (input channels), output channels */
  mnv3_dtype in_type;         /* U8 or I8 */
  int32_t in_zp;
  mnv3_dtype w_type;          /* U8 or I8 */
  const void *w;              /* [n][k] */
  int num_w_zps;              /* 1 or n */
  const int32_t *w_zps;       /* NULL: all 0 */
  const int32_t *bias;        /* [n] or NULL */
  int num_muls;               /* 1 or n */
  const mnv3_qmul *muls;      /* mult >= 0 (mnv3_qmul_from_double) */
  int32_t out_zp, act_min, act_max;
  int up_channels;            /* columns [0, up) round the last shift's ties
                               * upward, the others away from zero */
  int w_bytes;                /* kstep-2 kernels: weights kept as bytes
                               * (w8 below): for layers of one row */
  const mnv3_conv_params *conv; /* NULL, or a group-1 convolution (k =
                               * kh*kw*ic, n = oc, weights OHWI) whose NHWC
                               * input the conv entry gathers A from */
  const float *fscales;       /* NULL, or [n]: ONNX Runtime's float
                               * requantization instead of muls (see
                               * "Float requantization" above) */
} mnv3_qgemm_desc;

typedef struct mnv3_qgemm mnv3_qgemm;

/* Rows [0, m) x panels [p0, p1) of C: c[r * c_stride + j] for the columns
 * j of those panels.  Row r of A is k bytes at a + r * a_stride (read
 * exactly, never past).  scratch: mnv3_qgemm_scratch_size() bytes, 64-byte
 * aligned, owned by the calling thread. */
typedef void (*mnv3_qgemm_fn) (const mnv3_qgemm *g, size_t m,
    const uint8_t *a, size_t a_stride, uint8_t *c, size_t c_stride,
    int p0, int p1, void *scratch);

/* The same for a GEMM packed with a convolution (desc.conv): rows
 * [r0, r0 + m) are output pixels and A is never stored: each row is
 * gathered from the NHWC input `in` (ih*iw*ic bytes, read only inside),
 * taps in the padding holding in_zp (TFLite's: they add nothing).  c is
 * row r0's output. */
typedef void (*mnv3_qgemm_conv_fn) (const mnv3_qgemm *g, size_t r0,
    size_t m, const uint8_t *in, uint8_t *c, size_t c_stride, int p0,
    int p1, void *scratch);

typedef struct {
  mnv3_qgemm_fn fn;
  int kstep;                  /* 2 or 4 (see the layout above) */
  int vw, nv;                 /* lanes a vector, vectors a full panel */
  int mr;                     /* rows a micro-tile */
  const char *name;
  mnv3_qgemm_conv_fn conv;    /* NULL: convolutions go through an im2col */
} mnv3_qgemm_kernel;

struct mnv3_qgemm {
  mnv3_qgemm_kernel kern;
  int k, n;
  int kq;                     /* k-steps: ceil (k / kstep) */
  int np;                     /* columns incl. panel padding */
  int num_panels;
  int mc;                     /* rows of A packed at once (multiple of mr) */
  uint8_t a_xor;              /* kstep 4: 0x80 for int8 activations */
  uint8_t a_signed;           /* kstep 2: int8 activations */
  uint8_t w8;                 /* kstep 2: byte weights (see above) */
  uint8_t w_signed;           /* w8: int8 weights */
  uint8_t *w;                 /* panels, 64-byte aligned */
  int32_t *bias;              /* [np] zero points folded in */
  int32_t *coef;              /* [np] or NULL: acc -= coef * rowsum (a') */
  int32_t *mult, *lsh, *rsh;  /* [np] requantization per column */
  int32_t *away;              /* [np] -1: ties away from zero, 0: upward */
  int32_t out_zp, act_min, act_max;
  float *fscale;              /* [np] or NULL: float requantization */
  float flo, fhi;             /* act_min - out_zp, act_max - out_zp */
  /* Every column rounding ties upward (ruy): the one-rounding form of
   * vi_requant_up.  Per vector of vw columns, vw/2 int64 for its even
   * columns then vw/2 for its odd ones: */
  int rq_up;
  int64_t *rq_add;            /* [np] 2^62 + 2^30 + (r ? 2^(30+r) : 0) */
  int64_t *rq_sh;             /* [np] 31 + r (r = rsh) */
  int32_t *rq_zp;             /* [np] out_zp - 2^(31-r), wrapping */
  /* desc.conv: */
  int has_conv;
  mnv3_conv_params conv;
  int16_t conv_zp;            /* in_zp: the padding taps' value */
};

/* NULL on allocation failure or a bad description (error set). */
mnv3_qgemm *mnv3_qgemm_pack (const mnv3_qgemm_kernel *kern,
    const mnv3_qgemm_desc *d);
void mnv3_qgemm_free (mnv3_qgemm *g);
size_t mnv3_qgemm_packed_bytes (const mnv3_qgemm *g);
size_t mnv3_qgemm_scratch_size (const mnv3_qgemm *g);
/* Whole product on the pool: scratch holds mnv3_threadpool_size (tp)
 * blocks of mnv3_qgemm_scratch_size (g) bytes (64-byte aligned). */
void mnv3_qgemm_run (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *c, size_t c_stride, void *scratch,
    mnv3_threadpool *tp);
/* A GEMM packed with desc.conv: every output pixel of the convolution
 * from its NHWC input (scratch as above). */
void mnv3_qgemm_run_conv (const mnv3_qgemm *g, const uint8_t *in,
    uint8_t *out, void *scratch, mnv3_threadpool *tp);

/* ---- depthwise convolution (multiplier 1) ----------------------------- */

typedef struct {
  int ih, iw, c;
  int k;                      /* square kernel k x k */
  int sh, sw, dh, dw;         /* strides, dilations */
  int pad_t, pad_l;           /* taps outside the input are skipped */
  int oh, ow;
  mnv3_dtype in_type;
  int32_t in_zp;
  mnv3_dtype w_type;
  const void *w;              /* [c][k][k] */
  int num_w_zps;
  const int32_t *w_zps;       /* NULL: all 0 */
  const int32_t *bias;        /* [c] or NULL */
  int num_muls;
  const mnv3_qmul *muls;
  int32_t out_zp, act_min, act_max;
  int up_channels;            /* as in mnv3_qgemm_desc */
  const float *fscales;       /* as in mnv3_qgemm_desc, [c] */
} mnv3_qdw_desc;

typedef struct mnv3_qdw mnv3_qdw;

/* Output rows [oy0, oy1), channels [c0, c1): c0 a multiple of
 * MNV3_QDW_CP_ALIGN, c1 one too or c.  Reads only inside `in` (ih*iw*c
 * bytes) and the packed arrays; writes only those rows and channels. */
typedef void (*mnv3_qdw_fn) (const mnv3_qdw *d, const uint8_t *in,
    uint8_t *out, int oy0, int oy1, int c0, int c1);

/* One packing for every ISA: w[(ky*k + kx)*cp + ch] = (uint16) (w - w_zp)
 * as int32 (vpmaddwd / vpdpwssd against int32 activations, whose high
 * half is 0 or -1 and meets the weight's 0); cp = c rounded up to 16. */
struct mnv3_qdw {
  mnv3_qdw_desc p;            /* w, w_zps, bias, muls: NULL after packing */
  mnv3_qdw_fn fn;
  int cp;
  int ox_lo, ox_hi;           /* output columns whose taps are all inside */
  int32_t *w;                 /* [k*k][cp] */
  int32_t *w2;                /* [(k*k+1)/2][cp]: taps 2i and 2i+1 (or 0
                                 past the last) as int16 pairs, low first,
                                 for one vpmaddwd on two interleaved taps */
  int32_t *bias;              /* [cp] bias - in_zp * sum (w - w_zp) */
  int32_t *mult, *lsh, *rsh;  /* [cp] */
  int32_t *away;              /* [cp] -1: ties away from zero, 0: upward */
  float *fscale;              /* [cp] or NULL: float requantization */
  float flo, fhi;             /* act_min - out_zp, act_max - out_zp */
  uint8_t *zp_row;            /* [iw*c] bytes of in_zp: the padding rows */
  /* The 64-channel blocks of the AVX-512 kernels (qdwconv-x64.h): per
   * group of 64 channels, vector v (16 lanes) lane 4L+j holds channel
   * 16L+4v+j (a 4x4 transpose of 4-lane blocks), the order in which
   * in-lane byte unpacks widen 64 input bytes into 4 int32 vectors.
   * cp64 = c rounded up to 64; the padding channels are 0. */
  int cp64;
  int32_t *w64;               /* [(k*k+1)/2][cp64]: w2 in that order */
  int32_t *q64;               /* [MNV3_QDW_Q64_N][cp64]: see below */
};

#define MNV3_QDW_CP_ALIGN 16

/* q64's rows: bias, mult, the odd lanes' mult in the even ones (mult >>
 * 32 as 64-bit lanes), lsh, rsh, (1 << rsh) - 1, that >> 1, away. */
enum { MNV3_QDW_Q64_BIAS, MNV3_QDW_Q64_MULT, MNV3_QDW_Q64_MULT_ODD,
  MNV3_QDW_Q64_LSH, MNV3_QDW_Q64_RSH, MNV3_QDW_Q64_MASK, MNV3_QDW_Q64_HALF,
  MNV3_QDW_Q64_AWAY, MNV3_QDW_Q64_N };

/* The position in a q64 / w64 row of channel ch. */
static inline int
mnv3_qdw_x64_pos (int ch)
{
  int g = ch & ~63, l = (ch >> 4) & 3, v = (ch >> 2) & 3, j = ch & 3;
  return g + 16 * v + 4 * l + j;
}

/* Input row for kernel row ky of output row oy, or the in_zp row. */
static inline const uint8_t *
mnv3_qdw_in_row (const mnv3_qdw *d, const uint8_t *in, int oy, int ky)
{
  const mnv3_qdw_desc *p = &d->p;
  int iy = oy * p->sh - p->pad_t + ky * p->dh;
  return iy < 0 || iy >= p->ih ? d->zp_row
      : in + (size_t) iy * p->iw * p->c;
}

/* ---- dispatch --------------------------------------------------------- */

typedef struct {
  mnv3_qgemm_kernel gemm;
  /* k x k (and strided) convolutions: the best kernel that gathers its
   * rows from the input (gemm.conv), as the VNNI kernels have none and
   * their im2col is several times slower on the stem (3 channels, k 27) */
  mnv3_qgemm_kernel gemm_conv;
  mnv3_qdw_fn dw3, dw5;       /* 3x3 and 5x5 */
  mnv3_qdw_fn dw_any;         /* any k (the C version) */
  const char *dw_name;
} mnv3_qdsp;

/* Fill for an ISA level and feature bits (mnv3_cpu_features): C first,
 * then every level <= isa overrides.  The caller resolves isa first
 * (mnv3_cpu_resolve); tests pass lower levels to reach every kernel. */
void mnv3_qdsp_init (mnv3_qdsp *dsp, mnv3_isa isa, unsigned features);

mnv3_qdw *mnv3_qdw_pack (const mnv3_qdsp *dsp, const mnv3_qdw_desc *d);
void mnv3_qdw_free (mnv3_qdw *d);
size_t mnv3_qdw_packed_bytes (const mnv3_qdw *d);
void mnv3_qdw_run (const mnv3_qdw *d, const uint8_t *in, uint8_t *out,
    mnv3_threadpool *tp);

/* ---- element-wise kernels and their dispatch ------------------------- */

/* One run of n outputs of ADD, SUB or MUL (q prepared, TFLite's integer
 * formula, qbinary.c): out[i] = op (a[i], b[i]), where a side whose *_bc is
 * 1 is the single value a[0] (b[0]) for every i.  Not both broadcast.
 * Reads exactly n bytes (1 when broadcast) of each input, writes n bytes;
 * out may be the same buffer as a non-broadcast input. */
typedef void (*mnv3_qbin_fn) (const mnv3_qbinary *q, const uint8_t *a,
    int a_bc, const uint8_t *b, int b_bc, uint8_t *out, size_t n);

/* out[i] = table[in[i]] for i < n (in and out may be the same buffer). */
typedef void (*mnv3_qlut_fn) (const uint8_t table[256], const uint8_t *in,
    uint8_t *out, size_t n);

/* acc[i] += sum over r < rows of in[r * stride + i] (int8 when is_i8,
 * else uint8), for i < n: the sums of average pooling and MEAN. */
typedef void (*mnv3_qsum_fn) (const uint8_t *in, size_t stride, size_t rows,
    int is_i8, int32_t *acc, size_t n);

/* Filled as mnv3_qdsp: C first, then every level <= isa overrides (the
 * LUT also by feature: AVX-512 VBMI's vpermi2b). */
typedef struct {
  mnv3_qbin_fn bin;
  mnv3_qlut_fn lut;
  mnv3_qsum_fn sum;
  const char *bin_name, *lut_name;   /* sum: as bin_name */
} mnv3_qeltdsp;

void mnv3_qeltdsp_init (mnv3_qeltdsp *dsp, mnv3_isa isa, unsigned features);

void mnv3_qbin_c (const mnv3_qbinary *q, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n);
void mnv3_qlut_c (const uint8_t table[256], const uint8_t *in, uint8_t *out,
    size_t n);
void mnv3_qsum_c (const uint8_t *in, size_t stride, size_t rows, int is_i8,
    int32_t *acc, size_t n);

#ifdef MNV3_X86
void mnv3_qbin_avx2 (const mnv3_qbinary *q, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n);
void mnv3_qbin_avx512 (const mnv3_qbinary *q, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n);
void mnv3_qsum_avx2 (const uint8_t *in, size_t stride, size_t rows,
    int is_i8, int32_t *acc, size_t n);
void mnv3_qsum_avx512 (const uint8_t *in, size_t stride, size_t rows,
    int is_i8, int32_t *acc, size_t n);
void mnv3_qlut_avx2 (const uint8_t table[256], const uint8_t *in,
    uint8_t *out, size_t n);           /* 16 vpshufb of 16 entries */
void mnv3_qlut_avx512 (const uint8_t table[256], const uint8_t *in,
    uint8_t *out, size_t n);           /* AVX-512BW: the same, 64 bytes */
void mnv3_qlut_vbmi (const uint8_t table[256], const uint8_t *in,
    uint8_t *out, size_t n);           /* 2 vpermi2b + a blend */
#endif

/* ---- ONNX Runtime's QLinearAdd / QLinearMul on runs (qort.c) ------- */

/* The constants of one mnv3_qort_binary (qort.c computes them as the
 * scalar loops do); lo, hi: the output type's range. */
typedef struct {
  float rac, rbc, fixed;      /* add */
  float ratio;                /* mul */
  int32_t a_zp, b_zp, zp;     /* mul */
  int32_t lo, hi;
  int a8, b8;                 /* int8 operands */
} mnv3_qort_run;

#ifdef MNV3_X86
/* out[i] = op (a[i], b[i]) for i < n as qort.c's loops; a side whose *_bc
 * is 1 is its first element for every i.  Reads n bytes of each
 * non-broadcast side (1 of a broadcast one), writes n. */
void mnv3_qort_add_avx2 (const mnv3_qort_run *r, const uint8_t *a,
    int a_bc, const uint8_t *b, int b_bc, uint8_t *out, size_t n);
void mnv3_qort_mul_avx2 (const mnv3_qort_run *r, const uint8_t *a,
    int a_bc, const uint8_t *b, int b_bc, uint8_t *out, size_t n);
/* QuantizeLinear of n floats as qort.c's loop (flo, fhi: the clamp
 * bounds lo - zp, hi - zp in float). */
void mnv3_qort_quantize_avx2 (const float *in, uint8_t *out, size_t n,
    float scale, float flo, float fhi, int32_t zp);
#endif

/* ---- uint8 bilinear resize (qresize.c, TFLite's float path) ----------- */

/* Where output column x reads: source columns x0, x1 and the position fx
 * (uint8, float) or ix (int8, 10-bit fixed point). */
typedef struct {
  int32_t x0, x1;
  float fx;
  int32_t ix;
} mnv3_qresize_col;

#ifdef MNV3_X86
/* One output row, c >= 8 channels: out[x c + k] = (uint8) (
 *   r0[x0 c + k] * ((1 - dy) * (1 - dx)) + r0[x1 c + k] * ((1 - dy) * dx)
 *   + r1[x0 c + k] * (dy * (1 - dx)) + r1[x1 c + k] * (dy * dx) + 0.5f)
 * with dx = fx - x0, every step rounded to float in that order (no FMA),
 * as qresize.c's scalar loop.  Reads only inside the rows. */
void mnv3_qresize_px_avx2 (const uint8_t *r0, const uint8_t *r1,
    const mnv3_qresize_col *cols, int ow, int c, float dy, uint8_t *out);
/* The same formula flattened over n = ow * c outputs (few channels): a0
 * and a1 hold row y0's bytes at x0 and x1 of each output as float, b0 and
 * b1 row y1's, dx the output's dx. */
void mnv3_qresize_flat_avx2 (const float *a0, const float *a1,
    const float *b0, const float *b1, const float *dx, float dy,
    uint8_t *out, size_t n);
/* The same two with 16 lanes (qresize-avx512.c), any c >= 1 / n >= 1. */
void mnv3_qresize_px_avx512 (const uint8_t *r0, const uint8_t *r1,
    const mnv3_qresize_col *cols, int ow, int c, float dy, uint8_t *out);
void mnv3_qresize_flat_avx512 (const float *a0, const float *a1,
    const float *b0, const float *b1, const float *dx, float dy,
    uint8_t *out, size_t n);
/* A source row expanded to the flat rows a0 / a1 (uint8, c <= 7). */
void mnv3_qresize_expand_avx512 (const uint8_t *src,
    const mnv3_qresize_col *cols, int ow, int c, float *f0, float *f1);
/* The flat one for nr rows with the same source rows and their dy. */
void mnv3_qresize_flat_rows_avx512 (const float *a0, const float *a1,
    const float *b0, const float *b1, const float *dx, const float *dy,
    uint8_t *const *out, int nr, size_t n);
/* int8, reference_ops::ResizeBilinearInteger: out = round half away from
 * zero of (sum of in * wy * wx) / 2^20, the 10-bit weights wx1 = ix -
 * 1024 x0, wx0 = 1024 - wx1 (likewise wy; half-pixel makes a weight
 * negative, |wx0| + |wx1| <= 1536, so every sum fits in int32).  c >= 8. */
void mnv3_qresize_px_i8_avx2 (const int8_t *r0, const int8_t *r1,
    const mnv3_qresize_col *cols, int ow, int c, int32_t wy0, int32_t wy1,
    int8_t *out);
/* Flattened (few channels): a[e] / b[e] = the int16 pair (in[x0 c + k],
 * in[x1 c + k]) of rows y0 / y1 for output e, wx[e] = the pair (wx0, wx1),
 * low half first. */
void mnv3_qresize_flat_i8_avx2 (const int32_t *a, const int32_t *b,
    const int32_t *wx, int32_t wy0, int32_t wy1, int8_t *out, size_t n);

/* ARG_MAX over the c channels of each of rows rows (int8 when is_i8, else
 * uint8): out[r] = the index of the first maximum, int64 when out_i64 else
 * int32.  Reads only the rows*c input bytes. */
void mnv3_qargmax_avx2 (const uint8_t *in, size_t rows, int c, int is_i8,
    void *out, int out_i64);
#endif

/* ---- the kernels ------------------------------------------------------ */

void mnv3_qgemm_c (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch);
void mnv3_qgemm_conv_c (const mnv3_qgemm *g, size_t r0, size_t m,
    const uint8_t *in, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch);
void mnv3_qdw_c (const mnv3_qdw *d, const uint8_t *in, uint8_t *out,
    int oy0, int oy1, int c0, int c1);

#define MNV3_QKERNEL_DECL(isa) \
  void mnv3_qgemm_##isa (const mnv3_qgemm *g, size_t m, const uint8_t *a, \
      size_t a_stride, uint8_t *c, size_t c_stride, int p0, int p1, \
      void *scratch); \
  void mnv3_qdw3_##isa (const mnv3_qdw *d, const uint8_t *in, uint8_t *out, \
      int oy0, int oy1, int c0, int c1); \
  void mnv3_qgemm_conv_##isa (const mnv3_qgemm *g, size_t r0, size_t m, \
      const uint8_t *in, uint8_t *c, size_t c_stride, int p0, int p1, \
      void *scratch); \
  void mnv3_qdw5_##isa (const mnv3_qdw *d, const uint8_t *in, uint8_t *out, \
      int oy0, int oy1, int c0, int c1);

#ifdef MNV3_X86
MNV3_QKERNEL_DECL (avx2)       /* vpmaddwd, 8 lanes */
MNV3_QKERNEL_DECL (avxvnni)    /* VEX vpdpbusd / vpdpwssd, 8 lanes */
MNV3_QKERNEL_DECL (avx512)     /* vpmaddwd, 16 lanes */
MNV3_QKERNEL_DECL (vnni)       /* EVEX vpdpbusd / vpdpwssd, 16 lanes */
/* The avxvnni kernels EVEX-encoded (qvnni256-evex.c): never dispatched;
 * lets tests run that code on AVX512-VNNI CPUs that lack AVX-VNNI. */
MNV3_QKERNEL_DECL (avxvnni_evex)
#endif

#endif /* MNV3_QKERNELS_H */
