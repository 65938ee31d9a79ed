"""``inplace=True`` on the activations, the dropouts and their modules is PyTorch's: the result
is written into the input, which is returned; recorded in the graph (PyTorch's gradients),
the same random draws as the out-of-place form, and PyTorch's refusals (a leaf that requires
grad). Checked against torch 2.13 on the same seeds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

ACTIVATIONS = [
    ("relu", ()),
    ("leaky_relu", (0.2,)),
    ("elu", (0.5,)),
    ("silu", ()),
    ("mish", ()),
    ("selu", ()),
    ("celu", (0.7,)),
    ("hardtanh", (-0.5, 0.5)),
    ("relu6", ()),
    ("hardsigmoid", ()),
    ("hardswish", ()),
    ("threshold", (0.1, 20.0)),
    ("rrelu", (0.1, 0.3, True)),
    ("rrelu", (0.1, 0.3, False)),
    ("dropout", (0.3, True)),
    ("dropout", (0.3, False)),
    ("dropout1d", (0.3, True)),
    ("dropout2d", (0.3, True)),
    ("dropout3d", (0.3, True)),
    ("alpha_dropout", (0.3, True)),
    ("feature_alpha_dropout", (0.3, True)),
]

MODULES = [
    ("ReLU", ()),
    ("ReLU6", ()),
    ("LeakyReLU", (0.1,)),
    ("ELU", ()),
    ("CELU", ()),
    ("SELU", ()),
    ("SiLU", ()),
    ("Mish", ()),
    ("Hardtanh", ()),
    ("Hardsigmoid", ()),
    ("Hardswish", ()),
    ("Threshold", (0.1, 2.0)),
    ("RReLU", ()),
    ("Dropout", ()),
    ("Dropout1d", ()),
    ("Dropout2d", ()),
    ("Dropout3d", ()),
    ("AlphaDropout", ()),  # PyTorch's keeps ``inplace`` without passing it on
    ("FeatureAlphaDropout", ()),
]


def _both(torch, fn):
    """``fn(lib)`` for deepgrad and torch from the same seed, warnings silenced."""
    out = []
    for lib in (dg, torch):
        lib.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(fn(lib))
    return out


def _close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,args", ACTIVATIONS, ids=lambda v: str(v))
def test_functional_writes_the_input_and_records_as_torch(torch, name, args):
    def run(lib):
        x = lib.randn(3, 4, 5)
        y = getattr(lib.nn.functional, name)(x, *args, inplace=True)
        w = lib.randn(3, 4, 5, requires_grad=True)
        h = w * 2
        z = getattr(lib.nn.functional, name)(h, *args, inplace=True)
        (h * lib.arange(60.0).reshape(3, 4, 5)).sum().backward()
        return x, y is x, h, z is h, w.grad

    ours, theirs = _both(torch, run)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, bool):
            assert a == b
        else:
            _close(a, b)


@pytest.mark.parametrize("name,args", MODULES, ids=lambda v: str(v))
def test_modules_pass_inplace_on_as_torch(torch, name, args):
    def run(lib):
        x = lib.randn(3, 4, 5)
        m = getattr(lib.nn, name)(*args, inplace=True)
        y = m(x)
        return x, y, y is x, repr(m)

    (x, y, same, r), (tx, ty, tsame, tr) = _both(torch, run)
    _close(x, tx)
    _close(y, ty)
    assert same == tsame and r == tr


def test_views_strides_and_the_graph(torch):
    def run(lib):
        F = lib.nn.functional
        w = lib.randn(4, 6, requires_grad=True)
        h = w * 1.5
        F.relu(h[:, 2:], inplace=True)  # a write into a view: recorded into h
        t = lib.randn(5, 4).t()  # strided: the mask in the input's memory order
        F.dropout(t, 0.4, True, True)
        F.alpha_dropout(t, 0.4, True, True)
        (h * h).sum().backward()
        return h, t, w.grad

    for a, b in zip(*_both(torch, run), strict=True):
        _close(a, b)


def test_second_order_through_an_in_place_activation(torch):
    def run(lib):
        w = lib.randn(3, 4, requires_grad=True)
        x = w * 1
        lib.nn.functional.leaky_relu(x, 0.2, inplace=True)
        (g,) = lib.autograd.grad((x**3).sum(), w, create_graph=True)
        g.sum().backward()
        return g, w.grad

    for a, b in zip(*_both(torch, run), strict=True):
        _close(a, b)


def test_sequential_relu_before_max_pool_writes_its_input(torch):
    def run(lib):
        x = lib.randn(2, 3, 8)
        y = lib.nn.Sequential(lib.nn.ReLU(inplace=True), lib.nn.MaxPool1d(2))(x)
        return x, y

    for a, b in zip(*_both(torch, run), strict=True):
        _close(a, b)


def test_refusals_and_plain_writes():
    x = dg.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        dg.nn.functional.relu(x, inplace=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        dg.nn.ReLU(inplace=True)(x)
    with dg.no_grad():
        assert dg.nn.functional.relu(x, inplace=True) is x
    assert (x.detach().numpy() >= 0).all() and x.requires_grad and x.grad_fn is None
    n = dg.tensor([-2, 0, 3])
    assert dg.nn.functional.relu6(n, True) is n and n.tolist() == [0, 0, 3]
    with pytest.raises(TypeError, match="dropout"):
        dg.nn.functional.dropout(n, 0.5, True, True)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.dropout_(x, 0.4, True),
        lambda lib, x: lib.alpha_dropout_(x, 0.4, True),
        lambda lib, x: lib.feature_alpha_dropout_(x, 0.4, True),
        lambda lib, x: lib.nn.functional.feature_alpha_dropout(x, 0.4, True),
        lambda lib, x: lib.nn.functional.alpha_dropout(x, 0.4, True),
    ],
)
def test_strided_inputs_draw_as_torch(torch, call):
    """Per-element masks fill the input's memory order, per-channel ones a new row-major
    array, as PyTorch's noise tensors: a transposed input gets PyTorch's numbers."""

    def run(lib):
        x = lib.randn(3, 4, 5).transpose(0, 2)
        return call(lib, x), x

    for a, b in zip(*_both(torch, run), strict=True):
        _close(a, b)
