/* act-avx512.c — activation kernel compiled for avx512 (template act-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx512.h"
#include "elementwise/elementwise.h"
#include "elementwise/act-simd.h"
