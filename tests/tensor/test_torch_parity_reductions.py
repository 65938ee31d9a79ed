"""Reductions against PyTorch 2.13 where NumPy's semantics differ: ``dim=()``/``dim=[]``
(PyTorch reduces over every dim, NumPy over none; ``all``/``any`` keep every dim in both),
the dtypes of sums and products of small integer types (int64, where NumPy gives uint64 for
unsigned ones), dim tuples with ``keepdim``, empty and 0-d inputs, and the gradients of ties
(``max(dim)`` to the returned index, ``amax`` split evenly)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

A = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 7 % 11) - 5  # ties, both signs
INTS = [[3, 1, 3], [2, 2, 0]]


def _same(call):
    """``call(torch)`` and ``call(dg)`` give the same shapes, dtypes and values."""
    t, d = call(torch), call(dg)
    ts, ds = (t, d) if isinstance(t, tuple) else ((t,), (d,))
    assert len(ds) == len(ts)
    for u, v in zip(ds, ts, strict=True):
        assert u.shape == tuple(v.shape)
        assert str(u.dtype) == str(v.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), v.detach().numpy(), rtol=1e-5, atol=1e-6)


REDUCE_ALL_ON_EMPTY_DIM = ["sum", "mean", "nansum", "nanmean", "std", "var", "amax", "amin"]


@pytest.mark.parametrize("op", REDUCE_ALL_ON_EMPTY_DIM + ["norm", "count_nonzero"])
@pytest.mark.parametrize("dim", [(), []])
def test_an_empty_dim_list_reduces_over_every_dim(op, dim):
    _same(lambda L: getattr(L, op)(L.tensor(A), dim=dim))
    if op != "count_nonzero":  # which takes no keepdim
        _same(lambda L: getattr(L, op)(L.tensor(A), dim=dim, keepdim=True))
    if op not in ("count_nonzero", "std", "var"):
        _same(lambda L: getattr(L, op)(L.tensor(2.5), dim=dim))


@pytest.mark.parametrize("op", ["all", "any"])
def test_all_any_over_an_empty_dim_list_reduce_nothing(op):
    _same(lambda L: getattr(L.tensor(A), op)(dim=()))


def test_logsumexp_over_an_empty_dim_list_with_keepdim():
    _same(lambda L: L.tensor(A).logsumexp(dim=(), keepdim=True))


@pytest.mark.parametrize("op", ["mean", "amax", "logsumexp"])
def test_the_gradient_over_an_empty_dim_list(op):
    # (not var/std: PyTorch 2.13's backward of var(dim=()) gives inf)
    x = dg.tensor(A.astype(np.float64), requires_grad=True)
    t = torch.tensor(A.astype(np.float64), requires_grad=True)
    getattr(x, op)(dim=(), keepdim=True).sum().backward()
    getattr(t, op)(dim=(), keepdim=True).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


SMALL_INTS = ["uint8", "int8", "int16", "int32", "bool"]


@pytest.mark.parametrize("dtype", SMALL_INTS)
@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.sum(),
        lambda x: x.sum(1),
        lambda x: x.nansum(0),
        lambda x: x.prod(),
        lambda x: x.prod(1),
        lambda x: x.cumsum(0),
        lambda x: x.cumprod(1),
        lambda x: x.max(),
        lambda x: x.amax(1),
        lambda x: x.all(1),
        lambda x: x.count_nonzero(),
    ],
)
def test_reductions_of_small_integer_types_give_torchs_dtype(dtype, call):
    _same(lambda L: call(L.tensor([[1, 1], [1, 0]]).to(getattr(L, dtype))))


CASES = {
    "sum_dims_keepdim": lambda L: L.tensor(A).sum((0, 2), keepdim=True),
    "sum_neg_dims": lambda L: L.tensor(A).sum((-1, 0)),
    "mean_list_dim": lambda L: L.tensor(A).mean([1]),
    "prod_dim": lambda L: L.tensor(A).prod(-1, keepdim=True),
    "std_dims": lambda L: L.tensor(A).std((0, 1)),
    "var_correction": lambda L: L.tensor(A).var(1, correction=0, keepdim=True),
    "logsumexp_dims": lambda L: L.tensor(A).logsumexp((0, 2)),
    "amax_dims": lambda L: L.tensor(A).amax((0, 2), keepdim=True),
    "max_dim": lambda L: tuple(L.tensor(A).max(1, keepdim=True)),
    "min_dim_int": lambda L: tuple(L.tensor(INTS).min(1)),
    "argmax_ties": lambda L: L.tensor(INTS).argmax(1),
    "argmin_keepdim": lambda L: L.tensor(A).argmin(-1, keepdim=True),
    "argmax_all": lambda L: L.tensor(A).argmax(),
    "median_even": lambda L: L.tensor([1.0, 4.0, 2.0, 3.0]).median(),
    "median_dim": lambda L: tuple(L.tensor([[1.0, 4.0, 2.0, 3.0]]).median(1)),
    "mode_ties": lambda L: tuple(L.tensor([[1.0, 2.0, 2.0, 1.0, 3.0]]).mode(1)),
    "cumsum_int": lambda L: L.tensor(INTS).cumsum(1),
    "all_float": lambda L: L.tensor(A).all(1),
    "any_keepdim": lambda L: L.tensor(A).any(0, keepdim=True),
    "sum_bool": lambda L: L.tensor([True, False, True]).sum(),
    "mean_empty": lambda L: L.zeros(0, 3).mean(0),
    "sum_empty_all": lambda L: L.zeros(0, 3).sum(),
    "prod_empty": lambda L: L.zeros(0, 3).prod(1),
    "amax_empty_nonempty_dim": lambda L: L.zeros(0, 3).amax(1),
    "logsumexp_empty": lambda L: L.zeros(0, 3).logsumexp(0),
    "var_mean": lambda L: L.var_mean(L.tensor(A), 1),
    "std_mean_dims": lambda L: L.std_mean(L.tensor(A), (0, 1), keepdim=True),
    "0d_sum_dim0": lambda L: L.tensor(2.5).sum(0),
    "0d_max_dim": lambda L: tuple(L.tensor(2.5).max(-1, keepdim=True)),
    "0d_cumsum": lambda L: L.tensor(2.5).cumsum(0),
    "0d_argmax": lambda L: L.tensor(2.5).argmax(0),
    "0d_mean": lambda L: L.tensor(2.5).mean(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reductions_match_torch(name):
    _same(CASES[name])


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.zeros(0, 3).max(),
        lambda L: L.zeros(0, 3).amax(0),
        lambda L: L.zeros(0, 3).argmax(),
        lambda L: L.tensor(A).sum(3),
    ],
)
def test_reductions_raise_where_torch_raises(call):
    with pytest.raises((RuntimeError, IndexError)):
        call(torch)
    with pytest.raises((ValueError, IndexError)):
        call(dg)


TIES = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.max(1).values,  # the gradient goes to the index returned
        lambda x: x.min(-1, keepdim=True)[0],
        lambda x: x.amax(1),  # split evenly among the ties
        lambda x: x.amax(),
        lambda x: x.amin((0, 1)),
        lambda x: x.max(),
        lambda x: x.median(1).values,
        lambda x: x.norm(p=float("inf"), dim=1),
        lambda x: x.prod(1),
        lambda x: x.cummax(1).values,
        lambda x: x.logsumexp(1),
        lambda x: x.std((0, 1)),
    ],
)
def test_gradients_of_ties_match_torch(call):
    x = dg.tensor(TIES, dtype=dg.float64, requires_grad=True)
    t = torch.tensor(TIES, dtype=torch.float64, requires_grad=True)
    w = np.arange(1.0, 1.0 + call(t).numel()).reshape(tuple(call(t).shape))
    (call(x) * dg.tensor(w)).sum().backward()
    (call(t) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


# ---- dtype= casts the input first (PyTorch's contract: the result has exactly that dtype) ----
I8 = np.array([[100, 100, -3], [7, 100, 2]], dtype=np.int8)  # int8 sums wrap, as torch's
DTYPE_CASES = {
    "sum_int8_wraps": lambda L: L.tensor(I8).sum(dtype=L.int8),
    "sum_dim_f64": lambda L: L.tensor(I8).sum(1, dtype=L.float64),
    "sum_f32_to_f64": lambda L: L.tensor(A).sum((0, 2), keepdim=True, dtype=L.float64),
    "sum_float_to_int": lambda L: L.tensor([1.5, 2.5, -0.5]).sum(dtype=L.int64),
    "sum_bool_as_bool": lambda L: L.tensor([True, True]).sum(dtype=L.bool),
    "sum_uint8": lambda L: L.tensor(np.array([200, 100], np.uint8)).sum(dtype=L.uint8),
    "torch_sum": lambda L: L.sum(L.tensor(I8), 0, dtype=L.int16),
    "mean_int_as_float": lambda L: L.tensor(I8).mean(dtype=L.float32),
    "mean_dim_f64": lambda L: L.mean(L.tensor(A), 1, dtype=L.float64),
    "prod_all": lambda L: L.tensor(I8).prod(dtype=L.float32),
    "prod_dim_keepdim": lambda L: L.tensor(I8).prod(0, True, dtype=L.float64),
    "prod_int8_wraps": lambda L: L.prod(L.tensor(I8), 1, dtype=L.int8),
    "cumsum_int8_wraps": lambda L: L.cumsum(L.tensor(I8), 1, dtype=L.int8),
    "cumsum_f64": lambda L: L.tensor(A).cumsum(2, dtype=L.float64),
    "cumsum_0d": lambda L: L.tensor(3).cumsum(0, dtype=L.float32),
    "cumprod_f16": lambda L: L.cumprod(L.tensor([1, 2, 3]), 0, dtype=L.float16),
    "nansum_int_as_float": lambda L: L.nansum(L.tensor(I8), dtype=L.float32),
    "nansum_f64": lambda L: L.tensor([1.0, float("nan"), 2.0]).nansum(dtype=L.float64),
    "nanmean_f64": lambda L: L.tensor([1.0, float("nan"), 2.0]).nanmean(dtype=L.float64),
    # NaN counts as 0 before the cast to an integer dtype
    "nansum_float_as_int": lambda L: L.tensor([1.5, float("nan"), 2.5]).nansum(dtype=L.int64),
    "nansum_dim_as_int8": lambda L: L.nansum(L.tensor([[float("nan"), 3.9]]), 1, dtype=L.int8),
}


@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_a_dtype_argument_casts_first_as_torch(name):
    _same(DTYPE_CASES[name])


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "cumsum", "cumprod"])
def test_a_dtype_argument_passes_the_gradient_back_to_the_input_dtype(op):
    args = (1,) if op.startswith("cum") else ()
    x = dg.tensor(A, requires_grad=True)
    t = torch.tensor(A, requires_grad=True)
    y, u = getattr(x, op)(*args, dtype=dg.float64), getattr(t, op)(*args, dtype=torch.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    (u * u).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5)
    x64 = dg.tensor(A.astype(np.float64) / 3 + 0.5, requires_grad=True)
    assert dg.gradcheck(lambda v: getattr(v, op)(*args, dtype=dg.float64), x64)


@pytest.mark.parametrize("op", ["sum", "cumsum", "prod"])
def test_an_integer_dtype_on_a_tensor_that_needs_a_gradient_raises_as_torch(op):
    args = (0,) if op == "cumsum" else ()
    with pytest.raises(RuntimeError):
        getattr(torch.tensor([1.5], requires_grad=True), op)(*args, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="floating"):
        getattr(dg.tensor([1.5], requires_grad=True), op)(*args, dtype=dg.int64)
    with dg.no_grad():
        assert getattr(dg.tensor([1.5], requires_grad=True), op)(
            *args, dtype=dg.int64
        ).tolist() in (1, [1])


def test_mean_refuses_an_integer_dtype_as_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).mean(dtype=torch.int64)
    with pytest.raises(TypeError, match="floating"):
        dg.tensor([1, 2]).mean(dtype=dg.int64)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.nanmean(L.tensor([1, 2]), dtype=L.float64),  # integer input, float dtype
        lambda L: L.tensor([True]).nanmean(dtype=L.float32),
        lambda L: L.tensor([1, 2]).nanmean(),
        lambda L: L.tensor([1.0, 2.0]).nanmean(dtype=L.int64),
        lambda L: L.var(L.tensor([1, 2])),
        lambda L: L.tensor([1, 2], dtype=L.uint8).std(0),
        lambda L: L.var_mean(L.tensor([True, False])),
    ],
)
def test_integer_inputs_torch_refuses_are_refused(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="float"):
        call(dg)
