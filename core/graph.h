/* graph.h — the engine's intermediate representation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Importers (onnx/, tflite/) translate a file into an mnv3_graph; plan.c then
 * folds, fuses, infers shapes for a given input size and assigns the arena.
 *
 * Contract for importers:
 *  - Activations are NHWC, batch 1.  A tensor's shape is always 4-D
 *    (n,h,w,c); a [1,C] logits tensor is (1,1,1,C).  `rank` keeps the rank
 *    the file declared so outputs can be reported faithfully.
 *  - Constant tensors (weights) hold float32 data in `data` (owned by the
 *    graph, malloc'd).  Quantized/fp16 weights are dequantized by the importer.
 *  - Convolution weights are canonical OHWI: [oc][kh][kw][ic/groups].
 *    Transposed convolution weights are also [oc][kh][kw][ic] (the importer
 *    converts from the file's layout).  FC weights are [oc][ic] (a 1x1 conv).
 *  - A constant's (n,h,w,c) are its logical dims in the order the layout
 *    above lists them: conv/deconv weights n=oc, h=kh, w=kw, c=ic/groups;
 *    FC weights n=N, h=w=1, c=K; a bias or per-channel vector (1,1,1,C);
 *    a scalar (1,1,1,1).  (The planner derives oc from the element count,
 *    so only numel must be exact.)
 *  - Node parameters are in NHWC terms (axes remapped by the importer).
 *  - Nodes are appended in a topological order.
 *
 * Types and quantization (the integer graph of a quantized model):
 *  - Every tensor has an element type (`type`, F32 unless set).  Integer
 *    activations carry their quantization in `q` (per tensor); constants of
 *    an integer type keep their raw values in `raw` (weights uint8/int8 in
 *    the canonical layouts above, biases int32) with per-tensor or
 *    per-output-channel quantization (`q.num` values along axis 0 of the
 *    canonical layout, i.e. the output channel).
 *  - A graph is either a float graph (all F32 activations; what the
 *    importers produce by default) or an integer graph (quantized
 *    activations flow between integer ops; MNV3_OP_QUANTIZE converts where
 *    the model converts).
 */
#ifndef MNV3_GRAPH_H
#define MNV3_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mnv3.h"
#include "ops.h"

typedef enum {
  MNV3_OP_CONV,          /* in: x, weights(const), [bias(const)] */
  MNV3_OP_CONV_TRANSPOSE,/* in: x, weights(const), [bias(const)] */
  MNV3_OP_FC,            /* in: x [1,1,1,K], weights [N][K], [bias] */
  MNV3_OP_BATCHNORM,     /* in: x, scale, bias, mean, var (const, [C]) */
  MNV3_OP_BINARY,        /* in: a, b (either may be const) */
  MNV3_OP_ACT,           /* in: x */
  MNV3_OP_POOL,          /* in: x (avg/max, incl. global) */
  MNV3_OP_RESIZE,        /* in: x, [size reference tensor] */
  MNV3_OP_CONCAT,        /* in: x0..xn */
  MNV3_OP_RESHAPE,       /* in: x — memory order unchanged */
  MNV3_OP_SOFTMAX,       /* in: x, over channels */
  MNV3_OP_ARGMAX,        /* in: x, over channels; out (1,h,w,1) float index */
  MNV3_OP_QUANTIZE,      /* in: x; converts between x's and the output's
                          * type/quantization (QUANTIZE, DEQUANTIZE,
                          * 8-bit requantization) */
  MNV3_OP_COUNT
} mnv3_op_type;

typedef enum {
  MNV3_PAD_EXPLICIT,     /* pad_t/l/b/r as given */
  MNV3_PAD_SAME_UPPER,   /* TF "SAME": total/2 before, rest after */
  MNV3_PAD_SAME_LOWER,   /* ONNX SAME_LOWER: rest before */
  MNV3_PAD_VALID,
} mnv3_pad_mode;

typedef struct {
  int kh, kw, sh, sw, dh, dw;
  mnv3_pad_mode pad_mode;
  int pad_t, pad_l, pad_b, pad_r;  /* EXPLICIT; resolved by plan otherwise */
  int groups;
  int out_pad_h, out_pad_w;        /* transposed conv only */
} mnv3_conv_attr;

typedef struct {
  mnv3_pool_type type;
  int global;                      /* 1: over all of H,W (GAP, ReduceMean) */
  int kh, kw, sh, sw;
  mnv3_pad_mode pad_mode;
  int pad_t, pad_l, pad_b, pad_r;
  int count_include_pad;           /* average pool only */
  int mean;                        /* TFLite MEAN (integer semantics differ
                                    * from a global average pool) */
} mnv3_pool_attr;

typedef enum {
  MNV3_RESIZE_SIZE_FIXED,          /* out_h, out_w */
  MNV3_RESIZE_SIZE_SCALE,          /* scale_h, scale_w (out = floor(in*s)) */
  MNV3_RESIZE_SIZE_LIKE,           /* h,w of input tensor 1 */
} mnv3_resize_size;

typedef struct {
  mnv3_resize_size size_mode;
  int out_h, out_w;
  float scale_h, scale_w;
  mnv3_resize_coord coord;         /* align-corners, half-pixel, ... */
  int nearest;                     /* 1: nearest neighbour, else bilinear */
} mnv3_resize_attr;

typedef struct {
  /* Target shape in NHWC, 0 = copy the input's dim, -1 = infer one dim.
   * The executor checks that NHWC memory order equals the file's order
   * (e.g. flattening [1,H,W,C] is only allowed when H*W==1 or C==1 for
   * an NCHW-ordered file). */
  int64_t shape[4];
  int nchw_source;                 /* 1: ONNX semantics (see above) */
} mnv3_reshape_attr;

/* Quantization of a tensor: real = scale * (q - zp). */
typedef struct {
  int num;                         /* 0: none; 1: per tensor; >1: per
                                    * output channel */
  float *scale;                    /* [num] (owned) */
  int32_t *zp;                     /* [num] (owned) */
} mnv3_gquant;

typedef struct {
  char *name;
  int rank;                        /* declared rank, for reporting */
  int n, h, w, c;                  /* NHWC; for consts the logical shape */
  float *data;                     /* non-NULL: float constant (owned) */
  void *raw;                       /* non-NULL: constant of an integer type
                                    * (owned) */
  mnv3_dtype type;                 /* element type (F32 by default) */
  mnv3_gquant q;
  int is_input, is_output;
} mnv3_gtensor;

#define MNV3_MAX_NODE_INPUTS 8
/* Nodes of a graph, and of a file's graph before translation: MobileNetV3
 * networks have a few hundred; planning is quadratic in places (fusion,
 * the arena), so a bound keeps a crafted file's load + plan under ~1 s. */
#define MNV3_MAX_NODES (1 << 14)

typedef struct {
  mnv3_op_type type;
  char *name;
  int inputs[MNV3_MAX_NODE_INPUTS];
  int num_inputs;
  int output;
  mnv3_act act;                    /* fused activation (ACT op: the op) */
  union {
    mnv3_conv_attr conv;           /* CONV, CONV_TRANSPOSE */
    mnv3_pool_attr pool;
    mnv3_resize_attr resize;
    mnv3_reshape_attr reshape;
    mnv3_binary_op binary;
    int concat_axis;               /* NHWC axis 0..3 */
    float bn_eps;
    float softmax_beta;
  } u;
} mnv3_gnode;

/* Whose integer arithmetic an integer graph reproduces bit for bit. */
typedef enum {
  MNV3_QSEM_TFLITE = 0,            /* TFLite's kernels (core/quant/qops.h) */
  MNV3_QSEM_ONNXRUNTIME,           /* ONNX Runtime's CPU kernels (MLAS): float
                                    * requantization scales, round half to
                                    * even (qops.h "ONNX Runtime") */
} mnv3_qsem;

typedef struct mnv3_graph {
  int integer;                     /* 1: an integer (quantized) graph */
  mnv3_qsem qsem;                  /* integer graphs: the reference */
  mnv3_gtensor *tensors;
  int num_tensors, cap_tensors;
  mnv3_gnode *nodes;
  int num_nodes, cap_nodes;
  int *inputs;  int num_inputs;    /* tensor ids of graph inputs */
  int *outputs; int num_outputs;   /* tensor ids of graph outputs */
  /* metadata key/value pairs (labels, mean, std, task, ...) */
  char **meta_keys, **meta_values;
  int num_meta;
} mnv3_graph;

mnv3_graph *mnv3_graph_new (void);
void mnv3_graph_free (mnv3_graph *g);

/* Add a tensor; returns its id or -1 (out of memory, error set).
 * `data` (may be NULL) is taken over by the graph (must be malloc'd). */
int mnv3_graph_add_tensor (mnv3_graph *g, const char *name, int rank,
    int n, int h, int w, int c, float *data);
/* Give tensor t an element type and per-tensor or per-channel
 * quantization (scale/zp copied; num 0 for none). */
mnv3_status mnv3_graph_set_quant (mnv3_graph *g, int t, mnv3_dtype type,
    int num, const float *scale, const int32_t *zp);
/* 1 when tensor t is a constant (float or raw). */
static inline int
mnv3_gtensor_is_const (const mnv3_gtensor *t)
{
  return t->data != NULL || t->raw != NULL;
}
/* Find a tensor by name; -1 when absent. */
int mnv3_graph_find_tensor (const mnv3_graph *g, const char *name);
/* Append a node (copied); returns its index or -1. */
int mnv3_graph_add_node (mnv3_graph *g, const mnv3_gnode *node);
mnv3_status mnv3_graph_add_input (mnv3_graph *g, int tensor);
mnv3_status mnv3_graph_add_output (mnv3_graph *g, int tensor);
mnv3_status mnv3_graph_set_meta (mnv3_graph *g, const char *key,
    const char *value);
const char *mnv3_graph_get_meta (const mnv3_graph *g, const char *key);

/* Number of elements of a tensor (n*h*w*c). */
static inline int64_t
mnv3_gtensor_numel (const mnv3_gtensor *t)
{
  return (int64_t) t->n * t->h * t->w * t->c;
}

/* Importers: both return MNV3_OK and a graph, or an error with
 * mnv3_set_error() called (message names offset/tensor/operator). */
mnv3_status mnv3_onnx_import (const void *data, size_t size, mnv3_graph **out);
mnv3_status mnv3_tflite_import (const void *data, size_t size,
    mnv3_graph **out);
/* The integer graph of a quantized TFLite model (graph.h "Types and
 * quantization"); MNV3_ERR_UNSUPPORTED when the model is not quantized or
 * uses an operator that has no integer form here. */
mnv3_status mnv3_tflite_import_integer (const void *data, size_t size,
    mnv3_graph **out);

/* ONNX QDQ models (core/onnx/onnx-qdq.c): mnv3_onnx_import() of a file
 * with QuantizeLinear/DequantizeLinear gives a graph with `integer` set
 * holding the model as written (Q/DQ as MNV3_OP_QUANTIZE nodes).  Make it
 * the float graph (each Q/DQ pair a clamp, weights float) or the integer graph
 * (DQ -> op -> Q groups as integer ops, qsem ONNXRUNTIME). */
mnv3_status mnv3_onnx_qdq_float (mnv3_graph *g);
mnv3_status mnv3_onnx_qdq_integer (mnv3_graph *g);

#endif /* MNV3_GRAPH_H */
