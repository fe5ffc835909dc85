/* GStreamer mnv3 — mnv3overlay's painters: one per kind of meta (private
 * to the plugin).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A painter turns one meta of a buffer into sprites and bars placed on the
 * scene: the label and region outline of a GstMnv3ClassificationMeta, the
 * boxes of a GstMnv3DetectionMeta or of a DL Streamer-style
 * GstVideoRegionOfInterestMeta, the legend of a GstMnv3SegmentationMeta
 * (its pixels are done beforehand by mnv3overlay-segment.c), and each
 * producer's statistics.  Painters read the settings, never the element.
 */
#ifndef __MNV3_OVERLAY_PAINT_H__
#define __MNV3_OVERLAY_PAINT_H__

#include "mnv3overlay-scene.h"
#include "mnv3overlay-segment.h"

G_BEGIN_DECLS

/* Property values copied once per frame, so drawing needs no lock. */
typedef struct
{
  gboolean draw_labels;
  gdouble line_width;
  gboolean show_stats;
  guint trail_length;
  Mnv3SegProps seg;             /* segmentation: palette, background */
} Mnv3DrawSettings;

/* Places every mnv3 meta of buf (and every ROI with a `detection`
 * parameter that no mnv3 detection meta holds) on the scene, in the
 * buffer's meta order. */
void mnv3_overlay_paint (Mnv3Scene * scene, GstBuffer * buf,
    const Mnv3DrawSettings * settings);

G_END_DECLS

#endif /* __MNV3_OVERLAY_PAINT_H__ */
