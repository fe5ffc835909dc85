/* pool-avx2.c — pooling kernels compiled for avx2 (template pool-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "elementwise/vec-avx2.h"
#include "elementwise/elementwise.h"
#include "elementwise/pool-simd.h"
