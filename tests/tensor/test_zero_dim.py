"""Shape functions on 0-d tensors, against PyTorch: squeeze, unsqueeze, flatten, reshape,
transpose/permute/swapaxes, expand, pad (values, shapes, which calls error, gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

F = dg.functional


def _torch_pad(t, pad):
    """``torch.nn.functional.pad`` (imported here: only tests holding the torch fixture call
    it)."""
    import torch

    return torch.nn.functional.pad(t, pad)


# (name, deepgrad call, torch call) for calls PyTorch accepts on a 0-d tensor
OK = [
    ("squeeze()", lambda x: F.squeeze(x), lambda t: t.squeeze()),
    ("squeeze(0)", lambda x: F.squeeze(x, 0), lambda t: t.squeeze(0)),
    ("squeeze(-1)", lambda x: F.squeeze(x, -1), lambda t: t.squeeze(-1)),
    ("squeeze((0,))", lambda x: F.squeeze(x, (0,)), lambda t: t.squeeze((0,))),
    ("squeeze(())", lambda x: F.squeeze(x, ()), lambda t: t.squeeze(())),
    ("Tensor.squeeze(0)", lambda x: x.squeeze(0), lambda t: t.squeeze(0)),
    ("unsqueeze(0)", lambda x: F.unsqueeze(x, 0), lambda t: t.unsqueeze(0)),
    ("unsqueeze(-1)", lambda x: F.unsqueeze(x, -1), lambda t: t.unsqueeze(-1)),
    ("flatten()", lambda x: F.flatten(x), lambda t: t.flatten()),
    ("flatten(0, 0)", lambda x: F.flatten(x, 0, 0), lambda t: t.flatten(0, 0)),
    ("flatten(-1, -1)", lambda x: F.flatten(x, -1, -1), lambda t: t.flatten(-1, -1)),
    ("flatten(0, -1)", lambda x: x.flatten(0, -1), lambda t: t.flatten(0, -1)),
    ("reshape(())", lambda x: F.reshape(x, ()), lambda t: t.reshape(())),
    ("reshape(1)", lambda x: F.reshape(x, 1), lambda t: t.reshape(1)),
    ("reshape(-1)", lambda x: F.reshape(x, -1), lambda t: t.reshape(-1)),
    ("reshape(1, 1)", lambda x: x.reshape(1, 1), lambda t: t.reshape(1, 1)),
    ("reshape(-1, 1, 1)", lambda x: x.reshape(-1, 1, 1), lambda t: t.reshape(-1, 1, 1)),
    ("T", lambda x: x.T, lambda t: t.permute(())),
    ("transpose(0, 0)", lambda x: x.transpose(0, 0), lambda t: t.transpose(0, 0)),
    ("transpose(-1, 0)", lambda x: x.transpose(-1, 0), lambda t: t.transpose(-1, 0)),
    ("swapaxes(0, -1)", lambda x: F.swapaxes(x, 0, -1), lambda t: t.swapaxes(0, -1)),
    ("permute(())", lambda x: F.permute(x, ()), lambda t: t.permute(())),
    ("Tensor.permute()", lambda x: x.permute(()), lambda t: t.permute(())),
    ("expand(())", lambda x: F.broadcast_to(x, ()), lambda t: t.expand(())),
    ("expand(3)", lambda x: x.expand(3), lambda t: t.expand(3)),
    ("expand(2, 3)", lambda x: x.expand(2, 3), lambda t: t.expand(2, 3)),
    ("expand(0)", lambda x: F.broadcast_to(x, 0), lambda t: t.expand(0)),
    ("pad(())", lambda x: F.pad(x, ()), lambda t: _torch_pad(t, ())),
]


@pytest.mark.parametrize("name, fd, ft", OK, ids=[c[0] for c in OK])
def test_matches_pytorch(torch, name, fd, ft):
    ref = ft(torch.tensor(3.5, dtype=torch.float64))
    out = fd(dg.tensor(3.5, dtype="float64"))
    assert out.shape == tuple(ref.shape), name
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


# calls PyTorch rejects on a 0-d tensor (it raises IndexError / RuntimeError; deepgrad
# raises its ValueError that names the axis and the number of dims)
BAD = [
    ("squeeze(1)", lambda x: F.squeeze(x, 1), lambda t: t.squeeze(1), "dim 1 is out of range"),
    ("squeeze(-2)", lambda x: F.squeeze(x, -2), lambda t: t.squeeze(-2), "dim -2 is out of"),
    ("unsqueeze(1)", lambda x: F.unsqueeze(x, 1), lambda t: t.unsqueeze(1), "dim 1 is out"),
    ("unsqueeze(-2)", lambda x: F.unsqueeze(x, -2), lambda t: t.unsqueeze(-2), "dim -2 is"),
    ("flatten(1)", lambda x: F.flatten(x, 1), lambda t: t.flatten(1), "flatten: dim 1 is out"),
    ("flatten(0, 1)", lambda x: F.flatten(x, 0, 1), lambda t: t.flatten(0, 1), "dim 1 is out"),
    ("flatten(-2)", lambda x: F.flatten(x, -2), lambda t: t.flatten(-2), "dim -2 is out"),
    ("reshape(2)", lambda x: F.reshape(x, 2), lambda t: t.reshape(2), "cannot reshape"),
    ("transpose(0, 1)", lambda x: x.transpose(0, 1), lambda t: t.transpose(0, 1), "dim 1"),
    ("swapaxes(1, 0)", lambda x: F.swapaxes(x, 1, 0), lambda t: t.swapaxes(1, 0), "dim 1"),
    ("permute(0)", lambda x: x.permute(0), lambda t: t.permute(0), "not a permutation of 0"),
    ("permute(-1)", lambda x: x.permute(-1), lambda t: t.permute(-1), "not a permutation"),
    ("expand(-1)", lambda x: x.expand(-1), lambda t: t.expand(-1), "cannot broadcast"),
    (
        "pad(1)",
        lambda x: F.pad(x, 1),
        lambda t: _torch_pad(t, (1, 1)),
        r"cannot pad a 0-d tensor \(shape \(\)\): it has no axes; got pad 1",
    ),
]


@pytest.mark.parametrize("name, fd, ft, msg", BAD, ids=[c[0] for c in BAD])
def test_errors_where_pytorch_errors(torch, name, fd, ft, msg):
    with pytest.raises((IndexError, RuntimeError)):
        ft(torch.tensor(3.5))
    with pytest.raises(ValueError, match=msg):
        fd(dg.tensor(3.5))


@pytest.mark.parametrize("pad_width", [1, 0, ((1, 1),), ((0, 0),), (2,)])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_of_0d_tensor_raises_clearly(pad_width, mode):
    with pytest.raises(ValueError, match=r"pad: cannot pad a 0-d tensor .*reshape it to 1-d"):
        F.pad(dg.tensor(2.0), pad_width, mode=mode)


def test_pad_of_1d_tensor_still_works():
    out = F.pad(dg.tensor([1.0, 2.0]), 1, value=9.0)
    np.testing.assert_array_equal(out.numpy(), [9.0, 1.0, 2.0, 9.0])


GRAD = [
    ("squeeze(0)", lambda x: F.squeeze(x, 0) * 2.0),
    ("squeeze(-1)", lambda x: F.squeeze(x, -1) * 2.0),
    ("unsqueeze(-1)", lambda x: F.unsqueeze(x, -1) * dg.tensor([1.0])),
    ("flatten(-1, -1)", lambda x: F.flatten(x, -1, -1) * dg.tensor([3.0])),
    ("reshape(1, 1)", lambda x: F.reshape(x, (1, 1)) * dg.tensor([[-1.5]])),
    ("transpose(-1, 0)", lambda x: x.transpose(-1, 0) * 2.0),
    ("swapaxes(0, 0)", lambda x: F.swapaxes(x, 0, 0) * 2.0),
    ("permute(())", lambda x: F.permute(x, ()) * 2.0),
    ("expand(2, 3)", lambda x: F.broadcast_to(x, (2, 3)) * dg.tensor(np.arange(6.0).reshape(2, 3))),
]


@pytest.mark.parametrize("name, f", GRAD, ids=[c[0] for c in GRAD])
def test_gradcheck(name, f):
    dg.set_default_dtype("float64")
    x = dg.tensor(0.7, requires_grad=True)
    dg.gradcheck(f, x)


def test_gradients_match_pytorch(torch):
    """d/dx of sum(expand(squeeze(flatten(x)…))) through a chain of 0-d ops equals torch's."""
    t = torch.tensor(1.25, dtype=torch.float64, requires_grad=True)
    ty = t.squeeze(-1).transpose(0, -1).flatten(0, 0).squeeze(0).unsqueeze(-1).expand(2, 4)
    (ty * torch.arange(8.0, dtype=torch.float64).reshape(2, 4)).sum().backward()
    x = dg.tensor(1.25, dtype="float64", requires_grad=True)
    y = F.broadcast_to(
        F.unsqueeze(F.squeeze(F.flatten(x.squeeze(-1).transpose(0, -1), 0, 0), 0), -1), (2, 4)
    )
    (y * dg.tensor(np.arange(8.0).reshape(2, 4))).sum().backward()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    assert x.grad.shape == () and float(x.grad.numpy()) == float(t.grad) == 28.0
