/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3Inference: the base class of every mnv3 inference element.
 *
 * An in-place GstBaseTransform that never changes caps or pixels.  It owns
 * what all tasks share: the model (loaded through the process-wide cache on
 * READY->PAUSED, or when a property changes while running), the labels, the
 * session, the fused pre-processing (rebuilt on every caps change, the model
 * is never reloaded for that), the scheduling policy and the statistics.
 * Subclasses only read outputs and attach metas:
 *
 *  - check_model (optional): refuse a model unfit for the task, with a
 *    reason that ends up in the GST_ELEMENT_ERROR message;
 *  - process_output: after a run on this buffer, read the session outputs
 *    and attach the results (the buffer is writable);
 *  - carry_forward: inference was skipped on this buffer (inference-interval,
 *    or QoS said we are late): attach the last results marked not fresh;
 *  - reset: forget remembered results (stop, flush, new model);
 *  - wants_frame_run (optional): FALSE when the subclass runs the model
 *    itself on parts of the frame (regions of interest) from
 *    process_output, with gst_mnv3_inference_run_region(); the base class
 *    then skips its full-frame run on that frame.
 *  - select_regions, attach_regions (optional, both or neither): the same
 *    region work in async mode (see below).
 *  - postprocess, attach_result (optional, both or neither): the work of
 *    process_output split in two for async mode (see below).
 *
 * Scheduling: inference runs when `inference-interval` frames have passed
 * since the last run, unless the buffer is already late according to the
 * last QoS event from downstream.  No buffer is ever dropped.
 *
 * Modes (`mode` property): in sync mode the chosen frame waits for its
 * result.  In async mode the network runs on a worker thread
 * (gstmnv3worker.h): when the worker is idle the streaming thread
 * pre-processes the chosen frame into the session input and hands it over;
 * every frame is pushed at once.  process_output is then called on the
 * first frame after the run finished (fresh, with frame->source_pts the
 * frame it was computed on and frame->age how much older that frame is),
 * carry_forward on the others.  Flushes, caps and model changes drop the
 * work in flight, so no result crosses them.
 *
 * Post-processing in async mode (postprocess and attach_result set): the
 * worker calls postprocess right after the network, with the session
 * outputs and a frame describing the source frame (fresh, source_pts its
 * PTS, age 0; latency_ms and fps not known yet), and keeps the object it
 * returns with the result; the streaming thread then calls attach_result
 * (instead of process_output) on the first frame after the run finished,
 * handing that object over.  So the decoding of raw outputs (a detector's
 * boxes and NMS) runs on the worker, and the streaming thread only
 * attaches.  postprocess runs without the engine lock, concurrently with
 * the vfuncs on the streaming thread (except process_output, check_model
 * and reset after a model change: the worker is idle then): it may use
 * what only process_output and check_model touch, and properties under
 * the object lock.  A result dropped before it was attached (flush, caps
 * or model change) is freed with the GDestroyNotify postprocess gave, on
 * whichever thread drops it.
 *
 * Regions in async mode (wants_frame_run FALSE, select_regions and
 * attach_regions set; without them region runs stay synchronous): on every
 * frame attach_regions gets the results of the region job that finished
 * since the previous frame, if any (frame->fresh, frame->source_pts the
 * frame they were cut from), and attaches what the subclass knows for the
 * frame's regions; then, when the worker is idle and the schedule picks
 * the frame, select_regions lists the regions to run.  The streaming
 * thread pre-processes each into a copy of its own and hands them over;
 * the worker runs them one after the other and keeps output 0 of each.
 * The frame is pushed at once: a result can only come back on a later
 * frame, so the subclass must match it to that frame's regions by
 * something that names the same object there (a tracker's id), never by
 * position.  In mode=auto, a frame whose regions have nothing of the kind
 * (regions_need_sync) runs synchronously instead, so that its regions get
 * their results; mode=async never waits.
 *
 * Threading: the vfuncs run on the streaming thread with the engine lock
 * held; the getters below are for use from those vfuncs.
 */
#ifndef __GST_MNV3_INFERENCE_H__
#define __GST_MNV3_INFERENCE_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "mnv3.h"
#include "labels.h"

G_BEGIN_DECLS

#define GST_TYPE_MNV3_RESIZE_MODE (gst_mnv3_resize_mode_get_type ())

/**
 * GstMnv3ResizeMode:
 * @GST_MNV3_RESIZE_STRETCH: scale the whole frame to the model input,
 *   ignoring the aspect ratio
 * @GST_MNV3_RESIZE_CENTER_CROP: keep the largest centred part of the frame
 *   with the model's aspect ratio
 * @GST_MNV3_RESIZE_LETTERBOX: scale the whole frame keeping its aspect
 *   ratio, padding with black
 */
typedef enum {
  GST_MNV3_RESIZE_STRETCH,
  GST_MNV3_RESIZE_CENTER_CROP,
  GST_MNV3_RESIZE_LETTERBOX,
} GstMnv3ResizeMode;

GType gst_mnv3_resize_mode_get_type (void);

#define GST_TYPE_MNV3_INFERENCE_MODE (gst_mnv3_inference_mode_get_type ())

/**
 * GstMnv3InferenceMode:
 * @GST_MNV3_INFERENCE_MODE_SYNC: the inferred frame waits for its result
 * @GST_MNV3_INFERENCE_MODE_ASYNC: the network runs on its own thread and
 *   frames never wait for it; they carry the newest finished result
 * @GST_MNV3_INFERENCE_MODE_AUTO: async when a live source is upstream (as
 *   the pipeline's latency query says before the first frame), else sync
 */
typedef enum {
  GST_MNV3_INFERENCE_MODE_SYNC,
  GST_MNV3_INFERENCE_MODE_ASYNC,
  GST_MNV3_INFERENCE_MODE_AUTO,
} GstMnv3InferenceMode;

GType gst_mnv3_inference_mode_get_type (void);

#define GST_TYPE_MNV3_PRECISION (gst_mnv3_precision_get_type ())

/**
 * GstMnv3Precision:
 * @GST_MNV3_PRECISION_AUTO: what the model is: a quantized model runs in
 *   integer arithmetic (the bytes of TFLite's own kernels), a float model
 *   in float
 * @GST_MNV3_PRECISION_FP32: dequantize a quantized model's weights and run
 *   it in float (to compare)
 */
typedef enum {
  GST_MNV3_PRECISION_AUTO,
  GST_MNV3_PRECISION_FP32,
} GstMnv3Precision;

GType gst_mnv3_precision_get_type (void);

#define GST_TYPE_MNV3_INFERENCE (gst_mnv3_inference_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstMnv3Inference, gst_mnv3_inference, GST,
    MNV3_INFERENCE, GstBaseTransform)

/* What the base class knows about the frame being processed. */
typedef struct {
  gboolean fresh;              /* inferred on this frame */
  const gchar *model_name;     /* file name of the model, no directory */
  gint width, height;          /* frame size */
  GstVideoRectangle sampled;   /* part of the frame fed to the network */
  gdouble latency_ms;          /* this run, or the last one when not fresh */
  gdouble fps;                 /* inferences per second, recent */
  GstClockTime running_time;   /* of the buffer; NONE when unknown */
  GstVideoRectangle placed;    /* where `sampled` lands in the model input
                                * (in its pixels; letterbox bars outside) */
  GstClockTime source_pts;     /* PTS of the frame the result was computed
                                * on (this one in sync mode when fresh);
                                * NONE when unknown */
  GstClockTime age;            /* this buffer's PTS - source_pts: 0 when
                                * computed on this frame, NONE unknown */
} GstMnv3InferenceFrame;

/* A part of the frame to run the model on in async mode, with what the
 * subclass needs to recognise its result when it comes back. */
typedef struct {
  GstVideoRectangle rect;       /* in frame pixels (clamped to the frame) */
  gint roi_id;                  /* the GstVideoRegionOfInterestMeta's id */
  GQuark roi_type;
  gint track_id;                /* a tracker's object id; 0 none */
} GstMnv3Region;

/* The run on one region: output 0 of the model, copied. */
typedef struct {
  GstMnv3Region region;
  const float *output;
  gsize output_len;             /* floats in output */
  gdouble latency_ms;           /* pre-processing + network, this region */
} GstMnv3RegionResult;

struct _GstMnv3InferenceClass {
  GstBaseTransformClass parent_class;

  gboolean (*check_model) (GstMnv3Inference * self, const mnv3_model * model,
      gchar ** reason);
  GstFlowReturn (*process_output) (GstMnv3Inference * self,
      GstBuffer * buffer, mnv3_session * session,
      const GstMnv3InferenceFrame * frame);
  void (*carry_forward) (GstMnv3Inference * self, GstBuffer * buffer,
      const GstMnv3InferenceFrame * frame);
  void (*reset) (GstMnv3Inference * self);
  gboolean (*wants_frame_run) (GstMnv3Inference * self);
  /* async mode, regions: append the GstMnv3Region to run to @regions */
  void (*select_regions) (GstMnv3Inference * self, GstBuffer * buffer,
      const GstMnv3InferenceFrame * frame, GArray * regions);
  /* async mode, regions, every frame: @n_results (0 when no job finished)
   * results of the last region job; the buffer is writable */
  GstFlowReturn (*attach_regions) (GstMnv3Inference * self,
      GstBuffer * buffer, const GstMnv3RegionResult * results,
      guint n_results, const GstMnv3InferenceFrame * frame);
  /* optional: TRUE when a result computed on this frame's regions could
   * only be attached to this frame (nothing names the same objects on a
   * later one); in mode=auto such frames run synchronously */
  gboolean (*regions_need_sync) (GstMnv3Inference * self,
      GstBuffer * buffer);
  /* async mode, worker thread, optional: decode the session outputs into
   * an object of the subclass (freed with *result_free); NULL with
   * *error set on failure */
  gpointer (*postprocess) (GstMnv3Inference * self, mnv3_session * session,
      const GstMnv3InferenceFrame * frame, GDestroyNotify * result_free,
      gchar ** error);
  /* async mode, streaming thread: attach what postprocess made (@result
   * is the subclass's from now on); the buffer is writable */
  GstFlowReturn (*attach_result) (GstMnv3Inference * self,
      GstBuffer * buffer, gpointer result,
      const GstMnv3InferenceFrame * frame);
};

/* The class names in use (labels-file, else the model's); count 0 when
 * there are none. */
const mnv3_labels *gst_mnv3_inference_get_labels (GstMnv3Inference * self);
/* Value of the post-messages property. */
gboolean gst_mnv3_inference_get_post_messages (GstMnv3Inference * self);
/* From process_output (engine lock held): stretch the part @region of
 * buffer to the model input (pre-processing as for whole frames) and run
 * the model; the outputs are then read from the session as usual.
 * GST_FLOW_ERROR with an element error posted on failure; *latency_ms gets
 * the time taken (may be NULL). */
GstFlowReturn gst_mnv3_inference_run_region (GstMnv3Inference * self,
    GstBuffer * buffer, const GstVideoRectangle * region,
    gdouble * latency_ms);

/* A subclass whose default model is not the embedded classifier installs
 * its own "model" property (it shadows the base class's, so gst-inspect
 * shows the subclass's real default; NULL: none) under a property id of
 * its own, and hands that id's set/get_property to the two functions
 * below. */
void gst_mnv3_inference_class_install_model (GObjectClass * klass,
    guint prop_id, const gchar * default_path, const gchar * blurb);
void gst_mnv3_inference_set_model (GstMnv3Inference * self,
    const GValue * value);
void gst_mnv3_inference_get_model (GstMnv3Inference * self, GValue * value);

/* "car, person" -> {"car", "person", NULL}: comma-separated names, trimmed,
 * empty entries dropped; NULL when text is NULL or has no name.  For the
 * label allow-lists of the elements (object-class).  g_strfreev() it. */
gchar **gst_mnv3_parse_name_list (const gchar * text);

G_END_DECLS

#endif /* __GST_MNV3_INFERENCE_H__ */
