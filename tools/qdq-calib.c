/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-calib.c: activation statistics and range selection (qdq-calib.h).
 */
#include "qdq-calib.h"

#include <math.h>
#include <string.h>

#define N MNV3_CALIB_BINS

void
mnv3_calib_init (mnv3_calib *c)
{
  memset (c, 0, sizeof *c);
  c->min = INFINITY;
  c->max = -INFINITY;
}

/* Doubles the half-range: old bin i lands in new bin (N/2 + i) / 2. */
static void
widen (mnv3_calib *c)
{
  uint64_t h[N] = { 0 };

  for (int i = 0; i < N; i++)
    h[(N / 2 + i) / 2] += c->hist[i];
  memcpy (c->hist, h, sizeof h);
  c->r *= 2;
}

void
mnv3_calib_add (mnv3_calib *c, const float *x, size_t n)
{
  double amax = 0, scale;

  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    if (!isfinite (v))
      continue;
    if (v < c->min)
      c->min = v;
    if (v > c->max)
      c->max = v;
    if (fabs (v) > amax)
      amax = fabs (v);
  }
  if (c->r == 0) {
    if (amax == 0 && c->count == 0) {
      /* all zeros so far: any range holds them; 1 keeps bins finite */
      c->r = 1e-6;
    } else {
      c->r = amax > 0 ? amax : 1e-6;
    }
  }
  while (amax > c->r)
    widen (c);
  scale = N / (2 * c->r);
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    int b;
    if (!isfinite (v))
      continue;
    b = (int) ((v + c->r) * scale);
    b = b < 0 ? 0 : b >= N ? N - 1 : b;
    c->hist[b]++;
    c->count++;
  }
}

static double
bin_lo (const mnv3_calib *c, int i)
{
  return -c->r + 2 * c->r * i / N;
}

/* Squared error of quantizing the histogram to [lo, hi] with qlevels
 * levels (asymmetric, zero exact). */
static double
quant_error (const mnv3_calib *c, const int *nz, int n_nz, double lo,
    double hi, int qlevels)
{
  double s = (hi - lo) / (qlevels - 1), zp, e = 0;

  if (s <= 0)
    return INFINITY;
  zp = nearbyint (-lo / s);
  for (int k = 0; k < n_nz; k++) {
    int i = nz[k];
    double x = bin_lo (c, i) + c->r / N, q, d;
    if (x < c->min)
      x = c->min;
    if (x > c->max)
      x = c->max;
    q = nearbyint (x / s) + zp;
    q = q < 0 ? 0 : q > qlevels - 1 ? qlevels - 1 : q;
    d = x - (q - zp) * s;
    e += (double) c->hist[i] * d * d;
  }
  return e;
}

void
mnv3_calib_range (const mnv3_calib *c, mnv3_calib_method method,
    double percentile, int qlevels, float *lo, float *hi)
{
  double l, h;

  if (c->count == 0) {
    *lo = *hi = 0;
    return;
  }
  l = c->min < 0 ? c->min : 0;
  h = c->max > 0 ? c->max : 0;
  if (method == MNV3_CALIB_PERCENTILE) {
    double p = percentile / 100.0;
    double tail = (1 - p) * (double) c->count;
    uint64_t cum = 0;
    int i;
    /* lowest bin edge with more than `tail` values below it */
    for (i = 0; i < N; i++) {
      if ((double) (cum + c->hist[i]) > tail)
        break;
      cum += c->hist[i];
    }
    if (bin_lo (c, i) > l)
      l = bin_lo (c, i);
    cum = 0;
    for (i = N - 1; i >= 0; i--) {
      if ((double) (cum + c->hist[i]) > tail)
        break;
      cum += c->hist[i];
    }
    if (bin_lo (c, i + 1) < h)
      h = bin_lo (c, i + 1);
    if (l > 0)
      l = 0;
    if (h < 0)
      h = 0;
  } else if (method == MNV3_CALIB_MSE) {
    int nz[N], n_nz = 0;
    double bl = l, bh = h;
    for (int i = 0; i < N; i++)
      if (c->hist[i])
        nz[n_nz++] = i;
    /* Coordinate descent, two rounds: each end over 81 candidates from
     * the observed value down to 1/1024 of it (steps of 2^(1/8)), the
     * other end held. */
    for (int round = 0; round < 2; round++)
      for (int end = 0; end < 2; end++) {
        double v = end ? h : l, best = INFINITY, pick = end ? bh : bl;
        if (v == 0)
          continue;
        for (int k = 0; k <= 80; k++) {
          double t = v * exp2 (-k / 8.0);
          double e = quant_error (c, nz, n_nz, end ? bl : t, end ? t : bh,
              qlevels);
          if (e < best) {
            best = e;
            pick = t;
          }
        }
        if (end)
          bh = pick;
        else
          bl = pick;
      }
    l = bl;
    h = bh;
  }
  *lo = (float) l;
  *hi = (float) h;
}
