"""One name per argument: every function and Tensor method declares PyTorch's names (``dim``,
``keepdim``, ``correction``, ``start_dim``/``end_dim``, ``dims``) and accepts the aliases
PyTorch accepts too (``axis``, ``keepdims``, ``unbiased``); the spellings PyTorch refuses
(``start_axis``, ``end_axis``, ``ddof``, ``axis`` for ``dims``) are a TypeError naming PyTorch's.
Each alias gives PyTorch's values and gradients (float64) and the same as the declared name;
naming one argument twice is a TypeError naming both spellings."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn
from deepgrad.io import module_from_config, module_to_config


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


#: gather / take_along_dim index for a (2, 3, 4) input along dim 1; index_select's along dim 1
IDX3 = np.array([[[2, 0, 1, 1], [0, 0, 2, 1]], [[1, 2, 0, 0], [2, 1, 1, 0]]])
SEL = np.array([2, 0, 2])


def _run(fn, arrays, lib, *lead):
    """Outputs (as a tuple) of ``fn(*lead, *leaves)`` on fresh leaves of ``arrays`` in ``lib``
    (dg or torch), and the leaves."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*lead, *xs)
    return (y if isinstance(y, tuple) else (y,)), xs


def _backward(ys, xs, lib):
    rng = np.random.default_rng(1)
    total = sum((y * lib.tensor(rng.standard_normal(tuple(y.shape)))).sum() for y in ys)
    total.backward()
    return [x.grad.numpy() for x in xs]


def _check(torch, alias, numpy_name, torch_fn, arrays, grad=True):
    """``alias`` (the other library's spelling in deepgrad) equals ``torch_fn(torch, ...)`` and ``numpy_name`` (the
    other spelling) in values and, when ``grad``, input gradients; then a gradient check."""
    ys, xs = _run(alias, arrays, dg)
    rs, rxs = _run(numpy_name, arrays, dg)
    ts, txs = _run(torch_fn, arrays, torch, torch)
    assert len(ys) == len(rs) == len(ts)
    for y, r, t in zip(ys, rs, ts):
        assert y.shape == r.shape == tuple(t.shape)
        np.testing.assert_array_equal(y.numpy(), r.numpy())
        np.testing.assert_allclose(y.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
    if not grad:
        return
    gy, gr, gt = _backward(ys, xs, dg), _backward(rs, rxs, dg), _backward(ts, txs, torch)
    for a, b, c in zip(gy, gr, gt):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    assert dg.gradcheck(alias, *[dg.tensor(a, requires_grad=True) for a in arrays])


# (id, deepgrad with the alias, deepgrad with the parameter's own name, torch, input shapes)
FUNCTIONS = [
    (
        "sum dim keepdim",
        lambda x: F.sum(x, dim=1, keepdim=True),
        lambda x: F.sum(x, axis=1, keepdims=True),
        lambda T, t: t.sum(dim=1, keepdim=True),
        [(2, 3, 4)],
    ),
    (
        "mean dim tuple",
        lambda x: F.mean(x, dim=(0, 2)),
        lambda x: F.mean(x, axis=(0, 2)),
        lambda T, t: t.mean(dim=(0, 2)),
        [(2, 3, 4)],
    ),
    (
        "var unbiased=False",
        lambda x: F.var(x, dim=0, unbiased=False),
        lambda x: F.var(x, axis=0, correction=0),
        lambda T, t: t.var(dim=0, unbiased=False),
        [(3, 4)],
    ),
    (
        "var unbiased=True keepdim",
        lambda x: F.var(x, dim=1, keepdim=True, unbiased=True),
        lambda x: F.var(x, 1, True, True),  # PyTorch's order: dim, unbiased, keepdim
        lambda T, t: t.var(dim=1, keepdim=True, unbiased=True),
        [(3, 4)],
    ),
    (
        "std unbiased=False",
        lambda x: F.std(x, dim=1, unbiased=False, keepdim=True),
        lambda x: F.std(x, axis=1, correction=0, keepdims=True),
        lambda T, t: t.std(dim=1, unbiased=False, keepdim=True),
        [(3, 4)],
    ),
    (
        "max dim",
        lambda x: F.max(x, dim=1, keepdim=True).values,
        lambda x: F.max(x, axis=1, keepdims=True).values,
        lambda T, t: t.max(dim=1, keepdim=True).values,
        [(3, 4)],
    ),
    (
        "min dim",
        lambda x: F.min(x, dim=0).values,
        lambda x: F.min(x, axis=0).values,
        lambda T, t: t.min(dim=0).values,
        [(3, 4)],
    ),
    (
        "amax axis keepdims",
        lambda x: F.amax(x, axis=1, keepdims=True),
        lambda x: F.amax(x, dim=1, keepdim=True),
        lambda T, t: t.amax(dim=1, keepdim=True),
        [(3, 4)],
    ),
    (
        "amin axis",
        lambda x: F.amin(x, axis=(0, 1)),
        lambda x: F.amin(x, dim=(0, 1)),
        lambda T, t: t.amin(dim=(0, 1)),
        [(2, 3, 4)],
    ),
    (
        "logsumexp dim",
        lambda x: F.logsumexp(x, dim=1, keepdim=True),
        lambda x: F.logsumexp(x, axis=1, keepdims=True),
        lambda T, t: t.logsumexp(dim=1, keepdim=True),
        [(3, 4)],
    ),
    (
        "prod axis",
        lambda x: F.prod(x, axis=1, keepdims=True),
        lambda x: F.prod(x, dim=1, keepdim=True),
        lambda T, t: t.prod(dim=1, keepdim=True),
        [(3, 4)],
    ),
    (
        "cumsum axis",
        lambda x: F.cumsum(x, axis=1),
        lambda x: F.cumsum(x, dim=1),
        lambda T, t: t.cumsum(dim=1),
        [(3, 4)],
    ),
    (
        "cumprod axis",
        lambda x: F.cumprod(x, axis=0),
        lambda x: F.cumprod(x, dim=0),
        lambda T, t: t.cumprod(dim=0),
        [(3, 4)],
    ),
    (
        "norm axis keepdims",
        lambda x: F.norm(x, 2, axis=1, keepdims=True),
        lambda x: F.norm(x, 2, dim=1, keepdim=True),
        lambda T, t: t.norm(p=2, dim=1, keepdim=True),
        [(3, 4)],
    ),
    (
        "softmax dim",
        lambda x: F.softmax(x, dim=0),
        lambda x: F.softmax(x, axis=0),
        lambda T, t: t.softmax(dim=0),
        [(3, 4)],
    ),
    (
        "log_softmax dim",
        lambda x: F.log_softmax(x, dim=1),
        lambda x: F.log_softmax(x, axis=1),
        lambda T, t: t.log_softmax(dim=1),
        [(3, 4)],
    ),
    (
        "softmin dim",
        lambda x: F.softmin(x, dim=0),
        lambda x: F.softmin(x, axis=0),
        lambda T, t: T.nn.functional.softmin(t, dim=0),
        [(3, 4)],
    ),
    (
        "squeeze dim",
        lambda x: F.squeeze(x, dim=1),
        lambda x: F.squeeze(x, axis=1),
        lambda T, t: t.squeeze(dim=1),
        [(2, 1, 3)],
    ),
    (
        "unsqueeze dim",
        lambda x: F.unsqueeze(x, dim=-1),
        lambda x: F.unsqueeze(x, axis=-1),
        lambda T, t: t.unsqueeze(dim=-1),
        [(2, 3)],
    ),
    (
        "cat dim",
        lambda x, y: F.cat([x, y], dim=1),
        lambda x, y: F.concat([x, y], axis=1),
        lambda T, x, y: T.cat([x, y], dim=1),
        [(2, 3), (2, 2)],
    ),
    (
        "stack dim",
        lambda x, y: F.stack([x, y], dim=1),
        lambda x, y: F.stack([x, y], axis=1),
        lambda T, x, y: T.stack([x, y], dim=1),
        [(2, 3), (2, 3)],
    ),
    (
        "split dim",
        lambda x: F.split(x, 2, dim=1),
        lambda x: F.split(x, 2, axis=1),
        lambda T, t: t.split(2, dim=1),
        [(2, 5)],
    ),
    (
        "chunk axis",
        lambda x: F.chunk(x, 2, axis=1),
        lambda x: F.chunk(x, 2, dim=1),
        lambda T, t: t.chunk(2, dim=1),
        [(2, 5)],
    ),
    (
        "flatten start_dim",
        lambda x: F.flatten(x, start_dim=1),
        lambda x: F.flatten(x, 1),
        lambda T, t: t.flatten(start_dim=1),
        [(2, 3, 4)],
    ),
    (
        "flatten start_dim end_dim",
        lambda x: F.flatten(x, start_dim=0, end_dim=1),
        lambda x: F.flatten(x, 0, 1),
        lambda T, t: t.flatten(start_dim=0, end_dim=1),
        [(2, 3, 4)],
    ),
    (
        "flip dims",
        lambda x: F.flip(x, dims=(0, 2)),
        lambda x: F.flip(x, (0, 2)),
        lambda T, t: t.flip(dims=(0, 2)),
        [(2, 3, 4)],
    ),
    (
        "roll dims",
        lambda x: F.roll(x, 1, dims=1),
        lambda x: F.roll(x, 1, 1),
        lambda T, t: t.roll(1, dims=1),
        [(2, 3)],
    ),
    (
        "permute dims",
        lambda x: F.permute(x, dims=(2, 0, 1)),
        lambda x: F.permute(x, (2, 0, 1)),
        lambda T, t: t.permute(dims=(2, 0, 1)),
        [(2, 3, 4)],
    ),
    (
        "gather axis",
        lambda x: F.gather(x, axis=1, index=dg.tensor(IDX3)),
        lambda x: F.gather(x, dim=1, index=dg.tensor(IDX3)),
        lambda T, t: t.gather(dim=1, index=T.tensor(IDX3)),
        [(2, 3, 4)],
    ),
    (
        "index_select axis",
        lambda x: F.index_select(x, axis=1, index=dg.tensor(SEL)),
        lambda x: F.index_select(x, dim=1, index=dg.tensor(SEL)),
        lambda T, t: t.index_select(dim=1, index=T.tensor(SEL)),
        [(2, 3)],
    ),
    (
        "narrow axis",
        lambda x: F.narrow(x, axis=1, start=1, length=2),
        lambda x: F.narrow(x, dim=1, start=1, length=2),
        lambda T, t: t.narrow(dim=1, start=1, length=2),
        [(2, 4)],
    ),
    (
        "unflatten axis",
        lambda x: F.unflatten(x, axis=1, sizes=(2, 3)),
        lambda x: F.unflatten(x, dim=1, sizes=(2, 3)),
        lambda T, t: t.unflatten(1, (2, 3)),
        [(2, 6)],
    ),
    (
        "take_along_dim axis",
        lambda x: F.take_along_dim(x, dg.tensor(IDX3), axis=1),
        lambda x: F.take_along_dim(x, dg.tensor(IDX3), dim=1),
        lambda T, t: t.take_along_dim(T.tensor(IDX3), dim=1),
        [(2, 3, 4)],
    ),
    (
        "normalize axis",
        lambda x: F.normalize(x, axis=0),
        lambda x: F.normalize(x, dim=0),
        lambda T, t: T.nn.functional.normalize(t, dim=0),
        [(3, 4)],
    ),
    (
        "cosine_similarity axis",
        lambda x, y: F.cosine_similarity(x, y, axis=0),
        lambda x, y: F.cosine_similarity(x, y, dim=0),
        lambda T, x, y: T.nn.functional.cosine_similarity(x, y, dim=0),
        [(3, 4), (3, 4)],
    ),
    (
        "pairwise_distance keepdims",
        lambda x, y: F.pairwise_distance(x, y, keepdims=True),
        lambda x, y: F.pairwise_distance(x, y, keepdim=True),
        lambda T, x, y: T.nn.functional.pairwise_distance(x, y, keepdim=True),
        [(3, 4), (3, 4)],
    ),
]


@pytest.mark.parametrize(
    "alias, own, tfn, shapes", [c[1:] for c in FUNCTIONS], ids=[c[0] for c in FUNCTIONS]
)
def test_functional_alias_matches_torch_and_own_name(torch, alias, own, tfn, shapes):
    arrays = [_randn(*s, seed=i) for i, s in enumerate(shapes)]
    _check(torch, alias, own, tfn, arrays)


METHODS = [
    (
        "sum",
        lambda x: x.sum(dim=1, keepdim=True),
        lambda x: x.sum(axis=1, keepdims=True),
        lambda T, t: t.sum(dim=1, keepdim=True),
    ),
    (
        "mean",
        lambda x: x.mean(dim=(0, 2)),
        lambda x: x.mean(axis=(0, 2)),
        lambda T, t: t.mean(dim=(0, 2)),
    ),
    (
        "var unbiased=False",
        lambda x: x.var(dim=0, unbiased=False),
        lambda x: x.var(axis=0, correction=0),
        lambda T, t: t.var(dim=0, unbiased=False),
    ),
    (
        "std unbiased keepdim",
        lambda x: x.std(dim=2, unbiased=True, keepdim=True),
        lambda x: x.std(axis=2, correction=1, keepdims=True),
        lambda T, t: t.std(dim=2, unbiased=True, keepdim=True),
    ),
    (
        "max",
        lambda x: x.max(dim=1).values,
        lambda x: x.max(axis=1).values,
        lambda T, t: t.max(dim=1).values,
    ),
    (
        "min keepdim",
        lambda x: x.min(dim=0, keepdim=True).values,
        lambda x: x.min(axis=0, keepdims=True).values,
        lambda T, t: t.min(dim=0, keepdim=True).values,
    ),
    (
        "amax",
        lambda x: x.amax(axis=0, keepdims=True),
        lambda x: x.amax(dim=0, keepdim=True),
        lambda T, t: t.amax(dim=0, keepdim=True),
    ),
    (
        "amin",
        lambda x: x.amin(axis=2),
        lambda x: x.amin(dim=2),
        lambda T, t: t.amin(dim=2),
    ),
    (
        "logsumexp",
        lambda x: x.logsumexp(dim=1),
        lambda x: x.logsumexp(axis=1),
        lambda T, t: t.logsumexp(dim=1),
    ),
    (
        "prod",
        lambda x: x.prod(axis=1, keepdims=True),
        lambda x: x.prod(dim=1, keepdim=True),
        lambda T, t: t.prod(dim=1, keepdim=True),
    ),
    (
        "cumsum",
        lambda x: x.cumsum(axis=1),
        lambda x: x.cumsum(dim=1),
        lambda T, t: t.cumsum(dim=1),
    ),
    (
        "cumprod",
        lambda x: x.cumprod(axis=2),
        lambda x: x.cumprod(dim=2),
        lambda T, t: t.cumprod(dim=2),
    ),
    (
        "norm",
        lambda x: x.norm(axis=(1, 2), keepdims=True),
        lambda x: x.norm(dim=(1, 2), keepdim=True),
        lambda T, t: t.norm(dim=(1, 2), keepdim=True),
    ),
    (
        "softmax",
        lambda x: x.softmax(dim=1),
        lambda x: x.softmax(axis=1),
        lambda T, t: t.softmax(dim=1),
    ),
    (
        "log_softmax",
        lambda x: x.log_softmax(dim=0),
        lambda x: x.log_softmax(axis=0),
        lambda T, t: t.log_softmax(dim=0),
    ),
    (
        "squeeze",
        lambda x: x[:, :1].squeeze(dim=1),
        lambda x: x[:, :1].squeeze(axis=1),
        lambda T, t: t[:, :1].squeeze(dim=1),
    ),
    (
        "unsqueeze",
        lambda x: x.unsqueeze(dim=1),
        lambda x: x.unsqueeze(axis=1),
        lambda T, t: t.unsqueeze(dim=1),
    ),
    (
        "flatten",
        lambda x: x.flatten(start_dim=1),
        lambda x: x.flatten(1),
        lambda T, t: t.flatten(start_dim=1),
    ),
    (
        "flatten end_dim",
        lambda x: x.flatten(end_dim=1),
        lambda x: x.flatten(0, 1),
        lambda T, t: t.flatten(end_dim=1),
    ),
    (
        "flip dims",
        lambda x: x.flip(dims=(0, 2)),
        lambda x: x.flip(0, 2),
        lambda T, t: t.flip(dims=(0, 2)),
    ),
    (
        "flip positional",
        lambda x: x.flip(1),
        lambda x: x.flip((1,)),
        lambda T, t: t.flip(1),
    ),
    (
        "roll",
        lambda x: x.roll(2, dims=2),
        lambda x: x.roll(2, 2),
        lambda T, t: t.roll(2, dims=2),
    ),
    (
        "sort",
        lambda x: x.sort(axis=1).values,
        lambda x: x.sort(dim=1).values,
        lambda T, t: t.sort(axis=1).values,
    ),
    (
        "topk",
        lambda x: x.topk(2, axis=2).values,
        lambda x: x.topk(2, dim=2).values,
        lambda T, t: t.topk(2, axis=2).values,
    ),
    (
        "chunk",
        lambda x: x.chunk(2, axis=2),
        lambda x: x.chunk(2, dim=2),
        lambda T, t: t.chunk(2, dim=2),
    ),
    (
        "split",
        lambda x: x.split(1, axis=0),
        lambda x: x.split(1, dim=0),
        lambda T, t: t.split(1, dim=0),
    ),
    (
        "gather",
        lambda x: x.gather(axis=1, index=dg.tensor(IDX3)),
        lambda x: x.gather(dim=1, index=dg.tensor(IDX3)),
        lambda T, t: t.gather(dim=1, index=T.tensor(IDX3)),
    ),
    (
        "index_select",
        lambda x: x.index_select(axis=1, index=dg.tensor(SEL)),
        lambda x: x.index_select(dim=1, index=dg.tensor(SEL)),
        lambda T, t: t.index_select(dim=1, index=T.tensor(SEL)),
    ),
    (
        "narrow",
        lambda x: x.narrow(axis=2, start=1, length=2),
        lambda x: x.narrow(dim=2, start=1, length=2),
        lambda T, t: t.narrow(dim=2, start=1, length=2),
    ),
    (
        "unflatten",
        lambda x: x.unflatten(axis=2, sizes=(2, 2)),
        lambda x: x.unflatten(dim=2, sizes=(2, 2)),
        lambda T, t: t.unflatten(2, (2, 2)),
    ),
    (
        "take_along_dim",
        lambda x: x.take_along_dim(dg.tensor(IDX3), axis=1),
        lambda x: x.take_along_dim(dg.tensor(IDX3), dim=1),
        lambda T, t: t.take_along_dim(T.tensor(IDX3), dim=1),
    ),
]


@pytest.mark.parametrize("alias, own, tfn", [m[1:] for m in METHODS], ids=[m[0] for m in METHODS])
def test_tensor_method_alias_matches_torch_and_own_name(torch, alias, own, tfn):
    _check(torch, alias, own, tfn, [_randn(2, 3, 4)])


@pytest.mark.parametrize(
    "alias, own, tfn",
    [
        (
            lambda x: x.argmax(dim=1),
            lambda x: x.argmax(axis=1),
            lambda T, t: t.argmax(dim=1),
        ),
        (
            lambda x: x.argmin(dim=2, keepdim=True),
            lambda x: x.argmin(axis=2, keepdims=True),
            lambda T, t: t.argmin(dim=2, keepdim=True),
        ),
        (
            lambda x: (x > 0).all(axis=1),
            lambda x: (x > 0).all(dim=1),
            lambda T, t: (t > 0).all(dim=1),
        ),
        (
            lambda x: (x > 0).any(axis=(0, 2), keepdims=True),
            lambda x: (x > 0).any(dim=(0, 2), keepdim=True),
            lambda T, t: (t > 0).any(dim=(0, 2), keepdim=True),
        ),
        (
            lambda x: F.all(x > 0, axis=2, keepdims=True),
            lambda x: F.all(x > 0, dim=2, keepdim=True),
            lambda T, t: (t > 0).all(dim=2, keepdim=True),
        ),
        (
            lambda x: F.any(x > 0, axis=0),
            lambda x: F.any(x > 0, dim=0),
            lambda T, t: (t > 0).any(dim=0),
        ),
    ],
    ids=["argmax", "argmin keepdim", "Tensor.all", "Tensor.any", "F.all", "F.any"],
)
def test_non_differentiable_alias_matches_torch(torch, alias, own, tfn):
    _check(torch, alias, own, tfn, [_randn(2, 3, 4)], grad=False)


def test_var_dim_unbiased_false_equals_torch(torch):
    a = _randn(5, 3)
    y = dg.tensor(a).var(dim=0, unbiased=False)
    np.testing.assert_allclose(y.numpy(), torch.tensor(a).var(dim=0, unbiased=False).numpy())
    np.testing.assert_allclose(y.numpy(), a.var(axis=0))  # the population variance


# ---- nn layers ------------------------------------------------------------------------------
LAYERS = [
    ("Softmax", lambda: nn.Softmax(dim=1), lambda T: T.nn.Softmax(dim=1)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=0), lambda T: T.nn.LogSoftmax(dim=0)),
    ("Softmin", lambda: nn.Softmin(dim=2), lambda T: T.nn.Softmin(dim=2)),
    ("Flatten", lambda: nn.Flatten(start_dim=0, end_dim=1), lambda T: T.nn.Flatten(0, 1)),
    ("Flatten default", lambda: nn.Flatten(), lambda T: T.nn.Flatten()),
    ("Flatten start_dim", lambda: nn.Flatten(start_dim=2), lambda T: T.nn.Flatten(start_dim=2)),
]


@pytest.mark.parametrize("make, tmake", [c[1:] for c in LAYERS], ids=[c[0] for c in LAYERS])
def test_layers_take_torch_names(torch, make, tmake):
    a = _randn(2, 3, 4)
    layer, tlayer = make(), tmake(torch)
    ys, xs = _run(layer, [a], dg)
    ts, txs = _run(tlayer, [a], torch)
    assert ys[0].shape == tuple(ts[0].shape)
    np.testing.assert_allclose(ys[0].numpy(), ts[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    for g, tg in zip(_backward(ys, xs, dg), _backward(ts, txs, torch)):
        np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-12)
    assert dg.gradcheck(layer, dg.tensor(a, requires_grad=True))


def test_layer_built_with_torch_names_saves_and_rebuilds():
    x = dg.tensor(_randn(2, 3, 4))
    for layer in [nn.Softmax(dim=1), nn.LogSoftmax(dim=0), nn.Flatten(start_dim=0, end_dim=1)]:
        config = module_to_config(layer)
        rebuilt = module_from_config(config)
        np.testing.assert_array_equal(rebuilt(x).numpy(), layer(x).numpy())
    # a hand-written config may use the alias PyTorch accepts
    assert module_from_config({"class": "Softmax", "config": {"axis": 0}}).dim == 0
    assert module_from_config({"class": "Flatten", "config": {"start_dim": 2}}).start_dim == 2
    # a model file written when Flatten's arguments were start_axis/end_axis still loads
    old = module_from_config({"class": "Flatten", "config": {"start_axis": 0, "end_axis": 1}})
    assert (old.start_dim, old.end_dim) == (0, 1)


def test_layers_carry_torch_names():
    assert nn.Softmax(0).dim == 0
    assert nn.Softmax(axis=1).dim == 1
    assert repr(nn.LogSoftmax(1)) == "LogSoftmax(dim=1)"
    f = nn.Flatten(0, 2)
    assert (f.start_dim, f.end_dim) == (0, 2)
    with pytest.raises(TypeError, match="'start_axis'.*'start_dim'"):
        nn.Flatten(start_axis=1)


# ---- both spellings at once -----------------------------------------------------------------
X = dg.tensor(_randn(2, 3, 4))
BOTH = [
    ("sum axis+dim", lambda: F.sum(X, axis=1, dim=1), ("axis", "dim")),
    ("sum positional+dim", lambda: F.sum(X, 1, dim=1), ("dim",)),
    (
        "mean keepdims+keepdim",
        lambda: F.mean(X, keepdims=True, keepdim=True),
        ("keepdims", "keepdim"),
    ),
    (
        "var correction+unbiased",
        lambda: F.var(X, correction=0, unbiased=False),
        ("correction", "unbiased"),
    ),
    (
        "std positional correction",
        lambda: F.std(X, 0, False, correction=1),
        ("correction", "unbiased"),
    ),
    ("flatten start", lambda: F.flatten(X, 1, start_dim=1), ("start_dim",)),
    ("flatten end", lambda: F.flatten(X, end_dim=-1, end_axis=-1), ("end_axis", "end_dim")),
    ("cumsum dim+axis", lambda: F.cumsum(X, 1, axis=1), ("dim", "axis")),
    ("amax keepdim", lambda: F.amax(X, 0, keepdim=True, keepdims=True), ("keepdim", "keepdims")),
    ("norm", lambda: F.norm(X, 2, 1, axis=1), ("dim", "axis")),
    ("softmax", lambda: F.softmax(X, axis=0, dim=0), ("axis", "dim")),
    ("cat", lambda: F.cat([X, X], 0, axis=0), ("dim", "axis")),
    ("stack", lambda: F.stack([X, X], dim=0, axis=0), ("dim", "axis")),
    ("split", lambda: F.split(X, 1, 0, axis=0), ("dim", "axis")),
    ("flip", lambda: F.flip(X, dims=0, axis=0), ("dims", "axis")),
    ("roll", lambda: F.roll(X, 1, 0, axis=0), ("dims", "axis")),
    ("gather", lambda: F.gather(X, 1, dg.tensor(IDX3), axis=1), ("dim", "axis")),
    ("squeeze", lambda: F.squeeze(X, axis=0, dim=0), ("axis", "dim")),
    ("Tensor.sum", lambda: X.sum(1, axis=1), ("dim", "axis")),
    ("Tensor.var", lambda: X.var(unbiased=False, correction=0), ("unbiased", "correction")),
    ("Tensor.argmax", lambda: X.argmax(axis=0, dim=0), ("axis", "dim")),
    ("Tensor.flatten", lambda: X.flatten(start_axis=1, start_dim=1), ("start_axis", "start_dim")),
    ("Tensor.softmax", lambda: X.softmax(0, axis=0), ("dim", "axis")),
    ("Tensor.flip kwargs", lambda: X.flip(dims=0, axis=0), ("dims", "axis")),
    ("Tensor.flip positional", lambda: X.flip(0, dims=0), ("dims",)),
    ("Tensor.cumsum", lambda: X.cumsum(dim=0, axis=0), ("dim", "axis")),
    ("nn.Softmax", lambda: nn.Softmax(axis=0, dim=0), ("axis", "dim")),
    ("nn.Flatten", lambda: nn.Flatten(1, start_dim=1), ("start_dim",)),
]


@pytest.mark.parametrize("call, names", [c[1:] for c in BOTH], ids=[c[0] for c in BOTH])
def test_both_spellings_is_a_type_error_naming_both(call, names):
    with pytest.raises(TypeError) as info:
        call()
    for name in names:
        assert name in str(info.value)


def test_unbiased_must_be_a_bool():
    with pytest.raises(TypeError, match="unbiased must be a bool, got 1"):
        F.var(X, unbiased=1)
    with pytest.raises(TypeError, match="unbiased must be a bool"):
        X.std(dim=0, unbiased="no")


def test_unknown_keyword_is_still_a_type_error():
    with pytest.raises(TypeError, match="dims"):
        F.sum(X, dims=1)


# ---- signatures and docstrings ------------------------------------------------------------
def test_signatures_are_torch_and_docstrings_name_the_aliases():
    assert list(inspect.signature(F.sum).parameters) == ["x", "dim", "keepdim", "dtype"]
    assert list(inspect.signature(dg.Tensor.var).parameters) == [
        "self",
        "dim",
        "unbiased",
        "keepdim",
        "correction",
    ]
    assert list(inspect.signature(F.cumsum).parameters) == ["x", "dim", "dtype"]
    assert list(inspect.signature(F.flatten).parameters) == ["x", "start_dim", "end_dim"]
    for fn, names in [
        (F.sum, ("``axis`` for ``dim``", "``keepdims`` for ``keepdim``")),
        (F.var, ("``axis`` for ``dim``", "unbiased")),
        (F.cumsum, ("``axis`` for ``dim``",)),
        (dg.Tensor.softmax, ("``axis`` for ``dim``",)),
    ]:
        for n in names:
            assert n in fn.__doc__, (fn, n)
    assert "Also accepts" not in (F.flatten.__doc__ or "")  # nothing but its own names
    assert F.sum.__doc__.startswith("Sum of elements")  # the original text comes first


def test_positional_use_unchanged():
    a = _randn(2, 3, 4)
    x = dg.tensor(a)
    np.testing.assert_allclose(F.sum(x, 1, True).numpy(), a.sum(1, keepdims=True))
    np.testing.assert_allclose(x.var(0, False, False).numpy(), a.var(0))
    np.testing.assert_allclose(F.flatten(x, 1, 2).numpy(), a.reshape(2, 12))
    np.testing.assert_allclose(F.softmax(x, 0).numpy().sum(0), np.ones((3, 4)))


# ---- the whole surface: PyTorch's names declared, its aliases accepted, the rest refused -----
NUMPY_NAMES = {"axis", "keepdims", "start_axis", "end_axis", "ddof"}
TORCH_NAMES = {"dim", "keepdim", "correction", "start_dim", "end_dim", "dims"}


def _surface():
    """(name, callable) for each public function of deepgrad.functional and each public
    Tensor method whose signature names a dimension argument."""
    out = []
    for name in sorted(dir(F)):
        fn = getattr(F, name)
        if name.startswith("_") or not inspect.isfunction(fn) and not hasattr(fn, "__wrapped__"):
            continue
        if not getattr(fn, "__module__", "").startswith("deepgrad.functional"):
            continue
        out.append((f"F.{name}", fn))
    for name in sorted(vars(dg.Tensor)):
        fn = vars(dg.Tensor)[name]
        if not name.startswith("_") and inspect.isfunction(fn):
            out.append((f"Tensor.{name}", fn))
    return [
        (n, f) for n, f in out if set(inspect.signature(f).parameters) & (NUMPY_NAMES | TORCH_NAMES)
    ]


SURFACE = _surface()
#: take ``correction`` but, as PyTorch's, not ``unbiased`` (``torch.cov(x, unbiased=False)`` is a
#: TypeError): an unknown keyword there
TAKE_NO_UNBIASED = {F.cov, dg.Tensor.cov}


def test_surface_is_found():
    names = {n for n, _ in SURFACE}
    assert {"F.sum", "F.softmax", "F.cat", "F.flatten", "Tensor.var", "Tensor.argmax"} <= names
    assert len(SURFACE) > 60


@pytest.mark.parametrize("fn", [f for _, f in SURFACE], ids=[n for n, _ in SURFACE])
def test_declares_torch_names_accepts_its_aliases_refuses_the_rest(fn):
    params = {
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind is not inspect.Parameter.VAR_POSITIONAL  # x.tile(*dims)
    }
    assert not params & NUMPY_NAMES, f"declares NumPy's {params & NUMPY_NAMES}"
    # an alias is recognised: passing it beside the declared name is the wrapper's TypeError
    # naming both (an unknown keyword would name only the one)
    for own, alias in [("dim", "axis"), ("keepdim", "keepdims"), ("correction", "unbiased")]:
        if own in params and not (own == "correction" and fn in TAKE_NO_UNBIASED):
            with pytest.raises(TypeError, match=f"'{own}' and '{alias}'"):
                fn(X, **{own: 0, alias: 0})
    for own, refused in [
        ("start_dim", "start_axis"),
        ("end_dim", "end_axis"),
        ("correction", "ddof"),
        ("dims", "axis"),
    ]:
        if own in params:
            with pytest.raises(TypeError, match=f"'{refused}'.*PyTorch's name.*'{own}'"):
                fn(X, **{refused: 0})


def test_aliases_give_the_declared_names_values():
    a = _randn(2, 3, 4)
    x = dg.tensor(a)
    np.testing.assert_array_equal(F.sum(x, axis=1, keepdims=True).numpy(), a.sum(1, keepdims=True))
    np.testing.assert_array_equal(x.argmax(axis=2).numpy(), a.argmax(2))
    np.testing.assert_array_equal(F.cat([x, x], axis=2).numpy(), np.concatenate([a, a], axis=2))
    np.testing.assert_allclose(x.var(axis=0, unbiased=False).numpy(), a.var(0))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: F.flatten(X, start_axis=1), "'start_axis'.*'start_dim'"),
        (lambda: X.flatten(end_axis=1), "'end_axis'.*'end_dim'"),
        (lambda: F.var(X, ddof=0), "'ddof'.*'correction'"),
        (lambda: X.std(dim=0, ddof=1), "'ddof'.*'correction'"),
        (lambda: F.flip(X, axis=0), "'axis'.*'dims'"),
        (lambda: X.roll(1, axis=0), "'axis'.*'dims'"),
    ],
    ids=["F.flatten", "Tensor.flatten", "F.var", "Tensor.std", "F.flip", "Tensor.roll"],
)
def test_spellings_torch_refuses_are_refused(torch, call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_split_method_names_split_size_as_torch(torch):
    """``x.split(split_size=[...])`` (Mamba's reference code) is the method's PyTorch name;
    the function keeps ``split_size_or_sections``."""
    a = _randn(6, 2)
    got = dg.tensor(a).split(split_size=[2, 4], dim=0)
    want = torch.tensor(a).split(split_size=[2, 4], dim=0)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    assert [t.shape for t in dg.split(dg.tensor(a), split_size_or_sections=3)] == [(3, 2), (3, 2)]


def test_size_keywords_match_pytorch():
    """``x.reshape(shape=...)`` (MAE's ``patchify``), ``view(size=)``, ``permute(dims=)``,
    ``repeat(repeats=)``, ``tile(dims=)``: PyTorch's keyword names for the sizes, same values;
    sizes given twice or under another name are a TypeError."""
    torch = pytest.importorskip("torch")
    a = _randn(2, 3, 4)
    calls = [("reshape", {"shape": (4, 6)}), ("view", {"size": (6, -1)}),
             ("permute", {"dims": (2, 0, 1)}), ("repeat", {"repeats": (1, 2, 1)}),
             ("tile", {"dims": (2, 1)})]  # fmt: skip
    for method, kw in calls:
        got = getattr(dg.tensor(a), method)(**kw)
        want = getattr(torch.tensor(a), method)(**kw)
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=method)
    x = dg.tensor(a)
    with pytest.raises(TypeError, match="both positionally and as a keyword"):
        x.reshape((24,), shape=(24,))
    with pytest.raises(TypeError, match="unexpected keyword argument 'size'.*'shape'"):
        x.reshape(size=(24,))
    with pytest.raises(TypeError, match="both positionally and as a keyword"):
        x.view(size=(24,), dtype=dg.float64)
    assert x.view(dtype=dg.int64).dtype == dg.int64


def test_transpose_dim_keywords_match_pytorch():
    """``x.transpose(dim0=0, dim1=1)`` and ``x.transpose(0, dim1=1)`` as PyTorch's; a dim given
    twice or a missing one is a TypeError."""
    torch = pytest.importorskip("torch")
    a = _randn(2, 3, 4)
    for kw, args in (({"dim0": 0, "dim1": 2}, ()), ({"dim1": 2}, (1,))):
        got = dg.tensor(a).transpose(*args, **kw)
        want = torch.tensor(a).transpose(*args, **kw)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    x = dg.tensor(a, requires_grad=True)
    x.transpose(dim0=0, dim1=1).sum().backward()
    assert x.grad.shape == (2, 3, 4)
    for args, kw in (((0,), {"dim0": 1}), ((), {"dim1": 1}), ((0, 1), {"dim1": 1})):
        with pytest.raises(TypeError, match=r"transpose\(\)"):
            dg.tensor(a).transpose(*args, **kw)


@pytest.mark.parametrize("name", ["flip", "tile", "sum_to_size"])
def test_methods_that_need_their_sizes_refuse_none_as_torch(torch, name):
    """``x.flip()`` is not NumPy's flip of every dim: PyTorch requires the dims (deepgrad
    returned the tensor unchanged), as ``tile()`` its repeats and ``sum_to_size()`` a size;
    an empty tuple is given sizes (no change)."""
    for m in (torch, dg):
        x = m.ones(2, 3)
        with pytest.raises(TypeError, match="missing 1 required positional argument"):
            getattr(x, name)()
    assert dg.ones(2, 3).flip(()).shape == tuple(torch.ones(2, 3).flip(()).shape)
    assert dg.ones(2, 3).tile(()).shape == tuple(torch.ones(2, 3).tile(()).shape)
