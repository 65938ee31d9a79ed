"""The Tensor methods and operators added for PyTorch's names (issue 13): in-place forms,
``//``/``%``, ``mT``, named results, and the errors where PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F

torch = pytest.importorskip("torch")


def test_in_place_writes_match_torch():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    idx = np.array([[0, 2, 1, 0]])
    for name, f in {
        "scatter_": lambda m, x: x.scatter_(0, m.tensor(idx), 5.0),
        "scatter_src": lambda m, x: x.scatter_(0, m.tensor(idx), x[:1] * 2),
        "scatter_add_": lambda m, x: x.scatter_add_(0, m.tensor(idx), m.ones(1, 4)),
        "scatter_reduce_": lambda m, x: x.scatter_reduce_(0, m.tensor(idx), m.ones(1, 4), "amax"),
        "index_add_": lambda m, x: x.index_add_(1, m.tensor([0, 0]), x[:, :2], alpha=-1),
        "index_fill_": lambda m, x: x.index_fill_(0, m.tensor([2]), -3.0),
        "clip_": lambda m, x: x.clip_(-0.1, 0.2),
        "nan_to_num_": lambda m, x: (x / 0).nan_to_num_(posinf=9.0),
    }.items():
        x, tx = dg.tensor(a.copy()), torch.tensor(a.copy())
        with np.errstate(all="ignore"):
            out = f(dg, x)
        tout = f(torch, tx)
        np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-6, err_msg=name)
        if name != "nan_to_num_":  # that one works on a new tensor (x / 0)
            assert out is x, name
            np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-6, err_msg=name)


def test_in_place_write_refused_on_a_recorded_tensor():
    x = dg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x.index_fill_(0, dg.tensor([0]), 1.0)
    with dg.no_grad():
        x.index_fill_(0, dg.tensor([0]), 1.0)
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_operators_and_properties():
    x = dg.tensor([[-7, 7], [5, -5]])
    assert (x // 2).tolist() == [[-4, 3], [2, -3]]
    assert (x % 3).tolist() == [[2, 1], [2, 1]]
    assert (9 // dg.tensor([2, -2])).tolist() == [4, -5]
    assert (9 % dg.tensor([4, -4])).tolist() == [1, -3]
    assert x.mT.tolist() == [[-7, 5], [7, -5]]
    assert dg.ones(2, 3, 4).mT.shape == (2, 4, 3)
    assert dg.ones(2, 3).mH.shape == (3, 2)
    with pytest.raises(ValueError, match="2 dims"):
        _ = dg.ones(3).mT


def test_named_results():
    x = dg.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    for r in (x.median(1), x.kthvalue(1, 1), x.mode(1), x.cummax(1), dg.cummin(x, 1)):
        values, indices = r
        assert r.values is values and r.indices is indices and indices.dtype == np.int64
    mm = x.aminmax(dim=1)
    assert mm.min.tolist() == [1.0, 0.0] and mm.max.tolist() == [3.0, 5.0]
    lo, hi = dg.aminmax(x)
    assert (lo.item(), hi.item()) == (0.0, 5.0)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda m: m.quantile(m.tensor([1.0, 2.0]), 1.5), (ValueError, RuntimeError), "range"),
        (lambda m: m.quantile(m.tensor([1, 2]), 0.5), (TypeError, RuntimeError), "float"),
        (lambda m: m.tensor([1.0]).kthvalue(2), (IndexError, RuntimeError), ""),
        (
            lambda m: (F if m is dg else m.nn.functional).one_hot(m.tensor([-1])),
            (ValueError, RuntimeError),
            "negative",
        ),
        (
            lambda m: (F if m is dg else m.nn.functional).one_hot(m.tensor([3]), 2),
            (ValueError, RuntimeError),
            "smaller",
        ),
        (
            lambda m: m.div(m.tensor([1.0]), 2, rounding_mode="round"),
            (ValueError, RuntimeError),
            "rounding_mode",
        ),
        (lambda m: m.histc(m.tensor([1, 2]), 3), (TypeError, RuntimeError), ""),
        (lambda m: m.diagonal(m.ones(2, 2), 0, 1, 1), (ValueError, RuntimeError), ""),
        (lambda m: m.trace(m.ones(2, 2, 2)), (ValueError, RuntimeError), ""),
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(2, 3), 1), (ValueError, RuntimeError), ""),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)), (ValueError, RuntimeError), ""),
        (
            lambda m: m.ones(3).scatter_add(0, m.tensor([3]), m.ones(1)),
            (IndexError, RuntimeError),
            "",
        ),
        (
            lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)),
            (TypeError, RuntimeError),
            "",
        ),
    ],
)
def test_errors_where_torch_raises(call, error, match):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=match):
        call(dg)


def test_mH_and_adjoint_conjugate_a_complex_tensor():
    a = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0 + 0j]])
    for name in ("mH", "adjoint"):
        y = getattr(dg.tensor(a), name)
        ty = getattr(torch.tensor(a), name)
        y, ty = (y(), ty()) if callable(y) else (y, ty)
        np.testing.assert_array_equal(y.numpy(), ty.resolve_conj().numpy())
    assert dg.ones(2, 3).adjoint().shape == (3, 2)
