/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3overlay: the label is drawn where it should be (top-left), only
 * there, in the Cairo-direct (BGRx), blended (RGB, RGBx, I420, NV12) and
 * attached-meta paths; frames without results are untouched; stale results
 * are dimmed; statistics go bottom-left; QoS never drops a frame by default.
 *
 * The results are attached by the test (gst_buffer_add_mnv3_classification_meta),
 * so nothing here depends on a model.
 */
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/video/video-overlay-composition.h>

#include "gstmnv3meta.h"

#define W 320
#define H 240
/* "Egyptian cat 87.0%" in Sans 14 at 96 dpi is about 170x30 pixels with
 * its background; these bounds leave room for font differences. */
#define LABEL_MAX_X 300
#define LABEL_MAX_Y 60

static void
ensure_plugin (void)
{
  const gchar *root = g_getenv ("MNV3_BUILD_ROOT");
  GstElementFactory *f = gst_element_factory_find ("mnv3overlay");

  if (!f && root) {
    gchar *dir = g_build_filename (root, "elements", NULL);
    gst_registry_scan_path (gst_registry_get (), dir);
    g_free (dir);
    f = gst_element_factory_find ("mnv3overlay");
  }
  fail_unless (f != NULL, "mnv3overlay not found (GST_PLUGIN_PATH?)");
  gst_object_unref (f);
}

static gchar *
caps_string (const gchar * format)
{
  return g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", format, W, H);
}

/* A mid-grey frame: every component 0x60 (not the colour of the label's
 * white text or dark background).  The padding byte of RGBx-like formats
 * is 0xff, as converters and decoders write it: the blender of
 * gst-plugins-base reads that byte as the frame's alpha. */
static GstBuffer *
make_frame (const gchar * format, GstClockTime pts)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      W, H);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, 0x60, map.size);
  if (strlen (format) == 4 && strchr (format, 'x')) {
    gsize pad = strchr (format, 'x') - format;
    for (gsize i = pad; i < map.size; i += 4)
      map.data[i] = 0xff;
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

static GstMnv3ClassificationMeta *
add_cat (GstBuffer * buf, gboolean fresh)
{
  const gint ids[] = { 285, 281 };
  const gchar *labels[] = { "Egyptian cat", "tabby" };
  const gfloat scores[] = { 0.87f, 0.05f };
  GstVideoRectangle full = { 0, 0, W, H };
  GstMnv3ClassificationMeta *m;

  m = gst_buffer_add_mnv3_classification_meta (buf, "test-model", 2, ids,
      labels, scores, fresh, &full);
  fail_unless (m != NULL);
  m->fps = 29.5;
  m->latency_ms = 7.25;
  return m;
}

/* Where two frames differ, per pixel (any plane of that pixel). */
typedef struct
{
  guint changed;
  gint x0, y0, x1, y1;          /* bounding box of changed pixels */
  guint64 sum_abs;              /* total absolute difference */
} Diff;

static void
diff_mark (Diff * d, gint x, gint y, gint delta)
{
  if (delta == 0)
    return;
  d->sum_abs += ABS (delta);
  d->x0 = MIN (d->x0, x);
  d->y0 = MIN (d->y0, y);
  d->x1 = MAX (d->x1, x);
  d->y1 = MAX (d->y1, y);
}

/* Compares every component of every plane; a chroma sample marks all the
 * luma pixels it covers. */
static Diff
diff_frames (const gchar * format, GstBuffer * a, GstBuffer * b)
{
  GstVideoInfo info;
  GstVideoFrame fa, fb;
  Diff d = { 0, G_MAXINT, G_MAXINT, -1, -1, 0 };
  guint8 *seen = g_new0 (guint8, W * H);

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      W, H);
  fail_unless (gst_video_frame_map (&fa, &info, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, &info, b, GST_MAP_READ));
  for (guint c = 0; c < GST_VIDEO_INFO_N_COMPONENTS (&info); c++) {
    gint cw = GST_VIDEO_FRAME_COMP_WIDTH (&fa, c);
    gint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&fa, c);
    gint sx = W / cw, sy = H / ch;
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&fa, c);
    gint st = GST_VIDEO_FRAME_COMP_STRIDE (&fa, c);
    const guint8 *pa = GST_VIDEO_FRAME_COMP_DATA (&fa, c);
    const guint8 *pb = GST_VIDEO_FRAME_COMP_DATA (&fb, c);

    for (gint y = 0; y < ch; y++)
      for (gint x = 0; x < cw; x++) {
        gint delta = (gint) pb[y * st + x * ps] - (gint) pa[y * st + x * ps];
        if (delta == 0)
          continue;
        for (gint yy = y * sy; yy < (y + 1) * sy; yy++)
          for (gint xx = x * sx; xx < (x + 1) * sx; xx++) {
            diff_mark (&d, xx, yy, delta);
            seen[yy * W + xx] = 1;
          }
      }
  }
  for (gint i = 0; i < W * H; i++)
    d.changed += seen[i];
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  g_free (seen);
  return d;
}

/* Pushes @in (a copy is kept for comparison) and returns the output. */
static GstBuffer *
push_pull (GstHarness * h, GstBuffer * in, GstBuffer ** reference)
{
  *reference = gst_buffer_copy_deep (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  return gst_harness_pull (h);
}

static GstHarness *
overlay_harness (const gchar * format, const gchar * props)
{
  gchar *desc = g_strdup_printf ("mnv3overlay %s", props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);
  gchar *caps = caps_string (format);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  g_free (desc);
  return h;
}

static Diff
run_label (const gchar * format, const gchar * props, gboolean fresh)
{
  GstHarness *h = overlay_harness (format, props);
  GstBuffer *in = make_frame (format, 0), *ref, *out;
  Diff d;

  add_cat (in, fresh);
  out = push_pull (h, in, &ref);
  fail_unless (out != NULL);
  d = diff_frames (format, ref, out);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return d;
}

static void
check_label_drawn (const gchar * format)
{
  Diff d = run_label (format, NULL, TRUE);

  GST_INFO ("%s: %u changed pixels in (%d,%d)-(%d,%d)", format, d.changed,
      d.x0, d.y0, d.x1, d.y1);
  /* the text's background alone covers thousands of pixels */
  fail_unless (d.changed > 1000, "%s: only %u pixels changed", format,
      d.changed);
  /* the label sits in the top-left corner and nowhere else */
  fail_unless (d.x0 <= 1 && d.y0 <= 1, "%s: label starts at (%d,%d)",
      format, d.x0, d.y0);
  fail_unless (d.x1 < LABEL_MAX_X && d.y1 < LABEL_MAX_Y,
      "%s: changes reach (%d,%d), outside the label area", format, d.x1,
      d.y1);
  /* and it is a label, not a filled box: the text is far brighter */
  fail_unless (d.x1 > 60 && d.y1 > 10, "%s: label area too small (%d,%d)",
      format, d.x1, d.y1);
}

GST_START_TEST (test_label_bgrx_direct)
{
  check_label_drawn ("BGRx");
}

GST_END_TEST;

GST_START_TEST (test_label_bgra_direct)
{
  check_label_drawn ("BGRA");
}

GST_END_TEST;

GST_START_TEST (test_label_rgb_blend)
{
  check_label_drawn ("RGB");
}

GST_END_TEST;

GST_START_TEST (test_label_rgbx_blend)
{
  check_label_drawn ("RGBx");
}

GST_END_TEST;

GST_START_TEST (test_label_nv12_blend)
{
  check_label_drawn ("NV12");
}

GST_END_TEST;

GST_START_TEST (test_label_i420_blend)
{
  check_label_drawn ("I420");
}

GST_END_TEST;

/* The same label drawn on every path looks the same: the direct Cairo path
 * (BGRx) and the blended one (RGBx, same pixel size) agree within a small
 * tolerance per component (blending unpremultiplies and rounds). */
GST_START_TEST (test_direct_and_blend_agree)
{
  const gchar *formats[] = { "BGRx", "RGBx" };
  GstBuffer *outs[2];
  GstVideoInfo info;
  gint max_delta = 0;

  for (int i = 0; i < 2; i++) {
    GstHarness *h = overlay_harness (formats[i], NULL);
    GstBuffer *in = make_frame (formats[i], 0), *ref;

    add_cat (in, TRUE);
    outs[i] = push_pull (h, in, &ref);
    gst_buffer_unref (ref);
    gst_harness_teardown (h);
  }
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, W, H);
  {
    GstVideoFrame a, b;
    fail_unless (gst_video_frame_map (&a, &info, outs[0], GST_MAP_READ));
    fail_unless (gst_video_frame_map (&b, &info, outs[1], GST_MAP_READ));
    for (gint y = 0; y < H; y++) {
      const guint8 *pa = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&a, 0) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&a, 0);
      const guint8 *pb = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&b, 0) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&b, 0);
      for (gint x = 0; x < W; x++) {
        /* BGRx vs RGBx: compare R, G, B */
        max_delta = MAX (max_delta, ABS (pa[4 * x + 2] - pb[4 * x + 0]));
        max_delta = MAX (max_delta, ABS (pa[4 * x + 1] - pb[4 * x + 1]));
        max_delta = MAX (max_delta, ABS (pa[4 * x + 0] - pb[4 * x + 2]));
      }
    }
    gst_video_frame_unmap (&a);
    gst_video_frame_unmap (&b);
  }
  fail_unless (max_delta <= 4, "direct and blended labels differ by %d",
      max_delta);
  gst_buffer_unref (outs[0]);
  gst_buffer_unref (outs[1]);
}

GST_END_TEST;

GST_START_TEST (test_no_meta_untouched)
{
  const gchar *formats[] = { "BGRx", "RGB", "NV12" };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstHarness *h = overlay_harness (formats[i], "show-stats=true");
    GstBuffer *ref, *out = push_pull (h, make_frame (formats[i], 0), &ref);
    Diff d = diff_frames (formats[i], ref, out);

    fail_unless_equals_int (d.changed, 0);
    gst_buffer_unref (ref);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_draw_labels_off)
{
  Diff d = run_label ("BGRx", "draw-labels=false", TRUE);

  fail_unless_equals_int (d.changed, 0);
}

GST_END_TEST;

/* A carried-forward result is drawn, dimmed: same place, weaker change. */
GST_START_TEST (test_stale_dimmed)
{
  Diff fresh = run_label ("BGRx", NULL, TRUE);
  Diff stale = run_label ("BGRx", NULL, FALSE);

  fail_unless (stale.changed > 1000);
  fail_unless (stale.x1 < LABEL_MAX_X && stale.y1 < LABEL_MAX_Y);
  fail_unless (stale.sum_abs < fresh.sum_abs * 0.9,
      "stale label not dimmed: %" G_GUINT64_FORMAT " vs %" G_GUINT64_FORMAT,
      stale.sum_abs, fresh.sum_abs);
}

GST_END_TEST;

/* show-stats adds the fps/latency text in the bottom-left corner. */
GST_START_TEST (test_show_stats)
{
  GstHarness *h = overlay_harness ("NV12", "show-stats=true draw-labels=false");
  GstBuffer *in = make_frame ("NV12", 0), *ref, *out;
  Diff d;

  add_cat (in, TRUE);
  out = push_pull (h, in, &ref);
  d = diff_frames ("NV12", ref, out);
  fail_unless (d.changed > 500);
  fail_unless (d.x0 <= 1 && d.y1 >= H - 2, "stats at (%d,%d)-(%d,%d)",
      d.x0, d.y0, d.x1, d.y1);
  fail_unless (d.y0 > H - LABEL_MAX_Y && d.x1 < W, "stats too large");
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A result about a region: its outline and its label at the region. */
GST_START_TEST (test_region_outline)
{
  GstHarness *h = overlay_harness ("BGRx", "line-width=3");
  GstBuffer *in = make_frame ("BGRx", 0), *ref, *out;
  GstMnv3ClassificationMeta *m = add_cat (in, TRUE);
  Diff d;

  m->region_id = 7;
  m->region.x = 100;
  m->region.y = 80;
  m->region.w = 120;
  m->region.h = 100;
  out = push_pull (h, in, &ref);
  d = diff_frames ("BGRx", ref, out);
  fail_unless_equals_int (d.x0, 100);
  fail_unless_equals_int (d.y0, 80);
  fail_unless (d.y1 == 179, "outline bottom at %d", d.y1);
  /* the label may stick out to the right of a narrow region, not below */
  fail_unless (d.x1 >= 219 && d.x1 < 100 + LABEL_MAX_X);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The same on NV12, where the outline is written straight onto the planes
 * (not blended as a region-sized image): the changed area is the region
 * (even coordinates, so chroma adds nothing outside it), an edge pixel has
 * the outline's green in Y (BT.601 limited range for this size: 0.1, 1.0,
 * 0.3 -> 158.6, within 1) and the region's inside away from the label is
 * untouched. */
GST_START_TEST (test_region_outline_nv12)
{
  GstHarness *h = overlay_harness ("NV12", "line-width=3");
  GstBuffer *in = make_frame ("NV12", 0), *ref, *out;
  GstMnv3ClassificationMeta *m = add_cat (in, TRUE);
  GstVideoInfo info;
  GstVideoFrame a, b;
  Diff d;

  m->region_id = 7;
  m->region.x = 100;
  m->region.y = 80;
  m->region.w = 120;
  m->region.h = 100;
  out = push_pull (h, in, &ref);
  d = diff_frames ("NV12", ref, out);
  fail_unless_equals_int (d.x0, 100);
  fail_unless_equals_int (d.y0, 80);
  fail_unless (d.y1 == 179, "outline bottom at %d", d.y1);
  fail_unless (d.x1 >= 219 && d.x1 < 100 + LABEL_MAX_X);

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_NV12, W, H);
  fail_unless (gst_video_frame_map (&a, &info, ref, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&b, &info, out, GST_MAP_READ));
  {
    const guint8 *ya = GST_VIDEO_FRAME_PLANE_DATA (&a, 0);
    const guint8 *yb = GST_VIDEO_FRAME_PLANE_DATA (&b, 0);
    gint st = GST_VIDEO_FRAME_PLANE_STRIDE (&a, 0);

    for (gint y = 120; y < 170; y += 7) {
      fail_unless (ABS (yb[y * st + 101] - 159) <= 1, "left edge Y %d",
          yb[y * st + 101]);
      fail_unless (ABS (yb[y * st + 218] - 159) <= 1, "right edge Y %d",
          yb[y * st + 218]);
      for (gint x = 110; x < 210; x++)
        fail_unless (ya[y * st + x] == yb[y * st + x]);
    }
  }
  gst_video_frame_unmap (&a);
  gst_video_frame_unmap (&b);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Downstream that renders GstVideoOverlayCompositionMeta gets the label as
 * a meta and the pixels untouched; blending that meta draws the label. */
GST_START_TEST (test_nv12_attach_meta)
{
  GstHarness *h = gst_harness_new ("mnv3overlay");
  GstBuffer *in = make_frame ("NV12", 0), *ref, *out, *blended;
  GstVideoOverlayCompositionMeta *cm;
  GstVideoInfo info;
  GstVideoFrame frame;
  gchar *caps = caps_string ("NV12");
  Diff d;

  gst_harness_add_propose_allocation_meta (h,
      GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);

  add_cat (in, TRUE);
  out = push_pull (h, in, &ref);
  d = diff_frames ("NV12", ref, out);
  fail_unless_equals_int (d.changed, 0);

  cm = gst_buffer_get_video_overlay_composition_meta (out);
  fail_unless (cm != NULL, "no overlay composition meta attached");
  fail_unless (gst_video_overlay_composition_n_rectangles (cm->overlay) >= 1);

  blended = gst_buffer_copy_deep (ref);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_NV12, W, H);
  fail_unless (gst_video_frame_map (&frame, &info, blended, GST_MAP_WRITE));
  fail_unless (gst_video_overlay_composition_blend (cm->overlay, &frame));
  gst_video_frame_unmap (&frame);
  d = diff_frames ("NV12", ref, blended);
  fail_unless (d.changed > 1000);
  fail_unless (d.x1 < LABEL_MAX_X && d.y1 < LABEL_MAX_Y);

  gst_buffer_unref (blended);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An unchanged label on consecutive frames reuses the same composition
 * (rendered once), a changed one does not. */
GST_START_TEST (test_composition_reused)
{
  GstHarness *h = gst_harness_new ("mnv3overlay");
  GstVideoOverlayComposition *c[3];
  GstBuffer *outs[3];
  gchar *caps = caps_string ("NV12");

  gst_harness_add_propose_allocation_meta (h,
      GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  for (int i = 0; i < 3; i++) {
    GstBuffer *in = make_frame ("NV12", i * GST_SECOND / 30);
    GstMnv3ClassificationMeta *m = add_cat (in, TRUE);

    if (i == 2)
      m->scores[0] = 0.5f;
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    outs[i] = gst_harness_pull (h);
    c[i] = gst_buffer_get_video_overlay_composition_meta (outs[i])->overlay;
  }
  fail_unless (gst_video_overlay_composition_get_rectangle (c[0], 0) ==
      gst_video_overlay_composition_get_rectangle (c[1], 0));
  fail_unless (gst_video_overlay_composition_get_rectangle (c[0], 0) !=
      gst_video_overlay_composition_get_rectangle (c[2], 0));
  for (int i = 0; i < 3; i++)
    gst_buffer_unref (outs[i]);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* QoS is off by default: a QoS event saying we are 10 s late drops
 * nothing.  With qos=true the same buffer is dropped (so the event did
 * reach the element and the test means something). */
static guint
frames_after_late_qos (const gchar * props)
{
  GstHarness *h = overlay_harness ("BGRx", props);
  guint n;

  /* we are much too late: nothing before 10 s should be shown */
  gst_harness_push_upstream_event (h, gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW,
          0.5, 10 * GST_SECOND, 0));
  for (int i = 1; i <= 5; i++) {
    GstBuffer *in = make_frame ("BGRx", i * GST_SECOND / 30);
    add_cat (in, TRUE);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  }
  n = gst_harness_buffers_received (h);
  gst_harness_teardown (h);
  return n;
}

GST_START_TEST (test_qos_never_drops_by_default)
{
  GstElement *e = gst_element_factory_make ("mnv3overlay", NULL);
  gboolean qos = TRUE;

  g_object_get (e, "qos", &qos, NULL);
  fail_if (qos, "qos is on by default");
  gst_object_unref (e);

  fail_unless_equals_int (frames_after_late_qos (NULL), 5);
  fail_unless (frames_after_late_qos ("qos=true") < 5,
      "qos=true dropped nothing: the QoS event did not arrive");
}

GST_END_TEST;

/* Font changes take effect while playing; a bigger font draws a bigger
 * label. */
GST_START_TEST (test_font_desc)
{
  Diff small = run_label ("BGRx", "font-desc=\"Sans 8\"", TRUE);
  Diff big = run_label ("BGRx", "font-desc=\"Sans 20\"", TRUE);

  fail_unless (small.changed > 100);
  fail_unless (big.x1 > small.x1 && big.y1 > small.y1,
      "Sans 20 label (%d,%d) not larger than Sans 8 (%d,%d)", big.x1,
      big.y1, small.x1, small.y1);
}

GST_END_TEST;

/* Frames smaller than the label, and odd sizes: the label is clipped, the
 * frame comes out (no crash, no error). */
GST_START_TEST (test_small_and_odd_frames)
{
  const gchar *formats[] = { "BGRx", "RGB", "NV12", "I420", "YUY2" };
  const gint sizes[][2] = { {16, 16}, {33, 17}, {321, 241} };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      GstHarness *h = gst_harness_new ("mnv3overlay");
      GstVideoInfo info;
      GstVideoRectangle full = { 0, 0, sizes[i][0], sizes[i][1] };
      const gint ids[] = { 1 };
      const gfloat scores[] = { 0.5f };
      const gchar *labels[] = { "a rather long label for a tiny frame" };
      gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,"
          "height=%d,framerate=30/1", formats[f], sizes[i][0], sizes[i][1]);
      GstBuffer *in, *out;

      g_object_set (h->element, "show-stats", TRUE, NULL);
      gst_harness_set_src_caps_str (h, caps);
      gst_video_info_set_format (&info, gst_video_format_from_string
          (formats[f]), sizes[i][0], sizes[i][1]);
      in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
      gst_buffer_memset (in, 0, 0x60, GST_VIDEO_INFO_SIZE (&info));
      gst_buffer_add_mnv3_classification_meta (in, "m", 1, ids, labels,
          scores, FALSE, &full)->fps = 10.0;
      fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
      out = gst_harness_pull (h);
      fail_unless (out != NULL);
      fail_unless_equals_int (gst_buffer_get_size (out),
          GST_VIDEO_INFO_SIZE (&info));
      gst_buffer_unref (out);
      gst_harness_teardown (h);
      g_free (caps);
    }
}

GST_END_TEST;

static Suite *
mnv3overlay_suite (void)
{
  Suite *s = suite_create ("mnv3overlay");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, ensure_plugin, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_label_bgrx_direct);
  tcase_add_test (tc, test_label_bgra_direct);
  tcase_add_test (tc, test_label_rgb_blend);
  tcase_add_test (tc, test_label_rgbx_blend);
  tcase_add_test (tc, test_label_nv12_blend);
  tcase_add_test (tc, test_label_i420_blend);
  tcase_add_test (tc, test_direct_and_blend_agree);
  tcase_add_test (tc, test_no_meta_untouched);
  tcase_add_test (tc, test_draw_labels_off);
  tcase_add_test (tc, test_stale_dimmed);
  tcase_add_test (tc, test_show_stats);
  tcase_add_test (tc, test_region_outline);
  tcase_add_test (tc, test_region_outline_nv12);
  tcase_add_test (tc, test_nv12_attach_meta);
  tcase_add_test (tc, test_composition_reused);
  tcase_add_test (tc, test_qos_never_drops_by_default);
  tcase_add_test (tc, test_font_desc);
  tcase_add_test (tc, test_small_and_odd_frames);
  return s;
}

GST_CHECK_MAIN (mnv3overlay);
