/* qvec-srdhm-avx2.h — a shorter exact SaturatingRoundingDoublingHighMul and
 * requantization for AVX2 (after qvec-avx2.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For mult >= 0 (never saturating) TFLite's (ab + nudge) / 2^31, truncated
 * toward zero with nudge = 2^30 or 1 - 2^30 by the sign of ab, equals
 * (ab + 2^30) >> 31 (arithmetic) for either sign: for ab < 0 the
 * truncation is (ab + 1 - 2^30 + 2^31 - 1) >> 31.  Bits 31..62 of the
 * signed 64-bit ab + 2^30 are the result: vpmuldq on the even and the odd
 * lanes, one shift each, a blend (8 instructions where qvec-requant.h's
 * vi_srdhm_pos, written for any vocabulary, takes about 18).  mult_odd:
 * the odd lanes' multipliers in the even positions (vi_srli64 (mult, 32);
 * mult itself when every lane has the same). */
#ifndef MNV3_QVEC_SRDHM_AVX2_H
#define MNV3_QVEC_SRDHM_AVX2_H

MNV3_INLINE vi
vi_srdhm_fast (vi x, vi mult, vi mult_odd)
{
  const vi nudge = vi_set1_64 ((int64_t) 1 << 30);
  vi pe = _mm256_add_epi64 (_mm256_mul_epi32 (x, mult), nudge);
  vi po = _mm256_add_epi64 (_mm256_mul_epi32 (vi_srli64 (x, 32), mult_odd),
      nudge);
  return _mm256_blend_epi32 (vi_srli64 (pe, 31), vi_slli64 (po, 1), 0xaa);
}

/* vi_requant with vi_srdhm_fast. */
MNV3_INLINE vi
vi_requant_fast (vi acc, vi mult, vi mult_odd, vi lsh, vi rsh, vi away,
    vi zp, vi lo, vi hi)
{
  vi x = vi_srdhm_fast (vi_sllv (acc, lsh), mult, mult_odd);
  x = vi_add (vi_rdivpot (x, rsh, away), zp);
  return vi_min (vi_max (x, lo), hi);
}

#endif /* MNV3_QVEC_SRDHM_AVX2_H */
