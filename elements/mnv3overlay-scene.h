/* GStreamer mnv3 — mnv3overlay's scene: what one frame shows, and how it
 * gets onto the frame (private to the plugin).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract: the painters (mnv3overlay-paint.c, mnv3overlay-boxes.c) place
 * sprites (mnv3overlay-text.h) and, on 8-bit YUV frames that are blended,
 * solid bars on a Mnv3Scene; mnv3overlay then draws the scene: the bars
 * straight onto the planes (mnv3_boxes_draw_bars), the sprites with Cairo
 * on packed RGB in Cairo's byte order (mnv3_scene_draw_direct) or as a
 * GstVideoOverlayComposition (mnv3_scene_composition), blended or
 * attached.  A scene lives as long as its element and is touched only by
 * the streaming thread.
 */
#ifndef __MNV3_OVERLAY_SCENE_H__
#define __MNV3_OVERLAY_SCENE_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/video-overlay-composition.h>

#include "mnv3overlay-text.h"

G_BEGIN_DECLS

typedef struct
{
  Mnv3Sprite *sprite;
  guint64 serial;
  gint x, y;
} Mnv3Placement;

/* A solid rectangle (a box edge) drawn straight onto the planes of a YUV
 * frame: blending hundreds of small ARGB rectangles through an overlay
 * composition costs far more than writing the few pixels of each edge. */
typedef struct
{
  gint x, y, w, h;              /* frame pixels, not yet clipped */
  guint8 comp[3];               /* Y, U, V in the frame's colour space */
  guint8 alpha;                 /* 255: opaque */
} Mnv3Bar;

typedef struct
{
  /* this frame */
  GArray *items;                /* Mnv3Placement, drawn in order */
  GArray *stacks;               /* labels stacked about an anchor point */
  GArray *bars;                 /* Mnv3Bar, drawn before the items */
  gint width, height;
  guint64 frame_count;          /* frames begun since start */

  /* the negotiated format */
  GstVideoInfo info;
  gboolean bars_on_planes;      /* box edges as Mnv3Bar, not sprites */

  /* kept between frames */
  Mnv3Sprites sprites;
  GstVideoOverlayComposition *last_comp;
  GArray *last_items;           /* placements that made last_comp */
  GHashTable *trails;           /* track id -> trail (mnv3overlay-boxes.c) */
} Mnv3Scene;

void mnv3_scene_init (Mnv3Scene * scene);
void mnv3_scene_clear (Mnv3Scene * scene);

/* New caps; bars_on_planes: box edges become Mnv3Bar (the caller checked
 * mnv3_boxes_on_planes_supported() and that frames are blended). */
void mnv3_scene_set_format (Mnv3Scene * scene, const GstVideoInfo * info,
    gboolean bars_on_planes);
/* Back to the state of a new element: no sprite, no font, no trail. */
void mnv3_scene_reset (Mnv3Scene * scene);
/* The font of all text (drops every sprite). */
void mnv3_scene_set_font (Mnv3Scene * scene, const gchar * font_desc);

/* A new frame, empty; then the painters; then mnv3_scene_end() drops what
 * recent frames no longer use. */
void mnv3_scene_begin (Mnv3Scene * scene, gint width, gint height);
void mnv3_scene_end (Mnv3Scene * scene);
gboolean mnv3_scene_is_empty (const Mnv3Scene * scene);

/* Places sp with its top-left at (x, y), moved inside the frame. */
void mnv3_scene_place (Mnv3Scene * scene, Mnv3Sprite * sp, gint x, gint y);
/* Places sp below (or, upward, above) what was already stacked at the
 * anchor point (x, y); upward with no room above goes inside, below. */
void mnv3_scene_stack (Mnv3Scene * scene, Mnv3Sprite * sp, gint x, gint y,
    gboolean upward);
gboolean mnv3_scene_contains (const Mnv3Scene * scene,
    const Mnv3Sprite * sp);
void mnv3_scene_add_bar (Mnv3Scene * scene, gint x, gint y, gint w, gint h,
    const guint8 comp[3], guint8 alpha);

/* The sprites as a composition (a new reference); an unchanged scene
 * reuses the last one. */
GstVideoOverlayComposition *mnv3_scene_composition (Mnv3Scene * scene);
/* Drops the kept composition (its positions fit the old frame size). */
void mnv3_scene_forget_composition (Mnv3Scene * scene);
/* Paints the sprites with Cairo on a packed RGB frame of that Cairo
 * format; FALSE when Cairo fails. */
gboolean mnv3_scene_draw_direct (Mnv3Scene * scene, GstVideoFrame * frame,
    cairo_format_t format);

G_END_DECLS

#endif /* __MNV3_OVERLAY_SCENE_H__ */
