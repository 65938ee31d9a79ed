"""Differential tests of every optimizer against PyTorch 2.13: drawn hyperparameters, parameters
of drawn shapes (0-d and 0-size included) in one group, gradients from ``backward`` over a few
steps (zero gradients and sign flips included)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import optim

from .conftest import DIFF

torch = pytest.importorskip("torch")

LR = st.sampled_from([1e-3, 0.01, 0.1])
WD = st.sampled_from([0.0, 0.0, 0.1])
BETAS = st.tuples(st.sampled_from([0.0, 0.5, 0.9]), st.sampled_from([0.9, 0.999]))

# deepgrad name -> (torch name, strategy of keyword arguments understood by both)
OPTIMIZERS = {
    "SGD": (
        "SGD",
        st.fixed_dictionaries(
            {"lr": LR, "momentum": st.sampled_from([0.0, 0.9]), "weight_decay": WD,
             "maximize": st.booleans()}
        ),
    ),
    "Adagrad": (
        "Adagrad",
        st.fixed_dictionaries(
            {"lr": LR, "lr_decay": st.sampled_from([0.0, 0.01]), "weight_decay": WD,
             "initial_accumulator_value": st.sampled_from([0.0, 0.1])}
        ),
    ),
    "RMSprop": (
        "RMSprop",
        st.fixed_dictionaries(
            {"lr": LR, "alpha": st.sampled_from([0.9, 0.99]), "weight_decay": WD,
             "momentum": st.sampled_from([0.0, 0.5]), "centered": st.booleans()}
        ),
    ),
    "Adam": (
        "Adam",
        st.fixed_dictionaries(
            {"lr": LR, "betas": BETAS, "weight_decay": WD, "amsgrad": st.booleans(),
             "maximize": st.booleans()}
        ),
    ),
    "AdamW": (
        "AdamW",
        st.fixed_dictionaries({"lr": LR, "betas": BETAS, "weight_decay": WD,
                               "amsgrad": st.booleans()}),
    ),
    "NAdam": (
        "NAdam",
        st.fixed_dictionaries(
            {"lr": LR, "betas": BETAS, "weight_decay": WD,
             "decoupled_weight_decay": st.booleans()}
        ),
    ),
    "RAdam": (
        "RAdam",
        st.fixed_dictionaries(
            {"lr": LR, "betas": BETAS, "weight_decay": WD,
             "decoupled_weight_decay": st.booleans()}
        ),
    ),
    "Adamax": ("Adamax", st.fixed_dictionaries({"lr": LR, "betas": BETAS, "weight_decay": WD})),
    "Adadelta": (
        "Adadelta",
        st.fixed_dictionaries(
            {"lr": st.sampled_from([0.1, 1.0]), "rho": st.sampled_from([0.5, 0.9]),
             "weight_decay": WD}
        ),
    ),
    "Rprop": ("Rprop", st.fixed_dictionaries({"lr": LR, "maximize": st.booleans()})),
    "ASGD": (
        "ASGD",
        st.fixed_dictionaries({"lr": LR, "t0": st.sampled_from([1.0, 1e6]), "weight_decay": WD}),
    ),
}  # fmt: skip

GRADS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 1e-8, 3.0]


@pytest.fixture(autouse=True)
def _torch_scalars_in_float64():
    """Both libraries keep some scalar state (NAdam's mu_product, ASGD's eta and mu, the
    step counts) in their default dtype: float64 for both here."""
    old, dg_old = torch.get_default_dtype(), dg.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    dg.set_default_dtype(dg.float64)
    yield
    torch.set_default_dtype(old)
    dg.set_default_dtype(dg_old)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@DIFF
@given(data=st.data())
def test_optimizer(diff, name, data):
    torch_name, kwargs_st = OPTIMIZERS[name]
    kwargs = data.draw(kwargs_st)
    shapes = data.draw(st.lists(diff.shapes(max_dims=2), min_size=1, max_size=3))
    inits = [data.draw(diff.values(s, np.float64, GRADS)) for s in shapes]
    steps = data.draw(st.integers(1, 4))
    grads = [[data.draw(diff.values(s, np.float64, GRADS)) for s in shapes] for _ in range(steps)]
    ps = [dg.tensor(a.copy(), requires_grad=True) for a in inits]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    opt = getattr(optim, name)(ps, **kwargs)
    topt = getattr(torch.optim, torch_name)(tps, **kwargs)
    for gs in grads:
        for o, params, lib in ((opt, ps, dg), (topt, tps, torch)):
            o.zero_grad()
            # Σ p·g: the gradient is g, arriving through backward (a NumPy scalar for 0-d)
            sum((p * lib.tensor(g)).sum() for p, g in zip(params, gs, strict=True)).backward()
            o.step()
    for i, (p, tp) in enumerate(zip(ps, tps, strict=True)):
        diff.close(np.asarray(p.data), tp.detach().numpy(), f"{name} {kwargs} param {i}",
                   rtol=1e-9, atol=1e-12)  # fmt: skip
