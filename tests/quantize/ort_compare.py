# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run a float ONNX model and its QDQ copy in ONNX Runtime on the same
inputs and compare their first outputs.

    ort_compare.py FLOAT.onnx QDQ.onnx INPUTS.npy

INPUTS.npy: float32 [N, C, H, W], one model input per row.  Prints one JSON
line: n, top1 (fraction of rows whose arg-max agrees), snr_db (10 log10 of
sum f^2 / sum (f - q)^2 over all outputs), snr_min_db (worst row) for the
QDQ file as ONNX Runtime runs it by default (its graph optimisations turn
the QDQ groups into its int8 kernels), and top1_qdq, snr_qdq_db for the
file's own arithmetic (optimisations off: every QuantizeLinear and
DequantizeLinear executed as the ONNX operator says, the rest in float).
With a .tflite file (a uint8 classifier taking [-1, 1] inputs) as QDQ, it
prints only the top-1 agreement of TFLite's built-in kernels with the float
model.  Runs in tests/reference/venv (pinned onnxruntime, numpy,
ai-edge-litert).
"""
import json
import sys

import numpy as np
import onnxruntime as ort


def run(path, x, optimize=True):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    if not optimize:
        so.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return np.concatenate([s.run(None, {name: x[i:i + 1]})[0]
                           for i in range(len(x))]).reshape(len(x), -1)


def tflite_top1(fpath, tpath, x):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(tpath)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    s, zp = i["quantization"]
    f = run(fpath, x)
    agree = 0
    for k in range(len(x)):
        q = np.clip(np.round(x[k].transpose(1, 2, 0) / s + zp), 0, 255)
        it.set_tensor(i["index"], q.astype(np.uint8)[None])
        it.invoke()
        agree += it.get_tensor(o["index"])[0].argmax() == f[k].argmax()
    return agree / len(x)


def main():
    fpath, qpath, ipath = sys.argv[1:4]
    x = np.load(ipath).astype(np.float32)
    if qpath.endswith(".tflite"):
        print(tflite_top1(fpath, qpath, x))
        return
    f = run(fpath, x).astype(np.float64)
    q = run(qpath, x).astype(np.float64)
    r = run(qpath, x, optimize=False).astype(np.float64)
    sig = (f ** 2).sum(axis=1)

    def snr(q):
        err = ((f - q) ** 2).sum(axis=1)
        rows = 10 * np.log10(sig / np.maximum(err, 1e-30))
        return (round(float(10 * np.log10(sig.sum() / max(err.sum(), 1e-30))),
                      2), round(float(rows.min()), 2))
    print(json.dumps({
        "n": int(len(x)),
        "top1": float((f.argmax(1) == q.argmax(1)).mean()),
        "snr_db": snr(q)[0],
        "snr_min_db": snr(q)[1],
        "top1_qdq": float((f.argmax(1) == r.argmax(1)).mean()),
        "snr_qdq_db": snr(r)[0],
    }))


if __name__ == "__main__":
    main()
