/* onnx-ops-shape.c — ONNX resize, concat, layout and output operators
 * (Resize/Upsample, Concat, Reshape/Flatten/Squeeze/Unsqueeze, Transpose,
 * Identity/Dropout, Softmax, ArgMax) to mnv3_graph nodes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Split out of onnx-ops.c, which keeps the dispatch table; the layout
 * conventions are described there.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

/* ---- Resize / Upsample ------------------------------------------------ */

/* A rank-4 tensor computed so far whose static H,W are (h, w): the graph
 * input first, else the most recent one. */
static int
onnx_tensor_like (onnx_ctx *cx, int64_t h, int64_t w, int exclude)
{
  const mnv3_graph *g = cx->g;

  if (g->num_inputs > 0) {
    const mnv3_gtensor *t = &g->tensors[g->inputs[0]];
    if (t->h == h && t->w == w)
      return g->inputs[0];
  }
  for (int i = cx->num_vals - 1; i >= 0; i--) {
    const onnx_val *v = &cx->vals[i];
    if (v->kind == ONNX_VAL_DYN && v->rank == 4 && v->tensor != exclude
        && v->dims[2] == h && v->dims[3] == w)
      return v->tensor;
  }
  return -1;
}

static mnv3_status
onnx_resize_coord (onnx_ctx *cx, const Onnx__NodeProto *n, int legacy,
    mnv3_resize_attr *r)
{
  char buf[40];
  const char *mode = onnx_attr_string (n, "mode", "nearest", buf, sizeof buf);
  const char *ct;

  if (strcmp (mode, "nearest") == 0)
    r->nearest = 1;
  else if (strcmp (mode, "linear") == 0 || strcmp (mode, "bilinear") == 0)
    r->nearest = 0;
  else
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "mode '%s'", mode);
  if (legacy) {                 /* Upsample, Resize-10 */
    r->coord = MNV3_COORD_ASYMMETRIC;
    return MNV3_OK;
  }
  if (r->nearest) {
    const char *nm = onnx_attr_string (n, "nearest_mode",
        "round_prefer_floor", buf, sizeof buf);
    if (strcmp (nm, "floor") != 0)
      return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
          "nearest_mode '%s' (floor only)", nm);
  }
  ct = onnx_attr_string (n, "coordinate_transformation_mode", "half_pixel",
      buf, sizeof buf);
  if (strcmp (ct, "half_pixel") == 0)
    r->coord = MNV3_COORD_HALF_PIXEL;
  else if (strcmp (ct, "pytorch_half_pixel") == 0)
    r->coord = MNV3_COORD_PYTORCH_HALF_PIXEL;
  else if (strcmp (ct, "align_corners") == 0)
    r->coord = MNV3_COORD_ALIGN_CORNERS;
  else if (strcmp (ct, "asymmetric") == 0)
    r->coord = MNV3_COORD_ASYMMETRIC;
  else
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "coordinate_transformation_mode '%s'", ct);
  return MNV3_OK;
}

/* Resize by a sizes tensor [N, C, H, W]. */
static mnv3_status
onnx_resize_sizes (onnx_ctx *cx, onnx_val *x, onnx_val *sz, mnv3_gnode *nd,
    int64_t *out)
{
  mnv3_resize_attr *r = &nd->u.resize;
  int32_t sh, sw;

  if (sz->numel != 4)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "sizes of %lld values",
        (long long) sz->numel);
  if (onnx_const_geti (sz, 0) != 1 || onnx_const_geti (sz, 1) != x->dims[1])
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "resizing the batch or channel axis");
  out[2] = onnx_const_geti (sz, 2);
  out[3] = onnx_const_geti (sz, 3);
  if (out[2] < 1 || out[3] < 1 || out[2] > ONNX_MAX_DIM
      || out[3] > ONNX_MAX_DIM)
    return onnx_node_error (cx, MNV3_ERR_SHAPE, "bad output size");
  sh = sz->dtype == ONNX_I64 ? sz->sym[2] : -1;
  sw = sz->dtype == ONNX_I64 ? sz->sym[3] : -1;
  r->out_h = (int) out[2];
  r->out_w = (int) out[3];
  if (sh >= 0 && sw >= 0 && ONNX_SYM_TENSOR (sh) == ONNX_SYM_TENSOR (sw)
      && ONNX_SYM_DIM (sh) == 2 && ONNX_SYM_DIM (sw) == 3) {
    nd->inputs[1] = ONNX_SYM_TENSOR (sh);
  } else {
    nd->inputs[1] = onnx_tensor_like (cx, out[2], out[3], x->tensor);
  }
  if (nd->inputs[1] >= 0) {
    r->size_mode = MNV3_RESIZE_SIZE_LIKE;
    nd->num_inputs = 2;
  } else {
    r->size_mode = MNV3_RESIZE_SIZE_FIXED;
  }
  return MNV3_OK;
}

static mnv3_status
onnx_resize_scales (onnx_ctx *cx, onnx_val *x, const float *sc, int count,
    mnv3_gnode *nd, int64_t *out)
{
  mnv3_resize_attr *r = &nd->u.resize;

  if (count != 4)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "%d scales", count);
  if (sc[0] != 1.f || sc[1] != 1.f)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "resizing the batch or channel axis");
  for (int a = 0; a < 2; a++) {
    if (!(sc[2 + a] > 0.f && sc[2 + a] <= 1024.f))
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "scale %g out of range",
          (double) sc[2 + a]);
    out[2 + a] = (int64_t) floor ((double) x->dims[2 + a] * sc[2 + a]);
    if (out[2 + a] < 1 || out[2 + a] > ONNX_MAX_DIM)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "bad output size");
  }
  r->size_mode = MNV3_RESIZE_SIZE_SCALE;
  r->scale_h = sc[2];
  r->scale_w = sc[3];
  r->out_h = (int) out[2];
  r->out_w = (int) out[3];
  return MNV3_OK;
}

mnv3_status
onnx_op_resize (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  int upsample = strcmp (n->op_type, "Upsample") == 0;
  int legacy = upsample || cx->opset < 11;
  onnx_val *x, *scales = NULL, *sizes = NULL;
  mnv3_gnode nd;
  int64_t out[4];
  float sc[4];
  mnv3_status s;

  if ((s = onnx_rank4_input (cx, n, &x)) != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_RESIZE, x->tensor);
  if ((s = onnx_resize_coord (cx, n, legacy, &nd.u.resize)) != MNV3_OK)
    return s;
  if (!legacy && onnx_attr_int (n, "exclude_outside", 0))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "exclude_outside");
  if ((s = onnx_const_input (cx, n, legacy ? 1 : 2, &scales))
      || (!legacy && (s = onnx_const_input (cx, n, 3, &sizes))))
    return s;
  out[0] = 1;
  out[1] = x->dims[1];
  if (sizes && sizes->numel > 0)
    return (s = onnx_resize_sizes (cx, x, sizes, &nd, out)) ? s
        : onnx_emit (cx, n, &nd, 4, out);
  if (scales && scales->numel == 4) {
    for (int k = 0; k < 4; k++)
      sc[k] = (float) onnx_const_get (scales, k);
  } else if (upsample && !scales) {   /* Upsample-7: attribute */
    const Onnx__AttributeProto *a = onnx_attr (n, "scales");
    if (!a || a->n_floats != 4)
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "Upsample without scales");
    memcpy (sc, a->floats, sizeof sc);
  } else {
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "neither 4 scales nor 4 sizes given");
  }
  if ((s = onnx_resize_scales (cx, x, sc, 4, &nd, out)) != MNV3_OK)
    return s;
  return onnx_emit (cx, n, &nd, 4, out);
}

/* ---- Concat ----------------------------------------------------------- */

mnv3_status
onnx_op_concat (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *first = NULL, *v;
  int64_t dims[ONNX_MAX_RANK];
  int axis = 0, rank = 0;
  mnv3_gnode nd;
  mnv3_status s;

  if (n->n_input < 1 || n->n_input > MNV3_MAX_NODE_INPUTS)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "Concat of %zu inputs (1..%d)", n->n_input, MNV3_MAX_NODE_INPUTS);
  /* the rank comes from the first computed input */
  for (size_t i = 0; i < n->n_input && !first; i++) {
    if ((s = onnx_input (cx, n, (int) i, &v)) != MNV3_OK)
      return s;
    if (v && v->kind == ONNX_VAL_DYN)
      first = v;
  }
  if (!first)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "no computed input");
  rank = first->rank;
  if (!onnx_axis (onnx_attr_int (n, "axis", 0), rank, &axis))
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "bad axis");
  memcpy (dims, first->dims, sizeof dims);
  dims[axis] = 0;
  onnx_node_init (&nd, MNV3_OP_CONCAT, -1);
  nd.num_inputs = (int) n->n_input;
  nd.u.concat_axis = onnx_axis_nhwc (rank, axis);
  for (size_t i = 0; i < n->n_input; i++) {
    if ((s = onnx_input (cx, n, (int) i, &v)) != MNV3_OK)
      return s;
    if (!v || v->rank != rank)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "input %zu rank mismatch",
          i);
    for (int d = 0; d < rank; d++)
      if (d != axis && v->dims[d] != first->dims[d])
        return onnx_node_error (cx, MNV3_ERR_SHAPE,
            "input %zu shape mismatch", i);
    dims[axis] += v->dims[axis];
    if (v->kind == ONNX_VAL_DYN)
      nd.inputs[i] = v->tensor;
    else if ((s = onnx_const_tensor (cx, v, rank, &nd.inputs[i])) != MNV3_OK)
      return s;
  }
  return onnx_emit (cx, n, &nd, rank, dims);
}

/* ---- shape-only ops on computed tensors --------------------------------- */

/* NCHW and NHWC element orders agree: rank <= 3, or C == 1, or H*W == 1. */
static int
onnx_order_neutral (int rank, const int64_t *dims)
{
  return rank <= 3 || dims[1] == 1 || dims[2] * dims[3] == 1;
}

/* A view value `name` of x's graph tensor (no node; onnx_internal.h). */
static mnv3_status
onnx_view_define (onnx_ctx *cx, const char *name, const onnx_val *x,
    onnx_view view, int rank, const int64_t *dims)
{
  onnx_val *o;
  mnv3_status s = onnx_val_define (cx, name, &o);

  if (s != MNV3_OK)
    return s;
  o->kind = ONNX_VAL_DYN;
  o->rank = rank;
  o->view = view;
  o->tensor = x->tensor;
  memcpy (o->dims, dims, (size_t) rank * sizeof *dims);
  return MNV3_OK;
}

/* Reshapes into or out of a view, as torchvision's detection heads do:
 *   [1,A*K,H,W] -Reshape-> [1,A,K,H,W] -Transpose(0,3,4,1,2)-> [1,H,W,A,K]
 *   -Reshape-> [1,H*W*A,K]
 * (or [1,C,H,W] -Transpose(0,2,3,1)-> [1,H,W,C] -Reshape-> [1,H*W*A,K]).
 * The NHWC memory of the first tensor already is the last one's order, so
 * only the final Reshape becomes a node: a plain copy (nchw_source 0) whose
 * anchor dim is left to the planner (-1), so other input sizes work. */
static mnv3_status
onnx_reshape_view (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x,
    int rank, const int64_t *dims)
{
  int d4[4];
  mnv3_gnode nd;
  mnv3_status s;

  if (x->view == ONNX_VIEW_NONE && x->rank == 4 && rank == 5) {
    if (dims[0] != 1 || dims[1] * dims[2] != x->dims[1]
        || dims[3] != x->dims[2] || dims[4] != x->dims[3])
      return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
          "5-D reshape other than splitting channels into [A,K]");
    return onnx_view_define (cx, n->output[0], x, ONNX_VIEW_SPLIT5, rank,
        dims);
  }
  if (x->view != ONNX_VIEW_ROWMAJOR || rank > 3 || rank < 1)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "reshape of a %d-D tensor to rank %d (only the detection-head "
        "view/permute/reshape pattern is supported)", x->rank, rank);
  if ((s = onnx_nhwc (cx, rank, dims, rank == 3, d4)) != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_RESHAPE, x->tensor);
  nd.u.reshape.shape[0] = 1;
  nd.u.reshape.shape[1] = rank == 3 ? -1 : 1;
  nd.u.reshape.shape[2] = rank == 3 ? d4[2] : 1;
  nd.u.reshape.shape[3] = rank == 3 ? 1 : -1;
  nd.u.reshape.nchw_source = 0;
  return onnx_emit (cx, n, &nd, rank, dims);
}

mnv3_status
onnx_op_transpose (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  static const int64_t split5[5] = {0, 3, 4, 1, 2}, nhwc[4] = {0, 2, 3, 1};
  const int64_t *perm;
  size_t np = onnx_attr_ints (n, "perm", &perm);
  onnx_val *x;
  int64_t dims[ONNX_MAX_RANK];
  mnv3_status s = onnx_input (cx, n, 0, &x);

  if (s != MNV3_OK)
    return s;
  if (!x || x->kind != ONNX_VAL_DYN)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "input 0 is missing");
  if (x->view == ONNX_VIEW_SPLIT5 && np == 5
      && memcmp (perm, split5, sizeof split5) == 0) {
    for (int d = 0; d < 5; d++)
      dims[d] = x->dims[split5[d]];
  } else if (x->view == ONNX_VIEW_NONE && x->rank == 4 && np == 4
      && memcmp (perm, nhwc, sizeof nhwc) == 0) {
    for (int d = 0; d < 4; d++)
      dims[d] = x->dims[nhwc[d]];
  } else {
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "Transpose other than NCHW->NHWC or the detection heads' "
        "(0,3,4,1,2) after a channel split");
  }
  return onnx_view_define (cx, n->output[0], x, ONNX_VIEW_ROWMAJOR,
      (int) np, dims);
}

mnv3_status
onnx_op_reshape (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  const char *op = n->op_type;
  onnx_val *x;
  int64_t dims[ONNX_MAX_RANK];
  int rank, d4[4];
  mnv3_gnode nd;
  mnv3_status s;

  if ((s = onnx_dyn_input (cx, n, 0, &x)) != MNV3_OK)
    return s;
  if (op[0] == 'R' || op[0] == 'F')
    s = onnx_reshape_shape (cx, n, x, &rank, dims);
  else
    s = onnx_squeeze_shape (cx, n, x, op[0] == 'U', &rank, dims);
  if (s != MNV3_OK)
    return s;
  if (x->view != ONNX_VIEW_NONE || rank == 5)
    return onnx_reshape_view (cx, n, x, rank, dims);
  if (rank > 4)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "rank %d result", rank);
  if (!onnx_order_neutral (x->rank, x->dims)
      || !onnx_order_neutral (rank, dims))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "reshape that mixes channels with spatial positions");
  if ((s = onnx_nhwc (cx, rank, dims, rank == 3, d4)) != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_RESHAPE, x->tensor);
  for (int k = 0; k < 4; k++)
    nd.u.reshape.shape[k] = d4[k];
  nd.u.reshape.nchw_source = 1;
  return onnx_emit (cx, n, &nd, rank, dims);
}

/* Identity / Dropout (inference): the output names the same tensor. */
mnv3_status
onnx_op_identity (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *o;
  mnv3_status s;

  if ((s = onnx_dyn_input (cx, n, 0, &x)) != MNV3_OK)
    return s;
  if (strcmp (n->op_type, "Dropout") == 0 && n->n_output > 1
      && n->output[1] && n->output[1][0] && onnx_use_count (cx, n->output[1]))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "Dropout mask is used");
  if ((s = onnx_val_define (cx, n->output[0], &o)) != MNV3_OK)
    return s;
  o->kind = ONNX_VAL_DYN;
  o->rank = x->rank;
  o->nhw = x->nhw;
  o->tensor = x->tensor;
  memcpy (o->dims, x->dims, sizeof o->dims);
  return MNV3_OK;
}

/* ---- Softmax, ArgMax ---------------------------------------------------- */

mnv3_status
onnx_op_softmax (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x;
  int axis, ok;
  mnv3_gnode nd;
  mnv3_status s;

  if ((s = onnx_dyn_input (cx, n, 0, &x)) != MNV3_OK)
    return s;
  if (x->rank == 3 || x->rank == 0
      || !onnx_axis (onnx_attr_int (n, "axis", cx->opset < 13 ? 1 : -1),
          x->rank, &axis))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "bad axis or rank");
  if (cx->opset >= 13)
    ok = onnx_axis_nhwc (x->rank, axis) == 3;
  else                          /* softmax over dims[axis:] flattened */
    ok = (x->rank <= 2 && axis == x->rank - 1)
        || (x->rank == 4 && axis == 1 && x->dims[2] * x->dims[3] == 1);
  if (!ok)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "softmax over an axis other than channels");
  onnx_node_init (&nd, MNV3_OP_SOFTMAX, x->tensor);
  return onnx_emit (cx, n, &nd, x->rank, x->dims);
}

mnv3_status
onnx_op_argmax (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x;
  int64_t dims[4];
  int axis;
  mnv3_gnode nd;
  mnv3_status s;

  if ((s = onnx_rank4_input (cx, n, &x)) != MNV3_OK)
    return s;
  if (!onnx_axis (onnx_attr_int (n, "axis", 0), 4, &axis) || axis != 1
      || onnx_attr_int (n, "select_last_index", 0))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "ArgMax over an axis other than channels");
  onnx_node_init (&nd, MNV3_OP_ARGMAX, x->tensor);
  if (onnx_attr_int (n, "keepdims", 1)) {
    dims[0] = 1;
    dims[1] = 1;
    dims[2] = x->dims[2];
    dims[3] = x->dims[3];
    return onnx_emit (cx, n, &nd, 4, dims);
  }
  dims[0] = 1;
  dims[1] = x->dims[2];
  dims[2] = x->dims[3];
  return onnx_emit (cx, n, &nd, 3, dims);
}
