/* test_qmath.c — the fixed-point helpers against hand-computed values.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "qtest.h"

START_TEST (test_qmul_known)
{
  mnv3_qmul m;

  m = mnv3_qmul_from_double (0.5);
  ck_assert_int_eq (m.mult, 1 << 30);
  ck_assert_int_eq (m.shift, 0);
  m = mnv3_qmul_from_double (1.0);          /* frexp(1) = 0.5 * 2^1 */
  ck_assert_int_eq (m.mult, 1 << 30);
  ck_assert_int_eq (m.shift, 1);
  m = mnv3_qmul_from_double (0.75);
  ck_assert_int_eq (m.mult, 1610612736);
  ck_assert_int_eq (m.shift, 0);
  m = mnv3_qmul_from_double (0.1);          /* round(0.8 * 2^31), 2^-3 */
  ck_assert_int_eq (m.mult, 1717986918);
  ck_assert_int_eq (m.shift, -3);
  m = mnv3_qmul_from_double (0.0);
  ck_assert_int_eq (m.mult, 0);
  ck_assert_int_eq (m.shift, 0);
  /* q rounds up to 1.0: the carry moves into the shift. */
  m = mnv3_qmul_from_double (1.0 - ldexp (1.0, -40));
  ck_assert_int_eq (m.mult, 1 << 30);
  ck_assert_int_eq (m.shift, 1);
  /* Tiny: shift below -31 flushes to zero; 2^-32 is the last kept. */
  m = mnv3_qmul_from_double (ldexp (1.0, -40));
  ck_assert_int_eq (m.mult, 0);
  ck_assert_int_eq (m.shift, 0);
  m = mnv3_qmul_from_double (ldexp (1.0, -32));
  ck_assert_int_eq (m.mult, 1 << 30);
  ck_assert_int_eq (m.shift, -31);
  m = mnv3_qmul_from_double (ldexp (0.75, -32));
  ck_assert_int_eq (m.mult, 0);
  /* Huge. */
  m = mnv3_qmul_from_double (ldexp (1.0, 40));
  ck_assert_int_eq (m.mult, 1 << 30);
  ck_assert_int_eq (m.shift, 41);
}
END_TEST

START_TEST (test_qmul_random)
{
  for (int i = 0; i < 20000; i++) {
    double real = exp ((qrand () % 40000) / 1000.0 - 30.0);
    mnv3_qmul m = mnv3_qmul_from_double (real);
    double back = ldexp ((double) m.mult, m.shift - 31);
    if (real < ldexp (1.0, -32)) {      /* flushed to zero */
      ck_assert (m.mult == 0 || real >= ldexp (1.0, -33));
      continue;
    }
    ck_assert (m.mult >= (1 << 30));
    ck_assert (fabs (back - real) <= real * ldexp (1.0, -30));
  }
}
END_TEST

START_TEST (test_srdhm_rdivpot)
{
  ck_assert_int_eq (mnv3_q_srdhm (INT32_MIN, INT32_MIN), INT32_MAX);
  ck_assert_int_eq (mnv3_q_srdhm (INT32_MIN, INT32_MAX), -INT32_MAX);
  ck_assert_int_eq (mnv3_q_srdhm (INT32_MAX, INT32_MAX), INT32_MAX - 1);
  /* x * 0.5: ties go up (toward +inf), for both signs. */
  ck_assert_int_eq (mnv3_q_srdhm (3, 1 << 30), 2);
  ck_assert_int_eq (mnv3_q_srdhm (-3, 1 << 30), -1);
  ck_assert_int_eq (mnv3_q_srdhm (-5, 1 << 30), -2);
  ck_assert_int_eq (mnv3_q_srdhm (0, INT32_MAX), 0);

  /* Rounding right shift: ties away from zero. */
  ck_assert_int_eq (mnv3_q_rdivpot (3, 1), 2);
  ck_assert_int_eq (mnv3_q_rdivpot (-3, 1), -2);
  ck_assert_int_eq (mnv3_q_rdivpot (-5, 2), -1);
  ck_assert_int_eq (mnv3_q_rdivpot (-6, 2), -2);
  ck_assert_int_eq (mnv3_q_rdivpot (-7, 2), -2);
  ck_assert_int_eq (mnv3_q_rdivpot (5, 2), 1);
  ck_assert_int_eq (mnv3_q_rdivpot (6, 2), 2);
  ck_assert_int_eq (mnv3_q_rdivpot (17, 0), 17);
  ck_assert_int_eq (mnv3_q_rdivpot (INT32_MIN, 31), -1);
  ck_assert_int_eq (mnv3_q_rdivpot (INT32_MAX, 31), 1);
  ck_assert_int_eq (mnv3_q_rdivpot (INT32_MIN, 1), INT32_MIN / 2);
  ck_assert_int_eq (mnv3_q_rdivpot (-1, 31), 0);
}
END_TEST

START_TEST (test_apply_variants)
{
  mnv3_qmul quarter = { 1 << 30, -1 };   /* 0.25 */
  mnv3_qmul two = { 1 << 30, 2 };        /* 2.0 */

  /* -6 * 0.25 = -1.5: gemmlowp rounds away from zero, ruy up. */
  ck_assert_int_eq (mnv3_qmul_apply (-6, quarter), -2);
  ck_assert_int_eq (mnv3_qmul_apply_ruy (-6, quarter), -1);
  ck_assert_int_eq (mnv3_qmul_apply (6, quarter), 2);
  ck_assert_int_eq (mnv3_qmul_apply_ruy (6, quarter), 2);
  ck_assert_int_eq (mnv3_qmul_apply (-5, quarter), -1);
  ck_assert_int_eq (mnv3_qmul_apply_ruy (-5, quarter), -1);
  ck_assert_int_eq (mnv3_qmul_apply (-1000, two), -2000);
  ck_assert_int_eq (mnv3_qmul_apply_ruy (-1000, two), -2000);

  /* Both agree with exact rounding except at exact ties, and differ by at
   * most 1 there. */
  for (int i = 0; i < 200000; i++) {
    int32_t x = (int32_t) (qrand () >> 1) - (1 << 30);
    mnv3_qmul m = mnv3_qmul_from_double (exp ((qrand () % 20000) / 1000.0
            - 20.0));
    long double exact = ldexpl ((long double) x * m.mult, m.shift - 31);
    int32_t a, b;
    if (m.shift > 0 && fabsl ((long double) x * ldexpl (1.0L, m.shift))
        >= 2147483647.0L)
      continue;
    a = mnv3_qmul_apply (x, m);
    b = mnv3_qmul_apply_ruy (x, m);
    /* Two rounding steps: at most 1/2 + 1/4 off the exact value. */
    ck_assert (fabsl ((long double) a - exact) <= 0.75L);
    ck_assert (fabsl ((long double) b - exact) <= 0.75L);
    if (m.shift >= 0)           /* one step: both round half up */
      ck_assert_int_eq (a, b);
    else
      ck_assert (a == b || a == b - 1);   /* ruy rounds up, never down */
  }
}
END_TEST

START_TEST (test_act_range)
{
  mnv3_qtensor u8 = { MNV3_DTYPE_U8, 0.05f, 10 };
  mnv3_qtensor i8 = { MNV3_DTYPE_I8, 0.1f, -20 };
  mnv3_act none = { MNV3_ACT_NONE, 0, 0 }, relu = { MNV3_ACT_RELU, 0, 0 };
  mnv3_act relu6 = { MNV3_ACT_CLIP, 0.f, 6.f }, n1 = { MNV3_ACT_CLIP, -1, 1 };
  int32_t lo, hi;

  mnv3_q_act_range (none, &u8, &lo, &hi);
  ck_assert_int_eq (lo, 0);
  ck_assert_int_eq (hi, 255);
  mnv3_q_act_range (relu, &u8, &lo, &hi);
  ck_assert_int_eq (lo, 10);
  ck_assert_int_eq (hi, 255);
  mnv3_q_act_range (relu6, &u8, &lo, &hi);
  ck_assert_int_eq (lo, 10);
  ck_assert_int_eq (hi, 130);                /* 10 + 6 / 0.05 */
  mnv3_q_act_range (n1, &u8, &lo, &hi);
  ck_assert_int_eq (lo, 0);                  /* 10 - 20 clamps */
  ck_assert_int_eq (hi, 30);
  mnv3_q_act_range (relu6, &i8, &lo, &hi);
  ck_assert_int_eq (lo, -20);
  ck_assert_int_eq (hi, 40);
  mnv3_q_act_range (n1, &i8, &lo, &hi);
  ck_assert_int_eq (lo, -30);
  ck_assert_int_eq (hi, -10);
  /* 6 / 0.04 = 150: the bound clamps to the type. */
  i8.scale = 0.04f;
  mnv3_q_act_range (relu6, &i8, &lo, &hi);
  ck_assert_int_eq (hi, 127);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("quant-math");
  TCase *tc = tcase_create ("math");

  tcase_add_test (tc, test_qmul_known);
  tcase_add_test (tc, test_qmul_random);
  tcase_add_test (tc, test_srdhm_rdivpot);
  tcase_add_test (tc, test_apply_variants);
  tcase_add_test (tc, test_act_range);
  suite_add_tcase (s, tc);
  return q_run_suite (s);
}
