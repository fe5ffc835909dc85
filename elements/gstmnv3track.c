/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-mnv3track
 * @title: mnv3track
 * @short_description: give detected objects persistent ids (SORT-style
 *   tracking)
 *
 * Put mnv3track after a detector.  It reads the boxes of each frame from
 *
 *  - the #GstMnv3DetectionMeta of mnv3detect, and
 *  - every `GstVideoRegionOfInterestMeta` that has a `detection` parameter
 *    in DL Streamer's fields (`x_min`..`y_max` normalised, `confidence`,
 *    `label_id`, `label`), whoever attached it: another detector, or the
 *    application,
 *
 * and tracks them (models/track.h): a constant-velocity Kalman filter per
 * object, optimal (Hungarian) matching on IoU with `iou-threshold`, only
 * between boxes of the same class unless `class-aware=false`; a track is
 * reported after `min-hits` detections and kept `max-age` frames after it
 * was last seen.  Matching is optimal (Hungarian method) up to 256 x 256
 * track x box pairs, greedy (best IoU first) in larger crowds; at most
 * 1000 boxes a frame are read.
 *
 * The boxes it read are replaced by the tracked ones:
 *
 *  - one `GstVideoRegionOfInterestMeta` per track whose `id` is the track
 *    id, with the `detection` parameter, DL Streamer's `object_id`
 *    parameter (`id`: where gvametaconvert and gvawatermark read an object
 *    id) and a `tracking` parameter (`id`, `predicted`, `hits`);
 *  - one #GstMnv3DetectionMeta with `tracked` set, every box with its
 *    `track_id` and `predicted` flag;
 *  - with GStreamer 1.24 or later, a `GstAnalyticsTrackingMtd` per track,
 *    related to the `GstAnalyticsODMtd` of its box.
 *
 * Boxes computed on an earlier frame (asynchronous inference: the
 * detection meta's `age`) are matched against where the tracks were on
 * that frame and moved to the present by the tracks' velocities.
 *
 * On frames where the detector did not run (its meta is not fresh:
 * `inference-interval`, or asynchronous inference), the tracks move by
 * their velocity and the boxes are the predictions, flagged `predicted`,
 * so overlays follow the objects.  Region-of-interest metas from other
 * producers count as fresh detections on every frame.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! mnv3detect model=ssdlite.onnx \
 *     ! mnv3track ! mnv3overlay ! videoconvert ! autovideosink
 * ]| Boxes coloured by object id.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/video/video.h>
#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3track.h"
#include "gstmnv3detectionmeta.h"
#include "track.h"

GST_DEBUG_CATEGORY_STATIC (gst_mnv3_track_debug);
#define GST_CAT_DEFAULT gst_mnv3_track_debug

#define DEFAULT_IOU_THRESHOLD 0.3f
#define DEFAULT_MAX_AGE 30
#define DEFAULT_MIN_HITS 3
#define DEFAULT_CLASS_AWARE TRUE
/* boxes read from one frame at most (more are ignored, with a warning) */
#define MAX_BOXES 1000

enum {
  PROP_0,
  PROP_IOU_THRESHOLD,
  PROP_MAX_AGE,
  PROP_MIN_HITS,
  PROP_CLASS_AWARE,
};

struct _GstMnv3Track {
  GstBaseTransform parent;

  /* properties (object lock) */
  gfloat iou_threshold;
  gint max_age;
  gint min_hits;
  gboolean class_aware;

  /* streaming state */
  mnv3_tracker *tracker;
  gint width, height;
  GstClockTime frame_duration;  /* from the caps' framerate; NONE unknown */
  GHashTable *labels;           /* class key -> label (owned strings) */
  GHashTable *first_seen;       /* track id -> running time (analytics) */
  GArray *boxes;                /* mnv3_track_box, this frame */
  GArray *results;              /* mnv3_track_result */
};

G_DEFINE_TYPE (GstMnv3Track, gst_mnv3_track, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (mnv3track, "mnv3track", GST_RANK_NONE,
    GST_TYPE_MNV3_TRACK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

static void
gst_mnv3_track_params (GstMnv3Track * self, mnv3_tracker_params * p)
{
  GST_OBJECT_LOCK (self);
  p->iou_threshold = self->iou_threshold;
  p->max_age = self->max_age;
  p->min_hits = self->min_hits;
  p->class_aware = self->class_aware;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_mnv3_track_start (GstBaseTransform * trans)
{
  GstMnv3Track *self = GST_MNV3_TRACK (trans);
  mnv3_tracker_params p;

  gst_mnv3_track_params (self, &p);
  self->tracker = mnv3_tracker_new (&p);
  if (!self->tracker) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Out of memory"), (NULL));
    return FALSE;
  }
  g_hash_table_remove_all (self->labels);
  g_hash_table_remove_all (self->first_seen);
  return TRUE;
}

static gboolean
gst_mnv3_track_stop (GstBaseTransform * trans)
{
  GstMnv3Track *self = GST_MNV3_TRACK (trans);

  g_clear_pointer (&self->tracker, mnv3_tracker_free);
  return TRUE;
}

static gboolean
gst_mnv3_track_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstMnv3Track *self = GST_MNV3_TRACK (trans);
  GstStructure *s = gst_caps_get_structure (incaps, 0);
  gint w, h, fn, fd;

  (void) outcaps;
  if (!gst_structure_get_int (s, "width", &w)
      || !gst_structure_get_int (s, "height", &h) || w <= 0 || h <= 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("mnv3track needs caps with a frame size, got %" GST_PTR_FORMAT,
            incaps), (NULL));
    return FALSE;
  }
  /* boxes of another frame size cannot continue the old tracks */
  if (self->tracker && (w != self->width || h != self->height))
    mnv3_tracker_reset (self->tracker);
  self->width = w;
  self->height = h;
  self->frame_duration = GST_CLOCK_TIME_NONE;
  if (gst_structure_get_fraction (s, "framerate", &fn, &fd) && fn > 0
      && fd > 0)
    self->frame_duration = gst_util_uint64_scale_int (GST_SECOND, fd, fn);
  return TRUE;
}

static gboolean
gst_mnv3_track_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMnv3Track *self = GST_MNV3_TRACK (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && self->tracker)
    mnv3_tracker_reset (self->tracker);
  return GST_BASE_TRANSFORM_CLASS (gst_mnv3_track_parent_class)->sink_event
      (trans, event);
}

/* ---- reading the boxes --------------------------------------------------- */

/* The class key of a box: its label id, else one made from its label. */
static gint
gst_mnv3_track_class_key (gboolean have_id, gint label_id,
    const gchar * label)
{
  if (have_id)
    return label_id;
  /* negative keys cannot clash with label ids */
  return label ? -1 - (gint) (g_quark_from_string (label) & 0x3fffffff) : -1;
}

static void
gst_mnv3_track_add_box (GstMnv3Track * self, gfloat x, gfloat y, gfloat w,
    gfloat h, gint key, gfloat score, const gchar * label)
{
  mnv3_track_box b = { x, y, w, h, key, score };

  if (self->boxes->len >= MAX_BOXES) {
    GST_WARNING_OBJECT (self, "more than %d boxes on a frame: the rest is "
        "not tracked", MAX_BOXES);
    return;
  }
  g_array_append_val (self->boxes, b);
  if (label && !g_hash_table_contains (self->labels, GINT_TO_POINTER (key)))
    g_hash_table_insert (self->labels, GINT_TO_POINTER (key), g_strdup (label));
}

typedef struct {
  GstMnv3Track *self;
  GstMnv3DetectionMeta *det;
} ReadCtx;

static gboolean
gst_mnv3_track_det_has_roi (const GstMnv3DetectionMeta * det, gint id)
{
  guint i;

  for (i = 0; det && i < det->n_detections; i++)
    if (det->detections[i].roi_id == id)
      return TRUE;
  return FALSE;
}

/* Region-of-interest metas with a `detection` parameter are read and
 * removed (the tracked boxes replace them); the others stay. */
static gboolean
gst_mnv3_track_read_roi (GstBuffer * buffer, GstMeta ** meta, gpointer data)
{
  ReadCtx *ctx = data;
  GstVideoRegionOfInterestMeta *roi;
  GstStructure *s;
  const gchar *label;
  gdouble conf = 1.0;
  gint label_id = 0;
  gboolean have_id;

  (void) buffer;
  if ((*meta)->info->api != GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)
    return TRUE;
  roi = (GstVideoRegionOfInterestMeta *) * meta;
  s = gst_video_region_of_interest_meta_get_param (roi, "detection");
  if (!s)
    return TRUE;
  /* mnv3detect's own boxes are read from its detection meta */
  if (!gst_mnv3_track_det_has_roi (ctx->det, roi->id)) {
    label = gst_structure_get_string (s, "label");
    if (!label && roi->roi_type)
      label = g_quark_to_string (roi->roi_type);
    have_id = gst_structure_get_int (s, "label_id", &label_id);
    gst_structure_get_double (s, "confidence", &conf);
    gst_mnv3_track_add_box (ctx->self, roi->x, roi->y, roi->w, roi->h,
        gst_mnv3_track_class_key (have_id, label_id, label), (gfloat) conf,
        label);
  }
  *meta = NULL;                 /* removes it */
  return TRUE;
}

/* Fills self->boxes; returns whether they are fresh detections. */
static gboolean
gst_mnv3_track_read (GstMnv3Track * self, GstBuffer * buf,
    GstMnv3DetectionMeta * det)
{
  /* a tracked meta (a tracker upstream already): its boxes are read from
   * the ROI metas it attached, like any producer's */
  ReadCtx ctx = { self, det && !det->tracked ? det : NULL };
  gboolean fresh = TRUE;
  guint i;

  g_array_set_size (self->boxes, 0);
  if (det && !det->tracked) {
    fresh = det->fresh;
    for (i = 0; fresh && i < det->n_detections; i++) {
      const GstMnv3Detection *d = &det->detections[i];
      gfloat x, y, w, h;

      gst_mnv3_detection_meta_get_box (det, i, self->width, self->height, &x,
          &y, &w, &h);
      gst_mnv3_track_add_box (self, x, y, w, h,
          gst_mnv3_track_class_key (TRUE, d->class_id, d->label), d->score,
          d->label);
    }
  }
  gst_buffer_foreach_meta (buf, gst_mnv3_track_read_roi, &ctx);
  return fresh;
}

/* ---- writing the tracks -------------------------------------------------- */

#ifdef HAVE_GST_ANALYTICS
/* The OD mtd of a box (the detector's when it is there), and a tracking
 * mtd related to it. */
static void
gst_mnv3_track_add_analytics (GstMnv3Track * self, GstBuffer * buf,
    const GstMnv3Detection * d, gint x, gint y, gint w, gint h)
{
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsODMtd od;
  GstAnalyticsTrackingMtd trk;
  gpointer state = NULL, seen;
  gboolean found = FALSE;
  GstClockTime first;

  rmeta = gst_buffer_get_analytics_relation_meta (buf);
  if (!rmeta)
    rmeta = gst_buffer_add_analytics_relation_meta (buf);
  if (!rmeta)
    return;
  while (!found && gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_od_mtd_get_mtd_type (), &od)) {
    gint ox, oy, ow, oh;
    gfloat conf;

    if (gst_analytics_od_mtd_get_location (&od, &ox, &oy, &ow, &oh, &conf)
        && ox == x && oy == y && ow == w && oh == h)
      found = TRUE;
  }
  if (!found && !gst_analytics_relation_meta_add_od_mtd (rmeta,
          g_quark_from_string (d->label ? d->label : "object"), x, y, w, h,
          d->score, &od))
    return;
  seen = g_hash_table_lookup (self->first_seen, GINT_TO_POINTER (d->track_id));
  if (seen) {
    first = *(GstClockTime *) seen;
  } else {
    GstClockTime *t = g_new (GstClockTime, 1);
    *t = GST_BUFFER_PTS (buf);
    g_hash_table_insert (self->first_seen, GINT_TO_POINTER (d->track_id), t);
    first = *t;
  }
  if (!gst_analytics_relation_meta_add_tracking_mtd (rmeta,
          (guint64) d->track_id, first, &trk))
    return;
  gst_analytics_tracking_mtd_update_last_seen (&trk, GST_BUFFER_PTS (buf));
  gst_analytics_relation_meta_set_relation (rmeta,
      GST_ANALYTICS_REL_TYPE_RELATE_TO, od.id, trk.id);
}
#endif

static void
gst_mnv3_track_add_roi (GstBuffer * buf, const GstMnv3Detection * d,
    gint fw, gint fh, gint hits)
{
  GstVideoRegionOfInterestMeta *roi;
  gint x0 = (gint) lroundf (d->x), y0 = (gint) lroundf (d->y);
  gint x1 = (gint) lroundf (d->x + d->w), y1 = (gint) lroundf (d->y + d->h);
  const gchar *label = d->label ? d->label : "object";

  x0 = CLAMP (x0, 0, fw);
  y0 = CLAMP (y0, 0, fh);
  x1 = CLAMP (x1, x0, fw);
  y1 = CLAMP (y1, y0, fh);
  roi = gst_buffer_add_video_region_of_interest_meta (buf, label, x0, y0,
      x1 - x0, y1 - y0);
  if (!roi)
    return;
  roi->id = d->track_id;
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("detection",
          "x_min", G_TYPE_DOUBLE, (gdouble) d->x / fw,
          "y_min", G_TYPE_DOUBLE, (gdouble) d->y / fh,
          "x_max", G_TYPE_DOUBLE, (gdouble) (d->x + d->w) / fw,
          "y_max", G_TYPE_DOUBLE, (gdouble) (d->y + d->h) / fh,
          "confidence", G_TYPE_DOUBLE, (gdouble) d->score,
          "label_id", G_TYPE_INT, d->class_id,
          "label", G_TYPE_STRING, label, NULL));
  /* where DL Streamer's elements (gvametaconvert, gvawatermark) look */
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("object_id", "id", G_TYPE_INT, d->track_id, NULL));
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("tracking",
          "id", G_TYPE_INT, d->track_id,
          "predicted", G_TYPE_BOOLEAN, d->predicted,
          "hits", G_TYPE_INT, hits, NULL));
}

#ifdef HAVE_GST_ANALYTICS
static gboolean
gst_mnv3_track_is_gone (gpointer key, gpointer value, gpointer data)
{
  GArray *results = data;
  guint i;

  (void) value;
  for (i = 0; i < results->len; i++)
    if (g_array_index (results, mnv3_track_result, i).id ==
        GPOINTER_TO_INT (key))
      return FALSE;
  return TRUE;
}
#endif

static void
gst_mnv3_track_write (GstMnv3Track * self, GstBuffer * buf,
    const GstMnv3DetectionMeta * in, guint n)
{
  GstMnv3Detection *dets = g_new0 (GstMnv3Detection, MAX (n, 1));
  GstMnv3DetectionMeta *meta;
  guint i;

  for (i = 0; i < n; i++) {
    const mnv3_track_result *r = &g_array_index (self->results,
        mnv3_track_result, i);
    GstMnv3Detection *d = &dets[i];
    gint key = r->class_id;

    d->x = r->x;
    d->y = r->y;
    d->w = r->w;
    d->h = r->h;
    /* negative keys are made from labels: no class number */
    d->class_id = key >= 0 ? key : 0;
    d->label = g_hash_table_lookup (self->labels, GINT_TO_POINTER (key));
    d->score = r->score;
    d->track_id = r->id;
    d->roi_id = r->id;
    d->predicted = r->predicted;
  }
  meta = gst_buffer_add_mnv3_detection_meta (buf, in ? in->model : NULL, n,
      dets, in ? in->fresh : TRUE, self->width, self->height);
  if (meta) {
    meta->tracked = TRUE;
    if (in) {
      meta->latency_ms = in->latency_ms;
      meta->fps = in->fps;
      meta->source_pts = in->source_pts;
      meta->age = in->age;
    }
  }
  for (i = 0; i < n; i++) {
    const mnv3_track_result *r = &g_array_index (self->results,
        mnv3_track_result, i);
    gst_mnv3_track_add_roi (buf, &dets[i], self->width, self->height,
        r->hits);
#ifdef HAVE_GST_ANALYTICS
    {
      gint x0 = CLAMP ((gint) lroundf (dets[i].x), 0, self->width);
      gint y0 = CLAMP ((gint) lroundf (dets[i].y), 0, self->height);
      gint x1 = CLAMP ((gint) lroundf (dets[i].x + dets[i].w), x0,
          self->width);
      gint y1 = CLAMP ((gint) lroundf (dets[i].y + dets[i].h), y0,
          self->height);
      gst_mnv3_track_add_analytics (self, buf, &dets[i], x0, y0, x1 - x0,
          y1 - y0);
    }
#endif
  }
  g_free (dets);
#ifdef HAVE_GST_ANALYTICS
  /* a track not reported any more is gone: forget when it was first seen */
  g_hash_table_foreach_remove (self->first_seen, gst_mnv3_track_is_gone,
      self->results);
#endif
}

static gboolean
gst_mnv3_track_remove_det (GstBuffer * buffer, GstMeta ** meta, gpointer data)
{
  (void) buffer;
  (void) data;
  if ((*meta)->info->api == GST_MNV3_DETECTION_META_API_TYPE)
    *meta = NULL;
  return TRUE;
}

/* How many frames before this one the detections were computed on
 * (asynchronous inference: the detector meta's age), 0 when unknown. */
static gfloat
gst_mnv3_track_lag (GstMnv3Track * self, const GstMnv3DetectionMeta * det,
    GstBuffer * buf)
{
  GstClockTime dur = self->frame_duration;

  if (!det || !GST_CLOCK_TIME_IS_VALID (det->age) || det->age == 0)
    return 0.0f;
  if (!GST_CLOCK_TIME_IS_VALID (dur) && GST_BUFFER_DURATION_IS_VALID (buf))
    dur = GST_BUFFER_DURATION (buf);
  if (!GST_CLOCK_TIME_IS_VALID (dur) || dur == 0)
    return 0.0f;
  return (gfloat) ((gdouble) det->age / dur);
}

static GstFlowReturn
gst_mnv3_track_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMnv3Track *self = GST_MNV3_TRACK (trans);
  GstMnv3DetectionMeta *det = gst_buffer_get_mnv3_detection_meta (buf);
  GstMnv3DetectionMeta in = { 0 };
  mnv3_tracker_params p;
  gboolean fresh, have_in = det != NULL;
  gint n;

  if (!self->tracker || self->width <= 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("no caps before the first buffer"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  gst_mnv3_track_params (self, &p);
  mnv3_tracker_set_params (self->tracker, &p);

  fresh = gst_mnv3_track_read (self, buf, det);
  if (det) {
    /* what is kept of the detector's meta before it is replaced */
    in = *det;
    in.model = g_strdup (det->model);
    gst_buffer_foreach_meta (buf, gst_mnv3_track_remove_det, NULL);
  }

  g_array_set_size (self->results, MAX (self->results->len, 16));
  if (fresh)
    n = mnv3_tracker_update_lagged (self->tracker,
        (const mnv3_track_box *) self->boxes->data, (gint) self->boxes->len,
        gst_mnv3_track_lag (self, have_in ? &in : NULL, buf), self->width,
        self->height, (mnv3_track_result *) self->results->data,
        (gint) self->results->len);
  else
    n = mnv3_tracker_predict (self->tracker, self->width, self->height,
        (mnv3_track_result *) self->results->data, (gint) self->results->len);
  if (n > (gint) self->results->len) {
    /* more tracks than room: report again (the tracks do not move) */
    g_array_set_size (self->results, (guint) n);
    n = mnv3_tracker_report (self->tracker, self->width, self->height,
        (mnv3_track_result *) self->results->data, n);
  }
  if (n < 0) {
    g_free (in.model);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Out of memory"), (NULL));
    return GST_FLOW_ERROR;
  }
  /* from here on the array holds exactly this frame's tracks */
  g_array_set_size (self->results, (guint) n);
  GST_LOG_OBJECT (self, "%u boxes (%s) -> %d tracks", self->boxes->len,
      fresh ? "fresh" : "carried", n);
  gst_mnv3_track_write (self, buf, have_in ? &in : NULL, (guint) n);
  g_free (in.model);
  return GST_FLOW_OK;
}

/* ---- GObject ------------------------------------------------------------- */

static void
gst_mnv3_track_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Track *self = GST_MNV3_TRACK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_IOU_THRESHOLD:
      self->iou_threshold = g_value_get_float (value);
      break;
    case PROP_MAX_AGE:
      self->max_age = g_value_get_int (value);
      break;
    case PROP_MIN_HITS:
      self->min_hits = g_value_get_int (value);
      break;
    case PROP_CLASS_AWARE:
      self->class_aware = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_track_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Track *self = GST_MNV3_TRACK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_IOU_THRESHOLD:
      g_value_set_float (value, self->iou_threshold);
      break;
    case PROP_MAX_AGE:
      g_value_set_int (value, self->max_age);
      break;
    case PROP_MIN_HITS:
      g_value_set_int (value, self->min_hits);
      break;
    case PROP_CLASS_AWARE:
      g_value_set_boolean (value, self->class_aware);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_track_finalize (GObject * object)
{
  GstMnv3Track *self = GST_MNV3_TRACK (object);

  g_clear_pointer (&self->tracker, mnv3_tracker_free);
  g_hash_table_unref (self->labels);
  g_hash_table_unref (self->first_seen);
  g_array_unref (self->boxes);
  g_array_unref (self->results);
  G_OBJECT_CLASS (gst_mnv3_track_parent_class)->finalize (object);
}

static void
gst_mnv3_track_class_init (GstMnv3TrackClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_mnv3_track_debug, "mnv3track", 0,
      "mnv3 object tracking");

  gobject_class->set_property = gst_mnv3_track_set_property;
  gobject_class->get_property = gst_mnv3_track_get_property;
  gobject_class->finalize = gst_mnv3_track_finalize;

  g_object_class_install_property (gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_float ("iou-threshold", "IoU threshold",
          "Least intersection-over-union between a track's predicted box "
          "and a detection for them to be matched", 0.0f, 1.0f,
          DEFAULT_IOU_THRESHOLD, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_AGE,
      g_param_spec_int ("max-age", "Maximum age",
          "Frames a track is kept (and its box predicted) after its last "
          "detection", 0, 100000, DEFAULT_MAX_AGE, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_HITS,
      g_param_spec_int ("min-hits", "Minimum hits",
          "Detections a new track needs before it is reported", 1, 1000,
          DEFAULT_MIN_HITS, rw));
  g_object_class_install_property (gobject_class, PROP_CLASS_AWARE,
      g_param_spec_boolean ("class-aware", "Class aware",
          "Only match a track with detections of its own class",
          DEFAULT_CLASS_AWARE, rw));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "mnv3 object tracker", "Filter/Analyzer/Video",
      "Gives detected objects persistent ids (Kalman filter + Hungarian "
      "IoU matching, SORT-style) and predicts their boxes on frames "
      "without detections", "mnv3 authors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_mnv3_track_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mnv3_track_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_mnv3_track_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_mnv3_track_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_mnv3_track_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
}

static void
gst_mnv3_track_init (GstMnv3Track * self)
{
  self->iou_threshold = DEFAULT_IOU_THRESHOLD;
  self->max_age = DEFAULT_MAX_AGE;
  self->min_hits = DEFAULT_MIN_HITS;
  self->class_aware = DEFAULT_CLASS_AWARE;
  self->frame_duration = GST_CLOCK_TIME_NONE;
  self->labels = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->first_seen = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->boxes = g_array_new (FALSE, TRUE, sizeof (mnv3_track_box));
  self->results = g_array_new (FALSE, TRUE, sizeof (mnv3_track_result));
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
