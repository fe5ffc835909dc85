/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-mnv3segment
 * @title: mnv3segment
 * @short_description: semantic segmentation of video frames
 *
 * Runs a segmentation model (by default the embedded MediaPipe Selfie
 * Segmentation, a MobileNetV3-Small encoder with an LR-ASPP-like head) on
 * each frame and attaches the class map as a #GstMnv3SegmentationMeta
 * (`gst/mnv3/gstmnv3segmentationmeta.h`).  Three kinds of models work:
 *
 *  - class-map outputs [1,H,W] (TFLite ARG_MAX, e.g. the shipped LR-ASPP
 *    road segmenter `lraspp_mobilenet_v3_small_roadseg_f.tflite`);
 *  - per-class logits [1,H,W,C] (ONNX exports of
 *    `models/export_torchvision.py --task segmentation`): argmax;
 *  - one-channel masks [1,H,W,1] (sigmoid, MediaPipe): class 1 where the
 *    probability reaches `threshold`; the probabilities are attached too.
 *
 * The class map stays at the model's output resolution and is placed in
 * the frame through the meta's region: the whole frame for
 * `resize-mode=stretch` and `letterbox` (the padding bars are cut off the
 * map), the centred crop for `center-crop`.
 *
 * Pre-processing comes from the model's metadata; the released models that
 * have none (the selfie and road models) get theirs from models/segment.c.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! mnv3segment ! mnv3overlay background=blur ! \
 *     videoconvert ! autovideosink
 * ]| Blurs everything but the person in front of the camera.
 * |[
 * gst-launch-1.0 filesrc location=drive.mp4 ! decodebin ! mnv3segment \
 *     model=lraspp_mobilenet_v3_small_roadseg_f.tflite ! mnv3overlay ! \
 *     videoconvert ! autovideosink
 * ]| Colours road, cars, pedestrians and traffic lights.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include "gstmnv3segment.h"
#include "gstmnv3segmentationmeta.h"
#include "segment.h"

GST_DEBUG_CATEGORY_STATIC (gst_mnv3_segment_debug);
#define GST_CAT_DEFAULT gst_mnv3_segment_debug

#define DEFAULT_THRESHOLD 0.5f

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_MODEL,
};

struct _GstMnv3Segment {
  GstMnv3Inference parent;

  /* properties (object lock) */
  gfloat threshold;

  /* streaming state (base class engine lock) */
  mnv3_labels labels;           /* the names attached to the metas */
  /* the last result, attached again on frames without inference */
  GBytes *last_map, *last_prob;
  gint last_w, last_h;
  GstVideoRectangle last_region;
  gint last_fw, last_fh;        /* the frame last_region is in */
  gchar *last_model;
};

G_DEFINE_TYPE (GstMnv3Segment, gst_mnv3_segment, GST_TYPE_MNV3_INFERENCE);
GST_ELEMENT_REGISTER_DEFINE (mnv3segment, "mnv3segment", GST_RANK_NONE,
    GST_TYPE_MNV3_SEGMENT);

/* The embedded selfie model: $MNV3_MODEL_DIR (tests, uninstalled use), the
 * installed copy, then the source tree. */
static gchar *
gst_mnv3_segment_default_model (void)
{
  const gchar *dir = g_getenv ("MNV3_MODEL_DIR");

  if (dir && *dir)
    return g_build_filename (dir, MNV3_SEGMENT_MODEL_NAME, NULL);
  if (g_file_test (MNV3_SEGMENT_MODEL_INSTALLED, G_FILE_TEST_IS_REGULAR))
    return g_strdup (MNV3_SEGMENT_MODEL_INSTALLED);
  return g_strdup (MNV3_SEGMENT_MODEL_SOURCE);
}

static void
gst_mnv3_segment_forget (GstMnv3Segment * self)
{
  g_clear_pointer (&self->last_map, g_bytes_unref);
  g_clear_pointer (&self->last_prob, g_bytes_unref);
  g_clear_pointer (&self->last_model, g_free);
}

static void
gst_mnv3_segment_reset (GstMnv3Inference * base)
{
  gst_mnv3_segment_forget (GST_MNV3_SEGMENT (base));
}

/* A model made for another task has outputs that can pass for a map (a
 * detector's [1, anchors, classes] scores read as a 91 x 3234 "class
 * map"): refuse it by its stated task, as mnv3detect does, and, for models
 * that state none, when it has a detector's [1, anchors, 4] box output. */
static gboolean
gst_mnv3_segment_check_task (const mnv3_model * model, gchar ** reason)
{
  const char *task = mnv3_model_metadata (model, "task");
  mnv3_tensor_info a, b;

  if (task && strcmp (task, "segmentation") != 0) {
    *reason = g_strdup_printf ("not a segmentation model: its metadata says "
        "task '%s'%s", task, strcmp (task, "detection") == 0 ?
        " (use mnv3detect)" : strcmp (task, "classification") == 0 ?
        " (use mnv3classify)" : "");
    return FALSE;
  }
  if (!task && mnv3_model_num_outputs (model) == 2
      && mnv3_model_output_info (model, 0, &a) == MNV3_OK
      && mnv3_model_output_info (model, 1, &b) == MNV3_OK
      && a.rank == 3 && b.rank == 3 && a.dims[1] == b.dims[1]
      && (a.dims[2] == 4 || b.dims[2] == 4)) {
    *reason = g_strdup ("not a segmentation model: its outputs are a "
        "detector's scores and boxes (use mnv3detect)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_mnv3_segment_check_model (GstMnv3Inference * base,
    const mnv3_model * model, gchar ** reason)
{
  GstMnv3Segment *self = GST_MNV3_SEGMENT (base);
  const mnv3_labels *labels = gst_mnv3_inference_get_labels (base);
  const mnv3_segment_known *known = mnv3_segment_known_model (model);
  mnv3_segment_layout layout;
  mnv3_tensor_info out;
  const char *why = NULL;
  int classes;

  if (!gst_mnv3_segment_check_task (model, reason))
    return FALSE;
  if (mnv3_model_output_info (model, 0, &out) != MNV3_OK) {
    *reason = g_strdup ("the model has no output");
    return FALSE;
  }
  if (mnv3_segment_layout_from_info (&out, &layout, &why) != 0) {
    *reason = g_strdup_printf ("output '%s' is not a segmentation: %s",
        out.name ? out.name : "0", why);
    return FALSE;
  }
  classes = mnv3_segment_num_classes (&layout);

  mnv3_labels_free (&self->labels);
  memset (&self->labels, 0, sizeof self->labels);
  if (labels->count > 0) {
    /* a copy: the base class may reload its labels */
    GString *text = g_string_new (NULL);
    int i;

    for (i = 0; i < labels->count; i++)
      g_string_append_printf (text, "%s%s", i ? "\n" : "",
          labels->names[i] ? labels->names[i] : "");
    mnv3_labels_parse (text->str, &self->labels);
    g_string_free (text, TRUE);
  } else if (known) {
    mnv3_labels_parse (known->labels, &self->labels);
  } else if (layout.kind == MNV3_SEGMENT_MASK) {
    mnv3_labels_parse ("background\nforeground", &self->labels);
  }
  if (classes > 0 && self->labels.count > 0 && self->labels.count != classes) {
    *reason = g_strdup_printf ("the labels list %d classes but the model "
        "outputs %d", self->labels.count, classes);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "%s output %dx%d, %d labels%s%s",
      layout.kind == MNV3_SEGMENT_MASK ? "mask" :
      layout.kind == MNV3_SEGMENT_LOGITS ? "logits" : "class-map",
      layout.width, layout.height, self->labels.count,
      known ? ", known model: " : "", known ? known->name : "");
  return TRUE;
}

/* The part of the output that shows the frame (letterbox bars cut off):
 * where the pre-processing placed the sampled frame in the model input,
 * scaled to the output's resolution. */
static void
gst_mnv3_segment_window (mnv3_session * session,
    const GstMnv3InferenceFrame * fr, const mnv3_segment_layout * l,
    int *x, int *y, int *w, int *h)
{
  mnv3_tensor_info in;
  int in_w, in_h, x1, y1;

  *x = *y = 0;
  *w = l->width;
  *h = l->height;
  if (mnv3_session_input_info (session, 0, &in) != MNV3_OK)
    return;
  in_h = (int) in.dims[1];
  in_w = (int) in.dims[2];
  *x = (int) ((gint64) fr->placed.x * l->width / in_w);
  *y = (int) ((gint64) fr->placed.y * l->height / in_h);
  x1 = (int) (((gint64) (fr->placed.x + fr->placed.w) * l->width + in_w - 1)
      / in_w);
  y1 = (int) (((gint64) (fr->placed.y + fr->placed.h) * l->height + in_h - 1)
      / in_h);
  *w = MAX (1, MIN (x1, l->width) - *x);
  *h = MAX (1, MIN (y1, l->height) - *y);
}

#if defined(HAVE_GST_ANALYTICS) && GST_CHECK_VERSION(1, 26, 0)
/* GStreamer >= 1.26: the class map as a GstAnalyticsSegmentationMtd (a
 * GRAY8 mask buffer sharing our map, region id i = class i) whose regions
 * are described, N_TO_N, by a GstAnalyticsClsMtd holding one entry per
 * class (the label, and the class's share of the map as its level). */
static void
gst_mnv3_segment_add_analytics (GstMnv3Segment * self, GstBuffer * buffer,
    GstMnv3SegmentationMeta * meta)
{
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsSegmentationMtd seg;
  GstAnalyticsClsMtd cls;
  GstBuffer *mask;
  GstVideoRectangle r;
  guint n = MIN ((guint) self->labels.count, 256), ids[256];
  GQuark quarks[256];
  gfloat levels[256];
  gdouble fractions[256];
  guint i;

  if (n == 0 || !self->last_map)
    return;
  rmeta = gst_buffer_get_analytics_relation_meta (buffer);
  if (!rmeta)
    rmeta = gst_buffer_add_analytics_relation_meta (buffer);
  if (!rmeta)
    return;
  mask = gst_buffer_new_wrapped_bytes (self->last_map);
  gst_buffer_add_video_meta (mask, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_FORMAT_GRAY8, self->last_w, self->last_h);
  gst_mnv3_segmentation_meta_get_region (meta, meta->frame_width,
      meta->frame_height, &r);
  gst_mnv3_segmentation_meta_class_fractions (meta, fractions, n);
  for (i = 0; i < n; i++) {
    gchar name[32];
    ids[i] = i;
    levels[i] = (gfloat) fractions[i];
    if (self->labels.names[i]) {
      quarks[i] = g_quark_from_string (self->labels.names[i]);
    } else {
      g_snprintf (name, sizeof name, "class %u", i);
      quarks[i] = g_quark_from_string (name);
    }
  }
  /* the mask buffer is taken over by the relation meta */
  if (!gst_analytics_relation_meta_add_segmentation_mtd (rmeta, mask,
          GST_SEGMENTATION_TYPE_SEMANTIC, n, ids, r.x, r.y, (guint) r.w,
          (guint) r.h, &seg))
    return;
  if (gst_analytics_relation_meta_add_cls_mtd (rmeta, n, levels, quarks,
          &cls))
    gst_analytics_relation_meta_set_relation (rmeta,
        GST_ANALYTICS_REL_TYPE_N_TO_N, seg.id, cls.id);
}
#endif

static void
gst_mnv3_segment_attach (GstMnv3Segment * self, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3SegmentationMeta *meta;

  meta = gst_buffer_add_mnv3_segmentation_meta (buffer, self->last_model,
      self->last_w, self->last_h, self->last_map, self->last_prob,
      (guint) self->labels.count, (const gchar * const *) self->labels.names,
      &self->last_region, self->last_fw, self->last_fh, fr->fresh);
  if (meta) {
    meta->latency_ms = fr->latency_ms;
    meta->fps = fr->fps;
    meta->source_pts = fr->source_pts;
    meta->age = fr->age;
#if defined(HAVE_GST_ANALYTICS) && GST_CHECK_VERSION(1, 26, 0)
    gst_mnv3_segment_add_analytics (self, buffer, meta);
#endif
  }
}

static void
gst_mnv3_segment_post (GstMnv3Segment * self, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3SegmentationMeta *meta = gst_buffer_get_mnv3_segmentation_meta
      (buffer);
  GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
  gdouble fr_[256];
  guint n, k;
  GstStructure *s;

  if (!meta)
    return;
  n = gst_mnv3_segmentation_meta_class_fractions (meta, fr_, 256);
  n = MAX (n, (guint) self->labels.count);
  g_value_init (&arr, GST_TYPE_ARRAY);
  for (k = 0; k < n && k < 256; k++) {
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, fr_[k]);
    gst_value_array_append_and_take_value (&arr, &v);
  }
  s = gst_structure_new ("mnv3-segmentation",
      "model", G_TYPE_STRING, self->last_model,
      "running-time", G_TYPE_UINT64, (guint64) fr->running_time,
      "latency", G_TYPE_DOUBLE, fr->latency_ms, NULL);
  gst_structure_take_value (s, "class-fractions", &arr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static GstFlowReturn
gst_mnv3_segment_process_output (GstMnv3Inference * base, GstBuffer * buffer,
    mnv3_session * session, const GstMnv3InferenceFrame * fr)
{
  GstMnv3Segment *self = GST_MNV3_SEGMENT (base);
  mnv3_tensor_info info;
  const float *out = mnv3_session_output (session, 0, &info);
  mnv3_segment_layout layout;
  const char *why = NULL;
  int x, y, w, h;
  guint8 *map;
  gfloat *prob = NULL;
  gfloat threshold;

  if (!out || mnv3_segment_layout_from_info (&info, &layout, &why) != 0) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The model gave no usable "
            "segmentation output: %s", why ? why : "no output"), (NULL));
    return GST_FLOW_ERROR;
  }
  GST_OBJECT_LOCK (self);
  threshold = self->threshold;
  GST_OBJECT_UNLOCK (self);

  gst_mnv3_segment_window (session, fr, &layout, &x, &y, &w, &h);
  map = g_malloc ((gsize) w * h);
  if (layout.kind == MNV3_SEGMENT_MASK)
    prob = g_malloc ((gsize) w * h * sizeof (gfloat));
  mnv3_segment_class_map (&layout, out, x, y, w, h, threshold, map, prob);

  gst_mnv3_segment_forget (self);
  self->last_map = g_bytes_new_take (map, (gsize) w * h);
  if (prob)
    self->last_prob = g_bytes_new_take (prob, (gsize) w * h * sizeof (gfloat));
  self->last_w = w;
  self->last_h = h;
  self->last_region = fr->sampled;
  self->last_fw = fr->width;
  self->last_fh = fr->height;
  self->last_model = g_strdup (fr->model_name);

  gst_mnv3_segment_attach (self, buffer, fr);
  if (gst_mnv3_inference_get_post_messages (base))
    gst_mnv3_segment_post (self, buffer, fr);
  return GST_FLOW_OK;
}

static void
gst_mnv3_segment_carry_forward (GstMnv3Inference * base, GstBuffer * buffer,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3Segment *self = GST_MNV3_SEGMENT (base);

  /* the meta keeps the size of the frame the result was computed on, so
   * readers scale the region after a caps change */
  if (self->last_map)
    gst_mnv3_segment_attach (self, buffer, fr);
}

static void
gst_mnv3_segment_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Segment *self = GST_MNV3_SEGMENT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      self->threshold = g_value_get_float (value);
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
gst_mnv3_segment_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Segment *self = GST_MNV3_SEGMENT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_float (value, self->threshold);
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
gst_mnv3_segment_finalize (GObject * object)
{
  GstMnv3Segment *self = GST_MNV3_SEGMENT (object);

  gst_mnv3_segment_forget (self);
  mnv3_labels_free (&self->labels);
  G_OBJECT_CLASS (gst_mnv3_segment_parent_class)->finalize (object);
}

static void
gst_mnv3_segment_class_init (GstMnv3SegmentClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstMnv3InferenceClass *inference_class = GST_MNV3_INFERENCE_CLASS (klass);
  gchar *model;

  GST_DEBUG_CATEGORY_INIT (gst_mnv3_segment_debug, "mnv3segment", 0,
      "mnv3 semantic segmentation");

  gobject_class->set_property = gst_mnv3_segment_set_property;
  gobject_class->get_property = gst_mnv3_segment_get_property;
  gobject_class->finalize = gst_mnv3_segment_finalize;

  /* gst-inspect shows the selfie model, the file really used */
  model = gst_mnv3_segment_default_model ();
  gst_mnv3_inference_class_install_model (gobject_class, PROP_MODEL, model,
      "Segmentation model (.tflite or .onnx) to run (default: the embedded "
      "MediaPipe selfie model)");
  g_free (model);
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_float ("threshold", "Threshold",
          "One-channel (sigmoid) models: lowest probability marked as the "
          "object (class 1)", 0.0f, 1.0f, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "MobileNetV3 semantic segmentation", "Filter/Analyzer/Video",
      "Segments video frames with an LR-ASPP / MobileNetV3 model and "
      "attaches the class map as metadata", "mnv3 authors");

  inference_class->check_model =
      GST_DEBUG_FUNCPTR (gst_mnv3_segment_check_model);
  inference_class->process_output =
      GST_DEBUG_FUNCPTR (gst_mnv3_segment_process_output);
  inference_class->carry_forward =
      GST_DEBUG_FUNCPTR (gst_mnv3_segment_carry_forward);
  inference_class->reset = GST_DEBUG_FUNCPTR (gst_mnv3_segment_reset);
}

static void
gst_mnv3_segment_init (GstMnv3Segment * self)
{
  gchar *model = gst_mnv3_segment_default_model ();

  self->threshold = DEFAULT_THRESHOLD;
  /* the base class defaults to the classifier: ours is the selfie model */
  g_object_set (self, "model", model, NULL);
  g_free (model);
}
