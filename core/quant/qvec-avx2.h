/* qvec-avx2.h — int32 vector vocabulary of the integer kernels, AVX2.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only include from files compiled with -mavx2 (and -mavxvnni for the
 * AVX-VNNI instance).  Same names and contracts as qvec-avx512.h; the
 * including file defines FN(name) (the ISA suffix) first.
 *
 *   VI_W               int32 lanes (8)
 *   vi_bcast32 (p)     the 4 bytes at p in every lane
 *   vi_madd (a, b)     vpmaddwd: lane = a.lo16*b.lo16 + a.hi16*b.hi16
 *   vi_ext_i32 (p, s)  VI_W bytes at p, sign- (s) or zero-extended to int32
 *   vi_ext_i16 (p, s)  2*VI_W bytes at p, extended to int16 (2 per lane)
 *   vi_sad_add (s, v)  s (4 or 8 uint64 lanes) + sums of v's bytes
 *   vi_store_u8 (p, v) the low byte of each lane to p[0..VI_W)
 */
#ifndef MNV3_QVEC_AVX2_H
#define MNV3_QVEC_AVX2_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define VI_W 8
#define MNV3_INLINE static inline __attribute__ ((always_inline))

typedef __m256i vi;

MNV3_INLINE vi vi_load (const void *p)
{ return _mm256_loadu_si256 ((const __m256i *) p); }
MNV3_INLINE void vi_store (void *p, vi v)
{ _mm256_storeu_si256 ((__m256i *) p, v); }
MNV3_INLINE vi vi_bcast32 (const void *p)
{ int32_t x; memcpy (&x, p, 4); return _mm256_set1_epi32 (x); }
MNV3_INLINE vi vi_set1 (int32_t x) { return _mm256_set1_epi32 (x); }
MNV3_INLINE vi vi_set1_64 (int64_t x) { return _mm256_set1_epi64x (x); }
MNV3_INLINE vi vi_zero (void) { return _mm256_setzero_si256 (); }
MNV3_INLINE vi vi_add (vi a, vi b) { return _mm256_add_epi32 (a, b); }
MNV3_INLINE vi vi_sub (vi a, vi b) { return _mm256_sub_epi32 (a, b); }
MNV3_INLINE vi vi_add64 (vi a, vi b) { return _mm256_add_epi64 (a, b); }
MNV3_INLINE vi vi_sub64 (vi a, vi b) { return _mm256_sub_epi64 (a, b); }
MNV3_INLINE vi vi_mullo (vi a, vi b) { return _mm256_mullo_epi32 (a, b); }
MNV3_INLINE vi vi_mul_epu32 (vi a, vi b) { return _mm256_mul_epu32 (a, b); }
MNV3_INLINE vi vi_madd (vi a, vi b) { return _mm256_madd_epi16 (a, b); }
MNV3_INLINE vi vi_and (vi a, vi b) { return _mm256_and_si256 (a, b); }
MNV3_INLINE vi vi_andnot (vi a, vi b) { return _mm256_andnot_si256 (a, b); }
MNV3_INLINE vi vi_or (vi a, vi b) { return _mm256_or_si256 (a, b); }
MNV3_INLINE vi vi_xor (vi a, vi b) { return _mm256_xor_si256 (a, b); }
MNV3_INLINE vi vi_abs (vi a) { return _mm256_abs_epi32 (a); }
MNV3_INLINE vi vi_min (vi a, vi b) { return _mm256_min_epi32 (a, b); }
MNV3_INLINE vi vi_max (vi a, vi b) { return _mm256_max_epi32 (a, b); }
/* -1 where a > b (signed), else 0 */
MNV3_INLINE vi vi_gt (vi a, vi b) { return _mm256_cmpgt_epi32 (a, b); }
MNV3_INLINE vi vi_sllv (vi a, vi n) { return _mm256_sllv_epi32 (a, n); }
MNV3_INLINE vi vi_srav (vi a, vi n) { return _mm256_srav_epi32 (a, n); }
/* signed 32x32 -> 64 of the even lanes (vpmuldq) */
MNV3_INLINE vi vi_mul_epi32 (vi a, vi b) { return _mm256_mul_epi32 (a, b); }
MNV3_INLINE vi vi_srlv64 (vi a, vi n) { return _mm256_srlv_epi64 (a, n); }
/* the odd lanes copied into the even ones below them */
MNV3_INLINE vi vi_odd (vi a) { return _mm256_shuffle_epi32 (a, 0xf5); }
/* even lanes from e, odd lanes from the low halves of o's 64-bit lanes */
MNV3_INLINE vi vi_merge_eo (vi e, vi o)
{ return _mm256_blend_epi32 (e, _mm256_slli_epi64 (o, 32), 0xaa); }
#define vi_srai(a, n) _mm256_srai_epi32 ((a), (n))
#define vi_srli(a, n) _mm256_srli_epi32 ((a), (n))
#define vi_srli64(a, n) _mm256_srli_epi64 ((a), (n))
#define vi_slli64(a, n) _mm256_slli_epi64 ((a), (n))

MNV3_INLINE vi
vi_ext_i32 (const uint8_t *p, int sign)
{
  __m128i b = _mm_loadl_epi64 ((const __m128i *) p);
  return sign ? _mm256_cvtepi8_epi32 (b) : _mm256_cvtepu8_epi32 (b);
}

MNV3_INLINE vi
vi_ext_i16 (const uint8_t *p, int sign)
{
  __m128i b = _mm_loadu_si128 ((const __m128i *) p);
  return sign ? _mm256_cvtepi8_epi16 (b) : _mm256_cvtepu8_epi16 (b);
}

MNV3_INLINE vi
vi_sad_add (vi s, vi v)
{
  return _mm256_add_epi64 (s, _mm256_sad_epu8 (v, _mm256_setzero_si256 ()));
}

MNV3_INLINE int64_t
vi_hsum64 (vi s)
{
  __m128i t = _mm_add_epi64 (_mm256_castsi256_si128 (s),
      _mm256_extracti128_si256 (s, 1));
  return _mm_cvtsi128_si64 (t) + _mm_extract_epi64 (t, 1);
}

/* Lanes hold values already clamped to a byte's range: keep byte 0 of
 * each (truncation is then exact). */
MNV3_INLINE __m128i
vi_bytes (vi v)
{
  const __m256i ctl = _mm256_setr_epi8 (0, 4, 8, 12, -1, -1, -1, -1, -1, -1,
      -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1,
      -1, -1, -1, -1);
  __m256i b = _mm256_shuffle_epi8 (v, ctl);
  return _mm_unpacklo_epi32 (_mm256_castsi256_si128 (b),
      _mm256_extracti128_si256 (b, 1));
}

MNV3_INLINE void
vi_store_u8 (uint8_t *p, vi v)
{
  _mm_storel_epi64 ((__m128i *) p, vi_bytes (v));
}

/* The first n (< VI_W) lanes only. */
MNV3_INLINE void
vi_store_u8_n (uint8_t *p, vi v, int n)
{
  uint64_t t = (uint64_t) _mm_cvtsi128_si64 (vi_bytes (v));
  memcpy (p, &t, (size_t) n);
}

/* VI_W bytes at p extended to int32, n (< VI_W) of them present. */
MNV3_INLINE vi
vi_ext_i32_n (const uint8_t *p, int n, int sign)
{
  uint8_t t[16] = { 0 };
  memcpy (t, p, (size_t) n);
  return vi_ext_i32 (t, sign);
}

/* float lanes, for ONNX Runtime's requantization (vi_requant_float) */
typedef __m256 vf;
MNV3_INLINE vf vf_load (const float *p) { return _mm256_loadu_ps (p); }
MNV3_INLINE vf vf_set1 (float x) { return _mm256_set1_ps (x); }
MNV3_INLINE vf vf_mul (vf a, vf b) { return _mm256_mul_ps (a, b); }
MNV3_INLINE vf vf_min (vf a, vf b) { return _mm256_min_ps (a, b); }
MNV3_INLINE vf vf_max (vf a, vf b) { return _mm256_max_ps (a, b); }
/* int32 -> float rounded to nearest even (vcvtdq2ps), as a C cast */
MNV3_INLINE vf vf_from_vi (vi a) { return _mm256_cvtepi32_ps (a); }
/* float -> int32 in the MXCSR mode, half to even by default (vcvtps2dq),
 * as nearbyintf */
MNV3_INLINE vi vi_from_vf (vf a) { return _mm256_cvtps_epi32 (a); }

#include "quant/qvec-requant.h"

#endif /* MNV3_QVEC_AVX2_H */
