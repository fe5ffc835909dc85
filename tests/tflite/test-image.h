/* test-image.h — image decoding and reference pre-processing for tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Decodes PNG (libpng) and, when built with libjpeg, JPEG into packed
 * 8-bit RGB, and resamples a crop of it into an NHWC float tensor the way
 * the reference pipelines do (bilinear, half-pixel centres, then
 * (pixel - mean) / std).  Test code: not part of the engine.
 */
#ifndef MNV3_TEST_IMAGE_H
#define MNV3_TEST_IMAGE_H

#include <stdint.h>

typedef struct {
  int width, height;
  uint8_t *rgb;            /* width*height*3 */
} test_image;

/* 0 on success; -1 if the file cannot be decoded (message on stderr). */
int test_image_load (const char *path, test_image *img);
void test_image_free (test_image *img);

/* Bilinear resample of the crop (x, y, w, h) of img to an oh x ow x 3
 * tensor: out = (pixel - mean) / std. */
void test_image_resample (const test_image *img, int x, int y, int w, int h,
    float *out, int oh, int ow, float mean, float std);

/* TF's central_crop(fraction) rectangle. */
void test_image_central_crop (const test_image *img, double fraction,
    int *x, int *y, int *w, int *h);

#endif /* MNV3_TEST_IMAGE_H */
