/* dwconv.h — private: the packed depthwise operator and its kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Packing (mnv3_dwconv_create): weights [c][kh][kw] become
 * w[(ky*kw + kx)*cp + ch] with cp = c rounded up to 16 (the widest vector)
 * and zeros in the padding lanes, so a kernel loads one full vector of
 * weights per tap and channel block without a tail case; bias likewise
 * [cp] (zeros when the model has none).
 *
 * Padding rows: `zero` holds iw*c zeros.  A kernel builds, per output row,
 * one pointer per kernel row: the input row, or `zero` where the row falls
 * in the top/bottom padding, so the vertical taps never test bounds.
 * Columns [ox_lo, ox_hi) have their whole window inside the input; only
 * the few columns outside it (left/right padding) check each tap.
 */
#ifndef MNV3_DWCONV_H
#define MNV3_DWCONV_H

#include "ops.h"

/* Output rows [oy0, oy1), channels [c0, c1): out = act(dwconv(in) + bias).
 * c0 is a multiple of MNV3_DWCONV_CP_ALIGN; c1 is one too or equals c.
 * Reads only inside `in` (ih*iw*c floats) and the packed arrays; writes
 * only those rows and channels of `out`. */
typedef void (*mnv3_dwconv_rows_fn) (const struct mnv3_dwconv *d,
    const float *in, float *out, int oy0, int oy1, int c0, int c1);

struct mnv3_dwconv {
  mnv3_dwconv_params p;
  mnv3_isa isa;
  int cp;                 /* channels rounded up to MNV3_DWCONV_CP_ALIGN */
  int ox_lo, ox_hi;       /* output columns not touching left/right pad */
  float *w;               /* [kh*kw][cp] */
  float *bias;            /* [cp] */
  float *zero;            /* [iw*c] zeros */
  mnv3_dwconv_rows_fn rows;
};

#define MNV3_DWCONV_CP_ALIGN 16

/* Input row for kernel row ky of output row oy, or d->zero in padding. */
static inline const float *
mnv3_dwconv_in_row (const struct mnv3_dwconv *d, const float *in, int oy,
    int ky)
{
  const mnv3_dwconv_params *p = &d->p;
  int iy = oy * p->sh - p->pad_t + ky * p->dh;
  return iy < 0 || iy >= p->ih ? d->zero
      : in + (size_t) iy * p->iw * p->ic;
}

/* Any kernel size, stride, dilation, padding (dwconv-scalar.c). */
void mnv3_dwconv_rows_scalar (const struct mnv3_dwconv *d, const float *in,
    float *out, int oy0, int oy1, int c0, int c1);
/* Square 3x3 and 5x5 kernels, any stride/dilation/padding
 * (dwconv-simd.h compiled per ISA). */
void mnv3_dwconv_rows_3x3_avx2 (const struct mnv3_dwconv *d,
    const float *in, float *out, int oy0, int oy1, int c0, int c1);
void mnv3_dwconv_rows_5x5_avx2 (const struct mnv3_dwconv *d,
    const float *in, float *out, int oy0, int oy1, int c0, int c1);
void mnv3_dwconv_rows_3x3_avx512 (const struct mnv3_dwconv *d,
    const float *in, float *out, int oy0, int oy1, int c0, int c1);
void mnv3_dwconv_rows_5x5_avx512 (const struct mnv3_dwconv *d,
    const float *in, float *out, int oy0, int oy1, int c0, int c1);

#endif /* MNV3_DWCONV_H */
