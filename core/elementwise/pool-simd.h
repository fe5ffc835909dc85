/* pool-simd.h — template of the vectorised pooling kernels.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (pool-avx2.c, pool-avx512.c);
 * contracts in elementwise.h (mnv3_pool_kernel, mnv3_gavg_kernel).
 * Vectorised over channels: 4 vectors at a time while they last, then one
 * (masked at the tail).  Sums run over the window in the same order as
 * the scalar reference. */

/* Reduce window rows [ylo,yhi) x cols [xlo,xhi) for channels c0.. into
 * NV accumulators. */
MNV3_INLINE void
FN (pool_window) (const mnv3_pool_params *p, const float *in, int ylo,
    int yhi, int xlo, int xhi, int c0, int nv, vmask m, int is_max,
    vf *acc)
{
  const size_t c = (size_t) p->c;
  for (int v = 0; v < nv; v++)
    acc[v] = is_max ? vf_set1 (-INFINITY) : vf_zero ();
  for (int y = ylo; y < yhi; y++) {
    const float *row = in + ((size_t) y * p->iw) * c + c0;
    for (int x = xlo; x < xhi; x++) {
      const float *px = row + (size_t) x * c;
      if (nv == 4) {
        for (int v = 0; v < 4; v++) {
          vf t = vf_loadu (px + v * VF_W);
          acc[v] = is_max ? vf_max (acc[v], t) : vf_add (acc[v], t);
        }
      } else {
        vf t = vf_load_mask (px, m);
        acc[0] = is_max ? vf_max (acc[0], t) : vf_add (acc[0], t);
      }
    }
  }
}

void
FN (mnv3_pool_kernel) (const mnv3_pool_params *p, const float *in,
    float *out, int oy0, int oy1)
{
  const int c = p->c, is_max = p->type == MNV3_POOL_MAX;

  for (int oy = oy0; oy < oy1; oy++) {
    int y0 = oy * p->sh - p->pad_t;
    int ylo = y0 < 0 ? 0 : y0, yhi = y0 + p->kh < p->ih ? y0 + p->kh : p->ih;
    for (int ox = 0; ox < p->ow; ox++) {
      int x0 = ox * p->sw - p->pad_l;
      int xlo = x0 < 0 ? 0 : x0, xhi = x0 + p->kw < p->iw ? x0 + p->kw : p->iw;
      float *o = out + ((size_t) oy * p->ow + ox) * c;
      vf scale = vf_set1 (1.f);
      int c0 = 0;
      vf acc[4];

      if (yhi <= ylo || xhi <= xlo) {
        for (int k = 0; k < c; k++)
          o[k] = 0.f;
        continue;
      }
      if (!is_max) {
        int cnt = (yhi - ylo) * (xhi - xlo);
        if (p->count_include_pad) {
          int ye = y0 + p->kh < p->ih + p->pad_b ? y0 + p->kh : p->ih + p->pad_b;
          int xe = x0 + p->kw < p->iw + p->pad_r ? x0 + p->kw : p->iw + p->pad_r;
          cnt = (ye - y0) * (xe - x0);
        }
        scale = vf_set1 ((float) cnt);
      }
      for (; c0 + 4 * VF_W <= c; c0 += 4 * VF_W) {
        FN (pool_window) (p, in, ylo, yhi, xlo, xhi, c0, 4, vf_mask (VF_W),
            is_max, acc);
        for (int v = 0; v < 4; v++)
          vf_storeu (o + c0 + v * VF_W, is_max ? acc[v] : vf_div (acc[v], scale));
      }
      for (; c0 < c; c0 += VF_W) {
        vmask m = vf_mask (c - c0 < VF_W ? c - c0 : VF_W);
        FN (pool_window) (p, in, ylo, yhi, xlo, xhi, c0, 1, m, is_max, acc);
        vf_store_mask (o + c0, is_max ? acc[0] : vf_div (acc[0], scale), m);
      }
    }
  }
}

void
FN (mnv3_gavg_kernel) (const float *in, size_t hw, int stride, int c0,
    int c1, float *out)
{
  const vf div = vf_set1 ((float) hw);
  int k = c0;

  for (; k + 4 * VF_W <= c1; k += 4 * VF_W) {
    vf a0 = vf_zero (), a1 = vf_zero (), a2 = vf_zero (), a3 = vf_zero ();
    const float *p = in + k;
    for (size_t i = 0; i < hw; i++, p += stride) {
      a0 = vf_add (a0, vf_loadu (p));
      a1 = vf_add (a1, vf_loadu (p + VF_W));
      a2 = vf_add (a2, vf_loadu (p + 2 * VF_W));
      a3 = vf_add (a3, vf_loadu (p + 3 * VF_W));
    }
    vf_storeu (out + k, vf_div (a0, div));
    vf_storeu (out + k + VF_W, vf_div (a1, div));
    vf_storeu (out + k + 2 * VF_W, vf_div (a2, div));
    vf_storeu (out + k + 3 * VF_W, vf_div (a3, div));
  }
  for (; k < c1; k += VF_W) {
    vmask m = vf_mask (c1 - k < VF_W ? c1 - k : VF_W);
    vf a = vf_zero ();
    const float *p = in + k;
    for (size_t i = 0; i < hw; i++, p += stride)
      a = vf_add (a, vf_load_mask (p, m));
    vf_store_mask (out + k, vf_div (a, div), m);
  }
}
