/* GStreamer mnv3 — mnv3metapublish: each frame's JSON to a file or an MQTT
 * broker.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract: a passthrough filter placed after mnv3metaconvert.  It reads the
 * frame's JSON text (GstMnv3JsonMeta) and queues it; a worker thread writes
 * the queue to a file or publishes it to an MQTT broker, so the streaming
 * thread never waits for the disk or the network.  The queue is bounded
 * (max-queue): when full, the oldest message is dropped and counted.
 */
#ifndef __GST_MNV3_METAPUBLISH_H__
#define __GST_MNV3_METAPUBLISH_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

/**
 * GstMnv3PublishMethod:
 * @GST_MNV3_PUBLISH_FILE: write to a file or standard output
 * @GST_MNV3_PUBLISH_MQTT: publish to an MQTT broker
 */
typedef enum
{
  GST_MNV3_PUBLISH_FILE,
  GST_MNV3_PUBLISH_MQTT,
} GstMnv3PublishMethod;

/**
 * GstMnv3PublishFileFormat:
 * @GST_MNV3_PUBLISH_FORMAT_JSON: one JSON array of every frame's object
 * @GST_MNV3_PUBLISH_FORMAT_JSON_LINES: one JSON object a line
 */
typedef enum
{
  GST_MNV3_PUBLISH_FORMAT_JSON,
  GST_MNV3_PUBLISH_FORMAT_JSON_LINES,
} GstMnv3PublishFileFormat;

#define GST_TYPE_MNV3_METAPUBLISH (gst_mnv3_metapublish_get_type ())
G_DECLARE_FINAL_TYPE (GstMnv3Metapublish, gst_mnv3_metapublish, GST,
    MNV3_METAPUBLISH, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (mnv3metapublish);

G_END_DECLS

#endif /* __GST_MNV3_METAPUBLISH_H__ */
