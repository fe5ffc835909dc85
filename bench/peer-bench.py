# SPDX-License-Identifier: LGPL-2.1-or-later
"""Latency of one model on one peer engine, for bench/compare.

    PYTHON peer-bench.py ENGINE MODEL --threads N --runs N --warmup N
                         --input X.npy [--input-q Q.npy] [--save OUT.npy]
                         [--out-quant SCALE,ZERO] [--workdir DIR]
    PYTHON peer-bench.py info MODEL.tflite

ENGINE is one of
  openvino  openvino.Core().compile_model(MODEL, "CPU") with
            PERFORMANCE_HINT=LATENCY, INFERENCE_NUM_THREADS=N and
            INFERENCE_PRECISION_HINT=f32 (on a CPU with AVX-512 BF16 the
            default would be bf16: this is a float32 comparison); reads
            ONNX and TFLite; times InferRequest.infer()
  litert    ai_edge_litert.interpreter.Interpreter(MODEL, num_threads=N),
            its default XNNPACK delegate; times invoke()
  ncnn      the ONNX converted once by pnnx (the converter ncnn's own
            documentation points to, from PyPI "pnnx"; fp16=0: float32
            weights) into WORKDIR, then ncnn.Net with opt.num_threads=N
            and fp16 storage/arithmetic off (its x86 default with F16C is
            on); times create_extractor + input + extract (per inference,
            as ncnn's examples do)
With --defaults, OpenVINO and ncnn keep their default precision (bf16 /
fp16 where the CPU has it).
  opencv    cv2.dnn.readNetFromONNX, cv2.setNumThreads(N), default backend
            and target; times setInput + forward.  OpenCV 4.6 refuses the
            Identity nodes torch's exporter puts over shared constants:
            it gets a copy with each replaced by its own constant
Each engine is imported only when asked for: the venv of bench/setup has
the first three, Debian's python3-opencv the last.

X.npy is the float32 input in the model's own layout (NCHW for ONNX, NHWC
for TFLite); Q.npy the same values quantized, given to engines whose
input tensor is integer.  --save writes output 0 (dequantized with
--out-quant when the engine returns integers for a quantized tensor;
integer label maps are kept as integers).  Prints one JSON line: version,
median_ms, min_ms, max_ms, mean_ms.  `info` prints a TFLite file's input
and output details (shape, dtype, quantization) as JSON.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def timed(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(t), "min_ms": min(t),
            "max_ms": max(t), "mean_ms": statistics.fmean(t)}


def pick_input(a, dtype):
    """The float input, or the quantized one when the engine wants ints."""
    if np.issubdtype(dtype, np.integer):
        if not a.input_q:
            raise RuntimeError(f"integer input {np.dtype(dtype).name} but no "
                               "quantized input given")
        return np.load(a.input_q).astype(dtype)
    return np.load(a.input).astype(np.float32)


def save_output(a, y):
    if not a.save:
        return
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.integer) and a.out_quant:
        scale, zero = (float(v) for v in a.out_quant.split(","))
        y = (y.astype(np.float32) - zero) * scale
    np.save(a.save, y)


def run_openvino(a):
    import openvino as ov
    core = ov.Core()
    cfg = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": a.threads}
    if not a.defaults:
        cfg["INFERENCE_PRECISION_HINT"] = "f32"
    compiled = core.compile_model(a.model, "CPU", cfg)
    req = compiled.create_infer_request()
    port = compiled.inputs[0]
    x = pick_input(a, port.get_element_type().to_dtype())
    req.set_input_tensor(0, ov.Tensor(np.ascontiguousarray(x)))
    req.infer()
    save_output(a, req.get_output_tensor(0).data.copy())
    r = timed(req.infer, a.runs, a.warmup)
    r["version"] = ov.__version__.split("-")[0]
    return r


def run_litert(a):
    import ai_edge_litert
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=a.model, num_threads=a.threads)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    it.set_tensor(inp["index"], pick_input(a, inp["dtype"]))
    it.invoke()
    save_output(a, it.get_tensor(out["index"]))
    r = timed(it.invoke, a.runs, a.warmup)
    r["version"] = getattr(ai_edge_litert, "__version__", None) or \
        _dist_version("ai-edge-litert")
    return r


def _dist_version(name):
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def ncnn_convert(a, shape):
    """pnnx MODEL.onnx -> WORKDIR/<name>.ncnn.{param,bin}, once per model."""
    # The pnnx wheel's Python module imports torch; only its bundled
    # converter executable is needed, so find it without importing.
    import importlib.util
    spec = importlib.util.find_spec("pnnx")
    if not spec or not spec.submodule_search_locations:
        raise RuntimeError("pnnx (the ONNX -> ncnn converter) is not "
                           "installed: run bench/setup")
    exe = os.path.join(list(spec.submodule_search_locations)[0], "pnnx")
    base = os.path.join(a.workdir, "ncnn-" + os.path.splitext(
        os.path.basename(a.model))[0])
    param, binf = base + ".param", base + ".bin"
    if os.path.exists(param) and os.path.exists(binf):
        return param, binf
    os.makedirs(base + ".pnnx", exist_ok=True)
    d = base + ".pnnx"
    p = subprocess.run(
        [exe, os.path.abspath(a.model),
         "inputshape=[%s]" % ",".join(str(v) for v in shape), "fp16=0",
         "ncnnparam=" + param, "ncnnbin=" + binf,
         "pnnxparam=" + os.path.join(d, "p.param"),
         "pnnxbin=" + os.path.join(d, "p.bin"),
         "pnnxpy=" + os.path.join(d, "p.py"),
         "pnnxonnx=" + os.path.join(d, "p.onnx"),
         "ncnnpy=" + os.path.join(d, "n.py")],
        cwd=d, capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(param):
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["?"]
        raise RuntimeError(f"pnnx could not convert the model: {tail[0]}")
    return param, binf


def run_ncnn(a):
    import ncnn
    x = pick_input(a, np.float32)
    param, binf = ncnn_convert(a, x.shape)
    net = ncnn.Net()
    net.opt.num_threads = a.threads
    net.opt.use_vulkan_compute = False
    if not a.defaults:
        # On x86 with F16C ncnn's defaults store weights and activations
        # as fp16; this is a float32 comparison.
        net.opt.use_fp16_storage = False
        net.opt.use_fp16_packed = False
        net.opt.use_fp16_arithmetic = False
    if net.load_param(param) != 0 or net.load_model(binf) != 0:
        raise RuntimeError("ncnn could not load the converted model")
    # pnnx names the graph's inputs in0.. and outputs out0..
    xin = ncnn.Mat(np.ascontiguousarray(x[0]))

    def once():
        ex = net.create_extractor()
        ex.input("in0", xin)
        ret, y = ex.extract("out0")
        if ret != 0:
            raise RuntimeError(f"ncnn extract failed ({ret})")
        return y

    save_output(a, np.array(once())[None])
    r = timed(once, a.runs, a.warmup)
    r["version"] = ncnn.__version__
    return r


def opencv_compatible(a):
    """OpenCV 4.6 rejects Identity nodes over initializers (torch's export
    de-duplicates equal constants that way): a copy in WORKDIR gives each
    its own constant.  The computation is unchanged."""
    import onnx
    m = onnx.load(a.model)
    inits = {i.name: i for i in m.graph.initializer}
    keep, changed = [], False
    for n in m.graph.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            m.graph.initializer.append(t)
            changed = True
        else:
            keep.append(n)
    if not changed:
        return a.model
    del m.graph.node[:]
    m.graph.node.extend(keep)
    out = os.path.join(a.workdir, "opencv-" + os.path.basename(a.model))
    onnx.save(m, out)
    return out


def run_opencv(a):
    import cv2
    cv2.setNumThreads(a.threads)
    if a.model.endswith(".tflite"):
        if not hasattr(cv2.dnn, "readNetFromTFLite"):
            raise RuntimeError(f"OpenCV {cv2.__version__} has no TFLite "
                               "reader (cv2.dnn.readNetFromTFLite)")
        net = cv2.dnn.readNetFromTFLite(a.model)
    else:
        net = cv2.dnn.readNetFromONNX(opencv_compatible(a))
    x = pick_input(a, np.float32)

    def once():
        net.setInput(x)
        return net.forward()

    save_output(a, once())
    r = timed(once, a.runs, max(a.warmup, 1))
    r["version"] = cv2.__version__
    return r


def tflite_info(path):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path)

    def d(t):
        return {"shape": [int(v) for v in t["shape"]],
                "dtype": np.dtype(t["dtype"]).name,
                "scale": float(t["quantization"][0]),
                "zero": int(t["quantization"][1])}
    kinds = {}
    for t in it.get_tensor_details():
        kinds[np.dtype(t["dtype"]).name] = kinds.get(
            np.dtype(t["dtype"]).name, 0) + 1
    return {"inputs": [d(t) for t in it.get_input_details()],
            "outputs": [d(t) for t in it.get_output_details()],
            "tensor_dtypes": kinds}


ENGINES = {"openvino": run_openvino, "litert": run_litert,
           "ncnn": run_ncnn, "opencv": run_opencv}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "info":
        print(json.dumps(tflite_info(sys.argv[2])))
        return
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("engine", choices=sorted(ENGINES))
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--input", required=True)
    ap.add_argument("--input-q")
    ap.add_argument("--out-quant")
    ap.add_argument("--save")
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--defaults", action="store_true",
                    help="OpenVINO and ncnn at their own default precision "
                    "(bf16 / fp16 on CPUs that have it) instead of f32")
    a = ap.parse_args()
    try:
        r = ENGINES[a.engine](a)
    except Exception as e:  # one line for the table's footnote
        msg = " ".join(str(e).replace("> ", " ").split())
        if len(msg) > 300:  # the cause is often at the end (OpenCV)
            msg = msg[:140] + " ... " + msg[-160:]
        print(msg, file=sys.stderr)
        sys.exit(1)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
