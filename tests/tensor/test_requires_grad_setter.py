"""``x.requires_grad = value`` checked as PyTorch's setter checks it (deepgrad stored any
value: ``1``, ``None``, a NumPy bool, ``True`` on an integer tensor, ``False`` on a computed
one)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

REFUSED = {
    "leaf = 1": (lambda L: L.randn(2), 1, "must be a bool"),
    "leaf = 0": (lambda L: L.randn(2), 0, "must be a bool"),
    "leaf = None": (lambda L: L.randn(2), None, "must be a bool"),
    "leaf = np.True_": (lambda L: L.randn(2), np.True_, "must be a bool"),
    "Parameter = 1": (lambda L: L.nn.Parameter(L.randn(2)), 1, "must be a bool"),
    "int tensor = True": (lambda L: L.arange(3), True, "floating point and complex"),
    "computed = False": (
        lambda L: L.randn(2, requires_grad=True) * 2,
        False,
        "only change requires_grad flags of leaf variables. If you want",
    ),
    "computed = True": (
        lambda L: L.randn(2, requires_grad=True) * 2,
        True,
        "only change requires_grad flags of leaf variables.$",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_requires_grad_assignment_refused_as_torch(case):
    torch = pytest.importorskip("torch")
    make, value, words = REFUSED[case]
    for lib in (torch, dg):
        x = make(lib)
        before = x.requires_grad
        with pytest.raises(RuntimeError, match=words):
            x.requires_grad = value
        assert x.requires_grad is before


def test_requires_grad_assignment_of_bools_works_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dg):
        x = lib.ones(3)
        x.requires_grad = True
        (x * x).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
        x.requires_grad = False
        assert x.requires_grad is False and x.is_leaf
        z = lib.arange(3)
        z.requires_grad = False
        assert z.requires_grad is False
        p = lib.nn.Parameter(lib.ones(2))
        p.requires_grad = False
        assert p.requires_grad is False
