#!/bin/sh
# Install the Debian 12 packages mnv3 needs to build, test and export models
# (python3-venv: the tests' pinned TFLite reference in tests/reference/venv
# and bench/setup's peers; python3-matplotlib: bench/compare --plot).
# Run as root (or through sudo).  Used by README.md and by .ci/run.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  gcc libc6-dev meson ninja-build pkg-config clang libclang-rt-14-dev \
  check libprotobuf-c-dev protobuf-c-compiler libpng-dev libjpeg-dev \
  python3 python3-numpy python3-torch python3-torchvision python3-onnx \
  python3-pil python3-matplotlib python3-venv debootstrap \
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base \
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
  gstreamer1.0-libav libcairo2-dev libpango1.0-dev libjson-glib-dev \
  fonts-dejavu-core \
  libmosquitto-dev mosquitto openssl \
  libgstrtspserver-1.0-dev \
  gobject-introspection libgirepository1.0-dev python3-gi python3-gst-1.0 \
  gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 \
  chromium
# npm for hls.js (the HLS browser test); a Node.js that brings its own npm
# (e.g. NodeSource's) is kept
command -v npm >/dev/null 2>&1 ||
  apt-get install -y --no-install-recommends nodejs npm
sh "$(dirname "$0")/install-web-deps.sh"
