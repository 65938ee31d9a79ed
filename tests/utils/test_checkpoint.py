"""deepgrad.utils.checkpoint against torch.utils.checkpoint: values and gradients (inputs and
parameters), the use_reentrant warning and its default, the reentrant variant's 'no input
requires grad' behaviour, keyword arguments, checkpoint_sequential."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _pair(torch):
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    tnet = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 4), torch.nn.ReLU(),
        torch.nn.Linear(4, 2),
    )  # fmt: skip
    tnet.load_state_dict({k: torch.tensor(v) for k, v in net.state_dict().items()})
    return net, tnet


def _grads(net):
    return [p.grad.numpy().copy() if p.grad is not None else None for p in net.parameters()]


def _same_grads(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("input_grad", [True, False])
def test_checkpoint_values_and_gradients_as_torch(torch, rng, reentrant, input_grad):
    from torch.utils.checkpoint import checkpoint as tcheckpoint

    net, tnet = _pair(torch)
    a = rng.standard_normal((5, 3)).astype("float32")
    x, tx = dg.tensor(a, requires_grad=input_grad), torch.tensor(a, requires_grad=input_grad)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        y = checkpoint(net, x, use_reentrant=reentrant)
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        ty = tcheckpoint(tnet, tx, use_reentrant=reentrant)
    assert [str(w.message) for w in got] == [str(w.message) for w in want]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert y.requires_grad == ty.requires_grad
    if ty.requires_grad:
        (y**2).sum().backward()
        (ty**2).sum().backward()
        _same_grads(_grads(net), _grads(tnet))
        if input_grad:
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_use_reentrant_unset_warns_as_torch(torch):
    from torch.utils.checkpoint import checkpoint as tcheckpoint
    from torch.utils.checkpoint import checkpoint_sequential as tseq

    x, tx = dg.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    msgs = []
    for fn, seq, t in ((checkpoint, checkpoint_sequential, x), (tcheckpoint, tseq, tx)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fn(lambda v: v * 2, t)
            seq([lambda v: v * 2, lambda v: v + 1], 2, t)
        msgs.append([(w_.category, str(w_.message)) for w_ in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2


def test_keyword_arguments(torch):
    from torch.utils.checkpoint import checkpoint as tcheckpoint

    def f(v, scale=1.0):
        return v * scale

    x, tx = dg.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    assert checkpoint(f, x, use_reentrant=False, scale=3.0).tolist() == [3.0, 3.0]
    assert tcheckpoint(f, tx, use_reentrant=False, scale=3.0).tolist() == [3.0, 3.0]
    for fn, t in ((checkpoint, x), (tcheckpoint, tx)):
        with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
            fn(f, t, use_reentrant=True, scale=3.0)
        fn(f, t, use_reentrant=True, preserve_rng_state=False)
        with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
            fn(f, t, use_reentrant=True, debug=True)


def test_non_tensor_outputs_pass_through():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y, n = checkpoint(lambda v: (v * 2, 3), x, use_reentrant=True)
    assert n == 3 and y.requires_grad


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_as_torch(torch, rng, segments):
    from torch.utils.checkpoint import checkpoint_sequential as tseq

    net, tnet = _pair(torch)
    a = rng.standard_normal((5, 3)).astype("float32")
    x, tx = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = checkpoint_sequential(net, segments, x, use_reentrant=False)
    ty = tseq(tnet, segments, tx, use_reentrant=False)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    _same_grads(_grads(net), _grads(tnet))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: bogus"):
        checkpoint_sequential(net, segments, x, use_reentrant=False, bogus=1)
