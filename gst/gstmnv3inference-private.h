/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference internals shared by the files of the base class (not
 * installed, not for subclasses):
 *
 *   gstmnv3inference.c         GObject: types, properties, class set-up,
 *                              the getters subclasses call
 *   gstmnv3inference-engine.c  model, labels, session, pre-processing:
 *                              loading at start, rebuilding what property
 *                              changes made while running invalidate
 *   gstmnv3inference-swap.c    a model or labels change while running: the
 *                              new model made ready on a loader thread, then
 *                              swapped in between two frames (or refused,
 *                              the old one staying)
 *   gstmnv3inference-stream.c  start/stop, caps, events, the per-frame path
 *                              in sync mode, region runs
 *   gstmnv3inference-async.c   async mode: the worker thread, choosing the
 *                              mode, the per-frame path in async mode
 *   gstmnv3inference-regions.c async mode for subclasses that run regions
 *                              (secondary classification): region jobs
 *   gstmnv3inference-stats.c   QoS, the LATENCY query and statistics
 *
 * Locking: the object lock guards the property values, the QoS state and the
 * statistics (short sections, never around engine work).  engine_lock guards
 * the model, session, labels and pre-processing; it is held by start/stop,
 * set_caps and the whole per-frame path.  Order: engine_lock, then the
 * object lock.  Property changes made while running only mark what must be
 * rebuilt (`pending`); the streaming thread applies them before the next
 * frame, so a frame never sees half a model.
 */
#ifndef __GST_MNV3_INFERENCE_PRIVATE_H__
#define __GST_MNV3_INFERENCE_PRIVATE_H__

#include "gstmnv3inference.h"
#include "gstmnv3preprocess.h"
#include "gstmnv3worker.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_mnv3_inference_debug);

#define MAX_THREADS 256
/* Models with a dynamic input size run at this size. */
#define DYNAMIC_INPUT_SIZE 224
/* input-width/input-height at most (the engine's limits still apply) */
#define MAX_INPUT_SIZE 8192

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
  gint input_width, input_height;       /* 0: the model's / default */
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
  gboolean region_path;         /* the last frame went the async region
                                 * way (a switch drops the job in flight) */
  /* region jobs: inputs, outputs, the regions and their pre-processing
   * time; the worker's while a job is in flight, like the session */
  float *region_in;
  gsize region_in_cap;          /* floats */
  float *region_out;
  gsize region_out_cap;
  gdouble *region_run_ms;       /* network, per region (worker) */
  gdouble *region_prep_ms;      /* pre-processing, per region */
  guint region_cap;             /* entries of the two above */
  GArray *job_regions;          /* GstMnv3Region of the job */

  /* model swap while running (engine_lock; gstmnv3inference-swap.c) */
  struct _GstMnv3Candidate *candidate;  /* being loaded; NULL when idle */
  gboolean reload_wanted;       /* model/labels changed, no load started */
  gboolean swapped;             /* active-model changed on this frame */
  gboolean sync_once;           /* async mode: the first frame after a swap
                                 * is inferred synchronously (no gap) */
  gchar *active_model;          /* path in use, NULL when stopped (object
                                 * lock; written under both locks) */
} GstMnv3InferencePrivate;

/* Why a model could not be made ready: what a GST_ELEMENT_ERROR (at start)
 * or GST_ELEMENT_WARNING (a change while running) says. */
typedef struct {
  GQuark domain;                /* 0: no error */
  gint code;
  gchar *text;                  /* names the file and the reason */
  gchar *debug;
} GstMnv3LoadError;

/* The instance's private part, and the parent class for chaining up
 * (G_DEFINE_TYPE keeps both static to gstmnv3inference.c). */
G_GNUC_INTERNAL GstMnv3InferencePrivate *
gst_mnv3_inference_priv (GstMnv3Inference * self);
G_GNUC_INTERNAL GstBaseTransformClass *gst_mnv3_inference_parent (void);
#define PRIV(self) gst_mnv3_inference_priv (self)

/* gstmnv3inference-engine.c (engine_lock held) */
G_GNUC_INTERNAL gchar *gst_mnv3_inference_default_model (void);
G_GNUC_INTERNAL void gst_mnv3_inference_release_engine (GstMnv3Inference *
    self);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_build_preprocess (GstMnv3Inference
    * self);
G_GNUC_INTERNAL gint gst_mnv3_inference_threads (GstMnv3Inference * self);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_create_session (GstMnv3Inference *
    self, int req_height, int req_width);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_load_model (GstMnv3Inference *
    self);
/* Building blocks shared with the loader thread (no element state). */
G_GNUC_INTERNAL gchar *gst_mnv3_inference_model_path (GstMnv3Inference * self);
G_GNUC_INTERNAL mnv3_session_options
gst_mnv3_inference_session_options (GstMnv3Inference * self);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_acquire (const gchar * path,
    mnv3_model ** model, GstMnv3LoadError * err);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_read_labels (const gchar * path,
    const mnv3_model * model, mnv3_labels * labels, GstMnv3LoadError * err);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_check_input (const mnv3_model *
    model, int *height, int *width, gchar ** reason);
/* input-width/input-height (@want_*, 0: unset) against the model: a model
 * whose file fixes its input size only runs at that size. */
G_GNUC_INTERNAL gboolean gst_mnv3_inference_check_size (const mnv3_model *
    model, int want_height, int want_width, gchar ** reason);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_new_session (const mnv3_model *
    model, mnv3_session_options opts, int req_height, int req_width,
    mnv3_session ** session, int *in_height, int *in_width);
G_GNUC_INTERNAL gdouble gst_mnv3_inference_measure (mnv3_session * session,
    int in_height, int in_width);
G_GNUC_INTERNAL void gst_mnv3_load_error_clear (GstMnv3LoadError * err);
G_GNUC_INTERNAL void gst_mnv3_load_error_post (GstMnv3Inference * self,
    GstMessageType type, const GstMnv3LoadError * err, const gchar * suffix,
    GstStructure * details);

/* gstmnv3inference-swap.c (engine_lock held) */
/* Called before each frame: starts the loader when a change asks for it,
 * swaps in (or refuses) what it made ready.  FALSE: a fatal error was
 * posted. */
G_GNUC_INTERNAL gboolean gst_mnv3_inference_swap_poll (GstMnv3Inference *
    self, gboolean wanted);
/* Waits for the loader and forgets what it made (stop). */
G_GNUC_INTERNAL void gst_mnv3_inference_swap_cancel (GstMnv3Inference * self);
/* A load in progress was made with settings that changed since. */
G_GNUC_INTERNAL void gst_mnv3_inference_swap_outdated (GstMnv3Inference *
    self);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_apply_pending (GstMnv3Inference *
    self);

/* gstmnv3inference-stream.c */
G_GNUC_INTERNAL gboolean gst_mnv3_inference_start (GstBaseTransform * trans);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_stop (GstBaseTransform * trans);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_sink_event (GstBaseTransform *
    trans, GstEvent * event);
G_GNUC_INTERNAL GstFlowReturn gst_mnv3_inference_transform_ip (GstBaseTransform
    * trans, GstBuffer * buf);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_prepare (GstMnv3Inference * self,
    GstBuffer * buf);
G_GNUC_INTERNAL void gst_mnv3_inference_set_source (GstMnv3InferenceFrame * fr,
    GstBuffer * buf, GstClockTime source_pts);

/* gstmnv3inference-async.c (engine_lock held) */
G_GNUC_INTERNAL void gst_mnv3_inference_drop_inflight (GstMnv3Inference * self,
    gboolean wait);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_set_async (GstMnv3Inference * self,
    gboolean async);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_decide_mode (GstMnv3Inference *
    self);
G_GNUC_INTERNAL GstFlowReturn gst_mnv3_inference_transform_async
    (GstMnv3Inference * self, GstBuffer * buf, GstMnv3InferenceFrame * fr);
/* gstmnv3inference-regions.c (engine_lock held) */
G_GNUC_INTERNAL gboolean gst_mnv3_inference_async_regions (GstMnv3Inference *
    self);
/* mode=auto and the subclass says this frame's region results could not
 * be matched on a later frame: the frame runs synchronously. */
G_GNUC_INTERNAL gboolean gst_mnv3_inference_regions_sync (GstMnv3Inference *
    self, GstBuffer * buf);
G_GNUC_INTERNAL GstFlowReturn gst_mnv3_inference_transform_async_regions
    (GstMnv3Inference * self, GstBuffer * buf, GstMnv3InferenceFrame * fr);
/* Frees the region job buffers (no job in flight). */
G_GNUC_INTERNAL void gst_mnv3_inference_free_regions (GstMnv3Inference *
    self);

/* gstmnv3inference-stats.c */
G_GNUC_INTERNAL gboolean gst_mnv3_inference_src_event (GstBaseTransform *
    trans, GstEvent * event);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);
G_GNUC_INTERNAL void gst_mnv3_inference_update_stats (GstMnv3Inference * self,
    gdouble latency_ms);
G_GNUC_INTERNAL void gst_mnv3_inference_count_async_frame (GstMnv3Inference *
    self, gboolean submitted, gint64 t0);
G_GNUC_INTERNAL gboolean gst_mnv3_inference_should_infer (GstMnv3Inference *
    self, GstBuffer * buf, GstClockTime running_time);

G_END_DECLS

#endif /* __GST_MNV3_INFERENCE_PRIVATE_H__ */
