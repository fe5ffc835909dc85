#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SSDLite + MobileNetV3 detection export for mnv3 (--task detection).

Used through models/export_torchvision.py:

    export_torchvision.py --task detection --arch large --seed 1 -o ssd.onnx
    export_torchvision.py --task detection --arch small --seed 2 -o ssds.onnx
    export_torchvision.py --task detection --arch large --pretrained -o coco.onnx

--arch large is torchvision 0.14's ssdlite320_mobilenet_v3_large
(weights_backbone=None, so the reduced tail, as its COCO weights use);
--arch small builds the same network from the same torchvision pieces
(_mobilenet_extractor: C4 = expansion layer of the last stride-16 block, C5 =
the layer before pooling, four extra blocks, SSDLite heads, DefaultBoxGenerator
with aspect ratios [2,3] on six maps, min_ratio 0.2, max_ratio 0.95).
--pretrained loads the COCO weights (large only; downloads).

Only the tensor part is exported (backbone, extra blocks, heads), with two
outputs, in torchvision's own order of anchors:
  cls_logits       [1, A, num_classes]   (class 0 = background)
  bbox_regression  [1, A, 4]             (dx, dy, dw, dh, box-coder encoded)
The heads end with torchvision's view(N,-1,K,H,W).permute(0,3,4,1,2)
.reshape(N,-1,K) and a Concat on axis 1; core/onnx recognises that pattern
(in NHWC it is a plain flatten of [1,H,W,A*K] into [1,H*W*A,K]).
Anchor generation, decoding, softmax and NMS run in C (models/detect.c),
from these metadata_props:
  task                   "detection"
  model                  "ssdlite320_mobilenet_v3_large" / "..._small"
  labels                 COCO-91 with background and "N/A" gaps
  mean, std              "127.5,127.5,127.5" (torchvision: 0.5, 0.5 of 0..1)
  input_size             "320x320" (HxW)
  anchor_aspect_ratios   "2,3;2,3;2,3;2,3;2,3;2,3" (one group per map)
  anchor_min_ratio       "0.2"
  anchor_max_ratio       "0.95"
  anchor_clip            "1"
  feature_map_sizes      "20x20;10x10;5x5;3x3;2x2;1x1" (HxW, at input_size)
  box_coder_weights      "10,10,5,5"
  score_thresh, nms_thresh, detections_per_img, topk_candidates
                         torchvision's post-processing defaults, for reference
"""

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
COCO_LABELS = os.path.join(HERE, "labels", "coco-91.txt")
ASPECT_RATIOS = [[2, 3] for _ in range(6)]
MIN_RATIO, MAX_RATIO = 0.2, 0.95
BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)
MEAN = STD = (127.5, 127.5, 127.5)
POST = {"score_thresh": 0.001, "nms_thresh": 0.55, "detections_per_img": 300,
        "topk_candidates": 300}


def _exporter():
    spec = importlib.util.spec_from_file_location(
        "mnv3_export_tv", os.path.join(HERE, "export_torchvision.py"))
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    return ex


def build_ssd(arch, num_classes, pretrained=False):
    """torchvision SSD (eval mode) with a MobileNetV3 backbone."""
    from functools import partial

    import torch.nn as nn
    import torchvision
    from torchvision.models.detection import _utils as det_utils
    from torchvision.models.detection import ssdlite
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    from torchvision.models.detection.ssd import SSD

    if arch == "large":
        weights = "COCO_V1" if pretrained else None
        if pretrained and num_classes != 91:
            raise SystemExit("--pretrained exists for 91 classes")
        return ssdlite.ssdlite320_mobilenet_v3_large(
            weights=weights, weights_backbone=None,
            num_classes=None if pretrained else num_classes).eval()
    if pretrained:
        raise SystemExit("no pretrained SSDLite with MobileNetV3-Small")
    # the same recipe as ssdlite320_mobilenet_v3_large, with V3-Small
    norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
    backbone = torchvision.models.mobilenet_v3_small(
        weights=None, norm_layer=norm_layer, reduced_tail=True)
    ssdlite._normal_init(backbone)
    backbone = ssdlite._mobilenet_extractor(backbone, 6, norm_layer)
    size = (320, 320)
    anchors = DefaultBoxGenerator(ASPECT_RATIOS, min_ratio=MIN_RATIO,
                                  max_ratio=MAX_RATIO)
    out_channels = det_utils.retrieve_out_channels(backbone, size)
    head = ssdlite.SSDLiteHead(out_channels,
                               anchors.num_anchors_per_location(),
                               num_classes, norm_layer)
    return SSD(backbone, anchors, size, num_classes, head=head,
               image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5],
               **POST).eval()


def tensor_part(ssd):
    """The exported module: image tensor -> (cls_logits, bbox_regression)."""
    import torch.nn as nn

    class SSDTensors(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.backbone = m.backbone
            self.head = m.head

        def forward(self, x):
            feats = list(self.backbone(x).values())
            out = self.head(feats)
            return out["cls_logits"], out["bbox_regression"]

    return SSDTensors(ssd).eval()


def feature_sizes(net, h, w):
    import torch

    with torch.no_grad():
        feats = net.backbone(torch.zeros(1, 3, h, w))
    return [tuple(f.shape[-2:]) for f in feats.values()]


def calibrate(net, seed, h, w):
    """BN statistics again from 2 x 16 random images: randomize() uses 2 x 4,
    too few samples for the 1x1 and 2x2 maps of the extra blocks, whose
    near-zero variances would amplify rounding noise."""
    import torch
    import torch.nn as nn

    g = torch.Generator().manual_seed(seed + 1000)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.randn(16, 3, h, w, generator=g))
    net.eval()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.03


def read_labels(path, count):
    with open(path, encoding="utf-8") as f:
        labels = [l.rstrip("\n") for l in f if l.strip()]
    if len(labels) != count:
        raise SystemExit("%s has %d labels for %d classes"
                         % (path, len(labels), count))
    return labels


def build(args, ex=None):
    """(ssd, tensor module, metadata, (h, w)) for the parsed arguments."""
    import torch

    ex = ex or _exporter()
    h, w = args.size if args.size else (320, 320)
    if args.height:
        h = args.height
    if args.width_px:
        w = args.width_px
    if h < 32 or w < 32:
        raise SystemExit("input size %dx%d too small" % (h, w))
    # --num-classes defaults to 1000 for classification: 91 here
    num_classes = 91 if args.num_classes == 1000 else args.num_classes
    if args.width != 1.0:
        raise SystemExit("detection export is for width 1.0")
    if args.seed is not None:
        torch.manual_seed(args.seed)
    ssd = build_ssd(args.arch, num_classes, args.pretrained)
    net = tensor_part(ssd)
    if args.weights:
        ex.load_weights(ssd, args.weights)
    elif args.seed is not None:
        ex.randomize(net, args.seed, h, w)
        calibrate(net, args.seed, h, w)
    net.eval()
    ssd.eval()
    labels_path = args.labels or (COCO_LABELS if num_classes == 91 else None)
    name = ("ssdlite320_mobilenet_v3_large" if args.arch == "large"
            else "ssdlite320_mobilenet_v3_small")
    sizes = feature_sizes(net, h, w)
    meta = {"task": "detection", "model": name,
            "mean": ",".join("%g" % v for v in MEAN),
            "std": ",".join("%g" % v for v in STD),
            "input_size": "%dx%d" % (h, w),
            "anchor_aspect_ratios": ";".join(
                ",".join("%g" % a for a in r) for r in ASPECT_RATIOS),
            "anchor_min_ratio": "%g" % MIN_RATIO,
            "anchor_max_ratio": "%g" % MAX_RATIO,
            "anchor_clip": "1",
            "feature_map_sizes": ";".join("%dx%d" % s for s in sizes),
            "box_coder_weights": ",".join("%g" % v for v in BOX_WEIGHTS),
            "num_classes": "%d" % num_classes}
    meta.update({k: "%g" % v for k, v in POST.items()})
    if labels_path:
        meta["labels"] = "\n".join(read_labels(labels_path, num_classes))
    return ssd, net, meta, (h, w)


def export(args, ex=None):
    """Write args.output; --save-io PREFIX also writes PREFIX.input.bin,
    PREFIX.cls_logits.bin and PREFIX.bbox_regression.bin (torch's outputs,
    computed in float64)."""
    import numpy as np
    import onnx
    import torch

    ssd, net, meta, (h, w) = build(args, ex)
    g = torch.Generator().manual_seed(12345 + (args.seed or 0))
    x = torch.randn(1, 3, h, w, generator=g)
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.output + ".tmp"
    torch.onnx.export(net, x, tmp, opset_version=args.opset,
                      input_names=["input"],
                      output_names=["cls_logits", "bbox_regression"],
                      do_constant_folding=True)
    m = onnx.load(tmp)
    del m.metadata_props[:]
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, args.output)
    # the reference in float64, so that it holds torch's rounding noise of
    # this deep net no more than mnv3's (compared at 1e-4 of max |ref|)
    with torch.no_grad():
        cls, reg = (t.float() for t in net.double()(x.double()))
    net.float()
    if not args.quiet:
        print("%s: %s, %dx%d, opset %d, %d anchors, max |logit| %.3f, "
              "max |reg| %.3f" % (args.output, meta["model"], h, w,
                                  args.opset, cls.shape[1],
                                  float(cls.abs().max()),
                                  float(reg.abs().max())))
    if args.save_io:
        x.numpy().astype("<f4").tofile(args.save_io + ".input.bin")
        cls.numpy().astype("<f4").tofile(args.save_io + ".cls_logits.bin")
        reg.numpy().astype("<f4").tofile(args.save_io + ".bbox_regression.bin")
    if args.check:
        print("--check: use tests/detect (mnv3-run prints every output)")
    return 0
