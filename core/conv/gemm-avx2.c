/* gemm-avx2.c — f32 GEMM, 6x16 register tile, AVX2 + FMA (template
 * gemm-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 6x16: 12 accumulators + 2 B vectors + one broadcast fill the 16 ymm;
 * every height 1..6 is compiled. */
#include "elementwise/vec-avx2.h"
#include "elementwise/elementwise.h"
#include "conv/gemm.h"

#define GEMM_MR MNV3_GEMM_AVX2_MR
#define GEMM_FOR_EACH_ROWS(X) X (6) X (5) X (4) X (3) X (2) X (1)
#define GEMM_ROWS_ROUND { 0, 1, 2, 3, 4, 5, 6 }
#include "conv/gemm-simd.h"
