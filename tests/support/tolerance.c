/* tolerance.c — closeness checks and the suite runner (support.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"
#include "support.h"

void
mnv3_test_check_close (const char *what, const float *got,
    const double *want, size_t n, double rel, double abs_tol)
{
  for (size_t i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - want[i]);
    if (!(err <= rel * fabs (want[i]) + abs_tol))
      ck_abort_msg ("%s: [%zu] = %.9g, want %.9g (err %.3g)", what, i,
          got[i], want[i], err);
  }
}

void
mnv3_test_check_close_f (const char *what, const float *got,
    const float *want, size_t n, double rel, double abs_tol)
{
  for (size_t i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - want[i]);
    if (!(err <= rel * fabs ((double) want[i]) + abs_tol))
      ck_abort_msg ("%s: [%zu] = %.9g, want %.9g (err %.3g)", what, i,
          got[i], want[i], err);
  }
}

int
mnv3_test_run_suite (Suite *s)
{
  SRunner *sr = srunner_create (s);
  int failed;

  printf ("CPU ISA: %s\n", mnv3_isa_name (mnv3_cpu_detect ()));
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
