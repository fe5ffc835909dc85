/* ewtest.h — helpers shared by the element-wise tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The activations swept, a 2-thread pool fixture and naive activations;
 * random data, ISA loops, guards and tolerances come from the support
 * library (tests/support).  Buffers are allocated to their exact
 * size so ASan catches any read past an end; outputs get guard values. */
#ifndef MNV3_EWTEST_H
#define MNV3_EWTEST_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "ops.h"
#include "support.h"

#define GUARD 40
#define GUARD_VALUE 12345.f
/* where the random data starts (mnv3_test_seed in ew_run_suite) */
#define EW_SEED 777u

static mnv3_threadpool *pool2;

static const mnv3_act test_acts[] = {
  { MNV3_ACT_NONE, 0.f, 0.f },
  { MNV3_ACT_RELU, 0.f, 0.f },
  { MNV3_ACT_CLIP, 0.f, 6.f },
  { MNV3_ACT_HSWISH, 0.f, 0.f },
  { MNV3_ACT_HSIGMOID, 1.f / 6.f, 0.5f },
  { MNV3_ACT_SIGMOID, 0.f, 0.f },
  { MNV3_ACT_CLIP, -0.25f, 0.5f },
  { MNV3_ACT_HSIGMOID, 0.2f, 0.5f },
};
#define N_TEST_ACTS ((int) (sizeof test_acts / sizeof test_acts[0]))

/* The support library's helpers (tests/support/support.h) under the
 * names these tests use. */
#define FOR_EACH_ISA(isa) MNV3_TEST_FOR_EACH_ISA (isa)
#define frand_range mnv3_test_frand
#define random_buf mnv3_test_random_buf
#define check_close mnv3_test_check_close
#define check_close_f mnv3_test_check_close_f
#define isa_str mnv3_isa_name

/* n floats followed by GUARD guard values. */
static inline float *
guarded_buf (size_t n)
{
  return mnv3_test_guarded_buf (n, GUARD, GUARD_VALUE);
}

static inline void
check_guard (const float *p, size_t n, const char *what)
{
  mnv3_test_check_guard (p, n, GUARD, GUARD_VALUE, what);
}

/* Activation in double, the test's own definition (ops.h). */
static inline double
act_naive (mnv3_act act, double x)
{
  switch (act.type) {
    case MNV3_ACT_RELU: return x > 0 ? x : 0;
    case MNV3_ACT_CLIP: return x < act.a ? act.a : (x > act.b ? act.b : x);
    case MNV3_ACT_HSWISH: return x * fmin (fmax (x + 3, 0), 6) / 6;
    case MNV3_ACT_HSIGMOID: return fmin (fmax ((double) act.a * x + act.b, 0), 1);
    case MNV3_ACT_SIGMOID: return 1 / (1 + exp (-x));
    default: return x;
  }
}

static void
ew_setup (void)
{
  pool2 = mnv3_threadpool_create (2);
  ck_assert_ptr_nonnull (pool2);
}

static void
ew_teardown (void)
{
  mnv3_threadpool_free (pool2);
  pool2 = NULL;
}

/* Run one suite; exit status for main(). */
static inline int
ew_run_suite (Suite *s)
{
  mnv3_test_seed (EW_SEED);
  return mnv3_test_run_suite (s);
}

#endif /* MNV3_EWTEST_H */
