"""The nn.Module API against PyTorch's: traversal, registration, state dicts, modes."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _shared(lib):
    """A module with a sub-module registered twice and a parameter tied between two
    layers, plus a non-persistent buffer and None placeholders."""

    class Shared(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(2, 2)
            self.b = self.a
            self.c = lib.nn.Linear(2, 2)
            self.c.weight = self.a.weight
            self.register_buffer("buf", lib.zeros(2))
            self.register_buffer("np", lib.zeros(1), persistent=False)
            self.register_buffer("none", None)
            self.register_parameter("pnone", None)

    return Shared()


def _names(pairs):
    return [n for n, _ in pairs]


def _traversal(m):
    calls = []
    m.apply(lambda mod: calls.append(type(mod).__name__))
    return (
        _names(m.named_modules()),
        _names(m.named_modules(remove_duplicate=False)),
        _names(m.named_modules(prefix="p")),
        _names(m.named_children()),
        len(list(m.children())),
        len(list(m.modules())),
        _names(m.named_parameters()),
        _names(m.named_parameters(remove_duplicate=False)),
        _names(m.named_parameters(prefix="x", recurse=False)),
        len(list(m.parameters())),
        _names(m.named_buffers()),
        _names(m.named_buffers(recurse=False)),
        len(list(m.buffers(recurse=False))),
        list(m.state_dict()),
        list(m.state_dict(prefix="pre.")),
        [type(v).__name__ for v in m.state_dict(keep_vars=True).values()],
        calls,
    )


def test_traversal_of_shared_modules_and_tied_parameters_is_torchs(torch):
    """A child registered twice is one child (``children``, ``apply``) but both its names
    are in ``state_dict``; ``remove_duplicate``/``recurse``/``prefix``/``keep_vars`` as
    PyTorch's."""
    assert _traversal(_shared(dg)) == _traversal(_shared(torch))


def test_a_shared_module_state_dict_round_trips(torch):
    m = _shared(dg)
    res = m.load_state_dict(m.state_dict())
    assert repr(res) == repr(_shared(torch).load_state_dict(_shared(torch).state_dict()))
    sd = _shared(torch).state_dict()
    m.load_state_dict(sd)  # the torch keys include b.weight, b.bias


def test_state_dict_destination_and_keep_vars_give_the_tensors():
    m = dg.nn.Linear(2, 3)
    dest = {}
    out = m.state_dict(destination=dest, prefix="fc.", keep_vars=True)
    assert out is dest and out["fc.weight"] is m.weight and out["fc.bias"] is m.bias


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda lib, m: m.register_buffer("a.b", lib.zeros(1)), KeyError),
        (lambda lib, m: m.register_buffer("", lib.zeros(1)), KeyError),
        (lambda lib, m: m.register_buffer("forward", lib.zeros(1)), KeyError),
        (lambda lib, m: m.register_buffer("weight", lib.zeros(1)), KeyError),
        (lambda lib, m: m.register_buffer("x", 3), TypeError),
        (lambda lib, m: m.register_buffer(3, lib.zeros(1)), TypeError),
        (lambda lib, m: m.register_parameter("a.b", lib.nn.Parameter(lib.zeros(1))), KeyError),
        (lambda lib, m: m.register_parameter("", None), KeyError),
        (lambda lib, m: m.register_parameter("forward", None), KeyError),
        (lambda lib, m: m.register_parameter("x", lib.zeros(1)), TypeError),
        (lambda lib, m: m.add_module("a.b", lib.nn.ReLU()), KeyError),
        (lambda lib, m: m.add_module("", lib.nn.ReLU()), KeyError),
        (lambda lib, m: m.add_module("weight", lib.nn.ReLU()), KeyError),
        (lambda lib, m: m.register_module("forward", lib.nn.ReLU()), KeyError),
        (lambda lib, m: m.add_module(1, lib.nn.ReLU()), TypeError),
    ],
)
def test_registration_names_are_checked_as_torch(torch, call, exc):
    """A dotted, empty or taken name (and a value of the wrong kind) is refused, as in
    PyTorch; deepgrad registered them silently (a plain tensor given to
    ``register_parameter`` became an attribute that was not a parameter)."""
    for lib in (torch, dg):
        with pytest.raises(exc):
            call(lib, lib.nn.Linear(2, 2))


def test_register_module_and_none_placeholders(torch):
    for lib in (torch, dg):
        m = lib.nn.Linear(2, 2)
        m.register_module("r", lib.nn.ReLU())
        m.register_parameter("extra", None)
        m.register_buffer("b", None)
        m.register_buffer("b", lib.ones(1))  # re-registering a buffer's own name is fine
        assert m.extra is None and list(m._modules) == ["r"]
        assert list(m.state_dict()) == ["weight", "bias", "b"]


def test_get_buffer(torch):
    for lib in (torch, dg):
        m = lib.nn.Sequential(lib.nn.BatchNorm1d(3))
        assert tuple(m.get_buffer("0.running_mean").shape) == (3,)
        for bad in ("0.foo", "0.weight", "1.running_mean"):
            with pytest.raises(AttributeError):
                m.get_buffer(bad)


def test_load_state_dict_collects_every_problem_in_one_runtime_error(torch):
    m, tm = dg.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    bad = {"weight": np.zeros((3, 3), np.float32), "x": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError, match=r"(?s)Missing.*bias.*Unexpected.*x.*size mismatch"):
        tm.load_state_dict({k: torch.tensor(v) for k, v in bad.items()})
    with pytest.raises(
        RuntimeError,
        match=r"missing keys \['bias'\], unexpected keys \['x'\]; 'weight' has shape \(3, 3\)",
    ):
        m.load_state_dict(bad)
    # a shape mismatch is an error with strict=False too, and every mismatch is named
    two = {"weight": np.zeros((3, 3), np.float32), "bias": np.zeros(5, np.float32)}
    with pytest.raises(RuntimeError, match=r"size mismatch for weight.*\n.*size mismatch for bias"):
        tm.load_state_dict({k: torch.tensor(v) for k, v in two.items()}, strict=False)
    before = m.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"'weight' has shape.*; 'bias' has shape \(5,\)"):
        m.load_state_dict(two, strict=False)
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)  # nothing was loaded


def test_load_state_dict_returns_torchs_named_tuple(torch):
    sd = {"weight": np.zeros((2, 3), np.float32), "x": np.zeros(1, np.float32)}
    res = dg.nn.Linear(3, 2).load_state_dict(sd, strict=False)
    tres = torch.nn.Linear(3, 2).load_state_dict(
        {k: torch.tensor(v) for k, v in sd.items()}, strict=False
    )
    assert type(res).__name__ == type(tres).__name__ == "_IncompatibleKeys"
    assert (
        repr(res)
        == repr(tres)
        == ("_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['x'])")
    )


def test_load_state_dict_assign_takes_the_tensors(torch):
    """``assign=True`` (refused as an unknown keyword before): the module's parameters become
    the given tensors, with their dtype, keeping ``requires_grad``; buffers too."""
    for lib in (torch, dg):
        lin = lib.nn.Linear(2, 2)
        lin.weight.requires_grad_(False)
        w = lib.ones(2, 2, dtype=lib.float64)
        lin.load_state_dict({"weight": w, "bias": lib.ones(2)}, assign=True)
        assert type(lin.weight) is lib.nn.Parameter and lin.weight.dtype == lib.float64
        assert not lin.weight.requires_grad and lin.bias.requires_grad
        assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
        with lib.no_grad():
            w.fill_(3.0)
        assert float(lin.weight.detach().sum()) == 12.0  # the same memory
        bn = lib.nn.BatchNorm1d(2)
        bn.load_state_dict(
            {k: lib.tensor(np.asarray(v)) for k, v in bn.state_dict().items()}, assign=True
        )
        assert [(n, type(b).__name__) for n, b in bn.named_buffers()] == [
            ("running_mean", "Tensor"), ("running_var", "Tensor"), ("num_batches_tracked", "Tensor")
        ]  # fmt: skip


def _frozen_bn(lib):
    class Frozen(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = lib.nn.BatchNorm1d(2)

        def train(self, mode=True):
            super().train(mode)
            self.bn.eval()
            return self

    return Frozen


def test_train_calls_each_childs_own_train(torch):
    """PyTorch's ``train`` recurses through each child's ``train``, so an override (keeping
    a frozen batch norm in eval mode) holds when the parent is switched; deepgrad set the
    flag on every descendant directly, bypassing the override."""
    for lib in (torch, dg):
        Frozen = _frozen_bn(lib)
        outer = lib.nn.Sequential(Frozen())
        outer.train()
        assert outer.training and outer[0].training and not outer[0].bn.training
        with pytest.raises(ValueError, match="boolean"):
            outer.train("no")


def test_to_dtype_casts_gradients_refuses_integer_dtypes_and_half(torch):
    """``to(float64)`` kept no gradient (PyTorch casts it too); ``to(int64)`` was a silent
    no-op where PyTorch raises; ``half()`` was missing; integer buffers stay integer."""
    for lib in (torch, dg):
        m = lib.nn.Sequential(lib.nn.Linear(2, 1), lib.nn.BatchNorm1d(1))
        m(lib.ones(3, 2)).sum().backward()
        m.double()
        assert m[0].weight.grad is not None and m[0].weight.grad.dtype == lib.float64
        m.half()
        assert m[0].weight.dtype == lib.float16 and m[1].num_batches_tracked.dtype == lib.int64
        m.float()
        assert m[1].running_var.dtype == lib.float32
        with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
            m.to(lib.int64)


def test_zero_grad_without_set_to_none_zeroes_the_same_gradient(torch):
    for lib in (torch, dg):
        m = lib.nn.Linear(2, 1)
        m(lib.ones(1, 2)).sum().backward()
        g = m.weight.grad
        m.zero_grad(set_to_none=False)
        assert m.weight.grad is g and float(g.abs().sum()) == 0.0
        m.zero_grad()
        assert m.weight.grad is None


def test_assigning_a_non_tensor_to_a_buffer_is_refused(torch):
    for lib in (torch, dg):
        with pytest.raises(TypeError, match="as buffer 'running_mean'"):
            lib.nn.BatchNorm1d(3).running_mean = 3


def test_registries_are_what_attributes_read_as_torch(torch):
    """Writing into `m._parameters` (and `_buffers`, `_modules`) is what the attribute reads,
    as PyTorch's `__getattr__` gives; deleting an entry removes the attribute."""
    for lib in (dg, torch):
        m = lib.nn.Linear(2, 3)
        p = lib.nn.Parameter(lib.ones(3, 2))
        m._parameters["weight"] = p
        assert m.weight is p
        m.register_buffer("b", lib.zeros(2))
        t = lib.ones(2)
        m._buffers["b"] = t
        assert m.b is t
        seq = lib.nn.Sequential(lib.nn.ReLU())
        seq._modules["0"] = m
        assert seq[0] is m and getattr(seq, "0") is m
        del m._parameters["bias"]
        assert not hasattr(m, "bias")
        assert m._parameters.pop("weight") is p and not hasattr(m, "weight")
        del m.b
        assert "b" not in m._buffers and not hasattr(m, "b")
        with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
            _ = m.nope


def test_a_copied_or_unpickled_module_keeps_its_registries_bound_to_itself():
    import copy
    import pickle

    m = dg.nn.Sequential(dg.nn.Linear(2, 3))
    for other in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        q = dg.nn.Parameter(dg.zeros(3, 2))
        other[0]._parameters["weight"] = q
        assert other[0].weight is q and m[0].weight is not q
        assert other.state_dict()["0.weight"] is not None
