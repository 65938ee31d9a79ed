"""ONNX export (``deepgrad.io.export_onnx``): every exported model is loaded back with ``onnx``,
checked, run with ``onnx.reference.ReferenceEvaluator`` (pure Python) on the example batch
and on batches of other sizes, and compared with deepgrad's own eval-mode output."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import models, nn
from deepgrad.io import export_onnx

onnx = pytest.importorskip("onnx", reason="ONNX export tests need the onnx package")
from onnx.reference import ReferenceEvaluator  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.normal(size=shape).astype(np.float32)


def _reference(model: nn.Module, *xs: np.ndarray) -> list[np.ndarray]:
    model.eval()
    with dg.no_grad():
        y = model(*[dg.tensor(x) for x in xs])
    ys = y if isinstance(y, (tuple, list)) else (y,)
    out: list[np.ndarray] = []
    for v in ys:
        if isinstance(v, (tuple, list)):
            out.extend(t.numpy() for t in v)
        else:
            out.append(v.numpy())
    return out


def roundtrip(tmp_path, model, example, *others, names=("input",), **kw):
    """Export, reload, check, run on ``example`` and each of ``others``; compare with deepgrad.
    Returns the loaded ``ModelProto``."""
    path = export_onnx(model, tmp_path / "model.onnx", example, input_names=names, **kw)
    assert path == tmp_path / "model.onnx" and path.exists()
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    session = ReferenceEvaluator(proto)
    for xs in (example, *others):
        xs = xs if isinstance(xs, tuple) else (xs,)
        got = session.run(None, dict(zip(names, xs)))
        want = _reference(model, *xs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    return proto


def _ops(proto) -> list[str]:
    return [n.op_type for n in proto.graph.node]


def _warm(model: nn.Module, x: np.ndarray) -> nn.Module:
    """One training-mode pass without gradients: builds lazy layers and moves batch-norm
    running statistics away from (0, 1), so that eval mode tests them."""
    model.train()
    with dg.no_grad():
        model(dg.tensor(x))
    return model


# ---- the model zoo ------------------------------------------------------------------------------
def test_mlp(tmp_path, rng):
    model = models.MLP(4, [8, 8], 3, activation="tanh")
    proto = roundtrip(tmp_path, model, _f32(rng, 5, 4), _f32(rng, 2, 4), _f32(rng, 1, 4))
    assert _ops(proto) == ["Gemm", "Tanh", "Gemm", "Tanh", "Gemm"]
    inits = {t.name for t in proto.graph.initializer}
    assert {"net.0.weight", "net.0.bias"} <= inits or any("weight" in n for n in inits)
    dim0 = proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_model_with_full_backward_hooks(tmp_path, rng):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    model[0].register_full_backward_hook(lambda *a: None)
    model[2].register_full_backward_pre_hook(lambda *a: None)
    proto = roundtrip(tmp_path, model, _f32(rng, 5, 4), _f32(rng, 2, 4))
    assert [op for op in _ops(proto) if op != "Identity"] == ["Gemm", "Tanh", "Gemm"]


class _Copies(nn.Module):
    """``clone()`` and a transposed ``contiguous()`` (the multi-head attention idiom
    ``x.transpose(1, 2).contiguous().view(...)``) between two layers."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, 6), nn.Linear(6, 3)

    def forward(self, x):
        y = self.a(x).clone()
        y = y.reshape(-1, 2, 3).transpose(1, 2).contiguous().view(-1, 6)
        return self.b(y)


def test_clone_and_contiguous_export_as_identities(tmp_path, rng):
    proto = roundtrip(tmp_path, _Copies(), _f32(rng, 5, 4), _f32(rng, 2, 4))
    assert _ops(proto).count("Identity") == 2


class _AlongAxis(nn.Module):
    """Values picked along an axis: max/min over a dim (the text CNN's max over time), top-k,
    a descending sort and a gather with a constant index (one that depends on the batch
    size is refused, as every such constant)."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how, self.proj = how, nn.Linear(6, 6)

    def forward(self, x):
        y = self.proj(x)  # (N, T, 6)
        if self.how == "max":
            return y.max(dim=1)[0] + y.min(2, keepdim=True).values.sum(1)
        if self.how == "topk":
            return y.topk(3, dim=-1).values + y.topk(3, dim=-1, largest=False)[0]
        if self.how == "sort":
            return y.sort(dim=1, descending=True)[0] - y.sort(dim=1).values
        picked = self.proj.weight.gather(1, dg.tensor([[5], [0], [1], [1], [2], [4]]))
        return y + picked.reshape(6)  # a constant index into a parameter


@pytest.mark.parametrize("how", ["max", "topk", "sort", "gather"])
def test_values_along_an_axis_export(tmp_path, rng, how):
    """``GatherElements`` with the index from ``ArgMax``/``ArgMin``/``TopK`` of the input
    (what ``max(dim)``, ``topk`` and ``sort`` select), or a constant (``gather``)."""
    proto = roundtrip(tmp_path, _AlongAxis(how), _f32(rng, 2, 5, 6), _f32(rng, 3, 5, 6))
    ops = _ops(proto)
    assert ("GatherElements" in ops) == (how != "gather")  # parameters only: folded
    want = {"max": {"ArgMax", "ArgMin"}, "topk": {"TopK"}, "sort": {"TopK"}, "gather": set()}
    assert want[how] <= set(ops)


def test_gather_with_an_integer_input_exports(tmp_path, rng):
    class M(nn.Module):
        def forward(self, x, i):
            return (x * 2).gather(1, i)

    x, i = _f32(rng, 4, 5), rng.integers(0, 5, (4, 2))
    x2, i2 = _f32(rng, 3, 5), rng.integers(0, 5, (3, 2))
    roundtrip(tmp_path, M(), (x, i), (x2, i2), names=("x", "i"))


class _Masked(nn.Module):
    """Token ids and a boolean padding mask (True = padding) given with the batch."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.emb = nn.Embedding(10, 8)
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        self.mha = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, ids, pad):
        x = self.emb(ids)
        if self.how == "masked_fill":
            return x.masked_fill(pad.unsqueeze(-1), 0.0).sum(1)
        if self.how == "encoder":
            return self.layer(x, src_key_padding_mask=pad)
        if self.how == "mha":
            y, w = self.mha(x, x, x, key_padding_mask=pad)
            return y + w.sum(-1, keepdim=True)
        return F.scaled_dot_product_attention(x, x, x, attn_mask=~pad[:, None, :])


_IDS = np.array([[3, 5, 0, 0], [2, 0, 0, 0], [7, 8, 9, 1]], np.int64)
_IDS2 = np.array([[3, 0, 0, 0], [1, 2, 0, 0]], np.int64)


@pytest.mark.parametrize("how", ["masked_fill", "encoder", "mha", "sdpa"])
def test_padding_mask_given_as_an_input_exports(tmp_path, how):
    """A boolean mask input reaches masked_fill's condition and the attention masks (the
    exporter finds it by value: no node records a boolean tensor's reshape)."""
    proto = roundtrip(tmp_path, _Masked(how).eval(), (_IDS, _IDS == 0), (_IDS2, _IDS2 == 0),
                      names=("ids", "pad"))  # fmt: skip
    assert "Where" in _ops(proto)


def test_a_padding_mask_made_from_the_ids_is_refused_naming_the_way_out(tmp_path):
    class FromIds(_Masked):
        def forward(self, ids):
            return super().forward(ids, ids == 0)

    with pytest.raises(NotImplementedError, match="give it as a boolean model input"):
        export_onnx(FromIds("mha").eval(), tmp_path / "m.onnx", _IDS)


def test_mlp_with_batchnorm_and_dropout(tmp_path, rng):
    model = _warm(models.MLP(4, [8], 3, dropout=0.5, batch_norm=True), _f32(rng, 16, 4))
    proto = roundtrip(tmp_path, model, _f32(rng, 3, 4), _f32(rng, 7, 4))
    assert "BatchNormalization" in _ops(proto)
    assert "Dropout" not in _ops(proto)


def test_lenet5(tmp_path, rng):
    model = _warm(models.LeNet5(1, 10, padding=2), _f32(rng, 2, 1, 8, 8))
    proto = roundtrip(tmp_path, model, _f32(rng, 3, 1, 8, 8), _f32(rng, 1, 1, 8, 8))
    ops = _ops(proto)
    assert ops.count("Conv") == 2 and ops.count("MaxPool") == 2 and ops.count("Gemm") == 3


def test_vgg_with_batchnorm_and_dropout(tmp_path, rng):
    model = _warm(models.VGG(1, 5, stages=((4,), (8,)), hidden=16), _f32(rng, 8, 1, 8, 8))
    proto = roundtrip(tmp_path, model, _f32(rng, 3, 1, 8, 8), _f32(rng, 2, 1, 8, 8))
    ops = _ops(proto)
    assert ops.count("BatchNormalization") == 2 and "Dropout" not in ops
    names = {t.name for t in proto.graph.initializer}
    assert "features.1.running_mean" in names and "features.1.running_var" in names


def test_resnet_blocks_with_residual_adds(tmp_path, rng):
    model = _warm(models.ResNet(1, 5, blocks=(1, 1), widths=(4, 8)), _f32(rng, 8, 1, 8, 8))
    proto = roundtrip(tmp_path, model, _f32(rng, 2, 1, 8, 8), _f32(rng, 3, 1, 8, 8))
    ops = _ops(proto)
    assert ops.count("Add") == 2  # one residual add per block
    assert "GlobalAveragePool" in ops


def test_dense_autoencoder(tmp_path, rng):
    model = models.DenseAutoencoder(12, (8,), 3)
    roundtrip(tmp_path, model, _f32(rng, 3, 12), _f32(rng, 5, 12))


def test_conv_autoencoder_transposed_convolutions(tmp_path, rng):
    model = models.ConvAutoencoder(1, 4, 2)
    proto = roundtrip(tmp_path, model, _f32(rng, 2, 1, 8, 8), _f32(rng, 1, 1, 8, 8))
    assert _ops(proto).count("ConvTranspose") == 2


def test_gan_generator_and_discriminator(tmp_path, rng):
    roundtrip(tmp_path, models.Generator(4, 6, 8), _f32(rng, 2, 4), _f32(rng, 3, 4))
    roundtrip(tmp_path, models.Discriminator(6, 8), _f32(rng, 2, 6), _f32(rng, 3, 6))


# ---- errors and the file ------------------------------------------------------------------------
class _Sorts(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return F.cumprod(self.fc(x), 1)


def test_unsupported_operation_is_named_and_no_file_is_written(tmp_path, rng):
    path = tmp_path / "model.onnx"
    with pytest.raises(NotImplementedError, match="CumProd") as info:
        export_onnx(_Sorts(), path, _f32(rng, 2, 3))
    assert "_Sorts" in str(info.value)
    assert not path.exists()
    assert os.listdir(tmp_path) == []  # no temporary file left either


def test_failed_export_keeps_an_existing_file(tmp_path, rng):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    with pytest.raises(NotImplementedError):
        export_onnx(_Sorts(), path, _f32(rng, 2, 3))
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_write_is_atomic(tmp_path, rng, monkeypatch):
    """A failure while writing leaves the previous file and no temporary file."""
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    from deepgrad.io import serialization

    real_replace = os.replace

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        export_onnx(models.MLP(3, [4], 2), path, _f32(rng, 2, 3))
    monkeypatch.setattr(serialization.os, "replace", real_replace)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_example_input_that_does_not_fit_the_model(tmp_path, rng):
    with pytest.raises(ValueError, match=r"MLP.*example_input of shape \(2, 5\).*Linear\(4, 8\)"):
        export_onnx(models.MLP(4, [8], 3), tmp_path / "m.onnx", _f32(rng, 2, 5))
    assert not (tmp_path / "m.onnx").exists()


def test_example_input_against_the_recorded_input_shape(tmp_path, rng):
    model = models.MLP(4, [8], 3)
    model.__dict__["_dg_input_spec"] = {"shape": [4], "dtype": "float32"}  # as fit() records
    with pytest.raises(ValueError, match=r"samples of shape \(4,\).*shape \(2, 1, 4\)"):
        export_onnx(model, tmp_path / "m.onnx", _f32(rng, 2, 1, 4))


def test_missing_onnx_package(tmp_path, rng, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'deepgrad\[onnx\]'"):
        export_onnx(models.MLP(4, [8], 3), tmp_path / "m.onnx", _f32(rng, 2, 4))
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("opset", [17, 18, 21])
def test_opsets(tmp_path, rng, opset):
    """Reductions take their axes as an input from opset 18: both forms are written."""
    model = _Lambda(_CUSTOM["reductions"])
    proto = roundtrip(tmp_path, model, _f32(rng, 3, 6), _f32(rng, 2, 6), opset=opset)
    assert proto.opset_import[0].version == opset


def test_bad_arguments(tmp_path, rng):
    model = models.MLP(4, [8], 3)
    x = _f32(rng, 2, 4)
    with pytest.raises(ValueError, match="opset"):
        export_onnx(model, tmp_path / "m.onnx", x, opset=9)
    with pytest.raises(ValueError, match="1 example input.*2 input_names"):
        export_onnx(model, tmp_path / "m.onnx", x, input_names=("a", "b"))
    with pytest.raises(ValueError, match="returns 1 tensor.*2 output_names"):
        export_onnx(model, tmp_path / "m.onnx", x, output_names=("y", "z"))
    with pytest.raises(ValueError, match="batch axis 0"):
        export_onnx(model, tmp_path / "m.onnx", np.float32(1.0))
    with pytest.raises(TypeError, match="Module"):
        export_onnx(lambda t: t, tmp_path / "m.onnx", x)
    assert os.listdir(tmp_path) == []


def test_training_mode_is_restored(tmp_path, rng):
    model = models.MLP(4, [8], 3, dropout=0.5, batch_norm=True)
    model.train()
    frozen = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)][0]
    frozen.eval()
    export_onnx(model, tmp_path / "m.onnx", _f32(rng, 2, 4))
    assert [m.training for m in model.modules()] == [m is not frozen for m in model.modules()]
    model.eval()
    export_onnx(model, tmp_path / "m.onnx", _f32(rng, 2, 4))
    assert not model.training


# ---- recurrent and attention models -------------------------------------------------------------
def test_lstm_autoencoder(tmp_path, rng):
    model = models.LSTMAutoencoder(3, 5)
    proto = roundtrip(tmp_path, model, _f32(rng, 2, 4, 3), _f32(rng, 3, 4, 3))
    assert _ops(proto).count("LSTM") == 2


@pytest.mark.parametrize(
    "cell, layers, bidirectional, op",
    [("lstm", 2, True, "LSTM"), ("gru", 1, False, "GRU"), ("rnn", 1, True, "RNN")],
)
def test_rnn_classifier(tmp_path, rng, cell, layers, bidirectional, op):
    model = models.RNNClassifier(
        3, 5, input_size=3, cell=cell, num_layers=layers, bidirectional=bidirectional
    )
    proto = roundtrip(tmp_path, model, _f32(rng, 2, 4, 3), _f32(rng, 3, 4, 3))
    assert _ops(proto).count(op) == layers * (2 if bidirectional else 1)


def test_rnn_classifier_on_token_ids(tmp_path, rng):
    model = models.RNNClassifier(3, 4, vocab_size=10, embedding_dim=6)
    ids = rng.integers(0, 10, size=(2, 5))
    proto = roundtrip(tmp_path, model, ids, rng.integers(0, 10, size=(4, 5)))
    assert "Gather" in _ops(proto)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


class _LSTMWithState(nn.Module):
    """All three outputs of an LSTM, from a given initial state ``(N, H)`` (every input has
    its batch on axis 0)."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)

    def forward(self, x, h0, c0):
        return self.lstm(x, (h0[None], c0[None]))


def test_lstm_outputs_and_initial_state_as_inputs(tmp_path, rng):
    def batch(n):
        return (_f32(rng, n, 5, 3), _f32(rng, n, 4), _f32(rng, n, 4))

    roundtrip(tmp_path, _LSTMWithState(), batch(2), batch(3), names=("x", "h0", "c0"),
              output_names=("y", "h", "c"))  # fmt: skip


def test_transformer_classifier(tmp_path, rng):
    model = models.TransformerClassifier(
        3, input_size=4, d_model=8, nhead=2, num_layers=1, dim_feedforward=16
    )
    proto = roundtrip(tmp_path, model, _f32(rng, 2, 5, 4), _f32(rng, 3, 5, 4))
    assert "LayerNormalization" in _ops(proto) and "Softmax" in _ops(proto)


def test_transformer_classifier_on_token_ids(tmp_path, rng):
    kw = dict(vocab_size=10, d_model=8, nhead=2, num_layers=1, dim_feedforward=8)
    model = models.TransformerClassifier(3, padding_idx=None, **kw)
    roundtrip(tmp_path, model, rng.integers(0, 10, (2, 5)), rng.integers(0, 10, (3, 5)))
    # the padding mask is computed from x.data, outside the graph: refused, not baked in
    padded = models.TransformerClassifier(3, padding_idx=0, **kw)
    for dynamic in (True, False):
        with pytest.raises(NotImplementedError, match="key_padding_mask"):
            export_onnx(padded, tmp_path / "p.onnx", rng.integers(0, 10, (2, 5)),
                        dynamic_batch=dynamic)  # fmt: skip
    assert not (tmp_path / "p.onnx").exists()


class _CausalEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)

    def forward(self, x):
        mask = nn.generate_square_subsequent_mask(x.shape[1])
        return self.layer(x, src_mask=mask)


def test_causal_self_attention(tmp_path, rng):
    roundtrip(tmp_path, _CausalEncoder(), _f32(rng, 2, 4, 8), _f32(rng, 1, 4, 8))


class _CrossAttention(nn.Module):
    """Cross-attention (separate projections) and self-attention (packed), with weights."""

    def __init__(self, batch_first: bool) -> None:
        super().__init__()
        self.att = nn.MultiheadAttention(8, 2, batch_first=batch_first)
        self.k = nn.Linear(8, 8)

    def forward(self, x):
        y, w = self.att(x, self.k(x), x)
        y2, w2 = self.att(x, x, x, average_attn_weights=False)
        return y + y2, w, w2


def test_multihead_attention_batch_first(tmp_path, rng):
    roundtrip(tmp_path, _CrossAttention(True), _f32(rng, 2, 4, 8), _f32(rng, 3, 4, 8),
              output_names=("y", "w", "w_heads"))  # fmt: skip


def test_multihead_attention_sequence_first(tmp_path, rng):
    roundtrip(tmp_path, _CrossAttention(False), _f32(rng, 4, 2, 8), dynamic_batch=False,
              output_names=("y", "w", "w_heads"))  # fmt: skip


# ---- layers one by one --------------------------------------------------------------------------
_ACTIVATIONS = [
    nn.ReLU(), nn.LeakyReLU(0.1), nn.ELU(0.7), nn.CELU(1.3), nn.SELU(), nn.GELU(),
    nn.GELU("tanh"), nn.SiLU(), nn.Mish(), nn.Sigmoid(), nn.Tanh(), nn.Softplus(),
    nn.Softplus(2.0, 5.0), nn.Softsign(), nn.LogSigmoid(), nn.Tanhshrink(),
    nn.Hardtanh(-0.5, 0.7), nn.ReLU6(), nn.Hardsigmoid(), nn.Hardswish(),
    nn.Threshold(0.1, -2.0), nn.Softmax(1), nn.LogSoftmax(1), nn.Softmin(1), nn.PReLU(4),
]  # fmt: skip


@pytest.mark.parametrize("act", _ACTIVATIONS, ids=lambda m: type(m).__name__)
def test_activations(tmp_path, rng, act):
    model = nn.Sequential(nn.Linear(3, 4), act)
    roundtrip(tmp_path, model, 3 * _f32(rng, 5, 3), 3 * _f32(rng, 2, 3))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("opset, fused", [(17, False), (20, True)])
def test_gelu_is_one_node_from_opset_20(tmp_path, rng, opset, fused, approximate):
    model = nn.Sequential(nn.GELU(approximate))
    proto = roundtrip(tmp_path, model, 3 * _f32(rng, 4, 3), opset=opset)
    assert ("Gelu" in _ops(proto)) == fused
    assert proto.opset_import[0].version == opset


_IMAGE_LAYERS = [
    nn.MaxPool2d(2), nn.MaxPool2d(3, 2, 1), nn.MaxPool2d(2, ceil_mode=True),
    nn.MaxPool2d(3, 1, dilation=2), nn.AvgPool2d(2), nn.AvgPool2d(3, 2, 1),
    nn.AvgPool2d(3, 2, 1, count_include_pad=False), nn.AvgPool2d(3, 2, 1, ceil_mode=True),
    nn.AvgPool2d(2, divisor_override=3), nn.AdaptiveAvgPool2d(1), nn.AdaptiveAvgPool2d(3),
    nn.AdaptiveMaxPool2d(1), nn.AdaptiveMaxPool2d((3, 2)), nn.Upsample(scale_factor=2),
    nn.Upsample(size=(9, 10), mode="bilinear"),
    nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
    nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2), nn.Conv2d(2, 3, 3, padding="same", dilation=2),
    nn.Conv2d(2, 3, 2, padding=1, padding_mode="reflect"),
    nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(2),
    nn.GroupNorm(1, 2), nn.InstanceNorm2d(2, affine=True), nn.LayerNorm((7, 7)), nn.Dropout2d(0.3),
    nn.Flatten(),
]  # fmt: skip


@pytest.mark.parametrize("layer", _IMAGE_LAYERS, ids=lambda m: repr(m)[:60])
def test_image_layers(tmp_path, rng, layer):
    model = _warm(nn.Sequential(layer), _f32(rng, 4, 2, 7, 7))
    roundtrip(tmp_path, model, _f32(rng, 3, 2, 7, 7), _f32(rng, 1, 2, 7, 7))


_SEQUENCE_LAYERS = [
    nn.Conv1d(2, 3, 3, padding=1), nn.ConvTranspose1d(2, 3, 3, stride=2), nn.MaxPool1d(2),
    nn.AvgPool1d(3, 2), nn.AdaptiveAvgPool1d(4), nn.AdaptiveMaxPool1d(4), nn.BatchNorm1d(2),
    nn.InstanceNorm1d(2), nn.Upsample(scale_factor=2, mode="linear"), nn.LayerNorm(9),
]  # fmt: skip


@pytest.mark.parametrize("layer", _SEQUENCE_LAYERS, ids=lambda m: repr(m)[:60])
def test_sequence_layers(tmp_path, rng, layer):
    model = _warm(nn.Sequential(layer), _f32(rng, 4, 2, 9))
    roundtrip(tmp_path, model, _f32(rng, 3, 2, 9), _f32(rng, 1, 2, 9))


def test_batchnorm1d_on_features(tmp_path, rng):
    model = _warm(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, affine=False)), _f32(rng, 8, 3))
    roundtrip(tmp_path, model, _f32(rng, 3, 3), _f32(rng, 5, 3))


# ---- custom forward code ------------------------------------------------------------------------
class _Lambda(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        return self.fn(self.fc(x))


_EYE = np.eye(6, dtype=np.float32)
_CUSTOM = {
    "arithmetic": lambda h: (h * 2 + 1) / (h.abs() + 1) - h**3 + 2 ** h.tanh() - (-h).exp().log1p(),
    "roots": lambda h: (h * h + 1).sqrt() + F.rsqrt(h * h + 1) + F.reciprocal(h * h + 2) + F.expm1(h),
    "pow": lambda h: F.pow(h.abs() + 1, h) + (h * h + 1) ** 0.5 + (h * h + 1) ** -1,
    "max_min_clip": lambda h: F.maximum(h, 0.3) + F.minimum(h, h * 2) + h.clip(-0.5, 0.5)
    + F.clamp(h, min=0.1),
    "clip_array_bounds": lambda h: h.clip(np.linspace(-1, 0, 6, dtype=np.float32), 0.5),
    "steps": lambda h: h.sin() + h.cos() + F.sign(h) + F.floor(h) + F.ceil(h) + F.round(h)
    + F.round(h, 1),
    "reshape_transpose": lambda h: h.reshape(-1, 2, 3).transpose((0, 2, 1)).reshape(h.shape[0], 6)
    @ dg.tensor(_EYE),
    "batched_matmul": lambda h: F.matmul(h.reshape(h.shape[0], 2, 3), h.reshape(h.shape[0], 3, 2))
    .reshape(h.shape[0], 4),
    "concat_stack": lambda h: F.concat([h, h * 2, F.stack([h, h], 1).reshape(h.shape[0], 12)], 1),
    "split_chunk": lambda h: F.split(h, [2, 4], 1)[1] * F.chunk(h, 2, 1)[0].sum(1, keepdims=True),
    "slicing": lambda h: h[:, 1:5:2] + h[:, -2:] + h[:, None, 3] + h[..., 0:1] + h[:, ::-1][:, :2],
    "index": lambda h: h[:, 2] + h[:, [0, 3, 3, 1]].sum(1),
    "reductions": lambda h: h.mean(1, keepdims=True) + h.sum(1, keepdims=True)
    + h.amax(1, keepdim=True) + h.amin(1, keepdim=True) + h.var(1, keepdims=True)
    + h.std(1, keepdims=True) + F.logsumexp(h, 1, keepdims=True),
    "reduce_all": lambda h: h - h.mean() + h.sum() * 0.01 + F.logsumexp(h, 1)[:, None],
    "scans_norms": lambda h: F.cumsum(h, 1) + F.prod(h, 1, keepdim=True)
    + (F.norm(h, 2, 1) + F.norm(h, 1, 1) + F.norm(h, 3, 1))[:, None],
    "where_constant_mask": lambda h: F.where(np.array([1, 0, 1, 1, 0, 0], bool), h, -h)
    + F.masked_fill(h, np.array([1, 0, 1, 0, 1, 0], bool), 0.0),
    "where_on_values": lambda h: F.where(h.data > 0, h, h * 0.5) + F.clamp(h, min=h * 0.5),
    "pads": lambda h: (F.pad(h.reshape(-1, 2, 3), ((0, 0), (1, 0), (1, 2)), value=0.5)
    + F.pad(h.reshape(-1, 2, 3), ((0, 0), (1, 0), (1, 2)), mode="replicate")).reshape(h.shape[0], 18),
    "flip_roll": lambda h: F.flip(h, 1) + F.roll(h, 2, 1),
    "einsum": lambda h: F.einsum("bi,bj->bij", h, h).reshape(h.shape[0], 36),
    "broadcast_repeat": lambda h: F.broadcast_to(h[:, None, :], (h.shape[0], 3, 6))
    .reshape(h.shape[0], 18) + F.repeat(h, (1, 3)),
    "batch_sized_constant": lambda h: h + dg.ones((h.shape[0], 1)),
    "normalize_cosine": lambda h: F.normalize(h, dim=1) + F.cosine_similarity(h, h * 2 + 1)[:, None],
    "softmax_over_batch": lambda h: F.softmax(h, 0),
    "casts": lambda h: h.astype(np.float64).astype(np.float32),
    "attention": lambda h: F.scaled_dot_product_attention(
        h.reshape(-1, 2, 3), h.reshape(-1, 2, 3), h.reshape(-1, 2, 3), is_causal=True
    ).reshape(h.shape[0], 6),
}  # fmt: skip


@pytest.mark.parametrize("name", list(_CUSTOM))
def test_custom_forward(tmp_path, rng, name):
    roundtrip(tmp_path, _Lambda(_CUSTOM[name]), _f32(rng, 4, 6), _f32(rng, 1, 6), _f32(rng, 7, 6))


class _TwoInTwoOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(4, 2)

    def forward(self, x, y):
        return self.a(x) + self.b(y), x


def test_several_inputs_and_outputs(tmp_path, rng):
    proto = roundtrip(tmp_path, _TwoInTwoOut(), (_f32(rng, 3, 3), _f32(rng, 3, 4)),
                      (_f32(rng, 5, 3), _f32(rng, 5, 4)), names=("x", "y"),
                      output_names=("s", "x_out"))  # fmt: skip
    assert [o.name for o in proto.graph.output] == ["s", "x_out"]


def test_fixed_batch(tmp_path, rng):
    proto = roundtrip(tmp_path, models.MLP(4, [8], 3), _f32(rng, 3, 4), dynamic_batch=False)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [3, 4]


def test_float64_model(tmp_path, rng):
    dg.set_default_dtype(np.float64)
    model = models.MLP(4, [8], 3)
    x = rng.normal(size=(3, 4))
    proto = roundtrip(tmp_path, model, x, rng.normal(size=(2, 4)))
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_float64_example_for_a_float32_model(tmp_path, rng):
    """A NumPy float64 batch is cast to the model's dtype, as ``predict`` does."""
    model = models.MLP(4, [8], 3)
    proto = roundtrip(tmp_path, model, rng.normal(size=(3, 4)).astype(np.float32))
    path = export_onnx(model, tmp_path / "m64.onnx", rng.normal(size=(3, 4)))
    assert onnx.load(path).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_node_names_follow_the_modules(tmp_path, rng):
    model = _warm(models.LeNet5(1, 10, padding=2), _f32(rng, 2, 1, 8, 8))
    proto = roundtrip(tmp_path, model, _f32(rng, 2, 1, 8, 8))
    conv_names = [n.name for n in proto.graph.node if n.op_type == "Conv"]
    assert any("features.0" in n for n in conv_names)


# ---- what cannot be exported --------------------------------------------------------------------
class _ValueFromData(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x) * float(x.data.mean())  # a number read from the data: a constant


@pytest.mark.parametrize("dynamic", [True, False])
def test_values_read_from_the_data_are_refused(tmp_path, rng, dynamic):
    with pytest.raises(NotImplementedError, match="outside the recorded graph"):
        export_onnx(_ValueFromData(), tmp_path / "m.onnx", _f32(rng, 3, 3), dynamic_batch=dynamic)


class _Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        h = self.fc(x)
        return h.exp() if x.shape[0] > 2 else h.tanh()  # control flow on the batch size


def test_control_flow_on_the_batch_size_is_refused(tmp_path, rng):
    with pytest.raises(NotImplementedError, match="the graph"):
        export_onnx(_Branchy(), tmp_path / "m.onnx", _f32(rng, 2, 3))
    export_onnx(_Branchy(), tmp_path / "m.onnx", _f32(rng, 2, 3), dynamic_batch=False)


def test_where_on_a_condition_computed_outside_the_graph_is_refused(tmp_path, rng):
    model = _Lambda(lambda h: F.where(h.data > 0.1, h, h * 0.5))  # 0.1 is not in the graph
    with pytest.raises(NotImplementedError, match="where"):
        export_onnx(model, tmp_path / "m.onnx", _f32(rng, 4, 6))


def test_training_mode_dropout_in_forward_is_refused(tmp_path, rng):
    model = _Lambda(lambda h: F.dropout(h, 0.5, training=True))
    with pytest.raises(NotImplementedError, match="Dropout"):
        export_onnx(model, tmp_path / "m.onnx", _f32(rng, 2, 6))


# ---- PyTorch's newer layers (issue 13) --------------------------------------------------------
NEW_LAYERS = {
    "ZeroPad2d": (lambda: nn.ZeroPad2d((1, 0, 2, 1)), (2, 2, 4, 4)),
    "ReflectionPad2d": (lambda: nn.ReflectionPad2d(1), (2, 2, 4, 4)),
    "ConstantPad1d_crop": (lambda: nn.ConstantPad1d((-1, 2), 1.5), (2, 2, 4)),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), (2, 8, 3, 3)),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), (2, 2, 4, 4)),
    "ChannelShuffle": (lambda: nn.ChannelShuffle(2), (2, 4, 3, 3)),
    "Softmax2d": (lambda: nn.Softmax2d(), (2, 3, 4, 4)),
    "GLU": (lambda: nn.GLU(), (2, 4)),
    "RReLU": (lambda: nn.RReLU(), (2, 4)),
    "Softshrink": (lambda: nn.Softshrink(), (2, 4)),
    "AlphaDropout": (lambda: nn.AlphaDropout(), (2, 4)),
    "LocalResponseNorm": (lambda: nn.LocalResponseNorm(2), (2, 4, 3, 3)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 2)), (2, 4)),
    "Conv3d": (lambda: nn.Conv3d(2, 3, 3, padding=1), (2, 2, 4, 4, 4)),
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 3, 3, stride=2), (2, 2, 3, 3, 3)),
    "MaxPool3d": (lambda: nn.MaxPool3d(2), (2, 2, 4, 4, 4)),
    "AvgPool3d": (lambda: nn.AvgPool3d(2), (2, 2, 4, 4, 4)),
}


@pytest.mark.parametrize("name", sorted(NEW_LAYERS))
def test_newer_layers_export(tmp_path, rng, name):
    make, shape = NEW_LAYERS[name]
    roundtrip(tmp_path, nn.Sequential(make()), _f32(rng, *shape), _f32(rng, *shape))


class _TwoInputs(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x, x * 0.5 + 1.0)


@pytest.mark.parametrize(
    "layer", [nn.Bilinear(4, 4, 2), nn.CosineSimilarity(), nn.PairwiseDistance()]
)
def test_newer_two_input_layers_export(tmp_path, rng, layer):
    roundtrip(tmp_path, _TwoInputs(layer), _f32(rng, 2, 4))


@pytest.mark.parametrize(
    "make, example, named",
    [
        (lambda: nn.Unfold(2), (2, 2, 4, 4), "Unfold"),
        (lambda: nn.Fold((4, 4), 2), (2, 8, 9), "Fold"),
        (lambda: nn.CircularPad1d(1), (2, 2, 4), "circular padding"),
        (lambda: nn.Hardshrink(), (2, 4), "where"),
    ],
)
def test_newer_layers_without_translation_are_refused_by_name(tmp_path, rng, make, example, named):
    with pytest.raises(NotImplementedError, match=named):
        export_onnx(nn.Sequential(make()), tmp_path / "m.onnx", dg.tensor(_f32(rng, *example)))
    assert not (tmp_path / "m.onnx").exists()
