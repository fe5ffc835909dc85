/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3classify internals shared by its two files (not installed):
 *
 *   gstmnv3classify.c    the element: properties, full-frame results,
 *                        the top-k, bus messages
 *   mnv3classify-roi.c   inference-region=roi-list: each region of
 *                        interest, in sync mode (region runs on the
 *                        streaming thread) and in async mode (region jobs
 *                        on the base class's inference thread, results
 *                        matched by tracker id)
 *
 * Everything here is used from the base class's vfuncs, with its engine
 * lock held; the properties are under the object lock.
 */
#ifndef __MNV3_CLASSIFY_PRIVATE_H__
#define __MNV3_CLASSIFY_PRIVATE_H__

#include "gstmnv3classify.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_mnv3_classify_debug);

#define MAX_TOP_K 64
/* async mode: regions handed to the inference thread at once, at most
 * (the longest unclassified first; the rest wait for the next round) */
#define MAX_REGIONS_PER_JOB 64

typedef enum {
  GST_MNV3_INFERENCE_REGION_FULL_FRAME,
  GST_MNV3_INFERENCE_REGION_ROI_LIST,
} GstMnv3InferenceRegion;

/* The last result on one region of interest. */
typedef struct {
  gint roi_id;
  GQuark roi_type;
  guint n;
  gint ids[MAX_TOP_K];
  gfloat scores[MAX_TOP_K];
  gchar *labels[MAX_TOP_K];
  gdouble latency_ms;
  gint track_id;                /* a tracker's object id, 0 none */
  guint64 classified_at;        /* roi_round of the run */
  GstClockTime source_pts;      /* PTS of the frame the region was cut from */
  gboolean just_done;           /* async: came back on this frame */
} GstMnv3RoiResult;

struct _GstMnv3Classify {
  GstMnv3Inference parent;

  /* properties (object lock) */
  guint top_k;
  gfloat threshold;

  /* streaming state (base class engine lock) */
  gint num_classes;
  gboolean output_is_softmax;   /* the model's output is probabilities */
  gfloat *probs;                /* num_classes scratch */
  /* the last result, attached again on frames without inference */
  gboolean have_last;
  guint n_last;
  gint last_ids[MAX_TOP_K];
  gfloat last_scores[MAX_TOP_K];
  gchar *last_labels[MAX_TOP_K];
  gchar *last_model;

  /* secondary classification: properties (object lock) */
  GstMnv3InferenceRegion region_mode;
  gchar *object_class;
  gchar **allowed;              /* object_class split; NULL: every type */
  guint min_roi_size;
  guint reclassify_interval;
  /* last results per region (engine lock); in async mode only tracked
   * regions, one entry per track id: the per-id cache */
  GArray *roi_last;             /* GstMnv3RoiResult */
  guint64 roi_round;            /* inferred frames in roi-list mode */
  guint64 job_round;            /* async: roi_round of the job in flight */
  gboolean warned_untracked;    /* async: untracked regions reported */
};

/* gstmnv3classify.c */
G_GNUC_INTERNAL gint gst_mnv3_classify_top (GstMnv3Classify * self,
    const float *out, guint top_k, gfloat threshold, gint * ids,
    gfloat * scores, gchar ** names);
G_GNUC_INTERNAL void gst_mnv3_classify_post_result (GstMnv3Classify * self,
    const GstMnv3InferenceFrame * fr, const gchar * model, guint n,
    const gint * class_ids, gchar * const *names, const gfloat * probs,
    gdouble latency_ms, const GstVideoRegionOfInterestMeta * roi);

/* mnv3classify-roi.c */
G_GNUC_INTERNAL void gst_mnv3_classify_forget_rois (GstMnv3Classify * self);
/* sync mode: an inferred frame, and the frames between */
G_GNUC_INTERNAL GstFlowReturn gst_mnv3_classify_process_rois (GstMnv3Classify
    * self, GstBuffer * buffer, mnv3_session * session,
    const GstMnv3InferenceFrame * fr);
G_GNUC_INTERNAL void gst_mnv3_classify_carry_rois (GstMnv3Classify * self,
    GstBuffer * buffer, const GstMnv3InferenceFrame * fr);
/* async mode: the base class's select_regions and attach_regions */
G_GNUC_INTERNAL void gst_mnv3_classify_select_regions (GstMnv3Inference *
    base, GstBuffer * buffer, const GstMnv3InferenceFrame * fr,
    GArray * regions);
G_GNUC_INTERNAL gboolean gst_mnv3_classify_regions_need_sync
    (GstMnv3Inference * base, GstBuffer * buffer);
G_GNUC_INTERNAL GstFlowReturn gst_mnv3_classify_attach_regions
    (GstMnv3Inference * base, GstBuffer * buffer,
    const GstMnv3RegionResult * results, guint n_results,
    const GstMnv3InferenceFrame * fr);

G_END_DECLS

#endif /* __MNV3_CLASSIFY_PRIVATE_H__ */
