/* dsp.h — private: the kernel dispatch table, op family x data type x ISA.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every kernel an operator may run is reached through one struct of
 * function pointers (dav1d's DSP context).  mnv3_dsp_init fills it for an
 * ISA level best-first: the C versions of every entry, then each level the
 * caller allows (AVX2, then AVX-512) overrides what it accelerates, and
 * returns early at the first level above the request.  So
 *
 *   op family   a member (gemm, dw3, act, binary, pool, ...)
 *   data type   a sub-table: f32 (this file), q8 / q8elt (quant/qkernels.h,
 *               filled by mnv3_qdsp_init / mnv3_qeltdsp_init)
 *   ISA         the level the table was filled for
 *
 * and an operator decides nothing about ISAs: its create (conv, dwconv,
 * preprocess) copies the entries it needs, its run (element-wise ops) looks
 * them up through mnv3_dsp_f32_get.  An entry never is NULL; a packed
 * layout (gemm panels) belongs to the entry that reads it, so pack with
 * the table you run.  Float kernels have no VNNI level: AVX512VNNI reads
 * the AVX-512 entries.
 *
 * The kernels' own contracts are in the family headers named below.
 */
#ifndef MNV3_DSP_H
#define MNV3_DSP_H

#include "conv/gemm.h"
#include "dwconv/dwconv.h"
#include "elementwise/elementwise.h"
#include "preprocess/preprocess-internal.h"
#include "quant/qkernels.h"

/* elementwise.h's kernels as pointer types */
typedef void (*mnv3_act_fn) (mnv3_act act, const float *in, float *out,
    size_t n);
typedef void (*mnv3_binary_fn) (mnv3_binary_op op, mnv3_act act,
    const float *a, int a_step, const float *b, int b_step, float *out,
    size_t n);
typedef void (*mnv3_pool_fn) (const mnv3_pool_params *p, const float *in,
    float *out, int oy0, int oy1);
typedef void (*mnv3_gavg_fn) (const float *in, size_t hw, int stride,
    int c0, int c1, float *out);
typedef void (*mnv3_resize_hrow_fn) (const float *in, const int32_t *x0,
    const int32_t *x1, const float *wx, int ow, int c, float *row);
typedef void (*mnv3_resize_vblend_fn) (const float *r0, const float *r1,
    float wy, float *out, size_t n);
typedef void (*mnv3_softmax_fn) (const float *in, float *out, size_t rows,
    int c);

/* The float32 kernels of one ISA level. */
typedef struct {
  mnv3_isa isa;                     /* SCALAR, AVX2 or AVX512 */
  /* convolution family (conv/gemm.h): 1x1, FC, im2col and implicit GEMM */
  mnv3_gemm_kernel gemm;
  /* depthwise (dwconv/dwconv.h): square 3x3 and 5x5, and any shape */
  mnv3_dwconv_rows_fn dw3, dw5, dw_any;
  /* element-wise (elementwise/elementwise.h) */
  mnv3_act_fn act;
  mnv3_binary_fn binary;
  mnv3_pool_fn pool;
  mnv3_gavg_fn gavg;
  mnv3_resize_hrow_fn resize_hrow;
  mnv3_resize_vblend_fn resize_vblend;
  mnv3_softmax_fn softmax;
  /* video frame -> tensor rows (preprocess/preprocess-internal.h); the
   * SIMD rows need every plane row >= 4 bytes (preprocess.c checks) */
  mnv3_pp_row_fn pp_packed, pp_i420, pp_nv12;
} mnv3_dsp_f32;

/* Every data type's kernels for one ISA level and feature set. */
typedef struct {
  mnv3_dsp_f32 f32;
  mnv3_qdsp q8;                     /* 8-bit conv: GEMM and depthwise */
  mnv3_qeltdsp q8elt;               /* 8-bit element-wise */
} mnv3_dsp;

/* Fill every sub-table for isa (resolved: not AUTO) and feature bits
 * (mnv3_cpu_features).  Tests pass each level the CPU has. */
void mnv3_dsp_init (mnv3_dsp *dsp, mnv3_isa isa, unsigned features);
/* The float part alone (it depends on no feature bit). */
void mnv3_dsp_f32_init (mnv3_dsp_f32 *f, mnv3_isa isa);
/* A float table filled once per process for each level: AUTO is resolved
 * (mnv3_cpu_resolve), a concrete level is trusted (the planner's or a
 * test's choice), VNNI reads AVX-512.  Thread-safe; never NULL. */
const mnv3_dsp_f32 *mnv3_dsp_f32_get (mnv3_isa isa);

#endif /* MNV3_DSP_H */
