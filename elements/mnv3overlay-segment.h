/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3overlay's segmentation painter (private to the plugin).
 *
 * Contract: mnv3overlay keeps one Mnv3SegProps (its segmentation
 * properties, which it installs, reads and writes under its object lock)
 * and one Mnv3SegState (scratch memory and per-caps
 * caches, touched only by the streaming thread).  For each frame it copies
 * the properties, and when mnv3_seg_wants_frame() says so, maps the frame
 * read-write and calls mnv3_seg_apply() for every GstMnv3SegmentationMeta,
 * before any sprite (label, legend) is drawn.  mnv3_seg_apply() works on
 * the frame's own planes for every format of mnv3overlay's caps (packed
 * RGB, packed and planar/semi-planar YUV); it returns FALSE only for a
 * format it does not know.
 */
#ifndef __MNV3_OVERLAY_SEGMENT_H__
#define __MNV3_OVERLAY_SEGMENT_H__

#include <cairo.h>
#include <pango/pangocairo.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "gstmnv3segmentationmeta.h"

G_BEGIN_DECLS

typedef enum
{
  GST_MNV3_OVERLAY_BACKGROUND_NONE,
  GST_MNV3_OVERLAY_BACKGROUND_BLUR,
  GST_MNV3_OVERLAY_BACKGROUND_REPLACE,
} GstMnv3OverlayBackground;

/* The "background" property's enum type (registered by gstmnv3overlay.c). */
#define GST_TYPE_MNV3_OVERLAY_BACKGROUND \
  (gst_mnv3_overlay_background_get_type ())
GType gst_mnv3_overlay_background_get_type (void);

typedef struct
{
  gdouble mask_opacity;         /* palette blend, 0 = off */
  gchar *mask_classes;          /* comma-separated labels/ids, NULL = all
                                 * but class 0 */
  gboolean show_legend;
  GstMnv3OverlayBackground background;
  gchar *foreground_class;      /* label or id driving background */
  guint blur_radius;
  guint32 background_color;     /* 0xAARRGGBB */
} Mnv3SegProps;

/* Frees the strings (the struct itself is the caller's). */
void mnv3_seg_props_clear (Mnv3SegProps * props);
/* Deep copy (dst is overwritten, not cleared). */
void mnv3_seg_props_copy (Mnv3SegProps * dst, const Mnv3SegProps * src);

typedef struct _Mnv3SegState Mnv3SegState;

Mnv3SegState *mnv3_seg_state_new (void);
void mnv3_seg_state_free (Mnv3SegState * state);
/* Drops what depends on the caps. */
void mnv3_seg_state_reset (Mnv3SegState * state);

/* TRUE when buf carries a segmentation meta that changes pixels with these
 * settings (a palette blend or a background effect). */
gboolean mnv3_seg_wants_frame (const Mnv3SegProps * props, GstBuffer * buf);

/* Applies background effect and palette blend of one meta to the frame. */
gboolean mnv3_seg_apply (Mnv3SegState * state, const Mnv3SegProps * props,
    GstVideoFrame * frame, const GstMnv3SegmentationMeta * meta);

/* The legend of the classes the palette draws: a premultiplied ARGB32
 * surface (NULL when there is nothing to show), and a key that changes
 * whenever its content would. */
gchar *mnv3_seg_legend_key (const Mnv3SegProps * props,
    const GstMnv3SegmentationMeta * meta);
cairo_surface_t *mnv3_seg_legend_render (PangoLayout * layout,
    const Mnv3SegProps * props, const GstMnv3SegmentationMeta * meta);

G_END_DECLS

#endif /* __MNV3_OVERLAY_SEGMENT_H__ */
