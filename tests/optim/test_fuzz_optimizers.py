"""Every optimizer's options drawn at random, six steps on the same gradients, against
PyTorch: the same parameters (float64 to rounding; PyTorch keeps ASGD's rates and NAdam's
momentum product as float32 scalars, a README row, so those agree to ~1e-9), float32 to an
ulp or two (PyTorch's ``add_(g, alpha=-lr)`` is one fused multiply-add), and the same refusals."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import deepgrad as dg

SPACES = {
    "SGD": dict(lr=[0.1, 0.01], momentum=[0, 0.9], dampening=[0, 0.1], weight_decay=[0, 0.01],
                nesterov=[False, True], maximize=[False, True]),
    "Adam": dict(lr=[1e-2], betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3],
                 weight_decay=[0, 0.1], amsgrad=[False, True], maximize=[False, True]),
    "AdamW": dict(lr=[1e-2], weight_decay=[0, 0.1], amsgrad=[False, True], maximize=[False, True]),
    "Adamax": dict(lr=[1e-2], weight_decay=[0, 0.1], maximize=[False, True]),
    "Adagrad": dict(lr=[1e-1], lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                    initial_accumulator_value=[0, 0.5], eps=[1e-10, 1e-3], maximize=[False, True]),
    "Adadelta": dict(lr=[1.0, 0.5], rho=[0.9, 0.5], weight_decay=[0, 0.1], maximize=[False, True]),
    "RMSprop": dict(lr=[1e-2], alpha=[0.99, 0.5], momentum=[0, 0.9], centered=[False, True],
                    weight_decay=[0, 0.1], maximize=[False, True]),
    "Rprop": dict(lr=[1e-2], etas=[(0.5, 1.2), (0.3, 1.5)], step_sizes=[(1e-6, 50), (1e-3, 0.05)],
                  maximize=[False, True]),
    "NAdam": dict(lr=[1e-2], weight_decay=[0, 0.1], momentum_decay=[4e-3, 1e-2],
                  decoupled_weight_decay=[False, True], maximize=[False, True]),
    "RAdam": dict(lr=[1e-2], weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                  maximize=[False, True]),
    "ASGD": dict(lr=[1e-2], lambd=[1e-4, 1e-2], alpha=[0.75, 0.5], t0=[1e6, 2],
                 weight_decay=[0, 0.1], maximize=[False, True]),
    # values PyTorch refuses: the same refusals expected
    "SGD-bad": dict(lr=[-0.1, 0.1], momentum=[-0.5, 0.9], nesterov=[True], dampening=[0, 0.5]),
    "Adam-bad": dict(lr=[1e-2, -1.0], betas=[(0.9, 0.999), (1.0, 0.9), (0.9, -0.1)],
                     eps=[1e-8, -1e-8], weight_decay=[0, -0.1]),
}  # fmt: skip


def _run(lib, name, kw, w0, grads):
    ps = [lib.tensor(w.copy(), requires_grad=True) for w in w0]
    try:
        opt = getattr(lib.optim, name)(ps, **kw)
        for g in grads:
            for p, gg in zip(ps, g):
                p.grad = lib.tensor(gg.copy())
            opt.step()
    except (ValueError, RuntimeError, TypeError) as e:
        return type(e)
    return [np.asarray(p.detach()) for p in ps]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("space", sorted(SPACES))
def test_fuzz_optimizer_options_match_torch(space, dtype) -> None:
    name = space.split("-")[0]
    rng = random.Random(f"{space}-{np.dtype(dtype).name}")
    refused = 0
    for trial in range(10):
        kw = {k: rng.choice(v) for k, v in SPACES[space].items()}
        r = np.random.default_rng(trial)
        w0 = [r.standard_normal((3, 4)).astype(dtype), r.standard_normal((4,)).astype(dtype)]
        grads = [[r.standard_normal(w.shape).astype(dtype) for w in w0] for _ in range(6)]
        want, got = _run(torch, name, kw, w0, grads), _run(dg, name, kw, w0, grads)
        if isinstance(want, type) or isinstance(got, type):
            assert want is got, (name, kw, want, got)  # both refuse, with PyTorch's class
            refused += 1
            continue
        tol = 1e-6 if dtype == np.float32 else 5e-9 if name in ("ASGD", "NAdam") else 1e-12
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{name} {kw}")
    assert refused or not space.endswith("-bad")  # the refusals were exercised
