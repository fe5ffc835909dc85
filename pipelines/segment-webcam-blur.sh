#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# segment-webcam-blur.sh: the virtual-background use case.  Segments the
# person in front of the camera with the embedded MediaPipe selfie model
# (mnv3segment) and blurs (or replaces) everything else (mnv3overlay
# background=blur), with a smooth mask edge, on live video.
#
# Uses /dev/video0 (v4l2src) when it exists and videotestsrc (live, 720p30)
# otherwise; shows the video in a window when there is a display, else runs
# into fakesink.
#
# Usage: pipelines/segment-webcam-blur.sh [DEVICE]
# Environment: MNV3_BACKGROUND (blur, the default, or replace),
# MNV3_BLUR_RADIUS (default 16), MNV3_BACKGROUND_COLOR (replace: 0xAARRGGBB,
# default chroma green), MNV3_NUM_BUFFERS (stop after N frames; default:
# run until Ctrl-C), and those of pipelines/common.sh (MNV3_PLUGIN_PATH,
# MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need mnv3segment "build the plugin: meson setup build && ninja -C build"

device=${1:-/dev/video0}
n=${MNV3_NUM_BUFFERS:--1}
background=${MNV3_BACKGROUND:-blur}
case $background in
  blur) effect="background=blur blur-radius=${MNV3_BLUR_RADIUS:-16}" ;;
  replace) effect="background=replace background-color=${MNV3_BACKGROUND_COLOR:-0xff00b140}" ;;
  *) die "MNV3_BACKGROUND must be blur or replace, not '$background'" ;;
esac

if [ -e "$device" ]; then
  need v4l2src "Debian: apt install gstreamer1.0-plugins-good"
  # webcams mostly send YUY2 or MJPEG: decodebin/videoconvert make it NV12,
  # which mnv3segment and mnv3overlay take as it is (the blur works on the
  # planes, no RGB round trip)
  src="v4l2src device=\"$device\" num-buffers=$n ! decodebin ! videoconvert ! video/x-raw,format=NV12"
else
  echo "no camera at $device: using videotestsrc" >&2
  src="videotestsrc is-live=true pattern=ball num-buffers=$n ! video/x-raw,format=NV12,width=1280,height=720,framerate=30/1"
fi

# mask-opacity=0: no palette tint on the person, only the background effect.
# The queue lets the camera run on while a frame is segmented.
run "$src ! queue max-size-buffers=2 leaky=downstream \
  ! mnv3segment${MNV3_THREADS:+ num-threads=$MNV3_THREADS} \
  ! mnv3overlay $effect mask-opacity=0 show-stats=true ! $(video_sink)"
