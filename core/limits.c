/* limits.c — refuse sessions whose plan would take unbounded memory or
 * time (see session-limits.h and docs/reliability.md).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Defaults scale with the session's input pixels P (all inputs) and the
 * model's constant elements W, plus a floor for small inputs:
 *   one tensor  64 MiB + 1 KiB * P   (256 floats per input pixel)
 *   arena      256 MiB + 4 KiB * P
 *   work       2^28 + 4 * W + 2^18 * P  multiply-accumulates
 * Real networks use far less: MobileNetV3 classifiers and the LR-ASPP road
 * model need 18-20 bytes per input pixel for their largest tensor, 22-50
 * for the arena and about 1000 MACs per input pixel (plus the fixed-size
 * classifier head, bounded by W); the margins are 50x and more.  Work
 * counts MACs for convolutions and one unit per element read or written
 * by the other operators (a window's worth for pooling). */
#include <stdio.h>

#include "session.h"

#define FLOOR_TENSOR ((int64_t) 64 << 20)
#define PIXEL_TENSOR 1024
#define FLOOR_ARENA ((int64_t) 256 << 20)
#define PIXEL_ARENA 4096
#define FLOOR_MACS ((int64_t) 1 << 28)
#define WEIGHT_MACS 4
#define PIXEL_MACS ((int64_t) 1 << 18)
/* No dim of a MobileNetV3 tensor is near this (also keeps int dims and
 * their sums from overflowing in the planner). */
#define DIM_LIMIT (1 << 24)

/* Saturating arithmetic on non-negative values. */
static int64_t
sat_mul (int64_t a, int64_t b)
{
  if (a <= 0 || b <= 0)
    return 0;
  return a > INT64_MAX / b ? INT64_MAX : a * b;
}

static int64_t
sat_add (int64_t a, int64_t b)
{
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t
numel (const int *sh)
{
  return sat_mul (sat_mul (sh[0], sh[1]), sat_mul (sh[2], sh[3]));
}

static const char *
op_name (mnv3_op_type t)
{
  static const char *n[MNV3_OP_COUNT] = { "CONV", "CONV_TRANSPOSE", "FC",
    "BATCHNORM", "BINARY", "ACT", "POOL", "RESIZE", "CONCAT", "RESHAPE",
    "SOFTMAX", "ARGMAX" };
  return t >= 0 && t < MNV3_OP_COUNT && n[t] ? n[t] : "?";
}

/* "1.50 GiB" for bytes, "4.4 G MACs" for work: sizes in messages. */
static const char *
human_bytes (int64_t v, char *buf, size_t len)
{
  if (v >= (int64_t) 1 << 30)
    snprintf (buf, len, "%.2f GiB", v / 1073741824.0);
  else if (v >= (int64_t) 1 << 20)
    snprintf (buf, len, "%.1f MiB", v / 1048576.0);
  else
    snprintf (buf, len, "%lld bytes", (long long) v);
  return buf;
}

static const char *
human_macs (int64_t v, char *buf, size_t len)
{
  if (v >= 1000000000)
    snprintf (buf, len, "%.1f G MACs", v / 1e9);
  else
    snprintf (buf, len, "%.1f M MACs", v / 1e6);
  return buf;
}

static int64_t
scaled (int64_t explicit_value, int64_t dflt, int scale)
{
  if (explicit_value > 0)
    return explicit_value;
  return sat_mul (dflt, scale > 1 ? scale : 1);
}

void
mnv3_limits_init (mnv3_session *s)
{
  const mnv3_graph *g = s->graph;
  const mnv3_session_options *o = &s->opts;
  int64_t pixels = 0, weights = 0;

  for (int i = 0; i < g->num_inputs; i++) {
    const int *sh = s->tensors[g->inputs[i]].shape;
    pixels = sat_add (pixels, sat_mul (sh[1], sh[2]));
  }
  for (int i = 0; i < g->num_tensors; i++)
    if (g->tensors[i].data)
      weights = sat_add (weights, mnv3_gtensor_numel (&g->tensors[i]));
  s->limits.tensor_bytes = scaled (o->max_tensor_bytes,
      sat_add (FLOOR_TENSOR, sat_mul (PIXEL_TENSOR, pixels)), o->limit_scale);
  s->limits.arena_bytes = scaled (o->max_arena_bytes,
      sat_add (FLOOR_ARENA, sat_mul (PIXEL_ARENA, pixels)), o->limit_scale);
  s->limits.macs = scaled (o->max_macs, sat_add (sat_add (FLOOR_MACS,
              sat_mul (WEIGHT_MACS, weights)), sat_mul (PIXEL_MACS, pixels)),
      o->limit_scale);
  s->limits.work = 0;
}

/* Work of one node from its (checked) shapes. */
static int64_t
node_work (const mnv3_session *s, const mnv3_xnode *x)
{
  const int *in = s->tensors[x->in[0]].shape;
  const int *out = s->tensors[x->out].shape;
  int64_t w = 0;

  switch (x->type) {
    case MNV3_OP_CONV:{
      const mnv3_conv_attr *a = &x->g->u.conv;
      return sat_mul (sat_mul (numel (out), sat_mul (a->kh, a->kw)),
          a->groups > 0 ? in[3] / a->groups : in[3]);
    }
    case MNV3_OP_CONV_TRANSPOSE:{
      const mnv3_conv_attr *a = &x->g->u.conv;
      return sat_mul (sat_mul (numel (in), sat_mul (a->kh, a->kw)), out[3]);
    }
    case MNV3_OP_FC:
      return sat_mul (numel (in), out[3]);
    case MNV3_OP_POOL:
      if (x->g->u.pool.global)
        return numel (in);
      return sat_mul (numel (out), sat_mul (x->g->u.pool.kh,
              x->g->u.pool.kw));
    default:
      for (int i = 0; i < x->num_in; i++)
        w = sat_add (w, numel (s->tensors[x->in[i]].shape));
      return sat_add (w, numel (out));
  }
}

mnv3_status
mnv3_limits_check_node (mnv3_session *s, int i)
{
  const mnv3_xnode *x = &s->nodes[i];
  const int *sh = s->tensors[x->out].shape;
  mnv3_limits *l = &s->limits;
  int64_t bytes;
  char a[32], b[32];

  for (int d = 0; d < 4; d++)
    if (sh[d] < 1 || sh[d] > DIM_LIMIT)
      return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "node '%s' (%s): output "
          "%dx%dx%dx%d has a dimension outside 1..%d", x->g->name,
          op_name (x->type), sh[0], sh[1], sh[2], sh[3], DIM_LIMIT);
  bytes = sat_mul (numel (sh), sizeof (float));
  if (bytes > l->tensor_bytes)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "node '%s' (%s): output "
        "'%s' %dx%dx%dx%d is %s, over the %s limit for one tensor "
        "(max_tensor_bytes / limit_scale)", x->g->name, op_name (x->type),
        s->graph->tensors[x->out].name, sh[0], sh[1], sh[2], sh[3],
        human_bytes (bytes, a, sizeof a),
        human_bytes (l->tensor_bytes, b, sizeof b));
  l->work = sat_add (l->work, node_work (s, x));
  if (l->work > l->macs)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "node '%s' (%s): the work "
        "of one run reaches %s here, over the %s limit (max_macs / "
        "limit_scale)", x->g->name, op_name (x->type),
        human_macs (l->work, a, sizeof a),
        human_macs (l->macs, b, sizeof b));
  return MNV3_OK;
}

mnv3_status
mnv3_limits_check_arena (const mnv3_session *s, size_t bytes)
{
  char a[32], b[32];

  if ((uint64_t) bytes <= (uint64_t) s->limits.arena_bytes)
    return MNV3_OK;
  return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "the activations need a %s "
      "arena, over the %s limit (max_arena_bytes / limit_scale)",
      human_bytes ((int64_t) (bytes > INT64_MAX ? INT64_MAX : bytes), a,
          sizeof a), human_bytes (s->limits.arena_bytes, b, sizeof b));
}
