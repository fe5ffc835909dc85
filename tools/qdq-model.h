/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-model: the ONNX side of mnv3-quantize.  Reads a float ONNX model
 * (protobuf-c, core/onnx/onnx-subset.proto: fields outside the subset are
 * kept as unknown fields and written back unchanged), decides which
 * activations get a QuantizeLinear/DequantizeLinear pair, writes a copy
 * whose graph outputs also expose those activations (for calibration with
 * the engine), and writes the QDQ model.
 *
 * Contract
 * --------
 * - Activations: the graph input and the output of every operator in the
 *   quantized set (Conv, Gemm, MatMul, Add, Mul, HardSwish, pooling,
 *   Resize, Concat, Reshape, ...) whose value depends on the input's data.
 *   A Conv/Gemm/MatMul/Add output read only by a Relu or Clip gets no pair
 *   (the activation's range covers both, as ONNX Runtime does).  Reshape,
 *   Flatten, Squeeze, Unsqueeze, Transpose, Identity and MaxPool reuse
 *   their input's parameters ("shared") so they move bytes unchanged.
 * - Weights: input 1 of Conv, ConvTranspose, Gemm (transA 0) and MatMul
 *   when it is a float initializer: int8 symmetric per output channel,
 *   q = round(w / s), s = max|w| / 127, q in [-127, 127], zero point 0.
 *   Bias (input 2, 1-D) becomes int32 with scale s_in * s_w[c] when the
 *   operator's input is quantized.
 * - Activations: per tensor, asymmetric, int8 ([-128, 127]) or uint8,
 *   scale = (hi - lo) / 255 with lo <= 0 <= hi, zero point rounded and
 *   clamped, as onnxruntime.quantization computes them.
 * - The layout is ONNX Runtime's quantize_static QDQ format: one
 *   Q -> DQ pair per activation shared by all readers, DequantizeLinear
 *   (with `axis`) on the weights.  Per-channel needs opset 13: older
 *   models are raised to 13 when none of their operators changed meaning
 *   in between, else refused.
 * Errors return -1 with a message in err; nothing aborts.
 */
#ifndef MNV3_TOOLS_QDQ_MODEL_H
#define MNV3_TOOLS_QDQ_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *name;   /* tensor name in the float model */
  const char *op;     /* op_type of its producer, "input" for the input */
  int share;          /* index of the activation whose parameters it
                       * reuses, or -1 */
  int output;         /* its output index in the calibration model, or -1
                       * when shared or the graph input */
} mnv3_qdq_act;

typedef struct {
  float scale;
  int32_t zero_point;
} mnv3_qdq_param;

typedef struct {
  int weights;        /* weight tensors quantized */
  int per_tensor;     /* of which per tensor (no channel axis) */
  int biases;         /* biases made int32 */
  int64_t float_bytes, int_bytes; /* weight bytes before and after */
} mnv3_qdq_stats;

typedef struct mnv3_qdq_model mnv3_qdq_model;

int mnv3_qdq_open (const char *path, mnv3_qdq_model **out, char *err,
    size_t errlen);
void mnv3_qdq_free (mnv3_qdq_model *m);

int mnv3_qdq_num_acts (const mnv3_qdq_model *m);
const mnv3_qdq_act *mnv3_qdq_act_get (const mnv3_qdq_model *m, int i);

/* The float model with every non-shared activation as an extra graph
 * output (after the model's own); *buf is malloc'd. */
int mnv3_qdq_calibration_model (mnv3_qdq_model *m, void **buf, size_t *len,
    char *err, size_t errlen);

/* Per-tensor parameters of the range [lo, hi] (0 is added to it) for int8
 * (signed != 0) or uint8. */
mnv3_qdq_param mnv3_qdq_param_from_range (float lo, float hi, int is_signed);

/* Rewrites the model (once) with params[i] for activation i and writes
 * it.  note: a metadata value recorded under "mnv3.quantize" (or NULL). */
int mnv3_qdq_write (mnv3_qdq_model *m, const mnv3_qdq_param *params,
    int is_signed, const char *note, const char *path,
    mnv3_qdq_stats *stats, char *err, size_t errlen);

#endif /* MNV3_TOOLS_QDQ_MODEL_H */
