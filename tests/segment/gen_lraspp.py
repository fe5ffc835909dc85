#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make the LR-ASPP parity models, then run a test program on them.

    gen_lraspp.py --outdir DIR [--exec PROGRAM [ARGS...]]

Exports seeded LR-ASPP models with models/export_torchvision.py --task
segmentation --head-output into DIR, each as NAME.onnx with NAME.input.bin
(NCHW float32, random), NAME.out0.bin (torch's upsampled logits) and
NAME.out1.bin (torch's logits at the head's resolution), and writes
cases.txt ("NAME H W CLASSES" lines).  Then runs PROGRAM with
MNV3_SEG_MODELS=DIR.  Files are reused while DIR/stamp matches this script,
the exporters and the torch version.  Exits 77 (skip) when /usr/bin/python3
has no torch/torchvision/onnx.
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
SEG_EXPORTER = os.path.join(MODELS_DIR, "export_segmentation.py")

# name, H, W, classes, seed, extra exporter options.  The two
# configurations, each at 512x1024 and at a size that is not a multiple of
# 32 (odd height: every stride-2 layer rounds up).  The Small one uses the
# paper's large average-pool kernel scaled to its feature map.
CASES = [
    ("large-os16-128-512x1024", 512, 1024, 21, 1,
     ["--arch", "large", "--output-stride", "16", "--filters", "128"]),
    ("large-os16-128-375x500", 375, 500, 21, 2,
     ["--arch", "large", "--output-stride", "16", "--filters", "128"]),
    ("small-os32-256-512x1024", 512, 1024, 19, 3,
     ["--arch", "small", "--output-stride", "32", "--filters", "256",
      "--seg-labels", "cityscapes", "--pool-kernel", "13x25",
      "--pool-stride", "4x5"]),
    ("small-os32-256-375x500", 375, 500, 19, 4,
     ["--arch", "small", "--output-stride", "32", "--filters", "256",
      "--seg-labels", "cityscapes", "--pool-kernel", "7x9",
      "--pool-stride", "2x3"]),
]


def stamp_text():
    import torch
    h = hashlib.sha256()
    for path in (__file__, EXPORTER, SEG_EXPORTER):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(torch.__version__.encode())
    return h.hexdigest() + "\n"


def generate(outdir):
    import importlib.util
    spec = importlib.util.spec_from_file_location("export_tv", EXPORTER)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    os.makedirs(outdir, exist_ok=True)
    stamp = os.path.join(outdir, "stamp")
    text = stamp_text()
    if os.path.exists(stamp) and open(stamp).read() == text:
        return
    if os.path.exists(stamp):
        os.remove(stamp)
    lines = []
    for name, h, w, classes, seed, opts in CASES:
        base = os.path.join(outdir, name)
        rc = ex.main(["--task", "segmentation", "--size", "%dx%d" % (h, w),
                      "--seed", str(seed), "--head-output", "--quiet",
                      "-o", base + ".onnx", "--save-io", base] + opts)
        if rc:
            raise SystemExit("export of %s failed" % name)
        lines.append("%s %d %d %d" % (name, h, w, classes))
    with open(os.path.join(outdir, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(stamp, "w") as f:
        f.write(text)


def main():
    return gen_support.main(__doc__, generate, "MNV3_SEG_MODELS")


if __name__ == "__main__":
    sys.exit(main())
