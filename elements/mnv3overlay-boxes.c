/* GStreamer mnv3 — mnv3overlay's boxes: detection boxes, region outlines
 * and track trails.  See mnv3overlay-boxes.h for the contract.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "mnv3overlay-boxes.h"
#include "mnv3overlay-colour.h"

/* a trail dot, pixels */
#define TRAIL_DOT 4
/* a trail not extended for this many frames is dropped */
#define TRAIL_MAX_AGE 30

/* Where a tracked object was on the last frames (box bottom centres). */
typedef struct
{
  GArray *points;               /* gint pairs x, y; oldest first */
  guint64 last_frame;
} Mnv3Trail;

/* ----------------------------------------------------- bars on YUV planes */

gboolean
mnv3_boxes_on_planes_supported (const GstVideoInfo * info)
{
  const GstVideoFormatInfo *fi = info->finfo;

  if (!fi || !GST_VIDEO_FORMAT_INFO_IS_YUV (fi)
      || GST_VIDEO_FORMAT_INFO_HAS_PALETTE (fi)
      || GST_VIDEO_FORMAT_INFO_IS_TILED (fi)
      || GST_VIDEO_FORMAT_INFO_N_COMPONENTS (fi) < 3)
    return FALSE;
  for (guint c = 0; c < 3; c++)
    if (GST_VIDEO_FORMAT_INFO_DEPTH (fi, c) != 8
        || GST_VIDEO_FORMAT_INFO_SHIFT (fi, c) != 0
        || GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, c) < 1)
      return FALSE;
  return TRUE;
}

/* One component of a bar already clipped to the frame, [x0, x1) x [y0, y1)
 * in luma pixels.  Subsampled chroma gets every sample the bar touches. */
static void
mnv3_bar_fill_component (GstVideoFrame * frame, guint c, const Mnv3Bar * bar,
    gint x0, gint y0, gint x1, gint y1)
{
  const GstVideoFormatInfo *fi = frame->info.finfo;
  guint ws = GST_VIDEO_FORMAT_INFO_W_SUB (fi, c);
  guint hs = GST_VIDEO_FORMAT_INFO_H_SUB (fi, c);
  gint cx0 = x0 >> ws, cx1 = ((x1 - 1) >> ws) + 1;
  gint cy0 = y0 >> hs, cy1 = ((y1 - 1) >> hs) + 1;
  gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
  gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
  guint8 *base = GST_VIDEO_FRAME_COMP_DATA (frame, c);
  guint val = bar->comp[c], a = bar->alpha, n = (guint) (cx1 - cx0);
  /* integer blend, rounded: (val * a + p * (255 - a)) / 255 */
  guint va = val * a + 127, ia = 255 - a;

  for (gint cy = cy0; cy < cy1; cy++) {
    guint8 *row = base + (gssize) cy * stride + (gssize) cx0 * ps;

    if (a == 255 && ps == 1)
      memset (row, (int) val, n);
    else if (a == 255)
      for (guint i = 0; i < n; i++)
        row[(gsize) i * ps] = (guint8) val;
    else
      for (guint i = 0; i < n; i++) {
        guint8 *px = row + (gsize) i * ps;
        *px = (guint8) ((va + *px * ia) / 255);
      }
  }
}

void
mnv3_boxes_draw_bars (const Mnv3Scene * scene, GstVideoFrame * frame)
{
  GArray *bars = scene->bars;
  gint fw = GST_VIDEO_FRAME_WIDTH (frame), fh = GST_VIDEO_FRAME_HEIGHT (frame);

  for (guint i = 0; i < bars->len; i++) {
    const Mnv3Bar *b = &g_array_index (bars, Mnv3Bar, i);
    gint x0 = MAX (b->x, 0), y0 = MAX (b->y, 0);
    gint x1 = MIN (b->x + b->w, fw), y1 = MIN (b->y + b->h, fh);

    if (x0 >= x1 || y0 >= y1)
      continue;
    for (guint c = 0; c < 3; c++)
      mnv3_bar_fill_component (frame, c, b, x0, y0, x1, y1);
  }
}

/* ------------------------------------------------------------------ boxes */

void
mnv3_boxes_add_outline (Mnv3Scene * scene, gint x, gint y, gint w, gint h,
    gint lw, const gdouble rgb[3], guint8 alpha)
{
  guint8 comp[4];

  mnv3_overlay_colour_components (&scene->info, rgb, comp);
  mnv3_scene_add_bar (scene, x, y, w, lw, comp, alpha);
  mnv3_scene_add_bar (scene, x, y + h - lw, w, lw, comp, alpha);
  /* the sides without the corners, so a translucent box is even */
  if (h > 2 * lw) {
    mnv3_scene_add_bar (scene, x, y + lw, lw, h - 2 * lw, comp, alpha);
    mnv3_scene_add_bar (scene, x + w - lw, y + lw, lw, h - 2 * lw, comp,
        alpha);
  }
}

static void
mnv3_boxes_place (Mnv3Scene * scene, gint x, gint y, gint w, gint h,
    gdouble line_width, gint class_id, gboolean fresh)
{
  Mnv3Sprites *sprites = &scene->sprites;
  gint lw = (gint) MAX (1.0, floor (line_width + 0.5));

  lw = MIN (lw, MAX (1, MIN (w, h) / 2));
  if (scene->bars_on_planes) {
    gdouble rgb[3];

    mnv3_overlay_class_colour (class_id, rgb);
    /* same opacity as the sprites: 1.0 fresh, 0.45 carried forward */
    mnv3_boxes_add_outline (scene, x, y, w, h, lw, rgb, fresh ? 255 : 115);
    return;
  }
  mnv3_scene_place (scene, mnv3_sprites_bar (sprites, w, lw, class_id,
          fresh), x, y);
  mnv3_scene_place (scene, mnv3_sprites_bar (sprites, w, lw, class_id,
          fresh), x, y + h - lw);
  mnv3_scene_place (scene, mnv3_sprites_bar (sprites, lw, h, class_id,
          fresh), x, y);
  mnv3_scene_place (scene, mnv3_sprites_bar (sprites, lw, h, class_id,
          fresh), x + w - lw, y);
}

void
mnv3_boxes_draw_box (Mnv3Scene * scene, gdouble line_width, gint x, gint y,
    gint w, gint h, gint colour_key, gboolean fresh, const gchar * text)
{
  if (w < 1 || h < 1)
    return;
  if (line_width > 0.0)
    mnv3_boxes_place (scene, x, y, w, h, line_width, colour_key, fresh);
  if (text)
    mnv3_scene_stack (scene, mnv3_sprites_text (&scene->sprites,
            fresh ? MNV3_TEXT_LABEL : MNV3_TEXT_LABEL_STALE, text), x, y,
        TRUE);
}

/* ----------------------------------------------------------------- trails */

static void
mnv3_trail_free (gpointer data)
{
  Mnv3Trail *t = data;

  g_array_unref (t->points);
  g_free (t);
}

GHashTable *
mnv3_boxes_trails_new (void)
{
  return g_hash_table_new_full (NULL, NULL, NULL, mnv3_trail_free);
}

void
mnv3_boxes_draw_trail (Mnv3Scene * scene, guint length, gint id, gint x,
    gint y)
{
  Mnv3Trail *t = g_hash_table_lookup (scene->trails, GINT_TO_POINTER (id));
  guint i;

  if (!t) {
    t = g_new0 (Mnv3Trail, 1);
    t->points = g_array_new (FALSE, FALSE, sizeof (gint) * 2);
    g_hash_table_insert (scene->trails, GINT_TO_POINTER (id), t);
  }
  if (t->last_frame != scene->frame_count) {
    gint pt[2] = { x, y };

    g_array_append_vals (t->points, pt, 1);
    t->last_frame = scene->frame_count;
  }
  if (t->points->len > length)
    g_array_remove_range (t->points, 0, t->points->len - length);
  /* the dots before the current position */
  for (i = 0; i + 1 < t->points->len; i++) {
    const gint *pt = &g_array_index (t->points, gint, 2 * i);

    mnv3_boxes_place (scene, pt[0] - TRAIL_DOT / 2, pt[1] - TRAIL_DOT / 2,
        TRAIL_DOT, TRAIL_DOT, TRAIL_DOT, id, TRUE);
  }
}

static gboolean
mnv3_trail_is_old (gpointer key, gpointer value, gpointer user_data)
{
  const Mnv3Trail *t = value;
  const guint64 *frame = user_data;

  (void) key;
  return t->last_frame + TRAIL_MAX_AGE < *frame;
}

void
mnv3_boxes_expire_trails (Mnv3Scene * scene)
{
  g_hash_table_foreach_remove (scene->trails, mnv3_trail_is_old,
      &scene->frame_count);
}
