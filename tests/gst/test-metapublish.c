/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metapublish method=file and the JSON meta: mnv3metaconvert attaches
 * the very text it writes (attach-json) and nothing when told not to; the
 * publisher writes every frame's text in order as JSON lines or as one
 * JSON array that parses back; a frame without JSON gives one warning;
 * an unwritable file fails at start with its name.  The MQTT side is
 * tested against a real broker in test-mqtt.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>

#include "gstmnv3jsonmeta.h"
#include "gstmnv3meta.h"

#define CAPS "video/x-raw,format=RGB,width=32,height=24,framerate=25/1"
#define N_FRAMES 7

static gchar *
temp_path (const gchar * tmpl)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp (tmpl, &path, NULL);

  fail_unless (fd >= 0);
  close (fd);
  return path;
}

static GstBuffer *
frame_with_json (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 32 * 24 * 3, NULL);
  gchar *json = g_strdup_printf ("{\"frame\":%u,\"text\":\"a \\\"quoted\\\" "
      "word\"}", i);

  GST_BUFFER_PTS (buf) = i * GST_SECOND / 25;
  fail_unless (gst_buffer_add_mnv3_json_meta (buf, json) != NULL);
  g_free (json);
  return buf;
}

/* Pushes N_FRAMES frames with JSON through a publisher writing @path. */
static void
publish_to_file (const gchar * path, const gchar * format)
{
  gchar *desc = g_strdup_printf ("mnv3metapublish file-path=%s "
      "file-format=%s", path, format);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, CAPS);
  for (guint i = 0; i < N_FRAMES; i++) {
    GstBuffer *in = frame_with_json (i), *out;
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    /* passthrough */
    fail_unless (out == in);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);     /* stop: the worker flushes, file closed */
}

GST_START_TEST (test_json_lines)
{
  gchar *path = temp_path ("mnv3-publish-XXXXXX.jsonl"), *text = NULL;
  gchar **lines;

  publish_to_file (path, "json-lines");
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  /* N lines and the empty string after the last newline */
  fail_unless_equals_int (g_strv_length (lines), N_FRAMES + 1);
  for (guint i = 0; i < N_FRAMES; i++) {
    gchar *want = g_strdup_printf ("{\"frame\":%u,\"text\":\"a \\\"quoted\\\" "
        "word\"}", i);
    fail_unless_equals_string (lines[i], want);
    g_free (want);
  }
  fail_unless_equals_string (lines[N_FRAMES], "");
  g_strfreev (lines);
  g_free (text);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_json_array)
{
  gchar *path = temp_path ("mnv3-publish-XXXXXX.json");
  JsonParser *parser = json_parser_new ();
  GError *err = NULL;
  JsonArray *a;

  publish_to_file (path, "json");
  fail_unless (json_parser_load_from_file (parser, path, &err),
      "not JSON: %s", err ? err->message : "?");
  fail_unless (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  a = json_node_get_array (json_parser_get_root (parser));
  fail_unless_equals_int (json_array_get_length (a), N_FRAMES);
  for (guint i = 0; i < N_FRAMES; i++) {
    JsonObject *o = json_array_get_object_element (a, i);
    fail_unless_equals_int (json_object_get_int_member (o, "frame"), i);
    fail_unless_equals_string (json_object_get_string_member (o, "text"),
        "a \"quoted\" word");
  }
  g_object_unref (parser);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* An empty array is still JSON. */
GST_START_TEST (test_json_array_empty)
{
  gchar *path = temp_path ("mnv3-publish-XXXXXX.json"), *text = NULL;
  gchar *desc = g_strdup_printf ("mnv3metapublish file-path=%s "
      "file-format=json", path);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_teardown (h);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless_equals_string (text, "[\n]\n");
  g_free (text);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* mnv3metaconvert -> the meta holds the line it wrote; the publisher
 * writes the same text. */
GST_START_TEST (test_metaconvert_attaches_json)
{
  gchar *conv_path = temp_path ("mnv3-conv-XXXXXX.jsonl");
  gchar *pub_path = temp_path ("mnv3-pub-XXXXXX.jsonl");
  gchar *desc = g_strdup_printf ("mnv3metaconvert location=%s source=cam ! "
      "mnv3metapublish file-path=%s", conv_path, pub_path);
  GstHarness *h = gst_harness_new_parse (desc);
  gchar *a = NULL, *b = NULL, **lines;
  GstVideoRectangle full = { 0, 0, 32, 24 };
  const gint ids[] = { 3 };
  const gchar *labels[] = { "tiger shark" };
  const gfloat scores[] = { 0.75f };

  gst_harness_set_src_caps_str (h, CAPS);
  for (guint i = 0; i < 3; i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, 32 * 24 * 3, NULL), *out;
    GST_BUFFER_PTS (in) = i * GST_SECOND / 25;
    gst_buffer_add_mnv3_classification_meta (in, "m", 1, ids, labels, scores,
        TRUE, &full);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (gst_mnv3_buffer_get_json (out) != NULL);
    fail_unless (strstr (gst_mnv3_buffer_get_json (out), "tiger shark"));
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  fail_unless (g_file_get_contents (conv_path, &a, NULL, NULL));
  fail_unless (g_file_get_contents (pub_path, &b, NULL, NULL));
  lines = g_strsplit (a, "\n", -1);
  fail_unless_equals_int (g_strv_length (lines), 4);
  fail_unless_equals_string (a, b);
  g_strfreev (lines);
  g_free (a);
  g_free (b);
  g_unlink (conv_path);
  g_unlink (pub_path);
  g_free (conv_path);
  g_free (pub_path);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_metaconvert_attach_off)
{
  GstHarness *h = gst_harness_new_parse ("mnv3metaconvert attach-json=false");
  GstBuffer *in = gst_buffer_new_allocate (NULL, 32 * 24 * 3, NULL), *out;

  gst_harness_set_src_caps_str (h, CAPS);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out == in);
  fail_unless (gst_mnv3_buffer_get_json (out) == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The JSON meta follows copies of the buffer. */
GST_START_TEST (test_json_meta_copied)
{
  GstBuffer *a = frame_with_json (4), *b = gst_buffer_copy (a);

  fail_unless (gst_mnv3_buffer_get_json (b) != NULL);
  fail_unless (gst_mnv3_buffer_get_json (b) != gst_mnv3_buffer_get_json (a));
  fail_unless_equals_string (gst_mnv3_buffer_get_json (b),
      gst_mnv3_buffer_get_json (a));
  gst_buffer_unref (a);
  gst_buffer_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_no_json_warns_once)
{
  gchar *path = temp_path ("mnv3-publish-XXXXXX.jsonl"), *text = NULL;
  gchar *desc = g_strdup_printf ("mnv3metapublish file-path=%s", path);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  guint n_warnings = 0;

  g_free (desc);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CAPS);
  for (guint i = 0; i < 3; i++) {
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate
            (NULL, 32 * 24 * 3, NULL)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    fail_unless (strstr (err->message, "mnv3metaconvert") != NULL);
    g_error_free (err);
    gst_message_unref (m);
    n_warnings++;
  }
  fail_unless_equals_int (n_warnings, 1);
  /* the other messages hold the element: drop them (else element, bus
   * and messages keep each other alive) */
  gst_bus_set_flushing (bus, TRUE);
  gst_harness_teardown (h);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless_equals_string (text, "");
  gst_object_unref (bus);
  g_free (text);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_unwritable_file)
{
  GstElement *pipe = gst_parse_launch ("fakesrc num-buffers=1 ! "
      "mnv3metapublish file-path=/nonexistent-dir/out.json ! fakesink", NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;
  GError *err = NULL;

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (strstr (err->message, "/nonexistent-dir/out.json") != NULL,
      "%s", err->message);
  g_error_free (err);
  gst_message_unref (m);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
metapublish_suite (void)
{
  Suite *s = suite_create ("mnv3metapublish");
  TCase *tc = tcase_create ("file");

  tcase_add_test (tc, test_json_lines);
  tcase_add_test (tc, test_json_array);
  tcase_add_test (tc, test_json_array_empty);
  tcase_add_test (tc, test_metaconvert_attaches_json);
  tcase_add_test (tc, test_metaconvert_attach_off);
  tcase_add_test (tc, test_json_meta_copied);
  tcase_add_test (tc, test_no_json_warns_once);
  tcase_add_test (tc, test_unwritable_file);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (metapublish);
