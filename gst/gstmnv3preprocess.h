/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Glue between GStreamer video frames and the engine's fused
 * pre-processing (core/preprocess.h): caps to a pre-processing plan, a
 * mapped GstVideoFrame to an mnv3_frame.  No pixel is touched here.
 */
#ifndef __GST_MNV3_PREPROCESS_H__
#define __GST_MNV3_PREPROCESS_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include "preprocess.h"

G_BEGIN_DECLS

/* Every raw format the pre-processing reads directly. */
#define GST_MNV3_VIDEO_FORMATS \
  "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, I420, NV12 }"

/* TRUE and *out set when the engine reads format directly. */
gboolean gst_mnv3_pixel_format_from_video (GstVideoFormat format,
    mnv3_pixel_format * out);

/* A plan that turns frames described by info into a dst_width x dst_height
 * NHWC tensor normalised with mean/std (pixel units).  source: NULL to fit
 * the whole frame as `fit` says, or a part of the frame (clamped to it)
 * stretched over the whole tensor (regions of interest).  *region (may be
 * NULL) receives the part of the frame that is sampled and *placed (may be
 * NULL) where it lands in the tensor.  NULL with *reason set on failure. */
mnv3_preprocess *gst_mnv3_preprocess_new (const GstVideoInfo * info,
    mnv3_fit fit, const GstVideoRectangle * source, int dst_width,
    int dst_height, const float mean[3], const float std[3],
    GstVideoRectangle * region, GstVideoRectangle * placed, gchar ** reason);

/* Describe a frame mapped for reading. */
void gst_mnv3_frame_from_video (const GstVideoFrame * vframe,
    mnv3_frame * frame);

G_END_DECLS

#endif /* __GST_MNV3_PREPROCESS_H__ */
