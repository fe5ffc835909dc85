/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SORT-style tracker: see track.h.
 */
#include "track.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Noise of the filters relative to the box size (the values DeepSORT
 * uses): position 1/20 of the size, velocity 1/160 a frame. */
#define STD_POS 0.05f
#define STD_VEL 0.00625f
/* cost of a pair that must not be matched (1 - IoU is at most 1) */
#define FORBIDDEN 1e6
/* the Hungarian method is O(n^2 m): above this many track x detection
 * pairs (a crowd of 256 x 256) matching is greedy, best IoU first, so a
 * frame with thousands of boxes costs milliseconds, not seconds */
#define MAX_OPTIMAL_PAIRS (256 * 256)
/* tracks at most: what is left over beyond starts none (bounds memory and
 * the cost matrix whatever a producer sends) */
#define MAX_TRACKS 2048

/* One coordinate: position and velocity, with their covariance
 * [[pp, pv], [pv, vv]]. */
typedef struct {
  float p, v;
  float pp, pv, vv;
} axis;

typedef struct {
  int id;
  axis a[4];                    /* centre x, centre y, width, height */
  int class_id;
  float score;
  int hits, misses;
  int matched;                  /* detection index this frame, or -1 */
} track;

struct mnv3_tracker {
  mnv3_tracker_params params;
  track *tracks;
  int n, cap;
  int next_id;
};

mnv3_tracker_params
mnv3_tracker_params_default (void)
{
  mnv3_tracker_params p = { 0.3f, 30, 3, 1 };
  return p;
}

mnv3_tracker *
mnv3_tracker_new (const mnv3_tracker_params * params)
{
  mnv3_tracker *t = calloc (1, sizeof *t);

  if (!t)
    return NULL;
  t->params = params ? *params : mnv3_tracker_params_default ();
  t->next_id = 1;
  return t;
}

void
mnv3_tracker_free (mnv3_tracker * t)
{
  if (!t)
    return;
  free (t->tracks);
  free (t);
}

void
mnv3_tracker_set_params (mnv3_tracker * t, const mnv3_tracker_params * p)
{
  t->params = *p;
}

void
mnv3_tracker_reset (mnv3_tracker * t)
{
  t->n = 0;
}

float
mnv3_box_iou (float ax, float ay, float aw, float ah, float bx, float by,
    float bw, float bh)
{
  float ix = fminf (ax + aw, bx + bw) - fmaxf (ax, bx);
  float iy = fminf (ay + ah, by + bh) - fmaxf (ay, by);
  float inter, uni;

  if (ix <= 0.0f || iy <= 0.0f)
    return 0.0f;
  inter = ix * iy;
  uni = aw * ah + bw * bh - inter;
  return uni > 0.0f ? inter / uni : 0.0f;
}

/* ---- Kalman filter, one coordinate ------------------------------------- */

static void
axis_init (axis * a, float z, float scale)
{
  float sp = 2.0f * STD_POS * scale, sv = 10.0f * STD_VEL * scale;

  a->p = z;
  a->v = 0.0f;
  a->pp = sp * sp;
  a->pv = 0.0f;
  a->vv = sv * sv;
}

/* x <- F x, P <- F P F' + Q with F = [[1, 1], [0, 1]] */
static void
axis_predict (axis * a, float scale)
{
  float qp = STD_POS * scale, qv = STD_VEL * scale;

  a->p += a->v;
  a->pp += 2.0f * a->pv + a->vv + qp * qp;
  a->pv += a->vv;
  a->vv += qv * qv;
}

/* measurement z of the position, noise (STD_POS * scale)^2 */
static void
axis_correct (axis * a, float z, float scale)
{
  float r = STD_POS * scale, s = a->pp + r * r;
  float k0 = a->pp / s, k1 = a->pv / s, y = z - a->p;

  a->p += k0 * y;
  a->v += k1 * y;
  a->vv -= k1 * a->pv;
  a->pv *= 1.0f - k0;
  a->pp *= 1.0f - k0;
}

static float
track_scale (const track * tr)
{
  return fmaxf (tr->a[3].p, 1.0f);      /* the height, as DeepSORT */
}

static void
track_box (const track * tr, float *x, float *y, float *w, float *h)
{
  *w = fmaxf (tr->a[2].p, 1.0f);
  *h = fmaxf (tr->a[3].p, 1.0f);
  *x = tr->a[0].p - *w / 2.0f;
  *y = tr->a[1].p - *h / 2.0f;
}

/* The box @dt frames from the filter's present (negative: in the past),
 * by its velocities. */
static void
track_box_at (const track * tr, float dt, float *x, float *y, float *w,
    float *h)
{
  *w = fmaxf (tr->a[2].p + tr->a[2].v * dt, 1.0f);
  *h = fmaxf (tr->a[3].p + tr->a[3].v * dt, 1.0f);
  *x = tr->a[0].p + tr->a[0].v * dt - *w / 2.0f;
  *y = tr->a[1].p + tr->a[1].v * dt - *h / 2.0f;
}

static void
track_predict (track * tr)
{
  float s = track_scale (tr);
  int k;

  for (k = 0; k < 4; k++)
    axis_predict (&tr->a[k], s);
  if (tr->a[2].p < 1.0f)
    tr->a[2].p = 1.0f;
  if (tr->a[3].p < 1.0f)
    tr->a[3].p = 1.0f;
}

/* A detection of the scene @lag frames ago: brought to the present by the
 * track's velocities, then used as a measurement. */
static void
track_correct (track * tr, const mnv3_track_box * d, float lag)
{
  float s = fmaxf (d->h, 1.0f);
  const float z[4] = { d->x + d->w / 2.0f, d->y + d->h / 2.0f, d->w, d->h };
  int k;

  for (k = 0; k < 4; k++)
    axis_correct (&tr->a[k], z[k] + tr->a[k].v * lag, s);
}

/* ---- assignment ---------------------------------------------------------- */

/* Hungarian method with row/column potentials (shortest augmenting paths),
 * O(n^2 m) for n <= m; a wider than tall matrix is solved transposed. */
int
mnv3_assign_min_cost (const double *cost, int rows, int cols, int *assign)
{
  int transpose = rows > cols;
  int n = transpose ? cols : rows, m = transpose ? rows : cols;
  double *u, *v, *minv;
  int *p, *way, i, j, r;
  char *used;
  int ok;

  for (r = 0; r < rows; r++)
    assign[r] = -1;
  if (n == 0)
    return 0;
  u = calloc ((size_t) n + 1, sizeof *u);
  v = calloc ((size_t) m + 1, sizeof *v);
  minv = calloc ((size_t) m + 1, sizeof *minv);
  p = calloc ((size_t) m + 1, sizeof *p);
  way = calloc ((size_t) m + 1, sizeof *way);
  used = calloc ((size_t) m + 1, 1);
  ok = u && v && minv && p && way && used;
  for (i = 1; ok && i <= n; i++) {
    int j0 = 0, j1;

    p[0] = i;
    for (j = 0; j <= m; j++) {
      minv[j] = DBL_MAX;
      used[j] = 0;
    }
    do {
      int i0 = p[j0];
      double delta = DBL_MAX;

      used[j0] = 1;
      j1 = 0;
      for (j = 1; j <= m; j++) {
        double c, cur;

        if (used[j])
          continue;
        c = transpose ? cost[(size_t) (j - 1) * cols + (i0 - 1)]
            : cost[(size_t) (i0 - 1) * cols + (j - 1)];
        cur = c - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (j = 1; ok && j <= m; j++) {
    if (!p[j])
      continue;
    if (transpose)
      assign[j - 1] = p[j] - 1;
    else
      assign[p[j] - 1] = j - 1;
  }
  free (u);
  free (v);
  free (minv);
  free (p);
  free (way);
  free (used);
  return ok ? 0 : -1;
}

/* ---- tracking ------------------------------------------------------------ */

static int
box_valid (const mnv3_track_box * d)
{
  return isfinite (d->x) && isfinite (d->y) && isfinite (d->w)
      && isfinite (d->h) && d->w > 0.0f && d->h > 0.0f;
}

static int
tracker_reserve (mnv3_tracker * t, int extra)
{
  if (t->n + extra > t->cap) {
    int cap = (t->n + extra) * 2;
    track *nt = realloc (t->tracks, (size_t) cap * sizeof *nt);

    if (!nt)
      return -1;
    t->tracks = nt;
    t->cap = cap;
  }
  return 0;
}

typedef struct {
  double cost;
  int row, col;
} pair;

static int
pair_cmp (const void *a, const void *b)
{
  const pair *x = a, *y = b;

  return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* Lowest-cost pairs first, each row and column used once; only allowed
 * pairs (cost < FORBIDDEN) are considered. */
static int
assign_greedy (const double *cost, int rows, int cols, int *assign)
{
  size_t np = 0, i;
  pair *pairs;
  char *col_used;
  int r, c;

  for (r = 0; r < rows; r++)
    assign[r] = -1;
  for (i = 0; i < (size_t) rows * cols; i++)
    np += cost[i] < FORBIDDEN;
  pairs = malloc ((np + 1) * sizeof *pairs);
  col_used = calloc ((size_t) cols + 1, 1);
  if (!pairs || !col_used) {
    free (pairs);
    free (col_used);
    return -1;
  }
  np = 0;
  for (r = 0; r < rows; r++)
    for (c = 0; c < cols; c++)
      if (cost[(size_t) r * cols + c] < FORBIDDEN)
        pairs[np++] = (pair) { cost[(size_t) r * cols + c], r, c };
  qsort (pairs, np, sizeof *pairs, pair_cmp);
  for (i = 0; i < np; i++) {
    if (assign[pairs[i].row] >= 0 || col_used[pairs[i].col])
      continue;
    assign[pairs[i].row] = pairs[i].col;
    col_used[pairs[i].col] = 1;
  }
  free (pairs);
  free (col_used);
  return 0;
}

/* Match tracks to detections: tr->matched gets the detection index. */
static int
tracker_match (mnv3_tracker * t, const mnv3_track_box * dets, int n,
    const int *valid, float lag)
{
  double *cost;
  int *assign, i, j, ret;

  for (i = 0; i < t->n; i++)
    t->tracks[i].matched = -1;
  if (t->n == 0 || n == 0)
    return 0;
  cost = malloc ((size_t) t->n * n * sizeof *cost);
  assign = malloc ((size_t) t->n * sizeof *assign);
  if (!cost || !assign) {
    free (cost);
    free (assign);
    return -1;
  }
  for (i = 0; i < t->n; i++) {
    const track *tr = &t->tracks[i];
    float x, y, w, h;

    /* where the track was when the detections' frame was taken */
    track_box_at (tr, -lag, &x, &y, &w, &h);
    for (j = 0; j < n; j++) {
      const mnv3_track_box *d = &dets[j];
      float iou;

      if (!valid[j] || (t->params.class_aware && d->class_id != tr->class_id)) {
        cost[(size_t) i * n + j] = FORBIDDEN;
        continue;
      }
      iou = mnv3_box_iou (x, y, w, h, d->x, d->y, d->w, d->h);
      cost[(size_t) i * n + j] = iou >= t->params.iou_threshold && iou > 0.0f
          ? 1.0 - iou : FORBIDDEN;
    }
  }
  if ((size_t) t->n * n <= MAX_OPTIMAL_PAIRS)
    ret = mnv3_assign_min_cost (cost, t->n, n, assign);
  else
    ret = assign_greedy (cost, t->n, n, assign);
  for (i = 0; ret == 0 && i < t->n; i++)
    if (assign[i] >= 0 && cost[(size_t) i * n + assign[i]] < FORBIDDEN)
      t->tracks[i].matched = assign[i];
  free (cost);
  free (assign);
  return ret;
}

/* Drop tracks that are over: tentative with a miss, confirmed lost for
 * longer than max_age, or predicted out of the frame. */
static void
tracker_prune (mnv3_tracker * t, float fw, float fh)
{
  int i, k = 0;

  for (i = 0; i < t->n; i++) {
    track *tr = &t->tracks[i];
    float x, y, w, h;
    int keep;

    track_box (tr, &x, &y, &w, &h);
    keep = tr->misses == 0 || (tr->hits >= t->params.min_hits
        && tr->misses <= t->params.max_age);
    if (fw > 0.0f && fh > 0.0f && (x >= fw || y >= fh || x + w <= 0.0f
            || y + h <= 0.0f))
      keep = 0;
    if (keep)
      t->tracks[k++] = *tr;
  }
  t->n = k;
}

int
mnv3_tracker_report (const mnv3_tracker * t, float fw, float fh,
    mnv3_track_result * out, int max_out)
{
  int i, count = 0;

  for (i = 0; i < t->n; i++) {
    const track *tr = &t->tracks[i];
    mnv3_track_result *r;
    float x, y, w, h, x1, y1;

    if (tr->hits < t->params.min_hits)
      continue;
    if (count < max_out && out) {
      r = &out[count];
      track_box (tr, &x, &y, &w, &h);
      x1 = x + w;
      y1 = y + h;
      if (fw > 0.0f && fh > 0.0f) {
        x = fminf (fmaxf (x, 0.0f), fw);
        y = fminf (fmaxf (y, 0.0f), fh);
        x1 = fminf (fmaxf (x1, x), fw);
        y1 = fminf (fmaxf (y1, y), fh);
      }
      r->id = tr->id;
      r->x = x;
      r->y = y;
      r->w = x1 - x;
      r->h = y1 - y;
      r->class_id = tr->class_id;
      r->score = tr->score;
      r->predicted = tr->matched < 0;
      r->detection = tr->matched;
      r->hits = tr->hits;
      r->misses = tr->misses;
    }
    count++;
  }
  return count;
}

int
mnv3_tracker_update (mnv3_tracker * t, const mnv3_track_box * dets, int n,
    float fw, float fh, mnv3_track_result * out, int max_out)
{
  return mnv3_tracker_update_lagged (t, dets, n, 0.0f, fw, fh, out, max_out);
}

int
mnv3_tracker_update_lagged (mnv3_tracker * t, const mnv3_track_box * dets,
    int n, float lag, float fw, float fh, mnv3_track_result * out,
    int max_out)
{
  int *valid, *taken, i, j;

  if (n < 0 || (n > 0 && !dets))
    return -1;
  if (!isfinite (lag) || lag < 0.0f)
    lag = 0.0f;
  lag = fminf (lag, 100.0f);
  valid = calloc ((size_t) n + 1, sizeof *valid);
  taken = calloc ((size_t) n + 1, sizeof *taken);
  if (!valid || !taken || tracker_reserve (t, n) != 0) {
    free (valid);
    free (taken);
    return -1;
  }
  for (j = 0; j < n; j++)
    valid[j] = box_valid (&dets[j]);
  for (i = 0; i < t->n; i++)
    track_predict (&t->tracks[i]);
  if (tracker_match (t, dets, n, valid, lag) != 0) {
    free (valid);
    free (taken);
    return -1;
  }
  for (i = 0; i < t->n; i++) {
    track *tr = &t->tracks[i];

    if (tr->matched < 0) {
      tr->misses++;
      continue;
    }
    track_correct (tr, &dets[tr->matched], lag);
    tr->score = dets[tr->matched].score;
    tr->hits++;
    tr->misses = 0;
    taken[tr->matched] = 1;
  }
  tracker_prune (t, fw, fh);
  /* what is left starts tentative tracks */
  for (j = 0; j < n; j++) {
    track *tr;
    const mnv3_track_box *d = &dets[j];

    if (!valid[j] || taken[j] || t->n >= MAX_TRACKS)
      continue;
    tr = &t->tracks[t->n++];
    memset (tr, 0, sizeof *tr);
    tr->id = t->next_id++;
    axis_init (&tr->a[0], d->x + d->w / 2.0f, d->h);
    axis_init (&tr->a[1], d->y + d->h / 2.0f, d->h);
    axis_init (&tr->a[2], d->w, d->h);
    axis_init (&tr->a[3], d->h, d->h);
    tr->class_id = d->class_id;
    tr->score = d->score;
    tr->hits = 1;
    tr->matched = j;
  }
  free (valid);
  free (taken);
  return mnv3_tracker_report (t, fw, fh, out, max_out);
}

int
mnv3_tracker_predict (mnv3_tracker * t, float fw, float fh,
    mnv3_track_result * out, int max_out)
{
  int i;

  for (i = 0; i < t->n; i++) {
    track_predict (&t->tracks[i]);
    t->tracks[i].matched = -1;
  }
  /* no detector ran: not a miss, but what left the frame is over */
  tracker_prune (t, fw, fh);
  return mnv3_tracker_report (t, fw, fh, out, max_out);
}
