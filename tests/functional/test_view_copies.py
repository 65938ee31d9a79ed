"""PyTorch's ``*_copy`` functions: the view's values (compared with torch 2.13), memory of
their own, and the view's gradient (float64 gradcheck)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

CASES = [
    ("alias_copy", ()),
    ("as_strided_copy", ((2, 2), (1, 2), 1)),
    ("detach_copy", ()),
    ("diagonal_copy", (1, 1, 2)),
    ("expand_copy", ((2, 2, 3, 4),)),
    ("permute_copy", ((2, 0, 1),)),
    ("select_copy", (1, 2)),
    ("slice_copy", (2, 1, None, 2)),
    ("slice_copy", (0,)),
    ("split_copy", (2, 2)),
    ("split_with_sizes_copy", ([1, 3], 2)),
    ("squeeze_copy", ()),
    ("t_copy", ()),
    ("transpose_copy", (0, 2)),
    ("unbind_copy", (1,)),
    ("unfold_copy", (2, 2, 1)),
    ("unsqueeze_copy", (1,)),
    ("view_copy", ((6, 4),)),
]


def _input(lib, name):
    v = np.arange(24.0).reshape(2, 3, 4)
    if name == "t_copy":
        v = v[0]
    if name == "squeeze_copy":
        v = v.reshape(2, 1, 12)
    return lib.tensor(v, dtype=lib.float64, requires_grad=True)


def _flat(r):
    return [t.detach().numpy() for t in r] if isinstance(r, (tuple, list)) else [r.detach().numpy()]


@pytest.mark.parametrize("name,args", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_values_memory_and_gradient(name, args):
    want = getattr(torch, name)(_input(torch, name), *args)
    x = _input(dg, name)
    got = getattr(dg, name)(x, *args)
    for a, b in zip(_flat(got), _flat(want), strict=True):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    pieces = got if isinstance(got, tuple) else (got,)
    for p in pieces:
        assert not np.shares_memory(p.detach().numpy(), x.detach().numpy())
    if name != "detach_copy":
        assert dg.gradcheck(lambda t: getattr(dg, name)(t, *args), x)


def test_view_as_real_and_complex_copies():
    z = dg.tensor([1 + 2j, 3 - 1j])
    r = dg.view_as_real_copy(z)
    assert r.tolist() == torch.view_as_real_copy(torch.tensor([1 + 2j, 3 - 1j])).tolist()
    assert dg.view_as_complex_copy(r).tolist() == z.tolist()
    assert not np.shares_memory(r.numpy(), z.numpy())


def test_a_negative_slice_step_is_refused():
    with pytest.raises(ValueError):
        dg.slice_copy(dg.arange(5), 0, None, None, -1)
