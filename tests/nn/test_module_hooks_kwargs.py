"""PyTorch's forward-hook options (prepend, with_kwargs, always_call) and the global module
hooks of ``torch.nn.modules.module``, each checked against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, scale=1.0, fail=False):
        if fail:
            raise ValueError("forward failed")
        return x * scale


def _tscale(torch):
    class TScale(torch.nn.Module):
        def forward(self, x, scale=1.0, fail=False):
            if fail:
                raise ValueError("forward failed")
            return x * scale

    return TScale()


def _run(lib, m, log):
    """Register the same hooks on ``m`` (deepgrad or torch) and call it; returns outputs."""
    m.register_forward_pre_hook(lambda mod, a: log.append("pre1"))
    m.register_forward_pre_hook(lambda mod, a: log.append("pre0"), prepend=True)

    def pre_kw(mod, args, kwargs):
        log.append(("prekw", sorted(kwargs)))
        return (args[0] + 1,), {**kwargs, "scale": 3.0}

    m.register_forward_pre_hook(pre_kw, with_kwargs=True)
    m.register_forward_hook(lambda mod, a, out: log.append("post1"))

    def post_kw(mod, args, kwargs, out):
        log.append(("postkw", kwargs["scale"]))
        return out * 10

    m.register_forward_hook(post_kw, with_kwargs=True, prepend=True)
    x = lib.tensor(np.array([1.0, 2.0]))
    return np.asarray(
        m(x, scale=2.0).detach().numpy() if lib is not dg else m(x, scale=2.0).numpy()
    )


def test_prepend_and_with_kwargs_as_torch(torch):
    log, tlog = [], []
    out = _run(dg, Scale(), log)
    tout = _run(torch, _tscale(torch), tlog)
    np.testing.assert_allclose(out, tout)
    assert log == tlog
    # recorded: pre-hooks in order with prepend; the kwargs pre-hook changed x and scale
    assert log == ["pre0", "pre1", ("prekw", ["scale"]), ("postkw", 3.0), "post1"]
    np.testing.assert_allclose(out, [60.0, 90.0])


def test_a_kwargs_pre_hook_must_return_args_and_kwargs(torch):
    m, tm = Scale(), _tscale(torch)
    for mod, lib in ((m, dg), (tm, torch)):
        mod.register_forward_pre_hook(lambda mod, a, k: (a[0],), with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            mod(lib.ones(2))


def _always_call_log(mod, lib):
    log = []
    mod.register_forward_hook(lambda m, a, out: log.append(("always", out)), always_call=True)
    mod.register_forward_hook(lambda m, a, out: log.append("plain"))
    mod.register_forward_hook(
        lambda m, a, k, out: log.append(("always_kw", k)), with_kwargs=True, always_call=True
    )
    with pytest.raises(ValueError, match="forward failed"):
        mod(lib.ones(2), fail=True)
    assert [e[0] for e in log] == ["always", "always_kw"] and log[0][1] is None
    # a raising always_call hook is silenced with a warning; the forward error is raised
    h = mod.register_forward_hook(lambda *a: 1 / 0, always_call=True)
    with pytest.warns(UserWarning, match="always_call=True"):
        with pytest.raises(ValueError, match="forward failed"):
            mod(lib.ones(2), fail=True)
    h.remove()
    log.clear()
    mod(lib.ones(2))  # ran once on success, not again
    return [e if isinstance(e, str) else e[0] for e in log]


def test_always_call_runs_when_forward_raises(torch):
    ours, theirs = _always_call_log(Scale(), dg), _always_call_log(_tscale(torch), torch)
    assert ours == theirs == ["always", "plain", "always_kw"]


def test_removed_hook_drops_its_flags():
    m = Scale()
    h = m.register_forward_hook(lambda *a: None, with_kwargs=True, always_call=True)
    h.remove()
    assert not m._forward_hooks and not m._dg_hooks_kwargs and not m._dg_hooks_always


def test_global_module_hooks_as_torch(torch):
    from deepgrad.nn.modules.module import (
        register_module_forward_hook,
        register_module_forward_pre_hook,
        register_module_full_backward_hook,
    )
    from torch.nn.modules import module as tmod

    def run(lib, reg_pre, reg_post, reg_bw, lin):
        log = []
        lin.register_forward_pre_hook(lambda m, a: log.append("own pre"))
        lin.register_forward_hook(lambda m, a, o: log.append("own post"))
        lin.register_full_backward_hook(lambda m, gi, go: log.append("own bw"))
        hs = [
            reg_pre(lambda m, a: log.append(f"pre {type(m).__name__}")),
            reg_post(lambda m, a, k, o: log.append(f"post {sorted(k)}"), with_kwargs=True),
            reg_bw(lambda m, gi, go: log.append("bw")),
        ]
        try:
            x = lib.ones(2, 3, requires_grad=True)
            lin(x).sum().backward()
        finally:
            for h in hs:
                h.remove()
        lin(x)  # removed: only the module's own hooks
        return log

    dg.manual_seed(0)
    a = run(
        dg,
        register_module_forward_pre_hook,
        register_module_forward_hook,
        register_module_full_backward_hook,
        nn.Linear(3, 2),
    )
    b = run(
        torch,
        tmod.register_module_forward_pre_hook,
        tmod.register_module_forward_hook,
        tmod.register_module_full_backward_hook,
        torch.nn.Linear(3, 2),
    )
    assert a == b
    assert a == [
        "pre Linear", "own pre", "post []", "own post", "bw", "own bw", "own pre", "own post"
    ]  # fmt: skip
    assert not nn.modules.module._global_hooks


def test_torch_import_paths():
    import deepgrad.nn.modules.module as mm

    assert mm is dg.nn.module and mm.Module is nn.Module
    assert nn.modules.Linear is nn.Linear
    with pytest.raises(AttributeError, match="layers are in deepgrad.nn"):
        nn.modules.NoSuchLayer  # noqa: B018
    with pytest.raises(NotImplementedError, match="register_module_full_backward_hook"):
        mm.register_module_backward_hook(lambda *a: None)


def test_no_hook_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Scale()(dg.ones(2), scale=2.0).numpy().tolist() == [2.0, 2.0]
