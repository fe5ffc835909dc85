/* exec-int.c — running the integer nodes planned by plan-int.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "session.h"

static void *
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
  const void *ins[MNV3_MAX_NODE_INPUTS];
  int shapes[MNV3_MAX_NODE_INPUTS][4];

  for (int i = 0; i < x->num_in; i++) {
    ins[i] = data_of (s, x->in[i]);
    memcpy (shapes[i], shape_of (s, x->in[i]), sizeof shapes[i]);
  }
  mnv3_qconcat_run (x->g->u.concat_axis, x->num_in, ins,
      (const int (*)[4]) shapes, x->q->ins, &x->q->out, data_of (s, x->out),
      s->tp);
}

void
mnv3_exec_integer_node (mnv3_session *s, const mnv3_xnode *x)
{
  const mnv3_qnode *q = x->q;
  const void *in = data_of (s, x->in[0]);
  void *out = data_of (s, x->out);
  const int *is = shape_of (s, x->in[0]), *os = shape_of (s, x->out);
  size_t rows = (size_t) is[0] * is[1] * is[2];

  switch (x->xop) {
    case MNV3_XOP_QCONV:
      if (s->graph->qsem != MNV3_QSEM_ONNXRUNTIME
          || !mnv3_qort_conv_run (q->conv, in, out, s->tp))
        mnv3_qconv_run (q->conv, in, out, s->scratch, s->tp);
      break;
    case MNV3_XOP_QBINARY:
      mnv3_qbinary_run (s->isa, &q->u.bin, in, is, data_of (s, x->in[1]),
          shape_of (s, x->in[1]), out, os, s->tp);
      break;
    case MNV3_XOP_QLUT:
      mnv3_qlut_run (s->isa, &q->u.lut, in, out,
          mnv3_session_numel (s, x->out), s->tp);
      break;
    case MNV3_XOP_QPOOL:
      mnv3_qpool_run (s->isa, &x->pool, q->out.type, q->act_min, q->act_max,
          in, out, s->tp);
      break;
    case MNV3_XOP_QMEAN:
      mnv3_qmean_run (s->isa, &q->u.mean, in, is[1], is[2], is[3], out,
          s->tp);
      break;
    case MNV3_XOP_QRESIZE:
      mnv3_qresize_run (s->isa, x->g->u.resize.coord, x->g->u.resize.nearest,
          q->out.type, in, is[1], is[2], is[3], out, os[1], os[2], s->scratch,
          s->tp);
      break;
    case MNV3_XOP_QCONCAT:
      run_concat (s, x);
      break;
    case MNV3_XOP_QSOFTMAX:
      mnv3_qsoftmax_run (&q->u.softmax, in, out, rows, is[3]);
      break;
    case MNV3_XOP_QARGMAX:
      mnv3_qargmax_run (s->isa, q->in.type, in,
          s->graph->tensors[x->out].type, out, rows, is[3], s->tp);
      break;
    case MNV3_XOP_QUANTIZE:
      mnv3_quantize_run (in, out, mnv3_session_numel (s, x->out), &q->out);
      break;
    case MNV3_XOP_DEQUANTIZE:
      mnv3_dequantize_run (in, out, mnv3_session_numel (s, x->out), &q->in);
      break;
    case MNV3_XOP_QORT_BINARY:
      mnv3_qort_binary_run (&q->u.ortbin, in, is, data_of (s, x->in[1]),
          shape_of (s, x->in[1]), out, os);
      break;
    case MNV3_XOP_QORT_CONV_U8S8:
      mnv3_qort_conv_run_u8s8 (q->conv, in, out);
      break;
    case MNV3_XOP_QORT_DEQUANTIZE:
      mnv3_qort_dequantize_run (in, out, mnv3_session_numel (s, x->out),
          &q->in);
      break;
    case MNV3_XOP_QORT_GAP:
      mnv3_qort_gap_run (&q->in, &q->out, in, is[1], is[2], is[3], out);
      break;
    case MNV3_XOP_QORT_QUANTIZE:
      mnv3_qort_quantize_run_isa (s->isa, in, out,
          mnv3_session_numel (s, x->out), &q->out);
      break;
    case MNV3_XOP_COPY:
      if (out != in)
        memcpy (out, in, mnv3_session_numel (s, x->out)
            * mnv3_dtype_size (s->graph->tensors[x->out].type));
      break;
    default:
      break;
  }
}
