"""In-place writes into a tensor that already takes part in the graph, recorded as PyTorch
records them: ``x[i] = v``, the scatter family (``index_add_``, ``scatter_``...) and the
arithmetic ones (``add_``, ``mul_``...) each make ``x`` the output of "new state =
f(previous state, sources)" (mixture-of-experts code accumulates expert outputs this way)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(4, 3))
_S = _RNG.normal(size=(2, 3))
_M = np.array(
    [[True, False, True], [False, False, True], [True, True, False], [False, True, False]]
)


def _i(m, v):
    return m.tensor(v, dtype=m.int64)


#: name -> a write of ``y`` (4x3, in the graph) from ``s`` (2x3, in the graph); each test
#: applies two of them in a chain
_WRITES = {
    "setitem": lambda m, y, s, k: y.__setitem__([k, 3 - k], s * (k + 1)),
    "index_add_": lambda m, y, s, k: y.index_add_(0, _i(m, [k, 2]), s, alpha=k + 1),
    "scatter_add_": lambda m, y, s, k: y.scatter_add_(0, _i(m, [[k, 0, 3], [2, 2, k]]), s),
    "scatter_": lambda m, y, s, k: y.scatter_(0, _i(m, [[k, 0, 3], [2, 1, 3 - k]]), s),
    # PyTorch's ScatterReduce keeps its result for backward: it is the chain's last write
    "scatter_reduce_": lambda m, y, s, k: (
        y.scatter_reduce_(0, _i(m, [[1, 0, 3], [2, 1, 2]]), s, "amax", include_self=True)
        if k
        else y.index_add_(0, _i(m, [3, 2]), s)
    ),
    "index_put_": lambda m, y, s, k: y.index_put_((_i(m, [k, 3]),), s, accumulate=False),
    "index_put_accumulate": lambda m, y, s, k: y.index_put_((_i(m, [k, k]),), s, accumulate=True),
    "index_copy_": lambda m, y, s, k: y.index_copy_(0, _i(m, [3 - k, k]), s),
    "put_": lambda m, y, s, k: y.put_(_i(m, [k, 5, 7, 11, 2, 4]), s, accumulate=bool(k)),
    "masked_fill_": lambda m, y, s, k: y.masked_fill_(
        m.tensor(_M[::-1].copy() if k else _M), s[0, k]
    ),
    "masked_scatter_": lambda m, y, s, k: y.masked_scatter_(m.tensor(_M if k else ~_M), s),
    "index_fill_": lambda m, y, s, k: y.index_fill_(1, _i(m, [k, 2]), s[1, 0]),
    "add_": lambda m, y, s, k: y.add_(s[k], alpha=0.5 + k),
    "sub_": lambda m, y, s, k: y.sub_(s[:1] * k),
    "mul_": lambda m, y, s, k: y.mul_(s[k]),
    "div_": lambda m, y, s, k: y.div_(s[k] ** 2 + 1),
    "lerp_": lambda m, y, s, k: y.lerp_(s[k], s[1 - k].sigmoid()),
    "addcmul_": lambda m, y, s, k: y.addcmul_(s[0], s[1], value=k + 2),
    "addcdiv_": lambda m, y, s, k: y.addcdiv_(s[0], s[1] ** 2 + 1, value=k + 2),
    "copy_": lambda m, y, s, k: y.copy_(s[k] * 3),
    "fill_": lambda m, y, s, k: y.fill_(s[1, k]),
    "clamp_": lambda m, y, s, k: y.clamp_(min=s[k] - 0.5 * k),
}


def _program(m, name):
    x = m.tensor(_X, dtype=m.float64, requires_grad=True)
    s = m.tensor(_S, dtype=m.float64, requires_grad=True)
    y = x * 1.5 + 0.25  # a graph node
    r = _WRITES[name](m, y, s, 0)
    assert r is y or r is None
    before = y.exp()  # read between the writes, on the way to the next source
    _WRITES[name](m, y, s * before[:2], 1)
    ((y * y).sum() + y[0].sum()).backward()
    return [y, x.grad, s.grad]


@pytest.mark.parametrize("name", sorted(_WRITES))
def test_a_chain_of_writes_into_a_graph_tensor_matches_torch(torch, name):
    for got, want in zip(_program(dg, name), _program(torch, name), strict=True):
        assert got is not None and want is not None
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(_WRITES))
def test_a_chain_of_writes_differentiates_numerically(name):
    def f(x, s):
        y = x * 1.5 + 0.25
        _WRITES[name](dg, y, s, 0)
        _WRITES[name](dg, y, s * y.exp()[:2], 1)
        return (y * y).sum()

    x = dg.tensor(_X, dtype=dg.float64, requires_grad=True)
    s = dg.tensor(_S + 0.1, dtype=dg.float64, requires_grad=True)  # no ties for amax
    assert dg.gradcheck(f, (x, s))


def test_the_mixture_of_experts_loop_matches_torch(torch):
    """Mixtral's sparse MoE block: each expert's weighted output is index_add_-ed into one
    buffer, which is in the graph after the first expert."""

    def run(m):
        m.manual_seed(0)
        rng = np.random.default_rng(1)
        tokens = m.tensor(rng.normal(size=(6, 4)), dtype=m.float64, requires_grad=True)
        gate = m.tensor(rng.normal(size=(4, 3)), dtype=m.float64, requires_grad=True)
        experts = [
            m.tensor(rng.normal(size=(4, 4)), dtype=m.float64, requires_grad=True) for _ in range(3)
        ]
        weights = (tokens @ gate).softmax(-1)
        top_w, top_i = weights.topk(2, dim=-1)
        top_w = top_w / top_w.sum(-1, keepdim=True)
        mask = m.nn.functional.one_hot(top_i, 3).permute(2, 1, 0)
        out = m.zeros(6, 4, dtype=m.float64)
        for e, w in enumerate(experts):
            slot, tok = m.where(mask[e])
            h = (tokens[tok] @ w).tanh() * top_w[tok, slot, None]
            out.index_add_(0, tok, h)
        (out**2).sum().backward()
        return [out, tokens.grad, gate.grad, *[w.grad for w in experts]]

    for got, want in zip(run(dg), run(torch), strict=True):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)


def test_the_issue_example_matches_torch(torch):
    def run(m):
        w = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        out = m.zeros(3, 2)
        out.index_add_(0, m.tensor([0, 2]), w * 2)
        out.index_add_(0, m.tensor([2, 1]), w * 3)
        out.sum().backward()
        return w.grad.tolist()

    assert run(dg) == run(torch) == [[5.0, 5.0], [5.0, 5.0]]


def test_a_write_keeps_the_tensor_its_memory_and_dtype(torch):
    def run(m):
        w = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = m.ones(3, 2) * w.float()  # float32
        row = y[2]  # a view taken before the write sees it
        assert y.mul_(w * 3) is y and y.dtype == m.float32
        row_after = row.tolist()
        (y * m.arange(6.0).reshape(3, 2)).sum().backward()
        return row_after, w.grad.dtype == m.float64, w.grad.tolist()

    assert run(dg) == run(torch)


@pytest.mark.parametrize(
    "write",
    [
        lambda w: w.index_add_(0, dg.tensor([0]), dg.ones(1)),
        lambda w: w.add_(1.0),
        lambda w: w.mul_(dg.tensor(2.0, requires_grad=True)),
        lambda w: w.masked_fill_(dg.tensor([True, False]), 0.0),
        lambda w: w.copy_(dg.zeros(2)),
        lambda w: w.clamp_(0, 1),
    ],
)
def test_a_leaf_that_requires_grad_still_refuses_as_torch(write):
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        write(w)
    assert w.grad_fn is None and w.tolist() == [1.0, 2.0]


def test_a_refused_write_leaves_the_graph_as_it_was():
    p = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = p * 2
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        y.index_add_(0, dg.tensor([0, 1]), dg.ones(3, 2, requires_grad=True))
    with pytest.raises(ValueError, match="in place"):
        y.add_(dg.ones(2, 3, requires_grad=True))
    y.sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0] and y.tolist() == [2.0, 4.0, 6.0]


def test_a_write_under_no_grad_is_not_recorded():
    y = dg.tensor([1.0, 2.0], requires_grad=True) * 2
    fn = y.grad_fn
    with dg.no_grad():
        y.index_add_(0, dg.tensor([0]), dg.ones(1, requires_grad=True))
        y.mul_(2)
    assert y.grad_fn is fn and y.tolist() == [6.0, 8.0]


def test_a_write_into_a_view_of_a_graph_tensor_is_recorded_into_its_base(torch):
    """``y[1:].mul_(s)`` is recorded into ``y`` (PyTorch's ``CopySlices``): the same
    gradients as ``y[1:] *= s``, and as PyTorch's."""

    def run(m, form):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        s = m.tensor([5.0, 6.0], requires_grad=True)
        y = x * 2
        if form == "view":
            y[1:].mul_(s)
        else:
            y[1:] *= s
        (y * y).sum().backward()
        return y.tolist(), x.grad.tolist(), s.grad.tolist()

    want = run(torch, "view")
    assert run(dg, "view") == want == run(dg, "item")
    assert list(want[1:]) == [[8.0, 400.0, 864.0], [160.0, 432.0]]


def test_a_write_into_a_view_of_a_buffer_brings_it_into_the_graph(torch):
    """A view made while nothing required grad (of a buffer), written with a source that
    does: the buffer joins the graph, as PyTorch's (its CopySlices); an unfold window, whose
    base deepgrad does not know, refuses instead of losing the write."""

    def run(m):
        s = m.tensor([5.0, 6.0], requires_grad=True)
        buf = m.zeros(3, 2)
        buf[1:].index_add_(0, m.tensor([0]), s[None])
        (buf * buf).sum().backward()
        return buf.tolist(), s.grad.tolist()

    assert run(dg) == run(torch) == ([[0.0, 0.0], [5.0, 6.0], [0.0, 0.0]], [10.0, 12.0])
    x = dg.arange(6.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation on a view"):
        (x * 1).reshape(2, 3).unfold(1, 2, 1)[0, 0].mul_(10)


_FRESH_OUTPUTS = {
    # operations whose result PyTorch makes a new tensor but deepgrad may hold in a NumPy view
    # of memory of its own, or whose node saved that memory for its backward
    "max_pool2d": lambda lib, x: lib.nn.functional.max_pool2d(x * 1, 2),
    "max_pool2d_indices": lambda lib, x: lib.nn.functional.max_pool2d(
        x * 1, 2, return_indices=True
    )[0],
    "max_pool1d": lambda lib, x: lib.nn.functional.max_pool1d((x * 1).reshape(2, 3, 4), 2),
    "avg_pool1d": lambda lib, x: lib.nn.functional.avg_pool1d((x * 1).reshape(2, 3, 4), 2),
    "conv1d": lambda lib, x: lib.nn.functional.conv1d(
        (x * 1).reshape(2, 3, 4), lib.ones(2, 3, 2, dtype=lib.float64)
    ),
    "conv2d": lambda lib, x: lib.nn.functional.conv2d(
        x * 1, lib.ones(2, 2, 2, 2, dtype=lib.float64)
    ),
    "layer_norm": lambda lib, x: lib.nn.functional.layer_norm(x * 1, (4,)),
    "batch_norm": lambda lib, x: lib.nn.functional.batch_norm(x * 1, None, None, training=True),
    "linear": lambda lib, x: lib.nn.functional.linear(x * 1, lib.ones(3, 4, dtype=lib.float64)),
    "adaptive_max_pool2d": lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x * 1, 1),
}


@pytest.mark.parametrize("name", sorted(_FRESH_OUTPUTS))
@pytest.mark.parametrize("method", ["mul_", "add_", "clamp_"])
def test_in_place_on_an_operations_result_keeps_its_gradient(torch, name, method):
    # it was refused ("an in-place operation on a view") for results held in a NumPy view,
    # and silently wrong where the node had saved that memory (max pooling's output, the
    # norms' x̂): the node now keeps a copy of what it saved
    make = _FRESH_OUTPUTS[name]
    args = {"mul_": (2.0,), "add_": (1.0,), "clamp_": (-1.0, 1.0)}[method]
    grads = []
    for lib in (torch, dg):
        x = lib.tensor(np.arange(24.0).reshape(1, 2, 3, 4) % 7 - 2, requires_grad=True)
        h = make(lib, x)
        getattr(h, method)(*args)
        w = lib.tensor(np.arange(h.numel()).reshape(tuple(h.shape)) % 5 * 1.0)
        (h * w).sum().backward()
        grads.append((h.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-9, atol=1e-10)


def test_in_place_on_a_view_the_program_holds_as_torch(torch):
    def run(m):
        x = m.tensor(np.arange(12.0).reshape(2, 6), requires_grad=True)
        y = x * 1
        y.reshape(3, 4).mul_(2)
        y[:, 1:].mul_(3)
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy()

    for a, b in zip(run(dg), run(torch), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["max_pool2d", "max_pool1d", "layer_norm", "batch_norm"])
def test_a_write_under_no_grad_into_a_result_the_backward_reads_raises(name):
    # these nodes keep memory of their output for the backward: a write into it that the
    # graph does not record is refused at backward (it used to give a wrong gradient)
    x = dg.tensor(np.arange(24.0).reshape(1, 2, 3, 4) % 7 - 2, requires_grad=True)
    h = _FRESH_OUTPUTS[name](dg, x)
    with dg.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()
