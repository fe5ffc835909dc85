/* test_qops.c — the other 8-bit operators: hand-checked cases, the real-
 * valued result within one step, and exact identities (broadcast equals
 * explicit expansion, threaded equals serial, rounding rules).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qtest.h"

static const mnv3_dtype types[2] = { MNV3_DTYPE_U8, MNV3_DTYPE_I8 };

static double
deq (const mnv3_qtensor *q, int32_t v)
{
  return (double) q->scale * (v - q->zp);
}

/* ---- binary --------------------------------------------------------- */

START_TEST (test_binary_hand)
{
  mnv3_qbinary q = { 0 };
  uint8_t a = 3, b = 4, o = 0;
  const int s1[4] = { 1, 1, 1, 1 };

  q.op = MNV3_BINARY_ADD;
  q.a = q.b = q.out = (mnv3_qtensor) { MNV3_DTYPE_U8, 0.5f, 0 };
  q.act_min = 0;
  q.act_max = 255;
  ck_assert_int_eq (mnv3_qbinary_prepare (&q), MNV3_OK);
  ck_assert_int_eq (q.left_shift, 20);
  mnv3_qbinary_run (MNV3_ISA_SCALAR, &q, &a, s1, &b, s1, &o, s1, NULL);
  ck_assert_int_eq (o, 7);
  q.op = MNV3_BINARY_SUB;
  ck_assert_int_eq (mnv3_qbinary_prepare (&q), MNV3_OK);
  a = 10;
  mnv3_qbinary_run (MNV3_ISA_SCALAR, &q, &a, s1, &b, s1, &o, s1, NULL);
  ck_assert_int_eq (o, 6);
  /* MUL: (10 * 0.1) * (20 * 0.1) = 2 at scale 1. */
  q.op = MNV3_BINARY_MUL;
  q.a = q.b = (mnv3_qtensor) { MNV3_DTYPE_U8, 0.1f, 0 };
  q.out = (mnv3_qtensor) { MNV3_DTYPE_U8, 1.f, 0 };
  ck_assert_int_eq (mnv3_qbinary_prepare (&q), MNV3_OK);
  b = 20;
  mnv3_qbinary_run (MNV3_ISA_SCALAR, &q, &a, s1, &b, s1, &o, s1, NULL);
  ck_assert_int_eq (o, 2);
  q.op = MNV3_BINARY_DIV;
  ck_assert_int_eq (mnv3_qbinary_prepare (&q), MNV3_ERR_UNSUPPORTED);
}
END_TEST

START_TEST (test_binary_sweep)
{
  static const int bshapes[4][4] = { { 1, 3, 5, 0 }, { 1, 1, 1, 0 },
    { 1, 1, 1, 1 }, { 1, 3, 1, 0 } };
  int k = 0;

  for (int op = 0; op < 3; op++)
    for (int ti = 0; ti < 2; ti++)
      for (int c = 1; c <= 67; c += 11)
        for (int bs = 0; bs < 4; bs++, k++) {
          mnv3_dtype t = types[ti];
          mnv3_qbinary q = { 0 };
          int os[4] = { 1, 3, 5, c }, as[4] = { 1, 3, 5, c }, bsh[4];
          size_t n = (size_t) 15 * c, nb;
          uint8_t *a, *b, *bx, *o, *o2, *o3;
          mnv3_act act = { k % 2 ? MNV3_ACT_RELU : MNV3_ACT_NONE, 0, 0 };

          for (int d = 0; d < 4; d++)
            bsh[d] = bshapes[bs][d] ? bshapes[bs][d] : c;
          nb = (size_t) bsh[1] * bsh[2] * bsh[3];
          q.op = op == 0 ? MNV3_BINARY_ADD : op == 1 ? MNV3_BINARY_SUB
              : MNV3_BINARY_MUL;
          q.a = (mnv3_qtensor) { t, qrand_scale (0.01f, 1.f),
            qpick_zp (t, k) };
          q.b = (mnv3_qtensor) { t, qrand_scale (0.01f, 1.f),
            qpick_zp (t, k + 1) };
          q.out = (mnv3_qtensor) { t, q.op == MNV3_BINARY_MUL
                ? q.a.scale * q.b.scale * qrand_scale (20.f, 200.f)
                : qrand_scale (0.02f, 2.f), qpick_zp (t, k + 2) };
          mnv3_q_act_range (act, &q.out, &q.act_min, &q.act_max);
          ck_assert_int_eq (mnv3_qbinary_prepare (&q), MNV3_OK);
          a = qbuf_random (n, t);
          b = qbuf_random (nb, t);
          bx = qbuf (n);
          o = qbuf (n);
          o2 = qbuf (n);
          o3 = qbuf (n);
          /* b expanded to the output shape by hand */
          for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
              for (int ch = 0; ch < c; ch++)
                bx[((size_t) y * 5 + x) * c + ch] = b[(((size_t) (bsh[1] > 1
                            ? y : 0) * bsh[2] + (bsh[2] > 1 ? x : 0)) * bsh[3])
                    + (bsh[3] > 1 ? ch : 0)];
          mnv3_qbinary_run (MNV3_ISA_SCALAR, &q, a, as, b, bsh, o, os, NULL);
          mnv3_qbinary_run (MNV3_ISA_SCALAR, &q, a, as, bx, os, o2, os, pool2);
          /* a broadcast instead of b: swapped roles for ADD and MUL */
          if (q.op != MNV3_BINARY_SUB) {
            mnv3_qbinary qs = q;
            qs.a = q.b;
            qs.b = q.a;
            ck_assert_int_eq (mnv3_qbinary_prepare (&qs), MNV3_OK);
            mnv3_qbinary_run (MNV3_ISA_SCALAR, &qs, b, bsh, a, as, o3, os,
                NULL);
          }
          for (size_t i = 0; i < n; i++) {
            double ra = deq (&q.a, qget (a, i, t)), rb = deq (&q.b, qget (bx,
                    i, t));
            double r = q.op == MNV3_BINARY_ADD ? ra + rb
                : q.op == MNV3_BINARY_SUB ? ra - rb : ra * rb;
            double want = r / q.out.scale + q.out.zp;
            int32_t g = qget (o, i, t);
            want = want < q.act_min ? q.act_min : want > q.act_max
                ? q.act_max : want;
            ck_assert_int_eq (o[i], o2[i]);
            if (q.op != MNV3_BINARY_SUB)
              ck_assert_int_eq (o[i], o3[i]);
            ck_assert_msg (fabs (g - want) <= 1.0, "op %d: %d vs %f", op, g,
                want);
          }
          free (a);
          free (b);
          free (bx);
          free (o);
          free (o2);
          free (o3);
        }
}
END_TEST

/* ---- LUT ops ----------------------------------------------------------- */

static double
ref_unary (mnv3_qunary_kind kind, double x)
{
  switch (kind) {
    case MNV3_QUNARY_HARD_SWISH:
      return x * fmin (fmax (x + 3, 0), 6) / 6;
    case MNV3_QUNARY_LOGISTIC:
      return 1 / (1 + exp (-x));
    case MNV3_QUNARY_TANH:
      return tanh (x);
    case MNV3_QUNARY_RELU:
      return fmax (x, 0);
    case MNV3_QUNARY_RELU6:
      return fmin (fmax (x, 0), 6);
    case MNV3_QUNARY_RELU_N1_TO_1:
      return fmin (fmax (x, -1), 1);
    default:
      return x;
  }
}

START_TEST (test_lut_sweep)
{
  int k = 0;

  for (int kind = MNV3_QUNARY_HARD_SWISH; kind <= MNV3_QUNARY_REQUANTIZE;
      kind++)
    for (int ti = 0; ti < 2; ti++)
      for (int rep = 0; rep < 12; rep++, k++) {
        mnv3_dtype t = types[ti];
        mnv3_qtensor in = { t, qrand_scale (0.005f, 0.2f), qpick_zp (t, k) };
        mnv3_qtensor out = { t, qrand_scale (0.005f, 0.2f),
          qpick_zp (t, k + 1) };
        mnv3_qlut lut;
        uint8_t src[256], dst[256];
        /* HARD_SWISH's fixed point is meant to be within a step or so;
         * the others are one rounding of the exact value (float noise). */
        double tol = kind == MNV3_QUNARY_HARD_SWISH ? 1.5 : 1.0;
        if (kind == MNV3_QUNARY_LOGISTIC || kind == MNV3_QUNARY_TANH)
          out = (mnv3_qtensor) { t, kind == MNV3_QUNARY_TANH ? 1.f / 128
                : 1.f / 256, kind == MNV3_QUNARY_TANH ? (t == MNV3_DTYPE_I8
                    ? 0 : 128) : qlo (t) };
        if (kind == MNV3_QUNARY_HARD_SWISH && out.scale < in.scale / 128.f)
          out.scale = in.scale;
        ck_assert_int_eq (mnv3_qlut_prepare (&lut, kind, &in, &out),
            MNV3_OK);
        for (int i = 0; i < 256; i++)
          src[i] = (uint8_t) i;
        mnv3_qlut_run (MNV3_ISA_SCALAR, &lut, src, dst, 256, pool2);
        for (int i = 0; i < 256; i++) {
          int32_t x = qget (src, i, t), y = qget (dst, i, t);
          double want = ref_unary (kind, deq (&in, x)) / out.scale + out.zp;
          want = fmin (fmax (want, qlo (t)), qhi (t));
          ck_assert_msg (fabs (y - want) <= tol, "kind %d type %d x %d: %d vs"
              " %f", kind, t, x, y, want);
          ck_assert_int_eq (dst[i], lut.table[i]);
        }
      }
}
END_TEST

START_TEST (test_lut_hand)
{
  mnv3_qtensor q = { MNV3_DTYPE_U8, 0.5f, 128 };
  mnv3_qlut lut;

  ck_assert_int_eq (mnv3_qlut_prepare (&lut, MNV3_QUNARY_RELU, &q, &q), 0);
  ck_assert_int_eq (lut.table[100], 128);
  ck_assert_int_eq (lut.table[200], 200);
  ck_assert_int_eq (mnv3_qlut_prepare (&lut, MNV3_QUNARY_RELU6, &q, &q), 0);
  ck_assert_int_eq (lut.table[139], 139);
  ck_assert_int_eq (lut.table[141], 140);   /* 6 / 0.5 + 128 */
  /* HARD_SWISH of 0 is exactly the output zero point; of 3 is 3. */
  {
    mnv3_qtensor in = { MNV3_DTYPE_I8, 0.0625f, -16 };
    mnv3_qtensor out = { MNV3_DTYPE_I8, 0.0625f, 5 };
    ck_assert_int_eq (mnv3_qlut_prepare (&lut, MNV3_QUNARY_HARD_SWISH, &in,
            &out), 0);
    ck_assert_int_eq ((int8_t) lut.table[(uint8_t) -16], 5);
    ck_assert_int_eq ((int8_t) lut.table[(uint8_t) (-16 + 48)], 48 + 5);
    ck_assert_int_eq ((int8_t) lut.table[(uint8_t) (-16 - 64)], 5);
  }
}
END_TEST

/* ---- pooling and MEAN --------------------------------------------------- */

START_TEST (test_pool_hand)
{
  mnv3_pool_params p = { MNV3_POOL_AVG, 1, 2, 1, 1, 1, 1, 2, 1, 1,
    0, 0, 0, 0, 0 };
  int8_t i8[2] = { -1, -2 }, o8;
  uint8_t u8[2] = { 1, 2 }, o;

  mnv3_qpool_run (MNV3_ISA_SCALAR, &p, MNV3_DTYPE_I8, -128, 127, i8, &o8,
      NULL);
  ck_assert_int_eq (o8, -2);    /* -1.5: away from zero */
  i8[0] = 1;
  i8[1] = 2;
  mnv3_qpool_run (MNV3_ISA_SCALAR, &p, MNV3_DTYPE_I8, -128, 127, i8, &o8,
      NULL);
  ck_assert_int_eq (o8, 2);
  mnv3_qpool_run (MNV3_ISA_SCALAR, &p, MNV3_DTYPE_U8, 0, 255, u8, &o, NULL);
  ck_assert_int_eq (o, 2);      /* 1.5 up */
  u8[1] = 4;
  mnv3_qpool_run (MNV3_ISA_SCALAR, &p, MNV3_DTYPE_U8, 0, 255, u8, &o, NULL);
  ck_assert_int_eq (o, 3);      /* 2.5 up */
}
END_TEST

START_TEST (test_pool_sweep)
{
  int k = 0;

  for (int ti = 0; ti < 2; ti++)
    for (int type = 0; type < 2; type++)
      for (int c = 1; c <= 40; c += 13)
        for (int ks = 1; ks <= 3; ks++, k++) {
          mnv3_dtype t = types[ti];
          mnv3_pool_params p = { type ? MNV3_POOL_MAX : MNV3_POOL_AVG,
            5 + k % 3, 6, c, 0, 0, ks, ks + (k % 2), 1 + k % 2, 1 + k % 2,
            ks / 2, (ks + 1) / 2, ks / 2, ks / 2, 0 };
          int32_t lo = qlo (t) + (k % 3 == 1 ? 7 : 0);
          int32_t hi = qhi (t) - (k % 3 == 2 ? 9 : 0);
          uint8_t *in, *o, *o2;
          size_t no;
          p.oh = (p.ih + p.pad_t + p.pad_b - p.kh) / p.sh + 1;
          p.ow = (p.iw + p.pad_l + p.pad_r - p.kw) / p.sw + 1;
          no = (size_t) p.oh * p.ow * c;
          in = qbuf_random ((size_t) p.ih * p.iw * c, t);
          o = qbuf (no);
          o2 = qbuf (no);
          mnv3_qpool_run (MNV3_ISA_SCALAR, &p, t, lo, hi, in, o, NULL);
          mnv3_qpool_run (MNV3_ISA_SCALAR, &p, t, lo, hi, in, o2, pool2);
          for (int oy = 0; oy < p.oh; oy++)
            for (int ox = 0; ox < p.ow; ox++)
              for (int ch = 0; ch < c; ch++) {
                int64_t sum = 0, mx = INT32_MIN, n = 0;
                double want;
                size_t oi = ((size_t) oy * p.ow + ox) * c + ch;
                for (int y = oy * p.sh - p.pad_t; y < oy * p.sh - p.pad_t
                    + p.kh; y++)
                  for (int x = ox * p.sw - p.pad_l; x < ox * p.sw - p.pad_l
                      + p.kw; x++) {
                    int32_t v;
                    if (y < 0 || y >= p.ih || x < 0 || x >= p.iw)
                      continue;
                    v = qget (in, ((size_t) y * p.iw + x) * c + ch, t);
                    sum += v;
                    mx = v > mx ? v : mx;
                    n++;
                  }
                if (type)
                  want = (double) mx;
                else if (t == MNV3_DTYPE_U8)
                  want = floor ((double) sum / n + 0.5);
                else
                  want = round ((double) sum / n);   /* half away */
                want = fmin (fmax (want, lo), hi);
                ck_assert_int_eq (qget (o, oi, t), (int32_t) want);
                ck_assert_int_eq (o[oi], o2[oi]);
              }
          free (in);
          free (o);
          free (o2);
        }
}
END_TEST

START_TEST (test_mean)
{
  /* Hand: [1 2 3 4] at scale 1: 10 * 0.25 = 2.5 -> 3. */
  {
    mnv3_qmean q = { { MNV3_DTYPE_U8, 1.f, 0 }, { MNV3_DTYPE_U8, 1.f, 0 },
      4, 1, { 0, 0 }, 0, 0 };
    uint8_t in[4] = { 1, 2, 3, 4 }, o;
    ck_assert_int_eq (mnv3_qmean_prepare (&q), MNV3_OK);
    ck_assert_int_eq (q.same_quant, 1);
    mnv3_qmean_run (MNV3_ISA_SCALAR, &q, in, 2, 2, 1, &o, NULL);
    ck_assert_int_eq (o, 3);
    q.keep_dims = 0;
    ck_assert_int_eq (mnv3_qmean_prepare (&q), MNV3_OK);
    mnv3_qmean_run (MNV3_ISA_SCALAR, &q, in, 2, 2, 1, &o, NULL);
    ck_assert_int_eq (o, 3);
  }
  for (int k = 0; k < 64; k++) {
    mnv3_dtype t = types[k % 2];
    int h = 1 + k % 7, w = 1 + (k * 3) % 9, c = 1 + (k * 5) % 67;
    mnv3_qmean q = { { t, qrand_scale (0.01f, 0.3f), qpick_zp (t, k) },
      { t, qrand_scale (0.01f, 0.3f), qpick_zp (t, k + 1) }, h * w,
      (k / 2) % 2, { 0, 0 }, 0, 0 };
    uint8_t *in = qbuf_random ((size_t) h * w * c, t), *o = qbuf (c);
    if (k % 5 == 0)
      q.out = q.in;
    ck_assert_int_eq (mnv3_qmean_prepare (&q), MNV3_OK);
    mnv3_qmean_run (MNV3_ISA_SCALAR, &q, in, h, w, c, o, pool2);
    for (int ch = 0; ch < c; ch++) {
      double s = 0, want;
      for (int i = 0; i < h * w; i++)
        s += deq (&q.in, qget (in, (size_t) i * c + ch, t));
      want = s / (h * w) / q.out.scale + q.out.zp;
      want = fmin (fmax (want, qlo (t)), qhi (t));
      /* keep_dims rounds the bias separately: up to 1.5 steps */
      ck_assert_msg (fabs (qget (o, ch, t) - want) <= 1.5, "mean %d: %d vs"
          " %f", k, qget (o, ch, t), want);
    }
    free (in);
    free (o);
  }
}
END_TEST

/* ---- resize ------------------------------------------------------------ */

START_TEST (test_resize)
{
  static const mnv3_resize_coord coords[3] = { MNV3_COORD_ASYMMETRIC,
    MNV3_COORD_ALIGN_CORNERS, MNV3_COORD_HALF_PIXEL };
  int k = 0;

  for (int ti = 0; ti < 2; ti++)
    for (int ci = 0; ci < 3; ci++)
      for (int rep = 0; rep < 8; rep++, k++) {
        mnv3_dtype t = types[ti];
        int ih = 1 + k % 5, iw = 1 + (k * 3) % 6, c = 1 + (k * 7) % 19;
        int oh = ih * (1 + rep % 3) + (rep == 5), ow = iw * (1 + rep % 4);
        uint8_t *in = qbuf_random ((size_t) ih * iw * c, t);
        uint8_t *o = qbuf ((size_t) oh * ow * c);
        void *scratch;
        if (rep == 7) {          /* x8 half-pixel: TFLite's 8.8 path */
          oh = ih * 8;
          ow = iw * 8;
          free (o);
          o = qbuf ((size_t) oh * ow * c);
        }
        /* sized for the final output (the x coordinates live in it) */
        scratch = qbuf (mnv3_qresize_scratch_size (oh, ow, c, 2) + 1);
        mnv3_qresize_run (MNV3_ISA_SCALAR, coords[ci], 0, t, in, ih, iw, c,
            o, oh, ow, scratch, pool2);
        for (int y = 0; y < oh; y++)
          for (int x = 0; x < ow; x++) {
            double fy, fx;
            int y0, x0, y1, x1;
            double sy = coords[ci] == MNV3_COORD_ALIGN_CORNERS && oh > 1
                ? (double) (ih - 1) / (oh - 1) : (double) ih / oh;
            double sx = coords[ci] == MNV3_COORD_ALIGN_CORNERS && ow > 1
                ? (double) (iw - 1) / (ow - 1) : (double) iw / ow;
            fy = coords[ci] == MNV3_COORD_HALF_PIXEL ? (y + .5) * sy - .5
                : y * sy;
            fx = coords[ci] == MNV3_COORD_HALF_PIXEL ? (x + .5) * sx - .5
                : x * sx;
            fy = fmax (fy, 0);
            fx = fmax (fx, 0);
            y0 = (int) floor (fy);
            x0 = (int) floor (fx);
            y1 = y0 + 1 < ih ? y0 + 1 : ih - 1;
            x1 = x0 + 1 < iw ? x0 + 1 : iw - 1;
            if (y0 > ih - 1)
              y0 = ih - 1;
            if (x0 > iw - 1)
              x0 = iw - 1;
            for (int ch = 0; ch < c; ch++) {
              double dy = fy - floor (fy), dx = fx - floor (fx);
              double v = (1 - dy) * (1 - dx) * qget (in, ((size_t) y0 * iw
                      + x0) * c + ch, t)
                  + (1 - dy) * dx * qget (in, ((size_t) y0 * iw + x1) * c
                      + ch, t)
                  + dy * (1 - dx) * qget (in, ((size_t) y1 * iw + x0) * c
                      + ch, t)
                  + dy * dx * qget (in, ((size_t) y1 * iw + x1) * c + ch, t);
              int32_t g = qget (o, ((size_t) y * ow + x) * c + ch, t);
              /* int8 uses 10-bit coordinates: allow two steps */
              ck_assert_msg (fabs (g - v) <= (t == MNV3_DTYPE_I8 ? 2.0 : 1.0),
                  "resize coord %d: %d vs %f", coords[ci], g, v);
              if (oh == ih && ow == iw && coords[ci] != MNV3_COORD_HALF_PIXEL)
                ck_assert_int_eq (g, qget (in, ((size_t) y * iw + x) * c + ch,
                        t));
            }
          }
        /* nearest, asymmetric: integer upsampling repeats pixels */
        if (coords[ci] == MNV3_COORD_ASYMMETRIC && rep != 7 && rep != 5) {
          mnv3_qresize_run (MNV3_ISA_SCALAR, coords[ci], 1, t, in, ih, iw, c,
              o, oh, ow, scratch, NULL);
          for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
              for (int ch = 0; ch < c; ch++)
                ck_assert_int_eq (o[((size_t) y * ow + x) * c + ch],
                    in[((size_t) (y / (oh / ih)) * iw + x / (ow / iw)) * c
                        + ch]);
        }
        free (in);
        free (o);
        free (scratch);
      }
}
END_TEST

/* ---- concat, softmax, argmax, (de)quantize ------------------------------ */

START_TEST (test_concat)
{
  const int sh[2][4] = { { 1, 2, 3, 5 }, { 1, 2, 3, 7 } };
  mnv3_qtensor qs[2] = { { MNV3_DTYPE_U8, 0.1f, 128 },
    { MNV3_DTYPE_U8, 0.05f, 3 } };
  mnv3_qtensor qo = { MNV3_DTYPE_U8, 0.1f, 128 };
  uint8_t *a = qbuf_random (30, MNV3_DTYPE_U8);
  uint8_t *b = qbuf_random (42, MNV3_DTYPE_U8), *o = qbuf (72);
  const void *ins[2] = { a, b };

  mnv3_qconcat_run (3, 2, ins, sh, qs, &qo, o, NULL);
  for (int p = 0; p < 6; p++) {
    for (int c = 0; c < 5; c++)
      ck_assert_int_eq (o[p * 12 + c], a[p * 5 + c]);
    for (int c = 0; c < 7; c++) {
      double want = (b[p * 7 + c] - 3) * 0.05 / 0.1 + 128;
      want = fmin (fmax (want, 0), 255);
      ck_assert (fabs (o[p * 12 + 5 + c] - want) <= 0.5 + 1e-4);
    }
  }
  free (a);
  free (b);
  free (o);
}
END_TEST

START_TEST (test_softmax_argmax)
{
  for (int ti = 0; ti < 2; ti++) {
    mnv3_dtype t = types[ti];
    mnv3_qsoftmax q = { { t, 0.1f, qpick_zp (t, ti) },
      { t, 1.f / 256, qlo (t) }, 1.f, { 0 }, 0, 0, 0 };
    int c = 10;
    uint8_t *in = qbuf_random (3 * (size_t) c, t), *o = qbuf (3 * c);
    ck_assert_int_eq (mnv3_qsoftmax_prepare (&q), MNV3_OK);
    memset (in + 2 * c, 0x33, c);    /* a uniform row */
    mnv3_qsoftmax_run (&q, in, o, 3, c);
    for (int r = 0; r < 3; r++) {
      double z = 0, mx = -1e9;
      for (int j = 0; j < c; j++)
        mx = fmax (mx, deq (&q.in, qget (in, r * c + j, t)));
      for (int j = 0; j < c; j++)
        z += exp (deq (&q.in, qget (in, r * c + j, t)) - mx);
      for (int j = 0; j < c; j++) {
        double p = exp (deq (&q.in, qget (in, r * c + j, t)) - mx) / z;
        double want = fmin (p * 256 + qlo (t), qhi (t));
        ck_assert (fabs (qget (o, r * c + j, t) - want) <= 1.0);
      }
    }
    ck_assert_int_eq (qget (o, 2 * c, t), 26 + qlo (t));  /* 25.6 */
    free (in);
    free (o);
  }
  {
    int8_t v[6] = { 3, 7, 7, -1, -1, -2 };
    int32_t i32[2];
    int64_t i64[2];
    mnv3_qargmax_run (MNV3_ISA_SCALAR, MNV3_DTYPE_I8, v, MNV3_DTYPE_I32, i32,
        2, 3, NULL);
    ck_assert_int_eq (i32[0], 1);
    ck_assert_int_eq (i32[1], 0);
    mnv3_qargmax_run (MNV3_ISA_SCALAR, MNV3_DTYPE_U8, v, MNV3_DTYPE_I64, i64,
        2, 3, NULL);
    ck_assert_int_eq (i64[0], 1);   /* 7, 7: first wins */
    ck_assert_int_eq (i64[1], 0);   /* 255 255 254: first wins */
  }
}
END_TEST

START_TEST (test_quantize)
{
  const float x[8] = { 0.5f, -0.5f, 1.5f, -1.5f, 0.49f, 1000.f, -1000.f,
    0.f };
  mnv3_qtensor i8 = { MNV3_DTYPE_I8, 1.f, 0 }, u8 = { MNV3_DTYPE_U8, 0.5f,
    100 };
  int8_t o8[8];
  uint8_t o[8];
  float back[8];
  /* one whole group of 8: TFLite's NEON path, ties to even */
  const int8_t want8[8] = { 0, 0, 2, -2, 0, 127, -128, 0 };
  const uint8_t want[8] = { 101, 99, 103, 97, 101, 255, 0, 100 };

  mnv3_quantize_run (x, o8, 8, &i8);
  mnv3_quantize_run (x, o, 8, &u8);
  for (int i = 0; i < 8; i++) {
    ck_assert_int_eq (o8[i], want8[i]);
    ck_assert_int_eq (o[i], want[i]);
  }
  {
    /* the 9th element is the scalar tail: half away from zero */
    const float x9[9] = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
      0.5f };
    int8_t o9[9];
    mnv3_quantize_run (x9, o9, 9, &i8);
    for (int i = 0; i < 8; i++)
      ck_assert_int_eq (o9[i], 0);
    ck_assert_int_eq (o9[8], 1);
  }
  mnv3_dequantize_run (o, back, 8, &u8);
  for (int i = 0; i < 8; i++)
    ck_assert (back[i] == (float) ((o[i] - 100) * 0.5));
}
END_TEST

/* QUANTIZE 8 -> 8: whole groups of 16 round the last shift's ties upward
 * (TFLite's NEON code on x86), the rest away from zero.  -6 at 1/4 is
 * -1.5. */
START_TEST (test_requantize_groups)
{
  mnv3_qtensor in = { MNV3_DTYPE_I8, 1.f, 0 }, out = { MNV3_DTYPE_I8, 4.f, 0 };
  mnv3_qlut lut;
  int8_t src[35], dst[35];

  ck_assert_int_eq (mnv3_qlut_prepare (&lut, MNV3_QUNARY_REQUANTIZE, &in,
          &out), MNV3_OK);
  for (int i = 0; i < 35; i++)
    src[i] = (int8_t) (i % 2 ? -6 : 6);
  mnv3_qlut_run (MNV3_ISA_SCALAR, &lut, src, dst, 35, pool2);
  for (int i = 0; i < 35; i++) {
    int want = src[i] > 0 ? 2 : (i < 32 ? -1 : -2);
    ck_assert_int_eq (dst[i], want);
  }
  /* other kinds: one table */
  ck_assert_int_eq (mnv3_qlut_prepare (&lut, MNV3_QUNARY_RELU, &in, &out), 0);
  ck_assert (memcmp (lut.table, lut.tail, 256) == 0);
}
END_TEST

/* DEQUANTIZE: whole groups of 8 in float (q * scale_f, then + (float)
 * (-zp * scale)), the rest in double; the two differ in the last bit for
 * some values, and the sweep must meet such values. */
START_TEST (test_dequantize_groups)
{
  int differ = 0;

  for (int k = 0; k < 200; k++) {
    mnv3_qtensor q = { k % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
      qrand_scale (1e-3f, 1.f), qpick_zp (k % 2 ? MNV3_DTYPE_I8
          : MNV3_DTYPE_U8, k) };
    const size_t n = 13;
    uint8_t *in = qbuf_random (n, q.type);
    float out[13];
    volatile float prod, sum;

    mnv3_dequantize_run (in, out, n, &q);
    for (size_t i = 0; i < n; i++) {
      int32_t v = qget (in, i, q.type);
      float dbl = (float) ((double) q.scale * (v - q.zp));
      float want;
      prod = (float) v * q.scale;
      sum = prod + (float) (-q.zp * (double) q.scale);
      want = i < 8 ? sum : dbl;
      ck_assert_msg (out[i] == want, "dequantize %zu: %.9g vs %.9g", i,
          out[i], want);
      differ += sum != dbl;
    }
    free (in);
  }
  ck_assert_int_gt (differ, 0);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("quant-ops");
  TCase *tc = tcase_create ("ops");

  tcase_add_checked_fixture (tc, q_setup, q_teardown);
  tcase_add_test (tc, test_binary_hand);
  tcase_add_test (tc, test_binary_sweep);
  tcase_add_test (tc, test_lut_hand);
  tcase_add_test (tc, test_lut_sweep);
  tcase_add_test (tc, test_pool_hand);
  tcase_add_test (tc, test_pool_sweep);
  tcase_add_test (tc, test_mean);
  tcase_add_test (tc, test_resize);
  tcase_add_test (tc, test_concat);
  tcase_add_test (tc, test_softmax_argmax);
  tcase_add_test (tc, test_quantize);
  tcase_add_test (tc, test_requantize_groups);
  tcase_add_test (tc, test_dequantize_groups);
  suite_add_tcase (s, tc);
  return q_run_suite (s);
}
