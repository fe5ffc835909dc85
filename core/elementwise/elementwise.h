/* elementwise.h — private contracts of the element-wise kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The public entry points (ops.h) split work over the thread pool and call
 * one of these per task.  Every kernel exists as *_scalar (plain C, the
 * reference, in the *.c file beside the entry point) and, on x86, as
 * *_avx2 and *_avx512 (the same template, *-simd.h, compiled by meson with
 * that ISA's flags).  The entry points take them from the dispatch table
 * (dsp.h, mnv3_dsp_f32_get).  Kernels never allocate, never read or write
 * outside the ranges stated here, and take unaligned pointers.
 */
#ifndef MNV3_ELEMENTWISE_H
#define MNV3_ELEMENTWISE_H

#include <stddef.h>
#include <stdint.h>

#include "ops.h"

#define MNV3_EW_DECLARE(ret, name, args) \
  ret name##_scalar args; ret name##_avx2 args; ret name##_avx512 args;

/* out[i] = act(in[i]), i < n.  in == out allowed. */
MNV3_EW_DECLARE (void, mnv3_act_kernel,
    (mnv3_act act, const float *in, float *out, size_t n))

/* out[i] = act(a[i*a_step] OP b[i*b_step]), i < n; steps are 0 (broadcast
 * one value) or 1.  out may equal a or b (each element is read before it
 * is written). */
MNV3_EW_DECLARE (void, mnv3_binary_kernel,
    (mnv3_binary_op op, mnv3_act act, const float *a, int a_step,
     const float *b, int b_step, float *out, size_t n))

/* Output rows [oy0, oy1) of a pooling (ops.h mnv3_pool_params), all
 * channels.  Reads only inside in. */
MNV3_EW_DECLARE (void, mnv3_pool_kernel,
    (const mnv3_pool_params *p, const float *in, float *out, int oy0,
     int oy1))

/* out[c] = mean of in[i*stride + c] over i < hw, for channels
 * [c0, c1) of a [hw][stride] tensor. */
MNV3_EW_DECLARE (void, mnv3_gavg_kernel,
    (const float *in, size_t hw, int stride, int c0, int c1, float *out))

/* Horizontal bilinear pass of one input row [iw][c] into row[ow][c]:
 * row[o*c + k] = in[x0[o] + k] + wx[o] * (in[x1[o] + k] - in[x0[o] + k])
 * (x0/x1 are float offsets, already multiplied by c).  row must have
 * room for ow*c + 16 floats: the kernel may write (garbage) past the end
 * of the last pixel when c is not a multiple of the vector width. */
MNV3_EW_DECLARE (void, mnv3_resize_hrow_kernel,
    (const float *in, const int32_t *x0, const int32_t *x1,
     const float *wx, int ow, int c, float *row))

/* Vertical bilinear blend of two horizontal rows:
 * out[i] = r0[i] + wy * (r1[i] - r0[i]), i < n. */
MNV3_EW_DECLARE (void, mnv3_resize_vblend_kernel,
    (const float *r0, const float *r1, float wy, float *out, size_t n))

/* Softmax over c of each of `rows` rows; in == out allowed. */
MNV3_EW_DECLARE (void, mnv3_softmax_kernel,
    (const float *in, float *out, size_t rows, int c))

/* Split [0, total) into n nearly equal parts; part i is [*lo, *hi). */
static inline void
mnv3_ew_split (size_t total, size_t n, size_t i, size_t *lo, size_t *hi)
{
  *lo = total * i / n;
  *hi = total * (i + 1) / n;
}

#endif /* MNV3_ELEMENTWISE_H */
