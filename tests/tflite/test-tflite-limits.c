/* test-tflite-limits.c — crafted .tflite files that ask the planner for
 * unbounded memory or work (core/limits.c): a tiny file, an 11x5 input,
 * and a RESIZE / TRANSPOSE_CONV / PAD / CONCATENATION / broadcast ADD /
 * RESHAPE / pooling window that would need gigabytes or tera-MACs.  Each
 * must be refused at session creation with MNV3_ERR_UNSUPPORTED naming the
 * node and the size, before anything big is allocated; raising the limit
 * through the session options must let a legitimate large plan through.
 * The RESIZE targets are those of the outside tester's OOM/time-out files
 * (issue 12): 2359302x36 and 6x16187396 on an 11x5 input.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnv3.h"
#include "tfl-builder.h"

/* T_F32, T_I32: tfl-builder.h */
enum { OP_ADD = 0, OP_AVERAGE_POOL_2D = 1, OP_CONCATENATION = 2,
  OP_CONV_2D = 3, OP_RESHAPE = 22, OP_RESIZE_BILINEAR = 23, OP_PAD = 34,
  OP_ARG_MAX = 56, OP_TRANSPOSE_CONV = 67 };

/* A model whose tensor 0 is the float input "x" 1x11x5xC. */
static void
model_init (tb_model *m, int c)
{
  memset (m, 0, sizeof *m);
  m->version = 3;
  m->t[0] = tb_tensor_new ("x", T_F32, 4, 1, 11, 5, c, 0);
  m->ntensors = 1;
  m->nin = 1;
  m->in[0] = 0;
}

static int
add_tensor (tb_model *m, tb_tensor t)
{
  m->t[m->ntensors] = t;
  return m->ntensors++;
}

/* RESIZE_BILINEAR of tensor `src` to a fixed h x w (a constant size). */
static int
add_resize (tb_model *m, int src, const int32_t *hw, const char *name)
{
  int in[2], y;
  in[0] = src;
  in[1] = add_tensor (m, tb_tensor_new ("size", T_I32, 1, 2, 0, 0, 0,
          tb_add_buffer (m, hw, 2 * sizeof *hw)));
  /* declared shapes are hints the importer bounds; the planner derives
   * the real one from the size constant (as in the tester's files) */
  y = add_tensor (m, tb_tensor_new (name, T_F32, 4, 1, -1, -1,
          m->t[src].dims[3], 0));
  m->op[m->nops++] = tb_op_new (OP_RESIZE_BILINEAR, 2, in, y);
  return y;
}

static void
set_output (tb_model *m, int t)
{
  m->nout = 1;
  m->out[0] = t;
}

/* The model loaded by the last successful try_session (freed by done). */
static mnv3_model *open_model;

/* Session of the model on its declared input; returns the status and, on
 * success, the session in *out (or frees it when out is NULL). */
static mnv3_status
try_session (const tb_model *tm, const mnv3_session_options *o,
    mnv3_session **out)
{
  size_t len;
  uint8_t *d = tb_model_write (tm, &len);
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_status st = mnv3_model_load_memory (d, len, "crafted", &m);

  free (d);
  ck_assert_msg (st == MNV3_OK, "load: %s", mnv3_last_error ());
  st = mnv3_session_create (m, o, &s);
  if (st == MNV3_OK && out) {
    *out = s;
    open_model = m;
    return st;
  }
  mnv3_session_free (s);
  mnv3_model_free (m);
  return st;
}

static void
done (mnv3_session *s)
{
  mnv3_session_free (s);
  mnv3_model_free (open_model);
  open_model = NULL;
}

static void
expect_refused (const tb_model *tm, const char *node, const char *what)
{
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_status st = try_session (tm, &o, NULL);
  const char *msg = mnv3_last_error ();

  ck_assert_msg (st == MNV3_ERR_UNSUPPORTED, "status %d (%s)", st, msg);
  ck_assert_msg (strstr (msg, node) && strstr (msg, what),
      "message '%s' should name '%s' and '%s'", msg, node, what);
  printf ("refused: %s\n", msg);
}

/* ---- the outside tester's RESIZE targets -------------------------------- */

static const int32_t tall[2] = { 2359302, 36 };
static const int32_t wide[2] = { 6, 16187396 };
static const int32_t axis3[1] = { 3 };

START_TEST (test_resize_targets)
{
  tb_model m;
  int y, in[2];

  for (int k = 0; k < 2; k++) {
    model_init (&m, 3);
    y = add_resize (&m, 0, k ? wide : tall, "up");
    in[0] = y;
    in[1] = add_tensor (&m, tb_tensor_new ("axis", T_I32, 1, 1, 0, 0, 0,
            tb_add_buffer (&m, axis3, sizeof axis3)));
    in[0] = add_tensor (&m, tb_tensor_new ("am", T_F32, 3, 1, -1, -1, 0, 0));
    m.op[m.nops] = tb_op_new (OP_ARG_MAX, 2, (int[]) { y, in[1] }, in[0]);
    m.t[in[0]].type = 4;                    /* int64 indices */
    m.nops++;
    set_output (&m, in[0]);
    expect_refused (&m, "'up' (RESIZE)", "limit for one tensor");
    ck_assert_ptr_nonnull (strstr (mnv3_last_error (), k ? "6x16187396"
            : "2359302x36"));
  }
}
END_TEST

/* Over the default, under a raised limit: the session plans and runs. */
static const int32_t big[2] = { 4096, 4200 };

START_TEST (test_raise_limit)
{
  tb_model m;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_tensor_info info;
  const float *y;

  model_init (&m, 1);
  set_output (&m, add_resize (&m, 0, big, "up"));
  expect_refused (&m, "'up' (RESIZE)", "65.6 MiB");
  o.limit_scale = 2;
  ck_assert_int_eq (try_session (&m, &o, &s), MNV3_OK);
  for (int i = 0; i < 55; i++)
    mnv3_session_input (s, 0)[i] = 1.f;
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  y = mnv3_session_output (s, 0, &info);
  ck_assert_int_eq (info.dims[1], 4096);
  ck_assert_int_eq (info.dims[2], 4200);
  ck_assert_float_eq (y[4096 * 4200 - 1], 1.f);
  done (s);
  /* an explicit limit replaces the default (and the scale) */
  o = mnv3_session_options_default ();
  o.max_tensor_bytes = (int64_t) 4096 * 4200 * 4;
  s = NULL;
  ck_assert_int_eq (try_session (&m, &o, &s), MNV3_OK);
  done (s);
  o.max_tensor_bytes -= 1;
  ck_assert_int_eq (try_session (&m, &o, NULL), MNV3_ERR_UNSUPPORTED);
  o.max_tensor_bytes = -1;
  ck_assert_int_eq (try_session (&m, &o, NULL), MNV3_ERR_INVALID_ARG);
}
END_TEST

/* TRANSPOSE_CONV with stride 1024: 11x5 -> 11264x5120x4. */
static const int32_t tc_shape[4] = { 1, 11264, 5120, 4 };
static const float tc_w[4 * 1 * 1 * 1];

START_TEST (test_transpose_conv)
{
  tb_model m;
  int in[3], y;
  tb_op o;

  model_init (&m, 1);
  in[0] = add_tensor (&m, tb_tensor_new ("shape", T_I32, 1, 4, 0, 0, 0,
          tb_add_buffer (&m, tc_shape, sizeof tc_shape)));
  in[1] = add_tensor (&m, tb_tensor_new ("w", T_F32, 4, 4, 1, 1, 1,
          tb_add_buffer (&m, tc_w, sizeof tc_w)));
  in[2] = 0;
  y = add_tensor (&m, tb_tensor_new ("deconv", T_F32, 4, 1, 11264, 5120, 4, 0));
  o = tb_op_new (OP_TRANSPOSE_CONV, 3, in, y);
  o.opt_type = 49;
  tb_opt_int (&o, 0, 1);                               /* VALID */
  tb_opt_int (&o, 1, 1024);
  tb_opt_int (&o, 2, 1024);
  m.op[m.nops++] = o;
  set_output (&m, y);
  expect_refused (&m, "(CONV_TRANSPOSE)", "11264x5120");
}
END_TEST

/* PAD of 4096 on every side in front of a 1x1 convolution. */
static const int32_t pads[8] = { 0, 0, 4096, 4096, 4096, 4096, 0, 0 };
static const float cw[8];

START_TEST (test_padding)
{
  tb_model m;
  int in[3], p, y;
  tb_op o;

  model_init (&m, 1);
  in[0] = 0;
  in[1] = add_tensor (&m, tb_tensor_new ("pads", T_I32, 2, 4, 2, 0, 0,
          tb_add_buffer (&m, pads, sizeof pads)));
  p = add_tensor (&m, tb_tensor_new ("padded", T_F32, 4, 1, -1, -1, 1, 0));
  m.op[m.nops++] = tb_op_new (OP_PAD, 2, in, p);
  in[0] = p;
  in[1] = add_tensor (&m, tb_tensor_new ("cw", T_F32, 4, 8, 1, 1, 1,
          tb_add_buffer (&m, cw, sizeof cw)));
  in[2] = -1;
  y = add_tensor (&m, tb_tensor_new ("conv", T_F32, 4, 1, -1, -1, 8, 0));
  o = tb_op_new (OP_CONV_2D, 3, in, y);
  o.opt_type = 1;
  tb_opt_int (&o, 0, 1);                               /* VALID */
  tb_opt_int (&o, 1, 1);
  tb_opt_int (&o, 2, 1);
  m.op[m.nops++] = o;
  set_output (&m, y);
  expect_refused (&m, "'conv' (CONV)", "8203x8197x8");
}
END_TEST

/* Eight 2048x1280 planes (10 MB each) concatenated: 84 MB. */
static const int32_t plane[2] = { 2048, 1280 };

START_TEST (test_concat)
{
  tb_model m;
  int in[8], y;
  tb_op o;

  model_init (&m, 1);
  for (int i = 0; i < 8; i++)
    in[i] = add_resize (&m, 0, plane, "plane");
  y = add_tensor (&m, tb_tensor_new ("cat", T_F32, 4, 1, -1, -1, 8, 0));
  o = tb_op_new (OP_CONCATENATION, 8, in, y);
  o.opt_type = 10;
  tb_opt_int (&o, 0, 3);
  m.op[m.nops++] = o;
  set_output (&m, y);
  expect_refused (&m, "'cat' (CONCAT)", "2048x1280x8");
}
END_TEST

/* A column plus a row broadcast to a 8192x8192 plane (256 MiB). */
static const int32_t col[2] = { 8192, 1 }, row[2] = { 1, 8192 };

START_TEST (test_broadcast)
{
  tb_model m;
  int in[2], y;

  model_init (&m, 1);
  in[0] = add_resize (&m, 0, col, "col");
  in[1] = add_resize (&m, 0, row, "row");
  y = add_tensor (&m, tb_tensor_new ("sum", T_F32, 4, 1, -1, -1, 1, 0));
  m.op[m.nops++] = tb_op_new (OP_ADD, 2, in, y);
  set_output (&m, y);
  expect_refused (&m, "'sum' (BINARY)", "8192x8192");
}
END_TEST

/* RESHAPE of 33.5 M elements to one axis: past the per-dim bound even
 * with the size limit raised (the planner's dims are ints). */
static const int32_t plane2[2] = { 8192, 4096 };
static const int32_t flat[2] = { 1, -1 };

START_TEST (test_reshape)
{
  tb_model m;
  mnv3_session_options o = mnv3_session_options_default ();
  int in[2], y;

  model_init (&m, 1);
  in[0] = add_resize (&m, 0, plane2, "plane");
  in[1] = add_tensor (&m, tb_tensor_new ("shape", T_I32, 1, 2, 0, 0, 0,
          tb_add_buffer (&m, flat, sizeof flat)));
  y = add_tensor (&m, tb_tensor_new ("flat", T_F32, 2, 1, -1, 0, 0, 0));
  m.op[m.nops++] = tb_op_new (OP_RESHAPE, 2, in, y);
  set_output (&m, y);
  expect_refused (&m, "'plane' (RESIZE)", "limit for one tensor");
  o.max_tensor_bytes = (int64_t) 1 << 30;
  o.max_arena_bytes = (int64_t) 1 << 30;
  ck_assert_int_eq (try_session (&m, &o, NULL), MNV3_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull (strstr (mnv3_last_error (),
          "'flat' (RESHAPE): output 1x1x1x33554432 has a dimension"));
}
END_TEST

/* Average pool with a 1024x1024 window, stride 1, over 2048x2048: the
 * output is small (16 MB) but the work is 4.4 T adds. */
static const int32_t sq[2] = { 2048, 2048 };

START_TEST (test_work)
{
  tb_model m;
  int in[1], y;
  tb_op o;

  model_init (&m, 1);
  in[0] = add_resize (&m, 0, sq, "sq");
  y = add_tensor (&m, tb_tensor_new ("pool", T_F32, 4, 1, -1, -1, 1, 0));
  o = tb_op_new (OP_AVERAGE_POOL_2D, 1, in, y);
  o.opt_type = 5;
  tb_opt_int (&o, 0, 0);                               /* SAME */
  tb_opt_int (&o, 1, 1);
  tb_opt_int (&o, 2, 1);
  tb_opt_int (&o, 3, 1024);
  tb_opt_int (&o, 4, 1024);
  m.op[m.nops++] = o;
  set_output (&m, y);
  expect_refused (&m, "'pool' (POOL)", "the work of one run");
}
END_TEST

/* The arena limit, on an ordinary plan. */
static const int32_t small[2] = { 512, 512 };

START_TEST (test_arena)
{
  tb_model m;
  mnv3_session_options o = mnv3_session_options_default ();

  model_init (&m, 1);
  set_output (&m, add_resize (&m, 0, small, "up"));
  ck_assert_int_eq (try_session (&m, &o, NULL), MNV3_OK);
  o.max_arena_bytes = 512 * 512 * 4 - 1;
  ck_assert_int_eq (try_session (&m, &o, NULL), MNV3_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull (strstr (mnv3_last_error (), "arena"));
}
END_TEST

/* The real networks pass the defaults at their sizes (and larger). */
START_TEST (test_real_models)
{
  static const struct { const char *file; int h, w; } cases[] = {
    { "mobilenet_v3_small_224_1.0_uint8.tflite", 0, 0 },
    { "mobilenet_v3_small_224_1.0_uint8.tflite", 11, 5 },
    { "mobilenet_v3_small_224_1.0_uint8.tflite", 2160, 3840 },
    { "lraspp_mobilenet_v3_small_roadseg_f.tflite", 0, 0 },
    { "selfie_segmentation.tflite", 0, 0 },
  };
  const char *root = getenv ("MNV3_SOURCE_ROOT");
  char path[1024];

  ck_assert_ptr_nonnull (root);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mnv3_session_options o = mnv3_session_options_default ();
    mnv3_model *m;
    mnv3_session *s;
    snprintf (path, sizeof path, "%s/models/%s", root, cases[i].file);
    ck_assert_int_eq (mnv3_model_load (path, &m), MNV3_OK);
    o.input_height = cases[i].h;
    o.input_width = cases[i].w;
    ck_assert_msg (mnv3_session_create (m, &o, &s) == MNV3_OK, "%s: %s",
        path, mnv3_last_error ());
    mnv3_session_free (s);
    mnv3_model_free (m);
  }
}
END_TEST

/* Loading is bounded: a chain of MNV3_MAX_NODES (16384) RELUs loads and
 * plans (about 1 s, the planner being quadratic in places), one more is
 * refused before any per-node work. */
START_TEST (test_node_count)
{
  size_t len;
  uint8_t *d = tb_chain_write (16384, 19, &len);
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;

  ck_assert_int_eq (mnv3_model_load_memory (d, len, "chain", &m), MNV3_OK);
  free (d);
  ck_assert_int_eq (mnv3_session_create (m, NULL, &s), MNV3_OK);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  mnv3_session_free (s);
  mnv3_model_free (m);
  d = tb_chain_write (16385, 19, &len);
  ck_assert_int_eq (mnv3_model_load_memory (d, len, "chain", &m),
      MNV3_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull (strstr (mnv3_last_error (), "16385 operators"));
  free (d);
}
END_TEST

static Suite *
limits_suite (void)
{
  Suite *s = suite_create ("tflite-limits");
  TCase *tc = tcase_create ("crafted");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_resize_targets);
  tcase_add_test (tc, test_raise_limit);
  tcase_add_test (tc, test_transpose_conv);
  tcase_add_test (tc, test_padding);
  tcase_add_test (tc, test_concat);
  tcase_add_test (tc, test_broadcast);
  tcase_add_test (tc, test_reshape);
  tcase_add_test (tc, test_work);
  tcase_add_test (tc, test_arena);
  tcase_add_test (tc, test_real_models);
  tcase_add_test (tc, test_node_count);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (limits_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
