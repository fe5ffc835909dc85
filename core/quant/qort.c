/* qort.c — integer ops with ONNX Runtime's arithmetic (qops.h "ONNX
 * Runtime"), for the integer graphs of ONNX QDQ models.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What "correct" means here is ONNX Runtime's CPU provider on x86 (MLAS):
 * requantization in float with a float scale, conversion by cvtps2dq
 * (round half to even in the default MXCSR mode; nearbyintf here), then
 * saturation.  This file is compiled with -ffp-contract=off: where MLAS
 * uses an FMA instruction it is written fmaf(), everything else rounds
 * after each operation as MLAS's SSE/AVX code does.
 */
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"

static int32_t
qort_round_clamp (float v, int32_t zp, int32_t lo, int32_t hi)
{
  float flo = (float) (lo - zp), fhi = (float) (hi - zp);
  v = v < flo ? flo : (v > fhi ? fhi : v);   /* MLAS clamps, then rounds */
  return (int32_t) nearbyintf (v) + zp;
}

void
mnv3_qort_quantize_run (const float *in, void *out, size_t n,
    const mnv3_qtensor *q)
{
  mnv3_qort_quantize_run_isa (mnv3_cpu_resolve (MNV3_ISA_AUTO), in, out, n,
      q);
}

void
mnv3_qort_quantize_run_isa (mnv3_isa isa, const float *in, void *out,
    size_t n, const mnv3_qtensor *q)
{
  int32_t lo, hi;

  mnv3_qtype_range (q->type, &lo, &hi);
#ifdef MNV3_X86
  if (isa >= MNV3_ISA_AVX2) {
    mnv3_qort_quantize_avx2 (in, out, n, q->scale, (float) (lo - q->zp),
        (float) (hi - q->zp), q->zp);
    return;
  }
#endif
  (void) isa;
  for (size_t i = 0; i < n; i++)
    mnv3_q_store (out, i, qort_round_clamp (in[i] / q->scale, q->zp, lo,
            hi));
}

void
mnv3_qort_dequantize_run (const void *in, float *out, size_t n,
    const mnv3_qtensor *q)
{
  const int i8 = q->type == MNV3_DTYPE_I8;

  for (size_t i = 0; i < n; i++)
    out[i] = (float) (mnv3_q_load (in, i, i8) - q->zp) * q->scale;
}

/* Offsets of element (y, x, c) of an operand broadcast to out_shape. */
static size_t
bcast_index (const int s[4], int y, int x, int c)
{
  return ((size_t) (s[1] == 1 ? 0 : y) * s[2] + (s[2] == 1 ? 0 : x)) * s[3]
      + (s[3] == 1 ? 0 : c);
}

#ifdef MNV3_X86
static int
same_shape (const int a[4], const int b[4])
{
  return a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static int
is_scalar (const int s[4])
{
  return s[1] == 1 && s[2] == 1 && s[3] == 1;
}

/* The SIMD form: the same constants, the broadcast walked as runs of
 * channels (or the whole tensor when no side varies within it
 * differently). */
static void
qort_binary_rows (const mnv3_qort_binary *q, const uint8_t *a,
    const int as[4], const uint8_t *b, const int bs[4], uint8_t *out,
    const int os[4])
{
  void (*fn) (const mnv3_qort_run *, const uint8_t *, int, const uint8_t *,
      int, uint8_t *, size_t);
  mnv3_qort_run r = { 0 };
  const size_t c = (size_t) os[3];

  mnv3_qtype_range (q->out.type, &r.lo, &r.hi);
  r.a8 = q->a.type == MNV3_DTYPE_I8;
  r.b8 = q->b.type == MNV3_DTYPE_I8;
  if (q->op == MNV3_BINARY_ADD) {
    /* as the scalar loop below */
    r.rac = q->a.scale / q->out.scale;
    r.rbc = q->b.scale / q->out.scale;
    r.fixed = (float) q->out.zp - fmaf (r.rac, (float) q->a.zp,
        r.rbc * (float) q->b.zp);
    fn = mnv3_qort_add_avx2;
  } else {
    r.ratio = q->a.scale * q->b.scale / q->out.scale;
    r.a_zp = q->a.zp;
    r.b_zp = q->b.zp;
    r.zp = q->out.zp;
    fn = mnv3_qort_mul_avx2;
  }
  if ((same_shape (as, os) || is_scalar (as))
      && (same_shape (bs, os) || is_scalar (bs))) {
    size_t n = (size_t) os[1] * os[2] * c;
    fn (&r, a, !same_shape (as, os), b, !same_shape (bs, os), out, n);
    return;
  }
  for (int y = 0; y < os[1]; y++)
    for (int x = 0; x < os[2]; x++)
      fn (&r, a + bcast_index (as, y, x, 0), as[3] == 1 && c > 1,
          b + bcast_index (bs, y, x, 0), bs[3] == 1 && c > 1,
          out + ((size_t) y * os[2] + x) * c, c);
}
#endif

void
mnv3_qort_binary_run (const mnv3_qort_binary *q, const void *a,
    const int a_shape[4], const void *b, const int b_shape[4], void *out,
    const int out_shape[4])
{
  const int a8 = q->a.type == MNV3_DTYPE_I8, b8 = q->b.type == MNV3_DTYPE_I8;
  int32_t lo, hi;
  size_t o = 0;

#ifdef MNV3_X86
  if (q->isa >= MNV3_ISA_AVX2) {
    qort_binary_rows (q, a, a_shape, b, b_shape, out, out_shape);
    return;
  }
#endif
  mnv3_qtype_range (q->out.type, &lo, &hi);
  if (q->op == MNV3_BINARY_ADD) {
    /* MlasQLinearAddKernelAvx2Helper (both operands vectors) */
    const float rac = q->a.scale / q->out.scale;
    const float rbc = q->b.scale / q->out.scale;
    /* the compiler contracts MLAS's C expression for the fixed part into
     * an FMA (found by comparing every QLinearAdd with ONNX Runtime 1.32) */
    const float fixed = (float) q->out.zp
        - fmaf (rac, (float) q->a.zp, rbc * (float) q->b.zp);
    for (int y = 0; y < out_shape[1]; y++)
      for (int x = 0; x < out_shape[2]; x++)
        for (int c = 0; c < out_shape[3]; c++, o++) {
          float va = (float) mnv3_q_load (a, bcast_index (a_shape, y, x, c),
              a8);
          float vb = (float) mnv3_q_load (b, bcast_index (b_shape, y, x, c),
              b8);
          float v = fmaf (va, rac, fmaf (vb, rbc, fixed));
          /* cvtps2dq, then saturating packs: clamp after rounding */
          int32_t r = (int32_t) nearbyintf (v);
          mnv3_q_store (out, o, mnv3_q_clamp (r, lo, hi));
        }
    return;
  }
  {
    /* MlasQLinearMulKernel: the integer product in float, times
     * a_scale * b_scale / out_scale */
    const float ratio = q->a.scale * q->b.scale / q->out.scale;
    for (int y = 0; y < out_shape[1]; y++)
      for (int x = 0; x < out_shape[2]; x++)
        for (int c = 0; c < out_shape[3]; c++, o++) {
          int32_t va = mnv3_q_load (a, bcast_index (a_shape, y, x, c), a8)
              - q->a.zp;
          int32_t vb = mnv3_q_load (b, bcast_index (b_shape, y, x, c), b8)
              - q->b.zp;
          int32_t r = (int32_t) nearbyintf ((float) (va * vb) * ratio)
              + q->out.zp;
          mnv3_q_store (out, o, mnv3_q_clamp (r, lo, hi));
        }
  }
}

void
mnv3_qort_mul_table (mnv3_qlut *lut, const mnv3_qort_binary *q,
    const uint8_t h[256], int h_is_a)
{
  const int a8 = q->a.type == MNV3_DTYPE_I8, b8 = q->b.type == MNV3_DTYPE_I8;
  const float ratio = q->a.scale * q->b.scale / q->out.scale;
  int32_t lo, hi;

  mnv3_qtype_range (q->out.type, &lo, &hi);
  for (int v = 0; v < 256; v++) {
    const uint8_t ab = h_is_a ? h[v] : (uint8_t) v;
    const uint8_t bb = h_is_a ? (uint8_t) v : h[v];
    /* as mnv3_qort_binary_run's MUL */
    int32_t va = mnv3_q_load (&ab, 0, a8) - q->a.zp;
    int32_t vb = mnv3_q_load (&bb, 0, b8) - q->b.zp;
    int32_t r = (int32_t) nearbyintf ((float) (va * vb) * ratio) + q->out.zp;
    lut->table[v] = (uint8_t) mnv3_q_clamp (r, lo, hi);
  }
  memcpy (lut->tail, lut->table, sizeof lut->tail);
}

#define QORT_GAP_BLOCK 256

void
mnv3_qort_gap_run (const mnv3_qtensor *in, const mnv3_qtensor *out,
    const void *x, int h, int w, int c, void *y)
{
  const int i8 = in->type == MNV3_DTYPE_I8;
  const size_t count = (size_t) h * w;
  const float scale = in->scale / (out->scale * (float) count);
  int32_t lo, hi;

  mnv3_qtype_range (out->type, &lo, &hi);
  /* the same exact sums, pixel by pixel over blocks of channels (the
   * input read in its order; the inner loop vectorizes) */
  for (int c0 = 0; c0 < c; c0 += QORT_GAP_BLOCK) {
    const int nc = c - c0 < QORT_GAP_BLOCK ? c - c0 : QORT_GAP_BLOCK;
    int32_t acc[QORT_GAP_BLOCK];
    for (int k = 0; k < nc; k++)
      acc[k] = -in->zp * (int32_t) count;
    for (size_t p = 0; p < count; p++) {
      const size_t base = p * c + c0;
      if (i8)
        for (int k = 0; k < nc; k++)
          acc[k] += ((const int8_t *) x)[base + k];
      else
        for (int k = 0; k < nc; k++)
          acc[k] += ((const uint8_t *) x)[base + k];
    }
    for (int k = 0; k < nc; k++)
      mnv3_q_store (y, c0 + k, qort_round_clamp ((float) acc[k] * scale,
              out->zp, lo, hi));
  }
}

/* The activation as ONNX Runtime's float kernels compute it (Eigen / MLAS
 * on SSE: a multiply and an add, each rounded). */
static float
qort_act (const mnv3_act *a, float x)
{
  switch (a->type) {
    case MNV3_ACT_RELU:
      return x > 0.f ? x : 0.f;
    case MNV3_ACT_CLIP:
      return x < a->a ? a->a : (x > a->b ? a->b : x);
    case MNV3_ACT_HSIGMOID:{
      float t = a->a * x + a->b;
      return t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
    }
    case MNV3_ACT_HSWISH:{
      float t = x * (1.f / 6.f) + 0.5f;
      t = t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
      return x * t;
    }
    case MNV3_ACT_SIGMOID:
      return 1.f / (1.f + expf (-x));
    default:
      return x;
  }
}

mnv3_status
mnv3_qort_lut_prepare (mnv3_qlut *lut, const mnv3_act *act,
    const mnv3_qtensor *in, const mnv3_qtensor *out)
{
  int32_t lo, hi;

  if (act->type != MNV3_ACT_RELU && act->type != MNV3_ACT_CLIP
      && act->type != MNV3_ACT_HSIGMOID && act->type != MNV3_ACT_HSWISH
      && act->type != MNV3_ACT_SIGMOID)
    return MNV3_ERR_UNSUPPORTED;
  mnv3_qtype_range (out->type, &lo, &hi);
  for (int v = 0; v < 256; v++) {
    int32_t q = in->type == MNV3_DTYPE_I8 ? (int32_t) (int8_t) v : v;
    float x = (float) (q - in->zp) * in->scale;
    float yv = qort_act (act, x);
    lut->table[v] = (uint8_t) qort_round_clamp (yv / out->scale, out->zp, lo,
        hi);
  }
  memcpy (lut->tail, lut->table, sizeof lut->tail);
  return MNV3_OK;
}

/* ONNX Runtime's x86 QLinearConv / QGemm with 8-bit activations on CPUs
 * without VNNI (AVX2, AVX-512 BW): MLAS multiplies the activations as
 * unsigned bytes (int8 ones shifted by +128, the zero point with them)
 * with vpmaddubsw, which adds the two products of each pair of adjacent
 * K elements into a saturated int16, before the exact int32 sums; the
 * zero point's share is subtracted afterwards from exact column sums.
 * K runs over the weights' OHWI order (ky, kx, channel), the im2col order
 * of its GEMM; padding holds the zero point.  Group-1 convolutions only
 * (its depthwise kernel multiplies in 16 bits: exact), symmetric weights.
 * Measured: identical to ONNX Runtime 1.32's output on an AVX2 CPU
 * (tests/quant/test_onnx_qdq_exact.py). */
void
mnv3_qort_conv_run_u8s8 (const mnv3_qconv *c, const void *in, void *out)
{
  const mnv3_qconv_params *p = &c->p;
  const mnv3_conv_params *g = &p->geom;
  const int i8 = p->in.type == MNV3_DTYPE_I8;
  const int32_t shift = i8 ? 128 : 0, zp = p->in.zp + shift;
  const int kdim = c->kdim;

  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++) {
      size_t obase = ((size_t) oy * g->ow + ox) * g->oc;
      for (int o = 0; o < g->oc; o++) {
        const int16_t *w = c->w + (size_t) o * kdim;
        int32_t acc = 0, wsum = 0, prev = 0;
        int k = 0;
        for (int ky = 0; ky < g->kh; ky++)
          for (int kx = 0; kx < g->kw; kx++) {
            int iy = oy * g->sh - g->pad_t + ky * g->dh;
            int ix = ox * g->sw - g->pad_l + kx * g->dw;
            int inside = iy >= 0 && iy < g->ih && ix >= 0 && ix < g->iw;
            size_t ib = ((size_t) iy * g->iw + ix) * g->ic;
            for (int ch = 0; ch < g->ic; ch++, k++) {
              int32_t xv = inside ? mnv3_q_load (in, ib + ch, i8) + shift
                  : zp;
              int32_t prod = xv * w[k];
              wsum += w[k];
              if (k & 1) {
                int32_t s = prev + prod;
                acc += s < -32768 ? -32768 : (s > 32767 ? 32767 : s);
              } else {
                prev = prod;
              }
            }
          }
        if (k & 1)
          acc += prev;          /* |u8 * s8| < 2^15: never saturates */
        acc = acc - zp * wsum + c->bias[o];
        mnv3_q_store (out, obase + o, mnv3_qconv_requant_float (c, acc, o));
      }
    }
}

/* ---- 1x1 convolutions and FC: the reference sums, reordered ---------- */

/* A float-requantized convolution without a packed kernel (the packed
 * GEMM has a float output stage, qkernels.h; this serves p.reference
 * layers): its 1x1 group-1 layers get this form of the reference loops: each input pixel widened once to int16 (x - zp), then
 * one contiguous int16 dot product per output channel, which the compiler
 * vectorizes (pmaddwd).  The same exact int32 sums, the same
 * requantization: identical bytes (tests/quant/test_qort.c). */
#define QORT_MAX_K 4096

typedef struct {
  const mnv3_qconv *c;
  const void *in;
  void *out;
  size_t pixels, per_task;
} qort_1x1_job;

static int32_t
qort_dot16 (const int16_t *a, const int16_t *b, int n)
{
  int32_t s = 0;
  for (int k = 0; k < n; k++)
    s += (int32_t) a[k] * b[k];
  return s;
}

static void
qort_1x1_task (void *ctx, size_t t, int thread_index)
{
  const qort_1x1_job *j = ctx;
  const mnv3_qconv *c = j->c;
  const int ic = c->p.geom.ic, oc = c->p.geom.oc;
  const int i8 = c->p.in.type == MNV3_DTYPE_I8;
  size_t p0 = t * j->per_task, p1 = p0 + j->per_task;
  int16_t x16[QORT_MAX_K];

  (void) thread_index;
  if (p1 > j->pixels)
    p1 = j->pixels;
  for (size_t p = p0; p < p1; p++) {
    for (int k = 0; k < ic; k++)
      x16[k] = (int16_t) (mnv3_q_load (j->in, p * ic + k, i8) - c->p.in.zp);
    for (int o = 0; o < oc; o++) {
      int32_t acc = c->bias[o] + qort_dot16 (x16, c->w + (size_t) o * ic,
          ic);
      mnv3_q_store (j->out, p * oc + o, mnv3_qconv_requant_float (c, acc,
              o));
    }
  }
}

int
mnv3_qort_conv_run (const mnv3_qconv *c, const void *in, void *out,
    mnv3_threadpool *tp)
{
  const mnv3_conv_params *g = &c->p.geom;
  qort_1x1_job j = { c, in, out, (size_t) g->oh * g->ow, 0 };
  size_t tasks;

  if (c->rounding != MNV3_QROUND_FLOAT || c->gemm || g->kh != 1 || g->kw != 1
      || g->sh != 1 || g->sw != 1 || g->groups != 1 || g->pad_t
      || g->pad_l || g->pad_b || g->pad_r || g->ic > QORT_MAX_K
      || g->ih != g->oh || g->iw != g->ow)
    return 0;
  tasks = mnv3_threadpool_tasks (tp, j.pixels * (size_t) g->oc * g->ic,
      1 << 16);
  if (tasks > j.pixels)
    tasks = j.pixels;
  if (tasks < 1)
    tasks = 1;
  j.per_task = (j.pixels + tasks - 1) / tasks;
  tasks = (j.pixels + j.per_task - 1) / j.per_task;
  mnv3_threadpool_run (tp, tasks, qort_1x1_task, &j);
  return 1;
}
