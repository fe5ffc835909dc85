/* qvnni256-evex.c — the AVX-VNNI kernels (8 lanes, kstep 4) with EVEX
 * encodings, for tests only: CPUs with AVX512-VNNI but without AVX-VNNI
 * (Ice Lake, Zen 4) cannot run the VEX forms, and the same template code
 * then runs here.  Compiled with the avx512vnni flags.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define MNV3_QVNNI256_EVEX 1
#include "qgemm-avxvnni.c"
#undef FN
#undef QV_ENC
#include "qdwconv-avxvnni.c"
