/* binary-avx512.c — binary-op kernel compiled for avx512 (template
 * binary-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx512.h"
#include "elementwise/elementwise.h"
#include "elementwise/binary-simd.h"
