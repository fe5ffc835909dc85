/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3-bench: latency of one model on this machine.
 *
 *   mnv3-bench MODEL [--threads N] [--isa X] [--runs N] [--warmup N]
 *              [--precision auto|fp32]
 *              [--size HxW] [--per-layer] [--json]
 *
 * Runs `warmup` untimed inferences, then `runs` timed ones, and reports the
 * median, min, max and mean latency with the plan's MACs, parameters, peak
 * activation arena and ISA.  --per-layer profiles every run and prints the
 * median time of each executed layer (after fusion): the per-device latency
 * table a NetAdapt-style search consumes.  --json prints one JSON object
 * instead of text.  The input is a fixed pseudo-random tensor in [-2, 2]
 * (content does not change the work done).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "detect.h"
#include "mnv3.h"

typedef struct {
  const char *model;
  int threads, runs, warmup, h, w;
  mnv3_isa isa;
  int per_layer, json;
  mnv3_precision precision;
} options;

static void
usage (FILE *f)
{
  fprintf (f,
      "usage: mnv3-bench MODEL [--threads N] [--isa auto|scalar|avx2|avx512|avx512vnni]"
      "\n                  [--runs N] [--warmup N] [--size HxW] [--per-layer]"
      " [--json]\n                  [--precision auto|fp32]\n"
      "  defaults: --threads 1 --runs 50 --warmup 5, the model's input "
      "size\n");
}

static int
parse_args (int argc, char **argv, options *o)
{
  const char *v;
  int r;

  *o = (options) { .threads = 1, .runs = 50, .warmup = 5,
    .isa = MNV3_ISA_AUTO };
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--help") == 0) {
      usage (stdout);
      return 1;
    }
    if (strcmp (argv[i], "--per-layer") == 0) {
      o->per_layer = 1;
    } else if (strcmp (argv[i], "--json") == 0) {
      o->json = 1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--threads", &v)) != 0) {
      if (r < 0 || mnv3_cli_int ("--threads", v, 1, 256, &o->threads))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--runs", &v)) != 0) {
      if (r < 0 || mnv3_cli_int ("--runs", v, 1, 1000000, &o->runs))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--warmup", &v)) != 0) {
      if (r < 0 || mnv3_cli_int ("--warmup", v, 0, 1000000, &o->warmup))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--isa", &v)) != 0) {
      if (r < 0 || mnv3_cli_isa ("--isa", v, &o->isa))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--precision", &v))
        != 0) {
      if (r < 0)
        return -1;
      if (strcmp (v, "fp32") == 0)
        o->precision = MNV3_PRECISION_FP32;
      else if (strcmp (v, "auto") != 0) {
        fprintf (stderr, "bad value '%s' for --precision\n", v);
        return -1;
      }
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--size", &v)) != 0) {
      if (r < 0 || mnv3_cli_size ("--size", v, &o->h, &o->w))
        return -1;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf (stderr, "unknown option %s\n", argv[i]);
      return -1;
    } else if (!o->model) {
      o->model = argv[i];
    } else {
      fprintf (stderr, "unexpected argument %s\n", argv[i]);
      return -1;
    }
  }
  if (!o->model) {
    usage (stderr);
    return -1;
  }
  return 0;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Median of n values (sorts them); mean of the middle two when n is even. */
static double
median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Deterministic input: an LCG mapped to [-2, 2]. */
static void
fill_input (float *x, size_t n)
{
  uint32_t state = 12345u;
  for (size_t i = 0; i < n; i++) {
    state = state * 1664525u + 1013904223u;
    x[i] = (float) (state >> 8) / (float) (1u << 24) * 4.0f - 2.0f;
  }
}

static void
json_string (const char *s)
{
  putchar ('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char) *s;
    if (c == '"' || c == '\\')
      printf ("\\%c", c);
    else if (c < 0x20)
      printf ("\\u%04x", c);
    else
      putchar (c);
  }
  putchar ('"');
}

typedef struct {
  double median_ms, min_ms, max_ms, mean_ms;
  int num_layers;
  double *layer_ms;        /* [runs][num_layers], then medians in row 0 */
} results;

/* Warm-up then timed runs; per-layer times collected when profiling. */
static int
measure (mnv3_session *s, const options *o, results *r)
{
  double *t = malloc (sizeof (double) * (size_t) o->runs);
  double *col = malloc (sizeof (double) * (size_t) o->runs);
  double sum = 0;
  mnv3_layer_info li;
  int nl = r->num_layers;

  if (!t || !col) {
    free (t);
    free (col);
    fprintf (stderr, "out of memory\n");
    return -1;
  }
  for (int i = 0; i < o->warmup; i++)
    if (mnv3_session_run (s) != MNV3_OK)
      goto fail;
  for (int i = 0; i < o->runs; i++) {
    double t0 = mnv3_cli_now_ms ();
    if (mnv3_session_run (s) != MNV3_OK)
      goto fail;
    t[i] = mnv3_cli_now_ms () - t0;
    sum += t[i];
    for (int l = 0; r->layer_ms && l < nl; l++)
      r->layer_ms[(size_t) i * nl + l] =
          mnv3_session_layer_info (s, l, &li) ? li.last_ms : 0.0;
  }
  r->mean_ms = sum / o->runs;
  r->median_ms = median (t, o->runs);
  r->min_ms = t[0];
  r->max_ms = t[o->runs - 1];
  for (int l = 0; r->layer_ms && l < nl; l++) {
    for (int i = 0; i < o->runs; i++)
      col[i] = r->layer_ms[(size_t) i * nl + l];
    r->layer_ms[l] = median (col, o->runs);
  }
  free (t);
  free (col);
  return 0;
fail:
  fprintf (stderr, "run failed: %s\n", mnv3_last_error ());
  free (t);
  free (col);
  return -1;
}

/* Detection models (metadata task=detection): time the post-processing
 * (decode, score threshold, top-k, class-wise NMS: models/detect.c) on the
 * outputs of the last run, reported apart from the network. */
static void
bench_detection (const mnv3_model *m, mnv3_session *s, const options *o,
    const mnv3_tensor_info *in)
{
  const char *task = mnv3_model_metadata (m, "task");
  mnv3_det_config cfg;
  mnv3_det_params p = mnv3_det_params_default ();
  mnv3_detector *d = NULL;
  mnv3_detection *dets = NULL;
  double *t = NULL;
  int n = 0;

  if (!task || strcmp (task, "detection") || mnv3_model_num_outputs (m) < 2)
    return;
  if (mnv3_det_config_from_model (m, &cfg) != MNV3_OK
      || mnv3_det_config_resize (&cfg, (int) in->dims[1],
          (int) in->dims[2]) != MNV3_OK
      || mnv3_detector_create (&cfg, &d) != MNV3_OK) {
    fprintf (stderr, "detection post-processing: %s\n", mnv3_last_error ());
    return;
  }
  p.score_threshold = 0.5f;   /* mnv3detect's default threshold */
  p.max_detections = 100;     /* and max-detections */
  dets = malloc (sizeof *dets * (size_t) p.max_detections);
  t = malloc (sizeof *t * (size_t) o->runs);
  if (dets && t) {
    const float *cls = mnv3_session_output (s, 0, NULL);
    const float *reg = mnv3_session_output (s, 1, NULL);
    for (int i = 0; i < o->runs; i++) {
      double t0 = mnv3_cli_now_ms ();
      n = mnv3_detector_run (d, cls, reg, &p, dets, p.max_detections);
      t[i] = mnv3_cli_now_ms () - t0;
    }
    printf ("postproc    median %.3f ms (decode + threshold %.2f + NMS, "
        "%d detections; not in the latency above)\n", median (t, o->runs),
        p.score_threshold, n);
  }
  free (t);
  free (dets);
  mnv3_detector_free (d);
}

static void
print_text (const mnv3_session *s, const options *o,
    const mnv3_tensor_info *in, const mnv3_session_stats *st,
    const results *r)
{
  printf ("model       %s\n", o->model);
  printf ("input       %lldx%lld\n", (long long) in->dims[1],
      (long long) in->dims[2]);
  printf ("isa         %s\n", mnv3_isa_name (mnv3_session_isa (s)));
  printf ("threads     %d\n", o->threads);
  printf ("precision   %s\n", mnv3_session_is_quantized (s) ? "integer"
      : "float32");
  printf ("runs        %d (after %d warm-up)\n", o->runs, o->warmup);
  printf ("latency     median %.3f ms  min %.3f  max %.3f  mean %.3f\n",
      r->median_ms, r->min_ms, r->max_ms, r->mean_ms);
  printf ("MACs        %.2f M  (%.2f GMAC/s %s at the median)\n",
      st->macs / 1e6, r->median_ms > 0 ? st->macs / (r->median_ms * 1e6)
      : 0.0, mnv3_session_is_quantized (s) ? "integer" : "float32");
  printf ("params      %.3f M\n", st->params / 1e6);
  printf ("arena       %.1f KiB (peak activations)\n",
      st->arena_bytes / 1024.0);
  printf ("weights     %.1f KiB (packed)\n", st->weight_bytes / 1024.0);
  printf ("layers      %d\n", st->num_layers);
  if (!r->layer_ms)
    return;

  double total = 0;
  for (int l = 0; l < r->num_layers; l++)
    total += r->layer_ms[l];
  printf ("\n%4s  %-16s %-7s %-13s %9s %9s %6s %7s  %s\n", "#", "op",
      "type", "out HxWxC", "MMACs", "ms", "%", "GMAC/s", "name");
  for (int l = 0; l < r->num_layers; l++) {
    mnv3_layer_info li;
    char shape[32];
    double ms = r->layer_ms[l];
    if (!mnv3_session_layer_info (s, l, &li))
      break;
    snprintf (shape, sizeof shape, "%dx%dx%d", li.out_h, li.out_w, li.out_c);
    printf ("%4d  %-16s %-7s %-13s %9.3f %9.4f %6.2f %7.2f  %s\n", l,
        li.op ? li.op : "?", li.precision ? li.precision : "?", shape,
        li.macs / 1e6, ms,
        total > 0 ? 100.0 * ms / total : 0.0,
        ms > 0 ? li.macs / (ms * 1e6) : 0.0, li.name ? li.name : "");
  }
  printf ("%4s  %-38s %9.3f %9.4f\n", "", "sum of layer medians",
      st->macs / 1e6, total);
}

static void
print_json (const mnv3_session *s, const options *o,
    const mnv3_tensor_info *in, const mnv3_session_stats *st,
    const results *r)
{
  printf ("{\"model\": ");
  json_string (o->model);
  printf (", \"input_height\": %lld, \"input_width\": %lld",
      (long long) in->dims[1], (long long) in->dims[2]);
  printf (", \"isa\": ");
  json_string (mnv3_isa_name (mnv3_session_isa (s)));
  printf (", \"threads\": %d, \"runs\": %d, \"warmup\": %d", o->threads,
      o->runs, o->warmup);
  printf (", \"precision\": \"%s\"", mnv3_session_is_quantized (s) ?
      "integer" : "float32");
  printf (", \"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f"
      ", \"mean_ms\": %.6f", r->median_ms, r->min_ms, r->max_ms, r->mean_ms);
  printf (", \"macs\": %lld, \"params\": %lld, \"arena_bytes\": %zu"
      ", \"weight_bytes\": %zu, \"num_layers\": %d", (long long) st->macs,
      (long long) st->params, st->arena_bytes, st->weight_bytes,
      st->num_layers);
  if (r->layer_ms) {
    printf (", \"layers\": [");
    for (int l = 0; l < r->num_layers; l++) {
      mnv3_layer_info li;
      if (!mnv3_session_layer_info (s, l, &li))
        break;
      printf ("%s\n  {\"index\": %d, \"op\": ", l ? "," : "", l);
      json_string (li.op);
      printf (", \"name\": ");
      json_string (li.name);
      printf (", \"precision\": ");
      json_string (li.precision ? li.precision : "");
      printf (", \"out\": [%d, %d, %d], \"macs\": %lld, \"median_ms\": %.6f}",
          li.out_h, li.out_w, li.out_c, (long long) li.macs, r->layer_ms[l]);
    }
    printf ("]");
  }
  printf ("}\n");
}

int
main (int argc, char **argv)
{
  options o;
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_session_options so = mnv3_session_options_default ();
  mnv3_session_stats st;
  mnv3_tensor_info in;
  results r = { 0 };
  int rc = 1;

  int pr = parse_args (argc, argv, &o);
  if (pr != 0)
    return pr > 0 ? 0 : 2;

  if (mnv3_model_load (o.model, &m) != MNV3_OK) {
    fprintf (stderr, "%s: %s\n", o.model, mnv3_last_error ());
    return 1;
  }
  so.num_threads = o.threads;
  so.isa = o.isa;
  so.input_height = o.h;
  so.input_width = o.w;
  so.profile = o.per_layer;
  so.precision = o.precision;
  if (mnv3_session_create (m, &so, &s) != MNV3_OK) {
    fprintf (stderr, "cannot create a session: %s\n", mnv3_last_error ());
    goto out;
  }
  /* Fill every input, so models with several inputs also run. */
  for (int i = 0; i < mnv3_model_num_inputs (m); i++) {
    size_t n = 1;
    if (mnv3_session_input_info (s, i, &in) != MNV3_OK)
      goto out;
    for (int d = 0; d < in.rank; d++)
      n *= (size_t) in.dims[d];
    fill_input (mnv3_session_input (s, i), n);
  }
  mnv3_session_input_info (s, 0, &in);
  mnv3_session_get_stats (s, &st);
  r.num_layers = st.num_layers;
  if (o.per_layer && st.num_layers > 0) {
    r.layer_ms = calloc ((size_t) o.runs * st.num_layers, sizeof (double));
    if (!r.layer_ms) {
      fprintf (stderr, "out of memory\n");
      goto out;
    }
  }
  if (measure (s, &o, &r) != 0)
    goto out;
  if (o.json)
    print_json (s, &o, &in, &st, &r);
  else
    print_text (s, &o, &in, &st, &r);
  if (!o.json)
    bench_detection (m, s, &o, &in);
  rc = 0;
out:
  free (r.layer_ms);
  mnv3_session_free (s);
  mnv3_model_free (m);
  return rc;
}
