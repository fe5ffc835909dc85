#!/usr/bin/env python3
"""Run a .tflite model with TFLite/LiteRT's own interpreter (the reference
for mnv3's integer engine) on a raw input tensor.

  tflite_run.py MODEL --input IN.bin --output OUT.bin
                [--resolver builtin|ref|xnnpack] [--dump-dir DIR]

IN.bin holds input 0 in its own element type (NHWC).  Output i is written
raw in its own type to OUT.bin (i = 0) or OUT.i.bin.  --resolver picks the
kernels: `builtin` = TFLite's built-in kernels without the default XNNPACK
delegate (BUILTIN_WITHOUT_DEFAULT_DELEGATES; the integer semantics mnv3
matches), `ref` = the reference kernels (BUILTIN_REF), `xnnpack` = what
users get by default (AUTO).  --dump-dir writes every tensor the
interpreter kept (experimental_preserve_all_tensors) as DIR/<index>.bin
with DIR/index.txt: name, type, scale, zero point, shape, file.
Needs the venv of tests/reference/setup.sh.
"""
import argparse
import os
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

RESOLVERS = {
    "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    "ref": OpResolverType.BUILTIN_REF,
    "xnnpack": OpResolverType.AUTO,
}


def out_path(base, i):
    if i == 0:
        return base
    root, ext = os.path.splitext(base)
    return "%s.%d%s" % (root, i, ext)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--resolver", choices=sorted(RESOLVERS), default="builtin")
    ap.add_argument("--dump-dir")
    a = ap.parse_args()
    it = Interpreter(model_path=a.model, num_threads=1,
                     experimental_op_resolver_type=RESOLVERS[a.resolver],
                     experimental_preserve_all_tensors=bool(a.dump_dir))
    it.allocate_tensors()
    d = it.get_input_details()[0]
    x = np.fromfile(a.input, dtype=d["dtype"])
    if x.size != int(np.prod(d["shape"])):
        sys.exit("%s: %d elements, input %s needs %d" % (
            a.input, x.size, list(d["shape"]), int(np.prod(d["shape"]))))
    it.set_tensor(d["index"], x.reshape(d["shape"]))
    it.invoke()
    for i, o in enumerate(it.get_output_details()):
        y = it.get_tensor(o["index"])
        y.tofile(out_path(a.output, i))
        print("output %d %s %s %s" % (i, o["name"], list(y.shape),
                                      y.dtype.name))
    if a.dump_dir:
        os.makedirs(a.dump_dir, exist_ok=True)
        with open(os.path.join(a.dump_dir, "index.txt"), "w") as idx:
            for t in it.get_tensor_details():
                try:
                    v = it.get_tensor(t["index"])
                except ValueError:
                    continue
                if v is None or v.dtype == object:
                    continue
                f = "r%04d.bin" % t["index"]
                v.tofile(os.path.join(a.dump_dir, f))
                sc, zp = t["quantization"]
                idx.write("%s\t%s\t%.9g\t%d\t%s\t%s\n" % (
                    t["name"], v.dtype.name, sc, zp,
                    ",".join(str(s) for s in v.shape), f))


if __name__ == "__main__":
    main()
