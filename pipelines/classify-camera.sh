#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# classify-camera.sh: classifies a live camera and shows it annotated.
#
# Uses /dev/video0 (v4l2src) when it exists and videotestsrc (live)
# otherwise; shows the video in a window when there is a display, else runs
# into fakesink.  The top label and the inference statistics are drawn on
# the frames; inference that cannot keep up skips frames, never drops them.
#
# Usage: pipelines/classify-camera.sh [DEVICE]
# Environment: MNV3_NUM_BUFFERS (stop after N frames; default: run until
# Ctrl-C), and those of pipelines/common.sh (MNV3_PLUGIN_PATH, MNV3_MODEL,
# MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3

device=${1:-/dev/video0}
n=${MNV3_NUM_BUFFERS:--1}
if [ -e "$device" ]; then
  need v4l2src "Debian: apt install gstreamer1.0-plugins-good"
  # webcams mostly send YUY2 or MJPEG: decodebin/videoconvert make it a
  # format mnv3classify takes (a camera sending NV12 passes untouched)
  src="v4l2src device=\"$device\" num-buffers=$n ! decodebin ! videoconvert"
else
  echo "no camera at $device: using videotestsrc" >&2
  src="videotestsrc is-live=true pattern=ball num-buffers=$n ! video/x-raw,width=640,height=480,framerate=30/1"
fi

run "$src ! $(classify) ! mnv3overlay show-stats=true ! $(video_sink)"
