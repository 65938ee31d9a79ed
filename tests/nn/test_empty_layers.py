"""Layers with zero features, as PyTorch builds them: ``Linear(0, n)`` (its output is the
bias), ``Linear(n, 0)``, ``LayerNorm(0)``, ``BatchNorm1d(0)`` (a tabular model with no
continuous columns), ``Embedding(n, 0)``; Kaiming initialization of an empty weight is a
no-op with PyTorch's warning. Convolutions with no channels stay refused (PyTorch's forward
raises or gives a wrongly shaped result there)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda lib: lib.nn.Linear(0, 3), (2, 0)),
        (lambda lib: lib.nn.Linear(3, 0), (2, 3)),
        (lambda lib: lib.nn.Linear(0, 0), (2, 0)),
        (lambda lib: lib.nn.Linear(0, 3, bias=False), (2, 0)),
        (lambda lib: lib.nn.LayerNorm(0), (2, 0)),
        (lambda lib: lib.nn.Bilinear(2, 3, 0), None),
    ],
)
@pytest.mark.filterwarnings("ignore:Initializing zero-element")
def test_empty_layers_match_torch(make, shape):
    t, d = make(torch), make(dg)
    assert [tuple(p.shape) for p in d.parameters()] == [tuple(p.shape) for p in t.parameters()]
    d.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    if shape is None:
        a, b = np.ones((2, 2)), np.ones((2, 3))
        yt = t(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32))
        yd = d(dg.tensor(a, dtype=dg.float32), dg.tensor(b, dtype=dg.float32))
        assert tuple(yd.shape) == tuple(yt.shape)
        return
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    xt, xd = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
    yt, yd = t(xt), d(xd)
    assert tuple(yd.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    assert tuple(xd.grad.shape) == tuple(xt.grad.shape)
    for (name, pd), (_, pt) in zip(d.named_parameters(), t.named_parameters(), strict=True):
        np.testing.assert_allclose(pd.grad.numpy(), pt.grad.numpy(), rtol=1e-6, err_msg=name)


def test_linear_with_no_inputs_gives_its_bias_which_starts_at_zero():
    m = nn.Linear(0, 3)
    assert m.bias.numpy().tolist() == [0.0, 0.0, 0.0]  # PyTorch: U(-0, 0) for fan_in = 0
    with dg.no_grad():
        m.bias.copy_(dg.tensor([1.0, 2.0, 3.0]))
    assert m(dg.ones(2, 0)).numpy().tolist() == [[1.0, 2.0, 3.0]] * 2


def test_batchnorm_and_embedding_with_no_features():
    bn = nn.BatchNorm1d(0)
    assert tuple(bn(dg.ones(4, 0)).shape) == (4, 0)
    assert bn.running_mean.shape == (0,)
    emb = nn.Embedding(5, 0)
    assert tuple(emb(dg.tensor([1, 2])).shape) == (2, 0)


def test_kaiming_init_of_an_empty_tensor_is_a_no_op_with_a_warning():
    w = dg.empty(3, 0)
    for fn in (nn.init.kaiming_uniform_, nn.init.kaiming_normal_):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            assert fn(w) is w


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Linear(-1, 3),
        lambda: nn.Conv2d(0, 4, 3),
        lambda: nn.Conv2d(3, 0, 3),
        lambda: nn.Bilinear(0, 3, 2),
        lambda: nn.BatchNorm2d(-1),
        lambda: nn.LayerNorm(-2),
        lambda: nn.Embedding(-1, 3),
    ],
)
def test_negative_sizes_and_empty_convolutions_are_refused(make):
    with pytest.raises(ValueError):
        make()
