"""log σ and the losses built on it as PyTorch computes them: no softplus cut-off, so a
logit of -25 against 0 loses 1.4e-11 (not 0) and its gradient is σ(x) - y itself; float64
values and gradients against torch 2.13, double backward by gradgradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

X = np.array([-1000.0, -100.0, -25.0, -3.0, -0.0, 0.0, 0.5, 3.0, 25.0, 100.0, 1000.0])
T = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.3, 1.0, 1.0, 1.0, 0.0])
PW = np.linspace(0.5, 2.5, 11)


def _run(m, case):
    x = m.tensor(X, dtype=m.float64, requires_grad=True)
    t = m.tensor(T, dtype=m.float64, requires_grad=True)
    F = m.nn.functional
    if case == "logsigmoid":
        out = F.logsigmoid(x)
    elif case == "bce_logits":
        out = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    elif case == "bce_logits_pos_weight":
        pw = m.tensor(PW, dtype=m.float64)
        out = F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction="none")
    else:
        out = F.multilabel_soft_margin_loss(x.reshape(1, -1), t.reshape(1, -1))
    out.sum().backward()
    grads = [g.numpy() if g is not None else None for g in (x.grad, t.grad)]
    return out.detach().numpy(), grads


@pytest.mark.parametrize("case", ["logsigmoid", "bce_logits", "bce_logits_pos_weight",
                                  "multilabel_soft_margin"])  # fmt: skip
def test_float64_as_torch(case):
    (ours, (gx, gt)), (theirs, (tgx, tgt)) = _run(dg, case), _run(torch, case)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
    np.testing.assert_allclose(gx, tgx, rtol=1e-12, atol=1e-30)
    if tgt is not None:
        np.testing.assert_allclose(gt, tgt, rtol=1e-12, atol=1e-30)


def test_tiny_losses_are_kept():
    loss = dg.nn.functional.binary_cross_entropy_with_logits(
        dg.tensor([-25.0], dtype=dg.float64), dg.tensor([0.0], dtype=dg.float64)
    )
    assert loss.item() == pytest.approx(1.3887943864964021e-11, rel=1e-4)
    assert dg.nn.functional.logsigmoid(dg.tensor([-25.0], dtype=dg.float64)).item() < -25.0


def test_geometric_entropy_of_a_tiny_probability():
    # Geometric's entropy divides this loss by p: the cut-off made it 1 nat short
    ours = dg.distributions.Geometric(probs=dg.tensor(1e-9, dtype=dg.float64)).entropy()
    theirs = torch.distributions.Geometric(probs=torch.tensor(1e-9, dtype=torch.float64)).entropy()
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-9)


@pytest.mark.parametrize("pos_weight", [None, PW[:4]])
def test_double_backward(pos_weight):
    x = dg.tensor([-3.0, -0.5, 0.7, 2.0], dtype=dg.float64, requires_grad=True)
    t = dg.tensor([0.0, 1.0, 0.4, 1.0], dtype=dg.float64, requires_grad=True)
    pw = None if pos_weight is None else dg.tensor(pos_weight, dtype=dg.float64)

    def loss(a, b):
        return dg.nn.functional.binary_cross_entropy_with_logits(a, b, pos_weight=pw)

    assert dg.autograd.gradcheck(loss, (x, t))
    assert dg.autograd.gradgradcheck(loss, (x, t))
    assert dg.autograd.gradgradcheck(dg.nn.functional.logsigmoid, (x,))
