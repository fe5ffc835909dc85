/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference in async mode for subclasses that run the model on
 * regions of the frame (mnv3classify inference-region=roi-list): region
 * jobs on the worker thread (gstmnv3worker.h).
 *
 * The streaming thread never waits for the network.  On each frame it
 * hands the subclass the results of the region job that finished since the
 * previous frame (attach_regions), then, when the worker is idle and the
 * schedule picks the frame, asks the subclass which regions to run
 * (select_regions), pre-processes each into an input of its own (the crop,
 * stretched to the model input: what must outlive the buffer) and submits
 * them as one job.  The inputs, outputs and the list of regions live in
 * the private part and are reused from job to job; while a job is in
 * flight they are the worker's, exactly like the session.
 *
 * The job carries the worker's generation like a full-frame job, so the
 * flush, caps change, model swap and EOS handling of the base class
 * (gst_mnv3_inference_drop_inflight) drop it the same way: no result of a
 * region cut before those ever reaches attach_regions.
 * engine_lock held throughout.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3inference-private.h"

#define GST_CAT_DEFAULT gst_mnv3_inference_debug

/* Whether this frame's region work goes to the worker: the subclass runs
 * regions (wants_frame_run FALSE) and implements both region vfuncs. */
gboolean
gst_mnv3_inference_async_regions (GstMnv3Inference * self)
{
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);

  return klass->select_regions && klass->attach_regions
      && klass->wants_frame_run && !klass->wants_frame_run (self);
}

gboolean
gst_mnv3_inference_regions_sync (GstMnv3Inference * self, GstBuffer * buf)
{
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3InferencePrivate *priv = PRIV (self);
  gboolean auto_mode;

  if (!priv->async || !klass->regions_need_sync)
    return FALSE;
  GST_OBJECT_LOCK (self);
  auto_mode = priv->mode == GST_MNV3_INFERENCE_MODE_AUTO;
  GST_OBJECT_UNLOCK (self);
  return auto_mode && klass->regions_need_sync (self, buf);
}

void
gst_mnv3_inference_free_regions (GstMnv3Inference * self)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  g_clear_pointer (&priv->region_in, g_free);
  g_clear_pointer (&priv->region_out, g_free);
  g_clear_pointer (&priv->region_run_ms, g_free);
  g_clear_pointer (&priv->region_prep_ms, g_free);
  g_clear_pointer (&priv->job_regions, g_array_unref);
  priv->region_in_cap = 0;
  priv->region_out_cap = 0;
  priv->region_cap = 0;
}

/* Room for @n regions of @in_len input and @out_len output floats. */
static void
gst_mnv3_inference_region_room (GstMnv3InferencePrivate * priv, guint n,
    gsize in_len, gsize out_len)
{
  if (n * in_len > priv->region_in_cap) {
    g_free (priv->region_in);
    priv->region_in_cap = n * in_len;
    priv->region_in = g_new (float, priv->region_in_cap);
  }
  if (n * out_len > priv->region_out_cap) {
    g_free (priv->region_out);
    priv->region_out_cap = n * out_len;
    priv->region_out = g_new (float, priv->region_out_cap);
  }
  if (n > priv->region_cap) {
    priv->region_cap = n;
    priv->region_run_ms = g_renew (gdouble, priv->region_run_ms, n);
    priv->region_prep_ms = g_renew (gdouble, priv->region_prep_ms, n);
  }
}

/* Cut and pre-process every region of priv->job_regions from @buf into
 * the job inputs (~0.1-0.5 ms each), then hand the job over. */
static gboolean
gst_mnv3_inference_submit_regions (GstMnv3Inference * self, GstBuffer * buf,
    const GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GArray *regions = priv->job_regions;
  GstMnv3WorkerJob job = { 0 };
  mnv3_tensor_info oinfo;
  GstVideoFrame vframe;
  mnv3_frame frame;
  gsize in_len = (gsize) priv->in_width * priv->in_height * 3;
  gsize out_len = 1;
  gint64 t0 = g_get_monotonic_time ();
  guint i;
  int d;

  if (!mnv3_session_output (priv->session, 0, &oinfo) || oinfo.rank < 1) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The model has no output"),
        (NULL));
    return FALSE;
  }
  for (d = 0; d < oinfo.rank; d++)
    out_len *= (gsize) MAX (oinfo.dims[d], 1);
  gst_mnv3_inference_region_room (priv, regions->len, in_len, out_len);

  if (!gst_video_frame_map (&vframe, &priv->vinfo, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video frame"),
        (NULL));
    return FALSE;
  }
  gst_mnv3_frame_from_video (&vframe, &frame);
  for (i = 0; i < regions->len; i++) {
    const GstMnv3Region *r = &g_array_index (regions, GstMnv3Region, i);
    gint64 t1 = g_get_monotonic_time ();
    gchar *reason = NULL;
    mnv3_preprocess *pp;

    pp = gst_mnv3_preprocess_new (&priv->vinfo, MNV3_FIT_STRETCH, &r->rect,
        priv->in_width, priv->in_height, priv->mean, priv->std, NULL, NULL,
        &reason);
    if (!pp) {
      gst_video_frame_unmap (&vframe);
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("Cannot pre-process region %d,%d %dx%d: %s", r->rect.x, r->rect.y,
              r->rect.w, r->rect.h, reason), (NULL));
      g_free (reason);
      return FALSE;
    }
    /* the worker is idle: the session's thread pool is free to borrow */
    mnv3_preprocess_run (pp, &frame, priv->region_in + i * in_len,
        priv->session);
    mnv3_preprocess_free (pp);
    priv->region_prep_ms[i] = (g_get_monotonic_time () - t1) / 1000.0;
  }
  gst_video_frame_unmap (&vframe);

  job.pts = GST_BUFFER_PTS (buf);
  job.running_time = fr->running_time;
  job.width = fr->width;
  job.height = fr->height;
  job.prepare_ms = (g_get_monotonic_time () - t0) / 1000.0;
  job.n_regions = regions->len;
  job.region_inputs = priv->region_in;
  job.input_len = in_len;
  job.region_outputs = priv->region_out;
  job.output_len = out_len;
  job.region_ms = priv->region_run_ms;
  GST_LOG_OBJECT (self, "%u regions of %" GST_TIME_FORMAT " handed over "
      "(%.2f ms)", job.n_regions, GST_TIME_ARGS (job.pts), job.prepare_ms);
  gst_mnv3_worker_submit (priv->worker, priv->session, &job);
  return TRUE;
}

GstFlowReturn
gst_mnv3_inference_transform_async_regions (GstMnv3Inference * self,
    GstBuffer * buf, GstMnv3InferenceFrame * fr)
{
  GstMnv3InferencePrivate *priv = PRIV (self);
  GstMnv3InferenceClass *klass = GST_MNV3_INFERENCE_GET_CLASS (self);
  GstMnv3RegionResult *results = NULL;
  GstMnv3WorkerResult res;
  GstFlowReturn ret;
  gint64 t0 = g_get_monotonic_time ();
  guint n = 0, i;
  gboolean submit = FALSE;

  if (!priv->job_regions)
    priv->job_regions = g_array_new (FALSE, TRUE, sizeof (GstMnv3Region));
  if (priv->since_last < G_MAXUINT)
    priv->since_last++;

  fr->fresh = gst_mnv3_worker_take (priv->worker, &res);
  /* a full-frame job cannot be here: switching paths drops it */
  if (fr->fresh && res.ok && res.job.n_regions == 0)
    fr->fresh = FALSE;
  if (fr->fresh) {
    if (!res.ok) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("Inference with model '%s' failed: %s", priv->model_name,
              res.error), (NULL));
      g_free (res.error);
      return GST_FLOW_ERROR;
    }
    n = res.job.n_regions;
    results = g_new0 (GstMnv3RegionResult, n);
    for (i = 0; i < n; i++) {
      results[i].region = g_array_index (priv->job_regions, GstMnv3Region, i);
      results[i].output = priv->region_out + i * res.job.output_len;
      results[i].output_len = res.job.output_len;
      results[i].latency_ms = priv->region_prep_ms[i] + priv->region_run_ms[i];
    }
    priv->last_latency_ms = res.job.prepare_ms + res.run_ms;
    gst_mnv3_inference_update_stats (self, priv->last_latency_ms);
    priv->result_pts = res.job.pts;
    fr->latency_ms = priv->last_latency_ms;
  }
  gst_mnv3_inference_set_source (fr, buf, priv->result_pts);
  GST_OBJECT_LOCK (self);
  fr->fps = priv->fps;
  GST_OBJECT_UNLOCK (self);

  /* the worker is idle when results were taken: their buffers are ours */
  ret = klass->attach_regions (self, buf, results, n, fr);
  g_free (results);
  if (ret != GST_FLOW_OK)
    return ret;

  if (gst_mnv3_worker_is_idle (priv->worker)
      && gst_mnv3_inference_should_infer (self, buf, fr->running_time)) {
    g_array_set_size (priv->job_regions, 0);
    klass->select_regions (self, buf, fr, priv->job_regions);
    priv->since_last = 0;
    submit = priv->job_regions->len > 0;
    if (submit && !gst_mnv3_inference_submit_regions (self, buf, fr))
      return GST_FLOW_ERROR;
  }

  gst_mnv3_inference_count_async_frame (self, submit, t0);
  return GST_FLOW_OK;
}
