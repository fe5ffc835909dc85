/* flatbuf.c — bounds-checked FlatBuffers reading (see flatbuf.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "flatbuf.h"

void
mnv3_fb_init (mnv3_fb *fb, const void *data, size_t size)
{
  fb->data = data;
  fb->size = size;
  fb->bad = 0;
  fb->bad_offset = 0;
}

static void
mark_bad (mnv3_fb *fb, size_t off)
{
  if (!fb->bad) {
    fb->bad = 1;
    fb->bad_offset = off;
  }
}

/* 1 if [off, off+len) lies inside the buffer (overflow-safe). */
static int
in_bounds (const mnv3_fb *fb, size_t off, size_t len)
{
  return off <= fb->size && len <= fb->size - off;
}

static uint16_t
rd16 (const mnv3_fb *fb, size_t off)
{
  uint16_t v;
  memcpy (&v, fb->data + off, sizeof v);
  return v;
}

static uint32_t
rd32 (const mnv3_fb *fb, size_t off)
{
  uint32_t v;
  memcpy (&v, fb->data + off, sizeof v);
  return v;
}

/* Resolve a table at `pos`: read its signed vtable offset and check that
 * the vtable and the table's inline part lie in the buffer. */
static int
load_table (mnv3_fb *fb, size_t pos, mnv3_fb_table *t)
{
  int32_t soff;
  int64_t vt;

  memset (t, 0, sizeof *t);
  if (!in_bounds (fb, pos, 4) || (pos & 3)) {
    mark_bad (fb, pos);
    return -1;
  }
  soff = (int32_t) rd32 (fb, pos);
  vt = (int64_t) pos - soff;
  if (vt < 0 || !in_bounds (fb, (size_t) vt, 4) || (vt & 1)) {
    mark_bad (fb, pos);
    return -1;
  }
  t->vt_size = rd16 (fb, (size_t) vt);
  t->tbl_size = rd16 (fb, (size_t) vt + 2);
  if (t->vt_size < 4 || (t->vt_size & 1)
      || !in_bounds (fb, (size_t) vt, t->vt_size)
      || t->tbl_size < 4 || !in_bounds (fb, pos, t->tbl_size)) {
    mark_bad (fb, pos);
    return -1;
  }
  t->pos = pos;
  t->vt = (size_t) vt;
  return 0;
}

int
mnv3_fb_root (mnv3_fb *fb, const char *ident, mnv3_fb_table *root)
{
  uint32_t off;

  memset (root, 0, sizeof *root);
  if (fb->size < 8) {
    mark_bad (fb, 0);
    return -1;
  }
  if (ident && memcmp (fb->data + 4, ident, 4) != 0)
    return -2;
  off = rd32 (fb, 0);
  if (load_table (fb, off, root) < 0)
    return -1;
  return 0;
}

/* Position of a field's inline value of `len` bytes; 0 if absent. */
static size_t
field_pos (mnv3_fb *fb, const mnv3_fb_table *t, int field, size_t len)
{
  size_t slot;
  uint16_t voff;

  if (!t->pos || field < 0)
    return 0;
  slot = 4 + 2 * (size_t) field;
  if (slot + 2 > t->vt_size)
    return 0;
  voff = rd16 (fb, t->vt + slot);
  if (!voff)
    return 0;
  if (voff + len > t->tbl_size) {
    mark_bad (fb, t->vt + slot);
    return 0;
  }
  return t->pos + voff;
}

int
mnv3_fb_has (mnv3_fb *fb, const mnv3_fb_table *t, int field)
{
  return field_pos (fb, t, field, 1) != 0;
}

uint8_t
mnv3_fb_u8 (mnv3_fb *fb, const mnv3_fb_table *t, int field, uint8_t def)
{
  size_t p = field_pos (fb, t, field, 1);
  return p ? fb->data[p] : def;
}

int8_t
mnv3_fb_i8 (mnv3_fb *fb, const mnv3_fb_table *t, int field, int8_t def)
{
  size_t p = field_pos (fb, t, field, 1);
  return p ? (int8_t) fb->data[p] : def;
}

uint32_t
mnv3_fb_u32 (mnv3_fb *fb, const mnv3_fb_table *t, int field, uint32_t def)
{
  size_t p = field_pos (fb, t, field, 4);
  return p ? rd32 (fb, p) : def;
}

int32_t
mnv3_fb_i32 (mnv3_fb *fb, const mnv3_fb_table *t, int field, int32_t def)
{
  return (int32_t) mnv3_fb_u32 (fb, t, field, (uint32_t) def);
}

uint64_t
mnv3_fb_u64 (mnv3_fb *fb, const mnv3_fb_table *t, int field, uint64_t def)
{
  size_t p = field_pos (fb, t, field, 8);
  uint64_t v;

  if (!p)
    return def;
  memcpy (&v, fb->data + p, sizeof v);
  return v;
}

float
mnv3_fb_f32 (mnv3_fb *fb, const mnv3_fb_table *t, int field, float def)
{
  size_t p = field_pos (fb, t, field, 4);
  float v;

  if (!p)
    return def;
  memcpy (&v, fb->data + p, sizeof v);
  return v;
}

/* Follow the uoffset stored at `p` (relative to p); 0 when it points
 * outside the buffer. */
static size_t
follow (mnv3_fb *fb, size_t p)
{
  uint32_t rel;

  if (!in_bounds (fb, p, 4)) {
    mark_bad (fb, p);
    return 0;
  }
  rel = rd32 (fb, p);
  if (rel == 0 || !in_bounds (fb, p + (size_t) rel, 4)
      || (size_t) rel > fb->size - p) {
    mark_bad (fb, p);
    return 0;
  }
  return p + rel;
}

int
mnv3_fb_table_field (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    mnv3_fb_table *out)
{
  size_t p = field_pos (fb, t, field, 4), q;

  memset (out, 0, sizeof *out);
  if (!p)
    return fb->bad ? -1 : 0;
  q = follow (fb, p);
  if (!q)
    return -1;
  return load_table (fb, q, out);
}

int
mnv3_fb_vec_field (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    size_t elem_size, mnv3_fb_vec *out)
{
  size_t p = field_pos (fb, t, field, 4), q;
  uint32_t len;

  out->pos = 0;
  out->len = 0;
  if (!p)
    return fb->bad ? -1 : 0;
  q = follow (fb, p);
  if (!q)
    return -1;
  len = rd32 (fb, q);
  /* len * elem_size cannot overflow size_t for a 32-bit len and small
   * elem_size on 64-bit hosts; check against the buffer anyway */
  if ((uint64_t) len * elem_size > (uint64_t) (fb->size - q - 4)) {
    mark_bad (fb, q);
    return -1;
  }
  out->pos = q + 4;
  out->len = len;
  return 0;
}

const char *
mnv3_fb_string (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    uint32_t *len)
{
  mnv3_fb_vec v;

  if (len)
    *len = 0;
  if (mnv3_fb_vec_field (fb, t, field, 1, &v) < 0 || !v.pos)
    return NULL;
  if (len)
    *len = v.len;
  return (const char *) fb->data + v.pos;
}

int
mnv3_fb_vec_table (mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i,
    mnv3_fb_table *out)
{
  size_t q;

  memset (out, 0, sizeof *out);
  if (i >= v->len)
    return -1;
  q = follow (fb, v->pos + 4 * (size_t) i);
  if (!q)
    return -1;
  return load_table (fb, q, out);
}

/* Element readers: the vector was bounds-checked as a whole when it was
 * opened, so only the index needs checking. */
int32_t
mnv3_fb_vec_i32 (const mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i)
{
  if (i >= v->len)
    return 0;
  return (int32_t) rd32 (fb, v->pos + 4 * (size_t) i);
}

int64_t
mnv3_fb_vec_i64 (const mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i)
{
  int64_t x;

  if (i >= v->len)
    return 0;
  memcpy (&x, fb->data + v->pos + 8 * (size_t) i, sizeof x);
  return x;
}

float
mnv3_fb_vec_f32 (const mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i)
{
  float x;

  if (i >= v->len)
    return 0.f;
  memcpy (&x, fb->data + v->pos + 4 * (size_t) i, sizeof x);
  return x;
}

const uint8_t *
mnv3_fb_vec_bytes (const mnv3_fb *fb, const mnv3_fb_vec *v)
{
  return v->pos ? fb->data + v->pos : NULL;
}
