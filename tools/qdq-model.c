/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-model.c: float ONNX model -> QDQ ONNX model (see qdq-model.h):
 * reading, analysis and the calibration model.  Writing the QDQ model is
 * in qdq-model-write.c.
 *
 * Everything added to the unpacked protobuf-c message is malloc'd and
 * owned by it, so protobuf_c_message_free_unpacked() (which frees with the
 * default allocator, free()) releases the whole rewritten model.
 */
#include "qdq-model.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx-subset.pb-c.h"
#include "qdq-model-internal.h"

int
qdq_fail (char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (err && errlen) {
    va_start (ap, fmt);
    vsnprintf (err, errlen, fmt, ap);
    va_end (ap);
  }
  return -1;
}

static int
op_is (const Onnx__NodeProto *n, const char *const *list)
{
  for (; *list; list++)
    if (n->op_type && strcmp (n->op_type, *list) == 0)
      return 1;
  return 0;
}

/* Operators whose output gets a Q/DQ pair. */
static const char *const quant_ops[] = {
  "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div",
  "HardSwish", "HardSigmoid", "Sigmoid", "Tanh", "Relu", "Clip",
  "LeakyRelu", "GlobalAveragePool", "AveragePool", "MaxPool", "ReduceMean",
  "Resize", "Upsample", "Concat", "Softmax", "Reshape", "Flatten",
  "Squeeze", "Unsqueeze", "Transpose", "Identity", NULL
};
/* Operators that only move values: their output reuses the input's
 * quantization (MaxPool picks among input values). */
static const char *const shared_ops[] = {
  "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity",
  "MaxPool", NULL
};
/* Producers followed by an activation that takes their range. */
static const char *const fusable_ops[] = {
  "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", NULL
};
static const char *const clamp_ops[] = { "Relu", "Clip", NULL };
/* Outputs that are not data derived from the input's values. */
static const char *const nondata_ops[] = {
  "Shape", "Size", "ArgMax", "ArgMin", "NonZero", "ConstantOfShape",
  "EyeLike", "Constant", NULL
};
/* Operators whose meaning changed between opsets 11 and 13. */
static const char *const changed_by_13[] = {
  "Squeeze", "Unsqueeze", "Split", "ReduceSum", "Softmax", "LogSoftmax",
  "Hardmax", "Upsample", NULL
};

static const Onnx__AttributeProto *
attr_find (const Onnx__NodeProto *n, const char *name)
{
  for (size_t i = 0; i < n->n_attribute; i++)
    if (n->attribute[i]->name && strcmp (n->attribute[i]->name, name) == 0)
      return n->attribute[i];
  return NULL;
}

int64_t
qdq_attr_int (const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
  const Onnx__AttributeProto *a = attr_find (n, name);
  return a && a->has_i ? a->i : dflt;
}

Onnx__TensorProto *
qdq_init_find (const Onnx__GraphProto *gp, const char *name)
{
  for (size_t i = 0; i < gp->n_initializer; i++)
    if (gp->initializer[i]->name && strcmp (gp->initializer[i]->name,
            name) == 0)
      return gp->initializer[i];
  return NULL;
}

int
qdq_readers (const Onnx__GraphProto *gp, const char *name,
    const Onnx__NodeProto **first)
{
  int n = 0;

  for (size_t i = 0; i < gp->n_node; i++)
    for (size_t j = 0; j < gp->node[i]->n_input; j++)
      if (strcmp (gp->node[i]->input[j], name) == 0) {
        if (n++ == 0 && first)
          *first = gp->node[i];
      }
  return n;
}

int
qdq_is_graph_output (const Onnx__GraphProto *gp, const char *name)
{
  for (size_t i = 0; i < gp->n_output; i++)
    if (gp->output[i]->name && strcmp (gp->output[i]->name, name) == 0)
      return (int) i;
  return -1;
}

static int
act_find (const mnv3_qdq_model *m, const char *name)
{
  for (int i = 0; i < m->n_acts; i++)
    if (strcmp (m->acts[i].name, name) == 0)
      return i;
  return -1;
}

/* ---- names: a growing set of strings (data tensors) ------------------- */

typedef struct {
  const char **v;
  int n, cap;
} name_set;

static int
set_has (const name_set *s, const char *name)
{
  for (int i = 0; i < s->n; i++)
    if (strcmp (s->v[i], name) == 0)
      return 1;
  return 0;
}

static int
set_add (name_set *s, const char *name)
{
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 64;
    const char **v = realloc (s->v, sizeof *v * (size_t) cap);
    if (!v)
      return -1;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = name;
  return 0;
}

static int
act_add (mnv3_qdq_model *m, const char *name, const char *op, int share)
{
  mnv3_qdq_act *a = realloc (m->acts, sizeof *a * (size_t) (m->n_acts + 1));
  if (!a)
    return -1;
  m->acts = a;
  a = &m->acts[m->n_acts];
  a->name = strdup (name);
  a->op = strdup (op);
  if (!a->name || !a->op) {
    free ((char *) a->name);
    free ((char *) a->op);
    return -1;
  }
  a->share = share;
  a->output = -1;
  m->n_acts++;
  return 0;
}

/* Which tensors carry data derived from the input, and which of those get
 * a Q/DQ pair. */
static int
analyse (mnv3_qdq_model *m, char *err, size_t errlen)
{
  const Onnx__GraphProto *gp = m->mp->graph;
  name_set data = { 0 };
  int ret = -1, extra = 0;

  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *v = gp->input[i];
    if (!v->name || qdq_init_find (gp, v->name))
      continue;
    if (v->type && v->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        && v->type->tensor_type->has_elem_type
        && v->type->tensor_type->elem_type != DT_FLOAT)
      continue;
    if (set_add (&data, v->name) || act_add (m, v->name, "input", -1))
      goto oom;
  }
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *n = gp->node[i];
    const Onnx__NodeProto *reader = NULL;
    int from_data = 0, share = -1;

    for (size_t j = 0; j < n->n_input; j++)
      from_data |= n->input[j][0] && set_has (&data, n->input[j]);
    if (!from_data || op_is (n, nondata_ops) || n->n_output < 1)
      continue;
    if (n->op_type && strcmp (n->op_type, "Cast") == 0
        && qdq_attr_int (n, "to", DT_FLOAT) != DT_FLOAT)
      continue;
    for (size_t j = 0; j < n->n_output; j++)
      if (n->output[j][0] && set_add (&data, n->output[j]))
        goto oom;
    if (!op_is (n, quant_ops) || !n->output[0][0])
      continue;
    if (op_is (n, fusable_ops) && qdq_is_graph_output (gp, n->output[0]) < 0
        && qdq_readers (gp, n->output[0], &reader) == 1 && op_is (reader,
            clamp_ops))
      continue;
    if (op_is (n, shared_ops) && n->n_input > 0) {
      share = act_find (m, n->input[0]);
      if (share >= 0 && m->acts[share].share >= 0)
        share = m->acts[share].share;
    }
    if (act_add (m, n->output[0], n->op_type, share))
      goto oom;
  }
  m->n_outputs = (int) gp->n_output;
  for (int i = 0; i < m->n_acts; i++) {
    mnv3_qdq_act *a = &m->acts[i];
    if (a->share >= 0 || strcmp (a->op, "input") == 0)
      continue;     /* the caller reads the input buffer itself */
    a->output = qdq_is_graph_output (gp, a->name);
    if (a->output < 0)
      a->output = m->n_outputs + extra++;
  }
  m->n_extra = extra;
  ret = 0;
  if (m->n_acts == 0)
    ret = qdq_fail (err, errlen, "no float input or activation to quantize");
  free (data.v);
  return ret;
oom:
  free (data.v);
  return qdq_fail (err, errlen, "out of memory");
}

/* Per-channel DequantizeLinear needs opset 13. */
static int
check_opset (mnv3_qdq_model *m, char *err, size_t errlen)
{
  const Onnx__ModelProto *mp = m->mp;

  for (size_t i = 0; i < mp->n_opset_import; i++) {
    Onnx__OperatorSetIdProto *o = mp->opset_import[i];
    if (!o->domain || !o->domain[0] || strcmp (o->domain, "ai.onnx") == 0)
      m->opset = o;
  }
  if (!m->opset || !m->opset->has_version)
    return qdq_fail (err, errlen, "the model imports no default-domain opset");
  if (m->opset->version >= 13)
    return 0;
  if (m->opset->version < 11)
    return qdq_fail (err, errlen, "opset %lld: per-channel QDQ needs opset 13; "
        "re-export the model with opset 13 or newer",
        (long long) m->opset->version);
  for (size_t i = 0; i < mp->graph->n_node; i++)
    if (op_is (mp->graph->node[i], changed_by_13))
      return qdq_fail (err, errlen, "opset %lld with %s, whose meaning changed "
          "by opset 13 (needed for per-channel QDQ): re-export the model "
          "with opset 13 or newer", (long long) m->opset->version,
          mp->graph->node[i]->op_type);
  return 0;
}

int
mnv3_qdq_open (const char *path, mnv3_qdq_model **out, char *err,
    size_t errlen)
{
  FILE *f;
  long size;
  uint8_t *buf;
  mnv3_qdq_model *m;

  *out = NULL;
  f = fopen (path, "rb");
  if (!f)
    return qdq_fail (err, errlen, "%s: cannot open", path);
  if (fseek (f, 0, SEEK_END) || (size = ftell (f)) <= 0
      || fseek (f, 0, SEEK_SET) || !(buf = malloc ((size_t) size))) {
    fclose (f);
    return qdq_fail (err, errlen, "%s: cannot read", path);
  }
  if (fread (buf, 1, (size_t) size, f) != (size_t) size) {
    free (buf);
    fclose (f);
    return qdq_fail (err, errlen, "%s: cannot read", path);
  }
  fclose (f);
  m = calloc (1, sizeof *m);
  if (!m) {
    free (buf);
    return qdq_fail (err, errlen, "out of memory");
  }
  m->mp = onnx__model_proto__unpack (NULL, (size_t) size, buf);
  free (buf);
  if (!m->mp || !m->mp->graph) {
    mnv3_qdq_free (m);
    return qdq_fail (err, errlen, "%s: not an ONNX model", path);
  }
  for (size_t i = 0; i < m->mp->graph->n_node; i++) {
    const Onnx__NodeProto *n = m->mp->graph->node[i];
    if (!n->op_type || (n->domain && n->domain[0]
            && strcmp (n->domain, "ai.onnx") != 0)) {
      mnv3_qdq_free (m);
      return qdq_fail (err, errlen, "%s: operator %s of domain '%s' is not "
          "supported", path, n->op_type ? n->op_type : "?",
          n->domain ? n->domain : "");
    }
    if (strcmp (n->op_type, "QuantizeLinear") == 0
        || strcmp (n->op_type, "DequantizeLinear") == 0) {
      mnv3_qdq_free (m);
      return qdq_fail (err, errlen, "%s: the model is already quantized", path);
    }
  }
  if (check_opset (m, err, errlen) || analyse (m, err, errlen)) {
    mnv3_qdq_free (m);
    return -1;
  }
  *out = m;
  return 0;
}

void
mnv3_qdq_free (mnv3_qdq_model *m)
{
  if (!m)
    return;
  if (m->mp)
    onnx__model_proto__free_unpacked (m->mp, NULL);
  for (int i = 0; i < m->n_acts; i++) {
    free ((char *) m->acts[i].name);
    free ((char *) m->acts[i].op);
  }
  free (m->acts);
  free (m);
}

int
mnv3_qdq_num_acts (const mnv3_qdq_model *m)
{
  return m->n_acts;
}

const mnv3_qdq_act *
mnv3_qdq_act_get (const mnv3_qdq_model *m, int i)
{
  return i >= 0 && i < m->n_acts ? &m->acts[i] : NULL;
}

int
mnv3_qdq_calibration_model (mnv3_qdq_model *m, void **buf, size_t *len,
    char *err, size_t errlen)
{
  Onnx__GraphProto *gp = m->mp->graph;
  Onnx__ValueInfoProto **saved = gp->output, **outs;
  Onnx__ValueInfoProto *extra;
  size_t n_saved = gp->n_output;
  int k = 0;

  if (m->written)
    return qdq_fail (err, errlen, "the model was already rewritten");
  outs = calloc ((size_t) (m->n_outputs + m->n_extra), sizeof *outs);
  extra = calloc ((size_t) m->n_extra + 1, sizeof *extra);
  if (!outs || !extra) {
    free (outs);
    free (extra);
    return qdq_fail (err, errlen, "out of memory");
  }
  /* Borrowed names and a temporary output list: nothing is freed through
   * the message, and the model's own list is put back after packing. */
  memcpy (outs, saved, sizeof *outs * n_saved);
  for (int i = 0; i < m->n_acts; i++) {
    const mnv3_qdq_act *a = &m->acts[i];
    if (a->output < m->n_outputs)
      continue;
    onnx__value_info_proto__init (&extra[k]);
    extra[k].name = (char *) a->name;
    outs[a->output] = &extra[k++];
  }
  gp->output = outs;
  gp->n_output = (size_t) (m->n_outputs + m->n_extra);
  *len = onnx__model_proto__get_packed_size (m->mp);
  *buf = malloc (*len ? *len : 1);
  if (*buf)
    onnx__model_proto__pack (m->mp, *buf);
  gp->output = saved;
  gp->n_output = n_saved;
  free (outs);
  free (extra);
  return *buf ? 0 : qdq_fail (err, errlen, "out of memory");
}

mnv3_qdq_param
mnv3_qdq_param_from_range (float lo, float hi, int is_signed)
{
  const double qmin = is_signed ? -128 : 0, qmax = is_signed ? 127 : 255;
  double rmin = lo < 0 ? lo : 0, rmax = hi > 0 ? hi : 0, zp;
  mnv3_qdq_param p;

  if (!isfinite (rmin) || !isfinite (rmax) || rmax - rmin <= 0) {
    p.scale = 1.0f;
    p.zero_point = 0;
    return p;
  }
  p.scale = (float) ((rmax - rmin) / (qmax - qmin));
  zp = nearbyint (qmin - rmin / p.scale);
  p.zero_point = (int32_t) (zp < qmin ? qmin : zp > qmax ? qmax : zp);
  return p;
}
