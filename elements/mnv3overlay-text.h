/* GStreamer mnv3 — mnv3overlay's sprites: labels and outlines rendered
 * once (private to the plugin).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A sprite is a small premultiplied native-endian ARGB image (a label with
 * its background, a region outline, a box edge, the segmentation legend)
 * rendered once and reused while its content is unchanged: it is cached
 * under a key string that names that content.  The same pixels serve the
 * direct Cairo path and, wrapped in a GstBuffer, the overlay-composition
 * path.  Only the streaming thread touches a Mnv3Sprites.
 */
#ifndef __MNV3_OVERLAY_TEXT_H__
#define __MNV3_OVERLAY_TEXT_H__

#include <cairo.h>
#include <pango/pangocairo.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/video-overlay-composition.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 serial;               /* unique, never reused: identifies content */
  cairo_surface_t *surface;
  gint width, height;
  guint64 last_used;            /* frame counter, for eviction */
  GstBuffer *pixels;            /* wraps surface (lazily) */
  GstVideoOverlayRectangle *rect;       /* last rectangle made from it */
  gint rect_x, rect_y;
} Mnv3Sprite;

typedef enum
{
  MNV3_TEXT_LABEL,
  MNV3_TEXT_LABEL_STALE,        /* a result carried forward: dimmed */
  MNV3_TEXT_STATS,
} Mnv3TextStyle;

/* The cache, and the Pango objects text is laid out with. */
typedef struct
{
  GHashTable *sprites;          /* key string -> Mnv3Sprite */
  guint64 serial;
  guint64 frame;                /* the frame being drawn: marks use */
  PangoFontMap *fontmap;
  PangoContext *pango;
  PangoLayout *layout;          /* NULL until mnv3_sprites_set_font() */
} Mnv3Sprites;

void mnv3_sprites_init (Mnv3Sprites * cache);
void mnv3_sprites_clear (Mnv3Sprites * cache);

/* Drops every sprite and the font (after a font change, at stop). */
void mnv3_sprites_release (Mnv3Sprites * cache);
/* A new font (Pango description string); drops every sprite. */
void mnv3_sprites_set_font (Mnv3Sprites * cache, const gchar * font_desc);
/* Once a frame is drawn: sprites not used by it are dropped when the cache
 * has grown (statistics text changes on every frame). */
void mnv3_sprites_evict (Mnv3Sprites * cache);

/* The cached sprite of key (marked used), or NULL. */
Mnv3Sprite *mnv3_sprites_lookup (Mnv3Sprites * cache, const gchar * key);
/* Caches surface (an ARGB32 image, taken over) under key (taken over). */
Mnv3Sprite *mnv3_sprites_adopt (Mnv3Sprites * cache, gchar * key,
    cairo_surface_t * surface);

/* A label: text on a translucent dark background. */
Mnv3Sprite *mnv3_sprites_text (Mnv3Sprites * cache, Mnv3TextStyle style,
    const gchar * text);
/* The outline of a region, drawn inside its bounds. */
Mnv3Sprite *mnv3_sprites_outline (Mnv3Sprites * cache, gint width,
    gint height, gdouble line_width);
/* One edge of a detection box: a bar in the colour of class_id
 * (mnv3_overlay_class_colour), translucent when not fresh (carried
 * forward). */
Mnv3Sprite *mnv3_sprites_bar (Mnv3Sprites * cache, gint width, gint height,
    gint class_id, gboolean fresh);

/* The sprite's pixels as an overlay rectangle placed at (x, y) (a new
 * reference). */
GstVideoOverlayRectangle *mnv3_sprite_rectangle (Mnv3Sprite * sp, gint x,
    gint y);

G_END_DECLS

#endif /* __MNV3_OVERLAY_TEXT_H__ */
