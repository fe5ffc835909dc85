/* qpool.c — 8-bit AVERAGE_POOL_2D, MAX_POOL_2D and MEAN over H, W.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pooling (pooling.cc, internal/optimized/optimized_ops.h and
 * optimized/integer_ops/pooling.h): in and out share quantization; the
 * window is clipped to the input (padding never counts); the sum is
 * divided with rounding: uint8 (sum + n/2) / n, int8 half away from zero
 * ((sum +- n/2) / n, C division); then the activation clamp.  MAX starts
 * from act_min and is clamped to act_max.
 *
 * MEAN (reduce.cc): see mnv3_qmean in qops.h and docs/quantization.md. */
#include <math.h>

#include "quant/qinternal.h"
#include "quant/qops.h"

typedef struct {
  const mnv3_pool_params *p;
  int is_i8;
  int32_t act_min, act_max;
  const void *in;
  void *out;
} qpool_job;

static void
qpool_row (void *ctx, size_t oyi, int thread_index)
{
  const qpool_job *j = ctx;
  const mnv3_pool_params *p = j->p;
  const int c = p->c, oy = (int) oyi;
  const int y0 = oy * p->sh - p->pad_t;
  const int ylo = y0 < 0 ? 0 : y0;
  const int yhi = y0 + p->kh < p->ih ? y0 + p->kh : p->ih;

  (void) thread_index;
  for (int ox = 0; ox < p->ow; ox++) {
    const int x0 = ox * p->sw - p->pad_l;
    const int xlo = x0 < 0 ? 0 : x0;
    const int xhi = x0 + p->kw < p->iw ? x0 + p->kw : p->iw;
    const int32_t count = (yhi - ylo) * (xhi - xlo);
    const size_t obase = ((size_t) oy * p->ow + ox) * c;

    for (int k = 0; k < c; k++) {
      int32_t acc = p->type == MNV3_POOL_MAX ? j->act_min : 0;
      if (yhi <= ylo || xhi <= xlo) {
        /* TFLite fails the op on an empty window; write act_min. */
        mnv3_q_store (j->out, obase + k, j->act_min);
        continue;
      }
      for (int y = ylo; y < yhi; y++)
        for (int x = xlo; x < xhi; x++) {
          int32_t v = mnv3_q_load (j->in, ((size_t) y * p->iw + x) * c + k,
              j->is_i8);
          if (p->type == MNV3_POOL_MAX)
            acc = v > acc ? v : acc;
          else
            acc += v;
        }
      if (p->type == MNV3_POOL_AVG) {
        if (!j->is_i8)
          acc = (acc + count / 2) / count;
        else
          acc = acc > 0 ? (acc + count / 2) / count
              : (acc - count / 2) / count;
      }
      mnv3_q_store (j->out, obase + k, mnv3_q_clamp (acc, j->act_min,
              j->act_max));
    }
  }
}

void
mnv3_qpool_run (mnv3_isa isa, const mnv3_pool_params *p, mnv3_dtype type,
    int32_t act_min, int32_t act_max, const void *in, void *out,
    mnv3_threadpool *tp)
{
  qpool_job j = { p, type == MNV3_DTYPE_I8, act_min, act_max, in, out };
  size_t work = (size_t) p->oh * p->ow * p->c * p->kh * p->kw;

  (void) isa;
  if (p->oh <= 1 || mnv3_threadpool_tasks (tp, work, 32768) <= 1) {
    for (int oy = 0; oy < p->oh; oy++)
      qpool_row (&j, (size_t) oy, 0);
  } else {
    mnv3_threadpool_run (tp, (size_t) p->oh, qpool_row, &j);
  }
}

/* ---- MEAN ------------------------------------------------------------- */

mnv3_status
mnv3_qmean_prepare (mnv3_qmean *q)
{
  if ((q->in.type != MNV3_DTYPE_U8 && q->in.type != MNV3_DTYPE_I8)
      || q->out.type != q->in.type)
    return MNV3_ERR_UNSUPPORTED;
  if (!(q->in.scale > 0.f) || !(q->out.scale > 0.f) || q->count <= 0)
    return MNV3_ERR_INVALID_ARG;
  q->same_quant = q->in.scale == q->out.scale && q->in.zp == q->out.zp;

  if (q->keep_dims) {
    /* optimized Mean (optimized/reduce.h, optimized/integer_ops/mean.h):
     * everything in float, the bias rounded half away from zero. */
    const float n = (float) q->count;
    float temp = (float) q->in.zp * q->in.scale / q->out.scale;
    float real;
    temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
    q->bias = q->out.zp - (int32_t) temp;
    real = q->in.scale / (n * q->out.scale);
    q->mul = mnv3_qmul_from_double ((double) real);
  } else {
    /* reduce.cc Prepare: in/out in double; QuantizedMeanOrSum then folds
     * 1/count into the multiplier with a shift of floor(log2(count)). */
    mnv3_qmul m = mnv3_qmul_from_double ((double) q->in.scale
        / (double) q->out.scale);
    int shift = 0;
    while (shift < 63 && ((uint64_t) q->count >> (shift + 1)))
      shift++;
    if (shift > 32)
      shift = 32;
    if (shift > 31 + m.shift)
      shift = 31 + m.shift;
    q->mul.mult = (int32_t) (((int64_t) m.mult << shift) / q->count);
    q->mul.shift = m.shift - shift;
    q->bias = 0;
  }
  return MNV3_OK;
}

void
mnv3_qmean_run (mnv3_isa isa, const mnv3_qmean *q, const void *in, int h,
    int w, int c, void *out, mnv3_threadpool *tp)
{
  const int is_i8 = q->in.type == MNV3_DTYPE_I8;
  const size_t n = (size_t) h * w;
  int32_t lo, hi;

  (void) isa;
  (void) tp;
  mnv3_qtype_range (q->out.type, &lo, &hi);
  for (int k = 0; k < c; k++) {
    int32_t acc = 0, v;
    for (size_t i = 0; i < n; i++)
      acc += mnv3_q_load (in, i * c + k, is_i8);
    if (q->keep_dims) {
      v = mnv3_qmul_apply (acc, q->mul) + q->bias;
    } else {
      v = mnv3_qmul_apply ((int32_t) ((uint32_t) acc
              - (uint32_t) (q->in.zp * (int32_t) n)), q->mul) + q->out.zp;
    }
    mnv3_q_store (out, k, mnv3_q_clamp (v, lo, hi));
  }
}
