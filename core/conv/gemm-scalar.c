/* gemm-scalar.c — f32 GEMM in plain C over the packed panels of gemm.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The C entry of the dispatch table (dsp.c): what runs on CPUs without the
 * x86 kernels (and with MNV3_ISA=scalar), and the sibling the SIMD GEMMs
 * are checked against in tests/conv.  Same contract as gemm-simd.h: panels
 * of NR (8) columns, the last one NR/2 wide when at most 4 columns remain;
 * per output acc = bias, then one multiply-add per k in order, then the
 * residual, then the activation (mnv3_act_ref, the sigmoid included).
 * A tile is MR x (panel width) accumulators; the width is a compile-time
 * constant in each of the two instances, so the compiler may vectorise
 * the column loop for whatever the target has.
 */
#include "conv/gemm.h"

#define MR MNV3_GEMM_SCALAR_MR
#define NR MNV3_GEMM_SCALAR_NR

/* Rows [i, i + rows) x the panel of width W at column j (cols real). */
static inline __attribute__ ((always_inline)) void
tile (const mnv3_gemm_args *g, size_t i, size_t rows, size_t j,
    const size_t W, size_t cols)
{
  const size_t k = g->k;
  const float *w = g->w + j * k;
  const float *ap[MR];
  float acc[MR][NR];

  for (size_t r = 0; r < rows; r++) {
    ap[r] = g->a + (i + r) * g->a_stride;
    for (size_t jj = 0; jj < W; jj++)
      acc[r][jj] = g->bias[j + jj];
  }
  for (size_t p = 0; p < k; p++, w += W) {
    const size_t at = g->koff ? g->koff[p] : p;
    for (size_t r = 0; r < rows; r++) {
      const float x = ap[r][at];
      for (size_t jj = 0; jj < W; jj++)
        acc[r][jj] += x * w[jj];
    }
  }
  for (size_t r = 0; r < rows; r++) {
    float *c = g->c + (i + r) * g->c_stride + j;
    const float *res = g->res ? g->res + (i + r) * g->res_stride + j : NULL;
    for (size_t jj = 0; jj < cols; jj++) {
      float v = acc[r][jj];
      if (res)
        v += res[jj];          /* read just before c[jj]: res == c is fine */
      c[jj] = mnv3_act_ref (g->act, v);
    }
  }
}

void
mnv3_gemm_scalar (size_t m, size_t n, const mnv3_gemm_args *g)
{
  for (size_t i = 0; i < m; i += MR) {
    const size_t rows = m - i < MR ? m - i : MR;
    for (size_t j = 0; j < n;) {
      const size_t left = n - j;
      if (left > NR / 2) {
        tile (g, i, rows, j, NR, left < NR ? left : NR);
        j += NR;
      } else {
        tile (g, i, rows, j, NR / 2, left);
        j += NR / 2;
      }
    }
  }
}
