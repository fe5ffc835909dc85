/* resize-simd.h — template of the vectorised bilinear passes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (resize-avx2.c,
 * resize-avx512.c); contracts in elementwise.h.  The horizontal pass is
 * vectorised over channels and, for a channel tail, loads with a mask but
 * stores a full vector: the garbage lanes land in the next pixel (written
 * after) or in the row's slack, which saves a masked store per pixel. */

MNV3_INLINE void
FN (resize_hrow_c1) (const float *in, const int32_t *x0, const int32_t *x1,
    const float *wx, int ow, float *row)
{
  int o = 0;
  for (; o + VF_W <= ow; o += VF_W) {
    vf a = vf_gather (in, x0 + o), b = vf_gather (in, x1 + o);
    vf_storeu (row + o, vf_fmadd (vf_loadu (wx + o), vf_sub (b, a), a));
  }
  for (; o < ow; o++)
    row[o] = in[x0[o]] + wx[o] * (in[x1[o]] - in[x0[o]]);
}

void
FN (mnv3_resize_hrow_kernel) (const float *in, const int32_t *x0,
    const int32_t *x1, const float *wx, int ow, int c, float *row)
{
  const int full = c - c % VF_W;
  const vmask m = vf_mask (c % VF_W);

  if (c == 1) {
    /* one channel (masks, heat maps): vectorise over pixels instead */
    FN (resize_hrow_c1) (in, x0, x1, wx, ow, row);
    return;
  }
  for (int o = 0; o < ow; o++) {
    const float *a = in + x0[o], *b = in + x1[o];
    float *r = row + (size_t) o * c;
    const vf w = vf_set1 (wx[o]);
    int k = 0;
    for (; k < full; k += VF_W) {
      vf va = vf_loadu (a + k);
      vf_storeu (r + k, vf_fmadd (w, vf_sub (vf_loadu (b + k), va), va));
    }
    if (k < c) {
      vf va = vf_load_mask (a + k, m);
      vf_storeu (r + k, vf_fmadd (w, vf_sub (vf_load_mask (b + k, m), va),
              va));
    }
  }
}

void
FN (mnv3_resize_vblend_kernel) (const float *r0, const float *r1, float wy,
    float *out, size_t n)
{
  const vf w = vf_set1 (wy);
  size_t i = 0;

  for (; i + 2 * VF_W <= n; i += 2 * VF_W) {
    vf a = vf_loadu (r0 + i), b = vf_loadu (r0 + i + VF_W);
    vf_storeu (out + i, vf_fmadd (w, vf_sub (vf_loadu (r1 + i), a), a));
    vf_storeu (out + i + VF_W,
        vf_fmadd (w, vf_sub (vf_loadu (r1 + i + VF_W), b), b));
  }
  for (; i < n; i += VF_W) {
    vmask m = vf_mask (n - i < VF_W ? (int) (n - i) : VF_W);
    vf a = vf_load_mask (r0 + i, m);
    vf_store_mask (out + i, vf_fmadd (w, vf_sub (vf_load_mask (r1 + i, m), a),
            a), m);
  }
}
