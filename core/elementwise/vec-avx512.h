/* vec-avx512.h — the small vector vocabulary kernels are written in, AVX-512.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only include from files compiled with -mavx512f/-mavx512dq (meson's
 * core_avx512_sources).  The same names exist in vec-avx2.h, so a kernel
 * template (*-simd.h) is written once and compiled per ISA; each template
 * is instantiated with FN(name) appending the ISA suffix.
 *
 *   VF_W                 floats per vector (16)
 *   VF_MASK_IS_FREE      1 when a masked load/store with every lane set
 *                        costs the same as the plain one (so a kernel
 *                        need not branch between them)
 *   vf_load (p)          aligned load (p a multiple of VF_W * 4 bytes)
 *   vf_mask (n)          mask of the first n lanes, 0 <= n <= VF_W
 *   vf_load_mask/store   touch only the lanes in the mask; masked-out lanes
 *                        read as 0 and are never accessed (no fault)
 *   vf_exp (x)           e^x, relative error ~2 ulp on [-87.3, 88.7];
 *                        0 below, +inf above
 *   vi, vi_*             int32 lanes; vi_gather_word (base, off) loads the
 *                        32-bit word at base + off[l] bytes for each lane
 *   vf_interleave3       a, b, c -> a0 b0 c0 a1 b1 c1 ... in 3 vectors
 */
#ifndef MNV3_VEC_AVX512_H
#define MNV3_VEC_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "ops.h"

#define VF_W 16
#define VF_MASK_IS_FREE 1
#define FN(name) name##_avx512
#define MNV3_INLINE static inline __attribute__ ((always_inline))

typedef __m512 vf;
typedef __mmask16 vmask;
typedef __m512i vi;

MNV3_INLINE vmask vf_mask (int n) { return (vmask) ((1u << n) - 1u); }
MNV3_INLINE vf vf_load (const float *p) { return _mm512_load_ps (p); }
MNV3_INLINE vf vf_loadu (const float *p) { return _mm512_loadu_ps (p); }
MNV3_INLINE void vf_storeu (float *p, vf v) { _mm512_storeu_ps (p, v); }
MNV3_INLINE vf vf_load_mask (const float *p, vmask m)
{ return _mm512_maskz_loadu_ps (m, p); }
MNV3_INLINE void vf_store_mask (float *p, vf v, vmask m)
{ _mm512_mask_storeu_ps (p, m, v); }
/* p[idx[i]] for the VF_W indices at idx */
MNV3_INLINE vf vf_gather (const float *p, const int32_t *idx)
{ return _mm512_i32gather_ps (_mm512_loadu_si512 (idx), p, 4); }
MNV3_INLINE vf vf_set1 (float x) { return _mm512_set1_ps (x); }
MNV3_INLINE vf vf_zero (void) { return _mm512_setzero_ps (); }
MNV3_INLINE vf vf_add (vf a, vf b) { return _mm512_add_ps (a, b); }
MNV3_INLINE vf vf_sub (vf a, vf b) { return _mm512_sub_ps (a, b); }
MNV3_INLINE vf vf_mul (vf a, vf b) { return _mm512_mul_ps (a, b); }
MNV3_INLINE vf vf_div (vf a, vf b) { return _mm512_div_ps (a, b); }
MNV3_INLINE vf vf_max (vf a, vf b) { return _mm512_max_ps (a, b); }
MNV3_INLINE vf vf_min (vf a, vf b) { return _mm512_min_ps (a, b); }
/* a*b + c with one rounding */
MNV3_INLINE vf vf_fmadd (vf a, vf b, vf c) { return _mm512_fmadd_ps (a, b, c); }
/* c - a*b with one rounding */
MNV3_INLINE vf vf_fnmadd (vf a, vf b, vf c)
{ return _mm512_fnmadd_ps (a, b, c); }
MNV3_INLINE float vf_reduce_add (vf v) { return _mm512_reduce_add_ps (v); }
MNV3_INLINE float vf_reduce_max (vf v) { return _mm512_reduce_max_ps (v); }

MNV3_INLINE vi vi_loadu (const int32_t *p) { return _mm512_loadu_si512 (p); }
MNV3_INLINE vi vi_set1 (int32_t x) { return _mm512_set1_epi32 (x); }
MNV3_INLINE vi vi_add (vi a, vi b) { return _mm512_add_epi32 (a, b); }
MNV3_INLINE vi vi_and (vi a, vi b) { return _mm512_and_si512 (a, b); }
MNV3_INLINE vi vi_srlv (vi a, vi n) { return _mm512_srlv_epi32 (a, n); }
MNV3_INLINE vi vi_gather_word (const uint8_t *base, vi off)
{ return _mm512_i32gather_epi32 (off, (const void *) base, 1); }
MNV3_INLINE vf vf_from_vi (vi a) { return _mm512_cvtepi32_ps (a); }

MNV3_INLINE void
vf_interleave3 (vf a, vf b, vf c, vf o[3])
{
  /* output vector i, lane l: source (16i + l) / 3 of a, b or c */
  const __m512i idx[3] = {
    _mm512_setr_epi32 (0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5),
    _mm512_setr_epi32 (5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10),
    _mm512_setr_epi32 (10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14,
        15, 15, 15),
  };
  /* lanes taking b, c */
  static const __mmask16 bm[3] = { 0x2492, 0x9249, 0x4924 };
  static const __mmask16 cm[3] = { 0x4924, 0x2492, 0x9249 };

  for (int i = 0; i < 3; i++) {
    o[i] = _mm512_permutexvar_ps (idx[i], a);
    o[i] = _mm512_mask_permutexvar_ps (o[i], bm[i], idx[i], b);
    o[i] = _mm512_mask_permutexvar_ps (o[i], cm[i], idx[i], c);
  }
}

MNV3_INLINE vf
vf_exp (vf x)
{
  /* e^x = 2^n * e^r, n = round(x/ln2), |r| <= ln2/2; e^r by its degree-6
   * Taylor polynomial (truncation 1.2e-7 at the ends); scalef applies 2^n
   * and handles underflow to denormals/0 by itself. */
  x = _mm512_max_ps (x, vf_set1 (-104.0f));
  x = _mm512_min_ps (x, vf_set1 (88.7228394f));
  vf n = _mm512_roundscale_ps (vf_mul (x, vf_set1 (1.44269504f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  vf r = vf_fnmadd (n, vf_set1 (0.693359375f), x);
  r = vf_fnmadd (n, vf_set1 (-2.12194440e-4f), r);
  vf p = vf_set1 (1.f / 720.f);
  p = vf_fmadd (p, r, vf_set1 (1.f / 120.f));
  p = vf_fmadd (p, r, vf_set1 (1.f / 24.f));
  p = vf_fmadd (p, r, vf_set1 (1.f / 6.f));
  p = vf_fmadd (p, r, vf_set1 (0.5f));
  p = vf_fmadd (p, r, vf_set1 (1.f));
  p = vf_fmadd (p, r, vf_set1 (1.f));
  return _mm512_scalef_ps (p, n);
}

#include "elementwise/act-vec.h"

#endif /* MNV3_VEC_AVX512_H */
