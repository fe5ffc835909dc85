/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Worker: see gstmnv3worker.h.  One mutex and one condition guard
 * the whole state; the network runs outside the lock.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3worker.h"

GST_DEBUG_CATEGORY_STATIC (gst_mnv3_worker_debug);
#define GST_CAT_DEFAULT gst_mnv3_worker_debug

struct _GstMnv3Worker {
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean quit;

  /* the job handed over, not started yet */
  gboolean pending;
  mnv3_session *session;
  GstMnv3WorkerJob job;
  guint job_generation;

  gboolean busy;                /* pending or running */
  guint generation;             /* bumped by discard() */

  /* the last finished run, until taken */
  gboolean have_result;
  guint result_generation;
  GstMnv3WorkerResult result;
};

/* A region job: each region's input into the session, a run, output 0
 * out.  Stops early (the result is dropped anyway) once discarded. */
static gboolean
gst_mnv3_worker_run_regions (GstMnv3Worker * w, mnv3_session * session,
    const GstMnv3WorkerJob * job, guint generation)
{
  float *in = mnv3_session_input (session, 0);
  guint i;

  for (i = 0; i < job->n_regions; i++) {
    const float *out;
    gboolean dropped;
    gint64 t0;

    g_mutex_lock (&w->lock);
    dropped = w->generation != generation;
    g_mutex_unlock (&w->lock);
    if (dropped)
      return TRUE;
    memcpy (in, job->region_inputs + i * job->input_len,
        job->input_len * sizeof (float));
    t0 = g_get_monotonic_time ();
    if (mnv3_session_run (session) != MNV3_OK)
      return FALSE;
    job->region_ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    out = mnv3_session_output (session, 0, NULL);
    memcpy (job->region_outputs + i * job->output_len, out,
        job->output_len * sizeof (float));
  }
  return TRUE;
}

/* What a result owns. */
static void
gst_mnv3_worker_result_clear (GstMnv3WorkerResult * res)
{
  g_clear_pointer (&res->error, g_free);
  if (res->post && res->post_free)
    res->post_free (res->post);
  res->post = NULL;
}

static gpointer
gst_mnv3_worker_loop (gpointer data)
{
  GstMnv3Worker *w = data;

  g_mutex_lock (&w->lock);
  for (;;) {
    GstMnv3WorkerResult res = { 0 };
    mnv3_session *session;
    guint generation;
    gint64 t0;

    while (!w->pending && !w->quit)
      g_cond_wait (&w->cond, &w->lock);
    if (w->quit && !w->pending)
      break;
    res.job = w->job;
    session = w->session;
    generation = w->job_generation;
    w->pending = FALSE;
    g_mutex_unlock (&w->lock);

    t0 = g_get_monotonic_time ();
    if (res.job.n_regions > 0)
      res.ok = gst_mnv3_worker_run_regions (w, session, &res.job, generation);
    else
      res.ok = mnv3_session_run (session) == MNV3_OK;
    res.run_ms = (g_get_monotonic_time () - t0) / 1000.0;
    if (!res.ok)
      res.error = g_strdup (mnv3_last_error ());
    if (res.ok && res.job.n_regions == 0 && res.job.postprocess) {
      gboolean dropped;

      g_mutex_lock (&w->lock);
      dropped = w->generation != generation;
      g_mutex_unlock (&w->lock);
      if (!dropped) {
        t0 = g_get_monotonic_time ();
        res.post = res.job.postprocess (res.job.post_data, session, &res.job,
            &res.post_free, &res.error);
        res.post_ms = (g_get_monotonic_time () - t0) / 1000.0;
        if (!res.post) {
          res.ok = FALSE;
          if (!res.error)
            res.error = g_strdup ("post-processing failed");
        }
      }
    }

    g_mutex_lock (&w->lock);
    if (w->have_result)
      gst_mnv3_worker_result_clear (&w->result);
    w->result = res;
    w->result_generation = generation;
    w->have_result = TRUE;
    w->busy = FALSE;
    g_cond_broadcast (&w->cond);
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

GstMnv3Worker *
gst_mnv3_worker_new (const gchar * name)
{
  GstMnv3Worker *w = g_new0 (GstMnv3Worker, 1);
  GError *err = NULL;

  if (!gst_mnv3_worker_debug)
    GST_DEBUG_CATEGORY_INIT (gst_mnv3_worker_debug, "mnv3worker", 0,
        "mnv3 asynchronous inference thread");
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->thread = g_thread_try_new (name, gst_mnv3_worker_loop, w, &err);
  if (!w->thread) {
    GST_ERROR ("cannot start the inference thread: %s", err->message);
    g_error_free (err);
    g_mutex_clear (&w->lock);
    g_cond_clear (&w->cond);
    g_free (w);
    return NULL;
  }
  return w;
}

void
gst_mnv3_worker_free (GstMnv3Worker * w)
{
  if (!w)
    return;
  g_mutex_lock (&w->lock);
  w->quit = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  if (w->have_result)
    gst_mnv3_worker_result_clear (&w->result);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w);
}

gboolean
gst_mnv3_worker_is_idle (GstMnv3Worker * w)
{
  gboolean idle;

  g_mutex_lock (&w->lock);
  /* a dropped generation's result is nobody's: clear it now */
  if (w->have_result && w->result_generation != w->generation) {
    gst_mnv3_worker_result_clear (&w->result);
    w->have_result = FALSE;
  }
  /* a result not taken yet (the run finished after the caller's take())
   * must not be overwritten by the next job */
  idle = !w->busy && !w->have_result;
  g_mutex_unlock (&w->lock);
  return idle;
}

void
gst_mnv3_worker_submit (GstMnv3Worker * w, mnv3_session * session,
    const GstMnv3WorkerJob * job)
{
  g_mutex_lock (&w->lock);
  g_warn_if_fail (!w->busy && !w->have_result);
  w->session = session;
  w->job = *job;
  w->job_generation = w->generation;
  w->pending = TRUE;
  w->busy = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

gboolean
gst_mnv3_worker_take (GstMnv3Worker * w, GstMnv3WorkerResult * out)
{
  gboolean got = FALSE;

  g_mutex_lock (&w->lock);
  if (w->have_result) {
    if (w->result_generation == w->generation) {
      *out = w->result;
      got = TRUE;
    } else {
      gst_mnv3_worker_result_clear (&w->result);
    }
    w->have_result = FALSE;
  }
  g_mutex_unlock (&w->lock);
  return got;
}

void
gst_mnv3_worker_wait_idle (GstMnv3Worker * w)
{
  g_mutex_lock (&w->lock);
  while (w->busy)
    g_cond_wait (&w->cond, &w->lock);
  g_mutex_unlock (&w->lock);
}

gboolean
gst_mnv3_worker_discard (GstMnv3Worker * w)
{
  gboolean dropped;

  g_mutex_lock (&w->lock);
  /* only what this generation would still have returned: a job already
   * dropped by an earlier call is not counted again */
  dropped = (w->busy && w->job_generation == w->generation)
      || (w->have_result && w->result_generation == w->generation);
  w->generation++;
  g_mutex_unlock (&w->lock);
  return dropped;
}
