/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: the GObject side (types, properties, class set-up) and
 * the getters subclasses call.  See gstmnv3inference.h for the contract
 * with subclasses and gstmnv3inference-private.h for how the rest of the
 * base class is split and locked.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3inference-private.h"

GST_DEBUG_CATEGORY (gst_mnv3_inference_debug);
#define GST_CAT_DEFAULT gst_mnv3_inference_debug

#define DEFAULT_LABELS_FILE NULL
#define DEFAULT_RESIZE_MODE GST_MNV3_RESIZE_STRETCH
#define DEFAULT_INFERENCE_INTERVAL 1
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_MODE GST_MNV3_INFERENCE_MODE_AUTO
#define DEFAULT_PRECISION GST_MNV3_PRECISION_AUTO
/* num-threads 0: every core in sync mode, one fewer in async mode */
#define DEFAULT_NUM_THREADS 0

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS_FILE,
  PROP_NUM_THREADS,
  PROP_RESIZE_MODE,
  PROP_INFERENCE_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_LIMIT_SCALE,
  PROP_INFERENCE_FPS,
  PROP_MEAN_LATENCY,
  PROP_FRAMES_INFERRED,
  PROP_FRAMES_SKIPPED,
  PROP_MODE,
  PROP_PRECISION,
  PROP_ACTIVE_MODEL,
  PROP_INPUT_WIDTH,
  PROP_INPUT_HEIGHT,
};

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstMnv3Inference, gst_mnv3_inference,
    GST_TYPE_BASE_TRANSFORM);

GstMnv3InferencePrivate *
gst_mnv3_inference_priv (GstMnv3Inference * self)
{
  return gst_mnv3_inference_get_instance_private (self);
}

GstBaseTransformClass *
gst_mnv3_inference_parent (void)
{
  return GST_BASE_TRANSFORM_CLASS (gst_mnv3_inference_parent_class);
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_MNV3_VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_MNV3_VIDEO_FORMATS)));

GType
gst_mnv3_resize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_RESIZE_STRETCH,
        "Scale the whole frame to the model input (aspect not kept)",
        "stretch"},
    {GST_MNV3_RESIZE_CENTER_CROP,
        "Keep the largest centred region with the model's aspect ratio",
        "center-crop"},
    {GST_MNV3_RESIZE_LETTERBOX,
        "Scale the whole frame keeping its aspect ratio, pad with black",
        "letterbox"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3ResizeMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_mnv3_inference_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_INFERENCE_MODE_SYNC,
        "Each inferred frame waits for its result", "sync"},
    {GST_MNV3_INFERENCE_MODE_ASYNC,
        "The network runs on its own thread; frames never wait for it and "
          "carry the newest finished result", "async"},
    {GST_MNV3_INFERENCE_MODE_AUTO,
        "async with a live source upstream, else sync", "auto"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3InferenceMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_mnv3_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_PRECISION_AUTO, "What the model is: a quantized model runs "
          "in integer (TFLite's bytes), a float model in float", "auto"},
    {GST_MNV3_PRECISION_FP32, "Dequantize a quantized model and run it in "
          "float", "fp32"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3Precision", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* A change while started is applied by the streaming thread (see top). */
static void
gst_mnv3_inference_mark_pending (GstMnv3Inference * self, guint what)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  /* unlocked read of started is fine: start() clears pending anyway */
  if (priv->started)
    priv->pending |= what;
}

static void
gst_mnv3_inference_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (object);
  GstMnv3InferencePrivate *priv = PRIV (self);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (priv->model_path);
      priv->model_path = g_value_dup_string (value);
      gst_mnv3_inference_mark_pending (self, PENDING_MODEL);
      break;
    case PROP_LABELS_FILE:
      g_free (priv->labels_path);
      priv->labels_path = g_value_dup_string (value);
      gst_mnv3_inference_mark_pending (self, PENDING_LABELS);
      break;
    case PROP_NUM_THREADS:
      priv->num_threads = g_value_get_int (value);
      gst_mnv3_inference_mark_pending (self, PENDING_SESSION);
      break;
    case PROP_LIMIT_SCALE:
      priv->limit_scale = g_value_get_uint (value);
      gst_mnv3_inference_mark_pending (self, PENDING_SESSION);
      break;
    case PROP_RESIZE_MODE:
      priv->resize_mode = g_value_get_enum (value);
      gst_mnv3_inference_mark_pending (self, PENDING_PREPROCESS);
      break;
    case PROP_INFERENCE_INTERVAL:
      priv->interval = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      priv->post_messages = g_value_get_boolean (value);
      break;
    case PROP_MODE:
      priv->mode = g_value_get_enum (value);
      break;
    case PROP_INPUT_WIDTH:
      priv->input_width = g_value_get_int (value);
      break;
    case PROP_INPUT_HEIGHT:
      priv->input_height = g_value_get_int (value);
      break;
    case PROP_PRECISION:
      priv->precision = g_value_get_enum (value);
      gst_mnv3_inference_mark_pending (self, PENDING_SESSION);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_inference_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (object);
  GstMnv3InferencePrivate *priv = PRIV (self);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      if (priv->model_path && *priv->model_path)
        g_value_set_string (value, priv->model_path);
      else
        g_value_take_string (value, gst_mnv3_inference_default_model ());
      break;
    case PROP_LABELS_FILE:
      g_value_set_string (value, priv->labels_path);
      break;
    case PROP_NUM_THREADS:
      g_value_set_int (value, priv->num_threads);
      break;
    case PROP_LIMIT_SCALE:
      g_value_set_uint (value, priv->limit_scale);
      break;
    case PROP_RESIZE_MODE:
      g_value_set_enum (value, priv->resize_mode);
      break;
    case PROP_INFERENCE_INTERVAL:
      g_value_set_uint (value, priv->interval);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, priv->post_messages);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, priv->precision);
      break;
    case PROP_MODE:
      g_value_set_enum (value, priv->mode);
      break;
    case PROP_INPUT_WIDTH:
      g_value_set_int (value, priv->input_width);
      break;
    case PROP_INPUT_HEIGHT:
      g_value_set_int (value, priv->input_height);
      break;
    case PROP_INFERENCE_FPS:
      g_value_set_double (value, priv->fps);
      break;
    case PROP_MEAN_LATENCY:
      g_value_set_double (value, priv->frames_inferred > 0 ?
          priv->total_latency_ms / priv->frames_inferred : 0.0);
      break;
    case PROP_FRAMES_INFERRED:
      g_value_set_uint64 (value, priv->frames_inferred);
      break;
    case PROP_FRAMES_SKIPPED:
      g_value_set_uint64 (value, priv->frames_skipped);
      break;
    case PROP_ACTIVE_MODEL:
      g_value_set_string (value, priv->active_model);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_inference_finalize (GObject * object)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (object);
  GstMnv3InferencePrivate *priv = PRIV (self);

  gst_mnv3_inference_swap_cancel (self);
  g_clear_pointer (&priv->worker, gst_mnv3_worker_free);
  gst_mnv3_inference_free_regions (self);
  gst_mnv3_inference_release_engine (self);
  g_free (priv->active_model);
  g_free (priv->model_path);
  g_free (priv->labels_path);
  g_mutex_clear (&priv->engine_lock);
  G_OBJECT_CLASS (gst_mnv3_inference_parent_class)->finalize (object);
}

static void
gst_mnv3_inference_class_init (GstMnv3InferenceClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  gchar *default_model;

  GST_DEBUG_CATEGORY_INIT (gst_mnv3_inference_debug, "mnv3inference", 0,
      "mnv3 inference base class");

  gobject_class->set_property = gst_mnv3_inference_set_property;
  gobject_class->get_property = gst_mnv3_inference_get_property;
  gobject_class->finalize = gst_mnv3_inference_finalize;

  /* the default shown by gst-inspect is the file really used */
  default_model = gst_mnv3_inference_default_model ();
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model file (.tflite or .onnx) to run (default: the embedded "
          "MobileNetV3-Small ImageNet classifier).  Changed while playing, "
          "it loads in the background and frames keep the old model until "
          "it is ready (see active-model)", default_model, rw));
  g_free (default_model);
  g_object_class_install_property (gobject_class, PROP_LABELS_FILE,
      g_param_spec_string ("labels-file", "Labels file",
          "Class names, one a line in class order, replacing the model's "
          "own labels (NULL: use the model's); a change while playing "
          "reloads like a model change", DEFAULT_LABELS_FILE, rw));
  g_object_class_install_property (gobject_class, PROP_NUM_THREADS,
      g_param_spec_int ("num-threads", "Number of threads",
          "Threads used by one inference, the thread that runs it included "
          "(the streaming thread in sync mode, the inference thread in "
          "async mode); 0: every core in sync mode, one fewer in async mode "
          "so that the video path keeps a core", 0, MAX_THREADS,
          DEFAULT_NUM_THREADS, rw));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "How a quantized model runs: auto = in integer arithmetic, as the "
          "model is (TFLite's own results, bit for bit); fp32 = its weights "
          "dequantized and run in float, to compare.  Float models always "
          "run in float", GST_TYPE_MNV3_PRECISION, DEFAULT_PRECISION, rw));
  g_object_class_install_property (gobject_class, PROP_LIMIT_SCALE,
      g_param_spec_uint ("limit-scale", "Resource limit scale",
          "Multiplies the engine's limits on tensor size, activation memory "
          "and work per frame, which refuse hostile model files "
          "(docs/reliability.md); raise it for unusually large networks",
          1, 1000000, 1, rw));
  g_object_class_install_property (gobject_class, PROP_RESIZE_MODE,
      g_param_spec_enum ("resize-mode", "Resize mode",
          "How a frame is fitted to the model's input size",
          GST_TYPE_MNV3_RESIZE_MODE, DEFAULT_RESIZE_MODE, rw));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint ("inference-interval", "Inference interval",
          "Run the model on every Nth frame; the frames between carry the "
          "last result forward (marked as not fresh)", 1, G_MAXUINT,
          DEFAULT_INFERENCE_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post every fresh result as an element message on the bus",
          DEFAULT_POST_MESSAGES, rw));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "sync: each inferred frame waits for its result (files, exact "
          "results); async: the network runs on its own thread, frames never "
          "wait and carry the newest finished result with the time of the "
          "frame it was computed on; auto: async with a live source",
          GST_TYPE_MNV3_INFERENCE_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INPUT_WIDTH,
      g_param_spec_int ("input-width", "Input width",
          "Width in pixels of the network input, for models whose input "
          "size is dynamic (ONNX dynamic axes); 0: the model's (its "
          "\"input_size\" metadata, else 224).  A model whose file fixes "
          "its size refuses any other (element error).  Applied when the "
          "model loads (start, or a model change)", 0, MAX_INPUT_SIZE, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INPUT_HEIGHT,
      g_param_spec_int ("input-height", "Input height",
          "Height in pixels of the network input; see input-width", 0,
          MAX_INPUT_SIZE, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_FPS,
      g_param_spec_double ("inference-fps", "Inference rate",
          "Inferences per second over the last second", 0.0, G_MAXDOUBLE,
          0.0, ro));
  g_object_class_install_property (gobject_class, PROP_MEAN_LATENCY,
      g_param_spec_double ("mean-latency", "Mean latency",
          "Mean time of one inference in milliseconds, pre-processing "
          "included", 0.0, G_MAXDOUBLE, 0.0, ro));
  g_object_class_install_property (gobject_class, PROP_FRAMES_INFERRED,
      g_param_spec_uint64 ("frames-inferred", "Frames inferred",
          "Frames the model ran on since the element started", 0,
          G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SKIPPED,
      g_param_spec_uint64 ("frames-skipped", "Frames skipped",
          "Frames passed on without inference (interval, lateness, the "
          "inference thread busy in async mode, or a result dropped by a "
          "flush or caps change); "
          "they carry the last result", 0, G_MAXUINT64, 0, ro));

  g_object_class_install_property (gobject_class, PROP_ACTIVE_MODEL,
      g_param_spec_string ("active-model", "Active model",
          "The model file in use (NULL when stopped).  A change of \"model\" "
          "or \"labels-file\" while playing loads in the background: this "
          "changes when the new model takes over, with an element message "
          "\"mnv3-model-changed\"; a model that fails (missing, corrupt, "
          "wrong task, too large) leaves it as it was, with a warning that "
          "names the file and the reason", NULL, ro));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_mnv3_inference_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mnv3_inference_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_mnv3_inference_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_mnv3_inference_transform_ip);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_mnv3_inference_src_event);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_mnv3_inference_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_mnv3_inference_query);
  /* metas are attached: the buffer must be writable, never passthrough */
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_INFERENCE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_RESIZE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_INFERENCE_MODE, 0);
}

static void
gst_mnv3_inference_init (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  g_mutex_init (&priv->engine_lock);
  priv->num_threads = DEFAULT_NUM_THREADS;
  priv->mode = DEFAULT_MODE;
  priv->limit_scale = 1;
  priv->precision = DEFAULT_PRECISION;
  priv->resize_mode = DEFAULT_RESIZE_MODE;
  priv->interval = DEFAULT_INFERENCE_INTERVAL;
  priv->post_messages = DEFAULT_POST_MESSAGES;
  priv->earliest_time = GST_CLOCK_TIME_NONE;
  priv->since_last = G_MAXUINT;

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  /* the base class would drop late buffers: we skip inference instead (see
   * src_event), so its own QoS stays off */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}

const mnv3_labels *
gst_mnv3_inference_get_labels (GstMnv3Inference * self)
{
  return &PRIV (self)->labels;
}

void
gst_mnv3_inference_class_install_model (GObjectClass * klass, guint prop_id,
    const gchar * default_path, const gchar * blurb)
{
  g_object_class_install_property (klass, prop_id,
      g_param_spec_string ("model", "Model", blurb, default_path,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
}

void
gst_mnv3_inference_set_model (GstMnv3Inference * self, const GValue * value)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  GST_OBJECT_LOCK (self);
  g_free (priv->model_path);
  priv->model_path = g_value_dup_string (value);
  gst_mnv3_inference_mark_pending (self, PENDING_MODEL);
  GST_OBJECT_UNLOCK (self);
}

void
gst_mnv3_inference_get_model (GstMnv3Inference * self, GValue * value)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self),
      "model");

  GST_OBJECT_LOCK (self);
  if (priv->model_path && *priv->model_path)
    g_value_set_string (value, priv->model_path);
  else
    g_value_set_string (value, G_PARAM_SPEC_STRING (pspec)->default_value);
  GST_OBJECT_UNLOCK (self);
}

gboolean
gst_mnv3_inference_get_post_messages (GstMnv3Inference * self)
{
  gboolean ret;

  GST_OBJECT_LOCK (self);
  ret = PRIV (self)->post_messages;
  GST_OBJECT_UNLOCK (self);
  return ret;
}

gchar **
gst_mnv3_parse_name_list (const gchar * text)
{
  GPtrArray *kept;
  gchar **parts;
  guint i;

  if (!text || !*text)
    return NULL;
  kept = g_ptr_array_new ();
  parts = g_strsplit (text, ",", -1);
  for (i = 0; parts[i]; i++) {
    gchar *name = g_strstrip (parts[i]);
    if (*name)
      g_ptr_array_add (kept, g_strdup (name));
  }
  g_strfreev (parts);
  if (kept->len == 0) {
    g_ptr_array_free (kept, TRUE);
    return NULL;
  }
  g_ptr_array_add (kept, NULL);
  return (gchar **) g_ptr_array_free (kept, FALSE);
}
