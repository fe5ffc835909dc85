/* labels.h — class names and the input normalisation a model states.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by every task (classification, detection, segmentation) and by
 * the GStreamer base class. */
#ifndef MNV3_LABELS_H
#define MNV3_LABELS_H

#include <stddef.h>

#include "mnv3.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- labels ---------------------------------------------------------- */

typedef struct {
  int count;
  char **names;      /* count pointers into one allocation */
} mnv3_labels;

/* From newline-separated text.  Returns 0, or -1 (out of memory / NULL). */
int mnv3_labels_parse (const char *text, mnv3_labels *labels);
/* From a file.  Returns 0, or -1 with a message in err. */
int mnv3_labels_load (const char *path, mnv3_labels *labels, char *err,
    size_t errlen);
/* From the model's "labels" metadata.  Returns -1 when it has none. */
int mnv3_labels_from_model (const mnv3_model *m, mnv3_labels *labels);
void mnv3_labels_free (mnv3_labels *labels);

/* The name of class i of a num_classes-way output.  When the list is one
 * shorter than the output (ImageNet-1000 names on a 1001-way TF model whose
 * class 0 is background), index 0 is "background" and the rest shift by one.
 * Falls back to "class <i>" in buf when no name fits.  Never NULL. */
const char *mnv3_labels_name (const mnv3_labels *labels, int i,
    int num_classes, char *buf, size_t buflen);

/* ---- normalisation --------------------------------------------------- */

/* Parses "a,b,c" (blanks allowed) or a single number (used for all three).
 * Returns 0, or -1 leaving v unchanged. */
int mnv3_normalization_parse (const char *text, float v[3]);

/* mean/std from the model's "mean"/"std" metadata, each falling back to
 * the ImageNet values above when absent or malformed; a released segmenter
 * known to models/segment.h that states neither gets its own values.  m may
 * be NULL. */
void mnv3_normalization_from_model (const mnv3_model *m, float mean[3],
    float std[3]);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_LABELS_H */
