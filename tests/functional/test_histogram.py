"""histogram and histogramdd (deepgrad.functional.histogram), against torch."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(1)


def same(got, want):
    hist, edges = got
    thist, tedges = want
    assert hist.dtype == thist.numpy().dtype
    np.testing.assert_allclose(hist.numpy(), thist.numpy(), rtol=1e-4, atol=2e-6)
    if isinstance(tedges, tuple):
        assert len(edges) == len(tedges)
    else:
        edges, tedges = (edges,), (tedges,)
    for e, te in zip(edges, tedges):  # PyTorch's linspace, bit for bit
        np.testing.assert_array_equal(e.numpy(), te.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bins", [1, 3, 10, 100])
def test_histogram_counts_and_density(dtype, bins):
    x = R.normal(size=(5, 10)).astype(dtype)
    same(dg.histogram(dg.tensor(x), bins), torch.histogram(torch.tensor(x), bins))
    same(
        dg.tensor(x).histogram(bins, range=(-1.0, 1.3), density=True),
        torch.tensor(x).histogram(bins, range=(-1.0, 1.3), density=True),
    )


def test_histogram_edges_weights_and_degenerate_ranges():
    x = R.normal(size=50)
    e, w = np.sort(R.normal(size=6)), R.random(50)
    same(
        dg.histogram(dg.tensor(x), dg.tensor(e), weight=dg.tensor(w), density=True),
        torch.histogram(torch.tensor(x), torch.tensor(e), weight=torch.tensor(w), density=True),
    )
    same(
        dg.histogram(dg.tensor(np.array([2.0, 2.0])), 4),
        torch.histogram(torch.tensor([2.0, 2.0], dtype=torch.float64), 4),
    )
    same(
        dg.histogram(dg.tensor(np.zeros(0)), 4),
        torch.histogram(torch.zeros(0, dtype=torch.float64), 4),
    )
    v = [0.5, 1.0, np.inf, -5.0, 2.0]
    same(
        dg.histogram(dg.tensor(v), 2, range=(0.0, 2.0)),
        torch.histogram(torch.tensor(v), 2, range=(0.0, 2.0)),
    )


def test_histogram_refusals():
    with pytest.raises(NotImplementedError, match="floating"):
        dg.histogram(dg.tensor([1, 2]), 3)
    with pytest.raises(RuntimeError, match="not finite"):
        dg.histogram(dg.tensor([1.0, float("nan")]), 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogramdd(dtype):
    p = R.normal(size=(4, 10, 3)).astype(dtype)
    for bins in (3, [2, 3, 4]):
        same(dg.histogramdd(dg.tensor(p), bins), torch.histogramdd(torch.tensor(p), bins))
    w = R.random((4, 10)).astype(dtype)
    rng = [-1, 1, -2, 2, 0, 1]
    same(
        dg.histogramdd(dg.tensor(p), [2, 3, 4], range=rng, weight=dg.tensor(w), density=True),
        torch.histogramdd(
            torch.tensor(p), [2, 3, 4], range=rng, weight=torch.tensor(w), density=True
        ),
    )
    es = [np.sort(R.normal(size=k)).astype(dtype) for k in (2, 4, 5)]
    same(
        dg.histogramdd(dg.tensor(p), [dg.tensor(e) for e in es]),
        torch.histogramdd(torch.tensor(p), [torch.tensor(e) for e in es]),
    )
    with pytest.raises(RuntimeError, match="range should have 6"):
        dg.histogramdd(dg.tensor(p), 3, range=[0, 1])


def test_integer_data_on_the_edges_counts_as_torch():
    """Integer-valued data falls on bin edges: the edges must be PyTorch's bit for bit (its
    fused ``start + step·i``) for the counts to be (``-2..2`` in 100 bins: 0.0 is an edge
    for NumPy's linspace, 4.5e-8 for PyTorch's)."""
    rng = np.random.default_rng(0)
    for trial in range(60):
        n, bins = int(rng.integers(1, 200)), int(rng.integers(1, 130))
        x = rng.integers(-5, 6, n).astype([np.float32, np.float64][trial % 2])
        got, want = dg.histogram(dg.tensor(x), bins), torch.histogram(torch.tensor(x), bins)
        np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
        np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
