"""nn.UninitializedParameter / UninitializedBuffer (shape unknown until materialize) and the
deprecated nn.Container."""

from __future__ import annotations

import pytest

import deepgrad as dg
from deepgrad import nn


def test_uninitialized_parameter_refuses_its_shape_until_materialized():
    p = nn.UninitializedParameter()
    assert isinstance(p, nn.Parameter) and p.requires_grad
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        _ = p.shape
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == dg.float32
    torch = pytest.importorskip("torch")
    tp = torch.nn.UninitializedParameter()
    tp.materialize((2, 3))
    assert type(tp) is torch.nn.Parameter and tuple(tp.shape) == p.shape


def test_uninitialized_buffer():
    b = nn.UninitializedBuffer()
    assert isinstance(b, dg.Tensor) and not b.requires_grad
    with pytest.raises(RuntimeError, match="uninitialized"):
        b.size()
    b.materialize(4, dtype=dg.float64)
    assert type(b) is dg.Tensor and b.shape == (4,) and b.dtype == dg.float64


def test_container_is_torchs_deprecated_module():
    with pytest.warns(FutureWarning, match="deprecated"):
        c = nn.Container(fc=nn.Linear(2, 3))
    assert isinstance(c, nn.Module) and sorted(c.state_dict()) == ["fc.bias", "fc.weight"]
