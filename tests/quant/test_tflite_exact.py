#!/usr/bin/env python3
"""mnv3's integer engine against TFLite's built-in integer kernels: the same
input bytes must give identical output bytes, and identical bytes in every
intermediate tensor the two share by name.

For each quantized model and photo: the input tensor is made once (the
photo cropped/resized with PIL into the model's uint8 input), TFLite/LiteRT
(tests/reference/venv, pinned) runs it with its built-in kernels and no
delegate (BUILTIN_WITHOUT_DEFAULT_DELEGATES), and mnv3-run --raw runs it
on every ISA this machine has, with 1 and 2 threads.  Also reported (not
asserted): the difference to TFLite's plain reference kernels (BUILTIN_REF)
and to its default XNNPACK path, which requantizes in fp32 and rounds
differently.

  test_tflite_exact.py --mnv3-run BIN --ref-python PY --root SRCDIR
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

CASES = [
    # model, photo, crop (left, top, right, bottom) or None for the
    # centre 87.5 %, (width, height)
    ("models/mobilenet_v3_small_224_1.0_uint8.tflite", "tests/data/chelsea.png",
     None, (224, 224)),
    ("models/mobilenet_v3_small_224_1.0_uint8.tflite", "tests/data/coffee.png",
     None, (224, 224)),
    ("tests/data/lraspp_mobilenet_v3_small_roadseg_q.tflite",
     "tests/data/street.jpg", (0, 68, 1936, 1036), (1025, 513)),
    ("tests/data/lraspp_mobilenet_v3_small_roadseg_i8.tflite",
     "tests/data/street.jpg", (0, 68, 1936, 1036), (1025, 513)),
]
ISAS = ["scalar", "avx2", "avx512", "avx512vnni"]


def make_input(path, crop, size):
    img = Image.open(path).convert("RGB")
    if crop is None:
        w, h = img.size
        cw, ch = w * 0.875, h * 0.875
        crop = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    img = img.crop(tuple(int(round(v)) for v in crop))
    img = img.resize(size, Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def read_index(d):
    out = {}
    with open(os.path.join(d, "index.txt")) as f:
        for line in f:
            name, dtype, scale, zp, shape, fname = line.rstrip("\n").split("\t")
            out[name] = (dtype, os.path.join(d, fname),
                         tuple(int(s) for s in shape.split(",") if s))
    return out


def load(entry):
    dtype, path, _ = entry
    return np.fromfile(path, dtype=dtype)


def diff(a, b):
    """(elements differing, largest difference in LSB)."""
    if a.shape != b.shape:
        return (-1, -1)
    d = np.abs(a.astype(np.int64) - b.astype(np.int64))
    return (int(np.count_nonzero(d)), int(d.max()) if d.size else 0)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit("command failed: %s" % " ".join(cmd))
    return r.stdout


def reference(a, model, inp, tmp, resolver, dump=False):
    out = os.path.join(tmp, "ref-%s.bin" % resolver)
    cmd = [a.ref_python, os.path.join(a.root, "tests/reference/tflite_run.py"),
           model, "--input", inp, "--output", out, "--resolver", resolver]
    ddir = None
    if dump:
        ddir = os.path.join(tmp, "ref-%s-dump" % resolver)
        cmd += ["--dump-dir", ddir]
    text = run(cmd)
    dtypes = [line.split()[-1] for line in text.splitlines()
              if line.startswith("output ")]
    outs = [np.fromfile(out if i == 0 else out.replace(".bin", ".%d.bin" % i),
                        dtype=dt) for i, dt in enumerate(dtypes)]
    return outs, ddir


def ours(a, model, inp, tmp, isa, threads, dump):
    out = os.path.join(tmp, "mnv3.bin")
    cmd = [a.mnv3_run, model, "--input", inp, "--output", out, "--raw",
           "--isa", isa, "--threads", str(threads)]
    ddir = None
    if dump:
        ddir = os.path.join(tmp, "mnv3-dump-%s-%d" % (isa, threads))
        os.makedirs(ddir, exist_ok=True)
        cmd += ["--dump-dir", ddir]
    text = run(cmd)
    got_isa = text.split("isa ", 1)[1].split()[0]
    prec = text.split("precision ", 1)[1].split()[0]
    outs = []
    for line in text.splitlines():
        if line.startswith("output "):
            parts = line.split()
            outs.append(np.fromfile(parts[-1], dtype=parts[-3]))
    return got_isa, prec, outs, ddir


def compare_layers(ref_dir, our_dir):
    """Every tensor both runs have by name: [(name, differing, max LSB)]."""
    r, o = read_index(ref_dir), read_index(our_dir)
    rows = []
    for name, entry in o.items():
        if name in r and r[name][0] == entry[0]:
            rows.append((name,) + diff(load(r[name]), load(entry)))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnv3-run", required=True)
    ap.add_argument("--ref-python", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    if not os.path.exists(a.ref_python):
        print("reference interpreter missing: run tests/reference/setup.sh")
        return 77
    helptext = run([a.mnv3_run, "--help"])
    isas = [i for i in ISAS if i in helptext]
    failures = 0
    for model, photo, crop, size in CASES:
        model = os.path.join(a.root, model)
        with tempfile.TemporaryDirectory() as tmp:
            inp = os.path.join(tmp, "input.bin")
            make_input(os.path.join(a.root, photo), crop, size).tofile(inp)
            ref, ref_dump = reference(a, model, inp, tmp, "builtin", dump=True)
            ref_plain, _ = reference(a, model, inp, tmp, "ref")
            xnn, _ = reference(a, model, inp, tmp, "xnnpack")
            label = "%s on %s" % (os.path.basename(model),
                                  os.path.basename(photo))
            seen = set()
            for isa in isas:
                for threads in (1, 2):
                    got_isa, prec, outs, our_dump = ours(
                        a, model, inp, tmp, isa, threads,
                        dump=threads == 1 and isa not in seen)
                    if (got_isa, threads) in seen:
                        continue
                    seen.add((got_isa, threads))
                    seen.add(isa)
                    ok = prec == "integer" and len(outs) == len(ref) and all(
                        o.shape == r.shape and np.array_equal(o, r)
                        for o, r in zip(outs, ref))
                    print("%s: %s, %d thread(s), %s: outputs %s" % (
                        label, got_isa, threads, prec,
                        "identical" if ok else "DIFFER %s" % [
                            diff(o, r) for o, r in zip(outs, ref)]))
                    if our_dump:
                        rows = compare_layers(ref_dump, our_dump)
                        bad = [row for row in rows if row[1] != 0]
                        print("  %d shared tensors compared, %d differ" % (
                            len(rows), len(bad)))
                        for name, n, lsb in bad[:8]:
                            print("    %s: %d elements differ, max %d LSB" % (
                                name, n, lsb))
                        if bad:
                            ok = False
                    if not ok:
                        failures += 1
            for what, other in (("BUILTIN_REF", ref_plain),
                                ("XNNPACK (default)", xnn)):
                stats = [diff(o, r) for o, r in zip(other, ref)]
                print("  TFLite %s vs built-in kernels: %s" % (
                    what, ", ".join("%d elements differ (max %d)" % s
                                    for s in stats)))
            our_vs = [diff(o, r) for o, r in zip(outs, xnn)]
            print("  mnv3 vs TFLite XNNPACK (default): %s" % ", ".join(
                "%d of %d elements differ, max %d LSB" % (n, x.size, m)
                for (n, m), x in zip(our_vs, xnn)))
    print("%d case(s) failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
