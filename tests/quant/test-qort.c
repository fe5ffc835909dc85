/* test_qort.c — the integer ops with ONNX Runtime's arithmetic
 * (core/quant/qort.c, MNV3_QROUND_FLOAT): hand-checked cases (ties to
 * even, saturation) and the same formulas evaluated independently (wider
 * types where a step must round once) on random data.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qtest.h"

static const mnv3_dtype types[2] = { MNV3_DTYPE_U8, MNV3_DTYPE_I8 };

START_TEST (test_quantize_ties)
{
  const float x[6] = { 2.5f, 3.5f, -2.5f, 300.f, -300.f, 0.49999997f };
  const int32_t want_i8[6] = { 2, 4, -2, 127, -128, 0 };
  mnv3_qtensor q = { MNV3_DTYPE_I8, 1.f, 0 };
  int8_t o8[6];
  uint8_t u8[6];

  mnv3_qort_quantize_run (x, o8, 6, &q);
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq (o8[i], want_i8[i]);
  q = (mnv3_qtensor) { MNV3_DTYPE_U8, 0.5f, 7 };   /* x / 0.5 + 7 */
  mnv3_qort_quantize_run (x, u8, 6, &q);
  ck_assert_int_eq (u8[0], 12);                   /* 5 + 7 */
  ck_assert_int_eq (u8[1], 14);
  ck_assert_int_eq (u8[2], 2);                    /* -5 + 7 */
  ck_assert_int_eq (u8[3], 255);
  ck_assert_int_eq (u8[4], 0);
  ck_assert_int_eq (u8[5], 8);                    /* 0.99999994 -> 1 */
}
END_TEST

/* Random operands against the formulas in long double (each float step
 * rounded to float explicitly; fma as one rounding). */
static float
ld_fma (float a, float b, float c)
{
  return (float) ((long double) a * b + c);
}

START_TEST (test_binary_random)
{
  for (int it = 0; it < 200; it++) {
    mnv3_qort_binary q;
    const int n = 1 + qrand_int (0, 40);
    const int sh[4] = { 1, 1, 1, n };
    void *a, *b;
    uint8_t *o;
    int32_t lo, hi;

    q.op = it & 1 ? MNV3_BINARY_MUL : MNV3_BINARY_ADD;
    q.a = (mnv3_qtensor) { types[it % 2], qrand_scale (0.01f, 1.f),
      qrand_int (-20, 20) };
    q.b = (mnv3_qtensor) { types[(it / 2) % 2], qrand_scale (0.01f, 1.f),
      qrand_int (-20, 20) };
    q.out = (mnv3_qtensor) { types[(it / 4) % 2], qrand_scale (0.01f, 2.f),
      qrand_int (-20, 20) };
    lo = qlo (q.out.type);
    hi = qhi (q.out.type);
    a = qbuf_random (n, q.a.type);
    b = qbuf_random (n, q.b.type);
    o = qbuf (n);
    mnv3_qort_binary_run (&q, a, sh, b, sh, o, sh);
    for (int i = 0; i < n; i++) {
      float va = (float) qget (a, i, q.a.type);
      float vb = (float) qget (b, i, q.b.type);
      float v;
      long r;
      if (q.op == MNV3_BINARY_ADD) {
        float rac = q.a.scale / q.out.scale, rbc = q.b.scale / q.out.scale;
        float fixed = (float) q.out.zp - ld_fma (rac, (float) q.a.zp,
            (float) ((double) rbc * q.b.zp));
        v = ld_fma (va, rac, ld_fma (vb, rbc, fixed));
        r = lrintf (v);
      } else {
        float ratio = (float) ((double) (float) ((double) q.a.scale
                * q.b.scale) / q.out.scale);
        v = (float) ((double) ((va - q.a.zp) * (vb - q.b.zp)) * ratio);
        r = lrintf (v) + q.out.zp;
      }
      r = r < lo ? lo : (r > hi ? hi : r);
      ck_assert_int_eq (qget (o, i, q.out.type), r);
    }
    free (a);
    free (b);
    free (o);
  }
}
END_TEST

START_TEST (test_gap_random)
{
  for (int it = 0; it < 50; it++) {
    const int h = qrand_int (1, 9), w = qrand_int (1, 9), c = qrand_int (1, 7);
    mnv3_qtensor in = { types[it % 2], qrand_scale (0.01f, 1.f),
      qrand_int (-30, 30) };
    mnv3_qtensor out = { types[(it / 2) % 2], qrand_scale (0.01f, 1.f),
      qrand_int (-30, 30) };
    void *x = qbuf_random ((size_t) h * w * c, in.type);
    uint8_t *y = qbuf (c);

    mnv3_qort_gap_run (&in, &out, x, h, w, c, y);
    for (int ch = 0; ch < c; ch++) {
      long sum = 0, r;
      float scale = in.scale / (float) ((double) out.scale * (h * w));
      for (int p = 0; p < h * w; p++)
        sum += qget (x, (size_t) p * c + ch, in.type) - in.zp;
      r = lrintf ((float) ((double) sum * scale)) + out.zp;
      r = r < qlo (out.type) ? qlo (out.type) : r > qhi (out.type)
          ? qhi (out.type) : r;
      ck_assert_int_eq (qget (y, ch, out.type), r);
    }
    free (x);
    free (y);
  }
}
END_TEST

/* HardSigmoid table against the same steps in double: equal wherever the
 * value is not within 1e-3 of a rounding tie (there float and double
 * may round differently); and 0 -> 0.5 -> 127.5 / 255ths checked by hand. */
START_TEST (test_lut_hsigmoid)
{
  mnv3_act act = { .type = MNV3_ACT_HSIGMOID, .a = 1.f / 6.f, .b = 0.5f };
  mnv3_qtensor in = { MNV3_DTYPE_I8, 0.05f, 3 };
  mnv3_qtensor out = { MNV3_DTYPE_U8, 1.f / 256.f, 0 };
  mnv3_qlut lut;
  int checked = 0;

  ck_assert_int_eq (mnv3_qort_lut_prepare (&lut, &act, &in, &out), MNV3_OK);
  for (int v = 0; v < 256; v++) {
    double x = (double) (((int8_t) v) - in.zp) * in.scale;
    double y = act.a * x + act.b, q;
    y = y < 0 ? 0 : (y > 1 ? 1 : y);
    q = y / out.scale;
    if (fabs (q - floor (q) - 0.5) < 1e-3)
      continue;
    q = q > 255 ? 255 : floor (q + 0.5);
    ck_assert_int_eq (lut.table[v], (int) q);
    checked++;
  }
  ck_assert_int_ge (checked, 200);
  /* q = 3 (x = 0): 0.5 * 256 = 128 exactly */
  ck_assert_int_eq (lut.table[3], 128);
}
END_TEST

START_TEST (test_conv_float_and_saturation)
{
  /* 1x1 conv, 2 input channels, 1 output: 255*127 + 255*127 = 64770
   * exact; ONNX Runtime's vpmaddubsw pair saturates at 32767. */
  const uint8_t x[2] = { 255, 255 };
  const int8_t w[2] = { 127, 127 };
  const float ws = 1.f;
  const int32_t wzp = 0;
  mnv3_qconv_params p = { 0 };
  mnv3_qconv *c;
  uint8_t y = 0;

  p.geom = (mnv3_conv_params) { .ih = 1, .iw = 1, .ic = 2, .oh = 1, .ow = 1,
    .oc = 1, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
    .groups = 1 };
  p.in = (mnv3_qtensor) { MNV3_DTYPE_U8, 1.f, 0 };
  p.out = (mnv3_qtensor) { MNV3_DTYPE_U8, 1024.f, 0 };
  p.act_min = 0;
  p.act_max = 255;
  p.w_type = MNV3_DTYPE_I8;
  p.num_w_scales = 1;
  p.w_scales = &ws;
  p.w_zps = &wzp;
  p.rounding = MNV3_QROUND_FLOAT;
  c = mnv3_qconv_create (MNV3_ISA_AUTO, &p, w, NULL);
  ck_assert_ptr_nonnull (c);
  mnv3_qconv_run (c, x, &y, NULL, NULL);
  ck_assert_int_eq (y, 63);           /* 64770 / 1024 = 63.25 */
  mnv3_qort_conv_run_u8s8 (c, x, &y);
  ck_assert_int_eq (y, 32);           /* 32767 / 1024 = 31.999 */
  mnv3_qconv_free (c);
}
END_TEST

/* Without saturation (activations below 128) both paths are the exact
 * sums requantized in float: random 3x3 convolutions, padding, strides. */
START_TEST (test_conv_random)
{
  for (int it = 0; it < 40; it++) {
    const int ic = qrand_int (1, 6), oc = qrand_int (1, 5);
    const int ih = qrand_int (3, 8), iw = qrand_int (3, 8);
    const int s = qrand_int (1, 2), oh = (ih + 2 - 3) / s + 1;
    const int ow = (iw + 2 - 3) / s + 1;
    mnv3_qconv_params p = { 0 };
    float ws[5];
    int32_t wzp[5] = { 0 }, bias[5];
    uint8_t *x = qbuf ((size_t) ih * iw * ic), *y1, *y2;
    int8_t *w = qbuf ((size_t) oc * 9 * ic);
    mnv3_qconv *c;

    for (int i = 0; i < ih * iw * ic; i++)
      x[i] = (uint8_t) qrand_int (0, 127);
    for (int i = 0; i < oc * 9 * ic; i++)
      w[i] = (int8_t) qrand_int (-127, 127);
    for (int o = 0; o < oc; o++) {
      ws[o] = qrand_scale (0.001f, 0.05f);
      bias[o] = qrand_int (-2000, 2000);
    }
    p.geom = (mnv3_conv_params) { .ih = ih, .iw = iw, .ic = ic, .oh = oh,
      .ow = ow, .oc = oc, .kh = 3, .kw = 3, .sh = s, .sw = s, .dh = 1,
      .dw = 1, .pad_t = 1, .pad_l = 1, .pad_b = 1, .pad_r = 1, .groups = 1 };
    p.in = (mnv3_qtensor) { MNV3_DTYPE_U8, qrand_scale (0.01f, 0.1f),
      qrand_int (0, 60) };
    p.out = (mnv3_qtensor) { MNV3_DTYPE_U8, qrand_scale (0.01f, 0.2f),
      qrand_int (0, 255) };
    p.act_min = 0;
    p.act_max = 255;
    p.w_type = MNV3_DTYPE_I8;
    p.num_w_scales = oc;
    p.w_scales = ws;
    p.w_zps = wzp;
    p.rounding = MNV3_QROUND_FLOAT;
    c = mnv3_qconv_create (MNV3_ISA_AUTO, &p, w, bias);
    ck_assert_ptr_nonnull (c);
    y1 = qbuf ((size_t) oh * ow * oc);
    y2 = qbuf ((size_t) oh * ow * oc);
    mnv3_qconv_run (c, x, y1, NULL, pool2);
    mnv3_qort_conv_run_u8s8 (c, x, y2);
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++)
        for (int o = 0; o < oc; o++) {
          long acc = bias[o], r;
          float sc = p.in.scale * ws[o] / p.out.scale;
          size_t k = ((size_t) oy * ow + ox) * oc + o;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
              for (int ch = 0; ch < ic; ch++) {
                int yy = oy * s - 1 + ky, xx = ox * s - 1 + kx;
                if (yy < 0 || yy >= ih || xx < 0 || xx >= iw)
                  continue;
                acc += (long) (x[((size_t) yy * iw + xx) * ic + ch]
                    - p.in.zp) * w[((size_t) (o * 3 + ky) * 3 + kx) * ic
                    + ch];
              }
          r = lrintf ((float) ((double) (float) acc * sc)) + p.out.zp;
          r = r < 0 ? 0 : (r > 255 ? 255 : r);
          ck_assert_int_eq (y1[k], r);
          ck_assert_int_eq (y2[k], r);
        }
    mnv3_qconv_free (c);
    free (x);
    free (w);
    free (y1);
    free (y2);
  }
}
END_TEST

/* The 1x1 form gives the reference loops' bytes: random 1x1 layers and
 * FC, both activation types, per-channel scales, 1 and 2 threads. */
START_TEST (test_conv_1x1_random)
{
  for (int it = 0; it < 60; it++) {
    const int fc = it % 5 == 0;
    const int ic = qrand_int (1, fc ? 300 : 70), oc = qrand_int (1, 40);
    const int h = fc ? 1 : qrand_int (1, 9), w = fc ? 1 : qrand_int (1, 9);
    const mnv3_dtype t = types[it % 2];
    mnv3_qconv_params p = { 0 };
    float *ws = qbuf (oc * sizeof *ws);
    int32_t *wzp = qbuf (oc * sizeof *wzp), *bias = qbuf (oc * sizeof *bias);
    void *x = qbuf_random ((size_t) h * w * ic, t);
    void *wt = qbuf_random ((size_t) oc * ic, MNV3_DTYPE_I8);
    uint8_t *y1 = qbuf ((size_t) h * w * oc), *y2 = qbuf ((size_t) h * w * oc);
    mnv3_qconv *c;

    for (int o = 0; o < oc; o++) {
      ws[o] = qrand_scale (0.0005f, 0.02f);
      wzp[o] = 0;
      bias[o] = qrand_int (-5000, 5000);
    }
    p.geom = (mnv3_conv_params) { .ih = h, .iw = w, .ic = ic, .oh = h,
      .ow = w, .oc = oc, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1,
      .dw = 1, .groups = 1 };
    p.in = (mnv3_qtensor) { t, qrand_scale (0.01f, 0.1f),
      qrand_int (qlo (t), qhi (t)) };
    p.out = (mnv3_qtensor) { t, qrand_scale (0.02f, 0.5f),
      qrand_int (qlo (t), qhi (t)) };
    p.act_min = qlo (t);
    p.act_max = qhi (t);
    p.w_type = MNV3_DTYPE_I8;
    p.num_w_scales = oc;
    p.w_scales = ws;
    p.w_zps = wzp;
    p.rounding = MNV3_QROUND_FLOAT;
    p.reference = 1;    /* no packed GEMM: the 1x1 form serves the layer */
    c = mnv3_qconv_create (MNV3_ISA_AUTO, &p, wt, bias);
    ck_assert_ptr_nonnull (c);
    mnv3_qconv_run (c, x, y1, NULL, NULL);
    ck_assert_int_eq (mnv3_qort_conv_run (c, x, y2, it & 1 ? pool2 : NULL),
        1);
    ck_assert_int_eq (memcmp (y1, y2, (size_t) h * w * oc), 0);
    mnv3_qconv_free (c);
    free (ws);
    free (wzp);
    free (bias);
    free (x);
    free (wt);
    free (y1);
    free (y2);
  }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("quant-ort");
  TCase *tc = tcase_create ("ort");

  tcase_add_checked_fixture (tc, q_setup, q_teardown);
  tcase_add_test (tc, test_quantize_ties);
  tcase_add_test (tc, test_binary_random);
  tcase_add_test (tc, test_gap_random);
  tcase_add_test (tc, test_lut_hsigmoid);
  tcase_add_test (tc, test_conv_float_and_saturation);
  tcase_add_test (tc, test_conv_random);
  tcase_add_test (tc, test_conv_1x1_random);
  suite_add_tcase (s, tc);
  return q_run_suite (s);
}
