/* GStreamer mnv3 — public metadata API.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Results of the mnv3 elements travel on buffers as GstMeta.  Applications
 * read them from a pad probe (see docs/metadata.md):
 *
 *   GstMnv3ClassificationMeta *m = gst_buffer_get_mnv3_classification_meta (buf);
 *   if (m && m->n_results)
 *     g_print ("%s %.2f%s\n", m->labels[0], m->scores[0],
 *         m->fresh ? "" : " (carried forward)");
 *
 * Build with `pkg-config --cflags --libs gstreamer-mnv3-1.0`.
 */
#ifndef __GST_MNV3_META_H__
#define __GST_MNV3_META_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_MNV3_CLASSIFICATION_META_API_TYPE \
  (gst_mnv3_classification_meta_api_get_type ())
#define GST_MNV3_CLASSIFICATION_META_INFO \
  (gst_mnv3_classification_meta_get_info ())

/**
 * GstMnv3ClassificationMeta:
 * @meta: parent
 * @model: name of the model that produced the result
 * @n_results: number of entries in @class_ids, @labels and @scores (top-k,
 *   best first)
 * @class_ids: class indices in the model's output
 * @labels: class names (NULL entries when the model has no labels)
 * @scores: probabilities in [0, 1]
 * @fresh: TRUE on the first frame a result rides on (in sync mode the
 *   frame it was computed on), FALSE when carried forward to later frames
 * @region: the part of the frame (in this buffer's pixels) the result is
 *   about; the whole frame for full-frame classification
 * @region_id: 0 for the full frame; the id of a GstVideoRegionOfInterestMeta
 *   for secondary classification of a detected box
 * @latency_ms: time the inference took (pre-processing included)
 * @fps: inference rate of the producing element (frames inferred per second)
 * @frame_width: width of the frame @region is expressed in
 * @frame_height: height of the frame @region is expressed in
 * @source_pts: PTS of the frame the result was computed on (NONE unknown)
 * @age: this buffer's PTS minus @source_pts: 0 when computed on this frame;
 *   in async mode the result is a little older than the frame it rides on
 *
 * Filters that only copy metas (videoflip, and videoscale for metas without
 * the size tag) leave @region in the coordinates of an earlier frame size;
 * gst_mnv3_classification_meta_get_region() maps it to the frame at hand
 * using @frame_width and @frame_height.
 */
typedef struct {
  GstMeta meta;
  gchar *model;
  guint n_results;
  gint *class_ids;
  gchar **labels;
  gfloat *scores;
  gboolean fresh;
  GstVideoRectangle region;
  gint region_id;
  gdouble latency_ms;
  gdouble fps;
  gint frame_width;
  gint frame_height;
  GstClockTime source_pts;
  GstClockTime age;
} GstMnv3ClassificationMeta;

GType gst_mnv3_classification_meta_api_get_type (void);
const GstMetaInfo *gst_mnv3_classification_meta_get_info (void);

/* Copies every array. labels may be NULL.  frame_width/height are set to
 * the extent of region (right for full-frame results); set them after the
 * call when region is a part of a larger frame. */
GstMnv3ClassificationMeta *gst_buffer_add_mnv3_classification_meta (
    GstBuffer * buffer, const gchar * model, guint n_results,
    const gint * class_ids, const gchar * const *labels,
    const gfloat * scores, gboolean fresh, const GstVideoRectangle * region);

/* The region the result is about, in a frame_width x frame_height buffer:
 * the whole frame for full-frame results (region_id 0), whatever filters
 * (scale, flip, rotate) did to the frame since; otherwise @region scaled
 * from the meta's frame size to this one and clamped to the frame. */
void gst_mnv3_classification_meta_get_region (
    const GstMnv3ClassificationMeta * meta, gint frame_width,
    gint frame_height, GstVideoRectangle * region);

#define gst_buffer_get_mnv3_classification_meta(b) \
  ((GstMnv3ClassificationMeta *) gst_buffer_get_meta ((b), \
      GST_MNV3_CLASSIFICATION_META_API_TYPE))

G_END_DECLS

#endif /* __GST_MNV3_META_H__ */
