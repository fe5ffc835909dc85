/* qdwconv-avx512.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX-512BW (vpmaddwd)
 * (template qdwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx512.h"
#include "quant/qvec-srdhm-avx512.h"
#include "quant/qkernels.h"

#define FN(name) name##_avx512
#define QD_DOT(acc, a, w) vi_add ((acc), vi_madd ((a), (w)))
#define QD_DOT64(acc, a, w) vi_add ((acc), vi_madd ((a), (w)))

/* the one-tap blocks (fewer than 64 channels left): the short SRDHM */
#define QD_REQUANT1 vi_requant_fast

#include "quant/qdwconv-simd.h"
