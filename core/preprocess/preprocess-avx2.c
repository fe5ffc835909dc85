/* preprocess-avx2.c — AVX2 + FMA row kernels (8 lanes).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each lane gathers the 32-bit word holding its byte (offsets and shifts
 * from the tables keep every read inside the row) and interpolates in
 * float, one lane per output pixel, then a 3-way interleave to RGBRGB...
 * Packed formats: the word at a pixel holds its R, G and B (at
 * chan_shift), so RGB/BGR/RGBx/xRGB... share one kernel.  YUV: luma and
 * chroma taps are paired, one word per row holds both taps. */
#include <immintrin.h>

#include "preprocess-internal.h"

static inline __m256i
mnv3_pp_tail_mask8 (int n)
{
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n),
      _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
}

/* byte at bit `shift` of 8 words, as float */
static inline __m256
mnv3_pp_chan8 (__m256i x, __m256i shift)
{
  return _mm256_cvtepi32_ps (_mm256_and_si256 (_mm256_srlv_epi32 (x, shift),
      _mm256_set1_epi32 (0xff)));
}

static inline __m256
mnv3_pp_lerp8 (__m256 a, __m256 b, __m256 c, __m256 d, __m256 w, __m256 wy)
{
  __m256 h0 = _mm256_fmadd_ps (w, _mm256_sub_ps (b, a), a);
  __m256 h1 = _mm256_fmadd_ps (w, _mm256_sub_ps (d, c), c);

  return _mm256_fmadd_ps (wy, _mm256_sub_ps (h1, h0), h0);
}

/* bilinear value of 8 paired taps (one-byte samples) on two rows: one
 * gather per row gives both taps */
static inline __m256
mnv3_pp_pair8 (const uint8_t *r0, const uint8_t *r1, const mnv3_pp_taps *t,
    int j, __m256 wy)
{
  __m256i g = _mm256_loadu_si256 ((const __m256i *) (t->g0 + j));
  __m256i s0 = _mm256_loadu_si256 ((const __m256i *) (t->sh0 + j));
  __m256i s1 = _mm256_loadu_si256 ((const __m256i *) (t->sh1 + j));
  __m256i x0 = _mm256_i32gather_epi32 ((const int *) r0, g, 1);
  __m256i x1 = _mm256_i32gather_epi32 ((const int *) r1, g, 1);

  return mnv3_pp_lerp8 (mnv3_pp_chan8 (x0, s0), mnv3_pp_chan8 (x0, s1),
      mnv3_pp_chan8 (x1, s0), mnv3_pp_chan8 (x1, s1),
      _mm256_loadu_ps (t->w + j), wy);
}

/* NV12 chroma: the word at g0 holds U0 V0 at sh0 and U1 V1 at sh1 */
static inline void
mnv3_pp_nv12_pair8 (const mnv3_pp_rows *r, const mnv3_pp_taps *t, int j,
    __m256 *u, __m256 *v)
{
  __m256i g = _mm256_loadu_si256 ((const __m256i *) (t->g0 + j));
  __m256i s0 = _mm256_loadu_si256 ((const __m256i *) (t->sh0 + j));
  __m256i s1 = _mm256_loadu_si256 ((const __m256i *) (t->sh1 + j));
  __m256i e8 = _mm256_set1_epi32 (8);
  __m256i t0 = _mm256_add_epi32 (s0, e8), t1 = _mm256_add_epi32 (s1, e8);
  __m256i x0 = _mm256_i32gather_epi32 ((const int *) r->u0, g, 1);
  __m256i x1 = _mm256_i32gather_epi32 ((const int *) r->u1, g, 1);
  __m256 w = _mm256_loadu_ps (t->w + j), wy = _mm256_set1_ps (r->cwy);

  *u = mnv3_pp_lerp8 (mnv3_pp_chan8 (x0, s0), mnv3_pp_chan8 (x0, s1),
      mnv3_pp_chan8 (x1, s0), mnv3_pp_chan8 (x1, s1), w, wy);
  *v = mnv3_pp_lerp8 (mnv3_pp_chan8 (x0, t0), mnv3_pp_chan8 (x0, t1),
      mnv3_pp_chan8 (x1, t0), mnv3_pp_chan8 (x1, t1), w, wy);
}

/* R, G, B of 8 pixels -> 24 interleaved floats at out (n of them when
 * n < 24). */
static inline void
mnv3_pp_store_rgb8 (__m256 cr, __m256 cg, __m256 cb, float *out, int n)
{
  /* output vector i, lane l holds pixel (8i + l) / 3, channel
   * (8i + l) % 3: one permute index per vector serves all channels */
  const __m256i idx[3] = {
    _mm256_setr_epi32 (0, 0, 0, 1, 1, 1, 2, 2),
    _mm256_setr_epi32 (2, 3, 3, 3, 4, 4, 4, 5),
    _mm256_setr_epi32 (5, 5, 6, 6, 6, 7, 7, 7),
  };
  __m256 o[3];

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

/* Packed formats, one lane per pixel: a gathered word holds R, G and B. */
void
mnv3_pp_packed_avx2 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const mnv3_pp_taps *t = &pp->cx;
  int width = pp->p.dst.width;
  __m256 wy = _mm256_set1_ps (r->wy);

  for (int j = 0; j < width; j += 8) {
    __m256i g0 = _mm256_loadu_si256 ((const __m256i *) (t->g0 + j));
    __m256i g1 = _mm256_loadu_si256 ((const __m256i *) (t->g1 + j));
    __m256i s0 = _mm256_loadu_si256 ((const __m256i *) (t->sh0 + j));
    __m256i s1 = _mm256_loadu_si256 ((const __m256i *) (t->sh1 + j));
    __m256 w = _mm256_loadu_ps (t->w + j);
    __m256i a = _mm256_srlv_epi32 (
        _mm256_i32gather_epi32 ((const int *) r->y0, g0, 1), s0);
    __m256i b = _mm256_srlv_epi32 (
        _mm256_i32gather_epi32 ((const int *) r->y0, g1, 1), s1);
    __m256i c = _mm256_srlv_epi32 (
        _mm256_i32gather_epi32 ((const int *) r->y1, g0, 1), s0);
    __m256i d = _mm256_srlv_epi32 (
        _mm256_i32gather_epi32 ((const int *) r->y1, g1, 1), s1);
    __m256 v[3];

    for (int ch = 0; ch < 3; ch++) {
      __m256i cs = _mm256_set1_epi32 (pp->chan_shift[ch]);
      __m256 fa = mnv3_pp_chan8 (a, cs), fb = mnv3_pp_chan8 (b, cs);
      __m256 fc = mnv3_pp_chan8 (c, cs), fd = mnv3_pp_chan8 (d, cs);
      v[ch] = _mm256_fmadd_ps (mnv3_pp_lerp8 (fa, fb, fc, fd, w, wy),
          _mm256_set1_ps (pp->ch_scale[ch]), _mm256_set1_ps (pp->ch_bias[ch]));
    }
    mnv3_pp_store_rgb8 (v[0], v[1], v[2], out + 3 * j, 3 * (width - j));
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

  cr = _mm256_min_ps (_mm256_max_ps (cr, zero), top);
  cg = _mm256_min_ps (_mm256_max_ps (cg, zero), top);
  cb = _mm256_min_ps (_mm256_max_ps (cb, zero), top);
  cr = _mm256_fmadd_ps (cr, _mm256_set1_ps (pp->ch_scale[0]),
      _mm256_set1_ps (pp->ch_bias[0]));
  cg = _mm256_fmadd_ps (cg, _mm256_set1_ps (pp->ch_scale[1]),
      _mm256_set1_ps (pp->ch_bias[1]));
  cb = _mm256_fmadd_ps (cb, _mm256_set1_ps (pp->ch_scale[2]),
      _mm256_set1_ps (pp->ch_bias[2]));
  mnv3_pp_store_rgb8 (cr, cg, cb, out, n);
}

void
mnv3_pp_i420_avx2 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m256 wy = _mm256_set1_ps (r->wy), cwy = _mm256_set1_ps (r->cwy);

  for (int j = 0; j < pp->n; j += 8) {
    __m256 y = mnv3_pp_pair8 (r->y0, r->y1, &pp->x, j, wy);
    __m256 u = mnv3_pp_pair8 (r->u0, r->u1, &pp->cx, j, cwy);
    __m256 v = mnv3_pp_pair8 (r->v0, r->v1, &pp->cx, j, cwy);
    mnv3_pp_yuv_store8 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}

void
mnv3_pp_nv12_avx2 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m256 wy = _mm256_set1_ps (r->wy);

  for (int j = 0; j < pp->n; j += 8) {
    __m256 y = mnv3_pp_pair8 (r->y0, r->y1, &pp->x, j, wy);
    __m256 u, v;
    mnv3_pp_nv12_pair8 (r, &pp->cx, j, &u, &v);
    mnv3_pp_yuv_store8 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}
