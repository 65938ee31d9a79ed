"""The PyTorch activations added after the first set (silu mish selu celu prelu relu6 hardtanh
hardsigmoid hardswish softsign logsigmoid tanhshrink softmin threshold): values and gradients
equal to PyTorch's in float64/float32 (at the kinks too), float64 gradient checks, double
backward, the nn modules, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

FAST = settings(max_examples=10, deadline=None)

# name -> (deepgrad function, torch function given the torch module, kinks)
ACTIVATIONS = {
    "silu": (F.silu, lambda t: t.nn.functional.silu, ()),
    "mish": (F.mish, lambda t: t.nn.functional.mish, ()),
    "selu": (F.selu, lambda t: t.nn.functional.selu, (0.0,)),
    "celu": (F.celu, lambda t: t.nn.functional.celu, (0.0,)),
    "celu_0.5": (
        lambda x: F.celu(x, 0.5),
        lambda t: lambda x: t.nn.functional.celu(x, 0.5),
        (0.0,),
    ),
    "relu6": (F.relu6, lambda t: t.nn.functional.relu6, (0.0, 6.0)),
    "hardtanh": (F.hardtanh, lambda t: t.nn.functional.hardtanh, (-1.0, 1.0)),
    "hardtanh_-2_0.5": (
        lambda x: F.hardtanh(x, -2.0, 0.5),
        lambda t: lambda x: t.nn.functional.hardtanh(x, -2.0, 0.5),
        (-2.0, 0.5),
    ),
    "hardsigmoid": (F.hardsigmoid, lambda t: t.nn.functional.hardsigmoid, (-3.0, 3.0)),
    "hardswish": (F.hardswish, lambda t: t.nn.functional.hardswish, (-3.0, 3.0)),
    "softsign": (F.softsign, lambda t: t.nn.functional.softsign, ()),
    "logsigmoid": (F.logsigmoid, lambda t: t.nn.functional.logsigmoid, ()),
    "tanhshrink": (F.tanhshrink, lambda t: t.nn.functional.tanhshrink, ()),
    "threshold": (
        lambda x: F.threshold(x, 0.5, -2.0),
        lambda t: lambda x: t.nn.functional.threshold(x, 0.5, -2.0),
        (0.5,),
    ),
    "prelu_shared": (
        lambda x: F.prelu(x, dg.tensor(np.array([0.3], dtype=x.dtype))),
        lambda t: lambda x: t.nn.functional.prelu(x, t.tensor([0.3], dtype=x.dtype)),
        (0.0,),
    ),
    "softmin": (lambda x: F.softmin(x, -1), lambda t: lambda x: t.nn.functional.softmin(x, -1), ()),
    "softmin_0": (
        lambda x: F.softmin(x, 0),
        lambda t: lambda x: t.nn.functional.softmin(x, 0),
        (),
    ),
}

# every kink of every function above, and a few ordinary values
EDGES = np.array([-6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 7.5])


def _inputs(rng, shape, dtype):
    """Random values with the edge values (kinks included) written into the first elements."""
    a = np.asarray(rng.standard_normal(shape) * 3)
    flat = a.reshape(-1)
    k = min(flat.size, EDGES.size)
    flat[:k] = EDGES[:k]
    return a.astype(dtype)


def _away_from(a, kinks, gap=1e-3):
    for k in kinks:
        a = np.where(np.abs(a - k) < gap, k + 0.1, a)
    return a


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (12,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_matches_torch_values_and_gradients(torch, rng, name, shape, dtype):
    """Values and gradients equal PyTorch's, at the kinks (0, ±3, 6, thresholds) included."""
    fn, tfn, kinks = ACTIVATIONS[name]
    tol = {"rtol": 1e-12, "atol": 1e-14} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    if name == "hardsigmoid" and dtype == np.float64:
        tol["rtol"] = 1e-7  # PyTorch's backward multiplies by 1.0f / 6.0f, a float32 constant
    a = _inputs(rng, shape, dtype)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = fn(x), tfn(torch)(t)
    assert y.dtype == dtype and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = np.asarray(rng.standard_normal(y.shape)).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@FAST
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_gradcheck(name, shape, seed):
    fn, _, kinks = ACTIVATIONS[name]
    a = _away_from(np.random.default_rng(seed).standard_normal(shape) * 3, kinks)
    assert dg.gradcheck(fn, dg.tensor(a, requires_grad=True))


SMOOTH = ["silu", "mish", "selu", "celu", "softsign", "logsigmoid", "tanhshrink", "softmin"]


@pytest.mark.parametrize("name", SMOOTH)
def test_double_backward_matches_torch(torch, rng, name):
    fn, tfn, kinks = ACTIVATIONS[name]
    a = _away_from(rng.standard_normal((3, 4)) * 2, kinks)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    v = rng.standard_normal((3, 4))
    (g,) = dg.grad((fn(x) * dg.tensor(v)).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((tfn(torch)(t) * torch.tensor(v)).sum(), t, create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_hardswish_second_derivative_is_one_third_inside():
    x = dg.tensor([-4.0, -1.0, 0.5, 4.0], requires_grad=True)
    (d1,) = dg.grad(F.hardswish(x).sum(), x, create_graph=True)
    (d2,) = dg.grad(d1.sum(), x)
    np.testing.assert_allclose(d2.numpy(), [0.0, 1 / 3, 1 / 3, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["silu", "mish", "logsigmoid", "softsign", "selu", "celu"])
def test_stable_at_plus_minus_1000(torch, name, dtype):
    fn, tfn, _ = ACTIVATIONS[name]
    a = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        x = dg.tensor(a, requires_grad=True)
        y = fn(x)
        y.backward(dg.ones_like(y))
    t = torch.tensor(a, requires_grad=True)
    ty = tfn(torch)(t)
    ty.backward(torch.ones_like(ty))
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_logsigmoid_exact_at_extremes():
    np.testing.assert_array_equal(F.logsigmoid(dg.tensor([-1000.0, 1000.0])).numpy(), [-1000, 0])


# ---- PReLU --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 5), (2, 3, 2, 2)])
@pytest.mark.parametrize("per_channel", [False, True])
def test_prelu_module_matches_torch(torch, rng, shape, per_channel):
    dg.set_default_dtype("float64")
    c = shape[1] if per_channel and len(shape) > 1 else 1
    m = nn.PReLU(c, init=0.1)
    tm = torch.nn.PReLU(c, init=0.1).double()
    w = rng.random(c) * 0.5
    m.weight.data[...] = w
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
    a = _inputs(rng, shape, np.float64)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = m(x), tm(t)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(shape)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-10)


def test_prelu_gradcheck_input_and_weight(rng):
    a = _away_from(rng.standard_normal((2, 3, 4)), (0.0,))
    x = dg.tensor(a, requires_grad=True)
    w = dg.tensor(rng.random(3), requires_grad=True)
    assert dg.gradcheck(F.prelu, x, w)
    ws = dg.tensor(np.array(0.2), requires_grad=True)  # a 0-d slope is shared too
    assert dg.gradcheck(F.prelu, x, ws)
    dg.set_default_dtype("float64")
    m = nn.PReLU(3)
    assert dg.gradcheck(lambda p: F.prelu(x, p), m.weight)


def test_prelu_module_defaults_and_state_dict():
    m = nn.PReLU()
    assert m.weight.shape == (1,) and float(m.weight.data[0]) == 0.25
    assert list(m.state_dict()) == ["weight"]
    assert repr(m) == "PReLU(num_parameters=1)"
    assert nn.PReLU(4, init=0.5).weight.numpy().tolist() == [0.5] * 4
    assert F.prelu(dg.tensor(-2.0), dg.tensor([0.5])).shape == ()


def test_prelu_errors():
    with pytest.raises(ValueError, match=r"expected weight with 1 or 4 elements .*got 3"):
        F.prelu(dg.ones(2, 4), dg.ones(3))
    with pytest.raises(ValueError, match=r"expected weight with 1 or 1 elements .*got 3"):
        F.prelu(dg.ones(5), dg.ones(3))
    with pytest.raises(ValueError, match="a 0-d input takes a single slope"):
        F.prelu(dg.tensor(1.0), dg.ones(2))
    with pytest.raises(ValueError, match=r"scalar or 1-D tensor, got shape \(2, 2\)"):
        F.prelu(dg.ones(2, 4), dg.ones(2, 2))
    with pytest.raises(TypeError, match="same dtype, got float64 and float32"):
        F.prelu(dg.ones(2, 4, dtype="float64"), dg.ones(4, dtype="float32"))
    with pytest.raises(ValueError, match="num_parameters must be positive, got 0"):
        nn.PReLU(0)
    with pytest.raises(ValueError, match=r"PReLU|prelu"):
        nn.PReLU(3)(dg.ones(2, 4))


# ---- modules ------------------------------------------------------------------------------
MODULES = [
    (lambda: nn.SiLU(), lambda t: t.nn.SiLU()),
    (lambda: nn.Mish(), lambda t: t.nn.Mish()),
    (lambda: nn.SELU(), lambda t: t.nn.SELU()),
    (lambda: nn.CELU(0.7), lambda t: t.nn.CELU(0.7)),
    (lambda: nn.ReLU6(), lambda t: t.nn.ReLU6()),
    (lambda: nn.Hardtanh(-0.5, 2.0), lambda t: t.nn.Hardtanh(-0.5, 2.0)),
    (lambda: nn.Hardsigmoid(), lambda t: t.nn.Hardsigmoid()),
    (lambda: nn.Hardswish(), lambda t: t.nn.Hardswish()),
    (lambda: nn.Softsign(), lambda t: t.nn.Softsign()),
    (lambda: nn.LogSigmoid(), lambda t: t.nn.LogSigmoid()),
    (lambda: nn.Tanhshrink(), lambda t: t.nn.Tanhshrink()),
    (lambda: nn.Softmin(1), lambda t: t.nn.Softmin(1)),
    (lambda: nn.Threshold(0.1, 20.0), lambda t: t.nn.Threshold(0.1, 20.0)),
    (lambda: nn.SiLU(), lambda t: t.nn.SiLU()),
]


@pytest.mark.parametrize("i", range(len(MODULES)))
def test_modules_match_torch_and_gradcheck(torch, rng, i):
    make, tmake = MODULES[i]
    a = rng.standard_normal((4, 5)) * 3
    m = make()
    assert list(m.parameters()) == []
    x = dg.tensor(a, requires_grad=True)
    np.testing.assert_allclose(
        m(x).numpy(), tmake(torch)(torch.tensor(a)).numpy(), rtol=1e-12, atol=1e-14
    )
    a2 = _away_from(a, (-0.5, 0.0, 0.1, 2.0, -3.0, 3.0, 6.0))
    assert dg.gradcheck(m, dg.tensor(a2, requires_grad=True))


def test_module_reprs_and_save_load_names():
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.CELU(0.5)) == "CELU(alpha=0.5)"
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    for name in ["SiLU", "Mish", "SELU", "CELU", "PReLU", "ReLU6", "Hardtanh", "Hardsigmoid"]:
        assert dg.io.get_class(name) is getattr(nn, name)
    for name in ["Hardswish", "Softsign", "LogSigmoid", "Tanhshrink", "Softmin", "Threshold"]:
        assert dg.io.get_class(name) is getattr(nn, name)


def test_saved_model_with_new_activations_round_trips(tmp_path, rng):
    model = nn.Sequential(
        nn.Linear(3, 4), nn.PReLU(), nn.Linear(4, 4), nn.Hardtanh(-2.0, 2.0), nn.Softmin(-1)
    )
    x = dg.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    path = tmp_path / "m.dg"
    model.save(str(path))
    loaded = dg.load_model(str(path))
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(dg.ones(2), 0.0)
    with pytest.raises(ValueError, match="CELU: alpha cannot be 0"):
        nn.CELU(0.0)
    with pytest.raises(ValueError, match=r"min_val \(2.0\) cannot be greater than max_val \(1.0\)"):
        F.hardtanh(dg.ones(2), 2.0, 1.0)
    np.testing.assert_array_equal(F.hardtanh(dg.tensor([0.0, 3.0]), 1.0, 1.0).numpy(), [1, 1])
    with pytest.raises(ValueError, match=r"max_val \(1.0\) must be greater than min_val \(1.0\)"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValueError, match="softmin: dim 2 is out of range"):
        F.softmin(dg.ones(2, 3), axis=2)


def test_relu6_is_a_hardtanh_as_torchs():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.ReLU6(), torch.nn.ReLU6()
    assert isinstance(ours, nn.Hardtanh)
    assert (ours.min_val, ours.max_val) == (theirs.min_val, theirs.max_val) == (0.0, 6.0)
    assert repr(ours) == repr(theirs) and repr(nn.ReLU6(True)) == repr(torch.nn.ReLU6(True))
    x = np.linspace(-3, 9, 13)
    np.testing.assert_array_equal(ours(dg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
