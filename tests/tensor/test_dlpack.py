"""DLPack both ways with PyTorch: ``torch.from_dlpack(t)`` shares a deepgrad tensor's memory,
``torch.tensor(t)`` copies it (it used to fail: torch read the tensor as a sequence), and
``dg.from_dlpack(torch_tensor)`` shares PyTorch's memory; a tensor that requires grad is
refused on export, as PyTorch refuses it."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64, dg.int64, dg.int32, dg.bool_, dg.uint8])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3)])
def test_torch_reads_deepgrad_tensors(dtype, shape):
    x = dg.tensor(np.arange(int(np.prod(shape))).reshape(shape) % 2).to(dtype)
    t = torch.tensor(x)
    assert tuple(t.shape) == shape and str(t.dtype).split(".")[1] == np.dtype(dtype).name.replace(
        "bool", "bool"
    )
    np.testing.assert_array_equal(t.cpu().numpy(), x.numpy())  # t is on x's device
    shared = torch.from_dlpack(x)
    if x.numel():
        shared.view(-1)[0] = 1
        assert x.reshape(-1)[0].item() == 1  # the same memory
        t.view(-1)[0] = 0
        assert x.reshape(-1)[0].item() == 1  # torch.tensor copied


def test_deepgrad_reads_torch_tensors_sharing_memory():
    t = torch.arange(6.0).reshape(2, 3)
    x = dg.from_dlpack(t)
    assert x.shape == (2, 3) and x.dtype == np.float32
    t[0, 0] = 7.0
    assert x[0, 0].item() == 7.0
    g = torch.ones(2, requires_grad=True)
    assert dg.from_dlpack(g).tolist() == [1.0, 1.0]  # its values, not its graph
    assert dg.from_dlpack(np.arange(3)).tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="__dlpack__"):
        dg.from_dlpack([1, 2])


def test_a_tensor_that_requires_grad_is_not_exported():
    with pytest.raises(BufferError, match="require gradient"):
        torch.from_dlpack(dg.ones(2, requires_grad=True))
    with pytest.raises(BufferError, match="require gradient"):
        torch.from_dlpack(torch.ones(2, requires_grad=True))
    assert torch.from_dlpack(dg.ones(2, requires_grad=True).detach()).tolist() == [1.0, 1.0]
