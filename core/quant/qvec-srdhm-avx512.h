/* qvec-srdhm-avx512.h — qvec-srdhm-avx2.h's shorter exact
 * SaturatingRoundingDoublingHighMul and requantization with 16 lanes
 * (after qvec-avx512.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The argument is qvec-srdhm-avx2.h's: for mult >= 0 the result is bits
 * 31..62 of the signed 64-bit x * mult + 2^30, for either sign of x;
 * vpmuldq on the even and the odd lanes, one shift each, a masked blend.
 * mult_odd: the odd lanes' multipliers in the even positions
 * (vi_srli64 (mult, 32); mult itself when every lane has the same). */
#ifndef MNV3_QVEC_SRDHM_AVX512_H
#define MNV3_QVEC_SRDHM_AVX512_H

MNV3_INLINE vi
vi_srdhm_fast (vi x, vi mult, vi mult_odd)
{
  const vi nudge = vi_set1_64 ((int64_t) 1 << 30);
  vi pe = _mm512_add_epi64 (_mm512_mul_epi32 (x, mult), nudge);
  vi po = _mm512_add_epi64 (_mm512_mul_epi32 (vi_srli64 (x, 32), mult_odd),
      nudge);
  return _mm512_mask_blend_epi32 ((__mmask16) 0xaaaa, vi_srli64 (pe, 31),
      vi_slli64 (po, 1));
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

#endif /* MNV3_QVEC_SRDHM_AVX512_H */
