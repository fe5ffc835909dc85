/* GStreamer mnv3 — a frame's results as JSON text, on the buffer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metaconvert attaches the JSON object it writes for a frame (the
 * layout of docs/metadata.md) as a GstMnv3JsonMeta, so that publishers
 * downstream (mnv3metapublish) and applications take the text without
 * serialising the results again (DL Streamer's GstGVAJSONMeta plays the
 * same role):
 *
 *   const gchar *json = gst_mnv3_buffer_get_json (buf);
 *   if (json)
 *     g_print ("%s\n", json);
 *
 * The meta has no tags: every filter copies it as it is (the text states
 * the resolution it was written for).
 */
#ifndef __GST_MNV3_JSON_META_H__
#define __GST_MNV3_JSON_META_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_MNV3_JSON_META_API_TYPE (gst_mnv3_json_meta_api_get_type ())
#define GST_MNV3_JSON_META_INFO (gst_mnv3_json_meta_get_info ())

/**
 * GstMnv3JsonMeta:
 * @meta: parent
 * @message: the frame's JSON object, one line, NUL-terminated
 *
 * The JSON text mnv3metaconvert wrote for this frame.
 */
typedef struct {
  GstMeta meta;
  gchar *message;
} GstMnv3JsonMeta;

GType gst_mnv3_json_meta_api_get_type (void);
const GstMetaInfo *gst_mnv3_json_meta_get_info (void);

/* (hidden from g-ir-scanner: outside the gst_mnv3 namespace; bindings
 * read the text with gst_mnv3_buffer_get_json()) */
#ifndef __GI_SCANNER__
/**
 * gst_buffer_add_mnv3_json_meta: (skip)
 * @buffer: a writable buffer
 * @message: the JSON text (copied)
 *
 * Returns: (transfer none): the meta added, NULL when @message is NULL
 */
GstMnv3JsonMeta *gst_buffer_add_mnv3_json_meta (GstBuffer * buffer,
    const gchar * message);
#endif

/**
 * gst_mnv3_buffer_get_json:
 * @buffer: a buffer
 *
 * The frame's JSON text, as attached by mnv3metaconvert.
 *
 * Returns: (transfer none) (nullable): the text of the first
 * #GstMnv3JsonMeta of @buffer, NULL when it has none
 */
const gchar *gst_mnv3_buffer_get_json (GstBuffer * buffer);

#ifndef __GI_SCANNER__
#define gst_buffer_get_mnv3_json_meta(b) \
  ((GstMnv3JsonMeta *) gst_buffer_get_meta ((b), GST_MNV3_JSON_META_API_TYPE))
#endif

G_END_DECLS

#endif /* __GST_MNV3_JSON_META_H__ */
