#!/usr/bin/env bash
# The test suite as it runs on another CPU kind than this one. CI and the work machines are
# AMD EPYCs (Zen 3: AVX2 only; Zen 4: AVX-512) or Intel Xeons (AVX-512); PyTorch's vectorized
# kernels, NumPy's SIMD loops and OpenBLAS's kernels each pick their code by the CPU, so a
# test that compares deepgrad's bits with PyTorch's can hold on one kind and fail on another
# (on 2026-12-08 the suite, green on the Intel Xeon, had 11 failures on a Zen 4 and 2 more
# under the AVX2 emulation below). Usage (from the repository root, after the README's test
# setup; PYTHON=/path/to/python picks another interpreter than .venv's):
#
#     bash tools/test_as_cpu.sh avx2 [PYTEST_ARGS...]     # a Zen 3 / AVX2-only machine
#     bash tools/test_as_cpu.sh avx512 [PYTEST_ARGS...]   # as this machine has it (no change)
#
# avx2: PyTorch's dispatch at AVX2 (ATEN_CPU_CAPABILITY), NumPy's AVX-512 loops off
# (NPY_DISABLE_CPU_FEATURES, only those this CPU has: NumPy refuses to disable a feature it
# does not see) and OpenBLAS's Haswell kernels (OPENBLAS_CORETYPE); the recurrent layers then
# take their rational tanh, as on a Zen 3. It cannot add what the CPU lacks: an AVX2-only
# machine can emulate nothing wider. Default PYTEST_ARGS: the README's `-n 2 -q`.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-avx2}"; shift || true
py="${PYTHON:-.venv/bin/python}"  # PYTHON: the interpreter with deepgrad's test extras
[ -x "$py" ] || command -v "$py" >/dev/null || py=python3
case "$kind" in
  avx2)
    features=$("$py" - <<'EOF'
try:
    from numpy._core._multiarray_umath import __cpu_features__ as f
except ImportError:  # NumPy 1.x
    from numpy.core._multiarray_umath import __cpu_features__ as f
print(" ".join(k for k, v in f.items() if v and (k.startswith("AVX512") or k == "X86_V4")))
EOF
)
    export ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell
    if [ -n "$features" ]; then export NPY_DISABLE_CPU_FEATURES="$features"; fi
    ;;
  avx512) ;;
  *) echo "test_as_cpu: unknown kind '$kind' (avx2 or avx512)"; exit 2 ;;
esac
"$py" - <<'EOF'
import torch
from deepgrad.functional import recurrent
print(f"PyTorch dispatch: {torch.backends.cpu.get_cpu_capability()}; recurrent tanh: "
      f"{'rational' if recurrent.RATIONAL_TANH32 else 'NumPy'}")
EOF
if [ $# -eq 0 ]; then set -- -n 2 -q; fi
exec "$py" -m pytest -p no:cacheprovider "$@"
