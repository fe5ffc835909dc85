/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: a model (or labels-file) change while running never
 * stops the stream.
 *
 * The streaming thread notices the change before a frame and hands the
 * loader thread a snapshot of the settings (a "candidate"): it loads
 * the model through the cache, reads the labels, checks the input, creates
 * the session and warms it up, which is the slow part (tens to hundreds of
 * milliseconds).  Frames meanwhile keep the old model.  Before each frame
 * the streaming thread looks whether the loader is done (one atomic read);
 * if so it takes the candidate back and, between two frames:
 *
 *  - a newer change arrived meanwhile: the candidate is dropped and a load
 *    for the newest settings starts (only the last change takes effect);
 *  - the load failed, or the subclass refuses the model (check_model, run
 *    here because it sets up subclass state the frames read): a
 *    GST_ELEMENT_WARNING names the file and the reason, with a
 *    "mnv3-model-change-failed" details structure; the old model stays;
 *  - else the candidate replaces model, labels and session; the run in
 *    flight (async mode) is dropped, the subclass reset, the frame inferred
 *    with the new model at once (synchronously even in async mode, so no
 *    frame goes without a result), an element message
 *    "mnv3-model-changed" is posted and `active-model` notified.
 *
 * Threads: one loader thread serves every element of the process and is
 * kept for its life (a GThread fed by a queue under loader_lock), so the
 * models and sessions it makes always come from the same malloc arena and
 * repeated swaps reuse that memory: with a new thread per load, glibc gave
 * each load whatever arena was free and test_soak's RSS grew by 29 MB in
 * 15 s after warm-up (+0.6 MB with MALLOC_ARENA_MAX=1: fragmentation, not
 * a leak).  Loads of different elements therefore run one after the
 * other.  The candidate belongs to the loader until `done` is set (under
 * loader_lock), then to the streaming thread.  The loader touches no
 * element state: model cache, files, its own session.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3modelcache.h"
#include "gstmnv3inference-private.h"

#define GST_CAT_DEFAULT gst_mnv3_inference_debug

typedef struct _GstMnv3Candidate {
  /* the request (settings when the load started) */
  gchar *path;
  gchar *labels_path;
  mnv3_session_options opts;
  guint delay_ms;               /* MNV3_TEST_MODEL_LOAD_DELAY_MS */

  /* filled by the loader */
  gint done;                    /* atomic; set under loader_lock */
  GstMnv3LoadError err;
  mnv3_model *model;
  gchar *model_name;
  mnv3_labels labels;
  float mean[3], std[3];
  mnv3_session *session;
  int in_width, in_height;
  gdouble estimate_ms;
} GstMnv3Candidate;

static void
candidate_free (GstMnv3Candidate * c)
{
  g_clear_pointer (&c->session, mnv3_session_free);
  mnv3_labels_free (&c->labels);
  if (c->model)
    gst_mnv3_model_cache_release (c->model);
  gst_mnv3_load_error_clear (&c->err);
  g_free (c->model_name);
  g_free (c->path);
  g_free (c->labels_path);
  g_free (c);
}

/* A queue and thread of our own rather than a GThreadPool: its hand-off
 * is made under a GMutex the ThreadSanitizer build can see (GLib's
 * internal queue lock it cannot; tests/gst/tsan-glib.c). */
static GMutex loader_lock;
static GCond loader_wake;       /* the queue is not empty */
static GCond loader_cond;       /* a candidate is done */
static GQueue loader_queue = G_QUEUE_INIT;
static GThread *loader_thread;

/* On the loader thread: everything slow, nothing of the element. */
static void
candidate_load (GstMnv3Candidate * c)
{
  gchar *reason = NULL;
  int h = 0, w = 0;

  /* tests stretch the load to watch frames flow meanwhile */
  if (c->delay_ms > 0)
    g_usleep (c->delay_ms * (gulong) 1000);
  if (!gst_mnv3_inference_acquire (c->path, &c->model, &c->err))
    goto done;
  c->model_name = g_path_get_basename (c->path);
  mnv3_normalization_from_model (c->model, c->mean, c->std);
  if (!gst_mnv3_inference_read_labels (c->labels_path, c->model, &c->labels,
          &c->err))
    goto done;
  if (!gst_mnv3_inference_check_input (c->model, &h, &w, &reason)
      || !gst_mnv3_inference_check_size (c->model, c->opts.input_height,
          c->opts.input_width, &reason)) {
    c->err.domain = GST_RESOURCE_ERROR;
    c->err.code = GST_RESOURCE_ERROR_SETTINGS;
    c->err.text = g_strdup_printf ("Model file '%s' cannot be used: %s",
        c->path, reason);
    goto done;
  }
  if (!gst_mnv3_inference_new_session (c->model, c->opts, h, w, &c->session,
          &c->in_height, &c->in_width)) {
    /* e.g. beyond the engine's limits (limit-scale) */
    c->err.domain = GST_LIBRARY_ERROR;
    c->err.code = GST_LIBRARY_ERROR_INIT;
    c->err.text = g_strdup_printf ("Could not prepare model '%s' for "
        "inference: %s", c->path, mnv3_last_error ());
    goto done;
  }
  c->estimate_ms = gst_mnv3_inference_measure (c->session, c->in_height,
      c->in_width);
  if (c->estimate_ms < 0.0) {
    c->err.domain = GST_STREAM_ERROR;
    c->err.code = GST_STREAM_ERROR_FAILED;
    c->err.text = g_strdup_printf ("Inference with model '%s' failed: %s",
        c->path, mnv3_last_error ());
  }

done:
  g_free (reason);
  g_mutex_lock (&loader_lock);
  g_atomic_int_set (&c->done, 1);
  g_cond_broadcast (&loader_cond);
  g_mutex_unlock (&loader_lock);
}

static gpointer
loader_main (gpointer unused)
{
  (void) unused;
  for (;;) {
    GstMnv3Candidate *c;

    g_mutex_lock (&loader_lock);
    while (g_queue_is_empty (&loader_queue))
      g_cond_wait (&loader_wake, &loader_lock);
    c = g_queue_pop_head (&loader_queue);
    g_mutex_unlock (&loader_lock);
    candidate_load (c);
  }
  return NULL;
}

/* The process's loader, started on first use. */
static gboolean
loader_push (GstMnv3Candidate * c, GError ** error)
{
  g_mutex_lock (&loader_lock);
  if (!loader_thread)
    loader_thread = g_thread_try_new ("mnv3-loader", loader_main, NULL,
        error);
  if (loader_thread) {
    g_queue_push_tail (&loader_queue, c);
    g_cond_signal (&loader_wake);
  }
  g_mutex_unlock (&loader_lock);
  return loader_thread != NULL;
}

static void
gst_mnv3_inference_swap_start (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3Candidate *c = g_new0 (GstMnv3Candidate, 1);
  const gchar *delay = g_getenv ("MNV3_TEST_MODEL_LOAD_DELAY_MS");
  GError *error = NULL;

  c->path = gst_mnv3_inference_model_path (self);
  GST_OBJECT_LOCK (self);
  c->labels_path = g_strdup (priv->labels_path);
  GST_OBJECT_UNLOCK (self);
  c->opts = gst_mnv3_inference_session_options (self);
  c->delay_ms = delay ? (guint) g_ascii_strtoull (delay, NULL, 10) : 0;

  GST_INFO_OBJECT (self, "loading model '%s' (labels %s) in the background",
      c->path, c->labels_path ? c->labels_path : "of the model");
  if (!loader_push (c, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Could not start loading model '%s': %s", c->path,
            error ? error->message : "no thread"), (NULL));
    g_clear_error (&error);
    candidate_free (c);
    return;
  }
  priv->candidate = c;
}

/* The candidate did not load or does not fit: the old model stays. */
static void
gst_mnv3_inference_swap_refuse (GstMnv3Inference * self, GstMnv3Candidate * c)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstStructure *details;
  gchar *suffix, *reason;

  reason = c->err.text;
  details = gst_structure_new ("mnv3-model-change-failed",
      "model", G_TYPE_STRING, c->path,
      "labels-file", G_TYPE_STRING, c->labels_path,
      "reason", G_TYPE_STRING, reason,
      "active-model", G_TYPE_STRING, priv->active_model, NULL);
  suffix = g_strdup_printf ("; still using '%s'", priv->model_name);
  GST_WARNING_OBJECT (self, "%s%s", reason, suffix);
  gst_mnv3_load_error_post (self, GST_MESSAGE_WARNING, &c->err, suffix,
      details);
  g_free (suffix);
}

/* The subclass sees the candidate's labels while it checks the model; a
 * refusal puts the old labels back and checks the old model again, so
 * that what check_model set up fits the model that stays. */
static gboolean
gst_mnv3_inference_swap_check (GstMnv3Inference * self, GstMnv3Candidate * c)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  mnv3_labels old = priv->labels;
  gchar *reason = NULL, *again = NULL;

  priv->labels = c->labels;
  if (!klass->check_model || klass->check_model (self, c->model, &reason)) {
    memset (&c->labels, 0, sizeof c->labels);   /* now priv's */
    mnv3_labels_free (&old);
    return TRUE;
  }
  priv->labels = old;
  if (!klass->check_model (self, priv->model, &again))
    GST_WARNING_OBJECT (self, "the old model no longer passes: %s", again);
  g_free (again);
  c->err.domain = GST_RESOURCE_ERROR;
  c->err.code = GST_RESOURCE_ERROR_SETTINGS;
  c->err.text = g_strdup_printf ("Model file '%s'%s%s%s cannot be used by "
      "%s: %s", c->path, c->labels_path ? " with labels '" : "",
      c->labels_path ? c->labels_path : "", c->labels_path ? "'" : "",
      GST_OBJECT_NAME (self), reason ? reason : "unsuitable model");
  g_free (reason);
  return FALSE;
}

/* Between two frames: the candidate replaces the engine. */
static gboolean
gst_mnv3_inference_swap_commit (GstMnv3Inference * self, GstMnv3Candidate * c)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);

  /* the worker lets go of the old session; its result is the old model's */
  gst_mnv3_inference_drop_inflight (self, TRUE);
  if (!gst_mnv3_inference_swap_check (self, c)) {
    gst_mnv3_inference_swap_refuse (self, c);
    return TRUE;
  }

  g_clear_pointer (&priv->pp, mnv3_preprocess_free);
  g_clear_pointer (&priv->session, mnv3_session_free);
  gst_mnv3_model_cache_release (priv->model);
  g_free (priv->model_name);
  priv->model = c->model;
  priv->model_name = c->model_name;
  priv->session = c->session;
  priv->in_width = c->in_width;
  priv->in_height = c->in_height;
  memcpy (priv->mean, c->mean, sizeof priv->mean);
  memcpy (priv->std, c->std, sizeof priv->std);
  c->model = NULL;
  c->model_name = NULL;
  c->session = NULL;

  GST_OBJECT_LOCK (self);
  priv->estimate_ms = c->estimate_ms;
  g_free (priv->active_model);
  priv->active_model = g_strdup (c->path);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "now using model '%s'", c->path);

  if (klass->reset)
    klass->reset (self);
  /* this frame gets the new model's result: no gap in the results */
  priv->since_last = G_MAXUINT;
  priv->sync_once = TRUE;
  priv->swapped = TRUE;
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("mnv3-model-changed",
              "model", G_TYPE_STRING, c->path,
              "model-name", G_TYPE_STRING, priv->model_name,
              "labels-file", G_TYPE_STRING, c->labels_path, NULL)));
  return gst_mnv3_inference_build_preprocess (self);
}

gboolean
gst_mnv3_inference_swap_poll (GstMnv3Inference * self, gboolean wanted)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gboolean ok = TRUE;

  if (wanted)
    priv->reload_wanted = TRUE;
  if (priv->candidate && g_atomic_int_get (&priv->candidate->done)) {
    GstMnv3Candidate *c = priv->candidate;

    priv->candidate = NULL;
    if (priv->reload_wanted)
      GST_DEBUG_OBJECT (self, "'%s' superseded by a newer change", c->path);
    else if (c->err.domain)
      gst_mnv3_inference_swap_refuse (self, c);
    else
      ok = gst_mnv3_inference_swap_commit (self, c);
    candidate_free (c);
  }
  if (ok && priv->reload_wanted && !priv->candidate) {
    priv->reload_wanted = FALSE;
    gst_mnv3_inference_swap_start (self);
  }
  return ok;
}

void
gst_mnv3_inference_swap_outdated (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  if (priv->candidate)
    priv->reload_wanted = TRUE;
}

void
gst_mnv3_inference_swap_cancel (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  if (priv->candidate) {
    g_mutex_lock (&loader_lock);
    while (!g_atomic_int_get (&priv->candidate->done))
      g_cond_wait (&loader_cond, &loader_lock);
    g_mutex_unlock (&loader_lock);
    g_clear_pointer (&priv->candidate, candidate_free);
  }
  priv->reload_wanted = FALSE;
  priv->sync_once = FALSE;
  priv->swapped = FALSE;
}
