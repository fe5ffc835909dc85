/* preprocess-scalar.c — reference row kernels (plain C).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SIMD kernels compute the same expressions in the same order; only
 * FMA contraction differs. */
#include "preprocess-internal.h"

/* Bilinear value of one tap pair on two rows. */
static inline float
mnv3_pp_bilerp (const uint8_t *r0, const uint8_t *r1, int32_t o0, int32_t o1,
    float wx, float wy)
{
  float a = r0[o0], b = r0[o1], c = r1[o0], d = r1[o1];
  float h0 = a + wx * (b - a);
  float h1 = c + wx * (d - c);

  return h0 + wy * (h1 - h0);
}

static inline float
mnv3_pp_clamp255 (float v)
{
  return v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
}

void
mnv3_pp_packed_scalar (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const mnv3_pp_taps *t = &pp->x;

  for (int k = 0; k < pp->n; k++) {
    float v = mnv3_pp_bilerp (r->y0, r->y1, t->off0[k], t->off1[k], t->w[k],
        r->wy);
    out[k] = v * pp->scale[k] + pp->bias[k];
  }
}

void
mnv3_pp_yuv_scalar (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const mnv3_pp_taps *t = &pp->x, *c = &pp->cx;
  const mnv3_pp_yuv *m = &pp->m;

  for (int j = 0; j < pp->n; j++) {
    float y = mnv3_pp_bilerp (r->y0, r->y1, t->off0[j], t->off1[j], t->w[j],
        r->wy);
    float u = mnv3_pp_bilerp (r->u0, r->u1, c->off0[j], c->off1[j], c->w[j],
        r->cwy);
    float v = mnv3_pp_bilerp (r->v0, r->v1, c->off0[j], c->off1[j], c->w[j],
        r->cwy);
    float yy = m->cy * y;
    float rgb[3] = {
      yy + m->crv * v + m->off[0],
      yy + m->cgu * u + m->cgv * v + m->off[1],
      yy + m->cbu * u + m->off[2],
    };

    for (int ch = 0; ch < 3; ch++)
      out[3 * j + ch] = mnv3_pp_clamp255 (rgb[ch]) * pp->ch_scale[ch]
          + pp->ch_bias[ch];
  }
}
