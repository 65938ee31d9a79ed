"""Padding layers given a tuple shorter or longer than their ``2·n`` (``ZeroPad2d((1, 2))``,
``ReflectionPad1d((1, 1, 1, 1))``): PyTorch builds every one and applies ``F.pad``'s rules at
the call (deepgrad refused them at construction). Against torch: the output (shape, values)
or the error's kind, for every layer, tuple and input rank."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad._errors import ValueRangeError

PADS = [(1,), (1, 2), (1, 2, 1), (1, 2, 1, 1), (1, 1, 1, 1, 1, 1), (1,) * 8, [1, 2], (),
        (-1, 1), (2, -1, 1, 0)]  # fmt: skip


def _outcome(lib, name, padding, shape):
    args = (padding, 0.5) if name.startswith("Constant") else (padding,)
    layer = getattr(lib.nn, name)(*args)
    x = lib.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape))
    try:
        return layer(x)
    except (RuntimeError, ValueError, NotImplementedError) as e:
        return e


@pytest.mark.parametrize("kind", ["Reflection", "Replication", "Constant", "Zero", "Circular"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_any_tuple_length_pads_or_raises_as_torchs(torch, kind, nd):
    name = f"{kind}Pad{nd}d"
    shapes = [(3,) * k for k in range(1, nd + 4)] + [(2, 3, 4, 5)[: nd + 1], (2,) * (nd + 1)]
    for padding in PADS:
        assert getattr(nn, name)(padding, *([0.5] if kind == "Constant" else [])).padding == (
            getattr(torch.nn, name)(padding, *([0.5] if kind == "Constant" else [])).padding
        )
        for shape in shapes:
            ref, out = _outcome(torch, name, padding, shape), _outcome(dg, name, padding, shape)
            where = f"{name}({padding}) on {shape}: torch {ref!r:.80}, deepgrad {out!r:.80}"
            if isinstance(ref, Exception):
                # PyTorch's kind: NotImplementedError, ValueError, or RuntimeError (deepgrad's
                # ValueRangeError is both RuntimeError and ValueError)
                assert isinstance(out, type(ref)), where
                continue
            if kind == "Circular" and min(padding) < 0 and isinstance(out, ValueRangeError):
                # PyTorch wraps a padding wider than the cropped axis into memory it never
                # wrote; deepgrad refuses it (README, "Coming from PyTorch": F.pad edge cases)
                assert "at most the axis size" in str(out) or "size 0" in str(out), where
                continue
            assert not isinstance(out, Exception), where
            np.testing.assert_array_equal(out.numpy(), ref.numpy(), err_msg=where)


def test_a_short_tuple_pads_the_last_axis_with_its_gradient(torch):
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    for ours, theirs in ((nn.ReflectionPad2d((1, 2)), torch.nn.ReflectionPad2d((1, 2))),
                         (nn.ZeroPad2d((1, 2)), torch.nn.ZeroPad2d((1, 2))),
                         (nn.ReplicationPad3d((2, 0, 1, 1)),
                          torch.nn.ReplicationPad3d((2, 0, 1, 1)))):  # fmt: skip
        xd, xt = dg.tensor(x[0], requires_grad=True), torch.tensor(x[0], requires_grad=True)
        if isinstance(ours, nn.ReplicationPad3d):
            xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(xd), theirs(xt)
        assert repr(ours) == repr(theirs) and y.shape == tuple(yt.shape)
        w = np.random.default_rng(1).normal(size=y.shape)
        (y * dg.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy())
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy())
