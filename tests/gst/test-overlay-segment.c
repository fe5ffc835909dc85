/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3overlay's segmentation painter, with synthetic segmentation metas
 * attached by the test (no model):
 *  - background=blur and background=replace change only background pixels:
 *    foreground pixels more than one map pixel (plus one) away from the
 *    class border are byte-identical, background pixels as far from it are
 *    blurred (>= 95 % of them changed) or exactly the replacement colour,
 *    in BGRx, RGB, NV12 and I420, for a full-frame, a centre-crop and a
 *    letterbox-like region (everything outside the region is background);
 *  - the edge is smooth: a row across the border of a uniform frame ramps
 *    through several intermediate values; a one-channel probability of 0.5
 *    blends half way;
 *  - the palette changes the pixels of the coloured classes only (exactly
 *    the pixels class_at() puts in them), with the class filter;
 *  - mnv3metaconvert's "segmentation" block: fractions equal
 *    gst_mnv3_segmentation_meta_class_fractions(), the run-length encoded
 *    mask decodes to the class map;
 *  - timing: milliseconds per 1280x720 frame of blur and replace (printed).
 */
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#if __has_include(<json-glib/json-glib.h>)
#define HAVE_JSON_GLIB 1
#endif
#ifdef HAVE_JSON_GLIB
#include <json-glib/json-glib.h>
#endif

#include "gstmnv3segmentationmeta.h"

#define W 320
#define H 240
#define MW 64
#define MH 48

static const gchar *labels[] = { "background", "person", "car" };

static void
ensure_plugin (void)
{
  GstElementFactory *f = gst_element_factory_find ("mnv3overlay");

  fail_unless (f != NULL, "mnv3overlay not found (GST_PLUGIN_PATH?)");
  gst_object_unref (f);
}

/* A busy frame: every byte pseudo-random, so that a blur changes almost
 * every pixel; the padding byte of RGBx-like formats is 0xff. */
static GstBuffer *
make_frame (const gchar * format, gint w, gint h, gboolean uniform)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      w, h);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = uniform ? 0xc0 : (guint8) ((i * 2654435761u) >> 13);
  if (strlen (format) == 4 && strchr (format, 'x')) {
    gsize pad = strchr (format, 'x') - format;
    for (gsize i = pad; i < map.size; i += 4)
      map.data[i] = 0xff;
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* The synthetic map: "person" (1) in map rectangle [16,48) x [12,36), a
 * "car" (2) in [2,10) x [38,46), background elsewhere. */
static GBytes *
make_map (void)
{
  guint8 *m = g_malloc (MW * MH);

  for (gint y = 0; y < MH; y++)
    for (gint x = 0; x < MW; x++)
      m[y * MW + x] = (x >= 16 && x < 48 && y >= 12 && y < 36) ? 1
          : (x >= 2 && x < 10 && y >= 38 && y < 46) ? 2 : 0;
  return g_bytes_new_take (m, MW * MH);
}

static GstMnv3SegmentationMeta *
add_meta (GstBuffer * buf, const GstVideoRectangle * region, gint fw,
    gint fh, gboolean with_probability, gfloat constant_p)
{
  GBytes *map = make_map (), *prob = NULL;
  GstMnv3SegmentationMeta *m;

  if (with_probability) {
    gfloat *p = g_new (gfloat, MW * MH);
    const guint8 *c = g_bytes_get_data (map, NULL);
    for (gint i = 0; i < MW * MH; i++)
      p[i] = constant_p >= 0.0f ? constant_p : (c[i] == 1 ? 1.0f : 0.0f);
    prob = g_bytes_new_take (p, MW * MH * sizeof (gfloat));
  }
  m = gst_buffer_add_mnv3_segmentation_meta (buf, "synthetic", MW, MH, map,
      prob, with_probability ? 2 : 3, labels, region, fw, fh, TRUE);
  fail_unless (m != NULL);
  m->latency_ms = 3.5;
  g_bytes_unref (map);
  if (prob)
    g_bytes_unref (prob);
  return m;
}

static GstHarness *
overlay_harness (const gchar * format, gint w, gint h, const gchar * props)
{
  gchar *desc = g_strdup_printf ("mnv3overlay %s", props);
  GstHarness *h_ = gst_harness_new_parse (desc);
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", format, w, h);

  gst_harness_set_src_caps_str (h_, caps);
  g_free (caps);
  g_free (desc);
  return h_;
}

/* Runs one frame; *ref gets a deep copy of the input (with its meta). */
static GstBuffer *
run_one (const gchar * format, const gchar * props, GstBuffer * in,
    GstBuffer ** ref)
{
  GstHarness *h = overlay_harness (format, W, H, props);
  GstBuffer *out;

  *ref = gst_buffer_copy_deep (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  gst_harness_teardown (h);
  return out;
}

/* The sample of component c covering frame pixel (x, y). */
static guint8
sample (GstVideoFrame * f, guint c, gint x, gint y)
{
  gint cw = GST_VIDEO_FRAME_COMP_WIDTH (f, c);
  gint ch = GST_VIDEO_FRAME_COMP_HEIGHT (f, c);
  const guint8 *d = GST_VIDEO_FRAME_COMP_DATA (f, c);
  gint sx = (gint) ((gint64) x * cw / W), sy = (gint) ((gint64) y * ch / H);

  return d[sy * GST_VIDEO_FRAME_COMP_STRIDE (f, c)
      + sx * GST_VIDEO_FRAME_COMP_PSTRIDE (f, c)];
}

static gboolean
pixel_equal (GstVideoFrame * a, GstVideoFrame * b, gint x, gint y)
{
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (a); c++)
    if (sample (a, c, x, y) != sample (b, c, x, y))
      return FALSE;
  return TRUE;
}

/* Is every pixel within margin of (x, y) foreground (want_fg) or
 * background (not class 1, or outside the region)? */
static gboolean
deep (const GstMnv3SegmentationMeta * m, gint x, gint y, gint margin,
    gboolean want_fg)
{
  for (gint dy = -margin; dy <= margin; dy++)
    for (gint dx = -margin; dx <= margin; dx++) {
      gint xx = CLAMP (x + dx, 0, W - 1), yy = CLAMP (y + dy, 0, H - 1);
      gboolean fg = gst_mnv3_segmentation_meta_class_at (m, W, H, xx, yy)
          == 1;
      if (fg != want_fg)
        return FALSE;
    }
  return TRUE;
}

/* The expected components (R,G,B or Y,U,V) of black in format. */
static void
black_components (const gchar * format, guint8 comp[3])
{
  GstVideoInfo info;

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      W, H);
  if (GST_VIDEO_INFO_IS_YUV (&info)) {
    comp[0] = 16;               /* BT.601 limited range, the default */
    comp[1] = comp[2] = 128;
  } else {
    comp[0] = comp[1] = comp[2] = 0;
  }
}

static void
check_background (const gchar * format, const GstVideoRectangle * region,
    gboolean replace)
{
  GstBuffer *in = make_frame (format, W, H, FALSE), *ref, *out;
  const GstMnv3SegmentationMeta *m;
  GstVideoInfo info;
  GstVideoFrame fa, fb;
  gint margin = (W / MW > H / MH ? W / MW : H / MH) + 2;
  guint fg_n = 0, fg_bad = 0, bg_n = 0, bg_changed = 0, bg_exact = 0;
  guint8 black[3];

  add_meta (in, region, W, H, FALSE, 0.0f);
  out = run_one (format, replace
      ? "background=replace background-color=0xff000000 mask-opacity=0"
      : "background=blur blur-radius=6 mask-opacity=0", in, &ref);
  m = gst_buffer_get_mnv3_segmentation_meta (ref);
  fail_unless (m != NULL);
  black_components (format, black);

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      W, H);
  fail_unless (gst_video_frame_map (&fa, &info, ref, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, &info, out, GST_MAP_READ));
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      if (deep (m, x, y, margin, TRUE)) {
        fg_n++;
        fg_bad += pixel_equal (&fa, &fb, x, y) ? 0 : 1;
      } else if (deep (m, x, y, margin, FALSE)) {
        gboolean exact = TRUE;
        bg_n++;
        bg_changed += pixel_equal (&fa, &fb, x, y) ? 0 : 1;
        for (guint c = 0; c < 3; c++)
          exact = exact && sample (&fb, c, x, y) == black[c];
        bg_exact += exact ? 1 : 0;
      }
    }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  GST_INFO ("%s %s region %d,%d %dx%d: fg %u (%u changed), bg %u "
      "(%u changed, %u exact)", format, replace ? "replace" : "blur",
      region->x, region->y, region->w, region->h, fg_n, fg_bad, bg_n,
      bg_changed, bg_exact);
  fail_unless (fg_n > 1000 && bg_n > 1000, "test geometry: %u fg, %u bg",
      fg_n, bg_n);
  fail_unless_equals_int (fg_bad, 0);
  if (replace) {
    fail_unless_equals_int (bg_exact, bg_n);
  } else {
    fail_unless (bg_changed >= bg_n * 95 / 100,
        "%s: only %u of %u background pixels blurred", format, bg_changed,
        bg_n);
  }
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
}

static const GstVideoRectangle regions[] = {
  {0, 0, W, H},                 /* stretch / letterbox: the whole frame */
  {40, 0, 240, 240},            /* center-crop of a 4:3 frame */
  {0, 30, 320, 180},            /* a 16:9 map on a 4:3 frame */
};

static void
check_background_all_regions (const gchar * format)
{
  for (guint i = 0; i < G_N_ELEMENTS (regions); i++) {
    check_background (format, &regions[i], FALSE);
    check_background (format, &regions[i], TRUE);
  }
}

GST_START_TEST (test_background_bgrx)
{
  check_background_all_regions ("BGRx");
}

GST_END_TEST;

GST_START_TEST (test_background_rgb)
{
  check_background_all_regions ("RGB");
}

GST_END_TEST;

GST_START_TEST (test_background_nv12)
{
  check_background_all_regions ("NV12");
}

GST_END_TEST;

GST_START_TEST (test_background_i420)
{
  check_background_all_regions ("I420");
}

GST_END_TEST;

/* Every format of the overlay's caps: blur and replace on the planes. */
GST_START_TEST (test_background_every_format)
{
  const gchar *formats[] = { "BGRA", "RGBx", "RGBA", "xRGB", "ARGB", "xBGR",
    "ABGR", "BGR", "YV12", "NV21", "Y444", "Y42B", "AYUV", "YUY2", "UYVY",
  };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    check_background (formats[f], &regions[1], FALSE);
    check_background (formats[f], &regions[1], TRUE);
  }
}

GST_END_TEST;

/* Odd frame sizes, a map larger than the frame, a 1x1 map: no crash, and
 * the frame still comes out. */
GST_START_TEST (test_odd_sizes)
{
  const gchar *formats[] = { "BGRx", "RGB", "I420", "NV12", "YUY2" };
  const gint sizes[][2] = { {33, 17}, {2, 2}, {641, 361} };
  const gint maps[][2] = { {1, 1}, {64, 48}, {700, 400} };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      for (guint k = 0; k < G_N_ELEMENTS (maps); k++) {
        gint fw = sizes[s][0], fh = sizes[s][1];
        gint mw = maps[k][0], mh = maps[k][1];
        GstVideoRectangle r = { fw / 4, 0, fw - fw / 4, fh };
        GstHarness *h = overlay_harness (formats[f], fw, fh,
            "background=blur blur-radius=40 show-legend=true");
        GstBuffer *in = make_frame (formats[f], fw, fh, FALSE);
        guint8 *m = g_malloc (mw * mh);
        GBytes *map;

        for (gint i = 0; i < mw * mh; i++)
          m[i] = (i * 7) % 3;
        map = g_bytes_new_take (m, mw * mh);
        fail_unless (gst_buffer_add_mnv3_segmentation_meta (in, "t", mw, mh,
                map, NULL, 3, labels, &r, fw, fh, TRUE) != NULL);
        g_bytes_unref (map);
        fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
        gst_buffer_unref (gst_harness_pull (h));
        gst_harness_teardown (h);
      }
}

GST_END_TEST;

/* A uniform frame, black replacement: along the middle row the values go
 * from 0 to 0xc0 through several steps at the person's left border (map
 * column 16 = frame x 80), and are monotonic. */
GST_START_TEST (test_smooth_edge)
{
  const GstVideoRectangle full = { 0, 0, W, H };

  for (gint with_prob = 0; with_prob < 2; with_prob++) {
    GstBuffer *in = make_frame ("BGRx", W, H, TRUE), *ref, *out;
    GstMapInfo map;
    gint y = H / 2, mids = 0, prev = -1;

    add_meta (in, &full, W, H, with_prob, -1.0f);
    out = run_one ("BGRx", "background=replace background-color=0 "
        "mask-opacity=0", in, &ref);
    fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
    for (gint x = 60; x < 100; x++) {
      gint v = map.data[(y * W + x) * 4 + 1];
      fail_unless (v >= prev, "not monotonic at x=%d: %d after %d", x, v,
          prev);
      prev = v;
      mids += v > 0 && v < 0xc0;
    }
    fail_unless_equals_int (map.data[(y * W + 60) * 4 + 1], 0);
    fail_unless_equals_int (map.data[(y * W + 99) * 4 + 1], 0xc0);
    fail_unless (mids >= 3, "only %d intermediate values", mids);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (ref);
    gst_buffer_unref (out);
  }
}

GST_END_TEST;

/* A probability of 0.5 everywhere: every pixel half way to black. */
GST_START_TEST (test_probability_blend)
{
  const GstVideoRectangle full = { 0, 0, W, H };
  GstBuffer *in = make_frame ("BGRx", W, H, TRUE), *ref, *out;
  GstMapInfo map;

  add_meta (in, &full, W, H, TRUE, 0.5f);
  out = run_one ("BGRx", "background=replace background-color=0 "
      "mask-opacity=0", in, &ref);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  for (gint i = 0; i < W * H; i++)
    fail_unless (ABS (map.data[i * 4] - 0x60) <= 1, "pixel %d: %d", i,
        map.data[i * 4]);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* Palette: exactly the pixels of the coloured classes change. */
static void
check_palette (const gchar * format, const GstVideoRectangle * region,
    const gchar * classes, gboolean person, gboolean car)
{
  GstBuffer *in = make_frame (format, W, H, FALSE), *ref, *out;
  const GstMnv3SegmentationMeta *m;
  GstVideoInfo info;
  GstVideoFrame fa, fb;
  gchar *props = g_strdup_printf ("mask-opacity=0.5%s%s",
      classes ? " mask-classes=" : "", classes ? classes : "");
  guint n_in = 0, changed_in = 0, changed_out = 0;

  add_meta (in, region, W, H, FALSE, 0.0f);
  out = run_one (format, props, in, &ref);
  m = gst_buffer_get_mnv3_segmentation_meta (ref);
  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      W, H);
  fail_unless (gst_video_frame_map (&fa, &info, ref, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, &info, out, GST_MAP_READ));
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      gint k = gst_mnv3_segmentation_meta_class_at (m, W, H, x, y);
      gboolean coloured = (k == 1 && person) || (k == 2 && car);
      /* the first component (luma, or R/B): full resolution */
      gboolean changed = sample (&fa, 0, x, y) != sample (&fb, 0, x, y);
      if (coloured) {
        n_in++;
        changed_in += changed;
      } else {
        changed_out += changed;
      }
    }
  /* chroma: a sample takes the class of its top-left pixel */
  for (gint y = 0; y < H; y += 2)
    for (gint x = 0; x < W; x += 2) {
      gint k = gst_mnv3_segmentation_meta_class_at (m, W, H, x, y);
      gboolean coloured = (k == 1 && person) || (k == 2 && car);
      if (!coloured)
        changed_out += !pixel_equal (&fa, &fb, x, y);
    }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  GST_INFO ("%s palette %s: %u of %u class pixels changed, %u others",
      format, props, changed_in, n_in, changed_out);
  fail_unless (n_in > 100);
  fail_unless_equals_int (changed_out, 0);
  /* a byte equal to the palette colour's stays equal: nearly all change */
  fail_unless (changed_in >= n_in * 97 / 100, "%u of %u changed",
      changed_in, n_in);
  g_free (props);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
}

static void
check_palette_all (const gchar * format)
{
  for (guint i = 0; i < G_N_ELEMENTS (regions); i++) {
    check_palette (format, &regions[i], NULL, TRUE, TRUE);
    check_palette (format, &regions[i], "car", FALSE, TRUE);
    check_palette (format, &regions[i], "person,2", TRUE, TRUE);
  }
}

GST_START_TEST (test_palette_bgrx)
{
  check_palette_all ("BGRx");
}

GST_END_TEST;

GST_START_TEST (test_palette_nv12)
{
  check_palette_all ("NV12");
}

GST_END_TEST;

GST_START_TEST (test_palette_i420)
{
  check_palette_all ("I420");
}

GST_END_TEST;

/* With a background effect the foreground class is not coloured. */
GST_START_TEST (test_palette_skips_foreground)
{
  const GstVideoRectangle full = { 0, 0, W, H };
  GstBuffer *in = make_frame ("BGRx", W, H, FALSE), *ref, *out;
  const GstMnv3SegmentationMeta *m;
  GstMapInfo a, b;
  gint margin = W / MW + 2;
  guint car_changed = 0;

  add_meta (in, &full, W, H, FALSE, 0.0f);
  out = run_one ("BGRx", "background=replace background-color=0 "
      "mask-opacity=0.5", in, &ref);
  m = gst_buffer_get_mnv3_segmentation_meta (ref);
  fail_unless (gst_buffer_map (ref, &a, GST_MAP_READ));
  fail_unless (gst_buffer_map (out, &b, GST_MAP_READ));
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      gsize o = (y * W + x) * 4;
      gint k = gst_mnv3_segmentation_meta_class_at (m, W, H, x, y);
      if (deep (m, x, y, margin, TRUE))
        fail_unless (memcmp (a.data + o, b.data + o, 4) == 0,
            "person pixel %d,%d changed", x, y);
      /* the car is background: black, then tinted */
      if (k == 2 && memcmp (a.data + o, b.data + o, 3) != 0
          && (b.data[o] | b.data[o + 1] | b.data[o + 2]) != 0)
        car_changed++;
    }
  fail_unless (car_changed > 100, "car tinted: %u", car_changed);
  gst_buffer_unmap (ref, &a);
  gst_buffer_unmap (out, &b);
  gst_buffer_unref (ref);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* A legend is drawn top-right when asked, nothing top-right otherwise. */
GST_START_TEST (test_legend)
{
  const GstVideoRectangle full = { 0, 0, W, H };

  for (gint legend = 0; legend < 2; legend++) {
    GstBuffer *in = make_frame ("BGRx", W, H, TRUE), *ref, *out;
    GstMapInfo a, b;
    guint changed = 0;

    add_meta (in, &full, W, H, FALSE, 0.0f);
    out = run_one ("BGRx", legend ? "mask-opacity=0.5 show-legend=true"
        : "mask-opacity=0.5", in, &ref);
    fail_unless (gst_buffer_map (ref, &a, GST_MAP_READ));
    fail_unless (gst_buffer_map (out, &b, GST_MAP_READ));
    /* top-right 40x20: background class only, untouched by the palette */
    for (gint y = 0; y < 20; y++)
      for (gint x = W - 40; x < W; x++)
        changed += memcmp (a.data + (y * W + x) * 4,
            b.data + (y * W + x) * 4, 4) != 0;
    if (legend) {
      fail_unless (changed > 100, "legend: %u pixels", changed);
    } else {
      fail_unless_equals_int (changed, 0);
    }
    gst_buffer_unmap (ref, &a);
    gst_buffer_unmap (out, &b);
    gst_buffer_unref (ref);
    gst_buffer_unref (out);
  }
}

GST_END_TEST;

GST_START_TEST (test_background_enum)
{
  GstElement *e = gst_element_factory_make ("mnv3overlay", NULL);
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      "background");
  GEnumClass *ec;
  gchar *fg = NULL;
  gdouble opacity;

  fail_unless (ps != NULL && G_IS_PARAM_SPEC_ENUM (ps));
  ec = g_type_class_ref (ps->value_type);
  fail_unless (g_enum_get_value_by_nick (ec, "none") != NULL);
  fail_unless (g_enum_get_value_by_nick (ec, "blur") != NULL);
  fail_unless (g_enum_get_value_by_nick (ec, "replace") != NULL);
  g_type_class_unref (ec);
  g_object_get (e, "foreground-class", &fg, "mask-opacity", &opacity, NULL);
  fail_unless_equals_string (fg, "person");
  fail_unless (opacity == 0.5);
  g_free (fg);
  gst_object_unref (e);
}

GST_END_TEST;

/* Milliseconds per 720p frame (printed; the bound is loose, for a loaded
 * 2-core machine and sanitizer builds: the goal is 720p30 with room for
 * inference). */
static gdouble
time_720p (const gchar * format, const gchar * props)
{
  const gint fw = 1280, fh = 720, n = 10;
  GstVideoRectangle full = { 0, 0, fw, fh };
  GstHarness *h = overlay_harness (format, fw, fh, props);
  GstBuffer *frames[10];
  gint64 t0, t1;

  for (gint i = 0; i < n; i++) {
    GBytes *map = make_map ();
    frames[i] = make_frame (format, fw, fh, FALSE);
    fail_unless (gst_buffer_add_mnv3_segmentation_meta (frames[i], "t", MW,
            MH, map, NULL, 3, labels, &full, fw, fh, TRUE) != NULL);
    g_bytes_unref (map);
  }
  /* a first frame sets up the caches */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[0])),
      GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  t0 = g_get_monotonic_time ();
  for (gint i = 0; i < n; i++) {
    fail_unless_equals_int (gst_harness_push (h, frames[i]), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  t1 = g_get_monotonic_time ();
  gst_harness_teardown (h);
  return (t1 - t0) / 1000.0 / n;
}

GST_START_TEST (test_timing_720p)
{
  const gchar *formats[] = { "BGRx", "NV12", "I420" };
  const gchar *props[] = {
    "background=blur mask-opacity=0", "background=replace mask-opacity=0",
    "mask-opacity=0.5",
  };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint p = 0; p < G_N_ELEMENTS (props); p++) {
      gdouble ms = time_720p (formats[f], props[p]);
      /* informative only: speed is the benchmarks' business (bench/),
       * never a timed assertion in the suite (sanitizer builds and loaded
       * machines are many times slower) */
      g_print ("mnv3overlay 1280x720 %s %s: %.2f ms/frame\n", formats[f],
          props[p], ms);
    }
}

GST_END_TEST;

#ifdef HAVE_JSON_GLIB
/* mnv3metaconvert: the "segmentation" block of a frame. */
static JsonObject *
segmentation_block (const gchar * props, GstBuffer * in, JsonParser * parser)
{
  gchar *desc = g_strdup_printf ("mnv3metaconvert post-messages=true %s",
      props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  const gchar *text;
  JsonObject *root, *obj;
  JsonArray *objects;
  GError *err = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=BGRx,width=320,"
      "height=240,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  text = gst_structure_get_string (gst_message_get_structure (msg), "json");
  fail_unless (json_parser_load_from_data (parser, text, -1, &err), "%s",
      err ? err->message : "");
  root = json_node_get_object (json_parser_get_root (parser));
  objects = json_object_get_array_member (root, "objects");
  fail_unless_equals_int (json_array_get_length (objects), 1);
  obj = json_array_get_object_element (objects, 0);
  fail_unless (json_object_has_member (obj, "segmentation"));
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (desc);
  return obj;
}

GST_START_TEST (test_metaconvert_fractions)
{
  const GstVideoRectangle crop = { 40, 0, 240, 240 };
  GstBuffer *in = make_frame ("BGRx", W, H, TRUE), *ref;
  JsonParser *parser = json_parser_new ();
  const GstMnv3SegmentationMeta *m;
  JsonObject *obj, *seg;
  JsonArray *classes;
  gdouble fr[3];

  add_meta (in, &crop, W, H, FALSE, 0.0f);
  ref = gst_buffer_copy_deep (in);
  m = gst_buffer_get_mnv3_segmentation_meta (ref);
  fail_unless_equals_int (gst_mnv3_segmentation_meta_class_fractions (m, fr,
          3), 3);
  obj = segmentation_block ("", in, parser);
  fail_unless_equals_int (json_object_get_int_member (obj, "x"), 40);
  fail_unless_equals_int (json_object_get_int_member (obj, "w"), 240);
  seg = json_object_get_object_member (obj, "segmentation");
  fail_if (json_object_has_member (seg, "mask"));
  classes = json_object_get_array_member (seg, "classes");
  fail_unless_equals_int (json_array_get_length (classes), 3);
  for (guint k = 0; k < 3; k++) {
    JsonObject *c = json_array_get_object_element (classes, k);
    fail_unless_equals_int (json_object_get_int_member (c, "label_id"), k);
    fail_unless_equals_string (json_object_get_string_member (c, "label"),
        labels[k]);
    fail_unless (ABS (json_object_get_double_member (c, "fraction") - fr[k])
        <= 1e-6, "class %u: %f vs %f", k,
        json_object_get_double_member (c, "fraction"), fr[k]);
  }
  g_object_unref (parser);
  gst_buffer_unref (ref);
}

GST_END_TEST;

GST_START_TEST (test_metaconvert_rle)
{
  const GstVideoRectangle full = { 0, 0, W, H };
  GstBuffer *in = make_frame ("BGRx", W, H, TRUE), *ref;
  JsonParser *parser = json_parser_new ();
  const GstMnv3SegmentationMeta *m;
  JsonObject *obj, *mask;
  JsonArray *runs;
  guint8 *decoded = g_malloc0 (MW * MH);
  guint pos = 0;

  add_meta (in, &full, W, H, FALSE, 0.0f);
  ref = gst_buffer_copy_deep (in);
  m = gst_buffer_get_mnv3_segmentation_meta (ref);
  obj = segmentation_block ("mask-rle=true", in, parser);
  mask = json_object_get_object_member (json_object_get_object_member (obj,
          "segmentation"), "mask");
  fail_unless (mask != NULL);
  fail_unless_equals_string (json_object_get_string_member (mask,
          "encoding"), "rle-class-runs");
  fail_unless_equals_int (json_object_get_int_member (mask, "width"), MW);
  fail_unless_equals_int (json_object_get_int_member (mask, "height"), MH);
  runs = json_object_get_array_member (mask, "runs");
  fail_unless (json_array_get_length (runs) % 2 == 0);
  for (guint i = 0; i < json_array_get_length (runs); i += 2) {
    gint64 k = json_array_get_int_element (runs, i);
    gint64 n = json_array_get_int_element (runs, i + 1);
    fail_unless (n > 0 && pos + n <= MW * MH);
    memset (decoded + pos, (gint) k, n);
    pos += n;
  }
  fail_unless_equals_int (pos, MW * MH);
  fail_unless (memcmp (decoded, m->class_map, MW * MH) == 0);
  g_free (decoded);
  g_object_unref (parser);
  gst_buffer_unref (ref);
}

GST_END_TEST;
#endif

static Suite *
mnv3overlay_segment_suite (void)
{
  Suite *s = suite_create ("mnv3overlay-segment");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, ensure_plugin, NULL);
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_background_enum);
  tcase_add_test (tc, test_background_bgrx);
  tcase_add_test (tc, test_background_rgb);
  tcase_add_test (tc, test_background_nv12);
  tcase_add_test (tc, test_background_i420);
  tcase_add_test (tc, test_background_every_format);
  tcase_add_test (tc, test_odd_sizes);
  tcase_add_test (tc, test_smooth_edge);
  tcase_add_test (tc, test_probability_blend);
  tcase_add_test (tc, test_palette_bgrx);
  tcase_add_test (tc, test_palette_nv12);
  tcase_add_test (tc, test_palette_i420);
  tcase_add_test (tc, test_palette_skips_foreground);
  tcase_add_test (tc, test_legend);
#ifdef HAVE_JSON_GLIB
  tcase_add_test (tc, test_metaconvert_fractions);
  tcase_add_test (tc, test_metaconvert_rle);
#endif
  tcase_add_test (tc, test_timing_720p);
  return s;
}

GST_CHECK_MAIN (mnv3overlay_segment);
