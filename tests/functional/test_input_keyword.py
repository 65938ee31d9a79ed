"""PyTorch's ``input=`` keyword on deepgrad's top-level functions (TabNet's ``torch.sort(
input=input, dim=dim, descending=True)``): the set of functions taking it is PyTorch's, the
values are the positional call's, and the input given twice is a TypeError."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.functional.input_keyword import NOT_INPUT


def _torch_first_is_input(torch, name):
    fn = getattr(torch, name, None)
    if fn is None:
        return None
    doc = (fn.__doc__ or "").strip().split("\n")[0]
    if doc.startswith((f"{name}(input,", f"{name}(input)", f"{name}(input:")):
        return True
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None
    return bool(params) and params[0] == "input"


def test_input_keyword_set_is_pytorchs():
    torch = pytest.importorskip("torch")
    takes = {n for n in dir(dg) if getattr(getattr(dg, n, None), "takes_input", False)}
    assert len(takes) > 90
    for name in sorted(takes):
        if name == "pad":  # deepgrad's top-level pad is F.pad(input, pad)
            continue
        assert _torch_first_is_input(torch, name) is not False, name
    for name in NOT_INPUT:
        assert name not in takes and _torch_first_is_input(torch, name) is not True, name
    # every PyTorch function documented as name(input, ...) that deepgrad has takes input=
    missing = []
    for name in dir(torch):
        if name.startswith("_") or not hasattr(dg, name) or isinstance(getattr(dg, name), type):
            continue
        if not callable(getattr(dg, name)) or _torch_first_is_input(torch, name) is not True:
            continue
        try:
            first = next(iter(inspect.signature(getattr(dg, name)).parameters), None)
        except (TypeError, ValueError):
            continue
        if name not in takes and first != "input":
            missing.append(name)
    assert not missing, missing


def test_input_keyword_values_and_errors():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4))
    calls = [("sort", {"dim": 1, "descending": True}), ("sum", {"dim": 0}),
             ("clamp", {"min": 0.0}), ("softmax", {"dim": -1}), ("cumsum", {"dim": 1}),
             ("gather", {"dim": 1, "index": np.array([[0, 2], [1, 1], [3, 0]])}),
             ("matmul", {"other": a.T}), ("argsort", {"dim": 1})]  # fmt: skip
    for name, kw in calls:
        kw_dg = {k: dg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        if name == "matmul":  # deepgrad's second parameter is b
            kw_dg = {"b": kw_dg["other"]}
        got = getattr(dg, name)(input=dg.tensor(a), **kw_dg)
        want = getattr(torch, name)(input=torch.tensor(a), **kw_t)
        got = got[0] if isinstance(got, tuple) else got
        want = want[0] if isinstance(want, tuple) else want
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    with pytest.raises(TypeError, match="both positionally and as input="):
        dg.sum(dg.tensor(a), input=dg.tensor(a))
    x = dg.tensor(a, requires_grad=True)
    dg.sort(input=x, dim=1)[0].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(a))
