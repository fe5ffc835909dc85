/* qvec-avx512.h — int32 vector vocabulary of the integer kernels, AVX-512.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only include from files compiled with -mavx512f/bw/dq/vl (and
 * -mavx512vnni for the VNNI instance).  Names and contracts: see
 * qvec-avx2.h; VI_W is 16 here and partial loads/stores use byte masks
 * (masked-out bytes are never touched).
 */
#ifndef MNV3_QVEC_AVX512_H
#define MNV3_QVEC_AVX512_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define VI_W 16
#define MNV3_INLINE static inline __attribute__ ((always_inline))

typedef __m512i vi;

MNV3_INLINE vi vi_load (const void *p) { return _mm512_loadu_si512 (p); }
MNV3_INLINE void vi_store (void *p, vi v) { _mm512_storeu_si512 (p, v); }
MNV3_INLINE vi vi_bcast32 (const void *p)
{ int32_t x; memcpy (&x, p, 4); return _mm512_set1_epi32 (x); }
MNV3_INLINE vi vi_set1 (int32_t x) { return _mm512_set1_epi32 (x); }
MNV3_INLINE vi vi_set1_64 (int64_t x) { return _mm512_set1_epi64 (x); }
MNV3_INLINE vi vi_zero (void) { return _mm512_setzero_si512 (); }
MNV3_INLINE vi vi_add (vi a, vi b) { return _mm512_add_epi32 (a, b); }
MNV3_INLINE vi vi_sub (vi a, vi b) { return _mm512_sub_epi32 (a, b); }
MNV3_INLINE vi vi_add64 (vi a, vi b) { return _mm512_add_epi64 (a, b); }
MNV3_INLINE vi vi_sub64 (vi a, vi b) { return _mm512_sub_epi64 (a, b); }
MNV3_INLINE vi vi_mullo (vi a, vi b) { return _mm512_mullo_epi32 (a, b); }
MNV3_INLINE vi vi_mul_epu32 (vi a, vi b) { return _mm512_mul_epu32 (a, b); }
MNV3_INLINE vi vi_madd (vi a, vi b) { return _mm512_madd_epi16 (a, b); }
MNV3_INLINE vi vi_and (vi a, vi b) { return _mm512_and_si512 (a, b); }
MNV3_INLINE vi vi_andnot (vi a, vi b) { return _mm512_andnot_si512 (a, b); }
MNV3_INLINE vi vi_or (vi a, vi b) { return _mm512_or_si512 (a, b); }
MNV3_INLINE vi vi_xor (vi a, vi b) { return _mm512_xor_si512 (a, b); }
MNV3_INLINE vi vi_abs (vi a) { return _mm512_abs_epi32 (a); }
MNV3_INLINE vi vi_min (vi a, vi b) { return _mm512_min_epi32 (a, b); }
MNV3_INLINE vi vi_max (vi a, vi b) { return _mm512_max_epi32 (a, b); }
MNV3_INLINE vi vi_gt (vi a, vi b)
{ return _mm512_movm_epi32 (_mm512_cmpgt_epi32_mask (a, b)); }
MNV3_INLINE vi vi_sllv (vi a, vi n) { return _mm512_sllv_epi32 (a, n); }
MNV3_INLINE vi vi_srav (vi a, vi n) { return _mm512_srav_epi32 (a, n); }
MNV3_INLINE vi vi_mul_epi32 (vi a, vi b) { return _mm512_mul_epi32 (a, b); }
MNV3_INLINE vi vi_srlv64 (vi a, vi n) { return _mm512_srlv_epi64 (a, n); }
MNV3_INLINE vi vi_odd (vi a)
{ return _mm512_shuffle_epi32 (a, (_MM_PERM_ENUM) 0xf5); }
MNV3_INLINE vi vi_merge_eo (vi e, vi o)
{ return _mm512_mask_blend_epi32 ((__mmask16) 0xaaaa, e,
      _mm512_slli_epi64 (o, 32)); }
#define vi_srai(a, n) _mm512_srai_epi32 ((a), (n))
#define vi_srli(a, n) _mm512_srli_epi32 ((a), (n))
#define vi_srli64(a, n) _mm512_srli_epi64 ((a), (n))
#define vi_slli64(a, n) _mm512_slli_epi64 ((a), (n))

MNV3_INLINE vi
vi_ext_i32 (const uint8_t *p, int sign)
{
  __m128i b = _mm_loadu_si128 ((const __m128i *) p);
  return sign ? _mm512_cvtepi8_epi32 (b) : _mm512_cvtepu8_epi32 (b);
}

MNV3_INLINE vi
vi_ext_i16 (const uint8_t *p, int sign)
{
  __m256i b = _mm256_loadu_si256 ((const __m256i *) p);
  return sign ? _mm512_cvtepi8_epi16 (b) : _mm512_cvtepu8_epi16 (b);
}

MNV3_INLINE vi
vi_sad_add (vi s, vi v)
{
  return _mm512_add_epi64 (s, _mm512_sad_epu8 (v, _mm512_setzero_si512 ()));
}

MNV3_INLINE int64_t vi_hsum64 (vi s) { return _mm512_reduce_add_epi64 (s); }

MNV3_INLINE void
vi_store_u8 (uint8_t *p, vi v)
{
  _mm_storeu_si128 ((__m128i *) p, _mm512_cvtepi32_epi8 (v));
}

MNV3_INLINE void
vi_store_u8_n (uint8_t *p, vi v, int n)
{
  _mm512_mask_cvtepi32_storeu_epi8 (p, (__mmask16) ((1u << n) - 1u), v);
}

MNV3_INLINE vi
vi_ext_i32_n (const uint8_t *p, int n, int sign)
{
  __m128i b = _mm_maskz_loadu_epi8 ((__mmask16) ((1u << n) - 1u), p);
  return sign ? _mm512_cvtepi8_epi32 (b) : _mm512_cvtepu8_epi32 (b);
}

/* Byte masks (qgemm-simd.h's row tails): the first n (<= 64) bytes. */
#define VI_MASK_U8 1
typedef __mmask64 vi_mask_u8;
MNV3_INLINE vi_mask_u8 vi_mask_u8_n (size_t n)
{ return n >= 64 ? ~(__mmask64) 0 : ((__mmask64) 1 << n) - 1; }
MNV3_INLINE vi vi_load_u8_n (const void *p, vi_mask_u8 m)
{ return _mm512_maskz_loadu_epi8 (m, p); }
MNV3_INLINE vi vi_and_u8_mask (vi v, vi_mask_u8 m)
{ return _mm512_maskz_mov_epi8 (m, v); }
MNV3_INLINE void vi_store_u8_mask (void *p, vi v, vi_mask_u8 m)
{ _mm512_mask_storeu_epi8 (p, m, v); }

typedef __m512 vf;
MNV3_INLINE vf vf_load (const float *p) { return _mm512_loadu_ps (p); }
MNV3_INLINE vf vf_set1 (float x) { return _mm512_set1_ps (x); }
MNV3_INLINE vf vf_mul (vf a, vf b) { return _mm512_mul_ps (a, b); }
MNV3_INLINE vf vf_min (vf a, vf b) { return _mm512_min_ps (a, b); }
MNV3_INLINE vf vf_max (vf a, vf b) { return _mm512_max_ps (a, b); }
MNV3_INLINE vf vf_from_vi (vi a) { return _mm512_cvtepi32_ps (a); }
MNV3_INLINE vi vi_from_vf (vf a) { return _mm512_cvtps_epi32 (a); }

#include "quant/qvec-requant.h"

#endif /* MNV3_QVEC_AVX512_H */
