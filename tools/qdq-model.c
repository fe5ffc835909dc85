/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-model.c: float ONNX model -> QDQ ONNX model (see qdq-model.h).
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

#define DT_FLOAT 1
#define DT_UINT8 2
#define DT_INT8 3
#define DT_INT32 6

struct mnv3_qdq_model {
  Onnx__ModelProto *mp;
  Onnx__OperatorSetIdProto *opset;  /* the default domain's entry */
  mnv3_qdq_act *acts;
  int n_acts;
  int n_outputs;                    /* the model's own graph outputs */
  int n_extra;                      /* outputs added for calibration */
  int written;
};

static int
fail (char *err, size_t errlen, const char *fmt, ...)
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

static int64_t
attr_int (const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
  const Onnx__AttributeProto *a = attr_find (n, name);
  return a && a->has_i ? a->i : dflt;
}

static Onnx__TensorProto *
init_find (const Onnx__GraphProto *gp, const char *name)
{
  for (size_t i = 0; i < gp->n_initializer; i++)
    if (gp->initializer[i]->name && strcmp (gp->initializer[i]->name,
            name) == 0)
      return gp->initializer[i];
  return NULL;
}

static int
readers (const Onnx__GraphProto *gp, const char *name,
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

static int
is_graph_output (const Onnx__GraphProto *gp, const char *name)
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
    if (!v->name || init_find (gp, v->name))
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
        && attr_int (n, "to", DT_FLOAT) != DT_FLOAT)
      continue;
    for (size_t j = 0; j < n->n_output; j++)
      if (n->output[j][0] && set_add (&data, n->output[j]))
        goto oom;
    if (!op_is (n, quant_ops) || !n->output[0][0])
      continue;
    if (op_is (n, fusable_ops) && is_graph_output (gp, n->output[0]) < 0
        && readers (gp, n->output[0], &reader) == 1 && op_is (reader,
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
    a->output = is_graph_output (gp, a->name);
    if (a->output < 0)
      a->output = m->n_outputs + extra++;
  }
  m->n_extra = extra;
  ret = 0;
  if (m->n_acts == 0)
    ret = fail (err, errlen, "no float input or activation to quantize");
  free (data.v);
  return ret;
oom:
  free (data.v);
  return fail (err, errlen, "out of memory");
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
    return fail (err, errlen, "the model imports no default-domain opset");
  if (m->opset->version >= 13)
    return 0;
  if (m->opset->version < 11)
    return fail (err, errlen, "opset %lld: per-channel QDQ needs opset 13; "
        "re-export the model with opset 13 or newer",
        (long long) m->opset->version);
  for (size_t i = 0; i < mp->graph->n_node; i++)
    if (op_is (mp->graph->node[i], changed_by_13))
      return fail (err, errlen, "opset %lld with %s, whose meaning changed "
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
    return fail (err, errlen, "%s: cannot open", path);
  if (fseek (f, 0, SEEK_END) || (size = ftell (f)) <= 0
      || fseek (f, 0, SEEK_SET) || !(buf = malloc ((size_t) size))) {
    fclose (f);
    return fail (err, errlen, "%s: cannot read", path);
  }
  if (fread (buf, 1, (size_t) size, f) != (size_t) size) {
    free (buf);
    fclose (f);
    return fail (err, errlen, "%s: cannot read", path);
  }
  fclose (f);
  m = calloc (1, sizeof *m);
  if (!m) {
    free (buf);
    return fail (err, errlen, "out of memory");
  }
  m->mp = onnx__model_proto__unpack (NULL, (size_t) size, buf);
  free (buf);
  if (!m->mp || !m->mp->graph) {
    mnv3_qdq_free (m);
    return fail (err, errlen, "%s: not an ONNX model", path);
  }
  for (size_t i = 0; i < m->mp->graph->n_node; i++) {
    const Onnx__NodeProto *n = m->mp->graph->node[i];
    if (!n->op_type || (n->domain && n->domain[0]
            && strcmp (n->domain, "ai.onnx") != 0)) {
      mnv3_qdq_free (m);
      return fail (err, errlen, "%s: operator %s of domain '%s' is not "
          "supported", path, n->op_type ? n->op_type : "?",
          n->domain ? n->domain : "");
    }
    if (strcmp (n->op_type, "QuantizeLinear") == 0
        || strcmp (n->op_type, "DequantizeLinear") == 0) {
      mnv3_qdq_free (m);
      return fail (err, errlen, "%s: the model is already quantized", path);
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
    return fail (err, errlen, "the model was already rewritten");
  outs = calloc ((size_t) (m->n_outputs + m->n_extra), sizeof *outs);
  extra = calloc ((size_t) m->n_extra + 1, sizeof *extra);
  if (!outs || !extra) {
    free (outs);
    free (extra);
    return fail (err, errlen, "out of memory");
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
  return *buf ? 0 : fail (err, errlen, "out of memory");
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

/* ---- building messages ------------------------------------------------ */

typedef struct {
  Onnx__NodeProto **v;
  size_t n, cap;
  int oom;
} node_list;

static void
push (node_list *l, Onnx__NodeProto *n)
{
  if (!n) {
    l->oom = 1;
    return;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    Onnx__NodeProto **v = realloc (l->v, sizeof *v * cap);
    if (!v) {
      l->oom = 1;
      onnx__node_proto__free_unpacked (n, NULL);
      return;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = n;
}

static char *
cat (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  char *s = malloc (la + lb + 1);
  if (s) {
    memcpy (s, a, la);
    memcpy (s + la, b, lb + 1);
  }
  return s;
}

/* A node name+op with inputs in[0..n_in) and one output; axis < INT_MIN+1
 * means none. */
static Onnx__NodeProto *
node_new (const char *op, const char *name, const char *const *in, int n_in,
    const char *out, int64_t axis)
{
  Onnx__NodeProto *n = malloc (sizeof *n);
  int ok;

  if (!n)
    return NULL;
  onnx__node_proto__init (n);
  n->op_type = strdup (op);
  n->name = strdup (name);
  n->input = calloc ((size_t) n_in, sizeof *n->input);
  n->output = calloc (1, sizeof *n->output);
  ok = n->op_type && n->name && n->input && n->output;
  if (n->input)
    for (int i = 0; i < n_in; i++, n->n_input++)
      ok &= (n->input[i] = strdup (in[i])) != NULL;
  if (n->output)
    ok &= (n->output[n->n_output++] = strdup (out)) != NULL;
  if (ok && axis != INT64_MIN) {
    Onnx__AttributeProto *a = malloc (sizeof *a);
    n->attribute = malloc (sizeof *n->attribute);
    if (a)
      onnx__attribute_proto__init (a);
    if (a && n->attribute && (a->name = strdup ("axis"))) {
      a->has_i = 1;
      a->i = axis;
      a->has_type = 1;
      a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
      n->attribute[n->n_attribute++] = a;
    } else {
      free (a);
      ok = 0;
    }
  }
  if (!ok) {
    onnx__node_proto__free_unpacked (n, NULL);
    return NULL;
  }
  return n;
}

static Onnx__TensorProto *
tensor_new (const char *name, int dtype, const int64_t *dims, int ndims,
    const void *data, size_t bytes)
{
  Onnx__TensorProto *t = malloc (sizeof *t);

  if (!t)
    return NULL;
  onnx__tensor_proto__init (t);
  t->name = strdup (name);
  t->has_data_type = 1;
  t->data_type = dtype;
  t->dims = ndims ? malloc (sizeof *dims * (size_t) ndims) : NULL;
  t->raw_data.data = malloc (bytes ? bytes : 1);
  if (!t->name || (ndims && !t->dims) || !t->raw_data.data) {
    onnx__tensor_proto__free_unpacked (t, NULL);
    return NULL;
  }
  if (ndims)
    memcpy (t->dims, dims, sizeof *dims * (size_t) ndims);
  t->n_dims = (size_t) ndims;
  memcpy (t->raw_data.data, data, bytes);
  t->raw_data.len = bytes;
  t->has_raw_data = 1;
  return t;
}

typedef struct {
  Onnx__GraphProto *gp;
  Onnx__TensorProto **inits;   /* initializers added */
  size_t n_inits, cap_inits;
  char **dropped;              /* float initializers replaced */
  size_t n_dropped;
  int oom;
} rewrite;

static void
add_init (rewrite *rw, Onnx__TensorProto *t)
{
  if (!t) {
    rw->oom = 1;
    return;
  }
  if (rw->n_inits == rw->cap_inits) {
    size_t cap = rw->cap_inits ? 2 * rw->cap_inits : 128;
    Onnx__TensorProto **v = realloc (rw->inits, sizeof *v * cap);
    if (!v) {
      rw->oom = 1;
      onnx__tensor_proto__free_unpacked (t, NULL);
      return;
    }
    rw->inits = v;
    rw->cap_inits = cap;
  }
  rw->inits[rw->n_inits++] = t;
}

static int
added (const rewrite *rw, const char *name)
{
  for (size_t i = 0; i < rw->n_inits; i++)
    if (strcmp (rw->inits[i]->name, name) == 0)
      return 1;
  return 0;
}

/* A bias shared with an earlier node is left float here: its int32 scale
 * would depend on each reader's input scale. */
static int
bias_done (const rewrite *rw, const char *name)
{
  char *q = cat (name, "_quantized");
  int r = !q || added (rw, q);
  free (q);
  return r;
}

static void
drop_init (rewrite *rw, const char *name)
{
  char **v = realloc (rw->dropped, sizeof *v * (rw->n_dropped + 1));
  if (!v || !(v[rw->n_dropped] = strdup (name))) {
    if (v)
      rw->dropped = v;
    rw->oom = 1;
    return;
  }
  rw->dropped = v;
  rw->n_dropped++;
}

/* Float values of an initializer (malloc'd copy), or NULL. */
static float *
init_floats (const Onnx__TensorProto *t, int64_t *count)
{
  int64_t n = 1;
  float *v;

  if (!t->has_data_type || t->data_type != DT_FLOAT
      || (t->has_data_location && t->data_location
          == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
    return NULL;
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 0 || (t->dims[i] > 0 && n > INT32_MAX / t->dims[i]))
      return NULL;
    n *= t->dims[i];
  }
  if (t->has_raw_data ? t->raw_data.len != (size_t) n * 4
      : t->n_float_data != (size_t) n)
    return NULL;
  v = malloc (sizeof *v * (size_t) (n ? n : 1));
  if (!v)
    return NULL;
  memcpy (v, t->has_raw_data ? (const void *) t->raw_data.data
      : (const void *) t->float_data, sizeof *v * (size_t) n);
  *count = n;
  return v;
}

static void
emit_qdq (node_list *l, const char *in, const char *out,
    const char *scale, const char *zp)
{
  char *q = cat (in, "_QuantizeLinear_Output");
  char *qn = cat (in, "_QuantizeLinear");
  char *dqn = cat (in, "_DequantizeLinear");
  const char *qin[3] = { in, scale, zp };
  const char *dqin[3] = { q, scale, zp };

  if (!q || !qn || !dqn)
    l->oom = 1;
  else {
    push (l, node_new ("QuantizeLinear", qn, qin, 3, q, INT64_MIN));
    push (l, node_new ("DequantizeLinear", dqn, dqin, 3, out, INT64_MIN));
  }
  free (q);
  free (qn);
  free (dqn);
}

/* Scale and zero point initializers of activation a. */
static void
act_params_init (rewrite *rw, const mnv3_qdq_act *a, mnv3_qdq_param p,
    int is_signed)
{
  char *s = cat (a->name, "_scale"), *z = cat (a->name, "_zero_point");
  int8_t zp8 = (int8_t) p.zero_point;
  uint8_t zpu = (uint8_t) p.zero_point;

  if (!s || !z)
    rw->oom = 1;
  else {
    add_init (rw, tensor_new (s, DT_FLOAT, NULL, 0, &p.scale, 4));
    add_init (rw, tensor_new (z, is_signed ? DT_INT8 : DT_UINT8, NULL, 0,
            is_signed ? (const void *) &zp8 : (const void *) &zpu, 1));
  }
  free (s);
  free (z);
}

/* Input 1 (weights) and 2 (bias) of n as DequantizeLinear outputs.
 * in_scale: scale of n's quantized input, or 0 when it is float. */
static void
quantize_weights (rewrite *rw, node_list *l, Onnx__NodeProto *n,
    float in_scale, mnv3_qdq_stats *st)
{
  Onnx__TensorProto *w, *b;
  const char *op = n->op_type;
  float *wv = NULL, *bv = NULL, *scale = NULL;
  int64_t count, bcount, axis = -1, ch = 1, inner, outer;
  int8_t *q = NULL, *zp = NULL;
  int32_t *bq = NULL;
  char *names[8] = { 0 };

  if (n->n_input < 2 || !(w = init_find (rw->gp, n->input[1]))
      || !(wv = init_floats (w, &count)) || count == 0)
    goto out;
  /* A weight tensor shared by several nodes is quantized once (its float
   * bias, if shared too, stays float for the later readers). */
  names[0] = cat (w->name, "_quantized");
  if (names[0] && added (rw, names[0])) {
    char *dq = cat (w->name, "_DequantizeLinear_Output");
    if (!dq) {
      rw->oom = 1;
      goto out;
    }
    free (n->input[1]);
    n->input[1] = dq;
    goto out;
  }
  free (names[0]);
  names[0] = NULL;
  if (strcmp (op, "Conv") == 0 && w->n_dims >= 3)
    axis = 0;
  else if (strcmp (op, "ConvTranspose") == 0 && w->n_dims >= 3
      && attr_int (n, "group", 1) == 1)
    axis = 1;
  else if (strcmp (op, "Gemm") == 0 && w->n_dims == 2) {
    if (attr_int (n, "transA", 0) != 0)
      goto out;
    axis = attr_int (n, "transB", 0) ? 0 : 1;
  } else if (strcmp (op, "MatMul") == 0 && w->n_dims == 2)
    axis = 1;
  ch = axis >= 0 ? w->dims[axis] : 1;
  outer = 1;
  for (int64_t d = 0; d < axis; d++)
    outer *= w->dims[d];
  inner = count / (outer * ch);
  scale = calloc ((size_t) ch, sizeof *scale);
  q = malloc ((size_t) count);
  zp = calloc ((size_t) ch, 1);
  if (!scale || !q || !zp) {
    rw->oom = 1;
    goto out;
  }
  /* s = max|w| / 127 per channel; values in [-127, 127] (no -128: the
   * range stays symmetric, and int8 dot products cannot overflow int16
   * pairs in VNNI-less kernels). */
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < ch; c++)
      for (int64_t i = 0; i < inner; i++) {
        float a = fabsf (wv[(o * ch + c) * inner + i]);
        if (a > scale[c])
          scale[c] = a;
      }
  for (int64_t c = 0; c < ch; c++)
    scale[c] = scale[c] > 0 ? scale[c] / 127.0f : 1.0f;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < ch; c++)
      for (int64_t i = 0; i < inner; i++) {
        int64_t k = (o * ch + c) * inner + i;
        float r = nearbyintf (wv[k] / scale[c]);
        q[k] = (int8_t) (r > 127 ? 127 : r < -127 ? -127 : r);
      }
  names[0] = cat (w->name, "_quantized");
  names[1] = cat (w->name, "_scale");
  names[2] = cat (w->name, "_zero_point");
  names[3] = cat (w->name, "_DequantizeLinear_Output");
  names[4] = cat (w->name, "_DequantizeLinear");
  for (int i = 0; i < 5; i++)
    if (!names[i]) {
      rw->oom = 1;
      goto out;
    }
  add_init (rw, tensor_new (names[0], DT_INT8, w->dims, (int) w->n_dims, q,
          (size_t) count));
  add_init (rw, tensor_new (names[1], DT_FLOAT, &ch, axis >= 0, scale,
          sizeof *scale * (size_t) ch));
  add_init (rw, tensor_new (names[2], DT_INT8, &ch, axis >= 0, zp,
          (size_t) ch));
  push (l, node_new ("DequantizeLinear", names[4],
          (const char *const *) names, 3, names[3],
          axis >= 0 ? axis : INT64_MIN));
  drop_init (rw, w->name);
  free (n->input[1]);
  n->input[1] = names[3];
  names[3] = NULL;
  st->weights++;
  st->per_tensor += axis < 0;
  st->float_bytes += count * 4;
  st->int_bytes += count;

  /* Bias: int32 with scale s_in * s_w[c], as the integer accumulator. */
  if (in_scale <= 0 || n->n_input < 3 || !n->input[2][0]
      || strcmp (op, "MatMul") == 0 || !(b = init_find (rw->gp, n->input[2]))
      || bias_done (rw, b->name)
      || b->n_dims != 1 || !(bv = init_floats (b, &bcount))
      || (axis >= 0 ? bcount != ch : 0))
    goto out;
  {
    int64_t bch = axis >= 0 ? ch : bcount;
    float *bs = malloc (sizeof *bs * (size_t) bch);
    int32_t *bz = calloc ((size_t) bch, sizeof *bz);
    bq = malloc (sizeof *bq * (size_t) bch);
    if (!bs || !bz || !bq) {
      free (bs);
      free (bz);
      rw->oom = 1;
      goto out;
    }
    for (int64_t c = 0; c < bch; c++) {
      double r;
      bs[c] = in_scale * scale[axis >= 0 ? c : 0];
      r = nearbyint ((double) bv[c] / bs[c]);
      bq[c] = (int32_t) (r > INT32_MAX ? INT32_MAX : r < -INT32_MAX
          ? -INT32_MAX : r);
    }
    for (int i = 0; i < 5; i++)
      free (names[i]);
    names[0] = cat (b->name, "_quantized");
    names[1] = cat (b->name, "_scale");
    names[2] = cat (b->name, "_zero_point");
    names[3] = cat (b->name, "_DequantizeLinear_Output");
    names[4] = cat (b->name, "_DequantizeLinear");
    for (int i = 0; i < 5; i++)
      if (!names[i])
        rw->oom = 1;
    if (!rw->oom) {
      add_init (rw, tensor_new (names[0], DT_INT32, &bch, 1, bq,
              sizeof *bq * (size_t) bch));
      add_init (rw, tensor_new (names[1], DT_FLOAT, &bch, 1, bs,
              sizeof *bs * (size_t) bch));
      add_init (rw, tensor_new (names[2], DT_INT32, &bch, 1, bz,
              sizeof *bz * (size_t) bch));
      push (l, node_new ("DequantizeLinear", names[4],
              (const char *const *) names, 3, names[3], 0));
      drop_init (rw, b->name);
      free (n->input[2]);
      n->input[2] = names[3];
      names[3] = NULL;
      st->biases++;
    }
    free (bs);
    free (bz);
  }
out:
  for (int i = 0; i < 5; i++)
    free (names[i]);
  free (wv);
  free (bv);
  free (scale);
  free (q);
  free (zp);
  free (bq);
}

/* Removes the float initializers that no node reads any more, and graph
 * inputs of the same names (old exports list initializers as inputs). */
static void
drop_unused (rewrite *rw)
{
  Onnx__GraphProto *gp = rw->gp;
  size_t k = 0;

  for (size_t i = 0; i < gp->n_initializer; i++) {
    Onnx__TensorProto *t = gp->initializer[i];
    int dropped = 0;
    for (size_t d = 0; d < rw->n_dropped && !dropped; d++)
      dropped = strcmp (rw->dropped[d], t->name) == 0
          && readers (gp, t->name, NULL) == 0
          && is_graph_output (gp, t->name) < 0;
    if (!dropped) {
      gp->initializer[k++] = t;
      continue;
    }
    for (size_t j = 0; j < gp->n_input; j++)
      if (gp->input[j]->name && strcmp (gp->input[j]->name, t->name) == 0) {
        onnx__value_info_proto__free_unpacked (gp->input[j], NULL);
        memmove (gp->input + j, gp->input + j + 1,
            sizeof *gp->input * (gp->n_input - j - 1));
        gp->n_input--;
        break;
      }
    onnx__tensor_proto__free_unpacked (t, NULL);
  }
  gp->n_initializer = k;
}

static int
add_metadata (Onnx__ModelProto *mp, const char *key, const char *value)
{
  Onnx__StringStringEntryProto **v, *e;

  v = realloc (mp->metadata_props, sizeof *v * (mp->n_metadata_props + 1));
  if (!v)
    return -1;
  mp->metadata_props = v;
  e = malloc (sizeof *e);
  if (!e)
    return -1;
  onnx__string_string_entry_proto__init (e);
  e->key = strdup (key);
  e->value = strdup (value);
  v[mp->n_metadata_props++] = e;   /* owned by the message from here */
  return e->key && e->value ? 0 : -1;
}

static int
write_file (const char *path, const Onnx__ModelProto *mp, char *err,
    size_t errlen)
{
  size_t len = onnx__model_proto__get_packed_size (mp);
  uint8_t *buf = malloc (len ? len : 1);
  FILE *f;
  int ok;

  if (!buf)
    return fail (err, errlen, "out of memory");
  onnx__model_proto__pack (mp, buf);
  f = fopen (path, "wb");
  if (!f) {
    free (buf);
    return fail (err, errlen, "%s: cannot create", path);
  }
  ok = fwrite (buf, 1, len, f) == len;
  ok &= fclose (f) == 0;
  free (buf);
  return ok ? 0 : fail (err, errlen, "%s: write failed", path);
}

int
mnv3_qdq_write (mnv3_qdq_model *m, const mnv3_qdq_param *params,
    int is_signed, const char *note, const char *path,
    mnv3_qdq_stats *stats, char *err, size_t errlen)
{
  Onnx__GraphProto *gp = m->mp->graph;
  node_list l = { 0 };
  rewrite rw = { .gp = gp };
  char **dq = calloc ((size_t) m->n_acts, sizeof *dq);
  mnv3_qdq_stats st = { 0 };
  int ret = -1;

  if (m->written) {
    free (dq);
    return fail (err, errlen, "the model was already rewritten");
  }
  m->written = 1;
  if (!dq)
    return fail (err, errlen, "out of memory");
  if (m->opset->version < 13) {
    m->opset->version = 13;
    if (!m->mp->has_ir_version || m->mp->ir_version < 7) {
      m->mp->has_ir_version = 1;
      m->mp->ir_version = 7;
    }
  }
  /* Readers of an activation read its DequantizeLinear output; a graph
   * output keeps its name on the DequantizeLinear, its producer's output
   * is renamed. */
  for (int i = 0; i < m->n_acts; i++) {
    const char *t = m->acts[i].name;
    int is_out = is_graph_output (gp, t) >= 0;
    dq[i] = is_out ? strdup (t) : cat (t, "_DequantizeLinear_Output");
    if (!dq[i])
      goto oom;
    act_params_init (&rw, &m->acts[i], params[m->acts[i].share >= 0
            ? m->acts[i].share : i], is_signed);
    for (size_t k = 0; k < gp->n_node; k++) {
      Onnx__NodeProto *n = gp->node[k];
      for (size_t j = 0; !is_out && j < n->n_input; j++)
        if (strcmp (n->input[j], t) == 0) {
          char *s = strdup (dq[i]);
          if (!s)
            goto oom;
          free (n->input[j]);
          n->input[j] = s;
        }
      for (size_t j = 0; is_out && j < n->n_output; j++)
        if (strcmp (n->output[j], t) == 0) {
          char *s = cat (t, "_QuantizeLinear_Input");
          if (!s)
            goto oom;
          free (n->output[j]);
          n->output[j] = s;
        }
    }
  }
  for (int i = 0; i < m->n_acts; i++)
    if (strcmp (m->acts[i].op, "input") == 0) {
      char *s = cat (m->acts[i].name, "_scale");
      char *z = cat (m->acts[i].name, "_zero_point");
      if (s && z)
        emit_qdq (&l, m->acts[i].name, dq[i], s, z);
      else
        l.oom = 1;
      free (s);
      free (z);
    }
  for (size_t k = 0; k < gp->n_node; k++) {
    Onnx__NodeProto *n = gp->node[k];
    const char *op = n->op_type;
    if (strcmp (op, "Conv") == 0 || strcmp (op, "ConvTranspose") == 0
        || strcmp (op, "Gemm") == 0 || strcmp (op, "MatMul") == 0) {
      float in_scale = 0;
      for (int i = 0; i < m->n_acts && n->n_input > 0; i++)
        if (strcmp (dq[i], n->input[0]) == 0)
          in_scale = params[m->acts[i].share >= 0 ? m->acts[i].share
              : i].scale;
      quantize_weights (&rw, &l, n, in_scale, &st);
    }
    push (&l, n);
    gp->node[k] = NULL;
    for (int i = 0; i < m->n_acts; i++) {
      const char *t = m->acts[i].name;
      int is_out = is_graph_output (gp, t) >= 0;
      char *src = is_out ? cat (t, "_QuantizeLinear_Input") : strdup (t);
      char *s = cat (t, "_scale"), *z = cat (t, "_zero_point");
      if (src && s && z && n->n_output > 0 && strcmp (n->output[0], src) == 0)
        emit_qdq (&l, src, dq[i], s, z);
      else if (!src || !s || !z)
        l.oom = 1;
      free (src);
      free (s);
      free (z);
    }
  }
  free (gp->node);
  gp->node = l.v;
  gp->n_node = l.n;
  l.v = NULL;
  l.n = 0;
  if (l.oom || rw.oom)
    goto oom;
  /* New initializers go after the model's own. */
  {
    Onnx__TensorProto **v = realloc (gp->initializer,
        sizeof *v * (gp->n_initializer + rw.n_inits));
    if (!v)
      goto oom;
    memcpy (v + gp->n_initializer, rw.inits, sizeof *v * rw.n_inits);
    gp->initializer = v;
    gp->n_initializer += rw.n_inits;
    rw.n_inits = 0;
  }
  drop_unused (&rw);
  if (note && add_metadata (m->mp, "mnv3.quantize", note))
    goto oom;
  ret = write_file (path, m->mp, err, errlen);
  if (stats)
    *stats = st;
  goto out;
oom:
  ret = fail (err, errlen, "out of memory");
out:
  for (size_t i = 0; i < l.n; i++)
    onnx__node_proto__free_unpacked (l.v[i], NULL);
  free (l.v);
  for (size_t i = 0; i < rw.n_inits; i++)
    onnx__tensor_proto__free_unpacked (rw.inits[i], NULL);
  free (rw.inits);
  for (size_t i = 0; i < rw.n_dropped; i++)
    free (rw.dropped[i]);
  free (rw.dropped);
  for (int i = 0; i < m->n_acts; i++)
    free (dq[i]);
  free (dq);
  return ret;
}
