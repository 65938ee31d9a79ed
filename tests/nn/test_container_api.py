"""Containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict) and module
reprs against PyTorch's."""

from __future__ import annotations

from collections import OrderedDict

import pytest

import deepgrad as dg


def _kinds(m):
    return [n for n, _ in m.named_children()], [type(x).__name__ for x in m]


def _module_list_ops(lib):
    nn = lib.nn
    ml = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
    out = [type(ml[-1]).__name__, _kinds(ml[1:])]
    ml[1] = nn.Tanh()
    ml[-1] = nn.Sigmoid()
    out.append(_kinds(ml))
    ml.insert(0, nn.ELU())
    ml.insert(4, nn.GELU())
    out.append(_kinds(ml))
    out.append((type(ml.pop(1)).__name__, _kinds(ml)))
    del ml[0]
    out.append(_kinds(ml))
    del ml[0:2]
    out.append(_kinds(ml))
    ml += [nn.ReLU()]
    out.append(_kinds(ml))
    out.append(_kinds(ml + nn.ModuleList([nn.Tanh()])))
    out.append("0" in dir(ml))
    for bad, exc in ((lambda: ml[5], IndexError), (lambda: ml.extend(nn.ReLU()), TypeError)):
        with pytest.raises(exc):
            bad()
    return out


def test_module_list_operations_are_torchs(torch):
    """``ModuleList`` had no ``__setitem__``, ``insert``, ``pop``, ``__delitem__``,
    ``__iadd__`` or ``+``; deleting renumbers the rest, as PyTorch's."""
    assert _module_list_ops(dg) == _module_list_ops(torch)


def test_module_list_insert_refuses_a_negative_index(torch):
    # PyTorch's insert(-1, m) fails with KeyError('-1') halfway through shifting the list
    ml = dg.nn.ModuleList([dg.nn.ReLU()])
    with pytest.raises(IndexError, match="out of range for 1 modules"):
        ml.insert(-1, dg.nn.Tanh())
    assert _kinds(ml) == (["0"], ["ReLU"])


def _module_dict_ops(lib):
    nn = lib.nn
    out = [list(nn.ModuleDict([("x", nn.ReLU()), ("y", nn.Tanh())]))]
    md = nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.ReLU()})
    md.update({"c": nn.Tanh()})
    md.update([("d", nn.Tanh()), ("b", nn.Sigmoid())])
    md.update(OrderedDict([("e", nn.ELU())]))
    out.append([(k, type(v).__name__) for k, v in md.items()])
    out.append((type(md.pop("a")).__name__, list(md)))
    del md["c"]
    out.append((list(md.keys()), "d" in md, "c" in md))
    for bad, exc in (
        (lambda: md.update(3), TypeError),
        (lambda: md.update([("a", nn.ReLU(), 1)]), ValueError),
        (lambda: md["zz"], KeyError),
    ):
        with pytest.raises(exc):
            bad()
    md.clear()
    out.append((len(md), list(md.state_dict())))
    return out


def test_module_dict_operations_are_torchs(torch):
    """``ModuleDict`` took no list of pairs (AttributeError) and had no ``update``, ``pop``,
    ``__delitem__`` or ``clear``."""
    assert _module_dict_ops(dg) == _module_dict_ops(torch)


def _sequential_ops(lib):
    nn = lib.nn
    s = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    out = [_kinds(s[1:]), type(s[-1]).__name__]
    s.append(nn.Tanh()).insert(1, nn.Sigmoid()).extend([nn.ELU()])
    s.insert(-1, nn.GELU())
    out.append(_kinds(s))
    out.append((type(s.pop(1)).__name__, _kinds(s)))
    del s[0]
    out.append(_kinds(s))
    out.append(_kinds(s + nn.Sequential(nn.ReLU())))
    out.append((_kinds(s * 2), (s * 2)[0] is s[0], _kinds(2 * s)))
    s += nn.Sequential(nn.ReLU())
    out.append(_kinds(s))
    s *= 2
    out.append(_kinds(s))
    named = nn.Sequential(
        OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU()), ("o", nn.Tanh())])
    )
    with pytest.raises(KeyError):  # PyTorch's insert fails on named layers
        named.insert(1, nn.ELU())
    del named[0]  # PyTorch renumbers named layers too
    out.append((_kinds(named), hasattr(named, "act")))
    for bad, exc in (
        (lambda: s * 0, ValueError),
        (lambda: s * 1.5, TypeError),
        (lambda: s + nn.ReLU(), ValueError),
        (lambda: s[100], IndexError),
        (lambda: s.insert(100, nn.ReLU()), IndexError),
    ):
        with pytest.raises(exc):
            bad()
    return out


def test_sequential_operations_are_torchs(torch):
    """``Sequential`` had no ``insert``, ``extend``, ``pop``, ``__delitem__``, ``+``, ``*``,
    ``+=`` or ``*=``."""
    assert _sequential_ops(dg) == _sequential_ops(torch)


def _parameter_containers(lib):
    nn = lib.nn
    pl = nn.ParameterList([nn.Parameter(lib.zeros(2)), nn.Parameter(lib.ones(3))])
    pl += [lib.zeros(1)]
    out = [len(pl), tuple(pl[-1].shape), type(pl[-1]).__name__, len(pl[1:])]
    pd = nn.ParameterDict({"b": nn.Parameter(lib.zeros(2)), "a": lib.ones(1)})
    out.append(list(pd))  # a plain dict is taken in sorted order, as PyTorch's
    pd.update([("d", lib.zeros(1)), ("c", lib.zeros(1))])
    out.append(list(pd))
    out.append((tuple(pd.pop("a").shape), list(pd), pd.get("zz", 7)))
    del pd["b"]
    out.append((list(pd), list(pd.state_dict())))
    pd.setdefault("e", lib.zeros(2))
    out.append([n for n, _ in pd.named_parameters()])
    return out


def test_parameter_list_and_dict_operations_are_torchs(torch):
    """``ParameterDict({...})`` kept a plain dict's order where PyTorch sorts its keys (so
    ``parameters()`` and ``state_dict()`` came in another order); ``update``, ``pop``,
    ``get``, ``setdefault``, ``__delitem__`` and ``ParameterList +=`` were missing."""
    assert _parameter_containers(dg) == _parameter_containers(torch)


def _tree(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.act = nn.ReLU(inplace=True)

        def extra_repr(self):
            return "custom=1"

    class Multi(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    return nn.Sequential(OrderedDict([
        ("block", Block()),
        ("blocks", nn.ModuleList([nn.Linear(4, 4) for _ in range(3)]
                                 + [nn.ReLU(), nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))])),
        ("heads", nn.ModuleDict({"cls": nn.Linear(4, 2),
                                 "reg": nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 2)))})),
        ("multi", Multi()), ("empty", nn.ModuleList()), ("gelu", nn.GELU()),
        ("lrelu", nn.LeakyReLU(0.2, inplace=True)), ("rnn", nn.RNN(4, 8, nonlinearity="relu")),
        ("loss", nn.CrossEntropyLoss(label_smoothing=0.1)), ("ap", nn.AvgPool1d(2)),
        ("up", nn.Upsample(scale_factor=2)), ("unpool", nn.MaxUnpool2d(2)),
        ("hardtanh", nn.Hardtanh(inplace=True)), ("silu", nn.SiLU(inplace=True)),
    ]))  # fmt: skip


def test_repr_of_nested_containers_is_torchs_text(torch):
    """PyTorch's layout: a module with children or a multi-line ``extra_repr`` puts each
    extra line on a line of its own; a ModuleList folds equal neighbours into ``(0-2): 3 x``;
    ``inplace=True``, GELU's ``approximate``, float scale factors and tuple pool sizes are
    shown, a loss shows no ``reduction``, an RNN no ``nonlinearity``."""
    assert repr(_tree(dg)) == repr(_tree(torch))


def test_parameter_container_reprs_follow_torchs_layout(torch):
    def reprs(lib):
        ps = [lib.nn.Parameter(lib.zeros(2, 3)), lib.nn.Parameter(lib.ones(3))]
        return repr(lib.nn.ParameterList(ps)), repr(lib.nn.ParameterDict({"w": ps[0]}))

    ours, theirs = reprs(dg), reprs(torch)
    # the same text but for dtype names (README: dtypes)
    assert ours[0] == theirs[0].replace("torch.float32", "float32")
    assert ours[1] == theirs[1].replace("torch.FloatTensor", "deepgrad.FloatTensor")
