/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test_classify, second part: mnv3classify's results as bus messages
 * (post-messages, one per region with inference-region=roi-list, class
 * numbers when there are no labels) and the regions of DL Streamer's
 * tracker classified every reclassify-interval frames.  The photo, its
 * frames and the harness are test-classify.c's (test-classify.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstmnv3meta.h"
#include "test-classify.h"

GST_START_TEST (test_post_messages)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify post-messages=true "
      "top-k=2", GST_VIDEO_FORMAT_RGB);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  const GstStructure *s;
  const GValue *labels, *scores;
  gboolean fresh;

  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (s, "mnv3-classification"));
  fail_unless (gst_structure_get_boolean (s, "fresh", &fresh) && fresh);
  labels = gst_structure_get_value (s, "labels");
  scores = gst_structure_get_value (s, "scores");
  fail_unless (labels && GST_VALUE_HOLDS_ARRAY (labels));
  fail_unless_equals_int (gst_value_array_get_size (labels), 2);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (labels, 0)), "Egyptian cat");
  fail_unless (g_value_get_float (gst_value_array_get_value (scores, 0)) >
      0.3f);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* inference-region=roi-list with post-messages: one message per region
 * (it used to post nothing in this mode). */
GST_START_TEST (test_post_messages_roi_list)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify post-messages=true "
      "inference-region=roi-list top-k=1", GST_VIDEO_FORMAT_RGB);
  GstBus *bus = gst_bus_new ();
  GstBuffer *in = make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, NULL);
  GstVideoRegionOfInterestMeta *roi;
  GstMessage *msg;
  gint i, region_id;

  gst_element_set_bus (h->element, bus);
  roi = gst_buffer_add_video_region_of_interest_meta (in, "cat", 0, 0,
      chelsea.width, chelsea.height);
  roi->id = 4;
  roi = gst_buffer_add_video_region_of_interest_meta (in, "cat", 10, 10,
      chelsea.width / 2, chelsea.height / 2);
  roi->id = 5;
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  for (i = 0; i < 2; i++) {
    const GstStructure *s;
    const GValue *rect;

    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "message %d missing", i);
    s = gst_message_get_structure (msg);
    fail_unless (gst_structure_has_name (s, "mnv3-classification"));
    fail_unless (gst_structure_get_int (s, "region-id", &region_id));
    fail_unless_equals_int (region_id, 4 + i);
    fail_unless_equals_string (gst_structure_get_string (s, "region-type"),
        "cat");
    rect = gst_structure_get_value (s, "region");
    fail_unless (rect && gst_value_array_get_size (rect) == 4);
    fail_unless_equals_int (g_value_get_int (gst_value_array_get_value (rect,
                2)), i == 0 ? chelsea.width : chelsea.width / 2);
    gst_message_unref (msg);
  }
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* reclassify-interval=3: a tracked region (DL Streamer's object_id) is
 * classified on every third frame and keeps its result in between; an
 * untracked one every frame; a track that went away starts afresh. */
static GstBuffer *
frame_with_tracked_rois (gboolean with_tracked)
{
  GstBuffer *in = make_frame (GST_VIDEO_FORMAT_RGB, &chelsea, NULL);
  GstVideoRegionOfInterestMeta *roi;

  if (with_tracked) {
    roi = gst_buffer_add_video_region_of_interest_meta (in, "cat", 0, 0,
        chelsea.width, chelsea.height);
    roi->id = 7;
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("object_id", "id", G_TYPE_INT, 7, NULL));
  }
  roi = gst_buffer_add_video_region_of_interest_meta (in, "cat", 10, 10,
      chelsea.width / 2, chelsea.height / 2);
  roi->id = 8;
  return in;
}

GST_START_TEST (test_reclassify_interval)
{
  GstHarness *h = harness_with_frame_caps ("mnv3classify "
      "inference-region=roi-list reclassify-interval=3 top-k=1",
      GST_VIDEO_FORMAT_RGB);
  /* frame i: is the tracked region present, and is its result fresh */
  static const gboolean present[] = { 1, 1, 1, 1, 0, 1, 1 };
  static const gboolean fresh[] = { 1, 0, 0, 1, 0, 1, 0 };
  gint i;

  for (i = 0; i < (gint) G_N_ELEMENTS (present); i++) {
    GstBuffer *out = gst_harness_push_and_pull (h,
        frame_with_tracked_rois (present[i]));
    gpointer state = NULL;
    GstMeta *meta;
    gboolean seen7 = FALSE, seen8 = FALSE;

    while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                GST_MNV3_CLASSIFICATION_META_API_TYPE))) {
      GstMnv3ClassificationMeta *m = (GstMnv3ClassificationMeta *) meta;

      fail_unless (m->n_results == 1 && is_cat (m));
      if (m->region_id == 7) {
        seen7 = TRUE;
        fail_unless_equals_int (m->fresh, fresh[i]);
      } else {
        fail_unless_equals_int (m->region_id, 8);
        seen8 = TRUE;
        fail_unless (m->fresh, "frame %d: untracked region not classified",
            i);
      }
    }
    fail_unless_equals_int (seen7, present[i]);
    fail_unless (seen8);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An empty labels file means no labels (class numbers), and the message
 * must still carry one string per result, never NULL (which GStreamer
 * cannot serialise). */
GST_START_TEST (test_post_messages_without_labels)
{
  gchar *path = NULL, *launch, *want;
  gint fd = g_file_open_tmp ("mnv3-empty-XXXXXX.labels", &path, NULL);
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  const GstStructure *s;
  const GValue *labels, *ids;
  gchar *text;

  fail_unless (fd >= 0);
  close (fd);
  launch = g_strdup_printf ("mnv3classify post-messages=true top-k=3 "
      "labels-file=\"%s\"", path);
  h = harness_with_frame_caps (launch, GST_VIDEO_FORMAT_RGB);
  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, make_frame (GST_VIDEO_FORMAT_RGB,
              &chelsea, NULL)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  labels = gst_structure_get_value (s, "labels");
  ids = gst_structure_get_value (s, "class-ids");
  fail_unless_equals_int (gst_value_array_get_size (labels), 3);
  for (guint i = 0; i < 3; i++) {
    const gchar *l = g_value_get_string (gst_value_array_get_value (labels,
            i));
    want = g_strdup_printf ("class %d",
        g_value_get_int (gst_value_array_get_value (ids, i)));
    fail_unless (l != NULL, "label %u is NULL", i);
    fail_unless_equals_string (l, want);
    g_free (want);
  }
  /* what gst-launch -m does with it */
  text = gst_structure_to_string (s);
  fail_unless (strstr (text, "class") != NULL, "%s", text);
  g_free (text);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_unlink (path);
  g_free (launch);
  g_free (path);
}

GST_END_TEST;

void
test_classify_add_message_tests (TCase * tc)
{
  tcase_add_test (tc, test_post_messages);
  tcase_add_test (tc, test_post_messages_roi_list);
  tcase_add_test (tc, test_reclassify_interval);
  tcase_add_test (tc, test_post_messages_without_labels);
}
