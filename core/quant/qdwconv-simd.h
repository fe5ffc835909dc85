/* qdwconv-simd.h — template of the 8-bit 3x3 / 5x5 depthwise kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after qvec-<isa>.h, with FN(name) and
 *   QD_DOT(acc, a, w)   acc + a * w per int32 lane, where a is an int8/uint8
 *                       value extended to int32 and w the packed weight in
 *                       the low 16 bits (vpmaddwd + add, or vpdpwssd)
 * and optionally
 *   QD_REQUANT1(acc, mult, mult_odd, lsh, rsh, away, zp, lo, hi)
 *                       an exact shorter vi_requant for the one-tap blocks
 *   QD_DOT64(acc, a, w)  the 64-channel blocks of qdwconv-x64.h (AVX-512)
 * Contract and packing: qkernels.h.
 *
 * As core/dwconv/dwconv-simd.h: per output row and block of VI_W channels
 * the k*k weight vectors stay in registers (spilled on AVX2 for 5x5) and
 * the row is swept, each output one dot per tap on input bytes read straight
 * from the NHWC rows and widened to int32.  The bias has in_zp * sum (w)
 * taken out, so a tap outside the input must count as in_zp: the padding
 * rows are d->zp_row, and the border columns use a vector of in_zp for the
 * taps they skip.  Two accumulators halve the dependency chain.  The
 * output stage is TFLite's fixed-point requantization, or with d->fscale
 * ONNX Runtime's float one (vi_requant_float). */

#define QD_LD(ptr) (tail ? vi_ext_i32_n ((ptr), n, sign) : vi_ext_i32 ((ptr), sign))

#ifdef QD_DOT64
#include "quant/qdwconv-x64.h"
#endif

MNV3_INLINE vi
FN (qd_border_px) (const mnv3_qdw *d, const uint8_t *const *rows,
    const vi *w, vi bias, vi zpv, int ox, int c0, int n, const int tail,
    const int K)
{
  const mnv3_qdw_desc *p = &d->p;
  const int x0 = ox * p->sw - p->pad_l, sign = p->in_type == MNV3_DTYPE_I8;
  vi acc = bias;

  for (int kx = 0; kx < K; kx++) {
    int ix = x0 + kx * p->dw;
    int inside = ix >= 0 && ix < p->iw;
    for (int ky = 0; ky < K; ky++) {
      vi a = inside ? QD_LD (rows[ky] + (size_t) ix * p->c + c0) : zpv;
      acc = QD_DOT (acc, a, w[ky * K + kx]);
    }
  }
  return acc;
}

MNV3_INLINE void
FN (qd_block) (const mnv3_qdw *d, const uint8_t *const *rows, uint8_t *orow,
    int c0, int n, const int tail, const int K)
{
  const mnv3_qdw_desc *p = &d->p;
  const size_t c = (size_t) p->c, xstep = (size_t) p->dw * c;
  const int sign = p->in_type == MNV3_DTYPE_I8;
  const vi bias = vi_load (d->bias + c0), zpv = vi_set1 (p->in_zp);
  const vi mult = vi_load (d->mult + c0), lsh = vi_load (d->lsh + c0);
  const vi rsh = vi_load (d->rsh + c0), zp = vi_set1 (p->out_zp);
  const vi away = vi_load (d->away + c0);
  const vi lo = vi_set1 (p->act_min), hi = vi_set1 (p->act_max);
#ifdef QD_REQUANT1
  const vi mult_odd = vi_srli64 (mult, 32);
#endif
  const int fq = d->fscale != NULL;
  const vf fsc = fq ? vf_load (d->fscale + c0) : vf_set1 (0.f);
  const vf flo = vf_set1 (d->flo), fhi = vf_set1 (d->fhi);
  vi w[25];
  int ox;

#pragma GCC unroll 25
  for (int t = 0; t < K * K; t++)
    w[t] = vi_load (d->w + (size_t) t * d->cp + c0);

  for (ox = 0; ox < p->ow; ox++) {
    vi acc;
    if (ox < d->ox_lo || ox >= d->ox_hi) {
      acc = FN (qd_border_px) (d, rows, w, bias, zpv, ox, c0, n, tail, K);
    } else {
      const size_t base = (size_t) (ox * p->sw - p->pad_l) * c + c0;
      vi acc0 = bias, acc1 = vi_zero ();
#pragma GCC unroll 5
      for (int ky = 0; ky < K; ky++) {
        const uint8_t *r = rows[ky] + base;
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
          if (ky & 1)
            acc1 = QD_DOT (acc1, QD_LD (r + kx * xstep), w[ky * K + kx]);
          else
            acc0 = QD_DOT (acc0, QD_LD (r + kx * xstep), w[ky * K + kx]);
        }
      }
      acc = vi_add (acc0, acc1);
    }
    if (fq)
      acc = vi_requant_float (acc, fsc, flo, fhi, zp);
    else
#ifdef QD_REQUANT1
      acc = QD_REQUANT1 (acc, mult, mult_odd, lsh, rsh, away, zp, lo, hi);
#else
      acc = vi_requant (acc, mult, lsh, rsh, away, zp, lo, hi);
#endif
    if (tail)
      vi_store_u8_n (orow + ox * c + c0, acc, n);
    else
      vi_store_u8 (orow + ox * c + c0, acc);
  }
}

#ifdef QD_PAIRS
/* Taps two at a time (the including file defines QD_PAIRS and
 *   QD_PAIR (p0, p1, sign)        VI_W bytes at p0 and at p1 interleaved,
 *                                 extended to int16: lane i = (p0[i], p1[i])
 *   QD_PAIR_N (p0, p1, n, sign)   the same with n (< VI_W) bytes present
 *   QD_REQUANT (acc, k)           vi_requant's result, k: qd_rq constants):
 * one multiply-add per pair of taps against d->w2, each tap a byte of its
 * own row, so each lane sums the same products as the one-tap loop (the
 * odd last tap pairs with itself and weight 0).  int32 sums wrap alike in
 * any order: the bytes are identical. */
typedef struct {
  vi mult, mult_odd, lsh, rsh, away, zp, lo, hi;
  vf fsc, flo, fhi;          /* d->fscale: the float requantization */
} FN (qd_rq);

MNV3_INLINE void
FN (qd_block2) (const mnv3_qdw *d, const uint8_t *const *rows,
    uint8_t *orow, int c0, int n, const int tail, const int K)
{
  const mnv3_qdw_desc *p = &d->p;
  const size_t c = (size_t) p->c, xstep = (size_t) p->dw * c;
  const int sign = p->in_type == MNV3_DTYPE_I8, P = (K * K + 1) / 2;
  const uint8_t *zrow = d->zp_row + c0;
  const vi bias = vi_load (d->bias + c0);
  FN (qd_rq) k;
  vi w[13];
  int ox;

  k.mult = vi_load (d->mult + c0);
  k.mult_odd = vi_srli64 (k.mult, 32);
  k.lsh = vi_load (d->lsh + c0);
  k.rsh = vi_load (d->rsh + c0);
  k.away = vi_load (d->away + c0);
  k.zp = vi_set1 (p->out_zp);
  k.lo = vi_set1 (p->act_min);
  k.hi = vi_set1 (p->act_max);
  k.fsc = d->fscale ? vf_load (d->fscale + c0) : vf_set1 (0.f);
  k.flo = vf_set1 (d->flo);
  k.fhi = vf_set1 (d->fhi);
#pragma GCC unroll 13
  for (int t = 0; t < P; t++)
    w[t] = vi_load (d->w2 + (size_t) t * d->cp + c0);

  for (ox = 0; ox < p->ow; ox++) {
    vi acc0 = bias, acc1 = vi_zero (), acc;
    if (ox < d->ox_lo || ox >= d->ox_hi) {
      const int x0 = ox * p->sw - p->pad_l;
      const uint8_t *src[26];
      for (int ky = 0; ky < K; ky++)
        for (int kx = 0; kx < K; kx++) {
          const int ix = x0 + kx * p->dw;
          src[ky * K + kx] = ix >= 0 && ix < p->iw
              ? rows[ky] + (size_t) ix * c + c0 : zrow;
        }
      src[K * K] = src[K * K - 1];
      for (int q = 0; q < P; q++) {
        vi a = tail ? QD_PAIR_N (src[2 * q], src[2 * q + 1], n, sign)
            : QD_PAIR (src[2 * q], src[2 * q + 1], sign);
        acc0 = QD_DOT (acc0, a, w[q]);
      }
    } else {
      const size_t base = (size_t) (ox * p->sw - p->pad_l) * c + c0;
#define QD_TAP(t) (rows[(t) < K * K ? (t) / K : K - 1] + base \
    + (size_t) ((t) < K * K ? (t) % K : K - 1) * xstep)
#pragma GCC unroll 13
      for (int q = 0; q < P; q++) {
        vi a = tail ? QD_PAIR_N (QD_TAP (2 * q), QD_TAP (2 * q + 1), n, sign)
            : QD_PAIR (QD_TAP (2 * q), QD_TAP (2 * q + 1), sign);
        if (q & 1)
          acc1 = QD_DOT (acc1, a, w[q]);
        else
          acc0 = QD_DOT (acc0, a, w[q]);
      }
#undef QD_TAP
    }
    if (d->fscale)
      acc = vi_requant_float (vi_add (acc0, acc1), k.fsc, k.flo, k.fhi,
          k.zp);
    else
      acc = QD_REQUANT (vi_add (acc0, acc1), &k);
    if (tail)
      vi_store_u8_n (orow + ox * c + c0, acc, n);
    else
      vi_store_u8 (orow + ox * c + c0, acc);
  }
}
#define QD_BLOCK FN (qd_block2)
#else
#define QD_BLOCK FN (qd_block)
#endif

MNV3_INLINE void
FN (qd_rows) (const mnv3_qdw *d, const uint8_t *in, uint8_t *out, int oy0,
    int oy1, int c0, int c1, const int K)
{
  const mnv3_qdw_desc *p = &d->p;
  const int c = p->c;
  const int full = c1 - (c1 == c ? c % VI_W : 0);

  for (int oy = oy0; oy < oy1; oy++) {
    const uint8_t *rows[5];
    uint8_t *orow = out + (size_t) oy * p->ow * c;
    int cb = c0;
    for (int ky = 0; ky < K; ky++)
      rows[ky] = mnv3_qdw_in_row (d, in, oy, ky);
#ifdef QD_DOT64
    /* 64-channel blocks from the first multiple of 64; a last block of
     * more than 48 channels masked (a 64-channel block costs about as
     * much as three or four one-tap blocks of 16) */
    if (!d->fscale) {
      int cx = (c0 + 63) & ~63;
      for (; cb + VI_W <= c1 && cb < cx; cb += VI_W)
        QD_BLOCK (d, rows, orow, cb, VI_W, 0, K);
      for (; cb + 64 <= c1; cb += 64)
        FN (qd_block64) (d, rows, orow, cb, 64, 0, K);
      if (c1 - cb > 3 * VI_W) {
        FN (qd_block64) (d, rows, orow, cb, c1 - cb, 1, K);
        cb = c1;
      }
    }
#endif
    for (; cb < full; cb += VI_W)
      QD_BLOCK (d, rows, orow, cb, VI_W, 0, K);
    if (cb < c1 && full < c1)
      QD_BLOCK (d, rows, orow, full, c1 - full, 1, K);
  }
}

void
FN (mnv3_qdw3) (const mnv3_qdw *d, const uint8_t *in, uint8_t *out, int oy0,
    int oy1, int c0, int c1)
{
  FN (qd_rows) (d, in, out, oy0, oy1, c0, c1, 3);
}

void
FN (mnv3_qdw5) (const mnv3_qdw *d, const uint8_t *in, uint8_t *out, int oy0,
    int oy1, int c0, int c1)
{
  FN (qd_rows) (d, in, out, oy0, oy1, c0, c1, 5);
}

#undef QD_LD
#undef QD_BLOCK
