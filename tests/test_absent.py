"""``dg.bfloat16``: a name that code may hold, compare and pass to a disabled autocast, and
that raises a TypeError naming float32 wherever an array would be made with it."""

from __future__ import annotations

import pickle

import pytest

import deepgrad as dg


def test_bfloat16_can_be_named_compared_and_pickled():
    ptdtype = {"float32": dg.float32, "bfloat16": dg.bfloat16, "float16": dg.float16}["bfloat16"]
    assert repr(ptdtype) == "bfloat16" and ptdtype.is_floating_point
    assert dg.ones(2).dtype != dg.bfloat16 and dg.bfloat16 != dg.float32
    with dg.autocast(device_type="cpu", dtype=dg.bfloat16, enabled=False):
        assert (dg.ones(2) * 2).dtype == dg.float32
    assert pickle.loads(pickle.dumps(dg.bfloat16)) is dg.bfloat16


@pytest.mark.parametrize(
    "make",
    [
        lambda: dg.tensor([1.0], dtype=dg.bfloat16),
        lambda: dg.zeros(2, dtype=dg.bfloat16),
        lambda: dg.ones(2).to(dtype=dg.bfloat16),
        lambda: dg.ones(2).to(dg.bfloat16),
        lambda: dg.nn.Linear(2, 2).to("cpu", dg.bfloat16),
        lambda: dg.set_default_dtype(dg.bfloat16),
    ],
)
def test_bfloat16_arrays_are_refused_naming_float32(make):
    with pytest.raises(TypeError, match="no bfloat16.*float32"):
        make()
    assert dg.get_default_dtype() in (dg.float32, dg.float64)
