"""``deepgrad.func.vjp`` / ``jvp`` / ``linearize`` against ``torch.func``'s: outputs,
products, pytree primals, ``has_aux``, several calls of ``vjp_fn``, composition with
``grad``, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import func as dfunc

torch = pytest.importorskip("torch")
tfunc = torch.func


def _both(make):
    a = np.array([0.5, -1.0, 2.0])
    b = np.array([[1.0, 2.0, 0.5], [0.3, -0.7, 1.1]])
    return [make(lib, lib.tensor(a), lib.tensor(b)) for lib in (torch, dg)]


def _np(t):
    return np.asarray(t.detach().numpy()) if hasattr(t, "detach") else t


def _same(x, y):
    if isinstance(x, (tuple, list)):
        assert len(x) == len(y)
        for p, q in zip(x, y):
            _same(p, q)
    elif isinstance(x, dict):
        assert x.keys() == y.keys()
        for k in x:
            _same(x[k], y[k])
    else:
        np.testing.assert_allclose(_np(y), _np(x), rtol=1e-12, atol=1e-12)


def test_vjp_of_two_primals_and_two_outputs():
    def make(lib, a, b):
        f = lambda x, w: ((w @ x).tanh(), (x * x).sum())  # noqa: E731
        out, fn = (tfunc if lib is torch else dfunc).vjp(f, a, b)
        ct = (lib.ones(2, dtype=lib.float64) * 0.5, lib.tensor(2.0, dtype=lib.float64))
        return out, fn(ct), fn(ct)  # twice: the graph is kept

    _same(*_both(make))


def test_vjp_with_aux_and_dict_primals():
    def make(lib, a, b):
        f = lambda p: ((p["w"] @ p["x"]).sin(), p["x"].sum())  # noqa: E731
        out, fn, aux = (tfunc if lib is torch else dfunc).vjp(f, {"x": a, "w": b}, has_aux=True)
        return out, fn(lib.ones(2, dtype=lib.float64)), aux

    _same(*_both(make))


def test_jvp_and_linearize():
    def make(lib, a, b):
        F = tfunc if lib is torch else dfunc
        f = lambda x, w: (w @ x).exp()  # noqa: E731
        out, jv = F.jvp(
            f, (a, b), (lib.ones(3, dtype=lib.float64), lib.zeros(2, 3, dtype=lib.float64))
        )
        lo, fn = F.linearize(lambda x: x.sin() * x, a)
        return out, jv, lo, fn(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))

    _same(*_both(make))


def test_grad_of_a_vjp_composes():
    def make(lib, a, b):
        F = tfunc if lib is torch else dfunc

        def g(x):
            _, fn = F.vjp(lambda y: y**3, x)
            return fn(lib.ones_like(x))[0].sum()

        return F.grad(g)(a)  # d/dx Σ 3x² = 6x

    _same(*_both(make))


def test_refusals():
    x = dg.ones(2)
    _, fn = dfunc.vjp(lambda y: y * 2, x)
    with pytest.raises(RuntimeError, match="shape"):
        fn(dg.ones(3))
    with pytest.raises(RuntimeError, match="tuples"):
        dfunc.jvp(lambda y: y, x, x)
    with pytest.raises(RuntimeError, match="same shape"):
        dfunc.jvp(lambda y: y, (x,), (dg.ones(3),))
