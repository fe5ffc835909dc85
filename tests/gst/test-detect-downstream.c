/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test_detect, second part: what the elements downstream of mnv3detect do
 * with its boxes.  mnv3overlay draws them (packed RGB and the I420 / NV12
 * planes, with and without labels), GStreamer's objectdetectionoverlay
 * draws the GstAnalyticsODMtd, mnv3metaconvert writes one JSON object per
 * box, and mnv3classify inference-region=roi-list classifies the boxes
 * (against the engine run on the same region here).  The model, the photo,
 * the frames and the harness are test-detect.c's (test-detect.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3detectionmeta.h"
#include "gstmnv3meta.h"
#include "classify.h"
#include "mnv3.h"
#include "preprocess.h"
#include "test-detect.h"

/* mnv3overlay draws each box: pixels along its edges change. */
GST_START_TEST (test_overlay_draws_boxes)
{
  GstHarness *h = detect_harness ("max-detections=3", GST_VIDEO_FORMAT_BGRx,
      "mnv3overlay draw-labels=false line-width=3");
  GstBuffer *in = make_frame (GST_VIDEO_FORMAT_BGRx, NULL), *out;
  GstMnv3DetectionMeta *m;
  GstMapInfo a, b;
  gint stride = GST_ROUND_UP_4 (photo.width * 4);
  guint i, changed = 0, total = 0;

  out = push_pull (h, GST_VIDEO_FORMAT_BGRx);
  m = gst_buffer_get_mnv3_detection_meta (out);
  fail_unless (m && m->n_detections > 0);
  fail_unless (gst_buffer_map (in, &a, GST_MAP_READ));
  fail_unless (gst_buffer_map (out, &b, GST_MAP_READ));
  for (i = 0; i < m->n_detections; i++) {
    const GstMnv3Detection *d = &m->detections[i];
    gint x0 = (gint) lroundf (d->x), y0 = (gint) lroundf (d->y);
    gint x1 = (gint) lroundf (d->x + d->w) - 1;
    gint y1 = (gint) lroundf (d->y + d->h) - 1;
    gint y, x;

    /* one pixel inside each vertical edge, every 4th row */
    for (y = y0 + 4; y < y1 - 4; y += 4) {
      for (x = x0 + 1; x <= x1 - 1; x += MAX (1, x1 - x0 - 2)) {
        gsize off = (gsize) y * stride + (gsize) x * 4;
        total++;
        changed += memcmp (a.data + off, b.data + off, 3) != 0;
      }
    }
  }
  /* boxes of other classes may cross an edge in the same colour: nearly
   * all edge pixels, not all */
  fail_unless (total > 20);
  fail_unless (changed >= total * 9 / 10, "%u of %u edge pixels changed",
      changed, total);
  /* the middle of the frame far from any edge is untouched somewhere */
  gst_buffer_unmap (in, &a);
  gst_buffer_unmap (out, &b);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* mnv3overlay's class colour (hues a golden angle apart) as Y, U, V with
 * the frame's matrix and range: what a box edge must become. */
static void
class_colour_yuv (const GstVideoInfo * info, gint class_id, double yuv[3])
{
  double h = fmod (class_id * 0.618033988749895, 1.0) * 6.0;
  double f = h - floor (h), s = 0.85, v = 1.0, rgb[3];
  double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double kr, kb, y;

  switch ((gint) h % 6) {
    case 0: rgb[0] = v; rgb[1] = t; rgb[2] = p; break;
    case 1: rgb[0] = q; rgb[1] = v; rgb[2] = p; break;
    case 2: rgb[0] = p; rgb[1] = v; rgb[2] = t; break;
    case 3: rgb[0] = p; rgb[1] = q; rgb[2] = v; break;
    case 4: rgb[0] = t; rgb[1] = p; rgb[2] = v; break;
    default: rgb[0] = v; rgb[1] = p; rgb[2] = q; break;
  }
  fail_unless (gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix,
          &kr, &kb));
  fail_unless (info->colorimetry.range == GST_VIDEO_COLOR_RANGE_16_235);
  y = kr * rgb[0] + (1.0 - kr - kb) * rgb[1] + kb * rgb[2];
  yuv[0] = 16.0 + 219.0 * y;
  yuv[1] = 128.0 + 224.0 * (rgb[2] - y) / (2.0 * (1.0 - kb));
  yuv[2] = 128.0 + 224.0 * (rgb[0] - y) / (2.0 * (1.0 - kr));
}

/* Which box edges cover each pixel and each chroma sample, as mnv3overlay
 * draws them: box i with line width l is four bars (top, bottom, and the
 * sides between them), drawn in meta order, each touching every chroma
 * sample under any of its pixels.  own is 1 + the last box drawn there,
 * cnt how many bars cover it; c* the same per sample of component 1. */
typedef struct
{
  gint W, H, cw, ch, xs, ys;
  guint16 *own, *cnt, *cown, *ccnt;
} EdgeMap;

static void
edge_map_bar (EdgeMap * e, guint i, gint x0, gint y0, gint x1, gint y1)
{
  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, e->W);
  y1 = MIN (y1, e->H);
  if (x0 >= x1 || y0 >= y1)
    return;
  for (gint y = y0; y < y1; y++)
    for (gint x = x0; x < x1; x++) {
      e->own[(gsize) y * e->W + x] = i + 1;
      e->cnt[(gsize) y * e->W + x]++;
    }
  for (gint y = y0 >> e->ys; y <= (y1 - 1) >> e->ys; y++)
    for (gint x = x0 >> e->xs; x <= (x1 - 1) >> e->xs; x++) {
      e->cown[(gsize) y * e->cw + x] = i + 1;
      e->ccnt[(gsize) y * e->cw + x]++;
    }
}

static void
edge_map_init (EdgeMap * e, const GstVideoInfo * info,
    const GstMnv3DetectionMeta * m, gint line_width)
{
  e->W = GST_VIDEO_INFO_WIDTH (info);
  e->H = GST_VIDEO_INFO_HEIGHT (info);
  e->xs = GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, 1);
  e->ys = GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, 1);
  e->cw = GST_VIDEO_INFO_COMP_WIDTH (info, 1);
  e->ch = GST_VIDEO_INFO_COMP_HEIGHT (info, 1);
  e->own = g_new0 (guint16, (gsize) e->W * e->H);
  e->cnt = g_new0 (guint16, (gsize) e->W * e->H);
  e->cown = g_new0 (guint16, (gsize) e->cw * e->ch);
  e->ccnt = g_new0 (guint16, (gsize) e->cw * e->ch);
  for (guint i = 0; i < m->n_detections; i++) {
    gfloat fx, fy, fw, fh;
    gint x0, y0, x1, y1, l;

    fail_unless (gst_mnv3_detection_meta_get_box (m, i, e->W, e->H, &fx,
            &fy, &fw, &fh));
    x0 = (gint) floorf (fx + 0.5f);
    y0 = (gint) floorf (fy + 0.5f);
    x1 = (gint) floorf (fx + fw + 0.5f);
    y1 = (gint) floorf (fy + fh + 0.5f);
    if (x1 <= x0 || y1 <= y0)
      continue;
    l = MIN (line_width, MAX (1, MIN (x1 - x0, y1 - y0) / 2));
    edge_map_bar (e, i, x0, y0, x1, y0 + l);
    edge_map_bar (e, i, x0, y1 - l, x1, y1);
    if (y1 - y0 > 2 * l) {
      edge_map_bar (e, i, x0, y0 + l, x0 + l, y1 - l);
      edge_map_bar (e, i, x1 - l, y0 + l, x1, y1 - l);
    }
  }
}

static void
edge_map_clear (EdgeMap * e)
{
  g_free (e->own);
  g_free (e->cnt);
  g_free (e->cown);
  g_free (e->ccnt);
}

static guint8
frame_sample (GstVideoFrame * f, guint c, gint x, gint y)
{
  return ((const guint8 *) GST_VIDEO_FRAME_COMP_DATA (f, c))[(gsize) y *
      GST_VIDEO_FRAME_COMP_STRIDE (f, c) +
      (gsize) x * GST_VIDEO_FRAME_COMP_PSTRIDE (f, c)];
}

/* Checks every pixel and chroma sample of @out against @in: untouched
 * where no edge lies; where one does, the class colour of the last box
 * drawn there (@fresh, opaque) or, carried forward, that colour blended at
 * 0.45 (115/255) over the frame where exactly one bar covers it.
 * Tolerance: 1 level (rounding of the conversion and of the blend). */
static void
check_edges (const EdgeMap * e, const GstVideoInfo * info,
    const GstMnv3DetectionMeta * m, GstVideoFrame * in, GstVideoFrame * out,
    const gchar * what)
{
  guint covered = 0, blended = 0, untouched = 0;

  for (guint c = 0; c < 3; c++) {
    gboolean luma = c == 0;
    gint w = luma ? e->W : e->cw, h = luma ? e->H : e->ch;
    const guint16 *own = luma ? e->own : e->cown;
    const guint16 *cnt = luma ? e->cnt : e->ccnt;

    for (gint y = 0; y < h; y++) {
      for (gint x = 0; x < w; x++) {
        gsize k = (gsize) y * w + x;
        gint p = frame_sample (in, c, x, y), q = frame_sample (out, c, x, y);
        double yuv[3], want;

        if (cnt[k] == 0) {
          fail_unless (p == q, "%s: component %u changed at %d,%d away from "
              "every box (%d -> %d)", what, c, x, y, p, q);
          untouched++;
          continue;
        }
        class_colour_yuv (info, m->detections[own[k] - 1].class_id, yuv);
        if (m->fresh) {
          want = yuv[c];
          covered++;
        } else if (cnt[k] == 1) {
          want = (yuv[c] * 115 + p * 140) / 255;
          blended++;
        } else {
          continue;
        }
        fail_unless (fabs (q - want) <= 1.0, "%s: component %u at %d,%d of "
            "box %u is %d, not %.1f", what, c, x, y, own[k] - 1, q, want);
      }
    }
  }
  fail_unless (untouched > (guint) (e->W * e->H / 4));
  fail_unless (covered + blended > 500, "%s: only %u edge samples", what,
      covered + blended);
}

/* Planar YUV: box edges are written on the planes (line-width 3) and
 * nothing else changes when labels are off; fresh boxes are opaque,
 * carried-forward ones translucent. */
static void
check_boxes_on_planes (GstVideoFormat fmt)
{
  GstHarness *h = detect_harness ("max-detections=20 inference-interval=2",
      fmt, "mnv3overlay draw-labels=false line-width=3");
  GstVideoInfo info;
  GstBuffer *in = make_frame (fmt, &info);

  for (gint k = 0; k < 2; k++) {
    GstBuffer *out = push_pull (h, fmt);
    GstMnv3DetectionMeta *m = gst_buffer_get_mnv3_detection_meta (out);
    GstVideoFrame a, b;
    EdgeMap e;
    gchar *what;

    fail_unless (m && m->n_detections > 0);
    fail_unless (m->fresh == (k == 0));
    fail_unless (gst_video_frame_map (&a, &info, in, GST_MAP_READ));
    fail_unless (gst_video_frame_map (&b, &info, out, GST_MAP_READ));
    edge_map_init (&e, &info, m, 3);
    what = g_strdup_printf ("%s %s", gst_video_format_to_string (fmt),
        m->fresh ? "fresh" : "carried forward");
    check_edges (&e, &info, m, &a, &b, what);
    g_free (what);
    edge_map_clear (&e);
    gst_video_frame_unmap (&a);
    gst_video_frame_unmap (&b);
    gst_buffer_unref (out);
  }
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_START_TEST (test_overlay_boxes_i420)
{
  check_boxes_on_planes (GST_VIDEO_FORMAT_I420);
}

GST_END_TEST;

GST_START_TEST (test_overlay_boxes_nv12)
{
  check_boxes_on_planes (GST_VIDEO_FORMAT_NV12);
}

GST_END_TEST;

/* With labels on, the labels still come through the composition (drawn
 * over the edges, above each box), and the frame below every box's top
 * edge is still untouched between its edges. */
GST_START_TEST (test_overlay_boxes_labels_nv12)
{
  const GstVideoFormat fmt = GST_VIDEO_FORMAT_NV12;
  GstHarness *h = detect_harness ("max-detections=3", fmt,
      "mnv3overlay line-width=3");
  GstHarness *h2 = detect_harness ("max-detections=3", fmt,
      "mnv3overlay line-width=3 draw-labels=false");
  GstVideoInfo info;
  GstBuffer *in = make_frame (fmt, &info), *with, *without;
  GstMapInfo a, b;
  gsize differ = 0;

  with = push_pull (h, fmt);
  without = push_pull (h2, fmt);
  fail_unless (gst_buffer_map (with, &a, GST_MAP_READ));
  fail_unless (gst_buffer_map (without, &b, GST_MAP_READ));
  fail_unless_equals_int (a.size, b.size);
  for (gsize i = 0; i < a.size; i++)
    differ += a.data[i] != b.data[i];
  /* three labels of a few hundred pixels each */
  fail_unless (differ > 300, "labels changed only %" G_GSIZE_FORMAT
      " bytes", differ);
  gst_buffer_unmap (with, &a);
  gst_buffer_unmap (without, &b);
  gst_buffer_unref (in);
  gst_buffer_unref (with);
  gst_buffer_unref (without);
  gst_harness_teardown (h);
  gst_harness_teardown (h2);
}

GST_END_TEST;

#ifdef HAVE_GST_ANALYTICS
/* objectdetectionoverlay is in gst-plugins-bad, which the common test
 * environment does not scan (scanning it in-process loads plugins that
 * leak under LeakSanitizer); main() adds it, with a registry of our own, in
 * builds with GstAnalytics (>= 1.24, never the sanitizer builds on
 * Debian 12). */
void
allow_plugins_bad (void)
{
  const gchar *wl = g_getenv ("GST_PLUGIN_LOADING_WHITELIST");
  const gchar *reg = g_getenv ("GST_REGISTRY_1_0");

  if (wl && *wl) {
    gchar *more = g_strconcat (wl, ":gst-plugins-bad", NULL);
    g_setenv ("GST_PLUGIN_LOADING_WHITELIST", more, TRUE);
    g_free (more);
  }
  if (reg && *reg) {
    gchar *own = g_strconcat (reg, ".detect", NULL);
    g_setenv ("GST_REGISTRY_1_0", own, TRUE);
    g_free (own);
  }
}

static GstElementFactory *
find_stock_overlay (void)
{
  return gst_element_factory_find ("objectdetectionoverlay");
}

/* GStreamer's own objectdetectionoverlay (gst-plugins-bad >= 1.24) draws
 * our GstAnalyticsODMtd boxes: pixels along their edges change. */
GST_START_TEST (test_stock_overlay_draws_od_mtd)
{
  GstElementFactory *f = find_stock_overlay ();
  GstHarness *h;
  GstBuffer *in, *out;
  GstMnv3DetectionMeta *m;
  GstMapInfo a, b;
  gint stride = GST_ROUND_UP_4 (photo.width * 4);
  guint i, changed = 0, total = 0;

  if (!f) {
    GST_INFO ("objectdetectionoverlay not available: not tested");
    return;
  }
  gst_object_unref (f);
  h = detect_harness ("max-detections=3", GST_VIDEO_FORMAT_BGRx,
      "objectdetectionoverlay draw-labels=false");
  in = make_frame (GST_VIDEO_FORMAT_BGRx, NULL);
  out = push_pull (h, GST_VIDEO_FORMAT_BGRx);
  m = gst_buffer_get_mnv3_detection_meta (out);
  fail_unless (m && m->n_detections > 0);
  fail_unless (gst_buffer_map (in, &a, GST_MAP_READ));
  fail_unless (gst_buffer_map (out, &b, GST_MAP_READ));
  for (i = 0; i < m->n_detections; i++) {
    gint x0 = (gint) lroundf (m->detections[i].x);
    gint y0 = (gint) lroundf (m->detections[i].y);
    gint y1 = (gint) lroundf (m->detections[i].y + m->detections[i].h) - 1;
    gint y;

    /* the left edge, every 4th row, one pixel either side of the line */
    for (y = y0 + 4; y < y1 - 4; y += 4) {
      gint x;
      gboolean hit = FALSE;

      for (x = MAX (x0 - 1, 0); x <= x0 + 1 && x < photo.width; x++) {
        gsize off = (gsize) y * stride + (gsize) x * 4;
        hit |= memcmp (a.data + off, b.data + off, 3) != 0;
      }
      total++;
      changed += hit;
    }
  }
  fail_unless (total > 10);
  fail_unless (changed >= total * 9 / 10, "%u of %u edge rows changed",
      changed, total);
  gst_buffer_unmap (in, &a);
  gst_buffer_unmap (out, &b);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;
#endif

/* mnv3metaconvert writes one object per box. */
GST_START_TEST (test_metaconvert_objects)
{
  gchar *path = NULL, *tail, *text = NULL;
  gint fd = g_file_open_tmp ("mnv3-detect-XXXXXX.jsonl", &path, NULL);
  GstHarness *h;
  GstBuffer *out;
  GstMnv3DetectionMeta *m;
  JsonParser *parser = json_parser_new ();
  JsonArray *objects;
  guint i;

  fail_unless (fd >= 0);
  close (fd);
  tail = g_strdup_printf ("mnv3metaconvert location=\"%s\"", path);
  h = detect_harness (NULL, GST_VIDEO_FORMAT_RGB, tail);
  out = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m = gst_buffer_get_mnv3_detection_meta (out);
  fail_unless (m && m->n_detections > 0);
  gst_harness_teardown (h);     /* closes the file */

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL), "%s",
      text);
  objects = json_object_get_array_member (json_node_get_object
      (json_parser_get_root (parser)), "objects");
  fail_unless_equals_int (json_array_get_length (objects), m->n_detections);
  for (i = 0; i < m->n_detections; i++) {
    JsonObject *o = json_array_get_object_element (objects, i);
    JsonObject *det = json_object_get_object_member (o, "detection");
    JsonObject *bb = json_object_get_object_member (det, "bounding_box");
    const GstMnv3Detection *d = &m->detections[i];

    fail_unless_equals_string (json_object_get_string_member (det, "label"),
        d->label);
    fail_unless_equals_int (json_object_get_int_member (det, "label_id"),
        d->class_id);
    fail_unless (fabs (json_object_get_double_member (det, "confidence") -
            d->score) < 1e-5);
    fail_unless (fabs (json_object_get_double_member (bb, "x_min") -
            d->x / photo.width) < 1e-5);
    fail_unless (fabs (json_object_get_double_member (bb, "y_max") -
            (d->y + d->h) / photo.height) < 1e-5);
    fail_unless_equals_int (json_object_get_int_member (o, "region_id"),
        d->roi_id);
    fail_unless_equals_int (json_object_get_int_member (o, "x"),
        (gint) lroundf (d->x));
  }
  gst_buffer_unref (out);
  g_object_unref (parser);
  g_unlink (path);
  g_free (text);
  g_free (tail);
  g_free (path);
}

GST_END_TEST;

/* The embedded classifier on region r of an RGB frame, as mnv3classify
 * inference-region=roi-list should run it: top-1 class and probability. */
static void
reference_classify (GstBuffer * buf, const GstVideoInfo * info,
    const GstVideoRegionOfInterestMeta * roi, gint * id, gfloat * prob)
{
  gchar *path = g_build_filename (g_getenv ("MNV3_MODEL_DIR"),
      "mobilenet_v3_small_224_1.0_uint8.tflite", NULL);
  mnv3_model *m = NULL;
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_preprocess_params p = { 0 };
  mnv3_preprocess *pp;
  mnv3_tensor_info in, out;
  mnv3_frame frame;
  GstVideoFrame vf;
  gfloat *probs;
  gint top, n;

  fail_unless (mnv3_model_load (path, &m) == MNV3_OK);
  o.num_threads = 1;
  fail_unless (mnv3_session_create (m, &o, &s) == MNV3_OK);
  mnv3_session_input_info (s, 0, &in);
  p.format = MNV3_PIXEL_RGB;
  p.matrix = MNV3_MATRIX_BT601;
  p.src_width = GST_VIDEO_INFO_WIDTH (info);
  p.src_height = GST_VIDEO_INFO_HEIGHT (info);
  p.src.x = (int) roi->x;
  p.src.y = (int) roi->y;
  p.src.width = (int) roi->w;
  p.src.height = (int) roi->h;
  p.dst_height = p.dst.height = (int) in.dims[1];
  p.dst_width = p.dst.width = (int) in.dims[2];
  pp = reference_preprocess (m, &p);
  fail_unless (gst_video_frame_map (&vf, info, buf, GST_MAP_READ));
  memset (&frame, 0, sizeof frame);
  frame.planes[0] = GST_VIDEO_FRAME_PLANE_DATA (&vf, 0);
  frame.strides[0] = GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0);
  mnv3_preprocess_run (pp, &frame, mnv3_session_input (s, 0), s);
  gst_video_frame_unmap (&vf);
  fail_unless (mnv3_session_run (s) == MNV3_OK);
  mnv3_session_output (s, 0, &out);
  n = (gint) out.dims[out.rank - 1];
  probs = g_new (gfloat, n);
  mnv3_classify_probabilities_known (mnv3_session_output (s, 0, NULL), probs,
      n, g_strcmp0 (mnv3_model_metadata (m, "probabilities"), "1") == 0);
  fail_unless_equals_int (mnv3_classify_topk (probs, n, 1, &top), 1);
  *id = top;
  *prob = probs[top];
  g_free (probs);
  mnv3_preprocess_free (pp);
  mnv3_session_free (s);
  mnv3_model_free (m);
  g_free (path);
}

/* mnv3classify inference-region=roi-list classifies each detected box of
 * the listed types cut from the frame, and the result names its ROI. */
GST_START_TEST (test_secondary_classification)
{
  GstHarness *h0 = detect_harness ("max-detections=8", GST_VIDEO_FORMAT_RGB,
      NULL), *h;
  GstBuffer *b0 = push_pull (h0, GST_VIDEO_FORMAT_RGB), *out, *in;
  GstMnv3DetectionMeta *m0 = gst_buffer_get_mnv3_detection_meta (b0), *m;
  GstVideoInfo info;
  gchar *tail;
  const gchar *keep;
  gpointer state = NULL;
  GstMeta *meta;
  guint i, n_cls = 0, n_keep = 0;

  fail_unless (m0 && m0->n_detections >= 2);
  keep = m0->detections[0].label;
  tail = g_strdup_printf ("mnv3classify inference-region=roi-list "
      "num-threads=1 top-k=3 min-roi-size=4 object-class=\"%s\"", keep);
  h = detect_harness ("max-detections=8", GST_VIDEO_FORMAT_RGB, tail);
  in = make_frame (GST_VIDEO_FORMAT_RGB, &info);
  out = push_pull (h, GST_VIDEO_FORMAT_RGB);
  m = gst_buffer_get_mnv3_detection_meta (out);
  fail_unless (m != NULL);
  for (i = 0; i < m->n_detections; i++)
    n_keep += strcmp (m->detections[i].label, keep) == 0;
  fail_unless (n_keep >= 1);
  while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
              GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
    GstMnv3ClassificationMeta *c = (GstMnv3ClassificationMeta *) meta;
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_get_video_region_of_interest_meta_id (out, c->region_id);
    GstStructure *param;
    gint id, pid;
    gfloat prob;

    fail_unless (roi != NULL, "classification of region %d: no such ROI",
        c->region_id);
    fail_unless_equals_string (g_quark_to_string (roi->roi_type), keep);
    fail_unless (c->region.x == (gint) roi->x && c->region.y == (gint) roi->y
        && c->region.w == (gint) roi->w && c->region.h == (gint) roi->h);
    fail_unless_equals_int (c->frame_width, photo.width);
    fail_unless (c->fresh && c->n_results == 3);
    reference_classify (in, &info, roi, &id, &prob);
    fail_unless_equals_int (c->class_ids[0], id);
    fail_unless (fabsf (c->scores[0] - prob) < 1e-5f, "%g vs %g",
        c->scores[0], prob);
    param = gst_video_region_of_interest_meta_get_param (roi,
        "classification");
    fail_unless (param && gst_structure_get_int (param, "label_id", &pid)
        && pid == id);
    n_cls++;
  }
  fail_unless_equals_int (n_cls, n_keep);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (tail);

  /* regions smaller than min-roi-size are left alone */
  h = detect_harness ("max-detections=8", GST_VIDEO_FORMAT_RGB,
      "mnv3classify inference-region=roi-list min-roi-size=100000");
  out = push_pull (h, GST_VIDEO_FORMAT_RGB);
  fail_unless (gst_buffer_get_mnv3_detection_meta (out) != NULL);
  fail_unless (gst_buffer_get_mnv3_classification_meta (out) == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  gst_buffer_unref (in);
  gst_buffer_unref (b0);
  gst_harness_teardown (h0);
}

GST_END_TEST;

void
test_detect_add_downstream_tests (TCase * tc)
{
  tcase_add_test (tc, test_overlay_draws_boxes);
  tcase_add_test (tc, test_overlay_boxes_i420);
  tcase_add_test (tc, test_overlay_boxes_nv12);
  tcase_add_test (tc, test_overlay_boxes_labels_nv12);
  tcase_add_test (tc, test_metaconvert_objects);
  tcase_add_test (tc, test_secondary_classification);
#ifdef HAVE_GST_ANALYTICS
  tcase_add_test (tc, test_stock_overlay_draws_od_mtd);
#endif
}
