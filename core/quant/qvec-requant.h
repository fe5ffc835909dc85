/* qvec-requant.h — TFLite's requantization on int32 vectors, exactly.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included by qvec-<isa>.h after the vocabulary.  Lane for lane the same as
 * mnv3_qk_requant() (qkernels.h): SaturatingRoundingDoublingHighMul, then
 * the right shift with its ties away from zero (RoundingDivideByPOT,
 * rsel = -1) or upward (NEON's vrshl and ruy, rsel = 0).
 *
 * SaturatingRoundingDoublingHighMul with mult >= 0 (always so: multipliers
 * come from non-negative scales) never saturates, and its rounding is
 * symmetric: with p = |x| * mult (exact as an unsigned 32x32->64 product;
 * |INT32_MIN| = 2^31 is right as unsigned) the result is
 *   x >= 0:  (p + 2^30) >> 31
 *   x < 0:  -((p + 2^30 - 1) >> 31)
 * since (ab + 1 - 2^30) / 2^31 truncates toward zero.  p < 2^62, so each
 * quotient fits in 31 bits.
 */
#ifndef MNV3_QVEC_REQUANT_H
#define MNV3_QVEC_REQUANT_H

/* Even lanes' quotient from the low halves of pe, odd lanes' from po,
 * each the 64-bit value >> 31. */
MNV3_INLINE vi
vi_merge_q31 (vi pe, vi po)
{
  const vi lo32 = vi_set1_64 (0xffffffffll);
  return vi_or (vi_and (vi_srli64 (pe, 31), lo32),
      vi_andnot (lo32, vi_slli64 (po, 1)));
}

MNV3_INLINE vi
vi_srdhm_pos (vi x, vi mult)
{
  const vi lo32 = vi_set1_64 (0xffffffffll);
  const vi nudge = vi_set1_64 ((int64_t) 1 << 30);
  vi neg = vi_srai (x, 31);              /* -1 where x < 0 */
  vi s = vi_srli (x, 31);                /* 1 where x < 0 */
  vi ax = vi_abs (x);
  vi pe = vi_mul_epu32 (ax, mult);       /* even lanes, 64-bit */
  vi po = vi_mul_epu32 (vi_srli64 (ax, 32), vi_srli64 (mult, 32));
  pe = vi_sub64 (vi_add64 (pe, nudge), vi_and (s, lo32));
  po = vi_sub64 (vi_add64 (po, nudge), vi_srli64 (s, 32));
  return vi_sub (vi_xor (vi_merge_q31 (pe, po), neg), neg);
}

/* x / 2^e rounded to nearest; ties away from zero where sel = -1, upward
 * where sel = 0. */
MNV3_INLINE vi
vi_rdivpot (vi x, vi e, vi sel)
{
  const vi one = vi_set1 (1);
  vi mask = vi_sub (vi_sllv (one, e), one);
  vi rem = vi_and (x, mask);
  vi thr = vi_sub (vi_srli (mask, 1), vi_and (vi_srai (x, 31), sel));
  return vi_sub (vi_srav (x, e), vi_gt (rem, thr));
}

/* Per-lane multiplier (mult, lsh = max (shift, 0), rsh = max (-shift, 0)),
 * the shift's rounding (rsel), then + zp and the clamp to [lo, hi]. */
MNV3_INLINE vi
vi_requant (vi acc, vi mult, vi lsh, vi rsh, vi rsel, vi zp, vi lo, vi hi)
{
  vi x = vi_srdhm_pos (vi_sllv (acc, lsh), mult);
  x = vi_add (vi_rdivpot (x, rsh, rsel), zp);
  return vi_min (vi_max (x, lo), hi);
}

#endif /* MNV3_QVEC_REQUANT_H */
