/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-mnv3detect
 * @title: mnv3detect
 * @short_description: detect objects in video frames with an SSDLite /
 *   MobileNetV3 model
 *
 * Runs an SSDLite detector with a MobileNetV3 backbone (an ONNX export of
 * `models/export_torchvision.py --task detection`, e.g. torchvision's
 * ssdlite320_mobilenet_v3_large with its COCO weights) on each frame and
 * attaches what it finds:
 *
 *  - a #GstMnv3DetectionMeta (`gst/mnv3/gstmnv3detectionmeta.h`) with every
 *    box in frame pixels, its class id, label and score;
 *  - one `GstVideoRegionOfInterestMeta` per box (roi type = the label) with
 *    a `detection` parameter in DL Streamer's field names: `x_min`,
 *    `y_min`, `x_max`, `y_max` (normalised 0..1), `confidence`, `label_id`,
 *    `label`;
 *  - when built against GStreamer 1.24 or later, one `GstAnalyticsODMtd`
 *    per box in the buffer's `GstAnalyticsRelationMeta`.
 *
 * There is no default model (no COCO weights ship with mnv3): the `model`
 * property must be set, or the element fails to start with an error saying
 * so.  A model made for another task (a classifier) is refused with an
 * error.  Anchors, decoding, class-wise NMS and the mapping back to frame
 * pixels for every `resize-mode` are done by models/detect.c.
 *
 * `threshold`, `iou-threshold`, `max-detections` and `object-class` can be
 * changed while playing; the next inferred frame uses them.  Frames where
 * inference is skipped (`inference-interval`, QoS) get the last boxes
 * again, marked not fresh.
 *
 * With `post-messages`, every fresh result is posted as an element message
 * named `mnv3-detection` with `model` (string), `running-time` (guint64),
 * `latency` (double, ms), `class-ids` (array of int), `labels` (array of
 * string), `scores` (array of float) and `boxes` (array of arrays x, y, w,
 * h in frame pixels).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! mnv3detect model=ssdlite320.onnx threshold=0.4 \
 *     object-class=person,dog ! mnv3overlay ! videoconvert ! autovideosink
 * ]| Draws people and dogs found in a camera feed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3detect.h"
#include "gstmnv3detectionmeta.h"
#include "detect.h"

GST_DEBUG_CATEGORY_STATIC (gst_mnv3_detect_debug);
#define GST_CAT_DEFAULT gst_mnv3_detect_debug

#define DEFAULT_THRESHOLD 0.5f
#define DEFAULT_IOU_THRESHOLD 0.55f
#define DEFAULT_MAX_DETECTIONS 100
#define MAX_DETECTIONS 1000
/* candidates per class before NMS, as torchvision's SSD */
#define TOPK_PER_CLASS 300

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_IOU_THRESHOLD,
  PROP_MAX_DETECTIONS,
  PROP_OBJECT_CLASS,
  PROP_MODEL,
};

typedef struct _GstMnv3DetectResult GstMnv3DetectResult;

struct _GstMnv3Detect {
  GstMnv3Inference parent;

  /* properties (object lock) */
  gfloat threshold;
  gfloat iou_threshold;
  guint max_detections;
  gchar *object_class;
  gchar **allowed;              /* object_class split; NULL: every class */
  gint model_set;               /* atomic: the model property was set */

  /* decoding state: used by the decoding alone, which runs on the
   * streaming thread (sync mode) or on the worker (async mode), never
   * both at once: set up by check_model while the worker is idle */
  mnv3_det_config cfg;          /* from the model, at its own input size */
  gint cls_out, reg_out;        /* output indices */
  mnv3_detector *detector;      /* for the session's input size */
  gint det_h, det_w;
  mnv3_detection *scratch;
  guint scratch_cap;
  gfloat *class_thr;            /* per-class thresholds, num_classes */

  /* streaming state (base class engine lock): the last result, attached
   * again on frames without inference; NULL: none */
  GstMnv3DetectResult *last;
};

/* One decoded result: what every frame that carries it gets attached,
 * made once (on the worker in async mode) so that attaching it again is
 * only copies. */
struct _GstMnv3DetectResult {
  gchar *model;
  gint fw, fh;                  /* frame size the boxes are in */
  guint n;
  GstMnv3Detection *dets;       /* labels owned */
  GQuark *roi_types;            /* the ROI meta's type, per box */
  GstStructure **params;        /* the ROI meta's "detection" for fw x fh */
  gint n_decoded;               /* before the class filter (log) */
};

G_DEFINE_TYPE (GstMnv3Detect, gst_mnv3_detect, GST_TYPE_MNV3_INFERENCE);
GST_ELEMENT_REGISTER_DEFINE (mnv3detect, "mnv3detect", GST_RANK_NONE,
    GST_TYPE_MNV3_DETECT);

static void
gst_mnv3_detect_result_free (GstMnv3DetectResult * r)
{
  guint i;

  if (!r)
    return;
  for (i = 0; i < r->n; i++) {
    g_free (r->dets[i].label);
    if (r->params[i])
      gst_structure_free (r->params[i]);
  }
  g_free (r->dets);
  g_free (r->roi_types);
  g_free (r->params);
  g_free (r->model);
  g_free (r);
}

static void
gst_mnv3_detect_forget (GstMnv3Detect * self)
{
  g_clear_pointer (&self->last, gst_mnv3_detect_result_free);
}

static void
gst_mnv3_detect_reset (GstMnv3Inference * base)
{
  gst_mnv3_detect_forget (GST_MNV3_DETECT (base));
}

/* Index of the output named @name, else of the one whose last dimension is
 * @last (and not the other output), else -1. */
static gint
gst_mnv3_detect_find_output (const mnv3_model * model, const gchar * name,
    gint64 last, gint other)
{
  mnv3_tensor_info info;
  int i, n = mnv3_model_num_outputs (model);

  for (i = 0; i < n; i++)
    if (mnv3_model_output_info (model, i, &info) == MNV3_OK && info.name
        && strcmp (info.name, name) == 0)
      return i;
  for (i = 0; i < n; i++)
    if (i != other && mnv3_model_output_info (model, i, &info) == MNV3_OK
        && info.rank >= 2 && info.dims[info.rank - 1] == last)
      return i;
  return -1;
}

static gboolean
gst_mnv3_detect_check_model (GstMnv3Inference * base,
    const mnv3_model * model, gchar ** reason)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (base);
  mnv3_det_config cfg;

  if (mnv3_det_config_from_model (model, &cfg) != MNV3_OK) {
    *reason = g_strdup_printf ("mnv3detect needs an SSDLite detection "
        "model: %s", mnv3_last_error ());
    return FALSE;
  }
  if (mnv3_model_num_outputs (model) != 2) {
    *reason = g_strdup_printf ("a detection model has 2 outputs "
        "(cls_logits, bbox_regression), this one %d",
        mnv3_model_num_outputs (model));
    return FALSE;
  }
  self->cls_out = gst_mnv3_detect_find_output (model, "cls_logits",
      cfg.num_classes, -1);
  self->reg_out = gst_mnv3_detect_find_output (model, "bbox_regression", 4,
      self->cls_out);
  if (self->cls_out < 0 || self->reg_out < 0
      || self->cls_out == self->reg_out) {
    *reason = g_strdup_printf ("cannot tell the class scores [A,%d] from "
        "the box regressions [A,4] among the outputs", cfg.num_classes);
    return FALSE;
  }
  self->cfg = cfg;
  /* the session (and so the input size) may change with the model */
  g_clear_pointer (&self->detector, mnv3_detector_free);
  GST_INFO_OBJECT (self, "detection model: %d classes, %d maps, input %dx%d",
      cfg.num_classes, cfg.num_maps, cfg.input_w, cfg.input_h);
  return TRUE;
}

/* The model property has no default for detection: see start(). */
static void
gst_mnv3_detect_model_notify (GObject * object, GParamSpec * pspec,
    gpointer user_data)
{
  (void) pspec;
  (void) user_data;
  g_atomic_int_set (&GST_MNV3_DETECT (object)->model_set, 1);
}

static gboolean
gst_mnv3_detect_start (GstBaseTransform * trans)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (trans);

  if (!g_atomic_int_get (&self->model_set)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mnv3detect has no default model: set the \"model\" property to an "
            "SSDLite ONNX file (models/export_torchvision.py --task "
            "detection)"), (NULL));
    return FALSE;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_mnv3_detect_parent_class)->start
      (trans);
}

/* COCO's 91 ids have "N/A" placeholders for the classes that were never
 * annotated: a score there is noise, not an object.  Those classes get a
 * threshold above 1 (never reported, never taking a max-detections
 * place); NULL when the labels have none. */
static const float *
gst_mnv3_detect_class_thresholds (GstMnv3Detect * self,
    const mnv3_labels * labels, gfloat threshold)
{
  gint c, n = self->cfg.num_classes;
  gboolean any = FALSE;

  if (labels->count <= 0 || n <= 0)
    return NULL;
  self->class_thr = g_renew (gfloat, self->class_thr, n);
  for (c = 0; c < n; c++) {
    char buf[32];
    const char *name = mnv3_labels_name (labels, c, n, buf, sizeof buf);
    gboolean na = name && strcmp (name, "N/A") == 0;

    self->class_thr[c] = na ? 2.0f : threshold;
    any |= na;
  }
  return any ? self->class_thr : NULL;
}

/* A detector for the session's input size (maps shrink with it). */
static gboolean
gst_mnv3_detect_prepare (GstMnv3Detect * self, gint in_h, gint in_w)
{
  mnv3_det_config cfg = self->cfg;

  if (self->detector && self->det_h == in_h && self->det_w == in_w)
    return TRUE;
  g_clear_pointer (&self->detector, mnv3_detector_free);
  if ((in_h != cfg.input_h || in_w != cfg.input_w)
      && mnv3_det_config_resize (&cfg, in_h, in_w) != MNV3_OK)
    return FALSE;
  if (mnv3_detector_create (&cfg, &self->detector) != MNV3_OK)
    return FALSE;
  self->det_h = in_h;
  self->det_w = in_w;
  return TRUE;
}

static gboolean
gst_mnv3_detect_allowed (gchar ** allowed, const gchar * label)
{
  if (!allowed || !allowed[0])
    return TRUE;
  return label && g_strv_contains ((const gchar * const *) allowed, label);
}

#ifdef HAVE_GST_ANALYTICS
static void
gst_mnv3_detect_add_analytics (GstBuffer * buffer, gint x, gint y, gint w,
    gint h, const GstMnv3Detection * d)
{
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsODMtd mtd;
  GQuark q;

  rmeta = gst_buffer_get_analytics_relation_meta (buffer);
  if (!rmeta)
    rmeta = gst_buffer_add_analytics_relation_meta (buffer);
  if (!rmeta)
    return;
  if (d->label) {
    q = g_quark_from_string (d->label);
  } else {
    gchar name[32];
    g_snprintf (name, sizeof name, "class %d", d->class_id);
    q = g_quark_from_string (name);
  }
  gst_analytics_relation_meta_add_od_mtd (rmeta, q, x, y, w, h, d->score,
      &mtd);
}
#endif

/* An id no region-of-interest meta of buffer has yet (GStreamer leaves ids
 * to the producer; gst_buffer_get_video_region_of_interest_meta_id() finds
 * them). */
static gint
gst_mnv3_detect_next_roi_id (GstBuffer * buffer)
{
  gpointer state = NULL;
  GstMeta *meta;
  gint next = 1;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    next = MAX (next, ((GstVideoRegionOfInterestMeta *) meta)->id + 1);
  return next;
}

/* The name a box goes by without labels (the ROI type, the JSON label). */
static GQuark
gst_mnv3_detect_roi_type (const GstMnv3Detection * d)
{
  gchar name[32];

  if (d->label)
    return g_quark_from_string (d->label);
  g_snprintf (name, sizeof name, "class %d", d->class_id);
  return g_quark_from_string (name);
}

/* DL Streamer's "detection" parameter of box @d in a fw x fh frame. */
static GstStructure *
gst_mnv3_detect_roi_param (const GstMnv3Detection * d, GQuark type, gint fw,
    gint fh)
{
  return gst_structure_new ("detection",
      "x_min", G_TYPE_DOUBLE, (gdouble) d->x / fw,
      "y_min", G_TYPE_DOUBLE, (gdouble) d->y / fh,
      "x_max", G_TYPE_DOUBLE, (gdouble) (d->x + d->w) / fw,
      "y_max", G_TYPE_DOUBLE, (gdouble) (d->y + d->h) / fh,
      "confidence", G_TYPE_DOUBLE, (gdouble) d->score,
      "label_id", G_TYPE_INT, d->class_id,
      "label", G_TYPE_STRING, g_quark_to_string (type), NULL);
}

/* The region-of-interest meta of one box (id @id), with DL Streamer's
 * "detection" parameter: a copy of @param when the result has it for
 * this frame size, else made here; returns the id, 0 when none was
 * added. */
static gint
gst_mnv3_detect_add_roi (GstBuffer * buffer, const GstMnv3Detection * d,
    gint fw, gint fh, GQuark type, const GstStructure * param, gint id)
{
  GstVideoRegionOfInterestMeta *roi;
  gint x0 = (gint) lroundf (d->x), y0 = (gint) lroundf (d->y);
  gint x1 = (gint) lroundf (d->x + d->w), y1 = (gint) lroundf (d->y + d->h);

  x0 = CLAMP (x0, 0, fw);
  y0 = CLAMP (y0, 0, fh);
  x1 = CLAMP (x1, x0, fw);
  y1 = CLAMP (y1, y0, fh);
  roi = gst_buffer_add_video_region_of_interest_meta_id (buffer, type,
      (guint) x0, (guint) y0, (guint) (x1 - x0), (guint) (y1 - y0));
  if (!roi)
    return 0;
  roi->id = id;
  gst_video_region_of_interest_meta_add_param (roi, param ?
      gst_structure_copy (param) : gst_mnv3_detect_roi_param (d, type, fw,
          fh));
#ifdef HAVE_GST_ANALYTICS
  gst_mnv3_detect_add_analytics (buffer, x0, y0, x1 - x0, y1 - y0, d);
#endif
  return roi->id;
}

/* Attach the remembered boxes to buffer (scaled when the frame size changed
 * since they were found). */
static void
gst_mnv3_detect_attach (GstMnv3Detect * self, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  const GstMnv3DetectResult *r = self->last;
  GstMnv3DetectionMeta *meta;
  gboolean same_size = r->fw == fr->width && r->fh == fr->height;
  guint i, n = r->n;
  gint next;

  meta = gst_buffer_add_mnv3_detection_meta (buffer, r->model, n, r->dets,
      fr->fresh, r->fw, r->fh);
  if (!meta)
    return;
  meta->latency_ms = fr->latency_ms;
  meta->fps = fr->fps;
  meta->source_pts = fr->source_pts;
  meta->age = fr->age;
  if (!same_size)
    for (i = 0; i < n; i++) {
      GstMnv3Detection *d = &meta->detections[i];

      gst_mnv3_detection_meta_get_box (meta, i, fr->width, fr->height, &d->x,
          &d->y, &d->w, &d->h);
    }
  meta->frame_width = fr->width;
  meta->frame_height = fr->height;
  /* ids after those of the metas already there, counted once */
  next = gst_mnv3_detect_next_roi_id (buffer);
  for (i = 0; i < n; i++) {
    gint id = gst_mnv3_detect_add_roi (buffer, &meta->detections[i],
        fr->width, fr->height, r->roi_types[i],
        same_size ? r->params[i] : NULL, next);

    meta->detections[i].roi_id = id;
    if (id)
      next = id + 1;
  }
}

static void
gst_mnv3_detect_post (GstMnv3Detect * self, const GstMnv3InferenceFrame * fr)
{
  GValue ids = G_VALUE_INIT, labels = G_VALUE_INIT, scores = G_VALUE_INIT;
  GValue boxes = G_VALUE_INIT, box = G_VALUE_INIT, v = G_VALUE_INIT;
  const GstMnv3DetectResult *r = self->last;
  GstStructure *s;
  guint i, k;

  g_value_init (&ids, GST_TYPE_ARRAY);
  g_value_init (&labels, GST_TYPE_ARRAY);
  g_value_init (&scores, GST_TYPE_ARRAY);
  g_value_init (&boxes, GST_TYPE_ARRAY);
  for (i = 0; i < r->n; i++) {
    const GstMnv3Detection *d = &r->dets[i];
    const gfloat xywh[4] = { d->x, d->y, d->w, d->h };

    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, d->class_id);
    gst_value_array_append_and_take_value (&ids, &v);
    g_value_init (&v, G_TYPE_STRING);
    /* without labels, the name the region-of-interest meta carries */
    g_value_set_string (&v, g_quark_to_string (r->roi_types[i]));
    gst_value_array_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_FLOAT);
    g_value_set_float (&v, d->score);
    gst_value_array_append_and_take_value (&scores, &v);
    g_value_init (&box, GST_TYPE_ARRAY);
    for (k = 0; k < 4; k++) {
      g_value_init (&v, G_TYPE_FLOAT);
      g_value_set_float (&v, xywh[k]);
      gst_value_array_append_and_take_value (&box, &v);
    }
    gst_value_array_append_and_take_value (&boxes, &box);
  }
  s = gst_structure_new ("mnv3-detection",
      "model", G_TYPE_STRING, r->model,
      "running-time", G_TYPE_UINT64, (guint64) fr->running_time,
      "latency", G_TYPE_DOUBLE, fr->latency_ms, NULL);
  gst_structure_take_value (s, "class-ids", &ids);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &scores);
  gst_structure_take_value (s, "boxes", &boxes);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* The session outputs decoded into boxes in frame pixels, with what
 * attaching them needs.  Streaming thread in sync mode, worker in async
 * mode (see the struct): touches the decoding state and properties only.
 * NULL and *error set on failure. */
static GstMnv3DetectResult *
gst_mnv3_detect_decode (GstMnv3Detect * self, mnv3_session * session,
    const GstMnv3InferenceFrame * fr, gchar ** error)
{
  const mnv3_labels *labels =
      gst_mnv3_inference_get_labels (GST_MNV3_INFERENCE (self));
  mnv3_det_params p = mnv3_det_params_default ();
  mnv3_tensor_info in, ci, ri;
  GstMnv3DetectResult *r;
  const float *cls, *reg;
  mnv3_rect src, dst;
  gchar **allowed;
  guint max_det;
  gint n, i, anchors;

  GST_OBJECT_LOCK (self);
  p.score_threshold = self->threshold;
  p.iou_threshold = self->iou_threshold;
  max_det = self->max_detections;
  allowed = g_strdupv (self->allowed);
  GST_OBJECT_UNLOCK (self);
  p.topk_per_class = TOPK_PER_CLASS;
  p.max_detections = (int) max_det;

  if (mnv3_session_input_info (session, 0, &in) != MNV3_OK
      || !gst_mnv3_detect_prepare (self, (gint) in.dims[1],
          (gint) in.dims[2])) {
    *error = g_strdup_printf ("Cannot prepare the detection "
        "post-processing: %s", mnv3_last_error ());
    g_strfreev (allowed);
    return NULL;
  }
  cls = mnv3_session_output (session, self->cls_out, &ci);
  reg = mnv3_session_output (session, self->reg_out, &ri);
  anchors = mnv3_detector_num_anchors (self->detector);
  if (!cls || !reg || ci.rank < 2 || ri.rank < 2
      || ci.dims[ci.rank - 2] != anchors || ri.dims[ri.rank - 2] != anchors) {
    *error = g_strdup_printf ("The model's outputs do not match its %d "
        "anchors at %dx%d", anchors, self->det_w, self->det_h);
    g_strfreev (allowed);
    return NULL;
  }
  p.class_thresholds = gst_mnv3_detect_class_thresholds (self, labels,
      p.score_threshold);
  if (self->scratch_cap < max_det) {
    g_free (self->scratch);
    self->scratch = g_new (mnv3_detection, max_det);
    self->scratch_cap = max_det;
  }
  n = mnv3_detector_run (self->detector, cls, reg, &p, self->scratch,
      (int) max_det);
  if (n < 0) {
    *error = g_strdup_printf ("Detection failed: %s", mnv3_last_error ());
    g_strfreev (allowed);
    return NULL;
  }

  /* boxes back to frame pixels, for the rects the pre-processing used */
  src = (mnv3_rect) { fr->sampled.x, fr->sampled.y, fr->sampled.w,
    fr->sampled.h };
  dst = (mnv3_rect) { fr->placed.x, fr->placed.y, fr->placed.w,
    fr->placed.h };
  mnv3_det_map_to_frame (self->scratch, n, &src, &dst);

  r = g_new0 (GstMnv3DetectResult, 1);
  r->model = g_strdup (fr->model_name);
  r->fw = fr->width;
  r->fh = fr->height;
  r->n_decoded = n;
  r->dets = g_new0 (GstMnv3Detection, MAX (n, 1));
  r->roi_types = g_new0 (GQuark, MAX (n, 1));
  r->params = g_new0 (GstStructure *, MAX (n, 1));
  for (i = 0; i < n; i++) {
    const mnv3_detection *md = &self->scratch[i];
    GstMnv3Detection *d = &r->dets[r->n];
    char buf[32];
    const char *name = labels->count > 0 ? mnv3_labels_name (labels,
        md->label, self->cfg.num_classes, buf, sizeof buf) : NULL;

    if (!(md->x1 > md->x0 && md->y1 > md->y0))
      continue;                 /* nothing left of it in the frame */
    if (!gst_mnv3_detect_allowed (allowed, name))
      continue;
    d->x = md->x0;
    d->y = md->y0;
    d->w = md->x1 - md->x0;
    d->h = md->y1 - md->y0;
    d->class_id = md->label;
    d->label = g_strdup (name);
    d->score = md->score;
    r->roi_types[r->n] = gst_mnv3_detect_roi_type (d);
    r->params[r->n] = gst_mnv3_detect_roi_param (d, r->roi_types[r->n],
        r->fw, r->fh);
    r->n++;
  }
  g_strfreev (allowed);
  return r;
}

/* A new result replaces the last one: attached to @buffer (and posted). */
static void
gst_mnv3_detect_take_result (GstMnv3Detect * self, GstBuffer * buffer,
    GstMnv3DetectResult * r, const GstMnv3InferenceFrame * fr)
{
  gst_mnv3_detect_forget (self);
  self->last = r;
  GST_LOG_OBJECT (self, "%u boxes (%d before the class filter)", r->n,
      r->n_decoded);
  gst_mnv3_detect_attach (self, buffer, fr);
  if (gst_mnv3_inference_get_post_messages (GST_MNV3_INFERENCE (self)))
    gst_mnv3_detect_post (self, fr);
}

/* sync mode (and async without a worker result): decode here */
static GstFlowReturn
gst_mnv3_detect_process_output (GstMnv3Inference * base, GstBuffer * buffer,
    mnv3_session * session, const GstMnv3InferenceFrame * fr)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (base);
  GstMnv3DetectResult *r;
  gchar *error = NULL;

  r = gst_mnv3_detect_decode (self, session, fr, &error);
  if (!r) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("%s", error), (NULL));
    g_free (error);
    return GST_FLOW_ERROR;
  }
  gst_mnv3_detect_take_result (self, buffer, r, fr);
  return GST_FLOW_OK;
}

/* async mode, on the worker right after the network */
static gpointer
gst_mnv3_detect_postprocess (GstMnv3Inference * base, mnv3_session * session,
    const GstMnv3InferenceFrame * fr, GDestroyNotify * result_free,
    gchar ** error)
{
  *result_free = (GDestroyNotify) gst_mnv3_detect_result_free;
  return gst_mnv3_detect_decode (GST_MNV3_DETECT (base), session, fr, error);
}

/* async mode, streaming thread: what the worker decoded */
static GstFlowReturn
gst_mnv3_detect_attach_result (GstMnv3Inference * base, GstBuffer * buffer,
    gpointer result, const GstMnv3InferenceFrame * fr)
{
  gst_mnv3_detect_take_result (GST_MNV3_DETECT (base), buffer, result, fr);
  return GST_FLOW_OK;
}

static void
gst_mnv3_detect_carry_forward (GstMnv3Inference * base, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (base);

  if (self->last)
    gst_mnv3_detect_attach (self, buffer, fr);
}

static void
gst_mnv3_detect_set_object_class (GstMnv3Detect * self, const gchar * text)
{
  g_free (self->object_class);
  self->object_class = g_strdup (text);
  g_strfreev (self->allowed);
  self->allowed = gst_mnv3_parse_name_list (text);
}

static void
gst_mnv3_detect_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      self->threshold = g_value_get_float (value);
      break;
    case PROP_IOU_THRESHOLD:
      self->iou_threshold = g_value_get_float (value);
      break;
    case PROP_MAX_DETECTIONS:
      self->max_detections = g_value_get_uint (value);
      break;
    case PROP_OBJECT_CLASS:
      gst_mnv3_detect_set_object_class (self, g_value_get_string (value));
      break;
    case PROP_MODEL:
      GST_OBJECT_UNLOCK (self);
      gst_mnv3_inference_set_model (GST_MNV3_INFERENCE (self), value);
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_detect_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_float (value, self->threshold);
      break;
    case PROP_IOU_THRESHOLD:
      g_value_set_float (value, self->iou_threshold);
      break;
    case PROP_MAX_DETECTIONS:
      g_value_set_uint (value, self->max_detections);
      break;
    case PROP_OBJECT_CLASS:
      g_value_set_string (value, self->object_class);
      break;
    case PROP_MODEL:
      GST_OBJECT_UNLOCK (self);
      gst_mnv3_inference_get_model (GST_MNV3_INFERENCE (self), value);
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_detect_finalize (GObject * object)
{
  GstMnv3Detect *self = GST_MNV3_DETECT (object);

  gst_mnv3_detect_forget (self);
  g_clear_pointer (&self->detector, mnv3_detector_free);
  g_free (self->scratch);
  g_free (self->class_thr);
  g_free (self->object_class);
  g_strfreev (self->allowed);
  G_OBJECT_CLASS (gst_mnv3_detect_parent_class)->finalize (object);
}

static void
gst_mnv3_detect_class_init (GstMnv3DetectClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstMnv3InferenceClass *inference_class = GST_MNV3_INFERENCE_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_mnv3_detect_debug, "mnv3detect", 0,
      "mnv3 object detection");

  gobject_class->set_property = gst_mnv3_detect_set_property;
  gobject_class->get_property = gst_mnv3_detect_get_property;
  gobject_class->finalize = gst_mnv3_detect_finalize;

  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_float ("threshold", "Threshold",
          "Lowest class probability of a reported box", 0.0f, 1.0f,
          DEFAULT_THRESHOLD, rw));
  g_object_class_install_property (gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_float ("iou-threshold", "IoU threshold",
          "Non-maximum suppression: a box overlapping a better box of the "
          "same class by more than this intersection-over-union is dropped",
          0.0f, 1.0f, DEFAULT_IOU_THRESHOLD, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_DETECTIONS,
      g_param_spec_uint ("max-detections", "Maximum detections",
          "Most boxes reported per frame (best first, before the "
          "object-class filter)", 1, MAX_DETECTIONS, DEFAULT_MAX_DETECTIONS,
          rw));
  /* no default: gst-inspect says so instead of naming the classifier */
  gst_mnv3_inference_class_install_model (gobject_class, PROP_MODEL, NULL,
      "SSDLite detection model (.onnx, models/export_torchvision.py --task "
      "detection) to run; required, mnv3detect has no default model");
  g_object_class_install_property (gobject_class, PROP_OBJECT_CLASS,
      g_param_spec_string ("object-class", "Object classes",
          "Comma-separated labels to report (e.g. \"person,car\"); empty: "
          "every class", NULL, rw));

  gst_element_class_set_static_metadata (element_class,
      "MobileNetV3 SSDLite object detector", "Filter/Analyzer/Video",
      "Detects objects in video frames with an SSDLite / MobileNetV3 model "
      "and attaches the boxes as metadata", "mnv3 authors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_mnv3_detect_start);
  inference_class->check_model =
      GST_DEBUG_FUNCPTR (gst_mnv3_detect_check_model);
  inference_class->process_output =
      GST_DEBUG_FUNCPTR (gst_mnv3_detect_process_output);
  inference_class->carry_forward =
      GST_DEBUG_FUNCPTR (gst_mnv3_detect_carry_forward);
  inference_class->reset = GST_DEBUG_FUNCPTR (gst_mnv3_detect_reset);
  inference_class->postprocess =
      GST_DEBUG_FUNCPTR (gst_mnv3_detect_postprocess);
  inference_class->attach_result =
      GST_DEBUG_FUNCPTR (gst_mnv3_detect_attach_result);
}

static void
gst_mnv3_detect_init (GstMnv3Detect * self)
{
  self->threshold = DEFAULT_THRESHOLD;
  self->iou_threshold = DEFAULT_IOU_THRESHOLD;
  self->max_detections = DEFAULT_MAX_DETECTIONS;
  g_signal_connect (self, "notify::model",
      G_CALLBACK (gst_mnv3_detect_model_notify), NULL);
}
