/* test-qisa.c — the integer kernel levels this CPU can run (test-qisa.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <check.h>

#include "test-qisa.h"

isa_case isas[8];
int n_isas;
mnv3_threadpool *pool2;

/* ---- isa list --------------------------------------------------------- */

void
isas_init (void)
{
  mnv3_isa have = mnv3_cpu_detect ();
  unsigned f = mnv3_cpu_features ();

  n_isas = 0;
  isas[n_isas++] = (isa_case) { MNV3_ISA_SCALAR, 0, "c" };
#ifdef MNV3_X86
  if (have >= MNV3_ISA_AVX2)
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX2, 0, "avx2" };
  if (have >= MNV3_ISA_AVX2 && (f & MNV3_CPU_AVXVNNI))
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX2, MNV3_CPU_AVXVNNI,
      "avxvnni" };
  if (have >= MNV3_ISA_AVX512)
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX512, 0, "avx512" };
  if (have >= MNV3_ISA_AVX512VNNI)
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX512VNNI, 0, "vnni" };
  /* the AVX-VNNI code, EVEX-encoded, where only AVX512-VNNI exists */
  if (have >= MNV3_ISA_AVX512VNNI && !(f & MNV3_CPU_AVXVNNI))
    isas[n_isas++] = (isa_case) { MNV3_ISA_AVX512VNNI, 0, "avxvnni-evex" };
#else
  (void) have;
  (void) f;
#endif
}

void
dsp_for (int i, mnv3_qdsp *dsp)
{
  mnv3_qdsp_init (dsp, isas[i].isa, isas[i].features);
#ifdef MNV3_X86
  if (!strcmp (isas[i].want, "avxvnni-evex")) {
    dsp->gemm = (mnv3_qgemm_kernel) { mnv3_qgemm_avxvnni_evex, 4, 8, 2, 6,
      "avxvnni-evex", mnv3_qgemm_conv_avxvnni_evex };
    dsp->gemm_conv = dsp->gemm;
    dsp->dw3 = mnv3_qdw3_avxvnni_evex;
    dsp->dw5 = mnv3_qdw5_avxvnni_evex;
    dsp->dw_name = "avxvnni-evex";
  }
#endif
}

void
pool_setup (void)
{
  pool2 = mnv3_threadpool_create (2);
  ck_assert_ptr_nonnull (pool2);
}

void
pool_teardown (void)
{
  mnv3_threadpool_free (pool2);
  pool2 = NULL;
}
