/* qconv.c — 8-bit convolution (general, grouped, depthwise, FC) with
 * TFLite's integer semantics, and its scalar kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * acc = bias[o] + sum over in-bounds taps of (in - in_zp) * (w - w_zp[o]);
 * taps that fall in the padding contribute nothing (TFLite skips them,
 * which is the same as padding with in_zp).  Then the per-channel
 * multiplier (rounded as TFLite's x86 build rounds, see mnv3_qround), the
 * output zero point and the activation clamp.
 *
 * create() keeps the weights as int16 (w - w_zp) in OHWI order: simple to
 * read for the scalar kernel, and the source the SIMD kernels repack from.
 * The kernel is a function pointer chosen once, here.  Convolutions other
 * than 1x1 go to the GEMM too: kernels with a conv entry gather each block
 * of rows from the input themselves, the others read an im2col of it. */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "graph.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"
#include "quant/qops.h"

/* Output units (taps x channels x pixels) per task. */
#define QCONV_MIN_PER_TASK 65536

static void
qconv_kernel_scalar (const mnv3_qconv *c, const void *in, void *out,
    int oy0, int oy1)
{
  const mnv3_qconv_params *p = &c->p;
  const int is_i8 = p->in.type == MNV3_DTYPE_I8;
  const int32_t in_zp = p->in.zp;
  const int ic = p->geom.ic, oc = p->geom.oc;

  for (int oy = oy0; oy < oy1; oy++) {
    for (int ox = 0; ox < p->geom.ow; ox++) {
      const int iy0 = oy * p->geom.sh - p->geom.pad_t;
      const int ix0 = ox * p->geom.sw - p->geom.pad_l;
      size_t obase = ((size_t) oy * p->geom.ow + ox) * oc;

      for (int o = 0; o < oc; o++) {
        const int g = o / c->ocg;
        const int16_t *w = c->w + (size_t) o * c->kdim;
        int32_t acc = c->bias[o];

        for (int ky = 0; ky < p->geom.kh; ky++) {
          const int iy = iy0 + ky * p->geom.dh;
          if (iy < 0 || iy >= p->geom.ih)
            continue;
          for (int kx = 0; kx < p->geom.kw; kx++) {
            const int ix = ix0 + kx * p->geom.dw;
            const int16_t *wk = w + ((size_t) ky * p->geom.kw + kx) * c->icg;
            size_t ibase;
            if (ix < 0 || ix >= p->geom.iw)
              continue;
            ibase = ((size_t) iy * p->geom.iw + ix) * ic + (size_t) g * c->icg;
            for (int k = 0; k < c->icg; k++)
              acc += (mnv3_q_load (in, ibase + k, is_i8) - in_zp) * wk[k];
          }
        }
        mnv3_q_store (out, obase + o, mnv3_qconv_requant (c, acc, o));
      }
    }
  }
}

/* The multiplier of output channel o, derived as TFLite derives it. */
static double
qconv_real_multiplier (const mnv3_qconv_params *p, int o)
{
  if (p->num_w_scales == 1 && p->legacy_multiplier) {
    /* GetQuantizedConvolutionMultipler: the product in float. */
    float prod = p->in.scale * p->w_scales[0];
    return (double) prod / (double) p->out.scale;
  }
  /* PopulateConvolutionQuantizationParams: all in double. */
  return (double) p->in.scale
      * (double) p->w_scales[p->num_w_scales == 1 ? 0 : o]
      / (double) p->out.scale;
}

static int
qconv_params_valid (const mnv3_qconv_params *p)
{
  const mnv3_conv_params *g = &p->geom;
  int is_dw;

  if (g->ih <= 0 || g->iw <= 0 || g->ic <= 0 || g->oh <= 0 || g->ow <= 0
      || g->oc <= 0 || g->kh <= 0 || g->kw <= 0 || g->sh <= 0 || g->sw <= 0
      || g->dh <= 0 || g->dw <= 0 || g->pad_t < 0 || g->pad_l < 0
      || g->groups <= 0 || g->ic % g->groups || g->oc % g->groups)
    return 0;
  is_dw = g->groups == g->ic && g->groups == g->oc;
  if (g->groups != 1 && !is_dw && g->groups > g->ic)
    return 0;
  if ((p->in.type != MNV3_DTYPE_U8 && p->in.type != MNV3_DTYPE_I8)
      || p->out.type != p->in.type
      || (p->w_type != MNV3_DTYPE_U8 && p->w_type != MNV3_DTYPE_I8))
    return 0;
  if (!(p->in.scale > 0.f) || !(p->out.scale > 0.f) || !p->w_scales
      || (p->num_w_scales != 1 && p->num_w_scales != g->oc))
    return 0;
  for (int i = 0; i < p->num_w_scales; i++)
    if (!(p->w_scales[i] >= 0.f))
      return 0;
  if (p->act_min > p->act_max)
    return 0;
  /* Bound the int32 accumulator: |(in - zp) * (w - wzp)| <= 255 * 255. */
  if ((double) g->kh * g->kw * (g->ic / g->groups) * 65025.0 > 2147483647.0)
    return 0;
  return 1;
}

/* The packed kernels of qkernels.h where they apply: the GEMM for group-1
 * convolutions and FC (through an im2col of the input unless 1x1, stride
 * 1, no padding) and the depthwise kernels for square windows.  Rounding
 * as TFLite's x86 build: its GEMMs (ruy) round the last shift's ties
 * upward, uint8 depthwise as gemmlowp (away from zero), int8 depthwise
 * upward on whole groups of 8 channels (its NEON path); MNV3_QROUND_FLOAT
 * (ONNX Runtime) hands the kernels its float scales (c->fscale) for their
 * float output stage, the same bytes as mnv3_qconv_requant_float.  0, or
 * -1 with the
 * error set; nothing packed leaves the plain kernel in charge. */
static int
qconv_pack_fast (mnv3_qconv *c, mnv3_isa isa, const mnv3_qconv_params *p,
    const void *weights, const int32_t *bias)
{
  const mnv3_conv_params *g = &p->geom;
  mnv3_qdsp dsp;
  const mnv3_qgemm_kernel *kern = &dsp.gemm;
  int up;

  mnv3_qdsp_init (&dsp, mnv3_cpu_resolve (isa), mnv3_cpu_features ());
  if (g->groups == 1) {
    mnv3_qgemm_desc d = {
      .k = g->kh * g->kw * g->ic, .n = g->oc, .in_type = p->in.type,
      .in_zp = p->in.zp, .w_type = p->w_type, .w = weights,
      .num_w_zps = p->num_w_scales, .w_zps = p->w_zps, .bias = bias,
      .num_muls = g->oc, .muls = c->mul, .out_zp = p->out.zp,
      .act_min = p->act_min, .act_max = p->act_max, .fscales = c->fscale,
    };
    /* one row: each weight is used once a frame, streamed as bytes */
    d.w_bytes = g->oh * g->ow == 1;
    up = c->rounding == MNV3_QROUND_RUY ? g->oc
        : c->rounding == MNV3_QROUND_NEON8 ? (g->oc & ~7) : 0;
    d.up_channels = up;
    c->im2col = !(g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1
        && !g->pad_t && !g->pad_l && !g->pad_b && !g->pad_r);
    /* kernels that gather their rows from the input need no im2col */
    if (c->im2col && dsp.gemm_conv.conv) {
      kern = &dsp.gemm_conv;
      d.conv = g;
      c->im2col = 0;
    }
    c->gemm = mnv3_qgemm_pack (kern, &d);
    if (!c->gemm)
      return -1;
    c->packed_bytes += mnv3_qgemm_packed_bytes (c->gemm);
    return 0;
  }
  if (c->depthwise && g->kh == g->kw) {
    mnv3_qdw_desc d = {
      .ih = g->ih, .iw = g->iw, .c = g->ic, .k = g->kh, .sh = g->sh,
      .sw = g->sw, .dh = g->dh, .dw = g->dw, .pad_t = g->pad_t,
      .pad_l = g->pad_l, .oh = g->oh, .ow = g->ow, .in_type = p->in.type,
      .in_zp = p->in.zp, .w_type = p->w_type, .w = weights,
      .num_w_zps = p->num_w_scales, .w_zps = p->w_zps, .bias = bias,
      .num_muls = g->oc, .muls = c->mul, .out_zp = p->out.zp,
      .act_min = p->act_min, .act_max = p->act_max, .fscales = c->fscale,
    };
    d.up_channels = c->rounding == MNV3_QROUND_NEON8 ? (g->oc & ~7)
        : c->rounding == MNV3_QROUND_RUY ? g->oc : 0;
    c->dw = mnv3_qdw_pack (&dsp, &d);
    if (!c->dw)
      return -1;
    c->packed_bytes += mnv3_qdw_packed_bytes (c->dw);
  }
  return 0;
}

mnv3_qconv *
mnv3_qconv_create (mnv3_isa isa, const mnv3_qconv_params *p,
    const void *weights, const int32_t *bias)
{
  mnv3_qconv *c;
  size_t nw;
  int oc;

  if (!p || !weights || !qconv_params_valid (p)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "qconv: invalid parameters");
    return NULL;
  }
  c = calloc (1, sizeof *c);
  if (!c)
    goto nomem;
  c->p = *p;
  c->p.w_scales = NULL;
  c->p.w_zps = NULL;
  oc = p->geom.oc;
  c->depthwise = p->geom.groups == p->geom.ic && p->geom.groups == oc
      && p->geom.groups > 1;
  c->icg = p->geom.ic / p->geom.groups;
  c->ocg = oc / p->geom.groups;
  c->kdim = p->geom.kh * p->geom.kw * c->icg;
  nw = (size_t) oc * c->kdim;
  c->w = malloc (nw * sizeof *c->w);
  c->bias = malloc ((size_t) oc * sizeof *c->bias);
  c->mul = malloc ((size_t) oc * sizeof *c->mul);
  if (!c->w || !c->bias || !c->mul)
    goto nomem;

  for (int o = 0; o < oc; o++) {
    int32_t wzp = p->w_zps ? p->w_zps[p->num_w_scales == 1 ? 0 : o] : 0;
    for (int k = 0; k < c->kdim; k++) {
      size_t i = (size_t) o * c->kdim + k;
      int32_t wv = mnv3_q_load (weights, i, p->w_type == MNV3_DTYPE_I8);
      c->w[i] = (int16_t) (wv - wzp);
    }
    c->bias[o] = bias ? bias[o] : 0;
    c->mul[o] = mnv3_qmul_from_double (qconv_real_multiplier (p, o));
  }

  c->rounding = p->rounding;
  if (c->rounding == MNV3_QROUND_FLOAT) {
    c->fscale = malloc ((size_t) oc * sizeof *c->fscale);
    if (!c->fscale)
      goto nomem;
    for (int o = 0; o < oc; o++)     /* ONNX Runtime's order: (x*w)/y */
      c->fscale[o] = p->in.scale * p->w_scales[p->num_w_scales == 1 ? 0 : o]
          / p->out.scale;
  }
  if (c->rounding == MNV3_QROUND_AUTO)
    c->rounding = p->geom.groups == 1 ? MNV3_QROUND_RUY
        : c->depthwise && p->in.type == MNV3_DTYPE_I8 ? MNV3_QROUND_NEON8
        : MNV3_QROUND_GEMMLOWP;
  c->kernel = qconv_kernel_scalar;
  c->packed_bytes = nw * sizeof *c->w + (size_t) oc * (sizeof *c->bias
      + sizeof *c->mul);
  if (!p->reference && qconv_pack_fast (c, isa, p, weights, bias) < 0) {
    mnv3_qconv_free (c);
    return NULL;
  }
  return c;

nomem:
  mnv3_qconv_free (c);
  mnv3_set_error (MNV3_ERR_NOMEM, "qconv: out of memory packing weights");
  return NULL;
}

static size_t
align64 (size_t v)
{
  return (v + 63) & ~(size_t) 63;
}

static size_t
qconv_im2col_bytes (const mnv3_qconv *c)
{
  const mnv3_conv_params *g = &c->p.geom;
  return c->im2col ? align64 ((size_t) g->oh * g->ow * g->kh * g->kw
      * g->ic) : 0;
}

size_t
mnv3_qconv_scratch_size (const mnv3_qconv *c, int num_threads)
{
  if (!c || !c->gemm)
    return 0;
  return qconv_im2col_bytes (c) + (size_t) (num_threads > 0 ? num_threads
      : 1) * align64 (mnv3_qgemm_scratch_size (c->gemm));
}

/* Rows of k = kh*kw*ic bytes, one per output pixel, in the weights' OHWI
 * order; taps in the padding hold in_zp (they then add nothing).  Without
 * dilation the kw taps of one kernel row are one contiguous run of the
 * input row, copied at once when wholly inside. */
static void
qconv_im2col (const mnv3_qconv *c, const uint8_t *in, uint8_t *col)
{
  const mnv3_conv_params *g = &c->p.geom;
  const size_t ic = (size_t) g->ic, run = (size_t) g->kw * ic;
  const uint8_t zp = (uint8_t) c->p.in.zp;

  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++) {
      const int ix0 = ox * g->sw - g->pad_l;
      const int inside_x = g->dw == 1 && ix0 >= 0 && ix0 + g->kw <= g->iw;
      for (int ky = 0; ky < g->kh; ky++) {
        int iy = oy * g->sh - g->pad_t + ky * g->dh;
        if (iy < 0 || iy >= g->ih) {
          memset (col, zp, run);
          col += run;
          continue;
        }
        if (inside_x) {
          memcpy (col, in + ((size_t) iy * g->iw + ix0) * ic, run);
          col += run;
          continue;
        }
        for (int kx = 0; kx < g->kw; kx++) {
          int ix = ix0 + kx * g->dw;
          if (ix < 0 || ix >= g->iw)
            memset (col, zp, ic);
          else
            memcpy (col, in + ((size_t) iy * g->iw + ix) * ic, ic);
          col += ic;
        }
      }
    }
}

typedef struct {
  const mnv3_qconv *c;
  const void *in;
  void *out;
  int rows_per_task;
} qconv_job;

static void
qconv_task (void *ctx, size_t i, int thread_index)
{
  const qconv_job *j = ctx;
  int oy0 = (int) i * j->rows_per_task;
  int oy1 = oy0 + j->rows_per_task;

  (void) thread_index;
  if (oy1 > j->c->p.geom.oh)
    oy1 = j->c->p.geom.oh;
  j->c->kernel (j->c, j->in, j->out, oy0, oy1);
}

void
mnv3_qconv_run (const mnv3_qconv *c, const void *in, void *out,
    void *scratch, mnv3_threadpool *tp)
{
  const int oh = c->p.geom.oh;
  size_t row_work = (size_t) c->p.geom.ow * c->p.geom.oc * c->kdim;
  size_t tasks = mnv3_threadpool_tasks (tp, (size_t) oh * row_work,
      QCONV_MIN_PER_TASK);
  qconv_job j = { c, in, out, 0 };

  /* a caller without scratch (mnv3_qconv_scratch_size) gets the plain
   * loops: the same bytes */
  if (c->gemm && scratch) {
    const mnv3_conv_params *g = &c->p.geom;
    size_t m = (size_t) g->oh * g->ow, k = (size_t) g->kh * g->kw * g->ic;
    const uint8_t *a = in;
    if (c->gemm->has_conv) {
      mnv3_qgemm_run_conv (c->gemm, in, out, scratch, tp);
      return;
    }
    if (c->im2col) {
      qconv_im2col (c, in, scratch);
      a = scratch;
    }
    mnv3_qgemm_run (c->gemm, m, a, k, out, (size_t) g->oc,
        (uint8_t *) scratch + qconv_im2col_bytes (c), tp);
    return;
  }
  if (c->dw) {
    mnv3_qdw_run (c->dw, in, out, tp);
    return;
  }
  if (tasks > (size_t) oh)
    tasks = (size_t) oh;
  j.rows_per_task = (int) (((size_t) oh + tasks - 1) / tasks);
  tasks = ((size_t) oh + j.rows_per_task - 1) / j.rows_per_task;
  if (tasks <= 1)
    c->kernel (c, in, out, 0, oh);
  else
    mnv3_threadpool_run (tp, tasks, qconv_task, &j);
}

size_t
mnv3_qconv_packed_bytes (const mnv3_qconv *c)
{
  return c ? c->packed_bytes : 0;
}

void
mnv3_qconv_free (mnv3_qconv *c)
{
  if (!c)
    return;
  mnv3_qgemm_free (c->gemm);
  mnv3_qdw_free (c->dw);
  free (c->w);
  free (c->bias);
  free (c->mul);
  free (c->fscale);
  free (c);
}
