/* qtest.h — helpers shared by the integer-operator tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deterministic random numbers, 8-bit buffers of exact size (so ASan sees
 * any overrun) and a 2-thread pool fixture. */
#ifndef MNV3_QTEST_H
#define MNV3_QTEST_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/qops.h"

static mnv3_threadpool *pool2;
static uint64_t qrng = 0x9e3779b97f4a7c15ull;

static inline uint32_t
qrand (void)
{
  qrng ^= qrng << 13;
  qrng ^= qrng >> 7;
  qrng ^= qrng << 17;
  return (uint32_t) (qrng >> 16);
}

/* Uniform integer in [lo, hi]. */
static inline int32_t
qrand_int (int32_t lo, int32_t hi)
{
  return lo + (int32_t) (qrand () % (uint32_t) (hi - lo + 1));
}

/* Log-uniform float in [lo, hi]. */
static inline float
qrand_scale (float lo, float hi)
{
  double t = (qrand () & 0xffffff) / (double) 0xffffff;
  return (float) exp (log (lo) + t * (log (hi) - log (lo)));
}

static inline void *
qbuf (size_t n)
{
  void *p = malloc (n ? n : 1);
  ck_assert_ptr_nonnull (p);
  return p;
}

/* n random stored values of type t (full range). */
static inline void *
qbuf_random (size_t n, mnv3_dtype t)
{
  uint8_t *p = qbuf (n);
  (void) t;
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t) qrand ();
  return p;
}

static inline int32_t
qget (const void *p, size_t i, mnv3_dtype t)
{
  return t == MNV3_DTYPE_I8 ? ((const int8_t *) p)[i]
      : ((const uint8_t *) p)[i];
}

static inline int32_t
qlo (mnv3_dtype t)
{
  return t == MNV3_DTYPE_I8 ? -128 : 0;
}

static inline int32_t
qhi (mnv3_dtype t)
{
  return t == MNV3_DTYPE_I8 ? 127 : 255;
}

/* A zero point from the interesting set for type t. */
static inline int32_t
qpick_zp (mnv3_dtype t, int k)
{
  switch (k % 4) {
    case 0:
      return t == MNV3_DTYPE_I8 ? 0 : 128;
    case 1:
      return qlo (t);
    case 2:
      return qhi (t);
    default:
      return qrand_int (qlo (t), qhi (t));
  }
}

static inline void
q_setup (void)
{
  pool2 = mnv3_threadpool_create (2);
  ck_assert_ptr_nonnull (pool2);
}

static inline void
q_teardown (void)
{
  mnv3_threadpool_free (pool2);
  pool2 = NULL;
}

static inline int
q_run_suite (Suite *s)
{
  SRunner *sr = srunner_create (s);
  int failed;
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* MNV3_QTEST_H */
