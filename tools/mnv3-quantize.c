/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3-quantize: a float ONNX model to an int8 QDQ ONNX model.
 *
 *   mnv3-quantize [options] IN.onnx OUT.onnx --calibration DIR|IMAGE|VIDEO
 *
 * The float model runs in the engine on the calibration images, or on
 * frames spread over a video decoded by GStreamer (tools/qdq-video.h),
 * prepared as the elements prepare frames (core/preprocess.h: the model's
 * input size and "mean"/"std" metadata, resize-mode stretch by default); every
 * activation that gets a Q/DQ pair (tools/qdq-model.h) is observed through
 * an extra graph output.  Activations are quantized per tensor (int8 by
 * default, as ONNX Runtime's quantize_static), weights per output channel
 * (int8 symmetric), biases to int32.  The result is ONNX Runtime's QDQ
 * layout, so ONNX Runtime and mnv3 run the same file.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "labels.h"
#include "mnv3.h"
#include "preprocess.h"
#include "qdq-calib.h"
#include "qdq-model.h"
#include "qdq-video.h"

#define DEFAULT_SIZE 224
#define DEFAULT_VIDEO_FRAMES 100

typedef struct {
  const char *in_path, *out_path, *calibration;
  int frames;                  /* 0: every image, or 100 video frames */
  mnv3_calib_method method;
  double percentile;
  int is_signed;
  mnv3_fit fit;
  int size_h, size_w;
  int threads;
  int quiet;
  int have_mean, have_std;
  float mean[3], std[3];
} options;

static void
usage (FILE *f)
{
  fprintf (f,
      "usage: mnv3-quantize [options] IN.onnx OUT.onnx --calibration "
      "DIR|IMAGE|VIDEO\n"
      "  --calibration P  a directory of PNG/JPEG images (sorted by name), "
      "one image,\n"
      "                   or a video file (any GStreamer decodes)%s\n"
      "  --frames N       use N images spread over the sorted list "
      "(default: all),\n"
      "                   or N frames spread evenly over the video "
      "(default: %d)\n"
      "  --method M       minmax (default), percentile or mse\n"
      "  --percentile P   for --method percentile (default 99.99)\n"
      "  --activations T  int8 (default) or uint8\n"
      "  --resize-mode M  stretch (default), center-crop or letterbox, as "
      "the elements\n"
      "  --size HxW       input size when the model leaves it dynamic "
      "(default 224)\n"
      "  --mean M[,M,M], --std S[,S,S]  pixel normalisation (default: the "
      "model's\n"
      "                   metadata, else ImageNet's)\n"
      "  --threads N      engine threads (default 1)\n"
      "  --quiet          no progress and no per-layer summary\n",
      mnv3_video_supported () ? "" : "\n                   (videos: not in "
      "this build, which has no GStreamer)", DEFAULT_VIDEO_FRAMES);
}

static int
parse_args (int argc, char **argv, options *o)
{
  const char *pos[2];
  int n_pos = 0, r;
  const char *v;

  *o = (options) { .method = MNV3_CALIB_MINMAX, .percentile = 99.99,
    .is_signed = 1, .fit = MNV3_FIT_STRETCH, .threads = 1 };
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--help") == 0) {
      usage (stdout);
      return 1;
    }
    if (strcmp (argv[i], "--quiet") == 0) {
      o->quiet = 1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--calibration", &v))) {
      if (r < 0)
        return -1;
      o->calibration = v;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--frames", &v))) {
      if (r < 0 || mnv3_cli_int ("--frames", v, 1, 1 << 30, &o->frames))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--method", &v))) {
      if (r < 0)
        return -1;
      if (strcmp (v, "minmax") == 0)
        o->method = MNV3_CALIB_MINMAX;
      else if (strcmp (v, "percentile") == 0)
        o->method = MNV3_CALIB_PERCENTILE;
      else if (strcmp (v, "mse") == 0)
        o->method = MNV3_CALIB_MSE;
      else {
        fprintf (stderr, "bad value '%s' for --method\n", v);
        return -1;
      }
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--percentile", &v))) {
      float p;
      if (r < 0 || mnv3_cli_float ("--percentile", v, 50.0f, 100.0f, &p))
        return -1;
      o->percentile = p;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--activations", &v))) {
      if (r < 0)
        return -1;
      if (strcmp (v, "int8") == 0)
        o->is_signed = 1;
      else if (strcmp (v, "uint8") == 0)
        o->is_signed = 0;
      else {
        fprintf (stderr, "bad value '%s' for --activations\n", v);
        return -1;
      }
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--resize-mode", &v))) {
      if (r < 0)
        return -1;
      if (strcmp (v, "stretch") == 0)
        o->fit = MNV3_FIT_STRETCH;
      else if (strcmp (v, "center-crop") == 0)
        o->fit = MNV3_FIT_CENTER_CROP;
      else if (strcmp (v, "letterbox") == 0)
        o->fit = MNV3_FIT_LETTERBOX;
      else {
        fprintf (stderr, "bad value '%s' for --resize-mode\n", v);
        return -1;
      }
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--size", &v))) {
      if (r < 0 || mnv3_cli_size ("--size", v, &o->size_h, &o->size_w))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--mean", &v))) {
      if (r < 0 || mnv3_normalization_parse (v, o->mean)) {
        fprintf (stderr, "bad value for --mean\n");
        return -1;
      }
      o->have_mean = 1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--std", &v))) {
      if (r < 0 || mnv3_normalization_parse (v, o->std)
          || !(o->std[0] > 0 && o->std[1] > 0 && o->std[2] > 0)) {
        fprintf (stderr, "bad value for --std (positive numbers)\n");
        return -1;
      }
      o->have_std = 1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--threads", &v))) {
      if (r < 0 || mnv3_cli_int ("--threads", v, 1, 256, &o->threads))
        return -1;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      fprintf (stderr, "unknown option %s\n", argv[i]);
      return -1;
    } else if (n_pos < 2) {
      pos[n_pos++] = argv[i];
    } else {
      fprintf (stderr, "unexpected argument %s\n", argv[i]);
      return -1;
    }
  }
  if (n_pos != 2 || !o->calibration) {
    usage (stderr);
    return -1;
  }
  o->in_path = pos[0];
  o->out_path = pos[1];
  return 0;
}

/* ---- calibration images ------------------------------------------------ */

static int
has_image_ext (const char *name)
{
  const char *dot = strrchr (name, '.');
  return dot && (!strcasecmp (dot, ".png") || !strcasecmp (dot, ".jpg")
      || !strcasecmp (dot, ".jpeg"));
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The image paths of `path` (a directory or one file), sorted; NULL-
 * terminated, malloc'd. */
static char **
list_images (const char *path, int *count)
{
  struct stat st;
  char **v = NULL;
  int n = 0, cap = 0;
  DIR *d;
  struct dirent *e;

  *count = 0;
  if (stat (path, &st) != 0) {
    fprintf (stderr, "%s: cannot open\n", path);
    return NULL;
  }
  if (!S_ISDIR (st.st_mode)) {
    v = calloc (2, sizeof *v);
    if (v && !(v[0] = strdup (path))) {
      free (v);
      v = NULL;
    }
    *count = v ? 1 : 0;
    return v;
  }
  d = opendir (path);
  if (!d) {
    fprintf (stderr, "%s: cannot read the directory\n", path);
    return NULL;
  }
  while ((e = readdir (d))) {
    char *p;
    if (e->d_name[0] == '.' || !has_image_ext (e->d_name))
      continue;
    if (n + 1 >= cap) {
      char **nv = realloc (v, sizeof *v * (size_t) (cap = cap ? 2 * cap : 64));
      if (!nv)
        break;
      v = nv;
    }
    p = malloc (strlen (path) + strlen (e->d_name) + 2);
    if (!p)
      break;
    sprintf (p, "%s/%s", path, e->d_name);
    v[n++] = p;
    v[n] = NULL;
  }
  closedir (d);
  if (!v)
    v = calloc (1, sizeof *v);    /* an empty list, not a failure */
  if (n > 1)
    qsort (v, (size_t) n, sizeof *v, cmp_str);
  *count = n;
  return v;
}

static void
free_list (char **v)
{
  for (int i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

/* A file to read as a video: a regular file that is not a PNG or JPEG
 * image, by name or by content. */
static int
is_video (const char *path)
{
  static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n' }, jpeg[3] = { 0xff, 0xd8, 0xff };
  unsigned char head[8] = { 0 };
  struct stat st;
  FILE *f;

  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode) || has_image_ext (path))
    return 0;
  if ((f = fopen (path, "rb"))) {
    size_t n = fread (head, 1, sizeof head, f);
    fclose (f);
    if ((n >= 8 && !memcmp (head, png, 8)) || (n >= 3
            && !memcmp (head, jpeg, 3)))
      return 0;
  }
  return 1;
}

/* One packed RGB frame (an image, a video frame) into the session's input
 * as the elements prepare frames. */
static int
prepare_rgb (mnv3_session *s, const uint8_t *rgb, int width, int height,
    int stride, const char *name, const options *o, const float mean[3],
    const float std[3])
{
  mnv3_tensor_info in;
  mnv3_preprocess_params p = { 0 };
  mnv3_preprocess *pp;
  mnv3_frame frame = { { 0 }, { 0 } };

  mnv3_session_input_info (s, 0, &in);
  p.format = MNV3_PIXEL_RGB;
  p.src_width = width;
  p.src_height = height;
  p.dst_width = (int) in.dims[2];
  p.dst_height = (int) in.dims[1];
  mnv3_preprocess_fit (o->fit, p.src_width, p.src_height, p.dst_width,
      p.dst_height, &p.src, &p.dst);
  for (int c = 0; c < 3; c++) {
    p.mean[c] = mean[c];
    p.std[c] = std[c] != 0.0f ? std[c] : 1.0f;
    p.pad_value[c] = -p.mean[c] / p.std[c];
  }
  pp = mnv3_preprocess_create (MNV3_ISA_AUTO, &p);
  if (!pp) {
    fprintf (stderr, "%s: %s\n", name, mnv3_last_error ());
    return -1;
  }
  frame.planes[0] = rgb;
  frame.strides[0] = stride;
  mnv3_preprocess_run (pp, &frame, mnv3_session_input (s, 0), s);
  mnv3_preprocess_free (pp);
  return 0;
}

/* One image file, as prepare_rgb(). */
static int
prepare (mnv3_session *s, const char *path, const options *o,
    const float mean[3], const float std[3])
{
  mnv3_image img;
  char err[512];
  int r;

  if (mnv3_image_load (path, &img, err, sizeof err) != 0) {
    fprintf (stderr, "%s\n", err);
    return -1;
  }
  r = prepare_rgb (s, img.rgb, img.width, img.height, img.width * 3, path, o,
      mean, std);
  mnv3_image_free (&img);
  return r;
}

/* The next frame of a video into the session's input: 1, 0 at its end,
 * -1 (said why). */
static int
prepare_video (mnv3_session *s, mnv3_video *v, const options *o,
    const float mean[3], const float std[3], char *name, size_t namelen)
{
  mnv3_video_frame f;
  char err[512];
  int r = mnv3_video_next (v, &f, err, sizeof err);

  if (r < 0)
    fprintf (stderr, "%s\n", err);
  if (r <= 0)
    return r;
  if (f.seconds >= 0)
    snprintf (name, namelen, "%s (frame %d, %.3f s)", o->calibration,
        f.index, f.seconds);
  else
    snprintf (name, namelen, "%s (frame %d)", o->calibration, f.index);
  return prepare_rgb (s, f.rgb, f.width, f.height, f.stride, name, o, mean,
      std) == 0 ? 1 : -1;
}

static void
progress (int done, int total, double elapsed_ms)
{
  double left = done > 0 ? elapsed_ms / done * (total - done) / 1e3 : 0;
  fprintf (stderr, "\rcalibrating: %d/%d frames, %.0f s left   ", done,
      total, left);
  if (done == total)
    fputc ('\n', stderr);
  fflush (stderr);
}

static const char *
method_name (mnv3_calib_method m)
{
  return m == MNV3_CALIB_MSE ? "mse" : m == MNV3_CALIB_PERCENTILE
      ? "percentile" : "minmax";
}

static void
summary (const mnv3_qdq_model *qm, const mnv3_calib *cal,
    const float *lo, const float *hi, const mnv3_qdq_param *params,
    const options *o)
{
  int n = mnv3_qdq_num_acts (qm);

  printf ("%-4s %-40s %-18s %11s %11s %11s %11s %11s %5s\n", "#", "tensor",
      "op", "seen min", "seen max", "clip lo", "clip hi", "scale", "zp");
  for (int i = 0; i < n; i++) {
    const mnv3_qdq_act *a = mnv3_qdq_act_get (qm, i);
    int k = a->share >= 0 ? a->share : i;
    const char *name = a->name;
    size_t len = strlen (name);
    if (len > 40)
      name += len - 40;
    if (a->share >= 0)
      printf ("%-4d %-40s %-18s %11s %11s %11s %11s %11.5g %5d  (as #%d)\n",
          i, name, a->op, "", "", "", "", params[k].scale,
          params[k].zero_point, k);
    else
      printf ("%-4d %-40s %-18s %11.5g %11.5g %11.5g %11.5g %11.5g %5d\n",
          i, name, a->op, cal[i].min, cal[i].max, lo[i], hi[i],
          params[i].scale, params[i].zero_point);
  }
  printf ("method %s, %s activations per tensor, int8 symmetric weights "
      "per channel\n", method_name (o->method),
      o->is_signed ? "int8" : "uint8");
}

static mnv3_session *
open_session (const mnv3_model *m, const options *o)
{
  mnv3_tensor_info in;
  mnv3_session_options so = mnv3_session_options_default ();
  mnv3_session *s;

  if (mnv3_model_num_inputs (m) != 1
      || mnv3_model_input_info (m, 0, &in) != MNV3_OK || in.rank != 4) {
    fprintf (stderr, "the model must have one image input (rank 4)\n");
    return NULL;
  }
  if (o->size_h) {
    so.input_height = o->size_h;
    so.input_width = o->size_w;
  } else {
    so.input_height = in.dims[1] > 0 ? 0 : DEFAULT_SIZE;
    so.input_width = in.dims[2] > 0 ? 0 : DEFAULT_SIZE;
  }
  so.num_threads = o->threads;
  so.precision = MNV3_PRECISION_FP32;
  if (mnv3_session_create (m, &so, &s) != MNV3_OK) {
    fprintf (stderr, "cannot create a session: %s\n", mnv3_last_error ());
    return NULL;
  }
  if (mnv3_session_input_info (s, 0, &in) != MNV3_OK || in.dims[3] != 3) {
    fprintf (stderr, "the model input is not an RGB image (3 channels)\n");
    mnv3_session_free (s);
    return NULL;
  }
  return s;
}

int
main (int argc, char **argv)
{
  options o;
  mnv3_qdq_model *qm = NULL;
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_calib *cal = NULL;
  mnv3_qdq_param *params = NULL;
  mnv3_qdq_stats st;
  float *lo = NULL, *hi = NULL, mean[3], std[3];
  char **images = NULL, err[512], note[256], frame_name[1024];
  const char *name = NULL;
  mnv3_video *video = NULL;
  void *buf = NULL;
  size_t len;
  int r, n_images = 0, n_acts, total, used, ret = 1;
  int tty;
  double t0;

  r = parse_args (argc, argv, &o);
  if (r != 0)
    return r > 0 ? 0 : 2;
  tty = !o.quiet && isatty (2);

  if (mnv3_qdq_open (o.in_path, &qm, err, sizeof err) != 0
      || mnv3_qdq_calibration_model (qm, &buf, &len, err, sizeof err)) {
    fprintf (stderr, "%s\n", err);
    goto out;
  }
  if (mnv3_model_load_memory (buf, len, o.in_path, &m) != MNV3_OK) {
    fprintf (stderr, "%s: %s\n", o.in_path, mnv3_last_error ());
    goto out;
  }
  free (buf);
  buf = NULL;
  mnv3_normalization_from_model (m, mean, std);
  if (o.have_mean)
    memcpy (mean, o.mean, sizeof mean);
  if (o.have_std)
    memcpy (std, o.std, sizeof std);
  if (!(s = open_session (m, &o)))
    goto out;

  if (is_video (o.calibration)) {
    video = mnv3_video_open (o.calibration, o.frames ? o.frames
        : DEFAULT_VIDEO_FRAMES, err, sizeof err);
    if (!video) {
      fprintf (stderr, "%s\n", err);
      goto out;
    }
    total = mnv3_video_total (video);
  } else {
    images = list_images (o.calibration, &n_images);
    if (!images || n_images == 0) {
      if (images)     /* list_images() said why when it returned NULL */
        fprintf (stderr, "%s: no PNG or JPEG image\n", o.calibration);
      goto out;
    }
    total = o.frames && o.frames < n_images ? o.frames : n_images;
  }
  n_acts = mnv3_qdq_num_acts (qm);
  cal = malloc (sizeof *cal * (size_t) n_acts);
  lo = calloc ((size_t) n_acts, sizeof *lo);
  hi = calloc ((size_t) n_acts, sizeof *hi);
  params = calloc ((size_t) n_acts, sizeof *params);
  if (!cal || !lo || !hi || !params) {
    fprintf (stderr, "out of memory\n");
    goto out;
  }
  for (int i = 0; i < n_acts; i++)
    mnv3_calib_init (&cal[i]);

  t0 = mnv3_cli_now_ms ();
  for (used = 0; used < total; used++) {
    if (video) {
      /* N frames spread over the video (qdq-video.h says how) */
      name = frame_name;
      r = prepare_video (s, video, &o, mean, std, frame_name,
          sizeof frame_name);
      if (r < 0)
        goto out;
      if (r == 0)
        break;        /* a video with fewer frames than --frames */
    } else {
      /* --frames N picks N images spread over the sorted list: frames
       * extracted from a video differ more that way than N in a row. */
      name = images[(int64_t) used * n_images / total];
      if (prepare (s, name, &o, mean, std) != 0)
        goto out;
    }
    if (mnv3_session_run (s) != MNV3_OK) {
      fprintf (stderr, "%s: run failed: %s\n", name, mnv3_last_error ());
      goto out;
    }
    for (int i = 0; i < n_acts; i++) {
      const mnv3_qdq_act *a = mnv3_qdq_act_get (qm, i);
      mnv3_tensor_info info;
      const float *x;
      int64_t count = 1;
      if (a->share >= 0)
        continue;
      if (strcmp (a->op, "input") == 0) {
        mnv3_session_input_info (s, 0, &info);
        x = mnv3_session_input (s, 0);
      } else {
        x = mnv3_session_output (s, a->output, &info);
      }
      for (int d = 0; d < info.rank; d++)
        count *= info.dims[d];
      if (x)
        mnv3_calib_add (&cal[i], x, (size_t) count);
    }
    if (tty)
      progress (used + 1, total, mnv3_cli_now_ms () - t0);
  }
  if (used == 0) {
    fprintf (stderr, "%s: no video frame\n", o.calibration);
    goto out;
  }
  if (used < total) {
    if (tty)
      fputc ('\n', stderr);
    if (!o.quiet)
      fprintf (stderr, "%s: %d frames taken, not %d: the video has fewer "
          "frames\n", o.calibration, used, total);
  }
  mnv3_video_close (video);
  video = NULL;

  for (int i = 0; i < n_acts; i++) {
    const mnv3_qdq_act *a = mnv3_qdq_act_get (qm, i);
    if (a->share >= 0)
      continue;
    mnv3_calib_range (&cal[i], o.method, o.percentile, 256, &lo[i], &hi[i]);
    params[i] = mnv3_qdq_param_from_range (lo[i], hi[i], o.is_signed);
  }
  for (int i = 0; i < n_acts; i++) {
    const mnv3_qdq_act *a = mnv3_qdq_act_get (qm, i);
    if (a->share >= 0)
      params[i] = params[a->share];
  }
  if (!o.quiet)
    summary (qm, cal, lo, hi, params, &o);
  if (o.method == MNV3_CALIB_PERCENTILE)
    snprintf (note, sizeof note, "method=percentile percentile=%.6g",
        o.percentile);
  else
    snprintf (note, sizeof note, "method=%s", method_name (o.method));
  snprintf (note + strlen (note), sizeof note - strlen (note),
      " frames=%d activations=%s weights=int8-per-channel", used,
      o.is_signed ? "int8" : "uint8");
  if (mnv3_qdq_write (qm, params, o.is_signed, note, o.out_path, &st, err,
          sizeof err) != 0) {
    fprintf (stderr, "%s\n", err);
    goto out;
  }
  if (!o.quiet)
    printf ("%d activations, %d weight tensors (%d per tensor), %d biases; "
        "weights %.2f MB -> %.2f MB; wrote %s\n", n_acts, st.weights,
        st.per_tensor, st.biases, st.float_bytes / 1e6, st.int_bytes / 1e6,
        o.out_path);
  ret = 0;
out:
  free (buf);
  free_list (images);
  mnv3_video_close (video);
  free (cal);
  free (lo);
  free (hi);
  free (params);
  mnv3_session_free (s);
  mnv3_model_free (m);
  mnv3_qdq_free (qm);
  return ret;
}
