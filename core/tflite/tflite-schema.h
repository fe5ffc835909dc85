/* tflite-schema.h — the facts of the TFLite schema (schema.fbs, v3) that
 * the importer reads: field ids, enum values and union type tags.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Field ids are the declaration order in the schema (a union field takes
 * two ids: <name>_type then <name>).  Only what mnv3 uses is listed.
 */
#ifndef MNV3_TFLITE_SCHEMA_H
#define MNV3_TFLITE_SCHEMA_H

#define TFL_IDENTIFIER "TFL3"
#define TFL_SCHEMA_VERSION 3

/* table Model */
enum { TFL_MODEL_VERSION = 0, TFL_MODEL_OPERATOR_CODES = 1,
  TFL_MODEL_SUBGRAPHS = 2, TFL_MODEL_DESCRIPTION = 3, TFL_MODEL_BUFFERS = 4 };
/* table OperatorCode */
enum { TFL_OPCODE_DEPRECATED_BUILTIN = 0, TFL_OPCODE_CUSTOM = 1,
  TFL_OPCODE_VERSION = 2, TFL_OPCODE_BUILTIN = 3 };
/* table SubGraph */
enum { TFL_SG_TENSORS = 0, TFL_SG_INPUTS = 1, TFL_SG_OUTPUTS = 2,
  TFL_SG_OPERATORS = 3, TFL_SG_NAME = 4 };
/* table Tensor */
enum { TFL_TENSOR_SHAPE = 0, TFL_TENSOR_TYPE = 1, TFL_TENSOR_BUFFER = 2,
  TFL_TENSOR_NAME = 3, TFL_TENSOR_QUANT = 4 };
/* table QuantizationParameters (details is a union: ids 4 and 5) */
enum { TFL_Q_MIN = 0, TFL_Q_MAX = 1, TFL_Q_SCALE = 2, TFL_Q_ZERO_POINT = 3,
  TFL_Q_QUANTIZED_DIMENSION = 6 };
/* table Operator (builtin_options is a union: ids 3 and 4) */
enum { TFL_OP_OPCODE_INDEX = 0, TFL_OP_INPUTS = 1, TFL_OP_OUTPUTS = 2,
  TFL_OP_BUILTIN_OPTIONS_TYPE = 3, TFL_OP_BUILTIN_OPTIONS = 4,
  TFL_OP_CUSTOM_OPTIONS = 5 };
/* table Buffer (offset/size: data stored after the flatbuffer, >2 GB) */
enum { TFL_BUFFER_DATA = 0, TFL_BUFFER_OFFSET = 1, TFL_BUFFER_SIZE = 2 };

/* enum TensorType */
enum { TFL_FLOAT32 = 0, TFL_FLOAT16 = 1, TFL_INT32 = 2, TFL_UINT8 = 3,
  TFL_INT64 = 4, TFL_STRING = 5, TFL_BOOL = 6, TFL_INT16 = 7,
  TFL_COMPLEX64 = 8, TFL_INT8 = 9, TFL_FLOAT64 = 10 };

/* enum Padding */
enum { TFL_PAD_SAME = 0, TFL_PAD_VALID = 1 };
/* enum ActivationFunctionType */
enum { TFL_ACT_NONE = 0, TFL_ACT_RELU = 1, TFL_ACT_RELU_N1_TO_1 = 2,
  TFL_ACT_RELU6 = 3, TFL_ACT_TANH = 4, TFL_ACT_SIGN_BIT = 5 };

/* enum BuiltinOperator (the ones mnv3 knows by name) */
enum {
  TFL_ADD = 0, TFL_AVERAGE_POOL_2D = 1, TFL_CONCATENATION = 2,
  TFL_CONV_2D = 3, TFL_DEPTHWISE_CONV_2D = 4, TFL_DEQUANTIZE = 6,
  TFL_FULLY_CONNECTED = 9, TFL_LOGISTIC = 14, TFL_MAX_POOL_2D = 17,
  TFL_MUL = 18, TFL_RELU = 19, TFL_RELU_N1_TO_1 = 20, TFL_RELU6 = 21,
  TFL_RESHAPE = 22, TFL_RESIZE_BILINEAR = 23, TFL_SOFTMAX = 25,
  TFL_TANH = 28, TFL_CUSTOM = 32, TFL_PAD = 34, TFL_MEAN = 40, TFL_SUB = 41,
  TFL_DIV = 42, TFL_SQUEEZE = 43, TFL_ARG_MAX = 56, TFL_PADV2 = 60,
  TFL_TRANSPOSE_CONV = 67, TFL_RESIZE_NEAREST_NEIGHBOR = 97,
  TFL_QUANTIZE = 114, TFL_HARD_SWISH = 117,
};

/* Option tables, by field id. */
enum { TFL_CONV_PADDING = 0, TFL_CONV_STRIDE_W = 1, TFL_CONV_STRIDE_H = 2,
  TFL_CONV_ACT = 3, TFL_CONV_DILATION_W = 4, TFL_CONV_DILATION_H = 5 };
enum { TFL_DW_PADDING = 0, TFL_DW_STRIDE_W = 1, TFL_DW_STRIDE_H = 2,
  TFL_DW_DEPTH_MULTIPLIER = 3, TFL_DW_ACT = 4, TFL_DW_DILATION_W = 5,
  TFL_DW_DILATION_H = 6 };
enum { TFL_POOL_PADDING = 0, TFL_POOL_STRIDE_W = 1, TFL_POOL_STRIDE_H = 2,
  TFL_POOL_FILTER_W = 3, TFL_POOL_FILTER_H = 4, TFL_POOL_ACT = 5 };
enum { TFL_FC_ACT = 0, TFL_FC_WEIGHTS_FORMAT = 1, TFL_FC_KEEP_NUM_DIMS = 2 };
enum { TFL_SOFTMAX_BETA = 0 };
enum { TFL_CONCAT_AXIS = 0, TFL_CONCAT_ACT = 1 };
enum { TFL_BINARY_ACT = 0 };      /* Add/Sub/Mul/Div options */
enum { TFL_RESIZE_BILINEAR_ALIGN_CORNERS = 2,
  TFL_RESIZE_BILINEAR_HALF_PIXEL = 3 };
enum { TFL_RESIZE_NEAREST_ALIGN_CORNERS = 0,
  TFL_RESIZE_NEAREST_HALF_PIXEL = 1 };
enum { TFL_RESHAPE_NEW_SHAPE = 0 };
enum { TFL_SQUEEZE_DIMS = 0 };
enum { TFL_REDUCER_KEEP_DIMS = 0 };
enum { TFL_TCONV_PADDING = 0, TFL_TCONV_STRIDE_W = 1, TFL_TCONV_STRIDE_H = 2,
  TFL_TCONV_ACT = 3 };

/* MediaPipe's custom "Convolution2DTransposeBias": custom_options is a raw
 * little-endian struct { int32 padding (1 SAME, 2 VALID); int32 stride_w;
 * int32 stride_h; ... } (TfLiteTransposeConvParams), not a flexbuffer. */
enum { MP_PAD_SAME = 1, MP_PAD_VALID = 2 };

#endif /* MNV3_TFLITE_SCHEMA_H */
