/* dwconv-avx2.c — 3x3 and 5x5 depthwise kernels compiled for avx2
 * (template dwconv-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx2.h"
#include "dwconv/dwconv.h"
#include "dwconv/dwconv-simd.h"
