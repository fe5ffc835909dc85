/* bench_elementwise.c — times the element-wise operators at the sizes the
 * MobileNetV3 networks use, on every ISA the CPU has, one thread (built,
 * not run as a test).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * usage: bench-elementwise [iterations] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu.h"
#include "ops.h"

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Best of 5 batches: the machine may be shared, the minimum is the
 * operator's own cost. */
#define BENCH(label, stmt)                                               \
  do {                                                                   \
    double best_ = 1e30;                                                 \
    stmt;                                                                \
    for (int rep_ = 0; rep_ < 5; rep_++) {                               \
      double t0_ = now_us ();                                            \
      for (int it_ = 0; it_ < iters; it_++)                              \
        stmt;                                                            \
      double us_ = (now_us () - t0_) / iters;                            \
      best_ = us_ < best_ ? us_ : best_;                                 \
    }                                                                    \
    printf ("%-7s %-44s %9.1f us\n", mnv3_isa_name (isa), label, best_); \
  } while (0)

int
main (int argc, char **argv)
{
  int iters = argc > 1 ? atoi (argv[1]) : 10;
  size_t big = (size_t) 513 * 1025 * 5;
  float *a = calloc (big, sizeof *a), *b = calloc (big, sizeof *b);
  float *o = calloc (big, sizeof *o);
  const mnv3_act hs = { MNV3_ACT_HSWISH, 0, 0 }, sg = { MNV3_ACT_SIGMOID, 0, 0 };
  const mnv3_act none = { MNV3_ACT_NONE, 0, 0 };

  for (size_t i = 0; i < big; i++)
    a[i] = b[i] = (float) (i % 17) * 0.1f - 0.8f;
  for (mnv3_isa isa = MNV3_ISA_SCALAR; isa <= mnv3_cpu_detect ();
      isa = (mnv3_isa) (isa + 1)) {
    int s112[4] = { 1, 112, 112, 16 }, s28[4] = { 1, 28, 28, 120 };
    int c120[4] = { 1, 1, 1, 120 };
    mnv3_pool_params lr = { MNV3_POOL_AVG, 17, 33, 288, 2, 2, 13, 25, 4, 5,
      0, 0, 0, 0, 0 };
    BENCH ("hswish 112x112x16", mnv3_act_run (isa, hs, a, o, 112 * 112 * 16,
            NULL));
    BENCH ("sigmoid 256x256x1", mnv3_act_run (isa, sg, a, o, 256 * 256, NULL));
    BENCH ("add 112x112x16", mnv3_binary_run (isa, MNV3_BINARY_ADD, none, a,
            s112, b, s112, o, s112, NULL));
    BENCH ("mul 28x28x120 by [120]", mnv3_binary_run (isa, MNV3_BINARY_MUL,
            none, a, s28, b, c120, o, s28, NULL));
    BENCH ("gavg 28x28x120", mnv3_global_avgpool_run (isa, a, 28, 28, 120, o,
            NULL));
    BENCH ("avgpool 17x33x288 13x25/4x5", mnv3_pool_run (isa, &lr, a, o,
            NULL));
    BENCH ("bilinear ac 17x33x128 -> 65x129",
        mnv3_resize_run (isa, MNV3_COORD_ALIGN_CORNERS, 0, a, 17, 33, 128, o,
            65, 129, 0, 0, NULL));
    BENCH ("bilinear ac 65x129x5 -> 513x1025",
        mnv3_resize_run (isa, MNV3_COORD_ALIGN_CORNERS, 0, a, 65, 129, 5, o,
            513, 1025, 0, 0, NULL));
    BENCH ("bilinear hp 64x128x5 -> 512x1024",
        mnv3_resize_run (isa, MNV3_COORD_HALF_PIXEL, 0, a, 64, 128, 5, o,
            512, 1024, 0, 0, NULL));
    BENCH ("bilinear hp 128x128x1 -> 256x256",
        mnv3_resize_run (isa, MNV3_COORD_HALF_PIXEL, 0, a, 128, 128, 1, o,
            256, 256, 0, 0, NULL));
    BENCH ("argmax 513x1025x5", mnv3_argmax_run (a, o, 513 * 1025, 5));
    BENCH ("softmax 1x1001", mnv3_softmax_run (isa, a, o, 1, 1001));
    printf ("\n");
  }
  free (a);
  free (b);
  free (o);
  return 0;
}
