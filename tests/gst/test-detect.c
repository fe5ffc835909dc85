/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3detect through GstHarness, with a seeded SSDLite / MobileNetV3-Small
 * export made at test time by models/export_torchvision.py --task detection
 * (Debian's /usr/bin/python3 with torch; the test exits 77, skipped, when
 * torch is missing).  $MNV3_DETECT_TEST_MODEL names another model file.
 *
 * Reference for the boxes: the same frame pre-processed, run and
 * post-processed in this test with the engine (core/preprocess.h, mnv3.h)
 * and models/detect.c (mnv3_detector_run, mnv3_det_map_to_frame), one
 * thread on both sides, so the element must give the same boxes to 1e-3 px
 * in every resize-mode and input format.  The seeded weights are random:
 * thresholds are low so that a real photo gives a few dozen boxes.
 *
 * The tests of the elements downstream (overlays, mnv3metaconvert,
 * mnv3classify on the boxes) are in test-detect-downstream.c, built into
 * the same executable (test-detect.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3detectionmeta.h"
#include "classify.h"
#include "detect.h"
#include "gst-support.h"
#include "photo.h"
#include "support.h"
#include "mnv3.h"
#include "preprocess.h"
#include "test-detect.h"
#include "test-detect-model.h"

#define THRESHOLD 0.05f
#define BOX_TOL 1e-3f

gchar *model_path;
mnv3_image photo;

/* The test links the engine (for the reference) and loads the plugin, which
 * holds its own copy: AddressSanitizer would report the duplicated globals
 * (same code, same values) as an ODR violation. */
#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "detect_odr_violation=0";
}
#endif

static void
load_photo (void)
{
  mnv3_test_load_photo ("chelsea.png", &photo);
}

static void
free_photo (void)
{
  mnv3_image_free (&photo);
}

/* ---- frames ---------------------------------------------------------------- */

/* Any pixel content works (the reference reads the same bytes): chroma is
 * point-sampled, packed alpha opaque. */
static void
fill_frame (GstVideoFrame * f, const mnv3_image * img)
{
  GstVideoFormat fmt = GST_VIDEO_FRAME_FORMAT (f);
  gint x, y;

  if (fmt == GST_VIDEO_FORMAT_I420 || fmt == GST_VIDEO_FORMAT_NV12) {
    guint8 *yp = GST_VIDEO_FRAME_PLANE_DATA (f, 0);
    gint ys = GST_VIDEO_FRAME_PLANE_STRIDE (f, 0);

    for (y = 0; y < img->height; y++)
      for (x = 0; x < img->width; x++) {
        double Y, U, V;
        mnv3_test_rgb_to_yuv (img->rgb + 3 * (y * img->width + x), &Y, &U,
            &V);
        yp[y * ys + x] = mnv3_test_clamp_u8 (Y);
        if (x % 2 || y % 2)
          continue;
        if (fmt == GST_VIDEO_FORMAT_NV12) {
          guint8 *uv = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
          gint s = GST_VIDEO_FRAME_PLANE_STRIDE (f, 1);
          uv[y / 2 * s + x] = mnv3_test_clamp_u8 (U);
          uv[y / 2 * s + x + 1] = mnv3_test_clamp_u8 (V);
        } else {
          guint8 *up = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
          guint8 *vp = GST_VIDEO_FRAME_PLANE_DATA (f, 2);
          up[y / 2 * GST_VIDEO_FRAME_PLANE_STRIDE (f, 1) + x / 2] =
              mnv3_test_clamp_u8 (U);
          vp[y / 2 * GST_VIDEO_FRAME_PLANE_STRIDE (f, 2) + x / 2] =
              mnv3_test_clamp_u8 (V);
        }
      }
  } else
    mnv3_test_fill_packed_rgb (f, img->rgb, img->width, img->height);
}

GstBuffer *
make_frame (GstVideoFormat fmt, GstVideoInfo * info_out)
{
  GstVideoInfo info;
  GstVideoFrame f;
  GstBuffer *buf;

  fail_unless (gst_video_info_set_format (&info, fmt, photo.width,
          photo.height));
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_WRITE));
  fill_frame (&f, &photo);
  gst_video_frame_unmap (&f);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  if (info_out)
    *info_out = info;
  return buf;
}

/* ---- the reference --------------------------------------------------------- */

typedef struct {
  gint n;
  mnv3_detection d[400];
} RefBoxes;

static mnv3_pixel_format
pixel_format (GstVideoFormat f)
{
  switch (f) {
    case GST_VIDEO_FORMAT_RGB: return MNV3_PIXEL_RGB;
    case GST_VIDEO_FORMAT_BGRx: return MNV3_PIXEL_BGRX;
    case GST_VIDEO_FORMAT_RGBA: return MNV3_PIXEL_RGBA;
    case GST_VIDEO_FORMAT_I420: return MNV3_PIXEL_I420;
    case GST_VIDEO_FORMAT_NV12: return MNV3_PIXEL_NV12;
    default: fail ("format not in the test's list"); return MNV3_PIXEL_RGB;
  }
}

mnv3_preprocess *
reference_preprocess (const mnv3_model * m, mnv3_preprocess_params * p)
{
  mnv3_preprocess *pp;
  gint k;

  mnv3_normalization_from_model (m, p->mean, p->std);
  for (k = 0; k < 3; k++)
    p->pad_value[k] = (0.0f - p->mean[k]) / p->std[k];
  pp = mnv3_preprocess_create (MNV3_ISA_AUTO, p);
  fail_unless (pp != NULL, "%s", mnv3_last_error ());
  return pp;
}

/* What mnv3detect should find on buf (format info) with fit. */
static void
reference_boxes (GstBuffer * buf, const GstVideoInfo * info, mnv3_fit fit,
    float threshold, RefBoxes * ref)
{
  mnv3_model *m = NULL;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_preprocess_params p = { 0 };
  mnv3_preprocess *pp;
  mnv3_det_config cfg;
  mnv3_detector *det;
  mnv3_det_params dp = mnv3_det_params_default ();
  mnv3_tensor_info in;
  mnv3_frame frame;
  GstVideoFrame vf;
  mnv3_labels labels = { 0 };
  float thr[256];
  guint i;
  gint k, n, kept = 0;

  fail_unless (mnv3_model_load (model_path, &m) == MNV3_OK, "%s",
      mnv3_last_error ());
  o.num_threads = 1;
  fail_unless (mnv3_session_create (m, &o, &s) == MNV3_OK);
  fail_unless (mnv3_session_input_info (s, 0, &in) == MNV3_OK);

  p.format = pixel_format (GST_VIDEO_INFO_FORMAT (info));
  p.matrix = MNV3_MATRIX_BT601;
  p.src_width = GST_VIDEO_INFO_WIDTH (info);
  p.src_height = GST_VIDEO_INFO_HEIGHT (info);
  p.dst_height = (int) in.dims[1];
  p.dst_width = (int) in.dims[2];
  mnv3_preprocess_fit (fit, p.src_width, p.src_height, p.dst_width,
      p.dst_height, &p.src, &p.dst);
  pp = reference_preprocess (m, &p);

  fail_unless (gst_video_frame_map (&vf, info, buf, GST_MAP_READ));
  memset (&frame, 0, sizeof frame);
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (&vf); i++) {
    frame.planes[i] = GST_VIDEO_FRAME_PLANE_DATA (&vf, i);
    frame.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (&vf, i);
  }
  mnv3_preprocess_run (pp, &frame, mnv3_session_input (s, 0), s);
  gst_video_frame_unmap (&vf);
  fail_unless (mnv3_session_run (s) == MNV3_OK);

  fail_unless (mnv3_det_config_from_model (m, &cfg) == MNV3_OK);
  fail_unless (mnv3_detector_create (&cfg, &det) == MNV3_OK);
  /* COCO's "N/A" placeholder classes are never reported */
  if (mnv3_labels_from_model (m, &labels) == 0) {
    for (k = 0; k < cfg.num_classes && k < 256; k++) {
      char nb[32];
      const char *name = mnv3_labels_name (&labels, k, cfg.num_classes, nb,
          sizeof nb);
      thr[k] = name && strcmp (name, "N/A") == 0 ? 2.0f : threshold;
    }
    dp.class_thresholds = thr;
    mnv3_labels_free (&labels);
  }
  dp.score_threshold = threshold;
  dp.iou_threshold = 0.55f;
  dp.max_detections = 100;
  n = mnv3_detector_run (det, mnv3_session_output (s, 0, NULL),
      mnv3_session_output (s, 1, NULL), &dp, ref->d, 100);
  fail_unless (n >= 0);
  mnv3_det_map_to_frame (ref->d, n, &p.src, &p.dst);
  for (k = 0; k < n; k++)
    if (ref->d[k].x1 > ref->d[k].x0 && ref->d[k].y1 > ref->d[k].y0)
      ref->d[kept++] = ref->d[k];
  ref->n = kept;

  mnv3_detector_free (det);
  mnv3_preprocess_free (pp);
  mnv3_session_free (s);
  mnv3_model_free (m);
}

/* ---- helpers --------------------------------------------------------------- */

GstHarness *
detect_harness (const gchar * extra, GstVideoFormat fmt, const gchar * tail)
{
  gchar *launch = g_strdup_printf ("mnv3detect model=\"%s\" num-threads=1 "
      "threshold=%g %s%s%s", model_path, THRESHOLD, extra ? extra : "",
      tail ? " ! " : "", tail ? tail : "");
  GstHarness *h = gst_harness_new_parse (launch);
  GstVideoInfo info;
  GstBuffer *buf = make_frame (fmt, &info);

  gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
  gst_buffer_unref (buf);
  g_free (launch);
  return h;
}

GstBuffer *
push_pull (GstHarness * h, GstVideoFormat fmt)
{
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, make_frame (fmt, NULL)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  return out;
}

static void
check_boxes_equal (const GstMnv3DetectionMeta * m, const RefBoxes * ref,
    const gchar * what)
{
  guint i;

  fail_unless (m != NULL, "%s: no detection meta", what);
  fail_unless_equals_int (m->n_detections, ref->n);
  for (i = 0; i < m->n_detections; i++) {
    const GstMnv3Detection *d = &m->detections[i];
    const mnv3_detection *r = &ref->d[i];

    fail_unless_equals_int (d->class_id, r->label);
    fail_if (d->label && strcmp (d->label, "N/A") == 0,
        "%s: COCO's N/A placeholder reported", what);
    fail_unless (fabsf (d->score - r->score) < 1e-6f, "%s: score %d", what,
        i);
    fail_unless (fabsf (d->x - r->x0) < BOX_TOL
        && fabsf (d->y - r->y0) < BOX_TOL
        && fabsf (d->x + d->w - r->x1) < BOX_TOL
        && fabsf (d->y + d->h - r->y1) < BOX_TOL,
        "%s: box %d is %.3f,%.3f %.3fx%.3f, reference %.3f,%.3f-%.3f,%.3f",
        what, i, d->x, d->y, d->w, d->h, r->x0, r->y0, r->x1, r->y1);
  }
}

/* ---- tests ----------------------------------------------------------------- */

static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_RGB,
  GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_I420,
  GST_VIDEO_FORMAT_NV12
};

static const struct {
  const gchar *name;
  mnv3_fit fit;
} modes[] = {
  {"stretch", MNV3_FIT_STRETCH},
  {"center-crop", MNV3_FIT_CENTER_CROP},
  {"letterbox", MNV3_FIT_LETTERBOX},
};

/* Boxes land on the reference's pixels in every resize-mode and format;
 * the ROI metas say the same in DL Streamer's fields. */
GST_START_TEST (test_boxes_every_mode_and_format)
{
  GstVideoFormat fmt = formats[__i__ % G_N_ELEMENTS (formats)];
  guint mode = __i__ / G_N_ELEMENTS (formats);
  gchar *extra = g_strdup_printf ("resize-mode=%s", modes[mode].name);
  GstHarness *h = detect_harness (extra, fmt, NULL);
  GstVideoInfo info;
  GstBuffer *in = make_frame (fmt, &info), *out;
  GstMnv3DetectionMeta *m;
  RefBoxes *ref = g_new0 (RefBoxes, 1);
  gchar *what = g_strdup_printf ("%s %s", modes[mode].name,
      gst_video_format_to_string (fmt));
  guint i;

  reference_boxes (in, &info, modes[mode].fit, THRESHOLD, ref);
  fail_unless (ref->n >= 3, "%s: only %d reference boxes", what, ref->n);
  out = push_pull (h, fmt);
  m = gst_buffer_get_mnv3_detection_meta (out);
  check_boxes_equal (m, ref, what);
  fail_unless (m->fresh);
  fail_unless_equals_int (m->frame_width, photo.width);
  fail_unless_equals_int (m->frame_height, photo.height);
  {
    gchar *base = g_path_get_basename (model_path);
    fail_unless_equals_string (m->model, base);
    g_free (base);
  }
  for (i = 0; i < m->n_detections; i++) {
    const GstMnv3Detection *d = &m->detections[i];
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_get_video_region_of_interest_meta_id (out, d->roi_id);
    GstStructure *s;
    gdouble v;
    gint id;

    fail_unless (d->label != NULL);
    fail_unless (roi != NULL, "%s: no ROI meta for box %u", what, i);
    fail_unless_equals_string (g_quark_to_string (roi->roi_type), d->label);
    fail_unless (abs ((gint) roi->x - (gint) lroundf (d->x)) <= 0
        && abs ((gint) (roi->x + roi->w) - (gint) lroundf (d->x + d->w)) <= 0);
    s = gst_video_region_of_interest_meta_get_param (roi, "detection");
    fail_unless (s != NULL);
    fail_unless (gst_structure_get_double (s, "x_min", &v)
        && fabs (v - d->x / photo.width) < 1e-6);
    fail_unless (gst_structure_get_double (s, "y_max", &v)
        && fabs (v - (d->y + d->h) / photo.height) < 1e-6);
    fail_unless (gst_structure_get_double (s, "confidence", &v)
        && fabs (v - d->score) < 1e-6);
    fail_unless (gst_structure_get_int (s, "label_id", &id)
        && id == d->class_id);
    fail_unless_equals_string (gst_structure_get_string (s, "label"),
        d->label);
  }
#ifdef HAVE_GST_ANALYTICS
  {
    GstAnalyticsRelationMeta *rmeta =
        gst_buffer_get_analytics_relation_meta (out);
    GstAnalyticsODMtd od;
    gint x, y, w, hh;
    gfloat conf;

    fail_unless (rmeta != NULL);
    fail_unless_equals_int (gst_analytics_relation_get_length (rmeta),
        m->n_detections);
    for (i = 0; i < m->n_detections; i++) {
      fail_unless (gst_analytics_relation_meta_get_od_mtd (rmeta, i, &od));
      fail_unless (gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &hh,
              &conf));
      fail_unless_equals_int (x, (gint) lroundf (m->detections[i].x));
      fail_unless_equals_int (y, (gint) lroundf (m->detections[i].y));
      fail_unless (fabsf (conf - m->detections[i].score) < 1e-6f);
      fail_unless_equals_string (g_quark_to_string
          (gst_analytics_od_mtd_get_obj_type (&od)), m->detections[i].label);
    }
  }
#endif
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  g_free (ref);
  g_free (what);
  g_free (extra);
}

GST_END_TEST;

/* Copied through videoconvert (boxes as they are) and videoscale (boxes
 * read in the new frame's pixels; the scale transform itself rescales). */
GST_START_TEST (test_meta_survives_scaling)
{
  GstHarness *h0 = detect_harness (NULL, GST_VIDEO_FORMAT_RGB, NULL);
  GstHarness *h1 = detect_harness (NULL, GST_VIDEO_FORMAT_RGB,
      "videoconvert ! capsfilter caps=video/x-raw,format=I420 ! videoscale ! "
      "capsfilter caps=video/x-raw,width=300,height=150");
  GstBuffer *o0 = push_pull (h0, GST_VIDEO_FORMAT_RGB);
  GstBuffer *o1 = push_pull (h1, GST_VIDEO_FORMAT_RGB), *dst;
  GstMnv3DetectionMeta *m0 = gst_buffer_get_mnv3_detection_meta (o0);
  GstMnv3DetectionMeta *m1 = gst_buffer_get_mnv3_detection_meta (o1), *m2;
  GstVideoInfo in_info, out_info;
  GstVideoMetaTransform t = { &in_info, &out_info };
  gdouble sx = 300.0 / photo.width, sy = 150.0 / photo.height;
  guint i;

  fail_unless (m0 != NULL && m1 != NULL);
  fail_unless (m0->n_detections > 0);
  fail_unless_equals_int (m1->n_detections, m0->n_detections);
  for (i = 0; i < m0->n_detections; i++) {
    const GstMnv3Detection *a = &m0->detections[i];
    gfloat x, y, w, hh;

    fail_unless (gst_mnv3_detection_meta_get_box (m1, i, 300, 150, &x, &y, &w,
            &hh));
    fail_unless (fabs (x - a->x * sx) < 1e-3 && fabs (y - a->y * sy) < 1e-3
        && fabs (w - a->w * sx) < 1e-3 && fabs (hh - a->h * sy) < 1e-3,
        "box %u: %.3f,%.3f %.3fx%.3f after scaling", i, x, y, w, hh);
    fail_unless_equals_int (m1->detections[i].class_id, a->class_id);
    fail_unless_equals_string (m1->detections[i].label, a->label);
  }

  /* the scale transform (elements that call it) rescales directly */
  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGB, photo.width,
      photo.height);
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGB, 2 * photo.width,
      photo.height / 2);
  dst = gst_buffer_new ();
  fail_unless (m0->meta.info->transform_func (dst, (GstMeta *) m0, o0,
          gst_video_meta_transform_scale_get_quark (), &t));
  m2 = gst_buffer_get_mnv3_detection_meta (dst);
  fail_unless (m2 != NULL);
  fail_unless_equals_int (m2->frame_width, 2 * photo.width);
  fail_unless_equals_int (m2->frame_height, photo.height / 2);
  for (i = 0; i < m0->n_detections; i++) {
    fail_unless (fabsf (m2->detections[i].x - 2 * m0->detections[i].x) < 1e-3f);
    fail_unless (fabsf (m2->detections[i].w - 2 * m0->detections[i].w) < 1e-3f);
    fail_unless (fabsf (m2->detections[i].y - m0->detections[i].y *
            (photo.height / 2) / (gfloat) photo.height) < 1e-3f);
  }
  gst_buffer_unref (dst);
  gst_buffer_unref (o0);
  gst_buffer_unref (o1);
  gst_harness_teardown (h0);
  gst_harness_teardown (h1);
}

GST_END_TEST;

/* object-class keeps exactly the boxes with the listed labels. */
GST_START_TEST (test_object_class_filter)
{
  GstHarness *h = detect_harness (NULL, GST_VIDEO_FORMAT_RGB, NULL);
  GstBuffer *all = push_pull (h, GST_VIDEO_FORMAT_RGB), *some;
  GstMnv3DetectionMeta *ma = gst_buffer_get_mnv3_detection_meta (all), *ms;
  const gchar *keep1, *keep2 = NULL;
  gchar *list;
  guint i, j = 0, expected = 0;

  fail_unless (ma && ma->n_detections >= 2);
  keep1 = ma->detections[0].label;
  for (i = 1; i < ma->n_detections && !keep2; i++)
    if (strcmp (ma->detections[i].label, keep1) != 0)
      keep2 = ma->detections[i].label;
  fail_unless (keep2 != NULL);
  list = g_strdup_printf (" %s , %s,", keep1, keep2);
  /* changed while playing */
  g_object_set (gst_harness_find_element (h, "mnv3detect"), "object-class",
      list, NULL);
  gst_object_unref (gst_harness_find_element (h, "mnv3detect"));
  some = push_pull (h, GST_VIDEO_FORMAT_RGB);
  ms = gst_buffer_get_mnv3_detection_meta (some);
  fail_unless (ms != NULL);
  for (i = 0; i < ma->n_detections; i++) {
    const GstMnv3Detection *d = &ma->detections[i];

    if (strcmp (d->label, keep1) != 0 && strcmp (d->label, keep2) != 0)
      continue;
    expected++;
    fail_unless (j < ms->n_detections);
    fail_unless_equals_string (ms->detections[j].label, d->label);
    fail_unless (ms->detections[j].x == d->x && ms->detections[j].score ==
        d->score);
    j++;
  }
  fail_unless_equals_int (ms->n_detections, expected);
  fail_unless (expected < ma->n_detections);
  gst_buffer_unref (some);

  /* a class that is not there: an empty meta, no ROI */
  g_object_set (gst_harness_find_element (h, "mnv3detect"), "object-class",
      "no such class", NULL);
  gst_object_unref (gst_harness_find_element (h, "mnv3detect"));
  some = push_pull (h, GST_VIDEO_FORMAT_RGB);
  ms = gst_buffer_get_mnv3_detection_meta (some);
  fail_unless (ms != NULL);
  fail_unless_equals_int (ms->n_detections, 0);
  fail_unless (gst_buffer_get_video_region_of_interest_meta (some) == NULL);
  gst_buffer_unref (some);
  g_free (list);
  gst_buffer_unref (all);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* threshold, max-detections and iou-threshold changed while playing act on
 * the next frame; carried-forward frames repeat the boxes, not fresh. */
GST_START_TEST (test_properties_while_playing)
{
  GstHarness *h = detect_harness ("inference-interval=2", GST_VIDEO_FORMAT_RGB,
      NULL);
  GstElement *e = gst_harness_find_element (h, "mnv3detect");
  GstBuffer *b0, *b1, *b2, *b3, *b4;
  GstMnv3DetectionMeta *m0, *m1, *m2, *m3, *m4;
  guint i, above = 0;

  b0 = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m0 = gst_buffer_get_mnv3_detection_meta (b0);
  fail_unless (m0 && m0->fresh && m0->n_detections > 3);
  b1 = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m1 = gst_buffer_get_mnv3_detection_meta (b1);
  fail_unless (m1 && !m1->fresh);
  fail_unless_equals_int (m1->n_detections, m0->n_detections);
  for (i = 0; i < m0->n_detections; i++)
    fail_unless (m1->detections[i].x == m0->detections[i].x);

  /* a higher threshold keeps the boxes scoring above it */
  for (i = 0; i < m0->n_detections; i++)
    above += m0->detections[i].score > 2 * THRESHOLD;
  g_object_set (e, "threshold", 2 * THRESHOLD, NULL);
  b2 = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m2 = gst_buffer_get_mnv3_detection_meta (b2);
  fail_unless (m2 && m2->fresh);
  fail_unless_equals_int (m2->n_detections, above);
  for (i = 0; i < m2->n_detections; i++)
    fail_unless (m2->detections[i].score > 2 * THRESHOLD);
  gst_buffer_unref (push_pull (h, GST_VIDEO_FORMAT_RGB));

  g_object_set (e, "threshold", THRESHOLD, "max-detections", 2, NULL);
  b3 = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m3 = gst_buffer_get_mnv3_detection_meta (b3);
  fail_unless_equals_int (m3->n_detections, 2);
  fail_unless (m3->detections[1].score == m0->detections[1].score);
  gst_buffer_unref (push_pull (h, GST_VIDEO_FORMAT_RGB));

  /* IoU 0: any overlap with a better box of the same class suppresses */
  g_object_set (e, "max-detections", 100, "iou-threshold", 0.0f, NULL);
  b4 = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m4 = gst_buffer_get_mnv3_detection_meta (b4);
  fail_unless (m4->n_detections <= m0->n_detections);
  fail_unless (m4->n_detections > 0);
  for (i = 0; i < m4->n_detections; i++) {
    const GstMnv3Detection *p = &m4->detections[i];
    guint j;

    for (j = i + 1; j < m4->n_detections; j++) {
      const GstMnv3Detection *q = &m4->detections[j];
      gfloat iw = MIN (p->x + p->w, q->x + q->w) - MAX (p->x, q->x);
      gfloat ih = MIN (p->y + p->h, q->y + q->h) - MAX (p->y, q->y);

      fail_if (p->class_id == q->class_id && iw > 0 && ih > 0,
          "boxes %u and %u of class %d overlap with iou-threshold 0", i, j,
          p->class_id);
    }
  }

  gst_buffer_unref (b0);
  gst_buffer_unref (b1);
  gst_buffer_unref (b2);
  gst_buffer_unref (b3);
  gst_buffer_unref (b4);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- errors ---------------------------------------------------------------- */

GST_START_TEST (test_classifier_refused)
{
  gchar *launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3detect "
      "model=\"%s/models/mobilenet_v3_small_224_1.0_uint8.tflite\" ! fakesink",
      g_getenv ("MNV3_SOURCE_ROOT"));

  mnv3_test_expect_start_error (launch, "not a detection model");
  g_free (launch);
}

GST_END_TEST;

/* The other way round: mnv3segment refuses the detector (it used to run
 * and report its class scores as a 91 x 3234 "class map"). */
GST_START_TEST (test_segment_refuses_detector)
{
  gchar *launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3segment "
      "model=\"%s\" ! fakesink", model_path);

  mnv3_test_expect_start_error (launch, "not a segmentation model");
  g_free (launch);
}

GST_END_TEST;

GST_START_TEST (test_no_model)
{
  mnv3_test_expect_start_error
      ("videotestsrc num-buffers=1 ! mnv3detect ! fakesink",
      "no default model");
}

GST_END_TEST;

static Suite *
mnv3detect_suite (void)
{
  Suite *s = suite_create ("mnv3detect");
  TCase *tc = tcase_create ("general");
  TCase *tc_err = tcase_create ("errors");

  tcase_add_unchecked_fixture (tc, load_photo, free_photo);
  tcase_add_loop_test (tc, test_boxes_every_mode_and_format, 0,
      G_N_ELEMENTS (formats) * G_N_ELEMENTS (modes));
  tcase_add_test (tc, test_meta_survives_scaling);
  tcase_add_test (tc, test_object_class_filter);
  tcase_add_test (tc, test_properties_while_playing);
  /* test-detect-downstream.c */
  test_detect_add_downstream_tests (tc);
  suite_add_tcase (s, tc);

  tcase_add_test (tc_err, test_classifier_refused);
  tcase_add_test (tc_err, test_no_model);
  tcase_add_test (tc_err, test_segment_refuses_detector);
  suite_add_tcase (s, tc_err);
  return s;
}

int
main (int argc, char **argv)
{
  int ret;

#ifdef HAVE_GST_ANALYTICS
  allow_plugins_bad ();
#endif
  gst_check_init (&argc, &argv);
  if (!(model_path = test_detect_model_path ()))
    return 77;
  ret = gst_check_run_suite (mnv3detect_suite (), "mnv3detect", __FILE__);
  g_free (model_path);
  return ret;
}
