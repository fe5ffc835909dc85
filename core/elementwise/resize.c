/* resize.c — mnv3_resize_run (bilinear and nearest), with the scalar
 * reference kernels of the bilinear passes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bilinear is separable: each needed input row is interpolated
 * horizontally once into a per-thread row buffer (indices and weights per
 * output column are precomputed), then every output row is one vertical
 * blend of two such rows over ow*c contiguous floats.  Upsampling by k
 * therefore does the horizontal work ih times, not oh times, and the hot
 * loop is vectorised whatever the channel count (c = 1 or 5 included).
 *
 * Source coordinates follow ONNX Resize (and PyTorch / TF for the same
 * flags), computed in double so exact ratios stay exact; bilinear clamps
 * the source coordinate to [0, in-1], nearest takes floor() clamped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp.h"
#include "elementwise/elementwise.h"

/* Output floats per task. */
#define RESIZE_MIN_PER_TASK 16384
/* Slack the SIMD horizontal kernel may write past a row (elementwise.h). */
#define RESIZE_ROW_SLACK 16

void
mnv3_resize_hrow_kernel_scalar (const float *in, const int32_t *x0,
    const int32_t *x1, const float *wx, int ow, int c, float *row)
{
  for (int o = 0; o < ow; o++) {
    const float *a = in + x0[o], *b = in + x1[o];
    for (int k = 0; k < c; k++)
      row[(size_t) o * c + k] = a[k] + wx[o] * (b[k] - a[k]);
  }
}

void
mnv3_resize_vblend_kernel_scalar (const float *r0, const float *r1, float wy,
    float *out, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = r0[i] + wy * (r1[i] - r0[i]);
}

static double
resize_src (mnv3_resize_coord coord, int o, int in, int out, double scale)
{
  switch (coord) {
    case MNV3_COORD_ALIGN_CORNERS:
      return out > 1 ? (double) o * (in - 1) / (out - 1) : 0.0;
    case MNV3_COORD_PYTORCH_HALF_PIXEL:
      if (out <= 1)
        return 0.0;
      /* fall through */
    case MNV3_COORD_HALF_PIXEL:
      return scale > 0 ? (o + 0.5) / scale - 0.5
          : (o + 0.5) * in / out - 0.5;
    case MNV3_COORD_ASYMMETRIC:
    default:
      return scale > 0 ? o / scale : (double) o * in / out;
  }
}

/* For output index o: the two source indices and the weight of the
 * second (bilinear), or the floor index twice and weight 0 (nearest). */
static void
resize_axis_one (mnv3_resize_coord coord, int nearest, int in, int out,
    double scale, int o, int32_t *i0, int32_t *i1, float *w)
{
  double s = resize_src (coord, o, in, out, scale);

  if (nearest) {
    double f = floor (s);
    *i0 = *i1 = f < 0 ? 0 : (f > in - 1 ? in - 1 : (int32_t) f);
    *w = 0.f;
    return;
  }
  if (s < 0)
    s = 0;
  if (s > in - 1)
    s = in - 1;
  int32_t f = (int32_t) s;  /* s >= 0: truncation is floor */
  *i0 = f;
  *i1 = f + 1 < in ? f + 1 : in - 1;
  *w = (float) (s - f);
}

static void
resize_axis (mnv3_resize_coord coord, int nearest, int in, int out,
    double scale, int32_t *i0, int32_t *i1, float *w)
{
  for (int o = 0; o < out; o++)
    resize_axis_one (coord, nearest, in, out, scale, o, i0 + o, i1 + o, w + o);
}

typedef struct {
  mnv3_resize_hrow_fn hrow;
  mnv3_resize_vblend_fn vblend;
  const float *in;
  float *out;
  int ih, iw, c, oh, ow, nearest;
  const int32_t *y0, *y1, *x0, *x1;  /* x0/x1 already times c */
  const float *wy, *wx;
  float *rows;                  /* 2 row buffers per thread */
  size_t row_floats;            /* ow*c + slack */
  size_t tasks;
} resize_task;

/* A horizontal row for input row y, in one of the thread's two buffers,
 * never evicting the buffer that holds row `keep`. */
static const float *
resize_fetch (const resize_task *t, float *buf[2], int tag[2], int y,
    int keep)
{
  int slot;

  if (tag[0] == y)
    return buf[0];
  if (tag[1] == y)
    return buf[1];
  slot = tag[0] == keep ? 1 : 0;
  t->hrow (t->in + (size_t) y * t->iw * t->c, t->x0, t->x1, t->wx, t->ow,
      t->c, buf[slot]);
  tag[slot] = y;
  return buf[slot];
}

static void
resize_bilinear_rows (const resize_task *t, int thread_index, int lo, int hi)
{
  const size_t n = (size_t) t->ow * t->c;
  float *buf[2] = { t->rows + 2 * thread_index * t->row_floats,
    t->rows + (2 * thread_index + 1) * t->row_floats };
  int tag[2] = { -1, -1 };

  for (int oy = lo; oy < hi; oy++) {
    float *o = t->out + (size_t) oy * n;
    int y0 = t->y0[oy], y1 = t->y1[oy];
    const float *r0 = resize_fetch (t, buf, tag, y0, y1);
    if (y1 == y0 || t->wy[oy] == 0.f) {
      memcpy (o, r0, n * sizeof *o);
      continue;
    }
    const float *r1 = resize_fetch (t, buf, tag, y1, y0);
    t->vblend (r0, r1, t->wy[oy], o, n);
  }
}

static void
resize_nearest_rows (const resize_task *t, int lo, int hi)
{
  const size_t n = (size_t) t->ow * t->c;

  for (int oy = lo; oy < hi; oy++) {
    float *o = t->out + (size_t) oy * n;
    if (oy > lo && t->y0[oy] == t->y0[oy - 1]) {
      memcpy (o, o - n, n * sizeof *o);
      continue;
    }
    const float *row = t->in + (size_t) t->y0[oy] * t->iw * t->c;
    if (t->c == 1) {
      for (int ox = 0; ox < t->ow; ox++)
        o[ox] = row[t->x0[ox]];
    } else {
      for (int ox = 0; ox < t->ow; ox++)
        memcpy (o + (size_t) ox * t->c, row + t->x0[ox],
            (size_t) t->c * sizeof *o);
    }
  }
}

static void
resize_task_run (void *ctx, size_t i, int thread_index)
{
  const resize_task *t = ctx;
  size_t lo, hi;

  mnv3_ew_split ((size_t) t->oh, t->tasks, i, &lo, &hi);
  if (t->nearest)
    resize_nearest_rows (t, (int) lo, (int) hi);
  else
    resize_bilinear_rows (t, thread_index, (int) lo, (int) hi);
}

/* Memory failure fallback: per pixel, no tables and no buffers. */
static void
resize_direct (const resize_task *t, mnv3_resize_coord coord, double sh,
    double sw)
{
  const size_t rs = (size_t) t->iw * t->c;

  for (int oy = 0; oy < t->oh; oy++) {
    int32_t y0, y1;
    float wy;
    resize_axis_one (coord, t->nearest, t->ih, t->oh, sh, oy, &y0, &y1, &wy);
    for (int ox = 0; ox < t->ow; ox++) {
      float *o = t->out + ((size_t) oy * t->ow + ox) * t->c;
      int32_t x0, x1;
      float wx;
      resize_axis_one (coord, t->nearest, t->iw, t->ow, sw, ox, &x0, &x1, &wx);
      for (int k = 0; k < t->c; k++) {
        const float *r0 = t->in + y0 * rs + k, *r1 = t->in + y1 * rs + k;
        float a = r0[x0 * t->c] + wx * (r0[x1 * t->c] - r0[x0 * t->c]);
        float b = r1[x0 * t->c] + wx * (r1[x1 * t->c] - r1[x0 * t->c]);
        o[k] = a + wy * (b - a);
      }
    }
  }
}

/* Bytes of the per-axis tables and per-thread row buffers. */
static size_t
resize_tables_bytes (int oh, int ow)
{
  return ((size_t) 3 * (oh + ow) * 4 + 63) & ~(size_t) 63;
}

static size_t
resize_row_floats (int ow, int c)
{
  return ((size_t) ow * c + RESIZE_ROW_SLACK + 15) & ~(size_t) 15;
}

size_t
mnv3_resize_scratch_size (int oh, int ow, int c, int nearest,
    int num_threads)
{
  if (oh <= 0 || ow <= 0 || c <= 0)
    return 0;
  if (num_threads < 1)
    num_threads = 1;
  return resize_tables_bytes (oh, ow) + (nearest ? 0
      : 2 * (size_t) num_threads * resize_row_floats (ow, c) * 4) + 64;
}

void
mnv3_resize_run_scratch (mnv3_isa isa, mnv3_resize_coord coord, int nearest,
    const float *in, int ih, int iw, int c, float *out, int oh, int ow,
    float scale_h, float scale_w, void *scratch, mnv3_threadpool *tp)
{
  const mnv3_dsp_f32 *dsp = mnv3_dsp_f32_get (isa);
  resize_task t = { dsp->resize_hrow, dsp->resize_vblend, in, out, ih, iw, c, oh, ow,
    nearest != 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 1 };
  size_t tables;
  void *mem = scratch;

  if (ih <= 0 || iw <= 0 || c <= 0 || oh <= 0 || ow <= 0)
    return;
  /* One block: per-axis tables, then 64-byte aligned row buffers. */
  t.row_floats = resize_row_floats (ow, c);
  tables = resize_tables_bytes (oh, ow);
  if (!mem) {
    resize_direct (&t, coord, scale_h, scale_w);
    return;
  }
  int32_t *y0 = mem, *y1 = y0 + oh, *x0 = y1 + oh, *x1 = x0 + ow;
  float *wy = (float *) (x1 + ow), *wx = wy + oh;
  resize_axis (coord, t.nearest, ih, oh, scale_h, y0, y1, wy);
  resize_axis (coord, t.nearest, iw, ow, scale_w, x0, x1, wx);
  for (int o = 0; o < ow; o++) {
    x0[o] *= c;
    x1[o] *= c;
  }
  t.y0 = y0; t.y1 = y1; t.x0 = x0; t.x1 = x1; t.wy = wy; t.wx = wx;
  t.rows = (float *) ((char *) mem + tables);

  t.tasks = mnv3_threadpool_tasks (tp, (size_t) oh,
      (RESIZE_MIN_PER_TASK + (size_t) ow * c - 1) / ((size_t) ow * c));
  if (t.tasks <= 1)
    resize_task_run (&t, 0, 0);
  else
    mnv3_threadpool_run (tp, t.tasks, resize_task_run, &t);
}

void
mnv3_resize_run (mnv3_isa isa, mnv3_resize_coord coord, int nearest,
    const float *in, int ih, int iw, int c, float *out, int oh, int ow,
    float scale_h, float scale_w, mnv3_threadpool *tp)
{
  size_t bytes = mnv3_resize_scratch_size (oh, ow, c, nearest,
      mnv3_threadpool_size (tp));
  void *mem = bytes ? aligned_alloc (64, (bytes + 63) & ~(size_t) 63) : NULL;

  /* without memory, resize_direct computes each output from scratch */
  mnv3_resize_run_scratch (isa, coord, nearest, in, ih, iw, c, out, oh, ow,
      scale_h, scale_w, mem, tp);
  free (mem);
}
