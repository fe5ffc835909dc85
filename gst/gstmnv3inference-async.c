/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference in async mode: the worker thread (gstmnv3worker.h) runs
 * the network while frames flow; choosing the mode (`auto`: async when a
 * live source feeds us); the per-frame path of async mode.
 * engine_lock held throughout.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3inference-private.h"

#define GST_CAT_DEFAULT gst_mnv3_inference_debug

/* Drop the work in flight: no result made before this point is handed to
 * the subclass (its frame counts as skipped).  With @wait, also wait until
 * the worker lets go of the session (before changing or freeing it). */
void
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
gboolean
gst_mnv3_inference_set_async (GstMnv3Inference * self, gboolean async)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  gint before = gst_mnv3_inference_threads (self);

  if (async == priv->async)
    return TRUE;
  /* a model loading in the background gets threads for the old mode */
  gst_mnv3_inference_swap_outdated (self);
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
gboolean
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

/* On the worker thread, right after the network: the subclass decodes the
 * outputs there (see postprocess in gstmnv3inference.h).  The model name
 * stays valid: a model swap waits for the worker first. */
static gpointer
gst_mnv3_inference_postprocess (gpointer user_data, mnv3_session * session,
    const GstMnv3WorkerJob * job, GDestroyNotify * post_free, gchar ** error)
{
  GstMnv3Inference *self = user_data;
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3InferenceFrame fr = { 0 };

  fr.fresh = TRUE;
  fr.model_name = PRIV (self)->model_name;
  fr.width = job->width;
  fr.height = job->height;
  fr.sampled = job->sampled;
  fr.placed = job->placed;
  fr.running_time = job->running_time;
  fr.source_pts = job->pts;
  fr.age = GST_CLOCK_TIME_IS_VALID (job->pts) ? 0 : GST_CLOCK_TIME_NONE;
  return klass->postprocess (self, session, &fr, post_free, error);
}

/* Hand the frame to the idle worker: pre-processed into the session input
 * here (~1 ms), run there. */
static gboolean
gst_mnv3_inference_submit (GstMnv3Inference * self, GstBuffer * buf,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
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
  if (klass->postprocess && klass->attach_result) {
    job.postprocess = gst_mnv3_inference_postprocess;
    job.post_data = self;
  }
  gst_mnv3_worker_submit (priv->worker, priv->session, &job);
  priv->since_last = 0;
  return TRUE;
}

/* async: attach the newest finished result (fresh on the first frame after
 * it finished), then give this frame to the worker if it is idle and the
 * schedule picks it.  Never waits for the network. */
GstFlowReturn
gst_mnv3_inference_transform_async (GstMnv3Inference * self, GstBuffer * buf,
    GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3WorkerResult res = { 0 };
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
  if (fr->fresh && res.post) {
    /* decoded on the worker: only attached here */
    ret = klass->attach_result (self, buf, res.post, fr);
  } else if (fr->fresh)
    ret = klass->process_output (self, buf, priv->session, fr);
  else if (klass->carry_forward)
    klass->carry_forward (self, buf, fr);
  if (ret != GST_FLOW_OK)
    return ret;

  submit = gst_mnv3_worker_is_idle (priv->worker)
      && gst_mnv3_inference_should_infer (self, buf, fr->running_time);
  if (submit && !gst_mnv3_inference_submit (self, buf, fr))
    return GST_FLOW_ERROR;

  gst_mnv3_inference_count_async_frame (self, submit, t0);
  return GST_FLOW_OK;
}
