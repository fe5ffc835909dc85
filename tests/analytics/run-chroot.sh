#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The GstAnalytics path, built and tested for real: Debian 12 has
# GStreamer 1.22 (no GstAnalytics), so this makes a Debian 13 (trixie,
# GStreamer 1.26) chroot with debootstrap from the machine's Debian mirror,
# builds mnv3 there with -Danalytics=enabled and runs the GStreamer tests,
# whose classification test then also reads the GstAnalyticsClsMtd back
# through the GstAnalytics API.
#
# Usage: tests/analytics/run-chroot.sh [CHROOT_DIR]   (root; ~2 minutes the
# first time, the chroot is reused afterwards)
set -eu
cd "$(dirname "$0")/../.."
src=$(pwd)
root=${1:-$src/build-trixie/root}

if [ "$(id -u)" != 0 ] || ! command -v debootstrap >/dev/null; then
  echo "analytics chroot test: SKIPPED (needs root and debootstrap)"
  exit 0
fi

mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' \
  /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^deb \(http[^ ]*\/debian\) .*/\1/p' \
    /etc/apt/sources.list 2>/dev/null | head -n 1)
fi
mirror=${mirror:-http://deb.debian.org/debian}

pkgs="gcc libc6-dev meson ninja-build pkg-config check libprotobuf-c-dev
  protobuf-c-compiler libpng-dev libjpeg-dev libgstreamer1.0-dev
  libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libcairo2-dev libpango1.0-dev libjson-glib-dev gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad fonts-dejavu-core"

if [ ! -x "$root/usr/bin/meson" ]; then
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase trixie "$root" "$mirror"
  chroot "$root" sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends $(echo $pkgs)"
fi

cleanup() { umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"

# a copy of the tracked sources (no build trees)
rm -rf "$root/src"
mkdir -p "$root/src"
if [ -d .git ]; then
  git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$root/src"
else
  tar --exclude='./build*' -cf - . | tar -xf - -C "$root/src"
fi

# The detection test needs a seeded SSDLite export; the chroot has no torch,
# so the host (which has it, for the parity tests) exports it.
detect_model=
if /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  /usr/bin/python3 models/export_torchvision.py --task detection --arch small \
    --seed 1 -o "$root/src/ssdlite-small-seed1.onnx" --quiet
  detect_model=/src/ssdlite-small-seed1.onnx
fi

chroot "$root" env MNV3_DETECT_TEST_MODEL="$detect_model" sh -ec '
  cd /src
  gst-inspect-1.0 --version | head -n 2
  rm -rf /tmp/build
  meson setup /tmp/build -Danalytics=enabled -Dpython=/nonexistent
  ninja -C /tmp/build
  meson test -C /tmp/build --suite gst --print-errorlogs
  # the GstAnalytics checks ran (they are compiled only with analytics on)
  grep -q "HAVE_GST_ANALYTICS 1" /tmp/build/gst/config.h
'
