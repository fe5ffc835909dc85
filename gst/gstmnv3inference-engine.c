/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: the model, labels, session and pre-processing (engine_lock
 * held throughout): loading them, and applying property changes made while
 * running.  See gstmnv3inference-private.h for the locking.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include "gstmnv3modelcache.h"
#include "gstmnv3inference-private.h"

#define GST_CAT_DEFAULT gst_mnv3_inference_debug

/* The embedded classifier: $MNV3_MODEL_DIR (tests, uninstalled use), then
 * the installed copy, then the source tree this plugin was built from. */
gchar *
gst_mnv3_inference_default_model (void)
{
  const gchar *dir = g_getenv ("MNV3_MODEL_DIR");

  if (dir && *dir)
    return g_build_filename (dir, MNV3_DEFAULT_MODEL_NAME, NULL);
  if (g_file_test (MNV3_DEFAULT_MODEL_INSTALLED, G_FILE_TEST_IS_REGULAR))
    return g_strdup (MNV3_DEFAULT_MODEL_INSTALLED);
  return g_strdup (MNV3_DEFAULT_MODEL_SOURCE);
}

void
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

gboolean
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

void
gst_mnv3_load_error_clear (GstMnv3LoadError * err)
{
  g_clear_pointer (&err->text, g_free);
  g_clear_pointer (&err->debug, g_free);
  err->domain = 0;
  err->code = 0;
}

static void
gst_mnv3_load_error_set (GstMnv3LoadError * err, GQuark domain, gint code,
    gchar * text, gchar * debug)
{
  gst_mnv3_load_error_clear (err);
  err->domain = domain;
  err->code = code;
  err->text = text;
  err->debug = debug;
}

/* @suffix is appended to the text (NULL: nothing); @details (taken) goes
 * into the message for applications. */
void
gst_mnv3_load_error_post (GstMnv3Inference * self, GstMessageType type,
    const GstMnv3LoadError * err, const gchar * suffix, GstStructure * details)
{
  gst_element_message_full_with_details (GST_ELEMENT (self), type,
      err->domain, err->code, g_strconcat (err->text, suffix, NULL),
      g_strdup (err->debug), __FILE__, GST_FUNCTION, __LINE__, details);
}

/* The model property, or the embedded classifier when unset. */
gchar *
gst_mnv3_inference_model_path (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gchar *path;

  GST_OBJECT_LOCK (self);
  path = g_strdup (priv->model_path);
  GST_OBJECT_UNLOCK (self);
  if (!path || !*path) {
    g_free (path);
    path = gst_mnv3_inference_default_model ();
  }
  return path;
}

gboolean
gst_mnv3_inference_acquire (const gchar * path, mnv3_model ** model,
    GstMnv3LoadError * err)
{
  gchar *reason = NULL;
  mnv3_status st = gst_mnv3_model_cache_acquire (path, model, &reason);

  if (st == MNV3_OK)
    return TRUE;
  gst_mnv3_load_error_set (err, GST_RESOURCE_ERROR,
      st == MNV3_ERR_IO && !g_file_test (path, G_FILE_TEST_EXISTS) ?
      GST_RESOURCE_ERROR_NOT_FOUND : GST_RESOURCE_ERROR_OPEN_READ,
      g_strdup_printf ("Could not load model file '%s': %s", path, reason),
      g_strdup_printf ("mnv3 status: %s", mnv3_status_string (st)));
  g_free (reason);
  return FALSE;
}

/* The labels file at @path, else the model's own labels (absent labels are
 * fine: results then carry class numbers only). */
gboolean
gst_mnv3_inference_read_labels (const gchar * path, const mnv3_model * model,
    mnv3_labels * labels, GstMnv3LoadError * err)
{
  char why[256];

  memset (labels, 0, sizeof *labels);
  if (path && *path) {
    if (mnv3_labels_load (path, labels, why, sizeof why) != 0) {
      memset (labels, 0, sizeof *labels);
      gst_mnv3_load_error_set (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ,
          g_strdup_printf ("Could not read labels file '%s': %s", path, why),
          NULL);
      return FALSE;
    }
  } else if (model) {
    if (mnv3_labels_from_model (model, labels) != 0)
      memset (labels, 0, sizeof *labels);
  }
  return TRUE;
}

/* Checks common to every task: one NHWC RGB input. */
gboolean
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

gboolean
gst_mnv3_inference_check_size (const mnv3_model * model, int want_height,
    int want_width, gchar ** reason)
{
  mnv3_tensor_info in;

  if ((want_height <= 0 && want_width <= 0)
      || mnv3_model_input_info (model, 0, &in) != MNV3_OK || in.rank != 4)
    return TRUE;
  /* free H/W (ONNX dynamic axes; "input_size" is then only a default) */
  if (in.dims[1] <= 0 || in.dims[2] <= 0
      || g_strcmp0 (mnv3_model_metadata (model, "input_dynamic"), "1") == 0)
    return TRUE;
  if ((want_height > 0 && want_height != in.dims[1])
      || (want_width > 0 && want_width != in.dims[2])) {
    *reason = g_strdup_printf ("its input size is fixed at %" G_GINT64_FORMAT
        "x%" G_GINT64_FORMAT " (width x height) but input-width/input-height "
        "ask for %dx%d (0: the model's); only models with a dynamic input "
        "size run at another size", in.dims[2], in.dims[1],
        want_width > 0 ? want_width : (int) in.dims[2],
        want_height > 0 ? want_height : (int) in.dims[1]);
    return FALSE;
  }
  return TRUE;
}

/* Two runs on a blank input: the first pays for page faults and lazy
 * set-up, the second estimates the latency reported before real frames
 * have been measured.  < 0 when a run failed. */
gdouble
gst_mnv3_inference_measure (mnv3_session * session, int in_height,
    int in_width)
{
  float *in = mnv3_session_input (session, 0);
  gint64 t0 = 0;
  int i;

  for (i = 0; i < 2; i++) {
    memset (in, 0, sizeof (float) * in_width * in_height * 3);
    t0 = g_get_monotonic_time ();
    if (mnv3_session_run (session) != MNV3_OK)
      return -1.0;
  }
  /* pre-processing adds little next to the network: count 10 % */
  return 1.1 * (g_get_monotonic_time () - t0) / 1000.0;
}

static void
gst_mnv3_inference_warm_up (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gdouble ms = gst_mnv3_inference_measure (priv->session, priv->in_height,
      priv->in_width);

  if (ms < 0.0)
    return;
  GST_OBJECT_LOCK (self);
  priv->estimate_ms = ms;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "estimated latency %.2f ms", ms);
}

static gint
default_num_threads (void)
{
  return CLAMP ((gint) g_get_num_processors (), 1, MAX_THREADS);
}

/* num-threads, or its automatic value: every core in sync mode; in async
 * mode one fewer (the worker counts), so the video path keeps a core. */
gint
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

/* The session options the properties ask for (engine_lock held: the
 * automatic thread count depends on the mode). */
mnv3_session_options
gst_mnv3_inference_session_options (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  mnv3_session_options opts = mnv3_session_options_default ();

  opts.num_threads = gst_mnv3_inference_threads (self);
  GST_OBJECT_LOCK (self);
  /* input-width/input-height, applied by new_session() */
  opts.input_height = priv->input_height;
  opts.input_width = priv->input_width;
  opts.limit_scale = (int) priv->limit_scale;
  opts.precision = priv->precision == GST_MNV3_PRECISION_FP32 ?
      MNV3_PRECISION_FP32 : MNV3_PRECISION_AUTO;
  GST_OBJECT_UNLOCK (self);
  return opts;
}

/* A session on @model: opts.input_height/width when set (input-height,
 * input-width: checked against the model by check_size() first), else the
 * input size the model declares, else (req_* 0) its "input_size" metadata,
 * else DYNAMIC_INPUT_SIZE.  FALSE with mnv3_last_error() (this thread's)
 * set. */
gboolean
gst_mnv3_inference_new_session (const mnv3_model * model,
    mnv3_session_options opts, int req_height, int req_width,
    mnv3_session ** session, int *in_height, int *in_width)
{
  /* a dynamic dimension: the engine takes the model's "input_size"
   * metadata when it has one, else DYNAMIC_INPUT_SIZE */
  gboolean meta = mnv3_model_metadata (model, "input_size") != NULL;
  mnv3_tensor_info info;
  mnv3_status st;

  if (opts.input_height <= 0)
    opts.input_height = req_height > 0 || meta ? 0 : DYNAMIC_INPUT_SIZE;
  if (opts.input_width <= 0)
    opts.input_width = req_width > 0 || meta ? 0 : DYNAMIC_INPUT_SIZE;
  st = mnv3_session_create (model, &opts, session);
  if (st == MNV3_OK) {
    st = mnv3_session_input_info (*session, 0, &info);
    if (st == MNV3_OK) {
      *in_height = (int) info.dims[1];
      *in_width = (int) info.dims[2];
    }
  }
  if (st != MNV3_OK) {
    g_clear_pointer (session, mnv3_session_free);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_mnv3_inference_create_session (GstMnv3Inference * self, int req_height,
    int req_width)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  g_clear_pointer (&priv->pp, mnv3_preprocess_free);
  g_clear_pointer (&priv->session, mnv3_session_free);

  if (!gst_mnv3_inference_new_session (priv->model,
          gst_mnv3_inference_session_options (self), req_height, req_width,
          &priv->session, &priv->in_height, &priv->in_width)) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not prepare model '%s' for inference: %s", priv->model_name,
            mnv3_last_error ()), (NULL));
    return FALSE;
  }
  /* in async mode the worker pays for the first run, not the frames;
   * start() always warms up (it is not on the streaming thread) */
  if (!priv->async || !priv->started)
    gst_mnv3_inference_warm_up (self);
  return TRUE;
}

/* At start: the model, labels and session, or an element error. */
gboolean
gst_mnv3_inference_load_model (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3LoadError err = { 0 };
  gchar *path, *labels_path, *reason = NULL;
  int h = 0, w = 0, want_h, want_w;

  gst_mnv3_inference_release_engine (self);

  path = gst_mnv3_inference_model_path (self);
  GST_OBJECT_LOCK (self);
  labels_path = g_strdup (priv->labels_path);
  want_h = priv->input_height;
  want_w = priv->input_width;
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "loading model '%s'", path);
  if (!gst_mnv3_inference_acquire (path, &priv->model, &err))
    goto fail;
  priv->model_name = g_path_get_basename (path);
  mnv3_normalization_from_model (priv->model, priv->mean, priv->std);

  if (!gst_mnv3_inference_read_labels (labels_path, priv->model,
          &priv->labels, &err))
    goto fail;
  if (!gst_mnv3_inference_check_input (priv->model, &h, &w, &reason)
      || !gst_mnv3_inference_check_size (priv->model, want_h, want_w,
          &reason)
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

  GST_OBJECT_LOCK (self);
  g_free (priv->active_model);
  priv->active_model = path;
  GST_OBJECT_UNLOCK (self);
  g_free (labels_path);
  g_free (reason);
  return TRUE;

fail:
  if (err.domain)
    gst_mnv3_load_error_post (self, GST_MESSAGE_ERROR, &err, NULL, NULL);
  gst_mnv3_load_error_clear (&err);
  gst_mnv3_inference_release_engine (self);
  g_free (path);
  g_free (labels_path);
  g_free (reason);
  return FALSE;
}

/* Rebuild what property changes made while running invalidated.  A new
 * model or labels file is made ready off the streaming thread
 * (gstmnv3inference-swap.c): until then frames keep the old one. */
gboolean
gst_mnv3_inference_apply_pending (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  guint pending;

  GST_OBJECT_LOCK (self);
  pending = priv->pending;
  priv->pending = 0;
  GST_OBJECT_UNLOCK (self);

  /* a load in progress was made for the old settings */
  if (pending & PENDING_SESSION)
    gst_mnv3_inference_swap_outdated (self);
  if (!gst_mnv3_inference_swap_poll (self,
          (pending & (PENDING_MODEL | PENDING_LABELS)) != 0))
    return FALSE;

  if (pending & PENDING_SESSION) {
    mnv3_tensor_info in;

    /* the worker must let go of the session */
    gst_mnv3_inference_drop_inflight (self, TRUE);
    mnv3_model_input_info (priv->model, 0, &in);
    if (!gst_mnv3_inference_create_session (self, (int) in.dims[1],
            (int) in.dims[2]))
      return FALSE;
    pending |= PENDING_PREPROCESS;
  }
  if (pending & PENDING_PREPROCESS)
    return gst_mnv3_inference_build_preprocess (self);
  return TRUE;
}
