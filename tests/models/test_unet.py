"""U-Net: shapes, skip connections, gradients, and a tiny version that learns the generated
shapes quickly (the full measurement is examples/shapes_segmentation.py)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import metrics, models, optim
from deepgrad.data.datasets import make_shapes_segmentation


@pytest.mark.parametrize("upsample", ["transpose", "bilinear"])
def test_output_shape_and_gradients(upsample):
    net = models.UNet(2, 3, base=4, depth=2, upsample=upsample)
    x = dg.tensor(np.random.default_rng(0).normal(size=(2, 2, 16, 12)).astype(np.float32))
    y = net(x)
    assert y.shape == (2, 3, 16, 12)
    y.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    kinds = {type(m).__name__ for m in net.modules()}
    assert ("ConvTranspose2d" in kinds) == (upsample == "transpose")


def test_skip_connections_carry_full_resolution_detail():
    """Zeroing the skip path changes the output: the decoder reads the encoder's maps."""
    net = models.UNet(1, 2, base=4, depth=1).eval()
    x = dg.tensor(np.random.default_rng(1).normal(size=(1, 1, 8, 8)).astype(np.float32))
    with dg.no_grad():
        base = net(x).numpy()
        skip_in = net.up_blocks[0].body[0].weight
        w = skip_in.numpy().copy()
        skip_in.data = skip_in.data * 0  # the block's first conv sees [skip, up] concatenated
        assert not np.allclose(net(x).numpy(), base)
        skip_in.data = dg.tensor(w).data


def test_bad_sizes_and_options():
    with pytest.raises(ValueError, match="multiples of 4"):
        models.UNet(1, 2, base=2, depth=2)(dg.zeros(1, 1, 10, 8))
    with pytest.raises(ValueError, match="upsample"):
        models.UNet(upsample="nearest")


def test_a_tiny_unet_learns_the_shapes():
    dg.manual_seed(0)
    x, m = make_shapes_segmentation(96, size=16, max_shapes=1, seed=0)
    net = models.UNet(1, 4, base=4, depth=2)
    opt = optim.Adam(net.parameters(), lr=1e-2)
    before = metrics.pixel_accuracy(m, net.eval()(dg.tensor(x)).numpy())
    net.train()
    for _ in range(3):
        for i in range(0, 96, 16):
            loss = dg.functional.cross_entropy(
                net(dg.tensor(x[i : i + 16])), dg.tensor(m[i : i + 16])
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    pred = net(dg.tensor(x)).numpy()
    assert metrics.pixel_accuracy(m, pred) > max(before, 0.8)  # beyond all-background
    assert metrics.iou_per_class(m, pred)[0] > 0.8
