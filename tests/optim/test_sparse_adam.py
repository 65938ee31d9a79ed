"""SparseAdam against PyTorch's: an ``nn.Embedding(sparse=True)`` trained over steps that look
up different rows (the rows not looked up keep their weights and moments), ``maximize``, a
second dense-gradient parameter, state keys, 0-d parameters, hyperparameter checks."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim

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
    (w[0] * w[0]).sum().backward()
    opt.step()
    before, m_before = w.detach().numpy().copy(), opt.state[w]["exp_avg"].copy()
    opt.zero_grad()
    (w[1] * 2).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w.detach().numpy()[0], before[0])
    np.testing.assert_array_equal(
        dg.backend.to_numpy(opt.state[w]["exp_avg"][0]), dg.backend.to_numpy(m_before[0])
    )
    assert not np.array_equal(w.detach().numpy()[1], before[1])


def test_zero_dim_parameter_and_all_zero_gradient():
    a = dg.tensor(2.0, requires_grad=True)
    t = torch.tensor(2.0, requires_grad=True)
    b = dg.tensor([1.0, 1.0], requires_grad=True)
    opt = optim.SparseAdam([a, b], lr=0.1)
    (a * a + 0 * b.sum()).backward()
    opt.step()
    # PyTorch refuses the dense gradient of a 0-d parameter; Adam's first step is the same
    ref = torch.optim.Adam([t], lr=0.1)
    (t * t).backward()
    ref.step()
    assert a.item() == pytest.approx(t.item(), rel=1e-15)
    np.testing.assert_array_equal(b.detach().numpy(), [1.0, 1.0])  # gradient 0: not stepped
    assert opt.state[b]["step"] == 1


def test_sparse_adam_checks_and_registry():
    p = nn.Parameter(dg.zeros(3))
    with pytest.raises(ValueError, match="beta2"):
        optim.SparseAdam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="learning rate"):
        optim.SparseAdam([p], lr=-1.0)
    with pytest.raises(TypeError):
        optim.SparseAdam([p], weight_decay=0.1)  # none in PyTorch's either
    assert isinstance(optim.get("sparse_adam", lr=0.1), optim.SparseAdam)


def test_tensor_is_sparse_is_false():
    e = nn.Embedding(4, 2, sparse=True)
    e(dg.tensor([1, 2])).sum().backward()
    assert e.weight.is_sparse is False and e.weight.grad.is_sparse is False
