/* GStreamer mnv3 — mnv3overlay's sprites: labels and outlines rendered
 * once.  See mnv3overlay-text.h for the contract.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "mnv3overlay-colour.h"
#include "mnv3overlay-text.h"

/* Space (pixels) between the text and the edge of its background. */
#define CHIP_PAD 4
/* Sprites not used by the latest frame are dropped once the cache holds
 * more than this many (statistics text changes on every frame). */
#define SPRITE_CACHE_MAX 64

static void
mnv3_sprite_free (gpointer data)
{
  Mnv3Sprite *sp = data;

  if (sp->rect)
    gst_video_overlay_rectangle_unref (sp->rect);
  if (sp->pixels)
    gst_buffer_unref (sp->pixels);
  cairo_surface_destroy (sp->surface);
  g_free (sp);
}

void
mnv3_sprites_init (Mnv3Sprites * cache)
{
  memset (cache, 0, sizeof *cache);
  cache->sprites = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      mnv3_sprite_free);
}

void
mnv3_sprites_release (Mnv3Sprites * cache)
{
  g_hash_table_remove_all (cache->sprites);
  g_clear_object (&cache->layout);
  g_clear_object (&cache->pango);
  g_clear_object (&cache->fontmap);
}

void
mnv3_sprites_clear (Mnv3Sprites * cache)
{
  mnv3_sprites_release (cache);
  g_hash_table_unref (cache->sprites);
  cache->sprites = NULL;
}

/* Each element has its own font map: Pango's default one is per thread and
 * streaming threads come and go. */
void
mnv3_sprites_set_font (Mnv3Sprites * cache, const gchar * font_desc)
{
  PangoFontDescription *desc = pango_font_description_from_string (font_desc);

  mnv3_sprites_release (cache);
  cache->fontmap = pango_cairo_font_map_new ();
  cache->pango = pango_font_map_create_context (cache->fontmap);
  cache->layout = pango_layout_new (cache->pango);
  pango_layout_set_font_description (cache->layout, desc);
  pango_font_description_free (desc);
}

static gboolean
mnv3_sprite_is_stale (gpointer key, gpointer value, gpointer user_data)
{
  const Mnv3Sprite *sp = value;
  const guint64 *frame = user_data;

  (void) key;
  return sp->last_used != *frame;
}

void
mnv3_sprites_evict (Mnv3Sprites * cache)
{
  if (g_hash_table_size (cache->sprites) > SPRITE_CACHE_MAX)
    g_hash_table_foreach_remove (cache->sprites, mnv3_sprite_is_stale,
        &cache->frame);
}

Mnv3Sprite *
mnv3_sprites_lookup (Mnv3Sprites * cache, const gchar * key)
{
  Mnv3Sprite *sp = g_hash_table_lookup (cache->sprites, key);

  if (sp)
    sp->last_used = cache->frame;
  return sp;
}

static void
mnv3_sprites_insert (Mnv3Sprites * cache, gchar * key, Mnv3Sprite * sp)
{
  sp->last_used = cache->frame;
  g_hash_table_insert (cache->sprites, key, sp);
}

Mnv3Sprite *
mnv3_sprites_adopt (Mnv3Sprites * cache, gchar * key,
    cairo_surface_t * surface)
{
  Mnv3Sprite *sp = g_new0 (Mnv3Sprite, 1);

  sp->serial = ++cache->serial;
  sp->surface = surface;
  sp->width = cairo_image_surface_get_width (surface);
  sp->height = cairo_image_surface_get_height (surface);
  mnv3_sprites_insert (cache, key, sp);
  return sp;
}

static Mnv3Sprite *
mnv3_sprite_new (Mnv3Sprites * cache, gint width, gint height,
    cairo_t ** cr_out)
{
  Mnv3Sprite *sp = g_new0 (Mnv3Sprite, 1);

  sp->serial = ++cache->serial;
  sp->width = MAX (width, 1);
  sp->height = MAX (height, 1);
  sp->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
      sp->width, sp->height);
  *cr_out = cairo_create (sp->surface);
  return sp;
}

/* The last rectangle is kept, so an unchanged label reuses it and, with
 * it, the conversions the blender caches inside it. */
GstVideoOverlayRectangle *
mnv3_sprite_rectangle (Mnv3Sprite * sp, gint x, gint y)
{
  if (sp->rect && sp->rect_x == x && sp->rect_y == y)
    return gst_video_overlay_rectangle_ref (sp->rect);

  if (!sp->pixels) {
    gint stride = cairo_image_surface_get_stride (sp->surface);
    gsize size = (gsize) stride * sp->height;
    gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
    gint strides[GST_VIDEO_MAX_PLANES] = { stride, };

    cairo_surface_flush (sp->surface);
    sp->pixels = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
        cairo_image_surface_get_data (sp->surface), size, 0, size,
        cairo_surface_reference (sp->surface),
        (GDestroyNotify) cairo_surface_destroy);
    gst_buffer_add_video_meta_full (sp->pixels, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, sp->width, sp->height, 1,
        offset, strides);
  }
  if (sp->rect)
    gst_video_overlay_rectangle_unref (sp->rect);
  sp->rect = gst_video_overlay_rectangle_new_raw (sp->pixels, x, y,
      sp->width, sp->height, GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  sp->rect_x = x;
  sp->rect_y = y;
  return gst_video_overlay_rectangle_ref (sp->rect);
}

/* Stale results (carried forward from an earlier frame) are drawn dimmed
 * with the same text, so a label does not jump around when inference runs
 * on every Nth frame: the same dark chip, grey opaque text instead of
 * white, so that it stays readable on bright backgrounds. */
Mnv3Sprite *
mnv3_sprites_text (Mnv3Sprites * cache, Mnv3TextStyle style,
    const gchar * text)
{
  gchar *key = g_strdup_printf ("t%d|%s", (int) style, text);
  Mnv3Sprite *sp = mnv3_sprites_lookup (cache, key);
  PangoRectangle ink, logical;
  cairo_t *cr;

  if (sp) {
    g_free (key);
    return sp;
  }

  pango_layout_set_text (cache->layout, text, -1);
  pango_layout_get_pixel_extents (cache->layout, &ink, &logical);
  sp = mnv3_sprite_new (cache, logical.width + 2 * CHIP_PAD,
      logical.height + 2 * CHIP_PAD, &cr);

  switch (style) {
    case MNV3_TEXT_LABEL:
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
      break;
    case MNV3_TEXT_LABEL_STALE:
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
      break;
    case MNV3_TEXT_STATS:
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.5);
      break;
  }
  cairo_paint (cr);

  switch (style) {
    case MNV3_TEXT_LABEL:
      cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 1.0);
      break;
    case MNV3_TEXT_LABEL_STALE:
      cairo_set_source_rgba (cr, 0.65, 0.65, 0.65, 1.0);
      break;
    case MNV3_TEXT_STATS:
      cairo_set_source_rgba (cr, 1.0, 0.85, 0.2, 1.0);
      break;
  }
  cairo_move_to (cr, CHIP_PAD - logical.x, CHIP_PAD - logical.y);
  pango_cairo_show_layout (cr, cache->layout);
  cairo_destroy (cr);
  cairo_surface_flush (sp->surface);

  mnv3_sprites_insert (cache, key, sp);
  return sp;
}

Mnv3Sprite *
mnv3_sprites_outline (Mnv3Sprites * cache, gint width, gint height,
    gdouble line_width)
{
  gchar *key = g_strdup_printf ("o%dx%d|%g", width, height, line_width);
  Mnv3Sprite *sp = mnv3_sprites_lookup (cache, key);
  cairo_t *cr;

  if (sp) {
    g_free (key);
    return sp;
  }
  sp = mnv3_sprite_new (cache, width, height, &cr);
  cairo_set_line_width (cr, line_width);
  cairo_rectangle (cr, line_width / 2, line_width / 2,
      sp->width - line_width, sp->height - line_width);
  cairo_set_source_rgba (cr, 0.1, 1.0, 0.3, 1.0);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (sp->surface);

  mnv3_sprites_insert (cache, key, sp);
  return sp;
}

/* Boxes are drawn as four bars, not one box-sized image, so that a large
 * box costs only its edges to render and to blend. */
Mnv3Sprite *
mnv3_sprites_bar (Mnv3Sprites * cache, gint width, gint height,
    gint class_id, gboolean fresh)
{
  gchar *key = g_strdup_printf ("b%dx%d|%d|%d", width, height, class_id,
      fresh);
  Mnv3Sprite *sp = mnv3_sprites_lookup (cache, key);
  gdouble rgb[3];
  cairo_t *cr;

  if (sp) {
    g_free (key);
    return sp;
  }
  sp = mnv3_sprite_new (cache, width, height, &cr);
  mnv3_overlay_class_colour (class_id, rgb);
  cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], fresh ? 1.0 : 0.45);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (sp->surface);

  mnv3_sprites_insert (cache, key, sp);
  return sp;
}
