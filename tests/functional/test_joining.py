"""Joining and splitting (``hstack``/``vstack``/``dstack``/``column_stack``/``atleast_nd``,
``tensor_split``/``hsplit``/``vsplit``/``dsplit``) against PyTorch: values, dtypes and
gradients on 0-d, 1-D, empty and higher shapes; float64 gradient checks; PyTorch's errors."""

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
SHAPES = [(), (3,), (2, 3), (2, 3, 2), (0, 3)]


@pytest.mark.parametrize("name", ["hstack", "vstack", "row_stack", "dstack", "column_stack"])
@pytest.mark.parametrize("shape", SHAPES)
def test_stacks_match_pytorch(torch, name, shape):
    a, b = R.standard_normal(shape), R.standard_normal(shape)
    _check(torch, lambda x, y: getattr(dg, name)([x, y]), lambda x, y: getattr(torch, name)([x, y]),
           [a, b])  # fmt: skip


def test_stacks_mixed_ranks_and_dtypes(torch):
    a, b = np.array([1, 2], np.int32), np.array([[3.0], [4.0]])
    _check(
        torch, lambda x, y: dg.column_stack((x, y)), lambda x, y: torch.column_stack((x, y)), [a, b]
    )
    _check(torch, lambda x, y: dg.vstack([x, y]), lambda x, y: torch.vstack([x, y]),
           [np.array([1.0, 2.0]), np.ones((2, 2))])  # fmt: skip
    with pytest.raises(TypeError, match="sequence"):
        dg.hstack(dg.ones(2))
    with pytest.raises(ValueError):
        dg.vstack([dg.ones(2), dg.ones(3)])


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_matches_pytorch(torch, name):
    for shape in [(), (2,), (2, 3), (1, 2, 3, 1)]:
        a = R.standard_normal(shape)
        _check(torch, getattr(dg, name), getattr(torch, name), [a])
    out = getattr(dg, name)(dg.tensor(1.0), dg.ones(2))
    tout = getattr(torch, name)(torch.tensor(1.0), torch.ones(2))
    assert [o.shape for o in out] == [tuple(t.shape) for t in tout]


@pytest.mark.parametrize("spec", [3, 1, 5, 8, [2, 5], [5, 2], [0, 9], []])
@pytest.mark.parametrize("dim", [0, -1])
def test_tensor_split_matches_pytorch(torch, spec, dim):
    a = R.standard_normal((7, 4) if dim == 0 else (2, 7))
    _check(torch, lambda x: dg.tensor_split(x, spec, dim), lambda x: torch.tensor_split(x, spec, dim),
           [a], gradcheck=False)  # fmt: skip
    _check(
        torch,
        lambda x: x.tensor_split(spec, dim=dim),
        lambda x: x.tensor_split(spec, dim=dim),
        [a],
        gradcheck=False,
    )


def test_tensor_split_tensor_spec_and_errors(torch):
    a = np.arange(7.0)
    for spec in (np.array(3), np.array([1, 4])):
        _check(torch, lambda x: dg.tensor_split(x, dg.tensor(spec)),  # noqa: B023
               lambda x: torch.tensor_split(x, torch.tensor(spec)), [a])  # fmt: skip  # noqa: B023
    for bad in (0, -1):
        with pytest.raises(ValueError, match="positive"):
            dg.tensor_split(dg.tensor(a), bad)
    with pytest.raises(ValueError, match="0-d"):
        dg.tensor_split(dg.tensor(1.0), 1)
    with pytest.raises(TypeError):
        dg.tensor_split(dg.tensor(a), dg.tensor([1.5]))


@pytest.mark.parametrize("name, shape, spec", [
    ("hsplit", (6,), 3), ("hsplit", (2, 6), 2), ("hsplit", (2, 6), [1, 4]),
    ("vsplit", (4, 3), 2), ("vsplit", (4, 3), [3]), ("dsplit", (2, 2, 4), 2),
    ("dsplit", (2, 2, 4), [1, 1]),
])  # fmt: skip
def test_hvd_split_match_pytorch(torch, name, shape, spec):
    a = R.standard_normal(shape)
    _check(
        torch, lambda x: getattr(dg, name)(x, spec), lambda x: getattr(torch, name)(x, spec), [a]
    )
    _check(torch, lambda x: getattr(x, name)(spec), lambda x: getattr(x, name)(spec), [a])


@pytest.mark.parametrize("name, shape, spec", [
    ("hsplit", (5,), 2), ("hsplit", (), 1), ("vsplit", (3,), 1), ("vsplit", (3, 2), 2),
    ("dsplit", (2, 3), 1), ("dsplit", (1, 1, 3), 2),
])  # fmt: skip
def test_hvd_split_refuse_as_pytorch(torch, name, shape, spec):
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.zeros(shape), spec)
    with pytest.raises(ValueError):
        getattr(dg, name)(dg.zeros(shape), spec)


@pytest.mark.parametrize("shape", [(4,), (4, 6)])
def test_dsplit_of_fewer_than_3_dims_is_torchs_runtime_error(torch, shape):
    """torch: RuntimeError "torch.dsplit requires a tensor with at least 3 dimension";
    deepgrad raised ValueError (still one)."""
    x = np.zeros(shape)
    with pytest.raises(RuntimeError):
        torch.dsplit(torch.tensor(x), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimension") as info:
        dg.dsplit(dg.tensor(x), 2)
    assert isinstance(info.value, ValueError)


def test_tensor_split_with_float_indices_is_torchs_runtime_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as want:
        torch.tensor_split(torch.arange(6.0), torch.tensor([1.5]))
    with pytest.raises(RuntimeError) as got:
        dg.tensor_split(dg.arange(6.0), dg.tensor([1.5]))
    assert isinstance(got.value, TypeError)
    assert str(want.value) in str(got.value)
