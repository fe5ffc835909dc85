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
 * In async mode (`mode=async`, or `auto` with a live source) the regions
 * run on the inference thread and frames never wait for them.  A result
 * comes back on a later frame and lands only on the region with the same
 * tracker id (`object_id` parameter, set by mnv3track) as the region it
 * was cut from, its meta's `source_pts` and `age` naming that earlier
 * frame; results are kept per track id and dropped with the track.
 * With `mode=auto` (a live source), a frame that has regions without a
 * tracker id is classified synchronously instead, as in sync mode; with
 * `mode=async` such regions are not classified (one warning says so): put
 * mnv3track in front, or set `mode=sync`.
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

#include "mnv3classify-private.h"
#include "classify.h"
#include "gstmnv3meta.h"

GST_DEBUG_CATEGORY (gst_mnv3_classify_debug);
#define GST_CAT_DEFAULT gst_mnv3_classify_debug

#define DEFAULT_TOP_K 5
#define DEFAULT_THRESHOLD 0.0f
#define DEFAULT_INFERENCE_REGION GST_MNV3_INFERENCE_REGION_FULL_FRAME
#define DEFAULT_MIN_ROI_SIZE 16
#define DEFAULT_RECLASSIFY_INTERVAL 1

enum {
  PROP_0,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_MIN_ROI_SIZE,
  PROP_RECLASSIFY_INTERVAL,
};

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

G_DEFINE_TYPE (GstMnv3Classify, gst_mnv3_classify, GST_TYPE_MNV3_INFERENCE);
GST_ELEMENT_REGISTER_DEFINE (mnv3classify, "mnv3classify", GST_RANK_NONE,
    GST_TYPE_MNV3_CLASSIFY);

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
void
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
gint
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
          "every Nth inferred frame (async mode: Nth round handed to the "
          "inference thread) and keeps its last result (not fresh) "
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
  inference_class->regions_need_sync =
      GST_DEBUG_FUNCPTR (gst_mnv3_classify_regions_need_sync);
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
