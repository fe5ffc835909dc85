/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metaconvert: the JSON lines it writes (file and bus) parse back with
 * json-glib and say what the meta says (label, id, score, top-k, model,
 * freshness, region), with the frame's resolution and timestamp, the source
 * and tags properties; frames without results give nothing (as
 * gvametaconvert) or, with add-empty-results, an empty "objects"; bad
 * settings fail with a clear error.
 *
 * The results are attached by the test, so no model is involved.
 */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "gstmnv3meta.h"

#define W 320
#define H 240
#define CAPS "video/x-raw,format=RGB,width=320,height=240,framerate=25/1"
/* scores are written with 6 decimals */
#define SCORE_TOL 1e-6

static void
ensure_plugin (void)
{
  const gchar *root = g_getenv ("MNV3_BUILD_ROOT");
  GstElementFactory *f = gst_element_factory_find ("mnv3metaconvert");

  if (!f && root) {
    gchar *dir = g_build_filename (root, "elements", NULL);
    gst_registry_scan_path (gst_registry_get (), dir);
    g_free (dir);
    f = gst_element_factory_find ("mnv3metaconvert");
  }
  fail_unless (f != NULL, "mnv3metaconvert not found (GST_PLUGIN_PATH?)");
  gst_object_unref (f);
}

static GstBuffer *
make_frame (GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H * 3, NULL);

  gst_buffer_memset (buf, 0, 0x40, W * H * 3);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 25;
  return buf;
}

static const gint cat_ids[] = { 285, 281, 282 };
static const gchar *cat_labels[] = { "Egyptian cat", "tabby", "tiger cat" };
static const gfloat cat_scores[] = { 0.8734f, 0.0612f, 0.0233f };

static GstMnv3ClassificationMeta *
add_cat (GstBuffer * buf, gboolean fresh)
{
  GstVideoRectangle full = { 0, 0, W, H };
  GstMnv3ClassificationMeta *m;

  m = gst_buffer_add_mnv3_classification_meta (buf, "mobilenet_v3_small", 3,
      cat_ids, cat_labels, cat_scores, fresh, &full);
  fail_unless (m != NULL);
  m->fps = 31.25;
  m->latency_ms = 6.5;
  return m;
}

/* A temporary file name for the JSON output. */
static gchar *
temp_path (void)
{
  GError *err = NULL;
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("mnv3-metaconvert-XXXXXX.jsonl", &path, &err);

  fail_unless (fd >= 0, "no temporary file: %s", err ? err->message : "?");
  close (fd);
  return path;
}

static gchar **
read_lines (const gchar * path)
{
  gchar *text = NULL;
  gchar **lines;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  /* one object per line, each line terminated */
  fail_unless (*text == '\0' || g_str_has_suffix (text, "\n"));
  if (*text)
    text[strlen (text) - 1] = '\0';
  lines = *text ? g_strsplit (text, "\n", -1) : g_new0 (gchar *, 1);
  g_free (text);
  return lines;
}

static JsonObject *
parse_object (const gchar * line, JsonParser ** parser_out)
{
  JsonParser *parser = json_parser_new ();
  GError *err = NULL;

  fail_unless (json_parser_load_from_data (parser, line, -1, &err),
      "not JSON: %s (%s)", line, err ? err->message : "");
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

/* Queued messages hold the element and the element holds the bus: flush
 * them so both go. */
static void
drop_bus (GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static GstHarness *
metaconvert_harness (const gchar * props, GstBus ** bus_out)
{
  gchar *desc = g_strdup_printf ("mnv3metaconvert %s", props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBus *bus = gst_bus_new ();

  g_free (desc);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CAPS);
  *bus_out = bus;
  return h;
}

/* A full-frame classification: an entry of the frame's "tensors" (where
 * DL Streamer's gvametaconvert writes frame-level results), not an object
 * (objects are regions, with a "detection" block readers rely on). */
static void
check_cat_tensor (JsonObject * root, gboolean fresh)
{
  JsonObject *cls;
  JsonArray *top;

  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (root, "objects")), 0);
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (root, "tensors")), 1);
  cls = json_array_get_object_element (json_object_get_array_member (root,
          "tensors"), 0);
  fail_unless_equals_string (json_object_get_string_member (cls, "name"),
      "mobilenet_v3_small");
  fail_unless_equals_string (json_object_get_string_member (cls,
          "model_name"), "mobilenet_v3_small");
  fail_unless_equals_string (json_object_get_string_member (cls, "label"),
      "Egyptian cat");
  fail_unless_equals_int (json_object_get_int_member (cls, "label_id"), 285);
  fail_unless (fabs (json_object_get_double_member (cls, "confidence") -
          0.8734) < SCORE_TOL);
  fail_unless_equals_int (json_object_get_boolean_member (cls, "fresh"),
      fresh);
  fail_unless (fabs (json_object_get_double_member (cls, "fps") - 31.25) <
      1e-3);
  fail_unless (fabs (json_object_get_double_member (cls, "latency_ms") -
          6.5) < 1e-3);

  top = json_object_get_array_member (cls, "top_k");
  fail_unless_equals_int (json_array_get_length (top), 3);
  for (guint i = 0; i < 3; i++) {
    JsonObject *c = json_array_get_object_element (top, i);
    fail_unless_equals_string (json_object_get_string_member (c, "label"),
        cat_labels[i]);
    fail_unless_equals_int (json_object_get_int_member (c, "label_id"),
        cat_ids[i]);
    fail_unless (fabs (json_object_get_double_member (c, "confidence") -
            cat_scores[i]) < SCORE_TOL);
  }
}

/* The file and the bus get the same line; it matches the meta. */
GST_START_TEST (test_json_matches_meta)
{
  gchar *path = temp_path ();
  gchar *props = g_strdup_printf ("location=%s post-messages=true "
      "source=chelsea.png tags=\"{\\\"camera\\\":\\\"door\\\",\\\"n\\\":3}\"",
      path);
  GstBus *bus;
  GstHarness *h = metaconvert_harness (props, &bus);
  GstBuffer *in = make_frame (40 * GST_MSECOND), *out;
  GstMessage *msg;
  const GstStructure *s;
  JsonParser *parser;
  JsonObject *root, *res, *tags;
  gchar **lines;
  guint64 ts = 0;

  add_cat (in, TRUE);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  /* passthrough: the very buffer, meta and all */
  fail_unless (out == in);
  fail_unless (gst_buffer_get_mnv3_classification_meta (out) != NULL);
  gst_buffer_unref (out);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL, "no element message");
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (s, "mnv3-json"));
  fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
  fail_unless_equals_uint64 (ts, 40 * GST_MSECOND);
  gst_harness_teardown (h);     /* closes the file */

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 1);
  fail_unless_equals_string (lines[0], gst_structure_get_string (s, "json"));

  root = parse_object (lines[0], &parser);
  res = json_object_get_object_member (root, "resolution");
  fail_unless_equals_int (json_object_get_int_member (res, "width"), W);
  fail_unless_equals_int (json_object_get_int_member (res, "height"), H);
  fail_unless_equals_int64 (json_object_get_int_member (root, "timestamp"),
      40 * GST_MSECOND);
  fail_unless_equals_string (json_object_get_string_member (root, "source"),
      "chelsea.png");
  tags = json_object_get_object_member (root, "tags");
  fail_unless_equals_string (json_object_get_string_member (tags, "camera"),
      "door");
  fail_unless_equals_int (json_object_get_int_member (tags, "n"), 3);
  check_cat_tensor (root, TRUE);

  g_object_unref (parser);
  g_strfreev (lines);
  gst_message_unref (msg);
  drop_bus (bus);
  g_unlink (path);
  g_free (path);
  g_free (props);
}

GST_END_TEST;

/* One line per frame, in order; carried-forward results say fresh=false;
 * with add-empty-results, frames without results have an empty
 * "objects" and no "tensors". */
GST_START_TEST (test_json_lines_per_frame)
{
  gchar *path = temp_path ();
  gchar *props = g_strdup_printf ("location=%s add-empty-results=true",
      path);
  GstBus *bus;
  GstHarness *h = metaconvert_harness (props, &bus);
  gchar **lines;

  for (int i = 0; i < 3; i++) {
    GstBuffer *in = make_frame (i * GST_SECOND / 25);
    if (i < 2)
      add_cat (in, i == 0);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  /* no post-messages: nothing on the bus */
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  gst_harness_teardown (h);

  lines = read_lines (path);
  fail_unless_equals_int (g_strv_length (lines), 3);
  for (int i = 0; i < 3; i++) {
    JsonParser *parser;
    JsonObject *root = parse_object (lines[i], &parser);
    JsonArray *objects = json_object_get_array_member (root, "objects");

    fail_unless_equals_int64 (json_object_get_int_member (root, "timestamp"),
        i * GST_SECOND / 25);
    fail_if (json_object_has_member (root, "source"));
    fail_if (json_object_has_member (root, "tags"));
    fail_unless (objects != NULL);
    if (i < 2) {
      check_cat_tensor (root, i == 0);
    } else {
      fail_unless_equals_int (json_array_get_length (objects), 0);
      fail_if (json_object_has_member (root, "tensors"));
    }
    g_object_unref (parser);
  }
  g_strfreev (lines);
  drop_bus (bus);
  g_unlink (path);
  g_free (path);
  g_free (props);
}

GST_END_TEST;

GST_START_TEST (test_skip_empty)
{
  GstBus *bus;
  GstHarness *h = metaconvert_harness ("post-messages=true skip-empty=true",
      &bus);
  GstBuffer *in = make_frame (0);
  GstMessage *msg;

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);

  in = make_frame (GST_SECOND / 25);
  add_cat (in, TRUE);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  gst_message_unref (msg);

  gst_harness_teardown (h);
  drop_bus (bus);
}

GST_END_TEST;

/* A result about a region: its box normalised to the frame, its id, and
 * the label of the detection (GstVideoRegionOfInterestMeta) it refers to;
 * two models on the same region give two attribute blocks in one object. */
GST_START_TEST (test_region_object)
{
  GstBus *bus;
  GstHarness *h = metaconvert_harness ("post-messages=true", &bus);
  GstBuffer *in = make_frame (0);
  GstVideoRegionOfInterestMeta *roi;
  GstMnv3ClassificationMeta *m;
  GstVideoRectangle r = { 80, 60, 160, 120 };
  const gint ids[] = { 7 };
  const gchar *labels[] = { "red" };
  const gfloat scores[] = { 0.5f };
  GstMessage *msg;
  JsonParser *parser;
  JsonObject *root, *obj, *det, *bbox;
  JsonArray *objects;

  roi = gst_buffer_add_video_region_of_interest_meta (in, "cat", 80, 60, 160,
      120);
  roi->id = 5;                  /* the add function leaves it 0 */
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("detection", "confidence", G_TYPE_DOUBLE, 0.75,
          "label_id", G_TYPE_INT, 17, NULL));
  m = add_cat (in, TRUE);
  m->region = r;
  m->region_id = roi->id;
  m = gst_buffer_add_mnv3_classification_meta (in, "colour", 1, ids, labels,
      scores, TRUE, &r);
  m->region_id = roi->id;
  m->frame_width = W;           /* r is a part of a W x H frame */
  m->frame_height = H;

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  root = parse_object (gst_structure_get_string (gst_message_get_structure
          (msg), "json"), &parser);
  objects = json_object_get_array_member (root, "objects");
  fail_unless_equals_int (json_array_get_length (objects), 1);
  obj = json_array_get_object_element (objects, 0);
  fail_unless_equals_int (json_object_get_int_member (obj, "x"), 80);
  fail_unless_equals_int (json_object_get_int_member (obj, "w"), 160);
  fail_unless_equals_int (json_object_get_int_member (obj, "region_id"),
      roi->id);
  fail_unless_equals_string (json_object_get_string_member (obj, "roi_type"),
      "cat");
  det = json_object_get_object_member (obj, "detection");
  bbox = json_object_get_object_member (det, "bounding_box");
  fail_unless_equals_float (json_object_get_double_member (bbox, "x_min"),
      0.25);
  fail_unless_equals_float (json_object_get_double_member (bbox, "y_min"),
      0.25);
  fail_unless_equals_float (json_object_get_double_member (bbox, "x_max"),
      0.75);
  fail_unless_equals_float (json_object_get_double_member (bbox, "y_max"),
      0.75);
  fail_unless_equals_float (json_object_get_double_member (det, "confidence"),
      0.75);
  fail_unless_equals_int (json_object_get_int_member (det, "label_id"), 17);
  fail_unless_equals_string (json_object_get_string_member (det, "label"),
      "cat");
  /* attribute blocks are named by model, as DL Streamer names them by
   * attribute */
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (obj, "mobilenet_v3_small"), "label"),
      "Egyptian cat");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (obj, "colour"), "label"),
      "red");

  g_object_unref (parser);
  gst_message_unref (msg);
  gst_harness_teardown (h);
  drop_bus (bus);
}

GST_END_TEST;

/* A result without labels: label_id and confidence, no "label". */
GST_START_TEST (test_no_labels)
{
  GstBus *bus;
  GstHarness *h = metaconvert_harness ("post-messages=true", &bus);
  GstBuffer *in = make_frame (0);
  const gint ids[] = { 3 };
  const gfloat scores[] = { 0.25f };
  GstMessage *msg;
  JsonParser *parser;
  JsonObject *root, *cls;

  gst_buffer_add_mnv3_classification_meta (in, "m", 1, ids, NULL, scores,
      TRUE, NULL);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  root = parse_object (gst_structure_get_string (gst_message_get_structure
          (msg), "json"), &parser);
  cls = json_array_get_object_element (json_object_get_array_member (root,
          "tensors"), 0);
  fail_if (json_object_has_member (cls, "label"));
  fail_unless_equals_int (json_object_get_int_member (cls, "label_id"), 3);
  fail_unless_equals_float (json_object_get_double_member (cls, "confidence"),
      0.25);
  g_object_unref (parser);
  gst_message_unref (msg);
  gst_harness_teardown (h);
  drop_bus (bus);
}

GST_END_TEST;

/* Going to PAUSED fails with @expected in the error message. */
static void
check_start_error (const gchar * prop, const gchar * value,
    const gchar * expected)
{
  GstElement *e = gst_element_factory_make ("mnv3metaconvert", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (e, bus);
  g_object_set (e, prop, value, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message for %s=%s", prop, value);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, expected) != NULL,
      "error \"%s\" does not mention \"%s\"", err->message, expected);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  drop_bus (bus);
}

GST_START_TEST (test_bad_settings)
{
  check_start_error ("location", "/nonexistent-dir/x/out.jsonl",
      "/nonexistent-dir/x/out.jsonl");
  check_start_error ("tags", "{not json", "not valid JSON");
  check_start_error ("tags", "[1, 2]", "must be a JSON object");
}

GST_END_TEST;

/* End to end, with the real model: chelsea.png through mnv3classify,
 * mnv3overlay (RGB: blended) and mnv3metaconvert; every frame's JSON names
 * a cat class and the meta survives the overlay. */
GST_START_TEST (test_pipeline_chelsea)
{
  const gchar *data = g_getenv ("MNV3_TEST_DATA");
  gchar *png = g_build_filename (data ? data : "tests/data", "chelsea.png",
      NULL);
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! pngdec "
      "! imagefreeze num-buffers=3 ! mnv3classify top-k=3 ! mnv3overlay "
      "! mnv3metaconvert post-messages=true source=chelsea.png ! fakesink",
      png);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstBus *bus;
  guint n_json = 0;
  gboolean eos = FALSE;

  fail_unless (pipeline != NULL, "%s: %s", desc, err ? err->message : "");
  bus = gst_element_get_bus (pipeline);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  while (!eos) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

    fail_unless (msg != NULL, "timeout");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gst_message_parse_error (msg, &e, NULL);
      fail ("error: %s", e->message);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      eos = TRUE;
    } else if (gst_structure_has_name (gst_message_get_structure (msg),
            "mnv3-json")) {
      JsonParser *parser;
      JsonObject *root = parse_object (gst_structure_get_string
          (gst_message_get_structure (msg), "json"), &parser);
      JsonArray *tensors = json_object_get_array_member (root, "tensors");
      JsonObject *cls;
      const gchar *label;

      fail_unless_equals_int (json_object_get_int_member
          (json_object_get_object_member (root, "resolution"), "width"), 451);
      fail_unless_equals_int (json_array_get_length (tensors), 1);
      cls = json_array_get_object_element (tensors, 0);
      label = json_object_get_string_member (cls, "label");
      fail_unless (label && strstr (label, "cat"), "top-1 is %s", label);
      fail_unless_equals_int (json_array_get_length
          (json_object_get_array_member (cls, "top_k")), 3);
      g_object_unref (parser);
      n_json++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (n_json, 3);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (png);
}

GST_END_TEST;

static Suite *
mnv3metaconvert_suite (void)
{
  Suite *s = suite_create ("mnv3metaconvert");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, ensure_plugin, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_json_matches_meta);
  tcase_add_test (tc, test_json_lines_per_frame);
  tcase_add_test (tc, test_skip_empty);
  tcase_add_test (tc, test_region_object);
  tcase_add_test (tc, test_no_labels);
  tcase_add_test (tc, test_bad_settings);

  /* needs the model and pngdec/imagefreeze (gst-plugins-good) */
  tc = tcase_create ("pipeline");
  tcase_add_checked_fixture (tc, ensure_plugin, NULL);
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pipeline_chelsea);
  return s;
}

GST_CHECK_MAIN (mnv3metaconvert);
