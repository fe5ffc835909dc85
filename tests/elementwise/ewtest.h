/* ewtest.h — helpers shared by the element-wise tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deterministic random data, the list of ISAs the CPU runs, a 2-thread
 * pool fixture and tolerance checks.  Buffers are allocated to their exact
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

#define GUARD 40
#define GUARD_VALUE 12345.f

static mnv3_threadpool *pool2;
static unsigned rng_state = 777u;

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

/* Loop over the scalar reference and every SIMD ISA this CPU has. */
#define FOR_EACH_ISA(isa) \
  for (mnv3_isa isa = MNV3_ISA_SCALAR; isa <= mnv3_cpu_detect (); \
      isa = (mnv3_isa) (isa + 1))

static inline float
frand_range (float lo, float hi)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float) (rng_state >> 8) / (float) (1u << 24);
}

static inline float *
random_buf (size_t n, float lo, float hi)
{
  float *p = malloc ((n ? n : 1) * sizeof *p);
  ck_assert_ptr_nonnull (p);
  for (size_t i = 0; i < n; i++)
    p[i] = frand_range (lo, hi);
  return p;
}

/* n floats followed by GUARD guard values. */
static inline float *
guarded_buf (size_t n)
{
  float *p = malloc ((n + GUARD) * sizeof *p);
  ck_assert_ptr_nonnull (p);
  for (size_t i = 0; i < n + GUARD; i++)
    p[i] = GUARD_VALUE;
  return p;
}

static inline void
check_guard (const float *p, size_t n, const char *what)
{
  for (size_t i = n; i < n + GUARD; i++)
    ck_assert_msg (p[i] == GUARD_VALUE, "%s: wrote past the end", what);
}

/* |got - want| <= rel * |want| + abs_tol for every element. */
static inline void
check_close (const char *what, const float *got, const double *want,
    size_t n, double rel, double abs_tol)
{
  for (size_t i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - want[i]);
    if (!(err <= rel * fabs (want[i]) + abs_tol))
      ck_abort_msg ("%s: [%zu] = %.9g, want %.9g (err %.3g)", what, i,
          got[i], want[i], err);
  }
}

static inline void
check_close_f (const char *what, const float *got, const float *want,
    size_t n, double rel, double abs_tol)
{
  for (size_t i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - want[i]);
    if (!(err <= rel * fabs ((double) want[i]) + abs_tol))
      ck_abort_msg ("%s: [%zu] = %.9g, want %.9g (err %.3g)", what, i,
          got[i], want[i], err);
  }
}

static inline const char *
isa_str (mnv3_isa isa)
{
  return mnv3_isa_name (isa);
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
  SRunner *sr = srunner_create (s);
  printf ("CPU ISA: %s\n", mnv3_isa_name (mnv3_cpu_detect ()));
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* MNV3_EWTEST_H */
