/* onnx_qdq.c — ONNX QDQ models (QuantizeLinear / DequantizeLinear).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ONNX Runtime's quantize_static (QuantFormat.QDQ) writes a float graph in
 * which every quantized tensor passes through QuantizeLinear (Q) and
 * DequantizeLinear (DQ): x -> Q -> DQ -> Conv(DQ(W int8), DQ(B int32)) ->
 * Q -> DQ -> ...  The importer reads such a file as it stands:
 *
 *  - DequantizeLinear of a constant folds to the float constant it means
 *    ((q - zp) * scale, as ONNX Runtime computes it) and remembers the
 *    integers' quantization; the graph tensor made from it for a weight or
 *    bias is given that type and quantization (onnx_qdq_attach);
 *  - Q and DQ of computed tensors become MNV3_OP_QUANTIZE nodes between
 *    float and 8-bit tensors (graph->integer is set).
 *
 * mnv3_onnx_qdq_float() then makes the float graph of the model (each
 * pair a clamp to the 8-bit range: precision FP32 runs the dequantized
 * weights in float, without the rounding of the activations), and
 * mnv3_onnx_qdq_integer() the integer graph: every DQ -> op -> Q group
 * whose op has an integer form becomes that op between the 8-bit tensors
 * (weights 8-bit, biases int32), what ONNX Runtime's QDQ fusions do
 * (QLinearConv, QLinearAdd, QLinearMul, QLinearGlobalAveragePool, QGemm);
 * HardSigmoid / HardSwish / Relu / Clip between a DQ and a Q become a
 * 256-entry table computed as ONNX Runtime computes the float group.
 * The graph says (qsem) that ONNX Runtime's arithmetic is the reference:
 * plan-int.c then picks the kernels that round as MLAS does.  Groups
 * without an integer form stay float between their DQ and Q.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

/* ---- import ----------------------------------------------------------- */

static int
onnx_qdq_dtype (int elem_type)
{
  switch (elem_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return MNV3_DTYPE_U8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return MNV3_DTYPE_I8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return MNV3_DTYPE_I32;
    default: return -1;
  }
}

/* Scale and zero point inputs 1, 2 of a Q/DQ node: `num` values (1, or
 * the size of the axis).  *zp_type: the zero point's type (uint8 when
 * absent, as ONNX says). */
static mnv3_status
onnx_qdq_params (onnx_ctx *cx, const Onnx__NodeProto *n, int64_t axis_len,
    int *num, float **scale, int32_t **zp, int *zp_type)
{
  onnx_val *s, *z;
  mnv3_status st;

  *scale = NULL;
  *zp = NULL;
  if ((st = onnx_input (cx, n, 1, &s)) || (st = onnx_input (cx, n, 2, &z)))
    return st;
  if (!s || s->kind != ONNX_VAL_CONST || (z && z->kind != ONNX_VAL_CONST))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "scale and zero point must be constants");
  if (s->numel != 1 && s->numel != axis_len)
    return onnx_node_error (cx, MNV3_ERR_SHAPE, "%lld scales for an axis "
        "of %lld", (long long) s->numel, (long long) axis_len);
  if (z && z->numel != s->numel)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "zero point and scale differ in size");
  *num = (int) s->numel;
  *zp_type = z ? onnx_qdq_dtype (z->elem_type) : MNV3_DTYPE_U8;
  if (*zp_type < 0)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "zero point of data type %d (uint8/int8/int32 only)", z->elem_type);
  *scale = malloc ((size_t) *num * sizeof **scale);
  *zp = malloc ((size_t) *num * sizeof **zp);
  if (!*scale || !*zp) {
    free (*scale);
    free (*zp);
    return onnx_node_error (cx, MNV3_ERR_NOMEM, "out of memory");
  }
  for (int k = 0; k < *num; k++) {
    double sc = onnx_const_get (s, k);
    int64_t zz = z ? onnx_const_geti (z, k) : 0;
    (*scale)[k] = (float) sc;
    (*zp)[k] = (int32_t) zz;
    if (!((*scale)[k] > 0.f) || !isfinite ((*scale)[k]) || zz < INT32_MIN
        || zz > INT32_MAX) {
      free (*scale);
      free (*zp);
      return onnx_node_error (cx, MNV3_ERR_FORMAT,
          "scale %g or zero point %lld out of range", sc, (long long) zz);
    }
  }
  return MNV3_OK;
}

mnv3_status
onnx_fold_dequantize (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *o;
  int64_t axis = onnx_attr_int (n, "axis", 1), inner = 1, len;
  int num, zt, xt;
  float *scale;
  int32_t *zp;
  mnv3_status st;

  if ((st = onnx_input (cx, n, 0, &x)) != MNV3_OK)
    return st;
  xt = onnx_qdq_dtype (x->elem_type);
  if (xt < 0)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "dequantizes data type %d (uint8/int8/int32 only)", x->elem_type);
  if (axis < 0)
    axis += x->rank;
  if (x->rank == 0)
    axis = 0;
  if (axis < 0 || (x->rank && axis >= x->rank))
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "axis out of range");
  len = x->rank ? x->dims[axis] : 1;
  for (int d = (int) axis + 1; d < x->rank; d++)
    inner *= x->dims[d];
  if ((st = onnx_qdq_params (cx, n, len, &num, &scale, &zp, &zt)) != MNV3_OK)
    return st;
  if ((st = onnx_val_define (cx, n->output[0], &o)) != MNV3_OK
      || (st = onnx_const_alloc (cx, o, ONNX_F32, x->rank, x->dims))
      != MNV3_OK) {
    free (scale);
    free (zp);
    return st;
  }
  /* ONNX Runtime: (float) (int32 (x) - zp) * scale */
  for (int64_t k = 0; k < x->numel; k++) {
    int c = num == 1 ? 0 : (int) ((k / inner) % len);
    o->f[k] = (float) (int32_t) (onnx_const_geti (x, k) - zp[c]) * scale[c];
  }
  o->qnum = num;
  o->qaxis = (int) axis;
  o->qtype = (mnv3_dtype) xt;
  o->qscale = scale;
  o->qzp = zp;
  return MNV3_OK;
}

mnv3_status
onnx_qdq_attach (onnx_ctx *cx, const onnx_val *v, int tid, int axis)
{
  if (!v->qnum || (v->qnum > 1 && v->qaxis != axis))
    return MNV3_OK;
  return mnv3_graph_set_quant (cx->g, tid, v->qtype, v->qnum, v->qscale,
      v->qzp);
}

mnv3_status
onnx_op_quantize_linear (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x;
  mnv3_gnode nd;
  int num, zt, out;
  float *scale;
  int32_t *zp;
  mnv3_status st;

  if ((st = onnx_input (cx, n, 0, &x)) != MNV3_OK)
    return st;
  if (!x || x->kind != ONNX_VAL_DYN)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "QuantizeLinear of a constant");
  if ((st = onnx_qdq_params (cx, n, 1, &num, &scale, &zp, &zt)) != MNV3_OK)
    return st;
  if (zt == MNV3_DTYPE_I32 || cx->g->tensors[x->tensor].type
      != MNV3_DTYPE_F32) {
    free (scale);
    free (zp);
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "QuantizeLinear to int32, or of a tensor that is not float");
  }
  memset (&nd, 0, sizeof nd);
  nd.type = MNV3_OP_QUANTIZE;
  nd.inputs[0] = x->tensor;
  nd.num_inputs = 1;
  st = onnx_emit (cx, n, &nd, x->rank, x->dims);
  if (st == MNV3_OK) {
    out = cx->g->nodes[cx->g->num_nodes - 1].output;
    st = mnv3_graph_set_quant (cx->g, out, (mnv3_dtype) zt, 1, scale, zp);
  }
  free (scale);
  free (zp);
  cx->g->integer = 1;
  return st;
}

mnv3_status
onnx_op_dequantize_linear (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x;
  const mnv3_gtensor *t;
  mnv3_gnode nd;
  int num, zt;
  float *scale;
  int32_t *zp;
  mnv3_status st;

  if ((st = onnx_input (cx, n, 0, &x)) != MNV3_OK)
    return st;
  if (!x || x->kind != ONNX_VAL_DYN)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "input 0 is missing");
  if ((st = onnx_qdq_params (cx, n, 1, &num, &scale, &zp, &zt)) != MNV3_OK)
    return st;
  t = &cx->g->tensors[x->tensor];
  /* the 8-bit tensor keeps one quantization: that of its QuantizeLinear */
  if (t->type != (mnv3_dtype) zt || t->q.num != 1 || t->q.scale[0] != scale[0]
      || t->q.zp[0] != zp[0]) {
    free (scale);
    free (zp);
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "DequantizeLinear with another quantization than its input's");
  }
  free (scale);
  free (zp);
  memset (&nd, 0, sizeof nd);
  nd.type = MNV3_OP_QUANTIZE;
  nd.inputs[0] = x->tensor;
  nd.num_inputs = 1;
  return onnx_emit (cx, n, &nd, x->rank, x->dims);
}

/* ---- graph passes ------------------------------------------------------ */

static int
is_q8 (mnv3_dtype t)
{
  return t == MNV3_DTYPE_U8 || t == MNV3_DTYPE_I8;
}

static int
node_is_q (const mnv3_graph *g, const mnv3_gnode *n)   /* float -> 8-bit */
{
  return n->type == MNV3_OP_QUANTIZE
      && g->tensors[n->inputs[0]].type == MNV3_DTYPE_F32
      && is_q8 (g->tensors[n->output].type);
}

static int
node_is_dq (const mnv3_graph *g, const mnv3_gnode *n)  /* 8-bit -> float */
{
  return n->type == MNV3_OP_QUANTIZE
      && is_q8 (g->tensors[n->inputs[0]].type)
      && g->tensors[n->output].type == MNV3_DTYPE_F32;
}

/* uses[t]: how many node inputs and graph outputs read tensor t. */
static int *
count_uses (const mnv3_graph *g, const unsigned char *dead)
{
  int *uses = calloc ((size_t) g->num_tensors + 1, sizeof *uses);

  if (!uses)
    return NULL;
  for (int i = 0; i < g->num_nodes; i++)
    if (!dead || !dead[i])
      for (int k = 0; k < g->nodes[i].num_inputs; k++)
        if (g->nodes[i].inputs[k] >= 0)
          uses[g->nodes[i].inputs[k]]++;
  for (int i = 0; i < g->num_outputs; i++)
    uses[g->outputs[i]]++;
  return uses;
}

/* Drop the nodes marked dead, keeping the order. */
static void
compact (mnv3_graph *g, const unsigned char *dead)
{
  int k = 0;

  for (int i = 0; i < g->num_nodes; i++) {
    if (dead[i]) {
      free (g->nodes[i].name);
      continue;
    }
    g->nodes[k++] = g->nodes[i];
  }
  g->num_nodes = k;
}

static int
is_graph_output (const mnv3_graph *g, int t)
{
  for (int i = 0; i < g->num_outputs; i++)
    if (g->outputs[i] == t)
      return 1;
  return 0;
}

mnv3_status
mnv3_onnx_qdq_float (mnv3_graph *g)
{
  int *alias = malloc (((size_t) g->num_tensors + 1) * sizeof *alias);
  unsigned char *dead = calloc ((size_t) g->num_nodes + 1, 1);
  mnv3_status st = MNV3_OK;

  if (!alias || !dead) {
    free (alias);
    free (dead);
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  }
  for (int t = 0; t < g->num_tensors; t++)
    alias[t] = t;
  for (int i = 0; i < g->num_nodes; i++) {
    mnv3_gnode *n = &g->nodes[i];
    for (int k = 0; k < n->num_inputs; k++)
      if (n->inputs[k] >= 0)
        n->inputs[k] = alias[n->inputs[k]];
    if (n->type != MNV3_OP_QUANTIZE)
      continue;
    if (node_is_q (g, n)) {
      /* The pair clamps to the 8-bit range, and quantize_static relies on
       * it: a ReLU before a Q with zero point at the range's bottom is
       * removed from the file.  Keep the clamp, drop the rounding. */
      const mnv3_gtensor *t = &g->tensors[n->output];
      int32_t lo = t->type == MNV3_DTYPE_I8 ? -128 : 0;
      int32_t hi = t->type == MNV3_DTYPE_I8 ? 127 : 255;
      n->type = MNV3_OP_ACT;
      memset (&n->act, 0, sizeof n->act);
      n->act.type = MNV3_ACT_CLIP;
      n->act.a = (float) (lo - t->q.zp[0]) * t->q.scale[0];
      n->act.b = (float) (hi - t->q.zp[0]) * t->q.scale[0];
      continue;
    }
    alias[n->output] = n->inputs[0];
    if (is_graph_output (g, n->output)) {   /* keep its name: a copy */
      n->type = MNV3_OP_RESHAPE;
      memset (&n->u, 0, sizeof n->u);
      alias[n->output] = n->output;
    } else {
      dead[i] = 1;
    }
  }
  compact (g, dead);
  for (int t = 0; t < g->num_tensors && st == MNV3_OK; t++)
    if (g->tensors[t].type != MNV3_DTYPE_F32 || g->tensors[t].q.num)
      st = mnv3_graph_set_quant (g, t, MNV3_DTYPE_F32, 0, NULL, NULL);
  g->integer = 0;
  free (alias);
  free (dead);
  return st;
}

/* A float constant made from DequantizeLinear back to its integers (exact:
 * the float is (q - zp) * scale with |q - zp| < 2^24 for weights; int32
 * biases beyond 2^24 are recovered to the float's precision). */
static mnv3_status
const_to_raw (mnv3_gtensor *t)
{
  int64_t numel = mnv3_gtensor_numel (t), per;
  size_t es = mnv3_dtype_size (t->type);
  void *raw;

  if (!t->data || !t->q.num || (t->type != MNV3_DTYPE_I32 && !is_q8 (t->type)))
    return MNV3_ERR_UNSUPPORTED;
  if (t->q.num > 1 && numel % t->q.num)
    return MNV3_ERR_UNSUPPORTED;
  per = t->q.num > 1 ? numel / t->q.num : numel;
  raw = malloc ((size_t) (numel ? numel : 1) * es);
  if (!raw)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  for (int64_t k = 0; k < numel; k++) {
    int c = t->q.num > 1 ? (int) (k / per) : 0;
    double v = rint ((double) t->data[k] / t->q.scale[c]) + t->q.zp[c];
    if (t->type == MNV3_DTYPE_I32)
      ((int32_t *) raw)[k] = (int32_t) fmin (fmax (v, INT32_MIN), INT32_MAX);
    else if (t->type == MNV3_DTYPE_I8)
      ((int8_t *) raw)[k] = (int8_t) fmin (fmax (v, -128), 127);
    else
      ((uint8_t *) raw)[k] = (uint8_t) fmin (fmax (v, 0), 255);
  }
  free (t->data);
  t->data = NULL;
  t->raw = raw;
  return MNV3_OK;
}

static int
same_quant (const mnv3_gtensor *a, const mnv3_gtensor *b)
{
  return a->type == b->type && a->q.num == 1 && b->q.num == 1
      && a->q.scale[0] == b->q.scale[0] && a->q.zp[0] == b->q.zp[0];
}

/* Whether node n (inputs already mapped to the 8-bit tensors in[], output
 * to `out`) has an integer form here. */
static int
has_integer_form (const mnv3_graph *g, const mnv3_gnode *n, const int *in,
    int out)
{
  const mnv3_gtensor *o = &g->tensors[out];

  switch (n->type) {
    case MNV3_OP_CONV:
    case MNV3_OP_FC: {
      const mnv3_gtensor *w = &g->tensors[n->inputs[1]];
      const mnv3_gtensor *b = n->num_inputs > 2 ? &g->tensors[n->inputs[2]]
          : NULL;
      if (!w->data || !is_q8 (w->type) || !w->q.num)
        return 0;
      if (b && (!b->data || b->type != MNV3_DTYPE_I32 || b->q.num < 1))
        return 0;
      return n->act.type == MNV3_ACT_NONE;
    }
    case MNV3_OP_BINARY:
      return (n->u.binary == MNV3_BINARY_ADD
          || n->u.binary == MNV3_BINARY_MUL) && in[1] >= 0
          && n->act.type == MNV3_ACT_NONE;
    case MNV3_OP_ACT:
      return n->act.type == MNV3_ACT_HSWISH
          || n->act.type == MNV3_ACT_HSIGMOID
          || n->act.type == MNV3_ACT_RELU || n->act.type == MNV3_ACT_CLIP;
    case MNV3_OP_POOL:
      if (n->act.type != MNV3_ACT_NONE)
        return 0;
      if (n->u.pool.global && n->u.pool.type == MNV3_POOL_AVG)
        return 1;
      return n->u.pool.type == MNV3_POOL_MAX
          && same_quant (&g->tensors[in[0]], o);
    case MNV3_OP_RESHAPE:
      return same_quant (&g->tensors[in[0]], o);
    default:
      return 0;
  }
}

mnv3_status
mnv3_onnx_qdq_integer (mnv3_graph *g)
{
  int *prod = malloc (((size_t) g->num_tensors + 1) * sizeof *prod);
  int *uses = count_uses (g, NULL);
  unsigned char *dead = calloc ((size_t) g->num_nodes + 1, 1);
  mnv3_status st = MNV3_OK;

  if (!prod || !uses || !dead) {
    st = mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (int t = 0; t < g->num_tensors; t++)
    prod[t] = -1;
  for (int i = 0; i < g->num_nodes; i++)
    prod[g->nodes[i].output] = i;
  for (int i = 0; i < g->num_nodes && st == MNV3_OK; i++) {
    mnv3_gnode *n = &g->nodes[i];
    int in[MNV3_MAX_NODE_INPUTS], qi = -1, ok = 1, out;

    if (n->type == MNV3_OP_QUANTIZE)
      continue;
    for (int k = 0; k < n->num_inputs; k++) {
      int t = n->inputs[k], p = t >= 0 ? prod[t] : -1;
      in[k] = -1;
      if (t < 0 || mnv3_gtensor_is_const (&g->tensors[t]))
        continue;
      if (p < 0 || !node_is_dq (g, &g->nodes[p]))
        ok = 0;
      else
        in[k] = g->nodes[p].inputs[0];
    }
    if (!ok || uses[n->output] != 1 || is_graph_output (g, n->output))
      continue;
    for (int j = i + 1; j < g->num_nodes && qi < 0; j++)
      if (g->nodes[j].num_inputs >= 1 && g->nodes[j].inputs[0] == n->output)
        qi = j;
    if (qi < 0 || !node_is_q (g, &g->nodes[qi]))
      continue;
    out = g->nodes[qi].output;
    if (!has_integer_form (g, n, in, out))
      continue;
    if (n->type == MNV3_OP_CONV || n->type == MNV3_OP_FC)
      for (int k = 1; k < n->num_inputs && st == MNV3_OK; k++)
        if (g->tensors[n->inputs[k]].data)
          st = const_to_raw (&g->tensors[n->inputs[k]]);
    if (st != MNV3_OK)
      break;
    for (int k = 0; k < n->num_inputs; k++)
      if (in[k] >= 0)
        n->inputs[k] = in[k];
    n->output = out;
    prod[out] = i;
    dead[qi] = 1;
  }
  if (st != MNV3_OK)
    goto out;
  /* DQ nodes nobody reads any more */
  for (int changed = 1; changed;) {
    int *u = count_uses (g, dead);
    changed = 0;
    if (!u) {
      st = mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
      goto out;
    }
    for (int i = 0; i < g->num_nodes; i++)
      if (!dead[i] && g->nodes[i].type == MNV3_OP_QUANTIZE
          && u[g->nodes[i].output] == 0) {
        dead[i] = 1;
        changed = 1;
      }
    free (u);
  }
  /* integer nodes keep 8-bit weights: a float constant still typed is one
   * a node left in float reads */
  for (int i = 0; i < g->num_nodes && st == MNV3_OK; i++)
    for (int k = 0; k < g->nodes[i].num_inputs; k++) {
      mnv3_gtensor *t = &g->tensors[g->nodes[i].inputs[k]];
      if (!dead[i] && t->data && t->type != MNV3_DTYPE_F32)
        st = mnv3_graph_set_quant (g, g->nodes[i].inputs[k], MNV3_DTYPE_F32,
            0, NULL, NULL);
    }
  compact (g, dead);
  g->integer = 1;
  g->qsem = MNV3_QSEM_ONNXRUNTIME;
out:
  free (prod);
  free (uses);
  free (dead);
  return st;
}
