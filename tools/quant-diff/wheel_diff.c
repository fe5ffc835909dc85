/* wheel_diff.c — a few ops through the real ai-edge-litert wheel (its
 * BUILTIN_WITHOUT_DEFAULT_DELEGATES kernels, via tests/reference/
 * tflite_run.py) against core/quant: one-op models written with
 * tests/tflite/tfl-builder.c, random inputs and quantization, including
 * ops the shipped models do not contain: QUANTIZE 8 -> 8, DEQUANTIZE,
 * LOGISTIC, TANH, CONCATENATION with rescaling, RESIZE_BILINEAR (every
 * coordinate mode, the x8 path), RESIZE_NEAREST_NEIGHBOR, SOFTMAX, ARG_MAX,
 * MEAN, AVERAGE/MAX_POOL_2D, HARD_SWISH, broadcast ADD/MUL.  Developer tool:
 *
 *   cc -Icore -Itests/tflite tools/quant-diff/wheel_diff.c \
 *      tests/tflite/tfl-builder.c build/core/libmnv3core.a -lm -lpthread
 *   ./a.out tests/reference/venv/bin/python tests/reference/tflite_run.py
 *
 * (runs in a scratch directory it is started in: m.tflite, in.bin, out.bin).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/qops.h"
#include "tfl-builder.h"

static unsigned st = 777;
static char run_cmd[2048];

static unsigned
rnd (void)
{
  st = st * 1103515245u + 12345u;
  return st >> 8;
}

static float
rs (float lo, float hi)
{
  double t = (rnd () & 0xffff) / 65535.0;
  return (float) exp (log (lo) + t * (log (hi) - log (lo)));
}

static void
write_file (const char *p, const void *d, size_t n)
{
  FILE *f = fopen (p, "wb");
  if (f) {
    fwrite (d, 1, n, f);
    fclose (f);
  }
}

static size_t
read_file (const char *p, void *d, size_t n)
{
  FILE *f = fopen (p, "rb");
  size_t r = f ? fread (d, 1, n, f) : 0;
  if (f)
    fclose (f);
  return r;
}

static int
run_model (tb_model *m, const void *in, size_t n)
{
  size_t len;
  uint8_t *d = tb_model_write (m, &len);
  write_file ("m.tflite", d, len);
  free (d);
  write_file ("in.bin", in, n);
  remove ("out.bin");
  return system (run_cmd);
}

static long cmp[14], bad[14];
static const char *names[14] = { "LOGISTIC", "TANH", "CONCATENATION",
  "RESIZE_BILINEAR", "RESIZE_NEAREST", "SOFTMAX", "ARG_MAX",
  "QUANTIZE 8->8", "DEQUANTIZE", "MEAN", "AVERAGE_POOL_2D", "MAX_POOL_2D",
  "HARD_SWISH", "ADD/MUL bcast" };

/* MEAN, pooling, HARD_SWISH, broadcast ADD/MUL: kind 9..13. */
static int
other_ops (int k, uint8_t *src, uint8_t *got, uint8_t *want, size_t *nout)
{
  int kind = 9 + k % 5, ti = (k / 5) % 2 ? T_I8 : T_U8;
  mnv3_dtype dt = ti == T_I8 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
  int lo = ti == T_I8 ? -128 : 0, hi = lo + 255;
  int i0[2] = { 0, 1 };
  size_t nin;
  tb_model m;
  mnv3_qtensor in = { dt, rs (0.005f, 0.2f), lo + (int) (rnd () % 256) };
  mnv3_qtensor out = { dt, rs (0.005f, 0.2f), lo + (int) (rnd () % 256) };

  memset (&m, 0, sizeof m);
  m.version = 3;
  if (kind == 9) {              /* MEAN over H, W */
    int h = 1 + rnd () % 9, w = 1 + rnd () % 9, c = 1 + rnd () % 40;
    int keep = rnd () % 2;
    int32_t axes[2] = { 1, 2 };
    int b = tb_add_buffer (&m, axes, 8);
    mnv3_qmean q;
    if (k % 3 == 0)
      out = in;
    m.ntensors = 3;
    m.t[0] = tb_tensor_new ("in", ti, 4, 1, h, w, c, 0); tb_quant (&m.t[0], in.scale, in.zp);
    m.t[1] = tb_tensor_new ("axes", T_I32, 1, 2, 0, 0, 0, b);
    m.t[2] = keep ? tb_tensor_new ("out", ti, 4, 1, 1, 1, c, 0)
        : tb_tensor_new ("out", ti, 2, 1, c, 0, 0, 0);
    tb_quant (&m.t[2], out.scale, out.zp);
    m.nops = 1; m.op[0] = tb_op_new (40, 2, i0, 2); m.op[0].opt_type = 27;
    tb_opt_int (&m.op[0], 0, keep);
    m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 2;
    nin = (size_t) h * w * c;
    *nout = c;
    for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) rnd ();
    if (run_model (&m, src, nin)) return -1;
    memset (&q, 0, sizeof q);
    q.in = in; q.out = out; q.count = h * w; q.keep_dims = keep;
    mnv3_qmean_prepare (&q);
    mnv3_qmean_run (MNV3_ISA_SCALAR, &q, src, h, w, c, got, NULL);
  } else if (kind <= 11) {      /* AVERAGE_POOL_2D / MAX_POOL_2D, SAME */
    int ih = 1 + rnd () % 9, iw = 1 + rnd () % 9, c = 1 + rnd () % 20;
    int f = 2 + rnd () % 2, s = 1 + rnd () % 2;
    int oh = (ih + s - 1) / s, ow = (iw + s - 1) / s;
    int pth = (oh - 1) * s + f - ih, ptw = (ow - 1) * s + f - iw;
    mnv3_pool_params p;
    pth = pth > 0 ? pth : 0;
    ptw = ptw > 0 ? ptw : 0;
    m.ntensors = 2;
    m.t[0] = tb_tensor_new ("in", ti, 4, 1, ih, iw, c, 0); tb_quant (&m.t[0], in.scale, in.zp);
    m.t[1] = tb_tensor_new ("out", ti, 4, 1, oh, ow, c, 0); tb_quant (&m.t[1], in.scale, in.zp);
    m.nops = 1; m.op[0] = tb_op_new (kind == 10 ? 1 : 17, 1, i0, 1);
    m.op[0].opt_type = 5;
    tb_opt_int (&m.op[0], 0, 0);     /* SAME */
    tb_opt_int (&m.op[0], 1, s);
    tb_opt_int (&m.op[0], 2, s);
    tb_opt_int (&m.op[0], 3, f);
    tb_opt_int (&m.op[0], 4, f);
    m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 1;
    nin = (size_t) ih * iw * c;
    *nout = (size_t) oh * ow * c;
    for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) rnd ();
    if (run_model (&m, src, nin)) return -1;
    p = (mnv3_pool_params) { kind == 10 ? MNV3_POOL_AVG : MNV3_POOL_MAX,
      ih, iw, c, oh, ow, f, f, s, s, pth / 2, ptw / 2, pth - pth / 2,
      ptw - ptw / 2, 0 };
    mnv3_qpool_run (MNV3_ISA_SCALAR, &p, dt, lo, hi, src, got, NULL);
  } else if (kind == 12) {      /* HARD_SWISH over all 256 bytes */
    mnv3_qlut lut;
    m.ntensors = 2;
    m.t[0] = tb_tensor_new ("in", ti, 4, 1, 1, 1, 256, 0); tb_quant (&m.t[0], in.scale, in.zp);
    m.t[1] = tb_tensor_new ("out", ti, 4, 1, 1, 1, 256, 0); tb_quant (&m.t[1], out.scale, out.zp);
    m.nops = 1; m.op[0] = tb_op_new (117, 1, i0, 1);
    m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 1;
    for (int i = 0; i < 256; i++) src[i] = (uint8_t) i;
    *nout = 256;
    if (mnv3_qlut_prepare (&lut, MNV3_QUNARY_HARD_SWISH, &in, &out) != MNV3_OK)
      return 1;                 /* TFLite refuses it too (exponent > 0) */
    if (run_model (&m, src, 256)) return -1;
    mnv3_qlut_run (MNV3_ISA_SCALAR, &lut, src, got, 256, NULL);
  } else {                      /* ADD or MUL, per-channel constant b */
    int h = 1 + rnd () % 5, w = 1 + rnd () % 5, c = 1 + rnd () % 40;
    int mul = rnd () % 2;
    static uint8_t cst[64];
    mnv3_qbinary q;
    mnv3_qtensor qb = { dt, rs (0.005f, 0.2f), lo + (int) (rnd () % 256) };
    int b, as[4] = { 1, h, w, c }, bs[4] = { 1, 1, 1, c };
    for (int i = 0; i < c; i++) cst[i] = (uint8_t) rnd ();
    b = tb_add_buffer (&m, cst, c);
    if (mul)
      out.scale = in.scale * qb.scale * rs (20.f, 200.f);
    m.ntensors = 3;
    m.t[0] = tb_tensor_new ("in", ti, 4, 1, h, w, c, 0); tb_quant (&m.t[0], in.scale, in.zp);
    m.t[1] = tb_tensor_new ("b", ti, 4, 1, 1, 1, c, b); tb_quant (&m.t[1], qb.scale, qb.zp);
    m.t[2] = tb_tensor_new ("out", ti, 4, 1, h, w, c, 0); tb_quant (&m.t[2], out.scale, out.zp);
    m.nops = 1; m.op[0] = tb_op_new (mul ? 18 : 0, 2, i0, 2);
    m.op[0].opt_type = mul ? 21 : 11;
    tb_opt_int (&m.op[0], 0, 0);
    m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 2;
    nin = (size_t) h * w * c;
    *nout = nin;
    for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) rnd ();
    if (run_model (&m, src, nin)) return -1;
    memset (&q, 0, sizeof q);
    q.op = mul ? MNV3_BINARY_MUL : MNV3_BINARY_ADD;
    q.a = in; q.b = qb; q.out = out; q.act_min = lo; q.act_max = hi;
    mnv3_qbinary_prepare (&q);
    mnv3_qbinary_run (MNV3_ISA_SCALAR, &q, src, as, cst, bs, got, as, NULL);
  }
  if (read_file ("out.bin", want, *nout) != *nout) return -1;
  for (size_t i = 0; i < *nout; i++) {
    cmp[kind]++;
    bad[kind] += got[i] != want[i];
  }
  return 0;
}

int
main (int argc, char **argv)
{
  long bad_old = 0, total = 0;
  if (argc != 3) {
    fprintf (stderr, "usage: %s PYTHON TFLITE_RUN_PY\n", argv[0]);
    return 2;
  }
  snprintf (run_cmd, sizeof run_cmd, "%s %s m.tflite --input in.bin "
      "--output out.bin --resolver builtin > py.log 2>&1", argv[1], argv[2]);
  static uint8_t src[4096], want[65536], got[65536];
  for (int k = 0; k < 140; k++) {
    int kind = k % 7, ti = (k / 7) % 2 ? T_I8 : T_U8;
    mnv3_dtype dt = ti == T_I8 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    int lo = ti == T_I8 ? -128 : 0;
    tb_model m;
    memset (&m, 0, sizeof m);
    m.version = 3;
    mnv3_qtensor in = { dt, rs (0.005f, 0.2f), lo + (int) (rnd () % 256) };
    int i0[2] = { 0, 1 };
    size_t nin = 0, nout = 0;
    if (kind <= 1) {            /* LOGISTIC / TANH over all 256 bytes */
      mnv3_qtensor out = { dt, kind ? 1.f / 128 : 1.f / 256, kind ? (ti == T_I8 ? 0 : 128) : lo };
      m.ntensors = 2;
      m.t[0] = tb_tensor_new ("in", ti, 4, 1, 1, 1, 256, 0); tb_quant (&m.t[0], in.scale, in.zp);
      m.t[1] = tb_tensor_new ("out", ti, 4, 1, 1, 1, 256, 0); tb_quant (&m.t[1], out.scale, out.zp);
      m.nops = 1; m.op[0] = tb_op_new (kind ? 28 : 14, 1, i0, 1);
      m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 1;
      for (int i = 0; i < 256; i++) src[i] = (uint8_t) i;
      nin = nout = 256;
      if (run_model (&m, src, nin)) goto fail;
      mnv3_qlut lut;
      mnv3_qlut_prepare (&lut, kind ? MNV3_QUNARY_TANH : MNV3_QUNARY_LOGISTIC, &in, &out);
      mnv3_qlut_run (MNV3_ISA_SCALAR, &lut, src, got, 256, NULL);
    } else if (kind == 2) {     /* CONCATENATION of the input and a constant, uint8 only */
      if (ti == T_I8) continue;
      int c0 = 1 + rnd () % 9, c1 = 1 + rnd () % 9, hw = 1 + rnd () % 5;
      static uint8_t cst[64];
      for (int i = 0; i < hw * c1; i++) cst[i] = (uint8_t) rnd ();
      mnv3_qtensor q1 = { dt, rs (0.005f, 0.2f), (int) (rnd () % 256) }, qo = { dt, rs (0.005f, 0.2f), (int) (rnd () % 256) };
      int b = tb_add_buffer (&m, cst, hw * c1);
      m.ntensors = 3;
      m.t[0] = tb_tensor_new ("in", ti, 4, 1, 1, hw, c0, 0); tb_quant (&m.t[0], in.scale, in.zp);
      m.t[1] = tb_tensor_new ("cst", ti, 4, 1, 1, hw, c1, b); tb_quant (&m.t[1], q1.scale, q1.zp);
      m.t[2] = tb_tensor_new ("out", ti, 4, 1, 1, hw, c0 + c1, 0); tb_quant (&m.t[2], qo.scale, qo.zp);
      m.nops = 1; m.op[0] = tb_op_new (2, 2, i0, 2); m.op[0].opt_type = 10; tb_opt_int (&m.op[0], 0, 3);
      m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 2;
      nin = hw * c0; nout = hw * (c0 + c1);
      for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) rnd ();
      if (run_model (&m, src, nin)) goto fail;
      const void *ins[2] = { src, cst };
      int shapes[2][4] = { { 1, 1, hw, c0 }, { 1, 1, hw, c1 } };
      mnv3_qtensor iq[2] = { in, q1 };
      mnv3_qconcat_run (3, 2, ins, shapes, iq, &qo, got, NULL);
    } else if (kind <= 4) {     /* RESIZE_BILINEAR / NEAREST */
      int ih = 1 + rnd () % 6, iw = 1 + rnd () % 6, c = 1 + rnd () % 9;
      int oh = 1 + rnd () % 20, ow = 1 + rnd () % 20, mode = rnd () % 3;
      if (k % 5 == 0 && kind == 3) { c = 8; oh = ih * 8; ow = iw * 8; mode = 2; }
      int32_t size[2] = { oh, ow };
      int b = tb_add_buffer (&m, size, 8);
      m.ntensors = 3;
      m.t[0] = tb_tensor_new ("in", ti, 4, 1, ih, iw, c, 0); tb_quant (&m.t[0], in.scale, in.zp);
      m.t[1] = tb_tensor_new ("size", T_I32, 1, 2, 0, 0, 0, b);
      m.t[2] = tb_tensor_new ("out", ti, 4, 1, oh, ow, c, 0); tb_quant (&m.t[2], in.scale, in.zp);
      m.nops = 1; m.op[0] = tb_op_new (kind == 3 ? 23 : 97, 2, i0, 2);
      m.op[0].opt_type = kind == 3 ? 15 : 74;
      tb_opt_int (&m.op[0], kind == 3 ? 2 : 0, mode == 1);
      tb_opt_int (&m.op[0], kind == 3 ? 3 : 1, mode == 2);
      m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 2;
      nin = (size_t) ih * iw * c; nout = (size_t) oh * ow * c;
      for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) rnd ();
      if (run_model (&m, src, nin)) goto fail;
      mnv3_resize_coord co = mode == 1 ? MNV3_COORD_ALIGN_CORNERS : mode == 2 ? MNV3_COORD_HALF_PIXEL : MNV3_COORD_ASYMMETRIC;
      mnv3_qresize_run (MNV3_ISA_SCALAR, co, kind == 4, dt, src, ih, iw, c, got, oh, ow, NULL, NULL);
    } else if (kind == 5) {     /* SOFTMAX */
      int rows = 1 + rnd () % 3, c = 1 + rnd () % 40;
      mnv3_qsoftmax q;
      memset (&q, 0, sizeof q);
      q.in = in; q.out = (mnv3_qtensor) { dt, 1.f / 256, lo }; q.beta = 1.f;
      m.ntensors = 2;
      m.t[0] = tb_tensor_new ("in", ti, 2, rows, c, 0, 0, 0); tb_quant (&m.t[0], in.scale, in.zp);
      m.t[1] = tb_tensor_new ("out", ti, 2, rows, c, 0, 0, 0); tb_quant (&m.t[1], q.out.scale, q.out.zp);
      m.nops = 1; m.op[0] = tb_op_new (25, 1, i0, 1); m.op[0].opt_type = 9;
      m.op[0].opt[0] = (tb_opt) { 0, 1, 0, 1.f }; m.op[0].nopt = 1;
      m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 1;
      nin = nout = (size_t) rows * c;
      for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) rnd ();
      if (run_model (&m, src, nin)) goto fail;
      mnv3_qsoftmax_prepare (&q);
      mnv3_qsoftmax_run (&q, src, got, rows, c);
    } else {                    /* ARG_MAX over channels, int32 out */
      int rows = 1 + rnd () % 4, c = 1 + rnd () % 40;
      int32_t axis = 1;
      int b = tb_add_buffer (&m, &axis, 4);
      m.ntensors = 3;
      m.t[0] = tb_tensor_new ("in", ti, 2, rows, c, 0, 0, 0); tb_quant (&m.t[0], in.scale, in.zp);
      m.t[1] = tb_tensor_new ("axis", T_I32, 1, 1, 0, 0, 0, b);
      m.t[2] = tb_tensor_new ("out", T_I32, 1, rows, 0, 0, 0, 0);
      m.nops = 1; m.op[0] = tb_op_new (56, 2, i0, 2); m.op[0].opt_type = 40; tb_opt_int (&m.op[0], 0, T_I32);
      m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 2;
      nin = (size_t) rows * c; nout = (size_t) rows * 4;
      for (size_t i = 0; i < nin; i++) src[i] = (uint8_t) (rnd () % 3 ? rnd () % 4 : rnd ());
      if (run_model (&m, src, nin)) goto fail;
      mnv3_qargmax_run (MNV3_ISA_SCALAR, dt, src, MNV3_DTYPE_I32, got, rows,
          c, NULL);
    }
    if (read_file ("out.bin", want, nout) != nout) goto fail;
    for (size_t i = 0; i < nout; i++) { cmp[kind]++; bad[kind] += got[i] != want[i]; }
    continue;
  fail:
    printf ("case %d (%s) failed to run:\n", k, names[kind]);
    system ("tail -3 py.log");
  }
  for (int k = 0; k < 60; k++) {
    int deq = k % 2;
    int n = 1 + (int) (rnd () % 70);
    int ti = (k / 2) % 2 ? T_I8 : T_U8;
    mnv3_dtype dt = ti == T_I8 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    int lo = ti == T_I8 ? -128 : 0;
    mnv3_qtensor in = { dt, rs (0.001f, 1.f), lo + (int) (rnd () % 256) };
    mnv3_qtensor out = { dt, rs (0.001f, 1.f), lo + (int) (rnd () % 256) };
    if (k % 6 == 2) { in.scale = 1.f; in.zp = 0; out.scale = 4.f; out.zp = 0; }
    tb_model m;
    memset (&m, 0, sizeof m);
    m.version = 3;
    m.ntensors = 2;
    m.t[0] = tb_tensor_new ("in", ti, 4, 1, 1, 1, n, 0);
    tb_quant (&m.t[0], in.scale, in.zp);
    m.t[1] = tb_tensor_new ("out", deq ? T_F32 : ti, 4, 1, 1, 1, n, 0);
    if (!deq) tb_quant (&m.t[1], out.scale, out.zp);
    int i0 = 0;
    m.nops = 1;
    m.op[0] = tb_op_new (deq ? 6 : 114, 1, &i0, 1);
    m.nin = 1; m.in[0] = 0; m.nout = 1; m.out[0] = 1;
    uint8_t src[80];
    for (int i = 0; i < n; i++) src[i] = (uint8_t) (k % 6 == 2 ? (i % 2 ? -6 : 6) : rnd ());
    if (run_model (&m, src, n) != 0) { printf ("case %d failed to run\n", k); return 1; }
    if (deq) {
      float want[80], got[80];
      if (read_file ("out.bin", want, n * 4) != (size_t) n * 4) { printf ("no output\n"); return 1; }
      mnv3_dequantize_run (src, got, n, &in);
      for (int i = 0; i < n; i++) {
        float old = (float) ((double) in.scale * (double) ((dt == MNV3_DTYPE_I8 ? (int8_t) src[i] : src[i]) - in.zp));
        cmp[8]++; bad[8] += memcmp (&got[i], &want[i], 4) != 0; bad_old += memcmp (&old, &want[i], 4) != 0;
      }
    } else {
      uint8_t want[80], got[80];
      if (read_file ("out.bin", want, n) != (size_t) n) { printf ("no output\n"); return 1; }
      mnv3_qlut lut;
      mnv3_qlut_prepare (&lut, MNV3_QUNARY_REQUANTIZE, &in, &out);
      mnv3_qlut_run (MNV3_ISA_SCALAR, &lut, src, got, n, NULL);
      for (int i = 0; i < n; i++) { cmp[7]++; bad[7] += got[i] != want[i]; bad_old += lut.tail[src[i]] != want[i]; }
    }
  }
  for (int k = 0; k < 100; k++) {
    static uint8_t src[4096], got[4096], want[4096];
    size_t nout;
    if (other_ops (k, src, got, want, &nout) < 0) {
      printf ("case %d (%s) failed to run\n", k, names[9 + k % 5]);
      system ("tail -3 py.log");
    }
  }
  for (int i = 0; i < 14; i++) {
    printf ("%-16s %6ld values compared, %ld differ\n", names[i], cmp[i],
        bad[i]);
    total += bad[i];
  }
  printf ("(QUANTIZE 8->8 / DEQUANTIZE by the scalar rule alone: %ld would "
      "differ)\n", bad_old);
  return total != 0;
}
