/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3classify inference-region=roi-list: the model on each region of
 * interest of the frame (see mnv3classify-private.h).
 *
 * Sync mode: on an inferred frame every selected region is cut and run
 * on the streaming thread (gst_mnv3_inference_run_region); frames between
 * carry the results of the regions with the same id and type.
 * Async mode: region jobs on the base class's inference thread
 * (gstmnv3inference-regions.c); results matched by tracker id.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "mnv3classify-private.h"
#include "gstmnv3meta.h"

#define GST_CAT_DEFAULT gst_mnv3_classify_debug

void
gst_mnv3_classify_forget_rois (GstMnv3Classify * self)
{
  guint i, k;

  for (i = 0; i < self->roi_last->len; i++) {
    GstMnv3RoiResult *r = &g_array_index (self->roi_last, GstMnv3RoiResult,
        i);
    for (k = 0; k < r->n; k++)
      g_free (r->labels[k]);
  }
  g_array_set_size (self->roi_last, 0);
}

/* One region's result as a classification meta (region_id = the ROI's id)
 * and a "classification" parameter on the ROI meta. */
static void
gst_mnv3_classify_attach_roi (GstMnv3Classify * self, GstBuffer * buffer,
    GstVideoRegionOfInterestMeta * roi, const GstMnv3RoiResult * r,
    const GstMnv3InferenceFrame * fr)
{
  GstVideoRectangle rect = { (gint) roi->x, (gint) roi->y, (gint) roi->w,
    (gint) roi->h
  };
  GstMnv3ClassificationMeta *meta;

  (void) self;
  meta = gst_buffer_add_mnv3_classification_meta (buffer, fr->model_name,
      r->n, r->ids, (const gchar * const *) r->labels, r->scores, fr->fresh,
      &rect);
  if (meta) {
    meta->region_id = roi->id;
    meta->latency_ms = r->latency_ms;
    meta->fps = fr->fps;
    /* the frame this region's result was computed on, which may be older
     * than the frame's (reclassify-interval, async mode) */
    meta->source_pts = r->source_pts;
    meta->age = GST_CLOCK_TIME_NONE;
    if (GST_CLOCK_TIME_IS_VALID (r->source_pts)
        && GST_BUFFER_PTS_IS_VALID (buffer)
        && GST_BUFFER_PTS (buffer) >= r->source_pts)
      meta->age = GST_BUFFER_PTS (buffer) - r->source_pts;
    meta->frame_width = fr->width;
    meta->frame_height = fr->height;
  }
  if (r->n > 0)
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("classification",
            "label", G_TYPE_STRING, r->labels[0],
            "label_id", G_TYPE_INT, r->ids[0],
            "confidence", G_TYPE_DOUBLE, (gdouble) r->scores[0],
            "model", G_TYPE_STRING, fr->model_name, NULL));
}

/* The region-of-interest metas of buffer, in order. */
static GPtrArray *
gst_mnv3_classify_rois (GstBuffer * buffer)
{
  GPtrArray *rois = g_ptr_array_new ();
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    g_ptr_array_add (rois, meta);
  return rois;
}

/* The object id a tracker gave a region: DL Streamer's `object_id`
 * parameter (mnv3track sets it too), else 0. */
static gint
gst_mnv3_classify_track_id (GstVideoRegionOfInterestMeta * roi)
{
  GstStructure *s = gst_video_region_of_interest_meta_get_param (roi,
      "object_id");
  gint id = 0;

  if (s && gst_structure_get_int (s, "id", &id) && id > 0)
    return id;
  return 0;
}

/* object-class and min-roi-size */
static gboolean
gst_mnv3_classify_selected (const GstVideoRegionOfInterestMeta * roi,
    gchar ** allowed, guint min_size)
{
  if (allowed && allowed[0] && !g_strv_contains ((const gchar * const *)
          allowed, g_quark_to_string (roi->roi_type)))
    return FALSE;
  return roi->w >= min_size && roi->h >= min_size && roi->w > 0 && roi->h > 0;
}

static void
gst_mnv3_classify_free_rois (GArray * rois)
{
  guint i, k;

  for (i = 0; i < rois->len; i++) {
    GstMnv3RoiResult *r = &g_array_index (rois, GstMnv3RoiResult, i);
    for (k = 0; k < r->n; k++)
      g_free (r->labels[k]);
  }
  g_array_unref (rois);
}

/* reclassify-interval: a tracked region classified fewer than @interval
 * rounds ago keeps that result (attached as not fresh) without a run. */
static gboolean
gst_mnv3_classify_reuse (GstMnv3Classify * self, GArray * prev,
    GstVideoRegionOfInterestMeta * roi, guint interval, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  gint track = gst_mnv3_classify_track_id (roi);
  GstMnv3InferenceFrame carried = *fr;
  guint i, k;

  if (interval <= 1 || track == 0)
    return FALSE;
  for (i = 0; i < prev->len; i++) {
    GstMnv3RoiResult *p = &g_array_index (prev, GstMnv3RoiResult, i);
    GstMnv3RoiResult r;

    if (p->track_id != track || self->roi_round - p->classified_at >=
        interval)
      continue;
    r = *p;
    r.roi_id = roi->id;
    r.roi_type = roi->roi_type;
    for (k = 0; k < r.n; k++)
      r.labels[k] = g_strdup (p->labels[k]);
    g_array_append_val (self->roi_last, r);
    carried.fresh = FALSE;
    gst_mnv3_classify_attach_roi (self, buffer, roi, &r, &carried);
    return TRUE;
  }
  return FALSE;
}

/* inference-region=roi-list: the model on every selected region. */
GstFlowReturn
gst_mnv3_classify_process_rois (GstMnv3Classify * self, GstBuffer * buffer,
    mnv3_session * session, const GstMnv3InferenceFrame * fr)
{
  GPtrArray *rois = gst_mnv3_classify_rois (buffer);
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean post = gst_mnv3_inference_get_post_messages (GST_MNV3_INFERENCE
      (self));
  gchar **allowed;
  guint top_k, min_size, interval, i;
  gfloat threshold;
  GArray *prev = self->roi_last;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  min_size = self->min_roi_size;
  interval = self->reclassify_interval;
  allowed = g_strdupv (self->allowed);
  GST_OBJECT_UNLOCK (self);

  /* the previous round's results stay in @prev for reuse by track id;
   * those not reused go with it (their tracks are gone) */
  self->roi_last = g_array_new (FALSE, TRUE, sizeof (GstMnv3RoiResult));
  self->roi_round++;
  for (i = 0; i < rois->len; i++) {
    GstVideoRegionOfInterestMeta *roi = g_ptr_array_index (rois, i);
    GstVideoRectangle rect = { (gint) roi->x, (gint) roi->y, (gint) roi->w,
      (gint) roi->h
    };
    GstMnv3RoiResult r = { 0 };
    gint n;

    if (!gst_mnv3_classify_selected (roi, allowed, min_size))
      continue;
    if (gst_mnv3_classify_reuse (self, prev, roi, interval, buffer, fr))
      continue;
    ret = gst_mnv3_inference_run_region (GST_MNV3_INFERENCE (self), buffer,
        &rect, &r.latency_ms);
    if (ret != GST_FLOW_OK)
      break;
    n = gst_mnv3_classify_top (self, mnv3_session_output (session, 0, NULL),
        top_k, threshold, r.ids, r.scores, r.labels);
    if (n < 0) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The model gave no output"),
          (NULL));
      ret = GST_FLOW_ERROR;
      break;
    }
    r.n = (guint) n;
    r.roi_id = roi->id;
    r.roi_type = roi->roi_type;
    r.track_id = gst_mnv3_classify_track_id (roi);
    r.classified_at = self->roi_round;
    r.source_pts = fr->source_pts;
    g_array_append_val (self->roi_last, r);
    gst_mnv3_classify_attach_roi (self, buffer, roi, &r, fr);
    if (post)
      gst_mnv3_classify_post_result (self, fr, fr->model_name, r.n, r.ids,
          r.labels, r.scores, r.latency_ms, roi);
  }
  GST_LOG_OBJECT (self, "%u of %u regions have a result", self->roi_last->len,
      rois->len);
  gst_mnv3_classify_free_rois (prev);
  g_strfreev (allowed);
  g_ptr_array_unref (rois);
  return ret;
}

/* Frames without inference: the last result of each ROI that is still
 * there (same id and type). */
void
gst_mnv3_classify_carry_rois (GstMnv3Classify * self, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GPtrArray *rois = gst_mnv3_classify_rois (buffer);
  guint i, j;

  for (i = 0; i < rois->len; i++) {
    GstVideoRegionOfInterestMeta *roi = g_ptr_array_index (rois, i);

    for (j = 0; j < self->roi_last->len; j++) {
      const GstMnv3RoiResult *r = &g_array_index (self->roi_last,
          GstMnv3RoiResult, j);
      if (r->roi_id == roi->id && r->roi_type == roi->roi_type) {
        gst_mnv3_classify_attach_roi (self, buffer, roi, r, fr);
        break;
      }
    }
  }
  g_ptr_array_unref (rois);
}

/* ---- inference-region=roi-list in async mode ---------------------------
 *
 * The regions run on the base class's inference thread and their results
 * come back on a later frame, where the boxes have moved, appeared, gone
 * or been renumbered.  A result therefore only lands on a region that
 * carries the same tracker id (mnv3track's, or DL Streamer's object_id)
 * as the region it was computed on: roi_last is then a cache with one
 * entry per track id, dropped as soon as a frame no longer has the track.
 * Regions without a track id are not classified in this mode (nothing
 * names the same object on a later frame).
 */

static GstMnv3RoiResult *
gst_mnv3_classify_find_track (GstMnv3Classify * self, gint track, guint * idx)
{
  guint i;

  for (i = 0; i < self->roi_last->len; i++) {
    GstMnv3RoiResult *r = &g_array_index (self->roi_last, GstMnv3RoiResult,
        i);
    if (r->track_id == track) {
      if (idx)
        *idx = i;
      return r;
    }
  }
  return NULL;
}

static void
gst_mnv3_classify_clear_result (GstMnv3RoiResult * r)
{
  guint k;

  for (k = 0; k < r->n; k++)
    g_clear_pointer (&r->labels[k], g_free);
  r->n = 0;
}

/* The results that came back go into the per-track cache. */
static GstFlowReturn
gst_mnv3_classify_store_results (GstMnv3Classify * self,
    const GstMnv3RegionResult * results, guint n_results,
    const GstMnv3InferenceFrame * fr)
{
  guint top_k, i;
  gfloat threshold;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  GST_OBJECT_UNLOCK (self);

  for (i = 0; i < n_results; i++) {
    const GstMnv3RegionResult *res = &results[i];
    GstMnv3RoiResult r = { 0 }, *old;
    gint n;

    if (res->region.track_id == 0 || res->output_len <
        (gsize) self->num_classes)
      continue;
    n = gst_mnv3_classify_top (self, res->output, top_k, threshold, r.ids,
        r.scores, r.labels);
    if (n < 0) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The model gave no output"),
          (NULL));
      return GST_FLOW_ERROR;
    }
    r.n = (guint) n;
    r.roi_id = res->region.roi_id;
    r.roi_type = res->region.roi_type;
    r.track_id = res->region.track_id;
    r.latency_ms = res->latency_ms;
    r.classified_at = self->job_round;
    r.source_pts = fr->source_pts;
    r.just_done = TRUE;
    old = gst_mnv3_classify_find_track (self, r.track_id, NULL);
    if (old) {
      gst_mnv3_classify_clear_result (old);
      *old = r;
    } else {
      g_array_append_val (self->roi_last, r);
    }
  }
  return GST_FLOW_OK;
}

/* Every frame: newest results in, tracks that are gone out, what is known
 * attached to the frame's tracked regions. */
GstFlowReturn
gst_mnv3_classify_attach_regions (GstMnv3Inference * base, GstBuffer * buffer,
    const GstMnv3RegionResult * results, guint n_results,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);
  GPtrArray *rois = gst_mnv3_classify_rois (buffer);
  gboolean post = gst_mnv3_inference_get_post_messages (base);
  GstFlowReturn ret;
  gchar **allowed;
  guint min_size, i, j;

  ret = gst_mnv3_classify_store_results (self, results, n_results, fr);
  if (ret != GST_FLOW_OK) {
    g_ptr_array_unref (rois);
    return ret;
  }

  GST_OBJECT_LOCK (self);
  min_size = self->min_roi_size;
  allowed = g_strdupv (self->allowed);
  GST_OBJECT_UNLOCK (self);

  /* a track no region of this frame has is gone (mnv3track reports its
   * tracks until max-age): its result goes with it */
  for (j = self->roi_last->len; j-- > 0;) {
    GstMnv3RoiResult *r = &g_array_index (self->roi_last, GstMnv3RoiResult,
        j);
    gboolean present = FALSE;

    for (i = 0; i < rois->len && !present; i++)
      present = r->track_id != 0 && gst_mnv3_classify_track_id
          (g_ptr_array_index (rois, i)) == r->track_id;
    if (!present) {
      gst_mnv3_classify_clear_result (r);
      g_array_remove_index_fast (self->roi_last, j);
    }
  }

  for (i = 0; i < rois->len; i++) {
    GstVideoRegionOfInterestMeta *roi = g_ptr_array_index (rois, i);
    gint track = gst_mnv3_classify_track_id (roi);
    GstMnv3InferenceFrame carried = *fr;
    GstMnv3RoiResult *r;

    if (track == 0 || !gst_mnv3_classify_selected (roi, allowed, min_size)
        || !(r = gst_mnv3_classify_find_track (self, track, NULL)))
      continue;
    carried.fresh = r->just_done;
    carried.latency_ms = r->latency_ms;
    gst_mnv3_classify_attach_roi (self, buffer, roi, r, &carried);
    if (post && r->just_done)
      gst_mnv3_classify_post_result (self, &carried, fr->model_name, r->n,
          r->ids, r->labels, r->scores, r->latency_ms, roi);
  }
  for (j = 0; j < self->roi_last->len; j++)
    g_array_index (self->roi_last, GstMnv3RoiResult, j).just_done = FALSE;

  g_strfreev (allowed);
  g_ptr_array_unref (rois);
  return GST_FLOW_OK;
}

typedef struct {
  GstMnv3Region region;
  guint64 key;                  /* 0 never classified, else classified_at+1 */
  guint order;
} GstMnv3RoiCandidate;

static gint
gst_mnv3_classify_candidate_cmp (gconstpointer a, gconstpointer b)
{
  const GstMnv3RoiCandidate *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* The inference thread is free: the tracked regions whose result is
 * missing or reclassify-interval rounds old, the oldest first. */
void
gst_mnv3_classify_select_regions (GstMnv3Inference * base, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr, GArray * regions)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);
  GPtrArray *rois = gst_mnv3_classify_rois (buffer);
  GArray *cand = g_array_new (FALSE, TRUE, sizeof (GstMnv3RoiCandidate));
  gchar **allowed;
  guint min_size, interval, untracked = 0, i, j;

  (void) fr;
  GST_OBJECT_LOCK (self);
  min_size = self->min_roi_size;
  interval = self->reclassify_interval;
  allowed = g_strdupv (self->allowed);
  GST_OBJECT_UNLOCK (self);

  self->roi_round++;
  self->job_round = self->roi_round;
  for (i = 0; i < rois->len; i++) {
    GstVideoRegionOfInterestMeta *roi = g_ptr_array_index (rois, i);
    gint track = gst_mnv3_classify_track_id (roi);
    GstMnv3RoiCandidate c;
    GstMnv3RoiResult *r;
    gboolean dup = FALSE;

    if (!gst_mnv3_classify_selected (roi, allowed, min_size))
      continue;
    if (track == 0) {
      untracked++;
      continue;
    }
    for (j = 0; j < cand->len && !dup; j++)
      dup = g_array_index (cand, GstMnv3RoiCandidate, j).region.track_id ==
          track;
    r = gst_mnv3_classify_find_track (self, track, NULL);
    if (dup || (r && self->roi_round - r->classified_at < interval))
      continue;
    memset (&c, 0, sizeof c);
    c.region.rect.x = (gint) roi->x;
    c.region.rect.y = (gint) roi->y;
    c.region.rect.w = (gint) roi->w;
    c.region.rect.h = (gint) roi->h;
    c.region.roi_id = roi->id;
    c.region.roi_type = roi->roi_type;
    c.region.track_id = track;
    c.key = r ? r->classified_at + 1 : 0;
    c.order = i;
    g_array_append_val (cand, c);
  }
  g_array_sort (cand, gst_mnv3_classify_candidate_cmp);
  for (i = 0; i < cand->len && i < MAX_REGIONS_PER_JOB; i++)
    g_array_append_val (regions,
        g_array_index (cand, GstMnv3RoiCandidate, i).region);
  GST_LOG_OBJECT (self, "round %" G_GUINT64_FORMAT ": %u regions to run, %u "
      "untracked left out", self->roi_round, regions->len, untracked);

  if (untracked > 0 && !self->warned_untracked) {
    self->warned_untracked = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("Regions without a tracker id are not classified in async mode"),
        ("a result comes back on a later frame, where only a tracker id "
            "names the same object: put mnv3track in front of %s, or set "
            "mode=sync", GST_OBJECT_NAME (self)));
  }
  g_array_unref (cand);
  g_strfreev (allowed);
  g_ptr_array_unref (rois);
}

/* mode=auto: a frame with a selected region that has no tracker id is
 * classified synchronously (its results on itself, as in sync mode). */
gboolean
gst_mnv3_classify_regions_need_sync (GstMnv3Inference * base,
    GstBuffer * buffer)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);
  GPtrArray *rois = gst_mnv3_classify_rois (buffer);
  gboolean untracked = FALSE;
  gchar **allowed;
  guint min_size, i;

  GST_OBJECT_LOCK (self);
  min_size = self->min_roi_size;
  allowed = g_strdupv (self->allowed);
  GST_OBJECT_UNLOCK (self);
  for (i = 0; i < rois->len && !untracked; i++) {
    GstVideoRegionOfInterestMeta *roi = g_ptr_array_index (rois, i);

    untracked = gst_mnv3_classify_selected (roi, allowed, min_size)
        && gst_mnv3_classify_track_id (roi) == 0;
  }
  g_strfreev (allowed);
  g_ptr_array_unref (rois);
  return untracked;
}
