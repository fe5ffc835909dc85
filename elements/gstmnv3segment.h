/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_MNV3_SEGMENT_H__
#define __GST_MNV3_SEGMENT_H__

#include "gstmnv3inference.h"

G_BEGIN_DECLS

#define GST_TYPE_MNV3_SEGMENT (gst_mnv3_segment_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Segment, gst_mnv3_segment, GST, MNV3_SEGMENT,
    GstMnv3Inference)

GST_ELEMENT_REGISTER_DECLARE (mnv3segment);

G_END_DECLS

#endif /* __GST_MNV3_SEGMENT_H__ */
