"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm) against
PyTorch: values, gradients to the originals, state-dict keys, Adam steps, power iteration."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn.utils import parametrizations, parametrize


def _copy_to_torch(torch, m, t):
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})


def _np(x):
    return x.detach().numpy()


def _pair(torch, kind):
    if kind == "linear":
        return nn.Linear(5, 4), torch.nn.Linear(5, 4), (6, 5)
    if kind == "conv":
        return nn.Conv2d(2, 3, 3), torch.nn.Conv2d(2, 3, 3), (2, 2, 6, 6)
    return nn.ConvTranspose2d(2, 3, 3), torch.nn.ConvTranspose2d(2, 3, 3), (2, 2, 5, 5)


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(torch, kind, dim):
    m, t, xshape = _pair(torch, kind)
    _copy_to_torch(torch, m, t)
    parametrizations.weight_norm(m, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    assert type(m).__name__ == type(t).__name__
    assert list(m.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-5, atol=1e-7)
    x = np.random.default_rng(0).normal(size=xshape).astype(np.float32)
    (m(dg.tensor(x)) ** 2).sum().backward()
    (t(torch.tensor(x)) ** 2).sum().backward()
    for name in ("original0", "original1"):
        a = getattr(m.parametrizations.weight, name).grad
        b = getattr(t.parametrizations.weight, name).grad
        np.testing.assert_allclose(_np(a), b.numpy(), rtol=1e-4, atol=1e-5)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]


def test_weight_norm_adam_steps_match_torch(torch):
    m, t = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    _copy_to_torch(torch, m, t)
    parametrizations.weight_norm(m)
    torch.nn.utils.parametrizations.weight_norm(t)
    om, ot = dg.optim.Adam(m.parameters(), lr=0.05), torch.optim.Adam(t.parameters(), lr=0.05)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.normal(size=(8, 5)).astype(np.float32)
        y = rng.normal(size=(8, 3)).astype(np.float32)
        om.zero_grad()
        ot.zero_grad()
        ((m(dg.tensor(x)) - dg.tensor(y)) ** 2).mean().backward()
        ((t(torch.tensor(x)) - torch.tensor(y)) ** 2).mean().backward()
        om.step()
        ot.step()
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-4, atol=1e-5)


def test_weight_norm_gradcheck_float64():
    v = dg.tensor(np.random.default_rng(2).normal(size=(3, 4)), requires_grad=True)
    for dim in (0, 1, -1):
        g = dg.tensor(
            np.random.default_rng(3).normal(size=(3, 1) if dim == 0 else (1, 4) if dim else ()),
            requires_grad=True,
        )
        wn = parametrizations._WeightNorm(dim)
        dg.gradcheck(lambda g, v, wn=wn: wn(g, v), g, v)


def _spectral_pair(torch, kind):
    m, t, xshape = _pair(torch, kind)
    m.double()  # float64: σ's gradient sums many terms, float32 rounding differs by 1e-3
    t.double()
    _copy_to_torch(torch, m, t)
    parametrizations.spectral_norm(m)
    torch.nn.utils.parametrizations.spectral_norm(t)
    # the random start of u, v differs (deepgrad's generator): take PyTorch's
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return m, t, xshape


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
def test_spectral_norm_matches_torch(torch, kind):
    m, t, xshape = _spectral_pair(torch, kind)
    assert type(m).__name__ == type(t).__name__
    assert list(m.state_dict()) == list(t.state_dict())
    rng = np.random.default_rng(0)
    for _ in range(3):  # training mode: every access runs one power iteration
        x = rng.normal(size=xshape)
        (m(dg.tensor(x)) ** 2).sum().backward()
        (t(torch.tensor(x)) ** 2).sum().backward()
        for k, v in t.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        _np(m.parametrizations.weight.original.grad),
        t.parametrizations.weight.original.grad.numpy(),
        rtol=1e-4,
        atol=1e-5,
    )
    m.eval()
    t.eval()
    u = m.parametrizations.weight[0]._u.numpy().copy()
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(m.parametrizations.weight[0]._u.numpy(), u)  # no update


def test_spectral_norm_adam_steps_match_torch(torch):
    m, t, _ = _spectral_pair(torch, "linear")
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
        np.testing.assert_allclose(m.state_dict()[k], v.numpy(), rtol=1e-4, atol=1e-5)


def test_spectral_norm_sigma_is_one_and_gradcheck():
    m = parametrizations.spectral_norm(nn.Linear(6, 4).double(), n_power_iterations=20)
    m.weight  # noqa: B018 - more power iterations
    np.testing.assert_allclose(np.linalg.svd(_np(m.weight), compute_uv=False)[0], 1, rtol=1e-6)
    m.eval()
    sn = m.parametrizations.weight[0]
    w = dg.tensor(np.random.default_rng(4).normal(size=(4, 6)), requires_grad=True)
    dg.gradcheck(sn, w)
    b = dg.tensor(np.random.default_rng(5).normal(size=(5,)), requires_grad=True)
    dg.gradcheck(parametrizations._SpectralNorm(b), b)  # 1-d: divided by its norm


def test_spectral_norm_errors():
    with pytest.raises(IndexError, match="Dimension out of range"):
        parametrizations.spectral_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations"):
        parametrizations.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="no parameter or buffer"):
        parametrizations.spectral_norm(nn.Linear(3, 2), name="nope")


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).T

    def right_inverse(self, a):
        return a.triu()


class Scale(nn.Module):
    def forward(self, x):
        return 2 * x


def test_register_assign_remove_like_torch(torch):
    m = nn.Linear(4, 4)
    t = torch.nn.Linear(4, 4)
    _copy_to_torch(torch, m, t)
    tsym = type("Symmetric", (torch.nn.Module,), {"forward": Symmetric.forward,
                                                   "right_inverse": Symmetric.right_inverse})  # fmt: skip
    assert not parametrize.is_parametrized(m)
    parametrize.register_parametrization(m, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(t, "weight", tsym())
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    assert parametrize.type_before_parametrizations(m) is nn.Linear
    assert isinstance(m, nn.Linear)
    assert list(m.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(_np(m.weight), _np(t.weight), rtol=1e-6)
    np.testing.assert_allclose(_np(m.weight), _np(m.weight).T)
    a = np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32)
    a = a + a.T
    m.weight = dg.tensor(a)
    t.weight = torch.tensor(a)
    np.testing.assert_allclose(_np(m.weight), a, rtol=1e-6)
    np.testing.assert_allclose(
        _np(m.parametrizations.weight.original), _np(t.parametrizations.weight.original)
    )
    # a second parametrization chains after the first
    parametrize.register_parametrization(m, "weight", Scale())
    np.testing.assert_allclose(_np(m.weight), 2 * a, rtol=1e-6)
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        m.weight = dg.tensor(a)
    # gradients reach the original
    x = dg.ones(3, 4)
    m(x).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    original = m.parametrizations.weight.original
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and not hasattr(m, "parametrizations")
    assert m.weight is original and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(_np(m.weight), 2 * a, rtol=1e-6)
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="does not have a parametrization"):
        parametrize.remove_parametrizations(m, "weight")


def test_remove_leave_unparametrized_and_several_originals():
    m = parametrizations.weight_norm(nn.Linear(3, 2))
    w = _np(m.weight).copy()
    with pytest.raises(ValueError, match="sequence of tensors"):
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(_np(m.weight), w, rtol=1e-6)
    m = nn.Linear(3, 2)
    w = _np(m.weight).copy()
    parametrize.register_parametrization(m, "weight", Scale())
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(_np(m.weight), w)


def test_register_refuses_shape_change_and_unknown_name():
    class Shrink(nn.Module):
        def forward(self, x):
            return x[:1]

    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(3, 2), "weight", Shrink())
    m = parametrize.register_parametrization(nn.Linear(3, 2), "weight", Shrink(), unsafe=True)
    assert m.weight.shape == (1, 3)
    with pytest.raises(ValueError, match="does not have a parameter"):
        parametrize.register_parametrization(nn.Linear(3, 2), "nope", Scale())


def test_buffer_parametrized_and_cached():
    m = nn.BatchNorm1d(3)
    parametrize.register_parametrization(m, "running_var", Scale())
    assert "parametrizations.running_var.original" in m.state_dict()
    assert m.weight is not None
    p = parametrize.register_parametrization(nn.Linear(3, 2), "weight", Scale())
    assert p.weight is not p.weight  # recomputed on every access
    with parametrize.cached():
        w = p.weight
        assert p.weight is w
        with parametrize.cached():
            assert p.weight is w
        assert p.weight is w
    assert p.weight is not w


def test_train_eval_and_deepcopy():
    import copy

    m = parametrizations.spectral_norm(nn.Linear(4, 3))
    m.eval()
    assert not m.parametrizations.weight[0].training
    c = copy.deepcopy(m)
    assert type(c).__name__ == "ParametrizedLinear"
    np.testing.assert_array_equal(_np(c.weight), _np(m.weight))
    assert c.parametrizations.weight.original is not m.parametrizations.weight.original
    # a fresh parametrization follows the host module's mode
    m2 = nn.Linear(3, 3).eval()
    parametrize.register_parametrization(m2, "weight", Scale())
    assert not m2.parametrizations.weight[0].training


def test_assigning_a_parameter_to_a_parametrized_name_is_refused_as_torch(torch):
    t = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        t.weight = torch.nn.Parameter(torch.ones(2, 3))
    m = parametrizations.weight_norm(nn.Linear(3, 2))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.weight = nn.Parameter(dg.ones(2, 3))
    assert list(m.state_dict()) == list(t.state_dict())
    m.weight = dg.ones(2, 3)  # a plain tensor goes through right_inverse, as in PyTorch
    np.testing.assert_allclose(_np(m.weight), np.ones((2, 3)), rtol=1e-6)


def test_transfer_parametrizations_and_params_like_torch(torch):
    src = parametrizations.weight_norm(nn.Linear(3, 2))
    dst = parametrize.transfer_parametrizations_and_params(src, nn.Linear(3, 2))
    tsrc = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2))
    tdst = torch.nn.utils.parametrize.transfer_parametrizations_and_params(
        tsrc, torch.nn.Linear(3, 2)
    )
    assert type(dst).__name__ == type(tdst).__name__ == "ParametrizedLinear"
    assert list(dst.state_dict()) == list(tdst.state_dict())
    assert dst.parametrizations.weight.original0 is src.parametrizations.weight.original0
    assert dst.parametrizations.weight[0] is src.parametrizations.weight[0]
    np.testing.assert_array_equal(_np(dst.weight), _np(src.weight))
    # a name the target lacks is created from the source's value
    extra = parametrize.register_parametrization(nn.Linear(3, 2), "bias", Scale())
    to = parametrize.transfer_parametrizations_and_params(extra, nn.Identity(), "bias")
    np.testing.assert_array_equal(_np(to.bias), _np(extra.bias))
    plain = nn.Linear(3, 2)
    assert parametrize.transfer_parametrizations_and_params(nn.Linear(3, 2), plain) is plain
