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
    model = models.MLP(4, [8], 3, dropout=0.5)
    model.train()
    export_onnx(model, tmp_path / "m.onnx", _f32(rng, 2, 4))
    assert model.training and all(m.training for m in model.modules())
    model.eval()
    export_onnx(model, tmp_path / "m.onnx", _f32(rng, 2, 4))
    assert not model.training
