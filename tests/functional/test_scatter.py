"""index_reduce / index_reduce_ against torch: values and gradients for every reduction, with and
without the input's own values, 1-D to 3-D, an empty index; gradchecks and errors."""

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
