/* preprocess.h — video frame to model input in one pass.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Colour conversion (packed RGB variants, I420, NV12 with BT.601 or BT.709
 * limited-range matrices), bilinear resampling (half-pixel centres) of a
 * source rectangle into a destination rectangle of the tensor, and
 * normalisation (pixel - mean) / std, fused: every output value is computed
 * once from the source pixels, with no intermediate image.  Tensor pixels
 * outside the destination rectangle (letterbox bars) get `pad_value` (the
 * value of a black pixel after normalisation, typically).
 *
 * Plan once per caps (create), run per frame.  The output is NHWC float32,
 * 3 channels in RGB order.
 */
#ifndef MNV3_PREPROCESS_H
#define MNV3_PREPROCESS_H

#include <stdint.h>

#include "mnv3.h"

typedef enum {
  MNV3_PIXEL_RGB, MNV3_PIXEL_BGR,
  MNV3_PIXEL_RGBX, MNV3_PIXEL_BGRX, MNV3_PIXEL_XRGB, MNV3_PIXEL_XBGR,
  MNV3_PIXEL_RGBA, MNV3_PIXEL_BGRA, MNV3_PIXEL_ARGB, MNV3_PIXEL_ABGR,
  MNV3_PIXEL_I420, MNV3_PIXEL_NV12,
} mnv3_pixel_format;

typedef enum {
  MNV3_MATRIX_BT601,      /* SD video; limited range */
  MNV3_MATRIX_BT709,      /* HD video; limited range */
} mnv3_yuv_matrix;

typedef struct {
  int x, y, width, height;
} mnv3_rect;

typedef struct {
  const uint8_t *planes[3];  /* I420: Y, U, V; NV12: Y, UV; packed: [0] */
  int strides[3];            /* bytes per row of each plane */
} mnv3_frame;

typedef struct {
  mnv3_pixel_format format;
  mnv3_yuv_matrix matrix;    /* YUV formats only */
  int src_width, src_height; /* frame size */
  mnv3_rect src;             /* region of the frame to sample */
  int dst_width, dst_height; /* tensor size */
  mnv3_rect dst;             /* where src lands in the tensor */
  float mean[3], std[3];     /* per RGB channel, pixel units 0..255 */
  float pad_value[3];        /* tensor value outside dst */
} mnv3_preprocess_params;

typedef struct mnv3_preprocess mnv3_preprocess;

/* NULL with mnv3_last_error() set when a rectangle is empty or outside its
 * image, or a size is invalid. isa as in mnv3_session_options. */
mnv3_preprocess *mnv3_preprocess_create (mnv3_isa isa,
    const mnv3_preprocess_params *p);
/* Write the tensor (dst_height x dst_width x 3 floats) to out.
 * A frame whose planes or strides do not match the plan is not read:
 * nothing is written and mnv3_last_error() says why.
 * session may be NULL; when given its thread pool is borrowed (call from
 * the thread that runs the session, not concurrently with a run). */
void mnv3_preprocess_run (const mnv3_preprocess *pp, const mnv3_frame *frame,
    float *out, mnv3_session *session);
/* The tensor in the element type of the session input `in` describes
 * (mnv3_session_input_info): float as run(); for a quantized input
 * (uint8/int8, mnv3_session_input_raw) every value quantized as the
 * session would quantize run()'s floats (x / scale rounded half away from
 * zero, + zero point, clamped): the same bytes without a float frame in
 * between.  Errors as run(), and on a type it cannot write. */
void mnv3_preprocess_run_raw (const mnv3_preprocess *pp,
    const mnv3_frame *frame, void *out, const mnv3_tensor_info *in,
    mnv3_session *session);
void mnv3_preprocess_free (mnv3_preprocess *pp);

/* Fit helpers for the three resize modes, used by the elements:
 * stretch: src = whole frame, dst = whole tensor;
 * center-crop: src = largest centred region with the tensor's aspect;
 * letterbox: src = whole frame, dst = largest centred region with the
 * frame's aspect. */
typedef enum {
  MNV3_FIT_STRETCH, MNV3_FIT_CENTER_CROP, MNV3_FIT_LETTERBOX,
} mnv3_fit;

void mnv3_preprocess_fit (mnv3_fit fit, int src_width, int src_height,
    int dst_width, int dst_height, mnv3_rect *src, mnv3_rect *dst);

#endif /* MNV3_PREPROCESS_H */
