"""``Module.float``/``double``/``half`` and ``None`` entries of the module containers against
torch 2.13, snippet by snippet: the casts change floating parameters, buffers and gradients
only (complex and integer ones keep their dtype, unlike ``to(dtype)``), all of them and ``to``
through ``_apply`` (which a subclass overrides), and ``ModuleList`` /
``Sequential`` / ``ModuleDict`` take ``None`` as ``add_module`` does (listed, printed as
``None``, skipped by ``state_dict`` and ``named_modules``)."""

from __future__ import annotations

import warnings

import pytest

import deepgrad as dg

from ._as_torch import raised_alike, run_snippet

torch = pytest.importorskip("torch")

SNIPPETS = [
    "m = nn.Linear(2, 2).to(T.complex64); m.float(); r = (m.weight.dtype, m.double().bias.dtype,"
    " m.half().weight.dtype)",
    "m = nn.Linear(2, 2); m.register_buffer('c', T.zeros(2, dtype=T.complex64));"
    " m.register_buffer('i', T.zeros(2, dtype=T.int64)); m.double();"
    " r = (m.weight.dtype, m.c.dtype, m.i.dtype)",
    "m = nn.Linear(2, 2); m(T.ones(1, 2)).sum().backward(); m.double();"
    " r = (m.weight.grad.dtype, m.weight.dtype)",
    "m = nn.Linear(2, 2); m.half(); m.float(); r = (m.weight.dtype, m.float() is m)",
    "m = nn.ModuleList([nn.ReLU()]); m.append(None); r = (len(m), repr(m), list(m))",
    "m = nn.ModuleList([nn.ReLU(), None, None]);"
    " r = (repr(m), m[1], [n for n, _ in m.named_children()])",
    "m = nn.ModuleList([nn.ReLU()]); m.insert(0, None); r = (repr(m), list(m._modules))",
    "m = nn.ModuleList([nn.ReLU()]); m[0] = None; r = (repr(m), list(m._modules.items()))",
    "m = nn.ModuleList([nn.ReLU()]); m.extend([None, nn.Tanh()]); r = repr(m)",
    "m = nn.Sequential(nn.ReLU(), None); r = (len(m), repr(m), m[1])",
    "m = nn.Sequential(nn.ReLU(), None); m(T.ones(1))",
    "m = nn.ModuleDict({'a': None, 'b': nn.ReLU()});"
    " r = (list(m), m['a'], repr(m), list(m.values()))",
    "m = nn.ModuleList([nn.ReLU(), None]);"
    " r = (list(m.state_dict()), [n for n, _ in m.named_modules()])",
    "m = nn.ModuleList([nn.ReLU(), None]); del m[0]; r = (repr(m), m[::-1])",
    "m = nn.ModuleList([3])",
    # _apply: the hook every cast and move goes through (a subclass overriding it sees each)
    """
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.l = nn.Linear(2, 2); s.cache = T.zeros(2); s.calls = 0
    def _apply(s, fn, recurse=True):
        s.cache = fn(s.cache); s.calls += 1
        return super()._apply(fn, recurse)
m = M(); m.double(); m.float(); m.to(T.float64); m.half(); m.type(T.float32); m.cpu()
r = (m.calls, m.cache.dtype, m.l.weight.dtype)
""",
    """
m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
r = m._apply(lambda t: t * 0) is m
r = (r, m[0].weight, m[1].running_var, type(m[0].weight).__name__, m[0].weight.requires_grad)
""",
    "m = nn.Sequential(nn.Linear(2, 2)); seen = []; m._apply(lambda t: seen.append(t.shape) or t);"
    " r = seen",
    "m = nn.Sequential(nn.Linear(2, 2)); seen = [];"
    " m._apply(lambda t: seen.append(t.shape) or t, recurse=False); r = seen",
    "m = nn.Linear(2, 2); m(T.ones(1, 2)).sum().backward(); seen = [];"
    " m._apply(lambda t: seen.append(t.shape) or t); r = seen",
    "m = nn.Linear(2, 2); w = m.weight; m.double(); r = (w is m.weight, m.weight.dtype)",
]


def _norm(v, lib):
    if isinstance(v, lib.Tensor):
        return (type(v).__name__, tuple(v.shape), v.detach().numpy().tolist())
    if isinstance(v, lib.nn.Module):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return [_norm(x, lib) for x in v]
    if isinstance(v, (str, int, float, bool, type(None))):
        return v
    return str(v).removeprefix("torch.")


def _run(lib, code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_snippet(lib, code, _norm)


@pytest.mark.parametrize("code", SNIPPETS, ids=range(len(SNIPPETS)))
def test_casts_and_none_entries_as_torch(code):
    want, got = _run(torch, code), _run(dg, code)
    if raised_alike(want, got):
        return
    assert got == want


def test_bfloat16_is_refused_naming_the_dtype_to_use():
    """PyTorch casts to bfloat16; NumPy has none (README's deliberate differences), so the
    cast raises to(dg.bfloat16)'s TypeError rather than being missing."""
    assert torch.nn.Linear(1, 1).bfloat16().weight.dtype == torch.bfloat16
    with pytest.raises(TypeError, match="deepgrad has no bfloat16.*use float32"):
        dg.nn.Linear(1, 1).bfloat16()
    assert dg.nn.Module.dump_patches is torch.nn.Module.dump_patches is False
    assert dg.nn.Module.call_super_init is torch.nn.Module.call_super_init is False
