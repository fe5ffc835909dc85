/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3detect in async mode, where the box decoding and NMS run on the
 * worker thread right after the network (the postprocess / attach_result
 * vfuncs of the base class): the boxes attached in async mode must be
 * those sync mode attaches to the frame they were computed on (matched by
 * the meta's source PTS: the detection meta and every region-of-interest
 * meta, exactly), and no result crosses a flush.
 *
 * The model is the seeded SSDLite / MobileNetV3-Small export test_detect
 * uses (models/export_torchvision.py --task detection --arch small --seed
 * 1), made beside this executable unless there already; exit 77 (skipped)
 * without torch.  $MNV3_DETECT_TEST_MODEL names another model file.  The
 * frames are the test photo shifted sideways by a few pixels per frame, so
 * that every frame has boxes of its own (random weights, low threshold).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3detectionmeta.h"
#include "photo.h"
#include "test-detect-model.h"

#define THRESHOLD 0.05
#define DUR (GST_SECOND / 30)
#define N_FRAMES 48

static gchar *model_path;
static mnv3_image photo;

/* ---- the model and the frames ---------------------------------------- */

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

static void
photo_info (GstVideoInfo * info)
{
  fail_unless (gst_video_info_set_format (info, GST_VIDEO_FORMAT_RGB,
          photo.width, photo.height));
  GST_VIDEO_INFO_FPS_N (info) = 30;
  GST_VIDEO_INFO_FPS_D (info) = 1;
}

/* Frame @index: the photo shifted right by 5 * index pixels (wrapping),
 * PTS @pts. */
static GstBuffer *
make_frame (guint index, GstClockTime pts)
{
  GstVideoInfo info;
  GstVideoFrame f;
  GstBuffer *buf;
  gint x, y, shift = (gint) ((index * 5) % (guint) photo.width);

  photo_info (&info);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_WRITE));
  for (y = 0; y < photo.height; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0)
        + y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);

    for (x = 0; x < photo.width; x++)
      memcpy (row + 3 * x, photo.rgb + 3 * (y * photo.width
              + (x - shift + photo.width) % photo.width), 3);
  }
  gst_video_frame_unmap (&f);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = DUR;
  return buf;
}

static GstHarness *
detect_harness (const gchar * mode)
{
  gchar *launch = g_strdup_printf ("mnv3detect model=\"%s\" mode=%s "
      "num-threads=1 threshold=%g", model_path, mode, THRESHOLD);
  GstHarness *h = gst_harness_new_parse (launch);
  GstVideoInfo info;

  photo_info (&info);
  gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
  g_free (launch);
  return h;
}

/* ---- what a buffer carries ------------------------------------------- */

/* The region-of-interest metas of a buffer, in the order they were added. */
static GPtrArray *
roi_metas (GstBuffer * buf)
{
  GPtrArray *a = g_ptr_array_new ();
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    g_ptr_array_add (a, meta);
  return a;
}

/* The boxes of @got (async) are exactly those of @want (sync, on the
 * frame got's result was computed on). */
static void
check_same_boxes (GstBuffer * got, GstBuffer * want, const gchar * what)
{
  GstMnv3DetectionMeta *g = gst_buffer_get_mnv3_detection_meta (got);
  GstMnv3DetectionMeta *w = gst_buffer_get_mnv3_detection_meta (want);
  GPtrArray *gr, *wr;
  guint i;

  fail_unless (g != NULL && w != NULL, "%s: a detection meta is missing",
      what);
  fail_unless_equals_int (g->n_detections, w->n_detections);
  fail_unless_equals_string (g->model, w->model);
  fail_unless_equals_int (g->frame_width, w->frame_width);
  fail_unless_equals_int (g->frame_height, w->frame_height);
  for (i = 0; i < g->n_detections; i++) {
    const GstMnv3Detection *a = &g->detections[i], *b = &w->detections[i];

    fail_unless (a->x == b->x && a->y == b->y && a->w == b->w
        && a->h == b->h, "%s: box %u is %g,%g %gx%g, sync %g,%g %gx%g",
        what, i, a->x, a->y, a->w, a->h, b->x, b->y, b->w, b->h);
    fail_unless (a->score == b->score, "%s: score of box %u", what, i);
    fail_unless_equals_int (a->class_id, b->class_id);
    fail_unless_equals_string (a->label, b->label);
    fail_unless_equals_int (a->roi_id, b->roi_id);
  }

  gr = roi_metas (got);
  wr = roi_metas (want);
  fail_unless_equals_int (gr->len, wr->len);
  fail_unless_equals_int (gr->len, g->n_detections);
  for (i = 0; i < gr->len; i++) {
    GstVideoRegionOfInterestMeta *a = g_ptr_array_index (gr, i);
    GstVideoRegionOfInterestMeta *b = g_ptr_array_index (wr, i);
    GstStructure *pa =
        gst_video_region_of_interest_meta_get_param (a, "detection");
    GstStructure *pb =
        gst_video_region_of_interest_meta_get_param (b, "detection");

    fail_unless_equals_int (a->id, b->id);
    fail_unless_equals_int (a->roi_type, b->roi_type);
    fail_unless (a->x == b->x && a->y == b->y && a->w == b->w
        && a->h == b->h, "%s: region %u differs", what, i);
    fail_unless (pa != NULL && pb != NULL);
    fail_unless (gst_structure_is_equal (pa, pb),
        "%s: region %u: %" GST_PTR_FORMAT " vs sync %" GST_PTR_FORMAT, what,
        i, pa, pb);
  }
  g_ptr_array_unref (gr);
  g_ptr_array_unref (wr);
}

/* ---- tests ------------------------------------------------------------ */

/* Frames pushed at about 100 fps through mode=async: every box a buffer
 * carries (fresh or carried forward) is what mode=sync attaches to the
 * frame its source PTS names. */
GST_START_TEST (test_async_boxes_equal_sync)
{
  GstHarness *ha = detect_harness ("async");
  GstHarness *hs = detect_harness ("sync");
  GstBuffer *sync_out[N_FRAMES] = { NULL };
  GstClockTime last_src = GST_CLOCK_TIME_NONE;
  guint i, fresh = 0, carried = 0, boxes = 0;

  for (i = 0; i < N_FRAMES; i++) {
    GstBuffer *out;
    GstMnv3DetectionMeta *m;
    gchar *what;
    guint src;

    fail_unless_equals_int (gst_harness_push (ha, make_frame (i, i * DUR)),
        GST_FLOW_OK);
    out = gst_harness_pull (ha);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * DUR);
    m = gst_buffer_get_mnv3_detection_meta (out);
    if (!m) {
      /* nothing before the first result, and no box without its meta */
      fail_unless (!GST_CLOCK_TIME_IS_VALID (last_src),
          "frame %u lost the result", i);
      fail_unless_equals_int (gst_buffer_get_n_meta (out,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 0);
      gst_buffer_unref (out);
      g_usleep (10 * 1000);
      continue;
    }
    fail_unless (GST_CLOCK_TIME_IS_VALID (m->source_pts));
    fail_unless (m->source_pts < GST_BUFFER_PTS (out),
        "frame %u: a result on its own frame in async mode", i);
    fail_unless_equals_uint64 (m->age, GST_BUFFER_PTS (out) - m->source_pts);
    fail_unless (m->source_pts % DUR == 0);
    src = (guint) (m->source_pts / DUR);
    if (m->fresh) {
      fail_unless (!GST_CLOCK_TIME_IS_VALID (last_src)
          || m->source_pts > last_src);
      fresh++;
    } else {
      fail_unless_equals_uint64 (m->source_pts, last_src);
      carried++;
    }
    last_src = m->source_pts;

    /* the reference: that frame through mode=sync */
    if (!sync_out[src]) {
      fail_unless_equals_int (gst_harness_push (hs, make_frame (src,
                  m->source_pts)), GST_FLOW_OK);
      sync_out[src] = gst_harness_pull (hs);
      fail_unless (gst_buffer_get_mnv3_detection_meta (sync_out[src])->fresh);
    }
    what = g_strdup_printf ("frame %u, result of frame %u", i, src);
    check_same_boxes (out, sync_out[src], what);
    g_free (what);
    boxes += m->n_detections;
    gst_buffer_unref (out);
    g_usleep (10 * 1000);
  }
  /* the comparison was not vacuous */
  fail_unless (fresh >= 3, "only %u fresh results", fresh);
  fail_unless (boxes > 0, "no boxes at all");
  GST_INFO ("%u fresh, %u carried forward, %u boxes compared", fresh,
      carried, boxes);

  for (i = 0; i < N_FRAMES; i++)
    if (sync_out[i])
      gst_buffer_unref (sync_out[i]);
  gst_harness_teardown (ha);
  gst_harness_teardown (hs);
}

GST_END_TEST;

/* Flushes with a run (or its post-processing) in flight: after the flush
 * no buffer carries boxes of a frame from before it, neither fresh nor
 * carried forward, and results come back. */
GST_START_TEST (test_async_flush_drops_boxes)
{
  GstHarness *h = detect_harness ("async");
  const GstClockTime base = 1000 * GST_SECOND;
  guint round, with_result = 0;

  for (round = 0; round < 8; round++) {
    GstClockTime t0 = base * (round + 1), last_src = GST_CLOCK_TIME_NONE;
    GstSegment seg;
    guint i;

    /* frames before the flush, the last one (most likely) in flight; a
     * pause of a varying length so that some flushes hit the decoding */
    for (i = 0; i < 3; i++)
      gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i,
                  t0 - base / 2 + i * DUR)));
    g_usleep (round * 2 * 1000);
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h,
            gst_event_new_flush_stop (TRUE)));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));

    for (i = 0; i < 15; i++) {
      GstBuffer *out = gst_harness_push_and_pull (h, make_frame (10 + i,
              t0 + i * DUR));
      GstMnv3DetectionMeta *m = gst_buffer_get_mnv3_detection_meta (out);

      if (m) {
        fail_unless (m->source_pts >= t0, "round %u frame %u: boxes from "
            "before the flush (%" GST_TIME_FORMAT ")", round, i,
            GST_TIME_ARGS (m->source_pts));
        fail_unless (!GST_CLOCK_TIME_IS_VALID (last_src)
            || m->source_pts >= last_src);
        fail_unless_equals_int (gst_buffer_get_n_meta (out,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), m->n_detections);
        last_src = m->source_pts;
        with_result++;
      } else {
        fail_unless (!GST_CLOCK_TIME_IS_VALID (last_src));
        fail_unless_equals_int (gst_buffer_get_n_meta (out,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE), 0);
      }
      gst_buffer_unref (out);
      g_usleep (15 * 1000);
    }
  }
  fail_unless (with_result > 0, "no result after any flush");
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
detect_async_suite (void)
{
  Suite *s = suite_create ("mnv3detect-async");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, load_photo, free_photo);
  tcase_add_test (tc, test_async_boxes_equal_sync);
  tcase_add_test (tc, test_async_flush_drops_boxes);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  int ret;

  gst_check_init (&argc, &argv);
  if (!(model_path = test_detect_model_path ()))
    return 77;
  ret = gst_check_run_suite (detect_async_suite (), "mnv3detect-async",
      __FILE__);
  g_free (model_path);
  return ret;
}
