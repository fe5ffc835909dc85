# SPDX-License-Identifier: LGPL-2.1-or-later
"""QDQ int8 copy of a float ONNX model, the way ONNX Runtime's users make
one, for bench/compare's int8 ONNX rows.

    bench/.venv/bin/python bench/quantize-qdq.py IN.onnx OUT.onnx

onnxruntime.quantization (PyPI onnxruntime, in bench/.venv): the
recommended pre-processing (shape inference and graph optimisation), then
quantize_static in QDQ format, uint8 activations, int8 per-channel
weights, calibrated (MinMax) on 8 seeded random inputs in [-2, 2].  The
weights come from a seeded export and the calibration from random data,
so the accuracy means nothing; the graph, and so the work per inference,
is what a user's calibrated file has.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process


class RandomReader(CalibrationDataReader):
    def __init__(self, model, n=8):
        m = onnx.load(model, load_external_data=False)
        inits = {i.name for i in m.graph.initializer}
        inp = next(i for i in m.graph.input if i.name not in inits)
        shape = [d.dim_value or 1 for d in inp.type.tensor_type.shape.dim]
        rng = np.random.RandomState(1)
        self.data = iter([{inp.name: rng.uniform(-2, 2, shape).astype(
            np.float32)} for _ in range(n)])

    def get_next(self):
        return next(self.data, None)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: quantize-qdq.py IN.onnx OUT.onnx")
    src, dst = sys.argv[1:]
    with tempfile.TemporaryDirectory() as d:
        pre = os.path.join(d, "pre.onnx")
        try:
            # Static shapes: ONNX shape inference is enough (symbolic
            # inference would need sympy).
            quant_pre_process(src, pre, skip_symbolic_shape=True)
        except Exception as e:  # pre-processing is advice, not required
            print(f"quantize-qdq: pre-processing skipped ({e})",
                  file=sys.stderr)
            pre = src
        quantize_static(pre, dst, RandomReader(pre),
                        quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=True)


if __name__ == "__main__":
    main()
