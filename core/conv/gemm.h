/* gemm.h — private contract between conv.c and the GEMM micro-kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * C[m][n] = act(bias[n] + sum_k A[m][k] * B[k][n] + R[m][n])
 *
 * A is read straight from NHWC rows (a 1x1 convolution's input, or an
 * im2col block): row r starts at a + r * a_stride and exactly k floats of
 * it are read, never more.  With koff set, element kk of row r is
 * a[r * a_stride + koff[kk]] instead: a spatial convolution read in place
 * (implicit GEMM), rows being output pixels whose taps are all inside the
 * input, a_stride = stride * ic and koff[kk] the offset of tap kk.
 *
 * B is packed once at create time into column panels of a kernel-chosen
 * width NR (a multiple of 2).  The panel starting at column j is
 *   NR wide       when more than NR/2 columns remain after j,
 *   NR/2 wide     otherwise (the last, narrow panel),
 * and stores its k rows contiguously: panel[kk * width + jj].  Panels follow
 * each other without gaps; columns past the real N are zero.  Every panel
 * but the last starts at a multiple of NR, so a block of columns that starts
 * at a panel boundary sees the same panel widths as the whole matrix.
 * Kernels read whole panels (padding included) and bias padded the same way.
 *
 * C and R (the fused residual, may be NULL) are read/written for exactly
 * m rows x n columns with their own row strides: no write past column n.
 * Every activation is applied in registers except the sigmoid, which runs
 * through mnv3_act_run() over the block just stored.
 */
#ifndef MNV3_CONV_GEMM_H
#define MNV3_CONV_GEMM_H

#include <stddef.h>

#include "ops.h"

typedef struct {
  size_t k;                   /* depth K (>= 1) */
  const float *a;             /* first row of A */
  size_t a_stride;            /* floats between rows of A */
  const size_t *koff;         /* NULL (dense rows) or [k] element offsets */
  const float *w;             /* first packed panel of the block */
  const float *bias;          /* packed bias of the block (padded) */
  float *c;                   /* first output row, column 0 of the block */
  size_t c_stride;
  const float *res;           /* NULL or residual, same position as c */
  size_t res_stride;
  mnv3_act act;
} mnv3_gemm_args;

/* Compute m rows x n columns (n counts real columns of the block). */
typedef void (*mnv3_gemm_fn) (size_t m, size_t n, const mnv3_gemm_args *g);

/* Panel geometry of one kernel family. */
typedef struct {
  mnv3_gemm_fn fn;
  int mr;                     /* rows per micro-tile (threading granule) */
  int nr;                     /* full panel width */
  const char *name;
} mnv3_gemm_kernel;

/* Floats a packed matrix of n columns takes per row of K. */
static inline size_t
mnv3_gemm_packed_n (size_t n, size_t nr)
{
  size_t full = n / nr * nr, rem = n - full;

  return full + (rem == 0 ? 0 : rem <= nr / 2 ? nr / 2 : nr);
}

/* Plain C over the same panels (gemm-scalar.c): every ISA packs alike, so
 * the C kernel is the reference the SIMD ones are tested against. */
void mnv3_gemm_scalar (size_t m, size_t n, const mnv3_gemm_args *g);
#define MNV3_GEMM_SCALAR_MR 4
#define MNV3_GEMM_SCALAR_NR 8

#ifdef MNV3_X86
void mnv3_gemm_avx2 (size_t m, size_t n, const mnv3_gemm_args *g);
void mnv3_gemm_avx512 (size_t m, size_t n, const mnv3_gemm_args *g);
#define MNV3_GEMM_AVX2_MR 6
#define MNV3_GEMM_AVX2_NR 16
#define MNV3_GEMM_AVX512_MR 12
#define MNV3_GEMM_AVX512_NR 32
#endif

#endif /* MNV3_CONV_GEMM_H */
