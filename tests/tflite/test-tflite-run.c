/* test-tflite-run.c — the real TFLite models run end to end through the
 * public API on the committed photos, against the reference results
 * recorded with TFLite's own interpreter (see models/README.md):
 *  - MobileNetV3-Small uint8: chelsea.png -> "Egyptian cat" (p 0.57),
 *    coffee.png -> "espresso" (p 0.68);
 *  - MediaPipe selfie segmentation: a person share of ~54 % on
 *    astronaut.png, far less on coffee.png;
 *  - LR-ASPP road segmentation: class shares on street.jpg (fp32: 73.1 %
 *    background, 24.2 % lane, 1.94 % car), and the uint8/int8 models agree
 *    with the fp32 one on most pixels.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnv3.h"
#include "photo.h"

static char *
path_of (const char *env, const char *sub, const char *name)
{
  const char *dir = getenv (env);
  char *p;

  ck_assert_msg (dir != NULL, "$%s not set", env);
  p = malloc (strlen (dir) + strlen (sub) + strlen (name) + 3);
  ck_assert (p != NULL);
  sprintf (p, "%s%s/%s", dir, sub, name);
  return p;
}

static mnv3_model *
load_model (const char *name)
{
  int in_data = strstr (name, "roadseg_q") || strstr (name, "roadseg_i8");
  char *p = in_data ? path_of ("MNV3_TEST_DATA", "", name)
      : path_of ("MNV3_SOURCE_ROOT", "/models", name);
  mnv3_model *m = NULL;
  mnv3_status st = mnv3_model_load (p, &m);

  ck_assert_msg (st == MNV3_OK, "%s: %s", p, mnv3_last_error ());
  free (p);
  return m;
}

static mnv3_session *
session (const mnv3_model *m)
{
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;

  o.num_threads = 2;
  ck_assert_msg (mnv3_session_create (m, &o, &s) == MNV3_OK, "session: %s",
      mnv3_last_error ());
  return s;
}

/* First value of a "a,b,c" metadata string. */
static float
meta0 (const mnv3_model *m, const char *key)
{
  const char *v = mnv3_model_metadata (m, key);
  ck_assert_msg (v != NULL, "no '%s' metadata", key);
  return strtof (v, NULL);
}

/* Line i of the model's labels (from the sidecar .labels file). */
static void
label (const mnv3_model *m, int i, char *out, size_t size)
{
  const char *l = mnv3_model_metadata (m, "labels"), *e;

  ck_assert_msg (l != NULL, "no labels");
  while (i-- > 0 && l) {
    l = strchr (l, '\n');
    if (l)
      l++;
  }
  ck_assert (l != NULL);
  e = strchr (l, '\n');
  snprintf (out, size, "%.*s", (int) (e ? e - l : (long) strlen (l)), l);
}

/* ---- classifier -------------------------------------------------------- */

static void
classify (const char *image, const char *want, float min_p, int size)
{
  mnv3_model *m = load_model ("mobilenet_v3_small_224_1.0_uint8.tflite");
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_tensor_info info;
  mnv3_image img;
  int x, y, w, h, best = 0;
  const float *p;
  double sum = 0;
  char name[128];

  /* size != 224: the same weights planned for another input size (TF
   * SAME padding and the global pools must follow) */
  o.num_threads = 2;
  o.input_height = o.input_width = size;
  ck_assert_msg (mnv3_session_create (m, &o, &s) == MNV3_OK, "session: %s",
      mnv3_last_error ());
  mnv3_test_load_photo (image, &img);
  /* reference pre-processing: central crop 87.5 %, bilinear to 224; the
   * normalisation comes from the uint8 input's quantization (meta) */
  mnv3_image_crop_rect (img.width, img.height, 0.875f, &x, &y, &w, &h);
  mnv3_test_resample (&img, x, y, w, h, mnv3_session_input (s, 0), size,
      size, meta0 (m, "mean"), meta0 (m, "std"));
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  p = mnv3_session_output (s, 0, &info);
  ck_assert_int_eq (info.rank, 2);
  ck_assert_int_eq (info.dims[1], 1001);
  for (int i = 0; i < 1001; i++) {
    sum += p[i];
    if (p[i] > p[best])
      best = i;
  }
  /* the integer run (the default for this uint8 model) gives 1001 uint8
   * probabilities of scale 1/256, each rounded: their sum is only near 1 */
  ck_assert_msg (fabs (sum - 1.0) < (mnv3_session_is_quantized (s) ? 0.1
          : 1e-3), "softmax sums to %g", sum);
  label (m, best, name, sizeof name);   /* index 0 is "background" */
  ck_assert_msg (!strcmp (name, want), "%s: top-1 %d '%s' (p %.3f), want "
      "'%s'", image, best, name, p[best], want);
  ck_assert_msg (p[best] > min_p, "%s: p %.3f", image, p[best]);
  printf ("%s at %d: '%s' p %.3f\n", image, size, name, p[best]);
  mnv3_session_free (s);
  mnv3_model_free (m);
  mnv3_image_free (&img);
}

START_TEST (test_classify_chelsea)
{
  /* TFLite's integer execution gives p 0.57; float execution of the
   * dequantized weights gives 0.66 here */
  classify ("chelsea.png", "Egyptian cat", 0.42f, 224);
  classify ("chelsea.png", "Egyptian cat", 0.3f, 288);
}
END_TEST

START_TEST (test_classify_coffee)
{
  /* reference 0.68; 0.71 measured */
  classify ("coffee.png", "espresso", 0.53f, 224);
  classify ("coffee.png", "espresso", 0.3f, 192);
}
END_TEST

/* ---- selfie segmentation ----------------------------------------------- */

/* Share of pixels with person probability > 0.5; the whole image is
 * stretched to the model's input, pixels scaled to [0, 1]. */
static double
person_share (const char *model, const char *image, int oh, int ow)
{
  mnv3_model *m = load_model (model);
  mnv3_session *s = session (m);
  mnv3_tensor_info info;
  mnv3_image img;
  const float *p;
  int64_t n = 0;

  mnv3_test_load_photo (image, &img);
  mnv3_test_resample (&img, 0, 0, img.width, img.height,
      mnv3_session_input (s, 0), oh, ow, 0.f, 255.f);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  p = mnv3_session_output (s, 0, &info);
  ck_assert_int_eq (info.rank, 4);
  ck_assert_int_eq (info.dims[1], oh);
  ck_assert_int_eq (info.dims[2], ow);
  ck_assert_int_eq (info.dims[3], 1);
  for (int i = 0; i < oh * ow; i++) {
    ck_assert_msg (p[i] >= 0.f && p[i] <= 1.f, "probability %g", p[i]);
    n += p[i] > 0.5f;
  }
  mnv3_session_free (s);
  mnv3_model_free (m);
  mnv3_image_free (&img);
  return (double) n / (oh * ow);
}

START_TEST (test_selfie)
{
  double a = person_share ("selfie_segmentation.tflite", "astronaut.png",
      256, 256);
  double c = person_share ("selfie_segmentation.tflite", "coffee.png",
      256, 256);
  double l = person_share ("selfie_segmentation_landscape.tflite",
      "astronaut.png", 144, 256);

  printf ("selfie person share: astronaut %.1f %%, coffee %.1f %%, "
      "landscape astronaut %.1f %%\n", 100 * a, 100 * c, 100 * l);
  /* reference ~54 % (measured 54.5 %).  On coffee.png the model itself
   * hallucinates a centred blob (the cup on its saucer): 21 % measured,
   * identical on every ISA, while the astronaut's mask is a clean
   * silhouette; so the check is "far below the person image". */
  ck_assert_msg (a > 0.40 && a < 0.65, "astronaut person share %.3f", a);
  ck_assert_msg (c < 0.30 && c < a - 0.25, "coffee person share %.3f", c);
  ck_assert_msg (l > 0.35 && l < 0.70, "landscape share %.3f", l);
}
END_TEST

/* ---- road segmentation ------------------------------------------------- */
#ifdef HAVE_JPEG

#define RS_H 513
#define RS_W 1025

/* Class map of street.jpg with the author's crop (rows 68..1035). */
static float *
roadseg (const char *model, const mnv3_image *img, int use_meta)
{
  mnv3_model *m = load_model (model);
  mnv3_session *s = session (m);
  mnv3_tensor_info info;
  float *map = malloc (sizeof (float) * RS_H * RS_W);
  /* the fp32 model takes x/128-1; quantized ones say it in metadata */
  float mean = use_meta ? meta0 (m, "mean") : 128.f;
  float std = use_meta ? meta0 (m, "std") : 128.f;
  const float *p;

  ck_assert (map != NULL);
  mnv3_test_resample (img, 0, 68, img->width, 968,
      mnv3_session_input (s, 0), RS_H, RS_W, mean, std);
  ck_assert_int_eq (mnv3_session_run (s), MNV3_OK);
  p = mnv3_session_output (s, 0, &info);
  ck_assert_int_eq (info.rank, 3);
  ck_assert_int_eq (info.dims[1], RS_H);
  ck_assert_int_eq (info.dims[2], RS_W);
  memcpy (map, p, sizeof (float) * RS_H * RS_W);
  mnv3_session_free (s);
  mnv3_model_free (m);
  return map;
}

START_TEST (test_roadseg)
{
  mnv3_image img;
  float *f, *q, *i8;
  double share[5] = { 0 }, agree_q = 0, agree_i8 = 0;
  const int n = RS_H * RS_W;

  mnv3_test_load_photo ("street.jpg", &img);
  ck_assert_int_eq (img.width, 1936);
  ck_assert_int_eq (img.height, 1216);
  f = roadseg ("lraspp_mobilenet_v3_small_roadseg_f.tflite", &img, 0);
  q = roadseg ("lraspp_mobilenet_v3_small_roadseg_q.tflite", &img, 1);
  i8 = roadseg ("lraspp_mobilenet_v3_small_roadseg_i8.tflite", &img, 1);
  for (int i = 0; i < n; i++) {
    int c = (int) f[i];
    ck_assert_msg (c >= 0 && c < 5 && f[i] == c, "class %g", f[i]);
    share[c] += 1.0 / n;
    agree_q += (q[i] == f[i]) / (double) n;
    agree_i8 += (i8[i] == f[i]) / (double) n;
  }
  printf ("roadseg shares: bg %.2f %% lane %.2f %% signal %.2f %% "
      "pedestrian %.2f %% car %.2f %%; uint8 agrees %.1f %%, int8 %.1f %%\n",
      100 * share[0], 100 * share[1], 100 * share[2], 100 * share[3],
      100 * share[4], 100 * agree_q, 100 * agree_i8);
  /* reference (TFLite, fp32): 73.1 / 24.2 / 0.54 / 0.21 / 1.94 %; our
   * resampling of the crop differs slightly from the author's */
  ck_assert_msg (fabs (share[0] - 0.731) < 0.03, "background %.4f",
      share[0]);
  ck_assert_msg (fabs (share[1] - 0.242) < 0.03, "lane %.4f", share[1]);
  ck_assert_msg (share[4] > 0.01 && share[4] < 0.03, "car %.4f", share[4]);
  ck_assert_msg (share[2] > 0.001 && share[2] < 0.015, "signal %.4f",
      share[2]);
  /* the reference uint8 model agrees on 97.5 % (integer execution) */
  ck_assert_msg (agree_q > 0.93, "uint8 agreement %.3f", agree_q);
  ck_assert_msg (agree_i8 > 0.93, "int8 agreement %.3f", agree_i8);
  free (f);
  free (q);
  free (i8);
  mnv3_image_free (&img);
}
END_TEST
#endif /* HAVE_JPEG */

/* ---- corrupt models through the whole engine ----------------------------- */

static uint32_t
lcg (uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* A file with flipped bytes that still imports (a changed weight, name,
 * stride, size...) must still load, plan and run without crashing, or
 * fail with a message. */
START_TEST (test_corrupt_models_run)
{
  char *p = path_of ("MNV3_SOURCE_ROOT", "/models",
      "selfie_segmentation.tflite");
  FILE *f = fopen (p, "rb");
  uint8_t *d, *c;
  long n;
  uint32_t seed = 2024;
  int loaded = 0;

  ck_assert (f != NULL);
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  rewind (f);
  d = malloc ((size_t) n);
  c = malloc ((size_t) n);
  ck_assert (d && c);
  ck_assert_int_eq (fread (d, 1, (size_t) n, f), (size_t) n);
  fclose (f);
  for (int i = 0; i < 120; i++) {
    mnv3_model *m = NULL;
    mnv3_session *s = NULL;
    mnv3_session_options o = mnv3_session_options_default ();
    memcpy (c, d, (size_t) n);
    for (int k = 0; k < 2; k++)
      c[lcg (&seed) % (uint32_t) n] ^= (uint8_t) (1 + lcg (&seed) % 255);
    if (mnv3_model_load_memory (c, (size_t) n, "corrupt", &m) != MNV3_OK) {
      ck_assert (mnv3_last_error ()[0]);
      continue;
    }
    loaded++;
    if (mnv3_session_create (m, &o, &s) == MNV3_OK) {
      mnv3_session_run (s);
      mnv3_session_free (s);
    } else
      ck_assert (mnv3_last_error ()[0]);
    mnv3_model_free (m);
  }
  ck_assert_int_gt (loaded, 0);
  free (c);
  free (d);
  free (p);
}
END_TEST

static Suite *
run_suite (void)
{
  Suite *s = suite_create ("tflite-run");
  TCase *tc = tcase_create ("models");

  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_classify_chelsea);
  tcase_add_test (tc, test_classify_coffee);
  tcase_add_test (tc, test_selfie);
  tcase_add_test (tc, test_corrupt_models_run);
#ifdef HAVE_JPEG
  tcase_add_test (tc, test_roadseg);
#endif
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (run_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
