/* im2col.h — gather convolution windows into GEMM rows (private).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MNV3_CONV_IM2COL_H
#define MNV3_CONV_IM2COL_H

#include <stddef.h>

#include "ops.h"

/* Rows [m0, m0 + rows) of group g's A (output pixels in raster order):
 * row r at dst + r*K holds the K = kh*kw*ic/groups window values in OHWI
 * order [ky][kx][i], zeros where the window leaves the input, each value
 * times in_scale[g*icg + i] when in_scale is not NULL.  Reads only inside
 * `in`; writes exactly rows*K floats. */
void mnv3_im2col (const mnv3_conv_params *p, size_t K, const float *in,
    const float *in_scale, int g, size_t m0, size_t rows, float *dst);

#endif /* MNV3_CONV_IM2COL_H */
