"""PyTorch's process-wide switches and queries at the top level: anomaly mode, inference mode,
deterministic debug mode, warn_always, flush_denormal, interop threads, the default device and
autocast's getters/setters, each checked against torch where it has a value."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _torch():
    return pytest.importorskip("torch")


def test_anomaly_mode_queries_and_switches_as_pytorchs():
    torch = _torch()
    assert dg.is_anomaly_enabled() is torch.is_anomaly_enabled() is False
    assert dg.is_anomaly_check_nan_enabled() is torch.is_anomaly_check_nan_enabled() is True
    dg.set_anomaly_enabled(False)
    try:
        for lib in (torch, dg):
            lib.set_anomaly_enabled(True, False)
        assert dg.is_anomaly_enabled() is torch.is_anomaly_enabled() is True
        assert dg.is_anomaly_check_nan_enabled() is torch.is_anomaly_check_nan_enabled() is False
    finally:
        torch.set_anomaly_enabled(False)
        dg.set_anomaly_enabled(False)
    for lib in (torch, dg):  # set_detect_anomaly: set when called, restored after a block
        with lib.autograd.set_detect_anomaly(True, check_nan=False):
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()


def _nan_backward(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    return x, (x.sqrt() * 0).sum()


def test_anomaly_mode_names_the_node_whose_backward_gave_nan_and_where_it_was_built():
    torch = _torch()
    for lib, name in ((torch, "SqrtBackward0"), (dg, "Sqrt")):
        with pytest.warns(UserWarning), lib.autograd.detect_anomaly():
            x, y = _nan_backward(lib)
            with pytest.warns(UserWarning, match="Traceback of forward call") as rec:
                with pytest.raises(RuntimeError, match=f"Function '{name}' returned nan values"):
                    y.backward()
        assert any("_nan_backward" in str(w.message) for w in rec) or lib is torch
    # without the NaN check, or outside the mode, the NaN gradient arrives as PyTorch's
    with pytest.warns(UserWarning), dg.autograd.detect_anomaly(check_nan=False):
        x, y = _nan_backward(dg)
        y.backward()
    assert np.isnan(x.grad.numpy()[0])
    x, y = _nan_backward(dg)
    y.backward()
    assert np.isnan(x.grad.numpy()[0])


def test_anomaly_mode_prints_the_forward_trace_of_a_backward_that_raises():
    class Boom(dg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")

    x = dg.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning), dg.autograd.detect_anomaly():
        y = Boom.apply(x).sum()
        with pytest.warns(UserWarning, match="Error detected in BoomBackward") as rec:
            with pytest.raises(ValueError, match="boom"):
                y.backward()
    assert any("Boom.apply(x)" in str(w.message) for w in rec)


def test_is_inference_mode_enabled_follows_the_blocks():
    torch = _torch()
    assert dg.is_inference_mode_enabled() is torch.is_inference_mode_enabled() is False
    with dg.inference_mode(), torch.inference_mode():
        assert dg.is_inference_mode_enabled() is torch.is_inference_mode_enabled() is True
        with dg.inference_mode(False), torch.inference_mode(False):
            assert dg.is_inference_mode_enabled() is torch.is_inference_mode_enabled() is False
        assert dg.is_inference_mode_enabled() is True
    assert dg.is_inference_mode_enabled() is False

    @dg.inference_mode()
    def f():
        return dg.is_inference_mode_enabled()

    assert f() is True and dg.is_inference_mode_enabled() is False


@pytest.mark.parametrize("mode", ["default", "warn", "error", 0, 1, 2])
def test_deterministic_debug_mode_matches_torch(mode):
    torch = _torch()
    try:
        torch.set_deterministic_debug_mode(mode)
        dg.set_deterministic_debug_mode(mode)
        assert dg.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
        assert (
            dg.are_deterministic_algorithms_enabled()
            == torch.are_deterministic_algorithms_enabled()
        )
        assert (
            dg.is_deterministic_algorithms_warn_only_enabled()
            == torch.is_deterministic_algorithms_warn_only_enabled()
        )
    finally:
        torch.set_deterministic_debug_mode(0)
        dg.set_deterministic_debug_mode(0)
    with pytest.raises(RuntimeError, match="debug_mode"):
        dg.set_deterministic_debug_mode("loud")
    with pytest.raises(RuntimeError, match="debug_mode"):
        dg.set_deterministic_debug_mode(3)


def test_warn_always_flush_denormal_and_threads():
    torch = _torch()
    assert dg.is_warn_always_enabled() is torch.is_warn_always_enabled() is False
    dg.set_warn_always(True)
    assert dg.is_warn_always_enabled() is True
    dg.set_warn_always(False)
    assert dg.set_flush_denormal(False) is True
    assert dg.set_flush_denormal(True) is False  # NumPy cannot flush: PyTorch's "unsupported"
    assert isinstance(dg.get_num_interop_threads(), int) and dg.get_num_interop_threads() >= 1
    dg.set_num_interop_threads(3)
    assert dg.get_num_interop_threads() == 3
    with pytest.raises(RuntimeError, match="positive"):
        dg.set_num_interop_threads(0)
    assert dg.init_num_threads() is None


def test_default_device_is_the_cpu_only():
    torch = _torch()
    assert dg.get_default_device() == dg.device("cpu")
    assert str(dg.get_default_device()) == str(torch.get_default_device())
    dg.set_default_device("cpu")
    dg.set_default_device(None)
    with pytest.raises(RuntimeError, match="CPU only"):
        dg.set_default_device("cuda")


def test_autocast_getters_and_setters():
    torch = _torch()
    assert dg.is_autocast_enabled() is torch.is_autocast_enabled() is False
    assert dg.is_autocast_enabled("cpu") is torch.is_autocast_enabled("cpu") is False
    dg.set_autocast_enabled(False)
    dg.set_autocast_enabled("cpu", False)
    with pytest.raises(NotImplementedError, match="autocast"):
        dg.set_autocast_enabled("cpu", True)
    assert dg.get_autocast_dtype("cuda") == np.float16
    assert str(torch.get_autocast_dtype("cuda")) == "torch.float16"
    with pytest.raises(TypeError, match="bfloat16"):
        dg.get_autocast_dtype("cpu")
    try:
        dg.set_autocast_dtype("cpu", dg.float16)
        assert dg.get_autocast_dtype("cpu") == np.float16
        with pytest.warns(DeprecationWarning):
            assert dg.get_autocast_cpu_dtype() == np.float16
    finally:
        dg.amp._AUTOCAST["cpu"] = None
    with pytest.raises(TypeError, match="floating"):
        dg.set_autocast_dtype("cuda", dg.int32)
    assert dg.is_autocast_cache_enabled() is torch.is_autocast_cache_enabled() is True
    dg.set_autocast_cache_enabled(False)
    assert dg.is_autocast_cache_enabled() is False
    dg.set_autocast_cache_enabled(True)
    dg.clear_autocast_cache()
    with pytest.warns(DeprecationWarning):
        assert dg.is_autocast_cpu_enabled() is False


def test_cuda_memory_queries_answer_as_pytorch_without_cuda():
    torch = _torch()
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved",
                 "max_memory_reserved", "is_bf16_supported", "memory_stats", "is_initialized"):  # fmt: skip
        assert getattr(dg.cuda, name)() == getattr(torch.cuda, name)(), name
    for name in ("get_device_name", "get_device_capability"):
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            getattr(torch.cuda, name)()
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            getattr(dg.cuda, name)()


def test_sdp_flags_and_sdpa_kernel_as_pytorchs():
    torch = _torch()
    from torch.nn.attention import SDPBackend as TB
    from torch.nn.attention import sdpa_kernel as tk

    from deepgrad.nn.attention import SDPBackend, sdpa_kernel

    assert {b.name: b.value for b in SDPBackend} == {k: v.value for k, v in TB.__members__.items()}
    for f in ("flash", "mem_efficient", "math", "cudnn"):
        assert getattr(dg.backends.cuda, f"{f}_sdp_enabled")() is True
    q = np.ones((1, 2, 3, 4), np.float32)
    for lib, kernel, B in ((torch, tk, TB), (dg, sdpa_kernel, SDPBackend)):
        x = lib.tensor(q)
        sdpa = lib.nn.functional.scaled_dot_product_attention
        for ok in (B.MATH, [B.FLASH_ATTENTION], [B.MATH, B.CUDNN_ATTENTION]):
            with kernel(ok):
                assert tuple(sdpa(x, x, x).shape) == (1, 2, 3, 4)
        with kernel([B.CUDNN_ATTENTION]), pytest.raises(RuntimeError, match="No viable backend"):
            sdpa(x, x, x)
        assert tuple(sdpa(x, x, x).shape) == (1, 2, 3, 4)  # the flags came back
    dg.backends.cuda.enable_math_sdp(False)
    dg.backends.cuda.enable_flash_sdp(False)
    try:
        with pytest.raises(RuntimeError, match="No viable backend"):
            dg.nn.functional.scaled_dot_product_attention(dg.tensor(q), dg.tensor(q), dg.tensor(q))
    finally:
        dg.backends.cuda.enable_math_sdp(True)
        dg.backends.cuda.enable_flash_sdp(True)


def test_backend_queries():
    assert dg.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512", "NEON")
    assert dg.backends.mkldnn.is_available() is False and dg.backends.openmp.is_available() is False
