/* qboundary.h — private: the float <-> integer loops at a quantized
 * session's edge (core/model.c): a float input made into the bytes the
 * graph reads, integer outputs made into floats for mnv3_session_output.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * They run on every frame of a float-input model (a 513x1025 road frame is
 * 1.6 M values), so they have SIMD versions (qboundary-avx2.c,
 * qboundary-avx512.c: the quantization as intrinsics, 4 or 8 doubles a
 * vector; the integer -> float loops as MNV3_QB_DEFINE's plain C, which the
 * compiler vectorises with each file's flags).  The result does not change
 * with the ISA: IEEE multiplies, adds, compares and truncations only, in
 * files built with -ffp-contract=off so no multiply-add is fused
 * (tests/quant/test-qboundary.c compares every level with the C loop). */
#ifndef MNV3_QBOUNDARY_H
#define MNV3_QBOUNDARY_H

#include <stddef.h>
#include <stdint.h>

#include "quant/qops.h"

/* round (x * inv) half away from zero, plus zp, clamped to [lo, hi];
 * |x * inv| >= 1024 and NaN saturate (zp is within the type's range).
 * Truncating r +- 0.5 is that rounding, and the comparisons clamp NaN and
 * the infinities, so there is no libm call or branch per element. */
static inline int
mnv3_qb_half_away (float x, double inv, int zp, int lo, int hi)
{
  double r = (double) x * inv;
  int v;
  r += r < 0.0 ? -0.5 : 0.5;
  r = r > -1024.0 ? r : -1024.0;        /* also NaN */
  r = r < 1024.0 ? r : 1024.0;
  v = (int) r + zp;
  return v < lo ? lo : v > hi ? hi : v;
}

/* The reference loop: in -> bytes of [lo, hi] (uint8 or int8 bytes). */
static inline void
mnv3_qb_quantize_ref (const float *in, uint8_t *out, size_t n, double inv,
    int zp, int lo, int hi)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (uint8_t) mnv3_qb_half_away (in[k], inv, zp, lo, hi);
}

/* Integer -> float loops: plain C the compiler vectorises per ISA. */
#define MNV3_QB_DEFINE(sfx) \
void \
mnv3_qb_i32_to_f32_##sfx (const int32_t *in, float *out, size_t n) \
{ \
  for (size_t k = 0; k < n; k++) \
    out[k] = (float) in[k]; \
} \
\
void \
mnv3_qb_i64_to_f32_##sfx (const int64_t *in, float *out, size_t n) \
{ \
  for (size_t k = 0; k < n; k++) \
    out[k] = (float) in[k]; \
}

#define MNV3_QB_DECLARE(sfx) \
void mnv3_qb_quantize_##sfx (const float *in, uint8_t *out, size_t n, \
    double inv, int zp, int lo, int hi); \
void mnv3_qb_i32_to_f32_##sfx (const int32_t *in, float *out, size_t n); \
void mnv3_qb_i64_to_f32_##sfx (const int64_t *in, float *out, size_t n);

MNV3_QB_DECLARE (c)
MNV3_QB_DECLARE (avx2)
MNV3_QB_DECLARE (avx512)

/* The entries core/model.c calls: the widest build `isa` allows.
 * in float -> out (q's type, U8 or I8) rounding x / scale half away from
 * zero (the session's own boundary, not the model's QUANTIZE). */
void mnv3_qboundary_quantize (mnv3_isa isa, const float *in, void *out,
    size_t n, const mnv3_qtensor *q);
/* in (I32 or I64) -> float */
void mnv3_qboundary_int_to_float (mnv3_isa isa, mnv3_dtype type,
    const void *in, float *out, size_t n);

#endif
