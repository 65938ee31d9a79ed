"""``dg.autograd.gradcheck`` / ``gradgradcheck`` under PyTorch's names and keywords: the same
verdicts as torch 2.13 on right and wrong derivatives."""

from __future__ import annotations

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _bad(lib):
    """x² whose backward detaches x: right first derivative, wrong (zero) second one."""

    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**2

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a.detach()

    return Bad.apply


CASES = [
    ("sin cube", lambda lib: lambda a: (a**3).sin(), 1),
    ("tanh of a product", lambda lib: lambda a, b: (b @ a).tanh(), 2),
    ("two outputs", lambda lib: lambda a: (a.exp(), a * a), 1),
    ("detached backward", _bad, 1),
]


@pytest.mark.parametrize("name,make,n", CASES, ids=[c[0] for c in CASES])
def test_verdicts_are_pytorchs(name, make, n):
    results = []
    for lib in (torch, dg):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=lib.float64, requires_grad=True)
        args = (x, w)[:n]
        f = make(lib)
        results.append(
            (
                lib.autograd.gradcheck(f, args, raise_exception=False),
                lib.autograd.gradgradcheck(f, args, raise_exception=False),
            )
        )
    assert results[0] == results[1]


def test_gradgradcheck_raises_on_a_wrong_second_derivative_by_default():
    x = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    with pytest.raises(dg.GradcheckError):
        dg.autograd.gradgradcheck(_bad(dg), (x,))


def test_pytorchs_keywords_are_taken_and_unknown_ones_refused():
    x = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    assert dg.autograd.gradcheck(lambda a: a.exp(), x, fast_mode=True, nondet_tol=1e-9)
    assert dg.autograd.gradcheck(lambda a: a.exp(), (x,), check_undefined_grad=False)
    with pytest.raises(TypeError, match="did you mean 'atol'"):
        dg.autograd.gradcheck(lambda a: a.exp(), (x,), atoll=1e-3)
    with pytest.raises(NotImplementedError, match="check_forward_ad"):
        dg.autograd.gradcheck(lambda a: a.exp(), (x,), check_forward_ad=True)
