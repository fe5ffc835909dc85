#!/bin/sh
# Create tests/reference/venv with the pinned reference interpreter
# (requirements.txt) from PyPI.  Idempotent: an existing venv whose pins
# match is kept.  The plugin never needs it; the quantized-model tests do.
set -e
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/venv"
py=${MNV3_REF_PYTHON:-/usr/bin/python3}
stamp="$venv/.requirements"
if [ -x "$venv/bin/python" ] && cmp -s "$here/requirements.txt" "$stamp"; then
  exit 0
fi
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-deps -r "$here/requirements.txt"
cp "$here/requirements.txt" "$stamp"
"$venv/bin/python" -c "import ai_edge_litert.interpreter, numpy, onnxruntime, onnxruntime.quantization"
echo "reference interpreter ready in $venv"
