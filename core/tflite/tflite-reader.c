/* tflite-reader.c — names, errors and reading the flatbuffer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite-internal.h"

/* ---- names and errors ---------------------------------------------- */

static const char *
tfl_op_name (int code)
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

const char *
tfl_type_name (int type)
{
  static const char *names[] = { "float32", "float16", "int32", "uint8",
    "int64", "string", "bool", "int16", "complex64", "int8", "float64" };
  return type >= 0 && type < (int) (sizeof names / sizeof *names) ?
      names[type] : "unknown";
}

/* Error about operator `op`: "tflite: operator 12 (CONV_2D -> 'name'): ..." */
mnv3_status
tfl_op_error (tfl_ctx *c, const tfl_op *op, mnv3_status s, const char *what)
{
  const char *out = op->num_out > 0 && op->out[0] >= 0 ?
      c->t[op->out[0]].name : "";
  return mnv3_set_error (s, "tflite: operator %d (%s%s%s, output '%s'): %s",
      op->index, tfl_op_name (op->code), op->custom ? " " : "",
      op->custom ? op->custom : "", out, what);
}

mnv3_status
tfl_corrupt (tfl_ctx *c, const char *where)
{
  return mnv3_set_error (MNV3_ERR_FORMAT,
      "tflite: tfl_corrupt file: %s (bad reference at offset %zu of %zu)", where,
      c->fb.bad_offset, c->fb.size);
}

static char *
tfl_copy_name (const char *s, uint32_t len, const char *fallback, int index)
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
tfl_read_buffer (tfl_ctx *c, uint32_t index, const uint8_t **data, size_t *size)
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
    return tfl_corrupt (c, "buffer table");
  if (mnv3_fb_vec_field (&c->fb, &b, TFL_BUFFER_DATA, 1, &v) < 0)
    return tfl_corrupt (c, "buffer data");
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
  return mnv3_fb_ok (&c->fb) ? MNV3_OK : tfl_corrupt (c, "buffer");
}

mnv3_status
tfl_read_tensor (tfl_ctx *c, uint32_t i, tfl_tensor *t)
{
  mnv3_fb_table tt, q;
  mnv3_fb_vec shape;
  const char *name;
  uint32_t name_len;
  mnv3_status st;

  t->gid = -1;
  t->pad_src = -1;
  if (mnv3_fb_vec_table (&c->fb, &c->tensors_v, i, &tt) < 0)
    return tfl_corrupt (c, "tensor table");
  name = mnv3_fb_string (&c->fb, &tt, TFL_TENSOR_NAME, &name_len);
  t->name = tfl_copy_name (name, name_len, "tensor", (int) i);
  if (!t->name)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  t->type = mnv3_fb_i8 (&c->fb, &tt, TFL_TENSOR_TYPE, TFL_FLOAT32);
  if (mnv3_fb_vec_field (&c->fb, &tt, TFL_TENSOR_SHAPE, 4, &shape) < 0)
    return tfl_corrupt (c, "tensor shape");
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
  st = tfl_read_buffer (c, mnv3_fb_u32 (&c->fb, &tt, TFL_TENSOR_BUFFER, 0),
      &t->buf, &t->buf_size);
  if (st != MNV3_OK)
    return st;
  if (mnv3_fb_table_field (&c->fb, &tt, TFL_TENSOR_QUANT, &q) < 0)
    return tfl_corrupt (c, "quantization parameters");
  if (q.pos) {
    if (mnv3_fb_vec_field (&c->fb, &q, TFL_Q_SCALE, 4, &t->scale) < 0
        || mnv3_fb_vec_field (&c->fb, &q, TFL_Q_ZERO_POINT, 8, &t->zp) < 0)
      return tfl_corrupt (c, "quantization parameters");
    t->qdim = mnv3_fb_i32 (&c->fb, &q, TFL_Q_QUANTIZED_DIMENSION, 0);
    t->quantized = t->scale.len > 0;
  }
  return mnv3_fb_ok (&c->fb) ? MNV3_OK : tfl_corrupt (c, "tensor");
}

mnv3_status
tfl_read_op (tfl_ctx *c, uint32_t i, tfl_op *op)
{
  mnv3_fb_table ot, code;
  mnv3_fb_vec ins, outs, copts;
  uint32_t idx, clen;
  const char *cc;
  int dep, builtin;

  memset (op, 0, sizeof *op);
  op->index = (int) i;
  if (mnv3_fb_vec_table (&c->fb, &c->ops_v, i, &ot) < 0)
    return tfl_corrupt (c, "operator table");
  idx = mnv3_fb_u32 (&c->fb, &ot, TFL_OP_OPCODE_INDEX, 0);
  if (idx >= c->opcodes.len)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: operator %u: opcode index %u out of range (%u codes)", i,
        idx, c->opcodes.len);
  if (mnv3_fb_vec_table (&c->fb, &c->opcodes, idx, &code) < 0)
    return tfl_corrupt (c, "operator code");
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
    return tfl_corrupt (c, "operator");
  if (ins.len > TFL_MAX_OP_IO || outs.len > TFL_MAX_OP_IO)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "too many inputs/outputs");
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
  return mnv3_fb_ok (&c->fb) ? MNV3_OK : tfl_corrupt (c, "operator");
}

