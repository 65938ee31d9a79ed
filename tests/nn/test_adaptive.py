"""AdaptiveLogSoftmaxWithLoss against torch's after loading torch's weights: the outputs, the
loss, the gradients, log_prob and predict; its checks and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _pair(head_bias: bool, cutoffs=(3, 7, 11), n_classes=15, in_features=16):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, list(cutoffs), div_value=2.0, head_bias=head_bias
    ).double()
    warnings.filterwarnings("ignore", "Initializing zero-element tensors")
    d = nn.AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, list(cutoffs), div_value=2.0, head_bias=head_bias,
        dtype=dg.float64,
    )  # fmt: skip
    sd = {k: v.detach().numpy() for k, v in t.state_dict().items()}
    assert sorted(d.state_dict()) == sorted(sd)
    d.load_state_dict(sd)
    return torch, t, d


@pytest.mark.parametrize("head_bias", [False, True])
def test_forward_loss_and_gradients_match_torch(head_bias):
    torch, t, d = _pair(head_bias)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 16))
    y = np.array([0, 2, 3, 5, 7, 8, 10, 12, 14])
    tx = torch.tensor(x, requires_grad=True)
    dx = dg.tensor(x, requires_grad=True)
    tout = t(tx, torch.tensor(y))
    dout = d(dx, dg.tensor(y))
    np.testing.assert_allclose(dout.output.numpy(), tout.output.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dout.loss.item(), tout.loss.item(), rtol=1e-12)
    tout.loss.backward()
    dout.loss.backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    tgrads = dict(t.named_parameters())
    for name, p in d.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), tgrads[name].grad.numpy(), rtol=1e-10, atol=1e-14
        )


def test_unbatched_log_prob_and_predict_match_torch():
    torch, t, d = _pair(False)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20, 16)) * 3
    out = d(dg.tensor(x[0]), dg.tensor(9))
    tout = t(torch.tensor(x[0]), torch.tensor(9))
    assert out.output.shape == () == tuple(tout.output.shape)
    np.testing.assert_allclose(out.output.item(), tout.output.item(), rtol=1e-12)
    lp = d.log_prob(dg.tensor(x))
    np.testing.assert_allclose(lp.numpy(), t.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.exp(lp.numpy()).sum(1), 1.0, rtol=1e-12)
    assert d.predict(dg.tensor(x)).tolist() == t.predict(torch.tensor(x)).tolist()
    assert d.predict(dg.tensor(x)).tolist() == lp.argmax(1).tolist()


def test_gradcheck_float64():
    d = nn.AdaptiveLogSoftmaxWithLoss(6, 8, [2, 5], div_value=2.0, dtype=dg.float64)
    x = dg.randn(5, 6, dtype=dg.float64, requires_grad=True)
    y = dg.tensor([0, 1, 3, 6, 7])
    assert dg.gradcheck(lambda v: d(v, y).loss, (x,))


def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    for cutoffs in ([], [3, 2], [0, 3], [3, 10], [3, 3]):
        with pytest.raises(ValueError) as expected:
            torch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
        with pytest.raises(ValueError) as got:
            nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
        assert str(got.value) == str(expected.value)
    d = nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        d(dg.ones(2, 4), dg.tensor([1, 10]))
    with pytest.raises(RuntimeError, match="same size in the batch"):
        d(dg.ones(2, 4), dg.tensor([1]))
    with pytest.raises(RuntimeError, match="multi-target"):
        d(dg.ones(2, 4), dg.tensor([[1]]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D"):
        d(dg.ones(2, 4), dg.tensor(1))


def test_a_zero_width_tail_projection_as_torchs():
    """in_features // div_value**(i+1) can be 0 (4 // 8): PyTorch makes 0-size Linears."""
    torch, t, d = _pair(True, cutoffs=(2, 4, 6), n_classes=9, in_features=4)
    assert tuple(d.state_dict()["tail.2.0.weight"].shape) == (0, 4)
    x = np.random.default_rng(2).standard_normal((6, 4))
    y = np.array([0, 3, 5, 6, 7, 8])
    out = d(dg.tensor(x), dg.tensor(y))
    tout = t(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(out.output.numpy(), tout.output.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        d.log_prob(dg.tensor(x)).numpy(), t.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_a_zero_width_tail_prints_as_torchs_linear():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's "Initializing zero-element tensors"
        theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
    assert repr(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])) == repr(theirs)
