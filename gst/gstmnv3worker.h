/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Worker: the thread that runs the network in asynchronous mode.
 *
 * One job at a time.  The streaming thread fills the session input (the
 * pre-processed copy of a frame, which outlives the buffer) and submits a
 * job; the worker runs the session and keeps the result until the
 * streaming thread takes it.  While a job is in flight the session belongs
 * to the worker: the streaming thread must neither read its outputs, write
 * its input nor free it until gst_mnv3_worker_take() returned the result or
 * gst_mnv3_worker_wait_idle() returned.
 *
 * Every job carries a generation; gst_mnv3_worker_discard() bumps the
 * generation so that a job in flight (and a result not taken yet) is
 * dropped instead of being handed back (flushes, caps and model changes).
 *
 * A region job (n_regions > 0) runs the session once per region: the
 * streaming thread pre-processed each region into its own input (one after
 * the other in region_inputs); the worker copies each into the session
 * input, runs, and copies output 0 to region_outputs.  Those buffers belong
 * to the caller but, like the session, must not be touched while the job
 * is in flight.  A discarded region job stops after the region running.
 *
 * A job may name a post-processing step (postprocess, not for region
 * jobs): the worker calls it right after a successful run, with the
 * session outputs, and keeps what it returns in the result (post, freed
 * with post_free).  It is skipped when the job was discarded; a result
 * dropped by discard() (or left at free()) has its post freed by the
 * worker, so no post-processed result crosses a generation either.
 */
#ifndef __GST_MNV3_WORKER_H__
#define __GST_MNV3_WORKER_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include "mnv3.h"

G_BEGIN_DECLS

typedef struct _GstMnv3Worker GstMnv3Worker;
typedef struct _GstMnv3WorkerJob GstMnv3WorkerJob;

/* On the worker thread, after the run: what the streaming thread will
 * attach (freed with *post_free unless handed over); NULL with *error set
 * on failure. */
typedef gpointer (*GstMnv3WorkerPostFunc) (gpointer user_data,
    mnv3_session * session, const GstMnv3WorkerJob * job,
    GDestroyNotify * post_free, gchar ** error);

/* What the streaming thread knew about the frame a job was made from. */
struct _GstMnv3WorkerJob {
  GstClockTime pts;             /* of the source frame; NONE when unknown */
  GstClockTime running_time;
  gint width, height;           /* frame size */
  GstVideoRectangle sampled, placed;    /* pre-processing geometry */
  gdouble prepare_ms;           /* pre-processing, on the streaming thread */

  /* region jobs only (n_regions 0: one run on the session input as is) */
  guint n_regions;
  const float *region_inputs;   /* n_regions x input_len floats */
  gsize input_len;
  float *region_outputs;        /* n_regions x output_len floats */
  gsize output_len;
  gdouble *region_ms;           /* n_regions: the network on each */

  /* full-frame jobs, optional: run after the network on the worker */
  GstMnv3WorkerPostFunc postprocess;
  gpointer post_data;
};

typedef struct {
  GstMnv3WorkerJob job;
  gboolean ok;
  gchar *error;                 /* mnv3_last_error() of the worker when !ok */
  gdouble run_ms;               /* the network alone */
  gdouble post_ms;              /* job.postprocess */
  gpointer post;                /* what job.postprocess returned: the
                                 * taker's (free with post_free) */
  GDestroyNotify post_free;
} GstMnv3WorkerResult;

/* @name names the thread (shown by debuggers and top). */
GstMnv3Worker *gst_mnv3_worker_new (const gchar * name);
/* Waits for a job in flight, then stops and joins the thread. */
void gst_mnv3_worker_free (GstMnv3Worker * worker);

/* TRUE when a job may be submitted: none is in flight and no finished
 * result waits to be taken. */
gboolean gst_mnv3_worker_is_idle (GstMnv3Worker * worker);
/* Hands @session (its input filled) over; the worker must be idle. */
void gst_mnv3_worker_submit (GstMnv3Worker * worker, mnv3_session * session,
    const GstMnv3WorkerJob * job);
/* The finished result of the current generation, if any: TRUE and *out
 * filled (free out->error with g_free, out->post with out->post_free). */
gboolean gst_mnv3_worker_take (GstMnv3Worker * worker,
    GstMnv3WorkerResult * out);
/* Blocks until no job is in flight. */
void gst_mnv3_worker_wait_idle (GstMnv3Worker * worker);
/* Drops the job in flight and any result not taken yet (without
 * waiting): they will never be returned by take().  TRUE when there was
 * one (the frame it was made from then got no result). */
gboolean gst_mnv3_worker_discard (GstMnv3Worker * worker);

G_END_DECLS

#endif /* __GST_MNV3_WORKER_H__ */
