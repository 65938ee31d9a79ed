"""Transformer encoder/decoder layers and stacks, the causal-mask helper, and positional
encodings: equality with PyTorch (weights copied by state dict, dropout 0), gradient checks,
state dicts, shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _load(torch, ours, theirs):
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if "norm" in name:
                p.uniform_(0.5, 1.5) if name.endswith("weight") else p.normal_(0, 0.2)
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict(sd)


def _check_grads(torch, rng, ours, theirs, d_ins, t_ins, dy, ty):
    np.testing.assert_allclose(dy.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = rng.standard_normal(dy.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    dy.backward(dg.tensor(g))
    for a, b in zip(d_ins, t_ins):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(
            p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=n
        )


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first, activation", [(False, "relu"), (True, "gelu")])
def test_encoder_layer_matches_torch(torch, rng, norm_first, batch_first, activation):
    kw = dict(dim_feedforward=24, dropout=0.0, activation=activation, batch_first=batch_first,
              norm_first=norm_first)  # fmt: skip
    theirs = torch.nn.TransformerEncoderLayer(8, 2, **kw)
    ours = nn.TransformerEncoderLayer(8, 2, **kw)
    _load(torch, ours, theirs)
    n, s = 3, 5
    x = rng.standard_normal((n, s, 8) if batch_first else (s, n, 8)).astype(np.float32)
    kpm = np.zeros((n, s), bool)
    kpm[1, 3:] = True
    causal = np.triu(np.ones((s, s), bool), 1)
    xt, xd = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
    ty = theirs(xt, src_mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(kpm))
    dy = ours(xd, src_mask=causal, src_key_padding_mask=kpm)
    assert dy.shape == x.shape and dy.dtype == np.float32
    _check_grads(torch, rng, ours, theirs, [xd], [xt], dy, ty)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch(torch, rng, norm_first, batch_first):
    kw = dict(dim_feedforward=16, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    theirs = torch.nn.TransformerDecoderLayer(8, 4, **kw)
    ours = nn.TransformerDecoderLayer(8, 4, **kw)
    _load(torch, ours, theirs)
    n, t, s = 2, 4, 6
    tgt = rng.standard_normal((n, t, 8) if batch_first else (t, n, 8)).astype(np.float32)
    mem = rng.standard_normal((n, s, 8) if batch_first else (s, n, 8)).astype(np.float32)
    tmask = nn.generate_square_subsequent_mask(t)
    mkpm = np.zeros((n, s), bool)
    mkpm[0, 4:] = True
    tt, tm = torch.tensor(tgt, requires_grad=True), torch.tensor(mem, requires_grad=True)
    dt_, dm = dg.tensor(tgt, requires_grad=True), dg.tensor(mem, requires_grad=True)
    ty = theirs(
        tt, tm, tgt_mask=torch.tensor(tmask.numpy()), memory_key_padding_mask=torch.tensor(mkpm)
    )
    dy = ours(dt_, dm, tgt_mask=tmask, memory_key_padding_mask=mkpm)
    _check_grads(torch, rng, ours, theirs, [dt_, dm], [tt, tm], dy, ty)


def test_encoder_and_decoder_stacks_match_torch(torch, rng):
    enc_t = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
        norm=torch.nn.LayerNorm(8), enable_nested_tensor=False,
    )  # fmt: skip
    dec_t = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True), 2, norm=torch.nn.LayerNorm(8)
    )  # fmt: skip
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
                                norm=nn.LayerNorm(8))  # fmt: skip
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
                                norm=nn.LayerNorm(8))  # fmt: skip
    _load(torch, enc, enc_t)
    _load(torch, dec, dec_t)
    assert "layers.1.self_attn.in_proj_weight" in enc.state_dict()
    # the copies are independent
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    src = rng.standard_normal((2, 5, 8)).astype(np.float32)
    tgt = rng.standard_normal((2, 3, 8)).astype(np.float32)
    st, tt = torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)
    sd, td = dg.tensor(src, requires_grad=True), dg.tensor(tgt, requires_grad=True)
    tmask = nn.generate_square_subsequent_mask(3)
    ty = dec_t(tt, enc_t(st), tgt_mask=torch.tensor(tmask.numpy()), tgt_is_causal=True)
    dy = dec(td, enc(sd), tgt_mask=tmask, tgt_is_causal=True)

    class Both(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.dec = enc_t, dec_t

    class BothD(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.dec = enc, dec

    _check_grads(torch, rng, BothD(), Both(), [sd, td], [st, tt], dy, ty)


def test_encoder_layer_gradcheck_inputs_and_parameters(rng):
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True).double()
    x = dg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    kpm = np.array([[False, False, True], [False, False, False]])
    dg.gradcheck(lambda x, *ps: layer(x, src_key_padding_mask=kpm), x, *layer.parameters())
    layer.norm_first = True
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=np.float64)
    dg.gradcheck(lambda x, *ps: layer(x, causal, is_causal=True), x, *layer.parameters())


def test_decoder_layer_gradcheck_inputs(rng):
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, activation="gelu").double()
    tgt = dg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mem = dg.tensor(rng.standard_normal((2, 2, 4)), requires_grad=True)
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=np.float64)
    dg.gradcheck(lambda t, m: layer(t, m, causal, tgt_is_causal=True), tgt, mem)


def test_dropout_active_in_training_only(rng):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = dg.tensor(rng.standard_normal((4, 2, 8)).astype(np.float32))
    assert not np.allclose(layer(x).numpy(), layer(x).numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())


def test_generate_square_subsequent_mask_matches_torch(torch):
    ours = nn.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.float32
    assert nn.generate_square_subsequent_mask(2, dtype="float64").dtype == np.float64


def test_transformer_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.TransformerEncoderLayer(10, 3)
    with pytest.raises(ValueError, match="activation"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer\(d_model=8\).*\(2, 3, 6\)"):
        layer(dg.zeros(2, 3, 6))
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerEncoder(layer, 0)


def test_config_is_captured():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, norm_first=True)
    cfg = layer.get_config()
    assert cfg["d_model"] == 8 and cfg["nhead"] == 2 and cfg["norm_first"] is True


# ---- positional encodings -------------------------------------------------------------------------
def test_sinusoidal_positional_encoding_values_and_buffer():
    pe = nn.SinusoidalPositionalEncoding(6, max_len=10)
    t = np.arange(10)[:, None]
    i = np.arange(3)[None, :]
    ref = np.zeros((10, 6))
    ref[:, 0::2] = np.sin(t / 10000 ** (2 * i / 6))
    ref[:, 1::2] = np.cos(t / 10000 ** (2 * i / 6))
    np.testing.assert_allclose(pe.pe.numpy(), ref, rtol=1e-6, atol=1e-6)
    assert pe.state_dict() == {}  # non-persistent: recomputed, not saved
    x = dg.zeros(4, 2, 6)  # (S, N, E)
    np.testing.assert_allclose(pe(x).numpy()[:, 1], ref[:4], rtol=1e-6, atol=1e-6)
    bf = nn.SinusoidalPositionalEncoding(6, max_len=10, batch_first=True)
    np.testing.assert_allclose(bf(dg.zeros(2, 4, 6)).numpy()[1], ref[:4], rtol=1e-6, atol=1e-6)
    odd = nn.SinusoidalPositionalEncoding(5, max_len=3)
    assert odd.pe.shape == (3, 5) and odd(dg.zeros(3, 5)).dtype == np.float32
    with pytest.raises(ValueError, match="max_len=10"):
        pe(dg.zeros(11, 1, 6))
    with pytest.raises(ValueError, match=r"d_model=6.*\(4, 2, 5\)"):
        pe(dg.zeros(4, 2, 5))


def test_learned_positional_encoding(rng):
    lpe = nn.LearnedPositionalEncoding(8, 4, batch_first=True)
    assert list(lpe.state_dict()) == ["weight"] and lpe.weight.shape == (8, 4)
    assert abs(float(lpe.weight.numpy().std()) - 0.02) < 0.01
    x = dg.tensor(rng.standard_normal((2, 5, 4)).astype(np.float32), requires_grad=True)
    y = lpe(x)
    np.testing.assert_allclose(y.numpy(), x.numpy() + lpe.weight.numpy()[:5], rtol=1e-6)
    y.sum().backward()
    g = lpe.weight.grad.numpy()
    np.testing.assert_array_equal(g[:5], 2.0)
    np.testing.assert_array_equal(g[5:], 0.0)
    lpe64 = nn.LearnedPositionalEncoding(3, 2).double()
    x64 = dg.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    dg.gradcheck(lambda x, w: lpe64(x), x64, lpe64.weight)


def test_torchs_flags_and_out_proj_class():
    torch = pytest.importorskip("torch")
    for act in ("relu", "gelu"):
        ours = nn.TransformerEncoderLayer(8, 2, 16, 0.0, act)
        theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, act)
        assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu
        assert repr(ours) == repr(theirs)  # out_proj: NonDynamicallyQuantizableLinear
    assert nn.TransformerEncoderLayer(8, 2, activation=nn.GELU()).activation_relu_or_gelu == 2
    assert nn.TransformerEncoderLayer(8, 2, activation=dg.tanh).activation_relu_or_gelu == 0
    assert isinstance(nn.MultiheadAttention(8, 2).out_proj, nn.Linear)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 2, None, False, False)
    assert (enc.enable_nested_tensor, enc.mask_check) == (False, False)


@pytest.mark.parametrize(
    "layer_kw, kw",
    [
        ({}, {}),
        ({}, {"enable_nested_tensor": False}),
        ({"batch_first": True}, {}),
        ({"batch_first": True}, {"enable_nested_tensor": False}),
        ({"batch_first": True, "norm_first": True}, {}),
        ({"batch_first": True, "activation": "gelu"}, {}),
        ({"batch_first": True, "activation": "tanh"}, {}),
        ({"batch_first": True, "bias": False}, {}),
        ({"batch_first": True, "nhead": 1}, {}),
        ({"batch_first": True, "d_model": 6, "nhead": 3}, {}),
        ({"batch_first": True, "layer_norm_eps": 1e-3}, {"mask_check": False}),
    ],
    ids=str,
)
def test_encoder_use_nested_tensor_is_torchs(torch, layer_kw, kw):
    """``TransformerEncoder.use_nested_tensor``: torch 2.13's value for the same arguments
    (deepgrad never builds nested tensors; the attribute answers as PyTorch's)."""
    import warnings

    def build(lib):
        lk = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, **layer_kw}
        if lk.get("activation") == "tanh":
            lk["activation"] = lib.tanh
        layer = lib.nn.TransformerEncoderLayer(**lk)
        return lib.nn.TransformerEncoder(layer, 2, **kw)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "enable_nested_tensor is True, but ..."
        want = build(torch).use_nested_tensor
    assert build(dg).use_nested_tensor is want
