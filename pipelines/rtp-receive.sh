#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# rtp-receive.sh: receives the annotated H.264 RTP stream of
# pipelines/rtp-send.sh and shows it (a window when there is a display;
# otherwise it decodes into fakesink and prints the frame rate it gets).
# Needs no mnv3 plugin: the annotations are in the pixels.
#
# Usage: pipelines/rtp-receive.sh [PORT]   (default 5000)
set -eu
. "$(dirname "$0")/common.sh"
need udpsrc "Debian: apt install gstreamer1.0-plugins-good"
need rtph264depay "Debian: apt install gstreamer1.0-plugins-good"

port=${1:-5000}
dec=$(h264_decoder)
sink=$(video_sink)
if [ "$sink" = "fakesink sync=false" ] && gst-inspect-1.0 --exists fpsdisplaysink; then
  # no display: -v prints fpsdisplaysink's "rendered: N, dropped: 0, ..."
  sink="fpsdisplaysink video-sink=fakesink text-overlay=false sync=false"
  RUN_OPTS="-v"
fi

caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96"
run "udpsrc port=$port caps=\"$caps\" ! rtpjitterbuffer latency=100 \
  ! rtph264depay ! h264parse ! $dec ! $sink"
