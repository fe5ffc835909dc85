/* bench_dwconv.c — times the depthwise layers of MobileNetV3-Large@224 on
 * every ISA the CPU has (one thread unless told) (built, not run as a test).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * usage: bench-dwconv [iterations] [threads] */
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

int
main (int argc, char **argv)
{
  /* input size, channels, kernel, stride: the 15 depthwise layers */
  static const int layers[][4] = {
    {112, 16, 3, 1}, {112, 64, 3, 2}, {56, 72, 3, 1}, {56, 72, 5, 2},
    {28, 120, 5, 1}, {28, 120, 5, 1}, {28, 240, 3, 2}, {14, 200, 3, 1},
    {14, 184, 3, 1}, {14, 184, 3, 1}, {14, 480, 3, 1}, {14, 672, 3, 1},
    {14, 672, 5, 2}, {7, 960, 5, 1}, {7, 960, 5, 1},
  };
  int iters = argc > 1 ? atoi (argv[1]) : 200;
  int threads = argc > 2 ? atoi (argv[2]) : 1;
  mnv3_threadpool *tp = threads > 1 ? mnv3_threadpool_create (threads) : NULL;
  const mnv3_act act = { MNV3_ACT_HSWISH, 0.f, 0.f };

  for (int isa = MNV3_ISA_SCALAR; isa <= mnv3_cpu_detect (); isa++) {
    double total = 0;
    for (size_t l = 0; l < sizeof layers / sizeof *layers; l++) {
      int hw = layers[l][0], c = layers[l][1], k = layers[l][2];
      int s = layers[l][3], o = (hw + s - 1) / s;
      int pt = ((o - 1) * s + k - hw) / 2;
      mnv3_dwconv_params p = { hw, hw, c, o, o, c, k, k, s, s, 1, 1,
        pt, pt, (o - 1) * s + k - hw - pt, (o - 1) * s + k - hw - pt, c, act };
      float *w = calloc ((size_t) c * k * k, sizeof *w);
      float *in = calloc ((size_t) hw * hw * c, sizeof *in);
      float *out = calloc ((size_t) o * o * c, sizeof *out);
      mnv3_dwconv *d = mnv3_dwconv_create ((mnv3_isa) isa, &p, w, NULL);
      if (!d)
        return 1;
      mnv3_dwconv_run (d, in, out, NULL, tp);
      double t0 = now_us ();
      for (int i = 0; i < iters; i++)
        mnv3_dwconv_run (d, in, out, NULL, tp);
      double us = (now_us () - t0) / iters;
      total += us;
      printf ("%-7s %3dx%-3d c%-4d k%d s%d  %8.1f us  %6.2f GB/s\n",
          mnv3_isa_name ((mnv3_isa) isa), hw, hw, c, k, s, us,
          ((double) hw * hw + (double) o * o) * c * 4 / us / 1e3);
      mnv3_dwconv_free (d);
      free (w); free (in); free (out);
    }
    printf ("%-7s total %.1f us\n\n", mnv3_isa_name ((mnv3_isa) isa), total);
  }
  mnv3_threadpool_free (tp);
  return 0;
}
