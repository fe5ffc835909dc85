/* qvec-requant.h — TFLite's requantization on int32 vectors, exactly.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included by qvec-<isa>.h after the vocabulary.  Lane for lane the same as
 * qops.h: mnv3_qmul_apply (acc << lsh ..., mult, -rsh) + zp, clamped.
 *
 * SaturatingRoundingDoublingHighMul with mult >= 0 (always so: multipliers
 * come from non-negative scales) never saturates, and its rounding is
 * symmetric: with p = |x| * mult (exact as an unsigned 32x32->64 product;
 * |INT32_MIN| = 2^31 is right as unsigned) the result is
 *   x >= 0:  (p + 2^30) >> 31
 *   x < 0:  -((p + 2^30 - 1) >> 31)
 * since (ab + 1 - 2^30) / 2^31 truncates toward zero.  p < 2^62, so each
 * quotient fits in 31 bits.  RoundingDivideByPOT is its definition with
 * per-lane shifts.
 */
#ifndef MNV3_QVEC_REQUANT_H
#define MNV3_QVEC_REQUANT_H

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
  /* even quotient in the low half, odd one ((po >> 31) << 32) high */
  vi q = vi_or (vi_srli64 (pe, 31), vi_andnot (lo32, vi_slli64 (po, 1)));
  return vi_sub (vi_xor (q, neg), neg);
}

MNV3_INLINE vi
vi_rdivpot (vi x, vi e)
{
  const vi one = vi_set1 (1);
  vi mask = vi_sub (vi_sllv (one, e), one);
  vi rem = vi_and (x, mask);
  vi thr = vi_sub (vi_srli (mask, 1), vi_srai (x, 31));
  return vi_sub (vi_srav (x, e), vi_gt (rem, thr));
}

/* Per-lane multiplier (mult, lsh = max (shift, 0), rsh = max (-shift, 0)),
 * then + zp and the clamp to [lo, hi]. */
MNV3_INLINE vi
vi_requant (vi acc, vi mult, vi lsh, vi rsh, vi zp, vi lo, vi hi)
{
  vi x = vi_srdhm_pos (vi_sllv (acc, lsh), mult);
  x = vi_add (vi_rdivpot (x, rsh), zp);
  return vi_min (vi_max (x, lo), hi);
}

#endif /* MNV3_QVEC_REQUANT_H */
