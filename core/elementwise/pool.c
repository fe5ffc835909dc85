/* pool.c — mnv3_pool_run (average/max pooling, any window) and
 * mnv3_global_avgpool_run, with their scalar reference kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Window bounds are clipped once per output pixel, so the inner loops
 * never test for padding.  Average divisor: the clipped window, or with
 * count_include_pad the window clipped to the padded input (what ONNX and
 * PyTorch divide by when a window runs past the padding). */
#include <math.h>

#include "dsp.h"
#include "elementwise/elementwise.h"

/* Work units (window taps times channels) per task. */
#define POOL_MIN_PER_TASK 32768

void
mnv3_pool_kernel_scalar (const mnv3_pool_params *p, const float *in,
    float *out, int oy0, int oy1)
{
  const int c = p->c;

  for (int oy = oy0; oy < oy1; oy++) {
    int y0 = oy * p->sh - p->pad_t;
    int ylo = y0 < 0 ? 0 : y0, yhi = y0 + p->kh < p->ih ? y0 + p->kh : p->ih;
    for (int ox = 0; ox < p->ow; ox++) {
      int x0 = ox * p->sw - p->pad_l;
      int xlo = x0 < 0 ? 0 : x0, xhi = x0 + p->kw < p->iw ? x0 + p->kw : p->iw;
      float *o = out + ((size_t) oy * p->ow + ox) * c;
      float div = 0.f;

      if (yhi <= ylo || xhi <= xlo) {
        for (int k = 0; k < c; k++)
          o[k] = 0.f;
        continue;
      }
      for (int k = 0; k < c; k++)
        o[k] = p->type == MNV3_POOL_MAX ? -INFINITY : 0.f;
      for (int y = ylo; y < yhi; y++)
        for (int x = xlo; x < xhi; x++) {
          const float *i = in + ((size_t) y * p->iw + x) * c;
          if (p->type == MNV3_POOL_MAX)
            for (int k = 0; k < c; k++)
              o[k] = i[k] > o[k] ? i[k] : o[k];
          else
            for (int k = 0; k < c; k++)
              o[k] += i[k];
        }
      if (p->type == MNV3_POOL_MAX)
        continue;
      if (p->count_include_pad) {
        int ye = y0 + p->kh < p->ih + p->pad_b ? y0 + p->kh : p->ih + p->pad_b;
        int xe = x0 + p->kw < p->iw + p->pad_r ? x0 + p->kw : p->iw + p->pad_r;
        div = (float) ((ye - y0) * (xe - x0));
      } else {
        div = (float) ((yhi - ylo) * (xhi - xlo));
      }
      for (int k = 0; k < c; k++)
        o[k] /= div;
    }
  }
}

void
mnv3_gavg_kernel_scalar (const float *in, size_t hw, int stride, int c0,
    int c1, float *out)
{
  for (int k = c0; k < c1; k++)
    out[k] = 0.f;
  for (size_t i = 0; i < hw; i++)
    for (int k = c0; k < c1; k++)
      out[k] += in[i * stride + k];
  for (int k = c0; k < c1; k++)
    out[k] /= (float) hw;
}

typedef struct {
  mnv3_pool_fn fn;
  const mnv3_pool_params *p;
  const float *in;
  float *out;
  size_t tasks;
} pool_task;

static void
pool_task_run (void *ctx, size_t i, int thread_index)
{
  const pool_task *t = ctx;
  size_t lo, hi;

  (void) thread_index;
  mnv3_ew_split ((size_t) t->p->oh, t->tasks, i, &lo, &hi);
  if (hi > lo)
    t->fn (t->p, t->in, t->out, (int) lo, (int) hi);
}

void
mnv3_pool_run (mnv3_isa isa, const mnv3_pool_params *p, const float *in,
    float *out, mnv3_threadpool *tp)
{
  pool_task t = { mnv3_dsp_f32_get (isa)->pool, p, in, out, 1 };

  if (p->oh <= 0 || p->ow <= 0 || p->c <= 0 || p->kh <= 0 || p->kw <= 0)
    return;
  size_t row_work = (size_t) p->ow * p->c * p->kh * p->kw;
  t.tasks = mnv3_threadpool_tasks (tp, (size_t) p->oh,
      (POOL_MIN_PER_TASK + row_work - 1) / row_work);
  if (t.tasks <= 1)
    t.fn (p, in, out, 0, p->oh);
  else
    mnv3_threadpool_run (tp, t.tasks, pool_task_run, &t);
}

typedef struct {
  mnv3_gavg_fn fn;
  const float *in;
  float *out;
  size_t hw;
  int c, block;
} gavg_task;

static void
gavg_task_run (void *ctx, size_t i, int thread_index)
{
  const gavg_task *t = ctx;
  int c0 = (int) i * t->block;
  int c1 = c0 + t->block < t->c ? c0 + t->block : t->c;

  (void) thread_index;
  t->fn (t->in, t->hw, t->c, c0, c1, t->out);
}

void
mnv3_global_avgpool_run (mnv3_isa isa, const float *in, int h, int w,
    int c, float *out, mnv3_threadpool *tp)
{
  gavg_task t = { mnv3_dsp_f32_get (isa)->gavg, in, out, (size_t) h * w, c, c };

  if (h <= 0 || w <= 0 || c <= 0)
    return;
  /* split channels in blocks of 64 (whole cache lines per thread) */
  size_t blocks = ((size_t) c + 63) / 64;
  size_t tasks = mnv3_threadpool_tasks (tp, blocks,
      (POOL_MIN_PER_TASK + t.hw * 64 - 1) / (t.hw * 64));
  if (tasks <= 1) {
    t.fn (in, t.hw, c, 0, c, out);
    return;
  }
  t.block = (int) ((blocks + tasks - 1) / tasks) * 64;
  tasks = ((size_t) c + t.block - 1) / t.block;
  mnv3_threadpool_run (tp, tasks, gavg_task_run, &t);
}
