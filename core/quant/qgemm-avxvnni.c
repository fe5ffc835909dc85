/* qgemm-avxvnni.c — 8-bit GEMM kernel compiled for AVX-VNNI: VEX vpdpbusd on uint8 x int8 quads
 * (template qgemm-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx2.h"
#include "quant/qkernels.h"

/* qvnni256-evex.c compiles this file again with the EVEX encoding (AVX-512
 * VL + VNNI): machines without AVX-VNNI then still test this code. */
#ifdef MNV3_QVNNI256_EVEX
#define QV_ENC "%{evex%} "
#else
#define QV_ENC "%{vex%} "
#endif

/* GCC (12) copies the accumulator around its VNNI builtins; in asm the
 * accumulator stays in its register. */
MNV3_INLINE vi
vi_dpbusd (vi acc, vi a, vi w)
{
  __asm__ (QV_ENC "vpdpbusd %2, %1, %0" : "+x" (acc) : "x" (a), "xm" (w));
  return acc;
}

#ifdef MNV3_QVNNI256_EVEX
#define FN(name) name##_avxvnni_evex
#else
#define FN(name) name##_avxvnni
#endif
#define QG_KSTEP 4
#define QG_DOT(acc, a, w) vi_dpbusd ((acc), (a), (w))
#define QG_MR 6
#define QG_NV 2

#include "quant/qgemm-simd.h"
