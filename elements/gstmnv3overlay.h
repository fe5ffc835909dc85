/* GStreamer mnv3 — mnv3overlay: draws mnv3 results on video frames.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract: an in-place filter (caps unchanged) that draws every mnv3 meta
 * found on a buffer.  Packed RGB frames in Cairo's native order are drawn
 * directly; every other format gets a GstVideoOverlayComposition that is
 * attached as a meta when downstream says it can render one, and blended
 * into the frame otherwise.  Frames are never dropped (QoS off by default).
 */
#ifndef __GST_MNV3_OVERLAY_H__
#define __GST_MNV3_OVERLAY_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_MNV3_OVERLAY (gst_mnv3_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Overlay, gst_mnv3_overlay, GST, MNV3_OVERLAY,
    GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (mnv3overlay);

G_END_DECLS

#endif /* __GST_MNV3_OVERLAY_H__ */
