"""deepgrad.autograd.forward_ad against torch.autograd.forward_ad: tangents of dual tensors
through real programs' operations, several duals at once, the level's rules and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

fwAD = dg.autograd.forward_ad
torch = pytest.importorskip("torch")
tAD = torch.autograd.forward_ad

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 5, 5))
T = rng.standard_normal((2, 3, 5, 5))
W = rng.standard_normal((4, 3, 3, 3))

FUNCTIONS = {
    "sin_exp": lambda m, x: m.sin(x) * m.exp(x / 4),
    "softmax": lambda m, x: m.nn.functional.softmax(x, dim=-1),
    "conv_relu_pool": lambda m, x: m.nn.functional.max_pool2d(
        m.relu(m.nn.functional.conv2d(x, m.tensor(W), padding=1)), 2
    ),
    "matmul_tanh": lambda m, x: m.tanh(x.reshape(6, 25) @ x.reshape(6, 25).T),
    "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (5, 5)),
    "log_softmax_nll": lambda m, x: m.nn.functional.cross_entropy(
        x.flatten(1)[:, :10], m.tensor([1, 7])
    ),
    "norm_and_sum": lambda m, x: x.norm(dim=1).sum(0),
}


def _tangent(m, ad, fn):
    with ad.dual_level():
        x = ad.make_dual(m.tensor(X), m.tensor(T))
        out = ad.unpack_dual(fn(m, x))
        assert out.tangent is not None
        return out.primal.detach().numpy(), out.tangent.detach().numpy()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_tangents_as_torch(name):
    p, t = _tangent(dg, fwAD, FUNCTIONS[name])
    tp, tt = _tangent(torch, tAD, FUNCTIONS[name])
    np.testing.assert_allclose(p, tp, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t, tt, rtol=1e-9, atol=1e-12)


def test_several_duals_sum_their_directions():
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    ta, tb = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    got = []
    for m, ad in ((dg, fwAD), (torch, tAD)):
        with ad.dual_level():
            x = ad.make_dual(m.tensor(a), m.tensor(ta))
            y = ad.make_dual(m.tensor(b), m.tensor(tb))
            got.append(ad.unpack_dual(m.sigmoid(x @ y) + x).tangent.numpy())
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12)


def test_what_has_no_tangent():
    for m, ad in ((dg, fwAD), (torch, tAD)):
        with ad.dual_level():
            x = ad.make_dual(m.ones(2, dtype=m.float64), m.ones(2, dtype=m.float64))
            assert ad.unpack_dual(m.zeros(2)).tangent is None  # independent of the dual
            assert ad.unpack_dual(x.detach()).tangent is None
            assert ad.unpack_dual(x).tangent.tolist() == [1.0, 1.0]
            assert ad.unpack_dual(x.sign()).tangent.tolist() == [0.0, 0.0]
        assert ad.unpack_dual(x).tangent is None  # the level ended
        assert type(ad.unpack_dual(x)).__name__ == "UnpackedDualTensor"


def test_reverse_mode_still_reaches_the_primal():
    p = dg.tensor([1.0, 2.0], requires_grad=True)
    with fwAD.dual_level():
        x = fwAD.make_dual(p, dg.tensor([1.0, 1.0]))
        y = (x**3).sum()
        assert fwAD.unpack_dual(y).tangent.item() == pytest.approx(3 + 12)
        y.backward()
    np.testing.assert_allclose(p.grad.numpy(), [3.0, 12.0])


def test_errors_as_torch():
    for m, ad in ((dg, fwAD), (torch, tAD)):
        with pytest.raises(RuntimeError, match="no level exists"):
            ad.make_dual(m.ones(2), m.ones(2))
        with ad.dual_level():
            with pytest.raises(RuntimeError, match="different size"):
                ad.make_dual(m.ones(2), m.ones(3))
            with pytest.raises(ValueError, match="floating point"):
                ad.make_dual(m.tensor([1, 2]), m.ones(2))
            with pytest.raises(RuntimeError, match="Nested forward mode AD"):
                with ad.dual_level():
                    pass
    with fwAD.dual_level(), pytest.raises(NotImplementedError, match="real tensors"):
        fwAD.make_dual(dg.ones(2, dtype=dg.complex64), dg.ones(2, dtype=dg.complex64))


def test_no_grad_inside_a_level_warns():
    with fwAD.dual_level():
        x = fwAD.make_dual(dg.ones(2), dg.ones(2))
        with pytest.warns(UserWarning, match="no tangent"), dg.no_grad():
            y = x * 2
        assert fwAD.unpack_dual(y).tangent is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with dg.no_grad():  # no level: nothing to say
            pass


def test_import_path():
    import deepgrad.autograd.forward_ad as again

    assert again is dg.autograd.forward_ad is fwAD
