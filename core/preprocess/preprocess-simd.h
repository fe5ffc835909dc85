/* preprocess-simd.h — template of the SIMD row kernels (VF_W lanes).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included once per ISA after vec-<isa>.h (preprocess-avx2.c,
 * preprocess-avx512.c); contract in preprocess-internal.h.
 *
 * Each lane gathers the 32-bit word holding its byte (offsets and shifts
 * from the tables keep every read inside the row) and interpolates in
 * float, one lane per output pixel, then a 3-way interleave to RGBRGB...
 * Packed formats: the word at a pixel holds its R, G and B (at
 * chan_shift), so RGB/BGR/RGBx/xRGB... share one kernel.  YUV: luma and
 * chroma taps are paired, one word per row holds both taps.  Tables are
 * padded to MNV3_PP_PAD (>= VF_W) entries, so only the stores need a tail.
 */

/* byte at bit `shift` of VF_W words, as float */
MNV3_INLINE vf
pp_chan (vi x, vi shift)
{
  return vf_from_vi (vi_and (vi_srlv (x, shift), vi_set1 (0xff)));
}

MNV3_INLINE vf
pp_lerp (vf a, vf b, vf c, vf d, vf w, vf wy)
{
  vf h0 = vf_fmadd (w, vf_sub (b, a), a);
  vf h1 = vf_fmadd (w, vf_sub (d, c), c);

  return vf_fmadd (wy, vf_sub (h1, h0), h0);
}

/* bilinear value of VF_W paired taps (one-byte samples) on two rows: one
 * gather per row gives both taps */
MNV3_INLINE vf
pp_pair (const uint8_t *r0, const uint8_t *r1, const mnv3_pp_taps *t, int j,
    vf wy)
{
  vi g = vi_loadu (t->g0 + j);
  vi s0 = vi_loadu (t->sh0 + j), s1 = vi_loadu (t->sh1 + j);
  vi x0 = vi_gather_word (r0, g), x1 = vi_gather_word (r1, g);

  return pp_lerp (pp_chan (x0, s0), pp_chan (x0, s1), pp_chan (x1, s0),
      pp_chan (x1, s1), vf_loadu (t->w + j), wy);
}

/* NV12 chroma: the word at g0 holds U0 V0 at sh0 and U1 V1 at sh1 */
MNV3_INLINE void
pp_nv12_pair (const mnv3_pp_rows *r, const mnv3_pp_taps *t, int j, vf *u,
    vf *v)
{
  vi g = vi_loadu (t->g0 + j);
  vi s0 = vi_loadu (t->sh0 + j), s1 = vi_loadu (t->sh1 + j);
  vi t0 = vi_add (s0, vi_set1 (8)), t1 = vi_add (s1, vi_set1 (8));
  vi x0 = vi_gather_word (r->u0, g), x1 = vi_gather_word (r->u1, g);
  vf w = vf_loadu (t->w + j), wy = vf_set1 (r->cwy);

  *u = pp_lerp (pp_chan (x0, s0), pp_chan (x0, s1), pp_chan (x1, s0),
      pp_chan (x1, s1), w, wy);
  *v = pp_lerp (pp_chan (x0, t0), pp_chan (x0, t1), pp_chan (x1, t0),
      pp_chan (x1, t1), w, wy);
}

/* R, G, B of VF_W pixels -> 3 * VF_W interleaved floats at out (n of them
 * when fewer). */
MNV3_INLINE void
pp_store_rgb (vf cr, vf cg, vf cb, float *out, int n)
{
  vf o[3];

  vf_interleave3 (cr, cg, cb, o);
  if (n >= 3 * VF_W) {         /* every vector but a row's last: o[] stays
                                * in registers */
    vf_storeu (out, o[0]);
    vf_storeu (out + VF_W, o[1]);
    vf_storeu (out + 2 * VF_W, o[2]);
    return;
  }
  for (int i = 0; i < 3 && n > 0; i++, n -= VF_W)
    vf_store_mask (out + VF_W * i, o[i], vf_mask (n < VF_W ? n : VF_W));
}

/* Packed formats, one lane per pixel: a gathered word holds R, G and B. */
void
FN (mnv3_pp_packed) (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const mnv3_pp_taps *t = &pp->cx;
  const int width = pp->p.dst.width;
  const vf wy = vf_set1 (r->wy);

  for (int j = 0; j < width; j += VF_W) {
    vi g0 = vi_loadu (t->g0 + j), g1 = vi_loadu (t->g1 + j);
    vi s0 = vi_loadu (t->sh0 + j), s1 = vi_loadu (t->sh1 + j);
    vf w = vf_loadu (t->w + j);
    vi a = vi_srlv (vi_gather_word (r->y0, g0), s0);
    vi b = vi_srlv (vi_gather_word (r->y0, g1), s1);
    vi c = vi_srlv (vi_gather_word (r->y1, g0), s0);
    vi d = vi_srlv (vi_gather_word (r->y1, g1), s1);
    vf v[3];

    for (int ch = 0; ch < 3; ch++) {
      vi cs = vi_set1 (pp->chan_shift[ch]);
      v[ch] = vf_fmadd (pp_lerp (pp_chan (a, cs), pp_chan (b, cs),
              pp_chan (c, cs), pp_chan (d, cs), w, wy),
          vf_set1 (pp->ch_scale[ch]), vf_set1 (pp->ch_bias[ch]));
    }
    pp_store_rgb (v[0], v[1], v[2], out + 3 * j, 3 * (width - j));
  }
}

/* Y, U, V of VF_W pixels -> 3 * VF_W interleaved normalised floats at out
 * (n of them when fewer). */
MNV3_INLINE void
pp_yuv_store (const mnv3_preprocess *pp, vf y, vf u, vf v, float *out,
    int n)
{
  const mnv3_pp_yuv *m = &pp->m;
  const vf zero = vf_zero (), top = vf_set1 (255.0f), cy = vf_set1 (m->cy);
  vf cr = vf_fmadd (vf_set1 (m->crv), v,
      vf_fmadd (cy, y, vf_set1 (m->off[0])));
  vf cg = vf_fmadd (vf_set1 (m->cgv), v, vf_fmadd (vf_set1 (m->cgu), u,
          vf_fmadd (cy, y, vf_set1 (m->off[1]))));
  vf cb = vf_fmadd (vf_set1 (m->cbu), u,
      vf_fmadd (cy, y, vf_set1 (m->off[2])));

  cr = vf_min (vf_max (cr, zero), top);
  cg = vf_min (vf_max (cg, zero), top);
  cb = vf_min (vf_max (cb, zero), top);
  cr = vf_fmadd (cr, vf_set1 (pp->ch_scale[0]), vf_set1 (pp->ch_bias[0]));
  cg = vf_fmadd (cg, vf_set1 (pp->ch_scale[1]), vf_set1 (pp->ch_bias[1]));
  cb = vf_fmadd (cb, vf_set1 (pp->ch_scale[2]), vf_set1 (pp->ch_bias[2]));
  pp_store_rgb (cr, cg, cb, out, n);
}

void
FN (mnv3_pp_i420) (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const vf wy = vf_set1 (r->wy), cwy = vf_set1 (r->cwy);

  for (int j = 0; j < pp->n; j += VF_W) {
    vf y = pp_pair (r->y0, r->y1, &pp->x, j, wy);
    vf u = pp_pair (r->u0, r->u1, &pp->cx, j, cwy);
    vf v = pp_pair (r->v0, r->v1, &pp->cx, j, cwy);
    pp_yuv_store (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}

void
FN (mnv3_pp_nv12) (const mnv3_preprocess *pp, const mnv3_pp_rows *r,
    float *out)
{
  const vf wy = vf_set1 (r->wy);

  for (int j = 0; j < pp->n; j += VF_W) {
    vf y = pp_pair (r->y0, r->y1, &pp->x, j, wy);
    vf u, v;
    pp_nv12_pair (r, &pp->cx, j, &u, &v);
    pp_yuv_store (pp, y, u, v, out + 3 * j, 3 * (pp->n - j));
  }
}
