/* qdwconv-x64.h — 64-channel blocks of the AVX-512 3x3 / 5x5 depthwise
 * kernels (AVX-512BW and AVX512-VNNI; included by qdwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The including file defines QD_DOT64 (acc, a, w): acc + the vpmaddwd
 * products of a and w.
 *
 * Taps in pairs against d->w64, as qdwconv-avx2.c does with 8 lanes, but
 * the widening of the bytes stays inside the 128-bit lanes: 64 bytes of
 * tap t and 64 of tap t+1, interleaved (vpunpck{l,h}bw) and widened
 * against 0 or their sign bytes (vpunpck{l,h}bw again), are four vectors
 * whose int32 lane 4L+j of vector v is (tap t, tap t+1) of channel
 * 16L+4v+j: one vpdpwssd each against the weights packed in that order
 * (qkernels.h: w64, q64).  Per pair of taps and 64 channels: 2 loads, 6
 * in-lane shuffles and 4 multiply-adds, where 16-lane vpmovzxbd loads take
 * 8 lane-crossing widenings and 8 multiply-adds.  Inside columns go in
 * pairs, so that each weight vector is loaded once for two outputs (the
 * 5x5's 52 weight vectors do not fit in the registers).  The packs (vpackssdw,
 * vpack{s,u}swb) undo the order, so each output pixel's 64 bytes are one
 * store.  Each lane sums the same int32 products as the C kernel (wrapping
 * alike in any order), and the requantization is qvec-requant.h's with a
 * shorter exact SaturatingRoundingDoublingHighMul (qvec-srdhm-avx2.h's
 * argument) and RoundingDivideByPOT with its masks precomputed: the bytes
 * are identical.  Only for TFLite's requantization (not d->fscale). */

/* TFLite's requantization of 16 lanes: qd64_requant's constants, the q64
 * rows at one vector. */
typedef struct {
  __m512i lsh, mult, mult_odd, mask, half, away, rsh;
} FN (qd64_rq);

MNV3_INLINE FN (qd64_rq)
FN (qd64_rq_load) (const int32_t *q, size_t cp64)
{
  FN (qd64_rq) k;
  k.lsh = _mm512_loadu_si512 (q + MNV3_QDW_Q64_LSH * cp64);
  k.mult = _mm512_loadu_si512 (q + MNV3_QDW_Q64_MULT * cp64);
  k.mult_odd = _mm512_loadu_si512 (q + MNV3_QDW_Q64_MULT_ODD * cp64);
  k.mask = _mm512_loadu_si512 (q + MNV3_QDW_Q64_MASK * cp64);
  k.half = _mm512_loadu_si512 (q + MNV3_QDW_Q64_HALF * cp64);
  k.away = _mm512_loadu_si512 (q + MNV3_QDW_Q64_AWAY * cp64);
  k.rsh = _mm512_loadu_si512 (q + MNV3_QDW_Q64_RSH * cp64);
  return k;
}

MNV3_INLINE __m512i
FN (qd64_requant) (__m512i acc, const FN (qd64_rq) *k, __m512i zp,
    __m512i lo, __m512i hi)
{
  const __m512i nudge = _mm512_set1_epi64 ((int64_t) 1 << 30);
  const __m512i one = _mm512_set1_epi32 (1);
  __m512i x = _mm512_sllv_epi32 (acc, k->lsh);
  __m512i pe = _mm512_add_epi64 (_mm512_mul_epi32 (x, k->mult), nudge);
  __m512i po = _mm512_add_epi64 (_mm512_mul_epi32 (_mm512_srli_epi64 (x,
              32), k->mult_odd), nudge);
  __m512i thr, r;
  __mmask16 up;

  /* SRDHM: bits 31..62 of the 64-bit products + 2^30 */
  x = _mm512_mask_blend_epi32 ((__mmask16) 0xaaaa, _mm512_srli_epi64 (pe,
          31), _mm512_slli_epi64 (po, 1));
  /* RoundingDivideByPOT: + 1 where the remainder passes half, or equals
   * it with x < 0 and ties away from zero */
  thr = _mm512_sub_epi32 (k->half, _mm512_and_si512 (_mm512_srai_epi32 (x,
              31), k->away));
  up = _mm512_cmpgt_epi32_mask (_mm512_and_si512 (x, k->mask), thr);
  r = _mm512_srav_epi32 (x, k->rsh);
  r = _mm512_add_epi32 (_mm512_mask_add_epi32 (r, up, r, one), zp);
  return _mm512_min_epi32 (_mm512_max_epi32 (r, lo), hi);
}

/* 64 bytes at p (n < 64: the first n, the rest 0). */
MNV3_INLINE __m512i
qd64_load (const uint8_t *p, __mmask64 m, const int tail)
{
  return tail ? _mm512_maskz_loadu_epi8 (m, p) : _mm512_loadu_si512 (p);
}

/* The widening of bytes v against e (0, or v's sign bytes). */
#define QD64_EXT(v, sign) ((sign) \
    ? _mm512_movm_epi8 (_mm512_movepi8_mask (v)) : _mm512_setzero_si512 ())

/* The taps' addresses of output column ox. */
MNV3_INLINE void
FN (qd64_src) (const mnv3_qdw *d, const uint8_t *const *rows, int ox,
    int c0, const int K, const uint8_t **src)
{
  const mnv3_qdw_desc *p = &d->p;
  const size_t c = (size_t) p->c, xstep = (size_t) p->dw * c;
  const int x0 = ox * p->sw - p->pad_l;

  if (ox < d->ox_lo || ox >= d->ox_hi) {
    for (int ky = 0; ky < K; ky++)
      for (int kx = 0; kx < K; kx++) {
        const int ix = x0 + kx * p->dw;
        src[ky * K + kx] = ix >= 0 && ix < p->iw
            ? rows[ky] + (size_t) ix * c + c0 : d->zp_row + c0;
      }
  } else {
    const size_t base = (size_t) x0 * c + c0;
#pragma GCC unroll 25
    for (int t = 0; t < K * K; t++)
      src[t] = rows[t / K] + base + (size_t) (t % K) * xstep;
  }
  src[K * K] = src[K * K - 1];
}

/* NP (1 or 2) output columns from ox: the weights loaded once for both. */
MNV3_INLINE void
FN (qd64_px) (const mnv3_qdw *d, const uint8_t *const *rows, uint8_t *orow,
    int ox, int c0, __mmask64 m, const int tail, const int K, const int NP)
{
  const mnv3_qdw_desc *p = &d->p;
  const size_t c = (size_t) p->c, cp64 = (size_t) d->cp64;
  const int sign = p->in_type == MNV3_DTYPE_I8, P = (K * K + 1) / 2;
  const int32_t *w = d->w64 + c0, *q = d->q64 + c0;
  const __m512i zp = _mm512_set1_epi32 (p->out_zp);
  const __m512i lo = _mm512_set1_epi32 (p->act_min);
  const __m512i hi = _mm512_set1_epi32 (p->act_max);
  const uint8_t *src[2][26];
  __m512i acc[2][4];

  for (int i = 0; i < NP; i++)
    FN (qd64_src) (d, rows, ox + i, c0, K, src[i]);
  for (int v = 0; v < 4; v++) {
    const __m512i b = _mm512_loadu_si512 (q + MNV3_QDW_Q64_BIAS * cp64
        + 16 * v);
    for (int i = 0; i < NP; i++)
      acc[i][v] = b;
  }
#pragma GCC unroll 13
  for (int t = 0; t < P; t++) {
    const int32_t *wt = w + (size_t) t * cp64;
    const __m512i w0 = _mm512_loadu_si512 (wt);
    const __m512i w1 = _mm512_loadu_si512 (wt + 16);
    const __m512i w2 = _mm512_loadu_si512 (wt + 32);
    const __m512i w3 = _mm512_loadu_si512 (wt + 48);
    for (int i = 0; i < NP; i++) {
      const __m512i a = qd64_load (src[i][2 * t], m, tail);
      const __m512i b = qd64_load (src[i][2 * t + 1], m, tail);
      const __m512i il = _mm512_unpacklo_epi8 (a, b);
      const __m512i ih = _mm512_unpackhi_epi8 (a, b);
      const __m512i el = QD64_EXT (il, sign), eh = QD64_EXT (ih, sign);
      acc[i][0] = QD_DOT64 (acc[i][0], _mm512_unpacklo_epi8 (il, el), w0);
      acc[i][1] = QD_DOT64 (acc[i][1], _mm512_unpackhi_epi8 (il, el), w1);
      acc[i][2] = QD_DOT64 (acc[i][2], _mm512_unpacklo_epi8 (ih, eh), w2);
      acc[i][3] = QD_DOT64 (acc[i][3], _mm512_unpackhi_epi8 (ih, eh), w3);
    }
  }
  for (int v = 0; v < 4; v++) {
    const FN (qd64_rq) k = FN (qd64_rq_load) (q + 16 * v, cp64);
    for (int i = 0; i < NP; i++)
      acc[i][v] = FN (qd64_requant) (acc[i][v], &k, zp, lo, hi);
  }
  for (int i = 0; i < NP; i++) {
    const __m512i r01 = _mm512_packs_epi32 (acc[i][0], acc[i][1]);
    const __m512i r23 = _mm512_packs_epi32 (acc[i][2], acc[i][3]);
    const __m512i o = p->act_min < 0 ? _mm512_packs_epi16 (r01, r23)
        : _mm512_packus_epi16 (r01, r23);
    uint8_t *dst = orow + (size_t) (ox + i) * c + c0;
    if (tail)
      _mm512_mask_storeu_epi8 (dst, m, o);
    else
      _mm512_storeu_si512 (dst, o);
  }
}

MNV3_INLINE void
FN (qd_block64) (const mnv3_qdw *d, const uint8_t *const *rows,
    uint8_t *orow, int c0, int n, const int tail, const int K)
{
  const __mmask64 m = tail ? ((__mmask64) 1 << n) - 1 : ~(__mmask64) 0;
  int ox = 0;

  /* the border columns one at a time, the inside ones in pairs */
  for (; ox < d->p.ow && ox < d->ox_lo; ox++)
    FN (qd64_px) (d, rows, orow, ox, c0, m, tail, K, 1);
  for (; ox + 2 <= d->ox_hi; ox += 2)
    FN (qd64_px) (d, rows, orow, ox, c0, m, tail, K, 2);
  for (; ox < d->p.ow; ox++)
    FN (qd64_px) (d, rows, orow, ox, c0, m, tail, K, 1);
}

#undef QD64_EXT
