"""nn.LPPool1d/2d/3d against PyTorch's modules: attributes, repr, values, gradients, and a
save/load round trip."""

from __future__ import annotations

import numpy as np

import deepgrad as dg
from deepgrad import nn


def test_lp_pool_layers_as_torchs(torch, rng, tmp_path):
    for name, shape, args in (
        ("LPPool1d", (2, 3, 9), (2, 3)),
        ("LPPool2d", (2, 3, 6, 7), (1.5, (2, 3), 2, True)),
        ("LPPool3d", (1, 2, 4, 5, 6), (3, 2)),
    ):
        ours, ref = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert (ours.norm_type, ours.kernel_size, ours.stride, ours.ceil_mode) == (
            ref.norm_type, ref.kernel_size, ref.stride, ref.ceil_mode)  # fmt: skip
        assert ours.extra_repr() == ref.extra_repr()
        x = np.abs(rng.standard_normal(shape))
        a, b = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(a), ref(b)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9)
        model = nn.Sequential(ours)
        model.save(tmp_path / f"{name}.dg")
        back = dg.load_model(tmp_path / f"{name}.dg")[0]
        assert type(back) is type(ours) and back.get_config() == ours.get_config()
        np.testing.assert_array_equal(back(a).numpy(), y.numpy())


def test_lp_pool_layer_names_itself_in_errors():
    import pytest

    with pytest.raises(ValueError, match=r"LPPool2d\(norm_type=2, kernel_size=3\)"):
        nn.LPPool2d(2, 3)(dg.randn(1, 1, 2))
