# SPDX-License-Identifier: LGPL-2.1-or-later
"""LR-ASPP on MobileNetV3 (paper section 6.4) for models/export_torchvision.py.

    export_torchvision.py --task segmentation --size 512x1024 --seed 1 -o l.onnx
    export_torchvision.py --task segmentation --arch small --output-stride 32 \\
        --filters 256 --seg-labels cityscapes --size 512x1024 --seed 2 -o s.onnx
    export_torchvision.py --task segmentation --pretrained --size 520 -o voc.onnx

The network is torchvision 0.14's `lraspp_mobilenet_v3_large` (the default
options give exactly it, with the same state_dict names, so --weights and
--pretrained load torchvision's weights) and the paper's variations:

  --arch small          MobileNetV3-Small backbone (torchvision's features)
  --output-stride 32    no atrous last stage (default 16: dilation 2 and the
                        last stride-2 block made stride 1)
  --filters N           channels of the head's two 1x1 branches (default 128)
  --reduced-tail        halve the channels of the last stage (the paper's
                        segmentation backbones)
  --pool-kernel HxW     the paper's large average-pool kernel (VALID, with
  --pool-stride HxW     --pool-stride, default 1/4 of the kernel) instead of
                        global pooling in the gating branch; the gate is then
                        spatial and bilinearly upsampled (align_corners=False)
                        to the high-level features before the product.  A
                        kernel larger than the feature map is clamped to it
  --seg-labels voc|cityscapes|none   class names (VOC-21 default, in
                        torchvision's order; Cityscapes-19 as in the paper);
                        --num-classes defaults to the list's length
  --head-output         add a second output "head": the logits at the head's
                        resolution (stride 8), before the final upsampling

Outputs: "out" [1,C,H,W], the logits upsampled (bilinear, align_corners=False)
to the input size, then optionally "head".  The low-level skip is taken from
the stride-8 block (torchvision's C2), the high level from the last block.

metadata_props: task "segmentation", model, labels, mean/std (ImageNet in
pixel units, as torchvision's weights expect), output_stride, filters,
pooling ("global" or "avgpool KHxKW/SHxSW"), num_classes, plus the input
size written by the caller.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
LABEL_SETS = {
    "voc": os.path.join(HERE, "labels", "voc-21.txt"),
    "cityscapes": os.path.join(HERE, "labels", "cityscapes-19.txt"),
    "none": None,
}
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


def _pair(text):
    parts = text.lower().split("x")
    if len(parts) == 1:
        return int(parts[0]), int(parts[0])
    if len(parts) == 2:
        return int(parts[0]), int(parts[1])
    raise ValueError("expected N or HxW: %r" % text)


def add_arguments(p):
    """Options of --task segmentation (ignored by the other tasks)."""
    g = p.add_argument_group("segmentation (--task segmentation)")
    g.add_argument("--output-stride", type=int, default=16, choices=(16, 32),
                   help="16: atrous last stage (torchvision); 32: none")
    g.add_argument("--filters", type=int, default=128,
                   help="channels of the LR-ASPP head branches")
    g.add_argument("--reduced-tail", action="store_true",
                   help="halve the last stage's channels")
    g.add_argument("--pool-kernel", type=_pair, default=None,
                   help="large average-pool kernel HxW instead of global")
    g.add_argument("--pool-stride", type=_pair, default=None,
                   help="its stride HxW (default kernel/4)")
    g.add_argument("--seg-labels", default="voc", choices=sorted(LABEL_SETS),
                   help="class names (voc: 21, cityscapes: 19)")
    g.add_argument("--head-output", action="store_true",
                   help="also output the logits at the head's resolution")


def _make_module(args, high_hw):
    """Build the nn.Module; high_hw: the high-level feature size."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    from torchvision.models._utils import IntermediateLayerGetter

    ctor = {"large": torchvision.models.mobilenet_v3_large,
            "small": torchvision.models.mobilenet_v3_small}[args.arch]
    backbone = ctor(weights=None, width_mult=args.width,
                    dilated=args.output_stride == 16,
                    reduced_tail=args.reduced_tail).features
    # as torchvision: C2 (stride 8) for the skip, the last block for the head
    stage = ([0] + [i for i, b in enumerate(backbone)
                    if getattr(b, "_is_cn", False)] + [len(backbone) - 1])
    low_pos, high_pos = stage[-4], stage[-1]
    low_ch = backbone[low_pos].out_channels
    high_ch = backbone[high_pos].out_channels
    body = IntermediateLayerGetter(
        backbone, return_layers={str(low_pos): "low", str(high_pos): "high"})

    if args.pool_kernel:
        kh = min(args.pool_kernel[0], high_hw[0])
        kw = min(args.pool_kernel[1], high_hw[1])
        sh, sw = args.pool_stride or (max(1, kh // 4), max(1, kw // 4))
        pool = nn.AvgPool2d((kh, kw), (sh, sw), count_include_pad=False)
        pooling = "avgpool %dx%d/%dx%d" % (kh, kw, sh, sw)
    else:
        pool = nn.AdaptiveAvgPool2d(1)
        pooling = "global"

    class Head(nn.Module):
        """torchvision's LRASPPHead (same parameter names), any pooling."""

        def __init__(self):
            super().__init__()
            f = args.filters
            self.cbr = nn.Sequential(nn.Conv2d(high_ch, f, 1, bias=False),
                                     nn.BatchNorm2d(f), nn.ReLU(inplace=True))
            self.scale = nn.Sequential(pool, nn.Conv2d(high_ch, f, 1,
                                                       bias=False),
                                       nn.Sigmoid())
            self.low_classifier = nn.Conv2d(low_ch, args.num_classes, 1)
            self.spatial_gate = pooling != "global"
            self.high_classifier = nn.Conv2d(f, args.num_classes, 1)

        def forward(self, low, high):
            x = self.cbr(high)
            s = self.scale(high)
            if self.spatial_gate:
                s = F.interpolate(s, size=x.shape[-2:], mode="bilinear",
                                  align_corners=False)
            x = x * s
            x = F.interpolate(x, size=low.shape[-2:], mode="bilinear",
                              align_corners=False)
            return self.low_classifier(low) + self.high_classifier(x)

    head_out = args.head_output

    class LRASPP(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = body
            self.classifier = Head()

        def forward(self, x):
            f = self.backbone(x)
            head = self.classifier(f["low"], f["high"])
            out = F.interpolate(head, size=x.shape[-2:], mode="bilinear",
                                align_corners=False)
            return (out, head) if head_out else out

    return LRASPP(), pooling, torch


def build(args):
    """Builder for export_torchvision.TASKS: (module, metadata, outputs)."""
    size = args.size if args.size else (224, 224)
    h = args.height or size[0]
    w = args.width_px or size[1]
    labels = None
    path = LABEL_SETS[args.seg_labels]
    if args.labels:
        path = args.labels
    if path:
        with open(path, encoding="utf-8") as f:
            labels = [l.rstrip("\n") for l in f if l.strip()]
    # export_torchvision's --num-classes defaults to 1000 (ImageNet): for
    # segmentation that default means "as many as the labels"
    if args.num_classes == 1000 and labels:
        args.num_classes = len(labels)
    if labels and len(labels) != args.num_classes:
        if args.labels or args.seg_labels != "voc":
            raise SystemExit("%d labels for %d classes"
                             % (len(labels), args.num_classes))
        labels = None           # a custom class count without names
    if args.num_classes < 1:
        raise SystemExit("--num-classes must be >= 1")
    if args.filters < 1:
        raise SystemExit("--filters must be >= 1")

    # the high-level features: stride 16 (atrous) or 32, TF-like ceil sizes
    os_ = args.output_stride

    def down(n, k):
        for _ in range(k):
            n = (n + 1) // 2
        return n
    high_hw = (down(h, 5 if os_ == 32 else 4), down(w, 5 if os_ == 32 else 4))
    model, pooling, torch = _make_module(args, high_hw)

    if args.pretrained:
        if (args.arch != "large" or os_ != 16 or args.filters != 128
                or args.pool_kernel or args.num_classes != 21
                or args.width != 1.0 or args.reduced_tail):
            raise SystemExit("--pretrained exists for torchvision's "
                             "configuration only (large, OS16, 128 filters, "
                             "global pooling, 21 VOC classes)")
        import torchvision
        tv = torchvision.models.segmentation.lraspp_mobilenet_v3_large(
            weights="COCO_WITH_VOC_LABELS_V1")
        model.load_state_dict(tv.state_dict())
    name = "lraspp_mobilenet_v3_" + args.arch
    meta = {"task": "segmentation", "model": name,
            "mean": ",".join("%g" % v for v in IMAGENET_MEAN),
            "std": ",".join("%g" % v for v in IMAGENET_STD),
            "width_mult": "%g" % args.width,
            "output_stride": str(os_), "filters": str(args.filters),
            "pooling": pooling, "num_classes": str(args.num_classes)}
    if labels:
        meta["labels"] = "\n".join(labels)
    outs = ["out", "head"] if args.head_output else ["out"]
    return model, meta, outs


def _exporter():
    """models/export_torchvision.py as a module (randomize, load_weights)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "mnv3_export_torchvision", os.path.join(HERE, "export_torchvision.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def export(args, ex=None):
    """Called by export_torchvision.main for --task segmentation.

    --save-io PREFIX writes PREFIX.input.bin (NCHW float32, random) and
    PREFIX.out0.bin (+ PREFIX.out1.bin with --head-output): torch's outputs
    for it, NCHW float32.  Returns 0."""
    import numpy as np
    import onnx
    import torch

    ex = ex or _exporter()
    h, w = ex.input_size(args)
    model, meta, out_names = build(args)
    if args.weights:
        ex.load_weights(model, args.weights)
    elif args.seed is not None:
        torch.manual_seed(args.seed)
        ex.randomize(model, args.seed, h, w)
    model.eval()
    meta["input_size"] = "%dx%d" % (h, w)

    g = torch.Generator().manual_seed(12345 + (args.seed or 0))
    x = torch.randn(1, 3, h, w, generator=g)
    with torch.no_grad():
        ref = model(x)
    refs = list(ref) if isinstance(ref, tuple) else [ref]
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
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
    if not args.quiet:
        r = refs[0].numpy()
        print("%s: %s OS%s, %s filters, %s pooling, %d classes, %dx%d, "
              "opset %d, max |logit| %.3f"
              % (args.output, meta["model"], meta["output_stride"],
                 meta["filters"], meta["pooling"], args.num_classes, h, w,
                 args.opset, float(np.abs(r).max())))
    if args.save_io:
        x.numpy().astype("<f4").tofile(args.save_io + ".input.bin")
        for i, r in enumerate(refs):
            r.numpy().astype("<f4").tofile(args.save_io + ".out%d.bin" % i)
    return 0
