/* binary-simd.h — template of the vectorised binary kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (binary-avx2.c,
 * binary-avx512.c); contract in elementwise.h (mnv3_binary_kernel).
 * The operator is chosen outside the loop; operand steps and the fused
 * activation are loop-invariant tests the compiler unswitches. */

#define BINARY_LOOP(OP)                                                  \
  do {                                                                   \
    size_t i = 0;                                                        \
    for (; i + VF_W <= n; i += VF_W) {                                   \
      vf x = a_step ? vf_loadu (a + i) : va;                             \
      vf y = b_step ? vf_loadu (b + i) : vb;                             \
      vf_storeu (out + i, vf_act (act, OP (x, y)));                      \
    }                                                                    \
    if (i < n) {                                                         \
      vmask m = vf_mask ((int) (n - i));                                 \
      vf x = a_step ? vf_load_mask (a + i, m) : va;                      \
      vf y = b_step ? vf_load_mask (b + i, m) : vb;                      \
      vf_store_mask (out + i, vf_act (act, OP (x, y)), m);               \
    }                                                                    \
  } while (0)

void
FN (mnv3_binary_kernel) (mnv3_binary_op op, mnv3_act act, const float *a,
    int a_step, const float *b, int b_step, float *out, size_t n)
{
  const vf va = vf_set1 (a[0]), vb = vf_set1 (b[0]);

  switch (op) {
    case MNV3_BINARY_ADD: BINARY_LOOP (vf_add); break;
    case MNV3_BINARY_SUB: BINARY_LOOP (vf_sub); break;
    case MNV3_BINARY_MUL: BINARY_LOOP (vf_mul); break;
    case MNV3_BINARY_DIV: BINARY_LOOP (vf_div); break;
    case MNV3_BINARY_MAX: BINARY_LOOP (vf_max); break;
    case MNV3_BINARY_MIN: BINARY_LOOP (vf_min); break;
  }
}

#undef BINARY_LOOP
