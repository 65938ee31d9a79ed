"""deepgrad.version as torch.version in PyTorch's CPU build."""

from __future__ import annotations

import pytest

import deepgrad as dg

pytest.importorskip("torch")


def test_version_as_torch_cpu_build():
    import tomllib
    from pathlib import Path

    import torch

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert dg.version.__version__ == dg.__version__ == project["version"]
    for name in ("cuda", "hip", "debug"):
        assert getattr(dg.version, name) == getattr(torch.version, name)
    import deepgrad.version

    assert deepgrad.version is dg.version
