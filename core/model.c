/* model.c — the public API: models and sessions.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu.h"
#include "quant/qboundary.h"
#include "session.h"

/* Files beyond this are not MobileNetV3 models; refuse before reading. */
#define MAX_MODEL_BYTES ((size_t) 1 << 30)

static int
is_tflite (const unsigned char *d, size_t n)
{
  return n >= 8 && !memcmp (d + 4, "TFL3", 4);
}

/* Read a whole file; NULL with the error set on failure. */
static void *
read_file (const char *path, size_t *size)
{
  FILE *f = fopen (path, "rb");
  struct stat st;
  long len;
  void *buf;

  if (!f) {
    mnv3_set_error (MNV3_ERR_IO, "cannot open '%s': %s", path,
        strerror (errno));
    return NULL;
  }
  /* fopen() opens directories too (ftell then says LONG_MAX) */
  if (fstat (fileno (f), &st) != 0)
    st.st_mode = 0;
  if (!S_ISREG (st.st_mode)) {
    mnv3_set_error (MNV3_ERR_IO, "'%s' is %s, not a model file", path,
        S_ISDIR (st.st_mode) ? "a directory" : "not a regular file");
    fclose (f);
    return NULL;
  }
  if (fseek (f, 0, SEEK_END) != 0 || (len = ftell (f)) < 0
      || fseek (f, 0, SEEK_SET) != 0) {
    mnv3_set_error (MNV3_ERR_IO, "cannot read '%s': %s", path,
        strerror (errno));
    fclose (f);
    return NULL;
  }
  if ((size_t) len > MAX_MODEL_BYTES) {
    mnv3_set_error (MNV3_ERR_FORMAT, "'%s' is %ld bytes: too large for a "
        "model", path, len);
    fclose (f);
    return NULL;
  }
  buf = malloc (len ? (size_t) len : 1);
  if (!buf) {
    mnv3_set_error (MNV3_ERR_NOMEM, "out of memory reading '%s'", path);
    fclose (f);
    return NULL;
  }
  if (fread (buf, 1, (size_t) len, f) != (size_t) len) {
    mnv3_set_error (MNV3_ERR_IO, "short read on '%s'", path);
    free (buf);
    fclose (f);
    return NULL;
  }
  fclose (f);
  *size = (size_t) len;
  return buf;
}

/* Labels from "<model path without extension>.labels" when the model file
 * carries none (TFLite releases ship labels beside the model). */
static void
load_sidecar_labels (mnv3_graph *g, const char *path)
{
  const char *dot = strrchr (path, '.'), *slash = strrchr (path, '/');
  size_t base = (dot && (!slash || dot > slash)) ? (size_t) (dot - path)
      : strlen (path);
  char *lp;
  size_t n;
  char *text;

  if (mnv3_graph_get_meta (g, "labels"))
    return;
  lp = malloc (base + 8);
  if (!lp)
    return;
  memcpy (lp, path, base);
  strcpy (lp + base, ".labels");
  FILE *f = fopen (lp, "rb");
  free (lp);
  if (!f)
    return;
  text = malloc (1 << 20);
  if (text) {
    n = fread (text, 1, (1 << 20) - 1, f);
    text[n] = 0;
    mnv3_graph_set_meta (g, "labels", text);
    free (text);
  }
  fclose (f);
}

/* 1 when output 0 is computed by a SOFTMAX (through reshapes): a
 * classifier's probabilities, to be reported as they are. */
static int
output_is_softmax (const mnv3_graph *g)
{
  int t = g->outputs[0];

  for (int i = g->num_nodes - 1; i >= 0; i--) {
    const mnv3_gnode *n = &g->nodes[i];
    if (n->output != t)
      continue;
    if (n->type == MNV3_OP_SOFTMAX)
      return 1;
    if (n->type != MNV3_OP_RESHAPE)
      return 0;
    t = n->inputs[0];
  }
  return 0;
}

/* A quantized TFLite model also gets its integer graph; the metadata key
 * "precision" says which a session with MNV3_PRECISION_AUTO runs, and
 * "integer_error" why a quantized model has no integer graph. */
static void
load_integer_graph (mnv3_model *m, const void *data, size_t size)
{
  mnv3_graph *q = NULL;
  mnv3_status st = mnv3_tflite_import_integer (data, size, &q);

  if (st == MNV3_OK)
    st = mnv3_graph_fold (q);
  if (st == MNV3_OK) {
    m->qgraph = q;
    mnv3_graph_set_meta (m->graph, "precision", "integer");
    return;
  }
  mnv3_graph_free (q);
  if (!strstr (mnv3_last_error (), "no quantized activations"))
    mnv3_graph_set_meta (m->graph, "integer_error", mnv3_last_error ());
  mnv3_graph_set_meta (m->graph, "precision", "float32");
  mnv3_set_error (MNV3_OK, "%s", "");
}

/* An ONNX QDQ model (graph.h): g becomes its float graph, and its integer
 * graph is made from a second import; "precision" and "integer_error" as
 * for TFLite. */
static mnv3_status
load_onnx_qdq (mnv3_model *m, mnv3_graph *g, const void *data, size_t size)
{
  mnv3_graph *q = NULL;
  mnv3_status st = mnv3_onnx_import (data, size, &q);

  if (st == MNV3_OK)
    st = mnv3_onnx_qdq_integer (q);
  if (st == MNV3_OK)
    st = mnv3_graph_fold (q);
  if (st == MNV3_OK) {
    m->qgraph = q;
    mnv3_graph_set_meta (g, "precision", "integer");
  } else {
    mnv3_graph_free (q);
    if (st == MNV3_ERR_NOMEM)
      return st;
    mnv3_graph_set_meta (g, "integer_error", mnv3_last_error ());
    mnv3_graph_set_meta (g, "precision", "float32");
  }
  mnv3_set_error (MNV3_OK, "%s", "");
  return mnv3_onnx_qdq_float (g);
}

mnv3_status
mnv3_model_load_memory (const void *data, size_t size, const char *name,
    mnv3_model **out)
{
  mnv3_graph *g = NULL;
  mnv3_status st;
  mnv3_model *m;

  if (!out || (!data && size))
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "NULL argument");
  *out = NULL;
  if (size < 8)
    return mnv3_set_error (MNV3_ERR_FORMAT, "'%s': %zu bytes is too short "
        "for a model file", name ? name : "model", size);
  if (is_tflite (data, size))
    st = mnv3_tflite_import (data, size, &g);
  else
    st = mnv3_onnx_import (data, size, &g);
  if (st != MNV3_OK)
    return st;
  if (g->num_inputs < 1 || g->num_outputs < 1) {
    mnv3_graph_free (g);
    return mnv3_set_error (MNV3_ERR_FORMAT, "'%s' has no inputs or outputs",
        name ? name : "model");
  }
  m = calloc (1, sizeof *m);
  if (!m || !(m->name = strdup (name ? name : "model"))) {
    free (m);
    mnv3_graph_free (g);
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  }
  if (!is_tflite (data, size) && g->integer
      && (st = load_onnx_qdq (m, g, data, size)) != MNV3_OK) {
    mnv3_graph_free (g);
    mnv3_graph_free (m->qgraph);
    free (m->name);
    free (m);
    return st;
  }
  if ((st = mnv3_graph_fold (g)) != MNV3_OK) {
    mnv3_graph_free (g);
    mnv3_graph_free (m->qgraph);
    free (m->name);
    free (m);
    return st;
  }
  m->graph = g;
  if (output_is_softmax (g))
    mnv3_graph_set_meta (g, "probabilities", "1");
  if (is_tflite (data, size))
    load_integer_graph (m, data, size);
  if (!mnv3_graph_get_meta (g, "format"))
    mnv3_graph_set_meta (g, "format", is_tflite (data, size) ? "tflite"
        : "onnx");
  *out = m;
  return MNV3_OK;
}

mnv3_status
mnv3_model_load (const char *path, mnv3_model **out)
{
  size_t size = 0;
  void *data;
  mnv3_status st;

  if (!path || !out)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "NULL argument");
  *out = NULL;
  data = read_file (path, &size);
  if (!data)
    return MNV3_ERR_IO;
  st = mnv3_model_load_memory (data, size, path, out);
  free (data);
  if (st != MNV3_OK) {
    /* prefix the file name so callers can show the message as is */
    char msg[512];
    snprintf (msg, sizeof msg, "%s", mnv3_last_error ());
    if (!strstr (msg, path))
      mnv3_set_error (st, "%s: %s", path, msg);
    return st;
  }
  load_sidecar_labels ((*out)->graph, path);
  return MNV3_OK;
}

void
mnv3_model_free (mnv3_model *m)
{
  if (!m)
    return;
  mnv3_graph_free (m->graph);
  mnv3_graph_free (m->qgraph);
  free (m->name);
  free (m);
}

int
mnv3_model_num_inputs (const mnv3_model *m)
{
  return m ? m->graph->num_inputs : 0;
}

int
mnv3_model_num_outputs (const mnv3_model *m)
{
  return m ? m->graph->num_outputs : 0;
}

/* Report a tensor in its declared rank, dims NHWC for rank 4. */
static void
fill_info (const mnv3_gtensor *t, const int *shape, mnv3_tensor_info *info)
{
  int n = shape ? shape[0] : t->n, h = shape ? shape[1] : t->h;
  int w = shape ? shape[2] : t->w, c = shape ? shape[3] : t->c;

  memset (info, 0, sizeof *info);
  info->name = t->name;
  info->type = t->type;
  if (t->q.num >= 1) {
    info->scale = t->q.scale[0];
    info->zero_point = t->q.zp[0];
  }
  info->rank = t->rank >= 1 && t->rank <= 4 ? t->rank : 4;
  switch (info->rank) {
    case 1: info->dims[0] = c; break;
    case 2: info->dims[0] = n; info->dims[1] = c; break;
    case 3:
      /* [1,H,W] class maps and [1,H*W? ,C]: keep h,w when c is 1 */
      if (c == 1) {
        info->dims[0] = n; info->dims[1] = h; info->dims[2] = w;
      } else {
        info->dims[0] = n; info->dims[1] = h * w; info->dims[2] = c;
      }
      break;
    default:
      info->dims[0] = n; info->dims[1] = h; info->dims[2] = w;
      info->dims[3] = c;
  }
}

mnv3_status
mnv3_model_input_info (const mnv3_model *m, int i, mnv3_tensor_info *info)
{
  if (!m || !info || i < 0 || i >= m->graph->num_inputs)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "no input %d", i);
  /* the declared types are the integer graph's when there is one */
  const mnv3_graph *g = m->qgraph ? m->qgraph : m->graph;
  fill_info (&g->tensors[g->inputs[i]], NULL, info);
  /* a dynamic dim without a default size (onnx_import.c) */
  for (int d = 0; d < info->rank; d++)
    if (info->dims[d] == 0)
      info->dims[d] = -1;
  return MNV3_OK;
}

mnv3_status
mnv3_model_output_info (const mnv3_model *m, int i, mnv3_tensor_info *info)
{
  if (!m || !info || i < 0 || i >= m->graph->num_outputs)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "no output %d", i);
  const mnv3_graph *g = m->qgraph ? m->qgraph : m->graph;
  fill_info (&g->tensors[g->outputs[i]], NULL, info);
  return MNV3_OK;
}

const char *
mnv3_model_metadata (const mnv3_model *m, const char *key)
{
  return m && key ? mnv3_graph_get_meta (m->graph, key) : NULL;
}

/* ---- sessions -------------------------------------------------------- */

mnv3_session_options
mnv3_session_options_default (void)
{
  mnv3_session_options o = { .num_threads = 1, .isa = MNV3_ISA_AUTO,
    .precision = MNV3_PRECISION_AUTO, .limit_scale = 1 };
  return o;
}

void
mnv3_session_free (mnv3_session *s)
{
  if (!s)
    return;
  for (int i = 0; i < s->num_nodes; i++) {
    mnv3_conv_free (s->nodes[i].conv);
    mnv3_dwconv_free (s->nodes[i].dwconv);
    mnv3_deconv_free (s->nodes[i].deconv);
    mnv3_plan_integer_free (&s->nodes[i]);
  }
  if (s->inputs)
    for (int i = 0; i < s->graph->num_inputs; i++)
      free (s->inputs[i]);
  if (s->raw_inputs)
    for (int i = 0; i < s->graph->num_inputs; i++)
      free (s->raw_inputs[i]);
  if (s->outputs_f32)
    for (int i = 0; i < s->graph->num_outputs; i++)
      free (s->outputs_f32[i]);
  free (s->inputs);
  free (s->raw_inputs);
  free (s->raw_fed);
  free (s->outputs_f32);
  free (s->nodes);
  free (s->tensors);
  free (s->arena);
  free (s->scratch);
  mnv3_threadpool_free (s->tp);
  free (s);
}

static mnv3_status
alloc_buffers (mnv3_session *s)
{
  const mnv3_graph *g = s->graph;

  s->inputs = calloc (g->num_inputs, sizeof *s->inputs);
  s->raw_inputs = calloc (g->num_inputs, sizeof *s->raw_inputs);
  s->raw_fed = calloc (g->num_inputs, sizeof *s->raw_fed);
  s->outputs_f32 = calloc (g->num_outputs, sizeof *s->outputs_f32);
  if (!s->inputs || !s->raw_inputs || !s->raw_fed || !s->outputs_f32)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  for (int i = 0; i < g->num_inputs; i++) {
    mnv3_stensor *t = &s->tensors[g->inputs[i]];
    mnv3_dtype type = g->tensors[g->inputs[i]].type;
    size_t n = (size_t) t->shape[0] * t->shape[1] * t->shape[2]
        * t->shape[3];
    s->inputs[i] = aligned_alloc (64, (n * sizeof (float) + 127) & ~63u);
    if (!s->inputs[i])
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory for inputs");
    memset (s->inputs[i], 0, n * sizeof (float));
    t->data = s->inputs[i];
    if (type != MNV3_DTYPE_F32) {
      /* the graph reads the raw buffer; the float one is quantized into
       * it at each run unless the caller fills the raw one */
      size_t bytes = n * mnv3_dtype_size (type);
      s->raw_inputs[i] = aligned_alloc (64, (bytes + 127) & ~(size_t) 63);
      if (!s->raw_inputs[i])
        return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory for inputs");
      memset (s->raw_inputs[i], 0, bytes);
      t->data = s->raw_inputs[i];
    }
  }
  for (int i = 0; i < g->num_outputs; i++) {
    const mnv3_stensor *t = &s->tensors[g->outputs[i]];
    size_t n = (size_t) t->shape[0] * t->shape[1] * t->shape[2]
        * t->shape[3];
    if (g->tensors[g->outputs[i]].type == MNV3_DTYPE_F32)
      continue;
    s->outputs_f32[i] = malloc (n * sizeof (float) + 64);
    if (!s->outputs_f32[i])
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory for outputs");
  }
  for (int i = 0; i < g->num_tensors; i++)
    if (g->tensors[i].data)
      s->tensors[i].data = g->tensors[i].data;
    else if (g->tensors[i].raw)
      s->tensors[i].data = g->tensors[i].raw;
  if (s->scratch_bytes) {
    s->scratch = aligned_alloc (64, (s->scratch_bytes + 127) & ~(size_t) 63);
    if (!s->scratch)
      return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory for scratch");
  }
  return MNV3_OK;
}

mnv3_status
mnv3_session_create (const mnv3_model *m, const mnv3_session_options *opts,
    mnv3_session **out)
{
  mnv3_session *s;
  mnv3_status st;

  if (!m || !out)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "NULL argument");
  *out = NULL;
  s = calloc (1, sizeof *s);
  if (!s)
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  s->model = m;
  s->opts = opts ? *opts : mnv3_session_options_default ();
  s->graph = s->opts.precision == MNV3_PRECISION_AUTO && m->qgraph ?
      m->qgraph : m->graph;
  if (s->opts.num_threads < 1 || s->opts.num_threads > 256
      || s->opts.input_height < 0 || s->opts.input_width < 0
      || s->opts.max_tensor_bytes < 0 || s->opts.max_arena_bytes < 0
      || s->opts.max_macs < 0 || s->opts.limit_scale < 0
      || (s->opts.precision != MNV3_PRECISION_AUTO
          && s->opts.precision != MNV3_PRECISION_FP32)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "invalid session options "
        "(threads %d, size %dx%d)", s->opts.num_threads,
        s->opts.input_height, s->opts.input_width);
    free (s);
    return MNV3_ERR_INVALID_ARG;
  }
  for (int i = 0; i < s->graph->num_inputs; i++) {
    const mnv3_gtensor *t = &s->graph->tensors[s->graph->inputs[i]];
    if ((t->h == 0 && s->opts.input_height == 0)
        || (t->w == 0 && s->opts.input_width == 0)) {
      mnv3_set_error (MNV3_ERR_INVALID_ARG, "input '%s' has a dynamic "
          "height/width and the model gives no default size (metadata "
          "\"input_size\"): set input_height and input_width in the "
          "session options (--size HxW in the tools)", t->name);
      free (s);
      return MNV3_ERR_INVALID_ARG;
    }
  }
  s->isa = mnv3_cpu_resolve (s->opts.isa);
  s->tp = mnv3_threadpool_create (s->opts.num_threads);
  s->tensors = calloc (s->graph->num_tensors, sizeof *s->tensors);
  if (!s->tp || !s->tensors) {
    mnv3_session_free (s);
    return mnv3_set_error (MNV3_ERR_NOMEM, "out of memory");
  }
  if ((st = mnv3_session_plan (s)) != MNV3_OK
      || (st = mnv3_arena_plan (s)) != MNV3_OK
      || (st = alloc_buffers (s)) != MNV3_OK) {
    mnv3_session_free (s);
    return st;
  }
  *out = s;
  return MNV3_OK;
}

float *
mnv3_session_input (mnv3_session *s, int i)
{
  if (!s || i < 0 || i >= s->graph->num_inputs)
    return NULL;
  return s->inputs[i];
}

mnv3_status
mnv3_session_input_info (const mnv3_session *s, int i, mnv3_tensor_info *info)
{
  int t;
  if (!s || !info || i < 0 || i >= s->graph->num_inputs)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "no input %d", i);
  t = s->graph->inputs[i];
  fill_info (&s->graph->tensors[t], s->tensors[t].shape, info);
  return MNV3_OK;
}

void *
mnv3_session_input_raw (mnv3_session *s, int i)
{
  if (!s || i < 0 || i >= s->graph->num_inputs)
    return NULL;
  if (!s->raw_inputs[i])
    return s->inputs[i];
  s->raw_fed[i] = 1;
  return s->raw_inputs[i];
}

/* Integer output t as float: dequantized, or an index as a number. */
static void
output_to_float (const mnv3_session *s, int t, float *out)
{
  const mnv3_gtensor *g = &s->graph->tensors[t];
  const void *in = s->tensors[t].data;
  size_t n = mnv3_session_numel (s, t);

  switch (g->type) {
    case MNV3_DTYPE_U8:
    case MNV3_DTYPE_I8:{
      mnv3_qtensor q = mnv3_session_qtensor (s, t);
      mnv3_dequantize_run (in, out, n, &q);
      break;
    }
    case MNV3_DTYPE_I32:
    case MNV3_DTYPE_I64:
      mnv3_qboundary_int_to_float (s->isa, g->type, in, out, n);
      break;
    default:
      break;
  }
}

/* The float buffer of integer input i into the raw one the graph reads:
 * x / scale rounded half away from zero, + zero point, clamped.  This is
 * the session's own boundary (what a caller would do to make uint8 pixels
 * from floats), not a QUANTIZE of the model, whose TFLite rounding differs
 * on ties (mnv3_quantize_run). */
static void
input_from_float (mnv3_session *s, int i)
{
  int t = s->graph->inputs[i];
  mnv3_qtensor q = mnv3_session_qtensor (s, t);

  mnv3_qboundary_quantize (s->isa, s->inputs[i], s->raw_inputs[i],
      mnv3_session_numel (s, t), &q);
}

mnv3_status
mnv3_session_run (mnv3_session *s)
{
  const mnv3_graph *g;
  mnv3_status st;

  if (!s)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "NULL session");
  g = s->graph;
  for (int i = 0; i < g->num_inputs; i++)
    if (s->raw_inputs[i] && !s->raw_fed[i])
      input_from_float (s, i);
  if ((st = mnv3_session_exec (s)) != MNV3_OK)
    return st;
  for (int i = 0; i < g->num_outputs; i++)
    if (s->outputs_f32[i])
      output_to_float (s, g->outputs[i], s->outputs_f32[i]);
  return MNV3_OK;
}

const void *
mnv3_session_output_raw (const mnv3_session *s, int i, mnv3_tensor_info *info)
{
  int t;
  if (!s || i < 0 || i >= s->graph->num_outputs)
    return NULL;
  t = s->graph->outputs[i];
  if (info)
    fill_info (&s->graph->tensors[t], s->tensors[t].shape, info);
  return s->tensors[t].data;
}

int
mnv3_session_is_quantized (const mnv3_session *s)
{
  return s && s->graph->integer;
}

void
mnv3_session_set_tensor_callback (mnv3_session *s, mnv3_tensor_cb cb,
    void *user)
{
  if (!s)
    return;
  s->tensor_cb = cb;
  s->tensor_cb_user = user;
}

void
mnv3_session_tensor_info (const mnv3_session *s, int t,
    mnv3_tensor_info *info)
{
  fill_info (&s->graph->tensors[t], s->tensors[t].shape, info);
}

const float *
mnv3_session_output (const mnv3_session *s, int i, mnv3_tensor_info *info)
{
  int t;
  if (!s || i < 0 || i >= s->graph->num_outputs)
    return NULL;
  t = s->graph->outputs[i];
  if (info)
    fill_info (&s->graph->tensors[t], s->tensors[t].shape, info);
  return s->outputs_f32[i] ? s->outputs_f32[i] : s->tensors[t].data;
}

mnv3_isa
mnv3_session_isa (const mnv3_session *s)
{
  return s ? s->isa : MNV3_ISA_SCALAR;
}

void
mnv3_session_get_stats (const mnv3_session *s, mnv3_session_stats *st)
{
  memset (st, 0, sizeof *st);
  if (!s)
    return;
  st->arena_bytes = s->arena_bytes;
  for (int i = 0; i < s->num_nodes; i++) {
    const mnv3_xnode *x = &s->nodes[i];
    if (x->dead)
      continue;
    st->macs += x->macs;
    st->params += x->params;
    st->num_layers++;
    if (x->conv)
      st->weight_bytes += mnv3_conv_packed_bytes (x->conv);
    if (x->q && x->q->conv)
      st->weight_bytes += mnv3_qconv_packed_bytes (x->q->conv);
    if (x->dwconv)
      st->weight_bytes += mnv3_dwconv_packed_bytes (x->dwconv);
  }
}

int
mnv3_session_layer_info (const mnv3_session *s, int i, mnv3_layer_info *info)
{
  int k = -1;
  if (!s || !info || i < 0)
    return 0;
  for (int j = 0; j < s->num_nodes; j++) {
    const mnv3_xnode *x = &s->nodes[j];
    if (x->dead || ++k != i)
      continue;
    info->name = x->g->name;
    info->op = x->label;
    info->macs = x->macs;
    info->last_ms = x->last_ms;
    info->out_h = s->tensors[x->out].shape[1];
    info->out_w = s->tensors[x->out].shape[2];
    info->out_c = s->tensors[x->out].shape[3];
    info->precision = mnv3_dtype_name (x->q ?
        s->graph->tensors[x->in[0]].type == MNV3_DTYPE_F32 ?
        s->graph->tensors[x->out].type : s->graph->tensors[x->in[0]].type :
        MNV3_DTYPE_F32);
    return 1;
  }
  return 0;
}
