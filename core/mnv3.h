/* mnv3 — a small CPU inference engine for the MobileNetV3 family.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tutorial
 * --------
 *   mnv3_model *m;
 *   if (mnv3_model_load ("mobilenet_v3_small.tflite", &m) != MNV3_OK)
 *     fprintf (stderr, "%s\n", mnv3_last_error ());
 *
 *   mnv3_session_options o = mnv3_session_options_default ();
 *   o.num_threads = 2;
 *   mnv3_session *s;
 *   mnv3_session_create (m, &o, &s);
 *
 *   float *in = mnv3_session_input (s, 0);      // NHWC float32, batch 1
 *   ... fill in ...
 *   mnv3_session_run (s);
 *   mnv3_tensor_info out;
 *   const float *logits = mnv3_session_output (s, 0, &out);
 *
 *   mnv3_session_free (s);
 *   mnv3_model_free (m);
 *
 * A model is immutable once loaded and may be shared by many sessions (one per
 * thread of the application).  A session owns the plan for one input size:
 * shapes, packed kernels, the activation arena and its thread pool.
 *
 * Layout: every activation is NHWC float32 with batch 1.  Outputs of rank < 4
 * (logits [1,C]) are reported with their model rank in mnv3_tensor_info.
 *
 * Errors: functions return mnv3_status; mnv3_last_error() returns a
 * human-readable description of the last failure on the calling thread.
 */
#ifndef MNV3_H
#define MNV3_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MNV3_OK = 0,
  MNV3_ERR_IO,             /* file cannot be opened or read */
  MNV3_ERR_FORMAT,         /* corrupt, truncated or not a model file */
  MNV3_ERR_UNSUPPORTED,    /* valid file using an operator/type we lack */
  MNV3_ERR_INVALID_ARG,    /* bad argument from the caller */
  MNV3_ERR_SHAPE,          /* shapes do not agree */
  MNV3_ERR_NOMEM,          /* allocation failed or absurd size */
} mnv3_status;

typedef enum {
  MNV3_ISA_AUTO = -1,      /* best the CPU (and $MNV3_ISA) allows */
  MNV3_ISA_SCALAR = 0,     /* plain C reference */
  MNV3_ISA_AVX2 = 1,       /* AVX2 + FMA */
  MNV3_ISA_AVX512 = 2,     /* AVX-512 F/BW/DQ/VL */
  MNV3_ISA_AVX512VNNI = 3, /* AVX-512 + VNNI: integer kernels use vpdpbusd;
                            * float kernels run as MNV3_ISA_AVX512 */
} mnv3_isa;

/* Element type of a tensor.  Quantized models keep 8-bit activations end
 * to end (real = scale * (q - zero_point)); float appears only where the
 * model says (QUANTIZE/DEQUANTIZE, float inputs and outputs). */
typedef enum {
  MNV3_DTYPE_F32 = 0,
  MNV3_DTYPE_U8,
  MNV3_DTYPE_I8,
  MNV3_DTYPE_I32,
  MNV3_DTYPE_I64,
} mnv3_dtype;

/* Bytes of one element of a type. */
size_t mnv3_dtype_size (mnv3_dtype t);
const char *mnv3_dtype_name (mnv3_dtype t);

/* How a session runs a quantized model. */
typedef enum {
  MNV3_PRECISION_AUTO = 0, /* what the model is: integer when quantized */
  MNV3_PRECISION_FP32,     /* dequantize the weights, run in float */
} mnv3_precision;

typedef struct mnv3_model mnv3_model;
typedef struct mnv3_session mnv3_session;

#define MNV3_MAX_RANK 4

typedef struct {
  const char *name;
  int rank;                    /* rank as the model file states it */
  int64_t dims[MNV3_MAX_RANK]; /* in NHWC order for rank-4 tensors */
  mnv3_dtype type;             /* element type of the raw data */
  float scale;                 /* quantized types: real = scale*(q - zp) */
  int32_t zero_point;
} mnv3_tensor_info;

/* Last error message of the calling thread ("" if none). */
const char *mnv3_last_error (void);
const char *mnv3_status_string (mnv3_status s);

/* ---- models ---------------------------------------------------------- */

/* Load an .onnx or .tflite file (detected from content, not the name). */
mnv3_status mnv3_model_load (const char *path, mnv3_model **out);
/* Same from memory; the buffer may be freed after the call. */
mnv3_status mnv3_model_load_memory (const void *data, size_t size,
    const char *name, mnv3_model **out);
void mnv3_model_free (mnv3_model *m);

int mnv3_model_num_inputs (const mnv3_model *m);
int mnv3_model_num_outputs (const mnv3_model *m);
/* Shapes as declared by the file: dims are -1 where dynamic and the model
 * has no default size (see input_height in mnv3_session_options). */
mnv3_status mnv3_model_input_info (const mnv3_model *m, int i,
    mnv3_tensor_info *info);
mnv3_status mnv3_model_output_info (const mnv3_model *m, int i,
    mnv3_tensor_info *info);
/* Metadata by key ("labels", "mean", "std", "task", "format", ...);
 * NULL when absent.  Labels are newline-separated. */
const char *mnv3_model_metadata (const mnv3_model *m, const char *key);

/* ---- sessions -------------------------------------------------------- */

typedef struct {
  int num_threads;   /* >= 1; threads including the caller */
  /* Spatial input size.  0: the model's declared size; for an input
   * whose H/W the file leaves dynamic (symbolic or -1), the size in its
   * metadata "input_size" when it has one, else session creation fails
   * (MNV3_ERR_INVALID_ARG) asking for a size.  The batch is always 1. */
  int input_height;
  int input_width;
  mnv3_isa isa;      /* MNV3_ISA_AUTO unless testing */
  int profile;       /* 1: record per-layer times on each run */
  mnv3_precision precision;  /* MNV3_PRECISION_AUTO by default */
  /* Resource limits: a plan over any of them is refused with
   * MNV3_ERR_UNSUPPORTED naming the tensor or node and the size, so a
   * hostile model file cannot take the machine's memory or CPU.  0: the
   * default, derived from the model and the input size and generous for
   * real networks (docs/reliability.md); > 0: that many bytes / MACs. */
  int64_t max_tensor_bytes;  /* any one activation */
  int64_t max_arena_bytes;   /* all activations together (the arena) */
  int64_t max_macs;          /* work of one run (multiply-accumulates) */
  int limit_scale;           /* >= 1: multiplies the defaults (1) */
} mnv3_session_options;

mnv3_session_options mnv3_session_options_default (void);

mnv3_status mnv3_session_create (const mnv3_model *m,
    const mnv3_session_options *opts, mnv3_session **out);
void mnv3_session_free (mnv3_session *s);

/* Input buffer i of the session (NHWC float32), valid until free. */
float *mnv3_session_input (mnv3_session *s, int i);
mnv3_status mnv3_session_input_info (const mnv3_session *s, int i,
    mnv3_tensor_info *info);
mnv3_status mnv3_session_run (mnv3_session *s);
/* Output i after a run; info may be NULL. Valid until the next run.
 * Integer outputs are converted to float (dequantized, or the index of an
 * ARG_MAX). */
const float *mnv3_session_output (const mnv3_session *s, int i,
    mnv3_tensor_info *info);

/* Raw access in the tensor's own element type (info->type): for a
 * quantized input, the bytes the model takes (uint8 pixels for TF's
 * classifiers).  Once mnv3_session_input_raw() has been called for input
 * i, runs read that buffer; otherwise the float buffer of
 * mnv3_session_input() is quantized (x / scale rounded half away from
 * zero, + zero point, clamped) at the start of each run.  For float tensors both are the same buffer. */
void *mnv3_session_input_raw (mnv3_session *s, int i);
const void *mnv3_session_output_raw (const mnv3_session *s, int i,
    mnv3_tensor_info *info);

/* 1 when the session runs integer kernels (a quantized model with
 * precision AUTO). */
int mnv3_session_is_quantized (const mnv3_session *s);

/* Debugging and per-layer comparison with another runtime: after each
 * executed node, cb gets the node's output tensor (info: name, shape, type
 * and quantization; data in its own element type), valid during the call
 * only.  NULL turns it off. */
typedef void (*mnv3_tensor_cb) (void *user, const mnv3_tensor_info *info,
    const void *data);
void mnv3_session_set_tensor_callback (mnv3_session *s, mnv3_tensor_cb cb,
    void *user);

/* The ISA the session really uses (after AUTO / $MNV3_ISA resolution). */
mnv3_isa mnv3_session_isa (const mnv3_session *s);
const char *mnv3_isa_name (mnv3_isa isa);

/* ---- statistics (plan-time, and per layer when profiling) ------------ */

typedef struct {
  int64_t macs;          /* multiply-accumulates of one run */
  int64_t params;        /* weights + biases after folding */
  size_t arena_bytes;    /* peak activation memory (the planned arena) */
  size_t weight_bytes;   /* packed weights held by the session */
  int num_layers;        /* executed nodes after fusion */
} mnv3_session_stats;

void mnv3_session_get_stats (const mnv3_session *s, mnv3_session_stats *st);

typedef struct {
  const char *name;      /* the node's name (from the model file) */
  const char *op;        /* "conv", "dwconv", "add", ... (+"+hswish" fused) */
  int64_t macs;
  double last_ms;        /* time of this layer in the last profiled run */
  const char *precision; /* element type it computes in: "uint8", "int8",
                          * "float32" */
  int out_h, out_w, out_c;
} mnv3_layer_info;

/* Layer i of the executed plan (after fusion): 1 and *info filled, or 0
 * when i is past the last layer. */
int mnv3_session_layer_info (const mnv3_session *s, int i,
    mnv3_layer_info *info);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_H */
