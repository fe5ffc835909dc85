// tflite_opt_diff.cc — TFLite's optimized kernels (optimized_ops.h and
// friends) and its reference convolutions against core/quant: uint8
// bilinear resize (float path and the x8 8.8 path), nearest resize,
// softmax, quantize/dequantize, optimized pooling, both MEAN kernels, conv
// and depthwise (reference loops, gemmlowp rounding; the GEMM's rounding is
// ruy_diff.cc's subject).  Developer tool, not part of the build.
// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cstdio>
#include <vector>
#include "tflite/kernels/internal/optimized/optimized_ops.h"
#include "tflite/kernels/internal/optimized/resize_bilinear.h"
#include "tflite/kernels/internal/optimized/integer_ops/pooling.h"
#include "tflite/kernels/internal/optimized/reduce.h"
#include "tflite/kernels/internal/optimized/integer_ops/mean.h"
#include "tflite/kernels/internal/reference/conv.h"
#include "tflite/kernels/internal/reference/depthwiseconv_uint8.h"
#include "tflite/kernels/internal/reference/integer_ops/conv.h"
#include "tflite/kernels/internal/reference/integer_ops/depthwise_conv.h"
extern "C" {
#include "quant/qops.h"
}
using namespace tflite;

static uint64_t st = 88172645463325252ull;
static uint32_t rnd() { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return (uint32_t)(st >> 11); }
static int ri(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rs(float lo, float hi) { double t = (rnd() & 0xffffff) / (double)0xffffff; return (float)std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))); }
static long nfail = 0, ncmp = 0;
#define CMP(a, b, ...) do { ncmp++; if ((a) != (b)) { if (nfail++ < 20) { printf("MISMATCH line %d got %d want %d: ", __LINE__, (int)(a), (int)(b)); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static void t_resize_u8() {
  for (int r = 0; r < 4000; r++) {
    int ih = ri(1, 9), iw = ri(1, 9), c = ri(1, 5), oh = ri(1, 30), ow = ri(1, 30);
    int mode = ri(0, 2);
    if (r % 10 == 0) { mode = 2; c = 8 * ri(1, 2); oh = ih * 8; ow = iw * 8; }   // 888 path
    ResizeBilinearParams p; p.align_corners = mode == 1; p.half_pixel_centers = mode == 2;
    std::vector<uint8_t> in(ih * iw * c), want(oh * ow * c), got(oh * ow * c);
    for (auto &v : in) v = (uint8_t)rnd();
    int32_t size[2] = { oh, ow };
    optimized_ops::ResizeBilinear(p, RuntimeShape({1, ih, iw, c}), in.data(), RuntimeShape({2}), size, RuntimeShape({1, oh, ow, c}), want.data());
    mnv3_resize_coord co = mode == 1 ? MNV3_COORD_ALIGN_CORNERS : mode == 2 ? MNV3_COORD_HALF_PIXEL : MNV3_COORD_ASYMMETRIC;
    mnv3_qresize_run(MNV3_ISA_SCALAR, co, 0, MNV3_DTYPE_U8, in.data(), ih, iw, c, got.data(), oh, ow, NULL, NULL);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "resize u8 %dx%d->%dx%d c %d mode %d", ih, iw, oh, ow, c, mode);
    // int8 through the optimized entry (it calls ResizeBilinearInteger)
    std::vector<int8_t> in8(in.begin(), in.end()), want8(oh * ow * c), got8(oh * ow * c);
    optimized_ops::ResizeBilinear(p, RuntimeShape({1, ih, iw, c}), in8.data(), RuntimeShape({2}), size, RuntimeShape({1, oh, ow, c}), want8.data());
    mnv3_qresize_run(MNV3_ISA_SCALAR, co, 0, MNV3_DTYPE_I8, in8.data(), ih, iw, c, got8.data(), oh, ow, NULL, NULL);
    for (size_t i = 0; i < got8.size(); i++) CMP(got8[i], want8[i], "resize i8");
    // nearest
    ResizeNearestNeighborParams np; np.align_corners = p.align_corners; np.half_pixel_centers = p.half_pixel_centers;
    optimized_ops::ResizeNearestNeighbor(np, RuntimeShape({1, ih, iw, c}), in.data(), RuntimeShape({2}), size, RuntimeShape({1, oh, ow, c}), want.data());
    mnv3_qresize_run(MNV3_ISA_SCALAR, co, 1, MNV3_DTYPE_U8, in.data(), ih, iw, c, got.data(), oh, ow, NULL, NULL);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "nearest %dx%d->%dx%d mode %d", ih, iw, oh, ow, mode);
  }
}

template <typename T> static void t_softmax(mnv3_dtype dt) {
  for (int r = 0; r < 3000; r++) {
    int c = ri(1, 40), rows = ri(1, 4);
    mnv3_qsoftmax q; memset(&q, 0, sizeof q);
    q.in = { dt, rs(0.001f, 1.f), ri(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()) };
    q.out = { dt, 1.f / 256, std::numeric_limits<T>::min() };
    q.beta = r % 3 ? 1.f : rs(0.1f, 3.f);
    mnv3_qsoftmax_prepare(&q);
    SoftmaxParams p; std::vector<float> table(256);
    p.table = table.data();
    optimized_ops::PopulateSoftmaxLookupTable(&p, q.in.scale, q.beta);
    p.zero_point = q.out.zp; p.scale = q.out.scale;
    std::vector<T> in(rows * c), want(rows * c), got(rows * c);
    for (auto &v : in) v = (T)rnd();
    optimized_ops::Softmax(p, RuntimeShape({rows, c}), in.data(), RuntimeShape({rows, c}), want.data());
    mnv3_qsoftmax_run(&q, in.data(), got.data(), rows, c);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "softmax");
  }
}

static void t_quant() {
  for (int r = 0; r < 3000; r++) {
    int n = 100;
    std::vector<float> x(n), back(n), want_f(n);
    for (auto &v : x) v = (float)((int)(rnd() % 20001) - 10000) / (float)ri(1, 1000) * (r % 2 ? 1.f : 0.5f);
    tflite::QuantizationParams qp; qp.scale = rs(0.001f, 1.f);
    for (int t = 0; t < 2; t++) {
      qp.zero_point = t ? ri(-128, 127) : ri(0, 255);
      mnv3_qtensor q = { t ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, (float)qp.scale, qp.zero_point };
      std::vector<uint8_t> want(n), got(n);
      if (t) optimized_ops::AffineQuantize(qp, RuntimeShape({n}), x.data(), RuntimeShape({n}), (int8_t *)want.data());
      else optimized_ops::AffineQuantize(qp, RuntimeShape({n}), x.data(), RuntimeShape({n}), want.data());
      mnv3_quantize_run(x.data(), got.data(), n, &q);
      for (int i = 0; i < n; i++) CMP(got[i], want[i], "quantize");
      DequantizationParams dp; dp.scale = qp.scale; dp.zero_point = qp.zero_point;
      if (t) optimized_ops::Dequantize(dp, RuntimeShape({n}), (int8_t *)want.data(), RuntimeShape({n}), want_f.data());
      else optimized_ops::Dequantize(dp, RuntimeShape({n}), want.data(), RuntimeShape({n}), want_f.data());
      mnv3_dequantize_run(want.data(), back.data(), n, &q);
      for (int i = 0; i < n; i++) CMP(memcmp(&back[i], &want_f[i], 4), 0, "dequantize");
    }
  }
}

template <typename T> static void t_pool_opt(mnv3_dtype dt) {
  for (int r = 0; r < 3000; r++) {
    int ih = ri(1, 9), iw = ri(1, 9), c = ri(1, 40), kh = ri(1, 4), kw = ri(1, 4), sh = ri(1, 3), sw = ri(1, 3);
    int pt = ri(0, kh - 1), pl = ri(0, kw - 1);
    int oh = (ih + pt + ri(0, kh - 1) - kh) / sh + 1, ow = (iw + pl + ri(0, kw - 1) - kw) / sw + 1;
    if (oh < 1 || ow < 1) continue;
    PoolParams p; memset(&p, 0, sizeof p);
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
        if (type == 0) ok = optimized_integer_ops::AveragePool(p, is, (const int8_t *)in.data(), os, (int8_t *)want.data());
        else optimized_integer_ops::MaxPool(p, is, (const int8_t *)in.data(), os, (int8_t *)want.data());
      } else {
        if (type == 0) ok = optimized_ops::AveragePool(p, is, (const uint8_t *)in.data(), os, (uint8_t *)want.data());
        else optimized_ops::MaxPool(p, is, (const uint8_t *)in.data(), os, (uint8_t *)want.data());
      }
      if (!ok) continue;
      mnv3_pool_params q = { type ? MNV3_POOL_MAX : MNV3_POOL_AVG, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl, 0, 0, 0 };
      mnv3_qpool_run(MNV3_ISA_SCALAR, &q, dt, p.quantized_activation_min, p.quantized_activation_max, in.data(), got.data(), NULL);
      for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "pool opt type %d", type);
    }
  }
}

template <typename T> static void t_mean(mnv3_dtype dt) {
  const int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (int r = 0; r < 3000; r++) {
    int h = ri(1, 12), w = ri(1, 12), c = ri(1, 20);
    mnv3_qmean q; memset(&q, 0, sizeof q);
    q.in = { dt, rs(0.001f, 1.f), ri(lo, hi) };
    q.out = { dt, rs(0.001f, 1.f), ri(lo, hi) };
    if (r % 4 == 0) q.out = q.in;
    q.count = h * w;
    std::vector<T> in(h * w * c), want(c), got(c);
    for (auto &v : in) v = (T)rnd();
    MeanParams mp; mp.axis_count = 2; mp.axis[0] = 1; mp.axis[1] = 2;
    // keep_dims: optimized Mean's parameter derivation (transcribed), then its MeanImpl
    {
      const float num = h * w;
      float temp = q.in.zp * q.in.scale / q.out.scale;
      temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
      int32_t bias = q.out.zp - static_cast<int32_t>(temp);
      float real_scale = q.in.scale / (num * q.out.scale);
      int32_t m; int s; QuantizeMultiplier(real_scale, &m, &s);
      if (dt == MNV3_DTYPE_I8)
        optimized_integer_ops::MeanImpl(mp, RuntimeShape({1, h, w, c}), (const int8_t *)in.data(), m, s, bias, RuntimeShape({1, 1, 1, c}), (int8_t *)want.data(), 0, c);
      else
        optimized_ops::MeanImpl(mp, RuntimeShape({1, h, w, c}), (const uint8_t *)in.data(), m, s, bias, RuntimeShape({1, 1, 1, c}), (uint8_t *)want.data(), 0, c);
      q.keep_dims = 1;
      mnv3_qmean_prepare(&q);
      mnv3_qmean_run(MNV3_ISA_SCALAR, &q, in.data(), h, w, c, got.data(), NULL);
      for (int i = 0; i < c; i++) CMP(got[i], want[i], "mean keep");
    }
    // no keep_dims: reference QuantizedMeanOrSum with reduce.cc's multiplier
    {
      int32_t m; int s;
      QuantizeMultiplier((double)q.in.scale / (double)q.out.scale, &m, &s);
      int in_dims[4] = { 1, h, w, c }, out_dims[2] = { 1, c }, axis[2] = { 1, 2 };
      int temp_index[4], resolved[4]; std::vector<int32_t> temp_sum(c);
      reference_ops::QuantizedMeanOrSum(in.data(), q.in.zp, in_dims, 4, want.data(), m, s, q.out.zp, out_dims, 2, axis, 2, false, temp_index, resolved, temp_sum.data(), false);
      q.keep_dims = 0;
      mnv3_qmean_prepare(&q);
      mnv3_qmean_run(MNV3_ISA_SCALAR, &q, in.data(), h, w, c, got.data(), NULL);
      for (int i = 0; i < c; i++) CMP(got[i], want[i], "mean nokeep h %d w %d", h, w);
    }
  }
}

// Conv / depthwise against TFLite's reference loops (gemmlowp rounding).
template <typename T> static void t_conv(mnv3_dtype dt, int dw) {
  for (int r = 0; r < 1500; r++) {
    int ih = ri(1, 8), iw = ri(1, 8), ic = dw ? ri(1, 20) : ri(1, 12), oc = dw ? ic : ri(1, 12);
    int kh = ri(1, 5), kw = ri(1, 5), sh = ri(1, 2), sw = ri(1, 2), dh = ri(1, 2), dwl = ri(1, 2);
    int pt = ri(0, kh - 1), pl = ri(0, kw - 1), pb = ri(0, kh - 1), pr = ri(0, kw - 1);
    int oh = (ih + pt + pb - ((kh - 1) * dh + 1)) / sh + 1, ow = (iw + pl + pr - ((kw - 1) * dwl + 1)) / sw + 1;
    if (oh < 1 || ow < 1) continue;
    const int lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    float in_s = rs(0.001f, 0.1f), out_s;
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
    out_s = in_s * ws[0] * 255.f * std::sqrt((float)(kh * kw * icg)) / rs(4.f, 200.f);
    mnv3_qconv_params p; memset(&p, 0, sizeof p);
    p.geom = { ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dwl, pt, pl, pb, pr, dw ? ic : 1, { MNV3_ACT_NONE, 0, 0 } };
    p.in = { dt, in_s, in_zp }; p.out = { dt, out_s, out_zp };
    p.act_min = lo + ri(0, 5); p.act_max = hi - ri(0, 5);
    p.w_type = dt; p.num_w_scales = nsc; p.w_scales = ws.data(); p.w_zps = wzp.data();
    p.legacy_multiplier = dt == MNV3_DTYPE_U8;
    p.rounding = MNV3_QROUND_GEMMLOWP;    // TFLite's reference kernels
    // TFLite params
    std::vector<int32_t> mult(oc); std::vector<int> shift(oc);
    int32_t m1 = 0; int s1 = 0;
    if (dt == MNV3_DTYPE_U8) {
      double real = static_cast<double>(in_s * ws[0]) / static_cast<double>(out_s);
      QuantizeMultiplier(real, &m1, &s1);
    } else {
      for (int o = 0; o < oc; o++) QuantizeMultiplier((double)in_s * (double)ws[o] / (double)out_s, &mult[o], &shift[o]);
    }
    RuntimeShape is({1, ih, iw, ic}), os({1, oh, ow, oc}), bs({oc});
    std::vector<T> wt = wts;
    RuntimeShape fs = dw ? RuntimeShape({1, kh, kw, oc}) : RuntimeShape({oc, kh, kw, icg});
    if (dw) {      // TFLite depthwise filter: [1][kh][kw][c]
      for (int o = 0; o < oc; o++) for (int k = 0; k < kh * kw; k++) wt[k * oc + o] = wts[o * kh * kw + k];
    }
    if (dw) {
      DepthwiseParams dp; memset(&dp, 0, sizeof dp);
      dp.padding_values.height = pt; dp.padding_values.width = pl;
      dp.stride_height = sh; dp.stride_width = sw; dp.dilation_height_factor = dh; dp.dilation_width_factor = dwl;
      dp.depth_multiplier = 1; dp.input_offset = -in_zp; dp.weights_offset = -wzp[0]; dp.output_offset = out_zp;
      dp.output_multiplier = m1; dp.output_shift = s1;
      dp.quantized_activation_min = p.act_min; dp.quantized_activation_max = p.act_max;
      if (dt == MNV3_DTYPE_I8)
        reference_integer_ops::DepthwiseConvPerChannel(dp, mult.data(), shift.data(), is, (const int8_t *)in.data(), fs, (const int8_t *)wt.data(), bs, bias.data(), os, (int8_t *)want.data());
      else
        reference_ops::DepthwiseConv(dp, is, (const uint8_t *)in.data(), fs, (const uint8_t *)wt.data(), bs, bias.data(), os, (uint8_t *)want.data());
    } else {
      ConvParams cp; memset(&cp, 0, sizeof cp);
      cp.padding_values.height = pt; cp.padding_values.width = pl;
      cp.stride_height = sh; cp.stride_width = sw; cp.dilation_height_factor = dh; cp.dilation_width_factor = dwl;
      cp.input_offset = -in_zp; cp.weights_offset = -wzp[0]; cp.output_offset = out_zp;
      cp.output_multiplier = m1; cp.output_shift = s1;
      cp.quantized_activation_min = p.act_min; cp.quantized_activation_max = p.act_max;
      if (dt == MNV3_DTYPE_I8)
        reference_integer_ops::ConvPerChannel(cp, mult.data(), shift.data(), is, (const int8_t *)in.data(), fs, (const int8_t *)wt.data(), bs, bias.data(), os, (int8_t *)want.data());
      else
        reference_ops::Conv(cp, is, (const uint8_t *)in.data(), fs, (const uint8_t *)wt.data(), bs, bias.data(), os, (uint8_t *)want.data(), RuntimeShape(), nullptr, nullptr);
    }
    mnv3_qconv *c = mnv3_qconv_create(MNV3_ISA_SCALAR, &p, wts.data(), bias.data());
    if (!c) { CMP(0, 1, "create"); continue; }
    mnv3_qconv_run(c, in.data(), got.data(), NULL, NULL);
    mnv3_qconv_free(c);
    for (size_t i = 0; i < got.size(); i++) CMP(got[i], want[i], "conv dw %d type %d %dx%d k %dx%d s %d,%d d %d,%d", dw, dt, ih, iw, kh, kw, sh, sw, dh, dwl);
  }
}

int main() {
  t_resize_u8(); printf("resize u8/i8/nearest: %ld compared, %ld mismatches\n", ncmp, nfail);
  t_softmax<uint8_t>(MNV3_DTYPE_U8); t_softmax<int8_t>(MNV3_DTYPE_I8); printf("+softmax: %ld, %ld\n", ncmp, nfail);
  t_quant(); printf("+quantize/dequantize: %ld, %ld\n", ncmp, nfail);
  t_pool_opt<uint8_t>(MNV3_DTYPE_U8); t_pool_opt<int8_t>(MNV3_DTYPE_I8); printf("+pool (optimized): %ld, %ld\n", ncmp, nfail);
  t_mean<uint8_t>(MNV3_DTYPE_U8); t_mean<int8_t>(MNV3_DTYPE_I8); printf("+mean: %ld, %ld\n", ncmp, nfail);
  t_conv<uint8_t>(MNV3_DTYPE_U8, 0); t_conv<int8_t>(MNV3_DTYPE_I8, 0); t_conv<uint8_t>(MNV3_DTYPE_U8, 1); t_conv<int8_t>(MNV3_DTYPE_I8, 1);
  printf("+conv/dwconv (reference loops): %ld, %ld\n", ncmp, nfail);
  return nfail != 0;
}
