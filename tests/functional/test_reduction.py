"""PyTorch's legacy ``size_average``/``reduce`` loss arguments, in PyTorch's positions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad import nn
from deepgrad.functional.reduction import legacy_get_string

PAIRS = [(None, None), (True, None), (False, None), (None, False), (False, True), (True, False)]


@pytest.mark.parametrize("size_average,reduce", PAIRS)
def test_legacy_get_string_is_torchs(size_average, reduce) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn._reduction.legacy_get_string(size_average, reduce)
    with pytest.warns(UserWarning, match=f"reduction='{want}'"):
        assert legacy_get_string(size_average, reduce) == want


def _inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    p = 1 / (1 + np.exp(-x))
    labels = np.array([0, 2, 1, 2])
    return x, p, labels, (rng.random((4, 3)) > 0.5).astype(float), rng.standard_normal((4, 3))


def _cases():
    x, p, labels, bits, y = _inputs()
    sign = np.where(bits > 0, 1.0, -1.0)
    # (name, tensors, positional arguments before size_average, between size_average and reduce)
    return [
        ("mse_loss", (x, y), (), ()),
        ("l1_loss", (x, y), (), ()),
        ("smooth_l1_loss", (x, y), (), ()),
        ("soft_margin_loss", (x, sign), (), ()),
        ("kl_div", (np.log(p), p), (), ()),
        ("binary_cross_entropy", (p, bits), (None,), ()),
        ("binary_cross_entropy_with_logits", (x, bits), (None,), ()),
        ("multilabel_soft_margin_loss", (x, bits), (None,), ()),
        ("hinge_embedding_loss", (x, sign), (1.0,), ()),
        ("cross_entropy", (x, labels), (None,), (-100,)),
        ("nll_loss", (np.log(p), labels), (None,), (-100,)),
        ("multi_margin_loss", (x, labels), (1, 1.0, None), ()),
        ("poisson_nll_loss", (x, np.abs(y)), (True, False), (1e-8,)),
    ]


@pytest.mark.parametrize("size_average,reduce", PAIRS[1:])
@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_functional_legacy_positions_match_torch(case, size_average, reduce) -> None:
    name, tensors, before, between = case
    args = (*before, size_average, *between, reduce)
    integer = name in ("cross_entropy", "nll_loss", "multi_margin_loss")
    ours_in = [dg.tensor(t) for t in tensors]
    theirs_in = [torch.tensor(t) for t in tensors]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(torch.nn.functional, name)(*theirs_in, *args)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        got = getattr(F, name)(*ours_in, *args)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    assert integer or got.shape == tuple(want.shape)


MODULES = [
    ("MSELoss", (), ()),
    ("L1Loss", (), ()),
    ("SmoothL1Loss", (), ()),
    ("KLDivLoss", (), ()),
    ("BCELoss", (None,), ()),
    ("BCEWithLogitsLoss", (None,), ()),
    ("CrossEntropyLoss", (None,), (-100,)),
    ("NLLLoss", (None,), (-100,)),
    ("MultiMarginLoss", (1, 1.0, None), ()),
    ("HingeEmbeddingLoss", (1.0,), ()),
    ("SoftMarginLoss", (), ()),
    ("MultiLabelSoftMarginLoss", (None,), ()),
    ("PoissonNLLLoss", (True, False), (1e-8,)),
    ("MarginRankingLoss", (0.0,), ()),
    ("CosineEmbeddingLoss", (0.0,), ()),
    ("TripletMarginLoss", (1.0, 2.0, 1e-6, False), ()),
]


@pytest.mark.parametrize("case", MODULES, ids=lambda c: c[0])
def test_modules_read_legacy_arguments_as_torch(case) -> None:
    name, before, between = case
    args = (*before, False, *between, True)  # size_average=False, reduce=True: "sum"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(torch.nn, name)(*args).reduction
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert getattr(nn, name)(*args).reduction == want == "sum"


def test_reduction_by_old_position_is_a_clear_error() -> None:
    x = dg.tensor([[0.5, 1.0]])
    with pytest.raises(TypeError, match="pass the reduction by name"):
        F.mse_loss(x, x, "sum")
    with pytest.raises(TypeError, match="ignore_index"):
        F.cross_entropy(x, dg.tensor([1]), None, -100, "sum")
    with pytest.raises(TypeError, match="reduction='none'"):
        nn.MSELoss("none")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_pointwise_losses_match_torch(name: str, reduction: str) -> None:
    _, _, _, w, y = _inputs()
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    xt = torch.tensor(x, requires_grad=True)
    want = getattr(torch.nn.functional, name)(
        xt, torch.tensor(y), reduction=reduction, weight=torch.tensor(w)
    )
    xd = dg.tensor(x, requires_grad=True)
    got = getattr(F, name)(xd, dg.tensor(y), reduction=reduction, weight=dg.tensor(w))
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="weight must have the input's shape"):
        getattr(F, name)(xd, dg.tensor(y), weight=dg.ones(3))


def test_weighted_mse_gradcheck() -> None:
    x = dg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = dg.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    y = dg.zeros(2, 3, dtype=dg.float64)
    assert dg.gradcheck(lambda a: F.mse_loss(a, y, weight=w), (x,))
