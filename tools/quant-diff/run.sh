#!/bin/sh
# Build and run the differential checks of core/quant against TFLite's and
# ruy's own kernel code.  Developer tool: not part of the meson build or of
# tests/run.sh (it needs third-party sources and libeigen3-dev, libabsl-dev).
#
#   tools/quant-diff/run.sh LITERT_DIR GEMMLOWP_DIR RUY_DIR
#
# LITERT_DIR: a checkout of github.com/google-ai-edge/LiteRT (has tflite/),
# GEMMLOWP_DIR: github.com/google/gemmlowp, RUY_DIR: github.com/google/ruy.
# Needs an x86-64 CPU with AVX-512 for ruy_diff (AVX2 and AVX-512 kernels).
set -eu
[ $# -eq 3 ] || { sed -n '2,12p' "$0"; exit 2; }
LITERT=$(cd "$1" && pwd); GEMMLOWP=$(cd "$2" && pwd); RUY=$(cd "$3" && pwd)
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
CXX=${CXX:-g++}; CC=${CC:-gcc}
INC="-I$W/inc -I/usr/include/eigen3 -I$ROOT/core"
# core/quant and what it links to, built as the project builds it
for f in "$ROOT"/core/quant/*.c "$ROOT/core/error.c" "$ROOT/core/threadpool.c"; do
  $CC -std=gnu11 -O2 -ffp-contract=off -I"$ROOT/core" -c "$f" -o "$W/$(basename "$f").o"
done
TFL="$LITERT/tflite/kernels/internal"
for f in quantization_util common runtime_shape; do
  $CXX -std=c++17 -O1 -DNDEBUG $INC -c "$TFL/$f.cc" -o "$W/tfl_$f.o"
done
$CXX -std=c++17 -O1 -DNDEBUG $INC -c "$HERE/absl_shim.cc" -o "$W/shim.o"
for t in tflite_ref_diff tflite_opt_diff; do
  $CXX -std=c++17 -O1 -DNDEBUG $INC -c "$HERE/$t.cc" -o "$W/$t.o"
  $CXX -o "$W/$t" "$W/$t.o" "$W"/tfl_*.o "$W/shim.o" "$W"/*.c.o -lm -lpthread
done
AVX="-mavx2 -mfma -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512cd"
$CXX -std=c++14 -O1 -I"$RUY" $AVX -c "$RUY/ruy/kernel_avx2_fma.cc" -o "$W/k2.o"
$CXX -std=c++14 -O1 -I"$RUY" $AVX -c "$RUY/ruy/kernel_avx512.cc" -o "$W/k5.o"
$CXX -std=c++14 -O1 -I"$RUY" -I"$ROOT/core" -c "$HERE/ruy_diff.cc" -o "$W/ruy_diff.o"
$CXX -o "$W/ruy_diff" "$W/ruy_diff.o" "$W/k2.o" "$W/k5.o" "$W"/*.c.o -lm -lpthread
"$W/tflite_ref_diff"; "$W/tflite_opt_diff"; "$W/ruy_diff"
