#!/bin/sh
# Install the Debian 12 packages mnv3 needs to build, test and export models.
# Run as root (or through sudo).  Used by README.md and by .ci/run.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  gcc libc6-dev meson ninja-build pkg-config clang libclang-rt-14-dev \
  check libprotobuf-c-dev protobuf-c-compiler libpng-dev libjpeg-dev \
  python3 python3-numpy python3-torch python3-torchvision python3-onnx \
  python3-pil debootstrap \
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base \
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
  gstreamer1.0-libav libcairo2-dev libpango1.0-dev libjson-glib-dev \
  fonts-dejavu-core
