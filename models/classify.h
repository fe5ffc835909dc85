/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Classification post-processing: softmax, top-k, class labels, and the
 * pre-processing constants a model carries in its metadata.  Plain C with no
 * GLib, shared by the tools and the GStreamer elements.
 *
 * Contract
 * --------
 * - Score vectors are float arrays of n >= 1 entries (a model's [1,C]
 *   output).  NaN scores never crash anything: top-k ranks them last.
 * - Labels are one name a line, in class-index order; "\r\n" endings and a
 *   final newline are accepted; empty lines in the middle are kept (they
 *   hold an index).
 * - Mean/std are in pixel units (0..255), one value per RGB channel, so the
 *   model input is (pixel - mean) / std.
 */
#ifndef MNV3_CLASSIFY_H
#define MNV3_CLASSIFY_H

#include <stddef.h>

#include "mnv3.h"
#include "labels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torchvision's ImageNet normalisation in pixel units: the default when a
 * model states none. */
#define MNV3_IMAGENET_MEAN_INIT { 123.675f, 116.28f, 103.53f }
#define MNV3_IMAGENET_STD_INIT { 58.395f, 57.12f, 57.375f }

/* ---- scores ---------------------------------------------------------- */

/* out[i] = exp(in[i] - max) / sum, stable for any finite input; in == out
 * allowed.  NaN entries get probability 0, +inf entries share the whole
 * mass, and an input of only NaN gives the uniform distribution. */
void mnv3_classify_softmax (const float *in, float *out, int n);

/* 1 when in[] already is a probability distribution: every entry finite and
 * >= -tol, and |sum - 1| <= tol.  A quantized softmax (uint8, scale 1/256)
 * loses up to about 0.5/256 per entry, so use a generous tol (0.05) for
 * those; logits practically never pass such a test. */
int mnv3_classify_is_distribution (const float *in, int n, float tol);

/* Probabilities from a classifier output: a copy when the output already is
 * a distribution (tol 0.05), else its softmax.  Returns 1 when softmax was
 * applied, 0 when the values were copied.  in == out allowed. */
int mnv3_classify_probabilities (const float *in, float *out, int n);

/* The same when the caller knows what the output is: known = 1 when the
 * model says its output is a softmax (metadata "probabilities", set by the
 * engine when output 0 comes from a SOFTMAX): the values are copied as the
 * model gives them (a quantized softmax does not sum to exactly 1);
 * known = 0 falls back to mnv3_classify_probabilities(). */
int mnv3_classify_probabilities_known (const float *in, float *out, int n,
    int known);

/* Indices of the k largest scores, largest first; equal scores in index
 * order; NaN after every number.  k is clamped to [0, n].  Returns the
 * number of indices written, or -1 when out of memory (only for k > 64). */
int mnv3_classify_topk (const float *scores, int n, int k, int *idx);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_CLASSIFY_H */
