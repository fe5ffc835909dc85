/* softmax-avx2.c — softmax kernel compiled for avx2 (template
 * softmax-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx2.h"
#include "elementwise/elementwise.h"
#include "elementwise/softmax-simd.h"
