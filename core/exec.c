/* exec.c — run the planned nodes in order.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <time.h>

#include "session.h"

static float *
data_of (const mnv3_session *s, int t)
{
  return s->tensors[t].data;
}

static const int *
shape_of (const mnv3_session *s, int t)
{
  return s->tensors[t].shape;
}

static void
run_concat (mnv3_session *s, const mnv3_xnode *x)
{
  const float *ins[MNV3_MAX_NODE_INPUTS];
  int shapes[MNV3_MAX_NODE_INPUTS][4];

  for (int i = 0; i < x->num_in; i++) {
    ins[i] = data_of (s, x->in[i]);
    memcpy (shapes[i], shape_of (s, x->in[i]), sizeof shapes[i]);
  }
  mnv3_concat_run (x->g->u.concat_axis, x->num_in, ins,
      (const int (*)[4]) shapes, data_of (s, x->out), s->tp);
}

static void
run_node (mnv3_session *s, const mnv3_xnode *x)
{
  const float *in = data_of (s, x->in[0]);
  float *out = data_of (s, x->out);
  const int *is = shape_of (s, x->in[0]), *os = shape_of (s, x->out);

  switch (x->xop) {
    case MNV3_XOP_CONV:
    case MNV3_XOP_FC:
      mnv3_conv_run (x->conv, in, out,
          x->residual >= 0 ? data_of (s, x->residual) : NULL,
          x->in_scale >= 0 ? data_of (s, x->in_scale) : NULL,
          s->scratch, s->tp);
      break;
    case MNV3_XOP_DWCONV:
      mnv3_dwconv_run (x->dwconv, in, out, s->scratch, s->tp);
      break;
    case MNV3_XOP_DECONV:
      mnv3_deconv_run (x->deconv, in, out, s->scratch, s->tp);
      break;
    case MNV3_XOP_BINARY:
      mnv3_binary_run (s->isa, x->g->u.binary, x->act, in, is,
          data_of (s, x->in[1]), shape_of (s, x->in[1]), out, os, s->tp);
      break;
    case MNV3_XOP_ACT:
      mnv3_act_run (s->isa, x->act, in, out, mnv3_session_numel (s, x->out),
          s->tp);
      break;
    case MNV3_XOP_POOL:
      mnv3_pool_run (s->isa, &x->pool, in, out, s->tp);
      break;
    case MNV3_XOP_GAP:
      mnv3_global_avgpool_run (s->isa, in, is[1], is[2], is[3], out, s->tp);
      break;
    case MNV3_XOP_RESIZE:
      mnv3_resize_run_scratch (s->isa, x->g->u.resize.coord,
          x->g->u.resize.nearest, in, is[1], is[2], is[3], out, os[1], os[2],
          x->resize_scale_h, x->resize_scale_w, s->scratch, s->tp);
      break;
    case MNV3_XOP_CONCAT:
      run_concat (s, x);
      break;
    case MNV3_XOP_COPY:
      if (out != in)
        memcpy (out, in, mnv3_session_numel (s, x->out) * sizeof (float));
      break;
    case MNV3_XOP_SOFTMAX:
      mnv3_softmax_run (s->isa, in, out, (size_t) is[0] * is[1] * is[2],
          is[3]);
      break;
    case MNV3_XOP_ARGMAX:
      mnv3_argmax_run (in, out, (size_t) is[0] * is[1] * is[2], is[3]);
      break;
    default:                   /* integer nodes: exec-int.c */
      break;
  }
}

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

mnv3_status
mnv3_session_exec (mnv3_session *s)
{
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_xnode *x = &s->nodes[i];
    if (x->dead)
      continue;
    if (s->opts.profile) {
      double t0 = now_ms ();
      if (x->q)
        mnv3_exec_integer_node (s, x);
      else
        run_node (s, x);
      x->last_ms = now_ms () - t0;
    } else if (x->q) {
      mnv3_exec_integer_node (s, x);
    } else {
      run_node (s, x);
    }
    if (s->tensor_cb) {
      mnv3_tensor_info info;
      mnv3_session_tensor_info (s, x->out, &info);
      s->tensor_cb (s->tensor_cb_user, &info, s->tensors[x->out].data);
    }
  }
  return MNV3_OK;
}
