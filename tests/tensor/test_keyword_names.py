"""PyTorch's keyword names for the arguments of common functions and methods: each call,
written with keywords as PyTorch documents them, gives PyTorch's result."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

CALLS = [
    "T.matmul(input=x, other=x.transpose(1, 2))",
    "T.bmm(input=x, mat2=x.transpose(1, 2))",
    "T.mm(input=x[0], mat2=x[0].T)",
    "x[0].mm(mat2=x[0].T)",
    "x.bmm(mat2=x.transpose(1, 2))",
    "x.matmul(other=x.transpose(1, 2))",
    "x.swapaxes(axis0=0, axis1=2)",
    "x.swapdims(dim0=0, dim1=2)",
    "x.transpose(dim0=0, dim1=2)",
    "x.sum(dim=1, keepdim=True, dtype=T.float64)",
    "x.std(dim=0, correction=0)",
    "x.topk(k=2, dim=1, largest=False, sorted=True).values",
    "x.sort(dim=1, descending=True, stable=True).indices",
    "x.narrow(dim=2, start=1, length=2)",
    "x.index_add(dim=2, index=T.tensor([0]), source=T.ones(2, 3, 1), alpha=2)",
    "x.scatter(dim=2, index=T.zeros(2, 3, 1, dtype=T.long), value=5.0)",
    "x.masked_fill(mask=x > 1, value=0.0)",
    "x.movedim(source=0, destination=2)",
    "x.unfold(dimension=2, size=2, step=1)",
    "T.addmm(input=T.zeros(3, 3), mat1=x[0], mat2=x[0].T, beta=0.5, alpha=2)",
    "T.where(condition=x > 1, input=x, other=T.zeros(1))",
    "T.gather(input=x, dim=1, index=T.zeros(2, 1, 4, dtype=T.long))",
]


@pytest.mark.parametrize("code", CALLS)
def test_pytorchs_keyword_names_give_pytorchs_result(code):
    got, want = (
        eval(code, {"T": lib, "x": lib.arange(24.0).reshape(2, 3, 4) / 7}) for lib in (dg, torch)
    )
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


TOP = [
    "T.dot(input=v, tensor=v)",
    "T.outer(input=v, vec2=v)",
    "v.outer(vec2=v)",
    "T.maximum(input=v, other=v.flip(0))",
    "T.minimum(input=v, other=v.flip(0))",
    "T.searchsorted(sorted_sequence=T.tensor([0.0, 0.5, 1.0]), input=v, right=True)",
]


@pytest.mark.parametrize("code", TOP)
def test_top_level_keyword_names(code):
    got, want = (eval(code, {"T": lib, "v": lib.tensor([0.25, 0.75])}) for lib in (dg, torch))
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_dtype_helpers_take_pytorchs_keywords():
    assert dg.promote_types(type1=dg.int64, type2=dg.float32) == dg.float32
    assert dg.can_cast(from_=dg.float32, to=dg.int64) is torch.can_cast(
        from_=torch.float32, to=torch.int64
    )


def test_an_uneven_hsplit_raises_pytorchs_class():
    with pytest.raises(RuntimeError):
        torch.hsplit(torch.ones(2, 3), 2)
    with pytest.raises(RuntimeError):
        dg.hsplit(dg.ones(2, 3), 2)
