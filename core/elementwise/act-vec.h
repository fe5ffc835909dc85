/* act-vec.h — activations on one vector, for kernel epilogues.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included by vec-avx2.h / vec-avx512.h after the vf_* vocabulary; never
 * on its own.  vf_act() gives the same result as mnv3_act_ref() (ops.h) up
 * to rounding: exactly for NONE/RELU/CLIP/HSWISH, within 1 ulp for
 * HSIGMOID (a*x+b may be fused) and ~3e-7 relative for SIGMOID.
 * The switch is on a value fixed for a whole call, so it predicts well.
 */
#ifndef MNV3_ACT_VEC_H
#define MNV3_ACT_VEC_H

MNV3_INLINE vf
vf_sigmoid (vf x)
{
  const vf one = vf_set1 (1.f);
  return vf_div (one, vf_add (one, vf_exp (vf_sub (vf_zero (), x))));
}

MNV3_INLINE vf
vf_hswish (vf x)
{
  vf t = vf_min (vf_max (vf_add (x, vf_set1 (3.f)), vf_zero ()),
      vf_set1 (6.f));
  return vf_mul (vf_mul (x, t), vf_set1 (1.f / 6.f));
}

MNV3_INLINE vf
vf_act (mnv3_act act, vf x)
{
  switch (act.type) {
    case MNV3_ACT_RELU:
      return vf_max (x, vf_zero ());
    case MNV3_ACT_CLIP:
      return vf_min (vf_max (x, vf_set1 (act.a)), vf_set1 (act.b));
    case MNV3_ACT_HSWISH:
      return vf_hswish (x);
    case MNV3_ACT_HSIGMOID:
      return vf_min (vf_max (vf_fmadd (x, vf_set1 (act.a), vf_set1 (act.b)),
              vf_zero ()), vf_set1 (1.f));
    case MNV3_ACT_SIGMOID:
      return vf_sigmoid (x);
    default:
      return x;
  }
}

#endif /* MNV3_ACT_VEC_H */
