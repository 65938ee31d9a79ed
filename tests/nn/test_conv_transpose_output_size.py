"""``ConvTranspose{1,2,3}d.forward(x, output_size=...)`` picks the output padding as PyTorch's
(spatial sizes or the whole shape, batched or not), refuses sizes out of range with PyTorch's
range in the message, and a plain convolution refuses the argument."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

torch = pytest.importorskip("torch")

CASES = [
    ("ConvTranspose1d", (2, 3, 7), dict(kernel_size=3, stride=3, padding=1), [[20], [21], [2, 4, 19]]),
    ("ConvTranspose2d", (2, 3, 5, 4), dict(kernel_size=3, stride=2, padding=1), [[9, 7], [10, 8], [2, 4, 10, 7]]),
    ("ConvTranspose2d", (3, 5, 4), dict(kernel_size=(3, 2), stride=(2, 3), dilation=(2, 1)), [[13, 12], [4, 14, 13]]),
    ("ConvTranspose3d", (1, 3, 3, 4, 2), dict(kernel_size=2, stride=2), [[6, 9, 5], [1, 4, 7, 8, 4]]),
]  # fmt: skip


@pytest.mark.parametrize("cls, shape, kw, sizes", CASES)
def test_output_size_matches_torch(cls, shape, kw, sizes):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(3, 4, **kw)
    dm = getattr(nn, cls)(3, 4, **kw)
    dm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    for size in sizes:
        xt, xd = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
        yt, yd = tm(xt, output_size=size), dm(xd, output_size=size)
        assert yd.shape == tuple(yt.shape)
        np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
        yt.sum().backward()
        yd.sum().backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_output_size_out_of_range_and_on_a_plain_convolution():
    m = nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1)
    x = dg.zeros(1, 3, 5, 4)
    with pytest.raises(ValueError, match=r"valid sizes range from \(9, 7\) to \(10, 8\)"):
        m(x, output_size=[11, 7])
    with pytest.raises(ValueError, match="2 or 4 elements"):
        m(x, output_size=[9, 7, 1])
    with pytest.raises(TypeError, match="output_size"):
        nn.Conv2d(3, 4, 3)(x, output_size=[5, 4])
