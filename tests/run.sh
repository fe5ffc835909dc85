#!/bin/sh
# The whole test suite: a release build, the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, the threaded ones under
# ThreadSanitizer, the fuzz targets for 30 s each (clang), the engine
# without its x86 SIMD kernels, and (as root) the GstAnalytics path in a
# Debian 13 chroot.
set -e
cd "$(dirname "$0")/.."
# TFLite's interpreter, pinned, for the bit-exactness tests of the integer
# engine (a virtualenv in tests/reference/venv; kept when up to date)
sh tests/reference/setup.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2
[ -d build-asan ] || meson setup build-asan --buildtype=debugoptimized \
  -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --num-processes 2 \
  --timeout-multiplier 3
# ThreadSanitizer: the thread pool and sessions sharing a model on several
# threads (suite "engine"), and the element tests that run threads (suite
# "threads": async mode, model swaps, two pipelines sharing a model while
# one swaps), with GLib's locks made visible to TSan by
# tests/gst/tsan-glib.c (suppressions with reasons in tests/tsan.supp).
[ -d build-tsan ] || meson setup build-tsan --buildtype=debugoptimized \
  -Db_sanitize=thread -Db_lundef=false
# (build-tsan dirs made before the element tests ran here had -Dgst=disabled)
meson configure build-tsan -Dgst=auto
# only what runs under TSan is built (--no-rebuild below): the whole tree
# under TSan took minutes of CI for nothing
ninja -C build-tsan tests/engine/test_engine tests/engine/test_concurrency \
  elements/libgstmnv3.so tests/gst/test_swap tests/gst/test_roi_async \
  tests/gst/test_detect_async
meson test -C build-tsan --no-rebuild --print-errorlogs --num-processes 2 \
  --timeout-multiplier 4 --suite engine
# test_swap's threaded cases only (async mode and two pipelines sharing the
# model while one swaps; the sync case is the release and ASan builds'):
# a few minutes under TSan on a loaded machine
GST_CHECKS=test_swap_async,test_swap_shared meson test -C build-tsan \
  --no-rebuild --print-errorlogs --timeout-multiplier 4 test_swap
# asynchronous roi-list classification (worker thread, region jobs,
# flushes and EOS with a job in flight) and detection decoded on the worker
meson test -C build-tsan --no-rebuild --print-errorlogs \
  --timeout-multiplier 4 test_roi_async test_detect_async
# libFuzzer targets (clang), 30 s each; an input that fails is copied to
# tests/fuzz/regressions/ (replayed by every build's "fuzz" suite)
if command -v clang > /dev/null; then
  [ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzzing=enabled \
    -Db_lundef=false -Dsimd=disabled --buildtype=debugoptimized
  ninja -C build-fuzz fuzzers
  sh tests/fuzz/run-fuzzers.sh build-fuzz "${MNV3_FUZZ_SECONDS:-30}"
fi
# the portable C reference alone, as a non-x86 machine builds it
[ -d build-nosimd ] || meson setup build-nosimd -Dsimd=disabled -Dgst=disabled
ninja -C build-nosimd
meson test -C build-nosimd --print-errorlogs --num-processes 2
# GstAnalytics (GStreamer >= 1.24) in a Debian 13 chroot; skipped unless root
rm -f build-trixie/root/tmp/build/meson-logs/testlog.json
sh tests/analytics/run-chroot.sh

# One closing line over every test run above (meson writes one log a build)
logs=""
for l in build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
    build-tsan/meson-logs/testlog.json build-nosimd/meson-logs/testlog.json \
    build-trixie/root/tmp/build/meson-logs/testlog.json; do
  if [ -f "$l" ]; then logs="$logs $l"; fi
done
results=$(cat $logs | grep -o '"result": "[A-Z]*"' || true)
total=$(printf '%s\n' "$results" | grep -c '"result"' || true)
passed=$(printf '%s\n' "$results" | grep -c '"OK"' || true)
skipped=$(printf '%s\n' "$results" | grep -c '"SKIP"' || true)
echo "$passed passed, $((total - passed - skipped)) failed, $skipped skipped"
