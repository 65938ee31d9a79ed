#!/usr/bin/env bash
# Issue 19, prepared on the CPU: run the test suite on the CuPy backend on a machine with an
# NVIDIA GPU, within a time limit, and keep the report. Usage (from the repository root):
#
#     bash tools/gpu_check.sh [SECONDS]        # default 480
#
# It installs CuPy for CUDA 12 and the test extras into .venv-gpu, prints the GPU, then runs
# pytest with DEEPGRAD_TEST_BACKEND=cupy (tests/conftest.py switches the backend before any
# test) and writes the summary of failures to gpu-report.txt. Without a GPU it stops at once
# with the reason. CI never runs this; the CPU suite is the one that gates a landing.
set -uo pipefail
cd "$(dirname "$0")/.."
limit="${1:-480}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv \
  || { echo "gpu_check: no NVIDIA GPU here (nvidia-smi not found)"; exit 2; }
python3 -m venv .venv-gpu
.venv-gpu/bin/pip install -q -e '.[test]' cupy-cuda12x || { echo "gpu_check: install failed"; exit 2; }
.venv-gpu/bin/python -c "import cupy; print('CuPy', cupy.__version__, 'devices:', cupy.cuda.runtime.getDeviceCount())" \
  || { echo "gpu_check: CuPy cannot see the GPU"; exit 2; }
DEEPGRAD_TEST_BACKEND=cupy timeout "$limit" .venv-gpu/bin/python -m pytest -q -x --maxfail=50 \
  -p no:cacheprovider -n 4 -rf 2>&1 | tee gpu-report.txt | tail -60
