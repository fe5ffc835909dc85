/* softmax-simd.h — template of the vectorised softmax kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (softmax-avx2.c,
 * softmax-avx512.c); contract in elementwise.h (mnv3_softmax_kernel).
 * Three passes per row: max, exp(x - max) stored and summed, scale. */

void
FN (mnv3_softmax_kernel) (const float *in, float *out, size_t rows, int c)
{
  const int full = c - c % VF_W;
  const vmask m = vf_mask (c % VF_W);

  for (size_t r = 0; r < rows; r++) {
    const float *x = in + r * c;
    float *y = out + r * c;
    vf vmx = vf_set1 (x[0]), vsum = vf_zero ();
    int k;

    for (k = 0; k < full; k += VF_W)
      vmx = vf_max (vmx, vf_loadu (x + k));
    float mx = vf_reduce_max (vmx);
    for (; k < c; k++)
      mx = x[k] > mx ? x[k] : mx;
    vmx = vf_set1 (mx);
    for (k = 0; k < full; k += VF_W) {
      vf e = vf_exp (vf_sub (vf_loadu (x + k), vmx));
      vf_storeu (y + k, e);
      vsum = vf_add (vsum, e);
    }
    if (k < c) {
      vf e = vf_exp (vf_sub (vf_load_mask (x + k, m), vmx));
      vf_store_mask (y + k, e, m);
      vsum = vf_add (vsum, vf_load_mask (y + k, m));
    }
    const vf inv = vf_set1 (1.f / vf_reduce_add (vsum));
    for (k = 0; k < full; k += VF_W)
      vf_storeu (y + k, vf_mul (vf_loadu (y + k), inv));
    if (k < c)
      vf_store_mask (y + k, vf_mul (vf_load_mask (y + k, m), inv), m);
  }
}
