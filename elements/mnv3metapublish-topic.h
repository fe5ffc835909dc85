/* GStreamer mnv3 — mnv3metapublish's broker address and topics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure string handling, no I/O: "HOST:PORT" parsing and the topic
 * template with its {source} placeholder (the frame's "source" field made
 * a single, wildcard-free MQTT topic level).
 */
#ifndef __MNV3_METAPUBLISH_TOPIC_H__
#define __MNV3_METAPUBLISH_TOPIC_H__

#include <glib.h>

G_BEGIN_DECLS

#define MNV3_MQTT_DEFAULT_PORT 1883

/* "HOST:PORT", "HOST" (port 1883) or "[IPv6]:PORT"; FALSE when malformed
 * (then *host is not set). */
gboolean mnv3_publish_parse_address (const gchar * address, gchar ** host,
    gint * port);

/* FALSE with a sentence in *why (free it) unless @topic can be published
 * to: not empty, no wildcard, no placeholder but {source}. */
gboolean mnv3_publish_topic_check (const gchar * topic,
    gboolean * has_source, gchar ** why);

/* @topic with every {source} replaced by the "source" field of the JSON
 * object @json ("unknown" when it has none). */
gchar *mnv3_publish_topic_expand (const gchar * topic, const gchar * json);

G_END_DECLS

#endif /* __MNV3_METAPUBLISH_TOPIC_H__ */
