/* test-image.c — see test-image.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_JPEG
#include <jpeglib.h>
#endif

#include "test-image.h"

static int
load_png (const char *path, test_image *img)
{
  png_image pi;

  memset (&pi, 0, sizeof pi);
  pi.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&pi, path))
    return -1;
  pi.format = PNG_FORMAT_RGB;
  img->width = (int) pi.width;
  img->height = (int) pi.height;
  img->rgb = malloc (PNG_IMAGE_SIZE (pi));
  if (!img->rgb || !png_image_finish_read (&pi, NULL, img->rgb, 0, NULL)) {
    fprintf (stderr, "%s: %s\n", path, pi.message);
    png_image_free (&pi);
    free (img->rgb);
    img->rgb = NULL;
    return -1;
  }
  return 0;
}

#ifdef HAVE_JPEG
static int
load_jpeg (const char *path, test_image *img)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  FILE *f = fopen (path, "rb");

  if (!f)
    return -1;
  cinfo.err = jpeg_std_error (&jerr);   /* test files are trusted */
  jpeg_create_decompress (&cinfo);
  jpeg_stdio_src (&cinfo, f);
  jpeg_read_header (&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress (&cinfo);
  img->width = (int) cinfo.output_width;
  img->height = (int) cinfo.output_height;
  img->rgb = malloc ((size_t) img->width * img->height * 3);
  while (img->rgb && cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = img->rgb + (size_t) cinfo.output_scanline * img->width * 3;
    jpeg_read_scanlines (&cinfo, &row, 1);
  }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  fclose (f);
  return img->rgb ? 0 : -1;
}
#endif

int
test_image_load (const char *path, test_image *img)
{
  size_t n = strlen (path);

  memset (img, 0, sizeof *img);
  if (n > 4 && (!strcmp (path + n - 4, ".jpg") || !strcmp (path + n - 5,
              ".jpeg"))) {
#ifdef HAVE_JPEG
    return load_jpeg (path, img);
#else
    fprintf (stderr, "%s: built without libjpeg\n", path);
    return -1;
#endif
  }
  return load_png (path, img);
}

void
test_image_free (test_image *img)
{
  free (img->rgb);
  img->rgb = NULL;
}

void
test_image_resample (const test_image *img, int x0, int y0, int w, int h,
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

void
test_image_central_crop (const test_image *img, double fraction, int *x,
    int *y, int *w, int *h)
{
  /* tf.image.central_crop: offset = (size - size*fraction) / 2 */
  int oy = (int) ((img->height - img->height * fraction) / 2);
  int ox = (int) ((img->width - img->width * fraction) / 2);

  *x = ox;
  *y = oy;
  *w = img->width - 2 * ox;
  *h = img->height - 2 * oy;
}
