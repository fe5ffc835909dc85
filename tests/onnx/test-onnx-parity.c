/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ONNX parity: seeded torchvision MobileNetV3 exports (gen_models.py) run
 * through the public API on every ISA the CPU has, with 1 and 2 threads,
 * against PyTorch's logits.  Tolerance: max|diff| <= 1e-4 * max|ref| and
 * the same top-5 classes.  Needs $MNV3_ONNX_MODELS (skips with 77 without).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "mnv3.h"
#include "support.h"

#define TOL 1e-4

static const char *models_dir;

static const struct {
  const char *name;
  int h, w;
} models[] = {
  {"v3-large-1.0-224", 224, 224},
  {"v3-large-0.75-192", 192, 192},
  {"v3-small-1.0-224", 224, 224},
  {"v3-small-0.75-160x128", 160, 128},
};

static mnv3_model *
load_model (const char *name)
{
  char path[1024];
  mnv3_model *m = NULL;
  mnv3_status s;

  snprintf (path, sizeof path, "%s/%s.onnx", models_dir, name);
  s = mnv3_model_load (path, &m);
  ck_assert_msg (s == MNV3_OK, "%s: %s", path, mnv3_last_error ());
  return m;
}

/* NCHW file order -> the session's NHWC input. */
static void
fill_input (float *dst, const float *nchw, int c, int h, int w)
{
  for (int k = 0; k < c; k++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        dst[((size_t) y * w + x) * c + k] = nchw[((size_t) k * h + y) * w + x];
}

static void
top5 (const float *v, size_t n, int *idx)
{
  for (int k = 0; k < 5; k++) {
    int best = -1;
    for (size_t i = 0; i < n; i++) {
      int used = 0;
      for (int j = 0; j < k; j++)
        used |= idx[j] == (int) i;
      if (!used && (best < 0 || v[i] > v[best]))
        best = (int) i;
    }
    idx[k] = best;
  }
}

/* Output k of a run against ref (NCHW order for rank-4 outputs, which
 * the engine keeps in NHWC). */
static void
compare_output (const mnv3_session *s, int k, const char *name,
    const float *ref, size_t nref, int check_top5)
{
  mnv3_tensor_info info;
  const float *out = mnv3_session_output (s, k, &info);
  const char *isa = mnv3_isa_name (mnv3_session_isa (s));
  double maxref = 0, maxdiff = 0;
  size_t count = 1;

  ck_assert (out != NULL);
  for (int d = 0; d < info.rank; d++)
    count *= (size_t) info.dims[d];
  ck_assert_msg (count == nref, "%s output %d: %zu values, %zu expected",
      name, k, count, nref);
  for (size_t i = 0; i < nref; i++) {
    size_t j = i;
    if (info.rank == 4) {
      size_t c = (size_t) info.dims[3], hw = (size_t) info.dims[1]
          * info.dims[2];
      j = (i % hw) * c + i / hw;
    }
    maxref = fmax (maxref, fabs (ref[i]));
    maxdiff = fmax (maxdiff, fabs ((double) out[j] - ref[i]));
  }
  ck_assert_msg (maxdiff <= TOL * maxref,
      "%s output %d (%s): max|diff| %g > %g * max|ref| %g", name, k, isa,
      maxdiff, TOL, maxref);
  if (check_top5) {
    int a[5], b[5];
    top5 (ref, nref, a);
    top5 (out, nref, b);
    for (int r = 0; r < 5; r++)
      ck_assert_msg (a[r] == b[r], "%s (%s): top-%d is %d, torch says %d",
          name, isa, r + 1, b[r], a[r]);
  }
}

/* Run one session with input `in` (NCHW) and compare all outputs. */
static void
run_and_compare (const mnv3_model *m, const char *name, mnv3_isa isa,
    int threads, int h, int w, const float *in, int nout,
    float *const *refs, const size_t *nrefs, int check_top5)
{
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_status st;

  o.isa = isa;
  o.num_threads = threads;
  o.input_height = h;
  o.input_width = w;
  st = mnv3_session_create (m, &o, &s);
  ck_assert_msg (st == MNV3_OK, "%s %s x%d: %s", name, mnv3_isa_name (isa),
      threads, mnv3_last_error ());
  ck_assert_int_eq (mnv3_session_isa (s), isa);
  fill_input (mnv3_session_input (s, 0), in, 3, h, w);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  ck_assert_int_eq (mnv3_model_num_outputs (m), nout);
  for (int k = 0; k < nout; k++)
    compare_output (s, k, name, refs[k], nrefs[k], check_top5);
  mnv3_session_free (s);
}

START_TEST (test_parity)
{
  const char *name = models[_i].name;
  int h = models[_i].h, w = models[_i].w;
  size_t nin, nref;
  float *in = mnv3_test_read_floats (models_dir, name, ".input.bin", &nin);
  float *ref = mnv3_test_read_floats (models_dir, name, ".logits.bin", &nref);
  mnv3_model *m = load_model (name);

  ck_assert_uint_eq (nin, (size_t) 3 * h * w);
  ck_assert_uint_eq (nref, 1000);
  MNV3_TEST_FOR_EACH_ISA (isa)
    for (int threads = 1; threads <= 2; threads++)
      run_and_compare (m, name, (mnv3_isa) isa, threads, h, w, in, 1, &ref,
          &nref, 1);
  mnv3_model_free (m);
  free (in);
  free (ref);
}
END_TEST

/* What the file declares, and the metadata contract of onnx-import.c. */
START_TEST (test_info_and_metadata)
{
  const char *name = models[_i].name;
  mnv3_model *m = load_model (name);
  mnv3_tensor_info info;
  const char *labels, *p;
  int lines = 1;

  ck_assert_int_eq (mnv3_model_num_inputs (m), 1);
  ck_assert_int_eq (mnv3_model_num_outputs (m), 1);
  ck_assert_int_eq (mnv3_model_input_info (m, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.rank, 4);
  ck_assert_int_eq (info.dims[0], 1);
  ck_assert_int_eq (info.dims[1], models[_i].h);
  ck_assert_int_eq (info.dims[2], models[_i].w);
  ck_assert_int_eq (info.dims[3], 3);
  ck_assert_int_eq (mnv3_model_output_info (m, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.rank, 2);
  ck_assert_int_eq (info.dims[0], 1);
  ck_assert_int_eq (info.dims[1], 1000);
  ck_assert_str_eq (mnv3_model_metadata (m, "task"), "classification");
  ck_assert_str_eq (mnv3_model_metadata (m, "mean"), "123.675,116.28,103.53");
  ck_assert_str_eq (mnv3_model_metadata (m, "std"), "58.395,57.12,57.375");
  ck_assert (strncmp (mnv3_model_metadata (m, "model"), "mobilenet_v3_", 13)
      == 0);
  labels = mnv3_model_metadata (m, "labels");
  ck_assert (labels != NULL);
  for (p = labels; *p; p++)
    lines += *p == '\n';
  ck_assert_int_eq (lines, 1000);
  ck_assert (strncmp (labels, "tench", 5) == 0);
  mnv3_model_free (m);
}
END_TEST

/* MACs and parameters (after BN folding) of the width-1.0 networks at 224,
 * counted on torchvision's modules (conv and linear multiply-accumulates;
 * element-wise ops and pooling not counted):
 *   V3-Large: 216,589,760 MACs; 5,483,032 torch parameters, of which
 *             2 x 12,200 BN affine, + 12,200 folded conv biases = 5,470,832
 *   V3-Small:  56,510,400 MACs; 2,542,856 - 2 x 6,056 + 6,056 = 2,536,800
 * Accepted within +-4 % (an engine may count the SE multiplies or the
 * hard-swish as MACs). */
static const struct {
  const char *name;
  double macs, params;
} expected_stats[] = {
  {"v3-large-1.0-224", 216589760.0, 5470832.0},
  {"v3-small-1.0-224", 56510400.0, 2536800.0},
};

START_TEST (test_stats)
{
  mnv3_model *m = load_model (expected_stats[_i].name);
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_session_stats st;

  ck_assert_int_eq (mnv3_session_create (m, &o, &s), MNV3_OK);
  mnv3_session_get_stats (s, &st);
  ck_assert_msg (fabs (st.macs / expected_stats[_i].macs - 1) < 0.04,
      "%s: %lld MACs, expected about %.1f M", expected_stats[_i].name,
      (long long) st.macs, expected_stats[_i].macs / 1e6);
  ck_assert_msg (fabs (st.params / expected_stats[_i].params - 1) < 0.04,
      "%s: %lld params, expected about %.2f M", expected_stats[_i].name,
      (long long) st.params, expected_stats[_i].params / 1e6);
  mnv3_session_free (s);
  mnv3_model_free (m);
}
END_TEST

/* Other nets listed in cases.txt ("MODEL PREFIX H W NUM_OUTPUTS"): LR-ASPP
 * (also at a size other than the exported one: Resize sizes that torch
 * folded become SIZE_LIKE) and the operator-coverage nets of gen_models.py.
 * Every ISA; 2 threads on the best. */
START_TEST (test_cases)
{
  char path[1024], model[256], prefix[256];
  int h, w, nout, lines = 0;
  FILE *f;

  snprintf (path, sizeof path, "%s/cases.txt", models_dir);
  f = fopen (path, "r");
  ck_assert_msg (f != NULL, "cannot open %s", path);
  while (fscanf (f, "%255s %255s %d %d %d", model, prefix, &h, &w, &nout)
      == 5) {
    mnv3_model *m = load_model (model);
    float *refs[4], *in;
    size_t nrefs[4], nin;
    mnv3_isa best = mnv3_cpu_detect ();

    ck_assert (nout >= 1 && nout <= 4);
    in = mnv3_test_read_floats (models_dir, prefix, ".input.bin", &nin);
    ck_assert_uint_eq (nin, (size_t) 3 * h * w);
    for (int k = 0; k < nout; k++) {
      char suffix[32];
      snprintf (suffix, sizeof suffix, ".out%d.bin", k);
      refs[k] = mnv3_test_read_floats (models_dir, prefix, suffix, &nrefs[k]);
    }
    MNV3_TEST_FOR_EACH_ISA (isa)
      run_and_compare (m, prefix, (mnv3_isa) isa, isa == (int) best ? 2 : 1,
          h, w, in, nout, refs, nrefs, 0);
    for (int k = 0; k < nout; k++)
      free (refs[k]);
    free (in);
    mnv3_model_free (m);
    lines++;
  }
  fclose (f);
  ck_assert_int_ge (lines, 10);
}
END_TEST

/* gen_models.py's DYNAMIC exports (N, H, W symbolic in the file): without
 * metadata "input_size" the model reports -1 and a session needs a size;
 * with it, that size is the default.  Their outputs at two sizes are
 * checked against torch by test_cases. */
START_TEST (test_dynamic)
{
  mnv3_model *m = load_model ("dyn-small-hw");
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_tensor_info info;

  ck_assert_int_eq (mnv3_model_input_info (m, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.rank, 4);
  ck_assert_int_eq (info.dims[0], 1);
  ck_assert_int_eq (info.dims[1], -1);
  ck_assert_int_eq (info.dims[2], -1);
  ck_assert_int_eq (info.dims[3], 3);
  ck_assert_int_eq (mnv3_session_create (m, &o, &s), MNV3_ERR_INVALID_ARG);
  ck_assert (strstr (mnv3_last_error (), "input_height") != NULL);
  mnv3_model_free (m);

  m = load_model ("dyn-large-meta");
  ck_assert_int_eq (mnv3_model_input_info (m, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.dims[1], 192);
  ck_assert_int_eq (info.dims[2], 160);
  ck_assert_int_eq (mnv3_session_create (m, &o, &s), MNV3_OK);
  ck_assert_int_eq (mnv3_session_input_info (s, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.dims[1], 192);
  ck_assert_int_eq (info.dims[2], 160);
  mnv3_session_free (s);
  mnv3_model_free (m);
}
END_TEST

/* A real model cut short and with bytes changed: errors, never crashes. */
START_TEST (test_corrupt_real)
{
  char path[1024];
  FILE *f;
  long size;
  uint8_t *buf, *copy;
  uint32_t r = 2024;
  int failed = 0;

  snprintf (path, sizeof path, "%s/v3-small-0.75-160x128.onnx", models_dir);
  f = fopen (path, "rb");
  ck_assert (f != NULL);
  fseek (f, 0, SEEK_END);
  size = ftell (f);
  fseek (f, 0, SEEK_SET);
  buf = malloc ((size_t) size);
  ck_assert_int_eq (fread (buf, 1, (size_t) size, f), (size_t) size);
  fclose (f);
  for (int k = 0; k < 48; k++) {       /* truncations */
    size_t len = (size_t) ((double) size * k / 48.0);
    mnv3_model *m = NULL;
    copy = malloc (len ? len : 1);
    memcpy (copy, buf, len);
    ck_assert_int_ne (mnv3_model_load_memory (copy, len, "cut", &m), MNV3_OK);
    ck_assert (mnv3_last_error ()[0] != '\0');
    free (copy);
  }
  copy = malloc ((size_t) size);
  for (int k = 0; k < 64; k++) {       /* 1..4 random bytes changed */
    mnv3_model *m = NULL;
    mnv3_status st;
    memcpy (copy, buf, (size_t) size);
    for (int b = 0; b <= k % 4; b++) {
      r = r * 1103515245u + 12345u;
      copy[(r >> 4) % (uint32_t) size] ^= (uint8_t) (1 + (r >> 24) % 255);
    }
    st = mnv3_model_load_memory (copy, (size_t) size, "flipped", &m);
    if (st != MNV3_OK) {
      ck_assert (mnv3_last_error ()[0] != '\0');
      failed++;
    }
    mnv3_model_free (m);
  }
  free (copy);
  free (buf);
  (void) failed;                /* weights are most of the bytes */
}
END_TEST

static Suite *
parity_suite (void)
{
  Suite *s = suite_create ("onnx-parity");
  TCase *tc = tcase_create ("models");

  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_info_and_metadata, 0,
      sizeof models / sizeof models[0]);
  tcase_add_loop_test (tc, test_parity, 0, sizeof models / sizeof models[0]);
  tcase_add_test (tc, test_cases);
  tcase_add_test (tc, test_dynamic);
  tcase_add_test (tc, test_corrupt_real);
  tcase_add_loop_test (tc, test_stats, 0,
      sizeof expected_stats / sizeof expected_stats[0]);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{

  models_dir = getenv ("MNV3_ONNX_MODELS");
  if (!models_dir || !models_dir[0]) {
    printf ("SKIP: MNV3_ONNX_MODELS is not set (run through gen_models.py)\n");
    return 77;
  }
  return mnv3_test_run_suite (parity_suite ());
}
