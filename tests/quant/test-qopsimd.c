/* test_qopsimd.c — the SIMD paths of the other 8-bit operators (bilinear
 * resize, argmax, ...) on every ISA the machine has against the scalar path of
 * the same operator, bytes identical (argmax: first maximum on ties).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The scalar paths are the references (test_qops checks them against
 * hand-checked values and the real-valued result, tflite-exact against
 * TFLite); here every ISA level must give their bytes over shapes built
 * to break tails (channels 1..67 around the 8-lane width and the flat /
 * per-pixel split at 8, widths 1..), all coordinate modes, up- and
 * downscaling by integer and other factors, saturated inputs, 1 and 2
 * threads, with guard bytes after the output.  The session's float
 * boundary (qboundary.h) likewise: ties, NaN, infinities, -0, huge and
 * tiny values, int64 values a float cannot hold. */
#include <math.h>

#include "cpu.h"
#include "qtest.h"
#include "quant/qboundary.h"
#include "threadpool.h"

#define GUARD 23
#define SENTINEL 0xa5

static mnv3_isa isas[4];
static const char *isa_names[4];
static int n_isas;

static void
isas_init (void)
{
  mnv3_isa have = mnv3_cpu_detect ();

  n_isas = 0;
  isas[n_isas] = MNV3_ISA_SCALAR;
  isa_names[n_isas++] = "c";
#ifdef MNV3_X86
  if (have >= MNV3_ISA_AVX2) {
    isas[n_isas] = MNV3_ISA_AVX2;
    isa_names[n_isas++] = "avx2";
  }
  if (have >= MNV3_ISA_AVX512) {
    isas[n_isas] = MNV3_ISA_AVX512;
    isa_names[n_isas++] = "avx512";
  }
#else
  (void) have;
#endif
}

/* ---- resize ----------------------------------------------------------- */

static void
check_resize (mnv3_isa isa, const char *name, mnv3_resize_coord coord,
    int nearest, mnv3_dtype t, int ih, int iw, int c, int oh, int ow,
    int fill, mnv3_threadpool *tp, int planned)
{
  const size_t ni = (size_t) ih * iw * c, no = (size_t) oh * ow * c;
  uint8_t *in = qbuf_random (ni, t), *want = qbuf (no);
  uint8_t *out = qbuf (no + GUARD);
  void *scratch = qbuf (mnv3_qresize_scratch_size (oh, ow, c,
          tp ? mnv3_threadpool_size (tp) : 1));

  if (fill >= 0)                /* saturated or constant inputs */
    memset (in, fill, ni);
  mnv3_qresize_run (MNV3_ISA_SCALAR, coord, nearest, t, in, ih, iw, c, want,
      oh, ow, NULL, NULL);
  memset (out, SENTINEL, no + GUARD);
  mnv3_qresize_run (isa, coord, nearest, t, in, ih, iw, c, out, oh, ow,
      planned ? scratch : NULL, tp);
  for (size_t i = 0; i < no; i++)
    if (out[i] != want[i])
      ck_abort_msg ("%s resize %s coord %d type %d %dx%dx%d -> %dx%d (%s):"
          " [%zu] = %d, want %d", name, nearest ? "nearest" : "bilinear",
          coord, t, ih, iw, c, oh, ow, tp ? "2 threads" : "1 thread", i,
          out[i], want[i]);
  for (size_t i = no; i < no + GUARD; i++)
    ck_assert_msg (out[i] == SENTINEL, "%s resize wrote past the output",
        name);
  free (in);
  free (want);
  free (out);
  free (scratch);
}

START_TEST (test_resize)
{
  static const mnv3_resize_coord coords[3] = { MNV3_COORD_ASYMMETRIC,
    MNV3_COORD_ALIGN_CORNERS, MNV3_COORD_HALF_PIXEL };
  const mnv3_isa isa = isas[_i];
  const char *name = isa_names[_i];
  int k = 0;

  for (int c = 1; c <= 67; c++)
    for (int ci = 0; ci < 3; ci++)
      for (int ti = 0; ti < 2; ti++, k++) {
        const mnv3_dtype t = ti ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
        const int ih = 1 + k % 7, iw = 1 + (k * 5) % 9;
        /* integer, fractional, x8, identity, down and 1-pixel outputs */
        const int oh[6] = { ih * 2, ih * 3 + 1, ih * 8, ih, 1 + ih / 2, 1 };
        const int ow[6] = { iw * 3, iw * 2 + 3, iw * 8, iw, 1 + iw / 3, 1 };
        for (int s = 0; s < 6; s++) {
          const int fill = s == 3 ? 255 : (s == 4 ? 0 : -1);
          check_resize (isa, name, coords[ci], 0, t, ih, iw, c, oh[s], ow[s],
              fill, (k + s) % 2 ? pool2 : NULL, (k + s) % 3 != 0);
        }
        check_resize (isa, name, coords[ci], 1, t, ih, iw, c, oh[k % 6],
            ow[(k + 1) % 6], -1, k % 2 ? pool2 : NULL, 1);
      }
  /* the road model's shapes: many output rows per input row, c 5 and 128 */
  check_resize (isa, name, MNV3_COORD_ASYMMETRIC, 0, MNV3_DTYPE_U8, 65, 129,
      5, 513, 1025, -1, pool2, 1);
  check_resize (isa, name, MNV3_COORD_HALF_PIXEL, 0, MNV3_DTYPE_U8, 17, 33,
      128, 65, 129, -1, NULL, 1);
  check_resize (isa, name, MNV3_COORD_HALF_PIXEL, 0, MNV3_DTYPE_I8, 65, 129,
      5, 513, 1025, -1, NULL, 1);
  check_resize (isa, name, MNV3_COORD_ASYMMETRIC, 0, MNV3_DTYPE_I8, 17, 33,
      128, 65, 129, -1, pool2, 1);
}
END_TEST

/* ---- argmax ----------------------------------------------------------- */

START_TEST (test_argmax)
{
  const mnv3_isa isa = isas[_i];
  const char *name = isa_names[_i];

  for (int c = 1; c <= 67; c++)
    for (int k = 0; k < 12; k++) {
      const mnv3_dtype t = k % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
      const mnv3_dtype ot = k % 4 < 2 ? MNV3_DTYPE_I32 : MNV3_DTYPE_I64;
      const size_t rows = (size_t) (k < 10 ? 1 + (k * 13 + c) % 37 : 9001);
      const size_t osz = ot == MNV3_DTYPE_I64 ? 8 : 4;
      uint8_t *in = qbuf_random (rows * c, t);
      uint8_t *want = qbuf (rows * osz), *out = qbuf (rows * osz + GUARD);
      /* ties: few distinct values, the type's ends, all equal */
      for (size_t i = 0; i < rows * c; i++)
        if (k % 6 == 2)
          in[i] = (uint8_t) (qrand () % 3 ? 0x80 : 0x7f);
        else if (k % 6 == 3)
          in[i] = (uint8_t) (qrand () % 2 ? 0xff : 0x00);
        else if (k % 6 == 4)
          in[i] = (uint8_t) (qrand () % 4);
        else if (k % 6 == 5)
          in[i] = 0x80;
      mnv3_qargmax_run (MNV3_ISA_SCALAR, t, in, ot, want, rows, c, NULL);
      memset (out, SENTINEL, rows * osz + GUARD);
      mnv3_qargmax_run (isa, t, in, ot, out, rows, c, k % 3 ? pool2 : NULL);
      if (memcmp (out, want, rows * osz) != 0)
        ck_abort_msg ("%s argmax type %d c %d rows %zu out %d differs", name,
            t, c, rows, ot);
      for (size_t i = rows * osz; i < rows * osz + GUARD; i++)
        ck_assert_msg (out[i] == SENTINEL, "%s argmax wrote past", name);
      free (in);
      free (want);
      free (out);
    }
}
END_TEST

/* ---- the session's float boundary -------------------------------------- */

static float
boundary_value (int k, float scale)
{
  static const float special[] = { 0.0f, -0.0f, INFINITY, -INFINITY, NAN,
    1e30f, -1e30f, 1e-40f, -1e-40f, 3.4e38f
  };
  switch (k % 4) {
    case 0:                     /* a tie of x / scale where scale is 2^-n */
      return ((float) (int) (qrand () % 600) - 300.0f + 0.5f) * scale;
    case 1:
      return special[qrand () % 10];
    default:                    /* around and past the type's range */
      return ((float) (qrand () % 200001) / 100000.0f - 1.0f) * 300.0f
          * scale;
  }
}

START_TEST (test_boundary)
{
  static const float scales[] = { 0.25f, 1.0f / 128, 1.0f / 255, 0.0213f,
    3.7f, 1e-3f
  };
  const mnv3_isa isa = isas[_i];
  const char *name = isa_names[_i];

  for (int c = 0; c < 80; c++) {
    const size_t n = c < 70 ? (size_t) c : 1000 + (size_t) c * 97;
    const mnv3_dtype t = c % 2 ? MNV3_DTYPE_I8 : MNV3_DTYPE_U8;
    const mnv3_qtensor q = { .type = t, .scale = scales[c % 6],
      .zp = c % 3 == 0 ? 0 : c % 3 == 1 ? (t == MNV3_DTYPE_I8 ? -128 : 128)
          : (int) (qrand () % 256) - (t == MNV3_DTYPE_I8 ? 128 : 0)
    };
    float *x = malloc ((n + 1) * sizeof *x), *fw = malloc ((n + 1) * 4);
    float *fo = malloc ((n + 1) * 4);
    int64_t *i64 = malloc ((n + 1) * sizeof *i64);
    int32_t *i32 = malloc ((n + 1) * sizeof *i32);
    uint8_t *want = qbuf (n + 1), *out = qbuf (n + GUARD);

    for (size_t i = 0; i < n; i++) {
      x[i] = boundary_value ((int) i + c, q.scale);
      i64[i] = (int64_t) ((uint64_t) qrand () << 40 ^ qrand ())
          * (i % 2 ? 1 : -1) >> (i % 41);
      i32[i] = (int32_t) (uint32_t) qrand () >> (i % 31);
    }
    mnv3_qboundary_quantize (MNV3_ISA_SCALAR, x, want, n, &q);
    memset (out, SENTINEL, n + GUARD);
    mnv3_qboundary_quantize (isa, x, out, n, &q);
    for (size_t i = 0; i < n; i++)
      if (out[i] != want[i])
        ck_abort_msg ("%s boundary quantize n %zu scale %g zp %d: [%zu] "
            "(%g) = %d, want %d", name, n, q.scale, q.zp, i, x[i], out[i],
            want[i]);
    for (size_t i = n; i < n + GUARD; i++)
      ck_assert_msg (out[i] == SENTINEL, "%s boundary wrote past", name);
    for (int w = 0; w < 2; w++) {
      const mnv3_dtype it = w ? MNV3_DTYPE_I64 : MNV3_DTYPE_I32;
      const void *in = w ? (const void *) i64 : (const void *) i32;
      mnv3_qboundary_int_to_float (MNV3_ISA_SCALAR, it, in, fw, n);
      mnv3_qboundary_int_to_float (isa, it, in, fo, n);
      ck_assert_msg (memcmp (fo, fw, n * sizeof *fo) == 0,
          "%s boundary int%d -> float n %zu differs", name, w ? 64 : 32, n);
    }
    free (x);
    free (fw);
    free (fo);
    free (i64);
    free (i32);
    free (want);
    free (out);
  }
}
END_TEST

static Suite *
qopsimd_suite (void)
{
  Suite *s = suite_create ("qopsimd");
  TCase *tc = tcase_create ("ops");

  tcase_add_checked_fixture (tc, q_setup, q_teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_loop_test (tc, test_resize, 0, n_isas);
  tcase_add_loop_test (tc, test_argmax, 0, n_isas);
  tcase_add_loop_test (tc, test_boundary, 0, n_isas);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  isas_init ();
  printf ("operator paths tested:");
  for (int i = 0; i < n_isas; i++)
    printf (" %s", isa_names[i]);
  printf ("\n");
  return q_run_suite (qopsimd_suite ());
}
