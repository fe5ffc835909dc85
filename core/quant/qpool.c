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
#include <string.h>

#include "cpu.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"
#include "quant/qops.h"

/* Channels summed at once: the int32 sums live on the stack. */
#define QPOOL_CB 256

typedef struct {
  const mnv3_pool_params *p;
  mnv3_qsum_fn sum;
  int is_i8;
  int32_t act_min, act_max;
  const void *in;
  void *out;
} qpool_job;

void
mnv3_qsum_c (const uint8_t *in, size_t stride, size_t rows, int is_i8,
    int32_t *acc, size_t n)
{
  for (size_t r = 0; r < rows; r++, in += stride)
    for (size_t i = 0; i < n; i++)
      acc[i] += mnv3_q_load (in, i, is_i8);
}

/* TFLite's rounded division of a window sum by its size. */
static inline int32_t
qpool_div (int32_t acc, int32_t count, int is_i8)
{
  if (!is_i8)
    return (acc + count / 2) / count;
  return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

/* AVERAGE_POOL_2D, one output row: the window's sums for a block of
 * channels, one kernel call per window row (its pixels are c apart). */
static void
qpool_avg_row (const qpool_job *j, int oy)
{
  const mnv3_pool_params *p = j->p;
  const int c = p->c;
  const int y0 = oy * p->sh - p->pad_t;
  const int ylo = y0 < 0 ? 0 : y0;
  const int yhi = y0 + p->kh < p->ih ? y0 + p->kh : p->ih;
  const uint8_t *in = j->in;
  uint8_t *out = j->out;
  int32_t acc[QPOOL_CB];

  for (int ox = 0; ox < p->ow; ox++) {
    const int x0 = ox * p->sw - p->pad_l;
    const int xlo = x0 < 0 ? 0 : x0;
    const int xhi = x0 + p->kw < p->iw ? x0 + p->kw : p->iw;
    const int32_t count = (yhi - ylo) * (xhi - xlo);
    uint8_t *o = out + ((size_t) oy * p->ow + ox) * c;

    if (yhi <= ylo || xhi <= xlo) {
      /* TFLite fails the op on an empty window; write act_min. */
      for (int k = 0; k < c; k++)
        mnv3_q_store (o, (size_t) k, j->act_min);
      continue;
    }
    for (int c0 = 0; c0 < c; c0 += QPOOL_CB) {
      const int nb = c - c0 < QPOOL_CB ? c - c0 : QPOOL_CB;
      memset (acc, 0, sizeof acc);
      for (int y = ylo; y < yhi; y++)
        j->sum (in + ((size_t) y * p->iw + xlo) * c + c0, (size_t) c,
            (size_t) (xhi - xlo), j->is_i8, acc, (size_t) nb);
      for (int k = 0; k < nb; k++)
        mnv3_q_store (o, (size_t) (c0 + k), mnv3_q_clamp (qpool_div (acc[k],
                    count, j->is_i8), j->act_min, j->act_max));
    }
  }
}

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
  if (p->type == MNV3_POOL_AVG) {
    qpool_avg_row (j, oy);
    return;
  }
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
  qpool_job j = { p, NULL, type == MNV3_DTYPE_I8, act_min, act_max, in,
    out };
  size_t work = (size_t) p->oh * p->ow * p->c * p->kh * p->kw;
  mnv3_qeltdsp dsp;

  mnv3_qeltdsp_init (&dsp, mnv3_cpu_resolve (isa), mnv3_cpu_features ());
  j.sum = dsp.sum;
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
  int32_t lo, hi, acc[QPOOL_CB];
  mnv3_qeltdsp dsp;

  (void) tp;
  mnv3_qeltdsp_init (&dsp, mnv3_cpu_resolve (isa), mnv3_cpu_features ());
  mnv3_qtype_range (q->out.type, &lo, &hi);
  for (int c0 = 0; c0 < c; c0 += QPOOL_CB) {
    const int nb = c - c0 < QPOOL_CB ? c - c0 : QPOOL_CB;
    memset (acc, 0, sizeof acc);
    dsp.sum ((const uint8_t *) in + c0, (size_t) c, n, is_i8, acc,
        (size_t) nb);
    for (int kk = 0; kk < nb; kk++) {
      const int k = c0 + kk;
      int32_t v;
      if (q->keep_dims) {
        /* TFLite's x86 build runs the NEON code (NEON_2_SSE) on whole
         * groups of 16 channels: ties of the final shift round upward
         * there */
        v = (k < (c & ~15) ? mnv3_qmul_apply_neon (acc[kk], q->mul)
            : mnv3_qmul_apply (acc[kk], q->mul)) + q->bias;
      } else {
        v = mnv3_qmul_apply ((int32_t) ((uint32_t) acc[kk]
                - (uint32_t) (q->in.zp * (int32_t) n)), q->mul) + q->out.zp;
      }
      mnv3_q_store (out, (size_t) k, mnv3_q_clamp (v, lo, hi));
    }
  }
}
