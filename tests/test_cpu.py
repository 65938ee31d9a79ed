"""dg.cpu: PyTorch's torch.cpu for device-agnostic code (``getattr(dg, device.type)``), and
the top-level constants and exception names programs use (dg.pi, dg.inf, dg.OutOfMemoryError)."""

from __future__ import annotations

import math
import warnings

import pytest

import deepgrad as dg


def test_cpu_answers_as_torch_cpu(torch):
    for name in ("is_available", "is_initialized", "device_count", "current_device"):
        assert getattr(dg.cpu, name)() == getattr(torch.cpu, name)(), name
    assert dg.cpu.synchronize() is None and dg.cpu.synchronize("cpu") is None
    assert dg.cpu.set_device("cpu") is None
    device = dg.device("cpu")
    getattr(dg, device.type).synchronize()  # the device-agnostic idiom


def test_streams_and_events_are_placeholders(torch):
    s = dg.cpu.Stream()
    assert dg.cpu.current_stream() is not s
    with dg.cpu.stream(s):
        assert dg.cpu.current_stream() is s
        with dg.cpu.StreamContext(None):
            assert dg.cpu.current_stream() is s
    assert dg.cpu.current_stream() is not s
    s.wait_stream(dg.cpu.current_stream())
    e = dg.cpu.Event()
    e.record()
    e.synchronize()
    assert e.query() is True


def test_cpu_amp_is_the_deprecated_path_to_autocast(torch):
    from deepgrad.cpu.amp import autocast  # importable as torch.cpu.amp is

    with pytest.warns(FutureWarning, match=r"torch.amp.autocast\('cpu'"):
        with autocast(enabled=False):
            y = dg.ones(2) * 2
    assert y.dtype == dg.float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(NotImplementedError, match="float32"):
            autocast()  # enabled, bfloat16: deepgrad has no autocast
    with pytest.warns(FutureWarning, match="GradScaler"):
        scaler = dg.cpu.amp.GradScaler(enabled=False)
    loss = dg.ones(())
    assert scaler.scale(loss) is loss and not scaler.is_enabled()


def test_constants_are_torchs(torch):
    assert (dg.pi, dg.e) == (torch.pi, torch.e) == (math.pi, math.e)
    assert dg.inf == torch.inf and math.isnan(dg.nan) and dg.newaxis is torch.newaxis is None
    x = dg.tensor([[1.0, 2.0]])
    assert x[:, dg.newaxis].shape == (1, 1, 2)
    masked = x.masked_fill(dg.tensor([[True, False]]), -dg.inf)
    assert masked.tolist() == [[-math.inf, 2.0]]


def test_out_of_memory_error_is_torchs_runtime_error(torch):
    assert dg.OutOfMemoryError is dg.cuda.OutOfMemoryError
    assert issubclass(dg.OutOfMemoryError, RuntimeError)
    assert issubclass(torch.cuda.OutOfMemoryError, RuntimeError)
    try:
        raise dg.cuda.OutOfMemoryError("CUDA out of memory")
    except dg.OutOfMemoryError as e:  # the usual except clause
        assert "out of memory" in str(e)
