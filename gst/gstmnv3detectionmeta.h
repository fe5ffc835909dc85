/* GStreamer mnv3 — object detection metadata.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3DetectionMeta holds the boxes one detector (mnv3detect) found on a
 * frame, in that frame's pixels.  Read it from a pad probe:
 *
 *   GstMnv3DetectionMeta *m = gst_buffer_get_mnv3_detection_meta (buf);
 *   for (guint i = 0; m && i < m->n_detections; i++) {
 *     gfloat x, y, w, h;
 *     gst_mnv3_detection_meta_get_box (m, i, width, height, &x, &y, &w, &h);
 *     g_print ("%s %.2f at %.0f,%.0f %.0fx%.0f\n", m->detections[i].label,
 *         m->detections[i].score, x, y, w, h);
 *   }
 *
 * Contract:
 *  - boxes are (x, y, w, h) floats in the pixels of a frame_width x
 *    frame_height frame, inside it, sorted by score (highest first);
 *  - the meta carries the "video" tag only (GStreamer 1.22's video filters
 *    drop metas with more tags), so videoconvert and videoflip copy it as
 *    is; videoscale's scale transform rescales the boxes and the frame
 *    size; other transforms drop it.  Use gst_mnv3_detection_meta_get_box()
 *    to read a box in the coordinates of the buffer at hand;
 *  - @fresh is FALSE on frames where inference was skipped and the last
 *    boxes were carried forward.
 *
 * Build with `pkg-config --cflags --libs gstreamer-mnv3-1.0`.
 */
#ifndef __GST_MNV3_DETECTION_META_H__
#define __GST_MNV3_DETECTION_META_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_MNV3_DETECTION_META_API_TYPE \
  (gst_mnv3_detection_meta_api_get_type ())
#define GST_MNV3_DETECTION_META_INFO \
  (gst_mnv3_detection_meta_get_info ())

/**
 * GstMnv3Detection:
 * @x: left edge, frame pixels
 * @y: top edge, frame pixels
 * @w: width, frame pixels
 * @h: height, frame pixels
 * @class_id: class index in the model's output (0 is the background, never
 *   reported)
 * @label: class name, or NULL when the model has no labels
 * @score: probability of the class, 0..1
 * @roi_id: id of the GstVideoRegionOfInterestMeta the detector attached for
 *   this box on the same buffer, 0 when there is none
 * @track_id: persistent object id given by a tracker (mnv3track), 0 when
 *   untracked
 * @predicted: TRUE when a tracker predicted the box (no detection matched
 *   the track on this frame)
 */
typedef struct {
  gfloat x, y, w, h;
  gint class_id;
  gchar *label;
  gfloat score;
  gint roi_id;
  gint track_id;
  gboolean predicted;
} GstMnv3Detection;

/**
 * GstMnv3DetectionMeta:
 * @meta: parent
 * @model: file name of the model that produced the boxes
 * @n_detections: entries in @detections
 * @detections: the boxes, highest score first
 * @fresh: TRUE on the first frame a result rides on (in sync mode the frame
 *   it was computed on), FALSE when carried forward
 * @latency_ms: time of the inference that produced the boxes
 * @fps: inference rate of the producing element
 * @frame_width: width of the frame the boxes are expressed in
 * @frame_height: height of that frame
 * @source_pts: PTS of the frame the boxes were computed on (NONE unknown)
 * @age: this buffer's PTS minus @source_pts (0: computed on this frame)
 * @tracked: a tracker (mnv3track) set track_id and predicted
 */
typedef struct {
  GstMeta meta;
  gchar *model;
  guint n_detections;
  GstMnv3Detection *detections;
  gboolean fresh;
  gdouble latency_ms;
  gdouble fps;
  gint frame_width;
  gint frame_height;
  GstClockTime source_pts;
  GstClockTime age;
  gboolean tracked;
} GstMnv3DetectionMeta;

GType gst_mnv3_detection_meta_api_get_type (void);
const GstMetaInfo *gst_mnv3_detection_meta_get_info (void);

/* Copies the boxes and their labels. */
GstMnv3DetectionMeta *gst_buffer_add_mnv3_detection_meta (GstBuffer * buffer,
    const gchar * model, guint n_detections,
    const GstMnv3Detection * detections, gboolean fresh, gint frame_width,
    gint frame_height);

/* Box @index in the coordinates of a frame_width x frame_height buffer
 * (scaled from the meta's frame size when it differs, clamped to the
 * frame).  FALSE when @index is out of range. */
gboolean gst_mnv3_detection_meta_get_box (const GstMnv3DetectionMeta * meta,
    guint index, gint frame_width, gint frame_height, gfloat * x, gfloat * y,
    gfloat * w, gfloat * h);

/* Whether a GstMnv3DetectionMeta of @buffer holds the box of ROI @roi_id
 * (consumers that also read GstVideoRegionOfInterestMeta skip those ROIs:
 * the detection meta describes them). */
gboolean gst_buffer_has_mnv3_detection_roi (GstBuffer * buffer, gint roi_id);

#define gst_buffer_get_mnv3_detection_meta(b) \
  ((GstMnv3DetectionMeta *) gst_buffer_get_meta ((b), \
      GST_MNV3_DETECTION_META_API_TYPE))

G_END_DECLS

#endif /* __GST_MNV3_DETECTION_META_H__ */
