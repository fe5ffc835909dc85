/* qops.h — integer (8-bit quantized) operators with TFLite's semantics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The contract of core/ops.h (NHWC, batch 1, dense, create/prepare once,
 * run without allocation or decisions) for tensors of 8-bit integers.
 * What "correct" means here is TFLite's built-in integer kernels, bit for
 * bit: multipliers derived from the real scales exactly as TFLite derives
 * them (double precision, QuantizeMultiplier), requantization as
 * SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT
 * (TFLite's default "double rounding"), the output offset added, then the
 * clamp to [act_min, act_max] (the type's range narrowed by a fused
 * ReLU/ReLU6).
 *
 * Activations are stored in their model type (uint8 or int8; `mnv3_dtype`
 * says which).  Every op is given its tensors' quantization (scale, zero
 * point); per-channel quantization only occurs for convolution weights.
 *
 * The scalar reference of each op lives beside its SIMD versions in
 * core/quant/; the kernels are chosen through the dispatch table at
 * create/prepare time for the session's ISA.
 */
#ifndef MNV3_QOPS_H
#define MNV3_QOPS_H

#include <stddef.h>
#include <stdint.h>

#include "mnv3.h"
#include "ops.h"
#include "threadpool.h"

/* ---- fixed-point arithmetic (TFLite's definitions) -------------------- */

/* real ~= mult * 2^(shift - 31); mult in [2^30, 2^31) or 0. */
typedef struct {
  int32_t mult;
  int shift;                 /* > 0: left shift; < 0: right shift */
} mnv3_qmul;

/* TFLite QuantizeMultiplier(): frexp, round(q * 2^31) (with the 2^31
 * carry), shifts below -31 flush to zero. real must be >= 0. */
mnv3_qmul mnv3_qmul_from_double (double real);

static inline int32_t
mnv3_q_srdhm (int32_t a, int32_t b)   /* SaturatingRoundingDoublingHighMul */
{
  int64_t ab, nudge;
  int32_t r;

  if (a == b && a == INT32_MIN)
    return INT32_MAX;
  ab = (int64_t) a * b;
  nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  r = (int32_t) ((ab + nudge) / ((int64_t) 1 << 31));
  return r;
}

static inline int32_t
mnv3_q_rdivpot (int32_t x, int exponent)   /* RoundingDivideByPOT */
{
  int32_t mask = (int32_t) (((int64_t) 1 << exponent) - 1);
  int32_t rem = x & mask;
  int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (rem > thr ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier (double rounding). */
static inline int32_t
mnv3_qmul_apply (int32_t x, mnv3_qmul m)
{
  int left = m.shift > 0 ? m.shift : 0;
  int right = m.shift > 0 ? 0 : -m.shift;
  return mnv3_q_rdivpot (mnv3_q_srdhm ((int32_t) ((uint32_t) x << left),
          m.mult), right);
}

/* The multiplier as ruy's x86 kernels (AVX, AVX2, AVX-512) apply it: the
 * left shift (wrapping), then the 64-bit product rounded half up at bit
 * 31, then a right shift rounded half up.  TFLite's CONV_2D and
 * FULLY_CONNECTED reach these kernels on x86 (cpu_backend_gemm_x86.h sends
 * every 8-bit GEMM to ruy), so their results round this way, not as
 * mnv3_qmul_apply() does: the two differ on ties of negative values. */
/* TFLite's x86 build defines USE_NEON and runs its NEON code through
 * NEON_2_SSE.  Where an int8 kernel requantizes with NEON (the output stage
 * of the per-channel depthwise convolution, channels in whole groups of 8;
 * MEAN, groups of 16), the doubling high multiply rounds as
 * SaturatingRoundingDoublingHighMul but the final right shift is vrshl's:
 * ties round upward instead of away from zero.  Found by comparing every
 * tensor with TFLite's run (tests/quant/test_tflite_exact.py). */
static inline int32_t
mnv3_qmul_apply_neon (int32_t x, mnv3_qmul m)
{
  int left = m.shift > 0 ? m.shift : 0;
  int right = m.shift > 0 ? 0 : -m.shift;
  int32_t h = mnv3_q_srdhm ((int32_t) ((uint32_t) x << left), m.mult);
  return right ? (int32_t) (((int64_t) h + ((int64_t) 1 << (right - 1)))
      >> right) : h;
}

static inline int32_t
mnv3_qmul_apply_ruy (int32_t x, mnv3_qmul m)
{
  int left = m.shift > 0 ? m.shift : 0;
  int right = m.shift > 0 ? 0 : -m.shift;
  int64_t t = ((int64_t) (int32_t) ((uint32_t) x << left) * m.mult
      + ((int64_t) 1 << 30)) >> 31;
  if (right > 0)
    t = (t + ((int64_t) 1 << (right - 1))) >> right;
  return (int32_t) t;
}

/* Which of the two a convolution uses. */
typedef enum {
  MNV3_QROUND_AUTO = 0,      /* what TFLite's x86 build runs: RUY for
                              * groups == 1 (CONV_2D, FULLY_CONNECTED),
                              * GEMMLOWP for depthwise and grouped
                              * convolution.  A DEPTHWISE_CONV_2D with one
                              * channel has groups == 1: pass GEMMLOWP. */
  MNV3_QROUND_GEMMLOWP,      /* mnv3_qmul_apply() */
  MNV3_QROUND_RUY,           /* mnv3_qmul_apply_ruy() */
  MNV3_QROUND_NEON8,         /* int8 per-channel depthwise: channels in
                              * whole groups of 8 as mnv3_qmul_apply_neon(),
                              * the rest as mnv3_qmul_apply() */
  MNV3_QROUND_FLOAT,         /* ONNX Runtime (MLAS MlasRequantizeOutput):
                              * (float) acc * scale[oc], scale the float
                              * (in_scale * w_scale[oc]) / out_scale, rounded
                              * half to even, + zero point, clamped.  The
                              * packed kernels' float output stage
                              * (qkernels.h), bytes as the reference loops. */
} mnv3_qround;

/* ---- tensors ----------------------------------------------------------- */

/* Quantization of one 8-bit activation tensor: real = scale * (q - zp). */
typedef struct {
  mnv3_dtype type;           /* MNV3_DTYPE_U8 or MNV3_DTYPE_I8 */
  float scale;
  int32_t zp;
} mnv3_qtensor;

/* Clamp range of an op's output in its stored values: the type's range
 * narrowed by a fused activation as TFLite's
 * CalculateActivationRangeQuantized does (NONE, RELU, RELU6 = CLIP 0..6,
 * RELU_N1_TO_1 = CLIP -1..1).  Other activations leave the full range. */
void mnv3_q_act_range (mnv3_act act, const mnv3_qtensor *out,
    int32_t *act_min, int32_t *act_max);

/* ---- convolution: general, 1x1, depthwise, fully connected ------------ */

typedef struct {
  mnv3_conv_params geom;     /* shapes, strides, padding, groups (act unused).
                              * groups == 1, or groups == ic == oc
                              * (depthwise, multiplier 1).  FULLY_CONNECTED is
                              * a 1x1 conv on a 1x1 input. */
  mnv3_qtensor in, out;
  int32_t act_min, act_max;  /* from mnv3_q_act_range() */
  mnv3_dtype w_type;         /* U8 (asymmetric) or I8 */
  int num_w_scales;          /* 1 (per tensor) or oc (per channel) */
  const float *w_scales;     /* [num_w_scales] */
  const int32_t *w_zps;      /* [num_w_scales] (0 for symmetric int8) */
  /* How TFLite derives the multiplier differs between the schemes:
   * uint8 per-tensor: (double)(float)(in_scale * w_scale) / out_scale
   * (GetQuantizedConvolutionMultipler); int8 per-channel:
   * (double)in_scale * (double)w_scale[c] / (double)out_scale.
   * 1 = the uint8 rule, 0 = the per-channel rule.  FULLY_CONNECTED uses
   * the uint8 rule for int8 too whenever its weights are per tensor.  The
   * rule only applies with num_w_scales == 1. */
  int legacy_multiplier;
  mnv3_qround rounding;      /* 0 (AUTO) unless a test forces one */
  int reference;             /* 1: the plain reference loops only (tests
                              * compare the packed kernels with them) */
} mnv3_qconv_params;

typedef struct mnv3_qconv mnv3_qconv;

/* weights: OHWI [oc][kh][kw][ic/groups] of w_type (depthwise [c][kh][kw][1],
 * FC [oc][ic]); bias: int32 [oc] (scale in_scale*w_scale) or NULL.
 * Packs what the kernels read.  NULL on allocation failure (error set). */
mnv3_qconv *mnv3_qconv_create (mnv3_isa isa, const mnv3_qconv_params *p,
    const void *weights, const int32_t *bias);
size_t mnv3_qconv_scratch_size (const mnv3_qconv *c, int num_threads);
/* scratch: mnv3_qconv_scratch_size (c, threads of tp) bytes, 64-byte
 * aligned; NULL runs the plain loops (the same bytes, slower). */
void mnv3_qconv_run (const mnv3_qconv *c, const void *in, void *out,
    void *scratch, mnv3_threadpool *tp);
size_t mnv3_qconv_packed_bytes (const mnv3_qconv *c);
void mnv3_qconv_free (mnv3_qconv *c);

/* ---- element-wise binary: ADD, SUB, MUL with broadcasting ------------- */

typedef struct {
  mnv3_binary_op op;         /* ADD, SUB or MUL */
  mnv3_qtensor a, b, out;
  int32_t act_min, act_max;
  /* prepared (TFLite's PrepareGeneralSubOp / Mul's Prepare) */
  int left_shift;
  mnv3_qmul a_mul, b_mul, out_mul;
} mnv3_qbinary;

/* Fills the derived fields; MNV3_ERR_UNSUPPORTED when the op/type is not
 * one TFLite supports. */
mnv3_status mnv3_qbinary_prepare (mnv3_qbinary *q);
/* Shapes as in mnv3_binary_run (NumPy broadcasting over NHWC). */
void mnv3_qbinary_run (mnv3_isa isa, const mnv3_qbinary *q, const void *a,
    const int a_shape[4], const void *b, const int b_shape[4], void *out,
    const int out_shape[4], mnv3_threadpool *tp);

/* ---- element-wise unary by table ------------------------------------- */

/* Any 8-bit -> 8-bit element-wise op is one 256-entry table, filled by
 * evaluating TFLite's integer formula on every possible input: exact by
 * construction.  Indexed by the stored byte read as unsigned (an int8 -1 is
 * entry 255), as TFLite lays out its own tables: the run loop does not
 * depend on the type. */
typedef enum {
  MNV3_QUNARY_HARD_SWISH,    /* TFLite's fixed-point HardSwish */
  MNV3_QUNARY_LOGISTIC,      /* TFLite's LOGISTIC for 8-bit */
  MNV3_QUNARY_TANH,
  MNV3_QUNARY_RELU,          /* requantize, then clamp at 0 */
  MNV3_QUNARY_RELU6,
  MNV3_QUNARY_RELU_N1_TO_1,
  MNV3_QUNARY_REQUANTIZE,    /* QUANTIZE 8-bit -> 8-bit */
} mnv3_qunary_kind;

typedef struct {
  uint8_t table[256];
  /* The last n % 16 elements of a run use tail[] instead.  Only
   * REQUANTIZE differs: TFLite's x86 build requantizes whole groups of 16
   * with its NEON code (through NEON_2_SSE: the last shift rounds ties
   * upward, mnv3_qmul_apply_neon) and the rest with the scalar
   * MultiplyByQuantizedMultiplier (ties away from zero). */
  uint8_t tail[256];
} mnv3_qlut;

mnv3_status mnv3_qlut_prepare (mnv3_qlut *lut, mnv3_qunary_kind kind,
    const mnv3_qtensor *in, const mnv3_qtensor *out);
void mnv3_qlut_run (mnv3_isa isa, const mnv3_qlut *lut, const void *in,
    void *out, size_t n, mnv3_threadpool *tp);

/* ---- pooling and MEAN ------------------------------------------------- */

/* AVERAGE_POOL_2D (and MAX): TFLite requires equal in/out quantization;
 * the average is rounded as TFLite rounds it, then clamped. */
void mnv3_qpool_run (mnv3_isa isa, const mnv3_pool_params *p,
    mnv3_dtype type, int32_t act_min, int32_t act_max, const void *in,
    void *out, mnv3_threadpool *tp);

/* MEAN over H and W, with TFLite's requantization.  TFLite takes two
 * different kernels: keep_dims on a 4-D input (optimized Mean: the raw sum
 * times one multiplier, plus a float-derived bias), or else the reference
 * QuantizedMeanOrSum (sum minus zp*count, a multiplier folded with
 * 1/count).  The output bytes are laid out the same way in both. */
typedef struct {
  mnv3_qtensor in, out;
  int count;                 /* h * w */
  int keep_dims;             /* the op's keep_dims (input is 4-D NHWC) */
  /* prepared */
  mnv3_qmul mul;
  int32_t bias;
  int same_quant;            /* in and out share scale and zero point
                              * (informative: TFLite has no shortcut) */
} mnv3_qmean;

mnv3_status mnv3_qmean_prepare (mnv3_qmean *q);
void mnv3_qmean_run (mnv3_isa isa, const mnv3_qmean *q, const void *in,
    int h, int w, int c, void *out, mnv3_threadpool *tp);

/* ---- resize ------------------------------------------------------------ */

/* RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR on 8-bit data (in and out
 * quantization equal), with TFLite's integer interpolation and rounding.
 * coord: ALIGN_CORNERS, HALF_PIXEL or ASYMMETRIC.  scratch of
 * mnv3_qresize_scratch_size() bytes. */
size_t mnv3_qresize_scratch_size (int oh, int ow, int c, int num_threads);
void mnv3_qresize_run (mnv3_isa isa, mnv3_resize_coord coord, int nearest,
    mnv3_dtype type, const void *in, int ih, int iw, int c, void *out,
    int oh, int ow, void *scratch, mnv3_threadpool *tp);

/* ---- concatenation, softmax, argmax, (de)quantize ---------------------- */

/* Inputs whose quantization differs from out's are requantized as TFLite's
 * ConcatenationWithScaling does. */
void mnv3_qconcat_run (int axis, int n, const void *const *ins,
    const int (*shapes)[4], const mnv3_qtensor *in_q, const mnv3_qtensor *out_q,
    void *out, mnv3_threadpool *tp);

/* SOFTMAX over channels, TFLite's 8-bit kernel (beta from the op). */
typedef struct {
  mnv3_qtensor in, out;
  float beta;
  /* prepared: whatever TFLite's kernel precomputes (tables, multiplier) */
  float table[256];
  int32_t input_multiplier, input_left_shift, diff_min;
} mnv3_qsoftmax;

mnv3_status mnv3_qsoftmax_prepare (mnv3_qsoftmax *q);
void mnv3_qsoftmax_run (const mnv3_qsoftmax *q, const void *in, void *out,
    size_t rows, int c);

/* out[r] = index of the largest in[r*c..] (first wins), as int32 or int64. */
void mnv3_qargmax_run (mnv3_isa isa, mnv3_dtype in_type, const void *in,
    mnv3_dtype out_type, void *out, size_t rows, int c, mnv3_threadpool *tp);

/* QUANTIZE float -> 8-bit and DEQUANTIZE 8-bit -> float, as TFLite's
 * reference kernels (round half away from zero of x/scale, + zp, clamp). */
void mnv3_quantize_run (const float *in, void *out, size_t n,
    const mnv3_qtensor *q);
void mnv3_dequantize_run (const void *in, float *out, size_t n,
    const mnv3_qtensor *q);

/* ---- ONNX Runtime's arithmetic (core/quant/qort.c) --------------------
 * The integer graph of an ONNX QDQ model reproduces ONNX Runtime's CPU
 * kernels (MLAS), which requantize in float: a float scale, round half to
 * even (cvtps2dq), saturate.  Convolutions use MNV3_QROUND_FLOAT above;
 * these are the other ops.  Scalar code, compiled without FMA contraction
 * (MLAS's own FMAs are written as fmaf). */

/* QuantizeLinear: x / scale, clamped to the type's range - zp, rounded
 * half to even, + zp (MlasQuantizeLinear).  The CPU's best level
 * (mnv3_cpu_resolve (MNV3_ISA_AUTO)): AVX2 and up in SIMD, the same
 * bytes; _isa: at a given level (tests). */
void mnv3_qort_quantize_run (const float *in, void *out, size_t n,
    const mnv3_qtensor *q);
void mnv3_qort_quantize_run_isa (mnv3_isa isa, const float *in, void *out,
    size_t n, const mnv3_qtensor *q);

/* DequantizeLinear: (float) (q - zp) * scale. */
void mnv3_qort_dequantize_run (const void *in, float *out, size_t n,
    const mnv3_qtensor *q);

/* QLinearAdd / QLinearMul of two tensors (NumPy broadcasting over NHWC),
 * as MLAS's AVX2 kernels compute them. */
typedef struct {
  mnv3_binary_op op;         /* ADD or MUL */
  mnv3_qtensor a, b, out;
  mnv3_isa isa;              /* resolved level: AVX2 and up run rows of
                              * the SIMD kernel (the same bytes), SCALAR
                              * (0, a zeroed struct) the plain loops */
} mnv3_qort_binary;

void mnv3_qort_binary_run (const mnv3_qort_binary *q, const void *a,
    const int a_shape[4], const void *b, const int b_shape[4], void *out,
    const int out_shape[4]);

/* QLinearGlobalAveragePool (NHWC): sum - zp * count, times the float
 * in_scale / (out_scale * count), rounded half to even, + zp. */
void mnv3_qort_gap_run (const mnv3_qtensor *in, const mnv3_qtensor *out,
    const void *x, int h, int w, int c, void *y);

/* A DequantizeLinear -> activation -> QuantizeLinear group as one table:
 * each of the 256 inputs dequantized ((float) (q - zp) * scale), the
 * activation computed in float as ONNX Runtime's CPU kernel does, then
 * quantized as mnv3_qort_quantize_run.  act: RELU, CLIP, HSIGMOID (a, b),
 * HSWISH (each table checked against ONNX Runtime on all 256 inputs),
 * SIGMOID (expf: not MLAS's approximation, unchecked); MNV3_ERR_UNSUPPORTED
 * otherwise. */
/* A MNV3_QROUND_FLOAT convolution that is 1x1, stride 1, unpadded, group
 * 1 (or FC) and has no packed kernel (p.reference), by a vectorizable form
 * of the reference loops (the same bytes as mnv3_qconv_run): 1 when done,
 * 0 when c is not such a layer (mnv3_qconv_run then runs it). */
int mnv3_qort_conv_run (const mnv3_qconv *c, const void *in, void *out,
    mnv3_threadpool *tp);

/* A MNV3_QROUND_FLOAT group-1 convolution (symmetric weights) with the
 * int16 saturation of ONNX Runtime's x86 kernels without VNNI (see
 * qort.c); a testing aid: ONNX Runtime's results on such CPUs are not the
 * exact ones.  Single-threaded reference loops. */
void mnv3_qort_conv_run_u8s8 (const mnv3_qconv *c, const void *in,
    void *out);

/* QLinearMul (q: MUL) of x and h = table (x), one operand a function of
 * the other through h[256] (indexed by x's byte; h_is_a: h is operand a):
 * the product as one table of x, each entry computed by
 * mnv3_qort_binary_run's formula, so the same bytes. */
void mnv3_qort_mul_table (mnv3_qlut *lut, const mnv3_qort_binary *q,
    const uint8_t h[256], int h_is_a);

mnv3_status mnv3_qort_lut_prepare (mnv3_qlut *lut, const mnv3_act *act,
    const mnv3_qtensor *in, const mnv3_qtensor *out);

#endif /* MNV3_QOPS_H */
