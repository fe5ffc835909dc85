/* qgemm-vnni.c — 8-bit GEMM kernel compiled for AVX512-VNNI: vpdpbusd on uint8 x int8 quads
 * (template qgemm-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx512.h"
#include "quant/qkernels.h"

/* GCC (12) copies the accumulator around its VNNI builtins; in asm the
 * accumulator stays in its register. */
MNV3_INLINE vi
vi_dpbusd (vi acc, vi a, vi w)
{
  __asm__ ("vpdpbusd %2, %1, %0" : "+v" (acc) : "v" (a), "vm" (w));
  return acc;
}

#define FN(name) name##_vnni
#define QG_KSTEP 4
#define QG_DOT(acc, a, w) vi_dpbusd ((acc), (a), (w))
#define QG_MR 6
#define QG_NV 4

#include "quant/qgemm-simd.h"
