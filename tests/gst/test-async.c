/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Asynchronous inference in the base class (mode=async|auto), through
 * mnv3classify and its embedded MobileNetV3-Small: GstHarness for ordering,
 * flushes, caps changes, EOS and state changes with a run in flight, and the
 * statistics; a real live pipeline (videotestsrc is-live=true) for `auto`.
 *
 * What the frames show does not matter here, only which frame a result was
 * computed on (source_pts) and where it is attached.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3meta.h"
#include "gst-support.h"

#define W 320
#define H 240
#define DUR (GST_SECOND / 30)
#define CAPS "video/x-raw,format=RGB,width=320,height=240,framerate=30/1"

/* A frame whose content depends on @seed (a moving gradient). */
static GstBuffer *
make_frame (guint seed, GstClockTime pts, gint w, gint h)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, (gsize) w * h * 3, NULL);
  GstMapInfo map;
  gint i;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (i = 0; i < w * h * 3; i++)
    map.data[i] = (guint8) ((i / 3 % w) + seed * 7 + (i % 3) * 60);
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = DUR;
  return b;
}

static GstHarness *
async_harness (const gchar * props)
{
  gchar *desc = g_strdup_printf ("mnv3classify mode=async num-threads=1 %s",
      props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

static void
get_stats (GstHarness * h, guint64 * inferred, guint64 * skipped)
{
  GstElement *e = gst_harness_find_element (h, "mnv3classify");

  g_object_get (e, "frames-inferred", inferred, "frames-skipped", skipped,
      NULL);
  gst_object_unref (e);
}

/* Checks what one output buffer carries; returns the source PTS of its
 * result (NONE without one). */
static GstClockTime
check_result (GstBuffer * out, GstClockTime last_fresh_src)
{
  GstMnv3ClassificationMeta *m = gst_buffer_get_mnv3_classification_meta (out);

  if (!m)
    return GST_CLOCK_TIME_NONE;
  fail_unless (GST_CLOCK_TIME_IS_VALID (m->source_pts));
  fail_unless (m->source_pts <= GST_BUFFER_PTS (out),
      "result from the future: %" GST_TIME_FORMAT " on %" GST_TIME_FORMAT,
      GST_TIME_ARGS (m->source_pts), GST_TIME_ARGS (GST_BUFFER_PTS (out)));
  fail_unless_equals_uint64 (m->age, GST_BUFFER_PTS (out) - m->source_pts);
  /* results come in the order of their frames */
  if (GST_CLOCK_TIME_IS_VALID (last_fresh_src)) {
    if (m->fresh)
      fail_unless (m->source_pts > last_fresh_src);
    else
      fail_unless_equals_uint64 (m->source_pts, last_fresh_src);
  }
  fail_unless (m->n_results > 0);
  return m->source_pts;
}

/* Frames pushed back to back: every one comes out at once, in order, with
 * the newest finished result; some are not inferred because the worker is
 * busy (the streaming thread does not wait for it). */
GST_START_TEST (test_async_order_and_stats)
{
  GstHarness *h = async_harness (NULL);
  const guint n = 90;
  GstClockTime last_src = GST_CLOCK_TIME_NONE;
  guint64 inferred, skipped;
  guint i, with_result = 0, aged = 0;

  for (i = 0; i < n; i++) {
    GstBuffer *out;
    GstClockTime src;

    fail_unless_equals_int (gst_harness_push (h, make_frame (i, i * DUR, W,
                H)), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * DUR);
    src = check_result (out, last_src);
    if (i == 0)
      fail_unless (!GST_CLOCK_TIME_IS_VALID (src),
          "frame 0 cannot have a result yet");
    if (GST_CLOCK_TIME_IS_VALID (src)) {
      with_result++;
      aged += src < i * DUR;
      last_src = src;
    }
    gst_buffer_unref (out);
    if (i % 10 == 9)
      g_usleep (30 * 1000);     /* let some runs finish */
  }
  fail_unless (with_result > 0);
  /* a result never rides on the frame it was computed from in async */
  fail_unless_equals_int (aged, with_result);

  get_stats (h, &inferred, &skipped);
  /* every frame is inferred, skipped, or in flight (at most one) */
  fail_unless (inferred + skipped == n || inferred + skipped + 1 == n,
      "%" G_GUINT64_FORMAT " inferred + %" G_GUINT64_FORMAT " skipped of %u",
      inferred, skipped, n);
  fail_unless (skipped > 0, "the streaming thread waited for every run");
  fail_unless (inferred > 0);

  /* after stop the run in flight is accounted for too */
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Stats add up exactly once the element has stopped. */
GST_START_TEST (test_async_stats_after_stop)
{
  GstElement *e;
  GstHarness *h = async_harness (NULL);
  guint64 inferred, skipped;
  guint i;

  e = gst_harness_find_element (h, "mnv3classify");
  for (i = 0; i < 40; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, i * DUR,
                W, H)));
  /* a run is very likely in flight now: stop must wait for it, not hang */
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "frames-inferred", &inferred, "frames-skipped", &skipped,
      NULL);
  fail_unless_equals_uint64 (inferred + skipped, 40);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Frames before a flush are never the source of a result after it. */
GST_START_TEST (test_async_flush)
{
  GstHarness *h = async_harness (NULL);
  const GstClockTime base = 100 * GST_SECOND;
  GstClockTime last_src = GST_CLOCK_TIME_NONE;
  GstSegment seg;
  guint i, round, with_result = 0;

  for (round = 0; round < 5; round++) {
    /* a few frames; the last one is (most likely) in flight at the flush */
    for (i = 0; i < 3; i++)
      gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, i * DUR,
                  W, H)));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
    last_src = GST_CLOCK_TIME_NONE;
    for (i = 0; i < 12; i++) {
      GstBuffer *out;
      GstClockTime src;

      out = gst_harness_push_and_pull (h, make_frame (i, base + i * DUR, W,
              H));
      src = check_result (out, last_src);
      if (GST_CLOCK_TIME_IS_VALID (src)) {
        fail_unless (src >= base, "round %u frame %u: a result from before "
            "the flush (%" GST_TIME_FORMAT ")", round, i, GST_TIME_ARGS (src));
        last_src = src;
        with_result++;
      }
      gst_buffer_unref (out);
      g_usleep (15 * 1000);
    }
  }
  fail_unless (with_result > 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The same across a caps change: results of the old size never reach the
 * new frames, and the regions are the new frame's. */
GST_START_TEST (test_async_caps_change)
{
  GstHarness *h = async_harness (NULL);
  const GstClockTime base = 50 * GST_SECOND;
  GstClockTime last_src = GST_CLOCK_TIME_NONE;
  guint i, round, with_result = 0;

  for (round = 0; round < 4; round++) {
    gint w = round % 2 ? 160 : W, h2 = round % 2 ? 120 : H;
    gchar *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,"
        "height=%d,framerate=30/1", w, h2);
    GstClockTime t0 = base * (round + 1);

    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    last_src = GST_CLOCK_TIME_NONE;
    for (i = 0; i < 10; i++) {
      GstBuffer *out = gst_harness_push_and_pull (h, make_frame (i,
              t0 + i * DUR, w, h2));
      GstMnv3ClassificationMeta *m;
      GstClockTime src = check_result (out, last_src);

      if (GST_CLOCK_TIME_IS_VALID (src)) {
        fail_unless (src >= t0, "round %u: a result from the old caps", round);
        m = gst_buffer_get_mnv3_classification_meta (out);
        fail_unless_equals_int (m->region.w, w);
        fail_unless_equals_int (m->region.h, h2);
        last_src = src;
        with_result++;
      }
      gst_buffer_unref (out);
      g_usleep (15 * 1000);
    }
  }
  fail_unless (with_result > 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A model change while a run is in flight: frames keep the old model's
 * results while the new one loads; the frame of the swap waits for the
 * new model's result (fresh, computed on itself), and no result of a frame
 * before the swap comes after it.  EOS right after a frame was handed to
 * the worker goes through at once. */
GST_START_TEST (test_async_eos_and_model_change)
{
  GstHarness *h = async_harness (NULL);
  GstElement *e = gst_harness_find_element (h, "mnv3classify");
  gchar *model = g_build_filename (g_getenv ("MNV3_SOURCE_ROOT"), "models",
      "mobilenet_v3_small_224_1.0_uint8.tflite", NULL);
  GstClockTime last_src = GST_CLOCK_TIME_NONE, swap_pts = GST_CLOCK_TIME_NONE;
  gint swaps = 0;
  GstEvent *ev;
  guint i, after = 0;

  g_signal_connect (e, "notify::active-model", G_CALLBACK (mnv3_test_count_notify),
      &swaps);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (0, 0, W, H)));
  /* a model change with a run in flight */
  g_object_set (e, "model", model, NULL);
  for (i = 1; i < 2000 && after < 20; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (i, i * DUR, W,
            H));
    GstClockTime src = check_result (out, last_src);

    if (!GST_CLOCK_TIME_IS_VALID (swap_pts) && g_atomic_int_get (&swaps)) {
      GstMnv3ClassificationMeta *m =
          gst_buffer_get_mnv3_classification_meta (out);

      swap_pts = i * DUR;
      fail_unless (m && m->fresh, "no fresh result on the swap frame");
      fail_unless_equals_uint64 (src, swap_pts);
    }
    if (GST_CLOCK_TIME_IS_VALID (swap_pts)) {
      after++;
      fail_unless (GST_CLOCK_TIME_IS_VALID (src) && src >= swap_pts,
          "a result of the old model crossed the swap");
    }
    if (GST_CLOCK_TIME_IS_VALID (src))
      last_src = src;
    gst_buffer_unref (out);
    g_usleep (10 * 1000);
  }
  fail_unless_equals_int (g_atomic_int_get (&swaps), 1);
  /* the last frame was likely handed over: EOS does not wait for it */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((ev = gst_harness_try_pull_event (h))) {
    gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
    if (eos)
      break;
  }
  g_free (model);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The LATENCY query answers the streaming thread's share only. */
GST_START_TEST (test_async_latency)
{
  GstHarness *h = async_harness (NULL);
  GstElement *e = gst_harness_find_element (h, "mnv3classify");
  GstClockTime lat;
  gdouble mean;
  guint i;

  for (i = 0; i < 30; i++) {
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (i, i * DUR, W,
                H)));
    g_usleep (10 * 1000);
  }
  lat = gst_harness_query_latency (h);
  g_object_get (e, "mean-latency", &mean, NULL);
  fail_unless (mean > 0.0);
  fail_unless (lat > 0 && lat < mean * GST_MSECOND,
      "latency %" GST_TIME_FORMAT " vs %.2f ms a run", GST_TIME_ARGS (lat),
      mean);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- real pipelines ------------------------------------------------------ */

typedef struct {
  guint buffers, with_result, aged, fresh;
  guint first_result;          /* index of the first frame with a result */
  gboolean gap;                /* a frame without result after the first */
  GstClockTime last_pts;
  gboolean in_order;
} Seen;

static GstPadProbeReturn
probe_cb (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Seen *seen = data;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMnv3ClassificationMeta *m = gst_buffer_get_mnv3_classification_meta (b);

  (void) pad;
  if (GST_CLOCK_TIME_IS_VALID (seen->last_pts)
      && GST_BUFFER_PTS (b) <= seen->last_pts)
    seen->in_order = FALSE;
  seen->last_pts = GST_BUFFER_PTS (b);
  seen->buffers++;
  if (m) {
    if (!seen->with_result)
      seen->first_result = seen->buffers - 1;
    seen->with_result++;
    seen->fresh += m->fresh;
    seen->aged += m->source_pts < GST_BUFFER_PTS (b);
  } else if (seen->with_result) {
    seen->gap = TRUE;
  }
  return GST_PAD_PROBE_OK;
}

static void
run_pipeline (gboolean live, guint n, Seen * seen, guint64 * inferred,
    guint64 * skipped)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=%s num-buffers=%u "
      "pattern=ball ! " CAPS " ! mnv3classify name=c ! fakesink name=s "
      "sync=%s", live ? "true" : "false", n, live ? "true" : "false");
  GstElement *p = gst_parse_launch (desc, NULL);
  GstElement *sink, *c;
  GstPad *pad;
  GstBus *bus;
  GstMessage *msg;

  fail_unless (p != NULL);
  memset (seen, 0, sizeof *seen);
  seen->last_pts = GST_CLOCK_TIME_NONE;
  seen->in_order = TRUE;
  sink = gst_bin_get_by_name (GST_BIN (p), "s");
  c = gst_bin_get_by_name (GST_BIN (p), "c");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe_cb, seen, NULL);
  gst_object_unref (pad);
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (p);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_NULL);
  g_object_get (c, "frames-inferred", inferred, "frames-skipped", skipped,
      NULL);
  gst_object_unref (c);
  gst_object_unref (sink);
  gst_object_unref (p);
  g_free (desc);
}

/* mode=auto with a live source runs async: results ride on later frames;
 * with a file-like (non-live) source it stays sync: every frame inferred
 * and carrying its own result. */
GST_START_TEST (test_auto_mode_pipelines)
{
  const guint n = 45;
  guint64 inferred, skipped;
  Seen seen;

  run_pipeline (TRUE, n, &seen, &inferred, &skipped);
  fail_unless_equals_int (seen.buffers, n);
  fail_unless (seen.in_order);
  /* only the frames before the first result finishes go without one (how
   * many depends on the machine's load; at most a second here), and every
   * frame after it carries the newest result */
  fail_unless (seen.with_result > 0 && !seen.gap
      && seen.first_result <= 30, "%u of %u frames with a result, the "
      "first at frame %u%s", seen.with_result, n, seen.first_result,
      seen.gap ? ", with gaps" : "");
  fail_unless_equals_int (seen.aged, seen.with_result);
  fail_unless_equals_uint64 (inferred + skipped, n);
  fail_unless (inferred >= 5, "%" G_GUINT64_FORMAT " inferred", inferred);

  run_pipeline (FALSE, n, &seen, &inferred, &skipped);
  fail_unless_equals_int (seen.buffers, n);
  fail_unless (seen.in_order);
  fail_unless_equals_int (seen.with_result, n);
  fail_unless_equals_int (seen.fresh, n);
  fail_unless_equals_int (seen.aged, 0);
  fail_unless_equals_uint64 (inferred, n);
  fail_unless_equals_uint64 (skipped, 0);
}

GST_END_TEST;

static Suite *
async_suite (void)
{
  Suite *s = suite_create ("mnv3async");
  TCase *tc = tcase_create ("async");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_async_order_and_stats);
  tcase_add_test (tc, test_async_stats_after_stop);
  tcase_add_test (tc, test_async_flush);
  tcase_add_test (tc, test_async_caps_change);
  tcase_add_test (tc, test_async_eos_and_model_change);
  tcase_add_test (tc, test_async_latency);
  tcase_add_test (tc, test_auto_mode_pipelines);
  return s;
}

GST_CHECK_MAIN (async);
