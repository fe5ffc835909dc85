/* colour.c — the tests' RGB -> YUV (support.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "support.h"

uint8_t
mnv3_test_clamp_u8 (double v)
{
  v += 0.5;
  return (uint8_t) (v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
}

void
mnv3_test_rgb_to_yuv (const uint8_t rgb[3], double *y, double *u, double *v)
{
  double r = rgb[0], g = rgb[1], b = rgb[2];

  *y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
  *u = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
  *v = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
}
