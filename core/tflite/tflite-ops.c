/* tflite-ops.c — activations, node emission and the operator
 * translators.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite-internal.h"

/* ---- activations ------------------------------------------------------- */

static mnv3_status
tfl_fused_act (tfl_ctx *c, const tfl_op *op, int code, mnv3_act *act)
{
  act->a = act->b = 0.f;
  switch (code) {
    case TFL_ACT_NONE: act->type = MNV3_ACT_NONE; return MNV3_OK;
    case TFL_ACT_RELU: act->type = MNV3_ACT_RELU; return MNV3_OK;
    case TFL_ACT_RELU_N1_TO_1:
      act->type = MNV3_ACT_CLIP;
      act->a = -1.f;
      act->b = 1.f;
      return MNV3_OK;
    case TFL_ACT_RELU6:
      act->type = MNV3_ACT_CLIP;
      act->a = 0.f;
      act->b = 6.f;
      return MNV3_OK;
    default:
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
          code == TFL_ACT_TANH ? "fused TANH activation is not supported" :
          "unknown fused activation");
  }
}

/* Quantized models keep ReLU/ReLU6 only in the output range: an output
 * whose zero point is the type's minimum has a range starting at 0 (ReLU);
 * if the range also ends at ~6 it is ReLU6.  Applying it is exact with
 * respect to the quantized model, whose result is clamped to that range
 * anyway. */
static void
tfl_act_from_range (const tfl_ctx *c, int ti, mnv3_act *act)
{
  const tfl_tensor *t = &c->t[ti];
  int qmin, qmax;
  float s, hi;
  int64_t zp;

  if (c->integer || act->type != MNV3_ACT_NONE || !t->quantized
      || t->scale.len != 1)
    return;
  if (t->type == TFL_UINT8) {
    qmin = 0;
    qmax = 255;
  } else if (t->type == TFL_INT8) {
    qmin = -128;
    qmax = 127;
  } else
    return;
  tfl_quant_params (c, t, 0, &s, &zp);
  if (zp != qmin || !(s > 0.f))
    return;
  hi = s * (float) (qmax - qmin);
  if (fabsf (hi - 6.f) <= 2.f * s) {
    act->type = MNV3_ACT_CLIP;
    act->a = 0.f;
    act->b = 6.f;
  } else
    act->type = MNV3_ACT_RELU;
}

/* ---- node emission ----------------------------------------------------- */

void
tfl_node_init (mnv3_gnode *n, mnv3_op_type type, const char *name)
{
  memset (n, 0, sizeof *n);
  n->type = type;
  n->name = (char *) name;
  n->act.type = MNV3_ACT_NONE;
}

static int
tfl_kernel_takes_act (mnv3_op_type type)
{
  return type == MNV3_OP_CONV || type == MNV3_OP_CONV_TRANSPOSE
      || type == MNV3_OP_FC || type == MNV3_OP_BINARY
      || type == MNV3_OP_ACT;
}

/* Add node `n` producing TFLite tensor `ti`.  An activation the node's
 * kernel cannot fuse becomes a separate ACT node. */
mnv3_status
tfl_emit (tfl_ctx *c, const tfl_op *op, mnv3_gnode *n, int ti)
{
  mnv3_status st;
  mnv3_act act = n->act;
  int mid, out;

  /* integer kernels clamp to the output range, which is where a fused
   * activation lives: pooling and concatenation take it too */
  if (act.type == MNV3_ACT_NONE || tfl_kernel_takes_act (n->type)
      || (c->integer && (n->type == MNV3_OP_POOL
              || n->type == MNV3_OP_CONCAT))) {
    if ((st = tfl_produce (c, op, ti, NULL, &out)) != MNV3_OK)
      return st;
    n->output = out;
    return mnv3_graph_add_node (c->g, n) < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
  }
  if (c->integer)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "fused activation on an integer operator that cannot apply it");
  if ((st = tfl_produce (c, op, ti, ":pre_act", &mid)) != MNV3_OK)
    return st;
  n->output = mid;
  n->act.type = MNV3_ACT_NONE;
  if (mnv3_graph_add_node (c->g, n) < 0)
    return MNV3_ERR_NOMEM;
  if ((st = tfl_produce (c, op, ti, NULL, &out)) != MNV3_OK)
    return st;
  tfl_node_init (n, MNV3_OP_ACT, c->t[ti].name);
  n->act = act;
  n->inputs[0] = mid;
  n->num_inputs = 1;
  n->output = out;
  return mnv3_graph_add_node (c->g, n) < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
}

static mnv3_status
tfl_need_io (tfl_ctx *c, const tfl_op *op, int min_in, int max_in)
{
  if (op->num_in < min_in || op->num_in > max_in || op->num_out < 1)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "wrong number of inputs/outputs");
  for (int k = 0; k < min_in; k++)
    if (op->in[k] < 0)
      return tfl_op_error (c, op, MNV3_ERR_FORMAT, "missing required input");
  return MNV3_OK;
}

/* A graph const tensor with explicit NHWC dims (data taken over). */
static mnv3_status
tfl_add_const (tfl_ctx *c, const char *name, int rank, int n, int h, int w,
    int ch, float *data, int *gid)
{
  *gid = mnv3_graph_add_tensor (c->g, name, rank, n, h, w, ch, data);
  return *gid < 0 ? MNV3_ERR_NOMEM : MNV3_OK;
}

/* Bias (optional input k) as a graph const of oc values. `in_ti`/`w_ti`
 * give s_in*s_w for int32 biases that lack their own scale. */
static mnv3_status
tfl_bias_input (tfl_ctx *c, const tfl_op *op, int k, int in_ti, int w_ti,
    int64_t oc, mnv3_gnode *n)
{
  int bi = op->num_in > k ? op->in[k] : -1;
  const tfl_tensor *b, *x = &c->t[in_ti], *w = &c->t[w_ti];
  float *scales = NULL, *data;
  mnv3_status st;
  int gid;

  if (bi < 0)
    return MNV3_OK;
  b = &c->t[bi];
  if (!tfl_is_const (b))
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "bias must be constant");
  if (b->numel != oc)
    return tfl_op_error (c, op, MNV3_ERR_SHAPE, "bias length differs from the "
        "output channels");
  if (b->type == TFL_INT32 && !b->quantized) {
    scales = malloc ((size_t) (oc ? oc : 1) * sizeof *scales);
    if (!scales)
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    for (int64_t o = 0; o < oc; o++) {
      float si = 0.f, sw = 0.f;
      int64_t zp;
      if (x->quantized)
        tfl_quant_params (c, x, 0, &si, &zp);
      if (w->quantized)
        tfl_quant_params (c, w, w->scale.len > 1 ? o : 0, &sw, &zp);
      scales[o] = si * sw;
    }
  }
  st = tfl_const_floats (c, op, bi, scales, &data);
  free (scales);
  if (st != MNV3_OK)
    return st;
  if ((st = tfl_add_const (c, b->name, 1, 1, 1, 1, (int) oc, data, &gid))
      != MNV3_OK)
    return st;
  n->inputs[n->num_inputs++] = gid;
  return MNV3_OK;
}

/* Input 0 of a convolution, following a folded PAD. */
static mnv3_status
tfl_conv_input (tfl_ctx *c, const tfl_op *op, mnv3_conv_attr *a, int *x_ti)
{
  tfl_tensor *x = &c->t[op->in[0]];

  *x_ti = op->in[0];
  if (x->pad_src < 0)
    return MNV3_OK;
  if (a->pad_mode != MNV3_PAD_VALID)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "PAD before a SAME-padded convolution");
  a->pad_mode = MNV3_PAD_EXPLICIT;
  a->pad_t = x->pads[0];
  a->pad_l = x->pads[1];
  a->pad_b = x->pads[2];
  a->pad_r = x->pads[3];
  *x_ti = x->pad_src;
  return MNV3_OK;
}

static mnv3_status
tfl_pad_mode_of (tfl_ctx *c, const tfl_op *op, int padding, mnv3_pad_mode *m)
{
  if (padding == TFL_PAD_SAME)
    *m = MNV3_PAD_SAME_UPPER;
  else if (padding == TFL_PAD_VALID)
    *m = MNV3_PAD_VALID;
  else
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "unknown padding");
  return MNV3_OK;
}

static mnv3_status
tfl_check_kernel (tfl_ctx *c, const tfl_op *op, int64_t kh, int64_t kw)
{
  if (kh < 1 || kw < 1 || kh > 4096 || kw > 4096)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad kernel size");
  return MNV3_OK;
}

static mnv3_status
tfl_check_strides (tfl_ctx *c, const tfl_op *op, int sh, int sw, int dh, int dw)
{
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || sh > 1024 || sw > 1024
      || dh > 1024 || dw > 1024)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad stride or dilation");
  return MNV3_OK;
}

/* The integer form of CONV_2D / DEPTHWISE_CONV_2D: raw 8-bit weights in the
 * canonical layout, int32 bias. */
static mnv3_status
import_qconv (tfl_ctx *c, const tfl_op *op, mnv3_gnode *n, int x_ti,
    int64_t in_c, int depthwise)
{
  const tfl_tensor *w = &c->t[op->in[1]];
  mnv3_conv_attr *a = &n->u.conv;
  int64_t oc, ic;
  int xg, wg, bg;
  mnv3_status st;

  if (depthwise) {
    oc = w->dims[3];
    if (w->dims[0] != 1 || in_c <= 0 || oc != in_c)
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
          "integer depthwise convolution needs a depth multiplier of 1");
    ic = 1;
    a->groups = (int) in_c;
  } else {
    oc = w->dims[0];
    ic = w->dims[3];
    if (ic <= 0 || in_c <= 0 || in_c % ic)
      return tfl_op_error (c, op, MNV3_ERR_SHAPE,
          "weights do not match the input channels");
    a->groups = (int) (in_c / ic);
  }
  a->kh = (int) w->dims[1];
  a->kw = (int) w->dims[2];
  if ((st = tfl_q_weights (c, op, op->in[1], depthwise, 4, (int) oc, a->kh,
              a->kw, (int) ic, &wg)) != MNV3_OK
      || (st = tfl_value_of (c, op, x_ti, &xg)) != MNV3_OK)
    return st;
  n->inputs[0] = xg;
  n->inputs[1] = wg;
  n->num_inputs = 2;
  if (op->num_in > 2 && op->in[2] >= 0) {
    if ((st = tfl_q_bias (c, op, op->in[2], oc, &bg)) != MNV3_OK)
      return st;
    n->inputs[n->num_inputs++] = bg;
  }
  return tfl_emit (c, op, n, op->out[0]);
}

static mnv3_status
tfl_import_conv (tfl_ctx *c, const tfl_op *op, int depthwise)
{
  mnv3_fb *fb = &c->fb;
  const mnv3_fb_table *o = &op->opts;
  mnv3_gnode n;
  mnv3_conv_attr *a = &n.u.conv;
  const tfl_tensor *w;
  int x_ti, xg, wg, act_code;
  int64_t oc, kh, kw, ic, in_c;
  float *wd;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 3)) != MNV3_OK)
    return st;
  tfl_node_init (&n, MNV3_OP_CONV, c->t[op->out[0]].name);
  w = &c->t[op->in[1]];
  if (w->rank != 4)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "weights are not 4-D");
  a->sw = mnv3_fb_i32 (fb, o, depthwise ? TFL_DW_STRIDE_W : TFL_CONV_STRIDE_W,
      0);
  a->sh = mnv3_fb_i32 (fb, o, depthwise ? TFL_DW_STRIDE_H : TFL_CONV_STRIDE_H,
      0);
  a->dw = mnv3_fb_i32 (fb, o,
      depthwise ? TFL_DW_DILATION_W : TFL_CONV_DILATION_W, 1);
  a->dh = mnv3_fb_i32 (fb, o,
      depthwise ? TFL_DW_DILATION_H : TFL_CONV_DILATION_H, 1);
  act_code = mnv3_fb_i8 (fb, o, depthwise ? TFL_DW_ACT : TFL_CONV_ACT, 0);
  if ((st = tfl_check_strides (c, op, a->sh, a->sw, a->dh, a->dw)) != MNV3_OK
      || (st = tfl_pad_mode_of (c, op, mnv3_fb_i8 (fb, o, TFL_CONV_PADDING, 0),
              &a->pad_mode)) != MNV3_OK
      || (st = tfl_fused_act (c, op, act_code, &n.act)) != MNV3_OK
      || (st = tfl_conv_input (c, op, a, &x_ti)) != MNV3_OK)
    return st;
  tfl_act_from_range (c, op->out[0], &n.act);
  kh = w->dims[1];
  kw = w->dims[2];
  if ((st = tfl_check_kernel (c, op, kh, kw)) != MNV3_OK)
    return st;
  in_c = c->t[x_ti].rank == 4 ? c->t[x_ti].dims[3] : -1;
  if (c->integer)
    return import_qconv (c, op, &n, x_ti, in_c, depthwise);
  if ((st = tfl_const_floats (c, op, op->in[1], NULL, &wd)) != MNV3_OK)
    return st;
  if (depthwise) {
    /* [1][kh][kw][oc] -> [oc][kh][kw][1]; oc = in_c * depth_multiplier */
    float *t;
    oc = w->dims[3];
    if (w->dims[0] != 1 || in_c <= 0 || oc % in_c) {
      free (wd);
      return tfl_op_error (c, op, MNV3_ERR_SHAPE,
          "depthwise weights do not match the input channels");
    }
    t = malloc ((size_t) (w->numel ? w->numel : 1) * sizeof *t);
    if (!t) {
      free (wd);
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    }
    for (int64_t k = 0; k < kh * kw; k++)
      for (int64_t ch = 0; ch < oc; ch++)
        t[ch * kh * kw + k] = wd[k * oc + ch];
    free (wd);
    wd = t;
    ic = 1;
    a->groups = (int) in_c;
  } else {
    oc = w->dims[0];
    ic = w->dims[3];
    if (ic <= 0 || in_c <= 0 || in_c % ic) {
      free (wd);
      return tfl_op_error (c, op, MNV3_ERR_SHAPE,
          "weights do not match the input channels");
    }
    a->groups = (int) (in_c / ic);
  }
  a->kh = (int) kh;
  a->kw = (int) kw;
  if ((st = tfl_add_const (c, w->name, 4, (int) oc, (int) kh, (int) kw, (int) ic,
          wd, &wg)) != MNV3_OK
      || (st = tfl_value_of (c, op, x_ti, &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.inputs[1] = wg;
  n.num_inputs = 2;
  if ((st = tfl_bias_input (c, op, 2, x_ti, op->in[1], oc, &n)) != MNV3_OK)
    return st;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_fc (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  const tfl_tensor *w;
  int xg, wg;
  float *wd;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 3)) != MNV3_OK)
    return st;
  tfl_node_init (&n, MNV3_OP_FC, c->t[op->out[0]].name);
  w = &c->t[op->in[1]];
  if (w->rank != 2)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "weights are not 2-D");
  if (mnv3_fb_i8 (&c->fb, &op->opts, TFL_FC_WEIGHTS_FORMAT, 0) != 0)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "shuffled weights format");
  if ((st = tfl_fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts, TFL_FC_ACT, 0),
              &n.act)) != MNV3_OK)
    return st;
  tfl_act_from_range (c, op->out[0], &n.act);
  if (c->integer) {
    int bg;
    if ((st = tfl_q_weights (c, op, op->in[1], 0, 2, (int) w->dims[0], 1, 1,
                (int) w->dims[1], &wg)) != MNV3_OK
        || (st = tfl_value_of (c, op, op->in[0], &xg)) != MNV3_OK)
      return st;
    n.inputs[0] = xg;
    n.inputs[1] = wg;
    n.num_inputs = 2;
    if (op->num_in > 2 && op->in[2] >= 0) {
      if ((st = tfl_q_bias (c, op, op->in[2], w->dims[0], &bg)) != MNV3_OK)
        return st;
      n.inputs[n.num_inputs++] = bg;
    }
    return tfl_emit (c, op, &n, op->out[0]);
  }
  if ((st = tfl_const_floats (c, op, op->in[1], NULL, &wd)) != MNV3_OK
      || (st = tfl_add_const (c, w->name, 2, (int) w->dims[0], 1, 1,
              (int) w->dims[1], wd, &wg)) != MNV3_OK
      || (st = tfl_value_of (c, op, op->in[0], &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.inputs[1] = wg;
  n.num_inputs = 2;
  if ((st = tfl_bias_input (c, op, 2, op->in[0], op->in[1], w->dims[0], &n))
      != MNV3_OK)
    return st;
  return tfl_emit (c, op, &n, op->out[0]);
}

/* TRANSPOSE_CONV (inputs: output_shape, weights, x, [bias]) and MediaPipe's
 * Convolution2DTransposeBias (x, weights, bias; params in custom options).
 * The padding is made explicit from the declared shapes: for SAME the
 * total (k - s when out = in*s) does not depend on the input size. */
static mnv3_status
tfl_import_deconv (tfl_ctx *c, const tfl_op *op, int custom)
{
  mnv3_gnode n;
  mnv3_conv_attr *a = &n.u.conv;
  int x_ti, w_ti, xg, wg, same;
  const tfl_tensor *w, *x, *y;
  int64_t oc, kh, kw, ic, tot_h, tot_w;
  float *wd;
  mnv3_status st;

  tfl_node_init (&n, MNV3_OP_CONV_TRANSPOSE, c->t[op->out[0]].name);
  if (c->integer)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "no integer transposed convolution");
  if (custom) {
    int32_t p[3];
    if ((st = tfl_need_io (c, op, 3, 3)) != MNV3_OK)
      return st;
    if (!op->custom_opts || op->custom_opts_len < sizeof p)
      return tfl_op_error (c, op, MNV3_ERR_FORMAT, "missing custom options");
    memcpy (p, op->custom_opts, sizeof p);
    if (p[0] != MP_PAD_SAME && p[0] != MP_PAD_VALID)
      return tfl_op_error (c, op, MNV3_ERR_FORMAT, "unknown padding");
    same = p[0] == MP_PAD_SAME;
    a->sw = p[1];
    a->sh = p[2];
    x_ti = op->in[0];
    w_ti = op->in[1];
  } else {
    int pad;
    if ((st = tfl_need_io (c, op, 3, 4)) != MNV3_OK)
      return st;
    pad = mnv3_fb_i8 (&c->fb, &op->opts, TFL_TCONV_PADDING, 0);
    if (pad != TFL_PAD_SAME && pad != TFL_PAD_VALID)
      return tfl_op_error (c, op, MNV3_ERR_FORMAT, "unknown padding");
    same = pad == TFL_PAD_SAME;
    a->sw = mnv3_fb_i32 (&c->fb, &op->opts, TFL_TCONV_STRIDE_W, 0);
    a->sh = mnv3_fb_i32 (&c->fb, &op->opts, TFL_TCONV_STRIDE_H, 0);
    if ((st = tfl_fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts,
                    TFL_TCONV_ACT, 0), &n.act)) != MNV3_OK)
      return st;
    x_ti = op->in[2];
    w_ti = op->in[1];
  }
  a->dh = a->dw = 1;
  a->groups = 1;
  a->pad_mode = MNV3_PAD_EXPLICIT;
  if ((st = tfl_check_strides (c, op, a->sh, a->sw, 1, 1)) != MNV3_OK)
    return st;
  tfl_act_from_range (c, op->out[0], &n.act);
  w = &c->t[w_ti];
  x = &c->t[x_ti];
  y = &c->t[op->out[0]];
  if (w->rank != 4 || x->rank != 4 || y->rank != 4)
    return tfl_op_error (c, op, MNV3_ERR_SHAPE, "tensors are not 4-D");
  oc = w->dims[0];
  kh = w->dims[1];
  kw = w->dims[2];
  ic = w->dims[3];
  if ((st = tfl_check_kernel (c, op, kh, kw)) != MNV3_OK)
    return st;
  if (ic != x->dims[3] || oc != y->dims[3])
    return tfl_op_error (c, op, MNV3_ERR_SHAPE,
        "weights do not match the input/output channels");
  /* total padding from the declared sizes; a negative total (output larger
   * than the full transposed conv) is output padding */
  tot_h = (x->dims[1] - 1) * a->sh + kh - y->dims[1];
  tot_w = (x->dims[2] - 1) * a->sw + kw - y->dims[2];
  if (same || tot_h || tot_w) {
    if (tot_h < 0)
      a->out_pad_h = (int) -tot_h;
    else {
      a->pad_t = (int) (tot_h / 2);
      a->pad_b = (int) (tot_h - tot_h / 2);
    }
    if (tot_w < 0)
      a->out_pad_w = (int) -tot_w;
    else {
      a->pad_l = (int) (tot_w / 2);
      a->pad_r = (int) (tot_w - tot_w / 2);
    }
  }
  a->kh = (int) kh;
  a->kw = (int) kw;
  if ((st = tfl_const_floats (c, op, w_ti, NULL, &wd)) != MNV3_OK
      || (st = tfl_add_const (c, w->name, 4, (int) oc, (int) kh, (int) kw,
              (int) ic, wd, &wg)) != MNV3_OK
      || (st = tfl_value_of (c, op, x_ti, &xg)) != MNV3_OK)
    return st;
  n.inputs[0] = xg;
  n.inputs[1] = wg;
  n.num_inputs = 2;
  if ((st = tfl_bias_input (c, op, custom ? 2 : 3, x_ti, w_ti, oc, &n))
      != MNV3_OK)
    return st;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_binary (tfl_ctx *c, const tfl_op *op, mnv3_binary_op bop)
{
  mnv3_gnode n;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 2)) != MNV3_OK)
    return st;
  tfl_node_init (&n, MNV3_OP_BINARY, c->t[op->out[0]].name);
  n.u.binary = bop;
  if ((st = tfl_fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts, TFL_BINARY_ACT,
                  0), &n.act)) != MNV3_OK
      || (st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK
      || (st = tfl_value_of (c, op, op->in[1], &n.inputs[1])) != MNV3_OK)
    return st;
  n.num_inputs = 2;
  tfl_act_from_range (c, op->out[0], &n.act);
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_act (tfl_ctx *c, const tfl_op *op, mnv3_act_type type, float a,
    float b)
{
  mnv3_gnode n;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  tfl_node_init (&n, MNV3_OP_ACT, c->t[op->out[0]].name);
  n.act.type = type;
  n.act.a = a;
  n.act.b = b;
  if ((st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_pool (tfl_ctx *c, const tfl_op *op, mnv3_pool_type type)
{
  mnv3_fb *fb = &c->fb;
  mnv3_gnode n;
  mnv3_pool_attr *p = &n.u.pool;
  const tfl_tensor *x;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  tfl_node_init (&n, MNV3_OP_POOL, c->t[op->out[0]].name);
  p->type = type;
  p->sw = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_STRIDE_W, 0);
  p->sh = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_STRIDE_H, 0);
  p->kw = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_FILTER_W, 0);
  p->kh = mnv3_fb_i32 (fb, &op->opts, TFL_POOL_FILTER_H, 0);
  p->count_include_pad = 0;     /* TFLite averages over valid cells only */
  if ((st = tfl_check_strides (c, op, p->sh, p->sw, p->kh, p->kw)) != MNV3_OK
      || (st = tfl_pad_mode_of (c, op, mnv3_fb_i8 (fb, &op->opts,
                  TFL_POOL_PADDING, 0), &p->pad_mode)) != MNV3_OK
      || (st = tfl_fused_act (c, op, mnv3_fb_i8 (fb, &op->opts, TFL_POOL_ACT, 0),
              &n.act)) != MNV3_OK
      || (st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  x = &c->t[op->in[0]];
  /* a window covering the whole declared input is a global pool (it must
   * stay global when a session runs another input size) */
  if (x->rank == 4 && p->kh == x->dims[1] && p->kw == x->dims[2]
      && (p->pad_mode == MNV3_PAD_VALID || (p->sh == 1 && p->sw == 1)))
    p->global = c->t[op->out[0]].rank == 4
        && c->t[op->out[0]].dims[1] == 1 && c->t[op->out[0]].dims[2] == 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_mean (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int64_t axes[8];
  int na, seen_h = 0, seen_w = 0;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 2)) != MNV3_OK
      || (st = tfl_const_ints (c, op, op->in[1], axes, 8, &na)) != MNV3_OK)
    return st;
  if (c->t[op->in[0]].rank != 4)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "MEAN of a non-4-D tensor");
  for (int k = 0; k < na; k++) {
    int64_t ax = axes[k] < 0 ? axes[k] + 4 : axes[k];
    if (ax == 1)
      seen_h = 1;
    else if (ax == 2)
      seen_w = 1;
    else
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
          "MEAN is supported over H and W only");
  }
  if (!seen_h || !seen_w)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "MEAN is supported over H and W together only");
  tfl_node_init (&n, MNV3_OP_POOL, c->t[op->out[0]].name);
  n.u.pool.type = MNV3_POOL_AVG;
  n.u.pool.global = 1;
  n.u.pool.kh = n.u.pool.kw = n.u.pool.sh = n.u.pool.sw = 1;
  n.u.pool.pad_mode = MNV3_PAD_VALID;
  n.u.pool.mean = 1;
  if ((st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

/* RESHAPE / SQUEEZE: the target is the output's declared shape, with the
 * file's -1 kept where RESHAPE's shape input/option has one. */
static mnv3_status
tfl_import_reshape (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  const tfl_tensor *y = &c->t[op->out[0]];
  int64_t shape[TFL_MAX_RANK], d[4];
  int ns = 0;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 1, 2)) != MNV3_OK)
    return st;
  tfl_node_init (&n, MNV3_OP_RESHAPE, y->name);
  if (op->code == TFL_RESHAPE && op->num_in == 2 && op->in[1] >= 0
      && c->t[op->in[1]].buf) {
    if ((st = tfl_const_ints (c, op, op->in[1], shape, TFL_MAX_RANK, &ns))
        != MNV3_OK)
      return st;
    if (ns != y->rank)
      ns = 0;
  }
  if (!ns) {
    memcpy (shape, y->dims, sizeof shape);
    ns = y->rank;
  }
  for (int k = 0; k < ns; k++)
    if (shape[k] < -1 || shape[k] > TFL_MAX_DIM)
      return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad target shape");
  if (tfl_nhwc_of (shape, ns, d) < 0)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "target rank above 4");
  memcpy (n.u.reshape.shape, d, sizeof d);
  n.u.reshape.nchw_source = 0;
  if ((st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_softmax (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  float beta;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  beta = mnv3_fb_f32 (&c->fb, &op->opts, TFL_SOFTMAX_BETA, 1.f);
  if (!c->integer && fabsf (beta - 1.f) > 1e-6f)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "softmax beta != 1");
  tfl_node_init (&n, MNV3_OP_SOFTMAX, c->t[op->out[0]].name);
  n.u.softmax_beta = beta;
  if ((st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_concat (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int axis;
  mnv3_status st;

  if (op->num_in < 1 || op->num_in > MNV3_MAX_NODE_INPUTS || op->num_out < 1)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "number of inputs not supported");
  tfl_node_init (&n, MNV3_OP_CONCAT, c->t[op->out[0]].name);
  axis = tfl_nhwc_axis (mnv3_fb_i32 (&c->fb, &op->opts, TFL_CONCAT_AXIS, 0),
      c->t[op->out[0]].rank);
  if (axis < 0)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad axis");
  n.u.concat_axis = axis;
  if ((st = tfl_fused_act (c, op, mnv3_fb_i8 (&c->fb, &op->opts, TFL_CONCAT_ACT,
                  0), &n.act)) != MNV3_OK)
    return st;
  for (int k = 0; k < op->num_in; k++)
    if ((st = tfl_value_of (c, op, op->in[k], &n.inputs[k])) != MNV3_OK)
      return st;
  n.num_inputs = op->num_in;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_resize (tfl_ctx *c, const tfl_op *op, int nearest)
{
  mnv3_gnode n;
  mnv3_resize_attr *r = &n.u.resize;
  int64_t size[4];
  int ns, ac, hp;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 2)) != MNV3_OK
      || (st = tfl_const_ints (c, op, op->in[1], size, 4, &ns)) != MNV3_OK)
    return st;
  if (ns != 2 || size[0] < 1 || size[1] < 1 || size[0] > TFL_MAX_DIM
      || size[1] > TFL_MAX_DIM)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad size input");
  tfl_node_init (&n, MNV3_OP_RESIZE, c->t[op->out[0]].name);
  ac = mnv3_fb_u8 (&c->fb, &op->opts, nearest ?
      TFL_RESIZE_NEAREST_ALIGN_CORNERS : TFL_RESIZE_BILINEAR_ALIGN_CORNERS, 0);
  hp = mnv3_fb_u8 (&c->fb, &op->opts, nearest ?
      TFL_RESIZE_NEAREST_HALF_PIXEL : TFL_RESIZE_BILINEAR_HALF_PIXEL, 0);
  if (nearest && (ac || hp))
    /* TF rounds (align corners) or floors (o+0.5)/scale (half pixel); the
     * kernel's nearest mode floors o/scale only */
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "nearest resize with align_corners/half_pixel_centers");
  r->size_mode = MNV3_RESIZE_SIZE_FIXED;
  r->out_h = (int) size[0];
  r->out_w = (int) size[1];
  r->coord = ac ? MNV3_COORD_ALIGN_CORNERS :
      hp ? MNV3_COORD_HALF_PIXEL : MNV3_COORD_ASYMMETRIC;
  r->nearest = nearest;
  if ((st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

static mnv3_status
tfl_import_argmax (tfl_ctx *c, const tfl_op *op)
{
  mnv3_gnode n;
  int64_t axis;
  int na;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 2)) != MNV3_OK
      || (st = tfl_const_ints (c, op, op->in[1], &axis, 1, &na)) != MNV3_OK)
    return st;
  if (na != 1 || tfl_nhwc_axis ((int) axis, c->t[op->in[0]].rank) != 3)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "ARG_MAX is supported over the channel axis only");
  tfl_node_init (&n, MNV3_OP_ARGMAX, c->t[op->out[0]].name);
  if ((st = tfl_value_of (c, op, op->in[0], &n.inputs[0])) != MNV3_OK)
    return st;
  n.num_inputs = 1;
  return tfl_emit (c, op, &n, op->out[0]);
}

/* DEQUANTIZE / QUANTIZE: a constant input is folded (fp16 weights); an
 * activation keeps its real value in float execution, so the output is
 * the same graph tensor. */
static mnv3_status
tfl_import_identity (tfl_ctx *c, const tfl_op *op)
{
  tfl_tensor *x, *y;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 1, 1)) != MNV3_OK)
    return st;
  x = &c->t[op->in[0]];
  y = &c->t[op->out[0]];
  if (y->gid >= 0 || tfl_is_const (y))
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "output produced twice");
  if (tfl_is_const (x) && x->gid < 0) {
    if (x->numel != y->numel)
      return tfl_op_error (c, op, MNV3_ERR_SHAPE, "input and output sizes differ");
    if (c->integer && y->type != TFL_FLOAT32)
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
          "quantization of a constant");
    return tfl_const_floats (c, op, op->in[0], NULL, &y->folded);
  }
  /* the integer graph converts where the model converts */
  if (c->integer && (x->type != TFL_FLOAT32 || y->type != TFL_FLOAT32))
    return tfl_q_convert (c, op);
  return tfl_value_of (c, op, op->in[0], &y->gid);
}

/* PAD is kept only as the explicit padding of the VALID convolutions that
 * read it (the usual TF export of asymmetric or "torch-style" padding). */
static mnv3_status
tfl_import_pad (tfl_ctx *c, const tfl_op *op)
{
  tfl_tensor *x, *y;
  int64_t p[8];
  int np;
  mnv3_status st;

  if ((st = tfl_need_io (c, op, 2, 3)) != MNV3_OK
      || (st = tfl_const_ints (c, op, op->in[1], p, 8, &np)) != MNV3_OK)
    return st;
  x = &c->t[op->in[0]];
  y = &c->t[op->out[0]];
  if (op->num_in == 3 && op->in[2] >= 0) {
    float *v;
    int zero;
    if ((st = tfl_const_floats (c, op, op->in[2], NULL, &v)) != MNV3_OK)
      return st;
    zero = c->t[op->in[2]].numel == 1 && v[0] == 0.f;
    free (v);
    if (!zero)
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "non-zero pad value");
  }
  if (np != 8 || x->rank != 4)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, "PAD of a non-4-D tensor");
  if (p[0] || p[1] || p[6] || p[7])
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "PAD of the batch or channel axis");
  for (int k = 2; k < 6; k++)
    if (p[k] < 0 || p[k] > 4096)
      return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad padding amount");
  if (y->other_uses || !y->conv_uses)
    return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
        "PAD is supported only in front of VALID convolutions");
  if (tfl_is_const (x) || y->gid >= 0 || y->pad_src >= 0)
    return tfl_op_error (c, op, MNV3_ERR_FORMAT, "bad PAD operands");
  y->pad_src = op->in[0];
  y->pads[0] = (int) p[2];
  y->pads[1] = (int) p[4];
  y->pads[2] = (int) p[3];
  y->pads[3] = (int) p[5];
  return MNV3_OK;
}

mnv3_status
tfl_import_op (tfl_ctx *c, const tfl_op *op)
{
  switch (op->code) {
    case TFL_CONV_2D: return tfl_import_conv (c, op, 0);
    case TFL_DEPTHWISE_CONV_2D: return tfl_import_conv (c, op, 1);
    case TFL_FULLY_CONNECTED: return tfl_import_fc (c, op);
    case TFL_TRANSPOSE_CONV: return tfl_import_deconv (c, op, 0);
    case TFL_ADD: return tfl_import_binary (c, op, MNV3_BINARY_ADD);
    case TFL_SUB: return tfl_import_binary (c, op, MNV3_BINARY_SUB);
    case TFL_MUL: return tfl_import_binary (c, op, MNV3_BINARY_MUL);
    case TFL_DIV: return tfl_import_binary (c, op, MNV3_BINARY_DIV);
    case TFL_HARD_SWISH: return tfl_import_act (c, op, MNV3_ACT_HSWISH, 0, 0);
    case TFL_RELU: return tfl_import_act (c, op, MNV3_ACT_RELU, 0, 0);
    case TFL_RELU6: return tfl_import_act (c, op, MNV3_ACT_CLIP, 0, 6);
    case TFL_RELU_N1_TO_1: return tfl_import_act (c, op, MNV3_ACT_CLIP, -1, 1);
    case TFL_LOGISTIC: return tfl_import_act (c, op, MNV3_ACT_SIGMOID, 0, 0);
    case TFL_AVERAGE_POOL_2D: return tfl_import_pool (c, op, MNV3_POOL_AVG);
    case TFL_MAX_POOL_2D: return tfl_import_pool (c, op, MNV3_POOL_MAX);
    case TFL_MEAN: return tfl_import_mean (c, op);
    case TFL_RESHAPE: case TFL_SQUEEZE: return tfl_import_reshape (c, op);
    case TFL_SOFTMAX: return tfl_import_softmax (c, op);
    case TFL_CONCATENATION: return tfl_import_concat (c, op);
    case TFL_RESIZE_BILINEAR: return tfl_import_resize (c, op, 0);
    case TFL_RESIZE_NEAREST_NEIGHBOR: return tfl_import_resize (c, op, 1);
    case TFL_ARG_MAX: return tfl_import_argmax (c, op);
    case TFL_DEQUANTIZE: case TFL_QUANTIZE: return tfl_import_identity (c, op);
    case TFL_PAD: case TFL_PADV2: return tfl_import_pad (c, op);
    case TFL_CUSTOM:
      if (op->custom && !strcmp (op->custom, "Convolution2DTransposeBias"))
        return tfl_import_deconv (c, op, 1);
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED,
          "custom operator not supported");
    default:{
      char msg[64];
      snprintf (msg, sizeof msg, "builtin operator %d not supported",
          op->code);
      return tfl_op_error (c, op, MNV3_ERR_UNSUPPORTED, msg);
    }
  }
}

