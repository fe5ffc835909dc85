/* Engine tests: thread pool, ISA resolution, and a hand-built MobileNetV3
 * bottleneck (expand+BN, hswish written as x*hsigmoid(x), depthwise, SE,
 * projection, residual) executed by the planner with and without fusion
 * against a naive reference written here.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "session.h"
#include "support.h"
#include "threadpool.h"

/* ---- thread pool ----------------------------------------------------- */

typedef struct {
  atomic_int hits[1000];
  atomic_int bad_thread;
  int nthreads;
} pool_ctx;

static void
pool_task (void *p, size_t i, int t)
{
  pool_ctx *c = p;
  atomic_fetch_add (&c->hits[i], 1);
  if (t < 0 || t >= c->nthreads)
    atomic_store (&c->bad_thread, 1);
}

START_TEST (test_threadpool_runs_each_task_once)
{
  for (int nt = 1; nt <= 4; nt++) {
    mnv3_threadpool *tp = mnv3_threadpool_create (nt);
    ck_assert_ptr_nonnull (tp);
    ck_assert_int_eq (mnv3_threadpool_size (tp), nt);
    for (int rep = 0; rep < 200; rep++) {
      pool_ctx *c = calloc (1, sizeof *c);
      size_t n = (size_t) (rep * 7) % 1000;
      c->nthreads = nt;
      mnv3_threadpool_run (tp, n, pool_task, c);
      for (size_t i = 0; i < 1000; i++)
        ck_assert_int_eq (atomic_load (&c->hits[i]), i < n ? 1 : 0);
      ck_assert_int_eq (atomic_load (&c->bad_thread), 0);
      free (c);
    }
    mnv3_threadpool_free (tp);
  }
}
END_TEST

START_TEST (test_threadpool_tasks)
{
  mnv3_threadpool *tp = mnv3_threadpool_create (2);
  ck_assert_uint_eq (mnv3_threadpool_tasks (NULL, 1000, 1), 1);
  ck_assert_uint_eq (mnv3_threadpool_tasks (tp, 5, 10), 1);
  ck_assert_uint_ge (mnv3_threadpool_tasks (tp, 1000, 1), 2);
  ck_assert_uint_le (mnv3_threadpool_tasks (tp, 30, 10), 3);
  mnv3_threadpool_free (tp);
}
END_TEST

START_TEST (test_isa_resolution)
{
  mnv3_isa have = mnv3_cpu_detect ();
  setenv ("MNV3_ISA", "scalar", 1);
  ck_assert_int_eq (mnv3_cpu_resolve (MNV3_ISA_AUTO), MNV3_ISA_SCALAR);
  ck_assert_uint_eq (mnv3_cpu_features (), 0);
  setenv ("MNV3_ISA", "avx2", 1);
  ck_assert_int_le (mnv3_cpu_resolve (MNV3_ISA_AUTO), MNV3_ISA_AVX2);
  setenv ("MNV3_ISA", "avx2-novnni", 1);
  ck_assert_int_le (mnv3_cpu_resolve (MNV3_ISA_AUTO), MNV3_ISA_AVX2);
  ck_assert_uint_eq (mnv3_cpu_features () & MNV3_CPU_AVXVNNI, 0);
  setenv ("MNV3_ISA", "avx512", 1);
  ck_assert_int_le (mnv3_cpu_resolve (MNV3_ISA_AUTO), MNV3_ISA_AVX512);
  setenv ("MNV3_ISA", "avx512vnni", 1);
  ck_assert_int_eq (mnv3_cpu_resolve (MNV3_ISA_AUTO), have);
  unsetenv ("MNV3_ISA");
  ck_assert_int_eq (mnv3_cpu_resolve (MNV3_ISA_AUTO), have);
  /* a request is never raised above what the CPU has */
  ck_assert_int_le (mnv3_cpu_resolve (MNV3_ISA_AVX512), have);
  ck_assert_int_le (mnv3_cpu_resolve (MNV3_ISA_AVX512), MNV3_ISA_AVX512);
  ck_assert_int_eq (mnv3_cpu_resolve (MNV3_ISA_AVX512VNNI), have);
  ck_assert_str_eq (mnv3_isa_name (MNV3_ISA_AVX512VNNI), "avx512vnni");
  ck_assert_int_eq (mnv3_isa_float (MNV3_ISA_AVX512VNNI), MNV3_ISA_AVX512);
  ck_assert_int_eq (mnv3_isa_float (MNV3_ISA_AVX2), MNV3_ISA_AVX2);
  ck_assert_int_eq (mnv3_cpu_resolve (MNV3_ISA_SCALAR), MNV3_ISA_SCALAR);
}
END_TEST

/* ---- a bottleneck block ---------------------------------------------- */

#define H 9
#define W 11
#define C 8
#define E 24
#define S 8

static float
frand (unsigned *seed)
{
  *seed = *seed * 1103515245u + 12345u;
  return ((*seed >> 8) & 0xffff) / 32768.f - 1.f;
}

static float *
rand_vec (unsigned *seed, int n, float scale, float offset)
{
  float *v = malloc (n * sizeof (float));
  for (int i = 0; i < n; i++)
    v[i] = frand (seed) * scale + offset;
  return v;
}

static float *
copy_vec (const float *v, int n)
{
  float *c = malloc (n * sizeof (float));
  memcpy (c, v, n * sizeof (float));
  return c;
}

typedef struct {
  float *w1, *g, *b, *mean, *var;    /* expand 1x1 C->E + BN */
  float *wd, *bd;                    /* dw 3x3 */
  float *wse1, *bse1, *wse2, *bse2;  /* SE FCs E->S->E */
  float *w2, *b2;                    /* project E->C */
} block;

static void
block_init (block *k)
{
  unsigned seed = 42;
  k->w1 = rand_vec (&seed, E * C, 0.5f, 0);
  k->g = rand_vec (&seed, E, 0.3f, 1);
  k->b = rand_vec (&seed, E, 0.3f, 0);
  k->mean = rand_vec (&seed, E, 0.2f, 0);
  k->var = rand_vec (&seed, E, 0.3f, 1);
  k->wd = rand_vec (&seed, E * 9, 0.5f, 0);
  k->bd = rand_vec (&seed, E, 0.1f, 0);
  k->wse1 = rand_vec (&seed, S * E, 0.5f, 0);
  k->bse1 = rand_vec (&seed, S, 0.1f, 0);
  k->wse2 = rand_vec (&seed, E * S, 0.5f, 0);
  k->bse2 = rand_vec (&seed, E, 0.1f, 0);
  k->w2 = rand_vec (&seed, C * E, 0.5f, 0);
  k->b2 = rand_vec (&seed, C, 0.1f, 0);
}

static void
block_free (block *k)
{
  float **f = (float **) k;
  for (size_t i = 0; i < sizeof *k / sizeof (float *); i++)
    free (f[i]);
}

static float
hsig (float x)
{
  float t = x / 6.f + 0.5f;
  return t < 0 ? 0 : (t > 1 ? 1 : t);
}

/* The naive reference of the block. */
static void
block_ref (const block *k, const float *x, float *y)
{
  static float e[H][W][E], d[H][W][E];
  float pool[E] = { 0 }, s1[S], gate[E];

  for (int i = 0; i < H; i++)
    for (int j = 0; j < W; j++)
      for (int o = 0; o < E; o++) {
        float acc = 0;
        for (int c = 0; c < C; c++)
          acc += k->w1[o * C + c] * x[(i * W + j) * C + c];
        acc = (acc - k->mean[o]) / sqrtf (k->var[o] + 1e-3f) * k->g[o]
            + k->b[o];
        e[i][j][o] = acc * hsig (acc);
      }
  for (int i = 0; i < H; i++)
    for (int j = 0; j < W; j++)
      for (int o = 0; o < E; o++) {
        float acc = k->bd[o];
        for (int u = 0; u < 3; u++)
          for (int v = 0; v < 3; v++) {
            int ii = i + u - 1, jj = j + v - 1;
            if (ii >= 0 && ii < H && jj >= 0 && jj < W)
              acc += k->wd[o * 9 + u * 3 + v] * e[ii][jj][o];
          }
        d[i][j][o] = acc > 0 ? acc : 0;
        pool[o] += d[i][j][o] / (H * W);
      }
  for (int s = 0; s < S; s++) {
    float acc = k->bse1[s];
    for (int o = 0; o < E; o++)
      acc += k->wse1[s * E + o] * pool[o];
    s1[s] = acc > 0 ? acc : 0;
  }
  for (int o = 0; o < E; o++) {
    float acc = k->bse2[o];
    for (int s = 0; s < S; s++)
      acc += k->wse2[o * S + s] * s1[s];
    gate[o] = hsig (acc);
  }
  for (int i = 0; i < H; i++)
    for (int j = 0; j < W; j++)
      for (int c = 0; c < C; c++) {
        float acc = k->b2[c];
        for (int o = 0; o < E; o++)
          acc += k->w2[c * E + o] * d[i][j][o] * gate[o];
        y[(i * W + j) * C + c] = acc + x[(i * W + j) * C + c];
      }
}

static int
add_node (mnv3_graph *g, mnv3_op_type type, const char *name, int out,
    int n_in, const int *in)
{
  mnv3_gnode n;
  memset (&n, 0, sizeof n);
  n.type = type;
  n.name = (char *) name;
  n.output = out;
  n.num_inputs = n_in;
  memcpy (n.inputs, in, n_in * sizeof *in);
  return mnv3_graph_add_node (g, &n);
}

static mnv3_conv_attr
conv_attr (int k, int groups)
{
  mnv3_conv_attr a = { .kh = k, .kw = k, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
    .pad_mode = MNV3_PAD_EXPLICIT, .pad_t = k / 2, .pad_l = k / 2,
    .pad_b = k / 2, .pad_r = k / 2, .groups = groups };
  return a;
}

/* The block as an ONNX-like graph: nothing pre-fused. */
static mnv3_graph *
block_graph (const block *k)
{
  mnv3_graph *g = mnv3_graph_new ();
  int x = mnv3_graph_add_tensor (g, "x", 4, 1, H, W, C, NULL);
  int w1 = mnv3_graph_add_tensor (g, "w1", 4, E, 1, 1, C, copy_vec (k->w1, E * C));
  int bn[4] = {
    mnv3_graph_add_tensor (g, "g", 1, 1, 1, 1, E, copy_vec (k->g, E)),
    mnv3_graph_add_tensor (g, "b", 1, 1, 1, 1, E, copy_vec (k->b, E)),
    mnv3_graph_add_tensor (g, "m", 1, 1, 1, 1, E, copy_vec (k->mean, E)),
    mnv3_graph_add_tensor (g, "v", 1, 1, 1, 1, E, copy_vec (k->var, E)) };
  int wd = mnv3_graph_add_tensor (g, "wd", 4, E, 3, 3, 1, copy_vec (k->wd, E * 9));
  int bd = mnv3_graph_add_tensor (g, "bd", 1, 1, 1, 1, E, copy_vec (k->bd, E));
  int ws1 = mnv3_graph_add_tensor (g, "ws1", 2, S, 1, 1, E, copy_vec (k->wse1, S * E));
  int bs1 = mnv3_graph_add_tensor (g, "bs1", 1, 1, 1, 1, S, copy_vec (k->bse1, S));
  int ws2 = mnv3_graph_add_tensor (g, "ws2", 2, E, 1, 1, S, copy_vec (k->wse2, E * S));
  int bs2 = mnv3_graph_add_tensor (g, "bs2", 1, 1, 1, 1, E, copy_vec (k->bse2, E));
  int w2 = mnv3_graph_add_tensor (g, "w2", 4, C, 1, 1, E, copy_vec (k->w2, C * E));
  int b2 = mnv3_graph_add_tensor (g, "b2", 1, 1, 1, 1, C, copy_vec (k->b2, C));
  int t[12];
  char name[8];
  for (int i = 0; i < 12; i++) {
    snprintf (name, sizeof name, "t%d", i);
    t[i] = mnv3_graph_add_tensor (g, name, 4, 0, 0, 0, 0, NULL);
  }
  mnv3_graph_add_input (g, x);
  int n;
  n = add_node (g, MNV3_OP_CONV, "expand", t[0], 2, (int[]) { x, w1 });
  g->nodes[n].u.conv = conv_attr (1, 1);
  n = add_node (g, MNV3_OP_BATCHNORM, "bn", t[1], 5,
      (int[]) { t[0], bn[0], bn[1], bn[2], bn[3] });
  g->nodes[n].u.bn_eps = 1e-3f;
  n = add_node (g, MNV3_OP_ACT, "hsig", t[2], 1, (int[]) { t[1] });
  g->nodes[n].act = (mnv3_act) { MNV3_ACT_HSIGMOID, 1.f / 6.f, 0.5f };
  n = add_node (g, MNV3_OP_BINARY, "hswish", t[3], 2, (int[]) { t[1], t[2] });
  g->nodes[n].u.binary = MNV3_BINARY_MUL;
  n = add_node (g, MNV3_OP_CONV, "dw", t[4], 3, (int[]) { t[3], wd, bd });
  g->nodes[n].u.conv = conv_attr (3, E);
  n = add_node (g, MNV3_OP_ACT, "relu", t[5], 1, (int[]) { t[4] });
  g->nodes[n].act.type = MNV3_ACT_RELU;
  n = add_node (g, MNV3_OP_POOL, "gap", t[6], 1, (int[]) { t[5] });
  g->nodes[n].u.pool = (mnv3_pool_attr) { .type = MNV3_POOL_AVG, .global = 1 };
  n = add_node (g, MNV3_OP_FC, "fc1", t[7], 3, (int[]) { t[6], ws1, bs1 });
  n = add_node (g, MNV3_OP_ACT, "fc1relu", t[8], 1, (int[]) { t[7] });
  g->nodes[n].act.type = MNV3_ACT_RELU;
  n = add_node (g, MNV3_OP_FC, "fc2", t[9], 3, (int[]) { t[8], ws2, bs2 });
  g->nodes[n].act = (mnv3_act) { MNV3_ACT_HSIGMOID, 1.f / 6.f, 0.5f };
  n = add_node (g, MNV3_OP_BINARY, "se", t[10], 2, (int[]) { t[5], t[9] });
  g->nodes[n].u.binary = MNV3_BINARY_MUL;
  n = add_node (g, MNV3_OP_CONV, "project", t[11], 3, (int[]) { t[10], w2, b2 });
  g->nodes[n].u.conv = conv_attr (1, 1);
  int y = mnv3_graph_add_tensor (g, "y", 4, 0, 0, 0, 0, NULL);
  n = add_node (g, MNV3_OP_BINARY, "residual", y, 2, (int[]) { x, t[11] });
  g->nodes[n].u.binary = MNV3_BINARY_ADD;
  mnv3_graph_add_output (g, y);
  ck_assert_int_eq (mnv3_graph_fold (g), MNV3_OK);
  return g;
}

static void
run_block (int fused, mnv3_isa isa, int threads, const char *expect_label)
{
  block k;
  float x[H * W * C], ref[H * W * C];
  unsigned seed = 7;
  mnv3_model m = { 0 };
  mnv3_session *s;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session_stats st;
  mnv3_tensor_info info;
  const float *y;
  float maxref = 0, maxdiff = 0;

  block_init (&k);
  for (int i = 0; i < H * W * C; i++)
    x[i] = frand (&seed) * 2;
  block_ref (&k, x, ref);
  m.graph = block_graph (&k);
  if (fused)
    unsetenv ("MNV3_NO_FUSION");
  else
    setenv ("MNV3_NO_FUSION", "1", 1);
  o.isa = isa;
  o.num_threads = threads;
  ck_assert_int_eq (mnv3_session_create (&m, &o, &s), MNV3_OK);
  memcpy (mnv3_session_input (s, 0), x, sizeof x);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  y = mnv3_session_output (s, 0, &info);
  ck_assert_int_eq (info.dims[1], H);
  ck_assert_int_eq (info.dims[2], W);
  ck_assert_int_eq (info.dims[3], C);
  for (int i = 0; i < H * W * C; i++) {
    maxref = fmaxf (maxref, fabsf (ref[i]));
    maxdiff = fmaxf (maxdiff, fabsf (ref[i] - y[i]));
  }
  /* tolerance: 1e-5 of the output range (float sums of <= 24 terms) */
  ck_assert_msg (maxdiff <= 1e-5f * maxref, "max diff %g (max %g)", maxdiff,
      maxref);
  mnv3_session_get_stats (s, &st);
  /* expand + dw + 2 FC + project, BN folded */
  ck_assert_int_eq (st.macs, (int64_t) H * W * (E * C + E * 9 + C * E)
      + 2 * E * S);
  if (fused) {
    mnv3_layer_info li;
    int found = 0;
    /* expand+hswish, dw+relu, gap, fc+relu, fc+hsigmoid, project+add+se */
    ck_assert_int_eq (st.num_layers, 6);
    for (int i = 0; mnv3_session_layer_info (s, i, &li); i++)
      found |= !strcmp (li.op, expect_label);
    ck_assert_msg (found, "no layer labelled %s", expect_label);
    /* the arena reuses memory: less than all activations summed */
    ck_assert_uint_lt (st.arena_bytes,
        (size_t) H * W * (4 * E + 2 * C) * sizeof (float));
  }
  mnv3_session_free (s);
  mnv3_graph_free (m.graph);
  block_free (&k);
  unsetenv ("MNV3_NO_FUSION");
}

START_TEST (test_block_unfused)
{
  run_block (0, MNV3_ISA_SCALAR, 1, NULL);
}
END_TEST

START_TEST (test_block_fused_every_isa)
{
  MNV3_TEST_FOR_EACH_ISA (isa)
    for (int t = 1; t <= 2; t++)
      run_block (1, isa, t, "conv+add+se");
}
END_TEST

START_TEST (test_bad_options)
{
  block k;
  mnv3_model m = { 0 };
  mnv3_session *s = (mnv3_session *) 1;
  mnv3_session_options o = mnv3_session_options_default ();

  block_init (&k);
  m.graph = block_graph (&k);
  o.num_threads = 0;
  ck_assert_int_eq (mnv3_session_create (&m, &o, &s), MNV3_ERR_INVALID_ARG);
  ck_assert_ptr_null (s);
  ck_assert_str_ne (mnv3_last_error (), "");
  o.num_threads = 1;
  o.input_height = 1;   /* 1x1 input still plans: convs are padded */
  o.input_width = 1;
  ck_assert_int_eq (mnv3_session_create (&m, &o, &s), MNV3_OK);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  mnv3_session_free (s);
  ck_assert_int_eq (mnv3_model_load ("/nonexistent/model.onnx",
          (mnv3_model **) &s), MNV3_ERR_IO);
  ck_assert_ptr_nonnull (strstr (mnv3_last_error (), "/nonexistent"));
  mnv3_graph_free (m.graph);
  block_free (&k);
}
END_TEST

static Suite *
engine_suite (void)
{
  Suite *s = suite_create ("engine");
  TCase *tc = tcase_create ("engine");
  tcase_add_test (tc, test_threadpool_runs_each_task_once);
  tcase_add_test (tc, test_threadpool_tasks);
  tcase_add_test (tc, test_isa_resolution);
  tcase_add_test (tc, test_block_unfused);
  tcase_add_test (tc, test_block_fused_every_isa);
  tcase_add_test (tc, test_bad_options);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (engine_suite ());
  int failed;
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
