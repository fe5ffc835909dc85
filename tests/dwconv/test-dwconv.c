/* test_dwconv.c — depthwise convolution against a naive implementation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case runs the scalar reference (MNV3_ISA_SCALAR) and every SIMD ISA
 * the CPU has (mnv3_cpu_detect).  The scalar reference is checked against
 * the naive double-precision convolution below, each SIMD ISA against the
 * scalar reference.  Tolerance for one output:
 *   |got - want| <= 1e-5 * (1 + |bias| + sum |w*x|)
 * (a few float roundings of the largest partial sum; every activation is
 * at most 1.5-Lipschitz).  Inputs are allocated to their exact size (ASan
 * catches over-reads) and outputs are followed by guard values that must
 * stay untouched.  Shapes break the tails: channel counts 1..67 and the
 * real MobileNetV3 widths, odd and 1x1 spatial sizes, stride 2, dilation 2,
 * symmetric, TF SAME (asymmetric) and VALID padding, every activation.
 */
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
#define TOL 1e-5

typedef enum { PAD_SYM, PAD_SAME, PAD_VALID } pad_kind;

static const mnv3_act acts[] = {
  { MNV3_ACT_NONE, 0.f, 0.f },
  { MNV3_ACT_RELU, 0.f, 0.f },
  { MNV3_ACT_CLIP, 0.f, 6.f },
  { MNV3_ACT_HSWISH, 0.f, 0.f },
  { MNV3_ACT_HSIGMOID, 1.f / 6.f, 0.5f },
  { MNV3_ACT_SIGMOID, 0.f, 0.f },
  { MNV3_ACT_CLIP, -0.25f, 0.5f },
};
#define N_ACTS ((int) (sizeof acts / sizeof acts[0]))

static const int real_widths[] = { 16, 24, 40, 48, 72, 88, 96, 120, 144,
  240, 288, 480, 576, 672, 960 };

static mnv3_threadpool *pool2;
/* the support library's generator (tests/support), seeded in main */
#define DWCONV_SEED 2024u

static float *
random_buf (size_t n)
{
  return mnv3_test_random_buf (n, -1.f, 1.f);
}

/* Fill in output size and padding like the planner would. */
static int
make_params (mnv3_dwconv_params *p, int ih, int iw, int c, int kh, int kw,
    int s, int dil, pad_kind pad, mnv3_act act)
{
  memset (p, 0, sizeof *p);
  p->ih = ih; p->iw = iw; p->ic = p->oc = p->groups = c;
  p->kh = kh; p->kw = kw; p->sh = p->sw = s; p->dh = p->dw = dil;
  p->act = act;
  int eh = (kh - 1) * dil + 1, ew = (kw - 1) * dil + 1;
  if (pad == PAD_SAME) {
    p->oh = (ih + s - 1) / s;
    p->ow = (iw + s - 1) / s;
    int th = (p->oh - 1) * s + eh - ih, tw = (p->ow - 1) * s + ew - iw;
    th = th < 0 ? 0 : th;
    tw = tw < 0 ? 0 : tw;
    p->pad_t = th / 2; p->pad_b = th - th / 2;
    p->pad_l = tw / 2; p->pad_r = tw - tw / 2;
  } else {
    if (pad == PAD_SYM) {
      p->pad_t = p->pad_b = (kh - 1) / 2 * dil;
      p->pad_l = p->pad_r = (kw - 1) / 2 * dil;
    }
    p->oh = (ih + p->pad_t + p->pad_b - eh) / s + 1;
    p->ow = (iw + p->pad_l + p->pad_r - ew) / s + 1;
    if (ih + p->pad_t + p->pad_b < eh || iw + p->pad_l + p->pad_r < ew)
      return 0;
  }
  return p->oh > 0 && p->ow > 0;
}

/* Naive reference in double; also returns the per-output error scale. */
static void
naive_dwconv (const mnv3_dwconv_params *p, const float *in, const float *w,
    const float *bias, float *out, float *scale)
{
  const int c = p->ic;
  for (int oy = 0; oy < p->oh; oy++)
    for (int ox = 0; ox < p->ow; ox++)
      for (int k = 0; k < c; k++) {
        double acc = bias ? bias[k] : 0.0, mag = bias ? fabs (bias[k]) : 0.0;
        for (int ky = 0; ky < p->kh; ky++)
          for (int kx = 0; kx < p->kw; kx++) {
            int iy = oy * p->sh - p->pad_t + ky * p->dh;
            int ix = ox * p->sw - p->pad_l + kx * p->dw;
            if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw)
              continue;
            double t = (double) in[((size_t) iy * p->iw + ix) * c + k]
                * w[((size_t) k * p->kh + ky) * p->kw + kx];
            acc += t;
            mag += fabs (t);
          }
        size_t o = ((size_t) oy * p->ow + ox) * c + k;
        out[o] = mnv3_act_ref (p->act, (float) acc);
        scale[o] = (float) (1.0 + mag);
      }
}

static float *
run_isa (mnv3_isa isa, const mnv3_dwconv_params *p, const float *in,
    const float *w, const float *bias, mnv3_threadpool *tp)
{
  size_t n = (size_t) p->oh * p->ow * p->ic;
  float *out = mnv3_test_guarded_buf (n, GUARD, GUARD_VALUE);
  mnv3_dwconv *d = mnv3_dwconv_create (isa, p, w, bias);
  ck_assert_msg (d != NULL, "create failed: %s", mnv3_last_error ());
  size_t ss = mnv3_dwconv_scratch_size (d, mnv3_threadpool_size (tp));
  void *scratch = ss ? aligned_alloc (64, (ss + 63) & ~(size_t) 63) : NULL;
  mnv3_dwconv_run (d, in, out, scratch, tp);
  mnv3_test_check_guard (out, n, GUARD, GUARD_VALUE, mnv3_isa_name (isa));
  free (scratch);
  mnv3_dwconv_free (d);
  return out;
}

static void
compare (const char *what, const mnv3_dwconv_params *p, const float *got,
    const float *want, const float *scale)
{
  size_t n = (size_t) p->oh * p->ow * p->ic;
  for (size_t i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - want[i]);
    if (!(err <= TOL * scale[i]))
      ck_abort_msg ("%s: %dx%dx%d k%dx%d s%d d%d pad %d,%d,%d,%d act %d: "
          "out[%zu] (y%zu x%zu c%zu) = %.9g, want %.9g", what, p->ih, p->iw,
          p->ic, p->kh, p->kw, p->sh, p->dh, p->pad_t, p->pad_l, p->pad_b,
          p->pad_r, p->act.type, i, i / p->ic / p->ow, i / p->ic % p->ow,
          i % p->ic, got[i], want[i]);
  }
}

/* One shape: scalar vs naive, every ISA vs scalar, serial and threaded. */
static void
check_case (int ih, int iw, int c, int kh, int kw, int s, int dil,
    pad_kind pad, mnv3_act act, int with_bias)
{
  mnv3_dwconv_params p;
  if (!make_params (&p, ih, iw, c, kh, kw, s, dil, pad, act))
    return;
  size_t n = (size_t) p.oh * p.ow * c;
  float *in = random_buf ((size_t) ih * iw * c);
  float *w = random_buf ((size_t) c * kh * kw);
  float *bias = with_bias ? random_buf ((size_t) c) : NULL;
  float *want = malloc (n * sizeof *want), *scale = malloc (n * sizeof *scale);

  naive_dwconv (&p, in, w, bias, want, scale);
  float *ref = run_isa (MNV3_ISA_SCALAR, &p, in, w, bias, NULL);
  compare ("scalar vs naive", &p, ref, want, scale);
  for (int isa = MNV3_ISA_AVX2; isa <= mnv3_cpu_detect (); isa++) {
    float *got = run_isa ((mnv3_isa) isa, &p, in, w, bias, NULL);
    compare (isa == MNV3_ISA_AVX2 ? "avx2 vs scalar" : "avx512 vs scalar", &p,
        got, ref, scale);
    float *got2 = run_isa ((mnv3_isa) isa, &p, in, w, bias, pool2);
    ck_assert_msg (memcmp (got, got2, n * sizeof *got) == 0,
        "isa %d: 2 threads differ from 1", isa);
    free (got2);
    free (got);
  }
  free (ref);
  free (in);
  free (w);
  free (bias);
  free (want);
  free (scale);
}

static void
setup (void)
{
  pool2 = mnv3_threadpool_create (2);
  ck_assert_ptr_nonnull (pool2);
}

static void
teardown (void)
{
  mnv3_threadpool_free (pool2);
  pool2 = NULL;
}

/* Every channel count 1..67 (tails below/at/above 8 and 16 lanes) through
 * the four hot kernels (3x3/5x5, stride 1/2). */
START_TEST (test_channels)
{
  for (int c = 1; c <= 67; c++) {
    mnv3_act act = acts[c % N_ACTS];
    check_case (7, 9, c, 3, 3, 1, 1, PAD_SYM, act, 1);
    check_case (8, 9, c, 3, 3, 2, 1, PAD_SAME, act, c & 1);
    check_case (7, 6, c, 5, 5, 1, 1, PAD_SAME, act, 1);
    check_case (9, 8, c, 5, 5, 2, 1, PAD_SYM, act, 1);
  }
}
END_TEST

/* The widths MobileNetV3 Small/Large really use. */
START_TEST (test_real_widths)
{
  for (size_t i = 0; i < sizeof real_widths / sizeof *real_widths; i++) {
    int c = real_widths[i];
    mnv3_act act = acts[i % N_ACTS];
    check_case (9, 10, c, 3, 3, 1, 1, PAD_SYM, act, 1);
    check_case (10, 10, c, 3, 3, 2, 1, PAD_SAME, act, 1);
    check_case (7, 7, c, 5, 5, 1, 1, PAD_SYM, act, 1);
    check_case (14, 14, c, 5, 5, 2, 1, PAD_SAME, act, 1);
  }
}
END_TEST

/* Spatial sizes from 1x1 up, with every padding kind, dilation 1 and 2,
 * and every activation. */
START_TEST (test_spatial)
{
  static const int sizes[][2] = { {1, 1}, {1, 5}, {5, 1}, {2, 2}, {3, 3},
    {4, 7}, {5, 5}, {6, 6}, {11, 13}, {14, 14}, {17, 9} };
  int i = 0;
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
    for (int k = 3; k <= 5; k += 2)
      for (int s = 1; s <= 2; s++)
        for (int dil = 1; dil <= 2; dil++)
          for (int pad = PAD_SYM; pad <= PAD_VALID; pad++) {
            int c = (int[]) { 3, 16, 21, 40 }[i % 4];
            check_case (sizes[si][0], sizes[si][1], c, k, k, s, dil,
                (pad_kind) pad, acts[i % N_ACTS], i % 5 != 0);
            i++;
          }
}
END_TEST

/* Every activation on every ISA, on a layer the size of MobileNetV3's
 * first depthwise layer (112x112x16). */
START_TEST (test_acts_large)
{
  for (int a = 0; a < N_ACTS; a++)
    check_case (112, 112, 16, 3, 3, a & 1 ? 2 : 1, 1,
        a & 1 ? PAD_SAME : PAD_SYM, acts[a], 1);
}
END_TEST

/* Shapes only the scalar reference serves (SIMD ISAs fall back to it). */
START_TEST (test_other_kernels)
{
  check_case (9, 9, 19, 1, 1, 1, 1, PAD_SYM, acts[1], 1);
  check_case (12, 12, 19, 7, 7, 1, 1, PAD_SYM, acts[3], 1);
  check_case (12, 11, 33, 7, 7, 2, 1, PAD_SAME, acts[2], 1);
  check_case (10, 9, 17, 3, 5, 1, 1, PAD_SAME, acts[4], 1);
  check_case (13, 13, 18, 3, 3, 3, 3, PAD_SAME, acts[5], 0);
  check_case (6, 10, 24, 2, 2, 2, 1, PAD_VALID, acts[0], 1);
  check_case (15, 15, 8, 5, 5, 3, 2, PAD_SYM, acts[6], 1);
}
END_TEST

/* Explicit asymmetric pads larger than the kernel needs, outputs past the
 * input (the planner may ask for them); kernels must read only inside. */
START_TEST (test_odd_padding)
{
  MNV3_TEST_FOR_EACH_ISA (isa)
    for (int k = 3; k <= 5; k += 2) {
      mnv3_dwconv_params p;
      make_params (&p, 6, 7, 20, k, k, 1, 1, PAD_VALID, acts[3]);
      p.pad_t = 0; p.pad_l = 3; p.pad_b = 4; p.pad_r = 1;
      p.oh = 6 + 4 - k + 1;
      p.ow = 7 + 4 - k + 1;
      size_t n = (size_t) p.oh * p.ow * p.ic;
      float *in = random_buf ((size_t) 6 * 7 * 20);
      float *w = random_buf ((size_t) 20 * k * k);
      float *want = malloc (n * sizeof *want);
      float *scale = malloc (n * sizeof *scale);
      naive_dwconv (&p, in, w, NULL, want, scale);
      float *got = run_isa ((mnv3_isa) isa, &p, in, w, NULL, pool2);
      compare ("odd padding", &p, got, want, scale);
      free (got); free (in); free (w); free (want); free (scale);
    }
}
END_TEST

START_TEST (test_invalid)
{
  mnv3_dwconv_params p;
  float w[9] = { 0 };
  make_params (&p, 4, 4, 1, 3, 3, 1, 1, PAD_SYM, acts[0]);
  p.groups = 2;
  ck_assert_ptr_null (mnv3_dwconv_create (MNV3_ISA_SCALAR, &p, w, NULL));
  ck_assert_str_ne (mnv3_last_error (), "");
  make_params (&p, 4, 4, 1, 3, 3, 1, 1, PAD_VALID, acts[0]);
  p.sh = 0;
  ck_assert_ptr_null (mnv3_dwconv_create (MNV3_ISA_SCALAR, &p, w, NULL));
  make_params (&p, 4, 4, 1, 3, 3, 1, 1, PAD_SYM, acts[0]);
  ck_assert_ptr_null (mnv3_dwconv_create (MNV3_ISA_SCALAR, &p, NULL, NULL));
  mnv3_dwconv_free (NULL);
}
END_TEST

static Suite *
dwconv_suite (void)
{
  Suite *s = suite_create ("dwconv");
  TCase *tc = tcase_create ("kernels");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_channels);
  tcase_add_test (tc, test_real_widths);
  tcase_add_test (tc, test_spatial);
  tcase_add_test (tc, test_acts_large);
  tcase_add_test (tc, test_other_kernels);
  tcase_add_test (tc, test_odd_padding);
  tcase_add_test (tc, test_invalid);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (dwconv_suite ());
  mnv3_test_seed (DWCONV_SEED);
  printf ("CPU ISA: %s\n", mnv3_isa_name (mnv3_cpu_detect ()));
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
