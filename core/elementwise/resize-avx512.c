/* resize-avx512.c — bilinear resize kernels compiled for avx512 (template
 * resize-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx512.h"
#include "elementwise/elementwise.h"
#include "elementwise/resize-simd.h"
