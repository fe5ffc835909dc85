/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metapublish method=mqtt against a real broker: Debian's mosquitto,
 * started by the test on 127.0.0.1 and a free port, with a libmosquitto
 * subscriber in the test.  Checked:
 *  - every frame's JSON arrives, parses, is the very text mnv3metaconvert
 *    wrote for the frame (DL Streamer fields), in order, on one topic per
 *    source ({source});
 *  - the broker is stopped for a few seconds mid-stream and started again:
 *    the real-time pipeline keeps its pace; with QoS 1 and 2 and a large queue
 *    no frame is lost (the subscriber's session is persistent, the broker
 *    saves it when stopped); with QoS 0 and a small queue the loss is
 *    counted (dropped/lost) and reported by warning messages;
 *  - the streaming thread never waits for a broker that stopped answering;
 *  - a wrong address, an unusable TLS file or a refused login fail at
 *    start with an error naming them; a password from a file or the
 *    environment logs in.
 * The test exits 77 (skipped) when the mosquitto broker is not installed.
 * The broker, the subscriber and the pipeline runner are in
 * test-mqtt-broker.c (test-mqtt.h), built into the same executable.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>

#include "gstmnv3jsonmeta.h"
#include "test-mqtt.h"

/* ------------------------------------------------------------- tests */

/* Two cameras, one topic each: every frame's text, as written by
 * mnv3metaconvert, arrives in order on its camera's topic. */
GST_START_TEST (test_every_frame_in_order)
{
  /* a source with a blank and MQTT's wildcard: one level, made safe */
  const gchar *cams[] = { "door", "yard #2" };
  const gchar *topics[] = { "mnv3/door", "mnv3/yard__2" };
  const guint n = 24;
  gchar *desc = g_strdup (""), *files[2];
  Subscriber *sub;
  GstElement *pipe;
  RunResult r;

  setup_broker_dir ();
  broker_start (NULL);
  sub = subscriber_new ();
  for (guint c = 0; c < 2; c++) {
    gchar *more;
    files[c] = g_strdup_printf ("%s/cam%u.jsonl", work_dir, c);
    more = g_strdup_printf ("%s videotestsrc num-buffers=%u pattern=%s ! "
        "video/x-raw,width=160,height=120,framerate=25/1 ! mnv3classify "
        "top-k=3 ! mnv3metaconvert source=\"%s\" location=%s ! mnv3metapublish "
        "name=pub%u method=mqtt address=127.0.0.1:%d topic=mnv3/{source} "
        "qos=1 ! fakesink", desc, n, c ? "ball" : "smpte", cams[c], files[c],
        c, broker_port);
    g_free (desc);
    desc = more;
  }
  pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL);
  run_pipeline (pipe, 120, NULL, 0, &r);
  fail_unless (r.error == NULL, "error: %s", r.error);
  stop_pipeline (pipe, &r);
  fail_unless_equals_int (subscriber_wait (sub, 2 * n, 10), 2 * n);

  for (guint c = 0; c < 2; c++) {
    gchar **lines = read_lines (files[c]);
    const gchar *topic = topics[c];
    gchar *name = g_strdup_printf ("pub%u", c);
    guint k = 0;

    fail_unless_equals_int (g_strv_length (lines), n);
    for (guint i = 0; i < sub->payloads->len; i++) {
      JsonParser *parser;
      JsonObject *o, *obj0, *cls;

      if (strcmp (g_ptr_array_index (sub->topics, i), topic) != 0)
        continue;
      fail_unless (k < n);
      /* the very text of frame k, so in order and complete */
      fail_unless_equals_string (g_ptr_array_index (sub->payloads, i),
          lines[k]);
      o = parse_object (g_ptr_array_index (sub->payloads, i), &parser);
      fail_unless_equals_int64 (json_object_get_int_member (o, "timestamp"),
          (gint64) k * GST_SECOND / 25);
      fail_unless_equals_string (json_object_get_string_member (o,
              "source"), cams[c]);
      fail_unless_equals_int (json_object_get_int_member
          (json_object_get_object_member (o, "resolution"), "width"), 160);
      /* a full-frame classification is a "tensors" entry (gvametaconvert) */
      obj0 = json_array_get_object_element (json_object_get_array_member (o,
              "tensors"), 0);
      cls = obj0;
      fail_unless (json_object_has_member (cls, "label"));
      fail_unless (json_object_has_member (cls, "label_id"));
      fail_unless (json_object_get_double_member (cls, "confidence") > 0);
      g_object_unref (parser);
      k++;
    }
    fail_unless_equals_int (k, n);
    fail_unless_equals_uint64 (get_counter (pipe, name, "published"), n);
    fail_unless_equals_uint64 (get_counter (pipe, name, "dropped"), 0);
    g_strfreev (lines);
    g_free (name);
    g_free (files[c]);
  }
  gst_object_unref (pipe);
  subscriber_free (sub);
  g_free (desc);
}

GST_END_TEST;

/* A stream paced in real time (10 fps, 6 s); the broker is stopped at
 * 1.5 s and started again 2.5 s later. */
#define RESTART_FRAMES 60
#define RESTART_FPS 10

static void
restart_midway (gpointer a, gpointer b)
{
  (void) a;
  (void) b;
  broker_stop ();
  g_usleep (2500 * 1000);
  broker_start (NULL);
}

static GstElement *
restart_pipeline (gint qos, guint max_queue)
{
  /* paced in real time by identity sync=true, with timestamps from 0 (a
   * live source starts at the running time it was started at) */
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%d "
      "! video/x-raw,width=64,height=48,framerate=%d/1 ! identity sync=true "
      "! mnv3metaconvert "
      "add-empty-results=true "
      "source=cam ! mnv3metapublish name=pub method=mqtt "
      "address=127.0.0.1:%d topic=mnv3/{source} qos=%d max-queue=%u "
      "flush-timeout=10000 ! fakesink sync=true", RESTART_FRAMES,
      RESTART_FPS, broker_port, qos, max_queue);
  GstElement *pipe = gst_parse_launch (desc, NULL);

  fail_unless (pipe != NULL);
  g_free (desc);
  return pipe;
}

/* Frame index of every message, in arrival order. */
static gint *
frame_indices (Subscriber * s, guint * n)
{
  gint *idx;

  g_mutex_lock (&s->lock);
  *n = s->payloads->len;
  idx = g_new0 (gint, *n + 1);
  for (guint i = 0; i < *n; i++) {
    JsonParser *parser;
    JsonObject *o = parse_object (g_ptr_array_index (s->payloads, i),
        &parser);
    idx[i] = (gint) (json_object_get_int_member (o, "timestamp") /
        (GST_SECOND / RESTART_FPS));
    g_object_unref (parser);
  }
  g_mutex_unlock (&s->lock);
  return idx;
}

/* QoS 1 and 2, a queue larger than the outage: every frame arrives, first
 * copies in order (at least once: the subscriber's QoS 1 leg may repeat a
 * message). */
GST_START_TEST (test_broker_restart_nothing_lost)
{
  gint qos = __i__ + 1;
  gboolean seen[RESTART_FRAMES] = { FALSE };
  guint n, n_unique = 0, n_dups = 0;
  gint last = -1, *idx;
  Subscriber *sub;
  GstElement *pipe;
  RunResult r;
  gint64 t0;

  setup_broker_dir ();
  broker_start (NULL);
  sub = subscriber_new ();
  pipe = restart_pipeline (qos, 1000);
  t0 = g_get_monotonic_time ();
  run_pipeline (pipe, 60, restart_midway, 1500, &r);
  fail_unless (r.error == NULL, "error: %s", r.error);
  /* the pipeline kept its pace: 6 s of frames in well under 6 + 4 s
   * (the broker was away for 2.5 s of them) */
  fail_unless (g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC);
  fail_unless (r.n_warnings_lost >= 1, "no warning for the lost connection");
  stop_pipeline (pipe, &r);
  subscriber_wait (sub, RESTART_FRAMES, 10);

  idx = frame_indices (sub, &n);
  for (guint i = 0; i < n; i++) {
    fail_unless (idx[i] >= 0 && idx[i] < RESTART_FRAMES);
    if (seen[idx[i]]) {
      n_dups++;
      continue;
    }
    seen[idx[i]] = TRUE;
    n_unique++;
    fail_unless (idx[i] > last, "frame %d arrived after frame %d", idx[i],
        last);
    last = idx[i];
  }
  GST_INFO ("qos %d: %u messages, %u frames, %u repeated", qos, n, n_unique,
      n_dups);
  if (n_unique != RESTART_FRAMES) {
    GString *got = g_string_new (NULL);
    for (guint i = 0; i < n; i++)
      g_string_append_printf (got, " %d", idx[i]);
    fail ("qos %d: %u of %d frames arrived:%s", qos, n_unique,
        RESTART_FRAMES, got->str);
  }
  fail_unless_equals_uint64 (get_counter (pipe, "pub", "dropped"), 0);
  fail_unless_equals_uint64 (get_counter (pipe, "pub", "lost"), 0);
  g_free (idx);
  gst_object_unref (pipe);
  subscriber_free (sub);
}

GST_END_TEST;

/* QoS 0 and a queue of 4 messages through a 2.5 s outage at 10 fps: the
 * loss is counted (dropped + lost), reported by a warning, and accounts
 * for every frame that did not arrive, give or take the QoS 0 messages
 * written to the socket of a broker that was going away. */
GST_START_TEST (test_broker_restart_qos0_loss_counted)
{
  guint n, n_unique = 0;
  guint64 dropped, lost, published;
  gboolean seen[RESTART_FRAMES] = { FALSE };
  gint last = -1, *idx;
  Subscriber *sub;
  GstElement *pipe;
  RunResult r;

  setup_broker_dir ();
  broker_start (NULL);
  sub = subscriber_new ();
  pipe = restart_pipeline (0, 4);
  run_pipeline (pipe, 60, restart_midway, 1500, &r);
  fail_unless (r.error == NULL, "error: %s", r.error);
  stop_pipeline (pipe, &r);
  dropped = get_counter (pipe, "pub", "dropped");
  lost = get_counter (pipe, "pub", "lost");
  published = get_counter (pipe, "pub", "published");
  subscriber_wait (sub, RESTART_FRAMES - dropped - lost, 5);

  idx = frame_indices (sub, &n);
  for (guint i = 0; i < n; i++) {
    fail_unless (idx[i] >= 0 && idx[i] < RESTART_FRAMES);
    fail_unless (!seen[idx[i]], "QoS 0 repeated frame %d", idx[i]);
    seen[idx[i]] = TRUE;
    fail_unless (idx[i] > last);
    last = idx[i];
    n_unique++;
  }
  GST_INFO ("qos 0: received %u, published %" G_GUINT64_FORMAT ", dropped %"
      G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT, n_unique, published,
      dropped, lost);
  /* ~25 frames during the outage, 4 kept: the overflow was counted */
  fail_unless (dropped >= 10, "dropped %" G_GUINT64_FORMAT, dropped);
  fail_unless (r.n_warnings_dropped >= 1, "no warning for the drops");
  fail_unless_equals_uint64 (published + dropped + lost, RESTART_FRAMES);
  fail_unless (n_unique <= published);
  /* what the counters do not see: at most the messages written to the
   * dying broker's socket in its last moments */
  fail_unless (published - n_unique <= 5, "%" G_GUINT64_FORMAT
      " published messages never arrived", published - n_unique);
  /* frames from after the restart did arrive */
  fail_unless (seen[RESTART_FRAMES - 1]);
  g_free (idx);
  gst_object_unref (pipe);
  subscriber_free (sub);
}

GST_END_TEST;

/* A broker that stops answering (SIGSTOP: the socket stays open) never
 * holds up the streaming thread: 300 pushes take well under a second. */
GST_START_TEST (test_streaming_never_waits)
{
  gchar *addr;
  GstHarness *h;
  gint64 t0, worst = 0;
  guint64 dropped;

  setup_broker_dir ();
  broker_start (NULL);
  addr = g_strdup_printf ("mnv3metapublish name=pub method=mqtt qos=1 max-queue=50 "
      "flush-timeout=200 address=127.0.0.1:%d", broker_port);
  h = gst_harness_new_parse (addr);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=4,"
      "height=4,framerate=25/1");
  kill (broker_pid, SIGSTOP);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 300; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 48, NULL);
    gchar *json = g_strdup_printf ("{\"frame\":%u,\"pad\":\"%0512d\"}", i, 0);
    gint64 t;

    gst_buffer_add_mnv3_json_meta (buf, json);
    t = g_get_monotonic_time ();
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    worst = MAX (worst, g_get_monotonic_time () - t);
    gst_buffer_unref (gst_harness_pull (h));
    g_free (json);
  }
  GST_INFO ("300 pushes: %" G_GINT64_FORMAT " us, worst %" G_GINT64_FORMAT
      " us", g_get_monotonic_time () - t0, worst);
  fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC);
  fail_unless (worst < 100 * 1000);
  {
    GstElement *pub = gst_bin_get_by_name (GST_BIN (h->element), "pub");
    g_object_get (pub, "dropped", &dropped, NULL);
    gst_object_unref (pub);
  }
  /* the queue held 50, the in-flight window at most 100 more */
  fail_unless (dropped >= 300 - 50 - 100 - 1, "dropped %" G_GUINT64_FORMAT,
      dropped);
  gst_harness_teardown (h);
  kill (broker_pid, SIGCONT);
  g_free (addr);
}

GST_END_TEST;

/* The error text of a pipeline that must fail to start. */
static gchar *
start_error (const gchar * props)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 ! "
      "mnv3metaconvert add-empty-results=true ! mnv3metapublish "
      "method=mqtt %s ! fakesink", props);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus;
  GstMessage *m;
  GError *err = NULL;
  gchar *text;

  fail_unless (pipe != NULL);
  bus = gst_element_get_bus (pipe);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL, "no error message for %s", props);
  gst_message_parse_error (m, &err, NULL);
  text = g_strdup (err->message);
  GST_INFO ("%s -> %s", props, text);
  g_error_free (err);
  gst_message_unref (m);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  return text;
}

static void
assert_error_has (const gchar * props, const gchar * a, const gchar * b)
{
  gchar *text = start_error (props);

  fail_unless (strstr (text, a) != NULL, "\"%s\" not in \"%s\"", a, text);
  fail_unless (!b || strstr (text, b) != NULL, "\"%s\" not in \"%s\"", b,
      text);
  g_free (text);
}

GST_START_TEST (test_wrong_address)
{
  gint port = free_port ();
  gchar *props = g_strdup_printf ("address=127.0.0.1:%d", port);
  gchar *want = g_strdup_printf ("127.0.0.1:%d", port);

  /* nothing listens there */
  assert_error_has (props, want, "Connection refused");
  assert_error_has ("address=nonsense:port", "is not HOST:PORT", NULL);
  assert_error_has ("address=127.0.0.1:70000", "is not HOST:PORT", NULL);
  assert_error_has ("address=no-such-host.invalid:1883",
      "no-such-host.invalid", "resolved");
  assert_error_has ("topic=mnv3/+/x", "wildcard", NULL);
  assert_error_has ("topic=mnv3/{camera}", "unknown placeholder", NULL);
  g_free (props);
  g_free (want);
}

GST_END_TEST;

GST_START_TEST (test_bad_tls_files)
{
  gchar *garbage, *props;

  setup_broker_dir ();
  broker_start (NULL);
  garbage = g_build_filename (work_dir, "garbage.pem", NULL);
  fail_unless (g_file_set_contents (garbage, "not a certificate\n", -1,
          NULL));

  props = g_strdup_printf ("address=127.0.0.1:%d ca-file=%s/none.pem",
      broker_port, work_dir);
  assert_error_has (props, "ca-file", "No such file");
  g_free (props);
  props = g_strdup_printf ("address=127.0.0.1:%d cert-file=%s",
      broker_port, garbage);
  assert_error_has (props, "cert-file and key-file", NULL);
  g_free (props);
  /* a file that is no certificate: the TLS set-up fails and says so */
  props = g_strdup_printf ("address=127.0.0.1:%d ca-file=%s", broker_port,
      garbage);
  assert_error_has (props, "TLS", "127.0.0.1");
  g_free (props);
  g_free (garbage);
}

GST_END_TEST;

/* Real TLS: a CA and a broker certificate made with openssl; the right CA
 * connects, another CA fails the handshake with an error saying TLS. */
GST_START_TEST (test_tls)
{
  gchar *openssl = g_find_program_in_path ("openssl"), *script, *extra;
  gchar *props, *argv[4];
  gint status = -1;
  GstElement *pipe;
  RunResult r;

  if (!openssl) {
    /* openssl is a dependency of libmosquitto's TLS: never absent in CI */
    fail ("openssl not found");
  }
  setup_broker_dir ();
  script = g_strdup_printf ("cd %s && for n in ca other; do "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=$n "
      "-keyout $n.key -out $n.pem 2>/dev/null || exit 1; done && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
      "-keyout server.key -out server.csr 2>/dev/null && "
      "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null",
      work_dir);
  argv[0] = (gchar *) "/bin/sh";
  argv[1] = (gchar *) "-c";
  argv[2] = script;
  argv[3] = NULL;
  fail_unless (g_spawn_sync (NULL, argv, NULL, 0, NULL, NULL, NULL, NULL,
          &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "openssl failed");

  extra = g_strdup_printf ("allow_anonymous true\ncafile %s/ca.pem\n"
      "certfile %s/server.pem\nkeyfile %s/server.key\n", work_dir, work_dir,
      work_dir);
  broker_start (extra);

  props = g_strdup_printf ("address=127.0.0.1:%d ca-file=%s/other.pem",
      broker_port, work_dir);
  assert_error_has (props, "TLS", NULL);
  g_free (props);

  /* acknowledged (QoS 1) by the broker over TLS: counted by the element */
  props = g_strdup_printf ("videotestsrc num-buffers=5 ! mnv3metaconvert "
      "add-empty-results=true ! "
      "mnv3metapublish name=pub method=mqtt address=127.0.0.1:%d qos=1 "
      "ca-file=%s/ca.pem ! fakesink", broker_port, work_dir);
  pipe = gst_parse_launch (props, NULL);
  run_pipeline (pipe, 30, NULL, 0, &r);
  fail_unless (r.error == NULL, "error: %s", r.error);
  stop_pipeline (pipe, &r);
  /* QoS 1: acknowledged by the broker over TLS */
  fail_unless_equals_uint64 (get_counter (pipe, "pub", "published"), 5);
  gst_object_unref (pipe);
  g_free (props);
  g_free (extra);
  g_free (script);
  g_free (openssl);
}

GST_END_TEST;

/* A broker with users: a wrong password is refused with a clear error; the
 * right one from a file or the environment logs in. */
GST_START_TEST (test_login)
{
  gchar *passwd_bin = g_find_program_in_path ("mosquitto_passwd");
  gchar *pw_file, *argv[7], *extra, *props, *good, *bad;
  gint status = -1;
  GstElement *pipe;
  RunResult r;

  fail_unless (passwd_bin != NULL, "mosquitto_passwd not found");
  setup_broker_dir ();
  pw_file = g_build_filename (work_dir, "users", NULL);
  argv[0] = passwd_bin;
  argv[1] = (gchar *) "-b";
  argv[2] = (gchar *) "-c";
  argv[3] = pw_file;
  argv[4] = (gchar *) "camera";
  argv[5] = (gchar *) "s3cret word";
  argv[6] = NULL;
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL));
  extra = g_strdup_printf ("allow_anonymous false\npassword_file %s\n",
      pw_file);
  broker_start (extra);

  good = g_build_filename (work_dir, "good", NULL);
  bad = g_build_filename (work_dir, "bad", NULL);
  fail_unless (g_file_set_contents (good, "s3cret word\n", -1, NULL));
  fail_unless (g_file_set_contents (bad, "guess\n", -1, NULL));

  props = g_strdup_printf ("address=127.0.0.1:%d username=camera "
      "password-file=%s", broker_port, bad);
  assert_error_has (props, "refused the connection", "Not authorized");
  g_free (props);
  props = g_strdup_printf ("address=127.0.0.1:%d", broker_port);
  assert_error_has (props, "refused", NULL);
  g_free (props);
  props = g_strdup_printf ("address=127.0.0.1:%d password-file=%s/none",
      broker_port, work_dir);
  assert_error_has (props, "password file", NULL);
  g_free (props);

  for (gint from_env = 0; from_env < 2; from_env++) {
    if (from_env) {
      g_setenv ("MNV3_MQTT_USERNAME", "camera", TRUE);
      g_setenv ("MNV3_MQTT_PASSWORD", "s3cret word", TRUE);
      props = g_strdup_printf ("videotestsrc num-buffers=3 ! "
          "mnv3metaconvert add-empty-results=true "
          "! mnv3metapublish name=pub method=mqtt address=127.0.0.1:%d qos=1 "
          "! fakesink", broker_port);
    } else {
      props = g_strdup_printf ("videotestsrc num-buffers=3 ! "
          "mnv3metaconvert add-empty-results=true "
          "! mnv3metapublish name=pub method=mqtt address=127.0.0.1:%d qos=1 "
          "username=camera password-file=%s ! fakesink", broker_port, good);
    }
    pipe = gst_parse_launch (props, NULL);
    run_pipeline (pipe, 30, NULL, 0, &r);
    fail_unless (r.error == NULL, "error: %s", r.error);
    stop_pipeline (pipe, &r);
    fail_unless_equals_uint64 (get_counter (pipe, "pub", "published"), 3);
    gst_object_unref (pipe);
    g_free (props);
  }
  g_unsetenv ("MNV3_MQTT_USERNAME");
  g_unsetenv ("MNV3_MQTT_PASSWORD");
  g_free (good);
  g_free (bad);
  g_free (extra);
  g_free (pw_file);
  g_free (passwd_bin);
}

GST_END_TEST;

static Suite *
mqtt_suite (void)
{
  Suite *s = suite_create ("mnv3metapublish-mqtt");
  TCase *tc = tcase_create ("broker");

  tcase_add_unchecked_fixture (tc, NULL, teardown_broker);
  tcase_add_checked_fixture (tc, NULL, teardown_broker);
  tcase_add_test (tc, test_every_frame_in_order);
  tcase_add_loop_test (tc, test_broker_restart_nothing_lost, 0, 2);
  tcase_add_test (tc, test_broker_restart_qos0_loss_counted);
  tcase_add_test (tc, test_streaming_never_waits);
  tcase_add_test (tc, test_wrong_address);
  tcase_add_test (tc, test_bad_tls_files);
  tcase_add_test (tc, test_tls);
  tcase_add_test (tc, test_login);
  suite_add_tcase (s, tc);
  return s;
}

/* Debian installs the broker in /usr/sbin, outside a user's PATH. */
static gchar *
find_broker (void)
{
  gchar *p = g_find_program_in_path ("mosquitto");

  if (!p && g_file_test ("/usr/sbin/mosquitto", G_FILE_TEST_IS_EXECUTABLE))
    p = g_strdup ("/usr/sbin/mosquitto");
  return p;
}

int
main (int argc, char **argv)
{
  int ret;

  gst_check_init (&argc, &argv);
  broker_bin = find_broker ();
  if (!broker_bin) {
    g_printerr ("SKIP: the mosquitto broker is not installed "
        "(apt-get install mosquitto)\n");
    return 77;
  }
  mosquitto_lib_init ();
  ret = gst_check_run_suite (mqtt_suite (), "mqtt", __FILE__);
  mosquitto_lib_cleanup ();
  g_free (broker_bin);
  return ret;
}
