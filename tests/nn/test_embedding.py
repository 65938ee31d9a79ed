"""Embedding's max_norm / norm_type / scale_grad_by_freq, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.5, 1.0), (3.0, 2.0)])
def test_max_norm_renormalizes_looked_up_rows_in_place_like_torch(max_norm, norm_type, torch):
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(6, 4)).astype(np.float32) * 2
    idx = np.array([[0, 2, 2], [5, 0, 3]])
    e = nn.Embedding(6, 4, max_norm=max_norm, norm_type=norm_type)
    e.load_state_dict({"weight": w0})
    te = torch.nn.Embedding(6, 4, max_norm=max_norm, norm_type=norm_type)
    te.load_state_dict({"weight": torch.from_numpy(w0.copy())})
    out = e(dg.tensor(idx))
    tout = te(torch.from_numpy(idx))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(e.weight.numpy(), te.weight.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), te.weight.grad.numpy(), rtol=1e-6)


def test_scale_grad_by_freq_with_padding_like_torch(torch):
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=(5, 3))
    idx = np.array([[1, 1, 4, 0], [1, 2, 0, 4]])
    e = nn.Embedding(5, 3, padding_idx=0, scale_grad_by_freq=True)
    e.load_state_dict({"weight": w0.astype(np.float32)})
    e.double()
    te = torch.nn.Embedding(5, 3, padding_idx=0, scale_grad_by_freq=True).double()
    te.load_state_dict({"weight": torch.from_numpy(w0)})
    g = rng.normal(size=(2, 4, 3))
    (e(dg.tensor(idx)) * dg.tensor(g)).sum().backward()
    (te(torch.from_numpy(idx)) * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), te.weight.grad.numpy(), rtol=1e-12)
    assert not e.weight.grad.numpy()[0].any()  # the padding row
    # not the true gradient by design (scaled), but without the option it is
    w = dg.tensor(w0, requires_grad=True)
    assert dg.gradcheck(lambda t: dg.functional.embedding(idx, t) ** 2, w)


def test_embedding_option_errors_and_repr():
    with pytest.raises(ValueError, match="max_norm must be positive"):
        nn.Embedding(3, 2, max_norm=0)
    e = nn.Embedding(3, 2, max_norm=1.5, scale_grad_by_freq=True)
    assert repr(e) == "Embedding(3, 2, max_norm=1.5, scale_grad_by_freq=True)"
    assert e.get_config()["max_norm"] == 1.5
