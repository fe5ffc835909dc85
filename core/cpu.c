/* cpu.c — CPUID + XGETBV instruction-set detection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

typedef struct {
  mnv3_isa isa;
  unsigned features;
} cpu_info;

#if defined(MNV3_X86)
#include <cpuid.h>

static unsigned long long
read_xcr0 (void)
{
  unsigned eax, edx;
  __asm__ volatile ("xgetbv" : "=a" (eax), "=d" (edx) : "c" (0));
  return ((unsigned long long) edx << 32) | eax;
}

static cpu_info
detect_x86 (void)
{
  cpu_info r = { MNV3_ISA_SCALAR, 0 };
  unsigned a, b, c, d, max7;
  unsigned long long xcr0;
  int avx2, fma, osxsave, avx512;

  if (!__get_cpuid (1, &a, &b, &c, &d))
    return r;
  fma = (c >> 12) & 1;
  osxsave = (c >> 27) & 1;
  if (!osxsave || !fma || !((c >> 28) & 1) /* AVX */)
    return r;
  xcr0 = read_xcr0 ();
  /* XMM (bit 1) and YMM (bit 2) state saved by the OS */
  if ((xcr0 & 0x6) != 0x6)
    return r;
  if (__get_cpuid_max (0, NULL) < 7)
    return r;
  __cpuid_count (7, 0, a, b, c, d);
  max7 = a;
  avx2 = (b >> 5) & 1;
  if (!avx2)
    return r;
  r.isa = MNV3_ISA_AVX2;
  /* AVX-512 F (16), DQ (17), BW (30), VL (31); OS saves opmask, ZMM_Hi256
   * and Hi16_ZMM (XCR0 bits 5..7). */
  avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1)
      && ((b >> 31) & 1) && (xcr0 & 0xe0) == 0xe0;
  if (avx512) {
    r.isa = (c >> 11) & 1 /* AVX512_VNNI */ ? MNV3_ISA_AVX512VNNI
        : MNV3_ISA_AVX512;
    if ((c >> 1) & 1 /* AVX512_VBMI */)
      r.features |= MNV3_CPU_AVX512VBMI;
  }
  if (max7 >= 1) {
    __cpuid_count (7, 1, a, b, c, d);
    if ((a >> 4) & 1 /* AVX-VNNI */)
      r.features |= MNV3_CPU_AVXVNNI;
  }
  return r;
}
#endif

static cpu_info
cpu_get (void)
{
  /* -1 until the first detection, then the level in bits 0..7 and the
   * feature bits above: one word, so a reader never pairs a level and
   * features from different stores.  Detection is a pure function of the
   * machine, so threads racing here store the same value. */
  static atomic_int cached = -1;
  int v = atomic_load_explicit (&cached, memory_order_acquire);
  cpu_info r;

  if (v < 0) {
#if defined(MNV3_X86)
    r = detect_x86 ();
#else
    r = (cpu_info) { MNV3_ISA_SCALAR, 0 };
#endif
    v = (int) r.isa | (int) (r.features << 8);
    atomic_store_explicit (&cached, v, memory_order_release);
  }
  r.isa = (mnv3_isa) (v & 0xff);
  r.features = (unsigned) v >> 8;
  return r;
}

mnv3_isa
mnv3_cpu_detect (void)
{
  return cpu_get ().isa;
}

/* $MNV3_ISA: the level cap, and the feature bits it leaves visible. */
static mnv3_isa
env_cap (unsigned *features)
{
  const char *e = getenv ("MNV3_ISA");

  *features = ~0u;
  if (!e || !*e)
    return MNV3_ISA_AVX512VNNI;
  if (!strcmp (e, "scalar") || !strcmp (e, "c")) {
    *features = 0;
    return MNV3_ISA_SCALAR;
  }
  if (!strcmp (e, "avx2-novnni")) {
    *features = 0;
    return MNV3_ISA_AVX2;
  }
  if (!strcmp (e, "avx2"))
    return MNV3_ISA_AVX2;
  if (!strcmp (e, "avx512"))
    return MNV3_ISA_AVX512;
  return MNV3_ISA_AVX512VNNI;
}

unsigned
mnv3_cpu_features (void)
{
  unsigned visible;

  env_cap (&visible);
  return cpu_get ().features & visible;
}

mnv3_isa
mnv3_cpu_resolve (mnv3_isa requested)
{
  unsigned visible;
  mnv3_isa have = mnv3_cpu_detect ();
  mnv3_isa cap = env_cap (&visible);
  mnv3_isa want = requested == MNV3_ISA_AUTO ? cap : requested;

  return want < have ? want : have;
}

const char *
mnv3_isa_name (mnv3_isa isa)
{
  switch (isa) {
    case MNV3_ISA_SCALAR: return "scalar";
    case MNV3_ISA_AVX2: return "avx2";
    case MNV3_ISA_AVX512: return "avx512";
    case MNV3_ISA_AVX512VNNI: return "avx512vnni";
    default: return "auto";
  }
}
