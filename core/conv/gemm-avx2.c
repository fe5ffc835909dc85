/* gemm-avx2.c — f32 GEMM, 6x16 register tile, AVX2 + FMA.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Contract in gemm.h.  Panels are 16 columns (two ymm) or 8 for the last
 * narrow one.  A 6x16 tile keeps 12 accumulators + 2 B vectors + one
 * broadcast in the 16 ymm registers.  Rows are split evenly over tiles of
 * 1..6 rows, each also in an indirect-A form (tap offset table, the implicit
 * GEMM of spatial convolutions); column tails use maskload/maskstore, so
 * nothing is touched past n.  A single row (FC) has its own loop.
 */
#include <immintrin.h>
#include <stdint.h>

#include "conv/gemm.h"

#define MR MNV3_GEMM_AVX2_MR
#define NR MNV3_GEMM_AVX2_NR
/* FC weights stream from L3: prefetch this many floats ahead (4 KiB; a
 * prefetch never faults, so running past the end of B is harmless). */
#define PF 1024
#define ALWAYS_INLINE static inline __attribute__ ((always_inline))

typedef struct {
  __m256 zero, three, six, sixth, one, a, b;
} act_consts;

ALWAYS_INLINE void
act_consts_init (act_consts *k, mnv3_act act)
{
  k->zero = _mm256_setzero_ps ();
  k->three = _mm256_set1_ps (3.f);
  k->six = _mm256_set1_ps (6.f);
  k->sixth = _mm256_set1_ps (1.f / 6.f);
  k->one = _mm256_set1_ps (1.f);
  k->a = _mm256_set1_ps (act.a);
  k->b = _mm256_set1_ps (act.b);
}

/* 8 x -1 then 8 x 0: loadu at (8 - n) gives the mask of the first n lanes */
static const int32_t mask_table[16] = { -1, -1, -1, -1, -1, -1, -1, -1 };

static inline __m256i
mask_of (size_t cols)
{
  return _mm256_loadu_si256 ((const __m256i *) (mask_table + 8
          - (cols >= 8 ? 8 : cols)));
}

/* Store x after residual and activation; `full` stores all 8 lanes. */
ALWAYS_INLINE void
store_vec (__m256 x, mnv3_act_type t, const act_consts *k, float *c,
    const float *res, int full, __m256i mask)
{
  if (res)
    x = _mm256_add_ps (x, full ? _mm256_loadu_ps (res)
        : _mm256_maskload_ps (res, mask));
  switch (t) {
    case MNV3_ACT_RELU:
      x = _mm256_max_ps (x, k->zero);
      break;
    case MNV3_ACT_CLIP:
      x = _mm256_min_ps (_mm256_max_ps (x, k->a), k->b);
      break;
    case MNV3_ACT_HSWISH:{
      __m256 g = _mm256_min_ps (_mm256_max_ps (_mm256_add_ps (x, k->three),
              k->zero), k->six);
      x = _mm256_mul_ps (_mm256_mul_ps (x, g), k->sixth);
      break;
    }
    case MNV3_ACT_HSIGMOID:
      x = _mm256_min_ps (_mm256_max_ps (_mm256_fmadd_ps (x, k->a, k->b),
              k->zero), k->one);
      break;
    default:                   /* NONE; SIGMOID is applied after the store */
      break;
  }
  if (full)
    _mm256_storeu_ps (c, x);
  else
    _mm256_maskstore_ps (c, mask, x);
}

typedef struct {
  int full0, full1;            /* vector 0 / 1 has all 8 columns */
  __m256i m0, m1;
} col_masks;

/* Rows [0, R) of one stored block, activation T fixed at compile time. */
ALWAYS_INLINE void
store_rows (const int R, const int V, mnv3_act_type t, __m256 acc[][2],
    const act_consts *kc, float *c, size_t ldc, const float *res,
    size_t ldr, const col_masks *cm)
{
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
    store_vec (acc[r][0], t, kc, c + r * ldc, res ? res + r * ldr : NULL,
        cm->full0, cm->m0);
    if (V > 1)
      store_vec (acc[r][1], t, kc, c + r * ldc + 8,
          res ? res + r * ldr + 8 : NULL, cm->full1, cm->m1);
  }
}

/* Rows [0, R) x one panel of V vectors (V = 1 or 2); IND: A through the
 * tap offset table.  One K loop, then the activation picked once (act is
 * read only after the loop, so its parameters hold no register there). */
ALWAYS_INLINE void
tile (const int R, const int V, const int IND, size_t k, const float *a,
    size_t lda, const size_t *koff, const float *w, const float *bias,
    float *c, size_t ldc, const float *res, size_t ldr, const col_masks *cm,
    const mnv3_act *act)
{
  __m256 acc[MR][2];
  const float *ap[MR];
  __m256 b0 = _mm256_load_ps (bias);
  __m256 b1 = V > 1 ? _mm256_load_ps (bias + 8) : b0;
  act_consts kc;

#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
    acc[r][0] = b0;
    acc[r][1] = b1;
    ap[r] = a + r * lda;
  }
  for (size_t p = 0; p < k; p++) {
    __m256 w0 = _mm256_load_ps (w);
    __m256 w1 = V > 1 ? _mm256_load_ps (w + 8) : w0;
    w += 8 * V;
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m256 x = _mm256_broadcast_ss (ap[r] + (IND ? koff[p] : p));
      acc[r][0] = _mm256_fmadd_ps (x, w0, acc[r][0]);
      if (V > 1)
        acc[r][1] = _mm256_fmadd_ps (x, w1, acc[r][1]);
    }
  }
  act_consts_init (&kc, *act);
  switch (act->type) {
#define STORE_CASE(T)                                                       \
    case T:                                                                 \
      store_rows (R, V, T, acc, &kc, c, ldc, res, ldr, cm);                 \
      break
    STORE_CASE (MNV3_ACT_RELU);
    STORE_CASE (MNV3_ACT_CLIP);
    STORE_CASE (MNV3_ACT_HSWISH);
    STORE_CASE (MNV3_ACT_HSIGMOID);
#undef STORE_CASE
    default:
      store_rows (R, V, MNV3_ACT_NONE, acc, &kc, c, ldc, res, ldr, cm);
      break;
  }
}

typedef void (*tile_fn) (size_t, const float *, size_t, const size_t *,
    const float *, const float *, float *, size_t, const float *, size_t,
    const col_masks *, const mnv3_act *);

/* One compiled tile shape: R rows, V vectors, dense or indirect A. */
#define DEFINE_TILE(R, V, IND)                                              \
  static void                                                               \
  tile_##R##x##V##_##IND (size_t k, const float *a, size_t lda,             \
      const size_t *koff, const float *w, const float *bias, float *c,      \
      size_t ldc, const float *res, size_t ldr, const col_masks *cm,        \
      const mnv3_act *act)                                                  \
  {                                                                         \
    tile (R, V, IND, k, a, lda, koff, w, bias, c, ldc, res, ldr, cm, act);  \
  }
#define DEFINE_SHAPES(R)                                                    \
  DEFINE_TILE (R, 1, 0) DEFINE_TILE (R, 2, 0)                               \
  DEFINE_TILE (R, 1, 1) DEFINE_TILE (R, 2, 1)

DEFINE_SHAPES (6)
DEFINE_SHAPES (5)
DEFINE_SHAPES (4)
DEFINE_SHAPES (3)
DEFINE_SHAPES (2)
DEFINE_SHAPES (1)

/* [rows][indirect][V - 1] */
#define SHAPE(R) { {tile_##R##x1_0, tile_##R##x2_0},                         \
      {tile_##R##x1_1, tile_##R##x2_1} }
static const tile_fn tiles[MR + 1][2][2] = {
  [1] = SHAPE (1), [2] = SHAPE (2), [3] = SHAPE (3), [4] = SHAPE (4),
  [5] = SHAPE (5), [6] = SHAPE (6),
};
#undef SHAPE

/* Rows of the next tile when `left` remain: a block split evenly over
 * ceil(left / MR) tiles (49 = 6*4 + 5*5, not 6*8 + 1, whose 1-row tile
 * would run one latency-bound FMA chain per vector). */
static int
shape_rows (size_t left)
{
  size_t tiles_left = (left + MR - 1) / MR;

  return (int) ((left + tiles_left - 1) / tiles_left);
}

static void
col_masks_init (col_masks *cm, size_t cols)
{
  size_t c1 = cols > 8 ? cols - 8 : 0;

  cm->full0 = cols >= 8;
  cm->full1 = c1 >= 8;
  cm->m0 = mask_of (cols);
  cm->m1 = mask_of (c1);
}

/* The 2 cache lines (32 floats) one gemv step consumes, PF floats on. */
ALWAYS_INLINE void
prefetch_lines (const float *pw)
{
  _mm_prefetch ((const char *) (pw + PF), _MM_HINT_T0);
  _mm_prefetch ((const char *) (pw + PF + 16), _MM_HINT_T0);
}

/* Single row (fully connected layers): split K over two accumulator sets
 * so the FMA chains overlap (four per panel); the layer is bound by
 * streaming B anyway. */
static void
gemv (size_t n, const mnv3_gemm_args *g)
{
  const size_t k = g->k;
  const float *a = g->a;
  act_consts kc;
  size_t j = 0;

  act_consts_init (&kc, g->act);
  while (j < n) {
    size_t left = n - j;
    size_t width = left > NR / 2 ? NR : NR / 2;
    size_t cols = left < width ? left : width;
    const float *pw = g->w + j * k;
    __m256 acc0 = _mm256_load_ps (g->bias + j), acc1 = _mm256_setzero_ps ();
    __m256 acc2 = _mm256_setzero_ps (), acc3 = _mm256_setzero_ps ();
    size_t p = 0;
    col_masks cm;

    if (width == NR) {
      __m256 accb = _mm256_load_ps (g->bias + j + 8);
      for (; p + 2 <= k; p += 2) {
        __m256 x0 = _mm256_broadcast_ss (a + p);
        prefetch_lines (pw);
        __m256 x1 = _mm256_broadcast_ss (a + p + 1);
        acc0 = _mm256_fmadd_ps (x0, _mm256_load_ps (pw), acc0);
        acc1 = _mm256_fmadd_ps (x0, _mm256_load_ps (pw + 8), acc1);
        acc2 = _mm256_fmadd_ps (x1, _mm256_load_ps (pw + 16), acc2);
        acc3 = _mm256_fmadd_ps (x1, _mm256_load_ps (pw + 24), acc3);
        pw += 32;
      }
      if (p < k) {
        __m256 x0 = _mm256_broadcast_ss (a + p);
        acc0 = _mm256_fmadd_ps (x0, _mm256_load_ps (pw), acc0);
        acc1 = _mm256_fmadd_ps (x0, _mm256_load_ps (pw + 8), acc1);
      }
      acc0 = _mm256_add_ps (acc0, acc2);
      acc1 = _mm256_add_ps (_mm256_add_ps (acc1, acc3), accb);
    } else {
      for (; p + 4 <= k; p += 4) {
        prefetch_lines (pw);
        acc0 = _mm256_fmadd_ps (_mm256_broadcast_ss (a + p),
            _mm256_load_ps (pw), acc0);
        acc1 = _mm256_fmadd_ps (_mm256_broadcast_ss (a + p + 1),
            _mm256_load_ps (pw + 8), acc1);
        acc2 = _mm256_fmadd_ps (_mm256_broadcast_ss (a + p + 2),
            _mm256_load_ps (pw + 16), acc2);
        acc3 = _mm256_fmadd_ps (_mm256_broadcast_ss (a + p + 3),
            _mm256_load_ps (pw + 24), acc3);
        pw += 32;
      }
      for (; p < k; p++) {
        acc0 = _mm256_fmadd_ps (_mm256_broadcast_ss (a + p),
            _mm256_load_ps (pw), acc0);
        pw += 8;
      }
      acc0 = _mm256_add_ps (_mm256_add_ps (acc0, acc1),
          _mm256_add_ps (acc2, acc3));
    }
    col_masks_init (&cm, cols);
    {
      const float *res = g->res ? g->res + j : NULL;
      float *c = g->c + j;

      switch (g->act.type) {
#define GEMV_STORE(T)                                                       \
        store_vec (acc0, T, &kc, c, res, cm.full0, cm.m0);                  \
        if (width == NR)                                                    \
          store_vec (acc1, T, &kc, c + 8, res ? res + 8 : NULL, cm.full1,   \
              cm.m1);                                                       \
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
    mnv3_act_run (MNV3_ISA_AVX2, g->act, g->c, g->c, m * n, NULL);
    return;
  }
  for (size_t r = 0; r < m; r++) {
    float *c = g->c + r * g->c_stride;
    mnv3_act_run (MNV3_ISA_AVX2, g->act, c, c, n, NULL);
  }
}

void
mnv3_gemm_avx2 (size_t m, size_t n, const mnv3_gemm_args *g)
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
      col_masks cm;

      col_masks_init (&cm, cols_left < (size_t) NR ? cols_left : NR);
      tiles[rows][ind][wide] (k, a, g->a_stride, g->koff, g->w + j * k,
          g->bias + j, c + j, g->c_stride, res ? res + j : NULL,
          g->res_stride, &cm, &g->act);
      j += wide ? NR : NR / 2;
    }
    i += (size_t) rows;
  }
  finish_sigmoid (m, n, g);
}
