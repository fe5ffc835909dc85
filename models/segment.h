/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Segmentation post-processing: what a segmentation model outputs, the
 * class map (and probability mask) computed from it, and the defaults of
 * the released segmenters whose files say nothing about their input.
 * Plain C with no GLib, shared by the GStreamer element and the tests.
 *
 * Contract
 * --------
 * - Three output layouts are understood (engine layout, NHWC float32):
 *     CLASS_MAP  rank 3 [1,H,W] (or [1,H,W,1] holding integers is NOT
 *                guessed): class indices as floats (TFLite ARG_MAX);
 *     LOGITS     rank 4 [1,H,W,C], C >= 2: per-class scores, argmax taken;
 *     MASK       rank 4 [1,H,W,1]: one probability (sigmoid already
 *                applied, MediaPipe) or one logit per pixel; class 1 where
 *                the probability reaches the threshold, else 0.
 * - Class maps are uint8: models with more than 256 classes are refused.
 * - Nothing here allocates; NaN scores never crash (they lose the argmax).
 */
#ifndef MNV3_SEGMENT_H
#define MNV3_SEGMENT_H

#include <stdint.h>

#include "mnv3.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MNV3_SEGMENT_MAX_CLASSES 256

typedef enum {
  MNV3_SEGMENT_CLASS_MAP,
  MNV3_SEGMENT_LOGITS,
  MNV3_SEGMENT_MASK,
} mnv3_segment_kind;

typedef struct {
  mnv3_segment_kind kind;
  int height, width;
  int channels;       /* C of LOGITS; 1 otherwise */
} mnv3_segment_layout;

/* The layout of an output (model or session info).  Returns 0, or -1 with
 * a reason (static text) in *why. */
int mnv3_segment_layout_from_info (const mnv3_tensor_info *info,
    mnv3_segment_layout *layout, const char **why);

/* Classes a layout reports: C for LOGITS, 2 for MASK (background, the
 * object), 0 (unknown: the labels tell) for CLASS_MAP. */
int mnv3_segment_num_classes (const mnv3_segment_layout *layout);

/* Class map of the window [x, x+w) x [y, y+h) of an output: map gets w*h
 * bytes, row-major.  For MASK, prob (may be NULL) gets the w*h
 * probabilities (a logit output, detected by values outside [0,1], goes
 * through a sigmoid) and pixels with prob >= threshold get class 1.
 * CLASS_MAP values outside 0..255 become 0.  The window must lie inside
 * the output (checked by the caller). */
void mnv3_segment_class_map (const mnv3_segment_layout *layout,
    const float *out, int x, int y, int w, int h, float threshold,
    uint8_t *map, float *prob);

/* ---- released models that do not describe themselves ---------------- */

typedef struct {
  const char *name;      /* what they are, for logs */
  const char *labels;    /* newline-separated class names */
  float mean, std;       /* pixel normalisation, every channel */
} mnv3_segment_known;

/* The entry for m when it is one of the released segmenters mnv3 ships or
 * tests (matched by input tensor name and output shape): MediaPipe selfie
 * segmentation (RGB in [0,1]: mean 0, std 255; background, person), the
 * LR-ASPP road segmenter (x/128-1: mean 128, std 128; background, lane,
 * signal, pedestrian, car).  NULL for any other model. */
const mnv3_segment_known *mnv3_segment_known_model (const mnv3_model *m);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_SEGMENT_H */
