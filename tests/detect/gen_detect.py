#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make the SSDLite parity data with torch/torchvision, then run a test.

    gen_detect.py --outdir DIR [--exec PROGRAM [ARGS...]]

For each seeded model (V3-Large and V3-Small SSDLite, exported by
models/export_torchvision.py --task detection) DIR gets:
  NAME.onnx, NAME.input.bin (NCHW float32), NAME.cls_logits.bin,
  NAME.bbox_regression.bin (torch's raw outputs),
  NAME.anchors.bin      DefaultBoxGenerator's boxes [A][4] (xyxy pixels)
  NAME.dets-K.bin       SSD.postprocess_detections on those raw outputs
                        with parameter set K of POST: [n][6] float32
                        (x0, y0, x1, y1, score, label)
plus anchors-HxW.bin for other input sizes (the V3-Large net's maps).
Files are reused while DIR/stamp matches.  Exits 77 (skip) without torch.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "support"))
import gen_support  # noqa: E402  (tests/support/gen_support.py)

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(HERE, "..", "..", "models")
EXPORTER = os.path.join(MODELS_DIR, "export_torchvision.py")
DET = os.path.join(MODELS_DIR, "export_detection.py")

# name, arch, opset, seed (the C test lists the names)
MODELS = [("ssdlite-v3-large", "large", 13, 21),
          ("ssdlite-v3-small", "small", 17, 22)]
# score_thresh, nms_thresh, topk_candidates, detections_per_img
POST = [(0.001, 0.55, 300, 300),      # torchvision's defaults
        (0.3, 0.45, 300, 300),
        (0.02, 0.3, 20, 50)]
SIZES = [(256, 192), (300, 300), (333, 500)]


def stamp_text():
    import torch
    h = hashlib.sha256()
    for path in (__file__, EXPORTER, DET):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(torch.__version__.encode())
    return h.hexdigest() + "\n"


def load(path, name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def anchors_for(ssd, net, h, w):
    import torch
    from torchvision.models.detection.image_list import ImageList

    x = torch.zeros(1, 3, h, w)
    with torch.no_grad():
        feats = list(net.backbone(x).values())
    return ssd.anchor_generator(ImageList(x, [(h, w)]), feats)[0]


def generate(outdir):
    import numpy as np
    import torch

    ex = load(EXPORTER, "mnv3_export_tv")
    det = load(DET, "mnv3_export_det")
    os.makedirs(outdir, exist_ok=True)
    stamp = os.path.join(outdir, "stamp")
    text = stamp_text()
    if os.path.exists(stamp) and open(stamp).read() == text:
        return
    if os.path.exists(stamp):
        os.remove(stamp)
    for name, arch, opset, seed in MODELS:
        base = os.path.join(outdir, name)
        argv = ["--task", "detection", "--arch", arch, "--opset", str(opset),
                "--seed", str(seed), "-o", base + ".onnx", "--save-io", base,
                "--quiet"]
        if ex.main(argv):
            raise SystemExit("export of %s failed" % name)
        # the same model again (same seed) for anchors and post-processing
        args = ex.build_parser().parse_args(argv)
        ssd, net, meta, (h, w) = det.build(args)
        cls = torch.from_numpy(np.fromfile(base + ".cls_logits.bin", "<f4")
                               .reshape(1, -1, int(meta["num_classes"])))
        reg = torch.from_numpy(np.fromfile(base + ".bbox_regression.bin",
                                           "<f4").reshape(1, -1, 4))
        anchors = anchors_for(ssd, net, h, w)
        anchors.numpy().astype("<f4").tofile(base + ".anchors.bin")
        for k, (score, nms, topk, dets) in enumerate(POST):
            ssd.score_thresh, ssd.nms_thresh = score, nms
            ssd.topk_candidates, ssd.detections_per_img = topk, dets
            with torch.no_grad():
                r = ssd.postprocess_detections(
                    {"cls_logits": cls, "bbox_regression": reg}, [anchors],
                    [(h, w)])[0]
            out = torch.cat([r["boxes"], r["scores"][:, None],
                             r["labels"][:, None].float()], 1)
            out.numpy().astype("<f4").tofile(base + ".dets-%d.bin" % k)
        if arch == "large":
            for sh, sw in SIZES:
                anchors_for(ssd, net, sh, sw).numpy().astype("<f4").tofile(
                    os.path.join(outdir, "anchors-%dx%d.bin" % (sh, sw)))
    with open(stamp, "w") as f:
        f.write(text)


def main():
    return gen_support.main(__doc__, generate, "MNV3_DETECT_MODELS")


if __name__ == "__main__":
    sys.exit(main())
