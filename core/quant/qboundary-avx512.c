/* qboundary-avx512.c — qboundary.h's loops with AVX-512 F/DQ (built with
 * -ffp-contract=off), the bytes of the C reference.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <immintrin.h>

#include "quant/qboundary.h"

MNV3_QB_DEFINE (avx512)

/* 8 floats -> 8 int32: mnv3_qb_half_away without the zero point. */
static inline __m256i
half_away8 (__m256 x, __m512d inv)
{
  const __m512d sign = _mm512_set1_pd (-0.0), half = _mm512_set1_pd (0.5);
  __m512d r = _mm512_mul_pd (_mm512_cvtps_pd (x), inv);
  r = _mm512_add_pd (r, _mm512_or_pd (half, _mm512_and_pd (r, sign)));
  /* max returns its second operand when the first is NaN, as the C
   * comparison does */
  r = _mm512_max_pd (r, _mm512_set1_pd (-1024.0));
  r = _mm512_min_pd (r, _mm512_set1_pd (1024.0));
  return _mm512_cvttpd_epi32 (r);
}

void
mnv3_qb_quantize_avx512 (const float *in, uint8_t *out, size_t n,
    double inv, int zp, int lo, int hi)
{
  const __m512d vinv = _mm512_set1_pd (inv);
  const __m512i vzp = _mm512_set1_epi32 (zp);
  const __m512i vlo = _mm512_set1_epi32 (lo), vhi = _mm512_set1_epi32 (hi);
  size_t k = 0;

  for (; k + 16 <= n; k += 16) {
    __m512i v = _mm512_inserti64x4 (_mm512_castsi256_si512 (half_away8
            (_mm256_loadu_ps (in + k), vinv)),
        half_away8 (_mm256_loadu_ps (in + k + 8), vinv), 1);
    v = _mm512_min_epi32 (_mm512_max_epi32 (_mm512_add_epi32 (v, vzp), vlo),
        vhi);
    /* vpmovdb keeps each lane's low byte: the value's byte after the
     * clamp */
    _mm_storeu_si128 ((__m128i *) (out + k), _mm512_cvtepi32_epi8 (v));
  }
  mnv3_qb_quantize_ref (in + k, out + k, n - k, inv, zp, lo, hi);
}
