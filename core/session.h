/* session.h — private structures shared by model.c, fold.c, fuse.c,
 * plan.c, arena.c and exec.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Stages (see docs/architecture.md):
 *   load:    import (onnx/ or tflite/) -> mnv3_graph -> fold batch-norm
 *   session: copy nodes -> fuse -> infer shapes for the input size ->
 *            create operators (pack weights) -> plan the arena
 *   run:     walk the executable nodes; no allocation, no decisions
 */
#ifndef MNV3_SESSION_H
#define MNV3_SESSION_H

#include "graph.h"
#include "session-limits.h"
#include "ops.h"
#include "threadpool.h"
#include "quant/qops.h"

struct mnv3_model {
  mnv3_graph *graph;       /* float graph (quantized weights dequantized) */
  mnv3_graph *qgraph;      /* integer graph of a quantized model, or NULL */
  char *name;
};

typedef enum {
  MNV3_XOP_CONV,       /* mnv3_conv (general, 1x1 GEMM, stem) */
  MNV3_XOP_DWCONV,
  MNV3_XOP_DECONV,
  MNV3_XOP_FC,         /* mnv3_conv on a 1x1 input */
  MNV3_XOP_BINARY,
  MNV3_XOP_ACT,
  MNV3_XOP_POOL,
  MNV3_XOP_GAP,
  MNV3_XOP_RESIZE,
  MNV3_XOP_CONCAT,
  MNV3_XOP_COPY,       /* reshape / squeeze: a plain copy */
  MNV3_XOP_SOFTMAX,
  MNV3_XOP_ARGMAX,
  /* integer kernels (core/quant/, planned by plan-int.c) */
  MNV3_XOP_QCONV,      /* conv, depthwise, FC */
  MNV3_XOP_QBINARY,
  MNV3_XOP_QLUT,       /* element-wise by table (activations, requantize) */
  MNV3_XOP_QPOOL,
  MNV3_XOP_QMEAN,
  MNV3_XOP_QRESIZE,
  MNV3_XOP_QCONCAT,
  MNV3_XOP_QSOFTMAX,
  MNV3_XOP_QARGMAX,
  MNV3_XOP_QUANTIZE,   /* float -> 8-bit */
  MNV3_XOP_DEQUANTIZE, /* 8-bit -> float */
  /* ONNX Runtime's arithmetic (graph qsem ONNXRUNTIME; qops.h) */
  MNV3_XOP_QORT_BINARY,
  MNV3_XOP_QORT_CONV_U8S8,  /* $MNV3_ORT_U8S8_SATURATION (plan-int.c) */
  MNV3_XOP_QORT_GAP,
  MNV3_XOP_QORT_QUANTIZE,
  MNV3_XOP_QORT_DEQUANTIZE,
} mnv3_xop;

/* What an integer node prepared at plan time. */
typedef struct {
  mnv3_qconv *conv;
  mnv3_qtensor in, out;
  mnv3_qtensor ins[MNV3_MAX_NODE_INPUTS];   /* concat inputs */
  int32_t act_min, act_max;
  union {
    mnv3_qbinary bin;
    mnv3_qort_binary ortbin;
    mnv3_qlut lut;
    mnv3_qmean mean;
    mnv3_qsoftmax softmax;
  } u;
} mnv3_qnode;

/* An executable node: a graph node after fusion, with its operator. */
typedef struct {
  const mnv3_gnode *g;     /* the graph node it came from */
  mnv3_op_type type;       /* graph op type */
  mnv3_xop xop;
  int in[MNV3_MAX_NODE_INPUTS];
  int num_in;
  int out;
  int residual;            /* tensor added in the epilogue, or -1 */
  int in_scale;            /* per-input-channel gate (SE), or -1 */
  mnv3_act act;
  int dead;                /* removed by fusion */
  /* created at plan time */
  mnv3_conv *conv;
  mnv3_dwconv *dwconv;
  mnv3_deconv *deconv;
  mnv3_pool_params pool;
  float resize_scale_h, resize_scale_w;
  mnv3_qnode *q;            /* integer nodes: prepared kernels (owned) */
  size_t scratch;
  int64_t macs, params;
  char label[64];          /* "conv+hswish", ... for profiles */
  double last_ms;
} mnv3_xnode;

/* A tensor of the session: shape, and where its data lives. */
typedef struct {
  int shape[4];            /* NHWC */
  size_t bytes;
  float *data;             /* const data, arena slice or input buffer */
  int first, last;         /* lifetime in executable-node indices */
  size_t offset;           /* arena offset */
  int in_arena;
} mnv3_stensor;

struct mnv3_session {
  const mnv3_model *model;
  const mnv3_graph *graph;
  mnv3_session_options opts;
  mnv3_isa isa;
  mnv3_threadpool *tp;
  mnv3_xnode *nodes;
  int num_nodes;
  mnv3_stensor *tensors;   /* indexed like graph->tensors */
  void *arena;
  size_t arena_bytes;
  void *scratch;
  size_t scratch_bytes;
  float **inputs;          /* separately allocated input buffers (float:
                            * integer inputs are quantized from them) */
  void **raw_inputs;       /* integer inputs: the buffer the graph reads */
  int *raw_fed;            /* input i filled through the raw accessor */
  float **outputs_f32;     /* integer outputs converted after each run */
  mnv3_tensor_cb tensor_cb;
  void *tensor_cb_user;
  mnv3_limits limits;      /* limits.c: resource bounds of the plan */
};

/* Elements of session tensor t (its NHWC shape). */
static inline size_t
mnv3_session_numel (const mnv3_session *s, int t)
{
  const int *sh = s->tensors[t].shape;
  return (size_t) sh[0] * sh[1] * sh[2] * sh[3];
}

/* model.c: info of session tensor t (shape, type, quantization). */
void mnv3_session_tensor_info (const mnv3_session *s, int t,
    mnv3_tensor_info *info);

/* fold.c: load-time graph rewrites independent of the input size. */
mnv3_status mnv3_graph_fold (mnv3_graph *g);

/* fuse.c: activation, residual and SE-gate fusion on the node copy. */
void mnv3_session_fuse (mnv3_session *s);

/* plan.c: shapes and operators for the session's input size. */
mnv3_status mnv3_session_plan (mnv3_session *s);

/* arena.c: lifetime-based offsets; sets arena_bytes and offsets. */
mnv3_status mnv3_arena_plan (mnv3_session *s);

/* plan-int.c: integer nodes (x->q); 1 when node x runs integer kernels */
int mnv3_plan_is_integer (const mnv3_session *s, const mnv3_xnode *x);
mnv3_status mnv3_plan_integer_node (mnv3_session *s, mnv3_xnode *x);
void mnv3_plan_integer_free (mnv3_xnode *x);
/* the quantization of 8-bit tensor t (per tensor) */
mnv3_qtensor mnv3_session_qtensor (const mnv3_session *s, int t);

/* exec.c */
mnv3_status mnv3_session_exec (mnv3_session *s);
/* exec-int.c */
void mnv3_exec_integer_node (mnv3_session *s, const mnv3_xnode *x);

/* Number of consumers of tensor t among live nodes (plus 1 if output). */
int mnv3_session_uses (const mnv3_session *s, int t);

#endif /* MNV3_SESSION_H */
