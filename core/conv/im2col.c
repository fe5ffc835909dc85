/* im2col.c — gather convolution windows into GEMM rows.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Used for the output pixels whose taps touch the padding (and for every
 * pixel when an in_scale gate must be applied); the interior of a spatial
 * convolution is read in place by the implicit GEMM instead.
 */
#include <string.h>

#include "conv/im2col.h"

/* Tap (ky, kx) of `seg` consecutive output pixels of row oy, from ox on:
 * dst rows are K apart, sources sw*ic apart.  Kept apart from the tap
 * loops so the stem's 3-channel copies compile to straight moves. */
static inline void
gather_tap (const mnv3_conv_params *p, size_t K, const float *srow,
    const float *scale, float *d, int ox, int seg, int kx, size_t icg)
{
  const size_t step = (size_t) p->sw * p->ic;
  int ix = ox * p->sw - p->pad_l + kx * p->dw;
  int j = 0;

  for (; j < seg && ix < 0; j++, ix += p->sw, d += K)
    memset (d, 0, icg * sizeof (float));
  if (j < seg && ix < p->iw) {
    /* pixels whose tap lands inside the row */
    int n = (p->iw - 1 - ix) / p->sw + 1;
    const float *src = srow + (size_t) ix * p->ic;
    if (n > seg - j)
      n = seg - j;
    ix += n * p->sw;
    j += n;
    if (scale)
      for (; n > 0; n--, src += step, d += K)
        for (size_t i = 0; i < icg; i++)
          d[i] = src[i] * scale[i];
    else if (icg == 3)
      for (; n > 0; n--, src += step, d += K) {
        d[0] = src[0];
        d[1] = src[1];
        d[2] = src[2];
      }
    else
      for (; n > 0; n--, src += step, d += K)
        memcpy (d, src, icg * sizeof (float));
  }
  for (; j < seg; j++, d += K)
    memset (d, 0, icg * sizeof (float));
}

/* Copy a short run of floats without a libc call (the stem copies 9 per
 * kernel row; a memcpy call would cost more than the copy). */
static inline void
copy_run (float *d, const float *src, size_t n)
{
  for (; n >= 4; n -= 4, d += 4, src += 4)
    memcpy (d, src, 4 * sizeof (float));
  switch (n) {
    case 3:
      d[2] = src[2];
      /* fall through */
    case 2:
      d[1] = src[1];
      /* fall through */
    case 1:
      d[0] = src[0];
      break;
    default:
      break;
  }
}

/* Kernel row ky of `seg` pixels when its taps are contiguous in the input
 * (dw == 1, one group): one run of kw*ic floats per pixel that lies fully
 * inside the row, tap by tap at the borders. */
static void
gather_row (const mnv3_conv_params *p, size_t K, const float *srow, float *d,
    int ox, int seg)
{
  const size_t run = (size_t) p->kw * p->ic, ic = (size_t) p->ic;
  int ix = ox * p->sw - p->pad_l;

  for (int j = 0; j < seg; j++, ix += p->sw, d += K) {
    if (ix >= 0 && ix + p->kw <= p->iw) {
      copy_run (d, srow + (size_t) ix * ic, run);
      continue;
    }
    for (int kx = 0; kx < p->kw; kx++)
      if (ix + kx < 0 || ix + kx >= p->iw)
        memset (d + kx * ic, 0, ic * sizeof (float));
      else
        copy_run (d + kx * ic, srow + (size_t) (ix + kx) * ic, ic);
  }
}

void
mnv3_im2col (const mnv3_conv_params *p, size_t K, const float *in,
    const float *in_scale, int g, size_t m0, size_t rows, float *dst)
{
  const size_t icg = (size_t) (p->ic / p->groups);
  const float *scale = in_scale ? in_scale + g * icg : NULL;
  const int runs = p->dw == 1 && p->groups == 1 && !in_scale;

  in += g * icg;
  for (size_t r = 0; r < rows;) {
    const int oy = (int) ((m0 + r) / p->ow), ox = (int) ((m0 + r) % p->ow);
    const int seg = (int) (rows - r < (size_t) (p->ow - ox) ? rows - r
        : (size_t) (p->ow - ox));
    for (int ky = 0; ky < p->kh; ky++) {
      const int iy = oy * p->sh - p->pad_t + ky * p->dh;
      float *d = dst + r * K + (size_t) ky * p->kw * icg;
      const float *srow;
      if (iy < 0 || iy >= p->ih) {
        for (int j = 0; j < seg; j++)
          memset (d + j * K, 0, p->kw * icg * sizeof (float));
        continue;
      }
      srow = in + (size_t) iy * p->iw * p->ic;
      if (runs) {
        gather_row (p, K, srow, d, ox, seg);
        continue;
      }
      for (int kx = 0; kx < p->kw; kx++)
        gather_tap (p, K, srow, scale, d + kx * icg, ox, seg, kx, icg);
    }
    r += (size_t) seg;
  }
}
