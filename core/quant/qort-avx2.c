/* qort-avx2.c — ONNX Runtime's QLinearAdd / QLinearMul on runs of
 * contiguous elements, AVX2 + FMA, the bytes of qort.c's scalar loops.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Compiled with -mavx2 -mfma -ffp-contract=off: the FMAs are the ones
 * MLAS's kernels (and qort.c, as fmaf) compute, written as intrinsics;
 * nothing else is fused.  Per lane, exactly qort.c:
 *   add: v = fma (a, rac, fma (b, rbc, fixed)), rounded half to even
 *        (vcvtps2dq), clamped to [lo, hi]
 *   mul: v = (float) ((a - a_zp) * (b - b_zp)) * ratio, rounded half to
 *        even, + zp, clamped
 * (int32 products of two 9-bit values are exact; the int -> float
 * conversions round as the C casts do).  A side whose *_bc is 1 is the
 * single value at its pointer for every element. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "quant/qkernels.h"

static inline __m256i
ld8 (const uint8_t *p, int is_i8)
{
  __m128i b = _mm_loadl_epi64 ((const __m128i *) p);
  return is_i8 ? _mm256_cvtepi8_epi32 (b) : _mm256_cvtepu8_epi32 (b);
}

static inline int32_t
ld1 (const uint8_t *p, int is_i8)
{
  return is_i8 ? (int32_t) (int8_t) *p : (int32_t) *p;
}

/* Lanes already within a byte's range: byte 0 of each, 8 bytes out. */
static inline void
st8 (uint8_t *p, __m256i v)
{
  __m128i lo = _mm256_castsi256_si128 (v), hi = _mm256_extracti128_si256 (v,
      1);
  __m128i w = _mm_packs_epi32 (lo, hi);               /* exact: |v| < 256 */
  __m128i b = _mm_shuffle_epi8 (w, _mm_setr_epi8 (0, 2, 4, 6, 8, 10, 12, 14,
          -1, -1, -1, -1, -1, -1, -1, -1));
  _mm_storel_epi64 ((__m128i *) p, b);
}

void
mnv3_qort_add_avx2 (const mnv3_qort_run *r, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n)
{
  const __m256 rac = _mm256_set1_ps (r->rac), rbc = _mm256_set1_ps (r->rbc);
  const __m256 fixed = _mm256_set1_ps (r->fixed);
  const __m256i lo = _mm256_set1_epi32 (r->lo), hi = _mm256_set1_epi32 (r->hi);
  const __m256 ab = _mm256_set1_ps ((float) ld1 (a, r->a8));
  const __m256 bb = _mm256_set1_ps ((float) ld1 (b, r->b8));
  size_t i = 0;

  for (; i + 8 <= n; i += 8) {
    __m256 va = a_bc ? ab : _mm256_cvtepi32_ps (ld8 (a + i, r->a8));
    __m256 vb = b_bc ? bb : _mm256_cvtepi32_ps (ld8 (b + i, r->b8));
    __m256 v = _mm256_fmadd_ps (va, rac, _mm256_fmadd_ps (vb, rbc, fixed));
    __m256i q = _mm256_cvtps_epi32 (v);
    st8 (out + i, _mm256_min_epi32 (_mm256_max_epi32 (q, lo), hi));
  }
  for (; i < n; i++) {
    float va = (float) ld1 (a + (a_bc ? 0 : i), r->a8);
    float vb = (float) ld1 (b + (b_bc ? 0 : i), r->b8);
    int32_t q = (int32_t) nearbyintf (fmaf (va, r->rac, fmaf (vb, r->rbc,
                r->fixed)));
    out[i] = (uint8_t) (q < r->lo ? r->lo : (q > r->hi ? r->hi : q));
  }
}

void
mnv3_qort_mul_avx2 (const mnv3_qort_run *r, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n)
{
  const __m256 ratio = _mm256_set1_ps (r->ratio);
  const __m256i azp = _mm256_set1_epi32 (r->a_zp);
  const __m256i bzp = _mm256_set1_epi32 (r->b_zp);
  const __m256i zp = _mm256_set1_epi32 (r->zp);
  const __m256i lo = _mm256_set1_epi32 (r->lo), hi = _mm256_set1_epi32 (r->hi);
  const __m256i ab = _mm256_set1_epi32 (ld1 (a, r->a8) - r->a_zp);
  const __m256i bb = _mm256_set1_epi32 (ld1 (b, r->b8) - r->b_zp);
  size_t i = 0;

  for (; i + 8 <= n; i += 8) {
    __m256i va = a_bc ? ab : _mm256_sub_epi32 (ld8 (a + i, r->a8), azp);
    __m256i vb = b_bc ? bb : _mm256_sub_epi32 (ld8 (b + i, r->b8), bzp);
    __m256 v = _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_mullo_epi32 (va,
                vb)), ratio);
    __m256i q = _mm256_add_epi32 (_mm256_cvtps_epi32 (v), zp);
    st8 (out + i, _mm256_min_epi32 (_mm256_max_epi32 (q, lo), hi));
  }
  for (; i < n; i++) {
    int32_t va = ld1 (a + (a_bc ? 0 : i), r->a8) - r->a_zp;
    int32_t vb = ld1 (b + (b_bc ? 0 : i), r->b8) - r->b_zp;
    int32_t q = (int32_t) nearbyintf ((float) (va * vb) * r->ratio) + r->zp;
    out[i] = (uint8_t) (q < r->lo ? r->lo : (q > r->hi ? r->hi : q));
  }
}

void
mnv3_qort_quantize_avx2 (const float *in, uint8_t *out, size_t n,
    float scale, float flo, float fhi, int32_t zp)
{
  const __m256 vs = _mm256_set1_ps (scale);
  const __m256 vlo = _mm256_set1_ps (flo), vhi = _mm256_set1_ps (fhi);
  const __m256i vzp = _mm256_set1_epi32 (zp);
  size_t i = 0;

  for (; i + 8 <= n; i += 8) {
    /* the division correctly rounded as divss; the clamp as qort.c's
     * comparisons (a NaN passes through both, as there) */
    __m256 v = _mm256_div_ps (_mm256_loadu_ps (in + i), vs);
    v = _mm256_blendv_ps (v, vlo, _mm256_cmp_ps (v, vlo, _CMP_LT_OQ));
    v = _mm256_blendv_ps (v, vhi, _mm256_cmp_ps (v, vhi, _CMP_GT_OQ));
    st8 (out + i, _mm256_add_epi32 (_mm256_cvtps_epi32 (v), vzp));
  }
  for (; i < n; i++) {
    float v = in[i] / scale;
    v = v < flo ? flo : (v > fhi ? fhi : v);
    out[i] = (uint8_t) ((int32_t) nearbyintf (v) + zp);
  }
}
