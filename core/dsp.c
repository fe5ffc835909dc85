/* dsp.c — the dispatch table, filled best-first (dav1d's *_dsp_init).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * C versions first; then AVX2, then AVX-512 override what they accelerate,
 * each returning early when the level is above the request.  The integer
 * sub-tables are filled by their own inits (quant/qdsp.c). */
#include <pthread.h>

#include "cpu.h"
#include "dsp.h"

static void
f32_init_c (mnv3_dsp_f32 *f)
{
  *f = (mnv3_dsp_f32) {
    .isa = MNV3_ISA_SCALAR,
    .gemm = { mnv3_gemm_scalar, MNV3_GEMM_SCALAR_MR, MNV3_GEMM_SCALAR_NR,
      "c" },
    .dw3 = mnv3_dwconv_rows_scalar,
    .dw5 = mnv3_dwconv_rows_scalar,
    .dw_any = mnv3_dwconv_rows_scalar,
    .act = mnv3_act_kernel_scalar,
    .binary = mnv3_binary_kernel_scalar,
    .pool = mnv3_pool_kernel_scalar,
    .gavg = mnv3_gavg_kernel_scalar,
    .resize_hrow = mnv3_resize_hrow_kernel_scalar,
    .resize_vblend = mnv3_resize_vblend_kernel_scalar,
    .softmax = mnv3_softmax_kernel_scalar,
    .pp_packed = mnv3_pp_packed_scalar,
    .pp_i420 = mnv3_pp_yuv_scalar,   /* one C kernel reads both layouts */
    .pp_nv12 = mnv3_pp_yuv_scalar,
  };
}

#ifdef MNV3_X86
/* Every ISA that has the whole element-wise set (the *-simd.h templates). */
#define F32_INIT_TEMPLATED(f, sfx)                                          \
  do {                                                                      \
    (f)->dw3 = mnv3_dwconv_rows_3x3_##sfx;                                  \
    (f)->dw5 = mnv3_dwconv_rows_5x5_##sfx;                                  \
    (f)->act = mnv3_act_kernel_##sfx;                                       \
    (f)->binary = mnv3_binary_kernel_##sfx;                                 \
    (f)->pool = mnv3_pool_kernel_##sfx;                                     \
    (f)->gavg = mnv3_gavg_kernel_##sfx;                                     \
    (f)->resize_hrow = mnv3_resize_hrow_kernel_##sfx;                       \
    (f)->resize_vblend = mnv3_resize_vblend_kernel_##sfx;                   \
    (f)->softmax = mnv3_softmax_kernel_##sfx;                               \
    (f)->pp_packed = mnv3_pp_packed_##sfx;                                  \
    (f)->pp_i420 = mnv3_pp_i420_##sfx;                                      \
    (f)->pp_nv12 = mnv3_pp_nv12_##sfx;                                      \
  } while (0)
#endif

void
mnv3_dsp_f32_init (mnv3_dsp_f32 *f, mnv3_isa isa)
{
  f32_init_c (f);
#ifdef MNV3_X86
  if (isa < MNV3_ISA_AVX2)
    return;
  f->isa = MNV3_ISA_AVX2;
  f->gemm = (mnv3_gemm_kernel) { mnv3_gemm_avx2, MNV3_GEMM_AVX2_MR,
    MNV3_GEMM_AVX2_NR, "avx2" };
  F32_INIT_TEMPLATED (f, avx2);
  if (isa < MNV3_ISA_AVX512)
    return;
  f->isa = MNV3_ISA_AVX512;
  f->gemm = (mnv3_gemm_kernel) { mnv3_gemm_avx512, MNV3_GEMM_AVX512_MR,
    MNV3_GEMM_AVX512_NR, "avx512" };
  F32_INIT_TEMPLATED (f, avx512);
#else
  (void) isa;
#endif
}

void
mnv3_dsp_init (mnv3_dsp *dsp, mnv3_isa isa, unsigned features)
{
  mnv3_dsp_f32_init (&dsp->f32, isa);
  mnv3_qdsp_init (&dsp->q8, isa, features);
  mnv3_qeltdsp_init (&dsp->q8elt, isa, features);
}

/* One float table per level, filled on first use.  pthread_once rather
 * than a racy "fill if empty": run-time entry points may be called from
 * several sessions' threads at once. */
static mnv3_dsp_f32 f32_tables[MNV3_ISA_AVX512 + 1];
static pthread_once_t f32_once = PTHREAD_ONCE_INIT;

static void
f32_tables_init (void)
{
  for (int i = MNV3_ISA_SCALAR; i <= MNV3_ISA_AVX512; i++)
    mnv3_dsp_f32_init (&f32_tables[i], (mnv3_isa) i);
}

const mnv3_dsp_f32 *
mnv3_dsp_f32_get (mnv3_isa isa)
{
  if (isa == MNV3_ISA_AUTO)
    isa = mnv3_cpu_resolve (MNV3_ISA_AUTO);
  isa = mnv3_isa_float (isa);
  if (isa < MNV3_ISA_SCALAR)
    isa = MNV3_ISA_SCALAR;
  pthread_once (&f32_once, f32_tables_init);
  return &f32_tables[isa];
}
