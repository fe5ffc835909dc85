/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Classification post-processing (see classify.h for the contract).
 */
#include "classify.h"
#include "segment.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scores ---------------------------------------------------------- */

void
mnv3_classify_softmax (const float *in, float *out, int n)
{
  float max = -INFINITY;
  int finite_or_inf = 0;
  double sum = 0.0;

  for (int i = 0; i < n; i++) {
    if (isnan (in[i]))
      continue;
    finite_or_inf++;
    if (in[i] > max)
      max = in[i];
  }
  if (finite_or_inf == 0) {
    for (int i = 0; i < n; i++)
      out[i] = 1.0f / (float) n;
    return;
  }
  /* With max = +inf, exp(x - max) is NaN for the +inf entries; they are
   * the only ones that count, so give them weight 1. */
  for (int i = 0; i < n; i++) {
    float e;
    if (isnan (in[i]))
      e = 0.0f;
    else if (isinf (max))
      e = in[i] == max ? 1.0f : 0.0f;
    else
      e = expf (in[i] - max);
    out[i] = e;
    sum += e;
  }
  /* sum >= 1: the max entry contributes exp(0) = 1. */
  for (int i = 0; i < n; i++)
    out[i] = (float) (out[i] / sum);
}

int
mnv3_classify_is_distribution (const float *in, int n, float tol)
{
  double sum = 0.0;

  if (n < 1)
    return 0;
  for (int i = 0; i < n; i++) {
    if (!isfinite (in[i]) || in[i] < -tol)
      return 0;
    sum += in[i];
  }
  return fabs (sum - 1.0) <= tol;
}

int
mnv3_classify_probabilities_known (const float *in, float *out, int n,
    int known)
{
  if (!known)
    return mnv3_classify_probabilities (in, out, n);
  if (out != in)
    memmove (out, in, sizeof (float) * (size_t) n);
  return 0;
}

int
mnv3_classify_probabilities (const float *in, float *out, int n)
{
  if (mnv3_classify_is_distribution (in, n, 0.05f)) {
    if (out != in)
      memmove (out, in, sizeof (float) * (size_t) n);
    return 0;
  }
  mnv3_classify_softmax (in, out, n);
  return 1;
}

/* Ranking order: larger score first, then lower index; NaN last. */
static int
ranks_before (float a, int ia, float b, int ib)
{
  int na = isnan (a), nb = isnan (b);

  if (na != nb)
    return nb;
  if (!na && a != b)
    return a > b;
  return ia < ib;
}

typedef struct {
  float v;
  int i;
} scored;

static int
scored_cmp (const void *pa, const void *pb)
{
  const scored *a = pa, *b = pb;

  if (a->i == b->i)
    return 0;
  return ranks_before (a->v, a->i, b->v, b->i) ? -1 : 1;
}

/* O(n k) insertion into a sorted prefix: the common small-k case, with no
 * allocation. */
static int
topk_insertion (const float *s, int n, int k, int *idx)
{
  int have = 0;

  for (int i = 0; i < n; i++) {
    int pos = have;
    while (pos > 0 && ranks_before (s[i], i, s[idx[pos - 1]], idx[pos - 1]))
      pos--;
    if (pos >= k)
      continue;
    int last = have < k ? have : k - 1;
    memmove (idx + pos + 1, idx + pos, sizeof (int) * (size_t) (last - pos));
    idx[pos] = i;
    if (have < k)
      have++;
  }
  return have;
}

int
mnv3_classify_topk (const float *scores, int n, int k, int *idx)
{
  scored *all;

  if (n < 0)
    n = 0;
  if (k > n)
    k = n;
  if (k <= 0)
    return 0;
  if (k <= 64)
    return topk_insertion (scores, n, k, idx);

  all = malloc (sizeof (scored) * (size_t) n);
  if (!all)
    return -1;
  for (int i = 0; i < n; i++) {
    all[i].v = scores[i];
    all[i].i = i;
  }
  qsort (all, (size_t) n, sizeof (scored), scored_cmp);
  for (int i = 0; i < k; i++)
    idx[i] = all[i].i;
  free (all);
  return k;
}

/* ---- labels ---------------------------------------------------------- */
