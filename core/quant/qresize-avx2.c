/* qresize-avx2.c — the uint8 bilinear resize (TFLite's float path) with
 * 8 float lanes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bit-exact with qresize.c's scalar loop: the same float operations in the
 * same order, each rounded to float.  Built without -mfma and with
 * -ffp-contract=off (quant/meson.build) so that no multiply-add is fused;
 * float conversion of a byte and truncation of a value in [0, 256) are
 * exact in both.  Contract: qkernels.h. */
#include <immintrin.h>

#include "quant/qkernels.h"

static inline __m256
ld8 (const uint8_t *p)
{
  return _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const
                  __m128i *) p)));
}

/* v in [0, 256): truncated, 8 bytes to p. */
static inline void
st8 (uint8_t *p, __m256 v)
{
  __m256i i = _mm256_cvttps_epi32 (v);
  __m128i w = _mm_packs_epi32 (_mm256_castsi256_si128 (i),
      _mm256_extracti128_si256 (i, 1));
  _mm_storel_epi64 ((__m128i *) p, _mm_packus_epi16 (w, w));
}

static inline __m256
blend4 (__m256 a0, __m256 a1, __m256 b0, __m256 b1, __m256 w0, __m256 w1,
    __m256 w2, __m256 w3)
{
  __m256 v = _mm256_mul_ps (a0, w0);
  v = _mm256_add_ps (v, _mm256_mul_ps (a1, w1));
  v = _mm256_add_ps (v, _mm256_mul_ps (b0, w2));
  v = _mm256_add_ps (v, _mm256_mul_ps (b1, w3));
  return _mm256_add_ps (v, _mm256_set1_ps (0.5f));
}

void
mnv3_qresize_px_avx2 (const uint8_t *r0, const uint8_t *r1,
    const mnv3_qresize_col *cols, int ow, int c, float dy, uint8_t *out)
{
  const float wy0 = 1 - dy;

  for (int x = 0; x < ow; x++) {
    const float dx = cols[x].fx - (float) cols[x].x0;
    const __m256 w0 = _mm256_set1_ps (wy0 * (1 - dx));
    const __m256 w1 = _mm256_set1_ps (wy0 * dx);
    const __m256 w2 = _mm256_set1_ps (dy * (1 - dx));
    const __m256 w3 = _mm256_set1_ps (dy * dx);
    const uint8_t *p0 = r0 + (size_t) cols[x].x0 * c;
    const uint8_t *p1 = r0 + (size_t) cols[x].x1 * c;
    const uint8_t *q0 = r1 + (size_t) cols[x].x0 * c;
    const uint8_t *q1 = r1 + (size_t) cols[x].x1 * c;
    uint8_t *o = out + (size_t) x * c;
    int k = 0;

    for (; k + 8 <= c; k += 8)
      st8 (o + k, blend4 (ld8 (p0 + k), ld8 (p1 + k), ld8 (q0 + k),
              ld8 (q1 + k), w0, w1, w2, w3));
    if (k < c) {              /* the last 8 again: same bytes, c >= 8 */
      k = c - 8;
      st8 (o + k, blend4 (ld8 (p0 + k), ld8 (p1 + k), ld8 (q0 + k),
              ld8 (q1 + k), w0, w1, w2, w3));
    }
  }
}

static inline void
flat8 (const float *a0, const float *a1, const float *b0, const float *b1,
    const float *dx, __m256 wy0, __m256 wy1, uint8_t *out)
{
  const __m256 d = _mm256_loadu_ps (dx);
  const __m256 om = _mm256_sub_ps (_mm256_set1_ps (1.f), d);

  st8 (out, blend4 (_mm256_loadu_ps (a0), _mm256_loadu_ps (a1),
          _mm256_loadu_ps (b0), _mm256_loadu_ps (b1),
          _mm256_mul_ps (wy0, om), _mm256_mul_ps (wy0, d),
          _mm256_mul_ps (wy1, om), _mm256_mul_ps (wy1, d)));
}

void
mnv3_qresize_flat_avx2 (const float *a0, const float *a1, const float *b0,
    const float *b1, const float *dx, float dy, uint8_t *out, size_t n)
{
  const float fy0 = 1 - dy;
  const __m256 wy0 = _mm256_set1_ps (fy0), wy1 = _mm256_set1_ps (dy);
  size_t i = 0;

  for (; i + 8 <= n; i += 8)
    flat8 (a0 + i, a1 + i, b0 + i, b1 + i, dx + i, wy0, wy1, out + i);
  if (i < n && n >= 8) {      /* the last 8 again */
    i = n - 8;
    flat8 (a0 + i, a1 + i, b0 + i, b1 + i, dx + i, wy0, wy1, out + i);
  } else {
    for (; i < n; i++) {
      float v = a0[i] * (fy0 * (1 - dx[i]));
      v = v + a1[i] * (fy0 * dx[i]);
      v = v + b0[i] * (dy * (1 - dx[i]));
      v = v + b1[i] * (dy * dx[i]);
      v = v + 0.5f;
      out[i] = (uint8_t) (int32_t) v;
    }
  }
}

/* ---- int8: reference_ops::ResizeBilinearInteger ------------------------ */

/* The exact integer sum in32 = sum of in * wy * wx (|.| < 2^29 with the
 * 10-bit weights, see qkernels.h) factored as wy0 (in00 wx0 + in01 wx1)
 * + wy1 (in10 wx0 + in11 wx1): vpmaddwd on (x0, x1) pairs, two vpmulld;
 * then + 2^19 away from zero and / 2^20 toward zero on |v|. */
static inline void
st8_i8 (int8_t *p, __m256i h0, __m256i h1, __m256i wy0, __m256i wy1)
{
  const __m256i half = _mm256_set1_epi32 (1 << 19);
  __m256i v = _mm256_add_epi32 (_mm256_mullo_epi32 (h0, wy0),
      _mm256_mullo_epi32 (h1, wy1));
  __m256i r = _mm256_srli_epi32 (_mm256_add_epi32 (_mm256_abs_epi32 (v),
          half), 20);
  __m128i w;

  r = _mm256_sign_epi32 (r, v);
  w = _mm_packs_epi32 (_mm256_castsi256_si128 (r),
      _mm256_extracti128_si256 (r, 1));
  _mm_storel_epi64 ((__m128i *) p, _mm_packs_epi16 (w, w));
}

static inline __m256i
pair8 (const int8_t *p0, const int8_t *p1)
{
  return _mm256_cvtepi8_epi16 (_mm_unpacklo_epi8 (_mm_loadl_epi64 ((const
                  __m128i *) p0), _mm_loadl_epi64 ((const __m128i *) p1)));
}

void
mnv3_qresize_px_i8_avx2 (const int8_t *r0, const int8_t *r1,
    const mnv3_qresize_col *cols, int ow, int c, int32_t wy0, int32_t wy1,
    int8_t *out)
{
  const __m256i vy0 = _mm256_set1_epi32 (wy0), vy1 = _mm256_set1_epi32 (wy1);

  for (int x = 0; x < ow; x++) {
    const int32_t wx1 = cols[x].ix - (1 << 10) * cols[x].x0;
    const int32_t wx0 = (1 << 10) - wx1;
    const __m256i wx = _mm256_set1_epi32 ((int32_t) ((uint32_t) (uint16_t)
            wx0 | (uint32_t) (uint16_t) wx1 << 16));
    const size_t o0 = (size_t) cols[x].x0 * c, o1 = (size_t) cols[x].x1 * c;
    int8_t *o = out + (size_t) x * c;
    int k = 0;

    for (;; k += 8) {
      if (k + 8 > c)            /* the last 8 again: same bytes, c >= 8 */
        k = c - 8;
      st8_i8 (o + k, _mm256_madd_epi16 (pair8 (r0 + o0 + k, r0 + o1 + k),
              wx), _mm256_madd_epi16 (pair8 (r1 + o0 + k, r1 + o1 + k), wx),
          vy0, vy1);
      if (k + 8 >= c)
        break;
    }
  }
}

void
mnv3_qresize_flat_i8_avx2 (const int32_t *a, const int32_t *b,
    const int32_t *wx, int32_t wy0, int32_t wy1, int8_t *out, size_t n)
{
  const __m256i vy0 = _mm256_set1_epi32 (wy0), vy1 = _mm256_set1_epi32 (wy1);
  size_t i = 0;

  for (;; i += 8) {
    __m256i w;
    if (n < 8)
      break;
    if (i + 8 > n)              /* the last 8 again */
      i = n - 8;
    w = _mm256_loadu_si256 ((const __m256i *) (wx + i));
    st8_i8 (out + i, _mm256_madd_epi16 (_mm256_loadu_si256 ((const __m256i *)
                (a + i)), w), _mm256_madd_epi16 (_mm256_loadu_si256 ((const
                    __m256i *) (b + i)), w), vy0, vy1);
    if (i + 8 >= n)
      return;
  }
  for (i = 0; i < n; i++) {
    const int32_t w0 = (int16_t) (wx[i] & 0xffff), w1 = wx[i] >> 16;
    const int32_t v = wy0 * ((int16_t) (a[i] & 0xffff) * w0 + (a[i] >> 16)
        * w1) + wy1 * ((int16_t) (b[i] & 0xffff) * w0 + (b[i] >> 16) * w1);
    const int32_t r = (int32_t) (((uint32_t) (v < 0 ? -v : v) + (1u << 19))
        >> 20);
    out[i] = (int8_t) (v < 0 ? -r : r);
  }
}
