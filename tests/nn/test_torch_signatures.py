"""Activation and dropout layers take PyTorch's constructor arguments (``inplace``...), and a
softmax built without ``dim`` picks PyTorch's legacy axis."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

_NAMES = (
    "ReLU LeakyReLU ELU GELU Softplus SiLU Mish SELU CELU PReLU ReLU6 Hardsigmoid Hardswish "
    "Threshold Dropout Dropout2d Softmax LogSoftmax Softmin"
).split()


@pytest.mark.parametrize("name", _NAMES)
def test_constructor_arguments_are_torchs(torch, name):
    ours = inspect.signature(getattr(nn, name)).parameters
    theirs = inspect.signature(getattr(torch.nn, name)).parameters
    for pname, p in theirs.items():
        assert pname in ours, f"nn.{name} lacks PyTorch's {pname!r}"
        assert ours[pname].default == p.default, (name, pname)


def test_inplace_is_accepted_and_leaves_the_input(torch):
    x = dg.tensor([-1.0, 2.0])
    for layer in (nn.ReLU(inplace=True), nn.LeakyReLU(0.2, inplace=True), nn.ELU(inplace=True),
                  nn.Dropout(0.5, inplace=True)):  # fmt: skip
        layer.eval()
        y = layer(x)
        assert x.tolist() == [-1.0, 2.0] and y.shape == (2,)
    assert nn.LeakyReLU(0.2, inplace=True)(x).tolist() == pytest.approx([-0.2, 2.0])


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax", "Softmin"])
def test_implicit_softmax_axis_is_torchs(torch, shape, name):
    x = np.random.default_rng(0).normal(size=shape)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ours = getattr(nn, name)()(dg.tensor(x)).numpy()
    with pytest.warns(UserWarning, match="Implicit dimension"):
        theirs = getattr(torch.nn, name)()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
