/* fold.c — load-time rewrites: batch-norm folded into the convolution
 * that produces its input (or turned into a 1x1 depthwise affine), and
 * pools whose window covers the whole declared input marked global.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

static int
producer_of (const mnv3_graph *g, int t)
{
  for (int i = 0; i < g->num_nodes; i++)
    if (g->nodes[i].output == t)
      return i;
  return -1;
}

static int
consumers_of (const mnv3_graph *g, int t)
{
  int n = g->tensors[t].is_output;
  for (int i = 0; i < g->num_nodes; i++)
    for (int j = 0; j < g->nodes[i].num_inputs; j++)
      n += g->nodes[i].inputs[j] == t;
  return n;
}

static int
is_const (const mnv3_graph *g, int t)
{
  return g->tensors[t].data != NULL;
}

/* Folded per-channel scale and shift of a BN node, or -1 on bad params. */
static mnv3_status
bn_params (const mnv3_graph *g, const mnv3_gnode *bn, int64_t c,
    float **scale, float **shift)
{
  const mnv3_gtensor *t[4];

  if (bn->num_inputs != 5)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "BatchNormalization '%s' needs 5 inputs", bn->name);
  for (int i = 0; i < 4; i++) {
    if (!is_const (g, bn->inputs[i + 1]))
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED,
          "BatchNormalization '%s' with non-constant parameters", bn->name);
    t[i] = &g->tensors[bn->inputs[i + 1]];
    if (mnv3_gtensor_numel (t[i]) != c)
      return mnv3_set_error (MNV3_ERR_SHAPE,
          "BatchNormalization '%s': parameter %d has %lld values for %lld "
          "channels", bn->name, i + 1,
          (long long) mnv3_gtensor_numel (t[i]), (long long) c);
  }
  *scale = malloc (c * sizeof (float));
  *shift = malloc (c * sizeof (float));
  if (!*scale || !*shift) {
    free (*scale);
    free (*shift);
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory folding BN");
  }
  for (int64_t i = 0; i < c; i++) {
    float s = t[0]->data[i] / sqrtf (t[3]->data[i] + bn->u.bn_eps);
    (*scale)[i] = s;
    (*shift)[i] = t[1]->data[i] - t[2]->data[i] * s;
  }
  return MNV3_OK;
}

/* Channels of a BN node: from its scale vector. */
static int64_t
bn_channels (const mnv3_graph *g, const mnv3_gnode *bn)
{
  if (bn->num_inputs < 2)
    return -1;
  return mnv3_gtensor_numel (&g->tensors[bn->inputs[1]]);
}

static mnv3_status
fold_into_conv (mnv3_graph *g, mnv3_gnode *conv, mnv3_gnode *bn,
    const float *scale, const float *shift, int64_t oc)
{
  mnv3_gtensor *w = &g->tensors[conv->inputs[1]];
  int64_t per_oc = mnv3_gtensor_numel (w) / oc;
  float *bias;

  if (per_oc * oc != mnv3_gtensor_numel (w))
    return mnv3_set_error (MNV3_ERR_SHAPE,
        "BatchNormalization '%s' does not match the channels of '%s'",
        bn->name, conv->name);
  for (int64_t o = 0; o < oc; o++)
    for (int64_t k = 0; k < per_oc; k++)
      w->data[o * per_oc + k] *= scale[o];
  if (conv->num_inputs >= 3) {
    mnv3_gtensor *b = &g->tensors[conv->inputs[2]];
    if (mnv3_gtensor_numel (b) != oc)
      return mnv3_set_error (MNV3_ERR_SHAPE, "bias of '%s'", conv->name);
    for (int64_t o = 0; o < oc; o++)
      b->data[o] = b->data[o] * scale[o] + shift[o];
  } else {
    int id;
    bias = malloc (oc * sizeof (float));
    if (!bias)
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
    memcpy (bias, shift, oc * sizeof (float));
    id = mnv3_graph_add_tensor (g, "folded_bn_bias", 1, 1, 1, 1, (int) oc,
        bias);
    if (id < 0)
      return MNV3_ERR_NOMEM;
    conv->inputs[2] = id;
    conv->num_inputs = 3;
  }
  conv->output = bn->output;
  return MNV3_OK;
}

/* A BN with no foldable producer becomes a 1x1 depthwise conv. */
static mnv3_status
bn_to_dwconv (mnv3_graph *g, mnv3_gnode *bn, float *scale, float *shift,
    int64_t c)
{
  int w = mnv3_graph_add_tensor (g, "bn_scale", 4, (int) c, 1, 1, 1, scale);
  int b = w < 0 ? -1 :
      mnv3_graph_add_tensor (g, "bn_shift", 1, 1, 1, 1, (int) c, shift);
  mnv3_conv_attr a = { .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
    .pad_mode = MNV3_PAD_EXPLICIT, .groups = (int) c };

  if (w < 0 || b < 0)
    return MNV3_ERR_NOMEM;
  bn->type = MNV3_OP_CONV;
  bn->u.conv = a;
  bn->inputs[1] = w;
  bn->inputs[2] = b;
  bn->num_inputs = 3;
  return MNV3_OK;
}

static mnv3_status
fold_batchnorms (mnv3_graph *g)
{
  for (int i = 0; i < g->num_nodes; i++) {
    mnv3_gnode *bn = &g->nodes[i];
    int p;
    int64_t c;
    float *scale = NULL, *shift = NULL;
    mnv3_status st;

    if (bn->type != MNV3_OP_BATCHNORM)
      continue;
    c = bn_channels (g, bn);
    if ((st = bn_params (g, bn, c, &scale, &shift)) != MNV3_OK)
      return st;
    p = producer_of (g, bn->inputs[0]);
    if (p >= 0 && g->nodes[p].type == MNV3_OP_CONV
        && g->nodes[p].act.type == MNV3_ACT_NONE
        && is_const (g, g->nodes[p].inputs[1])
        && consumers_of (g, bn->inputs[0]) == 1) {
      st = fold_into_conv (g, &g->nodes[p], bn, scale, shift, c);
      free (scale);
      free (shift);
      if (st != MNV3_OK)
        return st;
      /* the BN node is now dead: make it a no-op removed below */
      bn->type = MNV3_OP_COUNT;
      continue;
    }
    if ((st = bn_to_dwconv (g, bn, scale, shift, c)) != MNV3_OK)
      return st;
  }
  /* drop folded nodes */
  int n = 0;
  for (int i = 0; i < g->num_nodes; i++) {
    if (g->nodes[i].type == MNV3_OP_COUNT) {
      free (g->nodes[i].name);
      continue;
    }
    g->nodes[n++] = g->nodes[i];
  }
  g->num_nodes = n;
  return MNV3_OK;
}

/* TFLite writes the SE pools as AVERAGE_POOL_2D with a window equal to the
 * declared input; a session of another size needs them to stay global. */
static void
mark_global_pools (mnv3_graph *g)
{
  for (int i = 0; i < g->num_nodes; i++) {
    mnv3_gnode *n = &g->nodes[i];
    const mnv3_gtensor *in, *out;
    if (n->type != MNV3_OP_POOL || n->u.pool.global
        || n->u.pool.type != MNV3_POOL_AVG)
      continue;
    in = &g->tensors[n->inputs[0]];
    out = &g->tensors[n->output];
    if (in->h > 0 && in->w > 0 && n->u.pool.kh == in->h
        && n->u.pool.kw == in->w && out->h == 1 && out->w == 1
        && (n->u.pool.pad_mode == MNV3_PAD_VALID
            || (n->u.pool.pad_mode == MNV3_PAD_EXPLICIT
                && !n->u.pool.pad_t && !n->u.pool.pad_l
                && !n->u.pool.pad_b && !n->u.pool.pad_r)))
      n->u.pool.global = 1;
  }
}

mnv3_status
mnv3_graph_fold (mnv3_graph *g)
{
  mnv3_status st = fold_batchnorms (g);
  if (st != MNV3_OK)
    return st;
  mark_global_pools (g);
  return MNV3_OK;
}
