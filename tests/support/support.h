/* support.h — the test-support library (tests/support/), used by every test.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What more than one test needs, written once: deterministic random data,
 * guard values after outputs, the ISAs to run, tolerance checks, the colour
 * conversion frames are built with, and (where libpng/libjpeg are found) the
 * committed photos.  Plain C and Check, no GLib, so core and element tests
 * can both link it.  Failures are Check assertions: call these from a test.
 */
#ifndef MNV3_TEST_SUPPORT_H
#define MNV3_TEST_SUPPORT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "mnv3.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- random data (random.c) ----------------------------------------------
 * One process-wide linear congruential generator: the same seed gives the
 * same data on every machine.  Check forks each test from main(), so a
 * seed set in main() is where every test starts. */
void mnv3_test_seed (unsigned seed);
/* Uniform in [lo, hi) with 24-bit resolution. */
float mnv3_test_frand (float lo, float hi);
/* n values of mnv3_test_frand (lo, hi), malloc'ed to exactly n (at least 1)
 * floats so AddressSanitizer sees a read past the end. */
float *mnv3_test_random_buf (size_t n, float lo, float hi);

/* ---- guard values (random.c) ---------------------------------------------
 * An output buffer of n floats followed by `guard` copies of value; the
 * check fails the test when a kernel wrote past n. */
float *mnv3_test_guarded_buf (size_t n, size_t guard, float value);
void mnv3_test_check_guard (const float *p, size_t n, size_t guard,
    float value, const char *what);

/* ---- ISAs ----------------------------------------------------------------
 * The scalar reference first, then every SIMD level this CPU (and
 * $MNV3_ISA) allows, VNNI levels included (integer kernels differ there;
 * float kernels run them as AVX-512). */
#define MNV3_TEST_FOR_EACH_ISA(isa) \
  for (mnv3_isa isa = MNV3_ISA_SCALAR; isa <= mnv3_cpu_detect (); \
      isa = (mnv3_isa) (isa + 1))
/* Every float kernel variant this CPU runs, each once. */
#define MNV3_TEST_FOR_EACH_FLOAT_ISA(isa) \
  for (mnv3_isa isa = MNV3_ISA_SCALAR; \
      isa <= mnv3_isa_float (mnv3_cpu_detect ()); isa = (mnv3_isa) (isa + 1))

/* ---- tolerances (tolerance.c) --------------------------------------------
 * |got[i] - want[i]| <= rel * |want[i]| + abs_tol for every i, else the
 * test fails naming `what` and the first element off. */
void mnv3_test_check_close (const char *what, const float *got,
    const double *want, size_t n, double rel, double abs_tol);
void mnv3_test_check_close_f (const char *what, const float *got,
    const float *want, size_t n, double rel, double abs_tol);
/* Runs one suite after printing the CPU's ISA; the exit status for main(). */
int mnv3_test_run_suite (Suite *s);

/* ---- reference files (files.c) ------------------------------------------
 * The whole file dir/<name><suffix> (raw little-endian float32, as the
 * generator scripts write it) in a malloc'd buffer; *n gets its float
 * count.  Fails the test when the file cannot be read. */
float *mnv3_test_read_floats (const char *dir, const char *name,
    const char *suffix, size_t *n);

/* ---- colour (colour.c) ---------------------------------------------------
 * What GStreamer assumes for SD frames: BT.601, limited range.  The test's
 * own conversion, independent of the engine's. */
uint8_t mnv3_test_clamp_u8 (double v);
void mnv3_test_rgb_to_yuv (const uint8_t rgb[3], double *y, double *u,
    double *v);

#ifdef __cplusplus
}
#endif
#endif /* MNV3_TEST_SUPPORT_H */
