/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SSD post-processing (see detect.h for the contract).  The float32
 * arithmetic follows torchvision's order of operations where the result is
 * compared bit for bit (anchors) and closely elsewhere.
 */
#include "detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* ---- configuration ---------------------------------------------------- */

static int
ceil_div (int a, int b)
{
  return (a + b - 1) / b;
}

void
mnv3_det_config_ssdlite (mnv3_det_config *cfg, int h, int w)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->num_maps = 6;
  for (int k = 0; k < 6; k++) {
    cfg->num_ratios[k] = 2;
    cfg->ratios[k][0] = 2.f;
    cfg->ratios[k][1] = 3.f;
    cfg->map_h[k] = ceil_div (h, 16 << k);
    cfg->map_w[k] = ceil_div (w, 16 << k);
  }
  cfg->min_ratio = 0.2;
  cfg->max_ratio = 0.95;
  cfg->clip = 1;
  cfg->weights[0] = cfg->weights[1] = 10.f;
  cfg->weights[2] = cfg->weights[3] = 5.f;
  cfg->num_classes = 91;
  cfg->input_h = h;
  cfg->input_w = w;
}

static const char *
meta (const mnv3_model *m, const char *key, mnv3_status *s)
{
  const char *v = mnv3_model_metadata (m, key);

  if (!v && *s == MNV3_OK)
    *s = mnv3_set_error (MNV3_ERR_FORMAT,
        "detection model: metadata '%s' is missing", key);
  return v;
}

/* "A x B" -> two positive ints; returns chars consumed or 0. */
static int
parse_size (const char *s, int *a, int *b)
{
  int n = 0;

  if (sscanf (s, "%dx%d%n", a, b, &n) != 2 || *a < 1 || *b < 1
      || *a > 65536 || *b > 65536)
    return 0;
  return n;
}

static mnv3_status
parse_maps (mnv3_det_config *cfg, const char *sizes, const char *ratios)
{
  const char *p = sizes, *r = ratios;
  int k = 0;

  while (*p) {
    int n;
    if (k >= MNV3_DET_MAX_MAPS || !(n = parse_size (p, &cfg->map_h[k],
                &cfg->map_w[k])))
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "detection model: bad feature_map_sizes '%.60s'", sizes);
    p += n;
    if (*p == ';')
      p++;
    k++;
  }
  cfg->num_maps = k;
  for (int j = 0; j < k; j++) {
    int nr = 0;
    while (*r && *r != ';') {
      char *end;
      double v = strtod (r, &end);
      if (end == r || !(v > 0.0 && v < 100.0) || nr >= MNV3_DET_MAX_RATIOS)
        return mnv3_set_error (MNV3_ERR_FORMAT,
            "detection model: bad anchor_aspect_ratios '%.60s'", ratios);
      cfg->ratios[j][nr++] = (float) v;
      r = end;
      if (*r == ',')
        r++;
    }
    cfg->num_ratios[j] = nr;
    if (*r == ';')
      r++;
    else if (j + 1 < k)
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "detection model: anchor_aspect_ratios has fewer groups than the "
          "%d feature maps", k);
  }
  if (k < 1 || *r)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "detection model: feature maps and aspect-ratio groups disagree");
  return MNV3_OK;
}

mnv3_status
mnv3_det_config_from_model (const mnv3_model *m, mnv3_det_config *cfg)
{
  mnv3_status s = MNV3_OK;
  const char *task, *sizes, *ratios, *mn, *mx, *wts, *insz, *clip, *ncls;
  char *end;

  if (!m || !cfg)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "detect: NULL argument");
  memset (cfg, 0, sizeof *cfg);
  task = mnv3_model_metadata (m, "task");
  if (!task || strcmp (task, "detection") != 0)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG,
        "not a detection model (task is '%s'; expected 'detection', as "
        "models/export_torchvision.py --task detection writes)",
        task ? task : "not stated");
  sizes = meta (m, "feature_map_sizes", &s);
  ratios = meta (m, "anchor_aspect_ratios", &s);
  mn = meta (m, "anchor_min_ratio", &s);
  mx = meta (m, "anchor_max_ratio", &s);
  wts = meta (m, "box_coder_weights", &s);
  insz = meta (m, "input_size", &s);
  if (s != MNV3_OK)
    return s;
  if ((s = parse_maps (cfg, sizes, ratios)) != MNV3_OK)
    return s;
  cfg->min_ratio = strtod (mn, &end);
  if (end == mn || *end)
    return mnv3_set_error (MNV3_ERR_FORMAT, "detection model: bad min ratio");
  cfg->max_ratio = strtod (mx, &end);
  if (end == mx || *end || !(cfg->max_ratio > 0 && cfg->max_ratio <= 1.0
          && cfg->min_ratio > 0 && cfg->min_ratio <= cfg->max_ratio))
    return mnv3_set_error (MNV3_ERR_FORMAT, "detection model: bad max ratio");
  if (sscanf (wts, "%f,%f,%f,%f", &cfg->weights[0], &cfg->weights[1],
          &cfg->weights[2], &cfg->weights[3]) != 4)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "detection model: bad box_coder_weights '%.40s'", wts);
  for (int k = 0; k < 4; k++)
    if (!(cfg->weights[k] > 0.f && cfg->weights[k] < 1e6f))
      return mnv3_set_error (MNV3_ERR_FORMAT,
          "detection model: box coder weight %g", (double) cfg->weights[k]);
  if (!parse_size (insz, &cfg->input_h, &cfg->input_w))
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "detection model: bad input_size '%.40s'", insz);
  clip = mnv3_model_metadata (m, "anchor_clip");
  cfg->clip = clip ? atoi (clip) != 0 : 1;
  ncls = mnv3_model_metadata (m, "num_classes");
  cfg->num_classes = ncls ? atoi (ncls) : 0;
  if (mnv3_model_num_outputs (m) >= 1) {
    mnv3_tensor_info info;
    if (mnv3_model_output_info (m, 0, &info) == MNV3_OK && info.rank == 3)
      cfg->num_classes = (int) info.dims[2];
  }
  if (cfg->num_classes < 2 || cfg->num_classes > 100000)
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "detection model: %d classes", cfg->num_classes);
  return MNV3_OK;
}

mnv3_status
mnv3_det_config_resize (mnv3_det_config *cfg, int h, int w)
{
  int sh = 1, sw = 1;

  if (h < 1 || w < 1 || cfg->num_maps < 1)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "detect: bad size %dx%d",
        h, w);
  /* stride of the first map at the size the metadata describes */
  while (sh < 4096 && ceil_div (cfg->input_h, sh) > cfg->map_h[0])
    sh *= 2;
  while (sw < 4096 && ceil_div (cfg->input_w, sw) > cfg->map_w[0])
    sw *= 2;
  if (ceil_div (cfg->input_h, sh) != cfg->map_h[0]
      || ceil_div (cfg->input_w, sw) != cfg->map_w[0])
    return mnv3_set_error (MNV3_ERR_FORMAT,
        "detect: first feature map %dx%d is no power-of-two stride of "
        "%dx%d", cfg->map_h[0], cfg->map_w[0], cfg->input_h, cfg->input_w);
  cfg->map_h[0] = ceil_div (h, sh);
  cfg->map_w[0] = ceil_div (w, sw);
  for (int k = 1; k < cfg->num_maps; k++) {
    cfg->map_h[k] = ceil_div (cfg->map_h[k - 1], 2);
    cfg->map_w[k] = ceil_div (cfg->map_w[k - 1], 2);
  }
  cfg->input_h = h;
  cfg->input_w = w;
  return MNV3_OK;
}

/* ---- anchors ---------------------------------------------------------- */

static int
anchors_per_location (const mnv3_det_config *cfg, int k)
{
  return 2 + 2 * cfg->num_ratios[k];
}

int
mnv3_det_num_anchors (const mnv3_det_config *cfg)
{
  int total = 0;

  for (int k = 0; k < cfg->num_maps; k++)
    total += cfg->map_h[k] * cfg->map_w[k] * anchors_per_location (cfg, k);
  return total;
}

/* scales[k] as DefaultBoxGenerator (python doubles), k = 0..num_maps */
static double
anchor_scale (const mnv3_det_config *cfg, int k)
{
  int n = cfg->num_maps;

  if (n == 1)
    return k == 0 ? cfg->min_ratio : cfg->max_ratio;
  if (k >= n)
    return 1.0;
  return cfg->min_ratio + (cfg->max_ratio - cfg->min_ratio) * k / (n - 1.0);
}

/* The (w, h) pairs of map k, rounded to float32 and clipped as torch. */
static int
anchor_wh (const mnv3_det_config *cfg, int k, float *wh)
{
  double s = anchor_scale (cfg, k), s1 = anchor_scale (cfg, k + 1);
  double sp = sqrt (s * s1);
  int n = 0;

  wh[n++] = (float) s;
  wh[n++] = (float) s;
  wh[n++] = (float) sp;
  wh[n++] = (float) sp;
  for (int r = 0; r < cfg->num_ratios[k]; r++) {
    double q = sqrt ((double) cfg->ratios[k][r]);
    float a = (float) (s * q), b = (float) (s / q);
    wh[n++] = a;
    wh[n++] = b;
    wh[n++] = b;
    wh[n++] = a;
  }
  if (cfg->clip)
    for (int i = 0; i < n; i++)
      wh[i] = wh[i] < 0.f ? 0.f : (wh[i] > 1.f ? 1.f : wh[i]);
  return n / 2;
}

void
mnv3_det_anchors (const mnv3_det_config *cfg, float *out)
{
  const float W = (float) cfg->input_w, H = (float) cfg->input_h;

  for (int k = 0; k < cfg->num_maps; k++) {
    float wh[2 * (2 + 2 * MNV3_DET_MAX_RATIOS)];
    int na = anchor_wh (cfg, k, wh);
    for (int y = 0; y < cfg->map_h[k]; y++) {
      /* torch: ((arange + 0.5) / f_k) in float32 */
      volatile float cy = ((float) y + 0.5f) / (float) cfg->map_h[k];
      for (int x = 0; x < cfg->map_w[k]; x++) {
        volatile float cx = ((float) x + 0.5f) / (float) cfg->map_w[k];
        for (int a = 0; a < na; a++) {
          /* volatile keeps these two roundings apart (no FMA contraction) */
          volatile float hw = 0.5f * wh[2 * a], hh = 0.5f * wh[2 * a + 1];
          out[0] = (cx - hw) * W;
          out[1] = (cy - hh) * H;
          out[2] = (cx + hw) * W;
          out[3] = (cy + hh) * H;
          out += 4;
        }
      }
    }
  }
}

/* ---- decoding --------------------------------------------------------- */

void
mnv3_det_decode (const mnv3_det_config *cfg, const float *reg,
    const float *anchors, int n, float *out)
{
  const float clip = (float) log (1000.0 / 16.0);
  const float W = (float) cfg->input_w, H = (float) cfg->input_h;
  const float wx = cfg->weights[0], wy = cfg->weights[1];
  const float ww = cfg->weights[2], wh = cfg->weights[3];

  for (int i = 0; i < n; i++) {
    const float *a = anchors + 4 * i, *r = reg + 4 * i;
    float aw = a[2] - a[0], ah = a[3] - a[1];
    float cx = a[0] + 0.5f * aw, cy = a[1] + 0.5f * ah;
    float dx = r[0] / wx, dy = r[1] / wy, dw = r[2] / ww, dh = r[3] / wh;
    float pcx, pcy, pw, ph, b[4];

    dw = dw > clip ? clip : dw;      /* torch.clamp(max=): NaN stays NaN */
    dh = dh > clip ? clip : dh;
    pcx = dx * aw + cx;
    pcy = dy * ah + cy;
    pw = expf (dw) * aw;
    ph = expf (dh) * ah;
    b[0] = pcx - 0.5f * pw;
    b[1] = pcy - 0.5f * ph;
    b[2] = pcx + 0.5f * pw;
    b[3] = pcy + 0.5f * ph;
    /* clip_boxes_to_image: clamp(min=0, max=size) */
    for (int k = 0; k < 4; k++) {
      float lim = (k & 1) ? H : W;
      out[4 * i + k] = b[k] < 0.f ? 0.f : (b[k] > lim ? lim : b[k]);
    }
  }
}

/* ---- NMS -------------------------------------------------------------- */

static float
box_area (const mnv3_detection *d)
{
  return (d->x1 - d->x0) * (d->y1 - d->y0);
}

/* torchvision's nms_kernel IoU; 0 where it would be 0/0. */
static float
box_iou (const mnv3_detection *a, float area_a, const mnv3_detection *b,
    float area_b)
{
  float xx0 = fmaxf (a->x0, b->x0), yy0 = fmaxf (a->y0, b->y0);
  float xx1 = fminf (a->x1, b->x1), yy1 = fminf (a->y1, b->y1);
  float w = fmaxf (0.f, xx1 - xx0), h = fmaxf (0.f, yy1 - yy0);
  float inter = w * h, uni = area_a + area_b - inter;

  return uni > 0.f ? inter / uni : 0.f;
}

int
mnv3_det_nms (const mnv3_detection *dets, int n, float iou, int *keep)
{
  int nk = 0;

  /* keep[] doubles as the list of kept boxes; checking each box against
   * the kept ones of its label is the same greedy result as suppressing
   * forward from each kept box */
  for (int i = 0; i < n; i++) {
    const mnv3_detection *d = &dets[i];
    float ai = box_area (d);
    int ok = 1;
    for (int j = 0; j < nk && ok; j++) {
      const mnv3_detection *k = &dets[keep[j]];
      if (k->label == d->label && box_iou (k, box_area (k), d, ai) > iou)
        ok = 0;
    }
    if (ok)
      keep[nk++] = i;
  }
  return nk;
}

/* ---- the detector ----------------------------------------------------- */

struct mnv3_detector {
  mnv3_det_config cfg;
  int num_anchors;
  float *anchors;          /* [A][4] */
  float *boxes;            /* decoded [A][4] */
  float *scores;           /* one anchor's softmax */
  /* candidates of all classes; cap grows on demand */
  mnv3_detection *cand;
  int *order, *keep;
  int cap;
};

mnv3_status
mnv3_detector_create (const mnv3_det_config *cfg, mnv3_detector **out)
{
  mnv3_detector *d;
  int64_t na;

  *out = NULL;
  if (!cfg || cfg->num_maps < 1 || cfg->num_maps > MNV3_DET_MAX_MAPS
      || cfg->num_classes < 2)
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "detect: bad config");
  na = mnv3_det_num_anchors (cfg);
  if (na < 1 || na > (1 << 22))
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "detect: %lld anchors",
        (long long) na);
  d = calloc (1, sizeof *d);
  if (!d)
    return mnv3_set_error (MNV3_ERR_NOMEM, "detect: out of memory");
  d->cfg = *cfg;
  d->num_anchors = (int) na;
  d->anchors = malloc ((size_t) na * 4 * sizeof (float));
  d->boxes = malloc ((size_t) na * 4 * sizeof (float));
  d->scores = malloc ((size_t) cfg->num_classes * sizeof (float));
  if (!d->anchors || !d->boxes || !d->scores) {
    mnv3_detector_free (d);
    return mnv3_set_error (MNV3_ERR_NOMEM, "detect: out of memory");
  }
  mnv3_det_anchors (cfg, d->anchors);
  *out = d;
  return MNV3_OK;
}

void
mnv3_detector_free (mnv3_detector *d)
{
  if (!d)
    return;
  free (d->anchors);
  free (d->boxes);
  free (d->scores);
  free (d->cand);
  free (d->order);
  free (d->keep);
  free (d);
}

const float *
mnv3_detector_anchors (const mnv3_detector *d)
{
  return d->anchors;
}

int
mnv3_detector_num_anchors (const mnv3_detector *d)
{
  return d->num_anchors;
}

mnv3_det_params
mnv3_det_params_default (void)
{
  mnv3_det_params p;

  memset (&p, 0, sizeof p);
  p.score_threshold = 0.5f;
  p.iou_threshold = 0.55f;
  p.topk_per_class = 300;
  p.max_detections = 300;
  return p;
}

static int
grow (mnv3_detector *d, int need)
{
  int cap = d->cap ? d->cap : 1024;
  mnv3_detection *c;
  int *o, *k;

  if (need <= d->cap)
    return 1;
  while (cap < need)
    cap *= 2;
  c = realloc (d->cand, (size_t) cap * sizeof *c);
  if (c)
    d->cand = c;
  o = realloc (d->order, (size_t) cap * sizeof *o);
  if (o)
    d->order = o;
  k = realloc (d->keep, (size_t) cap * sizeof *k);
  if (k)
    d->keep = k;
  if (!c || !o || !k)
    return 0;
  d->cap = cap;
  return 1;
}

/* score desc, then label, then anchor: torchvision's order for distinct
 * scores, and a deterministic one for ties */
static int
cmp_cand (const void *pa, const void *pb)
{
  const mnv3_detection *a = pa, *b = pb;

  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  if (a->label != b->label)
    return a->label < b->label ? -1 : 1;
  return (a->anchor > b->anchor) - (a->anchor < b->anchor);
}

/* Greedy NMS of one class: idx[0..n) in score order; sets flag[idx] for
 * the kept ones.  kept: scratch of n ints. */
static void
nms_class (const mnv3_detection *c, const int *idx, int n, float iou,
    int *kept, float *area, unsigned char *flag)
{
  int nk = 0;

  for (int i = 0; i < n; i++)
    area[i] = box_area (&c[idx[i]]);
  for (int i = 0; i < n; i++) {
    const mnv3_detection *d = &c[idx[i]];
    int ok = 1;
    for (int j = 0; j < nk && ok; j++)
      ok = !(box_iou (&c[idx[kept[j]]], area[kept[j]], d, area[i]) > iou);
    if (ok) {
      kept[nk++] = i;
      flag[idx[i]] = 1;
    }
  }
}

/* Candidates of one anchor whose score passes its threshold. */
static int
anchor_candidates (mnv3_detector *d, int a, const float *l,
    const mnv3_det_params *p, int n)
{
  const int nc = d->cfg.num_classes;
  float m = l[0], sum = 0.f;

  for (int c = 1; c < nc; c++)
    m = l[c] > m ? l[c] : m;
  for (int c = 0; c < nc; c++)
    sum += (d->scores[c] = expf (l[c] - m));
  for (int c = 1; c < nc; c++) {
    float s = d->scores[c] / sum;
    float t = p->class_thresholds ? p->class_thresholds[c]
        : p->score_threshold;
    mnv3_detection *e;
    if (!(s > t))
      continue;
    if (!grow (d, n + 1))
      return -1;
    e = &d->cand[n++];
    e->x0 = d->boxes[4 * a];
    e->y0 = d->boxes[4 * a + 1];
    e->x1 = d->boxes[4 * a + 2];
    e->y1 = d->boxes[4 * a + 3];
    e->score = s;
    e->label = c;
    e->anchor = a;
  }
  return n;
}

int
mnv3_detector_run (mnv3_detector *d, const float *cls, const float *reg,
    const mnv3_det_params *p, mnv3_detection *out, int cap)
{
  const int na = d->num_anchors, nc = d->cfg.num_classes;
  int n = 0, w = 0, *start = NULL, *count = NULL, *kept = NULL;
  float *area = NULL;
  unsigned char *flag = NULL;

  if (!cls || !reg || !p || (!out && cap > 0))
    return mnv3_set_error (MNV3_ERR_INVALID_ARG, "detect: NULL argument"),
        -1;
  mnv3_det_decode (&d->cfg, reg, d->anchors, na, d->boxes);
  for (int a = 0; a < na && n >= 0; a++)
    n = anchor_candidates (d, a, cls + (size_t) a * nc, p, n);
  if (n <= 0)
    return n < 0 ? (mnv3_set_error (MNV3_ERR_NOMEM, "detect: out of memory"),
        -1) : 0;
  qsort (d->cand, (size_t) n, sizeof *d->cand, cmp_cand);
  start = calloc ((size_t) nc + 1, sizeof *start);
  count = calloc ((size_t) nc, sizeof *count);
  kept = malloc ((size_t) n * sizeof *kept);
  area = malloc ((size_t) n * sizeof *area);
  flag = calloc ((size_t) n, 1);
  if (!start || !count || !kept || !area || !flag) {
    n = -1;
    goto done;
  }
  /* top-k per class, then group by class (each group in score order) */
  {
    int m = 0;
    for (int i = 0; i < n; i++)
      if (p->topk_per_class <= 0
          || count[d->cand[i].label] < p->topk_per_class) {
        count[d->cand[i].label]++;
        d->cand[m++] = d->cand[i];
      }
    n = m;
  }
  for (int c = 0; c < nc; c++)
    start[c + 1] = start[c] + count[c];
  memset (count, 0, (size_t) nc * sizeof *count);
  for (int i = 0; i < n; i++) {
    int c = d->cand[i].label;
    d->order[start[c] + count[c]++] = i;
  }
  for (int c = 1; c < nc; c++)
    nms_class (d->cand, d->order + start[c], start[c + 1] - start[c],
        p->iou_threshold, kept, area, flag);
  for (int i = 0; i < n && w < cap; i++)
    if (flag[i] && (p->max_detections <= 0 || w < p->max_detections))
      out[w++] = d->cand[i];
done:
  free (start);
  free (count);
  free (kept);
  free (area);
  free (flag);
  if (n < 0)
    return mnv3_set_error (MNV3_ERR_NOMEM, "detect: out of memory"), -1;
  return w;
}

/* ---- frame mapping ---------------------------------------------------- */

static float
clampf (float v, float lo, float hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

void
mnv3_det_map_to_frame (mnv3_detection *dets, int n, const mnv3_rect *src,
    const mnv3_rect *dst)
{
  float sx = (float) src->width / (float) dst->width;
  float sy = (float) src->height / (float) dst->height;
  float dx0 = (float) dst->x, dy0 = (float) dst->y;
  float dx1 = dx0 + (float) dst->width, dy1 = dy0 + (float) dst->height;
  float fx0 = (float) src->x, fy0 = (float) src->y;
  float fx1 = fx0 + (float) src->width, fy1 = fy0 + (float) src->height;

  for (int i = 0; i < n; i++) {
    mnv3_detection *d = &dets[i];
    d->x0 = clampf (fx0 + (clampf (d->x0, dx0, dx1) - dx0) * sx, fx0, fx1);
    d->x1 = clampf (fx0 + (clampf (d->x1, dx0, dx1) - dx0) * sx, fx0, fx1);
    d->y0 = clampf (fy0 + (clampf (d->y0, dy0, dy1) - dy0) * sy, fy0, fy1);
    d->y1 = clampf (fy0 + (clampf (d->y1, dy0, dy1) - dy0) * sy, fy0, fy1);
    if (d->x1 < d->x0)
      d->x1 = d->x0;
    if (d->y1 < d->y0)
      d->y1 = d->y0;
  }
}
