/* test_qelt.c — the 8-bit element-wise kernels (ADD, SUB, MUL, table
 * lookup, pooling sums) of every ISA the machine has against a plain
 * reference.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The reference is TFLite's integer ADD/SUB (inputs shifted left by 20,
 * each times its multiplier, the sum times the output multiplier) and MUL
 * (the product of the offset inputs times one multiplier) written out here
 * with int64 arithmetic from the multipliers mnv3_qbinary_prepare derived,
 * with explicit NumPy broadcasting.  Every kernel of mnv3_qeltdsp (C,
 * AVX2, AVX-512BW, and the VBMI table lookup where the CPU has it) must
 * give the same bytes: called directly on runs (lengths 1..67, vector
 * multiples and tails, MobileNetV3's widths; either input broadcast; in
 * place) with guard bytes after the output, and through
 * mnv3_qbinary_run / mnv3_qlut_run (same shapes, [1,1,1,C] per-channel
 * gates, scalars, other broadcasts; 1 and 2 threads).  The column sums
 * of average pooling and MEAN likewise, and those ops through
 * mnv3_qpool_run / mnv3_qmean_run.  Zero points 0/128/-128/extremes/random, scales from 1e-6 to 1e3 and far apart (so
 * that a multiplier flushes to zero or the output one shifts left), fused
 * activation ranges, saturating inputs (all at the type's ends).
 */
#include "cpu.h"
#include "qtest.h"
#include "quant/qkernels.h"
#include "threadpool.h"

#define GUARD 29
#define SENTINEL 0x5a

typedef struct {
  mnv3_isa isa;
  unsigned features;
  const char *bin, *lut;     /* kernel names this must select */
} isa_case;

static isa_case isas[6];
static int n_isas;

static void
isas_init (void)
{
  mnv3_isa have = mnv3_cpu_detect ();
  unsigned f = mnv3_cpu_features ();

  n_isas = 0;
  isas[n_isas++] = (isa_case) { MNV3_ISA_SCALAR, 0, "c", "c" };
#ifdef MNV3_X86
  if (have >= MNV3_ISA_AVX2)
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX2, 0, "avx2", "avx2" };
  if (have >= MNV3_ISA_AVX512)
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX512, 0, "avx512", "avx512" };
  if (have >= MNV3_ISA_AVX512 && (f & MNV3_CPU_AVX512VBMI))
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX512, MNV3_CPU_AVX512VBMI,
      "avx512", "vbmi" };
#else
  (void) have;
  (void) f;
#endif
}

/* ---- the reference ---------------------------------------------------- */

static int32_t
ref_mbqm (int32_t x, mnv3_qmul m)
{
  int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  int32_t a = (int32_t) (uint32_t) ((uint64_t) (uint32_t) x << left);
  int64_t ab = (int64_t) a * m.mult;
  int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  int32_t h = (a == INT32_MIN && m.mult == INT32_MIN) ? INT32_MAX
      : (int32_t) ((ab + nudge) / ((int64_t) 1 << 31));
  int32_t mask = (int32_t) (((int64_t) 1 << right) - 1);
  int32_t rem = h & mask, thr = (mask >> 1) + (h < 0 ? 1 : 0);
  return (h >> right) + (rem > thr ? 1 : 0);
}

static uint8_t
ref_bin (const mnv3_qbinary *q, int32_t a, int32_t b)
{
  int32_t r;
  a -= q->a.zp;
  b -= q->b.zp;
  if (q->op == MNV3_BINARY_MUL) {
    r = ref_mbqm (a * b, q->out_mul);
  } else {
    int32_t sa = ref_mbqm (a * (1 << q->left_shift), q->a_mul);
    int32_t sb = ref_mbqm (b * (1 << q->left_shift), q->b_mul);
    r = ref_mbqm (q->op == MNV3_BINARY_ADD ? sa + sb : sa - sb, q->out_mul);
  }
  r += q->out.zp;
  r = r < q->act_min ? q->act_min : r > q->act_max ? q->act_max : r;
  return (uint8_t) r;
}

/* ---- problem generation ----------------------------------------------- */

static const char *
opname (mnv3_binary_op op)
{
  return op == MNV3_BINARY_ADD ? "add" : op == MNV3_BINARY_SUB ? "sub"
      : "mul";
}

/* A prepared op; k picks zero points and the kind of scales. */
static void
make_op (mnv3_qbinary *q, mnv3_binary_op op, mnv3_dtype t, int k)
{
  *q = (mnv3_qbinary) { 0 };
  q->op = op;
  q->a.type = q->b.type = q->out.type = t;
  q->a.zp = qpick_zp (t, k);
  q->b.zp = qpick_zp (t, k / 4 + 1);
  q->out.zp = qpick_zp (t, k / 16 + 2);
  switch (k % 5) {
    case 0:                    /* ordinary */
      q->a.scale = qrand_scale (1e-3f, 1.f);
      q->b.scale = qrand_scale (1e-3f, 1.f);
      q->out.scale = qrand_scale (1e-3f, 1.f);
      break;
    case 1:                    /* b's multiplier flushes to zero */
      q->a.scale = qrand_scale (1.f, 1e3f);
      q->b.scale = q->a.scale * 1e-10f;
      q->out.scale = qrand_scale (1e-2f, 10.f);
      break;
    case 2:                    /* tiny output scale: left shifts */
      q->a.scale = qrand_scale (1e-2f, 1.f);
      q->b.scale = qrand_scale (1e-2f, 1.f);
      q->out.scale = q->a.scale * qrand_scale (1e-7f, 1e-5f);
      break;
    case 3:                    /* huge output scale: everything to zp */
      q->a.scale = qrand_scale (1e-6f, 1e-4f);
      q->b.scale = qrand_scale (1e-6f, 1e-4f);
      q->out.scale = qrand_scale (10.f, 1e3f);
      break;
    default:                   /* equal scales: ties in the rounding */
      q->a.scale = q->b.scale = 0.5f;
      q->out.scale = (float) (1 << qrand_int (0, 4)) * 0.25f;
      break;
  }
  if (k % 3 == 2) {            /* a fused activation's range */
    q->act_min = qrand_int (qlo (t), qlo (t) + 60);
    q->act_max = qrand_int (q->act_min, qhi (t));
  } else {
    q->act_min = qlo (t);
    q->act_max = qhi (t);
  }
  ck_assert_int_eq (mnv3_qbinary_prepare (q), MNV3_OK);
  ck_assert_int_le (q->out_mul.shift, 31);
}

/* n values: random, or (sat) only the type's two ends. */
static uint8_t *
make_input (size_t n, mnv3_dtype t, int sat)
{
  uint8_t *p = qbuf_random (n, t);
  if (sat)
    for (size_t i = 0; i < n; i++)
      p[i] = (uint8_t) ((p[i] & 1) ? qhi (t) : qlo (t));
  return p;
}

/* ---- kernels on runs -------------------------------------------------- */

static const size_t run_lens[] = { 96, 120, 128, 144, 240, 255, 256, 288,
  576, 1024, 1037, 4099 };

static size_t
run_len (int i)
{
  return i < 67 ? (size_t) i + 1 : run_lens[i - 67];
}

static void
check_run (const isa_case *ic, const mnv3_qeltdsp *dsp,
    const mnv3_qbinary *q, size_t n, int bc, int sat, int inplace)
{
  const size_t na = bc == 1 ? 1 : n, nb = bc == 2 ? 1 : n;
  uint8_t *a = make_input (na, q->a.type, sat);
  uint8_t *b = make_input (nb, q->b.type, sat);
  uint8_t *want = qbuf (n), *out;

  for (size_t i = 0; i < n; i++)
    want[i] = ref_bin (q, qget (a, bc == 1 ? 0 : i, q->a.type),
        qget (b, bc == 2 ? 0 : i, q->b.type));
  if (inplace && bc != 1) {
    out = a;
  } else {
    out = qbuf (n + GUARD);
    memset (out, SENTINEL, n + GUARD);
  }
  dsp->bin (q, a, bc == 1, b, bc == 2, out, n);
  for (size_t i = 0; i < n; i++)
    if (out[i] != want[i])
      ck_abort_msg ("%s %s %s n=%zu bc=%d sat=%d inplace=%d: [%zu] = %d, "
          "want %d (zp %d %d %d, mul %d/%d %d/%d %d/%d)", ic->bin,
          opname (q->op), q->out.type == MNV3_DTYPE_I8 ? "i8" : "u8", n, bc,
          sat, inplace, i, out[i], want[i], q->a.zp, q->b.zp, q->out.zp,
          q->a_mul.mult, q->a_mul.shift, q->b_mul.mult, q->b_mul.shift,
          q->out_mul.mult, q->out_mul.shift);
  if (out != a) {
    for (size_t i = n; i < n + GUARD; i++)
      ck_assert_msg (out[i] == SENTINEL, "%s: wrote past the run (n=%zu)",
          ic->bin, n);
    free (out);
  }
  free (a);
  free (b);
  free (want);
}

START_TEST (test_bin_runs)
{
  const mnv3_binary_op ops[] = { MNV3_BINARY_ADD, MNV3_BINARY_SUB,
    MNV3_BINARY_MUL };
  const isa_case *ic = &isas[_i];
  mnv3_qeltdsp dsp;
  int k = 0;

  mnv3_qeltdsp_init (&dsp, ic->isa, ic->features);
  ck_assert_str_eq (dsp.bin_name, ic->bin);
  for (int o = 0; o < 3; o++)
    for (int ti = 0; ti < 2; ti++) {
      mnv3_dtype t = ti ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      for (int li = 0; li < 67 + (int) (sizeof run_lens / sizeof *run_lens);
          li++) {
        mnv3_qbinary q;
        size_t n = run_len (li);
        make_op (&q, ops[o], t, k++);
        for (int bc = 0; bc < 3; bc++)
          check_run (ic, &dsp, &q, n, bc, li % 7 == 3, li % 5 == 1);
      }
    }
}
END_TEST

/* Every pair of byte values, each op and type, a few quantizations. */
START_TEST (test_bin_all_pairs)
{
  const isa_case *ic = &isas[_i];
  mnv3_qeltdsp dsp;
  uint8_t *a = qbuf (65536), *b = qbuf (65536), *out = qbuf (65536);

  mnv3_qeltdsp_init (&dsp, ic->isa, ic->features);
  for (int i = 0; i < 65536; i++) {
    a[i] = (uint8_t) (i >> 8);
    b[i] = (uint8_t) i;
  }
  for (int k = 0; k < 30; k++) {
    mnv3_qbinary q;
    make_op (&q, (mnv3_binary_op[]) { MNV3_BINARY_ADD, MNV3_BINARY_SUB,
        MNV3_BINARY_MUL }[k % 3], k & 1 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
        k * 7 + 1);
    dsp.bin (&q, a, 0, b, 0, out, 65536);
    for (int i = 0; i < 65536; i++)
      if (out[i] != ref_bin (&q, qget (a, i, q.a.type), qget (b, i,
                  q.b.type)))
        ck_abort_msg ("%s %s: a=%d b=%d gives %d, want %d", ic->bin,
            opname (q.op), a[i], b[i], out[i], ref_bin (&q, qget (a, i,
                    q.a.type), qget (b, i, q.b.type)));
  }
  free (a);
  free (b);
  free (out);
}
END_TEST

/* ---- whole ops with broadcasting -------------------------------------- */

static void
check_op (const isa_case *ic, const mnv3_qbinary *q, const int as[4],
    const int bs[4], const int os[4], mnv3_threadpool *tp)
{
  size_t na = 1, nb = 1, no = 1;
  uint8_t *a, *b, *out, *want;

  for (int d = 0; d < 4; d++) {
    na *= (size_t) as[d];
    nb *= (size_t) bs[d];
    no *= (size_t) os[d];
  }
  a = make_input (na, q->a.type, 0);
  b = make_input (nb, q->b.type, 0);
  out = qbuf (no);
  want = qbuf (no);
  for (int n = 0; n < os[0]; n++)
    for (int y = 0; y < os[1]; y++)
      for (int x = 0; x < os[2]; x++)
        for (int c = 0; c < os[3]; c++) {
          const int idx[4] = { n, y, x, c };
          size_t ia = 0, ib = 0, io = 0;
          for (int d = 0; d < 4; d++) {
            ia = ia * (size_t) as[d] + (size_t) (as[d] == 1 ? 0 : idx[d]);
            ib = ib * (size_t) bs[d] + (size_t) (bs[d] == 1 ? 0 : idx[d]);
            io = io * (size_t) os[d] + (size_t) idx[d];
          }
          want[io] = ref_bin (q, qget (a, ia, q->a.type), qget (b, ib,
                  q->b.type));
        }
  mnv3_qbinary_run (ic->isa, q, a, as, b, bs, out, os, tp);
  for (size_t i = 0; i < no; i++)
    if (out[i] != want[i])
      ck_abort_msg ("%s %s a [%d,%d,%d,%d] b [%d,%d,%d,%d] (%s): [%zu] = %d,"
          " want %d", ic->bin, opname (q->op), as[0], as[1], as[2], as[3],
          bs[0], bs[1], bs[2], bs[3], tp ? "2 threads" : "1 thread", i,
          out[i], want[i]);
  free (a);
  free (b);
  free (out);
  free (want);
}

START_TEST (test_bin_shapes)
{
  /* MobileNetV3's squeeze-excite and residual widths, and odd ones */
  static const int widths[] = { 1, 3, 8, 16, 17, 24, 40, 48, 67, 72, 88,
    96, 120, 144, 240, 288, 576 };
  const isa_case *ic = &isas[_i];
  int k = 3;

  for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
    const int c = widths[wi], h = 1 + (int) (qrand () % 9);
    const int w = 1 + (int) (qrand () % 11);
    const int full[4] = { 1, h, w, c }, gate[4] = { 1, 1, 1, c };
    const int one[4] = { 1, 1, 1, 1 }, col[4] = { 1, h, 1, c };
    const int pix[4] = { 1, h, w, 1 };
    for (int o = 0; o < 3; o++)
      for (int ti = 0; ti < 2; ti++) {
        mnv3_qbinary q;
        make_op (&q, (mnv3_binary_op[]) { MNV3_BINARY_ADD, MNV3_BINARY_SUB,
            MNV3_BINARY_MUL }[o], ti ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, k++);
        for (int th = 0; th < 2; th++) {
          mnv3_threadpool *tp = th ? pool2 : NULL;
          check_op (ic, &q, full, full, full, tp);
          check_op (ic, &q, full, gate, full, tp);
          check_op (ic, &q, gate, full, full, tp);
          check_op (ic, &q, full, one, full, tp);
          check_op (ic, &q, one, full, full, tp);
          check_op (ic, &q, full, col, full, tp);
          check_op (ic, &q, pix, gate, full, tp);
          check_op (ic, &q, one, one, one, tp);
        }
      }
  }
  {                             /* large enough to split between threads */
    const int big[4] = { 1, 56, 56, 16 }, gate[4] = { 1, 1, 1, 16 };
    mnv3_qbinary q;
    make_op (&q, MNV3_BINARY_MUL, MNV3_DTYPE_U8, 0);
    check_op (ic, &q, big, gate, big, pool2);
    make_op (&q, MNV3_BINARY_ADD, MNV3_DTYPE_I8, 7);
    check_op (ic, &q, big, big, big, pool2);
  }
  {                             /* gates whose runs straddle task bounds */
    const int big[4] = { 1, 31, 29, 67 }, gate[4] = { 1, 1, 1, 67 };
    const int big3[4] = { 1, 41, 43, 3 }, gate3[4] = { 1, 1, 1, 3 };
    mnv3_qbinary q;
    make_op (&q, MNV3_BINARY_MUL, MNV3_DTYPE_I8, 2);
    check_op (ic, &q, big, gate, big, pool2);
    check_op (ic, &q, gate, big, big, NULL);
    make_op (&q, MNV3_BINARY_SUB, MNV3_DTYPE_U8, 5);
    check_op (ic, &q, gate3, big3, big3, pool2);
    check_op (ic, &q, big3, gate3, big3, NULL);
  }
}
END_TEST

/* ---- table lookup ----------------------------------------------------- */

START_TEST (test_lut)
{
  const isa_case *ic = &isas[_i];
  mnv3_qeltdsp dsp;
  mnv3_qlut lut;

  mnv3_qeltdsp_init (&dsp, ic->isa, ic->features);
  ck_assert_str_eq (dsp.lut_name, ic->lut);
  for (int li = 0; li < 67 + (int) (sizeof run_lens / sizeof *run_lens)
      + 1; li++) {
    size_t n = li == 0 ? 0 : run_len (li - 1);
    uint8_t *in = qbuf_random (n, MNV3_DTYPE_U8), *out = qbuf (n + GUARD);
    for (int i = 0; i < 256; i++)
      lut.table[i] = (uint8_t) qrand ();
    if (li % 4 == 1)            /* every byte value */
      for (size_t i = 0; i < n; i++)
        in[i] = (uint8_t) (i * 7);
    memset (out, SENTINEL, n + GUARD);
    dsp.lut (lut.table, in, out, n);
    for (size_t i = 0; i < n; i++)
      if (out[i] != lut.table[in[i]])
        ck_abort_msg ("%s lut n=%zu: [%zu] (in %d) = %d, want %d", ic->lut,
            n, i, in[i], out[i], lut.table[in[i]]);
    for (size_t i = n; i < n + GUARD; i++)
      ck_assert_msg (out[i] == SENTINEL, "%s lut wrote past n=%zu", ic->lut,
          n);
    memcpy (out, in, n);        /* in place */
    dsp.lut (lut.table, out, out, n);
    for (size_t i = 0; i < n; i++)
      ck_assert_int_eq (out[i], lut.table[in[i]]);
    free (in);
    free (out);
  }
}
END_TEST

/* Through mnv3_qlut_run: a real table (hard-swish), threaded. */
START_TEST (test_lut_run)
{
  const isa_case *ic = &isas[_i];
  const size_t n = 112 * 112 * 16 + 5;
  mnv3_qtensor qi = { MNV3_DTYPE_I8, 0.05f, -3 }, qo = { MNV3_DTYPE_I8,
    0.03f, -40 };
  uint8_t *in, *out;
  mnv3_qlut lut;

  if (ic->features)             /* mnv3_qlut_run picks VBMI itself */
    return;
  in = qbuf_random (n, MNV3_DTYPE_I8);
  out = qbuf (n);
  ck_assert_int_eq (mnv3_qlut_prepare (&lut, MNV3_QUNARY_HARD_SWISH, &qi,
          &qo), MNV3_OK);
  for (int th = 0; th < 2; th++) {
    memset (out, 0, n);
    mnv3_qlut_run (ic->isa, &lut, in, out, n, th ? pool2 : NULL);
    for (size_t i = 0; i < n; i++)
      ck_assert_int_eq (out[i], lut.table[in[i]]);
  }
  free (in);
  free (out);
}
END_TEST

/* ---- sums: average pooling and MEAN ----------------------------------- */

START_TEST (test_sum)
{
  const isa_case *ic = &isas[_i];
  mnv3_qeltdsp dsp;

  mnv3_qeltdsp_init (&dsp, ic->isa, ic->features);
  for (int li = 0; li < 67 + (int) (sizeof run_lens / sizeof *run_lens);
      li++) {
    const size_t n = run_len (li), rows = (size_t) qrand_int (0, 9);
    const size_t stride = n + (size_t) qrand_int (0, 5);
    const int is_i8 = li & 1;
    /* exactly what is read: rows - 1 strides plus the last row */
    const size_t size = rows ? (rows - 1) * stride + n : 0;
    uint8_t *in = make_input (size, is_i8 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8,
        li % 3 == 0);
    int32_t *acc = qbuf ((n + GUARD) * sizeof *acc);
    int32_t *want = qbuf (n * sizeof *want);

    for (size_t i = 0; i < n + GUARD; i++)
      acc[i] = i < n ? qrand_int (-100000, 100000) : 0x5a5a5a5a;
    for (size_t i = 0; i < n; i++) {
      want[i] = acc[i];
      for (size_t r = 0; r < rows; r++)
        want[i] += qget (in, r * stride + i, is_i8 ? MNV3_DTYPE_I8
            : MNV3_DTYPE_U8);
    }
    dsp.sum (in, stride, rows, is_i8, acc, n);
    for (size_t i = 0; i < n; i++)
      if (acc[i] != want[i])
        ck_abort_msg ("%s sum n=%zu rows=%zu: [%zu] = %d, want %d", ic->bin,
            n, rows, i, acc[i], want[i]);
    for (size_t i = n; i < n + GUARD; i++)
      ck_assert_int_eq (acc[i], 0x5a5a5a5a);
    free (in);
    free (acc);
    free (want);
  }
}
END_TEST

/* AVERAGE_POOL_2D against TFLite's rule computed here: global pools at
 * MobileNetV3's squeeze-excite sizes and widths (576 > one block of
 * channels), and small strided, padded windows. */
START_TEST (test_avgpool)
{
  static const int cases[][4] = {  /* ih, iw, c, k (0: global) */
    { 56, 56, 16, 0 }, { 28, 28, 96, 0 }, { 14, 14, 240, 0 },
    { 7, 7, 576, 0 }, { 7, 7, 67, 0 }, { 9, 11, 40, 3 }, { 6, 5, 300, 2 },
    { 8, 8, 17, 3 }, { 1, 1, 3, 0 }, { 5, 7, 1, 3 },
  };
  const isa_case *ic = &isas[_i];

  if (ic->features)
    return;
  for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++)
    for (int ti = 0; ti < 2; ti++) {
      const mnv3_dtype t = ti ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      const int k = cases[ci][3], c = cases[ci][2];
      mnv3_pool_params p = { .type = MNV3_POOL_AVG, .ih = cases[ci][0],
        .iw = cases[ci][1], .c = c, .kh = k ? k : cases[ci][0],
        .kw = k ? k : cases[ci][1], .sh = k ? 2 : 1, .sw = k ? 1 + (int) ci
            % 2 : 1, .pad_t = k / 2, .pad_l = k / 2, .pad_b = k / 2,
        .pad_r = k / 2 };
      const int32_t lo = qlo (t) + (ci % 3 == 1 ? 5 : 0);
      const int32_t hi = qhi (t) - (ci % 3 == 2 ? 20 : 0);
      uint8_t *in, *o;
      size_t no;
      p.oh = (p.ih + p.pad_t + p.pad_b - p.kh) / p.sh + 1;
      p.ow = (p.iw + p.pad_l + p.pad_r - p.kw) / p.sw + 1;
      no = (size_t) p.oh * p.ow * c;
      in = make_input ((size_t) p.ih * p.iw * c, t, ci == 4);
      o = qbuf (no);
      for (int th = 0; th < 2; th++) {
        memset (o, 0, no);
        mnv3_qpool_run (ic->isa, &p, t, lo, hi, in, o, th ? pool2 : NULL);
        for (int oy = 0; oy < p.oh; oy++)
          for (int ox = 0; ox < p.ow; ox++)
            for (int ch = 0; ch < c; ch++) {
              int64_t sum = 0, n = 0;
              double want;
              for (int y = oy * p.sh - p.pad_t; y < oy * p.sh - p.pad_t
                  + p.kh; y++)
                for (int x = ox * p.sw - p.pad_l; x < ox * p.sw - p.pad_l
                    + p.kw; x++)
                  if (y >= 0 && y < p.ih && x >= 0 && x < p.iw) {
                    sum += qget (in, ((size_t) y * p.iw + x) * c + ch, t);
                    n++;
                  }
              want = t == MNV3_DTYPE_U8 ? floor ((double) sum / n + 0.5)
                  : round ((double) sum / n);
              want = fmin (fmax (want, lo), hi);
              if (qget (o, ((size_t) oy * p.ow + ox) * c + ch, t)
                  != (int32_t) want)
                ck_abort_msg ("%s avgpool %dx%dx%d k%d: (%d,%d,%d) = %d, "
                    "want %d", ic->bin, p.ih, p.iw, c, k, oy, ox, ch,
                    qget (o, ((size_t) oy * p.ow + ox) * c + ch, t),
                    (int32_t) want);
            }
      }
      free (in);
      free (o);
    }
}
END_TEST

/* MEAN over H, W (both of TFLite's kernels), sums computed here. */
START_TEST (test_mean)
{
  static const int cases[][3] = { { 7, 7, 576 }, { 14, 14, 96 },
    { 28, 28, 40 }, { 3, 5, 67 }, { 1, 1, 300 }, { 2, 3, 1 } };
  const isa_case *ic = &isas[_i];

  if (ic->features)
    return;
  for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++)
    for (int v = 0; v < 4; v++) {
      const mnv3_dtype t = v & 1 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      const int h = cases[ci][0], w = cases[ci][1], c = cases[ci][2];
      mnv3_qmean q = { { t, qrand_scale (1e-3f, 1.f), qpick_zp (t, v + 1) },
        { t, qrand_scale (1e-3f, 1.f), qpick_zp (t, v + 2) }, h * w,
        v >> 1, { 0, 0 }, 0, 0 };
      uint8_t *in = make_input ((size_t) h * w * c, t, ci == 3);
      uint8_t *o = qbuf ((size_t) c);
      int32_t lo = qlo (t), hi = qhi (t);

      ck_assert_int_eq (mnv3_qmean_prepare (&q), MNV3_OK);
      mnv3_qmean_run (ic->isa, &q, in, h, w, c, o, NULL);
      for (int k = 0; k < c; k++) {
        int32_t acc = 0, want;
        for (int i = 0; i < h * w; i++)
          acc += qget (in, (size_t) i * c + k, t);
        if (q.keep_dims)
          want = (k < (c & ~15) ? mnv3_qmul_apply_neon (acc, q.mul)
              : mnv3_qmul_apply (acc, q.mul)) + q.bias;
        else
          want = mnv3_qmul_apply (acc - q.in.zp * h * w, q.mul) + q.out.zp;
        want = want < lo ? lo : want > hi ? hi : want;
        if (qget (o, (size_t) k, t) != want)
          ck_abort_msg ("%s mean %dx%dx%d keep_dims %d: [%d] = %d, want %d",
              ic->bin, h, w, c, q.keep_dims, k, qget (o, (size_t) k, t),
              want);
      }
      free (in);
      free (o);
    }
}
END_TEST

static Suite *
qelt_suite (void)
{
  Suite *s = suite_create ("qelt");
  TCase *tc = tcase_create ("kernels");

  tcase_add_checked_fixture (tc, q_setup, q_teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_loop_test (tc, test_bin_runs, 0, n_isas);
  tcase_add_loop_test (tc, test_bin_all_pairs, 0, n_isas);
  tcase_add_loop_test (tc, test_bin_shapes, 0, n_isas);
  tcase_add_loop_test (tc, test_lut, 0, n_isas);
  tcase_add_loop_test (tc, test_lut_run, 0, n_isas);
  tcase_add_loop_test (tc, test_sum, 0, n_isas);
  tcase_add_loop_test (tc, test_avgpool, 0, n_isas);
  tcase_add_loop_test (tc, test_mean, 0, n_isas);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  isas_init ();
  printf ("element-wise kernels tested:");
  for (int i = 0; i < n_isas; i++)
    printf (" %s/%s", isas[i].bin, isas[i].lut);
  printf ("\n");
  return q_run_suite (qelt_suite ());
}
