"""Unbatched inputs, as PyTorch accepts them: one sample ``(C, *spatial)`` through the conv
and pooling layers gives one output ``(C', *spatial')`` — values and input gradients equal to
PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

LAYERS = [
    ("Conv2d", (3, 4, 3), {"padding": 1}, (3, 7, 7)),
    ("Conv2d", (3, 4, 3), {"padding_mode": "reflect", "padding": 1}, (3, 7, 7)),
    ("Conv1d", (3, 4, 3), {}, (3, 9)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2}, (3, 5, 5)),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2}, (3, 6)),
    ("MaxPool2d", (2,), {}, (3, 6, 6)),
    ("AvgPool2d", (2,), {"padding": 1}, (3, 6, 6)),
    ("MaxPool1d", (2,), {}, (3, 8)),
    ("AvgPool1d", (3,), {"stride": 2}, (3, 9)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (3, 7, 7)),
    ("AdaptiveAvgPool1d", (4,), {}, (3, 9)),
    ("AdaptiveMaxPool2d", (3,), {}, (3, 7, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (3, 9)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_unbatched_input_matches_torch(name, args, kwargs, shape, torch):
    dg.manual_seed(0)
    layer = getattr(nn, name)(*args, **kwargs)
    tlayer = getattr(torch.nn, name)(*args, **kwargs)
    if layer.state_dict():
        tlayer.load_state_dict(
            {k: torch.from_numpy(np.array(v)) for k, v in layer.state_dict().items()}
        )
    x = np.random.default_rng(0).normal(size=shape)
    a = dg.tensor(x, dtype=dg.float32, requires_grad=True)
    ta = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    out, tout = layer(a), tlayer(ta)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-6)
    batched = layer(dg.tensor(x[None], dtype=dg.float32))
    np.testing.assert_allclose(batched.numpy()[0], out.numpy(), rtol=1e-6)


def test_adaptive_max_pool_unbatched_with_indices(torch):
    x = np.random.default_rng(1).normal(size=(2, 5, 5)).astype(np.float32)
    v, i = nn.AdaptiveMaxPool2d(2, return_indices=True)(dg.tensor(x))
    tv, ti = torch.nn.AdaptiveMaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    np.testing.assert_allclose(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_wrong_dims_still_name_both_forms():
    with pytest.raises(ValueError, match=r"or an unbatched 3-D input"):
        nn.MaxPool2d(2)(dg.zeros(4, 4))
    with pytest.raises(ValueError, match=r"\(N, 2, L\) or \(2, L\)"):
        nn.Conv1d(2, 3, 3)(dg.zeros(2, 3, 4, 5))
