// tflite_ref_diff.cc — TFLite's own reference kernels (LiteRT
// tflite/kernels/internal/reference, header-only) against core/quant on
// random inputs and quantization parameters: QuantizeMultiplier and
// MultiplyByQuantizedMultiplier, HARD_SWISH, the LOGISTIC/TANH tables, the
// ReLU family, requantize, int8 bilinear resize, pooling, ADD/SUB/MUL and
// concatenation.  Developer tool, not part of the build: see README.md.
// The prepare-time parameter derivations (in the kernels' .cc files, which
// need the whole interpreter) are transcribed here.
// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <vector>
#include <algorithm>
#include "tflite/kernels/internal/common.h"
#include "tflite/kernels/internal/quantization_util.h"
#include "tflite/kernels/internal/reference/hard_swish.h"
#include "tflite/kernels/internal/reference/resize_bilinear.h"
#include "tflite/kernels/internal/reference/pooling.h"
#include "tflite/kernels/internal/reference/integer_ops/pooling.h"
#include "tflite/kernels/internal/reference/add.h"
#include "tflite/kernels/internal/reference/integer_ops/add.h"
#include "tflite/kernels/internal/reference/sub.h"
#include "tflite/kernels/internal/reference/mul.h"
#include "tflite/kernels/internal/reference/integer_ops/mul.h"
#include "tflite/kernels/internal/reference/concatenation.h"
#include "tflite/kernels/internal/reference/requantize.h"
extern "C" {
#include "quant/qops.h"
}
using namespace tflite;

static uint64_t st = 88172645463325252ull;
static uint32_t rnd() { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return (uint32_t)(st >> 11); }
static int ri(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rs(float lo, float hi) { double t = (rnd() & 0xffffff) / (double)0xffffff; return (float)std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))); }
static long nfail = 0, ncmp = 0;
#define CMP(a, b, ...) do { ncmp++; if ((a) != (b)) { if (nfail++ < 20) { printf("MISMATCH %s:%d got %d want %d: ", __FILE__, __LINE__, (int)(a), (int)(b)); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static void t_math() {
  for (int i = 0; i < 200000; i++) {
    double real = std::ldexp(1.0 + (rnd() % 100000) / 100000.0, ri(-45, 40));
    if (i % 7 == 0) real = std::ldexp(1.0 - std::ldexp(1.0, -ri(25, 45)), ri(-40, 30));
    int32_t m; int s; QuantizeMultiplier(real, &m, &s);
    mnv3_qmul q = mnv3_qmul_from_double(real);
    CMP(q.mult, m, "qm real %g", real); CMP(q.shift, s, "shift real %g", real);
    int32_t x = (int32_t)rnd() - (1 << 20);
    if (s > 0 && std::fabs((double)x * std::ldexp(1.0, s)) >= 2147483647.0) continue;
    CMP(mnv3_qmul_apply(x, q), MultiplyByQuantizedMultiplier(x, m, s), "mbqm x %d", x);
  }
}

template <typename T> static void t_hswish(mnv3_dtype dt) {
  for (int r = 0; r < 3000; r++) {
    mnv3_qtensor in = { dt, rs(0.001f, 1.f), ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()) };
    mnv3_qtensor out = { dt, rs(0.001f, 1.f), ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()) };
    // activations.cc HardSwishPrepare
    HardSwishParams p;
    p.input_zero_point = in.zp; p.output_zero_point = out.zp;
    const float hires = (1.0f / 128.0f) * in.scale;
    const float reluish_scale = 3.0f / 32768.0f;
    const float om = hires / out.scale;
    int32_t om32; QuantizeMultiplier(om, &om32, &p.output_multiplier_exponent);
    DownScaleInt32ToInt16Multiplier(om32, &p.output_multiplier_fixedpoint_int16);
    if (p.output_multiplier_exponent > 0) continue;
    const float rm = hires / reluish_scale;
    int32_t rm32; QuantizeMultiplier(rm, &rm32, &p.reluish_multiplier_exponent);
    DownScaleInt32ToInt16Multiplier(rm32, &p.reluish_multiplier_fixedpoint_int16);
    T src[256], want[256];
    for (int i = 0; i < 256; i++) src[i] = (T)(uint8_t)i;
    RuntimeShape sh({256});
    reference_ops::HardSwish(p, sh, src, sh, want);
    mnv3_qlut lut;
    if (mnv3_qlut_prepare(&lut, MNV3_QUNARY_HARD_SWISH, &in, &out) != MNV3_OK) { CMP(1, 0, "prepare"); continue; }
    for (int i = 0; i < 256; i++) CMP((T)lut.table[i], want[i], "hswish in %g/%d out %g/%d x %d", in.scale, in.zp, out.scale, out.zp, (int)src[i]);
  }
}

template <typename T> static void t_lut(mnv3_dtype dt) {
  for (int r = 0; r < 2000; r++) {
    mnv3_qtensor in = { dt, rs(0.001f, 0.5f), ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()) };
    for (int kind = 0; kind < 2; kind++) {
      mnv3_qtensor out = { dt, kind ? 1.f / 128 : 1.f / 256, kind ? (dt == MNV3_DTYPE_I8 ? 0 : 128) : (int)std::numeric_limits<T>::min() };
      if (r % 5 == 0) out = { dt, rs(0.001f, 0.05f), ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()) };
      T want[256];
      if (kind == 0)
        LUTPopulate<T>(in.scale, in.zp, out.scale, out.zp, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }, want);
      else
        LUTPopulate<T>(in.scale, in.zp, out.scale, out.zp, [](float v) { return std::tanh(v); }, want);
      mnv3_qlut lut;
      mnv3_qlut_prepare(&lut, kind ? MNV3_QUNARY_TANH : MNV3_QUNARY_LOGISTIC, &in, &out);
      for (int i = 0; i < 256; i++) CMP((T)lut.table[i], want[i], "lut kind %d byte %d", kind, i);
    }
    // RELU family: activations.cc ReluPrepare + QuantizedReluX
    mnv3_qtensor out = { dt, rs(0.001f, 0.5f), ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()) };
    double real = in.scale / out.scale;
    ReluParams rp; QuantizeMultiplier(real, &rp.output_multiplier, &rp.output_shift);
    rp.input_offset = in.zp; rp.output_offset = out.zp;
    const float mins[3] = { 0.f, 0.f, -1.f }, maxs[3] = { INFINITY, 6.f, 1.f };
    const mnv3_qunary_kind kinds[3] = { MNV3_QUNARY_RELU, MNV3_QUNARY_RELU6, MNV3_QUNARY_RELU_N1_TO_1 };
    for (int k = 0; k < 3; k++) {
      rp.quantized_activation_min = std::max((int32_t)std::numeric_limits<T>::min(), out.zp + (int32_t)roundf(mins[k] / out.scale));
      rp.quantized_activation_max = maxs[k] == INFINITY ? (int32_t)std::numeric_limits<T>::max()
          : std::min((int32_t)std::numeric_limits<T>::max(), out.zp + (int32_t)roundf(maxs[k] / out.scale));
      T src[256], want[256];
      for (int i = 0; i < 256; i++) src[i] = (T)(uint8_t)i;
      RuntimeShape sh({256});
      for (int i = 0; i < 256; i++) {   // reference_ops::ReluX (reference_ops.h, needs Eigen): transcribed
        int32_t v = rp.output_offset + MultiplyByQuantizedMultiplier((int32_t)src[i] - rp.input_offset, rp.output_multiplier, rp.output_shift);
        v = std::min(rp.quantized_activation_max, std::max(rp.quantized_activation_min, v));
        want[i] = (T)v;
      }
      (void)sh;
      mnv3_qlut lut;
      mnv3_qlut_prepare(&lut, kinds[k], &in, &out);
      for (int i = 0; i < 256; i++) CMP((T)lut.table[i], want[i], "relu %d byte %d", k, i);
    }
    // QUANTIZE 8 -> 8: quantize.cc + reference Requantize
    {
      int32_t m; int s;
      QuantizeMultiplier((double)in.scale / (double)out.scale, &m, &s);
      T src[256], want[256];
      for (int i = 0; i < 256; i++) src[i] = (T)(uint8_t)i;
      reference_ops::Requantize(src, 256, m, s, in.zp, out.zp, want);
      mnv3_qlut lut;
      mnv3_qlut_prepare(&lut, MNV3_QUNARY_REQUANTIZE, &in, &out);
      for (int i = 0; i < 256; i++) CMP((T)lut.table[i], want[i], "requant byte %d", i);
    }
  }
}

static void t_resize_i8() {
  for (int r = 0; r < 3000; r++) {
    int ih = ri(1, 9), iw = ri(1, 9), c = ri(1, 5), oh = ri(1, 30), ow = ri(1, 30);
    int mode = ri(0, 2);
    ResizeBilinearParams p; p.align_corners = mode == 1; p.half_pixel_centers = mode == 2;
    std::vector<int8_t> in(ih * iw * c), want(oh * ow * c), got(oh * ow * c);
    for (auto &v : in) v = (int8_t)rnd();
    int32_t size[2] = { oh, ow };
    reference_ops::ResizeBilinearInteger(p, RuntimeShape({1, ih, iw, c}), in.data(), RuntimeShape({2}), size, RuntimeShape({1, oh, ow, c}), want.data());
    mnv3_resize_coord co = mode == 1 ? MNV3_COORD_ALIGN_CORNERS : mode == 2 ? MNV3_COORD_HALF_PIXEL : MNV3_COORD_ASYMMETRIC;
    mnv3_qresize_run(MNV3_ISA_SCALAR, co, 0, MNV3_DTYPE_I8, in.data(), ih, iw, c, got.data(), oh, ow, NULL, NULL);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "resize i8 %dx%d->%dx%d mode %d", ih, iw, oh, ow, mode);
  }
}

template <typename T> static void t_pool(mnv3_dtype dt) {
  for (int r = 0; r < 3000; r++) {
    int ih = ri(1, 9), iw = ri(1, 9), c = ri(1, 9), kh = ri(1, 4), kw = ri(1, 4), sh = ri(1, 3), sw = ri(1, 3);
    int pt = ri(0, kh - 1), pl = ri(0, kw - 1);
    int oh = (ih + pt + ri(0, kh - 1) - kh) / sh + 1, ow = (iw + pl + ri(0, kw - 1) - kw) / sw + 1;
    if (oh < 1 || ow < 1) continue;
    PoolParams p; std::memset(&p, 0, sizeof p);
    p.stride_height = sh; p.stride_width = sw; p.filter_height = kh; p.filter_width = kw;
    p.padding_values.height = pt; p.padding_values.width = pl;
    p.quantized_activation_min = std::numeric_limits<T>::min() + ri(0, 20);
    p.quantized_activation_max = std::numeric_limits<T>::max() - ri(0, 20);
    std::vector<T> in(ih * iw * c), want(oh * ow * c), got(oh * ow * c);
    for (auto &v : in) v = (T)rnd();
    RuntimeShape is({1, ih, iw, c}), os({1, oh, ow, c});
    for (int type = 0; type < 2; type++) {
      bool ok = true;
      if (dt == MNV3_DTYPE_I8) {
        if (type == 0) ok = reference_integer_ops::AveragePool(p, is, (const int8_t *)in.data(), os, (int8_t *)want.data());
        else reference_integer_ops::MaxPool(p, is, (const int8_t *)in.data(), os, (int8_t *)want.data());
      } else {
        if (type == 0) ok = reference_ops::AveragePool(p, is, (const uint8_t *)in.data(), os, (uint8_t *)want.data());
        else reference_ops::MaxPool(p, is, (const uint8_t *)in.data(), os, (uint8_t *)want.data());
      }
      if (!ok) continue;     // empty window: TFLite fails the op
      mnv3_pool_params q = { type ? MNV3_POOL_MAX : MNV3_POOL_AVG, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl, 0, 0, 0 };
      mnv3_qpool_run(MNV3_ISA_SCALAR, &q, dt, p.quantized_activation_min, p.quantized_activation_max, in.data(), got.data(), NULL);
      for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "pool type %d", type);
    }
  }
}

template <typename T> static void t_binary(mnv3_dtype dt) {
  const int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (int r = 0; r < 3000; r++) {
    mnv3_qbinary q; std::memset(&q, 0, sizeof q);
    q.a = { dt, rs(0.001f, 1.f), ri(lo, hi) };
    q.b = { dt, rs(0.001f, 1.f), ri(lo, hi) };
    q.out = { dt, rs(0.002f, 2.f), ri(lo, hi) };
    q.act_min = lo + ri(0, 10); q.act_max = hi - ri(0, 10);
    const int n = 257;
    std::vector<T> a(n), b(n), want(n), got(n);
    for (int i = 0; i < n; i++) { a[i] = (T)rnd(); b[i] = (T)rnd(); }
    RuntimeShape s({1, 1, 1, n});
    for (int op = 0; op < 3; op++) {
      ArithmeticParams p; std::memset(&p, 0, sizeof p);
      p.quantized_activation_min = q.act_min; p.quantized_activation_max = q.act_max;
      p.input1_offset = -q.a.zp; p.input2_offset = -q.b.zp; p.output_offset = q.out.zp;
      if (op < 2) {    // add.cc / sub.cc PrepareGeneralSubOp
        p.left_shift = 20;
        const double twice_max = 2 * std::max(q.a.scale, q.b.scale);
        QuantizeMultiplierSmallerThanOneExp(q.a.scale / twice_max, &p.input1_multiplier, &p.input1_shift);
        QuantizeMultiplierSmallerThanOneExp(q.b.scale / twice_max, &p.input2_multiplier, &p.input2_shift);
        const double rom = twice_max / ((1 << 20) * q.out.scale);
        if (rom >= 1) continue;
        QuantizeMultiplierSmallerThanOneExp(rom, &p.output_multiplier, &p.output_shift);
      } else {         // mul.cc
        double real = q.a.scale * q.b.scale / q.out.scale;
        QuantizeMultiplier(real, &p.output_multiplier, &p.output_shift);
      }
      if (op == 0) {
        if (dt == MNV3_DTYPE_I8) reference_integer_ops::Add(p, s, (const int8_t *)a.data(), s, (const int8_t *)b.data(), s, (int8_t *)want.data());
        else reference_ops::Add(p, s, (const uint8_t *)a.data(), s, (const uint8_t *)b.data(), s, (uint8_t *)want.data());
      } else if (op == 1) {
        reference_ops::Sub(p, s, a.data(), s, b.data(), s, want.data());
      } else {
        if (dt == MNV3_DTYPE_I8) reference_integer_ops::Mul(p, s, (const int8_t *)a.data(), s, (const int8_t *)b.data(), s, (int8_t *)want.data());
        else reference_ops::Mul(p, s, (const uint8_t *)a.data(), s, (const uint8_t *)b.data(), s, (uint8_t *)want.data());
      }
      q.op = op == 0 ? MNV3_BINARY_ADD : op == 1 ? MNV3_BINARY_SUB : MNV3_BINARY_MUL;
      mnv3_qbinary_prepare(&q);
      int sh4[4] = { 1, 1, 1, n };
      mnv3_qbinary_run(MNV3_ISA_SCALAR, &q, a.data(), sh4, b.data(), sh4, got.data(), sh4, NULL);
      for (int i = 0; i < n; i++) CMP(got[i], want[i], "binary op %d", op);
    }
  }
}

static void t_concat() {
  for (int r = 0; r < 2000; r++) {
    float sc[2] = { rs(0.01f, 1.f), rs(0.01f, 1.f) };
    int32_t zp[2] = { ri(0, 255), ri(0, 255) };
    if (r % 4 == 0) { sc[0] = 0.1f; zp[0] = 7; }
    ConcatenationParams p; p.axis = 3; p.input_zeropoint = zp; p.input_scale = sc; p.inputs_count = 2;
    p.output_zeropoint = 7; p.output_scale = r % 4 == 0 ? 0.1f : rs(0.01f, 1.f);
    int c0 = ri(1, 9), c1 = ri(1, 9), hw = ri(1, 6);
    std::vector<uint8_t> a(hw * c0), b(hw * c1), want(hw * (c0 + c1)), got(hw * (c0 + c1));
    for (auto &v : a) v = (uint8_t)rnd();
    for (auto &v : b) v = (uint8_t)rnd();
    RuntimeShape s0({1, 1, hw, c0}), s1({1, 1, hw, c1}), so({1, 1, hw, c0 + c1});
    const RuntimeShape *shp[2] = { &s0, &s1 };
    const uint8_t *dat[2] = { a.data(), b.data() };
    reference_ops::ConcatenationWithScaling(p, shp, dat, so, want.data());
    int shapes[2][4] = { {1, 1, hw, c0}, {1, 1, hw, c1} };
    mnv3_qtensor iq[2] = { { MNV3_DTYPE_U8, sc[0], zp[0] }, { MNV3_DTYPE_U8, sc[1], zp[1] } };
    mnv3_qtensor oq = { MNV3_DTYPE_U8, p.output_scale, 7 };
    const void *ins[2] = { a.data(), b.data() };
    mnv3_qconcat_run(3, 2, ins, shapes, iq, &oq, got.data(), NULL);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "concat");
  }
}

int main() {
  t_math(); printf("math: %ld compared, %ld mismatches\n", ncmp, nfail);
  t_hswish<uint8_t>(MNV3_DTYPE_U8); t_hswish<int8_t>(MNV3_DTYPE_I8); printf("+hswish: %ld, %ld\n", ncmp, nfail);
  t_lut<uint8_t>(MNV3_DTYPE_U8); t_lut<int8_t>(MNV3_DTYPE_I8); printf("+lut/relu/requant: %ld, %ld\n", ncmp, nfail);
  t_resize_i8(); printf("+resize i8: %ld, %ld\n", ncmp, nfail);
  t_pool<uint8_t>(MNV3_DTYPE_U8); t_pool<int8_t>(MNV3_DTYPE_I8); printf("+pool: %ld, %ld\n", ncmp, nfail);
  t_binary<uint8_t>(MNV3_DTYPE_U8); t_binary<int8_t>(MNV3_DTYPE_I8); printf("+binary: %ld, %ld\n", ncmp, nfail);
  t_concat(); printf("+concat: %ld, %ld\n", ncmp, nfail);
  return nfail != 0;
}
