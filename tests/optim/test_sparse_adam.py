"""SparseAdam against PyTorch's: an ``nn.Embedding(sparse=True)`` trained over steps that look
up different rows (the rows not looked up keep their weights and moments), ``maximize``, dense
gradients refused as PyTorch's, the sparse gradients' marks, state keys, hyperparameter
checks."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.nn import functional as F

torch = pytest.importorskip("torch")


def _train(lib, weight, batches, **kw):
    emb = lib.nn.Embedding(*weight.shape, sparse=True, dtype=lib.float64)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(weight))
    opt = lib.optim.SparseAdam(emb.parameters(), **kw)
    losses = []
    for idx, target in batches:
        out = emb(lib.tensor(idx))
        loss = ((out - lib.tensor(target, dtype=lib.float64)) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    state = opt.state[emb.weight]
    return emb.weight.detach().numpy(), losses, state


@pytest.mark.parametrize("kw", [{}, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
                                {"lr": 0.01, "maximize": True}])  # fmt: skip
def test_sparse_adam_matches_torch_on_sparse_embedding(kw):
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((7, 3))
    # steps that touch different rows, one row twice (its gradients summed), row 6 never
    idx = [np.array([0, 1, 1]), np.array([2, 3]), np.array([0, 4, 5]), np.array([3])]
    batches = [(i, rng.standard_normal((len(i), 3))) for i in idx]
    w_dg, l_dg, s_dg = _train(dg, weight, batches, **kw)
    w_t, l_t, s_t = _train(torch, weight, batches, **kw)
    np.testing.assert_allclose(l_dg, l_t, rtol=1e-12)
    np.testing.assert_allclose(w_dg, w_t, rtol=1e-12, atol=1e-15)
    assert sorted(s_dg) == sorted(s_t) == ["exp_avg", "exp_avg_sq", "step"]
    assert int(s_dg["step"]) == int(s_t["step"]) == 4
    host = dg.backend.to_numpy
    np.testing.assert_allclose(host(s_dg["exp_avg"]), s_t["exp_avg"].numpy(), rtol=1e-12, atol=1e-15)  # fmt: skip
    np.testing.assert_allclose(host(s_dg["exp_avg_sq"]), s_t["exp_avg_sq"].numpy(), rtol=1e-12, atol=1e-15)  # fmt: skip
    np.testing.assert_array_equal(w_dg[6], weight[6])  # never looked up: never moved


def test_untouched_rows_keep_their_moments():
    """Adam decays every row's moments each step and moves rows with old momentum; SparseAdam
    leaves the rows without gradient alone."""
    w = dg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    opt = optim.SparseAdam([w], lr=0.1)
    (F.embedding(dg.tensor([0]), w, sparse=True) ** 2).sum().backward()
    opt.step()
    before, m_before = w.detach().numpy().copy(), opt.state[w]["exp_avg"].clone()
    opt.zero_grad()
    (F.embedding(dg.tensor([1]), w, sparse=True) * 2).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w.detach().numpy()[0], before[0])
    np.testing.assert_array_equal(
        dg.backend.to_numpy(opt.state[w]["exp_avg"][0]), dg.backend.to_numpy(m_before[0])
    )
    assert not np.array_equal(w.detach().numpy()[1], before[1])


def _dense_and_tied(lib):
    """SparseAdam's error on a dense gradient: a plain parameter's, then a sparse table's
    also used densely (as a tied output layer); no parameter moves."""
    p = lib.nn.Parameter(lib.ones(3))
    e = lib.nn.Embedding(4, 2, sparse=True)
    opt = lib.optim.SparseAdam([p, *e.parameters()], lr=0.1)
    opt.step()  # no gradients yet: nothing to do
    out = []
    for loss in (lambda: (p * p).sum(), lambda: e(lib.tensor([1])).sum() + e.weight.sum()):
        opt.zero_grad()
        loss().backward()
        before = [t.detach().clone() for t in (p, e.weight)]
        with pytest.raises(RuntimeError) as err:
            opt.step()
        out.append(str(err.value).split(" (")[0])
        assert all(bool((t.detach() == b).all()) for t, b in zip((p, e.weight), before))
    return out


def test_dense_gradients_are_refused_as_torch():
    want = _dense_and_tied(torch)
    assert want == ["SparseAdam does not support dense gradients, please consider Adam instead"] * 2
    assert _dense_and_tied(dg) == want


def test_all_zero_sparse_gradient_advances_the_step_only():
    """A lookup of the padding row alone: PyTorch's gradient has no rows; deepgrad's is all
    zero. Neither moves the table; the step count advances in both."""
    res = []
    for lib in (torch, dg):
        e = lib.nn.Embedding(3, 2, padding_idx=0, sparse=True)
        before = e.weight.detach().clone()
        opt = lib.optim.SparseAdam(e.parameters(), lr=0.1)
        e(lib.tensor([0, 0])).sum().backward()
        opt.step()
        assert bool((e.weight.detach() == before).all())
        res.append(int(opt.state[e.weight]["step"]))
    assert res[0] == res[1] == 1


def test_sparse_adam_checks_and_registry():
    p = nn.Parameter(dg.zeros(3))
    with pytest.raises(ValueError, match="beta2"):
        optim.SparseAdam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="learning rate"):
        optim.SparseAdam([p], lr=-1.0)
    with pytest.raises(TypeError):
        optim.SparseAdam([p], weight_decay=0.1)  # none in PyTorch's either
    assert isinstance(optim.get("sparse_adam", lr=0.1), optim.SparseAdam)


def test_sparse_embedding_gradients_are_marked_as_torch():
    """``is_sparse`` of a ``sparse=True`` table's gradient, as PyTorch's: kept over two
    lookups, two ``backward`` calls, ``zero_grad(set_to_none=False)`` and ``autograd.grad``;
    lost (dense) where the table is also used densely; ``EmbeddingBag`` likewise, but for
    ``mode="max"``, which refuses ``sparse`` (PyTorch's ValueError)."""

    def marks(lib):
        e = lib.nn.Embedding(4, 2, sparse=True)
        opt = lib.optim.SparseAdam(e.parameters())
        out = [e.weight.is_sparse]
        (e(lib.tensor([1])).sum() + e(lib.tensor([2])).sum()).backward()
        out.append(e.weight.grad.is_sparse)
        e(lib.tensor([3])).sum().backward()
        out.append(e.weight.grad.is_sparse)
        opt.zero_grad(set_to_none=False)
        out.append(e.weight.grad.is_sparse)
        e(lib.tensor([3])).sum().backward()
        out.append(e.weight.grad.is_sparse)
        out.append(lib.autograd.grad(e(lib.tensor([1])).sum(), e.weight)[0].is_sparse)
        e.weight.grad = None
        (e(lib.tensor([1])).sum() + (e.weight * 2).sum()).backward()
        out.append(e.weight.grad.is_sparse)
        bag = lib.nn.EmbeddingBag(4, 2, mode="sum", sparse=True)
        bag(lib.tensor([[1, 2]])).sum().backward()
        out.append(bag.weight.grad.is_sparse)
        with pytest.raises(ValueError, match="max mode does not support sparse weights"):
            lib.nn.EmbeddingBag(4, 2, mode="max", sparse=True)(lib.tensor([[1, 2]]))
        return out

    want = marks(torch)
    assert want == [False, True, True, True, True, True, False, True]
    assert marks(dg) == want


def test_sparse_gradient_numbers_and_clipping():
    """The marked gradient holds PyTorch's numbers (its ``to_dense()``); the clipping
    functions, which PyTorch cannot run on a sparse gradient, keep it marked, so SparseAdam
    still takes it."""
    idx = [[1, 3, 1]]
    e = nn.Embedding(5, 2, sparse=True, padding_idx=3)
    t = torch.nn.Embedding(5, 2, sparse=True, padding_idx=3)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(e.weight.detach().numpy()))
    (e(dg.tensor(idx)) ** 2).sum().backward()
    (t(torch.tensor(idx)) ** 2).sum().backward()
    np.testing.assert_allclose(e.weight.grad.to_dense().numpy(), t.weight.grad.to_dense().numpy())
    assert e.weight.grad.coalesce() is e.weight.grad
    nn.utils.clip_grad_norm_(e.parameters(), 0.1)
    nn.utils.clip_grad_value_(e.parameters(), 0.01)
    assert e.weight.grad.is_sparse
    optim.SparseAdam(e.parameters()).step()


@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam", "RAdam",
             "RMSprop", "Rprop", "SparseAdam"],
)  # fmt: skip
def test_which_optimizers_take_a_sparse_gradient_as_torch(name, torch):
    """A sparse=True embedding's gradient: SGD, Adagrad and SparseAdam step it; the others
    refuse it with PyTorch's RuntimeError, before anything moves."""
    outcomes = []
    for lib in (torch, dg):
        lib.manual_seed(0)
        emb = lib.nn.Embedding(5, 3, sparse=True)
        before = emb.weight.detach().numpy().copy()
        opt = getattr(lib.optim, name)(emb.parameters(), lr=0.1)
        emb(lib.tensor([1, 2])).sum().backward()
        try:
            opt.step()
            outcomes.append("steps")
        except RuntimeError as err:
            outcomes.append(str(err))
            np.testing.assert_array_equal(emb.weight.detach().numpy(), before)
    assert outcomes[0] == outcomes[1]
