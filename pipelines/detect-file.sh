#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# detect-file.sh: detects objects on every frame of a video (or image) file
# and writes an annotated H.264 MP4 (boxes, labels, scores), plus the boxes
# as JSON lines beside it.
#
# Usage: MNV3_MODEL=ssdlite.onnx pipelines/detect-file.sh INPUT [OUTPUT.mp4]
#   OUTPUT defaults to INPUT's name with -detect.mp4 in the current folder;
#   the JSON lines go to OUTPUT with .jsonl instead of .mp4.
# Environment:
#   MNV3_MODEL         required: an SSDLite ONNX model, e.g. made with
#                      models/export_torchvision.py --task detection
#                      --pretrained -o ssdlite.onnx (needs internet once);
#                      mnv3detect has no default model
#   MNV3_THRESHOLD     lowest score drawn (default 0.5)
#   MNV3_OBJECT_CLASS  comma-separated labels to keep (default: all)
#   and those of pipelines/common.sh (MNV3_PLUGIN_PATH, MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need mnv3detect "build the plugin: meson setup build && ninja -C build"
need mp4mux "Debian: apt install gstreamer1.0-plugins-good"

[ -n "${MNV3_MODEL:-}" ] || die "set MNV3_MODEL to an SSDLite ONNX model (models/export_torchvision.py --task detection); there is no default detection model"
[ -r "$MNV3_MODEL" ] || die "cannot read MNV3_MODEL=$MNV3_MODEL"
[ $# -ge 1 ] || die "usage: MNV3_MODEL=MODEL.onnx $0 INPUT [OUTPUT.mp4]"
input=$1
[ -r "$input" ] || die "cannot read $input"
base=$(basename "$input")
output=${2:-${base%.*}-detect.mp4}
jsonl=${output%.mp4}.jsonl
enc=$(h264_encoder file)
det="mnv3detect model=\"$MNV3_MODEL\" threshold=${MNV3_THRESHOLD:-0.5}"
det="$det${MNV3_OBJECT_CLASS:+ object-class=\"$MNV3_OBJECT_CLASS\"}"
det="$det${MNV3_THREADS:+ num-threads=$MNV3_THREADS}"

# a file: nothing is late, every frame is inferred
run "filesrc location=\"$input\" ! decodebin ! videoconvert \
  ! $det ! mnv3metaconvert location=\"$jsonl\" source=\"$base\" \
  ! mnv3overlay ! videoconvert ! video/x-raw,format=I420 ! $enc ! h264parse \
  ! mp4mux ! filesink location=\"$output\""

echo "annotated video: $output"
echo "boxes (JSON lines): $jsonl"
