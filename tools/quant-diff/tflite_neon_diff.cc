// tflite_neon_diff.cc — the kernels whose optimized x86 code differs when
// TFLite is built with SSE4.1 (neon_check.h then defines USE_NEON and runs
// the NEON code through NEON_2_SSE.h), against core/quant: DEQUANTIZE,
// QUANTIZE 8 -> 8 (Requantize), ADD and MUL (optimized), the depthwise
// convolution's general kernel, the custom GEMV that FULLY_CONNECTED and a
// conv with one output pixel reach, and ARG_MAX.  Compile with -msse4.1.
// Developer tool, not part of the build: see README.md.
// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cstdio>
#include <vector>
#include "tflite/kernels/internal/optimized/optimized_ops.h"
#include "tflite/kernels/internal/optimized/integer_ops/add.h"
#include "tflite/kernels/internal/optimized/integer_ops/mul.h"
#include "tflite/kernels/internal/optimized/integer_ops/depthwise_conv.h"
#include "tflite/kernels/internal/optimized/depthwiseconv_uint8.h"
#include "tflite/kernels/cpu_backend_gemm_custom_gemv.h"
extern "C" {
#include "quant/qops.h"
}
#ifndef USE_NEON
#error "build with -msse4.1: this checks TFLite's NEON paths"
#endif
using namespace tflite;

static uint64_t st = 88172645463325252ull;
static uint32_t rnd() { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return (uint32_t)(st >> 11); }
static int ri(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rs(float lo, float hi) { double t = (rnd() & 0xffffff) / (double)0xffffff; return (float)std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))); }
static long nfail = 0, ncmp = 0, nfail_at_start, n_overflow_cases, n_overflow_diff;
#define CMP(a, b, ...) do { ncmp++; if ((a) != (b)) { if (nfail++ - nfail_at_start < 5) { printf("  MISMATCH line %d got %d want %d: ", __LINE__, (int)(a), (int)(b)); printf(__VA_ARGS__); printf("\n"); } } } while (0)
#define SECTION(name) do { printf("%s\n", name); nfail_at_start = nfail; } while (0)
#define REPORT() printf("  %ld compared so far, %ld mismatches in this section\n", ncmp, nfail - nfail_at_start)

template <typename T> static void t_dequant(mnv3_dtype dt) {
  for (int r = 0; r < 3000; r++) {
    int n = ri(1, 40);
    float scale = rs(1e-4f, 1.f);
    int zp = ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> in(n); std::vector<float> want(n), got(n);
    for (auto &v : in) v = (T)rnd();
    DequantizationParams dp; dp.scale = scale; dp.zero_point = zp;
    optimized_ops::Dequantize(dp, RuntimeShape({n}), in.data(), RuntimeShape({n}), want.data());
    mnv3_qtensor q = { dt, scale, zp };
    mnv3_dequantize_run(in.data(), got.data(), n, &q);
    for (int i = 0; i < n; i++) CMP(memcmp(&got[i], &want[i], 4), 0, "dequantize n %d i %d: %.9g vs %.9g", n, i, got[i], want[i]);
  }
}

template <typename TI, typename TO> static void t_requant(mnv3_dtype di, mnv3_dtype dout) {
  for (int r = 0; r < 3000; r++) {
    int n = ri(1, 70);
    mnv3_qtensor in = { di, rs(0.001f, 1.f), ri(std::numeric_limits<TI>::min(), std::numeric_limits<TI>::max()) };
    mnv3_qtensor out = { dout, rs(0.001f, 1.f), ri(std::numeric_limits<TO>::min(), std::numeric_limits<TO>::max()) };
    if (r % 5 == 0) { out.scale = in.scale; out.zp = in.zp + (di == dout ? 0 : (di == MNV3_DTYPE_I8 ? 128 : -128)); }
    int32_t m; int s;
    QuantizeMultiplier((double)in.scale / (double)out.scale, &m, &s);
    std::vector<TI> src(n); std::vector<TO> want(n), got(n);
    for (auto &v : src) v = (TI)rnd();
    optimized_ops::Requantize(src.data(), n, m, s, in.zp, out.zp, want.data());
    mnv3_qlut lut;
    mnv3_qlut_prepare(&lut, MNV3_QUNARY_REQUANTIZE, &in, &out);
    mnv3_qlut_run(MNV3_ISA_SCALAR, &lut, src.data(), got.data(), n, NULL);
    for (int i = 0; i < n; i++) CMP(got[i], want[i], "requant n %d i %d", n, i);
  }
}

template <typename T> static void t_binary(mnv3_dtype dt, int only_op) {
  const int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (int r = 0; r < 3000; r++) {
    mnv3_qbinary q; memset(&q, 0, sizeof q);
    q.a = { dt, rs(0.001f, 1.f), ri(lo + 1, hi - 1) };
    q.b = { dt, rs(0.001f, 1.f), ri(lo + 1, hi - 1) };
    q.out = { dt, rs(0.002f, 2.f), ri(lo + 1, hi - 1) };
    q.act_min = lo + ri(0, 10); q.act_max = hi - ri(0, 10);
    /* TFLite's NEON ADD/MUL narrow the requantized value to int16 with
     * saturation and then add the output zero point in int16, wrapping:
     * results beyond about +-32000 steps come out wrapped.  Real tensors
     * never get there; such cases are counted apart. */
    const double bound = only_op == 0 ? 256.0 * (q.a.scale + q.b.scale) / q.out.scale
                                      : 65536.0 * q.a.scale * q.b.scale / q.out.scale;
    if ((bound > 32000.0) != (r % 4 == 0)) continue;
    const int n = ri(1, 70);
    std::vector<T> a(n), b(n), want(n), got(n);
    for (int i = 0; i < n; i++) { a[i] = (T)rnd(); b[i] = (T)rnd(); }
    RuntimeShape s({1, 1, 1, n});
    for (int op = only_op; op <= only_op; op++) {
      ArithmeticParams p; memset(&p, 0, sizeof p);
      p.quantized_activation_min = q.act_min; p.quantized_activation_max = q.act_max;
      p.input1_offset = -q.a.zp; p.input2_offset = -q.b.zp; p.output_offset = q.out.zp;
      if (op == 0) {
        p.left_shift = 20;
        const double twice_max = 2 * std::max(q.a.scale, q.b.scale);
        QuantizeMultiplierSmallerThanOneExp(q.a.scale / twice_max, &p.input1_multiplier, &p.input1_shift);
        QuantizeMultiplierSmallerThanOneExp(q.b.scale / twice_max, &p.input2_multiplier, &p.input2_shift);
        const double rom = twice_max / ((1 << 20) * q.out.scale);
        if (rom >= 1) continue;
        QuantizeMultiplierSmallerThanOneExp(rom, &p.output_multiplier, &p.output_shift);
        if (dt == MNV3_DTYPE_I8) optimized_integer_ops::Add(p, s, (const int8_t *)a.data(), s, (const int8_t *)b.data(), s, (int8_t *)want.data());
        else optimized_ops::Add(p, s, (const uint8_t *)a.data(), s, (const uint8_t *)b.data(), s, (uint8_t *)want.data());
      } else {
        double real = q.a.scale * q.b.scale / q.out.scale;
        QuantizeMultiplier(real, &p.output_multiplier, &p.output_shift);
        if (dt == MNV3_DTYPE_I8) optimized_integer_ops::Mul(p, s, (const int8_t *)a.data(), s, (const int8_t *)b.data(), s, (int8_t *)want.data());
        else optimized_ops::Mul(p, s, (const uint8_t *)a.data(), s, (const uint8_t *)b.data(), s, (uint8_t *)want.data());
      }
      q.op = op == 0 ? MNV3_BINARY_ADD : MNV3_BINARY_MUL;
      mnv3_qbinary_prepare(&q);
      int sh4[4] = { 1, 1, 1, n };
      mnv3_qbinary_run(MNV3_ISA_SCALAR, &q, a.data(), sh4, b.data(), sh4, got.data(), sh4, NULL);
      for (int i = 0; i < n; i++) {
        if (bound > 32000.0) { n_overflow_cases++; n_overflow_diff += got[i] != want[i]; continue; }
        CMP(got[i], want[i], "%s n %d i %d", op ? "mul" : "add", n, i);
      }
    }
  }
}

// One conv case; `dw` depthwise through TFLite's optimized general kernel,
// else a 1x1-output conv / FC through the custom GEMV.
template <typename T> static void t_conv(mnv3_dtype dt, int dw) {
  for (int r = 0; r < 1500; r++) {
    int ih, iw, ic, oc, kh, kw, sh = 1, sw = 1, dh = 1, dwl = 1, pt = 0, pl = 0, pb = 0, pr = 0;
    if (dw) {
      ih = ri(1, 9); iw = ri(1, 9); ic = oc = ri(1, 40); kh = kw = ri(1, 2) * 2 + 1;
      sh = sw = ri(1, 2); dh = dwl = ri(1, 2);
      pt = pl = ri(0, kh / 2); pb = pr = ri(0, kh / 2);
    } else {   // FC-like: 1x1 spatial output, K >= 8 so the GEMV takes it
      ih = iw = 1; ic = ri(8, 300); oc = ri(4, 70); kh = kw = 1;
    }
    int oh = (ih + pt + pb - ((kh - 1) * dh + 1)) / sh + 1, ow = (iw + pl + pr - ((kw - 1) * dwl + 1)) / sw + 1;
    if (oh < 1 || ow < 1) continue;
    const int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    float in_s = rs(0.001f, 0.1f);
    int32_t in_zp = ri(lo, hi), out_zp = ri(lo, hi);
    int icg = dw ? 1 : ic;
    std::vector<T> in(ih * iw * ic), wts(oc * kh * kw * icg), want(oh * ow * oc), got(oh * ow * oc);
    for (auto &v : in) v = (T)rnd();
    for (auto &v : wts) v = (T)rnd();
    if (dt == MNV3_DTYPE_I8) for (auto &v : wts) if (v == -128) v = -127;
    std::vector<int32_t> bias(oc);
    for (auto &b : bias) b = ri(-30000, 30000);
    int nsc = dt == MNV3_DTYPE_I8 ? oc : 1;
    std::vector<float> ws(nsc); std::vector<int32_t> wzp(nsc);
    for (int i = 0; i < nsc; i++) { ws[i] = rs(0.001f, 0.1f); wzp[i] = dt == MNV3_DTYPE_U8 ? ri(0, 255) : 0; }
    float out_s = in_s * ws[0] * 255.f * std::sqrt((float)(kh * kw * icg)) / rs(4.f, 200.f);
    mnv3_qconv_params p; memset(&p, 0, sizeof p);
    p.geom = { ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dwl, pt, pl, pb, pr, dw ? ic : 1, { MNV3_ACT_NONE, 0, 0 } };
    p.in = { dt, in_s, in_zp }; p.out = { dt, out_s, out_zp };
    p.act_min = lo + ri(0, 5); p.act_max = hi - ri(0, 5);
    p.w_type = dt; p.num_w_scales = nsc; p.w_scales = ws.data(); p.w_zps = wzp.data();
    p.legacy_multiplier = dt == MNV3_DTYPE_U8;
    /* A one-channel depthwise op has groups == 1, which AUTO takes for a
     * CONV_2D: the planner names the depthwise rounding then (qops.h). */
    if (dw && oc == 1) p.rounding = MNV3_QROUND_GEMMLOWP;
    std::vector<int32_t> mult(oc); std::vector<int> shift(oc);
    int32_t m1 = 0; int s1 = 0;
    if (dt == MNV3_DTYPE_U8) QuantizeMultiplier(static_cast<double>(in_s * ws[0]) / static_cast<double>(out_s), &m1, &s1);
    else for (int o = 0; o < oc; o++) QuantizeMultiplier((double)in_s * (double)ws[o] / (double)out_s, &mult[o], &shift[o]);
    RuntimeShape is({1, ih, iw, ic}), os({1, oh, ow, oc}), bs({oc});
    if (dw) {
      std::vector<T> wt(wts.size());
      for (int o = 0; o < oc; o++) for (int k = 0; k < kh * kw; k++) wt[k * oc + o] = wts[o * kh * kw + k];
      RuntimeShape fs({1, kh, kw, oc});
      DepthwiseParams dp; memset(&dp, 0, sizeof dp);
      dp.padding_values.height = pt; dp.padding_values.width = pl;
      dp.stride_height = sh; dp.stride_width = sw; dp.dilation_height_factor = dh; dp.dilation_width_factor = dwl;
      dp.depth_multiplier = 1; dp.input_offset = -in_zp; dp.weights_offset = -wzp[0]; dp.output_offset = out_zp;
      dp.output_multiplier = m1; dp.output_shift = s1;
      dp.quantized_activation_min = p.act_min; dp.quantized_activation_max = p.act_max;
      if (dt == MNV3_DTYPE_I8)
        optimized_integer_ops::depthwise_conv::DepthwiseConvGeneral(dp, mult.data(), shift.data(), is, (const int8_t *)in.data(), fs, (const int8_t *)wt.data(), bs, bias.data(), os, (int8_t *)want.data(), 0, oh, 1);
      else
        optimized_ops::depthwise_conv::DepthwiseConvGeneral(dp, is, (const uint8_t *)in.data(), fs, (const uint8_t *)wt.data(), bs, bias.data(), os, (uint8_t *)want.data(), 0, oh, 1);
    } else {
      using namespace cpu_backend_gemm;
      MatrixParams<T> lhs; lhs.order = Order::kRowMajor; lhs.rows = oc; lhs.cols = ic; lhs.zero_point = (T)wzp[0];
      MatrixParams<T> rhs; rhs.order = Order::kColMajor; rhs.rows = ic; rhs.cols = 1; rhs.zero_point = (T)in_zp;
      MatrixParams<T> dst; dst.order = Order::kColMajor; dst.rows = oc; dst.cols = 1; dst.zero_point = (T)out_zp;
      if (dt == MNV3_DTYPE_I8) {
        GemmParams<int32_t, T, QuantizationFlavor::kIntegerWithPerRowMultiplier> gp;
        gp.multiplier_fixedpoint_perchannel = mult.data(); gp.multiplier_exponent_perchannel = shift.data();
        gp.bias = bias.data(); gp.clamp_min = (T)p.act_min; gp.clamp_max = (T)p.act_max;
        cpu_backend_gemm::detail::CustomGemvImpl<T, T, int32_t, T, QuantizationFlavor::kIntegerWithPerRowMultiplier>::Run(lhs, wts.data(), rhs, in.data(), dst, want.data(), gp, 0, oc);
      } else {
        GemmParams<int32_t, T, QuantizationFlavor::kIntegerWithUniformMultiplier> gp;
        gp.multiplier_fixedpoint = m1; gp.multiplier_exponent = s1;
        gp.bias = bias.data(); gp.clamp_min = (T)p.act_min; gp.clamp_max = (T)p.act_max;
        cpu_backend_gemm::detail::CustomGemvImpl<T, T, int32_t, T, QuantizationFlavor::kIntegerWithUniformMultiplier>::Run(lhs, wts.data(), rhs, in.data(), dst, want.data(), gp, 0, oc);
      }
    }
    mnv3_qconv *c = mnv3_qconv_create(MNV3_ISA_SCALAR, &p, wts.data(), bias.data());
    if (!c) { CMP(0, 1, "create"); continue; }
    std::vector<uint8_t> scratch(mnv3_qconv_scratch_size(c, 1) + 64);
    mnv3_qconv_run(c, in.data(), got.data(), scratch.data(), NULL);
    mnv3_qconv_free(c);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "%s type %d oc %d i %zu", dw ? "depthwise" : "gemv", dt, oc, i);
  }
}

template <typename T> static void t_argmax() {
  for (int r = 0; r < 3000; r++) {
    int c = ri(1, 70), rows = ri(1, 3);
    std::vector<T> in(rows * c);
    for (auto &v : in) v = (T)(ri(0, 3) ? rnd() % 4 : rnd());   // many ties
    std::vector<int32_t> want(rows), got(rows);
    int32_t axis = 1;
    optimized_ops::ArgMinMax(RuntimeShape({rows, c}), in.data(), &axis, RuntimeShape({rows}), want.data(), true);
    mnv3_qargmax_run(std::is_same<T, int8_t>::value ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, in.data(), MNV3_DTYPE_I32, got.data(), rows, c, NULL);
    for (int i = 0; i < rows; i++) CMP(got[i], want[i], "argmax c %d", c);
  }
}

int main() {
  setvbuf(stdout, NULL, _IONBF, 0);
  SECTION("dequantize"); t_dequant<uint8_t>(MNV3_DTYPE_U8); t_dequant<int8_t>(MNV3_DTYPE_I8); REPORT();
  SECTION("requantize"); t_requant<uint8_t, uint8_t>(MNV3_DTYPE_U8, MNV3_DTYPE_U8); t_requant<int8_t, int8_t>(MNV3_DTYPE_I8, MNV3_DTYPE_I8);
  t_requant<uint8_t, int8_t>(MNV3_DTYPE_U8, MNV3_DTYPE_I8); t_requant<int8_t, uint8_t>(MNV3_DTYPE_I8, MNV3_DTYPE_U8); REPORT();
  SECTION("add u8"); t_binary<uint8_t>(MNV3_DTYPE_U8, 0); REPORT();
  SECTION("add i8"); t_binary<int8_t>(MNV3_DTYPE_I8, 0); REPORT();
  SECTION("mul u8"); t_binary<uint8_t>(MNV3_DTYPE_U8, 1); REPORT();
  SECTION("mul i8"); t_binary<int8_t>(MNV3_DTYPE_I8, 1); REPORT();
  printf("  (ADD/MUL with results beyond int16: %ld outputs, %ld differ; not counted)\n", n_overflow_cases, n_overflow_diff);
  SECTION("depthwise u8"); t_conv<uint8_t>(MNV3_DTYPE_U8, 1); REPORT();
  SECTION("depthwise i8"); t_conv<int8_t>(MNV3_DTYPE_I8, 1); REPORT();
  SECTION("gemv u8"); t_conv<uint8_t>(MNV3_DTYPE_U8, 0); REPORT();
  SECTION("gemv i8"); t_conv<int8_t>(MNV3_DTYPE_I8, 0); REPORT();
  SECTION("argmax"); t_argmax<uint8_t>(); t_argmax<int8_t>(); REPORT();
  printf("total %ld compared, %ld mismatches\n", ncmp, nfail);
  return nfail != 0;
}
