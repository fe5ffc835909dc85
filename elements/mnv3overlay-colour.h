/* GStreamer mnv3 — mnv3overlay's colours (private to the plugin).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Which colour a class gets, and how an RGB colour is written in a
 * frame's own components.  The RGB -> Y'CbCr conversion lives here once:
 * the box bars on YUV planes and the segmentation painter (palette,
 * background-color) both take their bytes from it, so a colour is the same
 * whichever painter puts it on the frame.
 */
#ifndef __MNV3_OVERLAY_COLOUR_H__
#define __MNV3_OVERLAY_COLOUR_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* v rounded to the nearest integer and clamped to 0..255. */
guint8 mnv3_overlay_clamp_u8 (gdouble v);

/* The components of an R, G, B colour (each 0..1) in the colour space of
 * frames described by info: Y, U, V with the frame's matrix (BT.601 when it
 * has none) and range for YUV formats, R, G, B otherwise; comp[3] (alpha)
 * is 255.  comp[] is in component order (GST_VIDEO_COMP_*), not in the
 * order of the bytes in memory. */
void mnv3_overlay_colour_components (const GstVideoInfo * info,
    const gdouble rgb[3], guint8 comp[4]);

/* 0xRRGGBB as R, G, B in 0..1. */
void mnv3_overlay_colour_unpack (guint32 rgb, gdouble out[3]);

/* A distinct, stable colour per class or track id (boxes): hues a golden
 * angle apart, R, G, B in 0..1. */
void mnv3_overlay_class_colour (gint class_id, gdouble rgb[3]);

/* The segmentation palette's colour of a class, 0xRRGGBB (class 0 grey). */
guint32 mnv3_overlay_palette_colour (guint class_id);

G_END_DECLS

#endif /* __MNV3_OVERLAY_COLOUR_H__ */
