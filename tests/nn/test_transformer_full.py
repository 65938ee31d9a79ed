"""nn.Transformer against torch.nn.Transformer: a torch state dict loads one-to-one and the
outputs and gradients agree (post-norm and pre-norm, batch first or not, with masks)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


@pytest.mark.parametrize("batch_first, norm_first", [(False, False), (True, True)])
def test_matches_torch(torch, batch_first, norm_first):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=16, dropout=0.0, batch_first=batch_first, norm_first=norm_first)  # fmt: skip
    tm = torch.nn.Transformer(**kw).double()
    dm = nn.Transformer(**kw, dtype=dg.float64)
    assert list(dm.state_dict()) == list(tm.state_dict())
    dm.load_state_dict(tm.state_dict())
    rng = np.random.default_rng(0)
    src_shape, tgt_shape = ((3, 5, 8), (3, 4, 8)) if batch_first else ((5, 3, 8), (4, 3, 8))
    src, tgt = rng.normal(size=src_shape), rng.normal(size=tgt_shape)
    pad = np.zeros((3, 5), bool)
    pad[0, -2:] = True
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    dmask = nn.Transformer.generate_square_subsequent_mask(4, dtype=dg.float64)
    np.testing.assert_array_equal(tmask.numpy(), dmask.numpy())
    ts, tt = torch.tensor(src, requires_grad=True), torch.tensor(tgt)
    ds, dt = dg.tensor(src, requires_grad=True), dg.tensor(tgt)
    yt = tm(ts, tt, tgt_mask=tmask, src_key_padding_mask=torch.tensor(pad),
            memory_key_padding_mask=torch.tensor(pad))  # fmt: skip
    yd = dm(ds, dt, tgt_mask=dmask, src_key_padding_mask=dg.tensor(pad),
            memory_key_padding_mask=dg.tensor(pad))  # fmt: skip
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = rng.normal(size=yd.shape)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    np.testing.assert_allclose(ds.grad.numpy(), ts.grad.numpy(), rtol=1e-8, atol=1e-12)
    for (name, p), tp in zip(dm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-7, atol=1e-11, err_msg=name)  # fmt: skip


def test_initialization_and_errors(torch):
    dm = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                        dim_feedforward=32)  # fmt: skip
    w = dm.encoder.layers[0].linear1.weight.numpy()
    bound = np.sqrt(6.0 / (8 + 32))  # Xavier-uniform, as torch's _reset_parameters
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert dm.encoder.norm is not None and dm.decoder.norm is not None
    with pytest.raises(RuntimeError, match="batch number"):
        dm(dg.zeros(5, 3, 8), dg.zeros(4, 2, 8))
    with pytest.raises(RuntimeError, match="d_model=8"):
        dm(dg.zeros(5, 3, 6), dg.zeros(4, 3, 6))
    custom = nn.Transformer(d_model=8, nhead=2, custom_encoder=nn.Identity(),
                            custom_decoder=nn.Identity())  # fmt: skip
    assert isinstance(custom.encoder, nn.Identity)
