/* qgemm.c — 8-bit GEMM: weight packing, the C kernel over any packing,
 * and the threaded run.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "quant/qkernels.h"

/* Multiply-accumulates per task: enough to amortise a hand-off. */
#define QGEMM_MIN_MACS_PER_TASK 65536
/* Bytes of packed A rows per block: with a panel of weights, inside L1. */
#define QGEMM_A_BLOCK_BYTES 16384
/* Largest k for which the int32 sums cannot overflow (qkernels.h). */
#define QGEMM_MAX_K 33025

static void *
qgemm_alloc (size_t bytes)
{
  size_t b = (bytes + 63) & ~(size_t) 63;
  void *p = aligned_alloc (64, b ? b : 64);
  if (p)
    memset (p, 0, b ? b : 64);
  return p;
}

static int
qtype_ok (mnv3_dtype t)
{
  return t == MNV3_DTYPE_U8 || t == MNV3_DTYPE_I8;
}

static int
muls_ok (const mnv3_qmul *m, int n)
{
  for (int i = 0; i < n; i++)
    if (m[i].mult < 0 || m[i].shift > 31 || m[i].shift < -31)
      return 0;
  return 1;
}

static int
conv_ok (const mnv3_conv_params *p, const mnv3_qgemm_desc *d)
{
  return p->groups == 1 && p->ih > 0 && p->iw > 0 && p->ic > 0 && p->oh > 0
      && p->ow > 0 && p->kh > 0 && p->kw > 0 && p->sh > 0 && p->sw > 0
      && p->dh > 0 && p->dw > 0 && p->pad_t >= 0 && p->pad_l >= 0
      && (long long) p->kh * p->kw * p->ic == d->k && p->oc == d->n;
}

static int
qgemm_desc_ok (const mnv3_qgemm_kernel *kern, const mnv3_qgemm_desc *d)
{
  return kern && kern->fn && (!d || !d->conv || kern->conv)
      && (kern->kstep == 2 || kern->kstep == 4)
      && kern->vw > 0 && kern->nv > 0 && kern->mr > 0
      && d && d->k > 0 && d->k <= QGEMM_MAX_K && d->n > 0 && d->w
      && qtype_ok (d->in_type) && qtype_ok (d->w_type)
      && (d->num_w_zps == 1 || d->num_w_zps == d->n || !d->w_zps)
      && d->muls && (d->num_muls == 1 || d->num_muls == d->n)
      && muls_ok (d->muls, d->num_muls) && d->act_min <= d->act_max
      && (!d->conv || conv_ok (d->conv, d));
}

/* Width of panel p in columns (the last one only as wide as it needs). */
static int
panel_width (const mnv3_qgemm *g, int p)
{
  const int pw = g->kern.nv * g->kern.vw, col0 = p * pw;
  const int rem = g->n - col0;

  return rem >= pw ? pw : (rem + g->kern.vw - 1) / g->kern.vw * g->kern.vw;
}

/* Bytes a column takes per k-step. */
static int
step_bytes (const mnv3_qgemm *g)
{
  return g->w8 ? 2 : 4;
}

/* Byte offset of element (j, kk) in the panels. */
static size_t
w_offset (const mnv3_qgemm *g, int j, int kk)
{
  const int pw = g->kern.nv * g->kern.vw, p = j / pw, col0 = p * pw;
  const int ks = g->kern.kstep, sb = step_bytes (g);

  return (size_t) col0 * g->kq * sb
      + ((size_t) (kk / ks) * panel_width (g, p) + (j - col0)) * sb
      + (size_t) (kk % ks) * (sb / ks);
}

/* The weight operand the kernel multiplies: w - w_zp (int16) for kstep 2,
 * w itself for w8, w as int8 (uint8 weights shifted by -128) for kstep 4. */
static int32_t
w_operand (const mnv3_qgemm *g, const mnv3_qgemm_desc *d, int j, int kk)
{
  const uint8_t b = ((const uint8_t *) d->w)[(size_t) j * d->k + kk];
  int32_t raw = d->w_type == MNV3_DTYPE_I8 ? (int8_t) b : (int32_t) b;
  int32_t wz = !d->w_zps ? 0 : d->w_zps[d->num_w_zps == 1 ? 0 : j];

  if (g->kern.kstep == 2)
    return g->w8 ? raw : raw - wz;
  return d->w_type == MNV3_DTYPE_U8 ? raw - 128 : raw;
}

static void
qgemm_fill (mnv3_qgemm *g, const mnv3_qgemm_desc *d)
{
  const int ks = g->kern.kstep;
  /* zero points in the operands' domain (see qkernels.h) */
  const int32_t za = d->in_zp + (g->a_xor ? 128 : 0);

  for (int j = 0; j < d->n; j++) {
    int32_t wz = !d->w_zps ? 0 : d->w_zps[d->num_w_zps == 1 ? 0 : j];
    int32_t zw = ks == 2 ? (g->w8 ? wz : 0)
        : d->w_type == MNV3_DTYPE_U8 ? wz - 128 : wz;
    mnv3_qmul m = d->muls[d->num_muls == 1 ? 0 : j];
    uint32_t sum = 0, b;

    for (int kk = 0; kk < d->k; kk++) {
      int32_t v = w_operand (g, d, j, kk);
      uint8_t *dst = g->w + w_offset (g, j, kk);
      if (ks == 2 && g->w8) {
        *dst = (uint8_t) v;
      } else if (ks == 2) {
        int16_t h = (int16_t) v;
        memcpy (dst, &h, 2);
      } else {
        *dst = (uint8_t) (int8_t) v;
      }
      sum += (uint32_t) v;
    }
    /* sum (a - za)(w - zw) = sum a w - zw sum a - za sum w + k za zw;
     * unsigned: the terms may wrap, the total does not. */
    b = d->bias ? (uint32_t) d->bias[j] : 0;
    b -= (uint32_t) za * sum;
    b += (uint32_t) d->k * (uint32_t) za * (uint32_t) zw;
    g->bias[j] = (int32_t) b;
    if (g->coef)
      g->coef[j] = zw;
    g->mult[j] = m.mult;
    g->lsh[j] = m.shift > 0 ? m.shift : 0;
    g->rsh[j] = m.shift > 0 ? 0 : -m.shift;
    g->away[j] = j < d->up_channels ? 0 : -1;
    if (g->fscale)
      g->fscale[j] = d->fscales[j];
  }
  /* the float stage replaces the fixed-point one (padding columns: 0) */
  g->rq_up = !g->fscale && d->up_channels >= d->n;
  for (int j = 0; g->rq_up && j < g->np; j++) {
    /* padding columns too: their mult is 0, any values do */
    const int vw = g->kern.vw, r = g->rsh[j];
    size_t e = (size_t) (j / vw) * vw + (j % vw % 2) * (vw / 2) + j % vw / 2;
    g->rq_add[e] = ((int64_t) 1 << 62) + ((int64_t) 1 << 30)
        + (r ? (int64_t) 1 << (30 + r) : 0);
    g->rq_sh[e] = 31 + r;
    g->rq_zp[j] = (int32_t) ((uint32_t) g->out_zp - ((uint32_t) 1 << (31 - r)));
  }
}

static int
qgemm_needs_coef (const mnv3_qgemm_kernel *kern, const mnv3_qgemm_desc *d)
{
  if (kern->kstep == 2) {
    for (int j = 0; d->w_bytes && j < d->num_w_zps && d->w_zps; j++)
      if (d->w_zps[j])
        return 1;
    return 0;
  }
  for (int j = 0; j < d->num_w_zps && d->w_zps; j++)
    if (d->w_zps[j] != (d->w_type == MNV3_DTYPE_U8 ? 128 : 0))
      return 1;
  return d->w_type == MNV3_DTYPE_U8 && !d->w_zps;
}

mnv3_qgemm *
mnv3_qgemm_pack (const mnv3_qgemm_kernel *kern, const mnv3_qgemm_desc *d)
{
  mnv3_qgemm *g;
  size_t kw, np;
  int pw;

  if (!qgemm_desc_ok (kern, d)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "qgemm: invalid parameters");
    return NULL;
  }
  g = calloc (1, sizeof *g);
  if (!g) {
    mnv3_set_error (MNV3_ERR_NOMEM, "qgemm: out of memory");
    return NULL;
  }
  g->kern = *kern;
  g->k = d->k;
  g->n = d->n;
  g->kq = (d->k + kern->kstep - 1) / kern->kstep;
  pw = kern->nv * kern->vw;
  g->num_panels = (d->n + pw - 1) / pw;
  g->np = (g->num_panels - 1) * pw + panel_width (g, g->num_panels - 1);
  g->a_xor = kern->kstep == 4 && d->in_type == MNV3_DTYPE_I8 ? 0x80 : 0;
  g->a_signed = kern->kstep == 2 && d->in_type == MNV3_DTYPE_I8;
  g->w8 = kern->kstep == 2 && d->w_bytes && !d->conv;  /* no row sums there */
  g->w_signed = d->w_type == MNV3_DTYPE_I8;
  g->out_zp = d->out_zp;
  g->act_min = d->act_min;
  g->act_max = d->act_max;
  g->flo = (float) (d->act_min - d->out_zp);
  g->fhi = (float) (d->act_max - d->out_zp);
  kw = (size_t) g->kq * 4;
  g->mc = (int) (QGEMM_A_BLOCK_BYTES / kw) / kern->mr * kern->mr;
  if (g->mc < kern->mr)
    g->mc = kern->mr;
  np = (size_t) g->np;
  g->w = qgemm_alloc (np * (size_t) g->kq * step_bytes (g));
  g->bias = qgemm_alloc (np * 4);
  g->mult = qgemm_alloc (np * 4);
  g->lsh = qgemm_alloc (np * 4);
  g->rsh = qgemm_alloc (np * 4);
  g->away = qgemm_alloc (np * 4);
  g->rq_add = qgemm_alloc (np * 8);
  g->rq_sh = qgemm_alloc (np * 8);
  g->rq_zp = qgemm_alloc (np * 4);
  if (qgemm_needs_coef (kern, d))
    g->coef = qgemm_alloc (np * 4);
  if (d->fscales)
    g->fscale = qgemm_alloc (np * 4);
  if (d->conv) {
    g->has_conv = 1;
    g->conv = *d->conv;
    g->conv_zp = (int16_t) d->in_zp;
  }
  if (!g->w || !g->bias || !g->mult || !g->lsh || !g->rsh || !g->away
      || !g->rq_add || !g->rq_sh || !g->rq_zp
      || (qgemm_needs_coef (kern, d) && !g->coef)
      || (d->fscales && !g->fscale)) {
    mnv3_qgemm_free (g);
    mnv3_set_error (MNV3_ERR_NOMEM, "qgemm: out of memory");
    return NULL;
  }
  qgemm_fill (g, d);
  return g;
}

void
mnv3_qgemm_free (mnv3_qgemm *g)
{
  if (!g)
    return;
  free (g->w);
  free (g->bias);
  free (g->coef);
  free (g->mult);
  free (g->lsh);
  free (g->rsh);
  free (g->away);
  free (g->rq_add);
  free (g->rq_sh);
  free (g->rq_zp);
  free (g->fscale);
  free (g);
}

size_t
mnv3_qgemm_packed_bytes (const mnv3_qgemm *g)
{
  if (!g)
    return 0;
  return (size_t) g->np * ((size_t) g->kq * step_bytes (g)
      + (g->coef ? 5 : 4) * 4 + 20 + (g->fscale ? 4 : 0));
}

size_t
mnv3_qgemm_scratch_size (const mnv3_qgemm *g)
{
  const size_t mc = (size_t) g->mc;

  /* + 64: a gathered row's last vector store may pass its end */
  return ((mc * 4 + 63) & ~(size_t) 63)
      + ((mc * (size_t) g->kq * 4 + 63) & ~(size_t) 63) + 64;
}

/* ---- the C kernel: reads any packing through w_offset ----------------- */

static int32_t
a_operand (const mnv3_qgemm *g, uint8_t b)
{
  if (g->kern.kstep == 4)
    return (uint8_t) (b ^ g->a_xor);
  return g->a_signed ? (int8_t) b : (int32_t) b;
}

static int32_t
w_packed (const mnv3_qgemm *g, int j, int kk)
{
  const uint8_t *p = g->w + w_offset (g, j, kk);
  int16_t h;

  if (g->kern.kstep == 4)
    return (int8_t) *p;
  if (g->w8)
    return g->w_signed ? (int32_t) (int8_t) *p : (int32_t) *p;
  memcpy (&h, p, 2);
  return h;
}

static uint8_t
requant_c (int32_t acc, int32_t mult, int32_t lsh, int32_t rsh, int32_t away,
    int32_t zp, int32_t lo, int32_t hi)
{
  mnv3_qmul m = { mult, lsh > 0 ? lsh : -rsh };
  int32_t y = away ? mnv3_qmul_apply (acc, m) : mnv3_qmul_apply_neon (acc, m);

  /* + zp wraps as the vector kernels' (only extreme accumulators reach it) */
  y = (int32_t) ((uint32_t) y + (uint32_t) zp);

  y = y < lo ? lo : y > hi ? hi : y;
  return (uint8_t) y;
}

/* ONNX Runtime's (qinternal.h mnv3_qconv_requant_float): clamp in float,
 * round half to even, + zp. */
static uint8_t
requant_float_c (int32_t acc, float scale, float lo, float hi, int32_t zp)
{
  float v = (float) acc * scale;
  v = v < lo ? lo : (v > hi ? hi : v);
  return (uint8_t) ((int32_t) nearbyintf (v) + zp);
}

/* Byte kk of row r of A: stored rows, or (conv) the convolution's tap,
 * in_zp in the padding. */
static uint8_t
a_byte (const mnv3_qgemm *g, const uint8_t *a, size_t a_stride, int conv,
    size_t r, int kk)
{
  const mnv3_conv_params *p = &g->conv;
  int oy, ox, ky, kx, ci, iy, ix;

  if (!conv)
    return a[r * a_stride + (size_t) kk];
  oy = (int) (r / (size_t) p->ow);
  ox = (int) (r % (size_t) p->ow);
  ci = kk % p->ic;
  kx = kk / p->ic % p->kw;
  ky = kk / p->ic / p->kw;
  iy = oy * p->sh - p->pad_t + ky * p->dh;
  ix = ox * p->sw - p->pad_l + kx * p->dw;
  if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw)
    return (uint8_t) g->conv_zp;
  return a[((size_t) iy * p->iw + ix) * p->ic + ci];
}

static void
qgemm_c_rows (const mnv3_qgemm *g, size_t r0, size_t m, const uint8_t *a,
    size_t a_stride, int conv, uint8_t *c, size_t c_stride, int p0, int p1)
{
  const int pw = g->kern.nv * g->kern.vw;
  const int j0 = p0 * pw, j1 = p1 * pw < g->n ? p1 * pw : g->n;

  for (size_t r = r0; r < r0 + m; r++) {
    uint8_t *cr = c + (r - r0) * c_stride;
    uint32_t rs = 0;
    for (int kk = 0; kk < g->k; kk++)
      rs += (uint32_t) a_operand (g, a_byte (g, a, a_stride, conv, r, kk));
    for (int j = j0; j < j1; j++) {
      uint32_t acc = (uint32_t) g->bias[j];
      if (g->coef)
        acc -= (uint32_t) g->coef[j] * rs;
      for (int kk = 0; kk < g->k; kk++)
        acc += (uint32_t) (a_operand (g, a_byte (g, a, a_stride, conv, r,
                    kk)) * w_packed (g, j, kk));
      if (g->fscale)
        cr[j] = requant_float_c ((int32_t) acc, g->fscale[j], g->flo,
            g->fhi, g->out_zp);
      else
        cr[j] = requant_c ((int32_t) acc, g->mult[j], g->lsh[j], g->rsh[j],
            g->away[j], g->out_zp, g->act_min, g->act_max);
    }
  }
}

void
mnv3_qgemm_c (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch)
{
  (void) scratch;
  qgemm_c_rows (g, 0, m, a, a_stride, 0, c, c_stride, p0, p1);
}

void
mnv3_qgemm_conv_c (const mnv3_qgemm *g, size_t r0, size_t m,
    const uint8_t *in, uint8_t *c, size_t c_stride, int p0, int p1,
    void *scratch)
{
  (void) scratch;
  qgemm_c_rows (g, r0, m, in, 0, 1, c, c_stride, p0, p1);
}

/* ---- threaded run ----------------------------------------------------- */

typedef struct {
  const mnv3_qgemm *g;
  size_t m;
  const uint8_t *a;
  size_t a_stride;
  uint8_t *c;
  size_t c_stride;
  uint8_t *scratch;
  size_t scratch_size;
  size_t row_tasks, panel_tasks;
  int conv;                   /* a: the convolution's input (kern.conv) */
} qgemm_task;

/* Task i: a range of row tiles times a range of panels. */
static void
qgemm_task_run (void *ctx, size_t i, int thread_index)
{
  const qgemm_task *t = ctx;
  const mnv3_qgemm *g = t->g;
  const size_t mr = (size_t) g->kern.mr, tiles = (t->m + mr - 1) / mr;
  size_t rt = i / t->panel_tasks, pt = i % t->panel_tasks;
  size_t r0 = tiles * rt / t->row_tasks * mr;
  size_t r1 = tiles * (rt + 1) / t->row_tasks * mr;
  int p0 = (int) ((size_t) g->num_panels * pt / t->panel_tasks);
  int p1 = (int) ((size_t) g->num_panels * (pt + 1) / t->panel_tasks);

  r1 = r1 > t->m ? t->m : r1;
  if (r1 <= r0 || p1 <= p0)
    return;
  if (t->conv)
    g->kern.conv (g, r0, r1 - r0, t->a, t->c + r0 * t->c_stride,
        t->c_stride, p0, p1,
        t->scratch + (size_t) thread_index * t->scratch_size);
  else
    g->kern.fn (g, r1 - r0, t->a + r0 * t->a_stride, t->a_stride,
        t->c + r0 * t->c_stride, t->c_stride, p0, p1,
        t->scratch + (size_t) thread_index * t->scratch_size);
}

static void
qgemm_run (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, int conv, uint8_t *c, size_t c_stride, void *scratch,
    mnv3_threadpool *tp)
{
  const size_t mr = (size_t) g->kern.mr, tiles = (m + mr - 1) / mr;
  const size_t tile_macs = mr * (size_t) g->n * (size_t) g->k;
  const size_t nt = (size_t) mnv3_threadpool_size (tp);
  qgemm_task t = { g, m, a, a_stride, c, c_stride, scratch,
    mnv3_qgemm_scratch_size (g), 1, 1, conv };

  if (m == 0)
    return;
  t.row_tasks = mnv3_threadpool_tasks (tp, tiles,
      (QGEMM_MIN_MACS_PER_TASK + tile_macs - 1) / tile_macs);
  /* Few rows (a fully connected layer, a 7x7 map): split columns too. */
  if (nt > 1 && t.row_tasks < 2 * nt && g->num_panels > 1) {
    size_t want = (2 * nt + t.row_tasks - 1) / t.row_tasks;
    size_t cap = m * (size_t) g->n * g->k / QGEMM_MIN_MACS_PER_TASK
        / t.row_tasks;
    want = want > cap ? cap : want;
    want = want > (size_t) g->num_panels ? (size_t) g->num_panels : want;
    t.panel_tasks = want < 1 ? 1 : want;
  }
  if (t.row_tasks * t.panel_tasks <= 1)
    qgemm_task_run (&t, 0, 0);
  else
    mnv3_threadpool_run (tp, t.row_tasks * t.panel_tasks, qgemm_task_run, &t);
}

void
mnv3_qgemm_run (const mnv3_qgemm *g, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *c, size_t c_stride, void *scratch,
    mnv3_threadpool *tp)
{
  qgemm_run (g, m, a, a_stride, 0, c, c_stride, scratch, tp);
}

void
mnv3_qgemm_run_conv (const mnv3_qgemm *g, const uint8_t *in, uint8_t *out,
    void *scratch, mnv3_threadpool *tp)
{
  qgemm_run (g, (size_t) g->conv.oh * g->conv.ow, in, 0, 1, out,
      (size_t) g->n, scratch, tp);
}
