#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# hls-serve.sh: annotated video for any browser.  Classifies the camera (or
# a live videotestsrc), draws the label, writes HLS (mpegtsmux ! hlssink,
# 1 s segments) into a folder with a small hls.js player page, and serves
# it over HTTP: open http://127.0.0.1:8080/ (MNV3_HTTP_BIND=0.0.0.0 to
# serve other machines).  Ctrl-C stops both.
#
# Usage: pipelines/hls-serve.sh [DEVICE]
# Needs gstreamer1.0-plugins-bad (hlssink, mpegtsmux), an H.264 encoder (see
# common.sh), python3, and hls.js (sh tools/install-web-deps.sh).
# Environment: MNV3_HTTP_PORT (8080), MNV3_HTTP_BIND (127.0.0.1), and
# those of pipelines/common.sh.
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need hlssink "Debian: apt install gstreamer1.0-plugins-bad"
hlsjs=$MNV3_ROOT/tools/web/node_modules/hls.js/dist/hls.min.js
[ -r "$hlsjs" ] || die "hls.js not found: sh tools/install-web-deps.sh"

dir=$(mktemp -d)
http_pid=""
cleanup() {
  [ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
cp "$hlsjs" "$dir/"
cat > "$dir/index.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mnv3</title></head>
<body style="margin:0;background:#000">
<video id="v" muted autoplay playsinline controls style="width:100%"></video>
<script src="hls.min.js"></script>
<script>
const v = document.getElementById("v");
if (Hls.isSupported()) {
  const hls = new Hls({ liveSyncDurationCount: 2 });
  hls.loadSource("playlist.m3u8");
  hls.attachMedia(v);
} else {
  v.src = "playlist.m3u8";   // Safari plays HLS natively
}
</script>
</body></html>
HTML

if [ -e "${1:-/dev/video0}" ]; then
  src="v4l2src device=${1:-/dev/video0} ! decodebin ! videoconvert"
else
  src="videotestsrc is-live=true ! video/x-raw,width=640,height=480,framerate=25/1"
fi
port=${MNV3_HTTP_PORT:-8080}
bind=${MNV3_HTTP_BIND:-127.0.0.1}
(cd "$dir" && exec python3 -m http.server "$port" --bind "$bind" >/dev/null 2>&1) &
http_pid=$!
echo "open http://$bind:$port/ (HLS adds about 3 segment durations of latency)" >&2
launch="$src ! $(classify) ! mnv3overlay ! videoconvert ! $(h264_encoder live) ! h264parse ! mpegtsmux ! hlssink target-duration=1 max-files=10 playlist-length=5 location=$dir/seg%05d.ts playlist-location=$dir/playlist.m3u8"
echo "+ gst-launch-1.0 $launch" >&2
eval "gst-launch-1.0 -e $launch"
