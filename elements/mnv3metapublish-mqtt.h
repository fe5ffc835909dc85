/* GStreamer mnv3 — mnv3metapublish's MQTT connection (libmosquitto).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract: mnv3_mqtt_new() runs in the element's start() and makes the
 * first connection, so a wrong address, a refused login or a bad TLS file
 * fails there with a message naming it.  Everything else runs on the
 * publisher's worker thread only (the client is not shared between
 * threads): mnv3_mqtt_publish() hands over a message when connected and
 * the in-flight window has room, mnv3_mqtt_service() runs the network and,
 * after a lost connection, reconnects with a doubling back-off.
 *
 * Delivery: QoS 1 and 2 messages in flight when the connection drops are
 * kept by libmosquitto and sent again after the reconnection; QoS 0
 * messages not yet written to the socket are discarded and counted as
 * lost.  QoS 0 messages written but not processed by a broker that died
 * cannot be seen by the client and are not counted.
 */
#ifndef __MNV3_METAPUBLISH_MQTT_H__
#define __MNV3_METAPUBLISH_MQTT_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  MNV3_MQTT_CONNECTION_LOST,    /* detail: the reason */
  MNV3_MQTT_RECONNECTED,
} Mnv3MqttEvent;

typedef void (*Mnv3MqttNotify) (gpointer user_data, Mnv3MqttEvent event,
    const gchar * detail);

typedef struct
{
  const gchar *host;
  gint port;
  const gchar *client_id;
  gint qos;                     /* 0, 1 or 2 */
  gint keep_alive;              /* seconds */
  const gchar *ca_file;         /* TLS: all NULL for plain TCP */
  const gchar *cert_file;
  const gchar *key_file;
  const gchar *username;        /* NULL: anonymous */
  const gchar *password;
  Mnv3MqttNotify notify;        /* called on the worker thread */
  gpointer user_data;
} Mnv3MqttSettings;

typedef struct _Mnv3Mqtt Mnv3Mqtt;

/* Connects (blocking, up to ~connect_timeout_ms for the broker's answer).
 * NULL with @error set when the broker cannot be reached or refuses. */
Mnv3Mqtt *mnv3_mqtt_new (const Mnv3MqttSettings * settings,
    gint connect_timeout_ms, GError ** error);

/* TRUE when the message was taken (libmosquitto copies it); FALSE when not
 * connected or the window is full: keep it and try again later.  A message
 * the library rejects for good (bad topic, too large) is taken and counted
 * in @rejected. */
gboolean mnv3_mqtt_publish (Mnv3Mqtt * mqtt, const gchar * topic,
    const gchar * payload);

/* Network I/O for up to @timeout_ms, reconnecting when due. */
void mnv3_mqtt_service (Mnv3Mqtt * mqtt, gint timeout_ms);

/* Nothing handed over is still waiting for its acknowledgement. */
gboolean mnv3_mqtt_is_idle (Mnv3Mqtt * mqtt);

/* Counters since the last call (then reset): messages acknowledged
 * (written, for QoS 0), QoS 0 messages lost with a connection, messages
 * rejected by the library. */
void mnv3_mqtt_take_counts (Mnv3Mqtt * mqtt, guint64 * delivered,
    guint64 * lost, guint64 * rejected);

/* Messages handed over and not yet acknowledged. */
guint mnv3_mqtt_in_flight (Mnv3Mqtt * mqtt);

/* Disconnects and frees. */
void mnv3_mqtt_free (Mnv3Mqtt * mqtt);

G_END_DECLS

#endif /* __MNV3_METAPUBLISH_MQTT_H__ */
