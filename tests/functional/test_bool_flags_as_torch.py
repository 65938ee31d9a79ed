"""Flags PyTorch's parser takes as Python bools only (``sort``'s ``descending``, ``topk``'s
``largest``/``sorted``, ``unique``'s, ``searchsorted``/``bucketize``'s ``right``/``out_int32``,
``isclose``/``allclose``'s ``equal_nan``): an int or a NumPy bool there is its ``TypeError``;
deepgrad took any truthy value."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

CASES = {
    "x.sort(0, 1)": lambda L, x: x.sort(0, 1),
    "sort(x, descending=1)": lambda L, x: L.sort(x, descending=1),
    "x.argsort(0, 1)": lambda L, x: x.argsort(0, 1),
    "x.topk(1, 0, 1)": lambda L, x: x.topk(1, 0, 1),
    "x.topk(1, 0, True, 0)": lambda L, x: x.topk(1, 0, True, 0),
    "topk(x, 1, largest=np.True_)": lambda L, x: L.topk(x, 1, largest=np.True_),
    "unique(x, 1)": lambda L, x: L.unique(x, 1),
    "unique(x, return_counts=1)": lambda L, x: L.unique(x, return_counts=1),
    "unique(x, return_inverse=1)": lambda L, x: L.unique(x, return_inverse=1),
    "searchsorted(right=1)": lambda L, x: L.searchsorted(x[0, 0], x[0, 0], right=1),
    "searchsorted(out_int32=1)": lambda L, x: L.searchsorted(x[0, 0], x[0, 0], out_int32=1),
    "bucketize(right=1)": lambda L, x: L.bucketize(x, x[0, 0], right=1),
    "isclose(equal_nan=1)": lambda L, x: L.isclose(x, x, equal_nan=1),
    "allclose(equal_nan=1)": lambda L, x: L.allclose(x, x, equal_nan=1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_flags_must_be_bools_as_torch(torch, case):
    a = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(TypeError):
        CASES[case](torch, torch.tensor(a))
    with pytest.raises(TypeError, match="must be bool"):
        CASES[case](dg, dg.tensor(a))


def test_bool_flags_still_work(torch):
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    for f in (
        lambda L, x: x.sort(1, True)[0],
        lambda L, x: x.topk(2, 1, False, True)[0],
        lambda L, x: L.unique(x, sorted=True, return_counts=True)[1],
        lambda L, x: L.searchsorted(x[0].sort()[0], x[1], right=True),
        lambda L, x: L.isclose(x, x, equal_nan=True),
        lambda L, x: x.sort(stable=True, dim=1)[1],
    ):
        np.testing.assert_array_equal(
            f(dg, dg.tensor(a)).numpy(), f(torch, torch.tensor(a)).numpy()
        )


DROPOUT = {
    "dropout(training=0)": lambda F, x: F.dropout(x, 0.5, training=0),
    "dropout(x, 0.5, 1)": lambda F, x: F.dropout(x, 0.5, 1),
    "dropout2d(x, 0.5, 1)": lambda F, x: F.dropout2d(x, 0.5, 1),
    "dropout1d(x, 0.5, 1)": lambda F, x: F.dropout1d(x, 0.5, 1),
    "dropout3d(training=np.True_)": lambda F, x: F.dropout3d(x[None], 0.5, training=np.True_),
    "alpha_dropout(x, 0.5, 1)": lambda F, x: F.alpha_dropout(x, 0.5, 1),
    "feature_alpha_dropout(x, 0.5, 1)": lambda F, x: F.feature_alpha_dropout(x, 0.5, 1),
}


@pytest.mark.parametrize("case", list(DROPOUT))
def test_dropout_training_must_be_a_bool_as_torch(torch, case):
    """``F.dropout``'s family: ``training`` reaches PyTorch's parser as ``train`` (a bool);
    ``inplace`` stays a Python truth test, as in PyTorch (``dropout(x, 0.5, True, 1)`` works)."""
    a = np.ones((2, 3, 4))
    with pytest.raises(TypeError):
        DROPOUT[case](torch.nn.functional, torch.tensor(a))
    with pytest.raises(TypeError, match="'train'.*must be bool"):
        DROPOUT[case](dg.nn.functional, dg.tensor(a))
    dg.nn.functional.dropout(dg.tensor(a), 0.5, True, 1)


X4 = np.linspace(-1.0, 1.0, 16).reshape(1, 1, 4, 4)
LAYERS = {
    "interpolate(align_corners=1)": lambda L, F, x: F.interpolate(
        x, scale_factor=2, mode="bilinear", align_corners=1
    ),
    "interpolate(linear, align_corners=np.True_)": lambda L, F, x: F.interpolate(
        x[0], size=6, mode="linear", align_corners=np.True_
    ),
    "nn.Upsample(align_corners=1)": lambda L, F, x: L.nn.Upsample(
        scale_factor=2, mode="bicubic", align_corners=1
    )(x),
    "grid_sample(align_corners=1)": lambda L, F, x: F.grid_sample(
        x, L.zeros(1, 2, 2, 2, dtype=x.dtype), align_corners=1
    ),
    "affine_grid(align_corners=1)": lambda L, F, x: F.affine_grid(
        L.zeros(1, 2, 3), (1, 1, 2, 2), align_corners=1
    ),
    "max_pool1d(ceil_mode=1)": lambda L, F, x: F.max_pool1d(x[0], 2, ceil_mode=1),
    "max_pool2d(ceil_mode=1)": lambda L, F, x: F.max_pool2d(x, 2, ceil_mode=1),
    "max_pool2d(ceil_mode=None)": lambda L, F, x: F.max_pool2d(x, 2, ceil_mode=None),
    "max_pool3d(ceil_mode=np.True_)": lambda L, F, x: F.max_pool3d(x, 2, ceil_mode=np.True_),
    "avg_pool1d(ceil_mode=1)": lambda L, F, x: F.avg_pool1d(x[0], 2, ceil_mode=1),
    "avg_pool2d(count_include_pad=0)": lambda L, F, x: F.avg_pool2d(
        x, 2, padding=1, count_include_pad=0
    ),
    "avg_pool3d(ceil_mode=1)": lambda L, F, x: F.avg_pool3d(x, 2, ceil_mode=1),
    "avg_pool2d(divisor_override=2.0)": lambda L, F, x: F.avg_pool2d(x, 2, divisor_override=2.0),
    "lp_pool2d(ceil_mode=1)": lambda L, F, x: F.lp_pool2d(x, 2, 2, ceil_mode=1),
    "nn.MaxPool2d(2, ceil_mode=1)(x)": lambda L, F, x: L.nn.MaxPool2d(2, ceil_mode=1)(x),
    "nn.AvgPool1d(2, count_include_pad=0)(x)": lambda L, F, x: L.nn.AvgPool1d(
        2, count_include_pad=0
    )(x[0]),
    "nn.AvgPool3d(2, ceil_mode=1)(x)": lambda L, F, x: L.nn.AvgPool3d(2, ceil_mode=1)(x),
    "embedding_bag(include_last_offset=1)": lambda L, F, x: F.embedding_bag(
        L.tensor([1, 2, 3]), x[0, 0], L.tensor([0, 1, 3]), include_last_offset=1
    ),
    "nn.EmbeddingBag(include_last_offset=1)": lambda L, F, x: L.nn.EmbeddingBag(
        4, 2, include_last_offset=1
    )(L.tensor([1, 2, 3]), L.tensor([0, 1, 3])),
    "batch_norm(training=1)": lambda L, F, x: F.batch_norm(
        x, L.zeros(1, dtype=x.dtype), L.ones(1, dtype=x.dtype), training=1
    ),
    "instance_norm(use_input_stats=1)": lambda L, F, x: F.instance_norm(x, use_input_stats=1),
    "rrelu(training=1)": lambda L, F, x: F.rrelu(x, training=1),
    "sdpa(is_causal=1)": lambda L, F, x: F.scaled_dot_product_attention(x, x, x, is_causal=1),
}


@pytest.mark.parametrize("case", list(LAYERS))
def test_layer_flags_must_be_bools_as_torch(torch, case):
    """Resampling, pooling, embedding-bag, normalization and attention flags: PyTorch's
    parser refuses ``1`` (``TypeError``, "must be bool, not int"; ``divisor_override`` "must
    be int, not float"); the pooling modules store the value and refuse it at forward."""
    with pytest.raises(TypeError):
        LAYERS[case](torch, torch.nn.functional, torch.tensor(X4))
    with pytest.raises(TypeError, match="must be (bool|int), not"):
        LAYERS[case](dg, dg.nn.functional, dg.tensor(X4))


def test_layer_bool_flags_still_work(torch):
    """The same calls with Python bools (and ``return_indices=1``, a Python truth test in
    PyTorch too) give PyTorch's numbers."""
    for f in (
        lambda L, F, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True),
        lambda L, F, x: F.max_pool2d(x, 3, 2, ceil_mode=True),
        lambda L, F, x: F.max_pool2d(x, 2, return_indices=1)[1],
        lambda L, F, x: F.avg_pool2d(x, 3, 2, 1, True, False),
        lambda L, F, x: F.avg_pool2d(x, 2, divisor_override=3),
        lambda L, F, x: L.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)(x),
        lambda L, F, x: F.grid_sample(x, L.zeros(1, 2, 2, 2, dtype=x.dtype), align_corners=True),
        lambda L, F, x: F.rrelu(x, training=False),
    ):
        np.testing.assert_allclose(
            f(dg, dg.nn.functional, dg.tensor(X4)).numpy(),
            f(torch, torch.nn.functional, torch.tensor(X4)).numpy(),
            rtol=1e-12,
        )


MORE = {
    "nonzero(x, as_tuple=1)": lambda L, x: L.nonzero(x, as_tuple=1),
    "x.nonzero(as_tuple=1)": lambda L, x: x.nonzero(as_tuple=1),
    "unique_consecutive(x, return_inverse=1)": lambda L, x: L.unique_consecutive(
        x, return_inverse=1
    ),
    "x.unique_consecutive(return_counts=1)": lambda L, x: x.unique_consecutive(return_counts=1),
    "isin(invert=1)": lambda L, x: L.isin(x, x, invert=1),
    "isin(assume_unique=1)": lambda L, x: L.isin(x, x, assume_unique=1),
    "histogram(density=1)": lambda L, x: L.histogram(x, 4, density=1),
    "histogramdd(density=1)": lambda L, x: L.histogramdd(x[0], 4, density=1),
    "linalg.svd(full_matrices=1)": lambda L, x: L.linalg.svd(x[0], full_matrices=1),
    "svd(some=1)": lambda L, x: L.svd(x[0], some=1),
    "svd(compute_uv=0)": lambda L, x: L.svd(x[0], compute_uv=0),
    "x.to(float64, copy=1)": lambda L, x: x.to(L.float64, copy=1),
    "x.to('cpu', non_blocking=1)": lambda L, x: x.to("cpu", non_blocking=1),
    "Linear.to('cpu', non_blocking=1)": lambda L, x: L.nn.Linear(2, 2).to("cpu", non_blocking=1),
    "zeros(2, pin_memory=1)": lambda L, x: L.zeros(2, pin_memory=1),
    "ones_like(x, pin_memory=1)": lambda L, x: L.ones_like(x, pin_memory=1),
}


@pytest.mark.parametrize("case", list(MORE))
def test_more_flags_must_be_bools_as_torch(torch, case):
    a = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(TypeError):
        MORE[case](torch, torch.tensor(a))
    with pytest.raises(TypeError, match="must be bool"):
        MORE[case](dg, dg.tensor(a))


def test_more_bool_flags_still_work(torch):
    a = np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 3.0]])
    for f in (
        lambda L, x: L.stack(L.nonzero(x, as_tuple=True)),
        lambda L, x: L.unique_consecutive(x[0], return_counts=True)[1],
        lambda L, x: L.isin(x, x[0], invert=True),
        lambda L, x: L.histogram(x, 3, density=True)[0],
        lambda L, x: x.to(L.float32, copy=True),
    ):
        np.testing.assert_allclose(
            f(dg, dg.tensor(a)).numpy(), f(torch, torch.tensor(a)).numpy(), rtol=1e-6
        )
    assert dg.zeros(2, pin_memory=False).tolist() == [0.0, 0.0]
