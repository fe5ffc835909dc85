#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# classify-file.sh: classifies every frame of a video (or image) file and
# writes an annotated H.264 MP4, plus the results as JSON lines beside it.
#
# Usage: pipelines/classify-file.sh INPUT [OUTPUT.mp4]
#   OUTPUT defaults to INPUT's name with -mnv3.mp4 in the current folder;
#   the JSON lines go to OUTPUT with .jsonl instead of .mp4.
# Environment: see pipelines/common.sh (MNV3_PLUGIN_PATH, MNV3_MODEL,
# MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need mp4mux "Debian: apt install gstreamer1.0-plugins-good"

[ $# -ge 1 ] || die "usage: $0 INPUT [OUTPUT.mp4]"
input=$1
[ -r "$input" ] || die "cannot read $input"
base=$(basename "$input")
output=${2:-${base%.*}-mnv3.mp4}
jsonl=${output%.mp4}.jsonl
enc=$(h264_encoder file)

# decodebin: any container and codec gst-plugins-* can read; the inference
# runs on every frame (the input is a file, nothing is late).
run "filesrc location=\"$input\" ! decodebin ! videoconvert \
  ! $(classify) ! mnv3metaconvert location=\"$jsonl\" source=\"$base\" \
  ! mnv3overlay ! videoconvert ! video/x-raw,format=I420 ! $enc ! h264parse \
  ! mp4mux ! filesink location=\"$output\""

echo "annotated video: $output"
echo "results (JSON lines): $jsonl"
