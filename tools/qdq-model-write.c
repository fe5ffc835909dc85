/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-model-write.c: writing the QDQ model (mnv3_qdq_write, see
 * qdq-model.h): building protobuf-c messages, quantizing the weights,
 * inserting the Q/DQ pairs and writing the file.  Split out of
 * qdq-model.c, which reads and analyses the model.
 *
 * Everything added to the unpacked protobuf-c message is malloc'd and
 * owned by it, so protobuf_c_message_free_unpacked() (which frees with the
 * default allocator, free()) releases the whole rewritten model.
 */
#include "qdq-model.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx-subset.pb-c.h"
#include "qdq-model-internal.h"

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

  if (n->n_input < 2 || !(w = qdq_init_find (rw->gp, n->input[1]))
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
      && qdq_attr_int (n, "group", 1) == 1)
    axis = 1;
  else if (strcmp (op, "Gemm") == 0 && w->n_dims == 2) {
    if (qdq_attr_int (n, "transA", 0) != 0)
      goto out;
    axis = qdq_attr_int (n, "transB", 0) ? 0 : 1;
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
      || strcmp (op, "MatMul") == 0 || !(b = qdq_init_find (rw->gp, n->input[2]))
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
          && qdq_readers (gp, t->name, NULL) == 0
          && qdq_is_graph_output (gp, t->name) < 0;
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
    return qdq_fail (err, errlen, "out of memory");
  onnx__model_proto__pack (mp, buf);
  f = fopen (path, "wb");
  if (!f) {
    free (buf);
    return qdq_fail (err, errlen, "%s: cannot create", path);
  }
  ok = fwrite (buf, 1, len, f) == len;
  ok &= fclose (f) == 0;
  free (buf);
  return ok ? 0 : qdq_fail (err, errlen, "%s: write failed", path);
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
    return qdq_fail (err, errlen, "the model was already rewritten");
  }
  m->written = 1;
  if (!dq)
    return qdq_fail (err, errlen, "out of memory");
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
    int is_out = qdq_is_graph_output (gp, t) >= 0;
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
      int is_out = qdq_is_graph_output (gp, t) >= 0;
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
  ret = qdq_fail (err, errlen, "out of memory");
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
