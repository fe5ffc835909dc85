/* qbinary.c — 8-bit ADD, SUB and MUL with broadcasting, as TFLite's
 * add.cc / sub.cc / mul.cc compute them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ADD/SUB: both inputs are moved to a common scale (twice the larger
 * input scale) with 20 bits of headroom, added, and brought to the output
 * scale by a third multiplier.  MUL: the product of the offset inputs
 * times one multiplier.  See docs/quantization.md. */
#include "quant/qinternal.h"
#include "quant/qops.h"

mnv3_status
mnv3_qbinary_prepare (mnv3_qbinary *q)
{
  if (q->op != MNV3_BINARY_ADD && q->op != MNV3_BINARY_SUB
      && q->op != MNV3_BINARY_MUL)
    return MNV3_ERR_UNSUPPORTED;
  if ((q->out.type != MNV3_DTYPE_U8 && q->out.type != MNV3_DTYPE_I8)
      || q->a.type != q->out.type || q->b.type != q->out.type)
    return MNV3_ERR_UNSUPPORTED;
  if (!(q->a.scale > 0.f) || !(q->b.scale > 0.f) || !(q->out.scale > 0.f))
    return MNV3_ERR_INVALID_ARG;

  if (q->op == MNV3_BINARY_MUL) {
    /* mul.cc: the scales multiply and divide in float. */
    float real = q->a.scale * q->b.scale / q->out.scale;
    q->left_shift = 0;
    q->a_mul = q->b_mul = (mnv3_qmul) { 0, 0 };
    q->out_mul = mnv3_qmul_from_double ((double) real);
  } else {
    /* add.cc / sub.cc (PrepareGeneralSubOp): 2 * max in float (exact),
     * the ratios in double. */
    float maxs = q->a.scale > q->b.scale ? q->a.scale : q->b.scale;
    double twice_max = (double) (2.f * maxs);
    q->left_shift = 20;
    q->a_mul = mnv3_qmul_from_double ((double) q->a.scale / twice_max);
    q->b_mul = mnv3_qmul_from_double ((double) q->b.scale / twice_max);
    q->out_mul = mnv3_qmul_from_double (twice_max
        / ((double) (1 << 20) * (double) q->out.scale));
  }
  return MNV3_OK;
}

static inline int32_t
qbinary_one (const mnv3_qbinary *q, int32_t a, int32_t b)
{
  int32_t r;

  a -= q->a.zp;
  b -= q->b.zp;
  if (q->op == MNV3_BINARY_MUL) {
    r = mnv3_qmul_apply (a * b, q->out_mul);
  } else {
    int32_t sa = mnv3_qmul_apply ((int32_t) ((uint32_t) a << q->left_shift),
        q->a_mul);
    int32_t sb = mnv3_qmul_apply ((int32_t) ((uint32_t) b << q->left_shift),
        q->b_mul);
    r = mnv3_qmul_apply (q->op == MNV3_BINARY_ADD ? sa + sb : sa - sb,
        q->out_mul);
  }
  return mnv3_q_clamp (r + q->out.zp, q->act_min, q->act_max);
}

typedef struct {
  const mnv3_qbinary *q;
  const void *a, *b;
  void *out;
  int os[4];
  size_t as[4], bs[4];       /* element strides, 0 along broadcast dims */
} qbinary_job;

/* One output row: n, y fixed (task index = n * h + y). */
static void
qbinary_row (void *ctx, size_t t, int thread_index)
{
  const qbinary_job *j = ctx;
  const int is_i8 = j->q->out.type == MNV3_DTYPE_I8;
  size_t n = t / j->os[1], y = t % j->os[1];
  size_t abase = n * j->as[0] + y * j->as[1];
  size_t bbase = n * j->bs[0] + y * j->bs[1];
  size_t obase = t * (size_t) j->os[2] * j->os[3];

  (void) thread_index;
  for (int x = 0; x < j->os[2]; x++)
    for (int c = 0; c < j->os[3]; c++) {
      int32_t av = mnv3_q_load (j->a, abase + x * j->as[2] + c * j->as[3],
          is_i8);
      int32_t bv = mnv3_q_load (j->b, bbase + x * j->bs[2] + c * j->bs[3],
          is_i8);
      mnv3_q_store (j->out, obase + (size_t) x * j->os[3] + c,
          qbinary_one (j->q, av, bv));
    }
}

static void
qbinary_strides (const int shape[4], const int out_shape[4], size_t s[4])
{
  size_t stride = 1;
  for (int d = 3; d >= 0; d--) {
    s[d] = shape[d] == 1 && out_shape[d] != 1 ? 0 : stride;
    stride *= (size_t) shape[d];
  }
}

void
mnv3_qbinary_run (mnv3_isa isa, const mnv3_qbinary *q, const void *a,
    const int a_shape[4], const void *b, const int b_shape[4], void *out,
    const int out_shape[4], mnv3_threadpool *tp)
{
  qbinary_job j = { q, a, b, out, { 0 }, { 0 }, { 0 } };
  size_t rows;

  (void) isa;
  for (int d = 0; d < 4; d++)
    j.os[d] = out_shape[d];
  qbinary_strides (a_shape, out_shape, j.as);
  qbinary_strides (b_shape, out_shape, j.bs);
  rows = (size_t) out_shape[0] * out_shape[1];
  if (rows <= 1 || mnv3_threadpool_size (tp) == 1) {
    for (size_t t = 0; t < rows; t++)
      qbinary_row (&j, t, 0);
  } else {
    mnv3_threadpool_run (tp, rows, qbinary_row, &j);
  }
}
