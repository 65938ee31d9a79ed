"""nn.Buffer against PyTorch's: assignment registers a buffer (persistent or not), the
state dicts agree, re-assignment changes persistence, a taken name is refused, memory and
requires_grad are kept."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lib.nn.Linear(2, 2)
            self.scale = lib.nn.Buffer(lib.ones(2) * 3)
            self.cache = lib.nn.Buffer(lib.zeros(3), persistent=False)

        def forward(self, x):
            return self.lin(x) * self.scale

    return Net()


def test_buffer_registers_as_torchs(torch):
    ours, ref = _net(dg), _net(torch)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in ref.named_buffers()]
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert isinstance(ours.scale, nn.Buffer) and isinstance(ours.scale, dg.Tensor)
    ours.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    x = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(ours(dg.tensor(x)).detach().numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-6)  # fmt: skip
    for m in (ours, ref):  # a Buffer on a persistent name makes it non-persistent, and back
        m.scale = type(m.scale)(m.scale) if m is ours else torch.nn.Buffer(m.scale)
        m.scale = (nn if m is ours else torch.nn).Buffer(m.scale, persistent=False)
        m.cache = (nn if m is ours else torch.nn).Buffer(m.cache)
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["cache", "lin.weight", "lin.bias"]
    ours.cache = dg.ones(3)  # a plain tensor on a buffer's name stays a buffer, as in PyTorch
    assert "cache" in dict(ours.named_buffers())
    ours.double()
    assert ours.scale.dtype == np.float64 and "scale" in dict(ours.named_buffers())


def test_buffer_tensor_contract(torch):
    t = dg.ones(3, requires_grad=True)
    b = nn.Buffer(t)
    assert b.requires_grad and b._creator is None and b.persistent
    with dg.no_grad():
        b[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 1.0]  # the same memory, as torch's detach()
    assert nn.Buffer().shape == tuple(torch.nn.Buffer().shape) == (0,)
    assert nn.Buffer(dg.ones(2, requires_grad=True) * 2).requires_grad  # kept, as torch's


def test_taken_name_refused_as_torchs(torch):
    for lib in (dg, torch):
        m = lib.nn.Linear(2, 2)
        with pytest.raises(TypeError, match="parameter 'weight'"):
            m.weight = lib.nn.Buffer(lib.ones(2))
        m.other = 1
        with pytest.raises(KeyError, match="attribute 'other' already exists"):
            m.other = lib.nn.Buffer(lib.ones(2))
