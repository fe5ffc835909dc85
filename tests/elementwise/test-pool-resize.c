/* test_pool_resize.c — pooling, global average pooling and resize.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every ISA against naive double-precision versions written here:
 *  - pools: |err| <= 1e-6 * (1 + sum |x| / count) (float sums of at most
 *    a few hundred terms of |x| <= 1); max pool exact.  Shapes: 2x2/2,
 *    3x3 with symmetric and TF SAME padding, windows past the padding,
 *    TFLite's 13x25 stride 4x5 VALID pool of LR-ASPP, channels 1..67.
 *  - resize: |err| <= 1e-5 (inputs in [-1,1], two lerps); every coordinate
 *    mode, bilinear and nearest, up and down, 1x1 in and out, model-given
 *    scales, the segmentation upsamplings, hand-computed values, and
 *    threaded runs equal to serial ones. */
#include "ewtest.h"

/* ---- pooling -------------------------------------------------------- */

static void
pool_naive (const mnv3_pool_params *p, const float *in, double *out,
    double *scale)
{
  for (int oy = 0; oy < p->oh; oy++)
    for (int ox = 0; ox < p->ow; ox++)
      for (int c = 0; c < p->c; c++) {
        double acc = p->type == MNV3_POOL_MAX ? -INFINITY : 0, mag = 0;
        int cnt = 0, cnt_pad = 0;
        for (int ky = 0; ky < p->kh; ky++)
          for (int kx = 0; kx < p->kw; kx++) {
            int iy = oy * p->sh - p->pad_t + ky, ix = ox * p->sw - p->pad_l + kx;
            if (iy < p->ih + p->pad_b && ix < p->iw + p->pad_r)
              cnt_pad++;
            if (iy < 0 || ix < 0 || iy >= p->ih || ix >= p->iw)
              continue;
            double v = in[((size_t) iy * p->iw + ix) * p->c + c];
            acc = p->type == MNV3_POOL_MAX ? fmax (acc, v) : acc + v;
            mag += fabs (v);
            cnt++;
          }
        size_t o = ((size_t) oy * p->ow + ox) * p->c + c;
        if (cnt == 0)
          acc = 0;
        else if (p->type == MNV3_POOL_AVG)
          acc /= p->count_include_pad ? cnt_pad : cnt;
        out[o] = acc;
        scale[o] = 1 + (cnt ? mag / cnt : 0);
      }
}

static void
pool_case (mnv3_pool_type type, int ih, int iw, int c, int kh, int kw,
    int sh, int sw, int pt, int pl, int pb, int pr, int cip, int oh, int ow,
    mnv3_threadpool *tp)
{
  mnv3_pool_params p = { type, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl,
    pb, pr, cip };
  if (oh <= 0)
    p.oh = (ih + pt + pb - kh) / sh + 1;
  if (ow <= 0)
    p.ow = (iw + pl + pr - kw) / sw + 1;
  size_t n = (size_t) p.oh * p.ow * c;
  float *in = random_buf ((size_t) ih * iw * c, -1.f, 1.f);
  double *want = malloc (n * sizeof *want), *scale = malloc (n * sizeof *scale);
  pool_naive (&p, in, want, scale);
  FOR_EACH_ISA (isa) {
    float *out = guarded_buf (n);
    mnv3_pool_run (isa, &p, in, out, tp);
    check_guard (out, n, "pool");
    for (size_t i = 0; i < n; i++)
      if (!(fabs (out[i] - want[i]) <= 1e-6 * scale[i]))
        ck_abort_msg ("pool %s type %d %dx%dx%d k%dx%d s%dx%d pad %d,%d,%d,%d"
            " cip %d: [%zu] = %.9g want %.9g", isa_str (isa), type, ih, iw,
            c, kh, kw, sh, sw, pt, pl, pb, pr, cip, i, out[i], want[i]);
    free (out);
  }
  free (in);
  free (want);
  free (scale);
}

START_TEST (test_pool_channels)
{
  for (int c = 1; c <= 67; c++)
    for (int t = 0; t < 2; t++) {
      mnv3_pool_type type = t ? MNV3_POOL_MAX : MNV3_POOL_AVG;
      pool_case (type, 6, 7, c, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, NULL);
      pool_case (type, 5, 5, c, 3, 3, 1, 1, 1, 1, 1, 1, c & 1, 0, 0, NULL);
      pool_case (type, 8, 8, c, 3, 3, 2, 2, 0, 0, 1, 1, 0, 0, 0, NULL);
    }
}
END_TEST

START_TEST (test_pool_shapes)
{
  for (int t = 0; t < 2; t++) {
    mnv3_pool_type type = t ? MNV3_POOL_MAX : MNV3_POOL_AVG;
    /* LR-ASPP's pooled branch (TFLite AVERAGE_POOL_2D 13x25 / 4x5 VALID) */
    pool_case (type, 17, 33, 288, 13, 25, 4, 5, 0, 0, 0, 0, 0, 0, 0, NULL);
    pool_case (type, 65, 129, 48, 13, 25, 4, 5, 0, 0, 0, 0, 0, 0, 0, pool2);
    /* SE squeeze written as a full-size AVERAGE_POOL_2D */
    pool_case (type, 7, 7, 576, 7, 7, 1, 1, 0, 0, 0, 0, 0, 0, 0, NULL);
    pool_case (type, 28, 28, 40, 28, 28, 1, 1, 0, 0, 0, 0, 0, 0, 0, pool2);
    pool_case (type, 1, 1, 17, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, NULL);
    /* windows running past the padding (ceil mode), both divisors */
    for (int cip = 0; cip <= 1; cip++) {
      pool_case (type, 7, 7, 19, 3, 3, 2, 2, 1, 1, 1, 1, cip, 4, 4, NULL);
      pool_case (type, 6, 9, 20, 2, 3, 2, 2, 0, 1, 0, 1, cip, 3, 5, NULL);
      pool_case (type, 5, 5, 33, 5, 5, 1, 1, 2, 2, 2, 2, cip, 0, 0, pool2);
      pool_case (type, 3, 3, 5, 2, 2, 1, 1, 1, 0, 0, 1, cip, 0, 0, NULL);
    }
    pool_case (type, 56, 56, 24, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, pool2);
  }
}
END_TEST

START_TEST (test_global_avgpool)
{
  static const int hw[][2] = { {1, 1}, {7, 7}, {1, 13}, {28, 28}, {3, 5} };
  static const int cs[] = { 1, 2, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 67,
    72, 96, 120, 240, 576, 960, 1280 };
  for (size_t i = 0; i < sizeof hw / sizeof *hw; i++)
    for (size_t j = 0; j < sizeof cs / sizeof *cs; j++) {
      int h = hw[i][0], w = hw[i][1], c = cs[j];
      float *in = random_buf ((size_t) h * w * c, -1.f, 1.f);
      double *want = malloc (c * sizeof *want);
      for (int k = 0; k < c; k++) {
        double s = 0;
        for (int q = 0; q < h * w; q++)
          s += in[(size_t) q * c + k];
        want[k] = s / (h * w);
      }
      FOR_EACH_ISA (isa)
        for (int t = 0; t < 2; t++) {
          float *out = guarded_buf (c);
          mnv3_global_avgpool_run (isa, in, h, w, c, out, t ? pool2 : NULL);
          check_guard (out, c, "global avgpool");
          check_close ("global avgpool", out, want, c, 0, 1e-5);
          free (out);
        }
      free (in);
      free (want);
    }
}
END_TEST

/* ---- resize --------------------------------------------------------- */

static double
src_naive (mnv3_resize_coord m, int o, int in, int out, double scale)
{
  double sc = scale > 0 ? scale : (double) out / in;
  switch (m) {
    case MNV3_COORD_HALF_PIXEL: return (o + 0.5) / sc - 0.5;
    case MNV3_COORD_PYTORCH_HALF_PIXEL:
      return out > 1 ? (o + 0.5) / sc - 0.5 : 0;
    case MNV3_COORD_ALIGN_CORNERS:
      return out > 1 ? o * (in - 1.0) / (out - 1) : 0;
    default: return o / sc;
  }
}

static void
resize_naive (mnv3_resize_coord m, int nearest, const float *in, int ih,
    int iw, int c, double *out, int oh, int ow, double sh, double sw)
{
  for (int oy = 0; oy < oh; oy++)
    for (int ox = 0; ox < ow; ox++)
      for (int k = 0; k < c; k++) {
        double y = src_naive (m, oy, ih, oh, sh), x = src_naive (m, ox, iw, ow, sw);
        double v;
        if (nearest) {
          int yi = (int) fmin (fmax (floor (y), 0), ih - 1);
          int xi = (int) fmin (fmax (floor (x), 0), iw - 1);
          v = in[((size_t) yi * iw + xi) * c + k];
        } else {
          y = fmin (fmax (y, 0), ih - 1);
          x = fmin (fmax (x, 0), iw - 1);
          int y0 = (int) y, x0 = (int) x;
          int y1 = y0 + 1 < ih ? y0 + 1 : y0, x1 = x0 + 1 < iw ? x0 + 1 : x0;
          double wy = y - y0, wx = x - x0;
#define AT(yy, xx) ((double) in[((size_t) (yy) * iw + (xx)) * c + k])
          v = (1 - wy) * ((1 - wx) * AT (y0, x0) + wx * AT (y0, x1))
              + wy * ((1 - wx) * AT (y1, x0) + wx * AT (y1, x1));
#undef AT
        }
        out[((size_t) oy * ow + ox) * c + k] = v;
      }
}

static void
resize_case (mnv3_resize_coord m, int nearest, int ih, int iw, int c, int oh,
    int ow, float sh, float sw)
{
  size_t n = (size_t) oh * ow * c;
  float *in = random_buf ((size_t) ih * iw * c, -1.f, 1.f);
  double *want = malloc (n * sizeof *want);
  char what[128];
  resize_naive (m, nearest, in, ih, iw, c, want, oh, ow, sh, sw);
  FOR_EACH_ISA (isa) {
    float *out = guarded_buf (n), *out2 = guarded_buf (n);
    snprintf (what, sizeof what, "resize %s mode %d %s %dx%dx%d -> %dx%d",
        isa_str (isa), m, nearest ? "nearest" : "bilinear", ih, iw, c, oh, ow);
    mnv3_resize_run (isa, m, nearest, in, ih, iw, c, out, oh, ow, sh, sw, NULL);
    check_guard (out, n, what);
    check_close (what, out, want, n, 0, 1e-5);
    mnv3_resize_run (isa, m, nearest, in, ih, iw, c, out2, oh, ow, sh, sw,
        pool2);
    check_guard (out2, n, what);
    ck_assert_msg (memcmp (out, out2, n * sizeof *out) == 0,
        "%s: threaded differs", what);
    free (out);
    free (out2);
  }
  free (in);
  free (want);
}

START_TEST (test_resize_modes)
{
  static const int sz[][4] = {
    {1, 1, 3, 4}, {3, 4, 1, 1}, {1, 1, 1, 1}, {4, 5, 8, 10}, {8, 10, 3, 4},
    {5, 7, 13, 11}, {2, 3, 2, 3}, {6, 6, 2, 9}, {3, 9, 7, 2}, {1, 5, 4, 1},
  };
  static const int cs[] = { 1, 3, 5, 8, 16, 17, 35 };
  for (int m = MNV3_COORD_HALF_PIXEL; m <= MNV3_COORD_ASYMMETRIC; m++)
    for (int nearest = 0; nearest <= 1; nearest++)
      for (size_t i = 0; i < sizeof sz / sizeof *sz; i++)
        for (size_t j = 0; j < sizeof cs / sizeof *cs; j++)
          resize_case ((mnv3_resize_coord) m, nearest, sz[i][0], sz[i][1],
              cs[j], sz[i][2], sz[i][3], 0, 0);
}
END_TEST

START_TEST (test_resize_scales)
{
  /* scales stated by the model rather than derived from the sizes */
  for (int m = MNV3_COORD_HALF_PIXEL; m <= MNV3_COORD_ASYMMETRIC; m++)
    for (int nearest = 0; nearest <= 1; nearest++) {
      resize_case ((mnv3_resize_coord) m, nearest, 3, 5, 6, 7, 11, 2.5f, 2.2f);
      resize_case ((mnv3_resize_coord) m, nearest, 8, 8, 4, 4, 3, 0.5f, 0.4f);
    }
}
END_TEST

START_TEST (test_resize_segmentation)
{
  /* LR-ASPP heads: align corners 17x33 -> 65x129, 65x129 -> 513x1025 on
   * 5 logits; half-pixel 64x128 -> 512x1024 (x8) on 5 channels */
  resize_case (MNV3_COORD_ALIGN_CORNERS, 0, 17, 33, 128, 65, 129, 0, 0);
  resize_case (MNV3_COORD_ALIGN_CORNERS, 0, 65, 129, 5, 513, 1025, 0, 0);
  resize_case (MNV3_COORD_HALF_PIXEL, 0, 64, 128, 5, 512, 1024, 0, 0);
  resize_case (MNV3_COORD_HALF_PIXEL, 0, 128, 128, 1, 256, 256, 0, 0);
  resize_case (MNV3_COORD_ASYMMETRIC, 1, 64, 128, 5, 512, 1024, 0, 0);
}
END_TEST

/* Values worked out by hand from the coordinate formulas. */
START_TEST (test_resize_known)
{
  const float in[2] = { 1.f, 3.f };
  float out[4];
  FOR_EACH_ISA (isa) {
    mnv3_resize_run (isa, MNV3_COORD_ALIGN_CORNERS, 0, in, 1, 2, 1, out, 1, 3,
        0, 0, NULL);
    ck_assert (out[0] == 1.f && out[1] == 2.f && out[2] == 3.f);
    mnv3_resize_run (isa, MNV3_COORD_HALF_PIXEL, 0, in, 1, 2, 1, out, 1, 4,
        0, 0, NULL);
    ck_assert (out[0] == 1.f && out[1] == 1.5f && out[2] == 2.5f
        && out[3] == 3.f);
    mnv3_resize_run (isa, MNV3_COORD_ASYMMETRIC, 0, in, 1, 2, 1, out, 1, 4,
        0, 0, NULL);
    ck_assert (out[0] == 1.f && out[1] == 2.f && out[2] == 3.f
        && out[3] == 3.f);
    mnv3_resize_run (isa, MNV3_COORD_ASYMMETRIC, 1, in, 1, 2, 1, out, 1, 4,
        0, 0, NULL);
    ck_assert (out[0] == 1.f && out[1] == 1.f && out[2] == 3.f
        && out[3] == 3.f);
    /* one output: half-pixel takes the middle, pytorch-half-pixel in[0] */
    mnv3_resize_run (isa, MNV3_COORD_HALF_PIXEL, 0, in, 1, 2, 1, out, 1, 1,
        0, 0, NULL);
    ck_assert (out[0] == 2.f);
    mnv3_resize_run (isa, MNV3_COORD_PYTORCH_HALF_PIXEL, 0, in, 1, 2, 1, out,
        1, 1, 0, 0, NULL);
    ck_assert (out[0] == 1.f);
  }
}
END_TEST

static Suite *
pool_resize_suite (void)
{
  Suite *s = suite_create ("elementwise-pool-resize");
  TCase *tc = tcase_create ("pool-resize");
  tcase_add_checked_fixture (tc, ew_setup, ew_teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_pool_channels);
  tcase_add_test (tc, test_pool_shapes);
  tcase_add_test (tc, test_global_avgpool);
  tcase_add_test (tc, test_resize_modes);
  tcase_add_test (tc, test_resize_scales);
  tcase_add_test (tc, test_resize_segmentation);
  tcase_add_test (tc, test_resize_known);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return ew_run_suite (pool_resize_suite ());
}
