/* qdwconv-vnni.c — 8-bit 3x3 / 5x5 depthwise kernels compiled for AVX512-VNNI (vpdpwssd)
 * (template qdwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "quant/qvec-avx512.h"
#include "quant/qvec-srdhm-avx512.h"
#include "quant/qkernels.h"

/* GCC (12) copies the accumulator around its VNNI builtins; in asm the
 * accumulator stays in its register. */
MNV3_INLINE vi
vi_dpwssd (vi acc, vi a, vi w)
{
  __asm__ ("vpdpwssd %2, %1, %0" : "+v" (acc) : "v" (a), "vm" (w));
  return acc;
}

#define FN(name) name##_vnni
#define QD_DOT(acc, a, w) vi_dpwssd ((acc), (a), (w))
#define QD_DOT64(acc, a, w) vi_dpwssd ((acc), (a), (w))

/* the one-tap blocks (fewer than 64 channels left): the short SRDHM */
#define QD_REQUANT1 vi_requant_fast

#include "quant/qdwconv-simd.h"
