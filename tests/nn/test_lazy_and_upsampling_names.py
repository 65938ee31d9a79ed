"""PyTorch's Lazy* layers and UpsamplingNearest2d/UpsamplingBilinear2d under their names:
shapes, outputs against torch with the same weights, and save/load of a model using them."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def test_lazy_layers_take_their_input_size_from_the_first_batch(torch, tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 3, 8, 8)).astype(np.float32)
    model = nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.LazyLinear(5))
    y = model(dg.tensor(x))
    assert y.shape == (2, 5) and model[0].weight.shape == (4, 3, 3, 3)
    assert model[3].weight.shape == (5, 4 * 8 * 8)
    assert isinstance(model[0], nn.Conv2d) and isinstance(model[3], nn.Linear)
    ref = torch.nn.Sequential(torch.nn.LazyConv2d(4, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.LazyLinear(5))  # fmt: skip
    ref(torch.tensor(x))
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    np.testing.assert_allclose(
        y.numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5
    )
    assert nn.LazyConv1d(2, 3)(dg.ones(1, 5, 7)).shape == (1, 2, 5)
    assert nn.LazyConv3d(2, 1)(dg.ones(1, 3, 2, 2, 2)).shape == (1, 2, 2, 2, 2)
    model.compile(optimizer="adam", loss="mse")
    model.predict(x)  # records the input shape, so that loading can build the lazy layers
    model.save(tmp_path / "lazy.dg")
    back = dg.load_model(tmp_path / "lazy.dg")
    np.testing.assert_array_equal(back(dg.tensor(x)).numpy(), y.numpy())


def test_upsampling_layers_as_torchs(torch):
    x = np.random.default_rng(1).normal(size=(1, 2, 3, 4)).astype(np.float32)
    for ours, theirs in (
        (nn.UpsamplingNearest2d(scale_factor=2), torch.nn.UpsamplingNearest2d(scale_factor=2)),
        (nn.UpsamplingBilinear2d(size=(5, 7)), torch.nn.UpsamplingBilinear2d(size=(5, 7))),
    ):
        np.testing.assert_allclose(
            ours(dg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6
        )


def test_lazy_conv_transpose_layers_as_torchs(torch, tmp_path):
    rng = np.random.default_rng(1)
    for nd, kw in [(1, dict(stride=2, output_padding=1)), (2, dict(stride=2, padding=1, groups=3)),
                   (3, dict(stride=1, dilation=2, bias=False))]:  # fmt: skip
        x = rng.normal(size=(2, 3, *(4,) * nd))
        ours = getattr(nn, f"LazyConvTranspose{nd}d")(6, 3, **kw, dtype=dg.float64)
        theirs = getattr(torch.nn, f"LazyConvTranspose{nd}d")(6, 3, **kw, dtype=torch.float64)
        xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y = ours(xd)
        assert isinstance(ours, getattr(nn, f"ConvTranspose{nd}d"))
        theirs(xt)
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
        yt = theirs(xt)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
        assert ours.weight.shape == tuple(theirs.weight.shape)
    model = nn.Sequential(nn.LazyConvTranspose2d(2, 2, stride=2))
    x = rng.normal(size=(1, 3, 3, 3)).astype(np.float32)
    y = model(dg.tensor(x))
    model.compile(optimizer="adam", loss="mse")
    model.predict(x)
    model.save(tmp_path / "lazy_t.dg")
    np.testing.assert_array_equal(
        dg.load_model(tmp_path / "lazy_t.dg")(dg.tensor(x)).numpy(), y.numpy()
    )


def test_lazy_layers_take_their_sizes_from_a_state_dict_loaded_before_the_first_call():
    """PyTorch's lazy modules loaded before their first call take their shapes from the
    state dict (deepgrad refused the keys as unexpected)."""
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, groups=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.ConvTranspose2d(8, 6, 3, groups=2), torch.nn.Flatten(), torch.nn.Linear(6 * 6 * 6, 5),
    ).eval()  # fmt: skip
    dm = dg.nn.Sequential(
        dg.nn.LazyConv2d(8, 3), dg.nn.LazyBatchNorm2d(), dg.nn.ReLU(),
        dg.nn.LazyConvTranspose2d(6, 3, groups=2), dg.nn.Flatten(), dg.nn.LazyLinear(5),
    ).eval()  # fmt: skip
    missing, unexpected = dm.load_state_dict(tm.state_dict())
    assert missing == [] and unexpected == []
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(dm(dg.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("name", ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"])
def test_upsample_name_attribute_is_torchs(name):
    torch = pytest.importorskip("torch")
    assert getattr(nn, name)(scale_factor=2).name == getattr(torch.nn, name)(scale_factor=2).name
