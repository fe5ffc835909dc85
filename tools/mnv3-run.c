/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mnv3-run: one inference on a raw float32 tensor, every output written
 * raw.  Meant for parity scripts (compare with PyTorch / ONNX Runtime).
 *
 *   mnv3-run MODEL --input IN.bin --output OUT.bin [--layout nchw|nhwc]
 *            [--threads N] [--isa scalar|avx2|avx512|avx512vnni]
 *            [--size HxW] [--raw] [--precision auto|fp32]
 *            [--dump-dir DIR]
 *
 * IN.bin holds exactly the session input's elements (batch 1), native
 * float32, in --layout order (default nhwc).  With --raw it holds them in
 * the input's own element type (uint8 pixels for TF's quantized
 * classifiers) and every output is written in its own type (uint8
 * probabilities, an int64 class map); without it, integer outputs are
 * written as float32 (dequantized).  Output 0 goes to OUT.bin,
 * output i > 0 to OUT.i.bin (the index goes before the extension); rank-4
 * outputs are written in --layout order, others as the model states them.
 * Each output's name, shape (in the written order) and type are printed.
 * --dump-dir writes every node's output raw (NHWC, own type) to DIR and
 * lists them in DIR/index.txt: name, type, scale, zero point, shape, file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mnv3.h"

typedef struct {
  const char *model, *input, *output;
  int nchw;
  int threads;
  mnv3_isa isa;
  int h, w;
  int raw;
  mnv3_precision precision;
  const char *dump_dir;
} options;

static void
usage (FILE *f)
{
  fprintf (f,
      "usage: mnv3-run MODEL --input IN.bin --output OUT.bin "
      "[--layout nchw|nhwc]\n"
      "                [--threads N] [--isa auto|scalar|avx2|avx512|"
      "avx512vnni]\n"
      "                [--size HxW] [--raw] [--precision auto|fp32] "
      "[--dump-dir DIR]\n");
}

static int
parse_args (int argc, char **argv, options *o)
{
  const char *v;
  int r;

  *o = (options) { .threads = 1, .isa = MNV3_ISA_AUTO };
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--help") == 0) {
      usage (stdout);
      return 1;
    }
    if ((r = mnv3_cli_match (argc, argv, &i, "--input", &v)) != 0) {
      if (r < 0)
        return -1;
      o->input = v;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--output", &v)) != 0) {
      if (r < 0)
        return -1;
      o->output = v;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--layout", &v)) != 0) {
      if (r < 0)
        return -1;
      if (strcmp (v, "nchw") == 0)
        o->nchw = 1;
      else if (strcmp (v, "nhwc") != 0) {
        fprintf (stderr, "bad value '%s' for --layout\n", v);
        return -1;
      }
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--threads", &v)) != 0) {
      if (r < 0 || mnv3_cli_int ("--threads", v, 1, 256, &o->threads))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--isa", &v)) != 0) {
      if (r < 0 || mnv3_cli_isa ("--isa", v, &o->isa))
        return -1;
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--size", &v)) != 0) {
      if (r < 0 || mnv3_cli_size ("--size", v, &o->h, &o->w))
        return -1;
    } else if (strcmp (argv[i], "--raw") == 0) {
      o->raw = 1;
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
    } else if ((r = mnv3_cli_match (argc, argv, &i, "--dump-dir", &v)) != 0) {
      if (r < 0)
        return -1;
      o->dump_dir = v;
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
  if (!o->model || !o->input || !o->output) {
    usage (stderr);
    return -1;
  }
  return 0;
}

static size_t
num_elements (const mnv3_tensor_info *t)
{
  size_t n = 1;
  for (int d = 0; d < t->rank; d++)
    n *= t->dims[d] > 0 ? (size_t) t->dims[d] : 0;
  return n;
}

/* NCHW <-> NHWC for batch 1: dst[h][w][c] = src[c][h][w] (to_nhwc) or the
 * reverse. */
static void
transpose_chw (const void *src, void *dst, size_t es, int c, int h, int w,
    int to_nhwc)
{
  const char *s = src;
  char *d = dst;

  for (int ci = 0; ci < c; ci++)
    for (int p = 0; p < h * w; p++) {
      size_t hwc = ((size_t) p * c + ci) * es, chw = ((size_t) ci * h * w
          + p) * es;
      if (to_nhwc)
        memcpy (d + hwc, s + chw, es);
      else
        memcpy (d + chw, s + hwc, es);
    }
}

/* OUT.bin -> OUT.<i>.bin; a name without extension gets ".<i>". */
static char *
output_path (const char *base, int i)
{
  size_t len = strlen (base) + 16;
  char *p = malloc (len);
  const char *slash, *dot;

  if (!p)
    return NULL;
  if (i == 0) {
    snprintf (p, len, "%s", base);
    return p;
  }
  slash = strrchr (base, '/');
  dot = strrchr (base, '.');
  if (dot && (!slash || dot > slash + 1))
    snprintf (p, len, "%.*s.%d%s", (int) (dot - base), base, i, dot);
  else
    snprintf (p, len, "%s.%d", base, i);
  return p;
}

/* IN.bin -> dst: n elements of es bytes, in --layout order. */
static int
read_input (const char *path, void *dst, size_t n, size_t es, int nchw,
    const mnv3_tensor_info *t)
{
  FILE *f = fopen (path, "rb");
  void *buf;
  long size;
  int ret = -1;

  if (!f) {
    perror (path);
    return -1;
  }
  fseek (f, 0, SEEK_END);
  size = ftell (f);
  fseek (f, 0, SEEK_SET);
  if (size < 0 || (size_t) size != n * es) {
    fprintf (stderr, "%s: %ld bytes, the input [1,%lld,%lld,%lld] %s needs "
        "%zu\n", path, size, (long long) t->dims[1], (long long) t->dims[2],
        (long long) t->dims[3], es == 4 ? "float32" : mnv3_dtype_name (t->type),
        n * es);
    fclose (f);
    return -1;
  }
  buf = nchw ? malloc (n * es) : dst;
  if (!buf) {
    fprintf (stderr, "out of memory\n");
  } else if (fread (buf, es, n, f) != n) {
    fprintf (stderr, "%s: read error\n", path);
  } else {
    if (nchw)
      transpose_chw (buf, dst, es, (int) t->dims[3], (int) t->dims[1],
          (int) t->dims[2], 1);
    ret = 0;
  }
  if (nchw)
    free (buf);
  fclose (f);
  return ret;
}

static int
write_output (const char *path, const void *data, size_t es,
    const mnv3_tensor_info *t, int nchw)
{
  size_t n = num_elements (t);
  const void *src = data;
  void *tmp = NULL;
  FILE *f;
  int ret = 0;

  if (nchw && t->rank == 4) {
    tmp = malloc (n * es);
    if (!tmp) {
      fprintf (stderr, "out of memory\n");
      return -1;
    }
    transpose_chw (data, tmp, es, (int) t->dims[3], (int) t->dims[1],
        (int) t->dims[2], 0);
    src = tmp;
  }
  f = fopen (path, "wb");
  if (!f || fwrite (src, es, n, f) != n) {
    perror (path);
    ret = -1;
  }
  if (f && fclose (f) != 0 && ret == 0) {
    perror (path);
    ret = -1;
  }
  free (tmp);
  return ret;
}

/* --dump-dir: each node's output, raw, listed in index.txt. */
typedef struct {
  const char *dir;
  FILE *index;
  int count;
} dump_ctx;

static void
dump_tensor (void *user, const mnv3_tensor_info *t, const void *data)
{
  dump_ctx *d = user;
  char path[4096];
  FILE *f;
  size_t n = num_elements (t);

  snprintf (path, sizeof path, "%s/t%04d.bin", d->dir, d->count);
  f = fopen (path, "wb");
  if (f) {
    fwrite (data, mnv3_dtype_size (t->type), n, f);
    fclose (f);
  }
  fprintf (d->index, "%s\t%s\t%.9g\t%d\t", t->name, mnv3_dtype_name (t->type),
      t->scale, t->zero_point);
  for (int k = 0; k < t->rank; k++)
    fprintf (d->index, "%s%lld", k ? "," : "", (long long) t->dims[k]);
  fprintf (d->index, "\tt%04d.bin\n", d->count);
  d->count++;
}

static void
print_shape (const mnv3_tensor_info *t, int nchw)
{
  static const int to_nchw[4] = { 0, 3, 1, 2 };

  printf ("[");
  for (int d = 0; d < t->rank; d++) {
    int k = nchw && t->rank == 4 ? to_nchw[d] : d;
    printf ("%s%lld", d ? "," : "", (long long) t->dims[k]);
  }
  printf ("]");
}

int
main (int argc, char **argv)
{
  options o;
  mnv3_model *m = NULL;
  mnv3_session *s = NULL;
  mnv3_session_options so = mnv3_session_options_default ();
  mnv3_tensor_info in;
  dump_ctx dump = { 0 };
  int r, failed = 1;

  r = parse_args (argc, argv, &o);
  if (r != 0)
    return r > 0 ? 0 : 2;

  if (mnv3_model_load (o.model, &m) != MNV3_OK) {
    fprintf (stderr, "%s: %s\n", o.model, mnv3_last_error ());
    return 1;
  }
  so.num_threads = o.threads;
  so.isa = o.isa;
  so.input_height = o.h;
  so.input_width = o.w;
  so.precision = o.precision;
  if (mnv3_session_create (m, &so, &s) != MNV3_OK) {
    fprintf (stderr, "cannot create a session: %s\n", mnv3_last_error ());
    goto out;
  }
  if (mnv3_model_num_inputs (m) != 1) {
    fprintf (stderr, "the model has %d inputs; mnv3-run feeds exactly one\n",
        mnv3_model_num_inputs (m));
    goto out;
  }
  if (mnv3_session_input_info (s, 0, &in) != MNV3_OK || in.rank != 4) {
    fprintf (stderr, "input 0 is not a rank-4 tensor\n");
    goto out;
  }
  r = o.raw ? read_input (o.input, mnv3_session_input_raw (s, 0),
      num_elements (&in), mnv3_dtype_size (in.type), o.nchw, &in) :
      read_input (o.input, mnv3_session_input (s, 0), num_elements (&in),
      sizeof (float), o.nchw, &in);
  if (r != 0)
    goto out;
  if (o.dump_dir) {
    char path[4096];
    snprintf (path, sizeof path, "%s/index.txt", o.dump_dir);
    dump.dir = o.dump_dir;
    if (!(dump.index = fopen (path, "w"))) {
      perror (path);
      goto out;
    }
    mnv3_session_set_tensor_callback (s, dump_tensor, &dump);
  }
  if (mnv3_session_run (s) != MNV3_OK) {
    fprintf (stderr, "run failed: %s\n", mnv3_last_error ());
    goto out;
  }
  printf ("isa %s\n", mnv3_isa_name (mnv3_session_isa (s)));
  printf ("precision %s\n", mnv3_session_is_quantized (s) ? "integer" :
      "float32");
  failed = 0;
  for (int i = 0; i < mnv3_model_num_outputs (m); i++) {
    mnv3_tensor_info t;
    const void *data = o.raw ? mnv3_session_output_raw (s, i, &t) :
        mnv3_session_output (s, i, &t);
    size_t es = o.raw ? mnv3_dtype_size (t.type) : sizeof (float);
    char *path = output_path (o.output, i);
    if (!o.raw)
      t.type = MNV3_DTYPE_F32;
    if (!data || !path || write_output (path, data, es, &t, o.nchw) != 0) {
      fprintf (stderr, "output %d not written\n", i);
      failed = 1;
    } else {
      printf ("output %d %s ", i, t.name ? t.name : "?");
      print_shape (&t, o.nchw);
      printf (" %s -> %s\n", mnv3_dtype_name (t.type), path);
    }
    free (path);
  }
out:
  if (dump.index)
    fclose (dump.index);
  mnv3_session_free (s);
  mnv3_model_free (m);
  return failed;
}
