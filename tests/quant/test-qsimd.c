/* test_qsimd.c — the integer GEMM and depthwise kernels against a plain
 * reference, every kernel the machine can run.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The reference below is TFLite's integer convolution written out: an
 * int64 sum of (a - in_zp) * (w - w_zp) + bias, MultiplyByQuantizedMultiplier
 * (gemmlowp's SaturatingRoundingDoublingHighMul then RoundingDivideByPOT),
 * + out_zp, clamp.  Each kernel of mnv3_qdsp (C, AVX2, AVX-VNNI when the CPU
 * has it, AVX-512BW, AVX512-VNNI) must give the same bytes; so must the C
 * kernel reading each SIMD packing, and the threaded run.  Inputs are
 * allocated to their exact size (ASan catches over-reads); outputs have a
 * row stride wider than the row and guard bytes that must stay untouched.
 *
 * Sweeps: channels 1..67 and MobileNetV3's widths, row counts around every
 * tile height, 1x1 images, stride 2, dilation 2, zero points 0/128/-128
 * and random, uint8 and int8 activations, uint8 per-tensor (asymmetric) and
 * int8 per-channel weights, multipliers over the whole range (left shifts,
 * 2^-31, zero), accumulators at INT32_MIN/MAX, and extreme inputs (all 0,
 * all 255, all -128, all 127 against extreme weights: the products that
 * would saturate vpmaddubsw's int16 pairs).  Columns round as ruy (the
 * vector one-rounding form) on all, none or some of them; weights packed
 * as int16 or (w_bytes) as bytes.  Convolutions
 * whose rows the kernels gather from the NHWC input (few input channels
 * as the stem, every padding, stride, dilation, 1x1 images) against an
 * im2col written out here.
 *
 * The reference, the random numbers and the random quantization parameters
 * are in test-qsimd-ref.c (test-qsimd.h), built into the same executable.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "quant/qkernels.h"
#include "support.h"
#include "threadpool.h"
#include "test-qisa.h"
#include "test-qsimd.h"


/* ---- GEMM ------------------------------------------------------------- */

static const char *
tname (mnv3_dtype t)
{
  return t == MNV3_DTYPE_U8 ? "u8" : "i8";
}

static void
compare (const char *what, const mnv3_qgemm_desc *d, size_t m,
    const uint8_t *got, size_t c_stride, const uint8_t *want)
{
  for (size_t r = 0; r < m; r++) {
    for (int j = 0; j < d->n; j++)
      if (got[r * c_stride + j] != want[r * d->n + j])
        ck_abort_msg ("%s: m %zu k %d n %d in %s zp %d w %s zps %d: out[%zu][%d] = %d, "
          "want %d", what, m, d->k, d->n, tname (d->in_type), d->in_zp,
          tname (d->w_type), d->num_w_zps, r, j, got[r * c_stride + j],
          want[r * d->n + j]);
    for (size_t j = (size_t) d->n; j < c_stride; j++)
      if (got[r * c_stride + j] != SENTINEL)
        ck_abort_msg ("%s: m %zu k %d n %d: write past the row (byte %zu)", what, m,
          d->k, d->n, j);
  }
  for (size_t j = 0; j < GUARD; j++)
    if (got[m * c_stride + j] != SENTINEL)
      ck_abort_msg ("%s: m %zu k %d n %d: write past the output", what, m, d->k, d->n);
}

/* Every kernel on one problem; `slow` also runs the C kernel on each
 * packing and the threaded run. */
static void
check_gemm (const qcase *q, size_t m, int k, int n, int slow)
{
  size_t a_stride = (size_t) k + (rnd () % 3 == 0 ? rnd () % 5 : 0);
  size_t c_stride = (size_t) n + (rnd () % 2 ? rnd () % 7 : 0);
  size_t a_bytes = (m - 1) * a_stride + (size_t) k;
  size_t c_bytes = m * c_stride + GUARD;
  uint8_t *a = malloc (a_bytes), *w = malloc ((size_t) n * k);
  uint8_t *want = malloc (m * (size_t) n), *got = malloc (c_bytes);
  int32_t *bias = malloc ((size_t) n * 4), *zps = malloc ((size_t) n * 4);
  mnv3_qmul *muls = malloc ((size_t) n * sizeof *muls);
  mnv3_qgemm_desc d = { 0 };
  double mag;

  ck_assert (a && w && want && got && bias && zps && muls);
  fill_bytes (a, a_bytes, q->in_type, q->extreme, 0);
  fill_bytes (w, (size_t) n * k, q->w_type, q->extreme, 1);
  d.k = k;
  d.n = n;
  d.in_type = q->in_type;
  d.in_zp = pick_zp (q->in_type, q->zp_kind);
  d.w_type = q->w_type;
  d.w = w;
  d.num_w_zps = q->per_channel ? n : 1;
  for (int j = 0; j < n; j++)
    zps[j] = q->w_type == MNV3_DTYPE_I8 && q->per_channel ? 0
        : pick_zp (q->w_type, q->zp_kind);
  d.w_zps = zps;
  for (int j = 0; j < n; j++)
    bias[j] = rnd_in (-(1 << 16), 1 << 16);
  d.bias = rnd () % 4 ? bias : NULL;
  d.num_muls = q->per_channel ? n : 1;
  mag = 80.0 * 80.0 * (k < 4 ? 2.0 : __builtin_sqrt ((double) k));
  if (q->extreme)
    mag = 200.0 * 200.0 * k;
  fill_muls (muls, d.num_muls, mag);
  d.muls = muls;
  d.out_zp = pick_zp (q->in_type, 2);
  act_range (q->in_type, d.out_zp, q->narrow, &d.act_min, &d.act_max);
  /* ruy's rounding on all columns (CONV_2D, FC: the one-rounding vector
   * form), on none, or on the first few */
  d.up_channels = pick_up (n);
  d.w_bytes = rnd () % 3 == 0;   /* byte weights (kstep 2), any m */
  ref_gemm (&d, m, a, a_stride, want);

  for (int i = 0; i < n_isas; i++) {
    mnv3_qdsp dsp;
    mnv3_qgemm *g;
    void *scratch;
    char what[64];

    dsp_for (i, &dsp);
    g = mnv3_qgemm_pack (&dsp.gemm, &d);
    ck_assert_ptr_nonnull (g);
    scratch = aligned_alloc (64, mnv3_qgemm_scratch_size (g) * 2);
    ck_assert_ptr_nonnull (scratch);
    memset (got, SENTINEL, c_bytes);
    g->kern.fn (g, m, a, a_stride, got, c_stride, 0, g->num_panels, scratch);
    compare (dsp.gemm.name, &d, m, got, c_stride, want);
    if (slow) {
      memset (got, SENTINEL, c_bytes);
      mnv3_qgemm_c (g, m, a, a_stride, got, c_stride, 0, g->num_panels,
          NULL);
      snprintf (what, sizeof what, "c on the %s packing", dsp.gemm.name);
      compare (what, &d, m, got, c_stride, want);
      memset (got, SENTINEL, c_bytes);
      mnv3_qgemm_run (g, m, a, a_stride, got, c_stride, scratch, pool2);
      snprintf (what, sizeof what, "%s, 2 threads", dsp.gemm.name);
      compare (what, &d, m, got, c_stride, want);
    }
    free (scratch);
    mnv3_qgemm_free (g);
  }
  free (a);
  free (w);
  free (want);
  free (got);
  free (bias);
  free (zps);
  free (muls);
}

static qcase
random_qcase (void)
{
  qcase q = { 0 };
  q.in_type = rnd () % 2 ? MNV3_DTYPE_U8 : MNV3_DTYPE_I8;
  /* TFLite's schemes: uint8 per tensor (asymmetric), int8 per channel;
   * the other two combinations too, the kernels allow them */
  q.w_type = rnd () % 2 ? MNV3_DTYPE_U8 : MNV3_DTYPE_I8;
  q.per_channel = rnd () % 2;
  q.zp_kind = (int) (rnd () % 3);
  q.narrow = rnd () % 4 == 0;
  return q;
}

static const int real_widths[] = { 16, 24, 40, 48, 72, 88, 96, 120, 144,
  240, 288, 576, 960, 1024, 1280 };
#define N_REAL ((int) (sizeof real_widths / sizeof real_widths[0]))

START_TEST (test_gemm_small_sweep)
{
  /* every k and n in 1..67 (tails of every panel and k-step), m around the
   * tile heights */
  for (int k = 1; k <= 67; k++)
    for (int n = 1; n <= 67; n++) {
      qcase q = random_qcase ();
      check_gemm (&q, 1 + rnd () % 13, k, n, (k * n) % 7 == 0);
    }
}
END_TEST

START_TEST (test_gemm_schemes)
{
  /* every type/zero-point/granularity combination on a few shapes */
  static const int shapes[][3] = { { 1, 1, 1 }, { 7, 3, 16 }, { 13, 16, 24 },
    { 25, 96, 40 }, { 6, 67, 67 }, { 49, 40, 120 }, { 1, 576, 1024 } };
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int it = 0; it < 2; it++)
      for (int wt = 0; wt < 2; wt++)
        for (int pc = 0; pc < 2; pc++)
          for (int zk = 0; zk < 3; zk++) {
            qcase q = { it ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
              wt ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, zk, pc, zk == 1, 0 };
            check_gemm (&q, (size_t) shapes[s][0], shapes[s][1],
                shapes[s][2], 1);
          }
}
END_TEST

START_TEST (test_gemm_real_widths)
{
  /* MobileNetV3's 1x1 layers: every width as k and as n, odd pixel
   * counts (7x7, 14x14+1, 28x28) */
  static const size_t ms[] = { 1, 49, 197, 784 };
  for (int a = 0; a < N_REAL; a++)
    for (int b = 0; b < N_REAL; b += 2) {
      qcase q = random_qcase ();
      size_t m = ms[(size_t) (a + b) % 4];
      int k = real_widths[a], n = real_widths[(b + a) % N_REAL];
      if (m * (size_t) k * n > 40000000)
        m = 49;
      check_gemm (&q, m, k, n, m * (size_t) k * n < 2000000);
    }
}
END_TEST

START_TEST (test_gemm_extremes)
{
  /* constant extreme activations and weights at all zero points: the
   * largest products of either sign, long k */
  static const int ks[] = { 1, 2, 3, 4, 5, 64, 67, 960, 1280 };
  for (int e = 1; e <= 4; e++)
    for (size_t s = 0; s < sizeof ks / sizeof ks[0]; s++)
      for (int t = 0; t < 4; t++)
        for (int zk = 0; zk < 3; zk++) {
          qcase q = { t & 1 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
            t & 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, zk, t == 3, 0, e };
          check_gemm (&q, 9, ks[s], 35, ks[s] < 100);
        }
}
END_TEST

/* Accumulators chosen through the bias (k = 1, a = in_zp): the extremes
 * of int32 and the rounding ties of every shift, through each kernel's
 * vector requantization. */
START_TEST (test_requant_edges)
{
  enum { N = 67 };
  for (int trial = 0; trial < 300; trial++) {
    uint8_t a[1], w[N], got[N + GUARD], want[N];
    int32_t bias[N];
    mnv3_qmul muls[N];
    mnv3_qgemm_desc d = { .k = 1, .n = N, .w = w, .bias = bias,
      .num_w_zps = 1, .num_muls = N, .muls = muls };
    d.in_type = trial & 1 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    d.w_type = trial & 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    d.in_zp = pick_zp (d.in_type, 2);
    a[0] = (uint8_t) d.in_zp;
    fill_bytes (w, N, d.w_type, 0, 1);
    for (int j = 0; j < N; j++) {
      int e = rnd_in (0, 31), r = (int) (rnd () % 8);
      muls[j].mult = (int32_t) ((1u << 30) + (rnd () & ((1u << 30) - 1)));
      muls[j].shift = trial % 5 == 0 ? rnd_in (-31, 31) : -e;
      if (r == 0)
        bias[j] = INT32_MIN + rnd_in (0, 3);
      else if (r == 1)
        bias[j] = INT32_MAX - rnd_in (0, 3);
      else if (r == 2)   /* a tie of the final division: k * 2^e + 2^(e-1) */
        bias[j] = (int32_t) ((rnd_in (-1000, 1000) * 2 + 1)
            * (int64_t) (1 << (e > 0 ? e - 1 : 0)) / 1);
      else if (r == 3)
        bias[j] = rnd_in (-4, 4);
      else
        bias[j] = (int32_t) rnd ();
      if (r == 2)
        muls[j].mult = INT32_MAX;   /* near the identity: ties survive */
    }
    d.out_zp = pick_zp (d.in_type, 2);
    act_range (d.in_type, 0, 0, &d.act_min, &d.act_max);
    d.up_channels = trial % 3 == 0 ? 0 : trial % 3 == 1 ? N : rnd_in (0, N);
    d.w_bytes = trial % 4 < 2;
    ref_gemm (&d, 1, a, 1, want);
    for (int i = 0; i < n_isas; i++) {
      mnv3_qdsp dsp;
      mnv3_qgemm *g;
      void *scratch;
      dsp_for (i, &dsp);
      g = mnv3_qgemm_pack (&dsp.gemm, &d);
      ck_assert_ptr_nonnull (g);
      scratch = aligned_alloc (64, mnv3_qgemm_scratch_size (g));
      memset (got, SENTINEL, sizeof got);
      g->kern.fn (g, 1, a, 1, got, N, 0, g->num_panels, scratch);
      compare (dsp.gemm.name, &d, 1, got, N, want);
      free (scratch);
      mnv3_qgemm_free (g);
    }
  }
}
END_TEST

/* ---- convolution through the GEMM: rows gathered from the input ------ */

/* The convolution's im2col written out: row (oy, ox) holds the taps in
 * OHWI order, in_zp where a tap falls in the padding. */
static void
ref_im2col (const mnv3_conv_params *p, const uint8_t *in, uint8_t zp,
    uint8_t *col)
{
  for (int oy = 0; oy < p->oh; oy++)
    for (int ox = 0; ox < p->ow; ox++)
      for (int ky = 0; ky < p->kh; ky++)
        for (int kx = 0; kx < p->kw; kx++)
          for (int ci = 0; ci < p->ic; ci++) {
            int iy = oy * p->sh - p->pad_t + ky * p->dh;
            int ix = ox * p->sw - p->pad_l + kx * p->dw;
            *col++ = iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw ? zp
                : in[((size_t) iy * p->iw + ix) * p->ic + ci];
          }
}

/* pad_kind 0: TF SAME, 1: VALID, 2: more at the start than SAME */
static void
check_conv (const qcase *q, int ih, int iw, int ic, int oc, int kh, int kw,
    int s, int dil, int pad_kind)
{
  mnv3_conv_params p = { .ih = ih, .iw = iw, .ic = ic, .oc = oc, .kh = kh,
    .kw = kw, .sh = s, .sw = s, .dh = dil, .dw = dil, .groups = 1 };
  const int span_h = (kh - 1) * dil + 1, span_w = (kw - 1) * dil + 1;
  const int k = kh * kw * ic;
  mnv3_qgemm_desc d = { 0 };
  size_t m, in_bytes = (size_t) ih * iw * ic, out_bytes;
  uint8_t *in, *w, *col, *want, *got;
  int32_t *bias, *zps;
  mnv3_qmul *muls;

  if (pad_kind == 0) {
    int oh = (ih + s - 1) / s, ow = (iw + s - 1) / s;
    int ph = (oh - 1) * s + span_h - ih, pw = (ow - 1) * s + span_w - iw;
    ph = ph < 0 ? 0 : ph;
    pw = pw < 0 ? 0 : pw;
    p.pad_t = ph / 2;
    p.pad_b = ph - p.pad_t;
    p.pad_l = pw / 2;
    p.pad_r = pw - p.pad_l;
  } else if (pad_kind == 2) {
    p.pad_t = span_h / 2 + 1;
    p.pad_l = span_w / 2 + 1;
  }
  p.oh = (ih + p.pad_t + p.pad_b - span_h) / s + 1;
  p.ow = (iw + p.pad_l + p.pad_r - span_w) / s + 1;
  if (ih + p.pad_t + p.pad_b < span_h || iw + p.pad_l + p.pad_r < span_w)
    return;
  m = (size_t) p.oh * p.ow;
  out_bytes = m * (size_t) oc;
  in = malloc (in_bytes);       /* exact: ASan catches reads past it */
  w = malloc ((size_t) oc * k);
  col = malloc (m * (size_t) k);
  want = malloc (out_bytes);
  got = malloc (out_bytes + GUARD);
  bias = malloc ((size_t) oc * 4);
  zps = malloc ((size_t) oc * 4);
  muls = malloc ((size_t) oc * sizeof *muls);
  ck_assert (in && w && col && want && got && bias && zps && muls);
  fill_bytes (in, in_bytes, q->in_type, q->extreme, 0);
  fill_bytes (w, (size_t) oc * k, q->w_type, q->extreme, 1);
  d.k = k;
  d.n = oc;
  d.in_type = q->in_type;
  d.in_zp = pick_zp (q->in_type, q->zp_kind);
  d.w_type = q->w_type;
  d.w = w;
  d.num_w_zps = q->per_channel ? oc : 1;
  for (int j = 0; j < oc; j++)
    zps[j] = q->w_type == MNV3_DTYPE_I8 && q->per_channel ? 0
        : pick_zp (q->w_type, q->zp_kind);
  d.w_zps = zps;
  for (int j = 0; j < oc; j++)
    bias[j] = rnd_in (-(1 << 16), 1 << 16);
  d.bias = rnd () % 4 ? bias : NULL;
  d.num_muls = q->per_channel ? oc : 1;
  fill_muls (muls, d.num_muls, q->extreme ? 200.0 * 200.0 * k
      : 80.0 * 80.0 * (k < 4 ? 2.0 : __builtin_sqrt ((double) k)));
  d.muls = muls;
  d.out_zp = pick_zp (q->in_type, 2);
  act_range (q->in_type, d.out_zp, q->narrow, &d.act_min, &d.act_max);
  d.up_channels = pick_up (oc);
  d.w_bytes = rnd () % 2;       /* ignored with conv */
  ref_im2col (&p, in, (uint8_t) d.in_zp, col);
  ref_gemm (&d, m, col, (size_t) k, want);
  d.conv = &p;

  for (int i = 0; i < n_isas; i++) {
    mnv3_qdsp dsp;
    mnv3_qgemm *g;
    void *scratch;
    size_t r0 = rnd () % m;
    char what[64];

    dsp_for (i, &dsp);
    g = mnv3_qgemm_pack (&dsp.gemm, &d);
    if (!dsp.gemm.conv) {       /* qconv uses an im2col with these */
      ck_assert_ptr_null (g);
      continue;
    }
    ck_assert_ptr_nonnull (g);
    scratch = aligned_alloc (64, mnv3_qgemm_scratch_size (g) * 2);
    ck_assert_ptr_nonnull (scratch);
    memset (got, SENTINEL, out_bytes + GUARD);
    g->kern.conv (g, 0, m, in, got, (size_t) oc, 0, g->num_panels, scratch);
    snprintf (what, sizeof what, "conv %s %dx%dx%d k%dx%d s%d d%d pad %d",
        dsp.gemm.name, ih, iw, ic, kh, kw, s, dil, pad_kind);
    compare (what, &d, m, got, (size_t) oc, want);
    /* two calls that split the rows anywhere */
    memset (got, SENTINEL, out_bytes + GUARD);
    if (r0)
      g->kern.conv (g, 0, r0, in, got, (size_t) oc, 0, g->num_panels,
          scratch);
    g->kern.conv (g, r0, m - r0, in, got + r0 * oc, (size_t) oc, 0,
        g->num_panels, scratch);
    compare (what, &d, m, got, (size_t) oc, want);
    memset (got, SENTINEL, out_bytes + GUARD);
    mnv3_qgemm_conv_c (g, 0, m, in, got, (size_t) oc, 0, g->num_panels,
        NULL);
    snprintf (what, sizeof what, "conv c on the %s packing", dsp.gemm.name);
    compare (what, &d, m, got, (size_t) oc, want);
    memset (got, SENTINEL, out_bytes + GUARD);
    mnv3_qgemm_run_conv (g, in, got, scratch, pool2);
    snprintf (what, sizeof what, "conv %s, 2 threads", dsp.gemm.name);
    compare (what, &d, m, got, (size_t) oc, want);
    free (scratch);
    mnv3_qgemm_free (g);
  }
  free (in);
  free (w);
  free (col);
  free (want);
  free (got);
  free (bias);
  free (zps);
  free (muls);
}

START_TEST (test_conv_small_cin)
{
  /* the stem's shape class: few input channels, 3x3 (and 1x1 with
   * padding or stride, 5x5, 7x7, non-square), strides 1 and 2, dilation,
   * every padding, 1x1 and odd images, output widths around the panels */
  static const int ocs[] = { 1, 7, 8, 16, 17, 33 };
  static const int kss[][2] = { { 3, 3 }, { 1, 1 }, { 5, 5 }, { 3, 1 },
    { 1, 3 }, { 7, 7 }, { 2, 2 } };
  int it = 0;
  for (int ic = 1; ic <= 8; ic += 1 + (ic >= 4))
    for (size_t ks = 0; ks < sizeof kss / sizeof kss[0]; ks++)
      for (int s = 1; s <= 2; s++, it++) {
        qcase q = random_qcase ();
        int ih = 1 + (int) (rnd () % 13), iw = 1 + (int) (rnd () % 17);
        if (it % 5 == 0)
          ih = iw = 1;
        check_conv (&q, ih, iw, ic, ocs[it % 6], kss[ks][0], kss[ks][1], s,
            it % 7 == 3 ? 2 : 1, (int) (rnd () % 3));
      }
}
END_TEST

START_TEST (test_conv_stem)
{
  /* MobileNetV3's stem, 224x224x3 -> 112x112x16 3x3 s2 SAME, in TFLite's
   * two schemes and at every zero point kind; then wider inputs (the runs
   * of whole vectors) and extreme inputs */
  for (int v = 0; v < 2; v++)
    for (int zk = 0; zk < 3; zk++) {
      qcase q = { v ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
        v ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, zk, v, zk == 1, 0 };
      check_conv (&q, zk ? 57 : 224, zk ? 35 : 224, 3, 16, 3, 3, 2, 1, 0);
    }
  for (int ic = 9; ic <= 40; ic += 31) {
    qcase q = random_qcase ();
    check_conv (&q, 9, 11, ic, 24, 3, 3, 1 + ic % 2, 1, 0);
    check_conv (&q, 6, 7, ic, 19, 3, 3, 1, 2, 2);
  }
  for (int e = 1; e <= 4; e++)
    for (int t = 0; t < 4; t++) {
      qcase q = { t & 1 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
        t & 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, (e + t) % 3, t == 3, 0, e };
      check_conv (&q, 7, 9, 3, 16, 3, 3, 2, 1, e % 3);
    }
}
END_TEST

/* ---- depthwise -------------------------------------------------------- */

static void
check_dw (const qcase *q, int ih, int iw, int c, int k, int s, int dil,
    int pad_kind)
{
  mnv3_qdw_desc d = { 0 };
  int span = (k - 1) * dil + 1, pad_t, pad_l, pad_b, pad_r;
  size_t in_bytes = (size_t) ih * iw * c, out_bytes;
  uint8_t *in, *w, *want, *got;
  int32_t *bias = malloc ((size_t) c * 4), *zps = malloc ((size_t) c * 4);
  mnv3_qmul *muls = malloc ((size_t) c * sizeof *muls);

  if (pad_kind == 0) {          /* TF SAME: extra padding at the end */
    int oh = (ih + s - 1) / s, ow = (iw + s - 1) / s;
    int ph = (oh - 1) * s + span - ih, pw = (ow - 1) * s + span - iw;
    ph = ph < 0 ? 0 : ph;
    pw = pw < 0 ? 0 : pw;
    pad_t = ph / 2;
    pad_b = ph - pad_t;
    pad_l = pw / 2;
    pad_r = pw - pad_l;
  } else if (pad_kind == 1) {   /* VALID */
    pad_t = pad_b = pad_l = pad_r = 0;
  } else {                      /* asymmetric, more at the start */
    pad_t = pad_l = span / 2 + 1;
    pad_b = pad_r = 0;
  }
  d.oh = (ih + pad_t + pad_b - span) / s + 1;
  d.ow = (iw + pad_l + pad_r - span) / s + 1;
  if (d.oh <= 0 || d.ow <= 0)
    goto out;
  d.ih = ih;
  d.iw = iw;
  d.c = c;
  d.k = k;
  d.sh = d.sw = s;
  d.dh = d.dw = dil;
  d.pad_t = pad_t;
  d.pad_l = pad_l;
  out_bytes = (size_t) d.oh * d.ow * c;
  in = malloc (in_bytes);
  w = malloc ((size_t) c * k * k);
  want = malloc (out_bytes);
  got = malloc (out_bytes + GUARD);
  ck_assert (in && w && want && got && bias && zps && muls);
  fill_bytes (in, in_bytes, q->in_type, q->extreme, 0);
  fill_bytes (w, (size_t) c * k * k, q->w_type, q->extreme, 1);
  d.in_type = q->in_type;
  d.in_zp = pick_zp (q->in_type, q->zp_kind);
  d.w_type = q->w_type;
  d.w = w;
  d.num_w_zps = q->per_channel ? c : 1;
  for (int j = 0; j < c; j++)
    zps[j] = q->w_type == MNV3_DTYPE_I8 && q->per_channel ? 0
        : pick_zp (q->w_type, q->zp_kind);
  d.w_zps = zps;
  for (int j = 0; j < c; j++)
    bias[j] = rnd_in (-(1 << 14), 1 << 14);
  d.bias = rnd () % 4 ? bias : NULL;
  d.num_muls = q->per_channel ? c : 1;
  fill_muls (muls, d.num_muls, q->extreme ? 200.0 * 200 * k * k
      : 80.0 * 80 * k);
  d.muls = muls;
  d.out_zp = pick_zp (q->in_type, 2);
  act_range (q->in_type, d.out_zp, q->narrow, &d.act_min, &d.act_max);
  ref_dw (&d, in, want);

  for (int i = 0; i < n_isas; i++) {
    mnv3_qdsp dsp;
    mnv3_qdw *p;
    dsp_for (i, &dsp);
    p = mnv3_qdw_pack (&dsp, &d);
    ck_assert_ptr_nonnull (p);
    for (int threaded = 0; threaded < 3; threaded++) {
      memset (got, SENTINEL, out_bytes + GUARD);
      if (threaded == 1) {
        mnv3_qdw_run (p, in, got, pool2);
      } else if (threaded == 2) {
        /* channel ranges that start and end off the 64-channel blocks
         * (the AVX-512 kernels' 64-lane path) */
        int s1 = 16 * (1 + (int) (rnd () % 3)), s2;
        s1 = s1 > c ? c : s1;
        s2 = s1 + 16 * (1 + (int) (rnd () % 6));
        s2 = s2 > c ? c : s2;
        p->fn (p, in, got, 0, d.oh, 0, s1);
        if (s2 > s1)
          p->fn (p, in, got, 0, d.oh, s1, s2);
        if (c > s2)
          p->fn (p, in, got, 0, d.oh, s2, c);
      } else {
        p->fn (p, in, got, 0, d.oh, 0, c);
      }
      for (size_t o = 0; o < out_bytes; o++)
        if (got[o] != want[o])
          ck_abort_msg ("qdw %s%s: %dx%dx%d k%d s%d d%d "
            "pad %d in %s zp %d w %s: out[%zu] (y %zu x %zu c %zu) = %d, "
            "want %d", dsp.dw_name, threaded == 1 ? " threaded"
            : threaded ? " split" : "", ih, iw, c,
            k, s, dil, pad_kind, tname (d.in_type), d.in_zp,
            tname (d.w_type), o, o / c / d.ow, o / c % d.ow, o % c, got[o],
            want[o]);
      for (size_t o = 0; o < GUARD; o++)
        if (got[out_bytes + o] != SENTINEL)
          ck_abort_msg ("qdw %s: write past the output", dsp.dw_name);
    }
    mnv3_qdw_free (p);
  }
  free (in);
  free (w);
  free (want);
  free (got);
out:
  free (bias);
  free (zps);
  free (muls);
}

START_TEST (test_dw_channels)
{
  /* channels 1..67 (every tail of 8 and 16 lanes), both kernel sizes,
   * stride 1 and 2, dilation 1 and 2, all paddings */
  for (int c = 1; c <= 67; c++)
    for (int k = 3; k <= 5; k += 2)
      for (int s = 1; s <= 2; s++) {
        qcase q = random_qcase ();
        check_dw (&q, 5 + (int) (rnd () % 5), 4 + (int) (rnd () % 6), c, k,
            s, 1 + (c % 3 == 0), (int) (rnd () % 3));
      }
}
END_TEST

START_TEST (test_dw_real)
{
  /* MobileNetV3's depthwise layers (sizes shrunk where the ratio does not
   * matter) and 1x1 / 2x2 images */
  static const int layers[][4] = {  /* hw, c, k, stride */
    { 56, 16, 3, 2 }, { 28, 72, 3, 2 }, { 28, 88, 3, 1 }, { 14, 96, 5, 2 },
    { 14, 240, 5, 1 }, { 14, 120, 5, 1 }, { 7, 144, 5, 2 }, { 7, 288, 5, 2 },
    { 7, 576, 5, 1 }, { 15, 960, 3, 1 }, { 1, 40, 3, 1 }, { 1, 67, 5, 2 },
    { 2, 24, 5, 1 }, { 3, 48, 3, 2 } };
  for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++)
    for (int v = 0; v < 2; v++) {
      qcase q = random_qcase ();
      q.in_type = v ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      q.w_type = v ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      q.per_channel = v;
      check_dw (&q, layers[l][0], layers[l][0] + v, layers[l][1],
          layers[l][2], layers[l][3], 1 + (l % 4 == 3), v ? 0 : 2);
    }
}
END_TEST

START_TEST (test_dw_wide)
{
  /* the AVX-512 kernels' 64-channel blocks: whole, masked (more than 48
   * left) and followed by 16-lane blocks, with extreme values too */
  static const int cs[] = { 64, 65, 79, 80, 81, 100, 112, 113, 120, 127,
    128, 136, 144, 161, 200, 240 };
  for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
    for (int k = 3; k <= 5; k += 2)
      for (int s = 1; s <= 2; s++) {
        qcase q = random_qcase ();
        q.extreme = (int) (i + (size_t) k + (size_t) s) % 5;
        check_dw (&q, 4 + (int) (rnd () % 5), 3 + (int) (rnd () % 7),
            cs[i], k, s, 1 + (i % 4 == 1), (int) (rnd () % 3));
      }
}
END_TEST

START_TEST (test_dw_extremes)
{
  for (int e = 1; e <= 4; e++)
    for (int t = 0; t < 4; t++)
      for (int zk = 0; zk < 3; zk++) {
        qcase q = { t & 1 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
          t & 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, zk, t == 3, 0, e };
        check_dw (&q, 6, 7, 35, e % 2 ? 3 : 5, 1 + (zk == 2), 1, zk % 3);
      }
  /* other kernel sizes go to the C kernel */
  for (int k = 1; k <= 7; k += 2) {
    qcase q = random_qcase ();
    check_dw (&q, 9, 8, 19, k, 1 + k % 2, 1, 0);
  }
}
END_TEST

START_TEST (test_invalid)
{
  mnv3_qdsp dsp;
  uint8_t w[9] = { 0 };       /* the 3x3 depthwise reads 9 */
  mnv3_qmul m = { 1 << 30, -3 };
  mnv3_qgemm_desc g = { .k = 2, .n = 2, .in_type = MNV3_DTYPE_U8,
    .w_type = MNV3_DTYPE_U8, .w = w, .num_w_zps = 1, .num_muls = 1,
    .muls = &m, .act_min = 0, .act_max = 255 };
  mnv3_qdw_desc d = { .ih = 2, .iw = 2, .c = 1, .k = 3, .sh = 1, .sw = 1,
    .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1, .oh = 2, .ow = 2,
    .in_type = MNV3_DTYPE_U8, .w_type = MNV3_DTYPE_U8, .w = w,
    .num_w_zps = 1, .num_muls = 1, .muls = &m, .act_max = 255 };
  mnv3_qgemm *pg;
  mnv3_qdw *pd;

  mnv3_qdsp_init (&dsp, mnv3_cpu_resolve (MNV3_ISA_AUTO),
      mnv3_cpu_features ());
  pg = mnv3_qgemm_pack (&dsp.gemm, &g);
  ck_assert_ptr_nonnull (pg);
  mnv3_qgemm_free (pg);
  pd = mnv3_qdw_pack (&dsp, &d);
  ck_assert_ptr_nonnull (pd);
  mnv3_qdw_free (pd);
  g.k = 40000;                 /* int32 sums could overflow */
  ck_assert_ptr_null (mnv3_qgemm_pack (&dsp.gemm, &g));
  g.k = 2;
  m.mult = -1;
  ck_assert_ptr_null (mnv3_qgemm_pack (&dsp.gemm, &g));
  ck_assert_ptr_null (mnv3_qdw_pack (&dsp, &d));
  m.mult = 1 << 30;
  g.in_type = MNV3_DTYPE_F32;
  ck_assert_ptr_null (mnv3_qgemm_pack (&dsp.gemm, &g));
  d.sh = 0;
  ck_assert_ptr_null (mnv3_qdw_pack (&dsp, &d));
  ck_assert_ptr_null (mnv3_qgemm_pack (&dsp.gemm, NULL));
  ck_assert_ptr_null (mnv3_qdw_pack (&dsp, NULL));
}
END_TEST

START_TEST (test_dispatch)
{
  /* each level selects the kernel it names (so the sweeps above did run
   * every kernel they list) */
  for (int i = 0; i < n_isas; i++) {
    mnv3_qdsp dsp;
    dsp_for (i, &dsp);
    ck_assert_str_eq (dsp.gemm.name, isas[i].want);
    ck_assert_str_eq (dsp.dw_name, isas[i].want);
  }
}
END_TEST


static Suite *
qsimd_suite (void)
{
  Suite *s = suite_create ("qsimd");
  TCase *tc = tcase_create ("core");

  tcase_set_timeout (tc, 600);
  tcase_add_checked_fixture (tc, pool_setup, pool_teardown);
  tcase_add_test (tc, test_dispatch);
  tcase_add_test (tc, test_requant_edges);
  tcase_add_test (tc, test_gemm_schemes);
  tcase_add_test (tc, test_gemm_extremes);
  tcase_add_test (tc, test_gemm_small_sweep);
  tcase_add_test (tc, test_gemm_real_widths);
  tcase_add_test (tc, test_conv_small_cin);
  tcase_add_test (tc, test_conv_stem);
  tcase_add_test (tc, test_dw_channels);
  tcase_add_test (tc, test_dw_real);
  tcase_add_test (tc, test_dw_extremes);
  tcase_add_test (tc, test_dw_wide);
  tcase_add_test (tc, test_invalid);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  isas_init ();
  printf ("integer kernels tested:");
  for (int i = 0; i < n_isas; i++)
    printf (" %s", isas[i].want);
  printf ("\n");
  return mnv3_test_run_suite (qsimd_suite ());
}
