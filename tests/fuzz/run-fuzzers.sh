#!/bin/sh
# Run the libFuzzer targets of a -Dfuzzing=enabled build for a bounded time.
#
#   tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS [TARGET...]]
#
# SECONDS (default 60) is each target's -max_total_time.  Every target
# starts from its committed seeds (tests/fuzz/seeds/NAME) plus the corpus
# it grew in earlier runs (BUILDDIR/fuzz-corpus/NAME, kept between runs);
# MNV3_FUZZ_EXTRA_SEEDS may name more seed directories (e.g. models/ for
# long runs; see docs/reliability.md).  A run fails on any crash, sanitizer
# report, leak, out-of-memory (-rss_limit_mb, -malloc_limit_mb: 2 GiB) or
# time-out (MNV3_FUZZ_TIMEOUT, 10 s for one input); the failing input is copied to
# tests/fuzz/regressions/NAME/, which the ordinary suite replays (commit
# it with the fix).  Ends with one line per target: executions, coverage
# and features, from libFuzzer's final statistics.
set -u
build=${1:?usage: run-fuzzers.sh BUILDDIR [SECONDS [TARGET...]]}
secs=${2:-60}
[ $# -ge 2 ] && shift 2 || shift $#
src=$(cd "$(dirname "$0")" && pwd)
targets=${*:-onnx tflite session metadata strings}
rss=${MNV3_FUZZ_RSS_MB:-2048}
tmo=${MNV3_FUZZ_TIMEOUT:-10}
status=0
summary=""

for t in $targets; do
  exe="$build/tests/fuzz/fuzz-$t"
  if [ ! -x "$exe" ]; then
    echo "fuzz-$t: not built (skipped)"
    continue
  fi
  corpus="$build/fuzz-corpus/$t"
  art="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$art"
  rm -f "$art"/*                # only this run's findings are copied
  log="$build/fuzz-artifacts/$t.log"
  dict=""
  [ -f "$src/$t.dict" ] && dict="-dict=$src/$t.dict"
  echo "fuzz-$t: ${secs} s"
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$exe" -max_total_time="$secs" -rss_limit_mb="$rss" \
      -malloc_limit_mb="$rss" -timeout="$tmo" -print_final_stats=1 \
      -artifact_prefix="$art/" $dict "$corpus" "$src/seeds/$t" \
      ${MNV3_FUZZ_EXTRA_SEEDS:-} > "$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" \
      | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
  summary="$summary
fuzz-$t: rc $rc, ${execs:-?} executions in ${secs} s, ${cov:-no coverage line}"
  if [ $rc -ne 0 ]; then
    status=1
    tail -n 60 "$log"
    for f in "$art"/crash-* "$art"/leak-* "$art"/oom-* "$art"/timeout-* \
        "$art"/slow-unit-*; do
      [ -f "$f" ] || continue
      cp "$f" "$src/regressions/$t/"
      echo "fuzz-$t: kept $(basename "$f") in tests/fuzz/regressions/$t/"
    done
  fi
done
echo "$summary"
exit $status
