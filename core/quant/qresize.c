/* qresize.c — 8-bit RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR as
 * TFLite's built-in kernels compute them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TFLite runs a different algorithm per type (resize_bilinear.cc):
 *  uint8 bilinear: optimized_ops::ResizeBilinear, interpolation in FLOAT
 *    (ResizeBilinearGenericSmallChannel): four float weights, the sum plus
 *    0.5 truncated.  Its x8 half-pixel special case (ResizeBilinear888Uint8)
 *    works in exact 8.8 fixed point with +0.5: the same values, since all
 *    its weights are multiples of 1/256 and the float path is then exact.
 *  int8 bilinear: reference_ops::ResizeBilinearInteger, 10-bit fixed-point
 *    coordinates, 20-bit products, rounded half away from zero.
 *  nearest (both): without align_corners / half_pixel_centers the
 *    optimized 16.16 fixed-point scale (in << 16) / out + 1; otherwise the
 *    reference float GetNearestNeighbor.
 * The float steps are written so that each operation rounds to float as
 * TFLite's does (this file is built with -ffp-contract=off).  These
 * loops are the references of the AVX2 paths (qresize-avx2.c), which
 * give the same bytes (test-qopsimd). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cpu.h"
#include "quant/qinternal.h"
#include "quant/qkernels.h"
#include "quant/qops.h"

/* The x coordinates of an output row do not depend on the row: they are
 * worked out once per run into the scratch (x0, x1 and the float or
 * fixed-point position), and the rows are split over the pool. */
typedef mnv3_qresize_col qresize_col;

/* The AVX2 paths for fewer than 8 channels work on the flattened row of
 * ow * c outputs: per output e, the source offsets off0/off1 (x0 c + k,
 * x1 c + k) and dx (int8: the weight pair), shared; and per thread a cache
 * of two source rows expanded to those outputs (uint8: as float, a0/a1 of
 * qkernels.h; int8: int16 pairs), tagged by the source row, so that a
 * source row is expanded about twice per run however much the resize
 * upsamples. */
#define QRESIZE_FLAT_MAX_C 7

static size_t
qresize_align (size_t n)
{
  return (n + 63) & ~(size_t) 63;
}

static size_t
qresize_flat_thread_bytes (size_t n)
{
  return 64 + qresize_align (4 * n * sizeof (float));
}

size_t
mnv3_qresize_scratch_size (int oh, int ow, int c, int num_threads)
{
  size_t n = (size_t) (ow > 0 ? ow : 1) * (size_t) (c > 0 ? c : 1);
  size_t bytes = qresize_align ((size_t) (ow > 0 ? ow : 1)
      * sizeof (qresize_col)) + 64;

  (void) oh;
  if (c <= QRESIZE_FLAT_MAX_C)
    bytes += qresize_align (3 * n * 4) + (size_t) (num_threads > 1
        ? num_threads : 1) * qresize_flat_thread_bytes (n);
  return bytes;
}

/* reference_ops::ComputeInterpolationValues */
static void
qresize_coord_f (int v, float scale, int half_pixel, int in_size, float *sv,
    int32_t *lo, int32_t *hi)
{
  float s, fl;
  int32_t c;

  if (half_pixel)
    s = ((float) v + 0.5f) * scale - 0.5f;
  else
    s = (float) v * scale;
  *sv = s;
  fl = floorf (s);
  *lo = (int32_t) fl > 0 ? (int32_t) fl : 0;
  c = (int32_t) ceilf (s);
  *hi = c < in_size - 1 ? c : in_size - 1;
}

/* reference_ops::ComputeInterpolationValuesInteger */
static void
qresize_coord_i (int v, int32_t scale_10, int half_pixel, int in_size,
    int32_t *sv, int32_t *lo, int32_t *hi)
{
  int32_t s = half_pixel ? v * scale_10 + scale_10 / 2 - (1 << 9)
      : v * scale_10;
  int32_t l = s / (1 << 10), h = (s + (1 << 10) - 1) / (1 << 10);

  *sv = s;
  *lo = l > 0 ? l : 0;
  *hi = h < in_size - 1 ? h : in_size - 1;
}

typedef struct {
  const void *in;
  void *out;
  int ih, iw, c, oh, ow, hp;
  float hs;                   /* uint8: float row scale */
  int32_t hs10;               /* int8: 10-bit row scale */
  const qresize_col *cols;
  /* AVX2, c <= QRESIZE_FLAT_MAX_C: the flat tables and row caches */
  const int32_t *off0, *off1;
  const float *dx;
  uint8_t *cache;             /* qresize_flat_thread_bytes each */
  size_t cache_bytes;
  int avx512;                 /* uint8: the 16-lane kernels */
} qresize_job;

static void
qresize_rows_u8 (void *ctx, size_t yi, int thread_index)
{
  const qresize_job *j = ctx;
  const uint8_t *in = j->in;
  const int iw = j->iw, c = j->c, y = (int) yi;
  float fy, dy;
  int32_t y0, y1;

  (void) thread_index;
  qresize_coord_f (y, j->hs, j->hp, j->ih, &fy, &y0, &y1);
  dy = fy - (float) y0;
  for (int x = 0; x < j->ow; x++) {
    const qresize_col *col = &j->cols[x];
    float dx = col->fx - (float) col->x0, w[4];
    const uint8_t *p[4];
    uint8_t *o = (uint8_t *) j->out + ((size_t) y * j->ow + x) * c;

    w[0] = (1 - dy) * (1 - dx);
    w[1] = (1 - dy) * dx;
    w[2] = dy * (1 - dx);
    w[3] = dy * dx;
    p[0] = in + ((size_t) y0 * iw + col->x0) * c;
    p[1] = in + ((size_t) y0 * iw + col->x1) * c;
    p[2] = in + ((size_t) y1 * iw + col->x0) * c;
    p[3] = in + ((size_t) y1 * iw + col->x1) * c;
    for (int k = 0; k < c; k++) {
      float v = (float) p[0][k] * w[0];
      v = v + (float) p[1][k] * w[1];
      v = v + (float) p[2][k] * w[2];
      v = v + (float) p[3][k] * w[3];
      v = v + 0.5f;
      o[k] = (uint8_t) (int32_t) v;
    }
  }
}

#ifdef MNV3_X86
/* Row r of the input expanded to the flat outputs (its x0 and x1 arrays)
 * from this thread's cache, or expanded into the slot other than `avoid`
 * (which holds the row the caller also needs). */
static const float *
qresize_flat_row (const qresize_job *j, int32_t *tags, float *slots, int r,
    int avoid)
{
  const size_t n = (size_t) j->ow * j->c;
  const uint8_t *src = (const uint8_t *) j->in + (size_t) r * j->iw * j->c;
  int s;
  float *f;

  for (s = 0; s < 2; s++)
    if (tags[s] == r)
      return slots + (size_t) s * 2 * n;
  s = avoid == 0 ? 1 : 0;
  f = slots + (size_t) s * 2 * n;
  if (j->avx512) {
    mnv3_qresize_expand_avx512 (src, j->cols, j->ow, j->c, f, f + n);
  } else {
    for (size_t e = 0; e < n; e++) {
      f[e] = (float) src[j->off0[e]];
      f[n + e] = (float) src[j->off1[e]];
    }
  }
  tags[s] = r;
  return f;
}

static void
qresize_rows_u8_simd (void *ctx, size_t yi, int thread_index)
{
  const qresize_job *j = ctx;
  const uint8_t *in = j->in;
  const int iw = j->iw, c = j->c, y = (int) yi;
  uint8_t *o = (uint8_t *) j->out + (size_t) y * j->ow * c;
  float fy, dy;
  int32_t y0, y1;

  qresize_coord_f (y, j->hs, j->hp, j->ih, &fy, &y0, &y1);
  dy = fy - (float) y0;
  if (c > QRESIZE_FLAT_MAX_C) {
    (j->avx512 ? mnv3_qresize_px_avx512 : mnv3_qresize_px_avx2)
        (in + (size_t) y0 * iw * c, in + (size_t) y1 * iw * c, j->cols,
        j->ow, c, dy, o);
  } else {
    const size_t n = (size_t) j->ow * c;
    uint8_t *t = j->cache + (size_t) thread_index * j->cache_bytes;
    int32_t *tags = (int32_t *) t;
    float *slots = (float *) (t + 64);
    const float *a = qresize_flat_row (j, tags, slots, y0, -1);
    const int sa = a == slots ? 0 : 1;
    const float *b = qresize_flat_row (j, tags, slots, y1, sa);
    (j->avx512 ? mnv3_qresize_flat_avx512 : mnv3_qresize_flat_avx2)
        (a, a + n, b, b + n, j->dx, dy, o, n);
  }
}

/* AVX-512, uint8, few channels: tasks of QRESIZE_GROUP output rows, each
 * run of rows with the same source rows in one pass over the flat rows
 * (an upscale by 8 reads them once instead of 8 times). */
#define QRESIZE_GROUP 8

static void
qresize_groups_u8_avx512 (void *ctx, size_t gi, int thread_index)
{
  const qresize_job *j = ctx;
  const size_t n = (size_t) j->ow * j->c;
  const int y_end = (int) (gi + 1) * QRESIZE_GROUP < j->oh
      ? (int) (gi + 1) * QRESIZE_GROUP : j->oh;
  uint8_t *t = j->cache + (size_t) thread_index * j->cache_bytes;
  int32_t *tags = (int32_t *) t;
  float *slots = (float *) (t + 64);

  for (int y = (int) gi * QRESIZE_GROUP; y < y_end;) {
    float fy, dy[QRESIZE_GROUP];
    uint8_t *o[QRESIZE_GROUP];
    int32_t y0, y1, z0, z1;
    int nr = 0;
    const float *a, *b;
    qresize_coord_f (y, j->hs, j->hp, j->ih, &fy, &y0, &y1);
    dy[nr] = fy - (float) y0;
    o[nr++] = (uint8_t *) j->out + (size_t) y * n;
    for (y++; y < y_end; y++, nr++) {
      qresize_coord_f (y, j->hs, j->hp, j->ih, &fy, &z0, &z1);
      if (z0 != y0 || z1 != y1)
        break;
      dy[nr] = fy - (float) z0;
      o[nr] = (uint8_t *) j->out + (size_t) y * n;
    }
    a = qresize_flat_row (j, tags, slots, y0, -1);
    b = qresize_flat_row (j, tags, slots, y1, a == slots ? 0 : 1);
    mnv3_qresize_flat_rows_avx512 (a, a + n, b, b + n, j->dx, dy, o, nr, n);
  }
}

/* int8: the flat cache holds, per output, the int16 pair (x0, x1) of a
 * source row in one int32 (j->dx then holds the (wx0, wx1) pairs). */
static const int32_t *
qresize_flat_row_i8 (const qresize_job *j, int32_t *tags, int32_t *slots,
    int r, int avoid)
{
  const size_t n = (size_t) j->ow * j->c;
  const int8_t *src = (const int8_t *) j->in + (size_t) r * j->iw * j->c;
  int s;
  int32_t *f;

  for (s = 0; s < 2; s++)
    if (tags[s] == r)
      return slots + (size_t) s * n;
  s = avoid == 0 ? 1 : 0;
  f = slots + (size_t) s * n;
  for (size_t e = 0; e < n; e++)
    f[e] = (int32_t) ((uint32_t) (uint16_t) (int16_t) src[j->off0[e]]
        | (uint32_t) (uint16_t) (int16_t) src[j->off1[e]] << 16);
  tags[s] = r;
  return f;
}

static void
qresize_rows_i8_simd (void *ctx, size_t yi, int thread_index)
{
  const qresize_job *j = ctx;
  const int8_t *in = j->in;
  const int iw = j->iw, c = j->c, y = (int) yi;
  int8_t *o = (int8_t *) j->out + (size_t) y * j->ow * c;
  int32_t iy, y0, y1, wy0, wy1;

  qresize_coord_i (y, j->hs10, j->hp, j->ih, &iy, &y0, &y1);
  wy1 = iy - (1 << 10) * y0;
  wy0 = (1 << 10) - wy1;
  if (c > QRESIZE_FLAT_MAX_C) {
    mnv3_qresize_px_i8_avx2 (in + (size_t) y0 * iw * c,
        in + (size_t) y1 * iw * c, j->cols, j->ow, c, wy0, wy1, o);
  } else {
    uint8_t *t = j->cache + (size_t) thread_index * j->cache_bytes;
    int32_t *tags = (int32_t *) t;
    int32_t *slots = (int32_t *) (t + 64);
    const int32_t *a = qresize_flat_row_i8 (j, tags, slots, y0, -1);
    const int sa = a == slots ? 0 : 1;
    const int32_t *b = qresize_flat_row_i8 (j, tags, slots, y1, sa);
    mnv3_qresize_flat_i8_avx2 (a, b, (const int32_t *) j->dx, wy0, wy1, o,
        (size_t) j->ow * c);
  }
}
#endif

static void
qresize_rows_i8 (void *ctx, size_t yi, int thread_index)
{
  const qresize_job *j = ctx;
  const int8_t *in = j->in;
  const int iw = j->iw, c = j->c, y = (int) yi;
  int32_t iy, y0, y1;
  int64_t wy1, wy0;

  (void) thread_index;
  qresize_coord_i (y, j->hs10, j->hp, j->ih, &iy, &y0, &y1);
  wy1 = iy - (1 << 10) * y0;
  wy0 = (1 << 10) - wy1;
  for (int x = 0; x < j->ow; x++) {
    const qresize_col *col = &j->cols[x];
    const int32_t x0 = col->x0, x1 = col->x1;
    int64_t wx1 = col->ix - (1 << 10) * x0, wx0 = (1 << 10) - wx1;
    int8_t *o = (int8_t *) j->out + ((size_t) y * j->ow + x) * c;

    for (int k = 0; k < c; k++) {
      int64_t v = in[((size_t) y0 * iw + x0) * c + k] * wy0 * wx0
          + in[((size_t) y1 * iw + x0) * c + k] * wy1 * wx0
          + in[((size_t) y0 * iw + x1) * c + k] * wy0 * wx1
          + in[((size_t) y1 * iw + x1) * c + k] * wy1 * wx1;
      int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
      o[k] = (int8_t) ((v + round) / (1 << 20));
    }
  }
}

/* uint8: optimized_ops::ResizeBilinear in float; int8:
 * reference_ops::ResizeBilinearInteger (see the top of the file). */
static void
qresize_bilinear (mnv3_isa isa, mnv3_resize_coord coord, int is_i8,
    const void *in, int ih, int iw, int c, void *out, int oh, int ow,
    uint8_t *scratch, mnv3_threadpool *tp)
{
  const int ac = coord == MNV3_COORD_ALIGN_CORNERS;
  const int hp = coord == MNV3_COORD_HALF_PIXEL
      || coord == MNV3_COORD_PYTORCH_HALF_PIXEL;
  qresize_col *cols = (qresize_col *) scratch;
  qresize_job j = { in, out, ih, iw, c, oh, ow, hp, 0.f, 0, cols,
    NULL, NULL, NULL, NULL, 0, 0 };
  mnv3_task_fn rows = is_i8 ? qresize_rows_i8 : qresize_rows_u8;

  if (!is_i8) {
    const float ws = (ac && ow > 1) ? (float) (iw - 1) / (float) (ow - 1)
        : (float) iw / (float) ow;
    j.hs = (ac && oh > 1) ? (float) (ih - 1) / (float) (oh - 1)
        : (float) ih / (float) oh;
    for (int x = 0; x < ow; x++)
      qresize_coord_f (x, ws, hp, iw, &cols[x].fx, &cols[x].x0, &cols[x].x1);
  } else {
    int32_t ws = ((1 << 10) * iw + ow / 2) / ow;
    j.hs10 = ((1 << 10) * ih + oh / 2) / oh;
    if (ac && oh > 1)
      j.hs10 = ((1 << 10) * (ih - 1) + (oh - 1) / 2) / (oh - 1);
    if (ac && ow > 1)
      ws = ((1 << 10) * (iw - 1) + (ow - 1) / 2) / (ow - 1);
    for (int x = 0; x < ow; x++)
      qresize_coord_i (x, ws, hp, iw, &cols[x].ix, &cols[x].x0, &cols[x].x1);
  }
#ifdef MNV3_X86
  if (isa >= MNV3_ISA_AVX2) {
    rows = is_i8 ? qresize_rows_i8_simd : qresize_rows_u8_simd;
    j.avx512 = isa >= MNV3_ISA_AVX512;
    if (c <= QRESIZE_FLAT_MAX_C) {
      const size_t n = (size_t) ow * c;
      const int nt = tp ? mnv3_threadpool_size (tp) : 1;
      uint8_t *p = scratch + qresize_align ((size_t) ow * sizeof *cols);
      int32_t *o0 = (int32_t *) p, *o1 = o0 + n;
      float *dx = (float *) (o1 + n);
      int32_t *wx = (int32_t *) (o1 + n);   /* int8: in place of dx */
      for (int x = 0; x < ow; x++) {
        const int32_t wx1 = cols[x].ix - (1 << 10) * cols[x].x0;
        for (int k = 0; k < c; k++) {
          const size_t e = (size_t) x * c + k;
          o0[e] = cols[x].x0 * c + k;
          o1[e] = cols[x].x1 * c + k;
          if (is_i8)
            wx[e] = (int32_t) ((uint32_t) (uint16_t) ((1 << 10) - wx1)
                | (uint32_t) (uint16_t) wx1 << 16);
          else
            dx[e] = cols[x].fx - (float) cols[x].x0;
        }
      }
      j.off0 = o0;
      j.off1 = o1;
      j.dx = dx;
      j.cache = p + qresize_align (3 * n * 4);
      j.cache_bytes = qresize_flat_thread_bytes (n);
      for (int t = 0; t < nt; t++) {
        int32_t *tags = (int32_t *) (j.cache + (size_t) t * j.cache_bytes);
        tags[0] = tags[1] = -1;
      }
    }
  }
#endif
  (void) isa;
#ifdef MNV3_X86
  if (j.avx512 && !is_i8 && c <= QRESIZE_FLAT_MAX_C) {
    mnv3_threadpool_run (tp, ((size_t) oh + QRESIZE_GROUP - 1)
        / QRESIZE_GROUP, qresize_groups_u8_avx512, &j);
    return;
  }
#endif
  mnv3_threadpool_run (tp, (size_t) oh, rows, &j);
}

/* reference_ops GetNearestNeighbor (align_corners or half_pixel). */
static int32_t
qresize_nearest_ref (int v, int in_size, int out_size, int ac, int hp)
{
  const float scale = (ac && out_size > 1)
      ? (float) (in_size - 1) / (float) (out_size - 1)
      : (float) in_size / (float) out_size;
  const float offset = hp ? 0.5f : 0.0f;
  const float s = ((float) v + offset) * scale;
  int32_t r = ac ? (int32_t) roundf (s) : (int32_t) floorf (s);

  if (r > in_size - 1)
    r = in_size - 1;
  if (hp && r < 0)
    r = 0;
  return r;
}

static void
qresize_nearest (mnv3_resize_coord coord, const uint8_t *in, int ih, int iw,
    int c, uint8_t *out, int oh, int ow)
{
  const int ac = coord == MNV3_COORD_ALIGN_CORNERS;
  const int hp = coord == MNV3_COORD_HALF_PIXEL
      || coord == MNV3_COORD_PYTORCH_HALF_PIXEL;
  const int64_t hs = ((int64_t) ih << 16) / oh + 1;
  const int64_t ws = ((int64_t) iw << 16) / ow + 1;

  for (int y = 0; y < oh; y++) {
    int64_t iy;
    if (ac || hp) {
      iy = qresize_nearest_ref (y, ih, oh, ac, hp);
    } else {
      iy = (y * hs) >> 16;
      if (iy > ih - 1)
        iy = ih - 1;
    }
    for (int x = 0; x < ow; x++) {
      int64_t ix;
      const uint8_t *s;
      uint8_t *d = out + ((size_t) y * ow + x) * c;
      if (ac || hp) {
        ix = qresize_nearest_ref (x, iw, ow, ac, hp);
      } else {
        ix = (x * ws) >> 16;
        if (ix > iw - 1)
          ix = iw - 1;
      }
      s = in + ((size_t) iy * iw + (size_t) ix) * c;
      for (int k = 0; k < c; k++)
        d[k] = s[k];
    }
  }
}

void
mnv3_qresize_run (mnv3_isa isa, mnv3_resize_coord coord, int nearest,
    mnv3_dtype type, const void *in, int ih, int iw, int c, void *out,
    int oh, int ow, void *scratch, mnv3_threadpool *tp)
{
  if (ih <= 0 || iw <= 0 || oh <= 0 || ow <= 0 || c <= 0)
    return;
  isa = mnv3_cpu_resolve (isa);
  if (nearest)
    qresize_nearest (coord, in, ih, iw, c, out, oh, ow);
  else if (scratch)
    qresize_bilinear (isa, coord, type == MNV3_DTYPE_I8, in, ih, iw, c, out,
        oh, ow, (uint8_t *) (((uintptr_t) scratch + 63) & ~(uintptr_t) 63),
        tp);
  else {
    /* one-off use without a planned scratch (tests) */
    uint8_t *buf = malloc (mnv3_qresize_scratch_size (oh, ow, c,
            tp ? mnv3_threadpool_size (tp) : 1));
    if (!buf)
      return;
    qresize_bilinear (isa, coord, type == MNV3_DTYPE_I8, in, ih, iw, c, out,
        oh, ow, (uint8_t *) (((uintptr_t) buf + 63) & ~(uintptr_t) 63), tp);
    free (buf);
  }
}
