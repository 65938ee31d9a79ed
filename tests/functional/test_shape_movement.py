"""PyTorch's movement and indexing operations: flip, roll, cat, chunk, repeat, tile, narrow,
movedim, unflatten, gather, index_select, take_along_dim, masked_fill (functions and Tensor
methods) against PyTorch in float64 — values and gradients — with float64 gradient checks,
double backward through gather, the squeeze/flatten/unsqueeze argument checks, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F


def _compare(torch, fd, ft, *arrays, check=True):
    """Forward values and input gradients of ``fd`` (deepgrad) and ``ft`` (PyTorch) agree in
    float64 (the upstream gradient is a fixed random array); then ``dg.gradcheck(fd)``."""
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    ys = y if isinstance(y, tuple) else (y,)
    tys = ty if isinstance(ty, tuple) else (ty,)
    assert len(ys) == len(tys)
    for a, b in zip(ys, tys):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    rng = np.random.default_rng(1)
    vs = [rng.standard_normal(a.shape) for a in ys]
    total = sum((a * dg.tensor(v)).sum() for a, v in zip(ys, vs))
    ttotal = sum((b * torch.tensor(v)).sum() for b, v in zip(tys, vs))
    total.backward()
    ttotal.backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)
    if check:
        assert dg.gradcheck(fd, *[dg.tensor(a, requires_grad=True) for a in arrays])


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- movement -------------------------------------------------------------------------------
MOVES = [
    ("flip(0)", lambda x: F.flip(x, 0), lambda t: t.flip(0)),
    ("flip((0, -1))", lambda x: dg.flip(x, (0, -1)), lambda t: t.flip((0, -1))),
    ("Tensor.flip(1, -1)", lambda x: x.flip(1, -1), lambda t: t.flip(1, -1)),
    ("Tensor.flip(())", lambda x: x.flip(()), lambda t: t.flip(())),
    ("roll(1, 0)", lambda x: F.roll(x, 1, 0), lambda t: t.roll(1, 0)),
    (
        "roll((1, -2), (0, 2))",
        lambda x: dg.roll(x, (1, -2), (0, 2)),
        lambda t: t.roll((1, -2), (0, 2)),
    ),
    ("roll(5) flattened", lambda x: x.roll(5), lambda t: t.roll(5)),
    ("roll(-7, -1)", lambda x: x.roll(-7, -1), lambda t: t.roll(-7, -1)),
    ("repeat(2, 1, 3)", lambda x: x.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3)),
    (
        "repeat((2, 1, 1, 2)) new dim",
        lambda x: F.repeat(x, (2, 1, 1, 2)),
        lambda t: t.repeat(2, 1, 1, 2),
    ),
    ("repeat(1, 0, 2)", lambda x: x.repeat((1, 0, 2)), lambda t: t.repeat(1, 0, 2)),
    ("tile(2)", lambda x: dg.tile(x, 2), lambda t: t.tile(2)),
    ("Tensor.tile(2, 1, 1, 1)", lambda x: x.tile(2, 1, 1, 1), lambda t: t.tile(2, 1, 1, 1)),
    ("narrow(1, -2, 2)", lambda x: dg.narrow(x, 1, -2, 2), lambda t: t.narrow(1, -2, 2)),
    ("Tensor.narrow(-1, 1, 2)", lambda x: x.narrow(-1, 1, 2), lambda t: t.narrow(-1, 1, 2)),
    ("narrow(0, 2, 0)", lambda x: x.narrow(0, 2, 0), lambda t: t.narrow(0, 2, 0)),
    ("movedim(0, -1)", lambda x: dg.movedim(x, 0, -1), lambda t: t.movedim(0, -1)),
    (
        "movedim((0, 1), (2, 0))",
        lambda x: x.movedim((0, 1), (2, 0)),
        lambda t: t.movedim((0, 1), (2, 0)),
    ),
    (
        "unflatten(-1, (2, -1))",
        lambda x: dg.unflatten(x, -1, (2, -1)),
        lambda t: t.unflatten(-1, (2, -1)),
    ),
    (
        "Tensor.unflatten(1, (3, 1))",
        lambda x: x.unflatten(1, (3, 1)),
        lambda t: t.unflatten(1, (3, 1)),
    ),
    ("chunk(2, 2)", lambda x: dg.chunk(x, 2, 2), lambda t: t.chunk(2, 2)),
    ("Tensor.chunk(3, -1)", lambda x: x.chunk(3, -1), lambda t: t.chunk(3, -1)),
    ("chunk(3) of 2 rows", lambda x: x.chunk(3), lambda t: t.chunk(3)),
    ("Tensor.split(3, 2)", lambda x: x.split(3, 2), lambda t: t.split(3, 2)),
    ("cat", lambda x: dg.cat([x, x * 2], 1), lambda t: torch_cat([t, t * 2], 1)),
]


def torch_cat(ts, dim):
    import torch

    return torch.cat(ts, dim)


@pytest.mark.parametrize("name, fd, ft", MOVES, ids=[c[0] for c in MOVES])
def test_movement_matches_pytorch(torch, name, fd, ft):
    _compare(torch, fd, ft, _randn(2, 3, 4))


@pytest.mark.parametrize("shape", [(6,), (5, 2), (1, 4, 3)])
@pytest.mark.parametrize("chunks", [1, 2, 4, 7])
def test_chunk_sizes_match_pytorch(torch, shape, chunks):
    a = _randn(*shape)
    for dim in range(-len(shape), len(shape)):
        got = [c.shape for c in dg.chunk(dg.tensor(a), chunks, dim)]
        assert got == [tuple(c.shape) for c in torch.chunk(torch.tensor(a), chunks, dim)]


def test_chunk_of_an_empty_axis_gives_empty_pieces(torch):
    got = dg.chunk(dg.zeros(0, 2), 3)
    assert [c.shape for c in got] == [tuple(c.shape) for c in torch.zeros(0, 2).chunk(3)]


def test_cat_is_concat():
    assert dg.cat is dg.concat and F.cat is F.concat


def test_flip_and_roll_are_their_own_adjoints_to_second_order():
    x = dg.tensor(_randn(3, 4), requires_grad=True)

    def first(t):
        (g,) = dg.grad((F.roll(F.flip(t, 1), 2, 0) ** 3).sum(), t, create_graph=True)
        return g

    assert dg.gradcheck(first, x)


# ---- indexing -------------------------------------------------------------------------------
IDX = np.random.default_rng(3).integers(0, 3, (2, 2, 4))


INDEXING = [
    (
        "gather(0)",
        lambda x: dg.gather(x, 0, dg.tensor(IDX[:, :, :2] % 2)),
        lambda t: t.gather(0, tidx(IDX[:, :, :2] % 2)),
    ),
    (
        "gather(1) smaller index",
        lambda x: F.gather(x, 1, dg.tensor(IDX)),
        lambda t: t.gather(1, tidx(IDX)),
    ),
    (
        "Tensor.gather(-1)",
        lambda x: x.gather(-1, dg.tensor(IDX[:, :, :2])),
        lambda t: t.gather(-1, tidx(IDX[:, :, :2])),
    ),
    (
        "index_select(0)",
        lambda x: dg.index_select(x, 0, dg.tensor([1, 1, 0])),
        lambda t: t.index_select(0, tidx([1, 1, 0])),
    ),
    (
        "Tensor.index_select(-1) 0-d",
        lambda x: x.index_select(-1, dg.tensor(2)),
        lambda t: t.index_select(-1, tidx(2)),
    ),
    (
        "Tensor.index_select(1) int32",
        lambda x: x.index_select(1, dg.tensor(np.array([2, 0], np.int32))),
        lambda t: t.index_select(1, tidx([2, 0])),
    ),
    (
        "take_along_dim(1) broadcast",
        lambda x: dg.take_along_dim(x, dg.tensor([[[0], [-1], [2], [1]]]), 1),
        lambda t: t.take_along_dim(tidx([[[0], [-1], [2], [1]]]), 1),
    ),
    (
        "Tensor.take_along_dim(-1)",
        lambda x: x.take_along_dim(dg.tensor(IDX[:, :1]), -1),
        lambda t: t.take_along_dim(tidx(IDX[:, :1]), -1),
    ),
    (
        "take_along_dim() flat",
        lambda x: dg.take_along_dim(x, dg.tensor([23, 0, 5, 5])),
        lambda t: torch_take(t, [23, 0, 5, 5]),
    ),
    (
        "masked_fill broadcast mask",
        lambda x: dg.masked_fill(x, dg.tensor(IDX[0, :1] > 0), -1.5),
        lambda t: t.masked_fill(tmask(IDX[0, :1] > 0), -1.5),
    ),
    (
        "Tensor.masked_fill",
        lambda x: x.masked_fill(x > 0, 0.0),
        lambda t: t.masked_fill(t > 0, 0.0),
    ),
    ("Tensor.where", lambda x: x.where(x > 0, x * 3), lambda t: t.where(t > 0, t * 3)),
]


def tidx(a):
    import torch

    return torch.as_tensor(np.asarray(a), dtype=torch.int64)


def tmask(a):
    import torch

    return torch.as_tensor(np.asarray(a))


def torch_take(t, idx):
    import torch

    return torch.take_along_dim(t, tidx(idx))


@pytest.mark.parametrize("name, fd, ft", INDEXING, ids=[c[0] for c in INDEXING])
def test_indexing_matches_pytorch(torch, name, fd, ft):
    _compare(torch, fd, ft, _randn(2, 3, 4))


def test_masked_fill_with_a_tensor_value_gets_its_gradient(torch):
    a, m = _randn(3, 4), _randn(3, 4) > 0
    _compare(
        torch,
        lambda x, v: dg.masked_fill(x, dg.tensor(m), v),
        lambda x, v: x.masked_fill(torch.tensor(m), v),
        a,
        np.array(0.7),
    )


def test_masked_fill_broadcasts_the_input_like_pytorch(torch):
    m = np.array([[True, False, True], [False, False, True]])
    y = dg.masked_fill(dg.tensor([1.0, 2.0, 3.0]), dg.tensor(m), 9.0)
    ref = torch.tensor([1.0, 2.0, 3.0]).masked_fill(torch.tensor(m), 9.0)
    assert y.shape == tuple(ref.shape)
    np.testing.assert_array_equal(y.numpy(), ref.numpy())


def test_gather_on_a_0d_tensor_like_pytorch(torch):
    y = dg.gather(dg.tensor(3.5, dtype="float64"), 0, dg.tensor(0))
    assert y.shape == () and y.item() == torch.gather(torch.tensor(3.5), 0, tidx(0)).item()


def test_gather_double_backward_matches_pytorch(torch):
    a = _randn(3, 4)
    idx = np.array([[0, 0, 3], [2, 1, 1], [3, 3, 3]])
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    (g,) = dg.grad((x.gather(1, dg.tensor(idx)) ** 3).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((t.gather(1, tidx(idx)) ** 3).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12)
    (gg,) = dg.grad((g * g).sum(), x)
    (tgg,) = torch.autograd.grad((tg * tg).sum(), t)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-12)


# ---- squeeze / flatten / unsqueeze argument checks ------------------------------------------
def test_squeeze_two_distinct_axes_like_pytorch(torch):
    a = _randn(1, 3, 1)
    assert F.squeeze(dg.tensor(a), (0, -1)).shape == tuple(torch.tensor(a).squeeze((0, -1)).shape)


@pytest.mark.parametrize(
    "shape, axes", [((1, 3, 1), (0, 0)), ((1, 3, 1), (0, -3)), ((1, 3, 1), (2, -1)), ((), (0, -1))]
)
def test_squeeze_refuses_a_repeated_axis(torch, shape, axes):
    with pytest.raises(RuntimeError, match="appears multiple times"):
        torch.zeros(shape).squeeze(axes)
    with pytest.raises(ValueError, match=r"squeeze: axis \d appears multiple times"):
        F.squeeze(dg.zeros(*shape), axes)


def test_flatten_start_after_end_raises(torch):
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        torch.zeros(2, 3, 4).flatten(2, 1)
    with pytest.raises(ValueError, match="flatten: start_dim 2 cannot come after end_dim 1"):
        F.flatten(dg.zeros(2, 3, 4), 2, 1)
    with pytest.raises(ValueError, match="start_dim -1 cannot come after end_dim 0"):
        dg.zeros(2, 3).flatten(-1, 0)
    assert dg.zeros(2, 3).flatten(-1, -1).shape == (2, 3)


def test_unsqueeze_out_of_range_names_the_valid_range():
    with pytest.raises(ValueError, match=r"dim 3 is out of range for a tensor with 2 dims "):
        F.unsqueeze(dg.zeros(2, 3), 3)
    with pytest.raises(ValueError, match=r"expected a dim in \[-3, 2\]"):
        F.unsqueeze(dg.zeros(2, 3), -4)
    assert F.unsqueeze(dg.zeros(2, 3), -3).shape == (1, 2, 3)
    assert F.unsqueeze(dg.zeros(2, 3), 2).shape == (2, 3, 1)


# ---- errors ---------------------------------------------------------------------------------
X = dg.zeros(2, 3)
BAD = [
    ("flip axis out of range", lambda: X.flip(2), ValueError, "flip: dim 2 is out of range"),
    ("flip repeated", lambda: X.flip(0, -2), ValueError, "flip: axis 0 appears multiple"),
    ("roll misaligned", lambda: X.roll((1, 2), 0), ValueError, "shifts and dims must align"),
    ("roll axis", lambda: X.roll(1, -3), ValueError, "roll: dim -3 is out of range"),
    ("chunk 0", lambda: X.chunk(0), ValueError, "chunks must be a positive int"),
    ("chunk 0-d", lambda: dg.chunk(dg.tensor(1.0), 1), ValueError, "at least 1 dim"),
    ("repeat too few", lambda: X.repeat(2), ValueError, r"at least 2 repeat counts.*\(2, 3\)"),
    ("repeat negative", lambda: X.repeat(1, -1), ValueError, "non-negative"),
    ("narrow start", lambda: X.narrow(1, 4, 0), ValueError, r"start 4 is out of range \[-3, 3\]"),
    (
        "narrow length",
        lambda: X.narrow(1, 2, 2),
        ValueError,
        r"start \(2\) \+ length \(2\) exceeds",
    ),
    ("movedim count", lambda: X.movedim((0, 1), 0), ValueError, "same number of dims"),
    ("movedim repeat", lambda: X.movedim((0, 1), (1, 1)), ValueError, "appears multiple times"),
    (
        "unflatten product",
        lambda: X.unflatten(1, (2, 2)),
        ValueError,
        "multiply to 4, not to the size 3",
    ),
    ("unflatten empty", lambda: X.unflatten(1, ()), ValueError, "non-empty"),
    ("unflatten two -1", lambda: X.unflatten(1, (-1, -1)), ValueError, "one -1"),
    ("gather dims", lambda: X.gather(1, dg.tensor([0])), ValueError, "same number of dims"),
    (
        "gather larger",
        lambda: X.gather(1, dg.tensor([[0], [1], [2]])),
        ValueError,
        r"larger than the input of shape \(2, 3\) along axis 0",
    ),
    (
        "gather bounds",
        lambda: X.gather(1, dg.tensor([[3]])),
        IndexError,
        "index 3 is out of bounds for axis 1 of size 3",
    ),
    (
        "gather negative",
        lambda: X.gather(1, dg.tensor([[-1]])),
        IndexError,
        "index -1 is out of bounds",
    ),
    (
        "gather float index",
        lambda: X.gather(1, dg.tensor([[0.0]])),
        TypeError,
        "integer tensor.*got dtype float32",
    ),
    ("gather bool index", lambda: X.gather(1, dg.tensor([[True]])), TypeError, "got dtype bool"),
    (
        "gather axis",
        lambda: X.gather(2, dg.tensor([[0]])),
        ValueError,
        "gather: dim 2 is out of range",
    ),
    ("index_select 2-D", lambda: X.index_select(0, dg.tensor([[0]])), ValueError, "1-D"),
    (
        "index_select bounds",
        lambda: X.index_select(0, dg.tensor([2])),
        IndexError,
        "index 2 is out of bounds",
    ),
    (
        "index_select dtype",
        lambda: X.index_select(0, dg.tensor([0.5])),
        TypeError,
        "integer tensor",
    ),
    (
        "take_along_dim dims",
        lambda: X.take_along_dim(dg.tensor([0]), 1),
        ValueError,
        "same number of dims",
    ),
    (
        "take_along_dim bounds",
        lambda: X.take_along_dim(dg.tensor([[-4]]), 1),
        IndexError,
        "index -4 is out of bounds",
    ),
    (
        "take_along_dim broadcast",
        lambda: X.take_along_dim(dg.tensor([[0], [0], [0]]), 1),
        ValueError,
        "do not broadcast",
    ),
    (
        "masked_fill float mask",
        lambda: X.masked_fill(dg.ones(2, 3), 1.0),
        TypeError,
        "boolean tensor, got dtype float32",
    ),
    ("masked_fill value shape", lambda: X.masked_fill(X > 0, dg.ones(3)), ValueError, "0-d tensor"),
    (
        "masked_fill mask shape",
        lambda: X.masked_fill(dg.ones(3, 1) > 0, 1.0),
        ValueError,
        r"mask of shape \(3, 1\) does not broadcast",
    ),
]


@pytest.mark.parametrize("name, call, exc, msg", BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_clearly(name, call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
