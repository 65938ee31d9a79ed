"""The package surface a newcomer meets after ``import deepgrad as dg``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import deepgrad as dg


@pytest.mark.parametrize("name", ["data", "metrics", "models", "viz", "lab", "nn", "optim"])
def test_subpackages_reachable_as_attributes(name):
    mod = getattr(dg, name)
    assert mod.__name__ == f"deepgrad.{name}"
    assert name in dir(dg)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dg.nope  # noqa: B018


def test_import_stays_light():
    """``import deepgrad`` does not pull in matplotlib (plots load on first use)."""
    code = "import sys, deepgrad; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
