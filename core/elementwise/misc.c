/* misc.c — concat, softmax, argmax.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "dsp.h"
#include "elementwise/elementwise.h"

/* Bytes copied per concat task. */
#define CONCAT_MIN_PER_TASK (256 * 1024)

/* ---- concat ---------------------------------------------------------- */

typedef struct {
  int n;
  const float *const *ins;
  size_t chunk[64 + 1];         /* per input: floats per outer index */
  size_t out_chunk;
  float *out;
  size_t outer, tasks;
  const int (*shapes)[4];
} concat_task;

static void
concat_copy (const concat_task *t, const size_t *chunk, size_t lo, size_t hi)
{
  for (size_t o = lo; o < hi; o++) {
    float *dst = t->out + o * t->out_chunk;
    for (int i = 0; i < t->n; i++) {
      memcpy (dst, t->ins[i] + o * chunk[i], chunk[i] * sizeof *dst);
      dst += chunk[i];
    }
  }
}

static void
concat_task_run (void *ctx, size_t i, int thread_index)
{
  const concat_task *t = ctx;
  size_t lo, hi;

  (void) thread_index;
  mnv3_ew_split (t->outer, t->tasks, i, &lo, &hi);
  concat_copy (t, t->chunk, lo, hi);
}

static size_t
concat_chunk (const int shape[4], int axis)
{
  size_t n = 1;
  for (int d = axis; d < 4; d++)
    n *= (size_t) shape[d];
  return n;
}

void
mnv3_concat_run (int axis, int n, const float *const *ins,
    const int (*shapes)[4], float *out, mnv3_threadpool *tp)
{
  concat_task t = { n, ins, { 0 }, 0, out, 1, 1, shapes };

  if (axis < 0 || axis > 3 || n <= 0)
    return;
  for (int d = 0; d < axis; d++)
    t.outer *= (size_t) shapes[0][d];
  if (n > 64) {
    /* rare: more inputs than the task holds; copy serially */
    for (size_t o = 0; o < t.outer; o++)
      for (int i = 0; i < n; i++) {
        size_t ch = concat_chunk (shapes[i], axis);
        memcpy (out, ins[i] + o * ch, ch * sizeof *out);
        out += ch;
      }
    return;
  }
  for (int i = 0; i < n; i++) {
    t.chunk[i] = concat_chunk (shapes[i], axis);
    t.out_chunk += t.chunk[i];
  }
  t.tasks = mnv3_threadpool_tasks (tp, t.outer,
      (CONCAT_MIN_PER_TASK / 4 + t.out_chunk - 1) / t.out_chunk);
  if (t.tasks <= 1)
    concat_copy (&t, t.chunk, 0, t.outer);
  else
    mnv3_threadpool_run (tp, t.tasks, concat_task_run, &t);
}

/* ---- softmax --------------------------------------------------------- */

void
mnv3_softmax_kernel_scalar (const float *in, float *out, size_t rows, int c)
{
  for (size_t r = 0; r < rows; r++) {
    const float *x = in + r * c;
    float *y = out + r * c;
    float mx = x[0];
    double sum = 0.0;  /* the reference: keep 1000-class sums exact */
    for (int k = 1; k < c; k++)
      mx = x[k] > mx ? x[k] : mx;
    for (int k = 0; k < c; k++) {
      y[k] = expf (x[k] - mx);
      sum += y[k];
    }
    float inv = (float) (1.0 / sum);
    for (int k = 0; k < c; k++)
      y[k] *= inv;
  }
}

void
mnv3_softmax_run (mnv3_isa isa, const float *in, float *out, size_t rows,
    int c)
{
  if (c <= 0 || rows == 0)
    return;
  mnv3_dsp_f32_get (isa)->softmax (in, out, rows, c);
}

/* ---- argmax ---------------------------------------------------------- */

/* Branch-free scan of one row; with c a constant (the small class counts
 * of segmentation heads) the loop unrolls into compares and selects. */
static inline __attribute__ ((always_inline)) void
argmax_rows (const float *in, float *out, size_t rows, const int c)
{
  for (size_t r = 0; r < rows; r++) {
    const float *x = in + r * c;
    float best = x[0];
    int idx = 0;
    for (int k = 1; k < c; k++) {
      int gt = x[k] > best;
      best = gt ? x[k] : best;
      idx = gt ? k : idx;
    }
    out[r] = (float) idx;
  }
}

void
mnv3_argmax_run (const float *in, float *out, size_t rows, int c)
{
  switch (c) {
    case 2: argmax_rows (in, out, rows, 2); break;
    case 3: argmax_rows (in, out, rows, 3); break;
    case 4: argmax_rows (in, out, rows, 4); break;
    case 5: argmax_rows (in, out, rows, 5); break;
    case 6: argmax_rows (in, out, rows, 6); break;
    case 8: argmax_rows (in, out, rows, 8); break;
    default: argmax_rows (in, out, rows, c); break;
  }
}
