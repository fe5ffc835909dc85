# SPDX-License-Identifier: LGPL-2.1-or-later
# pipelines/common.sh: helpers sourced by the scripts in this folder (not a
# script to run).  It finds the mnv3 plugin in the build tree, checks that
# the elements a pipeline needs exist, and picks an H.264 encoder.
#
# Environment:
#   MNV3_PLUGIN_PATH  folder holding libgstmnv3.so (default: build/elements
#                     of this checkout; an installed plugin is found anyway)
#   MNV3_MODEL        model file for mnv3classify (default: the embedded
#                     MobileNetV3-Small ImageNet classifier)
#   MNV3_THREADS      num-threads of mnv3classify (default: all cores)
#   MNV3_ELEMENT      inference element of the classify/RTP/JSON scripts
#                     (default mnv3classify; mnv3detect or mnv3segment with
#                     MNV3_MODEL stream detections or masks instead)

MNV3_ROOT=$(cd "$(dirname "$0")/.." && pwd)
GST_PLUGIN_PATH=${MNV3_PLUGIN_PATH:-$MNV3_ROOT/build/elements}${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}
export GST_PLUGIN_PATH

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

command -v gst-launch-1.0 >/dev/null 2>&1 ||
  die "gst-launch-1.0 not found (Debian: apt install gstreamer1.0-tools)"

# need ELEMENT [HINT]: stop with a clear message when ELEMENT is missing.
# (not --exists: it also wants the plugin's version to be at least
# GStreamer's, and mnv3 has its own version numbers)
need() {
  gst-inspect-1.0 "$1" >/dev/null 2>&1 || die "GStreamer element '$1' not found${2:+ ($2)}"
}

need_mnv3() {
  for e in mnv3classify mnv3overlay mnv3metaconvert; do
    need "$e" "build the plugin: meson setup build && ninja -C build, or set MNV3_PLUGIN_PATH to the folder holding libgstmnv3.so"
  done
}

# The mnv3classify element with the user's model and thread count.
classify() {
  printf '%s%s%s' "${MNV3_ELEMENT:-mnv3classify}" \
    "${MNV3_MODEL:+ model=$MNV3_MODEL}" \
    "${MNV3_THREADS:+ num-threads=$MNV3_THREADS}"
}

# h264_encoder file|live: x264enc when gst-plugins-ugly is there, otherwise
# openh264enc (gst-plugins-bad); "live" asks for no encoder latency.
h264_encoder() {
  if gst-inspect-1.0 --exists x264enc; then
    if [ "$1" = live ]; then
      echo "x264enc tune=zerolatency speed-preset=veryfast key-int-max=30 bitrate=2000"
    else
      echo "x264enc speed-preset=faster"
    fi
  elif gst-inspect-1.0 --exists openh264enc; then
    echo "openh264enc bitrate=2000000 gop-size=30"
  else
    die "no H.264 encoder (Debian: apt install gstreamer1.0-plugins-ugly for x264enc)"
  fi
}

# h264_decoder: the decoder for the receiving side.
h264_decoder() {
  if gst-inspect-1.0 --exists avdec_h264; then
    echo avdec_h264
  elif gst-inspect-1.0 --exists openh264dec; then
    echo openh264dec
  else
    die "no H.264 decoder (Debian: apt install gstreamer1.0-libav)"
  fi
}

# video_sink: a window when there is a display, fakesink otherwise.
video_sink() {
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "videoconvert ! autovideosink sync=false"
  else
    echo "fakesink sync=false"
  fi
}

# run PIPELINE: show the pipeline (one string, gst-launch syntax; quote
# values with spaces inside it), then run it with EOS on Ctrl-C so that
# files are finalised.
# RUN_OPTS adds gst-launch options (e.g. -v).
run() {
  echo "+ gst-launch-1.0 -e ${RUN_OPTS:+$RUN_OPTS }$1" >&2
  eval "gst-launch-1.0 -e ${RUN_OPTS:-} $1"
}
