/* qmath.c — the quantization arithmetic every integer op shares.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Semantics are TFLite's (tensorflow/lite/kernels/internal/
 * quantization_util.cc QuantizeMultiplier, kernel_util.cc
 * CalculateActivationRangeQuantized); see docs/quantization.md. */
#include <math.h>

#include "quant/qops.h"
#include "quant/qinternal.h"

mnv3_qmul
mnv3_qmul_from_double (double real)
{
  mnv3_qmul m = { 0, 0 };
  double q;
  int64_t fixed;
  int shift;

  if (!(real > 0.0) || isinf (real))
    return m;                   /* 0 (and nonsense) flush to zero */
  q = frexp (real, &shift);     /* real = q * 2^shift, q in [0.5, 1) */
  /* TfLiteRound: half away from zero. */
  fixed = (int64_t) round (q * (double) (1ll << 31));
  if (fixed == (1ll << 31)) {   /* q rounded up to 1.0 */
    fixed /= 2;
    shift++;
  }
  if (shift < -31) {            /* every bit would be shifted out */
    shift = 0;
    fixed = 0;
  }
  m.mult = (int32_t) fixed;
  m.shift = shift;
  return m;
}

void
mnv3_qtype_range (mnv3_dtype t, int32_t *lo, int32_t *hi)
{
  if (t == MNV3_DTYPE_I8) {
    *lo = -128;
    *hi = 127;
  } else {
    *lo = 0;
    *hi = 255;
  }
}

/* zp + (int) round(f / scale), in float as TFLite's Quantize() lambda. */
static int32_t
q_quantize_bound (float f, const mnv3_qtensor *t)
{
  float r = roundf (f / t->scale);
  if (r > 2147483520.f)
    r = 2147483520.f;
  if (r < -2147483648.f)
    r = -2147483648.f;
  return t->zp + (int32_t) r;
}

void
mnv3_q_act_range (mnv3_act act, const mnv3_qtensor *out, int32_t *act_min,
    int32_t *act_max)
{
  int32_t qmin, qmax, v;

  mnv3_qtype_range (out->type, &qmin, &qmax);
  *act_min = qmin;
  *act_max = qmax;
  switch (act.type) {
    case MNV3_ACT_RELU:
      v = q_quantize_bound (0.f, out);
      *act_min = v > qmin ? v : qmin;
      break;
    case MNV3_ACT_CLIP:
      /* RELU6 is CLIP(0, 6), RELU_N1_TO_1 is CLIP(-1, 1); other bounds
       * are quantized the same way. */
      v = q_quantize_bound (act.a, out);
      *act_min = v > qmin ? v : qmin;
      v = q_quantize_bound (act.b, out);
      *act_max = v < qmax ? v : qmax;
      break;
    default:
      break;
  }
}
