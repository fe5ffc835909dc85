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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite-internal.h"

/* ---- the model --------------------------------------------------------- */

/* Count who reads each tensor, for PAD folding. */
static mnv3_status
tfl_count_uses (tfl_ctx *c)
{
  tfl_op op;
  mnv3_status st;

  for (uint32_t i = 0; i < c->ops_v.len; i++) {
    if ((st = tfl_read_op (c, i, &op)) != MNV3_OK)
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
tfl_input_meta (tfl_ctx *c, const tfl_tensor *t)
{
  float s;
  int64_t zp;
  double mean, std;
  char buf[96];
  mnv3_status st;

  if (!t->quantized || (t->type != TFL_UINT8 && t->type != TFL_INT8))
    return MNV3_OK;
  tfl_quant_params (c, t, 0, &s, &zp);
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
tfl_import_io (tfl_ctx *c, int outputs)
{
  mnv3_fb_vec v;
  tfl_op none = { .index = -1 };
  mnv3_status st;

  if (mnv3_fb_vec_field (&c->fb, &c->sg, outputs ? TFL_SG_OUTPUTS :
          TFL_SG_INPUTS, 4, &v) < 0)
    return tfl_corrupt (c, "subgraph inputs/outputs");
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
      if ((st = tfl_value_of (c, &none, ti, &gid)) != MNV3_OK)
        return st;
      if ((st = mnv3_graph_add_output (c->g, gid)) != MNV3_OK)
        return st;
      continue;
    }
    if (tfl_is_const (t) || t->gid >= 0)
      continue;               /* a constant listed as input: not an input */
    if (t->rank != 4 && t->rank != 2)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "tflite: input '%s' has rank %d", t->name, t->rank);
    if (t->type != TFL_FLOAT32 && t->type != TFL_UINT8
        && t->type != TFL_INT8)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "tflite: input '%s' has type %s", t->name, tfl_type_name (t->type));
    if ((st = tfl_add_graph_tensor (c, t->name, t, NULL, &gid)) != MNV3_OK)
      return st;
    t->gid = gid;
    if ((st = mnv3_graph_add_input (c->g, gid)) != MNV3_OK
        || (st = tfl_input_meta (c, t)) != MNV3_OK)
      return st;
  }
  return MNV3_OK;
}

/* A float input that the model quantizes first (post-training quantized
 * models keep a float interface): the range its QUANTIZE can represent is
 * the range the model was calibrated for, e.g. scale 1/255 and zero point
 * -128 in int8 mean [0, 1].  Pixels 0..255 are mapped onto that range
 * ("mean"/"std" metadata) unless the model already says how. */
static mnv3_status
quantized_input_meta (tfl_ctx *c, const tfl_op *op)
{
  const tfl_tensor *x, *y;
  float s;
  int64_t zp;
  double lo, hi, mean, std;
  char buf[96];
  mnv3_status st;

  if (op->num_in < 1 || op->num_out < 1 || op->in[0] < 0
      || mnv3_graph_get_meta (c->g, "mean"))
    return MNV3_OK;
  x = &c->t[op->in[0]];
  y = &c->t[op->out[0]];
  if (x->type != TFL_FLOAT32 || x->gid < 0
      || !c->g->tensors[x->gid].is_input || !y->quantized
      || y->scale.len != 1 || (y->type != TFL_UINT8 && y->type != TFL_INT8))
    return MNV3_OK;
  tfl_quant_params (c, y, 0, &s, &zp);
  if (!(s > 0.f))
    return MNV3_OK;
  lo = (double) s * ((y->type == TFL_INT8 ? -128.0 : 0.0) - (double) zp);
  hi = lo + 255.0 * (double) s;
  std = 255.0 / (hi - lo);
  mean = -lo * std + 0.0;             /* + 0.0: no "-0" */
  snprintf (buf, sizeof buf, "%g,%g,%g", mean, mean, mean);
  if ((st = mnv3_graph_set_meta (c->g, "mean", buf)) != MNV3_OK)
    return st;
  snprintf (buf, sizeof buf, "%g,%g,%g", std, std, std);
  return mnv3_graph_set_meta (c->g, "std", buf);
}

static mnv3_status
tfl_import_model (tfl_ctx *c, const void *data, size_t size)
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
    return tfl_corrupt (c, "header");
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
    return tfl_corrupt (c, "model table");
  if (!subgraphs.len)
    return mnv3_set_error (MNV3_ERR_FORMAT, "tflite: no subgraph");
  if (mnv3_fb_vec_table (&c->fb, &subgraphs, 0, &c->sg) < 0
      || mnv3_fb_vec_field (&c->fb, &c->sg, TFL_SG_TENSORS, 4,
          &c->tensors_v) < 0
      || mnv3_fb_vec_field (&c->fb, &c->sg, TFL_SG_OPERATORS, 4,
          &c->ops_v) < 0)
    return tfl_corrupt (c, "subgraph");
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
    if ((st = tfl_read_tensor (c, i, &c->t[i])) != MNV3_OK)
      return st;
  if (c->integer && !tfl_model_is_quantized (c))
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "tflite: the model has no quantized activations");
  if ((st = tfl_count_uses (c)) != MNV3_OK)
    return st;
  c->g = mnv3_graph_new ();
  if (!c->g)
    return MNV3_ERR_NOMEM;
  if ((st = mnv3_graph_set_meta (c->g, "format", "tflite")) != MNV3_OK
      || (st = tfl_import_io (c, 0)) != MNV3_OK)
    return st;
  for (uint32_t i = 0; i < c->ops_v.len; i++) {
    tfl_op op;
    if ((st = tfl_read_op (c, i, &op)) != MNV3_OK
        || (st = tfl_import_op (c, &op)) != MNV3_OK)
      return st;
    if (op.code == TFL_QUANTIZE && (st = quantized_input_meta (c, &op))
        != MNV3_OK)
      return st;
  }
  if (!c->g->num_inputs)
    return mnv3_set_error (MNV3_ERR_FORMAT, "tflite: the model has no inputs");
  return tfl_import_io (c, 1);
}

static mnv3_status
import_mode (const void *data, size_t size, int integer, mnv3_graph **out)
{
  tfl_ctx c;
  mnv3_status st;

  if (!data || !out)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "tflite: NULL argument");
  *out = NULL;
  memset (&c, 0, sizeof c);
  c.integer = integer;
  st = tfl_import_model (&c, data, size);
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
  c.g->integer = integer;
  *out = c.g;
  return MNV3_OK;
}

mnv3_status
mnv3_tflite_import (const void *data, size_t size, mnv3_graph **out)
{
  return import_mode (data, size, 0, out);
}

mnv3_status
mnv3_tflite_import_integer (const void *data, size_t size, mnv3_graph **out)
{
  return import_mode (data, size, 1, out);
}
