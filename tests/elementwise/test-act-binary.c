/* test_act_binary.c — activations and broadcast binary ops.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Activations: every ISA against the test's double-precision definition,
 * relative 1e-6 plus 1e-30 absolute (sigmoid's vectorised exp included;
 * the absolute term only matters for results below 1e-30, where float
 * sigmoids of x < -69 are denormal anyway).  HSWISH/HSIGMOID compute
 * x + 3 or a*x + b in float first, which cancels near the kink, so they
 * get an absolute 5e-7 (a few ulp of that sum) instead.  Lengths cover the vector
 * tails (0..33), a long threaded run, in-place use and extreme inputs.
 *
 * Binary: every ISA and every operator against a naive NumPy-style
 * broadcast in double, |err| <= 2e-6 * (1 + |want|) (one float rounding of
 * the operation plus a fused activation).  Shapes hit every fast path
 * (same, per-channel b or a, scalar b or a) and general broadcasting,
 * plus out aliasing a and a threaded run equal to the serial one. */
#include "ewtest.h"

static void
act_case (mnv3_isa isa, mnv3_act act, const float *in, size_t n,
    mnv3_threadpool *tp)
{
  char what[96];
  double *want = malloc ((n ? n : 1) * sizeof *want);
  float *out = guarded_buf (n);
  for (size_t i = 0; i < n; i++)
    want[i] = act_naive (act, in[i]);
  snprintf (what, sizeof what, "act %d (%g,%g) %s n=%zu", act.type, act.a,
      act.b, isa_str (isa), n);
  double abs_tol = act.type == MNV3_ACT_HSWISH
      || act.type == MNV3_ACT_HSIGMOID ? 5e-7 : 1e-30;
  mnv3_act_run (isa, act, in, out, n, tp);
  check_guard (out, n, what);
  check_close (what, out, want, n, 1e-6, abs_tol);
  /* in place */
  memcpy (out, in, n * sizeof *out);
  mnv3_act_run (isa, act, out, out, n, tp);
  check_close (what, out, want, n, 1e-6, abs_tol);
  free (out);
  free (want);
}

START_TEST (test_act_lengths)
{
  FOR_EACH_ISA (isa)
    for (int a = 0; a < N_TEST_ACTS; a++)
      for (size_t n = 0; n <= 33; n++) {
        float *in = random_buf (n, -8.f, 8.f);
        act_case (isa, test_acts[a], in, n, NULL);
        free (in);
      }
}
END_TEST

START_TEST (test_act_extremes)
{
  static const float x[] = { 0.f, -0.f, 1e-30f, -1e-30f, 3.f, -3.f, 6.f,
    -6.f, 20.f, -20.f, 40.f, -40.f, 80.f, -80.f, 87.f, -87.f, 88.5f, -88.5f,
    100.f, -100.f, 1e30f, -1e30f, 0.5f, -0.5f, 2.5f, -2.5f, 1e-3f,
    -1e-3f, 15.9f, -15.9f, 0.125f, 7.f, -7.f };
  FOR_EACH_ISA (isa)
    for (int a = 0; a < N_TEST_ACTS; a++)
      act_case (isa, test_acts[a], x, sizeof x / sizeof *x, NULL);
  /* AUTO resolves to what the CPU (and $MNV3_ISA) allow */
  for (int a = 0; a < N_TEST_ACTS; a++)
    act_case (MNV3_ISA_AUTO, test_acts[a], x, sizeof x / sizeof *x, NULL);
}
END_TEST

/* Sigmoid (the vectorised exp) densely over the range where it matters. */
START_TEST (test_act_sigmoid_dense)
{
  size_t n = 200001;
  float *in = malloc (n * sizeof *in);
  for (size_t i = 0; i < n; i++)
    in[i] = -50.f + 100.f * (float) i / (float) (n - 1);
  FOR_EACH_ISA (isa)
    act_case (isa, test_acts[5], in, n, pool2);
  free (in);
}
END_TEST

START_TEST (test_act_threaded)
{
  size_t n = 300007;
  float *in = random_buf (n, -8.f, 8.f);
  FOR_EACH_ISA (isa)
    for (int a = 0; a < N_TEST_ACTS; a++) {
      act_case (isa, test_acts[a], in, n, pool2);
      float *o1 = malloc (n * sizeof *o1), *o2 = malloc (n * sizeof *o2);
      mnv3_act_run (isa, test_acts[a], in, o1, n, NULL);
      mnv3_act_run (isa, test_acts[a], in, o2, n, pool2);
      ck_assert (memcmp (o1, o2, n * sizeof *o1) == 0);
      free (o1);
      free (o2);
    }
  free (in);
}
END_TEST

/* ---- binary ------------------------------------------------------------ */

static const mnv3_binary_op all_ops[] = { MNV3_BINARY_ADD, MNV3_BINARY_SUB,
  MNV3_BINARY_MUL, MNV3_BINARY_DIV, MNV3_BINARY_MAX, MNV3_BINARY_MIN };

static double
op_naive (mnv3_binary_op op, double a, double b)
{
  switch (op) {
    case MNV3_BINARY_ADD: return a + b;
    case MNV3_BINARY_SUB: return a - b;
    case MNV3_BINARY_MUL: return a * b;
    case MNV3_BINARY_DIV: return a / b;
    case MNV3_BINARY_MAX: return a > b ? a : b;
    case MNV3_BINARY_MIN: return a < b ? a : b;
  }
  return 0;
}

static size_t
numel (const int s[4])
{
  return (size_t) s[0] * s[1] * s[2] * s[3];
}

/* Element of a broadcast operand at out index (n,h,w,c). */
static float
bcast_at (const float *x, const int s[4], int n, int h, int w, int c)
{
  n = s[0] == 1 ? 0 : n;
  h = s[1] == 1 ? 0 : h;
  w = s[2] == 1 ? 0 : w;
  c = s[3] == 1 ? 0 : c;
  return x[(((size_t) n * s[1] + h) * s[2] + w) * s[3] + c];
}

/* Random operand; divisors kept away from 0. */
static float *
operand (const int s[4], int divisor)
{
  size_t n = numel (s);
  float *p = random_buf (n, 0.5f, 2.f);
  for (size_t i = 0; i < n; i++)
    if (!divisor || (i & 1))
      p[i] = (i & 1) ? -p[i] : p[i] * 1.5f - 1.5f;
  return p;
}

static void
binary_case (const int as[4], const int bs[4], int alias, mnv3_threadpool *tp)
{
  int os[4];
  for (int d = 0; d < 4; d++)
    os[d] = as[d] > bs[d] ? as[d] : bs[d];
  size_t n = numel (os);
  double *want = malloc (n * sizeof *want);

  for (size_t oi = 0; oi < sizeof all_ops / sizeof *all_ops; oi++) {
    mnv3_binary_op op = all_ops[oi];
    float *a = operand (as, 0), *b = operand (bs, op == MNV3_BINARY_DIV);
    FOR_EACH_ISA (isa) {
      mnv3_act act = test_acts[(oi + (size_t) isa) % N_TEST_ACTS];
      char what[128];
      size_t i = 0;
      for (int q = 0; q < os[0]; q++)
        for (int h = 0; h < os[1]; h++)
          for (int w = 0; w < os[2]; w++)
            for (int c = 0; c < os[3]; c++)
              want[i++] = act_naive (act, (float) op_naive (op,
                      bcast_at (a, as, q, h, w, c), bcast_at (b, bs, q, h, w, c)));
      snprintf (what, sizeof what, "binary op %d act %d %s a[%d,%d,%d,%d] "
          "b[%d,%d,%d,%d]%s", op, act.type, isa_str (isa), as[0], as[1],
          as[2], as[3], bs[0], bs[1], bs[2], bs[3], alias ? " in place" : "");
      if (alias) {
        float *io = malloc (n * sizeof *io);
        memcpy (io, a, n * sizeof *io);
        mnv3_binary_run (isa, op, act, io, as, b, bs, io, os, tp);
        check_close (what, io, want, n, 2e-6, 2e-6);
        free (io);
      } else {
        float *out = guarded_buf (n);
        mnv3_binary_run (isa, op, act, a, as, b, bs, out, os, tp);
        check_guard (out, n, what);
        check_close (what, out, want, n, 2e-6, 2e-6);
        free (out);
      }
    }
    free (a);
    free (b);
  }
  free (want);
}

START_TEST (test_binary_fast_paths)
{
  for (int c = 1; c <= 67; c++) {
    int full[4] = { 1, 3, 5, c }, chan[4] = { 1, 1, 1, c },
        one[4] = { 1, 1, 1, 1 };
    binary_case (full, full, 0, NULL);    /* same shape */
    binary_case (full, chan, 0, NULL);    /* per-channel b */
    binary_case (chan, full, 0, NULL);    /* per-channel a */
    binary_case (full, one, 0, NULL);     /* scalar b */
    binary_case (one, full, 0, NULL);     /* scalar a */
  }
}
END_TEST

START_TEST (test_binary_general)
{
  static const int cases[][2][4] = {
    { {1, 4, 1, 6}, {1, 1, 5, 1} },
    { {1, 4, 5, 1}, {1, 1, 1, 7} },
    { {1, 1, 5, 3}, {1, 4, 1, 3} },
    { {2, 3, 4, 5}, {1, 3, 1, 5} },
    { {2, 1, 1, 5}, {1, 3, 4, 1} },
    { {1, 6, 7, 1}, {1, 6, 7, 1} },
    { {1, 6, 7, 1}, {1, 1, 1, 1} },
    { {1, 1, 1, 1}, {1, 1, 1, 1} },
    { {1, 7, 7, 576}, {1, 1, 1, 576} },  /* SE gate scaling */
    { {1, 5, 9, 2}, {1, 5, 1, 2} },
    { {1, 5, 9, 2}, {1, 5, 9, 1} },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    binary_case (cases[i][0], cases[i][1], 0, NULL);
}
END_TEST

START_TEST (test_binary_alias_threaded)
{
  int full[4] = { 1, 56, 56, 24 }, chan[4] = { 1, 1, 1, 24 },
      one[4] = { 1, 1, 1, 1 }, row[4] = { 1, 56, 1, 24 };
  binary_case (full, full, 1, pool2);
  binary_case (full, chan, 1, pool2);
  binary_case (full, one, 1, pool2);
  binary_case (full, row, 1, pool2);
  binary_case (full, full, 0, pool2);
  binary_case (full, chan, 0, pool2);
  binary_case (chan, full, 0, pool2);
  binary_case (row, full, 0, pool2);
}
END_TEST

static Suite *
act_binary_suite (void)
{
  Suite *s = suite_create ("elementwise-act-binary");
  TCase *tc = tcase_create ("act-binary");
  tcase_add_checked_fixture (tc, ew_setup, ew_teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_act_lengths);
  tcase_add_test (tc, test_act_extremes);
  tcase_add_test (tc, test_act_sigmoid_dense);
  tcase_add_test (tc, test_act_threaded);
  tcase_add_test (tc, test_binary_fast_paths);
  tcase_add_test (tc, test_binary_general);
  tcase_add_test (tc, test_binary_alias_threaded);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return ew_run_suite (act_binary_suite ());
}
