"""PyTorch's other elementwise, reduction and product operations: clamp, sign, floor, ceil,
round, sin, cos, log1p, expm1, square, rsqrt, reciprocal, cumsum, cumprod, prod, norm, amax,
amin, all, any, einsum, outer, bmm, dot (functions and Tensor methods) against PyTorch in
float64 — values and gradients, including at zeros and ties — with float64 gradient checks,
second-order gradients against ``torch.autograd.grad``, dtypes, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F


def _compare(torch, fd, ft, *arrays, check=True):
    """Values and input gradients of ``fd`` (deepgrad) and ``ft`` (PyTorch) agree in float64
    (upstream gradient: a fixed random array); then ``dg.gradcheck(fd)``."""
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(1).standard_normal(y.shape)
    (y * dg.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    for x, t in zip(xs, ts):
        ref = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(x.grad.numpy(), ref, rtol=1e-10, atol=1e-12)
    if check:
        assert dg.gradcheck(fd, *[dg.tensor(a, requires_grad=True) for a in arrays])


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _second_order(torch, fd, ft, a):
    """``d/dx Σ (df/dx ⊙ w)`` agrees with PyTorch's (``create_graph=True`` twice), and the
    first derivative passes its own gradient check."""
    w = np.random.default_rng(2).standard_normal(a.shape)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    (g,) = dg.grad(fd(x), x, create_graph=True)
    (tg,) = torch.autograd.grad(ft(t), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    (gg,) = dg.grad((g * dg.tensor(w)).sum(), x)
    (tgg,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), t)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-10, atol=1e-12)
    assert dg.gradcheck(
        lambda s: dg.grad(fd(s), s, create_graph=True)[0], dg.tensor(a, requires_grad=True)
    )


# ---- elementwise ----------------------------------------------------------------------------
A = _randn(3, 4)
POS = np.abs(A) + 0.5
ELEMENTWISE = [
    ("sin", lambda x: F.sin(x), lambda t: t.sin(), A),
    ("cos", lambda x: x.cos(), lambda t: t.cos(), A),
    ("log1p", lambda x: dg.log1p(x), lambda t: t.log1p(), POS - 0.9),
    ("expm1", lambda x: x.expm1(), lambda t: t.expm1(), A),
    ("square", lambda x: dg.square(x), lambda t: t.square(), A),
    ("rsqrt", lambda x: x.rsqrt(), lambda t: t.rsqrt(), POS),
    ("reciprocal", lambda x: dg.reciprocal(x), lambda t: t.reciprocal(), np.sign(A) * POS),
    ("clamp(min)", lambda x: dg.clamp(x, min=-0.3), lambda t: t.clamp(min=-0.3), A),
    ("clamp(max)", lambda x: x.clamp(max=0.2), lambda t: t.clamp(max=0.2), A),
    ("clamp(min, max)", lambda x: x.clamp(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5), A),
    ("pow", lambda x: x.pow(3), lambda t: t.pow(3), A),
    ("neg", lambda x: x.neg(), lambda t: t.neg(), A),
]


@pytest.mark.parametrize("name, fd, ft, a", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_matches_pytorch(torch, name, fd, ft, a):
    _compare(torch, fd, ft, a)


STEPS = [
    ("sign", dg.sign, lambda t: t.sign()),
    ("floor", dg.floor, lambda t: t.floor()),
    ("ceil", lambda x: x.ceil(), lambda t: t.ceil()),
    ("round", dg.round, lambda t: t.round()),
    ("round(decimals=1)", lambda x: x.round(decimals=1), lambda t: t.round(decimals=1)),
]


@pytest.mark.parametrize("name, fd, ft", STEPS, ids=[c[0] for c in STEPS])
def test_steps_match_pytorch_with_zero_gradient(torch, name, fd, ft):
    a = np.concatenate([A.ravel() * 3, [0.0, 2.5, -2.5, 0.5, -1.0]])  # zero, halves, integers
    _compare(torch, fd, ft, a, check=False)  # values, and PyTorch's gradient (zeros)
    x = dg.tensor(a, requires_grad=True)
    fd(x).sum().backward()
    assert x.grad is not None and not x.grad.numpy().any()


def test_clamp_with_tensor_bounds_matches_pytorch(torch):
    lo, hi = _randn(4, seed=5) - 0.5, _randn(3, 1, seed=6) + 0.5
    _compare(torch, lambda x, a, b: dg.clamp(x, a, b), lambda x, a, b: x.clamp(a, b), A, lo, hi)
    _compare(torch, lambda x, a: x.clamp(min=a), lambda x, a: x.clamp(min=a), A, lo)


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="at least one of min and max"):
        dg.clamp(dg.ones(2))


def test_integer_inputs_follow_pytorch_dtypes(torch):
    a = np.array([[1, -2, 3]], np.int32)
    for fd, ft in [
        (dg.sin, torch.sin),
        (dg.reciprocal, torch.reciprocal),
        (dg.square, torch.square),
        (dg.floor, torch.floor),
        (dg.sign, torch.sign),
        (lambda x: dg.cumsum(x, 1), lambda t: torch.cumsum(t, 1)),
        (dg.prod, torch.prod),
    ]:
        y, ref = fd(dg.tensor(a)), ft(torch.tensor(a))
        assert str(y.dtype) == str(ref.dtype).removeprefix("torch."), (fd, y.dtype, ref.dtype)
        np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-6)


# ---- scans and reductions -------------------------------------------------------------------
B = _randn(2, 3, 4)
ZEROS = np.array([[1.5, 0.0, -2.0, 3.0], [0.0, 2.0, 0.0, 0.5], [0.7, -1.2, 0.9, 2.0]])
REDUCTIONS = [
    ("cumsum(0)", lambda x: dg.cumsum(x, 0), lambda t: t.cumsum(0), B),
    ("cumsum(-1)", lambda x: x.cumsum(-1), lambda t: t.cumsum(-1), B),
    ("cumprod(1)", lambda x: F.cumprod(x, 1), lambda t: t.cumprod(1), B),
    ("cumprod(-1) zeros", lambda x: x.cumprod(-1), lambda t: t.cumprod(-1), ZEROS),
    ("cumprod(0) zeros", lambda x: x.cumprod(0), lambda t: t.cumprod(0), ZEROS),
    ("prod()", lambda x: F.prod(x), lambda t: t.prod(), B[0]),
    ("prod(1)", lambda x: x.prod(1), lambda t: t.prod(1), B),
    ("prod(-1, keepdim)", lambda x: x.prod(-1, keepdim=True), lambda t: t.prod(-1, True), B),
    ("prod(1) zeros", lambda x: x.prod(1), lambda t: t.prod(1), ZEROS),
    ("prod(0) zeros", lambda x: x.prod(0), lambda t: t.prod(0), ZEROS),
    ("prod() one zero", lambda x: x.prod(), lambda t: t.prod(), ZEROS[2:] * ZEROS[:1]),
    ("amax()", lambda x: F.amax(x), lambda t: t.amax(), B),
    ("amax((0, -1))", lambda x: x.amax((0, -1)), lambda t: t.amax((0, -1)), B),
    ("amin(1, keepdim)", lambda x: x.amin(1, keepdim=True), lambda t: t.amin(1, True), B),
    ("amax ties", lambda x: x.amax(1), lambda t: t.amax(1), np.round(ZEROS)),
    ("amin ties", lambda x: dg.amin(x, 0), lambda t: t.amin(0), np.round(ZEROS)),
]


@pytest.mark.parametrize("name, fd, ft, a", REDUCTIONS, ids=[c[0] for c in REDUCTIONS])
def test_reductions_match_pytorch(torch, name, fd, ft, a):
    # gradcheck where the function is smooth (no ties for amax/amin)
    _compare(torch, fd, ft, a, check="ties" not in name)


NORMS = [2, 1, 3, 1.5, 0.5, float("inf"), float("-inf"), 0]


@pytest.mark.parametrize("p", NORMS)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (-1, True), ((0, 2), False)])
def test_norm_matches_pytorch_vector_norm(torch, p, dim, keepdim):
    _compare(
        torch,
        lambda x: x.norm(p, dim, keepdim),
        lambda t: torch.linalg.vector_norm(t, p, dim, keepdim),
        B,
        check=p != 0,
    )


@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0.5, float("inf")])
def test_norm_gradient_at_zero_matches_pytorch(torch, p):
    # a zero row (norm 0: gradient 0) and a row with a zero element
    a = np.array([[0.0, 0.0, 0.0], [0.0, -1.5, 2.0]])
    _compare(
        torch,
        lambda x: dg.norm(x, p, 1),
        lambda t: torch.linalg.vector_norm(t, p, 1),
        a,
        check=False,
    )


def test_norm_of_everything_is_torch_norm(torch):
    a = B
    assert np.isclose(dg.tensor(a).norm().item(), torch.norm(torch.tensor(a)).item())
    assert np.isclose(dg.norm(dg.tensor(a), 1).item(), torch.norm(torch.tensor(a), p=1).item())


@pytest.mark.parametrize("fn", ["all", "any"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (-1, True), ((0, 1), False)])
def test_all_any_match_pytorch(torch, fn, dim, keepdim):
    a = (np.random.default_rng(4).integers(0, 3, (3, 4)) > 0).astype(np.float64)
    a[1] = 1.0
    y = getattr(dg, fn)(dg.tensor(a), dim, keepdim)
    t = torch.tensor(a)
    ref = getattr(torch, fn)(t) if dim is None else getattr(torch, fn)(t, dim, keepdim)
    assert y.dtype == np.bool_ and y.shape == tuple(ref.shape)
    np.testing.assert_array_equal(y.numpy(), ref.numpy())
    assert np.array_equal(getattr(dg.tensor(a), fn)(dim, keepdim).numpy(), ref.numpy())


def test_max_method_returns_torchs_values_and_indices():
    x = dg.tensor(B)
    values, indices = x.max(1)
    np.testing.assert_array_equal(values.numpy(), B.max(1))
    np.testing.assert_array_equal(indices.numpy(), B.argmax(1))
    np.testing.assert_array_equal(x.amax(1).numpy(), B.max(1))


# ---- products -------------------------------------------------------------------------------
EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,jk", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (1, 4, 2)]),
    ("...ij,...jk", [(2, 3, 4), (4, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(1, 4)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,j->i", [(3, 4), (1,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 2), (1, 2, 4, 2)]),
    ("ji", [(3, 4)]),
    ("...i->...", [(2, 3, 4)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUMS, ids=[c[0] for c in EINSUMS])
def test_einsum_matches_pytorch(torch, eq, shapes):
    arrays = [_randn(*s, seed=i) for i, s in enumerate(shapes)]
    _compare(torch, lambda *xs: dg.einsum(eq, *xs), lambda *ts: torch.einsum(eq, *ts), *arrays)


def test_einsum_takes_a_list_of_operands(torch):
    a, b = _randn(2, 3), _randn(3, 2, seed=1)
    y = dg.einsum("ij,jk->ik", [dg.tensor(a), dg.tensor(b)])
    np.testing.assert_allclose(y.numpy(), a @ b, rtol=1e-12)


PRODUCTS = [
    ("outer", dg.outer, "outer", [(3,), (4,)]),
    ("bmm", dg.bmm, "bmm", [(2, 3, 4), (2, 4, 2)]),
    ("dot", dg.dot, "dot", [(5,), (5,)]),
]


@pytest.mark.parametrize("name, fd, tname, shapes", PRODUCTS, ids=[c[0] for c in PRODUCTS])
def test_products_match_pytorch(torch, name, fd, tname, shapes):
    arrays = [_randn(*s, seed=i) for i, s in enumerate(shapes)]
    _compare(torch, fd, getattr(torch, tname), *arrays)
    _compare(torch, lambda a, b: getattr(a, name)(b), lambda a, b: getattr(a, tname)(b), *arrays)


# ---- second-order gradients against torch.autograd ------------------------------------------
SECOND = [
    ("cumsum", lambda x: (dg.cumsum(x, 1) ** 3).sum(), lambda t: (t.cumsum(1) ** 3).sum(), A),
    ("cumprod", lambda x: x.cumprod(-1).sum(), lambda t: t.cumprod(-1).sum(), A),
    ("cumprod zeros", lambda x: x.cumprod(1).sum(), lambda t: t.cumprod(1).sum(), ZEROS),
    ("prod", lambda x: x.prod(1).sum(), lambda t: t.prod(1).sum(), ZEROS),
    ("norm", lambda x: x.norm(dim=1).sum(), lambda t: t.norm(dim=1).sum(), A),
    ("norm p=3", lambda x: x.norm(3, 0).sum(), lambda t: t.norm(3, 0).sum(), A),
    (
        "einsum",
        lambda x: dg.einsum("ij,kj->ik", x, x).square().sum(),
        lambda t: torch_einsum_sq(t),
        A,
    ),
    (
        "einsum trace",
        lambda x: dg.einsum("ii", x[:3, :3] ** 3),
        lambda t: (t[:3, :3] ** 3).trace(),
        A,
    ),
    ("sin cos", lambda x: (x.sin() * x.cos()).sum(), lambda t: (t.sin() * t.cos()).sum(), A),
    (
        "rsqrt reciprocal",
        lambda x: (x.rsqrt() + x.reciprocal()).sum(),
        lambda t: (t.rsqrt() + t.reciprocal()).sum(),
        POS,
    ),
    (
        "log1p expm1",
        lambda x: (x.log1p() * x.expm1()).sum(),
        lambda t: (t.log1p() * t.expm1()).sum(),
        POS,
    ),
]


def torch_einsum_sq(t):
    import torch

    return (torch.einsum("ij,kj->ik", t, t) ** 2).sum()


@pytest.mark.parametrize("name, fd, ft, a", SECOND, ids=[c[0] for c in SECOND])
def test_second_order_matches_torch_autograd(torch, name, fd, ft, a):
    _second_order(torch, fd, ft, a)


# ---- errors ---------------------------------------------------------------------------------
X = dg.zeros(2, 3)
BAD = [
    ("cumsum axis", lambda: X.cumsum(2), ValueError, "cumsum: dim 2 is out of range"),
    ("cumprod axis", lambda: dg.cumprod(X, -3), ValueError, "cumprod: dim -3 is out of range"),
    ("cumsum tuple", lambda: X.cumsum((0, 1)), TypeError, "dim must be one int"),
    ("prod tuple", lambda: X.prod((0, 1)), TypeError, "prod: dim must be one int"),
    ("amax axis", lambda: X.amax(5), ValueError, "amax: dim 5 is out of range"),
    ("all axis", lambda: X.all(-3), ValueError, "all: dim -3 is out of range"),
    (
        "norm int",
        lambda: dg.tensor([1, 2]).norm(),
        TypeError,
        "floating point or complex tensor, got dtype int64",
    ),
    ("norm p str", lambda: X.norm("max"), TypeError, "p must be a number, 'fro' or 'nuc'"),
    ("norm axis", lambda: X.norm(2, 2), ValueError, "norm: dim 2 is out of range"),
    (
        "einsum count",
        lambda: dg.einsum("ij,jk->ik", X),
        ValueError,
        "names 2 operands but 1 were given",
    ),
    (
        "einsum rank",
        lambda: dg.einsum("ijk->i", X),
        ValueError,
        r"shape \(2, 3\) has 2 dims but term 'ijk'",
    ),
    (
        "einsum size",
        lambda: dg.einsum("ij,ij->i", X, dg.zeros(2, 4)),
        ValueError,
        "subscript 'j' has size 4",
    ),
    ("einsum diagonal size", lambda: dg.einsum("ii->i", X), ValueError, "subscript 'i' has size 3"),
    (
        "einsum output",
        lambda: dg.einsum("ij->k", X),
        ValueError,
        "output subscript 'k'.*appears in no operand",
    ),
    ("einsum output repeat", lambda: dg.einsum("ij->ii", X), ValueError, "'i'.*is repeated"),
    ("einsum bad char", lambda: dg.einsum("i1->i", X), ValueError, "invalid subscripts"),
    ("einsum none", lambda: dg.einsum("->"), ValueError, "at least one operand"),
    (
        "outer 2-D",
        lambda: dg.outer(X, dg.zeros(3)),
        ValueError,
        r"two 1-D tensors, got shapes \(2, 3\) and \(3,\)",
    ),
    ("bmm 2-D", lambda: dg.bmm(X, X), ValueError, "two 3-D tensors"),
    (
        "bmm batch",
        lambda: dg.bmm(dg.zeros(2, 3, 4), dg.zeros(1, 4, 2)),
        ValueError,
        r"do not fit \(B, n, k\) @ \(B, k, m\)",
    ),
    ("dot lengths", lambda: dg.dot(dg.zeros(3), dg.zeros(2)), ValueError, "one length"),
]


@pytest.mark.parametrize("name, call, exc, msg", BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_clearly(name, call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
