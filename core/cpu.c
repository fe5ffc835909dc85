/* cpu.c — CPUID + XGETBV instruction-set detection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

#if defined(MNV3_X86)
#include <cpuid.h>

static unsigned long long
read_xcr0 (void)
{
  unsigned eax, edx;
  __asm__ volatile ("xgetbv" : "=a" (eax), "=d" (edx) : "c" (0));
  return ((unsigned long long) edx << 32) | eax;
}

static mnv3_isa
detect_x86 (void)
{
  unsigned a, b, c, d;
  unsigned long long xcr0;
  int avx2, fma, osxsave, avx512;

  if (!__get_cpuid (1, &a, &b, &c, &d))
    return MNV3_ISA_SCALAR;
  fma = (c >> 12) & 1;
  osxsave = (c >> 27) & 1;
  if (!osxsave || !fma || !((c >> 28) & 1) /* AVX */)
    return MNV3_ISA_SCALAR;
  xcr0 = read_xcr0 ();
  /* XMM (bit 1) and YMM (bit 2) state saved by the OS */
  if ((xcr0 & 0x6) != 0x6)
    return MNV3_ISA_SCALAR;
  if (__get_cpuid_max (0, NULL) < 7)
    return MNV3_ISA_SCALAR;
  __cpuid_count (7, 0, a, b, c, d);
  avx2 = (b >> 5) & 1;
  if (!avx2)
    return MNV3_ISA_SCALAR;
  /* AVX-512 F (16), DQ (17), BW (30), VL (31); OS saves opmask, ZMM_Hi256
   * and Hi16_ZMM (XCR0 bits 5..7). */
  avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1)
      && ((b >> 31) & 1) && (xcr0 & 0xe0) == 0xe0;
  return avx512 ? MNV3_ISA_AVX512 : MNV3_ISA_AVX2;
}
#endif

mnv3_isa
mnv3_cpu_detect (void)
{
  static mnv3_isa cached = MNV3_ISA_AUTO;

  if (cached == MNV3_ISA_AUTO) {
#if defined(MNV3_X86)
    cached = detect_x86 ();
#else
    cached = MNV3_ISA_SCALAR;
#endif
  }
  return cached;
}

static mnv3_isa
env_cap (void)
{
  const char *e = getenv ("MNV3_ISA");

  if (!e || !*e)
    return MNV3_ISA_AVX512;
  if (!strcmp (e, "scalar") || !strcmp (e, "c"))
    return MNV3_ISA_SCALAR;
  if (!strcmp (e, "avx2"))
    return MNV3_ISA_AVX2;
  return MNV3_ISA_AVX512;
}

mnv3_isa
mnv3_cpu_resolve (mnv3_isa requested)
{
  mnv3_isa have = mnv3_cpu_detect ();
  mnv3_isa want = requested == MNV3_ISA_AUTO ? env_cap () : requested;

  return want < have ? want : have;
}

const char *
mnv3_isa_name (mnv3_isa isa)
{
  switch (isa) {
    case MNV3_ISA_SCALAR: return "scalar";
    case MNV3_ISA_AVX2: return "avx2";
    case MNV3_ISA_AVX512: return "avx512";
    default: return "auto";
  }
}
