/* test-qsimd.h — test_qsimd's reference and random parameters
 * (test-qsimd-ref.c) as the tests (test-qsimd.c) use them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MNV3_TEST_QSIMD_H
#define MNV3_TEST_QSIMD_H

#include <stddef.h>
#include <stdint.h>

#include "quant/qkernels.h"

/* output bytes after the last row, and the value they must keep */
#define GUARD 37
#define SENTINEL 0xA5

/* xorshift64, seeded: the same sequence every run */
uint32_t rnd (void);
/* uniform in [lo, hi] */
int32_t rnd_in (int32_t lo, int32_t hi);

/* The reference: m rows of a (row stride a_stride) times d's weights, out
 * m x d->n bytes; d's depthwise convolution of in (NHWC) into out. */
void ref_gemm (const mnv3_qgemm_desc *d, size_t m, const uint8_t *a,
    size_t a_stride, uint8_t *out);
void ref_dw (const mnv3_qdw_desc *d, const uint8_t *in, uint8_t *out);

/* random quantization parameters */
typedef struct {
  mnv3_dtype in_type, w_type;
  int zp_kind;               /* 0: 0, 1: 128 / -128, 2: random */
  int per_channel;
  int narrow;                /* a ReLU6-like clamp range */
  int extreme;               /* 0, or 1..4: constant extreme inputs */
} qcase;

/* A zero point of type t: kind 0 zero, 1 128 / -128, 2 random. */
int32_t pick_zp (mnv3_dtype t, int kind);
/* n random bytes of type t, or (extreme 1..4) constant extreme values of
 * activations or (is_w) weights. */
void fill_bytes (uint8_t *p, size_t n, mnv3_dtype t, int extreme, int is_w);
/* n multipliers mapping accumulators of typical size mag to about +-64,
 * spread over 2^-6..2^6 of that, with some extremes. */
void fill_muls (mnv3_qmul *m, int n, double mag);
/* columns [0, up) round as ruy: none, some or (mostly) all */
int pick_up (int n);
/* The clamp range of type t: the full range or (narrow) a random part
 * of it from zp up. */
void act_range (mnv3_dtype t, int32_t zp, int narrow, int32_t *lo,
    int32_t *hi);

#endif /* MNV3_TEST_QSIMD_H */
