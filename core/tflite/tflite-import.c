/* tflite-import.c — TFLite flatbuffer (schema v3) -> mnv3_graph.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the importer does beyond a one-to-one translation:
 *  - Weights of any supported type (float32, float16, uint8 per-tensor,
 *    int8 per-channel, int32 biases) become float32 constants.
 *  - DEQUANTIZE of a constant (fp16 weights) is folded; DEQUANTIZE and
 *    QUANTIZE of an activation are identities in float execution.
 *  - A quantized graph input becomes a float input holding the real value
 *    scale*(q-zp); the pixel normalisation that implies is recorded in
 *    the "mean"/"std" metadata.
 *  - Quantized models often keep ReLU/ReLU6 only in the output range of
 *    an op (fused activation NONE): the range is turned back into an
 *    activation so that float execution matches.
 *  - PAD feeding only VALID convolutions becomes their explicit padding.
 *  - Depthwise weights [1,kh,kw,c] become OHWI [c][kh][kw][1].
 *
 * Only subgraph 0 is imported.  Operators must be in execution order (as
 * every converter writes them); a tensor read before it is produced is a
 * format error, which also rules out cycles.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "flatbuf.h"
#include "tflite-schema.h"

#define TFL_MAX_RANK 8
#define TFL_MAX_DIM (1 << 24)
#define TFL_MAX_NUMEL ((int64_t) 1 << 28)   /* 1 GiB of float32 */
#define TFL_MAX_OP_IO 64
#define TFL_MAX_COUNT (1 << 20)     /* tensors, operators, buffers */

/* What the importer knows about one TFLite tensor. */
typedef struct {
  char *name;
  int type;
  int rank;
  int64_t dims[TFL_MAX_RANK];
  int64_t numel;                 /* -1 when a dim is dynamic */
  const uint8_t *buf;            /* constant bytes, NULL if none */
  size_t buf_size;
  int quantized;                 /* has scale/zero point */
  mnv3_fb_vec scale, zp;         /* float32 / int64 vectors */
  int qdim;
  float *folded;                 /* float value from a folded DEQUANTIZE */
  int gid;                       /* graph tensor holding its value, or -1 */
  /* PAD folded into the conv that reads this tensor */
  int pad_src;                   /* -1: none */
  int pads[4];                   /* t, l, b, r */
  int conv_uses, other_uses;     /* consumers, for PAD folding */
} tfl_tensor;

/* One operator being translated. */
typedef struct {
  int index;
  int code;                      /* builtin code (or TFL_CUSTOM) */
  const char *custom;            /* custom code, NUL-terminated copy */
  int in[TFL_MAX_OP_IO];
  int num_in;
  int out[TFL_MAX_OP_IO];
  int num_out;
  mnv3_fb_table opts;            /* builtin options (pos 0 if absent) */
  const uint8_t *custom_opts;
  uint32_t custom_opts_len;
} tfl_op;

typedef struct {
  mnv3_fb fb;
  mnv3_fb_table model, sg;
  mnv3_fb_vec opcodes, buffers, tensors_v, ops_v;
  tfl_tensor *t;
  uint32_t nt;
  mnv3_graph *g;
  char custom_buf[64];
} tfl_ctx;

/* ---- names and errors ---------------------------------------------- */

static const char *
op_name (int code)
{
  switch (code) {
    case TFL_ADD: return "ADD";
    case TFL_AVERAGE_POOL_2D: return "AVERAGE_POOL_2D";
    case TFL_CONCATENATION: return "CONCATENATION";
    case TFL_CONV_2D: return "CONV_2D";
    case TFL_DEPTHWISE_CONV_2D: return "DEPTHWISE_CONV_2D";
    case TFL_DEQUANTIZE: return "DEQUANTIZE";
    case TFL_FULLY_CONNECTED: return "FULLY_CONNECTED";
    case TFL_LOGISTIC: return "LOGISTIC";
    case TFL_MAX_POOL_2D: return "MAX_POOL_2D";
    case TFL_MUL: return "MUL";
    case TFL_RELU: return "RELU";
    case TFL_RELU_N1_TO_1: return "RELU_N1_TO_1";
    case TFL_RELU6: return "RELU6";
    case TFL_RESHAPE: return "RESHAPE";
    case TFL_RESIZE_BILINEAR: return "RESIZE_BILINEAR";
    case TFL_SOFTMAX: return "SOFTMAX";
    case TFL_TANH: return "TANH";
    case TFL_CUSTOM: return "CUSTOM";
    case TFL_PAD: return "PAD";
    case TFL_PADV2: return "PADV2";
    case TFL_MEAN: return "MEAN";
    case TFL_SUB: return "SUB";
    case TFL_DIV: return "DIV";
    case TFL_SQUEEZE: return "SQUEEZE";
    case TFL_ARG_MAX: return "ARG_MAX";
    case TFL_TRANSPOSE_CONV: return "TRANSPOSE_CONV";
    case TFL_RESIZE_NEAREST_NEIGHBOR: return "RESIZE_NEAREST_NEIGHBOR";
    case TFL_QUANTIZE: return "QUANTIZE";
    case TFL_HARD_SWISH: return "HARD_SWISH";
    default: return "builtin";
  }
}

static const char *
type_name (int type)
{
  static const char *names[] = { "float32", "float16", "int32", "uint8",
    "int64", "string", "bool", "int16", "complex64", "int8", "float64" };
  return type >= 0 && type < (int) (sizeof names / sizeof *names) ?
      names[type] : "unknown";
}

/* Error about operator `op`: "tflite: operator 12 (CONV_2D -> 'name'): ..." */
static mnv3_status
op_error (tfl_ctx *c, const tfl_op *op, mnv3_status s, const char *what)
{
  const char *out = op->num_out > 0 && op->out[0] >= 0 ?
      c->t[op->out[0]].name : "";
  return mnv3_set_error (s, "tflite: operator %d (%s%s%s, output '%s'): %s",
      op->index, op_name (op->code), op->custom ? " " : "",
      op->custom ? op->custom : "", out, what);
}

static mnv3_status
corrupt (tfl_ctx *c, const char *where)
{
  return mnv3_set_error (MNV3_ERR_FORMAT,
      "tflite: corrupt file: %s (bad reference at offset %zu of %zu)", where,
      c->fb.bad_offset, c->fb.size);
}

static char *
copy_name (const char *s, uint32_t len, const char *fallback, int index)
{
  char *r;

  if (!s) {
    char tmp[48];
    snprintf (tmp, sizeof tmp, "%s%d", fallback, index);
    return strdup (tmp);
  }
  r = malloc ((size_t) len + 1);
  if (r) {
    memcpy (r, s, len);
    r[len] = '\0';
  }
  return r;
}

/* ---- reading the file -------------------------------------------------- */

static mnv3_status
read_buffer (tfl_ctx *c, uint32_t index, const uint8_t **data, size_t *size)
{
  mnv3_fb_table b;
  mnv3_fb_vec v;
  uint64_t off, len;

  *data = NULL;
  *size = 0;
  if (index == 0)      /* buffer 0 is the conventional empty buffer */
    return MNV3_OK;
  if (index >= c->buffers.len)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: buffer index %u out of range (%u buffers)", index,
        c->buffers.len);
  if (mnv3_fb_vec_table (&c->fb, &c->buffers, index, &b) < 0)
    return corrupt (c, "buffer table");
  if (mnv3_fb_vec_field (&c->fb, &b, TFL_BUFFER_DATA, 1, &v) < 0)
    return corrupt (c, "buffer data");
  if (v.len) {
    *data = mnv3_fb_vec_bytes (&c->fb, &v);
    *size = v.len;
    return MNV3_OK;
  }
  /* models over 2 GB keep data after the flatbuffer: offset from the start
   * of the file (offset 1 means "not set") */
  off = mnv3_fb_u64 (&c->fb, &b, TFL_BUFFER_OFFSET, 0);
  len = mnv3_fb_u64 (&c->fb, &b, TFL_BUFFER_SIZE, 0);
  if (off > 1 && len) {
    if (off > c->fb.size || len > c->fb.size - off)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "tflite: buffer %u [%llu, +%llu) lies outside the file (%zu bytes)",
          index, (unsigned long long) off, (unsigned long long) len,
          c->fb.size);
    *data = c->fb.data + off;
    *size = (size_t) len;
  }
  return mnv3_fb_ok (&c->fb) ? MNV3_OK : corrupt (c, "buffer");
}

static mnv3_status
read_tensor (tfl_ctx *c, uint32_t i, tfl_tensor *t)
{
  mnv3_fb_table tt, q;
  mnv3_fb_vec shape;
  const char *name;
  uint32_t name_len;
  mnv3_status st;

  t->gid = -1;
  t->pad_src = -1;
  if (mnv3_fb_vec_table (&c->fb, &c->tensors_v, i, &tt) < 0)
    return corrupt (c, "tensor table");
  name = mnv3_fb_string (&c->fb, &tt, TFL_TENSOR_NAME, &name_len);
  t->name = copy_name (name, name_len, "tensor", (int) i);
  if (!t->name)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  t->type = mnv3_fb_i8 (&c->fb, &tt, TFL_TENSOR_TYPE, TFL_FLOAT32);
  if (mnv3_fb_vec_field (&c->fb, &tt, TFL_TENSOR_SHAPE, 4, &shape) < 0)
    return corrupt (c, "tensor shape");
  if (shape.len > TFL_MAX_RANK)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: tensor %u '%s' has rank %u (at most %d)", i, t->name,
        shape.len, TFL_MAX_RANK);
  t->rank = (int) shape.len;
  t->numel = 1;
  for (int d = 0; d < t->rank; d++) {
    int64_t v = mnv3_fb_vec_i32 (&c->fb, &shape, (uint32_t) d);
    if (v < -1 || v > TFL_MAX_DIM)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "tflite: tensor %u '%s': dimension %d is %lld", i, t->name, d,
          (long long) v);
    t->dims[d] = v;
    if (v < 0 || t->numel < 0)
      t->numel = -1;
    else
      t->numel *= v;
    if (t->numel > TFL_MAX_NUMEL)
      return mnv3_set_error (MNV3_ERR_NOMEM,
          "tflite: tensor %u '%s' is absurdly large", i, t->name);
  }
  st = read_buffer (c, mnv3_fb_u32 (&c->fb, &tt, TFL_TENSOR_BUFFER, 0),
      &t->buf, &t->buf_size);
  if (st != MNV3_OK)
    return st;
  if (mnv3_fb_table_field (&c->fb, &tt, TFL_TENSOR_QUANT, &q) < 0)
    return corrupt (c, "quantization parameters");
  if (q.pos) {
    if (mnv3_fb_vec_field (&c->fb, &q, TFL_Q_SCALE, 4, &t->scale) < 0
        || mnv3_fb_vec_field (&c->fb, &q, TFL_Q_ZERO_POINT, 8, &t->zp) < 0)
      return corrupt (c, "quantization parameters");
    t->qdim = mnv3_fb_i32 (&c->fb, &q, TFL_Q_QUANTIZED_DIMENSION, 0);
    t->quantized = t->scale.len > 0;
  }
  return mnv3_fb_ok (&c->fb) ? MNV3_OK : corrupt (c, "tensor");
}

static mnv3_status
read_op (tfl_ctx *c, uint32_t i, tfl_op *op)
{
  mnv3_fb_table ot, code;
  mnv3_fb_vec ins, outs, copts;
  uint32_t idx, clen;
  const char *cc;
  int dep, builtin;

  memset (op, 0, sizeof *op);
  op->index = (int) i;
  if (mnv3_fb_vec_table (&c->fb, &c->ops_v, i, &ot) < 0)
    return corrupt (c, "operator table");
  idx = mnv3_fb_u32 (&c->fb, &ot, TFL_OP_OPCODE_INDEX, 0);
  if (idx >= c->opcodes.len)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: operator %u: opcode index %u out of range (%u codes)", i,
        idx, c->opcodes.len);
  if (mnv3_fb_vec_table (&c->fb, &c->opcodes, idx, &code) < 0)
    return corrupt (c, "operator code");
  /* schema 3a moved the code to an int32; old files only have the int8
   * (127 = "see builtin_code"); the larger of the two is the real one */
  dep = mnv3_fb_i8 (&c->fb, &code, TFL_OPCODE_DEPRECATED_BUILTIN, 0);
  builtin = mnv3_fb_i32 (&c->fb, &code, TFL_OPCODE_BUILTIN, 0);
  op->code = dep > builtin ? dep : builtin;
  cc = mnv3_fb_string (&c->fb, &code, TFL_OPCODE_CUSTOM, &clen);
  if (op->code == TFL_CUSTOM && cc) {
    if (clen >= sizeof c->custom_buf)
      clen = sizeof c->custom_buf - 1;
    memcpy (c->custom_buf, cc, clen);
    c->custom_buf[clen] = '\0';
    op->custom = c->custom_buf;
  }
  if (mnv3_fb_vec_field (&c->fb, &ot, TFL_OP_INPUTS, 4, &ins) < 0
      || mnv3_fb_vec_field (&c->fb, &ot, TFL_OP_OUTPUTS, 4, &outs) < 0
      || mnv3_fb_table_field (&c->fb, &ot, TFL_OP_BUILTIN_OPTIONS,
          &op->opts) < 0
      || mnv3_fb_vec_field (&c->fb, &ot, TFL_OP_CUSTOM_OPTIONS, 1,
          &copts) < 0)
    return corrupt (c, "operator");
  if (ins.len > TFL_MAX_OP_IO || outs.len > TFL_MAX_OP_IO)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "too many inputs/outputs");
  op->num_in = (int) ins.len;
  op->num_out = (int) outs.len;
  for (int k = 0; k < op->num_in; k++) {
    op->in[k] = mnv3_fb_vec_i32 (&c->fb, &ins, (uint32_t) k);
    if (op->in[k] < -1 || op->in[k] >= (int64_t) c->nt)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "tflite: operator %u: input %d is tensor %d of %u", i, k,
          op->in[k], c->nt);
  }
  for (int k = 0; k < op->num_out; k++) {
    op->out[k] = mnv3_fb_vec_i32 (&c->fb, &outs, (uint32_t) k);
    if (op->out[k] < 0 || op->out[k] >= (int64_t) c->nt)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "tflite: operator %u: output %d is tensor %d of %u", i, k,
          op->out[k], c->nt);
  }
  op->custom_opts = mnv3_fb_vec_bytes (&c->fb, &copts);
  op->custom_opts_len = copts.len;
  return mnv3_fb_ok (&c->fb) ? MNV3_OK : corrupt (c, "operator");
}

/* ---- constants --------------------------------------------------------- */

static float
half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h >> 15) << 31, exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff, bits;
  float f;

  if (exp == 0x1f)                       /* inf / nan */
    bits = sign | 0x7f800000u | (man << 13);
  else if (exp)                          /* normal */
    bits = sign | ((exp + 112) << 23) | (man << 13);
  else if (man) {                        /* subnormal: renormalise */
    int e = -1;
    do {
      man <<= 1;
      e++;
    } while (!(man & 0x400));
    bits = sign | ((uint32_t) (112 - e) << 23) | ((man & 0x3ff) << 13);
  } else
    bits = sign;
  memcpy (&f, &bits, sizeof f);
  return f;
}

static size_t
type_size (int type)
{
  switch (type) {
    case TFL_FLOAT32: case TFL_INT32: return 4;
    case TFL_FLOAT16: case TFL_INT16: return 2;
    case TFL_UINT8: case TFL_INT8: case TFL_BOOL: return 1;
    case TFL_INT64: case TFL_FLOAT64: return 8;
    default: return 0;
  }
}

static int
is_const (const tfl_tensor *t)
{
  return t->buf != NULL || t->folded != NULL;
}

/* Raw element k of a constant as a double (no dequantisation). */
static double
raw_elem (const tfl_tensor *t, int64_t k)
{
  const uint8_t *p = t->buf + (size_t) k * type_size (t->type);

  switch (t->type) {
    case TFL_FLOAT32:{ float v; memcpy (&v, p, 4); return v; }
    case TFL_FLOAT16:{ uint16_t v; memcpy (&v, p, 2); return half_to_float (v); }
    case TFL_INT32:{ int32_t v; memcpy (&v, p, 4); return v; }
    case TFL_INT16:{ int16_t v; memcpy (&v, p, 2); return v; }
    case TFL_UINT8: return *p;
    case TFL_INT8: return (int8_t) *p;
    case TFL_INT64:{ int64_t v; memcpy (&v, p, 8); return (double) v; }
    case TFL_FLOAT64:{ double v; memcpy (&v, p, 8); return v; }
    default: return 0.0;
  }
}

/* Check that a constant's bytes match its declared shape. */
static mnv3_status
check_const (tfl_ctx *c, int ti)
{
  const tfl_tensor *t = &c->t[ti];
  size_t es = type_size (t->type);

  if (t->folded)
    return MNV3_OK;
  if (!es)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: constant tensor %d '%s' has type %s", ti, t->name,
        type_name (t->type));
  if (t->numel < 0 || (uint64_t) t->numel * es != t->buf_size)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: constant tensor %d '%s': %zu bytes for %lld %s values", ti,
        t->name, t->buf_size, (long long) t->numel, type_name (t->type));
  return MNV3_OK;
}

/* Integer values of a small constant (shapes, axes, paddings). */
static mnv3_status
const_ints (tfl_ctx *c, const tfl_op *op, int ti, int64_t *out, int max,
    int *n)
{
  const tfl_tensor *t;
  mnv3_status st;

  if (ti < 0 || !c->t[ti].buf)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "needs a constant integer input");
  t = &c->t[ti];
  if ((st = check_const (c, ti)) != MNV3_OK)
    return st;
  if (t->type != TFL_INT32 && t->type != TFL_INT64)
    return op_error (c, op, MNV3_ERR_FORMAT, "integer input is not int32/64");
  if (t->numel > max)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "integer input too long");
  for (int64_t k = 0; k < t->numel; k++)
    out[k] = (int64_t) raw_elem (t, k);
  *n = (int) t->numel;
  return MNV3_OK;
}

/* Scale and zero point of channel `ch` (per-tensor when one value). */
static void
quant_params (const tfl_ctx *c, const tfl_tensor *t, int64_t ch,
    float *scale, int64_t *zp)
{
  uint32_t si = t->scale.len > 1 ? (uint32_t) ch : 0;
  uint32_t zi = t->zp.len > 1 ? (uint32_t) ch : 0;

  *scale = mnv3_fb_vec_f32 (&c->fb, &t->scale, si);
  *zp = t->zp.len ? mnv3_fb_vec_i64 (&c->fb, &t->zp, zi) : 0;
}

/* A constant as malloc'd float32 (numel values), dequantised.  For int32
 * biases without their own scale, `bias_scale` (s_in*s_w, may be NULL) is
 * used per output channel. */
static mnv3_status
const_floats (tfl_ctx *c, const tfl_op *op, int ti, const float *bias_scale,
    float **out)
{
  const tfl_tensor *t;
  int64_t inner = 1, nch = 1;
  float *f;
  mnv3_status st;

  *out = NULL;
  if (ti < 0 || !is_const (&c->t[ti]))
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "weights must be constant");
  t = &c->t[ti];
  if ((st = check_const (c, ti)) != MNV3_OK)
    return st;
  f = malloc ((size_t) (t->numel ? t->numel : 1) * sizeof *f);
  if (!f)
    return mnv3_set_error (MNV3_ERR_NOMEM, "tflite: out of memory for '%s'",
        t->name);
  if (t->folded) {
    memcpy (f, t->folded, (size_t) t->numel * sizeof *f);
    *out = f;
    return MNV3_OK;
  }
  if (t->quantized && t->scale.len > 1) {
    /* per-channel along quantized_dimension */
    if (t->qdim < 0 || t->qdim >= t->rank
        || t->dims[t->qdim] != (int64_t) t->scale.len
        || (t->zp.len > 1 && t->zp.len != t->scale.len)) {
      free (f);
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "tflite: tensor %d '%s': %u scales do not match dimension %d",
          ti, t->name, t->scale.len, t->qdim);
    }
    nch = t->dims[t->qdim];
    for (int d = t->qdim + 1; d < t->rank; d++)
      inner *= t->dims[d];
  }
  for (int64_t k = 0; k < t->numel; k++) {
    double v = raw_elem (t, k);
    int64_t ch = (k / inner) % nch;
    if (t->type == TFL_FLOAT32 || t->type == TFL_FLOAT16
        || t->type == TFL_FLOAT64)
      f[k] = (float) v;
    else if (t->quantized) {
      float s;
      int64_t zp;
      quant_params (c, t, ch, &s, &zp);
      f[k] = (float) (s * (v - (double) zp));
    } else if (bias_scale && t->type == TFL_INT32)
      f[k] = (float) (bias_scale[k] * v);
    else
      f[k] = (float) v;
  }
  *out = f;
  return MNV3_OK;
}

/* ---- shapes and graph tensors ----------------------------------------- */

/* The NHWC 4-D view of a TFLite shape (see graph.h): rank 1 [C] ->
 * (1,1,1,C), rank 2 [N,C] -> (N,1,1,C), rank 3 [N,H,W] -> (N,H,W,1).
 * Leading 1s of ranks > 4 are dropped. */
static int
nhwc_of (const int64_t *dims, int rank, int64_t out[4])
{
  int64_t d[4] = { 1, 1, 1, 1 };

  while (rank > 4 && dims[0] == 1) {
    dims++;
    rank--;
  }
  switch (rank) {
    case 0: break;
    case 1: d[3] = dims[0]; break;
    case 2: d[0] = dims[0]; d[3] = dims[1]; break;
    case 3: d[0] = dims[0]; d[1] = dims[1]; d[2] = dims[2]; break;
    case 4: memcpy (d, dims, sizeof d); break;
    default: return -1;
  }
  memcpy (out, d, sizeof d);
  return 0;
}

/* The NHWC axis of axis `a` of a rank-`rank` tensor (same mapping). */
static int
nhwc_axis (int a, int rank)
{
  if (a < 0)
    a += rank;
  if (a < 0 || a >= rank)
    return -1;
  switch (rank) {
    case 1: return 3;
    case 2: return a == 0 ? 0 : 3;
    case 3: return a;
    case 4: return a;
    default: return -1;
  }
}

static mnv3_status
add_graph_tensor (tfl_ctx *c, const char *name, const tfl_tensor *t,
    float *data, int *gid)
{
  int64_t d[4];

  *gid = -1;
  if (nhwc_of (t->dims, t->rank, d) < 0) {
    free (data);
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: tensor '%s' has rank %d (at most 4 supported)", t->name,
        t->rank);
  }
  *gid = mnv3_graph_add_tensor (c->g, name, t->rank, (int) d[0], (int) d[1],
      (int) d[2], (int) d[3], data);
  return *gid < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
}

/* Graph tensor holding the float value of TFLite tensor ti: an already
 * produced activation, or a constant materialised now. */
static mnv3_status
value_of (tfl_ctx *c, const tfl_op *op, int ti, int *gid)
{
  tfl_tensor *t;
  float *data;
  mnv3_status st;

  if (ti < 0)
    return op_error (c, op, MNV3_ERR_FORMAT, "missing required input");
  t = &c->t[ti];
  if (t->gid >= 0) {
    *gid = t->gid;
    return MNV3_OK;
  }
  if (!is_const (t) && op->index < 0)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: graph output tensor %d '%s' is never produced", ti, t->name);
  if (!is_const (t))
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: operator %d reads tensor %d '%s' before it is produced",
        op->index, ti, t->name);
  if ((st = const_floats (c, op, ti, NULL, &data)) != MNV3_OK)
    return st;
  if ((st = add_graph_tensor (c, t->name, t, data, &t->gid)) != MNV3_OK)
    return st;
  *gid = t->gid;
  return MNV3_OK;
}

/* Node output: a new graph tensor for TFLite tensor ti. */
static mnv3_status
produce (tfl_ctx *c, const tfl_op *op, int ti, const char *suffix, int *gid)
{
  tfl_tensor *t = &c->t[ti];
  char *name = NULL;
  mnv3_status st;

  *gid = -1;
  if (t->gid >= 0 || is_const (t))
    return op_error (c, op, MNV3_ERR_FORMAT,
        "output tensor is produced twice or is a constant");
  if (suffix) {
    size_t len = strlen (t->name) + strlen (suffix) + 1;
    name = malloc (len);
    if (!name)
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    snprintf (name, len, "%s%s", t->name, suffix);
  }
  st = add_graph_tensor (c, name ? name : t->name, t, NULL, gid);
  free (name);
  if (st != MNV3_OK)
    return st;
  if (!suffix)
    t->gid = *gid;
  return MNV3_OK;
}

/* ---- activations ------------------------------------------------------- */

static mnv3_status
fused_act (tfl_ctx *c, const tfl_op *op, int code, mnv3_act *act)
{
  act->a = act->b = 0.f;
  switch (code) {
    case TFL_ACT_NONE: act->type = MNV3_ACT_NONE; return MNV3_OK;
    case TFL_ACT_RELU: act->type = MNV3_ACT_RELU; return MNV3_OK;
    case TFL_ACT_RELU_N1_TO_1:
      act->type = MNV3_ACT_CLIP;
      act->a = -1.f;
      act->b = 1.f;
      return MNV3_OK;
    case TFL_ACT_RELU6:
      act->type = MNV3_ACT_CLIP;
      act->a = 0.f;
      act->b = 6.f;
      return MNV3_OK;
    default:
      return op_error (c, op, MNV3_ERR_UNSUPPORTED,
          code == TFL_ACT_TANH ? "fused TANH activation is not supported" :
          "unknown fused activation");
  }
}

/* Quantized models keep ReLU/ReLU6 only in the output range: an output
 * whose zero point is the type's minimum has a range starting at 0 (ReLU);
 * if the range also ends at ~6 it is ReLU6.  Applying it is exact with
 * respect to the quantized model, whose result is clamped to that range
 * anyway. */
static void
act_from_range (const tfl_ctx *c, int ti, mnv3_act *act)
{
  const tfl_tensor *t = &c->t[ti];
  int qmin, qmax;
  float s, hi;
  int64_t zp;

  if (act->type != MNV3_ACT_NONE || !t->quantized || t->scale.len != 1)
    return;
  if (t->type == TFL_UINT8) {
    qmin = 0;
    qmax = 255;
  } else if (t->type == TFL_INT8) {
    qmin = -128;
    qmax = 127;
  } else
    return;
  quant_params (c, t, 0, &s, &zp);
  if (zp != qmin || !(s > 0.f))
    return;
  hi = s * (float) (qmax - qmin);
  if (fabsf (hi - 6.f) <= 2.f * s) {
    act->type = MNV3_ACT_CLIP;
    act->a = 0.f;
    act->b = 6.f;
  } else
    act->type = MNV3_ACT_RELU;
}

/* ---- node emission ----------------------------------------------------- */

static void
node_init (mnv3_gnode *n, mnv3_op_type type, const char *name)
{
  memset (n, 0, sizeof *n);
  n->type = type;
  n->name = (char *) name;
  n->act.type = MNV3_ACT_NONE;
}

static int
kernel_takes_act (mnv3_op_type type)
{
  return type == MNV3_OP_CONV || type == MNV3_OP_CONV_TRANSPOSE
      || type == MNV3_OP_FC || type == MNV3_OP_BINARY
      || type == MNV3_OP_ACT;
}

/* Add node `n` producing TFLite tensor `ti`.  An activation the node's
 * kernel cannot fuse becomes a separate ACT node. */
static mnv3_status
emit (tfl_ctx *c, const tfl_op *op, mnv3_gnode *n, int ti)
{
  mnv3_status st;
  mnv3_act act = n->act;
  int mid, out;

  if (act.type == MNV3_ACT_NONE || kernel_takes_act (n->type)) {
    if ((st = produce (c, op, ti, NULL, &out)) != MNV3_OK)
      return st;
    n->output = out;
    return mnv3_graph_add_node (c->g, n) < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
  }
  if ((st = produce (c, op, ti, ":pre_act", &mid)) != MNV3_OK)
    return st;
  n->output = mid;
  n->act.type = MNV3_ACT_NONE;
  if (mnv3_graph_add_node (c->g, n) < 0)
    return MNV3_ERR_NOMEM;
  if ((st = produce (c, op, ti, NULL, &out)) != MNV3_OK)
    return st;
  node_init (n, MNV3_OP_ACT, c->t[ti].name);
  n->act = act;
  n->inputs[0] = mid;
  n->num_inputs = 1;
  n->output = out;
  return mnv3_graph_add_node (c->g, n) < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
}

static mnv3_status
need_io (tfl_ctx *c, const tfl_op *op, int min_in, int max_in)
{
  if (op->num_in < min_in || op->num_in > max_in || op->num_out < 1)
    return op_error (c, op, MNV3_ERR_FORMAT, "wrong number of inputs/outputs");
  for (int k = 0; k < min_in; k++)
    if (op->in[k] < 0)
      return op_error (c, op, MNV3_ERR_FORMAT, "missing required input");
  return MNV3_OK;
}

/* A graph const tensor with explicit NHWC dims (data taken over). */
static mnv3_status
add_const (tfl_ctx *c, const char *name, int rank, int n, int h, int w,
    int ch, float *data, int *gid)
{
  *gid = mnv3_graph_add_tensor (c->g, name, rank, n, h, w, ch, data);
  return *gid < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
}

/* Bias (optional input k) as a graph const of oc values. `in_ti`/`w_ti`
 * give s_in*s_w for int32 biases that lack their own scale. */
static mnv3_status
bias_input (tfl_ctx *c, const tfl_op *op, int k, int in_ti, int w_ti,
    int64_t oc, mnv3_gnode *n)
{
  int bi = op->num_in > k ? op->in[k] : -1;
  const tfl_tensor *b, *x = &c->t[in_ti], *w = &c->t[w_ti];
  float *scales = NULL, *data;
  mnv3_status st;
  int gid;

  if (bi < 0)
    return MNV3_OK;
  b = &c->t[bi];
  if (!is_const (b))
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "bias must be constant");
  if (b->numel != oc)
    return op_error (c, op, MNV3_ERR_SHAPE, "bias length differs from the "
        "output channels");
  if (b->type == TFL_INT32 && !b->quantized) {
    scales = malloc ((size_t) (oc ? oc : 1) * sizeof *scales);
    if (!scales)
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    for (int64_t o = 0; o < oc; o++) {
      float si = 0.f, sw = 0.f;
      int64_t zp;
      if (x->quantized)
        quant_params (c, x, 0, &si, &zp);
      if (w->quantized)
        quant_params (c, w, w->scale.len > 1 ? o : 0, &sw, &zp);
      scales[o] = si * sw;
    }
  }
  st = const_floats (c, op, bi, scales, &data);
  free (scales);
  if (st != MNV3_OK)
    return st;
  if ((st = add_const (c, b->name, 1, 1, 1, 1, (int) oc, data, &gid))
      != MNV3_OK)
    return st;
  n->inputs[n->num_inputs++] = gid;
  return MNV3_OK;
}

/* Input 0 of a convolution, following a folded PAD. */
static mnv3_status
conv_input (tfl_ctx *c, const tfl_op *op, mnv3_conv_attr *a, int *x_ti)
{
  tfl_tensor *x = &c->t[op->in[0]];

  *x_ti = op->in[0];
  if (x->pad_src < 0)
    return MNV3_OK;
  if (a->pad_mode != MNV3_PAD_VALID)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "PAD before a SAME-padded convolution");
  a->pad_mode = MNV3_PAD_EXPLICIT;
  a->pad_t = x->pads[0];
  a->pad_l = x->pads[1];
  a->pad_b = x->pads[2];
  a->pad_r = x->pads[3];
  *x_ti = x->pad_src;
  return MNV3_OK;
}

static mnv3_status
pad_mode_of (tfl_ctx *c, const tfl_op *op, int padding, mnv3_pad_mode *m)
{
  if (padding == TFL_PAD_SAME)
    *m = MNV3_PAD_SAME_UPPER;
  else if (padding == TFL_PAD_VALID)
    *m = MNV3_PAD_VALID;
  else
    return op_error (c, op, MNV3_ERR_FORMAT, "unknown padding");
  return MNV3_OK;
}

static mnv3_status
check_kernel (tfl_ctx *c, const tfl_op *op, int64_t kh, int64_t kw)
{
  if (kh < 1 || kw < 1 || kh > 4096 || kw > 4096)
    return op_error (c, op, MNV3_ERR_FORMAT, "bad kernel size");
  return MNV3_OK;
}

static mnv3_status
check_strides (tfl_ctx *c, const tfl_op *op, int sh, int sw, int dh, int dw)
{
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || sh > 1024 || sw > 1024
      || dh > 1024 || dw > 1024)
    return op_error (c, op, MNV3_ERR_FORMAT, "bad stride or dilation");
  return MNV3_OK;
}

static mnv3_status
import_conv (tfl_ctx *c, const tfl_op *op, int depthwise)
{
  mnv3_fb *fb = &c->fb;
  const mnv3_fb_table *o = &op->opts;
  mnv3_gnode n;
  mnv3_conv_attr *a = &n.u.conv;
  const tfl_tensor *w;
  int x_ti, xg, wg, act_code;
  int64_t oc, kh, kw, ic, in_c;
  float *wd;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 3)) != MNV3_OK)
    return st;
  node_init (&n, MNV3_OP_CONV, c->t[op->out[0]].name);
  w = &c->t[op->in[1]];
  if (w->rank != 4)
    return op_error (c, op, MNV3_ERR_FORMAT, "weights are not 4-D");
  a->sw = mnv3_fb_i32 (fb, o, depthwise ? TFL_DW_STRIDE_W : TFL_CONV_STRIDE_W,
      0);
  a->sh = mnv3_fb_i32 (fb, o, depthwise ? TFL_DW_STRIDE_H : TFL_CONV_STRIDE_H,
      0);
  a->dw = mnv3_fb_i32 (fb, o,
      depthwise ? TFL_DW_DILATION_W : TFL_CONV_DILATION_W, 1);
  a->dh = mnv3_fb_i32 (fb, o,
      depthwise ? TFL_DW_DILATION_H : TFL_CONV_DILATION_H, 1);
  act_code = mnv3_fb_i8 (fb, o, depthwise ? TFL_DW_ACT : TFL_CONV_ACT, 0);
  if ((st = check_strides (c, op, a->sh, a->sw, a->dh, a->dw)) != MNV3_OK
      || (st = pad_mode_of (c, op, mnv3_fb_i8 (fb, o, TFL_CONV_PADDING, 0),
              &a->pad_mode)) != MNV3_OK
      || (st = fused_act (c, op, act_code, &n.act)) != MNV3_OK
      || (st = conv_input (c, op, a, &x_ti)) != MNV3_OK)
    return st;
  act_from_range (c, op->out[0], &n.act);
  kh = w->dims[1];
  kw = w->dims[2];
  if ((st = check_kernel (c, op, kh, kw)) != MNV3_OK)
    return st;
  in_c = c->t[x_ti].rank == 4 ? c->t[x_ti].dims[3] : -1;
  if ((st = const_floats (c, op, op->in[1], NULL, &wd)) != MNV3_OK)
    return st;
  if (depthwise) {
    /* [1][kh][kw][oc] -> [oc][kh][kw][1]; oc = in_c * depth_multiplier */
    float *t;
    oc = w->dims[3];
    if (w->dims[0] != 1 || in_c <= 0 || oc % in_c) {
      free (wd);
      return op_error (c, op, MNV3_ERR_SHAPE,
          "depthwise weights do not match the input channels");
    }
    t = malloc ((size_t) (w->numel ? w->numel : 1) * sizeof *t);
    if (!t) {
      free (wd);
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    }
    for (int64_t k = 0; k < kh * kw; k++)
      for (int64_t ch = 0; ch < oc; ch++)
        t[ch * kh * kw + k] = wd[k * oc + ch];
    free (wd);
    wd = t;
    ic = 1;
    a->groups = (int) in_c;
  } else {
    oc = w->dims[0];
    ic = w->dims[3];
    if (ic <= 0 || in_c <= 0 || in_c % ic) {
      free (wd);
      return op_error (c, op, MNV3_ERR_SHAPE,
          "weights do not match the input channels");
    }
    a->groups = (int) (in_c / ic);
  }
  a->kh = (int) kh;
  a->kw = (int) kw;
  if ((st = add_const (c, w->name, 4, (int) oc, (int) kh, (int) kw, (int) ic,
          wd, &wg)) != MNV3_OK
      || (st = value_of (c, op, x_ti, &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.inputs[1] = wg;
  n.num_inputs = 2;
  if ((st = bias_input (c, op, 2, x_ti, op->in[1], oc, &n)) != MNV3_OK)
    return st;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_fc (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  const tfl_tensor *w;
  int xg, wg;
  float *wd;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 3)) != MNV3_OK)
    return st;
  node_init (&n, MNV3_OP_FC, c->t[op->out[0]].name);
  w = &c->t[op->in[1]];
  if (w->rank != 2)
    return op_error (c, op, MNV3_ERR_FORMAT, "weights are not 2-D");
  if (mnv3_fb_i8 (&c->fb, &op->opts, TFL_FC_WEIGHTS_FORMAT, 0) != 0)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "shuffled weights format");
  if ((st = fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts, TFL_FC_ACT, 0),
              &n.act)) != MNV3_OK)
    return st;
  act_from_range (c, op->out[0], &n.act);
  if ((st = const_floats (c, op, op->in[1], NULL, &wd)) != MNV3_OK
      || (st = add_const (c, w->name, 2, (int) w->dims[0], 1, 1,
              (int) w->dims[1], wd, &wg)) != MNV3_OK
      || (st = value_of (c, op, op->in[0], &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.inputs[1] = wg;
  n.num_inputs = 2;
  if ((st = bias_input (c, op, 2, op->in[0], op->in[1], w->dims[0], &n))
      != MNV3_OK)
    return st;
  return emit (c, op, &n, op->out[0]);
}

/* TRANSPOSE_CONV (inputs: output_shape, weights, x, [bias]) and MediaPipe's
 * Convolution2DTransposeBias (x, weights, bias; params in custom options).
 * The padding is made explicit from the declared shapes: for SAME the
 * total (k - s when out = in*s) does not depend on the input size. */
static mnv3_status
import_deconv (tfl_ctx *c, const tfl_op *op, int custom)
{
  mnv3_gnode n;
  mnv3_conv_attr *a = &n.u.conv;
  int x_ti, w_ti, xg, wg, same;
  const tfl_tensor *w, *x, *y;
  int64_t oc, kh, kw, ic, tot_h, tot_w;
  float *wd;
  mnv3_status st;

  node_init (&n, MNV3_OP_CONV_TRANSPOSE, c->t[op->out[0]].name);
  if (custom) {
    int32_t p[3];
    if ((st = need_io (c, op, 3, 3)) != MNV3_OK)
      return st;
    if (!op->custom_opts || op->custom_opts_len < sizeof p)
      return op_error (c, op, MNV3_ERR_FORMAT, "missing custom options");
    memcpy (p, op->custom_opts, sizeof p);
    if (p[0] != MP_PAD_SAME && p[0] != MP_PAD_VALID)
      return op_error (c, op, MNV3_ERR_FORMAT, "unknown padding");
    same = p[0] == MP_PAD_SAME;
    a->sw = p[1];
    a->sh = p[2];
    x_ti = op->in[0];
    w_ti = op->in[1];
  } else {
    int pad;
    if ((st = need_io (c, op, 3, 4)) != MNV3_OK)
      return st;
    pad = mnv3_fb_i8 (&c->fb, &op->opts, TFL_TCONV_PADDING, 0);
    if (pad != TFL_PAD_SAME && pad != TFL_PAD_VALID)
      return op_error (c, op, MNV3_ERR_FORMAT, "unknown padding");
    same = pad == TFL_PAD_SAME;
    a->sw = mnv3_fb_i32 (&c->fb, &op->opts, TFL_TCONV_STRIDE_W, 0);
    a->sh = mnv3_fb_i32 (&c->fb, &op->opts, TFL_TCONV_STRIDE_H, 0);
    if ((st = fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts,
                    TFL_TCONV_ACT, 0), &n.act)) != MNV3_OK)
      return st;
    x_ti = op->in[2];
    w_ti = op->in[1];
  }
  a->dh = a->dw = 1;
  a->groups = 1;
  a->pad_mode = MNV3_PAD_EXPLICIT;
  if ((st = check_strides (c, op, a->sh, a->sw, 1, 1)) != MNV3_OK)
    return st;
  act_from_range (c, op->out[0], &n.act);
  w = &c->t[w_ti];
  x = &c->t[x_ti];
  y = &c->t[op->out[0]];
  if (w->rank != 4 || x->rank != 4 || y->rank != 4)
    return op_error (c, op, MNV3_ERR_SHAPE, "tensors are not 4-D");
  oc = w->dims[0];
  kh = w->dims[1];
  kw = w->dims[2];
  ic = w->dims[3];
  if ((st = check_kernel (c, op, kh, kw)) != MNV3_OK)
    return st;
  if (ic != x->dims[3] || oc != y->dims[3])
    return op_error (c, op, MNV3_ERR_SHAPE,
        "weights do not match the input/output channels");
  /* total padding from the declared sizes; a negative total (output larger
   * than the full transposed conv) is output padding */
  tot_h = (x->dims[1] - 1) * a->sh + kh - y->dims[1];
  tot_w = (x->dims[2] - 1) * a->sw + kw - y->dims[2];
  if (same || tot_h || tot_w) {
    if (tot_h < 0)
      a->out_pad_h = (int) -tot_h;
    else {
      a->pad_t = (int) (tot_h / 2);
      a->pad_b = (int) (tot_h - tot_h / 2);
    }
    if (tot_w < 0)
      a->out_pad_w = (int) -tot_w;
    else {
      a->pad_l = (int) (tot_w / 2);
      a->pad_r = (int) (tot_w - tot_w / 2);
    }
  }
  a->kh = (int) kh;
  a->kw = (int) kw;
  if ((st = const_floats (c, op, w_ti, NULL, &wd)) != MNV3_OK
      || (st = add_const (c, w->name, 4, (int) oc, (int) kh, (int) kw,
              (int) ic, wd, &wg)) != MNV3_OK
      || (st = value_of (c, op, x_ti, &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.inputs[1] = wg;
  n.num_inputs = 2;
  if ((st = bias_input (c, op, custom ? 2 : 3, x_ti, w_ti, oc, &n))
      != MNV3_OK)
    return st;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_binary (tfl_ctx *c, const tfl_op *op, mnv3_binary_op bop)
{
  mnv3_gnode n;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 2)) != MNV3_OK)
    return st;
  node_init (&n, MNV3_OP_BINARY, c->t[op->out[0]].name);
  n.u.binary = bop;
  if ((st = fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts, TFL_BINARY_ACT,
                  0), &n.act)) != MNV3_OK
      || (st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK
      || (st = value_of (c, op, op->in[1], &n.inputs[1])) != MNV3_OK)
    return st;
  n.num_inputs = 2;
  act_from_range (c, op->out[0], &n.act);
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_act (tfl_ctx *c, const tfl_op *op, mnv3_act_type type, float a,
    float b)
{
  mnv3_gnode n;
  mnv3_status st;

  if ((st = need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  node_init (&n, MNV3_OP_ACT, c->t[op->out[0]].name);
  n.act.type = type;
  n.act.a = a;
  n.act.b = b;
  if ((st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_pool (tfl_ctx *c, const tfl_op *op, mnv3_pool_type type)
{
  mnv3_fb *fb = &c->fb;
  mnv3_gnode n;
  mnv3_pool_attr *p = &n.u.pool;
  const tfl_tensor *x;
  mnv3_status st;

  if ((st = need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  node_init (&n, MNV3_OP_POOL, c->t[op->out[0]].name);
  p->type = type;
  p->sw = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_STRIDE_W, 0);
  p->sh = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_STRIDE_H, 0);
  p->kw = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_FILTER_W, 0);
  p->kh = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_FILTER_H, 0);
  p->count_include_pad = 0;     /* TFLite averages over valid cells only */
  if ((st = check_strides (c, op, p->sh, p->sw, p->kh, p->kw)) != MNV3_OK
      || (st = pad_mode_of (c, op, mnv3_fb_i8 (fb, &op->opts,
                  TFL_POOL_PADDING, 0), &p->pad_mode)) != MNV3_OK
      || (st = fused_act (c, op, mnv3_fb_i8 (fb, &op->opts, TFL_POOL_ACT, 0),
              &n.act)) != MNV3_OK
      || (st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  x = &c->t[op->in[0]];
  /* a window covering the whole declared input is a global pool (it must
   * stay global when a session runs another input size) */
  if (x->rank == 4 && p->kh == x->dims[1] && p->kw == x->dims[2]
      && (p->pad_mode == MNV3_PAD_VALID || (p->sh == 1 && p->sw == 1)))
    p->global = c->t[op->out[0]].rank == 4
        && c->t[op->out[0]].dims[1] == 1 && c->t[op->out[0]].dims[2] == 1;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_mean (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int64_t axes[8];
  int na, seen_h = 0, seen_w = 0;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 2)) != MNV3_OK
      || (st = const_ints (c, op, op->in[1], axes, 8, &na)) != MNV3_OK)
    return st;
  if (c->t[op->in[0]].rank != 4)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "MEAN of a non-4-D tensor");
  for (int k = 0; k < na; k++) {
    int64_t ax = axes[k] < 0 ? axes[k] + 4 : axes[k];
    if (ax == 1)
      seen_h = 1;
    else if (ax == 2)
      seen_w = 1;
    else
      return op_error (c, op, MNV3_ERR_UNSUPPORTED,
          "MEAN is supported over H and W only");
  }
  if (!seen_h || !seen_w)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "MEAN is supported over H and W together only");
  node_init (&n, MNV3_OP_POOL, c->t[op->out[0]].name);
  n.u.pool.type = MNV3_POOL_AVG;
  n.u.pool.global = 1;
  n.u.pool.kh = n.u.pool.kw = n.u.pool.sh = n.u.pool.sw = 1;
  n.u.pool.pad_mode = MNV3_PAD_VALID;
  if ((st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return emit (c, op, &n, op->out[0]);
}

/* RESHAPE / SQUEEZE: the target is the output's declared shape, with the
 * file's -1 kept where RESHAPE's shape input/option has one. */
static mnv3_status
import_reshape (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  const tfl_tensor *y = &c->t[op->out[0]];
  int64_t shape[TFL_MAX_RANK], d[4];
  int ns = 0;
  mnv3_status st;

  if ((st = need_io (c, op, 1, 2)) != MNV3_OK)
    return st;
  node_init (&n, MNV3_OP_RESHAPE, y->name);
  if (op->code == TFL_RESHAPE && op->num_in == 2 && op->in[1] >= 0
      && c->t[op->in[1]].buf) {
    if ((st = const_ints (c, op, op->in[1], shape, TFL_MAX_RANK, &ns))
        != MNV3_OK)
      return st;
    if (ns != y->rank)
      ns = 0;
  }
  if (!ns) {
    memcpy (shape, y->dims, sizeof shape);
    ns = y->rank;
  }
  for (int k = 0; k < ns; k++)
    if (shape[k] < -1 || shape[k] > TFL_MAX_DIM)
      return op_error (c, op, MNV3_ERR_FORMAT, "bad target shape");
  if (nhwc_of (shape, ns, d) < 0)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "target rank above 4");
  memcpy (n.u.reshape.shape, d, sizeof d);
  n.u.reshape.nchw_source = 0;
  if ((st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_softmax (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  float beta;
  mnv3_status st;

  if ((st = need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  beta = mnv3_fb_f32 (&c->fb, &op->opts, TFL_SOFTMAX_BETA, 1.f);
  if (fabsf (beta - 1.f) > 1e-6f)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "softmax beta != 1");
  node_init (&n, MNV3_OP_SOFTMAX, c->t[op->out[0]].name);
  if ((st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_concat (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int axis;
  mnv3_status st;

  if (op->num_in < 1 || op->num_in > MNV3_MAX_NODE_INPUTS || op->num_out < 1)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "number of inputs not supported");
  node_init (&n, MNV3_OP_CONCAT, c->t[op->out[0]].name);
  axis = nhwc_axis (mnv3_fb_i32 (&c->fb, &op->opts, TFL_CONCAT_AXIS, 0),
      c->t[op->out[0]].rank);
  if (axis < 0)
    return op_error (c, op, MNV3_ERR_FORMAT, "bad axis");
  n.u.concat_axis = axis;
  if ((st = fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts, TFL_CONCAT_ACT,
                  0), &n.act)) != MNV3_OK)
    return st;
  for (int k = 0; k < op->num_in; k++)
    if ((st = value_of (c, op, op->in[k], &n.inputs[k])) != MNV3_OK)
      return st;
  n.num_inputs = op->num_in;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_resize (tfl_ctx *c, const tfl_op *op, int nearest)
{
  mnv3_gnode n;
  mnv3_resize_attr *r = &n.u.resize;
  int64_t size[4];
  int ns, ac, hp;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 2)) != MNV3_OK
      || (st = const_ints (c, op, op->in[1], size, 4, &ns)) != MNV3_OK)
    return st;
  if (ns != 2 || size[0] < 1 || size[1] < 1 || size[0] > TFL_MAX_DIM
      || size[1] > TFL_MAX_DIM)
    return op_error (c, op, MNV3_ERR_FORMAT, "bad size input");
  node_init (&n, MNV3_OP_RESIZE, c->t[op->out[0]].name);
  ac = mnv3_fb_u8 (&c->fb, &op->opts, nearest ?
      TFL_RESIZE_NEAREST_ALIGN_CORNERS : TFL_RESIZE_BILINEAR_ALIGN_CORNERS, 0);
  hp = mnv3_fb_u8 (&c->fb, &op->opts, nearest ?
      TFL_RESIZE_NEAREST_HALF_PIXEL : TFL_RESIZE_BILINEAR_HALF_PIXEL, 0);
  if (nearest && (ac || hp))
    /* TF rounds (align corners) or floors (o+0.5)/scale (half pixel); the
     * kernel's nearest mode floors o/scale only */
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "nearest resize with align_corners/half_pixel_centers");
  r->size_mode = MNV3_RESIZE_SIZE_FIXED;
  r->out_h = (int) size[0];
  r->out_w = (int) size[1];
  r->coord = ac ? MNV3_COORD_ALIGN_CORNERS :
      hp ? MNV3_COORD_HALF_PIXEL : MNV3_COORD_ASYMMETRIC;
  r->nearest = nearest;
  if ((st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return emit (c, op, &n, op->out[0]);
}

static mnv3_status
import_argmax (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int64_t axis;
  int na;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 2)) != MNV3_OK
      || (st = const_ints (c, op, op->in[1], &axis, 1, &na)) != MNV3_OK)
    return st;
  if (na != 1 || nhwc_axis ((int) axis, c->t[op->in[0]].rank) != 3)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "ARG_MAX is supported over the channel axis only");
  node_init (&n, MNV3_OP_ARGMAX, c->t[op->out[0]].name);
  if ((st = value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return emit (c, op, &n, op->out[0]);
}

/* DEQUANTIZE / QUANTIZE: a constant input is folded (fp16 weights); an
 * activation keeps its real value in float execution, so the output is
 * the same graph tensor. */
static mnv3_status
import_identity (tfl_ctx *c, const tfl_op *op)
{
  tfl_tensor *x, *y;
  mnv3_status st;

  if ((st = need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  x = &c->t[op->in[0]];
  y = &c->t[op->out[0]];
  if (y->gid >= 0 || is_const (y))
    return op_error (c, op, MNV3_ERR_FORMAT, "output produced twice");
  if (is_const (x) && x->gid < 0) {
    if (x->numel != y->numel)
      return op_error (c, op, MNV3_ERR_SHAPE, "input and output sizes differ");
    return const_floats (c, op, op->in[0], NULL, &y->folded);
  }
  return value_of (c, op, op->in[0], &y->gid);
}

/* PAD is kept only as the explicit padding of the VALID convolutions that
 * read it (the usual TF export of asymmetric or "torch-style" padding). */
static mnv3_status
import_pad (tfl_ctx *c, const tfl_op *op)
{
  tfl_tensor *x, *y;
  int64_t p[8];
  int np;
  mnv3_status st;

  if ((st = need_io (c, op, 2, 3)) != MNV3_OK
      || (st = const_ints (c, op, op->in[1], p, 8, &np)) != MNV3_OK)
    return st;
  x = &c->t[op->in[0]];
  y = &c->t[op->out[0]];
  if (op->num_in == 3 && op->in[2] >= 0) {
    float *v;
    int zero;
    if ((st = const_floats (c, op, op->in[2], NULL, &v)) != MNV3_OK)
      return st;
    zero = c->t[op->in[2]].numel == 1 && v[0] == 0.f;
    free (v);
    if (!zero)
      return op_error (c, op, MNV3_ERR_UNSUPPORTED, "non-zero pad value");
  }
  if (np != 8 || x->rank != 4)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED, "PAD of a non-4-D tensor");
  if (p[0] || p[1] || p[6] || p[7])
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "PAD of the batch or channel axis");
  for (int k = 2; k < 6; k++)
    if (p[k] < 0 || p[k] > 4096)
      return op_error (c, op, MNV3_ERR_FORMAT, "bad padding amount");
  if (y->other_uses || !y->conv_uses)
    return op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "PAD is supported only in front of VALID convolutions");
  if (is_const (x) || y->gid >= 0 || y->pad_src >= 0)
    return op_error (c, op, MNV3_ERR_FORMAT, "bad PAD operands");
  y->pad_src = op->in[0];
  y->pads[0] = (int) p[2];
  y->pads[1] = (int) p[4];
  y->pads[2] = (int) p[3];
  y->pads[3] = (int) p[5];
  return MNV3_OK;
}

static mnv3_status
import_op (tfl_ctx *c, const tfl_op *op)
{
  switch (op->code) {
    case TFL_CONV_2D: return import_conv (c, op, 0);
    case TFL_DEPTHWISE_CONV_2D: return import_conv (c, op, 1);
    case TFL_FULLY_CONNECTED: return import_fc (c, op);
    case TFL_TRANSPOSE_CONV: return import_deconv (c, op, 0);
    case TFL_ADD: return import_binary (c, op, MNV3_BINARY_ADD);
    case TFL_SUB: return import_binary (c, op, MNV3_BINARY_SUB);
    case TFL_MUL: return import_binary (c, op, MNV3_BINARY_MUL);
    case TFL_DIV: return import_binary (c, op, MNV3_BINARY_DIV);
    case TFL_HARD_SWISH: return import_act (c, op, MNV3_ACT_HSWISH, 0, 0);
    case TFL_RELU: return import_act (c, op, MNV3_ACT_RELU, 0, 0);
    case TFL_RELU6: return import_act (c, op, MNV3_ACT_CLIP, 0, 6);
    case TFL_RELU_N1_TO_1: return import_act (c, op, MNV3_ACT_CLIP, -1, 1);
    case TFL_LOGISTIC: return import_act (c, op, MNV3_ACT_SIGMOID, 0, 0);
    case TFL_AVERAGE_POOL_2D: return import_pool (c, op, MNV3_POOL_AVG);
    case TFL_MAX_POOL_2D: return import_pool (c, op, MNV3_POOL_MAX);
    case TFL_MEAN: return import_mean (c, op);
    case TFL_RESHAPE: case TFL_SQUEEZE: return import_reshape (c, op);
    case TFL_SOFTMAX: return import_softmax (c, op);
    case TFL_CONCATENATION: return import_concat (c, op);
    case TFL_RESIZE_BILINEAR: return import_resize (c, op, 0);
    case TFL_RESIZE_NEAREST_NEIGHBOR: return import_resize (c, op, 1);
    case TFL_ARG_MAX: return import_argmax (c, op);
    case TFL_DEQUANTIZE: case TFL_QUANTIZE: return import_identity (c, op);
    case TFL_PAD: case TFL_PADV2: return import_pad (c, op);
    case TFL_CUSTOM:
      if (op->custom && !strcmp (op->custom, "Convolution2DTransposeBias"))
        return import_deconv (c, op, 1);
      return op_error (c, op, MNV3_ERR_UNSUPPORTED,
          "custom operator not supported");
    default:{
      char msg[64];
      snprintf (msg, sizeof msg, "builtin operator %d not supported",
          op->code);
      return op_error (c, op, MNV3_ERR_UNSUPPORTED, msg);
    }
  }
}

/* ---- the model --------------------------------------------------------- */

/* Count who reads each tensor, for PAD folding. */
static mnv3_status
count_uses (tfl_ctx *c)
{
  tfl_op op;
  mnv3_status st;

  for (uint32_t i = 0; i < c->ops_v.len; i++) {
    if ((st = read_op (c, i, &op)) != MNV3_OK)
      return st;
    for (int k = 0; k < op.num_in; k++) {
      int ti = op.in[k];
      int conv = k == 0 && (op.code == TFL_CONV_2D
          || op.code == TFL_DEPTHWISE_CONV_2D);
      if (ti < 0)
        continue;
      if (conv)
        c->t[ti].conv_uses++;
      else
        c->t[ti].other_uses++;
    }
  }
  return MNV3_OK;
}

/* A quantized uint8/int8 input: record the pixel normalisation it implies
 * (tensor = (pixel - mean) / std, pixels 0..255; int8 pixels are shifted
 * by -128 as TFLite's image pipelines do). */
static mnv3_status
input_meta (tfl_ctx *c, const tfl_tensor *t)
{
  float s;
  int64_t zp;
  double mean, std;
  char buf[96];
  mnv3_status st;

  if (!t->quantized || (t->type != TFL_UINT8 && t->type != TFL_INT8))
    return MNV3_OK;
  quant_params (c, t, 0, &s, &zp);
  if (!(s > 0.f))
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: input '%s' has a bad scale", t->name);
  mean = (double) zp + (t->type == TFL_INT8 ? 128.0 : 0.0);
  std = 1.0 / s;
  snprintf (buf, sizeof buf, "%g,%g,%g", mean, mean, mean);
  if ((st = mnv3_graph_set_meta (c->g, "mean", buf)) != MNV3_OK)
    return st;
  snprintf (buf, sizeof buf, "%g,%g,%g", std, std, std);
  return mnv3_graph_set_meta (c->g, "std", buf);
}

static mnv3_status
import_io (tfl_ctx *c, int outputs)
{
  mnv3_fb_vec v;
  tfl_op none = { .index = -1 };
  mnv3_status st;

  if (mnv3_fb_vec_field (&c->fb, &c->sg, outputs ? TFL_SG_OUTPUTS :
          TFL_SG_INPUTS, 4, &v) < 0)
    return corrupt (c, "subgraph inputs/outputs");
  if (!v.len)
    return mnv3_set_error (MNV3_ERR_FORMAT, "tflite: the model has no %s",
        outputs ? "outputs" : "inputs");
  for (uint32_t k = 0; k < v.len; k++) {
    int ti = mnv3_fb_vec_i32 (&c->fb, &v, k), gid;
    tfl_tensor *t;
    if (ti < 0 || (uint32_t) ti >= c->nt)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "tflite: graph %s %u is tensor %d of %u",
          outputs ? "output" : "input", k, ti, c->nt);
    t = &c->t[ti];
    if (outputs) {
      if ((st = value_of (c, &none, ti, &gid)) != MNV3_OK)
        return st;
      if ((st = mnv3_graph_add_output (c->g, gid)) != MNV3_OK)
        return st;
      continue;
    }
    if (is_const (t) || t->gid >= 0)
      continue;               /* a constant listed as input: not an input */
    if (t->rank != 4 && t->rank != 2)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "tflite: input '%s' has rank %d", t->name, t->rank);
    if (t->type != TFL_FLOAT32 && t->type != TFL_UINT8
        && t->type != TFL_INT8)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "tflite: input '%s' has type %s", t->name, type_name (t->type));
    if ((st = add_graph_tensor (c, t->name, t, NULL, &gid)) != MNV3_OK)
      return st;
    t->gid = gid;
    if ((st = mnv3_graph_add_input (c->g, gid)) != MNV3_OK
        || (st = input_meta (c, t)) != MNV3_OK)
      return st;
  }
  return MNV3_OK;
}

static mnv3_status
import_model (tfl_ctx *c, const void *data, size_t size)
{
  mnv3_fb_vec subgraphs;
  uint32_t version;
  int r;
  mnv3_status st;

  mnv3_fb_init (&c->fb, data, size);
  r = mnv3_fb_root (&c->fb, TFL_IDENTIFIER, &c->model);
  if (r == -2)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: not a TFLite file (identifier is not \"TFL3\")");
  if (r < 0)
    return corrupt (c, "header");
  version = mnv3_fb_u32 (&c->fb, &c->model, TFL_MODEL_VERSION, 0);
  if (version != TFL_SCHEMA_VERSION)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: schema version %u (expected %d)", version,
        TFL_SCHEMA_VERSION);
  if (mnv3_fb_vec_field (&c->fb, &c->model, TFL_MODEL_OPERATOR_CODES, 4,
          &c->opcodes) < 0
      || mnv3_fb_vec_field (&c->fb, &c->model, TFL_MODEL_SUBGRAPHS, 4,
          &subgraphs) < 0
      || mnv3_fb_vec_field (&c->fb, &c->model, TFL_MODEL_BUFFERS, 4,
          &c->buffers) < 0)
    return corrupt (c, "model table");
  if (!subgraphs.len)
    return mnv3_set_error (MNV3_ERR_FORMAT, "tflite: no subgraph");
  if (mnv3_fb_vec_table (&c->fb, &subgraphs, 0, &c->sg) < 0
      || mnv3_fb_vec_field (&c->fb, &c->sg, TFL_SG_TENSORS, 4,
          &c->tensors_v) < 0
      || mnv3_fb_vec_field (&c->fb, &c->sg, TFL_SG_OPERATORS, 4,
          &c->ops_v) < 0)
    return corrupt (c, "subgraph");
  if (!c->ops_v.len)
    return mnv3_set_error (MNV3_ERR_FORMAT, "tflite: no operators");
  if (c->ops_v.len > MNV3_MAX_NODES || c->tensors_v.len > TFL_MAX_COUNT
      || c->buffers.len > TFL_MAX_COUNT || c->opcodes.len > TFL_MAX_COUNT)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: %u tensors, %u operators, %u buffers: too many",
        c->tensors_v.len, c->ops_v.len, c->buffers.len);
  c->nt = c->tensors_v.len;
  c->t = calloc (c->nt ? c->nt : 1, sizeof *c->t);
  if (!c->t)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < c->nt; i++)
    if ((st = read_tensor (c, i, &c->t[i])) != MNV3_OK)
      return st;
  if ((st = count_uses (c)) != MNV3_OK)
    return st;
  c->g = mnv3_graph_new ();
  if (!c->g)
    return MNV3_ERR_NOMEM;
  if ((st = mnv3_graph_set_meta (c->g, "format", "tflite")) != MNV3_OK
      || (st = import_io (c, 0)) != MNV3_OK)
    return st;
  for (uint32_t i = 0; i < c->ops_v.len; i++) {
    tfl_op op;
    if ((st = read_op (c, i, &op)) != MNV3_OK
        || (st = import_op (c, &op)) != MNV3_OK)
      return st;
  }
  if (!c->g->num_inputs)
    return mnv3_set_error (MNV3_ERR_FORMAT, "tflite: the model has no inputs");
  return import_io (c, 1);
}

mnv3_status
mnv3_tflite_import (const void *data, size_t size, mnv3_graph **out)
{
  tfl_ctx c;
  mnv3_status st;

  if (!data || !out)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "tflite: NULL argument");
  *out = NULL;
  memset (&c, 0, sizeof c);
  st = import_model (&c, data, size);
  if (c.t)
    for (uint32_t i = 0; i < c.nt; i++) {
      free (c.t[i].name);
      free (c.t[i].folded);
    }
  free (c.t);
  if (st != MNV3_OK) {
    mnv3_graph_free (c.g);
    return st;
  }
  *out = c.g;
  return MNV3_OK;
}
