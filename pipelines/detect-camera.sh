#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# detect-camera.sh: detects objects in a live camera and shows it with the
# boxes, labels, scores and the inference rate drawn on it.
#
# Uses /dev/video0 (v4l2src) when it exists and videotestsrc (live)
# otherwise; a window when there is a display, else fakesink.  With a live
# source the network runs on its own thread (mode=auto): no frame waits
# for it.  mnv3track gives the objects persistent ids (boxes coloured by id,
# with a trail) and moves the boxes on the frames between detections.
#
# Usage: MNV3_MODEL=ssdlite.onnx pipelines/detect-camera.sh [DEVICE]
# Environment: MNV3_MODEL (required: an SSDLite ONNX model, see
# detect-file.sh), MNV3_THRESHOLD (default 0.5), MNV3_OBJECT_CLASS,
# MNV3_NUM_BUFFERS (stop after N frames; default: run until Ctrl-C),
# MNV3_TRACK (default 1; 0: no mnv3track), and
# those of pipelines/common.sh (MNV3_PLUGIN_PATH, MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need mnv3detect "build the plugin: meson setup build && ninja -C build"

[ -n "${MNV3_MODEL:-}" ] || die "set MNV3_MODEL to an SSDLite ONNX model (models/export_torchvision.py --task detection); there is no default detection model"
[ -r "$MNV3_MODEL" ] || die "cannot read MNV3_MODEL=$MNV3_MODEL"
device=${1:-/dev/video0}
n=${MNV3_NUM_BUFFERS:--1}
if [ -e "$device" ]; then
  need v4l2src "Debian: apt install gstreamer1.0-plugins-good"
  src="v4l2src device=\"$device\" num-buffers=$n ! decodebin ! videoconvert"
else
  echo "no camera at $device: using videotestsrc" >&2
  src="videotestsrc is-live=true pattern=ball num-buffers=$n ! video/x-raw,width=640,height=480,framerate=30/1"
fi
det="mnv3detect model=\"$MNV3_MODEL\" threshold=${MNV3_THRESHOLD:-0.5}"
det="$det${MNV3_OBJECT_CLASS:+ object-class=\"$MNV3_OBJECT_CLASS\"}"
det="$det${MNV3_THREADS:+ num-threads=$MNV3_THREADS}"

track=
if [ "${MNV3_TRACK:-1}" != 0 ]; then
  need mnv3track "build the plugin: meson setup build && ninja -C build"
  track="mnv3track ! "
fi

run "$src ! $det ! $track mnv3overlay show-stats=true trail-length=15 ! $(video_sink)"
