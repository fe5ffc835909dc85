/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tools/image.c: decoding of every PNG/JPEG flavour the loader promises
 * (files written by the test itself with libpng/libjpeg), error paths, and
 * the crop/resize/normalise arithmetic against hand-computed values.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <jpeglib.h>

#include "image.h"

static char tmpdir[256];

static void
setup (void)
{
  snprintf (tmpdir, sizeof tmpdir, "/tmp/mnv3-test-image-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (tmpdir));
}

static void
teardown (void)
{
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ck_assert_int_eq (system (cmd), 0);
}

static const char *
tmp_path (const char *name)
{
  static char p[400];
  snprintf (p, sizeof p, "%s/%s", tmpdir, name);
  return p;
}

/* Writes a PNG with libpng's low-level API: rows are given in the file's
 * own sample layout. */
static void
write_png (const char *path, int w, int h, int depth, int ctype,
    int interlace, const uint8_t *data, size_t row_bytes,
    const png_color *palette, int npal, const uint8_t *trns, int ntrns)
{
  FILE *f = fopen (path, "wb");
  ck_assert_ptr_nonnull (f);
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL,
      NULL, NULL);
  png_infop info = png_create_info_struct (png);
  ck_assert (png && info);
  ck_assert_int_eq (setjmp (png_jmpbuf (png)), 0);
  png_init_io (png, f);
  png_set_IHDR (png, info, w, h, depth, ctype,
      interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
      PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette)
    png_set_PLTE (png, info, palette, npal);
  if (trns)
    png_set_tRNS (png, info, trns, ntrns, NULL);
  png_write_info (png, info);
  png_bytep *rows = malloc (sizeof (png_bytep) * h);
  for (int y = 0; y < h; y++)
    rows[y] = (png_bytep) data + (size_t) y * row_bytes;
  png_write_image (png, rows);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  free (rows);
  fclose (f);
}

static void
load_ok (const char *path, mnv3_image *img, int w, int h)
{
  char err[256] = "";
  int r = mnv3_image_load (path, img, err, sizeof err);
  ck_assert_msg (r == 0, "%s: %s", path, err);
  ck_assert_int_eq (img->width, w);
  ck_assert_int_eq (img->height, h);
  ck_assert_ptr_nonnull (img->rgb);
}

static void
expect_px (const mnv3_image *img, int x, int y, int r, int g, int b, int tol)
{
  const uint8_t *p = img->rgb + ((size_t) y * img->width + x) * 3;
  ck_assert_msg (abs (p[0] - r) <= tol && abs (p[1] - g) <= tol
      && abs (p[2] - b) <= tol,
      "pixel (%d,%d) = %d,%d,%d, want %d,%d,%d +- %d", x, y, p[0], p[1], p[2],
      r, g, b, tol);
}

/* ---- PNG flavours ---------------------------------------------------- */

START_TEST (test_png_rgb8)
{
  uint8_t d[2 * 3 * 3];
  for (int i = 0; i < (int) sizeof d; i++)
    d[i] = (uint8_t) (i * 13);
  write_png (tmp_path ("rgb.png"), 3, 2, 8, PNG_COLOR_TYPE_RGB, 0, d, 9,
      NULL, 0, NULL, 0);
  mnv3_image img;
  load_ok (tmp_path ("rgb.png"), &img, 3, 2);
  ck_assert_mem_eq (img.rgb, d, sizeof d);
  mnv3_image_free (&img);
  ck_assert_ptr_null (img.rgb);
  mnv3_image_free (&img);   /* twice is harmless */
}
END_TEST

START_TEST (test_png_grey_alpha_palette_16bit)
{
  mnv3_image img;

  /* 8-bit grey: replicated to RGB. */
  uint8_t g[4] = { 0, 77, 200, 255 };
  write_png (tmp_path ("g.png"), 2, 2, 8, PNG_COLOR_TYPE_GRAY, 0, g, 2,
      NULL, 0, NULL, 0);
  load_ok (tmp_path ("g.png"), &img, 2, 2);
  expect_px (&img, 1, 0, 77, 77, 77, 0);
  expect_px (&img, 0, 1, 200, 200, 200, 0);
  mnv3_image_free (&img);

  /* 1-bit grey: 0 -> 0, 1 -> 255; 8 pixels in one byte 10110000. */
  uint8_t g1[1] = { 0xb0 };
  write_png (tmp_path ("g1.png"), 4, 1, 1, PNG_COLOR_TYPE_GRAY, 0, g1, 1,
      NULL, 0, NULL, 0);
  load_ok (tmp_path ("g1.png"), &img, 4, 1);
  expect_px (&img, 0, 0, 255, 255, 255, 0);
  expect_px (&img, 1, 0, 0, 0, 0, 0);
  expect_px (&img, 2, 0, 255, 255, 255, 0);
  mnv3_image_free (&img);

  /* grey + alpha: alpha dropped, colour kept (PIL convert("RGB")). */
  uint8_t ga[4] = { 50, 0, 150, 128 };
  write_png (tmp_path ("ga.png"), 2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, 0, ga,
      4, NULL, 0, NULL, 0);
  load_ok (tmp_path ("ga.png"), &img, 2, 1);
  expect_px (&img, 0, 0, 50, 50, 50, 0);
  expect_px (&img, 1, 0, 150, 150, 150, 0);
  mnv3_image_free (&img);

  /* RGBA. */
  uint8_t rgba[8] = { 1, 2, 3, 0, 250, 251, 252, 255 };
  write_png (tmp_path ("rgba.png"), 2, 1, 8, PNG_COLOR_TYPE_RGBA, 0, rgba, 8,
      NULL, 0, NULL, 0);
  load_ok (tmp_path ("rgba.png"), &img, 2, 1);
  expect_px (&img, 0, 0, 1, 2, 3, 0);
  expect_px (&img, 1, 0, 250, 251, 252, 0);
  mnv3_image_free (&img);

  /* 4-bit palette with a tRNS chunk. */
  png_color pal[3] = { { 255, 0, 0 }, { 0, 255, 0 }, { 10, 20, 30 } };
  uint8_t trns[3] = { 0, 255, 128 };
  uint8_t pi[2] = { 0x01, 0x20 };    /* indices 0,1 / 2,0 */
  write_png (tmp_path ("pal.png"), 2, 2, 4, PNG_COLOR_TYPE_PALETTE, 0, pi, 1,
      pal, 3, trns, 3);
  load_ok (tmp_path ("pal.png"), &img, 2, 2);
  expect_px (&img, 0, 0, 255, 0, 0, 0);
  expect_px (&img, 1, 0, 0, 255, 0, 0);
  expect_px (&img, 0, 1, 10, 20, 30, 0);
  expect_px (&img, 1, 1, 255, 0, 0, 0);
  mnv3_image_free (&img);

  /* 16-bit RGB, big-endian samples: 0x8080 -> 128, 0xffff -> 255,
   * 0x0101 -> 1 (v * 255 / 65535 rounded). */
  uint8_t d16[6] = { 0x80, 0x80, 0xff, 0xff, 0x01, 0x01 };
  write_png (tmp_path ("16.png"), 1, 1, 16, PNG_COLOR_TYPE_RGB, 0, d16, 6,
      NULL, 0, NULL, 0);
  load_ok (tmp_path ("16.png"), &img, 1, 1);
  expect_px (&img, 0, 0, 128, 255, 1, 0);
  mnv3_image_free (&img);
}
END_TEST

START_TEST (test_png_interlaced)
{
  enum { W = 13, H = 11 };
  uint8_t d[W * H * 3];
  for (int i = 0; i < W * H * 3; i++)
    d[i] = (uint8_t) (i * 7 + 3);
  write_png (tmp_path ("il.png"), W, H, 8, PNG_COLOR_TYPE_RGB, 1, d, W * 3,
      NULL, 0, NULL, 0);
  mnv3_image img;
  load_ok (tmp_path ("il.png"), &img, W, H);
  ck_assert_mem_eq (img.rgb, d, sizeof d);
  mnv3_image_free (&img);
}
END_TEST

/* The real photo, if the test data is there: values from PIL. */
START_TEST (test_png_chelsea)
{
  const char *dir = getenv ("MNV3_TEST_DATA");
  char path[512];
  if (!dir)
    dir = "tests/data";
  snprintf (path, sizeof path, "%s/chelsea.png", dir);
  if (access (path, R_OK) != 0) {
    fprintf (stderr, "skip: %s missing\n", path);
    return;
  }
  mnv3_image img;
  load_ok (path, &img, 451, 300);
  expect_px (&img, 0, 0, 143, 120, 104, 0);
  expect_px (&img, 225, 150, 190, 150, 124, 0);
  expect_px (&img, 300, 100, 178, 142, 110, 0);
  expect_px (&img, 450, 299, 162, 138, 128, 0);
  mnv3_image_free (&img);
}
END_TEST

/* ---- JPEG ------------------------------------------------------------ */

static void
write_jpeg (const char *path, int w, int h, int comps, J_COLOR_SPACE cs,
    const uint8_t *data, int adobe)
{
  struct jpeg_compress_struct ci;
  struct jpeg_error_mgr jerr;
  FILE *f = fopen (path, "wb");
  ck_assert_ptr_nonnull (f);
  ci.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&ci);
  jpeg_stdio_dest (&ci, f);
  ci.image_width = w;
  ci.image_height = h;
  ci.input_components = comps;
  ci.in_color_space = cs;
  jpeg_set_defaults (&ci);
  jpeg_set_quality (&ci, 100, TRUE);
  ci.write_Adobe_marker = adobe;
  jpeg_start_compress (&ci, TRUE);
  for (int y = 0; y < h; y++) {
    JSAMPROW row = (JSAMPROW) data + (size_t) y * w * comps;
    jpeg_write_scanlines (&ci, &row, 1);
  }
  jpeg_finish_compress (&ci);
  jpeg_destroy_compress (&ci);
  fclose (f);
}

START_TEST (test_jpeg_rgb_grey_cmyk)
{
  enum { W = 16, H = 16 };
  static uint8_t rgb[W * H * 3], grey[W * H], cmyk[W * H * 4];
  mnv3_image img;

  /* Flat colours survive JPEG at quality 100 within a few levels. */
  for (int i = 0; i < W * H; i++) {
    rgb[3 * i] = 200; rgb[3 * i + 1] = 100; rgb[3 * i + 2] = 30;
    grey[i] = 90;
    /* Adobe-style inverted CMYK: 255 = no ink. */
    cmyk[4 * i] = 255; cmyk[4 * i + 1] = 128; cmyk[4 * i + 2] = 0;
    cmyk[4 * i + 3] = 255;
  }
  write_jpeg (tmp_path ("rgb.jpg"), W, H, 3, JCS_RGB, rgb, 0);
  load_ok (tmp_path ("rgb.jpg"), &img, W, H);
  expect_px (&img, 5, 7, 200, 100, 30, 3);
  mnv3_image_free (&img);

  write_jpeg (tmp_path ("grey.jpg"), W, H, 1, JCS_GRAYSCALE, grey, 0);
  load_ok (tmp_path ("grey.jpg"), &img, W, H);
  expect_px (&img, 3, 3, 90, 90, 90, 1);
  mnv3_image_free (&img);

  /* libjpeg writes an Adobe marker for CMYK; values as stored are
   * inverted, so C=255 (no cyan) -> R=255, M=128 -> G~128, Y=0 -> B=0. */
  write_jpeg (tmp_path ("cmyk.jpg"), W, H, 4, JCS_CMYK, cmyk, 1);
  load_ok (tmp_path ("cmyk.jpg"), &img, W, H);
  expect_px (&img, 8, 8, 255, 128, 0, 3);
  mnv3_image_free (&img);
}
END_TEST

/* ---- errors ---------------------------------------------------------- */

static void
write_bytes (const char *path, const void *d, size_t n)
{
  FILE *f = fopen (path, "wb");
  ck_assert_ptr_nonnull (f);
  ck_assert_uint_eq (fwrite (d, 1, n, f), n);
  fclose (f);
}

static void
load_fails (const char *path)
{
  mnv3_image img = { 7, 7, (uint8_t *) &img };
  char err[256] = "";
  ck_assert_int_eq (mnv3_image_load (path, &img, err, sizeof err), -1);
  ck_assert_msg (err[0] != '\0', "no message for %s", path);
  ck_assert_ptr_null (img.rgb);
  ck_assert_int_eq (img.width, 0);
  mnv3_image_free (&img);
}

START_TEST (test_errors)
{
  static uint8_t d[64 * 64 * 3];
  mnv3_image img;
  char err[256];

  load_fails (tmp_path ("does-not-exist.png"));
  write_bytes (tmp_path ("empty"), "", 0);
  load_fails (tmp_path ("empty"));
  write_bytes (tmp_path ("text"), "hello, world\n", 13);
  load_fails (tmp_path ("text"));
  load_fails (tmpdir);    /* a directory */

  /* Truncated PNG: the signature and header, half the data. */
  for (int i = 0; i < (int) sizeof d; i++)
    d[i] = (uint8_t) (i * 31 + (i >> 7));
  write_png (tmp_path ("full.png"), 64, 64, 8, PNG_COLOR_TYPE_RGB, 0, d,
      64 * 3, NULL, 0, NULL, 0);
  FILE *f = fopen (tmp_path ("full.png"), "rb");
  static uint8_t buf[65536];
  size_t n = fread (buf, 1, sizeof buf, f);
  fclose (f);
  ck_assert_uint_gt (n, 100);
  for (size_t cut = 0; cut < n; cut += n / 9 + 1) {
    write_bytes (tmp_path ("cut.png"), buf, cut);
    load_fails (tmp_path ("cut.png"));
  }
  /* A corrupted IDAT byte breaks the CRC. */
  buf[n / 2] ^= 0x55;
  write_bytes (tmp_path ("bad.png"), buf, n);
  load_fails (tmp_path ("bad.png"));

  /* Truncated / damaged JPEG: either an error or an image of the right
   * size (libjpeg pads missing data), never a crash. */
  write_jpeg (tmp_path ("full.jpg"), 64, 64, 3, JCS_RGB, d, 0);
  f = fopen (tmp_path ("full.jpg"), "rb");
  n = fread (buf, 1, sizeof buf, f);
  fclose (f);
  for (size_t cut = 0; cut < n; cut += n / 13 + 1) {
    write_bytes (tmp_path ("cut.jpg"), buf, cut);
    int r = mnv3_image_load (tmp_path ("cut.jpg"), &img, err, sizeof err);
    if (r == 0) {
      ck_assert_int_eq (img.width, 64);
      ck_assert_int_eq (img.height, 64);
    } else {
      ck_assert_ptr_null (img.rgb);
    }
    mnv3_image_free (&img);
  }
  for (size_t i = 200; i < n; i += 37)
    buf[i] ^= 0xa5;
  write_bytes (tmp_path ("bad.jpg"), buf, n);
  if (mnv3_image_load (tmp_path ("bad.jpg"), &img, err, sizeof err) == 0)
    ck_assert_int_eq (img.width, 64);
  mnv3_image_free (&img);

  /* Bad arguments. */
  ck_assert_int_eq (mnv3_image_load (NULL, &img, err, sizeof err), -1);
  ck_assert_int_eq (mnv3_image_load (tmp_path ("full.png"), NULL, NULL, 0),
      -1);
  ck_assert_int_eq (mnv3_image_load_memory (NULL, 10, &img, NULL, 0), -1);
}
END_TEST

/* ---- tensor ---------------------------------------------------------- */

START_TEST (test_crop_rect)
{
  int x, y, w, h;
  /* 0.875 of 451x300: start = int((451 - 394.625) / 2) = 28, 451-56 = 395;
   * int((300 - 262.5) / 2) = 18, 300-36 = 264. */
  mnv3_image_crop_rect (451, 300, 0.875f, &x, &y, &w, &h);
  ck_assert_int_eq (x, 28); ck_assert_int_eq (w, 395);
  ck_assert_int_eq (y, 18); ck_assert_int_eq (h, 264);
  mnv3_image_crop_rect (8, 8, 0.5f, &x, &y, &w, &h);
  ck_assert_int_eq (x, 2); ck_assert_int_eq (w, 4);
  mnv3_image_crop_rect (8, 8, 1.0f, &x, &y, &w, &h);
  ck_assert_int_eq (x, 0); ck_assert_int_eq (w, 8);
  /* Out-of-range fractions mean no crop. */
  mnv3_image_crop_rect (8, 8, 0.0f, &x, &y, &w, &h);
  ck_assert_int_eq (w, 8);
  mnv3_image_crop_rect (8, 8, 1.5f, &x, &y, &w, &h);
  ck_assert_int_eq (w, 8);
  mnv3_image_crop_rect (8, 8, NAN, &x, &y, &w, &h);
  ck_assert_int_eq (h, 8);
  /* A tiny fraction still keeps at least one pixel. */
  mnv3_image_crop_rect (5, 1, 0.01f, &x, &y, &w, &h);
  ck_assert_int_ge (w, 1); ck_assert_int_ge (h, 1);
}
END_TEST

#define TOL 1e-4f

START_TEST (test_resize_upscale)
{
  /* 2x2 grey [[0,100],[200,40]] to 4x4.  Source coordinates for the
   * outputs: -0.25 (clamped to pixel 0), 0.25, 0.75, 1.25 (clamped to 1).
   * Row 0: 0, 25, 75, 100.  Output (1,1): row 0 at x=.25 is 25, row 1 at
   * x=.25 is 160; y=.25 -> 25 + 135 * .25 = 58.75. */
  uint8_t px[4] = { 0, 100, 200, 40 };
  uint8_t rgb[12];
  for (int i = 0; i < 4; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = px[i];
  mnv3_image img = { 2, 2, rgb };
  float out[4 * 4 * 3];
  mnv3_image_to_tensor (&img, 1.0f, 4, 4, NULL, NULL, out);
  const float want_row0[4] = { 0, 25, 75, 100 };
  for (int x = 0; x < 4; x++)
    for (int c = 0; c < 3; c++)
      ck_assert_float_eq_tol (out[x * 3 + c], want_row0[x], TOL);
  ck_assert_float_eq_tol (out[(1 * 4 + 1) * 3], 58.75f, TOL);
  /* Bottom-right corner equals pixel (1,1). */
  ck_assert_float_eq_tol (out[(3 * 4 + 3) * 3 + 2], 40.0f, TOL);
  /* (3,0): bottom row at x=-0.25 -> 200. */
  ck_assert_float_eq_tol (out[(3 * 4 + 0) * 3 + 1], 200.0f, TOL);
}
END_TEST

START_TEST (test_resize_downscale_crop_normalise)
{
  /* 4x1 -> 2x1: sources at 0.5 and 2.5, the mean of each pair. */
  uint8_t rgb[4 * 3];
  for (int i = 0; i < 4; i++) {
    rgb[3 * i] = (uint8_t) (10 * i);        /* 0 10 20 30 */
    rgb[3 * i + 1] = (uint8_t) (100 + i);   /* 100..103 */
    rgb[3 * i + 2] = 255;
  }
  mnv3_image img = { 4, 1, rgb };
  float out[2 * 3];
  const float mean[3] = { 5.0f, 100.0f, 127.5f };
  const float sd[3] = { 2.0f, 0.5f, 127.5f };
  mnv3_image_to_tensor (&img, 1.0f, 1, 2, mean, sd, out);
  /* R: (5 - 5) / 2 = 0, (25 - 5) / 2 = 10; G: (100.5 - 100) / .5 = 1,
   * (102.5 - 100) / .5 = 5; B: (255 - 127.5) / 127.5 = 1. */
  ck_assert_float_eq_tol (out[0], 0.0f, TOL);
  ck_assert_float_eq_tol (out[3], 10.0f, TOL);
  ck_assert_float_eq_tol (out[1], 1.0f, TOL);
  ck_assert_float_eq_tol (out[4], 5.0f, TOL);
  ck_assert_float_eq_tol (out[2], 1.0f, TOL);
  ck_assert_float_eq_tol (out[5], 1.0f, TOL);

  /* Crop 0.5 of an 8x8 ramp, same size out: exactly the centre 4x4. */
  uint8_t big[8 * 8 * 3];
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 8; x++)
      for (int c = 0; c < 3; c++)
        big[(y * 8 + x) * 3 + c] = (uint8_t) (y * 16 + x + c);
  mnv3_image bimg = { 8, 8, big };
  float crop[4 * 4 * 3];
  mnv3_image_to_tensor (&bimg, 0.5f, 4, 4, NULL, NULL, crop);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++)
      for (int c = 0; c < 3; c++)
        ck_assert_float_eq_tol (crop[(y * 4 + x) * 3 + c],
            (float) ((y + 2) * 16 + x + 2 + c), TOL);

  /* A zero std is treated as 1 rather than dividing by zero. */
  const float zsd[3] = { 0, 0, 0 };
  mnv3_image_to_tensor (&img, 1.0f, 1, 1, NULL, zsd, out);
  ck_assert (isfinite (out[0]) && isfinite (out[1]) && isfinite (out[2]));
  /* 1x1 output from 4x1: source x = 0.5*4 - 0.5 = 1.5 -> (10+20)/2. */
  ck_assert_float_eq_tol (out[0], 15.0f, TOL);

  /* An empty image gives zeros, never a crash. */
  mnv3_image empty = { 0, 0, NULL };
  out[0] = 9.0f;
  mnv3_image_to_tensor (&empty, 0.875f, 1, 2, mean, sd, out);
  for (int i = 0; i < 6; i++)
    ck_assert_float_eq (out[i], 0.0f);
  mnv3_image_to_tensor (&img, 1.0f, 0, 5, NULL, NULL, NULL);
}
END_TEST

static Suite *
image_suite (void)
{
  Suite *s = suite_create ("image");
  TCase *tc = tcase_create ("decode");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_png_rgb8);
  tcase_add_test (tc, test_png_grey_alpha_palette_16bit);
  tcase_add_test (tc, test_png_interlaced);
  tcase_add_test (tc, test_png_chelsea);
  tcase_add_test (tc, test_jpeg_rgb_grey_cmyk);
  tcase_add_test (tc, test_errors);
  suite_add_tcase (s, tc);
  tc = tcase_create ("tensor");
  tcase_add_test (tc, test_crop_rect);
  tcase_add_test (tc, test_resize_upscale);
  tcase_add_test (tc, test_resize_downscale_crop_normalise);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (image_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
