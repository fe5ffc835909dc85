/* test_conv.c — convolution family against a naive direct convolution.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every case runs the C GEMM (MNV3_ISA_SCALAR: gemm-scalar.c over the same
 * packed panels as the SIMD kernels) and every SIMD ISA the CPU has.  The
 * C GEMM is checked against the naive double precision convolution
 * written below and against the engine's direct reference (conv-ref.c),
 * each SIMD ISA against the C GEMM.  Tolerance for one output:
 *   |got - want| <= 2e-5 * (1 + |bias| + sum |w*x| + |residual|)
 * i.e. a few float roundings of the largest partial sum (activations are at
 * most 1.5-Lipschitz).  Outputs are followed by guard values that must stay
 * untouched (kernels never write past the end).  Shapes are built to break
 * tails: channel counts below, at and above the register tiles, odd and
 * 1x1 spatial sizes, stride, dilation, asymmetric padding and groups.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv-ref.h"
#include "cpu.h"
#include "dsp.h"
#include "ops.h"
#include "support.h"

#define GUARD 32
#define GUARD_VALUE 12345.f
#define TOL 2e-5


static mnv3_threadpool *pool2;

static void
setup (void)
{
  pool2 = mnv3_threadpool_create (2);
}

static void
teardown (void)
{
  mnv3_threadpool_free (pool2);
  pool2 = NULL;
}

/* ---- data ---------------------------------------------------------------- */

/* the support library's (tests/support), seeded in main */
#define CONV_SEED 12345u
#define frand mnv3_test_frand
#define random_buf mnv3_test_random_buf

static float *
guarded_buf (size_t n)
{
  return mnv3_test_guarded_buf (n, GUARD, GUARD_VALUE);
}

static void
check_guard (const float *b, size_t n, const char *what)
{
  mnv3_test_check_guard (b, n, GUARD, GUARD_VALUE, what);
}

static void *
scratch_alloc (size_t bytes)
{
  void *p = aligned_alloc (64, (bytes + 64) / 64 * 64);
  ck_assert_ptr_nonnull (p);
  return p;
}

static void
compare (const float *got, const float *want, const double *mag, size_t n,
    const char *what)
{
  for (size_t i = 0; i < n; i++) {
    double tol = TOL * (1.0 + mag[i]);
    /* ck_assert costs a pipe write per call: only call it to fail */
    if (!(fabs ((double) got[i] - want[i]) <= tol))
      ck_abort_msg ("%s: [%zu] got %.8g want %.8g (tol %.3g)", what, i,
          got[i], want[i], tol);
  }
}

static int
isa_available (mnv3_isa isa)
{
  return isa <= mnv3_cpu_detect ();
}

static const char *
act_name (mnv3_act_type t)
{
  static const char *names[] = { "none", "relu", "clip", "hswish",
    "hsigmoid", "sigmoid"
  };
  return names[t];
}

/* ---- naive convolution, double precision ------------------------------- */

static int
out_dim (int in, int p0, int p1, int k, int s, int d)
{
  return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static void
naive_conv (const mnv3_conv_params *p, const float *in, const float *w,
    const float *bias, const float *res, const float *scale, float *out,
    double *mag)
{
  const int icg = p->ic / p->groups, ocg = p->oc / p->groups;

  for (int oy = 0; oy < p->oh; oy++)
    for (int ox = 0; ox < p->ow; ox++)
      for (int o = 0; o < p->oc; o++) {
        size_t at = ((size_t) oy * p->ow + ox) * p->oc + o;
        int g = o / ocg;
        double s = bias ? bias[o] : 0.0, m = fabs (s);
        for (int ky = 0; ky < p->kh; ky++)
          for (int kx = 0; kx < p->kw; kx++) {
            int iy = oy * p->sh - p->pad_t + ky * p->dh;
            int ix = ox * p->sw - p->pad_l + kx * p->dw;
            if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw)
              continue;
            for (int i = 0; i < icg; i++) {
              int ci = g * icg + i;
              double x = in[((size_t) iy * p->iw + ix) * p->ic + ci];
              double t = x * (scale ? scale[ci] : 1.f)
                  * w[(((size_t) o * p->kh + ky) * p->kw + kx) * icg + i];
              s += t;
              m += fabs (t);
            }
          }
        if (res) {
          s += res[at];
          m += fabs (res[at]);
        }
        out[at] = mnv3_act_ref (p->act, (float) s);
        mag[at] = m;
      }
}

/* ---- one convolution case over every ISA ------------------------------- */

typedef struct {
  int ih, iw, ic, oc, k, s, d, groups;
  int pt, pl, pb, pr;
  mnv3_act act;
  int residual, scale, bias;
} conv_case;

static mnv3_conv_params
params_of (const conv_case *cc)
{
  mnv3_conv_params p;

  memset (&p, 0, sizeof (p));
  p.ih = cc->ih;
  p.iw = cc->iw;
  p.ic = cc->ic;
  p.oc = cc->oc;
  p.kh = p.kw = cc->k;
  p.sh = p.sw = cc->s;
  p.dh = p.dw = cc->d;
  p.pad_t = cc->pt;
  p.pad_l = cc->pl;
  p.pad_b = cc->pb;
  p.pad_r = cc->pr;
  p.groups = cc->groups;
  p.act = cc->act;
  p.oh = out_dim (p.ih, p.pad_t, p.pad_b, p.kh, p.sh, p.dh);
  p.ow = out_dim (p.iw, p.pad_l, p.pad_r, p.kw, p.sw, p.dw);
  return p;
}

static void
run_conv_case (const conv_case *cc)
{
  mnv3_conv_params p = params_of (cc);
  const size_t nin = (size_t) p.ih * p.iw * p.ic;
  const size_t nout = (size_t) p.oh * p.ow * p.oc;
  const size_t nw = (size_t) p.oc * p.kh * p.kw * (p.ic / p.groups);
  float *in = random_buf (nin, -1.f, 1.f);
  float *w = random_buf (nw, -1.f, 1.f);
  float *bias = cc->bias ? random_buf ((size_t) p.oc, -1.f, 1.f) : NULL;
  float *res = cc->residual ? random_buf (nout, -2.f, 2.f) : NULL;
  float *scale = cc->scale ? random_buf ((size_t) p.ic, 0.f, 1.f) : NULL;
  float *want = malloc (nout * sizeof (float));
  double *mag = malloc (nout * sizeof (double));
  float *ref = NULL;
  char what[256];

  float *direct = malloc (nout * sizeof (float));
  float *zeros = calloc ((size_t) p.oc, sizeof (float));

  ck_assert_ptr_nonnull (want);
  ck_assert_ptr_nonnull (mag);
  ck_assert_ptr_nonnull (direct);
  ck_assert_ptr_nonnull (zeros);
  naive_conv (&p, in, w, bias, res, scale, want, mag);
  mnv3_conv_ref_rows (&p, w, bias ? bias : zeros, in, direct, res, scale, 0,
      p.oh);
  free (zeros);

  for (size_t t = 0; t < 2; t++) {
    mnv3_threadpool *tp = t ? pool2 : NULL;
    MNV3_TEST_FOR_EACH_FLOAT_ISA (isa) {
      mnv3_conv *c;
      float *out;
      void *scratch;

      if (!isa_available (isa))
        continue;
      snprintf (what, sizeof (what), "%s %dx%dx%d->%d k%d s%d d%d g%d "
          "pad %d,%d,%d,%d %s%s%s%s threads %d", mnv3_isa_name (isa),
          p.ih, p.iw, p.ic, p.oc, p.kh, p.sh, p.dh, p.groups, p.pad_t,
          p.pad_l, p.pad_b, p.pad_r, act_name (p.act.type),
          res ? " +res" : "", scale ? " +scale" : "", bias ? "" : " nobias",
          t ? 2 : 1);
      c = mnv3_conv_create (isa, &p, w, bias);
      ck_assert_msg (c != NULL, "%s: create failed", what);
      ck_assert_uint_gt (mnv3_conv_packed_bytes (c), 0);
      scratch = scratch_alloc (mnv3_conv_scratch_size (c, 2));
      out = guarded_buf (nout);
      mnv3_conv_run (c, in, out, res, scale, scratch, tp);
      check_guard (out, nout, what);
      if (res) {
        /* the residual may be the output itself (each element is read
         * just before it is written): same result */
        float *inplace = guarded_buf (nout);
        for (size_t e = 0; e < nout; e++)
          inplace[e] = res[e];
        mnv3_conv_run (c, in, inplace, inplace, scale, scratch, tp);
        check_guard (inplace, nout, what);
        for (size_t e = 0; e < nout; e++)
          if (inplace[e] != out[e])
            ck_abort_msg ("%s: residual == out differs at %zu", what, e);
        free (inplace);
      }
      if (isa == MNV3_ISA_SCALAR) {
        compare (out, want, mag, nout, what);
        compare (out, direct, mag, nout, what);
        if (!ref)
          ref = out;
        else
          free (out);
      } else {
        compare (out, ref, mag, nout, what);
        free (out);
      }
      free (scratch);
      mnv3_conv_free (c);
    }
  }
  free (ref);
  free (in);
  free (w);
  free (bias);
  free (res);
  free (scale);
  free (want);
  free (mag);
  free (direct);
}

static mnv3_act
act_of (mnv3_act_type t)
{
  mnv3_act a = { t, 0.f, 0.f };

  if (t == MNV3_ACT_CLIP) {
    a.a = 0.f;
    a.b = 6.f;
  } else if (t == MNV3_ACT_HSIGMOID) {
    a.a = 1.f / 6.f;
    a.b = 0.5f;
  }
  return a;
}

static conv_case
pointwise (int h, int w, int ic, int oc)
{
  conv_case cc;

  memset (&cc, 0, sizeof (cc));
  cc.ih = h;
  cc.iw = w;
  cc.ic = ic;
  cc.oc = oc;
  cc.k = cc.s = cc.d = cc.groups = 1;
  cc.bias = 1;
  return cc;
}

/* ---- tests --------------------------------------------------------------- */

/* Channel counts 1..67 on both sides of the GEMM (K and N tails), with
 * row counts around the 12- and 6-row tiles. */
START_TEST (test_conv_1x1_channels)
{
  static const int sizes[][2] = { {1, 1}, {3, 5}, {2, 7}, {5, 5}, {1, 13} };

  for (int c = 1; c <= 67; c++) {
    const int *hw = sizes[c % 5];
    conv_case cc = pointwise (hw[0], hw[1], c, (c * 7) % 67 + 1);
    cc.act = act_of ((mnv3_act_type) (c % 6));
    run_conv_case (&cc);
    cc = pointwise (hw[1], hw[0], (c * 5) % 67 + 1, c);
    cc.residual = c % 2;
    run_conv_case (&cc);
  }
  /* every row count up to a few tiles: how rows split over tile shapes */
  for (int m = 1; m <= 40; m++) {
    conv_case cc = pointwise (1, m, 13, 40);
    cc.act = act_of ((mnv3_act_type) (m % 6));
    run_conv_case (&cc);
  }
}
END_TEST

/* Real network widths: fully connected (1x1 spatial) and 7x7/14x14. */
START_TEST (test_conv_1x1_widths)
{
  static const int widths[] = { 16, 24, 40, 48, 72, 80, 88, 96, 112, 120,
    144, 160, 184, 200, 240, 288, 480, 576, 672, 960, 1024, 1280
  };
  const int nw = (int) (sizeof (widths) / sizeof (widths[0]));

  for (int i = 0; i < nw; i++) {
    int ic = widths[i], oc = widths[(i * 7 + 3) % nw];
    conv_case cc = pointwise (1, 1, ic, oc);      /* FC */
    cc.act = act_of (MNV3_ACT_HSWISH);
    run_conv_case (&cc);
    cc = pointwise (7, 7, widths[(i + 5) % nw], ic);
    cc.act = act_of ((mnv3_act_type) (i % 6));
    cc.residual = i % 3 == 0;
    run_conv_case (&cc);
    if (ic * oc < 40000) {
      cc = pointwise (14, 14, ic, widths[(i + 1) % nw]);
      cc.scale = 1;
      run_conv_case (&cc);
    }
  }
  /* the classifier of MobileNetV3-Large */
  conv_case cc = pointwise (1, 1, 960, 1280);
  cc.act = act_of (MNV3_ACT_HSWISH);
  run_conv_case (&cc);
  cc = pointwise (1, 1, 1280, 1000);
  run_conv_case (&cc);
}
END_TEST

/* Spatial kernels: odd sizes, stride 2, dilation 2, asymmetric padding. */
START_TEST (test_conv_spatial)
{
  static const int hw[][2] = { {1, 1}, {1, 7}, {5, 3}, {13, 11}, {8, 8} };

  for (int i = 0; i < 5; i++)
    for (int k = 1; k <= 5; k += 2)
      for (int s = 1; s <= 2; s++)
        for (int d = 1; d <= 2; d++) {
          conv_case cc = pointwise (hw[i][0], hw[i][1], 5 + 3 * i + k,
              7 + 11 * s + d);
          cc.k = k;
          cc.s = s;
          cc.d = d;
          /* asymmetric: TF SAME style (less before) or arbitrary */
          cc.pt = (d * (k - 1)) / 2;
          cc.pl = (k + s) % 2;
          cc.pb = d * (k - 1) - cc.pt + (s == 2);
          cc.pr = (k - 1) / 2;
          if (cc.ih + cc.pt + cc.pb < d * (k - 1) + 1
              || cc.iw + cc.pl + cc.pr < d * (k - 1) + 1)
            continue;
          cc.act = act_of ((mnv3_act_type) ((i + k + s) % 6));
          run_conv_case (&cc);
        }
}
END_TEST

/* The 3-channel stem: 3x3 stride 2, pad 1 (torchvision) and TF SAME. */
START_TEST (test_conv_stem)
{
  static const int sizes[] = { 224, 17, 32, 9 };

  for (int i = 0; i < 4; i++)
    for (int tf = 0; tf < 2; tf++) {
      conv_case cc = pointwise (sizes[i], sizes[i] + (i == 1), 3, 16);
      cc.k = 3;
      cc.s = 2;
      cc.pt = cc.pl = tf ? 0 : 1;
      cc.pb = cc.pr = 1;
      cc.act = act_of (MNV3_ACT_HSWISH);
      run_conv_case (&cc);
      if (i > 0) {
        cc.oc = 8 + 9 * i;
        cc.act = act_of (MNV3_ACT_CLIP);
        run_conv_case (&cc);
      }
    }
}
END_TEST

/* Grouped convolutions, 1x1 (direct A with an offset) and 3x3. */
START_TEST (test_conv_groups)
{
  static const int g_ic_oc[][3] = { {2, 8, 6}, {4, 16, 40}, {3, 9, 99},
    {8, 64, 64}, {2, 96, 34}, {5, 5, 10}
  };

  for (int i = 0; i < 6; i++)
    for (int k = 1; k <= 3; k += 2) {
      conv_case cc = pointwise (6, 9, g_ic_oc[i][1], g_ic_oc[i][2]);
      cc.groups = g_ic_oc[i][0];
      cc.k = k;
      cc.pt = cc.pl = cc.pb = cc.pr = k / 2;
      cc.residual = i % 2;
      cc.scale = i % 3 == 0;
      cc.act = act_of ((mnv3_act_type) (i % 6));
      run_conv_case (&cc);
    }
}
END_TEST

/* The fused epilogue: every activation with and without residual, and the
 * squeeze-and-excite gate on both folding choices (A for few pixels,
 * weights for many pixels) and on the im2col path. */
START_TEST (test_conv_epilogue)
{
  conv_case cc;

  for (int t = 0; t <= MNV3_ACT_SIGMOID; t++)
    for (int r = 0; r < 2; r++)
      for (int s = 0; s < 2; s++) {
        cc = pointwise (7, 7, 72, 40);
        cc.act = act_of ((mnv3_act_type) t);
        cc.residual = r;
        cc.scale = s;
        cc.bias = (t + r) % 2 == 0;
        run_conv_case (&cc);
        cc = pointwise (28, 28, 24, 20);      /* weights smaller than A */
        cc.act = act_of ((mnv3_act_type) t);
        cc.residual = r;
        cc.scale = s;
        run_conv_case (&cc);
        cc = pointwise (9, 7, 17, 33);        /* im2col path */
        cc.k = 3;
        cc.pt = cc.pl = cc.pb = cc.pr = 1;
        cc.act = act_of ((mnv3_act_type) t);
        cc.residual = r;
        cc.scale = s;
        run_conv_case (&cc);
      }
  /* gates big enough to be folded in parallel: into A, then into W */
  cc = pointwise (24, 24, 480, 640);
  cc.scale = 1;
  run_conv_case (&cc);
  cc = pointwise (24, 24, 560, 480);
  cc.scale = 1;
  cc.residual = 1;
  run_conv_case (&cc);
  /* non-default activation parameters */
  cc = pointwise (5, 5, 19, 45);
  cc.act.type = MNV3_ACT_CLIP;
  cc.act.a = -0.5f;
  cc.act.b = 0.25f;
  run_conv_case (&cc);
  cc.act.type = MNV3_ACT_HSIGMOID;
  cc.act.a = 0.2f;
  cc.act.b = 0.5f;
  run_conv_case (&cc);
}
END_TEST

START_TEST (test_conv_invalid)
{
  conv_case cc = pointwise (4, 4, 6, 8);
  mnv3_conv_params p = params_of (&cc);
  float w[48] = { 0 };

  p.groups = 4;               /* 6 channels do not split in 4 groups */
  ck_assert_ptr_null (mnv3_conv_create (MNV3_ISA_SCALAR, &p, w, NULL));
  p = params_of (&cc);
  p.oh = 5;                   /* inconsistent output size */
  ck_assert_ptr_null (mnv3_conv_create (MNV3_ISA_AUTO, &p, w, NULL));
  p = params_of (&cc);
  p.kh = 0;
  ck_assert_ptr_null (mnv3_conv_create (MNV3_ISA_AUTO, &p, w, NULL));
}
END_TEST

/* ---- transposed convolution --------------------------------------------- */

static void
naive_deconv (const mnv3_deconv_params *p, const float *in, const float *w,
    const float *bias, float *out, double *mag)
{
  size_t nout = (size_t) p->oh * p->ow * p->oc;
  double *acc = calloc (nout, sizeof (double));

  ck_assert_ptr_nonnull (acc);
  for (size_t i = 0; i < nout; i++) {
    acc[i] = bias ? bias[i % p->oc] : 0.0;
    mag[i] = fabs (acc[i]);
  }
  /* scatter form, the textbook definition */
  for (int iy = 0; iy < p->ih; iy++)
    for (int ix = 0; ix < p->iw; ix++)
      for (int ky = 0; ky < p->kh; ky++)
        for (int kx = 0; kx < p->kw; kx++) {
          int oy = iy * p->sh - p->pad_t + ky * p->dh;
          int ox = ix * p->sw - p->pad_l + kx * p->dw;
          if (oy < 0 || oy >= p->oh || ox < 0 || ox >= p->ow)
            continue;
          for (int o = 0; o < p->oc; o++)
            for (int i = 0; i < p->ic; i++) {
              double t = (double) in[((size_t) iy * p->iw + ix) * p->ic + i]
                  * w[(((size_t) o * p->kh + ky) * p->kw + kx) * p->ic + i];
              size_t at = ((size_t) oy * p->ow + ox) * p->oc + o;
              acc[at] += t;
              mag[at] += fabs (t);
            }
        }
  for (size_t i = 0; i < nout; i++)
    out[i] = mnv3_act_ref (p->act, (float) acc[i]);
  free (acc);
}

static void
run_deconv_case (int ih, int iw, int ic, int oc, int k, int s, int pad,
    mnv3_act act)
{
  mnv3_deconv_params p;
  size_t nin, nout, nw;
  float *in, *w, *bias, *want, *direct, *ref = NULL;
  double *mag;
  char what[160];

  memset (&p, 0, sizeof (p));
  p.ih = ih;
  p.iw = iw;
  p.ic = ic;
  p.oc = oc;
  p.kh = p.kw = k;
  p.sh = p.sw = s;
  p.dh = p.dw = 1;
  p.pad_t = p.pad_l = p.pad_b = p.pad_r = pad;
  p.act = act;
  p.oh = (ih - 1) * s - 2 * pad + k;
  p.ow = (iw - 1) * s - 2 * pad + k;
  nin = (size_t) ih * iw * ic;
  nout = (size_t) p.oh * p.ow * oc;
  nw = (size_t) oc * k * k * ic;
  in = random_buf (nin, -1.f, 1.f);
  w = random_buf (nw, -1.f, 1.f);
  bias = random_buf ((size_t) oc, -1.f, 1.f);
  want = malloc (nout * sizeof (float));
  mag = malloc (nout * sizeof (double));
  naive_deconv (&p, in, w, bias, want, mag);
  direct = malloc (nout * sizeof (float));
  ck_assert_ptr_nonnull (direct);
  mnv3_deconv_ref_rows (&p, w, bias, in, direct, 0, p.oh);

  for (int t = 0; t < 2; t++)
    MNV3_TEST_FOR_EACH_FLOAT_ISA (isa) {
      mnv3_deconv *d;
      float *out;
      void *scratch;

      if (!isa_available (isa))
        continue;
      snprintf (what, sizeof (what), "deconv %s %dx%dx%d->%d k%d s%d pad %d "
          "%s threads %d", mnv3_isa_name (isa), ih, iw, ic, oc, k, s, pad,
          act_name (act.type), t + 1);
      d = mnv3_deconv_create (isa, &p, w, bias);
      ck_assert_msg (d != NULL, "%s: create failed", what);
      scratch = scratch_alloc (mnv3_deconv_scratch_size (d, 2));
      out = guarded_buf (nout);
      mnv3_deconv_run (d, in, out, scratch, t ? pool2 : NULL);
      check_guard (out, nout, what);
      if (isa == MNV3_ISA_SCALAR) {
        compare (out, want, mag, nout, what);
        compare (out, direct, mag, nout, what);
        if (!ref)
          ref = out;
        else
          free (out);
      } else {
        compare (out, ref, mag, nout, what);
        free (out);
      }
      free (scratch);
      mnv3_deconv_free (d);
    }
  free (ref);
  free (in);
  free (w);
  free (bias);
  free (want);
  free (direct);
  free (mag);
}

START_TEST (test_deconv)
{
  /* MediaPipe Convolution2DTransposeBias: 2x2 stride 2 (taps disjoint:
   * bias and activation in the GEMM); the selfie mask head ends in a
   * sigmoid over 1 channel */
  run_deconv_case (8, 8, 16, 1, 2, 2, 0, act_of (MNV3_ACT_SIGMOID));
  run_deconv_case (8, 8, 16, 1, 2, 2, 0, act_of (MNV3_ACT_NONE));
  run_deconv_case (3, 5, 32, 40, 3, 3, 0, act_of (MNV3_ACT_HSWISH));
  run_deconv_case (5, 7, 16, 8, 2, 2, 0, act_of (MNV3_ACT_RELU));
  run_deconv_case (1, 1, 3, 35, 2, 2, 0, act_of (MNV3_ACT_NONE));
  /* 4x4 stride 2 pad 1 (the usual x2 upsampler) */
  run_deconv_case (6, 5, 24, 12, 4, 2, 1, act_of (MNV3_ACT_HSWISH));
  run_deconv_case (3, 3, 67, 33, 4, 2, 1, act_of (MNV3_ACT_SIGMOID));
  /* overlapping taps without padding, and stride 1 */
  run_deconv_case (4, 3, 5, 7, 3, 2, 0, act_of (MNV3_ACT_CLIP));
  run_deconv_case (5, 4, 9, 17, 3, 1, 1, act_of (MNV3_ACT_NONE));
}
END_TEST

/* The dispatch table (dsp.h): C entries first, each level overriding
 * them, nothing NULL, VNNI reading AVX-512's float kernels, and the
 * cached tables equal to a fresh fill. */
static int
f32_entries_set (const mnv3_dsp_f32 *f)
{
  return f->gemm.fn && f->gemm.mr > 0 && f->gemm.nr > 0
      && f->gemm.nr % 2 == 0 && f->gemm.name && f->dw3 && f->dw5
      && f->dw_any && f->act && f->binary && f->pool && f->gavg
      && f->resize_hrow && f->resize_vblend && f->softmax && f->pp_packed
      && f->pp_i420 && f->pp_nv12;
}

/* member by member: the struct has padding memcmp would read */
static int
f32_equal (const mnv3_dsp_f32 *a, const mnv3_dsp_f32 *b)
{
  return a->isa == b->isa && a->gemm.fn == b->gemm.fn
      && a->gemm.mr == b->gemm.mr && a->gemm.nr == b->gemm.nr
      && !strcmp (a->gemm.name, b->gemm.name) && a->dw3 == b->dw3
      && a->dw5 == b->dw5 && a->dw_any == b->dw_any && a->act == b->act
      && a->binary == b->binary && a->pool == b->pool && a->gavg == b->gavg
      && a->resize_hrow == b->resize_hrow
      && a->resize_vblend == b->resize_vblend && a->softmax == b->softmax
      && a->pp_packed == b->pp_packed && a->pp_i420 == b->pp_i420
      && a->pp_nv12 == b->pp_nv12;
}

START_TEST (test_dsp_table)
{
  const mnv3_isa levels[] = { MNV3_ISA_SCALAR, MNV3_ISA_AVX2,
    MNV3_ISA_AVX512, MNV3_ISA_AVX512VNNI
  };
  mnv3_dsp prev;

  memset (&prev, 0, sizeof (prev));

  for (size_t i = 0; i < sizeof (levels) / sizeof (levels[0]); i++) {
    const mnv3_isa isa = levels[i];
    mnv3_dsp d;

    mnv3_dsp_init (&d, isa, mnv3_cpu_features ());
    ck_assert_msg (f32_entries_set (&d.f32), "%s: an entry is unset",
        mnv3_isa_name (isa));
    ck_assert_ptr_nonnull (d.q8.gemm.fn);
    ck_assert_ptr_nonnull (d.q8.dw_any);
    ck_assert_ptr_nonnull (d.q8elt.bin);
    ck_assert (f32_equal (mnv3_dsp_f32_get (isa), &d.f32));
#ifdef MNV3_X86
    ck_assert_int_eq (d.f32.isa, mnv3_isa_float (isa));
#else
    ck_assert_int_eq (d.f32.isa, MNV3_ISA_SCALAR);
#endif
    if (isa == MNV3_ISA_SCALAR) {
      ck_assert_ptr_eq (d.f32.gemm.fn, mnv3_gemm_scalar);
      ck_assert_ptr_eq (d.f32.dw3, mnv3_dwconv_rows_scalar);
      ck_assert_ptr_eq (d.f32.act, mnv3_act_kernel_scalar);
      ck_assert_str_eq (d.f32.gemm.name, "c");
    } else if (d.f32.isa != prev.f32.isa) {
      /* a level that exists overrides every accelerated family */
      ck_assert_ptr_ne (d.f32.gemm.fn, prev.f32.gemm.fn);
      ck_assert_ptr_ne (d.f32.dw3, prev.f32.dw3);
      ck_assert_ptr_ne (d.f32.dw5, prev.f32.dw5);
      ck_assert_ptr_ne (d.f32.act, prev.f32.act);
      ck_assert_ptr_ne (d.f32.binary, prev.f32.binary);
      ck_assert_ptr_ne (d.f32.pool, prev.f32.pool);
      ck_assert_ptr_ne (d.f32.softmax, prev.f32.softmax);
      ck_assert_ptr_ne (d.f32.pp_nv12, prev.f32.pp_nv12);
      ck_assert_ptr_eq (d.f32.dw_any, mnv3_dwconv_rows_scalar);
    } else {
      ck_assert (f32_equal (&d.f32, &prev.f32));
    }
    prev = d;
  }
  /* AUTO: the level the CPU (and $MNV3_ISA) allows */
  ck_assert_ptr_eq (mnv3_dsp_f32_get (MNV3_ISA_AUTO),
      mnv3_dsp_f32_get (mnv3_cpu_resolve (MNV3_ISA_AUTO)));
}
END_TEST

static Suite *
conv_suite (void)
{
  Suite *s = suite_create ("conv");
  TCase *tc = tcase_create ("conv");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_conv_1x1_channels);
  tcase_add_test (tc, test_conv_1x1_widths);
  tcase_add_test (tc, test_conv_spatial);
  tcase_add_test (tc, test_conv_stem);
  tcase_add_test (tc, test_conv_groups);
  tcase_add_test (tc, test_conv_epilogue);
  tcase_add_test (tc, test_conv_invalid);
  tcase_add_test (tc, test_deconv);
  tcase_add_test (tc, test_dsp_table);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (conv_suite ());
  int failed;

  mnv3_test_seed (CONV_SEED);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
