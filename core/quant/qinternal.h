/* qinternal.h — helpers shared by the integer operators' sources.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MNV3_QINTERNAL_H
#define MNV3_QINTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "quant/qops.h"

/* [lo, hi] of an 8-bit type (uint8 unless I8). */
void mnv3_qtype_range (mnv3_dtype t, int32_t *lo, int32_t *hi);

/* Element i of an 8-bit buffer of type t, as int32. */
static inline int32_t
mnv3_q_load (const void *p, size_t i, int is_i8)
{
  return is_i8 ? (int32_t) ((const int8_t *) p)[i]
      : (int32_t) ((const uint8_t *) p)[i];
}

static inline void
mnv3_q_store (void *p, size_t i, int32_t v)
{
  ((uint8_t *) p)[i] = (uint8_t) v;    /* two's complement for int8 */
}

static inline int32_t
mnv3_q_clamp (int32_t v, int32_t lo, int32_t hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* ---- convolution internals (shared with the SIMD kernels) ------------ */

/* Computes output rows [oy0, oy1). */
typedef void (*mnv3_qconv_kernel) (const mnv3_qconv *c, const void *in,
    void *out, int oy0, int oy1);

struct mnv3_qconv {
  mnv3_qconv_params p;       /* w_scales / w_zps cleared: not kept */
  int depthwise;             /* groups == ic == oc */
  int icg;                   /* input channels per group */
  int ocg;                   /* output channels per group */
  int kdim;                  /* kh * kw * icg: taps of one output */
  int16_t *w;                /* (w - w_zp), OHWI [oc][kh][kw][icg] */
  int32_t *bias;             /* [oc], 0 when the op has none */
  mnv3_qmul *mul;            /* [oc] requantization multipliers */
  float *fscale;             /* [oc] MNV3_QROUND_FLOAT scales, else NULL */
  mnv3_qround rounding;      /* resolved: GEMMLOWP or RUY */
  mnv3_qconv_kernel kernel;  /* chosen at create */
  size_t packed_bytes;
  /* packed fast paths (qkernels.h), or NULL: the kernel above */
  struct mnv3_qgemm *gemm;   /* group-1 convolutions and FC */
  int im2col;                /* the GEMM reads an im2col of the input */
  struct mnv3_qdw *dw;       /* square depthwise */
};

/* The requantization step every conv kernel ends with. */
static inline int32_t
mnv3_qconv_requant_float (const mnv3_qconv *c, int32_t acc, int oc)
{
  float v = (float) acc * c->fscale[oc];
  float lo = (float) (c->p.act_min - c->p.out.zp);
  float hi = (float) (c->p.act_max - c->p.out.zp);
  v = v < lo ? lo : (v > hi ? hi : v);
  return (int32_t) nearbyintf (v) + c->p.out.zp;
}

static inline int32_t
mnv3_qconv_requant (const mnv3_qconv *c, int32_t acc, int oc)
{
  if (c->rounding == MNV3_QROUND_FLOAT)
    return mnv3_qconv_requant_float (c, acc, oc);
  int32_t v = c->rounding == MNV3_QROUND_RUY
      ? mnv3_qmul_apply_ruy (acc, c->mul[oc])
      : c->rounding == MNV3_QROUND_NEON8 && oc < (c->p.geom.oc & ~7)
      ? mnv3_qmul_apply_neon (acc, c->mul[oc])
      : mnv3_qmul_apply (acc, c->mul[oc]);
  return mnv3_q_clamp (v + c->p.out.zp, c->p.act_min, c->p.act_max);
}

#endif /* MNV3_QINTERNAL_H */
