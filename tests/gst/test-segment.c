/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3segment and GstMnv3SegmentationMeta with the real models:
 *  - the LR-ASPP road segmenter on street.jpg with its author's crop (rows
 *    68..1035): class shares within 1 percentage point of the TFLite
 *    reference (background 73.1 %, lane 24.2 %, car 1.94 %), and the
 *    uint8 / int8 files agree with the fp32 one;
 *  - the selfie model on astronaut.png: a plausible person share (TF.js:
 *    ~54 %) with the mask's centre of mass on the person; coffee.png far
 *    below;
 *  - placement of the map in the frame in every resize-mode;
 *  - the meta through videoscale; bad models give clear errors.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3segmentationmeta.h"

#if defined(HAVE_GST_ANALYTICS) && GST_CHECK_VERSION(1, 26, 0)
#define TEST_SEGMENTATION_MTD 1
#include <gst/analytics/analytics.h>
#endif
#include "gst-support.h"
#include "photo.h"

static gchar *
data_path (const gchar * name)
{
  const gchar *dir = g_getenv ("MNV3_TEST_DATA");

  fail_unless (dir != NULL, "MNV3_TEST_DATA is not set");
  return g_build_filename (dir, name, NULL);
}

static gchar *
model_path (const gchar * name)
{
  const gchar *dir = g_getenv ("MNV3_MODEL_DIR");

  fail_unless (dir != NULL, "MNV3_MODEL_DIR is not set");
  return g_build_filename (dir, name, NULL);
}

/* An RGB frame of the rows [y0, y0+h) of img, centred on a w x h canvas
 * filled with fill (w >= img width). */
static GstBuffer *
rgb_frame (const mnv3_image * img, int y0, int h, int w, guint8 fill)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, (gsize) w * h * 3, NULL);
  GstMapInfo map;
  int x0 = (w - img->width) / 2;

  fail_unless (x0 >= 0);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  memset (map.data, fill, map.size);
  for (int y = 0; y < h; y++)
    memcpy (map.data + ((size_t) y * w + x0) * 3,
        img->rgb + (size_t) (y0 + y) * img->width * 3,
        (size_t) img->width * 3);
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Push one frame through launch; the returned buffer carries the meta. */
static GstBuffer *
segment_frame (const gchar * launch, GstBuffer * in, int w, int h)
{
  GstHarness *hs = gst_harness_new_parse (launch);
  GstBuffer *out;
  gchar *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,height=%d,"
      "framerate=30/1", w, h);

  gst_harness_set_src_caps_str (hs, caps);
  g_free (caps);
  fail_unless_equals_int (gst_harness_push (hs, in), GST_FLOW_OK);
  out = gst_harness_pull (hs);
  fail_unless (out != NULL);
  gst_harness_teardown (hs);
  return out;
}

/* ---- the road model --------------------------------------------------- */

static GstBuffer *
road (const gchar * model, const mnv3_image * street)
{
  gchar *path = g_str_has_suffix (model, "_f.tflite") ? model_path (model)
      : data_path (model);
  gchar *launch = g_strdup_printf ("mnv3segment model=%s num-threads=2",
      path);
  /* the author's crop: rows 68..1035 of the 1936x1216 frame */
  GstBuffer *out = segment_frame (launch, rgb_frame (street, 68, 968,
          street->width, 0), street->width, 968);

  g_free (launch);
  g_free (path);
  return out;
}

GST_START_TEST (test_road_model)
{
  static const double ref[5] = { 0.731, 0.242, 0.0054, 0.0021, 0.0194 };
  mnv3_image street;
  GstBuffer *f, *q, *i8;
  GstMnv3SegmentationMeta *mf, *mq, *mi;
  gdouble share[5];
  gsize n, same_q = 0, same_i8 = 0;

  mnv3_test_load_photo ("street.jpg", &street);
  fail_unless_equals_int (street.width, 1936);
  fail_unless_equals_int (street.height, 1216);
  f = road ("lraspp_mobilenet_v3_small_roadseg_f.tflite", &street);
  q = road ("lraspp_mobilenet_v3_small_roadseg_q.tflite", &street);
  i8 = road ("lraspp_mobilenet_v3_small_roadseg_i8.tflite", &street);
  mf = gst_buffer_get_mnv3_segmentation_meta (f);
  mq = gst_buffer_get_mnv3_segmentation_meta (q);
  mi = gst_buffer_get_mnv3_segmentation_meta (i8);
  fail_unless (mf && mq && mi);
  fail_unless_equals_int (mf->width, 1025);
  fail_unless_equals_int (mf->height, 513);
  fail_unless (mf->probability == NULL);
  fail_unless_equals_int (mf->n_labels, 5);
  fail_unless_equals_string (mf->labels[1], "lane");
  fail_unless_equals_string (mq->labels[4], "car");
  fail_unless (mf->region.x == 0 && mf->region.y == 0
      && mf->region.w == 1936 && mf->region.h == 968);

  fail_unless_equals_int (gst_mnv3_segmentation_meta_class_fractions (mf,
          share, 5), 5);
  g_print ("road (fp32): background %.2f %% lane %.2f %% signal %.2f %% "
      "pedestrian %.2f %% car %.2f %%\n", 100 * share[0], 100 * share[1],
      100 * share[2], 100 * share[3], 100 * share[4]);
  for (int k = 0; k < 5; k++)
    fail_unless (fabs (share[k] - ref[k]) <= 0.01, "class %d: %.2f %% vs "
        "reference %.2f %%", k, 100 * share[k], 100 * ref[k]);

  n = (gsize) mf->width * mf->height;
  fail_unless (mq->width == mf->width && mi->height == mf->height);
  for (gsize i = 0; i < n; i++) {
    same_q += mq->class_map[i] == mf->class_map[i];
    same_i8 += mi->class_map[i] == mf->class_map[i];
  }
  g_print ("road: uint8 agrees with fp32 on %.2f %%, int8 on %.2f %%\n",
      100.0 * same_q / n, 100.0 * same_i8 / n);
  /* both quantized models run in integer by default, byte for byte as
   * TFLite's kernels run them (suite quant, tflite-exact); reference for
   * the uint8 one (TFLite, integer execution): 97.5 %.  The int8 one (a
   * post-training quantization) measured 94.3 % here: what TFLite's own
   * int8 run gives on this input, not an error of ours. */
  fail_unless ((double) same_q / n >= 0.97, "uint8 agreement %.4f",
      (double) same_q / n);
  fail_unless ((double) same_i8 / n >= 0.93, "int8 agreement %.4f",
      (double) same_i8 / n);
  gst_buffer_unref (f);
  gst_buffer_unref (q);
  gst_buffer_unref (i8);
  mnv3_image_free (&street);
}

GST_END_TEST;

/* ---- the selfie model ------------------------------------------------- */

/* Share of person pixels and their centre of mass in frame coordinates
 * (through class_at, so through the meta's placement). */
static double
person_stats (GstBuffer * buf, int fw, int fh, double *cx, double *cy)
{
  GstMnv3SegmentationMeta *m = gst_buffer_get_mnv3_segmentation_meta (buf);
  double sx = 0, sy = 0, n = 0, inside = 0;

  fail_unless (m != NULL);
  for (int y = 0; y < fh; y += 2)
    for (int x = 0; x < fw; x += 2) {
      gint c = gst_mnv3_segmentation_meta_class_at (m, fw, fh, x, y);
      inside += c >= 0;
      if (c == 1) {
        sx += x;
        sy += y;
        n++;
      }
    }
  *cx = n ? sx / n : -1;
  *cy = n ? sy / n : -1;
  return inside ? n / inside : 0;
}

GST_START_TEST (test_selfie_astronaut)
{
  mnv3_image img;
  GstBuffer *out;
  GstMnv3SegmentationMeta *m;
  double share, cx, cy;
  gint c;

  mnv3_test_load_photo ("astronaut.png", &img);
  out = segment_frame ("mnv3segment", rgb_frame (&img, 0, img.height,
          img.width, 0), img.width, img.height);
  m = gst_buffer_get_mnv3_segmentation_meta (out);
  fail_unless (m != NULL);
  fail_unless_equals_string (m->model, "selfie_segmentation.tflite");
  fail_unless_equals_int (m->width, 256);
  fail_unless (m->probability != NULL);
  fail_unless_equals_string (m->labels[1], "person");
  share = person_stats (out, img.width, img.height, &cx, &cy);
  g_print ("selfie: astronaut person share %.1f %%, centre of mass "
      "(%.0f, %.0f)\n", 100 * share, cx, cy);
  fail_unless (share > 0.45 && share < 0.63, "person share %.3f", share);
  c = gst_mnv3_segmentation_meta_class_at (m, img.width, img.height,
      (gint) cx, (gint) cy);
  fail_unless_equals_int (c, 1);
  /* Eileen Collins sits in the middle, her face in the upper half */
  fail_unless (cx > 150 && cx < 360 && cy > 150 && cy < 450);
  gst_buffer_unref (out);
  mnv3_image_free (&img);
}

GST_END_TEST;

#ifdef TEST_SEGMENTATION_MTD
/* GStreamer >= 1.26: the same result read back through the GstAnalytics
 * API: the mask, its place in the frame, and the classes related N_TO_N. */
GST_START_TEST (test_analytics_segmentation_mtd)
{
  mnv3_image img;
  GstBuffer *out, *mask;
  GstMnv3SegmentationMeta *m;
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsSegmentationMtd seg;
  GstAnalyticsClsMtd cls;
  GstVideoMeta *vmeta;
  GstVideoRectangle r;
  GstMapInfo map;
  gpointer state = NULL;
  gint x, y;
  guint w, h;
  gdouble fr[2];

  mnv3_test_load_photo ("astronaut.png", &img);
  out = segment_frame ("mnv3segment", rgb_frame (&img, 0, img.height,
          img.width, 0), img.width, img.height);
  m = gst_buffer_get_mnv3_segmentation_meta (out);
  fail_unless (m != NULL);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (rmeta != NULL);
  fail_unless (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_segmentation_mtd_get_mtd_type (), &seg));
  fail_unless_equals_int (gst_analytics_segmentation_mtd_get_region_count
      (&seg), m->n_labels);
  fail_unless_equals_int (gst_analytics_segmentation_mtd_get_region_id (&seg,
          1), 1);
  mask = gst_analytics_segmentation_mtd_get_mask (&seg, &x, &y, &w, &h);
  fail_unless (mask != NULL);
  gst_mnv3_segmentation_meta_get_region (m, img.width, img.height, &r);
  fail_unless (x == r.x && y == r.y && (gint) w == r.w && (gint) h == r.h);
  vmeta = gst_buffer_get_video_meta (mask);
  fail_unless (vmeta != NULL);
  fail_unless_equals_int (vmeta->format, GST_VIDEO_FORMAT_GRAY8);
  fail_unless_equals_int (vmeta->width, m->width);
  fail_unless_equals_int (vmeta->height, m->height);
  fail_unless (gst_buffer_map (mask, &map, GST_MAP_READ));
  fail_unless (map.size == (gsize) m->width * m->height);
  fail_unless (memcmp (map.data, m->class_map, map.size) == 0);
  gst_buffer_unmap (mask, &map);
  gst_buffer_unref (mask);
  /* the classes: related N_TO_N, labels and shares as ours */
  state = NULL;
  fail_unless (gst_analytics_relation_meta_get_direct_related (rmeta, seg.id,
          GST_ANALYTICS_REL_TYPE_N_TO_N, gst_analytics_cls_mtd_get_mtd_type (),
          &state, &cls));
  fail_unless_equals_int (gst_analytics_cls_mtd_get_length (&cls),
      m->n_labels);
  gst_mnv3_segmentation_meta_class_fractions (m, fr, 2);
  fail_unless_equals_string (g_quark_to_string
      (gst_analytics_cls_mtd_get_quark (&cls, 1)), "person");
  fail_unless (fabs (gst_analytics_cls_mtd_get_level (&cls, 1) - fr[1])
      < 1e-6);
  gst_buffer_unref (out);
  mnv3_image_free (&img);
}

GST_END_TEST;
#endif

GST_START_TEST (test_selfie_coffee)
{
  mnv3_image img;
  GstBuffer *out;
  double share, cx, cy;

  mnv3_test_load_photo ("coffee.png", &img);
  out = segment_frame ("mnv3segment", rgb_frame (&img, 0, img.height,
          img.width, 0), img.width, img.height);
  share = person_stats (out, img.width, img.height, &cx, &cy);
  g_print ("selfie: coffee person share %.1f %%\n", 100 * share);
  /* the model marks the cup on its saucer as a centred blob (see
   * tests/tflite/test-tflite-run.c): far below the astronaut */
  fail_unless (share < 0.30, "coffee person share %.3f", share);
  gst_buffer_unref (out);
  mnv3_image_free (&img);
}

GST_END_TEST;

/* Share of equal pixels of m's map and the window of ref's map that
 * starts at row y0. */
static double
map_agreement (const GstMnv3SegmentationMeta * m,
    const GstMnv3SegmentationMeta * ref, int y0)
{
  gsize same = 0;

  fail_unless (m->width == ref->width && y0 + m->height <= ref->height);
  for (int y = 0; y < m->height; y++)
    for (int x = 0; x < m->width; x++)
      same += m->class_map[y * m->width + x] ==
          ref->class_map[(y0 + y) * ref->width + x];
  return (double) same / ((double) m->width * m->height);
}

/* The astronaut in the middle of a 1024x512 grey canvas, in each
 * resize-mode, against what the network sees in that mode fed directly:
 *  - center-crop: the 512x512 astronaut alone (stretch), region = the
 *    crop, and the person's centre of mass read through the meta on her;
 *  - letterbox: the canvas between black bars on a 1024x1024 frame
 *    (stretch), whose map rows 64..191 must be the letterbox map (the bars
 *    cut off), region = the whole frame;
 *  - stretch: region = the whole frame, the full 256x256 map. */
GST_START_TEST (test_placement)
{
  mnv3_image img;
  GstBuffer *crop_ref, *lb_ref, *o;
  GstMnv3SegmentationMeta *m, *r;
  double a, cx, cy, rx, ry;

  mnv3_test_load_photo ("astronaut.png", &img);
  crop_ref = segment_frame ("mnv3segment", rgb_frame (&img, 0, 512, 512, 128),
      512, 512);
  person_stats (crop_ref, 512, 512, &rx, &ry);
  {
    /* the canvas with 256 black rows above and below */
    GstBuffer *canvas = rgb_frame (&img, 0, 512, 1024, 128);
    GstBuffer *tall = gst_buffer_new_allocate (NULL, 1024 * 1024 * 3, NULL);
    GstMapInfo cm, tm;

    gst_buffer_map (canvas, &cm, GST_MAP_READ);
    gst_buffer_map (tall, &tm, GST_MAP_WRITE);
    memset (tm.data, 0, tm.size);
    memcpy (tm.data + 256 * 1024 * 3, cm.data, cm.size);
    gst_buffer_unmap (canvas, &cm);
    gst_buffer_unmap (tall, &tm);
    gst_buffer_unref (canvas);
    lb_ref = segment_frame ("mnv3segment", tall, 1024, 1024);
  }

  /* center-crop */
  o = segment_frame ("mnv3segment resize-mode=center-crop",
      rgb_frame (&img, 0, 512, 1024, 128), 1024, 512);
  m = gst_buffer_get_mnv3_segmentation_meta (o);
  r = gst_buffer_get_mnv3_segmentation_meta (crop_ref);
  fail_unless (m && r);
  fail_unless (m->region.x == 256 && m->region.y == 0 && m->region.w == 512
      && m->region.h == 512, "center-crop region %d,%d %dx%d", m->region.x,
      m->region.y, m->region.w, m->region.h);
  a = map_agreement (m, r, 0);
  person_stats (o, 1024, 512, &cx, &cy);
  g_print ("placement center-crop: map agrees %.2f %%, person centre "
      "(%.0f, %.0f), alone (%.0f + 256, %.0f)\n", 100 * a, cx, cy, rx, ry);
  fail_unless (a >= 0.99, "center-crop map agreement %.4f", a);
  fail_unless (fabs (cx - (256 + rx)) < 4 && fabs (cy - ry) < 4);
  fail_unless_equals_int (gst_mnv3_segmentation_meta_class_at (m, 1024, 512,
          100, 256), -1);
  gst_buffer_unref (o);

  /* letterbox */
  o = segment_frame ("mnv3segment resize-mode=letterbox",
      rgb_frame (&img, 0, 512, 1024, 128), 1024, 512);
  m = gst_buffer_get_mnv3_segmentation_meta (o);
  r = gst_buffer_get_mnv3_segmentation_meta (lb_ref);
  fail_unless (m && r);
  fail_unless (m->region.x == 0 && m->region.y == 0 && m->region.w == 1024
      && m->region.h == 512);
  fail_unless_equals_int (m->width, 256);
  fail_unless_equals_int (m->height, 128);
  a = map_agreement (m, r, 64);
  g_print ("placement letterbox: map 256x128 agrees with rows 64..191 of "
      "the padded frame's on %.2f %%\n", 100 * a);
  fail_unless (a >= 0.99, "letterbox map agreement %.4f", a);
  /* frame pixel -> map pixel: the frame's row 256 is the map's row 64 */
  fail_unless_equals_int (gst_mnv3_segmentation_meta_class_at (m, 1024, 512,
          512, 258), m->class_map[64 * 256 + 128]);
  gst_buffer_unref (o);

  /* stretch */
  o = segment_frame ("mnv3segment resize-mode=stretch",
      rgb_frame (&img, 0, 512, 1024, 128), 1024, 512);
  m = gst_buffer_get_mnv3_segmentation_meta (o);
  fail_unless (m && m->region.w == 1024 && m->region.h == 512
      && m->width == 256 && m->height == 256);
  gst_buffer_unref (o);

  gst_buffer_unref (crop_ref);
  gst_buffer_unref (lb_ref);
  mnv3_image_free (&img);
}

GST_END_TEST;

/* videoscale halves the frame: the region follows, the map stays. */
GST_START_TEST (test_meta_through_videoscale)
{
  GstHarness *h = gst_harness_new_parse ("mnv3segment resize-mode=center-crop"
      " ! videoscale ! capsfilter caps=video/x-raw,width=320,height=120");
  GstBuffer *in = gst_buffer_new_allocate (NULL, 640 * 240 * 3, NULL), *out;
  GstMnv3SegmentationMeta *m;
  GstVideoRectangle r;

  gst_buffer_memset (in, 0, 90, 640 * 240 * 3);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=640,"
      "height=240,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  m = gst_buffer_get_mnv3_segmentation_meta (out);
  fail_unless (m != NULL, "the meta did not survive videoscale");
  /* videoscale copies the meta (or scales it): either way get_region
   * answers in the new frame's coordinates */
  gst_mnv3_segmentation_meta_get_region (m, 320, 120, &r);
  fail_unless (r.x == 100 && r.y == 0 && r.w == 120 && r.h == 120,
      "region %d,%d %dx%d", r.x, r.y, r.w, r.h);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- errors ----------------------------------------------------------- */

GST_START_TEST (test_errors)
{
  gchar *cls = model_path ("mobilenet_v3_small_224_1.0_uint8.tflite");
  gchar *launch = g_strdup_printf ("videotestsrc num-buffers=1 ! "
      "mnv3segment model=%s ! fakesink", cls);

  /* a classifier is not a segmenter */
  mnv3_test_expect_start_error (launch, "not a segmentation");
  g_free (launch);
  mnv3_test_expect_start_error ("videotestsrc num-buffers=1 ! mnv3segment "
      "model=/nonexistent/seg.tflite ! fakesink", "/nonexistent/seg.tflite");
  /* labels that do not fit the one-channel model's two classes */
  launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3segment "
      "labels-file=%s/labels/voc-21.txt ! fakesink",
      g_getenv ("MNV3_MODEL_DIR"));
  mnv3_test_expect_start_error (launch, "labels list 21 classes");
  g_free (launch);
  g_free (cls);
}

GST_END_TEST;

static Suite *
mnv3segment_suite (void)
{
  Suite *s = suite_create ("mnv3segment");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_selfie_astronaut);
  tcase_add_test (tc, test_selfie_coffee);
#ifdef TEST_SEGMENTATION_MTD
  tcase_add_test (tc, test_analytics_segmentation_mtd);
#endif
  tcase_add_test (tc, test_placement);
  tcase_add_test (tc, test_meta_through_videoscale);
  tcase_add_test (tc, test_road_model);
  tcase_add_test (tc, test_errors);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (mnv3segment);
