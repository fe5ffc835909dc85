/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_MNV3_TRACK_H__
#define __GST_MNV3_TRACK_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_MNV3_TRACK (gst_mnv3_track_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Track, gst_mnv3_track, GST, MNV3_TRACK,
    GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (mnv3track);

G_END_DECLS

#endif /* __GST_MNV3_TRACK_H__ */
