#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""python-results.py: read mnv3's results from Python, frame by frame.

A pad probe after the mnv3 elements prints, for every frame, the
classification, the detected boxes and the segmentation shares, read with
the GstMnv3-1.0 typelib (GObject-Introspection; Debian: python3-gi,
gir1.2-gstreamer-1.0).

Usage:
  pipelines/python-results.py [LAUNCH]
The default LAUNCH classifies 10 frames of videotestsrc; any mnv3 pipeline
works, e.g. "filesrc location=street.jpg ! decodebin ! videoconvert !
imagefreeze num-buffers=1 ! mnv3detect model=ssdlite.onnx".  Uninstalled:
GI_TYPELIB_PATH=build/gst LD_LIBRARY_PATH=build/gst
GST_PLUGIN_PATH=build/elements.
"""
import sys

import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstMnv3", "1.0")
from gi.repository import GLib, Gst, GstMnv3  # noqa: E402


def on_frame(pad, info):
    buf = info.get_buffer()
    # the result-reading code: one call per result type
    classes = GstMnv3.buffer_get_classification(buf)
    boxes = GstMnv3.buffer_get_detections(buf)
    seg = GstMnv3.buffer_get_segmentation(buf)
    print("%.3f s:" % (buf.pts / Gst.SECOND),
          ", ".join("%s %.2f" % (c.label, c.score) for c in classes[:3]),
          "|", ", ".join("%s %.2f at %.0f,%.0f %.0fx%.0f" %
                         (b.label, b.score, b.x, b.y, b.w, b.h) for b in boxes),
          "|", seg and ", ".join(
              "%s %.0f%%" % (label, 100 * f) for label, f in
              zip(seg.get_labels(), seg.get_fractions())) or "")
    return Gst.PadProbeReturn.OK


def main():
    Gst.init(None)
    launch = sys.argv[1] if len(sys.argv) > 1 else (
        "videotestsrc num-buffers=10 ! video/x-raw,width=320,height=240 ! "
        "mnv3classify")
    pipe = Gst.parse_launch(launch + " ! fakesink name=mnv3sink")
    sink = pipe.get_by_name("mnv3sink")
    sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_frame)
    loop = GLib.MainLoop()
    bus = pipe.get_bus()
    bus.add_signal_watch()

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            print("error:", msg.parse_error()[0].message, file=sys.stderr)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()

    bus.connect("message", on_message)
    pipe.set_state(Gst.State.PLAYING)
    loop.run()
    pipe.set_state(Gst.State.NULL)


if __name__ == "__main__":
    main()
