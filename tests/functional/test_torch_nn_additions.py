"""The functions behind PyTorch's newer ``nn`` layers (issue 13): ``softshrink``,
``hardshrink``, ``glu``, ``rrelu``, ``bilinear``, ``local_response_norm``, ``pixel_shuffle``,
``pixel_unshuffle``, ``channel_shuffle``, ``unfold``, ``fold``, ``conv3d``,
``conv_transpose3d``, ``max_pool3d``, ``avg_pool3d``, ``embedding_bag`` and the dropouts:
float64 values and gradients equal to PyTorch's, float64 gradcheck, PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F

IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9])
OFF = np.array([0, 3, 3, 5])

# name -> (deepgrad call, torch call (on torch.nn.functional), float input shapes); the calls
# take (F, *inputs) so that one lambda serves both libraries
CASES = {
    "softshrink": (lambda F, x: F.softshrink(x, 0.3), [(3, 4)]),
    "hardshrink": (lambda F, x: F.hardshrink(x, 0.3), [(3, 4)]),
    "glu": (lambda F, x: F.glu(x, 1), [(3, 4, 2)]),
    "glu_last": (lambda F, x: F.glu(x), [(6,)]),
    "rrelu_eval": (lambda F, x: F.rrelu(x, 0.1, 0.3), [(3, 4)]),
    "bilinear": (lambda F, a, b, w, c: F.bilinear(a, b, w, c), [(5, 2), (5, 3), (4, 2, 3), (4,)]),
    "bilinear_unbatched": (lambda F, a, b, w: F.bilinear(a, b, w), [(2,), (3,), (4, 2, 3)]),
    "bilinear_leading": (lambda F, a, b, w: F.bilinear(a, b, w), [(2, 3, 2), (2, 3, 3), (1, 2, 3)]),
    "local_response_norm_3d": (lambda F, x: F.local_response_norm(x, 3), [(2, 5, 3)]),
    "local_response_norm_4d": (
        lambda F, x: F.local_response_norm(x, 2, alpha=0.1, beta=0.5, k=2.0), [(2, 5, 3, 2)]
    ),
    "local_response_norm_5d": (lambda F, x: F.local_response_norm(x, 4, 0.5), [(1, 3, 2, 2, 2)]),
    "pixel_shuffle": (lambda F, x: F.pixel_shuffle(x, 2), [(2, 8, 3, 2)]),
    "pixel_shuffle_lead": (lambda F, x: F.pixel_shuffle(x, 3), [(2, 1, 9, 1, 2)]),
    "pixel_unshuffle": (lambda F, x: F.pixel_unshuffle(x, 2), [(3, 2, 4, 6)]),
    "channel_shuffle": (lambda F, x: F.channel_shuffle(x, 3), [(2, 6, 3, 2)]),
    "unfold": (
        lambda F, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        [(2, 3, 5, 6)],
    ),
    "unfold_unbatched": (lambda F, x: F.unfold(x, 3, padding=1), [(3, 5, 6)]),
    "unfold_many_channels": (lambda F, x: F.unfold(x, 3, padding=1), [(2, 8, 5, 6)]),
    "fold": (
        lambda F, x: F.fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        [(2, 18, 12)],
    ),
    "fold_unbatched": (lambda F, x: F.fold(x, (4, 4), 2), [(8, 9)]),
    "conv3d": (lambda F, x, w, b: F.conv3d(x, w, b, padding=1), [(2, 2, 4, 5, 5), (3, 2, 3, 3, 3), (3,)]),
    "conv3d_groups": (
        lambda F, x, w: F.conv3d(x, w, stride=(2, 1, 2), padding=(1, 0, 2), dilation=(2, 1, 1),
                                 groups=2),
        [(2, 4, 7, 5, 5), (6, 2, 2, 3, 2)],
    ),  # fmt: skip
    "conv3d_same_unbatched": (lambda F, x, w: F.conv3d(x, w, padding="same"), [(4, 5, 5, 5), (3, 4, 2, 3, 2)]),
    "conv_transpose3d": (
        lambda F, x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=1),
        [(2, 2, 3, 4, 4), (2, 3, 3, 3, 3), (3,)],
    ),
    "conv_transpose3d_groups": (
        lambda F, x, w: F.conv_transpose3d(x, w, stride=(2, 1, 3), padding=(2, 1, 0),
                                           output_padding=(1, 0, 2), groups=2, dilation=(2, 1, 1)),
        [(2, 4, 3, 4, 4), (4, 3, 3, 2, 2)],
    ),  # fmt: skip
    "conv_transpose3d_unbatched": (lambda F, x, w: F.conv_transpose3d(x, w), [(2, 3, 4, 4), (2, 3, 2, 3, 3)]),
    "max_pool3d": (lambda F, x: F.max_pool3d(x, 3, 2, 1), [(2, 3, 6, 7, 5)]),
    "max_pool3d_ceil_dilation": (
        lambda F, x: F.max_pool3d(x, (2, 3, 2), (2, 1, 2), (1, 1, 0), (2, 1, 1), True), [(3, 6, 7, 5)]
    ),
    "avg_pool3d": (lambda F, x: F.avg_pool3d(x, 3, 2, 1), [(2, 3, 6, 7, 5)]),
    "avg_pool3d_no_pad_count_ceil": (lambda F, x: F.avg_pool3d(x, 3, 2, 1, True, False), [(2, 3, 6, 7, 5)]),
    "avg_pool3d_divisor": (lambda F, x: F.avg_pool3d(x, 2, divisor_override=3), [(3, 6, 7, 5)]),
    **{
        f"embedding_bag_{mode}{'_pad' if pad is not None else ''}": (
            lambda F, w, mode=mode, pad=pad: F.embedding_bag(
                _ints(F, IDX), w, _ints(F, OFF), mode=mode, padding_idx=pad
            ),
            [(10, 3)],
        )
        for mode in ("sum", "mean", "max")
        for pad in (None, 4)
    },
    "embedding_bag_2d_max": (
        lambda F, w: F.embedding_bag(_ints(F, IDX.reshape(2, 4)), w, mode="max", padding_idx=2),
        [(10, 3)],
    ),
    "embedding_bag_weights": (
        lambda F, w, p: F.embedding_bag(_ints(F, IDX), w, _ints(F, OFF), mode="sum",
                                        per_sample_weights=p),
        [(10, 3), (8,)],
    ),  # fmt: skip
    "embedding_bag_last_offset": (
        lambda F, w: F.embedding_bag(_ints(F, IDX), w, _ints(F, np.array([0, 3, 8])),
                                     include_last_offset=True),
        [(10, 3)],
    ),  # fmt: skip
    "embedding_bag_all_empty_max": (
        lambda F, w: F.embedding_bag(_ints(F, IDX[:0]), w, _ints(F, np.array([0, 0])), mode="max"),
        [(10, 3)],
    ),
}  # fmt: skip


def _ints(F, a):
    """Index arrays as each library takes them (torch needs tensors)."""
    if F is not F_DG:
        import torch

        return torch.tensor(a)
    return a


F_DG = F


def _arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name, torch):
    call, shapes = CASES[name]
    arrays = _arrays(shapes)
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = call(F, *xs), call(torch.nn.functional, *txs)
    assert y.shape == tuple(ty.shape) and y.dtype == dg.float64
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(1).normal(size=y.shape)
    (y * dg.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    for x, tx in zip(xs, txs):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_float64(name):
    call, shapes = CASES[name]
    # away from the kinks of the shrinks and the ties of max pooling
    arrays = [a + np.sign(a) * 0.05 for a in _arrays(shapes, seed=2)]
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    dg.gradcheck(lambda *t: call(F, *t), *xs)


def test_second_order_gradients_of_fold_and_conv3d():
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.normal(size=(1, 2, 3, 4, 4)), requires_grad=True)
    w = dg.tensor(rng.normal(size=(2, 2, 2, 2, 2)), requires_grad=True)
    dg.gradcheck(
        lambda x, w: dg.autograd.grad((F.conv3d(x, w) ** 2).sum(), x, create_graph=True)[0], x, w
    )
    c = dg.tensor(rng.normal(size=(1, 8, 9)), requires_grad=True)
    dg.gradcheck(lambda c: F.fold(c, (4, 4), 2) ** 2, c)


# name -> a call that PyTorch refuses; deepgrad must refuse it too, with a ValueError
ERRORS = {
    "softshrink_negative": lambda F, x: F.softshrink(x, -1.0),
    "glu_odd": lambda F, x: F.glu(x, 1),
    "glu_scalar": lambda F, x: F.glu(x.sum()),
    "lrn_2d": lambda F, x: F.local_response_norm(x[0, 0], 2),
    "pixel_shuffle_channels": lambda F, x: F.pixel_shuffle(x, 2),
    "pixel_shuffle_2d": lambda F, x: F.pixel_shuffle(x[0, 0], 1),
    "pixel_unshuffle_height": lambda F, x: F.pixel_unshuffle(x, 2),
    "channel_shuffle_groups": lambda F, x: F.channel_shuffle(x, 2),
    "channel_shuffle_2d": lambda F, x: F.channel_shuffle(x[0], 3),
    "unfold_2d": lambda F, x: F.unfold(x[0, 0], 2),
    "fold_blocks": lambda F, x: F.fold(x[0], (4, 4), 2),
    "bilinear_batch": lambda F, x: F.bilinear(x[0, :, :2, 0], x[0, :2, :3, 0], x[0, :4, :2, :3]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_refused_as_torch_refuses(name, torch):
    a = np.random.default_rng(0).normal(size=(2, 3, 5, 5))
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        ERRORS[name](torch.nn.functional, torch.tensor(a))
    with pytest.raises(ValueError):
        ERRORS[name](F, dg.tensor(a))


def test_embedding_bag_arguments_refused():
    w = dg.randn(10, 3)
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(IDX.reshape(2, 4), w, OFF)
    with pytest.raises(ValueError, match="offsets has to be a 1D"):
        F.embedding_bag(IDX, w)
    with pytest.raises(ValueError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(IDX, w, np.array([1, 3]))
    with pytest.raises(ValueError, match="only supported for mode='sum'"):
        F.embedding_bag(IDX, w, OFF, per_sample_weights=dg.ones(8))
    with pytest.raises(ValueError, match="mode has to be one of"):
        F.embedding_bag(IDX, w, OFF, mode="median")
    with pytest.raises(ValueError, match=r"offsets\[-1\] must be the input's length 8"):
        F.embedding_bag(IDX, w, np.array([0, 3, 6]), include_last_offset=True)
    with pytest.raises(IndexError, match="out of range"):
        F.embedding_bag(np.array([1, 12]), w, np.array([0]))


def test_rrelu_training_draws_seeded_slopes():
    x = dg.tensor(-np.ones((200,)), requires_grad=True)
    dg.manual_seed(0)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and len(set(slopes)) > 100
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), slopes)  # the gradient is the slope drawn
    dg.manual_seed(0)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).numpy(), y.numpy())
    pos = dg.tensor([0.5, 2.0])
    assert F.rrelu(pos, training=True).tolist() == [0.5, 2.0]


@pytest.mark.parametrize(
    "fn, shape, nd", [(F.dropout1d, (4, 50, 6), 1), (F.dropout3d, (4, 50, 2, 2, 2), 3)]
)
def test_channel_dropouts_drop_whole_channels(fn, shape, nd):
    dg.manual_seed(0)
    y = fn(dg.ones(*shape), 0.5).numpy().reshape(shape[0] * shape[1], -1)
    assert set(np.unique(y)) == {0.0, 2.0} and all(len(set(r)) == 1 for r in y)
    assert fn(dg.ones(*shape[1:]), 0.5).shape == shape[1:]  # unbatched
    x = dg.ones(*shape)
    assert fn(x, 0.5, training=False) is x
    if fn is F.dropout1d:  # PyTorch refuses another rank for dropout1d ...
        with pytest.raises(ValueError, match=f"{nd + 1}-D .* or {nd + 2}-D"):
            fn(dg.ones(*shape[2:]), 0.5)
    else:  # ... and warns for dropout3d, reading it unbatched (tests/nn/test_input_shapes.py)
        with pytest.warns(UserWarning, match="deprecated"):
            fn(dg.ones(*shape[2:]), 0.5)


@pytest.mark.parametrize("fn", [F.alpha_dropout, F.feature_alpha_dropout])
def test_alpha_dropouts_keep_mean_and_variance(fn, torch):
    dg.manual_seed(123)  # x from other words than the masks' (seed 0's, below)
    x = dg.randn(200, 100, 4, dtype=dg.float64)
    assert fn(x, 0.5) is x  # training=False by default, as PyTorch's
    dg.manual_seed(0)
    y = fn(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1.0) < 0.05
    # the dropped values are PyTorch's: -α·λ·a + α·λ·a·p with a from p
    a = 1 / np.sqrt((1.7580993408473766**2 * 0.2 + 1) * 0.8)
    dropped = -1.7580993408473766 * a + 1.7580993408473766 * a * 0.2
    assert np.isclose(y, dropped).mean() == pytest.approx(0.2, abs=0.02)
    xt = dg.tensor(x.numpy(), requires_grad=True)
    dg.manual_seed(1)
    yt = fn(xt, 0.2, training=True)
    yt.sum().backward()
    kept = ~np.isclose(yt.numpy(), dropped)
    np.testing.assert_allclose(xt.grad.numpy()[kept], a)
