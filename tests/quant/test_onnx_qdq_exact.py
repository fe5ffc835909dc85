#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ONNX QDQ models in mnv3's integer engine against ONNX Runtime.

Seeded torchvision MobileNetV3-Small and -Large (models/export_torchvision.py,
Debian's python3 with torch; nothing downloaded) are quantized at test time
by ONNX Runtime's own quantize_static (QDQ format, int8 per-channel
symmetric weights, uint8 (U8S8) or int8 (S8S8) activations, MinMax
calibration on seeded random inputs), with the pinned onnxruntime of
tests/reference/venv.  Each file is run on the same seeded input by ONNX
Runtime's CPU provider (default options, one thread: its QDQ fusions
QLinearConv, QLinearAdd, QLinearMul, QLinearGlobalAveragePool, QGemm) and
by mnv3-run (precision integer).  The output is the DequantizeLinear of the
last Gemm's QuantizeLinear, so equal floats are equal bytes; differences
are counted in elements and in quantization steps (LSB).

Asserted:
  - DQ -> HardSwish / HardSigmoid / Relu -> Q (uint8 and int8) as mnv3's
    256-entry tables: identical to ONNX Runtime on every input value;
  - mnv3 runs the file in integer (precision "integer");
  - U8S8: on a CPU without VNNI, ONNX Runtime's x86 kernels add the
    products of adjacent activation/weight pairs into a saturated int16
    (vpmaddubsw), so its results are not the exact sums.  mnv3 with
    MNV3_ORT_U8S8_SATURATION=1 reproduces that and must give identical
    bytes (1 and 2 threads).  On a VNNI CPU (vpdpbusd, no saturation)
    ONNX Runtime's sums are exact, and so must mnv3's bytes be, without
    the emulation (1 and 2 threads; measured on an AVX512-VNNI AMD EPYC:
    0 of 1000 differ on every input).
  - U8S8 agrees with ONNX Runtime on the top-1 class.
  - S8S8: within S8S8_MAX_LSB steps of ONNX Runtime.  ONNX Runtime 1.32
    leaves about half of the convolutions of these files unfused, as
    DequantizeLinear -> float Conv -> QuantizeLinear (24 Conv and the Add/
    Mul of V3-Small stay float, 28 become QLinearConv; seen in its
    optimized graph), whose float sums round differently from the exact
    integer sums: measured up to 24 LSB (AVX2 EPYC) and 11 LSB (AVX512-VNNI
    EPYC).  The top-1 class is reported, not asserted: on these seeded
    random networks the logits are flat and a few LSB flip it (one input of
    V3-Large on the VNNI machine).
Reported: mnv3's exact integer result against ONNX Runtime, and the
quantized models' logit SNR / top-1 against the float export.

  test_onnx_qdq_exact.py --mnv3-run BIN --ref-python PY --torch-python PY
                         --root SRCDIR --workdir DIR
"""
import argparse
import hashlib
import os
import subprocess
import sys

# name, arch, seed (models/export_torchvision.py), input size 224, opset 13
MODELS = [("v3-small", "small", 3), ("v3-large", "large", 1)]
ACTS = ["u8", "s8"]
INPUTS = 3                      # seeded random inputs per model
S8S8_MAX_LSB = 32               # S8S8 vs ONNX Runtime (docstring: why not 0)

ORT_HELPER = r'''
import sys, numpy as np, onnx, onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process
mode = sys.argv[1]
if mode == "tables":
    # DQ -> activation -> Q on all 256 inputs, both types: ONNX Runtime
    # against mnv3-run (precision integer: one table).
    import subprocess
    from onnx import helper as h, TensorProto as T
    workdir, mnv3_run = sys.argv[2:4]
    bad = 0
    for dt in ("u8", "s8"):
        for op, attrs in [("HardSwish", {}), ("Relu", {}),
                          ("HardSigmoid", {"alpha": 0.2, "beta": 0.5}),
                          ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5})]:
            zt, z = (T.UINT8, 3) if dt == "u8" else (T.INT8, -5)
            inits = [h.make_tensor("s_in", T.FLOAT, [], [0.047]),
                     h.make_tensor("z_in", zt, [], [z]),
                     h.make_tensor("s_out", T.FLOAT, [], [0.031]),
                     h.make_tensor("z_out", zt, [], [z + 7])]
            nodes = [
                h.make_node("QuantizeLinear", ["x", "s_in", "z_in"], ["xq"]),
                h.make_node("DequantizeLinear", ["xq", "s_in", "z_in"],
                            ["xd"]),
                h.make_node(op, ["xd"], ["y"], **attrs),
                h.make_node("QuantizeLinear", ["y", "s_out", "z_out"], ["yq"]),
                h.make_node("DequantizeLinear", ["yq", "s_out", "z_out"],
                            ["out"])]
            shape = [1, 1, 16, 16]
            g = h.make_graph(nodes, "t", [h.make_tensor_value_info(
                "x", T.FLOAT, shape)], [h.make_tensor_value_info(
                    "out", T.FLOAT, shape)], inits)
            m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
            m.ir_version = 8
            path = workdir + "/table.onnx"
            onnx.save(m, path)
            q = np.arange(256) - (0 if dt == "u8" else 128)
            x = ((q - z) * np.float32(0.047)).astype(np.float32).reshape(
                shape)
            x.tofile(workdir + "/table-in.bin")
            ref = ort.InferenceSession(path, providers=[
                "CPUExecutionProvider"]).run(None, {"x": x})[0].reshape(-1)
            text = subprocess.run(
                [mnv3_run, path, "--input", workdir + "/table-in.bin",
                 "--output", workdir + "/table-out.bin", "--layout", "nchw"],
                stdout=subprocess.PIPE, universal_newlines=True,
                check=True).stdout
            got = np.fromfile(workdir + "/table-out.bin", "<f4")
            n = int((got != ref).sum())
            integer = "precision integer" in text
            print("table %s %s %s: %s, %d of 256 differ" % (
                dt, op, attrs, "integer" if integer else "NOT INTEGER", n))
            bad += n > 0 or not integer
    sys.exit(1 if bad else 0)
elif mode == "quantize":
    src, pre, dst, act = sys.argv[2:6]
    class Reader(CalibrationDataReader):
        def __init__(self):
            rng = np.random.RandomState(1)
            self.it = iter([{"input": rng.randn(1, 3, 224, 224).astype(
                np.float32)} for _ in range(8)])
        def get_next(self):
            return next(self.it, None)
    quant_pre_process(src, pre, skip_symbolic_shape=True)
    quantize_static(pre, dst, Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8 if act == "u8"
                    else QuantType.QInt8,
                    weight_type=QuantType.QInt8, per_channel=True)
else:
    model, inp, out = sys.argv[2:5]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    x = np.fromfile(inp, "<f4").reshape(1, 3, 224, 224)
    y = s.run(None, {s.get_inputs()[0].name: x})[0]
    y.astype("<f4").tofile(out)
    # the step of the output's quantization: the last DequantizeLinear
    m = onnx.load(model)
    init = {i.name: i for i in m.graph.initializer}
    dq = [n for n in m.graph.node if n.output[0] == m.graph.output[0].name]
    sc = onnx.numpy_helper.to_array(init[dq[0].input[1]]) if dq else 0
    print(float(sc))
'''


def run(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env)
    if r.returncode:
        raise SystemExit("FAILED: %s\n%s%s" % (" ".join(cmd), r.stdout,
                                                r.stderr))
    return r.stdout


def has_vnni():
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return " avx512_vnni" in flags or " avx_vnni" in flags


def make_models(a):
    """Float exports (torch) and their QDQ copies (ONNX Runtime), cached in
    the work directory while this script and the exporter are unchanged."""
    exporter = os.path.join(a.root, "models", "export_torchvision.py")
    h = hashlib.sha256()
    for p in (__file__, exporter):
        h.update(open(p, "rb").read())
    h.update(run([a.ref_python, "-c", "import onnxruntime; "
                  "print(onnxruntime.__version__)"]).encode())
    stamp = os.path.join(a.workdir, "stamp")
    os.makedirs(a.workdir, exist_ok=True)
    if os.path.exists(stamp) and open(stamp).read() == h.hexdigest():
        return
    helper = os.path.join(a.workdir, "ort_helper.py")
    with open(helper, "w") as f:
        f.write(ORT_HELPER)
    for name, arch, seed in MODELS:
        base = os.path.join(a.workdir, name)
        run([a.torch_python, exporter, "--arch", arch, "--seed", str(seed),
             "--size", "224", "--opset", "13", "-o", base + ".onnx",
             "--quiet"])
        for act in ACTS:
            run([a.ref_python, helper, "quantize", base + ".onnx",
                 base + "-pre.onnx", "%s-%s.onnx" % (base, act), act])
    with open(stamp, "w") as f:
        f.write(h.hexdigest())


def mnv3(a, model, inp, out, threads, saturate=False, precision="auto"):
    import numpy as np
    env = dict(os.environ)
    env.pop("MNV3_ORT_U8S8_SATURATION", None)
    if saturate:
        env["MNV3_ORT_U8S8_SATURATION"] = "1"
    text = run([a.mnv3_run, model, "--input", inp, "--output", out,
                "--layout", "nchw", "--threads", str(threads),
                "--precision", precision], env=env)
    prec = [l.split()[1] for l in text.splitlines()
            if l.startswith("precision")]
    return (prec[0] if prec else "?"), np.fromfile(out, "<f4")


def compare(got, ref, step):
    import numpy as np
    d = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    lsb = int(round(d.max() / step)) if step > 0 else -1
    return int((d > 0).sum()), lsb


def snr(ref, x):
    import numpy as np
    ref = ref.astype(np.float64)
    return 10 * np.log10((ref ** 2).sum() / max(((ref - x) ** 2).sum(),
                                                 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnv3-run", required=True)
    ap.add_argument("--ref-python", required=True)
    ap.add_argument("--torch-python", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    if not os.path.exists(a.ref_python):
        print("SKIP: reference interpreter missing: run tests/reference/setup.sh")
        return 77
    try:
        import numpy as np
        run([a.ref_python, "-c", "import onnxruntime.quantization"])
        run([a.torch_python, "-c", "import torch, torchvision, onnx"])
    except (SystemExit, ImportError) as e:
        print("SKIP: %s" % e)
        return 77
    make_models(a)
    helper = os.path.join(a.workdir, "ort_helper.py")
    vnni = has_vnni()
    print("CPU %s VNNI: U8S8 bytes asserted %s" % (
        "with" if vnni else "without",
        "exact" if vnni else
        "with MNV3_ORT_U8S8_SATURATION=1"))
    failures = 0
    r = subprocess.run([a.ref_python, helper, "tables", a.workdir,
                        a.mnv3_run], stdout=subprocess.PIPE,
                       universal_newlines=True)
    print(r.stdout, end="")
    failures += r.returncode != 0
    for name, _, _ in MODELS:
        base = os.path.join(a.workdir, name)
        for act in ACTS:
            model = "%s-%s.onnx" % (base, act)
            label = "%s %s" % (name, "U8S8" if act == "u8" else "S8S8")
            top_q, top_f, snrs = 0, 0, []
            for k in range(INPUTS):
                inp = os.path.join(a.workdir, "in%d.bin" % k)
                np.random.RandomState(100 + k).randn(1, 3, 224, 224).astype(
                    "<f4").tofile(inp)
                ref_out = os.path.join(a.workdir, "ort.bin")
                step = float(run([a.ref_python, helper, "run", model, inp,
                                  ref_out]).split()[-1])
                ref = np.fromfile(ref_out, "<f4")
                out = os.path.join(a.workdir, "mnv3.bin")
                prec, exact = mnv3(a, model, inp, out, 1)
                n, lsb = compare(exact, ref, step)
                print("%s input %d: mnv3 exact integer vs ONNX Runtime: "
                      "%d of %d differ, max %d LSB" % (label, k, n, ref.size,
                                                       lsb))
                if prec != "integer":
                    print("FAIL: %s runs in %s" % (label, prec))
                    failures += 1
                if exact.argmax() != ref.argmax():
                    print("%s: %s top-1 %d, ONNX Runtime %d" % (
                        "FAIL" if act == "u8" else "reported", label,
                        exact.argmax(), ref.argmax()))
                    failures += act == "u8"
                if act != "u8" and lsb > S8S8_MAX_LSB:
                    print("FAIL: %s %d LSB from ONNX Runtime (bound %d)" % (
                        label, lsb, S8S8_MAX_LSB))
                    failures += 1
                if act == "u8":
                    # the exact sums on VNNI; ONNX Runtime's saturated
                    # int16 pairs reproduced without it
                    for threads in (1, 2):
                        _, sat = mnv3(a, model, inp, out, threads, not vnni)
                        n, lsb = compare(sat, ref, step)
                        ok = n == 0
                        print("%s input %d: %s, %d thread(s): %s" % (
                            label, k, "exact" if vnni else
                            "MNV3_ORT_U8S8_SATURATION=1", threads,
                            "identical" if ok else
                            "%d DIFFER, max %d LSB" % (n, lsb)))
                        failures += not ok
                # against the float original (mnv3 float run of the export)
                _, flt = mnv3(a, base + ".onnx", inp, out, 1)
                snrs.append(snr(flt, exact))
                top_q += exact.argmax() == flt.argmax()
                top_f += 1
            print("%s vs float export: top-1 agreement %d/%d, logit SNR "
                  "%.1f dB (mean)" % (label, top_q, top_f,
                                      sum(snrs) / len(snrs)))
    print("FAILED: %d" % failures if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
