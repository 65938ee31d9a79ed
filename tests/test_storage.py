"""Tensor.untyped_storage() / storage() as PyTorch's: one storage behind every view, its
size in bytes and elements, the first byte's address, writes through it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _views(m):
    x = m.arange(12.0).reshape(3, 4)
    return x, [x, x[1], x[:, 2], x.t(), x.reshape(12)[3:7], x.expand(2, 3, 4)]


def test_views_share_one_storage_as_torch():
    for m in (dg, torch):
        x, views = _views(m)
        ptrs = {v.untyped_storage().data_ptr() for v in views}
        assert ptrs == {x.data_ptr()}
        assert {v.untyped_storage().nbytes() for v in views} == {48}
        assert x.clone().untyped_storage().data_ptr() != x.data_ptr()
        assert (x + 0).untyped_storage().data_ptr() != x.data_ptr()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "float16"])
def test_sizes_and_values_as_torch(dtype):
    got = []
    for m in (dg, torch):
        x = m.tensor([[1, 0, 3], [4, 5, 0]], dtype=getattr(m, dtype))[1]
        s = x.untyped_storage()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = x.storage()
        got.append((s.nbytes(), len(s), s.size(), s.element_size(), s.tolist(), ts.size(),
                    len(ts), ts.element_size(), ts.tolist(), ts[4], str(s.device),
                    s.get_device(), s.is_shared()))  # fmt: skip
    assert got[0] == got[1]


def test_writes_through_the_storage_reach_the_tensor():
    for m in (dg, torch):
        x = m.zeros(2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = x[1].storage()
        ts[4] = 7.0
        ts[0] = 2.0
        with pytest.raises(RuntimeError, match="slices are only supported"):
            ts[0:2]
        x.untyped_storage()[4:8].fill_(0)  # the second float's bytes
        assert x.tolist() == [[2.0, 0.0, 0.0], [0.0, 7.0, 0.0]]
        u = x.untyped_storage()
        u.fill_(0)
        assert x.abs().sum().item() == 0.0
        c = u.clone()
        c.fill_(1)
        assert x.abs().sum().item() == 0.0 and c.data_ptr() != u.data_ptr()
        u.copy_(c)
        assert x.numpy().view(np.uint8).reshape(-1).tolist() == [1] * 24


def test_storage_warns_once_as_torch():
    import deepgrad.storage as st

    st._WARNED[0] = False
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        dg.ones(2).storage()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dg.ones(2).storage()


def test_new_untyped_storage():
    for m in (dg, torch):
        assert m.UntypedStorage(5).nbytes() == 5
        assert m.zeros(0).untyped_storage().nbytes() == 0
    assert dg.UntypedStorage(5).tolist() == [0] * 5  # PyTorch's is uninitialised
    with pytest.raises(TypeError):
        dg.UntypedStorage(2.5)


def test_shared_memory_is_seen_by_the_storage():
    x = dg.zeros(4)
    assert not x.untyped_storage().is_shared()
    x.share_memory_()
    assert x[1:].untyped_storage().is_shared()
