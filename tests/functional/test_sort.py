"""sort / argsort / topk against PyTorch: values, indices (stable ties) and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


@pytest.mark.parametrize("shape, dim", [((7,), 0), ((4, 6), 1), ((4, 6), 0), ((3, 4, 5), -2)])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(shape, dim, descending, torch):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, shape).astype(np.float64)  # many ties
    a = dg.tensor(x, requires_grad=True)
    v, i = dg.sort(a, dim=dim, descending=descending)
    w = rng.normal(size=v.shape)
    (v * dg.tensor(w)).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    tv, ti = torch.sort(t, dim=dim, descending=descending, stable=True)
    (tv * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(v.numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert i.dtype == np.int64
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal(
        dg.argsort(dg.tensor(x), dim, descending).numpy(),
        torch.argsort(torch.tensor(x), dim=dim, descending=descending, stable=True).numpy(),
    )


@pytest.mark.parametrize("k, largest", [(1, True), (3, True), (3, False), (0, True), (5, True)])
def test_topk_matches_torch(k, largest, torch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 5))
    a = dg.tensor(x, requires_grad=True)
    r = a.topk(k, dim=1, largest=largest)
    t = torch.tensor(x, requires_grad=True)
    tr = t.topk(k, dim=1, largest=largest)
    np.testing.assert_allclose(r.values.numpy(), tr.values.detach().numpy())
    np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
    r.values.sum().backward()
    tr.values.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())
    v, i = r  # unpacks like torch.return_types
    assert v is r.values and i is r.indices


def test_sort_gradcheck_and_errors():
    x = dg.tensor(np.random.default_rng(2).normal(size=(3, 4)), requires_grad=True)
    assert dg.gradcheck(lambda t: dg.sort(t, dim=1)[0] * dg.arange(4.0, dtype=dg.float64), x)
    assert dg.gradcheck(lambda t: dg.topk(t, 2, dim=0).values, x)
    with pytest.raises(ValueError, match=r"k must be a whole number in \[0, 4\]"):
        dg.topk(x, 5)
    with pytest.raises(ValueError):
        dg.sort(x, dim=3)


@pytest.mark.parametrize("shape, dim", [((), 0), ((0,), 0), ((1,), -1), ((3, 5), 1), ((3, 5), 0)])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_argsort_takes_stable_as_torch(shape, dim, descending, dtype, torch):
    x = np.random.default_rng(3).integers(0, 3, shape).astype(dtype)  # ties
    for stable in (True, False):
        want = torch.argsort(torch.tensor(x), dim=dim, descending=descending, stable=stable).numpy()
        got = dg.argsort(dg.tensor(x), dim, descending, stable=stable)
        meth = dg.tensor(x).argsort(dim=dim, descending=descending, stable=stable)
        assert got.shape == meth.shape == want.shape and got.dtype == np.int64
        if stable:  # an unstable sort may order ties either way
            np.testing.assert_array_equal(got.numpy(), want)
        np.testing.assert_array_equal(meth.numpy(), got.numpy())
        np.testing.assert_array_equal(
            np.take_along_axis(x, got.numpy(), dim) if x.ndim else x,
            np.take_along_axis(x, want, dim) if x.ndim else x,
        )
    with pytest.raises(TypeError):
        dg.argsort(dg.tensor(x), dim, descending, True)  # keyword-only, as torch
