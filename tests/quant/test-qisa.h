/* test-qisa.h — the integer kernel levels this CPU can run, for the
 * kernel tests (test-qsimd.c, test-qfloat-simd.c), with the table each
 * level selects, and their two-thread pool.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MNV3_TEST_QISA_H
#define MNV3_TEST_QISA_H

#include "cpu.h"
#include "quant/qkernels.h"
#include "threadpool.h"

typedef struct {
  mnv3_isa isa;
  unsigned features;
  const char *want;          /* the kernel name this should select */
} isa_case;

extern isa_case isas[8];
extern int n_isas;

/* Fills isas: C, then every level this CPU has (the AVX-VNNI kernels
 * EVEX-encoded too where only AVX512-VNNI exists). */
void isas_init (void);
/* The dispatch table of level i. */
void dsp_for (int i, mnv3_qdsp *dsp);

/* A pool of 2 threads for the multi-threaded runs, made by pool_setup
 * in the test's own process (check forks one per test: threads made
 * before the fork would not exist in it) and freed by pool_teardown
 * (a check fixture). */
extern mnv3_threadpool *pool2;
void pool_setup (void);
void pool_teardown (void);

#endif /* MNV3_TEST_QISA_H */
