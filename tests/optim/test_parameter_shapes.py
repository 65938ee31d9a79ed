"""Every optimizer against PyTorch 2.13 on parameters of shape ``()``, ``(1,)`` and ``(3, 4)``.

A 0-d parameter's gradient from ``backward`` is a NumPy scalar, and NumPy ufuncs on 0-d arrays
return scalars: an update written ``buf *= momentum`` then rebinds a name instead of writing the
state (SGD with momentum on a scalar ended at -0.056 where torch ends at -0.182). The
optimizers' template (``Optimizer._grad``/``_signed_grad``) gives every rule arrays of the
parameter's shape; these tests run each rule and its variants (momentum, Nesterov, weight
decay, AMSGrad, centred, decoupled decay, maximize) over several steps, with gradients from
``backward``, a parameter alone and all three shapes in one group (the fused update), and in a
group whose dtypes differ (the one-by-one update).
"""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")

SHAPES = [(), (1,), (3, 4)]


@pytest.fixture(autouse=True)
def _torch_scalars_in_float64():
    """torch keeps some scalar state (NAdam's mu_product, ASGD's eta and mu) in its default
    dtype; float64 makes its float64 runs comparable to 1e-9."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    dg.set_default_dtype(dg.float64)  # deepgrad's scalar state follows it too (restored after)
    yield
    torch.set_default_dtype(old)


STEPS = 8

# (deepgrad class, kwargs, torch class, torch kwargs or None for the same)
CASES = [
    ("SGD", {"lr": 0.1}, "SGD", None),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "SGD", None),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}, "SGD", None),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}, "SGD", None),
    ("Momentum", {"lr": 0.1, "momentum": 0.9}, "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}, "Adagrad", None),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "maximize": True}, "Adagrad", None),
    ("RMSprop", {"lr": 0.01}, "RMSprop", None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8, "centered": True}, "RMSprop", None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8, "weight_decay": 0.1}, "RMSprop", None),
    ("Adam", {"lr": 0.05}, "Adam", None),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}, "Adam", None),
    ("Adam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}, "Adam", None),
    ("Adam", {"lr": 0.05, "maximize": True}, "Adam", None),
    ("AdamW", {"lr": 0.05}, "AdamW", None),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.3}, "AdamW", None),
    ("NAdam", {"lr": 0.05}, "NAdam", None),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, "NAdam", None),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}, "NAdam", None),
    ("Adadelta", {}, "Adadelta", None),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1, "maximize": True}, "Adadelta", None),
    ("Adamax", {"lr": 0.05}, "Adamax", None),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1}, "Adamax", None),
    ("RAdam", {"lr": 0.05}, "RAdam", None),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, "RAdam", None),
    ("Rprop", {"lr": 0.05}, "Rprop", None),
    ("Rprop", {"lr": 0.05, "maximize": True}, "Rprop", None),
    ("ASGD", {"lr": 0.05, "t0": 2}, "ASGD", None),
    ("ASGD", {"lr": 0.05, "t0": 2, "weight_decay": 0.1, "lambd": 0.01}, "ASGD", None),
]
IDS = [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for c, kw, _, _ in CASES]


def _init(shape, offset=0.0):
    n = int(np.prod(shape))
    return (np.linspace(-1.2, 0.9, n) + 0.35 + offset).reshape(shape)


def _loss(ps):
    """A bounded loss whose gradient changes sign and size over the steps: Σ ½p² + 0.3 sin 3p."""
    return sum(((p * p) * 0.5 + (p * 3).sin() * 0.3).sum() for p in ps)


def _run(name, kwargs, torch_name, torch_kwargs, arrays, groups_of):
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(optim, name)(groups_of(ours), **kwargs)
    topt = getattr(torch.optim, torch_name)(groups_of(theirs), **(torch_kwargs or kwargs))
    for _ in range(STEPS):
        opt.zero_grad()
        _loss(ours).backward()
        opt.step()
        topt.zero_grad()
        _loss(theirs).backward()
        topt.step()
    for p, q in zip(ours, theirs, strict=True):
        assert p.shape == tuple(q.shape) and p.dtype == np.dtype(str(q.dtype).split(".")[1])
        np.testing.assert_allclose(np.asarray(p.data), q.detach().numpy(), rtol=1e-9, atol=1e-10)
    return opt, topt


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(("name", "kwargs", "torch_name", "torch_kwargs"), CASES, ids=IDS)
def test_one_parameter_matches_torch(name, kwargs, torch_name, torch_kwargs, shape):
    opt, topt = _run(name, kwargs, torch_name, torch_kwargs, [_init(shape)], lambda ps: ps)
    # the state holds what PyTorch's holds: tensors (the parameter's shape and dtype; ``step``
    # and ASGD's ``eta``/``mu`` 0-d float32 ones) where PyTorch keeps tensors, numbers where
    # it keeps numbers
    (p,), (q,) = opt.param_groups[0]["params"], topt.param_groups[0]["params"]
    st, tst = opt.state.get(p, {}), topt.state.get(q, {})
    assert set(st) == set(tst) or name == "Momentum"  # Keras's "velocity"
    for k in set(st) & set(tst):
        v, tv = st[k], tst[k]
        assert isinstance(v, dg.Tensor) == torch.is_tensor(tv), k
        if torch.is_tensor(tv):
            assert v.shape == tuple(tv.shape), k
            assert str(v.dtype) == str(tv.dtype).removeprefix("torch."), k


@pytest.mark.parametrize(("name", "kwargs", "torch_name", "torch_kwargs"), CASES, ids=IDS)
def test_all_shapes_in_one_group_match_torch(name, kwargs, torch_name, torch_kwargs):
    arrays = [_init(s, 0.1 * i) for i, s in enumerate(SHAPES)]
    _run(name, kwargs, torch_name, torch_kwargs, arrays, lambda ps: ps)


@pytest.mark.parametrize(("name", "kwargs", "torch_name", "torch_kwargs"), CASES, ids=IDS)
def test_mixed_dtypes_in_one_group_match_torch(name, kwargs, torch_name, torch_kwargs):
    arrays = [_init(s, 0.1 * i) for i, s in enumerate(SHAPES)]
    arrays[1] = arrays[1].astype(np.float32)  # one float32 parameter: updated one by one
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, torch_name)(theirs, **(torch_kwargs or kwargs))
    for _ in range(STEPS):
        for o, ps in ((opt, ours), (topt, theirs)):
            o.zero_grad()
            for p in ps:  # one loss per parameter: no mixed-dtype arithmetic
                _loss([p]).backward()
            o.step()
    for p, q in zip(ours, theirs, strict=True):
        assert p.dtype == np.dtype(str(q.dtype).split(".")[1])
        tol = 1e-5 if p.dtype == np.float32 else 1e-9
        np.testing.assert_allclose(np.asarray(p.data), q.detach().numpy(), rtol=tol, atol=tol)


def test_sgd_momentum_on_a_scalar_ends_where_torch_ends():
    """The issue's case: SGD(momentum=0.9) on a 0-d parameter (a float32 model's)."""
    w = dg.tensor(1.0, requires_grad=True)
    q = torch.tensor(1.0, requires_grad=True)
    opt, topt = optim.SGD([w], lr=0.1, momentum=0.9), torch.optim.SGD([q], lr=0.1, momentum=0.9)
    for _ in range(10):
        for o, p in ((opt, w), (topt, q)):
            o.zero_grad()
            (p * p).backward()
            o.step()
    assert float(w.item()) == pytest.approx(float(q.item()), rel=1e-5)
