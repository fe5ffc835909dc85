/* onnx_internal.h — state shared by the files of the ONNX importer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The importer walks the ONNX graph once, in file order (ONNX requires a
 * topological order).  Every ONNX value name maps to an `onnx_val`:
 *
 *  - a constant (initializer, Constant node, or folded): float32 or int64
 *    data in ONNX (row-major, NCHW) order.  int64 elements may carry a
 *    symbol saying "this is dim d of dynamic tensor t" (from Shape), so a
 *    Resize whose sizes come from `x.shape[-2:]` becomes SIZE_LIKE(x);
 *  - a dynamic tensor: a graph tensor id plus its static ONNX shape, which
 *    the importer infers from the graph input's declared shape (needed to
 *    fold Shape sub-graphs and to size the graph tensors).
 *
 * Constants become graph tensors only when a compute node consumes them,
 * converted to the layout that node needs (OHWI weights, NHWC operands).
 */
#ifndef MNV3_ONNX_INTERNAL_H
#define MNV3_ONNX_INTERNAL_H

#include <stdint.h>

#include "graph.h"
#include "onnx/onnx-subset.pb-c.h"

#define ONNX_MAX_RANK 8
/* Sanity limits: a file may declare any size, we only allocate sane ones. */
#define ONNX_MAX_CONST_NUMEL ((int64_t) 1 << 28)  /* 1 GiB of float32 */
#define ONNX_MAX_DIM ((int64_t) 1 << 20)
#define ONNX_MAX_ACT_NUMEL ((int64_t) 1 << 27)  /* 512 MiB */
#define ONNX_MAX_KERNEL 1024
#define ONNX_MAX_STRIDE 1024
#define ONNX_MAX_PAD 256

typedef enum { ONNX_VAL_NONE, ONNX_VAL_CONST, ONNX_VAL_DYN } onnx_val_kind;
typedef enum { ONNX_F32, ONNX_I64 } onnx_dtype;

typedef struct {
  const char *name;            /* borrowed from the unpacked model */
  onnx_val_kind kind;
  int rank;
  int64_t dims[ONNX_MAX_RANK]; /* ONNX order (N,C,H,W for images) */
  /* constants */
  onnx_dtype dtype;
  int64_t numel;
  float *f;                    /* ONNX_F32 */
  int64_t *i;                  /* ONNX_I64 */
  int32_t *sym;                /* ONNX_I64: per element -1 or SYM(t,d) */
  int tid_rank[2];             /* graph tensors made from this constant, */
  int tid[2];                  /* keyed by the rank they were made for */
  int elem_type;               /* the file's TensorProto data type */
  /* a constant folded from DequantizeLinear (onnx_qdq.c): its integer
   * values' quantization, kept for the integer graph */
  int qnum;                    /* 0: none; 1: per tensor; >1: per axis */
  int qaxis;                   /* ONNX axis of the per-axis scales */
  mnv3_dtype qtype;            /* U8, I8 or I32 */
  float *qscale;               /* [qnum] */
  int32_t *qzp;                /* [qnum] */
  /* dynamic tensors */
  int tensor;                  /* graph tensor id */
  int nhw;                     /* rank 3 [N,H,W] map to (N,H,W,1) (ArgMax) */
  int view;                    /* onnx_view: a shape-only view of `tensor` */
} onnx_val;

/* Views: values that share the graph tensor of an NCHW rank-4 value
 * x = [1,C,H,W] (NHWC memory: H,W,C) without a node, for the detection
 * heads' view/permute/reshape (see onnx_op_transpose).  Only Reshape,
 * Flatten, Transpose and Shape may consume a view. */
typedef enum {
  ONNX_VIEW_NONE = 0,
  ONNX_VIEW_SPLIT5,            /* rank 5 [1,A,K,H,W] with A*K = C */
  ONNX_VIEW_ROWMAJOR,          /* memory is the row-major order of dims:
                                * [1,H,W,A,K] or [1,H,W,C] after Transpose */
} onnx_view;

/* A symbol: dim `d` (ONNX axis) of graph tensor `t`. */
#define ONNX_SYM(t, d) ((int32_t) ((t) * 8 + (d)))
#define ONNX_SYM_TENSOR(s) ((s) / 8)
#define ONNX_SYM_DIM(s) ((s) % 8)

typedef struct {
  const Onnx__ModelProto *model;
  const Onnx__GraphProto *gp;
  mnv3_graph *g;
  int opset;
  onnx_val *vals;
  int num_vals, cap_vals;
  int *hash;                   /* open addressing, -1 empty */
  int hash_cap;
  int *uses;                   /* per node output name: consumer count */
  unsigned char *skip;         /* nodes already imported by a fusion */
  int dyn_input;               /* graph input with a dynamic H/W and no
                                * default size, or -1 */
  int dyn_hw;                  /* bit 0: H dynamic, bit 1: W dynamic */
  /* node being imported, for messages */
  int node_index;
  const Onnx__NodeProto *node;
} onnx_ctx;

typedef mnv3_status (*onnx_op_fn) (onnx_ctx *cx, const Onnx__NodeProto *n);

/* ---- onnx_import.c ---- */
mnv3_status onnx_node_error (onnx_ctx *cx, mnv3_status s, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
onnx_val *onnx_val_find (onnx_ctx *cx, const char *name);
/* Define a new value named `name`; error on duplicates. */
mnv3_status onnx_val_define (onnx_ctx *cx, const char *name, onnx_val **out);
/* Input i of the node: NULL when absent or named "" (optional input). */
mnv3_status onnx_input (onnx_ctx *cx, const Onnx__NodeProto *n, int i,
    onnx_val **out);
int onnx_use_count (onnx_ctx *cx, const char *name);
const Onnx__NodeProto *onnx_sole_consumer (onnx_ctx *cx, const char *name,
    int *index);

/* attributes */
const Onnx__AttributeProto *onnx_attr (const Onnx__NodeProto *n,
    const char *name);
int64_t onnx_attr_int (const Onnx__NodeProto *n, const char *name,
    int64_t def);
float onnx_attr_float (const Onnx__NodeProto *n, const char *name, float def);
/* Copies the string (truncated to `len`-1) into buf; def when absent. */
const char *onnx_attr_string (const Onnx__NodeProto *n, const char *name,
    const char *def, char *buf, size_t len);
/* Number of ints (0 when absent); *ints points into the model. */
size_t onnx_attr_ints (const Onnx__NodeProto *n, const char *name,
    const int64_t **ints);

/* ---- onnx_const.c ---- */
void onnx_val_clear (onnx_val *v);
/* numel of a shape, or -1 when a dim is negative or the product is absurd. */
int64_t onnx_numel (int rank, const int64_t *dims);
/* Decode a TensorProto into a constant value (checks sizes). */
mnv3_status onnx_tensor_decode (onnx_ctx *cx, const Onnx__TensorProto *t,
    const char *what, onnx_val *v);
/* Allocate a constant of the given shape (data zeroed, sym -1). */
mnv3_status onnx_const_alloc (onnx_ctx *cx, onnx_val *v, onnx_dtype dt,
    int rank, const int64_t *dims);
/* Element k of a constant as double / int64. */
double onnx_const_get (const onnx_val *v, int64_t k);
int64_t onnx_const_geti (const onnx_val *v, int64_t k);
/* A graph tensor holding constant v laid out for an operand of rank
 * `rank` (NHWC, broadcast dims kept as 1). */
mnv3_status onnx_const_tensor (onnx_ctx *cx, onnx_val *v, int rank, int *tid);
/* Copy of the constant's float data (int64 converted), malloc'd. */
float *onnx_const_floats (const onnx_val *v);

/* ---- onnx_ops.c ---- */
onnx_op_fn onnx_op_lookup (const char *op_type);
/* NHWC (n,h,w,c) of an ONNX shape; error when not representable. */
mnv3_status onnx_nhwc (onnx_ctx *cx, int rank, const int64_t *dims, int nhw,
    int out[4]);
/* New dynamic value `name` with the given ONNX shape and a graph tensor. */
mnv3_status onnx_dyn_define (onnx_ctx *cx, const char *name, int rank,
    const int64_t *dims, int nhw, onnx_val **out);

/* ---- onnx-fold.c ---- */
/* Try to fold node n (all inputs constant, or Shape of a dynamic tensor).
 * *folded = 1 when done. */
mnv3_status onnx_fold (onnx_ctx *cx, const Onnx__NodeProto *n, int *folded);
/* shape helpers shared with onnx_ops.c */
mnv3_status onnx_squeeze_shape (onnx_ctx *cx, const Onnx__NodeProto *n,
    const onnx_val *x, int unsqueeze, int *rank, int64_t *dims);
mnv3_status onnx_reshape_shape (onnx_ctx *cx, const Onnx__NodeProto *n,
    const onnx_val *x, int *rank, int64_t *dims);
int onnx_broadcast (int ra, const int64_t *a, int rb, const int64_t *b,
    int *rank, int64_t *dims);

/* ---- onnx_ops.c, shared with onnx_qdq.c ---- */
mnv3_status onnx_emit (onnx_ctx *cx, const Onnx__NodeProto *n, mnv3_gnode *nd,
    int rank, const int64_t *dims);

/* ---- onnx-ops.c, shared with onnx-ops-shape.c ---- */
/* Input i, which must be present and computed (not constant). */
mnv3_status onnx_dyn_input (onnx_ctx *cx, const Onnx__NodeProto *n, int i,
    onnx_val **v);
/* Optional constant input i (NULL when absent); error when computed. */
mnv3_status onnx_const_input (onnx_ctx *cx, const Onnx__NodeProto *n, int i,
    onnx_val **v);
/* Input 0, which must be a dynamic rank-4 value. */
mnv3_status onnx_rank4_input (onnx_ctx *cx, const Onnx__NodeProto *n,
    onnx_val **x);
/* Zero nd and set its type and first input. */
void onnx_node_init (mnv3_gnode *nd, mnv3_op_type type, int input);
/* NHWC position of ONNX axis a of a rank-`rank` value. */
int onnx_axis_nhwc (int rank, int a);
/* ONNX axis (negative counts from the end) in [0, rank): 1 and *out,
 * else 0. */
int onnx_axis (int64_t axis, int rank, int *out);

/* ---- onnx-ops-shape.c: Resize, Concat, layout, Softmax, ArgMax ---- */
mnv3_status onnx_op_resize (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_concat (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_transpose (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_reshape (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_identity (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_softmax (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_argmax (onnx_ctx *cx, const Onnx__NodeProto *n);

/* ---- onnx_qdq.c: QuantizeLinear / DequantizeLinear (QDQ models) ---- */
mnv3_status onnx_op_quantize_linear (onnx_ctx *cx, const Onnx__NodeProto *n);
mnv3_status onnx_op_dequantize_linear (onnx_ctx *cx,
    const Onnx__NodeProto *n);
/* DequantizeLinear of a constant: a float constant remembering the
 * quantization (onnx_fold). */
mnv3_status onnx_fold_dequantize (onnx_ctx *cx, const Onnx__NodeProto *n);
/* Give graph tensor `tid`, made from constant v, v's quantization when v
 * came from DequantizeLinear and its scales run along ONNX axis `axis`
 * (the output channel of the layout the tensor was made in), or are per
 * tensor.  The tensor stays float (F32): the integer pass converts it. */
mnv3_status onnx_qdq_attach (onnx_ctx *cx, const onnx_val *v, int tid,
    int axis);

#endif /* MNV3_ONNX_INTERNAL_H */
