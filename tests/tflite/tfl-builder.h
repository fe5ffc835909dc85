/* tfl-builder.h — writes small synthetic .tflite files for tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A front-to-back FlatBuffers writer: a table is written before the
 * objects it references, so every reference is a positive (forward)
 * uoffset as the format requires.  Every table field takes a 4-byte slot
 * at 4 + 4*id; absent fields have a 0 vtable entry (schema default).
 * This is test code: allocation failures abort.
 */
#ifndef TFL_BUILDER_H
#define TFL_BUILDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *buf;
  size_t len, cap;
} fbw;

void fbw_init (fbw *w);
void fbw_free (fbw *w);
/* Table with fields whose bit is set in `present`; returns its position. */
size_t fbw_table (fbw *w, int nfields, uint32_t present);
void fbw_set_u32 (fbw *w, size_t table, int field, uint32_t v);
void fbw_set_f32 (fbw *w, size_t table, int field, float v);
/* Point field `field` of `table` (or vector element) at `target`. */
void fbw_set_ref (fbw *w, size_t table, int field, size_t target);
void fbw_vec_set_ref (fbw *w, size_t vec, int index, size_t target);
/* Vectors (position of the length word). */
size_t fbw_vec_i32 (fbw *w, int n, const int32_t *v);
size_t fbw_vec_i64 (fbw *w, int n, const int64_t *v);
size_t fbw_vec_f32 (fbw *w, int n, const float *v);
size_t fbw_vec_bytes (fbw *w, size_t n, const void *v);
size_t fbw_vec_refs (fbw *w, int n);      /* elements set later */
size_t fbw_string (fbw *w, const char *s);

/* ---- a tiny model description ---------------------------------------- */

#define TB_MAX 16

typedef struct {
  const char *name;
  int type;                 /* TFL tensor type */
  int rank;
  int dims[6];
  int buffer;               /* 0: none */
  int nscale;               /* quantization: 0 = none */
  float scale[8];
  int64_t zp[8];
  int qdim;
} tb_tensor;

typedef struct { int id; int is_float; int32_t i; float f; } tb_opt;

typedef struct {
  int code;                 /* builtin code (32 = CUSTOM) */
  const char *custom;       /* custom code for CUSTOM */
  int nin, in[TB_MAX];
  int nout, out[TB_MAX];
  int opt_type;             /* BuiltinOptions union tag (0: none) */
  int nopt;
  tb_opt opt[8];
  const void *custom_opts;
  size_t custom_len;
} tb_op;

typedef struct {
  const void *data;
  size_t len;
} tb_buffer;

typedef struct {
  uint32_t version;         /* 3 */
  int ntensors;
  tb_tensor t[64];
  int nops;
  tb_op op[32];
  int nbuffers;             /* buffer 0 is added implicitly */
  tb_buffer buf[32];
  int nin, in[4];
  int nout, out[4];
} tb_model;

/* TFLite tensor types used by the tests. */
enum { T_F32 = 0, T_F16 = 1, T_I32 = 2, T_U8 = 3, T_I64 = 4, T_I8 = 9 };

/* A tensor description (dims beyond rank ignored; buffer 0 = none). */
tb_tensor tb_tensor_new (const char *name, int type, int rank, int d0,
    int d1, int d2, int d3, int buffer);
/* Per-tensor quantization. */
void tb_quant (tb_tensor *t, float scale, int64_t zp);
/* An operator with nin inputs and one output. */
tb_op tb_op_new (int code, int nin, const int *in, int out);
/* An integer builtin option (field id). */
void tb_opt_int (tb_op *o, int id, int32_t v);
/* Register constant bytes as a buffer; returns its index (>= 1). */
int tb_add_buffer (tb_model *m, const void *d, size_t n);

/* $dir_env + sub + "/" + name read whole (malloc'd); aborts when it
 * cannot (test code). */
uint8_t *tb_read_file (const char *dir_env, const char *sub,
    const char *name, size_t *len);

/* Serialise; returns malloc'd bytes (*len set). */
uint8_t *tb_model_write (const tb_model *m, size_t *len);

/* A chain of n single-input operators `code` (e.g. 19 RELU) on a 1x8x8x1
 * float input: tensors t0..tn, input t0, output tn (load-time tests). */
uint8_t *tb_chain_write (int n, int code, size_t *len);

/* uint8 input 1x8x8x3 (scale 0.25, zp 128) -> PAD (0,0 1,2 0,1 0,0) ->
 * CONV_2D VALID 3x3/2 with uint8 weights w (2x3x3x3, scale 0.5, zp 10) and
 * int32 bias b without own scale -> uint8 output 1x5x4x2 (scale 6/255,
 * zp 0): tensors x, paddings, padded, w, b, y. */
void tb_build_pad_conv (tb_model *m, const uint8_t w[54], const int32_t b[2]);

#endif /* TFL_BUILDER_H */
