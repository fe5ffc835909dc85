/* dwconv.c — depthwise convolution operator: validation, weight packing,
 * kernel choice (create) and row-parallel execution (run).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "dsp.h"
#include "graph.h"
#include "dwconv/dwconv.h"

/* Multiply-accumulates per task: enough to amortise a hand-off. */
#define DWCONV_MIN_MACS_PER_TASK 32768

static void *
dwconv_alloc (size_t floats)
{
  size_t bytes = (floats * sizeof (float) + 63) & ~(size_t) 63;
  void *p = aligned_alloc (64, bytes ? bytes : 64);
  if (p)
    memset (p, 0, bytes ? bytes : 64);
  return p;
}

static int
dwconv_params_ok (const mnv3_dwconv_params *p)
{
  return p->ih > 0 && p->iw > 0 && p->ic > 0 && p->oh > 0 && p->ow > 0
      && p->oc == p->ic && p->groups == p->ic
      && p->kh > 0 && p->kw > 0 && p->kh <= 64 && p->kw <= 64
      && p->sh > 0 && p->sw > 0 && p->dh > 0 && p->dw > 0
      && p->pad_t >= 0 && p->pad_l >= 0 && p->pad_b >= 0 && p->pad_r >= 0;
}

/* Output columns whose whole window lies inside the input. */
static void
dwconv_interior (mnv3_dwconv *d)
{
  const mnv3_dwconv_params *p = &d->p;
  int lo = (p->pad_l + p->sw - 1) / p->sw;
  int num = p->iw - 1 - (p->kw - 1) * p->dw + p->pad_l;
  int hi = num < 0 ? 0 : num / p->sw + 1;

  lo = lo > p->ow ? p->ow : lo;
  hi = hi > p->ow ? p->ow : hi;
  d->ox_lo = lo;
  d->ox_hi = hi < lo ? lo : hi;
}

/* The table's 3x3 / 5x5 rows for square kernels, its any-shape rows
 * otherwise. */
static mnv3_dwconv_rows_fn
dwconv_pick (const mnv3_dsp_f32 *dsp, const mnv3_dwconv_params *p)
{
  int k = p->kh == p->kw ? p->kh : 0;

  return k == 3 ? dsp->dw3 : k == 5 ? dsp->dw5 : dsp->dw_any;
}

mnv3_dwconv *
mnv3_dwconv_create (mnv3_isa isa, const mnv3_dwconv_params *p,
    const float *weights, const float *bias)
{
  const mnv3_dsp_f32 *dsp;
  mnv3_dwconv *d;
  size_t taps, c;

  if (!p || !weights || !dwconv_params_ok (p)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "dwconv: invalid parameters");
    return NULL;
  }
  d = calloc (1, sizeof *d);
  if (!d) {
    mnv3_set_error (MNV3_ERR_NOMEM, "dwconv: out of memory");
    return NULL;
  }
  d->p = *p;
  dsp = mnv3_dsp_f32_get (mnv3_cpu_resolve (isa));
  d->isa = dsp->isa;
  c = (size_t) p->ic;
  d->cp = (int) ((c + MNV3_DWCONV_CP_ALIGN - 1) / MNV3_DWCONV_CP_ALIGN
      * MNV3_DWCONV_CP_ALIGN);
  taps = (size_t) p->kh * p->kw;
  d->w = dwconv_alloc (taps * d->cp);
  d->bias = dwconv_alloc (d->cp);
  d->zero = dwconv_alloc ((size_t) p->iw * c);
  if (!d->w || !d->bias || !d->zero) {
    mnv3_dwconv_free (d);
    mnv3_set_error (MNV3_ERR_NOMEM, "dwconv: out of memory");
    return NULL;
  }
  /* [c][kh][kw] -> [kh*kw][cp] */
  for (size_t k = 0; k < c; k++)
    for (size_t t = 0; t < taps; t++)
      d->w[t * d->cp + k] = weights[k * taps + t];
  if (bias)
    memcpy (d->bias, bias, c * sizeof *bias);
  dwconv_interior (d);
  d->rows = dwconv_pick (dsp, p);
  return d;
}

size_t
mnv3_dwconv_scratch_size (const mnv3_dwconv *d, int num_threads)
{
  (void) d;
  (void) num_threads;
  return 0;  /* padding rows come from d->zero; nothing per run */
}

typedef struct {
  const mnv3_dwconv *d;
  const float *in;
  float *out;
  size_t row_tasks, chan_tasks;
} dwconv_task;

/* Task i covers a range of rows times a range of channel blocks. */
static void
dwconv_task_run (void *ctx, size_t i, int thread_index)
{
  const dwconv_task *t = ctx;
  const mnv3_dwconv_params *p = &t->d->p;
  size_t r = i / t->chan_tasks, k = i % t->chan_tasks;
  size_t blocks = ((size_t) p->ic + MNV3_DWCONV_CP_ALIGN - 1)
      / MNV3_DWCONV_CP_ALIGN;
  int lo = (int) ((size_t) p->oh * r / t->row_tasks);
  int hi = (int) ((size_t) p->oh * (r + 1) / t->row_tasks);
  int c0 = (int) (blocks * k / t->chan_tasks) * MNV3_DWCONV_CP_ALIGN;
  int c1 = (int) (blocks * (k + 1) / t->chan_tasks) * MNV3_DWCONV_CP_ALIGN;

  (void) thread_index;
  if (c1 > p->ic)
    c1 = p->ic;
  if (hi > lo && c1 > c0)
    t->d->rows (t->d, t->in, t->out, lo, hi, c0, c1);
}

void
mnv3_dwconv_run (const mnv3_dwconv *d, const float *in, float *out,
    void *scratch, mnv3_threadpool *tp)
{
  const mnv3_dwconv_params *p = &d->p;
  size_t row_macs = (size_t) p->ow * p->ic * p->kh * p->kw;
  size_t nt = (size_t) mnv3_threadpool_size (tp);
  size_t blocks = ((size_t) p->ic + MNV3_DWCONV_CP_ALIGN - 1)
      / MNV3_DWCONV_CP_ALIGN;
  dwconv_task t = { d, in, out, 1, 1 };

  (void) scratch;
  t.row_tasks = mnv3_threadpool_tasks (tp, (size_t) p->oh,
      (DWCONV_MIN_MACS_PER_TASK + row_macs - 1) / row_macs);
  /* Small maps with many channels (7x7x960) have too few rows to balance
   * the threads: split channel blocks too, as long as a task keeps
   * DWCONV_MIN_MACS_PER_TASK of work. */
  if (nt > 1 && t.row_tasks < 4 * nt && blocks > 1) {
    size_t total = row_macs * (size_t) p->oh;
    size_t want = (4 * nt + t.row_tasks - 1) / t.row_tasks;
    size_t cap = total / DWCONV_MIN_MACS_PER_TASK / t.row_tasks;
    want = want > cap ? cap : want;
    t.chan_tasks = want > blocks ? blocks : (want < 1 ? 1 : want);
  }
  if (t.row_tasks * t.chan_tasks <= 1)
    d->rows (d, in, out, 0, p->oh, 0, p->ic);
  else
    mnv3_threadpool_run (tp, t.row_tasks * t.chan_tasks, dwconv_task_run, &t);
}

void
mnv3_dwconv_free (mnv3_dwconv *d)
{
  if (!d)
    return;
  free (d->w);
  free (d->bias);
  free (d->zero);
  free (d);
}

size_t
mnv3_dwconv_packed_bytes (const mnv3_dwconv *d)
{
  if (!d)
    return 0;
  return ((size_t) d->p.kh * d->p.kw + 1) * d->cp * sizeof (float);
}
