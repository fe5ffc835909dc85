/* test-qfloat-simd.c — the float (ONNX Runtime / MLAS) output stage of the
 * packed GEMM and depthwise kernels against a plain reference, every
 * kernel the machine can run.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The reference is MLAS's requantization written out: the exact sum
 * bias + sum (a - in_zp) * (w - w_zp) (int64, checked to fit int32), then
 *   v = (float) acc * scale[n]; clamp v to [act_min - zp, act_max - zp];
 *   out = nearbyintf (v) + zp
 * with scale[n] a float (in_scale * w_scale[n] / out_scale in a model).
 * Each kernel of mnv3_qdsp (C, AVX2, AVX-VNNI when the CPU has it,
 * AVX-512BW, AVX512-VNNI, the EVEX-encoded AVX-VNNI code) must give the
 * same bytes, so must the C kernel on each packing and the threaded runs;
 * then mnv3_qconv (MNV3_QROUND_FLOAT) with its packed kernels against its
 * own reference loops (p.reference), the bytes the integer graphs of QDQ
 * models had before the packed stage.  Last, ONNX Runtime's QLinearAdd /
 * QLinearMul: the AVX2 runs (qort-avx2.c) against qort.c's plain loops
 * over every broadcast the graphs use; the HardSwish Mul as a table;
 * QuantizeLinear in AVX2 against its scalar loop.
 *
 * Sweeps: channels 1..67, row counts around the tile heights, stride 2,
 * padding, 3x3 / 5x5 / 7x7 windows, uint8 and int8 activations, zero
 * points 0 / 128 / -128 / random, per-channel scales log-uniform over
 * 1e-7..10 (most outputs saturate at the ends), a few scales of 0.5 and
 * 0.25 (every odd accumulator a tie: round half to even), narrow clamp
 * ranges, constant extreme inputs.  Outputs carry guard bytes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"
#include "threadpool.h"
#include "test-qisa.h"

#define GUARD 29
#define SENTINEL 0x5A

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t) (rng >> 11);
}

static int32_t
rnd_in (int32_t lo, int32_t hi)
{
  return lo + (int32_t) (rnd () % (uint32_t) (hi - lo + 1));
}

static float
rnd_scale (float lo, float hi)
{
  double t = (rnd () & 0xffffff) / (double) 0xffffff;
  return (float) exp (log (lo) + t * (log (hi) - log (lo)));
}

static int32_t
val (mnv3_dtype t, uint8_t b)
{
  return t == MNV3_DTYPE_I8 ? (int8_t) b : (int32_t) b;
}

/* MLAS's requantization, written out. */
static uint8_t
ref_float (int64_t acc, float scale, int32_t zp, int32_t act_min,
    int32_t act_max)
{
  float v, lo = (float) (act_min - zp), hi = (float) (act_max - zp);

  if (acc < INT32_MIN || acc > INT32_MAX)
    ck_abort_msg ("reference: the sum leaves int32");
  v = (float) (int32_t) acc * scale;
  if (v < lo)
    v = lo;
  if (v > hi)
    v = hi;
  return (uint8_t) ((int32_t) nearbyintf (v) + zp);
}

/* ---- random parameters ----------------------------------------------- */

typedef struct {
  mnv3_dtype in_type, w_type;
  int zp_kind;               /* 0: 0, 1: 128 / -128, 2: random */
  int per_channel;           /* weight zero points per channel */
  int narrow;                /* a ReLU-like clamp range */
  int extreme;               /* 0, or 1..3: constant extreme inputs */
  int ties;                  /* weights in -1..1, scales 0.5 / 0.25, a
                              * small bias: many exact ties in range */
} qcase;

static int32_t
pick_zp (mnv3_dtype t, int kind)
{
  if (kind == 0)
    return 0;
  if (kind == 1)
    return t == MNV3_DTYPE_U8 ? 128 : -128;
  return t == MNV3_DTYPE_U8 ? rnd_in (0, 255) : rnd_in (-128, 127);
}

static qcase
random_qcase (void)
{
  qcase q;

  q.in_type = rnd () % 2 ? MNV3_DTYPE_U8 : MNV3_DTYPE_I8;
  /* QDQ files: int8 symmetric weights; uint8 asymmetric ones too */
  q.w_type = rnd () % 4 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
  q.zp_kind = (int) (rnd () % 3);
  q.per_channel = (int) (rnd () % 2);
  q.narrow = rnd () % 4 == 0;
  q.extreme = rnd () % 6 == 0 ? rnd_in (1, 3) : 0;
  q.ties = 0;
  return q;
}

/* Weights of value -1, 0 or 1 (after the zero point), scales 0.5 and
 * 0.25, bias within +-8: outputs (a - zp) * w * scale, half of them ties. */
static void
make_ties (const qcase *q, uint8_t *w, size_t nw, int32_t *zps, int per,
    int32_t *bias, float *sc, int n)
{
  if (!q->ties)
    return;
  for (size_t i = 0; i < nw; i++)
    w[i] = (uint8_t) (int8_t) rnd_in (-1, 1);
  (void) per;
  for (int j = 0; j < n; j++) {
    zps[j] = 0;               /* int8 weights */
    bias[j] = rnd_in (-8, 8);
    sc[j] = rnd () % 2 ? 0.5f : 0.25f;
  }
}

static void
fill_bytes (uint8_t *p, size_t n, mnv3_dtype t, int extreme, int is_w)
{
  for (size_t i = 0; i < n; i++) {
    switch (extreme) {
      case 1: p[i] = t == MNV3_DTYPE_U8 ? (is_w ? 0 : 255) : 0x80; break;
      case 2: p[i] = t == MNV3_DTYPE_U8 ? 255 : 0x7f; break;
      case 3: p[i] = (i & 1) ? 255 : (t == MNV3_DTYPE_U8 ? 0 : 0x80); break;
      default: p[i] = (uint8_t) rnd (); break;
    }
  }
}

/* Scales around what maps an accumulator of typical size mag to about
 * +-64, spread over 2^-8..2^8 of that; some far outside (saturating or
 * all zero) and some exact ties (0.5, 0.25). */
static void
fill_scales (float *s, int n, double mag)
{
  const float base = (float) (64.0 / mag);

  for (int i = 0; i < n; i++) {
    switch (rnd () % 16) {
      case 0: s[i] = 0.5f; break;
      case 1: s[i] = 0.25f; break;
      case 2: s[i] = rnd_scale (1e-7f, 1e-5f); break;
      case 3: s[i] = rnd_scale (0.5f, 10.f); break;
      default: s[i] = base * rnd_scale (1.f / 256.f, 256.f); break;
    }
  }
}

static void
act_range (mnv3_dtype t, int32_t zp, int narrow, int32_t *lo, int32_t *hi)
{
  *lo = t == MNV3_DTYPE_U8 ? 0 : -128;
  *hi = t == MNV3_DTYPE_U8 ? 255 : 127;
  if (narrow) {
    *lo = zp > *lo ? zp : *lo;
    *hi = *lo + rnd_in (0, *hi - *lo);
  }
}

static int32_t
wzp_of (const int32_t *zps, int num, int j)
{
  return zps ? zps[num == 1 ? 0 : j] : 0;
}

static void
compare (const char *what, const char *kern, const uint8_t *got,
    const uint8_t *want, size_t rows, size_t n, size_t stride)
{
  for (size_t r = 0; r < rows; r++) {
    for (size_t j = 0; j < n; j++)
      if (got[r * stride + j] != want[r * n + j])
        ck_abort_msg ("%s (%s): out[%zu][%zu] = %d, want %d", what, kern, r,
            j, got[r * stride + j], want[r * n + j]);
    for (size_t j = n; j < stride; j++)
      if (got[r * stride + j] != SENTINEL)
        ck_abort_msg ("%s (%s): write past row %zu", what, kern, r);
  }
  for (size_t j = 0; j < GUARD; j++)
    if (got[rows * stride + j] != SENTINEL)
      ck_abort_msg ("%s (%s): write past the output", what, kern);
}

/* ---- GEMM: plain rows, byte weights, convolutions gathered ------------ */

typedef struct {
  int ih, iw, kh, kw, s, pad;  /* a convolution, or kh == 0: plain rows */
} conv_geom;

static void
check_gemm (const qcase *q, size_t m, int k, int n, const conv_geom *cg)
{
  mnv3_conv_params cp = { 0 };
  const int conv = cg && cg->kh;
  size_t a_stride, a_bytes, c_stride = (size_t) n + (rnd () % 2 ? 3 : 0);
  uint8_t *a, *w, *want, *got;
  int32_t *bias = malloc ((size_t) n * 4), *zps = malloc ((size_t) n * 4);
  mnv3_qmul *muls = malloc ((size_t) n * sizeof *muls);
  float *sc = malloc ((size_t) n * sizeof *sc);
  mnv3_qgemm_desc d = { 0 };
  size_t c_bytes;
  char what[160];

  if (conv) {
    int ic = k;
    cp = (mnv3_conv_params) { .ih = cg->ih, .iw = cg->iw, .ic = ic,
      .kh = cg->kh, .kw = cg->kw, .sh = cg->s, .sw = cg->s, .dh = 1,
      .dw = 1, .pad_t = cg->pad, .pad_l = cg->pad, .pad_b = cg->pad,
      .pad_r = cg->pad, .groups = 1, .oc = n };
    cp.oh = (cg->ih + 2 * cg->pad - cg->kh) / cg->s + 1;
    cp.ow = (cg->iw + 2 * cg->pad - cg->kw) / cg->s + 1;
    m = (size_t) cp.oh * cp.ow;
    k = cg->kh * cg->kw * ic;
    a_stride = 0;
    a_bytes = (size_t) cg->ih * cg->iw * ic;
  } else {
    a_stride = (size_t) k + (rnd () % 3 == 0 ? 2 : 0);
    a_bytes = (m - 1) * a_stride + (size_t) k;
  }
  c_bytes = m * c_stride + GUARD;
  a = malloc (a_bytes);
  w = malloc ((size_t) n * k);
  want = malloc (m * (size_t) n);
  got = malloc (c_bytes);
  ck_assert (a && w && want && got && bias && zps && muls && sc);
  fill_bytes (a, a_bytes, q->in_type, q->extreme, 0);
  fill_bytes (w, (size_t) n * k, q->w_type, q->extreme, 1);
  d.k = k;
  d.n = n;
  d.in_type = q->in_type;
  d.in_zp = pick_zp (q->in_type, q->zp_kind);
  d.w_type = q->w_type;
  d.w = w;
  d.num_w_zps = q->per_channel ? n : 1;
  for (int j = 0; j < n; j++) {
    zps[j] = q->w_type == MNV3_DTYPE_I8 && rnd () % 2 ? 0
        : pick_zp (q->w_type, q->zp_kind);
    bias[j] = rnd_in (-(1 << 16), 1 << 16);
    muls[j] = (mnv3_qmul) { 1 << 30, 0 };     /* unused by the stage */
  }
  d.w_zps = zps;
  d.bias = rnd () % 4 ? bias : NULL;
  d.num_muls = n;
  d.muls = muls;
  fill_scales (sc, n, 80.0 * 80.0 * (k < 4 ? 2.0 : sqrt ((double) k)));
  d.fscales = sc;
  make_ties (q, w, (size_t) n * k, zps, k, bias, sc, n);
  d.out_zp = pick_zp (q->in_type, 2);
  act_range (q->in_type, d.out_zp, q->narrow, &d.act_min, &d.act_max);
  d.up_channels = rnd () % 2 ? n : 0;        /* ignored with fscales */
  d.w_bytes = !conv && rnd () % 3 == 0;
  d.conv = conv ? &cp : NULL;

  for (size_t r = 0; r < m; r++)
    for (int j = 0; j < n; j++) {
      int64_t acc = d.bias ? d.bias[j] : 0;
      int32_t wz = wzp_of (d.w_zps, d.num_w_zps, j);
      for (int kk = 0; kk < k; kk++) {
        int32_t av;
        if (conv) {
          int ic = cp.ic, ci = kk % ic, kx = kk / ic % cp.kw;
          int ky = kk / ic / cp.kw;
          int iy = (int) (r / (size_t) cp.ow) * cp.sh - cp.pad_t + ky;
          int ix = (int) (r % (size_t) cp.ow) * cp.sw - cp.pad_l + kx;
          if (iy < 0 || iy >= cp.ih || ix < 0 || ix >= cp.iw)
            continue;           /* the padding adds nothing */
          av = val (d.in_type, a[((size_t) iy * cp.iw + ix) * ic + ci]);
        } else {
          av = val (d.in_type, a[r * a_stride + kk]);
        }
        acc += (int64_t) (av - d.in_zp)
            * (val (d.w_type, w[(size_t) j * k + kk]) - wz);
      }
      want[r * n + j] = ref_float (acc, sc[j], d.out_zp, d.act_min,
          d.act_max);
    }

  snprintf (what, sizeof what, "gemm m %zu k %d n %d in %s zp %d w %s%s%s",
      m, k, n, q->in_type == MNV3_DTYPE_I8 ? "i8" : "u8", d.in_zp,
      q->w_type == MNV3_DTYPE_I8 ? "i8" : "u8", d.w_bytes ? " w8" : "",
      conv ? " conv" : "");
  for (int i = 0; i < n_isas; i++) {
    mnv3_qdsp dsp;
    mnv3_qgemm *g;
    void *scratch;

    dsp_for (i, &dsp);
    if (conv && !dsp.gemm.conv)
      continue;                 /* these kernels read an im2col instead */
    g = mnv3_qgemm_pack (&dsp.gemm, &d);
    ck_assert_ptr_nonnull (g);
    ck_assert_ptr_nonnull (g->fscale);
    scratch = aligned_alloc (64, mnv3_qgemm_scratch_size (g) * 2);
    ck_assert_ptr_nonnull (scratch);
    memset (got, SENTINEL, c_bytes);
    if (conv)
      g->kern.conv (g, 0, m, a, got, c_stride, 0, g->num_panels, scratch);
    else
      g->kern.fn (g, m, a, a_stride, got, c_stride, 0, g->num_panels,
          scratch);
    compare (what, dsp.gemm.name, got, want, m, (size_t) n, c_stride);
    if (rnd () % 3 == 0) {
      memset (got, SENTINEL, c_bytes);
      if (conv)
        mnv3_qgemm_conv_c (g, 0, m, a, got, c_stride, 0, g->num_panels,
            NULL);
      else
        mnv3_qgemm_c (g, m, a, a_stride, got, c_stride, 0, g->num_panels,
            NULL);
      compare (what, "c on this packing", got, want, m, (size_t) n,
          c_stride);
    }
    if (!conv && rnd () % 3 == 0) {
      memset (got, SENTINEL, c_bytes);
      mnv3_qgemm_run (g, m, a, a_stride, got, c_stride, scratch, pool2);
      compare (what, "2 threads", got, want, m, (size_t) n, c_stride);
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
  free (sc);
}

START_TEST (test_gemm_channels)
{
  /* every width 1..67 against row counts around the tile heights */
  for (int n = 1; n <= 67; n++) {
    qcase q = random_qcase ();
    size_t m = (size_t) rnd_in (1, 14);
    check_gemm (&q, m, rnd_in (1, 70), n, NULL);
  }
}
END_TEST

START_TEST (test_gemm_shapes)
{
  static const int widths[] = { 16, 24, 40, 72, 96, 120, 240, 576, 1000,
    1280 };
  for (int it = 0; it < 40; it++) {
    qcase q = random_qcase ();
    int n = widths[rnd () % 10], k = widths[rnd () % 8];
    check_gemm (&q, (size_t) (it % 4 == 0 ? 1 : rnd_in (1, 60)), k, n,
        NULL);
  }
  for (int z = 0; z < 3; z++)
    for (int t = 0; t < 2; t++) {
      qcase q = random_qcase ();
      q.zp_kind = z;
      q.in_type = t ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      check_gemm (&q, 13, 37, 29, NULL);
    }
}
END_TEST

START_TEST (test_gemm_conv)
{
  /* direct k x k convolutions (the stem: 3 input channels, stride 2,
   * padding) gathered from the NHWC input */
  for (int it = 0; it < 40; it++) {
    qcase q = random_qcase ();
    conv_geom cg = { rnd_in (1, 12), rnd_in (1, 12), 3, 3, rnd_in (1, 2),
      rnd_in (0, 1) };
    if (it % 4 == 0)
      cg.kh = cg.kw = 5, cg.pad = 2;
    if (it % 7 == 0)
      cg.kh = cg.kw = 1, cg.pad = 0, cg.s = 2;
    if (cg.ih + 2 * cg.pad < cg.kh || cg.iw + 2 * cg.pad < cg.kw)
      continue;
    check_gemm (&q, 0, it % 3 ? 3 : rnd_in (1, 20), rnd_in (1, 40), &cg);
  }
}
END_TEST

/* ---- depthwise -------------------------------------------------------- */

static void
check_dw (const qcase *q, int ih, int iw, int c, int k, int s, int pad)
{
  mnv3_qdw_desc d = { 0 };
  uint8_t *in, *w, *want, *got;
  int32_t *bias = malloc ((size_t) c * 4), *zps = malloc ((size_t) c * 4);
  mnv3_qmul *muls = malloc ((size_t) c * sizeof *muls);
  float *sc = malloc ((size_t) c * sizeof *sc);
  size_t in_bytes = (size_t) ih * iw * c, out_bytes;
  char what[160];

  d.oh = (ih + 2 * pad - k) / s + 1;
  d.ow = (iw + 2 * pad - k) / s + 1;
  ck_assert (d.oh > 0 && d.ow > 0);
  d.ih = ih;
  d.iw = iw;
  d.c = c;
  d.k = k;
  d.sh = d.sw = s;
  d.dh = d.dw = 1;
  d.pad_t = d.pad_l = pad;
  out_bytes = (size_t) d.oh * d.ow * c;
  in = malloc (in_bytes);
  w = malloc ((size_t) c * k * k);
  want = malloc (out_bytes);
  got = malloc (out_bytes + GUARD);
  ck_assert (in && w && want && got && bias && zps && muls && sc);
  fill_bytes (in, in_bytes, q->in_type, q->extreme, 0);
  fill_bytes (w, (size_t) c * k * k, q->w_type, q->extreme, 1);
  d.in_type = q->in_type;
  d.in_zp = pick_zp (q->in_type, q->zp_kind);
  d.w_type = q->w_type;
  d.w = w;
  d.num_w_zps = q->per_channel ? c : 1;
  for (int j = 0; j < c; j++) {
    zps[j] = q->w_type == MNV3_DTYPE_I8 && rnd () % 2 ? 0
        : pick_zp (q->w_type, q->zp_kind);
    bias[j] = rnd_in (-(1 << 14), 1 << 14);
    muls[j] = (mnv3_qmul) { 1 << 30, 0 };
  }
  d.w_zps = zps;
  d.bias = rnd () % 4 ? bias : NULL;
  d.num_muls = c;
  d.muls = muls;
  fill_scales (sc, c, 80.0 * 80.0 * k);
  d.fscales = sc;
  make_ties (q, w, (size_t) c * k * k, zps, k * k, bias, sc, c);
  d.out_zp = pick_zp (q->in_type, 2);
  act_range (q->in_type, d.out_zp, q->narrow, &d.act_min, &d.act_max);
  d.up_channels = rnd () % 2 ? c : 0;

  for (int oy = 0; oy < d.oh; oy++)
    for (int ox = 0; ox < d.ow; ox++)
      for (int ch = 0; ch < c; ch++) {
        int64_t acc = d.bias ? d.bias[ch] : 0;
        int32_t wz = wzp_of (d.w_zps, d.num_w_zps, ch);
        for (int ky = 0; ky < k; ky++)
          for (int kx = 0; kx < k; kx++) {
            int iy = oy * s - pad + ky, ix = ox * s - pad + kx;
            if (iy < 0 || iy >= ih || ix < 0 || ix >= iw)
              continue;
            acc += (int64_t) (val (d.in_type,
                    in[((size_t) iy * iw + ix) * c + ch]) - d.in_zp)
                * (val (d.w_type, w[((size_t) ch * k + ky) * k + kx]) - wz);
          }
        want[((size_t) oy * d.ow + ox) * c + ch] = ref_float (acc, sc[ch],
            d.out_zp, d.act_min, d.act_max);
      }

  snprintf (what, sizeof what, "dw %dx%dx%d k %d s %d pad %d in %s zp %d",
      ih, iw, c, k, s, pad, q->in_type == MNV3_DTYPE_I8 ? "i8" : "u8",
      d.in_zp);
  for (int i = 0; i < n_isas; i++) {
    mnv3_qdsp dsp;
    mnv3_qdw *dw;

    dsp_for (i, &dsp);
    dw = mnv3_qdw_pack (&dsp, &d);
    ck_assert_ptr_nonnull (dw);
    memset (got, SENTINEL, out_bytes + GUARD);
    dw->fn (dw, in, got, 0, d.oh, 0, c);
    compare (what, dsp.dw_name, got, want, 1, out_bytes, out_bytes);
    memset (got, SENTINEL, out_bytes + GUARD);
    mnv3_qdw_c (dw, in, got, 0, d.oh, 0, c);
    compare (what, "c on this packing", got, want, 1, out_bytes, out_bytes);
    if (rnd () % 2) {
      memset (got, SENTINEL, out_bytes + GUARD);
      mnv3_qdw_run (dw, in, got, pool2);
      compare (what, "2 threads", got, want, 1, out_bytes, out_bytes);
    }
    mnv3_qdw_free (dw);
  }
  free (in);
  free (w);
  free (want);
  free (got);
  free (bias);
  free (zps);
  free (muls);
  free (sc);
}

START_TEST (test_dw_channels)
{
  for (int c = 1; c <= 67; c++) {
    qcase q = random_qcase ();
    int k = c % 3 == 0 ? 5 : 3;
    check_dw (&q, rnd_in (k, 11), rnd_in (k, 11), c, k, c % 2 ? 1 : 2,
        k / 2);
  }
}
END_TEST

START_TEST (test_dw_shapes)
{
  static const int widths[] = { 16, 72, 88, 96, 120, 144, 240, 480, 576 };
  for (int it = 0; it < 30; it++) {
    qcase q = random_qcase ();
    int k = it % 5 == 0 ? 7 : it % 2 ? 5 : 3;
    int pad = rnd_in (0, k / 2);
    int hw = rnd_in (k, 15);
    check_dw (&q, hw, rnd_in (k, 15), widths[rnd () % 9], k, rnd_in (1, 2),
        pad);
  }
  for (int z = 0; z < 3; z++)
    for (int t = 0; t < 2; t++) {
      qcase q = random_qcase ();
      q.zp_kind = z;
      q.in_type = t ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      q.extreme = z + 1;
      check_dw (&q, 7, 9, 35, 3, 2, 1);
    }
}
END_TEST

/* Exact ties (x.5 before rounding) in range: half to even, as nearbyintf
 * and cvtps2dq round; any other tie rule fails here. */
START_TEST (test_ties)
{
  for (int it = 0; it < 24; it++) {
    qcase q = random_qcase ();
    q.ties = 1;
    q.extreme = 0;
    q.narrow = 0;
    q.w_type = MNV3_DTYPE_I8;
    if (it % 2)
      check_gemm (&q, (size_t) rnd_in (1, 13), rnd_in (1, 3), rnd_in (1, 67),
          NULL);
    else
      check_dw (&q, rnd_in (3, 9), rnd_in (3, 9), rnd_in (1, 67),
          it % 4 ? 3 : 5, rnd_in (1, 2), 1);
  }
}
END_TEST

/* ---- mnv3_qconv: the packed kernels against its reference loops ------- */

static void
check_qconv (int ih, int iw, int ic, int oc, int k, int s, int pad,
    int depthwise, int fc, mnv3_dtype t)
{
  mnv3_qconv_params p = { 0 };
  const int groups = depthwise ? ic : 1;
  int kdim;
  float *ws = malloc ((size_t) oc * sizeof *ws);
  int32_t *wzp = calloc ((size_t) oc, sizeof *wzp);
  int32_t *bias = malloc ((size_t) oc * 4);
  uint8_t *x, *w, *y_ref, *y;
  mnv3_qconv *c_ref, *c;
  size_t out_bytes, sbytes;
  void *scratch;

  ck_assert (ws && wzp && bias);
  if (fc) {
    ic = ih * iw * ic;
    ih = iw = 1;
    k = 1;
  }
  kdim = k * k * (ic / groups);
  p.geom = (mnv3_conv_params) { .ih = ih, .iw = iw, .ic = ic,
    .oh = (ih + 2 * pad - k) / s + 1, .ow = (iw + 2 * pad - k) / s + 1,
    .oc = oc, .kh = k, .kw = k, .sh = s, .sw = s, .dh = 1, .dw = 1,
    .pad_t = pad, .pad_l = pad, .pad_b = pad, .pad_r = pad,
    .groups = groups };
  p.in = (mnv3_qtensor) { t, rnd_scale (0.005f, 0.2f),
    pick_zp (t, (int) (rnd () % 3)) };
  p.out = (mnv3_qtensor) { t, rnd_scale (0.005f, 0.5f), pick_zp (t, 2) };
  p.w_type = MNV3_DTYPE_I8;
  p.num_w_scales = oc;
  for (int o = 0; o < oc; o++) {
    ws[o] = rnd_scale (1e-4f, 0.05f);
    bias[o] = rnd_in (-20000, 20000);
  }
  p.w_scales = ws;
  p.w_zps = wzp;
  p.act_min = t == MNV3_DTYPE_I8 ? -128 : 0;
  p.act_max = t == MNV3_DTYPE_I8 ? 127 : 255;
  if (rnd () % 3 == 0)          /* a fused ReLU */
    p.act_min = p.out.zp;
  p.rounding = MNV3_QROUND_FLOAT;
  x = malloc ((size_t) ih * iw * ic);
  w = malloc ((size_t) oc * kdim);
  ck_assert (x && w);
  fill_bytes (x, (size_t) ih * iw * ic, t, 0, 0);
  fill_bytes (w, (size_t) oc * kdim, MNV3_DTYPE_I8, 0, 1);
  out_bytes = (size_t) p.geom.oh * p.geom.ow * oc;
  y_ref = malloc (out_bytes);
  y = malloc (out_bytes);
  ck_assert (y_ref && y);

  p.reference = 1;
  c_ref = mnv3_qconv_create (MNV3_ISA_AUTO, &p, w, bias);
  ck_assert_ptr_nonnull (c_ref);
  mnv3_qconv_run (c_ref, x, y_ref, NULL, NULL);
  mnv3_qconv_free (c_ref);

  p.reference = 0;
  for (int i = 0; i < n_isas; i++) {
    if (isas[i].features)
      continue;                 /* mnv3_qconv picks its features itself */
    c = mnv3_qconv_create (isas[i].isa, &p, w, bias);
    ck_assert_ptr_nonnull (c);
    ck_assert_msg (c->gemm || c->dw, "qconv: no packed kernel");
    sbytes = mnv3_qconv_scratch_size (c, 2);
    scratch = aligned_alloc (64, (sbytes + 63) & ~(size_t) 63);
    ck_assert_ptr_nonnull (scratch);
    memset (y, SENTINEL, out_bytes);
    mnv3_qconv_run (c, x, y, scratch, i % 2 ? pool2 : NULL);
    for (size_t e = 0; e < out_bytes; e++)
      if (y[e] != y_ref[e])
        ck_abort_msg ("qconv %dx%dx%d -> %d k %d s %d pad %d%s%s (%s): "
            "byte %zu = %d, reference loops %d", ih, iw, ic, oc, k, s, pad,
            depthwise ? " dw" : "", fc ? " fc" : "", isas[i].want, e, y[e],
            y_ref[e]);
    free (scratch);
    mnv3_qconv_free (c);
  }
  free (ws);
  free (wzp);
  free (bias);
  free (x);
  free (w);
  free (y_ref);
  free (y);
}

START_TEST (test_qconv_layers)
{
  for (int it = 0; it < 36; it++) {
    mnv3_dtype t = it % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    int hw = rnd_in (3, 14), c = rnd_in (1, 67);
    switch (it % 6) {
      case 0:                   /* 1x1 expand / project */
        check_qconv (hw, hw, c, rnd_in (1, 67), 1, 1, 0, 0, 0, t);
        break;
      case 1:                   /* the stem */
        check_qconv (hw, hw + 1, 3, 16, 3, 2, 1, 0, 0, t);
        break;
      case 2:                   /* depthwise 3x3 / 5x5, stride 1 or 2 */
        check_qconv (hw, hw, c, c, 3, rnd_in (1, 2), 1, 1, 0, t);
        break;
      case 3:
        check_qconv (hw + 2, hw, c, c, 5, rnd_in (1, 2), 2, 1, 0, t);
        break;
      case 4:                   /* fully connected, squeeze-excite */
        check_qconv (1, 1, rnd_in (1, 600), rnd_in (1, 300), 1, 1, 0, 0, 1,
            t);
        break;
      default:                  /* a 3x3 group-1 convolution */
        check_qconv (hw, hw, c % 20 + 1, rnd_in (1, 40), 3, rnd_in (1, 2),
            1, 0, 0, t);
        break;
    }
  }
}
END_TEST

/* ---- QLinearAdd / QLinearMul: the SIMD runs against the plain loops -- */

static void
bin_shape (int kind, const int os[4], int s[4])
{
  s[0] = 1;
  s[1] = kind == 0 || kind == 3 ? os[1] : 1;
  s[2] = kind == 0 || kind == 3 ? os[2] : 1;
  s[3] = kind == 0 || kind == 1 ? os[3] : 1;
}

START_TEST (test_binary)
{
  if (mnv3_cpu_detect () < MNV3_ISA_AVX2)
    return;
  for (int it = 0; it < 400; it++) {
    mnv3_qort_binary q;
    mnv3_dtype t = rnd () % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    int os[4] = { 1, rnd_in (1, 9), rnd_in (1, 9), rnd_in (1, 67) };
    /* 0: the full shape, 1: channels only (squeeze-excite's scale),
     * 2: one value, 3: one value a pixel */
    int ka = it % 5 == 0 ? (int) (rnd () % 4) : 0;
    int kb = (int) (rnd () % 4), as[4], bs[4];
    size_t na, nb, no = (size_t) os[1] * os[2] * os[3];
    uint8_t *a, *b, *want, *got;

    bin_shape (ka, os, as);
    bin_shape (kb, os, bs);
    na = (size_t) as[1] * as[2] * as[3];
    nb = (size_t) bs[1] * bs[2] * bs[3];
    a = malloc (na);
    b = malloc (nb);
    want = malloc (no);
    got = malloc (no);
    ck_assert (a && b && want && got);
    fill_bytes (a, na, t, it % 11 == 0 ? 2 : 0, 0);
    fill_bytes (b, nb, t, it % 13 == 0 ? 1 : 0, 0);
    memset (&q, 0, sizeof q);
    q.op = it % 2 ? MNV3_BINARY_MUL : MNV3_BINARY_ADD;
    q.a = (mnv3_qtensor) { t, rnd_scale (1e-3f, 1.f), pick_zp (t, it % 3) };
    q.b = (mnv3_qtensor) { t, rnd_scale (1e-3f, 1.f), pick_zp (t,
          (it / 3) % 3) };
    q.out = (mnv3_qtensor) { t, rnd_scale (1e-3f, 2.f), pick_zp (t, 2) };
    if (it % 7 == 0)            /* ties: scales in ratio 1/2 */
      q.a.scale = q.b.scale = 0.5f * q.out.scale;
    q.isa = MNV3_ISA_SCALAR;
    mnv3_qort_binary_run (&q, a, as, b, bs, want, os);
    q.isa = MNV3_ISA_AVX2;
    mnv3_qort_binary_run (&q, a, as, b, bs, got, os);
    for (size_t e = 0; e < no; e++)
      if (got[e] != want[e])
        ck_abort_msg ("q%s %dx%dx%d (a kind %d, b kind %d) %s: byte %zu = "
            "%d, plain loops %d", q.op == MNV3_BINARY_ADD ? "add" : "mul",
            os[1], os[2], os[3], ka, kb, t == MNV3_DTYPE_I8 ? "i8" : "u8",
            e, got[e], want[e]);
    free (a);
    free (b);
    free (want);
    free (got);
  }
}
END_TEST

/* Mul (x, h (x)) as one table (HardSwish as ONNX Runtime's quantizer
 * writes it): the table against QLinearMul's plain loop on every byte. */
START_TEST (test_mul_table)
{
  for (int it = 0; it < 200; it++) {
    mnv3_dtype t = it % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    mnv3_qort_binary q;
    mnv3_qlut lut;
    uint8_t x[256], h[256], hx[256], want[256];
    const int os[4] = { 1, 1, 1, 256 };
    const int side = (it / 2) % 2;

    memset (&q, 0, sizeof q);
    q.op = MNV3_BINARY_MUL;
    q.a = (mnv3_qtensor) { t, rnd_scale (1e-3f, 1.f), pick_zp (t, it % 3) };
    q.b = (mnv3_qtensor) { t, rnd_scale (1e-3f, 1.f), pick_zp (t, 2) };
    q.out = (mnv3_qtensor) { t, rnd_scale (1e-3f, 2.f), pick_zp (t, 2) };
    q.isa = MNV3_ISA_SCALAR;
    for (int v = 0; v < 256; v++) {
      x[v] = (uint8_t) v;
      h[v] = (uint8_t) rnd ();
      hx[v] = h[v];
    }
    if (side)
      mnv3_qort_binary_run (&q, hx, os, x, os, want, os);
    else
      mnv3_qort_binary_run (&q, x, os, hx, os, want, os);
    mnv3_qort_mul_table (&lut, &q, h, side);
    for (int v = 0; v < 256; v++) {
      ck_assert_msg (lut.table[v] == want[v], "mul table (h is %s) byte %d:"
          " %d, QLinearMul %d", side ? "a" : "b", v, lut.table[v], want[v]);
      ck_assert_int_eq (lut.tail[v], lut.table[v]);
    }
  }
}
END_TEST

/* QuantizeLinear: the AVX2 loop against the scalar one, values around
 * every rounding tie, far outside the range, and infinities. */
START_TEST (test_quantize)
{
  if (mnv3_cpu_detect () < MNV3_ISA_AVX2)
    return;
  for (int it = 0; it < 300; it++) {
    mnv3_dtype t = it % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    mnv3_qtensor q = { t, rnd_scale (1e-3f, 1.f), pick_zp (t, it % 3) };
    size_t n = (size_t) rnd_in (1, 300);
    float *x = malloc (n * sizeof *x);
    uint8_t *want = malloc (n), *got = malloc (n);

    ck_assert (x && want && got);
    for (size_t i = 0; i < n; i++) {
      switch (rnd () % 8) {
        case 0:                 /* an exact tie: (k + 1/2) * scale */
          x[i] = ((float) rnd_in (-300, 300) + 0.5f) * q.scale;
          break;
        case 1:
          x[i] = (rnd () % 2 ? 1.f : -1.f) * rnd_scale (1.f, 1e30f);
          break;
        case 2:
          x[i] = rnd () % 2 ? INFINITY : -INFINITY;
          break;
        default:
          x[i] = ((float) (rnd () % 200001) / 1000.f - 100.f) * q.scale;
          break;
      }
    }
    mnv3_qort_quantize_run_isa (MNV3_ISA_SCALAR, x, want, n, &q);
    mnv3_qort_quantize_run_isa (MNV3_ISA_AVX2, x, got, n, &q);
    for (size_t i = 0; i < n; i++)
      ck_assert_msg (got[i] == want[i], "quantize %g (scale %g zp %d): %d,"
          " scalar %d", (double) x[i], (double) q.scale, q.zp, got[i],
          want[i]);
    free (x);
    free (want);
    free (got);
  }
}
END_TEST


int
main (void)
{
  Suite *s = suite_create ("qfloat-simd");
  TCase *tc = tcase_create ("core");
  SRunner *sr;
  int failed;

  isas_init ();
  printf ("integer kernels tested (float output stage):");
  for (int i = 0; i < n_isas; i++)
    printf (" %s", isas[i].want);
  printf ("\n");
  tcase_set_timeout (tc, 600);
  tcase_add_checked_fixture (tc, pool_setup, pool_teardown);
  tcase_add_test (tc, test_gemm_channels);
  tcase_add_test (tc, test_gemm_shapes);
  tcase_add_test (tc, test_gemm_conv);
  tcase_add_test (tc, test_dw_channels);
  tcase_add_test (tc, test_dw_shapes);
  tcase_add_test (tc, test_ties);
  tcase_add_test (tc, test_qconv_layers);
  tcase_add_test (tc, test_binary);
  tcase_add_test (tc, test_mul_table);
  tcase_add_test (tc, test_quantize);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
