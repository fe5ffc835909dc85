#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make the ONNX parity models, then run a test program on them.

    gen_models.py --outdir DIR [--exec PROGRAM [ARGS...]]

Exports seeded torchvision MobileNetV3 models with models/export_torchvision.py
into DIR, each as NAME.onnx with NAME.input.bin (NCHW float32, random) and
NAME.logits.bin (torch's output for it), then runs PROGRAM with
MNV3_ONNX_MODELS=DIR.  Files are reused while DIR/stamp matches this script,
the exporter and the torch version.  Exits 77 (skip) when /usr/bin/python3
has no torch/torchvision/onnx.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "support"))
import gen_support  # noqa: E402  (tests/support/gen_support.py)

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORTER = os.path.join(HERE, "..", "..", "models", "export_torchvision.py")

# name, arch, width multiplier, HxW, opset, seed (the C test lists the names)
MODELS = [
    ("v3-large-1.0-224", "large", 1.0, "224x224", 13, 1),
    ("v3-large-0.75-192", "large", 0.75, "192x192", 11, 2),
    ("v3-small-1.0-224", "small", 1.0, "224x224", 17, 3),
    ("v3-small-0.75-160x128", "small", 0.75, "160x128", 14, 4),
]

# LR-ASPP (segmentation head: Resize, Sigmoid, torch's shape sub-graphs),
# exported at 160x160 and also checked at 128x192 (the session size).
LRASPP = ("lraspp-v3-large-160", 160, 160, 128, 192, 13, 5)

# Operator coverage nets: name, opset, dynamic H/W at export, size, size2.
# "dynamic" exports keep torch's Shape/Gather/Unsqueeze/Concat sub-graphs
# (the input is then declared static again), so Resize sizes are symbolic.
OPS = [
    ("ops-static-11", 11, False, (64, 48), None),
    ("ops-dynamic-13", 13, True, (64, 64), (48, 80)),
    ("ops-static-17", 17, False, (56, 72), None),
]


# Exports that keep dynamic_axes (batch, H and W symbolic in the file):
# name, arch, width, opset, seed, metadata input_size (None: no default
# size, a session must give one), the two sizes the references are made at.
DYNAMIC = [
    ("dyn-small-hw", "small", 1.0, 13, 21, None, (224, 224), (160, 192)),
    ("dyn-large-meta", "large", 0.75, 17, 22, "192x160", (192, 160),
     (128, 224)),
]


def export_dynamic(outdir, manifest, ex, name, arch, width, opset, seed,
                   meta_size, size, size2):
    """A seeded torchvision classifier exported with dynamic N, H and W."""
    import onnx
    import torch
    import torchvision

    torch.manual_seed(seed)
    ctor = getattr(torchvision.models, "mobilenet_v3_" + arch)
    net = ctor(weights=None, width_mult=width)
    ex.randomize(net, seed, *size)
    net.eval()
    g = torch.Generator().manual_seed(seed)
    path = os.path.join(outdir, name + ".onnx")
    x = torch.randn(1, 3, *size, generator=g)
    axes = {0: "N", 2: "H", 3: "W"}
    torch.onnx.export(net, x, path, opset_version=opset,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": axes, "logits": {0: "N"}})
    m = onnx.load(path)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    assert all(dims[d].dim_param for d in axes), "export is not dynamic"
    if meta_size:
        e = m.metadata_props.add()
        e.key, e.value = "input_size", meta_size
        onnx.save(m, path)
    with torch.no_grad():
        write_case(outdir, manifest, name, name, x, [net(x)])
        x2 = torch.randn(1, 3, *size2, generator=g)
        write_case(outdir, manifest, name, name + "-2", x2, [net(x2)])


def stamp_text():
    import torch
    h = hashlib.sha256()
    for path in (__file__, EXPORTER):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(torch.__version__.encode())
    return h.hexdigest() + "\n"


def load_exporter():
    import importlib.util
    spec = importlib.util.spec_from_file_location("export_tv", EXPORTER)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    return ex


def write_case(outdir, manifest, model, prefix, x, outs):
    """prefix.input.bin and prefix.out<i>.bin; one manifest line."""
    base = os.path.join(outdir, prefix)
    x.numpy().astype("<f4").tofile(base + ".input.bin")
    for i, y in enumerate(outs):
        y.numpy().astype("<f4").tofile(base + ".out%d.bin" % i)
    manifest.append("%s %s %d %d %d" % (model, prefix, x.shape[2], x.shape[3],
                                        len(outs)))


def make_ops_net():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class OpsNet(nn.Module):
        """Every importer path MobileNetV3 itself does not use."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3, 2, 1)
            self.bn = nn.BatchNorm2d(8)
            self.dw = nn.Conv2d(8, 8, 3, 1, 1, groups=8)
            self.ct = nn.ConvTranspose2d(8, 6, 2, 2)
            self.c3 = nn.Conv2d(14, 16, 1)
            self.w = nn.Parameter(torch.randn(16, 10) * 0.5)

        def forward(self, x):
            a = F.relu(self.c1(x))
            a = F.relu6(self.bn(a) * 3.0)            # BN kept, Clip
            b = F.max_pool2d(a, 3, 2, 1, ceil_mode=True)
            b = F.avg_pool2d(b, 3, 1, 1, count_include_pad=False)
            b = self.dw(b)
            u = self.ct(b)
            n = F.interpolate(b, scale_factor=2.0, mode="nearest")
            c = torch.cat([u, n], 1)
            c = (c - 0.5) / 2.0 * torch.sigmoid(c)
            c = self.c3(c)
            c = F.interpolate(c, size=x.shape[-2:], mode="bilinear",
                              align_corners=True)
            c = F.hardswish(c) - F.hardsigmoid(c)
            m = c.mean((2, 3), keepdim=True)
            f = torch.flatten(m, 1) @ self.w
            return c, torch.softmax(f, 1)

    return OpsNet()


def export_ops(outdir, manifest, ex, name, opset, dynamic, size, size2, seed):
    import onnx
    import torch

    torch.manual_seed(seed)
    net = make_ops_net()
    ex.randomize(net, seed, *size)
    net.eval()
    g = torch.Generator().manual_seed(seed)
    path = os.path.join(outdir, name + ".onnx")
    x = torch.randn(1, 3, *size, generator=g)
    torch.onnx.export(net, x, path, opset_version=opset,
                      input_names=["input"], output_names=["map", "probs"],
                      dynamic_axes={"input": {2: "h", 3: "w"}} if dynamic
                      else None)
    if dynamic:                 # declare the export size again
        m = onnx.load(path)
        dims = m.graph.input[0].type.tensor_type.shape.dim
        dims[2].dim_value, dims[3].dim_value = size
        onnx.save(m, path)
    with torch.no_grad():
        write_case(outdir, manifest, name, name, x, net(x))
        if size2:
            x2 = torch.randn(1, 3, *size2, generator=g)
            write_case(outdir, manifest, name, name + "-2", x2, net(x2))


def export_lraspp(outdir, manifest, ex):
    """torchvision LR-ASPP, seeded, with references at two input sizes."""
    import torch
    import torchvision

    name, h, w, h2, w2, opset, seed = LRASPP
    torch.manual_seed(seed)
    model = torchvision.models.segmentation.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=21)
    ex.randomize(model.backbone, seed, h, w)

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x)["out"]

    net = Wrap(model).eval()
    g = torch.Generator().manual_seed(seed)
    for m in model.classifier.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    x = torch.randn(1, 3, h, w, generator=g)
    x2 = torch.randn(1, 3, h2, w2, generator=g)
    torch.onnx.export(net, x, os.path.join(outdir, name + ".onnx"),
                      opset_version=opset, input_names=["input"],
                      output_names=["out"])
    with torch.no_grad():
        write_case(outdir, manifest, name, name, x, [net(x)])
        write_case(outdir, manifest, name, name + "-2", x2, [net(x2)])


def generate(outdir):
    ex = load_exporter()
    os.makedirs(outdir, exist_ok=True)
    stamp = os.path.join(outdir, "stamp")
    text = stamp_text()
    if os.path.exists(stamp) and open(stamp).read() == text:
        return
    if os.path.exists(stamp):
        os.remove(stamp)
    for name, arch, width, size, opset, seed in MODELS:
        base = os.path.join(outdir, name)
        rc = ex.main(["--arch", arch, "--width", str(width), "--size", size,
                      "--opset", str(opset), "--seed", str(seed),
                      "-o", base + ".onnx", "--save-io", base, "--quiet"])
        if rc:
            raise SystemExit("export of %s failed" % name)
    # other nets: "MODEL PREFIX H W NUM_OUTPUTS" lines in cases.txt
    manifest = []
    export_lraspp(outdir, manifest, ex)
    for k, (name, opset, dynamic, size, size2) in enumerate(OPS):
        export_ops(outdir, manifest, ex, name, opset, dynamic, size, size2,
                   10 + k)
    for d in DYNAMIC:
        export_dynamic(outdir, manifest, ex, *d)
    with open(os.path.join(outdir, "cases.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    with open(stamp, "w") as f:
        f.write(text)


def main():
    return gen_support.main(__doc__, generate, "MNV3_ONNX_MODELS")


if __name__ == "__main__":
    sys.exit(main())
