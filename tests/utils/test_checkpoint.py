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
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
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


def _bn_pair(torch):
    bn, tbn = nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)
    bn.weight.data = dg.tensor([0.5, 2.0])
    tbn.weight.data = torch.tensor([0.5, 2.0])
    return bn, tbn


@pytest.mark.parametrize("reentrant", [True, False])
def test_side_effects_happen_again_in_backward_as_torch(torch, reentrant):
    """The function runs again in the backward pass, as PyTorch's: BatchNorm's running
    statistics are updated twice, and the gradients are the plain ones."""
    a = [[1.0, 2.0], [3.0, 5.0], [-1.0, 0.5]]
    w = [[1.0, 3.0], [-2.0, 0.5], [0.25, 1.0]]
    got = []
    for lib, (bn, ck) in (
        (torch, (_bn_pair(torch)[1], torch.utils.checkpoint.checkpoint)),
        (dg, (_bn_pair(torch)[0], checkpoint)),
    ):
        x = lib.tensor(a, requires_grad=True)
        y = ck(bn, x, use_reentrant=reentrant)
        assert int(bn.num_batches_tracked) == 1  # once in the forward
        (y * lib.tensor(w)).sum().backward()
        got.append(
            (int(bn.num_batches_tracked), bn.running_mean.tolist(), bn.running_var.tolist(),
             x.grad.tolist(), bn.weight.grad.tolist(), bn.bias.grad.tolist())
        )  # fmt: skip
    assert got[0][0] == got[1][0] == 2
    for t, d in zip(got[0][1:], got[1][1:]):
        np.testing.assert_allclose(d, t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_sequential_runs_segments_again_as_torch(torch, reentrant):
    from torch.utils.checkpoint import checkpoint_sequential as tseq

    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 1))
    tnet = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
    )
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    a = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0], [2.0, 2.0]], dtype="float32")
    x, tx = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    checkpoint_sequential(net, 2, x, use_reentrant=reentrant).sum().backward()
    tseq(tnet, 2, tx, use_reentrant=reentrant).sum().backward()
    assert int(net[1].num_batches_tracked) == int(tnet[1].num_batches_tracked) == 2
    for k, v in tnet.state_dict().items():
        np.testing.assert_allclose(net.state_dict()[k], v.numpy(), rtol=1e-5, atol=1e-6)
    _same_grads(_grads(net), _grads(tnet))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", [True, False])
def test_preserve_rng_state_replays_dropout(reentrant):
    """The second run sees the first one's random draws: the gradient is the plain call's
    (the same mask), and the global stream goes on as if the second run had not drawn."""
    drop = nn.Dropout(0.5)
    a = np.arange(1.0, 41.0).reshape(4, 10)
    dg.manual_seed(3)
    x = dg.tensor(a, requires_grad=True)
    plain = drop(x)
    (plain * 3).sum().backward()
    want, after = x.grad.numpy().copy(), dg.rand(4).numpy()
    dg.manual_seed(3)
    x = dg.tensor(a, requires_grad=True)
    y = checkpoint(drop, x, use_reentrant=reentrant)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), plain.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), want)
    np.testing.assert_array_equal(dg.rand(4).numpy(), after)


@pytest.mark.parametrize("reentrant", [True, False])
def test_without_preserve_rng_state_the_second_run_draws_anew(torch, reentrant):
    """preserve_rng_state=False: the backward's mask is a new draw, as PyTorch's (whose
    gradient then disagrees with the forward's mask too)."""
    for lib, ck in ((torch, torch.utils.checkpoint.checkpoint), (dg, checkpoint)):
        lib.manual_seed(0)
        x = lib.ones(64, requires_grad=True)
        y = ck(lib.nn.Dropout(0.5), x, use_reentrant=reentrant, preserve_rng_state=False)
        y.sum().backward()
        assert ((x.grad != 0) != (y != 0)).any()


def test_function_runs_twice_with_counter(torch):
    for lib, ck in ((torch, torch.utils.checkpoint.checkpoint), (dg, checkpoint)):
        for reentrant in (True, False):
            calls = []
            lin = lib.nn.Linear(2, 2)

            def f(v, lin=lin, calls=calls):
                calls.append(1)
                return lin(v).tanh()

            ck(f, lib.ones(3, 2, requires_grad=True), use_reentrant=reentrant).sum().backward()
            assert len(calls) == 2


def test_reentrant_refuses_grad_as_torch(torch):
    for lib, ck in ((torch, torch.utils.checkpoint.checkpoint), (dg, checkpoint)):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = ck(lambda v: (v**3).sum(), x, use_reentrant=True)
        with pytest.raises(RuntimeError, match="incompatible with .grad"):
            lib.autograd.grad(y, x)
        y = ck(lambda v: (v**3).sum(), x, use_reentrant=False)
        assert lib.autograd.grad(y, x)[0].tolist() == [3.0, 12.0]
        assert x.grad is None


def test_non_reentrant_reads_outer_tensors_and_parameters():
    """A tensor made outside the function (a closure, used outside too) and parameters get
    the plain gradients; the outer graph's pass is not disturbed by the second run's."""
    lin = nn.Linear(3, 3)
    a = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]], dtype="float32")
    res = []
    for ck in (False, True):
        lin.zero_grad()
        x = dg.tensor(a, requires_grad=True)
        h = (x * 2).exp()

        def f(v, h=h):
            return lin(v * h).sigmoid() * h

        y = checkpoint(f, x + 1, use_reentrant=False) if ck else f(x + 1)
        (y.sum() + (h**2).sum()).backward()
        res.append([x.grad.numpy().copy()] + _grads(lin))
    for p, q in zip(*res):
        np.testing.assert_allclose(p, q, rtol=1e-6)


def test_gradcheck_through_checkpoint():
    """float64: the non-reentrant checkpoint by numerical differentiation (dg.grad), the
    reentrant one (which refuses dg.grad, as PyTorch's) equal to it through .backward()."""
    w = dg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), dtype=dg.float64, requires_grad=True)

    def f(v):
        return ((v @ w).tanh() * v.sum(1, keepdim=True)).exp()

    x = dg.tensor(np.linspace(-0.5, 0.7, 6).reshape(2, 3), dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda v, w: checkpoint(f, v, use_reentrant=False), (x, w))
    grads = []
    for reentrant in (False, True):
        x.grad = w.grad = None
        (checkpoint(f, x, use_reentrant=reentrant) ** 2).sum().backward()
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_determinism_check_as_torch(torch):
    for lib, ck, err in (
        (torch, torch.utils.checkpoint.checkpoint, torch.utils.checkpoint.CheckpointError),
        (dg, checkpoint, dg.utils.checkpoint.CheckpointError),
    ):
        n = []

        def f(v, n=n):
            n.append(1)
            return (v[: 3 - len(n)] ** 2).sum()

        y = ck(f, lib.ones(3, requires_grad=True), use_reentrant=False)
        with pytest.raises(err, match="Recomputed values for the following tensors have diff"):
            y.backward()


def test_non_reentrant_create_graph_refused():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = checkpoint(lambda v: (v**3).sum(), x, use_reentrant=False)
    with pytest.raises(RuntimeError, match="create_graph=True through a checkpointed"):
        dg.autograd.grad(y, x, create_graph=True)


def test_reentrant_checkpoint_reading_a_tensor_also_used_outside_raises_as_torch(torch):
    """The recomputation's own backward pass frees the outside tensor's producer, which the
    outer pass still needs: both libraries refuse with the "second time" error."""
    for lib in (torch, dg):
        w = lib.tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
        h = w @ lib.tensor([1.0, 3.0])
        z = lib.tensor([2.0, 1.0], requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lambda v, h=h: v * h, z, use_reentrant=True)
        with pytest.raises(RuntimeError, match="(?i)backward through the graph a second time"):
            (y.sum() + h.sum()).backward()
