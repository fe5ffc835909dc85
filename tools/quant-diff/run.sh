#!/bin/sh
# Build and run the differential checks of core/quant against TFLite's and
# ruy's own kernel code.  Developer tool: not part of the meson build or of
# tests/run.sh (it needs third-party sources and libeigen3-dev, libabsl-dev).
#
#   tools/quant-diff/run.sh LITERT_DIR GEMMLOWP_DIR RUY_DIR NEON2SSE_DIR
#
# LITERT_DIR: a checkout of github.com/google-ai-edge/LiteRT (has tflite/),
# GEMMLOWP_DIR: github.com/google/gemmlowp, RUY_DIR: github.com/google/ruy,
# NEON2SSE_DIR: github.com/intel/ARM_NEON_2_x86_SSE (NEON_2_SSE.h).
# Needs an x86-64 CPU with AVX-512 for ruy_diff (AVX2 and AVX-512 kernels)
# and a built tree (MNV3_BUILD, default ./build) whose core/libmnv3core.a
# is checked (MNV3_SRC: the source tree it was built from, default this one).
set -eu
[ $# -eq 4 ] || { sed -n '2,13p' "$0"; exit 2; }
LITERT=$(cd "$1" && pwd); GEMMLOWP=$(cd "$2" && pwd); RUY=$(cd "$3" && pwd)
N2S=$(cd "$4" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/inc/tflite/schema"
for d in "$LITERT"/tflite/*; do
  [ "$(basename "$d")" = schema ] || ln -s "$d" "$W/inc/tflite/"
done
printf 'namespace tflite { enum BuiltinOperator : int { BuiltinOperator_MIN = 0 }; }\n' \
  > "$W/inc/tflite/schema/schema_generated.h"
ln -s "$GEMMLOWP/fixedpoint" "$GEMMLOWP/public" "$GEMMLOWP/internal" \
  "$GEMMLOWP/profiling" "$GEMMLOWP/meta" "$RUY/ruy" "$W/inc/"
CXX=${CXX:-g++}
SRC=${MNV3_SRC:-$ROOT}   # the tree MNV3_BUILD was built from
INC="-I$W/inc -I/usr/include/eigen3 -I$SRC/core"
# core/quant as the project builds it: the engine library of a build dir
LIB=${MNV3_BUILD:-$ROOT/build}/core/libmnv3core.a
[ -f "$LIB" ] || { echo "no $LIB: build the project first (or set MNV3_BUILD)"; exit 2; }
TFL="$LITERT/tflite/kernels/internal"
for f in quantization_util common runtime_shape; do
  $CXX -std=c++17 -O1 -DNDEBUG $INC -c "$TFL/$f.cc" -o "$W/tfl_$f.o"
done
$CXX -std=c++17 -O1 -DNDEBUG $INC -c "$HERE/absl_shim.cc" -o "$W/shim.o"
$CXX -std=c++17 -O1 -DNDEBUG $INC -c "$HERE/tflite_ref_diff.cc" -o "$W/tflite_ref_diff.o"
$CXX -o "$W/tflite_ref_diff" "$W/tflite_ref_diff.o" "$W"/tfl_*.o "$W/shim.o" "$LIB" -lm -lpthread
# The NEON paths, as TFLite's x86 build (SSE4.1) compiles them.  -O0: at
# -O1 this GCC build of NEON_2_SSE's emulation crashes in TFLite's uint8
# depthwise kernel (not investigated).
NFLAGS="-std=c++17 -O0 -DNDEBUG -msse4.1 -Wno-deprecated-declarations -Wno-ignored-attributes"
for f in quantization_util common runtime_shape; do
  $CXX $NFLAGS $INC -I"$N2S" -c "$TFL/$f.cc" -o "$W/ntfl_$f.o"
done
for t in tflite_opt_diff tflite_neon_diff; do
  $CXX $NFLAGS $INC -I"$N2S" -c "$HERE/$t.cc" -o "$W/$t.o"
  $CXX -o "$W/$t" "$W/$t.o" "$W"/ntfl_*.o "$W/shim.o" "$LIB" -lm -lpthread
done
AVX="-mavx2 -mfma -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512cd"
$CXX -std=c++14 -O1 -I"$RUY" $AVX -c "$RUY/ruy/kernel_avx2_fma.cc" -o "$W/k2.o"
$CXX -std=c++14 -O1 -I"$RUY" $AVX -c "$RUY/ruy/kernel_avx512.cc" -o "$W/k5.o"
$CXX -std=c++14 -O1 -I"$RUY" -I"$SRC/core" -c "$HERE/ruy_diff.cc" -o "$W/ruy_diff.o"
$CXX -o "$W/ruy_diff" "$W/ruy_diff.o" "$W/k2.o" "$W/k5.o" "$LIB" -lm -lpthread
rc=0
for t in tflite_ref_diff tflite_opt_diff ruy_diff tflite_neon_diff; do
  echo "== $t"; "$W/$t" || rc=1
done
exit $rc
