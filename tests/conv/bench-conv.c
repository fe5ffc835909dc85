/* bench_conv.c — GFLOP/s of the convolution kernels on MobileNetV3-Large's
 * layer shapes (torchvision mobilenet_v3_large @224).  Not a test.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench-conv [threads] [min_ms_per_layer] [name filter]
 *
 * Prints, for each ISA the CPU has, each layer's time and GFLOP/s
 * (2 * MACs / time), and the sum over the list weighted by how many times
 * the shape occurs in the network.  With one thread the time is the
 * thread's CPU time, so a busy machine (time slices lost to other
 * processes) disturbs the figures less; with more it is wall time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "ops.h"

typedef struct {
  const char *name;
  int hw, ic, oc, k, s, count;
  mnv3_act_type act;
  int residual, scale;
} layer;

/* 1x1 expand (E) / project (P) convolutions of every block, the stem, the
 * last conv and the classifier; count = occurrences in the network. */
static const layer layers[] = {
  {"stem 224 3->16 3x3s2", 224, 3, 16, 3, 2, 1, MNV3_ACT_HSWISH, 0, 0},
  {"P 112 16->16 +res", 112, 16, 16, 1, 1, 1, MNV3_ACT_NONE, 1, 0},
  {"E 112 16->64", 112, 16, 64, 1, 1, 1, MNV3_ACT_RELU, 0, 0},
  {"P 56 64->24", 56, 64, 24, 1, 1, 1, MNV3_ACT_NONE, 0, 0},
  {"E 56 24->72", 56, 24, 72, 1, 1, 2, MNV3_ACT_RELU, 0, 0},
  {"P 56 72->24 +res", 56, 72, 24, 1, 1, 1, MNV3_ACT_NONE, 1, 0},
  {"P 28 72->40 se", 28, 72, 40, 1, 1, 1, MNV3_ACT_NONE, 0, 1},
  {"E 28 40->120", 28, 40, 120, 1, 1, 2, MNV3_ACT_RELU, 0, 0},
  {"P 28 120->40 se+res", 28, 120, 40, 1, 1, 2, MNV3_ACT_NONE, 1, 1},
  {"E 28 40->240", 28, 40, 240, 1, 1, 1, MNV3_ACT_HSWISH, 0, 0},
  {"P 14 240->80", 14, 240, 80, 1, 1, 1, MNV3_ACT_NONE, 0, 0},
  {"E 14 80->200", 14, 80, 200, 1, 1, 1, MNV3_ACT_HSWISH, 0, 0},
  {"P 14 200->80 +res", 14, 200, 80, 1, 1, 1, MNV3_ACT_NONE, 1, 0},
  {"E 14 80->184", 14, 80, 184, 1, 1, 2, MNV3_ACT_HSWISH, 0, 0},
  {"P 14 184->80 +res", 14, 184, 80, 1, 1, 2, MNV3_ACT_NONE, 1, 0},
  {"E 14 80->480", 14, 80, 480, 1, 1, 1, MNV3_ACT_HSWISH, 0, 0},
  {"P 14 480->112 se", 14, 480, 112, 1, 1, 1, MNV3_ACT_NONE, 0, 1},
  {"E 14 112->672", 14, 112, 672, 1, 1, 2, MNV3_ACT_HSWISH, 0, 0},
  {"P 14 672->112 se+res", 14, 672, 112, 1, 1, 1, MNV3_ACT_NONE, 1, 1},
  {"P 7 672->160 se", 7, 672, 160, 1, 1, 1, MNV3_ACT_NONE, 0, 1},
  {"E 7 160->960", 7, 160, 960, 1, 1, 3, MNV3_ACT_HSWISH, 0, 0},
  {"P 7 960->160 se+res", 7, 960, 160, 1, 1, 2, MNV3_ACT_NONE, 1, 1},
  {"FC 960->1280", 1, 960, 1280, 1, 1, 1, MNV3_ACT_HSWISH, 0, 0},
  {"FC 1280->1000", 1, 1280, 1000, 1, 1, 1, MNV3_ACT_NONE, 0, 0},
  {"SE 960->240", 1, 960, 240, 1, 1, 2, MNV3_ACT_RELU, 0, 0},
  {"SE 240->960", 1, 240, 960, 1, 1, 2, MNV3_ACT_HSIGMOID, 0, 0},
};

static clockid_t bench_clock = CLOCK_MONOTONIC;

static double
now_s (void)
{
  struct timespec t;

  clock_gettime (bench_clock, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *
filled (size_t n, float v)
{
  float *b = aligned_alloc (64, (n * sizeof (float) + 64) / 64 * 64);

  if (!b) {
    fprintf (stderr, "out of memory\n");
    exit (1);
  }
  for (size_t i = 0; i < n; i++)
    b[i] = v * (float) ((i * 2654435761u) % 1000) / 1000.f;
  return b;
}

/* Seconds per run of one layer (best of a few batches). */
static double
time_layer (mnv3_isa isa, const layer *l, mnv3_threadpool *tp, int threads,
    double min_s, double *macs)
{
  mnv3_conv_params p;
  mnv3_conv *c;
  float *in, *out, *w, *b, *res, *scale;
  void *scratch;
  double best = 1e9;

  memset (&p, 0, sizeof (p));
  p.ih = p.iw = l->hw;
  p.ic = l->ic;
  p.oc = l->oc;
  p.kh = p.kw = l->k;
  p.sh = p.sw = l->s;
  p.dh = p.dw = 1;
  p.pad_t = p.pad_l = p.pad_b = p.pad_r = l->k / 2;
  p.oh = p.ow = (l->hw + 2 * (l->k / 2) - l->k) / l->s + 1;
  p.groups = 1;
  p.act.type = l->act;
  p.act.a = 1.f / 6.f;
  p.act.b = 0.5f;
  *macs = (double) p.oh * p.ow * p.oc * p.ic * p.kh * p.kw;

  w = filled ((size_t) p.oc * p.ic * p.kh * p.kw, 0.1f);
  b = filled ((size_t) p.oc, 1.f);
  in = filled ((size_t) p.ih * p.iw * p.ic, 1.f);
  out = filled ((size_t) p.oh * p.ow * p.oc, 0.f);
  res = l->residual ? filled ((size_t) p.oh * p.ow * p.oc, 1.f) : NULL;
  scale = l->scale ? filled ((size_t) p.ic, 1.f) : NULL;
  c = mnv3_conv_create (isa, &p, w, b);
  if (!c) {
    fprintf (stderr, "create failed: %s\n", mnv3_last_error ());
    exit (1);
  }
  scratch = filled (mnv3_conv_scratch_size (c, threads) / 4 + 16, 0.f);
  for (int batch = 0; batch < 3; batch++) {
    int n = 0;
    double t0 = now_s (), t;
    do {
      mnv3_conv_run (c, in, out, res, scale, scratch, tp);
      n++;
      t = now_s () - t0;
    } while (t < min_s);
    if (t / n < best)
      best = t / n;
  }
  mnv3_conv_free (c);
  free (w);
  free (b);
  free (in);
  free (out);
  free (res);
  free (scale);
  free (scratch);
  return best;
}

int
main (int argc, char **argv)
{
  int threads = argc > 1 ? atoi (argv[1]) : 1;
  double min_s = (argc > 2 ? atof (argv[2]) : 30.) / 1000.;
  const char *filter = argc > 3 ? argv[3] : "";
  mnv3_threadpool *tp = threads > 1 ? mnv3_threadpool_create (threads) : NULL;
  const mnv3_isa isas[] = { MNV3_ISA_AVX512, MNV3_ISA_AVX2, MNV3_ISA_SCALAR };

  if (threads <= 1)
    bench_clock = CLOCK_THREAD_CPUTIME_ID;

  for (size_t i = 0; i < 3; i++) {
    mnv3_isa isa = isas[i];
    double total_t = 0, total_macs = 0;

    if (isa > mnv3_cpu_detect ())
      continue;
    printf ("== %s, %d thread(s)\n", mnv3_isa_name (isa), threads);
    for (size_t j = 0; j < sizeof (layers) / sizeof (layers[0]); j++) {
      if (!strstr (layers[j].name, filter))
        continue;
      double macs, t = time_layer (isa, &layers[j], tp, threads,
          isa == MNV3_ISA_SCALAR ? min_s / 4 : min_s, &macs);
      printf ("  %-24s %8.1f us %7.1f GFLOP/s  x%d\n", layers[j].name,
          t * 1e6, 2 * macs / t * 1e-9, layers[j].count);
      total_t += t * layers[j].count;
      total_macs += macs * layers[j].count;
    }
    printf ("  total %.3f ms for %.1f M MACs: %.1f GFLOP/s\n", total_t * 1e3,
        total_macs * 1e-6, 2 * total_macs / total_t * 1e-9);
  }
  mnv3_threadpool_free (tp);
  return 0;
}
