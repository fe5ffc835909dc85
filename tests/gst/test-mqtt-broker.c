/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test_mqtt's fixture: Debian's mosquitto broker started on 127.0.0.1 and
 * a free port in a private folder (stopped, restarted, removed), a
 * libmosquitto subscriber with a persistent session that keeps every
 * message, and a pipeline runner that counts mnv3metapublish's warnings.
 * The tests are in test-mqtt.c (test-mqtt.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>

#include "test-mqtt.h"

gchar *broker_bin;
gchar *work_dir;
gint broker_port;
GPid broker_pid;
/* the pipeline of the test running: stopped by the teardown when the test
 * failed half-way (else its threads keep the check runner waiting) */
static GstElement *current_pipe;

/* ------------------------------------------------------------- broker */

gint
free_port (void)
{
  struct sockaddr_in a = { 0 };
  socklen_t len = sizeof (a);
  gint fd = socket (AF_INET, SOCK_STREAM, 0), port;

  fail_unless (fd >= 0);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *) &a, sizeof (a)) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
  port = ntohs (a.sin_port);
  close (fd);
  return port;
}

static gboolean
port_open (gint port)
{
  struct sockaddr_in a = { 0 };
  gint fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  a.sin_family = AF_INET;
  a.sin_port = htons (port);
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ok = connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0;
  close (fd);
  return ok;
}

/* The broker dies with the test, even when a timeout kills the test. */
static void
broker_child_setup (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Writes the broker's configuration (@extra appended) and starts it;
 * returns once it accepts connections (at most 10 s). */
void
broker_start (const gchar * extra)
{
  gchar *conf_path = g_build_filename (work_dir, "mosquitto.conf", NULL);
  gchar *log_path = g_build_filename (work_dir, "mosquitto.log", NULL);
  /* "user": started by root, mosquitto would switch to the mosquitto user,
   * which cannot read the test's private folder */
  gchar *conf = g_strdup_printf ("listener %d 127.0.0.1\nuser %s\n"
      "persistence true\npersistence_location %s/\n"
      "max_queued_messages 100000\nlog_dest file %s\n%s\n",
      broker_port, g_get_user_name (), work_dir, log_path, extra ? extra :
      "allow_anonymous true\n");
  gchar *argv[] = { broker_bin, (gchar *) "-c", conf_path, NULL };
  GError *err = NULL;

  fail_unless (g_file_set_contents (conf_path, conf, -1, NULL));
  fail_unless (g_spawn_async (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
          broker_child_setup, NULL, &broker_pid, &err), "cannot start %s: %s", broker_bin,
      err ? err->message : "?");
  for (gint i = 0; i < 200 && !port_open (broker_port); i++)
    g_usleep (50 * 1000);
  fail_unless (port_open (broker_port), "mosquitto did not open port %d",
      broker_port);
  g_free (conf);
  g_free (conf_path);
  g_free (log_path);
}

/* SIGTERM: mosquitto saves its persistent sessions and exits. */
void
broker_stop (void)
{
  gint status;

  if (broker_pid <= 0)
    return;
  kill (broker_pid, SIGTERM);
  waitpid (broker_pid, &status, 0);
  g_spawn_close_pid (broker_pid);
  broker_pid = 0;
}

void
setup_broker_dir (void)
{
  work_dir = g_dir_make_tmp ("mnv3-mqtt-XXXXXX", NULL);
  fail_unless (work_dir != NULL);
  broker_port = free_port ();
}

static void
remove_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

/* Unchecked teardown: runs even when a test failed half-way. */
void
teardown_broker (void)
{
  if (current_pipe) {
    gst_element_set_state (current_pipe, GST_STATE_NULL);
    current_pipe = NULL;
  }
  if (broker_pid > 0)
    kill (broker_pid, SIGCONT);
  broker_stop ();
  if (work_dir)
    remove_dir (work_dir);
  g_clear_pointer (&work_dir, g_free);
}

/* --------------------------------------------------------- subscriber */

static void
sub_on_connect (struct mosquitto *mosq, void *obj, int rc)
{
  (void) obj;
  if (rc == 0)
    mosquitto_subscribe (mosq, NULL, "mnv3/#", 1);
}

static void
sub_on_subscribe (struct mosquitto *mosq, void *obj, int mid, int n,
    const int *granted)
{
  Subscriber *s = obj;

  (void) mosq;
  (void) mid;
  (void) n;
  (void) granted;
  g_mutex_lock (&s->lock);
  s->subscribed = TRUE;
  g_mutex_unlock (&s->lock);
}

static void
sub_on_message (struct mosquitto *mosq, void *obj,
    const struct mosquitto_message *m)
{
  Subscriber *s = obj;

  (void) mosq;
  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->topics, g_strdup (m->topic));
  g_ptr_array_add (s->payloads, g_strndup (m->payload, m->payloadlen));
  g_mutex_unlock (&s->lock);
}

/* A persistent session (clean_session false): the broker keeps the
 * subscription and queues QoS >= 1 messages while the subscriber is away
 * (during the broker's own restart).  QoS 1 on the subscriber's side: a
 * QoS 2 session across a broker restart can see the broker reuse packet
 * ids the client still holds, and the client then takes new messages for
 * repeats (mosquitto 2.0.11), a loss that is no part of the publisher. */
Subscriber *
subscriber_new (void)
{
  Subscriber *s = g_new0 (Subscriber, 1);
  gchar *id = g_strdup_printf ("mnv3-test-sub-%d", (int) getpid ());

  g_mutex_init (&s->lock);
  s->topics = g_ptr_array_new_with_free_func (g_free);
  s->payloads = g_ptr_array_new_with_free_func (g_free);
  s->mosq = mosquitto_new (id, false, s);
  fail_unless (s->mosq != NULL);
  mosquitto_connect_callback_set (s->mosq, sub_on_connect);
  mosquitto_subscribe_callback_set (s->mosq, sub_on_subscribe);
  mosquitto_message_callback_set (s->mosq, sub_on_message);
  mosquitto_reconnect_delay_set (s->mosq, 1, 1, false);
  fail_unless_equals_int (mosquitto_connect (s->mosq, "127.0.0.1",
          broker_port, 10), MOSQ_ERR_SUCCESS);
  fail_unless_equals_int (mosquitto_loop_start (s->mosq), MOSQ_ERR_SUCCESS);
  for (gint i = 0; i < 200; i++) {
    gboolean ok;
    g_mutex_lock (&s->lock);
    ok = s->subscribed;
    g_mutex_unlock (&s->lock);
    if (ok)
      break;
    g_usleep (25 * 1000);
  }
  fail_unless (s->subscribed, "the subscription was not acknowledged");
  g_free (id);
  return s;
}

static guint
subscriber_count (Subscriber * s)
{
  guint n;

  g_mutex_lock (&s->lock);
  n = s->payloads->len;
  g_mutex_unlock (&s->lock);
  return n;
}

/* Waits until @n messages arrived, or @timeout_s seconds without one. */
guint
subscriber_wait (Subscriber * s, guint n, gint timeout_s)
{
  guint last = subscriber_count (s);
  gint64 quiet_since = g_get_monotonic_time ();

  while (last < n && g_get_monotonic_time () - quiet_since <
      (gint64) timeout_s * G_USEC_PER_SEC) {
    guint now;
    g_usleep (50 * 1000);
    now = subscriber_count (s);
    if (now != last)
      quiet_since = g_get_monotonic_time ();
    last = now;
  }
  return last;
}

void
subscriber_free (Subscriber * s)
{
  mosquitto_disconnect (s->mosq);
  mosquitto_loop_stop (s->mosq, true);
  mosquitto_destroy (s->mosq);
  g_ptr_array_unref (s->topics);
  g_ptr_array_unref (s->payloads);
  g_mutex_clear (&s->lock);
  g_free (s);
}

/* ----------------------------------------------------------- pipelines */

/* Runs @pipe to EOS (at most @timeout_s), counting the publisher's
 * warnings; @midway (if any) is called once after @midway_ms. */
void
run_pipeline (GstElement * pipe, gint timeout_s, GFunc midway,
    guint midway_ms, RunResult * r)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 start = g_get_monotonic_time ();
  gboolean done = FALSE, called = FALSE;

  memset (r, 0, sizeof (*r));
  current_pipe = pipe;
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while (!done && g_get_monotonic_time () - start <
      (gint64) timeout_s * G_USEC_PER_SEC) {
    GstMessage *m = gst_bus_timed_pop (bus, 20 * GST_MSECOND);
    GError *err = NULL;

    if (midway && !called && g_get_monotonic_time () - start >
        (gint64) midway_ms * 1000) {
      called = TRUE;
      midway (NULL, NULL);
    }
    if (!m)
      continue;
    switch (GST_MESSAGE_TYPE (m)) {
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      case GST_MESSAGE_ERROR:{
        gchar *dbg = NULL;
        gst_message_parse_error (m, &err, &dbg);
        r->error = g_strdup_printf ("%s (%s: %s)", err->message,
            GST_OBJECT_NAME (GST_MESSAGE_SRC (m)), dbg ? dbg : "");
        g_error_free (err);
        g_free (dbg);
      }
        done = TRUE;
        break;
      case GST_MESSAGE_WARNING:
        gst_message_parse_warning (m, &err, NULL);
        GST_INFO ("warning: %s", err->message);
        if (strstr (err->message, "Lost the connection"))
          r->n_warnings_lost++;
        if (strstr (err->message, "dropped"))
          r->n_warnings_dropped++;
        g_error_free (err);
        break;
      default:
        break;
    }
    gst_message_unref (m);
  }
  fail_unless (done, "the pipeline did not finish within %d s", timeout_s);
  gst_object_unref (bus);
}

/* NULL state: the publisher flushes what is queued (flush-timeout). */
void
stop_pipeline (GstElement * pipe, RunResult * r)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;

  gst_element_set_state (pipe, GST_STATE_NULL);
  current_pipe = NULL;
  while ((m = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gst_message_parse_warning (m, &err, NULL);
      if (strstr (err->message, "dropped"))
        r->n_warnings_dropped++;
      g_error_free (err);
    }
    gst_message_unref (m);
  }
  gst_object_unref (bus);
}

guint64
get_counter (GstElement * pipe, const gchar * name, const gchar * prop)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  guint64 v = 0;

  fail_unless (e != NULL);
  g_object_get (e, prop, &v, NULL);
  gst_object_unref (e);
  return v;
}

JsonObject *
parse_object (const gchar * text, JsonParser ** parser)
{
  GError *err = NULL;

  *parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (*parser, text, -1, &err),
      "not JSON: %s (%s)", err ? err->message : "?", text);
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (*parser)));
  return json_node_get_object (json_parser_get_root (*parser));
}

gchar **
read_lines (const gchar * path)
{
  gchar *text = NULL, **lines;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  return lines;
}
