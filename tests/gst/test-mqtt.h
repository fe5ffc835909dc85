/* test-mqtt.h — test_mqtt's fixture (test-mqtt-broker.c) as its tests
 * (test-mqtt.c) use it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MNV3_TEST_MQTT_H
#define MNV3_TEST_MQTT_H

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>

/* the broker executable (main finds it), the test's private folder, the
 * broker's port and process (0 when not running) */
extern gchar *broker_bin;
extern gchar *work_dir;
extern gint broker_port;
extern GPid broker_pid;

/* A free TCP port on 127.0.0.1. */
gint free_port (void);
/* Writes the broker's configuration (@extra appended, else anonymous
 * logins allowed) and starts it; returns once it accepts connections. */
void broker_start (const gchar * extra);
/* SIGTERM: mosquitto saves its persistent sessions and exits. */
void broker_stop (void);
/* A new private folder and a free port for the broker. */
void setup_broker_dir (void);
/* Unchecked teardown: stops the pipeline and broker, removes the folder. */
void teardown_broker (void);

/* Every message under mnv3/#, topics and payloads in arrival order. */
typedef struct
{
  struct mosquitto *mosq;
  GMutex lock;
  GPtrArray *topics, *payloads;
  gboolean subscribed;
} Subscriber;

Subscriber *subscriber_new (void);
/* Waits until @n messages arrived, or @timeout_s seconds without one. */
guint subscriber_wait (Subscriber * s, guint n, gint timeout_s);
void subscriber_free (Subscriber * s);

typedef struct
{
  guint n_warnings_lost, n_warnings_dropped;
  gchar *error;
} RunResult;

/* Runs @pipe to EOS (at most @timeout_s), counting the publisher's
 * warnings; @midway (if any) is called once after @midway_ms. */
void run_pipeline (GstElement * pipe, gint timeout_s, GFunc midway,
    guint midway_ms, RunResult * r);
/* NULL state: the publisher flushes what is queued (flush-timeout). */
void stop_pipeline (GstElement * pipe, RunResult * r);
/* The guint64 property @prop of element @name in @pipe. */
guint64 get_counter (GstElement * pipe, const gchar * name,
    const gchar * prop);
/* @text parsed as a JSON object (*parser holds it: unref when done). */
JsonObject *parse_object (const gchar * text, JsonParser ** parser);
/* The lines of a text file (g_strfreev). */
gchar **read_lines (const gchar * path);

#endif /* MNV3_TEST_MQTT_H */
