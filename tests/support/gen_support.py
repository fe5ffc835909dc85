# SPDX-License-Identifier: LGPL-2.1-or-later
"""The command line the reference generators share (tests/*/gen_*.py).

    gen_X.py --outdir DIR [--exec PROGRAM [ARGS...]]

writes the reference files into DIR with the script's generate(outdir) and
then, with --exec, replaces itself by PROGRAM with $<env_var> = DIR.
Exits 77 (meson's skip) when this Python lacks torch, torchvision or onnx.
"""
import os
import sys


def main(doc, generate, env_var, argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "--outdir":
        raise SystemExit(doc)
    outdir, rest = args[1], args[2:]
    try:
        import warnings
        warnings.filterwarnings("ignore")
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print("SKIP: %s lacks torch/torchvision/onnx (%s)" % (sys.executable, e))
        return 77
    generate(outdir)
    if rest and rest[0] == "--exec":
        env = dict(os.environ, **{env_var: os.path.abspath(outdir)})
        sys.stdout.flush()
        os.execve(rest[1], rest[1:], env)
    return 0
