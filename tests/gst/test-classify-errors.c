/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test_classify, third part: mnv3classify's errors (missing, corrupt or
 * wrong models and labels files, refused property values, unsupported
 * caps) and state cycles (no leak, no hang, every model released).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "gst-support.h"
#include "test-classify.h"

/* ---- errors ---------------------------------------------------------------- */

GST_START_TEST (test_missing_model)
{
  mnv3_test_expect_start_error ("videotestsrc num-buffers=1 ! "
      "mnv3classify model=/nonexistent/dir/model.tflite ! fakesink",
      "/nonexistent/dir/model.tflite");
}

GST_END_TEST;

GST_START_TEST (test_directory_as_model)
{
  gchar *dir = g_dir_make_tmp ("mnv3-dir-XXXXXX", NULL), *launch;

  fail_unless (dir != NULL);
  launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3classify "
      "model=\"%s\" ! fakesink", dir);
  mnv3_test_expect_start_error (launch, "is a directory");
  g_free (launch);
  launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3classify "
      "labels-file=\"%s\" ! fakesink", dir);
  mnv3_test_expect_start_error (launch, "is a directory");
  g_free (launch);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_corrupt_model)
{
  gchar *path = NULL, *launch;
  gint fd = g_file_open_tmp ("mnv3-corrupt-XXXXXX.tflite", &path, NULL);
  guint8 junk[4096];
  gsize i;

  fail_unless (fd >= 0);
  /* a TFLite identifier followed by garbage */
  for (i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 37 + 11);
  memcpy (junk + 4, "TFL3", 4);
  fail_unless (write (fd, junk, sizeof junk) == sizeof junk);
  close (fd);
  launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3classify "
      "model=\"%s\" ! fakesink", path);
  mnv3_test_expect_start_error (launch, path);
  g_unlink (path);
  g_free (launch);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_wrong_model_task)
{
  gchar *launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3classify "
      "model=\"%s/models/selfie_segmentation.tflite\" ! fakesink",
      g_getenv ("MNV3_SOURCE_ROOT"));

  mnv3_test_expect_start_error (launch, "class scores");
  g_free (launch);
}

GST_END_TEST;

GST_START_TEST (test_labels_wrong_count)
{
  gchar *path = NULL, *launch;
  gint fd = g_file_open_tmp ("mnv3-labels-XXXXXX.txt", &path, NULL);

  fail_unless (fd >= 0);
  fail_unless (write (fd, "cat\ndog\nbird\n", 13) == 13);
  close (fd);
  launch = g_strdup_printf ("videotestsrc num-buffers=1 ! mnv3classify "
      "labels-file=\"%s\" ! fakesink", path);
  mnv3_test_expect_start_error (launch, "labels list 3 classes");
  g_unlink (path);
  g_free (launch);
  g_free (path);

  mnv3_test_expect_start_error ("videotestsrc num-buffers=1 ! mnv3classify "
      "labels-file=/nonexistent/labels.txt ! fakesink",
      "/nonexistent/labels.txt");
}

GST_END_TEST;

static guint invalid_value_logs;

static void
count_invalid_value (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer user_data)
{
  if (strstr (message, "out of range") || strstr (message, "invalid"))
    invalid_value_logs++;
  else
    g_log_default_handler (domain, level, message, user_data);
}

GST_START_TEST (test_invalid_properties)
{
  GstElement *e = gst_element_factory_make ("mnv3classify", NULL);
  gint threads;
  guint interval, top_k;

  fail_unless (e != NULL);
  g_object_get (e, "num-threads", &threads, NULL);
  /* 0: automatic (every core in sync mode, one fewer in async mode) */
  fail_unless_equals_int (threads, 0);
  /* Out of the param spec range.  GLib refuses the value with a warning
   * (GStreamer 1.22's GLib 2.74) or, in newer GLib, may clamp it into the
   * range; either way the element never holds an out-of-range value. */
  g_log_set_handler ("GLib-GObject", G_LOG_LEVEL_WARNING
      | G_LOG_LEVEL_CRITICAL, count_invalid_value, NULL);
  invalid_value_logs = 0;
  g_object_set (e, "num-threads", -1, NULL);
  g_object_set (e, "inference-interval", 0, NULL);
  g_object_set (e, "top-k", 0, NULL);
  g_object_get (e, "num-threads", &top_k, NULL);
  fail_unless ((gint) top_k == threads,
      "num-threads became %d", (gint) top_k);
  g_object_get (e, "inference-interval", &interval, "top-k", &top_k, NULL);
  fail_unless_equals_int (interval, 1);
  fail_unless (top_k == 5 || top_k == 1, "top-k became %u", top_k);
  /* refused values are reported */
  fail_unless (invalid_value_logs == 3 || (top_k == 1),
      "%u warnings for 3 refused values", invalid_value_logs);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_unsupported_caps)
{
  GstHarness *h = gst_harness_new ("mnv3classify");
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64 * 48, NULL);

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* State cycles: no leak (checked by LSan in the sanitizer build), no hang,
 * every cycle loads and releases the model. */
GST_START_TEST (test_state_cycles)
{
  GstElement *p = gst_parse_launch ("videotestsrc is-live=false ! "
      "video/x-raw,width=160,height=120 ! mnv3classify num-threads=1 ! "
      "fakesink sync=false", NULL);
  guint alive;
  gint i;

  fail_unless (p != NULL);
  for (i = 0; i < 200; i++) {
    mnv3_test_state_cycle (p);
  }
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 0);
  gst_object_unref (p);
}

GST_END_TEST;

void
test_classify_add_error_tests (Suite * s)
{
  TCase *tc_err = tcase_create ("errors");
  TCase *tc_cycle = tcase_create ("cycles");

  tcase_add_test (tc_err, test_missing_model);
  tcase_add_test (tc_err, test_corrupt_model);
  tcase_add_test (tc_err, test_wrong_model_task);
  tcase_add_test (tc_err, test_labels_wrong_count);
  tcase_add_test (tc_err, test_directory_as_model);
  tcase_add_test (tc_err, test_invalid_properties);
  tcase_add_test (tc_err, test_unsupported_caps);
  suite_add_tcase (s, tc_err);

  tcase_add_test (tc_cycle, test_state_cycles);
  tcase_set_timeout (tc_cycle, 300);
  suite_add_tcase (s, tc_cycle);
}
