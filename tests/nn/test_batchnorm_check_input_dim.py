"""``_check_input_dim``, the hook PyTorch's batch and instance norms check the input's rank
with: a subclass of ``torch.nn.modules.batchnorm._BatchNorm`` that defines its own (a batch
norm for any rank) runs as in torch 2.13 (it was refused by deepgrad's fixed ranks), and the
built-in layers' checks raise PyTorch's ``ValueError``."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)


def _any_rank_bn(lib):
    class AnyBN(lib.nn.modules.batchnorm._BatchNorm):
        def _check_input_dim(self, input):
            if input.dim() < 2:
                raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    return AnyBN


@pytest.mark.parametrize("index", [(), (slice(None), slice(None), slice(None), 0), (..., 0, 0)])
def test_a_batch_norm_subclass_with_its_own_check_as_torch(index):
    outs = []
    for lib in (torch, dg):
        m = _any_rank_bn(lib)(3)
        x = lib.tensor(X[index], requires_grad=True)
        y = m(x)
        y.pow(2).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy(), m.running_var.numpy()))
    for mine, ref in zip(outs[1], outs[0], strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "make", [lambda lib: _any_rank_bn(lib)(3), lambda lib: lib.nn.BatchNorm1d(3),
             lambda lib: lib.nn.BatchNorm2d(3), lambda lib: lib.nn.InstanceNorm2d(3)],
)  # fmt: skip
@pytest.mark.parametrize("shape", [(3,), (2, 3), (3, 4, 5), (2, 3, 4, 5)])
def test_rank_checks_as_torch(make, shape):
    results = []
    for lib in (torch, dg):
        try:
            make(lib)._check_input_dim(lib.ones(*shape))
            results.append(None)
        except Exception as e:  # noqa: BLE001 - the class is compared
            results.append(type(e))
    assert results[0] == results[1] or (results[0] and issubclass(results[1], results[0]))
