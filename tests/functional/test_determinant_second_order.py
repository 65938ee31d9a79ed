"""Second derivatives of ``slogdet``, ``logdet`` and ``det`` against PyTorch 2.13: float64
``gradgradcheck`` verdicts, the Hessian-vector values, and the graph that a ``create_graph``
pass retains, differentiated again (``logdet`` keeps ``slogdet``'s logabsdet and drops its
sign: releasing that node after the pass made a weak reference to ``None``)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(7)
A = R.standard_normal((2, 3, 3)) + 3 * np.eye(3)
SPD = A @ A.transpose(0, 2, 1) + np.eye(3)
AC = A + 1j * R.standard_normal((2, 3, 3))

FUNCS = {
    "slogdet.logabsdet": lambda lib: lambda x: lib.linalg.slogdet(x).logabsdet,
    "slogdet[1]": lambda lib: lambda x: lib.slogdet(x)[1],
    "logdet": lambda lib: lambda x: lib.logdet(x),
    "det": lambda lib: lambda x: lib.linalg.det(x),
    "tensor.logdet": lambda lib: lambda x: x.logdet(),
    "both outputs": lambda lib: lambda x: tuple(lib.linalg.slogdet(x)),
}


def _input(name: str) -> np.ndarray:
    return SPD if "logdet" in name and "slogdet" not in name else A


@pytest.mark.parametrize("name", list(FUNCS))
def test_gradgradcheck_verdicts_are_pytorchs(torch, name):
    a = _input(name)
    verdicts = []
    for lib in (torch, dg):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
        f = FUNCS[name](lib)
        verdicts.append(
            (
                lib.autograd.gradcheck(f, (x,), raise_exception=False),
                lib.autograd.gradgradcheck(f, (x,), raise_exception=False),
            )
        )
    assert verdicts[0] == verdicts[1] == (True, True)


@pytest.mark.parametrize("name", ["slogdet.logabsdet", "logdet", "det", "tensor.logdet"])
def test_second_derivatives_match_pytorch(torch, name):
    a = _input(name)
    v = R.standard_normal(a.shape)
    out = []
    for lib in (torch, dg):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
        y = FUNCS[name](lib)(x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(v)).sum(), x, create_graph=True)
        # a third pass over the graph the create_graph passes kept
        (h3,) = lib.autograd.grad((h * h).sum(), x)
        out.append((g.detach().numpy(), h.detach().numpy(), h3.numpy()))
    for mine, ref in zip(out[1], out[0], strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12)


def test_backward_twice_through_a_retained_logdet_graph(torch):
    """The node whose sign output was dropped is pinned and released twice."""
    grads = []
    for lib in (torch, dg):
        x = lib.tensor(SPD[0], dtype=lib.float64, requires_grad=True)
        y = lib.logdet(x)
        y.backward(create_graph=True)
        y.backward(retain_graph=True)
        grads.append(x.grad.detach().numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def test_complex_slogdet_second_derivative_through_the_sign(torch):
    """A complex sign moves with A: its second derivative flows through the sign output."""
    w = R.standard_normal((2,)) + 1j * R.standard_normal((2,))
    res = []
    for lib in (torch, dg):
        x = lib.tensor(AC, requires_grad=True)
        s, la = lib.linalg.slogdet(x)
        y = (s * lib.tensor(w)).real.sum() + la.sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad((g.abs() ** 2).sum(), x)
        res.append((g.detach().numpy(), h.numpy()))
    for mine, ref in zip(res[1], res[0], strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12)
