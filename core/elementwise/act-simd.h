/* act-simd.h — template of the vectorised activation kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (act-avx2.c, act-avx512.c);
 * contract in elementwise.h (mnv3_act_kernel). */

/* One body per activation so the loop holds no switch. */
#define ACT_LOOP(EXPR)                                                   \
  do {                                                                   \
    size_t i = 0;                                                        \
    for (; i + 2 * VF_W <= n; i += 2 * VF_W) {                           \
      vf x = vf_loadu (in + i), y = vf_loadu (in + i + VF_W);            \
      vf_storeu (out + i, EXPR (x));                                     \
      vf_storeu (out + i + VF_W, EXPR (y));                              \
    }                                                                    \
    for (; i < n; i += VF_W) {                                           \
      vmask m = vf_mask (n - i < VF_W ? (int) (n - i) : VF_W);           \
      vf x = vf_load_mask (in + i, m);                                   \
      vf_store_mask (out + i, EXPR (x), m);                              \
    }                                                                    \
  } while (0)

void
FN (mnv3_act_kernel) (mnv3_act act, const float *in, float *out, size_t n)
{
  const vf lo = vf_set1 (act.a), hi = vf_set1 (act.b);
  const vf zero = vf_zero (), one = vf_set1 (1.f);

#define ACT_IDENT(x) (x)
#define ACT_RELU(x) vf_max ((x), zero)
#define ACT_CLIP(x) vf_min (vf_max ((x), lo), hi)
#define ACT_HSIG(x) vf_min (vf_max (vf_fmadd ((x), lo, hi), zero), one)
  switch (act.type) {
    case MNV3_ACT_RELU:
      ACT_LOOP (ACT_RELU);
      break;
    case MNV3_ACT_CLIP:
      ACT_LOOP (ACT_CLIP);
      break;
    case MNV3_ACT_HSWISH:
      ACT_LOOP (vf_hswish);
      break;
    case MNV3_ACT_HSIGMOID:
      ACT_LOOP (ACT_HSIG);
      break;
    case MNV3_ACT_SIGMOID:
      ACT_LOOP (vf_sigmoid);
      break;
    default:
      ACT_LOOP (ACT_IDENT);
      break;
  }
#undef ACT_IDENT
#undef ACT_RELU
#undef ACT_CLIP
#undef ACT_HSIG
}

#undef ACT_LOOP
