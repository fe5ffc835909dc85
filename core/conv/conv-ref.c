/* conv-ref.c — plain C reference convolution and transposed convolution.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "conv/conv-ref.h"

/* One output pixel of one output channel. */
static float
conv_ref_point (const mnv3_conv_params *p, const float *w, const float *in,
    const float *in_scale, int oy, int ox, int o)
{
  const int icg = p->ic / p->groups, ocg = p->oc / p->groups;
  const int ci0 = o / ocg * icg;
  float sum = 0.f;

  for (int ky = 0; ky < p->kh; ky++) {
    int iy = oy * p->sh - p->pad_t + ky * p->dh;
    if (iy < 0 || iy >= p->ih)
      continue;
    for (int kx = 0; kx < p->kw; kx++) {
      int ix = ox * p->sw - p->pad_l + kx * p->dw;
      if (ix < 0 || ix >= p->iw)
        continue;
      const float *x = in + ((size_t) iy * p->iw + ix) * p->ic + ci0;
      const float *wk = w + (((size_t) o * p->kh + ky) * p->kw + kx) * icg;
      for (int i = 0; i < icg; i++)
        sum += wk[i] * (in_scale ? x[i] * in_scale[ci0 + i] : x[i]);
    }
  }
  return sum;
}

void
mnv3_conv_ref_rows (const mnv3_conv_params *p, const float *weights,
    const float *bias, const float *in, float *out, const float *res,
    const float *in_scale, int oy0, int oy1)
{
  for (int oy = oy0; oy < oy1; oy++)
    for (int ox = 0; ox < p->ow; ox++) {
      size_t at = ((size_t) oy * p->ow + ox) * p->oc;
      for (int o = 0; o < p->oc; o++) {
        float v = bias[o] + conv_ref_point (p, weights, in, in_scale, oy, ox,
            o);
        if (res)
          v += res[at + o];
        out[at + o] = mnv3_act_ref (p->act, v);
      }
    }
}

/* Input coordinate that lands on output o through kernel tap k, or -1. */
static int
deconv_src (int o, int k, int stride, int dil, int pad, int in_size)
{
  int t = o + pad - k * dil;

  if (t < 0 || t % stride)
    return -1;
  t /= stride;
  return t < in_size ? t : -1;
}

void
mnv3_deconv_ref_rows (const mnv3_deconv_params *p, const float *weights,
    const float *bias, const float *in, float *out, int oy0, int oy1)
{
  for (int oy = oy0; oy < oy1; oy++)
    for (int ox = 0; ox < p->ow; ox++) {
      float *dst = out + ((size_t) oy * p->ow + ox) * p->oc;
      for (int o = 0; o < p->oc; o++) {
        float sum = bias[o];
        for (int ky = 0; ky < p->kh; ky++) {
          int iy = deconv_src (oy, ky, p->sh, p->dh, p->pad_t, p->ih);
          if (iy < 0)
            continue;
          for (int kx = 0; kx < p->kw; kx++) {
            int ix = deconv_src (ox, kx, p->sw, p->dw, p->pad_l, p->iw);
            if (ix < 0)
              continue;
            const float *x = in + ((size_t) iy * p->iw + ix) * p->ic;
            const float *w = weights
                + (((size_t) o * p->kh + ky) * p->kw + kx) * p->ic;
            for (int i = 0; i < p->ic; i++)
              sum += w[i] * x[i];
          }
        }
        dst[o] = mnv3_act_ref (p->act, sum);
      }
    }
}
