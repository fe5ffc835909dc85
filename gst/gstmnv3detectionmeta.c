/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstMnv3DetectionMeta: registration, copy and scale transforms.
 *
 * Tags: only "video", for the reason given in gstmnv3meta.c (GStreamer
 * 1.22's video filters drop metas with the size or orientation tags).  The
 * boxes are therefore not guaranteed to follow a transform: the meta keeps
 * the frame size they are expressed in and gst_mnv3_detection_meta_get_box()
 * maps them to the buffer at hand.  The "gst-video-scale" transform (and a
 * plain copy) are handled directly.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmnv3detectionmeta.h"

GType
gst_mnv3_detection_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR, NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstMnv3DetectionMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
mnv3_det_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstMnv3DetectionMeta *m = (GstMnv3DetectionMeta *) meta;

  (void) params;
  (void) buffer;
  m->model = NULL;
  m->n_detections = 0;
  m->detections = NULL;
  m->fresh = FALSE;
  m->latency_ms = 0.0;
  m->fps = 0.0;
  m->frame_width = 0;
  m->frame_height = 0;
  m->source_pts = GST_CLOCK_TIME_NONE;
  m->age = GST_CLOCK_TIME_NONE;
  m->tracked = FALSE;
  return TRUE;
}

static void
mnv3_det_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstMnv3DetectionMeta *m = (GstMnv3DetectionMeta *) meta;
  guint i;

  (void) buffer;
  for (i = 0; i < m->n_detections; i++)
    g_free (m->detections[i].label);
  g_free (m->detections);
  g_free (m->model);
  m->detections = NULL;
  m->n_detections = 0;
}

/* Scale box d from an in_w x in_h frame to out_w x out_h, clamped. */
static void
mnv3_det_box_scale (GstMnv3Detection * d, gint in_w, gint in_h, gint out_w,
    gint out_h)
{
  gfloat sx, sy, x1, y1;

  if (in_w <= 0 || in_h <= 0 || out_w <= 0 || out_h <= 0)
    return;
  sx = (gfloat) out_w / in_w;
  sy = (gfloat) out_h / in_h;
  x1 = CLAMP ((d->x + d->w) * sx, 0.0f, (gfloat) out_w);
  y1 = CLAMP ((d->y + d->h) * sy, 0.0f, (gfloat) out_h);
  d->x = CLAMP (d->x * sx, 0.0f, (gfloat) out_w);
  d->y = CLAMP (d->y * sy, 0.0f, (gfloat) out_h);
  d->w = MAX (x1 - d->x, 0.0f);
  d->h = MAX (y1 - d->y, 0.0f);
}

static gboolean
mnv3_det_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstMnv3DetectionMeta *src = (GstMnv3DetectionMeta *) meta;
  GstMnv3DetectionMeta *dst;
  gint in_w = src->frame_width, in_h = src->frame_height;
  gint out_w = in_w, out_h = in_h;
  guint i;

  (void) buffer;
  if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    GstVideoMetaTransform *t = data;

    /* in_info is the frame the boxes are in, whatever frame_width says */
    in_w = GST_VIDEO_INFO_WIDTH (t->in_info);
    in_h = GST_VIDEO_INFO_HEIGHT (t->in_info);
    out_w = GST_VIDEO_INFO_WIDTH (t->out_info);
    out_h = GST_VIDEO_INFO_HEIGHT (t->out_info);
  } else if (!GST_META_TRANSFORM_IS_COPY (type)) {
    /* an unknown transform: we cannot tell where the boxes went */
    return FALSE;
  }

  dst = gst_buffer_add_mnv3_detection_meta (dest, src->model,
      src->n_detections, src->detections, src->fresh, out_w, out_h);
  if (!dst)
    return FALSE;
  if (in_w != out_w || in_h != out_h)
    for (i = 0; i < dst->n_detections; i++)
      mnv3_det_box_scale (&dst->detections[i], in_w, in_h, out_w, out_h);
  dst->latency_ms = src->latency_ms;
  dst->fps = src->fps;
  dst->source_pts = src->source_pts;
  dst->age = src->age;
  dst->tracked = src->tracked;
  return TRUE;
}

const GstMetaInfo *
gst_mnv3_detection_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_MNV3_DETECTION_META_API_TYPE,
        "GstMnv3DetectionMeta", sizeof (GstMnv3DetectionMeta),
        mnv3_det_meta_init, mnv3_det_meta_free, mnv3_det_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstMnv3DetectionMeta *
gst_buffer_add_mnv3_detection_meta (GstBuffer * buffer, const gchar * model,
    guint n_detections, const GstMnv3Detection * detections, gboolean fresh,
    gint frame_width, gint frame_height)
{
  GstMnv3DetectionMeta *m;
  guint i;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (n_detections == 0 || detections != NULL, NULL);

  m = (GstMnv3DetectionMeta *) gst_buffer_add_meta (buffer,
      GST_MNV3_DETECTION_META_INFO, NULL);
  if (!m)
    return NULL;
  m->model = g_strdup (model);
  m->fresh = fresh;
  m->frame_width = frame_width;
  m->frame_height = frame_height;
  if (n_detections > 0) {
    m->detections = g_memdup2 (detections,
        n_detections * sizeof (GstMnv3Detection));
    for (i = 0; i < n_detections; i++)
      m->detections[i].label = g_strdup (detections[i].label);
  }
  m->n_detections = n_detections;
  return m;
}

gboolean
gst_mnv3_detection_meta_get_box (const GstMnv3DetectionMeta * meta,
    guint index, gint frame_width, gint frame_height, gfloat * x, gfloat * y,
    gfloat * w, gfloat * h)
{
  GstMnv3Detection d;

  g_return_val_if_fail (meta != NULL, FALSE);
  if (index >= meta->n_detections)
    return FALSE;
  d = meta->detections[index];
  if (meta->frame_width > 0 && meta->frame_height > 0
      && (meta->frame_width != frame_width
          || meta->frame_height != frame_height))
    mnv3_det_box_scale (&d, meta->frame_width, meta->frame_height,
        frame_width, frame_height);
  else
    mnv3_det_box_scale (&d, frame_width, frame_height, frame_width,
        frame_height);          /* clamp only */
  if (x)
    *x = d.x;
  if (y)
    *y = d.y;
  if (w)
    *w = d.w;
  if (h)
    *h = d.h;
  return TRUE;
}

gboolean
gst_buffer_has_mnv3_detection_roi (GstBuffer * buffer, gint roi_id)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_MNV3_DETECTION_META_API_TYPE))) {
    const GstMnv3DetectionMeta *m = (const GstMnv3DetectionMeta *) meta;

    for (guint i = 0; i < m->n_detections; i++)
      if (m->detections[i].roi_id == roi_id)
        return TRUE;
  }
  return FALSE;
}
