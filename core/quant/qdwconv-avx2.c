/* qdwconv-avx2.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX2 (vpmaddwd)
 * (template qdwconv-simd.h), taps in pairs.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx2
#define QD_DOT(acc, a, w) vi_add ((acc), vi_madd ((a), (w)))

MNV3_INLINE vi
qd_pair (const uint8_t *p0, const uint8_t *p1, int sign)
{
  __m128i i = _mm_unpacklo_epi8 (_mm_loadl_epi64 ((const __m128i *) p0),
      _mm_loadl_epi64 ((const __m128i *) p1));
  return sign ? _mm256_cvtepi8_epi16 (i) : _mm256_cvtepu8_epi16 (i);
}

MNV3_INLINE vi
qd_pair_n (const uint8_t *p0, const uint8_t *p1, int n, int sign)
{
  uint8_t t0[8] = { 0 }, t1[8] = { 0 };
  memcpy (t0, p0, (size_t) n);
  memcpy (t1, p1, (size_t) n);
  return qd_pair (t0, t1, sign);
}

/* vi_requant with a shorter SaturatingRoundingDoublingHighMul: for
 * mult >= 0 (never saturating) TFLite's (ab + nudge) / 2^31, truncated
 * toward zero with nudge = 2^30 or 1 - 2^30 by the sign of ab, equals
 * (ab + 2^30) >> 31 (arithmetic) for either sign: for ab < 0 the
 * truncation is (ab + 1 - 2^30 + 2^31 - 1) >> 31.  Bits 31..62 of the
 * signed 64-bit ab + 2^30 are the result: vpmuldq on even and odd lanes,
 * one shift each, a blend. */
#define QD_REQUANT(acc, k) qd_requant ((acc), (k))

#define QD_PAIRS 1
#define QD_PAIR(p0, p1, sign) qd_pair ((p0), (p1), (sign))
#define QD_PAIR_N(p0, p1, n, sign) qd_pair_n ((p0), (p1), (n), (sign))

MNV3_INLINE vi qd_requant_k (vi acc, vi mult, vi mult_odd, vi lsh, vi rsh,
    vi away, vi zp, vi lo, vi hi)
{
  const vi nudge = vi_set1_64 ((int64_t) 1 << 30);
  vi x = vi_sllv (acc, lsh);
  vi pe = _mm256_add_epi64 (_mm256_mul_epi32 (x, mult), nudge);
  vi po = _mm256_add_epi64 (_mm256_mul_epi32 (vi_srli64 (x, 32), mult_odd),
      nudge);
  vi q = _mm256_blend_epi32 (vi_srli64 (pe, 31), vi_slli64 (po, 1), 0xaa);
  q = vi_add (vi_rdivpot (q, rsh, away), zp);
  return vi_min (vi_max (q, lo), hi);
}
#define qd_requant(acc, k) qd_requant_k ((acc), (k)->mult, (k)->mult_odd, \
    (k)->lsh, (k)->rsh, (k)->away, (k)->zp, (k)->lo, (k)->hi)

#include "quant/qdwconv-simd.h"
