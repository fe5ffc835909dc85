/* preprocess-avx512.c — AVX-512 F/BW row kernels (16 lanes).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Same structure as preprocess-avx2.c: 32-bit gathers at table offsets,
 * shift and mask to the byte, interpolation in float; masked tail stores. */
#include <immintrin.h>

#include "preprocess-internal.h"

static inline __m512
mnv3_pp_byte16 (const uint8_t *row, __m512i g, __m512i sh)
{
  __m512i v = _mm512_i32gather_epi32 (g, (const void *) row, 1);

  v = _mm512_and_si512 (_mm512_srlv_epi32 (v, sh), _mm512_set1_epi32 (0xff));
  return _mm512_cvtepi32_ps (v);
}

static inline __m512
mnv3_pp_bilerp16 (const uint8_t *r0, const uint8_t *r1,
    const mnv3_pp_taps *t, int k, __m512 wy)
{
  __m512i g0 = _mm512_loadu_si512 (t->g0 + k);
  __m512i g1 = _mm512_loadu_si512 (t->g1 + k);
  __m512i s0 = _mm512_loadu_si512 (t->sh0 + k);
  __m512i s1 = _mm512_loadu_si512 (t->sh1 + k);
  __m512 w = _mm512_loadu_ps (t->w + k);
  __m512 a = mnv3_pp_byte16 (r0, g0, s0), b = mnv3_pp_byte16 (r0, g1, s1);
  __m512 c = mnv3_pp_byte16 (r1, g0, s0), d = mnv3_pp_byte16 (r1, g1, s1);
  __m512 h0 = _mm512_fmadd_ps (w, _mm512_sub_ps (b, a), a);
  __m512 h1 = _mm512_fmadd_ps (w, _mm512_sub_ps (d, c), c);

  return _mm512_fmadd_ps (wy, _mm512_sub_ps (h1, h0), h0);
}

static inline __mmask16
mnv3_pp_tail_mask16 (int n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << n) - 1);
}

void
mnv3_pp_packed_avx512 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m512 wy = _mm512_set1_ps (r->wy);
  int n = pp->n, k;

  for (k = 0; k + 16 <= n; k += 16) {
    __m512 v = mnv3_pp_bilerp16 (r->y0, r->y1, &pp->x, k, wy);
    v = _mm512_fmadd_ps (v, _mm512_loadu_ps (pp->scale + k),
        _mm512_loadu_ps (pp->bias + k));
    _mm512_storeu_ps (out + k, v);
  }
  if (k < n) {
    __m512 v = mnv3_pp_bilerp16 (r->y0, r->y1, &pp->x, k, wy);
    v = _mm512_fmadd_ps (v, _mm512_loadu_ps (pp->scale + k),
        _mm512_loadu_ps (pp->bias + k));
    _mm512_mask_storeu_ps (out + k, mnv3_pp_tail_mask16 (n - k), v);
  }
}

static inline void
mnv3_pp_uv16 (const uint8_t *row, __m512i g, __m512i sh, __m512 *u,
    __m512 *v)
{
  __m512i x = _mm512_srlv_epi32 (
      _mm512_i32gather_epi32 (g, (const void *) row, 1), sh);
  __m512i ff = _mm512_set1_epi32 (0xff);

  *u = _mm512_cvtepi32_ps (_mm512_and_si512 (x, ff));
  *v = _mm512_cvtepi32_ps (_mm512_and_si512 (_mm512_srli_epi32 (x, 8), ff));
}

static inline void
mnv3_pp_nv12_bilerp16 (const mnv3_pp_rows *r, const mnv3_pp_taps *t, int j,
    __m512 *u, __m512 *v)
{
  __m512i g0 = _mm512_loadu_si512 (t->g0 + j);
  __m512i g1 = _mm512_loadu_si512 (t->g1 + j);
  __m512i s0 = _mm512_loadu_si512 (t->sh0 + j);
  __m512i s1 = _mm512_loadu_si512 (t->sh1 + j);
  __m512 w = _mm512_loadu_ps (t->w + j), wy = _mm512_set1_ps (r->cwy);
  __m512 ua, va, ub, vb, uc, vc, ud, vd, h0, h1;

  mnv3_pp_uv16 (r->u0, g0, s0, &ua, &va);
  mnv3_pp_uv16 (r->u0, g1, s1, &ub, &vb);
  mnv3_pp_uv16 (r->u1, g0, s0, &uc, &vc);
  mnv3_pp_uv16 (r->u1, g1, s1, &ud, &vd);
  h0 = _mm512_fmadd_ps (w, _mm512_sub_ps (ub, ua), ua);
  h1 = _mm512_fmadd_ps (w, _mm512_sub_ps (ud, uc), uc);
  *u = _mm512_fmadd_ps (wy, _mm512_sub_ps (h1, h0), h0);
  h0 = _mm512_fmadd_ps (w, _mm512_sub_ps (vb, va), va);
  h1 = _mm512_fmadd_ps (w, _mm512_sub_ps (vd, vc), vc);
  *v = _mm512_fmadd_ps (wy, _mm512_sub_ps (h1, h0), h0);
}

/* Y, U, V of 16 pixels -> 48 interleaved normalised floats (n of them). */
static inline void
mnv3_pp_yuv_store16 (const mnv3_preprocess *pp, __m512 y, __m512 u,
    __m512 v, float *out, int n)
{
  const mnv3_pp_yuv *m = &pp->m;
  __m512 zero = _mm512_setzero_ps (), top = _mm512_set1_ps (255.0f);
  __m512 cy = _mm512_set1_ps (m->cy);
  __m512 cr = _mm512_fmadd_ps (_mm512_set1_ps (m->crv), v,
      _mm512_fmadd_ps (cy, y, _mm512_set1_ps (m->off[0])));
  __m512 cg = _mm512_fmadd_ps (_mm512_set1_ps (m->cgv), v,
      _mm512_fmadd_ps (_mm512_set1_ps (m->cgu), u,
          _mm512_fmadd_ps (cy, y, _mm512_set1_ps (m->off[1]))));
  __m512 cb = _mm512_fmadd_ps (_mm512_set1_ps (m->cbu), u,
      _mm512_fmadd_ps (cy, y, _mm512_set1_ps (m->off[2])));
  /* output vector i, lane l: pixel (16i + l) / 3, channel (16i + l) % 3 */
  const __m512i idx[3] = {
    _mm512_setr_epi32 (0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5),
    _mm512_setr_epi32 (5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10),
    _mm512_setr_epi32 (10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14,
        15, 15, 15),
  };
  /* lanes taking green, blue */
  static const __mmask16 gm[3] = { 0x2492, 0x9249, 0x4924 };
  static const __mmask16 bm[3] = { 0x4924, 0x2492, 0x9249 };

  cr = _mm512_min_ps (_mm512_max_ps (cr, zero), top);
  cg = _mm512_min_ps (_mm512_max_ps (cg, zero), top);
  cb = _mm512_min_ps (_mm512_max_ps (cb, zero), top);
  cr = _mm512_fmadd_ps (cr, _mm512_set1_ps (pp->ch_scale[0]),
      _mm512_set1_ps (pp->ch_bias[0]));
  cg = _mm512_fmadd_ps (cg, _mm512_set1_ps (pp->ch_scale[1]),
      _mm512_set1_ps (pp->ch_bias[1]));
  cb = _mm512_fmadd_ps (cb, _mm512_set1_ps (pp->ch_scale[2]),
      _mm512_set1_ps (pp->ch_bias[2]));

  for (int i = 0; i < 3; i++) {
    __m512 o = _mm512_permutexvar_ps (idx[i], cr);
    o = _mm512_mask_permutexvar_ps (o, gm[i], idx[i], cg);
    o = _mm512_mask_permutexvar_ps (o, bm[i], idx[i], cb);
    if (n >= 16)
      _mm512_storeu_ps (out + 16 * i, o);
    else if (n > 0)
      _mm512_mask_storeu_ps (out + 16 * i, mnv3_pp_tail_mask16 (n), o);
    n -= 16;
  }
}

void
mnv3_pp_i420_avx512 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m512 wy = _mm512_set1_ps (r->wy), cwy = _mm512_set1_ps (r->cwy);

  for (int j = 0; j < pp->n; j += 16) {
    __m512 y = mnv3_pp_bilerp16 (r->y0, r->y1, &pp->x, j, wy);
    __m512 u = mnv3_pp_bilerp16 (r->u0, r->u1, &pp->cx, j, cwy);
    __m512 v = mnv3_pp_bilerp16 (r->v0, r->v1, &pp->cx, j, cwy);
    mnv3_pp_yuv_store16 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}

void
mnv3_pp_nv12_avx512 (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  __m512 wy = _mm512_set1_ps (r->wy);

  for (int j = 0; j < pp->n; j += 16) {
    __m512 y = mnv3_pp_bilerp16 (r->y0, r->y1, &pp->x, j, wy);
    __m512 u, v;
    mnv3_pp_nv12_bilerp16 (r, &pp->cx, j, &u, &v);
    mnv3_pp_yuv_store16 (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}
