#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GstMnv3-1.0 through GObject-Introspection (python3-gi).

Real pipelines run the mnv3 elements on a photo (tests/data/chelsea.png):
mnv3classify (full frame), mnv3detect (a seeded SSDLite export, the model
test_detect uses) followed by mnv3classify on every box (secondary
classification), and mnv3segment (the shipped selfie model).  Every result
read through GstMnv3 (buffer_get_classification, buffer_get_detections,
buffer_get_region_classification, buffer_get_segmentation) is checked
against what the C side serialised from the same metas on the same buffer:
mnv3metaconvert's JSON (GstMnv3.buffer_get_json), with the segmentation
class map run-length encoded (mask-rle=true).

Exit 77 (skipped) only when python3-gi or GStreamer's typelib is missing.
"""
import json
import os
import subprocess
import sys

try:
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstMnv3", "1.0")
    from gi.repository import Gst, GstMnv3
except (ImportError, ValueError) as e:
    print("SKIP: python3-gi / gir1.2-gstreamer-1.0 / GstMnv3-1.0: %s" % e)
    sys.exit(77)

SRC = os.environ["MNV3_SOURCE_ROOT"]
PHOTO = os.path.join(SRC, "tests", "data", "chelsea.png")
SCORE_TOL = 1e-6          # the JSON rounds scores to 6 decimals
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(launch, n_max=3):
    """(buffer, frame JSON) for each frame reaching the appsink."""
    pipe = Gst.parse_launch(launch + " ! appsink name=sink sync=false")
    sink = pipe.get_by_name("sink")
    pipe.set_state(Gst.State.PLAYING)
    out = []
    while len(out) < n_max:
        sample = sink.emit("try-pull-sample", 60 * Gst.SECOND)
        if sample is None:
            break
        buf = sample.get_buffer()
        text = GstMnv3.buffer_get_json(buf)
        check(text is not None, "no JSON meta on the buffer")
        out.append((buf, json.loads(text)))
    bus = pipe.get_bus()
    err = bus.pop_filtered(Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if err:
        raise RuntimeError("pipeline error: %s" % err.parse_error()[0].message)
    check(len(out) > 0, "no frame from: " + launch)
    return out


def photo_source(width, height):
    return ("filesrc location=%s ! pngdec ! imagefreeze num-buffers=2 ! "
            "videoconvert ! videoscale ! video/x-raw,format=RGB,width=%d,"
            "height=%d" % (PHOTO, width, height))


def same_classes(classes, block, what):
    """GstMnv3Classification list vs a JSON classification block."""
    top = block["top_k"]
    check(len(classes) == len(top) and len(top) > 0,
          "%s: %d classes, JSON has %d" % (what, len(classes), len(top)))
    for c, j in zip(classes, top):
        check(c.label_id == j["label_id"], "%s: label id %d vs %d"
              % (what, c.label_id, j["label_id"]))
        check(c.label == j.get("label"), "%s: label %r vs %r"
              % (what, c.label, j.get("label")))
        check(abs(c.score - j["confidence"]) <= SCORE_TOL,
              "%s: score %r vs %r" % (what, c.score, j["confidence"]))


CLASSIFIER_ATTRIBUTE = "mobilenet_v3_small_224_1.0_uint8"


def test_classification():
    frames = run(photo_source(224, 224) + " ! mnv3classify top-k=5 ! "
                 "mnv3metaconvert")
    for buf, doc in frames:
        classes = GstMnv3.buffer_get_classification(buf)
        # full-frame results are "tensors" entries (gvametaconvert's shape)
        same_classes(classes, doc["tensors"][0], "classification")
        # chelsea.png is a cat
        check(classes[0].label in ("tabby", "tiger cat", "Egyptian cat",
                                   "Persian cat", "Siamese cat"),
              "top class %d (%s) is no cat" % (classes[0].label_id,
                                              classes[0].label))
        check(GstMnv3.buffer_get_detections(buf) == [],
              "detections on a classified frame")
        check(GstMnv3.buffer_get_segmentation(buf) is None,
              "segmentation on a classified frame")
    print("classification: %d frames, top %s %.3f" %
          (len(frames), classes[0].label, classes[0].score))


def detect_model():
    path = os.environ.get("MNV3_DETECT_TEST_MODEL")
    if path:
        return path
    path = os.path.join(os.environ["MNV3_BUILD_ROOT"], "tests", "gst",
                        "ssdlite-v3-small-seed1.onnx")
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3",
                        os.path.join(SRC, "models", "export_torchvision.py"),
                        "--task", "detection", "--arch", "small", "--seed",
                        "1", "-o", path, "--quiet"], check=True)
    return path


def test_detection():
    launch = (photo_source(320, 240) + " ! mnv3detect model=%s threshold=0.05 "
              "max-detections=8 ! mnv3classify inference-region=roi-list "
              "top-k=3 min-roi-size=4 ! mnv3metaconvert" % detect_model())
    n_boxes = 0
    for buf, doc in run(launch):
        boxes = GstMnv3.buffer_get_detections(buf)
        objs = [o for o in doc["objects"] if "detection" in o
                and "confidence" in o["detection"]]
        check(len(boxes) == len(objs) and len(boxes) > 0,
              "%d boxes, JSON has %d detections" % (len(boxes), len(objs)))
        for b, o in zip(boxes, objs):
            d = o["detection"]
            check(b.label == d.get("label"), "box label %r vs %r"
                  % (b.label, d.get("label")))
            check(b.label_id == d["label_id"], "box label id")
            check(abs(b.score - d["confidence"]) <= SCORE_TOL, "box score")
            check(b.id == o["region_id"] and b.id > 0, "box id %d vs %d"
                  % (b.id, o["region_id"]))
            check((b.frame_width, b.frame_height) == (320, 240), "box frame")
            check(abs(round(b.x) - o["x"]) <= 1 and abs(round(b.y) - o["y"])
                  <= 1 and abs(b.w - o["w"]) <= 1.5 and abs(b.h - o["h"])
                  <= 1.5, "box %r vs JSON %r" % ((b.x, b.y, b.w, b.h),
                                                  (o["x"], o["y"], o["w"],
                                                   o["h"])))
            check(b.fresh == d["fresh"], "box fresh")
            # the secondary classification of this box
            # its attribute block is named after the classifier's file
            same_classes(GstMnv3.buffer_get_region_classification(buf, b.id),
                         o[CLASSIFIER_ATTRIBUTE], "box %d classification"
                         % b.id)
            n_boxes += 1
        check(GstMnv3.buffer_get_region_classification(buf, 987654) == [],
              "a classification for a region that does not exist")
    print("detection: %d boxes checked" % n_boxes)


def test_tracking():
    """Track ids and predicted flags reach Python as the JSON has them."""
    launch = (photo_source(320, 240) + " ! mnv3detect model=%s threshold=0.05 "
              "max-detections=8 ! mnv3track min-hits=1 ! mnv3metaconvert"
              % detect_model())
    tracked = 0
    for buf, doc in run(launch):
        boxes = GstMnv3.buffer_get_detections(buf)
        objs = [o for o in doc["objects"] if "detection" in o
                and "confidence" in o["detection"]]
        check(len(boxes) == len(objs) and len(boxes) > 0,
              "%d boxes, JSON has %d detections" % (len(boxes), len(objs)))
        for b, o in zip(boxes, objs):
            check(b.track_id == o.get("id", 0), "track id %d vs JSON %r"
                  % (b.track_id, o.get("id")))
            check(b.predicted == o["detection"].get("predicted", False),
                  "predicted flag")
            tracked += b.track_id > 0
    check(tracked > 0, "no tracked box")
    print("tracking: %d tracked boxes checked" % tracked)


def rle_decode(runs):
    out = bytearray()
    for k, n in zip(runs[0::2], runs[1::2]):
        out += bytes([k]) * n
    return bytes(out)


def test_segmentation():
    frames = run(photo_source(256, 144) + " ! mnv3segment ! "
                 "mnv3metaconvert mask-rle=true")
    for buf, doc in frames:
        seg = GstMnv3.buffer_get_segmentation(buf)
        check(seg is not None, "no segmentation")
        obj = [o for o in doc["objects"] if "segmentation" in o][0]
        js = obj["segmentation"]
        check((seg.width, seg.height) == (js["width"], js["height"]),
              "map size %dx%d vs %dx%d" % (seg.width, seg.height,
                                           js["width"], js["height"]))
        cmap = seg.get_class_map().get_data()
        check(len(cmap) == seg.width * seg.height, "class map length")
        check(cmap == rle_decode(js["mask"]["runs"]),
              "class map differs from the JSON mask")
        labels = seg.get_labels()
        fractions = seg.get_fractions()
        check(len(fractions) == len(js["classes"]), "%d fractions vs %d"
              % (len(fractions), len(js["classes"])))
        for k, c in enumerate(js["classes"]):
            check(abs(fractions[k] - c["fraction"]) <= 1e-6, "fraction %d" % k)
            if "label" in c:
                check(labels[k] == c["label"], "label %d: %r vs %r"
                      % (k, labels[k], c["label"]))
        # the fractions are the class map's own counts
        for k in range(len(fractions)):
            check(abs(fractions[k] - cmap.count(k) / len(cmap)) < 1e-9,
                  "fraction %d vs the map" % k)
        check((seg.region_x, seg.region_y, seg.region_w, seg.region_h) ==
              (obj["x"], obj["y"], obj["w"], obj["h"]), "region")
        check(seg.model == js["model"]["name"], "model name")
    print("segmentation: %d frames, %dx%d map, labels %s, fractions %s" %
          (len(frames), seg.width, seg.height, list(labels),
           ["%.3f" % f for f in fractions]))


def main():
    Gst.init(None)
    for f in ("mnv3classify", "mnv3detect", "mnv3segment", "mnv3metaconvert",
              "mnv3track"):
        if Gst.ElementFactory.find(f) is None:
            print("FAIL: %s not found (GST_PLUGIN_PATH?)" % f)
            return 1
    test_classification()
    test_detection()
    test_tracking()
    test_segmentation()
    if FAILURES:
        print("%d checks failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
