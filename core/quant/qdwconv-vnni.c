/* qdwconv-vnni.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX512-VNNI (vpdpwssd)
 * (template qdwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx512.h"
#include "quant/qkernels.h"

#define FN(name) name##_vnni
#define QD_DOT(acc, a, w) _mm512_dpwssd_epi32 ((acc), (a), (w))

#include "quant/qdwconv-simd.h"
