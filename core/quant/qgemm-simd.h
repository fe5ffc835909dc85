/* qgemm-simd.h — template of the 8-bit GEMM kernel (1x1 conv, FC).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after qvec-<isa>.h, with
 *   FN(name)          the ISA suffix
 *   QG_KSTEP          2 (int16 pairs) or 4 (uint8 x int8 quads)
 *   QG_DOT(acc,a,w)   acc + the dot products of one k-step per lane
 *   QG_MR, QG_NV      micro-tile: rows, vectors of columns
 * Contract and packed layout: qkernels.h.
 *
 * Rows of A are first copied into scratch in the kernel's operand form
 * (int16 for kstep 2, uint8 with the int8 XOR for kstep 4; k padded with
 * zeros to whole k-steps; row sums when the weights' zero point needs
 * them), mc rows at a time so that a panel of weights stays in L1 while it
 * meets all of them.  A micro-tile keeps QG_MR x QG_NV accumulators in
 * registers; per k-step it loads QG_NV weight vectors and broadcasts one
 * 4-byte operand a row.  Narrow panels (the last one) and short row tails
 * are the same code with smaller compile-time bounds.  Where every column
 * rounds as ruy, the output stage is vi_requant_up (one 64-bit rounding);
 * with g->fscale, ONNX Runtime's float one (vi_requant_float).
 *
 * The conv entry (mnv3_qgemm_conv_<isa>) builds the block of rows from the
 * convolution's NHWC input instead (qg_gather_a: no im2col buffer;
 * windows wholly inside convert a vector per kernel row; kstep 4 then sums
 * the gathered rows where the weights' zero point needs it).  kstep 2
 * only: byte weights (g->w8, layers of one row) go through qg_tile_w8.
 */

#define QG_VB (VI_W * 4)       /* bytes a vector */

/* Copy rows [0, mb) of A into ab ([mb][kq * 4] bytes) as operands. */
MNV3_INLINE void
FN (qg_pack_a) (const mnv3_qgemm *g, const uint8_t *a, size_t a_stride,
    size_t mb, uint8_t *ab, int32_t *rs)
{
  const size_t k = (size_t) g->k, kw = (size_t) g->kq * 4;

  for (size_t r = 0; r < mb; r++) {
    const uint8_t *src = a + r * a_stride;
    uint8_t *dst = ab + r * kw;
    size_t kk = 0;
#if QG_KSTEP == 4
    const uint8_t x = g->a_xor;
    const vi vx = vi_set1 ((int32_t) (x * 0x01010101u));
    vi s = vi_zero ();
    int64_t sum;
    for (; kk + QG_VB <= k; kk += QG_VB) {
      vi v = vi_xor (vi_load (src + kk), vx);
      vi_store (dst + kk, v);
      s = vi_sad_add (s, v);
    }
#ifdef VI_MASK_U8
    /* the last k - kk < QG_VB bytes and the zero padding up to kw: one
     * masked load, xor, store (nothing read past k, nothing written past
     * kw) */
    if (kk < kw) {
      const vi_mask_u8 m = vi_mask_u8_n (k - kk);
      vi v = vi_and_u8_mask (vi_xor (vi_load_u8_n (src + kk, m), vx), m);
      vi_store_u8_mask (dst + kk, v, vi_mask_u8_n (kw - kk));
      s = vi_sad_add (s, v);
    }
    sum = vi_hsum64 (s);
#else
    sum = vi_hsum64 (s);
    for (; kk < k; kk++) {
      dst[kk] = src[kk] ^ x;
      sum += dst[kk];
    }
    memset (dst + k, 0, kw - k);
#endif
    if (g->coef)
      rs[r] = (int32_t) sum;
#else
    const int sign = g->a_signed;
    int16_t *d16 = (int16_t *) dst;
    for (; kk + QG_VB / 2 <= k; kk += QG_VB / 2)
      vi_store (d16 + kk, vi_ext_i16 (src + kk, sign));
    for (; kk < k; kk++)
      d16[kk] = sign ? (int16_t) (int8_t) src[kk] : (int16_t) src[kk];
    memset (d16 + k, 0, kw - 2 * k);
    if (g->coef) {            /* byte weights (w8) with a zero point */
      int32_t sum = 0;
      for (kk = 0; kk < k; kk++)
        sum += d16[kk];
      rs[r] = sum;
    }
#endif
  }
}

/* One micro-tile: mr rows x nv vectors of columns starting at col0. */
MNV3_INLINE void
FN (qg_tile) (const mnv3_qgemm *g, const uint8_t *ab, const int32_t *rs,
    const uint8_t *wp, int col0, uint8_t *c, size_t c_stride, int ncols,
    const int mr, const int nv)
{
  const size_t kw = (size_t) g->kq * 4, wstep = (size_t) nv * QG_VB;
  const uint8_t *ap = ab;
  vi acc[QG_MR][QG_NV];

#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    vi b = vi_load (g->bias + col0 + v * VI_W);
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
      acc[i][v] = b;
  }
#if QG_KSTEP == 4
  if (g->coef) {
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      vi cf = vi_load (g->coef + col0 + v * VI_W);
#pragma GCC unroll 8
      for (int i = 0; i < mr; i++)
        acc[i][v] = vi_sub (acc[i][v], vi_mullo (cf, vi_set1 (rs[i])));
    }
  }
#else
  (void) rs;
#endif

  for (int q = 0; q < g->kq; q++, wp += wstep, ap += 4) {
    vi w[QG_NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      w[v] = vi_load (wp + v * QG_VB);
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
      vi a = vi_bcast32 (ap + i * kw);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++)
        acc[i][v] = QG_DOT (acc[i][v], a, w[v]);
    }
  }

  if (g->fscale) {
    const vf flo = vf_set1 (g->flo), fhi = vf_set1 (g->fhi);
    const vi zp = vi_set1 (g->out_zp);
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      const vf sc = vf_load (g->fscale + col0 + v * VI_W);
      const int left = ncols - v * VI_W;
#pragma GCC unroll 8
      for (int i = 0; i < mr; i++) {
        vi y = vi_requant_float (acc[i][v], sc, flo, fhi, zp);
        if (left >= VI_W)
          vi_store_u8 (c + i * c_stride + v * VI_W, y);
        else
          vi_store_u8_n (c + i * c_stride + v * VI_W, y, left);
      }
    }
  } else if (g->rq_up) {
    const vi lo = vi_set1 (g->act_min), hi = vi_set1 (g->act_max);
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      const int j = col0 + v * VI_W;
      const vi mult = vi_load (g->mult + j), lsh = vi_load (g->lsh + j);
      const vi mult_o = vi_odd (mult), zp = vi_load (g->rq_zp + j);
      const vi add_e = vi_load (g->rq_add + j);
      const vi add_o = vi_load (g->rq_add + j + VI_W / 2);
      const vi sh_e = vi_load (g->rq_sh + j);
      const vi sh_o = vi_load (g->rq_sh + j + VI_W / 2);
      const int left = ncols - v * VI_W;
#pragma GCC unroll 8
      for (int i = 0; i < mr; i++) {
        vi y = vi_requant_up (acc[i][v], lsh, mult, mult_o, add_e, add_o,
            sh_e, sh_o, zp, lo, hi);
        if (left >= VI_W)
          vi_store_u8 (c + i * c_stride + v * VI_W, y);
        else
          vi_store_u8_n (c + i * c_stride + v * VI_W, y, left);
      }
    }
  } else {
    const vi zp = vi_set1 (g->out_zp);
    const vi lo = vi_set1 (g->act_min), hi = vi_set1 (g->act_max);
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      const int j = col0 + v * VI_W;
      const vi mult = vi_load (g->mult + j), lsh = vi_load (g->lsh + j);
      const vi rsh = vi_load (g->rsh + j), away = vi_load (g->away + j);
      const int left = ncols - v * VI_W;
#pragma GCC unroll 8
      for (int i = 0; i < mr; i++) {
        vi y = vi_requant (acc[i][v], mult, lsh, rsh, away, zp, lo, hi);
        if (left >= VI_W)
          vi_store_u8 (c + i * c_stride + v * VI_W, y);
        else
          vi_store_u8_n (c + i * c_stride + v * VI_W, y, left);
      }
    }
  }
}

/* The tile instances: every (mr, nv) up to the kernel's maximum. */
static void
FN (qg_tile_any) (const mnv3_qgemm *g, const uint8_t *ab, const int32_t *rs,
    const uint8_t *wp, int col0, uint8_t *c, size_t c_stride, int ncols,
    int mr, int nv)
{
#define QG_CASE(MR_, NV_) \
  case (MR_) * 8 + (NV_): \
    if ((MR_) <= QG_MR && (NV_) <= QG_NV) \
      FN (qg_tile) (g, ab, rs, wp, col0, c, c_stride, ncols, \
          (MR_) <= QG_MR ? (MR_) : 1, (NV_) <= QG_NV ? (NV_) : 1); \
    break;
#define QG_CASES(MR_) \
  QG_CASE (MR_, 1) QG_CASE (MR_, 2) QG_CASE (MR_, 3) QG_CASE (MR_, 4)

  switch (mr * 8 + nv) {
    QG_CASES (1) QG_CASES (2) QG_CASES (3) QG_CASES (4)
    QG_CASES (5) QG_CASES (6) QG_CASES (7) QG_CASES (8)
    default:
      break;
  }
#undef QG_CASES
#undef QG_CASE
}

/* ---- the conv entry: rows gathered from the NHWC input ----------------
 * One gather for both operand forms: qg_op is an operand (int16 for
 * kstep 2, a byte for kstep 4), cv how a byte becomes one (kstep 2: sign-
 * extend when 1; kstep 4: the XOR), a literal at every call so each form
 * is its own code. */
#if QG_KSTEP == 2
typedef int16_t qg_op;
#define QG_OPV (QG_VB / 2)      /* operands a vector */
MNV3_INLINE vi
FN (qg_op_vec) (const uint8_t *src, int cv)
{
  return vi_ext_i16 (src, cv);
}

MNV3_INLINE qg_op
FN (qg_op1) (uint8_t b, int cv)
{
  return cv ? (int16_t) (int8_t) b : (int16_t) b;
}
#else
typedef uint8_t qg_op;
#define QG_OPV QG_VB
MNV3_INLINE vi
FN (qg_op_vec) (const uint8_t *src, int cv)
{
  return vi_xor (vi_load (src), vi_set1 ((int32_t) ((uint32_t) cv
              * 0x01010101u)));
}

MNV3_INLINE qg_op
FN (qg_op1) (uint8_t b, int cv)
{
  return (uint8_t) (b ^ cv);
}
#endif

/* n bytes at src to operands at d.  Whole vectors where the input has
 * them (end: one past its last byte); the last one may write up to a
 * vector past d + n: later runs, the row's zero tail, the next row or the
 * scratch's slack take those bytes. */
MNV3_INLINE void
FN (qg_cvt_run) (qg_op *d, const uint8_t *src, size_t n, const uint8_t *end,
    int cv)
{
  size_t i = 0;

  for (; i + QG_OPV <= n; i += QG_OPV)
    vi_store (d + i, FN (qg_op_vec) (src + i, cv));
  if (i == n)
    return;
  if ((size_t) (end - (src + i)) >= QG_OPV) {
    vi_store (d + i, FN (qg_op_vec) (src + i, cv));
    return;
  }
  for (; i < n; i++)
    d[i] = FN (qg_op1) (src[i], cv);
}

MNV3_INLINE void
FN (qg_fill) (qg_op *d, qg_op v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    d[i] = v;
}

/* Operands [k, kw) of a gathered row: zeros (kstep 2: at most one; kstep
 * 4: at most three), after the runs since their last vector may pass k. */
MNV3_INLINE void
FN (qg_zero_tail) (qg_op *row, size_t k, size_t kw)
{
  for (size_t i = k; i < kw / sizeof (qg_op); i++)
    row[i] = 0;
}

/* Rows [r0, r0 + mb) of the convolution's im2col, built straight into ab
 * as operands (the weights' OHWI order: ky, kx, channel). */
MNV3_INLINE void
FN (qg_gather_a) (const mnv3_qgemm *g, const uint8_t *in, size_t r0,
    size_t mb, uint8_t *ab, const int cv)
{
  const mnv3_conv_params *p = &g->conv;
  const size_t ic = (size_t) p->ic, run = (size_t) p->kw * ic;
  const size_t kw = (size_t) g->kq * 4, k = (size_t) g->k;
  const size_t row_step = (size_t) p->dh * p->iw * ic;
  const uint8_t *end = in + (size_t) p->ih * p->iw * ic;
  const int span_h = (p->kh - 1) * p->dh;
  /* the padding taps: in_zp as an operand */
  const qg_op pad = QG_KSTEP == 2 ? (qg_op) g->conv_zp
      : FN (qg_op1) ((uint8_t) g->conv_zp, cv);
  /* output columns [ox_lo, ox_end) have every tap inside horizontally */
  const int ox_lo = (p->pad_l + p->sw - 1) / p->sw;
  const int xr = p->iw - p->kw + p->pad_l;
  const int ox_end = p->dw != 1 || xr < 0 ? 0
      : xr / p->sw + 1 < p->ow ? xr / p->sw + 1 : p->ow;
  /* bytes a window spans from its first: one vector per kernel row fits
   * when run <= QG_OPV and this many bytes remain */
  const size_t win_bytes = (size_t) (p->kh - 1) * row_step + QG_OPV;
#if QG_KSTEP == 4
  const size_t win_bytes16 = (size_t) (p->kh - 1) * row_step + 16;
#endif
  int oy = (int) (r0 / (size_t) p->ow), ox = (int) (r0 % (size_t) p->ow);

  for (size_t r = 0; r < mb; r++) {
    qg_op *d = (qg_op *) (ab + r * kw);
    const int iy0 = oy * p->sh - p->pad_t, ix0 = ox * p->sw - p->pad_l;
    const int inside_x = p->dw == 1 && ix0 >= 0 && ix0 + p->kw <= p->iw;
    if (ox >= ox_lo && ox < ox_end && iy0 >= 0 && iy0 + span_h < p->ih) {
      /* the window inside: a stretch of this output row, nothing to test
       * but the input's end */
      const size_t nx = (size_t) (ox_end - ox) < mb - r
          ? (size_t) (ox_end - ox) : mb - r;
      const size_t sstep = (size_t) p->sw * ic;
      const uint8_t *src = in + ((size_t) iy0 * p->iw + ix0) * ic;
      for (size_t t = 0; t < nx; t++, src += sstep) {
        qg_op *dt = (qg_op *) (ab + (r + t) * kw);
        const uint8_t *sy = src;
#if QG_KSTEP == 4
        /* the stem's short runs (3x3x3: 9 bytes): a 16-byte vector a
         * kernel row, which seldom splits a cache line as a full one
         * does */
        if (run <= 16 && (size_t) (end - src) >= win_bytes16) {
          const __m128i x = _mm_set1_epi8 ((char) cv);
          for (int ky = 0; ky < p->kh; ky++, dt += run, sy += row_step)
            _mm_storeu_si128 ((__m128i *) dt, _mm_xor_si128 (_mm_loadu_si128
                    ((const __m128i *) sy), x));
        } else
#endif
        if (run <= QG_OPV && (size_t) (end - src) >= win_bytes) {
          for (int ky = 0; ky < p->kh; ky++, dt += run, sy += row_step)
            vi_store (dt, FN (qg_op_vec) (sy, cv));
        } else {
          for (int ky = 0; ky < p->kh; ky++, dt += run, sy += row_step)
            FN (qg_cvt_run) (dt, sy, run, end, cv);
        }
        FN (qg_zero_tail) ((qg_op *) (ab + (r + t) * kw), k, kw);
      }
      r += nx - 1;
      ox += (int) nx - 1;
      goto next_pixel;
    }
    for (int ky = 0; ky < p->kh; ky++) {
      const int iy = iy0 + ky * p->dh;
      const uint8_t *row;
      if (iy < 0 || iy >= p->ih) {
        FN (qg_fill) (d, pad, run);
        d += run;
        continue;
      }
      row = in + (size_t) iy * p->iw * ic;
      if (inside_x) {
        FN (qg_cvt_run) (d, row + (size_t) ix0 * ic, run, end, cv);
        d += run;
      } else {
        for (int kx = 0; kx < p->kw; kx++, d += ic) {
          const int ix = ix0 + kx * p->dw;
          if (ix < 0 || ix >= p->iw)
            FN (qg_fill) (d, pad, ic);
          else
            FN (qg_cvt_run) (d, row + (size_t) ix * ic, ic, end, cv);
        }
      }
    }
    FN (qg_zero_tail) ((qg_op *) (ab + r * kw), k, kw);
next_pixel:
    if (++ox == p->ow) {
      ox = 0;
      oy++;
    }
  }
}

#if QG_KSTEP == 4
/* The row sums of mb gathered rows (kw operand bytes each, zeros past k),
 * for the uint8 weights' zero point (g->coef). */
MNV3_INLINE void
FN (qg_row_sums) (const uint8_t *ab, size_t mb, size_t kw, int32_t *rs)
{
  for (size_t r = 0; r < mb; r++) {
    const uint8_t *row = ab + r * kw;
    vi s = vi_zero ();
    size_t kk = 0;
    int64_t sum;
    for (; kk + QG_VB <= kw; kk += QG_VB)
      s = vi_sad_add (s, vi_load (row + kk));
#ifdef VI_MASK_U8
    if (kk < kw)
      s = vi_sad_add (s, vi_load_u8_n (row + kk, vi_mask_u8_n (kw - kk)));
    sum = vi_hsum64 (s);
#else
    sum = vi_hsum64 (s);
    for (; kk < kw; kk++)
      sum += row[kk];
#endif
    rs[r] = (int32_t) sum;
  }
}
#endif

#if QG_KSTEP == 2
/* One row x nv vectors of columns on byte weights (g->w8: [kq][width][2]
 * bytes, sign-extended (ws) or zero-extended to int16 as loaded): the
 * layers of one row (fully connected, squeeze-excite) stream their
 * weights from memory once per frame, half as many bytes as int16. */
MNV3_INLINE void
FN (qg_tile_w8) (const mnv3_qgemm *g, const uint8_t *ab, int32_t rs,
    const uint8_t *wp, int col0, uint8_t *c, int ncols, const int nv,
    const int ws)
{
  const size_t wstep = (size_t) nv * VI_W * 2;
  const vi lo = vi_set1 (g->act_min), hi = vi_set1 (g->act_max);
  vi acc[QG_NV];

#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    acc[v] = vi_load (g->bias + col0 + v * VI_W);
    if (g->coef)
      acc[v] = vi_sub (acc[v], vi_mullo (vi_load (g->coef + col0 + v * VI_W),
              vi_set1 (rs)));
  }
  for (int q = 0; q < g->kq; q++, wp += wstep) {
    vi a = vi_bcast32 (ab + (size_t) q * 4);
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      acc[v] = vi_add (acc[v], vi_madd (a, vi_ext_i16 (wp + v * VI_W * 2,
                  ws)));
  }
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    const int j = col0 + v * VI_W, left = ncols - v * VI_W;
    const vi mult = vi_load (g->mult + j), lsh = vi_load (g->lsh + j);
    vi y;
    if (g->fscale)
      y = vi_requant_float (acc[v], vf_load (g->fscale + j),
          vf_set1 (g->flo), vf_set1 (g->fhi), vi_set1 (g->out_zp));
    else if (g->rq_up)
      y = vi_requant_up (acc[v], lsh, mult, vi_odd (mult),
          vi_load (g->rq_add + j), vi_load (g->rq_add + j + VI_W / 2),
          vi_load (g->rq_sh + j), vi_load (g->rq_sh + j + VI_W / 2),
          vi_load (g->rq_zp + j), lo, hi);
    else
      y = vi_requant (acc[v], mult, lsh, vi_load (g->rsh + j),
          vi_load (g->away + j), vi_set1 (g->out_zp), lo, hi);
    if (left >= VI_W)
      vi_store_u8 (c + v * VI_W, y);
    else
      vi_store_u8_n (c + v * VI_W, y, left);
  }
}

static void
FN (qg_tile_w8_any) (const mnv3_qgemm *g, const uint8_t *ab, int32_t rs,
    const uint8_t *wp, int col0, uint8_t *c, int ncols, int nv)
{
  const int ws = g->w_signed;
#define QG_W8(NV_) \
  case NV_: \
    if ((NV_) <= QG_NV) { \
      if (ws) \
        FN (qg_tile_w8) (g, ab, rs, wp, col0, c, ncols, \
            (NV_) <= QG_NV ? (NV_) : 1, 1); \
      else \
        FN (qg_tile_w8) (g, ab, rs, wp, col0, c, ncols, \
            (NV_) <= QG_NV ? (NV_) : 1, 0); \
    } \
    break;
  switch (nv) {
    QG_W8 (1) QG_W8 (2) QG_W8 (3) QG_W8 (4)
    default:
      break;
  }
#undef QG_W8
}
#endif

/* Rows [r0, r0 + m) of C: stored rows of A, or (conv) gathered ones. */
MNV3_INLINE void
FN (qg_rows) (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, int conv, size_t row0, uint8_t *c, size_t c_stride,
    int p0, int p1, void *scratch)
{
  const size_t mc = (size_t) g->mc, kw = (size_t) g->kq * 4;
  const int pw = QG_NV * VI_W;
  int32_t *rs = (int32_t *) scratch;
  uint8_t *ab = (uint8_t *) scratch + ((mc * 4 + 63) & ~(size_t) 63);

  for (size_t r0 = 0; r0 < m; r0 += mc) {
    const size_t mb = m - r0 < mc ? m - r0 : mc;
#if QG_KSTEP == 2
    if (conv && g->a_signed)
      FN (qg_gather_a) (g, a, row0 + r0, mb, ab, 1);
    else if (conv)
      FN (qg_gather_a) (g, a, row0 + r0, mb, ab, 0);
#else
    if (conv) {
      if (g->a_xor)
        FN (qg_gather_a) (g, a, row0 + r0, mb, ab, 0x80);
      else
        FN (qg_gather_a) (g, a, row0 + r0, mb, ab, 0);
      if (g->coef)
        FN (qg_row_sums) (ab, mb, kw, rs);
    }
#endif
    else
      FN (qg_pack_a) (g, a + r0 * a_stride, a_stride, mb, ab, rs);
#if QG_KSTEP == 2
    if (g->w8) {
      for (size_t r = 0; r < mb; r++)
        for (int p = p0; p < p1; p++) {
          const int col0 = p * pw;
          const int ncols = g->n - col0 < pw ? g->n - col0 : pw;
          FN (qg_tile_w8_any) (g, ab + r * kw, rs[r], g->w
              + (size_t) col0 * g->kq * 2, col0, c + (r0 + r) * c_stride
              + col0, ncols, (ncols + VI_W - 1) / VI_W);
        }
      continue;
    }
#endif
    for (int p = p0; p < p1; p++) {
      const int col0 = p * pw;
      const int ncols = g->n - col0 < pw ? g->n - col0 : pw;
      const int nv = (ncols + VI_W - 1) / VI_W;
      const uint8_t *wp = g->w + (size_t) col0 * kw;
      for (size_t r = 0; r < mb; r += QG_MR) {
        const int mr = (int) (mb - r < QG_MR ? mb - r : QG_MR);
        FN (qg_tile_any) (g, ab + r * kw, rs + r, wp, col0,
            c + (r0 + r) * c_stride + col0, c_stride, ncols, mr, nv);
      }
    }
  }
  (void) conv;
  (void) row0;
}


void
FN (mnv3_qgemm) (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch)
{
  FN (qg_rows) (g, m, a, a_stride, 0, 0, c, c_stride, p0, p1, scratch);
}

void
FN (mnv3_qgemm_conv) (const mnv3_qgemm *g, size_t r0, size_t m,
    const uint8_t *in, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch)
{
  FN (qg_rows) (g, m, in, 0, 1, r0, c, c_stride, p0, p1, scratch);
}

#undef QG_OPV
#undef QG_VB
