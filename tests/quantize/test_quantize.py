#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mnv3-quantize end to end: float ONNX -> QDQ ONNX that ONNX Runtime runs,
with its accuracy against the float original on the committed photos.

    test_quantize.py --quantize EXE --ref-python PY --root SRC --outdir DIR

Models (made here, nothing downloaded):
  - seeded torchvision MobileNetV3-Small 1.0 @224 exported at opset 13
    (HardSigmoid + Mul), opset 17 (HardSwish) and opset 11 (raised to 13);
  - the float ONNX of the shipped TFLite classifier built from its
    dequantized weights (tflite_float_onnx.py): real, trained weights.
Calibration: tests/data (4 photos, whole frames, the tool's own pre-
processing).  Evaluation: 80 inputs made from the same photos (whole frame
and 9 centre/corner crops of 87.5/75/60 %, each also mirrored), resized
bilinearly with PIL, run in ONNX Runtime (tests/reference/venv, pinned) on
the float and the QDQ file: top-1 agreement and logit SNR are asserted
against the thresholds in CASES (set below the measured values, which the
test prints), for the file's own QDQ arithmetic and for ONNX Runtime's
int8 execution of it.  Also checked: the QDQ layout (per-channel int8 weights,
int32 biases, every Conv/Gemm input quantized), metadata and fields outside
the importer's protobuf subset survive, bad input is refused.
Video calibration (--calibration VIDEO --frames 8): a 16-frame MJPEG AVI
made here from the same photos with gst-launch-1.0 calibrates the TFLite
float model; the same checks, and its ranges close to the photo-calibrated
ones.  A build without GStreamer must refuse the video with a clear message.

Exits 77 (skip) without torch/torchvision/onnx/PIL in /usr/bin/python3 or
without the reference venv (sh tests/reference/setup.sh).
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

# name, source, method, then the minimum top-1 agreement and logit SNR (dB)
# of the QDQ file's own arithmetic (ONNX Runtime without graph
# optimisations) and of ONNX Runtime's default int8 execution.
CASES = [
    ("small-op13", "seed", "minmax", (0.35, 6.5), (0.35, 6.0)),
    ("small-op13", "seed", "percentile", (0.40, 5.5), (0.35, 5.5)),
    ("small-op13", "seed", "mse", (0.40, 6.0), (0.35, 6.0)),
    ("small-op17", "seed", "minmax", (0.40, 6.5), (0.30, 3.5)),
    ("small-op11", "seed", "minmax", (0.35, 6.5), (0.35, 6.0)),
    ("tflite", "tflite", "minmax", (0.50, 7.0), (0.50, 4.5)),
    ("tflite", "tflite", "percentile", (0.55, 8.5), (0.55, 6.0)),
    ("tflite", "tflite", "mse", (0.50, 8.0), (0.50, 5.0)),
]
EXPORTS = {"small-op13": 13, "small-op17": 17, "small-op11": 11}


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        raise SystemExit("failed (%d): %s" % (r.returncode, " ".join(cmd)))
    return r.stdout


def stamp(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def make_inputs(photos, mean, std, out):
    """The 80 evaluation inputs, NCHW float32."""
    import numpy as np
    from PIL import Image
    xs = []
    for p in photos:
        im = Image.open(p).convert("RGB")
        W, H = im.size
        boxes = [(0, 0, W, H)]
        for f in (0.875, 0.75, 0.6):
            w, h = int(W * f), int(H * f)
            for x0, y0 in (((W - w) // 2, (H - h) // 2), (0, 0),
                           (W - w, H - h)):
                boxes.append((x0, y0, x0 + w, y0 + h))
        for b in boxes:
            for flip in (0, 1):
                c = im.crop(b).resize((224, 224), Image.BILINEAR)
                if flip:
                    c = c.transpose(Image.FLIP_LEFT_RIGHT)
                a = (np.asarray(c, np.float64) - mean) / std
                xs.append(a.transpose(2, 0, 1))
    np.save(out, np.stack(xs).astype(np.float32))


def check_layout(path, float_path):
    """The QDQ structure of ONNX Runtime's quantize_static, and what the
    float model carried besides the graph."""
    import onnx
    import onnx.numpy_helper
    m = onnx.load(path)
    f = onnx.load(float_path)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    prod = {o: n for n in g.node for o in n.output}
    T = onnx.TensorProto
    n_conv = 0
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm"):
            continue
        n_conv += 1
        x = prod.get(n.input[0])
        assert x is not None and x.op_type == "DequantizeLinear", \
            "%s: input not dequantized" % n.name
        assert prod[x.input[0]].op_type == "QuantizeLinear", n.name
        w = prod[n.input[1]]
        assert w.op_type == "DequantizeLinear", n.name
        wq, ws = inits[w.input[0]], inits[w.input[1]]
        assert wq.data_type == T.INT8, n.name
        axis = [a.i for a in w.attribute if a.name == "axis"]
        assert axis and ws.dims[0] == wq.dims[axis[0]], \
            "%s: weights not per channel" % n.name
        q = onnx.numpy_helper.to_array(wq)
        assert q.min() >= -127 and q.max() <= 127, n.name
        if len(n.input) > 2:
            b = prod[n.input[2]]
            assert b.op_type == "DequantizeLinear", n.name
            assert inits[b.input[0]].data_type == T.INT32, n.name
    assert n_conv > 10
    big_float = [t.name for t in g.initializer
                 if t.data_type == T.FLOAT and len(t.raw_data) > 4096]
    assert not big_float, "float weights left: %s" % big_float[:3]
    meta = {p.key: p.value for p in m.metadata_props}
    for p in f.metadata_props:
        assert meta.get(p.key) == p.value, "metadata %s lost" % p.key
    assert "method=" in meta.get("mnv3.quantize", "")
    # fields outside core/onnx/onnx-subset.proto, kept by protobuf-c
    assert m.doc_string == f.doc_string and m.doc_string
    assert g.doc_string == f.graph.doc_string
    first = [n for n in g.node if n.name == f.graph.node[0].name][0]
    assert first.doc_string == f.graph.node[0].doc_string
    return len([n for n in g.node if n.op_type == "QuantizeLinear"])


def make_video(photos, outdir):
    """16 frames, 8 fps, MJPEG in AVI (gstreamer1.0-plugins-good): each
    photo resized to 320x240, as is then mirrored, each twice in a row, so
    --frames 8 takes each of the 8 different frames once."""
    from PIL import Image, ImageOps
    frames = os.path.join(outdir, "video-frames")
    os.makedirs(frames, exist_ok=True)
    k = 0
    for p in photos:
        im = Image.open(p).convert("RGB").resize((320, 240), Image.BILINEAR)
        for v in (im, ImageOps.mirror(im)):
            for _ in range(2):
                v.save(os.path.join(frames, "%02d.png" % k))
                k += 1
    path = os.path.join(outdir, "photos.avi")
    run(["gst-launch-1.0", "-q", "multifilesrc",
         "location=" + os.path.join(frames, "%02d.png"), "index=0",
         "stop-index=%d" % (k - 1), "caps=image/png,framerate=8/1", "!",
         "pngdec", "!", "videoconvert", "!", "video/x-raw,format=I420", "!",
         "jpegenc", "quality=95", "!", "avimux", "!", "filesink",
         "location=" + path])
    return path


def summary_ranges(out):
    """{tensor: (seen min, seen max, clip lo, clip hi, scale)} from the
    per-layer summary (activations quantized as another one are left
    out)."""
    r = {}
    for ln in out.splitlines():
        f = ln.split()
        if len(f) == 9 and f[0].isdigit():
            r[f[1]] = tuple(float(x) for x in f[3:8])
    return r


def add_unknown_fields(path):
    """doc_string fields are outside the importer's protobuf subset."""
    import onnx
    m = onnx.load(path)
    m.doc_string = "model doc kept by mnv3-quantize"
    m.graph.doc_string = "graph doc"
    m.graph.node[0].doc_string = "first node doc"
    onnx.save(m, path)


def make_shared_model(path):
    """x -> Conv(W, B) -> Relu -> Conv(W, B) -> y, 16x16, opset 13."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rs = np.random.RandomState(2)
    w = numpy_helper.from_array(rs.normal(0, 0.4, (3, 3, 3, 3))
                                .astype(np.float32), "W")
    b = numpy_helper.from_array(rs.normal(0, 0.1, 3).astype(np.float32), "B")
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c1"], pads=[1] * 4),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "W", "B"], ["y"], pads=[1] * 4)]
    g = helper.make_graph(
        nodes, "shared",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 16, 16])],
        [w, b])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.save(m, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quantize", required=True)
    ap.add_argument("--ref-python", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--outdir", required=True)
    a = ap.parse_args()
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
        import PIL  # noqa: F401
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as e:
        skip("/usr/bin/python3 lacks %s" % e.name)
    if not os.path.exists(a.ref_python):
        skip("no %s (run sh tests/reference/setup.sh)" % a.ref_python)
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(a.root, "tests", "data")
    photos = sorted(os.path.join(data, p) for p in os.listdir(data)
                    if p.endswith((".png", ".jpg")))
    exporter = os.path.join(a.root, "models", "export_torchvision.py")
    tflite = os.path.join(a.root, "models",
                          "mobilenet_v3_small_224_1.0_uint8.tflite")
    os.makedirs(a.outdir, exist_ok=True)
    st = stamp([__file__, exporter, os.path.join(here, "tflite_float_onnx.py"),
                tflite] + photos)
    stamp_path = os.path.join(a.outdir, "stamp")
    fresh = not (os.path.exists(stamp_path)
                 and open(stamp_path).read() == st)
    floats = {}
    for name, opset in EXPORTS.items():
        floats[name] = os.path.join(a.outdir, name + ".onnx")
        if fresh:
            run(["/usr/bin/python3", exporter, "--arch", "small", "--seed",
                 "3", "--opset", str(opset), "-o", floats[name], "--quiet"])
            add_unknown_fields(floats[name])
    floats["tflite"] = os.path.join(a.outdir, "tflite.onnx")
    inputs = {"seed": os.path.join(a.outdir, "in-imagenet.npy"),
              "tflite": os.path.join(a.outdir, "in-tflite.npy")}
    if fresh:
        run([a.ref_python, os.path.join(here, "tflite_float_onnx.py"), tflite,
             floats["tflite"], "--labels", tflite[:-len(".tflite")]
             + ".labels"])
        add_unknown_fields(floats["tflite"])
        make_inputs(photos, [123.675, 116.28, 103.53],
                    [58.395, 57.12, 57.375], inputs["seed"])
        make_inputs(photos, 128.0, 127.0, inputs["tflite"])  # its metadata
        with open(stamp_path, "w") as f:
            f.write(st)

    import onnx
    failed = 0
    outs = {}

    def check_case(name, source, method, min_qdq, min_ort, calib, extra=(),
                   label=None):
        q = os.path.join(a.outdir, "%s-%s%s.qdq.onnx"
                         % (name, method, "-" + label if label else ""))
        out = run([a.quantize, floats[name], q, "--calibration", calib,
                   "--method", method] + list(extra))
        # per-layer summary: a header, one line per activation, totals
        assert "clip lo" in out and "wrote " + q in out, out[-400:]
        n_q = check_layout(q, floats[name])
        onnx.checker.check_model(onnx.load(q))
        layer_lines = [ln for ln in out.splitlines() if ln[:1].isdigit()
                       and "activations," not in ln]
        assert len(layer_lines) == n_q, (len(layer_lines), n_q)
        r = json.loads(run([a.ref_python, os.path.join(here, "ort_compare.py"),
                            floats[name], q, inputs[source]]))
        ok = (r["top1_qdq"] >= min_qdq[0] and r["snr_qdq_db"] >= min_qdq[1]
              and r["top1"] >= min_ort[0] and r["snr_db"] >= min_ort[1])
        print("%-10s %-10s QDQ arithmetic: top-1 %.3f (>= %.2f), SNR %5.2f dB "
              "(>= %.1f); ORT int8: top-1 %.3f (>= %.2f), SNR %5.2f dB "
              "(>= %.1f), worst input %.2f dB; %d inputs, %d Q/DQ pairs %s"
              % (name, label or method, r["top1_qdq"], min_qdq[0],
                 r["snr_qdq_db"], min_qdq[1], r["top1"], min_ort[0],
                 r["snr_db"], min_ort[1], r["snr_min_db"], r["n"], n_q,
                 "ok" if ok else "FAIL"))
        return ok, out, q

    for name, source, method, min_qdq, min_ort in CASES:
        ok, outs[name, method], _ = check_case(name, source, method, min_qdq,
                                               min_ort, data)
        failed += not ok

    # Video calibration, or its refusal in a build without GStreamer.
    video_support = "not in this build" not in run([a.quantize, "--help"])
    notvideo = os.path.join(a.outdir, "notes.mp4")
    with open(notvideo, "w") as f:
        f.write("a text file, not a video\n")
    r = subprocess.run([a.quantize, floats["tflite"], notvideo + ".onnx",
                        "--calibration", notvideo, "--quiet"],
                       capture_output=True, text=True)
    want = ("cannot decode as video: Could not determine type of stream"
            if video_support else "has no video support")
    assert r.returncode == 1 and notvideo in r.stderr and want in r.stderr, \
        (r.returncode, r.stderr)
    assert not os.path.exists(notvideo + ".onnx")
    print("video      refused %s: %s" % (os.path.basename(notvideo),
                                        r.stderr.strip()))
    if not video_support:
        print("video      calibration not tested: this build has no "
              "GStreamer")
    elif not (shutil.which("gst-launch-1.0")
              and shutil.which("gst-inspect-1.0")) or any(
            subprocess.run(["gst-inspect-1.0", "--exists", e]).returncode
            for e in ("multifilesrc", "pngdec", "jpegenc", "avimux")):
        print("video      calibration not tested: no gst-launch-1.0 or "
              "GStreamer elements to make the video (gstreamer1.0-tools, "
              "gstreamer1.0-plugins-good)")
    else:
        video = make_video(photos, a.outdir)
        ok, out, q = check_case("tflite", "tflite", "minmax", (0.50, 7.0),
                                (0.50, 4.5), video, ["--frames", "8"],
                                label="video")
        failed += not ok
        meta = {p.key: p.value for p in onnx.load(q).metadata_props}
        assert "frames=8 " in meta["mnv3.quantize"], meta["mnv3.quantize"]
        # The video holds the photos (downscaled to 320x240, through I420
        # and JPEG): every range is finite, holds 0 and has a positive
        # scale; the input's is within 10 % of the photos' own and every
        # other within a factor 2 (measured: 0.71 to 1.20; the first
        # layers see smoother edges after the downscale).
        vid = summary_ranges(out)
        img = summary_ranges(outs["tflite", "minmax"])
        assert vid.keys() == img.keys() and len(vid) > 10
        ratios = {}
        for t, (smin, smax, lo, hi, scale) in vid.items():
            assert all(math.isfinite(x) for x in (smin, smax, lo, hi, scale))
            assert lo <= 0 <= hi and scale > 0 and smin <= smax, (t, vid[t])
            ratios[t] = (hi - lo) / (img[t][3] - img[t][2])
        first = list(vid)[0]
        print("video      8 of 16 frames: input range ratio to photo "
              "calibration %.3f (0.9..1.1), others %.3f..%.3f (0.5..2)"
              % (ratios[first], min(ratios.values()), max(ratios.values())))
        assert 0.9 <= ratios[first] <= 1.1, ratios[first]
        assert all(0.5 <= x <= 2.0 for x in ratios.values()), ratios

    # A weight and bias shared by two Convs: quantized once, the file
    # checks, loads and runs.
    tiny = os.path.join(a.outdir, "shared.onnx")
    make_shared_model(tiny)
    q = os.path.join(a.outdir, "shared.qdq.onnx")
    run([a.quantize, tiny, q, "--calibration", data, "--quiet"])
    m = onnx.load(q)
    onnx.checker.check_model(m)
    names = [t.name for t in m.graph.initializer]
    assert len(names) == len(set(names)), "duplicate initializers"
    assert names.count("W_quantized") == 1
    import numpy as np
    xs = os.path.join(a.outdir, "shared-in.npy")
    np.save(xs, np.random.RandomState(1).uniform(-2, 2, (8, 3, 16, 16))
            .astype(np.float32))
    r = json.loads(run([a.ref_python, os.path.join(here, "ort_compare.py"),
                        tiny, q, xs]))
    print("shared     minmax     QDQ arithmetic SNR %.2f dB, ORT int8 SNR "
          "%.2f dB (random inputs, photo calibration)" % (r["snr_qdq_db"],
                                                         r["snr_db"]))
    assert r["snr_qdq_db"] > 10, r

    # For scale: TF's own uint8 file (trained with its ranges) against the
    # same float network, on the same inputs.
    print("tflite     TFLite's uint8 model itself: top-1 agreement %.3f"
          % float(run([a.ref_python, os.path.join(here, "ort_compare.py"),
                       floats["tflite"], tflite, inputs["tflite"]])))

    # uint8 activations: zero points in 0..255, same structure
    q = os.path.join(a.outdir, "tflite-u8.qdq.onnx")
    run([a.quantize, floats["tflite"], q, "--calibration", photos[0],
         "--activations", "uint8", "--quiet"])
    import onnx
    m = onnx.load(q)
    zps = [t for t in m.graph.initializer if t.name.endswith("_zero_point")
           and not t.dims]
    assert zps and all(t.data_type == onnx.TensorProto.UINT8 for t in zps)
    r = json.loads(run([a.ref_python, os.path.join(here, "ort_compare.py"),
                        floats["tflite"], q, inputs["tflite"]]))
    print("tflite      uint8 act. (1 calibration photo) top-1 %.3f, SNR "
          "%.2f dB (loads and runs in ONNX Runtime)" % (r["top1"],
                                                        r["snr_db"]))
    # refused: an already quantized model, a missing calibration source
    for args, msg in (([floats["tflite"] + "x"], "cannot open"),
                      ([q], "already quantized")):
        r = subprocess.run([a.quantize, args[0], q + ".2", "--calibration",
                            data], capture_output=True, text=True)
        assert r.returncode == 1 and msg in r.stderr, (r.returncode, r.stderr)
    r = subprocess.run([a.quantize, floats["tflite"], q + ".2",
                        "--calibration", os.path.join(a.outdir, "none")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "cannot open" in r.stderr, r.stderr
    empty = os.path.join(a.outdir, "empty")
    os.makedirs(empty, exist_ok=True)
    r = subprocess.run([a.quantize, floats["tflite"], q + ".2",
                        "--calibration", empty], capture_output=True, text=True)
    assert r.returncode == 1 and "no PNG or JPEG" in r.stderr, r.stderr
    r = subprocess.run([a.quantize, floats["tflite"], q + ".2"],
                       capture_output=True, text=True)
    assert r.returncode == 2, r.returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
