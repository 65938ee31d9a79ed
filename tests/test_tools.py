"""tools/test_as_cpu.sh: the suite with PyTorch's, NumPy's and OpenBLAS's CPU dispatch
narrowed to AVX2 (what a Zen 3 runs), so that a test comparing bits with PyTorch's can be
checked against the CPU kinds CI may have."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "test_as_cpu.sh"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": sys.executable}  # the suite's own interpreter
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_avx2_narrows_pytorchs_dispatch_and_runs_pytest():
    pytest.importorskip("torch")
    r = _run("avx2", "-q", "tests/test_readme.py")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PyTorch dispatch: AVX2" in r.stdout
    assert "passed" in r.stdout


def test_an_unknown_kind_is_refused_naming_the_kinds():
    r = _run("sse2")
    assert r.returncode == 2
    assert "unknown kind 'sse2' (avx2 or avx512)" in r.stdout
