/* act.c — mnv3_act_run: activations over a flat array, and their scalar
 * reference kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dsp.h"
#include "elementwise/elementwise.h"

/* Memory-bound: a task must stream enough to outweigh waking a thread. */
#define ACT_MIN_PER_TASK 16384

void
mnv3_act_kernel_scalar (mnv3_act act, const float *in, float *out, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = mnv3_act_ref (act, in[i]);
}

typedef struct {
  mnv3_act_fn fn;
  mnv3_act act;
  const float *in;
  float *out;
  size_t n, tasks;
} act_task;

static void
act_task_run (void *ctx, size_t i, int thread_index)
{
  const act_task *t = ctx;
  size_t lo, hi;

  (void) thread_index;
  mnv3_ew_split (t->n, t->tasks, i, &lo, &hi);
  /* keep task boundaries on 64-byte lines so threads never share one */
  lo = i == 0 ? 0 : lo & ~(size_t) 15;
  hi = i + 1 == t->tasks ? t->n : hi & ~(size_t) 15;
  if (hi > lo)
    t->fn (t->act, t->in + lo, t->out + lo, hi - lo);
}

void
mnv3_act_run (mnv3_isa isa, mnv3_act act, const float *in, float *out,
    size_t n, mnv3_threadpool *tp)
{
  act_task t = { mnv3_dsp_f32_get (isa)->act, act, in, out, n, 1 };

  if (n == 0)
    return;
  if (act.type == MNV3_ACT_NONE && in == out)
    return;
  t.tasks = mnv3_threadpool_tasks (tp, n, ACT_MIN_PER_TASK);
  if (t.tasks <= 1)
    t.fn (act, in, out, n);
  else
    mnv3_threadpool_run (tp, t.tasks, act_task_run, &t);
}
