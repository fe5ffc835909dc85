/* GStreamer mnv3 — mnv3metapublish's MQTT connection (libmosquitto).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libmosquitto is driven by hand (mosquitto_loop() from the publisher's
 * worker thread, no thread of its own), so one thread owns the client and
 * its callbacks run on that thread: no locking here.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <gst/gst.h>

#include "mnv3metapublish-mqtt.h"

GST_DEBUG_CATEGORY_STATIC (mnv3_mqtt_debug);
#define GST_CAT_DEFAULT mnv3_mqtt_debug

/* Messages handed to libmosquitto and not yet acknowledged: bounds what
 * the library holds (and resends after a reconnection) beyond the
 * element's own queue. */
#define MNV3_MQTT_WINDOW 100
#define MNV3_MQTT_BACKOFF_MIN_MS 250
#define MNV3_MQTT_BACKOFF_MAX_MS 8000
/* capath used when TLS is asked for (a client certificate) without a
 * ca-file: libmosquitto needs one of the two */
#define MNV3_MQTT_SYSTEM_CAPATH "/etc/ssl/certs"
/* QoS 2 keeps a session on the broker for this long after a disconnection
 * (seconds): see mnv3_mqtt_new() */
#define MNV3_MQTT_SESSION_EXPIRY 3600

struct _Mnv3Mqtt
{
  struct mosquitto *mosq;
  gchar *host;
  gint port;
  gint qos;
  gboolean tls;
  Mnv3MqttNotify notify;
  gpointer user_data;

  gboolean socket_up;           /* connected or waiting for the CONNACK */
  gboolean connected;           /* CONNACK accepted */
  gboolean ever_lost;           /* a later CONNACK is a reconnection */
  gint connack_rc;              /* -1 until the broker answers */
  gint64 next_attempt_us;
  gint backoff_ms;

  guint in_flight;
  guint64 delivered, lost, rejected;
  gchar *last_log_error;        /* libmosquitto's last error line */
};

static void
mnv3_mqtt_on_connect (struct mosquitto *mosq, void *obj, int rc)
{
  Mnv3Mqtt *m = obj;

  (void) mosq;
  m->connack_rc = rc;
  if (rc != 0)
    return;
  m->connected = TRUE;
  m->backoff_ms = MNV3_MQTT_BACKOFF_MIN_MS;
  if (m->ever_lost && m->notify)
    m->notify (m->user_data, MNV3_MQTT_RECONNECTED, NULL);
}

static void
mnv3_mqtt_on_publish (struct mosquitto *mosq, void *obj, int mid)
{
  Mnv3Mqtt *m = obj;

  (void) mosq;
  (void) mid;
  if (m->in_flight > 0)
    m->in_flight--;
  m->delivered++;
}

static void
mnv3_mqtt_on_log (struct mosquitto *mosq, void *obj, int level,
    const char *str)
{
  Mnv3Mqtt *m = obj;

  (void) mosq;
  if (level & MOSQ_LOG_ERR) {
    GST_WARNING ("libmosquitto: %s", str);
    g_free (m->last_log_error);
    m->last_log_error = g_strdup (str);
  } else {
    GST_LOG ("libmosquitto: %s", str);
  }
}

/* A readable reason for a libmosquitto return code. */
static gchar *
mnv3_mqtt_describe (Mnv3Mqtt * m, int rc, int saved_errno)
{
  const gchar *what;

  if (rc == MOSQ_ERR_ERRNO)
    what = g_strerror (saved_errno);
  else if (rc == MOSQ_ERR_EAI)
    what = "the host name cannot be resolved";
  else
    what = mosquitto_strerror (rc);
  if (m->last_log_error)
    return g_strdup_printf ("%s (%s)", what, m->last_log_error);
  return g_strdup (what);
}

static void
mnv3_mqtt_connection_lost (Mnv3Mqtt * m, const gchar * reason)
{
  gboolean was_connected = m->connected;

  m->socket_up = FALSE;
  m->connected = FALSE;
  /* QoS 0 messages still queued in the library are discarded by the
   * reconnection; QoS 1/2 ones stay and are sent again */
  if (m->qos == 0) {
    m->lost += m->in_flight;
    m->in_flight = 0;
  }
  m->next_attempt_us = g_get_monotonic_time () + m->backoff_ms * 1000;
  m->backoff_ms = MIN (m->backoff_ms * 2, MNV3_MQTT_BACKOFF_MAX_MS);
  if (was_connected) {
    m->ever_lost = TRUE;
    GST_INFO ("connection to %s:%d lost: %s", m->host, m->port, reason);
    if (m->notify)
      m->notify (m->user_data, MNV3_MQTT_CONNECTION_LOST, reason);
  }
}

static void
mnv3_mqtt_free_partial (Mnv3Mqtt * m)
{
  if (m->mosq)
    mosquitto_destroy (m->mosq);
  g_free (m->host);
  g_free (m->last_log_error);
  g_free (m);
}

static gpointer
mnv3_mqtt_lib_init (gpointer data)
{
  (void) data;
  mosquitto_lib_init ();
  GST_DEBUG_CATEGORY_INIT (mnv3_mqtt_debug, "mnv3mqtt", 0,
      "mnv3metapublish MQTT connection");
  return NULL;
}

/* Client options: login, TLS, window.  FALSE with @error set. */
static gboolean
mnv3_mqtt_configure (Mnv3Mqtt * m, const Mnv3MqttSettings * s,
    GError ** error)
{
  int rc;

  mosquitto_connect_callback_set (m->mosq, mnv3_mqtt_on_connect);
  mosquitto_publish_callback_set (m->mosq, mnv3_mqtt_on_publish);
  mosquitto_log_callback_set (m->mosq, mnv3_mqtt_on_log);
  /* MQTT 5: the broker states how many QoS 1/2 messages it takes in
   * flight (receive maximum) and libmosquitto holds the rest back.  With
   * 3.1.1 there is no such limit on the wire and mosquitto silently drops
   * incoming QoS 2 messages beyond its max_inflight_messages while still
   * acknowledging them. */
  mosquitto_int_option (m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option (m->mosq, MOSQ_OPT_SEND_MAXIMUM, MNV3_MQTT_WINDOW);
  mosquitto_int_option (m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
  if (s->username) {
    rc = mosquitto_username_pw_set (m->mosq, s->username, s->password);
    if (rc != MOSQ_ERR_SUCCESS) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "The MQTT user name or password is not accepted: %s",
          mosquitto_strerror (rc));
      return FALSE;
    }
  }
  if (m->tls) {
    rc = mosquitto_tls_set (m->mosq, s->ca_file,
        s->ca_file ? NULL : MNV3_MQTT_SYSTEM_CAPATH, s->cert_file,
        s->key_file, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "The TLS settings are not usable (ca-file=%s cert-file=%s "
          "key-file=%s): %s", s->ca_file ? s->ca_file : "(none)",
          s->cert_file ? s->cert_file : "(none)",
          s->key_file ? s->key_file : "(none)", mosquitto_strerror (rc));
      return FALSE;
    }
  }
  return TRUE;
}

/* Waits for the broker's CONNACK after the first connect. */
static gboolean
mnv3_mqtt_wait_connack (Mnv3Mqtt * m, gint timeout_ms, GError ** error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gchar *why;
  int rc;

  while (m->connack_rc < 0 && g_get_monotonic_time () < deadline) {
    rc = mosquitto_loop (m->mosq, 50, 1);
    /* a refusal comes with an error code, after the CONNACK callback */
    if (rc != MOSQ_ERR_SUCCESS && m->connack_rc <= 0) {
      why = mnv3_mqtt_describe (m, rc, errno);
      g_set_error (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ_WRITE,
          "The MQTT broker at %s:%d closed the connection%s: %s", m->host,
          m->port, m->tls ? " during the TLS handshake (check ca-file, "
          "cert-file and key-file)" : "", why);
      g_free (why);
      return FALSE;
    }
  }
  if (m->connack_rc < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "No MQTT answer from %s:%d within %d ms (is it an MQTT broker%s?)",
        m->host, m->port, timeout_ms, m->tls ? " speaking TLS" : "");
    return FALSE;
  }
  if (m->connack_rc != 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "The MQTT broker at %s:%d refused the connection: %s", m->host,
        m->port, mosquitto_reason_string (m->connack_rc));
    return FALSE;
  }
  return TRUE;
}

Mnv3Mqtt *
mnv3_mqtt_new (const Mnv3MqttSettings * s, gint connect_timeout_ms,
    GError ** error)
{
  static GOnce once = G_ONCE_INIT;
  mosquitto_property *props = NULL;
  Mnv3Mqtt *m;
  gchar *why;
  int rc;

  g_once (&once, mnv3_mqtt_lib_init, NULL);
  m = g_new0 (Mnv3Mqtt, 1);
  m->host = g_strdup (s->host);
  m->port = s->port;
  m->qos = s->qos;
  m->tls = s->ca_file || s->cert_file || s->key_file;
  m->notify = s->notify;
  m->user_data = s->user_data;
  m->connack_rc = -1;
  m->backoff_ms = MNV3_MQTT_BACKOFF_MIN_MS;

  /* QoS 2: a session that outlives the connection.  The broker hands a
   * QoS 2 message on when the PUBREL comes; were the session dropped with
   * the connection, a message whose PUBREC arrived before a broker restart
   * would be completed by the resent PUBREL and never delivered. */
  m->mosq = mosquitto_new (s->client_id, s->qos < 2, m);
  if (!m->mosq) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Could not create an MQTT client (client-id \"%s\"): %s",
        s->client_id, g_strerror (errno));
    mnv3_mqtt_free_partial (m);
    return NULL;
  }
  if (!mnv3_mqtt_configure (m, s, error)) {
    mnv3_mqtt_free_partial (m);
    return NULL;
  }

  if (s->qos == 2)
    mosquitto_property_add_int32 (&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
        MNV3_MQTT_SESSION_EXPIRY);
  /* (libmosquitto keeps the properties for its reconnections) */
  rc = mosquitto_connect_bind_v5 (m->mosq, s->host, s->port, s->keep_alive,
      NULL, props);
  mosquitto_property_free_all (&props);
  if (rc != MOSQ_ERR_SUCCESS) {
    why = mnv3_mqtt_describe (m, rc, errno);
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "Could not connect to the MQTT broker at %s:%d%s: %s", s->host,
        s->port, rc == MOSQ_ERR_TLS ? " over TLS (check ca-file, cert-file "
        "and key-file)" : "", why);
    g_free (why);
    mnv3_mqtt_free_partial (m);
    return NULL;
  }
  m->socket_up = TRUE;
  if (!mnv3_mqtt_wait_connack (m, connect_timeout_ms, error)) {
    mnv3_mqtt_free_partial (m);
    return NULL;
  }
  GST_INFO ("connected to %s:%d as %s", s->host, s->port, s->client_id);
  return m;
}

gboolean
mnv3_mqtt_publish (Mnv3Mqtt * m, const gchar * topic, const gchar * payload)
{
  size_t len = strlen (payload);
  int rc;

  if (!m->connected || m->in_flight >= MNV3_MQTT_WINDOW)
    return FALSE;
  /* counted first: for QoS 0 libmosquitto may write the packet, and call
   * the publish callback, before it returns */
  m->in_flight++;
  rc = mosquitto_publish (m->mosq, NULL, topic, (int) len, payload, m->qos,
      false);
  switch (rc) {
    case MOSQ_ERR_SUCCESS:
      return TRUE;
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
      m->in_flight--;
      mnv3_mqtt_connection_lost (m, mosquitto_strerror (rc));
      return FALSE;
    default:
      m->in_flight--;
      GST_WARNING ("message to \"%s\" rejected: %s", topic,
          mosquitto_strerror (rc));
      m->rejected++;
      return TRUE;
  }
}

/* A reconnection attempt when its time has come. */
static void
mnv3_mqtt_try_reconnect (Mnv3Mqtt * m, gint timeout_ms)
{
  gint64 now = g_get_monotonic_time ();
  int rc;

  if (now < m->next_attempt_us) {
    g_usleep (MIN ((gint64) timeout_ms * 1000, m->next_attempt_us - now));
    return;
  }
  m->connack_rc = -1;
  rc = mosquitto_reconnect (m->mosq);
  if (rc == MOSQ_ERR_SUCCESS) {
    m->socket_up = TRUE;
    return;
  }
  GST_DEBUG ("reconnection to %s:%d failed: %s", m->host, m->port,
      rc == MOSQ_ERR_ERRNO ? g_strerror (errno) : mosquitto_strerror (rc));
  m->next_attempt_us = now + m->backoff_ms * 1000;
  m->backoff_ms = MIN (m->backoff_ms * 2, MNV3_MQTT_BACKOFF_MAX_MS);
}

void
mnv3_mqtt_service (Mnv3Mqtt * m, gint timeout_ms)
{
  int rc;

  if (!m->socket_up) {
    mnv3_mqtt_try_reconnect (m, timeout_ms);
    return;
  }
  rc = mosquitto_loop (m->mosq, timeout_ms, 1);
  if (rc != MOSQ_ERR_SUCCESS) {
    gchar *why = mnv3_mqtt_describe (m, rc, errno);
    mnv3_mqtt_connection_lost (m, why);
    g_free (why);
  } else if (m->connack_rc > 0) {
    /* refused on a reconnection (e.g. the broker's users changed) */
    mosquitto_disconnect (m->mosq);
    mnv3_mqtt_connection_lost (m, mosquitto_reason_string (m->connack_rc));
  }
}

gboolean
mnv3_mqtt_is_idle (Mnv3Mqtt * m)
{
  return m->in_flight == 0;
}

guint
mnv3_mqtt_in_flight (Mnv3Mqtt * m)
{
  return m->in_flight;
}

void
mnv3_mqtt_take_counts (Mnv3Mqtt * m, guint64 * delivered, guint64 * lost,
    guint64 * rejected)
{
  *delivered = m->delivered;
  *lost = m->lost;
  *rejected = m->rejected;
  m->delivered = m->lost = m->rejected = 0;
}

void
mnv3_mqtt_free (Mnv3Mqtt * m)
{
  if (!m)
    return;
  if (m->socket_up) {
    mosquitto_disconnect (m->mosq);
    /* let the DISCONNECT packet out */
    mosquitto_loop (m->mosq, 10, 1);
  }
  mnv3_mqtt_free_partial (m);
}
