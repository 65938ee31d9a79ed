"""Picking and writing back (``masked_select``, ``take``, ``select``, ``narrow_copy``,
``repeat_interleave``, ``select_scatter``, ``slice_scatter``) and turning (``rot90``,
``fliplr``, ``flipud``, ``ravel``, ``moveaxis``) against PyTorch: values, dtypes, gradients
(repeated picks add up), 0-d and empty shapes, float64 gradient checks, PyTorch's errors."""

from __future__ import annotations

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
            np.testing.assert_allclose(x.grad.numpy(), ref, rtol=1e-12)
    if gradcheck and all(a.size and a.dtype.kind == "f" for a in arrays):
        first = lambda *a: fd(*a)[0] if isinstance(ty, tuple) else fd(*a)  # noqa: E731
        assert dg.gradcheck(first, *[dg.tensor(a, requires_grad=True) for a in arrays])


R = np.random.default_rng(0)
A = R.standard_normal((3, 4))


@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (3, 1), ()])
def test_masked_select_matches_pytorch(torch, mask_shape):
    m = R.standard_normal(mask_shape) > 0
    _check(
        torch,
        lambda x: dg.masked_select(x, dg.tensor(m)),
        lambda x: torch.masked_select(x, torch.tensor(m)),
        [A],
    )
    _check(
        torch,
        lambda x: x.masked_select(dg.tensor(m)),
        lambda x: x.masked_select(torch.tensor(m)),
        [A],
    )
    _check(torch, lambda x: dg.masked_select(x, dg.tensor(m)), lambda x: torch.masked_select(x, torch.tensor(m)),
           [np.array(2.0)])  # fmt: skip
    with pytest.raises(TypeError, match="bool"):
        dg.masked_select(dg.tensor(A), dg.ones(3, 4))


@pytest.mark.parametrize("index", [[0, -1, 5, 5], [[1, 2], [11, -12]], 3, []])
def test_take_matches_pytorch(torch, index):
    i = np.array(index, np.int64)
    _check(torch, lambda x: dg.take(x, dg.tensor(i)), lambda x: torch.take(x, torch.tensor(i)), [A])
    _check(torch, lambda x: x.take(dg.tensor(i)), lambda x: x.take(torch.tensor(i)), [A])
    with pytest.raises(IndexError, match="out of range"):
        dg.take(dg.tensor(A), dg.tensor([12]))


@pytest.mark.parametrize("dim, index", [(0, 1), (1, -1), (-1, 0)])
def test_select_narrow_copy_match_pytorch(torch, dim, index):
    _check(torch, lambda x: dg.select(x, dim, index), lambda x: torch.select(x, dim, index), [A])
    _check(torch, lambda x: x.select(dim, index), lambda x: x.select(dim, index), [A])
    _check(
        torch,
        lambda x: dg.narrow_copy(x, dim, 1, 2),
        lambda x: torch.narrow_copy(x, dim, 1, 2),
        [A],
    )
    with pytest.raises(IndexError):
        dg.select(dg.tensor(A), dim, 7)
    with pytest.raises(IndexError):
        dg.select(dg.tensor(1.0), 0, 0)


@pytest.mark.parametrize("dim, index", [(0, 1), (1, -1)])
def test_select_scatter_matches_pytorch(torch, dim, index):
    src = R.standard_normal(np.delete(A.shape, dim))
    _check(torch, lambda x, s: dg.select_scatter(x, s, dim, index),
           lambda x, s: torch.select_scatter(x, s, dim, index), [A, src])  # fmt: skip
    with pytest.raises(ValueError, match="shape"):
        dg.select_scatter(dg.tensor(A), dg.ones(7), dim, index)


@pytest.mark.parametrize(
    "dim, start, end, step",
    [(0, None, None, 1), (1, 1, 3, 1), (1, 0, None, 2), (0, -2, None, 1), (1, 4, 4, 1)],
)
def test_slice_scatter_matches_pytorch(torch, dim, start, end, step):
    n = len(range(*slice(start, end, step).indices(A.shape[dim])))
    shape = list(A.shape)
    shape[dim] = n
    src = R.standard_normal(shape)
    _check(torch, lambda x, s: dg.slice_scatter(x, s, dim, start, end, step),
           lambda x, s: torch.slice_scatter(x, s, dim, start, end, step), [A, src])  # fmt: skip
    _check(torch, lambda x, s: x.slice_scatter(s, dim=dim, start=start, end=end, step=step),
           lambda x, s: x.slice_scatter(s, dim=dim, start=start, end=end, step=step), [A, src])  # fmt: skip


@pytest.mark.parametrize(
    "repeats, dim",
    [(2, None), (2, 0), (3, -1), ([1, 0, 2], 0), ([2], 1), ([0, 1, 2, 3], 1), (0, 0)],
)
def test_repeat_interleave_matches_pytorch(torch, repeats, dim):
    r = repeats if isinstance(repeats, int) else np.array(repeats, np.int64)
    dr, tr = (r, r) if isinstance(r, int) else (dg.tensor(r), torch.tensor(r))
    _check(
        torch,
        lambda x: dg.repeat_interleave(x, dr, dim),
        lambda x: torch.repeat_interleave(x, tr, dim),
        [A],
    )
    _check(
        torch, lambda x: x.repeat_interleave(dr, dim), lambda x: x.repeat_interleave(tr, dim), [A]
    )


def test_repeat_interleave_counts_alone_0d_and_errors(torch):
    with pytest.raises(ValueError, match="1-D"):
        dg.repeat_interleave(dg.tensor(4))
    for c in ([2, 0, 3], []):
        ci = np.array(c, np.int64)
        np.testing.assert_array_equal(dg.repeat_interleave(dg.tensor(ci)).numpy(),
                                      torch.repeat_interleave(torch.tensor(ci)).numpy())  # fmt: skip
    _check(
        torch,
        lambda x: dg.repeat_interleave(x, 3),
        lambda x: torch.repeat_interleave(x, 3),
        [np.array(1.5)],
    )
    assert dg.repeat_interleave(dg.tensor([1, 2]), 2, output_size=4).tolist() == [1, 1, 2, 2]
    with pytest.raises(ValueError, match="output_size"):
        dg.repeat_interleave(dg.tensor([1, 2]), 2, output_size=3)
    with pytest.raises(ValueError, match="entries"):
        dg.repeat_interleave(dg.tensor(A), dg.tensor([1, 2]), dim=0)
    with pytest.raises(ValueError, match="non-negative"):
        dg.repeat_interleave(dg.tensor(A), -1, dim=0)


@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, 0)])
def test_rot90_matches_pytorch(torch, k, dims):
    a = R.standard_normal((2, 3, 4))
    _check(torch, lambda x: dg.rot90(x, k, dims), lambda x: torch.rot90(x, k, dims), [a])
    _check(torch, lambda x: x.rot90(k, dims), lambda x: x.rot90(k, dims), [a])


def test_flips_ravel_moveaxis_match_pytorch(torch):
    for shape in [(3, 4), (2, 3, 4), (0, 2)]:
        a = R.standard_normal(shape)
        for name in ("fliplr", "flipud", "ravel"):
            _check(torch, getattr(dg, name), getattr(torch, name), [a])
            _check(torch, lambda x, n=name: getattr(x, n)(), lambda x, n=name: getattr(x, n)(), [a])
        _check(torch, lambda x: dg.moveaxis(x, 0, -1), lambda x: torch.moveaxis(x, 0, -1), [a])
        _check(torch, lambda x: x.moveaxis(0, -1), lambda x: x.moveaxis(0, -1), [a])
    _check(torch, dg.ravel, torch.ravel, [np.array(3.0)])
    for fn, shape in ((dg.fliplr, (3,)), (dg.flipud, ()), (dg.rot90, (3,))):
        with pytest.raises(ValueError, match="dim"):
            fn(dg.zeros(shape))
    with pytest.raises(ValueError, match="2 dims"):
        dg.rot90(dg.zeros(2, 2), 1, (0, 1, 1))
