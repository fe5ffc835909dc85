/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * qdq-calib: the range statistics of one activation over the calibration
 * frames, and the clipping range each method chooses from them.
 *
 * Contract
 * --------
 * - mnv3_calib_add() takes any number of values per call; NaN and
 *   infinities are ignored.  It keeps the exact minimum and maximum and a
 *   histogram of MNV3_CALIB_BINS bins over [-R, R]; R starts at the first
 *   batch's largest magnitude and doubles (merging bin pairs) whenever a
 *   value falls outside, so one pass over the frames is enough and the
 *   bins are never wider than 2 * (2 max|x|) / MNV3_CALIB_BINS.
 * - mnv3_calib_range() returns lo <= 0 <= hi:
 *     MINMAX      the observed minimum and maximum;
 *     PERCENTILE  the `percentile` and 100 - `percentile` quantiles
 *                 (bin edges), never outside the observed range;
 *     MSE         the [lo, hi] with the least squared error of quantizing
 *                 the histogram (bin centres) to qlevels levels, each end
 *                 searched from the observed value down to 1/1024 of it
 *                 in steps of 2^(1/8) (coordinate descent, two rounds).
 */
#ifndef MNV3_TOOLS_QDQ_CALIB_H
#define MNV3_TOOLS_QDQ_CALIB_H

#include <stddef.h>
#include <stdint.h>

#define MNV3_CALIB_BINS 4096

typedef enum {
  MNV3_CALIB_MINMAX,
  MNV3_CALIB_PERCENTILE,
  MNV3_CALIB_MSE,
} mnv3_calib_method;

typedef struct {
  double min, max;          /* exact, over every finite value seen */
  double r;                 /* histogram half-range; 0 before any value */
  uint64_t count;           /* finite values seen */
  uint64_t hist[MNV3_CALIB_BINS];
} mnv3_calib;

void mnv3_calib_init (mnv3_calib *c);
void mnv3_calib_add (mnv3_calib *c, const float *x, size_t n);
/* qlevels: 256 for 8-bit activations. */
void mnv3_calib_range (const mnv3_calib *c, mnv3_calib_method method,
    double percentile, int qlevels, float *lo, float *hi);

#endif /* MNV3_TOOLS_QDQ_CALIB_H */
