/* qlut.c — 8-bit element-wise unary ops as a 256-entry table.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each table entry is TFLite's own computation for that input byte:
 *  HARD_SWISH   the fixed-point sequence of reference_ops::HardSwish
 *               (internal/reference/hard_swish.h), which the optimized
 *               kernel also runs on x86;
 *  LOGISTIC,    the float table TFLite's kGenericOptimized kernel builds
 *  TANH         (LUTPopulate in internal/common.h): dequantize in float,
 *               expf/tanhf, round(x / out_scale) + zp, clamp;
 *  RELU*        ReluX: requantize by in_scale / out_scale, clamp to the
 *               quantized bounds (activations.cc QuantizedReluX);
 *  REQUANTIZE   QUANTIZE 8-bit -> 8-bit (quantize.cc Requantize). */
#include <math.h>
#include <string.h>

#include "quant/qinternal.h"
#include "quant/qops.h"

/* ---- 16-bit fixed-point helpers (gemmlowp int16 semantics) ---------- */

static int16_t
q16_srdhm (int16_t a, int16_t b)
{
  int32_t ab, nudge;

  if (a == b && a == INT16_MIN)
    return INT16_MAX;
  ab = (int32_t) a * b;
  nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t) ((ab + nudge) / (1 << 15));
}

/* TFLite's SaturatingDoublingHighMul: truncating, no rounding nudge. */
static int16_t
q16_sdhm (int16_t a, int16_t b)
{
  if (a == b && a == INT16_MIN)
    return INT16_MAX;
  return (int16_t) (((int32_t) a * b) / (1 << 15));
}

static int16_t
q16_rdivpot (int16_t x, int exponent)
{
  int16_t mask = (int16_t) ((1 << exponent) - 1);
  int16_t rem = (int16_t) (x & mask);
  int16_t thr = (int16_t) ((mask >> 1) + (x < 0 ? 1 : 0));
  return (int16_t) ((x >> exponent) + (rem > thr ? 1 : 0));
}

static int16_t
q16_sat_lshift (int16_t v, int amount)
{
  int64_t r = (int64_t) v * ((int64_t) 1 << amount);
  return (int16_t) (r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r));
}

/* DownScaleInt32ToInt16Multiplier (internal/common.h). */
static int16_t
q16_downscale (int32_t m)
{
  if (m >= INT32_MAX - (1 << 15))
    return INT16_MAX;
  return (int16_t) ((m + (1 << 15)) >> 16);
}

/* ---- HARD_SWISH --------------------------------------------------------- */

typedef struct {
  int32_t in_zp, out_zp;
  int16_t out_mult, relu_mult;
  int out_exp, relu_exp;
} qhswish;

static mnv3_status
qhswish_prepare (qhswish *h, const mnv3_qtensor *in, const mnv3_qtensor *out)
{
  /* activations.cc HardSwishPrepare: every ratio in float. */
  const float hires_in_scale = (1.0f / 128.0f) * in->scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float out_mult = hires_in_scale / out->scale;
  const float relu_mult = hires_in_scale / reluish_scale;
  mnv3_qmul m;

  h->in_zp = in->zp;
  h->out_zp = out->zp;
  m = mnv3_qmul_from_double ((double) out_mult);
  h->out_mult = q16_downscale (m.mult);
  h->out_exp = m.shift;
  if (h->out_exp > 0)           /* TF_LITE_ENSURE(exponent <= 0) */
    return MNV3_ERR_UNSUPPORTED;
  m = mnv3_qmul_from_double ((double) relu_mult);
  h->relu_mult = q16_downscale (m.mult);
  h->relu_exp = m.shift;
  return MNV3_OK;
}

static int32_t
qhswish_one (const qhswish *h, int32_t x, int32_t lo, int32_t hi)
{
  const int16_t in_v = (int16_t) (x - h->in_zp);
  const int16_t in_hires = (int16_t) (in_v * (1 << 7));
  const int16_t in_preshift = q16_srdhm (in_hires, h->out_mult);
  int16_t relu = in_hires, pre_out, out_v;

  /* Saturating left shift in two steps so that only the last one can
   * saturate the result (see reference/hard_swish.h). */
  if (h->relu_exp > 0)
    relu = q16_sat_lshift (relu, h->relu_exp - 1);
  relu = q16_srdhm (relu, h->relu_mult);
  if (h->relu_exp > 0)
    relu = q16_sat_lshift (relu, 1);
  if (h->relu_exp < 0)
    relu = q16_rdivpot (relu, -h->relu_exp);
  /* [-1, 1] -> [0, 1] */
  relu = (int16_t) (((int32_t) relu + (1 << 15)) >> 1);
  pre_out = q16_sdhm (relu, in_preshift);
  out_v = q16_rdivpot (pre_out, -h->out_exp);
  out_v = (int16_t) (out_v + h->out_zp);
  if (out_v > hi)
    out_v = (int16_t) hi;
  if (out_v < lo)
    out_v = (int16_t) lo;
  return out_v;
}

/* ---- float tables (LOGISTIC, TANH) ----------------------------------- */

static int32_t
qfloat_one (mnv3_qunary_kind kind, const mnv3_qtensor *in,
    const mnv3_qtensor *out, int32_t x, int32_t lo, int32_t hi)
{
  const float inverse_scale = 1.f / out->scale;
  const float deq = in->scale * (float) (x - in->zp);
  float t, rescaled, q;
  int32_t v;

  if (kind == MNV3_QUNARY_LOGISTIC)
    t = 1.0f / (1.0f + expf (-deq));
  else
    t = tanhf (deq);
  rescaled = roundf (t * inverse_scale);
  q = rescaled + (float) out->zp;
  v = (int32_t) q;
  return mnv3_q_clamp (v, lo, hi);
}

/* ---- ReLU family and requantize --------------------------------------- */

static int32_t
qrelu_bound (float f, const mnv3_qtensor *out)
{
  return out->zp + (int32_t) roundf (f / out->scale);
}

mnv3_status
mnv3_qlut_prepare (mnv3_qlut *lut, mnv3_qunary_kind kind,
    const mnv3_qtensor *in, const mnv3_qtensor *out)
{
  int32_t lo, hi, act_lo, act_hi;
  const int is_i8 = in->type == MNV3_DTYPE_I8;
  qhswish hs = { 0, 0, 0, 0, 0, 0 };
  mnv3_qmul mul = { 0, 0 };

  if ((in->type != MNV3_DTYPE_U8 && in->type != MNV3_DTYPE_I8)
      || (out->type != MNV3_DTYPE_U8 && out->type != MNV3_DTYPE_I8))
    return MNV3_ERR_UNSUPPORTED;
  if (!(in->scale > 0.f) || !(out->scale > 0.f))
    return MNV3_ERR_INVALID_ARG;
  mnv3_qtype_range (out->type, &lo, &hi);
  act_lo = lo;
  act_hi = hi;

  switch (kind) {
    case MNV3_QUNARY_HARD_SWISH:
      if (in->type != out->type || qhswish_prepare (&hs, in, out) != MNV3_OK)
        return MNV3_ERR_UNSUPPORTED;
      break;
    case MNV3_QUNARY_LOGISTIC:
    case MNV3_QUNARY_TANH:
      if (in->type != out->type)
        return MNV3_ERR_UNSUPPORTED;
      break;
    case MNV3_QUNARY_RELU:
    case MNV3_QUNARY_RELU6:
    case MNV3_QUNARY_RELU_N1_TO_1:{
      float amin = kind == MNV3_QUNARY_RELU_N1_TO_1 ? -1.f : 0.f;
      int32_t v;
      if (in->type != out->type)
        return MNV3_ERR_UNSUPPORTED;
      /* ReluPrepare: in_scale / out_scale in float. */
      mul = mnv3_qmul_from_double ((double) (in->scale / out->scale));
      v = qrelu_bound (amin, out);
      act_lo = v > lo ? v : lo;
      if (kind != MNV3_QUNARY_RELU) {
        v = qrelu_bound (kind == MNV3_QUNARY_RELU6 ? 6.f : 1.f, out);
        act_hi = v < hi ? v : hi;
      }
      break;
    }
    case MNV3_QUNARY_REQUANTIZE:
      /* quantize.cc: effective scale in double from the float scales. */
      mul = mnv3_qmul_from_double ((double) in->scale / (double) out->scale);
      break;
    default:
      return MNV3_ERR_UNSUPPORTED;
  }

  for (int byte = 0; byte < 256; byte++) {
    int32_t x = is_i8 ? (int32_t) (int8_t) byte : byte;
    int32_t y;
    switch (kind) {
      case MNV3_QUNARY_HARD_SWISH:
        y = qhswish_one (&hs, x, lo, hi);
        break;
      case MNV3_QUNARY_LOGISTIC:
      case MNV3_QUNARY_TANH:
        y = qfloat_one (kind, in, out, x, lo, hi);
        break;
      default:                 /* ReLU family, requantize */
        y = out->zp + mnv3_qmul_apply (x - in->zp, mul);
        y = mnv3_q_clamp (y, act_lo, act_hi);
        break;
    }
    lut->table[byte] = (uint8_t) y;
  }
  return MNV3_OK;
}

typedef struct {
  const mnv3_qlut *lut;
  const uint8_t *in;
  uint8_t *out;
  size_t n, chunk;
} qlut_job;

static void
qlut_task (void *ctx, size_t t, int thread_index)
{
  const qlut_job *j = ctx;
  size_t i0 = t * j->chunk, i1 = i0 + j->chunk;

  (void) thread_index;
  if (i1 > j->n)
    i1 = j->n;
  for (size_t i = i0; i < i1; i++)
    j->out[i] = j->lut->table[j->in[i]];
}

void
mnv3_qlut_run (mnv3_isa isa, const mnv3_qlut *lut, const void *in, void *out,
    size_t n, mnv3_threadpool *tp)
{
  qlut_job j = { lut, in, out, n, n };
  size_t tasks = mnv3_threadpool_tasks (tp, n, 65536);

  (void) isa;
  if (tasks <= 1) {
    qlut_task (&j, 0, 0);
    return;
  }
  j.chunk = (n + tasks - 1) / tasks;
  mnv3_threadpool_run (tp, (n + j.chunk - 1) / j.chunk, qlut_task, &j);
}
