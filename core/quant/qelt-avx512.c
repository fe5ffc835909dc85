/* qelt-avx512.c — 8-bit element-wise kernels for AVX-512BW: ADD/SUB/MUL
 * (template qelt-simd.h, 16 lanes) and the 256-entry table lookup, with
 * AVX-512 VBMI's two-table byte permute where the CPU has it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx512.h"
#include "quant/qvec-srdhm-avx512.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx512
/* every lane has the same multiplier: the odd lanes' is mult itself */
#define QE_SRDHM(x, mult) vi_srdhm_fast ((x), (mult), (mult))
#define QE_REQUANT(acc, k) vi_requant_fast ((acc), (k)->mult, (k)->mult, \
    (k)->lsh, (k)->rsh, (k)->away, (k)->zp, (k)->lo, (k)->hi)

#include "quant/qelt-simd.h"

static inline __mmask64
qlut_mask (size_t n)
{
  return n >= 64 ? ~(__mmask64) 0 : (((__mmask64) 1 << n) - 1);
}

/* AVX-512BW: 16 masked vpshufb of 16 entries, one per high nibble. */
void
mnv3_qlut_avx512 (const uint8_t table[256], const uint8_t *in, uint8_t *out,
    size_t n)
{
  const __m512i nib = _mm512_set1_epi8 (0x0f);
  __m512i tabs[16];

  for (int t = 0; t < 16; t++)
    tabs[t] = _mm512_broadcast_i32x4 (_mm_loadu_si128 ((const __m128i *)
            (table + 16 * t)));
  for (size_t i = 0; i < n; i += 64) {
    __mmask64 m = qlut_mask (n - i);
    __m512i x = _mm512_maskz_loadu_epi8 (m, in + i);
    __m512i lo = _mm512_and_si512 (x, nib);
    __m512i hi = _mm512_and_si512 (_mm512_srli_epi16 (x, 4), nib);
    __m512i r = _mm512_setzero_si512 ();
    for (int t = 0; t < 16; t++)
      r = _mm512_mask_shuffle_epi8 (r, _mm512_cmpeq_epi8_mask (hi,
              _mm512_set1_epi8 ((char) t)), tabs[t], lo);
    _mm512_mask_storeu_epi8 (out + i, m, r);
  }
}

/* VBMI: vpermi2b picks from 128 table bytes by bits 0..6 of the index; two
 * of them cover the table and bit 7 chooses. */
__attribute__ ((target ("avx512vbmi"))) void
mnv3_qlut_vbmi (const uint8_t table[256], const uint8_t *in, uint8_t *out,
    size_t n)
{
  const __m512i t0 = _mm512_loadu_si512 (table);
  const __m512i t1 = _mm512_loadu_si512 (table + 64);
  const __m512i t2 = _mm512_loadu_si512 (table + 128);
  const __m512i t3 = _mm512_loadu_si512 (table + 192);
  size_t i = 0;

  for (; i + 64 <= n; i += 64) {
    __m512i x = _mm512_loadu_si512 (in + i);
    __m512i lo = _mm512_permutex2var_epi8 (t0, x, t1);
    __m512i hi = _mm512_permutex2var_epi8 (t2, x, t3);
    _mm512_storeu_si512 (out + i, _mm512_mask_blend_epi8
        (_mm512_movepi8_mask (x), lo, hi));
  }
  if (i < n) {
    __mmask64 m = qlut_mask (n - i);
    __m512i x = _mm512_maskz_loadu_epi8 (m, in + i);
    __m512i lo = _mm512_permutex2var_epi8 (t0, x, t1);
    __m512i hi = _mm512_permutex2var_epi8 (t2, x, t3);
    _mm512_mask_storeu_epi8 (out + i, m, _mm512_mask_blend_epi8
        (_mm512_movepi8_mask (x), lo, hi));
  }
}
