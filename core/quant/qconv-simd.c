/* qconv-simd.c — mnv3_qconv's SIMD paths: which convolutions the kernels
 * of qkernels.h take, their packing at create, and the threaded run.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   groups == 1, 1x1, stride 1, no padding (and FULLY_CONNECTED): one
 *       GEMM over the pixels, read in place;
 *   groups == 1 otherwise (the 3x3 stem): per output row, the taps of its
 *       pixels are gathered (im2col, taps outside the input = in_zp) into
 *       per-thread scratch, then the same GEMM;
 *   depthwise 3x3 / 5x5: the depthwise kernel.
 * Everything else, the scalar ISA, and a rounding the kernels do not know
 * stay on qconv.c's scalar kernel.  The kernels give the scalar kernel's
 * bytes exactly (tests/quant/test_qsimd.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"

/* Output rows per task of the im2col path: enough to amortise a hand-off. */
#define QCONV_IM2COL_MIN_MACS 65536

static int
qconv_is_dense_1x1 (const mnv3_conv_params *g)
{
  return g->groups == 1 && g->kh == 1 && g->kw == 1 && g->sh == 1
      && g->sw == 1 && g->pad_t == 0 && g->pad_l == 0 && g->oh == g->ih
      && g->ow == g->iw;
}

/* The description fields of the rounding qconv resolved; 0 when the
 * kernels have no such rounding. */
static int
qconv_rounding (const mnv3_qconv *c, int *ruy, int *half_up)
{
  *ruy = 0;
  *half_up = 0;
  switch (c->rounding) {
    case MNV3_QROUND_GEMMLOWP:
      return 1;
    case MNV3_QROUND_RUY:
      *ruy = 1;
      return 1;
    default:
      return 0;
  }
}

mnv3_status
mnv3_qconv_simd_create (mnv3_qconv *c, mnv3_isa isa,
    const mnv3_qconv_params *p, const void *weights, const int32_t *bias)
{
  const mnv3_conv_params *g = &p->geom;
  mnv3_qdsp dsp;
  int ruy, half_up;

  isa = mnv3_cpu_resolve (isa);
  if (isa == MNV3_ISA_SCALAR || !qconv_rounding (c, &ruy, &half_up))
    return MNV3_OK;
  mnv3_qdsp_init (&dsp, isa, mnv3_cpu_features ());
  for (int o = 0; o < g->oc; o++)
    if (c->mul[o].mult < 0 || c->mul[o].shift > 31 || c->mul[o].shift < -31)
      return MNV3_OK;   /* outside the kernels' contract: stay scalar */

  if (g->groups == 1) {
    mnv3_qgemm_desc d = { .k = c->kdim, .n = g->oc, .in_type = p->in.type,
      .in_zp = p->in.zp, .w_type = p->w_type, .w = weights,
      .num_w_zps = p->num_w_scales, .w_zps = p->w_zps, .bias = bias,
      .num_muls = g->oc, .muls = c->mul, .out_zp = p->out.zp,
      .act_min = p->act_min, .act_max = p->act_max, .ruy = ruy,
      .half_up_channels = half_up };
    c->gemm = mnv3_qgemm_pack (&dsp.gemm, &d);
    if (!c->gemm)
      return MNV3_ERR_NOMEM;
    c->packed_bytes += mnv3_qgemm_packed_bytes (c->gemm);
  } else if (c->depthwise && g->kh == g->kw && (g->kh == 3 || g->kh == 5)) {
    mnv3_qdw_desc d = { .ih = g->ih, .iw = g->iw, .c = g->ic, .k = g->kh,
      .sh = g->sh, .sw = g->sw, .dh = g->dh, .dw = g->dw,
      .pad_t = g->pad_t, .pad_l = g->pad_l, .oh = g->oh, .ow = g->ow,
      .in_type = p->in.type, .in_zp = p->in.zp, .w_type = p->w_type,
      .w = weights, .num_w_zps = p->num_w_scales, .w_zps = p->w_zps,
      .bias = bias, .num_muls = g->oc, .muls = c->mul, .out_zp = p->out.zp,
      .act_min = p->act_min, .act_max = p->act_max, .ruy = ruy,
      .half_up_channels = half_up };
    c->dw = mnv3_qdw_pack (&dsp, &d);
    if (!c->dw)
      return MNV3_ERR_NOMEM;
    c->packed_bytes += mnv3_qdw_packed_bytes (c->dw);
  }
  return MNV3_OK;
}

/* Bytes of one thread's scratch: im2col rows (general convolutions) and
 * the GEMM's packed A rows, each 64-byte aligned. */
static size_t
qconv_thread_scratch (const mnv3_qconv *c)
{
  const mnv3_conv_params *g = &c->p.geom;
  size_t rows = qconv_is_dense_1x1 (g) ? 0
      : ((size_t) g->ow * c->kdim + 63) & ~(size_t) 63;

  return rows + mnv3_qgemm_scratch_size (c->gemm);
}

size_t
mnv3_qconv_simd_scratch_size (const mnv3_qconv *c, int num_threads)
{
  if (!c->gemm)
    return 0;
  return (size_t) (num_threads < 1 ? 1 : num_threads)
      * qconv_thread_scratch (c) + 64;
}

/* Output row oy's taps: row x of the result is pixel x's kh*kw*ic bytes in
 * the weights' (ky, kx, ic) order; taps in the padding read in_zp. */
static void
qconv_im2col_row (const mnv3_qconv *c, const uint8_t *in, int oy,
    uint8_t *dst)
{
  const mnv3_conv_params *g = &c->p.geom;
  const size_t ic = (size_t) g->ic;
  const uint8_t zp = (uint8_t) c->p.in.zp;

  for (int ox = 0; ox < g->ow; ox++)
    for (int ky = 0; ky < g->kh; ky++) {
      const int iy = oy * g->sh - g->pad_t + ky * g->dh;
      for (int kx = 0; kx < g->kw; kx++, dst += ic) {
        const int ix = ox * g->sw - g->pad_l + kx * g->dw;
        if (iy < 0 || iy >= g->ih || ix < 0 || ix >= g->iw)
          memset (dst, zp, ic);
        else
          memcpy (dst, in + ((size_t) iy * g->iw + ix) * ic, ic);
      }
    }
}

typedef struct {
  const mnv3_qconv *c;
  const uint8_t *in;
  uint8_t *out;
  uint8_t *scratch;
  size_t per_thread;
  int rows_per_task;
} qconv_simd_job;

static void
qconv_im2col_task (void *ctx, size_t i, int thread_index)
{
  const qconv_simd_job *j = ctx;
  const mnv3_qconv *c = j->c;
  const mnv3_conv_params *g = &c->p.geom;
  uint8_t *rows = j->scratch + (size_t) thread_index * j->per_thread;
  uint8_t *gs = rows + (((size_t) g->ow * c->kdim + 63) & ~(size_t) 63);
  int oy0 = (int) i * j->rows_per_task;
  int oy1 = oy0 + j->rows_per_task < g->oh ? oy0 + j->rows_per_task : g->oh;

  for (int oy = oy0; oy < oy1; oy++) {
    qconv_im2col_row (c, j->in, oy, rows);
    c->gemm->kern.fn (c->gemm, (size_t) g->ow, rows, (size_t) c->kdim,
        j->out + (size_t) oy * g->ow * g->oc, (size_t) g->oc, 0,
        c->gemm->num_panels, gs);
  }
}

int
mnv3_qconv_simd_run (const mnv3_qconv *c, const void *in, void *out,
    void *scratch, mnv3_threadpool *tp)
{
  const mnv3_conv_params *g = &c->p.geom;
  uint8_t *s = (uint8_t *) (((uintptr_t) scratch + 63) & ~(uintptr_t) 63);

  if (c->dw) {
    mnv3_qdw_run (c->dw, in, out, tp);
    return 1;
  }
  if (!c->gemm)
    return 0;
  if (qconv_is_dense_1x1 (g)) {
    mnv3_qgemm_run (c->gemm, (size_t) g->ih * g->iw, in, (size_t) g->ic, out,
        (size_t) g->oc, s, tp);
  } else {
    size_t row_macs = (size_t) g->ow * g->oc * c->kdim;
    size_t tasks = mnv3_threadpool_tasks (tp, (size_t) g->oh,
        (QCONV_IM2COL_MIN_MACS + row_macs - 1) / row_macs);
    qconv_simd_job j = { c, in, out, s, qconv_thread_scratch (c), 0 };
    j.rows_per_task = (int) (((size_t) g->oh + tasks - 1) / tasks);
    tasks = ((size_t) g->oh + j.rows_per_task - 1) / j.rows_per_task;
    if (tasks <= 1)
      qconv_im2col_task (&j, 0, 0);
    else
      mnv3_threadpool_run (tp, tasks, qconv_im2col_task, &j);
  }
  return 1;
}

void
mnv3_qconv_simd_free (mnv3_qconv *c)
{
  mnv3_qgemm_free (c->gemm);
  mnv3_qdw_free (c->dw);
  c->gemm = NULL;
  c->dw = NULL;
}
