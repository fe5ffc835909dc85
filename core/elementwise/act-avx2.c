/* act-avx2.c — activation kernel compiled for avx2 (template act-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx2.h"
#include "elementwise/elementwise.h"
#include "elementwise/act-simd.h"
