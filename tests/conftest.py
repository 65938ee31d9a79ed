"""Shared fixtures: every test starts from ``dg.manual_seed(0)`` with the default dtype and
grad mode restored afterwards; ``torch`` skips a test where PyTorch is not installed."""

from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import deepgrad as dg

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Several test processes share the cores: one BLAS thread each. Multi-threaded BLAS on an
    # oversubscribed machine spins and stalls (10-20x slower GEMMs), and so would PyTorch.
    threadpool_limits(1)
    try:
        import torch as _torch

        _torch.set_num_threads(1)
    except ImportError:
        pass


#: ``DEEPGRAD_TEST_BACKEND=cupy`` runs the suite on the CuPy backend (tools/gpu_check.sh, issue
#: 19); unset, the suite runs on NumPy, as CI does.
_BACKEND = os.environ.get("DEEPGRAD_TEST_BACKEND", "numpy")
if _BACKEND != "numpy":
    dg.set_backend(_BACKEND)  # raises, naming what is missing, where CuPy or a GPU is absent


def pytest_collection_modifyitems(config, items):
    """On the CuPy backend, skip the tests marked ``numpy_only`` (with their reason) and the
    docstring examples (they show what the CPU prints)."""
    if _BACKEND == "numpy":
        return
    for item in items:
        mark = item.get_closest_marker("numpy_only")
        if type(item).__name__ == "DoctestItem":  # the examples show what the CPU prints
            item.add_marker(pytest.mark.skip(reason="NumPy backend only: docstring examples"))
        elif mark is not None:
            why = mark.args[0] if mark.args else "NumPy internals"
            item.add_marker(pytest.mark.skip(reason=f"NumPy backend only: {why}"))


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


@pytest.fixture
def disk_full_after():
    """``with disk_full_after(n): ...`` makes every write past byte ``n`` of any file fail (with
    ``OSError`` EFBIG, as a full disk would) inside the block: a writer that fails mid-way.
    POSIX only (``RLIMIT_FSIZE``); skipped elsewhere."""
    import contextlib
    import signal

    resource = pytest.importorskip("resource")
    if not hasattr(signal, "SIGXFSZ"):
        pytest.skip("no SIGXFSZ on this platform")

    @contextlib.contextmanager
    def limit(n: int):
        old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        old = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, old[1]))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old)
            signal.signal(signal.SIGXFSZ, old_handler)

    return limit
