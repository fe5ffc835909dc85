/* conv-ref.h — plain C reference convolutions (private to core/conv/ and
 * its tests).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Direct loops, written to be obviously right rather than fast: they define
 * what every GEMM path must compute.  No operator runs them (MNV3_ISA_SCALAR
 * runs the C GEMM, gemm-scalar.c); tests/conv checks the GEMMs against
 * them.
 */
#ifndef MNV3_CONV_REF_H
#define MNV3_CONV_REF_H

#include "ops.h"

/* Output rows [oy0, oy1) of out = act(conv(in * in_scale) + bias + res).
 * weights OHWI [oc][kh][kw][ic/groups]; bias [oc] (not NULL); res and
 * in_scale may be NULL. */
void mnv3_conv_ref_rows (const mnv3_conv_params *p, const float *weights,
    const float *bias, const float *in, float *out, const float *res,
    const float *in_scale, int oy0, int oy1);

/* Output rows [oy0, oy1) of the transposed convolution (gather form):
 * out[oy][ox][o] = act(bias[o] + sum in[iy][ix][i] * w[o][ky][kx][i])
 * over oy = iy*sh - pad_t + ky*dh, ox likewise.  bias not NULL. */
void mnv3_deconv_ref_rows (const mnv3_deconv_params *p, const float *weights,
    const float *bias, const float *in, float *out, int oy0, int oy1);

#endif /* MNV3_CONV_REF_H */
