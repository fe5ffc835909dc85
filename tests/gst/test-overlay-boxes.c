/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3overlay and boxes from anywhere: region-of-interest metas with
 * DL Streamer's `detection` parameter from another producer are drawn;
 * tracked boxes take the colour of their id (untracked ones, of their
 * class); a trail follows a tracked object; labels of a box at the top
 * edge are stacked inside the box instead of on top of each other.
 * BGRx frames (drawn directly), read back pixel by pixel.
 */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3meta.h"
#include "gstmnv3detectionmeta.h"

#define W 320
#define H 240
#define GREY 0x60

static GstBuffer *
grey_frame (void)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, W * H * 4, NULL);

  gst_buffer_memset (b, 0, GREY, W * H * 4);
  return b;
}

static GstHarness *
overlay (const gchar * props)
{
  gchar *desc = g_strdup_printf ("mnv3overlay %s", props);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=BGRx,width=320,"
      "height=240,framerate=30/1");
  return h;
}

/* BGRx pixel (x, y) as 0xRRGGBB. */
static guint32
pixel (GstBuffer * b, gint x, gint y)
{
  GstMapInfo map;
  guint32 v;

  gst_buffer_map (b, &map, GST_MAP_READ);
  v = (map.data[(y * W + x) * 4 + 2] << 16) | (map.data[(y * W + x) * 4 + 1]
      << 8) | map.data[(y * W + x) * 4];
  gst_buffer_unmap (b, &map);
  return v;
}

static gboolean
untouched (GstBuffer * b, gint x, gint y)
{
  return pixel (b, x, y) == (GREY << 16 | GREY << 8 | GREY);
}

static void
add_foreign_roi (GstBuffer * b, gint x, gint y, gint w, gint h,
    gboolean with_detection)
{
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (b, "face", x, y, w, h);

  roi->id = 9;
  if (with_detection)
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("detection", "confidence", G_TYPE_DOUBLE, 0.8,
            "label_id", G_TYPE_INT, 4, NULL));
}

/* Another detector's box is drawn; a region without detection parameters
 * (not a detection) is not. */
GST_START_TEST (test_foreign_roi_drawn)
{
  GstHarness *h = overlay ("draw-labels=false line-width=2");
  GstBuffer *in = grey_frame (), *out;

  add_foreign_roi (in, 40, 50, 100, 80, TRUE);
  out = gst_harness_push_and_pull (h, in);
  fail_if (untouched (out, 40, 90), "left edge not drawn");
  fail_if (untouched (out, 139, 90), "right edge not drawn");
  fail_if (untouched (out, 90, 50), "top edge not drawn");
  fail_unless (untouched (out, 90, 90), "inside of the box drawn on");
  fail_unless (untouched (out, 20, 20));
  gst_buffer_unref (out);

  in = grey_frame ();
  add_foreign_roi (in, 40, 50, 100, 80, FALSE);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (untouched (out, 40, 90));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Two boxes of one class: one colour untracked, two colours tracked. */
static void
two_boxes (gboolean tracked, guint32 * c1, guint32 * c2)
{
  GstHarness *h = overlay ("draw-labels=false line-width=2");
  GstBuffer *in = grey_frame (), *out;
  GstMnv3Detection d[2] = {
    {20, 20, 60, 60, 1, (gchar *) "person", 0.9f, 0, 1, FALSE},
    {200, 20, 60, 60, 1, (gchar *) "person", 0.9f, 0, 2, FALSE},
  };
  GstMnv3DetectionMeta *m = gst_buffer_add_mnv3_detection_meta (in, "d", 2,
      d, TRUE, W, H);

  m->tracked = tracked;
  out = gst_harness_push_and_pull (h, in);
  *c1 = pixel (out, 20, 50);
  *c2 = pixel (out, 200, 50);
  fail_if (untouched (out, 20, 50) || untouched (out, 200, 50));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_START_TEST (test_colour_by_id)
{
  guint32 a, b;

  two_boxes (FALSE, &a, &b);
  fail_unless_equals_int (a, b);
  two_boxes (TRUE, &a, &b);
  fail_unless (a != b, "two track ids, one colour %06x", a);
}

GST_END_TEST;

/* A tracked box moving right: with trail-length, where it was is marked. */
GST_START_TEST (test_trail)
{
  GstHarness *h = overlay ("draw-labels=false line-width=2 trail-length=8");
  GstBuffer *out = NULL;
  gint i;

  for (i = 0; i < 5; i++) {
    GstBuffer *in = grey_frame ();
    GstMnv3Detection d = { 40 + 20 * i, 40, 40, 60, 1, (gchar *) "person",
      0.9f, 0, 7, FALSE
    };
    GstMnv3DetectionMeta *m = gst_buffer_add_mnv3_detection_meta (in, "d", 1,
        &d, TRUE, W, H);

    m->tracked = TRUE;
    if (out)
      gst_buffer_unref (out);
    out = gst_harness_push_and_pull (h, in);
  }
  /* bottom centre of the box on the first frames: (60, 100), (80, 100) */
  fail_if (untouched (out, 60, 100), "no trail where the object was");
  fail_if (untouched (out, 80, 100));
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* no trail by default */
  h = overlay ("draw-labels=false line-width=2");
  for (i = 0; i < 3; i++) {
    GstBuffer *in = grey_frame ();
    GstMnv3Detection d = { 40 + 20 * i, 40, 40, 60, 1, (gchar *) "person",
      0.9f, 0, 7, FALSE
    };
    GstMnv3DetectionMeta *m = gst_buffer_add_mnv3_detection_meta (in, "d", 1,
        &d, TRUE, W, H);

    m->tracked = TRUE;
    out = gst_harness_push_and_pull (h, in);
    if (i == 2)
      fail_unless (untouched (out, 60, 100));
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Rows that differ from grey in columns [x0, x1): first and last. */
static void
changed_rows (GstBuffer * b, gint x0, gint x1, gint * first, gint * last)
{
  gint x, y;

  *first = -1;
  *last = -1;
  for (y = 0; y < H; y++)
    for (x = x0; x < x1; x++)
      if (!untouched (b, x, y)) {
        if (*first < 0)
          *first = y;
        *last = y;
        break;
      }
}

/* A box at the top edge with a detection label and a secondary
 * classification label: both go inside the box, one under the other
 * (before, both were drawn at y = 0 over each other). */
static gint
label_rows (gboolean with_classification)
{
  GstHarness *h = overlay ("line-width=0");
  GstBuffer *in = grey_frame (), *out;
  GstMnv3Detection d = { 60, 0, 200, 200, 1, (gchar *) "person", 0.9f, 3, 0,
    FALSE
  };
  GstVideoRectangle r = { 60, 0, 200, 200 };
  const gint ids[] = { 409 };
  const gchar *labels[] = { "backpack" };
  const gfloat scores[] = { 0.6f };
  gint first, last;

  gst_buffer_add_mnv3_detection_meta (in, "d", 1, &d, TRUE, W, H);
  if (with_classification) {
    GstMnv3ClassificationMeta *c =
        gst_buffer_add_mnv3_classification_meta (in, "bags", 1, ids, labels,
        scores, TRUE, &r);
    c->region_id = 3;
    c->frame_width = W;
    c->frame_height = H;
  }
  out = gst_harness_push_and_pull (h, in);
  changed_rows (out, 60, 260, &first, &last);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  fail_unless_equals_int (first, 0);
  return last + 1;
}

GST_START_TEST (test_top_edge_labels_stack)
{
  gint one = label_rows (FALSE), two = label_rows (TRUE);

  fail_unless (one > 8);
  /* two labels of the same font: twice the height (less rounding) */
  fail_unless (two >= 2 * one - 2, "two labels take %d rows, one %d", two,
      one);
}

GST_END_TEST;

static Suite *
overlay_boxes_suite (void)
{
  Suite *s = suite_create ("mnv3overlay-boxes");
  TCase *tc = tcase_create ("boxes");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_foreign_roi_drawn);
  tcase_add_test (tc, test_colour_by_id);
  tcase_add_test (tc, test_trail);
  tcase_add_test (tc, test_top_edge_labels_stack);
  return s;
}

GST_CHECK_MAIN (overlay_boxes);
