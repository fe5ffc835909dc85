/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metaconvert's segmentation objects: see mnv3metaconvert-segment.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "gstmnv3segmentationmeta.h"
#include "mnv3metaconvert-segment.h"

static void
mnv3_seg_json_int (JsonBuilder * b, const gchar * name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
mnv3_seg_json_double (JsonBuilder * b, const gchar * name, gdouble v,
    gdouble scale)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, round (v * scale) / scale);
}

/* "mask": the class map row by row, as [class, run length, class, run
 * length, ...]; runs continue across rows (they cover width * height
 * pixels in all). */
static void
mnv3_seg_json_rle (JsonBuilder * b, const GstMnv3SegmentationMeta * m)
{
  gsize n = (gsize) m->width * m->height, i = 0;

  json_builder_set_member_name (b, "mask");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "encoding");
  json_builder_add_string_value (b, "rle-class-runs");
  mnv3_seg_json_int (b, "width", m->width);
  mnv3_seg_json_int (b, "height", m->height);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  while (i < n) {
    guint8 k = m->class_map[i];
    gsize j = i + 1;

    while (j < n && m->class_map[j] == k)
      j++;
    json_builder_add_int_value (b, k);
    json_builder_add_int_value (b, (gint64) (j - i));
    i = j;
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
mnv3_seg_json_block (JsonBuilder * b, const GstMnv3SegmentationMeta * m,
    gboolean mask_rle)
{
  gdouble fractions[256];
  guint seen = gst_mnv3_segmentation_meta_class_fractions (m, fractions, 256);
  guint n = MAX (seen, m->n_labels);

  json_builder_set_member_name (b, "segmentation");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, m->model ? m->model : "");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "fresh");
  json_builder_add_boolean_value (b, m->fresh);
  mnv3_seg_json_int (b, "width", m->width);
  mnv3_seg_json_int (b, "height", m->height);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint k = 0; k < n && k < 256; k++) {
    json_builder_begin_object (b);
    if (k < m->n_labels && m->labels[k] && *m->labels[k]) {
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, m->labels[k]);
    }
    mnv3_seg_json_int (b, "label_id", k);
    mnv3_seg_json_double (b, "fraction", fractions[k], 1e6);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  mnv3_seg_json_double (b, "latency_ms", m->latency_ms, 1e3);
  mnv3_seg_json_double (b, "fps", m->fps, 1e3);
  if (mask_rle)
    mnv3_seg_json_rle (b, m);
  json_builder_end_object (b);
}

guint
mnv3_metaconvert_add_segmentations (JsonBuilder * b, GstBuffer * buf,
    gint width, gint height, gboolean mask_rle)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint n = 0;

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_MNV3_SEGMENTATION_META_API_TYPE))) {
    const GstMnv3SegmentationMeta *m = (const GstMnv3SegmentationMeta *) meta;
    GstVideoRectangle r;

    if (width > 0 && height > 0)
      gst_mnv3_segmentation_meta_get_region (m, width, height, &r);
    else
      r = m->region;
    json_builder_begin_object (b);
    mnv3_seg_json_int (b, "x", r.x);
    mnv3_seg_json_int (b, "y", r.y);
    mnv3_seg_json_int (b, "w", r.w);
    mnv3_seg_json_int (b, "h", r.h);
    mnv3_seg_json_int (b, "region_id", 0);
    mnv3_seg_json_block (b, m, mask_rle);
    json_builder_end_object (b);
    n++;
  }
  return n;
}
