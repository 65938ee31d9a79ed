"""``_conv_forward(input, weight, bias)``, the hook PyTorch's convolutions run through and that
subclasses call with a transformed weight (timm's weight-standardized ``StdConv2d``): the same
outputs as torch 2.13, padding modes included."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
X = R.standard_normal((1, 2, 5, 5)).astype(np.float32)


def _std_conv(lib):
    class StdConv2d(lib.nn.Conv2d):
        def forward(self, x):
            w = self.weight
            m = w.mean(dim=(1, 2, 3), keepdim=True)
            v = w.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
            return self._conv_forward(x, (w - m) / (v + 1e-5).sqrt(), self.bias)

    return StdConv2d


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "circular"])
def test_a_weight_standardized_conv_as_torch(padding_mode):
    outs = []
    for lib in (torch, dg):
        m = _std_conv(lib)(2, 3, 3, padding=1, padding_mode=padding_mode)
        sd = {k: lib.tensor(np.random.default_rng(1).standard_normal(tuple(v.shape)))
              for k, v in m.state_dict().items()}  # fmt: skip
        m.load_state_dict(sd)
        y = m(lib.tensor(X))
        y.sum().backward()
        outs.append((y.detach().numpy(), m.weight.grad.numpy()))
    for mine, ref in zip(outs[1], outs[0], strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_forward_takes_the_weight_and_bias_given(nd):
    outs = []
    for lib in (torch, dg):
        m = getattr(lib.nn, f"Conv{nd}d")(2, 3, 1)
        x = lib.tensor(X[(0,) if nd == 1 else (slice(None),)][..., 0] if nd == 1 else X)
        if nd == 3:
            x = x[:, :, None]
        w = lib.ones((3, 2) + (1,) * nd)
        outs.append(m._conv_forward(x, w, lib.ones(3)).numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6)


@pytest.mark.parametrize(
    "expr",
    ["Conv2d(1, 1, 3)", "Conv2d(1, 1, 3, padding=1)", "Conv2d(1, 1, (3, 5), padding=(1, 2))",
     "Conv2d(1, 1, 4, padding='same')", "Conv2d(1, 1, (4, 3), padding='same', dilation=(1, 2))",
     "Conv1d(1, 1, 3, padding='valid')", "Conv3d(1, 1, 3, padding=(0, 1, 2))",
     "ConvTranspose2d(1, 1, 3, padding=1)", "Conv2d(1, 1, 3, padding=2, padding_mode='reflect')"],
)  # fmt: skip
def test_reversed_padding_repeated_twice_as_torch(expr):
    """The padding as ``F.pad`` takes it, which code copied from PyTorch's ``_conv_forward``
    reads."""
    got = eval(f"dg.nn.{expr}")._reversed_padding_repeated_twice  # noqa: S307
    want = eval(f"torch.nn.{expr}")._reversed_padding_repeated_twice  # noqa: S307
    assert list(got) == list(want)
