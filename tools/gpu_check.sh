#!/usr/bin/env bash
# Issue 19: the test suite on the CuPy backend and the GPU benchmarks, on a machine with an
# NVIDIA GPU, within time limits, keeping the reports. Usage (from the repository root):
#
#     bash tools/gpu_check.sh [OUTDIR] [SUITE_SECONDS] [BENCH_SECONDS] [PYTEST_ARGS...]
#
# Uses the python3 there when it already has CuPy (a CUDA image); otherwise installs CuPy and
# the test extras into .venv-gpu. Runs benchmarks/gpu.py first (alone on the GPU), then
# pytest with DEEPGRAD_TEST_BACKEND=cupy (tests/conftest.py switches the backend before any
# test), and writes into OUTDIR: bench.txt/gpu.json, the JUnit report (gzipped), log.txt,
# summary.txt (failures grouped by cause, tools/gpu_report.py) and failed.txt. Without a GPU
# it stops at once with the reason. CI never runs this; the CPU suite gates a landing.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu-report}"; suite_s="${2:-300}"; bench_s="${3:-150}"; shift 3 2>/dev/null || shift $#
mkdir -p "$out"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
  || { echo "gpu_check: no NVIDIA GPU here (nvidia-smi not found)"; exit 2; }
py=python3
if ! $py -c "import cupy" 2>/dev/null; then
  python3 -m venv .venv-gpu && .venv-gpu/bin/pip install -q -e '.[test]' cupy-cuda12x \
    || { echo "gpu_check: install failed"; exit 2; }
  py=.venv-gpu/bin/python
fi
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
$py -c "import cupy, torch; print('CuPy', cupy.__version__, 'devices:', cupy.cuda.runtime.getDeviceCount(), '| torch', torch.__version__)" \
  || { echo "gpu_check: CuPy cannot see the GPU"; exit 2; }
if [ "$bench_s" != 0 ]; then
  timeout "$bench_s" $py -m benchmarks.gpu --json "$out/gpu.json" 2>&1 | tee "$out/bench.txt"
fi
if [ "$suite_s" != 0 ]; then
  workers=$(( $(nproc) > 16 ? 16 : $(nproc) ))
  DEEPGRAD_TEST_BACKEND=cupy timeout -s INT "$suite_s" $py -m pytest -p no:cacheprovider \
    -n "$workers" --tb=short --junitxml="$out/junit.xml" -o junit_logging=no "$@" \
    > "$out/log.txt" 2>&1
  tail -5 "$out/log.txt"
  $py tools/gpu_report.py "$out/junit.xml" --ids "$out/failed.txt" > "$out/summary.txt" 2>&1
  head -c 6000 "$out/summary.txt"
  gzip -f "$out/junit.xml"; gzip -f "$out/log.txt"
fi
