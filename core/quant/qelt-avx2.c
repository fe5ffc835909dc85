/* qelt-avx2.c — 8-bit element-wise kernels for AVX2: ADD/SUB/MUL (template
 * qelt-simd.h, 8 lanes) and the 256-entry table lookup.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qvec-srdhm-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx2
/* every lane has the same multiplier: the odd lanes' is mult itself */
#define QE_SRDHM(x, mult) vi_srdhm_fast ((x), (mult), (mult))
#define QE_REQUANT(acc, k) vi_requant_fast ((acc), (k)->mult, (k)->mult, \
    (k)->lsh, (k)->rsh, (k)->away, (k)->zp, (k)->lo, (k)->hi)

#include "quant/qelt-simd.h"

/* vpshufb looks up 16 entries: all 16 tables are looked up with the low
 * nibble, and a tree of byte blends on the high nibble's bits (bit 4 of
 * each byte moved to bit 7 by a 16-bit shift, which keeps each byte's own
 * bits there) keeps the one the byte names: 16 shuffles, 15 blends, 3
 * shifts and a mask for 32 bytes. */
static inline __m256i
qlut32 (const __m256i *tabs, __m256i x)
{
  const __m256i idx = _mm256_and_si256 (x, _mm256_set1_epi8 (0x0f));
  __m256i sel = _mm256_slli_epi16 (x, 3), r[8];

  for (int i = 0; i < 8; i++)
    r[i] = _mm256_blendv_epi8 (_mm256_shuffle_epi8 (tabs[2 * i], idx),
        _mm256_shuffle_epi8 (tabs[2 * i + 1], idx), sel);
  sel = _mm256_slli_epi16 (x, 2);
  for (int i = 0; i < 4; i++)
    r[i] = _mm256_blendv_epi8 (r[2 * i], r[2 * i + 1], sel);
  sel = _mm256_slli_epi16 (x, 1);
  r[0] = _mm256_blendv_epi8 (r[0], r[1], sel);
  r[1] = _mm256_blendv_epi8 (r[2], r[3], sel);
  return _mm256_blendv_epi8 (r[0], r[1], x);
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
