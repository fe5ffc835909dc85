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

gboolean
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

gboolean
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

/* Rebuild what property changes made while running invalidated. */
gboolean
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
