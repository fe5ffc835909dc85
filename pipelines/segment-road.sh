#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# segment-road.sh: road-scene segmentation of a video file with the shipped
# LR-ASPP MobileNetV3-Small road model (background, lane, signal,
# pedestrian, car); prints the per-class pixel shares of every frame (the
# `mnv3-segmentation` bus messages).  Any LR-ASPP exported with
# `models/export_torchvision.py --task segmentation` works as MODEL.
#
# Usage: pipelines/segment-road.sh INPUT [MODEL]
# Environment: see pipelines/common.sh (MNV3_PLUGIN_PATH, MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3

[ $# -ge 1 ] || die "usage: $0 INPUT [MODEL]"
input=$1
[ -r "$input" ] || die "cannot read $input"
root=$(cd "$(dirname "$0")/.." && pwd)
model=${2:-$root/models/lraspp_mobilenet_v3_small_roadseg_f.tflite}

# the road model was trained on dash-cam frames cropped to 2:1
RUN_OPTS="-m ${RUN_OPTS:-}" run "filesrc location=\"$input\" ! decodebin ! videoconvert \
  ! mnv3segment model=\"$model\" num-threads=${MNV3_THREADS:-2} \
    post-messages=true ! fakesink"
