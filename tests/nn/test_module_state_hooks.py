"""``nn.Module``'s state-dict protocol beyond the tensors, snippet by snippet against torch 2.13:
``state_dict`` pre/post hooks (the private ``_register_state_dict_hook`` may replace the
dict, the public post-hook must return None), ``load_state_dict`` pre-hooks (a child's hook
renames its old keys) and post-hooks (children first; they may clear the keys ``strict``
reads), ``get_extra_state``/``set_extra_state`` (the ``_extra_state`` key), ``set_submodule``,
``Module.type``, and a module assigned where a parameter is registered (``TypeError``)."""

from __future__ import annotations

import pytest

import deepgrad as dg

from ._as_torch import raised_alike, run_snippet

torch = pytest.importorskip("torch")

PRELUDE = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.blocks = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))

class Extra(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)
        self.count = 0
    def get_extra_state(self):
        return {"count": self.count}
    def set_extra_state(self, state):
        self.count = state["count"]
"""


def _norm(v, lib):
    if isinstance(v, lib.Tensor):
        return ("tensor", tuple(v.shape), v.detach().numpy().round(6).tolist())
    if isinstance(v, lib.nn.Module):
        return ("module", repr(v))
    if isinstance(v, dict):
        return [(k, _norm(x, lib)) for k, x in v.items()]
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return (type(v).__name__, [_norm(x, lib) for x in v])
    if isinstance(v, (list, tuple)):
        return [_norm(x, lib) for x in v]
    if isinstance(v, (str, int, float, bool, type(None))):
        return v
    return str(v).replace("torch.", "")


SNIPPETS = [
    # state_dict hooks
    """
seen = []
m = Net()
m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(("pre", prefix)))
m.blocks.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(("pre", prefix)))
def post(mod, sd, prefix, meta):
    seen.append(("post", prefix, sorted(meta)))
    sd[prefix + "note"] = T.ones(1)
m.blocks.register_state_dict_post_hook(post)
r = (list(m.state_dict()), seen)
""",
    """
m = Net()
m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: {})
m.state_dict()
""",
    """
m = Net()
m._register_state_dict_hook(lambda mod, sd, prefix, meta: {"only": T.zeros(1)})
r = list(m.state_dict())
""",
    """
m = Net()
h = m.register_state_dict_pre_hook(lambda *a: 1 / 0)
h.remove()
r = (list(m.state_dict())[:2], len(m._state_dict_pre_hooks))
""",
    # load_state_dict pre-hooks: a child renames its old keys
    """
m = Net(); sd = m.state_dict()
old = {k.replace("fc.", "dense."): v * 0 + 2 for k, v in sd.items()}
def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
    for k in list(sd):
        if k.startswith(prefix + "dense."):
            sd[k.replace("dense.", "fc.", 1)] = sd.pop(k)
m.register_load_state_dict_pre_hook(rename)
r = (m.load_state_dict(old), m.fc.bias)
""",
    """
m = Net(); seen = []
m.blocks.register_load_state_dict_pre_hook(
    lambda mod, sd, prefix, meta, strict, missing, unexpected, errors: seen.append(
        (prefix, sorted(sd), strict)))
m.load_state_dict(m.state_dict()); r = seen
""",
    """
m = Net()
m.fc.register_load_state_dict_pre_hook(
    lambda mod, sd, prefix, meta, strict, missing, unexpected, errors: errors.append("bad"))
m.load_state_dict(m.state_dict())
""",
    """
m = Net(); seen = []
m._register_load_state_dict_pre_hook(lambda sd, prefix, *rest: seen.append(prefix))
m.load_state_dict(m.state_dict()); r = seen
""",
    # load_state_dict post-hooks
    """
m = Net(); order = []
for name, mod in m.named_modules():
    mod.register_load_state_dict_post_hook(lambda mod, keys, name=name: order.append(name))
m.load_state_dict(m.state_dict()); r = order
""",
    """
m = Net(); sd = m.state_dict(); sd["stray"] = T.ones(1)
def forgive(mod, keys):
    keys.unexpected_keys.remove("stray")
m.register_load_state_dict_post_hook(forgive)
r = m.load_state_dict(sd)
""",
    """
m = Net(); sd = m.state_dict(); sd["stray"] = T.ones(1)
seen = []
m.fc.register_load_state_dict_post_hook(lambda mod, keys: seen.append(type(keys).__name__))
m.load_state_dict(sd)
""",
    """
m = Net()
m.register_load_state_dict_post_hook(lambda mod, keys: 1)
m.load_state_dict(m.state_dict())
""",
    # extra state
    """
m = Extra(); m.count = 5
sd = m.state_dict()
m2 = Extra(); r0 = m2.load_state_dict(sd)
r = (list(sd), sd["_extra_state"], m2.count, r0)
""",
    """
outer = nn.Sequential(nn.Linear(1, 1), Extra())
r = list(outer.state_dict())
""",
    """
m = Extra(); sd = m.state_dict(); del sd["_extra_state"]
m.load_state_dict(sd)
""",
    """
m = Extra(); sd = m.state_dict(); del sd["_extra_state"]
r = m.load_state_dict(sd, strict=False)
""",
    """
m = nn.Linear(1, 1); sd = m.state_dict(); sd["_extra_state"] = 3
r = m.load_state_dict(sd, strict=False)
""",
    "m = nn.Linear(1, 1); m.get_extra_state()",
    "m = nn.Linear(1, 1); m.set_extra_state(3)",
    # set_submodule
    "m = Net(); m.set_submodule('blocks.0', nn.ReLU()); r = m",
    "m = Net(); m.set_submodule('blocks.5', nn.ReLU()); r = list(m.blocks._modules)",
    "m = Net(); m.set_submodule('blocks.5', nn.ReLU(), strict=True)",
    "m = Net(); m.set_submodule('fc.weight', nn.ReLU())",
    "m = Net(); m.set_submodule('', nn.ReLU())",
    "m = Net(); m.set_submodule('fc', 3)",
    "m = Net(); m.set_submodule('nope.x', nn.ReLU())",
    # Module.type
    "m = Net(); r = (m.type(T.float64) is m, m.fc.weight.dtype,"
    " m.blocks[1].num_batches_tracked.dtype)",
    "m = Net(); m.type(T.int32)",
    # assignment over a registered parameter
    "m = nn.Linear(1, 1); m.weight = nn.ReLU()",
    "m = nn.Linear(1, 1); m.weight = None; r = list(m.state_dict())",
]


def _run(lib, code):
    return run_snippet(lib, PRELUDE + code, _norm)


@pytest.mark.parametrize("code", SNIPPETS, ids=range(len(SNIPPETS)))
def test_state_protocol_as_torch(code):
    want, got = _run(torch, code), _run(dg, code)
    if raised_alike(want, got):
        return
    assert got == want


def test_hook_handles_and_dicts():
    m = dg.nn.Linear(1, 1)
    handles = [
        m.register_state_dict_pre_hook(lambda *a: None),
        m.register_state_dict_post_hook(lambda *a: None),
        m.register_load_state_dict_pre_hook(lambda *a: None),
        m.register_load_state_dict_post_hook(lambda *a: None),
    ]
    dicts = (m._state_dict_pre_hooks, m._state_dict_hooks, m._load_state_dict_pre_hooks,
             m._load_state_dict_post_hooks)  # fmt: skip
    assert [len(d) for d in dicts] == [1, 1, 1, 1]
    for h in handles:
        h.remove()
    assert [len(d) for d in dicts] == [0, 0, 0, 0]
    hook = lambda *a: None  # noqa: E731
    m.register_state_dict_post_hook(hook)
    with pytest.raises(RuntimeError, match="Cannot register the same function"):
        m._register_state_dict_hook(hook)


OVERRIDE = """
class Old(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.scale = nn.Parameter(T.ones(1))
    def _load_from_state_dict(self, sd, prefix, meta, strict, missing, unexpected, errors):
        if prefix + "dense.weight" in sd:  # an old checkpoint's names
            sd[prefix + "fc.weight"] = sd.pop(prefix + "dense.weight")
            sd[prefix + "fc.bias"] = sd.pop(prefix + "dense.bias")
        super()._load_from_state_dict(sd, prefix, meta, strict, missing, unexpected, errors)

class Wrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Old()
        self.bn = nn.BatchNorm1d(2)
"""

OVERRIDE_SNIPPETS = [
    "w = Wrap(); sd = {k.replace('inner.fc', 'inner.dense'): v * 0 + 3"
    " for k, v in w.state_dict().items()}; r = (w.load_state_dict(sd), w.inner.fc.bias)",
    "w = Wrap(); sd = w.state_dict(); del sd['bn.running_mean']; sd['inner.extra'] = T.ones(1);"
    " sd['zzz'] = T.ones(1); r = w.load_state_dict(sd, strict=False)",
    "w = Wrap(); sd = w.state_dict(); del sd['bn.running_mean']; w.load_state_dict(sd)",
    "w = Wrap(); sd = w.state_dict(); sd['inner.scale'] = T.ones(3);"
    " w.load_state_dict(sd, strict=False)",
    "w = Wrap(); sd = w.state_dict(); sd['inner.scale'] = 3; w.load_state_dict(sd)",
    # PyTorch's walk loads what fits even when another key fails
    "w = Wrap(); sd = w.state_dict(); sd['inner.scale'] = T.ones(1) * 5;"
    " sd['inner.fc.bias'] = T.ones(7)\ntry:\n    w.load_state_dict(sd)\nexcept RuntimeError:\n"
    "    pass\nr = w.inner.scale",
    "w = Wrap(); sd = dict(w.state_dict()); del sd['bn.num_batches_tracked'];"
    " r = w.load_state_dict(sd)",
    "w = Wrap(); sd = w.state_dict(); del sd['bn.num_batches_tracked']; w.load_state_dict(sd)",
    "w = Wrap(); sd = {k: v.double() for k, v in w.state_dict().items()};"
    " w.load_state_dict(sd, assign=True);"
    " r = (w.inner.scale.dtype, w.bn.running_mean.dtype, type(w.inner.scale).__name__)",
    "w = Wrap(); seen = [];"
    " w.inner.register_load_state_dict_post_hook(lambda m, k: seen.append(list(k.missing_keys)));"
    " sd = w.state_dict(); del sd['bn.weight']; w.load_state_dict(sd, strict=False); r = seen",
    "w = Wrap(); seen = [];"
    " w.register_load_state_dict_pre_hook(lambda m, sd, p, *a: seen.append(p));"
    " w.inner.register_load_state_dict_pre_hook(lambda m, sd, p, *a: seen.append(sorted(sd)));"
    " w.load_state_dict(w.state_dict()); r = seen",
    "m = nn.Linear(2, 2); missing, unexpected, errors = [], [], [];"
    " m._load_from_state_dict({'p.weight': T.ones(2, 2), 'p.x': T.ones(1)}, 'p.', {}, True,"
    " missing, unexpected, errors); r = (missing, unexpected, errors, m.weight)",
    "m = nn.Linear(2, 2); missing, unexpected, errors = [], [], [];"
    " m._load_from_state_dict({}, '', {}, False, missing, unexpected, errors);"
    " r = (missing, unexpected)",
]


@pytest.mark.parametrize("code", OVERRIDE_SNIPPETS, ids=range(len(OVERRIDE_SNIPPETS)))
def test_an_overridden_load_from_state_dict_as_torch(code):
    """A class that overrides ``_load_from_state_dict`` (renaming an old checkpoint's keys,
    then ``super()``) is called as PyTorch calls it."""
    test_state_protocol_as_torch(OVERRIDE + code)


REGISTRATION_SNIPPETS = [
    "seen = []\nmm = T.nn.modules.module\n"
    "hs = [mm.register_module_buffer_registration_hook(lambda m, n, b: seen.append(('b', n))),"
    " mm.register_module_parameter_registration_hook(lambda m, n, p: seen.append(('p', n))),"
    " mm.register_module_module_registration_hook(lambda m, n, c: seen.append(('m', n)))]\n"
    "try:\n"
    "    s = nn.Sequential(nn.Linear(1, 1), nn.BatchNorm1d(1)); s.extra = nn.ReLU()\n"
    "    s.register_buffer('x', T.zeros(1)); s.x = T.ones(1); s.register_parameter('q', None)\n"
    "finally:\n"
    "    for h in hs:\n"
    "        h.remove()\n"
    "nn.Linear(1, 1)\n"
    "r = seen",
    "mm = T.nn.modules.module\n"
    "h = mm.register_module_buffer_registration_hook(lambda m, n, b: b * 0 + 7)\n"
    "try:\n"
    "    m = nn.Module(); m.register_buffer('x', T.zeros(2))\n"
    "finally:\n"
    "    h.remove()\n"
    "r = m.x",
    "mm = T.nn.modules.module\n"
    "h = mm.register_module_module_registration_hook("
    "lambda m, n, c: nn.Tanh() if isinstance(c, nn.ReLU) else None)\n"
    "try:\n"
    "    s = nn.Sequential(nn.ReLU(), nn.Linear(1, 1))\n"
    "finally:\n"
    "    h.remove()\n"
    "r = s",
]


@pytest.mark.parametrize("code", REGISTRATION_SNIPPETS, ids=range(len(REGISTRATION_SNIPPETS)))
def test_global_registration_hooks_as_torch(code):
    """``torch.nn.modules.module``'s buffer/parameter/module registration hooks: called with
    ``(module, name, value)`` at each registration, a non-None result registered instead."""
    test_state_protocol_as_torch(code)
