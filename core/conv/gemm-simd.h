/* gemm-simd.h — template of the f32 GEMM micro-kernels (contract in gemm.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (gemm-avx2.c, gemm-avx512.c),
 * which also defines
 *   GEMM_MR               rows of the largest register tile
 *   GEMM_FOR_EACH_ROWS(X) X(r) for every tile height compiled
 *   GEMM_ROWS_ROUND       [GEMM_MR + 1] initializer: an even split's tile
 *                         height rounded down to a compiled one
 * and defines FN (mnv3_gemm), e.g. mnv3_gemm_avx2.
 *
 * Panels are NR = 2 vectors wide, or one vector for the last narrow one.
 * An R x NR tile keeps 2R accumulators + 2 B vectors + one broadcast in
 * registers (6x16 in the 16 ymm, 12x32 in the 32 zmm).  Rows are split
 * evenly over tiles of up to GEMM_MR, each shape also in an indirect-A
 * form (tap offset table, the implicit GEMM of spatial convolutions).
 * Column tails use masked loads/stores, so nothing is touched past n.
 * A single row (FC) has its own loop.
 */

#define MR GEMM_MR
#define NR (2 * VF_W)
/* FC weights stream from L3: prefetch this many floats ahead (4 KiB on
 * AVX2, 8 KiB on AVX-512; a prefetch never faults, so running past the
 * end of B is harmless). */
#ifndef PF
#define PF (128 * VF_W)
#endif

typedef struct {
  vf zero, three, six, sixth, one, a, b;
} act_consts;

MNV3_INLINE void
act_consts_init (act_consts *k, mnv3_act act)
{
  k->zero = vf_zero ();
  k->three = vf_set1 (3.f);
  k->six = vf_set1 (6.f);
  k->sixth = vf_set1 (1.f / 6.f);
  k->one = vf_set1 (1.f);
  k->a = vf_set1 (act.a);
  k->b = vf_set1 (act.b);
}

/* The columns one stored vector has: `full` all VF_W (plain load/store
 * where masks cost extra), else the mask of the first ones. */
typedef struct {
  int full0, full1;            /* vector 0 / 1 has all VF_W columns */
  vmask m0, m1;
} col_masks;

static void
col_masks_init (col_masks *cm, size_t cols)
{
  size_t c1 = cols > VF_W ? cols - VF_W : 0;

  cm->full0 = cols >= VF_W;
  cm->full1 = c1 >= VF_W;
  cm->m0 = vf_mask ((int) (cols >= VF_W ? VF_W : cols));
  cm->m1 = vf_mask ((int) (c1 >= VF_W ? VF_W : c1));
}

/* Store x after residual and activation; the activation type is a
 * compile-time constant in every caller, so the switch folds. */
MNV3_INLINE void
store_vec (vf x, mnv3_act_type t, const act_consts *k, float *c,
    const float *res, int full, vmask mask)
{
  full = !VF_MASK_IS_FREE && full;     /* folds to 0 on AVX-512 */
  if (res)
    x = vf_add (x, full ? vf_loadu (res) : vf_load_mask (res, mask));
  switch (t) {
    case MNV3_ACT_RELU:
      x = vf_max (x, k->zero);
      break;
    case MNV3_ACT_CLIP:
      x = vf_min (vf_max (x, k->a), k->b);
      break;
    case MNV3_ACT_HSWISH:{
      vf g = vf_min (vf_max (vf_add (x, k->three), k->zero), k->six);
      x = vf_mul (vf_mul (x, g), k->sixth);
      break;
    }
    case MNV3_ACT_HSIGMOID:
      x = vf_min (vf_max (vf_fmadd (x, k->a, k->b), k->zero), k->one);
      break;
    default:                   /* NONE; SIGMOID is applied after the store */
      break;
  }
  if (full)
    vf_storeu (c, x);
  else
    vf_store_mask (c, x, mask);
}

/* Rows [0, R) of one stored block, activation t fixed at compile time. */
MNV3_INLINE void
store_rows (const int R, const int V, mnv3_act_type t, vf acc[][2],
    const act_consts *kc, float *c, size_t ldc, const float *res,
    size_t ldr, const col_masks *cm)
{
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    store_vec (acc[r][0], t, kc, c + r * ldc, res ? res + r * ldr : NULL,
        cm->full0, cm->m0);
    if (V > 1)
      store_vec (acc[r][1], t, kc, c + r * ldc + VF_W,
          res ? res + r * ldr + VF_W : NULL, cm->full1, cm->m1);
  }
}

/* Rows [0, R) x one panel of V vectors (V = 1 or 2); IND: A through the
 * tap offset table.  One K loop, then the activation picked once (act is
 * read only after the loop, so its parameters hold no register there). */
MNV3_INLINE void
tile (const int R, const int V, const int IND, size_t k, const float *a,
    size_t lda, const size_t *koff, const float *w, const float *bias,
    float *c, size_t ldc, const float *res, size_t ldr, const col_masks *cm,
    const mnv3_act *act)
{
#if VF_MASK_IS_FREE
  /* opmasks: a local copy stays in k registers; through cm, stores to c
   * (which could alias *cm) would make the compiler reload them before
   * every store */
  const col_masks m = *cm, *mp = &m;
#else
  /* vector masks: no register is free for them in the K loop, so the
   * store code reads them from *cm */
  const col_masks *mp = cm;
#endif
  vf acc[MR][2];
  const float *ap[MR];
  vf b0 = vf_load (bias);
  vf b1 = V > 1 ? vf_load (bias + VF_W) : b0;
  act_consts kc;

#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    acc[r][0] = b0;
    acc[r][1] = b1;
    ap[r] = a + r * lda;
  }
  for (size_t p = 0; p < k; p++) {
    vf w0 = vf_load (w);
    vf w1 = V > 1 ? vf_load (w + VF_W) : w0;
    w += VF_W * V;
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      vf x = vf_set1 (ap[r][IND ? koff[p] : p]);
      acc[r][0] = vf_fmadd (x, w0, acc[r][0]);
      if (V > 1)
        acc[r][1] = vf_fmadd (x, w1, acc[r][1]);
    }
  }
  act_consts_init (&kc, *act);
  switch (act->type) {
#define STORE_CASE(T)                                                       \
    case T:                                                                 \
      store_rows (R, V, T, acc, &kc, c, ldc, res, ldr, mp);                 \
      break
    STORE_CASE (MNV3_ACT_RELU);
    STORE_CASE (MNV3_ACT_CLIP);
    STORE_CASE (MNV3_ACT_HSWISH);
    STORE_CASE (MNV3_ACT_HSIGMOID);
#undef STORE_CASE
    default:
      store_rows (R, V, MNV3_ACT_NONE, acc, &kc, c, ldc, res, ldr, mp);
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

GEMM_FOR_EACH_ROWS (DEFINE_SHAPES)

/* [rows][indirect][V - 1]; rows not compiled stay NULL (shape_rows never
 * returns them) */
#define SHAPE(R) [R] = { {tile_##R##x1_0, tile_##R##x2_0},                   \
      {tile_##R##x1_1, tile_##R##x2_1} },
static const tile_fn tiles[MR + 1][2][2] = {
  GEMM_FOR_EACH_ROWS (SHAPE)
};
#undef SHAPE

/* Rows of the next tile when `left` rows remain: the rows of a block split
 * evenly over ceil(left / MR) tiles (49 on AVX2 = 6*4 + 5*5, not 6*8 + 1,
 * whose last 1-row tile would run one latency-bound FMA chain per vector),
 * rounded down to a compiled shape. */
static int
shape_rows (size_t left)
{
  static const unsigned char compiled[MR + 1] = GEMM_ROWS_ROUND;
  size_t tiles_left = (left + MR - 1) / MR;

  return compiled[(left + tiles_left - 1) / tiles_left];
}

/* The cache lines (4 vectors) one gemv step consumes, PF floats on. */
MNV3_INLINE void
prefetch_lines (const float *pw)
{
#pragma GCC unroll 4
  for (int l = 0; l < 4 * VF_W; l += 16)
    _mm_prefetch ((const char *) (pw + PF + l), _MM_HINT_T0);
}

/* Single row (fully connected layers): the 1-row tile would run one
 * dependent FMA chain per vector; splitting K over two accumulator sets
 * gives four chains per panel, enough while B streams from L2/L3. */
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
    vf acc0 = vf_load (g->bias + j), acc1 = vf_zero ();
    vf acc2 = vf_zero (), acc3 = vf_zero ();
    size_t p = 0;
    col_masks cm;

    if (width == NR) {
      vf accb = vf_load (g->bias + j + VF_W);
      for (; p + 2 <= k; p += 2) {
        vf x0 = vf_set1 (a[p]);
        prefetch_lines (pw);
        vf x1 = vf_set1 (a[p + 1]);
        acc0 = vf_fmadd (x0, vf_load (pw), acc0);
        acc1 = vf_fmadd (x0, vf_load (pw + VF_W), acc1);
        acc2 = vf_fmadd (x1, vf_load (pw + 2 * VF_W), acc2);
        acc3 = vf_fmadd (x1, vf_load (pw + 3 * VF_W), acc3);
        pw += 4 * VF_W;
      }
      if (p < k) {
        vf x0 = vf_set1 (a[p]);
        acc0 = vf_fmadd (x0, vf_load (pw), acc0);
        acc1 = vf_fmadd (x0, vf_load (pw + VF_W), acc1);
      }
      acc0 = vf_add (acc0, acc2);
      acc1 = vf_add (vf_add (acc1, acc3), accb);
    } else {
      for (; p + 4 <= k; p += 4) {
        prefetch_lines (pw);
        acc0 = vf_fmadd (vf_set1 (a[p]), vf_load (pw), acc0);
        acc1 = vf_fmadd (vf_set1 (a[p + 1]), vf_load (pw + VF_W), acc1);
        acc2 = vf_fmadd (vf_set1 (a[p + 2]), vf_load (pw + 2 * VF_W), acc2);
        acc3 = vf_fmadd (vf_set1 (a[p + 3]), vf_load (pw + 3 * VF_W), acc3);
        pw += 4 * VF_W;
      }
      for (; p < k; p++) {
        acc0 = vf_fmadd (vf_set1 (a[p]), vf_load (pw), acc0);
        pw += VF_W;
      }
      acc0 = vf_add (vf_add (acc0, acc1), vf_add (acc2, acc3));
    }
    col_masks_init (&cm, cols);
    {
      const float *res = g->res ? g->res + j : NULL;
      float *c = g->c + j;

      switch (g->act.type) {
#define GEMV_STORE(T)                                                       \
        store_vec (acc0, T, &kc, c, res, cm.full0, cm.m0);                  \
        if (width == NR)                                                    \
          store_vec (acc1, T, &kc, c + VF_W, res ? res + VF_W : NULL,       \
              cm.full1, cm.m1);                                             \
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

/* The sigmoid has no in-register form here: run this ISA's activation
 * kernel over the rows just stored (still in L1). */
static void
finish_sigmoid (size_t m, size_t n, const mnv3_gemm_args *g)
{
  if (g->act.type != MNV3_ACT_SIGMOID)
    return;
  if (g->c_stride == n) {      /* contiguous rows: one call */
    FN (mnv3_act_kernel) (g->act, g->c, g->c, m * n);
    return;
  }
  for (size_t r = 0; r < m; r++) {
    float *c = g->c + r * g->c_stride;
    FN (mnv3_act_kernel) (g->act, c, c, n);
  }
}

void
FN (mnv3_gemm) (size_t m, size_t n, const mnv3_gemm_args *g)
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

#undef MR
#undef NR
#undef PF
