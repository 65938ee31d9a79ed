"""index_reduce / index_reduce_ against torch: values and gradients for every reduction, with and
without the input's own values, 1-D to 3-D, an empty index; gradchecks and errors. The scatter
family's refusals (negative indices, index dtypes, shapes) with torch's exception classes, and
0-d inputs/sources as PyTorch reads them (the fuzz: tests/tensor/test_fuzz_indexing.py)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize(
    "dim, shape, index",
    [
        (0, (5, 3), [0, 4, 0, 2]),
        (1, (2, 4, 3), [3, 3, 1]),
        (-1, (3, 4), [0, 0, 2, 1, 1]),
        (0, (4,), []),
    ],
)
def test_index_reduce_matches_torch(reduce, include_self, dim, shape, index):
    """Values and gradients of index_reduce (no ties: torch 2.13's amax/amin backward with
    include_self=False divides a source's share by ties with the excluded self value, losing
    gradient; deepgrad gives the sources all of it — README)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(index) + dim)
    src_shape = list(shape)
    src_shape[dim] = len(index)
    x, s = rng.standard_normal(shape), rng.standard_normal(src_shape)
    outs = []
    for lib in (torch, dg):
        xt, st = lib.tensor(x, requires_grad=True), lib.tensor(s, requires_grad=True)
        y = xt.index_reduce(dim, lib.tensor(np.array(index, np.int64)), st, reduce,
                            include_self=include_self)  # fmt: skip
        y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(y.shape)))
        outs.append((y.detach().numpy(), xt.grad.numpy(), st.grad.numpy()))
    for a, b in zip(outs[1], outs[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_index_reduce_in_place_gradcheck_and_errors():
    x = dg.ones(3)
    x.index_reduce_(0, dg.tensor([0, 0]), dg.tensor([2.0, 3.0]), "prod")
    assert x.tolist() == [6.0, 1.0, 1.0]
    rng = np.random.default_rng(0)
    a = dg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = dg.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    idx = dg.tensor([1, 3, 1])
    for reduce in ("prod", "mean", "amax"):
        assert dg.gradcheck(lambda a, b, r=reduce: a.index_reduce(0, idx, b, r), (a, b))
    with pytest.raises(ValueError, match="one of 'prod', 'mean'"):
        a.index_reduce(0, idx, b, "sum")
    with pytest.raises(ValueError, match="must have shape"):
        a.index_reduce(0, idx, b[:2], "prod")


def _l(lib, *values, dtype=None):
    return lib.tensor(values, dtype=dtype or lib.int64)


@pytest.mark.parametrize(
    "call, error",
    [
        # negative indices: PyTorch refuses them here (deepgrad wrapped them silently)
        (lambda lib: lib.zeros(3).index_add(0, _l(lib, -1), lib.ones(1)), IndexError),
        (lambda lib: lib.zeros(3, 2).index_add(0, _l(lib, -1), lib.ones(1, 2)), RuntimeError),
        (lambda lib: lib.zeros(3).index_copy(0, _l(lib, -1), lib.ones(1)), IndexError),
        # index dtypes: int64 alone (take, put, take_along_dim, index_copy, index_fill),
        # int32 too (gather, scatter, index_select, index_add), never uint8
        (lambda lib: lib.zeros(3).take(_l(lib, 0, dtype=lib.int32)), RuntimeError),
        (lambda lib: lib.zeros(3).put(_l(lib, 0, dtype=lib.int32), lib.ones(1)), RuntimeError),
        (
            lambda lib: lib.take_along_dim(lib.zeros(3), _l(lib, 0, dtype=lib.int32), 0),
            RuntimeError,
        ),
        (
            lambda lib: lib.zeros(3).index_copy(0, _l(lib, 0, dtype=lib.int32), lib.ones(1)),
            RuntimeError,
        ),
        (lambda lib: lib.zeros(3).index_fill(0, _l(lib, 0, dtype=lib.int32), 1.0), IndexError),
        (lambda lib: lib.zeros(3).gather(0, _l(lib, 0, dtype=lib.uint8)), RuntimeError),
        (lambda lib: lib.zeros(3).gather(0, _l(lib, 3)), RuntimeError),  # out of range
        (lambda lib: lib.zeros(2, 2).gather(0, _l(lib, 0)), RuntimeError),  # other dims
        (
            lambda lib: lib.zeros(3).scatter(0, _l(lib, 0), lib.ones(1, dtype=lib.float64)),
            RuntimeError,
        ),
        # take_along_dim without dim: no negative index
        (lambda lib: lib.take_along_dim(lib.zeros(2, 2), _l(lib, -1)), RuntimeError),
        (lambda lib: lib.tensor(1.0).index_add(0, _l(lib, 0), lib.ones(1)), RuntimeError),
        (lambda lib: lib.tensor(1.0).index_select(0, _l(lib, 0, 0)), RuntimeError),
        (
            lambda lib: lib.zeros(2, 2).index_put((_l(lib, 0),), lib.ones(2, dtype=lib.float64)),
            RuntimeError,
        ),
        (lambda lib: lib.zeros(2, 2).index_put((_l(lib, 0),), lib.ones(3)), RuntimeError),
        (lambda lib: lib.zeros(2).masked_select(_l(lib, 1, 0, dtype=lib.uint8)), RuntimeError),
        (
            lambda lib: lib.zeros(2).masked_fill(lib.ones(2, dtype=lib.bool), lib.ones(1)),
            RuntimeError,
        ),
        (lambda lib: lib.zeros(2).masked_fill_(lib.ones(2, 1, dtype=lib.bool), 1.0), RuntimeError),
        (
            lambda lib: lib.zeros(2).masked_scatter(lib.ones(2, dtype=lib.bool), lib.ones(1)),
            RuntimeError,
        ),
        (lambda lib: lib.zeros(2).put(_l(lib, 0, 1), lib.ones(3)), IndexError),
        # the source's shape is checked before its dtype
        (
            lambda lib: lib.zeros(2, 2).index_copy(
                0, _l(lib, 0), lib.ones(1, 2, 1, dtype=lib.float64)
            ),
            IndexError,
        ),
        # a reduction PyTorch does not have
        (lambda lib: lib.zeros(2).scatter(0, _l(lib, 0), lib.ones(1), reduce="mean"), RuntimeError),
        (lambda lib: lib.zeros(2).scatter_reduce(0, _l(lib, 0), lib.ones(1), "add"), RuntimeError),
        (lambda lib: lib.zeros(2).index_reduce(0, _l(lib, 0), lib.ones(1), "max"), RuntimeError),
        # a value that requires grad cannot fill an integer tensor
        (
            lambda lib: lib.zeros(2, dtype=lib.int64).index_fill(
                0, _l(lib, 0), lib.tensor(2.5, requires_grad=True)
            ),
            RuntimeError,
        ),
        (
            lambda lib: lib.zeros(2, dtype=lib.int64).masked_fill(
                lib.ones(2, dtype=lib.bool), lib.tensor(2.5, requires_grad=True)
            ),
            RuntimeError,
        ),
    ],
)
def test_what_pytorch_refuses_raises_its_error(call, error):
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(dg)


@pytest.mark.parametrize(
    "call",
    [
        # a 0-d input reads as a 1-element vector (deepgrad raised)
        lambda lib: lib.tensor(1.0).scatter(0, lib.tensor(0), lib.tensor(5.0)),
        lambda lib: lib.tensor(1.0).scatter_add(0, _l(lib, 0, 0), lib.ones(2)),
        lambda lib: lib.tensor(2.0).scatter_reduce(0, lib.tensor(0), lib.tensor(5.0), "prod"),
        # a 0-d source with one index (deepgrad raised)
        lambda lib: lib.zeros(3).index_copy(0, lib.tensor(1), lib.tensor(2.0)),
        # a float64 value tensor into a float32 tensor keeps float32 (deepgrad promoted)
        lambda lib: lib.zeros(2).index_fill(
            0, _l(lib, -1), lib.tensor(2.5, dtype=lib.float64, requires_grad=True)
        ),
        lambda lib: lib.take_along_dim(lib.arange(6.0).reshape(2, 3), _l(lib, 5, 0, dtype=None)),
    ],
)
def test_calls_deepgrad_refused_or_changed_give_pytorchs_result(call):
    torch = pytest.importorskip("torch")
    want, got = call(torch).detach().numpy(), call(dg).detach().numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_scatter_reduce_max_min_aliases_and_gather_sparse_grad():
    torch = pytest.importorskip("torch")
    for lib in (torch, dg):
        x = lib.tensor([[0.0, 1.0], [2.0, 3.0]])
        i, s = lib.tensor([[0, 0]]), lib.tensor([[5.0, -5.0]])
        assert x.scatter_reduce(0, i, s, "max").tolist() == [[5.0, 1.0], [2.0, 3.0]]
        assert x.scatter_reduce(0, i, s, "min").tolist() == [[0.0, -5.0], [2.0, 3.0]]
        assert lib.gather(x, 1, lib.tensor([[1], [0]]), sparse_grad=False).tolist() == [
            [1.0],
            [2.0],
        ]
        assert x.gather(1, lib.tensor([[1], [0]]), sparse_grad=False).tolist() == [[1.0], [2.0]]
