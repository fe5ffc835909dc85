/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3ClassificationMeta: registration, copy and scale transforms.
 *
 * Tags: only "video".  On GStreamer 1.22 every GstVideoFilter (videoflip
 * among them) copies a meta only when "video" is its single tag, and drops
 * metas that also carry the size or orientation tags (as it drops
 * GstVideoRegionOfInterestMeta); videoconvert and videoscale copy a
 * "video"-only meta as is.  So the region is not guaranteed to be
 * transformed: the meta records the frame size its region is expressed in
 * (frame_width x frame_height), and gst_mnv3_classification_meta_get_region()
 * maps it to the buffer at hand.  An element that does call the
 * "gst-video-scale" transform gets region and frame size mapped directly.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3meta.h"

GType
gst_mnv3_classification_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR, NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstMnv3ClassificationMetaAPI",
        tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
mnv3_cls_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;

  (void) params;
  (void) buffer;
  m->model = NULL;
  m->n_results = 0;
  m->class_ids = NULL;
  m->labels = NULL;
  m->scores = NULL;
  m->fresh = FALSE;
  memset (&m->region, 0, sizeof m->region);
  m->region_id = 0;
  m->latency_ms = 0.0;
  m->fps = 0.0;
  m->frame_width = 0;
  m->frame_height = 0;
  m->source_pts = GST_CLOCK_TIME_NONE;
  m->age = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static void
mnv3_cls_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;
  guint i;

  (void) buffer;
  if (m->labels) {
    for (i = 0; i < m->n_results; i++)
      g_free (m->labels[i]);
    g_free (m->labels);
  }
  g_free (m->model);
  g_free (m->class_ids);
  g_free (m->scores);
  m->n_results = 0;
}

/* Map a rectangle from one frame size to another, rounding the edges (not
 * the size) so adjacent regions stay adjacent. */
static void
mnv3_rect_scale (GstVideoRectangle * r, gint in_w, gint in_h, gint out_w,
    gint out_h)
{
  gint x1, y1;

  if (in_w <= 0 || in_h <= 0)
    return;
  x1 = (gint) (((gint64) (r->x + r->w) * out_w + in_w / 2) / in_w);
  y1 = (gint) (((gint64) (r->y + r->h) * out_h + in_h / 2) / in_h);
  r->x = (gint) (((gint64) r->x * out_w + in_w / 2) / in_w);
  r->y = (gint) (((gint64) r->y * out_h + in_h / 2) / in_h);
  r->w = x1 - r->x;
  r->h = y1 - r->y;
}

static gboolean
mnv3_cls_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstMnv3ClassificationMeta *src = (GstMnv3ClassificationMeta *) meta;
  GstMnv3ClassificationMeta *dst;
  GstVideoRectangle region = src->region;
  gint fw = src->frame_width, fh = src->frame_height;

  (void) buffer;
  if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    GstVideoMetaTransform *t = data;

    /* in_info is the frame the region is in, whatever frame_width says */
    mnv3_rect_scale (&region, GST_VIDEO_INFO_WIDTH (t->in_info),
        GST_VIDEO_INFO_HEIGHT (t->in_info), GST_VIDEO_INFO_WIDTH (t->out_info),
        GST_VIDEO_INFO_HEIGHT (t->out_info));
    fw = GST_VIDEO_INFO_WIDTH (t->out_info);
    fh = GST_VIDEO_INFO_HEIGHT (t->out_info);
  } else if (!GST_META_TRANSFORM_IS_COPY (type)) {
    /* an unknown transform: we cannot tell where the region went */
    return FALSE;
  }

  dst = gst_buffer_add_mnv3_classification_meta (dest, src->model,
      src->n_results, src->class_ids, (const gchar * const *) src->labels,
      src->scores, src->fresh, &region);
  if (!dst)
    return FALSE;
  dst->region_id = src->region_id;
  dst->latency_ms = src->latency_ms;
  dst->fps = src->fps;
  dst->source_pts = src->source_pts;
  dst->age = src->age;
  dst->frame_width = fw;
  dst->frame_height = fh;
  return TRUE;
}

const GstMetaInfo *
gst_mnv3_classification_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_MNV3_CLASSIFICATION_META_API_TYPE,
        "GstMnv3ClassificationMeta", sizeof (GstMnv3ClassificationMeta),
        mnv3_cls_meta_init, mnv3_cls_meta_free, mnv3_cls_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstMnv3ClassificationMeta *
gst_buffer_add_mnv3_classification_meta (GstBuffer * buffer,
    const gchar * model, guint n_results, const gint * class_ids,
    const gchar * const *labels, const gfloat * scores, gboolean fresh,
    const GstVideoRectangle * region)
{
  GstMnv3ClassificationMeta *m;
  guint i;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (n_results == 0 || (class_ids && scores), NULL);

  m = (GstMnv3ClassificationMeta *) gst_buffer_add_meta (buffer,
      GST_MNV3_CLASSIFICATION_META_INFO, NULL);
  if (!m)
    return NULL;

  m->model = g_strdup (model);
  m->n_results = n_results;
  m->fresh = fresh;
  if (region) {
    m->region = *region;
    m->frame_width = region->x + region->w;
    m->frame_height = region->y + region->h;
  }
  if (n_results > 0) {
    m->class_ids = g_memdup2 (class_ids, n_results * sizeof (gint));
    m->scores = g_memdup2 (scores, n_results * sizeof (gfloat));
    /* one more entry than needed so the array is also NULL-terminated when
     * every label is set */
    m->labels = g_new0 (gchar *, n_results + 1);
    for (i = 0; labels && i < n_results; i++)
      m->labels[i] = g_strdup (labels[i]);
  }
  return m;
}

void
gst_mnv3_classification_meta_get_region (const GstMnv3ClassificationMeta *
    meta, gint frame_width, gint frame_height, GstVideoRectangle * region)
{
  GstVideoRectangle r;

  g_return_if_fail (meta != NULL && region != NULL);

  if (meta->region_id == 0 || meta->region.w <= 0 || meta->region.h <= 0) {
    r.x = 0;
    r.y = 0;
    r.w = frame_width;
    r.h = frame_height;
  } else {
    r = meta->region;
    if (meta->frame_width > 0 && meta->frame_height > 0
        && (meta->frame_width != frame_width
            || meta->frame_height != frame_height))
      mnv3_rect_scale (&r, meta->frame_width, meta->frame_height,
          frame_width, frame_height);
    r.x = CLAMP (r.x, 0, frame_width);
    r.y = CLAMP (r.y, 0, frame_height);
    r.w = CLAMP (r.w, 0, frame_width - r.x);
    r.h = CLAMP (r.h, 0, frame_height - r.y);
  }
  *region = r;
}
