/* photo.c — the committed photos (photo.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "photo.h"

void
mnv3_test_load_photo (const char *name, mnv3_image *img)
{
  const char *dir = getenv ("MNV3_TEST_DATA");
  char path[4096], err[256];

  ck_assert_msg (dir != NULL, "MNV3_TEST_DATA is not set");
  snprintf (path, sizeof path, "%s/%s", dir, name);
  ck_assert_msg (mnv3_image_load (path, img, err, sizeof err) == 0,
      "cannot load %s: %s", path, err);
}

void
mnv3_test_resample (const mnv3_image *img, int x0, int y0, int w, int h,
    float *out, int oh, int ow, float mean, float std)
{
  float sy = (float) h / oh, sx = (float) w / ow;

  for (int oy = 0; oy < oh; oy++) {
    float fy = (oy + 0.5f) * sy - 0.5f;
    int y1, y2;
    float wy;

    if (fy < 0.f)
      fy = 0.f;
    y1 = (int) fy;
    y2 = y1 + 1 < h ? y1 + 1 : h - 1;
    wy = fy - y1;
    for (int ox = 0; ox < ow; ox++) {
      float fx = (ox + 0.5f) * sx - 0.5f;
      int x1, x2;
      float wx;

      if (fx < 0.f)
        fx = 0.f;
      x1 = (int) fx;
      x2 = x1 + 1 < w ? x1 + 1 : w - 1;
      wx = fx - x1;
      for (int c = 0; c < 3; c++) {
#define PX(yy, xx) img->rgb[((size_t) (y0 + (yy)) * img->width + x0 + (xx)) * 3 + c]
        float top = PX (y1, x1) + wx * (PX (y1, x2) - PX (y1, x1));
        float bot = PX (y2, x1) + wx * (PX (y2, x2) - PX (y2, x1));
#undef PX
        float v = top + wy * (bot - top);
        out[((size_t) oy * ow + ox) * 3 + c] = (v - mean) / std;
      }
    }
  }
}
