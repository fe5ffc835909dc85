/* binary.c — mnv3_binary_run: NumPy-broadcast binary ops over NHWC, and
 * the scalar reference kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broadcasting is reduced to runs: the longest suffix of dimensions over
 * which each operand is either entirely full (same as out) or entirely
 * broadcast (all 1) becomes one contiguous run of `inner` elements read
 * with step 1 or 0; the remaining prefix is an outer loop of runs.  Same
 * shape and scalar operands become a single run; per-channel operands
 * become one run per pixel with the channel vector reused.
 */
#include "dsp.h"
#include "elementwise/elementwise.h"

#define BINARY_MIN_PER_TASK 16384

static inline float
binary_ref (mnv3_binary_op op, float a, float b)
{
  switch (op) {
    case MNV3_BINARY_ADD: return a + b;
    case MNV3_BINARY_SUB: return a - b;
    case MNV3_BINARY_MUL: return a * b;
    case MNV3_BINARY_DIV: return a / b;
    case MNV3_BINARY_MAX: return a > b ? a : b;
    case MNV3_BINARY_MIN: return a < b ? a : b;
  }
  return 0.f;
}

void
mnv3_binary_kernel_scalar (mnv3_binary_op op, mnv3_act act, const float *a,
    int a_step, const float *b, int b_step, float *out, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = mnv3_act_ref (act, binary_ref (op, a[i * a_step], b[i * b_step]));
}

typedef struct {
  mnv3_binary_fn fn;
  mnv3_binary_op op;
  mnv3_act act;
  const float *a, *b;
  float *out;
  int a_step, b_step;          /* within a run: 0 or 1 */
  int outer_dims;              /* number of leading dims looped over */
  int shape[4];                /* out's shape */
  size_t a_stride[4], b_stride[4];  /* element strides, 0 if broadcast */
  size_t inner;                /* run length */
  size_t runs;                 /* number of runs (product of outer dims) */
  size_t tasks;
} binary_task;

/* Offsets of run r in a and b. */
static void
binary_run_offsets (const binary_task *t, size_t r, size_t *ao, size_t *bo)
{
  *ao = *bo = 0;
  for (int d = t->outer_dims - 1; d >= 0; d--) {
    size_t idx = r % (size_t) t->shape[d];
    r /= (size_t) t->shape[d];
    *ao += idx * t->a_stride[d];
    *bo += idx * t->b_stride[d];
  }
}

static void
binary_task_run (void *ctx, size_t i, int thread_index)
{
  const binary_task *t = ctx;
  size_t lo, hi;

  (void) thread_index;
  if (t->runs == 1) {
    /* one long run: split it */
    mnv3_ew_split (t->inner, t->tasks, i, &lo, &hi);
    lo = i == 0 ? 0 : lo & ~(size_t) 15;
    hi = i + 1 == t->tasks ? t->inner : hi & ~(size_t) 15;
    if (hi > lo)
      t->fn (t->op, t->act, t->a + lo * t->a_step, t->a_step,
          t->b + lo * t->b_step, t->b_step, t->out + lo, hi - lo);
    return;
  }
  mnv3_ew_split (t->runs, t->tasks, i, &lo, &hi);
  for (size_t r = lo; r < hi; r++) {
    size_t ao, bo;
    binary_run_offsets (t, r, &ao, &bo);
    t->fn (t->op, t->act, t->a + ao, t->a_step, t->b + bo, t->b_step,
        t->out + r * t->inner, t->inner);
  }
}

/* Classify dims [d, 4) of operand `s`: 1 full, 0 all ones, -1 mixed. */
static int
binary_suffix_kind (const int s[4], const int o[4], int d)
{
  int full = 1, ones = 1;
  for (int k = d; k < 4; k++) {
    full &= s[k] == o[k];
    ones &= s[k] == 1;
  }
  return full ? 1 : (ones ? 0 : -1);
}

void
mnv3_binary_run (mnv3_isa isa, mnv3_binary_op op, mnv3_act act,
    const float *a, const int a_shape[4], const float *b, const int b_shape[4],
    float *out, const int out_shape[4], mnv3_threadpool *tp)
{
  binary_task t = { mnv3_dsp_f32_get (isa)->binary, op, act, a, b, out,
    1, 1, 0, { 0 }, { 0 }, { 0 }, 1, 1, 1 };
  size_t total = 1, as = 1, bs = 1;

  for (int d = 0; d < 4; d++) {
    if (out_shape[d] <= 0)
      return;
    /* a planner bug, not bad data: refuse rather than read out of bounds */
    if ((a_shape[d] != out_shape[d] && a_shape[d] != 1)
        || (b_shape[d] != out_shape[d] && b_shape[d] != 1))
      return;
    total *= (size_t) out_shape[d];
    t.shape[d] = out_shape[d];
  }
  /* strides of a and b in elements; broadcast dims get stride 0 */
  for (int d = 3; d >= 0; d--) {
    t.a_stride[d] = a_shape[d] == 1 ? 0 : as;
    t.b_stride[d] = b_shape[d] == 1 ? 0 : bs;
    as *= (size_t) a_shape[d];
    bs *= (size_t) b_shape[d];
  }
  /* the longest suffix both operands read uniformly becomes the run */
  int d = 3;
  while (d > 0 && binary_suffix_kind (a_shape, out_shape, d - 1) >= 0
      && binary_suffix_kind (b_shape, out_shape, d - 1) >= 0)
    d--;
  t.outer_dims = d;
  t.a_step = binary_suffix_kind (a_shape, out_shape, d);
  t.b_step = binary_suffix_kind (b_shape, out_shape, d);
  for (int k = d; k < 4; k++)
    t.inner *= (size_t) out_shape[k];
  t.runs = total / t.inner;

  if (t.runs == 1)
    t.tasks = mnv3_threadpool_tasks (tp, t.inner, BINARY_MIN_PER_TASK);
  else
    t.tasks = mnv3_threadpool_tasks (tp, t.runs,
        (BINARY_MIN_PER_TASK + t.inner - 1) / t.inner);
  if (t.tasks <= 1)
    binary_task_run (&t, 0, 0);
  else
    mnv3_threadpool_run (tp, t.tasks, binary_task_run, &t);
}
