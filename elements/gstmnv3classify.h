/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_MNV3_CLASSIFY_H__
#define __GST_MNV3_CLASSIFY_H__

#include "gstmnv3inference.h"

G_BEGIN_DECLS

#define GST_TYPE_MNV3_CLASSIFY (gst_mnv3_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Classify, gst_mnv3_classify, GST, MNV3_CLASSIFY,
    GstMnv3Inference)

GST_ELEMENT_REGISTER_DECLARE (mnv3classify);

G_END_DECLS

#endif /* __GST_MNV3_CLASSIFY_H__ */
