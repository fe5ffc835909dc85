/* qelt-avx2.c — 8-bit element-wise kernels for AVX2: ADD/SUB/MUL (template
 * qelt-simd.h, 8 lanes) and the 256-entry table lookup.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx2

#include "quant/qelt-simd.h"

/* vpshufb looks up 16 entries and gives 0 where the index has bit 7 set.
 * Step i serves the bytes whose high nibble is i: t = x - 16 i has high
 * nibble 0 exactly there, and t +sat 0x70 then keeps bit 7 clear only
 * there (a high nibble >= 1 reaches 0x80 or saturates at 0xff), with the
 * low nibble intact.  The 16 partial results are disjoint: OR them. */
static inline __m256i
qlut32 (const __m256i *tabs, __m256i x)
{
  const __m256i step = _mm256_set1_epi8 (16), bias = _mm256_set1_epi8 (0x70);
  __m256i r = _mm256_setzero_si256 ();

  for (int i = 0; i < 16; i++) {
    __m256i idx = _mm256_adds_epu8 (x, bias);
    r = _mm256_or_si256 (r, _mm256_shuffle_epi8 (tabs[i], idx));
    x = _mm256_sub_epi8 (x, step);
  }
  return r;
}

void
mnv3_qlut_avx2 (const uint8_t table[256], const uint8_t *in, uint8_t *out,
    size_t n)
{
  __m256i tabs[16];
  size_t i = 0;

  for (int t = 0; t < 16; t++)
    tabs[t] = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *)
            (table + 16 * t)));
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256 ((__m256i *) (out + i), qlut32 (tabs,
            _mm256_loadu_si256 ((const __m256i *) (in + i))));
  if (i < n) {
    uint8_t buf[32] = { 0 };
    memcpy (buf, in + i, n - i);
    _mm256_storeu_si256 ((__m256i *) buf, qlut32 (tabs,
            _mm256_loadu_si256 ((const __m256i *) buf)));
    memcpy (out + i, buf, n - i);
  }
}
