"""Random draws with PyTorch's names (``normal``'s overloads, ``bernoulli``, ``poisson``, the
in-place ``bernoulli_``/``exponential_``/``random_``) and ``range``: shapes and dtypes as
PyTorch's, every draw decided by ``dg.manual_seed`` (or a generator), the distributions'
moments, and the refusals (negative std, probabilities outside [0, 1], integer inputs)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg


def _twice(draw):
    dg.manual_seed(7)
    a = draw()
    dg.manual_seed(7)
    b = draw()
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    return a


@pytest.mark.parametrize(
    "call, shape, dtype",
    [
        (lambda: dg.normal(dg.zeros(2, 1), dg.ones(3)), (2, 3), "float32"),
        (lambda: dg.normal(dg.zeros(4, dtype=dg.float64), 2.0), (4,), "float64"),
        (lambda: dg.normal(1.0, dg.ones(2, 2)), (2, 2), "float32"),
        (lambda: dg.normal(2.0, 3.0, size=(2, 5)), (2, 5), "float32"),
        (lambda: dg.normal(2.0, 3.0, (3,), dtype=dg.float64), (3,), "float64"),
        (lambda: dg.normal(dg.zeros(0), 1.0), (0,), "float32"),
        (lambda: dg.normal(dg.tensor(0.0), 1.0), (), "float32"),
        (lambda: dg.bernoulli(dg.full((3, 2), 0.5)), (3, 2), "float32"),
        (lambda: dg.bernoulli(dg.zeros(4, dtype=dg.float64), 0.3), (4,), "float64"),
        (lambda: dg.poisson(dg.full((5,), 3.0)), (5,), "float32"),
        (lambda: dg.zeros(3, 2).bernoulli_(0.4), (3, 2), "float32"),
        (lambda: dg.zeros(3).bernoulli_(dg.tensor([0.0, 1.0, 0.5])), (3,), "float32"),
        (lambda: dg.zeros(4).exponential_(2.0), (4,), "float32"),
        (lambda: dg.zeros(4).random_(5), (4,), "float32"),
        (lambda: dg.zeros(4, dtype=dg.int64).random_(2, 4), (4,), "int64"),
        (lambda: dg.zeros(4).random_(), (4,), "float32"),
        (lambda: dg.tensor([0.2, 0.9]).bernoulli(), (2,), "float32"),
    ],
)
def test_shapes_dtypes_and_seeding_as_pytorch(torch, call, shape, dtype):
    y = _twice(call)
    assert y.shape == shape and str(y.dtype) == dtype


def test_shapes_agree_with_pytorch(torch):
    pairs = [
        (dg.normal(dg.zeros(2, 1), dg.ones(3)), torch.normal(torch.zeros(2, 1), torch.ones(3))),
        (
            dg.normal(1.0, dg.ones(2, dtype=dg.float64)),
            torch.normal(1.0, torch.ones(2, dtype=torch.float64)),
        ),
        (dg.normal(0.0, 1.0, (2,)), torch.normal(0.0, 1.0, (2,))),
        (dg.poisson(dg.ones(2)), torch.poisson(torch.ones(2))),
        (dg.bernoulli(dg.ones(2), 0.5), torch.bernoulli(torch.ones(2), 0.5)),
    ]
    for y, ty in pairs:
        assert y.shape == tuple(ty.shape) and str(y.dtype) == str(ty.dtype).removeprefix("torch.")


def test_moments_and_ranges():
    n = 200_000
    z = dg.normal(dg.full((n,), 3.0, dtype=dg.float64), 2.0).numpy()
    assert abs(z.mean() - 3) < 0.03 and abs(z.std() - 2) < 0.03
    assert abs(dg.bernoulli(dg.full((n,), 0.3)).numpy().mean() - 0.3) < 0.01
    p = dg.poisson(dg.full((n,), 4.0, dtype=dg.float64)).numpy()
    assert abs(p.mean() - 4) < 0.03 and abs(p.var() - 4) < 0.1 and (p == np.round(p)).all()
    e = dg.zeros(n, dtype=dg.float64).exponential_(2.0).numpy()
    assert abs(e.mean() - 0.5) < 0.01 and (e >= 0).all()
    r = dg.zeros(n).random_(2, 5).numpy()
    assert set(np.unique(r)) == {2.0, 3.0, 4.0}
    assert dg.zeros(n, dtype=dg.bool).random_().numpy().mean() == pytest.approx(0.5, abs=0.01)
    assert set(np.unique(dg.bernoulli(dg.tensor([0.0, 1.0] * 50)).numpy())) == {0.0, 1.0}


def test_generator_decides_the_draws():
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert (
        dg.normal(0.0, 1.0, (4,), generator=g1).tolist()
        == dg.normal(0.0, 1.0, (4,), generator=g2).tolist()
    )


def test_refusals():
    with pytest.raises(ValueError, match="std"):
        dg.normal(dg.zeros(2), -1.0)
    with pytest.raises(TypeError, match="size"):
        dg.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="floating"):
        dg.normal(dg.zeros(2, dtype=dg.int64), 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dg.bernoulli(dg.tensor([1.5]))
    with pytest.raises(TypeError, match="floating"):
        dg.bernoulli(dg.tensor([1]))
    with pytest.raises(ValueError, match="non-negative"):
        dg.poisson(dg.tensor([-1.0]))
    with pytest.raises(ValueError, match="positive"):
        dg.zeros(2).exponential_(0.0)
    with pytest.raises(ValueError, match="from. to be less than .to"):
        dg.zeros(2).random_(3, 1)


def test_range_is_inclusive_and_warns_like_pytorch(torch):
    for args, kw in [
        ((0, 3), {}),
        ((0, 1, 0.25), {}),
        ((1, 4), {"dtype": dg.int64}),
        ((3, 0, -1), {}),
    ]:
        with pytest.warns(UserWarning, match="deprecated"):
            y = dg.range(*args, **kw)
        tkw = {"dtype": torch.int64} if kw else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ty = torch.range(*args, **tkw)
        assert str(y.dtype) == str(ty.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert "range" in dir(dg)
    with pytest.warns(UserWarning), pytest.raises(TypeError, match="end"):
        dg.range(5)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="step"):
        dg.range(0, 3, -1)


def test_bernoulli_probability_out_of_range_is_torchs_runtime_error():
    torch = pytest.importorskip("torch")
    for p in ([1.5], [-0.1], [float("nan")]):
        with pytest.raises(RuntimeError):
            torch.bernoulli(torch.tensor(p))
        with pytest.raises(RuntimeError, match=r"\[0, 1\]") as got:
            dg.bernoulli(dg.tensor(p))
        assert isinstance(got.value, ValueError)
