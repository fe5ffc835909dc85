/* qresize-avx512.c — the uint8 bilinear resize (TFLite's float path) with
 * 16 float lanes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qresize-avx2.c with 16 lanes: the same float operations in the same
 * order, each rounded to float, bit-exact with qresize.c's scalar loop.
 * Built with -ffp-contract=off (quant/meson.build): -mavx512f brings FMA
 * along, but nothing is contracted and only separate multiplies and adds
 * are written.  The tails are masked loads and stores (lanes past the end
 * are neither read nor written).  Contract: qkernels.h. */
#include <immintrin.h>

#include "quant/qkernels.h"

static inline __m512
ld16 (const uint8_t *p, __mmask16 m)
{
  return _mm512_cvtepi32_ps (_mm512_cvtepu8_epi32 (_mm_maskz_loadu_epi8 (m,
              p)));
}

/* v in [0, 256): truncated, the m lanes' bytes to p. */
static inline void
st16 (uint8_t *p, __m512 v, __mmask16 m)
{
  __m128i b = _mm512_cvtepi32_epi8 (_mm512_cvttps_epi32 (v));
  if (m == 0xffff)              /* a plain store: cheaper than a masked one */
    _mm_storeu_si128 ((__m128i *) p, b);
  else
    _mm_mask_storeu_epi8 (p, m, b);
}

static inline __m512
blend4 (__m512 a0, __m512 a1, __m512 b0, __m512 b1, __m512 w0, __m512 w1,
    __m512 w2, __m512 w3)
{
  __m512 v = _mm512_mul_ps (a0, w0);
  v = _mm512_add_ps (v, _mm512_mul_ps (a1, w1));
  v = _mm512_add_ps (v, _mm512_mul_ps (b0, w2));
  v = _mm512_add_ps (v, _mm512_mul_ps (b1, w3));
  return _mm512_add_ps (v, _mm512_set1_ps (0.5f));
}

void
mnv3_qresize_px_avx512 (const uint8_t *r0, const uint8_t *r1,
    const mnv3_qresize_col *cols, int ow, int c, float dy, uint8_t *out)
{
  const float wy0 = 1 - dy;
  const __mmask16 tail = (__mmask16) ((1u << (c % 16)) - 1u);

  for (int x = 0; x < ow; x++) {
    const float dx = cols[x].fx - (float) cols[x].x0;
    const __m512 w0 = _mm512_set1_ps (wy0 * (1 - dx));
    const __m512 w1 = _mm512_set1_ps (wy0 * dx);
    const __m512 w2 = _mm512_set1_ps (dy * (1 - dx));
    const __m512 w3 = _mm512_set1_ps (dy * dx);
    const uint8_t *p0 = r0 + (size_t) cols[x].x0 * c;
    const uint8_t *p1 = r0 + (size_t) cols[x].x1 * c;
    const uint8_t *q0 = r1 + (size_t) cols[x].x0 * c;
    const uint8_t *q1 = r1 + (size_t) cols[x].x1 * c;
    uint8_t *o = out + (size_t) x * c;
    int k = 0;

    for (; k + 16 <= c; k += 16)
      st16 (o + k, blend4 (ld16 (p0 + k, 0xffff), ld16 (p1 + k, 0xffff),
              ld16 (q0 + k, 0xffff), ld16 (q1 + k, 0xffff), w0, w1, w2, w3),
          0xffff);
    if (k < c)
      st16 (o + k, blend4 (ld16 (p0 + k, tail), ld16 (p1 + k, tail),
              ld16 (q0 + k, tail), ld16 (q1 + k, tail), w0, w1, w2, w3),
          tail);
  }
}

static inline void
flat16 (const float *a0, const float *a1, const float *b0, const float *b1,
    const float *dx, __m512 wy0, __m512 wy1, uint8_t *out, __mmask16 m)
{
  const __m512 d = _mm512_maskz_loadu_ps (m, dx);
  const __m512 om = _mm512_sub_ps (_mm512_set1_ps (1.f), d);

  st16 (out, blend4 (_mm512_maskz_loadu_ps (m, a0),
          _mm512_maskz_loadu_ps (m, a1), _mm512_maskz_loadu_ps (m, b0),
          _mm512_maskz_loadu_ps (m, b1), _mm512_mul_ps (wy0, om),
          _mm512_mul_ps (wy0, d), _mm512_mul_ps (wy1, om),
          _mm512_mul_ps (wy1, d)), m);
}

void
mnv3_qresize_flat_avx512 (const float *a0, const float *a1, const float *b0,
    const float *b1, const float *dx, float dy, uint8_t *out, size_t n)
{
  const __m512 wy0 = _mm512_set1_ps (1 - dy), wy1 = _mm512_set1_ps (dy);
  size_t i = 0;

  for (; i + 16 <= n; i += 16)
    flat16 (a0 + i, a1 + i, b0 + i, b1 + i, dx + i, wy0, wy1, out + i,
        0xffff);
  if (i < n)
    flat16 (a0 + i, a1 + i, b0 + i, b1 + i, dx + i, wy0, wy1, out + i,
        (__mmask16) ((1u << (n - i)) - 1u));
}

/* nr output rows that share their source rows (same y0 and y1): each
 * vector of a0, a1, b0, b1 and dx loaded once for all of them. */
void
mnv3_qresize_flat_rows_avx512 (const float *a0, const float *a1,
    const float *b0, const float *b1, const float *dx, const float *dy,
    uint8_t *const *out, int nr, size_t n)
{
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? (__mmask16) 0xffff
        : (__mmask16) ((1u << (n - i)) - 1u);
    const __m512 d = _mm512_maskz_loadu_ps (m, dx + i);
    const __m512 om = _mm512_sub_ps (_mm512_set1_ps (1.f), d);
    const __m512 va0 = _mm512_maskz_loadu_ps (m, a0 + i);
    const __m512 va1 = _mm512_maskz_loadu_ps (m, a1 + i);
    const __m512 vb0 = _mm512_maskz_loadu_ps (m, b0 + i);
    const __m512 vb1 = _mm512_maskz_loadu_ps (m, b1 + i);
    for (int r = 0; r < nr; r++) {
      const __m512 wy0 = _mm512_set1_ps (1 - dy[r]);
      const __m512 wy1 = _mm512_set1_ps (dy[r]);
      st16 (out[r] + i, blend4 (va0, va1, vb0, vb1, _mm512_mul_ps (wy0, om),
              _mm512_mul_ps (wy0, d), _mm512_mul_ps (wy1, om),
              _mm512_mul_ps (wy1, d)), m);
    }
  }
}

/* One source row expanded to the flat outputs (c <= 8): f[x c + k] =
 * src[x0 c + k] (the x1 side likewise, second), as float (exact).  A
 * masked load of the pixel's c bytes (nothing read past them); 8 floats
 * stored while they stay inside the n = ow c outputs (the next pixel's
 * store covers the extra ones), masked to c after. */
static inline void
expand_side (const uint8_t *src, const mnv3_qresize_col *cols, int ow,
    int c, float *f, int second)
{
  const __mmask16 cm = (__mmask16) ((1u << c) - 1u);
  const size_t n = (size_t) ow * c;

  for (int x = 0; x < ow; x++) {
    const size_t o = (size_t) (second ? cols[x].x1 : cols[x].x0) * c;
    const __m256 v = _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32
        (_mm_maskz_loadu_epi8 (cm, src + o)));
    float *d = f + (size_t) x * c;
    if ((size_t) x * c + 8 <= n)
      _mm256_storeu_ps (d, v);
    else
      _mm256_mask_storeu_ps (d, (__mmask8) cm, v);
  }
}

void
mnv3_qresize_expand_avx512 (const uint8_t *src, const mnv3_qresize_col *cols,
    int ow, int c, float *f0, float *f1)
{
  expand_side (src, cols, ow, c, f0, 0);
  expand_side (src, cols, ow, c, f1, 1);
}
