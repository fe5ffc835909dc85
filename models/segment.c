/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Segmentation post-processing; see segment.h for the contract.
 */
#include <math.h>
#include <string.h>

#include "segment.h"

int
mnv3_segment_layout_from_info (const mnv3_tensor_info *info,
    mnv3_segment_layout *l, const char **why)
{
  static const char *dummy;

  if (!why)
    why = &dummy;
  if (!info || !l) {
    *why = "no output";
    return -1;
  }
  memset (l, 0, sizeof *l);
  if (info->rank == 3 && info->dims[0] == 1) {
    l->kind = MNV3_SEGMENT_CLASS_MAP;
    l->height = (int) info->dims[1];
    l->width = (int) info->dims[2];
    l->channels = 1;
  } else if (info->rank == 4 && info->dims[0] == 1) {
    l->height = (int) info->dims[1];
    l->width = (int) info->dims[2];
    l->channels = (int) info->dims[3];
    l->kind = l->channels == 1 ? MNV3_SEGMENT_MASK : MNV3_SEGMENT_LOGITS;
  } else {
    *why = "the output is not a [1,H,W] class map nor [1,H,W,C] scores";
    return -1;
  }
  if (l->height < 1 || l->width < 1 || l->height > (1 << 14)
      || l->width > (1 << 14)) {
    *why = "the output has no fixed spatial size (or an absurd one)";
    return -1;
  }
  if (l->channels < 1 || l->channels > MNV3_SEGMENT_MAX_CLASSES) {
    *why = "the output has more than 256 classes (class maps are uint8)";
    return -1;
  }
  return 0;
}

int
mnv3_segment_num_classes (const mnv3_segment_layout *l)
{
  switch (l->kind) {
    case MNV3_SEGMENT_LOGITS:
      return l->channels;
    case MNV3_SEGMENT_MASK:
      return 2;
    case MNV3_SEGMENT_CLASS_MAP:
    default:
      return 0;
  }
}

/* A one-channel output is a probability when every value is in [0,1]. */
static int
mask_is_probability (const float *out, const mnv3_segment_layout *l)
{
  size_t n = (size_t) l->height * l->width;

  for (size_t i = 0; i < n; i++)
    if (!(out[i] >= 0.0f && out[i] <= 1.0f))
      return 0;
  return 1;
}

static uint8_t
argmax (const float *v, int c)
{
  int best = 0;

  for (int k = 1; k < c; k++)
    if (v[k] > v[best] || (v[best] != v[best] && v[k] == v[k]))
      best = k;
  return (uint8_t) best;
}

void
mnv3_segment_class_map (const mnv3_segment_layout *l, const float *out,
    int x, int y, int w, int h, float threshold, uint8_t *map, float *prob)
{
  int is_prob = l->kind == MNV3_SEGMENT_MASK ? mask_is_probability (out, l)
      : 1;

  for (int r = 0; r < h; r++) {
    const float *row = out + ((size_t) (y + r) * l->width + x) * l->channels;
    uint8_t *m = map + (size_t) r * w;
    float *p = prob ? prob + (size_t) r * w : NULL;

    for (int c = 0; c < w; c++) {
      switch (l->kind) {
        case MNV3_SEGMENT_CLASS_MAP: {
          float v = row[c];
          m[c] = v >= 0.0f && v < 256.0f ? (uint8_t) v : 0;
          break;
        }
        case MNV3_SEGMENT_LOGITS:
          m[c] = argmax (row + (size_t) c * l->channels, l->channels);
          break;
        case MNV3_SEGMENT_MASK:
        default: {
          float v = row[c];
          if (!is_prob)
            v = 1.0f / (1.0f + expf (-v));
          if (!(v == v))
            v = 0.0f;
          m[c] = v >= threshold;
          if (p)
            p[c] = v;
          break;
        }
      }
    }
  }
}

/* ---- released models -------------------------------------------------- */

static const mnv3_segment_known known_road = {
  "LR-ASPP MobileNetV3-Small road segmentation",
  "background\nlane\nsignal\npedestrian\ncar", 128.0f, 128.0f,
};

static const mnv3_segment_known known_selfie = {
  "MediaPipe selfie segmentation", "background\nperson", 0.0f, 255.0f,
};

const mnv3_segment_known *
mnv3_segment_known_model (const mnv3_model *m)
{
  mnv3_tensor_info in, out;

  if (!m || mnv3_model_input_info (m, 0, &in) != MNV3_OK
      || mnv3_model_output_info (m, 0, &out) != MNV3_OK || !in.name)
    return NULL;
  /* TF DeepLab's MobileNetV3 export, fine-tuned to 5 classes: ARG_MAX */
  if (strcmp (in.name, "MobilenetV3/MobilenetV3/input") == 0
      && out.rank == 3)
    return &known_road;
  /* MediaPipe's Keras export: input_1 -> one sigmoid channel */
  if (strcmp (in.name, "input_1") == 0 && out.rank == 4 && out.dims[3] == 1)
    return &known_selfie;
  return NULL;
}
