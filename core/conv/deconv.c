/* deconv.c — transposed convolution (ONNX ConvTranspose, MediaPipe's
 * Convolution2DTransposeBias).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every ISA splits the work in two (conv-ref.c keeps the direct reference
 * for the tests):
 *   1. cols = in x W, a 1x1 convolution (GEMM, M = ih*iw, K = ic,
 *      N = kh*kw*oc) that reuses the conv kernels; column t*oc + o holds
 *      input pixel's contribution through kernel tap t to channel o;
 *   2. a gather (col2im) that sums, for each output pixel, the taps that
 *      land on it, then adds the bias and applies the activation.  Gathering
 *      rather than scattering lets threads own whole output rows.
 * When the taps do not overlap (kernel == stride, no padding: MediaPipe's
 * 2x2 stride-2 upsampler) every output is exactly one GEMM element, so the
 * bias and activation run in the GEMM's epilogue and step 2 only moves
 * rows into place (a depth-to-space shuffle).
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "ops.h"

struct mnv3_deconv {
  mnv3_deconv_params p;
  float *bias;                /* [oc], zeros when none */
  mnv3_conv *gemm;            /* ic -> kh*kw*oc 1x1 convolution */
  int disjoint;               /* taps never overlap: step 2 is a shuffle */
};

static int
deconv_params_valid (const mnv3_deconv_params *p)
{
  return p->ih >= 1 && p->iw >= 1 && p->ic >= 1 && p->oh >= 1 && p->ow >= 1
      && p->oc >= 1 && p->kh >= 1 && p->kw >= 1 && p->sh >= 1 && p->sw >= 1
      && p->dh >= 1 && p->dw >= 1 && p->pad_t >= 0 && p->pad_l >= 0
      && p->pad_b >= 0 && p->pad_r >= 0;
}

static mnv3_deconv *
deconv_fail (mnv3_deconv *d)
{
  mnv3_set_error (MNV3_ERR_NOMEM, "deconv: out of memory");
  mnv3_deconv_free (d);
  return NULL;
}

static int
taps_disjoint (const mnv3_deconv_params *p)
{
  return p->kh == p->sh && p->kw == p->sw && p->dh == 1 && p->dw == 1
      && p->pad_t == 0 && p->pad_l == 0 && p->pad_b == 0 && p->pad_r == 0
      && p->oh == p->ih * p->sh && p->ow == p->iw * p->sw;
}

/* The GEMM of step 1: weights regrouped as [tap][oc][ic] rows; with
 * disjoint taps it also carries the bias (per tap) and the activation. */
static mnv3_conv *
create_gemm (mnv3_isa isa, const mnv3_deconv_params *p, const float *w,
    const float *bias, int disjoint)
{
  const size_t taps = (size_t) p->kh * p->kw, ic = (size_t) p->ic;
  mnv3_conv_params cp;
  mnv3_conv *c;
  float *wt = malloc (taps * p->oc * ic * sizeof (float));
  float *bt = malloc (taps * p->oc * sizeof (float));

  if (!wt || !bt) {
    free (wt);
    free (bt);
    return NULL;
  }
  for (size_t t = 0; t < taps; t++)
    for (size_t o = 0; o < (size_t) p->oc; o++) {
      memcpy (wt + (t * p->oc + o) * ic, w + (o * taps + t) * ic,
          ic * sizeof (float));
      bt[t * p->oc + o] = bias[o];
    }
  memset (&cp, 0, sizeof (cp));
  cp.ih = cp.oh = p->ih;
  cp.iw = cp.ow = p->iw;
  cp.ic = p->ic;
  cp.oc = (int) taps * p->oc;
  cp.kh = cp.kw = cp.sh = cp.sw = cp.dh = cp.dw = cp.groups = 1;
  if (disjoint)
    cp.act = p->act;
  else
    cp.act.type = MNV3_ACT_NONE;
  c = mnv3_conv_create (isa, &cp, wt, disjoint ? bt : NULL);
  free (wt);
  free (bt);
  return c;
}

mnv3_deconv *
mnv3_deconv_create (mnv3_isa isa, const mnv3_deconv_params *p,
    const float *weights, const float *bias)
{
  mnv3_deconv *d;

  if (!p || !weights || !deconv_params_valid (p)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "deconv: invalid parameters");
    return NULL;
  }
  d = calloc (1, sizeof (*d));
  if (!d)
    return deconv_fail (d);
  d->p = *p;
  d->bias = calloc ((size_t) p->oc, sizeof (float));
  if (!d->bias)
    return deconv_fail (d);
  if (bias)
    memcpy (d->bias, bias, (size_t) p->oc * sizeof (float));
  d->disjoint = taps_disjoint (p);
  d->gemm = create_gemm (isa, p, weights, d->bias, d->disjoint);
  if (!d->gemm)
    return deconv_fail (d);
  return d;
}

void
mnv3_deconv_free (mnv3_deconv *d)
{
  if (!d)
    return;
  mnv3_conv_free (d->gemm);
  free (d->bias);
  free (d);
}

static size_t
cols_bytes (const mnv3_deconv *d)
{
  size_t n = (size_t) d->p.ih * d->p.iw * d->p.kh * d->p.kw * d->p.oc;

  return (n * sizeof (float) + 63) / 64 * 64;
}

size_t
mnv3_deconv_scratch_size (const mnv3_deconv *d, int num_threads)
{
  return cols_bytes (d) + mnv3_conv_scratch_size (d->gemm, num_threads);
}

typedef struct {
  const mnv3_deconv *d;
  const float *in, *cols;
  float *out;
} deconv_job;

/* Input coordinate that lands on output o through kernel tap k, or -1. */
static int
src_coord (int o, int k, int stride, int dil, int pad, int in_size)
{
  int t = o + pad - k * dil;

  if (t < 0 || t % stride)
    return -1;
  t /= stride;
  return t < in_size ? t : -1;
}

/* Output row oy: sum the taps that land on each pixel (step 2). */
static void
col2im_task (void *ctx, size_t oy_, int thread_index)
{
  const deconv_job *j = ctx;
  const mnv3_deconv_params *p = &j->d->p;
  const int oy = (int) oy_, oc = p->oc, taps = p->kh * p->kw;

  (void) thread_index;
  for (int ox = 0; ox < p->ow; ox++) {
    float *dst = j->out + ((size_t) oy * p->ow + ox) * oc;
    memcpy (dst, j->d->bias, (size_t) oc * sizeof (float));
    for (int ky = 0; ky < p->kh; ky++) {
      int iy = src_coord (oy, ky, p->sh, p->dh, p->pad_t, p->ih);
      if (iy < 0)
        continue;
      for (int kx = 0; kx < p->kw; kx++) {
        int ix = src_coord (ox, kx, p->sw, p->dw, p->pad_l, p->iw);
        if (ix < 0)
          continue;
        const float *col = j->cols
            + (((size_t) iy * p->iw + ix) * taps + ky * p->kw + kx) * oc;
        for (int o = 0; o < oc; o++)
          dst[o] += col[o];
      }
    }
    if (p->act.type != MNV3_ACT_NONE)
      for (int o = 0; o < oc; o++)
        dst[o] = mnv3_act_ref (p->act, dst[o]);
  }
}

/* Short rows (the 1-channel mask: 2 floats) would spend more in a memcpy
 * call than in the copy. */
static inline void
copy_short (float *d, const float *src, size_t n)
{
  switch (n) {
    case 4:
      d[3] = src[3];
      /* fall through */
    case 3:
      d[2] = src[2];
      /* fall through */
    case 2:
      d[1] = src[1];
      /* fall through */
    case 1:
      d[0] = src[0];
      break;
    default:
      memcpy (d, src, n * sizeof (float));
  }
}

/* Output row oy with disjoint taps: tap row ky = oy % sh of input row
 * oy / sh, kw*oc floats per input pixel, already biased and activated. */
static void
shuffle_task (void *ctx, size_t oy_, int thread_index)
{
  const deconv_job *j = ctx;
  const mnv3_deconv_params *p = &j->d->p;
  const int oy = (int) oy_, iy = oy / p->sh, ky = oy % p->sh;
  const size_t run = (size_t) p->kw * p->oc;
  const size_t pixel = (size_t) p->kh * run;
  const float *src = j->cols + (size_t) iy * p->iw * pixel + ky * run;
  float *dst = j->out + (size_t) oy * p->ow * p->oc;

  (void) thread_index;
  for (int ix = 0; ix < p->iw; ix++, src += pixel, dst += run)
    copy_short (dst, src, run);
}

void
mnv3_deconv_run (const mnv3_deconv *d, const float *in, float *out,
    void *scratch, mnv3_threadpool *tp)
{
  deconv_job j = { d, in, scratch, out };

  mnv3_conv_run (d->gemm, in, scratch, NULL, NULL,
      (char *) scratch + cols_bytes (d), tp);
  mnv3_threadpool_run (tp, (size_t) d->p.oh,
      d->disjoint ? shuffle_task : col2im_task, &j);
}
