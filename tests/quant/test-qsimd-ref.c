/* test-qsimd-ref.c — test_qsimd's reference and random parameters.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TFLite's integer convolution written out (GEMM and depthwise: int64
 * sums, gemmlowp's or ruy's requantization, + out_zp, clamp), the seeded
 * random numbers and the random quantization parameters the sweeps of
 * test-qsimd.c draw (test-qsimd.h says what each gives).
 */
#include <check.h>
#include <stdlib.h>

#include "test-qsimd.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

uint32_t
rnd (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t) (rng >> 11);
}

/* uniform in [lo, hi] */
int32_t
rnd_in (int32_t lo, int32_t hi)
{
  return lo + (int32_t) (rnd () % (uint32_t) (hi - lo + 1));
}

/* ---- the reference ---------------------------------------------------- */

static int32_t
ref_srdhm (int32_t a, int32_t b)
{
  int overflow = a == b && a == INT32_MIN;
  int64_t ab = (int64_t) a * (int64_t) b;
  int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  int32_t hi = (int32_t) ((ab + nudge) / ((int64_t) 1 << 31));
  return overflow ? INT32_MAX : hi;
}

static int32_t
ref_rdivpot (int32_t x, int e)
{
  int32_t mask = (int32_t) (((int64_t) 1 << e) - 1);
  int32_t rem = x & mask;
  int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}

/* ruy's x86 requantization (TFLite's CONV_2D / FULLY_CONNECTED on x86):
 * the 64-bit product rounded half up at bit 31, then a right shift rounded
 * half up. */
static int32_t
ref_ruy (int32_t x, int32_t mult, int right)
{
  int64_t t = ((int64_t) x * mult + ((int64_t) 1 << 30)) >> 31;
  if (right > 0)
    t = (t + ((int64_t) 1 << (right - 1))) >> right;
  return (int32_t) t;
}

/* up: the channel rounds as ruy (mnv3_qgemm_desc.up_channels) */
static uint8_t
ref_out_r (int64_t acc, mnv3_qmul m, int up, int32_t zp, int32_t lo,
    int32_t hi)
{
  int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  int32_t x = (int32_t) (uint32_t) ((uint64_t) acc << left);
  int32_t y = up ? ref_ruy (x, m.mult, right)
      : ref_rdivpot (ref_srdhm (x, m.mult), right);
  y = (int32_t) ((uint32_t) y + (uint32_t) zp);   /* wraps as the kernels */
  y = y < lo ? lo : y > hi ? hi : y;
  return (uint8_t) y;
}

static uint8_t
ref_out (int64_t acc, mnv3_qmul m, int32_t zp, int32_t lo, int32_t hi)
{
  return ref_out_r (acc, m, 0, zp, lo, hi);
}

static int32_t
val (mnv3_dtype t, uint8_t b)
{
  return t == MNV3_DTYPE_I8 ? (int8_t) b : (int32_t) b;
}

static int32_t
wzp (const int32_t *zps, int num, int j)
{
  return zps ? zps[num == 1 ? 0 : j] : 0;
}

void
ref_gemm (const mnv3_qgemm_desc *d, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *out)
{
  const uint8_t *w = d->w;
  for (size_t r = 0; r < m; r++)
    for (int j = 0; j < d->n; j++) {
      int64_t acc = d->bias ? d->bias[j] : 0;
      int32_t wz = wzp (d->w_zps, d->num_w_zps, j);
      for (int kk = 0; kk < d->k; kk++)
        acc += (int64_t) (val (d->in_type, a[r * a_stride + kk]) - d->in_zp)
            * (val (d->w_type, w[(size_t) j * d->k + kk]) - wz);
      if (acc < INT32_MIN || acc > INT32_MAX)
        ck_abort_msg ("reference: the sum leaves int32");
      out[r * d->n + j] = ref_out_r (acc, d->muls[d->num_muls == 1 ? 0 : j],
          j < d->up_channels, d->out_zp, d->act_min, d->act_max);
    }
}

void
ref_dw (const mnv3_qdw_desc *d, const uint8_t *in, uint8_t *out)
{
  const uint8_t *w = d->w;
  for (int oy = 0; oy < d->oh; oy++)
    for (int ox = 0; ox < d->ow; ox++)
      for (int ch = 0; ch < d->c; ch++) {
        int64_t acc = d->bias ? d->bias[ch] : 0;
        int32_t wz = wzp (d->w_zps, d->num_w_zps, ch);
        for (int ky = 0; ky < d->k; ky++)
          for (int kx = 0; kx < d->k; kx++) {
            int iy = oy * d->sh - d->pad_t + ky * d->dh;
            int ix = ox * d->sw - d->pad_l + kx * d->dw;
            if (iy < 0 || iy >= d->ih || ix < 0 || ix >= d->iw)
              continue;   /* TFLite skips taps outside the image */
            acc += (int64_t) (val (d->in_type,
                    in[((size_t) iy * d->iw + ix) * d->c + ch]) - d->in_zp)
                * (val (d->w_type, w[((size_t) ch * d->k + ky) * d->k + kx])
                - wz);
          }
        out[((size_t) oy * d->ow + ox) * d->c + ch] = ref_out (acc,
            d->muls[d->num_muls == 1 ? 0 : ch], d->out_zp, d->act_min,
            d->act_max);
      }
}

/* ---- random quantization parameters ----------------------------------- */

int32_t
pick_zp (mnv3_dtype t, int kind)
{
  if (kind == 0)
    return 0;
  if (kind == 1)
    return t == MNV3_DTYPE_U8 ? 128 : -128;
  return t == MNV3_DTYPE_U8 ? rnd_in (0, 255) : rnd_in (-128, 127);
}

void
fill_bytes (uint8_t *p, size_t n, mnv3_dtype t, int extreme, int is_w)
{
  for (size_t i = 0; i < n; i++) {
    switch (extreme) {
      case 1: p[i] = t == MNV3_DTYPE_U8 ? (is_w ? 0 : 255) : 0x80; break;
      case 2: p[i] = t == MNV3_DTYPE_U8 ? 255 : 0x7f; break;
      case 3: p[i] = t == MNV3_DTYPE_U8 ? 0 : (is_w ? 0x7f : 0x80); break;
      case 4: p[i] = (i & 1) ? 255 : (t == MNV3_DTYPE_U8 ? 0 : 0x80); break;
      default: p[i] = (uint8_t) rnd (); break;
    }
  }
}

/* Multipliers around what maps an accumulator of typical size `mag` to
 * about +-64, spread over 2^-6..2^6 of that, with some extremes. */
void
fill_muls (mnv3_qmul *m, int n, double mag)
{
  int base = 0;
  while (mag > 64.0 && base > -31) {
    mag /= 2.0;
    base--;
  }
  for (int i = 0; i < n; i++) {
    uint32_t r = rnd () % 32;
    m[i].mult = (int32_t) ((1u << 30) + (rnd () & ((1u << 30) - 1)));
    m[i].shift = base + rnd_in (-6, 6);
    if (r == 0)
      m[i].mult = 0;
    else if (r == 1)
      m[i].mult = INT32_MAX;
    else if (r == 2)
      m[i].mult = 1 << 30;
    else if (r == 3)
      m[i].shift = -31;
    else if (r == 4)
      m[i].shift = rnd_in (1, 3);
    m[i].shift = m[i].shift < -31 ? -31 : m[i].shift > 31 ? 31 : m[i].shift;
  }
}

/* columns [0, up) round as ruy: none, some or (mostly) all */
int
pick_up (int n)
{
  switch (rnd () % 4) {
    case 0: return 0;
    case 1: return rnd_in (0, n);
    default: return n;
  }
}

void
act_range (mnv3_dtype t, int32_t zp, int narrow, int32_t *lo, int32_t *hi)
{
  *lo = t == MNV3_DTYPE_U8 ? 0 : -128;
  *hi = t == MNV3_DTYPE_U8 ? 255 : 127;
  if (narrow) {
    *lo = zp > *lo ? zp : *lo;
    *hi = *lo + rnd_in (0, *hi - *lo);
  }
}
