/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: QoS (skipping inference on late frames, never dropping
 * them), the latency this element reports, and the statistics behind the
 * read-only properties.  These fields are under the object lock.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmnv3inference-private.h"

#define GST_CAT_DEFAULT gst_mnv3_inference_debug

gboolean
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
  return gst_mnv3_inference_parent ()->src_event
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

gboolean
gst_mnv3_inference_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMnv3Inference *self = GST_MNV3_INFERENCE (trans);
  GstMnv3InferencePrivate *priv = PRIV (self);
  gboolean ret;

  ret = gst_mnv3_inference_parent ()->query
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

/* Async mode, after a frame is pushed on: a frame that prepared an input
 * for the worker counts in the streaming-thread time (since t0, in µs of
 * the monotonic clock; those are the frames delayed most), the others as
 * skipped. */
void
gst_mnv3_inference_count_async_frame (GstMnv3Inference * self,
    gboolean submitted, gint64 t0)
{
  GstMnv3InferencePrivate *priv = PRIV (self);

  GST_OBJECT_LOCK (self);
  if (submitted) {
    priv->stream_total_ms += (g_get_monotonic_time () - t0) / 1000.0;
    priv->stream_frames++;
  } else {
    priv->frames_skipped++;
  }
  GST_OBJECT_UNLOCK (self);
}

void
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

gboolean
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
