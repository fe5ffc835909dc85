/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Image decoding (PNG, JPEG) to packed RGB8 and conversion to a float input
 * tensor, for the command-line tools and the tests.
 *
 * Contract
 * --------
 * - mnv3_image_load() decodes any PNG (grey, grey+alpha, palette, RGB, RGBA,
 *   1..16 bits, interlaced) or baseline/progressive JPEG (grey, YCbCr, RGB,
 *   CMYK/YCCK) into width*height*3 bytes, rows top to bottom, no padding.
 *   The format is detected from the content, not the file name.  Alpha is
 *   dropped (like PIL's convert("RGB")), 16-bit samples are scaled to 8 bits,
 *   no colour management is applied and EXIF orientation is ignored.
 * - Every failure (missing file, corrupt or truncated data, absurd size) is
 *   returned as -1 with a message in err; nothing aborts.  On failure *img is
 *   left empty ({0, 0, NULL}) so mnv3_image_free() is always safe.
 * - mnv3_image_to_tensor() crops, resizes and normalises in one pass and
 *   cannot fail: an empty image gives zeros, out_h or out_w < 1 writes
 *   nothing.
 */
#ifndef MNV3_TOOLS_IMAGE_H
#define MNV3_TOOLS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int width, height;
  uint8_t *rgb;            /* width * height * 3 bytes, owned by the image */
} mnv3_image;

/* Largest image accepted (pixels), to refuse decompression bombs. */
#define MNV3_IMAGE_MAX_PIXELS ((int64_t) 1 << 28)

/* Decode a PNG or JPEG file.  Returns 0, or -1 with a message in err
 * (err may be NULL; errlen includes the terminating NUL). */
int mnv3_image_load (const char *path, mnv3_image *img, char *err,
    size_t errlen);
/* Same from memory (the buffer is not kept). */
int mnv3_image_load_memory (const void *data, size_t size, mnv3_image *img,
    char *err, size_t errlen);
void mnv3_image_free (mnv3_image *img);

/* The integer rectangle that a centre crop keeps, TF's central_crop rule:
 * start = (int) ((size - size * fraction) / 2), length = size - 2 * start.
 * fraction outside (0, 1] is treated as 1 (no crop). */
void mnv3_image_crop_rect (int width, int height, float crop_fraction,
    int *x0, int *y0, int *w, int *h);

/* Centre-crop crop_fraction of each side, resize bilinearly to out_h x out_w
 * with half-pixel centres (src = (dst + 0.5) * in / out - 0.5, clamped to the
 * edge; tf.image.resize "bilinear" without antialias, and PIL's bilinear
 * when upscaling), then out = (pixel - mean[c]) / std[c] with pixels in
 * 0..255.  out is NHWC float, out_h * out_w * 3 values.  mean may be NULL
 * (0) and std may be NULL (1); a zero std counts as 1. */
void mnv3_image_to_tensor (const mnv3_image *img, float crop_fraction,
    int out_h, int out_w, const float mean[3], const float std[3],
    float *out);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_TOOLS_IMAGE_H */
