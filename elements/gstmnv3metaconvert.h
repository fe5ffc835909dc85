/* GStreamer mnv3 — mnv3metaconvert: mnv3 results as JSON lines.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract: a passthrough filter (buffers and caps untouched) that turns the
 * mnv3 metas of every frame into one JSON object (DL Streamer gvametaconvert
 * layout, documented in docs/metadata.md), written as one line to a file or
 * stdout and/or posted as an element message.
 */
#ifndef __GST_MNV3_METACONVERT_H__
#define __GST_MNV3_METACONVERT_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_MNV3_METACONVERT (gst_mnv3_metaconvert_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Metaconvert, gst_mnv3_metaconvert, GST,
    MNV3_METACONVERT, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (mnv3metaconvert);

G_END_DECLS

#endif /* __GST_MNV3_METACONVERT_H__ */
