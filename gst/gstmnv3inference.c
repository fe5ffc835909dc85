/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: model, session, pre-processing, scheduling, statistics.
 * See gstmnv3inference.h for the contract with subclasses.
 *
 * Locking: the object lock guards the property values, the QoS state and the
 * statistics (short sections, never around engine work).  engine_lock guards
 * the model, session, labels and pre-processing; it is held by start/stop,
 * set_caps and the whole per-frame path.  Order: engine_lock, then the
 * object lock.  Property changes made while running only mark what must be
 * rebuilt (`pending`); the streaming thread applies them before the next
 * frame, so a frame never sees half a model.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3inference.h"
#include "gstmnv3modelcache.h"
#include "gstmnv3preprocess.h"
#include "gstmnv3worker.h"

GST_DEBUG_CATEGORY_STATIC (gst_mnv3_inference_debug);
#define GST_CAT_DEFAULT gst_mnv3_inference_debug

#define MAX_THREADS 256
#define DEFAULT_LABELS_FILE NULL
#define DEFAULT_RESIZE_MODE GST_MNV3_RESIZE_STRETCH
#define DEFAULT_INFERENCE_INTERVAL 1
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_MODE GST_MNV3_INFERENCE_MODE_AUTO
#define DEFAULT_PRECISION GST_MNV3_PRECISION_AUTO
/* num-threads 0: every core in sync mode, one fewer in async mode */
#define DEFAULT_NUM_THREADS 0
/* Models with a dynamic input size run at this size. */
#define DYNAMIC_INPUT_SIZE 224

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
};

/* What a property change while running requires. */
enum {
  PENDING_MODEL = 1 << 0,       /* model + labels + session + pre-processing */
  PENDING_LABELS = 1 << 1,
  PENDING_SESSION = 1 << 2,     /* session + pre-processing */
  PENDING_PREPROCESS = 1 << 3,
};

typedef struct {
  /* properties (object lock) */
  gchar *model_path;
  gchar *labels_path;
  gint num_threads;
  guint limit_scale;             /* mnv3_session_options.limit_scale */
  GstMnv3Precision precision;    /* mnv3_session_options.precision */
  GstMnv3ResizeMode resize_mode;
  guint interval;
  gboolean post_messages;
  GstMnv3InferenceMode mode;
  guint pending;

  /* QoS and statistics (object lock) */
  GstClockTime earliest_time;
  guint64 frames_inferred;
  guint64 frames_skipped;
  gdouble total_latency_ms;
  gdouble estimate_ms;          /* from the warm-up runs */
  gdouble reported_ms;          /* what the last LATENCY query answered */
  gdouble fps;
  gint64 window_start_us;
  guint window_count;
  gboolean upstream_live;       /* seen in a LATENCY query */
  gdouble stream_total_ms;      /* async: streaming-thread time of the */
  guint64 stream_frames;        /* frames that handed a job over */

  /* engine (engine_lock) */
  GMutex engine_lock;
  gboolean started;
  mnv3_model *model;
  gchar *model_name;
  mnv3_session *session;
  mnv3_labels labels;
  float mean[3], std[3];
  int in_width, in_height;
  mnv3_preprocess *pp;
  GstVideoInfo vinfo;
  gboolean have_info;
  GstVideoRectangle sampled;
  GstVideoRectangle placed;
  guint since_last;             /* frames since the last inference */
  gdouble last_latency_ms;
  gdouble region_ms;            /* region runs of the current frame */
  guint region_runs;

  /* asynchronous inference (engine_lock) */
  gboolean mode_decided;        /* since start */
  gboolean async;
  GstMnv3Worker *worker;        /* NULL in sync mode */
  GstClockTime result_pts;      /* source frame of the last result */
} GstMnv3InferencePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstMnv3Inference, gst_mnv3_inference,
    GST_TYPE_BASE_TRANSFORM);

#define PRIV(self) \
  ((GstMnv3InferencePrivate *) gst_mnv3_inference_get_instance_private (self))

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

/* The embedded classifier: $MNV3_MODEL_DIR (tests, uninstalled use), then
 * the installed copy, then the source tree this plugin was built from. */
static gchar *
gst_mnv3_inference_default_model (void)
{
  const gchar *dir = g_getenv ("MNV3_MODEL_DIR");

  if (dir && *dir)
    return g_build_filename (dir, MNV3_DEFAULT_MODEL_NAME, NULL);
  if (g_file_test (MNV3_DEFAULT_MODEL_INSTALLED, G_FILE_TEST_IS_REGULAR))
    return g_strdup (MNV3_DEFAULT_MODEL_INSTALLED);
  return g_strdup (MNV3_DEFAULT_MODEL_SOURCE);
}

/* ---- engine state (engine_lock held) ------------------------------------ */

static void
gst_mnv3_inference_release_engine (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  g_clear_pointer (&priv->pp, mnv3_preprocess_free);
  g_clear_pointer (&priv->session, mnv3_session_free);
  mnv3_labels_free (&priv->labels);
  memset (&priv->labels, 0, sizeof priv->labels);
  if (priv->model) {
    gst_mnv3_model_cache_release (priv->model);
    priv->model = NULL;
  }
  g_clear_pointer (&priv->model_name, g_free);
}

static mnv3_fit
fit_from_mode (GstMnv3ResizeMode mode)
{
  switch (mode) {
    case GST_MNV3_RESIZE_CENTER_CROP:
      return MNV3_FIT_CENTER_CROP;
    case GST_MNV3_RESIZE_LETTERBOX:
      return MNV3_FIT_LETTERBOX;
    case GST_MNV3_RESIZE_STRETCH:
    default:
      return MNV3_FIT_STRETCH;
  }
}

static gboolean
gst_mnv3_inference_build_preprocess (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3ResizeMode mode;
  gchar *reason = NULL;

  g_clear_pointer (&priv->pp, mnv3_preprocess_free);
  if (!priv->have_info || !priv->session)
    return TRUE;                /* built when both are known */

  GST_OBJECT_LOCK (self);
  mode = priv->resize_mode;
  GST_OBJECT_UNLOCK (self);

  priv->pp = gst_mnv3_preprocess_new (&priv->vinfo, fit_from_mode (mode),
      NULL, priv->in_width, priv->in_height, priv->mean, priv->std,
      &priv->sampled, &priv->placed, &reason);
  if (!priv->pp) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Cannot prepare frames for the model: %s", reason), (NULL));
    g_free (reason);
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "pre-processing %dx%d %s -> %dx%d",
      GST_VIDEO_INFO_WIDTH (&priv->vinfo), GST_VIDEO_INFO_HEIGHT (&priv->vinfo),
      GST_VIDEO_INFO_NAME (&priv->vinfo), priv->in_width, priv->in_height);
  return TRUE;
}

static gboolean
gst_mnv3_inference_load_labels (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gchar *path;
  char err[256];

  mnv3_labels_free (&priv->labels);
  memset (&priv->labels, 0, sizeof priv->labels);

  GST_OBJECT_LOCK (self);
  path = g_strdup (priv->labels_path);
  GST_OBJECT_UNLOCK (self);

  if (path && *path) {
    if (mnv3_labels_load (path, &priv->labels, err, sizeof err) != 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not read labels file '%s': %s", path, err), (NULL));
      g_free (path);
      return FALSE;
    }
  } else if (priv->model) {
    /* absent labels are fine: results then carry class numbers only */
    if (mnv3_labels_from_model (priv->model, &priv->labels) != 0)
      memset (&priv->labels, 0, sizeof priv->labels);
  }
  g_free (path);
  return TRUE;
}

/* Checks common to every task: one NHWC RGB input. */
static gboolean
gst_mnv3_inference_check_input (const mnv3_model * model, int *height,
    int *width, gchar ** reason)
{
  mnv3_tensor_info in;

  if (mnv3_model_num_inputs (model) < 1 || mnv3_model_num_outputs (model) < 1
      || mnv3_model_input_info (model, 0, &in) != MNV3_OK) {
    *reason = g_strdup ("the model has no input or no output");
    return FALSE;
  }
  if (in.rank != 4 || (in.dims[3] != 3 && in.dims[3] > 0)) {
    *reason = g_strdup_printf ("the model input '%s' is not an NHWC image "
        "with 3 channels", in.name ? in.name : "0");
    return FALSE;
  }
  *height = in.dims[1] > 0 ? (int) in.dims[1] : 0;
  *width = in.dims[2] > 0 ? (int) in.dims[2] : 0;
  return TRUE;
}

/* Two runs on a blank input: the first pays for page faults and lazy
 * set-up, the second estimates the latency reported before real frames
 * have been measured. */
static void
gst_mnv3_inference_warm_up (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  float *in = mnv3_session_input (priv->session, 0);
  gint64 t0 = 0;
  int i;

  for (i = 0; i < 2; i++) {
    memset (in, 0, sizeof (float) * priv->in_width * priv->in_height * 3);
    t0 = g_get_monotonic_time ();
    if (mnv3_session_run (priv->session) != MNV3_OK)
      return;
  }
  GST_OBJECT_LOCK (self);
  /* pre-processing adds little next to the network: count 10 % */
  priv->estimate_ms = 1.1 * (g_get_monotonic_time () - t0) / 1000.0;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "estimated latency %.2f ms", priv->estimate_ms);
}

static gint
default_num_threads (void)
{
  return CLAMP ((gint) g_get_num_processors (), 1, MAX_THREADS);
}

/* num-threads, or its automatic value: every core in sync mode; in async
 * mode one fewer (the worker counts), so the video path keeps a core. */
static gint
gst_mnv3_inference_threads (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gint n;

  GST_OBJECT_LOCK (self);
  n = priv->num_threads;
  GST_OBJECT_UNLOCK (self);
  if (n > 0)
    return n;
  n = default_num_threads ();
  return priv->async ? MAX (1, n - 1) : n;
}

static gboolean
gst_mnv3_inference_create_session (GstMnv3Inference * self, int req_height,
    int req_width)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  mnv3_session_options opts = mnv3_session_options_default ();
  mnv3_tensor_info info;
  mnv3_status st;

  g_clear_pointer (&priv->pp, mnv3_preprocess_free);
  g_clear_pointer (&priv->session, mnv3_session_free);

  opts.num_threads = gst_mnv3_inference_threads (self);
  GST_OBJECT_LOCK (self);
  opts.limit_scale = (int) priv->limit_scale;
  opts.precision = priv->precision == GST_MNV3_PRECISION_FP32 ?
      MNV3_PRECISION_FP32 : MNV3_PRECISION_AUTO;
  GST_OBJECT_UNLOCK (self);
  opts.input_height = req_height > 0 ? 0 : DYNAMIC_INPUT_SIZE;
  opts.input_width = req_width > 0 ? 0 : DYNAMIC_INPUT_SIZE;

  st = mnv3_session_create (priv->model, &opts, &priv->session);
  if (st == MNV3_OK) {
    st = mnv3_session_input_info (priv->session, 0, &info);
    if (st == MNV3_OK) {
      priv->in_height = (int) info.dims[1];
      priv->in_width = (int) info.dims[2];
    }
  }
  if (st != MNV3_OK) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not prepare model '%s' for inference: %s", priv->model_name,
            mnv3_last_error ()), (NULL));
    g_clear_pointer (&priv->session, mnv3_session_free);
    return FALSE;
  }
  /* in async mode the worker pays for the first run, not the frames;
   * start() always warms up (it is not on the streaming thread) */
  if (!priv->async || !priv->started)
    gst_mnv3_inference_warm_up (self);
  return TRUE;
}

static gboolean
gst_mnv3_inference_load_model (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  gchar *path, *reason = NULL;
  mnv3_status st;
  int h = 0, w = 0;

  gst_mnv3_inference_release_engine (self);

  GST_OBJECT_LOCK (self);
  path = g_strdup (priv->model_path);
  GST_OBJECT_UNLOCK (self);
  if (!path || !*path) {
    g_free (path);
    path = gst_mnv3_inference_default_model ();
  }

  GST_INFO_OBJECT (self, "loading model '%s'", path);
  st = gst_mnv3_model_cache_acquire (path, &priv->model, &reason);
  if (st != MNV3_OK) {
    if (st == MNV3_ERR_IO && !g_file_test (path, G_FILE_TEST_EXISTS))
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("Could not load model file '%s': %s", path, reason),
          ("mnv3 status: %s", mnv3_status_string (st)));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not load model file '%s': %s", path, reason),
          ("mnv3 status: %s", mnv3_status_string (st)));
    goto fail;
  }
  priv->model_name = g_path_get_basename (path);
  mnv3_normalization_from_model (priv->model, priv->mean, priv->std);

  if (!gst_mnv3_inference_load_labels (self))
    goto fail;
  if (!gst_mnv3_inference_check_input (priv->model, &h, &w, &reason)
      || (klass->check_model && !klass->check_model (self, priv->model,
              &reason))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Model file '%s' cannot be used by %s: %s", path,
            GST_OBJECT_NAME (self), reason ? reason : "unsuitable model"),
        (NULL));
    goto fail;
  }
  if (!gst_mnv3_inference_create_session (self, h, w))
    goto fail;

  g_free (path);
  g_free (reason);
  return TRUE;

fail:
  gst_mnv3_inference_release_engine (self);
  g_free (path);
  g_free (reason);
  return FALSE;
}

/* ---- asynchronous mode (engine_lock held) ------------------------------- */

/* Drop the work in flight: no result made before this point is handed to
 * the subclass (its frame counts as skipped).  With @wait, also wait until
 * the worker lets go of the session (before changing or freeing it). */
static void
gst_mnv3_inference_drop_inflight (GstMnv3Inference * self, gboolean wait)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  if (!priv->worker)
    return;
  if (gst_mnv3_worker_discard (priv->worker)) {
    GST_DEBUG_OBJECT (self, "dropping the inference in flight");
    GST_OBJECT_LOCK (self);
    priv->frames_skipped++;
    GST_OBJECT_UNLOCK (self);
  }
  if (wait)
    gst_mnv3_worker_wait_idle (priv->worker);
}

/* Switch to async (worker thread) or back; an automatic thread count
 * changes with it, so the session is rebuilt then. */
static gboolean
gst_mnv3_inference_set_async (GstMnv3Inference * self, gboolean async)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gint before = gst_mnv3_inference_threads (self);

  if (async == priv->async)
    return TRUE;
  if (!async) {
    gst_mnv3_inference_drop_inflight (self, TRUE);
    g_clear_pointer (&priv->worker, gst_mnv3_worker_free);
  }
  g_atomic_int_set (&priv->async, async);
  if (async) {
    gchar *name = g_strdup_printf ("%s:infer", GST_OBJECT_NAME (self));

    priv->worker = gst_mnv3_worker_new (name);
    g_free (name);
    if (!priv->worker) {
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not start the inference thread"), (NULL));
      g_atomic_int_set (&priv->async, FALSE);
      return FALSE;
    }
  }
  GST_INFO_OBJECT (self, "%s inference", async ? "asynchronous" :
      "synchronous");
  if (priv->session && gst_mnv3_inference_threads (self) != before) {
    mnv3_tensor_info in;

    mnv3_model_input_info (priv->model, 0, &in);
    if (!gst_mnv3_inference_create_session (self, (int) in.dims[1],
            (int) in.dims[2]))
      return FALSE;
    return gst_mnv3_inference_build_preprocess (self);
  }
  return TRUE;
}

/* The element upstream that feeds us, through ghost pads; NULL when the
 * data comes from a bare pad (an application's, or GstHarness's). */
static GstPad *
gst_mnv3_inference_upstream_pad (GstMnv3Inference * self)
{
  GstPad *pad = gst_pad_get_peer (GST_BASE_TRANSFORM_SINK_PAD (self));
  gint depth;

  for (depth = 0; pad && depth < 16; depth++) {
    GstObject *parent = gst_object_get_parent (GST_OBJECT (pad));
    GstPad *next = NULL;

    if (parent && GST_IS_ELEMENT (parent)) {
      gst_object_unref (parent);
      return pad;
    }
    /* the inside of a ghost pad: continue from the ghost pad's peer */
    if (parent && GST_IS_GHOST_PAD (parent))
      next = gst_pad_get_peer (GST_PAD (parent));
    if (parent)
      gst_object_unref (parent);
    gst_object_unref (pad);
    pad = next;
  }
  if (pad)
    gst_object_unref (pad);
  return NULL;
}

/* Whether a live source feeds us: the LATENCY query the pipeline made (only
 * after a first buffer reached the sink), else one of ours upstream. */
static gboolean
gst_mnv3_inference_upstream_is_live (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstPad *up;
  GstQuery *q;
  gboolean live;

  GST_OBJECT_LOCK (self);
  live = priv->upstream_live;
  GST_OBJECT_UNLOCK (self);
  if (live || !(up = gst_mnv3_inference_upstream_pad (self)))
    return live;
  q = gst_query_new_latency ();
  if (gst_pad_query (up, q))
    gst_query_parse_latency (q, &live, NULL, NULL);
  gst_query_unref (q);
  gst_object_unref (up);
  return live;
}

/* Once per start, on the first frame.  `auto` is async when a live source
 * feeds the element. */
static gboolean
gst_mnv3_inference_decide_mode (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceMode mode;
  gboolean live;

  if (priv->mode_decided)
    return TRUE;
  priv->mode_decided = TRUE;
  GST_OBJECT_LOCK (self);
  mode = priv->mode;
  GST_OBJECT_UNLOCK (self);
  live = mode == GST_MNV3_INFERENCE_MODE_AUTO
      && gst_mnv3_inference_upstream_is_live (self);
  return gst_mnv3_inference_set_async (self, mode ==
      GST_MNV3_INFERENCE_MODE_ASYNC || (mode == GST_MNV3_INFERENCE_MODE_AUTO
          && live));
}

/* Rebuild what property changes made while running invalidated. */
static gboolean
gst_mnv3_inference_apply_pending (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  gchar *reason = NULL;
  guint pending;

  GST_OBJECT_LOCK (self);
  pending = priv->pending;
  priv->pending = 0;
  GST_OBJECT_UNLOCK (self);
  if (!pending)
    return TRUE;

  /* the worker must let go of the session, and what it is computing
   * belongs to the old model, labels or session */
  if (pending & (PENDING_MODEL | PENDING_LABELS | PENDING_SESSION))
    gst_mnv3_inference_drop_inflight (self, TRUE);
  if (pending & PENDING_MODEL) {
    if (!gst_mnv3_inference_load_model (self))
      return FALSE;
    pending |= PENDING_PREPROCESS;
  } else {
    if (pending & PENDING_LABELS) {
      if (!gst_mnv3_inference_load_labels (self))
        return FALSE;
      if (klass->check_model && !klass->check_model (self, priv->model,
              &reason)) {
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
            ("Labels file does not fit model '%s': %s", priv->model_name,
                reason), (NULL));
        g_free (reason);
        return FALSE;
      }
    }
    if (pending & PENDING_SESSION) {
      mnv3_tensor_info in;

      mnv3_model_input_info (priv->model, 0, &in);
      if (!gst_mnv3_inference_create_session (self, (int) in.dims[1],
              (int) in.dims[2]))
        return FALSE;
      pending |= PENDING_PREPROCESS;
    }
  }
  if (klass->reset && (pending & (PENDING_MODEL | PENDING_LABELS)))
    klass->reset (self);
  if (pending & PENDING_PREPROCESS)
    return gst_mnv3_inference_build_preprocess (self);
  return TRUE;
}

/* ---- GstBaseTransform vfuncs ---------------------------------------------- */

static void
gst_mnv3_inference_reset_stream (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  GST_OBJECT_LOCK (self);
  priv->earliest_time = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  priv->since_last = G_MAXUINT;   /* the first frame is always inferred */
  priv->result_pts = GST_CLOCK_TIME_NONE;
}

static gboolean
gst_mnv3_inference_start (GstBaseTransform * trans)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3InferenceMode mode;
  gboolean ok;

  g_mutex_lock (&priv->engine_lock);
  GST_OBJECT_LOCK (self);
  priv->pending = 0;
  priv->frames_inferred = 0;
  priv->frames_skipped = 0;
  priv->total_latency_ms = 0.0;
  priv->fps = 0.0;
  priv->window_start_us = 0;
  priv->window_count = 0;
  priv->reported_ms = 0.0;
  priv->stream_total_ms = 0.0;
  priv->stream_frames = 0;
  /* an explicit mode is known now (the session gets its threads for it);
   * auto waits for the first frame */
  mode = priv->mode;
  priv->mode_decided = mode != GST_MNV3_INFERENCE_MODE_AUTO;
  priv->upstream_live = FALSE;
  GST_OBJECT_UNLOCK (self);
  priv->last_latency_ms = 0.0;
  priv->have_info = FALSE;
  gst_mnv3_inference_reset_stream (self);

  /* before the session exists, so that it gets its threads once */
  ok = !priv->mode_decided || gst_mnv3_inference_set_async (self,
      mode == GST_MNV3_INFERENCE_MODE_ASYNC);
  ok = ok && gst_mnv3_inference_load_model (self);
  priv->started = ok;
  if (ok && klass->reset)
    klass->reset (self);
  g_mutex_unlock (&priv->engine_lock);
  return ok;
}

static gboolean
gst_mnv3_inference_stop (GstBaseTransform * trans)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);

  g_mutex_lock (&priv->engine_lock);
  /* a run in flight finishes (the session is in use), its result is
   * dropped */
  gst_mnv3_inference_drop_inflight (self, TRUE);
  g_clear_pointer (&priv->worker, gst_mnv3_worker_free);
  g_atomic_int_set (&priv->async, FALSE);
  if (klass->reset)
    klass->reset (self);
  gst_mnv3_inference_release_engine (self);
  priv->started = FALSE;
  priv->have_info = FALSE;
  g_mutex_unlock (&priv->engine_lock);
  return TRUE;
}

static gboolean
gst_mnv3_inference_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstVideoInfo info;
  gboolean ok;

  (void) outcaps;
  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Invalid video caps %" GST_PTR_FORMAT, incaps), (NULL));
    return FALSE;
  }
  g_mutex_lock (&priv->engine_lock);
  if (priv->have_info && !gst_video_info_is_equal (&info, &priv->vinfo)) {
    GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);

    /* no result of the old frames on the new ones: the run in flight is
     * dropped, the carried result forgotten, the next frame inferred */
    gst_mnv3_inference_drop_inflight (self, FALSE);
    if (klass->reset)
      klass->reset (self);
    priv->since_last = G_MAXUINT;
    priv->result_pts = GST_CLOCK_TIME_NONE;
  }
  priv->vinfo = info;
  priv->have_info = TRUE;
  /* only the pre-processing depends on caps: the model stays loaded */
  ok = gst_mnv3_inference_build_preprocess (self);
  g_mutex_unlock (&priv->engine_lock);
  return ok;
}

static gboolean
gst_mnv3_inference_src_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    GstQOSType type;
    gdouble proportion;
    GstClockTimeDiff diff;
    GstClockTime timestamp;

    gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
    if (type != GST_QOS_TYPE_THROTTLE && GST_CLOCK_TIME_IS_VALID (timestamp)) {
      GST_OBJECT_LOCK (self);
      /* like the video decoders: when late, aim past the lateness, twice
       * over, so that the frames we still infer arrive in time */
      if (diff > 0)
        priv->earliest_time = timestamp + 2 * diff;
      else
        priv->earliest_time = timestamp + diff;
      GST_OBJECT_UNLOCK (self);
      GST_LOG_OBJECT (self, "QoS: earliest time now %" GST_TIME_FORMAT,
          GST_TIME_ARGS (priv->earliest_time));
    }
  }
  return GST_BASE_TRANSFORM_CLASS (gst_mnv3_inference_parent_class)->src_event
      (trans, event);
}

static gboolean
gst_mnv3_inference_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    /* nothing is left to attach a result to: EOS waits for nothing */
    g_mutex_lock (&priv->engine_lock);
    gst_mnv3_inference_drop_inflight (self, FALSE);
    g_mutex_unlock (&priv->engine_lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    g_mutex_lock (&priv->engine_lock);
    gst_mnv3_inference_drop_inflight (self, FALSE);
    gst_mnv3_inference_reset_stream (self);
    if (klass->reset)
      klass->reset (self);
    g_mutex_unlock (&priv->engine_lock);
  }
  return GST_BASE_TRANSFORM_CLASS (gst_mnv3_inference_parent_class)->sink_event
      (trans, event);
}

/* The latency this element adds: the measured mean once frames have been
 * inferred, the warm-up estimate before.  In async mode only the
 * streaming thread's work counts (pre-processing, attaching results):
 * its mean once measured, before that the 10 % of the estimate the
 * warm-up counts for pre-processing. */
static gdouble
gst_mnv3_inference_latency_ms_unlocked (GstMnv3InferencePrivate * priv)
{
  if (g_atomic_int_get (&priv->async)) {
    if (priv->stream_frames > 0)
      return priv->stream_total_ms / priv->stream_frames;
    return priv->estimate_ms / 11.0;
  }
  if (priv->frames_inferred > 0)
    return priv->total_latency_ms / priv->frames_inferred;
  return priv->estimate_ms;
}

static gboolean
gst_mnv3_inference_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  gboolean ret;

  ret = GST_BASE_TRANSFORM_CLASS (gst_mnv3_inference_parent_class)->query
      (trans, direction, query);
  if (ret && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max, ours;

    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    priv->upstream_live = live;
    priv->reported_ms = gst_mnv3_inference_latency_ms_unlocked (priv);
    ours = (GstClockTime) (priv->reported_ms * GST_MSECOND);
    GST_OBJECT_UNLOCK (self);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " latency",
        GST_TIME_ARGS (ours));
    gst_query_set_latency (query, live, min, max);
  }
  return ret;
}

static void
gst_mnv3_inference_update_stats (GstMnv3Inference * self, gdouble latency_ms)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gint64 now = g_get_monotonic_time ();
  gboolean relatency = FALSE;

  GST_OBJECT_LOCK (self);
  priv->frames_inferred++;
  priv->total_latency_ms += latency_ms;
  if (priv->window_count == 0)
    priv->window_start_us = now;
  priv->window_count++;
  /* rate over a window of about one second, restarted after each report */
  if (now - priv->window_start_us >= G_USEC_PER_SEC / 2
      && priv->window_count > 1) {
    priv->fps = (priv->window_count - 1) * (gdouble) G_USEC_PER_SEC /
        (now - priv->window_start_us);
    if (now - priv->window_start_us >= G_USEC_PER_SEC) {
      priv->window_start_us = now;
      priv->window_count = 1;
    }
  }
  /* tell the pipeline when the real latency is well above what we said */
  if (priv->reported_ms > 0.0 && priv->frames_inferred >= 8) {
    gdouble mean = gst_mnv3_inference_latency_ms_unlocked (priv);
    if (mean > 1.25 * priv->reported_ms) {
      priv->reported_ms = mean;
      relatency = TRUE;
    }
  }
  GST_OBJECT_UNLOCK (self);

  if (relatency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

static gboolean
gst_mnv3_inference_should_infer (GstMnv3Inference * self, GstBuffer * buf,
    GstClockTime running_time)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstClockTime earliest, end = running_time;
  guint interval;

  GST_OBJECT_LOCK (self);
  interval = priv->interval;
  earliest = priv->earliest_time;
  GST_OBJECT_UNLOCK (self);

  if (priv->since_last < interval)
    return FALSE;
  if (GST_CLOCK_TIME_IS_VALID (running_time)
      && GST_CLOCK_TIME_IS_VALID (earliest)) {
    if (GST_BUFFER_DURATION_IS_VALID (buf))
      end += GST_BUFFER_DURATION (buf);
    if (end <= earliest) {
      GST_LOG_OBJECT (self, "late by %" GST_TIME_FORMAT ": not inferring",
          GST_TIME_ARGS (earliest - end));
      return FALSE;
    }
  }
  return TRUE;
}

/* Pre-process the frame into the session input (a copy: the buffer may go
 * once this returns). */
static gboolean
gst_mnv3_inference_prepare (GstMnv3Inference * self, GstBuffer * buf)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstVideoFrame vframe;
  mnv3_frame frame;

  if (!gst_video_frame_map (&vframe, &priv->vinfo, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"),
        (NULL));
    return FALSE;
  }
  gst_mnv3_frame_from_video (&vframe, &frame);
  mnv3_preprocess_run (priv->pp, &frame, mnv3_session_input (priv->session, 0),
      priv->session);
  gst_video_frame_unmap (&vframe);
  return TRUE;
}

static GstFlowReturn
gst_mnv3_inference_run (GstMnv3Inference * self, GstBuffer * buf,
    GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  mnv3_status st;
  gint64 t0;

  t0 = g_get_monotonic_time ();
  if (!gst_mnv3_inference_prepare (self, buf))
    return GST_FLOW_ERROR;
  st = mnv3_session_run (priv->session);
  if (st != MNV3_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Inference with model '%s' failed: %s", priv->model_name,
            mnv3_last_error ()), (NULL));
    return GST_FLOW_ERROR;
  }
  priv->last_latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  gst_mnv3_inference_update_stats (self, priv->last_latency_ms);
  fr->latency_ms = priv->last_latency_ms;
  return GST_FLOW_OK;
}

/* Which frame the result was computed on, and how much older it is. */
static void
gst_mnv3_inference_set_source (GstMnv3InferenceFrame * fr, GstBuffer * buf,
    GstClockTime source_pts)
{
  fr->source_pts = source_pts;
  fr->age = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (source_pts) && GST_BUFFER_PTS_IS_VALID (buf)
      && GST_BUFFER_PTS (buf) >= source_pts)
    fr->age = GST_BUFFER_PTS (buf) - source_pts;
}

/* sync: the chosen frame waits for its own result. */
static GstFlowReturn
gst_mnv3_inference_transform_sync (GstMnv3Inference * self, GstBuffer * buf,
    GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean frame_run = TRUE;

  if (priv->since_last < G_MAXUINT)
    priv->since_last++;
  fr->fresh = gst_mnv3_inference_should_infer (self, buf, fr->running_time);
  if (fr->fresh) {
    /* a subclass that works on regions runs the model itself */
    frame_run = !klass->wants_frame_run || klass->wants_frame_run (self);
    if (frame_run) {
      ret = gst_mnv3_inference_run (self, buf, fr);
      if (ret != GST_FLOW_OK)
        return ret;
    }
    priv->since_last = 0;
    priv->result_pts = GST_BUFFER_PTS (buf);
  }
  gst_mnv3_inference_set_source (fr, buf, priv->result_pts);
  priv->region_ms = 0.0;
  priv->region_runs = 0;
  GST_OBJECT_LOCK (self);
  fr->fps = priv->fps;
  if (!fr->fresh)
    priv->frames_skipped++;
  GST_OBJECT_UNLOCK (self);

  if (fr->fresh)
    ret = klass->process_output (self, buf, priv->session, fr);
  else if (klass->carry_forward)
    klass->carry_forward (self, buf, fr);
  if (fr->fresh && !frame_run && priv->region_runs > 0) {
    priv->last_latency_ms = priv->region_ms;
    gst_mnv3_inference_update_stats (self, priv->region_ms);
  }
  return ret;
}

/* Hand the frame to the idle worker: pre-processed into the session input
 * here (~1 ms), run there. */
static gboolean
gst_mnv3_inference_submit (GstMnv3Inference * self, GstBuffer * buf,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3WorkerJob job = { 0 };
  gint64 t0 = g_get_monotonic_time ();

  if (!gst_mnv3_inference_prepare (self, buf))
    return FALSE;
  job.pts = GST_BUFFER_PTS (buf);
  job.running_time = fr->running_time;
  job.width = fr->width;
  job.height = fr->height;
  job.sampled = priv->sampled;
  job.placed = priv->placed;
  job.prepare_ms = (g_get_monotonic_time () - t0) / 1000.0;
  gst_mnv3_worker_submit (priv->worker, priv->session, &job);
  priv->since_last = 0;
  return TRUE;
}

/* async: attach the newest finished result (fresh on the first frame after
 * it finished), then give this frame to the worker if it is idle and the
 * schedule picks it.  Never waits for the network. */
static GstFlowReturn
gst_mnv3_inference_transform_async (GstMnv3Inference * self, GstBuffer * buf,
    GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3WorkerResult res;
  GstFlowReturn ret = GST_FLOW_OK;
  gint64 t0 = g_get_monotonic_time ();
  gboolean submit;

  if (priv->since_last < G_MAXUINT)
    priv->since_last++;
  fr->fresh = gst_mnv3_worker_take (priv->worker, &res);
  if (fr->fresh) {
    if (!res.ok) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("Inference with model '%s' failed: %s", priv->model_name,
              res.error), (NULL));
      g_free (res.error);
      return GST_FLOW_ERROR;
    }
    priv->last_latency_ms = res.job.prepare_ms + res.run_ms;
    gst_mnv3_inference_update_stats (self, priv->last_latency_ms);
    priv->result_pts = res.job.pts;
    fr->sampled = res.job.sampled;
    fr->placed = res.job.placed;
    fr->latency_ms = priv->last_latency_ms;
  }
  gst_mnv3_inference_set_source (fr, buf, priv->result_pts);
  GST_OBJECT_LOCK (self);
  fr->fps = priv->fps;
  GST_OBJECT_UNLOCK (self);

  /* the session is idle here: a result was taken, or none is running */
  if (fr->fresh)
    ret = klass->process_output (self, buf, priv->session, fr);
  else if (klass->carry_forward)
    klass->carry_forward (self, buf, fr);
  if (ret != GST_FLOW_OK)
    return ret;

  submit = gst_mnv3_worker_is_idle (priv->worker)
      && gst_mnv3_inference_should_infer (self, buf, fr->running_time);
  if (submit && !gst_mnv3_inference_submit (self, buf, fr))
    return GST_FLOW_ERROR;

  GST_OBJECT_LOCK (self);
  if (submit) {
    /* the frames that prepare an input are the ones delayed most */
    priv->stream_total_ms += (g_get_monotonic_time () - t0) / 1000.0;
    priv->stream_frames++;
  } else {
    priv->frames_skipped++;
  }
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_mnv3_inference_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3InferenceFrame fr = { 0 };
  GstFlowReturn ret = GST_FLOW_OK;

  g_mutex_lock (&priv->engine_lock);
  if (!gst_mnv3_inference_apply_pending (self)) {
    ret = GST_FLOW_ERROR;
    goto done;
  }
  if (!priv->session || !priv->pp) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("no model or no caps before the first buffer"));
    ret = GST_FLOW_NOT_NEGOTIATED;
    goto done;
  }
  if (!gst_mnv3_inference_decide_mode (self)) {
    ret = GST_FLOW_ERROR;
    goto done;
  }

  fr.model_name = priv->model_name;
  fr.width = GST_VIDEO_INFO_WIDTH (&priv->vinfo);
  fr.height = GST_VIDEO_INFO_HEIGHT (&priv->vinfo);
  fr.sampled = priv->sampled;
  fr.placed = priv->placed;
  fr.latency_ms = priv->last_latency_ms;
  fr.running_time = GST_BUFFER_PTS_IS_VALID (buf)
      && trans->segment.format == GST_FORMAT_TIME ?
      gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf)) : GST_CLOCK_TIME_NONE;

  if (priv->async && (!klass->wants_frame_run || klass->wants_frame_run (self)))
    ret = gst_mnv3_inference_transform_async (self, buf, &fr);
  else {
    /* region runs use the session on this thread */
    gst_mnv3_inference_drop_inflight (self, TRUE);
    ret = gst_mnv3_inference_transform_sync (self, buf, &fr);
  }

done:
  g_mutex_unlock (&priv->engine_lock);
  return ret;
}

/* ---- GObject ------------------------------------------------------------- */

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

  g_clear_pointer (&priv->worker, gst_mnv3_worker_free);
  gst_mnv3_inference_release_engine (self);
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
          "MobileNetV3-Small ImageNet classifier)", default_model, rw));
  g_free (default_model);
  g_object_class_install_property (gobject_class, PROP_LABELS_FILE,
      g_param_spec_string ("labels-file", "Labels file",
          "Class names, one a line in class order, replacing the model's "
          "own labels (NULL: use the model's)", DEFAULT_LABELS_FILE, rw));
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

GstFlowReturn
gst_mnv3_inference_run_region (GstMnv3Inference * self, GstBuffer * buffer,
    const GstVideoRectangle * region, gdouble * latency_ms)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  mnv3_preprocess *pp;
  GstVideoFrame vframe;
  mnv3_frame frame;
  gchar *reason = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gdouble ms;

  if (!priv->have_info || !priv->session) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("no model or no caps before a region run"));
    return GST_FLOW_ERROR;
  }
  pp = gst_mnv3_preprocess_new (&priv->vinfo, MNV3_FIT_STRETCH, region,
      priv->in_width, priv->in_height, priv->mean, priv->std, NULL, NULL,
      &reason);
  if (!pp) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot pre-process region %d,%d %dx%d: %s", region->x, region->y,
            region->w, region->h, reason), (NULL));
    g_free (reason);
    return GST_FLOW_ERROR;
  }
  if (!gst_video_frame_map (&vframe, &priv->vinfo, buffer, GST_MAP_READ)) {
    mnv3_preprocess_free (pp);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"),
        (NULL));
    return GST_FLOW_ERROR;
  }
  gst_mnv3_frame_from_video (&vframe, &frame);
  mnv3_preprocess_run (pp, &frame, mnv3_session_input (priv->session, 0),
      priv->session);
  gst_video_frame_unmap (&vframe);
  mnv3_preprocess_free (pp);
  if (mnv3_session_run (priv->session) != MNV3_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Inference with model '%s' failed: %s", priv->model_name,
            mnv3_last_error ()), (NULL));
    return GST_FLOW_ERROR;
  }
  ms = (g_get_monotonic_time () - t0) / 1000.0;
  priv->region_ms += ms;
  priv->region_runs++;
  if (latency_ms)
    *latency_ms = ms;
  return GST_FLOW_OK;
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
