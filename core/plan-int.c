/* plan-int.c — planning the nodes of an integer graph: which integer
 * kernel each runs and what it prepares once (packed weights, fixed-point
 * multipliers, tables), from the quantization the model states.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shapes are inferred by plan.c as for float graphs; this file only
 * replaces operator creation for the nodes whose tensors are integer.
 * Nothing is fused: TFLite's integer semantics round after every op, and
 * bit-exactness with it is the point.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "session.h"

static const mnv3_gtensor *
gt (const mnv3_session *s, int t)
{
  return &s->graph->tensors[t];
}

static int
is_q8 (mnv3_dtype t)
{
  return t == MNV3_DTYPE_U8 || t == MNV3_DTYPE_I8;
}

int
mnv3_plan_is_integer (const mnv3_session *s, const mnv3_xnode *x)
{
  if (!s->graph->integer)
    return 0;
  if (gt (s, x->out)->type != MNV3_DTYPE_F32)
    return 1;
  for (int i = 0; i < x->num_in; i++)
    if (gt (s, x->in[i])->type != MNV3_DTYPE_F32)
      return 1;
  return 0;
}

mnv3_qtensor
mnv3_session_qtensor (const mnv3_session *s, int t)
{
  const mnv3_gtensor *g = gt (s, t);
  mnv3_qtensor q = { .type = g->type, .scale = 1.f, .zp = 0 };

  if (g->q.num >= 1) {
    q.scale = g->q.scale[0];
    q.zp = g->q.zp[0];
  }
  return q;
}

static mnv3_status
fail (const mnv3_xnode *x, const char *what)
{
  return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "node '%s': integer %s",
      x->g->name, what);
}

/* An 8-bit activation tensor with per-tensor quantization. */
static mnv3_status
need_q8 (const mnv3_session *s, const mnv3_xnode *x, int t)
{
  const mnv3_gtensor *g = gt (s, t);
  if (!is_q8 (g->type) || g->q.num != 1)
    return mnv3_set_error (MNV3_ERR_UNSUPPORTED, "node '%s': tensor '%s' "
        "is %s, not a per-tensor quantized 8-bit tensor", x->g->name,
        g->name, mnv3_dtype_name (g->type));
  return MNV3_OK;
}

static mnv3_status
plan_conv (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  const int *in = s->tensors[x->in[0]].shape, *out = s->tensors[x->out].shape;
  const mnv3_conv_attr *a = &x->g->u.conv;
  const mnv3_gtensor *w = gt (s, x->in[1]);
  const mnv3_gtensor *b = x->num_in >= 3 ? gt (s, x->in[2]) : NULL;
  int fc = x->type == MNV3_OP_FC;
  mnv3_qconv_params p;
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
      || (st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  if (!w->raw || !is_q8 (w->type) || w->q.num < 1)
    return fail (x, "convolution without 8-bit quantized weights");
  if (b && (!b->raw || b->type != MNV3_DTYPE_I32))
    return fail (x, "convolution with a bias that is not int32");
  memset (&p, 0, sizeof p);
  if (fc) {
    p.geom = (mnv3_conv_params) { .ih = 1, .iw = 1,
      .ic = in[0] * in[1] * in[2] * in[3], .oh = 1, .ow = 1, .oc = out[3],
      .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .groups = 1 };
    x->macs = (int64_t) p.geom.ic * p.geom.oc;
  } else {
    p.geom = (mnv3_conv_params) { .ih = in[1], .iw = in[2], .ic = in[3],
      .oh = out[1], .ow = out[2], .oc = out[3], .kh = a->kh, .kw = a->kw,
      .sh = a->sh, .sw = a->sw, .dh = a->dh, .dw = a->dw,
      .pad_t = x->pool.pad_t, .pad_l = x->pool.pad_l,
      .pad_b = x->pool.pad_b, .pad_r = x->pool.pad_r, .groups = a->groups };
    if (a->groups != 1 && !(a->groups == in[3] && out[3] == in[3]))
      return fail (x, "grouped convolution");
    x->macs = (int64_t) out[1] * out[2] * out[3] * a->kh * a->kw
        * (in[3] / a->groups);
  }
  if ((int64_t) p.geom.oc * (p.geom.groups == 1 ? p.geom.ic : 1)
      * p.geom.kh * p.geom.kw != mnv3_gtensor_numel (w))
    return fail (x, "convolution whose weights do not match its input");
  if (w->q.num != 1 && w->q.num != p.geom.oc)
    return fail (x, "weights quantized neither per tensor nor per channel");
  p.in = mnv3_session_qtensor (s, x->in[0]);
  p.out = mnv3_session_qtensor (s, x->out);
  mnv3_q_act_range (x->act, &p.out, &p.act_min, &p.act_max);
  p.w_type = w->type;
  p.num_w_scales = w->q.num;
  p.w_scales = w->q.scale;
  p.w_zps = w->q.zp;
  /* TFLite's uint8 kernels, and every per-tensor FULLY_CONNECTED, take the
   * multiplier of GetQuantizedConvolutionMultipler (a float product) */
  p.legacy_multiplier = p.in.type == MNV3_DTYPE_U8
      || (fc && w->q.num == 1);
  /* ONNX Runtime's arithmetic: the packed kernels' float output stage
   * (qkernels.h).  MNV3_QORT_REFERENCE=1 keeps the reference loops
   * instead (the same bytes; a testing and benchmarking aid). */
  if (s->graph->qsem == MNV3_QSEM_ONNXRUNTIME) {
    p.rounding = MNV3_QROUND_FLOAT;
    p.reference = getenv ("MNV3_QORT_REFERENCE")
        && atoi (getenv ("MNV3_QORT_REFERENCE")) > 0;
  }
  x->params = mnv3_gtensor_numel (w) + (b ? p.geom.oc : 0);
  q->conv = mnv3_qconv_create (s->isa, &p, w->raw, b ? b->raw : NULL);
  if (!q->conv)
    return mnv3_set_error (MNV3_ERR_NOMEM, "node '%s': cannot create "
        "integer convolution", x->g->name);
  x->scratch = mnv3_qconv_scratch_size (q->conv,
      mnv3_threadpool_size (s->tp));
  x->xop = MNV3_XOP_QCONV;
  /* Testing aid: reproduce the int16 saturation of ONNX Runtime's x86
   * kernels without VNNI (qops.h mnv3_qort_conv_run_u8s8), to compare
   * bytes with it on such a CPU.  Never on by default: the exact sums are
   * the model's meaning. */
  if (p.rounding == MNV3_QROUND_FLOAT && p.geom.groups == 1
      && p.in.type == MNV3_DTYPE_U8 && getenv ("MNV3_ORT_U8S8_SATURATION")
      && atoi (getenv ("MNV3_ORT_U8S8_SATURATION")) > 0) {
    int sym = 1;
    for (int k = 0; k < p.num_w_scales; k++)
      sym &= p.w_zps[k] == 0;
    if (sym)
      x->xop = MNV3_XOP_QORT_CONV_U8S8;
  }
  return MNV3_OK;
}

static int
same_shape (const mnv3_session *s, int t, int u)
{
  return !memcmp (s->tensors[t].shape, s->tensors[u].shape,
      sizeof s->tensors[t].shape);
}

/* ONNX Runtime's quantizer writes each HardSwish as HardSigmoid then
 * Mul (x, hsigmoid (x)): two exact integer maps of x's byte (the
 * HardSigmoid's table, then QLinearMul's formula on the pair), so their
 * composite is one 256-entry table of x (mnv3_qort_mul_table): the same
 * bytes in one pass over one operand.  The HardSigmoid node still runs
 * (its output may have other readers). */
static void
fuse_mul_of_table (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  if (q->u.ortbin.op != MNV3_BINARY_MUL || x->num_in != 2
      || !same_shape (s, x->in[0], x->out)
      || !same_shape (s, x->in[1], x->out))
    return;
  for (int side = 0; side < 2; side++) {
    const int th = x->in[side], tx = x->in[1 - side];
    for (mnv3_xnode *p = s->nodes; p < x; p++) {
      mnv3_qort_binary o;
      if (p->dead || p->out != th || p->xop != MNV3_XOP_QLUT || !p->q
          || p->in[0] != tx || memcmp (p->q->u.lut.table, p->q->u.lut.tail,
              sizeof p->q->u.lut.table))
        continue;
      o = q->u.ortbin;
      mnv3_qort_mul_table (&q->u.lut, &o, p->q->u.lut.table, side == 0);
      q->in = mnv3_session_qtensor (s, tx);
      x->in[0] = tx;          /* the table reads in[0] */
      x->in[1] = th;
      x->xop = MNV3_XOP_QLUT;
      return;
    }
  }
}

static mnv3_status
plan_binary (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  mnv3_qbinary *b = &q->u.bin;
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
      || (st = need_q8 (s, x, x->in[1])) != MNV3_OK
      || (st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  if (s->graph->qsem == MNV3_QSEM_ONNXRUNTIME) {
    mnv3_qort_binary *o = &q->u.ortbin;
    o->op = x->g->u.binary;
    o->a = mnv3_session_qtensor (s, x->in[0]);
    o->b = mnv3_session_qtensor (s, x->in[1]);
    o->out = mnv3_session_qtensor (s, x->out);
    o->isa = mnv3_cpu_resolve (s->isa);
    if ((o->op != MNV3_BINARY_ADD && o->op != MNV3_BINARY_MUL)
        || x->act.type != MNV3_ACT_NONE)
      return fail (x, "binary operator (ONNX Runtime: Add, Mul)");
    x->xop = MNV3_XOP_QORT_BINARY;
    if (!getenv ("MNV3_QORT_REFERENCE")
        || atoi (getenv ("MNV3_QORT_REFERENCE")) <= 0)
      fuse_mul_of_table (s, x, q);
    return MNV3_OK;
  }
  memset (b, 0, sizeof *b);
  b->op = x->g->u.binary;
  b->a = mnv3_session_qtensor (s, x->in[0]);
  b->b = mnv3_session_qtensor (s, x->in[1]);
  b->out = mnv3_session_qtensor (s, x->out);
  mnv3_q_act_range (x->act, &b->out, &b->act_min, &b->act_max);
  if (mnv3_qbinary_prepare (b) != MNV3_OK)
    return fail (x, "binary operator of these types");
  x->xop = MNV3_XOP_QBINARY;
  return MNV3_OK;
}

static mnv3_status
plan_lut (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q,
    mnv3_qunary_kind kind)
{
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
      || (st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  q->in = mnv3_session_qtensor (s, x->in[0]);
  q->out = mnv3_session_qtensor (s, x->out);
  if (mnv3_qlut_prepare (&q->u.lut, kind, &q->in, &q->out) != MNV3_OK)
    return fail (x, "element-wise operator of these types");
  x->xop = MNV3_XOP_QLUT;
  return MNV3_OK;
}

static mnv3_status
plan_act (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  const mnv3_act *a = &x->act;
  mnv3_status st;

  if (s->graph->qsem == MNV3_QSEM_ONNXRUNTIME) {
    if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
        || (st = need_q8 (s, x, x->out)) != MNV3_OK)
      return st;
    q->in = mnv3_session_qtensor (s, x->in[0]);
    q->out = mnv3_session_qtensor (s, x->out);
    if (mnv3_qort_lut_prepare (&q->u.lut, a, &q->in, &q->out) != MNV3_OK)
      return fail (x, "activation");
    x->xop = MNV3_XOP_QLUT;
    return MNV3_OK;
  }
  switch (a->type) {
    case MNV3_ACT_HSWISH:
      return plan_lut (s, x, q, MNV3_QUNARY_HARD_SWISH);
    case MNV3_ACT_SIGMOID:
      return plan_lut (s, x, q, MNV3_QUNARY_LOGISTIC);
    case MNV3_ACT_RELU:
      return plan_lut (s, x, q, MNV3_QUNARY_RELU);
    case MNV3_ACT_CLIP:
      if (a->a == 0.f && a->b == 6.f)
        return plan_lut (s, x, q, MNV3_QUNARY_RELU6);
      if (a->a == -1.f && a->b == 1.f)
        return plan_lut (s, x, q, MNV3_QUNARY_RELU_N1_TO_1);
      return fail (x, "clip with other bounds than ReLU6/ReLU_N1_TO_1");
    default:
      return fail (x, "activation");
  }
}

static mnv3_status
plan_pool (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  const int *in = s->tensors[x->in[0]].shape;
  const mnv3_pool_attr *a = &x->g->u.pool;
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
      || (st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  q->in = mnv3_session_qtensor (s, x->in[0]);
  q->out = mnv3_session_qtensor (s, x->out);
  if (a->mean) {
    mnv3_qmean *m = &q->u.mean;
    memset (m, 0, sizeof *m);
    m->in = q->in;
    m->out = q->out;
    m->count = in[1] * in[2];
    /* TFLite takes another kernel for MEAN with keep_dims (a 4-D output) */
    m->keep_dims = gt (s, x->out)->rank == 4;
    if (mnv3_qmean_prepare (m) != MNV3_OK)
      return fail (x, "MEAN of these types");
    x->xop = MNV3_XOP_QMEAN;
    return MNV3_OK;
  }
  if (s->graph->qsem == MNV3_QSEM_ONNXRUNTIME && a->global
      && a->type == MNV3_POOL_AVG) {
    x->xop = MNV3_XOP_QORT_GAP;
    return MNV3_OK;
  }
  /* TFLite's 8-bit pooling keeps the quantization of its input */
  if (q->in.type != q->out.type || q->in.scale != q->out.scale
      || q->in.zp != q->out.zp)
    return fail (x, "pooling that changes the quantization");
  if (a->global) {
    mnv3_pool_params *p = &x->pool;
    memset (p, 0, sizeof *p);
    p->type = a->type;
    p->ih = p->kh = in[1];
    p->iw = p->kw = in[2];
    p->c = in[3];
    p->sh = p->sw = p->oh = p->ow = 1;
  }
  mnv3_q_act_range (x->act, &q->out, &q->act_min, &q->act_max);
  x->xop = MNV3_XOP_QPOOL;
  return MNV3_OK;
}

static mnv3_status
plan_resize (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  const int *in = s->tensors[x->in[0]].shape, *out = s->tensors[x->out].shape;
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
      || (st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  q->in = mnv3_session_qtensor (s, x->in[0]);
  q->out = mnv3_session_qtensor (s, x->out);
  if (q->in.type != q->out.type || q->in.scale != q->out.scale
      || q->in.zp != q->out.zp)
    return fail (x, "resize that changes the quantization");
  if (x->g->u.resize.coord == MNV3_COORD_PYTORCH_HALF_PIXEL)
    return fail (x, "resize with PyTorch half-pixel coordinates");
  x->scratch = mnv3_qresize_scratch_size (out[1], out[2], in[3],
      mnv3_threadpool_size (s->tp));
  x->xop = MNV3_XOP_QRESIZE;
  return MNV3_OK;
}

static mnv3_status
plan_concat (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  mnv3_status st;

  if ((st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  q->out = mnv3_session_qtensor (s, x->out);
  for (int i = 0; i < x->num_in; i++) {
    if ((st = need_q8 (s, x, x->in[i])) != MNV3_OK)
      return st;
    q->ins[i] = mnv3_session_qtensor (s, x->in[i]);
    if (q->ins[i].type != q->out.type)
      return fail (x, "concatenation of different types");
  }
  if (x->act.type != MNV3_ACT_NONE)
    return fail (x, "concatenation with a fused activation");
  x->xop = MNV3_XOP_QCONCAT;
  return MNV3_OK;
}

static mnv3_status
plan_convert (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  mnv3_dtype ti = gt (s, x->in[0])->type, to = gt (s, x->out)->type;
  mnv3_status st;

  q->in = mnv3_session_qtensor (s, x->in[0]);
  q->out = mnv3_session_qtensor (s, x->out);
  if (ti == MNV3_DTYPE_F32) {
    if ((st = need_q8 (s, x, x->out)) != MNV3_OK)
      return st;
    x->xop = s->graph->qsem == MNV3_QSEM_ONNXRUNTIME ? MNV3_XOP_QORT_QUANTIZE
        : MNV3_XOP_QUANTIZE;
    return MNV3_OK;
  }
  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK)
    return st;
  if (to == MNV3_DTYPE_F32) {
    x->xop = s->graph->qsem == MNV3_QSEM_ONNXRUNTIME
        ? MNV3_XOP_QORT_DEQUANTIZE : MNV3_XOP_DEQUANTIZE;
    return MNV3_OK;
  }
  if (s->graph->qsem == MNV3_QSEM_ONNXRUNTIME)
    return fail (x, "requantization (ONNX Runtime)");
  return plan_lut (s, x, q, MNV3_QUNARY_REQUANTIZE);
}

static mnv3_status
plan_softmax (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  mnv3_qsoftmax *m = &q->u.softmax;
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK
      || (st = need_q8 (s, x, x->out)) != MNV3_OK)
    return st;
  memset (m, 0, sizeof *m);
  m->in = mnv3_session_qtensor (s, x->in[0]);
  m->out = mnv3_session_qtensor (s, x->out);
  m->beta = x->g->u.softmax_beta;
  if (mnv3_qsoftmax_prepare (m) != MNV3_OK)
    return fail (x, "softmax of these types");
  x->xop = MNV3_XOP_QSOFTMAX;
  return MNV3_OK;
}

static mnv3_status
plan_argmax (mnv3_session *s, mnv3_xnode *x, mnv3_qnode *q)
{
  mnv3_dtype to = gt (s, x->out)->type;
  mnv3_status st;

  if ((st = need_q8 (s, x, x->in[0])) != MNV3_OK)
    return st;
  q->in = mnv3_session_qtensor (s, x->in[0]);
  if (to != MNV3_DTYPE_I32 && to != MNV3_DTYPE_I64)
    return fail (x, "ARG_MAX with an output that is not int32/int64");
  x->xop = MNV3_XOP_QARGMAX;
  return MNV3_OK;
}

mnv3_status
mnv3_plan_integer_node (mnv3_session *s, mnv3_xnode *x)
{
  mnv3_qnode *q = calloc (1, sizeof *q);

  if (!q)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  x->q = q;
  switch (x->type) {
    case MNV3_OP_CONV:
    case MNV3_OP_FC:
      return plan_conv (s, x, q);
    case MNV3_OP_BINARY:
      return plan_binary (s, x, q);
    case MNV3_OP_ACT:
      return plan_act (s, x, q);
    case MNV3_OP_POOL:
      return plan_pool (s, x, q);
    case MNV3_OP_RESIZE:
      return plan_resize (s, x, q);
    case MNV3_OP_CONCAT:
      return plan_concat (s, x, q);
    case MNV3_OP_RESHAPE:
      if (gt (s, x->in[0])->type != gt (s, x->out)->type)
        return fail (x, "reshape that changes the type");
      x->xop = MNV3_XOP_COPY;
      return MNV3_OK;
    case MNV3_OP_SOFTMAX:
      return plan_softmax (s, x, q);
    case MNV3_OP_ARGMAX:
      return plan_argmax (s, x, q);
    case MNV3_OP_QUANTIZE:
      return plan_convert (s, x, q);
    default:
      return fail (x, "operator");
  }
}

void
mnv3_plan_integer_free (mnv3_xnode *x)
{
  if (!x->q)
    return;
  mnv3_qconv_free (x->q->conv);
  free (x->q);
  x->q = NULL;
}
