/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ONNX importer on a tiny model built here with protobuf-c (no Python):
 *   input [1,3,8,8] -> Conv 3x3 (4 ch, pads 1) -> Relu -> GlobalAveragePool
 *   -> Flatten -> Gemm (transB, 5 outputs) -> "logits"
 * First its output is checked against a plain C reference (|diff| <= 1e-5
 * relative), then it is broken in many ways: truncated at every offset,
 * bytes flipped at every offset, wrong magic, absurd sizes, unsupported and
 * undefined operators/values.  Every broken file must give an error status
 * with a message (or load and run if still valid) and never crash; run it
 * under ASan/UBSan (meson setup -Db_sanitize=address,undefined).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnv3.h"
#include "onnx/onnx-subset.pb-c.h"

#define IC 3
#define OC 4
#define H 8
#define W 8
#define NOUT 5

enum { N_CONV, N_RELU, N_GAP, N_FLAT, N_GEMM, N_NODES };
enum { I_W1, I_B1, I_W2, I_B2, I_SPARE, N_INITS };

typedef struct {
  Onnx__ModelProto model;
  Onnx__GraphProto graph;
  Onnx__OperatorSetIdProto opset;
  Onnx__OperatorSetIdProto *opsets[1];
  Onnx__NodeProto nodes[N_NODES];
  Onnx__NodeProto *node_ptrs[N_NODES];
  char *node_in[N_NODES][3];
  char *node_out[N_NODES][1];
  Onnx__AttributeProto attrs[4];       /* pads, kernel_shape, axis, transB */
  Onnx__AttributeProto *conv_attrs[2], *flat_attrs[1], *gemm_attrs[1];
  int64_t pads[4], kernel[2];
  Onnx__TensorProto inits[N_INITS];
  Onnx__TensorProto *init_ptrs[N_INITS];
  int64_t w1_dims[4], b1_dims[1], w2_dims[2], b2_dims[1], spare_dims[1];
  float w1[OC * IC * 9], b1[OC], w2[NOUT * OC], b2[NOUT];
  int64_t spare[2];
  Onnx__ValueInfoProto in, out;
  Onnx__ValueInfoProto *in_ptrs[1], *out_ptrs[1];
  Onnx__TypeProto in_type, out_type;
  Onnx__TypeProto__Tensor in_tt, out_tt;
  Onnx__TensorShapeProto in_shape, out_shape;
  Onnx__TensorShapeProto__Dimension in_dim[4], out_dim[2];
  Onnx__TensorShapeProto__Dimension *in_dim_ptrs[4], *out_dim_ptrs[2];
  Onnx__StringStringEntryProto meta[2];
  Onnx__StringStringEntryProto *meta_ptrs[2];
} tiny;

static float
input_value (int c, int y, int x)
{
  return sinf (0.37f * (float) (c * 64 + y * 8 + x)) * 2.f;
}

static void
tiny_tensor (Onnx__TensorProto *t, const char *name, int64_t *dims,
    const int64_t *d, int rank, int type)
{
  onnx__tensor_proto__init (t);
  t->name = (char *) name;
  memcpy (dims, d, (size_t) rank * sizeof *d);
  t->dims = dims;
  t->n_dims = (size_t) rank;
  t->has_data_type = 1;
  t->data_type = type;
}

static void
tiny_node (tiny *t, int i, const char *op, const char *in0, const char *in1,
    const char *in2, const char *out)
{
  Onnx__NodeProto *n = &t->nodes[i];
  onnx__node_proto__init (n);
  n->op_type = (char *) op;
  n->name = (char *) op;
  t->node_in[i][0] = (char *) in0;
  t->node_in[i][1] = (char *) in1;
  t->node_in[i][2] = (char *) in2;
  n->input = t->node_in[i];
  n->n_input = in2 ? 3 : in1 ? 2 : 1;
  t->node_out[i][0] = (char *) out;
  n->output = t->node_out[i];
  n->n_output = 1;
  t->node_ptrs[i] = n;
}

static void
tiny_ints_attr (Onnx__AttributeProto *a, const char *name, int64_t *v,
    size_t n)
{
  onnx__attribute_proto__init (a);
  a->name = (char *) name;
  a->has_type = 1;
  a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  a->ints = v;
  a->n_ints = n;
}

static void
tiny_int_attr (Onnx__AttributeProto *a, const char *name, int64_t v)
{
  onnx__attribute_proto__init (a);
  a->name = (char *) name;
  a->has_type = 1;
  a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  a->has_i = 1;
  a->i = v;
}

static void
tiny_value_info (Onnx__ValueInfoProto *vi, Onnx__TypeProto *tp,
    Onnx__TypeProto__Tensor *tt, Onnx__TensorShapeProto *sh,
    Onnx__TensorShapeProto__Dimension *dim,
    Onnx__TensorShapeProto__Dimension **ptrs, const int64_t *dims, int rank,
    const char *name)
{
  onnx__value_info_proto__init (vi);
  onnx__type_proto__init (tp);
  onnx__type_proto__tensor__init (tt);
  onnx__tensor_shape_proto__init (sh);
  for (int k = 0; k < rank; k++) {
    onnx__tensor_shape_proto__dimension__init (&dim[k]);
    dim[k].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    dim[k].dim_value = dims[k];
    ptrs[k] = &dim[k];
  }
  sh->dim = ptrs;
  sh->n_dim = (size_t) rank;
  tt->has_elem_type = 1;
  tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  tt->shape = sh;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->name = (char *) name;
  vi->type = tp;
}

static void
tiny_init (tiny *t)
{
  static const int64_t w1d[4] = {OC, IC, 3, 3}, b1d[1] = {OC},
      w2d[2] = {NOUT, OC}, b2d[1] = {NOUT}, spd[1] = {2},
      ind[4] = {1, IC, H, W}, outd[2] = {1, NOUT};

  memset (t, 0, sizeof *t);
  for (int k = 0; k < OC * IC * 9; k++)
    t->w1[k] = cosf (0.91f * (float) k) * 0.4f;
  for (int k = 0; k < OC; k++)
    t->b1[k] = 0.1f * (float) (k - 1);
  for (int k = 0; k < NOUT * OC; k++)
    t->w2[k] = sinf (1.3f * (float) k + 0.5f);
  for (int k = 0; k < NOUT; k++)
    t->b2[k] = 0.05f * (float) k;

  /* W1, W2 as raw_data; B1, B2 as float_data (both storage forms) */
  tiny_tensor (&t->inits[I_W1], "W1", t->w1_dims, w1d, 4, 1);
  t->inits[I_W1].has_raw_data = 1;
  t->inits[I_W1].raw_data.data = (uint8_t *) t->w1;
  t->inits[I_W1].raw_data.len = sizeof t->w1;
  tiny_tensor (&t->inits[I_B1], "B1", t->b1_dims, b1d, 1, 1);
  t->inits[I_B1].float_data = t->b1;
  t->inits[I_B1].n_float_data = OC;
  tiny_tensor (&t->inits[I_W2], "W2", t->w2_dims, w2d, 2, 1);
  t->inits[I_W2].has_raw_data = 1;
  t->inits[I_W2].raw_data.data = (uint8_t *) t->w2;
  t->inits[I_W2].raw_data.len = sizeof t->w2;
  tiny_tensor (&t->inits[I_B2], "B2", t->b2_dims, b2d, 1, 1);
  t->inits[I_B2].float_data = t->b2;
  t->inits[I_B2].n_float_data = NOUT;
  tiny_tensor (&t->inits[I_SPARE], "S", t->spare_dims, spd, 1, 7);
  t->inits[I_SPARE].int64_data = t->spare;
  t->inits[I_SPARE].n_int64_data = 2;
  for (int k = 0; k < N_INITS; k++)
    t->init_ptrs[k] = &t->inits[k];

  tiny_node (t, N_CONV, "Conv", "input", "W1", "B1", "c1");
  tiny_node (t, N_RELU, "Relu", "c1", NULL, NULL, "r1");
  tiny_node (t, N_GAP, "GlobalAveragePool", "r1", NULL, NULL, "g1");
  tiny_node (t, N_FLAT, "Flatten", "g1", NULL, NULL, "f1");
  tiny_node (t, N_GEMM, "Gemm", "f1", "W2", "B2", "logits");
  for (int k = 0; k < 4; k++)
    t->pads[k] = 1;
  t->kernel[0] = t->kernel[1] = 3;
  tiny_ints_attr (&t->attrs[0], "pads", t->pads, 4);
  tiny_ints_attr (&t->attrs[1], "kernel_shape", t->kernel, 2);
  tiny_int_attr (&t->attrs[2], "axis", 1);
  tiny_int_attr (&t->attrs[3], "transB", 1);
  t->conv_attrs[0] = &t->attrs[0];
  t->conv_attrs[1] = &t->attrs[1];
  t->flat_attrs[0] = &t->attrs[2];
  t->gemm_attrs[0] = &t->attrs[3];
  t->nodes[N_CONV].attribute = t->conv_attrs;
  t->nodes[N_CONV].n_attribute = 2;
  t->nodes[N_FLAT].attribute = t->flat_attrs;
  t->nodes[N_FLAT].n_attribute = 1;
  t->nodes[N_GEMM].attribute = t->gemm_attrs;
  t->nodes[N_GEMM].n_attribute = 1;

  tiny_value_info (&t->in, &t->in_type, &t->in_tt, &t->in_shape, t->in_dim,
      t->in_dim_ptrs, ind, 4, "input");
  tiny_value_info (&t->out, &t->out_type, &t->out_tt, &t->out_shape,
      t->out_dim, t->out_dim_ptrs, outd, 2, "logits");
  t->in_ptrs[0] = &t->in;
  t->out_ptrs[0] = &t->out;

  onnx__graph_proto__init (&t->graph);
  t->graph.name = "tiny";
  t->graph.node = t->node_ptrs;
  t->graph.n_node = N_NODES;
  t->graph.initializer = t->init_ptrs;
  t->graph.n_initializer = N_INITS - 1;        /* the spare is off */
  t->graph.input = t->in_ptrs;
  t->graph.n_input = 1;
  t->graph.output = t->out_ptrs;
  t->graph.n_output = 1;

  onnx__operator_set_id_proto__init (&t->opset);
  t->opset.domain = "";
  t->opset.has_version = 1;
  t->opset.version = 13;
  t->opsets[0] = &t->opset;

  for (int k = 0; k < 2; k++) {
    onnx__string_string_entry_proto__init (&t->meta[k]);
    t->meta_ptrs[k] = &t->meta[k];
  }
  t->meta[0].key = "task";
  t->meta[0].value = "classification";
  t->meta[1].key = "mean";
  t->meta[1].value = "123.675,116.28,103.53";

  onnx__model_proto__init (&t->model);
  t->model.has_ir_version = 1;
  t->model.ir_version = 7;
  t->model.producer_name = "test_onnx_bad";
  t->model.graph = &t->graph;
  t->model.opset_import = t->opsets;
  t->model.n_opset_import = 1;
  t->model.metadata_props = t->meta_ptrs;
  t->model.n_metadata_props = 2;
}

static uint8_t *
tiny_pack (const tiny *t, size_t *size)
{
  uint8_t *buf;

  *size = onnx__model_proto__get_packed_size (&t->model);
  buf = malloc (*size);
  ck_assert (buf != NULL);
  ck_assert_uint_eq (onnx__model_proto__pack (&t->model, buf), *size);
  return buf;
}

/* Plain reference of the tiny network on input_value(). */
static void
tiny_reference (const tiny *t, double *out)
{
  double gap[OC];

  for (int o = 0; o < OC; o++) {
    double sum = 0;
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        double acc = t->b1[o];
        for (int i = 0; i < IC; i++)
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int yy = y + ky - 1, xx = x + kx - 1;
              if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                acc += (double) t->w1[((o * IC + i) * 3 + ky) * 3 + kx]
                    * input_value (i, yy, xx);
            }
        sum += acc > 0 ? acc : 0;
      }
    gap[o] = sum / (H * W);
  }
  for (int n = 0; n < NOUT; n++) {
    out[n] = t->b2[n];
    for (int o = 0; o < OC; o++)
      out[n] += (double) t->w2[n * OC + o] * gap[o];
  }
}

/* Load from memory: either an error with a message, or a model that can
 * be planned and run (when its input stayed small). */
static mnv3_status
try_load (const void *buf, size_t size)
{
  mnv3_model *m = NULL;
  mnv3_status s = mnv3_model_load_memory (buf, size, "tiny", &m);

  if (s != MNV3_OK) {
    ck_assert (m == NULL);
    ck_assert_msg (mnv3_last_error ()[0] != '\0',
        "status %d without a message", s);
    return s;
  }
  ck_assert (m != NULL);
  {
    mnv3_tensor_info info;
    mnv3_session *sess = NULL;
    mnv3_session_options o = mnv3_session_options_default ();
    if (mnv3_model_input_info (m, 0, &info) == MNV3_OK && info.rank == 4
        && info.dims[1] * info.dims[2] * info.dims[3] <= 64 * 64 * 4
        && mnv3_session_create (m, &o, &sess) == MNV3_OK) {
      mnv3_session_run (sess);
      mnv3_session_free (sess);
    }
  }
  mnv3_model_free (m);
  return MNV3_OK;
}

/* Pack t, expect status `want` and a message containing `needle`. */
static void
expect_error (const tiny *t, mnv3_status want, const char *needle)
{
  size_t size;
  uint8_t *buf = tiny_pack (t, &size);
  mnv3_model *m = NULL;
  mnv3_status s = mnv3_model_load_memory (buf, size, "tiny", &m);

  ck_assert_msg (s == want, "status %d (%s), %d expected", s,
      mnv3_last_error (), want);
  ck_assert (m == NULL);
  if (needle)
    ck_assert_msg (strstr (mnv3_last_error (), needle) != NULL,
        "message '%s' lacks '%s'", mnv3_last_error (), needle);
  free (buf);
}

START_TEST (test_valid)
{
  tiny t;
  size_t size;
  uint8_t *buf;
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_tensor_info info;
  double ref[NOUT];
  const float *out;
  float *in;

  tiny_init (&t);
  buf = tiny_pack (&t, &size);
  ck_assert_msg (mnv3_model_load_memory (buf, size, "tiny", &m) == MNV3_OK,
      "%s", mnv3_last_error ());
  free (buf);
  ck_assert_str_eq (mnv3_model_metadata (m, "task"), "classification");
  ck_assert_int_eq (mnv3_model_input_info (m, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.dims[1], H);
  ck_assert_int_eq (info.dims[2], W);
  ck_assert_int_eq (info.dims[3], IC);
  ck_assert_int_eq (mnv3_session_create (m, &o, &s), MNV3_OK);
  in = mnv3_session_input (s, 0);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < IC; c++)
        in[(y * W + x) * IC + c] = input_value (c, y, x);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  out = mnv3_session_output (s, 0, &info);
  ck_assert_int_eq (info.rank, 2);
  ck_assert_int_eq (info.dims[1], NOUT);
  tiny_reference (&t, ref);
  for (int n = 0; n < NOUT; n++)
    ck_assert_msg (fabs (out[n] - ref[n]) <= 1e-5 * (1 + fabs (ref[n])),
        "logit %d: %g vs %g", n, out[n], ref[n]);
  mnv3_session_free (s);
  mnv3_model_free (m);
}
END_TEST

/* A symbolic or -1 W loads; the model reports it as -1, a session without
 * a size is refused with a message asking for one, a session with one
 * computes what the static model computes. */
START_TEST (test_dynamic_size)
{
  tiny t;
  size_t size;
  uint8_t *buf;
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_tensor_info info;
  double ref[NOUT];
  const float *out;
  float *in;

  for (int k = 0; k < 2; k++) {
    tiny_init (&t);
    if (k == 0) {
      t.in_dim[3].value_case =
          ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      t.in_dim[3].dim_param = "width";
    } else {
      t.in_dim[3].dim_value = -1;
    }
    buf = tiny_pack (&t, &size);
    ck_assert_msg (mnv3_model_load_memory (buf, size, "tiny", &m) == MNV3_OK,
        "%s", mnv3_last_error ());
    free (buf);
    ck_assert_int_eq (mnv3_model_input_info (m, 0, &info), MNV3_OK);
    ck_assert_int_eq (info.dims[1], H);
    ck_assert_int_eq (info.dims[2], -1);
    ck_assert_int_eq (mnv3_session_create (m, &o, &s), MNV3_ERR_INVALID_ARG);
    ck_assert (s == NULL);
    ck_assert_msg (strstr (mnv3_last_error (), "input_width") != NULL,
        "%s", mnv3_last_error ());
    o.input_height = H;
    o.input_width = W;
    ck_assert_int_eq (mnv3_session_create (m, &o, &s), MNV3_OK);
    in = mnv3_session_input (s, 0);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        for (int c = 0; c < IC; c++)
          in[(y * W + x) * IC + c] = input_value (c, y, x);
    ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
    out = mnv3_session_output (s, 0, NULL);
    tiny_reference (&t, ref);
    for (int n = 0; n < NOUT; n++)
      ck_assert_msg (fabs (out[n] - ref[n]) <= 1e-5 * (1 + fabs (ref[n])),
          "logit %d: %g vs %g", n, out[n], ref[n]);
    mnv3_session_free (s);
    mnv3_model_free (m);
    o = mnv3_session_options_default ();
  }
}
END_TEST

/* The metadata comes last in the file; a cut before it loses graph or
 * opset and must fail, a cut inside it may also give a valid model. */
START_TEST (test_truncated)
{
  tiny t;
  size_t size, core_size;
  uint8_t *buf;

  tiny_init (&t);
  t.model.n_metadata_props = 0;
  core_size = onnx__model_proto__get_packed_size (&t.model);
  t.model.n_metadata_props = 2;
  buf = tiny_pack (&t, &size);
  ck_assert (core_size < size);
  for (size_t len = 0; len < size; len++) {
    uint8_t *copy = malloc (len ? len : 1);   /* exact size for ASan */
    memcpy (copy, buf, len);
    if (try_load (copy, len) == MNV3_OK)
      ck_assert_msg (len >= core_size, "truncated to %zu of %zu loaded", len,
          size);
    free (copy);
  }
  free (buf);
}
END_TEST

START_TEST (test_flipped)
{
  static const uint8_t patterns[] = {0xff, 0x01, 0x80, 0x7f};
  tiny t;
  size_t size;
  uint8_t *buf;
  int failed = 0, total = 0;

  tiny_init (&t);
  buf = tiny_pack (&t, &size);
  for (size_t off = 0; off < size; off++)
    for (size_t p = 0; p < sizeof patterns; p++) {
      uint8_t *copy = malloc (size);
      memcpy (copy, buf, size);
      copy[off] ^= patterns[p];
      failed += try_load (copy, size) != MNV3_OK;
      total++;
      free (copy);
    }
  /* most bytes are float weights; the structure must still catch many */
  ck_assert_msg (failed > total / 10, "only %d of %d corruptions detected",
      failed, total);
  free (buf);
}
END_TEST

START_TEST (test_wrong_magic)
{
  static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 1, 0};
  uint8_t junk[2048], zeros[64];
  tiny t;
  size_t size;
  uint8_t *buf;
  uint32_t r = 12345;

  ck_assert_int_eq (try_load (png, sizeof png), MNV3_ERR_FORMAT);
  memset (zeros, 0, sizeof zeros);
  ck_assert_int_eq (try_load (zeros, sizeof zeros), MNV3_ERR_FORMAT);
  for (int trial = 0; trial < 50; trial++) {
    for (size_t k = 0; k < sizeof junk; k++) {
      r = r * 1103515245u + 12345u;
      junk[k] = (uint8_t) (r >> 16);
    }
    ck_assert_int_ne (try_load (junk, sizeof junk), MNV3_OK);
  }
  /* a valid protobuf that is not a model (a bare tensor) */
  tiny_init (&t);
  size = onnx__tensor_proto__get_packed_size (&t.inits[I_W1]);
  buf = malloc (size);
  onnx__tensor_proto__pack (&t.inits[I_W1], buf);
  ck_assert_int_eq (try_load (buf, size), MNV3_ERR_FORMAT);
  free (buf);
  /* the model with its first bytes replaced */
  buf = tiny_pack (&t, &size);
  memcpy (buf, "GIF89a", 6);
  ck_assert_int_ne (try_load (buf, size), MNV3_OK);
  free (buf);
}
END_TEST

START_TEST (test_absurd_sizes)
{
  tiny t;

  /* dims whose product is far beyond the data */
  tiny_init (&t);
  t.w1_dims[0] = (int64_t) 1 << 30;
  t.w1_dims[1] = (int64_t) 1 << 30;
  expect_error (&t, MNV3_ERR_FORMAT, "W1");
  tiny_init (&t);
  t.w1_dims[0] = (int64_t) 1 << 62;
  expect_error (&t, MNV3_ERR_FORMAT, "W1");
  tiny_init (&t);
  t.w1_dims[2] = -3;
  expect_error (&t, MNV3_ERR_FORMAT, "W1");
  /* raw_data one element short; float_data count wrong */
  tiny_init (&t);
  t.inits[I_W1].raw_data.len -= 4;
  expect_error (&t, MNV3_ERR_FORMAT, "W1");
  tiny_init (&t);
  t.inits[I_B1].n_float_data = 3;
  expect_error (&t, MNV3_ERR_FORMAT, "B1");
  /* weights that disagree with the input channels */
  tiny_init (&t);
  t.w1_dims[1] = 1;
  t.w1_dims[0] = OC * IC;
  expect_error (&t, MNV3_ERR_SHAPE, "Conv");
  /* input of absurd size, and with a dynamic H */
  tiny_init (&t);
  t.in_dim[2].dim_value = (int64_t) 1 << 40;
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "input");
  /* only H and W may be dynamic (test_dynamic_size) */
  tiny_init (&t);
  t.in_dim[1].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
  t.in_dim[1].dim_param = "channels";
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "dynamic");
  /* absurd pads and kernel attributes */
  tiny_init (&t);
  t.pads[2] = (int64_t) 1 << 40;
  expect_error (&t, MNV3_ERR_FORMAT, "pads");
  tiny_init (&t);
  t.kernel[0] = 5;
  expect_error (&t, MNV3_ERR_FORMAT, "kernel_shape");
  /* ConstantOfShape asked for 2^40 elements: refused, not allocated */
  tiny_init (&t);
  t.graph.n_initializer = N_INITS;
  t.spare[0] = t.spare[1] = (int64_t) 1 << 20;
  t.nodes[N_RELU].op_type = "ConstantOfShape";
  t.node_in[N_RELU][0] = "S";
  expect_error (&t, MNV3_ERR_FORMAT, "absurd");
  /* external data and string tensors */
  tiny_init (&t);
  t.inits[I_W2].has_data_location = 1;
  t.inits[I_W2].data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "W2");
  tiny_init (&t);
  t.inits[I_B2].data_type = ONNX__TENSOR_PROTO__DATA_TYPE__STRING;
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "B2");
  /* malformed metadata contract */
  tiny_init (&t);
  t.meta[1].value = "1,2";
  expect_error (&t, MNV3_ERR_FORMAT, "mean");
}
END_TEST

START_TEST (test_unsupported)
{
  tiny t;

  tiny_init (&t);
  t.nodes[N_RELU].op_type = "LSTM";
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "LSTM");
  tiny_init (&t);
  t.nodes[N_RELU].domain = "com.microsoft";
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "com.microsoft");
  tiny_init (&t);
  t.opset.version = 5;
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "opset 5");
  tiny_init (&t);
  t.model.n_opset_import = 0;
  expect_error (&t, MNV3_ERR_FORMAT, "opset");
  /* Conv whose weights are computed */
  tiny_init (&t);
  t.node_in[N_CONV][1] = "input";
  expect_error (&t, MNV3_ERR_UNSUPPORTED, "constant");
}
END_TEST

START_TEST (test_undefined)
{
  tiny t;

  tiny_init (&t);
  t.node_in[N_RELU][0] = "nope";
  expect_error (&t, MNV3_ERR_FORMAT, "nope");
  /* a use before the definition (not topologically sorted) */
  tiny_init (&t);
  t.node_in[N_CONV][0] = "r1";
  expect_error (&t, MNV3_ERR_FORMAT, "r1");
  /* an output defined twice */
  tiny_init (&t);
  t.node_out[N_RELU][0] = "c1";
  expect_error (&t, MNV3_ERR_FORMAT, "c1");
  /* a graph output nobody computes */
  tiny_init (&t);
  t.out.name = "missing";
  expect_error (&t, MNV3_ERR_FORMAT, "missing");
  /* no graph at all */
  tiny_init (&t);
  t.model.graph = NULL;
  expect_error (&t, MNV3_ERR_FORMAT, "graph");
}
END_TEST

static Suite *
bad_suite (void)
{
  Suite *s = suite_create ("onnx-bad-input");
  TCase *tc = tcase_create ("tiny");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_valid);
  tcase_add_test (tc, test_dynamic_size);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_flipped);
  tcase_add_test (tc, test_wrong_magic);
  tcase_add_test (tc, test_absurd_sizes);
  tcase_add_test (tc, test_unsupported);
  tcase_add_test (tc, test_undefined);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (bad_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
