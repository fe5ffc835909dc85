/* photo.h — the committed photos of tests/data, for tests (support library).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Decoding is tools/image.c's (the one image decoder of the project); this
 * adds finding the file ($MNV3_TEST_DATA) and a resampler of an arbitrary
 * crop, which the end-to-end tests use to build reference inputs.  Only
 * built when libpng and libjpeg are found (mnv3_test_photo_dep).
 */
#ifndef MNV3_TEST_PHOTO_H
#define MNV3_TEST_PHOTO_H

#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes $MNV3_TEST_DATA/name into img; fails the test when it cannot. */
void mnv3_test_load_photo (const char *name, mnv3_image *img);

/* Bilinear resample (half-pixel centres) of the crop (x, y, w, h) of img
 * to an oh x ow x 3 tensor: out = (pixel - mean) / std. */
void mnv3_test_resample (const mnv3_image *img, int x, int y, int w, int h,
    float *out, int oh, int ow, float mean, float std);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_TEST_PHOTO_H */
