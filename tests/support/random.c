/* random.c — deterministic random data and guard values (support.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "support.h"

static unsigned rng_state = 1u;

void
mnv3_test_seed (unsigned seed)
{
  rng_state = seed;
}

float
mnv3_test_frand (float lo, float hi)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float) (rng_state >> 8) / (float) (1u << 24);
}

float *
mnv3_test_random_buf (size_t n, float lo, float hi)
{
  float *p = malloc ((n ? n : 1) * sizeof *p);
  ck_assert_ptr_nonnull (p);
  for (size_t i = 0; i < n; i++)
    p[i] = mnv3_test_frand (lo, hi);
  return p;
}

float *
mnv3_test_guarded_buf (size_t n, size_t guard, float value)
{
  float *p = malloc ((n + guard) * sizeof *p);
  ck_assert_ptr_nonnull (p);
  for (size_t i = 0; i < n + guard; i++)
    p[i] = value;
  return p;
}

void
mnv3_test_check_guard (const float *p, size_t n, size_t guard, float value,
    const char *what)
{
  for (size_t i = n; i < n + guard; i++)
    if (p[i] != value)
      ck_abort_msg ("%s: wrote past the end (+%zu)", what, i - n);
}
