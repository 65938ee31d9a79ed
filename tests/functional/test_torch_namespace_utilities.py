"""PyTorch's small top-level queries: can_cast, typename, is_storage, compiled_with_cxx11_abi,
vmap, and the function forms of the query methods."""

from __future__ import annotations

import pytest

import deepgrad as dg


def test_can_cast_matches_torch():
    torch = pytest.importorskip("torch")
    names = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64",
             "complex64", "complex128"]  # fmt: skip
    for a in names:
        for b in names:
            d = dg.can_cast(
                getattr(dg, a if a != "bool" else "bool_"),
                getattr(dg, b if b != "bool" else "bool_"),
            )
            assert d == torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


@pytest.mark.numpy_only("CPU tensors' type names and device index")
def test_typename():
    torch = pytest.importorskip("torch")
    assert dg.typename(dg.ones(2)) == dg.ones(2).type() == "deepgrad.FloatTensor"
    assert torch.typename(torch.ones(2)) == "torch.FloatTensor"
    assert dg.typename(dg.ones(2, dtype=dg.int64)) == "deepgrad.LongTensor"
    assert dg.typename(3) == torch.typename(3) == "int"
    assert dg.typename(dg.nn.Linear(2, 2)) == "deepgrad.nn.linear.Linear"
    assert dg.typename(dg.nn.Linear) == "deepgrad.nn.linear.Linear"
    assert torch.typename(torch.nn.Linear(2, 2)) == "torch.nn.modules.linear.Linear"


@pytest.mark.numpy_only("CPU tensors' type names and device index")
def test_small_queries():
    torch = pytest.importorskip("torch")
    x = dg.ones(2)
    assert dg.is_storage(x) is torch.is_storage(torch.ones(2)) is False
    assert dg.compiled_with_cxx11_abi() is True
    assert dg.vmap is dg.func.vmap
    assert dg.is_inference(x) is False and dg.get_device(x) == -1
    with pytest.raises(TypeError, match="must be a Tensor"):
        dg.is_signed(3)
    y = dg.ones(2)
    assert dg.resize_as_(y, dg.ones(3)) is y and y.tolist() == [1.0, 1.0, 0.0]
