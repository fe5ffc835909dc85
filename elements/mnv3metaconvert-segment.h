/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metaconvert's segmentation objects (private to the plugin).
 *
 * Contract: called inside the "objects" array being built, appends one
 * object per GstMnv3SegmentationMeta of buf (its region in the
 * width x height frame, and a "segmentation" block: per-class pixel
 * fractions and, with mask_rle, the class map run-length encoded; the
 * layout is documented in docs/metadata.md).  Returns how many objects it
 * appended.
 */
#ifndef __MNV3_METACONVERT_SEGMENT_H__
#define __MNV3_METACONVERT_SEGMENT_H__

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

guint mnv3_metaconvert_add_segmentations (JsonBuilder * b, GstBuffer * buf,
    gint width, gint height, gboolean mask_rle);

G_END_DECLS

#endif /* __MNV3_METACONVERT_SEGMENT_H__ */
