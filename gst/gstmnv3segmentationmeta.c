/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3SegmentationMeta: registration, copy and scale transforms,
 * accessors.  See gstmnv3segmentationmeta.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3segmentationmeta.h"

GType
gst_mnv3_segmentation_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR, NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstMnv3SegmentationMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
seg_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstMnv3SegmentationMeta *m = (GstMnv3SegmentationMeta *) meta;

  (void) params;
  (void) buffer;
  m->model = NULL;
  m->width = m->height = 0;
  m->class_map = NULL;
  m->probability = NULL;
  m->n_labels = 0;
  m->labels = NULL;
  memset (&m->region, 0, sizeof m->region);
  m->frame_width = m->frame_height = 0;
  m->fresh = FALSE;
  m->latency_ms = 0.0;
  m->fps = 0.0;
  m->source_pts = GST_CLOCK_TIME_NONE;
  m->age = GST_CLOCK_TIME_NONE;
  m->_map_bytes = NULL;
  m->_prob_bytes = NULL;
  return TRUE;
}

static void
seg_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstMnv3SegmentationMeta *m = (GstMnv3SegmentationMeta *) meta;

  (void) buffer;
  g_free (m->model);
  g_strfreev (m->labels);
  g_clear_pointer (&m->_map_bytes, g_bytes_unref);
  g_clear_pointer (&m->_prob_bytes, g_bytes_unref);
}

/* r scaled from an in_w x in_h frame to out_w x out_h. */
static void
seg_rect_scale (GstVideoRectangle * r, gint in_w, gint in_h, gint out_w,
    gint out_h)
{
  gint x0, y0, x1, y1;

  if (in_w <= 0 || in_h <= 0)
    return;
  x0 = (gint) ((gint64) r->x * out_w / in_w);
  y0 = (gint) ((gint64) r->y * out_h / in_h);
  x1 = (gint) (((gint64) (r->x + r->w) * out_w + in_w - 1) / in_w);
  y1 = (gint) (((gint64) (r->y + r->h) * out_h + in_h - 1) / in_h);
  r->x = CLAMP (x0, 0, out_w);
  r->y = CLAMP (y0, 0, out_h);
  r->w = CLAMP (x1, 0, out_w) - r->x;
  r->h = CLAMP (y1, 0, out_h) - r->y;
}

static gboolean
seg_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstMnv3SegmentationMeta *src = (GstMnv3SegmentationMeta *) meta, *dst;
  GstVideoRectangle region = src->region;
  gint fw = src->frame_width, fh = src->frame_height;

  (void) buffer;
  if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    GstVideoMetaTransform *t = data;

    seg_rect_scale (&region, GST_VIDEO_INFO_WIDTH (t->in_info),
        GST_VIDEO_INFO_HEIGHT (t->in_info), GST_VIDEO_INFO_WIDTH (t->out_info),
        GST_VIDEO_INFO_HEIGHT (t->out_info));
    fw = GST_VIDEO_INFO_WIDTH (t->out_info);
    fh = GST_VIDEO_INFO_HEIGHT (t->out_info);
  } else if (!GST_META_TRANSFORM_IS_COPY (type)) {
    return FALSE;               /* flip/rotate/crop: the map would not fit */
  }
  dst = gst_buffer_add_mnv3_segmentation_meta (dest, src->model, src->width,
      src->height, src->_map_bytes, src->_prob_bytes, src->n_labels,
      (const gchar * const *) src->labels, &region, fw, fh, src->fresh);
  if (!dst)
    return FALSE;
  dst->latency_ms = src->latency_ms;
  dst->fps = src->fps;
  dst->source_pts = src->source_pts;
  dst->age = src->age;
  return TRUE;
}

const GstMetaInfo *
gst_mnv3_segmentation_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_MNV3_SEGMENTATION_META_API_TYPE,
        "GstMnv3SegmentationMeta", sizeof (GstMnv3SegmentationMeta),
        seg_meta_init, seg_meta_free, seg_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstMnv3SegmentationMeta *
gst_buffer_add_mnv3_segmentation_meta (GstBuffer * buffer,
    const gchar * model, gint width, gint height, GBytes * class_map,
    GBytes * probability, guint n_labels, const gchar * const *labels,
    const GstVideoRectangle * region, gint frame_width, gint frame_height,
    gboolean fresh)
{
  GstMnv3SegmentationMeta *m;
  gsize n;
  guint i;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (width > 0 && height > 0 && class_map, NULL);
  g_return_val_if_fail (region != NULL, NULL);
  n = (gsize) width * height;
  g_return_val_if_fail (g_bytes_get_size (class_map) == n, NULL);
  g_return_val_if_fail (!probability
      || g_bytes_get_size (probability) == n * sizeof (gfloat), NULL);

  m = (GstMnv3SegmentationMeta *) gst_buffer_add_meta (buffer,
      GST_MNV3_SEGMENTATION_META_INFO, NULL);
  if (!m)
    return NULL;
  m->model = g_strdup (model);
  m->width = width;
  m->height = height;
  m->_map_bytes = g_bytes_ref (class_map);
  m->class_map = g_bytes_get_data (class_map, NULL);
  if (probability) {
    m->_prob_bytes = g_bytes_ref (probability);
    m->probability = g_bytes_get_data (probability, NULL);
  }
  m->n_labels = n_labels;
  m->labels = g_new0 (gchar *, n_labels + 1);
  for (i = 0; labels && i < n_labels; i++)
    m->labels[i] = g_strdup (labels[i] ? labels[i] : "");
  for (; i < n_labels; i++)
    m->labels[i] = g_strdup ("");
  m->region = *region;
  m->frame_width = frame_width;
  m->frame_height = frame_height;
  m->fresh = fresh;
  return m;
}

void
gst_mnv3_segmentation_meta_get_region (const GstMnv3SegmentationMeta * meta,
    gint frame_width, gint frame_height, GstVideoRectangle * region)
{
  g_return_if_fail (meta != NULL && region != NULL);

  *region = meta->region;
  if (meta->frame_width > 0 && meta->frame_height > 0
      && (meta->frame_width != frame_width
          || meta->frame_height != frame_height))
    seg_rect_scale (region, meta->frame_width, meta->frame_height,
        frame_width, frame_height);
}

gint
gst_mnv3_segmentation_meta_class_at (const GstMnv3SegmentationMeta * meta,
    gint frame_width, gint frame_height, gint x, gint y)
{
  GstVideoRectangle r;
  gint mx, my;

  g_return_val_if_fail (meta != NULL, -1);
  gst_mnv3_segmentation_meta_get_region (meta, frame_width, frame_height, &r);
  if (x < r.x || y < r.y || x >= r.x + r.w || y >= r.y + r.h)
    return -1;
  /* centre of the frame pixel, mapped to the map (half-pixel centres) */
  mx = (gint) (((gint64) (x - r.x) * 2 + 1) * meta->width / (2 * r.w));
  my = (gint) (((gint64) (y - r.y) * 2 + 1) * meta->height / (2 * r.h));
  mx = CLAMP (mx, 0, meta->width - 1);
  my = CLAMP (my, 0, meta->height - 1);
  return meta->class_map[(gsize) my * meta->width + mx];
}

guint
gst_mnv3_segmentation_meta_class_fractions (const GstMnv3SegmentationMeta *
    meta, gdouble * fractions, guint n_fractions)
{
  guint64 counts[256] = { 0 };
  gsize n, i;
  guint k, seen = 0;

  g_return_val_if_fail (meta != NULL, 0);
  n = (gsize) meta->width * meta->height;
  for (i = 0; i < n; i++)
    counts[meta->class_map[i]]++;
  for (k = 0; k < 256; k++)
    if (counts[k])
      seen = k + 1;
  for (k = 0; k < n_fractions; k++)
    fractions[k] = k < 256 && n ? (gdouble) counts[k] / n : 0.0;
  return seen;
}
