"""Shared fixtures: every test starts from ``dg.manual_seed(0)`` with the default dtype and
grad mode restored afterwards; ``torch`` skips a test where PyTorch is not installed."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


@pytest.fixture(autouse=True)
def _deepgrad_state():
    """Seed deepgrad, and restore the default dtype and grad mode after the test."""
    dg.manual_seed(0)
    dtype = dg.get_default_dtype()
    yield
    dg.set_default_dtype(dtype)
    dg.autograd._GradMode.enabled = True


@pytest.fixture
def torch():
    """The ``torch`` module (the test is skipped where it is not installed)."""
    return pytest.importorskip("torch")


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator seeded with 0, for test inputs."""
    return np.random.default_rng(0)
