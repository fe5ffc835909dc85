/* vec-avx2.h — the small vector vocabulary kernels are written in, AVX2+FMA.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only include from files compiled with -mavx2 -mfma (meson's
 * core_avx2_sources).  Same names and contracts as vec-avx512.h (read that
 * header): VF_W is 8 here and masks are lane vectors for vmaskmovps, which
 * never touches memory of masked-out lanes either.
 */
#ifndef MNV3_VEC_AVX2_H
#define MNV3_VEC_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#include "ops.h"

#define VF_W 8
/* vmaskmovps is slower than a plain load/store: use it for tails only */
#define VF_MASK_IS_FREE 0
#define FN(name) name##_avx2
#define MNV3_INLINE static inline __attribute__ ((always_inline))

typedef __m256 vf;
typedef __m256i vmask;
typedef __m256i vi;

MNV3_INLINE vmask
vf_mask (int n)
{
  static const int32_t lanes[16] = { -1, -1, -1, -1, -1, -1, -1, -1,
                                      0,  0,  0,  0,  0,  0,  0,  0 };
  return _mm256_loadu_si256 ((const __m256i *) (lanes + 8 - n));
}
MNV3_INLINE vf vf_load (const float *p) { return _mm256_load_ps (p); }
MNV3_INLINE vf vf_loadu (const float *p) { return _mm256_loadu_ps (p); }
MNV3_INLINE void vf_storeu (float *p, vf v) { _mm256_storeu_ps (p, v); }
MNV3_INLINE vf vf_load_mask (const float *p, vmask m)
{ return _mm256_maskload_ps (p, m); }
MNV3_INLINE void vf_store_mask (float *p, vf v, vmask m)
{ _mm256_maskstore_ps (p, m, v); }
/* p[idx[i]] for the VF_W indices at idx */
MNV3_INLINE vf vf_gather (const float *p, const int32_t *idx)
{ return _mm256_i32gather_ps (p, _mm256_loadu_si256 ((const __m256i *) idx), 4); }
MNV3_INLINE vf vf_set1 (float x) { return _mm256_set1_ps (x); }
MNV3_INLINE vf vf_zero (void) { return _mm256_setzero_ps (); }
MNV3_INLINE vf vf_add (vf a, vf b) { return _mm256_add_ps (a, b); }
MNV3_INLINE vf vf_sub (vf a, vf b) { return _mm256_sub_ps (a, b); }
MNV3_INLINE vf vf_mul (vf a, vf b) { return _mm256_mul_ps (a, b); }
MNV3_INLINE vf vf_div (vf a, vf b) { return _mm256_div_ps (a, b); }
MNV3_INLINE vf vf_max (vf a, vf b) { return _mm256_max_ps (a, b); }
MNV3_INLINE vf vf_min (vf a, vf b) { return _mm256_min_ps (a, b); }
MNV3_INLINE vf vf_fmadd (vf a, vf b, vf c) { return _mm256_fmadd_ps (a, b, c); }
MNV3_INLINE vf vf_fnmadd (vf a, vf b, vf c)
{ return _mm256_fnmadd_ps (a, b, c); }

MNV3_INLINE vi vi_loadu (const int32_t *p)
{ return _mm256_loadu_si256 ((const __m256i *) p); }
MNV3_INLINE vi vi_set1 (int32_t x) { return _mm256_set1_epi32 (x); }
MNV3_INLINE vi vi_add (vi a, vi b) { return _mm256_add_epi32 (a, b); }
MNV3_INLINE vi vi_and (vi a, vi b) { return _mm256_and_si256 (a, b); }
MNV3_INLINE vi vi_srlv (vi a, vi n) { return _mm256_srlv_epi32 (a, n); }
MNV3_INLINE vi vi_gather_word (const uint8_t *base, vi off)
{ return _mm256_i32gather_epi32 ((const int *) base, off, 1); }
MNV3_INLINE vf vf_from_vi (vi a) { return _mm256_cvtepi32_ps (a); }

/* Lanes of a, b, c interleaved (a0 b0 c0 a1 b1 c1 ...) into o[0..2]:
 * output lane l of o[i] is source (8i + l) / 3 of a, b or c by
 * (8i + l) % 3; one lane permute per vector serves all three. */
MNV3_INLINE void
vf_interleave3 (vf a, vf b, vf c, vf o[3])
{
  const __m256i idx[3] = {
    _mm256_setr_epi32 (0, 0, 0, 1, 1, 1, 2, 2),
    _mm256_setr_epi32 (2, 3, 3, 3, 4, 4, 4, 5),
    _mm256_setr_epi32 (5, 5, 6, 6, 6, 7, 7, 7),
  };

  /* blend masks: bit l set where lane l takes b (then c) */
  o[0] = _mm256_blend_ps (_mm256_permutevar8x32_ps (a, idx[0]),
      _mm256_permutevar8x32_ps (b, idx[0]), 0x92);
  o[0] = _mm256_blend_ps (o[0], _mm256_permutevar8x32_ps (c, idx[0]), 0x24);
  o[1] = _mm256_blend_ps (_mm256_permutevar8x32_ps (a, idx[1]),
      _mm256_permutevar8x32_ps (b, idx[1]), 0x24);
  o[1] = _mm256_blend_ps (o[1], _mm256_permutevar8x32_ps (c, idx[1]), 0x49);
  o[2] = _mm256_blend_ps (_mm256_permutevar8x32_ps (a, idx[2]),
      _mm256_permutevar8x32_ps (b, idx[2]), 0x49);
  o[2] = _mm256_blend_ps (o[2], _mm256_permutevar8x32_ps (c, idx[2]), 0x92);
}

MNV3_INLINE float
vf_reduce_add (vf v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v),
      _mm256_extractf128_ps (v, 1));
  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

MNV3_INLINE float
vf_reduce_max (vf v)
{
  __m128 s = _mm_max_ps (_mm256_castps256_ps128 (v),
      _mm256_extractf128_ps (v, 1));
  s = _mm_max_ps (s, _mm_movehl_ps (s, s));
  s = _mm_max_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

MNV3_INLINE vf
vf_exp (vf x)
{
  /* As vec-avx512.h, but 2^n is built in the exponent bits, so x is
   * clamped to where n stays a normal exponent and results for
   * x < -87.33 are forced to 0 afterwards. */
  const vf lo = vf_set1 (-87.3365447f);
  vf under = _mm256_cmp_ps (x, lo, _CMP_LT_OQ);
  x = _mm256_max_ps (x, lo);
  x = _mm256_min_ps (x, vf_set1 (88.3762626f));
  vf n = _mm256_round_ps (vf_mul (x, vf_set1 (1.44269504f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  n = _mm256_min_ps (n, vf_set1 (127.f));
  vf r = vf_fnmadd (n, vf_set1 (0.693359375f), x);
  r = vf_fnmadd (n, vf_set1 (-2.12194440e-4f), r);
  vf p = vf_set1 (1.f / 720.f);
  p = vf_fmadd (p, r, vf_set1 (1.f / 120.f));
  p = vf_fmadd (p, r, vf_set1 (1.f / 24.f));
  p = vf_fmadd (p, r, vf_set1 (1.f / 6.f));
  p = vf_fmadd (p, r, vf_set1 (0.5f));
  p = vf_fmadd (p, r, vf_set1 (1.f));
  p = vf_fmadd (p, r, vf_set1 (1.f));
  __m256i e = _mm256_slli_epi32 (_mm256_add_epi32 (_mm256_cvtps_epi32 (n),
          _mm256_set1_epi32 (127)), 23);
  p = vf_mul (p, _mm256_castsi256_ps (e));
  return _mm256_andnot_ps (under, p);
}

#include "elementwise/act-vec.h"

#endif /* MNV3_VEC_AVX2_H */
