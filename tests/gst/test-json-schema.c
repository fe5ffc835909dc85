/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3metaconvert's JSON read by a reader written to DL Streamer's
 * documented gvametaconvert schema (docs/metadata.md, "DL Streamer
 * compatibility"), the way its consumers read it:
 *
 *   frame   = { resolution?: {width: int > 0, height: int > 0},
 *               timestamp?: int >= 0, source?: string, tags?: object,
 *               objects?: [object], tensors?: [tensor] }
 *   object  = { x, y, w, h: int >= 0, id?: int, region_id?: int,
 *               roi_type?: string, detection?: detection,
 *               <attribute>?: attribute ... }
 *   detection = { bounding_box: {x_min, y_min, x_max, y_max: number in
 *               [0, 1], min <= max}, confidence: number in [0, 1],
 *               label_id?: int, label?: string }
 *   attribute = { label?: string, label_id?: int, confidence?: number in
 *               [0, 1], model: {name: string} }
 *   tensor  = { name: string, model_name?: string, label?: string,
 *               label_id?: int, confidence?: number in [0, 1] }
 *
 * Readers do `obj["detection"]["confidence"]` and
 * `obj[attr]["model"]["name"]`, so those are required where the block
 * exists.  mnv3's own members (fresh, predicted, top_k, latency_ms, fps,
 * source_timestamp, age_ms, segmentation) are allowed beside them.  Also
 * checked: numbers are written with at most 9 significant digits, and no
 * label is COCO's "N/A" placeholder.
 *
 * The metas are attached by the test (as mnv3detect, mnv3classify,
 * mnv3segment, another detector and mnv3track would leave them).
 */
#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "gstmnv3meta.h"
#include "gstmnv3detectionmeta.h"
#include "gstmnv3segmentationmeta.h"

#define W 640
#define H 480
#define CAPS "video/x-raw,format=BGRx,width=640,height=480,framerate=30/1"

/* ---- the reader ------------------------------------------------------------ */

/* Each check returns FALSE with *why set on the first violation. */
#define REQUIRE(cond, ...) G_STMT_START { \
  if (!(cond)) { \
    *why = g_strdup_printf (__VA_ARGS__); \
    return FALSE; \
  } \
} G_STMT_END

static gboolean
is_number (JsonNode * n)
{
  GType t;

  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  return t == G_TYPE_DOUBLE || t == G_TYPE_INT64;
}

static gboolean
is_int (JsonNode * n)
{
  return n && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_INT64;
}

static gboolean
is_string (JsonNode * n)
{
  return n && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING;
}

static gboolean
check_unit (JsonObject * o, const gchar * name, gboolean required,
    gchar ** why)
{
  JsonNode *n = json_object_get_member (o, name);
  gdouble v;

  if (!n && !required)
    return TRUE;
  REQUIRE (is_number (n), "\"%s\" missing or not a number", name);
  v = json_node_get_double (n);
  REQUIRE (v >= 0.0 && v <= 1.0, "\"%s\" = %g not in [0, 1]", name, v);
  return TRUE;
}

static gboolean
check_label (JsonObject * o, gchar ** why)
{
  JsonNode *n = json_object_get_member (o, "label");

  if (json_object_has_member (o, "label_id"))
    REQUIRE (is_int (json_object_get_member (o, "label_id")),
        "\"label_id\" is not an integer");
  if (!n)
    return TRUE;
  REQUIRE (is_string (n), "\"label\" is not a string");
  REQUIRE (strcmp (json_node_get_string (n), "N/A") != 0,
      "COCO's N/A placeholder reported as a label");
  return TRUE;
}

static gboolean
check_detection (JsonObject * d, gchar ** why)
{
  static const gchar *edges[] = { "x_min", "y_min", "x_max", "y_max" };
  JsonObject *bb;
  guint i;

  REQUIRE (json_object_has_member (d, "bounding_box"),
      "detection without bounding_box");
  bb = json_object_get_object_member (d, "bounding_box");
  for (i = 0; i < G_N_ELEMENTS (edges); i++)
    if (!check_unit (bb, edges[i], TRUE, why))
      return FALSE;
  REQUIRE (json_object_get_double_member (bb, "x_min") <=
      json_object_get_double_member (bb, "x_max"), "x_min > x_max");
  REQUIRE (json_object_get_double_member (bb, "y_min") <=
      json_object_get_double_member (bb, "y_max"), "y_min > y_max");
  return check_unit (d, "confidence", TRUE, why) && check_label (d, why);
}

static gboolean
check_attribute (const gchar * name, JsonObject * a, gchar ** why)
{
  REQUIRE (json_object_has_member (a, "model")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (a, "model"))
      && is_string (json_object_get_member (json_object_get_object_member (a,
                  "model"), "name")),
      "attribute \"%s\" without \"model\": {\"name\"}", name);
  return check_label (a, why) && check_unit (a, "confidence", FALSE, why);
}

static gboolean
check_object (JsonObject * o, gchar ** why)
{
  static const gchar *ints[] = { "x", "y", "w", "h" };
  GList *members, *l;
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ints); i++)
    REQUIRE (is_int (json_object_get_member (o, ints[i]))
        && json_object_get_int_member (o, ints[i]) >= 0,
        "object member \"%s\" missing or not an integer >= 0", ints[i]);
  if (json_object_has_member (o, "id"))
    REQUIRE (is_int (json_object_get_member (o, "id")), "id not an integer");
  if (json_object_has_member (o, "roi_type"))
    REQUIRE (is_string (json_object_get_member (o, "roi_type")),
        "roi_type not a string");
  members = json_object_get_members (o);
  for (l = members; ok && l; l = l->next) {
    const gchar *name = l->data;
    JsonNode *n = json_object_get_member (o, name);

    if (!JSON_NODE_HOLDS_OBJECT (n))
      continue;
    if (strcmp (name, "detection") == 0)
      ok = check_detection (json_node_get_object (n), why);
    else
      ok = check_attribute (name, json_node_get_object (n), why);
  }
  g_list_free (members);
  return ok;
}

static gboolean
check_tensor (JsonObject * t, gchar ** why)
{
  REQUIRE (is_string (json_object_get_member (t, "name")),
      "tensor without a name");
  if (json_object_has_member (t, "model_name"))
    REQUIRE (is_string (json_object_get_member (t, "model_name")),
        "model_name not a string");
  return check_label (t, why) && check_unit (t, "confidence", FALSE, why);
}

/* No number of the text has more than 9 significant digits. */
static gboolean
check_short_numbers (const gchar * text, gchar ** why)
{
  const gchar *p = text;

  while (*p) {
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
          p++;
      if (*p)
        p++;
    } else if (g_ascii_isdigit (*p)) {
      guint sig = 0;
      gboolean leading = TRUE;

      for (; *p && (g_ascii_isdigit (*p) || *p == '.'); p++) {
        if (*p == '.')
          continue;
        if (*p != '0')
          leading = FALSE;
        sig += !leading;
      }
      REQUIRE (sig <= 9, "a number with %u significant digits", sig);
    } else {
      p++;
    }
  }
  return TRUE;
}

/* The whole reader: TRUE when @text is a frame as the schema says. */
static gboolean
reader_check (const gchar * text, gchar ** why)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *root;
  gboolean ok = TRUE;
  guint i;

  *why = NULL;
  if (!json_parser_load_from_data (parser, text, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_object_unref (parser);
    *why = g_strdup ("not a JSON object");
    return FALSE;
  }
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (root, "resolution")) {
    JsonObject *r = json_object_get_object_member (root, "resolution");
    ok = r && json_object_get_int_member (r, "width") > 0
        && json_object_get_int_member (r, "height") > 0;
    if (!ok)
      *why = g_strdup ("bad resolution");
  }
  if (ok && json_object_has_member (root, "timestamp")) {
    ok = is_int (json_object_get_member (root, "timestamp"))
        && json_object_get_int_member (root, "timestamp") >= 0;
    if (!ok)
      *why = g_strdup ("bad timestamp");
  }
  if (ok && json_object_has_member (root, "objects")) {
    JsonArray *a = json_object_get_array_member (root, "objects");
    for (i = 0; ok && i < json_array_get_length (a); i++)
      ok = check_object (json_array_get_object_element (a, i), why);
  }
  if (ok && json_object_has_member (root, "tensors")) {
    JsonArray *a = json_object_get_array_member (root, "tensors");
    for (i = 0; ok && i < json_array_get_length (a); i++)
      ok = check_tensor (json_array_get_object_element (a, i), why);
  }
  if (ok)
    ok = check_short_numbers (text, why);
  g_object_unref (parser);
  return ok;
}

/* Checks @text with the reader; returns its root (unref the parser). */
static JsonObject *
read_frame (const gchar * text, JsonParser ** parser_out)
{
  JsonParser *parser = json_parser_new ();
  gchar *why = NULL;

  fail_unless (reader_check (text, &why), "%s: %s", why, text);
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL));
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

/* ---- producing JSON ---------------------------------------------------------- */

static GstHarness *
json_harness (const gchar * chain, GstBus ** bus_out)
{
  GstHarness *h = gst_harness_new_parse (chain);
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CAPS);
  *bus_out = bus;
  return h;
}

/* The JSON of pushing @buf, or NULL when none was written. */
static gchar *
push_for_json (GstHarness * h, GstBus * bus, GstBuffer * buf)
{
  GstMessage *msg;
  gchar *text = NULL;

  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  if (msg) {
    text = g_strdup (gst_structure_get_string (gst_message_get_structure
            (msg), "json"));
    gst_message_unref (msg);
  }
  return text;
}

static void
drop_bus (GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static GstBuffer *
frame (gint i)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, W * H * 4, NULL);

  GST_BUFFER_PTS (b) = i * GST_SECOND / 30;
  GST_BUFFER_DURATION (b) = GST_SECOND / 30;
  return b;
}

static GstVideoRegionOfInterestMeta *
add_roi (GstBuffer * b, const gchar * label, gint id, gint label_id,
    gdouble conf, gint x, gint y, gint w, gint h)
{
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (b, label, x, y, w, h);

  roi->id = id;
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("detection",
          "x_min", G_TYPE_DOUBLE, (gdouble) x / W,
          "y_min", G_TYPE_DOUBLE, (gdouble) y / H,
          "x_max", G_TYPE_DOUBLE, (gdouble) (x + w) / W,
          "y_max", G_TYPE_DOUBLE, (gdouble) (y + h) / H,
          "confidence", G_TYPE_DOUBLE, conf,
          "label_id", G_TYPE_INT, label_id,
          "label", G_TYPE_STRING, label, NULL));
  return roi;
}

/* As mnv3detect leaves a frame: its meta (computed on an earlier frame, as
 * in async mode) and the ROI metas; a secondary classification of box 1. */
static GstBuffer *
detect_frame (gint i, gfloat dx)
{
  GstBuffer *b = frame (i);
  GstMnv3Detection d[2] = {
    {100 + dx, 80, 60, 120, 1, (gchar *) "person", 0.502042f, 1, 0, FALSE},
    {400 - dx, 200, 160, 90, 3, (gchar *) "car", 0.9f, 2, 0, FALSE},
  };
  GstMnv3DetectionMeta *m = gst_buffer_add_mnv3_detection_meta (b,
      "ssdlite.onnx", 2, d, TRUE, W, H);
  const gint ids[] = { 409 };
  const gchar *labels[] = { "backpack" };
  const gfloat scores[] = { 0.61f };
  GstVideoRectangle r = { (gint) d[0].x, 80, 60, 120 };
  GstMnv3ClassificationMeta *c;

  m->source_pts = GST_BUFFER_PTS (b) - GST_SECOND / 30;
  m->age = GST_SECOND / 30;
  add_roi (b, "person", 1, 1, 0.502042, (gint) d[0].x, 80, 60, 120);
  add_roi (b, "car", 2, 3, 0.9, (gint) d[1].x, 200, 160, 90);
  c = gst_buffer_add_mnv3_classification_meta (b, "bags.tflite", 1, ids,
      labels, scores, TRUE, &r);
  c->region_id = 1;
  c->frame_width = W;
  c->frame_height = H;
  return b;
}

/* ---- tests ------------------------------------------------------------------- */

/* Detections, tracked: every object has a detection block with a
 * confidence, the tracker's id, and the secondary classification as an
 * attribute block named by its model. */
GST_START_TEST (test_tracked_detections)
{
  GstBus *bus;
  GstHarness *h = json_harness ("mnv3track min-hits=1 ! mnv3metaconvert "
      "post-messages=true", &bus);
  gint i;

  for (i = 0; i < 4; i++) {
    gchar *text = push_for_json (h, bus, detect_frame (i, 3.0f * i));
    JsonParser *parser;
    JsonObject *root, *person = NULL;
    JsonArray *objects;
    guint k;

    fail_unless (text != NULL);
    root = read_frame (text, &parser);
    objects = json_object_get_array_member (root, "objects");
    fail_unless_equals_int (json_array_get_length (objects), 2);
    for (k = 0; k < 2; k++) {
      JsonObject *o = json_array_get_object_element (objects, k);
      JsonObject *det = json_object_get_object_member (o, "detection");

      fail_unless (json_object_get_int_member (o, "id") > 0);
      fail_unless (json_object_has_member (det, "predicted"));
      if (strcmp (json_object_get_string_member (det, "label"), "person") ==
          0)
        person = o;
    }
    fail_unless (person != NULL);
    /* the same object keeps its id */
    fail_unless_equals_int (json_object_get_int_member (person, "id"), 1);
    fail_unless_equals_int64 (json_object_get_int_member
        (json_object_get_object_member (person, "detection"),
            "source_timestamp"), (gint64) (i * GST_SECOND / 30 -
            GST_SECOND / 30));
    fail_unless (strstr (text, "0.502042") != NULL, "%s", text);
    fail_unless_equals_string (json_object_get_string_member
        (json_object_get_object_member (person, "bags"), "label"),
        "backpack");
    g_object_unref (parser);
    g_free (text);
  }
  gst_harness_teardown (h);
  drop_bus (bus);
}

GST_END_TEST;

/* Boxes another detector attached (ROI metas only, one with DL Streamer's
 * object_id), written without any mnv3 element upstream. */
GST_START_TEST (test_foreign_rois)
{
  GstBus *bus;
  GstHarness *h = json_harness ("mnv3metaconvert post-messages=true", &bus);
  GstBuffer *b = frame (0);
  GstVideoRegionOfInterestMeta *roi;
  JsonParser *parser;
  JsonObject *root, *o;
  JsonArray *objects;
  gchar *text;

  roi = add_roi (b, "face", 7, 0, 0.875, 10, 20, 30, 40);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("object_id", "id", G_TYPE_INT, 42, NULL));
  add_roi (b, "face", 8, 0, 0.5, 200, 20, 30, 40);
  text = push_for_json (h, bus, b);
  fail_unless (text != NULL);
  root = read_frame (text, &parser);
  objects = json_object_get_array_member (root, "objects");
  fail_unless_equals_int (json_array_get_length (objects), 2);
  o = json_array_get_object_element (objects, 0);
  fail_unless_equals_int (json_object_get_int_member (o, "id"), 42);
  fail_unless_equals_int (json_object_get_int_member (o, "region_id"), 7);
  fail_unless_equals_int (json_object_get_int_member (o, "x"), 10);
  o = json_array_get_object_element (objects, 1);
  fail_if (json_object_has_member (o, "id"));
  g_object_unref (parser);
  g_free (text);
  gst_harness_teardown (h);
  drop_bus (bus);
}

GST_END_TEST;

/* Full-frame classification and segmentation; frames without results
 * write nothing unless add-empty-results. */
GST_START_TEST (test_frame_results_and_empty)
{
  GstBus *bus;
  GstHarness *h = json_harness ("mnv3metaconvert post-messages=true", &bus);
  const gint ids[] = { 285, 281 };
  const gchar *labels[] = { "Egyptian cat", "tabby" };
  const gfloat scores[] = { 0.66f, 0.1f };
  const gchar *seg_labels[] = { "background", "person" };
  guint8 *map = g_malloc0 (16 * 16);
  GstVideoRectangle full = { 0, 0, W, H };
  GBytes *bytes;
  GstBuffer *b = frame (0);
  JsonParser *parser;
  JsonObject *root, *t;
  gchar *text;

  memset (map, 1, 64);
  bytes = g_bytes_new_take (map, 16 * 16);
  gst_buffer_add_mnv3_classification_meta (b, "mobilenet_v3_small.tflite", 2,
      ids, labels, scores, TRUE, &full);
  fail_unless (gst_buffer_add_mnv3_segmentation_meta (b, "selfie.tflite", 16,
          16, bytes, NULL, 2, seg_labels, &full, W, H, TRUE) != NULL);
  g_bytes_unref (bytes);
  text = push_for_json (h, bus, b);
  fail_unless (text != NULL);
  root = read_frame (text, &parser);
  t = json_array_get_object_element (json_object_get_array_member (root,
          "tensors"), 0);
  fail_unless_equals_string (json_object_get_string_member (t, "name"),
      "mobilenet_v3_small");
  fail_unless_equals_string (json_object_get_string_member (t, "label"),
      "Egyptian cat");
  /* no box-less "detection" block anywhere */
  fail_unless (strstr (text, "\"detection\"") == NULL, "%s", text);
  g_object_unref (parser);
  g_free (text);

  /* nothing on the frame: no JSON (gvametaconvert's default) */
  fail_unless (push_for_json (h, bus, frame (1)) == NULL);
  gst_harness_teardown (h);
  drop_bus (bus);

  h = json_harness ("mnv3metaconvert post-messages=true "
      "add-empty-results=true", &bus);
  text = push_for_json (h, bus, frame (2));
  fail_unless (text != NULL);
  root = read_frame (text, &parser);
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (root, "objects")), 0);
  g_object_unref (parser);
  g_free (text);
  gst_harness_teardown (h);
  drop_bus (bus);
}

GST_END_TEST;

/* The reader refuses what readers would trip on (so the checks above do
 * check): a detection block without confidence, an attribute without
 * model, a 17-digit float, "N/A"; and takes a well-formed frame. */
GST_START_TEST (test_reader_rejects)
{
  static const gchar *bad[] = {
    "{\"objects\":[{\"x\":0,\"y\":0,\"w\":1,\"h\":1,\"detection\":"
        "{\"bounding_box\":{\"x_min\":0,\"y_min\":0,\"x_max\":1,\"y_max\":1}}}]}",
    "{\"objects\":[{\"x\":0,\"y\":0,\"w\":1,\"h\":1,\"colour\":"
        "{\"label\":\"red\"}}]}",
    "{\"tensors\":[{\"name\":\"a\",\"confidence\":0.50204199999999999}]}",
    "{\"tensors\":[{\"name\":\"a\",\"label\":\"N/A\"}]}",
    "{\"objects\":[{\"x\":0,\"y\":0,\"w\":-1,\"h\":1}]}",
  };
  const gchar *good = "{\"resolution\":{\"width\":4,\"height\":4},"
      "\"timestamp\":0,\"objects\":[{\"x\":0,\"y\":0,\"w\":1,\"h\":1,\"id\":3,"
      "\"detection\":{\"bounding_box\":{\"x_min\":0,\"y_min\":0,\"x_max\":0.25,"
      "\"y_max\":0.25},\"confidence\":0.5,\"label\":\"a\",\"label_id\":1},"
      "\"colour\":{\"label\":\"red\",\"model\":{\"name\":\"m\"}}}],"
      "\"tensors\":[{\"name\":\"m\",\"label\":\"cat\",\"confidence\":0.75}]}";
  gchar *why = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    fail_if (reader_check (bad[i], &why), "the reader accepted %s", bad[i]);
    g_free (why);
  }
  fail_unless (reader_check (good, &why), "%s", why);
}

GST_END_TEST;

static Suite *
json_schema_suite (void)
{
  Suite *s = suite_create ("mnv3json");
  TCase *tc = tcase_create ("schema");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tracked_detections);
  tcase_add_test (tc, test_foreign_rois);
  tcase_add_test (tc, test_frame_results_and_empty);
  tcase_add_test (tc, test_reader_rejects);
  return s;
}

GST_CHECK_MAIN (json_schema);
