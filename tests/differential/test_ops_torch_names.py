"""Differential tests of PyTorch's further names (issue 13) against PyTorch 2.13: the
division family, interpolation and special functions, order statistics, scans, scatter and
index writes, diagonals, fused products and distances — values, dtypes and gradients on drawn
shapes with 0-size axes, 0-d tensors and broadcasting; the integer/index ops on tables of
cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepgrad as dg
import deepgrad.functional as F

from .conftest import DIFF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODERATE = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0]
TIES = [0.0, 1.0, -1.0, 2.0, 1.0]  # many equal values: ties in order statistics


def _spread(m, x):
    """``x`` plus a small ramp: no ties, where PyTorch's sort (unstable beyond 16 elements)
    would give a tied element's gradient to another one than deepgrad's stable sort."""
    return x + m.arange(x.numel(), dtype=x.dtype).reshape(x.shape) * 0.01


def _nan(x):
    """``x`` with NaN where it is 1 (gradient 0 there)."""
    return x.masked_fill(x == 1.0, float("nan"))


BINARY = {
    "remainder": (lambda a, b: a % b, lambda a, b: a % b),
    "fmod": (dg.fmod, torch.fmod),
    "div_floor": (
        lambda a, b: dg.div(a, b, rounding_mode="floor"),
        lambda a, b: torch.div(a, b, rounding_mode="floor"),
    ),
    "div_trunc": (
        lambda a, b: a.div(b, rounding_mode="trunc"),
        lambda a, b: a.div(b, rounding_mode="trunc"),
    ),
    "lerp": (lambda a, b: dg.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3)),
    "lerp_hi": (lambda a, b: a.lerp(b, 0.75), lambda a, b: a.lerp(b, 0.75)),
    "addcmul": (
        lambda a, b: dg.addcmul(a, b, b, value=0.5),
        lambda a, b: torch.addcmul(a, b, b, value=0.5),
    ),
    "addcdiv": (
        lambda a, b: dg.addcdiv(a, a, b, value=2),
        lambda a, b: torch.addcdiv(a, a, b, value=2),
    ),
    "xlogy": (lambda a, b: dg.xlogy(a, b.abs()), lambda a, b: torch.xlogy(a, b.abs())),
    "clamp_min": (lambda a, b: a.clamp_min(0.5), lambda a, b: a.clamp_min(0.5)),
    "clamp_max": (lambda a, b: dg.clamp_max(a, b), lambda a, b: torch.clamp_max(a, b)),
    "dist": (lambda a, b: dg.dist(a, b), lambda a, b: torch.dist(a, b)),
    "dist_p1": (lambda a, b: a.dist(b, 1), lambda a, b: a.dist(b, 1)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@DIFF
@given(data=st.data())
def test_binary(diff, name, data):
    fn, tfn = BINARY[name]
    shapes = data.draw(diff.broadcast_shapes(2)).input_shapes
    a = data.draw(diff.values(shapes[0], specials=MODERATE))
    b = data.draw(diff.values(shapes[1], specials=MODERATE))
    diff.check(fn, tfn, [a, b], name)


UNARY = {
    "erfc": (dg.erfc, torch.erfc, None),
    "erfinv": (lambda x: (x / 5).erfinv(), lambda x: (x / 5).erfinv(), MODERATE),
    "nan_to_num": (
        lambda x: dg.nan_to_num(x / x.abs(), posinf=2.0),
        lambda x: torch.nan_to_num(x / x.abs(), posinf=2.0),
        MODERATE,
    ),
    "nan_to_num_inf": (
        lambda x: (x * 1e38).nan_to_num(),
        lambda x: (x * 1e38).nan_to_num(),
        MODERATE,
    ),
    "median": (lambda x: x.median(), lambda x: x.median(), TIES),
    "nanmedian": (
        lambda x: _nan(x).nanmedian(),
        lambda x: _nan(x).nanmedian(),
        TIES,
    ),
    "nanmean": (lambda x: _nan(x).nanmean(), lambda x: _nan(x).nanmean(), TIES),
    "nansum": (lambda x: dg.nansum(_nan(x)), lambda x: torch.nansum(_nan(x)), TIES),
    "quantile": (
        lambda x: dg.quantile(_spread(dg, x), 0.3),
        lambda x: torch.quantile(_spread(torch, x), 0.3),
        MODERATE,
    ),
    "nanquantile": (
        lambda x: dg.nanquantile(_nan(_spread(dg, x)), 0.7),
        lambda x: torch.nanquantile(_nan(_spread(torch, x)), 0.7),
        MODERATE,
    ),
    "std_mean": (lambda x: dg.std_mean(x), lambda x: torch.std_mean(x), MODERATE),
    "var_mean": (
        lambda x: dg.var_mean(x, correction=0),
        lambda x: torch.var_mean(x, correction=0),
        MODERATE,
    ),
    "aminmax": (lambda x: tuple(dg.aminmax(x)), lambda x: tuple(torch.aminmax(x)), TIES),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@DIFF
@given(data=st.data())
def test_unary(diff, name, data):
    fn, tfn, specials = UNARY[name]
    a = data.draw(diff.values(data.draw(diff.shapes()), specials=specials))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        diff.check(fn, tfn, [a], name)


ALONG_DIM = {
    "median": (lambda x, d: x.median(d), lambda x, d: x.median(d)),
    "median_keep": (lambda x, d: dg.median(x, d, True), lambda x, d: torch.median(x, d, True)),
    "nanmedian": (lambda x, d: _nan(x).nanmedian(d), lambda x, d: _nan(x).nanmedian(d)),
    "kthvalue": (
        lambda x, d: _spread(dg, x).kthvalue(1, d),
        lambda x, d: _spread(torch, x).kthvalue(1, d),
    ),
    "mode": (lambda x, d: x.mode(d), lambda x, d: x.mode(d)),
    "cummax": (lambda x, d: dg.cummax(x, d), lambda x, d: torch.cummax(x, d)),
    "cummin": (lambda x, d: x.cummin(d), lambda x, d: x.cummin(d)),
    "logcumsumexp": (lambda x, d: x.logcumsumexp(d), lambda x, d: x.logcumsumexp(d)),
    "quantile": (
        lambda x, d: dg.quantile(x, dg.tensor([0.0, 0.25, 1.0]), d, keepdim=True),
        lambda x, d: torch.quantile(x, torch.tensor([0.0, 0.25, 1.0]), d, keepdim=True),
    ),
    "quantile_nearest": (
        lambda x, d: x.quantile(0.5, d, interpolation="nearest"),
        lambda x, d: x.quantile(0.5, d, interpolation="nearest"),
    ),
    "quantile_midpoint": (
        lambda x, d: x.quantile(0.4, d, interpolation="midpoint"),
        lambda x, d: x.quantile(0.4, d, interpolation="midpoint"),
    ),
    "aminmax": (
        lambda x, d: tuple(dg.aminmax(x, dim=d, keepdim=True)),
        lambda x, d: tuple(torch.aminmax(x, dim=d, keepdim=True)),
    ),
    "diff": (lambda x, d: dg.diff(x, 2, d), lambda x, d: torch.diff(x, 2, d)),
    "unbind": (lambda x, d: x.unbind(d), lambda x, d: x.unbind(d)),
    "nansum": (lambda x, d: _nan(x).nansum(d), lambda x, d: _nan(x).nansum(d)),
    "count_nonzero": (lambda x, d: dg.count_nonzero(x, d), lambda x, d: torch.count_nonzero(x, d)),
}


@pytest.mark.parametrize("name", sorted(ALONG_DIM))
@DIFF
@given(data=st.data())
def test_along_dim(diff, name, data):
    fn, tfn = ALONG_DIM[name]
    shape = data.draw(diff.shapes(min_dims=1 if name in ("diff", "unbind") else 0))
    a = data.draw(diff.values(shape, specials=TIES + [float("nan")] if "nan" in name else TIES))
    nd = max(len(shape), 1)
    dim = data.draw(st.integers(-nd, nd - 1))
    if name == "unbind" and shape[dim] == 0:  # no slices: an empty tuple, as torch's
        assert dg.tensor(a).unbind(dim) == () == torch.tensor(a).unbind(dim)
        return
    diff.check(lambda x: fn(x, dim), lambda x: tfn(x, dim), [a], name)


def test_index_and_integer_ops(diff):
    """Integer/index ops on a table of cases: the same values, shapes and dtypes as torch's."""
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 4, (3, 4)).astype(np.float32)
    i = rng.integers(-7, 8, (4, 5))
    cases = {
        "floordiv_int": lambda m, x, n: n // 3,
        "floordiv_neg": lambda m, x, n: n // -2,
        "rfloordiv": lambda m, x, n: 7 // (x.abs() + 1),
        "floordiv_float": lambda m, x, n: x // 0.3,
        "mod_int": lambda m, x, n: n % 3,
        "rmod": lambda m, x, n: 5 % (n.abs() + 1),
        "fmod_int": lambda m, x, n: m.fmod(n, -3),
        "remainder_fn": lambda m, x, n: m.remainder(n, 4),
        "trunc_int": lambda m, x, n: m.div(n, 3, rounding_mode="trunc"),
        "floor_int_float": lambda m, x, n: m.div(n, 2.5, rounding_mode="floor"),
        "nonzero": lambda m, x, n: x.nonzero(),
        "nonzero_tuple": lambda m, x, n: m.nonzero(n, as_tuple=True),
        "nonzero_0d": lambda m, x, n: m.tensor(2.0).nonzero(),
        "nonzero_0d_tuple": lambda m, x, n: m.tensor(0.0).nonzero(as_tuple=True),
        "argwhere": lambda m, x, n: m.argwhere(n > 2),
        "count_nonzero": lambda m, x, n: m.count_nonzero(n),
        "count_nonzero_dims": lambda m, x, n: n.count_nonzero(dim=(0, 1)),
        "unique": lambda m, x, n: m.unique(n, return_inverse=True, return_counts=True),
        "unique_dim": lambda m, x, n: m.unique(
            m.cat([n, n[:2]]), dim=0, return_inverse=True, return_counts=True
        ),
        "unique_method": lambda m, x, n: x.unique(sorted=True),
        "unique_empty": lambda m, x, n: m.unique(x[:0], return_counts=True),
        "unique_nan": lambda m, x, n: m.unique(m.tensor([1.0, float("nan"), float("nan")])),
        "bucketize": lambda m, x, n: m.bucketize(x, m.tensor([-1.0, 0.0, 1.0])),
        "bucketize_right": lambda m, x, n: m.bucketize(n, m.tensor([-1, 0, 1]), right=True),
        "bucketize_scalar": lambda m, x, n: m.bucketize(3, m.tensor([1, 3, 5])),
        "bucketize_int32": lambda m, x, n: m.bucketize(n, m.tensor([0, 2]), out_int32=True),
        "searchsorted": lambda m, x, n: m.searchsorted(m.tensor([-1.0, 0.0, 1.0]), x),
        "searchsorted_nd": lambda m, x, n: m.searchsorted(n.sort(1).values, n[:, :2]),
        "searchsorted_side": lambda m, x, n: m.searchsorted(m.tensor([1, 3, 5]), 3, side="right"),
        "isin": lambda m, x, n: m.isin(n, m.tensor([0, 2, -1])),
        "isin_promoted": lambda m, x, n: m.isin(m.tensor([1, 2, 3]), m.tensor([2.0, 3.5])),
        "isin_float_in_int": lambda m, x, n: m.isin(x.round(), n),
        "isin_nan": lambda m, x, n: m.isin(_nan(m.tensor([1.0, 2.0, 0.5])), _nan(m.ones(2))),
        "isin_number_elements": lambda m, x, n: m.isin(2, n),
        "isin_number_test_invert": lambda m, x, n: m.isin(n, 3, invert=True),
        "isin_empty": lambda m, x, n: m.isin(n, n[:0]),
        "isin_unique": lambda m, x, n: m.isin(n.unique(), n[0].unique(), assume_unique=True),
        "histc": lambda m, x, n: m.histc(x, bins=5),
        "histc_range": lambda m, x, n: x.histc(bins=4, min=-1, max=2),
        "histc_empty": lambda m, x, n: m.histc(x[:0], bins=3),
        "triu_indices": lambda m, x, n: m.triu_indices(3, 4, 1),
        "tril_indices": lambda m, x, n: m.tril_indices(4, 3, -1),
        "tril_indices_empty": lambda m, x, n: m.tril_indices(0, 3),
        "one_hot": lambda m, x, n: TF.one_hot(n.abs(), 9) if m is torch else F.one_hot(n.abs(), 9),
        "one_hot_infer": lambda m, x, n: (TF if m is torch else F).one_hot(m.tensor([[0], [3]])),
        "trace_int": lambda m, x, n: n[:, :4].trace(),
        "diag_int": lambda m, x, n: m.diag(n[0], -1),
        "kthvalue_int": lambda m, x, n: n.kthvalue(2, 0).values,
        "mode_int": lambda m, x, n: m.mode(n, 1),
        "median_int": lambda m, x, n: n.median(1),
        "cummax_int": lambda m, x, n: n.cummax(1),
        "cummin_bool": lambda m, x, n: (n > 0).cummin(0),
        "diff_bool": lambda m, x, n: m.diff(n > 0, dim=0),
        "diff_prepend": lambda m, x, n: n.diff(dim=1, prepend=n[:, :1], append=n[:, :2]),
        "nan_to_num_int": lambda m, x, n: n.nan_to_num(),
        "isclose": lambda m, x, n: m.isclose(x, x + 1e-6),
        "isclose_nan": lambda m, x, n: m.isclose(x / x, x / x, equal_nan=True),
        "allclose": lambda m, x, n: m.tensor(m.allclose(x, x * (1 + 1e-7))),
        "equal": lambda m, x, n: m.tensor([m.equal(n, n), m.equal(n, n[:1]), m.equal(n, n + 1)]),
        "scatter_value": lambda m, x, n: m.zeros(3, 5, dtype=m.long).scatter(
            0, (n.abs() % 3)[:2], 7.5
        ),
        "scatter_add_int": lambda m, x, n: m.zeros(3, 5, dtype=m.long).scatter_add(
            0, n.abs() % 3, n
        ),
        "scatter_reduce_amin": lambda m, x, n: m.zeros(3, 5, dtype=m.long).scatter_reduce(
            0, n.abs() % 3, n, "amin", include_self=False
        ),
        "scatter_reduce_mean_int": lambda m, x, n: m.ones(3, 5, dtype=m.long).scatter_reduce(
            0, n.abs() % 3, n, "mean"
        ),
        "index_fill_int": lambda m, x, n: n.index_fill(1, m.tensor([0, 3]), -1.5),
        "index_add_int": lambda m, x, n: n.index_add(0, m.tensor([1, 1]), n[:2], alpha=2),
    }
    for name, f in cases.items():
        with np.errstate(all="ignore"):
            ours = f(dg, dg.tensor(a), dg.tensor(i))
        theirs = f(torch, torch.tensor(a), torch.tensor(i))
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        assert len(ours) == len(theirs), name
        for k, (u, t) in enumerate(zip(ours, theirs)):
            diff.close(u.numpy(), t.numpy(), f"{name} output {k}")


DIFFERENTIABLE_INDEXED = {
    "scatter_add": lambda m, x, s, i: x.scatter_add(1, i, s),
    "scatter": lambda m, x, s, i: m.scatter(x, 1, i, s),
    "scatter_value": lambda m, x, s, i: x.scatter(1, i, 2.0),
    "scatter_sum": lambda m, x, s, i: x.scatter_reduce(1, i, s, "sum"),
    "scatter_sum_excl": lambda m, x, s, i: x.scatter_reduce(1, i, s, "sum", include_self=False),
    "scatter_mean": lambda m, x, s, i: x.scatter_reduce(1, i, s, "mean"),
    "scatter_mean_excl": lambda m, x, s, i: x.scatter_reduce(1, i, s, "mean", include_self=False),
    "scatter_amax": lambda m, x, s, i: x.scatter_reduce(1, i, s, "amax"),
    "scatter_amin_excl": lambda m, x, s, i: x.scatter_reduce(1, i, s, "amin", include_self=False),
    "scatter_prod": lambda m, x, s, i: m.scatter_reduce(x.abs() + 1, 1, i, s, "prod"),
    "index_add": lambda m, x, s, i: x.index_add(1, i[0, :3], s[:, :3], alpha=-2),
    "index_fill": lambda m, x, s, i: x.index_fill(1, i[0, :2], -1.0),
    "diagonal": lambda m, x, s, i: x.diagonal(1) + s.diagonal(-1, 1, 0).sum(),
    "diag_embed": lambda m, x, s, i: m.diag_embed(x, 1, 0, 2),
    "diag": lambda m, x, s, i: m.diag(x[0], -2) + m.diag(s, 1).sum(),
    "trace": lambda m, x, s, i: x.trace(),
    "addmm": lambda m, x, s, i: m.addmm(x[:, :3], x, s.T, beta=0.5, alpha=2),
    "addmm_bcast": lambda m, x, s, i: x[0, :3].addmm(x, s.T),
    "addmv": lambda m, x, s, i: m.addmv(x[:, 0], x, s[0], alpha=3),
    "baddbmm": lambda m, x, s, i: m.baddbmm(x[:1, :1], x[None], s.T[None], beta=0),
    "addbmm": lambda m, x, s, i: m.addbmm(x[:, :3], m.stack([x, x]), m.stack([s.T, s.T])),
    "tensordot": lambda m, x, s, i: m.tensordot(x, s, dims=([1], [1])),
    "tensordot_int": lambda m, x, s, i: m.tensordot(x, s.T, 1),
    "tensordot_0": lambda m, x, s, i: m.tensordot(x, s, 0),
    "kron": lambda m, x, s, i: m.kron(x, s[0]),
    "cdist": lambda m, x, s, i: m.cdist(x, s),
    "cdist_p1": lambda m, x, s, i: m.cdist(x[None], s[None], p=1),
    "cdist_same": lambda m, x, s, i: m.cdist(x, x),
    "mT": lambda m, x, s, i: x[None].mT * 2,
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE_INDEXED))
def test_indexed_and_products(diff, name):
    f = DIFFERENTIABLE_INDEXED[name]
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, (3, 5)).astype(np.float32)  # integers: ties for amax/amin
    s = rng.standard_normal((3, 5)).astype(np.float32) + 0.1
    idx = rng.integers(0, 5, (3, 5))
    diff.check(
        lambda a, b: f(dg, a, b, dg.tensor(idx)),
        lambda a, b: f(torch, a, b, torch.tensor(idx)),
        [x, s],
        name,
    )


def test_scatter_smaller_index_reads_part_of_src(diff):
    """``index`` smaller than ``src``: only its part of ``src`` is read (values as torch's;
    torch 2.13's own backward fails on that shape, deepgrad's gives src's full shape)."""
    x, s = dg.zeros(3, 5, requires_grad=True), dg.ones(3, 5, requires_grad=True)
    idx = np.array([[0, 1, 2, 0]])
    y = x.scatter_add(0, dg.tensor(idx), s)
    t = torch.zeros(3, 5).scatter_add(0, torch.tensor(idx), torch.ones(3, 5))
    diff.close(y.detach().numpy(), t.numpy(), "scatter_add value")
    (y * dg.arange(15.0).reshape(3, 5)).sum().backward()
    assert s.grad.shape == (3, 5) and s.grad.numpy()[1:].sum() == 0 and s.grad.numpy()[0, 4] == 0
    assert s.grad.numpy()[0, :4].tolist() == [0.0, 6.0, 12.0, 3.0]


def test_scatter_reduce_prod_refuses_the_gradient_at_zero():
    x = dg.tensor([1.0, 0.0], requires_grad=True)
    y = x.scatter_reduce(0, dg.tensor([0]), dg.tensor([2.0]), "prod")
    assert y.tolist() == [2.0, 0.0]
    with pytest.raises(RuntimeError, match="zero"):
        y.sum().backward()


def test_floor_divide_has_no_derivative():
    x = dg.tensor([1.5, -2.5], requires_grad=True)
    y = x // 0.7
    assert y.tolist() == torch.tensor([1.5, -2.5]).floor_divide(0.7).tolist()
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()


def test_integer_division_by_zero_raises_as_torch():
    for op in (
        lambda m: m.tensor([1, 2]) // m.tensor([1, 0]),
        lambda m: m.tensor([1, 2]) % 0,
        lambda m: m.fmod(m.tensor([1]), 0),
        lambda m: m.div(m.tensor([1]), 0, rounding_mode="trunc"),
    ):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(torch)
        with pytest.raises(ZeroDivisionError):
            op(dg)


def test_common_idioms(diff):
    """Idioms of public PyTorch programs built on the new names: one-hot by ``scatter_``,
    accuracy, label smoothing, counts by ``index_add``, masks, quantile clipping."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    lab = np.array([1, 0, 4, 2])
    cases = {
        "one_hot via scatter_": lambda m, x, y: m.zeros(4, 5).scatter_(1, y.unsqueeze(1), 1.0),
        "one_hot float": lambda m, x, y: (m.nn.functional.one_hot(y, 5)).float(),
        "torch.add": lambda m, x, y: m.add(x, 1.5),
        "torch.mul": lambda m, x, y: m.mul(x, x),
        "torch.squeeze": lambda m, x, y: m.squeeze(x[:1], 0),
        "torch.unsqueeze": lambda m, x, y: m.unsqueeze(x, 1),
        "torch.var": lambda m, x, y: m.var(x, 1),
        "torch.std": lambda m, x, y: m.std(x, dim=0, keepdim=True),
        "torch.clip": lambda m, x, y: m.clip(x, -0.5, 0.5),
        "torch.softmax": lambda m, x, y: m.softmax(x, 1),
        "torch.log_softmax": lambda m, x, y: m.log_softmax(x, dim=-1),
        "accuracy": lambda m, x, y: (x.argmax(1) == y).float().mean(),
        "label smoothing": lambda m, x, y: m.nn.functional.one_hot(y, 5) * 0.9 + 0.02,
        "top5 correct": lambda m, x, y: x.topk(2, 1).indices.eq(y.view(-1, 1)).sum(),
        "bincount-like": lambda m, x, y: m.zeros(5, dtype=m.long).index_add(
            0, y, m.ones(4, dtype=m.long)
        ),
        "unique counts": lambda m, x, y: m.unique(y % 2, return_counts=True)[1],
        "pairwise sq dist": lambda m, x, y: m.cdist(x, x).pow(2),
        "mask diag": lambda m, x, y: x[:, :4].masked_fill(m.eye(4, dtype=m.bool), 0.0),
        "cummax idx": lambda m, x, y: x.cummax(1).indices,
        "x.div_ floor": lambda m, x, y: y.div(2, rounding_mode="floor"),
        "x.T@x": lambda m, x, y: x.T @ x,
        "frac via %": lambda m, x, y: x % 1,
        "quantile clip": lambda m, x, y: x.clamp(max=m.quantile(x, 0.9)),
        "nonzero mask": lambda m, x, y: m.nonzero(x > 1, as_tuple=True)[1],
        "sort unique": lambda m, x, y: m.sort(m.unique(y)).values,
        "median dim idx": lambda m, x, y: x.median(dim=1).indices,
        "tril_indices gather": lambda m, x, y: x[:, :4][tuple(m.tril_indices(4, 4))],
    }
    for name, f in cases.items():
        ours = f(dg, dg.tensor(a), dg.tensor(lab))
        theirs = f(torch, torch.tensor(a), torch.tensor(lab))
        diff.close(ours.numpy(), theirs.numpy(), name)


def test_isin_refuses_what_pytorch_refuses():
    """Two numbers (a TypeError), bool and complex tensors (a RuntimeError), as PyTorch."""
    for m in (dg, torch):
        with pytest.raises(TypeError):
            m.isin(2, 3)
        with pytest.raises(RuntimeError, match="Bool"):
            m.isin(m.tensor([True, False]), m.tensor([1]))
        with pytest.raises(RuntimeError, match="(?i)complex"):
            m.isin(m.tensor([1 + 1j]), m.tensor([1 + 1j]))
