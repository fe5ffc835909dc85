/* qmisc.c — 8-bit CONCATENATION, SOFTMAX, ARG_MAX, QUANTIZE, DEQUANTIZE.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * concatenation.cc / reference/concatenation.h ConcatenationWithScaling,
 * activations.cc SoftmaxPrepare + optimized_ops::Softmax (float table),
 * arg_min_max.cc, quantize.cc + optimized_ops::AffineQuantize,
 * dequantize.h + optimized_ops::Dequantize.  See docs/quantization.md. */
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "quant/qboundary.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"
#include "quant/qops.h"
#include "threadpool.h"

/* ---- CONCATENATION ------------------------------------------------------ */

void
mnv3_qconcat_run (int axis, int n, const void *const *ins,
    const int (*shapes)[4], const mnv3_qtensor *in_q,
    const mnv3_qtensor *out_q, void *out, mnv3_threadpool *tp)
{
  size_t outer = 1, inner = 1;
  uint8_t *o = out;
  int32_t lo, hi;
  const int is_i8 = out_q->type == MNV3_DTYPE_I8;

  (void) tp;
  if (axis < 0 || axis > 3 || n <= 0)
    return;
  mnv3_qtype_range (out_q->type, &lo, &hi);
  for (int d = 0; d < axis; d++)
    outer *= (size_t) shapes[0][d];
  for (int d = axis + 1; d < 4; d++)
    inner *= (size_t) shapes[0][d];

  for (size_t k = 0; k < outer; k++) {
    for (int i = 0; i < n; i++) {
      const size_t copy = (size_t) shapes[i][axis] * inner;
      const uint8_t *src = (const uint8_t *) ins[i] + k * copy;
      if (in_q[i].zp == out_q->zp && in_q[i].scale == out_q->scale) {
        memcpy (o, src, copy);
      } else {
        /* Float scale and bias, TfLiteRound, + zp, clamp.  TFLite only
         * rescales uint8 (it rejects int8 with differing quantization);
         * int8 gets the same formula here. */
        const float inv = 1.f / out_q->scale;
        const float scale = in_q[i].scale * inv;
        const float bias = (float) -in_q[i].zp * scale;
        for (size_t j = 0; j < copy; j++) {
          float x = (float) mnv3_q_load (src, j, is_i8) * scale + bias;
          int32_t v = (int32_t) roundf (x) + out_q->zp;
          mnv3_q_store (o, j, mnv3_q_clamp (v, lo, hi));
        }
      }
      o += copy;
    }
  }
}

/* ---- SOFTMAX ------------------------------------------------------------ */

mnv3_status
mnv3_qsoftmax_prepare (mnv3_qsoftmax *q)
{
  float scale;

  if ((q->in.type != MNV3_DTYPE_U8 && q->in.type != MNV3_DTYPE_I8)
      || q->out.type != q->in.type)
    return MNV3_ERR_UNSUPPORTED;
  if (!(q->in.scale > 0.f) || !(q->out.scale > 0.f))
    return MNV3_ERR_INVALID_ARG;
  /* PopulateSoftmaxLookupTable: table[255 - d] = expf(-in_scale*beta*d). */
  scale = -q->in.scale * q->beta;
  for (int32_t d = 0; d <= 255; d++)
    q->table[255 - d] = expf (scale * (float) d);
  q->input_multiplier = 0;      /* the fixed-point kernel is not used */
  q->input_left_shift = 0;
  q->diff_min = 0;
  return MNV3_OK;
}

void
mnv3_qsoftmax_run (const mnv3_qsoftmax *q, const void *in, void *out,
    size_t rows, int c)
{
  const int is_i8 = q->in.type == MNV3_DTYPE_I8;
  int32_t lo, hi;

  mnv3_qtype_range (q->out.type, &lo, &hi);
  for (size_t r = 0; r < rows; r++) {
    const size_t base = r * (size_t) c;
    int32_t maxv = is_i8 ? -128 : 0;
    float sum = 0.0f, inv;
    const float *t;

    for (int j = 0; j < c; j++) {
      int32_t v = mnv3_q_load (in, base + j, is_i8);
      maxv = v > maxv ? v : maxv;
    }
    t = q->table + 255 - maxv;  /* t[v] = exp(in_scale*beta*(v - max)) */
    for (int j = 0; j < c; j++)
      sum += t[mnv3_q_load (in, base + j, is_i8)];
    inv = 1.0f / (sum * q->out.scale);
    for (int j = 0; j < c; j++) {
      float p = t[mnv3_q_load (in, base + j, is_i8)] * inv;
      int32_t v;
      if (is_i8)
        v = (int32_t) roundf (p) + q->out.zp;
      else
        v = (int32_t) (p + 0.5f);   /* x86 uint8: zero point not added */
      mnv3_q_store (out, base + j, mnv3_q_clamp (v, lo, hi));
    }
  }
}

/* ---- ARG_MAX ------------------------------------------------------------- */

typedef struct {
  mnv3_isa isa;
  const void *in;
  void *out;
  size_t rows, per_task;
  int c, is_i8, out_i64;
} qargmax_job;

static void
qargmax_rows (void *ctx, size_t task, int thread_index)
{
  const qargmax_job *j = ctx;
  const size_t r0 = task * j->per_task;
  const size_t r1 = r0 + j->per_task < j->rows ? r0 + j->per_task : j->rows;
  const int c = j->c;

  (void) thread_index;
#ifdef MNV3_X86
  if (j->isa >= MNV3_ISA_AVX2) {
    mnv3_qargmax_avx2 ((const uint8_t *) j->in + r0 * (size_t) c, r1 - r0, c,
        j->is_i8, j->out_i64 ? (void *) ((int64_t *) j->out + r0)
        : (void *) ((int32_t *) j->out + r0), j->out_i64);
    return;
  }
#endif
  for (size_t r = r0; r < r1; r++) {
    int32_t best = mnv3_q_load (j->in, r * (size_t) c, j->is_i8);
    int bi = 0;
    for (int k = 1; k < c; k++) {
      int32_t v = mnv3_q_load (j->in, r * (size_t) c + k, j->is_i8);
      if (v > best) {           /* strict: the first maximum wins */
        best = v;
        bi = k;
      }
    }
    if (j->out_i64)
      ((int64_t *) j->out)[r] = bi;
    else
      ((int32_t *) j->out)[r] = bi;
  }
}

void
mnv3_qargmax_run (mnv3_isa isa, mnv3_dtype in_type, const void *in,
    mnv3_dtype out_type, void *out, size_t rows, int c, mnv3_threadpool *tp)
{
  const size_t tasks = mnv3_threadpool_tasks (tp, rows, 4096);
  qargmax_job j = { mnv3_cpu_resolve (isa), in, out, rows,
    (rows + tasks - 1) / tasks, c,
    in_type == MNV3_DTYPE_I8, out_type == MNV3_DTYPE_I64 };

  if (rows == 0 || c <= 0)
    return;
  mnv3_threadpool_run (tp, tasks, qargmax_rows, &j);
}

/* ---- QUANTIZE / DEQUANTIZE ------------------------------------------------ */

/* TFLite's optimized AffineQuantize on x86 runs its NEON code (through
 * NEON_2_SSE) on whole groups of 8 elements: x * (float) (1 / scale),
 * rounded to nearest with ties to even (vcvtnq), an out-of-range value
 * becoming INT32_MIN as cvtps does, then + zp (wrapping) and the clamp.
 * The remaining elements take the scalar path: x / scale in double,
 * rounded half away from zero. */
static int32_t
quantize_neon (float x, float inv_scale)
{
  float v = x * inv_scale;

  if (!(v >= -2147483648.f && v < 2147483648.f))
    return INT32_MIN;
  return (int32_t) nearbyintf (v);
}

static int32_t
quantize_scalar (float x, double scale)
{
  double r = round ((double) x / scale);

  /* x86's conversion of an out-of-range value (or NaN) */
  if (!(r >= -2147483648.0 && r <= 2147483647.0))
    return INT32_MIN;
  return (int32_t) r;
}

void
mnv3_quantize_run (const float *in, void *out, size_t n,
    const mnv3_qtensor *q)
{
  const double scale = (double) q->scale;
  const float inv_scale = (float) (1.0 / scale);
  const size_t n8 = n & ~(size_t) 7;
  int32_t lo, hi;

  mnv3_qtype_range (q->type, &lo, &hi);
  for (size_t i = 0; i < n; i++) {
    int32_t v = i < n8 ? quantize_neon (in[i], inv_scale)
        : quantize_scalar (in[i], scale);
    v = (int32_t) ((uint32_t) v + (uint32_t) q->zp);
    mnv3_q_store (out, i, mnv3_q_clamp (v, lo, hi));
  }
}

/* optimized_ops::Dequantize: TFLite's x86 build runs its NEON code on
 * whole groups of 8 elements, in float: q * (float) scale, rounded, plus
 * (float) (-zp * scale), rounded (vmulq then vaddq: no fused multiply-add
 * without __ARM_FEATURE_FMA).  The rest take the scalar path,
 * (float) (scale * (q - zp)) in double. */
void
mnv3_dequantize_run (const void *in, float *out, size_t n,
    const mnv3_qtensor *q)
{
  const int is_i8 = q->type == MNV3_DTYPE_I8;
  const double scale = (double) q->scale;
  const float scale_f = (float) scale;
  const float zero_times_scale = (float) (-q->zp * scale);
  const size_t n8 = n - n % 8;

  for (size_t i = 0; i < n8; i++) {
    float prod = (float) mnv3_q_load (in, i, is_i8) * scale_f;
    out[i] = prod + zero_times_scale;
  }
  for (size_t i = n8; i < n; i++)
    out[i] = (float) (scale * (double) (mnv3_q_load (in, i, is_i8) - q->zp));
}

/* ---- the session's float boundary (qboundary.h) ----------------------- */

MNV3_QB_DEFINE (c)

void
mnv3_qb_quantize_c (const float *in, uint8_t *out, size_t n, double inv,
    int zp, int lo, int hi)
{
  mnv3_qb_quantize_ref (in, out, n, inv, zp, lo, hi);
}

void
mnv3_qboundary_quantize (mnv3_isa isa, const float *in, void *out, size_t n,
    const mnv3_qtensor *q)
{
  double inv = 1.0 / (double) q->scale;
  int32_t lo, hi;

  mnv3_qtype_range (q->type, &lo, &hi);
#ifdef MNV3_X86
  if (isa >= MNV3_ISA_AVX512) {
    mnv3_qb_quantize_avx512 (in, out, n, inv, q->zp, lo, hi);
    return;
  }
  if (isa >= MNV3_ISA_AVX2) {
    mnv3_qb_quantize_avx2 (in, out, n, inv, q->zp, lo, hi);
    return;
  }
#endif
  (void) isa;
  mnv3_qb_quantize_c (in, out, n, inv, q->zp, lo, hi);
}

void
mnv3_qboundary_int_to_float (mnv3_isa isa, mnv3_dtype type, const void *in,
    float *out, size_t n)
{
  int i64 = type == MNV3_DTYPE_I64;

#ifdef MNV3_X86
  if (isa >= MNV3_ISA_AVX512) {
    i64 ? mnv3_qb_i64_to_f32_avx512 (in, out, n)
        : mnv3_qb_i32_to_f32_avx512 (in, out, n);
    return;
  }
  if (isa >= MNV3_ISA_AVX2) {
    i64 ? mnv3_qb_i64_to_f32_avx2 (in, out, n)
        : mnv3_qb_i32_to_f32_avx2 (in, out, n);
    return;
  }
#endif
  (void) isa;
  i64 ? mnv3_qb_i64_to_f32_c (in, out, n) : mnv3_qb_i32_to_f32_c (in, out, n);
}
