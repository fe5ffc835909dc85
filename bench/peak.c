/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * peak: this machine's arithmetic peak per core, for bench/compare's
 * "ms at peak" column.
 *
 *   peak [--json] [--ms N]
 *
 * For every instruction set the CPU has, one thread runs a loop of
 * independent multiply-accumulate chains (enough of them to hide the
 * instruction latency on both FMA ports) and reports multiply-adds per
 * second:
 *
 *   fp32 avx2      vfmadd231ps ymm            8 MACs an instruction
 *   fp32 avx512    vfmadd231ps zmm           16
 *   int8 avx2      vpmaddubsw + vpmaddwd + vpaddd ymm   32 per 3
 *   int8 avx512bw  the same on zmm           64 per 3
 *   int8 avxvnni   vpdpbusd ymm              32
 *   int8 avx512vnni vpdpbusd zmm             64
 *
 * (int8 here means u8 x s8 products summed into s32, what integer
 * convolution kernels use.)  Each kernel runs for about --ms milliseconds
 * (default 10), 30 times; the best of the 30 is reported, since other
 * programs can only slow a run down.  No network is involved: this is the
 * ceiling no engine can pass on one core.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define PEAK_X86 1
#endif

typedef struct {
  const char *name;             /* "fp32 avx512" */
  const char *type;             /* "fp32" or "int8" */
  const char *isa;              /* what __builtin_cpu_supports needs */
  int macs_per_iter;            /* multiply-adds one loop iteration does */
  double (*run) (long iters);   /* returns a value so nothing is dead code */
} kernel;

/* Every kernel's result goes here, so none of them is dead code. */
static volatile double peak_sink;

static double
now_s (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#ifdef PEAK_X86

/* An empty asm that claims to change V: the compiler must then recompute
 * everything that depends on V in every iteration instead of hoisting
 * loop-invariant multiplies out of the loop. */
#define PEAK_CLOBBER(v) __asm__ volatile ("" : "+x" (v))
#define PEAK_CLOBBER_Z(v) __asm__ volatile ("" : "+v" (v))

/* 12 chains: 4-cycle FMA latency x 2 ports needs 8 in flight; 12 leaves
 * room for the loop overhead. */
__attribute__((target ("avx2,fma")))
static double
fp32_avx2 (long iters)
{
  __m256 a = _mm256_set1_ps (1.0001f), b = _mm256_set1_ps (0.9999f);
  __m256 c[12];
  float out[8];

  for (int i = 0; i < 12; i++)
    c[i] = _mm256_set1_ps ((float) i);
  for (long n = 0; n < iters; n++) {
    for (int i = 0; i < 12; i++)
      c[i] = _mm256_fmadd_ps (a, b, c[i]);
  }
  for (int i = 1; i < 12; i++)
    c[0] = _mm256_add_ps (c[0], c[i]);
  _mm256_storeu_ps (out, c[0]);
  return out[0];
}

__attribute__((target ("avx512f")))
static double
fp32_avx512 (long iters)
{
  __m512 a = _mm512_set1_ps (1.0001f), b = _mm512_set1_ps (0.9999f);
  __m512 c[12];

  for (int i = 0; i < 12; i++)
    c[i] = _mm512_set1_ps ((float) i);
  for (long n = 0; n < iters; n++) {
    for (int i = 0; i < 12; i++)
      c[i] = _mm512_fmadd_ps (a, b, c[i]);
  }
  for (int i = 1; i < 12; i++)
    c[0] = _mm512_add_ps (c[0], c[i]);
  return _mm512_reduce_add_ps (c[0]);
}

/* u8 x s8 -> s16 pairs (vpmaddubsw), pairs -> s32 (vpmaddwd with ones),
 * accumulate (vpaddd): the AVX2 int8 dot product.  Only the vpaddd is on
 * the loop-carried chain, so 6 chains suffice; more would not fit the 16
 * ymm registers with their 6 weights (spills would be measured instead). */
__attribute__((target ("avx2")))
static double
int8_avx2 (long iters)
{
  __m256i a = _mm256_set1_epi8 (3), ones = _mm256_set1_epi16 (1);
  __m256i b[6], c[6];
  int32_t out[8];

  for (int i = 0; i < 6; i++) {
    b[i] = _mm256_set1_epi8 ((char) (i + 1));
    c[i] = _mm256_setzero_si256 ();
  }
  for (long n = 0; n < iters; n++) {
    PEAK_CLOBBER (a);
    for (int i = 0; i < 6; i++)
      c[i] = _mm256_add_epi32 (c[i], _mm256_madd_epi16 (
              _mm256_maddubs_epi16 (a, b[i]), ones));
  }
  for (int i = 1; i < 6; i++)
    c[0] = _mm256_add_epi32 (c[0], c[i]);
  _mm256_storeu_si256 ((__m256i *) out, c[0]);
  return out[0];
}

__attribute__((target ("avx512f,avx512bw")))
static double
int8_avx512bw (long iters)
{
  __m512i a = _mm512_set1_epi8 (3), ones = _mm512_set1_epi16 (1);
  __m512i b[8], c[8];

  for (int i = 0; i < 8; i++) {
    b[i] = _mm512_set1_epi8 ((char) (i + 1));
    c[i] = _mm512_setzero_si512 ();
  }
  for (long n = 0; n < iters; n++) {
    PEAK_CLOBBER_Z (a);
    for (int i = 0; i < 8; i++)
      c[i] = _mm512_add_epi32 (c[i], _mm512_madd_epi16 (
              _mm512_maddubs_epi16 (a, b[i]), ones));
  }
  for (int i = 1; i < 8; i++)
    c[0] = _mm512_add_epi32 (c[0], c[i]);
  return _mm512_reduce_add_epi32 (c[0]);
}

__attribute__((target ("avxvnni")))
static double
int8_avxvnni (long iters)
{
  __m256i a = _mm256_set1_epi8 (3), b = _mm256_set1_epi8 (5);
  __m256i c[12];
  int32_t out[8];

  for (int i = 0; i < 12; i++)
    c[i] = _mm256_setzero_si256 ();
  for (long n = 0; n < iters; n++) {
    for (int i = 0; i < 12; i++)
      c[i] = _mm256_dpbusd_avx_epi32 (c[i], a, b);
  }
  for (int i = 1; i < 12; i++)
    c[0] = _mm256_add_epi32 (c[0], c[i]);
  _mm256_storeu_si256 ((__m256i *) out, c[0]);
  return out[0];
}

__attribute__((target ("avx512f,avx512vnni")))
static double
int8_avx512vnni (long iters)
{
  __m512i a = _mm512_set1_epi8 (3), b = _mm512_set1_epi8 (5);
  __m512i c[12];

  for (int i = 0; i < 12; i++)
    c[i] = _mm512_setzero_si512 ();
  for (long n = 0; n < iters; n++) {
    for (int i = 0; i < 12; i++)
      c[i] = _mm512_dpbusd_epi32 (c[i], a, b);
  }
  for (int i = 1; i < 12; i++)
    c[0] = _mm512_add_epi32 (c[0], c[i]);
  return _mm512_reduce_add_epi32 (c[0]);
}

/* CPUID leaf 7, sub-leaf 1, EAX bit 4; asked directly because not every
 * compiler's __builtin_cpu_supports knows "avxvnni".  The OS saves the ymm
 * state whenever AVX2 is usable, which the caller checks. */
static int
peak_has_avxvnni (void)
{
  unsigned a, b, c, d;

  if (!__get_cpuid_count (7, 1, &a, &b, &c, &d))
    return 0;
  return (a >> 4) & 1;
}

static int
peak_cpu_has (const char *isa)
{
  __builtin_cpu_init ();
  if (strcmp (isa, "avx2") == 0)
    return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
  if (strcmp (isa, "avx512") == 0)
    return __builtin_cpu_supports ("avx512f");
  if (strcmp (isa, "avx512bw") == 0)
    return __builtin_cpu_supports ("avx512bw");
  if (strcmp (isa, "avxvnni") == 0)
    return __builtin_cpu_supports ("avx2") && peak_has_avxvnni ();
  if (strcmp (isa, "avx512vnni") == 0)
    return __builtin_cpu_supports ("avx512vnni");
  return 0;
}

static const kernel kernels[] = {
  {"fp32 avx2", "fp32", "avx2", 12 * 8, fp32_avx2},
  {"fp32 avx512", "fp32", "avx512", 12 * 16, fp32_avx512},
  {"int8 avx2", "int8", "avx2", 6 * 32, int8_avx2},
  {"int8 avx512bw", "int8", "avx512bw", 8 * 64, int8_avx512bw},
  {"int8 avxvnni", "int8", "avxvnni", 12 * 32, int8_avxvnni},
  {"int8 avx512vnni", "int8", "avx512vnni", 12 * 64, int8_avx512vnni},
};
#define N_KERNELS (sizeof (kernels) / sizeof (kernels[0]))

#else /* not x86-64 */

static int
peak_cpu_has (const char *isa)
{
  (void) isa;
  return 0;
}

static const kernel kernels[1];
#define N_KERNELS 0

#endif

/* Best multiply-adds per second of K over 30 runs of about MS ms: short
 * runs, many of them, so that on a busy machine some run is not preempted. */
static double
peak_measure (const kernel *k, double ms)
{
  long iters = 1000;
  double best = 0, t;

  /* Grow the iteration count until one run takes a tenth of the target,
   * then scale: the clock's resolution is then irrelevant. */
  for (;;) {
    t = now_s ();
    peak_sink += k->run (iters);
    t = now_s () - t;
    if (t > ms * 1e-4 || iters > (1L << 40))
      break;
    iters *= 4;
  }
  iters = (long) (iters * (ms * 1e-3 / (t > 0 ? t : 1e-9)));
  if (iters < 1)
    iters = 1;
  for (int r = 0; r < 30; r++) {
    double rate;

    t = now_s ();
    peak_sink += k->run (iters);
    t = now_s () - t;
    rate = (double) iters * k->macs_per_iter / t;
    if (rate > best)
      best = rate;
  }
  return best;
}

int
main (int argc, char **argv)
{
  int json = 0, first = 1;
  double ms = 10;

  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp (argv[i], "--ms") == 0 && i + 1 < argc) {
      char *end;

      ms = strtod (argv[++i], &end);
      if (*end || !(ms >= 1 && ms <= 10000)) {
        fprintf (stderr, "peak: --ms wants 1..10000, not %s\n", argv[i]);
        return 2;
      }
    } else {
      fprintf (stderr, "usage: peak [--json] [--ms N]\n");
      return strcmp (argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  if (json)
    printf ("{\"peaks\": [");
  for (size_t i = 0; i < N_KERNELS; i++) {
    const kernel *k = &kernels[i];
    double gmacs;

    if (!peak_cpu_has (k->isa))
      continue;
    gmacs = peak_measure (k, ms) * 1e-9;
    if (json)
      printf ("%s{\"name\": \"%s\", \"type\": \"%s\", \"gmacs\": %.2f}",
          first ? "" : ", ", k->name, k->type, gmacs);
    else
      printf ("%-16s %8.1f GMAC/s per core\n", k->name, gmacs);
    first = 0;
  }
  if (json)
    printf ("]}\n");
  else if (first)
    printf ("no kernel for this CPU (x86-64 AVX2 or AVX-512 only)\n");
  return 0;
}
