/* test_misc.c — softmax, argmax and concat.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Softmax: every ISA against a double-precision softmax, |err| <= 1e-6 *
 * want + 1e-9 (the vectorised exp is ~2 ulp), channel counts 1..67 and
 * the 1000/1001-class heads, large-magnitude rows, in place.
 * Argmax: exact, first maximum wins.  Concat: exact, every axis. */
#include "ewtest.h"

static void
softmax_case (size_t rows, int c, float lo, float hi)
{
  size_t n = rows * c;
  float *in = random_buf (n, lo, hi);
  double *want = malloc (n * sizeof *want);
  for (size_t r = 0; r < rows; r++) {
    double mx = -INFINITY, sum = 0;
    for (int k = 0; k < c; k++)
      mx = fmax (mx, in[r * c + k]);
    for (int k = 0; k < c; k++)
      sum += exp (in[r * c + k] - mx);
    for (int k = 0; k < c; k++)
      want[r * c + k] = exp (in[r * c + k] - mx) / sum;
  }
  FOR_EACH_ISA (isa) {
    char what[96];
    float *out = guarded_buf (n);
    snprintf (what, sizeof what, "softmax %s rows %zu c %d", isa_str (isa),
        rows, c);
    mnv3_softmax_run (isa, in, out, rows, c);
    check_guard (out, n, what);
    check_close (what, out, want, n, 1e-6, 1e-9);
    memcpy (out, in, n * sizeof *out);
    mnv3_softmax_run (isa, out, out, rows, c);
    check_close (what, out, want, n, 1e-6, 1e-9);
    free (out);
  }
  free (in);
  free (want);
}

START_TEST (test_softmax)
{
  for (int c = 1; c <= 67; c++)
    softmax_case (3, c, -5.f, 5.f);
  softmax_case (1, 1000, -10.f, 10.f);
  softmax_case (1, 1001, -10.f, 10.f);
  softmax_case (2, 37, -100.f, 100.f);   /* most terms underflow */
  softmax_case (4, 21, 1000.f, 1010.f);  /* needs the max subtracted */
  softmax_case (200, 19, -3.f, 3.f);
}
END_TEST

START_TEST (test_argmax)
{
  const float in[] = { 1.f, 3.f, 3.f, -1.f,   /* tie: first wins */
    -5.f, -4.f, -6.f, -4.f,
    7.f, 0.f, 0.f, 0.f };
  float out[12];
  mnv3_argmax_run (in, out, 3, 4);
  ck_assert (out[0] == 1.f && out[1] == 1.f && out[2] == 0.f);
  mnv3_argmax_run (in, out, 12, 1);     /* one channel: always 0 */
  for (int i = 0; i < 12; i++)
    ck_assert (out[i] == 0.f);
  for (int c = 1; c <= 67; c++) {
    float *x = random_buf ((size_t) 5 * c, -1.f, 1.f);
    float o[5];
    for (int r = 0; r < 5; r++)
      x[r * c + (3 * r) % c] = 2.f;
    mnv3_argmax_run (x, o, 5, c);
    for (int r = 0; r < 5; r++)
      ck_assert_msg (o[r] == (float) ((3 * r) % c), "argmax c %d", c);
    free (x);
  }
}
END_TEST

static void
concat_case (int axis, int n, const int (*shapes)[4], mnv3_threadpool *tp)
{
  int os[4];
  memcpy (os, shapes[0], sizeof os);
  os[axis] = 0;
  const float *ins[8];
  float *bufs[8];
  for (int i = 0; i < n; i++) {
    os[axis] += shapes[i][axis];
    bufs[i] = random_buf ((size_t) shapes[i][0] * shapes[i][1] * shapes[i][2]
        * shapes[i][3], -1.f, 1.f);
    ins[i] = bufs[i];
  }
  size_t total = (size_t) os[0] * os[1] * os[2] * os[3];
  float *out = guarded_buf (total);
  mnv3_concat_run (axis, n, ins, shapes, out, tp);
  check_guard (out, total, "concat");
  int idx[4];
  for (idx[0] = 0; idx[0] < os[0]; idx[0]++)
    for (idx[1] = 0; idx[1] < os[1]; idx[1]++)
      for (idx[2] = 0; idx[2] < os[2]; idx[2]++)
        for (idx[3] = 0; idx[3] < os[3]; idx[3]++) {
          int j[4] = { idx[0], idx[1], idx[2], idx[3] }, i = 0;
          while (j[axis] >= shapes[i][axis])
            j[axis] -= shapes[i++][axis];
          const int *s = shapes[i];
          float want = ins[i][(((size_t) j[0] * s[1] + j[1]) * s[2] + j[2])
              * s[3] + j[3]];
          size_t o = (((size_t) idx[0] * os[1] + idx[1]) * os[2] + idx[2])
              * os[3] + idx[3];
          ck_assert_msg (out[o] == want, "concat axis %d at %zu", axis, o);
        }
  for (int i = 0; i < n; i++)
    free (bufs[i]);
  free (out);
}

START_TEST (test_concat)
{
  const int ch[3][4] = { {1, 4, 5, 3}, {1, 4, 5, 7}, {1, 4, 5, 1} };
  const int hs[2][4] = { {1, 2, 5, 3}, {1, 6, 5, 3} };
  const int ws[3][4] = { {1, 4, 1, 3}, {1, 4, 2, 3}, {1, 4, 6, 3} };
  const int ns[2][4] = { {1, 2, 3, 4}, {2, 2, 3, 4} };
  const int big[2][4] = { {1, 64, 64, 128}, {1, 64, 64, 5} };
  concat_case (3, 3, ch, NULL);
  concat_case (1, 2, hs, NULL);
  concat_case (2, 3, ws, NULL);
  concat_case (0, 2, ns, NULL);
  concat_case (3, 1, ch, NULL);
  concat_case (3, 2, big, pool2);
  concat_case (1, 2, hs, pool2);
}
END_TEST

static Suite *
misc_suite (void)
{
  Suite *s = suite_create ("elementwise-misc");
  TCase *tc = tcase_create ("misc");
  tcase_add_checked_fixture (tc, ew_setup, ew_teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_softmax);
  tcase_add_test (tc, test_argmax);
  tcase_add_test (tc, test_concat);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return ew_run_suite (misc_suite ());
}
