/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3classify inference-region=roi-list in async mode: the regions run on
 * the inference thread and their results come back on later frames, where
 * they must land on the same object (matched by tracker id), never on the
 * region that happens to have the same number or place.
 *
 * The scene: two photo tiles of the same size, a cat (tests/data/
 * chelsea.png) and a cup of coffee (coffee.png), on a grey frame.  Their
 * top-1 classes are measured first in sync mode (the reference; the test
 * needs them to differ).  Then:
 *
 *  - the tiles swap places on every frame while the region ids follow the
 *    places and the tracker ids (DL Streamer's object_id) the tiles: every
 *    result must be its tile's class, on the tile's track id, computed on
 *    an earlier frame (source_pts, age);
 *  - the same through a real mnv3track on moving tiles;
 *  - flushes with a job in flight, after which the tracker ids are given
 *    to the other tile: no result from before a flush appears after it;
 *  - EOS with a job in flight goes through, the statistics add up;
 *  - reclassify-interval in async mode (the per-track cache, evicted with
 *    the track);
 *  - sync mode as before: every selected region, every frame, its own
 *    frame's result, untracked regions included;
 *  - mode=auto on a live source: frames with untracked regions run as in
 *    sync mode, tracked ones asynchronously.
 *
 * The loops that wait for async results push frames until the results are
 * there (bounded only to end a broken run); nothing about speed is
 * asserted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3meta.h"
#include "photo.h"
#include "support.h"

#define FW 640
#define FH 360
#define TW 224                  /* tile size */
#define TH 150
#define DUR (GST_SECOND / 30)
#define CAPS "video/x-raw,format=RGB,width=640,height=360,framerate=30/1"
/* a broken run (no result ever) ends after this many frames */
#define MAX_FRAMES 3000

enum { CAT, COFFEE, N_TILES };
static guint8 *tiles[N_TILES];  /* TW x TH RGB */
static gint ref_class[N_TILES]; /* top-1 class in sync mode */

/* The two slots the tiles sit in (test_swap), region ids 1 and 2; an
 * untracked region (id 3) over grey. */
static const gint slot_x[2] = { 40, 376 }, slot_y = 30;
#define UNTRACKED_ID 3

static guint8 *
make_tile (const gchar * name)
{
  mnv3_image img;
  float *f = g_new (float, TW * TH * 3);
  guint8 *t = g_new (guint8, TW * TH * 3);
  gint i;

  mnv3_test_load_photo (name, &img);
  mnv3_test_resample (&img, 0, 0, img.width, img.height, f, TH, TW, 0.f, 1.f);
  for (i = 0; i < TW * TH * 3; i++)
    t[i] = (guint8) CLAMP (f[i] + 0.5f, 0.f, 255.f);
  mnv3_image_free (&img);
  g_free (f);
  return t;
}

/* A grey frame with tile[i] at (x[i], y[i]) (n tiles). */
static GstBuffer *
make_frame (GstClockTime pts, const gint * which, const gint * x,
    const gint * y, gint n)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, (gsize) FW * FH * 3, NULL);
  GstMapInfo map;
  gint i, row;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  memset (map.data, 128, map.size);
  for (i = 0; i < n; i++)
    for (row = 0; row < TH; row++)
      memcpy (map.data + ((gsize) (y[i] + row) * FW + x[i]) * 3,
          tiles[which[i]] + (gsize) row * TW * 3, TW * 3);
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = DUR;
  return b;
}

static GstVideoRegionOfInterestMeta *
add_roi (GstBuffer * b, gint id, gint track, gint x, gint y, gint w, gint h)
{
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (b, "object", x, y, w, h);

  roi->id = id;
  if (track > 0)
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("object_id", "id", G_TYPE_INT, track, NULL));
  return roi;
}

/* Frame @i of the swapping scene: tiles change places on odd frames;
 * region ids follow the places, track ids the tiles (@track[tile]). */
static GstBuffer *
swap_frame (guint i, GstClockTime pts, const gint * track)
{
  gint which[2], ys[2] = { slot_y, slot_y }, s;
  GstBuffer *b;

  which[0] = i % 2 ? COFFEE : CAT;
  which[1] = i % 2 ? CAT : COFFEE;
  b = make_frame (pts, which, slot_x, ys, 2);
  for (s = 0; s < 2; s++)
    add_roi (b, 1 + s, track[which[s]], slot_x[s], slot_y, TW, TH);
  add_roi (b, UNTRACKED_ID, 0, 200, 220, 64, 64);
  return b;
}

static GstHarness *
roi_harness (const gchar * head, const gchar * props)
{
  gchar *desc = g_strdup_printf ("%s mnv3classify inference-region=roi-list "
      "top-k=1 num-threads=1 %s", head ? head : "", props);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* The tracker id (object_id) of the ROI meta with this id on @b. */
static gint
track_of_region (GstBuffer * b, gint region_id, GstVideoRegionOfInterestMeta
    ** out)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (b, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *s;
    gint id = 0;

    if (roi->id != region_id)
      continue;
    if (out)
      *out = roi;
    s = gst_video_region_of_interest_meta_get_param (roi, "object_id");
    if (s)
      gst_structure_get_int (s, "id", &id);
    return id;
  }
  fail ("no region %d on the buffer", region_id);
  return 0;
}

/* The reference classes, in sync mode, in both places. */
static void
measure_references (void)
{
  GstHarness *h = roi_harness (NULL, "mode=sync");
  const gint track[N_TILES] = { 0, 0 };
  guint i;

  for (i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            track));
    gpointer state = NULL;
    GstMeta *meta;

    while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
      GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;
      gint tile;

      if (m->region_id == UNTRACKED_ID)
        continue;
      fail_unless (m->n_results == 1);
      tile = (m->region_id == 1) == (i % 2 == 0) ? CAT : COFFEE;
      if (i == 0)
        ref_class[tile] = m->class_ids[0];
      else
        fail_unless_equals_int (m->class_ids[0], ref_class[tile]);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  /* ImageNet cats are 281..285, the model's ids one more (background) */
  fail_unless (ref_class[CAT] >= 282 && ref_class[CAT] <= 286,
      "the cat tile is class %d", ref_class[CAT]);
  fail_unless (ref_class[COFFEE] != ref_class[CAT]);
}

static void
setup (void)
{
  tiles[CAT] = make_tile ("chelsea.png");
  tiles[COFFEE] = make_tile ("coffee.png");
  measure_references ();
}

static void
teardown (void)
{
  g_clear_pointer (&tiles[CAT], g_free);
  g_clear_pointer (&tiles[COFFEE], g_free);
}

/* What the async checks of one output buffer found. */
typedef struct {
  guint fresh[N_TILES];         /* fresh results per tile */
  guint results;                /* classification metas */
  GstClockTime last_src[N_TILES];
} Seen;

static void
seen_init (Seen * seen)
{
  memset (seen, 0, sizeof *seen);
  seen->last_src[CAT] = seen->last_src[COFFEE] = GST_CLOCK_TIME_NONE;
}

/* Every classification on @out: on a tracked region, of the tile that
 * region's track id names (@tile_of_track), computed on an earlier frame
 * not before @not_before, never older than the previous one of the track;
 * the ROI's classification parameter agrees. */
static void
check_async_output (GstBuffer * out, gint (*tile_of_track) (gint, gpointer),
    gpointer data, GstClockTime not_before, Seen * seen)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
              GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
    GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;
    GstVideoRegionOfInterestMeta *roi = NULL;
    GstStructure *param;
    gint track, tile, label_id = -1;

    fail_unless (m->region_id != 0, "a full-frame result in roi-list mode");
    track = track_of_region (out, m->region_id, &roi);
    fail_unless (track > 0, "region %d (untracked) got a result in async "
        "mode", m->region_id);
    tile = tile_of_track (track, data);
    fail_unless (m->n_results == 1);
    fail_unless_equals_int (m->class_ids[0], ref_class[tile]);
    param = gst_video_region_of_interest_meta_get_param (roi,
        "classification");
    fail_unless (param && gst_structure_get_int (param, "label_id",
            &label_id));
    fail_unless_equals_int (label_id, ref_class[tile]);

    /* computed on an earlier frame: the frame is never held for it */
    fail_unless (GST_CLOCK_TIME_IS_VALID (m->source_pts));
    fail_unless (m->source_pts < GST_BUFFER_PTS (out),
        "an async result on the frame it was computed on");
    fail_unless (m->source_pts >= not_before, "a result from %"
        GST_TIME_FORMAT ", before %" GST_TIME_FORMAT, GST_TIME_ARGS
        (m->source_pts), GST_TIME_ARGS (not_before));
    fail_unless_equals_uint64 (m->age, GST_BUFFER_PTS (out) - m->source_pts);
    if (GST_CLOCK_TIME_IS_VALID (seen->last_src[tile])) {
      if (m->fresh)
        fail_unless (m->source_pts > seen->last_src[tile]);
      else
        fail_unless (m->source_pts >= seen->last_src[tile]);
    }
    seen->last_src[tile] = m->source_pts;
    seen->fresh[tile] += m->fresh;
    seen->results++;
  }
}

static gint
tile_of_fixed_track (gint track, gpointer data)
{
  const gint *tracks = data;    /* tracks[tile] */

  if (track == tracks[CAT])
    return CAT;
  fail_unless_equals_int (track, tracks[COFFEE]);
  return COFFEE;
}

/* Tiles swap places every frame, region ids stay with the places: the
 * results stay with the tiles' track ids. */
GST_START_TEST (test_async_results_follow_track_ids)
{
  GstHarness *h = roi_harness (NULL, "mode=async post-messages=true");
  gint tracks[N_TILES] = { 7, 9 };
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  Seen seen;
  guint i, messages = 0, warnings = 0;

  gst_element_set_bus (h->element, bus);
  seen_init (&seen);
  for (i = 0; i < MAX_FRAMES && (seen.fresh[CAT] < 4
          || seen.fresh[COFFEE] < 4); i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            tracks));

    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * DUR);
    check_async_output (out, tile_of_fixed_track, tracks, 0, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (seen.fresh[CAT] >= 4 && seen.fresh[COFFEE] >= 4,
      "no results after %u frames", i);

  /* one message per fresh result, with the region it was attached to;
   * one warning about the untracked region */
  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (gst_message_get_structure (msg),
            "mnv3-classification")) {
      gint region;

      fail_unless (gst_structure_get_int (gst_message_get_structure (msg),
              "region-id", &region) && (region == 1 || region == 2));
      messages++;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      warnings++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (messages, seen.fresh[CAT] + seen.fresh[COFFEE]);
  fail_unless_equals_int (warnings, 1);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Through mnv3track: the cat walks right along the top, the coffee left
 * along the bottom; mnv3track names them, classification follows. */
static GstBuffer *
moving_frame (guint i)
{
  const gint which[2] = { CAT, COFFEE };
  gint x[2], y[2] = { 10, 200 }, k;
  GstBuffer *b;

  x[0] = 8 + (gint) (i * 3 % 400);
  x[1] = FW - TW - 8 - (gint) (i * 3 % 400);
  b = make_frame (i * DUR, which, x, y, 2);
  for (k = 0; k < 2; k++) {
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_add_video_region_of_interest_meta (b, "object", x[k],
        y[k], TW, TH);

    roi->id = 1 + k;
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("detection",
            "x_min", G_TYPE_DOUBLE, (gdouble) x[k] / FW,
            "y_min", G_TYPE_DOUBLE, (gdouble) y[k] / FH,
            "x_max", G_TYPE_DOUBLE, (gdouble) (x[k] + TW) / FW,
            "y_max", G_TYPE_DOUBLE, (gdouble) (y[k] + TH) / FH,
            "confidence", G_TYPE_DOUBLE, 0.9,
            "label_id", G_TYPE_INT, 1, "label", G_TYPE_STRING, "object",
            NULL));
  }
  return b;
}

typedef struct {
  GstBuffer *out;               /* the buffer being checked */
} TrackCtx;

/* Which tile a track id is on this frame: where mnv3track put its box. */
static gint
tile_of_tracked_box (gint track, gpointer data)
{
  TrackCtx *ctx = data;
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (ctx->out, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;

    if (roi->id == track)
      return roi->y + roi->h / 2 < FH / 2 ? CAT : COFFEE;
  }
  fail ("track %d has no box", track);
  return CAT;
}

GST_START_TEST (test_async_with_mnv3track)
{
  GstHarness *h = roi_harness ("mnv3track min-hits=1 !", "mode=async");
  gint track_tile[2] = { 0, 0 };  /* the track id first seen on each tile */
  TrackCtx ctx;
  Seen seen;
  guint i;

  seen_init (&seen);
  /* the exact tile class needs the exact box: the tracker's boxes are
   * the detections here (constant speed, the filter converges), but
   * check the class of any result against the reference anyway */
  for (i = 0; i < MAX_FRAMES && (seen.fresh[CAT] < 3
          || seen.fresh[COFFEE] < 3); i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, moving_frame (i));
    gpointer state = NULL;
    GstMeta *meta;

    /* mnv3track's ids stay with their tile */
    while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstVideoRegionOfInterestMeta *roi =
          (GstVideoRegionOfInterestMeta *) meta;
      gint tile = roi->y + roi->h / 2 < FH / 2 ? CAT : COFFEE;

      if (!track_tile[tile])
        track_tile[tile] = roi->id;
      fail_unless_equals_int (roi->id, track_tile[tile]);
    }
    ctx.out = out;
    check_async_output (out, tile_of_tracked_box, &ctx, 0, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (seen.fresh[CAT] >= 3 && seen.fresh[COFFEE] >= 3,
      "no results after %u frames", i);
  fail_unless (track_tile[CAT] != track_tile[COFFEE]);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Flushes with a job (most likely) in flight; after each, the tracker ids
 * name the other tile (a tracker that starts its ids again): a result from
 * before the flush would carry the wrong class. */
GST_START_TEST (test_async_flush)
{
  GstHarness *h = roi_harness (NULL, "mode=async");
  GstSegment seg;
  guint round, i;

  for (round = 0; round < 6; round++) {
    const GstClockTime base = (round + 1) * 100 * GST_SECOND;
    gint tracks[N_TILES];
    Seen seen;

    tracks[CAT] = round % 2 ? 9 : 7;
    tracks[COFFEE] = round % 2 ? 7 : 9;
    seen_init (&seen);
    gst_segment_init (&seg, GST_FORMAT_TIME);
    if (round > 0) {
      fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (h,
              gst_event_new_flush_stop (TRUE)));
      fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
    }
    /* until a result of this round came back, then two more frames: the
     * last hands over a job the next flush drops */
    for (i = 0; i < MAX_FRAMES && (seen.fresh[CAT] == 0
            || seen.fresh[COFFEE] == 0); i++) {
      GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i,
              base + i * DUR, tracks));

      check_async_output (out, tile_of_fixed_track, tracks, base, &seen);
      gst_buffer_unref (out);
      g_usleep (2000);
    }
    fail_unless (seen.fresh[CAT] > 0 && seen.fresh[COFFEE] > 0,
        "round %u: no results after %u frames", round, i);
    for (i = 0; i < 2; i++) {
      GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i,
              base + (MAX_FRAMES + i) * DUR, tracks));

      check_async_output (out, tile_of_fixed_track, tracks, base, &seen);
      gst_buffer_unref (out);
    }
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A caps change drops the job too: the frames after it are larger, the
 * track ids name the other tile. */
GST_START_TEST (test_async_caps_change)
{
  GstHarness *h = roi_harness (NULL, "mode=async");
  gint before[N_TILES] = { 7, 9 }, after[N_TILES] = { 9, 7 };
  Seen seen;
  guint i;

  seen_init (&seen);
  for (i = 0; i < MAX_FRAMES && seen.fresh[CAT] == 0; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            before));

    check_async_output (out, tile_of_fixed_track, before, 0, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (seen.fresh[CAT] > 0);
  /* a job in flight, then new caps (same layout: the frame's size is what
   * changes, in the framerate only so that the frames can stay alike) */
  gst_buffer_unref (gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
              before)));
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=640,"
      "height=360,framerate=15/1");
  seen_init (&seen);
  for (i = 1000; i < 1000 + MAX_FRAMES && (seen.fresh[CAT] < 2
          || seen.fresh[COFFEE] < 2); i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            after));

    check_async_output (out, tile_of_fixed_track, after, 1000 * DUR, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (seen.fresh[CAT] >= 2 && seen.fresh[COFFEE] >= 2);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* EOS right after a job was handed over (eight regions: a long job) goes
 * through at once; stopping accounts for every frame. */
GST_START_TEST (test_async_eos_in_flight)
{
  GstHarness *h = roi_harness (NULL, "mode=async");
  GstElement *e = gst_harness_find_element (h, "mnv3classify");
  guint64 inferred, skipped;
  GstEvent *ev;
  guint i, k, eos = 0;

  for (i = 0; i < 5; i++) {
    const gint which[2] = { CAT, COFFEE }, ys[2] = { slot_y, slot_y };
    GstBuffer *b = make_frame (i * DUR, which, slot_x, ys, 2);

    for (k = 0; k < 8; k++)
      add_roi (b, 10 + k, 10 + k, slot_x[k % 2], slot_y, TW, TH);
    gst_buffer_unref (gst_harness_push_and_pull (h, b));
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((ev = gst_harness_try_pull_event (h))) {
    eos += GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless_equals_int (eos, 1);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "frames-inferred", &inferred, "frames-skipped", &skipped,
      NULL);
  fail_unless_equals_uint64 (inferred + skipped, 5);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* reclassify-interval in async mode: a track is classified once and keeps
 * its result (not fresh, same source frame); a track that goes away
 * loses it and is classified again when it is back. */
GST_START_TEST (test_async_reclassify_interval)
{
  GstHarness *h = roi_harness (NULL, "mode=async reclassify-interval=100000");
  gint tracks[N_TILES] = { 7, 9 };
  GstClockTime first_src = GST_CLOCK_TIME_NONE;
  Seen seen;
  guint i, n, frames_after = 0;

  seen_init (&seen);
  for (i = 0; i < MAX_FRAMES && (seen.fresh[CAT] == 0
          || seen.fresh[COFFEE] == 0); i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            tracks));

    check_async_output (out, tile_of_fixed_track, tracks, 0, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless_equals_int (seen.fresh[CAT], 1);
  fail_unless_equals_int (seen.fresh[COFFEE], 1);
  first_src = seen.last_src[CAT];
  for (n = i + 30; i < n; i++, frames_after++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            tracks));

    check_async_output (out, tile_of_fixed_track, tracks, 0, &seen);
    gst_buffer_unref (out);
  }
  /* no second run, the result on every frame */
  fail_unless_equals_int (seen.fresh[CAT], 1);
  fail_unless_equals_int (seen.fresh[COFFEE], 1);
  fail_unless_equals_uint64 (seen.last_src[CAT], first_src);

  /* the cat's track is gone for one frame: its result goes with it */
  {
    const gint which[1] = { COFFEE }, xs[1] = { 376 }, ys[1] = { slot_y };
    GstBuffer *b = make_frame (i * DUR, which, xs, ys, 1);
    GstBuffer *out;

    add_roi (b, 2, tracks[COFFEE], xs[0], slot_y, TW, TH);
    out = gst_harness_push_and_pull (h, b);
    check_async_output (out, tile_of_fixed_track, tracks, 0, &seen);
    gst_buffer_unref (out);
    i++;
  }
  for (; i < n + MAX_FRAMES && seen.fresh[CAT] < 2; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            tracks));

    check_async_output (out, tile_of_fixed_track, tracks, 0, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless_equals_int (seen.fresh[CAT], 2);
  fail_unless (seen.last_src[CAT] > first_src);
  /* the coffee never left */
  fail_unless_equals_int (seen.fresh[COFFEE], 1);
  fail_unless (frames_after > 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Sync mode is what it was: every selected region of every frame gets
 * the result of that frame, fresh, tracked or not, on the right tile. */
GST_START_TEST (test_sync_unchanged)
{
  GstHarness *h = roi_harness (NULL, "mode=sync");
  gint tracks[N_TILES] = { 7, 9 };
  guint i;

  for (i = 0; i < 6; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            tracks));
    gpointer state = NULL;
    GstMeta *meta;
    guint seen = 0;

    while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
      GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;

      fail_unless (m->fresh);
      fail_unless_equals_uint64 (m->source_pts, i * DUR);
      fail_unless_equals_uint64 (m->age, 0);
      seen |= 1u << m->region_id;
      if (m->region_id != UNTRACKED_ID)
        fail_unless_equals_int (m->class_ids[0],
            ref_class[tile_of_fixed_track (track_of_region (out,
                        m->region_id, NULL), tracks)]);
    }
    fail_unless_equals_int (seen, (1u << 1) | (1u << 2) | (1u << 3));
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* mode=auto with a live source (GstHarness answers the LATENCY query as
 * live; an element in front, since a bare upstream pad is not asked):
 * frames with untracked regions are classified synchronously, each
 * region's result on its own frame; once every region is tracked,
 * asynchronously. */
GST_START_TEST (test_auto_untracked_sync)
{
  GstHarness *h = roi_harness ("identity !", "mode=auto");
  gint untracked[N_TILES] = { 0, 0 }, tracks[N_TILES] = { 7, 9 };
  Seen seen;
  guint i;

  for (i = 0; i < 4; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, swap_frame (i, i * DUR,
            untracked));
    gpointer state = NULL;
    GstMeta *meta;
    guint regions = 0;

    while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
      GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;

      fail_unless (m->fresh);
      fail_unless_equals_uint64 (m->source_pts, i * DUR);
      if (m->region_id != UNTRACKED_ID)
        /* slot 1 holds the cat on even frames */
        fail_unless_equals_int (m->class_ids[0],
            ref_class[(m->region_id == 1) == (i % 2 == 0) ? CAT : COFFEE]);
      regions |= 1u << m->region_id;
    }
    fail_unless_equals_int (regions, (1u << 1) | (1u << 2) | (1u << 3));
    gst_buffer_unref (out);
  }
  /* tracked from now on (the untracked region dropped): asynchronous */
  seen_init (&seen);
  for (i = 4; i < MAX_FRAMES && (seen.fresh[CAT] < 2
          || seen.fresh[COFFEE] < 2); i++) {
    const gint which[2] = { i % 2 ? COFFEE : CAT, i % 2 ? CAT : COFFEE };
    const gint ys[2] = { slot_y, slot_y };
    GstBuffer *b = make_frame (i * DUR, which, slot_x, ys, 2), *out;

    add_roi (b, 1, tracks[which[0]], slot_x[0], slot_y, TW, TH);
    add_roi (b, 2, tracks[which[1]], slot_x[1], slot_y, TW, TH);
    out = gst_harness_push_and_pull (h, b);
    check_async_output (out, tile_of_fixed_track, tracks, 4 * DUR, &seen);
    gst_buffer_unref (out);
    g_usleep (2000);
  }
  fail_unless (seen.fresh[CAT] >= 2 && seen.fresh[COFFEE] >= 2);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
roi_async_suite (void)
{
  Suite *s = suite_create ("mnv3roiasync");
  TCase *tc = tcase_create ("roi-async");

  tcase_add_unchecked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_async_results_follow_track_ids);
  tcase_add_test (tc, test_async_with_mnv3track);
  tcase_add_test (tc, test_async_flush);
  tcase_add_test (tc, test_async_caps_change);
  tcase_add_test (tc, test_async_eos_in_flight);
  tcase_add_test (tc, test_async_reclassify_interval);
  tcase_add_test (tc, test_sync_unchanged);
  tcase_add_test (tc, test_auto_untracked_sync);
  return s;
}

GST_CHECK_MAIN (roi_async);
