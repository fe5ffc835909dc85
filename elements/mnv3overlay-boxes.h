/* GStreamer mnv3 — mnv3overlay's boxes: detection boxes, region outlines
 * and track trails, as sprites or as bars on YUV planes (private to the
 * plugin).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When the frame is blended and is 8-bit YUV (I420, YV12, NV12, NV21, Y444,
 * Y42B, AYUV, YUY2, UYVY), box edges are not images: they are Mnv3Bar in
 * the class colour converted once to the frame's Y, U, V, written straight
 * onto the planes (every chroma sample an edge touches takes it).  Other
 * frames get four solid sprites a box.
 */
#ifndef __MNV3_OVERLAY_BOXES_H__
#define __MNV3_OVERLAY_BOXES_H__

#include "mnv3overlay-scene.h"

G_BEGIN_DECLS

/* Whether box edges can be written straight onto frames of info: 8-bit
 * YUV whose components are addressed by a pixel stride. */
gboolean mnv3_boxes_on_planes_supported (const GstVideoInfo * info);
/* Writes the scene's bars onto the planes of a frame mapped for writing. */
void mnv3_boxes_draw_bars (const Mnv3Scene * scene, GstVideoFrame * frame);

/* The outline of (x, y, w, h), lw pixels wide inside it, as four bars in
 * an RGB colour (0..1); alpha 255 is opaque.  Only with bars_on_planes. */
void mnv3_boxes_add_outline (Mnv3Scene * scene, gint x, gint y, gint w,
    gint h, gint lw, const gdouble rgb[3], guint8 alpha);

/* One box: its outline (line_width > 0) in the colour of colour_key and,
 * when text is not NULL, its label above its top-left corner (inside when
 * there is no room above).  Not fresh: carried forward, dimmed. */
void mnv3_boxes_draw_box (Mnv3Scene * scene, gdouble line_width, gint x,
    gint y, gint w, gint h, gint colour_key, gboolean fresh,
    const gchar * text);

/* Adds where track id is now (x, y) to its trail and draws the trail's
 * last `length` points as dots. */
void mnv3_boxes_draw_trail (Mnv3Scene * scene, guint length, gint id,
    gint x, gint y);
/* The table of trails a scene keeps (track id -> trail). */
GHashTable *mnv3_boxes_trails_new (void);
/* Drops the trails of tracks not seen for a while. */
void mnv3_boxes_expire_trails (Mnv3Scene * scene);

G_END_DECLS

#endif /* __MNV3_OVERLAY_BOXES_H__ */
