/* The integer graph of quantized TFLite models (suite "tflite"): what the
 * importer keeps (types, quantization, raw weights, conversions), the
 * float-input normalisation implied by a first QUANTIZE, and the session's
 * float <-> integer boundary (TFLite's QUANTIZE rounding).
 * Whole-model bytes against TFLite itself: tests/quant/test_tflite_exact.py.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "tfl-builder.h"

/* uint8 input (scale 0.25, zp 128) -> PAD -> CONV_2D VALID 3x3/2, uint8
 * weights (zp 10), int32 bias, output range [0, 6] (scale 6/255, zp 0). */
static const uint8_t conv_w[2 * 3 * 3 * 3] = {
  10, 12, 8, 30, 0, 255, 11, 10, 10, 9, 10, 40, 10, 10, 10, 10, 10, 10,
  20, 1, 10, 10, 200, 10, 3, 10, 10,
  10, 10, 11, 12, 13, 14, 15, 16, 17, 7, 6, 5, 4, 3, 2, 1, 0, 10,
  99, 10, 10, 10, 10, 10, 10, 10, 10,
};
static const int32_t conv_b[2] = { 4, -8 };

static void
build_conv (tb_model *m)
{
  tb_build_pad_conv (m, conv_w, conv_b);
}

/* x float [1,2,3,3] -> QUANTIZE (int8, 1/255, -128) -> DEQUANTIZE -> y */
static void
build_quantize (tb_model *m, float scale, int64_t zp)
{
  int in[1];

  memset (m, 0, sizeof *m);
  m->version = 3;
  m->t[0] = tb_tensor_new ("x", T_F32, 4, 1, 2, 3, 3, 0);
  m->t[1] = tb_tensor_new ("q", T_I8, 4, 1, 2, 3, 3, 0);
  tb_quant (&m->t[1], scale, zp);
  m->t[2] = tb_tensor_new ("y", T_F32, 4, 1, 2, 3, 3, 0);
  m->ntensors = 3;
  in[0] = 0;
  m->op[0] = tb_op_new (114, 1, in, 1);         /* QUANTIZE */
  in[0] = 1;
  m->op[1] = tb_op_new (6, 1, in, 2);           /* DEQUANTIZE */
  m->nops = 2;
  m->nin = 1;
  m->in[0] = 0;
  m->nout = 1;
  m->out[0] = 2;
}

static mnv3_graph *
import_integer (const tb_model *m, mnv3_status want)
{
  size_t n;
  uint8_t *d = tb_model_write (m, &n);
  mnv3_graph *g = NULL;
  mnv3_status st = mnv3_tflite_import_integer (d, n, &g);

  free (d);
  ck_assert_msg (st == want, "integer import gave %d (%s), want %d", st,
      mnv3_last_error (), want);
  return g;
}

START_TEST (test_conv_kept_integer)
{
  tb_model m;
  mnv3_graph *g;
  const mnv3_gnode *n;
  const mnv3_gtensor *x, *w, *b, *y;

  build_conv (&m);
  g = import_integer (&m, MNV3_OK);
  ck_assert_int_eq (g->integer, 1);
  ck_assert_int_eq (g->num_nodes, 1);           /* PAD folded, as in float */
  n = &g->nodes[0];
  ck_assert_int_eq (n->type, MNV3_OP_CONV);
  ck_assert_int_eq (n->u.conv.pad_mode, MNV3_PAD_EXPLICIT);
  ck_assert_int_eq (n->u.conv.pad_t, 1);
  ck_assert_int_eq (n->u.conv.pad_b, 2);
  /* the range [0, 6] stays a range: no activation recovered */
  ck_assert_int_eq (n->act.type, MNV3_ACT_NONE);
  x = &g->tensors[n->inputs[0]];
  ck_assert_int_eq (x->type, MNV3_DTYPE_U8);
  ck_assert_int_eq (x->q.num, 1);
  ck_assert_float_eq (x->q.scale[0], 0.25f);
  ck_assert_int_eq (x->q.zp[0], 128);
  w = &g->tensors[n->inputs[1]];
  ck_assert_ptr_nonnull (w->raw);
  ck_assert_ptr_null (w->data);
  ck_assert_int_eq (w->type, MNV3_DTYPE_U8);
  ck_assert_int_eq (w->q.zp[0], 10);
  ck_assert_int_eq (memcmp (w->raw, conv_w, sizeof conv_w), 0);
  b = &g->tensors[n->inputs[2]];
  ck_assert_int_eq (b->type, MNV3_DTYPE_I32);
  ck_assert_int_eq (memcmp (b->raw, conv_b, sizeof conv_b), 0);
  y = &g->tensors[n->output];
  ck_assert_int_eq (y->type, MNV3_DTYPE_U8);
  ck_assert_float_eq (y->q.scale[0], 6.f / 255.f);
  mnv3_graph_free (g);
}
END_TEST

START_TEST (test_float_model_has_no_integer_graph)
{
  size_t n;
  uint8_t *d = tb_read_file ("MNV3_SOURCE_ROOT", "/models",
      "selfie_segmentation.tflite", &n);
  mnv3_graph *g = NULL;

  ck_assert_int_eq (mnv3_tflite_import_integer (d, n, &g),
      MNV3_ERR_UNSUPPORTED);
  ck_assert_ptr_null (g);
  ck_assert_ptr_nonnull (strstr (mnv3_last_error (), "no quantized"));
  free (d);
}
END_TEST

START_TEST (test_quantize_nodes_and_input_range)
{
  tb_model m;
  mnv3_graph *g;
  size_t n;
  uint8_t *d;

  build_quantize (&m, 1.f / 255.f, -128);
  g = import_integer (&m, MNV3_OK);
  ck_assert_int_eq (g->num_nodes, 2);
  ck_assert_int_eq (g->nodes[0].type, MNV3_OP_QUANTIZE);
  ck_assert_int_eq (g->tensors[g->nodes[0].output].type, MNV3_DTYPE_I8);
  ck_assert_int_eq (g->nodes[1].type, MNV3_OP_QUANTIZE);
  ck_assert_int_eq (g->tensors[g->nodes[1].output].type, MNV3_DTYPE_F32);
  /* scale 1/255 with zero point -128 in int8: the model wants [0, 1] */
  ck_assert_str_eq (mnv3_graph_get_meta (g, "mean"), "0,0,0");
  ck_assert_str_eq (mnv3_graph_get_meta (g, "std"), "255,255,255");
  mnv3_graph_free (g);

  /* the float graph says the same (the tools' and elements' source) */
  d = tb_model_write (&m, &n);
  ck_assert_int_eq (mnv3_tflite_import (d, n, &g), MNV3_OK);
  ck_assert_str_eq (mnv3_graph_get_meta (g, "std"), "255,255,255");
  mnv3_graph_free (g);
  free (d);

  /* about [-1, 1] in int8: scale 2/255, zp 0 puts 0 at q = 0, which is
   * pixel 128 (q = -128 is pixel 0) */
  build_quantize (&m, 2.f / 255.f, 0);
  g = import_integer (&m, MNV3_OK);
  ck_assert_str_eq (mnv3_graph_get_meta (g, "mean"), "128,128,128");
  ck_assert_str_eq (mnv3_graph_get_meta (g, "std"), "127.5,127.5,127.5");
  mnv3_graph_free (g);
}
END_TEST

/* A session of the model runs QUANTIZE then DEQUANTIZE in integer: the
 * output is the input snapped to the int8 grid with the rounding of
 * TFLite's optimized AffineQuantize on x86: whole groups of 8 elements
 * through its NEON code (x * (float) (1/scale), ties to even), the rest as
 * round-half-away-from-zero of x / scale in double; then + zp, clamped. */
START_TEST (test_quantize_rounding)
{
  const float s = 1.f / 255.f;
  static const float xs[18] = { 0.f, 1.f, -0.5f, 2.f, 0.5f / 255.f,
    1.5f / 255.f, 2.5f / 255.f, 127.5f / 255.f, 0.25f, 0.7501f, 1e-9f,
    -1e-9f, 254.5f / 255.f, 3.49f / 255.f, 100.5f / 255.f, 0.1f, 0.9f,
    0.33f };
  tb_model m;
  mnv3_model *mo;
  mnv3_session *ses;
  mnv3_tensor_info info;
  const float *y;
  size_t n;
  uint8_t *d;

  build_quantize (&m, s, -128);
  d = tb_model_write (&m, &n);
  ck_assert_int_eq (mnv3_model_load_memory (d, n, "q", &mo), MNV3_OK);
  free (d);
  ck_assert_str_eq (mnv3_model_metadata (mo, "precision"), "integer");
  ck_assert_int_eq (mnv3_session_create (mo, NULL, &ses), MNV3_OK);
  ck_assert (mnv3_session_is_quantized (ses));
  memcpy (mnv3_session_input (ses, 0), xs, sizeof xs);
  ck_assert_int_eq (mnv3_session_run (ses), MNV3_OK);
  y = mnv3_session_output (ses, 0, &info);
  ck_assert_int_eq (info.type, MNV3_DTYPE_F32);
  for (int i = 0; i < 18; i++) {
    float r = i < 16 ? nearbyintf (xs[i] * (float) (1.0 / (double) s))
        : (float) round ((double) xs[i] / (double) s);
    float q = r - 128.f, want;
    volatile float prod;
    q = q < -128.f ? -128.f : (q > 127.f ? 127.f : q);
    /* DEQUANTIZE as TFLite's x86 build: groups of 8 in float */
    prod = q * s;
    want = i < 16 ? prod + (float) (128.0 * (double) s)
        : (float) ((double) s * (q + 128.0));
    ck_assert_msg (y[i] == want, "x %.9g: got %.9g, want %.9g",
        xs[i], y[i], want);
  }
  mnv3_session_free (ses);
  mnv3_model_free (mo);
}
END_TEST

/* precision fp32 runs the float graph of the same file; an integer
 * input is then given in float and raw access is the float buffer. */
START_TEST (test_precision_option)
{
  size_t n;
  uint8_t *d = tb_read_file ("MNV3_SOURCE_ROOT", "/models",
      "mobilenet_v3_small_224_1.0_uint8.tflite", &n);
  mnv3_model *mo;
  mnv3_session *si, *sf, *bad = NULL;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_tensor_info in, out;

  ck_assert_int_eq (mnv3_model_load_memory (d, n, "c", &mo), MNV3_OK);
  free (d);
  ck_assert_int_eq (mnv3_model_input_info (mo, 0, &in), MNV3_OK);
  ck_assert_int_eq (in.type, MNV3_DTYPE_U8);
  ck_assert_int_eq (in.zero_point, 128);
  ck_assert_int_eq (mnv3_model_output_info (mo, 0, &out), MNV3_OK);
  ck_assert_int_eq (out.type, MNV3_DTYPE_U8);
  ck_assert_float_eq (out.scale, 1.f / 256.f);
  ck_assert_str_eq (mnv3_model_metadata (mo, "probabilities"), "1");
  ck_assert_int_eq (mnv3_session_create (mo, &o, &si), MNV3_OK);
  ck_assert (mnv3_session_is_quantized (si));
  ck_assert_ptr_ne (mnv3_session_input_raw (si, 0),
      (void *) mnv3_session_input (si, 0));
  o.precision = MNV3_PRECISION_FP32;
  ck_assert_int_eq (mnv3_session_create (mo, &o, &sf), MNV3_OK);
  ck_assert (!mnv3_session_is_quantized (sf));
  ck_assert_ptr_eq (mnv3_session_input_raw (sf, 0),
      (void *) mnv3_session_input (sf, 0));
  o.precision = (mnv3_precision) 7;
  ck_assert_int_eq (mnv3_session_create (mo, &o, &bad), MNV3_ERR_INVALID_ARG);
  ck_assert_ptr_null (bad);
  mnv3_session_free (sf);
  mnv3_session_free (si);
  mnv3_model_free (mo);
}
END_TEST

/* A float-fed uint8 input is quantized by the session itself: x / scale
 * rounded half away from zero, + zero point, clamped (ties included). */
START_TEST (test_session_input_rounding)
{
  tb_model m;
  mnv3_model *mo;
  mnv3_session *ses;
  float *x;
  const uint8_t *q;
  size_t n;
  uint8_t *d;

  build_conv (&m);                  /* input uint8, scale 0.25, zp 128 */
  d = tb_model_write (&m, &n);
  ck_assert_int_eq (mnv3_model_load_memory (d, n, "c", &mo), MNV3_OK);
  free (d);
  ck_assert_int_eq (mnv3_session_create (mo, NULL, &ses), MNV3_OK);
  x = mnv3_session_input (ses, 0);
  for (int i = 0; i < 192; i++)     /* steps of 1/8: every other a tie */
    x[i] = (float) (i - 96) * 0.125f * 0.25f * 16.f / 16.f;
  x[0] = -1000.f;
  x[1] = 1000.f;
  x[2] = -32.125f;                  /* -128.5 steps: clamps to 0 */
  ck_assert_int_eq (mnv3_session_run (ses), MNV3_OK);
  q = mnv3_session_input_raw (ses, 0);
  for (int i = 0; i < 192; i++) {
    double r = (double) x[i] / 0.25;
    long want = (long) (r >= 0 ? r + 0.5 : r - 0.5) + 128;
    want = want < 0 ? 0 : want > 255 ? 255 : want;
    ck_assert_msg (q[i] == want, "x %g: got %u, want %ld", x[i], q[i],
        want);
  }
  ck_assert_int_eq (q[0], 0);
  ck_assert_int_eq (q[1], 255);
  ck_assert_int_eq (q[96 + 4], 128 + 1);    /* 0.5 steps -> away: 1 */
  ck_assert_int_eq (q[96 - 4], 128 - 1);    /* -0.5 steps -> -1 */
  mnv3_session_free (ses);
  mnv3_model_free (mo);
}
END_TEST

static Suite *
integer_suite (void)
{
  Suite *s = suite_create ("tflite-integer");
  TCase *tc = tcase_create ("graph");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_conv_kept_integer);
  tcase_add_test (tc, test_float_model_has_no_integer_graph);
  tcase_add_test (tc, test_quantize_nodes_and_input_range);
  tcase_add_test (tc, test_quantize_rounding);
  tcase_add_test (tc, test_precision_option);
  tcase_add_test (tc, test_session_input_rounding);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (integer_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
