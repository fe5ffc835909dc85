/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * models/classify.c: softmax, distribution detection, top-k, labels and
 * the mean/std metadata parser, on edge cases with known answers.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"

START_TEST (test_softmax_values)
{
  /* softmax([1,2,3]) = e^(x-3) / (e^-2 + e^-1 + 1). */
  const float in[3] = { 1, 2, 3 };
  const float want[3] = { 0.09003057f, 0.24472847f, 0.66524096f };
  float out[3];
  mnv3_classify_softmax (in, out, 3);
  for (int i = 0; i < 3; i++)
    ck_assert_float_eq_tol (out[i], want[i], 1e-6f);

  /* Stable for huge logits: no overflow, no NaN. */
  const float big[3] = { 1000, 0, -1000 };
  mnv3_classify_softmax (big, out, 3);
  ck_assert_float_eq_tol (out[0], 1.0f, 1e-7f);
  ck_assert_float_eq (out[1], 0.0f);
  const float low[2] = { -1000, -1000 };
  mnv3_classify_softmax (low, out, 2);
  ck_assert_float_eq_tol (out[0], 0.5f, 1e-7f);
  ck_assert_float_eq_tol (out[1], 0.5f, 1e-7f);

  /* n = 1 and in place. */
  float one = 42.0f;
  mnv3_classify_softmax (&one, &one, 1);
  ck_assert_float_eq (one, 1.0f);
  float inplace[3] = { 1, 2, 3 };
  mnv3_classify_softmax (inplace, inplace, 3);
  for (int i = 0; i < 3; i++)
    ck_assert_float_eq_tol (inplace[i], want[i], 1e-6f);

  /* 1001 random logits sum to 1 within float rounding. */
  float l[1001];
  double s = 0;
  srand (5);
  for (int i = 0; i < 1001; i++)
    l[i] = (float) (rand () % 2000) / 100.0f - 10.0f;
  mnv3_classify_softmax (l, l, 1001);
  for (int i = 0; i < 1001; i++) {
    ck_assert (l[i] >= 0.0f && l[i] <= 1.0f);
    s += l[i];
  }
  ck_assert_double_eq_tol (s, 1.0, 1e-5);
}
END_TEST

START_TEST (test_softmax_non_finite)
{
  float out[4];
  const float withnan[4] = { 1, NAN, 1, -INFINITY };
  mnv3_classify_softmax (withnan, out, 4);
  ck_assert_float_eq_tol (out[0], 0.5f, 1e-7f);
  ck_assert_float_eq (out[1], 0.0f);
  ck_assert_float_eq (out[3], 0.0f);

  const float withinf[4] = { INFINITY, 3, INFINITY, NAN };
  mnv3_classify_softmax (withinf, out, 4);
  ck_assert_float_eq (out[0], 0.5f);
  ck_assert_float_eq (out[1], 0.0f);
  ck_assert_float_eq (out[2], 0.5f);
  ck_assert_float_eq (out[3], 0.0f);

  const float allnan[4] = { NAN, NAN, NAN, NAN };
  mnv3_classify_softmax (allnan, out, 4);
  for (int i = 0; i < 4; i++)
    ck_assert_float_eq (out[i], 0.25f);

  const float allneginf[2] = { -INFINITY, -INFINITY };
  mnv3_classify_softmax (allneginf, out, 2);
  /* Every entry at the (infinite) maximum shares the mass. */
  ck_assert_float_eq (out[0], 0.5f);
  ck_assert_float_eq (out[1], 0.5f);
}
END_TEST

START_TEST (test_distribution)
{
  const float p[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
  const float logits[4] = { 0.1f, 2.0f, -1.0f, 0.3f };
  const float pos[3] = { 0.5f, 0.5f, 0.5f };    /* non-negative, sum 1.5 */
  const float neg[3] = { 1.2f, -0.2f, 0.0f };   /* sum 1, one negative */
  const float nan3[3] = { 0.5f, NAN, 0.5f };
  float out[4];

  ck_assert (mnv3_classify_is_distribution (p, 4, 1e-3f));
  ck_assert (!mnv3_classify_is_distribution (logits, 4, 0.05f));
  ck_assert (!mnv3_classify_is_distribution (pos, 3, 0.05f));
  ck_assert (!mnv3_classify_is_distribution (neg, 3, 0.05f));
  ck_assert (!mnv3_classify_is_distribution (nan3, 3, 0.05f));
  ck_assert (!mnv3_classify_is_distribution (p, 0, 0.05f));

  /* A uint8 softmax (scale 1/256) sums to 1 only roughly: 250 + 3 + 1. */
  const float q[3] = { 250 / 256.0f, 3 / 256.0f, 1 / 256.0f };
  ck_assert (mnv3_classify_is_distribution (q, 3, 0.05f));
  ck_assert_int_eq (mnv3_classify_probabilities (q, out, 3), 0);
  ck_assert_float_eq (out[0], q[0]);   /* copied, not softmaxed again */

  ck_assert_int_eq (mnv3_classify_probabilities (logits, out, 4), 1);
  ck_assert_float_eq_tol (out[0] + out[1] + out[2] + out[3], 1.0f, 1e-6f);
  ck_assert (out[1] > out[3] && out[3] > out[0] && out[0] > out[2]);
}
END_TEST

START_TEST (test_topk)
{
  const float s[6] = { 0.1f, 0.5f, 0.5f, NAN, 0.9f, 0.1f };
  int idx[8];

  ck_assert_int_eq (mnv3_classify_topk (s, 6, 3, idx), 3);
  ck_assert_int_eq (idx[0], 4);
  ck_assert_int_eq (idx[1], 1);     /* tie with 2: lower index first */
  ck_assert_int_eq (idx[2], 2);

  /* k > n is clamped; NaN ranks last; ties 0 before 5. */
  ck_assert_int_eq (mnv3_classify_topk (s, 6, 8, idx), 6);
  const int want[6] = { 4, 1, 2, 0, 5, 3 };
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq (idx[i], want[i]);

  ck_assert_int_eq (mnv3_classify_topk (s, 6, 0, idx), 0);
  ck_assert_int_eq (mnv3_classify_topk (s, 6, -3, idx), 0);
  ck_assert_int_eq (mnv3_classify_topk (s, 0, 5, idx), 0);

  const float neg[3] = { -INFINITY, -5.0f, -INFINITY };
  ck_assert_int_eq (mnv3_classify_topk (neg, 3, 3, idx), 3);
  ck_assert_int_eq (idx[0], 1);
  ck_assert_int_eq (idx[1], 0);
  ck_assert_int_eq (idx[2], 2);
}
END_TEST

/* The small-k (insertion) and large-k (sort) paths agree, on data full of
 * ties, with a brute-force reference. */
START_TEST (test_topk_paths_agree)
{
  enum { N = 1001 };
  static float s[N];
  static int a[N], b[N];
  srand (11);
  for (int i = 0; i < N; i++)
    s[i] = (float) (rand () % 50);
  ck_assert_int_eq (mnv3_classify_topk (s, N, 64, a), 64);
  ck_assert_int_eq (mnv3_classify_topk (s, N, N, b), N);
  for (int i = 0; i < 64; i++)
    ck_assert_int_eq (a[i], b[i]);
  for (int i = 1; i < N; i++) {
    ck_assert (s[b[i - 1]] >= s[b[i]]);
    if (s[b[i - 1]] == s[b[i]])
      ck_assert_int_lt (b[i - 1], b[i]);
  }
}
END_TEST

START_TEST (test_labels_parse)
{
  mnv3_labels l;

  ck_assert_int_eq (mnv3_labels_parse ("cat\ndog\n", &l), 0);
  ck_assert_int_eq (l.count, 2);
  ck_assert_str_eq (l.names[0], "cat");
  ck_assert_str_eq (l.names[1], "dog");
  mnv3_labels_free (&l);
  ck_assert_int_eq (l.count, 0);
  mnv3_labels_free (&l);

  ck_assert_int_eq (mnv3_labels_parse ("a\r\nb b\r\n\r\nd", &l), 0);
  ck_assert_int_eq (l.count, 4);
  ck_assert_str_eq (l.names[0], "a");
  ck_assert_str_eq (l.names[1], "b b");
  ck_assert_str_eq (l.names[2], "");     /* kept: it holds index 2 */
  ck_assert_str_eq (l.names[3], "d");
  mnv3_labels_free (&l);

  ck_assert_int_eq (mnv3_labels_parse ("", &l), 0);
  ck_assert_int_eq (l.count, 0);
  mnv3_labels_free (&l);
  ck_assert_int_eq (mnv3_labels_parse ("only", &l), 0);
  ck_assert_int_eq (l.count, 1);
  ck_assert_str_eq (l.names[0], "only");
  mnv3_labels_free (&l);
  ck_assert_int_eq (mnv3_labels_parse (NULL, &l), -1);
  ck_assert_int_eq (mnv3_labels_parse ("x", NULL), -1);
}
END_TEST

START_TEST (test_labels_name)
{
  mnv3_labels l;
  char buf[32];

  ck_assert_int_eq (mnv3_labels_parse ("tench\ngoldfish\nshark", &l), 0);
  /* Same count as the output. */
  ck_assert_str_eq (mnv3_labels_name (&l, 1, 3, buf, sizeof buf),
      "goldfish");
  /* One short: a TF model with background at 0. */
  ck_assert_str_eq (mnv3_labels_name (&l, 0, 4, buf, sizeof buf),
      "background");
  ck_assert_str_eq (mnv3_labels_name (&l, 1, 4, buf, sizeof buf), "tench");
  ck_assert_str_eq (mnv3_labels_name (&l, 3, 4, buf, sizeof buf), "shark");
  /* Out of range or no labels: "class N". */
  ck_assert_str_eq (mnv3_labels_name (&l, 7, 10, buf, sizeof buf),
      "class 7");
  ck_assert_str_eq (mnv3_labels_name (&l, -1, 3, buf, sizeof buf),
      "class -1");
  ck_assert_str_eq (mnv3_labels_name (NULL, 2, 3, buf, sizeof buf),
      "class 2");
  ck_assert_ptr_nonnull (mnv3_labels_name (NULL, 2, 3, NULL, 0));
  mnv3_labels_free (&l);
}
END_TEST

START_TEST (test_labels_load)
{
  char path[] = "/tmp/mnv3-test-labels-XXXXXX";
  char err[256] = "";
  mnv3_labels l;
  int fd = mkstemp (path);
  ck_assert_int_ge (fd, 0);

  /* Long enough to need several reads and a buffer resize. */
  FILE *f = fdopen (fd, "w");
  for (int i = 0; i < 20000; i++)
    fprintf (f, "label number %d\n", i);
  fclose (f);
  ck_assert_int_eq (mnv3_labels_load (path, &l, err, sizeof err), 0);
  ck_assert_int_eq (l.count, 20000);
  ck_assert_str_eq (l.names[0], "label number 0");
  ck_assert_str_eq (l.names[19999], "label number 19999");
  mnv3_labels_free (&l);
  unlink (path);

  ck_assert_int_eq (mnv3_labels_load (path, &l, err, sizeof err), -1);
  ck_assert_ptr_nonnull (strstr (err, path));
  ck_assert_int_eq (l.count, 0);

  /* The real ImageNet list if the source tree is at hand. */
  const char *root = getenv ("MNV3_SOURCE_ROOT");
  char real[512];
  snprintf (real, sizeof real, "%s/models/labels/imagenet-1000.txt",
      root ? root : ".");
  if (access (real, R_OK) == 0) {
    ck_assert_int_eq (mnv3_labels_load (real, &l, err, sizeof err), 0);
    ck_assert_int_eq (l.count, 1000);
    ck_assert_str_eq (l.names[0], "tench");
    mnv3_labels_free (&l);
  }
}
END_TEST

START_TEST (test_normalization_parse)
{
  float v[3] = { -1, -1, -1 };

  ck_assert_int_eq (mnv3_normalization_parse ("1,2.5,3e1", v), 0);
  ck_assert_float_eq (v[0], 1.0f);
  ck_assert_float_eq (v[1], 2.5f);
  ck_assert_float_eq (v[2], 30.0f);
  ck_assert_int_eq (mnv3_normalization_parse (" 123.675 , 116.28,103.53 ",
      v), 0);
  ck_assert_float_eq_tol (v[2], 103.53f, 1e-5f);
  ck_assert_int_eq (mnv3_normalization_parse ("127.5", v), 0);
  ck_assert_float_eq (v[0], 127.5f);
  ck_assert_float_eq (v[2], 127.5f);

  const char *bad[] = { "", "1,2", "1,2,3,4", "a,b,c", "1;2;3", "1,,3",
    "1,2,3,", "nan", "1,inf,2", "1e999,1,1" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    v[0] = -7;
    ck_assert_msg (mnv3_normalization_parse (bad[i], v) == -1, "'%s'",
        bad[i]);
    ck_assert_float_eq (v[0], -7.0f);    /* untouched */
  }
  ck_assert_int_eq (mnv3_normalization_parse (NULL, v), -1);

  /* No model: the ImageNet defaults. */
  float mean[3], sd[3];
  mnv3_normalization_from_model (NULL, mean, sd);
  ck_assert_float_eq_tol (mean[0], 123.675f, 1e-4f);
  ck_assert_float_eq_tol (sd[2], 57.375f, 1e-4f);
}
END_TEST

/* Labels and normalisation through the engine's model loader, with the
 * shipped TFLite classifier (its sidecar .labels has 1001 lines). */
START_TEST (test_from_model)
{
  const char *root = getenv ("MNV3_SOURCE_ROOT");
  char path[512];
  mnv3_model *m = NULL;
  mnv3_labels l;
  float mean[3], sd[3];

  snprintf (path, sizeof path,
      "%s/models/mobilenet_v3_small_224_1.0_uint8.tflite", root ? root : ".");
  if (access (path, R_OK) != 0) {
    fprintf (stderr, "skip: %s missing\n", path);
    return;
  }
  ck_assert_msg (mnv3_model_load (path, &m) == MNV3_OK, "%s",
      mnv3_last_error ());
  ck_assert_int_eq (mnv3_labels_from_model (m, &l), 0);
  ck_assert_int_eq (l.count, 1001);
  ck_assert_str_eq (l.names[0], "background");
  ck_assert_str_eq (l.names[1], "tench");
  mnv3_labels_free (&l);

  mnv3_normalization_from_model (m, mean, sd);
  for (int c = 0; c < 3; c++)
    ck_assert (isfinite (mean[c]) && isfinite (sd[c]) && sd[c] > 0);
  mnv3_model_free (m);

  ck_assert_int_eq (mnv3_labels_from_model (NULL, &l), -1);
  ck_assert_int_eq (l.count, 0);
}
END_TEST

static Suite *
classify_suite (void)
{
  Suite *s = suite_create ("classify");
  TCase *tc = tcase_create ("scores");
  tcase_add_test (tc, test_softmax_values);
  tcase_add_test (tc, test_softmax_non_finite);
  tcase_add_test (tc, test_distribution);
  tcase_add_test (tc, test_topk);
  tcase_add_test (tc, test_topk_paths_agree);
  suite_add_tcase (s, tc);
  tc = tcase_create ("labels");
  tcase_add_test (tc, test_labels_parse);
  tcase_add_test (tc, test_labels_name);
  tcase_add_test (tc, test_labels_load);
  tcase_add_test (tc, test_normalization_parse);
  tcase_add_test (tc, test_from_model);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (classify_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
