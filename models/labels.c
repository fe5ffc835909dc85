/* labels.c — class names (labels files, model metadata) and the pixel
 * normalisation a model states.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "classify.h"
#include "segment.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "labels.h"

void
mnv3_labels_free (mnv3_labels *labels)
{
  if (!labels)
    return;
  /* names[0] points at the start of the one text allocation. */
  if (labels->names)
    free (labels->count > 0 ? labels->names[0] : NULL);
  free (labels->names);
  labels->names = NULL;
  labels->count = 0;
}

int
mnv3_labels_parse (const char *text, mnv3_labels *labels)
{
  size_t len;
  char *copy;
  int count = 0;

  if (!labels)
    return -1;
  labels->count = 0;
  labels->names = NULL;
  if (!text)
    return -1;

  len = strlen (text);
  /* A final newline ends the last label rather than starting an empty one. */
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n' && i + 1 < len)
      count++;
  if (len > 0)
    count++;
  if (count == 0)
    return 0;

  copy = malloc (len + 1);
  labels->names = malloc (sizeof (char *) * (size_t) count);
  if (!copy || !labels->names) {
    free (copy);
    free (labels->names);
    labels->names = NULL;
    return -1;
  }
  memcpy (copy, text, len + 1);

  char *p = copy;
  for (int i = 0; i < count; i++) {
    char *nl = strchr (p, '\n');
    labels->names[i] = p;
    if (nl)
      *nl = '\0';
    size_t l = strlen (p);
    if (l > 0 && p[l - 1] == '\r')
      p[l - 1] = '\0';
    p = nl ? nl + 1 : p + l;
  }
  labels->count = count;
  return 0;
}

#define MAX_LABELS_BYTES (16 << 20)

int
mnv3_labels_load (const char *path, mnv3_labels *labels, char *err,
    size_t errlen)
{
  FILE *f;
  char *text = NULL;
  size_t len = 0, cap = 0;
  int ret;

  if (labels) {
    labels->count = 0;
    labels->names = NULL;
  }
  if (!path || !labels) {
    if (err && errlen)
      snprintf (err, errlen, "no path or labels");
    return -1;
  }
  f = fopen (path, "rb");
  if (!f) {
    if (err && errlen)
      snprintf (err, errlen, "%s: %s", path, strerror (errno));
    return -1;
  }
  for (;;) {
    if (cap - len < 4096) {
      char *t = realloc (text, cap ? cap * 2 : 65536);
      if (!t) {
        ret = -1;
        goto oom;
      }
      text = t;
      cap = cap ? cap * 2 : 65536;
    }
    size_t got = fread (text + len, 1, cap - len - 1, f);
    len += got;
    if (got == 0)
      break;
    if (len > MAX_LABELS_BYTES) {
      /* 100000 names fit in far less; /dev/zero would never end */
      if (err && errlen)
        snprintf (err, errlen, "%s: more than %d MiB: not a labels file",
            path, MAX_LABELS_BYTES >> 20);
      fclose (f);
      free (text);
      return -1;
    }
  }
  if (ferror (f)) {
    int e = errno;
    if (err && errlen)
      snprintf (err, errlen, "%s: %s", path, e == EISDIR
          ? "is a directory, not a labels file" : "read error");
    fclose (f);
    free (text);
    return -1;
  }
  text[len] = '\0';
  ret = mnv3_labels_parse (text, labels);
oom:
  if (ret != 0 && err && errlen)
    snprintf (err, errlen, "%s: out of memory", path);
  fclose (f);
  free (text);
  return ret;
}

int
mnv3_labels_from_model (const mnv3_model *m, mnv3_labels *labels)
{
  const char *text = m ? mnv3_model_metadata (m, "labels") : NULL;

  if (labels) {
    labels->count = 0;
    labels->names = NULL;
  }
  if (!text || !*text)
    return -1;
  return mnv3_labels_parse (text, labels);
}

const char *
mnv3_labels_name (const mnv3_labels *labels, int i, int num_classes,
    char *buf, size_t buflen)
{
  if (labels && labels->count > 0 && i >= 0) {
    if (labels->count == num_classes - 1) {
      if (i == 0)
        return "background";
      if (i - 1 < labels->count)
        return labels->names[i - 1];
    } else if (i < labels->count) {
      return labels->names[i];
    }
  }
  if (buf && buflen) {
    snprintf (buf, buflen, "class %d", i);
    return buf;
  }
  return "?";
}

/* ---- normalisation --------------------------------------------------- */

int
mnv3_normalization_parse (const char *text, float v[3])
{
  float r[3];
  int got = 0;
  const char *p = text;

  if (!text)
    return -1;
  for (;;) {
    char *end;
    errno = 0;
    double d = strtod (p, &end);
    if (end == p || errno != 0 || !isfinite (d) || got == 3)
      return -1;
    r[got++] = (float) d;
    p = end;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '\0')
      break;
    if (*p != ',')
      return -1;
    p++;
  }
  if (got == 1)
    r[1] = r[2] = r[0];
  else if (got != 3)
    return -1;
  memcpy (v, r, sizeof r);
  return 0;
}

void
mnv3_normalization_from_model (const mnv3_model *m, float mean[3],
    float std[3])
{
  static const float dmean[3] = MNV3_IMAGENET_MEAN_INIT;
  static const float dstd[3] = MNV3_IMAGENET_STD_INIT;

  memcpy (mean, dmean, sizeof dmean);
  memcpy (std, dstd, sizeof dstd);
  if (!m)
    return;
  /* released segmenters that do not state theirs (models/segment.c) */
  const mnv3_segment_known *k = mnv3_segment_known_model (m);
  if (k && !mnv3_model_metadata (m, "mean") && !mnv3_model_metadata (m, "std"))
    for (int c = 0; c < 3; c++) {
      mean[c] = k->mean;
      std[c] = k->std;
    }
  mnv3_normalization_parse (mnv3_model_metadata (m, "mean"), mean);
  if (mnv3_normalization_parse (mnv3_model_metadata (m, "std"), std) == 0)
    for (int c = 0; c < 3; c++)
      if (std[c] == 0.0f)   /* a zero std would divide by zero */
        std[c] = dstd[c];
}
