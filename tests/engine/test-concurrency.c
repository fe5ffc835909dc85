/* test-concurrency.c — one model shared by sessions on several threads,
 * as the elements share it through the model cache: sessions created at
 * the same moment (mnv3_cpu_detect, model reads), each with its own
 * thread pool (1-3 threads), run concurrently and freed while the others
 * run.  Every run must give the bit-exact output of a session run alone
 * with the same thread count and ISA.  Meant for the ThreadSanitizer build
 * (tests/run.sh, build-tsan) as much as for the ordinary ones.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnv3.h"
#include "support.h"

#define WORKERS 4
#define RUNS 3

static mnv3_model *model;
static float *reference[4];     /* by thread count 1..3 */
static float *result[WORKERS][RUNS];
static size_t out_len, result_len[WORKERS];
static pthread_barrier_t start;

static void
fill (float *in, size_t n, int seed)
{
  for (size_t i = 0; i < n; i++)
    in[i] = (float) ((i * 31 + (size_t) seed * 7) % 255) / 127.5f - 1.f;
}

static size_t
numel (const mnv3_tensor_info *t)
{
  size_t n = 1;
  for (int d = 0; d < t->rank; d++)
    n *= (size_t) t->dims[d];
  return n;
}

static float *
run_once (int threads)
{
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s;
  mnv3_tensor_info in, out;
  const float *y;
  float *copy;

  o.num_threads = threads;
  o.input_height = 96;          /* small: TSan runs are slow */
  o.input_width = 128;
  ck_assert_int_eq (mnv3_session_create (model, &o, &s), MNV3_OK);
  ck_assert_int_eq (mnv3_session_input_info (s, 0, &in), MNV3_OK);
  fill (mnv3_session_input (s, 0), numel (&in), 1);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  y = mnv3_session_output (s, 0, &out);
  out_len = numel (&out);
  copy = malloc (out_len * sizeof *copy);
  memcpy (copy, y, out_len * sizeof *copy);
  mnv3_session_free (s);
  return copy;
}

/* Creates its session at the same moment as the others (the first
 * sessions of the process: CPU detection, model reads), runs it RUNS
 * times and keeps the outputs for the main thread to compare. */
static void *
worker (void *arg)
{
  int id = (int) (intptr_t) arg;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_tensor_info in, out;
  long bad = 0;

  o.num_threads = 1 + id % 3;
  o.input_height = 96;
  o.input_width = 128;
  pthread_barrier_wait (&start);
  if (mnv3_session_create (model, &o, &s) != MNV3_OK)
    return (void *) -1L;
  mnv3_session_input_info (s, 0, &in);
  for (int r = 0; r < RUNS; r++) {
    const float *y;
    fill (mnv3_session_input (s, 0), numel (&in), 1);
    if (mnv3_session_run (s) != MNV3_OK)
      bad++;
    y = mnv3_session_output (s, 0, &out);
    result_len[id] = numel (&out);
    result[id][r] = malloc (result_len[id] * sizeof *y);
    memcpy (result[id][r], y, result_len[id] * sizeof *y);
  }
  mnv3_session_free (s);
  return (void *) bad;
}

START_TEST (test_shared_model_sessions)
{
  const char *root = getenv ("MNV3_SOURCE_ROOT");
  char path[1024];
  pthread_t th[WORKERS];

  ck_assert_ptr_nonnull (root);
  snprintf (path, sizeof path, "%s/models/mobilenet_v3_small_224_1.0_"
      "uint8.tflite", root);
  ck_assert_int_eq (mnv3_model_load (path, &model), MNV3_OK);
  pthread_barrier_init (&start, NULL, WORKERS);
  for (int i = 0; i < WORKERS; i++)
    ck_assert_int_eq (pthread_create (&th[i], NULL, worker,
            (void *) (intptr_t) i), 0);
  for (int i = 0; i < WORKERS; i++) {
    void *ret;
    pthread_join (th[i], &ret);
    ck_assert_msg (ret == NULL, "worker %d: %ld failed runs", i, (long) ret);
  }
  /* each worker's outputs equal a session's run alone, bit for bit */
  for (int t = 1; t <= 3; t++)
    reference[t] = run_once (t);
  for (int i = 0; i < WORKERS; i++)
    for (int r = 0; r < RUNS; r++) {
      ck_assert_uint_eq (result_len[i], out_len);
      ck_assert_msg (!memcmp (result[i][r], reference[1 + i % 3],
              out_len * sizeof (float)), "worker %d run %d differs", i, r);
      free (result[i][r]);
    }
  pthread_barrier_destroy (&start);
  for (int t = 1; t <= 3; t++)
    free (reference[t]);
  mnv3_model_free (model);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("concurrency");
  TCase *tc = tcase_create ("shared-model");

  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_shared_model_sessions);
  suite_add_tcase (s, tc);
  return mnv3_test_run_suite (s);
}
