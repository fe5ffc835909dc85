/* qdwconv-avxvnni.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX-VNNI (vpdpwssd)
 * (template qdwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avxvnni
#define QD_DOT(acc, a, w) _mm256_dpwssd_avx_epi32 ((acc), (a), (w))

#include "quant/qdwconv-simd.h"
