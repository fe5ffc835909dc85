/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3-classify: the top classes of a classifier for each image.
 *
 *   mnv3-classify [--labels FILE] [--threads N] [--crop F] [--top K]
 *                 [--size HxW] MODEL IMAGE...
 *
 * Pre-processing follows the model: its input size (--size for a model
 * whose input size is dynamic, else DEFAULT_SIZE), and its "mean"/"std"
 * metadata (torchvision's ImageNet values when absent); the image is
 * centre-cropped (default 0.875 of each side, TF's central_crop) and
 * resized bilinearly.  Labels come from --labels, else from the model
 * (its metadata, or the sidecar <model>.labels the loader reads).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "image.h"
#include "mnv3.h"

/* Declared size used when the model leaves the input size dynamic. */
#define DEFAULT_SIZE 224

typedef struct {
  const char *labels_path;
  int threads;
  float crop;
  int top;
  int h, w;                 /* --size, 0: the model's */
  const char *model_path;
  char **images;
  int num_images;
  int softmax_output;       /* the model says output 0 is a softmax */
  int have_mean, have_std;  /* --mean / --std given */
  float mean[3], std[3];
  mnv3_precision precision;
} options;

static void
usage (FILE *f)
{
  fprintf (f,
      "usage: mnv3-classify [--labels FILE] [--threads N] [--crop F] "
      "[--top K]\n"
      "                     [--mean M[,M,M]] [--std S[,S,S]] "
      "[--precision auto|fp32] [--size HxW] MODEL IMAGE...\n"
      "  --labels FILE  class names, one a line (default: from the model)\n"
      "  --threads N    threads including the caller (default 1)\n"
      "  --crop F       centre fraction of each side kept, 0 < F <= 1 "
      "(default 0.875)\n"
      "  --top K        classes printed per image (default 5)\n"
      "  --size HxW     network input size (default: the model's; 224 when\n"
      "                 the model leaves it dynamic)\n"
      "  --mean, --std  pixel normalisation (x - mean) / std in pixel units,\n"
      "                 one value or one per RGB channel (default: from the\n"
      "                 model: its metadata, or the range its first QUANTIZE\n"
      "                 takes, or ImageNet's)\n"
      "  --precision    auto (a quantized model in integer, as TFLite runs\n"
      "                 it) or fp32 (dequantized)\n");
}

/* "v" or "v,v,v" into out[3]; std values must be > 0. */
static int
parse_triplet (const char *opt, const char *v, int positive, float out[3])
{
  char *end;
  int n = 0;

  while (n < 3) {
    double x = strtod (v, &end);
    if (end == v || !isfinite (x) || (positive && !(x > 0.0)))
      break;
    out[n++] = (float) x;
    if (*end != ',')
      break;
    v = end + 1;
  }
  if (*end != '\0' || (n != 1 && n != 3)) {
    fprintf (stderr, "bad value for %s: one number or three, "
        "comma-separated%s\n", opt, positive ? ", each > 0" : "");
    return -1;
  }
  if (n == 1)
    out[1] = out[2] = out[0];
  return 0;
}

/* Returns 0, 1 (help printed) or -1 (bad usage). */
static int
parse_args (int argc, char **argv, options *o)
{
  int i, r;
  const char *v;

  *o = (options) { .threads = 1, .crop = 0.875f, .top = 5 };
  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
    if (strcmp (argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp (argv[i], "--help") == 0) {
      usage (stdout);
      return 1;
    }
    if ((r = mnv3_cli_match (argc, argv, &i, "--labels", &v)) != 0) {
      if (r < 0)
        return -1;
      o->labels_path = v;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--threads", &v)) != 0) {
      if (r < 0 || mnv3_cli_int ("--threads", v, 1, 256, &o->threads))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--size", &v)) != 0) {
      if (r < 0 || mnv3_cli_size ("--size", v, &o->h, &o->w))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--crop", &v)) != 0) {
      if (r < 0 || mnv3_cli_float ("--crop", v, 1e-3f, 1.0f, &o->crop))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--top", &v)) != 0) {
      if (r < 0 || mnv3_cli_int ("--top", v, 1, 1 << 20, &o->top))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--mean", &v)) != 0) {
      if (r < 0 || parse_triplet ("--mean", v, 0, o->mean))
        return -1;
      o->have_mean = 1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--std", &v)) != 0) {
      if (r < 0 || parse_triplet ("--std", v, 1, o->std))
        return -1;
      o->have_std = 1;
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
    } else {
      fprintf (stderr, "unknown option %s\n", argv[i]);
      return -1;
    }
  }
  if (argc - i < 2) {
    usage (stderr);
    return -1;
  }
  o->model_path = argv[i];
  o->images = argv + i + 1;
  o->num_images = argc - i - 1;
  return 0;
}

/* Session for the model's declared input size (DEFAULT_SIZE where the
 * model leaves it open). */
static int
open_session (const mnv3_model *m, int threads, mnv3_precision precision,
    int h, int w, mnv3_session **s)
{
  mnv3_tensor_info in;
  mnv3_session_options so = mnv3_session_options_default ();

  if (mnv3_model_num_inputs (m) < 1
      || mnv3_model_input_info (m, 0, &in) != MNV3_OK) {
    fprintf (stderr, "model has no input: %s\n", mnv3_last_error ());
    return -1;
  }
  if (in.rank == 4 && in.dims[1] <= 0)
    so.input_height = DEFAULT_SIZE;
  if (in.rank == 4 && in.dims[2] <= 0)
    so.input_width = DEFAULT_SIZE;
  if (h > 0) {
    so.input_height = h;
    so.input_width = w;
  }
  so.num_threads = threads;
  so.precision = precision;
  if (mnv3_session_create (m, &so, s) != MNV3_OK) {
    fprintf (stderr, "cannot create a session: %s\n", mnv3_last_error ());
    return -1;
  }
  if (mnv3_session_input_info (*s, 0, &in) != MNV3_OK || in.rank != 4
      || in.dims[3] != 3) {
    fprintf (stderr, "model input is not an RGB image (NHWC, 3 channels)\n");
    return -1;
  }
  return 0;
}

/* Classifies one image and prints its top classes.  Returns 0 or -1. */
static int
classify_one (mnv3_session *s, const char *path, const options *o,
    const mnv3_labels *labels, const float mean[3], const float std[3])
{
  mnv3_image img;
  mnv3_tensor_info in, out;
  char err[512], name[32];
  const float *scores;
  float *prob = NULL;
  int *top = NULL, n, k, ret = -1;

  if (mnv3_image_load (path, &img, err, sizeof err) != 0) {
    fprintf (stderr, "%s\n", err);
    return -1;
  }
  mnv3_session_input_info (s, 0, &in);
  mnv3_image_to_tensor (&img, o->crop, (int) in.dims[1], (int) in.dims[2],
      mean, std, mnv3_session_input (s, 0));
  mnv3_image_free (&img);

  if (mnv3_session_run (s) != MNV3_OK) {
    fprintf (stderr, "%s: run failed: %s\n", path, mnv3_last_error ());
    return -1;
  }
  scores = mnv3_session_output (s, 0, &out);
  /* Classes are the last dimension; anything before it must be 1. */
  n = out.rank > 0 ? (int) out.dims[out.rank - 1] : 0;
  for (int d = 0; d + 1 < out.rank; d++)
    if (out.dims[d] != 1)
      n = 0;
  if (!scores || n < 1) {
    fprintf (stderr, "%s: output 0 is not a [1, classes] vector\n", path);
    return -1;
  }

  prob = malloc (sizeof (float) * (size_t) n);
  top = malloc (sizeof (int) * (size_t) n);
  if (!prob || !top) {
    fprintf (stderr, "out of memory\n");
    goto out;
  }
  mnv3_classify_probabilities_known (scores, prob, n, o->softmax_output);
  k = mnv3_classify_topk (prob, n, o->top, top);
  if (k < 0) {
    fprintf (stderr, "out of memory\n");
    goto out;
  }
  printf ("%s:\n", path);
  for (int i = 0; i < k; i++)
    printf ("  %7.4f  %4d  %s\n", prob[top[i]], top[i],
        mnv3_labels_name (labels, top[i], n, name, sizeof name));
  ret = 0;
out:
  free (prob);
  free (top);
  return ret;
}

int
main (int argc, char **argv)
{
  options o;
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_labels labels = { 0, NULL };
  float mean[3], std[3];
  char err[512];
  int r, failed = 0;

  r = parse_args (argc, argv, &o);
  if (r != 0)
    return r > 0 ? 0 : 2;

  if (mnv3_model_load (o.model_path, &m) != MNV3_OK) {
    fprintf (stderr, "%s: %s\n", o.model_path, mnv3_last_error ());
    return 1;
  }
  o.softmax_output = mnv3_model_metadata (m, "probabilities")
      && !strcmp (mnv3_model_metadata (m, "probabilities"), "1");
  if (o.labels_path) {
    if (mnv3_labels_load (o.labels_path, &labels, err, sizeof err) != 0) {
      fprintf (stderr, "%s\n", err);
      failed = 1;
      goto out;
    }
  } else if (mnv3_labels_from_model (m, &labels) != 0) {
    fprintf (stderr, "note: the model has no labels; printing indices\n");
  }
  mnv3_normalization_from_model (m, mean, std);
  if (o.have_mean)
    memcpy (mean, o.mean, sizeof mean);
  if (o.have_std)
    memcpy (std, o.std, sizeof std);
  if (open_session (m, o.threads, o.precision, o.h, o.w, &s) != 0) {
    failed = 1;
    goto out;
  }
  for (int i = 0; i < o.num_images; i++)
    if (classify_one (s, o.images[i], &o, &labels, mean, std) != 0)
      failed = 1;
out:
  mnv3_labels_free (&labels);
  mnv3_session_free (s);
  mnv3_model_free (m);
  return failed;
}
