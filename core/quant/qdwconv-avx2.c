/* qdwconv-avx2.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX2 (vpmaddwd)
 * (template qdwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx2
#define QD_DOT(acc, a, w) vi_add ((acc), vi_madd ((a), (w)))

#include "quant/qdwconv-simd.h"
