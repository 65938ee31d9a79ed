"""In-place writes and the graph's earlier reads (autograd.py's write clock): an operation that
read a tensor before an in-place write differentiates the value it read and sends its
gradient to that value's producer, not through the write; where that value is gone (a write
under ``no_grad``, through ``detach()`` or a view, an optimizer's step) and the operation
needs it, the backward pass raises PyTorch's error. ``.data``'s writes stay hidden."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import autograd, nn


def _grad(m, f):
    x = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
    f(m, x).sum().backward()
    return x.grad.numpy()


def _torch_or_error(torch, f):
    try:
        return _grad(torch, f)
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        return None


# what the graph read before a recorded write: torch gives these gradients too
AS_TORCH = {
    "add reads y, then y.mul_": lambda m, x: (lambda y: (y + 1) + y.mul_(3))(x * 2),
    "relu reads y, then y.mul_(-1)": lambda m, x: (lambda y: (y.relu(), y.mul_(-1))[0])(x * 2),
    "tanh reads y, then y[0] = 5": lambda m, x: (lambda y: (y.tanh(), y.__setitem__(0, 5.0))[0])(
        x * 2
    ),
    "view read by add, base written": lambda m, x: (
        lambda y: (y[:2] + 1, y.mul_(3))[0].sum() + y.sum()
    )(x * 2),
    "write before the reads": lambda m, x: (lambda y: (y.add_(1), y * y)[1])(x * 2),
    "a buffer filled row by row": lambda m, x: (
        lambda b: (b.__setitem__(0, x * 2), b.sum(), b.__setitem__(1, x * 3))[1] + b.sum()
    )(m.zeros(2, 3, dtype=m.float64)),
    "add reads w, w written under no_grad": lambda m, x: (lambda w: (x + w, _no_grad_add(m, w))[0])(
        m.ones(3, dtype=m.float64) * 2
    ),
    ".data written after mul read y": lambda m, x: (lambda y: (y * y, y.data.add_(1))[0])(x * 2),
    # a product reads each factor for the other's gradient only (PyTorch saves it only then)
    "y times a constant, y written under no_grad": lambda m, x: (
        lambda y: (y * 3, _no_grad_add(m, y))[0]
    )(x * 2),
    "y over a constant, y written under no_grad": lambda m, x: (
        lambda y: (y / 3, _no_grad_add(m, y))[0]
    )(x * 2),
    "a view times a constant, its base written": lambda m, x: (
        lambda y: (y[:2] * 3, y.__setitem__(0, 5.0))[0].sum() + y.sum()
    )(x * 2),
    "matmul by a constant, x's producer written under no_grad": lambda m, x: (
        lambda y: (y @ m.ones(3, 2, dtype=m.float64), _no_grad_add(m, y))[0]
    )(x * 2),
    "linear's bias written under no_grad": lambda m, x: _linear_then_bias_written(m, x),
    "conv2d's bias written under no_grad": lambda m, x: _conv_then_bias_written(m, x),
}


def _linear_then_bias_written(m, x):
    w = m.ones(2, 3, dtype=m.float64, requires_grad=True)
    b = m.ones(2, dtype=m.float64, requires_grad=True)
    y = m.nn.functional.linear(x * x, w, b)
    _no_grad_add(m, b)
    return y


def _conv_then_bias_written(m, x):
    w = m.ones(2, 1, 1, 2, dtype=m.float64, requires_grad=True)
    b = m.ones(2, dtype=m.float64, requires_grad=True)
    y = m.nn.functional.conv2d((x * x).reshape(1, 1, 1, 3), w, b)
    _no_grad_add(m, b)
    return y


def _no_grad_add(m, w):
    with m.no_grad():
        w.add_(1)


@pytest.mark.parametrize("name", sorted(AS_TORCH))
def test_earlier_reads_get_torchs_gradients(torch, name):
    theirs = _grad(torch, AS_TORCH[name])
    np.testing.assert_allclose(_grad(dg, AS_TORCH[name]), theirs, rtol=1e-12)


# torch raises (the value was saved and overwritten); deepgrad kept a copy of what was read,
# so the gradient is that of the same program written out of place (a clone before the write)
KEPT = {
    "mul reads y, then y.add_": (
        lambda m, x: (lambda y: (y * y, y.add_(1))[0])(x * 2),
        lambda m, x: (lambda y: y * y)(x * 2),
    ),
    "exp's output written": (
        lambda m, x: (lambda y: y.add_(1))(x.exp()),
        lambda m, x: x.exp() + 1,
    ),
    "two writes after the read": (
        lambda m, x: (lambda y: (y * y, y.add_(1), y.mul_(2))[0] + y)(x * 2),
        lambda m, x: (x * 2) * (x * 2) + (x * 2 + 1) * 2,
    ),
    "h += x * h + x in a loop": (
        lambda m, x: _accumulate(m.zeros(3, dtype=m.float64), x),
        lambda m, x: x**3 + 3 * x**2 + 3 * x,
    ),
}


def _accumulate(h, x):
    for _ in range(3):
        h += x * h + x
    return h


@pytest.mark.parametrize("name", sorted(KEPT))
def test_values_read_before_a_recorded_write_are_kept(torch, name):
    program, out_of_place = KEPT[name]
    assert _torch_or_error(torch, program) is None  # PyTorch refuses these
    np.testing.assert_allclose(_grad(dg, program), _grad(dg, out_of_place), rtol=1e-12)


# the value read is gone: both raise
GONE = {
    "mul reads w, w written under no_grad": lambda m, x: (lambda w: (x * w, _no_grad_add(m, w))[0])(
        m.ones(3, dtype=m.float64) * 2
    ),
    "a leaf written by -= under no_grad": lambda m, x: (
        lambda w: ((x * w).sum(), _no_grad_sub(m, w))[0]
    )(m.ones(3, dtype=m.float64, requires_grad=True)),
    "a view read by mul, its base written": lambda m, x: (
        lambda y: (lambda v: (v * v, y.__setitem__(0, 5.0))[0])(y[:2])
    )(x * 2),
    "exp's output written under no_grad": lambda m, x: (lambda y: (y, _no_grad_add(m, y))[0])(
        x.exp()
    ),
    "mul reads y, written through detach()": lambda m, x: (
        lambda y: (y * y, y.detach().add_(1))[0]
    )(x * 2),
    "matmul's constant factor written under no_grad": lambda m, x: (
        lambda w: (x @ w, _no_grad_add(m, w))[0]
    )(m.ones(3, 2, dtype=m.float64)),
    "linear's input written under no_grad (its weight needs a gradient)": lambda m, x: (
        lambda y: (
            m.nn.functional.linear(y, m.ones(2, 3, dtype=m.float64, requires_grad=True)),
            _no_grad_add(m, y),
        )[0]
    )(x * 2),
}


def _no_grad_sub(m, w):
    with m.no_grad():
        w -= 0.5


@pytest.mark.parametrize("name", sorted(GONE))
def test_an_overwritten_value_that_is_needed_raises_as_torch(torch, name):
    assert _torch_or_error(torch, GONE[name]) is None
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*clone"):
        _grad(dg, GONE[name])


def test_a_step_between_two_backward_passes_through_one_graph_raises_as_torch(torch):
    """A GAN's mistake: the generator's loss, built before the discriminator's step, is
    differentiated after it (PyTorch: "modified by an inplace operation")."""

    def run(m, nn_, step_between):
        m.manual_seed(0)
        g, d = nn_.Linear(2, 3), nn_.Linear(3, 1)
        opt_g, opt_d = m.optim.Adam(g.parameters()), m.optim.Adam(d.parameters())
        out = d(g(m.randn(4, 2)))
        opt_d.zero_grad()
        out.mean().backward(retain_graph=True)
        if step_between:
            opt_d.step()
        opt_g.zero_grad()
        (-out.mean()).backward()
        opt_g.step()

    for m, nn_ in ((torch, torch.nn), (dg, nn)):
        run(m, nn_, step_between=False)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            run(m, nn_, step_between=True)


def test_a_training_loop_with_steps_and_in_place_updates_still_trains():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = dg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = dg.randn(16, 3), dg.randn(16, 1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        with dg.no_grad():
            model[0].weight.mul_(0.999)  # a hand-written decay between steps
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2


def test_the_record_of_a_write_goes_with_the_memory():
    x = dg.zeros(1000)
    x.add_(1)
    key = id(autograd._memory_owner(x._data))
    assert key in autograd._WRITES
    del x
    gc.collect()
    assert key not in autograd._WRITES


def test_a_custom_function_marking_its_input_dirty_is_a_write_as_torch(torch):
    """``ctx.mark_dirty``: the input was overwritten by ``forward``. A node that read it
    before and needs no value keeps its producer (torch's gradient); one that needs the old
    value raises PyTorch's error."""
    got = {}
    for lib in (torch, dg):

        class Relu_(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.clamp_(min=0)
                ctx.mark_dirty(x)
                ctx.save_for_backward(x)
                return x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * (x > 0)

        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * 2
        z = h + 1
        (z + Relu_.apply(h)).sum().backward()
        got[lib.__name__] = x.grad.tolist()
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * 2
        z = h * h
        y = Relu_.apply(h)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            (z + y).sum().backward()
    assert got["deepgrad"] == got["torch"] == [4.0, 2.0, 4.0]
