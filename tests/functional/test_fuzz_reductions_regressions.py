"""The divergences the reduction/sorting fuzz found (test_fuzz_reductions.py,
test_fuzz_sorting.py), each kept as a fixed case against torch 2.13."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

nan, inf = float("nan"), float("inf")


def _both(fn, a, grad=True, g=None):
    """fn(lib, t) on torch and deepgrad: outputs and (with ``grad``) the input's gradient."""
    res = []
    for lib in (torch, dg):
        t = lib.tensor(np.array(a), requires_grad=grad)
        y = fn(lib, t)
        ys = tuple(y) if isinstance(y, tuple) else (y,)
        gr = None
        if grad:
            up = np.ones(tuple(ys[0].shape)) if g is None else np.asarray(g, dtype=float)
            ys[0].backward(lib.tensor(up.astype(np.asarray(a).dtype)))
            gr = t.grad.numpy()
        res.append(([u.detach().numpy() for u in ys], gr))
    (touts, tg), (douts, dgr) = res
    for u, tu in zip(douts, touts, strict=True):
        assert u.dtype == tu.dtype and u.shape == tu.shape
        np.testing.assert_allclose(u, tu, rtol=1e-6, equal_nan=True)
    if grad:
        np.testing.assert_allclose(dgr, tg, rtol=1e-6, equal_nan=True)


def test_sort_descending_puts_nan_first():
    a = [-1.0, 0.0, nan, 1.0, -3.0]
    _both(lambda lib, t: tuple(lib.sort(t, descending=True)), a)
    _both(lambda lib, t: lib.argsort(t, descending=True, stable=True), a, grad=False)
    _both(lambda lib, t: tuple(lib.topk(t, 2)), a)  # NaN is the largest
    _both(lambda lib, t: tuple(lib.topk(t, 2, largest=False)), a)


def test_sort_descending_unsigned_and_int_min():
    for a in (np.array([3, 0, 255, 1], np.uint8), np.array([5, -(2**63), 2**63 - 1, 0])):
        _both(lambda lib, t: tuple(lib.sort(t, descending=True, stable=True)), a, grad=False)


def test_searchsorted_batched_empty_rows():
    for s, v in (((1, 0), (1, 4)), ((2, 3), (2, 0)), ((0, 3), (0, 2))):
        seq = np.sort(np.random.default_rng(0).uniform(size=s), -1)
        vals = np.random.default_rng(1).uniform(size=v)
        ts = torch.searchsorted(torch.tensor(seq), torch.tensor(vals))
        ds = dg.searchsorted(dg.tensor(seq), dg.tensor(vals))
        assert ds.shape == tuple(ts.shape)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_nan_boundaries_as_torch_binary_search(right):
    seq = np.array([[-2.0, 1.0, 1.0, 1.0, nan], [0.0, 3.0, 3.0, 3.0, nan]])
    vals = np.array([[1.6, 1.4, -1.65, 5.0, nan, inf], [inf, 3.0, -inf, 0.0, nan, 2.0]])
    t = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right)
    d = dg.searchsorted(dg.tensor(seq), dg.tensor(vals), right=right)
    np.testing.assert_array_equal(d.numpy(), t.numpy())
    t = torch.bucketize(torch.tensor(vals[0]), torch.tensor(seq[1]), right=right)
    d = dg.bucketize(dg.tensor(vals[0]), dg.tensor(seq[1]), right=right)
    np.testing.assert_array_equal(d.numpy(), t.numpy())
    assert (
        dg.bucketize(inf, dg.tensor(seq[1])).item()
        == torch.bucketize(inf, torch.tensor(seq[1])).item()
    )


def test_histc_auto_range_with_nan_raises():
    x = [1.0, nan, 2.0]
    with pytest.raises(RuntimeError):
        torch.histc(torch.tensor(x), bins=3)
    with pytest.raises(ValueError, match="not finite"):
        dg.histc(dg.tensor(x), bins=3)


def test_vector_norm_negative_ord():
    for a in ([1.0, -2.0, 1.0], [1.0, 0.0, 1.0], [2.0, -3.0]):
        for o in (-1, -0.5, -2.5):
            _both(lambda lib, t, o=o: lib.linalg.vector_norm(t, ord=o), a)
            _both(lambda lib, t, o=o: lib.norm(t, p=o), a)


@pytest.mark.parametrize("o", [inf, -inf])
def test_inf_norm_gradient_with_nan_and_inf(o):
    _both(lambda lib, t: lib.linalg.vector_norm(t, ord=o), [-1.67, nan, 0.3])  # 0 everywhere
    _both(
        lambda lib, t: lib.linalg.vector_norm(t, ord=o, dim=0),
        [[nan, 1.0], [inf, 2.0]],
        g=[1.0, 2.0],
    )
    _both(lambda lib, t: lib.norm(t, p=o), np.array(inf))  # sign(inf), not inf / inf
    _both(lambda lib, t: lib.dist(t, lib.zeros(3, dtype=t.dtype), o), [1.0, -2.0, 2.0])


def test_zero_norm_counts_nan_as_nonzero():
    _both(
        lambda lib, t: lib.norm(t, p=0, keepdim=True, dim=1),
        [[nan, -2.0, -inf, 2.0], [0.0, 0.0, 3.0, 0.0]],
        grad=False,
    )


def test_renorm_gradient_with_nan_sub_tensor():
    for p in (1, 2, inf):
        _both(
            lambda lib, t, p=p: lib.renorm(t, p, 0, 1.0),
            [[nan, 1.9], [0.5, -0.3]],
            g=[[1.0, 2.0], [3.0, 4.0]],
        )


def test_where_backward_selects_not_multiplies():
    """A NaN gradient arriving at where: PyTorch's gives the branch not taken 0, not 0 · NaN."""
    for lib in (torch, dg):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([nan, 3.0]) * lib.where(lib.tensor([False, True]), a, lib.tensor(1.0))
        y.backward(lib.tensor([1.0, 1.0]))
        np.testing.assert_array_equal(a.grad.numpy(), [0.0, 3.0])


def test_nanmean_all_nan_slice_gradient_is_nan():
    _both(lambda lib, t: lib.nanmean(t, 1), [[nan, nan], [nan, 1.0]])


def test_var_gradient_with_infinite_elements():
    _both(lambda lib, t: lib.var(t), np.array(inf))
    _both(lambda lib, t: lib.var(t, correction=1, dim=0), [-inf, 1.3, -0.8, 0.1])
    _both(lambda lib, t: lib.var(t), [inf, 1.3])


def test_reduction_duplicate_dims_on_0d_raise():
    for lib in (torch, dg):
        with pytest.raises((RuntimeError, ValueError)):
            lib.mean(lib.tensor(1.0), (0, 0))
        with pytest.raises((RuntimeError, ValueError)):
            lib.sum(lib.tensor(1.0), (0, -1))
    assert dg.sum(dg.tensor(2.0), (0,)).item() == 2.0


def test_diff_n0_returns_input_without_prepend():
    x = [[1.0, 3.0, 6.0]]
    for lib in (torch, dg):
        y = lib.diff(lib.tensor(x), n=0, dim=-1, prepend=lib.tensor([[9.0, 9.0]]))
        assert tuple(y.shape) == (1, 3)


def test_trapezoid_and_cross_refusals():
    for lib in (torch, dg):
        with pytest.raises((RuntimeError, TypeError)):
            lib.trapezoid(lib.tensor([True, False, True]))
        with pytest.raises((RuntimeError, TypeError)):
            lib.cumulative_trapezoid(lib.tensor([1.0, 2.0]), lib.tensor([True, False]))
        with pytest.raises((RuntimeError, TypeError)):
            lib.linalg.cross(lib.ones(3), lib.ones(3, dtype=lib.float64))
        with pytest.raises((RuntimeError, TypeError)):
            lib.cross(lib.ones(3), lib.ones(3, dtype=lib.float64), dim=0)
        with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
            lib.linalg.cross(lib.ones(3, dtype=lib.bool), lib.ones(3, dtype=lib.bool))


def test_isclose_refuses_two_dtypes():
    for lib in (torch, dg):
        with pytest.raises(RuntimeError):
            lib.isclose(lib.ones(2), lib.ones(2, dtype=lib.float64))
        with pytest.raises(RuntimeError):
            lib.allclose(lib.ones(2, dtype=lib.int64), lib.ones(2))
    assert dg.allclose(dg.ones(2), dg.ones(2))


def test_cummax_mode_of_0d_bool_keep_bool():
    _both(lambda lib, t: tuple(lib.cummin(t, 0)), np.array(True), grad=False)
    _both(lambda lib, t: tuple(lib.mode(t)), np.array(False), grad=False)


def test_median_of_empty_integer_tensor():
    _both(lambda lib, t: lib.median(t), np.zeros((0, 2), np.int32), grad=False)
    _both(lambda lib, t: lib.nanmedian(t), np.zeros((1, 0), np.int64), grad=False)


def test_scans_of_0d_pass_the_gradient_through():
    for v in (nan, inf, 1.5):
        _both(lambda lib, t: lib.logcumsumexp(t, 0), np.array(v))
        _both(lambda lib, t: lib.cumprod(t, -1), np.array(v))
    _both(lambda lib, t: lib.cumprod(t, 1), [[nan], [inf]])  # a size-1 dim: dy itself
    _both(lambda lib, t: lib.logcumsumexp(t, 1), [[nan], [inf]])  # (PyTorch's NaN here)


def test_var_of_one_element_gradient_as_torch():
    for v in (1.5, nan, inf, -inf):
        _both(lambda lib, t: lib.var(t), np.array(v))
        _both(lambda lib, t: lib.var(t), np.array([v]))


def test_matrix_norms_of_empty_matrices():
    for shape in ((2, 0), (0, 2), (0, 0)):
        for o in (1, -1, inf, -inf, 2, -2, "nuc", "fro"):
            try:
                t = torch.linalg.matrix_norm(torch.zeros(shape), o).item()
            except (RuntimeError, IndexError):
                with pytest.raises((RuntimeError, ValueError, IndexError)):
                    dg.linalg.matrix_norm(dg.zeros(shape), o)
                continue
            assert dg.linalg.matrix_norm(dg.zeros(shape), o).item() == t


def test_unique_dim_refuses_other_empty_dims():
    for shape, d in (((0, 2, 1), 1), ((2, 0), 0)):
        for lib in (torch, dg):
            with pytest.raises((RuntimeError, ValueError)):
                lib.unique(lib.zeros(shape), dim=d)
    for shape, d in (((0, 3), 0), ((2, 0), 1)):
        t = torch.unique(torch.zeros(shape), dim=d, return_inverse=True, return_counts=True)
        u = dg.unique(dg.zeros(shape), dim=d, return_inverse=True, return_counts=True)
        assert [tuple(r.shape) for r in u] == [tuple(r.shape) for r in t]


def test_mean_out_computes_in_out_dtype():
    x = np.array([[0.1, 0.2, 0.7]], np.float32)
    t = torch.mean(torch.tensor(x), 1, out=torch.zeros(1, dtype=torch.float64))
    d = dg.mean(dg.tensor(x), 1, out=dg.zeros(1, dtype=dg.float64))
    assert d.dtype == np.float64 and d.item() == t.item()
    t = torch.mean(torch.tensor(x), out=torch.zeros((), dtype=torch.float64))
    assert dg.mean(dg.tensor(x), out=dg.zeros((), dtype=dg.float64)).item() == t.item()
    for lib in (torch, dg):
        with pytest.raises(RuntimeError):
            lib.mean(lib.tensor(x), 1, dtype=lib.float32, out=lib.zeros(1, dtype=lib.float64))


def test_negative_ord_norm_over_an_empty_dim_raises():
    for shape, dim in (((0,), None), ((1, 4, 0), ()), ((2, 0), 1)):
        for o in (-1, -0.5, -inf):
            for lib in (torch, dg):
                with pytest.raises((RuntimeError, ValueError, IndexError)):
                    lib.linalg.vector_norm(lib.zeros(shape), o, dim=dim)
    for o in (-1, -inf, 0):  # over non-empty dims of an empty tensor: fine
        assert dg.linalg.vector_norm(dg.zeros((2, 0)), o, dim=0).shape == (0,)
    assert dg.linalg.vector_norm(dg.zeros((2, 0)), 0, dim=1).tolist() == [0.0, 0.0]


def test_unique_with_two_empty_dims_raises():
    for shape, d in (((1, 0, 0), -2), ((0, 0), 0)):
        for lib in (torch, dg):
            for f in (lib.unique, lib.unique_consecutive):
                with pytest.raises((RuntimeError, ValueError)):
                    f(lib.zeros(shape), dim=d)


def test_diff_n0_does_not_check_dim_and_trapezoid_empty_bool():
    for lib in (torch, dg):
        assert tuple(lib.diff(lib.ones(1, 2), n=0, dim=4).shape) == (1, 2)
        y = lib.zeros((1, 2, 0), dtype=lib.bool)
        assert tuple(lib.trapezoid(y, y, dim=-1).shape) == (1, 2)
