#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# demo.sh: the README's main job.  Makes a 4-second video from the two
# committed photos (tests/data/chelsea.png, a cat, then coffee.png, a cup of
# espresso), classifies every frame with mnv3classify (embedded
# MobileNetV3-Small), draws the result with mnv3overlay and writes
#   mnv3-demo.mp4    the annotated video (H.264)
#   mnv3-demo.jsonl  one JSON object per frame (mnv3metaconvert)
# then prints the label found in each half.  Watch the MP4: the cat frames
# say "Egyptian cat" (or a close cat class), the coffee frames "espresso".
#
# Usage: pipelines/demo.sh [OUTPUT_DIR]   (default: the current folder)
# Exit status: 0 when the cat frames were classified as a cat.
# Environment: see pipelines/common.sh (MNV3_PLUGIN_PATH, MNV3_MODEL,
# MNV3_THREADS).
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
for e in pngdec imagefreeze concat videoscale mp4mux tee; do
  need "$e" "Debian: apt install gstreamer1.0-plugins-base gstreamer1.0-plugins-good"
done

outdir=${1:-.}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
mp4=$outdir/mnv3-demo.mp4
jsonl=$outdir/mnv3-demo.jsonl
data=$MNV3_ROOT/tests/data
frames=60       # per photo, at 30 frames per second: 2 seconds each
enc=$(h264_encoder file)

# One photo as a 2-second clip: decoded, letterboxed into 600x400 (both
# photos are about 3:2), I420 (what the encoder wants; mnv3classify and
# mnv3overlay take it as it is), then repeated by imagefreeze.
clip() {
  echo "filesrc location=\"$data/$1\" ! pngdec ! videoconvert \
    ! videoscale add-borders=true \
    ! video/x-raw,format=I420,width=600,height=400,pixel-aspect-ratio=1/1 \
    ! imagefreeze num-buffers=$frames ! video/x-raw,framerate=30/1 ! c."
}

# identity single-segment=true: concat starts each clip at time 0 in a new
# segment; the encoder and the JSON timestamps want one timeline.
run "concat name=c ! identity single-segment=true ! $(classify) ! mnv3overlay show-stats=true ! tee name=t \
  t. ! queue ! $enc ! h264parse ! mp4mux ! filesink location=\"$mp4\" \
  t. ! queue ! mnv3metaconvert location=\"$jsonl\" source=mnv3-demo \
     ! fakesink \
  $(clip chelsea.png) \
  $(clip coffee.png)"

# The top label of frame N of the JSON lines.
label_of() {
  sed -n "${1}p" "$jsonl" | grep -o '"label":"[^"]*"' | head -n 1 |
    sed 's/"label":"\(.*\)"/\1/'
}
cat_label=$(label_of $((frames / 2)))
coffee_label=$(label_of $((frames + frames / 2)))

echo
echo "annotated video:      $mp4"
echo "results (JSON lines): $jsonl ($(wc -l < "$jsonl") frames)"
echo "chelsea.png frames:   ${cat_label:-(no result)}"
echo "coffee.png frames:    ${coffee_label:-(no result)}"
case $cat_label in
  *cat*) ;;
  *) die "the cat frames were not classified as a cat" ;;
esac
