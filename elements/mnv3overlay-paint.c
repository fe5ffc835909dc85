/* GStreamer mnv3 — mnv3overlay's painters, one per kind of meta.  See
 * mnv3overlay-paint.h for the contract.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "gstmnv3meta.h"
#include "gstmnv3detectionmeta.h"
#include "gstmnv3segmentationmeta.h"
#include "mnv3overlay-boxes.h"
#include "mnv3overlay-paint.h"

typedef void (*Mnv3Painter) (Mnv3Scene * scene, const GstMeta * meta,
    const Mnv3DrawSettings * settings);

/* A producer's inference rate and latency, bottom-left, once: every region
 * of one element carries the same statistics. */
static void
mnv3_paint_stats (Mnv3Scene * scene, const Mnv3DrawSettings * settings,
    const gchar * what, gdouble fps, gdouble latency_ms)
{
  gchar *text;
  Mnv3Sprite *sp;

  if (!(settings->show_stats && (fps > 0.0 || latency_ms > 0.0)))
    return;
  /* no model name: file names are long and would hide the numbers */
  text = fps > 0.0
      ? g_strdup_printf ("%s %.1f fps, %.1f ms", what, fps, latency_ms)
      : g_strdup_printf ("%s %.1f ms", what, latency_ms);
  sp = mnv3_sprites_text (&scene->sprites, MNV3_TEXT_STATS, text);
  if (!mnv3_scene_contains (scene, sp))
    mnv3_scene_stack (scene, sp, 0, scene->height, TRUE);
  g_free (text);
}

static void
mnv3_paint_classification (Mnv3Scene * scene, const GstMeta * meta,
    const Mnv3DrawSettings * settings)
{
  const GstMnv3ClassificationMeta *m =
      (const GstMnv3ClassificationMeta *) meta;
  GstVideoRectangle r;

  gst_mnv3_classification_meta_get_region (m, scene->width, scene->height,
      &r);

  /* A result about part of the frame shows where that part is. */
  if (m->region_id != 0 && settings->line_width > 0.0
      && scene->bars_on_planes && r.w > 0 && r.h > 0) {
    static const gdouble green[3] = { 0.1, 1.0, 0.3 };
    gint lw = (gint) MAX (1.0, floor (settings->line_width + 0.5));

    mnv3_boxes_add_outline (scene, r.x, r.y, r.w, r.h,
        MIN (lw, MAX (1, MIN (r.w, r.h) / 2)), green, 255);
  } else if (m->region_id != 0 && settings->line_width > 0.0)
    mnv3_scene_place (scene, mnv3_sprites_outline (&scene->sprites, r.w,
            r.h, settings->line_width), r.x, r.y);

  if (settings->draw_labels && m->n_results > 0) {
    const gchar *label = m->labels ? m->labels[0] : NULL;
    gchar *text = label
        ? g_strdup_printf ("%s %.1f%%", label, 100.0 * m->scores[0])
        : g_strdup_printf ("class %d %.1f%%", m->class_ids[0],
        100.0 * m->scores[0]);

    mnv3_scene_stack (scene, mnv3_sprites_text (&scene->sprites,
            m->fresh ? MNV3_TEXT_LABEL : MNV3_TEXT_LABEL_STALE, text), r.x,
        r.y, FALSE);
    g_free (text);
  }

  mnv3_paint_stats (scene, settings, "inference", m->fps, m->latency_ms);
}

/* Detection boxes: an outline per box and its label and score.  Boxes a
 * tracker (mnv3track) saw take the colour of their id, with the id in the
 * label, and an optional trail; others the colour of their class. */
static void
mnv3_paint_detection (Mnv3Scene * scene, const GstMeta * meta,
    const Mnv3DrawSettings * settings)
{
  const GstMnv3DetectionMeta *m = (const GstMnv3DetectionMeta *) meta;

  for (guint i = 0; i < m->n_detections; i++) {
    const GstMnv3Detection *d = &m->detections[i];
    gboolean tracked = m->tracked && d->track_id > 0;
    gfloat fx, fy, fw, fh;
    gint x, y, w, h;
    gchar *text;
    const gchar *name = d->label;
    gchar num[32];

    gst_mnv3_detection_meta_get_box (m, i, scene->width, scene->height, &fx,
        &fy, &fw, &fh);
    x = (gint) floorf (fx + 0.5f);
    y = (gint) floorf (fy + 0.5f);
    w = (gint) floorf (fx + fw + 0.5f) - x;
    h = (gint) floorf (fy + fh + 0.5f) - y;
    if (!name) {
      g_snprintf (num, sizeof num, "class %d", d->class_id);
      name = num;
    }
    text = tracked ? g_strdup_printf ("%s #%d %.0f%%", name, d->track_id,
        100.0 * d->score) : g_strdup_printf ("%s %.0f%%", name,
        100.0 * d->score);
    if (tracked && settings->trail_length > 0)
      mnv3_boxes_draw_trail (scene, settings->trail_length, d->track_id,
          x + w / 2, y + h);
    /* a tracker's boxes (predicted ones included) follow the objects: not
     * dimmed like carried-forward detections */
    mnv3_boxes_draw_box (scene, settings->line_width, x, y, w, h,
        tracked ? d->track_id : d->class_id, m->fresh || m->tracked,
        settings->draw_labels ? text : NULL);
    g_free (text);
  }

  mnv3_paint_stats (scene, settings, "inference", m->fps, m->latency_ms);
}

/* A GstVideoRegionOfInterestMeta with DL Streamer's `detection` parameter
 * from any producer (another detector, the application): drawn like a
 * detection box; with an `object_id` parameter (a tracker's), coloured by
 * that id. */
static void
mnv3_paint_roi (Mnv3Scene * scene, const GstVideoRegionOfInterestMeta * roi,
    const Mnv3DrawSettings * settings)
{
  GstStructure *det = gst_video_region_of_interest_meta_get_param (
      (GstVideoRegionOfInterestMeta *) roi, "detection");
  /* a tracker's object id: DL Streamer's `object_id` parameter */
  GstStructure *oid = gst_video_region_of_interest_meta_get_param (
      (GstVideoRegionOfInterestMeta *) roi, "object_id");
  const gchar *label;
  gdouble conf = -1.0;
  gint label_id = 0, key, id = 0;
  gboolean trk;
  gchar *text;

  if (!det)
    return;
  trk = oid && gst_structure_get_int (oid, "id", &id) && id > 0;
  label = gst_structure_get_string (det, "label");
  if (!label)
    label = roi->roi_type ? g_quark_to_string (roi->roi_type) : "object";
  gst_structure_get_double (det, "confidence", &conf);
  if (gst_structure_get_int (det, "label_id", &label_id))
    key = label_id;
  else
    key = (gint) (g_quark_from_string (label) & 0xffff);
  if (trk)
    key = id;
  if (trk && conf >= 0.0)
    text = g_strdup_printf ("%s #%d %.0f%%", label, id, 100.0 * conf);
  else if (trk)
    text = g_strdup_printf ("%s #%d", label, id);
  else if (conf >= 0.0)
    text = g_strdup_printf ("%s %.0f%%", label, 100.0 * conf);
  else
    text = g_strdup (label);
  if (trk && settings->trail_length > 0)
    mnv3_boxes_draw_trail (scene, settings->trail_length, id,
        (gint) (roi->x + roi->w / 2), (gint) (roi->y + roi->h));
  mnv3_boxes_draw_box (scene, settings->line_width, (gint) roi->x,
      (gint) roi->y, (gint) roi->w, (gint) roi->h, key, TRUE,
      settings->draw_labels ? text : NULL);
  g_free (text);
}


/* Segmentation: the pixels (palette, background) were done on the frame
 * itself before the scene is drawn; the scene gets the legend (top-right)
 * and the statistics. */
static void
mnv3_paint_segmentation (Mnv3Scene * scene, const GstMeta * meta,
    const Mnv3DrawSettings * settings)
{
  const GstMnv3SegmentationMeta *m = (const GstMnv3SegmentationMeta *) meta;
  gchar *key = mnv3_seg_legend_key (&settings->seg, m);

  if (key) {
    Mnv3Sprite *sp = mnv3_sprites_lookup (&scene->sprites, key);

    if (!sp) {
      cairo_surface_t *s = mnv3_seg_legend_render (scene->sprites.layout,
          &settings->seg, m);
      if (s) {
        sp = mnv3_sprites_adopt (&scene->sprites, key, s);
        key = NULL;
      }
    }
    if (sp)
      mnv3_scene_stack (scene, sp, scene->width - sp->width, 0, FALSE);
    g_free (key);
  }

  mnv3_paint_stats (scene, settings, "segmentation", m->fps, m->latency_ms);
}

static const struct
{
  GType (*api_type) (void);
  Mnv3Painter paint;
} mnv3_painters[] = {
  {gst_mnv3_segmentation_meta_api_get_type, mnv3_paint_segmentation},
  {gst_mnv3_classification_meta_api_get_type, mnv3_paint_classification},
  {gst_mnv3_detection_meta_api_get_type, mnv3_paint_detection},
};

void
mnv3_overlay_paint (Mnv3Scene * scene, GstBuffer * buf,
    const Mnv3DrawSettings * settings)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta (buf, &state))) {
    if (meta->info->api == GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) {
      const GstVideoRegionOfInterestMeta *roi =
          (const GstVideoRegionOfInterestMeta *) meta;

      if (!gst_buffer_has_mnv3_detection_roi (buf, roi->id))
        mnv3_paint_roi (scene, roi, settings);
      continue;
    }
    for (guint i = 0; i < G_N_ELEMENTS (mnv3_painters); i++) {
      if (meta->info->api == mnv3_painters[i].api_type ()) {
        mnv3_painters[i].paint (scene, meta, settings);
        break;
      }
    }
  }
}
