/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * LR-ASPP parity: seeded exports of models/export_segmentation.py (made live
 * by gen_lraspp.py) run through the public API on every ISA the CPU has,
 * with 1 and 2 threads, against PyTorch:
 *  - the logits at the head's resolution (output "head", stride 8):
 *    max|diff| <= 1e-4 * max|ref|;
 *  - the logits upsampled to the input size (output "out"): the per-pixel
 *    argmax agrees on >= 99.9 % of the pixels (and max|diff| is reported).
 * Needs $MNV3_SEG_MODELS (skips with 77 without).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "mnv3.h"
#include "support.h"

#define TOL 1e-4
#define MIN_ARGMAX_AGREEMENT 0.999
#define MAX_CASES 16

typedef struct {
  char name[128];
  int h, w, classes;
} seg_case;

static const char *models_dir;
static seg_case cases[MAX_CASES];
static int n_cases;

static float *
read_floats (const char *name, const char *suffix, size_t expect)
{
  size_t n;
  float *buf = mnv3_test_read_floats (models_dir, name, suffix, &n);

  ck_assert_msg (n == expect, "%s%s: %zu floats, expected %zu", name, suffix,
      n, expect);
  return buf;
}

/* Output `name` of the session: its index, checking the NHWC shape. */
static const float *
get_output (const mnv3_session *s, const char *name, int h, int w, int c)
{
  mnv3_tensor_info info;

  for (int k = 0; k < 2; k++) {
    const float *o = mnv3_session_output (s, k, &info);
    if (o && info.name && strcmp (info.name, name) == 0) {
      ck_assert_int_eq (info.rank, 4);
      ck_assert_msg (info.dims[1] == h && info.dims[2] == w
          && info.dims[3] == c, "output %s is [%lld,%lld,%lld], expected "
          "[%d,%d,%d] (NHWC)", name, (long long) info.dims[1],
          (long long) info.dims[2], (long long) info.dims[3], h, w, c);
      return o;
    }
  }
  ck_abort_msg ("no output named '%s'", name);
  return NULL;
}

/* Largest |a - ref| with a NHWC and ref NCHW; *refmax gets max|ref|. */
static double
max_diff (const float *a, const float *ref, int h, int w, int c,
    double *refmax)
{
  double d = 0.0, m = 0.0;

  for (int k = 0; k < c; k++)
    for (size_t p = 0; p < (size_t) h * w; p++) {
      double r = ref[(size_t) k * h * w + p];
      double e = fabs (a[p * c + k] - r);
      if (!(e <= d))            /* NaN counts as a difference */
        d = e;
      if (fabs (r) > m)
        m = fabs (r);
    }
  *refmax = m;
  return d;
}

static double
argmax_agreement (const float *a, const float *ref, int h, int w, int c)
{
  size_t same = 0, n = (size_t) h * w;

  for (size_t p = 0; p < n; p++) {
    int ba = 0, br = 0;
    for (int k = 1; k < c; k++) {
      if (a[p * c + k] > a[p * c + ba])
        ba = k;
      if (ref[(size_t) k * n + p] > ref[(size_t) br * n + p])
        br = k;
    }
    same += ba == br;
  }
  return (double) same / (double) n;
}

static void
run_case (const mnv3_model *m, const seg_case *sc, mnv3_isa isa, int threads,
    const float *in, const float *ref_out, const float *ref_head)
{
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_status st;
  int hh = (sc->h + 7) / 8, hw = (sc->w + 7) / 8;
  double d, refmax, agree;
  float *x;

  o.isa = isa;
  o.num_threads = threads;
  st = mnv3_session_create (m, &o, &s);
  ck_assert_msg (st == MNV3_OK, "%s %s x%d: %s", sc->name,
      mnv3_isa_name (isa), threads, mnv3_last_error ());
  ck_assert_int_eq (mnv3_session_isa (s), isa);
  x = mnv3_session_input (s, 0);
  for (int k = 0; k < 3; k++)
    for (size_t p = 0; p < (size_t) sc->h * sc->w; p++)
      x[p * 3 + k] = in[(size_t) k * sc->h * sc->w + p];
  st = mnv3_session_run (s);
  ck_assert_msg (st == MNV3_OK, "%s: %s", sc->name, mnv3_last_error ());

  d = max_diff (get_output (s, "head", hh, hw, sc->classes), ref_head, hh, hw,
      sc->classes, &refmax);
  printf ("%-26s %-6s x%d head %dx%d: max|diff| %.3g = %.3g of max|ref| %.3g\n",
      sc->name, mnv3_isa_name (isa), threads, hh, hw, d, d / refmax, refmax);
  ck_assert_msg (d <= TOL * refmax, "%s %s x%d: head logits max|diff| %g > "
      "%g * %g", sc->name, mnv3_isa_name (isa), threads, d, TOL, refmax);

  {
    const float *out = get_output (s, "out", sc->h, sc->w, sc->classes);
    agree = argmax_agreement (out, ref_out, sc->h, sc->w, sc->classes);
    d = max_diff (out, ref_out, sc->h, sc->w, sc->classes, &refmax);
  }
  printf ("%-26s %-6s x%d out %dx%d: argmax agrees on %.4f %% "
      "(max|diff| %.3g of max|ref|)\n", sc->name, mnv3_isa_name (isa),
      threads, sc->h, sc->w, 100.0 * agree, d / refmax);
  ck_assert_msg (agree >= MIN_ARGMAX_AGREEMENT, "%s %s x%d: argmax agrees on "
      "%.4f %% < %.1f %%", sc->name, mnv3_isa_name (isa), threads,
      100.0 * agree, 100.0 * MIN_ARGMAX_AGREEMENT);
  mnv3_session_free (s);
}

START_TEST (test_parity)
{
  const seg_case *sc = &cases[_i];
  size_t npix = (size_t) sc->h * sc->w;
  size_t nhead = (size_t) ((sc->h + 7) / 8) * ((sc->w + 7) / 8);
  char path[1024];
  mnv3_model *m = NULL;
  float *in, *ref_out, *ref_head;

  snprintf (path, sizeof path, "%s/%s.onnx", models_dir, sc->name);
  ck_assert_msg (mnv3_model_load (path, &m) == MNV3_OK, "%s: %s", path,
      mnv3_last_error ());
  ck_assert_str_eq (mnv3_model_metadata (m, "task"), "segmentation");
  in = read_floats (sc->name, ".input.bin", 3 * npix);
  ref_out = read_floats (sc->name, ".out0.bin", sc->classes * npix);
  ref_head = read_floats (sc->name, ".out1.bin", sc->classes * nhead);
  MNV3_TEST_FOR_EACH_ISA (isa)
    for (int threads = 1; threads <= 2; threads++)
      run_case (m, sc, (mnv3_isa) isa, threads, in, ref_out, ref_head);
  free (in);
  free (ref_out);
  free (ref_head);
  mnv3_model_free (m);
}
END_TEST

static void
read_cases (void)
{
  char path[1024], line[256];
  FILE *f;

  snprintf (path, sizeof path, "%s/cases.txt", models_dir);
  f = fopen (path, "r");
  if (!f) {
    fprintf (stderr, "cannot open %s\n", path);
    exit (1);
  }
  while (n_cases < MAX_CASES && fgets (line, sizeof line, f)) {
    seg_case *c = &cases[n_cases];
    if (sscanf (line, "%127s %d %d %d", c->name, &c->h, &c->w,
            &c->classes) == 4)
      n_cases++;
  }
  fclose (f);
}

int
main (void)
{
  Suite *s;
  TCase *tc;

  models_dir = getenv ("MNV3_SEG_MODELS");
  if (!models_dir) {
    printf ("SKIP: MNV3_SEG_MODELS is not set (run through gen_lraspp.py)\n");
    return 77;
  }
  read_cases ();
  if (n_cases == 0) {
    fprintf (stderr, "no cases in %s/cases.txt\n", models_dir);
    return 1;
  }
  s = suite_create ("lraspp-parity");
  tc = tcase_create ("parity");
  tcase_set_timeout (tc, 600);
  tcase_add_loop_test (tc, test_parity, 0, n_cases);
  suite_add_tcase (s, tc);
  return mnv3_test_run_suite (s);
}
