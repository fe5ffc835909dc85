/* gemm-avx512.c — f32 GEMM, 12x32 register tile, AVX-512F (template
 * gemm-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 12x32: 24 accumulators + 2 B vectors in the 32 zmm.  Heights 3 and 5
 * are not compiled, as in the hand-written kernel this replaced: an even
 * split that asks for them runs 2 or 4 rows. */
#include "elementwise/vec-avx512.h"
#include "elementwise/elementwise.h"
#include "conv/gemm.h"

#define GEMM_MR MNV3_GEMM_AVX512_MR
#define GEMM_FOR_EACH_ROWS(X) X (12) X (11) X (10) X (9) X (8) X (7) X (6) \
  X (4) X (2) X (1)
#define GEMM_ROWS_ROUND { 0, 1, 2, 2, 4, 4, 6, 7, 8, 9, 10, 11, 12 }
#include "conv/gemm-simd.h"
