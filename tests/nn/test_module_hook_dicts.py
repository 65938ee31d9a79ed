"""A module's hooks under PyTorch's attribute names (``_forward_hooks``,
``_forward_pre_hooks``, ``_backward_hooks``, ``_backward_pre_hooks``): OrderedDicts of handle
id -> hook, emptied by ``remove()``, and the store itself (clearing one removes its hooks)."""

from __future__ import annotations

from collections import OrderedDict

import pytest

import deepgrad as dg
from deepgrad import nn

NAMES = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks")


def _register(lib, m, log):
    return [
        m.register_forward_pre_hook(lambda mod, a: log.append("pre")),
        m.register_forward_hook(lambda mod, a, o: log.append("post")),
        m.register_full_backward_hook(lambda mod, gi, go: log.append("bw")),
        m.register_full_backward_pre_hook(lambda mod, go: log.append("bwpre")),
    ]


def _lengths(lib):
    m = lib.nn.Linear(2, 2)
    log: list = []
    out = [tuple(len(getattr(m, n)) for n in NAMES)]
    handles = _register(lib, m, log)
    out.append(tuple(len(getattr(m, n)) for n in NAMES))
    out.append(all(type(getattr(m, n)) is OrderedDict for n in NAMES))
    out.append(all(h.id in getattr(m, n) for h, n in zip(handles, NAMES)))
    m(lib.ones(1, 2, requires_grad=True)).sum().backward()
    out.append(list(log))
    handles[1].remove()
    out.append(tuple(len(getattr(m, n)) for n in NAMES))
    for h in handles:
        h.remove()
    out.append(tuple(len(getattr(m, n)) for n in NAMES))
    return out


def test_hook_dicts_as_torch(torch):
    assert _lengths(dg) == _lengths(torch)


def test_hook_dict_is_the_store():
    m = nn.Linear(2, 2)
    log: list = []
    m.register_forward_hook(lambda mod, a, o: log.append("post"))
    m.register_forward_pre_hook(lambda mod, a: log.append("pre"))
    m._forward_hooks.clear()  # removes the forward hook, as in PyTorch
    m(dg.ones(1, 2))
    assert log == ["pre"]
    m._forward_pre_hooks = OrderedDict()
    m(dg.ones(1, 2))
    assert log == ["pre"] and len(m._forward_pre_hooks) == 0
    m._forward_hooks[12345] = lambda mod, a, o: o * 2  # written directly, as old code does
    assert (m(dg.ones(1, 2)) == m.forward(dg.ones(1, 2)) * 2).all()
    with pytest.raises(TypeError, match="got list"):
        m._forward_hooks = []
