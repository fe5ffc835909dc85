/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_MNV3_DETECT_H__
#define __GST_MNV3_DETECT_H__

#include "gstmnv3inference.h"

G_BEGIN_DECLS

#define GST_TYPE_MNV3_DETECT (gst_mnv3_detect_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Detect, gst_mnv3_detect, GST, MNV3_DETECT,
    GstMnv3Inference)

GST_ELEMENT_REGISTER_DECLARE (mnv3detect);

G_END_DECLS

#endif /* __GST_MNV3_DETECT_H__ */
