/* qdwconv.c — 8-bit depthwise convolution: packing, the C kernel (any
 * kernel size) and the row-parallel run.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "quant/qkernels.h"

/* Multiply-accumulates per task: enough to amortise a hand-off. */
#define QDW_MIN_MACS_PER_TASK 32768

static void *
qdw_alloc (size_t bytes)
{
  size_t b = (bytes + 63) & ~(size_t) 63;
  void *p = aligned_alloc (64, b ? b : 64);
  if (p)
    memset (p, 0, b ? b : 64);
  return p;
}

static int
qdw_desc_ok (const mnv3_qdw_desc *d)
{
  int ok = d && d->ih > 0 && d->iw > 0 && d->c > 0 && d->oh > 0 && d->ow > 0
      && d->k > 0 && d->k <= 64 && d->sh > 0 && d->sw > 0 && d->dh > 0
      && d->dw > 0 && d->pad_t >= 0 && d->pad_l >= 0 && d->w && d->muls
      && (d->in_type == MNV3_DTYPE_U8 || d->in_type == MNV3_DTYPE_I8)
      && (d->w_type == MNV3_DTYPE_U8 || d->w_type == MNV3_DTYPE_I8)
      && (d->num_w_zps == 1 || d->num_w_zps == d->c || !d->w_zps)
      && (d->num_muls == 1 || d->num_muls == d->c)
      && d->act_min <= d->act_max;

  for (int i = 0; ok && i < d->num_muls; i++)
    ok = d->muls[i].mult >= 0 && d->muls[i].shift <= 31
        && d->muls[i].shift >= -31;
  return ok;
}

/* Output columns whose whole window lies inside the input. */
static void
qdw_interior (mnv3_qdw *d)
{
  const mnv3_qdw_desc *p = &d->p;
  int lo = (p->pad_l + p->sw - 1) / p->sw;
  int num = p->iw - 1 - (p->k - 1) * p->dw + p->pad_l;
  int hi = num < 0 ? 0 : num / p->sw + 1;

  lo = lo > p->ow ? p->ow : lo;
  hi = hi > p->ow ? p->ow : hi;
  d->ox_lo = lo;
  d->ox_hi = hi < lo ? lo : hi;
}

static void
qdw_fill (mnv3_qdw *d, const mnv3_qdw_desc *p)
{
  const size_t taps = (size_t) p->k * p->k;

  for (int ch = 0; ch < p->c; ch++) {
    int32_t wz = !p->w_zps ? 0 : p->w_zps[p->num_w_zps == 1 ? 0 : ch];
    mnv3_qmul m = p->muls[p->num_muls == 1 ? 0 : ch];
    uint32_t sum = 0;
    for (size_t t = 0; t < taps; t++) {
      uint8_t b = ((const uint8_t *) p->w)[(size_t) ch * taps + t];
      int32_t v = (p->w_type == MNV3_DTYPE_I8 ? (int8_t) b : (int32_t) b)
          - wz;
      d->w[t * d->cp + ch] = (int32_t) (uint16_t) (int16_t) v;
      d->w2[t / 2 * d->cp + ch] |= (int32_t) ((uint32_t) (uint16_t)
          (int16_t) v << (t % 2 ? 16 : 0));
      sum += (uint32_t) v;
    }
    d->bias[ch] = (int32_t) ((p->bias ? (uint32_t) p->bias[ch] : 0)
        - (uint32_t) p->in_zp * sum);
    d->mult[ch] = m.mult;
    d->lsh[ch] = m.shift > 0 ? m.shift : 0;
    d->rsh[ch] = m.shift > 0 ? 0 : -m.shift;
    d->away[ch] = ch < p->up_channels ? 0 : -1;
    if (d->fscale)
      d->fscale[ch] = p->fscales[ch];
  }
  for (int ch = 0; ch < p->c; ch++) {
    size_t x = (size_t) mnv3_qdw_x64_pos (ch), cp64 = (size_t) d->cp64;
    int32_t rsh = d->rsh[ch], mask = (int32_t) ((1u << rsh) - 1u);
    const int32_t q[MNV3_QDW_Q64_N] = { d->bias[ch], d->mult[ch],
      d->mult[ch | 1], d->lsh[ch], rsh, mask, mask >> 1, d->away[ch] };
    for (size_t t = 0; t < (taps + 1) / 2; t++)
      d->w64[t * cp64 + x] = d->w2[t * d->cp + ch];
    for (int f = 0; f < MNV3_QDW_Q64_N; f++)
      d->q64[f * cp64 + x] = q[f];
  }
  d->flo = (float) (p->act_min - p->out_zp);
  d->fhi = (float) (p->act_max - p->out_zp);
}

mnv3_qdw *
mnv3_qdw_pack (const mnv3_qdsp *dsp, const mnv3_qdw_desc *p)
{
  mnv3_qdw *d;
  size_t cp;

  if (!dsp || !qdw_desc_ok (p)) {
    mnv3_set_error (MNV3_ERR_INVALID_ARG, "qdwconv: invalid parameters");
    return NULL;
  }
  d = calloc (1, sizeof *d);
  if (!d) {
    mnv3_set_error (MNV3_ERR_NOMEM, "qdwconv: out of memory");
    return NULL;
  }
  d->p = *p;
  d->cp = (p->c + MNV3_QDW_CP_ALIGN - 1) / MNV3_QDW_CP_ALIGN
      * MNV3_QDW_CP_ALIGN;
  cp = (size_t) d->cp;
  d->w = qdw_alloc ((size_t) p->k * p->k * cp * 4);
  d->w2 = qdw_alloc (((size_t) p->k * p->k + 1) / 2 * cp * 4);
  d->bias = qdw_alloc (cp * 4);
  d->mult = qdw_alloc (cp * 4);
  d->lsh = qdw_alloc (cp * 4);
  d->rsh = qdw_alloc (cp * 4);
  d->away = qdw_alloc (cp * 4);
  d->zp_row = qdw_alloc ((size_t) p->iw * p->c);
  d->cp64 = (p->c + 63) / 64 * 64;
  d->w64 = qdw_alloc (((size_t) p->k * p->k + 1) / 2 * (size_t) d->cp64 * 4);
  d->q64 = qdw_alloc ((size_t) MNV3_QDW_Q64_N * (size_t) d->cp64 * 4);
  if (p->fscales)
    d->fscale = qdw_alloc (cp * 4);
  if (!d->w || !d->w2 || !d->bias || !d->mult || !d->lsh || !d->rsh || !d->away
      || !d->zp_row || !d->w64 || !d->q64 || (p->fscales && !d->fscale)) {
    mnv3_qdw_free (d);
    mnv3_set_error (MNV3_ERR_NOMEM, "qdwconv: out of memory");
    return NULL;
  }
  memset (d->zp_row, (uint8_t) p->in_zp, (size_t) p->iw * p->c);
  qdw_fill (d, p);
  d->p.w = NULL;
  d->p.w_zps = NULL;
  d->p.bias = NULL;
  d->p.muls = NULL;
  d->p.fscales = NULL;
  qdw_interior (d);
  d->fn = p->k == 3 && dsp->dw3 ? dsp->dw3 : p->k == 5 && dsp->dw5
      ? dsp->dw5 : dsp->dw_any;
  return d;
}

void
mnv3_qdw_free (mnv3_qdw *d)
{
  if (!d)
    return;
  free (d->w);
  free (d->w2);
  free (d->bias);
  free (d->mult);
  free (d->lsh);
  free (d->rsh);
  free (d->away);
  free (d->zp_row);
  free (d->w64);
  free (d->q64);
  free (d->fscale);
  free (d);
}

size_t
mnv3_qdw_packed_bytes (const mnv3_qdw *d)
{
  if (!d)
    return 0;
  return ((size_t) d->p.k * d->p.k + 4 + (d->fscale ? 1 : 0)
      + ((size_t) d->p.k * d->p.k + 1) / 2)
      * d->cp * 4
      + (((size_t) d->p.k * d->p.k + 1) / 2 + MNV3_QDW_Q64_N) * d->cp64 * 4
      + (size_t) d->p.iw * d->p.c;
}

/* ---- the C kernel (any k) --------------------------------------------- */

void
mnv3_qdw_c (const mnv3_qdw *d, const uint8_t *in, uint8_t *out, int oy0,
    int oy1, int c0, int c1)
{
  const mnv3_qdw_desc *p = &d->p;
  const int k = p->k, sign = p->in_type == MNV3_DTYPE_I8;

  for (int oy = oy0; oy < oy1; oy++)
    for (int ox = 0; ox < p->ow; ox++)
      for (int ch = c0; ch < c1; ch++) {
        /* the packed bias expects in_zp for taps outside the input */
        uint32_t acc = (uint32_t) d->bias[ch];
        mnv3_qmul m = { d->mult[ch], d->lsh[ch] > 0 ? d->lsh[ch]
          : -d->rsh[ch] };
        int32_t y;
        for (int ky = 0; ky < k; ky++) {
          const uint8_t *row = mnv3_qdw_in_row (d, in, oy, ky);
          for (int kx = 0; kx < k; kx++) {
            int ix = ox * p->sw - p->pad_l + kx * p->dw;
            int32_t a = p->in_zp;
            int32_t w = (int16_t) d->w[(size_t) (ky * k + kx) * d->cp + ch];
            if (ix >= 0 && ix < p->iw) {
              uint8_t b = row[(size_t) ix * p->c + ch];
              a = sign ? (int8_t) b : (int32_t) b;
            }
            acc += (uint32_t) (a * w);
          }
        }
        if (d->fscale) {
          /* ONNX Runtime's: qinternal.h mnv3_qconv_requant_float */
          float v = (float) (int32_t) acc * d->fscale[ch];
          v = v < d->flo ? d->flo : (v > d->fhi ? d->fhi : v);
          y = (int32_t) nearbyintf (v) + p->out_zp;
        } else {
          y = (d->away[ch] ? mnv3_qmul_apply ((int32_t) acc, m)
              : mnv3_qmul_apply_neon ((int32_t) acc, m)) + p->out_zp;
          y = y < p->act_min ? p->act_min : y > p->act_max ? p->act_max
              : y;
        }
        out[((size_t) oy * p->ow + ox) * p->c + ch] = (uint8_t) y;
      }
}

/* ---- threaded run ----------------------------------------------------- */

typedef struct {
  const mnv3_qdw *d;
  const uint8_t *in;
  uint8_t *out;
  size_t row_tasks, chan_tasks;
} qdw_task;

static void
qdw_task_run (void *ctx, size_t i, int thread_index)
{
  const qdw_task *t = ctx;
  const mnv3_qdw_desc *p = &t->d->p;
  size_t r = i / t->chan_tasks, k = i % t->chan_tasks;
  size_t blocks = (size_t) t->d->cp / MNV3_QDW_CP_ALIGN;
  int lo = (int) ((size_t) p->oh * r / t->row_tasks);
  int hi = (int) ((size_t) p->oh * (r + 1) / t->row_tasks);
  int c0 = (int) (blocks * k / t->chan_tasks) * MNV3_QDW_CP_ALIGN;
  int c1 = (int) (blocks * (k + 1) / t->chan_tasks) * MNV3_QDW_CP_ALIGN;

  (void) thread_index;
  c1 = c1 > p->c ? p->c : c1;
  if (hi > lo && c1 > c0)
    t->d->fn (t->d, t->in, t->out, lo, hi, c0, c1);
}

void
mnv3_qdw_run (const mnv3_qdw *d, const uint8_t *in, uint8_t *out,
    mnv3_threadpool *tp)
{
  const mnv3_qdw_desc *p = &d->p;
  size_t row_macs = (size_t) p->ow * p->c * p->k * p->k;
  size_t nt = (size_t) mnv3_threadpool_size (tp);
  size_t blocks = (size_t) d->cp / MNV3_QDW_CP_ALIGN;
  qdw_task t = { d, in, out, 1, 1 };

  t.row_tasks = mnv3_threadpool_tasks (tp, (size_t) p->oh,
      (QDW_MIN_MACS_PER_TASK + row_macs - 1) / row_macs);
  /* Small maps with many channels (7x7x576): split channels too. */
  if (nt > 1 && t.row_tasks < 4 * nt && blocks > 1) {
    size_t total = row_macs * (size_t) p->oh;
    size_t want = (4 * nt + t.row_tasks - 1) / t.row_tasks;
    size_t cap = total / QDW_MIN_MACS_PER_TASK / t.row_tasks;
    want = want > cap ? cap : want;
    t.chan_tasks = want > blocks ? blocks : (want < 1 ? 1 : want);
  }
  if (t.row_tasks * t.chan_tasks <= 1)
    d->fn (d, in, out, 0, p->oh, 0, p->c);
  else
    mnv3_threadpool_run (tp, t.row_tasks * t.chan_tasks, qdw_task_run, &t);
}
