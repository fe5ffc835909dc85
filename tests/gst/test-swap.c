/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A model change never stops the stream: `model` and `labels-file` changed
 * on live pipelines (videotestsrc is-live=true ! mnv3classify ! fakesink).
 *
 * Every buffer that reaches the sink is counted with the model name of the
 * result it carries.  The loader is slowed down by
 * MNV3_TEST_MODEL_LOAD_DELAY_MS (set below, 300 ms) so that frames
 * certainly flow while a model loads.  Checked:
 *  - a good model (a copy of the classifier under another name) takes over:
 *    "mnv3-model-changed" names it, active-model follows, frames before
 *    it carry the old model's results and frames after it the new one's;
 *  - a corrupt file, a segmentation model (wrong task), a missing file,
 *    a labels file of the wrong size and a model over the engine's
 *    resource limits (a crafted RESIZE to 2359302x36) are refused with a warning naming the
 *    file and the reason (and a details structure), the old model stays
 *    and frames keep coming;
 *  - back to the first model;
 *  - throughout: no error message, no buffer without a result once the
 *    first result came, except at most one in a row (the bound;
 *    the base class infers the swap frame itself, so 0 is expected);
 *  - sync and async mode;
 *  - two pipelines sharing the model while one of them swaps: the other
 *    sees nothing (no message, no frame without a result, same model), and
 *    the model cache holds 2 models while they differ, 1 after;
 *  - changes in quick succession: only the last one takes effect.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <gst/check/gstcheck.h>

#include "tfl-builder.h"

#include "gstmnv3meta.h"
#include "gst-support.h"

#define LOAD_DELAY_MS "300"
#define TIMEOUT_US (60 * G_USEC_PER_SEC)

typedef struct {
  GstElement *pipe, *infer;
  GstBus *bus;
  GMutex lock;                  /* the counters below (streaming thread) */
  guint frames;
  guint with_result;
  guint gap, max_gap;           /* buffers without a result in a row */
  guint transitions;            /* changes of the result's model name */
  gchar *model;                 /* of the last result */
  guint first_of_model;         /* frame index where `model` began */
} Live;

static gchar *tmpdir, *orig_path, *copy_path, *corrupt_path, *labels3_path;
static gchar *huge_path;


static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Live *l = data;
  GstMnv3ClassificationMeta *m = gst_buffer_get_mnv3_classification_meta (buf);

  (void) sink;
  (void) pad;
  g_mutex_lock (&l->lock);
  if (m) {
    fail_unless (m->n_results > 0);
    if (g_strcmp0 (m->model, l->model) != 0) {
      if (l->model)
        l->transitions++;
      g_free (l->model);
      l->model = g_strdup (m->model);
      l->first_of_model = l->frames;
    }
    l->with_result++;
    l->gap = 0;
  } else if (l->with_result > 0) {
    l->gap++;
    l->max_gap = MAX (l->max_gap, l->gap);
  }
  l->frames++;
  g_mutex_unlock (&l->lock);
}

static Live *
live_new (const gchar * props)
{
  Live *l = g_new0 (Live, 1);
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,format=I420,width=160,height=120,framerate=30/1 ! "
      "mnv3classify name=infer num-threads=1 %s ! "
      "fakesink name=sink sync=false signal-handoffs=true", props);
  GstElement *sink;

  g_mutex_init (&l->lock);
  l->pipe = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (l->pipe != NULL);
  l->infer = gst_bin_get_by_name (GST_BIN (l->pipe), "infer");
  sink = gst_bin_get_by_name (GST_BIN (l->pipe), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), l);
  gst_object_unref (sink);
  l->bus = gst_element_get_bus (l->pipe);
  fail_unless (gst_element_set_state (l->pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  return l;
}

static void
live_free (Live * l)
{
  fail_unless_equals_int (gst_element_set_state (l->pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (l->bus);
  gst_object_unref (l->infer);
  gst_object_unref (l->pipe);
  g_free (l->model);
  g_mutex_clear (&l->lock);
  g_free (l);
}

static guint
live_frames (Live * l)
{
  guint n;

  g_mutex_lock (&l->lock);
  n = l->frames;
  g_mutex_unlock (&l->lock);
  return n;
}

/* Fails on an error; warnings and mnv3 messages are left for the caller
 * when @keep, else must not come. */
static GstMessage *
live_pop (Live * l, GstClockTime timeout)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (l->bus, timeout,
      GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT);

  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
        err->message, dbg ? dbg : "");
  }
  return msg;
}

/* No error or warning came, and none of the element's messages. */
static void
live_expect_quiet (Live * l)
{
  GstMessage *msg;

  while ((msg = live_pop (l, 0))) {
    fail_unless (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_WARNING,
        "unexpected warning");
    fail_unless (!gst_message_has_name (msg, "mnv3-model-changed"),
        "unexpected model change");
    gst_message_unref (msg);
  }
}

static void
live_wait_frames (Live * l, guint n)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_US;

  while (live_frames (l) < n) {
    GstMessage *msg = live_pop (l, 10 * GST_MSECOND);

    fail_unless (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_WARNING,
        "unexpected warning");
    if (msg)
      gst_message_unref (msg);
    fail_unless (g_get_monotonic_time () < end, "frames stopped at %u",
        live_frames (l));
  }
}

static void
live_wait_result (Live * l)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_US;
  guint n;

  do {
    live_wait_frames (l, live_frames (l) + 1);
    g_mutex_lock (&l->lock);
    n = l->with_result;
    g_mutex_unlock (&l->lock);
    fail_unless (g_get_monotonic_time () < end, "no result");
  } while (n == 0);
}

/* The next warning or "mnv3-model-changed" from the element. */
static GstMessage *
live_wait_outcome (Live * l)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_US;

  for (;;) {
    GstMessage *msg = live_pop (l, 50 * GST_MSECOND);

    if (msg && GST_MESSAGE_SRC (msg) == GST_OBJECT (l->infer)
        && (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING
            || gst_message_has_name (msg, "mnv3-model-changed")))
      return msg;
    if (msg)
      gst_message_unref (msg);
    fail_unless (g_get_monotonic_time () < end, "no outcome of the change");
  }
}

static gchar *
active_model (Live * l)
{
  gchar *active = NULL;

  g_object_get (l->infer, "active-model", &active, NULL);
  return active;
}

/* Swap to a model that works: the frames before the swap (at least one,
 * the load is slowed down) carry the old model's results, the ones from
 * the swap on the new one's. */
static void
swap_good (Live * l, const gchar * prop, const gchar * value,
    const gchar * expect_model)
{
  GstMessage *msg;
  const GstStructure *s;
  gchar *old_name, *new_name = g_path_get_basename (expect_model);
  gchar *active;
  guint at_set, transitions;

  /* the old model's results are flowing (async mode: after its first
   * run, which a sanitizer build makes slow) */
  live_wait_frames (l, live_frames (l) + 3);
  live_wait_result (l);
  g_mutex_lock (&l->lock);
  at_set = l->frames;
  transitions = l->transitions;
  old_name = g_strdup (l->model);
  g_mutex_unlock (&l->lock);
  g_object_set (l->infer, prop, value, NULL);

  msg = live_wait_outcome (l);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ELEMENT);
  s = gst_message_get_structure (msg);
  fail_unless_equals_string (gst_structure_get_string (s, "model"),
      expect_model);
  fail_unless_equals_string (gst_structure_get_string (s, "model-name"),
      new_name);
  gst_message_unref (msg);
  active = active_model (l);
  fail_unless_equals_string (active, expect_model);
  g_free (active);

  /* results of the new model reach the sink */
  live_wait_frames (l, live_frames (l) + 5);
  g_mutex_lock (&l->lock);
  fail_unless_equals_string (l->model, new_name);
  if (strcmp (old_name, new_name) != 0) {
    fail_unless_equals_int (l->transitions, transitions + 1);
    /* frames kept flowing, with the old model, while the new one loaded */
    fail_unless (l->first_of_model >= at_set + 2,
        "%u frames between the change and the swap",
        l->first_of_model - at_set);
    g_print ("%s -> %s: %u frames with the old model during the load\n",
        old_name, new_name, l->first_of_model - at_set);
  }
  g_mutex_unlock (&l->lock);
  g_free (old_name);
  g_free (new_name);
}

/* A change that fails: a warning naming @file and @why, the old model
 * stays and frames keep coming with its results. */
static void
swap_bad (Live * l, const gchar * prop, const gchar * value,
    const gchar * file, gint code, const gchar * why)
{
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL, *before = active_model (l), *after;
  const GstStructure *details = NULL;
  guint transitions, at_warning;

  g_mutex_lock (&l->lock);
  transitions = l->transitions;
  g_mutex_unlock (&l->lock);
  g_object_set (l->infer, prop, value, NULL);

  msg = live_wait_outcome (l);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
  gst_message_parse_warning (msg, &err, &dbg);
  fail_unless (err->domain == GST_RESOURCE_ERROR
      || err->domain == GST_LIBRARY_ERROR);
  fail_unless_equals_int (err->code, code);
  fail_unless (strstr (err->message, file) != NULL, "'%s' does not name %s",
      err->message, file);
  fail_unless (strstr (err->message, why) != NULL, "'%s' does not say '%s'",
      err->message, why);
  gst_message_parse_warning_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless (gst_structure_has_name (details, "mnv3-model-change-failed"));
  fail_unless_equals_string (gst_structure_get_string (details,
          "active-model"), before);
  fail_unless (gst_structure_get_string (details, "reason") != NULL);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);

  after = active_model (l);
  fail_unless_equals_string (after, before);
  g_free (after);
  g_free (before);
  at_warning = live_frames (l);
  live_wait_frames (l, at_warning + 5);
  g_mutex_lock (&l->lock);
  fail_unless_equals_int (l->transitions, transitions);
  g_mutex_unlock (&l->lock);
}

static void
swap_scenario (const gchar * mode)
{
  gchar *props = g_strdup_printf ("mode=%s", mode);
  Live *l = live_new (props);
  gchar *segment = g_build_filename (g_getenv ("MNV3_SOURCE_ROOT"), "models",
      "selfie_segmentation.tflite", NULL);
  gchar *missing = g_build_filename (tmpdir, "missing.tflite", NULL);
  gchar *active;

  live_wait_frames (l, 10);
  active = active_model (l);
  fail_unless_equals_string (active, orig_path);
  g_free (active);

  swap_good (l, "model", copy_path, copy_path);
  swap_bad (l, "model", corrupt_path, corrupt_path,
      GST_RESOURCE_ERROR_OPEN_READ, "Could not load model file");
  swap_bad (l, "model", segment, segment, GST_RESOURCE_ERROR_SETTINGS,
      "cannot be used by infer");
  swap_bad (l, "model", missing, missing, GST_RESOURCE_ERROR_NOT_FOUND,
      "Could not load model file");
  /* the property still names the missing file: the copy again (a reload
   * of the model in use, its name unchanged) */
  swap_good (l, "model", copy_path, copy_path);
  /* a labels file that does not fit the model */
  swap_bad (l, "labels-file", labels3_path, labels3_path,
      GST_RESOURCE_ERROR_SETTINGS, "the labels list 3 classes");
  swap_good (l, "labels-file", NULL, copy_path);
  /* a model that loads but whose session is over the engine's limits */
  swap_bad (l, "model", huge_path, huge_path, GST_LIBRARY_ERROR_INIT,
      "limit for one tensor");
  swap_good (l, "model", orig_path, orig_path);

  g_mutex_lock (&l->lock);
  GST_INFO ("%s: %u frames, %u with a result, longest run without: %u",
      mode, l->frames, l->with_result, l->max_gap);
  g_print ("%s mode: %u frames, %u with a result, longest run without a "
      "result: %u\n", mode, l->frames, l->with_result, l->max_gap);
  fail_unless (l->max_gap <= 1, "%u frames in a row without a result",
      l->max_gap);
  fail_unless_equals_int (l->transitions, 2);
  g_mutex_unlock (&l->lock);
  live_expect_quiet (l);
  live_free (l);
  g_free (segment);
  g_free (missing);
  g_free (props);
}

GST_START_TEST (test_swap_sync)
{
  swap_scenario ("sync");
}

GST_END_TEST;

GST_START_TEST (test_swap_async)
{
  swap_scenario ("async");
}

GST_END_TEST;

/* Two pipelines share the model; one swaps back and forth, the other runs
 * on untouched. */
GST_START_TEST (test_swap_shared)
{
  Live *a = live_new ("mode=async");
  Live *b = live_new ("mode=async");
  guint alive, frames_b;

  live_wait_frames (a, 10);
  live_wait_frames (b, 10);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 1);

  swap_good (a, "model", copy_path, copy_path);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 2);
  swap_bad (a, "model", corrupt_path, corrupt_path,
      GST_RESOURCE_ERROR_OPEN_READ, "Could not load model file");
  swap_good (a, "model", orig_path, orig_path);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 1);
  swap_good (a, "model", copy_path, copy_path);
  swap_good (a, "model", orig_path, orig_path);

  frames_b = live_frames (b);
  live_wait_frames (b, frames_b + 5);
  g_mutex_lock (&b->lock);
  fail_unless_equals_int (b->transitions, 0);
  fail_unless_equals_int (b->max_gap, 0);
  fail_unless (b->with_result > 0);
  g_mutex_unlock (&b->lock);
  live_expect_quiet (b);
  live_expect_quiet (a);
  live_free (a);
  live_free (b);
  mnv3_test_model_cache_stats (NULL, &alive);
  fail_unless_equals_int (alive, 0);
}

GST_END_TEST;

/* Three changes faster than a load: the last one wins, at most one swap
 * in between. */
GST_START_TEST (test_swap_superseded)
{
  Live *l = live_new ("mode=sync");
  GstMessage *msg;
  gchar *active;
  guint changes = 0;

  live_wait_frames (l, 5);
  g_object_set (l->infer, "model", copy_path, NULL);
  live_wait_frames (l, live_frames (l) + 1);
  g_object_set (l->infer, "model", orig_path, NULL);
  g_object_set (l->infer, "model", copy_path, NULL);
  for (;;) {
    const GstStructure *s;

    msg = live_wait_outcome (l);
    fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ELEMENT);
    s = gst_message_get_structure (msg);
    changes++;
    if (g_strcmp0 (gst_structure_get_string (s, "model"), copy_path) == 0) {
      gst_message_unref (msg);
      break;
    }
    gst_message_unref (msg);
  }
  fail_unless (changes <= 2, "%u swaps", changes);
  active = active_model (l);
  fail_unless_equals_string (active, copy_path);
  g_free (active);
  live_wait_frames (l, live_frames (l) + 5);
  live_expect_quiet (l);
  live_free (l);
}

GST_END_TEST;

/* A ~1 KB file whose RESIZE_BILINEAR asks for a 2359302x36x3 float
 * tensor on its 11x5 input (the outside tester's out-of-memory file,
 * issue 12; tests/tflite/test-tflite-limits.c has the engine-level
 * cases): it loads, and its session is refused by the engine's limits. */
static void
write_huge_model (const gchar * path)
{
  static const int32_t tall[2] = { 2359302, 36 };
  tb_model m;
  int in[2];
  guint8 *bytes;
  size_t len;

  memset (&m, 0, sizeof m);
  m.version = 3;
  m.t[0] = tb_tensor_new ("x", T_F32, 4, 1, 11, 5, 3, 0);
  m.t[1] = tb_tensor_new ("size", T_I32, 1, 2, 0, 0, 0,
      tb_add_buffer (&m, tall, sizeof tall));
  m.t[2] = tb_tensor_new ("up", T_F32, 4, 1, -1, -1, 3, 0);
  m.ntensors = 3;
  in[0] = 0;
  in[1] = 1;
  m.op[m.nops++] = tb_op_new (23 /* RESIZE_BILINEAR */ , 2, in, 2);
  m.nin = 1;
  m.in[0] = 0;
  m.nout = 1;
  m.out[0] = 2;
  bytes = tb_model_write (&m, &len);
  fail_unless (g_file_set_contents (path, (const gchar *) bytes, len, NULL));
  free (bytes);
}

static void
setup_files (void)
{
  gchar *data = NULL;
  gsize len = 0;
  guint8 junk[4096];
  guint i;

  tmpdir = g_dir_make_tmp ("mnv3-swap-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
  orig_path = g_build_filename (g_getenv ("MNV3_SOURCE_ROOT"), "models",
      "mobilenet_v3_small_224_1.0_uint8.tflite", NULL);
  /* the same network under another name: another cache entry, and the
   * results say which file produced them */
  copy_path = g_build_filename (tmpdir, "swap-copy.tflite", NULL);
  fail_unless (g_file_get_contents (orig_path, &data, &len, NULL));
  fail_unless (g_file_set_contents (copy_path, data, len, NULL));
  g_free (data);
  /* a FlatBuffers-looking start, then noise */
  corrupt_path = g_build_filename (tmpdir, "corrupt.tflite", NULL);
  for (i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 2654435761u >> 13);
  memcpy (junk + 4, "TFL3", 4);
  fail_unless (g_file_set_contents (corrupt_path, (const gchar *) junk,
          sizeof junk, NULL));
  huge_path = g_build_filename (tmpdir, "huge-resize.tflite", NULL);
  write_huge_model (huge_path);
  labels3_path = g_build_filename (tmpdir, "three.txt", NULL);
  fail_unless (g_file_set_contents (labels3_path, "cat\ndog\nbird\n", -1,
          NULL));
}

static void
remove_files (void)
{
  g_unlink (copy_path);
  g_unlink (corrupt_path);
  g_unlink (labels3_path);
  g_unlink (huge_path);
  g_rmdir (tmpdir);
  g_free (copy_path);
  g_free (corrupt_path);
  g_free (labels3_path);
  g_free (huge_path);
  g_free (orig_path);
  g_free (tmpdir);
}

static Suite *
swap_suite (void)
{
  Suite *s = suite_create ("mnv3swap");
  TCase *tc = tcase_create ("swap");

  /* before any streaming thread reads it */
  g_setenv ("MNV3_TEST_MODEL_LOAD_DELAY_MS", LOAD_DELAY_MS, TRUE);
  tcase_set_timeout (tc, 600);
  tcase_add_unchecked_fixture (tc, setup_files, remove_files);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_swap_sync);
  tcase_add_test (tc, test_swap_async);
  tcase_add_test (tc, test_swap_shared);
  tcase_add_test (tc, test_swap_superseded);
  return s;
}

GST_CHECK_MAIN (swap);
