/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pipeline-bench: how fast the mnv3 GStreamer elements classify video.
 *
 * For every frame size x pixel format x thread count it measures:
 *
 *  1. pre-processing alone: mnv3_preprocess_run from the frame to the
 *     model's input tensor (the same call, plan and thread pool as
 *     mnv3classify), and the network alone (mnv3_session_run), median and
 *     p99 over --runs calls;
 *  2. throughput: videotestsrc is-live=false num-buffers=N ! caps !
 *     mnv3classify inference-interval=1 ! mnv3overlay ! fakesink sync=false,
 *     as fast as it goes -> frames per second (and the same without the
 *     mnv3 elements: what the source alone costs);
 *  3. live: videotestsrc is-live=true at --fps for --seconds, ending in a
 *     fakesink that behaves like a display sink (sync=true qos=true
 *     max-lateness=20 ms) -> frames in and out, dropped by the sink, frames
 *     inferred and skipped by mnv3classify (its read-only properties), its
 *     inference-fps, mean-latency and its share of the LATENCY query.
 *     With --sink=noqos the sink still renders on the clock but sends no
 *     QoS and drops nothing (as udpsink or an encoder would); the table
 *     then shows how late buffers reach the sink (clock running time -
 *     PTS), median over the first and the last 5 s: a pipeline that
 *     cannot keep up falls further behind and the figure grows.
 *
 * In modes 2 and 3 two pad probes timestamp every buffer with the monotonic
 * clock on mnv3classify's sink pad and on fakesink's sink pad: their
 * difference is the latency the two mnv3 elements add to each buffer
 * (median and p99).  The sink-pad probe fires before the sink waits for the
 * clock, so the figure is processing time, not display scheduling.
 *
 * Output: a plain table, or Markdown tables with --markdown.  The header
 * names the CPU, the load average before and after, and the plugin file.
 * The statistics, machine description and tables are in
 * pipeline-bench-report.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "mnv3.h"
#include "preprocess.h"
#include "gstmnv3preprocess.h"
#include "pipeline-bench-report.h"

#ifndef MNV3_BENCH_DEFAULT_MODEL
#define MNV3_BENCH_DEFAULT_MODEL "models/mobilenet_v3_small_224_1.0_uint8.tflite"
#endif

/* A display sink: late frames are reported upstream (QoS) and dropped when
 * more than 20 ms late, as xvimagesink and glimagesink do. */
#define LIVE_SINK "fakesink name=sink sync=true qos=true max-lateness=20000000"
/* --sink=noqos: synchronised to the clock, no QoS, no drops (udpsink-like) */
#define NOQOS_SINK "fakesink name=sink sync=true qos=false max-lateness=-1"
static const char *live_sink = LIVE_SINK;
static gboolean noqos_sink = FALSE;

/* ---- options -------------------------------------------------------------- */

typedef struct {
  gchar *sizes, *formats, *threads, *mode, *model;
  gint frames, runs, seconds, fps;
  gboolean markdown;
  gchar *element, *overlay, *infer_mode, *sink, *props;
  gboolean track;
} bench_options;

typedef struct {
  int width, height;
} frame_size;

typedef struct {
  GArray *sizes;     /* frame_size */
  GPtrArray *formats;        /* gchar*, GStreamer names */
  GArray *threads;   /* int */
  gboolean pre, throughput, live;
} bench_plan;

/* Set when a measurement could not be made: the exit status says so. */
static gboolean any_failed;

/* ---- 1. pre-processing and network alone --------------------------------- */

typedef struct {
  double pre_med, pre_p99, net_med, net_p99;
  const char *isa;
} alone_result;

/* Time `runs` calls after 5 untimed ones; milliseconds into v. */
#define TIME_CALLS(v, runs, call) do {                                   \
    int i_;                                                              \
    for (i_ = -5; i_ < (runs); i_++) {                                   \
      gint64 t0_ = g_get_monotonic_time ();                              \
      call;                                                              \
      if (i_ >= 0)                                                       \
        (v)[i_] = (g_get_monotonic_time () - t0_) / 1000.0;              \
    }                                                                    \
  } while (0)

/* Pre-processing of one frame of the given size and format into the
 * model's input, planned as mnv3classify plans it (stretch; BT.709, the
 * matrix does not change the time), with the session's thread pool; then
 * the network alone. */
static gboolean
bench_alone (const mnv3_model * model, frame_size sz, const char *format,
    int threads, int runs, alone_result * res)
{
  GstVideoInfo info;
  GstVideoFormat vf = gst_video_format_from_string (format);
  mnv3_preprocess_params p = { 0 };
  mnv3_session_options o = mnv3_session_options_default ();
  mnv3_session *s = NULL;
  mnv3_preprocess *pp = NULL;
  mnv3_tensor_info in;
  mnv3_frame frame;
  uint8_t *data = NULL;
  double *v = g_new (double, runs);
  gboolean ok = FALSE;
  guint i;
  int c;

  if (!gst_mnv3_pixel_format_from_video (vf, &p.format)
      || !gst_video_info_set_format (&info, vf, sz.width, sz.height)) {
    g_printerr ("pipeline-bench: format %s is not one mnv3 reads\n", format);
    goto out;
  }
  o.num_threads = threads;
  if (mnv3_session_create (model, &o, &s) != MNV3_OK
      || mnv3_session_input_info (s, 0, &in) != MNV3_OK) {
    g_printerr ("pipeline-bench: session: %s\n", mnv3_last_error ());
    goto out;
  }
  res->isa = mnv3_isa_name (mnv3_session_isa (s));
  p.matrix = MNV3_MATRIX_BT709;
  p.src_width = sz.width;
  p.src_height = sz.height;
  p.dst_height = (int) in.dims[1];
  p.dst_width = (int) in.dims[2];
  mnv3_preprocess_fit (MNV3_FIT_STRETCH, p.src_width, p.src_height,
      p.dst_width, p.dst_height, &p.src, &p.dst);
  for (c = 0; c < 3; c++) {
    p.mean[c] = 127.5f;        /* the values do not change the time */
    p.std[c] = 127.5f;
    p.pad_value[c] = -1.0f;
  }
  pp = mnv3_preprocess_create (MNV3_ISA_AUTO, &p);
  if (!pp || posix_memalign ((void **) &data, 64, info.size) != 0) {
    g_printerr ("pipeline-bench: pre-processing: %s\n", mnv3_last_error ());
    goto out;
  }
  /* any content: the work does not depend on the pixel values */
  for (i = 0; i < info.size; i++)
    data[i] = (uint8_t) (i * 7 + (i >> 12));
  memset (&frame, 0, sizeof frame);
  for (i = 0; i < GST_VIDEO_INFO_N_PLANES (&info) && i < 3; i++) {
    frame.planes[i] = data + GST_VIDEO_INFO_PLANE_OFFSET (&info, i);
    frame.strides[i] = GST_VIDEO_INFO_PLANE_STRIDE (&info, i);
  }

  TIME_CALLS (v, runs, mnv3_preprocess_run (pp, &frame,
          mnv3_session_input (s, 0), s));
  stats_summary (v, runs, &res->pre_med, &res->pre_p99, NULL);
  TIME_CALLS (v, runs, mnv3_session_run (s));
  stats_summary (v, runs, &res->net_med, &res->net_p99, NULL);
  ok = TRUE;
out:
  free (data);
  if (pp)
    mnv3_preprocess_free (pp);
  if (s)
    mnv3_session_free (s);
  g_free (v);
  return ok;
}

/* ---- 2 and 3. pipelines ----------------------------------------------------- */

/* Arrival times (monotonic, microseconds) and PTS of each buffer at a pad.
 * Written by the streaming thread only: the pipeline has no queue. */
typedef struct {
  GArray *us, *pts;
  GArray *late_ms;  /* clock running time - PTS at arrival (ms) */
} pad_log;

static GstPadProbeReturn
pad_log_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  pad_log *log = user_data;
  gint64 now = g_get_monotonic_time ();
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);

  GstElement *e = GST_PAD_PARENT (pad);
  GstClock *clock = e ? gst_element_get_clock (e) : NULL;
  double late = NAN;

  /* the live source's segment starts at 0: PTS is the running time */
  if (clock && GST_CLOCK_TIME_IS_VALID (pts))
    late = ((double) gst_clock_get_time (clock) -
        (double) gst_element_get_base_time (e) - (double) pts) / GST_MSECOND;
  if (clock)
    gst_object_unref (clock);
  g_array_append_val (log->us, now);
  g_array_append_val (log->pts, pts);
  g_array_append_val (log->late_ms, late);
  return GST_PAD_PROBE_OK;
}

static void
pad_log_init (pad_log * log, guint reserve)
{
  log->us = g_array_sized_new (FALSE, FALSE, sizeof (gint64), reserve);
  log->pts = g_array_sized_new (FALSE, FALSE, sizeof (GstClockTime), reserve);
  log->late_ms = g_array_sized_new (FALSE, FALSE, sizeof (double), reserve);
}

static void
pad_log_clear (pad_log * log)
{
  g_array_unref (log->us);
  g_array_unref (log->pts);
  g_array_unref (log->late_ms);
}

static gboolean
attach_probe (GstElement * pipe, const char *element, const char *pad,
    pad_log * log)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstPad *p = e ? gst_element_get_static_pad (e, pad) : NULL;

  if (p)
    gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_BUFFER, pad_log_probe, log, NULL);
  if (p)
    gst_object_unref (p);
  if (e)
    gst_object_unref (e);
  return p != NULL;
}

typedef struct {
  gboolean ok;
  guint frames_in, frames_out;           /* at mnv3classify / fakesink pads */
  guint64 rendered, dropped;             /* fakesink's stats */
  guint64 inferred, skipped;             /* mnv3classify's properties */
  double inference_fps, mean_latency;    /* ditto */
  double latency_start, latency_answer;  /* mnv3classify's share, ms, when
                                          * PLAYING and at EOS */
  double fps;                            /* steady rate at the sink */
  double wall_s;                         /* first buffer in to last out */
  double add_med, add_p99, add_max;      /* per-buffer added latency, ms */
  double late_first, late_last;          /* at the sink, first/last 5 s */
  double own_med, own_p99;               /* the inference element alone */
} run_result;

/* Median lateness at the sink over @n buffers from @from. */
static double
median_late (const pad_log * out, guint from, guint n)
{
  double *v = g_new (double, n + 1), med, p99;
  guint i, k = 0;

  for (i = from; i < from + n && i < out->late_ms->len; i++)
    if (!isnan (g_array_index (out->late_ms, double, i)))
      v[k++] = g_array_index (out->late_ms, double, i);
  stats_summary (v, k, &med, &p99, NULL);
  g_free (v);
  return med;
}

/* Frames per second at the sink after the first few (start-up) frames. */
static double
steady_fps (const pad_log * out)
{
  guint n = out->us->len, k = MIN (10, n / 10);
  gint64 t0, t1;

  if (n < 3)
    return NAN;
  t0 = g_array_index (out->us, gint64, k);
  t1 = g_array_index (out->us, gint64, n - 1);
  return t1 > t0 ? (n - 1 - k) * 1e6 / (t1 - t0) : NAN;
}

/* Added latency per buffer: pair the logs by PTS (nothing between the two
 * pads drops or reorders, but pair by PTS anyway to be sure). */
static void
added_latency (const pad_log * in, const pad_log * out, double *med,
    double *p99, double *max)
{
  double *v = g_new (double, out->us->len + 1);
  guint i, j = 0, n = 0;

  for (i = 0; i < out->us->len; i++) {
    GstClockTime pts = g_array_index (out->pts, GstClockTime, i);
    while (j < in->us->len && g_array_index (in->pts, GstClockTime, j) != pts)
      j++;
    if (j == in->us->len)
      break;
    v[n++] = (g_array_index (out->us, gint64, i) -
        g_array_index (in->us, gint64, j)) / 1000.0;
    j++;
  }
  stats_summary (v, n, med, p99, max);
  g_free (v);
}

/* mnv3classify's share of the LATENCY query: the answer on its source pad
 * minus the answer of its upstream peer. */
static double
element_latency_ms (GstElement * cls)
{
  GstPad *src = gst_element_get_static_pad (cls, "src");
  GstPad *sink = gst_element_get_static_pad (cls, "sink");
  GstQuery *q1 = gst_query_new_latency (), *q2 = gst_query_new_latency ();
  GstClockTime ours = 0, up = 0;
  double ms = NAN;

  if (gst_pad_query (src, q1) && gst_pad_peer_query (sink, q2)) {
    gst_query_parse_latency (q1, NULL, &ours, NULL);
    gst_query_parse_latency (q2, NULL, &up, NULL);
    ms = ((double) ours - (double) up) / GST_MSECOND;
  }
  gst_query_unref (q1);
  gst_query_unref (q2);
  gst_object_unref (src);
  gst_object_unref (sink);
  return ms;
}

static void
print_error (GstMessage * m)
{
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_message_parse_error (m, &err, &dbg);
  g_printerr ("pipeline-bench: %s: %s (%s)\n", GST_OBJECT_NAME (m->src),
      err->message, dbg ? dbg : "");
  g_clear_error (&err);
  g_free (dbg);
}

static gboolean
wait_eos (GstElement * pipe, double timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);
  gboolean ok = FALSE;

  for (;;) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m;

    if (left <= 0) {
      g_printerr ("pipeline-bench: no EOS after %.0f s\n", timeout_s);
      break;
    }
    m = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_LATENCY);
    if (!m)
      continue;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_LATENCY) {
      /* mnv3classify asks for this when its latency grew */
      gst_bin_recalculate_latency (GST_BIN (pipe));
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      print_error (m);
      gst_message_unref (m);
      break;
    } else {
      ok = TRUE;
      gst_message_unref (m);
      break;
    }
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  return ok;
}

static void
read_sink_stats (GstElement * pipe, run_result * r)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstStructure *st = NULL;

  g_object_get (sink, "stats", &st, NULL);
  if (st) {
    gst_structure_get_uint64 (st, "rendered", &r->rendered);
    gst_structure_get_uint64 (st, "dropped", &r->dropped);
    gst_structure_free (st);
  }
  gst_object_unref (sink);
}

/* Run one pipeline description to EOS and measure it.  The classifier, if
 * any, is named "cls"; the sink "sink". */
/* buffers in each of the two lateness windows (5 s at --fps) */
static guint late_window = 150;

static void
run_pipeline (const char *desc, guint frames, double timeout_s,
    run_result * r)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *cls;
  pad_log in, out, mid;
  double own_max;

  memset (r, 0, sizeof *r);
  r->inference_fps = r->mean_latency = NAN;
  r->latency_start = r->latency_answer = NAN;
  r->add_med = r->add_p99 = r->add_max = r->fps = r->wall_s = NAN;
  r->late_first = r->late_last = NAN;
  r->own_med = r->own_p99 = NAN;
  if (!pipe) {
    g_printerr ("pipeline-bench: %s\n  %s\n", desc, err->message);
    g_clear_error (&err);
    any_failed = TRUE;
    return;
  }
  pad_log_init (&in, frames + 16);
  pad_log_init (&out, frames + 16);
  pad_log_init (&mid, frames + 16);
  cls = gst_bin_get_by_name (GST_BIN (pipe), "cls");
  if (cls) {
    attach_probe (pipe, "cls", "sink", &in);
    attach_probe (pipe, "cls", "src", &mid);
  }
  attach_probe (pipe, "sink", "sink", &out);

  if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    g_printerr ("pipeline-bench: cannot start: %s\n", desc);
    if (m) {
      print_error (m);
      gst_message_unref (m);
    }
    gst_object_unref (bus);
    goto stop;
  }
  /* what the element says before it has measured real frames (its
   * warm-up estimate): the latency the pipeline is configured with */
  if (cls && gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND) !=
      GST_STATE_CHANGE_FAILURE)
    r->latency_start = element_latency_ms (cls);
  if (wait_eos (pipe, timeout_s)) {
    r->ok = TRUE;
    r->frames_in = in.us->len;
    r->frames_out = out.us->len;
    r->fps = steady_fps (&out);
    read_sink_stats (pipe, r);
    if (cls) {
      g_object_get (cls, "frames-inferred", &r->inferred,
          "frames-skipped", &r->skipped, "inference-fps", &r->inference_fps,
          "mean-latency", &r->mean_latency, NULL);
      r->latency_answer = element_latency_ms (cls);
      added_latency (&in, &out, &r->add_med, &r->add_p99, &r->add_max);
      added_latency (&in, &mid, &r->own_med, &r->own_p99, &own_max);
      if (out.us->len >= 2 * late_window) {
        r->late_first = median_late (&out, 0, late_window);
        r->late_last = median_late (&out, out.us->len - late_window,
            late_window);
      }
      if (in.us->len && out.us->len)
        r->wall_s = (g_array_index (out.us, gint64, out.us->len - 1) -
            g_array_index (in.us, gint64, 0)) / 1e6;
    }
  }
stop:
  if (!r->ok)
    any_failed = TRUE;
  gst_element_set_state (pipe, GST_STATE_NULL);
  if (cls)
    gst_object_unref (cls);
  gst_object_unref (pipe);
  pad_log_clear (&in);
  pad_log_clear (&out);
  pad_log_clear (&mid);
}

static gchar *
caps_string (frame_size sz, const char *format, int fps)
{
  return g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=%d/1", format, sz.width, sz.height, fps);
}

/* --element / --overlay: the inference element measured (mnv3classify by
 * default; mnv3detect and mnv3segment take the same base-class properties)
 * and extra mnv3overlay properties (e.g. "background=blur"). */
static const char *bench_element = "mnv3classify";
static const char *overlay_props = "";
/* --infer-mode: the element's mode property (NULL: its default, auto);
 * --track: mnv3track between the element and the overlay */
static const char *infer_mode = NULL;
static gboolean with_track = FALSE;
/* --props: extra properties of the inference element */
static const char *element_props = "";

static gchar *
classify_string (int threads, const char *model)
{
  return g_strdup_printf ("%s name=cls %s num-threads=%d "
      "inference-interval=1%s%s%s%s%s%s ! mnv3overlay %s", bench_element,
      element_props, threads, model ? " model=\"" : "", model ? model : "",
      model ? "\"" : "", infer_mode ? " mode=" : "",
      infer_mode ? infer_mode : "", with_track ? " ! mnv3track" : "",
      overlay_props);
}

static gboolean
have_element (const char *name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (f)
    gst_object_unref (f);
  return f != NULL;
}

/* ---- the sweep -------------------------------------------------------------- */

static gboolean
parse_list (const char *s, bench_plan * plan, int what)
{
  gchar **items = g_strsplit (s, ",", -1);
  gboolean ok = TRUE;
  int i;

  for (i = 0; items[i] && ok; i++) {
    const char *it = g_strstrip (items[i]);
    if (what == 0) {
      frame_size sz;
      ok = sscanf (it, "%dx%d", &sz.width, &sz.height) == 2
          && sz.width > 0 && sz.height > 0;
      if (ok)
        g_array_append_val (plan->sizes, sz);
    } else if (what == 1) {
      mnv3_pixel_format pf;
      ok = gst_mnv3_pixel_format_from_video (gst_video_format_from_string
          (it), &pf);
      if (ok)
        g_ptr_array_add (plan->formats, g_strdup (it));
    } else {
      int t = atoi (it);
      ok = t >= 1 && t <= 256;
      if (ok)
        g_array_append_val (plan->threads, t);
    }
    if (!ok)
      g_printerr ("pipeline-bench: bad value '%s'\n", it);
  }
  g_strfreev (items);
  return ok && i > 0;
}

static const char *
plugin_file (void)
{
  GstElementFactory *f = gst_element_factory_find ("mnv3classify");
  GstPlugin *p = f ? gst_plugin_feature_get_plugin (GST_PLUGIN_FEATURE (f))
      : NULL;
  static gchar path[1024];

  g_strlcpy (path, p && gst_plugin_get_filename (p) ?
      gst_plugin_get_filename (p) : "?", sizeof path);
  if (p)
    gst_object_unref (p);
  if (f)
    gst_object_unref (f);
  return path;
}

static void
sweep_alone (const bench_options * o, const bench_plan * plan,
    const char *model_path)
{
  static const char *h[] = { "size", "format", "threads", "pre-proc ms",
    "p99", "network ms", "p99", "sum ms", "isa"
  };
  mnv3_model *model = NULL;
  table t;
  guint s, f, k;

  if (mnv3_model_load (model_path, &model) != MNV3_OK) {
    g_printerr ("pipeline-bench: %s: %s\n", model_path, mnv3_last_error ());
    any_failed = TRUE;
    return;
  }
  table_init (&t, "Pre-processing alone (mnv3_preprocess_run, frame -> "
      "224x224 float tensor) and network alone (mnv3_session_run); median "
      "and p99 of --runs calls", h, G_N_ELEMENTS (h));
  for (s = 0; s < plan->sizes->len; s++)
    for (f = 0; f < plan->formats->len; f++)
      for (k = 0; k < plan->threads->len; k++) {
        frame_size sz = g_array_index (plan->sizes, frame_size, s);
        const char *fm = g_ptr_array_index (plan->formats, f);
        int th = g_array_index (plan->threads, int, k);
        alone_result r;
        gchar *size = g_strdup_printf ("%dx%d", sz.width, sz.height);
        gchar *ths = g_strdup_printf ("%d", th);

        if (!bench_alone (model, sz, fm, th, o->runs, &r))
          any_failed = TRUE;
        else
          table_add (&t, size, fm, ths, fmt ("%.3f", r.pre_med),
              fmt ("%.3f", r.pre_p99), fmt ("%.3f", r.net_med),
              fmt ("%.3f", r.net_p99), fmt ("%.3f", r.pre_med + r.net_med),
              r.isa);
        g_free (size);
        g_free (ths);
      }
  table_print (&t, 2, o->markdown);
  table_clear (&t);
  mnv3_model_free (model);
}

static void
sweep_throughput (const bench_options * o, const bench_plan * plan)
{
  static const char *h[] = { "size", "format", "threads", "frames", "fps",
    "source-only fps", "added ms (median)", "p99", "max", "mean-latency ms",
    "inferred", "skipped"
  };
  table t;
  guint s, f, k;

  gchar *title = g_strdup_printf ("Throughput: videotestsrc is-live=false "
      "num-buffers=N ! %s inference-interval=1 ! mnv3overlay %s ! fakesink "
      "sync=false", bench_element, overlay_props);

  table_init (&t, title, h, G_N_ELEMENTS (h));
  for (s = 0; s < plan->sizes->len; s++)
    for (f = 0; f < plan->formats->len; f++) {
      frame_size sz = g_array_index (plan->sizes, frame_size, s);
      const char *fm = g_ptr_array_index (plan->formats, f);
      gchar *caps = caps_string (sz, fm, 30);
      gchar *desc = g_strdup_printf ("videotestsrc is-live=false "
          "num-buffers=%d ! %s ! fakesink name=sink sync=false", o->frames,
          caps);
      run_result src_only;

      /* what the source and sink cost without mnv3 */
      run_pipeline (desc, o->frames, 60 + o->frames, &src_only);
      g_free (desc);
      for (k = 0; k < plan->threads->len; k++) {
        int th = g_array_index (plan->threads, int, k);
        gchar *cl = classify_string (th, o->model);
        gchar *size = g_strdup_printf ("%dx%d", sz.width, sz.height);
        gchar *ths = g_strdup_printf ("%d", th);
        run_result r;

        desc = g_strdup_printf ("videotestsrc is-live=false num-buffers=%d "
            "! %s ! %s ! fakesink name=sink sync=false",
            o->frames, caps, cl);
        run_pipeline (desc, o->frames, 60 + o->frames, &r);
        if (r.ok)
          table_add (&t, size, fm, ths, fmt ("%.0f", r.frames_out),
              fmt ("%.1f", r.fps), fmt ("%.0f", src_only.fps),
              fmt ("%.2f", r.add_med), fmt ("%.2f", r.add_p99),
              fmt ("%.1f", r.add_max), fmt ("%.2f", r.mean_latency),
              fmt ("%.0f", r.inferred),
              fmt ("%.0f", r.skipped));
        g_free (desc);
        g_free (cl);
        g_free (size);
        g_free (ths);
      }
      g_free (caps);
    }
  table_print (&t, 2, o->markdown);
  table_clear (&t);
  g_free (title);
}

/* Also says whether the bar is met: every 1920x1080 run with 2 threads
 * rendered every frame and inferred on every one. */
static void
sweep_live (const bench_options * o, const bench_plan * plan)
{
  static const char *h[] = { "size", "format", "threads", "frames in",
    "out", "dropped", "inferred", "skipped", "fps out", "inference-fps",
    "mean-latency ms", "LATENCY ms start/end", "added ms (median)", "p99", "max",
    "sink late ms first/last 5 s", "element alone ms (median/p99)"
  };
  int bar_runs = 0, bar_met = 0;
  guint frames = (guint) (o->seconds * o->fps);
  /* a live source makes mode=auto asynchronous */
  gboolean async_live = !infer_mode || strcmp (infer_mode, "sync") != 0;
  table t;
  guint s, f, k;
  gchar *title = g_strdup_printf ("Live: videotestsrc is-live=true "
      "num-buffers=%u at %d fps ! %s %s%sinference-interval=1%s%s%s ! "
      "mnv3overlay %s ! %s", frames, o->fps, bench_element, element_props,
      *element_props ? " " : "", infer_mode ? " mode=" : "",
      infer_mode ? infer_mode : "",
      with_track ? " ! mnv3track" : "", overlay_props, live_sink);

  table_init (&t, title, h, G_N_ELEMENTS (h));
  for (s = 0; s < plan->sizes->len; s++)
    for (f = 0; f < plan->formats->len; f++)
      for (k = 0; k < plan->threads->len; k++) {
        frame_size sz = g_array_index (plan->sizes, frame_size, s);
        const char *fm = g_ptr_array_index (plan->formats, f);
        int th = g_array_index (plan->threads, int, k);
        gchar *caps = caps_string (sz, fm, o->fps);
        gchar *cl = classify_string (th, o->model);
        gchar *desc = g_strdup_printf ("videotestsrc is-live=true "
            "num-buffers=%u ! %s ! %s ! %s",
            frames, caps, cl, live_sink);
        gchar *size = g_strdup_printf ("%dx%d", sz.width, sz.height);
        gchar *ths = g_strdup_printf ("%d", th);
        run_result r;

        gchar *lat, *late, *own;

        run_pipeline (desc, frames, 30 + 3.0 * frames / o->fps, &r);
        lat = g_strdup_printf ("%.2f/%.2f", r.latency_start, r.latency_answer);
        late = g_strdup_printf ("%.1f/%.1f", r.late_first, r.late_last);
        own = g_strdup_printf ("%.2f/%.2f", r.own_med, r.own_p99);
        if (r.ok) {
          table_add (&t, size, fm, ths, fmt ("%.0f", r.frames_in),
              fmt ("%.0f", r.rendered), fmt ("%.0f", r.dropped),
              fmt ("%.0f", r.inferred), fmt ("%.0f", r.skipped),
              fmt ("%.1f", r.fps), fmt ("%.1f", r.inference_fps),
              fmt ("%.2f", r.mean_latency), lat, fmt ("%.2f", r.add_med),
              fmt ("%.2f", r.add_p99), fmt ("%.1f", r.add_max), late, own);
        }
        if (sz.width == 1920 && sz.height == 1080 && th == 2) {
          /* a sink without QoS never drops: falling behind shows as the
           * lateness growing (by more than two frames here) */
          gboolean behind = noqos_sink
              && !(r.late_last <= r.late_first + 2000.0 / o->fps);

          bar_runs++;
          if (!behind && (async_live ? r.ok && r.frames_in == frames
              && r.rendered == frames && r.dropped == 0 && r.add_med <= 3.0
              && r.add_p99 <= 10.0 && r.mean_latency > 0.0
              /* the source's rate caps it when the network is faster */
              && r.inference_fps >= 0.8 * MIN (o->fps,
                  1000.0 / r.mean_latency)
              : r.ok && r.frames_in == frames
              && r.rendered == frames
              && r.dropped == 0 && r.inferred == frames && r.skipped == 0))
            bar_met++;
        }
        g_free (lat);
        g_free (late);
        g_free (own);
        g_free (desc);
        g_free (cl);
        g_free (caps);
        g_free (size);
        g_free (ths);
      }
  table_print (&t, 2, o->markdown);
  table_clear (&t);
  g_free (title);
  if (bar_runs && async_live)
    printf ("\nBar (1920x1080 at %d fps live, asynchronous inference, 2 "
        "threads: no frame dropped, added latency median <= 3 ms and p99 <= "
        "10 ms, inference-fps >= 80 %% of min(fps, 1000 / mean-latency)%s): "
        "%s (%d of %d formats)\n", o->fps, noqos_sink ?
        ", sink lateness grows by <= 2 frames" : "",
        bar_met == bar_runs ? "MET" : "NOT MET", bar_met, bar_runs);
  else if (bar_runs)
    printf ("\nBar (1920x1080 at %d fps live, every frame classified, 2 "
        "threads, no frame dropped or skipped%s): %s (%d of %d formats)\n",
        o->fps, noqos_sink ?
        ", sink lateness grows by <= 2 frames" : "",
        bar_met == bar_runs ? "MET" : "NOT MET", bar_met, bar_runs);
}

int
main (int argc, char **argv)
{
  bench_options o = { 0 };
  GOptionEntry entries[] = {
    {"mode", 0, 0, G_OPTION_ARG_STRING, &o.mode,
        "What to run: all (default), or a comma list of pre, throughput, live",
        "LIST"},
    {"sizes", 0, 0, G_OPTION_ARG_STRING, &o.sizes,
        "Frame sizes (default 1280x720,1920x1080)", "WxH,..."},
    {"formats", 0, 0, G_OPTION_ARG_STRING, &o.formats,
        "Pixel formats (default I420,BGRx)", "F,..."},
    {"threads", 0, 0, G_OPTION_ARG_STRING, &o.threads,
        "num-threads values (default 1,2)", "N,..."},
    {"frames", 0, 0, G_OPTION_ARG_INT, &o.frames,
        "Buffers per throughput run (default 300)", "N"},
    {"runs", 0, 0, G_OPTION_ARG_INT, &o.runs,
        "Timed calls for pre-processing/network alone (default 200)", "N"},
    {"seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "Length of each live run (default 10)", "S"},
    {"fps", 0, 0, G_OPTION_ARG_INT, &o.fps,
        "Frame rate of the live source (default 30)", "N"},
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &o.model,
        "Model file (default: mnv3classify's embedded V3-Small)", "FILE"},
    {"element", 0, 0, G_OPTION_ARG_STRING, &o.element,
        "Inference element: mnv3classify (default), mnv3detect, mnv3segment",
        "NAME"},
    {"overlay", 0, 0, G_OPTION_ARG_STRING, &o.overlay,
        "Extra mnv3overlay properties, e.g. \"background=blur\"", "PROPS"},
    {"infer-mode", 0, 0, G_OPTION_ARG_STRING, &o.infer_mode,
        "mode of the inference element: sync, async, auto (default: the "
        "element's, auto: async on the live runs)", "MODE"},
    {"track", 0, 0, G_OPTION_ARG_NONE, &o.track,
        "Put mnv3track between the inference element and mnv3overlay", NULL},
    {"props", 0, 0, G_OPTION_ARG_STRING, &o.props,
        "Extra properties of the inference element, e.g. "
        "\"max-detections=10\"", "PROPS"},
    {"sink", 0, 0, G_OPTION_ARG_STRING, &o.sink,
        "Live runs' sink: display (default: QoS, drops frames over 20 ms "
        "late) or noqos (on the clock, no QoS, no drops: udpsink-like)",
        "KIND"},
    {"markdown", 0, 0, G_OPTION_ARG_NONE, &o.markdown,
        "Markdown tables", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- frames per second and "
      "added latency of mnv3classify ! mnv3overlay");
  GError *err = NULL;
  bench_plan plan;
  gchar *cpu, *load0, *load1, *model_path, **modes;
  int i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("pipeline-bench: %s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  gst_init (&argc, &argv);

  o.frames = o.frames > 0 ? o.frames : 300;
  o.runs = o.runs > 0 ? o.runs : 200;
  o.seconds = o.seconds > 0 ? o.seconds : 10;
  o.fps = o.fps > 0 ? o.fps : 30;
  plan.sizes = g_array_new (FALSE, FALSE, sizeof (frame_size));
  plan.formats = g_ptr_array_new_with_free_func (g_free);
  plan.threads = g_array_new (FALSE, FALSE, sizeof (int));
  if (!parse_list (o.sizes ? o.sizes : "1280x720,1920x1080", &plan, 0)
      || !parse_list (o.formats ? o.formats : "I420,BGRx", &plan, 1)
      || !parse_list (o.threads ? o.threads : "1,2", &plan, 2))
    return 2;
  modes = g_strsplit (o.mode ? o.mode : "all", ",", -1);
  plan.pre = plan.throughput = plan.live = FALSE;
  for (i = 0; modes[i]; i++) {
    gboolean all = !strcmp (modes[i], "all");
    plan.pre |= all || !strcmp (modes[i], "pre");
    plan.throughput |= all || !strcmp (modes[i], "throughput");
    plan.live |= all || !strcmp (modes[i], "live");
  }
  g_strfreev (modes);

  if (o.element)
    bench_element = o.element;
  if (o.overlay)
    overlay_props = o.overlay;
  infer_mode = o.infer_mode;
  with_track = o.track;
  late_window = (guint) (5 * o.fps);
  if (o.props)
    element_props = o.props;
  if (o.sink && !strcmp (o.sink, "noqos")) {
    live_sink = NOQOS_SINK;
    noqos_sink = TRUE;
  } else if (o.sink && strcmp (o.sink, "display")) {
    g_printerr ("pipeline-bench: --sink is display or noqos\n");
    return 2;
  }
  if (!have_element (bench_element) || !have_element ("mnv3overlay")) {
    g_printerr ("pipeline-bench: mnv3classify/mnv3overlay not found: set "
        "GST_PLUGIN_PATH to the build's elements/ folder (bench/pipeline "
        "does)\n");
    return 1;
  }
  /* the file mnv3classify loads by default, found the same way */
  if (o.model)
    model_path = g_strdup (o.model);
  else if (g_getenv ("MNV3_MODEL_DIR") && *g_getenv ("MNV3_MODEL_DIR"))
    model_path = g_build_filename (g_getenv ("MNV3_MODEL_DIR"),
        "mobilenet_v3_small_224_1.0_uint8.tflite", NULL);
  else
    model_path = g_strdup (MNV3_BENCH_DEFAULT_MODEL);

  cpu = machine_cpu_model ();
  load0 = machine_load ();
  printf ("CPU: %s, %u logical CPUs; load average (1/5/15 min) before: %s; "
      "%s; plugin %s; model %s\n", cpu, g_get_num_processors (),
      load0, gst_version_string (), plugin_file (), o.model ? o.model :
      "mnv3classify default (embedded V3-Small)");
  fflush (stdout);

  if (plan.pre)
    sweep_alone (&o, &plan, model_path);
  if (plan.throughput)
    sweep_throughput (&o, &plan);
  if (plan.live)
    sweep_live (&o, &plan);

  load1 = machine_load ();
  printf ("\nload average after: %s\n", load1);
  g_free (cpu);
  g_free (load0);
  g_free (load1);
  g_free (model_path);
  g_array_unref (plan.sizes);
  g_ptr_array_unref (plan.formats);
  g_array_unref (plan.threads);
  g_free (o.sizes);
  g_free (o.formats);
  g_free (o.threads);
  g_free (o.mode);
  g_free (o.model);
  g_free (o.sink);
  g_free (o.props);
  return any_failed ? 1 : 0;
}
