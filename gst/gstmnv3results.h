/* GStreamer mnv3 — every result of a frame as plain values (bindings API).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Boxed copies of what the mnv3 metas hold, for applications in Python or
 * any language with GObject-Introspection (the GstMnv3-1.0 typelib):
 *
 *   from gi.repository import GstMnv3
 *   for c in GstMnv3.buffer_get_classification(buf):
 *       print(c.label, c.label_id, c.score)
 *   for b in GstMnv3.buffer_get_detections(buf):
 *       print(b.label, b.score, b.x, b.y, b.w, b.h, b.id)
 *   seg = GstMnv3.buffer_get_segmentation(buf)
 *   classes = seg.get_class_map()      # GLib.Bytes, width * height
 *
 * C code can read the metas directly (gstmnv3meta.h and friends).
 */
#ifndef __GST_MNV3_RESULTS_H__
#define __GST_MNV3_RESULTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstMnv3Classification:
 * @label: (nullable): class name, NULL when the model has no labels
 * @label_id: class index in the model's output
 * @score: probability, 0..1
 *
 * One class of a classification result.
 */
typedef struct {
  gchar *label;
  gint label_id;
  gfloat score;
} GstMnv3Classification;

/**
 * GstMnv3Box:
 * @x: left edge, in pixels of a @frame_width x @frame_height frame
 * @y: top edge
 * @w: width
 * @h: height
 * @frame_width: width of the frame the box is expressed in
 * @frame_height: height of that frame
 * @label: (nullable): class name, NULL when the model has no labels
 * @label_id: class index in the model's output
 * @score: probability of the class, 0..1
 * @id: id of the box's GstVideoRegionOfInterestMeta on the same buffer
 *   (secondary classifications refer to it), 0 when there is none
 * @fresh: TRUE when inferred on this frame, FALSE when carried forward
 * @track_id: the persistent object id a tracker (mnv3track) gave the box,
 *   0 when untracked
 * @predicted: TRUE when the tracker predicted the box (no detection on
 *   this frame matched its track)
 *
 * One detected object.
 */
typedef struct {
  gfloat x, y, w, h;
  gint frame_width, frame_height;
  gchar *label;
  gint label_id;
  gfloat score;
  gint id;
  gboolean fresh;
  gint track_id;
  gboolean predicted;
} GstMnv3Box;

/**
 * GstMnv3Segmentation:
 * @width: width of the class map
 * @height: height of the class map
 * @region_x: left edge of the part of the frame the map covers
 * @region_y: top edge of that part
 * @region_w: its width
 * @region_h: its height
 * @frame_width: width of the frame the region is expressed in
 * @frame_height: height of that frame
 * @fresh: TRUE when inferred on this frame
 * @model: (nullable): file name of the model
 *
 * A segmentation result; the class map, the labels and the share of each
 * class are read with the methods.
 */
typedef struct _GstMnv3Segmentation GstMnv3Segmentation;
struct _GstMnv3Segmentation {
  gint width, height;
  gint region_x, region_y, region_w, region_h;
  gint frame_width, frame_height;
  gboolean fresh;
  gchar *model;

  /*< private >*/
  GBytes *class_map;
  gchar **labels;
  gdouble *fractions;
  guint n_fractions;
};

#define GST_MNV3_TYPE_CLASSIFICATION (gst_mnv3_classification_get_type ())
#define GST_MNV3_TYPE_BOX (gst_mnv3_box_get_type ())
#define GST_MNV3_TYPE_SEGMENTATION (gst_mnv3_segmentation_get_type ())

GType gst_mnv3_classification_get_type (void);
GType gst_mnv3_box_get_type (void);
GType gst_mnv3_segmentation_get_type (void);

GstMnv3Classification *gst_mnv3_classification_copy (
    const GstMnv3Classification * c);
void gst_mnv3_classification_free (GstMnv3Classification * c);
GstMnv3Box *gst_mnv3_box_copy (const GstMnv3Box * box);
void gst_mnv3_box_free (GstMnv3Box * box);
GstMnv3Segmentation *gst_mnv3_segmentation_copy (
    const GstMnv3Segmentation * seg);
void gst_mnv3_segmentation_free (GstMnv3Segmentation * seg);

GList *gst_mnv3_buffer_get_classification (GstBuffer * buffer);
GList *gst_mnv3_buffer_get_region_classification (GstBuffer * buffer,
    gint region_id);
GList *gst_mnv3_buffer_get_detections (GstBuffer * buffer);
GstMnv3Segmentation *gst_mnv3_buffer_get_segmentation (GstBuffer * buffer);

GBytes *gst_mnv3_segmentation_get_class_map (GstMnv3Segmentation * seg);
const gchar *const *gst_mnv3_segmentation_get_labels (
    GstMnv3Segmentation * seg);
const gdouble *gst_mnv3_segmentation_get_fractions (
    GstMnv3Segmentation * seg, guint * n_fractions);

G_END_DECLS

#endif /* __GST_MNV3_RESULTS_H__ */
