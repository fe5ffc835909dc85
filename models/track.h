/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Multi-object tracking by detection, SORT-style (Bewley et al. 2016):
 *
 *  - every track has a constant-velocity Kalman filter on its box centre,
 *    width and height (four independent position/velocity filters: with
 *    the diagonal noises used here that is exactly the 8-state filter);
 *  - on a frame with fresh detections the tracks are predicted one frame
 *    ahead and matched to the detections by an optimal assignment
 *    (Hungarian method) on 1 - IoU, class-aware by default; a pair below
 *    `iou_threshold` is never matched.  Crowds of more than 256 x 256
 *    track x detection pairs are matched greedily (best IoU first), which
 *    bounds the cost of a frame;
 *  - a matched track is corrected with its detection; a detection left
 *    over starts a tentative track; a track is confirmed (reported) after
 *    `min_hits` matches; a tentative track that misses a frame is dropped,
 *    a confirmed one after more than `max_age` frames without a match, or
 *    when its prediction leaves the frame;
 *  - confirmed tracks without a match on this frame are reported with
 *    their predicted box, flagged `predicted`; mnv3_tracker_predict()
 *    advances every track one frame when there are no fresh detections
 *    (inference skipped on that frame) and reports the predictions.
 *
 * Ids start at 1 and are never reused by one tracker.  At most 2048 tracks
 * exist at once (detections beyond start none).  Plain C, no GLib.
 */
#ifndef MNV3_TRACK_H
#define MNV3_TRACK_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mnv3_tracker mnv3_tracker;

typedef struct {
  float iou_threshold;          /* 0..1 */
  int max_age;                  /* frames a lost confirmed track is kept */
  int min_hits;                 /* matches before a track is reported */
  int class_aware;              /* only match boxes of the same class */
} mnv3_tracker_params;

/* One detection, in frame pixels. */
typedef struct {
  float x, y, w, h;
  int class_id;
  float score;
} mnv3_track_box;

/* One reported track. */
typedef struct {
  int id;
  float x, y, w, h;             /* frame pixels, clipped to the frame */
  int class_id;
  float score;                  /* of its last detection */
  int predicted;                /* no detection matched it on this frame */
  int detection;                /* index of the matched detection, or -1 */
  int hits;                     /* detections matched so far */
  int misses;                   /* frames since the last match */
} mnv3_track_result;

mnv3_tracker_params mnv3_tracker_params_default (void);

/* NULL on allocation failure. */
mnv3_tracker *mnv3_tracker_new (const mnv3_tracker_params * params);
void mnv3_tracker_free (mnv3_tracker * t);
void mnv3_tracker_set_params (mnv3_tracker * t,
    const mnv3_tracker_params * params);
/* Forget every track (ids keep counting up). */
void mnv3_tracker_reset (mnv3_tracker * t);

/* A frame with fresh detections (n may be 0: nothing was detected).
 * Detections with a non-positive or non-finite size are ignored.  Writes
 * at most max_out reported tracks to out and returns how many there are
 * (may exceed max_out), or -1 on allocation failure. */
int mnv3_tracker_update (mnv3_tracker * t, const mnv3_track_box * dets,
    int n, float frame_w, float frame_h, mnv3_track_result * out,
    int max_out);
/* The same with detections computed on a frame @lag frames before this
 * one (asynchronous inference): matched against where the tracks were
 * then, and moved to the present by the tracks' velocities before
 * correcting them. */
int mnv3_tracker_update_lagged (mnv3_tracker * t, const mnv3_track_box * dets,
    int n, float lag, float frame_w, float frame_h, mnv3_track_result * out,
    int max_out);
/* A frame without fresh detections: every track moves one frame ahead;
 * the confirmed ones are reported as predicted.  Same return value. */
int mnv3_tracker_predict (mnv3_tracker * t, float frame_w, float frame_h,
    mnv3_track_result * out, int max_out);

/* The confirmed tracks as the last update/predict reported them (to call
 * again with a larger out).  Same return value. */
int mnv3_tracker_report (const mnv3_tracker * t, float frame_w,
    float frame_h, mnv3_track_result * out, int max_out);

/* Optimal assignment of a rows x cols cost matrix (row-major): assign[r]
 * gets the column of row r or -1 (when rows > cols).  0, or -1 on
 * allocation failure.  Exposed for tests. */
int mnv3_assign_min_cost (const double *cost, int rows, int cols,
    int *assign);

/* Intersection over union of two boxes (x, y, w, h). */
float mnv3_box_iou (float ax, float ay, float aw, float ah, float bx,
    float by, float bw, float bh);

#ifdef __cplusplus
}
#endif

#endif /* MNV3_TRACK_H */
