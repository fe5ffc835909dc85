/* tflite-tensors.c — constants, shapes and graph tensors.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite-internal.h"

/* ---- constants --------------------------------------------------------- */

static float
tfl_half_to_float (uint16_t h)
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
tfl_type_size (int type)
{
  switch (type) {
    case TFL_FLOAT32: case TFL_INT32: return 4;
    case TFL_FLOAT16: case TFL_INT16: return 2;
    case TFL_UINT8: case TFL_INT8: case TFL_BOOL: return 1;
    case TFL_INT64: case TFL_FLOAT64: return 8;
    default: return 0;
  }
}

int
tfl_is_const (const tfl_tensor *t)
{
  return t->buf != NULL || t->folded != NULL;
}

/* Raw element k of a constant as a double (no dequantisation). */
static double
tfl_raw_elem (const tfl_tensor *t, int64_t k)
{
  const uint8_t *p = t->buf + (size_t) k * tfl_type_size (t->type);

  switch (t->type) {
    case TFL_FLOAT32:{ float v; memcpy (&v, p, 4); return v; }
    case TFL_FLOAT16:{ uint16_t v; memcpy (&v, p, 2); return tfl_half_to_float (v); }
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
mnv3_status
tfl_check_const (tfl_ctx *c, int ti)
{
  const tfl_tensor *t = &c->t[ti];
  size_t es = tfl_type_size (t->type);

  if (t->folded)
    return MNV3_OK;
  if (!es)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: constant tensor %d '%s' has type %s", ti, t->name,
        tfl_type_name (t->type));
  if (t->numel < 0 || (uint64_t) t->numel * es != t->buf_size)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: constant tensor %d '%s': %zu bytes for %lld %s values", ti,
        t->name, t->buf_size, (long long) t->numel, tfl_type_name (t->type));
  return MNV3_OK;
}

/* Integer values of a small constant (shapes, axes, paddings). */
mnv3_status
tfl_const_ints (tfl_ctx *c, const tfl_op *op, int ti, int64_t *out, int max,
    int *n)
{
  const tfl_tensor *t;
  mnv3_status st;

  if (ti < 0 || !c->t[ti].buf)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "needs a constant integer input");
  t = &c->t[ti];
  if ((st = tfl_check_const (c, ti)) != MNV3_OK)
    return st;
  if (t->type != TFL_INT32 && t->type != TFL_INT64)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "integer input is not int32/64");
  if (t->numel > max)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "integer input too long");
  for (int64_t k = 0; k < t->numel; k++)
    out[k] = (int64_t) tfl_raw_elem (t, k);
  *n = (int) t->numel;
  return MNV3_OK;
}

/* Scale and zero point of channel `ch` (per-tensor when one value). */
void
tfl_quant_params (const tfl_ctx *c, const tfl_tensor *t, int64_t ch,
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
mnv3_status
tfl_const_floats (tfl_ctx *c, const tfl_op *op, int ti, const float *bias_scale,
    float **out)
{
  const tfl_tensor *t;
  int64_t inner = 1, nch = 1;
  float *f;
  mnv3_status st;

  *out = NULL;
  if (ti < 0 || !tfl_is_const (&c->t[ti]))
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "weights must be constant");
  t = &c->t[ti];
  if ((st = tfl_check_const (c, ti)) != MNV3_OK)
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
    double v = tfl_raw_elem (t, k);
    int64_t ch = (k / inner) % nch;
    if (t->type == TFL_FLOAT32 || t->type == TFL_FLOAT16
        || t->type == TFL_FLOAT64)
      f[k] = (float) v;
    else if (t->quantized) {
      float s;
      int64_t zp;
      tfl_quant_params (c, t, ch, &s, &zp);
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
int
tfl_nhwc_of (const int64_t *dims, int rank, int64_t out[4])
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
int
tfl_nhwc_axis (int a, int rank)
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

mnv3_status
tfl_add_graph_tensor (tfl_ctx *c, const char *name, const tfl_tensor *t,
    float *data, int *gid)
{
  int64_t d[4];

  *gid = -1;
  if (tfl_nhwc_of (t->dims, t->rank, d) < 0) {
    free (data);
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: tensor '%s' has rank %d (at most 4 supported)", t->name,
        t->rank);
  }
  *gid = mnv3_graph_add_tensor (c->g, name, t->rank, (int) d[0], (int) d[1],
      (int) d[2], (int) d[3], data);
  if (*gid < 0)
    return MNV3_ERR_NOMEM;
  /* the integer graph keeps each activation's type and quantization */
  if (c->integer && !data)
    return tfl_type_tensor (c, *gid, t);
  return MNV3_OK;
}

/* Graph tensor holding the float value of TFLite tensor ti: an already
 * produced activation, or a constant materialised now. */
mnv3_status
tfl_value_of (tfl_ctx *c, const tfl_op *op, int ti, int *gid)
{
  tfl_tensor *t;
  float *data;
  mnv3_status st;

  if (ti < 0)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "missing required input");
  t = &c->t[ti];
  if (t->gid >= 0) {
    *gid = t->gid;
    return MNV3_OK;
  }
  if (!tfl_is_const (t) && op->index < 0)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: graph output tensor %d '%s' is never produced", ti, t->name);
  if (!tfl_is_const (t))
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "tflite: operator %d reads tensor %d '%s' before it is produced",
        op->index, ti, t->name);
  if (c->integer && !t->folded && (t->type == TFL_UINT8
          || t->type == TFL_INT8 || t->type == TFL_INT32)) {
    if ((st = tfl_q_const (c, op, ti, &t->gid)) != MNV3_OK)
      return st;
    *gid = t->gid;
    return MNV3_OK;
  }
  if ((st = tfl_const_floats (c, op, ti, NULL, &data)) != MNV3_OK)
    return st;
  if ((st = tfl_add_graph_tensor (c, t->name, t, data, &t->gid)) != MNV3_OK)
    return st;
  *gid = t->gid;
  return MNV3_OK;
}

/* Node output: a new graph tensor for TFLite tensor ti. */
mnv3_status
tfl_produce (tfl_ctx *c, const tfl_op *op, int ti, const char *suffix, int *gid)
{
  tfl_tensor *t = &c->t[ti];
  char *name = NULL;
  mnv3_status st;

  *gid = -1;
  if (t->gid >= 0 || tfl_is_const (t))
    return tfl_op_error (c, op, MNV3_ERR_FORMAT,
        "output tensor is produced twice or is a constant");
  if (suffix) {
    size_t len = strlen (t->name) + strlen (suffix) + 1;
    name = malloc (len);
    if (!name)
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    snprintf (name, len, "%s%s", t->name, suffix);
  }
  st = tfl_add_graph_tensor (c, name ? name : t->name, t, NULL, gid);
  free (name);
  if (st != MNV3_OK)
    return st;
  if (!suffix)
    t->gid = *gid;
  return MNV3_OK;
}

