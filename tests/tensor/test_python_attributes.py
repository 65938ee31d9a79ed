"""A program's own attributes on tensors and parameters (``p.no_decay = True``), as PyTorch's
tensors take them: kept by deepcopy, pickle and ``module.to``; not by views, ``clone``,
``detach``, results of operations or ``state_dict`` (PyTorch's behaviour in each case)."""

from __future__ import annotations

import copy
import pickle

import pytest

import deepgrad as dg
from deepgrad import nn


def _both(torch):
    t = torch.randn(2, 3, requires_grad=True)
    d = dg.randn(2, 3, requires_grad=True)
    for x in (t, d):
        x.foo = "bar"
        x.tags = [1, 2]
    return t, d


def test_set_read_and_dict(torch):
    t, d = _both(torch)
    assert d.foo == t.foo == "bar" and d.__dict__ == t.__dict__ == {"foo": "bar", "tags": [1, 2]}
    del d.foo
    del t.foo
    for x in (t, d):
        with pytest.raises(AttributeError):
            x.foo  # noqa: B018
    assert "_data" not in dg.ones(1).__dict__ and dg.ones(1).__dict__ == {}


@pytest.mark.parametrize(
    "how", ["deepcopy", "pickle", "clone", "detach", "view", "op", "parameter"]
)
def test_what_keeps_them(torch, how):
    t, d = _both(torch)
    (t * 2).sum().backward()
    (d * 2).sum().backward()
    make = {
        "deepcopy": copy.deepcopy,
        "pickle": lambda x: pickle.loads(pickle.dumps(x)),
        "clone": lambda x: x.clone(),
        "detach": lambda x: x.detach(),
        "view": lambda x: x[0:],
        "op": lambda x: x + 1,
        "parameter": lambda x: (torch.nn.Parameter if x is t else nn.Parameter)(x.detach()),
    }[how]
    assert hasattr(make(d), "foo") == hasattr(make(t), "foo")
    if how == "deepcopy":
        c = copy.deepcopy(d)
        assert c.tags == [1, 2] and c.tags is not d.tags and c.grad is not None


def test_parameter_attributes_through_module_to_and_state_dict(torch):
    m, mt = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    for x in (m, mt):
        x.weight.no_decay = True
    m.to(dg.float64)
    mt.to(torch.float64)
    assert m.weight.no_decay and mt.weight.no_decay
    assert hasattr(m.state_dict()["weight"], "no_decay") == hasattr(
        mt.state_dict()["weight"], "no_decay"
    )
    assert copy.deepcopy(m).weight.no_decay
    decay = [p for p in m.parameters() if not getattr(p, "no_decay", False)]
    assert decay == [m.bias]
