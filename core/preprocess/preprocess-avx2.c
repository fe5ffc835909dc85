/* preprocess-avx2.c — AVX2 + FMA row kernels (8 lanes).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each lane gathers the 32-bit word holding its byte (offsets and shifts
 * from the tables keep every read inside the row) and interpolates in
 * float.  Packed formats: one lane per output float, the channel folded
 * into the offsets, so RGB/BGR/RGBx/xRGB... share one kernel.  YUV: one
 * lane per output pixel, then a 3-way interleave to RGBRGB... */
#include <immintrin.h>

#include "preprocess-internal.h"

/* byte at table offset k of a row: gather, shift, mask */
static inline __m256
mnv3_pp_byte8 (const uint8_t *row, __m256i g, __m256i sh)
{
  __m256i v = _mm256_i32gather_epi32 ((const int *) row, g, 1);

  v = _mm256_and_si256 (_mm256_srlv_epi32 (v, sh), _mm256_set1_epi32 (0xff));
  return _mm256_cvtepi32_ps (v);
}

/* bilinear value of 8 tap pairs on two rows */
static inline __m256
mnv3_pp_bilerp8 (const uint8_t *r0, const uint8_t *r1, const mnv3_pp_taps *t,
    int k, __m256 wy)
{
  __m256i g0 = _mm256_loadu_si256 ((const __m256i *) (t->g0 + k));
  __m256i g1 = _mm256_loadu_si256 ((const __m256i *) (t->g1 + k));
  __m256i s0 = _mm256_loadu_si256 ((const __m256i *) (t->sh0 + k));
  __m256i s1 = _mm256_loadu_si256 ((const __m256i *) (t->sh1 + k));
  __m256 w = _mm256_loadu_ps (t->w + k);
  __m256 a = mnv3_pp_byte8 (r0, g0, s0), b = mnv3_pp_byte8 (r0, g1, s1);
  __m256 c = mnv3_pp_byte8 (r1, g0, s0), d = mnv3_pp_byte8 (r1, g1, s1);
  __m256 h0 = _mm256_fmadd_ps (w, _mm256_sub_ps (b, a), a);
  __m256 h1 = _mm256_fmadd_ps (w, _mm256_sub_ps (d, c), c);

  return _mm256_fmadd_ps (wy, _mm256_sub_ps (h1, h0), h0);
}

static inline __m256i
mnv3_pp_tail_mask8 (int n)
{
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n),
      _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
}

void
mnv3_pp_packed_avx2 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m256 wy = _mm256_set1_ps (r->wy);
  int n = pp->n, k;

  for (k = 0; k + 8 <= n; k += 8) {
    __m256 v = mnv3_pp_bilerp8 (r->y0, r->y1, &pp->x, k, wy);
    v = _mm256_fmadd_ps (v, _mm256_loadu_ps (pp->scale + k),
        _mm256_loadu_ps (pp->bias + k));
    _mm256_storeu_ps (out + k, v);
  }
  if (k < n) {
    __m256 v = mnv3_pp_bilerp8 (r->y0, r->y1, &pp->x, k, wy);
    v = _mm256_fmadd_ps (v, _mm256_loadu_ps (pp->scale + k),
        _mm256_loadu_ps (pp->bias + k));
    _mm256_maskstore_ps (out + k, mnv3_pp_tail_mask8 (n - k), v);
  }
}

/* NV12 chroma: one gather gives U (at the shift) and V (8 bits above) */
static inline void
mnv3_pp_uv8 (const uint8_t *row, __m256i g, __m256i sh, __m256 *u, __m256 *v)
{
  __m256i x = _mm256_srlv_epi32 (
      _mm256_i32gather_epi32 ((const int *) row, g, 1), sh);
  __m256i ff = _mm256_set1_epi32 (0xff);

  *u = _mm256_cvtepi32_ps (_mm256_and_si256 (x, ff));
  *v = _mm256_cvtepi32_ps (_mm256_and_si256 (_mm256_srli_epi32 (x, 8), ff));
}

static inline void
mnv3_pp_nv12_bilerp8 (const mnv3_pp_rows *r, const mnv3_pp_taps *t, int j,
    __m256 *u, __m256 *v)
{
  __m256i g0 = _mm256_loadu_si256 ((const __m256i *) (t->g0 + j));
  __m256i g1 = _mm256_loadu_si256 ((const __m256i *) (t->g1 + j));
  __m256i s0 = _mm256_loadu_si256 ((const __m256i *) (t->sh0 + j));
  __m256i s1 = _mm256_loadu_si256 ((const __m256i *) (t->sh1 + j));
  __m256 w = _mm256_loadu_ps (t->w + j), wy = _mm256_set1_ps (r->cwy);
  __m256 ua, va, ub, vb, uc, vc, ud, vd;

  mnv3_pp_uv8 (r->u0, g0, s0, &ua, &va);
  mnv3_pp_uv8 (r->u0, g1, s1, &ub, &vb);
  mnv3_pp_uv8 (r->u1, g0, s0, &uc, &vc);
  mnv3_pp_uv8 (r->u1, g1, s1, &ud, &vd);
  {
    __m256 h0 = _mm256_fmadd_ps (w, _mm256_sub_ps (ub, ua), ua);
    __m256 h1 = _mm256_fmadd_ps (w, _mm256_sub_ps (ud, uc), uc);
    *u = _mm256_fmadd_ps (wy, _mm256_sub_ps (h1, h0), h0);
    h0 = _mm256_fmadd_ps (w, _mm256_sub_ps (vb, va), va);
    h1 = _mm256_fmadd_ps (w, _mm256_sub_ps (vd, vc), vc);
    *v = _mm256_fmadd_ps (wy, _mm256_sub_ps (h1, h0), h0);
  }
}

/* Y, U, V of 8 pixels -> 24 interleaved normalised floats at out (n of
 * them when n < 24). */
static inline void
mnv3_pp_yuv_store8 (const mnv3_preprocess *pp, __m256 y, __m256 u, __m256 v,
    float *out, int n)
{
  const mnv3_pp_yuv *m = &pp->m;
  __m256 zero = _mm256_setzero_ps (), top = _mm256_set1_ps (255.0f);
  __m256 yy = _mm256_fmadd_ps (_mm256_set1_ps (m->cy), y,
      _mm256_set1_ps (m->off[0]));
  __m256 yg = _mm256_fmadd_ps (_mm256_set1_ps (m->cy), y,
      _mm256_set1_ps (m->off[1]));
  __m256 yb = _mm256_fmadd_ps (_mm256_set1_ps (m->cy), y,
      _mm256_set1_ps (m->off[2]));
  __m256 cr = _mm256_fmadd_ps (_mm256_set1_ps (m->crv), v, yy);
  __m256 cg = _mm256_fmadd_ps (_mm256_set1_ps (m->cgv), v,
      _mm256_fmadd_ps (_mm256_set1_ps (m->cgu), u, yg));
  __m256 cb = _mm256_fmadd_ps (_mm256_set1_ps (m->cbu), u, yb);
  __m256 o[3];
  /* output vector i, lane l holds pixel (8i + l) / 3, channel
   * (8i + l) % 3: one permute index per vector serves all channels */
  const __m256i idx[3] = {
    _mm256_setr_epi32 (0, 0, 0, 1, 1, 1, 2, 2),
    _mm256_setr_epi32 (2, 3, 3, 3, 4, 4, 4, 5),
    _mm256_setr_epi32 (5, 5, 6, 6, 6, 7, 7, 7),
  };

  cr = _mm256_min_ps (_mm256_max_ps (cr, zero), top);
  cg = _mm256_min_ps (_mm256_max_ps (cg, zero), top);
  cb = _mm256_min_ps (_mm256_max_ps (cb, zero), top);
  cr = _mm256_fmadd_ps (cr, _mm256_set1_ps (pp->ch_scale[0]),
      _mm256_set1_ps (pp->ch_bias[0]));
  cg = _mm256_fmadd_ps (cg, _mm256_set1_ps (pp->ch_scale[1]),
      _mm256_set1_ps (pp->ch_bias[1]));
  cb = _mm256_fmadd_ps (cb, _mm256_set1_ps (pp->ch_scale[2]),
      _mm256_set1_ps (pp->ch_bias[2]));

  /* blend masks: bit l set where lane l takes green (then blue) */
  o[0] = _mm256_blend_ps (_mm256_permutevar8x32_ps (cr, idx[0]),
      _mm256_permutevar8x32_ps (cg, idx[0]), 0x92);
  o[0] = _mm256_blend_ps (o[0], _mm256_permutevar8x32_ps (cb, idx[0]), 0x24);
  o[1] = _mm256_blend_ps (_mm256_permutevar8x32_ps (cr, idx[1]),
      _mm256_permutevar8x32_ps (cg, idx[1]), 0x24);
  o[1] = _mm256_blend_ps (o[1], _mm256_permutevar8x32_ps (cb, idx[1]), 0x49);
  o[2] = _mm256_blend_ps (_mm256_permutevar8x32_ps (cr, idx[2]),
      _mm256_permutevar8x32_ps (cg, idx[2]), 0x49);
  o[2] = _mm256_blend_ps (o[2], _mm256_permutevar8x32_ps (cb, idx[2]), 0x92);

  if (n >= 24) {
    _mm256_storeu_ps (out, o[0]);
    _mm256_storeu_ps (out + 8, o[1]);
    _mm256_storeu_ps (out + 16, o[2]);
  } else {
    for (int i = 0; i < 3 && n > 0; i++, n -= 8)
      _mm256_maskstore_ps (out + 8 * i, mnv3_pp_tail_mask8 (n), o[i]);
  }
}

void
mnv3_pp_i420_avx2 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m256 wy = _mm256_set1_ps (r->wy), cwy = _mm256_set1_ps (r->cwy);

  for (int j = 0; j < pp->n; j += 8) {
    __m256 y = mnv3_pp_bilerp8 (r->y0, r->y1, &pp->x, j, wy);
    __m256 u = mnv3_pp_bilerp8 (r->u0, r->u1, &pp->cx, j, cwy);
    __m256 v = mnv3_pp_bilerp8 (r->v0, r->v1, &pp->cx, j, cwy);
    mnv3_pp_yuv_store8 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}

void
mnv3_pp_nv12_avx2 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m256 wy = _mm256_set1_ps (r->wy);

  for (int j = 0; j < pp->n; j += 8) {
    __m256 y = mnv3_pp_bilerp8 (r->y0, r->y1, &pp->x, j, wy);
    __m256 u, v;
    mnv3_pp_nv12_bilerp8 (r, &pp->cx, j, &u, &v);
    mnv3_pp_yuv_store8 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}
