/* flatbuf.h — a small, bounds-checked FlatBuffers reader.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Just enough of the FlatBuffers binary format to read a .tflite file
 * without a schema compiler: tables through their vtables, scalars with
 * their schema defaults, vectors, strings and nested tables.
 *
 * Contract:
 *  - Every offset is checked against the buffer before it is followed; a
 *    reader never touches memory outside [data, data+size).
 *  - Accessors never fail loudly: a missing field yields the default / an
 *    empty value.  A field that is present but points outside the buffer
 *    marks the buffer as corrupt (fb->bad = 1, fb->bad_offset set); callers
 *    check mnv3_fb_ok() after a group of reads and report the offset.
 *  - Values are little-endian in the file; the reader assumes a
 *    little-endian host (every target of mnv3) but reads unaligned-safely.
 *  - Field ids are the schema's (0-based, in declaration order; a union
 *    takes two ids: its _type then its value).
 */
#ifndef MNV3_FLATBUF_H
#define MNV3_FLATBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *data;
  size_t size;
  int bad;              /* set on the first out-of-bounds reference */
  size_t bad_offset;    /* where it was found */
} mnv3_fb;

/* A table: its position in the buffer (0 = absent) and its vtable. */
typedef struct {
  size_t pos;
  size_t vt;            /* vtable position */
  unsigned vt_size;     /* vtable length in bytes */
  unsigned tbl_size;    /* table inline length in bytes */
} mnv3_fb_table;

/* A vector: element count and the position of the first element. */
typedef struct {
  size_t pos;
  uint32_t len;
} mnv3_fb_vec;

void mnv3_fb_init (mnv3_fb *fb, const void *data, size_t size);
static inline int mnv3_fb_ok (const mnv3_fb *fb) { return !fb->bad; }

/* The root table (offset at byte 0); ident (4 chars, may be NULL) is
 * compared with bytes 4..7.  Returns 0 on success, -1 on a bad header
 * (too small, root out of range) and -2 on a wrong identifier. */
int mnv3_fb_root (mnv3_fb *fb, const char *ident, mnv3_fb_table *root);

/* 1 if the field is present in the table's vtable. */
int mnv3_fb_has (mnv3_fb *fb, const mnv3_fb_table *t, int field);

/* Scalars with the schema's default when absent. */
uint8_t mnv3_fb_u8 (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    uint8_t def);
int8_t mnv3_fb_i8 (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    int8_t def);
int32_t mnv3_fb_i32 (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    int32_t def);
uint32_t mnv3_fb_u32 (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    uint32_t def);
uint64_t mnv3_fb_u64 (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    uint64_t def);
float mnv3_fb_f32 (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    float def);

/* A sub-table field; returns 0 and t->pos == 0 when absent, -1 when the
 * reference is out of bounds (fb->bad set). */
int mnv3_fb_table_field (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    mnv3_fb_table *out);
/* A vector field with elements of elem_size bytes (4 for offsets);
 * absent: len 0.  The whole vector is checked to lie in the buffer. */
int mnv3_fb_vec_field (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    size_t elem_size, mnv3_fb_vec *out);
/* A string field: pointer into the buffer (not NUL-terminated is
 * tolerated: len says the length) or NULL when absent / bad. */
const char *mnv3_fb_string (mnv3_fb *fb, const mnv3_fb_table *t, int field,
    uint32_t *len);

/* Elements of vectors (index checked against len). */
int mnv3_fb_vec_table (mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i,
    mnv3_fb_table *out);
int32_t mnv3_fb_vec_i32 (const mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i);
int64_t mnv3_fb_vec_i64 (const mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i);
float mnv3_fb_vec_f32 (const mnv3_fb *fb, const mnv3_fb_vec *v, uint32_t i);
const uint8_t *mnv3_fb_vec_bytes (const mnv3_fb *fb, const mnv3_fb_vec *v);

#endif /* MNV3_FLATBUF_H */
