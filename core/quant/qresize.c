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
 * TFLite's does (this file is built with -ffp-contract=off). */
#include <math.h>

#include "quant/qinternal.h"
#include "quant/qops.h"

size_t
mnv3_qresize_scratch_size (int oh, int ow, int c, int num_threads)
{
  (void) oh;
  (void) ow;
  (void) c;
  (void) num_threads;
  return 0;
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

static void
qresize_bilinear_u8 (mnv3_resize_coord coord, const uint8_t *in, int ih,
    int iw, int c, uint8_t *out, int oh, int ow)
{
  const int ac = coord == MNV3_COORD_ALIGN_CORNERS;
  const int hp = coord == MNV3_COORD_HALF_PIXEL
      || coord == MNV3_COORD_PYTORCH_HALF_PIXEL;
  const float hs = (ac && oh > 1) ? (float) (ih - 1) / (float) (oh - 1)
      : (float) ih / (float) oh;
  const float ws = (ac && ow > 1) ? (float) (iw - 1) / (float) (ow - 1)
      : (float) iw / (float) ow;

  for (int y = 0; y < oh; y++) {
    float fy;
    int32_t y0, y1;
    qresize_coord_f (y, hs, hp, ih, &fy, &y0, &y1);
    for (int x = 0; x < ow; x++) {
      float fx, dy, dx, w[4];
      int32_t x0, x1;
      const uint8_t *p[4];
      uint8_t *o = out + ((size_t) y * ow + x) * c;

      qresize_coord_f (x, ws, hp, iw, &fx, &x0, &x1);
      dy = fy - (float) y0;
      dx = fx - (float) x0;
      w[0] = (1 - dy) * (1 - dx);
      w[1] = (1 - dy) * dx;
      w[2] = dy * (1 - dx);
      w[3] = dy * dx;
      p[0] = in + ((size_t) y0 * iw + x0) * c;
      p[1] = in + ((size_t) y0 * iw + x1) * c;
      p[2] = in + ((size_t) y1 * iw + x0) * c;
      p[3] = in + ((size_t) y1 * iw + x1) * c;
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

static void
qresize_bilinear_i8 (mnv3_resize_coord coord, const int8_t *in, int ih,
    int iw, int c, int8_t *out, int oh, int ow)
{
  const int ac = coord == MNV3_COORD_ALIGN_CORNERS;
  const int hp = coord == MNV3_COORD_HALF_PIXEL
      || coord == MNV3_COORD_PYTORCH_HALF_PIXEL;
  int32_t hs = ((1 << 10) * ih + oh / 2) / oh;
  int32_t ws = ((1 << 10) * iw + ow / 2) / ow;

  if (ac && oh > 1)
    hs = ((1 << 10) * (ih - 1) + (oh - 1) / 2) / (oh - 1);
  if (ac && ow > 1)
    ws = ((1 << 10) * (iw - 1) + (ow - 1) / 2) / (ow - 1);

  for (int y = 0; y < oh; y++) {
    int32_t iy, y0, y1;
    qresize_coord_i (y, hs, hp, ih, &iy, &y0, &y1);
    for (int x = 0; x < ow; x++) {
      int32_t ix, x0, x1;
      int64_t wy1, wy0, wx1, wx0;
      int8_t *o = out + ((size_t) y * ow + x) * c;

      qresize_coord_i (x, ws, hp, iw, &ix, &x0, &x1);
      wy1 = iy - (1 << 10) * y0;
      wy0 = (1 << 10) - wy1;
      wx1 = ix - (1 << 10) * x0;
      wx0 = (1 << 10) - wx1;
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
  (void) isa;
  (void) scratch;
  (void) tp;
  if (ih <= 0 || iw <= 0 || oh <= 0 || ow <= 0 || c <= 0)
    return;
  if (nearest)
    qresize_nearest (coord, in, ih, iw, c, out, oh, ow);
  else if (type == MNV3_DTYPE_I8)
    qresize_bilinear_i8 (coord, in, ih, iw, c, out, oh, ow);
  else
    qresize_bilinear_u8 (coord, in, ih, iw, c, out, oh, ow);
}
