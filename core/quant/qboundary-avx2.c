/* qboundary-avx2.c — qboundary.h's loops with AVX2 (no FMA: built with
 * -mavx2 -ffp-contract=off), the bytes of the C reference.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <immintrin.h>

#include "quant/qboundary.h"

MNV3_QB_DEFINE (avx2)

/* 4 floats -> 4 int32: mnv3_qb_half_away without the zero point. */
static inline __m128i
half_away4 (__m128 x, __m256d inv)
{
  const __m256d sign = _mm256_set1_pd (-0.0), half = _mm256_set1_pd (0.5);
  __m256d r = _mm256_mul_pd (_mm256_cvtps_pd (x), inv);
  r = _mm256_add_pd (r, _mm256_or_pd (half, _mm256_and_pd (r, sign)));
  /* max returns its second operand when the first is NaN, as the C
   * comparison does */
  r = _mm256_max_pd (r, _mm256_set1_pd (-1024.0));
  r = _mm256_min_pd (r, _mm256_set1_pd (1024.0));
  return _mm256_cvttpd_epi32 (r);
}

void
mnv3_qb_quantize_avx2 (const float *in, uint8_t *out, size_t n, double inv,
    int zp, int lo, int hi)
{
  const __m256d vinv = _mm256_set1_pd (inv);
  const __m256i vzp = _mm256_set1_epi32 (zp);
  const __m256i vlo = _mm256_set1_epi32 (lo), vhi = _mm256_set1_epi32 (hi);
  const __m256i gather = _mm256_setr_epi8 (0, 4, 8, 12, -1, -1, -1, -1,
      -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
      -1, -1, -1, -1, -1, -1, -1, -1);
  size_t k = 0;

  for (; k + 8 <= n; k += 8) {
    __m256i v = _mm256_set_m128i (half_away4 (_mm_loadu_ps (in + k + 4),
            vinv), half_away4 (_mm_loadu_ps (in + k), vinv));
    v = _mm256_min_epi32 (_mm256_max_epi32 (_mm256_add_epi32 (v, vzp), vlo),
        vhi);
    /* the low byte of each lane (the clamp made it the value's byte) */
    v = _mm256_shuffle_epi8 (v, gather);
    _mm_storel_epi64 ((__m128i *) (out + k),
        _mm_unpacklo_epi32 (_mm256_castsi256_si128 (v),
            _mm256_extracti128_si256 (v, 1)));
  }
  mnv3_qb_quantize_ref (in + k, out + k, n - k, inv, zp, lo, hi);
}
