/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tools/qdq-calib.c (range statistics and the three methods) and
 * mnv3_qdq_param_from_range (tools/qdq-model.c) on data with known
 * answers.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "qdq-calib.h"
#include "qdq-model.h"
#include "support.h"

/* Deterministic uniform [0, 1). */
static double
urand (unsigned *s)
{
  *s = *s * 1103515245u + 12345u;
  return ((*s >> 8) & 0xffffff) / 16777216.0;
}

static uint64_t
hist_sum (const mnv3_calib *c)
{
  uint64_t n = 0;
  for (int i = 0; i < MNV3_CALIB_BINS; i++)
    n += c->hist[i];
  return n;
}

START_TEST (test_minmax_exact)
{
  static mnv3_calib c;
  float x[1000];
  unsigned s = 1;
  float lo, hi;

  mnv3_calib_init (&c);
  for (int i = 0; i < 1000; i++)
    x[i] = (float) (urand (&s) * 8 - 3);
  x[17] = -3.25f;
  x[500] = 5.5f;
  mnv3_calib_add (&c, x, 1000);
  mnv3_calib_range (&c, MNV3_CALIB_MINMAX, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (lo, -3.25f);
  ck_assert_float_eq (hi, 5.5f);
  ck_assert_uint_eq (c.count, 1000);
  ck_assert_uint_eq (hist_sum (&c), 1000);
}
END_TEST

/* The range grows over batches; counts survive each doubling, NaN and
 * infinities are not counted, and 0 is always in the range. */
START_TEST (test_widen_and_zero)
{
  static mnv3_calib c;
  float a[4] = { 0.5f, 1.0f, NAN, 0.25f };
  float b[3] = { 100.0f, INFINITY, 50.0f };
  float d[2] = { 2.0f, 3.0f };
  float lo, hi;

  mnv3_calib_init (&c);
  mnv3_calib_add (&c, a, 4);
  ck_assert (c.r == 1.0);
  mnv3_calib_add (&c, b, 3);
  ck_assert (c.r >= 100.0 && c.r < 200.0);
  ck_assert_uint_eq (c.count, 5);
  ck_assert_uint_eq (hist_sum (&c), 5);
  mnv3_calib_range (&c, MNV3_CALIB_MINMAX, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (lo, 0.0f);
  ck_assert_float_eq (hi, 100.0f);

  mnv3_calib_init (&c);
  mnv3_calib_add (&c, d, 2);
  mnv3_calib_range (&c, MNV3_CALIB_MINMAX, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (lo, 0.0f);       /* all positive: 0 is added */
  ck_assert_float_eq (hi, 3.0f);
  mnv3_calib_init (&c);
  mnv3_calib_range (&c, MNV3_CALIB_MSE, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (lo, 0.0f);       /* nothing seen */
  ck_assert_float_eq (hi, 0.0f);
}
END_TEST

/* 100000 values uniform in [0, 1) and 5 outliers at 1000: the 99.99th
 * percentile ignores the outliers (to within one bin, 2 R / 4096), minmax
 * does not, and neither does mse: clipping 5 values by 999 costs more
 * squared error than coarse steps for the rest. */
START_TEST (test_percentile_and_mse_clip_outliers)
{
  static mnv3_calib c;
  static float x[100005];
  unsigned s = 7;
  float lo, hi;
  double bin;

  mnv3_calib_init (&c);
  for (int i = 0; i < 100000; i++)
    x[i] = (float) urand (&s);
  for (int i = 100000; i < 100005; i++)
    x[i] = 1000.0f;
  mnv3_calib_add (&c, x, 50000);        /* two batches: widens on the 2nd */
  mnv3_calib_add (&c, x + 50000, 50005);
  bin = 2 * c.r / MNV3_CALIB_BINS;
  mnv3_calib_range (&c, MNV3_CALIB_MINMAX, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (hi, 1000.0f);
  mnv3_calib_range (&c, MNV3_CALIB_PERCENTILE, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (lo, 0.0f);
  ck_assert (hi >= 1.0 - bin && hi <= 1.0 + bin);
  mnv3_calib_range (&c, MNV3_CALIB_MSE, 99.99, 256, &lo, &hi);
  ck_assert_float_eq (lo, 0.0f);
  ck_assert (hi > 900.0f);
}
END_TEST

/* Without outliers mse keeps (nearly) the whole range.  On a Laplace
 * distribution (b = 1) quantized to 16 levels it clips near the known
 * optimum, about 5 b each side (Banner et al., "Post-training 4-bit
 * quantization", 2019: 5.03 b for 4 bits). */
START_TEST (test_mse_shapes)
{
  static mnv3_calib c;
  static float x[200000];
  unsigned s = 3;
  float lo, hi;

  mnv3_calib_init (&c);
  for (int i = 0; i < 100000; i++)
    x[i] = (float) (urand (&s) * 2 - 1);
  mnv3_calib_add (&c, x, 100000);
  mnv3_calib_range (&c, MNV3_CALIB_MSE, 99.99, 256, &lo, &hi);
  ck_assert (lo <= -0.9f && hi >= 0.9f);

  mnv3_calib_init (&c);
  for (int i = 0; i < 200000; i++) {
    double u = urand (&s) + 1e-9, v = urand (&s);
    x[i] = (float) (v < 0.5 ? log (u) : -log (u));
  }
  mnv3_calib_add (&c, x, 200000);
  ck_assert (c.max > 9 && c.min < -9);
  mnv3_calib_range (&c, MNV3_CALIB_MSE, 99.99, 16, &lo, &hi);
  ck_assert (hi > 3.5f && hi < 7.0f);
  ck_assert (lo < -3.5f && lo > -7.0f);
}
END_TEST

/* ONNX Runtime's rule: scale = (hi - lo) / 255, zero point rounded from
 * qmin - lo / scale; zero stays exact. */
START_TEST (test_param_from_range)
{
  mnv3_qdq_param p;

  p = mnv3_qdq_param_from_range (-1.0f, 3.0f, 1);
  ck_assert_float_eq_tol (p.scale, 4.0f / 255, 1e-9f);
  ck_assert_int_eq (p.zero_point, -64);   /* -128 + 63.75 -> -64 */
  p = mnv3_qdq_param_from_range (-1.0f, 3.0f, 0);
  ck_assert_int_eq (p.zero_point, 64);
  p = mnv3_qdq_param_from_range (0.5f, 2.0f, 1);   /* 0 added */
  ck_assert_float_eq_tol (p.scale, 2.0f / 255, 1e-9f);
  ck_assert_int_eq (p.zero_point, -128);
  p = mnv3_qdq_param_from_range (-2.0f, -1.0f, 0);
  ck_assert_int_eq (p.zero_point, 255);
  p = mnv3_qdq_param_from_range (0.0f, 0.0f, 1);   /* empty: scale 1 */
  ck_assert_float_eq (p.scale, 1.0f);
  ck_assert_int_eq (p.zero_point, 0);
  p = mnv3_qdq_param_from_range (NAN, 1.0f, 1);
  ck_assert (isfinite (p.scale) && p.scale > 0);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("qdq-calib");
  TCase *tc = tcase_create ("calib");

  tcase_add_test (tc, test_minmax_exact);
  tcase_add_test (tc, test_widen_and_zero);
  tcase_add_test (tc, test_percentile_and_mse_clip_outliers);
  tcase_add_test (tc, test_mse_shapes);
  tcase_add_test (tc, test_param_from_range);
  suite_add_tcase (s, tc);
  return mnv3_test_run_suite (s);
}
