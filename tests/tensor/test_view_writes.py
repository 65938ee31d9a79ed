"""In-place writes through views while the graph is recorded, and views made before a write
and used after it (tensor.py's ``_record_view_write`` and ``_replay_if_stale``), against
torch 2.13: PyTorch records a write into a view as a write into the tensor viewed (its
``CopySlices``) and remakes a view whose base was written before the view is used again
(view replay), a view of a buffer outside the graph included (it requires grad once a
recorded write brings the buffer into the graph; made under ``no_grad``, it is refused as
there). Each program's values and gradients in float64."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

# each program: x (6,) float64 requiring grad is given; it returns the tensors to compare
# (a loss is summed and differentiated; x.grad is compared too)
PROGRAMS = {
    "view(-1).add_": "y = (x * 2).reshape(2, 3); y.view(-1).add_(1); out = y * y",
    "row mul_": "y = (x * 2).reshape(2, 3); y[0].mul_(2); out = y * y",
    "t().add_": "y = (x * 2).reshape(2, 3); y.t().add_(1); out = y * y",
    "column zero_": "y = (x * 2).reshape(2, 3); y[:, :1].zero_(); out = y * y",
    "diagonal fill_": "y = (x * 2).reshape(2, 3); y.diagonal().fill_(0); out = y * y",
    "narrow clamp_": "y = (x * 2).reshape(2, 3); y.narrow(1, 0, 2).clamp_(max=5); out = y * y",
    "ellipsis sigmoid_": "y = (x * 2).reshape(2, 3); y[..., :2].sigmoid_(); out = y * y",
    "select copy_ of a source": "y = (x * 2).reshape(2, 3); y.select(0, 1).copy_(x[:3]); out = y * y",
    "unsqueeze add_": "y = (x * 2).reshape(2, 3); y.unsqueeze(0).add_(1); out = y * y",
    "relu_ on a slice": "y = (x - 2).reshape(2, 3); y[:, 1:].relu_(); out = y * y",
    "a view of a view": "y = (x * 2).reshape(2, 3); y.t()[0].add_(1); out = y * y",
    "the view as its own source": "y = (x * 2).reshape(2, 3); v = y[0]; v.add_(v); out = y * y",
    "another view as source": "y = (x * 2).reshape(2, 3); y[0].add_(y[1]); out = y * y",
    "read before the write": "y = (x * 2).reshape(2, 3); z = y[0] * 3; y[0].mul_(2); out = y * y + z.sum()",
    "the view used after": "y = (x * 2).reshape(2, 3); v = y[0]; v.mul_(2); out = v * v + y.sum()",
    "two writes through a view": "y = (x * 2).reshape(2, 3); v = y[0]; v.mul_(2); v.add_(1); out = v.sum() * 3 + (y * y).sum()",
    "a view of the base, base used": "y = x * 2; z = y.view(2, 3); z[1].mul_(5); out = y * y",
    "a view of the base, view used": "y = x * 2; z = y.view(2, 3); z[1].mul_(5); out = z * z",
    "another view made before": "y = x * 2; z = y.view(2, 3); w = y.view(3, 2); z[1].mul_(5); out = w * w",
    "a graph source": "s = (x[:2] + 1); y = x * 2; y[1:3].mul_(s); out = y * y",
    "diagonal mul_ by a graph source": "y = (x * 1).reshape(2, 3); y.diagonal().mul_(x[:2]); out = y",
    "transposed slice clamp_": "y = (x * 1).reshape(2, 3); y.T[1:].clamp_(min=2, max=4); out = y ** 2",
    "a transposed view of a view zero_": "y = x * 1; y.view(2, 3).transpose(0, 1)[1].zero_(); out = y ** 2",
    "sigmoid_ on a slice": "y = x * 1; y[:3].sigmoid_(); out = y ** 2",
    "masked_fill_ on a slice": "y = x * 1; y[2:].masked_fill_(torch.tensor([True, False, True, False]), 0.); out = y ** 2",
    "index_add_ on a slice": "y = x * 1; y[1:].index_add_(0, torch.tensor([0, 0]), x[:2]); out = y ** 2",
    "scatter_ on a slice": "y = x * 1; y[1:].scatter_(0, torch.tensor([2, 0]), x[:2]); out = y ** 2",
    "item assignment into a view": "y = (x * 1).reshape(2, 3); y[0][torch.tensor([0, 2])] = 7.; out = y ** 2",
    "+= into a view of a view": "y = (x * 1).reshape(2, 3); y[0][1:] += x[:2]; out = y ** 2",
    # a buffer outside the graph, written through its views (it joins the graph)
    "a buffer filled through views": "b = torch.zeros(2, 3, dtype=torch.float64); b[0, :2].copy_(x[:2]); b[1].add_(x[3:]); out = b * b",
    "a buffer's transposed view": "b = torch.ones(3, 2, dtype=torch.float64); b.t()[1].mul_(x[3:]); out = b * x[:2]",
    # views made before a write into their base, used after it (PyTorch replays them)
    "a slice made before the base's write": "y = x * 2; w = y[:2]; y.mul_(3); out = w * w",
    "a reshape made before an item write": "y = x * 2; w = y.view(3, 2); y[0] = 5.; out = w * w",
    "a view read before and after": "y = x * 2; w = y[:2]; a = w * 1; y.mul_(3); out = w * w + a.sum()",
    # views of a buffer outside the graph made before a write brings it into the graph
    "a buffer's slice made before its write": "b = torch.zeros(6, dtype=torch.float64); v = b[:2]; b.copy_(x * 2); out = v * v + x[:2]",
    "a buffer's reshape, then a write": "b = torch.zeros(6, dtype=torch.float64); v = b.view(2, 3); b.add_(x); out = v @ v.t()",
    "a view of a view of a buffer": "b = torch.zeros(6, dtype=torch.float64); v = b[:4]; w = v[1:]; b[1:].copy_(x[:5] * 2); out = w * 3 + v.sum()",
    "another view of the buffer written": "b = torch.zeros(6, dtype=torch.float64); v = b.view(2, 3); u = b[3:]; v.add_(x.view(2, 3)); out = u ** 2",
    "a transposed view of a buffer's rows": "b = torch.zeros(4, 3, dtype=torch.float64); v = b[1:3].t(); u = b[::2]; b[1:3] = x.view(2, 3); out = v.sin().sum() * 2 + u.sum()",
    "a buffer written under no_grad": "b = torch.zeros(6, dtype=torch.float64); v = b[:2]\nwith torch.no_grad(): b.copy_(x * 2)\nout = v * 2 + x[:2]",
}


def _run(m, program):
    x = m.tensor(np.arange(6.0) - 1.5, dtype=m.float64, requires_grad=True)
    env = {"torch": m, "F": m.nn.functional, "x": x}
    exec(program, env)
    out = env["out"]
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_as_torch(torch, name):
    got, want = _run(dg, PROGRAMS[name]), _run(torch, PROGRAMS[name])
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


REFUSED = {
    # PyTorch: "Output 0 of SplitBackward0 is a view ... returns multiple views"
    "chunk": ("y = x * 1; a, b = y.chunk(2); a.mul_(3)", "returns multiple views"),
    "split": ("y = x * 1; a, b = y.split(3); b.add_(1)", "returns multiple views"),
    # PyTorch: "unsupported operation: more than one element of the written-to tensor ..."
    "expand": ("y = x[:1] * 1; y.expand(4).add_(1)", "more than one element"),
    # PyTorch: "Output 1 of SplitBackward0 is a view and its base ... has been modified inplace"
    # PyTorch: "A view was created in no_grad mode and its base ... has been modified inplace"
    "a view made under no_grad used after its base's write": (
        "b = torch.zeros(6, dtype=torch.float64)\nwith torch.no_grad(): v = b[:2]\n"
        "b.copy_(x * 2); y = v * v",
        "A view was created in no_grad mode and its base",
    ),
    "a view made under no_grad, written": (
        "b = torch.zeros(6, dtype=torch.float64)\nwith torch.no_grad(): v = b[:2]\n"
        "v.copy_(x[:2]); y = b",
        "A view was created in no_grad mode and is being modified inplace",
    ),
    "a split output used after its base's write": (
        "y = x * 2; a, b = y.chunk(2); y.mul_(3); c = b * b",
        "its base or another view of its base has been modified inplace",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_as_torch(torch, name):
    program, words = REFUSED[name]
    for m in (torch, dg):
        with pytest.raises(RuntimeError, match=words):
            _run(m, program + "; out = y")


def test_a_program_without_view_writes_builds_no_replays():
    """The replay check costs nothing until a recorded write: none here, no extra nodes."""
    x = dg.ones(3, requires_grad=True)
    w = (x * 2)[:2]
    assert type(w.grad_fn).__name__ == "GetItem"
    (w * w).sum().backward()
    assert x.grad.tolist() == [8.0, 8.0, 0.0]


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_positions_of_a_view_in_its_base(layout):
    """Where a view's elements lie in its base: by offset in a row-major base, by address
    lookup in any other layout; None for memory outside the base."""
    from deepgrad.tensor import _positions_in

    a = np.arange(24.0).reshape(4, 6)
    b = a if layout == "contiguous" else a.T
    v = b[1:3, ::2] if layout == "contiguous" else b[::-2, 1:3]
    index = _positions_in(v, b)
    np.testing.assert_array_equal(b[index], v)
    assert _positions_in(np.arange(3.0), b) is None


def test_second_order_gradients_through_a_view_write(torch):
    def run(m):
        x = m.tensor([0.5, -1.0, 2.0, 1.5], dtype=m.float64, requires_grad=True)
        y = (x * x).reshape(2, 2)
        y[0].mul_(x[2:])
        w = y.t()[1]
        y.diagonal().add_(x[:2] ** 3)
        (g,) = m.autograd.grad((y * y).sum() + (w * w).sum(), x, create_graph=True)
        g.sum().backward()
        return g.detach().numpy(), x.grad.numpy()

    for a, b in zip(run(dg), run(torch), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_deep_copy_of_a_view_is_its_own_tensor(torch):
    """deepcopy of a view owns its memory: an in-place write into it is an ordinary write."""
    import copy

    def run(m):
        v = copy.deepcopy(m.arange(6.0, dtype=m.float64).reshape(2, 3)[0])
        s = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        v.mul_(s)
        (v * v).sum().backward()
        return v.tolist(), s.grad.tolist()

    assert run(dg) == run(torch)
