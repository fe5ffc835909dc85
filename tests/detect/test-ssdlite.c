/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SSDLite detection: models/detect.c unit tests, and (with
 * $MNV3_DETECT_MODELS from gen_detect.py) parity with torch/torchvision:
 *  - raw cls_logits / bbox_regression: max|diff| <= 1e-4 * max|ref| on
 *    every ISA the CPU has, 1 and 2 threads;
 *  - anchors equal DefaultBoxGenerator's within 1e-4 px (320x320 and other
 *    sizes);
 *  - mnv3_detector_run on torch's raw outputs equals torchvision's
 *    postprocess_detections: same count, labels and order, boxes within
 *    1e-3 px, scores within 1e-5.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "detect.h"
#include "mnv3.h"
#include "support.h"

#define TOL 1e-4

static const char *models_dir;

static const char *const models[] = { "ssdlite-v3-large",
  "ssdlite-v3-small" };
/* gen_detect.py's POST: score, iou, topk, max detections */
static const float post[][4] = { {0.001f, 0.55f, 300, 300},
  {0.3f, 0.45f, 300, 300}, {0.02f, 0.3f, 20, 50} };

static mnv3_model *
load_model (const char *name)
{
  char path[1024];
  mnv3_model *m = NULL;

  snprintf (path, sizeof path, "%s/%s.onnx", models_dir, name);
  ck_assert_msg (mnv3_model_load (path, &m) == MNV3_OK, "%s: %s", path,
      mnv3_last_error ());
  return m;
}

/* ---- unit tests (no files) -------------------------------------------- */

/* torchvision 0.14 DefaultBoxGenerator([[2,3]]*6, 0.2, 0.95) at 320x320,
 * printed from torch: anchor 0, 5, 6*20*20 (first of map 1) and the last. */
START_TEST (test_anchors_320)
{
  mnv3_det_config cfg;
  float *a;
  int n;

  mnv3_det_config_ssdlite (&cfg, 320, 320);
  n = mnv3_det_num_anchors (&cfg);
  ck_assert_int_eq (n, 6 * (400 + 100 + 25 + 9 + 4 + 1));
  ck_assert_int_eq (n, 3234);
  a = malloc ((size_t) n * 4 * sizeof *a);
  mnv3_det_anchors (&cfg, a);
  /* map 0, position (0,0), pair 0: s=0.2 -> 64 px centred at 8 */
  ck_assert_float_eq_tol (a[0], 8.f - 32.f, 1e-4f);
  ck_assert_float_eq_tol (a[1], 8.f - 32.f, 1e-4f);
  ck_assert_float_eq_tol (a[2], 8.f + 32.f, 1e-4f);
  ck_assert_float_eq_tol (a[3], 8.f + 32.f, 1e-4f);
  /* last anchor: map 5 (1x1, centre 160), s=0.95, ratio 3 transposed:
   * w = 0.95/sqrt(3), h = min(1, 0.95*sqrt(3)) = 1 */
  {
    const float *l = a + 4 * (n - 1);
    float w = (float) (0.95 / sqrt (3.0)) * 0.5f * 320.f;
    ck_assert_float_eq_tol (l[0], 160.f - w, 1e-3f);
    ck_assert_float_eq_tol (l[1], 0.f, 1e-4f);
    ck_assert_float_eq_tol (l[2], 160.f + w, 1e-3f);
    ck_assert_float_eq_tol (l[3], 320.f, 1e-4f);
  }
  free (a);
}
END_TEST

START_TEST (test_resize_maps)
{
  mnv3_det_config cfg;
  static const int want[6] = {16, 8, 4, 2, 1, 1};

  mnv3_det_config_ssdlite (&cfg, 320, 320);
  ck_assert_int_eq (mnv3_det_config_resize (&cfg, 256, 192), MNV3_OK);
  for (int k = 0; k < 6; k++)
    ck_assert_int_eq (cfg.map_h[k], want[k]);
  ck_assert_int_eq (cfg.map_w[0], 12);
  ck_assert_int_eq (cfg.map_w[1], 6);
  ck_assert_int_eq (cfg.map_w[2], 3);
  ck_assert_int_eq (cfg.map_w[3], 2);
  ck_assert_int_eq (cfg.map_w[5], 1);
}
END_TEST

START_TEST (test_decode)
{
  mnv3_det_config cfg;
  float anc[8] = {10, 20, 30, 60, 0, 0, 320, 320};
  float reg[8] = {0, 0, 0, 0, 10, -10, 100, 100}, out[8];

  mnv3_det_config_ssdlite (&cfg, 320, 320);
  mnv3_det_decode (&cfg, reg, anc, 2, out);
  /* zero codes give the anchor back */
  for (int k = 0; k < 4; k++)
    ck_assert_float_eq_tol (out[k], anc[k], 1e-4f);
  /* huge codes: dw/dh clamped to log(1000/16), then clipped to the image */
  ck_assert_float_eq_tol (out[4], 0.f, 1e-6f);
  ck_assert_float_eq_tol (out[5], 0.f, 1e-6f);
  ck_assert_float_eq_tol (out[6], 320.f, 1e-6f);
  ck_assert_float_eq_tol (out[7], 320.f, 1e-6f);
  /* dx = 1 (code 10 / weight 10): centre moves by one width */
  reg[4] = 10.f; reg[5] = 0.f; reg[6] = 0.f; reg[7] = 0.f;
  anc[4] = 10.f; anc[5] = 10.f; anc[6] = 30.f; anc[7] = 30.f;
  mnv3_det_decode (&cfg, reg, anc, 2, out);
  ck_assert_float_eq_tol (out[4], 30.f, 1e-4f);
  ck_assert_float_eq_tol (out[6], 50.f, 1e-4f);
}
END_TEST

static mnv3_detection
det (float x0, float y0, float x1, float y1, float s, int label)
{
  mnv3_detection d = {x0, y0, x1, y1, s, label, 0};
  return d;
}

START_TEST (test_nms_edges)
{
  mnv3_detection d[8];
  int keep[8];

  memset (d, 0, sizeof d);
  /* no box */
  ck_assert_int_eq (mnv3_det_nms (d, 0, 0.5f, keep), 0);
  /* all boxes equal: one survives per label, the first */
  for (int i = 0; i < 6; i++)
    d[i] = det (10, 10, 50, 50, 0.9f - 0.1f * i, 1 + (i >= 4));
  ck_assert_int_eq (mnv3_det_nms (d, 6, 0.55f, keep), 2);
  ck_assert_int_eq (keep[0], 0);
  ck_assert_int_eq (keep[1], 4);
  /* degenerate boxes (zero area, inverted) neither suppress nor get
   * suppressed, as torchvision's NaN IoU */
  d[0] = det (10, 10, 10, 50, 0.9f, 1);
  d[1] = det (10, 10, 10, 50, 0.8f, 1);
  d[2] = det (30, 30, 20, 20, 0.7f, 1);
  d[3] = det (0, 0, 40, 40, 0.6f, 1);
  ck_assert_int_eq (mnv3_det_nms (d, 4, 0.1f, keep), 4);
  /* IoU exactly at the threshold is kept (suppress only when greater):
   * [0,0,10,10] and [0,0,10,20]: IoU 0.5 */
  d[0] = det (0, 0, 10, 10, 0.9f, 3);
  d[1] = det (0, 0, 10, 20, 0.8f, 3);
  ck_assert_int_eq (mnv3_det_nms (d, 2, 0.5f, keep), 2);
  ck_assert_int_eq (mnv3_det_nms (d, 2, 0.49f, keep), 1);
  /* NaN coordinates do not crash and do not suppress others */
  d[0] = det (NAN, 0, 10, 10, 0.9f, 3);
  d[1] = det (0, 0, 10, 10, 0.8f, 3);
  ck_assert_int_eq (mnv3_det_nms (d, 2, 0.5f, keep), 2);
}
END_TEST

/* Thousands of boxes through the detector: a grid of 3000 anchors whose
 * logits make every anchor a class-1 candidate; overlapping neighbours are
 * suppressed exactly as a brute-force reference says. */
START_TEST (test_detector_many)
{
  mnv3_det_config cfg;
  mnv3_detector *d;
  mnv3_det_params p = mnv3_det_params_default ();
  int na, nc = 3, n;
  float *cls, *reg;
  mnv3_detection *out, *ref;
  int *keep;

  mnv3_det_config_ssdlite (&cfg, 320, 320);
  cfg.num_classes = nc;
  ck_assert_int_eq (mnv3_detector_create (&cfg, &d), MNV3_OK);
  na = mnv3_detector_num_anchors (d);
  cls = calloc ((size_t) na * nc, sizeof *cls);
  reg = calloc ((size_t) na * 4, sizeof *reg);
  out = malloc ((size_t) na * 2 * sizeof *out);
  ref = malloc ((size_t) na * 2 * sizeof *ref);
  keep = malloc ((size_t) na * 2 * sizeof *keep);
  srand (7);
  for (int a = 0; a < na; a++) {
    cls[a * nc + 1] = 3.f + (float) (rand () % 1000) / 500.f;
    cls[a * nc + 2] = (a % 3 == 0) ? 3.5f : -5.f;
  }
  p.score_threshold = 0.2f;
  p.topk_per_class = 0;          /* no cap: all candidates */
  p.max_detections = 0;
  n = mnv3_detector_run (d, cls, reg, &p, out, na * 2);
  ck_assert_int_gt (n, 100);
  /* brute force: candidates sorted, class-blind greedy with labels */
  {
    int m = 0, nk;
    const float *anc = mnv3_detector_anchors (d);
    for (int a = 0; a < na; a++)
      for (int c = 1; c < nc; c++) {
        float mx = fmaxf (cls[a * nc], fmaxf (cls[a * nc + 1],
                cls[a * nc + 2])), sum = 0.f, s;
        for (int k = 0; k < nc; k++)
          sum += expf (cls[a * nc + k] - mx);
        s = expf (cls[a * nc + c] - mx) / sum;
        if (s > p.score_threshold)
          ref[m++] = (mnv3_detection) {anc[4 * a], anc[4 * a + 1],
            fminf (anc[4 * a + 2], 320.f), fminf (anc[4 * a + 3], 320.f), s,
            c, a};
      }
    for (int i = 0; i < m; i++)          /* insertion sort, score desc */
      for (int j = i; j > 0 && (ref[j].score > ref[j - 1].score
              || (ref[j].score == ref[j - 1].score
                  && (ref[j].label < ref[j - 1].label
                      || (ref[j].label == ref[j - 1].label
                          && ref[j].anchor < ref[j - 1].anchor)))); j--) {
        mnv3_detection t = ref[j];
        ref[j] = ref[j - 1];
        ref[j - 1] = t;
      }
    for (int i = 0; i < m; i++) {        /* clip like decode does */
      ref[i].x0 = fmaxf (ref[i].x0, 0.f);
      ref[i].y0 = fmaxf (ref[i].y0, 0.f);
    }
    ck_assert_int_gt (m, 3000);
    nk = mnv3_det_nms (ref, m, p.iou_threshold, keep);
    ck_assert_int_eq (n, nk);
    for (int i = 0; i < n; i++) {
      ck_assert_int_eq (out[i].anchor, ref[keep[i]].anchor);
      ck_assert_int_eq (out[i].label, ref[keep[i]].label);
    }
  }
  /* max detections and the output capacity cap the count */
  p.max_detections = 10;
  ck_assert_int_eq (mnv3_detector_run (d, cls, reg, &p, out, na), 10);
  ck_assert_int_eq (mnv3_detector_run (d, cls, reg, &p, out, 3), 3);
  /* nothing above threshold */
  p.score_threshold = 0.999f;
  ck_assert_int_eq (mnv3_detector_run (d, cls, reg, &p, out, na), 0);
  /* NaN logits: no detection, no crash */
  for (int i = 0; i < na * nc; i++)
    cls[i] = NAN;
  p.score_threshold = 0.f;
  ck_assert_int_eq (mnv3_detector_run (d, cls, reg, &p, out, na), 0);
  mnv3_detector_free (d);
  free (cls);
  free (reg);
  free (out);
  free (ref);
  free (keep);
}
END_TEST

START_TEST (test_map_to_frame)
{
  mnv3_rect src, dst;
  mnv3_detection d[2];

  /* letterbox 640x360 into 320x320: dst = 320x180 at y=70 */
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 640, 360, 320, 320, &src, &dst);
  d[0] = det (0, 70, 320, 250, 0.9f, 1);
  d[1] = det (160, 0, 200, 100, 0.9f, 1);   /* partly in the bar */
  mnv3_det_map_to_frame (d, 2, &src, &dst);
  ck_assert_float_eq_tol (d[0].x0, 0.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].y0, 0.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].x1, 640.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].y1, 360.f, 1e-3f);
  ck_assert_float_eq_tol (d[1].x0, 320.f, 1e-3f);
  ck_assert_float_eq_tol (d[1].y0, 0.f, 1e-3f);
  ck_assert_float_eq_tol (d[1].y1, 60.f, 1e-3f);
  /* center-crop 640x360: src = 360x360 at x=140 */
  mnv3_preprocess_fit (MNV3_FIT_CENTER_CROP, 640, 360, 320, 320, &src, &dst);
  d[0] = det (0, 0, 160, 320, 0.9f, 1);
  mnv3_det_map_to_frame (d, 1, &src, &dst);
  ck_assert_float_eq_tol (d[0].x0, 140.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].x1, 320.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].y1, 360.f, 1e-3f);
  /* stretch 1920x1080 */
  mnv3_preprocess_fit (MNV3_FIT_STRETCH, 1920, 1080, 320, 320, &src, &dst);
  d[0] = det (32, 32, 64, 160, 0.9f, 1);
  mnv3_det_map_to_frame (d, 1, &src, &dst);
  ck_assert_float_eq_tol (d[0].x0, 192.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].y0, 108.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].x1, 384.f, 1e-3f);
  ck_assert_float_eq_tol (d[0].y1, 540.f, 1e-3f);
}
END_TEST

/* A classifier is not a detection model: a clear error. */
START_TEST (test_bad_model)
{
  char path[1024];
  const char *root = getenv ("MNV3_SOURCE_ROOT");
  mnv3_model *m = NULL;
  mnv3_det_config cfg;

  if (!root)
    return;
  snprintf (path, sizeof path, "%s/models/mobilenet_v3_small_224_1.0_uint8"
      ".tflite", root);
  ck_assert_int_eq (mnv3_model_load (path, &m), MNV3_OK);
  ck_assert_int_eq (mnv3_det_config_from_model (m, &cfg),
      MNV3_ERR_INVALID_ARG);
  ck_assert_msg (strstr (mnv3_last_error (), "not a detection model"),
      "%s", mnv3_last_error ());
  mnv3_model_free (m);
}
END_TEST

/* ---- parity (gen_detect.py files) ------------------------------------- */

static void
compare (const float *out, const float *ref, size_t n, const char *what,
    const char *isa, int threads)
{
  double maxref = 0, maxdiff = 0;

  for (size_t i = 0; i < n; i++) {
    maxref = fmax (maxref, fabs (ref[i]));
    maxdiff = fmax (maxdiff, fabs ((double) out[i] - ref[i]));
  }
  ck_assert_msg (maxdiff <= TOL * maxref,
      "%s (%s x%d): max|diff| %g > %g * max|ref| %g", what, isa, threads,
      maxdiff, TOL, maxref);
}

START_TEST (test_parity_raw)
{
  const char *name = models[_i];
  size_t nin, ncls, nreg;
  float *in = mnv3_test_read_floats (models_dir, name, ".input.bin", &nin);
  float *cls = mnv3_test_read_floats (models_dir, name, ".cls_logits.bin",
      &ncls);
  float *reg = mnv3_test_read_floats (models_dir, name,
      ".bbox_regression.bin", &nreg);
  mnv3_model *m = load_model (name);
  mnv3_tensor_info info;

  ck_assert_uint_eq (nin, 3 * 320 * 320);
  ck_assert_uint_eq (ncls, 3234 * 91);
  ck_assert_uint_eq (nreg, 3234 * 4);
  ck_assert_int_eq (mnv3_model_num_outputs (m), 2);
  ck_assert_int_eq (mnv3_model_output_info (m, 0, &info), MNV3_OK);
  ck_assert_int_eq (info.rank, 3);
  ck_assert_int_eq (info.dims[1], 3234);
  ck_assert_int_eq (info.dims[2], 91);
  MNV3_TEST_FOR_EACH_ISA (isa)
    for (int threads = 1; threads <= 2; threads++) {
      mnv3_session_options o = mnv3_session_options_default ();
      mnv3_session *s = NULL;
      float *x;
      o.isa = (mnv3_isa) isa;
      o.num_threads = threads;
      ck_assert_msg (mnv3_session_create (m, &o, &s) == MNV3_OK, "%s",
          mnv3_last_error ());
      x = mnv3_session_input (s, 0);
      for (int c = 0; c < 3; c++)
        for (int p = 0; p < 320 * 320; p++)
          x[p * 3 + c] = in[c * 320 * 320 + p];
      ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
      compare (mnv3_session_output (s, 0, NULL), cls, ncls, "cls_logits",
          mnv3_isa_name ((mnv3_isa) isa), threads);
      compare (mnv3_session_output (s, 1, NULL), reg, nreg,
          "bbox_regression", mnv3_isa_name ((mnv3_isa) isa), threads);
      mnv3_session_free (s);
    }
  mnv3_model_free (m);
  free (in);
  free (cls);
  free (reg);
}
END_TEST

static void
check_anchors (const mnv3_det_config *cfg, const char *file)
{
  size_t n;
  float *ref = mnv3_test_read_floats (models_dir, file, ".bin", &n);
  int na = mnv3_det_num_anchors (cfg);
  float *a = malloc ((size_t) na * 4 * sizeof *a);
  double maxdiff = 0;

  ck_assert_uint_eq (n, (size_t) na * 4);
  mnv3_det_anchors (cfg, a);
  for (size_t i = 0; i < n; i++)
    maxdiff = fmax (maxdiff, fabs ((double) a[i] - ref[i]));
  ck_assert_msg (maxdiff <= 1e-4, "%s: anchors differ by %g px", file,
      maxdiff);
  free (a);
  free (ref);
}

START_TEST (test_parity_anchors)
{
  static const int sizes[][2] = { {256, 192}, {300, 300}, {333, 500} };
  mnv3_model *m = load_model (models[0]);
  mnv3_det_config cfg, base;
  char name[128];

  ck_assert_msg (mnv3_det_config_from_model (m, &base) == MNV3_OK, "%s",
      mnv3_last_error ());
  ck_assert_int_eq (base.num_classes, 91);
  ck_assert_int_eq (mnv3_det_num_anchors (&base), 3234);
  snprintf (name, sizeof name, "%s.anchors", models[0]);
  check_anchors (&base, name);
  for (int k = 0; k < 3; k++) {
    cfg = base;
    ck_assert_int_eq (mnv3_det_config_resize (&cfg, sizes[k][0],
            sizes[k][1]), MNV3_OK);
    snprintf (name, sizeof name, "anchors-%dx%d", sizes[k][0], sizes[k][1]);
    check_anchors (&cfg, name);
  }
  mnv3_model_free (m);
}
END_TEST

START_TEST (test_parity_postprocess)
{
  const char *name = models[_i / 3];
  int set = _i % 3;
  size_t ncls, nreg, nref;
  float *cls = mnv3_test_read_floats (models_dir, name, ".cls_logits.bin",
      &ncls);
  float *reg = mnv3_test_read_floats (models_dir, name,
      ".bbox_regression.bin", &nreg);
  char suffix[32];
  float *ref;
  mnv3_model *m = load_model (name);
  mnv3_det_config cfg;
  mnv3_detector *d;
  mnv3_det_params p = mnv3_det_params_default ();
  mnv3_detection out[400];
  int n;

  snprintf (suffix, sizeof suffix, ".dets-%d.bin", set);
  ref = mnv3_test_read_floats (models_dir, name, suffix, &nref);
  ck_assert_int_eq (mnv3_det_config_from_model (m, &cfg), MNV3_OK);
  ck_assert_int_eq (mnv3_detector_create (&cfg, &d), MNV3_OK);
  p.score_threshold = post[set][0];
  p.iou_threshold = post[set][1];
  p.topk_per_class = (int) post[set][2];
  p.max_detections = (int) post[set][3];
  n = mnv3_detector_run (d, cls, reg, &p, out, 400);
  ck_assert_int_eq ((size_t) n, nref / 6);
  ck_assert_int_gt (n, 0);
  for (int i = 0; i < n; i++) {
    const float *r = ref + 6 * i;
    ck_assert_msg (out[i].label == (int) r[5],
        "%s set %d det %d: label %d, torchvision %d (score %g vs %g)", name,
        set, i, out[i].label, (int) r[5], (double) out[i].score,
        (double) r[4]);
    ck_assert_float_eq_tol (out[i].score, r[4], 1e-5f);
    ck_assert_float_eq_tol (out[i].x0, r[0], 1e-3f);
    ck_assert_float_eq_tol (out[i].y0, r[1], 1e-3f);
    ck_assert_float_eq_tol (out[i].x1, r[2], 1e-3f);
    ck_assert_float_eq_tol (out[i].y1, r[3], 1e-3f);
  }
  mnv3_detector_free (d);
  mnv3_model_free (m);
  free (cls);
  free (reg);
  free (ref);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("detect");
  TCase *u = tcase_create ("unit");
  SRunner *r;
  int failed;

  models_dir = getenv ("MNV3_DETECT_MODELS");
  tcase_add_test (u, test_anchors_320);
  tcase_add_test (u, test_resize_maps);
  tcase_add_test (u, test_decode);
  tcase_add_test (u, test_nms_edges);
  tcase_add_test (u, test_detector_many);
  tcase_add_test (u, test_map_to_frame);
  tcase_add_test (u, test_bad_model);
  suite_add_tcase (s, u);
  if (models_dir) {
    TCase *p = tcase_create ("parity");
    tcase_set_timeout (p, 600);
    tcase_add_loop_test (p, test_parity_raw, 0, 2);
    tcase_add_test (p, test_parity_anchors);
    tcase_add_loop_test (p, test_parity_postprocess, 0, 6);
    suite_add_tcase (s, p);
  }
  r = srunner_create (s);
  srunner_run_all (r, CK_NORMAL);
  failed = srunner_ntests_failed (r);
  srunner_free (r);
  return failed ? 1 : 0;
}
