"""PyTorch's smaller arguments on the functions: ``inplace=`` (written into the input),
``softmax(dtype=)``, ``interpolate(recompute_scale_factor=, antialias=)``,
``normalize(out=)``, ``embedding(sparse=)``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad import nn

INPLACE = [
    ("relu", ()),
    ("relu6", ()),
    ("elu", (1.0,)),
    ("celu", (1.0,)),
    ("selu", ()),
    ("silu", ()),
    ("mish", ()),
    ("hardsigmoid", ()),
    ("hardswish", ()),
    ("leaky_relu", (0.1,)),
    ("hardtanh", (-0.5, 0.5)),
    ("threshold", (0.1, 20.0)),
    ("dropout", (0.5, False)),
    ("dropout2d", (0.5, False)),
]


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_the_input_as_torch(name: str, args: tuple) -> None:
    x = np.linspace(-3, 3, 24).reshape(2, 3, 4)
    xd, xt = dg.tensor(x), torch.tensor(x)
    got = getattr(F, name)(xd, *args, True)  # inplace in torch's position
    want = getattr(torch.nn.functional, name)(xt, *args, True)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(xd.numpy(), xt.numpy(), rtol=1e-12, atol=1e-15)
    assert (got is xd) == (want is xt)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_dtype_casts_first(name: str) -> None:
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    xd = dg.tensor(x, requires_grad=True)
    got = getattr(F, name)(xd, 1, dtype=dg.float64)
    want = getattr(torch.nn.functional, name)(torch.tensor(x), 1, dtype=torch.float64)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-14)
    got.sum().backward()
    assert xd.grad.dtype == np.float32
    if name != "softmin":
        method = getattr(xd, name)(1, dtype=dg.float64)
        np.testing.assert_array_equal(method.numpy(), got.numpy())
    with pytest.raises(TypeError, match="floating dtype"):
        getattr(F, name)(xd, 1, dtype=dg.int64)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("bilinear", False), ("bilinear", True)])
@pytest.mark.parametrize("recompute", [None, False, True])
def test_interpolate_recompute_scale_factor_matches_torch(mode, align, recompute) -> None:
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 7))
    kw = {"scale_factor": 1.7, "mode": mode, "align_corners": align}
    got = F.interpolate(dg.tensor(x), recompute_scale_factor=recompute, **kw)
    want = torch.nn.functional.interpolate(torch.tensor(x), recompute_scale_factor=recompute, **kw)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    layer = nn.Upsample(None, 1.7, mode, align, recompute)
    np.testing.assert_array_equal(layer(dg.tensor(x)).numpy(), got.numpy())


def test_refused_arguments_are_clear() -> None:
    x = dg.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        F.interpolate(x, scale_factor=0.5, mode="nearest", antialias=True)
    with pytest.raises(ValueError, match="not meaningful with an explicit size"):
        F.interpolate(x, size=2, recompute_scale_factor=True)
    with pytest.raises(TypeError, match="out= is not supported"):
        F.normalize(dg.ones(2, 3), out=dg.zeros(2, 3))


def test_embedding_sparse_gives_torchs_numbers() -> None:
    w = np.random.default_rng(0).standard_normal((5, 3))
    idx = [[1, 2, 1], [4, 0, 1]]
    wd = dg.tensor(w, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    got = F.embedding(dg.tensor(idx), wd, None, None, 2.0, False, True)
    want = torch.nn.functional.embedding(torch.tensor(idx), wt, None, None, 2.0, False, True)
    np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_array_equal(wd.grad.numpy(), wt.grad.to_dense().numpy())
