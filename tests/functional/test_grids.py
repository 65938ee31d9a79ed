"""Grids and products of tensors (``broadcast_shapes``/``broadcast_tensors``, ``meshgrid``
with its indexing and warning, ``cartesian_prod``, ``combinations``, ``vander``), the
trapezoidal rule (``trapezoid``/``trapz``/``cumulative_trapezoid``) and the vector products
``inner``, ``mv``, ``cross``/``linalg.cross`` against PyTorch: values, dtypes, gradients,
0-d/empty/broadcast shapes, float64 gradient checks, warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg


def _check(torch, fd, ft, arrays, gradcheck=True):
    xs = [dg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    ys, tys = (y, ty) if isinstance(ty, tuple) else ((y,), (ty,))
    assert len(ys) == len(tys)
    for u, tu in zip(ys, tys, strict=True):
        assert u.shape == tuple(tu.shape) and str(u.dtype) == str(tu.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), tu.detach().numpy(), rtol=1e-12)
    if not any(t.requires_grad for t in ts) or not tys[0].requires_grad:
        return
    w = [np.random.default_rng(i).standard_normal(u.shape) for i, u in enumerate(ys)]
    sum((u * dg.tensor(v)).sum() for u, v in zip(ys, w)).backward()
    sum((tu * torch.tensor(v)).sum() for tu, v in zip(tys, w)).backward()
    for x, t in zip(xs, ts):
        if t.requires_grad:
            ref = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(x.grad.numpy(), ref, rtol=1e-12, atol=1e-14)
    if gradcheck and all(a.size and a.dtype.kind == "f" for a in arrays):
        first = lambda *a: fd(*a)[0] if isinstance(ty, tuple) else fd(*a)  # noqa: E731
        assert dg.gradcheck(first, *[dg.tensor(a, requires_grad=True) for a in arrays])


R = np.random.default_rng(0)


def test_broadcast_shapes_and_tensors_match_pytorch(torch):
    for shapes in [((2, 1), (3,)), ((), (2, 3)), ((0, 1), (1, 4)), (3, (2, 1))]:
        assert tuple(dg.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))
    with pytest.raises(ValueError, match="broadcast"):
        dg.broadcast_shapes((2,), (3,))
    a, b, c = R.standard_normal((3, 1)), R.standard_normal((4,)), np.array(2.0)
    _check(
        torch,
        lambda *t: dg.broadcast_tensors(*t),
        lambda *t: torch.broadcast_tensors(*t),
        [a, b, c],
    )


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(2,), (2, 3), (2, 3, 4), (0, 2), (1, 1)])
def test_meshgrid_matches_pytorch(torch, indexing, sizes):
    arrays = [R.standard_normal(n) for n in sizes]
    _check(torch, lambda *t: dg.meshgrid(*t, indexing=indexing),
           lambda *t: torch.meshgrid(*t, indexing=indexing), arrays)  # fmt: skip
    _check(torch, lambda *t: dg.meshgrid(list(t), indexing=indexing),
           lambda *t: torch.meshgrid(list(t), indexing=indexing), arrays)  # fmt: skip


def test_meshgrid_default_warns_like_pytorch_and_refuses(torch):
    with pytest.warns(UserWarning, match="indexing"):
        grids = dg.meshgrid(dg.arange(2), dg.arange(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tgrids = torch.meshgrid(torch.arange(2), torch.arange(3))
    assert [g.tolist() for g in grids] == [g.tolist() for g in tgrids]
    with pytest.raises(ValueError, match="0-d or 1-D"):
        dg.meshgrid(dg.ones(2, 2), indexing="ij")
    with pytest.raises(ValueError, match="one dtype"):
        dg.meshgrid(dg.ones(2), dg.arange(2), indexing="ij")
    with pytest.raises(ValueError, match='"ij" or "xy"'):
        dg.meshgrid(dg.ones(2), indexing="ji")
    _check(
        torch,
        lambda x: dg.meshgrid(x, x, indexing="ij"),
        lambda x: torch.meshgrid(x, x, indexing="ij"),
        [np.array(1.5)],
    )


def test_cartesian_prod_and_combinations_match_pytorch(torch):
    a, b, c = R.standard_normal(2), R.standard_normal(3), R.standard_normal(0)
    _check(torch, dg.cartesian_prod, torch.cartesian_prod, [a])
    _check(torch, dg.cartesian_prod, torch.cartesian_prod, [a, b])
    _check(torch, dg.cartesian_prod, torch.cartesian_prod, [a, b, a])
    _check(torch, dg.cartesian_prod, torch.cartesian_prod, [a, c])
    x = R.standard_normal(4)
    for r in (0, 1, 2, 3, 4, 5):
        for rep in (False, True):
            _check(torch, lambda t, r=r, rep=rep: dg.combinations(t, r, rep),
                   lambda t, r=r, rep=rep: torch.combinations(t, r, rep), [x])  # fmt: skip
    with pytest.raises(ValueError, match="1-D"):
        dg.combinations(dg.ones(2, 2))


@pytest.mark.parametrize("n", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("increasing", [False, True])
def test_vander_matches_pytorch(torch, n, increasing):
    for a in (
        np.array([0.0, 1.5, -2.0, 0.0]),
        np.array([2, 3, -1], np.int32),
        np.array([True, False]),
        np.zeros(0),
    ):
        # PyTorch 2.13's vander backward fails (an in-place write it then reads): values are
        # compared with PyTorch, gradients with numerical differentiation
        y, ty = dg.vander(dg.tensor(a), n, increasing), torch.vander(torch.tensor(a), n, increasing)
        assert y.shape == tuple(ty.shape) and str(y.dtype) == str(ty.dtype).removeprefix("torch.")
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
        if a.dtype.kind == "f" and a.size and (n is None or n >= 2):
            assert dg.gradcheck(
                lambda t: dg.vander(t, n, increasing), dg.tensor(a, requires_grad=True)
            )
    with pytest.raises(ValueError, match="1-D"):
        dg.vander(dg.ones(2, 2))


@pytest.mark.parametrize(
    "shape, dim", [((5,), -1), ((3, 4), 0), ((3, 4), -1), ((2, 0), -1), ((2, 1), -1), ((0, 3), 0)]
)
def test_trapezoid_matches_pytorch(torch, shape, dim):
    y = R.standard_normal(shape)
    for name in ("trapezoid", "trapz", "cumulative_trapezoid"):
        f, tf = getattr(dg, name), getattr(torch, name)
        _check(torch, lambda t: f(t, dim=dim), lambda t: tf(t, dim=dim), [y])  # noqa: B023
        _check(torch, lambda t: f(t, dx=0.5, dim=dim), lambda t: tf(t, dx=0.5, dim=dim), [y])  # noqa: B023
        x1 = np.cumsum(R.uniform(0.1, 1, shape[dim]))
        _check(torch, lambda t, u: f(t, u, dim=dim), lambda t, u: tf(t, u, dim=dim), [y, x1])  # noqa: B023
        xf = R.standard_normal(shape)
        _check(torch, lambda t, u: f(t, u, dim=dim), lambda t, u: tf(t, u, dim=dim), [y, xf])  # noqa: B023


def test_trapezoid_integer_y_and_errors(torch):
    for name in ("trapezoid", "cumulative_trapezoid"):
        y = np.array([1, 2, 4])
        _check(torch, getattr(dg, name), getattr(torch, name), [y])
        with pytest.raises(ValueError, match="points"):
            getattr(dg, name)(dg.ones(3), dg.ones(2))
        with pytest.raises(ValueError, match="0-d"):
            getattr(dg, name)(dg.tensor(1.0))
    with pytest.raises(TypeError, match="not both"):
        dg.trapezoid(dg.ones(3), dg.ones(3), dx=1.0)


@pytest.mark.parametrize(
    "sa, sb",
    [
        ((3,), (3,)),
        ((2, 3), (4, 3)),
        ((), (2, 3)),
        ((2, 3), ()),
        ((0, 3), (2, 3)),
        ((2, 2, 3), (3,)),
    ],
)
def test_inner_matches_pytorch(torch, sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    _check(torch, dg.inner, torch.inner, [a, b])
    _check(torch, lambda x, y: x.inner(y), lambda x, y: x.inner(y), [a, b])


def test_mv_matches_pytorch(torch):
    for sa, sb in [((2, 3), (3,)), ((0, 3), (3,)), ((2, 0), (0,))]:
        a, b = R.standard_normal(sa), R.standard_normal(sb)
        _check(torch, dg.mv, torch.mv, [a, b])
        _check(torch, lambda x, y: x.mv(y), lambda x, y: x.mv(y), [a, b])
    with pytest.raises(ValueError, match="mv"):
        dg.mv(dg.ones(2, 3), dg.ones(2))


@pytest.mark.parametrize(
    "sa, sb, dim",
    [
        ((3,), (3,), 0),
        ((4, 3), (4, 3), -1),
        ((3, 4), (3, 1), 0),
        ((2, 3), (1, 3), 1),
        ((0, 3), (1, 3), -1),
    ],
)
def test_cross_matches_pytorch(torch, sa, sb, dim):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    _check(
        torch, lambda x, y: dg.cross(x, y, dim=dim), lambda x, y: torch.cross(x, y, dim=dim), [a, b]
    )
    _check(torch, lambda x, y: x.cross(y, dim=dim), lambda x, y: x.cross(y, dim=dim), [a, b])
    _check(
        torch,
        lambda x, y: dg.linalg.cross(x, y, dim=dim),
        lambda x, y: torch.linalg.cross(x, y, dim=dim),
        [a, b],
    )


def test_cross_default_dim_warns_and_errors(torch):
    a, b = R.standard_normal((3, 3)), R.standard_normal((3, 3))
    with pytest.warns(UserWarning, match="dim"):
        y = dg.cross(dg.tensor(a), dg.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(y.numpy(), torch.cross(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_allclose(dg.linalg.cross(dg.tensor(a), dg.tensor(b)).numpy(),
                               torch.linalg.cross(torch.tensor(a), torch.tensor(b)).numpy())  # fmt: skip
    for sa, sb in [((2,), (2,)), ((3,), (2, 3)), ((1, 3), (3, 1))]:
        with pytest.raises(ValueError):
            dg.linalg.cross(dg.ones(sa), dg.ones(sb))


def test_linalg_vander_matches_pytorch(torch):
    rng = np.random.default_rng(9)
    for a, n in [(rng.standard_normal((2, 3)), None), (rng.standard_normal(3), 5),
                 (np.array([0.0, 2.0]), 4), (np.array([2, 3], np.int32), 3)]:  # fmt: skip
        y, ty = dg.linalg.vander(dg.tensor(a), N=n), torch.linalg.vander(torch.tensor(a), N=n)
        assert y.shape == tuple(ty.shape) and str(y.dtype) == str(ty.dtype).removeprefix("torch.")
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-13)
        if a.dtype.kind == "f":
            x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            dg.linalg.vander(x, N=n).sum().backward()
            torch.linalg.vander(t, N=n).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-13)
            assert dg.gradcheck(
                lambda v, n=n: dg.linalg.vander(v, N=n), dg.tensor(a, requires_grad=True)
            )
    for bad in ({"N": 1}, {"N": 0}):
        with pytest.raises(RuntimeError, match="N must be greater than 1"):
            dg.linalg.vander(dg.tensor([1.0, 2.0]), **bad)
    with pytest.raises(RuntimeError, match="bool"):
        dg.linalg.vander(dg.tensor([True, False]))
