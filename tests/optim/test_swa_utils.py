"""optim.swa_utils against PyTorch: AveragedModel (SWA, EMA, avg_fn / multi_avg_fn,
use_buffers), SWALR's rate sequence, update_bn's running statistics."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.optim import swa_utils


def _models(torch):  # (a bias right before batch norm would get a noise-only gradient)
    m = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.BatchNorm1d(6), nn.Linear(6, 2))
    t = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.BatchNorm1d(6),
                            torch.nn.Linear(6, 2))  # fmt: skip
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    return m, t


def _train_step(torch, m, t, om, ot, rng):
    x = rng.normal(size=(8, 4)).astype(np.float32)
    om.zero_grad()
    ot.zero_grad()
    (m(dg.tensor(x)) ** 2).mean().backward()
    (t(torch.tensor(x)) ** 2).mean().backward()
    om.step()
    ot.step()


def _assert_state(m, t, rtol=1e-5):
    sd = m.state_dict()
    assert list(sd) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(sd[k], v.numpy(), rtol=rtol, atol=1e-6, err_msg=k)


@pytest.mark.parametrize(
    "rule", ["swa", "ema_multi", "ema_avg_fn", "swa_avg_fn", "ema_buffers"]
)  # fmt: skip
def test_averaged_model_matches_torch(torch, rule):
    m, t = _models(torch)
    kw, tkw = {}, {}
    if rule == "ema_multi":
        kw = {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)}
        tkw = {"multi_avg_fn": torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)}
    elif rule == "ema_avg_fn":
        kw = {"avg_fn": swa_utils.get_ema_avg_fn(0.8)}
        tkw = {"avg_fn": torch.optim.swa_utils.get_ema_avg_fn(0.8)}
    elif rule == "swa_avg_fn":
        kw = {"avg_fn": swa_utils.get_swa_avg_fn()}
        tkw = {"avg_fn": torch.optim.swa_utils.get_swa_avg_fn()}
    elif rule == "ema_buffers":
        kw = {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9), "use_buffers": True}
        tkw = {"multi_avg_fn": torch.optim.swa_utils.get_ema_multi_avg_fn(0.9),
               "use_buffers": True}  # fmt: skip
    am = swa_utils.AveragedModel(m, **kw)
    at = torch.optim.swa_utils.AveragedModel(t, **tkw)
    _assert_state(am, at)
    om, ot = optim.Adam(m.parameters(), lr=0.05), torch.optim.Adam(t.parameters(), lr=0.05)
    rng = np.random.default_rng(0)
    for _ in range(4):
        _train_step(torch, m, t, om, ot, rng)
        am.update_parameters(m)
        at.update_parameters(t)
        _assert_state(am, at)
    assert am.n_averaged.item() == 4 and am.n_averaged.dtype == np.int64
    assert am.module is not m and am.module[0].weight is not m[0].weight
    am.eval()
    at.eval()
    x = rng.normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        am(dg.tensor(x)).detach().numpy(),
        at(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_swa_is_the_mean_of_the_snapshots():
    m = nn.Linear(3, 2)
    am = swa_utils.AveragedModel(m)
    snaps = []
    for i in range(5):
        with dg.no_grad():
            m.weight.copy_(dg.full((2, 3), float(i * i)))
        snaps.append(m.weight.detach().numpy().copy())
        am.update_parameters(m)
    np.testing.assert_allclose(am.module.weight.detach().numpy(), np.mean(snaps, 0), rtol=1e-6)


def test_averaged_model_refuses_both_fns_and_bad_decay():
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(nn.Linear(2, 2), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())  # fmt: skip
    with pytest.raises(ValueError, match="Invalid decay value"):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(ValueError, match="Invalid decay value"):
        swa_utils.get_ema_multi_avg_fn(-0.1)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 5])
def test_swalr_sequence_matches_torch(torch, strategy, anneal_epochs):
    p = dg.zeros(2, requires_grad=True)
    q = torch.zeros(2, requires_grad=True)
    om = optim.SGD([{"params": [p]}, {"params": [dg.zeros(1, requires_grad=True)], "lr": 0.3}],
                   lr=1.0)  # fmt: skip
    ot = torch.optim.SGD([{"params": [q]}, {"params": [torch.zeros(1, requires_grad=True)],
                                            "lr": 0.3}], lr=1.0)  # fmt: skip
    sm = swa_utils.SWALR(om, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                         anneal_strategy=strategy)  # fmt: skip
    st = torch.optim.swa_utils.SWALR(ot, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                                     anneal_strategy=strategy)  # fmt: skip
    seq_m, seq_t = [sm.get_last_lr()], [st.get_last_lr()]
    for _ in range(9):
        om.step()
        ot.step()
        sm.step()
        st.step()
        seq_m.append(sm.get_last_lr())
        seq_t.append(st.get_last_lr())
    np.testing.assert_allclose(seq_m, seq_t, rtol=1e-12)
    # a scheduler rebuilt from the state dict continues as PyTorch's (swa_lr lives in the
    # optimizer's groups, so the new one's swa_lr applies from here, in both)
    sm2 = swa_utils.SWALR(om, swa_lr=0.5)
    sm2.load_state_dict(sm.state_dict())
    st2 = torch.optim.swa_utils.SWALR(ot, swa_lr=0.5)
    st2.load_state_dict(st.state_dict())
    assert sorted(sm.state_dict().items()) == sorted(st.state_dict().items())
    for _ in range(3):
        sm2.step()
        st2.step()
        np.testing.assert_allclose(sm2.get_last_lr(), st2.get_last_lr(), rtol=1e-12)


def test_swalr_refuses_bad_arguments():
    o = optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        swa_utils.SWALR(o, 0.01, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs"):
        swa_utils.SWALR(o, 0.01, anneal_epochs=-1)
    with pytest.raises(ValueError, match="same length"):
        swa_utils.SWALR(o, [0.01, 0.02])


def test_update_bn_matches_torch(torch):
    m, t = _models(torch)
    m.eval()
    t.eval()
    rng = np.random.default_rng(3)
    xs = [rng.normal(2.0, 3.0, size=(n, 4)).astype(np.float32) for n in (5, 7, 4)]
    ys = [np.zeros(len(x)) for x in xs]
    swa_utils.update_bn([(dg.tensor(x), dg.tensor(y)) for x, y in zip(xs, ys)], m)
    torch.optim.swa_utils.update_bn([(torch.tensor(x), torch.tensor(y)) for x, y in zip(xs, ys)], t)  # fmt: skip
    _assert_state(m, t)
    assert not m.training and m[2].momentum == 0.1
    # a model without batch norm is left alone
    lin = nn.Linear(2, 2)
    swa_utils.update_bn([dg.ones(1, 2)], lin)
