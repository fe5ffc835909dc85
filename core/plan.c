/* plan.c — shapes for the session's input size, operator kinds and
 * operator creation (weights packed once here, never per run).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define SHAPE_LIMIT (1 << 24)   /* no dim of a MobileNetV3 tensor is near */

/* Padding before/after and output size along one axis. */
static int
resolve_axis (mnv3_pad_mode mode, int in, int k, int st, int dil,
    int explicit_before, int explicit_after, int *before, int *after)
{
  int ek = (k - 1) * dil + 1, out, total;

  switch (mode) {
    case MNV3_PAD_SAME_UPPER:
    case MNV3_PAD_SAME_LOWER:
      out = (in + st - 1) / st;
      total = (out - 1) * st + ek - in;
      if (total < 0)
        total = 0;
      if (mode == MNV3_PAD_SAME_UPPER) {
        *before = total / 2;
        *after = total - total / 2;
      } else {
        *after = total / 2;
        *before = total - total / 2;
      }
      return out;
    case MNV3_PAD_VALID:
      *before = *after = 0;
      break;
    default:
      *before = explicit_before;
      *after = explicit_after;
      break;
  }
  if (in + *before + *after < ek)
    return 0;
  return (in + *before + *after - ek) / st + 1;
}

static mnv3_status
node_error (const mnv3_xnode *x, const char *what)
{
  return mnv3_set_error (MNV3_ERR_SHAPE, "node '%s': %s", x->g->name, what);
}

static int *
shape_of (mnv3_session *s, int t)
{
  return s->tensors[t].shape;
}

static int64_t
numel4 (const int *sh)
{
  return (int64_t) sh[0] * sh[1] * sh[2] * sh[3];
}

static void
set_shape (mnv3_session *s, int t, int n, int h, int w, int c)
{
  int *sh = shape_of (s, t);
  sh[0] = n;
  sh[1] = h;
  sh[2] = w;
  sh[3] = c;
}

static mnv3_status
infer_conv (mnv3_session *s, mnv3_xnode *x)
{
  const mnv3_conv_attr *a = &x->g->u.conv;
  const int *in = shape_of (s, x->in[0]);
  int64_t wn, per;
  int pt, pb, pl, pr, oh, ow, oc;

  if (x->num_in < 2 || !mnv3_gtensor_is_const (&s->graph->tensors[x->in[1]]))
    return node_error (x, "convolution weights must be constant");
  if (a->kh < 1 || a->kw < 1 || a->sh < 1 || a->sw < 1 || a->dh < 1
      || a->dw < 1 || a->groups < 1 || in[3] % a->groups)
    return node_error (x, "invalid convolution attributes");
  wn = mnv3_gtensor_numel (&s->graph->tensors[x->in[1]]);
  if (x->type == MNV3_OP_CONV_TRANSPOSE) {
    per = (int64_t) a->kh * a->kw * in[3];
    if (wn % per)
      return node_error (x, "weights do not match the input channels");
    oc = (int) (wn / per);
    if (a->pad_mode == MNV3_PAD_SAME_UPPER || a->pad_mode == MNV3_PAD_SAME_LOWER) {
      int th = (in[1] - 1) * a->sh + (a->kh - 1) * a->dh + 1 - in[1] * a->sh;
      int tw = (in[2] - 1) * a->sw + (a->kw - 1) * a->dw + 1 - in[2] * a->sw;
      th = th < 0 ? 0 : th;
      tw = tw < 0 ? 0 : tw;
      oh = in[1] * a->sh;
      ow = in[2] * a->sw;
      x->pool.pad_t = th / 2; x->pool.pad_b = th - th / 2;
      x->pool.pad_l = tw / 2; x->pool.pad_r = tw - tw / 2;
    } else {
      int e = a->pad_mode == MNV3_PAD_EXPLICIT;
      x->pool.pad_t = e ? a->pad_t : 0; x->pool.pad_b = e ? a->pad_b : 0;
      x->pool.pad_l = e ? a->pad_l : 0; x->pool.pad_r = e ? a->pad_r : 0;
      oh = (in[1] - 1) * a->sh - x->pool.pad_t - x->pool.pad_b
          + (a->kh - 1) * a->dh + 1 + a->out_pad_h;
      ow = (in[2] - 1) * a->sw - x->pool.pad_l - x->pool.pad_r
          + (a->kw - 1) * a->dw + 1 + a->out_pad_w;
    }
  } else {
    per = (int64_t) a->kh * a->kw * (in[3] / a->groups);
    if (wn % per)
      return node_error (x, "weights do not match the input channels");
    oc = (int) (wn / per);
    oh = resolve_axis (a->pad_mode, in[1], a->kh, a->sh, a->dh, a->pad_t,
        a->pad_b, &pt, &pb);
    ow = resolve_axis (a->pad_mode, in[2], a->kw, a->sw, a->dw, a->pad_l,
        a->pad_r, &pl, &pr);
    /* pool params double as the resolved padding store */
    x->pool.pad_t = pt; x->pool.pad_b = pb;
    x->pool.pad_l = pl; x->pool.pad_r = pr;
  }
  if (oh < 1 || ow < 1 || oc < 1)
    return node_error (x, "input too small for the kernel");
  if (x->num_in >= 3
      && mnv3_gtensor_numel (&s->graph->tensors[x->in[2]]) != oc)
    return node_error (x, "bias size does not match the output channels");
  set_shape (s, x->out, 1, oh, ow, oc);
  return MNV3_OK;
}

static mnv3_status
infer_fc (mnv3_session *s, mnv3_xnode *x)
{
  int64_t k = numel4 (shape_of (s, x->in[0])), wn;

  if (x->num_in < 2 || !mnv3_gtensor_is_const (&s->graph->tensors[x->in[1]]))
    return node_error (x, "fully connected weights must be constant");
  wn = mnv3_gtensor_numel (&s->graph->tensors[x->in[1]]);
  if (k < 1 || wn % k)
    return node_error (x, "weights do not match the input size");
  if (x->num_in >= 3
      && mnv3_gtensor_numel (&s->graph->tensors[x->in[2]]) != wn / k)
    return node_error (x, "bias size does not match the outputs");
  set_shape (s, x->out, 1, 1, 1, (int) (wn / k));
  return MNV3_OK;
}

static mnv3_status
infer_binary (mnv3_session *s, mnv3_xnode *x)
{
  const int *a, *b;
  int o[4];

  if (x->num_in != 2)
    return node_error (x, "binary operator needs two inputs");
  a = shape_of (s, x->in[0]);
  b = shape_of (s, x->in[1]);
  for (int i = 0; i < 4; i++) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
      return node_error (x, "operand shapes cannot be broadcast");
    o[i] = a[i] > b[i] ? a[i] : b[i];
  }
  set_shape (s, x->out, o[0], o[1], o[2], o[3]);
  return MNV3_OK;
}

static mnv3_status
infer_pool (mnv3_session *s, mnv3_xnode *x)
{
  const mnv3_pool_attr *a = &x->g->u.pool;
  const int *in = shape_of (s, x->in[0]);
  mnv3_pool_params *p = &x->pool;

  if (a->global) {
    set_shape (s, x->out, 1, 1, 1, in[3]);
    return MNV3_OK;
  }
  if (a->kh < 1 || a->kw < 1 || a->sh < 1 || a->sw < 1)
    return node_error (x, "invalid pooling attributes");
  p->type = a->type;
  p->ih = in[1];
  p->iw = in[2];
  p->c = in[3];
  p->kh = a->kh;
  p->kw = a->kw;
  p->sh = a->sh;
  p->sw = a->sw;
  p->count_include_pad = a->count_include_pad;
  p->oh = resolve_axis (a->pad_mode, in[1], a->kh, a->sh, 1, a->pad_t,
      a->pad_b, &p->pad_t, &p->pad_b);
  p->ow = resolve_axis (a->pad_mode, in[2], a->kw, a->sw, 1, a->pad_l,
      a->pad_r, &p->pad_l, &p->pad_r);
  if (p->oh < 1 || p->ow < 1)
    return node_error (x, "input smaller than the pooling window");
  set_shape (s, x->out, 1, p->oh, p->ow, in[3]);
  return MNV3_OK;
}

static mnv3_status
infer_resize (mnv3_session *s, mnv3_xnode *x)
{
  const mnv3_resize_attr *a = &x->g->u.resize;
  const int *in = shape_of (s, x->in[0]);
  int oh, ow;

  x->resize_scale_h = x->resize_scale_w = 0.f;
  switch (a->size_mode) {
    case MNV3_RESIZE_SIZE_FIXED:
      oh = a->out_h;
      ow = a->out_w;
      break;
    case MNV3_RESIZE_SIZE_SCALE:
      if (!(a->scale_h > 0.f) || !(a->scale_w > 0.f))
        return node_error (x, "invalid resize scales");
      oh = (int) (in[1] * a->scale_h);
      ow = (int) (in[2] * a->scale_w);
      x->resize_scale_h = a->scale_h;
      x->resize_scale_w = a->scale_w;
      break;
    default:
      if (x->num_in < 2)
        return node_error (x, "resize needs a reference tensor");
      oh = shape_of (s, x->in[1])[1];
      ow = shape_of (s, x->in[1])[2];
      break;
  }
  if (oh < 1 || ow < 1 || oh > SHAPE_LIMIT || ow > SHAPE_LIMIT)
    return node_error (x, "invalid resize output size");
  set_shape (s, x->out, in[0], oh, ow, in[3]);
  return MNV3_OK;
}

static mnv3_status
infer_concat (mnv3_session *s, mnv3_xnode *x)
{
  int axis = x->g->u.concat_axis, o[4];

  if (axis < 0 || axis > 3 || x->num_in < 1)
    return node_error (x, "invalid concat axis");
  memcpy (o, shape_of (s, x->in[0]), sizeof o);
  for (int i = 1; i < x->num_in; i++) {
    const int *b = shape_of (s, x->in[i]);
    for (int d = 0; d < 4; d++)
      if (d != axis && b[d] != o[d])
        return node_error (x, "concat inputs differ off the axis");
    o[axis] += b[axis];
  }
  set_shape (s, x->out, o[0], o[1], o[2], o[3]);
  return MNV3_OK;
}

static mnv3_status
infer_reshape (mnv3_session *s, mnv3_xnode *x)
{
  const mnv3_reshape_attr *a = &x->g->u.reshape;
  const int *in = shape_of (s, x->in[0]);
  int64_t total = numel4 (in), known = 1;
  int o[4], infer = -1;

  for (int d = 0; d < 4; d++) {
    if (a->shape[d] == 0)
      o[d] = in[d];
    else if (a->shape[d] == -1) {
      if (infer >= 0)
        return node_error (x, "reshape with two unknown dims");
      infer = d;
      o[d] = 1;
    } else if (a->shape[d] > 0 && a->shape[d] <= SHAPE_LIMIT)
      o[d] = (int) a->shape[d];
    else
      return node_error (x, "invalid reshape target");
    known *= o[d];
  }
  if (infer >= 0) {
    if (known < 1 || total % known)
      return node_error (x, "reshape target does not divide the input");
    o[infer] = (int) (total / known);
  }
  if (numel4 (o) != total)
    return node_error (x, "reshape changes the number of elements");
  /* An NCHW-ordered file reshaping across channels and space would need a
   * transpose, which MobileNetV3 never does: refuse rather than be wrong. */
  if (a->nchw_source && in[1] * in[2] > 1 && in[3] > 1
      && memcmp (o, in, sizeof o))
    return node_error (x, "reshape mixing channels and space (NCHW order) "
        "is unsupported");
  set_shape (s, x->out, o[0], o[1], o[2], o[3]);
  return MNV3_OK;
}

static mnv3_status
infer_node (mnv3_session *s, mnv3_xnode *x)
{
  const int *in;

  for (int i = 0; i < x->num_in; i++)
    if (numel4 (shape_of (s, x->in[i])) < 1)
      return node_error (x, "input of unknown shape");
  in = shape_of (s, x->in[0]);
  switch (x->type) {
    case MNV3_OP_CONV:
    case MNV3_OP_CONV_TRANSPOSE:
      return infer_conv (s, x);
    case MNV3_OP_FC:
      return infer_fc (s, x);
    case MNV3_OP_BINARY:
      return infer_binary (s, x);
    case MNV3_OP_ACT:
    case MNV3_OP_SOFTMAX:
      set_shape (s, x->out, in[0], in[1], in[2], in[3]);
      return MNV3_OK;
    case MNV3_OP_POOL:
      return infer_pool (s, x);
    case MNV3_OP_RESIZE:
      return infer_resize (s, x);
    case MNV3_OP_CONCAT:
      return infer_concat (s, x);
    case MNV3_OP_RESHAPE:
      return infer_reshape (s, x);
    case MNV3_OP_ARGMAX:
      set_shape (s, x->out, in[0], in[1], in[2], 1);
      return MNV3_OK;
    case MNV3_OP_QUANTIZE:
      set_shape (s, x->out, in[0], in[1], in[2], in[3]);
      return MNV3_OK;
    default:
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "node '%s': operator %d not executable", x->g->name, x->type);
  }
}

static void
classify_node (mnv3_session *s, mnv3_xnode *x)
{
  const int *in = shape_of (s, x->in[0]), *out = shape_of (s, x->out);

  switch (x->type) {
    case MNV3_OP_CONV:
      x->xop = (x->g->u.conv.groups == in[3] && out[3] == in[3]
          && in[3] > 1) ? MNV3_XOP_DWCONV : MNV3_XOP_CONV;
      break;
    case MNV3_OP_CONV_TRANSPOSE: x->xop = MNV3_XOP_DECONV; break;
    case MNV3_OP_FC: x->xop = MNV3_XOP_FC; break;
    case MNV3_OP_BINARY: x->xop = MNV3_XOP_BINARY; break;
    case MNV3_OP_ACT: x->xop = MNV3_XOP_ACT; break;
    case MNV3_OP_POOL:
      x->xop = (x->g->u.pool.global && x->g->u.pool.type == MNV3_POOL_AVG)
          ? MNV3_XOP_GAP : MNV3_XOP_POOL;
      if (x->g->u.pool.global && x->xop == MNV3_XOP_POOL) {
        /* global max pool: a window covering the input */
        mnv3_pool_params *p = &x->pool;
        memset (p, 0, sizeof *p);
        p->type = MNV3_POOL_MAX;
        p->ih = p->kh = in[1];
        p->iw = p->kw = in[2];
        p->c = in[3];
        p->sh = p->sw = p->oh = p->ow = 1;
      }
      break;
    case MNV3_OP_RESIZE: x->xop = MNV3_XOP_RESIZE; break;
    case MNV3_OP_CONCAT: x->xop = MNV3_XOP_CONCAT; break;
    case MNV3_OP_RESHAPE: x->xop = MNV3_XOP_COPY; break;
    case MNV3_OP_SOFTMAX: x->xop = MNV3_XOP_SOFTMAX; break;
    case MNV3_OP_ARGMAX: x->xop = MNV3_XOP_ARGMAX; break;
    default: break;
  }
}

static const float *
const_data (const mnv3_session *s, const mnv3_xnode *x, int i)
{
  return i < x->num_in ? s->graph->tensors[x->in[i]].data : NULL;
}

static const char *
act_name (mnv3_act_type t)
{
  static const char *n[] = { "", "relu", "clip", "hswish", "hsigmoid",
    "sigmoid" };
  return t <= MNV3_ACT_SIGMOID ? n[t] : "?";
}

static const char *
xop_name (mnv3_xop op)
{
  static const char *n[] = { "conv", "dwconv", "deconv", "fc", "binary",
    "act", "pool", "gap", "resize", "concat", "copy", "softmax", "argmax",
    "qconv", "qbinary", "qlut", "qpool", "qmean", "qresize", "qconcat",
    "qsoftmax", "qargmax", "quantize", "dequantize", "qadd/mul(ort)",
    "qconv(ort-u8s8)", "qgap(ort)", "quantize(ort)", "dequantize(ort)" };
  return (size_t) op < sizeof n / sizeof *n ? n[op] : "?";
}

static void
label_node (mnv3_xnode *x)
{
  const char *name = xop_name (x->xop);
  int n;

  if (x->xop == MNV3_XOP_QCONV || x->xop == MNV3_XOP_QORT_CONV_U8S8)
    name = x->type == MNV3_OP_FC ? "qfc" :
        x->g->u.conv.groups > 1 ? "qdwconv" : "qconv";
  n = snprintf (x->label, sizeof x->label, "%s", name);
  if (x->act.type != MNV3_ACT_NONE && n < (int) sizeof x->label)
    n += snprintf (x->label + n, sizeof x->label - n, "+%s",
        act_name (x->act.type));
  if (x->residual >= 0 && n < (int) sizeof x->label)
    n += snprintf (x->label + n, sizeof x->label - n, "+add");
  if (x->in_scale >= 0 && n < (int) sizeof x->label)
    snprintf (x->label + n, sizeof x->label - n, "+se");
}

static mnv3_status
create_conv (mnv3_session *s, mnv3_xnode *x)
{
  const int *in = shape_of (s, x->in[0]), *out = shape_of (s, x->out);
  const mnv3_conv_attr *a = &x->g->u.conv;
  int64_t wn = mnv3_gtensor_numel (&s->graph->tensors[x->in[1]]);
  int nt = mnv3_threadpool_size (s->tp);
  mnv3_conv_params p = {
    .ih = in[1], .iw = in[2], .ic = in[3], .oh = out[1], .ow = out[2],
    .oc = out[3], .kh = a->kh, .kw = a->kw, .sh = a->sh, .sw = a->sw,
    .dh = a->dh, .dw = a->dw, .pad_t = x->pool.pad_t, .pad_l = x->pool.pad_l,
    .pad_b = x->pool.pad_b, .pad_r = x->pool.pad_r, .groups = a->groups,
    .act = x->act,
  };

  x->params = wn + (x->num_in >= 3 ? out[3] : 0);
  if (x->xop == MNV3_XOP_FC) {
    p = (mnv3_conv_params) { .ih = 1, .iw = 1, .ic = (int) numel4 (in),
      .oh = 1, .ow = 1, .oc = out[3], .kh = 1, .kw = 1, .sh = 1, .sw = 1,
      .dh = 1, .dw = 1, .groups = 1, .act = x->act };
    x->macs = wn;
  } else if (x->xop == MNV3_XOP_DWCONV) {
    x->macs = (int64_t) out[1] * out[2] * out[3] * a->kh * a->kw;
    x->dwconv = mnv3_dwconv_create (s->isa, &p, const_data (s, x, 1),
        const_data (s, x, 2));
    if (!x->dwconv)
      return mnv3_set_error (MNV3_ERR_NOMEM, "node '%s': cannot create "
          "depthwise convolution", x->g->name);
    x->scratch = mnv3_dwconv_scratch_size (x->dwconv, nt);
    return MNV3_OK;
  } else if (x->xop == MNV3_XOP_DECONV) {
    mnv3_deconv_params d = {
      .ih = in[1], .iw = in[2], .ic = in[3], .oh = out[1], .ow = out[2],
      .oc = out[3], .kh = a->kh, .kw = a->kw, .sh = a->sh, .sw = a->sw,
      .dh = a->dh, .dw = a->dw, .pad_t = x->pool.pad_t,
      .pad_l = x->pool.pad_l, .pad_b = x->pool.pad_b,
      .pad_r = x->pool.pad_r, .act = x->act };
    x->macs = (int64_t) in[1] * in[2] * in[3] * out[3] * a->kh * a->kw;
    x->deconv = mnv3_deconv_create (s->isa, &d, const_data (s, x, 1),
        const_data (s, x, 2));
    if (!x->deconv)
      return mnv3_set_error (MNV3_ERR_NOMEM, "node '%s': cannot create "
          "transposed convolution", x->g->name);
    x->scratch = mnv3_deconv_scratch_size (x->deconv, nt);
    return MNV3_OK;
  } else {
    x->macs = (int64_t) out[1] * out[2] * out[3] * a->kh * a->kw
        * (in[3] / a->groups);
  }
  x->conv = mnv3_conv_create (s->isa, &p, const_data (s, x, 1),
      const_data (s, x, 2));
  if (!x->conv)
    return mnv3_set_error (MNV3_ERR_NOMEM, "node '%s': cannot create "
        "convolution", x->g->name);
  x->scratch = mnv3_conv_scratch_size (x->conv, nt);
  return MNV3_OK;
}

static mnv3_status
create_node (mnv3_session *s, mnv3_xnode *x)
{
  switch (x->xop) {
    case MNV3_XOP_CONV:
    case MNV3_XOP_DWCONV:
    case MNV3_XOP_DECONV:
    case MNV3_XOP_FC:
      return create_conv (s, x);
    case MNV3_XOP_RESIZE:{
      const int *in = shape_of (s, x->in[0]), *out = shape_of (s, x->out);
      x->scratch = mnv3_resize_scratch_size (out[1], out[2], in[3],
          x->g->u.resize.nearest, mnv3_threadpool_size (s->tp));
      return MNV3_OK;
    }
    case MNV3_XOP_CONCAT:
      if (x->num_in > MNV3_MAX_NODE_INPUTS)
        return node_error (x, "too many concat inputs");
      return MNV3_OK;
    default:
      return MNV3_OK;
  }
}

/* Copy the graph's nodes into executable nodes. */
static mnv3_status
copy_nodes (mnv3_session *s)
{
  const mnv3_graph *g = s->graph;

  s->nodes = calloc (g->num_nodes ? g->num_nodes : 1, sizeof *s->nodes);
  if (!s->nodes)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  s->num_nodes = g->num_nodes;
  for (int i = 0; i < g->num_nodes; i++) {
    mnv3_xnode *x = &s->nodes[i];
    const mnv3_gnode *gn = &g->nodes[i];
    x->g = gn;
    x->type = gn->type;
    memcpy (x->in, gn->inputs, sizeof x->in);
    x->num_in = gn->num_inputs;
    x->out = gn->output;
    x->act = gn->act;
    x->residual = x->in_scale = -1;
    if (x->num_in < 1)
      return node_error (x, "node without inputs");
  }
  return MNV3_OK;
}

static mnv3_status
input_shapes (mnv3_session *s)
{
  const mnv3_graph *g = s->graph;

  for (int i = 0; i < g->num_inputs; i++) {
    const mnv3_gtensor *t = &g->tensors[g->inputs[i]];
    int h = s->opts.input_height > 0 ? s->opts.input_height : t->h;
    int w = s->opts.input_width > 0 ? s->opts.input_width : t->w;
    int c = t->c;
    if (h < 1 || w < 1 || c < 1 || h > SHAPE_LIMIT || w > SHAPE_LIMIT
        || (int64_t) h * w * c > (int64_t) 1 << 30)
      return mnv3_set_error (MNV3_ERR_SHAPE, "input '%s': size %dx%dx%d "
          "unknown or invalid (set input_height/input_width)", t->name,
          h, w, c);
    set_shape (s, g->inputs[i], 1, h, w, c);
  }
  for (int i = 0; i < g->num_tensors; i++)
    if (mnv3_gtensor_is_const (&g->tensors[i])) {
      const mnv3_gtensor *t = &g->tensors[i];
      set_shape (s, i, t->n, t->h, t->w, t->c);
    }
  return MNV3_OK;
}

mnv3_status
mnv3_session_plan (mnv3_session *s)
{
  mnv3_status st;

  if ((st = copy_nodes (s)) != MNV3_OK || (st = input_shapes (s)) != MNV3_OK)
    return st;
  mnv3_limits_init (s);
  for (int i = 0; i < s->num_nodes; i++) {
    if ((st = infer_node (s, &s->nodes[i])) != MNV3_OK
        || (st = mnv3_limits_check_node (s, i)) != MNV3_OK)
      return st;
    classify_node (s, &s->nodes[i]);
  }
  for (int i = 0; i < s->graph->num_outputs; i++)
    if (numel4 (shape_of (s, s->graph->outputs[i])) < 1)
      return mnv3_set_error (MNV3_ERR_FORMAT, "output '%s' is not computed "
          "by any node", s->graph->tensors[s->graph->outputs[i]].name);
  if (!s->graph->integer)
    mnv3_session_fuse (s);
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_xnode *x = &s->nodes[i];
    if (x->dead)
      continue;
    if (mnv3_plan_is_integer (s, x))
      st = mnv3_plan_integer_node (s, x);
    else
      st = create_node (s, x);
    if (st != MNV3_OK)
      return st;
    label_node (x);
    if (x->scratch > s->scratch_bytes)
      s->scratch_bytes = x->scratch;
  }
  return MNV3_OK;
}
