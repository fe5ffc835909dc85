/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: the GstBaseTransform side: start/stop, caps, events and
 * the per-frame path (sync mode here, async mode in gstmnv3inference-async.c),
 * and region runs for subclasses.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3inference-private.h"

#define GST_CAT_DEFAULT gst_mnv3_inference_debug

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

gboolean
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

gboolean
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
  gst_mnv3_inference_free_regions (self);
  priv->region_path = FALSE;
  if (klass->reset)
    klass->reset (self);
  gst_mnv3_inference_swap_cancel (self);
  gst_mnv3_inference_release_engine (self);
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&priv->active_model, g_free);
  GST_OBJECT_UNLOCK (self);
  priv->started = FALSE;
  priv->have_info = FALSE;
  g_mutex_unlock (&priv->engine_lock);
  return TRUE;
}

gboolean
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

gboolean
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
  return gst_mnv3_inference_parent ()->sink_event
      (trans, event);
}

/* Pre-process the frame into the session input (a copy: the buffer may go
 * once this returns). */
gboolean
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
void
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

GstFlowReturn
gst_mnv3_inference_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3InferenceFrame fr = { 0 };
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean swapped, frame_run, regions;

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

  frame_run = !klass->wants_frame_run || klass->wants_frame_run (self);
  regions = !frame_run && gst_mnv3_inference_async_regions (self)
      && !gst_mnv3_inference_regions_sync (self, buf);
  if (priv->async && regions != priv->region_path) {
    /* inference-region changed: a job of the other kind is nobody's */
    gst_mnv3_inference_drop_inflight (self, FALSE);
    priv->region_path = regions;
  }
  /* the first frame after a model swap waits for its result even in async
   * mode: the swap dropped the old result, and no frame goes without one
   * (regions excepted: their results never ride on their own frame) */
  if (priv->async && regions)
    ret = gst_mnv3_inference_transform_async_regions (self, buf, &fr);
  else if (priv->async && !priv->sync_once && frame_run)
    ret = gst_mnv3_inference_transform_async (self, buf, &fr);
  else {
    /* region runs use the session on this thread */
    gst_mnv3_inference_drop_inflight (self, TRUE);
    ret = gst_mnv3_inference_transform_sync (self, buf, &fr);
  }
  priv->sync_once = FALSE;

done:
  swapped = priv->swapped;
  priv->swapped = FALSE;
  g_mutex_unlock (&priv->engine_lock);
  /* outside the engine lock: a handler may query the element */
  if (swapped)
    g_object_notify (G_OBJECT (self), "active-model");
  return ret;
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
