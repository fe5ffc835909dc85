#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Export torchvision MobileNetV3 models to ONNX for mnv3.

Needs Debian's /usr/bin/python3 with torch 1.13, torchvision 0.14 and onnx
(python3-torch, python3-torchvision, python3-onnx).

    export_torchvision.py --arch large --width 0.75 --size 192 -o m.onnx --seed 1
    export_torchvision.py --arch small --pretrained -o mnv3s.onnx --check

Weights come from exactly one of --weights FILE.pth (a state_dict, or a
checkpoint holding one under "state_dict"/"model"), --pretrained (torchvision
download of the ImageNet weights, width 1.0 only; needs internet) or
--seed N (random, deterministic; for tests).  A seeded model also gets
random batch-norm affine parameters and running statistics calibrated on
random images, so activations stay O(1) and logits are far from zero.

The ONNX metadata_props follow the contract of core/onnx/onnx-import.c:
  task    "classification"
  model   e.g. "mobilenet_v3_large"
  labels  class names, newline-separated (ImageNet-1000 when 1000 classes)
  mean    "123.675,116.28,103.53"  (0..255 pixel units, RGB)
  std     "58.395,57.12,57.375"    (tensor = (pixel - mean) / std)
plus width_mult and input_size for information.

--task selects the network family; only "classification" exists so far.
Detection/segmentation variants add an entry to TASKS (a builder returning
the torch module and its metadata).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGENET_LABELS = os.path.join(HERE, "labels", "imagenet-1000.txt")
IMAGENET_MEAN = (123.675, 116.28, 103.53)   # torchvision's, times 255
IMAGENET_STD = (58.395, 57.12, 57.375)


def parse_size(text):
    """'224' or '192x160' (HxW) -> (h, w)."""
    parts = text.lower().split("x")
    if len(parts) == 1:
        return int(parts[0]), int(parts[0])
    if len(parts) == 2:
        return int(parts[0]), int(parts[1])
    raise argparse.ArgumentTypeError("size must be N or HxW: %r" % text)


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", required=True, help="ONNX file to write")
    p.add_argument("--task", default="classification",
                   choices=sorted(TASKS), help="network family")
    p.add_argument("--arch", default="large", choices=("large", "small"),
                   help="MobileNetV3-Large or -Small")
    p.add_argument("--width", type=float, default=1.0,
                   help="width multiplier (channels scale), default 1.0")
    p.add_argument("--size", type=parse_size, default=None,
                   help="input size N or HxW (default 224)")
    p.add_argument("--height", type=int, default=None, help="input height")
    p.add_argument("--width-px", type=int, default=None, help="input width")
    p.add_argument("--num-classes", type=int, default=1000)
    p.add_argument("--opset", type=int, default=13, help="ONNX opset (11..17)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--weights", help="state_dict .pth file")
    src.add_argument("--pretrained", action="store_true",
                     help="torchvision ImageNet weights (downloads)")
    src.add_argument("--seed", type=int, help="random weights, deterministic")
    p.add_argument("--labels", default=None,
                   help="labels file (default ImageNet-1000 for 1000 classes)")
    p.add_argument("--check", action="store_true",
                   help="run the ONNX file (onnxruntime, else mnv3-run) and "
                   "compare with torch")
    p.add_argument("--mnv3-run", default=None,
                   help="mnv3-run executable for --check")
    p.add_argument("--save-io", default=None, metavar="PREFIX",
                   help="write PREFIX.input.bin (NCHW float32) and "
                   "PREFIX.logits.bin (torch output) for a random input")
    p.add_argument("--quiet", action="store_true")
    # options of the tasks that have them (models/<module>.add_arguments)
    for task in ("segmentation",):
        task_module(task).add_arguments(p)
    return p


def input_size(args):
    h, w = args.size if args.size else (224, 224)
    if args.height:
        h = args.height
    if args.width_px:
        w = args.width_px
    if h < 16 or w < 16:
        raise SystemExit("input size %dx%d too small" % (h, w))
    return h, w


# ---- weights ------------------------------------------------------------

def randomize(model, seed, h, w):
    """Random but well-scaled weights: BN affine random, BN statistics from
    random images (so each BN really normalises), classifier ~ 1/sqrt(fan)."""
    import torch
    import torch.nn as nn

    g = torch.Generator().manual_seed(seed)

    def uniform(t, lo, hi):
        with torch.no_grad():
            t.copy_(torch.rand(t.shape, generator=g) * (hi - lo) + lo)

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=g)
                               * (2.0 / fan_in) ** 0.5)
            if m.bias is not None:
                uniform(m.bias, -0.2, 0.2)
        elif isinstance(m, nn.BatchNorm2d):
            uniform(m.weight, 0.5, 1.5)
            uniform(m.bias, -0.3, 0.3)
            m.reset_running_stats()
            m.momentum = None          # cumulative average over the batches
        elif isinstance(m, nn.Linear):
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=g)
                               * (1.0 / m.in_features) ** 0.5)
            if m.bias is not None:
                uniform(m.bias, -0.2, 0.2)
    # calibrate running statistics on random images (train mode, no grad)
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(4, 3, h, w, generator=g))
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    # pooled features are small (BN outputs have mean ~beta): scale the last
    # linear layer so that logits have a standard deviation of about 2
    last = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if last:
        with torch.no_grad():
            out = model(torch.randn(2, 3, h, w, generator=g))
            k = 2.0 / max(float(out.std()), 1e-6)
            last[-1].weight.mul_(k)
            last[-1].bias.mul_(k)


def load_weights(model, path):
    import torch

    sd = torch.load(path, map_location="cpu")
    if isinstance(sd, dict):
        for key in ("state_dict", "model"):
            if key in sd and isinstance(sd[key], dict):
                sd = sd[key]
    elif hasattr(sd, "state_dict"):
        sd = sd.state_dict()
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}
    model.load_state_dict(sd)


# ---- tasks --------------------------------------------------------------

def build_classification(args):
    import torchvision

    ctor = {"large": torchvision.models.mobilenet_v3_large,
            "small": torchvision.models.mobilenet_v3_small}[args.arch]
    name = "mobilenet_v3_" + args.arch
    weights = None
    if args.pretrained:
        if args.width != 1.0 or args.num_classes != 1000:
            raise SystemExit("--pretrained exists for width 1.0, 1000 classes")
        weights = "IMAGENET1K_V1"
    model = ctor(weights=weights, width_mult=args.width,
                 num_classes=args.num_classes)
    labels_path = args.labels or (IMAGENET_LABELS if args.num_classes == 1000
                                  else None)
    labels = None
    if labels_path:
        with open(labels_path, encoding="utf-8") as f:
            labels = [l.rstrip("\n") for l in f if l.strip()]
        if len(labels) != args.num_classes:
            raise SystemExit("%s has %d labels for %d classes"
                             % (labels_path, len(labels), args.num_classes))
    meta = {"task": "classification", "model": name,
            "mean": ",".join("%g" % v for v in IMAGENET_MEAN),
            "std": ",".join("%g" % v for v in IMAGENET_STD),
            "width_mult": "%g" % args.width}
    if labels:
        meta["labels"] = "\n".join(labels)
    return model, meta, ["logits"]


TASKS = {"classification": build_classification}

# Tasks with an exporter module of their own (models/<module>.py with
# export(args)); the value in TASKS is only for --task's choices.
TASK_MODULES = {"detection": "export_detection",
                "segmentation": "export_segmentation"}
TASKS.update({task: None for task in TASK_MODULES})


def task_module(task):
    """Import models/<module>.py of a TASK_MODULES task by path."""
    import importlib.util
    name = TASK_MODULES[task]
    spec = importlib.util.spec_from_file_location(
        "mnv3_" + name, os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---- export and check ---------------------------------------------------

def export(args):
    import numpy as np
    import onnx
    import torch

    h, w = input_size(args)
    model, meta, out_names = TASKS[args.task](args)
    if args.weights:
        load_weights(model, args.weights)
    elif args.seed is not None:
        torch.manual_seed(args.seed)
        randomize(model, args.seed, h, w)
    model.eval()
    meta["input_size"] = "%dx%d" % (h, w)

    g = torch.Generator().manual_seed(12345 + (args.seed or 0))
    x = torch.randn(1, 3, h, w, generator=g)
    with torch.no_grad():
        ref = model(x)
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.output + ".tmp"
    torch.onnx.export(model, x, tmp, opset_version=args.opset,
                      input_names=["input"], output_names=out_names,
                      do_constant_folding=True)
    m = onnx.load(tmp)
    del m.metadata_props[:]
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, args.output)

    r = ref.numpy().reshape(-1)
    if not args.quiet:
        print("%s: %s width %g, %dx%d, opset %d, logit std %.3f, max |logit| %.3f"
              % (args.output, meta.get("model"), args.width, h, w, args.opset,
                 float(r.std()), float(np.abs(r).max())))
    if args.save_io:
        x.numpy().astype("<f4").tofile(args.save_io + ".input.bin")
        r.astype("<f4").tofile(args.save_io + ".logits.bin")
    if args.check:
        return check(args, x.numpy(), r)
    return 0


def run_onnx(args, x):
    """Output 0 of the ONNX file for input x (NCHW): onnxruntime or mnv3."""
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(args.output,
                                    providers=["CPUExecutionProvider"])
        return "onnxruntime", sess.run(None, {"input": x})[0].reshape(-1)
    except ImportError:
        pass
    import numpy as np
    exe = args.mnv3_run or shutil.which("mnv3-run")
    if not exe:
        root = os.path.dirname(HERE)
        for d in sorted(os.listdir(root)):
            cand = os.path.join(root, d, "tools", "mnv3-run")
            if d.startswith("build") and os.access(cand, os.X_OK):
                exe = cand
                break
    if not exe:
        raise SystemExit("--check needs onnxruntime or mnv3-run (--mnv3-run)")
    with tempfile.TemporaryDirectory() as td:
        fin, fout = os.path.join(td, "in.bin"), os.path.join(td, "out.bin")
        x.astype("<f4").tofile(fin)
        subprocess.run([exe, args.output, "--input", fin, "--output", fout,
                        "--layout", "nchw"], check=True,
                       stdout=subprocess.DEVNULL)
        return "mnv3-run", np.fromfile(fout, dtype="<f4")


def check(args, x, ref):
    import numpy as np

    who, out = run_onnx(args, x)
    if out.shape != ref.shape:
        print("check (%s): shape %s vs torch %s" % (who, out.shape, ref.shape))
        return 1
    diff = float(np.abs(out - ref).max())
    scale = float(np.abs(ref).max())
    top_ref = list(np.argsort(-ref)[:5])
    top_out = list(np.argsort(-out)[:5])
    ok = diff <= 1e-4 * scale and top_ref == top_out
    print("check (%s): max|diff| %.3g (%.3g of max|logit|), top-5 %s %s"
          % (who, diff, diff / max(scale, 1e-30),
             "same" if top_ref == top_out else "differ",
             "OK" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.task in TASK_MODULES:
        return task_module(args.task).export(args)
    return export(args)


if __name__ == "__main__":
    sys.exit(main())
