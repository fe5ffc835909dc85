/* qdsp.c — the integer kernels' dispatch table, filled best-first.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The C versions first; then each level the caller allows overrides what
 * it accelerates (dav1d's *_dsp_init).  AVX-VNNI is a feature of some
 * AVX2-level CPUs (Alder Lake and later, Zen 5): at the AVX2 level it
 * replaces vpmaddwd with VEX vpdpbusd/vpdpwssd; AVX-512 machines use the
 * 16-lane kernels instead. */
#include "cpu.h"
#include "quant/qkernels.h"

void
mnv3_qdsp_init (mnv3_qdsp *dsp, mnv3_isa isa, unsigned features)
{
  *dsp = (mnv3_qdsp) {
    .gemm = { mnv3_qgemm_c, 2, 8, 1, 1, "c",
      mnv3_qgemm_conv_c },
    .dw_any = mnv3_qdw_c, .dw_name = "c",
  };
  dsp->gemm_conv = dsp->gemm;
#ifdef MNV3_X86
  if (isa < MNV3_ISA_AVX2)
    return;
  dsp->gemm = (mnv3_qgemm_kernel) { mnv3_qgemm_avx2, 2, 8, 2, 6, "avx2",
    mnv3_qgemm_conv_avx2 };
  dsp->gemm_conv = dsp->gemm;
  dsp->dw3 = mnv3_qdw3_avx2;
  dsp->dw5 = mnv3_qdw5_avx2;
  dsp->dw_name = "avx2";
#ifdef MNV3_HAVE_AVXVNNI
  if (features & MNV3_CPU_AVXVNNI) {
    dsp->gemm = (mnv3_qgemm_kernel) { mnv3_qgemm_avxvnni, 4, 8, 2, 6,
      "avxvnni", mnv3_qgemm_conv_avxvnni };
    dsp->gemm_conv = dsp->gemm;
    dsp->dw3 = mnv3_qdw3_avxvnni;
    dsp->dw5 = mnv3_qdw5_avxvnni;
    dsp->dw_name = "avxvnni";
  }
#endif
  if (isa < MNV3_ISA_AVX512)
    return;
  dsp->gemm = (mnv3_qgemm_kernel) { mnv3_qgemm_avx512, 2, 16, 4, 6,
    "avx512", mnv3_qgemm_conv_avx512 };
  dsp->gemm_conv = dsp->gemm;
  dsp->dw3 = mnv3_qdw3_avx512;
  dsp->dw5 = mnv3_qdw5_avx512;
  dsp->dw_name = "avx512";
  if (isa < MNV3_ISA_AVX512VNNI)
    return;
  dsp->gemm = (mnv3_qgemm_kernel) { mnv3_qgemm_vnni, 4, 16, 4, 6, "vnni",
    mnv3_qgemm_conv_vnni };
  dsp->gemm_conv = dsp->gemm;
  dsp->dw3 = mnv3_qdw3_vnni;
  dsp->dw5 = mnv3_qdw5_vnni;
  dsp->dw_name = "vnni";
#endif
  (void) isa;
  (void) features;
}

void
mnv3_qeltdsp_init (mnv3_qeltdsp *dsp, mnv3_isa isa, unsigned features)
{
  *dsp = (mnv3_qeltdsp) { mnv3_qbin_c, mnv3_qlut_c, mnv3_qsum_c, "c", "c" };
#ifdef MNV3_X86
  if (isa < MNV3_ISA_AVX2)
    return;
  dsp->bin = mnv3_qbin_avx2;
  dsp->sum = mnv3_qsum_avx2;
  dsp->lut = mnv3_qlut_avx2;
  dsp->bin_name = dsp->lut_name = "avx2";
  if (isa < MNV3_ISA_AVX512)
    return;
  dsp->bin = mnv3_qbin_avx512;
  dsp->sum = mnv3_qsum_avx512;
  dsp->lut = mnv3_qlut_avx512;
  dsp->bin_name = dsp->lut_name = "avx512";
  if (features & MNV3_CPU_AVX512VBMI) {
    dsp->lut = mnv3_qlut_vbmi;
    dsp->lut_name = "vbmi";
  }
#endif
  (void) isa;
  (void) features;
}
