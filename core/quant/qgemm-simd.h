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
 * are the same code with smaller compile-time bounds.
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
    sum = vi_hsum64 (s);
    for (; kk < k; kk++) {
      dst[kk] = src[kk] ^ x;
      sum += dst[kk];
    }
    memset (dst + k, 0, kw - k);
    if (g->coef)
      rs[r] = (int32_t) sum;
#else
    const int sign = g->a_signed;
    int16_t *d16 = (int16_t *) dst;
    (void) rs;
    for (; kk + QG_VB / 2 <= k; kk += QG_VB / 2)
      vi_store (d16 + kk, vi_ext_i16 (src + kk, sign));
    for (; kk < k; kk++)
      d16[kk] = sign ? (int16_t) (int8_t) src[kk] : (int16_t) src[kk];
    memset (d16 + k, 0, kw - 2 * k);
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

  {
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

void
FN (mnv3_qgemm) (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch)
{
  const size_t mc = (size_t) g->mc, kw = (size_t) g->kq * 4;
  const int pw = QG_NV * VI_W;
  int32_t *rs = (int32_t *) scratch;
  uint8_t *ab = (uint8_t *) scratch + ((mc * 4 + 63) & ~(size_t) 63);

  for (size_t r0 = 0; r0 < m; r0 += mc) {
    const size_t mb = m - r0 < mc ? m - r0 : mc;
    FN (qg_pack_a) (g, a + r0 * a_stride, a_stride, mb, ab, rs);
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
}

#undef QG_VB
