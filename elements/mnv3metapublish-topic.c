/* GStreamer mnv3 — mnv3metapublish's broker address and topics.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <json-glib/json-glib.h>

#include "mnv3metapublish-topic.h"

/* The frame's "source" as one topic level: MQTT's separators and
 * wildcards (and blanks) replaced, "unknown" when it has none. */
static gchar *
mnv3_publish_source_level (const gchar * json)
{
  JsonParser *parser = json_parser_new ();
  gchar *source = NULL;

  if (json_parser_load_from_data (parser, json, -1, NULL)) {
    JsonNode *root = json_parser_get_root (parser);
    if (JSON_NODE_HOLDS_OBJECT (root)) {
      JsonObject *o = json_node_get_object (root);
      if (json_object_has_member (o, "source"))
        source = g_strdup (json_object_get_string_member_with_default (o,
                "source", ""));
    }
  }
  g_object_unref (parser);
  if (!source || !*source) {
    g_free (source);
    return g_strdup ("unknown");
  }
  return g_strcanon (source, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
      "VWXYZ0123456789-_.:@=,;()[]~", '_');
}

/* FALSE (with a message) unless the template is a publishable topic with
 * known placeholders only. */
gboolean
mnv3_publish_topic_check (const gchar * topic, gboolean * has_source,
    gchar ** why)
{
  gchar **parts, *plain;
  gboolean ok;

  *has_source = strstr (topic, "{source}") != NULL;
  if (!*topic) {
    *why = g_strdup ("The topic is empty.");
    return FALSE;
  }
  if (strchr (topic, '+') || strchr (topic, '#')) {
    *why = g_strdup_printf ("The topic \"%s\" holds an MQTT wildcard "
        "('+' or '#'), which cannot be published to.", topic);
    return FALSE;
  }
  /* braces left once {source} is taken out are unknown placeholders */
  parts = g_strsplit (topic, "{source}", -1);
  plain = g_strjoinv ("", parts);
  ok = strchr (plain, '{') == NULL && strchr (plain, '}') == NULL;
  g_strfreev (parts);
  g_free (plain);
  if (!ok) {
    *why = g_strdup_printf ("The topic \"%s\" holds an unknown placeholder "
        "(the one known is {source}).", topic);
    return FALSE;
  }
  return TRUE;
}

/* "HOST:PORT", "HOST" (port 1883) or "[IPv6]:PORT". */
gboolean
mnv3_publish_parse_address (const gchar * address, gchar ** host,
    gint * port)
{
  const gchar *colon;
  gchar *end = NULL;
  gint64 p = MNV3_MQTT_DEFAULT_PORT;

  if (!address || !*address)
    return FALSE;
  if (address[0] == '[') {
    const gchar *close = strchr (address, ']');
    if (!close || close == address + 1)
      return FALSE;
    *host = g_strndup (address + 1, close - address - 1);
    colon = close[1] == ':' ? close + 1 : NULL;
    if (!colon && close[1] != '\0') {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  } else {
    colon = strrchr (address, ':');
    if (colon == address)
      return FALSE;
    *host = colon ? g_strndup (address, colon - address) : g_strdup (address);
  }
  if (colon) {
    p = g_ascii_strtoll (colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p < 1 || p > 65535) {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  }
  *port = (gint) p;
  return TRUE;
}

gchar *
mnv3_publish_topic_expand (const gchar * topic, const gchar * json)
{
  gchar **parts, *level, *out;

  level = mnv3_publish_source_level (json);
  parts = g_strsplit (topic, "{source}", -1);
  out = g_strjoinv (level, parts);
  g_strfreev (parts);
  g_free (level);
  return out;
}
