/* qgemm-avx2.c — 8-bit GEMM kernel compiled for AVX2: vpmaddwd on int16 pairs
 * (template qgemm-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx2
#define QG_KSTEP 2
#define QG_DOT(acc, a, w) vi_add ((acc), vi_madd ((a), (w)))
#define QG_MR 6
#define QG_NV 2

#include "quant/qgemm-simd.h"
