#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# json-lines.sh: prints one JSON object per frame (DL Streamer
# gvametaconvert layout, see docs/metadata.md) with the classification of
# a video file, or of the camera / videotestsrc when no file is given.
#
# Usage: pipelines/json-lines.sh [INPUT] [OUTPUT.jsonl]
#   OUTPUT defaults to standard output ("-").
# Environment: MNV3_NUM_BUFFERS (live input: stop after N frames, default
# 100), MNV3_INTERVAL (inference-interval, default 1), and those of
# pipelines/common.sh.
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3

out=${2:--}
interval=${MNV3_INTERVAL:-1}
if [ $# -ge 1 ]; then
  [ -r "$1" ] || die "cannot read $1"
  src="filesrc location=\"$1\" ! decodebin ! videoconvert"
  name=$(basename "$1")
elif [ -e /dev/video0 ]; then
  src="v4l2src num-buffers=${MNV3_NUM_BUFFERS:-100} ! decodebin ! videoconvert"
  name=/dev/video0
else
  src="videotestsrc is-live=true num-buffers=${MNV3_NUM_BUFFERS:-100} ! video/x-raw,width=640,height=480,framerate=30/1"
  name=videotestsrc
fi

# gst-launch's own messages go to stderr (-q), so stdout is JSON only
echo "+ gst-launch-1.0 -q $src ! $(classify) inference-interval=$interval ! mnv3metaconvert location=$out ... ! fakesink" >&2
eval "gst-launch-1.0 -q -e $src ! $(classify) inference-interval=$interval \
  ! mnv3metaconvert location=\"$out\" source=\"$name\" ! fakesink"
