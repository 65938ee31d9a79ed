"""nn.utils: clip_grad_norm_ (a total-norm tensor, as torch), clip_grad_value_,
parameters_to_vector / vector_to_parameters, the rnn path."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _pair(torch, grads):
    ps = [dg.zeros(g.shape, dtype=g.dtype, requires_grad=True) for g in grads]
    qs = [torch.zeros(g.shape, dtype=getattr(torch, g.dtype.name), requires_grad=True) for g in grads]  # fmt: skip
    for p, q, g in zip(ps, qs, grads):
        p.grad, q.grad = dg.tensor(g), torch.tensor(g)
    return ps, qs


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, float("inf")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches_torch(torch, norm_type, dtype):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(5,)).astype(dtype)]
    ps, qs = _pair(torch, grads)
    total = nn.utils.clip_grad_norm_(ps, 1.0, norm_type=norm_type, foreach=True)
    ttotal = torch.nn.utils.clip_grad_norm_(qs, 1.0, norm_type=norm_type, foreach=None)
    assert isinstance(total, dg.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
    for p, q in zip(ps, qs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    assert f"{float(total):.3f}" == f"{ttotal.item():.3f}"


def test_clip_grad_norm_nonfinite_and_empty(torch):
    (p,) = [dg.zeros(2, requires_grad=True)]
    p.grad = dg.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([dg.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    with pytest.raises(ValueError, match="max_norm"):
        nn.utils.clip_grad_norm_([p], -1.0)


def test_clip_grad_value_matches_torch(torch):
    grads = [np.linspace(-2, 2, 7)]
    ps, qs = _pair(torch, grads)
    nn.utils.clip_grad_value_(ps, 0.5, foreach=False)
    torch.nn.utils.clip_grad_value_(qs, 0.5)
    np.testing.assert_array_equal(ps[0].grad.numpy(), qs[0].grad.numpy())


def test_parameters_to_vector_round_trip(torch):
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})
    vec = nn.utils.parameters_to_vector(model.parameters())
    tvec = torch.nn.utils.parameters_to_vector(tmodel.parameters())
    np.testing.assert_array_equal(vec.numpy(), tvec.detach().numpy())
    nn.utils.vector_to_parameters(vec * 0 + 1, model.parameters())
    assert all(np.all(p.numpy() == 1) for p in model.parameters())
    with pytest.raises(ValueError, match="expected shape"):
        nn.utils.vector_to_parameters(dg.zeros(3), model.parameters())


def test_rnn_path():
    from deepgrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    assert pack_padded_sequence is nn.pack_padded_sequence
    assert pad_packed_sequence is nn.pad_packed_sequence


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(torch, batch_first, padding_side):
    from deepgrad.nn.utils.rnn import pad_sequence

    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(n, 3)) for n in (4, 1, 3)]
    ours = pad_sequence([dg.tensor(a) for a in arrays], batch_first, -1.0, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(a) for a in arrays], batch_first, -1.0, padding_side
    )
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    assert dg.gradcheck(lambda *t: pad_sequence(list(t), batch_first, 2.0, padding_side), xs)
    with pytest.raises(ValueError, match="sequence 1"):
        pad_sequence([dg.zeros(2, 3), dg.zeros(2, 4)])


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_match_torch(torch, enforce_sorted):
    from deepgrad.nn.utils import rnn

    rng = np.random.default_rng(1)
    sizes = (4, 3, 1) if enforce_sorted else (2, 4, 1, 3)
    arrays = [rng.normal(size=(n, 2)) for n in sizes]
    ours = rnn.pack_sequence([dg.tensor(a) for a in arrays], enforce_sorted=enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    assert list(ours.batch_sizes) == theirs.batch_sizes.tolist()
    if enforce_sorted:
        assert ours.sorted_indices is None and theirs.sorted_indices is None
    else:
        assert list(ours.sorted_indices) == theirs.sorted_indices.tolist()
        assert list(ours.unsorted_indices) == theirs.unsorted_indices.tolist()
    back = rnn.unpack_sequence(ours)
    assert [b.shape for b in back] == [a.shape for a in arrays]
    for b, a in zip(back, arrays):
        np.testing.assert_array_equal(b.numpy(), a)
    padded = rnn.pad_sequence([dg.tensor(a) for a in arrays])
    tpadded = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays])
    got = rnn.unpad_sequence(padded, dg.tensor(list(sizes)))
    want = torch.nn.utils.rnn.unpad_sequence(tpadded, torch.tensor(sizes))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    packed = rnn.pack_sequence(xs, enforce_sorted=enforce_sorted)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    tpacked = torch.nn.utils.rnn.pack_sequence(txs, enforce_sorted)
    ramp = np.arange(packed.data.shape[0] * 2.0).reshape(-1, 2)
    (packed.data * dg.tensor(ramp)).sum().backward()
    (tpacked.data * torch.tensor(ramp)).sum().backward()
    for x, tx in zip(xs, txs):
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_parameters_to_vector_is_differentiable_as_torch(torch):
    # an L2 penalty written with parameters_to_vector reaches the parameters' gradients
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})
    nn.utils.parameters_to_vector(model.parameters()).pow(2).sum().backward()
    torch.nn.utils.parameters_to_vector(tmodel.parameters()).pow(2).sum().backward()
    for p, q in zip(model.parameters(), tmodel.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("norm_type", [2.0, 1, 0, 3.0, float("inf")])
def test_get_total_norm_and_clip_grads_with_norm_as_torch(torch, norm_type):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=(3, 4)).astype("float32"), np.array([0.0, 2.5], dtype="float32")]
    ps, qs = _pair(torch, grads)
    total = nn.utils.get_total_norm([p.grad for p in ps], norm_type, foreach=None)
    ttotal = torch.nn.utils.get_total_norm([q.grad for q in qs], norm_type)
    assert total.shape == () and total.dtype == dg.float32 and not total.requires_grad
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ps, 1.5, total)
    torch.nn.utils.clip_grads_with_norm_(qs, 1.5, ttotal)
    for p, q in zip(ps, qs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    assert nn.utils.get_total_norm(dg.tensor([3.0, 4.0])).item() == 5.0
    assert nn.utils.get_total_norm([]).item() == torch.nn.utils.get_total_norm([]).item() == 0
    for lib in (dg, torch):
        with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
            lib.nn.utils.get_total_norm([lib.tensor([float("nan")])], error_if_nonfinite=True)
        lib.nn.utils.clip_grads_with_norm_([lib.zeros(2, requires_grad=True)], 1.0, 0.0)


def test_clip_grads_with_norm_leaves_small_gradients(torch):
    ps, qs = _pair(torch, [np.array([0.3, -0.4], dtype="float32")])
    nn.utils.clip_grads_with_norm_(ps, 1.0, dg.tensor(0.5))
    torch.nn.utils.clip_grads_with_norm_(qs, 1.0, torch.tensor(0.5))
    np.testing.assert_array_equal(ps[0].grad.numpy(), qs[0].grad.numpy())


def test_clip_grad_norm_deprecated_alias_as_torch(torch):
    import warnings

    grads = [np.array([3.0, 4.0], dtype="float32")]
    ps, qs = _pair(torch, grads)
    got = []
    for lib, params in ((nn, ps), (torch.nn, qs)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            total = lib.utils.clip_grad_norm(params, 1.0)
        got.append(([(x.category, str(x.message), x.filename) for x in w], total.item()))
    assert got[0] == got[1] and got[0][0][0][2] == __file__
    np.testing.assert_allclose(ps[0].grad.numpy(), qs[0].grad.numpy(), rtol=1e-6)
