/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bindings API (gstmnv3results.h): boxed copies of the metas' results.
 * Everything returned is a copy the caller owns, so a binding never holds
 * a pointer into a buffer's meta.  gtk-doc comments below are the GIR's
 * documentation and annotations.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3results.h"
#include "gstmnv3meta.h"
#include "gstmnv3detectionmeta.h"
#include "gstmnv3segmentationmeta.h"

G_DEFINE_BOXED_TYPE (GstMnv3Classification, gst_mnv3_classification,
    gst_mnv3_classification_copy, gst_mnv3_classification_free);
G_DEFINE_BOXED_TYPE (GstMnv3Box, gst_mnv3_box, gst_mnv3_box_copy,
    gst_mnv3_box_free);
G_DEFINE_BOXED_TYPE (GstMnv3Segmentation, gst_mnv3_segmentation,
    gst_mnv3_segmentation_copy, gst_mnv3_segmentation_free);

/**
 * gst_mnv3_classification_copy:
 * @c: a classification
 *
 * Returns: (transfer full): a copy of @c
 */
GstMnv3Classification *
gst_mnv3_classification_copy (const GstMnv3Classification * c)
{
  GstMnv3Classification *copy;

  g_return_val_if_fail (c != NULL, NULL);
  copy = g_memdup2 (c, sizeof (*c));
  copy->label = g_strdup (c->label);
  return copy;
}

/**
 * gst_mnv3_classification_free:
 * @c: (transfer full): a classification
 */
void
gst_mnv3_classification_free (GstMnv3Classification * c)
{
  if (!c)
    return;
  g_free (c->label);
  g_free (c);
}

/**
 * gst_mnv3_box_copy:
 * @box: a box
 *
 * Returns: (transfer full): a copy of @box
 */
GstMnv3Box *
gst_mnv3_box_copy (const GstMnv3Box * box)
{
  GstMnv3Box *copy;

  g_return_val_if_fail (box != NULL, NULL);
  copy = g_memdup2 (box, sizeof (*box));
  copy->label = g_strdup (box->label);
  return copy;
}

/**
 * gst_mnv3_box_free:
 * @box: (transfer full): a box
 */
void
gst_mnv3_box_free (GstMnv3Box * box)
{
  if (!box)
    return;
  g_free (box->label);
  g_free (box);
}

/**
 * gst_mnv3_segmentation_copy:
 * @seg: a segmentation result
 *
 * Returns: (transfer full): a copy of @seg (the class map is shared)
 */
GstMnv3Segmentation *
gst_mnv3_segmentation_copy (const GstMnv3Segmentation * seg)
{
  GstMnv3Segmentation *copy;

  g_return_val_if_fail (seg != NULL, NULL);
  copy = g_memdup2 (seg, sizeof (*seg));
  copy->model = g_strdup (seg->model);
  copy->class_map = seg->class_map ? g_bytes_ref (seg->class_map) : NULL;
  copy->labels = g_strdupv (seg->labels);
  copy->fractions = g_memdup2 (seg->fractions,
      seg->n_fractions * sizeof (gdouble));
  return copy;
}

/**
 * gst_mnv3_segmentation_free:
 * @seg: (transfer full): a segmentation result
 */
void
gst_mnv3_segmentation_free (GstMnv3Segmentation * seg)
{
  if (!seg)
    return;
  g_free (seg->model);
  g_clear_pointer (&seg->class_map, g_bytes_unref);
  g_strfreev (seg->labels);
  g_free (seg->fractions);
  g_free (seg);
}

static GList *
mnv3_classes_of (const GstMnv3ClassificationMeta * m)
{
  GList *list = NULL;

  for (guint i = 0; i < m->n_results; i++) {
    GstMnv3Classification *c = g_new0 (GstMnv3Classification, 1);
    c->label = m->labels ? g_strdup (m->labels[i]) : NULL;
    c->label_id = m->class_ids[i];
    c->score = m->scores[i];
    list = g_list_prepend (list, c);
  }
  return g_list_reverse (list);
}

/**
 * gst_mnv3_buffer_get_region_classification:
 * @buffer: a buffer
 * @region_id: 0 for the whole frame, or the id of a detected box
 *   (#GstMnv3Box.id) for its secondary classification
 *
 * The classes (top-k, best first) of the first classification of
 * @region_id on @buffer.
 *
 * Returns: (transfer full) (element-type GstMnv3Classification): the
 * classes, empty when there is no such result
 */
GList *
gst_mnv3_buffer_get_region_classification (GstBuffer * buffer,
    gint region_id)
{
  gpointer state = NULL;
  GstMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
    const GstMnv3ClassificationMeta *m =
        (const GstMnv3ClassificationMeta *) meta;
    if (m->region_id == region_id)
      return mnv3_classes_of (m);
  }
  return NULL;
}

/**
 * gst_mnv3_buffer_get_classification:
 * @buffer: a buffer
 *
 * The full-frame classification of @buffer (mnv3classify): label, label
 * id and score of each reported class, best first.
 *
 * Returns: (transfer full) (element-type GstMnv3Classification): the
 * classes, empty when the frame has no classification
 */
GList *
gst_mnv3_buffer_get_classification (GstBuffer * buffer)
{
  return gst_mnv3_buffer_get_region_classification (buffer, 0);
}

/**
 * gst_mnv3_buffer_get_detections:
 * @buffer: a buffer
 *
 * Every detected box of @buffer (all detection metas, each highest score
 * first), in the pixels of the frame the detector saw.
 *
 * Returns: (transfer full) (element-type GstMnv3Box): the boxes, empty
 * when there are none
 */
GList *
gst_mnv3_buffer_get_detections (GstBuffer * buffer)
{
  gpointer state = NULL;
  GstMeta *meta;
  GList *list = NULL;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_MNV3_DETECTION_META_API_TYPE))) {
    const GstMnv3DetectionMeta *m = (const GstMnv3DetectionMeta *) meta;

    for (guint i = 0; i < m->n_detections; i++) {
      const GstMnv3Detection *d = &m->detections[i];
      GstMnv3Box *b = g_new0 (GstMnv3Box, 1);

      b->x = d->x;
      b->y = d->y;
      b->w = d->w;
      b->h = d->h;
      b->frame_width = m->frame_width;
      b->frame_height = m->frame_height;
      b->label = g_strdup (d->label);
      b->label_id = d->class_id;
      b->score = d->score;
      b->id = d->roi_id;
      b->fresh = m->fresh;
      b->track_id = d->track_id;
      b->predicted = d->predicted;
      list = g_list_prepend (list, b);
    }
  }
  return g_list_reverse (list);
}

/**
 * gst_mnv3_buffer_get_segmentation:
 * @buffer: a buffer
 *
 * The first segmentation result of @buffer (mnv3segment).
 *
 * Returns: (transfer full) (nullable): the result, NULL when there is none
 */
GstMnv3Segmentation *
gst_mnv3_buffer_get_segmentation (GstBuffer * buffer)
{
  GstMnv3SegmentationMeta *m;
  GstMnv3Segmentation *seg;
  guint n_classes = 256;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  m = gst_buffer_get_mnv3_segmentation_meta (buffer);
  if (!m)
    return NULL;
  seg = g_new0 (GstMnv3Segmentation, 1);
  seg->width = m->width;
  seg->height = m->height;
  seg->region_x = m->region.x;
  seg->region_y = m->region.y;
  seg->region_w = m->region.w;
  seg->region_h = m->region.h;
  seg->frame_width = m->frame_width;
  seg->frame_height = m->frame_height;
  seg->fresh = m->fresh;
  seg->model = g_strdup (m->model);
  seg->class_map = m->_map_bytes ? g_bytes_ref (m->_map_bytes) :
      g_bytes_new (m->class_map, (gsize) m->width * m->height);
  seg->labels = g_new0 (gchar *, m->n_labels + 1);
  for (guint i = 0; i < m->n_labels; i++)
    seg->labels[i] = g_strdup (m->labels && m->labels[i] ? m->labels[i] :
        "");
  seg->fractions = g_new0 (gdouble, n_classes);
  seg->n_fractions = gst_mnv3_segmentation_meta_class_fractions (m,
      seg->fractions, n_classes);
  /* as many entries as labels, or as classes seen when there are more */
  seg->n_fractions = MAX (seg->n_fractions, m->n_labels);
  return seg;
}

/**
 * gst_mnv3_segmentation_get_class_map:
 * @seg: a segmentation result
 *
 * Returns: (transfer full): the class of each map pixel, row-major,
 * #GstMnv3Segmentation.width x #GstMnv3Segmentation.height bytes
 */
GBytes *
gst_mnv3_segmentation_get_class_map (GstMnv3Segmentation * seg)
{
  g_return_val_if_fail (seg != NULL, NULL);
  return g_bytes_ref (seg->class_map);
}

/**
 * gst_mnv3_segmentation_get_labels:
 * @seg: a segmentation result
 *
 * Returns: (transfer none) (array zero-terminated=1): the class names,
 * index = class ("" for a class without a name); empty when the model
 * has no labels
 */
const gchar *const *
gst_mnv3_segmentation_get_labels (GstMnv3Segmentation * seg)
{
  g_return_val_if_fail (seg != NULL, NULL);
  return (const gchar * const *) seg->labels;
}

/**
 * gst_mnv3_segmentation_get_fractions:
 * @seg: a segmentation result
 * @n_fractions: (out): the number of entries
 *
 * Share of the map's pixels of each class (index = class), summing to 1.
 *
 * Returns: (transfer none) (array length=n_fractions): the fractions
 */
const gdouble *
gst_mnv3_segmentation_get_fractions (GstMnv3Segmentation * seg,
    guint * n_fractions)
{
  g_return_val_if_fail (seg != NULL, NULL);
  *n_fractions = seg->n_fractions;
  return seg->fractions;
}
