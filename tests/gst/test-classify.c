/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3classify and the inference base class through GstHarness, on a real
 * photo (tests/data/chelsea.png, a tabby cat) converted in the test to each
 * input format the element accepts.
 *
 * Reference: the embedded TF MobileNetV3-Small gives "Egyptian cat" (0.66)
 * on this photo; any ImageNet cat class (281..285) counts as right.  The
 * 1001-way model's index i is ImageNet class i-1.
 *
 * Built with test-classify-messages.c (results as bus messages, tracked
 * regions) and test-classify-errors.c (errors, state cycles) into one
 * executable; test-classify.h is what they share.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3meta.h"
#include "gst-support.h"
#include "photo.h"
#include "support.h"
#include "test-classify.h"

/* Top-1 probabilities of the same frame in different formats: the colour
 * conversion (YUV subsampling, 8-bit rounding) moves them a little. */
#define SCORE_TOLERANCE 0.10f

mnv3_image chelsea;

static void
load_chelsea (void)
{
  mnv3_test_load_photo ("chelsea.png", &chelsea);
}

static void
free_chelsea (void)
{
  mnv3_image_free (&chelsea);
}

/* ---- frames in every format ---------------------------------------------- */

static void
fill_yuv (GstVideoFrame * f, const mnv3_image * img)
{
  gboolean nv12 = GST_VIDEO_FRAME_FORMAT (f) == GST_VIDEO_FORMAT_NV12;
  guint8 *yp = GST_VIDEO_FRAME_PLANE_DATA (f, 0);
  gint ys = GST_VIDEO_FRAME_PLANE_STRIDE (f, 0);
  gint x, y, dx, dy;

  for (y = 0; y < img->height; y++) {
    for (x = 0; x < img->width; x++) {
      double Y, U, V;
      mnv3_test_rgb_to_yuv (img->rgb + 3 * (y * img->width + x), &Y, &U,
          &V);
      yp[y * ys + x] = mnv3_test_clamp_u8 (Y);
    }
  }
  /* chroma: mean of each 2x2 block (edges clamped for odd sizes) */
  for (y = 0; y < (img->height + 1) / 2; y++) {
    for (x = 0; x < (img->width + 1) / 2; x++) {
      double su = 0, sv = 0;
      for (dy = 0; dy < 2; dy++) {
        for (dx = 0; dx < 2; dx++) {
          gint sx = MIN (2 * x + dx, img->width - 1);
          gint sy = MIN (2 * y + dy, img->height - 1);
          double Y, U, V;
          mnv3_test_rgb_to_yuv (img->rgb + 3 * (sy * img->width + sx), &Y, &U,
              &V);
          su += U;
          sv += V;
        }
      }
      if (nv12) {
        guint8 *uv = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
        gint s = GST_VIDEO_FRAME_PLANE_STRIDE (f, 1);
        uv[y * s + 2 * x] = mnv3_test_clamp_u8 (su / 4);
        uv[y * s + 2 * x + 1] = mnv3_test_clamp_u8 (sv / 4);
      } else {
        guint8 *up = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
        guint8 *vp = GST_VIDEO_FRAME_PLANE_DATA (f, 2);
        up[y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 1) + x] =
            mnv3_test_clamp_u8 (su / 4);
        vp[y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 2) + x] =
            mnv3_test_clamp_u8 (sv / 4);
      }
    }
  }
}

/* The photo in format fmt; *caps gets matching caps. */
GstBuffer *
make_frame (GstVideoFormat fmt, const mnv3_image * img, GstCaps ** caps)
{
  GstVideoInfo info;
  GstVideoFrame f;
  GstBuffer *buf;

  fail_unless (gst_video_info_set_format (&info, fmt, img->width,
          img->height));
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_WRITE));
  if (GST_VIDEO_INFO_IS_YUV (&info))
    fill_yuv (&f, img);
  else
    mnv3_test_fill_packed_rgb (&f, img->rgb, img->width, img->height);
  gst_video_frame_unmap (&f);
  if (caps)
    *caps = gst_video_info_to_caps (&info);
  return buf;
}

static const GstVideoFormat all_formats[] = {
  GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBx,
  GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR,
  GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB,
  GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12,
};

/* ---- helpers ------------------------------------------------------------- */

gboolean
is_cat (const GstMnv3ClassificationMeta * m)
{
  static const gchar *cats[] = { "tabby", "tiger cat", "Persian cat",
    "Siamese cat", "Egyptian cat"
  };
  gsize i;

  if (m->n_results == 0)
    return FALSE;
  /* 1001-way TF model: ImageNet class = index - 1 */
  if (m->class_ids[0] - 1 < 281 || m->class_ids[0] - 1 > 285)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (cats); i++)
    if (m->labels[0] && strcmp (m->labels[0], cats[i]) == 0)
      return TRUE;
  return FALSE;
}

GstHarness *
harness_with_frame_caps (const gchar * launch, GstVideoFormat fmt)
{
  GstHarness *h = gst_harness_new_parse (launch);
  GstCaps *caps;
  GstBuffer *buf = make_frame (fmt, &chelsea, &caps);

  gst_harness_set_src_caps (h, caps);
  gst_buffer_unref (buf);
  return h;
}


static GstMnv3ClassificationMeta *
pull_meta (GstHarness * h, GstBuffer ** out)
{
  GstBuffer *buf = gst_harness_pull (h);

  fail_unless (buf != NULL);
  *out = buf;
  return gst_buffer_get_mnv3_classification_meta (buf);
}

/* ---- tests --------------------------------------------------------------- */

/* The embedded uint8 classifier runs in integer by default: its scores
 * are TFLite's uint8 probabilities (multiples of 1/256); precision=fp32
 * runs the same file in float.  Both see the cat. */
GST_START_TEST (test_precision)
{
  static const gchar *precisions[] = { "auto", "fp32" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (precisions); i++) {
    gchar *launch = g_strdup_printf ("mnv3classify precision=%s",
        precisions[i]);
    GstHarness *h = gst_harness_new_parse (launch);
    GstMnv3ClassificationMeta *m;
    GstCaps *caps;
    GstBuffer *in = make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, &caps), *out;
    GstElement *e = gst_harness_find_element (h, "mnv3classify");
    gint prec = -1, on_grid = 0;

    g_object_get (e, "precision", &prec, NULL);
    fail_unless_equals_int (prec, (gint) i);
    gst_object_unref (e);
    gst_harness_set_src_caps (h, caps);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    m = pull_meta (h, &out);
    fail_unless (m != NULL && m->n_results == 5 && is_cat (m));
    for (guint k = 0; k < m->n_results; k++) {
      gfloat q = m->scores[k] * 256.f;
      on_grid += q == roundf (q);
    }
    if (i == 0) {
      fail_unless_equals_int (on_grid, 5);      /* uint8 probabilities */
    } else {
      fail_unless (on_grid < 5, "fp32 scores all on the 1/256 grid");
    }
    GST_INFO ("precision %s: %s %.4f", precisions[i], m->labels[0],
        m->scores[0]);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    g_free (launch);
  }
}

GST_END_TEST;

GST_START_TEST (test_every_format)
{
  gint ref_id = -1;
  gfloat ref_score = 0.0f;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (all_formats); i++) {
    GstVideoFormat fmt = all_formats[i];
    /* the pre-processing of each format is the subject: compared in float
     * (the uint8 network amplifies the chroma subsampling of I420/NV12 to
     * score differences of ~0.13; test_precision covers the integer run) */
    GstHarness *h = gst_harness_new_parse ("mnv3classify precision=fp32");
    GstMnv3ClassificationMeta *m;
    GstCaps *caps;
    GstBuffer *in = make_frame (fmt, &chelsea, &caps), *out;

    gst_harness_set_src_caps (h, caps);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    m = pull_meta (h, &out);
    fail_unless (m != NULL, "%s: no meta", gst_video_format_to_string (fmt));
    fail_unless_equals_int (m->n_results, 5);
    fail_unless (m->fresh);
    fail_unless (is_cat (m), "%s: top-1 is %d '%s' (%.3f), not a cat",
        gst_video_format_to_string (fmt), m->class_ids[0],
        m->labels[0] ? m->labels[0] : "(null)", m->scores[0]);
    fail_unless (m->scores[0] > 0.3f && m->scores[0] <= 1.0f);
    fail_unless (m->scores[1] <= m->scores[0]);
    fail_unless_equals_string (m->model,
        "mobilenet_v3_small_224_1.0_uint8.tflite");
    fail_unless_equals_int (m->region.w, chelsea.width);
    fail_unless_equals_int (m->region.h, chelsea.height);
    fail_unless (m->latency_ms > 0.0);
    if (ref_id < 0) {
      ref_id = m->class_ids[0];
      ref_score = m->scores[0];
    } else {
      fail_unless_equals_int (m->class_ids[0], ref_id);
      fail_unless (fabsf (m->scores[0] - ref_score) <= SCORE_TOLERANCE,
          "%s: top-1 score %.3f vs %.3f in RGB",
          gst_video_format_to_string (fmt), m->scores[0], ref_score);
    }
    GST_INFO ("%s: %s %.3f", gst_video_format_to_string (fmt), m->labels[0],
        m->scores[0]);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* The meta through videoscale ! videoconvert ! videoflip: same result, region
 * mapped to the scaled frame, whole-frame region after the rotation. */
GST_START_TEST (test_meta_survives_filters)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify top-k=3 ! "
      "videoscale ! video/x-raw,width=224,height=150 ! videoconvert ! "
      "video/x-raw,format=I420 ! videoflip video-direction=90r",
      GST_VIDEO_FORMAT_RGB);
  GstHarness *ref = gst_harness_new ("mnv3classify");
  GstMnv3ClassificationMeta *m, *r;
  GstBuffer *out, *rout;
  GstVideoRectangle region;
  GstVideoInfo info;
  GstCaps *caps;
  guint i;

  g_object_set (ref->element, "top-k", 3, NULL);
  gst_buffer_unref (make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, &caps));
  gst_harness_set_src_caps (ref, caps);
  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (ref,
          make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, NULL)), GST_FLOW_OK);

  m = pull_meta (h, &out);
  r = pull_meta (ref, &rout);
  fail_unless (m != NULL, "the meta did not survive the filters");
  fail_unless (r != NULL);
  fail_unless_equals_int (m->n_results, r->n_results);
  for (i = 0; i < m->n_results; i++) {
    fail_unless_equals_int (m->class_ids[i], r->class_ids[i]);
    fail_unless_equals_string (m->labels[i], r->labels[i]);
    fail_unless_equals_float (m->scores[i], r->scores[i]);
  }
  fail_unless (m->fresh);
  fail_unless_equals_string (m->model, r->model);
  /* the region stays in the classified frame's coordinates (the filters
   * copy the meta), and says so */
  fail_unless_equals_int (m->frame_width, chelsea.width);
  fail_unless_equals_int (m->frame_height, chelsea.height);

  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 150);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 224);
  gst_mnv3_classification_meta_get_region (m, GST_VIDEO_INFO_WIDTH (&info),
      GST_VIDEO_INFO_HEIGHT (&info), &region);
  fail_unless_equals_int (region.x, 0);
  fail_unless_equals_int (region.y, 0);
  fail_unless_equals_int (region.w, 150);
  fail_unless_equals_int (region.h, 224);

  gst_buffer_unref (out);
  gst_buffer_unref (rout);
  gst_harness_teardown (h);
  gst_harness_teardown (ref);
}

GST_END_TEST;

/* A scale transform on its own, and a copy, with a sub-region. */
GST_START_TEST (test_meta_transform_region)
{
  GstBuffer *a = gst_buffer_new (), *b = gst_buffer_new (), *c;
  const gint ids[2] = { 3, 7 };
  const gfloat scores[2] = { 0.75f, 0.25f };
  const gchar *labels[2] = { "three", NULL };
  GstVideoRectangle reg = { 100, 50, 200, 100 }, out;
  GstMnv3ClassificationMeta *m, *n;
  GstVideoInfo in_info, out_info;
  GstVideoMetaTransform t = { &in_info, &out_info };

  m = gst_buffer_add_mnv3_classification_meta (a, "m", 2, ids, labels, scores,
      FALSE, &reg);
  fail_unless (m != NULL);
  m->region_id = 4;
  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGB, 400, 200);
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGB, 200, 400);
  fail_unless (m->meta.info->transform_func (b, &m->meta, a,
          gst_video_meta_transform_scale_get_quark (), &t));
  n = gst_buffer_get_mnv3_classification_meta (b);
  fail_unless (n != NULL);
  fail_unless_equals_int (n->region.x, 50);
  fail_unless_equals_int (n->region.y, 100);
  fail_unless_equals_int (n->region.w, 100);
  fail_unless_equals_int (n->region.h, 200);
  fail_unless_equals_int (n->region_id, 4);
  fail_unless (!n->fresh);
  fail_unless_equals_string (n->labels[0], "three");
  fail_unless (n->labels[1] == NULL);
  fail_unless_equals_int (n->class_ids[1], 7);
  fail_unless_equals_int (n->frame_width, 200);
  fail_unless_equals_int (n->frame_height, 400);
  /* same frame size: clamped only */
  n->frame_width = n->frame_height = 120;
  gst_mnv3_classification_meta_get_region (n, 120, 120, &out);
  fail_unless_equals_int (out.x, 50);
  fail_unless_equals_int (out.w, 70);

  /* a copy keeps the region and the frame size it is expressed in;
   * get_region maps it to another frame size */
  m->frame_width = 400;
  m->frame_height = 200;
  gst_mnv3_classification_meta_get_region (m, 200, 100, &out);
  fail_unless_equals_int (out.x, 50);
  fail_unless_equals_int (out.y, 25);
  fail_unless_equals_int (out.w, 100);
  fail_unless_equals_int (out.h, 50);
  /* full-frame results are the whole frame of any buffer */
  m->region_id = 0;
  gst_mnv3_classification_meta_get_region (m, 30, 60, &out);
  fail_unless (out.x == 0 && out.y == 0 && out.w == 30 && out.h == 60);
  m->region_id = 4;

  c = gst_buffer_copy (a);
  n = gst_buffer_get_mnv3_classification_meta (c);
  fail_unless (n != NULL && n != m);
  fail_unless_equals_int (n->region.x, 100);
  fail_unless (n->scores != m->scores);
  fail_unless_equals_float (n->scores[0], 0.75f);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_buffer_unref (c);
}

GST_END_TEST;

GST_START_TEST (test_inference_interval)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify inference-interval=3",
      GST_VIDEO_FORMAT_BGRx);
  gint first_id = -1;
  guint64 inferred, skipped;
  GstElement *e;
  gint i;

  for (i = 0; i < 9; i++) {
    GstMnv3ClassificationMeta *m;
    GstBuffer *out;

    fail_unless_equals_int (gst_harness_push (h,
            make_frame (GST_VIDEO_FORMAT_BGRx, &chelsea, NULL)), GST_FLOW_OK);
    m = pull_meta (h, &out);
    fail_unless (m != NULL, "frame %d has no meta", i);
    fail_unless_equals_int (m->fresh, i % 3 == 0);
    if (first_id < 0)
      first_id = m->class_ids[0];
    fail_unless_equals_int (m->class_ids[0], first_id);
    fail_unless (is_cat (m));
    gst_buffer_unref (out);
  }
  e = gst_harness_find_element (h, "mnv3classify");
  fail_unless (e != NULL);
  g_object_get (e, "frames-inferred", &inferred, "frames-skipped", &skipped,
      NULL);
  fail_unless_equals_uint64 (inferred, 3);
  fail_unless_equals_uint64 (skipped, 6);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Statistics properties on a plain element. */
GST_START_TEST (test_stats)
{
  GstHarness *h = gst_harness_new ("mnv3classify");
  GstCaps *caps;
  GstBuffer *b = make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, &caps);
  guint64 inferred, skipped;
  gdouble latency;
  gint i;

  g_object_set (h->element, "inference-interval", 2, NULL);
  gst_harness_set_src_caps (h, caps);
  for (i = 0; i < 6; i++)
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_copy (b)),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 6);
  g_object_get (h->element, "frames-inferred", &inferred, "frames-skipped",
      &skipped, "mean-latency", &latency, NULL);
  fail_unless_equals_uint64 (inferred, 3);
  fail_unless_equals_uint64 (skipped, 3);
  fail_unless (latency > 0.0 && latency < 10000.0);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A QoS event saying we are 1 s late: inference is skipped on the late
 * frames, and every buffer still goes through. */
GST_START_TEST (test_qos_skips_inference)
{
  GstHarness *h = gst_harness_new ("mnv3classify");
  GstCaps *caps;
  GstBuffer *b = make_frame (GST_VIDEO_FORMAT_RGBA, &chelsea, &caps);
  const GstClockTime dur = GST_SECOND / 30;
  guint64 inferred, skipped;
  gint i;

  gst_harness_set_src_caps (h, caps);
  for (i = 0; i < 40; i++) {
    GstBuffer *in = gst_buffer_copy (b), *out;
    GstMnv3ClassificationMeta *m;

    GST_BUFFER_PTS (in) = i * dur;
    GST_BUFFER_DURATION (in) = dur;
    if (i == 1) {
      /* frame 0 was 0.5 s late: frames ending before 0 + 2 x 0.5 s are
       * late too (frames 1..29) */
      fail_unless (gst_harness_push_upstream_event (h,
              gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.5, GST_SECOND / 2,
                  0)));
    }
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    m = pull_meta (h, &out);
    fail_unless (m != NULL, "frame %d has no meta", i);
    /* frame 0 before the event; frames ending after 1 s are in time */
    fail_unless_equals_int (m->fresh, i == 0 || (i + 1) * dur > GST_SECOND);
    fail_unless (is_cat (m));
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 40);
  g_object_get (h->element, "frames-inferred", &inferred, "frames-skipped",
      &skipped, NULL);
  fail_unless_equals_uint64 (skipped, 29);
  fail_unless_equals_uint64 (inferred, 11);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Resolution and format change mid-stream: new pre-processing, same model. */
GST_START_TEST (test_caps_change_no_reload)
{
  GstHarness *h = gst_harness_new ("mnv3classify");
  GstCaps *caps;
  GstBuffer *b = make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, &caps), *out;
  GstMnv3ClassificationMeta *m;
  guint loads0, loads1, alive;
  mnv3_image half = { 0 };
  gint x, y;

  gst_harness_set_src_caps (h, caps);
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  m = pull_meta (h, &out);
  fail_unless (m && is_cat (m));
  gst_buffer_unref (out);
  mnv3_test_model_cache_stats (&loads0, &alive);
  fail_unless_equals_int (alive, 1);

  /* the photo at half size (nearest pixel) as NV12 */
  half.width = chelsea.width / 2;
  half.height = chelsea.height / 2;
  half.rgb = g_malloc ((gsize) half.width * half.height * 3);
  for (y = 0; y < half.height; y++)
    for (x = 0; x < half.width; x++)
      memcpy (half.rgb + 3 * (y * half.width + x),
          chelsea.rgb + 3 * (2 * y * chelsea.width + 2 * x), 3);
  b = make_frame (GST_VIDEO_FORMAT_NV12, &half, &caps);
  gst_harness_set_src_caps (h, caps);
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  m = pull_meta (h, &out);
  fail_unless (m && m->fresh && is_cat (m));
  fail_unless_equals_int (m->region.w, half.width);
  fail_unless_equals_int (m->region.h, half.height);
  gst_buffer_unref (out);
  mnv3_test_model_cache_stats (&loads1, &alive);
  fail_unless_equals_int (loads1, loads0);

  /* a thread-count change while running rebuilds the session, not the
   * model, and the results stay the same */
  g_object_set (h->element, "num-threads", 1, "resize-mode", 1, NULL);
  fail_unless_equals_int (gst_harness_push (h,
          make_frame (GST_VIDEO_FORMAT_NV12, &half, NULL)), GST_FLOW_OK);
  m = pull_meta (h, &out);
  fail_unless (m && m->fresh && is_cat (m));
  gst_buffer_unref (out);
  mnv3_test_model_cache_stats (&loads1, &alive);
  fail_unless_equals_int (loads1, loads0);

  g_free (half.rgb);
  gst_harness_teardown (h);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 0);
}

GST_END_TEST;

/* Pushes the photo until the model change made while running takes effect
 * (it loads in the background; frames meanwhile keep the old model):
 * every frame comes out with a fresh cat, the swap frame too.  Returns how
 * many frames it took. */
static guint
push_until_swapped (GstHarness * h, GstElement * e, const gchar * expect)
{
  gint swaps = 0;
  gulong id = g_signal_connect (e, "notify::active-model",
      G_CALLBACK (mnv3_test_count_notify), &swaps);
  GstMnv3ClassificationMeta *m;
  GstBuffer *out;
  gchar *active = NULL;
  guint n;

  for (n = 1; n < 2000 && g_atomic_int_get (&swaps) == 0; n++) {
    fail_unless_equals_int (gst_harness_push (h,
            make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, NULL)), GST_FLOW_OK);
    m = pull_meta (h, &out);
    fail_unless (m && m->fresh && is_cat (m));
    gst_buffer_unref (out);
    if (g_atomic_int_get (&swaps) == 0)
      g_usleep (5000);
  }
  g_signal_handler_disconnect (e, id);
  fail_unless_equals_int (swaps, 1);
  g_object_get (e, "active-model", &active, NULL);
  fail_unless_equals_string (active, expect);
  g_free (active);
  return n;
}

/* model and labels-file changed while running: loaded in the background,
 * swapped in between two frames, no frame dropped or without a result. */
GST_START_TEST (test_property_change_running)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify",
      GST_VIDEO_FORMAT_RGB);
  GstElement *e = gst_harness_find_element (h, "mnv3classify");
  guint loads0, loads1, alive;
  gchar *model, *labels;

  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  mnv3_test_model_cache_stats (&loads0, &alive);

  /* the same file named explicitly: no reload, the old model holds it
   * while the new one is made ready */
  model = g_build_filename (g_getenv ("MNV3_SOURCE_ROOT"), "models",
      "mobilenet_v3_small_224_1.0_uint8.tflite", NULL);
  labels = g_build_filename (g_getenv ("MNV3_SOURCE_ROOT"), "models",
      "labels", "imagenet-1000.txt", NULL);
  g_object_set (e, "model", model, NULL);
  push_until_swapped (h, e, model);
  mnv3_test_model_cache_stats (&loads1, &alive);
  fail_unless_equals_int (loads1, loads0);
  fail_unless_equals_int (alive, 1);

  /* 1000 ImageNet names on the 1001-way model: shifted past background */
  g_object_set (e, "labels-file", labels, NULL);
  push_until_swapped (h, e, model);
  mnv3_test_model_cache_stats (&loads0, &alive);
  fail_unless_equals_int (loads0, loads1);

  g_free (model);
  g_free (labels);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Two elements naming the same file hold one model. */
GST_START_TEST (test_model_shared)
{
  GstHarness *a = harness_with_frame_caps ("mnv3classify",
      GST_VIDEO_FORMAT_RGB);
  GstHarness *b = harness_with_frame_caps ("mnv3classify num-threads=1",
      GST_VIDEO_FORMAT_I420);
  guint loads0, loads1, alive;
  GstMnv3ClassificationMeta *m;
  GstBuffer *out;

  mnv3_test_model_cache_stats (&loads0, &alive);
  fail_unless_equals_int (alive, 1);
  fail_unless_equals_int (gst_harness_push (a, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (b,
          make_frame (GST_VIDEO_FORMAT_I420, &chelsea, NULL)), GST_FLOW_OK);
  m = pull_meta (a, &out);
  fail_unless (m && is_cat (m));
  gst_buffer_unref (out);
  m = pull_meta (b, &out);
  fail_unless (m && is_cat (m));
  gst_buffer_unref (out);
  mnv3_test_model_cache_stats (&loads1, &alive);
  fail_unless_equals_int (alive, 1);
  fail_unless_equals_int (loads1, loads0);

  gst_harness_teardown (a);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 1);
  gst_harness_teardown (b);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 0);
}

GST_END_TEST;

GST_START_TEST (test_latency_query)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify",
      GST_VIDEO_FORMAT_RGB);
  GstClockTime lat;

  /* before any frame: the warm-up estimate */
  lat = gst_harness_query_latency (h);
  fail_unless (lat > 0 && lat < 10 * GST_SECOND,
      "latency %" GST_TIME_FORMAT, GST_TIME_ARGS (lat));
  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  lat = gst_harness_query_latency (h);
  fail_unless (lat > 0 && lat < 10 * GST_SECOND);
  gst_harness_teardown (h);
}

GST_END_TEST;


GST_START_TEST (test_threshold)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify threshold=0.5",
      GST_VIDEO_FORMAT_RGB);
  GstMnv3ClassificationMeta *m;
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  m = pull_meta (h, &out);
  fail_unless (m != NULL);
  /* Egyptian cat (~0.66) alone reaches 0.5 */
  fail_unless_equals_int (m->n_results, 1);
  fail_unless (m->scores[0] >= 0.5f);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

#ifdef HAVE_GST_ANALYTICS
/* GStreamer >= 1.24: the same result as a GstAnalyticsClsMtd. */
GST_START_TEST (test_analytics_cls_mtd)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify top-k=3",
      GST_VIDEO_FORMAT_RGB);
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;
  GstMnv3ClassificationMeta *m;
  GstBuffer *out;
  gsize i;

  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  m = pull_meta (h, &out);
  fail_unless (m && is_cat (m));
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (rmeta != NULL);
  fail_unless (gst_analytics_relation_meta_get_cls_mtd (rmeta, 0, &cls));
  fail_unless_equals_int (gst_analytics_cls_mtd_get_length (&cls),
      m->n_results);
  for (i = 0; i < m->n_results; i++) {
    fail_unless_equals_string (g_quark_to_string
        (gst_analytics_cls_mtd_get_quark (&cls, i)), m->labels[i]);
    fail_unless_equals_float (gst_analytics_cls_mtd_get_level (&cls, i),
        m->scores[i]);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;
#endif


static Suite *
mnv3classify_suite (void)
{
  Suite *s = suite_create ("mnv3classify");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, load_chelsea, free_chelsea);
  tcase_add_test (tc, test_every_format);
  tcase_add_test (tc, test_precision);
  tcase_add_test (tc, test_meta_survives_filters);
  tcase_add_test (tc, test_meta_transform_region);
  tcase_add_test (tc, test_inference_interval);
  tcase_add_test (tc, test_stats);
  tcase_add_test (tc, test_qos_skips_inference);
  tcase_add_test (tc, test_caps_change_no_reload);
  tcase_add_test (tc, test_model_shared);
  tcase_add_test (tc, test_property_change_running);
  tcase_add_test (tc, test_latency_query);
  /* test-classify-messages.c */
  test_classify_add_message_tests (tc);
  tcase_add_test (tc, test_threshold);
#ifdef HAVE_GST_ANALYTICS
  tcase_add_test (tc, test_analytics_cls_mtd);
#endif
  suite_add_tcase (s, tc);

  /* test-classify-errors.c: the "errors" and "cycles" cases */
  test_classify_add_error_tests (s);
  return s;
}

GST_CHECK_MAIN (mnv3classify);
