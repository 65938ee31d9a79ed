"""save / load_model / save_weights / load_weights: exact round trips, never pickle, refusals."""

from __future__ import annotations

import io
import json
import os
import pickle
import tomllib
import zipfile

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.io import ModelFileError
from deepgrad.io import serialization as S


def digits_like(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 1, 8, 8)), rng.integers(0, 10, n)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(None, 10),
    )


def test_save_load_identical_predictions_and_compile_info(tmp_path):
    x, y = digits_like()
    model = cnn().compile(
        optim.Adam(lr=3e-3), nn.CrossEntropyLoss(label_smoothing=0.1), ["accuracy"]
    )
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=0)
    path = tmp_path / "cnn.dg"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == {"config.json", "weights.safetensors", "state.safetensors"}
        cfg = json.loads(zf.read("config.json"))
    assert cfg["model"]["class"] == "Sequential"
    assert [m["class"] for m in cfg["model"]["config"]["modules"]][:2] == ["Conv2d", "BatchNorm2d"]
    assert cfg["input"] == {"shape": [1, 8, 8], "dtype": "float32"}
    loaded = dg.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[k], v)
    c = loaded.__dict__["_dg_compiled"]
    assert type(c.optimizer).__name__ == "Adam" and c.optimizer.param_groups[0]["lr"] == 3e-3
    assert c.loss.label_smoothing == 0.1 and c.loss_name == "cross_entropy"
    assert [m.name for m in c.metrics] == ["accuracy"]
    assert loaded.evaluate(x, y) == model.evaluate(x, y)


def test_fit_resumes_exactly_after_load(tmp_path):
    x, y = digits_like()
    model = cnn().compile(optim.Adam(lr=3e-3), "cross_entropy", ["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=3)
    model.save(tmp_path / "m.dg")
    loaded = dg.load_model(tmp_path / "m.dg")
    h1 = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0, seed=3)
    h2 = loaded.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0, seed=3)
    assert h1.history == h2.history
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[k], v, err_msg=k)


@dg.register
class TinyNet(nn.Module):
    def __init__(self, hidden: int = 8, classes: int = 3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(None, hidden), nn.Tanh())
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.body(x))


def test_subclassed_registered_model_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 5))
    model = TinyNet(hidden=6)
    model.predict(x)  # builds the lazy layer and records the input shape
    model.save(tmp_path / "t.dg")  # not compiled: architecture and weights only
    loaded = dg.load_model(tmp_path / "t.dg")
    assert isinstance(loaded, TinyNet) and loaded.head.in_features == 6
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_unregistered_class_cannot_be_saved_nor_loaded(tmp_path):
    class Local(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(TypeError, match="not a registered layer class.*@dg.register"):
        Local().save(tmp_path / "x.dg")
    dg.register(Local, name="LocalNet")
    Local().save(tmp_path / "x.dg")
    dg.io.unregister("LocalNet")
    with pytest.raises(ModelFileError, match="'LocalNet' is not a registered layer class"):
        dg.load_model(tmp_path / "x.dg")
    with pytest.raises(ValueError, match="already taken"):
        dg.register(Local, name="Linear")


def test_save_weights_load_weights(tmp_path):
    x, y = digits_like()
    model = cnn().compile("adam", "cross_entropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.safetensors") if hasattr(model, "save_weights") else (
        dg.train.save_weights(model, tmp_path / "w.safetensors")
    )
    other = cnn()  # lazy last layer: built from the input shape stored in the metadata
    dg.train.load_weights(other, tmp_path / "w.safetensors")
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    from safetensors.numpy import load_file

    assert set(load_file(tmp_path / "w.safetensors")) == set(model.state_dict())
    wrong = nn.Sequential(nn.Linear(3, 3))
    with pytest.raises(ModelFileError, match="do not match"):
        dg.train.load_weights(wrong, tmp_path / "w.safetensors")


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payloads_never_execute(tmp_path):
    marker = str(tmp_path / "pwned")
    blob = pickle.dumps(Payload(marker))
    # a raw pickle file
    (tmp_path / "raw.dg").write_bytes(blob)
    with pytest.raises(ModelFileError, match="pickle"):
        dg.load_model(tmp_path / "raw.dg")
    with pytest.raises(ModelFileError, match="pickle"):
        dg.train.load_weights(nn.Linear(2, 2), tmp_path / "raw.dg")
    # a zip holding a pickle (like a PyTorch checkpoint)
    with zipfile.ZipFile(tmp_path / "torchlike.dg", "w") as zf:
        zf.writestr("archive/data.pkl", blob)
    with pytest.raises(ModelFileError, match="pickle"):
        dg.load_model(tmp_path / "torchlike.dg")
    # a deepgrad file whose extra entry is a pickle, and whose config names an importable
    good = tmp_path / "good.dg"
    nn.Sequential(nn.Linear(2, 2)).save(good)
    with zipfile.ZipFile(good) as zf:
        cfg = json.loads(zf.read("config.json"))
        weights = zf.read("weights.safetensors")
    evil = dict(cfg, model={"class": "os.system", "config": {"command": f"touch {marker}"}})
    with zipfile.ZipFile(tmp_path / "evil.dg", "w") as zf:
        zf.writestr("config.json", json.dumps(evil))
        zf.writestr("weights.safetensors", weights)
        zf.writestr("data.pkl", blob)
    with pytest.raises(ModelFileError, match=r"unexpected entries \['data.pkl'\]"):
        dg.load_model(tmp_path / "evil.dg")
    with zipfile.ZipFile(tmp_path / "evil1.dg", "w") as zf:
        zf.writestr("config.json", json.dumps(evil))
        zf.writestr("weights.safetensors", weights)
    with pytest.raises(ModelFileError, match="'os.system' is not a registered layer class"):
        dg.load_model(tmp_path / "evil1.dg")
    evil2 = dict(cfg, model={"class": "Sequential", "config": {"modules": [{"class": "eval"}]}})
    with zipfile.ZipFile(tmp_path / "evil2.dg", "w") as zf:
        zf.writestr("config.json", json.dumps(evil2))
        zf.writestr("weights.safetensors", weights)
    with pytest.raises(ModelFileError, match="'eval' is not a registered"):
        dg.load_model(tmp_path / "evil2.dg")
    assert not os.path.exists(marker)


def test_torch_checkpoint_is_refused(tmp_path, torch):
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ModelFileError, match="pickle"):
        dg.load_model(path)


def test_truncated_and_corrupted_files(tmp_path):
    x, y = digits_like()
    model = cnn().compile("adam", "cross_entropy")
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.dg"
    model.save(path)
    data = path.read_bytes()
    (tmp_path / "trunc.dg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        dg.load_model(tmp_path / "trunc.dg")
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("weights.safetensors")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    bad = bytearray(data)
    mid = start + info.compress_size // 2
    bad[mid : mid + 8] = bytes(8) if bad[mid : mid + 8] != bytes(8) else b"\xff" * 8
    (tmp_path / "bad.dg").write_bytes(bytes(bad))
    with pytest.raises(ModelFileError, match="corrupted"):
        dg.load_model(tmp_path / "bad.dg")
    (tmp_path / "empty.dg").write_bytes(b"")
    with pytest.raises(ModelFileError):
        dg.load_model(tmp_path / "empty.dg")
    with pytest.raises(FileNotFoundError):
        dg.load_model(tmp_path / "missing.dg")
    (tmp_path / "w.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ModelFileError, match="corrupted"):
        dg.train.load_weights(nn.Linear(2, 2), tmp_path / "w.safetensors")


def test_oversized_and_overcompressed_entries_refused_before_inflating(tmp_path, monkeypatch):
    good = tmp_path / "good.dg"
    nn.Sequential(nn.Linear(2, 2)).save(good)
    with zipfile.ZipFile(good) as zf:
        cfg = zf.read("config.json")
    bomb = tmp_path / "bomb.dg"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", cfg)
        zf.writestr("weights.safetensors", bytes(16 * 2**20))  # 16 MiB of zeros → ~16 KiB
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *a, **kw):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *a, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(ModelFileError, match="zip bomb"):
        dg.load_model(bomb)
    assert "weights.safetensors" not in opened  # refused from the header, never inflated
    monkeypatch.setattr(S, "MAX_ENTRY_BYTES", 100)
    with pytest.raises(ModelFileError, match="over the limit"):
        dg.load_model(good)


def test_model_from_config_for_handwritten_toml():
    text = """
    [model]
    class = "Sequential"

    [[model.config.modules]]
    class = "Linear"
    config = { in_features = 4, out_features = 8 }

    [[model.config.modules]]
    class = "ReLU"

    [[model.config.modules]]
    class = "Linear"
    config = { in_features = 8, out_features = 3 }
    """
    model = dg.train.model_from_config(tomllib.loads(text)["model"])
    assert isinstance(model, nn.Sequential) and len(model) == 3
    assert model(dg.randn(2, 4)).shape == (2, 3)
    same = dg.train.model_from_config(json.dumps(dg.io.module_to_config(model)))
    assert [type(m) for m in same] == [type(m) for m in model]
    with pytest.raises(ModelFileError, match="no constructor argument"):
        dg.train.model_from_config({"class": "Linear", "config": {"inn": 3, "out_features": 2}})


def test_config_preserves_tuples_and_nested_modules():
    conv = nn.Conv2d(1, 2, (3, 5), padding=(1, 2))
    cfg = dg.io.module_to_config(conv)
    rebuilt = dg.io.module_from_config(json.loads(json.dumps(cfg)))
    assert rebuilt.get_config() == conv.get_config()
    from collections import OrderedDict

    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.ReLU()))
    rebuilt = dg.io.module_from_config(json.loads(json.dumps(dg.io.module_to_config(seq))))
    assert [n for n, _ in rebuilt.named_children()] == ["fc", "act"]


def test_non_jsonable_argument_explained():
    layer = nn.Linear(2, 2, weight_init=lambda w: None)
    with pytest.raises(TypeError, match="weight_init.*function|JSON-able"):
        dg.io.module_to_config(layer)


def test_double_model_roundtrip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2)).double()
    x = np.random.default_rng(0).normal(size=(4, 3))
    model.save(tmp_path / "d.dg")
    loaded = dg.load_model(tmp_path / "d.dg")
    assert loaded[0].weight.dtype == np.float64
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_archive_writer_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(TypeError):
        S.write_archive(tmp_path / "x.dg", {"bad": object()})
    assert list(tmp_path.iterdir()) == []
    buf = io.BytesIO()
    assert buf.getvalue() == b""


class _Unprintable:
    def __repr__(self):
        raise RuntimeError("disk full")  # a write that fails half-way


@pytest.mark.parametrize("method", ["to_json", "to_csv"])
def test_history_files_are_written_atomically(tmp_path, method):
    """A write that failed half-way left a truncated file in place of the old one."""
    from deepgrad.train.history import History

    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 0.5})
    path = tmp_path / f"history.{method[3:]}"
    getattr(h, method)(path)
    old = path.read_bytes()
    h.on_epoch_end(1, {"loss": 0.25})
    h.epoch.append(2)
    h.history["loss"].append(_Unprintable() if method == "to_csv" else {1, 2})
    with pytest.raises((RuntimeError, TypeError)):
        getattr(h, method)(path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
