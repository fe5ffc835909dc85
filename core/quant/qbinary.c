/* qbinary.c — 8-bit ADD, SUB and MUL with broadcasting, as TFLite's
 * add.cc / sub.cc / mul.cc compute them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ADD/SUB: both inputs are moved to a common scale (twice the larger
 * input scale) with 20 bits of headroom, added, and brought to the output
 * scale by a third multiplier.  MUL: the product of the offset inputs
 * times one multiplier.  See docs/quantization.md. */
#include <string.h>

#include "cpu.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"
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

void
mnv3_qbin_c (const mnv3_qbinary *q, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n)
{
  const int is_i8 = q->out.type == MNV3_DTYPE_I8;

  for (size_t i = 0; i < n; i++)
    mnv3_q_store (out, i, qbinary_one (q, mnv3_q_load (a, a_bc ? 0 : i,
                is_i8), mnv3_q_load (b, b_bc ? 0 : i, is_i8)));
}

/* The output is walked in runs: the innermost dimensions merged for as
 * long as each input either steps through them densely or is broadcast
 * along all of them (same shapes: one run; [1,1,1,C] against [1,H,W,C]:
 * runs of C; a scalar: one run).  A kernel computes a run (or the part of
 * one inside a task) with each input dense or a single broadcast value. */
typedef struct {
  const mnv3_qbinary *q;
  mnv3_qbin_fn fn;
  const uint8_t *a, *b;
  uint8_t *out;
  size_t len;                /* elements a run */
  int nouter;                /* dimensions outside the run */
  int od[4];                 /* their sizes */
  size_t aos[4], bos[4];     /* their strides (elements, 0: broadcast) */
  size_t a_in, b_in;         /* stride inside a run: 1, or 0 (broadcast) */
  size_t total, chunk;
  /* 1 (a) or 2 (b): that input is one run repeated (a [1,1,1,C] gate
   * against [1,H,W,C]) and the other input is dense; 0: neither */
  int periodic;
} qbinary_job;

/* Whole runs of a periodic input go to the kernel QBINARY_SPAN bytes at a
 * time, its run repeated into a buffer: one call for many short runs
 * instead of one each (a squeeze-excite gate of 16 channels otherwise
 * costs a call every 16 outputs).  The same formula per element. */
#define QBINARY_SPAN 2048

/* Output elements [e0, e1). */
static void
qbinary_range (const qbinary_job *j, size_t e0, size_t e1)
{
  uint8_t rep[QBINARY_SPAN];
  size_t rep_len = 0;

  while (e0 < e1) {
    size_t r = e0 / j->len, o = e0 % j->len, m = j->len - o;
    size_t ao = o * j->a_in, bo = o * j->b_in;
    mnv3_qbin_fn fn = j->fn;

    if (j->periodic && o == 0 && e1 - e0 >= 2 * j->len) {
      size_t span = (e1 - e0) / j->len;
      const uint8_t *run = j->periodic == 1 ? j->a : j->b;
      if (!rep_len) {
        for (size_t k = 0; k + j->len <= QBINARY_SPAN; k += j->len)
          memcpy (rep + k, run, j->len);
        rep_len = QBINARY_SPAN / j->len * j->len;
      }
      span = span * j->len < rep_len ? span * j->len : rep_len;
      fn (j->q, j->periodic == 1 ? rep : j->a + e0, 0,
          j->periodic == 2 ? rep : j->b + e0, 0, j->out + e0, span);
      e0 += span;
      continue;
    }

    if (m > e1 - e0)
      m = e1 - e0;
    for (int d = j->nouter - 1; d >= 0; d--) {
      size_t i = r % (size_t) j->od[d];
      r /= (size_t) j->od[d];
      ao += i * j->aos[d];
      bo += i * j->bos[d];
    }
    if (!j->a_in && !j->b_in)
      fn = mnv3_qbin_c;      /* both broadcast: runs of 1, not for SIMD */
    fn (j->q, j->a + ao, !j->a_in, j->b + bo, !j->b_in, j->out + e0, m);
    e0 += m;
  }
}

static void
qbinary_task (void *ctx, size_t t, int thread_index)
{
  const qbinary_job *j = ctx;
  size_t e0 = t * j->chunk, e1 = e0 + j->chunk;

  (void) thread_index;
  qbinary_range (j, e0, e1 < j->total ? e1 : j->total);
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
  qbinary_job j = { .q = q, .a = a, .b = b, .out = out };
  mnv3_qeltdsp dsp;
  size_t as[4], bs[4], tasks;
  int d;

  mnv3_qeltdsp_init (&dsp, mnv3_cpu_resolve (isa), mnv3_cpu_features ());
  j.fn = dsp.bin;
  qbinary_strides (a_shape, out_shape, as);
  qbinary_strides (b_shape, out_shape, bs);
  j.a_in = as[3];
  j.b_in = bs[3];
  j.len = (size_t) out_shape[3];
  for (d = 2; d >= 0; d--) {
    if (as[d] != j.len * j.a_in || bs[d] != j.len * j.b_in)
      break;
    j.len *= (size_t) out_shape[d];
  }
  j.nouter = d + 1;
  j.total = j.len;
  for (d = 0; d < j.nouter; d++) {
    j.od[d] = out_shape[d];
    j.aos[d] = as[d];
    j.bos[d] = bs[d];
    j.total *= (size_t) out_shape[d];
  }
  if (j.total == 0)
    return;
  if (j.len * 2 <= QBINARY_SPAN && j.nouter > 0) {
    size_t dense = j.len;
    int a_dense = j.a_in == 1, b_dense = j.b_in == 1;
    int a_rep = j.a_in == 1, b_rep = j.b_in == 1;
    for (d = j.nouter - 1; d >= 0; d--) {
      if (j.od[d] == 1)         /* any stride: never stepped */
        continue;
      a_dense &= j.aos[d] == dense;
      b_dense &= j.bos[d] == dense;
      a_rep &= j.aos[d] == 0;
      b_rep &= j.bos[d] == 0;
      dense *= (size_t) j.od[d];
    }
    j.periodic = a_rep && b_dense ? 1 : (b_rep && a_dense ? 2 : 0);
  }
  tasks = mnv3_threadpool_tasks (tp, j.total, 16384);
  if (tasks <= 1) {
    qbinary_range (&j, 0, j.total);
    return;
  }
  /* whole vectors of the widest kernel a task */
  j.chunk = ((j.total + tasks - 1) / tasks + 63) & ~(size_t) 63;
  mnv3_threadpool_run (tp, (j.total + j.chunk - 1) / j.chunk, qbinary_task,
      &j);
}
