/* qdwconv-avx2.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX2 (vpmaddwd)
 * (template qdwconv-simd.h), taps in pairs.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qvec-srdhm-avx2.h"
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

#define QD_PAIRS 1
#define QD_PAIR(p0, p1, sign) qd_pair ((p0), (p1), (sign))
#define QD_PAIR_N(p0, p1, n, sign) qd_pair_n ((p0), (p1), (n), (sign))
#define QD_REQUANT(acc, k) vi_requant_fast ((acc), (k)->mult, \
    (k)->mult_odd, (k)->lsh, (k)->rsh, (k)->away, (k)->zp, (k)->lo, (k)->hi)

#include "quant/qdwconv-simd.h"
