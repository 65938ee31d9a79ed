"""``nn.ParameterList`` / ``nn.ParameterDict`` against torch 2.13, snippet by snippet: entries
that are not tensors (``None``, numbers, strings) kept as they are and not registered, the
``Object of type`` lines of their repr, a call refused with ``RuntimeError``, a missing key's
``AttributeError``, and the dict methods (``copy``, ``fromkeys``, ``popitem``, ``|``, ``|=``,
``reversed``)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import deepgrad as dg

from ._as_torch import raised_alike, run_snippet

torch = pytest.importorskip("torch")


def _norm(v, lib):
    if isinstance(v, lib.Tensor):
        return ("tensor", type(v).__name__, tuple(v.shape), v.detach().numpy().tolist())
    if isinstance(v, lib.nn.Module):
        return ("module", type(v).__name__, [_norm(x, lib) for x in _entries(v)])
    if isinstance(v, (list, tuple)):
        return [_norm(x, lib) for x in v]
    return v


def _entries(m):
    return list(m.items()) if hasattr(m, "items") else list(m)


SNIPPETS = [
    "p = nn.ParameterList([T.ones(2), 3, 'x', None]); r = (p[1], p[2], p[3], len(p), "
    "[n for n, _ in p.named_parameters()])",
    "p = nn.ParameterList([T.ones(2), 3]); r = p.extra_repr().splitlines()[1]",
    "p = nn.ParameterList([T.ones(2)]); p.append(None); p[0] = 5;"
    " r = (list(p), list(p.state_dict()))",
    "p = nn.ParameterList([T.ones(2), 1, T.zeros(3)]); r = (p[1:], p[::-1])",
    "p = nn.ParameterList([T.ones(2)]); p(T.ones(1))",
    "p = nn.ParameterList([T.ones(2)]); r = p[3]",
    "d = nn.ParameterDict({'b': 3, 'a': T.ones(1)}); r = (list(d), d['b'], list(d.state_dict()))",
    "d = nn.ParameterDict({'a': None}); r = (d['a'], d.extra_repr())",
    "d = nn.ParameterDict({'a': T.ones(1)}); r = d['z']",
    "d = nn.ParameterDict({'a': T.ones(1)}); r = d.pop('z')",
    "d = nn.ParameterDict({'a': T.ones(1)}); r = d[0]",
    "d = nn.ParameterDict({'a': T.ones(1)}); d(T.ones(1))",
    "d = nn.ParameterDict({'a': T.ones(1), 'b': 2}); r = (d.copy(), d.copy()['a'] is d['a'])",
    "d = nn.ParameterDict(); r = d.fromkeys(['x', 'y'], 3)",
    "d = nn.ParameterDict({'a': T.ones(1), 'b': T.zeros(2)}); r = (d.popitem(), list(d))",
    "d = nn.ParameterDict(); r = d.popitem()",
    "d = nn.ParameterDict({'a': T.ones(1)}); r = d | nn.ParameterDict({'b': T.zeros(1)})",
    "d = nn.ParameterDict({'a': T.ones(1)}); d |= {'c': T.zeros(1), 'b': 1}; r = list(d)",
    "d = nn.ParameterDict({'a': T.ones(1), 'b': 2}); r = list(reversed(d))",
    "d = nn.ParameterDict({'a': T.ones(1)}); del d['a']; r = (len(d), list(d.state_dict()))",
    "d = nn.ParameterDict({'a': T.ones(1)}); d['a'] = 7; r = (d['a'], list(d.state_dict()))",
    "d = nn.ParameterDict({'a': T.ones(1)}); r = (d.get('a').shape[0], d.get('z', 4), 'a' in d)",
]


def _run(lib, code):
    return run_snippet(lib, code, _norm, required=True)


@pytest.mark.parametrize("code", SNIPPETS)
def test_parameter_containers_as_torch(code):
    want, got = _run(torch, code), _run(dg, code)
    if raised_alike(want, got):
        return
    assert got == want


def test_containers_copy_and_pickle_with_their_plain_entries():
    p = dg.nn.ParameterList([dg.ones(2), 3])
    d = dg.nn.ParameterDict({"a": dg.ones(1), "b": "x"})
    for c in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert len(c) == 2 and c[1] == 3 and np.array_equal(c[0].numpy(), [1.0, 1.0])
    for c in (copy.deepcopy(d), pickle.loads(pickle.dumps(d))):
        assert list(c) == ["a", "b"] and c["b"] == "x"
        assert [n for n, _ in c.named_parameters()] == ["a"]
