/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PNG (libpng) and JPEG (libjpeg-turbo) decoding to RGB8, and the
 * crop / resize / normalise step that turns a photo into a model input.
 *
 * Both decoders report errors by longjmp from their error callbacks.  All
 * state that must survive the jump lives in a heap context whose pointer is
 * set before setjmp and never changed afterwards, so nothing depends on the
 * value of a non-volatile local after the jump.
 */
#include "image.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>

/* Files larger than this are refused before reading (1 GiB). */
#define MAX_FILE_BYTES ((size_t) 1 << 30)
/* libjpeg warnings (corrupt data it can skip) tolerated before giving up. */
#define MAX_JPEG_WARNINGS 100

static void
set_err (char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (!err || errlen == 0)
    return;
  va_start (ap, fmt);
  vsnprintf (err, errlen, fmt, ap);
  va_end (ap);
}

void
mnv3_image_free (mnv3_image *img)
{
  if (!img)
    return;
  free (img->rgb);
  img->rgb = NULL;
  img->width = img->height = 0;
}

/* Allocates the RGB buffer after checking the size is sane. */
static uint8_t *
alloc_rgb (int64_t w, int64_t h, char *msg, size_t msglen)
{
  uint8_t *p;

  if (w <= 0 || h <= 0) {
    set_err (msg, msglen, "image has no pixels (%lldx%lld)",
        (long long) w, (long long) h);
    return NULL;
  }
  if (w * h > MNV3_IMAGE_MAX_PIXELS) {
    set_err (msg, msglen, "image too large (%lldx%lld)",
        (long long) w, (long long) h);
    return NULL;
  }
  p = malloc ((size_t) (w * h * 3));
  if (!p)
    set_err (msg, msglen, "out of memory for a %lldx%lld image",
        (long long) w, (long long) h);
  return p;
}

/* ---- PNG ------------------------------------------------------------- */

typedef struct {
  const uint8_t *data;
  size_t size, pos;
  char msg[256];
  png_structp png;
  png_infop info;
  uint8_t *rgb;
  png_bytep *rows;
} png_ctx;

static void
png_on_error (png_structp png, png_const_charp text)
{
  png_ctx *c = png_get_error_ptr (png);

  snprintf (c->msg, sizeof c->msg, "PNG: %s", text);
  png_longjmp (png, 1);
}

static void
png_on_warning (png_structp png, png_const_charp text)
{
  /* Warnings (unknown chunks, bad gamma...) do not stop decoding. */
  (void) png;
  (void) text;
}

static void
png_read_mem (png_structp png, png_bytep out, size_t n)
{
  png_ctx *c = png_get_io_ptr (png);

  if (n > c->size - c->pos)
    png_error (png, "truncated file");
  memcpy (out, c->data + c->pos, n);
  c->pos += n;
}

/* Runs inside setjmp: may longjmp out of any libpng call. */
static int
png_decode_body (png_ctx *c, mnv3_image *img)
{
  png_uint_32 w, h;
  int depth, ctype;

  png_set_read_fn (c->png, c, png_read_mem);
  png_set_user_limits (c->png, 1 << 20, 1 << 20);
  png_read_info (c->png, c->info);
  png_get_IHDR (c->png, c->info, &w, &h, &depth, &ctype, NULL, NULL, NULL);

  /* Everything to 8-bit RGB: palette and low-bit grey expand, tRNS becomes
   * alpha that is then dropped, 16 bits are rounded to 8. */
  png_set_expand (c->png);
  png_set_scale_16 (c->png);
  png_set_strip_alpha (c->png);
  png_set_gray_to_rgb (c->png);
  png_set_interlace_handling (c->png);
  png_read_update_info (c->png, c->info);

  if (png_get_channels (c->png, c->info) != 3
      || png_get_rowbytes (c->png, c->info) != (size_t) w * 3) {
    snprintf (c->msg, sizeof c->msg, "PNG: unexpected layout after "
        "conversion (colour type %d, depth %d)", ctype, depth);
    return -1;
  }
  c->rgb = alloc_rgb (w, h, c->msg, sizeof c->msg);
  if (!c->rgb)
    return -1;
  c->rows = malloc (sizeof (png_bytep) * h);
  if (!c->rows) {
    snprintf (c->msg, sizeof c->msg, "out of memory");
    return -1;
  }
  for (png_uint_32 y = 0; y < h; y++)
    c->rows[y] = c->rgb + (size_t) y * w * 3;
  png_read_image (c->png, c->rows);

  img->width = (int) w;
  img->height = (int) h;
  img->rgb = c->rgb;
  c->rgb = NULL;
  return 0;
}

/* setjmp in its own frame so no local is live across the jump. */
static int
png_run (png_ctx *c, mnv3_image *img)
{
  if (setjmp (png_jmpbuf (c->png)) != 0)
    return -1;
  return png_decode_body (c, img);
}

static int
decode_png (const uint8_t *data, size_t size, mnv3_image *img, char *err,
    size_t errlen)
{
  png_ctx *c = calloc (1, sizeof *c);
  int ret = -1;

  if (!c) {
    set_err (err, errlen, "out of memory");
    return -1;
  }
  c->data = data;
  c->size = size;
  c->png = png_create_read_struct (PNG_LIBPNG_VER_STRING, c, png_on_error,
      png_on_warning);
  if (c->png)
    c->info = png_create_info_struct (c->png);
  if (!c->png || !c->info) {
    snprintf (c->msg, sizeof c->msg, "PNG: cannot create decoder");
  } else {
    ret = png_run (c, img);
  }
  if (ret != 0)
    set_err (err, errlen, "%s", c->msg);
  png_destroy_read_struct (&c->png, &c->info, NULL);
  free (c->rows);
  free (c->rgb);
  free (c);
  return ret;
}

/* ---- JPEG ------------------------------------------------------------ */

typedef struct {
  struct jpeg_error_mgr pub;     /* first: libjpeg casts cinfo->err to it */
  jmp_buf jump;
  char msg[JMSG_LENGTH_MAX + 16];
  int warnings;
  struct jpeg_decompress_struct cinfo;
  int created;
  uint8_t *rgb;
  uint8_t *row;
} jpeg_ctx;

static void
jpeg_on_error (j_common_ptr cinfo)
{
  jpeg_ctx *c = (jpeg_ctx *) cinfo->err;
  char text[JMSG_LENGTH_MAX];

  c->pub.format_message (cinfo, text);
  snprintf (c->msg, sizeof c->msg, "JPEG: %s", text);
  longjmp (c->jump, 1);
}

static void
jpeg_on_message (j_common_ptr cinfo, int level)
{
  jpeg_ctx *c = (jpeg_ctx *) cinfo->err;

  /* level -1 is a warning about corrupt data that libjpeg works around;
   * too many of them mean garbage, which could also take very long. */
  if (level < 0 && ++c->warnings > MAX_JPEG_WARNINGS) {
    snprintf (c->msg, sizeof c->msg, "JPEG: too much corrupt data");
    longjmp (c->jump, 1);
  }
}

/* CMYK as libjpeg returns it to RGB.  Adobe writers (the usual source of
 * CMYK JPEGs) store inverted values, so there 255 means no ink. */
static void
cmyk_to_rgb (const uint8_t *src, uint8_t *dst, int n, int inverted)
{
  for (int i = 0; i < n; i++, src += 4, dst += 3) {
    int k = inverted ? src[3] : 255 - src[3];
    for (int ch = 0; ch < 3; ch++) {
      int v = inverted ? src[ch] : 255 - src[ch];
      dst[ch] = (uint8_t) ((v * k + 127) / 255);
    }
  }
}

/* Runs inside setjmp: may longjmp out of any libjpeg call. */
static int
jpeg_decode_body (jpeg_ctx *c, const uint8_t *data, size_t size,
    mnv3_image *img)
{
  struct jpeg_decompress_struct *ci = &c->cinfo;
  int cmyk;

  jpeg_create_decompress (ci);
  c->created = 1;
  jpeg_mem_src (ci, data, (unsigned long) size);
  jpeg_read_header (ci, TRUE);
  cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
  ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress (ci);

  if ((int) ci->output_components != (cmyk ? 4 : 3)) {
    snprintf (c->msg, sizeof c->msg, "JPEG: unexpected %d components",
        ci->output_components);
    return -1;
  }
  c->rgb = alloc_rgb (ci->output_width, ci->output_height, c->msg,
      sizeof c->msg);
  if (!c->rgb)
    return -1;
  if (cmyk) {
    c->row = malloc ((size_t) ci->output_width * 4);
    if (!c->row) {
      snprintf (c->msg, sizeof c->msg, "out of memory");
      return -1;
    }
  }
  while (ci->output_scanline < ci->output_height) {
    uint8_t *dst = c->rgb + (size_t) ci->output_scanline
        * ci->output_width * 3;
    JSAMPROW row = cmyk ? c->row : dst;
    if (jpeg_read_scanlines (ci, &row, 1) != 1) {
      snprintf (c->msg, sizeof c->msg, "JPEG: truncated data");
      return -1;
    }
    if (cmyk)
      cmyk_to_rgb (c->row, dst, (int) ci->output_width,
          ci->saw_Adobe_marker);
  }
  jpeg_finish_decompress (ci);

  img->width = (int) ci->output_width;
  img->height = (int) ci->output_height;
  img->rgb = c->rgb;
  c->rgb = NULL;
  return 0;
}

static int
jpeg_run (jpeg_ctx *c, const uint8_t *data, size_t size, mnv3_image *img)
{
  if (setjmp (c->jump) != 0)
    return -1;
  return jpeg_decode_body (c, data, size, img);
}

static int
decode_jpeg (const uint8_t *data, size_t size, mnv3_image *img, char *err,
    size_t errlen)
{
  jpeg_ctx *c = calloc (1, sizeof *c);
  int ret = -1;

  if (!c) {
    set_err (err, errlen, "out of memory");
    return -1;
  }
  c->cinfo.err = jpeg_std_error (&c->pub);
  c->pub.error_exit = jpeg_on_error;
  c->pub.emit_message = jpeg_on_message;
  ret = jpeg_run (c, data, size, img);
  if (ret != 0)
    set_err (err, errlen, "%s", c->msg);
  if (c->created)
    jpeg_destroy_decompress (&c->cinfo);
  free (c->row);
  free (c->rgb);
  free (c);
  return ret;
}

/* ---- entry points ---------------------------------------------------- */

int
mnv3_image_load_memory (const void *data, size_t size, mnv3_image *img,
    char *err, size_t errlen)
{
  static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n' };
  const uint8_t *p = data;

  if (!img) {
    set_err (err, errlen, "no image to fill");
    return -1;
  }
  img->width = img->height = 0;
  img->rgb = NULL;
  if (!p && size > 0) {
    set_err (err, errlen, "no data");
    return -1;
  }
  if (size >= 8 && memcmp (p, png_sig, 8) == 0)
    return decode_png (p, size, img, err, errlen);
  if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
    return decode_jpeg (p, size, img, err, errlen);
  set_err (err, errlen, "not a PNG or JPEG file");
  return -1;
}

/* Reads a whole regular file; NULL with a message on failure. */
static uint8_t *
read_file (const char *path, size_t *size, char *err, size_t errlen)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf = NULL;
  long len;

  if (!f) {
    set_err (err, errlen, "%s: cannot open", path);
    return NULL;
  }
  if (fseek (f, 0, SEEK_END) != 0 || (len = ftell (f)) < 0
      || fseek (f, 0, SEEK_SET) != 0) {
    set_err (err, errlen, "%s: cannot determine size", path);
    goto out;
  }
  if ((size_t) len > MAX_FILE_BYTES) {
    set_err (err, errlen, "%s: file too large", path);
    goto out;
  }
  buf = malloc (len > 0 ? (size_t) len : 1);
  if (!buf) {
    set_err (err, errlen, "%s: out of memory", path);
    goto out;
  }
  if (fread (buf, 1, (size_t) len, f) != (size_t) len) {
    set_err (err, errlen, "%s: read error", path);
    free (buf);
    buf = NULL;
    goto out;
  }
  *size = (size_t) len;
out:
  fclose (f);
  return buf;
}

int
mnv3_image_load (const char *path, mnv3_image *img, char *err, size_t errlen)
{
  size_t size = 0;
  uint8_t *data;
  char msg[512];
  int ret;

  if (img) {
    img->width = img->height = 0;
    img->rgb = NULL;
  }
  if (!path || !img) {
    set_err (err, errlen, "no path or image");
    return -1;
  }
  data = read_file (path, &size, err, errlen);
  if (!data)
    return -1;
  ret = mnv3_image_load_memory (data, size, img, msg, sizeof msg);
  if (ret != 0)
    set_err (err, errlen, "%s: %s", path, msg);
  free (data);
  return ret;
}

/* ---- tensor ---------------------------------------------------------- */

void
mnv3_image_crop_rect (int width, int height, float crop_fraction, int *x0,
    int *y0, int *w, int *h)
{
  float f = crop_fraction;

  if (!(f > 0.0f && f <= 1.0f))   /* also catches NaN */
    f = 1.0f;
  *x0 = (int) ((width - width * (double) f) / 2);
  *y0 = (int) ((height - height * (double) f) / 2);
  *w = width - 2 * *x0;
  *h = height - 2 * *y0;
}

/* One output coordinate's two source samples and the weight of the second,
 * half-pixel centres, clamped at the borders like TF. */
typedef struct {
  int i0, i1;
  float t;
} lerp_pos;

static lerp_pos
lerp_pos_at (int dst, int in_size, int out_size)
{
  double src = (dst + 0.5) * in_size / out_size - 0.5;
  double fl = floor (src);
  lerp_pos p;

  p.t = (float) (src - fl);
  p.i0 = fl < 0 ? 0 : (int) fl;
  p.i1 = (int) fl + 1;
  if (p.i0 > in_size - 1)
    p.i0 = in_size - 1;
  if (p.i1 > in_size - 1)
    p.i1 = in_size - 1;
  if (p.i1 < 0)
    p.i1 = 0;
  return p;
}

void
mnv3_image_to_tensor (const mnv3_image *img, float crop_fraction, int out_h,
    int out_w, const float mean[3], const float std[3], float *out)
{
  int cx, cy, cw, ch;
  float m[3], sd[3];
  size_t stride;

  if (!out || out_h < 1 || out_w < 1)
    return;
  if (!img || !img->rgb || img->width < 1 || img->height < 1) {
    memset (out, 0, sizeof (float) * (size_t) out_h * out_w * 3);
    return;
  }
  for (int c = 0; c < 3; c++) {
    m[c] = mean ? mean[c] : 0.0f;
    sd[c] = std && std[c] != 0.0f ? std[c] : 1.0f;
  }
  stride = (size_t) img->width * 3;
  mnv3_image_crop_rect (img->width, img->height, crop_fraction, &cx, &cy,
      &cw, &ch);

  for (int oy = 0; oy < out_h; oy++) {
    lerp_pos py = lerp_pos_at (oy, ch, out_h);
    const uint8_t *r0 = img->rgb + (size_t) (cy + py.i0) * stride;
    const uint8_t *r1 = img->rgb + (size_t) (cy + py.i1) * stride;
    for (int ox = 0; ox < out_w; ox++) {
      lerp_pos px = lerp_pos_at (ox, cw, out_w);
      size_t a = (size_t) (cx + px.i0) * 3, b = (size_t) (cx + px.i1) * 3;
      float *o = out + ((size_t) oy * out_w + ox) * 3;
      for (int c = 0; c < 3; c++) {
        float top = r0[a + c] + (r0[b + c] - r0[a + c]) * px.t;
        float bot = r1[a + c] + (r1[b + c] - r1[a + c]) * px.t;
        float v = top + (bot - top) * py.t;
        o[c] = (v - m[c]) / sd[c];
      }
    }
  }
}
