/* bench_qgemm.c — int8 multiply-accumulate rate of each integer kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not a test: prints, per kernel the CPU can run, the best time of a 1x1
 * convolution (default 28x28x96 -> 576, MobileNetV3-Large's expansion
 * layer) and a 3x3 depthwise layer, single thread, and of MobileNetV3's
 * stem (224x224x3 -> 112x112x16, 3x3 stride 2) where the kernel gathers
 * its rows from the input.  Columns round as CONV_2D does on x86 (ruy).
 *   bench-qgemm [H W IC OC]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "quant/qkernels.h"

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

int
main (int argc, char **argv)
{
  int h = 28, w = 28, ic = 96, oc = 576;
  static const struct { mnv3_isa isa; unsigned f; } lv[] = {
    { MNV3_ISA_SCALAR, 0 }, { MNV3_ISA_AVX2, 0 },
    { MNV3_ISA_AVX2, MNV3_CPU_AVXVNNI }, { MNV3_ISA_AVX512, 0 },
    { MNV3_ISA_AVX512VNNI, 0 } };
  mnv3_isa have = mnv3_cpu_detect ();
  unsigned feats = mnv3_cpu_features ();

  if (argc == 5) {
    h = atoi (argv[1]);
    w = atoi (argv[2]);
    ic = atoi (argv[3]);
    oc = atoi (argv[4]);
  }
  if (h <= 0 || w <= 0 || ic <= 0 || oc <= 0) {
    fprintf (stderr, "usage: bench-qgemm [H W IC OC]\n");
    return 2;
  }
  size_t m = (size_t) h * w;
  uint8_t *a = malloc (m * ic), *wt = malloc ((size_t) ic * oc);
  uint8_t *c = malloc (m * oc), *dwin = malloc (m * oc);
  uint8_t *dww = malloc ((size_t) oc * 9);
  int32_t *bias = calloc ((size_t) oc, 4), zp = 3;
  mnv3_qmul mul = { 1518500250, -9 };
  if (!a || !wt || !c || !dwin || !dww || !bias)
    return 1;
  for (size_t i = 0; i < m * ic; i++)
    a[i] = (uint8_t) (i * 7 + 3);
  for (size_t i = 0; i < (size_t) ic * oc; i++)
    wt[i] = (uint8_t) (i * 13 + 1);
  for (size_t i = 0; i < m * oc; i++)
    dwin[i] = (uint8_t) (i * 5);
  for (size_t i = 0; i < (size_t) oc * 9; i++)
    dww[i] = (uint8_t) (i * 11);

  printf ("1x1 conv %dx%dx%d -> %d (%.1f M MACs), 3x3 depthwise %dx%dx%d; "
      "1 thread, best of 20\n", h, w, ic, oc, m * ic * oc / 1e6, h, w, oc);
  for (size_t l = 0; l < sizeof lv / sizeof lv[0]; l++) {
    if (lv[l].isa > have || (lv[l].f & ~feats))
      continue;
    for (int t = 0; t < 2; t++) {   /* uint8 per tensor, int8 per channel */
      mnv3_qdsp dsp;
      mnv3_qgemm_desc d = { .k = ic, .n = oc,
        .in_type = t ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, .in_zp = 5,
        .w_type = t ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8, .w = wt,
        .num_w_zps = 1, .w_zps = t ? NULL : &zp, .bias = bias,
        .num_muls = 1, .muls = &mul, .out_zp = 0,
        .act_min = t ? -128 : 0, .act_max = t ? 127 : 255,
        .up_channels = oc };
      mnv3_qdw_desc dd = { .ih = h, .iw = w, .c = oc, .k = 3, .sh = 1,
        .sw = 1, .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1, .oh = h, .ow = w,
        .in_type = d.in_type, .in_zp = 5, .w_type = d.w_type, .w = dww,
        .num_w_zps = 1, .w_zps = d.w_zps, .bias = bias, .num_muls = 1,
        .muls = &mul, .act_min = d.act_min, .act_max = d.act_max };
      mnv3_qdsp_init (&dsp, lv[l].isa, lv[l].f);
      mnv3_qgemm *g = mnv3_qgemm_pack (&dsp.gemm, &d);
      mnv3_qdw *dw = mnv3_qdw_pack (&dsp, &dd);
      void *scratch = g ? aligned_alloc (64, mnv3_qgemm_scratch_size (g))
          : NULL;
      double best = 1e9, best_dw = 1e9;
      int reps = lv[l].isa == MNV3_ISA_SCALAR ? 2 : 20;
      if (!g || !dw || !scratch)
        return 1;
      for (int r = 0; r < reps; r++) {
        double t0 = now ();
        g->kern.fn (g, m, a, (size_t) ic, c, (size_t) oc, 0, g->num_panels,
            scratch);
        double t1 = now ();
        dw->fn (dw, dwin, c, 0, h, 0, oc);
        double t2 = now ();
        best = t1 - t0 < best ? t1 - t0 : best;
        best_dw = t2 - t1 < best_dw ? t2 - t1 : best_dw;
      }
      printf ("%-8s %s: gemm %8.3f ms  %7.1f GMAC/s | dw3x3 %7.3f ms  "
          "%6.1f GMAC/s\n", dsp.gemm.name, t ? "i8/i8 per-ch" : "u8/u8 asym ",
          best * 1e3, (double) m * ic * oc / best / 1e9, best_dw * 1e3,
          (double) m * oc * 9 / best_dw / 1e9);
      if (dsp.gemm.conv) {
        mnv3_conv_params cp = { .ih = 224, .iw = 224, .ic = 3, .oh = 112,
          .ow = 112, .oc = 16, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 1,
          .dw = 1, .pad_b = 1, .pad_r = 1, .groups = 1 };
        mnv3_qgemm_desc sd = d;
        mnv3_qgemm *sg;
        uint8_t *img = malloc (224 * 224 * 3), *so = malloc (112 * 112 * 16);
        void *ss;
        double sb = 1e9;
        sd.k = 27;
        sd.n = 16;
        sd.up_channels = 16;
        sd.conv = &cp;
        sg = mnv3_qgemm_pack (&dsp.gemm, &sd);
        ss = sg ? aligned_alloc (64, mnv3_qgemm_scratch_size (sg)) : NULL;
        if (!img || !so || !sg || !ss)
          return 1;
        for (size_t i = 0; i < 224 * 224 * 3; i++)
          img[i] = (uint8_t) (i * 3 + 1);
        for (int r = 0; r < reps; r++) {
          double t0 = now ();
          sg->kern.conv (sg, 0, 112 * 112, img, so, 16, 0, sg->num_panels,
              ss);
          double t1 = now ();
          sb = t1 - t0 < sb ? t1 - t0 : sb;
        }
        printf ("%-8s %s: stem 3x3 s2 3->16 %8.3f ms  %7.1f GMAC/s\n",
            dsp.gemm.name, t ? "i8/i8 per-ch" : "u8/u8 asym ", sb * 1e3,
            112.0 * 112 * 16 * 27 / sb / 1e9);
        free (ss);
        free (img);
        free (so);
        mnv3_qgemm_free (sg);
      }
      free (scratch);
      mnv3_qgemm_free (g);
      mnv3_qdw_free (dw);
    }
  }
  free (a);
  free (wt);
  free (c);
  free (dwin);
  free (dww);
  free (bias);
  return 0;
}
