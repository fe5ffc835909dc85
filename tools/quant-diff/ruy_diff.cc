// ruy_diff.cc — ruy's x86 8-bit kernels (AVX2+FMA and AVX-512, the GEMM
// and the single-column GEMV) against mnv3_qmul_apply_ruy(), and the
// gemmlowp rule for contrast.  Developer tool, not part of the build: see
// README.md.  SPDX-License-Identifier: LGPL-2.1-or-later
//
// The kernels run with depth 0, so each accumulator is just its bias: the
// output is the requantization of a chosen int32 with a chosen multiplier,
// written as int16 (wide enough to see every rounding).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ruy/kernel_common.h"
#include "ruy/kernel_x86.h"
extern "C" {
#include "quant/qops.h"
}

using namespace ruy;

template <int N>
static int16_t run_kernel(void (*k)(const KernelParams8bit<N, N>&), int cols,
                          int32_t acc, int32_t mult, int32_t exp) {
  static int8_t dummy[64];
  std::vector<int32_t> b(N, acc), m(N, mult), e(N, exp);
  std::vector<int16_t> d(N * cols, 0x5555);
  KernelParams8bit<N, N> p;
  std::memset(&p, 0, sizeof p);
  p.bias = b.data();
  p.lhs_base_ptr = dummy;
  p.rhs_base_ptr = dummy;
  p.multiplier_fixedpoint = m.data();
  p.multiplier_exponent = e.data();
  p.dst_base_ptr = d.data();
  p.last_row = 0;
  p.last_col = 0;
  p.dst_rows = N;
  p.dst_cols = cols;
  p.dst_stride = N * 2;
  p.depth = 0;
  p.clamp_min = -32768;
  p.clamp_max = 32767;
  p.flags = RUY_ASM_FLAG_HAS_BIAS | RUY_ASM_FLAG_HAS_PERCHANNEL;
  p.dst_type_id = DstTypeId<int16_t>::kValue;
  p.rhs_scalar_size = 1;
  k(p);
  return d[0];
}

int main() {
  unsigned s = 12345;
  long n = 0, bad[4] = {0, 0, 0, 0}, gl_diff = 0;
  while (n < 300000) {
    s = s * 1103515245u + 12345u;
    unsigned r1 = s;
    s = s * 1103515245u + 12345u;
    mnv3_qmul m = mnv3_qmul_from_double(std::exp(((s >> 8) % 30000) / 1000.0 - 25.0));
    int32_t acc = (int32_t)(r1 >> (r1 % 24)) * ((r1 & 1) ? -1 : 1);
    if (n % 3 == 0) {  // exact ties of the second rounding step
      int right = 1 + (int)(r1 % 15);
      int j = (int)((r1 >> 4) % 2001) - 1000;
      m.mult = 1 << 30;
      m.shift = -right;
      acc = (2 * j + 1) * (1 << right);
    }
    if (m.shift > 0 && std::fabs((double)acc * std::ldexp(1.0, m.shift)) >= 2147483647.0) continue;
    int32_t want = mnv3_qmul_apply_ruy(acc, m);
    if (want < -32768 || want > 32767) continue;
    int16_t got[4] = {
      run_kernel<8>(Kernel8bitAvx2, 8, acc, m.mult, m.shift),
      run_kernel<8>(Kernel8bitAvx2SingleCol, 1, acc, m.mult, m.shift),
      run_kernel<16>(Kernel8bitAvx512, 16, acc, m.mult, m.shift),
      run_kernel<16>(Kernel8bitAvx512SingleCol, 1, acc, m.mult, m.shift),
    };
    for (int k = 0; k < 4; k++) bad[k] += got[k] != want;
    gl_diff += mnv3_qmul_apply(acc, m) != want;
    n++;
  }
  std::printf("%ld cases: mismatches vs mnv3_qmul_apply_ruy: avx2 %ld, avx2 gemv %ld, "
              "avx512 %ld, avx512 gemv %ld; gemmlowp rule differs in %ld\n",
              n, bad[0], bad[1], bad[2], bad[3], gl_diff);
  return bad[0] || bad[1] || bad[2] || bad[3];
}
