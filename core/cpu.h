/* cpu.h — run-time instruction-set detection.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CPUID says what the processor has; XGETBV says whether the OS saves the
 * AVX (YMM) and AVX-512 (opmask, ZMM) state.  $MNV3_ISA=scalar|avx2|avx512
 * caps the result (it never raises it above what the CPU can run).
 */
#ifndef MNV3_CPU_H
#define MNV3_CPU_H

#include "mnv3.h"

/* Best ISA the CPU and OS support, ignoring $MNV3_ISA. */
mnv3_isa mnv3_cpu_detect (void);
/* Resolve a request: AUTO -> min(detected, $MNV3_ISA); a concrete request
 * is clamped to what the CPU supports. */
mnv3_isa mnv3_cpu_resolve (mnv3_isa requested);

#endif /* MNV3_CPU_H */
