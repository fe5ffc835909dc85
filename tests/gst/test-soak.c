/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Soak: 8 live pipelines sharing one model (the model cache), each
 * videotestsrc is-live=true ! capsfilter ! mnv3classify ! fakesink, with
 * caps changes (I420 640x480 -> NV12 1280x720 -> BGRx 320x240, every
 * second on every pipeline), state cycles (every other second, one
 * pipeline at a time to NULL and back to PLAYING) and model swaps (every
 * second one of the two pipelines that are never cycled changes `model`:
 * a copy of the classifier, then a corrupt file, which is refused with a
 * warning, then the classifier again) interleaved, while the process's
 * resident memory is sampled once a second.  Fails on any error message, on a
 * pipeline that stops producing frames, and on RSS growth after warm-up
 * beyond a threshold.
 *
 * Then N state cycles (NULL -> PLAYING -> NULL) of one pipeline, the model
 * loaded and freed by each (no other holder), for LeakSanitizer in the
 * sanitizer build.
 *
 * Environment (docs/reliability.md, "Soak"):
 *   MNV3_SOAK_SECONDS  duration of the 8-pipeline part (default 30)
 *   MNV3_SOAK_WARMUP   seconds before the RSS baseline (default 15)
 *   MNV3_SOAK_RSS_KB   allowed RSS growth after warm-up (default 16384,
 *                      32768 with model swaps)
 *   MNV3_SOAK_SWAPS    0: no model swaps (default 1)
 *   MNV3_SOAK_CYCLES   state cycles (default 1000; the suite sets 100 in
 *                      builds without sanitizers, where LSan is not on)
 * A long run: MNV3_SOAK_SECONDS=3600 MNV3_SOAK_CYCLES=10000.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "gst-support.h"

#define N_PIPES 8

static const gchar *formats[] = {
  "video/x-raw,format=I420,width=640,height=480,framerate=30/1",
  "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1",
  "video/x-raw,format=BGRx,width=320,height=240,framerate=30/1",
};

typedef struct {
  GstElement *pipe, *caps, *infer;
  gint frames;                  /* atomic: fakesink handoffs */
  gint errors;
  gint swaps;                   /* "mnv3-model-changed" messages */
  gint warnings;
  guint next_model;
  guint fmt;
  GstBus *bus;
} Pipe;

static gint
env_int (const gchar * name, gint def)
{
  const gchar *v = g_getenv (name);
  return v && *v ? atoi (v) : def;
}

/* VmRSS of this process in kB. */
static glong
rss_kb (void)
{
  gchar *text = NULL, *p;
  glong kb = -1;

  if (g_file_get_contents ("/proc/self/status", &text, NULL, NULL)
      && (p = strstr (text, "VmRSS:")))
    kb = strtol (p + 6, NULL, 10);
  g_free (text);
  return kb;
}

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Pipe *p = data;
  (void) sink;
  (void) buf;
  (void) pad;
  g_atomic_int_inc (&p->frames);
}

static void
pipe_init (Pipe * p, guint i)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true pattern=%u ! "
      "capsfilter name=cf caps=\"%s\" ! mnv3classify name=infer num-threads=1 ! "
      "fakesink name=sink sync=false signal-handoffs=true", i % 20,
      formats[i % 3]);
  GstElement *sink;
  GError *err = NULL;

  memset (p, 0, sizeof *p);
  p->fmt = i % 3;
  p->pipe = gst_parse_launch (desc, &err);
  fail_unless (p->pipe != NULL, "%s", err ? err->message : desc);
  g_free (desc);
  p->caps = gst_bin_get_by_name (GST_BIN (p->pipe), "cf");
  p->infer = gst_bin_get_by_name (GST_BIN (p->pipe), "infer");
  sink = gst_bin_get_by_name (GST_BIN (p->pipe), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), p);
  gst_object_unref (sink);
  p->bus = gst_element_get_bus (p->pipe);
}

/* Count error messages (and print them), model swaps and warnings. */
static void
pipe_drain_bus (Pipe * p)
{
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (p->bus, GST_MESSAGE_ERROR
              | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT))) {
    GError *e = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (m, &e, &dbg);
      g_printerr ("error from %s: %s (%s)\n", GST_OBJECT_NAME (m->src),
          e->message, dbg ? dbg : "");
      g_error_free (e);
      g_free (dbg);
      p->errors++;
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      p->warnings++;
    } else if (gst_message_has_name (m, "mnv3-model-changed")) {
      p->swaps++;
    }
    gst_message_unref (m);
  }
}

/* The model files a swapping pipeline goes through: a copy of the
 * classifier (another cache entry), a corrupt file (refused: the copy
 * stays), the classifier. */
static gchar *swap_models[3];

static void
swap_files_create (void)
{
  gchar *dir = g_dir_make_tmp ("mnv3-soak-XXXXXX", NULL), *data = NULL;
  gsize len = 0;

  fail_unless (dir != NULL);
  swap_models[2] = g_build_filename (g_getenv ("MNV3_SOURCE_ROOT"), "models",
      "mobilenet_v3_small_224_1.0_uint8.tflite", NULL);
  swap_models[0] = g_build_filename (dir, "soak-copy.tflite", NULL);
  fail_unless (g_file_get_contents (swap_models[2], &data, &len, NULL));
  fail_unless (g_file_set_contents (swap_models[0], data, len, NULL));
  swap_models[1] = g_build_filename (dir, "corrupt.tflite", NULL);
  fail_unless (g_file_set_contents (swap_models[1], data, len / 3, NULL));
  g_free (data);
  g_free (dir);
}

static void
swap_files_remove (void)
{
  gchar *dir = g_path_get_dirname (swap_models[0]);

  g_unlink (swap_models[0]);
  g_unlink (swap_models[1]);
  g_rmdir (dir);
  g_free (dir);
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&swap_models[i], g_free);
}

static void
pipe_free (Pipe * p)
{
  gst_element_set_state (p->pipe, GST_STATE_NULL);
  pipe_drain_bus (p);
  gst_object_unref (p->bus);
  gst_object_unref (p->caps);
  gst_object_unref (p->infer);
  gst_object_unref (p->pipe);
}

static void
set_caps (Pipe * p, guint fmt)
{
  GstCaps *c = gst_caps_from_string (formats[fmt]);
  p->fmt = fmt;
  g_object_set (p->caps, "caps", c, NULL);
  gst_caps_unref (c);
}

GST_START_TEST (test_soak_pipelines)
{
  gint seconds = env_int ("MNV3_SOAK_SECONDS", 30);
  /* with swaps, the baseline sample may fall when the swapping
   * pipelines hold one model fewer than at the peak: the copy (float and
   * integer graphs, session) is ~16 MB; measured +2.1, +13.6 and +15.1 MB
   * in three 30 s release runs, +0.6 MB with MALLOC_ARENA_MAX=1 */
  glong allowed = env_int ("MNV3_SOAK_RSS_KB",
      env_int ("MNV3_SOAK_SWAPS", 1) ? 32768 : 16384);
  /* RSS settles within 15 s here (buffer pools of each format in each
   * pipeline, malloc arenas of the streaming threads) */
  gint warmup = MIN (env_int ("MNV3_SOAK_WARMUP", 15), seconds);
  glong base = 0, peak = 0, rss;
  Pipe pipes[N_PIPES];
  gint caps_changes = 0, cycles = 0, swaps = 0, swap_sets = 0, warnings = 0;
  gboolean swaps_on = env_int ("MNV3_SOAK_SWAPS", 1) != 0;

  swap_files_create ();
  for (guint i = 0; i < N_PIPES; i++) {
    pipe_init (&pipes[i], i);
    fail_unless (gst_element_set_state (pipes[i].pipe, GST_STATE_PLAYING)
        != GST_STATE_CHANGE_FAILURE);
  }
  /* the first caps change only once every pipeline has negotiated and
   * passed a frame: a capsfilter's caps changed while its live source is
   * still in its first negotiation (between the caps query and the caps
   * event) fail it with not-negotiated in GStreamer itself (basesrc does
   * not retry), which this test hit in 4 of 26 short runs under
   * MALLOC_PERTURB_; the failed check then left 8 pipelines running into
   * the next case (CK_FORK=no): a hang at teardown or a crash */
  for (gint t = 0; t < 1000; t++) {
    guint started = 0;

    for (guint i = 0; i < N_PIPES; i++)
      started += g_atomic_int_get (&pipes[i].frames) > 0;
    if (started == N_PIPES)
      break;
    g_usleep (10 * 1000);
  }
  for (gint s = 1; s <= seconds; s++) {
    Pipe *q = &pipes[(s + 3) % N_PIPES];
    gint before[N_PIPES];

    for (guint i = 0; i < N_PIPES; i++)
      before[i] = g_atomic_int_get (&pipes[i].frames);
    /* a caps change on every pipeline (each has seen every format after
     * 3 s) ... */
    for (guint i = 0; i < N_PIPES; i++) {
      set_caps (&pipes[i], (pipes[i].fmt + 1) % 3);
      caps_changes++;
    }
    /* ... and a state cycle on another */
    if (s % 2 == 0) {
      fail_unless_equals_int (gst_element_set_state (q->pipe,
              GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
      fail_unless (gst_element_set_state (q->pipe, GST_STATE_PLAYING)
          != GST_STATE_CHANGE_FAILURE);
      cycles++;
    }
    /* ... and a model change on pipeline 0 or 2 (the cycled ones are the
     * odd ones: a refused model left in the property would fail start) */
    if (swaps_on) {
      Pipe *w = &pipes[(s % 2) * 2];

      g_object_set (w->infer, "model", swap_models[w->next_model], NULL);
      w->next_model = (w->next_model + 1) % 3;
      swap_sets++;
    }
    g_usleep (G_USEC_PER_SEC);
    for (guint i = 0; i < N_PIPES; i++) {
      pipe_drain_bus (&pipes[i]);
      fail_unless_equals_int (pipes[i].errors, 0);
      /* every pipeline keeps producing (a restarted one after its
       * restart): frames flow through caps changes */
      if (&pipes[i] != q || s % 2)
        fail_unless (g_atomic_int_get (&pipes[i].frames) > before[i],
            "pipeline %u produced no frame in second %d", i, s);
    }
    rss = rss_kb ();
    if (s == warmup)
      base = rss;
    if (s >= warmup && rss > peak)
      peak = rss;
    g_print ("soak %3d s: RSS %ld kB\n", s, rss);
  }
  for (guint i = 0; i < N_PIPES; i++) {
    g_print ("pipeline %u: %d frames\n", i, g_atomic_int_get (&pipes[i].frames));
    pipe_free (&pipes[i]);
    fail_unless_equals_int (pipes[i].errors, 0);
    swaps += pipes[i].swaps;
    warnings += pipes[i].warnings;
  }
  swap_files_remove ();
  g_print ("soak: %d s, %d caps changes, %d state cycles, %d model changes "
      "asked (%d swapped, %d refused with a warning), RSS %ld kB after "
      "warm-up (%d s), peak %ld kB (+%ld, allowed +%ld)\n", seconds,
      caps_changes, cycles, swap_sets, swaps, warnings, base, warmup, peak,
      peak - base, allowed);
  /* a change may be overtaken by the next one, never lost: each good one
   * that was not overtaken swapped, each corrupt one warned */
  fail_unless (!swaps_on || (swaps > 0 && swaps + warnings <= swap_sets));
  if (swaps_on && seconds >= 6)
    fail_unless (warnings > 0);
  fail_unless (peak - base <= allowed, "RSS grew %ld kB after warm-up",
      peak - base);
}

GST_END_TEST;

GST_START_TEST (test_soak_state_cycles)
{
  gint n = env_int ("MNV3_SOAK_CYCLES", 1000);
  GstElement *p = gst_parse_launch ("videotestsrc is-live=false ! "
      "video/x-raw,width=160,height=120 ! mnv3classify num-threads=1 ! "
      "fakesink sync=false", NULL);
  glong rss0 = 0;
  gint i;

  fail_unless (p != NULL);
  for (i = 0; i < n; i++) {
    mnv3_test_state_cycle (p);
    if (i == 9)
      rss0 = rss_kb ();
    if ((i + 1) % 100 == 0)
      g_print ("cycles %d: RSS %ld kB (after 10: %ld kB)\n", i + 1,
          rss_kb (), rss0);
  }
  gst_object_unref (p);
}

GST_END_TEST;

static Suite *
soak_suite (void)
{
  Suite *s = suite_create ("soak");
  TCase *tc = tcase_create ("soak");

  tcase_set_timeout (tc, 0);    /* bounded by the meson timeout */
  tcase_add_test (tc, test_soak_pipelines);
  tcase_add_test (tc, test_soak_state_cycles);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (soak);
