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

/* RoundingDivideByPOT where `away` is -1; where it is 0, ties round
 * upward ((x + 2^(e-1)) >> e, ruy's and NEON vrshl's rounding). */
MNV3_INLINE vi
vi_rdivpot (vi x, vi e, vi away)
{
  const vi one = vi_set1 (1);
  vi mask = vi_sub (vi_sllv (one, e), one);
  vi rem = vi_and (x, mask);
  vi thr = vi_sub (vi_srli (mask, 1), vi_and (vi_srai (x, 31), away));
  return vi_sub (vi_srav (x, e), vi_gt (rem, thr));
}

/* Per-lane multiplier (mult, lsh = max (shift, 0), rsh = max (-shift, 0)),
 * then + zp and the clamp to [lo, hi]. */
MNV3_INLINE vi
vi_requant (vi acc, vi mult, vi lsh, vi rsh, vi away, vi zp, vi lo, vi hi)
{
  vi x = vi_srdhm_pos (vi_sllv (acc, lsh), mult);
  x = vi_add (vi_rdivpot (x, rsh, away), zp);
  return vi_min (vi_max (x, lo), hi);
}

/* ruy's rounding (mnv3_qmul_apply_ruy, every tie upward) in one 64-bit
 * rounding: floor ((floor (p / 2^31 + 1/2) + 2^(r-1)) / 2^r) is
 * floor ((p + 2^30 + 2^(30+r)) / 2^(31+r)) for p = (acc << lsh) * mult,
 * since floor ((floor (a / m) + b) / n) = floor ((a + b m) / (m n)).
 * AVX2 has no 64-bit arithmetic shift: add = 2^62 + the nudges makes the
 * sum positive (|p| < 2^62), a logical shift by sh = 31 + r then adds
 * 2^(31-r), which zp (out_zp - 2^(31-r), wrapping) takes back.  The
 * result fits in int32, so the low halves are exact.  add and sh are
 * 64-bit per column, even columns' (_e) and odd columns' (_o) apart;
 * mult_o = vi_odd (mult).  13 operations where vi_requant needs ~35. */
MNV3_INLINE vi
vi_requant_up (vi acc, vi lsh, vi mult, vi mult_o, vi add_e, vi add_o,
    vi sh_e, vi sh_o, vi zp, vi lo, vi hi)
{
  vi x = vi_sllv (acc, lsh);
  vi pe = vi_add64 (vi_mul_epi32 (x, mult), add_e);
  vi po = vi_add64 (vi_mul_epi32 (vi_odd (x), mult_o), add_o);
  vi q = vi_merge_eo (vi_srlv64 (pe, sh_e), vi_srlv64 (po, sh_o));
  return vi_min (vi_max (vi_add (q, zp), lo), hi);
}

/* ONNX Runtime's requantization (MLAS MlasRequantizeOutput; the scalar
 * form is qinternal.h's mnv3_qconv_requant_float): the accumulator to
 * float, times the float scale (one rounding: nothing to fuse), clamped
 * to [lo, hi] = [act_min - zp, act_max - zp] in float, rounded half to
 * even by the conversion, + zp.  lo <= hi and no NaN, so max-then-min is
 * the scalar's clamp; the result lies in [act_min, act_max]. */
MNV3_INLINE vi
vi_requant_float (vi acc, vf scale, vf lo, vf hi, vi zp)
{
  vf v = vf_mul (vf_from_vi (acc), scale);
  v = vf_min (vf_max (v, lo), hi);
  return vi_add (vi_from_vf (v), zp);
}

#endif /* MNV3_QVEC_REQUANT_H */
