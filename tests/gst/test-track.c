/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3track against synthetic ground truth with known trajectories:
 * objects crossing (same class), an occlusion gap, missed detections,
 * false positives, objects entering and leaving the frame.  The
 * detections are fed as GstVideoRegionOfInterestMeta with DL Streamer's
 * `detection` parameters (as any producer would attach them), or as
 * mnv3detect's GstMnv3DetectionMeta with frames where the detector did not
 * run.  The test computes the CLEAR-MOT accuracy (MOTA), the ID switches
 * and IDF1 from what comes out and asserts the thresholds stated below.
 *
 * Metric rules (Bernardin & Stiefelhagen 2008; Ristani et al. 2016): a
 * ground-truth box and a tracker box correspond when their IoU is >= 0.5;
 * per frame, last frame's correspondences are kept while still valid, the
 * rest matched greedily by IoU; an ID switch is a ground-truth object
 * matched to another track id than at its previous match.  IDF1 uses the
 * one-to-one id mapping that maximises the frames both boxes correspond
 * (solved with the tracker's Hungarian routine, itself checked here
 * against brute force).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3detectionmeta.h"
#include "track.h"

#define FW 640
#define FH 480
#define N_FRAMES 150
#define MAX_GT 8
#define MAX_HYP 64

typedef struct {
  gfloat x, y, w, h;
} Box;

typedef struct {
  gint id;                      /* 1.. */
  gint class_id;
  gint first, last;             /* frames it is in the scene */
  gfloat x0, y0, vx, vy, w, h;  /* position at `first`, velocity */
  gint occl_first, occl_last;   /* frames it is not detected (-1: none) */
} Object;

/* Five objects: A and B (class 1) cross head-on with overlapping boxes;
 * C (class 2) is occluded for 8 frames; D enters from the right and
 * leaves at the bottom; E appears late and walks up-left. */
static const Object scene[] = {
  {1, 1, 0, 149, 10, 150, 4.0f, 0.0f, 50, 110, -1, -1},
  {2, 1, 0, 149, 580, 170, -4.0f, 0.0f, 50, 110, -1, -1},
  {3, 2, 0, 149, 250, 330, 0.5f, 0.4f, 120, 70, 60, 67},
  {4, 1, 40, 130, 640, 40, -3.0f, 2.5f, 40, 90, -1, -1},
  {5, 1, 95, 149, 420, 360, -2.0f, -1.5f, 45, 100, -1, -1},
};

/* deterministic noise */
static guint32 rng_state;

static gdouble
rng (void)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return (rng_state >> 8) / 16777216.0;
}

/* The ground-truth box of object o at frame f (clipped to the frame);
 * FALSE when it is not in the frame. */
static gboolean
gt_box (const Object * o, gint f, Box * b)
{
  gfloat x, y, x1, y1;

  if (f < o->first || f > o->last)
    return FALSE;
  x = o->x0 + o->vx * (f - o->first);
  y = o->y0 + o->vy * (f - o->first);
  x1 = MIN (x + o->w, FW);
  y1 = MIN (y + o->h, FH);
  x = MAX (x, 0);
  y = MAX (y, 0);
  if (x1 - x < 4 || y1 - y < 4)
    return FALSE;
  *b = (Box) { x, y, x1 - x, y1 - y };
  return TRUE;
}

static gfloat
iou (const Box * a, const Box * b)
{
  return mnv3_box_iou (a->x, a->y, a->w, a->h, b->x, b->y, b->w, b->h);
}

/* ---- detections in --------------------------------------------------------- */

typedef struct {
  Box box;
  gint class_id;
  gfloat score;
} Det;

/* The detector's output on frame f: every visible object with a 2-pixel
 * jitter, 10 % of them missed; a false positive on 15 % of the frames. */
static guint
detections (gint f, Det * out)
{
  guint n = 0, i;
  Box b;

  for (i = 0; i < G_N_ELEMENTS (scene); i++) {
    const Object *o = &scene[i];
    gdouble miss = rng ();

    if (!gt_box (o, f, &b) || (f >= o->occl_first && f <= o->occl_last))
      continue;
    b.x += (gfloat) (rng () * 4 - 2);
    b.y += (gfloat) (rng () * 4 - 2);
    if (miss < 0.10)
      continue;
    out[n++] = (Det) { b, o->class_id, 0.6f + 0.3f * (gfloat) rng () };
  }
  if (rng () < 0.15) {
    b = (Box) { (gfloat) (rng () * (FW - 60)), (gfloat) (rng () * (FH - 60)),
    40, 50};
    out[n++] = (Det) { b, 1, 0.55f };
  }
  return n;
}

static const gchar *
class_label (gint class_id)
{
  return class_id == 1 ? "person" : "car";
}

static void
attach_roi (GstBuffer * buf, const Det * d, gint id)
{
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (buf,
      class_label (d->class_id), (guint) lroundf (d->box.x),
      (guint) lroundf (d->box.y), (guint) lroundf (d->box.w),
      (guint) lroundf (d->box.h));

  roi->id = id;
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("detection",
          "x_min", G_TYPE_DOUBLE, d->box.x / FW,
          "y_min", G_TYPE_DOUBLE, d->box.y / FH,
          "x_max", G_TYPE_DOUBLE, (d->box.x + d->box.w) / FW,
          "y_max", G_TYPE_DOUBLE, (d->box.y + d->box.h) / FH,
          "confidence", G_TYPE_DOUBLE, (gdouble) d->score,
          "label_id", G_TYPE_INT, d->class_id,
          "label", G_TYPE_STRING, class_label (d->class_id), NULL));
}

/* A frame as another detector would leave it: ROI metas only. */
static GstBuffer *
frame_with_rois (gint f, const Det * dets, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, FW * FH * 4, NULL);
  guint i;

  GST_BUFFER_PTS (buf) = f * GST_SECOND / 30;
  for (i = 0; i < n; i++)
    attach_roi (buf, &dets[i], (gint) i + 1);
  return buf;
}

/* A frame as mnv3detect leaves it: its meta (fresh or carried) and ROIs. */
static GstBuffer *
frame_with_det_meta (gint f, const Det * dets, guint n, gboolean fresh)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, FW * FH * 4, NULL);
  GstMnv3Detection d[MAX_HYP];
  GstMnv3DetectionMeta *m;
  guint i;

  GST_BUFFER_PTS (buf) = f * GST_SECOND / 30;
  memset (d, 0, sizeof d);
  for (i = 0; i < n; i++) {
    d[i].x = dets[i].box.x;
    d[i].y = dets[i].box.y;
    d[i].w = dets[i].box.w;
    d[i].h = dets[i].box.h;
    d[i].class_id = dets[i].class_id;
    d[i].label = (gchar *) class_label (dets[i].class_id);
    d[i].score = dets[i].score;
    d[i].roi_id = (gint) i + 1;
  }
  m = gst_buffer_add_mnv3_detection_meta (buf, "ssdlite.onnx", n, d, fresh,
      FW, FH);
  fail_unless (m != NULL);
  for (i = 0; i < n; i++)
    attach_roi (buf, &dets[i], (gint) i + 1);
  return buf;
}

/* ---- tracks out ------------------------------------------------------------ */

typedef struct {
  gint id;
  Box box;
  gboolean predicted;
} Hyp;

/* The tracks on an output buffer, from its ROI metas; checks they agree
 * with the detection meta. */
static guint
read_tracks (GstBuffer * buf, Hyp * out)
{
  GstMnv3DetectionMeta *m = gst_buffer_get_mnv3_detection_meta (buf);
  gpointer state = NULL;
  GstMeta *meta;
  guint n = 0, i;

  fail_unless (m != NULL && m->tracked);
  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *t = gst_video_region_of_interest_meta_get_param (roi,
        "tracking");
    GstStructure *d = gst_video_region_of_interest_meta_get_param (roi,
        "detection");
    gint id;
    gboolean predicted;

    fail_unless (t && d, "an ROI without tracking/detection parameters");
    fail_unless (gst_structure_get_int (t, "id", &id));
    fail_unless (gst_structure_get_boolean (t, "predicted", &predicted));
    fail_unless_equals_int (id, roi->id);
    fail_unless (n < MAX_HYP);
    out[n++] = (Hyp) { id, {roi->x, roi->y, roi->w, roi->h}, predicted};
  }
  fail_unless_equals_int (m->n_detections, n);
  for (i = 0; i < n; i++) {
    fail_unless_equals_int (m->detections[i].track_id, out[i].id);
    fail_unless_equals_int (m->detections[i].roi_id, out[i].id);
    fail_unless_equals_int (m->detections[i].predicted, out[i].predicted);
  }
  return n;
}

/* ---- metrics --------------------------------------------------------------- */

typedef struct {
  guint gt, fn, fp, idsw, matches;
  gint last_match[MAX_GT + 1];  /* hyp id last matched to gt id, 0 none */
  gint cur[MAX_GT + 1];
  /* IDF1: frames gt g and hyp h correspond */
  guint co[MAX_GT + 1][1024];
  gint max_hyp_id;
  guint hyp_total;
} Metrics;

static void
metrics_frame (Metrics * mt, gint f, const Hyp * hyp, guint nh)
{
  gboolean hyp_used[MAX_HYP] = { FALSE };
  gboolean gt_done[MAX_GT + 1] = { FALSE };
  Box gb[MAX_GT + 1];
  gboolean present[MAX_GT + 1] = { FALSE };
  guint i, j, k;

  mt->hyp_total += nh;
  for (i = 0; i < G_N_ELEMENTS (scene); i++) {
    gint g = scene[i].id;

    present[g] = gt_box (&scene[i], f, &gb[g]);
    mt->gt += present[g];
    mt->cur[g] = 0;
    for (j = 0; present[g] && j < nh; j++) {
      fail_unless (hyp[j].id > 0 && hyp[j].id < 1024);
      mt->max_hyp_id = MAX (mt->max_hyp_id, hyp[j].id);
      if (iou (&gb[g], &hyp[j].box) >= 0.5f)
        mt->co[g][hyp[j].id]++;
    }
  }
  /* keep last frame's correspondences that still hold */
  for (i = 0; i < G_N_ELEMENTS (scene); i++) {
    gint g = scene[i].id;

    for (j = 0; present[g] && mt->last_match[g] && j < nh; j++) {
      if (!hyp_used[j] && hyp[j].id == mt->last_match[g]
          && iou (&gb[g], &hyp[j].box) >= 0.5f) {
        hyp_used[j] = gt_done[g] = TRUE;
        mt->cur[g] = hyp[j].id;
      }
    }
  }
  /* the rest greedily, best IoU first */
  for (k = 0; k < G_N_ELEMENTS (scene); k++) {
    gfloat best = 0.5f;
    gint bg = -1, bh = -1;

    for (i = 0; i < G_N_ELEMENTS (scene); i++) {
      gint g = scene[i].id;
      for (j = 0; present[g] && !gt_done[g] && j < nh; j++) {
        gfloat v = hyp_used[j] ? 0.0f : iou (&gb[g], &hyp[j].box);
        if (v >= best) {
          best = v;
          bg = g;
          bh = (gint) j;
        }
      }
    }
    if (bg < 0)
      break;
    gt_done[bg] = hyp_used[bh] = TRUE;
    mt->cur[bg] = hyp[bh].id;
    if (mt->last_match[bg] && mt->last_match[bg] != hyp[bh].id)
      mt->idsw++;
  }
  for (i = 0; i < G_N_ELEMENTS (scene); i++) {
    gint g = scene[i].id;
    if (!present[g])
      continue;
    if (gt_done[g]) {
      mt->matches++;
      mt->last_match[g] = mt->cur[g];
    } else {
      mt->fn++;
    }
  }
  for (j = 0; j < nh; j++)
    mt->fp += !hyp_used[j];
}

static gdouble
metrics_mota (const Metrics * mt)
{
  return 1.0 - (gdouble) (mt->fn + mt->fp + mt->idsw) / mt->gt;
}

static gdouble
metrics_idf1 (const Metrics * mt)
{
  gint ng = G_N_ELEMENTS (scene), nh = mt->max_hyp_id, g, h;
  gdouble *cost = g_new0 (gdouble, (gsize) ng * MAX (nh, 1));
  gint *assign = g_new (gint, ng);
  guint idtp = 0;

  for (g = 0; g < ng; g++)
    for (h = 0; h < nh; h++)
      cost[g * nh + h] = -(gdouble) mt->co[g + 1][h + 1];
  fail_unless_equals_int (mnv3_assign_min_cost (cost, ng, nh, assign), 0);
  for (g = 0; g < ng; g++)
    if (assign[g] >= 0)
      idtp += mt->co[g + 1][assign[g] + 1];
  g_free (cost);
  g_free (assign);
  return 2.0 * idtp / (mt->gt + mt->hyp_total);
}

static GstHarness *
track_harness (const gchar * props)
{
  gchar *desc = g_strdup_printf ("mnv3track %s", props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=BGRx,width=640,"
      "height=480,framerate=30/1");
  return h;
}

/* ---- tests ----------------------------------------------------------------- */

/* Least cost over every assignment of min(rows, cols) pairs. */
static gdouble
brute_force (const gdouble * cost, gint rows, gint cols, gint row,
    guint used, gint pairs)
{
  gdouble best = G_MAXDOUBLE;
  gint c;

  if (row == rows)
    return pairs == MIN (rows, cols) ? 0.0 : G_MAXDOUBLE;
  /* row left unassigned */
  best = brute_force (cost, rows, cols, row + 1, used, pairs);
  for (c = 0; c < cols; c++) {
    gdouble rest;

    if (used & (1u << c))
      continue;
    rest = brute_force (cost, rows, cols, row + 1, used | (1u << c),
        pairs + 1);
    if (rest < G_MAXDOUBLE && cost[row * cols + c] + rest < best)
      best = cost[row * cols + c] + rest;
  }
  return best;
}

/* The assignment routine used for matching (and IDF1) is optimal. */
GST_START_TEST (test_assignment_optimal)
{
  gint trial;

  rng_state = 7;
  for (trial = 0; trial < 300; trial++) {
    gint rows = 1 + (gint) (rng () * 5), cols = 1 + (gint) (rng () * 5);
    gdouble cost[25], got = 0, best;
    gint assign[5], i, pairs = 0;
    guint used = 0;

    for (i = 0; i < rows * cols; i++)
      cost[i] = floor (rng () * 10) - 3;
    fail_unless_equals_int (mnv3_assign_min_cost (cost, rows, cols, assign),
        0);
    for (i = 0; i < rows; i++) {
      if (assign[i] < 0)
        continue;
      fail_unless (assign[i] < cols && !(used & (1u << assign[i])));
      used |= 1u << assign[i];
      got += cost[i * cols + assign[i]];
      pairs++;
    }
    fail_unless_equals_int (pairs, MIN (rows, cols));
    best = brute_force (cost, rows, cols, 0, 0, 0);
    fail_unless (fabs (got - best) < 1e-9, "trial %d (%dx%d): %g, optimum "
        "%g", trial, rows, cols, got, best);
  }
}

GST_END_TEST;

/* Boxes from another producer (ROI metas only), a detection every frame.
 * Thresholds: MOTA >= 0.80, IDF1 >= 0.85, at most 2 ID switches (what
 * this scene gives: 10 % misses, one false positive every ~7 frames, a
 * head-on crossing of two same-class objects, an 8-frame occlusion). */
GST_START_TEST (test_track_rois_metrics)
{
  static const guint32 seeds[] = { 12345, 1, 2, 3, 4 };
  guint s;

  /* five draws of the noise (misses, jitter, false positives) */
  for (s = 0; s < G_N_ELEMENTS (seeds); s++) {
    GstHarness *h = track_harness (NULL);
    Metrics *mt = g_new0 (Metrics, 1);
    gint f;

    rng_state = seeds[s];
    for (f = 0; f < N_FRAMES; f++) {
      Det dets[MAX_HYP];
      Hyp hyp[MAX_HYP];
      guint n = detections (f, dets), nh;
      GstBuffer *out;

      out = gst_harness_push_and_pull (h, frame_with_rois (f, dets, n));
      nh = read_tracks (out, hyp);
      metrics_frame (mt, f, hyp, nh);
      gst_buffer_unref (out);
    }
    g_print ("mnv3track, ROI metas, seed %u: MOTA %.3f IDF1 %.3f ID "
        "switches %u (FN %u FP %u, %u ground-truth boxes)\n", seeds[s],
        metrics_mota (mt), metrics_idf1 (mt), mt->idsw, mt->fn, mt->fp,
        mt->gt);
    fail_unless (metrics_mota (mt) >= 0.80, "MOTA %.3f", metrics_mota (mt));
    fail_unless (metrics_idf1 (mt) >= 0.85, "IDF1 %.3f", metrics_idf1 (mt));
    fail_unless (mt->idsw <= 2, "%u ID switches", mt->idsw);
    g_free (mt);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* The metrics tell trackers apart: without tracking (a new id for every
 * box on every frame, what per-frame ROI numbers are) IDF1 collapses. */
GST_START_TEST (test_metrics_without_tracking)
{
  Metrics *mt = g_new0 (Metrics, 1);
  gint f, next = 1;

  rng_state = 12345;
  for (f = 0; f < N_FRAMES; f++) {
    Det dets[MAX_HYP];
    Hyp hyp[MAX_HYP];
    guint n = detections (f, dets), i;

    for (i = 0; i < n; i++)
      hyp[i] = (Hyp) { 1 + (next++ % 1000), dets[i].box, FALSE};
    metrics_frame (mt, f, hyp, n);
  }
  fail_unless (metrics_idf1 (mt) < 0.1, "IDF1 %.3f", metrics_idf1 (mt));
  fail_unless (mt->idsw > 100);
  g_free (mt);
}

GST_END_TEST;

/* mnv3detect's meta with the detector running every 3rd frame (as with
 * inference-interval=3): the frames between get predicted boxes (flagged)
 * that follow the objects better than the stale boxes would.  Thresholds:
 * MOTA >= 0.70, IDF1 >= 0.80, at most 3 ID switches; predicted boxes'
 * mean IoU with the truth above the stale boxes'. */
GST_START_TEST (test_track_predicts_between_detections)
{
  GstHarness *h = track_harness ("min-hits=2");
  Metrics *mt = g_new0 (Metrics, 1);
  Det last[MAX_HYP];
  guint n_last = 0, n_pred = 0;
  gdouble iou_pred = 0, iou_stale = 0;
  gint f;

  rng_state = 999;
  for (f = 0; f < N_FRAMES; f++) {
    Det dets[MAX_HYP];
    Hyp hyp[MAX_HYP];
    gboolean fresh = f % 3 == 0;
    guint n = detections (f, dets), nh, i, j;
    GstBuffer *out;

    if (fresh) {
      memcpy (last, dets, sizeof (Det) * n);
      n_last = n;
    }
    out = gst_harness_push_and_pull (h, frame_with_det_meta (f, last, n_last,
            fresh));
    nh = read_tracks (out, hyp);
    for (i = 0; i < nh; i++) {
      if (!fresh) {
        fail_unless (hyp[i].predicted, "frame %d: a box not predicted on a "
            "frame without detections", f);
      }
    }
    /* on carried frames: compare each predicted box and the stale box
     * nearest to it with the truth */
    for (i = 0; !fresh && i < G_N_ELEMENTS (scene); i++) {
      Box gb;
      gfloat bp = 0, bs = 0;

      if (!gt_box (&scene[i], f, &gb))
        continue;
      for (j = 0; j < nh; j++)
        bp = MAX (bp, iou (&gb, &hyp[j].box));
      for (j = 0; j < n_last; j++)
        bs = MAX (bs, iou (&gb, &last[j].box));
      if (bp > 0 && bs > 0) {
        iou_pred += bp;
        iou_stale += bs;
        n_pred++;
      }
    }
    metrics_frame (mt, f, hyp, nh);
    gst_buffer_unref (out);
  }
  g_print ("mnv3track, detections every 3rd frame: MOTA %.3f IDF1 %.3f "
      "ID switches %u; mean IoU predicted %.3f vs stale %.3f\n",
      metrics_mota (mt), metrics_idf1 (mt), mt->idsw, iou_pred / n_pred,
      iou_stale / n_pred);
  fail_unless (n_pred > 100);
  fail_unless (iou_pred > iou_stale);
  fail_unless (metrics_mota (mt) >= 0.70, "MOTA %.3f", metrics_mota (mt));
  fail_unless (metrics_idf1 (mt) >= 0.80, "IDF1 %.3f", metrics_idf1 (mt));
  fail_unless (mt->idsw <= 3, "%u ID switches", mt->idsw);
  g_free (mt);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Asynchronous detection: each result is computed on the frame 2 frames
 * back and arrives every other frame (mnv3detect mode=async with a run of
 * about two frame times).  Told the age (the meta's `age`), the tracker
 * matches against where the tracks were and moves the boxes to the
 * present.  Returns the mean IoU, from frame 20 on, of each ground-truth
 * box with the best output box, and of the raw (lagging) detections. */
static void
run_lagged (gboolean tell_age, gdouble * iou_out, gdouble * iou_raw,
    Metrics * mt)
{
  GstHarness *h = track_harness ("min-hits=2");
  Det last[MAX_HYP];
  guint n_last = 0, count = 0;
  gint f;

  *iou_out = *iou_raw = 0.0;
  rng_state = 4242;
  for (f = 0; f < N_FRAMES; f++) {
    Hyp hyp[MAX_HYP];
    gboolean fresh = f >= 2 && f % 2 == 0;
    guint nh, i, j;
    GstBuffer *in, *out;

    if (fresh) {
      n_last = detections (f - 2, last);
    }
    in = frame_with_det_meta (f, last, n_last, fresh);
    if (tell_age && f >= 2) {
      GstMnv3DetectionMeta *m = gst_buffer_get_mnv3_detection_meta (in);
      m->source_pts = (f - 2 - (fresh ? 0 : 1)) * GST_SECOND / 30;
      m->age = GST_BUFFER_PTS (in) - m->source_pts;
    }
    out = gst_harness_push_and_pull (h, in);
    nh = read_tracks (out, hyp);
    if (mt)
      metrics_frame (mt, f, hyp, nh);
    for (i = 0; f >= 20 && i < G_N_ELEMENTS (scene); i++) {
      Box gb;
      gfloat bo = 0, br = 0;

      if (!gt_box (&scene[i], f, &gb))
        continue;
      for (j = 0; j < nh; j++)
        bo = MAX (bo, iou (&gb, &hyp[j].box));
      for (j = 0; j < n_last; j++)
        br = MAX (br, iou (&gb, &last[j].box));
      *iou_out += bo;
      *iou_raw += br;
      count++;
    }
    gst_buffer_unref (out);
  }
  *iou_out /= count;
  *iou_raw /= count;
  gst_harness_teardown (h);
}

/* Thresholds: with the age, mean IoU with the truth above both the raw
 * lagging detections' and the tracker's without the age; MOTA >= 0.70,
 * IDF1 >= 0.80, at most 3 ID switches. */
GST_START_TEST (test_track_async_lag)
{
  Metrics *mt = g_new0 (Metrics, 1);
  gdouble with_age, raw, without_age, raw2;

  run_lagged (TRUE, &with_age, &raw, mt);
  run_lagged (FALSE, &without_age, &raw2, NULL);
  g_print ("mnv3track, detections 2 frames old every other frame: mean IoU "
      "with the truth %.3f (age used), %.3f (age ignored), %.3f (raw "
      "detections); MOTA %.3f IDF1 %.3f ID switches %u\n", with_age,
      without_age, raw, metrics_mota (mt), metrics_idf1 (mt), mt->idsw);
  fail_unless (with_age > raw, "%.3f vs raw %.3f", with_age, raw);
  fail_unless (with_age > without_age, "%.3f vs %.3f", with_age,
      without_age);
  fail_unless (metrics_mota (mt) >= 0.70, "MOTA %.3f", metrics_mota (mt));
  fail_unless (metrics_idf1 (mt) >= 0.80, "IDF1 %.3f", metrics_idf1 (mt));
  fail_unless (mt->idsw <= 3, "%u ID switches", mt->idsw);
  g_free (mt);
}

GST_END_TEST;

/* A crowd (600 boxes, past the size where matching turns greedy) moving
 * one pixel a frame: every object keeps its id; and the tracker never holds
 * more than its bound of tracks whatever arrives. */
GST_START_TEST (test_track_crowd)
{
  mnv3_tracker_params p = mnv3_tracker_params_default ();
  mnv3_tracker *t;
  mnv3_track_box *boxes = g_new (mnv3_track_box, 3000);
  mnv3_track_result *out = g_new (mnv3_track_result, 4000);
  gint ids[600], f, i, n;

  p.min_hits = 1;
  t = mnv3_tracker_new (&p);
  for (f = 0; f < 5; f++) {
    for (i = 0; i < 600; i++)
      boxes[i] = (mnv3_track_box) { (i % 30) * 20.0f + f, (i / 30) * 20.0f,
        12, 12, 1, 0.9f};
    n = mnv3_tracker_update (t, boxes, 600, 800, 600, out, 4000);
    fail_unless_equals_int (n, 600);
    for (i = 0; i < n; i++) {
      fail_unless (out[i].detection >= 0 && !out[i].predicted);
      if (f == 0)
        ids[out[i].detection] = out[i].id;
      else
        fail_unless_equals_int (out[i].id, ids[out[i].detection]);
    }
  }
  mnv3_tracker_free (t);

  /* 3000 new random boxes a frame: tracks stay bounded */
  t = mnv3_tracker_new (&p);
  rng_state = 5;
  for (f = 0; f < 3; f++) {
    for (i = 0; i < 3000; i++)
      boxes[i] = (mnv3_track_box) { (gfloat) (rng () * 4000),
        (gfloat) (rng () * 4000), 5, 5, 1, 0.5f};
    n = mnv3_tracker_update (t, boxes, 3000, 4005, 4005, out, 4000);
    fail_unless (n >= 0 && n <= 2048, "%d tracks", n);
  }
  mnv3_tracker_free (t);
  g_free (boxes);
  g_free (out);
}

GST_END_TEST;

/* Class-aware by default: a car box never continues a person track. */
GST_START_TEST (test_track_class_aware)
{
  GstHarness *h = track_harness ("min-hits=1");
  Hyp hyp[MAX_HYP];
  Det d = { {100, 100, 50, 100}, 1, 0.9f };
  GstBuffer *out;
  gint id0;

  out = gst_harness_push_and_pull (h, frame_with_rois (0, &d, 1));
  fail_unless_equals_int (read_tracks (out, hyp), 1);
  id0 = hyp[0].id;
  gst_buffer_unref (out);
  d.class_id = 2;
  out = gst_harness_push_and_pull (h, frame_with_rois (1, &d, 1));
  /* the car starts a new track; the person's is predicted */
  fail_unless_equals_int (read_tracks (out, hyp), 2);
  fail_unless (hyp[0].id != hyp[1].id);
  fail_unless ((hyp[0].id == id0 && hyp[0].predicted)
      || (hyp[1].id == id0 && hyp[1].predicted));
  gst_buffer_unref (out);

  /* class-aware=false: the same box keeps its id across labels */
  gst_harness_teardown (h);
  h = track_harness ("min-hits=1 class-aware=false");
  d.class_id = 1;
  out = gst_harness_push_and_pull (h, frame_with_rois (0, &d, 1));
  fail_unless_equals_int (read_tracks (out, hyp), 1);
  id0 = hyp[0].id;
  gst_buffer_unref (out);
  d.class_id = 2;
  out = gst_harness_push_and_pull (h, frame_with_rois (1, &d, 1));
  fail_unless_equals_int (read_tracks (out, hyp), 1);
  fail_unless_equals_int (hyp[0].id, id0);
  fail_unless (!hyp[0].predicted);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Bad boxes (zero size, NaN from a buggy producer) are ignored, a frame
 * without any meta is fine, and caps without a size are refused. */
GST_START_TEST (test_track_bad_input)
{
  GstHarness *h = track_harness ("min-hits=1");
  Det d = { {100, 100, 0, 100}, 1, 0.9f };
  Hyp hyp[MAX_HYP];
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, frame_with_rois (0, &d, 1));
  fail_unless_equals_int (read_tracks (out, hyp), 0);
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, gst_buffer_new_allocate (NULL, 16,
          NULL));
  fail_unless_equals_int (read_tracks (out, hyp), 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

#ifdef HAVE_GST_ANALYTICS
/* GStreamer >= 1.24: every track is a GstAnalyticsTrackingMtd (id = the
 * track id, first seen = its first frame) related to the GstAnalyticsODMtd
 * of its box, read back through the GstAnalytics API. */
GST_START_TEST (test_track_analytics)
{
  GstHarness *h = track_harness ("min-hits=1");
  Det d[2] = { {{100, 100, 50, 100}, 1, 0.9f}, {{300, 200, 80, 40}, 2, 0.8f} };
  gint f;

  for (f = 0; f < 3; f++) {
    GstBuffer *out;
    GstAnalyticsRelationMeta *rmeta;
    GstAnalyticsODMtd od;
    Hyp hyp[MAX_HYP];
    gpointer state = NULL;
    guint n_od = 0, nh, i;

    d[0].box.x += 5;
    d[1].box.x -= 5;
    out = gst_harness_push_and_pull (h, frame_with_rois (f, d, 2));
    nh = read_tracks (out, hyp);
    fail_unless_equals_int (nh, 2);
    rmeta = gst_buffer_get_analytics_relation_meta (out);
    fail_unless (rmeta != NULL);
    while (gst_analytics_relation_meta_iterate (rmeta, &state,
            gst_analytics_od_mtd_get_mtd_type (), &od)) {
      GstAnalyticsTrackingMtd trk;
      guint64 tid;
      GstClockTime first, last;
      gboolean lost, known = FALSE;
      gint x, y, w, h2;
      gfloat conf;

      fail_unless (gst_analytics_relation_meta_get_direct_related (rmeta,
              od.id, GST_ANALYTICS_REL_TYPE_RELATE_TO,
              gst_analytics_tracking_mtd_get_mtd_type (), NULL, &trk),
          "an OD mtd without its tracking mtd");
      fail_unless (gst_analytics_tracking_mtd_get_info (&trk, &tid, &first,
              &last, &lost));
      fail_unless_equals_uint64 (first, 0);
      fail_unless_equals_uint64 (last, f * GST_SECOND / 30);
      fail_unless (gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &h2,
              &conf));
      for (i = 0; i < nh; i++)
        known |= hyp[i].id == (gint) tid && hyp[i].box.x == x;
      fail_unless (known, "tracking id %" G_GUINT64_FORMAT " at x=%d is no "
          "track's", tid, x);
      n_od++;
    }
    fail_unless_equals_int (n_od, 2);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;
#endif

static Suite *
track_suite (void)
{
  Suite *s = suite_create ("mnv3track");
  TCase *tc = tcase_create ("track");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_assignment_optimal);
  tcase_add_test (tc, test_metrics_without_tracking);
  tcase_add_test (tc, test_track_rois_metrics);
  tcase_add_test (tc, test_track_predicts_between_detections);
  tcase_add_test (tc, test_track_class_aware);
  tcase_add_test (tc, test_track_crowd);
  tcase_add_test (tc, test_track_async_lag);
  tcase_add_test (tc, test_track_bad_input);
#ifdef HAVE_GST_ANALYTICS
  tcase_add_test (tc, test_track_analytics);
#endif
  return s;
}

GST_CHECK_MAIN (track);
