/* qelt-simd.h — template of the 8-bit ADD / SUB / MUL kernels and the
 * column sums of pooling.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after qvec-<isa>.h, with FN(name) defined.
 * Contract: mnv3_qbin_fn in qkernels.h.  Each lane computes qbinary.c's
 * formula with the exact vector requantization of qvec-requant.h:
 *   ADD/SUB: s = MBQM ((x - zp) << 20, x_mul) per input, then
 *            out = clamp (MBQM (sa +- sb, out_mul) + out_zp)
 *   MUL:     out = clamp (MBQM ((a - a_zp) * (b - b_zp), out_mul) + out_zp)
 * MBQM = MultiplyByQuantizedMultiplier with TFLite's ties away from zero.
 * Every intermediate fits in int32 (|x - zp| <= 255: 255 << 20 < 2^28, and
 * a rescaled input is at most half of that), so int32 lanes are exact.
 * A broadcast input is rescaled once, in scalar code (qops.h's own
 * functions), and enters the loop as a constant.  The including file may
 * define QE_SRDHM (x, mult) and QE_REQUANT (acc, k) as exact shorter forms
 * of vi_srdhm_pos and vi_requant (the multipliers are uniform). */

#ifndef QE_SRDHM
#define QE_SRDHM(x, mult) vi_srdhm_pos ((x), (mult))
#define QE_REQUANT(acc, k) vi_requant ((acc), (k)->mult, (k)->lsh, \
    (k)->rsh, (k)->away, (k)->zp, (k)->lo, (k)->hi)
#endif

typedef struct {
  vi zp, mult, lsh, rsh;
} FN (qe_side);

typedef struct {
  FN (qe_side) a, b;
  vi mult, lsh, rsh, away, zp, lo, hi;
  int sign;
} FN (qe_consts);

MNV3_INLINE FN (qe_side)
FN (qe_side_init) (int32_t zp, mnv3_qmul m, int left_shift)
{
  FN (qe_side) s;
  s.zp = vi_set1 (zp);
  s.mult = vi_set1 (m.mult);
  s.lsh = vi_set1 (left_shift + (m.shift > 0 ? m.shift : 0));
  s.rsh = vi_set1 (m.shift > 0 ? 0 : -m.shift);
  return s;
}

/* (x - zp) << left_shift, then the input's multiplier (ADD/SUB). */
MNV3_INLINE vi
FN (qe_rescale) (vi x, const FN (qe_side) *s, vi away)
{
  x = QE_SRDHM (vi_sllv (vi_sub (x, s->zp), s->lsh), s->mult);
  return vi_rdivpot (x, s->rsh, away);
}

MNV3_INLINE vi
FN (qe_load) (const uint8_t *p, size_t n, int sign, const int tail)
{
  return tail ? vi_ext_i32_n (p, (int) n, sign) : vi_ext_i32 (p, sign);
}

/* VI_W (or, tail, n < VI_W) outputs; bc_val: the broadcast side, already
 * rescaled (ADD/SUB) or offset (MUL). */
MNV3_INLINE void
FN (qe_vec) (const FN (qe_consts) *k, const uint8_t *a, const uint8_t *b,
    uint8_t *out, size_t n, vi bc_val, const int op, const int a_bc,
    const int b_bc, const int tail)
{
  vi acc, va, vb;

  if (op == MNV3_BINARY_MUL) {
    va = a_bc ? bc_val : vi_sub (FN (qe_load) (a, n, k->sign, tail), k->a.zp);
    vb = b_bc ? bc_val : vi_sub (FN (qe_load) (b, n, k->sign, tail), k->b.zp);
    acc = vi_mullo (va, vb);
  } else {
    va = a_bc ? bc_val
        : FN (qe_rescale) (FN (qe_load) (a, n, k->sign, tail), &k->a, k->away);
    vb = b_bc ? bc_val
        : FN (qe_rescale) (FN (qe_load) (b, n, k->sign, tail), &k->b, k->away);
    acc = op == MNV3_BINARY_ADD ? vi_add (va, vb) : vi_sub (va, vb);
  }
  acc = QE_REQUANT (acc, k);
  if (tail)
    vi_store_u8_n (out, acc, (int) n);
  else
    vi_store_u8 (out, acc);
}

MNV3_INLINE void
FN (qe_loop) (const FN (qe_consts) *k, const uint8_t *a, const uint8_t *b,
    uint8_t *out, size_t n, vi bc_val, const int op, const int a_bc,
    const int b_bc)
{
  const size_t as = a_bc ? 0 : VI_W, bs = b_bc ? 0 : VI_W;
  size_t i = 0;

  for (; i + VI_W <= n; i += VI_W, a += as, b += bs, out += VI_W)
    FN (qe_vec) (k, a, b, out, VI_W, bc_val, op, a_bc, b_bc, 0);
  if (i < n)
    FN (qe_vec) (k, a, b, out, n - i, bc_val, op, a_bc, b_bc, 1);
}

MNV3_INLINE void
FN (qe_op) (const FN (qe_consts) *k, const mnv3_qbinary *q,
    const uint8_t *a, int a_bc, const uint8_t *b, int b_bc, uint8_t *out,
    size_t n, const int op)
{
  int32_t x;
  vi bc_val = vi_zero ();

  if (a_bc || b_bc) {
    /* the constant side, in scalar code: qbinary.c's first steps */
    const mnv3_qtensor *t = a_bc ? &q->a : &q->b;
    x = (k->sign ? (int32_t) (int8_t) (a_bc ? *a : *b)
        : (int32_t) (a_bc ? *a : *b)) - t->zp;
    if (op != MNV3_BINARY_MUL)
      x = mnv3_qmul_apply ((int32_t) ((uint32_t) x << q->left_shift),
          a_bc ? q->a_mul : q->b_mul);
    bc_val = vi_set1 (x);
  }
  if (a_bc)
    FN (qe_loop) (k, a, b, out, n, bc_val, op, 1, 0);
  else if (b_bc)
    FN (qe_loop) (k, a, b, out, n, bc_val, op, 0, 1);
  else
    FN (qe_loop) (k, a, b, out, n, bc_val, op, 0, 0);
}

void
FN (mnv3_qbin) (const mnv3_qbinary *q, const uint8_t *a, int a_bc,
    const uint8_t *b, int b_bc, uint8_t *out, size_t n)
{
  FN (qe_consts) k;

  k.a = FN (qe_side_init) (q->a.zp, q->a_mul, q->left_shift);
  k.b = FN (qe_side_init) (q->b.zp, q->b_mul, q->left_shift);
  k.mult = vi_set1 (q->out_mul.mult);
  k.lsh = vi_set1 (q->out_mul.shift > 0 ? q->out_mul.shift : 0);
  k.rsh = vi_set1 (q->out_mul.shift > 0 ? 0 : -q->out_mul.shift);
  k.away = vi_set1 (-1);
  k.zp = vi_set1 (q->out.zp);
  k.lo = vi_set1 (q->act_min);
  k.hi = vi_set1 (q->act_max);
  k.sign = q->out.type == MNV3_DTYPE_I8;
  if (q->op == MNV3_BINARY_MUL)
    FN (qe_op) (&k, q, a, a_bc, b, b_bc, out, n, MNV3_BINARY_MUL);
  else if (q->op == MNV3_BINARY_ADD)
    FN (qe_op) (&k, q, a, a_bc, b, b_bc, out, n, MNV3_BINARY_ADD);
  else
    FN (qe_op) (&k, q, a, a_bc, b, b_bc, out, n, MNV3_BINARY_SUB);
}

/* ---- column sums (average pooling, MEAN) ------------------------------ */

/* Blocks of 4 vectors of channels kept in registers while the rows pass. */
MNV3_INLINE void
FN (qsum_cols) (const uint8_t *in, size_t stride, size_t rows, int32_t *acc,
    size_t n, const int sign)
{
  size_t i = 0;

  for (; i + 4 * VI_W <= n; i += 4 * VI_W) {
    vi s0 = vi_load (acc + i), s1 = vi_load (acc + i + VI_W);
    vi s2 = vi_load (acc + i + 2 * VI_W), s3 = vi_load (acc + i + 3 * VI_W);
    const uint8_t *p = in + i;
    for (size_t r = 0; r < rows; r++, p += stride) {
      s0 = vi_add (s0, vi_ext_i32 (p, sign));
      s1 = vi_add (s1, vi_ext_i32 (p + VI_W, sign));
      s2 = vi_add (s2, vi_ext_i32 (p + 2 * VI_W, sign));
      s3 = vi_add (s3, vi_ext_i32 (p + 3 * VI_W, sign));
    }
    vi_store (acc + i, s0);
    vi_store (acc + i + VI_W, s1);
    vi_store (acc + i + 2 * VI_W, s2);
    vi_store (acc + i + 3 * VI_W, s3);
  }
  for (; i + VI_W <= n; i += VI_W) {
    vi s = vi_load (acc + i);
    const uint8_t *p = in + i;
    for (size_t r = 0; r < rows; r++, p += stride)
      s = vi_add (s, vi_ext_i32 (p, sign));
    vi_store (acc + i, s);
  }
  if (i < n) {
    int32_t t[VI_W];
    vi s = vi_zero ();
    const uint8_t *p = in + i;
    for (size_t r = 0; r < rows; r++, p += stride)
      s = vi_add (s, vi_ext_i32_n (p, (int) (n - i), sign));
    vi_store (t, s);
    for (size_t j = 0; j < n - i; j++)
      acc[i + j] += t[j];
  }
}

void
FN (mnv3_qsum) (const uint8_t *in, size_t stride, size_t rows, int is_i8,
    int32_t *acc, size_t n)
{
  if (is_i8)
    FN (qsum_cols) (in, stride, rows, acc, n, 1);
  else
    FN (qsum_cols) (in, stride, rows, acc, n, 0);
}
