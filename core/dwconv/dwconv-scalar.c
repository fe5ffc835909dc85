/* dwconv-scalar.c — reference depthwise convolution kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Any kernel size, stride, dilation and (asymmetric) padding; the
 * reference the SIMD kernels are tested against, and the path for shapes
 * they do not cover.  Loops are ordered so the channel loop is innermost
 * and contiguous (the compiler may vectorise it). */
#include "dwconv/dwconv.h"

void
mnv3_dwconv_rows_scalar (const struct mnv3_dwconv *d, const float *in,
    float *out, int oy0, int oy1, int c0, int c1)
{
  const mnv3_dwconv_params *p = &d->p;
  const int c = p->ic;

  for (int oy = oy0; oy < oy1; oy++) {
    for (int ox = 0; ox < p->ow; ox++) {
      float *o = out + ((size_t) oy * p->ow + ox) * c;
      for (int k = c0; k < c1; k++)
        o[k] = d->bias[k];
      for (int ky = 0; ky < p->kh; ky++) {
        int iy = oy * p->sh - p->pad_t + ky * p->dh;
        if (iy < 0 || iy >= p->ih)
          continue;
        for (int kx = 0; kx < p->kw; kx++) {
          int ix = ox * p->sw - p->pad_l + kx * p->dw;
          if (ix < 0 || ix >= p->iw)
            continue;
          const float *i = in + ((size_t) iy * p->iw + ix) * c;
          const float *w = d->w + (size_t) (ky * p->kw + kx) * d->cp;
          for (int k = c0; k < c1; k++)
            o[k] += i[k] * w[k];
        }
      }
      for (int k = c0; k < c1; k++)
        o[k] = mnv3_act_ref (p->act, o[k]);
    }
  }
}
