/* bench_preprocess.c — ms per 1920x1080 frame -> tensor, per format and ISA.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not a test.  Usage: bench-preprocess [WIDTHxHEIGHT [threads]]
 * (default 224x224, 1 thread; with threads > 1 the rows are split over a
 * pool as a session would).  Prints the best of 5 batches' mean time:
 * thread CPU time with one thread, wall time with a pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "preprocess.h"
#include "session.h"
#include "threadpool.h"

/* one thread: CPU time of the thread, which a busy machine disturbs less
 * than wall time; a pool: wall time */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (bench_clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main (int argc, char **argv)
{
  static const char *names[] = { "RGB", "BGR", "RGBx", "BGRx", "xRGB",
    "xBGR", "RGBA", "BGRA", "ARGB", "ABGR", "I420", "NV12" };
  const int sw = 1920, sh = 1080;
  int dw = 224, dh = 224, threads = 1;
  struct mnv3_session fake;
  uint8_t *buf;
  float *out;
  size_t bytes = (size_t) sw * sh * 4;

  if (argc > 1 && sscanf (argv[1], "%dx%d", &dw, &dh) != 2) {
    fprintf (stderr, "usage: %s [WxH [threads]]\n", argv[0]);
    return 2;
  }
  if (argc > 2)
    threads = atoi (argv[2]);
  if (threads > 1)
    bench_clock = CLOCK_MONOTONIC;
  memset (&fake, 0, sizeof fake);
  fake.tp = threads > 1 ? mnv3_threadpool_create (threads) : NULL;
  buf = malloc (bytes);
  out = malloc ((size_t) dw * dh * 3 * sizeof *out);
  if (!buf || !out)
    return 1;
  for (size_t i = 0; i < bytes; i++)
    buf[i] = (uint8_t) (i * 2654435761u >> 13);

  printf ("1920x1080 -> %dx%d, %d thread(s), ms per frame (%s)\n", dw, dh,
      threads, threads > 1 ? "wall" : "thread CPU time");
  printf ("%-6s %9s %9s %9s\n", "format", "scalar", "avx2", "avx512");
  for (int f = 0; f <= MNV3_PIXEL_NV12; f++) {
    printf ("%-6s", names[f]);
    for (int isa = MNV3_ISA_SCALAR; isa <= MNV3_ISA_AVX512; isa++) {
      mnv3_preprocess_params p;
      mnv3_frame fr;
      mnv3_preprocess *pp;
      double best = 1e30;

      if (isa > mnv3_cpu_detect ()) {
        printf (" %9s", "-");
        continue;
      }
      memset (&p, 0, sizeof p);
      p.format = (mnv3_pixel_format) f;
      p.matrix = MNV3_MATRIX_BT709;
      p.src_width = sw;
      p.src_height = sh;
      p.dst_width = dw;
      p.dst_height = dh;
      for (int c = 0; c < 3; c++) {
        p.mean[c] = 127.5f;
        p.std[c] = 127.5f;
      }
      mnv3_preprocess_fit (MNV3_FIT_STRETCH, sw, sh, dw, dh, &p.src, &p.dst);
      pp = mnv3_preprocess_create ((mnv3_isa) isa, &p);
      if (!pp) {
        fprintf (stderr, "%s\n", mnv3_last_error ());
        return 1;
      }
      memset (&fr, 0, sizeof fr);
      fr.planes[0] = buf;
      if (f == MNV3_PIXEL_I420 || f == MNV3_PIXEL_NV12) {
        fr.strides[0] = sw;
        fr.planes[1] = buf + (size_t) sw * sh;
        fr.strides[1] = f == MNV3_PIXEL_NV12 ? sw : sw / 2;
        fr.planes[2] = fr.planes[1] + (size_t) sw / 2 * sh / 2;
        fr.strides[2] = sw / 2;
      } else {
        fr.strides[0] = sw * (f <= MNV3_PIXEL_BGR ? 3 : 4);
      }
      for (int batch = 0; batch < 5; batch++) {
        const int n = 20;
        double t0 = now_ms ();
        for (int i = 0; i < n; i++)
          mnv3_preprocess_run (pp, &fr, out, threads > 1 ? &fake : NULL);
        t0 = (now_ms () - t0) / n;
        best = t0 < best ? t0 : best;
      }
      printf (" %9.3f", best);
      mnv3_preprocess_free (pp);
    }
    printf ("\n");
  }
  mnv3_threadpool_free (fake.tp);
  free (buf);
  free (out);
  return 0;
}
