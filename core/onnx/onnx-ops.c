/* onnx_ops.c — ONNX operators to mnv3_graph nodes (NCHW -> NHWC).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One function per operator family.  Each checks its inputs and attributes,
 * infers the static ONNX output shape, converts constant operands to the
 * engine's layouts (graph.h) and appends one node.
 *
 * Layout of dynamic tensors by ONNX rank: 4 [1,C,H,W] -> (1,H,W,C);
 * 3 [1,A,B] -> (1,A,B,1); 2 [1,C] and 1 [C] -> (1,1,1,C); 0 -> (1,1,1,1).
 * Memory order agrees with the file's wherever a Reshape is allowed.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx-internal.h"

/* ---- shapes and values ------------------------------------------------ */

mnv3_status
onnx_nhwc (onnx_ctx *cx, int rank, const int64_t *dims, int nhw, int out[4])
{
  int64_t d[4] = {1, 1, 1, 1}, total = 1;

  (void) nhw;
  if (rank >= 2 && dims[0] != 1)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "batch size %lld (1 only)", (long long) dims[0]);
  switch (rank) {
    case 0: break;
    case 1: d[3] = dims[0]; break;
    case 2: d[3] = dims[1]; break;
    case 3: d[1] = dims[1]; d[2] = dims[2]; break;
    case 4: d[1] = dims[2]; d[2] = dims[3]; d[3] = dims[1]; break;
    default:
      return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
          "tensors of rank %d are not supported", rank);
  }
  for (int k = 0; k < 4; k++) {
    if (d[k] < 1 || d[k] > ONNX_MAX_DIM)
      return onnx_node_error (cx, MNV3_ERR_SHAPE,
          "dimension %lld out of range", (long long) d[k]);
    total *= d[k];
    out[k] = (int) d[k];
  }
  if (total > ONNX_MAX_ACT_NUMEL)
    return onnx_node_error (cx, MNV3_ERR_SHAPE, "tensor too large");
  return MNV3_OK;
}

mnv3_status
onnx_dyn_define (onnx_ctx *cx, const char *name, int rank,
    const int64_t *dims, int nhw, onnx_val **out)
{
  int d[4];
  onnx_val *v;
  mnv3_status s;

  if ((s = onnx_nhwc (cx, rank, dims, nhw, d)) != MNV3_OK)
    return s;
  if ((s = onnx_val_define (cx, name, &v)) != MNV3_OK)
    return s;
  v->kind = ONNX_VAL_DYN;
  v->rank = rank;
  v->nhw = rank == 3;
  memcpy (v->dims, dims, (size_t) rank * sizeof *dims);
  v->tensor = mnv3_graph_add_tensor (cx->g, name, rank, d[0], d[1], d[2],
      d[3], NULL);
  if (v->tensor < 0)
    return MNV3_ERR_NOMEM;
  *out = v;
  return MNV3_OK;
}

mnv3_status
onnx_dyn_input (onnx_ctx *cx, const Onnx__NodeProto *n, int i, onnx_val **v)
{
  mnv3_status s = onnx_input (cx, n, i, v);

  if (s != MNV3_OK)
    return s;
  if (!*v)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "input %d is missing", i);
  if ((*v)->kind != ONNX_VAL_DYN)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "input %d '%s' must be computed, not constant", i, (*v)->name);
  return MNV3_OK;
}

/* Optional constant input i (NULL when absent); error when computed. */
mnv3_status
onnx_const_input (onnx_ctx *cx, const Onnx__NodeProto *n, int i,
    onnx_val **v)
{
  mnv3_status s = onnx_input (cx, n, i, v);

  if (s == MNV3_OK && *v && (*v)->kind != ONNX_VAL_CONST)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "input %d '%s' must be a constant", i, (*v)->name);
  return s;
}

mnv3_status
onnx_rank4_input (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val **x)
{
  mnv3_status s = onnx_dyn_input (cx, n, 0, x);

  if (s == MNV3_OK && (*x)->rank != 4)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "input must be a 4-D NCHW tensor (rank %d)", (*x)->rank);
  return s;
}

/* Append node `nd` writing a new tensor for output 0 of n. */
mnv3_status
onnx_emit (onnx_ctx *cx, const Onnx__NodeProto *n, mnv3_gnode *nd, int rank,
    const int64_t *dims)
{
  onnx_val *o;
  mnv3_status s = onnx_dyn_define (cx, n->output[0], rank, dims, rank == 3,
      &o);

  if (s != MNV3_OK)
    return s;
  nd->name = (char *) (n->name && n->name[0] ? n->name : n->output[0]);
  nd->output = o->tensor;
  if (mnv3_graph_add_node (cx->g, nd) < 0)
    return MNV3_ERR_NOMEM;
  return MNV3_OK;
}

void
onnx_node_init (mnv3_gnode *nd, mnv3_op_type type, int input)
{
  memset (nd, 0, sizeof *nd);
  nd->type = type;
  nd->inputs[0] = input;
  nd->num_inputs = 1;
}

/* NHWC axis of ONNX axis `a` of a tensor of `rank`. */
int
onnx_axis_nhwc (int rank, int a)
{
  static const int r4[4] = {0, 3, 1, 2};
  if (rank == 4)
    return r4[a];
  if (rank == 3)
    return a;
  return a == rank - 1 ? 3 : 0;
}

int
onnx_axis (int64_t axis, int rank, int *out)
{
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return 0;
  *out = (int) axis;
  return 1;
}

/* ---- windows (conv, pool) --------------------------------------------- */

typedef struct {
  int k[2], s[2], d[2], pads[4];   /* pads: top, left, bottom, right */
  mnv3_pad_mode mode;
} onnx_window;

static mnv3_status
onnx_ints2 (onnx_ctx *cx, const Onnx__NodeProto *n, const char *name,
    int count, int def, int lo, int hi, int *out)
{
  const int64_t *v;
  size_t nv = onnx_attr_ints (n, name, &v);

  if (nv && nv != (size_t) count)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "attribute %s has %zu values (%d expected; 2-D only)", name, nv,
        count);
  for (int k = 0; k < count; k++) {
    int64_t x = nv ? v[k] : def;
    if (x < lo || x > hi)
      return onnx_node_error (cx, MNV3_ERR_FORMAT,
          "attribute %s = %lld out of range [%d, %d]", name, (long long) x,
          lo, hi);
    out[k] = (int) x;
  }
  return MNV3_OK;
}

static mnv3_status
onnx_window_parse (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_window *w,
    int have_kernel)
{
  char buf[32];
  const char *ap;
  int k[2];
  mnv3_status s;

  if ((s = onnx_ints2 (cx, n, "kernel_shape", 2, 0, have_kernel ? 0 : 1,
              ONNX_MAX_KERNEL, k)) != MNV3_OK)
    return s;
  if (!have_kernel || onnx_attr (n, "kernel_shape")) {
    if (have_kernel && (k[0] != w->k[0] || k[1] != w->k[1]))
      return onnx_node_error (cx, MNV3_ERR_FORMAT,
          "kernel_shape disagrees with the weights");
    w->k[0] = k[0];
    w->k[1] = k[1];
  }
  if ((s = onnx_ints2 (cx, n, "strides", 2, 1, 1, ONNX_MAX_STRIDE, w->s))
      || (s = onnx_ints2 (cx, n, "dilations", 2, 1, 1, ONNX_MAX_STRIDE, w->d))
      || (s = onnx_ints2 (cx, n, "pads", 4, 0, 0, ONNX_MAX_PAD, w->pads)))
    return s;
  /* ONNX pads are [x1_begin, x2_begin, x1_end, x2_end] = t, l, b, r */
  ap = onnx_attr_string (n, "auto_pad", "NOTSET", buf, sizeof buf);
  if (strcmp (ap, "NOTSET") == 0 || ap[0] == '\0')
    w->mode = MNV3_PAD_EXPLICIT;
  else if (strcmp (ap, "SAME_UPPER") == 0)
    w->mode = MNV3_PAD_SAME_UPPER;
  else if (strcmp (ap, "SAME_LOWER") == 0)
    w->mode = MNV3_PAD_SAME_LOWER;
  else if (strcmp (ap, "VALID") == 0)
    w->mode = MNV3_PAD_VALID;
  else
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "auto_pad '%s'", ap);
  if (w->mode != MNV3_PAD_EXPLICIT)
    memset (w->pads, 0, sizeof w->pads);
  return MNV3_OK;
}

/* Output size along axis a (0: H, 1: W) of a window over `in`. */
static mnv3_status
onnx_window_out (onnx_ctx *cx, const onnx_window *w, int a, int64_t in,
    int ceil_mode, int64_t *out)
{
  int64_t ext = (int64_t) (w->k[a] - 1) * w->d[a] + 1, num;

  if (w->mode == MNV3_PAD_SAME_UPPER || w->mode == MNV3_PAD_SAME_LOWER) {
    *out = (in + w->s[a] - 1) / w->s[a];
    return MNV3_OK;
  }
  num = in + w->pads[a] + w->pads[a + 2] - ext;
  if (num < 0)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "window %lld larger than padded input %lld", (long long) ext,
        (long long) (in + w->pads[a] + w->pads[a + 2]));
  *out = (ceil_mode ? (num + w->s[a] - 1) / w->s[a] : num / w->s[a]) + 1;
  /* the last window must start inside the input or its begin padding */
  if (ceil_mode && (*out - 1) * w->s[a] >= in + w->pads[a])
    (*out)--;
  return MNV3_OK;
}

static void
onnx_conv_attr_set (mnv3_conv_attr *c, const onnx_window *w, int groups)
{
  c->kh = w->k[0];
  c->kw = w->k[1];
  c->sh = w->s[0];
  c->sw = w->s[1];
  c->dh = w->d[0];
  c->dw = w->d[1];
  c->pad_mode = w->mode;
  c->pad_t = w->pads[0];
  c->pad_l = w->pads[1];
  c->pad_b = w->pads[2];
  c->pad_r = w->pads[3];
  c->groups = groups;
}

/* Bias input i of a conv-like node: a graph tensor or -1. */
static mnv3_status
onnx_bias_tensor (onnx_ctx *cx, const Onnx__NodeProto *n, int i, int64_t oc,
    int *tid)
{
  onnx_val *b;
  mnv3_status s = onnx_const_input (cx, n, i, &b);

  *tid = -1;
  if (s != MNV3_OK || !b)
    return s;
  if (b->numel != oc)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "bias '%s' has %lld elements, %lld expected", b->name,
        (long long) b->numel, (long long) oc);
  {
    float *data = onnx_const_floats (b);
    if (!data)
      return MNV3_ERR_NOMEM;
    *tid = mnv3_graph_add_tensor (cx->g, b->name, 1, 1, 1, 1, (int) oc,
        data);
  }
  if (*tid < 0)
    return MNV3_ERR_NOMEM;
  return onnx_qdq_attach (cx, b, *tid, 0);
}

static mnv3_status
onnx_weight_input (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val **w)
{
  mnv3_status s = onnx_const_input (cx, n, 1, w);

  if (s != MNV3_OK)
    return s;
  if (!*w || (*w)->rank != 4 || (*w)->dtype != ONNX_F32)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "weights must be a constant float 4-D tensor (2-D convolution)");
  for (int d = 0; d < 4; d++)
    if ((*w)->dims[d] < 1)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "empty weights");
  return MNV3_OK;
}

/* ---- Conv ------------------------------------------------------------- */

static mnv3_status
onnx_op_conv (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *w;
  onnx_window win;
  mnv3_gnode nd;
  int64_t groups = onnx_attr_int (n, "group", 1), oc, icg, ic, kh, kw;
  int64_t out[4];
  float *ohwi;
  int wt, bt;
  mnv3_status s;

  if ((s = onnx_rank4_input (cx, n, &x)) || (s = onnx_weight_input (cx, n, &w)))
    return s;
  oc = w->dims[0];
  icg = w->dims[1];
  kh = w->dims[2];
  kw = w->dims[3];
  ic = x->dims[1];
  if (groups < 1 || groups > ic || icg * groups != ic || oc % groups)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "weights [%lld,%lld,..] do not fit %lld input channels in %lld "
        "groups", (long long) oc, (long long) icg, (long long) ic,
        (long long) groups);
  if (kh > ONNX_MAX_KERNEL || kw > ONNX_MAX_KERNEL)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "kernel too large");
  win.k[0] = (int) kh;
  win.k[1] = (int) kw;
  if ((s = onnx_window_parse (cx, n, &win, 1)) != MNV3_OK)
    return s;
  out[0] = 1;
  out[1] = oc;
  if ((s = onnx_window_out (cx, &win, 0, x->dims[2], 0, &out[2]))
      || (s = onnx_window_out (cx, &win, 1, x->dims[3], 0, &out[3])))
    return s;
  /* OIHW -> OHWI */
  ohwi = malloc ((size_t) w->numel * sizeof *ohwi);
  if (!ohwi)
    return MNV3_ERR_NOMEM;
  for (int64_t o = 0; o < oc; o++)
    for (int64_t i = 0; i < icg; i++)
      for (int64_t y = 0; y < kh; y++)
        for (int64_t xx = 0; xx < kw; xx++)
          ohwi[((o * kh + y) * kw + xx) * icg + i] =
              w->f[((o * icg + i) * kh + y) * kw + xx];
  wt = mnv3_graph_add_tensor (cx->g, w->name, 4, (int) oc, (int) kh,
      (int) kw, (int) icg, ohwi);
  if (wt < 0)
    return MNV3_ERR_NOMEM;
  if ((s = onnx_qdq_attach (cx, w, wt, 0)) != MNV3_OK)
    return s;
  if ((s = onnx_bias_tensor (cx, n, 2, oc, &bt)) != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_CONV, x->tensor);
  nd.inputs[1] = wt;
  nd.num_inputs = 2;
  if (bt >= 0)
    nd.inputs[nd.num_inputs++] = bt;
  onnx_conv_attr_set (&nd.u.conv, &win, (int) groups);
  return onnx_emit (cx, n, &nd, 4, out);
}

/* ---- ConvTranspose ---------------------------------------------------- */

static mnv3_status
onnx_op_conv_transpose (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *w;
  onnx_window win;
  mnv3_gnode nd;
  int64_t ic, oc, kh, kw, out[4];
  int opad[2], oshape[2], have_oshape = onnx_attr (n, "output_shape") != NULL;
  float *wd;
  int wt, bt;
  mnv3_status s;

  if ((s = onnx_rank4_input (cx, n, &x)) || (s = onnx_weight_input (cx, n, &w)))
    return s;
  if (onnx_attr_int (n, "group", 1) != 1)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "grouped transposed convolution");
  ic = w->dims[0];
  oc = w->dims[1];
  kh = w->dims[2];
  kw = w->dims[3];
  if (ic != x->dims[1])
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "weights for %lld input channels, input has %lld", (long long) ic,
        (long long) x->dims[1]);
  if (kh > ONNX_MAX_KERNEL || kw > ONNX_MAX_KERNEL)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "kernel too large");
  win.k[0] = (int) kh;
  win.k[1] = (int) kw;
  if ((s = onnx_window_parse (cx, n, &win, 1))
      || (s = onnx_ints2 (cx, n, "output_padding", 2, 0, 0, ONNX_MAX_STRIDE,
              opad))
      || (s = onnx_ints2 (cx, n, "output_shape", 2, 1, 1, (int) ONNX_MAX_DIM,
              oshape)))
    return s;
  for (int a = 0; a < 2; a++) {
    int64_t full = (int64_t) win.s[a] * (x->dims[2 + a] - 1) + opad[a]
        + (int64_t) (win.k[a] - 1) * win.d[a] + 1, total = 0;
    int upper = win.mode == MNV3_PAD_SAME_UPPER;
    if (have_oshape || win.mode == MNV3_PAD_SAME_UPPER
        || win.mode == MNV3_PAD_SAME_LOWER) {
      int64_t want = have_oshape ? oshape[a] : x->dims[2 + a] * win.s[a];
      total = full - want;
      if (total < 0 || total > 2 * ONNX_MAX_PAD)
        return onnx_node_error (cx, MNV3_ERR_SHAPE, "bad output size");
      win.pads[a] = (int) (upper ? total / 2 : total - total / 2);
      win.pads[a + 2] = (int) (total - win.pads[a]);
    } else if (win.mode == MNV3_PAD_VALID) {
      win.pads[a] = win.pads[a + 2] = 0;
    }
    out[2 + a] = full - win.pads[a] - win.pads[a + 2];
    if (out[2 + a] < 1)
      return onnx_node_error (cx, MNV3_ERR_SHAPE, "empty output");
  }
  win.mode = MNV3_PAD_EXPLICIT;
  out[0] = 1;
  out[1] = oc;
  /* [ic][oc][kh][kw] -> [oc][kh][kw][ic] */
  wd = malloc ((size_t) w->numel * sizeof *wd);
  if (!wd)
    return MNV3_ERR_NOMEM;
  for (int64_t i = 0; i < ic; i++)
    for (int64_t o = 0; o < oc; o++)
      for (int64_t y = 0; y < kh; y++)
        for (int64_t xx = 0; xx < kw; xx++)
          wd[((o * kh + y) * kw + xx) * ic + i] =
              w->f[((i * oc + o) * kh + y) * kw + xx];
  wt = mnv3_graph_add_tensor (cx->g, w->name, 4, (int) oc, (int) kh,
      (int) kw, (int) ic, wd);
  if (wt < 0)
    return MNV3_ERR_NOMEM;
  if ((s = onnx_bias_tensor (cx, n, 2, oc, &bt)) != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_CONV_TRANSPOSE, x->tensor);
  nd.inputs[1] = wt;
  nd.num_inputs = 2;
  if (bt >= 0)
    nd.inputs[nd.num_inputs++] = bt;
  onnx_conv_attr_set (&nd.u.conv, &win, 1);
  nd.u.conv.out_pad_h = opad[0];
  nd.u.conv.out_pad_w = opad[1];
  return onnx_emit (cx, n, &nd, 4, out);
}

/* ---- Gemm, MatMul ----------------------------------------------------- */

static mnv3_status
onnx_fc (onnx_ctx *cx, const Onnx__NodeProto *n, onnx_val *x, onnx_val *b,
    int trans_b, float alpha, onnx_val *c, float beta)
{
  int64_t k, nout, out[2];
  float *wd, *bd = NULL;
  int wt, bt = -1;
  mnv3_gnode nd;

  if (x->rank != 2 || x->dims[0] != 1)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "input must be [1, K] (rank %d)", x->rank);
  if (b->rank != 2)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "weights must be 2-D (rank %d)", b->rank);
  k = x->dims[1];
  nout = trans_b ? b->dims[0] : b->dims[1];
  if ((trans_b ? b->dims[1] : b->dims[0]) != k || nout < 1)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "weights [%lld,%lld] do not match K = %lld", (long long) b->dims[0],
        (long long) b->dims[1], (long long) k);
  if (c && c->numel != 1 && c->numel != nout)
    return onnx_node_error (cx, MNV3_ERR_SHAPE,
        "bias of %lld elements for %lld outputs", (long long) c->numel,
        (long long) nout);
  wd = malloc ((size_t) (nout * k) * sizeof *wd);
  if (!wd)
    return MNV3_ERR_NOMEM;
  for (int64_t o = 0; o < nout; o++)
    for (int64_t i = 0; i < k; i++)
      wd[o * k + i] = alpha * (float) onnx_const_get (b,
          trans_b ? o * k + i : i * nout + o);
  wt = mnv3_graph_add_tensor (cx->g, b->name, 2, (int) nout, 1, 1, (int) k,
      wd);
  if (wt < 0)
    return MNV3_ERR_NOMEM;
  if (alpha == 1.f) {
    mnv3_status s = onnx_qdq_attach (cx, b, wt, trans_b ? 0 : 1);
    if (s != MNV3_OK)
      return s;
  }
  if (c) {
    bd = malloc ((size_t) nout * sizeof *bd);
    if (!bd)
      return MNV3_ERR_NOMEM;
    for (int64_t o = 0; o < nout; o++)
      bd[o] = beta * (float) onnx_const_get (c, c->numel == 1 ? 0 : o);
    bt = mnv3_graph_add_tensor (cx->g, c->name, 1, 1, 1, 1, (int) nout, bd);
    if (bt < 0)
      return MNV3_ERR_NOMEM;
    if (beta == 1.f && c->numel == nout) {
      mnv3_status s = onnx_qdq_attach (cx, c, bt, 0);
      if (s != MNV3_OK)
        return s;
    }
  }
  onnx_node_init (&nd, MNV3_OP_FC, x->tensor);
  nd.inputs[1] = wt;
  nd.num_inputs = 2;
  if (bt >= 0)
    nd.inputs[nd.num_inputs++] = bt;
  out[0] = 1;
  out[1] = nout;
  return onnx_emit (cx, n, &nd, 2, out);
}

static mnv3_status
onnx_op_gemm (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *b, *c;
  mnv3_status s;

  if ((s = onnx_dyn_input (cx, n, 0, &x)) || (s = onnx_const_input (cx, n, 1, &b))
      || (s = onnx_const_input (cx, n, 2, &c)))
    return s;
  if (!b)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "Gemm without B");
  if (onnx_attr_int (n, "transA", 0))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "transA = 1");
  return onnx_fc (cx, n, x, b, onnx_attr_int (n, "transB", 0) != 0,
      onnx_attr_float (n, "alpha", 1.f), c, onnx_attr_float (n, "beta", 1.f));
}

static mnv3_status
onnx_op_matmul (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *b;
  mnv3_status s;

  if ((s = onnx_dyn_input (cx, n, 0, &x)) || (s = onnx_const_input (cx, n, 1, &b)))
    return s;
  if (!b)
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "MatMul without B");
  return onnx_fc (cx, n, x, b, 0, 1.f, NULL, 0.f);
}

/* ---- BatchNormalization ----------------------------------------------- */

static mnv3_status
onnx_op_batchnorm (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x, *p;
  mnv3_gnode nd;
  mnv3_status s;

  if ((s = onnx_dyn_input (cx, n, 0, &x)) != MNV3_OK)
    return s;
  if (x->rank != 4 && x->rank != 2)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "rank %d input",
        x->rank);
  if (onnx_attr_int (n, "training_mode", 0) || !onnx_attr_int (n, "spatial", 1))
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "training mode / non-spatial batch normalization");
  onnx_node_init (&nd, MNV3_OP_BATCHNORM, x->tensor);
  for (int i = 1; i <= 4; i++) {    /* scale, bias, mean, var */
    if ((s = onnx_const_input (cx, n, i, &p)) != MNV3_OK)
      return s;
    if (!p || p->numel != x->dims[1])
      return onnx_node_error (cx, MNV3_ERR_SHAPE,
          "parameter %d must have %lld elements", i, (long long) x->dims[1]);
    if ((s = onnx_const_tensor (cx, p, 1, &nd.inputs[i])) != MNV3_OK)
      return s;
  }
  nd.num_inputs = 5;
  nd.u.bn_eps = onnx_attr_float (n, "epsilon", 1e-5f);
  return onnx_emit (cx, n, &nd, x->rank, x->dims);
}

/* ---- element-wise ----------------------------------------------------- */

static const struct {
  const char *name;
  mnv3_binary_op op;
} onnx_binary_ops[] = {
  {"Add", MNV3_BINARY_ADD}, {"Sub", MNV3_BINARY_SUB},
  {"Mul", MNV3_BINARY_MUL}, {"Div", MNV3_BINARY_DIV},
  {"Max", MNV3_BINARY_MAX}, {"Min", MNV3_BINARY_MIN},
};

static mnv3_status
onnx_op_binary (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *in[2];
  int64_t dims[ONNX_MAX_RANK];
  int rank;
  mnv3_gnode nd;
  mnv3_status s;

  if (n->n_input != 2)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "%zu inputs (2 only)",
        n->n_input);
  for (int i = 0; i < 2; i++) {
    if ((s = onnx_input (cx, n, i, &in[i])) != MNV3_OK)
      return s;
    if (!in[i])
      return onnx_node_error (cx, MNV3_ERR_FORMAT, "input %d missing", i);
  }
  if (!onnx_broadcast (in[0]->rank, in[0]->dims, in[1]->rank, in[1]->dims,
          &rank, dims))
    return onnx_node_error (cx, MNV3_ERR_SHAPE, "shapes do not broadcast");
  onnx_node_init (&nd, MNV3_OP_BINARY, -1);
  nd.num_inputs = 2;
  for (size_t k = 0; k < sizeof onnx_binary_ops / sizeof onnx_binary_ops[0];
      k++)
    if (strcmp (n->op_type, onnx_binary_ops[k].name) == 0)
      nd.u.binary = onnx_binary_ops[k].op;
  for (int i = 0; i < 2; i++) {
    if (in[i]->kind == ONNX_VAL_CONST) {
      if ((s = onnx_const_tensor (cx, in[i], rank, &nd.inputs[i])) != MNV3_OK)
        return s;
    } else if (in[i]->rank != rank) {
      return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
          "broadcasting a rank-%d tensor to rank %d", in[i]->rank, rank);
    } else {
      nd.inputs[i] = in[i]->tensor;
    }
  }
  return onnx_emit (cx, n, &nd, rank, dims);
}

static mnv3_status
onnx_act (onnx_ctx *cx, const Onnx__NodeProto *n, mnv3_act_type type,
    float a, float b)
{
  onnx_val *x;
  mnv3_gnode nd;
  mnv3_status s = onnx_dyn_input (cx, n, 0, &x);

  if (s != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_ACT, x->tensor);
  nd.act.type = type;
  nd.act.a = a;
  nd.act.b = b;
  return onnx_emit (cx, n, &nd, x->rank, x->dims);
}

static mnv3_status
onnx_op_relu (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  return onnx_act (cx, n, MNV3_ACT_RELU, 0.f, 0.f);
}

static mnv3_status
onnx_op_sigmoid (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  return onnx_act (cx, n, MNV3_ACT_SIGMOID, 0.f, 0.f);
}

static mnv3_status
onnx_op_hardswish (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  return onnx_act (cx, n, MNV3_ACT_HSWISH, 0.f, 0.f);
}

/* HardSigmoid(x; 1/6, 0.5) whose only consumer is Mul(x, it) is the
 * hard-swish torch writes below opset 14: import both as one HSWISH. */
static mnv3_status
onnx_op_hardsigmoid (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  float alpha = onnx_attr_float (n, "alpha", 0.2f);
  float beta = onnx_attr_float (n, "beta", 0.5f);
  const Onnx__NodeProto *mul;
  int mi;

  if (fabsf (alpha - 1.f / 6.f) < 1e-6f && beta == 0.5f && n->n_input == 1
      && (mul = onnx_sole_consumer (cx, n->output[0], &mi))
      && mi > cx->node_index && mul->op_type && !strcmp (mul->op_type, "Mul")
      && (!mul->domain || !mul->domain[0]) && mul->n_input == 2
      && mul->n_output >= 1 && mul->output[0] && mul->output[0][0]) {
    int other = strcmp (mul->input[0], n->output[0]) == 0 ? 1 : 0;
    if (strcmp (mul->input[other], n->input[0]) == 0) {
      Onnx__NodeProto fused = *mul;
      fused.input = n->input;
      fused.n_input = 1;
      cx->skip[mi] = 1;
      return onnx_act (cx, &fused, MNV3_ACT_HSWISH, 0.f, 0.f);
    }
  }
  return onnx_act (cx, n, MNV3_ACT_HSIGMOID, alpha, beta);
}

static mnv3_status
onnx_op_clip (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  float lo = -FLT_MAX, hi = FLT_MAX;
  onnx_val *v;
  mnv3_status s;

  if (cx->opset < 11) {
    lo = onnx_attr_float (n, "min", lo);
    hi = onnx_attr_float (n, "max", hi);
  } else {
    for (int i = 1; i <= 2; i++) {
      if ((s = onnx_const_input (cx, n, i, &v)) != MNV3_OK)
        return s;
      if (v && v->numel != 1)
        return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
            "Clip bound must be a scalar");
      if (v)
        *(i == 1 ? &lo : &hi) = (float) onnx_const_get (v, 0);
    }
  }
  if (lo == 0.f && hi == FLT_MAX)
    return onnx_act (cx, n, MNV3_ACT_RELU, 0.f, 0.f);
  return onnx_act (cx, n, MNV3_ACT_CLIP, lo, hi);
}

/* ---- pooling ---------------------------------------------------------- */

static mnv3_status
onnx_global_pool (onnx_ctx *cx, const Onnx__NodeProto *n, mnv3_pool_type t,
    int keep)
{
  onnx_val *x;
  mnv3_gnode nd;
  int64_t out[4];
  mnv3_status s = onnx_rank4_input (cx, n, &x);

  if (s != MNV3_OK)
    return s;
  onnx_node_init (&nd, MNV3_OP_POOL, x->tensor);
  nd.u.pool.type = t;
  nd.u.pool.global = 1;
  out[0] = 1;
  out[1] = x->dims[1];
  out[2] = out[3] = 1;
  return onnx_emit (cx, n, &nd, keep ? 4 : 2, out);
}

static mnv3_status
onnx_op_global_pool (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  return onnx_global_pool (cx, n,
      strstr (n->op_type, "Max") ? MNV3_POOL_MAX : MNV3_POOL_AVG, 1);
}

static mnv3_status
onnx_op_reduce_mean (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  const int64_t *axes;
  size_t na = onnx_attr_ints (n, "axes", &axes);
  int64_t av[2];
  onnx_val *v;
  mnv3_status s;

  if (na == 0 && n->n_input > 1) {      /* opset 18: axes input */
    if ((s = onnx_const_input (cx, n, 1, &v)) != MNV3_OK)
      return s;
    if (v && v->numel == 2) {
      av[0] = onnx_const_geti (v, 0);
      av[1] = onnx_const_geti (v, 1);
      axes = av;
      na = 2;
    }
  }
  if (na != 2 || axes[0] < -4 || axes[0] > 3 || axes[1] < -4 || axes[1] > 3
      || ((axes[0] + 4) % 4) + ((axes[1] + 4) % 4) != 5
      || (axes[0] + 4) % 4 < 2 || (axes[1] + 4) % 4 < 2)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
        "ReduceMean over axes other than (2, 3)");
  return onnx_global_pool (cx, n, MNV3_POOL_AVG,
      onnx_attr_int (n, "keepdims", 1) != 0);
}

static mnv3_status
onnx_op_pool (onnx_ctx *cx, const Onnx__NodeProto *n)
{
  onnx_val *x;
  onnx_window win;
  mnv3_gnode nd;
  int64_t out[4];
  int ceil_mode = onnx_attr_int (n, "ceil_mode", 0) != 0;
  int is_max = strcmp (n->op_type, "MaxPool") == 0;
  int cip = onnx_attr_int (n, "count_include_pad", 0) != 0;
  mnv3_status s;

  if ((s = onnx_rank4_input (cx, n, &x)) != MNV3_OK)
    return s;
  if (!onnx_attr (n, "kernel_shape"))
    return onnx_node_error (cx, MNV3_ERR_FORMAT, "no kernel_shape");
  if ((s = onnx_window_parse (cx, n, &win, 0)) != MNV3_OK)
    return s;
  if (win.d[0] != 1 || win.d[1] != 1)
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "dilated pooling");
  if (is_max && n->n_output > 1 && n->output[1] && n->output[1][0])
    return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED, "MaxPool indices");
  out[0] = 1;
  out[1] = x->dims[1];
  for (int a = 0; a < 2; a++) {
    if ((s = onnx_window_out (cx, &win, a, x->dims[2 + a], ceil_mode,
                &out[2 + a])) != MNV3_OK)
      return s;
    if (ceil_mode && win.mode == MNV3_PAD_EXPLICIT) {
      /* extend the end padding so that floor() gives the ceil size */
      int64_t need = (out[2 + a] - 1) * win.s[a] + win.k[a]
          - x->dims[2 + a] - win.pads[a] - win.pads[a + 2];
      if (need > 0) {
        if (cip && !is_max)
          return onnx_node_error (cx, MNV3_ERR_UNSUPPORTED,
              "ceil_mode with count_include_pad");
        win.pads[a + 2] += (int) need;
      }
    }
  }
  onnx_node_init (&nd, MNV3_OP_POOL, x->tensor);
  nd.u.pool.type = is_max ? MNV3_POOL_MAX : MNV3_POOL_AVG;
  nd.u.pool.kh = win.k[0];
  nd.u.pool.kw = win.k[1];
  nd.u.pool.sh = win.s[0];
  nd.u.pool.sw = win.s[1];
  nd.u.pool.pad_mode = win.mode;
  nd.u.pool.pad_t = win.pads[0];
  nd.u.pool.pad_l = win.pads[1];
  nd.u.pool.pad_b = win.pads[2];
  nd.u.pool.pad_r = win.pads[3];
  nd.u.pool.count_include_pad = cip;
  return onnx_emit (cx, n, &nd, 4, out);
}

/* ---- table ------------------------------------------------------------ */

static const struct {
  const char *name;
  onnx_op_fn fn;
} onnx_op_table[] = {
  {"Conv", onnx_op_conv},
  {"QuantizeLinear", onnx_op_quantize_linear},
  {"DequantizeLinear", onnx_op_dequantize_linear},
  {"ConvTranspose", onnx_op_conv_transpose},
  {"Gemm", onnx_op_gemm},
  {"MatMul", onnx_op_matmul},
  {"BatchNormalization", onnx_op_batchnorm},
  {"Add", onnx_op_binary},
  {"Sub", onnx_op_binary},
  {"Mul", onnx_op_binary},
  {"Div", onnx_op_binary},
  {"Max", onnx_op_binary},
  {"Min", onnx_op_binary},
  {"Relu", onnx_op_relu},
  {"Clip", onnx_op_clip},
  {"Sigmoid", onnx_op_sigmoid},
  {"HardSwish", onnx_op_hardswish},
  {"HardSigmoid", onnx_op_hardsigmoid},
  {"GlobalAveragePool", onnx_op_global_pool},
  {"GlobalMaxPool", onnx_op_global_pool},
  {"AveragePool", onnx_op_pool},
  {"MaxPool", onnx_op_pool},
  {"ReduceMean", onnx_op_reduce_mean},
  {"Resize", onnx_op_resize},
  {"Upsample", onnx_op_resize},
  {"Concat", onnx_op_concat},
  {"Reshape", onnx_op_reshape},
  {"Flatten", onnx_op_reshape},
  {"Squeeze", onnx_op_reshape},
  {"Unsqueeze", onnx_op_reshape},
  {"Transpose", onnx_op_transpose},
  {"Identity", onnx_op_identity},
  {"Dropout", onnx_op_identity},
  {"Softmax", onnx_op_softmax},
  {"ArgMax", onnx_op_argmax},
};

onnx_op_fn
onnx_op_lookup (const char *op_type)
{
  for (size_t k = 0; k < sizeof onnx_op_table / sizeof onnx_op_table[0]; k++)
    if (strcmp (op_type, onnx_op_table[k].name) == 0)
      return onnx_op_table[k].fn;
  return NULL;
}
