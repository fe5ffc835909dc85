/* GStreamer mnv3 — segmentation metadata (public API).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3SegmentationMeta: the result of a semantic segmentation model on a
 * frame, attached by mnv3segment.
 *
 *  - class_map: width x height bytes, row-major, one class index a pixel,
 *    at the model's output resolution (never upsampled: readers scale it);
 *  - probability: for one-channel (sigmoid) models, width x height floats
 *    in [0, 1] (the probability of class 1); NULL for multi-class models;
 *  - labels: n_labels class names (index = class), may be 0;
 *  - region: where the map sits in a frame_width x frame_height frame.  The
 *    map covers exactly that rectangle: for the resize-modes of mnv3segment
 *    it is the whole frame (stretch, and letterbox, whose padding bars are
 *    cut off the map) or the centred crop fed to the network
 *    (center-crop).  Pixels outside the region have no class.
 *
 * The map and the probabilities are immutable and shared (reference
 * counted) between the copies a meta goes through, so carrying a result
 * forward or through tee/videoconvert costs no copy of the pixels.
 *
 * Transforms: copies keep everything; the gst-video-scale transform scales
 * region and frame size (the map is resolution independent); any other
 * transform (flip, rotate, crop) drops the meta, since the map would no
 * longer line up.  Registered with the `video` tag only.
 */
#ifndef __GST_MNV3_SEGMENTATION_META_H__
#define __GST_MNV3_SEGMENTATION_META_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_MNV3_SEGMENTATION_META_API_TYPE \
  (gst_mnv3_segmentation_meta_api_get_type ())
#define GST_MNV3_SEGMENTATION_META_INFO \
  (gst_mnv3_segmentation_meta_get_info ())

typedef struct {
  GstMeta meta;

  gchar *model;                 /* file name of the model */
  gint width, height;           /* size of class_map (and probability) */
  const guint8 *class_map;      /* width * height, row-major */
  const gfloat *probability;    /* width * height, or NULL */
  guint n_labels;
  gchar **labels;               /* n_labels names, NULL-terminated */
  GstVideoRectangle region;     /* where the map sits in the frame */
  gint frame_width, frame_height;       /* the frame region refers to */
  gboolean fresh;               /* inferred on this frame */
  gdouble latency_ms;
  gdouble fps;
  GstClockTime source_pts;      /* PTS of the frame the map was computed
                                 * on; NONE when unknown */
  GstClockTime age;             /* this buffer's PTS - source_pts (0 when
                                 * computed on it; async mode: > 0) */

  /*< private >*/
  GBytes *_map_bytes;
  GBytes *_prob_bytes;
} GstMnv3SegmentationMeta;

GType gst_mnv3_segmentation_meta_api_get_type (void);
const GstMetaInfo *gst_mnv3_segmentation_meta_get_info (void);

/* Attach a result.  class_map must hold width*height bytes and
 * probability, when not NULL, width*height floats (both referenced, not
 * copied); labels (n_labels entries, NULL entries allowed) are copied.
 * region is in a frame_width x frame_height frame.  NULL on bad
 * arguments. */
GstMnv3SegmentationMeta *gst_buffer_add_mnv3_segmentation_meta (
    GstBuffer * buffer, const gchar * model, gint width, gint height,
    GBytes * class_map, GBytes * probability, guint n_labels,
    const gchar * const *labels, const GstVideoRectangle * region,
    gint frame_width, gint frame_height, gboolean fresh);

#define gst_buffer_get_mnv3_segmentation_meta(b) \
  ((GstMnv3SegmentationMeta *) gst_buffer_get_meta ((b), \
      GST_MNV3_SEGMENTATION_META_API_TYPE))

/* The region in the coordinates of a frame_width x frame_height buffer
 * (the stored one scaled when the frame size changed since). */
void gst_mnv3_segmentation_meta_get_region (
    const GstMnv3SegmentationMeta * meta, gint frame_width,
    gint frame_height, GstVideoRectangle * region);

/* Class of the frame pixel (x, y) of a frame_width x frame_height buffer
 * (nearest map pixel), or -1 outside the region. */
gint gst_mnv3_segmentation_meta_class_at (const GstMnv3SegmentationMeta *
    meta, gint frame_width, gint frame_height, gint x, gint y);

/* Share of the map's pixels of each class: fractions[k] for k <
 * n_fractions (classes beyond are not counted); sums to 1 over all
 * classes.  Returns the number of classes seen (highest index + 1). */
guint gst_mnv3_segmentation_meta_class_fractions (
    const GstMnv3SegmentationMeta * meta, gdouble * fractions,
    guint n_fractions);

G_END_DECLS

#endif /* __GST_MNV3_SEGMENTATION_META_H__ */
