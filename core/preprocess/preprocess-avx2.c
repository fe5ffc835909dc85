/* preprocess-avx2.c — AVX2 + FMA row kernels, 8 lanes (template
 * preprocess-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx2.h"
#include "preprocess/preprocess-internal.h"
#include "preprocess/preprocess-simd.h"
