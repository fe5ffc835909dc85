/* tflite-internal.h — what the TFLite importer's files share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The importer is split by concern:
 *   tflite-reader.c   names, errors, reading tensors/operators/buffers
 *   tflite-tensors.c  constants (raw values, dequantisation), shapes and
 *                     graph tensors
 *   tflite-quant.c    the integer graph: types, quantization, raw weights
 *   tflite-ops.c      activations, node emission, one translator per op
 *   tflite-import.c   the model: inputs/outputs, the walk over operators
 */
#ifndef MNV3_TFLITE_INTERNAL_H
#define MNV3_TFLITE_INTERNAL_H

#include <stdint.h>

#include "graph.h"
#include "flatbuf.h"
#include "tflite-schema.h"

#define TFL_MAX_RANK 8
#define TFL_MAX_DIM (1 << 24)
#define TFL_MAX_NUMEL ((int64_t) 1 << 28)   /* 1 GiB of float32 */
#define TFL_MAX_OP_IO 64
#define TFL_MAX_COUNT (1 << 20)     /* tensors, operators, buffers */

/* What the importer knows about one TFLite tensor. */
typedef struct {
  char *name;
  int type;
  int rank;
  int64_t dims[TFL_MAX_RANK];
  int64_t numel;                 /* -1 when a dim is dynamic */
  const uint8_t *buf;            /* constant bytes, NULL if none */
  size_t buf_size;
  int quantized;                 /* has scale/zero point */
  mnv3_fb_vec scale, zp;         /* float32 / int64 vectors */
  int qdim;
  float *folded;                 /* float value from a folded DEQUANTIZE */
  int gid;                       /* graph tensor holding its value, or -1 */
  /* PAD folded into the conv that reads this tensor */
  int pad_src;                   /* -1: none */
  int pads[4];                   /* t, l, b, r */
  int conv_uses, other_uses;     /* consumers, for PAD folding */
} tfl_tensor;

/* One operator being translated. */
typedef struct {
  int index;
  int code;                      /* builtin code (or TFL_CUSTOM) */
  const char *custom;            /* custom code, NUL-terminated copy */
  int in[TFL_MAX_OP_IO];
  int num_in;
  int out[TFL_MAX_OP_IO];
  int num_out;
  mnv3_fb_table opts;            /* builtin options (pos 0 if absent) */
  const uint8_t *custom_opts;
  uint32_t custom_opts_len;
} tfl_op;

typedef struct {
  mnv3_fb fb;
  mnv3_fb_table model, sg;
  mnv3_fb_vec opcodes, buffers, tensors_v, ops_v;
  tfl_tensor *t;
  uint32_t nt;
  mnv3_graph *g;
  char custom_buf[64];
  int integer;                   /* build the integer graph (tflite-quant.c) */
} tfl_ctx;

const char *tfl_type_name (int type);
mnv3_status tfl_op_error (tfl_ctx *c, const tfl_op *op, mnv3_status s,
    const char *what);
mnv3_status tfl_corrupt (tfl_ctx *c, const char *where);
mnv3_status tfl_read_tensor (tfl_ctx *c, uint32_t i, tfl_tensor *t);
mnv3_status tfl_read_op (tfl_ctx *c, uint32_t i, tfl_op *op);
int tfl_is_const (const tfl_tensor *t);
mnv3_status tfl_const_ints (tfl_ctx *c, const tfl_op *op, int ti,
    int64_t *out, int max, int *n);
void tfl_quant_params (const tfl_ctx *c, const tfl_tensor *t, int64_t ch,
    float *scale, int64_t *zp);
mnv3_status tfl_const_floats (tfl_ctx *c, const tfl_op *op, int ti,
    const float *bias_scale, float **out);
int tfl_nhwc_of (const int64_t *dims, int rank, int64_t out[4]);
int tfl_nhwc_axis (int a, int rank);
mnv3_status tfl_add_graph_tensor (tfl_ctx *c, const char *name,
    const tfl_tensor *t, float *data, int *gid);
mnv3_status tfl_value_of (tfl_ctx *c, const tfl_op *op, int ti, int *gid);
mnv3_status tfl_produce (tfl_ctx *c, const tfl_op *op, int ti,
    const char *suffix, int *gid);
mnv3_status tfl_import_op (tfl_ctx *c, const tfl_op *op);

/* tflite-quant.c: the integer graph */
mnv3_status tfl_check_const (tfl_ctx *c, int ti);
int tfl_dtype (int tfl_type);               /* mnv3_dtype, or -1 */
mnv3_status tfl_type_tensor (tfl_ctx *c, int gid, const tfl_tensor *t);
int tfl_model_is_quantized (const tfl_ctx *c);
mnv3_status tfl_q_weights (tfl_ctx *c, const tfl_op *op, int ti,
    int depthwise, int rank, int n, int h, int w, int ch, int *gid);
mnv3_status tfl_q_bias (tfl_ctx *c, const tfl_op *op, int bi, int64_t oc,
    int *gid);
mnv3_status tfl_q_const (tfl_ctx *c, const tfl_op *op, int ti, int *gid);
mnv3_status tfl_q_convert (tfl_ctx *c, const tfl_op *op);
void tfl_node_init (mnv3_gnode *n, mnv3_op_type type, const char *name);
mnv3_status tfl_emit (tfl_ctx *c, const tfl_op *op, mnv3_gnode *n, int ti);

#endif /* MNV3_TFLITE_INTERNAL_H */
