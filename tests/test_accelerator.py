"""``dg.accelerator`` answers as ``torch.accelerator`` does on a machine without one (the
quickstart's device line picks ``"cpu"``), and as ``dg.cuda`` does on the CuPy backend."""

from __future__ import annotations

import pytest

import deepgrad as dg


@pytest.mark.numpy_only("asserts that no GPU is in use")
def test_quickstart_device_line_matches_torch(torch):
    def pick(lib):
        a = lib.accelerator
        return a.current_accelerator().type if a.is_available() else "cpu"

    assert not torch.cuda.is_available()  # the comparison is for a CPU-only PyTorch
    assert pick(dg) == pick(torch) == "cpu"
    assert dg.accelerator.current_accelerator() is None is torch.accelerator.current_accelerator()
    assert dg.accelerator.device_count() == torch.accelerator.device_count() == 0


@pytest.mark.numpy_only("asserts that no GPU is in use")
def test_device_queries_raise_without_an_accelerator(torch):
    for name in ("current_device_index", "synchronize"):
        with pytest.raises(RuntimeError, match="none is available"):
            getattr(torch.accelerator, name)()
        with pytest.raises(RuntimeError, match="none is available"):
            getattr(dg.accelerator, name)()


def test_agrees_with_cuda_module():
    assert dg.accelerator.is_available() == dg.cuda.is_available()
    if dg.cuda.is_available():  # the CuPy backend (tools/gpu_check.sh)
        assert dg.accelerator.current_accelerator() == dg.device("cuda")
        assert dg.accelerator.current_device_index() == dg.cuda.current_device()
