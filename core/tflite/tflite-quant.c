/* tflite-quant.c — the integer graph of a quantized TFLite model.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * In integer mode (tfl_ctx.integer) the importer keeps what the file says:
 * activations keep their element type and per-tensor quantization,
 * weights stay 8-bit (reordered into the canonical layouts of graph.h,
 * with per-tensor or per-output-channel scales), biases stay int32, and
 * QUANTIZE/DEQUANTIZE of activations become MNV3_OP_QUANTIZE nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite-internal.h"

int
tfl_dtype (int tfl_type)
{
  switch (tfl_type) {
    case TFL_FLOAT32: return MNV3_DTYPE_F32;
    case TFL_UINT8: return MNV3_DTYPE_U8;
    case TFL_INT8: return MNV3_DTYPE_I8;
    case TFL_INT32: return MNV3_DTYPE_I32;
    case TFL_INT64: return MNV3_DTYPE_I64;
    default: return -1;
  }
}

/* Copy the scales and zero points of t (`num` of them) into graph tensor
 * gid, typed `type`. */
static mnv3_status
set_quant (tfl_ctx *c, int gid, const tfl_tensor *t, mnv3_dtype type)
{
  uint32_t num = t->quantized ? t->scale.len : 0;
  float *scale = NULL;
  int32_t *zp = NULL;
  mnv3_status st;

  if (num > (1u << 20))
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: tensor '%s' has %u scales", t->name, num);
  if (t->quantized && t->zp.len > 1 && t->zp.len != num)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: tensor '%s': %u zero points for %u scales", t->name,
        t->zp.len, num);
  if (num) {
    scale = malloc (num * sizeof *scale);
    zp = malloc (num * sizeof *zp);
    if (!scale || !zp) {
      free (scale);
      free (zp);
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    }
    for (uint32_t k = 0; k < num; k++) {
      int64_t z;
      tfl_quant_params (c, t, k, &scale[k], &z);
      if (!(scale[k] > 0.f) || z < INT32_MIN || z > INT32_MAX) {
        free (scale);
        free (zp);
        return mnv3_set_error (MNV3_ERR_FORMAT,
            "tflite: tensor '%s' has a bad scale or zero point", t->name);
      }
      zp[k] = (int32_t) z;
    }
  }
  st = mnv3_graph_set_quant (c->g, gid, type, (int) num, scale, zp);
  free (scale);
  free (zp);
  return st;
}

mnv3_status
tfl_type_tensor (tfl_ctx *c, int gid, const tfl_tensor *t)
{
  int type = tfl_dtype (t->type);

  if (type < 0)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: tensor '%s' has type %s", t->name, tfl_type_name (t->type));
  if ((type == MNV3_DTYPE_U8 || type == MNV3_DTYPE_I8)
      && (!t->quantized || t->scale.len != 1))
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: activation '%s' is 8-bit without per-tensor quantization",
        t->name);
  return set_quant (c, gid, t, (mnv3_dtype) type);
}

int
tfl_model_is_quantized (const tfl_ctx *c)
{
  for (uint32_t i = 0; i < c->nt; i++) {
    const tfl_tensor *t = &c->t[i];
    if (!tfl_is_const (t) && t->quantized
        && (t->type == TFL_UINT8 || t->type == TFL_INT8))
      return 1;
  }
  return 0;
}

/* A raw constant as a graph tensor of logical NHWC dims (n,h,w,ch); data
 * (malloc'd, taken over) already in the canonical layout. */
static mnv3_status
add_raw (tfl_ctx *c, const tfl_tensor *t, int rank, int n, int h, int w,
    int ch, void *data, int *gid)
{
  int type = tfl_dtype (t->type);
  mnv3_status st;

  *gid = mnv3_graph_add_tensor (c->g, t->name, rank, n, h, w, ch, NULL);
  if (*gid < 0) {
    free (data);
    return MNV3_ERR_NOMEM;
  }
  c->g->tensors[*gid].raw = data;
  if ((st = set_quant (c, *gid, t, (mnv3_dtype) type)) != MNV3_OK)
    return st;
  return MNV3_OK;
}

static mnv3_status
check_int_const (tfl_ctx *c, const tfl_op *op, int ti)
{
  const tfl_tensor *t = &c->t[ti];
  mnv3_status st;

  if (!t->buf)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "integer constant without data");
  if ((st = tfl_check_const (c, ti)) != MNV3_OK)
    return st;
  return MNV3_OK;
}

mnv3_status
tfl_q_weights (tfl_ctx *c, const tfl_op *op, int ti, int depthwise, int rank,
    int n, int h, int w, int ch, int *gid)
{
  const tfl_tensor *t = &c->t[ti];
  uint8_t *d;
  mnv3_status st;

  if (t->type != TFL_UINT8 && t->type != TFL_INT8)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "integer operator with weights that are not 8-bit");
  if (!t->quantized || (t->scale.len != 1 && t->scale.len != (uint32_t) n))
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "weights are neither per-tensor nor per-output-channel quantized");
  if (t->scale.len > 1 && t->qdim != (depthwise ? 3 : 0))
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "per-channel weights along an axis other than the output channel");
  if ((st = check_int_const (c, op, ti)) != MNV3_OK)
    return st;
  if ((int64_t) n * h * w * ch != t->numel)
    return tfl_op_error (c, op, MNV3_ERR_SHAPE, "weights have a bad size");
  d = malloc ((size_t) (t->numel ? t->numel : 1));
  if (!d)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  if (depthwise)        /* [1][kh][kw][oc] -> [oc][kh][kw][1] */
    for (int64_t k = 0; k < (int64_t) h * w; k++)
      for (int64_t o = 0; o < n; o++)
        d[o * h * w + k] = t->buf[k * n + o];
  else
    memcpy (d, t->buf, (size_t) t->numel);
  return add_raw (c, t, rank, n, h, w, ch, d, gid);
}

mnv3_status
tfl_q_bias (tfl_ctx *c, const tfl_op *op, int bi, int64_t oc, int *gid)
{
  const tfl_tensor *b = &c->t[bi];
  void *d;
  mnv3_status st;

  if (b->type != TFL_INT32)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "integer operator with a bias that is not int32");
  if ((st = check_int_const (c, op, bi)) != MNV3_OK)
    return st;
  if (b->numel != oc)
    return tfl_op_error (c, op, MNV3_ERR_SHAPE,
        "bias length differs from the output channels");
  d = malloc ((size_t) (oc ? oc : 1) * 4);
  if (!d)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  memcpy (d, b->buf, (size_t) oc * 4);
  return add_raw (c, b, 1, 1, 1, 1, (int) oc, d, gid);
}

mnv3_status
tfl_q_const (tfl_ctx *c, const tfl_op *op, int ti, int *gid)
{
  const tfl_tensor *t = &c->t[ti];
  int64_t d[4];
  void *data;
  mnv3_status st;

  if (t->type != TFL_UINT8 && t->type != TFL_INT8 && t->type != TFL_INT32)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "constant of an unsupported integer type");
  if ((t->type != TFL_INT32) && (!t->quantized || t->scale.len != 1))
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "8-bit constant operand without per-tensor quantization");
  if ((st = check_int_const (c, op, ti)) != MNV3_OK)
    return st;
  if (tfl_nhwc_of (t->dims, t->rank, d) < 0)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "constant rank above 4");
  data = malloc (t->buf_size ? t->buf_size : 1);
  if (!data)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  memcpy (data, t->buf, t->buf_size);
  return add_raw (c, t, t->rank, (int) d[0], (int) d[1], (int) d[2],
      (int) d[3], data, gid);
}

mnv3_status
tfl_q_convert (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int xg;
  mnv3_status st;

  tfl_node_init (&n, MNV3_OP_QUANTIZE, c->t[op->out[0]].name);
  if ((st = tfl_value_of (c, op, op->in[0], &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}
