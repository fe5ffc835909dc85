/* preprocess.c — parameters to tables (create), rows to threads (run).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sampling: output column j of the destination rectangle samples the frame
 * at x = src.x + (j + 0.5) * src.width / dst.width - 0.5 (half-pixel
 * centres, as tf.image.resize and OpenCV INTER_LINEAR), clamped to the
 * source rectangle, so a crop behaves as if the region were cut out first.
 *
 * 4:2:0 chroma is sampled at its own resolution, bilinearly, at the luma
 * position mapped with MPEG-2 siting (the H.264/H.265 default: chroma
 * co-sited with even luma columns, centred between luma rows), clamped to
 * the chroma plane.  Y, U and V are interpolated first and converted after:
 * the conversion is affine, so this equals converting the four
 * neighbours, except for the clamp of R, G, B to 0..255, which is applied
 * to the interpolated colour.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "graph.h"
#include "dsp.h"
#include "preprocess-internal.h"
#include "quant/qboundary.h"
#include "session.h"
#include "threadpool.h"

/* Largest frame or tensor side accepted: keeps every byte offset, and
 * dst_width * dst_height * 3, far inside int32/size_t. */
#define MNV3_PP_MAX_SIDE 32768

typedef struct {
  int bpp;        /* bytes per pixel (packed), 0 for YUV */
  int pos[3];     /* byte of R, G, B within a pixel */
} mnv3_pp_format;

static const mnv3_pp_format mnv3_pp_formats[] = {
  [MNV3_PIXEL_RGB] = { 3, { 0, 1, 2 } },
  [MNV3_PIXEL_BGR] = { 3, { 2, 1, 0 } },
  [MNV3_PIXEL_RGBX] = { 4, { 0, 1, 2 } },
  [MNV3_PIXEL_BGRX] = { 4, { 2, 1, 0 } },
  [MNV3_PIXEL_XRGB] = { 4, { 1, 2, 3 } },
  [MNV3_PIXEL_XBGR] = { 4, { 3, 2, 1 } },
  [MNV3_PIXEL_RGBA] = { 4, { 0, 1, 2 } },
  [MNV3_PIXEL_BGRA] = { 4, { 2, 1, 0 } },
  [MNV3_PIXEL_ARGB] = { 4, { 1, 2, 3 } },
  [MNV3_PIXEL_ABGR] = { 4, { 3, 2, 1 } },
  [MNV3_PIXEL_I420] = { 0, { 0, 0, 0 } },
  [MNV3_PIXEL_NV12] = { 0, { 0, 0, 0 } },
};

/* ---- fit ---------------------------------------------------------------- */

/* round (a * b / c) for positive values, without overflow */
static int
mnv3_pp_muldiv (int a, int b, int c)
{
  return (int) (((int64_t) a * b + c / 2) / c);
}

void
mnv3_preprocess_fit (mnv3_fit fit, int src_width, int src_height,
    int dst_width, int dst_height, mnv3_rect *src, mnv3_rect *dst)
{
  mnv3_rect s = { 0, 0, src_width, src_height };
  mnv3_rect d = { 0, 0, dst_width, dst_height };

  /* invalid sizes pass through: create() reports them */
  if (src_width > 0 && src_height > 0 && dst_width > 0 && dst_height > 0) {
    /* frame wider than the tensor (aspect), compared exactly */
    int wider = (int64_t) src_width * dst_height
        > (int64_t) src_height * dst_width;

    if (fit == MNV3_FIT_CENTER_CROP) {
      if (wider)
        s.width = mnv3_pp_muldiv (src_height, dst_width, dst_height);
      else
        s.height = mnv3_pp_muldiv (src_width, dst_height, dst_width);
      s.width = s.width < 1 ? 1 : (s.width > src_width ? src_width : s.width);
      s.height = s.height < 1 ? 1
          : (s.height > src_height ? src_height : s.height);
      s.x = (src_width - s.width) / 2;
      s.y = (src_height - s.height) / 2;
    } else if (fit == MNV3_FIT_LETTERBOX) {
      if (wider)
        d.height = mnv3_pp_muldiv (dst_width, src_height, src_width);
      else
        d.width = mnv3_pp_muldiv (dst_height, src_width, src_height);
      d.width = d.width < 1 ? 1 : (d.width > dst_width ? dst_width : d.width);
      d.height = d.height < 1 ? 1
          : (d.height > dst_height ? dst_height : d.height);
      d.x = (dst_width - d.width) / 2;
      d.y = (dst_height - d.height) / 2;
    }
  }
  if (src)
    *src = s;
  if (dst)
    *dst = d;
}

/* ---- validation --------------------------------------------------------- */

static int
mnv3_pp_rect_ok (const mnv3_rect *r, int w, int h)
{
  return r->width > 0 && r->height > 0 && r->x >= 0 && r->y >= 0
      && (int64_t) r->x + r->width <= w && (int64_t) r->y + r->height <= h;
}

static mnv3_status
mnv3_pp_check (const mnv3_preprocess_params *p)
{
  if (!p)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "preprocess: no parameters");
  if ((unsigned) p->format > MNV3_PIXEL_NV12)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "preprocess: unknown pixel format %d", (int) p->format);
  if ((p->format == MNV3_PIXEL_I420 || p->format == MNV3_PIXEL_NV12)
      && (unsigned) p->matrix > MNV3_MATRIX_BT709)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "preprocess: unknown YUV matrix %d", (int) p->matrix);
  if (p->src_width < 1 || p->src_height < 1
      || p->src_width > MNV3_PP_MAX_SIDE || p->src_height > MNV3_PP_MAX_SIDE)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "preprocess: invalid frame size %dx%d (1..%d)", p->src_width,
        p->src_height, MNV3_PP_MAX_SIDE);
  if (p->dst_width < 1 || p->dst_height < 1
      || p->dst_width > MNV3_PP_MAX_SIDE || p->dst_height > MNV3_PP_MAX_SIDE)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "preprocess: invalid tensor size %dx%d (1..%d)", p->dst_width,
        p->dst_height, MNV3_PP_MAX_SIDE);
  if (!mnv3_pp_rect_ok (&p->src, p->src_width, p->src_height))
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "preprocess: source rectangle %d,%d %dx%d is empty or outside the "
        "%dx%d frame", p->src.x, p->src.y, p->src.width, p->src.height,
        p->src_width, p->src_height);
  if (!mnv3_pp_rect_ok (&p->dst, p->dst_width, p->dst_height))
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "preprocess: destination rectangle %d,%d %dx%d is empty or outside "
        "the %dx%d tensor", p->dst.x, p->dst.y, p->dst.width, p->dst.height,
        p->dst_width, p->dst_height);
  for (int c = 0; c < 3; c++) {
    if (!isfinite (p->mean[c]) || !isfinite (p->std[c]) || p->std[c] == 0.0f
        || !isfinite (p->pad_value[c]) || !isfinite (1.0f / p->std[c]))
      return mnv3_set_error (MNV3_ERR_INVALID_ARG,
          "preprocess: channel %d: mean %g / std %g / pad %g must be finite "
          "and std non-zero", c, p->mean[c], p->std[c], p->pad_value[c]);
  }
  return MNV3_OK;
}

/* ---- tables ------------------------------------------------------------- */

/* One bilinear tap pair at coordinate f, clamped to [lo, hi]. */
static void
mnv3_pp_tap (double f, int lo, int hi, int *i0, int *i1, float *w)
{
  double fl;

  if (f < lo)
    f = lo;
  if (f > hi)
    f = hi;
  fl = floor (f);
  *i0 = (int) fl;
  *i1 = *i0 < hi ? *i0 + 1 : *i0;
  *w = *i1 == *i0 ? 0.0f : (float) (f - fl);
}

/* Source coordinate of output index i (half-pixel centres), clamped. */
static double
mnv3_pp_coord (int i, int src_pos, int src_len, int dst_len)
{
  double f = src_pos + (i + 0.5) * src_len / dst_len - 0.5;

  if (f < src_pos)
    f = src_pos;
  if (f > src_pos + src_len - 1)
    f = src_pos + src_len - 1;
  return f;
}

/* Gather offsets for 32-bit reads that stay inside a row of row_bytes.
 * paired: both taps from the word at g0 (g1 = g0, sh1 relative to it);
 * possible where off1 <= off0 + 1 (one-byte samples) or, for NV12,
 * off1 <= off0 + 2 with V one byte above: the last byte needed is then at
 * most 3 bytes past g0 (shown in preprocess-internal.h). */
static void
mnv3_pp_gather_offsets (mnv3_pp_taps *t, int n, int row_bytes, int paired)
{
  int last = row_bytes - 4;

  for (int k = 0; k < n; k++) {
    t->g0[k] = t->off0[k] < last ? t->off0[k] : (last > 0 ? last : 0);
    t->g1[k] = t->off1[k] < last ? t->off1[k] : (last > 0 ? last : 0);
    if (paired)
      t->g1[k] = t->g0[k];
    t->sh0[k] = 8 * (t->off0[k] - t->g0[k]);
    t->sh1[k] = 8 * (t->off1[k] - t->g1[k]);
  }
}

static void *
mnv3_pp_take (char **cursor, size_t bytes)
{
  void *p = *cursor;

  *cursor += (bytes + 63) & ~(size_t) 63;
  return p;
}

static void
mnv3_pp_taps_take (mnv3_pp_taps *t, char **cursor, int npad)
{
  size_t b = (size_t) npad * 4;

  t->off0 = mnv3_pp_take (cursor, b);
  t->off1 = mnv3_pp_take (cursor, b);
  t->g0 = mnv3_pp_take (cursor, b);
  t->g1 = mnv3_pp_take (cursor, b);
  t->sh0 = mnv3_pp_take (cursor, b);
  t->sh1 = mnv3_pp_take (cursor, b);
  t->w = mnv3_pp_take (cursor, b);
}

static void
mnv3_pp_yuv_matrix (mnv3_pp_yuv *m, mnv3_yuv_matrix matrix)
{
  double kr = matrix == MNV3_MATRIX_BT709 ? 0.2126 : 0.299;
  double kb = matrix == MNV3_MATRIX_BT709 ? 0.0722 : 0.114;
  double kg = 1.0 - kr - kb;
  double cy = 255.0 / 219.0, cc = 255.0 / 224.0;    /* limited range */
  double crv = 2.0 * (1.0 - kr) * cc, cbu = 2.0 * (1.0 - kb) * cc;
  double cgu = -2.0 * kb * (1.0 - kb) / kg * cc;
  double cgv = -2.0 * kr * (1.0 - kr) / kg * cc;

  m->cy = (float) cy;
  m->crv = (float) crv;
  m->cgu = (float) cgu;
  m->cgv = (float) cgv;
  m->cbu = (float) cbu;
  m->off[0] = (float) (-16.0 * cy - 128.0 * crv);
  m->off[1] = (float) (-16.0 * cy - 128.0 * (cgu + cgv));
  m->off[2] = (float) (-16.0 * cy - 128.0 * cbu);
}

/* Column taps: packed formats per float (scalar) and per pixel (SIMD);
 * YUV per pixel for luma and chroma. */
static void
mnv3_pp_fill_columns (mnv3_preprocess *pp)
{
  const mnv3_preprocess_params *p = &pp->p;
  const mnv3_pp_format *fmt = &mnv3_pp_formats[p->format];
  int cw = (p->src_width + 1) / 2;
  int nv12 = p->format == MNV3_PIXEL_NV12;

  for (int c = 0; c < 3; c++)
    pp->chan_shift[c] = 8 * fmt->pos[c];
  for (int j = 0; j < p->dst.width; j++) {
    double fx = mnv3_pp_coord (j, p->src.x, p->src.width, p->dst.width);
    int i0, i1;
    float w;

    mnv3_pp_tap (fx, p->src.x, p->src.x + p->src.width - 1, &i0, &i1, &w);
    if (!pp->yuv) {
      for (int c = 0; c < 3; c++) {
        int k = 3 * j + c;
        pp->x.off0[k] = i0 * fmt->bpp + fmt->pos[c];
        pp->x.off1[k] = i1 * fmt->bpp + fmt->pos[c];
        pp->x.w[k] = w;
        pp->scale[k] = pp->ch_scale[c];
        pp->bias[k] = pp->ch_bias[c];
      }
      pp->cx.off0[j] = i0 * fmt->bpp;
      pp->cx.off1[j] = i1 * fmt->bpp;
      pp->cx.w[j] = w;
      continue;
    }
    pp->x.off0[j] = i0;
    pp->x.off1[j] = i1;
    pp->x.w[j] = w;
    /* chroma column i sits on luma column 2i */
    mnv3_pp_tap (fx / 2.0, 0, cw - 1, &i0, &i1, &w);
    pp->cx.off0[j] = nv12 ? 2 * i0 : i0;
    pp->cx.off1[j] = nv12 ? 2 * i1 : i1;
    pp->cx.w[j] = w;
  }
}

static void
mnv3_pp_fill_rows (mnv3_preprocess *pp)
{
  const mnv3_preprocess_params *p = &pp->p;
  int chh = (p->src_height + 1) / 2;

  for (int i = 0; i < p->dst.height; i++) {
    double fy = mnv3_pp_coord (i, p->src.y, p->src.height, p->dst.height);
    int i0, i1;
    float w;

    mnv3_pp_tap (fy, p->src.y, p->src.y + p->src.height - 1, &i0, &i1, &w);
    pp->ry0[i] = i0;
    pp->ry1[i] = i1;
    pp->rwy[i] = w;
    if (pp->yuv) {
      /* chroma row i is centred between luma rows 2i and 2i + 1 */
      mnv3_pp_tap ((fy - 0.5) / 2.0, 0, chh - 1, &i0, &i1, &w);
      pp->rcy0[i] = i0;
      pp->rcy1[i] = i1;
      pp->rcwy[i] = w;
    }
  }
}

/* Plane geometry and SIMD gather tables; returns the smallest row width in
 * bytes of any plane (SIMD gathers need 4). */
static int
mnv3_pp_fill_planes (mnv3_preprocess *pp)
{
  const mnv3_preprocess_params *p = &pp->p;
  int nv12 = p->format == MNV3_PIXEL_NV12;
  int crow = (nv12 ? 2 : 1) * ((p->src_width + 1) / 2);

  if (!pp->yuv) {
    pp->planes = 1;
    pp->row_bytes[0] = p->src_width * mnv3_pp_formats[p->format].bpp;
    /* SIMD reads whole pixels (cx); at the row end a 3-byte pixel's word
     * starts one byte early: shift 8, plus chan_shift, stays <= 24 */
    mnv3_pp_gather_offsets (&pp->cx, p->dst.width, pp->row_bytes[0], 0);
    return pp->row_bytes[0];
  }
  pp->planes = nv12 ? 2 : 3;
  pp->row_bytes[0] = p->src_width;
  pp->row_bytes[1] = pp->row_bytes[2] = crow;
  mnv3_pp_gather_offsets (&pp->x, pp->n, p->src_width, 1);
  mnv3_pp_gather_offsets (&pp->cx, pp->n, crow, 1);
  return p->src_width < crow ? p->src_width : crow;
}

/* Row kernel from the dispatch table; the SIMD rows need every plane row
 * to hold a 32-bit word (min_row >= 4), tinier frames take the C rows. */
static void
mnv3_pp_pick (mnv3_preprocess *pp, mnv3_isa isa, int min_row)
{
  const mnv3_dsp_f32 *dsp = mnv3_dsp_f32_get (min_row < 4 ? MNV3_ISA_SCALAR
      : mnv3_cpu_resolve (isa));

  pp->isa = dsp->isa;
  pp->row = !pp->yuv ? dsp->pp_packed
      : pp->p.format == MNV3_PIXEL_NV12 ? dsp->pp_nv12 : dsp->pp_i420;
}

/* Every table in one zeroed allocation (zero: the padding entries are
 * harmless), each slot 64-byte aligned. */
static mnv3_status
mnv3_pp_alloc_tables (mnv3_preprocess *pp)
{
  int npad = (pp->n + MNV3_PP_PAD - 1) / MNV3_PP_PAD * MNV3_PP_PAD;
  size_t rows = (size_t) pp->p.dst.height * 4, cols = (size_t) npad * 4;
  /* 2 tap tables of 7 arrays, scale + bias, 6 row arrays */
  size_t bytes = 16 * ((cols + 63) & ~(size_t) 63)
      + 6 * ((rows + 63) & ~(size_t) 63) + 64;
  char *cur;

  pp->mem = calloc (1, bytes);
  if (!pp->mem)
    return mnv3_set_error (MNV3_ERR_NOMEM,
        "preprocess: out of memory (%zu bytes)", bytes);
  cur = (char *) (((uintptr_t) pp->mem + 63) & ~(uintptr_t) 63);
  mnv3_pp_taps_take (&pp->x, &cur, npad);
  mnv3_pp_taps_take (&pp->cx, &cur, npad);
  pp->scale = mnv3_pp_take (&cur, cols);
  pp->bias = mnv3_pp_take (&cur, cols);
  pp->ry0 = mnv3_pp_take (&cur, rows);
  pp->ry1 = mnv3_pp_take (&cur, rows);
  pp->rwy = mnv3_pp_take (&cur, rows);
  pp->rcy0 = mnv3_pp_take (&cur, rows);
  pp->rcy1 = mnv3_pp_take (&cur, rows);
  pp->rcwy = mnv3_pp_take (&cur, rows);
  return MNV3_OK;
}

mnv3_preprocess *
mnv3_preprocess_create (mnv3_isa isa, const mnv3_preprocess_params *p)
{
  mnv3_preprocess *pp;

  if (mnv3_pp_check (p) != MNV3_OK)
    return NULL;
  pp = calloc (1, sizeof *pp);
  if (!pp) {
    mnv3_set_error (MNV3_ERR_NOMEM, "preprocess: out of memory");
    return NULL;
  }
  pp->p = *p;
  pp->yuv = p->format == MNV3_PIXEL_I420 || p->format == MNV3_PIXEL_NV12;
  pp->n = pp->yuv ? p->dst.width : 3 * p->dst.width;
  for (int c = 0; c < 3; c++) {
    pp->ch_scale[c] = 1.0f / p->std[c];
    pp->ch_bias[c] = -p->mean[c] / p->std[c];
  }
  if (pp->yuv)
    mnv3_pp_yuv_matrix (&pp->m, p->matrix);
  if (mnv3_pp_alloc_tables (pp) != MNV3_OK) {
    free (pp);
    return NULL;
  }
  mnv3_pp_fill_columns (pp);
  mnv3_pp_fill_rows (pp);
  mnv3_pp_pick (pp, isa, mnv3_pp_fill_planes (pp));
  return pp;
}

void
mnv3_preprocess_free (mnv3_preprocess *pp)
{
  if (!pp)
    return;
  free (pp->mem);
  free (pp);
}

/* ---- run ---------------------------------------------------------------- */

typedef struct {
  const mnv3_preprocess *pp;
  const mnv3_frame *frame;
  float *out;
  size_t tasks;
  uint8_t *out8;              /* run_raw on an 8-bit input: out is NULL */
  mnv3_qtensor q;
  int *failed;                /* set when a task had no row buffer */
} mnv3_pp_job;

static void
mnv3_pp_pad (float *o, int pixels, const float pad[3])
{
  for (int i = 0; i < pixels; i++) {
    o[3 * i] = pad[0];
    o[3 * i + 1] = pad[1];
    o[3 * i + 2] = pad[2];
  }
}

/* Source rows of destination row i (0 = dst.y). */
static void
mnv3_pp_rows_of (const mnv3_preprocess *pp, const mnv3_frame *f, int i,
    mnv3_pp_rows *r)
{
  r->y0 = f->planes[0] + (ptrdiff_t) pp->ry0[i] * f->strides[0];
  r->y1 = f->planes[0] + (ptrdiff_t) pp->ry1[i] * f->strides[0];
  r->wy = pp->rwy[i];
  r->u0 = r->u1 = r->v0 = r->v1 = NULL;
  r->cwy = 0.0f;
  if (!pp->yuv)
    return;
  r->u0 = f->planes[1] + (ptrdiff_t) pp->rcy0[i] * f->strides[1];
  r->u1 = f->planes[1] + (ptrdiff_t) pp->rcy1[i] * f->strides[1];
  if (pp->p.format == MNV3_PIXEL_NV12) {
    r->v0 = r->u0 + 1;
    r->v1 = r->u1 + 1;
  } else {
    r->v0 = f->planes[2] + (ptrdiff_t) pp->rcy0[i] * f->strides[2];
    r->v1 = f->planes[2] + (ptrdiff_t) pp->rcy1[i] * f->strides[2];
  }
  r->cwy = pp->rcwy[i];
}

static void
mnv3_pp_task (void *ctx, size_t task, int thread_index)
{
  const mnv3_pp_job *job = ctx;
  const mnv3_preprocess *pp = job->pp;
  const mnv3_preprocess_params *p = &pp->p;
  int h = p->dst_height, w = p->dst_width;
  int begin = (int) ((int64_t) h * task / job->tasks);
  int end = (int) ((int64_t) h * (task + 1) / job->tasks);

  /* 8-bit output: each row in float first, then quantized as the
   * session's boundary does, so the bytes are those of run() followed by
   * mnv3_session_run()'s own quantization, without a float frame */
  float *row = NULL;

  (void) thread_index;
  if (job->out8 && !(row = malloc ((size_t) w * 3 * sizeof *row))) {
    *job->failed = 1;         /* every writer stores the same 1 */
    return;
  }
  for (int t = begin; t < end; t++) {
    float *o = row ? row : job->out + (size_t) t * w * 3;
    mnv3_pp_rows r;

    if (t < p->dst.y || t >= p->dst.y + p->dst.height) {
      mnv3_pp_pad (o, w, p->pad_value);
      if (row)
        mnv3_qboundary_quantize (pp->isa, row, job->out8
            + (size_t) t * w * 3, (size_t) w * 3, &job->q);
      continue;
    }
    mnv3_pp_pad (o, p->dst.x, p->pad_value);
    mnv3_pp_rows_of (pp, job->frame, t - p->dst.y, &r);
    pp->row (pp, &r, o + 3 * p->dst.x);
    mnv3_pp_pad (o + 3 * (p->dst.x + p->dst.width),
        w - p->dst.x - p->dst.width, p->pad_value);
    if (row)
      mnv3_qboundary_quantize (pp->isa, row, job->out8 + (size_t) t * w * 3,
          (size_t) w * 3, &job->q);
  }
  free (row);
}

/* A frame the plan cannot read (missing plane, stride shorter than a row)
 * is a caller bug: run() then writes nothing and says why in
 * mnv3_last_error(), rather than reading out of bounds. */
static int
mnv3_pp_frame_ok (const mnv3_preprocess *pp, const mnv3_frame *f)
{
  for (int i = 0; i < pp->planes; i++) {
    if (!f->planes[i] || labs ((long) f->strides[i]) < pp->row_bytes[i]) {
      mnv3_set_error (MNV3_ERR_INVALID_ARG, "preprocess: plane %d: %s "
          "(stride %d, row %d bytes)", i, f->planes[i] ? "stride too short"
          : "missing", f->strides[i], pp->row_bytes[i]);
      return 0;
    }
  }
  return 1;
}

void
mnv3_preprocess_run (const mnv3_preprocess *pp, const mnv3_frame *frame,
    float *out, mnv3_session *session)
{
  mnv3_threadpool *tp = session ? session->tp : NULL;
  mnv3_pp_job job = { .pp = pp, .frame = frame, .out = out, .tasks = 1 };
  /* a task of fewer than ~4k output values costs more to hand out than
   * to compute */
  size_t min_rows;

  if (!pp || !frame || !out || !mnv3_pp_frame_ok (pp, frame))
    return;
  min_rows = 4096 / ((size_t) pp->p.dst_width * 3) + 1;
  job.tasks = mnv3_threadpool_tasks (tp, (size_t) pp->p.dst_height, min_rows);
  mnv3_threadpool_run (tp, job.tasks, mnv3_pp_task, &job);
}

void
mnv3_preprocess_run_raw (const mnv3_preprocess *pp, const mnv3_frame *frame,
    void *out, const mnv3_tensor_info *in, mnv3_session *session)
{
  mnv3_threadpool *tp = session ? session->tp : NULL;
  int failed = 0;
  mnv3_pp_job job = { .pp = pp, .frame = frame, .tasks = 1, .out8 = out,
    .failed = &failed };
  size_t min_rows;

  if (!in || in->type == MNV3_DTYPE_F32) {
    mnv3_preprocess_run (pp, frame, out, session);
    return;
  }
  if (!pp || !frame || !out || !mnv3_pp_frame_ok (pp, frame))
    return;
  if ((in->type != MNV3_DTYPE_U8 && in->type != MNV3_DTYPE_I8)
      || !(in->scale > 0.0f)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "preprocess: input '%s' is "
        "neither float nor 8-bit with a positive scale",
        in->name ? in->name : "?");
    return;
  }
  job.q = (mnv3_qtensor) { .type = in->type, .scale = in->scale,
    .zp = in->zero_point };
  min_rows = 4096 / ((size_t) pp->p.dst_width * 3) + 1;
  job.tasks = mnv3_threadpool_tasks (tp, (size_t) pp->p.dst_height, min_rows);
  mnv3_threadpool_run (tp, job.tasks, mnv3_pp_task, &job);
  if (failed)
    mnv3_set_error (MNV3_ERR_NOMEM, "preprocess: out of memory");
}
