"""PyTorch's factory keywords (``device=``, ``dtype=``) on every parametrized layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn
from deepgrad.io import serialization

LAYERS = {
    "Linear": lambda **k: nn.Linear(3, 4, **k),
    "Bilinear": lambda **k: nn.Bilinear(2, 3, 4, **k),
    "Conv1d": lambda **k: nn.Conv1d(2, 3, 3, **k),
    "Conv2d": lambda **k: nn.Conv2d(2, 3, 3, **k),
    "Conv3d": lambda **k: nn.Conv3d(2, 3, 3, **k),
    "ConvTranspose1d": lambda **k: nn.ConvTranspose1d(2, 3, 3, **k),
    "ConvTranspose2d": lambda **k: nn.ConvTranspose2d(2, 3, 3, **k),
    "ConvTranspose3d": lambda **k: nn.ConvTranspose3d(2, 3, 3, **k),
    "BatchNorm1d": lambda **k: nn.BatchNorm1d(3, **k),
    "BatchNorm2d": lambda **k: nn.BatchNorm2d(3, **k),
    "LayerNorm": lambda **k: nn.LayerNorm(4, **k),
    "GroupNorm": lambda **k: nn.GroupNorm(2, 4, **k),
    "InstanceNorm1d": lambda **k: nn.InstanceNorm1d(3, affine=True, **k),
    "InstanceNorm2d": lambda **k: nn.InstanceNorm2d(3, affine=True, **k),
    "Embedding": lambda **k: nn.Embedding(5, 3, **k),
    "EmbeddingBag": lambda **k: nn.EmbeddingBag(5, 3, **k),
    "RNN": lambda **k: nn.RNN(3, 4, **k),
    "LSTM": lambda **k: nn.LSTM(3, 4, **k),
    "GRU": lambda **k: nn.GRU(3, 4, **k),
    "RNNCell": lambda **k: nn.RNNCell(3, 4, **k),
    "LSTMCell": lambda **k: nn.LSTMCell(3, 4, **k),
    "GRUCell": lambda **k: nn.GRUCell(3, 4, **k),
    "MultiheadAttention": lambda **k: nn.MultiheadAttention(4, 2, **k),
    "TransformerEncoderLayer": lambda **k: nn.TransformerEncoderLayer(4, 2, 8, **k),
    "TransformerDecoderLayer": lambda **k: nn.TransformerDecoderLayer(4, 2, 8, **k),
    "Transformer": lambda **k: nn.Transformer(4, 2, 1, 1, 8, **k),
    "PReLU": lambda **k: nn.PReLU(**k),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_dtype_makes_the_same_draws_in_that_dtype(name: str) -> None:
    make = LAYERS[name]
    dg.manual_seed(0)
    ours = make(device="cpu", dtype=dg.float64)
    previous = dg.get_default_dtype()
    dg.manual_seed(0)
    dg.set_default_dtype(dg.float64)
    try:
        reference = make()
    finally:
        dg.set_default_dtype(previous)
    assert dg.get_default_dtype() == previous  # the constructor left it as it was
    for t in list(ours.parameters()) + list(ours.buffers()):
        assert t.dtype == np.float64 or t.dtype.kind != "f"
    for (k, a), (_, b) in zip(ours.state_dict().items(), reference.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)


def test_linear_takes_torchs_positions_and_keeps_its_extras_after() -> None:
    m = nn.Linear(3, 4, True, "cpu", dg.float64, "zeros")
    assert m.weight.dtype == np.float64 and not m.weight.numpy().any()
    t = torch.nn.Linear(3, 4, True, "cpu", torch.float64)
    assert t.weight.dtype == torch.float64


def test_lazy_layer_builds_in_the_constructors_dtype_and_device() -> None:
    m = nn.Linear(None, 2, device="cpu", dtype=dg.float64)
    m(dg.zeros(1, 3, dtype=dg.float64))
    assert m.weight.dtype == np.float64 and m.weight.device == "cpu"
    c = nn.Conv2d(None, 2, 3, dtype=dg.float64)
    c(dg.zeros(1, 4, 5, 5, dtype=dg.float64))
    assert c.weight.dtype == np.float64 and c.bias.dtype == np.float64


def test_bad_factory_arguments_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="floating dtype"):
        nn.Linear(3, 4, dtype=dg.int64)
    with pytest.raises(ValueError, match="did you mean 'cpu'"):
        nn.Conv2d(1, 1, 1, device="cpy")
    if not dg.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            nn.Linear(3, 4, device="cuda")
        with pytest.raises(RuntimeError, match=r"Linear\(device='cuda'\): CUDA is not"):
            nn.Linear(None, 4, device="cuda")  # refused before a lazy layer builds


def test_config_keeps_dtype_and_leaves_device_out() -> None:
    m = nn.Linear(3, 4, device="cpu", dtype=dg.float64)
    assert m.get_config() == {"in_features": 3, "out_features": 4, "dtype": np.float64}
    rebuilt = serialization.module_from_config(serialization.module_to_config(m))
    assert rebuilt.weight.dtype == np.float64


def test_embedding_sparse_weight_and_freeze() -> None:
    w = np.arange(6.0).reshape(3, 2)
    emb = nn.Embedding(3, 2, sparse=True, _weight=w, _freeze=True)
    np.testing.assert_array_equal(emb.weight.numpy(), w)
    assert not emb.weight.requires_grad
    ref = torch.nn.Embedding(3, 2, sparse=True, _weight=torch.tensor(w), _freeze=True)
    out = emb(dg.tensor([2, 0])).numpy()
    np.testing.assert_array_equal(out, ref(torch.tensor([2, 0])).numpy())
    with pytest.raises(ValueError, match="shape of _weight"):
        nn.Embedding(4, 2, _weight=w)


def test_multihead_attention_takes_torchs_order() -> None:
    mha = nn.MultiheadAttention(4, 2, 0.0, True, True, True, None, None, True)
    assert mha.batch_first and mha.add_zero_attn and tuple(mha.bias_k.shape) == (1, 1, 4)
    assert not nn.MultiheadAttention(4, 2, batch_first=False).batch_first
