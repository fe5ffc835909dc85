/* test_preprocess.c — frame -> tensor conversion against a naive reference.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The scalar reference (MNV3_ISA_SCALAR) is checked against the naive
 * per-pixel implementation below (double precision, own coordinate
 * mapping, the published BT.601/BT.709 limited-range coefficients), each
 * SIMD ISA the CPU has against the scalar reference.  Tolerances, in pixel
 * units (0..255) before the division by std:
 *   scalar vs naive:  2e-3 (float rounding of lerps of values <= 255, plus
 *                     the 6-digit rounding of the published coefficients)
 *   SIMD vs scalar:   1e-3 (FMA contraction and operation order)
 * run_raw on an 8-bit input must give exactly run()'s floats quantized
 * by the session's boundary (the scalar loop), at every ISA and thread
 * count, letterbox bars included.
 * Letterbox bars must equal pad_value exactly, a same-size packed frame
 * must come out exactly, uniform frames give their normalised colour
 * (within 1e-4), and guard floats after the tensor must stay untouched.
 * Frame planes end exactly at the last pixel of the last row (strides are
 * often larger than rows) and are followed by a protected page, so a read
 * past the end faults (AddressSanitizer does not see SIMD gathers).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "preprocess.h"
#include "quant/qboundary.h"
#include "session.h"
#include "threadpool.h"

#define TOL_NAIVE 2e-3
#define TOL_ISA 1e-3
#define GUARD 64
#define GUARD_VALUE -7777.0f

/* ck_assert() on success still reports its location to the runner (a
 * write per call); per-value checks only talk to it when they fail. */
#define EXPECT(cond, ...) \
  do { \
    if (!(cond)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

static const mnv3_isa simd_isas[] = { MNV3_ISA_AVX2, MNV3_ISA_AVX512 };

/* format name: the letters say where R, G, B sit; the length is the bpp */
static const struct {
  mnv3_pixel_format fmt;
  const char *name;
} formats[] = {
  { MNV3_PIXEL_RGB, "RGB" }, { MNV3_PIXEL_BGR, "BGR" },
  { MNV3_PIXEL_RGBX, "RGBx" }, { MNV3_PIXEL_BGRX, "BGRx" },
  { MNV3_PIXEL_XRGB, "xRGB" }, { MNV3_PIXEL_XBGR, "xBGR" },
  { MNV3_PIXEL_RGBA, "RGBA" }, { MNV3_PIXEL_BGRA, "BGRA" },
  { MNV3_PIXEL_ARGB, "ARGB" }, { MNV3_PIXEL_ABGR, "ABGR" },
  { MNV3_PIXEL_I420, "I420" }, { MNV3_PIXEL_NV12, "NV12" },
};
#define NUM_FORMATS ((int) (sizeof formats / sizeof formats[0]))

static int
is_yuv (mnv3_pixel_format f)
{
  return f == MNV3_PIXEL_I420 || f == MNV3_PIXEL_NV12;
}

/* ---- frames ------------------------------------------------------------ */

static unsigned rng_state = 2024u;

static unsigned
rnd (void)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}

typedef struct {
  mnv3_pixel_format fmt;
  int w, h;
  uint8_t *buf[3];
  void *map[3];
  size_t map_bytes[3];
  int row_bytes[3], rows[3];
  mnv3_frame f;
} test_frame;

/* A plane of `size` bytes that ends exactly where an inaccessible page
 * begins: a SIMD gather past the end faults (AddressSanitizer does not see
 * gathers). */
static uint8_t *
plane_alloc (size_t size, void **map, size_t *map_bytes)
{
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  size_t pages = (size + page - 1) / page;
  uint8_t *base;

  *map_bytes = (pages + 1) * page;
  base = mmap (NULL, *map_bytes, PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert (base != MAP_FAILED);
  ck_assert (mprotect (base + pages * page, page, PROT_NONE) == 0);
  *map = base;
  return base + pages * page - size;
}

/* Planes of exactly stride * (rows - 1) + row_bytes bytes, filled from
 * `fill` (-1: random bytes). */
static void
frame_alloc (test_frame *t, mnv3_pixel_format fmt, int w, int h,
    int extra_stride, int fill)
{
  int cw = (w + 1) / 2, ch = (h + 1) / 2, np = 1;

  memset (t, 0, sizeof *t);
  t->fmt = fmt;
  t->w = w;
  t->h = h;
  if (fmt == MNV3_PIXEL_I420) {
    np = 3;
    t->row_bytes[0] = w;
    t->rows[0] = h;
    t->row_bytes[1] = t->row_bytes[2] = cw;
    t->rows[1] = t->rows[2] = ch;
  } else if (fmt == MNV3_PIXEL_NV12) {
    np = 2;
    t->row_bytes[0] = w;
    t->rows[0] = h;
    t->row_bytes[1] = 2 * cw;
    t->rows[1] = ch;
  } else {
    t->row_bytes[0] = w * (int) strlen (formats[fmt].name);
    t->rows[0] = h;
  }
  for (int p = 0; p < np; p++) {
    int stride = t->row_bytes[p] + extra_stride;
    size_t size = (size_t) stride * (t->rows[p] - 1) + t->row_bytes[p];

    t->buf[p] = plane_alloc (size, &t->map[p], &t->map_bytes[p]);
    for (size_t i = 0; i < size; i++)
      t->buf[p][i] = fill < 0 ? (uint8_t) rnd () : (uint8_t) fill;
    t->f.planes[p] = t->buf[p];
    t->f.strides[p] = stride;
  }
}

static void
frame_free (test_frame *t)
{
  for (int p = 0; p < 3; p++)
    if (t->map[p])
      munmap (t->map[p], t->map_bytes[p]);
}

/* ---- the naive reference ---------------------------------------------- */

static double
clampd (double v, double lo, double hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* byte (x * bpp + off, y) of plane p, bilinear at (fx, fy) clamped to the
 * box [xlo, xhi] x [ylo, yhi] */
static double
naive_sample (const test_frame *t, int p, int bpp, int off, double fx,
    double fy, int xlo, int xhi, int ylo, int yhi)
{
  const uint8_t *b = t->f.planes[p];
  int s = t->f.strides[p];
  int x0, x1, y0, y1;
  double wx, wy, v00, v01, v10, v11;

  fx = clampd (fx, xlo, xhi);
  fy = clampd (fy, ylo, yhi);
  x0 = (int) floor (fx);
  y0 = (int) floor (fy);
  x1 = x0 + 1 > xhi ? xhi : x0 + 1;
  y1 = y0 + 1 > yhi ? yhi : y0 + 1;
  wx = fx - x0;
  wy = fy - y0;
  v00 = b[(size_t) y0 * s + x0 * bpp + off];
  v01 = b[(size_t) y0 * s + x1 * bpp + off];
  v10 = b[(size_t) y1 * s + x0 * bpp + off];
  v11 = b[(size_t) y1 * s + x1 * bpp + off];
  return (1 - wy) * ((1 - wx) * v00 + wx * v01)
      + wy * ((1 - wx) * v10 + wx * v11);
}

/* R, G, B (0..255) of the frame at luma position (fx, fy) */
static void
naive_rgb (const test_frame *t, mnv3_yuv_matrix m, const mnv3_rect *src,
    double fx, double fy, double rgb[3])
{
  int xhi = src->x + src->width - 1, yhi = src->y + src->height - 1;

  if (!is_yuv (t->fmt)) {
    const char *name = formats[t->fmt].name;
    int bpp = (int) strlen (name);
    for (int c = 0; c < 3; c++) {
      int off = (int) (strchr (name, "RGB"[c]) - name);
      rgb[c] = naive_sample (t, 0, bpp, off, fx, fy, src->x, xhi, src->y,
          yhi);
    }
    return;
  }
  {
    /* MPEG-2 siting: chroma column i at luma 2i, row j at luma 2j + 0.5 */
    int cw = (t->w + 1) / 2, ch = (t->h + 1) / 2;
    int nv12 = t->fmt == MNV3_PIXEL_NV12;
    double y, u, v, cx, cy;

    fx = clampd (fx, src->x, xhi);
    fy = clampd (fy, src->y, yhi);
    y = naive_sample (t, 0, 1, 0, fx, fy, src->x, xhi, src->y, yhi);
    cx = fx / 2;
    cy = (fy - 0.5) / 2;
    u = naive_sample (t, 1, nv12 ? 2 : 1, 0, cx, cy, 0, cw - 1, 0, ch - 1);
    v = nv12 ? naive_sample (t, 1, 2, 1, cx, cy, 0, cw - 1, 0, ch - 1)
        : naive_sample (t, 2, 1, 0, cx, cy, 0, cw - 1, 0, ch - 1);
    y -= 16;
    u -= 128;
    v -= 128;
    if (m == MNV3_MATRIX_BT601) {
      rgb[0] = 1.164384 * y + 1.596027 * v;
      rgb[1] = 1.164384 * y - 0.391762 * u - 0.812968 * v;
      rgb[2] = 1.164384 * y + 2.017232 * u;
    } else {
      rgb[0] = 1.164384 * y + 1.792741 * v;
      rgb[1] = 1.164384 * y - 0.213249 * u - 0.532909 * v;
      rgb[2] = 1.164384 * y + 2.112402 * u;
    }
    for (int c = 0; c < 3; c++)
      rgb[c] = clampd (rgb[c], 0, 255);
  }
}

static void
naive_run (const test_frame *t, const mnv3_preprocess_params *p, double *out)
{
  const mnv3_rect *s = &p->src, *d = &p->dst;

  for (int ty = 0; ty < p->dst_height; ty++) {
    for (int tx = 0; tx < p->dst_width; tx++) {
      double *o = out + ((size_t) ty * p->dst_width + tx) * 3;
      double rgb[3];

      if (tx < d->x || tx >= d->x + d->width || ty < d->y
          || ty >= d->y + d->height) {
        for (int c = 0; c < 3; c++)
          o[c] = p->pad_value[c];
        continue;
      }
      naive_rgb (t, p->matrix, s,
          s->x + (tx - d->x + 0.5) * s->width / d->width - 0.5,
          s->y + (ty - d->y + 0.5) * s->height / d->height - 0.5, rgb);
      for (int c = 0; c < 3; c++)
        o[c] = (rgb[c] - p->mean[c]) / p->std[c];
    }
  }
}

/* ---- helpers ------------------------------------------------------------ */

static mnv3_preprocess_params
params_make (mnv3_pixel_format fmt, mnv3_yuv_matrix m, int sw, int sh,
    int dw, int dh, int imagenet)
{
  mnv3_preprocess_params p;

  memset (&p, 0, sizeof p);
  p.format = fmt;
  p.matrix = m;
  p.src_width = sw;
  p.src_height = sh;
  p.dst_width = dw;
  p.dst_height = dh;
  p.src = (mnv3_rect) { 0, 0, sw, sh };
  p.dst = (mnv3_rect) { 0, 0, dw, dh };
  for (int c = 0; c < 3; c++) {
    p.mean[c] = imagenet ? (float[]) { 123.675f, 116.28f, 103.53f }[c] : 0;
    p.std[c] = imagenet ? (float[]) { 58.395f, 57.12f, 57.375f }[c] : 1;
    p.pad_value[c] = -p.mean[c] / p.std[c];
  }
  return p;
}

static float
max_inv_std (const mnv3_preprocess_params *p)
{
  float m = 0;

  for (int c = 0; c < 3; c++)
    m = fmaxf (m, 1.0f / fabsf (p->std[c]));
  return m;
}

/* Tensor with GUARD guard floats after it. */
static float *
tensor_alloc (const mnv3_preprocess_params *p)
{
  size_t n = (size_t) p->dst_width * p->dst_height * 3;
  float *t = malloc ((n + GUARD) * sizeof *t);

  ck_assert_ptr_nonnull (t);
  for (size_t i = 0; i < n + GUARD; i++)
    t[i] = GUARD_VALUE;
  return t;
}

static void
check_guard (const mnv3_preprocess_params *p, const float *t)
{
  size_t n = (size_t) p->dst_width * p->dst_height * 3;

  for (int i = 0; i < GUARD; i++)
    EXPECT (t[n + i] == GUARD_VALUE, "wrote past the tensor end");
}

/* Run the preprocessor of `isa` on the frame; returns the tensor or NULL
 * when the isa is not available (the tensor is then not computed). */
static float *
run_isa (mnv3_isa isa, const mnv3_preprocess_params *p, const test_frame *t,
    mnv3_session *session)
{
  mnv3_preprocess *pp;
  float *out;

  if (isa > mnv3_cpu_detect ())
    return NULL;
  pp = mnv3_preprocess_create (isa, p);
  ck_assert_msg (pp != NULL, "create failed: %s", mnv3_last_error ());
  out = tensor_alloc (p);
  mnv3_preprocess_run (pp, &t->f, out, session);
  mnv3_preprocess_free (pp);
  check_guard (p, out);
  return out;
}

static void
describe (char *buf, size_t n, const mnv3_preprocess_params *p)
{
  snprintf (buf, n, "%s %s %dx%d src %d,%d %dx%d -> %dx%d dst %d,%d %dx%d",
      formats[p->format].name, p->matrix == MNV3_MATRIX_BT709 ? "709" : "601",
      p->src_width, p->src_height, p->src.x, p->src.y, p->src.width,
      p->src.height, p->dst_width, p->dst_height, p->dst.x, p->dst.y,
      p->dst.width, p->dst.height);
}

/* One case: scalar vs naive, every SIMD ISA vs scalar. */
static void
check_case (const mnv3_preprocess_params *p, int extra_stride)
{
  test_frame t;
  size_t n = (size_t) p->dst_width * p->dst_height * 3;
  double *want = malloc (n * sizeof *want);
  float *ref, tol_naive = (float) TOL_NAIVE * max_inv_std (p);
  float tol_isa = (float) TOL_ISA * max_inv_std (p);
  char what[256];

  describe (what, sizeof what, p);
  frame_alloc (&t, p->format, p->src_width, p->src_height, extra_stride, -1);
  naive_run (&t, p, want);
  ref = run_isa (MNV3_ISA_SCALAR, p, &t, NULL);
  for (size_t i = 0; i < n; i++)
    EXPECT (fabs (ref[i] - want[i]) <= tol_naive,
        "scalar vs naive: %s: [%zu] %.6f vs %.6f", what, i, ref[i], want[i]);
  for (size_t k = 0; k < sizeof simd_isas / sizeof simd_isas[0]; k++) {
    float *got = run_isa (simd_isas[k], p, &t, NULL);
    if (!got)
      continue;
    for (size_t i = 0; i < n; i++)
      EXPECT (fabsf (got[i] - ref[i]) <= tol_isa,
          "%s vs scalar: %s: [%zu] %.6f vs %.6f",
          mnv3_isa_name (simd_isas[k]), what, i, got[i], ref[i]);
    free (got);
  }
  free (ref);
  free (want);
  frame_free (&t);
}

/* ---- tests -------------------------------------------------------------- */

static const int sizes[][2] = {
  { 1, 1 }, { 2, 1 }, { 1, 2 }, { 2, 2 }, { 3, 3 }, { 5, 7 }, { 8, 3 },
  { 17, 9 }, { 33, 31 }, { 64, 48 }, { 101, 57 },
};
#define NUM_SIZES ((int) (sizeof sizes / sizeof sizes[0]))
static const int tsizes[][2] = {
  { 1, 1 }, { 3, 2 }, { 7, 5 }, { 16, 16 }, { 17, 13 }, { 31, 33 },
  { 48, 40 },
};
#define NUM_TSIZES ((int) (sizeof tsizes / sizeof tsizes[0]))

/* every format, frame size, tensor size and fit mode */
START_TEST (test_sweep_fits)
{
  mnv3_pixel_format fmt = formats[_i].fmt;

  for (int s = 0; s < NUM_SIZES; s++) {
    for (int d = 0; d < NUM_TSIZES; d++) {
      for (int fit = 0; fit < 3; fit++) {
        mnv3_preprocess_params p = params_make (fmt,
            (s + d + fit) % 2 ? MNV3_MATRIX_BT709 : MNV3_MATRIX_BT601,
            sizes[s][0], sizes[s][1], tsizes[d][0], tsizes[d][1], fit != 1);
        mnv3_preprocess_fit ((mnv3_fit) fit, p.src_width, p.src_height,
            p.dst_width, p.dst_height, &p.src, &p.dst);
        check_case (&p, (s * 7 + d) % 5 == 0 ? 0 : 1 + (s + d) % 13);
      }
    }
  }
}
END_TEST

/* random source rectangles, many touching the right / bottom edge, and
 * random destination rectangles */
START_TEST (test_sweep_rects)
{
  mnv3_pixel_format fmt = formats[_i].fmt;

  for (int it = 0; it < 60; it++) {
    int sw = 1 + rnd () % 70, sh = 1 + rnd () % 50;
    int dw = 1 + rnd () % 40, dh = 1 + rnd () % 40;
    mnv3_preprocess_params p = params_make (fmt, it % 2 ? MNV3_MATRIX_BT709
        : MNV3_MATRIX_BT601, sw, sh, dw, dh, it % 3 != 0);

    p.src.width = 1 + rnd () % sw;
    p.src.height = 1 + rnd () % sh;
    p.src.x = it % 4 == 0 ? sw - p.src.width
        : (int) (rnd () % (sw - p.src.width + 1));
    p.src.y = it % 4 == 1 ? sh - p.src.height
        : (int) (rnd () % (sh - p.src.height + 1));
    p.dst.width = 1 + rnd () % dw;
    p.dst.height = 1 + rnd () % dh;
    p.dst.x = rnd () % (dw - p.dst.width + 1);
    p.dst.y = rnd () % (dh - p.dst.height + 1);
    for (int c = 0; c < 3; c++)
      p.pad_value[c] = (float) (rnd () % 1000) / 100.0f - 5.0f;
    check_case (&p, it % 3 == 0 ? 0 : (int) (rnd () % 9));
  }
}
END_TEST

/* larger frames: the SIMD main loops run many full vectors */
START_TEST (test_large)
{
  mnv3_pixel_format fmt = formats[_i].fmt;
  mnv3_preprocess_params p = params_make (fmt, MNV3_MATRIX_BT709, 641, 361,
      224, 224, 1);

  check_case (&p, 3);
  p = params_make (fmt, MNV3_MATRIX_BT601, 640, 360, 100, 37, 1);
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 640, 360, 100, 37, &p.src, &p.dst);
  check_case (&p, 64);
  /* upscaling */
  p = params_make (fmt, MNV3_MATRIX_BT601, 23, 19, 129, 65, 0);
  check_case (&p, 0);
}
END_TEST

/* a uniform frame gives exactly its normalised colour everywhere (the
 * interpolation of equal values is exact) and a same-size stretch of a
 * packed frame reproduces the pixels exactly */
START_TEST (test_uniform_identity)
{
  mnv3_pixel_format fmt = formats[_i].fmt;
  const mnv3_isa isas[] = { MNV3_ISA_SCALAR, MNV3_ISA_AVX2,
    MNV3_ISA_AVX512 };

  for (int k = 0; k < 3; k++) {
    mnv3_preprocess_params p = params_make (fmt, MNV3_MATRIX_BT601, 37, 21,
        37, 21, 1);
    test_frame t;
    float *out;

    frame_alloc (&t, fmt, 37, 21, 5, is_yuv (fmt) ? 128 : 77);
    if (is_yuv (fmt))
      memset (t.buf[0], 235, (size_t) t.f.strides[0] * 20 + 37);
    out = run_isa (isas[k], &p, &t, NULL);
    if (out) {
      float v = is_yuv (fmt) ? 255.0f : 77.0f;
      for (int i = 0; i < 37 * 21 * 3; i++) {
        int c = i % 3;
        EXPECT (fabsf (out[i] - (v - p.mean[c]) / p.std[c]) <= 1e-4f,
            "%s: uniform %g got %g", mnv3_isa_name (isas[k]),
            (double) ((v - p.mean[c]) / p.std[c]), (double) out[i]);
      }
      free (out);
    }
    frame_free (&t);
    if (is_yuv (fmt))
      continue;
    /* identity: weights are 0, values exact */
    p = params_make (fmt, MNV3_MATRIX_BT601, 37, 21, 37, 21, 0);
    frame_alloc (&t, fmt, 37, 21, 3, -1);
    out = run_isa (isas[k], &p, &t, NULL);
    if (out) {
      const char *name = formats[_i].name;
      int bpp = (int) strlen (name);
      for (int y = 0; y < 21; y++)
        for (int x = 0; x < 37; x++)
          for (int c = 0; c < 3; c++) {
            int off = (int) (strchr (name, "RGB"[c]) - name);
            EXPECT (out[(y * 37 + x) * 3 + c]
                == t.buf[0][y * t.f.strides[0] + x * bpp + off],
                "%s: identity differs at %d,%d", mnv3_isa_name (isas[k]),
                x, y);
          }
      free (out);
    }
    frame_free (&t);
  }
}
END_TEST

/* known colours through each ISA: BT.601 / BT.709 white, black, red */
static void
check_colour (mnv3_pixel_format fmt, mnv3_yuv_matrix m, int y, int u, int v,
    const float want[3], float tol)
{
  const mnv3_isa isas[] = { MNV3_ISA_SCALAR, MNV3_ISA_AVX2,
    MNV3_ISA_AVX512 };

  for (int k = 0; k < 3; k++) {
    mnv3_preprocess_params p = params_make (fmt, m, 18, 10, 5, 3, 0);
    test_frame t;
    float *out;

    frame_alloc (&t, fmt, 18, 10, 2, y);
    memset (t.buf[1], u, (size_t) t.f.strides[1] * 4 + t.row_bytes[1]);
    if (fmt == MNV3_PIXEL_I420)
      memset (t.buf[2], v, (size_t) t.f.strides[2] * 4 + 9);
    else
      for (int i = 1; i < t.f.strides[1] * 4 + t.row_bytes[1]; i += 2)
        t.buf[1][i] = (uint8_t) v;
    out = run_isa (isas[k], &p, &t, NULL);
    if (out) {
      for (int i = 0; i < 5 * 3 * 3; i++)
        EXPECT (fabsf (out[i] - want[i % 3]) <= tol,
            "%s %s Y=%d U=%d V=%d: channel %d = %g, want %g",
            formats[fmt].name, mnv3_isa_name (isas[k]), y, u, v, i % 3,
            (double) out[i], (double) want[i % 3]);
      free (out);
    }
    frame_free (&t);
  }
}

START_TEST (test_yuv_colours)
{
  mnv3_pixel_format fmt = _i ? MNV3_PIXEL_NV12 : MNV3_PIXEL_I420;
  const float white[3] = { 255, 255, 255 }, black[3] = { 0, 0, 0 };
  const float red[3] = { 255, 0, 0 }, grey[3] = { 127.5f, 127.5f, 127.5f };

  for (int m = 0; m < 2; m++) {
    check_colour (fmt, m, 235, 128, 128, white, 1e-3f);
    check_colour (fmt, m, 16, 128, 128, black, 1e-3f);
    check_colour (fmt, m, 125, 128, 128, grey, 0.6f);
    /* super-white and super-black clamp */
    check_colour (fmt, m, 255, 128, 128, white, 0);
    check_colour (fmt, m, 0, 128, 128, black, 0);
  }
  /* 8-bit red of the two matrices (rounded YUV, so within 2 levels) */
  check_colour (fmt, MNV3_MATRIX_BT601, 81, 90, 240, red, 2.0f);
  check_colour (fmt, MNV3_MATRIX_BT709, 63, 102, 240, red, 2.0f);
}
END_TEST

START_TEST (test_fit)
{
  mnv3_rect s, d;

  mnv3_preprocess_fit (MNV3_FIT_STRETCH, 1920, 1080, 224, 224, &s, &d);
  ck_assert (s.x == 0 && s.y == 0 && s.width == 1920 && s.height == 1080);
  ck_assert (d.x == 0 && d.y == 0 && d.width == 224 && d.height == 224);
  mnv3_preprocess_fit (MNV3_FIT_CENTER_CROP, 1920, 1080, 224, 224, &s, &d);
  ck_assert (s.x == 420 && s.y == 0 && s.width == 1080 && s.height == 1080);
  ck_assert (d.x == 0 && d.y == 0 && d.width == 224 && d.height == 224);
  mnv3_preprocess_fit (MNV3_FIT_CENTER_CROP, 1080, 1920, 513, 1025, &s, &d);
  /* 1080 * 1025 / 513 = 2157.9 > 1920: crop the width instead */
  ck_assert (s.height == 1920 && s.width == 961 && s.x == 59 && s.y == 0);
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 1920, 1080, 320, 320, &s, &d);
  ck_assert (s.x == 0 && s.y == 0 && s.width == 1920 && s.height == 1080);
  ck_assert (d.x == 0 && d.y == 70 && d.width == 320 && d.height == 180);
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 480, 640, 224, 224, &s, &d);
  ck_assert (d.x == 28 && d.y == 0 && d.width == 168 && d.height == 224);
  /* same aspect: nothing to crop or pad */
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 640, 480, 320, 240, &s, &d);
  ck_assert (d.x == 0 && d.y == 0 && d.width == 320 && d.height == 240);
  /* extreme aspect keeps at least one pixel */
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 10000, 1, 8, 8, &s, &d);
  ck_assert (d.height == 1 && d.width == 8);
  mnv3_preprocess_fit (MNV3_FIT_CENTER_CROP, 10000, 1, 8, 8, &s, &d);
  ck_assert (s.width == 1 && s.height == 1 && s.x == 4999);
}
END_TEST

/* letterbox bars are exactly pad_value, on every ISA, with a thread pool */
START_TEST (test_letterbox_pad)
{
  mnv3_pixel_format fmt = formats[_i].fmt;
  const mnv3_isa isas[] = { MNV3_ISA_SCALAR, MNV3_ISA_AVX2,
    MNV3_ISA_AVX512 };
  struct mnv3_session fake;

  memset (&fake, 0, sizeof fake);
  fake.tp = mnv3_threadpool_create (2);
  ck_assert_ptr_nonnull (fake.tp);
  for (int k = 0; k < 3; k++) {
    for (int portrait = 0; portrait < 2; portrait++) {
      int sw = portrait ? 90 : 160, sh = portrait ? 160 : 90;
      mnv3_preprocess_params p = params_make (fmt, MNV3_MATRIX_BT709, sw,
          sh, 64, 64, 1);
      test_frame t;
      float *out;

      p.pad_value[0] = 0.25f;
      p.pad_value[1] = -1.5f;
      p.pad_value[2] = 3.0f;
      mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, sw, sh, 64, 64, &p.src,
          &p.dst);
      ck_assert (portrait ? p.dst.width == 36 : p.dst.height == 36);
      frame_alloc (&t, fmt, sw, sh, 0, -1);
      out = run_isa (isas[k], &p, &t, &fake);
      if (out) {
        for (int y = 0; y < 64; y++)
          for (int x = 0; x < 64; x++) {
            int in = x >= p.dst.x && x < p.dst.x + p.dst.width
                && y >= p.dst.y && y < p.dst.y + p.dst.height;
            for (int c = 0; c < 3; c++) {
              float v = out[(y * 64 + x) * 3 + c];
              if (!in)
                EXPECT (v == p.pad_value[c], "pad at %d,%d = %g", x,
                    y, (double) v);
            }
          }
        free (out);
      }
      frame_free (&t);
    }
  }
  mnv3_threadpool_free (fake.tp);
}
END_TEST

/* the thread pool splits rows; the result must equal the serial run */
START_TEST (test_threads)
{
  mnv3_pixel_format fmt = formats[_i].fmt;
  struct mnv3_session fake;
  mnv3_preprocess_params p = params_make (fmt, MNV3_MATRIX_BT601, 331, 187,
      97, 61, 1);
  test_frame t;

  memset (&fake, 0, sizeof fake);
  fake.tp = mnv3_threadpool_create (3);
  ck_assert_ptr_nonnull (fake.tp);
  mnv3_preprocess_fit (MNV3_FIT_LETTERBOX, 331, 187, 97, 61, &p.src, &p.dst);
  frame_alloc (&t, fmt, 331, 187, 7, -1);
  for (int isa = MNV3_ISA_SCALAR; isa <= MNV3_ISA_AVX512; isa++) {
    float *a = run_isa ((mnv3_isa) isa, &p, &t, NULL);
    float *b = run_isa ((mnv3_isa) isa, &p, &t, &fake);
    if (!a)
      continue;
    ck_assert (memcmp (a, b, (size_t) 97 * 61 * 3 * sizeof (float)) == 0);
    free (a);
    free (b);
  }
  frame_free (&t);
  mnv3_threadpool_free (fake.tp);
}
END_TEST

/* run_raw on uint8 / int8 inputs: run()'s floats, quantized as the
 * session does it, byte for byte; float inputs: run() itself */
START_TEST (test_raw)
{
  mnv3_pixel_format fmt = formats[_i].fmt;
  struct mnv3_session fake;
  static const struct {
    mnv3_dtype type;
    float scale;
    int zp;
  } qs[] = {
    { MNV3_DTYPE_U8, 1.0f / 128, 128 },    /* TF's classifier: the pixels */
    { MNV3_DTYPE_U8, 0.0186584f, 114 },
    { MNV3_DTYPE_I8, 1.0f / 255, -128 },   /* [0, 1] as int8 */
    { MNV3_DTYPE_I8, 0.0400000f, 3 },
  };

  memset (&fake, 0, sizeof fake);
  fake.tp = mnv3_threadpool_create (3);
  ck_assert_ptr_nonnull (fake.tp);
  for (int k = 0; k < 8; k++) {
    const int sw = 37 + 61 * k, sh = 29 + 17 * k, dw = 3 + 29 * k;
    const int dh = 5 + 23 * k;
    mnv3_preprocess_params p = params_make (fmt, MNV3_MATRIX_BT601, sw, sh,
        dw, dh, k % 2);
    const size_t n = (size_t) dw * dh * 3;
    test_frame t;

    if (k % 3 != 2)
      mnv3_preprocess_fit (k % 3 ? MNV3_FIT_LETTERBOX : MNV3_FIT_CENTER_CROP,
          sw, sh, dw, dh, &p.src, &p.dst);
    if (k % 2 == 0)           /* [-1, 1] as TF's classifiers take it */
      for (int c = 0; c < 3; c++) {
        p.mean[c] = p.std[c] = 127.5f;
        p.pad_value[c] = -1.0f;
      }
    frame_alloc (&t, fmt, sw, sh, k, -1);
    for (int isa = MNV3_ISA_SCALAR; isa <= mnv3_cpu_detect (); isa++) {
      mnv3_preprocess *pp = mnv3_preprocess_create ((mnv3_isa) isa, &p);
      float *f = tensor_alloc (&p);
      ck_assert_ptr_nonnull (pp);
      mnv3_preprocess_run (pp, &t.f, f, NULL);
      for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
        mnv3_tensor_info in = { .name = "in", .type = qs[j].type,
          .scale = qs[j].scale, .zero_point = qs[j].zp };
        mnv3_qtensor qt = { .type = qs[j].type, .scale = qs[j].scale,
          .zp = qs[j].zp };
        uint8_t *want = malloc (n), *got = malloc (n + GUARD);
        mnv3_qboundary_quantize (MNV3_ISA_SCALAR, f, want, n, &qt);
        for (int th = 0; th < 2; th++) {
          memset (got, 0xa5, n + GUARD);
          mnv3_preprocess_run_raw (pp, &t.f, got, &in, th ? &fake : NULL);
          EXPECT (memcmp (got, want, n) == 0, "%s isa %d k %d q %zu %s: "
              "raw bytes differ", formats[_i].name, isa, k, j,
              th ? "3 threads" : "1 thread");
          for (size_t g = n; g < n + GUARD; g++)
            EXPECT (got[g] == 0xa5, "run_raw wrote past the tensor");
        }
        free (want);
        free (got);
      }
      free (f);
      mnv3_preprocess_free (pp);
    }
    frame_free (&t);
  }
  mnv3_threadpool_free (fake.tp);
}
END_TEST

static void
expect_fail (const mnv3_preprocess_params *p, const char *what)
{
  mnv3_preprocess *pp = mnv3_preprocess_create (MNV3_ISA_AUTO, p);

  ck_assert_msg (pp == NULL, "%s: accepted", what);
  ck_assert_msg (strlen (mnv3_last_error ()) > 0, "%s: no message", what);
}

START_TEST (test_errors)
{
  mnv3_preprocess_params ok = params_make (MNV3_PIXEL_NV12,
      MNV3_MATRIX_BT601, 64, 48, 16, 16, 1), p;
  mnv3_preprocess *pp;

  expect_fail (NULL, "NULL params");
  p = ok; p.src_width = 0; p.src = (mnv3_rect) { 0, 0, 0, 48 };
  expect_fail (&p, "zero frame width");
  p = ok; p.dst_height = 0;
  expect_fail (&p, "zero tensor height");
  p = ok; p.src_height = -5;
  expect_fail (&p, "negative frame height");
  p = ok; p.src.width = 0;
  expect_fail (&p, "empty source rect");
  p = ok; p.src.x = 1;
  expect_fail (&p, "source rect past the right edge");
  p = ok; p.src.y = -1; p.src.height = 10;
  expect_fail (&p, "source rect above the frame");
  p = ok; p.src.x = 2147483600; p.src.width = 100;
  expect_fail (&p, "source rect overflowing int");
  p = ok; p.dst = (mnv3_rect) { 10, 0, 7, 16 };
  expect_fail (&p, "dst rect outside the tensor");
  p = ok; p.dst.height = 0;
  expect_fail (&p, "empty dst rect");
  p = ok; p.std[1] = 0;
  expect_fail (&p, "zero std");
  p = ok; p.mean[2] = NAN;
  expect_fail (&p, "NaN mean");
  p = ok; p.format = (mnv3_pixel_format) 99;
  expect_fail (&p, "bad format");
  p = ok; p.matrix = (mnv3_yuv_matrix) 7;
  expect_fail (&p, "bad matrix");
  p = ok; p.dst_width = 1 << 30; p.dst.width = 1 << 30;
  expect_fail (&p, "absurd tensor");

  /* the valid one works; NULL arguments and frames it cannot read are
   * ignored (nothing written) */
  pp = mnv3_preprocess_create (MNV3_ISA_AUTO, &ok);
  ck_assert_ptr_nonnull (pp);
  mnv3_preprocess_run (pp, NULL, NULL, NULL);
  mnv3_preprocess_run (NULL, NULL, NULL, NULL);
  {
    test_frame t;
    float *out = tensor_alloc (&ok);

    frame_alloc (&t, MNV3_PIXEL_NV12, 64, 48, 0, 1);
    t.f.planes[1] = NULL;
    mnv3_preprocess_run (pp, &t.f, out, NULL);
    ck_assert (out[0] == GUARD_VALUE);
    ck_assert (strstr (mnv3_last_error (), "plane 1") != NULL);
    t.f.planes[1] = t.buf[1];
    t.f.strides[0] = 63;
    mnv3_preprocess_run (pp, &t.f, out, NULL);
    ck_assert (out[0] == GUARD_VALUE);
    t.f.strides[0] = 64;
    mnv3_preprocess_run (pp, &t.f, out, NULL);
    ck_assert (out[0] != GUARD_VALUE);
    check_guard (&ok, out);
    free (out);
    frame_free (&t);
  }
  mnv3_preprocess_free (pp);
  mnv3_preprocess_free (NULL);
}
END_TEST

static void
add_case (Suite *s, const char *name, const TTest *test, int n)
{
  TCase *tc = tcase_create (name);

  tcase_set_timeout (tc, 300);
  if (n > 0)
    tcase_add_loop_test (tc, test, 0, n);
  else
    tcase_add_test (tc, test);
  suite_add_tcase (s, tc);
}

static Suite *
preprocess_suite (void)
{
  Suite *s = suite_create ("preprocess");

  add_case (s, "sweep_fits", test_sweep_fits, NUM_FORMATS);
  add_case (s, "sweep_rects", test_sweep_rects, NUM_FORMATS);
  add_case (s, "large", test_large, NUM_FORMATS);
  add_case (s, "uniform_identity", test_uniform_identity, NUM_FORMATS);
  add_case (s, "yuv_colours", test_yuv_colours, 2);
  add_case (s, "fit", test_fit, 0);
  add_case (s, "letterbox_pad", test_letterbox_pad, NUM_FORMATS);
  add_case (s, "threads", test_threads, NUM_FORMATS);
  add_case (s, "raw", test_raw, NUM_FORMATS);
  add_case (s, "errors", test_errors, 0);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (preprocess_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
