/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SSD / SSDLite detection post-processing, as torchvision 0.14 does it:
 * default boxes (DefaultBoxGenerator), box decoding (BoxCoder weights
 * 10,10,5,5, dw/dh clamped at log(1000/16)), softmax scores, per-class score
 * threshold and top-k, class-wise NMS and a maximum detection count
 * (SSD.postprocess_detections), then boxes mapped back to frame pixels.
 * Plain C with no GLib, shared by tests, tools and the GStreamer element.
 *
 * Contract
 * --------
 * - A model's two outputs are cls_logits [A][num_classes] (class 0 is the
 *   background) and bbox_regression [A][4], anchors in torchvision's order:
 *   map by map, row by row, column by column, then the anchors of one
 *   position.  models/export_detection.py writes the metadata read here.
 * - Boxes are (x0, y0, x1, y1) floats in the network input's pixels (before
 *   mnv3_det_map_to_frame), clipped to the input.
 * - Detections come sorted by score, highest first (equal scores: lower
 *   class first, then torchvision's per-class top-k order).
 * - NaN logits or regressions never crash anything: such a box scores 0
 *   (NaN compares false with the threshold) or is dropped.
 * - Errors are values: functions return mnv3_status and set
 *   mnv3_last_error() through the engine's error helpers.
 */
#ifndef MNV3_DETECT_H
#define MNV3_DETECT_H

#include "mnv3.h"
#include "preprocess.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MNV3_DET_MAX_MAPS 8
#define MNV3_DET_MAX_RATIOS 4

typedef struct {
  int num_maps;
  int map_h[MNV3_DET_MAX_MAPS], map_w[MNV3_DET_MAX_MAPS];
  int num_ratios[MNV3_DET_MAX_MAPS];
  float ratios[MNV3_DET_MAX_MAPS][MNV3_DET_MAX_RATIOS];
  double min_ratio, max_ratio;   /* scales of the maps, as torchvision */
  int clip;                      /* clamp default-box w,h to [0,1] */
  float weights[4];              /* box coder wx, wy, ww, wh */
  int num_classes;               /* including background */
  int input_h, input_w;          /* the size map_h/map_w belong to */
} mnv3_det_config;

/* torchvision's ssdlite320 settings for an input of h x w (maps at strides
 * 16, 32, ..., 512 with ceil rounding), 91 classes. */
void mnv3_det_config_ssdlite (mnv3_det_config *cfg, int h, int w);

/* Read the metadata of models/export_detection.py ("task" must be
 * "detection").  MNV3_ERR_FORMAT with a message naming the key when a
 * value is missing or malformed. */
mnv3_status mnv3_det_config_from_model (const mnv3_model *m,
    mnv3_det_config *cfg);

/* Feature-map sizes for another input size (a session planned at h x w):
 * the first map keeps its stride (a power of two), each next map is the
 * previous halved, rounded up, as stride-2 3x3 convolutions with padding 1
 * do. */
mnv3_status mnv3_det_config_resize (mnv3_det_config *cfg, int h, int w);

/* Anchors per location of map k and in total. */
int mnv3_det_num_anchors (const mnv3_det_config *cfg);

/* Default boxes, xyxy in input pixels, 4 floats per anchor; out must hold
 * 4 * mnv3_det_num_anchors() floats.  Identical in float32 to
 * DefaultBoxGenerator's for the same sizes. */
void mnv3_det_anchors (const mnv3_det_config *cfg, float *out);

/* BoxCoder.decode_single for n boxes, then clip_boxes_to_image to the
 * input size.  reg, anchors: 4 floats per box; out may equal reg. */
void mnv3_det_decode (const mnv3_det_config *cfg, const float *reg,
    const float *anchors, int n, float *out);

typedef struct {
  float x0, y0, x1, y1;
  float score;
  int label;                     /* class index, 1..num_classes-1 */
  int anchor;                    /* index of the default box it came from */
} mnv3_detection;

typedef struct {
  float score_threshold;         /* keep score > this (torchvision 0.001) */
  float iou_threshold;           /* suppress IoU > this (0.55) */
  int topk_per_class;            /* candidates per class before NMS (300) */
  int max_detections;            /* after NMS (300) */
  /* optional per-class thresholds (NULL: score_threshold for all);
   * num_classes floats, a class with threshold > 1 is never reported */
  const float *class_thresholds;
} mnv3_det_params;

mnv3_det_params mnv3_det_params_default (void);

typedef struct mnv3_detector mnv3_detector;

/* Plan for a config: anchors and decoded boxes are allocated here; a run
 * allocates only scratch proportional to its candidate count. */
mnv3_status mnv3_detector_create (const mnv3_det_config *cfg,
    mnv3_detector **out);
void mnv3_detector_free (mnv3_detector *d);
const float *mnv3_detector_anchors (const mnv3_detector *d);
int mnv3_detector_num_anchors (const mnv3_detector *d);

/* Decode, score, threshold, top-k, NMS.  Writes at most `cap` detections
 * to out (sorted by score) and returns their count, or -1 with the error set
 * (out of memory).  cls: [A][num_classes] logits, reg: [A][4]. */
int mnv3_detector_run (mnv3_detector *d, const float *cls, const float *reg,
    const mnv3_det_params *p, mnv3_detection *out, int cap);

/* Class-wise greedy NMS as torchvision's batched_nms: boxes are processed
 * in the given order (sort by score first), a box is dropped when its IoU
 * with a kept box of the same label is > iou.  keep[] gets the kept
 * indices in order; returns their count.  Boxes with zero area never
 * suppress nor get suppressed (torchvision's 0/0 is NaN). */
int mnv3_det_nms (const mnv3_detection *dets, int n, float iou, int *keep);

/* Network-input pixels -> frame pixels, for the rects the pre-processing
 * used (src: frame region sampled, dst: where it landed in the tensor).
 * Boxes are clipped to dst first (letterbox bars), then mapped linearly and
 * clipped to src.  A box that becomes empty gets zero width/height. */
void mnv3_det_map_to_frame (mnv3_detection *dets, int n, const mnv3_rect *src,
    const mnv3_rect *dst);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_DETECT_H */
