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
    "Threshold Dropout Dropout2d Softmax LogSoftmax Softmin "
    # PyTorch's newer layers (issue 13)
    "GLU RReLU Softshrink Hardshrink Dropout1d Dropout3d AlphaDropout "
    "FeatureAlphaDropout Unflatten PixelShuffle PixelUnshuffle ChannelShuffle Unfold Fold "
    "CosineSimilarity PairwiseDistance LocalResponseNorm Bilinear EmbeddingBag Conv3d "
    "ConvTranspose3d MaxPool3d AvgPool3d ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d "
    "ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d ReflectionPad3d "
    "ReplicationPad1d ReplicationPad2d ReplicationPad3d CircularPad1d CircularPad2d CircularPad3d"
).split()

#: PyTorch's placement arguments, which deepgrad's layers do not take (CPU, the default dtype)
_PLACEMENT = {"device", "dtype"}


@pytest.mark.parametrize("name", _NAMES)
def test_constructor_arguments_are_torchs(torch, name):
    ours = inspect.signature(getattr(nn, name)).parameters
    theirs = inspect.signature(getattr(torch.nn, name)).parameters
    for pname, p in theirs.items():
        if pname in _PLACEMENT:
            continue
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


# layer -> its constructor arguments; the repr must be PyTorch's
REPRS = {
    "Softmax2d": (), "GLU": (1,), "RReLU": (0.1, 0.3), "Softshrink": (0.3,),
    "Hardshrink": (), "Dropout": (0.2,), "Dropout1d": (), "Dropout3d": (0.1,),
    "AlphaDropout": (), "FeatureAlphaDropout": (0.3,), "Unflatten": (1, (2, 2)),
    "PixelShuffle": (2,), "PixelUnshuffle": (3,), "ChannelShuffle": (2,), "Unfold": ((2, 3), 1, 1, 2),
    "Fold": (4, 2), "CosineSimilarity": (), "PairwiseDistance": (1.0,),
    "LocalResponseNorm": (2,), "Bilinear": (2, 3, 4), "EmbeddingBag": (5, 3),
    "Conv3d": (2, 3, 3), "ConvTranspose3d": (2, 3, 3, 2), "MaxPool3d": (2,), "AvgPool3d": (2,),
    "Identity": (54,),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REPRS))
def test_repr_is_torchs(torch, name):
    args = REPRS[name]
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_embedding_bag_repr_with_options_is_torchs(torch):
    kw = {"max_norm": 1.0, "mode": "sum", "padding_idx": 0, "scale_grad_by_freq": True}
    assert repr(nn.EmbeddingBag(5, 3, **kw)) == repr(torch.nn.EmbeddingBag(5, 3, **kw))
