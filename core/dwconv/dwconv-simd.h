/* dwconv-simd.h — template of the 3x3 / 5x5 depthwise kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (dwconv-avx2.c,
 * dwconv-avx512.c); contract in dwconv.h.
 *
 * Per output row and block of VF_W channels, the K*K weight vectors and
 * the bias are loaded once (registers on AVX-512; mostly so on AVX2),
 * then the row is swept: each output vector is K*K FMAs on input vectors
 * read straight from the NHWC rows (one pass over the input, accumulation
 * in registers), the activation applied, one store.  The channel tail is
 * the same code with masked loads/stores (tail is a compile-time constant
 * after inlining).  Two accumulators halve the FMA dependency chain. */

#define DW_LD(ptr) (tail ? vf_load_mask ((ptr), m) : vf_loadu (ptr))

/* Columns outside [ox_lo, ox_hi): the window crosses the left/right pad. */
MNV3_INLINE vf
FN (dw_border_px) (const struct mnv3_dwconv *d, const float *const *rows,
    const vf *w, vf bias, int ox, int c0, vmask m, const int tail,
    const int K)
{
  const mnv3_dwconv_params *p = &d->p;
  const int x0 = ox * p->sw - p->pad_l;
  vf acc = bias;

  for (int kx = 0; kx < K; kx++) {
    int ix = x0 + kx * p->dw;
    if (ix < 0 || ix >= p->iw)
      continue;
    for (int ky = 0; ky < K; ky++)
      acc = vf_fmadd (DW_LD (rows[ky] + (size_t) ix * p->ic + c0),
          w[ky * K + kx], acc);
  }
  return acc;
}

MNV3_INLINE void
FN (dw_block) (const struct mnv3_dwconv *d, const float *const *rows,
    float *orow, int c0, vmask m, const int tail, const int K)
{
  const mnv3_dwconv_params *p = &d->p;
  const size_t c = (size_t) p->ic, xstep = (size_t) p->dw * c;
  const mnv3_act act = p->act;
  vf w[25];
  const vf bias = vf_loadu (d->bias + c0);
  int ox;

  for (int t = 0; t < K * K; t++)
    w[t] = vf_loadu (d->w + (size_t) t * d->cp + c0);

  for (ox = 0; ox < d->ox_lo; ox++) {
    vf acc = FN (dw_border_px) (d, rows, w, bias, ox, c0, m, tail, K);
    acc = vf_act (act, acc);
    if (tail)
      vf_store_mask (orow + ox * c + c0, acc, m);
    else
      vf_storeu (orow + ox * c + c0, acc);
  }
  for (; ox < d->ox_hi; ox++) {
    const size_t base = (size_t) (ox * p->sw - p->pad_l) * c + c0;
    vf acc0 = bias, acc1 = vf_zero ();
    for (int ky = 0; ky < K; ky++) {
      const float *r = rows[ky] + base;
      for (int kx = 0; kx < K; kx++) {
        if (ky & 1)
          acc1 = vf_fmadd (DW_LD (r + kx * xstep), w[ky * K + kx], acc1);
        else
          acc0 = vf_fmadd (DW_LD (r + kx * xstep), w[ky * K + kx], acc0);
      }
    }
    vf acc = vf_act (act, vf_add (acc0, acc1));
    if (tail)
      vf_store_mask (orow + ox * c + c0, acc, m);
    else
      vf_storeu (orow + ox * c + c0, acc);
  }
  for (; ox < p->ow; ox++) {
    vf acc = FN (dw_border_px) (d, rows, w, bias, ox, c0, m, tail, K);
    acc = vf_act (act, acc);
    if (tail)
      vf_store_mask (orow + ox * c + c0, acc, m);
    else
      vf_storeu (orow + ox * c + c0, acc);
  }
}

MNV3_INLINE void
FN (dw_rows) (const struct mnv3_dwconv *d, const float *in, float *out,
    int oy0, int oy1, int c0, int c1, const int K)
{
  const mnv3_dwconv_params *p = &d->p;
  const int c = p->ic;
  const int full = c1 - (c1 == c ? c % VF_W : 0);
  const vmask m = vf_mask (c % VF_W);

  for (int oy = oy0; oy < oy1; oy++) {
    const float *rows[5];
    float *orow = out + (size_t) oy * p->ow * c;
    for (int ky = 0; ky < K; ky++)
      rows[ky] = mnv3_dwconv_in_row (d, in, oy, ky);
    for (int cb = c0; cb < full; cb += VF_W)
      FN (dw_block) (d, rows, orow, cb, m, 0, K);
    if (full < c1)
      FN (dw_block) (d, rows, orow, full, m, 1, K);
  }
}

void
FN (mnv3_dwconv_rows_3x3) (const struct mnv3_dwconv *d, const float *in,
    float *out, int oy0, int oy1, int c0, int c1)
{
  FN (dw_rows) (d, in, out, oy0, oy1, c0, c1, 3);
}

void
FN (mnv3_dwconv_rows_5x5) (const struct mnv3_dwconv *d, const float *in,
    float *out, int oy0, int oy1, int c0, int c1)
{
  FN (dw_rows) (d, in, out, oy0, oy1, c0, c1, 5);
}

#undef DW_LD
