/* qmisc.c — 8-bit CONCATENATION, SOFTMAX, ARG_MAX, QUANTIZE, DEQUANTIZE.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * concatenation.cc / reference/concatenation.h ConcatenationWithScaling,
 * activations.cc SoftmaxPrepare + optimized_ops::Softmax (float table),
 * arg_min_max.cc, quantize.cc + optimized_ops::AffineQuantize,
 * dequantize.h + optimized_ops::Dequantize.  See docs/quantization.md. */
#include <math.h>
#include <string.h>

#include "quant/qinternal.h"
#include "quant/qops.h"

/* ---- CONCATENATION ------------------------------------------------------ */

void
mnv3_qconcat_run (int axis, int n, const void *const *ins,
    const int (*shapes)[4], const mnv3_qtensor *in_q,
    const mnv3_qtensor *out_q, void *out, mnv3_threadpool *tp)
{
  size_t outer = 1, inner = 1;
  uint8_t *o = out;
  int32_t lo, hi;
  const int is_i8 = out_q->type == MNV3_DTYPE_I8;

  (void) tp;
  if (axis < 0 || axis > 3 || n <= 0)
    return;
  mnv3_qtype_range (out_q->type, &lo, &hi);
  for (int d = 0; d < axis; d++)
    outer *= (size_t) shapes[0][d];
  for (int d = axis + 1; d < 4; d++)
    inner *= (size_t) shapes[0][d];

  for (size_t k = 0; k < outer; k++) {
    for (int i = 0; i < n; i++) {
      const size_t copy = (size_t) shapes[i][axis] * inner;
      const uint8_t *src = (const uint8_t *) ins[i] + k * copy;
      if (in_q[i].zp == out_q->zp && in_q[i].scale == out_q->scale) {
        memcpy (o, src, copy);
      } else {
        /* Float scale and bias, TfLiteRound, + zp, clamp.  TFLite only
         * rescales uint8 (it rejects int8 with differing quantization);
         * int8 gets the same formula here. */
        const float inv = 1.f / out_q->scale;
        const float scale = in_q[i].scale * inv;
        const float bias = (float) -in_q[i].zp * scale;
        for (size_t j = 0; j < copy; j++) {
          float x = (float) mnv3_q_load (src, j, is_i8) * scale + bias;
          int32_t v = (int32_t) roundf (x) + out_q->zp;
          mnv3_q_store (o, j, mnv3_q_clamp (v, lo, hi));
        }
      }
      o += copy;
    }
  }
}

/* ---- SOFTMAX ------------------------------------------------------------ */

mnv3_status
mnv3_qsoftmax_prepare (mnv3_qsoftmax *q)
{
  float scale;

  if ((q->in.type != MNV3_DTYPE_U8 && q->in.type != MNV3_DTYPE_I8)
      || q->out.type != q->in.type)
    return MNV3_ERR_UNSUPPORTED;
  if (!(q->in.scale > 0.f) || !(q->out.scale > 0.f))
    return MNV3_ERR_INVALID_ARG;
  /* PopulateSoftmaxLookupTable: table[255 - d] = expf(-in_scale*beta*d). */
  scale = -q->in.scale * q->beta;
  for (int32_t d = 0; d <= 255; d++)
    q->table[255 - d] = expf (scale * (float) d);
  q->input_multiplier = 0;      /* the fixed-point kernel is not used */
  q->input_left_shift = 0;
  q->diff_min = 0;
  return MNV3_OK;
}

void
mnv3_qsoftmax_run (const mnv3_qsoftmax *q, const void *in, void *out,
    size_t rows, int c)
{
  const int is_i8 = q->in.type == MNV3_DTYPE_I8;
  int32_t lo, hi;

  mnv3_qtype_range (q->out.type, &lo, &hi);
  for (size_t r = 0; r < rows; r++) {
    const size_t base = r * (size_t) c;
    int32_t maxv = is_i8 ? -128 : 0;
    float sum = 0.0f, inv;
    const float *t;

    for (int j = 0; j < c; j++) {
      int32_t v = mnv3_q_load (in, base + j, is_i8);
      maxv = v > maxv ? v : maxv;
    }
    t = q->table + 255 - maxv;  /* t[v] = exp(in_scale*beta*(v - max)) */
    for (int j = 0; j < c; j++)
      sum += t[mnv3_q_load (in, base + j, is_i8)];
    inv = 1.0f / (sum * q->out.scale);
    for (int j = 0; j < c; j++) {
      float p = t[mnv3_q_load (in, base + j, is_i8)] * inv;
      int32_t v;
      if (is_i8)
        v = (int32_t) roundf (p) + q->out.zp;
      else
        v = (int32_t) (p + 0.5f);   /* x86 uint8: zero point not added */
      mnv3_q_store (out, base + j, mnv3_q_clamp (v, lo, hi));
    }
  }
}

/* ---- ARG_MAX ------------------------------------------------------------- */

void
mnv3_qargmax_run (mnv3_dtype in_type, const void *in, mnv3_dtype out_type,
    void *out, size_t rows, int c, mnv3_threadpool *tp)
{
  const int is_i8 = in_type == MNV3_DTYPE_I8;

  (void) tp;
  for (size_t r = 0; r < rows; r++) {
    int32_t best = mnv3_q_load (in, r * (size_t) c, is_i8);
    int bi = 0;
    for (int j = 1; j < c; j++) {
      int32_t v = mnv3_q_load (in, r * (size_t) c + j, is_i8);
      if (v > best) {           /* strict: the first maximum wins */
        best = v;
        bi = j;
      }
    }
    if (out_type == MNV3_DTYPE_I64)
      ((int64_t *) out)[r] = bi;
    else
      ((int32_t *) out)[r] = bi;
  }
}

/* ---- QUANTIZE / DEQUANTIZE ------------------------------------------------ */

void
mnv3_quantize_run (const float *in, void *out, size_t n,
    const mnv3_qtensor *q)
{
  const double scale = (double) q->scale;
  int32_t lo, hi;

  mnv3_qtype_range (q->type, &lo, &hi);
  for (size_t i = 0; i < n; i++) {
    /* optimized_ops::AffineQuantize: the division in double. */
    double r = round ((double) in[i] / scale);
    int32_t v;
    if (!(r >= -2147483648.0))        /* also NaN */
      r = -2147483648.0;
    if (r > 2147483647.0)
      r = 2147483647.0;
    v = (int32_t) r;
    v = v > INT32_MAX - 256 ? INT32_MAX - 256 : v;
    v = v < INT32_MIN + 256 ? INT32_MIN + 256 : v;
    mnv3_q_store (out, i, mnv3_q_clamp (v + q->zp, lo, hi));
  }
}

void
mnv3_dequantize_run (const void *in, float *out, size_t n,
    const mnv3_qtensor *q)
{
  const int is_i8 = q->type == MNV3_DTYPE_I8;
  const double scale = (double) q->scale;

  for (size_t i = 0; i < n; i++)
    out[i] = (float) (scale * (double) (mnv3_q_load (in, i, is_i8) - q->zp));
}
