"""Optimizer hooks as PyTorch's: step pre/post hooks (the optimizer's and the global ones,
their order, arguments and replacements), state_dict and load_state_dict hooks, handles."""

from __future__ import annotations

import pytest

import deepgrad as dg
import deepgrad.optim.optimizer as dg_optimizer

torch = pytest.importorskip("torch")
import torch.optim.optimizer as torch_optimizer  # noqa: E402


def _trace(m, mod, optimizer="SGD"):
    p = m.nn.Parameter(m.ones(2))
    opt = getattr(m.optim, optimizer)([p], lr=0.1)
    log = []
    handles = [
        mod.register_optimizer_step_pre_hook(lambda o, a, k: log.append(("gpre", len(a), dict(k)))),
        opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", a[0] is o))),
        opt.register_step_post_hook(lambda o, a, k: log.append(("post", len(a)))),
        mod.register_optimizer_step_post_hook(lambda o, a, k: log.append(("gpost",))),
    ]
    p.grad = m.ones(2)
    opt.step()
    loss = opt.step(lambda: m.tensor(3.0))
    log.append(float(loss))
    for h in handles:
        h.remove()
    opt.step()
    log.append(p.detach().tolist())
    return log


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_step_hooks_as_torch(name):
    assert _trace(dg, dg_optimizer, name) == _trace(torch, torch_optimizer, name)


def test_a_pre_hook_may_replace_the_arguments():
    for m in (dg, torch):
        p = m.nn.Parameter(m.ones(1))
        opt = m.optim.SGD([p], lr=1.0)
        opt.register_step_pre_hook(lambda o, a, k, m=m: ((o,), {"closure": lambda: m.tensor(7.0)}))
        p.grad = m.ones(1)
        assert float(opt.step()) == 7.0
        bad = m.optim.SGD([p], lr=1.0)
        bad.register_step_pre_hook(lambda o, a, k: 3)
        with pytest.raises(RuntimeError, match="must return None or a tuple"):
            bad.step()


def _state_hooks(m):
    p = m.nn.Parameter(m.ones(2))
    opt = m.optim.Adam([p], lr=0.1)
    p.grad = m.ones(2)
    opt.step()
    log = []
    opt.register_state_dict_pre_hook(lambda o: log.append("sd_pre"))
    opt.register_state_dict_pre_hook(lambda o: log.append("sd_pre_first"), prepend=True)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    sd = opt.state_dict()
    log.append(sorted(sd))

    def strip(o, sd):
        log.append("load_pre")
        return {k: v for k, v in sd.items() if k != "extra"}

    opt.register_load_state_dict_pre_hook(strip)
    opt.register_load_state_dict_post_hook(lambda o: log.append("load_post"))
    opt.load_state_dict(sd)
    return log


def test_state_dict_hooks_as_torch():
    assert _state_hooks(dg) == _state_hooks(torch)


def test_lbfgs_step_and_load_hooks():
    for m in (dg, torch):
        p = m.nn.Parameter(m.ones(2))
        opt = m.optim.LBFGS([p], max_iter=2)
        seen = []
        opt.register_step_post_hook(lambda o, a, k, seen=seen: seen.append(len(a) + len(k)))

        def closure(p=p, opt=opt):
            opt.zero_grad()
            loss = (p**2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        assert seen == [2]


def test_lbfgs_load_runs_its_hooks_once():
    p = dg.nn.Parameter(dg.ones(2))
    opt = dg.optim.LBFGS([p])
    calls = []
    opt.register_load_state_dict_post_hook(lambda o: calls.append(1))
    opt.load_state_dict(opt.state_dict())
    assert calls == [1]
