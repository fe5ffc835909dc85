/* fuse.c — fusion on the session's copy of the nodes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Three rewrites, each saving one pass over a tensor:
 *  - x * hsigmoid(x) (HardSwish as opset < 14 writes it) becomes hswish;
 *  - an activation becomes the epilogue of the node producing its input;
 *  - a residual Add becomes the epilogue of the projection conv;
 *  - the squeeze-and-excite gate x * g[c] feeding a conv is applied to the
 *    conv's weights instead of to x (in_scale), so x is read only once.
 * A rewrite only happens when the intermediate tensor has no other reader
 * and is not a model output. */
#include <stdlib.h>
#include <string.h>

#include "session.h"

int
mnv3_session_uses (const mnv3_session *s, int t)
{
  int n = s->graph->tensors[t].is_output;

  for (int i = 0; i < s->num_nodes; i++) {
    const mnv3_xnode *x = &s->nodes[i];
    if (x->dead)
      continue;
    for (int j = 0; j < x->num_in; j++)
      n += x->in[j] == t;
    n += x->residual == t;
    n += x->in_scale == t;
  }
  return n;
}

static int
producer (const mnv3_session *s, int t)
{
  for (int i = 0; i < s->num_nodes; i++)
    if (!s->nodes[i].dead && s->nodes[i].out == t)
      return i;
  return -1;
}

static int
is_const (const mnv3_session *s, int t)
{
  return mnv3_gtensor_is_const (&s->graph->tensors[t]);
}

static int
same_shape (const mnv3_session *s, int a, int b)
{
  return !memcmp (s->tensors[a].shape, s->tensors[b].shape,
      sizeof s->tensors[a].shape);
}

static int
takes_epilogue (const mnv3_xnode *x)
{
  return x->type == MNV3_OP_CONV || x->type == MNV3_OP_FC
      || x->type == MNV3_OP_BINARY || x->type == MNV3_OP_CONV_TRANSPOSE;
}

/* MUL(a, HSIGMOID(a)) with torch's alpha/beta -> HSWISH(a). */
static void
fuse_hswish (mnv3_session *s)
{
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_xnode *m = &s->nodes[i];
    if (m->dead || m->type != MNV3_OP_BINARY
        || m->g->u.binary != MNV3_BINARY_MUL || m->act.type != MNV3_ACT_NONE)
      continue;
    for (int k = 0; k < 2; k++) {
      int gate = m->in[k], x = m->in[1 - k];
      int p = producer (s, gate);
      mnv3_xnode *h;
      if (p < 0)
        continue;
      h = &s->nodes[p];
      if (h->type != MNV3_OP_ACT || h->act.type != MNV3_ACT_HSIGMOID
          || h->in[0] != x || mnv3_session_uses (s, gate) != 1
          || h->act.a < 0.1666f || h->act.a > 0.1667f || h->act.b != 0.5f)
        continue;
      h->dead = 1;
      m->type = MNV3_OP_ACT;
      m->act = (mnv3_act) { MNV3_ACT_HSWISH, 0, 0 };
      m->in[0] = x;
      m->num_in = 1;
      break;
    }
  }
}

/* ACT(y) where y = producer(...) has no other reader -> producer's act. */
static void
fuse_activations (mnv3_session *s)
{
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_xnode *a = &s->nodes[i];
    int p;
    if (a->dead || a->type != MNV3_OP_ACT)
      continue;
    p = producer (s, a->in[0]);
    if (p < 0 || !takes_epilogue (&s->nodes[p])
        || s->nodes[p].act.type != MNV3_ACT_NONE
        || mnv3_session_uses (s, a->in[0]) != 1)
      continue;
    s->nodes[p].act = a->act;
    s->nodes[p].out = a->out;
    a->dead = 1;
  }
}

/* ADD(conv(x), r) -> conv with residual r, when r exists before the conv. */
static void
fuse_residuals (mnv3_session *s)
{
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_xnode *add = &s->nodes[i];
    if (add->dead || add->type != MNV3_OP_BINARY
        || add->g->u.binary != MNV3_BINARY_ADD
        || is_const (s, add->in[0]) || is_const (s, add->in[1])
        || !same_shape (s, add->in[0], add->in[1]))
      continue;
    for (int k = 0; k < 2; k++) {
      int y = add->in[k], r = add->in[1 - k];
      int p = producer (s, y), pr = producer (s, r);
      mnv3_xnode *c;
      if (p < 0)
        continue;
      c = &s->nodes[p];
      if (c->type != MNV3_OP_CONV || c->xop != MNV3_XOP_CONV
          || c->act.type != MNV3_ACT_NONE || c->residual >= 0
          || mnv3_session_uses (s, y) != 1 || pr >= p)
        continue;
      c->residual = r;
      c->act = add->act;
      c->out = add->out;
      add->dead = 1;
      break;
    }
  }
}

/* MUL(x[1,h,w,c], g[1,1,1,c]) read only by a 1x1-or-any groups=1 conv. */
static void
fuse_se_gates (mnv3_session *s)
{
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_xnode *m = &s->nodes[i];
    if (m->dead || m->type != MNV3_OP_BINARY
        || m->g->u.binary != MNV3_BINARY_MUL || m->act.type != MNV3_ACT_NONE
        || mnv3_session_uses (s, m->out) != 1)
      continue;
    for (int k = 0; k < 2; k++) {
      int x = m->in[k], gate = m->in[1 - k];
      const int *xs = s->tensors[x].shape, *gs = s->tensors[gate].shape;
      mnv3_xnode *c = NULL;
      if (is_const (s, gate) || gs[1] != 1 || gs[2] != 1 || gs[3] != xs[3]
          || (xs[1] == 1 && xs[2] == 1))
        continue;
      for (int j = i + 1; j < s->num_nodes; j++)
        if (!s->nodes[j].dead && s->nodes[j].num_in > 0
            && s->nodes[j].in[0] == m->out)
          c = &s->nodes[j];
      if (!c || c->xop != MNV3_XOP_CONV || c->in_scale >= 0
          || c->g->u.conv.groups != 1)
        continue;
      c->in[0] = x;
      c->in_scale = gate;
      m->dead = 1;
      break;
    }
  }
}

void
mnv3_session_fuse (mnv3_session *s)
{
  const char *e = getenv ("MNV3_NO_FUSION");
  if (e && *e == '1')
    return;
  fuse_hswish (s);
  fuse_activations (s);
  fuse_residuals (s);
  fuse_activations (s);
  fuse_se_gates (s);
}
