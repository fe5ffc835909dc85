/* ops.h — operator entry points the executor calls.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every operator follows XNNPACK's life cycle: *_create() packs weights and
 * picks the kernels for an ISA once (plan time); *_run() does no allocation
 * and no decision that could have been made at create time.
 *
 * Tensors are NHWC float32, batch 1, densely packed (row stride = w*c).
 * Inputs and outputs never alias unless an entry point says so.
 * `scratch` is caller-provided memory of *_scratch_size() bytes, 64-byte
 * aligned; work is split over the thread pool `tp` (may be NULL: serial).
 *
 * Each op family lives in its own folder with the scalar reference beside
 * its AVX2 and AVX-512 versions:
 *   core/conv/        conv (general, 1x1 GEMM, 3-channel stem), FC, deconv
 *   core/dwconv/      depthwise convolution
 *   core/elementwise/ activations, binary ops, pooling, resize, concat,
 *                     softmax, argmax
 */
#ifndef MNV3_OPS_H
#define MNV3_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "mnv3.h"
#include "threadpool.h"

/* ---- activations (also the fused epilogue of conv/dwconv/binary) ----- */

typedef enum {
  MNV3_ACT_NONE = 0,
  MNV3_ACT_RELU,         /* max(x, 0) */
  MNV3_ACT_CLIP,         /* min(max(x, a), b); ReLU6 is a=0, b=6 */
  MNV3_ACT_HSWISH,       /* x * min(max(x + 3, 0), 6) / 6 */
  MNV3_ACT_HSIGMOID,     /* min(max(a*x + b, 0), 1); torch: a=1/6, b=0.5 */
  MNV3_ACT_SIGMOID,      /* 1 / (1 + exp(-x)) */
} mnv3_act_type;

typedef struct {
  mnv3_act_type type;
  float a, b;
} mnv3_act;

/* Scalar reference of one activation (kernels use it for tails). */
static inline float
mnv3_act_ref (mnv3_act act, float x)
{
  switch (act.type) {
    case MNV3_ACT_RELU:
      return x > 0.f ? x : 0.f;
    case MNV3_ACT_CLIP:
      return x < act.a ? act.a : (x > act.b ? act.b : x);
    case MNV3_ACT_HSWISH:{
      float t = x + 3.f;
      t = t < 0.f ? 0.f : (t > 6.f ? 6.f : t);
      return x * t * (1.f / 6.f);
    }
    case MNV3_ACT_HSIGMOID:{
      float t = act.a * x + act.b;
      return t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
    }
    case MNV3_ACT_SIGMOID:
      return 1.f / (1.f + __builtin_expf (-x));
    default:
      return x;
  }
}

/* out[i] = act(in[i]) for i < n; in == out allowed. */
void mnv3_act_run (mnv3_isa isa, mnv3_act act, const float *in, float *out,
    size_t n, mnv3_threadpool *tp);

/* ---- convolution (core/conv/) ---------------------------------------- */

typedef struct {
  int ih, iw, ic;            /* input */
  int oh, ow, oc;            /* output (computed by the planner) */
  int kh, kw, sh, sw, dh, dw;
  int pad_t, pad_l, pad_b, pad_r;  /* resolved, may be asymmetric */
  int groups;                /* 1 or any divisor; depthwise goes to dwconv */
  mnv3_act act;
} mnv3_conv_params;

typedef struct mnv3_conv mnv3_conv;

/* weights: OHWI [oc][kh][kw][ic/groups]; bias: [oc] or NULL.
 * Returns NULL on allocation failure (error set). */
mnv3_conv *mnv3_conv_create (mnv3_isa isa, const mnv3_conv_params *p,
    const float *weights, const float *bias);
size_t mnv3_conv_scratch_size (const mnv3_conv *c, int num_threads);
/* out = act(conv(in) + bias + residual).
 * residual: NULL or a tensor of out's shape (fused residual add).
 * in_scale: NULL or [ic] per-input-channel factors (a fused
 *   squeeze-and-excite gate: conv(in * in_scale)); only for groups == 1. */
void mnv3_conv_run (const mnv3_conv *c, const float *in, float *out,
    const float *residual, const float *in_scale, void *scratch,
    mnv3_threadpool *tp);
size_t mnv3_conv_packed_bytes (const mnv3_conv *c);
void mnv3_conv_free (mnv3_conv *c);

/* Transposed convolution. weights [oc][kh][kw][ic]; groups == 1. */
typedef struct {
  int ih, iw, ic, oh, ow, oc;
  int kh, kw, sh, sw, dh, dw;
  int pad_t, pad_l, pad_b, pad_r;  /* as ONNX ConvTranspose pads */
  mnv3_act act;
} mnv3_deconv_params;

typedef struct mnv3_deconv mnv3_deconv;
mnv3_deconv *mnv3_deconv_create (mnv3_isa isa, const mnv3_deconv_params *p,
    const float *weights, const float *bias);
size_t mnv3_deconv_scratch_size (const mnv3_deconv *d, int num_threads);
void mnv3_deconv_run (const mnv3_deconv *d, const float *in, float *out,
    void *scratch, mnv3_threadpool *tp);
void mnv3_deconv_free (mnv3_deconv *d);

/* ---- depthwise convolution (core/dwconv/) ---------------------------- */

/* groups == ic == oc (channel multiplier 1). kernel any size; the hot
 * 3x3/5x5 stride 1/2 (with dilation) have SIMD kernels. */
typedef mnv3_conv_params mnv3_dwconv_params;
typedef struct mnv3_dwconv mnv3_dwconv;

/* weights: [c][kh][kw][1] (OHWI with I=1); bias [c] or NULL. */
mnv3_dwconv *mnv3_dwconv_create (mnv3_isa isa, const mnv3_dwconv_params *p,
    const float *weights, const float *bias);
size_t mnv3_dwconv_scratch_size (const mnv3_dwconv *d, int num_threads);
void mnv3_dwconv_run (const mnv3_dwconv *d, const float *in, float *out,
    void *scratch, mnv3_threadpool *tp);
size_t mnv3_dwconv_packed_bytes (const mnv3_dwconv *d);
void mnv3_dwconv_free (mnv3_dwconv *d);

/* ---- element-wise binary (core/elementwise/) ------------------------- */

typedef enum {
  MNV3_BINARY_ADD, MNV3_BINARY_SUB, MNV3_BINARY_MUL, MNV3_BINARY_DIV,
  MNV3_BINARY_MAX, MNV3_BINARY_MIN,
} mnv3_binary_op;

/* out = act(a OP b) with NumPy broadcasting over the 4-D NHWC shapes
 * (each dim of a and b equals out's or is 1).  Fast paths: same shape,
 * b per-channel [1,1,1,C], b scalar, a per-channel. out may alias a. */
void mnv3_binary_run (mnv3_isa isa, mnv3_binary_op op, mnv3_act act,
    const float *a, const int a_shape[4], const float *b, const int b_shape[4],
    float *out, const int out_shape[4], mnv3_threadpool *tp);

/* ---- pooling --------------------------------------------------------- */

typedef enum { MNV3_POOL_AVG, MNV3_POOL_MAX } mnv3_pool_type;

typedef struct {
  mnv3_pool_type type;
  int ih, iw, c, oh, ow;
  int kh, kw, sh, sw;
  int pad_t, pad_l, pad_b, pad_r;
  int count_include_pad;
} mnv3_pool_params;

void mnv3_pool_run (mnv3_isa isa, const mnv3_pool_params *p, const float *in,
    float *out, mnv3_threadpool *tp);
/* out[c] = mean over h,w of in (global average pool / ReduceMean). */
void mnv3_global_avgpool_run (mnv3_isa isa, const float *in, int h, int w,
    int c, float *out, mnv3_threadpool *tp);

/* ---- resize ------------------------------------------------------------ */

typedef enum {
  MNV3_COORD_HALF_PIXEL,         /* (o+0.5)/scale-0.5 (ONNX, TF half_pixel) */
  MNV3_COORD_PYTORCH_HALF_PIXEL, /* as HALF_PIXEL but 0 when out size is 1 */
  MNV3_COORD_ALIGN_CORNERS,      /* o*(in-1)/(out-1) */
  MNV3_COORD_ASYMMETRIC,         /* o/scale (TF default, no flags) */
} mnv3_resize_coord;

/* Bilinear (nearest=0) or nearest (nearest=1, floor rounding) resize of a
 * [ih,iw,c] tensor to [oh,ow,c]. scale = out/in unless given by the model:
 * pass scale_h/scale_w <= 0 to use oh/ih and ow/iw. */
void mnv3_resize_run (mnv3_isa isa, mnv3_resize_coord coord, int nearest,
    const float *in, int ih, int iw, int c, float *out, int oh, int ow,
    float scale_h, float scale_w, mnv3_threadpool *tp);
/* The same without allocation: scratch of mnv3_resize_scratch_size() bytes
 * (64-byte aligned), as the executor calls it.  mnv3_resize_run() above
 * allocates that scratch itself (tests, one-off use). */
size_t mnv3_resize_scratch_size (int oh, int ow, int c, int nearest,
    int num_threads);
void mnv3_resize_run_scratch (mnv3_isa isa, mnv3_resize_coord coord,
    int nearest, const float *in, int ih, int iw, int c, float *out, int oh,
    int ow, float scale_h, float scale_w, void *scratch, mnv3_threadpool *tp);

/* ---- misc ------------------------------------------------------------ */

/* Concatenate n tensors along NHWC axis (0..3). shapes[i] is tensor i's. */
void mnv3_concat_run (int axis, int n, const float *const *ins,
    const int (*shapes)[4], float *out, mnv3_threadpool *tp);
/* Softmax over the last (channel) axis of [rows, c]. */
void mnv3_softmax_run (mnv3_isa isa, const float *in, float *out, size_t rows,
    int c);
/* out[r] = (float) index of max over c of in[r*c..]; first max wins. */
void mnv3_argmax_run (const float *in, float *out, size_t rows, int c);

#endif /* MNV3_OPS_H */
