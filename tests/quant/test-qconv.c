/* test_qconv.c — 8-bit convolution, depthwise and FC against a direct
 * int64 formulation written here (input padded with its zero point, the
 * weights' zero points subtracted per channel) plus the requantization
 * helpers of qops.h, and against the real-valued convolution (within one
 * step).  Sweeps shapes, strides, dilations, padding, zero points and
 * per-channel scales; checks threaded runs equal serial ones.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qtest.h"

typedef struct {
  mnv3_qconv_params p;
  float *w_scales;
  int32_t *w_zps;
  void *w;
  int32_t *bias;
  void *in;
} qconv_case;

/* The expected output: every tap reads the input padded with in_zp. */
static void
ref_conv (const qconv_case *t, uint8_t *out, int check_real)
{
  const mnv3_qconv_params *p = &t->p;
  const mnv3_conv_params *g = &p->geom;
  const int icg = g->ic / g->groups, ocg = g->oc / g->groups;

  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++)
      for (int o = 0; o < g->oc; o++) {
        int ch = p->num_w_scales == 1 ? 0 : o;
        int64_t acc = t->bias ? t->bias[o] : 0;
        double real = 0, ms;
        mnv3_qmul m;
        int32_t v, wzp = t->w_zps ? t->w_zps[ch] : 0;
        for (int ky = 0; ky < g->kh; ky++)
          for (int kx = 0; kx < g->kw; kx++)
            for (int k = 0; k < icg; k++) {
              int iy = oy * g->sh - g->pad_t + ky * g->dh;
              int ix = ox * g->sw - g->pad_l + kx * g->dw;
              int32_t x = p->in.zp, wv;
              if (iy >= 0 && iy < g->ih && ix >= 0 && ix < g->iw)
                x = qget (t->in, ((size_t) iy * g->iw + ix) * g->ic
                    + (o / ocg) * icg + k, p->in.type);
              wv = qget (t->w, (((size_t) o * g->kh + ky) * g->kw + kx) * icg
                  + k, p->w_type);
              acc += (int64_t) (x - p->in.zp) * (wv - wzp);
            }
        if (p->num_w_scales == 1 && p->legacy_multiplier)
          ms = (double) (float) (p->in.scale * t->w_scales[0])
              / p->out.scale;
        else
          ms = (double) p->in.scale * t->w_scales[ch] / p->out.scale;
        m = mnv3_qmul_from_double (ms);
        ck_assert (acc >= INT32_MIN && acc <= INT32_MAX);
        if ((p->rounding == MNV3_QROUND_NEON8 || (p->rounding
                    == MNV3_QROUND_AUTO && p->in.type == MNV3_DTYPE_I8
                    && g->groups == g->ic && g->oc == g->ic && g->ic > 1))
            && o < (g->oc & ~7))
          /* TFLite's x86 int8 depthwise: NEON groups of 8 channels */
          v = mnv3_qmul_apply_neon ((int32_t) acc, m);
        else if (p->rounding == MNV3_QROUND_GEMMLOWP
            || p->rounding == MNV3_QROUND_NEON8
            || (p->rounding == MNV3_QROUND_AUTO && g->groups != 1))
          v = mnv3_qmul_apply ((int32_t) acc, m);
        else
          v = mnv3_qmul_apply_ruy ((int32_t) acc, m);
        v += p->out.zp;
        real = (double) acc * ms + p->out.zp;
        if (check_real)
          ck_assert_msg (fabs (v - real) <= 1.0, "conv off the real value:"
              " %d vs %f", v, real);
        v = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
        out[((size_t) oy * g->ow + ox) * g->oc + o] = (uint8_t) v;
      }
}

static void
case_free (qconv_case *t)
{
  free (t->w_scales);
  free (t->w_zps);
  free (t->w);
  free (t->bias);
  free (t->in);
}

/* Build a random case of the given geometry. */
static void
case_make (qconv_case *t, mnv3_dtype type, mnv3_dtype wtype, int per_channel,
    int legacy, int k)
{
  mnv3_conv_params *g = &t->p.geom;
  const int icg = g->ic / g->groups;
  const int nsc = per_channel ? g->oc : 1;
  size_t nw = (size_t) g->oc * g->kh * g->kw * icg;
  mnv3_act act = { MNV3_ACT_NONE, 0, 0 };

  g->oh = (g->ih + g->pad_t + g->pad_b - ((g->kh - 1) * g->dh + 1)) / g->sh
      + 1;
  g->ow = (g->iw + g->pad_l + g->pad_r - ((g->kw - 1) * g->dw + 1)) / g->sw
      + 1;
  t->p.in.type = t->p.out.type = type;
  t->p.in.scale = qrand_scale (0.002f, 0.2f);
  t->p.in.zp = qpick_zp (type, k);
  t->p.out.scale = qrand_scale (0.01f, 0.5f);
  t->p.out.zp = qpick_zp (type, k + 1);
  t->p.w_type = wtype;
  t->p.num_w_scales = nsc;
  t->p.legacy_multiplier = legacy;
  t->w_scales = qbuf (nsc * sizeof (float));
  t->w_zps = qbuf (nsc * sizeof (int32_t));
  for (int i = 0; i < nsc; i++) {
    /* per-channel scales over four decades */
    t->w_scales[i] = qrand_scale (1e-4f, 1.f);
    t->w_zps[i] = wtype == MNV3_DTYPE_U8 ? qrand_int (0, 255) : 0;
  }
  t->p.w_scales = t->w_scales;
  t->p.w_zps = t->w_zps;
  t->w = qbuf_random (nw, wtype);
  t->in = qbuf_random ((size_t) g->ih * g->iw * g->ic, type);
  t->bias = qbuf (g->oc * sizeof (int32_t));
  for (int i = 0; i < g->oc; i++)
    t->bias[i] = qrand_int (-20000, 20000);
  /* Scale the output so that results spread over the range (and some
   * saturate), whatever the accumulator magnitude. */
  t->p.out.scale = t->p.in.scale * t->w_scales[0] * 255.f
      * sqrtf ((float) (g->kh * g->kw * icg)) / qrand_scale (4.f, 400.f);
  if (k % 3 == 1)
    act = (mnv3_act) { MNV3_ACT_CLIP, 0.f, 6.f };
  else if (k % 3 == 2)
    act = (mnv3_act) { MNV3_ACT_RELU, 0.f, 0.f };
  mnv3_q_act_range (act, &t->p.out, &t->p.act_min, &t->p.act_max);
}

static int n_checked;           /* cases compared: sweeps must not be empty */

static void
case_check (qconv_case *t)
{
  const mnv3_conv_params *g = &t->p.geom;
  size_t no = (size_t) g->oh * g->ow * g->oc;
  uint8_t *want = qbuf (no), *got = qbuf (no), *got2 = qbuf (no);
  mnv3_qconv *c = mnv3_qconv_create (MNV3_ISA_SCALAR, &t->p, t->w, t->bias);
  void *scratch;

  ck_assert_ptr_nonnull (c);
  ck_assert (mnv3_qconv_packed_bytes (c) > 0);
  n_checked++;
  scratch = qbuf (mnv3_qconv_scratch_size (c, 2) + 1);
  ref_conv (t, want, 1);
  mnv3_qconv_run (c, t->in, got, scratch, NULL);
  mnv3_qconv_run (c, t->in, got2, scratch, pool2);
  for (size_t i = 0; i < no; i++) {
    ck_assert_msg (got[i] == want[i], "ic %d oc %d k %dx%d s %d d %d g %d:"
        " out[%zu] = %d, want %d", g->ic, g->oc, g->kh, g->kw, g->sh, g->dh,
        g->groups, i, got[i], want[i]);
    ck_assert_int_eq (got2[i], want[i]);
  }
  mnv3_qconv_free (c);
  free (scratch);
  free (want);
  free (got);
  free (got2);
}

/* 1x1 conv worked out by hand: acc = 4 + (130-128)*(3-1) = 8; multiplier
 * 0.5 * 0.25 / 0.125 = 1; out = 8 + 10. */
START_TEST (test_conv_hand)
{
  qconv_case t = { 0 };
  float ws = 0.25f;
  int32_t wzp = 1, bias = 4;
  uint8_t in = 130, w = 3, out = 0;
  mnv3_qconv *c;

  t.p.geom = (mnv3_conv_params) { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 1, { MNV3_ACT_NONE, 0, 0 } };
  t.p.in = (mnv3_qtensor) { MNV3_DTYPE_U8, 0.5f, 128 };
  t.p.out = (mnv3_qtensor) { MNV3_DTYPE_U8, 0.125f, 10 };
  t.p.act_min = 0;
  t.p.act_max = 255;
  t.p.w_type = MNV3_DTYPE_U8;
  t.p.num_w_scales = 1;
  t.p.w_scales = &ws;
  t.p.w_zps = &wzp;
  t.p.legacy_multiplier = 1;
  c = mnv3_qconv_create (MNV3_ISA_SCALAR, &t.p, &w, &bias);
  ck_assert_ptr_nonnull (c);
  mnv3_qconv_run (c, &in, &out, NULL, NULL);
  ck_assert_int_eq (out, 18);
  mnv3_qconv_free (c);

  /* Negative tie: acc = -6 at multiplier 0.25 is -1.5.  Conv (ruy) gives
   * -1, depthwise (gemmlowp) -2; with out zp 100: 99 and 98. */
  {
    int8_t iv = -6, wv = 1, o8 = 0;
    float s1 = 1.f;
    int32_t z0 = 0;
    t.p.in = (mnv3_qtensor) { MNV3_DTYPE_I8, 0.25f, 0 };
    t.p.out = (mnv3_qtensor) { MNV3_DTYPE_I8, 1.f, 100 };
    t.p.act_min = -128;
    t.p.act_max = 127;
    t.p.w_type = MNV3_DTYPE_I8;
    t.p.w_scales = &s1;
    t.p.w_zps = &z0;
    t.p.legacy_multiplier = 0;
    c = mnv3_qconv_create (MNV3_ISA_SCALAR, &t.p, &wv, NULL);
    mnv3_qconv_run (c, &iv, &o8, NULL, NULL);
    ck_assert_int_eq (o8, 99);
    mnv3_qconv_free (c);
    t.p.rounding = MNV3_QROUND_GEMMLOWP;
    c = mnv3_qconv_create (MNV3_ISA_SCALAR, &t.p, &wv, NULL);
    mnv3_qconv_run (c, &iv, &o8, NULL, NULL);
    ck_assert_int_eq (o8, 98);
    mnv3_qconv_free (c);
  }
}
END_TEST

START_TEST (test_conv_sweep)
{
  static const int ks[] = { 1, 3, 5 };
  int k = 0;

  n_checked = 0;

  for (int ic = 1; ic <= 67; ic += (ic < 8 ? 1 : 13))
    for (int ki = 0; ki < 3; ki++)
      for (int s = 1; s <= 2; s++, k++) {
        qconv_case t = { 0 };
        mnv3_conv_params *g = &t.p.geom;
        mnv3_dtype type = k % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
        g->ic = ic;
        g->oc = 1 + (k * 7) % 67;
        g->kh = g->kw = ks[ki];
        if (k % 5 == 0)
          g->kw = 1;             /* non-square kernel */
        g->sh = g->sw = s;
        g->dh = g->dw = (k % 4 == 3) ? 2 : 1;
        g->ih = 1 + (k * 5) % 9;
        g->iw = 1 + (k * 3) % 11;
        g->pad_t = (g->kh - 1) / 2;
        g->pad_l = (g->kw - 1) / 2 + (k % 3 == 0);
        g->pad_b = g->kh / 2;
        g->pad_r = (k % 2);
        if ((g->ih + g->pad_t + g->pad_b) < (g->kh - 1) * g->dh + 1
            || (g->iw + g->pad_l + g->pad_r) < (g->kw - 1) * g->dw + 1)
          continue;
        g->groups = 1;
        case_make (&t, type, type, type == MNV3_DTYPE_I8 && k % 4 != 1,
            type == MNV3_DTYPE_U8, k);
        case_check (&t);
        case_free (&t);
      }
  ck_assert_int_ge (n_checked, 60);
}
END_TEST

START_TEST (test_dwconv_sweep)
{
  int k = 0;

  n_checked = 0;

  for (int c = 1; c <= 67; c += (c < 6 ? 1 : 9))
    for (int ksz = 3; ksz <= 5; ksz += 2)
      for (int s = 1; s <= 2; s++)
        for (int d = 1; d <= 2; d++, k++) {
          qconv_case t = { 0 };
          mnv3_conv_params *g = &t.p.geom;
          mnv3_dtype type = k % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
          g->ic = g->oc = g->groups = c;
          g->kh = g->kw = ksz;
          g->sh = g->sw = s;
          g->dh = g->dw = d;
          g->ih = 1 + (k * 5) % 13;
          g->iw = 1 + (k * 7) % 12;
          /* TF "SAME" with stride 2 pads more at the end */
          g->pad_t = g->pad_l = (ksz - 1) * d / 2;
          g->pad_b = g->pad_r = (ksz - 1) * d - g->pad_t + (s == 2);
          if (k % 3 == 0)
            g->pad_t = g->pad_l = 0;
          if ((g->ih + g->pad_t + g->pad_b) < (ksz - 1) * d + 1
              || (g->iw + g->pad_l + g->pad_r) < (ksz - 1) * d + 1)
            continue;
          case_make (&t, type, type, type == MNV3_DTYPE_I8,
              type == MNV3_DTYPE_U8, k);
          case_check (&t);
          case_free (&t);
        }
  ck_assert_int_ge (n_checked, 80);
}
END_TEST

START_TEST (test_fc_and_grouped)
{
  for (int k = 0; k < 24; k++) {
    qconv_case t = { 0 };
    mnv3_conv_params *g = &t.p.geom;
    mnv3_dtype type = k % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    /* FC: a 1x1 conv on a 1x1 input, legacy multiplier for per-tensor */
    g->ih = g->iw = 1;
    g->ic = 1 + (k * 37) % 1100;
    g->oc = 1 + (k * 11) % 67;
    g->kh = g->kw = g->sh = g->sw = g->dh = g->dw = 1;
    g->groups = 1;
    case_make (&t, type, type, k % 4 == 3, k % 4 != 3, k);
    case_check (&t);
    case_free (&t);
  }
  for (int k = 0; k < 12; k++) {
    qconv_case t = { 0 };
    mnv3_conv_params *g = &t.p.geom;
    g->ih = 5;
    g->iw = 6;
    g->groups = 1 + k % 4;
    g->ic = g->groups * (1 + k % 3);
    g->oc = g->groups * (2 + k % 2);
    g->kh = g->kw = 3;
    g->sh = g->sw = g->dh = g->dw = 1;
    g->pad_t = g->pad_l = g->pad_b = g->pad_r = 1;
    case_make (&t, MNV3_DTYPE_I8, MNV3_DTYPE_I8, 1, 0, k);
    case_check (&t);
    case_free (&t);
  }
}
END_TEST

/* Saturating inputs: every input at its extreme, weights at theirs. */
START_TEST (test_conv_saturating)
{
  for (int k = 0; k < 8; k++) {
    qconv_case t = { 0 };
    mnv3_conv_params *g = &t.p.geom;
    mnv3_dtype type = k % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    size_t nin, nw;
    g->ih = g->iw = 4;
    g->ic = 32;
    g->oc = 9;
    g->kh = g->kw = 3;
    g->sh = g->sw = g->dh = g->dw = 1;
    g->pad_t = g->pad_l = g->pad_b = g->pad_r = 1;
    g->groups = 1;
    case_make (&t, type, type, type == MNV3_DTYPE_I8, !(k % 2), k);
    nin = (size_t) g->ih * g->iw * g->ic;
    nw = (size_t) g->oc * 9 * g->ic;
    memset (t.in, (k & 2) ? 0x80 : 0x7f, nin);
    memset (t.w, (k & 4) ? 0x80 : 0xff, nw);
    case_check (&t);
    case_free (&t);
  }
}
END_TEST

START_TEST (test_conv_invalid)
{
  qconv_case t = { 0 };
  float ws = 1.f;
  uint8_t w = 0;

  t.p.geom = (mnv3_conv_params) { 1, 1, 4, 1, 1, 4, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 3, { MNV3_ACT_NONE, 0, 0 } };   /* 3 groups of 4 ch */
  t.p.in = t.p.out = (mnv3_qtensor) { MNV3_DTYPE_U8, 1.f, 0 };
  t.p.w_type = MNV3_DTYPE_U8;
  t.p.num_w_scales = 1;
  t.p.w_scales = &ws;
  t.p.act_max = 255;
  ck_assert_ptr_null (mnv3_qconv_create (MNV3_ISA_SCALAR, &t.p, &w, NULL));
  t.p.geom.groups = 1;
  t.p.in.scale = 0.f;
  ck_assert_ptr_null (mnv3_qconv_create (MNV3_ISA_SCALAR, &t.p, &w, NULL));
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("quant-conv");
  TCase *tc = tcase_create ("conv");

  tcase_add_checked_fixture (tc, q_setup, q_teardown);
  tcase_add_test (tc, test_conv_hand);
  tcase_add_test (tc, test_conv_sweep);
  tcase_add_test (tc, test_dwconv_sweep);
  tcase_add_test (tc, test_fc_and_grouped);
  tcase_add_test (tc, test_conv_saturating);
  tcase_add_test (tc, test_conv_invalid);
  suite_add_tcase (s, tc);
  return q_run_suite (s);
}
