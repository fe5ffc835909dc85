/* softmax-avx512.c — softmax kernel compiled for avx512 (template
 * softmax-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx512.h"
#include "elementwise/elementwise.h"
#include "elementwise/softmax-simd.h"
