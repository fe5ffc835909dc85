/* onnx_import.c — ONNX model file to mnv3_graph.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reads the models torch.onnx.export (torch 1.13) writes for opsets 11..17
 * (older opsets from 7 are accepted where the operator semantics we use did
 * not change).  The protobuf is decoded by protobuf-c from onnx-subset.proto;
 * all shapes and sizes in it are checked here before anything is allocated
 * from them.  See onnx_internal.h for how values are represented and
 * onnx_ops.c for the operator table.
 *
 * Metadata contract (ONNX ModelProto.metadata_props -> mnv3_graph meta,
 * read back with mnv3_model_metadata()).  models/export_torchvision.py writes
 * these; every other key of the file is copied through unchanged.
 *   "task"    "classification", "detection" (anchor/box-coder keys listed
 *             in models/export_detection.py), later "segmentation"
 *   "model"   the network's name, e.g. "mobilenet_v3_large"
 *   "labels"  class names in output index order, newline-separated
 *   "mean"    "r,g,b": three floats in 0..255 pixel units
 *   "std"     "r,g,b": three floats in 0..255 pixel units, all > 0;
 *             the network's input is (pixel - mean) / std, RGB, NCHW in the
 *             file (NHWC in mnv3)
 * The importer checks that "mean" and "std" parse as described (a file that
 * breaks this is reported as MNV3_ERR_FORMAT) and adds "format" = "onnx",
 * and "input_dynamic" = "1" when the graph input's H or W is symbolic or -1
 * (then "input_size", when present, is only the default size).
 *
 * Resize sizes: sizes computed from another tensor's shape
 * (F.interpolate(size=t.shape[-2:])) become MNV3_RESIZE_SIZE_LIKE(t).  When
 * torch has already folded them to literal numbers, a literal size equal to
 * the graph input's H,W, or else to the H,W of a tensor computed earlier,
 * also becomes SIZE_LIKE of that tensor (identical at the exported size, and
 * follows the input when a session uses another size); anything else is
 * MNV3_RESIZE_SIZE_FIXED.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

/* ---- errors ----------------------------------------------------------- */

mnv3_status
onnx_node_error (onnx_ctx *cx, mnv3_status s, const char *fmt, ...)
{
  char msg[384];
  va_list ap;
  const Onnx__NodeProto *n = cx->node;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (!n)
    return mnv3_set_error (s, "onnx: %s", msg);
  return mnv3_set_error (s, "onnx: node %d '%s' (%s): %s", cx->node_index,
      n->name && n->name[0] ? n->name : (n->n_output ? n->output[0] : "?"),
      n->op_type ? n->op_type : "?", msg);
}

/* ---- value table ------------------------------------------------------ */

static uint32_t
onnx_hash (const char *s)
{
  uint32_t h = 2166136261u;     /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 16777619u;
  return h;
}

onnx_val *
onnx_val_find (onnx_ctx *cx, const char *name)
{
  uint32_t mask = (uint32_t) cx->hash_cap - 1;
  uint32_t k = onnx_hash (name) & mask;

  while (cx->hash[k] >= 0) {
    onnx_val *v = &cx->vals[cx->hash[k]];
    if (strcmp (v->name, name) == 0)
      return v;
    k = (k + 1) & mask;
  }
  return NULL;
}

mnv3_status
onnx_val_define (onnx_ctx *cx, const char *name, onnx_val **out)
{
  uint32_t mask = (uint32_t) cx->hash_cap - 1;
  uint32_t k;
  onnx_val *v;

  if (!name || !name[0])
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "empty value name");
  if (cx->num_vals >= cx->cap_vals)   /* cannot happen: sized from file */
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "too many values");
  k = onnx_hash (name) & mask;
  while (cx->hash[k] >= 0) {
    if (strcmp (cx->vals[cx->hash[k]].name, name) == 0)
      return onnx_node_error (cx, MNV3_ERR_FORMAT,
          "value '%s' is defined twice", name);
    k = (k + 1) & mask;
  }
  cx->hash[k] = cx->num_vals;
  v = &cx->vals[cx->num_vals++];
  memset (v, 0, sizeof *v);
  v->name = name;
  v->tensor = -1;
  v->tid[0] = v->tid[1] = -1;
  *out = v;
  return MNV3_OK;
}

mnv3_status
onnx_input (onnx_ctx *cx, const Onnx__NodeProto *n, int i, onnx_val **out)
{
  *out = NULL;
  if (i >= (int) n->n_input || !n->input[i] || !n->input[i][0])
    return MNV3_OK;
  *out = onnx_val_find (cx, n->input[i]);
  if (!*out)
    return onnx_node_error (cx, MNV3_ERR_FORMAT,
        "input %d '%s' is not defined before use", i, n->input[i]);
  /* a view has no layout of its own (onnx_internal.h) */
  if ((*out)->view != ONNX_VIEW_NONE && strcmp (n->op_type, "Reshape") != 0
      && strcmp (n->op_type, "Flatten") != 0
      && strcmp (n->op_type, "Transpose") != 0
      && strcmp (n->op_type, "Shape") != 0)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "input %d '%s' is a transposed/5-D tensor (only Reshape may use it)",
        i, n->input[i]);
  return MNV3_OK;
}

int
onnx_use_count (onnx_ctx *cx, const char *name)
{
  const Onnx__GraphProto *gp = cx->gp;
  int count = 0;

  for (size_t i = 0; i < gp->n_node; i++)
    for (size_t j = 0; j < gp->node[i]->n_input; j++)
      if (gp->node[i]->input[j] && strcmp (gp->node[i]->input[j], name) == 0)
        count++;
  for (size_t i = 0; i < gp->n_output; i++)
    if (gp->output[i]->name && strcmp (gp->output[i]->name, name) == 0)
      count++;
  return count;
}

const Onnx__NodeProto *
onnx_sole_consumer (onnx_ctx *cx, const char *name, int *index)
{
  const Onnx__GraphProto *gp = cx->gp;

  if (onnx_use_count (cx, name) != 1)
    return NULL;
  for (size_t i = 0; i < gp->n_node; i++)
    for (size_t j = 0; j < gp->node[i]->n_input; j++)
      if (gp->node[i]->input[j] && strcmp (gp->node[i]->input[j], name) == 0) {
        *index = (int) i;
        return gp->node[i];
      }
  return NULL;
}

/* ---- attributes ------------------------------------------------------- */

const Onnx__AttributeProto *
onnx_attr (const Onnx__NodeProto *n, const char *name)
{
  for (size_t i = 0; i < n->n_attribute; i++)
    if (n->attribute[i]->name && strcmp (n->attribute[i]->name, name) == 0)
      return n->attribute[i];
  return NULL;
}

int64_t
onnx_attr_int (const Onnx__NodeProto *n, const char *name, int64_t def)
{
  const Onnx__AttributeProto *a = onnx_attr (n, name);
  return a && a->has_i ? a->i : def;
}

float
onnx_attr_float (const Onnx__NodeProto *n, const char *name, float def)
{
  const Onnx__AttributeProto *a = onnx_attr (n, name);
  return a && a->has_f ? a->f : def;
}

const char *
onnx_attr_string (const Onnx__NodeProto *n, const char *name,
    const char *def, char *buf, size_t len)
{
  const Onnx__AttributeProto *a = onnx_attr (n, name);
  size_t l;

  if (!a || !a->has_s)
    return def;
  l = a->s.len < len - 1 ? a->s.len : len - 1;
  if (l)
    memcpy (buf, a->s.data, l);
  buf[l] = '\0';
  return buf;
}

size_t
onnx_attr_ints (const Onnx__NodeProto *n, const char *name,
    const int64_t **ints)
{
  const Onnx__AttributeProto *a = onnx_attr (n, name);

  *ints = a ? a->ints : NULL;
  return a ? a->n_ints : 0;
}

/* ---- model level ------------------------------------------------------ */

static mnv3_status
onnx_check_model (onnx_ctx *cx)
{
  const Onnx__ModelProto *m = cx->model;

  cx->opset = -1;
  if (!m->graph || !m->has_ir_version || m->ir_version < 3)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "onnx: not an ONNX model (no graph or IR version)");
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = m->opset_import[i];
    if ((!o->domain || !o->domain[0] || strcmp (o->domain, "ai.onnx") == 0)
        && o->has_version)
      cx->opset = (int) (o->version > 1000 ? 1000
          : (o->version < 0 ? 0 : o->version));
  }
  if (cx->opset < 0)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "onnx: the model imports no default-domain opset");
  if (cx->opset < 7 || cx->opset > 18)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "onnx: opset %d is not supported (7..18; tested 11..17)", cx->opset);
  return MNV3_OK;
}

static mnv3_status
onnx_ctx_init (onnx_ctx *cx)
{
  const Onnx__GraphProto *gp = cx->gp;
  size_t n = gp->n_initializer + gp->n_input + 1;

  if (gp->n_node > MNV3_MAX_NODES)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "onnx: %zu nodes: too many "
        "(at most %d)", gp->n_node, MNV3_MAX_NODES);
  for (size_t i = 0; i < gp->n_node; i++)
    n += gp->node[i]->n_output;
  if (n > (1u << 26))
    return mnv3_set_error (MNV3_ERR_NOMEM, "onnx: too many values (%zu)", n);
  cx->cap_vals = (int) n;
  cx->vals = calloc (n, sizeof *cx->vals);
  for (cx->hash_cap = 16; (size_t) cx->hash_cap < 2 * n; cx->hash_cap *= 2)
    ;
  cx->hash = malloc ((size_t) cx->hash_cap * sizeof *cx->hash);
  cx->skip = calloc (gp->n_node + 1, 1);
  if (!cx->vals || !cx->hash || !cx->skip)
    return mnv3_set_error (MNV3_ERR_NOMEM, "onnx: out of memory");
  memset (cx->hash, 0xff, (size_t) cx->hash_cap * sizeof *cx->hash);
  return MNV3_OK;
}

static mnv3_status
onnx_load_initializers (onnx_ctx *cx)
{
  const Onnx__GraphProto *gp = cx->gp;

  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *t = gp->initializer[i];
    onnx_val *v;
    mnv3_status s;

    if (!t->name || !t->name[0])
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "onnx: initializer %zu has no name", i);
    if ((s = onnx_val_define (cx, t->name, &v)) != MNV3_OK)
      return s;
    if ((s = onnx_tensor_decode (cx, t, "initializer", v)) != MNV3_OK)
      return s;
  }
  return MNV3_OK;
}

/* The size the model was trained or exported at, from metadata
 * "input_size" ("HxW" or "N", as models/export_torchvision.py writes it):
 * the default of a dynamic spatial dim.  0 when absent or malformed. */
static void
onnx_meta_input_size (onnx_ctx *cx, int64_t *h, int64_t *w)
{
  const Onnx__ModelProto *m = cx->model;

  *h = *w = 0;
  for (size_t i = 0; i < m->n_metadata_props; i++) {
    const char *k = m->metadata_props[i]->key;
    const char *v = m->metadata_props[i]->value;
    long a, b;
    char x, extra;
    if (!k || !v || strcmp (k, "input_size") != 0)
      continue;
    if (sscanf (v, "%ld%c%ld%c", &a, &x, &b, &extra) == 3
        && (x == 'x' || x == 'X'))
      ;
    else if (sscanf (v, "%ld%c", &a, &extra) == 1)
      b = a;
    else
      return;
    if (a >= 1 && a <= ONNX_MAX_DIM && b >= 1 && b <= ONNX_MAX_DIM) {
      *h = a;
      *w = b;
    }
    return;
  }
}

/* Graph inputs: a 4-D NCHW float image.  A symbolic or -1 batch is taken
 * as 1.  A symbolic or -1 H or W (dynamic_axes exports) is fixed when a
 * session is created (mnv3_session_options.input_height/width, --size in
 * the tools); until then the importer infers shapes at a stand-in size:
 * metadata "input_size" when the file has it, which is then also the
 * default size of a session, else 224 (MobileNetV3's training size) with
 * the graph input's H/W left 0, so mnv3_model_input_info() reports -1 and
 * a session without a size is refused with a message asking for one.
 * Shape sub-graphs of the file stay symbolic (onnx_internal.h), so the
 * stand-in size does not leak into the plan. */
static mnv3_status
onnx_load_input (onnx_ctx *cx, const Onnx__ValueInfoProto *vi)
{
  const Onnx__TypeProto *tp = vi->type;
  const Onnx__TensorShapeProto *sh;
  int64_t dims[ONNX_MAX_RANK], mh, mw;
  int dynamic[ONNX_MAX_RANK] = {0};
  onnx_val *v;
  int rank;
  mnv3_status s;

  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || !tp->tensor_type)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "onnx: graph input '%s' is not a tensor", vi->name);
  if (tp->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "onnx: graph input '%s' has element type %d (float32 only)",
        vi->name, (int) tp->tensor_type->elem_type);
  sh = tp->tensor_type->shape;
  if (!sh || sh->n_dim != 4)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "onnx: graph input '%s' must be a 4-D NCHW image tensor", vi->name);
  onnx_meta_input_size (cx, &mh, &mw);
  rank = 4;
  for (int d = 0; d < rank; d++) {
    const Onnx__TensorShapeProto__Dimension *dm = sh->dim[d];
    int known = dm->value_case
        == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
        && dm->dim_value != -1;
    int64_t x = known ? dm->dim_value : -1;
    if (d == 0 && (!known || x <= 1))
      x = 1;
    if (!known && d >= 2) {
      dynamic[d] = 1;
      x = d == 2 ? (mh ? mh : 224) : (mw ? mw : 224);
    }
    if (x <= 0 || x > ONNX_MAX_DIM)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "onnx: graph input '%s' dim %d is %s", vi->name, d,
          known ? "out of range" : "dynamic (only H and W may be)");
    if (d == 0 && x != 1)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "onnx: graph input '%s' has batch %lld (1 only)", vi->name,
          (long long) x);
    dims[d] = x;
  }
  cx->node = NULL;
  if ((s = onnx_dyn_define (cx, vi->name, rank, dims, 0, &v)) != MNV3_OK)
    return s;
  if ((s = mnv3_graph_add_input (cx->g, v->tensor)) != MNV3_OK)
    return s;
  /* the file leaves H/W free, whether or not "input_size" gives a
   * default: a session may choose another size (what the inference
   * elements' input-width/input-height check) */
  if ((dynamic[2] || dynamic[3])
      && (s = mnv3_graph_set_meta (cx->g, "input_dynamic", "1")) != MNV3_OK)
    return s;
  /* no default size: the session must give one (set to 0 once the
   * nodes are imported, onnx_unset_dynamic) */
  if (!mh && (dynamic[2] || dynamic[3])) {
    cx->dyn_input = v->tensor;
    cx->dyn_hw = dynamic[2] | dynamic[3] << 1;
  }
  return MNV3_OK;
}

/* A dynamic H/W without a default: 0 in the graph, so plan.c refuses a
 * session that gives no size and the model reports the dim as -1. */
static void
onnx_unset_dynamic (onnx_ctx *cx)
{
  if (cx->dyn_input < 0)
    return;
  if (cx->dyn_hw & 1)
    cx->g->tensors[cx->dyn_input].h = 0;
  if (cx->dyn_hw & 2)
    cx->g->tensors[cx->dyn_input].w = 0;
}

static mnv3_status
onnx_load_inputs (onnx_ctx *cx)
{
  const Onnx__GraphProto *gp = cx->gp;
  mnv3_status s;

  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    if (!vi->name || !vi->name[0])
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "onnx: graph input %zu has no name", i);
    if (onnx_val_find (cx, vi->name))   /* IR < 4 lists initializers */
      continue;
    if ((s = onnx_load_input (cx, vi)) != MNV3_OK)
      return s;
  }
  if (cx->g->num_inputs != 1)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
        "onnx: the graph has %d inputs (1 image input only)",
        cx->g->num_inputs);
  return MNV3_OK;
}

static mnv3_status
onnx_import_nodes (onnx_ctx *cx)
{
  const Onnx__GraphProto *gp = cx->gp;

  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *n = gp->node[i];
    onnx_op_fn fn;
    int folded = 0;
    mnv3_status s;

    cx->node_index = (int) i;
    cx->node = n;
    if (cx->skip[i])
      continue;
    if (!n->op_type || !n->op_type[0])
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "no operator type");
    if (n->domain && n->domain[0] && strcmp (n->domain, "ai.onnx") != 0)
      return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
          "operator domain '%s' is not supported", n->domain);
    if (n->n_output < 1 || !n->output[0] || !n->output[0][0])
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "node has no output");
    if ((s = onnx_fold (cx, n, &folded)) != MNV3_OK)
      return s;
    if (folded)
      continue;
    fn = onnx_op_lookup (n->op_type);
    if (!fn)
      return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
          "operator '%s' is not supported", n->op_type);
    if ((s = fn (cx, n)) != MNV3_OK)
      return s;
  }
  cx->node = NULL;
  return MNV3_OK;
}

/* Graph outputs must be computed tensors.  An output that aliases another
 * tensor (Identity) gets a copy under its own name and rank. */
static mnv3_status
onnx_bind_outputs (onnx_ctx *cx)
{
  const Onnx__GraphProto *gp = cx->gp;
  mnv3_graph *g = cx->g;
  mnv3_status s;

  if (gp->n_output < 1)
    return mnv3_set_error (MNV3_ERR_FORMAT, "onnx: the graph has no output");
  for (size_t i = 0; i < gp->n_output; i++) {
    const char *name = gp->output[i]->name;
    onnx_val *v = name ? onnx_val_find (cx, name) : NULL;
    int t;

    if (!v)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "onnx: graph output '%s' is never computed", name ? name : "");
    if (v->kind != ONNX_VAL_DYN)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "onnx: graph output '%s' is a constant", name);
    if (v->view != ONNX_VIEW_NONE)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "onnx: graph output '%s' is a transposed or 5-D tensor", name);
    t = v->tensor;
    if (strcmp (g->tensors[t].name, name) != 0 || g->tensors[t].is_output) {
      mnv3_gtensor *src = &g->tensors[t];
      mnv3_gnode nd;
      int nt = mnv3_graph_add_tensor (g, name, v->rank, src->n, src->h,
          src->w, src->c, NULL);
      if (nt < 0)
        return MNV3_ERR_NOMEM;
      memset (&nd, 0, sizeof nd);
      nd.type = MNV3_OP_RESHAPE;
      nd.name = (char *) name;
      nd.inputs[0] = t;
      nd.num_inputs = 1;
      nd.output = nt;
      nd.u.reshape.nchw_source = 0;   /* a plain copy */
      if (mnv3_graph_add_node (g, &nd) < 0)
        return MNV3_ERR_NOMEM;
      t = nt;
    }
    g->tensors[t].rank = v->rank;
    if ((s = mnv3_graph_add_output (g, t)) != MNV3_OK)
      return s;
  }
  return MNV3_OK;
}

/* "r,g,b" with three finite floats; positive when `positive`. */
static int
onnx_parse_triplet (const char *s, int positive)
{
  for (int k = 0; k < 3; k++) {
    char *end;
    double x = strtod (s, &end);
    if (end == s || !isfinite (x) || (positive && x <= 0.0))
      return 0;
    s = end;
    while (*s == ' ')
      s++;
    if (k < 2 && *s++ != ',')
      return 0;
  }
  return *s == '\0';
}

static mnv3_status
onnx_load_metadata (onnx_ctx *cx)
{
  const Onnx__ModelProto *m = cx->model;
  mnv3_status s;

  for (size_t i = 0; i < m->n_metadata_props; i++) {
    const char *k = m->metadata_props[i]->key;
    const char *v = m->metadata_props[i]->value;
    if (!k || !k[0])
      continue;
    if (!v)
      v = "";
    if ((strcmp (k, "mean") == 0 || strcmp (k, "std") == 0)
        && !onnx_parse_triplet (v, k[0] == 's'))
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "onnx: metadata '%s' = '%.40s' is not three comma-separated "
          "numbers%s", k, v, k[0] == 's' ? " > 0" : "");
    if ((s = mnv3_graph_set_meta (cx->g, k, v)) != MNV3_OK)
      return s;
  }
  if (!mnv3_graph_get_meta (cx->g, "format"))
    return mnv3_graph_set_meta (cx->g, "format", "onnx");
  return MNV3_OK;
}

static void
onnx_ctx_clear (onnx_ctx *cx)
{
  if (cx->vals)
    for (int i = 0; i < cx->num_vals; i++)
      onnx_val_clear (&cx->vals[i]);
  free (cx->vals);
  free (cx->hash);
  free (cx->skip);
}

mnv3_status
mnv3_onnx_import (const void *data, size_t size, mnv3_graph **out)
{
  onnx_ctx cx;
  Onnx__ModelProto *m;
  mnv3_status s;

  if (!out)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "onnx: out is NULL");
  *out = NULL;
  if (!data || size == 0)
    return mnv3_set_error (MNV3_ERR_FORMAT, "onnx: empty model data");
  m = onnx__model_proto__unpack (NULL, size, data);
  if (!m)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "onnx: protobuf decoding failed (truncated or corrupt file of %zu "
        "bytes)", size);
  memset (&cx, 0, sizeof cx);
  cx.model = m;
  cx.gp = m->graph;
  cx.dyn_input = -1;
  s = onnx_check_model (&cx);
  if (s == MNV3_OK) {
    cx.g = mnv3_graph_new ();
    s = cx.g ? onnx_ctx_init (&cx) : MNV3_ERR_NOMEM;
  }
  if (s == MNV3_OK)
    s = onnx_load_initializers (&cx);
  if (s == MNV3_OK)
    s = onnx_load_inputs (&cx);
  if (s == MNV3_OK)
    s = onnx_import_nodes (&cx);
  if (s == MNV3_OK)
    s = onnx_bind_outputs (&cx);
  if (s == MNV3_OK)
    s = onnx_load_metadata (&cx);
  if (s == MNV3_OK)
    onnx_unset_dynamic (&cx);
  onnx_ctx_clear (&cx);
  onnx__model_proto__free_unpacked (m, NULL);
  if (s != MNV3_OK) {
    if (s == MNV3_ERR_NOMEM && !mnv3_last_error ()[0])
      mnv3_set_error (s, "onnx: out of memory");
    mnv3_graph_free (cx.g);
    return s;
  }
  *out = cx.g;
  return MNV3_OK;
}
