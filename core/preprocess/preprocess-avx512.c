/* preprocess-avx512.c — AVX-512 F/BW row kernels, 16 lanes (template
 * preprocess-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx512.h"
#include "preprocess/preprocess-internal.h"
#include "preprocess/preprocess-simd.h"
