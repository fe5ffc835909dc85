/* binary-avx2.c — binary-op kernel compiled for avx2 (template
 * binary-simd.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementwise/vec-avx2.h"
#include "elementwise/elementwise.h"
#include "elementwise/binary-simd.h"
