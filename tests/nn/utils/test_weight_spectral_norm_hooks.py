"""The older hook-based nn.utils.weight_norm / spectral_norm (weight_g / weight_v;
weight_orig / weight_u / weight_v) against PyTorch."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _np(x):
    return x.detach().numpy()


def _copy_to_torch(torch, m, t):
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})


def _pair(torch, kind):
    if kind == "linear":
        return nn.Linear(5, 4).double(), torch.nn.Linear(5, 4).double(), (6, 5)
    if kind == "conv":
        return nn.Conv2d(2, 3, 3).double(), torch.nn.Conv2d(2, 3, 3).double(), (2, 2, 6, 6)
    return (nn.ConvTranspose2d(2, 3, 3).double(), torch.nn.ConvTranspose2d(2, 3, 3).double(),
            (2, 2, 5, 5))  # fmt: skip


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_hook_matches_torch(torch, kind, dim):
    m, t, xshape = _pair(torch, kind)
    _copy_to_torch(torch, m, t)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(m, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(t, dim=dim)
    assert list(m.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-12)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    x = np.random.default_rng(0).normal(size=xshape)
    (m(dg.tensor(x)) ** 2).sum().backward()
    (t(torch.tensor(x)) ** 2).sum().backward()
    for name in ("weight_g", "weight_v"):
        np.testing.assert_allclose(
            _np(getattr(m, name).grad), getattr(t, name).grad.numpy(), rtol=1e-10
        )
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm"):
        with pytest.warns(FutureWarning):
            nn.utils.weight_norm(m, dim=dim)
    nn.utils.remove_weight_norm(m)
    torch.nn.utils.remove_weight_norm(t)
    assert list(m.state_dict()) == list(t.state_dict())
    assert isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(m)


def test_weight_norm_hook_adam_steps_match_torch(torch):
    m, t, _ = _pair(torch, "linear")
    _copy_to_torch(torch, m, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(m)
        torch.nn.utils.weight_norm(t)
    om, ot = dg.optim.Adam(m.parameters(), lr=0.05), torch.optim.Adam(t.parameters(), lr=0.05)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.normal(size=(8, 5))
        om.zero_grad()
        ot.zero_grad()
        (m(dg.tensor(x)) ** 2).mean().backward()
        (t(torch.tensor(x)) ** 2).mean().backward()
        om.step()
        ot.step()
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
def test_spectral_norm_hook_matches_torch(torch, kind):
    m, t, xshape = _pair(torch, kind)
    _copy_to_torch(torch, m, t)
    nn.utils.spectral_norm(m)
    torch.nn.utils.spectral_norm(t)
    assert list(m.state_dict()) == list(t.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    # the random start of u, v differs (deepgrad's generator): take PyTorch's
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.normal(size=xshape)
        (m(dg.tensor(x)) ** 2).sum().backward()
        (t(torch.tensor(x)) ** 2).sum().backward()
        for k, v in t.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_np(m.weight_orig.grad), t.weight_orig.grad.numpy(), rtol=1e-9)
    m.eval()
    t.eval()
    u = m.weight_u.numpy().copy()
    x = rng.normal(size=xshape)
    np.testing.assert_allclose(_np(m(dg.tensor(x))), _np(t(torch.tensor(x))), rtol=1e-9)
    np.testing.assert_array_equal(m.weight_u.numpy(), u)  # eval: no power iteration
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm"):
        nn.utils.spectral_norm(m)
    nn.utils.remove_spectral_norm(m)
    torch.nn.utils.remove_spectral_norm(t)
    assert list(m.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-9)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(m)


def test_spectral_norm_hook_gradcheck_and_errors():
    m = nn.utils.spectral_norm(nn.Linear(4, 3).double())
    fn = next(iter(m._forward_pre_hooks.values()))
    w = dg.tensor(np.random.default_rng(3).normal(size=(3, 4)), requires_grad=True)

    def f(w):  # σ's gradient through W (u, v held fixed, as in eval mode)
        held = SimpleNamespace(weight_orig=w, weight_u=m.weight_u, weight_v=m.weight_v)
        return fn.compute_weight(held, do_power_iteration=False)

    dg.gradcheck(f, w)
    with pytest.raises(ValueError, match="n_power_iterations"):
        nn.utils.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
