/* qgemm-avxvnni.c — 8-bit GEMM kernel compiled for AVX-VNNI: VEX vpdpbusd on uint8 x int8 quads
 * (template qgemm-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

#define FN(name) name##_avxvnni
#define QG_KSTEP 4
#define QG_DOT(acc, a, w) _mm256_dpbusd_avx_epi32 ((acc), (a), (w))
#define QG_MR 6
#define QG_NV 2

#include "quant/qgemm-simd.h"
