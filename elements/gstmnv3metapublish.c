/* GStreamer mnv3 — mnv3metapublish: each frame's JSON to a file or an MQTT
 * broker.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mnv3metapublish
 * @title: mnv3metapublish
 * @short_description: publishes each frame's JSON to a file or MQTT broker
 *
 * mnv3metapublish takes the JSON text mnv3metaconvert attached to every
 * frame (#GstMnv3JsonMeta) and publishes it, in the manner of Intel DL
 * Streamer's gvametapublish: to a file (#GstMnv3Metapublish:method=file,
 * one JSON array or one object a line) or to an MQTT broker
 * (#GstMnv3Metapublish:method=mqtt, through libmosquitto).  Buffers pass
 * through untouched.
 *
 * The streaming thread only puts the text in a bounded queue; a worker
 * thread writes or publishes it.  While the broker is unreachable the
 * queue fills (up to #GstMnv3Metapublish:max-queue messages, then the
 * oldest is dropped, counted in #GstMnv3Metapublish:dropped and reported
 * by a warning message) and the element reconnects with a doubling
 * back-off (0.25 s to 8 s).  With #GstMnv3Metapublish:qos 1 or 2 the
 * messages in flight when the connection drops are sent again; with QoS 0
 * those not yet written are lost and counted in #GstMnv3Metapublish:lost.
 *
 * The first connection is made when the element starts: a wrong address,
 * a refused login or an unusable TLS file fails the state change with an
 * error naming it.
 *
 * The topic may hold `{source}`, replaced by the frame's "source" field
 * (mnv3metaconvert's source property; `/`, `+`, `#` and spaces become
 * `_`), so several cameras publish to one topic each.  The password is
 * read from #GstMnv3Metapublish:password-file or the environment variable
 * MNV3_MQTT_PASSWORD (and the user name from MNV3_MQTT_USERNAME when
 * #GstMnv3Metapublish:username is unset), never from a property.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! mnv3detect ! \
 *   mnv3metaconvert source=door ! \
 *   mnv3metapublish method=mqtt address=127.0.0.1:1883 \
 *   topic="mnv3/{source}" qos=1 ! fakesink
 * ]| publishes one JSON message per camera frame to the topic mnv3/door.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gstmnv3jsonmeta.h"
#include "gstmnv3metapublish.h"
#include "mnv3metapublish-topic.h"
#ifdef HAVE_MOSQUITTO
#include "mnv3metapublish-mqtt.h"
#endif

GST_DEBUG_CATEGORY_STATIC (mnv3_metapublish_debug);
#define GST_CAT_DEFAULT mnv3_metapublish_debug

#define DEFAULT_METHOD GST_MNV3_PUBLISH_FILE
#define DEFAULT_ADDRESS "127.0.0.1:1883"
#define DEFAULT_TOPIC "mnv3"
#define DEFAULT_FILE_PATH "stdout"
#define DEFAULT_FILE_FORMAT GST_MNV3_PUBLISH_FORMAT_JSON_LINES
#define DEFAULT_QOS 0
#define DEFAULT_KEEP_ALIVE 60
#define DEFAULT_MAX_QUEUE 1000
#define DEFAULT_FLUSH_TIMEOUT 5000
/* the first connection must be answered within this time */
#define CONNECT_TIMEOUT_MS 5000
/* at most one "dropped" warning message a second */
#define DROP_WARNING_INTERVAL_US G_USEC_PER_SEC

enum
{
  PROP_0,
  PROP_METHOD,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_FILE_PATH,
  PROP_FILE_FORMAT,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_KEEP_ALIVE,
  PROP_CA_FILE,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_USERNAME,
  PROP_PASSWORD_FILE,
  PROP_MAX_QUEUE,
  PROP_FLUSH_TIMEOUT,
  PROP_PUBLISHED,
  PROP_DROPPED,
  PROP_LOST,
};

typedef struct
{
  gchar *topic;                 /* NULL for files */
  gchar *payload;
} Mnv3PubMsg;

struct _GstMnv3Metapublish
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  GstMnv3PublishMethod method;
  gchar *address;
  gchar *topic;
  gchar *file_path;
  GstMnv3PublishFileFormat file_format;
  gchar *client_id;
  gint qos;
  gint keep_alive;
  gchar *ca_file, *cert_file, *key_file;
  gchar *username;
  gchar *password_file;
  guint max_queue;
  guint flush_timeout;

  /* the queue and counters, under @lock */
  GMutex lock;
  GCond cond;
  GQueue queue;
  gboolean stopping;
  gboolean failed;              /* the worker hit an error */
  guint64 published, dropped, lost;
  gint64 last_drop_warning;

  /* fixed between start and stop */
  GstMnv3PublishMethod run_method;
  GstMnv3PublishFileFormat run_format;
  guint run_max_queue;
  guint run_flush_timeout;
  gchar *run_topic;
  gchar *run_address;
  gboolean topic_has_source;
  gboolean warned_no_json;
  GThread *worker;

  /* owned by the worker thread while it runs */
  FILE *file;
  guint64 n_written;
#ifdef HAVE_MOSQUITTO
  Mnv3Mqtt *mqtt;
#endif
};

G_DEFINE_TYPE (GstMnv3Metapublish, gst_mnv3_metapublish,
    GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (mnv3metapublish, "mnv3metapublish",
    GST_RANK_NONE, GST_TYPE_MNV3_METAPUBLISH);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define GST_TYPE_MNV3_PUBLISH_METHOD (gst_mnv3_publish_method_get_type ())
static GType
gst_mnv3_publish_method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_PUBLISH_FILE, "Write to a file or standard output", "file"},
    {GST_MNV3_PUBLISH_MQTT, "Publish to an MQTT broker", "mqtt"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3PublishMethod", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_MNV3_PUBLISH_FILE_FORMAT \
  (gst_mnv3_publish_file_format_get_type ())
static GType
gst_mnv3_publish_file_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MNV3_PUBLISH_FORMAT_JSON, "One JSON array of the frames' objects",
        "json"},
    {GST_MNV3_PUBLISH_FORMAT_JSON_LINES, "One JSON object a line",
        "json-lines"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMnv3PublishFileFormat", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
mnv3_pub_msg_free (gpointer data)
{
  Mnv3PubMsg *msg = data;

  if (!msg)
    return;
  g_free (msg->topic);
  g_free (msg->payload);
  g_free (msg);
}

static gchar *
mnv3_publish_expand_topic (GstMnv3Metapublish * self, const gchar * json)
{
  if (!self->topic_has_source)
    return g_strdup (self->run_topic);
  return mnv3_publish_topic_expand (self->run_topic, json);
}

/* -------------------------------------------------------------- queue */

static void
mnv3_publish_post_counts (GstMnv3Metapublish * self, guint64 dropped,
    guint64 lost, const gchar * cause)
{
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
      ("%" G_GUINT64_FORMAT " JSON messages dropped, %" G_GUINT64_FORMAT
          " lost so far: %s", dropped, lost, cause),
      ("max-queue=%u qos=%d", self->run_max_queue, self->qos));
}

/* Streaming thread: append, dropping the oldest when full; never waits
 * for the worker beyond the lock. */
static gboolean
mnv3_publish_enqueue (GstMnv3Metapublish * self, Mnv3PubMsg * msg)
{
  gboolean warn = FALSE, failed;
  guint64 dropped = 0, lost = 0;
  gint64 now;

  g_mutex_lock (&self->lock);
  failed = self->failed;
  if (!failed) {
    if (g_queue_get_length (&self->queue) >= self->run_max_queue) {
      mnv3_pub_msg_free (g_queue_pop_head (&self->queue));
      self->dropped++;
      now = g_get_monotonic_time ();
      if (now - self->last_drop_warning >= DROP_WARNING_INTERVAL_US) {
        self->last_drop_warning = now;
        warn = TRUE;
        dropped = self->dropped;
        lost = self->lost;
      }
    }
    g_queue_push_tail (&self->queue, msg);
    g_cond_signal (&self->cond);
  }
  g_mutex_unlock (&self->lock);
  if (failed)
    mnv3_pub_msg_free (msg);
  if (warn)
    mnv3_publish_post_counts (self, dropped, lost, "the queue is full "
        "(oldest messages dropped)");
  return !failed;
}

/* --------------------------------------------------------- file output */

static gboolean
mnv3_publish_file_write (GstMnv3Metapublish * self, const Mnv3PubMsg * msg)
{
  const gchar *sep = "";
  gboolean ok;

  if (self->run_format == GST_MNV3_PUBLISH_FORMAT_JSON)
    sep = self->n_written ? ",\n" : "";
  ok = fputs (sep, self->file) >= 0 && fputs (msg->payload, self->file) >= 0
      && (self->run_format == GST_MNV3_PUBLISH_FORMAT_JSON
      || fputc ('\n', self->file) != EOF) && fflush (self->file) == 0;
  if (ok)
    self->n_written++;
  return ok;
}

static gboolean
mnv3_publish_file_open (GstMnv3Metapublish * self, const gchar * path)
{
  if (g_strcmp0 (path, "stdout") == 0 || g_strcmp0 (path, "-") == 0)
    self->file = stdout;
  else
    self->file = fopen (path, "w");
  if (!self->file) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open file \"%s\" for writing.", path), GST_ERROR_SYSTEM);
    return FALSE;
  }
  self->n_written = 0;
  if (self->run_format == GST_MNV3_PUBLISH_FORMAT_JSON
      && fputs ("[\n", self->file) < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, (NULL), GST_ERROR_SYSTEM);
    return FALSE;
  }
  return TRUE;
}

static gboolean
mnv3_publish_file_close (GstMnv3Metapublish * self)
{
  gboolean ok = TRUE;

  if (!self->file)
    return TRUE;
  if (self->run_format == GST_MNV3_PUBLISH_FORMAT_JSON)
    ok = fputs (self->n_written ? "\n]\n" : "]\n", self->file) >= 0;
  if (self->file == stdout)
    ok = fflush (stdout) == 0 && ok;
  else
    ok = fclose (self->file) == 0 && ok;
  self->file = NULL;
  if (!ok)
    GST_ELEMENT_ERROR (self, RESOURCE, CLOSE, (NULL), GST_ERROR_SYSTEM);
  return ok;
}

/* ------------------------------------------------------------- worker */

#ifdef HAVE_MOSQUITTO
static void
mnv3_publish_on_mqtt_event (gpointer user_data, Mnv3MqttEvent event,
    const gchar * detail)
{
  GstMnv3Metapublish *self = user_data;

  if (event == MNV3_MQTT_CONNECTION_LOST)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Lost the connection to the MQTT broker at %s (%s); queueing up to "
            "%u messages and reconnecting.", self->run_address, detail,
            self->run_max_queue), (NULL));
  else
    GST_ELEMENT_INFO (self, RESOURCE, WRITE,
        ("Reconnected to the MQTT broker at %s.", self->run_address), (NULL));
}

/* Hands @msg to the broker connection; counts what came back. */
static gboolean
mnv3_publish_mqtt_step (GstMnv3Metapublish * self, Mnv3PubMsg * msg)
{
  gboolean sent = msg && mnv3_mqtt_publish (self->mqtt, msg->topic,
      msg->payload);
  guint64 delivered, lost, rejected, all_dropped = 0, all_lost = 0;

  mnv3_mqtt_service (self->mqtt, sent ? 0 : 20);
  mnv3_mqtt_take_counts (self->mqtt, &delivered, &lost, &rejected);
  g_mutex_lock (&self->lock);
  self->published += delivered;
  self->lost += lost;
  self->dropped += rejected;
  all_dropped = self->dropped;
  all_lost = self->lost;
  g_mutex_unlock (&self->lock);
  if (lost || rejected)
    mnv3_publish_post_counts (self, all_dropped, all_lost, lost ?
        "QoS 0 messages not yet sent were lost with the connection" :
        "the broker connection rejected a message");
  return sent;
}
#endif

static gboolean
mnv3_publish_file_step (GstMnv3Metapublish * self, Mnv3PubMsg * msg)
{
  if (!mnv3_publish_file_write (self, msg)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write the JSON messages to \"%s\".", self->file_path),
        GST_ERROR_SYSTEM);
    g_mutex_lock (&self->lock);
    self->failed = TRUE;
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  g_mutex_lock (&self->lock);
  self->published++;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
mnv3_publish_backend_idle (GstMnv3Metapublish * self)
{
#ifdef HAVE_MOSQUITTO
  if (self->mqtt)
    return mnv3_mqtt_is_idle (self->mqtt);
#endif
  (void) self;
  return TRUE;
}

/* Takes the next message (or keeps @pending, one the broker could not
 * take yet); waits for one when the output needs no servicing.  Sets
 * @done when stopping and everything is out or the flush time is over. */
static Mnv3PubMsg *
mnv3_publish_next (GstMnv3Metapublish * self, Mnv3PubMsg * pending,
    gint64 * deadline, gboolean * done)
{
  Mnv3PubMsg *msg = pending;
  gint64 now;

  g_mutex_lock (&self->lock);
  if (!msg && !self->stopping && !self->failed
      && self->run_method == GST_MNV3_PUBLISH_FILE
      && g_queue_is_empty (&self->queue))
    g_cond_wait_until (&self->cond, &self->lock,
        g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND);
  if (!msg && !self->failed)
    msg = g_queue_pop_head (&self->queue);
  now = g_get_monotonic_time ();
  if (self->stopping && *deadline == 0)
    *deadline = now + self->run_flush_timeout * G_TIME_SPAN_MILLISECOND;
  *done = self->failed || (self->stopping && ((!msg
              && mnv3_publish_backend_idle (self)) || now >= *deadline));
  g_mutex_unlock (&self->lock);
  return msg;
}

static gpointer
mnv3_publish_worker (gpointer data)
{
  GstMnv3Metapublish *self = data;
  Mnv3PubMsg *msg = NULL;
  gint64 deadline = 0;
  gboolean done = FALSE;
  guint64 left;

  while (TRUE) {
    msg = mnv3_publish_next (self, msg, &deadline, &done);
    if (done)
      break;
#ifdef HAVE_MOSQUITTO
    if (self->mqtt) {
      if (mnv3_publish_mqtt_step (self, msg)) {
        mnv3_pub_msg_free (msg);
        msg = NULL;
      }
      continue;
    }
#endif
    if (msg && mnv3_publish_file_step (self, msg)) {
      mnv3_pub_msg_free (msg);
      msg = NULL;
    }
  }

  /* what could not go out before the flush timeout */
  g_mutex_lock (&self->lock);
  left = g_queue_get_length (&self->queue) + (msg ? 1 : 0);
#ifdef HAVE_MOSQUITTO
  if (self->mqtt)
    left += mnv3_mqtt_in_flight (self->mqtt);
#endif
  g_queue_clear_full (&self->queue, mnv3_pub_msg_free);
  self->dropped += left;
  g_mutex_unlock (&self->lock);
  mnv3_pub_msg_free (msg);
  if (left && !self->failed)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("%" G_GUINT64_FORMAT " JSON messages were not delivered before "
            "the flush timeout (%u ms) at shutdown.", left,
            self->run_flush_timeout), (NULL));
  return NULL;
}

/* ---------------------------------------------------------- base class */

static gchar *
mnv3_publish_read_password (GstMnv3Metapublish * self, const gchar * path)
{
  gchar *text = NULL;
  GError *err = NULL;

  if (!path)
    return g_strdup (g_getenv ("MNV3_MQTT_PASSWORD"));
  if (!g_file_get_contents (path, &text, NULL, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read the MQTT password file: %s", err->message),
        ("password-file=%s", path));
    g_error_free (err);
    return NULL;
  }
  /* the first line */
  text[strcspn (text, "\r\n")] = '\0';
  return text;
}

/* The TLS files must be readable; a certificate needs its key. */
static gboolean
mnv3_publish_check_tls (GstMnv3Metapublish * self)
{
  const gchar *names[] = { "ca-file", "cert-file", "key-file" };
  const gchar *files[] = { self->ca_file, self->cert_file, self->key_file };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    if (files[i] && access (files[i], R_OK) != 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Cannot read the TLS %s \"%s\": %s", names[i], files[i],
              g_strerror (errno)), (NULL));
      return FALSE;
    }
  }
  if (!self->cert_file != !self->key_file) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("A TLS client certificate needs both cert-file and key-file."),
        (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
mnv3_publish_start_mqtt (GstMnv3Metapublish * self)
{
#ifdef HAVE_MOSQUITTO
  Mnv3MqttSettings s = { 0 };
  gchar *host = NULL, *password = NULL, *client_id;
  const gchar *username;
  GError *err = NULL;
  gint port = 0;

  if (!mnv3_publish_parse_address (self->address, &host, &port)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The address \"%s\" is not HOST:PORT (e.g. 127.0.0.1:1883).",
            self->address ? self->address : ""), (NULL));
    return FALSE;
  }
  if (!mnv3_publish_check_tls (self)) {
    g_free (host);
    return FALSE;
  }
  username = self->username ? self->username : g_getenv ("MNV3_MQTT_USERNAME");
  password = mnv3_publish_read_password (self, self->password_file);
  if (self->password_file && !password) {
    g_free (host);
    return FALSE;
  }
  client_id = self->client_id ? g_strdup (self->client_id) :
      g_strdup_printf ("mnv3-%d-%s", (int) getpid (), GST_OBJECT_NAME (self));
  s.host = host;
  s.port = port;
  s.client_id = client_id;
  s.qos = self->qos;
  s.keep_alive = self->keep_alive;
  s.ca_file = self->ca_file;
  s.cert_file = self->cert_file;
  s.key_file = self->key_file;
  s.username = username && *username ? username : NULL;
  s.password = s.username ? password : NULL;
  s.notify = mnv3_publish_on_mqtt_event;
  s.user_data = self;
  self->mqtt = mnv3_mqtt_new (&s, CONNECT_TIMEOUT_MS, &err);
  if (!self->mqtt) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE, ("%s", err->message),
        ("address=%s client-id=%s", self->address, client_id));
    g_error_free (err);
  }
  if (password)
    memset (password, 0, strlen (password));
  g_free (password);
  g_free (client_id);
  g_free (host);
  return self->mqtt != NULL;
#else
  GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED,
      ("mnv3 was built without libmosquitto: method=mqtt is not available."),
      (NULL));
  return FALSE;
#endif
}

static gboolean
gst_mnv3_metapublish_start (GstBaseTransform * trans)
{
  GstMnv3Metapublish *self = GST_MNV3_METAPUBLISH (trans);
  gchar *why = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  self->run_method = self->method;
  self->run_format = self->file_format;
  self->run_max_queue = self->max_queue;
  self->run_flush_timeout = self->flush_timeout;
  self->run_topic = g_strdup (self->topic);
  self->run_address = g_strdup (self->address);
  GST_OBJECT_UNLOCK (self);

  self->stopping = self->failed = FALSE;
  self->published = self->dropped = self->lost = 0;
  self->last_drop_warning = 0;
  self->warned_no_json = FALSE;
  if (self->run_method == GST_MNV3_PUBLISH_MQTT) {
    ok = mnv3_publish_topic_check (self->run_topic ? self->run_topic : "",
        &self->topic_has_source, &why);
    if (!ok) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", why), (NULL));
      g_free (why);
    } else {
      ok = mnv3_publish_start_mqtt (self);
    }
  } else {
    ok = mnv3_publish_file_open (self, self->file_path ? self->file_path :
        DEFAULT_FILE_PATH);
  }
  if (!ok) {
    /* stop() is not called after a failed start() */
    mnv3_publish_file_close (self);
    g_clear_pointer (&self->run_topic, g_free);
    g_clear_pointer (&self->run_address, g_free);
    return FALSE;
  }
  self->worker = g_thread_new ("mnv3metapublish", mnv3_publish_worker, self);
  return TRUE;
}

static gboolean
gst_mnv3_metapublish_stop (GstBaseTransform * trans)
{
  GstMnv3Metapublish *self = GST_MNV3_METAPUBLISH (trans);
  gboolean ok;

  if (self->worker) {
    g_mutex_lock (&self->lock);
    self->stopping = TRUE;
    g_cond_signal (&self->cond);
    g_mutex_unlock (&self->lock);
    g_thread_join (self->worker);
    self->worker = NULL;
  }
#ifdef HAVE_MOSQUITTO
  g_clear_pointer (&self->mqtt, mnv3_mqtt_free);
#endif
  ok = mnv3_publish_file_close (self);
  g_clear_pointer (&self->run_topic, g_free);
  g_clear_pointer (&self->run_address, g_free);
  return ok;
}

static GstFlowReturn
gst_mnv3_metapublish_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMnv3Metapublish *self = GST_MNV3_METAPUBLISH (trans);
  const gchar *json = gst_mnv3_buffer_get_json (buf);
  Mnv3PubMsg *msg;

  if (!json) {
    if (!self->warned_no_json) {
      self->warned_no_json = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("A frame has no JSON to publish: put mnv3metaconvert (with "
              "attach-json=true, its default) before mnv3metapublish."),
          (NULL));
    }
    return GST_FLOW_OK;
  }
  msg = g_new0 (Mnv3PubMsg, 1);
  msg->payload = g_strdup (json);
  if (self->run_method == GST_MNV3_PUBLISH_MQTT)
    msg->topic = mnv3_publish_expand_topic (self, json);
  return mnv3_publish_enqueue (self, msg) ? GST_FLOW_OK : GST_FLOW_ERROR;
}

/* ------------------------------------------------------------ GObject */

static void
mnv3_set_string (GstMnv3Metapublish * self, gchar ** field,
    const GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  /* "" means unset for the optional files */
  if (*field && !**field && field != &self->topic)
    g_clear_pointer (field, g_free);
  GST_OBJECT_UNLOCK (self);
}

static gchar **
mnv3_string_field (GstMnv3Metapublish * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_ADDRESS:
      return &self->address;
    case PROP_TOPIC:
      return &self->topic;
    case PROP_FILE_PATH:
      return &self->file_path;
    case PROP_CLIENT_ID:
      return &self->client_id;
    case PROP_CA_FILE:
      return &self->ca_file;
    case PROP_CERT_FILE:
      return &self->cert_file;
    case PROP_KEY_FILE:
      return &self->key_file;
    case PROP_USERNAME:
      return &self->username;
    case PROP_PASSWORD_FILE:
      return &self->password_file;
    default:
      return NULL;
  }
}

static void
gst_mnv3_metapublish_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMnv3Metapublish *self = GST_MNV3_METAPUBLISH (object);
  gchar **field = mnv3_string_field (self, prop_id);

  if (field) {
    mnv3_set_string (self, field, value);
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_METHOD:
      self->method = g_value_get_enum (value);
      break;
    case PROP_FILE_FORMAT:
      self->file_format = g_value_get_enum (value);
      break;
    case PROP_QOS:
      self->qos = g_value_get_int (value);
      break;
    case PROP_KEEP_ALIVE:
      self->keep_alive = g_value_get_int (value);
      break;
    case PROP_MAX_QUEUE:
      self->max_queue = g_value_get_uint (value);
      break;
    case PROP_FLUSH_TIMEOUT:
      self->flush_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_metapublish_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMnv3Metapublish *self = GST_MNV3_METAPUBLISH (object);
  gchar **field = mnv3_string_field (self, prop_id);

  if (field) {
    GST_OBJECT_LOCK (self);
    g_value_set_string (value, *field);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_PUBLISHED:
    case PROP_DROPPED:
    case PROP_LOST:
      g_mutex_lock (&self->lock);
      g_value_set_uint64 (value, prop_id == PROP_PUBLISHED ? self->published
          : prop_id == PROP_DROPPED ? self->dropped : self->lost);
      g_mutex_unlock (&self->lock);
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_FILE_FORMAT:
      g_value_set_enum (value, self->file_format);
      break;
    case PROP_QOS:
      g_value_set_int (value, self->qos);
      break;
    case PROP_KEEP_ALIVE:
      g_value_set_int (value, self->keep_alive);
      break;
    case PROP_MAX_QUEUE:
      g_value_set_uint (value, self->max_queue);
      break;
    case PROP_FLUSH_TIMEOUT:
      g_value_set_uint (value, self->flush_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mnv3_metapublish_finalize (GObject * object)
{
  GstMnv3Metapublish *self = GST_MNV3_METAPUBLISH (object);

  for (guint id = PROP_ADDRESS; id <= PROP_PASSWORD_FILE; id++) {
    gchar **field = mnv3_string_field (self, id);
    if (field)
      g_free (*field);
  }
  g_queue_clear_full (&self->queue, mnv3_pub_msg_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_mnv3_metapublish_parent_class)->finalize (object);
}

static void
mnv3_install_string (GObjectClass * klass, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, const gchar * def)
{
  g_object_class_install_property (klass, id, g_param_spec_string (name, nick,
          blurb, def, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
mnv3_install_properties (GObjectClass * klass)
{
  const GParamFlags ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  const GParamFlags counter = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  g_object_class_install_property (klass, PROP_METHOD,
      g_param_spec_enum ("method", "Method", "Where the JSON goes",
          GST_TYPE_MNV3_PUBLISH_METHOD, DEFAULT_METHOD, ready));
  mnv3_install_string (klass, PROP_ADDRESS, "address", "Address",
      "MQTT broker as HOST:PORT (port 1883 when omitted; [IPv6]:PORT)",
      DEFAULT_ADDRESS);
  mnv3_install_string (klass, PROP_TOPIC, "topic", "Topic",
      "MQTT topic; {source} is replaced by the frame's \"source\" field "
      "(one topic per camera)", DEFAULT_TOPIC);
  mnv3_install_string (klass, PROP_FILE_PATH, "file-path", "File path",
      "File written with method=file (\"stdout\" or \"-\" for standard "
      "output)", DEFAULT_FILE_PATH);
  g_object_class_install_property (klass, PROP_FILE_FORMAT,
      g_param_spec_enum ("file-format", "File format",
          "Layout of the file: one JSON array, or one object a line",
          GST_TYPE_MNV3_PUBLISH_FILE_FORMAT, DEFAULT_FILE_FORMAT, ready));
  mnv3_install_string (klass, PROP_CLIENT_ID, "client-id", "Client id",
      "MQTT client identifier (default mnv3-PID-ELEMENTNAME)", NULL);
  g_object_class_install_property (klass, PROP_QOS,
      g_param_spec_int ("qos", "QoS", "MQTT quality of service: 0 at most "
          "once (lost with a dropped connection), 1 at least once, 2 "
          "exactly once", 0, 2, DEFAULT_QOS, ready));
  g_object_class_install_property (klass, PROP_KEEP_ALIVE,
      g_param_spec_int ("keep-alive", "Keep alive",
          "Seconds between MQTT keep-alive pings", 5, 65535,
          DEFAULT_KEEP_ALIVE, ready));
  mnv3_install_string (klass, PROP_CA_FILE, "ca-file", "CA file",
      "PEM certificate(s) of the authority that signed the broker's "
      "certificate; setting any TLS file turns TLS on", NULL);
  mnv3_install_string (klass, PROP_CERT_FILE, "cert-file", "Certificate",
      "PEM client certificate (with key-file) for TLS client "
      "authentication", NULL);
  mnv3_install_string (klass, PROP_KEY_FILE, "key-file", "Key file",
      "PEM private key of cert-file (unencrypted)", NULL);
  mnv3_install_string (klass, PROP_USERNAME, "username", "User name",
      "MQTT user name (default: the MNV3_MQTT_USERNAME environment "
      "variable; anonymous when neither is set)", NULL);
  mnv3_install_string (klass, PROP_PASSWORD_FILE, "password-file",
      "Password file", "File whose first line is the MQTT password "
      "(default: the MNV3_MQTT_PASSWORD environment variable)", NULL);
  g_object_class_install_property (klass, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Maximum queue",
          "Messages kept while the output cannot take them (broker "
          "unreachable); beyond, the oldest is dropped", 1, G_MAXINT,
          DEFAULT_MAX_QUEUE, ready));
  g_object_class_install_property (klass, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint ("flush-timeout", "Flush timeout",
          "Milliseconds the element waits at shutdown for queued and "
          "unacknowledged messages", 0, 600000, DEFAULT_FLUSH_TIMEOUT,
          ready));
  g_object_class_install_property (klass, PROP_PUBLISHED,
      g_param_spec_uint64 ("published", "Published", "Messages written or "
          "acknowledged by the broker (written to the socket, for QoS 0)",
          0, G_MAXUINT64, 0, counter));
  g_object_class_install_property (klass, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped", "Messages dropped: the "
          "queue was full, or they were still queued at shutdown", 0,
          G_MAXUINT64, 0, counter));
  g_object_class_install_property (klass, PROP_LOST,
      g_param_spec_uint64 ("lost", "Lost", "QoS 0 messages handed to the "
          "connection and lost when it dropped", 0, G_MAXUINT64, 0,
          counter));
}

static void
gst_mnv3_metapublish_class_init (GstMnv3MetapublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (mnv3_metapublish_debug, "mnv3metapublish", 0,
      "mnv3 JSON publisher");

  gobject_class->set_property = gst_mnv3_metapublish_set_property;
  gobject_class->get_property = gst_mnv3_metapublish_get_property;
  gobject_class->finalize = gst_mnv3_metapublish_finalize;
  mnv3_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "mnv3 JSON publisher", "Filter/Metadata",
      "Publishes each frame's mnv3 JSON (from mnv3metaconvert) to a file or "
      "an MQTT broker, from a worker thread with a bounded queue",
      "mnv3 authors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_mnv3_metapublish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_mnv3_metapublish_stop);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_mnv3_metapublish_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->passthrough_on_same_caps = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_PUBLISH_METHOD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MNV3_PUBLISH_FILE_FORMAT, 0);
}

static void
gst_mnv3_metapublish_init (GstMnv3Metapublish * self)
{
  self->method = DEFAULT_METHOD;
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->topic = g_strdup (DEFAULT_TOPIC);
  self->file_path = g_strdup (DEFAULT_FILE_PATH);
  self->file_format = DEFAULT_FILE_FORMAT;
  self->qos = DEFAULT_QOS;
  self->keep_alive = DEFAULT_KEEP_ALIVE;
  self->max_queue = DEFAULT_MAX_QUEUE;
  self->flush_timeout = DEFAULT_FLUSH_TIMEOUT;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
