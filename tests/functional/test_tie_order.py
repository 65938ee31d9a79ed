"""Which of tied elements ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``mode``, ``quantile``'s
gradient and ``pack_padded_sequence`` name, against torch 2.13 on tie-heavy rows: PyTorch's CPU
kernels' ``std::sort`` / ``nth_element`` / ``partial_sort`` / quickselect order
(``deepgrad.functional.tie_order``), in the algorithms' Python form and compiled (numba)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import kernels
from deepgrad.functional import tie_order

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8]


def _rows(rng, dtype, shape, nan=False):
    n = shape[-1]
    a = rng.integers(0, max(2, n // int(rng.integers(1, 8))), shape).astype(dtype)
    if nan and a.dtype.kind == "f":
        a[rng.random(shape) < 0.1] = np.nan
    return a


def _eq(got, want):
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_sort_argsort_topk_kthvalue_mode_as_torch(torch, dtype):
    rng = np.random.default_rng(int(np.dtype(dtype).num))
    for trial in range(40):
        n = int(rng.integers(1, 90))
        a = _rows(rng, dtype, (3, n), nan=trial % 3 == 0)
        x, t = dg.tensor(a), torch.tensor(a)
        for desc in (False, True):
            _eq(x.sort(1, descending=desc).indices, t.sort(1, descending=desc).indices)
            _eq(x.argsort(1, descending=desc), t.argsort(1, descending=desc))
            _eq(x.sort(dim=1, descending=desc, stable=True).indices,
                t.sort(dim=1, descending=desc, stable=True).indices)  # fmt: skip
        k = int(rng.integers(0, n + 1))
        for largest in (True, False):
            for ordered in (True, False):
                got, want = x.topk(k, 1, largest, ordered), t.topk(k, 1, largest, ordered)
                _eq(got.indices, want.indices)
                _eq(got.values, want.values)
        k = max(k, 1)
        _eq(x.kthvalue(k, 1).indices, t.kthvalue(k, 1).indices)
        if not (a.dtype.kind == "f" and np.isnan(a).any()):
            _eq(x.mode(1).indices, t.mode(1).indices)


def test_dims_other_than_the_last_and_strided_inputs(torch):
    rng = np.random.default_rng(7)
    a = _rows(rng, np.float32, (30, 4, 25))
    x, t = dg.tensor(a), torch.tensor(a)
    _eq(x.sort(0).indices, t.sort(0).indices)
    _eq(x.transpose(0, 2).sort(1, descending=True).indices,
        t.transpose(0, 2).sort(1, descending=True).indices)  # fmt: skip
    _eq(x.topk(3, 0, sorted=False).indices, t.topk(3, 0, sorted=False).indices)
    _eq(x.kthvalue(20, 0, keepdim=True).indices, t.kthvalue(20, 0, keepdim=True).indices)
    _eq(x.mode(2).indices, t.mode(2).indices)
    assert dg.zeros(17).sort().indices.tolist() == torch.zeros(17).sort().indices.tolist()


def test_large_rows_compiled_and_as_written_agree(torch):
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.int64):
        a = _rows(rng, dtype, (2, 5000))
        t = torch.tensor(a)
        for on in (True, False):
            before = kernels.set_enabled(on)
            try:
                x = dg.tensor(a)
                _eq(x.sort(1).indices, t.sort(1).indices)
                _eq(x.topk(100, 1).indices, t.topk(100, 1).indices)  # nth_element's path
                _eq(x.topk(20, 1, largest=False).indices, t.topk(20, 1, largest=False).indices)
                _eq(x.kthvalue(2500, 1).indices, t.kthvalue(2500, 1).indices)
                _eq(x.mode(1).indices, t.mode(1).indices)
            finally:
                kernels.set_enabled(before)


def test_heapsort_past_the_depth_limit(torch):
    """An input that drives the introsort into its heapsort (median-of-three killer-like
    sawtooth with ties) and the selection into its heap select."""
    n = 2000
    a = np.concatenate([np.arange(n // 2) % 7, (np.arange(n // 2) * 5) % 11]).astype(np.float64)
    x, t = dg.tensor(a), torch.tensor(a)
    _eq(x.sort().indices, t.sort().indices)
    _eq(x.topk(3).indices, t.topk(3).indices)


def test_quantile_gradient_reaches_torchs_tied_element(torch):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 5, (2, 40)).astype(np.float64)
    grads = []
    for lib in (dg, torch):
        x = lib.tensor(a, requires_grad=True)
        q = lib.tensor([0.1, 0.5, 0.77], dtype=lib.float64)
        y = lib.quantile(x, q, dim=1)
        (y * lib.arange(6.0, dtype=lib.float64).reshape(3, 2)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_pack_padded_sequence_sorts_equal_lengths_as_torch(torch):
    rng = np.random.default_rng(0)
    lens = rng.integers(1, 7, 40)
    x = rng.standard_normal((6, 40, 2)).astype(np.float32)
    ours = dg.nn.utils.rnn.pack_padded_sequence(dg.tensor(x), dg.tensor(lens), enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x), torch.tensor(lens), enforce_sorted=False
    )
    _eq(ours.sorted_indices, theirs.sorted_indices)
    _eq(ours.data, theirs.data)


def test_rows_without_ties_keep_the_stable_order():
    a = np.random.default_rng(1).permutation(100).astype(np.float32)[None, :]
    order = np.argsort(a, axis=1, kind="stable")
    assert tie_order.sort_ties(a, order, False) is order  # nothing redone


def test_nanmedian_of_an_all_nan_row_as_torch(torch):
    for n in (1, 2, 5, 17, 29, 100, 333):
        a = np.full((2, n), np.nan, np.float32)
        a[0, :: max(n // 3, 1)] = 1.0  # a row holding numbers too
        _eq(dg.tensor(a).nanmedian(1).indices, torch.tensor(a).nanmedian(1).indices)
