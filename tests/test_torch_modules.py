"""The modules PyTorch programs import at the top: they import, and each either maps to
deepgrad's own piece, is a documented no-op, or raises a clear error naming what exists."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


@pytest.mark.parametrize(
    "module",
    ["deepgrad.nn.parallel", "deepgrad.backends.cudnn", "deepgrad.backends.mps",
     "deepgrad.onnx", "deepgrad.amp", "deepgrad.utils.data", "deepgrad.optim.lr_scheduler",
     "deepgrad.nn.utils", "deepgrad.nn.utils.rnn"],
)  # fmt: skip
def test_imports(module):
    assert importlib.import_module(module).__name__ == module


def test_cudnn_flags_are_settable():
    from deepgrad.backends import cudnn

    cudnn.benchmark = True
    cudnn.deterministic = True
    assert not cudnn.is_available() and not dg.backends.mps.is_available()
    cudnn.benchmark = cudnn.deterministic = False
    dg.backends.cuda.matmul.allow_tf32 = True
    dg.set_float32_matmul_precision("high")
    assert dg.get_float32_matmul_precision() == "high"
    dg.set_float32_matmul_precision("highest")
    with pytest.raises(ValueError, match="highest"):
        dg.set_float32_matmul_precision("low")
    dg.use_deterministic_algorithms(True)
    assert dg.are_deterministic_algorithms_enabled()
    dg.use_deterministic_algorithms(False)


def test_data_parallel_is_a_pass_through(torch):
    inner = nn.Linear(3, 2)
    net = nn.parallel.DataParallel(inner, device_ids=[0])
    x = dg.randn(4, 3)
    np.testing.assert_array_equal(net(x).numpy(), inner(x).numpy())
    tnet = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(net.state_dict()) == list(tnet.state_dict())
    with pytest.raises(RuntimeError, match="deepgrad.distributed"):
        nn.parallel.DistributedDataParallel(inner)


def test_onnx_export_maps_to_deepgrad_exporter(tmp_path):
    onnx = pytest.importorskip("onnx")
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "m.onnx"
    dg.onnx.export(net, dg.randn(1, 3), str(path), input_names=["x"], output_names=["y"],
                   opset_version=17, dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})  # fmt: skip
    model = onnx.load(str(path))
    assert [i.name for i in model.graph.input] == ["x"]
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param
    with pytest.raises(NotImplementedError, match="batch axis"):
        dg.onnx.export(net, dg.randn(1, 3), str(path), dynamic_axes={"x": {1: "feat"}})


def test_amp(torch):
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ctx = dg.autocast(device_type="cuda")
    with ctx:
        y = dg.ones(2) * 2
    assert y.dtype == np.float32
    with dg.amp.autocast("cpu", enabled=False):
        pass
    with pytest.raises(NotImplementedError, match="float32"):
        dg.autocast("cpu", dtype="bfloat16")
    with pytest.warns(UserWarning, match="Disabling"):
        scaler = dg.amp.GradScaler()
    w = dg.ones(2, requires_grad=True)
    opt = dg.optim.SGD([w], lr=0.5)
    loss = (w * 3).sum()
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [-0.5, -0.5] and scaler.get_scale() == 1.0
    assert not scaler.is_enabled() and scaler.state_dict() == {}

    @dg.autocast("cpu", enabled=False)
    def f():
        return 1

    assert f() == 1


@pytest.mark.numpy_only("prints CPU tensors")
def test_compile_threads_printoptions():
    net = nn.Linear(2, 2)
    assert dg.compile(net, mode="reduce-overhead") is net
    n = dg.get_num_threads()
    dg.set_num_threads(1)
    assert dg.get_num_threads() == 1
    dg.set_num_threads(n)
    with pytest.raises(ValueError, match="positive"):
        dg.set_num_threads(0)
    dg.set_printoptions(precision=2)
    try:
        assert repr(dg.tensor([1 / 3])) == "tensor([0.33])"
    finally:
        dg.set_printoptions(profile="default")
    assert repr(dg.tensor([1 / 3])) != "tensor([0.33])"


def test_grad_modes_as_context_managers_and_decorators():
    x = dg.ones(2, requires_grad=True)

    @dg.no_grad
    def bare(t):
        return t * 2

    @dg.no_grad()
    def called(t):
        return t * 2

    @dg.inference_mode()
    def inf(t):
        return t * 2

    @dg.enable_grad()
    def back(t):
        return t * 2

    assert not bare(x).requires_grad and not called(x).requires_grad
    assert not inf(x).requires_grad
    with dg.no_grad():
        assert back(x).requires_grad
    with dg.inference_mode():
        assert not (x * 2).requires_grad
    with dg.inference_mode(False):
        assert (x * 2).requires_grad
    with dg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert dg.is_grad_enabled()
    dg.set_grad_enabled(False)
    assert not dg.is_grad_enabled()
    dg.set_grad_enabled(True)

    @dg.set_grad_enabled(False)
    def off(t):
        return t * 2

    assert dg.is_grad_enabled() and not off(x).requires_grad


def test_cuda_amp_path():
    from deepgrad.cuda.amp import GradScaler, autocast

    with pytest.warns(UserWarning, match="CUDA is not available"):
        ctx = autocast()
    with ctx:
        pass
    with autocast(enabled=False):
        pass
    with pytest.warns(UserWarning, match="Disabling"):
        scaler = GradScaler(init_scale=1024.0)
    assert scaler.get_scale() == 1.0 and dg.cuda.amp.GradScaler is GradScaler
