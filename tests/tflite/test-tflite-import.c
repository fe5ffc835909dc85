/* test-tflite-import.c — the TFLite importer, checked on the graph it
 * builds: the real models (operator counts after folding, recovered
 * activations, metadata), synthetic files for each translation rule, and
 * corrupt input (truncation, flipped bytes, bad headers), which must give
 * an error with a message and never crash (run under ASan/UBSan too).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "tfl-builder.h"

/* ---- helpers ----------------------------------------------------------- */

static uint8_t *
read_model (const char *name, size_t *len)
{
  if (strstr (name, "roadseg_q") || strstr (name, "roadseg_i8"))
    return tb_read_file ("MNV3_TEST_DATA", "", name, len);
  return tb_read_file ("MNV3_SOURCE_ROOT", "/models", name, len);
}

static mnv3_graph *
import_ok (const uint8_t *d, size_t n)
{
  mnv3_graph *g = NULL;
  mnv3_status st = mnv3_tflite_import (d, n, &g);
  ck_assert_msg (st == MNV3_OK, "import failed: %s", mnv3_last_error ());
  ck_assert (g != NULL);
  return g;
}

static mnv3_graph *
import_file (const char *name)
{
  size_t n;
  uint8_t *d = read_model (name, &n);
  mnv3_graph *g = import_ok (d, n);
  free (d);
  return g;
}

typedef struct {
  int type[MNV3_OP_COUNT];
  int act[8];               /* fused or standalone, by mnv3_act_type */
  int depthwise, global_pool, deconv;
} op_counts;

static op_counts
count_ops (const mnv3_graph *g)
{
  op_counts c;

  memset (&c, 0, sizeof c);
  for (int i = 0; i < g->num_nodes; i++) {
    const mnv3_gnode *n = &g->nodes[i];
    c.type[n->type]++;
    c.act[n->act.type]++;
    if (n->type == MNV3_OP_CONV && n->u.conv.groups > 1)
      c.depthwise++;
    if (n->type == MNV3_OP_POOL && n->u.pool.global)
      c.global_pool++;
    /* every weight input must be a constant */
    if (n->type == MNV3_OP_CONV || n->type == MNV3_OP_CONV_TRANSPOSE
        || n->type == MNV3_OP_FC)
      for (int k = 1; k < n->num_inputs; k++)
        ck_assert_ptr_nonnull (g->tensors[n->inputs[k]].data);
  }
  return c;
}

static const mnv3_gnode *
node_by_output (const mnv3_graph *g, const char *name)
{
  for (int i = 0; i < g->num_nodes; i++)
    if (!strcmp (g->tensors[g->nodes[i].output].name, name))
      return &g->nodes[i];
  ck_abort_msg ("no node produces '%s'", name);
  return NULL;
}

static void
expect_error (const uint8_t *d, size_t n, mnv3_status want,
    const char *substr)
{
  mnv3_graph *g = (mnv3_graph *) 1;
  mnv3_status st = mnv3_tflite_import (d, n, &g);

  ck_assert_msg (st != MNV3_OK, "import of a bad file succeeded");
  ck_assert_ptr_null (g);
  ck_assert_msg (strlen (mnv3_last_error ()) > 0, "no error message");
  if (want != MNV3_OK)
    ck_assert_msg (st == want, "status %d, wanted %d (%s)", st, want,
        mnv3_last_error ());
  if (substr)
    ck_assert_msg (strstr (mnv3_last_error (), substr) != NULL,
        "message '%s' lacks '%s'", mnv3_last_error (), substr);
}

/* ---- the real models --------------------------------------------------- */

START_TEST (test_classifier_graph)
{
  mnv3_graph *g = import_file ("mobilenet_v3_small_224_1.0_uint8.tflite");
  op_counts c = count_ops (g);
  const mnv3_gtensor *in, *out;
  const mnv3_gnode *n;
  int se_clips = 0;

  /* README: CONV_2D 43, DEPTHWISE 11, HARD_SWISH 19, MUL 18, ADD 15,
   * AVERAGE_POOL_2D 11, RESHAPE 1, SOFTMAX 1 = 119 operators */
  ck_assert_int_eq (g->num_nodes, 119);
  ck_assert_int_eq (c.type[MNV3_OP_CONV], 54);
  ck_assert_int_eq (c.depthwise, 11);
  ck_assert_int_eq (c.type[MNV3_OP_ACT], 19);
  ck_assert_int_eq (c.act[MNV3_ACT_HSWISH], 19);
  ck_assert_int_eq (c.type[MNV3_OP_BINARY], 33);
  ck_assert_int_eq (c.type[MNV3_OP_POOL], 11);
  ck_assert_int_eq (c.global_pool, 11);
  ck_assert_int_eq (c.type[MNV3_OP_RESHAPE], 1);
  ck_assert_int_eq (c.type[MNV3_OP_SOFTMAX], 1);
  /* ReLUs recovered from the output ranges */
  ck_assert_int_ge (c.act[MNV3_ACT_RELU], 10);
  n = node_by_output (g, "MobilenetV3/expanded_conv/depthwise/Relu");
  ck_assert_int_eq (n->act.type, MNV3_ACT_RELU);
  /* the SE gate relu6(x + 3): every ADD of the constant 3 clips to [0,6] */
  for (int i = 0; i < g->num_nodes; i++) {
    const mnv3_gnode *b = &g->nodes[i];
    const mnv3_gtensor *k;
    if (b->type != MNV3_OP_BINARY || b->u.binary != MNV3_BINARY_ADD)
      continue;
    k = &g->tensors[b->inputs[1]];
    if (k->data && mnv3_gtensor_numel (k) == 1 && k->data[0] == 3.f) {
      ck_assert_int_eq (b->act.type, MNV3_ACT_CLIP);
      ck_assert_float_eq (b->act.a, 0.f);
      ck_assert_float_eq (b->act.b, 6.f);
      se_clips++;
    }
  }
  ck_assert_int_eq (se_clips, 9);
  /* hard-swish outputs have negative ranges: no activation invented */
  n = node_by_output (g, "MobilenetV3/Conv/add_fold");
  ck_assert_int_eq (n->act.type, MNV3_ACT_NONE);
  ck_assert_int_eq (n->u.conv.pad_mode, MNV3_PAD_SAME_UPPER);
  ck_assert_int_eq (n->u.conv.sh, 2);
  /* depthwise weights became [c][kh][kw][1] */
  n = node_by_output (g, "MobilenetV3/expanded_conv_3/depthwise/add_fold");
  ck_assert_int_eq (n->u.conv.groups, 96);
  ck_assert_int_eq (g->tensors[n->inputs[1]].n, 96);
  ck_assert_int_eq (g->tensors[n->inputs[1]].h, 5);
  ck_assert_int_eq (g->tensors[n->inputs[1]].c, 1);

  ck_assert_int_eq (g->num_inputs, 1);
  ck_assert_int_eq (g->num_outputs, 1);
  in = &g->tensors[g->inputs[0]];
  ck_assert_str_eq (in->name, "input");
  ck_assert_int_eq (in->h, 224);
  ck_assert_int_eq (in->w, 224);
  ck_assert_int_eq (in->c, 3);
  out = &g->tensors[g->outputs[0]];
  ck_assert_str_eq (out->name, "MobilenetV3/Predictions/Softmax");
  ck_assert_int_eq (out->rank, 2);
  ck_assert_int_eq (out->c, 1001);
  /* uint8 input, scale 1/127, zero point 128 */
  ck_assert_str_eq (mnv3_graph_get_meta (g, "mean"), "128,128,128");
  ck_assert_str_eq (mnv3_graph_get_meta (g, "std"), "127,127,127");
  ck_assert_str_eq (mnv3_graph_get_meta (g, "format"), "tflite");
  mnv3_graph_free (g);
}
END_TEST

static void
check_selfie (const char *name, int h, int w)
{
  mnv3_graph *g = import_file (name);
  op_counts c = count_ops (g);
  const mnv3_gtensor *in = &g->tensors[g->inputs[0]];
  const mnv3_gtensor *out = &g->tensors[g->outputs[0]];

  /* README: CONV_2D 43 + DEPTHWISE 11, RELU 22, ADD 14, HARD_SWISH 11,
   * LOGISTIC 11, AVERAGE_POOL_2D 10, MUL 10, RESIZE_BILINEAR 3, one
   * Convolution2DTransposeBias; the 110 DEQUANTIZE are folded away */
  ck_assert_int_eq (c.type[MNV3_OP_CONV], 54);
  ck_assert_int_eq (c.depthwise, 11);
  ck_assert_int_eq (c.type[MNV3_OP_CONV_TRANSPOSE], 1);
  ck_assert_int_eq (c.type[MNV3_OP_ACT], 44);
  ck_assert_int_eq (c.act[MNV3_ACT_RELU], 22);
  ck_assert_int_eq (c.act[MNV3_ACT_HSWISH], 11);
  ck_assert_int_eq (c.act[MNV3_ACT_SIGMOID], 11);
  ck_assert_int_eq (c.type[MNV3_OP_BINARY], 24);
  ck_assert_int_eq (c.type[MNV3_OP_POOL], 10);
  ck_assert_int_eq (c.global_pool, 10);
  ck_assert_int_eq (c.type[MNV3_OP_RESIZE], 3);
  ck_assert_int_eq (g->num_nodes, 136);
  for (int i = 0; i < g->num_nodes; i++) {
    const mnv3_gnode *n = &g->nodes[i];
    if (n->type == MNV3_OP_RESIZE) {
      ck_assert_int_eq (n->u.resize.coord, MNV3_COORD_HALF_PIXEL);
      ck_assert_int_eq (n->u.resize.nearest, 0);
    }
    if (n->type == MNV3_OP_CONV_TRANSPOSE) {
      const mnv3_gtensor *wt = &g->tensors[n->inputs[1]];
      ck_assert_int_eq (n->u.conv.kh, 2);
      ck_assert_int_eq (n->u.conv.sh, 2);
      ck_assert_int_eq (n->u.conv.sw, 2);
      ck_assert_int_eq (n->u.conv.pad_t + n->u.conv.pad_b, 0);
      ck_assert_int_eq (n->u.conv.out_pad_h, 0);
      ck_assert_int_eq (n->num_inputs, 3);
      ck_assert_int_eq (wt->n, 1);
      ck_assert_int_eq (wt->c, 16);
    }
  }
  ck_assert_int_eq (in->h, h);
  ck_assert_int_eq (in->w, w);
  ck_assert_int_eq (in->c, 3);
  ck_assert_int_eq (out->h, h);
  ck_assert_int_eq (out->w, w);
  ck_assert_int_eq (out->c, 1);
  ck_assert_ptr_null (mnv3_graph_get_meta (g, "mean"));   /* float input */
  mnv3_graph_free (g);
}

START_TEST (test_selfie_graph)
{
  check_selfie ("selfie_segmentation.tflite", 256, 256);
  check_selfie ("selfie_segmentation_landscape.tflite", 144, 256);
}
END_TEST

static void
check_roadseg (const char *name, const char *mean, const char *std)
{
  mnv3_graph *g = import_file (name);
  op_counts c = count_ops (g);
  const mnv3_gtensor *in = &g->tensors[g->inputs[0]];
  const mnv3_gtensor *out = &g->tensors[g->outputs[0]];
  int local_pools = 0;

  /* README (fp32): CONV_2D 45 + DEPTHWISE 11, MUL 20, HARD_SWISH 18,
   * MEAN 9, ADD 7, RESIZE_BILINEAR 5, AVERAGE_POOL_2D 1, ARG_MAX 1 */
  ck_assert_int_eq (c.type[MNV3_OP_CONV], 56);
  ck_assert_int_eq (c.depthwise, 11);
  ck_assert_int_eq (c.act[MNV3_ACT_HSWISH], 18);
  ck_assert_int_ge (c.type[MNV3_OP_BINARY], 27);
  ck_assert_int_eq (c.type[MNV3_OP_POOL], 10);
  ck_assert_int_eq (c.global_pool, 9);
  ck_assert_int_eq (c.type[MNV3_OP_RESIZE], 5);
  ck_assert_int_eq (c.type[MNV3_OP_ARGMAX], 1);
  ck_assert_int_ge (c.act[MNV3_ACT_RELU], 10);    /* aspp0/Relu etc. */
  for (int i = 0; i < g->num_nodes; i++) {
    const mnv3_gnode *n = &g->nodes[i];
    if (n->type == MNV3_OP_RESIZE)
      ck_assert_int_eq (n->u.resize.coord, MNV3_COORD_ALIGN_CORNERS);
    if (n->type == MNV3_OP_POOL && !n->u.pool.global) {
      /* the LR-ASPP pooling: 13x25 stride 4x5 VALID */
      ck_assert_int_eq (n->u.pool.kh, 13);
      ck_assert_int_eq (n->u.pool.kw, 25);
      ck_assert_int_eq (n->u.pool.sh, 4);
      ck_assert_int_eq (n->u.pool.sw, 5);
      ck_assert_int_eq (n->u.pool.pad_mode, MNV3_PAD_VALID);
      local_pools++;
    }
  }
  ck_assert_int_eq (local_pools, 1);
  ck_assert_int_eq (node_by_output (g, "aspp0/Relu")->act.type,
      MNV3_ACT_RELU);
  ck_assert_str_eq (in->name, "MobilenetV3/MobilenetV3/input");
  ck_assert_int_eq (in->h, 513);
  ck_assert_int_eq (in->w, 1025);
  ck_assert_str_eq (out->name, "ArgMax");
  ck_assert_int_eq (out->rank, 3);
  ck_assert_int_eq (out->h, 513);
  ck_assert_int_eq (out->w, 1025);
  ck_assert_int_eq (out->c, 1);
  if (mean) {
    ck_assert_str_eq (mnv3_graph_get_meta (g, "mean"), mean);
    ck_assert_str_eq (mnv3_graph_get_meta (g, "std"), std);
  } else
    ck_assert_ptr_null (mnv3_graph_get_meta (g, "mean"));
  mnv3_graph_free (g);
}

START_TEST (test_roadseg_graphs)
{
  check_roadseg ("lraspp_mobilenet_v3_small_roadseg_f.tflite", NULL, NULL);
  /* uint8: raw pixels, scale 1/127.5, zero point 128 */
  check_roadseg ("lraspp_mobilenet_v3_small_roadseg_q.tflite",
      "128,128,128", "127.5,127.5,127.5");
  /* int8: scale 1/128, zero point 0 -> pixel - 128 */
  check_roadseg ("lraspp_mobilenet_v3_small_roadseg_i8.tflite",
      "128,128,128", "128,128,128");
}
END_TEST

/* int8 per-channel and uint8 per-tensor weights agree with the fp32
 * model's within their quantization (same network, same BN folding). */
START_TEST (test_roadseg_weights_agree)
{
  mnv3_graph *f = import_file ("lraspp_mobilenet_v3_small_roadseg_f.tflite");
  mnv3_graph *q = import_file ("lraspp_mobilenet_v3_small_roadseg_i8.tflite");
  const mnv3_gnode *a = &f->nodes[0], *b = &q->nodes[0];

  for (int k = 1; k < 3; k++) {
    const mnv3_gtensor *x = &f->tensors[a->inputs[k]];
    const mnv3_gtensor *y = &q->tensors[b->inputs[k]];
    double err = 0, ref = 0;
    ck_assert_int_eq (mnv3_gtensor_numel (x), mnv3_gtensor_numel (y));
    for (int64_t i = 0; i < mnv3_gtensor_numel (x); i++) {
      err += (x->data[i] - y->data[i]) * (double) (x->data[i] - y->data[i]);
      ref += x->data[i] * (double) x->data[i];
    }
    /* relative RMS error of 8-bit weights: well under 2 % */
    ck_assert_msg (sqrt (err / ref) < 0.02, "input %d: rel. error %g", k,
        sqrt (err / ref));
  }
  mnv3_graph_free (f);
  mnv3_graph_free (q);
}
END_TEST

/* ---- synthetic models -------------------------------------------------- */

static mnv3_graph *
import_model (const tb_model *m)
{
  size_t n;
  uint8_t *d = tb_model_write (m, &n);
  mnv3_graph *g = import_ok (d, n);
  free (d);
  return g;
}

static void
expect_model_error (const tb_model *m, mnv3_status want, const char *sub)
{
  size_t n;
  uint8_t *d = tb_model_write (m, &n);
  expect_error (d, n, want, sub);
  free (d);
}

/* uint8 input (scale 0.25, zp 128) -> PAD -> CONV_2D VALID 3x3/2 with
 * uint8 weights, int32 bias without own scale, output range [0,6]. */
static const uint8_t conv_w[2 * 3 * 3 * 3] = {
  10, 12, 14, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
  10, 10, 10, 10, 10, 10, 10, 10, 255,
  0, 10, 20, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
  10, 10, 10, 10, 10, 10, 10, 10, 11,
};
static const int32_t conv_b[2] = { 4, -8 };

static void
build_conv (tb_model *m)
{
  tb_build_pad_conv (m, conv_w, conv_b);
}

START_TEST (test_conv_pad_quant)
{
  tb_model m;
  mnv3_graph *g;
  const mnv3_gnode *n;
  const mnv3_gtensor *w, *b;

  build_conv (&m);
  g = import_model (&m);
  ck_assert_int_eq (g->num_nodes, 1);            /* PAD folded */
  n = &g->nodes[0];
  ck_assert_int_eq (n->type, MNV3_OP_CONV);
  ck_assert_int_eq (n->inputs[0], g->inputs[0]);
  ck_assert_int_eq (n->u.conv.pad_mode, MNV3_PAD_EXPLICIT);
  ck_assert_int_eq (n->u.conv.pad_t, 1);
  ck_assert_int_eq (n->u.conv.pad_b, 2);
  ck_assert_int_eq (n->u.conv.pad_l, 0);
  ck_assert_int_eq (n->u.conv.pad_r, 1);
  ck_assert_int_eq (n->u.conv.kh, 3);
  ck_assert_int_eq (n->u.conv.sw, 2);
  ck_assert_int_eq (n->u.conv.groups, 1);
  /* output range [0, 6] -> ReLU6 */
  ck_assert_int_eq (n->act.type, MNV3_ACT_CLIP);
  ck_assert_float_eq (n->act.b, 6.f);
  w = &g->tensors[n->inputs[1]];
  ck_assert_int_eq (w->n, 2);
  ck_assert_int_eq (w->c, 3);
  for (int i = 0; i < 54; i++)
    ck_assert_float_eq_tol (w->data[i], 0.5f * (conv_w[i] - 10), 1e-6f);
  /* int32 bias scale = s_in * s_w = 0.125 */
  b = &g->tensors[n->inputs[2]];
  ck_assert_int_eq (b->c, 2);
  ck_assert_float_eq_tol (b->data[0], 0.5f, 1e-6f);
  ck_assert_float_eq_tol (b->data[1], -1.f, 1e-6f);
  ck_assert_str_eq (mnv3_graph_get_meta (g, "mean"), "128,128,128");
  ck_assert_str_eq (mnv3_graph_get_meta (g, "std"), "4,4,4");
  mnv3_graph_free (g);

  /* a PAD that feeds something else than a conv is refused */
  build_conv (&m);
  m.op[1].code = 19;                             /* RELU */
  m.op[1].nin = 1;
  m.op[1].opt_type = 0;
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "PAD");
  /* a short weight buffer is a format error naming the tensor */
  build_conv (&m);
  m.buf[1].len = 50;
  expect_model_error (&m, MNV3_ERR_FORMAT, "'w'");
}
END_TEST

/* int8 per-channel depthwise weights (quantized_dimension 3) and fp16
 * weights through a DEQUANTIZE that is folded. */
static const int8_t dw_w[2 * 2 * 3] = { 1, 2, 3, 4, 5, 6, -1, -2, -3, -4,
  -5, -6 };
static const uint16_t f16_w[3] = { 0x3c00, 0xc000, 0x3555 };

START_TEST (test_dw_int8_fp16)
{
  tb_model m;
  mnv3_graph *g;
  const mnv3_gnode *n;
  const mnv3_gtensor *w;
  int in[3];
  tb_op o;

  memset (&m, 0, sizeof m);
  m.version = 3;
  m.t[0] = tb_tensor_new ("x", T_F32, 4, 1, 6, 6, 3, 0);
  m.t[1] = tb_tensor_new ("w", T_I8, 4, 1, 2, 2, 3, tb_add_buffer (&m, dw_w, sizeof dw_w));
  m.t[1].nscale = 3;
  m.t[1].scale[0] = 1.f;
  m.t[1].scale[1] = 2.f;
  m.t[1].scale[2] = 0.5f;
  m.t[1].qdim = 3;
  m.t[2] = tb_tensor_new ("y", T_F32, 4, 1, 6, 6, 3, 0);
  m.t[3] = tb_tensor_new ("b16", T_F16, 1, 3, 0, 0, 0,
      tb_add_buffer (&m, f16_w, sizeof f16_w));
  m.t[4] = tb_tensor_new ("b", T_F32, 1, 3, 0, 0, 0, 0);
  m.t[5] = tb_tensor_new ("z", T_F32, 4, 1, 6, 6, 3, 0);
  m.ntensors = 6;
  in[0] = 0;
  in[1] = 1;
  o = tb_op_new (4, 2, in, 2);                          /* DEPTHWISE_CONV_2D */
  o.opt_type = 2;
  tb_opt_int (&o, 0, 0);                                 /* SAME */
  tb_opt_int (&o, 1, 1);
  tb_opt_int (&o, 2, 1);
  tb_opt_int (&o, 3, 1);
  tb_opt_int (&o, 4, 3);                                 /* fused RELU6 */
  m.op[0] = o;
  in[0] = 3;
  m.op[1] = tb_op_new (6, 1, in, 4);                    /* DEQUANTIZE */
  in[0] = 2;
  in[1] = 4;
  o = tb_op_new (0, 2, in, 5);                          /* ADD (per-channel) */
  o.opt_type = 11;
  tb_opt_int (&o, 0, 1);                                 /* fused RELU */
  m.op[2] = o;
  m.nops = 3;
  m.nin = 1;
  m.nout = 1;
  m.out[0] = 5;
  g = import_model (&m);
  ck_assert_int_eq (g->num_nodes, 2);
  n = &g->nodes[0];
  ck_assert_int_eq (n->u.conv.groups, 3);
  ck_assert_int_eq (n->u.conv.pad_mode, MNV3_PAD_SAME_UPPER);
  ck_assert_int_eq (n->act.type, MNV3_ACT_CLIP);
  w = &g->tensors[n->inputs[1]];
  ck_assert_int_eq (w->n, 3);
  ck_assert_int_eq (w->h, 2);
  ck_assert_int_eq (w->w, 2);
  ck_assert_int_eq (w->c, 1);
  /* [1][kh][kw][c] -> [c][kh][kw][1], channel c scaled by scale[c] */
  for (int ch = 0; ch < 3; ch++)
    for (int k = 0; k < 4; k++)
      ck_assert_float_eq_tol (w->data[ch * 4 + k],
          m.t[1].scale[ch] * dw_w[k * 3 + ch], 1e-6f);
  n = &g->nodes[1];
  ck_assert_int_eq (n->type, MNV3_OP_BINARY);
  ck_assert_int_eq (n->u.binary, MNV3_BINARY_ADD);
  ck_assert_int_eq (n->act.type, MNV3_ACT_RELU);
  w = &g->tensors[n->inputs[1]];
  ck_assert_ptr_nonnull (w->data);
  ck_assert_int_eq (w->c, 3);
  ck_assert_float_eq (w->data[0], 1.f);
  ck_assert_float_eq (w->data[1], -2.f);
  ck_assert_float_eq_tol (w->data[2], 1.f / 3.f, 1e-3f);
  mnv3_graph_free (g);

  /* per-channel scales that do not match the quantized dimension */
  m.t[1].qdim = 2;
  expect_model_error (&m, MNV3_ERR_FORMAT, "scales");
}
END_TEST

/* TRANSPOSE_CONV and the MediaPipe custom op: explicit padding. */
static const float tc_w[4 * 3 * 3 * 2];
static const int32_t tc_shape[4] = { 1, 8, 8, 4 };
static const int32_t mp_opts[3] = { 1, 2, 2 };   /* SAME, stride 2x2 */
static const float mp_b[4] = { 1, 2, 3, 4 };

START_TEST (test_transpose_conv)
{
  tb_model m;
  mnv3_graph *g;
  const mnv3_gnode *n;
  int in[4];
  tb_op o;

  memset (&m, 0, sizeof m);
  m.version = 3;
  m.t[0] = tb_tensor_new ("x", T_F32, 4, 1, 4, 4, 2, 0);
  m.t[1] = tb_tensor_new ("shape", T_I32, 1, 4, 0, 0, 0,
      tb_add_buffer (&m, tc_shape, sizeof tc_shape));
  m.t[2] = tb_tensor_new ("w", T_F32, 4, 4, 3, 3, 2, tb_add_buffer (&m, tc_w,
          sizeof tc_w));
  m.t[3] = tb_tensor_new ("y", T_F32, 4, 1, 8, 8, 4, 0);
  m.t[4] = tb_tensor_new ("w2", T_F32, 4, 4, 2, 2, 4, tb_add_buffer (&m, tc_w, 64 * 4));
  m.t[5] = tb_tensor_new ("b2", T_F32, 1, 4, 0, 0, 0, tb_add_buffer (&m, mp_b,
          sizeof mp_b));
  m.t[6] = tb_tensor_new ("z", T_F32, 4, 1, 16, 16, 4, 0);
  m.ntensors = 7;
  in[0] = 1;
  in[1] = 2;
  in[2] = 0;
  o = tb_op_new (67, 3, in, 3);                         /* TRANSPOSE_CONV */
  o.opt_type = 49;
  tb_opt_int (&o, 0, 0);                                 /* SAME */
  tb_opt_int (&o, 1, 2);
  tb_opt_int (&o, 2, 2);
  m.op[0] = o;
  in[0] = 3;
  in[1] = 4;
  in[2] = 5;
  o = tb_op_new (32, 3, in, 6);
  o.custom = "Convolution2DTransposeBias";
  o.custom_opts = mp_opts;
  o.custom_len = sizeof mp_opts;
  m.op[1] = o;
  m.nops = 2;
  m.nin = 1;
  m.nout = 1;
  m.out[0] = 6;
  g = import_model (&m);
  ck_assert_int_eq (g->num_nodes, 2);
  n = &g->nodes[0];
  ck_assert_int_eq (n->type, MNV3_OP_CONV_TRANSPOSE);
  ck_assert_int_eq (n->num_inputs, 2);
  /* total = (4-1)*2 + 3 - 8 = 1: 0 before, 1 after (TF SAME) */
  ck_assert_int_eq (n->u.conv.pad_t, 0);
  ck_assert_int_eq (n->u.conv.pad_b, 1);
  ck_assert_int_eq (n->u.conv.pad_l, 0);
  ck_assert_int_eq (n->u.conv.pad_r, 1);
  ck_assert_int_eq (n->u.conv.kh, 3);
  n = &g->nodes[1];
  ck_assert_int_eq (n->type, MNV3_OP_CONV_TRANSPOSE);
  ck_assert_int_eq (n->num_inputs, 3);
  ck_assert_int_eq (n->u.conv.sh, 2);
  ck_assert_int_eq (n->u.conv.pad_t + n->u.conv.pad_b, 0);
  ck_assert_float_eq (g->tensors[n->inputs[2]].data[3], 4.f);
  mnv3_graph_free (g);

  m.op[1].custom_len = 4;                         /* truncated params */
  expect_model_error (&m, MNV3_ERR_FORMAT, "custom options");
  m.op[1].custom_len = sizeof mp_opts;
  m.op[1].custom = "SomethingElse";
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "SomethingElse");
}
END_TEST

/* A chain of the remaining operators, checked node by node. */
static const int32_t axes_hw[2] = { 1, 2 };
static const float fc_w[5 * 4];
static const int32_t rs_shape[2] = { 1, -1 };
static const int32_t size_hw[2] = { 6, 10 };
static const int32_t axis3[1] = { 3 };

START_TEST (test_op_chain)
{
  tb_model m;
  mnv3_graph *g;
  int in[3];
  tb_op o;
  /* the concat's fused ReLU becomes its own ACT node (index 5) */
  static const mnv3_op_type want[] = { MNV3_OP_ACT, MNV3_OP_ACT,
    MNV3_OP_RESIZE, MNV3_OP_RESIZE, MNV3_OP_CONCAT, MNV3_OP_ACT,
    MNV3_OP_ARGMAX, MNV3_OP_POOL, MNV3_OP_POOL, MNV3_OP_FC,
    MNV3_OP_RESHAPE, MNV3_OP_SOFTMAX, MNV3_OP_BINARY };

  memset (&m, 0, sizeof m);
  m.version = 3;
  m.t[0] = tb_tensor_new ("x", T_F32, 4, 1, 3, 5, 4, 0);
  m.t[1] = tb_tensor_new ("hs", T_F32, 4, 1, 3, 5, 4, 0);
  m.t[2] = tb_tensor_new ("sig", T_F32, 4, 1, 3, 5, 4, 0);
  m.t[3] = tb_tensor_new ("size", T_I32, 1, 2, 0, 0, 0,
      tb_add_buffer (&m, size_hw, sizeof size_hw));
  m.t[4] = tb_tensor_new ("up", T_F32, 4, 1, 6, 10, 4, 0);
  m.t[5] = tb_tensor_new ("up2", T_F32, 4, 1, 6, 10, 4, 0);
  m.t[6] = tb_tensor_new ("cat", T_F32, 4, 1, 6, 10, 8, 0);
  m.t[7] = tb_tensor_new ("axis", T_I32, 1, 1, 0, 0, 0,
      tb_add_buffer (&m, axis3, sizeof axis3));
  m.t[8] = tb_tensor_new ("am", T_I64, 3, 1, 6, 10, 0, 0);
  m.t[9] = tb_tensor_new ("axes", T_I32, 1, 2, 0, 0, 0,
      tb_add_buffer (&m, axes_hw, sizeof axes_hw));
  m.t[10] = tb_tensor_new ("mean", T_F32, 2, 1, 4, 0, 0, 0);
  m.t[11] = tb_tensor_new ("fcw", T_F32, 2, 5, 4, 0, 0,
      tb_add_buffer (&m, fc_w, sizeof fc_w));
  m.t[12] = tb_tensor_new ("fc", T_F32, 2, 1, 5, 0, 0, 0);
  m.t[13] = tb_tensor_new ("rs", T_I32, 1, 2, 0, 0, 0,
      tb_add_buffer (&m, rs_shape, sizeof rs_shape));
  m.t[14] = tb_tensor_new ("flat", T_F32, 2, 1, 5, 0, 0, 0);
  m.t[15] = tb_tensor_new ("prob", T_F32, 2, 1, 5, 0, 0, 0);
  m.t[16] = tb_tensor_new ("mx", T_F32, 4, 1, 2, 3, 4, 0);
  m.t[17] = tb_tensor_new ("diff", T_F32, 2, 1, 5, 0, 0, 0);
  m.ntensors = 18;
  in[0] = 0;
  m.op[0] = tb_op_new (117, 1, in, 1);                  /* HARD_SWISH */
  m.op[1] = tb_op_new (14, 1, in, 2);                   /* LOGISTIC */
  in[0] = 2;
  in[1] = 3;
  o = tb_op_new (23, 2, in, 4);                         /* RESIZE_BILINEAR */
  o.opt_type = 15;
  tb_opt_int (&o, 2, 1);                                 /* align_corners */
  m.op[2] = o;
  in[0] = 1;
  o = tb_op_new (97, 2, in, 5);                         /* RESIZE_NEAREST */
  m.op[3] = o;
  in[0] = 4;
  in[1] = 5;
  o = tb_op_new (2, 2, in, 6);                          /* CONCATENATION */
  o.opt_type = 10;
  tb_opt_int (&o, 0, -1);
  tb_opt_int (&o, 1, 1);                                 /* fused RELU */
  m.op[4] = o;
  in[0] = 6;
  in[1] = 7;
  m.op[5] = tb_op_new (56, 2, in, 8);                   /* ARG_MAX */
  in[0] = 0;
  in[1] = 9;
  m.op[6] = tb_op_new (40, 2, in, 10);                  /* MEAN */
  in[0] = 0;
  o = tb_op_new (17, 1, in, 16);                        /* MAX_POOL_2D */
  o.opt_type = 5;
  tb_opt_int (&o, 0, 0);
  tb_opt_int (&o, 1, 2);
  tb_opt_int (&o, 2, 2);
  tb_opt_int (&o, 3, 2);
  tb_opt_int (&o, 4, 2);
  m.op[7] = o;
  in[0] = 10;
  in[1] = 11;
  in[2] = -1;                                     /* no bias */
  m.op[8] = tb_op_new (9, 3, in, 12);                   /* FULLY_CONNECTED */
  in[0] = 12;
  in[1] = 13;
  m.op[9] = tb_op_new (22, 2, in, 14);                  /* RESHAPE */
  in[0] = 14;
  m.op[10] = tb_op_new (25, 1, in, 15);                 /* SOFTMAX */
  in[0] = 15;
  in[1] = 14;
  m.op[11] = tb_op_new (41, 2, in, 17);                 /* SUB */
  m.nops = 12;
  m.nin = 1;
  m.nout = 3;
  m.out[0] = 8;
  m.out[1] = 17;
  m.out[2] = 16;
  g = import_model (&m);
  ck_assert_int_eq (g->num_nodes, 13);
  for (int i = 0; i < g->num_nodes; i++)
    ck_assert_msg (g->nodes[i].type == want[i], "node %d: type %d, want %d",
        i, g->nodes[i].type, want[i]);
  ck_assert_int_eq (g->nodes[4].output, g->nodes[5].inputs[0]);
  ck_assert_int_eq (g->nodes[0].act.type, MNV3_ACT_HSWISH);
  ck_assert_int_eq (g->nodes[1].act.type, MNV3_ACT_SIGMOID);
  ck_assert_int_eq (g->nodes[2].u.resize.coord, MNV3_COORD_ALIGN_CORNERS);
  ck_assert_int_eq (g->nodes[2].u.resize.out_h, 6);
  ck_assert_int_eq (g->nodes[2].u.resize.out_w, 10);
  ck_assert_int_eq (g->nodes[3].u.resize.nearest, 1);
  ck_assert_int_eq (g->nodes[3].u.resize.coord, MNV3_COORD_ASYMMETRIC);
  ck_assert_int_eq (g->nodes[5].act.type, MNV3_ACT_RELU);
  /* concat over the last axis of a rank-4 tensor */
  for (int i = 0; i < g->num_nodes; i++) {
    const mnv3_gnode *n = &g->nodes[i];
    if (n->type == MNV3_OP_CONCAT) {
      ck_assert_int_eq (n->u.concat_axis, 3);
      ck_assert_int_eq (n->act.type, MNV3_ACT_NONE);
    }
    if (n->type == MNV3_OP_POOL && n->u.pool.type == MNV3_POOL_AVG)
      ck_assert_int_eq (n->u.pool.global, 1);
    if (n->type == MNV3_OP_POOL && n->u.pool.type == MNV3_POOL_MAX) {
      ck_assert_int_eq (n->u.pool.global, 0);
      ck_assert_int_eq (n->u.pool.kh, 2);
      ck_assert_int_eq (n->u.pool.pad_mode, MNV3_PAD_SAME_UPPER);
    }
    if (n->type == MNV3_OP_FC) {
      ck_assert_int_eq (n->num_inputs, 2);
      ck_assert_int_eq (g->tensors[n->inputs[1]].n, 5);
      ck_assert_int_eq (g->tensors[n->inputs[1]].c, 4);
    }
    if (n->type == MNV3_OP_RESHAPE) {
      ck_assert_int_eq (n->u.reshape.shape[0], 1);
      ck_assert_int_eq (n->u.reshape.shape[3], -1);
    }
    if (n->type == MNV3_OP_BINARY)
      ck_assert_int_eq (n->u.binary, MNV3_BINARY_SUB);
  }
  ck_assert_int_eq (g->num_outputs, 3);
  ck_assert_int_eq (g->tensors[g->outputs[0]].rank, 3);
  ck_assert_int_eq (g->tensors[g->outputs[0]].h, 6);
  ck_assert_int_eq (g->tensors[g->outputs[0]].w, 10);
  ck_assert_int_eq (g->tensors[g->outputs[0]].c, 1);
  mnv3_graph_free (g);

  /* nearest with half-pixel centres is refused rather than approximated */
  m.op[3].opt_type = 74;
  tb_opt_int (&m.op[3], 1, 1);
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "RESIZE_NEAREST_NEIGHBOR");
  m.op[3].opt_type = 0;
  m.op[3].nopt = 0;
  /* MEAN over the channels is not supported */
  m.t[9].dims[0] = 1;
  m.buf[m.t[9].buffer - 1].len = 4;
  {
    static const int32_t axis_c[1] = { 3 };
    m.buf[m.t[9].buffer - 1].data = axis_c;
    expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "MEAN");
  }
}
END_TEST

START_TEST (test_unsupported)
{
  tb_model m;
  int in[1] = { 0 };
  tb_op o;

  memset (&m, 0, sizeof m);
  m.version = 3;
  m.t[0] = tb_tensor_new ("x", T_F32, 4, 1, 4, 4, 2, 0);
  m.t[1] = tb_tensor_new ("y", T_F32, 4, 1, 4, 4, 2, 0);
  m.ntensors = 2;
  m.op[0] = tb_op_new (28, 1, in, 1);                   /* TANH */
  m.nops = 1;
  m.nin = 1;
  m.nout = 1;
  m.out[0] = 1;
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "operator 0");
  m.op[0].code = 150;                             /* a builtin > 127 */
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "builtin operator 150");
  /* fused TANH on an ADD */
  m.op[0] = tb_op_new (0, 1, in, 1);
  m.op[0].nin = 2;
  m.op[0].in[1] = 0;
  m.op[0].opt_type = 11;
  tb_opt_int (&m.op[0], 0, 4);
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "TANH");
  /* schema version */
  m.op[0].nopt = 0;
  m.version = 2;
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "version");
  m.version = 3;
  /* a graph output nobody produces */
  m.t[2] = tb_tensor_new ("orphan", T_F32, 4, 1, 4, 4, 2, 0);
  m.ntensors = 3;
  m.out[0] = 2;
  expect_model_error (&m, MNV3_ERR_FORMAT, "never produced");
  m.out[0] = 1;
  /* a tensor read before it is produced (also what a cycle looks like) */
  o = tb_op_new (19, 1, in, 1);
  o.in[0] = 1;
  m.op[0] = o;
  expect_model_error (&m, MNV3_ERR_FORMAT, "before it is produced");
  /* an input index out of range */
  m.op[0].in[0] = 7;
  expect_model_error (&m, MNV3_ERR_FORMAT, "operator 0");
  /* absurd sizes */
  m.op[0].in[0] = 0;
  m.t[0].dims[1] = 1 << 30;
  expect_model_error (&m, MNV3_ERR_FORMAT, "dimension");
  m.t[0].dims[1] = 1 << 20;
  m.t[0].dims[2] = 1 << 20;
  expect_model_error (&m, MNV3_ERR_NOMEM, "large");
  m.t[0].dims[1] = m.t[0].dims[2] = 4;
  m.t[0].dims[3] = -5;
  expect_model_error (&m, MNV3_ERR_FORMAT, "dimension");
  m.t[0].dims[3] = 2;
  m.t[0].rank = 6;
  expect_model_error (&m, MNV3_ERR_UNSUPPORTED, "rank");
}
END_TEST

/* ---- corrupt files ----------------------------------------------------- */

START_TEST (test_bad_header)
{
  size_t n;
  uint8_t *d = read_model ("selfie_segmentation.tflite", &n);
  uint8_t small[8] = { 0 };

  expect_error (small, 0, MNV3_ERR_FORMAT, NULL);
  expect_error (small, 7, MNV3_ERR_FORMAT, NULL);
  expect_error (small, 8, MNV3_ERR_FORMAT, NULL);
  d[4] = 'X';
  expect_error (d, n, MNV3_ERR_FORMAT, "identifier");
  d[4] = 'T';
  /* root offset beyond the end */
  d[3] = 0x7f;
  expect_error (d, n, MNV3_ERR_FORMAT, "offset");
  d[3] = 0;
  ck_assert_int_eq (mnv3_tflite_import (NULL, 10, NULL),
      MNV3_ERR_INVALID_ARG);
  free (d);
}
END_TEST

static uint32_t
lcg (uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* Every truncation of the file is rejected with a message. */
static void
truncations (const char *name, int steps)
{
  size_t n;
  uint8_t *d = read_model (name, &n);

  for (int i = 0; i < steps; i++) {
    size_t len = i < 64 ? (size_t) i : (n - 1) * (size_t) i / steps;
    uint8_t *copy = malloc (len ? len : 1);   /* exact size for ASan */
    mnv3_graph *g = NULL;
    mnv3_status st;
    memcpy (copy, d, len);
    st = mnv3_tflite_import (copy, len, &g);
    ck_assert_msg (st != MNV3_OK, "%s truncated at %zu imported", name, len);
    ck_assert_msg (mnv3_last_error ()[0], "no message at %zu", len);
    free (copy);
  }
  free (d);
}

START_TEST (test_truncated)
{
  truncations ("selfie_segmentation.tflite", 400);
  truncations ("mobilenet_v3_small_224_1.0_uint8.tflite", 120);
}
END_TEST

/* Flipped bytes anywhere: an error with a message, or a graph (a flipped
 * weight is still a valid file); never a crash or an out-of-bounds read. */
static void
flips (const char *name, int cases, int bytes_per_case, uint32_t seed)
{
  size_t n;
  uint8_t *d = read_model (name, &n);
  uint8_t *copy = malloc (n);
  int failed = 0;

  for (int i = 0; i < cases; i++) {
    mnv3_graph *g = NULL;
    mnv3_status st;
    memcpy (copy, d, n);
    for (int k = 0; k < bytes_per_case; k++) {
      /* half of the flips hit the first 4 KiB: the tables live there in
       * small models, weights elsewhere */
      size_t pos = (k & 1) ? lcg (&seed) % n : lcg (&seed) % (n < 4096 ? n :
          4096);
      copy[pos] ^= (uint8_t) (1 + lcg (&seed) % 255);
    }
    st = mnv3_tflite_import (copy, n, &g);
    if (st != MNV3_OK) {
      ck_assert_ptr_null (g);
      ck_assert_msg (mnv3_last_error ()[0], "no message, case %d", i);
      failed++;
    } else
      mnv3_graph_free (g);
  }
  /* many of them hit structure, not just weights */
  ck_assert_int_gt (failed, cases / 20);
  free (copy);
  free (d);
}

START_TEST (test_flipped_bytes)
{
  flips ("selfie_segmentation.tflite", 1500, 1, 12345);
  flips ("selfie_segmentation.tflite", 300, 8, 777);
  flips ("mobilenet_v3_small_224_1.0_uint8.tflite", 60, 4, 4242);
}
END_TEST

/* Random bytes behind a valid identifier. */
START_TEST (test_garbage)
{
  uint32_t seed = 99;
  uint8_t buf[512];

  for (int i = 0; i < 2000; i++) {
    mnv3_graph *g = NULL;
    size_t len = 8 + lcg (&seed) % (sizeof buf - 8);
    for (size_t k = 0; k < len; k++)
      buf[k] = (uint8_t) lcg (&seed);
    /* small root offsets so that some tables get parsed */
    buf[0] = (uint8_t) (lcg (&seed) % 64) & ~3u;
    buf[1] = buf[2] = buf[3] = 0;
    memcpy (buf + 4, "TFL3", 4);
    if (mnv3_tflite_import (buf, len, &g) == MNV3_OK)
      mnv3_graph_free (g);
    else
      ck_assert (mnv3_last_error ()[0]);
  }
}
END_TEST

static Suite *
tflite_suite (void)
{
  Suite *s = suite_create ("tflite-import");
  TCase *tc = tcase_create ("models");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_classifier_graph);
  tcase_add_test (tc, test_selfie_graph);
  tcase_add_test (tc, test_roadseg_graphs);
  tcase_add_test (tc, test_roadseg_weights_agree);
  suite_add_tcase (s, tc);
  tc = tcase_create ("synthetic");
  tcase_add_test (tc, test_conv_pad_quant);
  tcase_add_test (tc, test_dw_int8_fp16);
  tcase_add_test (tc, test_transpose_conv);
  tcase_add_test (tc, test_op_chain);
  tcase_add_test (tc, test_unsupported);
  suite_add_tcase (s, tc);
  tc = tcase_create ("corrupt");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_bad_header);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_flipped_bytes);
  tcase_add_test (tc, test_garbage);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (tflite_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
