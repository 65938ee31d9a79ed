"""RMSNorm / F.rms_norm against PyTorch: values, gradients, eps=None, float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest


def test_rms_norm_as_torchs(torch):
    import deepgrad as dg

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4))
    for ns, eps, affine in ((4, None, True), ((3, 4), 1e-3, True), (4, 1e-6, False)):
        ours = dg.nn.RMSNorm(ns, eps=eps, elementwise_affine=affine)
        ref = torch.nn.RMSNorm(ns, eps=eps, elementwise_affine=affine).double()
        if affine:
            w = rng.normal(size=ref.weight.shape)
            ours.weight = dg.nn.Parameter(w)
            ref.weight.data = torch.tensor(w)
        a = dg.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        y, yt = ours(a), ref(b)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        (y * y).sum().backward()
        (yt * yt).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
        if affine:
            np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-8)
    xf = rng.normal(size=(5, 8)).astype(np.float32)  # eps=None: float32's machine epsilon
    np.testing.assert_allclose(
        dg.functional.rms_norm(dg.tensor(xf), (8,)).numpy(),
        torch.nn.functional.rms_norm(torch.tensor(xf), (8,)).numpy(),
        rtol=1e-6,
    )
    assert dg.gradcheck(
        lambda t: dg.functional.rms_norm(t, (4,), eps=1e-3), (dg.tensor(x, requires_grad=True),)
    )
    with pytest.raises(ValueError, match="trailing shape"):
        dg.functional.rms_norm(dg.tensor(x), (5,))
