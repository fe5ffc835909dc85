/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-mnv3classify
 * @title: mnv3classify
 * @short_description: classify whole video frames with a MobileNetV3 model
 *
 * Runs an image classifier (by default the embedded MobileNetV3-Small
 * ImageNet model) on each frame and attaches the top-k classes as a
 * #GstMnv3ClassificationMeta (see `gst/mnv3/gstmnv3meta.h`, pkg-config
 * `gstreamer-mnv3-1.0`).  When built against GStreamer 1.24 or later the
 * same result is also attached as a `GstAnalyticsClsMtd`.
 *
 * The element reads RGB and BGR variants, I420 and NV12 at any size
 * directly: no videoconvert or videoscale is needed in front of it.  Frames
 * are never dropped or delayed beyond one inference: with
 * `inference-interval` > 1, or when downstream reports through QoS that
 * frames are late, inference is skipped on a frame and the last result is
 * attached again with `fresh` set to %FALSE.  Keep the base class `qos`
 * property off (the default): it would drop late frames instead.
 *
 * With `post-messages`, every fresh result is also posted as an element
 * message named `mnv3-classification` with the fields `model` (string),
 * `fresh` (boolean), `running-time` (guint64), `latency` (double, ms),
 * `class-ids` (array of int), `labels` (array of string) and `scores`
 * (array of float), best first.
 *
 * Secondary classification: with `inference-region=roi-list` the model runs
 * on each `GstVideoRegionOfInterestMeta` of the frame (e.g. the boxes of
 * `mnv3detect`) instead of the whole frame, the region cut from the
 * original frame and stretched to the model input.  `object-class` keeps
 * only regions whose type (the detector's label) is listed, `min-roi-size`
 * skips regions narrower or lower than that many pixels.  Each result is a
 * #GstMnv3ClassificationMeta with `region` = the ROI's rectangle and
 * `region_id` = the ROI's id, and a `classification` parameter (`label`,
 * `label_id`, `confidence`, `model`) added to the ROI meta.  On frames
 * without inference the last result of a ROI with the same id and type is
 * attached again, not fresh.  With `post-messages`, each region's fresh
 * result is a message as above plus `region-id` (int), `region-type`
 * (string) and `region` (array of int x, y, w, h).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! mnv3classify top-k=3 post-messages=true ! \
 *     mnv3overlay ! videoconvert ! autovideosink
 * ]| Classifies a camera feed and draws the best three classes.
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=30 ! \
 *     mnv3classify inference-interval=5 post-messages=true ! fakesink
 * ]| Classifies every fifth frame and prints the results on the bus.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3classify.h"
#include "classify.h"
#include "gstmnv3meta.h"

GST_DEBUG_CATEGORY_STATIC (gst_mnv3_classify_debug);
#define GST_CAT_DEFAULT gst_mnv3_classify_debug

#define DEFAULT_TOP_K 5
#define DEFAULT_THRESHOLD 0.0f
#define MAX_TOP_K 64
#define DEFAULT_INFERENCE_REGION GST_MNV3_INFERENCE_REGION_FULL_FRAME
#define DEFAULT_MIN_ROI_SIZE 16
#define DEFAULT_RECLASSIFY_INTERVAL 1
/* async mode: regions handed to the inference thread at once, at most
 * (the longest unclassified first; the rest wait for the next round) */
#define MAX_REGIONS_PER_JOB 64

enum {
  PROP_0,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_MIN_ROI_SIZE,
  PROP_RECLASSIFY_INTERVAL,
};

typedef enum {
  GST_MNV3_INFERENCE_REGION_FULL_FRAME,
  GST_MNV3_INFERENCE_REGION_ROI_LIST,
} GstMnv3InferenceRegion;

#define GST_TYPE_MNV3_INFERENCE_REGION (gst_mnv3_inference_region_get_type ())

static GType
gst_mnv3_inference_region_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_INFERENCE_REGION_FULL_FRAME, "Classify the whole frame",
        "full-frame"},
    {GST_MNV3_INFERENCE_REGION_ROI_LIST,
        "Classify each region of interest (e.g. detected objects)",
        "roi-list"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3InferenceRegion", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* The last result on one region of interest. */
typedef struct {
  gint roi_id;
  GQuark roi_type;
  guint n;
  gint ids[MAX_TOP_K];
  gfloat scores[MAX_TOP_K];
  gchar *labels[MAX_TOP_K];
  gdouble latency_ms;
  gint track_id;                /* a tracker's object id, 0 none */
  guint64 classified_at;        /* roi_round of the run */
  GstClockTime source_pts;      /* PTS of the frame the region was cut from */
  gboolean just_done;           /* async: came back on this frame */
} GstMnv3RoiResult;

struct _GstMnv3Classify {
  GstMnv3Inference parent;

  /* properties (object lock) */
  guint top_k;
  gfloat threshold;

  /* streaming state (base class engine lock) */
  gint num_classes;
  gboolean output_is_softmax;   /* the model's output is probabilities */
  gfloat *probs;                /* num_classes scratch */
  /* the last result, attached again on frames without inference */
  gboolean have_last;
  guint n_last;
  gint last_ids[MAX_TOP_K];
  gfloat last_scores[MAX_TOP_K];
  gchar *last_labels[MAX_TOP_K];
  gchar *last_model;

  /* secondary classification: properties (object lock) */
  GstMnv3InferenceRegion region_mode;
  gchar *object_class;
  gchar **allowed;              /* object_class split; NULL: every type */
  guint min_roi_size;
  guint reclassify_interval;
  /* last results per region (engine lock); in async mode only tracked
   * regions, one entry per track id: the per-id cache */
  GArray *roi_last;             /* GstMnv3RoiResult */
  guint64 roi_round;            /* inferred frames in roi-list mode */
  guint64 job_round;            /* async: roi_round of the job in flight */
  gboolean warned_untracked;    /* async: untracked regions reported */
};

G_DEFINE_TYPE (GstMnv3Classify, gst_mnv3_classify, GST_TYPE_MNV3_INFERENCE);
GST_ELEMENT_REGISTER_DEFINE (mnv3classify, "mnv3classify", GST_RANK_NONE,
    GST_TYPE_MNV3_CLASSIFY);

static void
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

static void
gst_mnv3_classify_forget (GstMnv3Classify * self)
{
  guint i;

  for (i = 0; i < self->n_last; i++)
    g_clear_pointer (&self->last_labels[i], g_free);
  g_clear_pointer (&self->last_model, g_free);
  self->n_last = 0;
  self->have_last = FALSE;
}

static void
gst_mnv3_classify_reset (GstMnv3Inference * base)
{
  gst_mnv3_classify_forget (GST_MNV3_CLASSIFY (base));
  gst_mnv3_classify_forget_rois (GST_MNV3_CLASSIFY (base));
}

static gboolean
gst_mnv3_classify_wants_frame_run (GstMnv3Inference * base)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);
  gboolean full;

  GST_OBJECT_LOCK (self);
  full = self->region_mode == GST_MNV3_INFERENCE_REGION_FULL_FRAME;
  GST_OBJECT_UNLOCK (self);
  return full;
}

/* Output 0 must hold one score per class: [C], [1,C] or [1,1,1,C]. */
static gboolean
gst_mnv3_classify_check_model (GstMnv3Inference * base,
    const mnv3_model * model, gchar ** reason)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);
  const mnv3_labels *labels = gst_mnv3_inference_get_labels (base);
  mnv3_tensor_info out;
  gint64 classes = 1;
  int i;

  if (mnv3_model_output_info (model, 0, &out) != MNV3_OK) {
    *reason = g_strdup ("the model has no output");
    return FALSE;
  }
  for (i = 0; i < out.rank; i++) {
    if (i < out.rank - 1 && out.dims[i] != 1) {
      *reason = g_strdup_printf ("output '%s' is not a vector of class "
          "scores (dimension %d is %" G_GINT64_FORMAT ")",
          out.name ? out.name : "0", i, out.dims[i]);
      return FALSE;
    }
    classes = out.dims[i];
  }
  if (out.rank < 1 || classes < 2 || classes > (1 << 20)) {
    *reason = g_strdup_printf ("output '%s' does not hold class scores",
        out.name ? out.name : "0");
    return FALSE;
  }
  /* the labels may omit a leading "background" class (TF models) */
  if (labels->count > 0 && labels->count != classes
      && labels->count != classes - 1) {
    *reason = g_strdup_printf ("the labels list %d classes but the model "
        "outputs %" G_GINT64_FORMAT, labels->count, classes);
    return FALSE;
  }
  self->num_classes = (gint) classes;
  self->output_is_softmax =
      g_strcmp0 (mnv3_model_metadata (model, "probabilities"), "1") == 0;
  g_free (self->probs);
  self->probs = g_new (gfloat, classes);
  return TRUE;
}

#ifdef HAVE_GST_ANALYTICS
static void
gst_mnv3_classify_add_analytics (GstBuffer * buffer, guint n,
    const gfloat * scores, gchar ** labels, const gint * ids)
{
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd mtd;
  GQuark quarks[MAX_TOP_K];
  gfloat conf[MAX_TOP_K];
  guint i;

  if (n == 0)
    return;
  rmeta = gst_buffer_get_analytics_relation_meta (buffer);
  if (!rmeta)
    rmeta = gst_buffer_add_analytics_relation_meta (buffer);
  if (!rmeta)
    return;
  for (i = 0; i < n; i++) {
    gchar name[32];

    conf[i] = scores[i];
    if (labels[i]) {
      quarks[i] = g_quark_from_string (labels[i]);
    } else {
      g_snprintf (name, sizeof name, "class %d", ids[i]);
      quarks[i] = g_quark_from_string (name);
    }
  }
  gst_analytics_relation_meta_add_cls_mtd (rmeta, n, conf, quarks, &mtd);
}
#endif

/* Attach the remembered result to buffer. */
static void
gst_mnv3_classify_attach (GstMnv3Classify * self, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3ClassificationMeta *meta;
  GstVideoRectangle full = { 0, 0, fr->width, fr->height };

  meta = gst_buffer_add_mnv3_classification_meta (buffer, self->last_model,
      self->n_last, self->last_ids, (const gchar * const *) self->last_labels,
      self->last_scores, fr->fresh, &full);
  if (meta) {
    meta->region_id = 0;
    meta->latency_ms = fr->latency_ms;
    meta->fps = fr->fps;
    meta->source_pts = fr->source_pts;
    meta->age = fr->age;
  }
#ifdef HAVE_GST_ANALYTICS
  gst_mnv3_classify_add_analytics (buffer, self->n_last, self->last_scores,
      self->last_labels, self->last_ids);
#endif
}

/* One result on the bus; @roi (secondary classification) adds its id and
 * rectangle. */
static void
gst_mnv3_classify_post_result (GstMnv3Classify * self,
    const GstMnv3InferenceFrame * fr, const gchar * model, guint n,
    const gint * class_ids, gchar * const *names, const gfloat * probs,
    gdouble latency_ms, const GstVideoRegionOfInterestMeta * roi)
{
  GValue ids = G_VALUE_INIT, labels = G_VALUE_INIT, scores = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  GstStructure *s;
  guint i;

  g_value_init (&ids, GST_TYPE_ARRAY);
  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, class_ids[i]);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_STRING);
    /* without labels, the name the overlay and the metadata use */
    if (names[i])
      g_value_set_string (&v, names[i]);
    else
      g_value_take_string (&v, g_strdup_printf ("class %d", class_ids[i]));
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_FLOAT);
    g_value_set_float (&v, probs[i]);
    gst_value_array_append_and_take_value (&scores, &v);
  }
  s = gst_structure_new ("mnv3-classification",
      "model", G_TYPE_STRING, model,
      "fresh", G_TYPE_BOOLEAN, fr->fresh,
      "running-time", G_TYPE_UINT64, (guint64) fr->running_time,
      "latency", G_TYPE_DOUBLE, latency_ms, NULL);
  gst_structure_take_value (s, "class-ids", &ids);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &scores);
  if (roi) {
    GValue rect = G_VALUE_INIT;
    const guint xywh[4] = { roi->x, roi->y, roi->w, roi->h };

    gst_structure_set (s, "region-id", G_TYPE_INT, roi->id, "region-type",
        G_TYPE_STRING, g_quark_to_string (roi->roi_type), NULL);
    g_value_init (&rect, GST_TYPE_ARRAY);
    for (i = 0; i < 4; i++) {
      g_value_init (&v, G_TYPE_INT);
      g_value_set_int (&v, (gint) xywh[i]);
      gst_value_array_append_and_take_value (&rect, &v);
    }
    gst_structure_take_value (s, "region", &rect);
  }
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
gst_mnv3_classify_post (GstMnv3Classify * self,
    const GstMnv3InferenceFrame * fr)
{
  gst_mnv3_classify_post_result (self, fr, self->last_model, self->n_last,
      self->last_ids, self->last_labels, self->last_scores, fr->latency_ms,
      NULL);
}

/* The top-k classes of the session's output above threshold, best first:
 * ids, scores and newly allocated names (NULL without labels).  -1 when the
 * model gave no output. */
static gint
gst_mnv3_classify_top (GstMnv3Classify * self, const float *out,
    guint top_k, gfloat threshold, gint * ids, gfloat * scores,
    gchar ** names)
{
  const mnv3_labels *labels =
      gst_mnv3_inference_get_labels (GST_MNV3_INFERENCE (self));
  gint top[MAX_TOP_K];
  gint k, i, n = 0;

  if (!out || !self->probs)
    return -1;
  /* models end in a softmax or in logits: report probabilities either way */
  mnv3_classify_probabilities_known (out, self->probs, self->num_classes,
      self->output_is_softmax);
  k = mnv3_classify_topk (self->probs, self->num_classes, (int) top_k, top);
  for (i = 0; i < k; i++) {
    char buf[32];

    if (!(self->probs[top[i]] >= threshold))
      break;                    /* sorted: the rest is below too */
    ids[n] = top[i];
    scores[n] = self->probs[top[i]];
    names[n] = labels->count > 0 ? g_strdup (mnv3_labels_name (labels,
            top[i], self->num_classes, buf, sizeof buf)) : NULL;
    n++;
  }
  return n;
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
static GstFlowReturn
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
static void
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
static GstFlowReturn
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
static void
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

static GstFlowReturn
gst_mnv3_classify_process_output (GstMnv3Inference * base, GstBuffer * buffer,
    mnv3_session * session, const GstMnv3InferenceFrame * fr)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);
  gfloat threshold;
  guint top_k;
  gint n;

  if (!gst_mnv3_classify_wants_frame_run (base))
    return gst_mnv3_classify_process_rois (self, buffer, session, fr);

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  GST_OBJECT_UNLOCK (self);

  gst_mnv3_classify_forget (self);
  n = gst_mnv3_classify_top (self, mnv3_session_output (session, 0, NULL),
      top_k, threshold, self->last_ids, self->last_scores, self->last_labels);
  if (n < 0) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The model gave no output"),
        (NULL));
    return GST_FLOW_ERROR;
  }
  self->n_last = (guint) n;
  self->last_model = g_strdup (fr->model_name);
  self->have_last = TRUE;
  GST_LOG_OBJECT (self, "top-1 %s %.3f", self->n_last &&
      self->last_labels[0] ? self->last_labels[0] : "-",
      self->n_last ? self->last_scores[0] : 0.0f);

  gst_mnv3_classify_attach (self, buffer, fr);
  if (gst_mnv3_inference_get_post_messages (base))
    gst_mnv3_classify_post (self, fr);
  return GST_FLOW_OK;
}

static void
gst_mnv3_classify_carry_forward (GstMnv3Inference * base, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (base);

  if (!gst_mnv3_classify_wants_frame_run (base))
    gst_mnv3_classify_carry_rois (self, buffer, fr);
  else if (self->have_last)
    gst_mnv3_classify_attach (self, buffer, fr);
}

static void
gst_mnv3_classify_set_object_class (GstMnv3Classify * self,
    const gchar * text)
{
  g_free (self->object_class);
  self->object_class = g_strdup (text);
  g_strfreev (self->allowed);
  self->allowed = gst_mnv3_parse_name_list (text);
}

static void
gst_mnv3_classify_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_float (value);
      break;
    case PROP_INFERENCE_REGION:
      self->region_mode = g_value_get_enum (value);
      break;
    case PROP_OBJECT_CLASS:
      gst_mnv3_classify_set_object_class (self, g_value_get_string (value));
      break;
    case PROP_RECLASSIFY_INTERVAL:
      self->reclassify_interval = g_value_get_uint (value);
      break;
    case PROP_MIN_ROI_SIZE:
      self->min_roi_size = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_float (value, self->threshold);
      break;
    case PROP_INFERENCE_REGION:
      g_value_set_enum (value, self->region_mode);
      break;
    case PROP_OBJECT_CLASS:
      g_value_set_string (value, self->object_class);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      g_value_set_uint (value, self->reclassify_interval);
      break;
    case PROP_MIN_ROI_SIZE:
      g_value_set_uint (value, self->min_roi_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_classify_finalize (GObject * object)
{
  GstMnv3Classify *self = GST_MNV3_CLASSIFY (object);

  gst_mnv3_classify_forget (self);
  gst_mnv3_classify_forget_rois (self);
  g_array_unref (self->roi_last);
  g_free (self->object_class);
  g_strfreev (self->allowed);
  g_free (self->probs);
  G_OBJECT_CLASS (gst_mnv3_classify_parent_class)->finalize (object);
}

static void
gst_mnv3_classify_class_init (GstMnv3ClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstMnv3InferenceClass *inference_class = GST_MNV3_INFERENCE_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_mnv3_classify_debug, "mnv3classify", 0,
      "mnv3 frame classification");

  gobject_class->set_property = gst_mnv3_classify_set_property;
  gobject_class->get_property = gst_mnv3_classify_get_property;
  gobject_class->finalize = gst_mnv3_classify_finalize;

  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top K",
          "Number of best classes reported per frame", 1, MAX_TOP_K,
          DEFAULT_TOP_K, rw));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_float ("threshold", "Threshold",
          "Lowest probability reported; classes below it are left out", 0.0f,
          1.0f, DEFAULT_THRESHOLD, rw));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_REGION,
      g_param_spec_enum ("inference-region", "Inference region",
          "What to classify: the whole frame, or each region-of-interest "
          "meta (e.g. the boxes of mnv3detect)",
          GST_TYPE_MNV3_INFERENCE_REGION, DEFAULT_INFERENCE_REGION, rw));
  g_object_class_install_property (gobject_class, PROP_OBJECT_CLASS,
      g_param_spec_string ("object-class", "Object classes",
          "inference-region=roi-list: comma-separated region types (the "
          "detector's labels) to classify; empty: every region", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint ("reclassify-interval", "Reclassify interval",
          "inference-region=roi-list: a tracked region (an object id from "
          "mnv3track or DL Streamer's object_id) is classified again only "
          "every Nth inferred frame and keeps its last result (not fresh) "
          "in between; results of tracks that are gone are dropped.  "
          "1: every region on every inferred frame", 1, G_MAXUINT,
          DEFAULT_RECLASSIFY_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_ROI_SIZE,
      g_param_spec_uint ("min-roi-size", "Minimum region size",
          "inference-region=roi-list: regions narrower or lower than this "
          "many pixels are not classified", 0, G_MAXINT,
          DEFAULT_MIN_ROI_SIZE, rw));
  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_INFERENCE_REGION, 0);

  gst_element_class_set_static_metadata (element_class,
      "MobileNetV3 classifier", "Filter/Analyzer/Video",
      "Classifies whole video frames with a MobileNetV3 model and attaches "
      "the top classes as metadata", "mnv3 authors");

  inference_class->check_model =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_check_model);
  inference_class->process_output =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_process_output);
  inference_class->carry_forward =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_carry_forward);
  inference_class->reset = GST_DEBUG_FUNCPTR (gst_mnv3_classify_reset);
  inference_class->wants_frame_run =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_wants_frame_run);
  inference_class->select_regions =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_select_regions);
  inference_class->attach_regions =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_attach_regions);
}

static void
gst_mnv3_classify_init (GstMnv3Classify * self)
{
  self->top_k = DEFAULT_TOP_K;
  self->threshold = DEFAULT_THRESHOLD;
  self->region_mode = DEFAULT_INFERENCE_REGION;
  self->min_roi_size = DEFAULT_MIN_ROI_SIZE;
  self->reclassify_interval = DEFAULT_RECLASSIFY_INTERVAL;
  self->roi_last = g_array_new (FALSE, TRUE, sizeof (GstMnv3RoiResult));
}
