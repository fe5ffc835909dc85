/* cpu.h — run-time instruction-set detection.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CPUID says what the processor has; XGETBV says whether the OS saves the
 * AVX (YMM) and AVX-512 (opmask, ZMM) state.  The result is an ISA level
 * (mnv3_isa, ordered: each level includes the ones below) plus feature bits
 * that do not form a level of their own (AVX-VNNI: the VEX-encoded dot
 * products some AVX2-only CPUs have, used by the integer kernels at the
 * AVX2 level).
 *
 * $MNV3_ISA=scalar|avx2|avx512|avx512vnni caps the level (it never raises
 * it above what the CPU can run); "avx2-novnni" caps at AVX2 and also
 * hides AVX-VNNI.  Float kernels treat AVX512VNNI as AVX512.
 *
 * Detection runs once; the result is published through an atomic, so any
 * thread may call these functions at any time.
 */
#ifndef MNV3_CPU_H
#define MNV3_CPU_H

#include "mnv3.h"

/* Feature bits beside the level (mnv3_cpu_features). */
enum {
  MNV3_CPU_AVXVNNI = 1 << 0,     /* CPUID.(7,1):EAX[4], VEX vpdpbusd ymm */
  MNV3_CPU_AVX512VBMI = 1 << 1,  /* CPUID.(7,0):ECX[1], vpermi2b (only
                                  * set with the AVX-512 level) */
};

/* Best ISA the CPU and OS support, ignoring $MNV3_ISA. */
mnv3_isa mnv3_cpu_detect (void);
/* Feature bits the CPU and OS support, minus those $MNV3_ISA hides. */
unsigned mnv3_cpu_features (void);
/* Resolve a request: AUTO -> min(detected, $MNV3_ISA); a concrete request
 * is clamped to what the CPU supports. */
mnv3_isa mnv3_cpu_resolve (mnv3_isa requested);

/* The level a float kernel runs at: float kernels have no VNNI variant. */
static inline mnv3_isa
mnv3_isa_float (mnv3_isa isa)
{
  return isa > MNV3_ISA_AVX512 ? MNV3_ISA_AVX512 : isa;
}

#endif /* MNV3_CPU_H */
