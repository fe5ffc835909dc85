#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# rtp-send.sh: classifies a camera (or videotestsrc when there is none) and
# streams the annotated video as H.264 over RTP/UDP to 127.0.0.1.
# Run pipelines/rtp-receive.sh (same PORT) to watch it.
#
# Usage: pipelines/rtp-send.sh [HOST [PORT]]   (default 127.0.0.1 5000)
# Environment: MNV3_NUM_BUFFERS (stop after N frames), MNV3_DEVICE (camera,
# default /dev/video0), and those of pipelines/common.sh.
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need rtph264pay "Debian: apt install gstreamer1.0-plugins-good"
need udpsink "Debian: apt install gstreamer1.0-plugins-good"

host=${1:-127.0.0.1}
port=${2:-5000}
device=${MNV3_DEVICE:-/dev/video0}
n=${MNV3_NUM_BUFFERS:--1}
if [ -e "$device" ]; then
  src="v4l2src device=\"$device\" num-buffers=$n ! decodebin ! videoconvert"
else
  echo "no camera at $device: using videotestsrc" >&2
  src="videotestsrc is-live=true pattern=ball num-buffers=$n ! video/x-raw,width=640,height=480,framerate=30/1"
fi

echo "streaming to udp://$host:$port (receive with pipelines/rtp-receive.sh $port)" >&2
# config-interval=-1: SPS/PPS with every key frame, so a receiver started
# late can decode
run "$src ! $(classify) ! mnv3overlay show-stats=true ! videoconvert \
  ! video/x-raw,format=I420 ! $(h264_encoder live) ! h264parse \
  ! rtph264pay config-interval=-1 pt=96 ! udpsink host=$host port=$port"
