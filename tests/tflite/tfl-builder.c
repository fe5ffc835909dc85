/* tfl-builder.c — synthetic .tflite writer for tests (see tfl-builder.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tfl-builder.h"

void
fbw_init (fbw *w)
{
  memset (w, 0, sizeof *w);
}

void
fbw_free (fbw *w)
{
  free (w->buf);
  memset (w, 0, sizeof *w);
}

static size_t
put (fbw *w, const void *p, size_t n)
{
  size_t pos = w->len;

  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1024;
    while (cap < w->len + n)
      cap *= 2;
    w->buf = realloc (w->buf, cap);
    if (!w->buf)
      abort ();
    memset (w->buf + w->cap, 0, cap - w->cap);
    w->cap = cap;
  }
  if (p)
    memcpy (w->buf + w->len, p, n);
  else
    memset (w->buf + w->len, 0, n);
  w->len += n;
  return pos;
}

static void
align (fbw *w, size_t a)
{
  while (w->len % a)
    put (w, NULL, 1);
}

size_t
fbw_table (fbw *w, int nfields, uint32_t present)
{
  size_t vt, tbl;
  uint16_t h[2] = { (uint16_t) (4 + 2 * nfields),
    (uint16_t) (4 + 4 * nfields) };
  int32_t soff;

  align (w, 4);
  vt = put (w, h, 4);
  for (int i = 0; i < nfields; i++) {
    uint16_t o = (present >> i) & 1 ? (uint16_t) (4 + 4 * i) : 0;
    put (w, &o, 2);
  }
  align (w, 4);
  tbl = put (w, NULL, 4 + 4 * (size_t) nfields);
  soff = (int32_t) (tbl - vt);
  memcpy (w->buf + tbl, &soff, 4);
  return tbl;
}

void
fbw_set_u32 (fbw *w, size_t table, int field, uint32_t v)
{
  memcpy (w->buf + table + 4 + 4 * (size_t) field, &v, 4);
}

void
fbw_set_f32 (fbw *w, size_t table, int field, float v)
{
  memcpy (w->buf + table + 4 + 4 * (size_t) field, &v, 4);
}

void
fbw_set_ref (fbw *w, size_t table, int field, size_t target)
{
  size_t slot = table + 4 + 4 * (size_t) field;
  uint32_t rel = (uint32_t) (target - slot);
  memcpy (w->buf + slot, &rel, 4);
}

void
fbw_vec_set_ref (fbw *w, size_t vec, int index, size_t target)
{
  size_t slot = vec + 4 + 4 * (size_t) index;
  uint32_t rel = (uint32_t) (target - slot);
  memcpy (w->buf + slot, &rel, 4);
}

static size_t
vec (fbw *w, size_t n, size_t es, const void *v)
{
  uint32_t len = (uint32_t) n;
  size_t pos;

  /* elements of 8 bytes must be 8-aligned: the length word sits before */
  align (w, 4);
  if (es == 8 && (w->len + 4) % 8)
    put (w, NULL, 4);
  pos = put (w, &len, 4);
  put (w, v, n * es);
  return pos;
}

size_t fbw_vec_i32 (fbw *w, int n, const int32_t *v) { return vec (w, n, 4, v); }
size_t fbw_vec_i64 (fbw *w, int n, const int64_t *v) { return vec (w, n, 8, v); }
size_t fbw_vec_f32 (fbw *w, int n, const float *v) { return vec (w, n, 4, v); }
size_t fbw_vec_bytes (fbw *w, size_t n, const void *v) { return vec (w, n, 1, v); }
size_t fbw_vec_refs (fbw *w, int n) { return vec (w, n, 4, NULL); }

size_t
fbw_string (fbw *w, const char *s)
{
  size_t pos = vec (w, strlen (s), 1, s);
  put (w, NULL, 1);
  return pos;
}

/* ---- model ----------------------------------------------------------- */

static size_t
write_tensor (fbw *w, const tb_tensor *t)
{
  /* shape 0, type 1, buffer 2, name 3, quantization 4 */
  uint32_t present = 1u | 2u | 4u | 8u | (t->nscale ? 16u : 0u);
  size_t tbl = fbw_table (w, 5, present), p;

  fbw_set_u32 (w, tbl, 1, (uint32_t) t->type);   /* byte in a 4-byte slot */
  fbw_set_u32 (w, tbl, 2, (uint32_t) t->buffer);
  p = fbw_vec_i32 (w, t->rank, (const int32_t *) t->dims);
  fbw_set_ref (w, tbl, 0, p);
  p = fbw_string (w, t->name ? t->name : "");
  fbw_set_ref (w, tbl, 3, p);
  if (t->nscale) {
    /* min 0, max 1, scale 2, zero_point 3, details 4/5, qdim 6 */
    size_t q = fbw_table (w, 7, 4u | 8u | 64u);
    fbw_set_ref (w, tbl, 4, q);
    fbw_set_u32 (w, q, 6, (uint32_t) t->qdim);
    p = fbw_vec_f32 (w, t->nscale, t->scale);
    fbw_set_ref (w, q, 2, p);
    p = fbw_vec_i64 (w, t->nscale, t->zp);
    fbw_set_ref (w, q, 3, p);
  }
  return tbl;
}

static size_t
write_op (fbw *w, const tb_op *o, int index)
{
  /* opcode_index 0, inputs 1, outputs 2, options type 3, options 4,
   * custom_options 5 */
  uint32_t present = 1u | 2u | 4u | (o->opt_type ? 8u | 16u : 0u)
      | (o->custom_opts ? 32u : 0u);
  size_t tbl = fbw_table (w, 6, present), p;

  fbw_set_u32 (w, tbl, 0, (uint32_t) index);
  p = fbw_vec_i32 (w, o->nin, o->in);
  fbw_set_ref (w, tbl, 1, p);
  p = fbw_vec_i32 (w, o->nout, o->out);
  fbw_set_ref (w, tbl, 2, p);
  if (o->opt_type) {
    uint32_t mask = 0;
    int nf = 0;
    size_t ot;
    fbw_set_u32 (w, tbl, 3, (uint32_t) o->opt_type);
    for (int k = 0; k < o->nopt; k++) {
      mask |= 1u << o->opt[k].id;
      if (o->opt[k].id + 1 > nf)
        nf = o->opt[k].id + 1;
    }
    ot = fbw_table (w, nf, mask);
    fbw_set_ref (w, tbl, 4, ot);
    for (int k = 0; k < o->nopt; k++) {
      if (o->opt[k].is_float)
        fbw_set_f32 (w, ot, o->opt[k].id, o->opt[k].f);
      else
        fbw_set_u32 (w, ot, o->opt[k].id, (uint32_t) o->opt[k].i);
    }
  }
  if (o->custom_opts) {
    p = fbw_vec_bytes (w, o->custom_len, o->custom_opts);
    fbw_set_ref (w, tbl, 5, p);
  }
  return tbl;
}

/* $TB_DUMP_DIR: keep every model written (the fuzzers' seed corpus,
 * tests/fuzz/seeds/tflite, was made this way). */
static void
dump (const uint8_t *buf, size_t len)
{
  static int count;
  const char *dir = getenv ("TB_DUMP_DIR");
  char path[1024];
  FILE *f;

  if (!dir)
    return;
  snprintf (path, sizeof path, "%s/tb-%d-%03d.tflite", dir, (int) getpid (),
      count++);
  f = fopen (path, "wb");
  if (f) {
    fwrite (buf, 1, len, f);
    fclose (f);
  }
}

uint8_t *
tb_model_write (const tb_model *m, size_t *len)
{
  fbw w;
  size_t root, codes, sgs, sg, bufs, tens, ops, p;
  uint32_t rootoff;

  fbw_init (&w);
  put (&w, NULL, 4);
  put (&w, "TFL3", 4);
  /* version 0, operator_codes 1, subgraphs 2, description 3, buffers 4 */
  root = fbw_table (&w, 5, 1u | 2u | 4u | 16u);
  rootoff = (uint32_t) root;
  memcpy (w.buf, &rootoff, 4);
  fbw_set_u32 (&w, root, 0, m->version);
  codes = fbw_vec_refs (&w, m->nops);
  fbw_set_ref (&w, root, 1, codes);
  for (int i = 0; i < m->nops; i++) {
    const tb_op *o = &m->op[i];
    /* deprecated 0 (int8, saturating), custom 1, version 2, builtin 3 */
    size_t c = fbw_table (&w, 4, 1u | 8u | (o->custom ? 2u : 0u));
    fbw_set_u32 (&w, c, 0, (uint32_t) (o->code < 127 ? o->code : 127));
    fbw_set_u32 (&w, c, 3, (uint32_t) o->code);
    fbw_vec_set_ref (&w, codes, i, c);
    if (o->custom) {
      p = fbw_string (&w, o->custom);
      fbw_set_ref (&w, c, 1, p);
    }
  }
  sgs = fbw_vec_refs (&w, 1);
  fbw_set_ref (&w, root, 2, sgs);
  /* tensors 0, inputs 1, outputs 2, operators 3 */
  sg = fbw_table (&w, 4, 15u);
  fbw_vec_set_ref (&w, sgs, 0, sg);
  tens = fbw_vec_refs (&w, m->ntensors);
  fbw_set_ref (&w, sg, 0, tens);
  for (int i = 0; i < m->ntensors; i++)
    fbw_vec_set_ref (&w, tens, i, write_tensor (&w, &m->t[i]));
  p = fbw_vec_i32 (&w, m->nin, m->in);
  fbw_set_ref (&w, sg, 1, p);
  p = fbw_vec_i32 (&w, m->nout, m->out);
  fbw_set_ref (&w, sg, 2, p);
  ops = fbw_vec_refs (&w, m->nops);
  fbw_set_ref (&w, sg, 3, ops);
  for (int i = 0; i < m->nops; i++)
    fbw_vec_set_ref (&w, ops, i, write_op (&w, &m->op[i], i));
  bufs = fbw_vec_refs (&w, m->nbuffers + 1);
  fbw_set_ref (&w, root, 4, bufs);
  for (int i = 0; i <= m->nbuffers; i++) {
    size_t b = fbw_table (&w, 1, i ? 1u : 0u);
    fbw_vec_set_ref (&w, bufs, i, b);
    if (i) {
      p = fbw_vec_bytes (&w, m->buf[i - 1].len, m->buf[i - 1].data);
      fbw_set_ref (&w, b, 0, p);
    }
  }
  *len = w.len;
  dump (w.buf, w.len);
  return w.buf;
}

uint8_t *
tb_chain_write (int n, int code, size_t *len)
{
  fbw w;
  size_t root, codes, sgs, sg, bufs, tens, ops, p, c;
  uint32_t rootoff;
  tb_tensor t;
  tb_op o;
  char name[32];
  int32_t io;

  fbw_init (&w);
  put (&w, NULL, 4);
  put (&w, "TFL3", 4);
  root = fbw_table (&w, 5, 1u | 2u | 4u | 16u);
  rootoff = (uint32_t) root;
  memcpy (w.buf, &rootoff, 4);
  fbw_set_u32 (&w, root, 0, 3);
  codes = fbw_vec_refs (&w, 1);
  fbw_set_ref (&w, root, 1, codes);
  c = fbw_table (&w, 4, 1u | 8u);
  fbw_set_u32 (&w, c, 0, (uint32_t) code);
  fbw_set_u32 (&w, c, 3, (uint32_t) code);
  fbw_vec_set_ref (&w, codes, 0, c);
  sgs = fbw_vec_refs (&w, 1);
  fbw_set_ref (&w, root, 2, sgs);
  sg = fbw_table (&w, 4, 15u);
  fbw_vec_set_ref (&w, sgs, 0, sg);
  tens = fbw_vec_refs (&w, n + 1);
  fbw_set_ref (&w, sg, 0, tens);
  memset (&t, 0, sizeof t);
  t.rank = 4;
  t.dims[0] = 1;
  t.dims[1] = 8;
  t.dims[2] = 8;
  t.dims[3] = 1;
  t.name = name;
  for (int i = 0; i <= n; i++) {
    snprintf (name, sizeof name, "t%d", i);
    fbw_vec_set_ref (&w, tens, i, write_tensor (&w, &t));
  }
  io = 0;
  p = fbw_vec_i32 (&w, 1, &io);
  fbw_set_ref (&w, sg, 1, p);
  io = n;
  p = fbw_vec_i32 (&w, 1, &io);
  fbw_set_ref (&w, sg, 2, p);
  ops = fbw_vec_refs (&w, n);
  fbw_set_ref (&w, sg, 3, ops);
  memset (&o, 0, sizeof o);
  o.nin = o.nout = 1;
  for (int i = 0; i < n; i++) {
    o.in[0] = i;
    o.out[0] = i + 1;
    fbw_vec_set_ref (&w, ops, i, write_op (&w, &o, 0));
  }
  bufs = fbw_vec_refs (&w, 1);
  fbw_set_ref (&w, root, 4, bufs);
  fbw_vec_set_ref (&w, bufs, 0, fbw_table (&w, 1, 0u));
  *len = w.len;
  return w.buf;
}

/* ---- small helpers for describing models ------------------------------ */

tb_tensor
tb_tensor_new (const char *name, int type, int rank, int d0, int d1, int d2,
    int d3, int buffer)
{
  tb_tensor t;
  memset (&t, 0, sizeof t);
  t.name = name;
  t.type = type;
  t.rank = rank;
  t.dims[0] = d0;
  t.dims[1] = d1;
  t.dims[2] = d2;
  t.dims[3] = d3;
  t.buffer = buffer;
  return t;
}

void
tb_quant (tb_tensor *t, float scale, int64_t zp)
{
  t->nscale = 1;
  t->scale[0] = scale;
  t->zp[0] = zp;
}

tb_op
tb_op_new (int code, int nin, const int *in, int out)
{
  tb_op o;
  memset (&o, 0, sizeof o);
  o.code = code;
  o.nin = nin;
  memcpy (o.in, in, (size_t) nin * sizeof *in);
  o.nout = 1;
  o.out[0] = out;
  return o;
}

void
tb_opt_int (tb_op *o, int id, int32_t v)
{
  o->opt[o->nopt].id = id;
  o->opt[o->nopt].i = v;
  o->nopt++;
}

int
tb_add_buffer (tb_model *m, const void *d, size_t n)
{
  m->buf[m->nbuffers].data = d;
  m->buf[m->nbuffers].len = n;
  return ++m->nbuffers;
}

uint8_t *
tb_read_file (const char *dir_env, const char *sub, const char *name,
    size_t *len)
{
  const char *dir = getenv (dir_env);
  char path[1024];
  FILE *f;
  long n;
  uint8_t *b;

  if (!dir) {
    fprintf (stderr, "$%s not set\n", dir_env);
    abort ();
  }
  snprintf (path, sizeof path, "%s%s/%s", dir, sub, name);
  f = fopen (path, "rb");
  if (!f) {
    fprintf (stderr, "cannot open %s\n", path);
    abort ();
  }
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  rewind (f);
  b = malloc (n > 0 ? (size_t) n : 1);
  if (!b || n < 0 || fread (b, 1, (size_t) n, f) != (size_t) n) {
    fprintf (stderr, "cannot read %s\n", path);
    abort ();
  }
  fclose (f);
  *len = (size_t) n;
  return b;
}

/* ---- models shared by the importer tests ------------------------------- */

void
tb_build_pad_conv (tb_model *m, const uint8_t w[54], const int32_t b[2])
{
  static const int32_t pads[8] = { 0, 0, 1, 2, 0, 1, 0, 0 };
  int in[3];
  tb_op o;

  memset (m, 0, sizeof *m);
  m->version = 3;
  m->t[0] = tb_tensor_new ("x", T_U8, 4, 1, 8, 8, 3, 0);
  tb_quant (&m->t[0], 0.25f, 128);
  m->t[1] = tb_tensor_new ("paddings", T_I32, 2, 4, 2, 0, 0,
      tb_add_buffer (m, pads, sizeof pads));
  m->t[2] = tb_tensor_new ("padded", T_U8, 4, 1, 11, 9, 3, 0);
  tb_quant (&m->t[2], 0.25f, 128);
  m->t[3] = tb_tensor_new ("w", T_U8, 4, 2, 3, 3, 3,
      tb_add_buffer (m, w, 54));
  tb_quant (&m->t[3], 0.5f, 10);
  m->t[4] = tb_tensor_new ("b", T_I32, 1, 2, 0, 0, 0,
      tb_add_buffer (m, b, 2 * sizeof *b));
  m->t[5] = tb_tensor_new ("y", T_U8, 4, 1, 5, 4, 2, 0);
  tb_quant (&m->t[5], 6.f / 255.f, 0);
  m->ntensors = 6;
  in[0] = 0;
  in[1] = 1;
  m->op[0] = tb_op_new (34, 2, in, 2);          /* PAD */
  in[0] = 2;
  in[1] = 3;
  in[2] = 4;
  o = tb_op_new (3, 3, in, 5);                  /* CONV_2D */
  o.opt_type = 1;
  tb_opt_int (&o, 0, 1);                        /* VALID */
  tb_opt_int (&o, 1, 2);
  tb_opt_int (&o, 2, 2);
  m->op[1] = o;
  m->nops = 2;
  m->nin = 1;
  m->in[0] = 0;
  m->nout = 1;
  m->out[0] = 5;
}
