"""float64 gradchecks of the differentiable functions added for PyTorch's names (issue 13):
the remainders, lerp, the special functions, order statistics, scans, scatter/index writes,
diagonals, fused products and distances — on broadcast, 0-d and empty shapes where they
apply. Their values against PyTorch: tests/differential/test_ops_torch_names.py."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F

rng = np.random.default_rng(0)


def t(*shape, lo=-2.0, hi=2.0):
    """A float64 leaf of distinct values (no ties, no kinks at the evaluation point)."""
    n = int(np.prod(shape, dtype=np.int64))
    v = rng.permutation(np.linspace(lo, hi, max(n, 1)) + 0.0137)[:n]
    return dg.tensor(v.reshape(shape), dtype=dg.float64, requires_grad=True)


IDX = dg.tensor([[0, 2, 1, 0], [3, 3, 0, 1]])

CASES = {
    "remainder": (lambda a, b: a % b, lambda: (t(2, 3), t(3, lo=0.7, hi=1.9))),
    "remainder_0d": (lambda a, b: F.remainder(a, b), lambda: (t(), t(lo=0.5, hi=0.9))),
    "fmod": (lambda a, b: F.fmod(a, b), lambda: (t(2, 1), t(3, lo=0.7, hi=1.3))),
    "lerp": (lambda a, b, w: F.lerp(a, b, w), lambda: (t(2, 3), t(3), t(2, 1, lo=0, hi=1))),
    "lerp_number": (lambda a, b: a.lerp(b, 0.8), lambda: (t(4), t(1))),
    "addcmul": (lambda a, b, c: F.addcmul(a, b, c, value=-0.5), lambda: (t(3), t(2, 1), t(3))),
    "addcdiv": (
        lambda a, b, c: F.addcdiv(a, b, c, value=2),
        lambda: (t(3), t(3), t(1, lo=1, hi=2)),
    ),
    "xlogy": (lambda a, b: F.xlogy(a, b), lambda: (t(2, 3), t(3, lo=0.2, hi=3))),
    "erfc": (lambda a: F.erfc(a), lambda: (t(5),)),
    "erfinv": (lambda a: F.erfinv(a), lambda: (t(5, lo=-0.9, hi=0.9),)),
    "nan_to_num": (lambda a: F.nan_to_num(a), lambda: (t(2, 2),)),
    "median": (lambda a: a.median(), lambda: (t(5),)),
    "median_dim": (lambda a: a.median(1).values, lambda: (t(3, 4),)),
    "nanmedian_dim": (lambda a: a.nanmedian(0, keepdim=True).values, lambda: (t(3, 4),)),
    "kthvalue": (lambda a: a.kthvalue(2, 0).values, lambda: (t(3, 2),)),
    "mode": (lambda a: F.mode(a, -1).values, lambda: (t(2, 3),)),
    "quantile": (lambda a: F.quantile(a, 0.35), lambda: (t(7),)),
    "quantile_q_dim": (
        lambda a: F.quantile(a, dg.tensor([0.1, 0.9], dtype=dg.float64), dim=1),
        lambda: (t(3, 5),),
    ),
    "nanquantile": (lambda a: F.nanquantile(a, 0.5, 0), lambda: (t(4, 2),)),
    "nanmean": (lambda a: a.nanmean(1), lambda: (t(2, 3),)),
    "nansum": (lambda a: F.nansum(a, (0, 1)), lambda: (t(2, 3),)),
    "std_mean": (lambda a: sum(x.sum() for x in F.std_mean(a, 0)), lambda: (t(3, 2),)),
    "var_mean": (lambda a: sum(x.sum() for x in F.var_mean(a, correction=0)), lambda: (t(4),)),
    "aminmax": (lambda a: F.aminmax(a, dim=0).max - F.aminmax(a).min, lambda: (t(3, 2),)),
    "logcumsumexp": (lambda a: F.logcumsumexp(a, 1), lambda: (t(2, 4),)),
    "logcumsumexp_big": (lambda a: F.logcumsumexp(a * 300, 0), lambda: (t(4),)),
    "cummax": (lambda a: F.cummax(a, 0).values, lambda: (t(5, 2),)),
    "cummin": (lambda a: F.cummin(a, -1).values, lambda: (t(2, 5),)),
    "diff": (lambda a, p: F.diff(a, 2, 0, prepend=p), lambda: (t(3, 2), t(1, 2))),
    "unbind": (lambda a: a.unbind(1)[1] * a.unbind(1)[0], lambda: (t(2, 3),)),
    "scatter": (  # no repeated position: which write wins there is unspecified
        lambda a, s: a.scatter(1, dg.tensor([[0, 2, 1, 4], [3, 2, 0, 1]]), s),
        lambda: (t(2, 5), t(2, 4)),
    ),
    "scatter_add": (lambda a, s: F.scatter_add(a, 1, IDX, s), lambda: (t(2, 5), t(2, 4))),
    "scatter_mean": (lambda a, s: a.scatter_reduce(1, IDX, s, "mean"), lambda: (t(2, 5), t(2, 4))),
    "scatter_amax": (
        lambda a, s: a.scatter_reduce(1, IDX, s, "amax", include_self=False),
        lambda: (t(2, 5), t(2, 4)),
    ),
    "scatter_prod": (
        lambda a, s: a.scatter_reduce(1, IDX, s, "prod"),
        lambda: (t(2, 5, lo=0.5, hi=2), t(2, 4, lo=0.5, hi=2)),
    ),
    "index_add": (
        lambda a, s: a.index_add(0, dg.tensor([2, 0, 2]), s, alpha=3),
        lambda: (t(3, 2), t(3, 2)),
    ),
    "index_fill": (lambda a, v: a.index_fill(1, dg.tensor([0, 2]), v), lambda: (t(2, 3), t())),
    "diagonal": (lambda a: a.diagonal(-1, 2, 0), lambda: (t(3, 2, 4),)),
    "diag_embed": (lambda a: F.diag_embed(a, 1, 0, 2), lambda: (t(2, 3),)),
    "diag": (lambda a: F.diag(a, 1).sum() + F.diag(F.diag(a[0])).sum(), lambda: (t(3, 3),)),
    "trace": (lambda a: a.trace(), lambda: (t(3, 4),)),
    "addmm": (
        lambda c, a, b: F.addmm(c, a, b, beta=0.5, alpha=2),
        lambda: (t(3), t(2, 4), t(4, 3)),
    ),
    "addmv": (lambda c, a, b: F.addmv(c, a, b), lambda: (t(2), t(2, 4), t(4))),
    "baddbmm": (lambda c, a, b: F.baddbmm(c, a, b), lambda: (t(1, 3), t(2, 2, 4), t(2, 4, 3))),
    "addbmm": (
        lambda c, a, b: F.addbmm(c, a, b, alpha=-1),
        lambda: (t(2, 3), t(2, 2, 4), t(2, 4, 3)),
    ),
    "tensordot": (
        lambda a, b: F.tensordot(a, b, ([0, 2], [2, 0])),
        lambda: (t(2, 3, 4), t(4, 5, 2)),
    ),
    "kron": (lambda a, b: F.kron(a, b), lambda: (t(2, 3), t(3))),
    "dist": (lambda a, b: F.dist(a, b, 3), lambda: (t(2, 3), t(3))),
    "cdist": (lambda a, b: F.cdist(a, b), lambda: (t(2, 3, 4), t(1, 2, 4))),
    "cdist_p1": (lambda a, b: F.cdist(a, b, 1.0), lambda: (t(3, 2), t(2, 2, lo=3, hi=4))),
    "mT": (lambda a: a.mT @ a, lambda: (t(2, 3, 2),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    f, inputs = CASES[name]
    assert dg.gradcheck(f, *inputs(), eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    "name, f, shape",
    [
        ("median", lambda a: a.median(), (0,)),
        ("cummax", lambda a: F.cummax(a, 0).values, (0, 2)),
        ("logcumsumexp", lambda a: F.logcumsumexp(a, 1), (2, 0)),
        ("nansum", lambda a: F.nansum(a), (0, 3)),
        ("diagonal", lambda a: a.diagonal(), (0, 3)),
        ("scatter_add", lambda a: a.scatter_add(0, dg.zeros(0, 3, dtype=dg.long), a), (0, 3)),
        ("kron", lambda a: F.kron(a, a), (0, 2)),
    ],
)
def test_empty_inputs_give_empty_gradients(name, f, shape):
    x = dg.zeros(*shape, dtype=dg.float64, requires_grad=True)
    y = f(x)
    y.sum().backward()
    assert x.grad.shape == shape


def test_logcumsumexp_second_order():
    x = t(4)
    (g,) = dg.grad(F.logcumsumexp(x, 0).sum(), x, create_graph=True)
    assert dg.gradcheck(lambda a: dg.grad(F.logcumsumexp(a, 0).sum(), a, create_graph=True)[0], x)
    assert g.shape == (4,)


def test_median_of_ties_splits_the_gradient_evenly():
    x = dg.tensor([1.0, 3.0, 1.0, 0.0, 5.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5, 0.0, 0.0]
