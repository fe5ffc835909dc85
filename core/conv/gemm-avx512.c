/* gemm-avx512.c — f32 GEMM, 12x32 register tile, AVX-512F.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract in gemm.h.  Panels are 32 columns (two zmm) or 16 for the last
 * narrow one.  A 12x32 tile keeps 24 accumulators + 2 B vectors in the 32
 * zmm registers; A values are broadcast straight from the NHWC rows.  Rows
 * are split evenly over tiles of up to 12 (see shape_rows); each shape
 * also exists in an indirect-A form (tap offset table, the implicit GEMM
 * of spatial convolutions).  Column tails use write masks, so nothing is
 * stored past n.  A single row (FC) has its own loop.
 */
#include <immintrin.h>

#include "conv/gemm.h"

#define MR MNV3_GEMM_AVX512_MR
#define NR MNV3_GEMM_AVX512_NR
#ifndef PF
#define PF 2048
#endif
#define ALWAYS_INLINE static inline __attribute__ ((always_inline))

typedef struct {
  __m512 zero, three, six, sixth, one, a, b;
} act_consts;

ALWAYS_INLINE void
act_consts_init (act_consts *k, mnv3_act act)
{
  k->zero = _mm512_setzero_ps ();
  k->three = _mm512_set1_ps (3.f);
  k->six = _mm512_set1_ps (6.f);
  k->sixth = _mm512_set1_ps (1.f / 6.f);
  k->one = _mm512_set1_ps (1.f);
  k->a = _mm512_set1_ps (act.a);
  k->b = _mm512_set1_ps (act.b);
}

/* Store x (row r, vector v) after residual and activation; the activation
 * type is a compile-time constant in every caller, so the switch folds. */
ALWAYS_INLINE void
store_vec (__m512 x, mnv3_act_type t, const act_consts *k, float *c,
    const float *res, __mmask16 mask)
{
  if (res)
    x = _mm512_add_ps (x, _mm512_maskz_loadu_ps (mask, res));
  switch (t) {
    case MNV3_ACT_RELU:
      x = _mm512_max_ps (x, k->zero);
      break;
    case MNV3_ACT_CLIP:
      x = _mm512_min_ps (_mm512_max_ps (x, k->a), k->b);
      break;
    case MNV3_ACT_HSWISH:{
      __m512 g = _mm512_min_ps (_mm512_max_ps (_mm512_add_ps (x, k->three),
              k->zero), k->six);
      x = _mm512_mul_ps (_mm512_mul_ps (x, g), k->sixth);
      break;
    }
    case MNV3_ACT_HSIGMOID:
      x = _mm512_min_ps (_mm512_max_ps (_mm512_fmadd_ps (x, k->a, k->b),
              k->zero), k->one);
      break;
    default:                   /* NONE; SIGMOID is applied after the store */
      break;
  }
  _mm512_mask_storeu_ps (c, mask, x);
}

/* Rows [0, R) of one stored block, activation T fixed at compile time. */
ALWAYS_INLINE void
store_rows (const int R, const int V, mnv3_act_type t, __m512 acc[][2],
    const act_consts *kc, float *c, size_t ldc, const float *res,
    size_t ldr, __mmask16 m0, __mmask16 m1)
{
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    store_vec (acc[r][0], t, kc, c + r * ldc, res ? res + r * ldr : NULL, m0);
    if (V > 1)
      store_vec (acc[r][1], t, kc, c + r * ldc + 16,
          res ? res + r * ldr + 16 : NULL, m1);
  }
}

/* Rows [0, R) x one panel of V vectors (V = 1 or 2); IND: A through the
 * tap offset table.  One K loop, then the activation picked once (act is
 * read only after the loop, so its parameters hold no register there). */
ALWAYS_INLINE void
tile (const int R, const int V, const int IND, size_t k, const float *a,
    size_t lda, const size_t *koff, const float *w, const float *bias,
    float *c, size_t ldc, const float *res, size_t ldr, __mmask16 m0,
    __mmask16 m1, const mnv3_act *act)
{
  __m512 acc[MR][2];
  const float *ap[MR];
  __m512 b0 = _mm512_load_ps (bias);
  __m512 b1 = V > 1 ? _mm512_load_ps (bias + 16) : b0;
  act_consts kc;

#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    acc[r][0] = b0;
    acc[r][1] = b1;
    ap[r] = a + r * lda;
  }
  for (size_t p = 0; p < k; p++) {
    __m512 w0 = _mm512_load_ps (w);
    __m512 w1 = V > 1 ? _mm512_load_ps (w + 16) : w0;
    w += 16 * V;
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      __m512 x = _mm512_set1_ps (ap[r][IND ? koff[p] : p]);
      acc[r][0] = _mm512_fmadd_ps (x, w0, acc[r][0]);
      if (V > 1)
        acc[r][1] = _mm512_fmadd_ps (x, w1, acc[r][1]);
    }
  }
  act_consts_init (&kc, *act);
  switch (act->type) {
#define STORE_CASE(T)                                                       \
    case T:                                                                 \
      store_rows (R, V, T, acc, &kc, c, ldc, res, ldr, m0, m1);             \
      break
    STORE_CASE (MNV3_ACT_RELU);
    STORE_CASE (MNV3_ACT_CLIP);
    STORE_CASE (MNV3_ACT_HSWISH);
    STORE_CASE (MNV3_ACT_HSIGMOID);
#undef STORE_CASE
    default:
      store_rows (R, V, MNV3_ACT_NONE, acc, &kc, c, ldc, res, ldr, m0, m1);
      break;
  }
}

typedef void (*tile_fn) (size_t, const float *, size_t, const size_t *,
    const float *, const float *, float *, size_t, const float *, size_t,
    __mmask16, __mmask16, const mnv3_act *);

/* One compiled tile shape: R rows, V vectors, dense or indirect A. */
#define DEFINE_TILE(R, V, IND)                                              \
  static void                                                               \
  tile_##R##x##V##_##IND (size_t k, const float *a, size_t lda,             \
      const size_t *koff, const float *w, const float *bias, float *c,      \
      size_t ldc, const float *res, size_t ldr, __mmask16 m0,               \
      __mmask16 m1, const mnv3_act *act)                                    \
  {                                                                         \
    tile (R, V, IND, k, a, lda, koff, w, bias, c, ldc, res, ldr, m0, m1,    \
        act);                                                               \
  }
#define DEFINE_SHAPES(R)                                                    \
  DEFINE_TILE (R, 1, 0) DEFINE_TILE (R, 2, 0)                               \
  DEFINE_TILE (R, 1, 1) DEFINE_TILE (R, 2, 1)

DEFINE_SHAPES (12)
DEFINE_SHAPES (11)
DEFINE_SHAPES (10)
DEFINE_SHAPES (9)
DEFINE_SHAPES (8)
DEFINE_SHAPES (7)
DEFINE_SHAPES (6)
DEFINE_SHAPES (4)
DEFINE_SHAPES (2)
DEFINE_SHAPES (1)

/* [rows][indirect][V - 1]; NULL rows are not compiled (see shape_rows) */
#define SHAPE(R) { {tile_##R##x1_0, tile_##R##x2_0},                         \
      {tile_##R##x1_1, tile_##R##x2_1} }
static const tile_fn tiles[MR + 1][2][2] = {
  [1] = SHAPE (1), [2] = SHAPE (2), [4] = SHAPE (4), [6] = SHAPE (6),
  [7] = SHAPE (7), [8] = SHAPE (8), [9] = SHAPE (9), [10] = SHAPE (10),
  [11] = SHAPE (11), [12] = SHAPE (12),
};
#undef SHAPE

/* Rows of the next tile when `left` rows remain: the rows of a block split
 * evenly over ceil(left / MR) tiles (49 = 10+10+10+10+9, not 12*4 + 1,
 * whose last 1-row tile would run one latency-bound FMA chain per vector),
 * rounded down to a compiled shape. */
static int
shape_rows (size_t left)
{
  static const unsigned char compiled[MR + 1] = { 0, 1, 2, 2, 4, 4, 6, 7, 8,
    9, 10, 11, 12
  };
  size_t tiles_left = (left + MR - 1) / MR;
  size_t r = (left + tiles_left - 1) / tiles_left;

  return compiled[r];
}

static __mmask16
mask_of (size_t cols)
{
  return cols >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << cols) - 1);
}

/* The 4 cache lines (64 floats) one gemv step consumes, PF floats on. */
ALWAYS_INLINE void
prefetch_lines (const float *pw)
{
  _mm_prefetch ((const char *) (pw + PF), _MM_HINT_T0);
  _mm_prefetch ((const char *) (pw + PF + 16), _MM_HINT_T0);
  _mm_prefetch ((const char *) (pw + PF + 32), _MM_HINT_T0);
  _mm_prefetch ((const char *) (pw + PF + 48), _MM_HINT_T0);
}

/* Single row (fully connected layers): the 1-row tile would run one
 * dependent FMA chain per vector; splitting K over two accumulator sets
 * gives four chains per panel, enough while B streams from L2/L3. */
static void
gemv (size_t n, const mnv3_gemm_args *g)
{
  const size_t k = g->k;
  const float *a = g->a;
  const float *w = g->w;
  act_consts kc;
  size_t j = 0;

  act_consts_init (&kc, g->act);
  while (j < n) {
    size_t left = n - j;
    size_t width = left > NR / 2 ? NR : NR / 2;
    size_t cols = left < width ? left : width;
    const float *pw = w + j * k;
    __m512 acc0 = _mm512_load_ps (g->bias + j), acc1 = _mm512_setzero_ps ();
    __m512 acc2 = _mm512_setzero_ps (), acc3 = _mm512_setzero_ps ();
    size_t p = 0;

    if (width == NR) {
      __m512 accb = _mm512_load_ps (g->bias + j + 16);
      for (; p + 2 <= k; p += 2) {
        __m512 x0 = _mm512_set1_ps (a[p]), x1 = _mm512_set1_ps (a[p + 1]);
        prefetch_lines (pw);
        acc0 = _mm512_fmadd_ps (x0, _mm512_load_ps (pw), acc0);
        acc1 = _mm512_fmadd_ps (x0, _mm512_load_ps (pw + 16), acc1);
        acc2 = _mm512_fmadd_ps (x1, _mm512_load_ps (pw + 32), acc2);
        acc3 = _mm512_fmadd_ps (x1, _mm512_load_ps (pw + 48), acc3);
        pw += 64;
      }
      if (p < k) {
        __m512 x0 = _mm512_set1_ps (a[p]);
        acc0 = _mm512_fmadd_ps (x0, _mm512_load_ps (pw), acc0);
        acc1 = _mm512_fmadd_ps (x0, _mm512_load_ps (pw + 16), acc1);
      }
      acc0 = _mm512_add_ps (acc0, acc2);
      acc1 = _mm512_add_ps (_mm512_add_ps (acc1, acc3), accb);
    } else {
      for (; p + 4 <= k; p += 4) {
        prefetch_lines (pw);
        acc0 = _mm512_fmadd_ps (_mm512_set1_ps (a[p]),
            _mm512_load_ps (pw), acc0);
        acc1 = _mm512_fmadd_ps (_mm512_set1_ps (a[p + 1]),
            _mm512_load_ps (pw + 16), acc1);
        acc2 = _mm512_fmadd_ps (_mm512_set1_ps (a[p + 2]),
            _mm512_load_ps (pw + 32), acc2);
        acc3 = _mm512_fmadd_ps (_mm512_set1_ps (a[p + 3]),
            _mm512_load_ps (pw + 48), acc3);
        pw += 64;
      }
      for (; p < k; p++) {
        acc0 = _mm512_fmadd_ps (_mm512_set1_ps (a[p]),
            _mm512_load_ps (pw), acc0);
        pw += 16;
      }
      acc0 = _mm512_add_ps (_mm512_add_ps (acc0, acc1),
          _mm512_add_ps (acc2, acc3));
    }
    {
      __mmask16 m0 = mask_of (cols), m1 = mask_of (cols > 16 ? cols - 16 : 0);
      const float *res = g->res ? g->res + j : NULL;
      float *c = g->c + j;

      switch (g->act.type) {
#define GEMV_STORE(T)                                                       \
        store_vec (acc0, T, &kc, c, res, m0);                               \
        if (width == NR)                                                    \
          store_vec (acc1, T, &kc, c + 16, res ? res + 16 : NULL, m1);      \
        break
        case MNV3_ACT_RELU:
          GEMV_STORE (MNV3_ACT_RELU);
        case MNV3_ACT_CLIP:
          GEMV_STORE (MNV3_ACT_CLIP);
        case MNV3_ACT_HSWISH:
          GEMV_STORE (MNV3_ACT_HSWISH);
        case MNV3_ACT_HSIGMOID:
          GEMV_STORE (MNV3_ACT_HSIGMOID);
        default:
          GEMV_STORE (MNV3_ACT_NONE);
#undef GEMV_STORE
      }
    }
    j += width;
  }
}

/* The sigmoid has no in-register form here: run the element-wise operator
 * over the rows just stored (still in L1). */
static void
finish_sigmoid (size_t m, size_t n, const mnv3_gemm_args *g)
{
  if (g->act.type != MNV3_ACT_SIGMOID)
    return;
  if (g->c_stride == n) {      /* contiguous rows: one call */
    mnv3_act_run (MNV3_ISA_AVX512, g->act, g->c, g->c, m * n, NULL);
    return;
  }
  for (size_t r = 0; r < m; r++) {
    float *c = g->c + r * g->c_stride;
    mnv3_act_run (MNV3_ISA_AVX512, g->act, c, c, n, NULL);
  }
}

void
mnv3_gemm_avx512 (size_t m, size_t n, const mnv3_gemm_args *g)
{
  const size_t k = g->k;
  const int ind = g->koff != NULL;

  if (m == 1 && !ind) {
    gemv (n, g);
    finish_sigmoid (m, n, g);
    return;
  }
  for (size_t i = 0; i < m;) {
    const int rows = shape_rows (m - i);
    const float *a = g->a + i * g->a_stride;
    float *c = g->c + i * g->c_stride;
    const float *res = g->res ? g->res + i * g->res_stride : NULL;

    for (size_t j = 0; j < n;) {
      size_t cols_left = n - j;
      int wide = cols_left > NR / 2;
      size_t cols = cols_left < (size_t) NR ? cols_left : NR;
      __mmask16 m0 = mask_of (cols), m1 = mask_of (cols > 16 ? cols - 16 : 0);

      tiles[rows][ind][wide] (k, a, g->a_stride, g->koff, g->w + j * k,
          g->bias + j, c + j, g->c_stride, res ? res + j : NULL,
          g->res_stride, m0, m1, &g->act);
      j += wide ? NR : NR / 2;
    }
    i += (size_t) rows;
  }
  finish_sigmoid (m, n, g);
}
