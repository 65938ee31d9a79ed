"""Dropout: inverted scaling, statistics, eval identity, seeding, dtype, gradients, layers."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn


def test_eval_and_p0_return_the_input_itself():
    x = dg.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout2d(dg.randn(2, 3, 4, 4), 0.5, training=False).shape == (2, 3, 4, 4)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_statistics_mean_preserved_and_zero_fraction_is_p(p):
    x = dg.ones(400, 500)
    y = F.dropout(x, p).numpy()
    assert abs(float((y == 0).mean()) - p) < 0.01
    assert abs(float(y.mean()) - 1.0) < 0.02
    kept = y[y != 0]
    np.testing.assert_allclose(kept, 1.0 / (1.0 - p), rtol=1e-6)


def test_p1_gives_zeros_and_bad_p_is_refused():
    assert not F.dropout(dg.ones(3, 3), 1.0).numpy().any()
    for bad in (-0.1, 1.5, "a"):
        with pytest.raises(ValueError, match="dropout"):
            F.dropout(dg.ones(2), bad)
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(2.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = dg.tensor(np.ones((4, 5), dtype), requires_grad=True)
    y = F.dropout(x, 0.5)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_same_seed_same_mask_and_different_seed_different_mask():
    dg.manual_seed(123)
    a = F.dropout(dg.ones(50, 50), 0.5).numpy()
    dg.manual_seed(123)
    b = F.dropout(dg.ones(50, 50), 0.5).numpy()
    dg.manual_seed(124)
    c = F.dropout(dg.ones(50, 50), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_gradient_is_the_same_scaled_mask():
    x = dg.ones(20, 30, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_gradcheck_with_a_fixed_mask():
    x = dg.randn(3, 4, dtype="float64", requires_grad=True)

    def f(t):
        dg.manual_seed(7)
        return F.dropout(t, 0.3)

    dg.gradcheck(f, x)
    dg.gradcheck(lambda t: (dg.manual_seed(7), F.dropout2d(t, 0.5))[1],
                 dg.randn(2, 3, 2, 2, dtype="float64", requires_grad=True))  # fmt: skip


def test_dropout_layer_train_and_eval():
    layer = nn.Dropout(0.5)
    x = dg.ones(100, 100)
    y = layer(x)
    assert (y.numpy() == 0).any()
    layer.eval()
    assert layer(x) is x
    assert "p=0.5" in repr(layer)
    assert layer.get_config() == {"p": 0.5}


def test_dropout2d_zeroes_whole_channels():
    layer = nn.Dropout2d(0.5)
    y = layer(dg.ones(8, 16, 3, 3)).numpy()
    per_map = y.reshape(8, 16, 9)
    assert np.all((per_map == 0).all(-1) | (per_map == 2.0).all(-1))
    assert 0 < (per_map == 0).all(-1).mean() < 1
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):  # PyTorch's
        y3 = nn.Dropout2d(0.5)(dg.ones(4, 16, 9)).numpy()
    assert np.all((y3 == 0).all(-1) | (y3 == 2.0).all(-1))  # rows x[n, c] of (N, C, L)
    with pytest.warns(UserWarning, match="deprecated"):
        layer(dg.ones(2, 3))
    layer.eval()
    np.testing.assert_array_equal(layer(dg.ones(2, 3, 2, 2)).numpy(), 1.0)
