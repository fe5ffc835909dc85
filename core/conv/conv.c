/* conv.c — convolution operator: validation, weight packing, dispatch and
 * threading.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every ISA runs a convolution as one GEMM per group, M = output pixels,
 * K = kh*kw*ic/groups, N = oc/groups:
 *   - 1x1 stride-1 unpadded (and fully connected, M = 1): A is the input
 *     itself, row stride ic, so nothing is copied;
 *   - spatial kernels (the 3-channel stem, grouped, strided or dilated):
 *     output pixels whose taps all lie inside the input are read in place
 *     through a table of tap offsets (implicit GEMM, gemm.h); pixels that
 *     touch the padding are gathered (im2col) into a small per-thread
 *     block that stays in cache and fed to the same kernel.
 * The squeeze-and-excite gate (in_scale) of a 1x1 convolution is folded per
 * run into whichever is smaller, a copy of the input (M*ic) or of the
 * packed weights (K*N), in shared scratch; spatial kernels apply it while
 * gathering (im2col only).
 * The GEMM kernel and its panel width come from the dispatch table
 * (dsp.h): the C one (gemm-scalar.c) reads the same panels as the SIMD
 * ones, so nothing here depends on the ISA.  conv-ref.c stays as the
 * direct reference the tests check the GEMMs against.
 */
#include <stdlib.h>
#include <string.h>

#include "conv/gemm.h"
#include "conv/im2col.h"
#include "cpu.h"
#include "dsp.h"
#include "graph.h"
#include "ops.h"

#define ALIGN 64
/* Convolutions below this many MACs run on the caller only: waking the
 * pool costs more than it saves (the SE squeeze/excite FCs). */
#define MIN_PARALLEL_MACS (1 << 20)
/* Target im2col block per thread, in floats (fits L2 with room to spare) */
#define IM2COL_BLOCK_FLOATS 8192

struct mnv3_conv {
  mnv3_conv_params p;
  /* per-group GEMM over packed panels */
  mnv3_gemm_kernel kern;
  int direct;                 /* A read straight from the input */
  size_t m, k, n, npack;      /* per group */
  size_t mb;                  /* im2col rows per block */
  size_t *koff;               /* [k] tap offsets for the implicit GEMM */
  int ox_lo, ox_hi;           /* output columns whose taps are all inside */
  float *w;                   /* [groups][k][npack] in panels */
  float *bias;                /* [groups][npack] */
};

static size_t
round_up (size_t x, size_t a)
{
  return (x + a - 1) / a * a;
}

static void *
alloc_floats (size_t n)
{
  size_t bytes = round_up (n * sizeof (float) + 1, ALIGN);
  void *p = aligned_alloc (ALIGN, bytes);

  if (p)
    memset (p, 0, bytes);
  return p;
}

static int
out_size (int in, int pad0, int pad1, int k, int s, int d)
{
  int span = d * (k - 1) + 1;

  return (in + pad0 + pad1 - span) / s + 1;
}

static int
params_valid (const mnv3_conv_params *p)
{
  if (p->ih < 1 || p->iw < 1 || p->ic < 1 || p->oc < 1 || p->kh < 1
      || p->kw < 1 || p->sh < 1 || p->sw < 1 || p->dh < 1 || p->dw < 1
      || p->groups < 1 || p->pad_t < 0 || p->pad_l < 0 || p->pad_b < 0
      || p->pad_r < 0)
    return 0;
  if (p->ic % p->groups || p->oc % p->groups)
    return 0;
  if (p->ih + p->pad_t + p->pad_b < p->dh * (p->kh - 1) + 1
      || p->iw + p->pad_l + p->pad_r < p->dw * (p->kw - 1) + 1)
    return 0;
  return p->oh == out_size (p->ih, p->pad_t, p->pad_b, p->kh, p->sh, p->dh)
      && p->ow == out_size (p->iw, p->pad_l, p->pad_r, p->kw, p->sw, p->dw);
}

/* Pack group g's weights: B[kk][j] = w[(g*N + j)*K + kk] (OHWI rows). */
static void
pack_group (mnv3_conv *c, const float *weights, const float *bias, int g)
{
  const size_t k = c->k, n = c->n, nr = (size_t) c->kern.nr;
  float *dst = c->w + (size_t) g * k * c->npack;
  const float *src = weights + (size_t) g * n * k;

  for (size_t j = 0; j < n; j += nr) {
    size_t width = n - j > nr / 2 ? nr : nr / 2;
    size_t cols = n - j < width ? n - j : width;
    float *panel = dst + j * k;
    for (size_t kk = 0; kk < k; kk++)
      for (size_t jj = 0; jj < cols; jj++)
        panel[kk * width + jj] = src[(j + jj) * k + kk];
  }
  if (bias)
    memcpy (c->bias + (size_t) g * c->npack, bias + (size_t) g * n,
        n * sizeof (float));
}

/* Offsets of the K elements of one output pixel relative to its first
 * tap, and the output columns whose taps all fall inside the input. */
static int
koff_init (mnv3_conv *c)
{
  const mnv3_conv_params *p = &c->p;
  const size_t icg = (size_t) (p->ic / p->groups);
  size_t kk = 0;
  int hi;

  c->koff = malloc (c->k * sizeof (size_t));
  if (!c->koff)
    return 0;
  for (int ky = 0; ky < p->kh; ky++)
    for (int kx = 0; kx < p->kw; kx++)
      for (size_t i = 0; i < icg; i++)
        c->koff[kk++] = ((size_t) ky * p->dh * p->iw + (size_t) kx * p->dw)
            * p->ic + i;
  /* ox*sw - pad_l >= 0 and ox*sw - pad_l + (kw-1)*dw <= iw-1 */
  c->ox_lo = (p->pad_l + p->sw - 1) / p->sw;
  hi = p->iw - 1 - (p->kw - 1) * p->dw + p->pad_l;
  c->ox_hi = hi < 0 ? 0 : hi / p->sw + 1;
  if (c->ox_hi > p->ow)
    c->ox_hi = p->ow;
  if (c->ox_lo > c->ox_hi)
    c->ox_lo = c->ox_hi;
  return 1;
}

static mnv3_conv *
conv_fail (mnv3_conv *c)
{
  mnv3_set_error (MNV3_ERR_NOMEM, "conv: out of memory packing weights");
  mnv3_conv_free (c);
  return NULL;
}

mnv3_conv *
mnv3_conv_create (mnv3_isa isa, const mnv3_conv_params *p,
    const float *weights, const float *bias)
{
  mnv3_conv *c;

  if (!p || !weights || !params_valid (p)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "conv: invalid parameters");
    return NULL;
  }
  c = calloc (1, sizeof (*c));
  if (!c)
    return conv_fail (c);
  c->p = *p;
  c->kern = mnv3_dsp_f32_get (mnv3_cpu_resolve (isa))->gemm;
  c->m = (size_t) p->oh * p->ow;
  c->k = (size_t) p->kh * p->kw * (p->ic / p->groups);
  c->n = (size_t) (p->oc / p->groups);

  c->direct = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1
      && p->pad_t == 0 && p->pad_l == 0 && p->pad_b == 0 && p->pad_r == 0;
  c->npack = mnv3_gemm_packed_n (c->n, (size_t) c->kern.nr);
  c->w = alloc_floats ((size_t) p->groups * c->k * c->npack);
  c->bias = alloc_floats ((size_t) p->groups * c->npack);
  if (!c->w || !c->bias)
    return conv_fail (c);
  for (int g = 0; g < p->groups; g++)
    pack_group (c, weights, bias, g);

  if (!c->direct && !koff_init (c))
    return conv_fail (c);
  c->mb = IM2COL_BLOCK_FLOATS / c->k / c->kern.mr * c->kern.mr;
  if (c->mb < (size_t) c->kern.mr)
    c->mb = c->kern.mr;
  if (c->mb > c->m)
    c->mb = c->m;
  return c;
}

void
mnv3_conv_free (mnv3_conv *c)
{
  if (!c)
    return;
  free (c->w);
  free (c->bias);
  free (c->koff);
  free (c);
}

size_t
mnv3_conv_packed_bytes (const mnv3_conv *c)
{
  return (size_t) c->p.groups * (c->k + 1) * c->npack * sizeof (float);
}

/* in_scale of a direct (1x1) convolution is folded into a copy of A
 * (M x ic, the input's layout) or of the packed weights, whichever is
 * smaller; im2col applies it while gathering and needs no copy. */
static int
scale_a_cheaper (const mnv3_conv *c)
{
  return c->m * (size_t) c->p.ic <= (size_t) c->p.groups * c->k * c->npack;
}

/* Shared scratch for the folded in_scale, in floats. */
static size_t
scale_floats (const mnv3_conv *c)
{
  size_t n;

  if (!c->direct)
    return 0;
  n = scale_a_cheaper (c) ? c->m * (size_t) c->p.ic
      : (size_t) c->p.groups * c->k * c->npack;
  return round_up (n, ALIGN / sizeof (float));
}

static size_t
block_floats (const mnv3_conv *c)
{
  return c->direct ? 0 : round_up (c->mb * c->k, ALIGN / sizeof (float));
}

size_t
mnv3_conv_scratch_size (const mnv3_conv *c, int num_threads)
{
  if (num_threads < 1)
    num_threads = 1;
  return (scale_floats (c) + (size_t) num_threads * block_floats (c))
      * sizeof (float);
}

/* ---- GEMM path -------------------------------------------------------- */

typedef struct {
  const mnv3_conv *c;
  const float *in, *res, *in_scale;
  float *out;
  const float *a;             /* A base (input or scaled copy) */
  size_t a_stride;
  const float *w;             /* packed weights (or scaled copy) */
  float *blocks;              /* per-thread im2col blocks */
  size_t m_chunks, n_chunks;
  size_t m_tiles, panels;
} gemm_job;

/* Rows [r0, r1) through im2col blocks; `a` holds the column block. */
static void
gemm_im2col (const gemm_job *j, int g, size_t r0, size_t r1, size_t col0,
    size_t col1, float *block, mnv3_gemm_args *a)
{
  const mnv3_conv *c = j->c;
  const size_t oc = (size_t) c->p.oc;

  for (size_t r = r0; r < r1; r += c->mb) {
    size_t rows = r1 - r < c->mb ? r1 - r : c->mb;
    mnv3_im2col (&c->p, c->k, j->in, j->in_scale, g, r, rows, block);
    a->a = block;
    a->a_stride = c->k;
    a->c = j->out + r * oc + g * c->n + col0;
    a->res = j->res ? j->res + r * oc + g * c->n + col0 : NULL;
    c->kern.fn (rows, col1 - col0, a);
  }
}

/* Rows [row0, row1) of a spatial kernel: the implicit GEMM on each output
 * row's interior (taps all inside the input), im2col at the borders. */
static void
gemm_spatial (const gemm_job *j, int g, size_t row0, size_t row1,
    size_t col0, size_t col1, float *block, mnv3_gemm_args *a)
{
  const mnv3_conv *c = j->c;
  const mnv3_conv_params *p = &c->p;
  const size_t oc = (size_t) p->oc;

  for (size_t r = row0; r < row1;) {
    const size_t oy = r / p->ow, row_start = oy * p->ow;
    const size_t end = row_start + p->ow < row1 ? row_start + p->ow : row1;
    const int iy = (int) oy * p->sh - p->pad_t;
    size_t lo = row_start + c->ox_lo, hi = row_start + c->ox_hi;

    if (iy < 0 || iy + (p->kh - 1) * p->dh >= p->ih)
      lo = hi = end;            /* the whole row touches padding */
    lo = lo < r ? r : lo > end ? end : lo;
    hi = hi < lo ? lo : hi > end ? end : hi;
    if (lo > r)
      gemm_im2col (j, g, r, lo, col0, col1, block, a);
    if (hi > lo) {
      const int ix = (int) (lo - row_start) * p->sw - p->pad_l;
      a->a = j->in + ((size_t) iy * p->iw + ix) * p->ic
          + (size_t) g * (p->ic / p->groups);
      a->a_stride = (size_t) p->sw * p->ic;
      a->koff = c->koff;
      a->c = j->out + lo * oc + g * c->n + col0;
      a->res = j->res ? j->res + lo * oc + g * c->n + col0 : NULL;
      c->kern.fn (hi - lo, col1 - col0, a);
      a->koff = NULL;
    }
    if (end > hi)
      gemm_im2col (j, g, hi, end, col0, col1, block, a);
    r = end;
  }
}

static void
gemm_task (void *ctx, size_t t, int thread_index)
{
  const gemm_job *j = ctx;
  const mnv3_conv *c = j->c;
  const size_t per_group = j->m_chunks * j->n_chunks;
  const int g = (int) (t / per_group);
  const size_t mi = t % per_group / j->n_chunks, ni = t % j->n_chunks;
  const size_t mr = (size_t) c->kern.mr, nr = (size_t) c->kern.nr;
  const size_t oc = (size_t) c->p.oc;
  size_t row0 = mi * j->m_tiles / j->m_chunks * mr;
  size_t row1 = (mi + 1) * j->m_tiles / j->m_chunks * mr;
  size_t col0 = ni * j->panels / j->n_chunks * nr;
  size_t col1 = (ni + 1) * j->panels / j->n_chunks * nr;
  mnv3_gemm_args a;

  if (row1 > c->m)
    row1 = c->m;
  if (col1 > c->n)
    col1 = c->n;
  if (row0 >= row1 || col0 >= col1)
    return;

  a.k = c->k;
  a.koff = NULL;
  a.w = j->w + (size_t) g * c->k * c->npack + col0 * c->k;
  a.bias = c->bias + (size_t) g * c->npack + col0;
  a.c_stride = oc;
  a.res_stride = oc;
  a.act = c->p.act;
  if (c->direct) {
    a.a = j->a + row0 * j->a_stride + (size_t) g * c->k;
    a.a_stride = j->a_stride;
    a.c = j->out + row0 * oc + g * c->n + col0;
    a.res = j->res ? j->res + row0 * oc + g * c->n + col0 : NULL;
    c->kern.fn (row1 - row0, col1 - col0, &a);
    return;
  }
  float *block = j->blocks + (size_t) thread_index * block_floats (c);
  if (j->in_scale) {            /* only a gathered copy can carry the gate */
    gemm_im2col (j, g, row0, row1, col0, col1, block, &a);
    return;
  }
  gemm_spatial (j, g, row0, row1, col0, col1, block, &a);
}

#define SCALE_ROWS 32
#define SERIAL_SCALE_FLOATS (1 << 18)

/* in_scale folded into a copy of A: a[m][i] = in[m][i] * s[i], rows
 * [t*SCALE_ROWS, ...) of the M x ic input. */
static void
scale_a_task (void *ctx, size_t t, int thread_index)
{
  gemm_job *j = ctx;
  const size_t m = j->c->m, ic = (size_t) j->c->p.ic;
  float *dst = (float *) j->a;

  (void) thread_index;
  for (size_t r = t * SCALE_ROWS; r < m && r < (t + 1) * SCALE_ROWS; r++)
    for (size_t i = 0; i < ic; i++)
      dst[r * ic + i] = j->in[r * ic + i] * j->in_scale[i];
}

/* ... or into a copy of the packed weights: packed row kk of group g is
 * input channel g*K + kk (1x1 kernel).  Rows [t*SCALE_ROWS, ...) of the
 * groups*K rows. */
static void
scale_w_task (void *ctx, size_t t, int thread_index)
{
  gemm_job *j = ctx;
  const mnv3_conv *c = j->c;
  const size_t k = c->k, rows = (size_t) c->p.groups * k;

  (void) thread_index;
  for (size_t row = t * SCALE_ROWS; row < rows && row < (t + 1) * SCALE_ROWS;
      row++) {
    const size_t g = row / k, kk = row % k;
    const float s = j->in_scale[row];
    const float *src = c->w + g * k * c->npack;
    float *dst = (float *) j->w + g * k * c->npack;
    /* row kk of every panel; panels are [k][width] blocks */
    for (size_t col = 0; col < c->npack;) {
      size_t width = c->n - col > (size_t) c->kern.nr / 2 ? c->kern.nr
          : c->kern.nr / 2;
      const float *ps = src + col * k + kk * width;
      float *pd = dst + col * k + kk * width;
      for (size_t x = 0; x < width; x++)
        pd[x] = ps[x] * s;
      col += width;
    }
  }
}

static void
plan_tasks (gemm_job *j, int num_threads, int groups)
{
  const mnv3_conv *c = j->c;
  size_t target = num_threads > 1 ? (size_t) num_threads * 4 : 1;
  size_t per_group = (target + groups - 1) / groups;

  j->m_tiles = (c->m + c->kern.mr - 1) / c->kern.mr;
  j->panels = (c->n + c->kern.nr - 1) / c->kern.nr;
  j->m_chunks = per_group < j->m_tiles ? per_group : j->m_tiles;
  j->n_chunks = (per_group + j->m_chunks - 1) / j->m_chunks;
  if (j->n_chunks > j->panels)
    j->n_chunks = j->panels;
}

void
mnv3_conv_run (const mnv3_conv *c, const float *in, float *out,
    const float *residual, const float *in_scale, void *scratch,
    mnv3_threadpool *tp)
{
  const mnv3_conv_params *p = &c->p;
  const size_t macs = c->m * c->k * c->n * p->groups;
  gemm_job j;

  if (macs < MIN_PARALLEL_MACS)
    tp = NULL;
  memset (&j, 0, sizeof (j));
  j.c = c;
  j.in = in;
  j.res = residual;
  j.in_scale = in_scale;
  j.out = out;
  j.a = in;
  j.a_stride = (size_t) p->ic;
  j.w = c->w;
  j.blocks = (float *) scratch + scale_floats (c);
  if (in_scale && c->direct) {
    /* a second fork/join costs more than folding up to this many floats
     * on the caller alone (and much more when the machine is busy) */
    mnv3_threadpool *stp = scale_floats (c) <= SERIAL_SCALE_FLOATS ? NULL
        : tp;
    if (scale_a_cheaper (c)) {
      j.a = scratch;
      mnv3_threadpool_run (stp, (c->m + SCALE_ROWS - 1) / SCALE_ROWS,
          scale_a_task, &j);
    } else {
      j.w = scratch;
      mnv3_threadpool_run (stp, ((size_t) p->groups * c->k + SCALE_ROWS - 1)
          / SCALE_ROWS, scale_w_task, &j);
    }
  }
  plan_tasks (&j, mnv3_threadpool_size (tp), p->groups);
  mnv3_threadpool_run (tp, (size_t) p->groups * j.m_chunks * j.n_chunks,
      gemm_task, &j);
}
