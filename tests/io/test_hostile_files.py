"""Hostile model files: every malformed file is refused with ``ModelFileError`` naming the
problem, fast (< 1 s) and with no allocation beyond the file's real contents.

Each case starts from a real saved model (``good``) and breaks one thing: the zip container,
the JSON config, the safetensors header, a declared shape, a type, the optimizer state.
"""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from safetensors.numpy import save as st_save

import deepgrad as dg
from deepgrad import nn
from deepgrad.io import ModelFileError

#: most bytes any refused load may allocate at its peak (the files here are a few KiB)
PEAK_LIMIT = 8 * 2**20


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, bytes]:
    """The entries of a small compiled model file with optimizer state."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    model.fit(x, np.arange(8) % 2, epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("good") / "good.dg"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def config_of(good: dict[str, bytes]) -> dict:
    return json.loads(good["config.json"])


def zip_bytes(entries: dict[str, bytes], compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def with_config(good: dict[str, bytes], config: dict, **replace: bytes) -> bytes:
    entries = dict(good)
    entries["config.json"] = json.dumps(config).encode()
    entries.update({k.replace("_", "."): v for k, v in replace.items()})
    return zip_bytes(entries)


def refused(
    tmp_path, data: bytes, match: str | None = None, *, loader=None, peak_limit=PEAK_LIMIT
) -> ModelFileError:
    """Load ``data`` as a model file: it must raise ModelFileError (matching ``match``) within
    a second, allocating at most PEAK_LIMIT bytes at the peak."""
    path = tmp_path / "hostile.dg"
    path.write_bytes(data)
    load = loader or dg.load_model
    elapsed = []
    for _ in range(3):  # the fastest of up to 3 tries: a busy machine may stall one of them
        t0 = time.perf_counter()
        with pytest.raises(ModelFileError, match=match) as info:
            load(path)
        elapsed.append(time.perf_counter() - t0)
        if elapsed[-1] < 1.0:
            break
    assert min(elapsed) < 1.0, f"took {min(elapsed):.2f} s to refuse: {info.value}"
    tracemalloc.start()  # again, measuring memory (tracemalloc slows Python several-fold)
    try:
        with pytest.raises(ModelFileError, match=match):
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_limit, f"allocated {peak} bytes to refuse: {info.value}"
    return info.value


def test_the_good_file_loads(tmp_path, good):
    path = tmp_path / "m.dg"
    path.write_bytes(zip_bytes(good))
    model = dg.load_model(path)
    assert isinstance(model, nn.Sequential) and model[0].weight.shape == (3, 4)


# ---- the zip container ---------------------------------------------------------------------------
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, -1, -22, 30])
def test_truncated_zip(tmp_path, good, keep):
    data = zip_bytes(good)
    cut = int(len(data) * keep) if isinstance(keep, float) else (keep % len(data))
    refused(tmp_path, data[:cut], "truncated or corrupted|not a readable|corrupted")


def test_not_a_zip_at_all(tmp_path):
    refused(tmp_path, b"", "not a readable")
    refused(tmp_path, np.random.default_rng(0).bytes(4096), "not a readable")


def test_zip_bombs_are_refused_before_inflating(tmp_path, good):
    bomb = dict(good, **{"weights.safetensors": bytes(8 * 2**20)})
    refused(tmp_path, zip_bytes(bomb, zipfile.ZIP_DEFLATED), "zip bomb")
    cfg_bomb = dict(good, **{"config.json": b" " * (20 * 2**20) + good["config.json"]})
    refused(tmp_path, zip_bytes(cfg_bomb, zipfile.ZIP_DEFLATED), "zip bomb|over the limit")


def test_entry_declaring_more_than_the_file_holds(tmp_path, good):
    """The central directory says the weights are ~4 GB (compressed and inflated)."""
    data = bytearray(zip_bytes(good))
    pos, patched = 0, 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        n = struct.unpack("<H", data[pos + 28 : pos + 30])[0]
        if data[pos + 46 : pos + 46 + n] == b"weights.safetensors":
            data[pos + 20 : pos + 28] = struct.pack("<II", 2**32 - 2, 2**32 - 2)
            patched += 1
        pos += 4
    assert patched == 1
    refused(tmp_path, bytes(data), "claims 4294967294 compressed bytes")


def test_missing_and_unexpected_entries(tmp_path, good):
    refused(
        tmp_path, zip_bytes({"weights.safetensors": good["weights.safetensors"]}), "no config.json"
    )
    no_weights = {k: v for k, v in good.items() if k != "weights.safetensors"}
    refused(tmp_path, zip_bytes(no_weights), "holds no weights.safetensors")
    refused(tmp_path, zip_bytes(dict(good, **{"evil.py": b"import os"})), "unexpected entries")
    refused(tmp_path, zip_bytes({"archive/data.pkl": b"\x80\x04N."}), "pickle")


def test_duplicate_entries(tmp_path, good):
    buf = io.BytesIO()
    with pytest.warns(UserWarning, match="Duplicate"), zipfile.ZipFile(buf, "w") as zf:
        for name, data in good.items():
            zf.writestr(name, data)
        zf.writestr("config.json", good["config.json"])
    refused(tmp_path, buf.getvalue(), "appears twice")


def test_encrypted_flag(tmp_path, good):
    data = bytearray(zip_bytes(good))
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        data[pos + 8] |= 0x1  # general purpose flag: encrypted
        pos += 4
    refused(tmp_path, bytes(data), "encrypted")


# ---- the JSON config -----------------------------------------------------------------------------
def test_config_not_json_not_utf8_not_an_object(tmp_path, good):
    refused(tmp_path, with_config(good, {}, config_json=b"{not json"), "not valid JSON")
    refused(tmp_path, with_config(good, {}, config_json=b'{"a": "\xff\xfe"}'), "not UTF-8")
    refused(tmp_path, with_config(good, {}, config_json=b"[1, 2]"), "not a deepgrad config")
    refused(tmp_path, with_config(good, {}, config_json=b'"deepgrad"'), "not a deepgrad config")


def test_duplicate_json_keys(tmp_path, good):
    text = good["config.json"].decode().replace('"kind": "model"', '"kind": "model", "kind": "x"')
    assert text.count('"kind"') == 2
    refused(tmp_path, with_config(good, {}, config_json=text.encode()), "'kind' appears twice")


@pytest.mark.parametrize("depth", [150, 500, 100_000])
def test_deep_nesting(tmp_path, good, depth):
    cfg = config_of(good)
    text = json.dumps(cfg).replace(
        '"in_features": 4', '"in_features": ' + "[" * depth + "]" * depth
    )
    refused(tmp_path, with_config(good, {}, config_json=text.encode()), "nests deeper")


def test_deeply_nested_layers(tmp_path, good):
    cfg = config_of(good)
    layer = {"class": "ReLU"}
    for _ in range(200):
        layer = {"class": "Sequential", "config": {"modules": [layer]}}
    cfg["model"] = layer
    refused(tmp_path, with_config(good, cfg), "nests deeper")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("format", "pytorch", "not a deepgrad config"),
        ("format", 5, "not a deepgrad config"),
        ("format_version", 99, "format version 99"),
        ("format_version", "1", "format version"),
        ("format_version", 1.0, "format version"),
        ("format_version", None, "format version"),
        ("kind", "backup", "not a saved model"),
        ("kind", 5, "not a saved model"),
        ("model", None, "no architecture"),
        ("model", 5, "no architecture"),
        ("model", [], "no architecture"),
        ("model", {"class": 5}, "must be a registered class name"),
        ("model", {"class": None}, "must be a registered class name"),
        ("model", {"class": ["Linear"]}, "must be a registered class name"),
        ("model", {"class": "Linear", "config": 5}, "must be a dict"),
        ("model", {"class": "Linear", "config": []}, "must be a dict"),
        ("model", {"class": "Linear", "extra": 1}, "unexpected keys"),
        ("model", {"config": {}}, "must be given as"),
        (
            "model",
            {"class": "Linear", "config": {"in_features": "4", "out_features": 2}},
            "could not build Linear",
        ),  # fmt: skip
        (
            "model",
            {"class": "Linear", "config": {"in_features": 4.5, "out_features": 2}},
            "could not build Linear",
        ),  # fmt: skip
        (
            "model",
            {"class": "Linear", "config": {"in_features": -4, "out_features": 2}},
            "could not build Linear",
        ),  # fmt: skip
        ("model", {"class": "Linear", "config": {"in_features": 4}}, "could not build Linear"),
        (
            "model",
            {"class": "Linear", "config": {"in_features": 4, "out_features": 2, "x": 1}},
            "no constructor argument",
        ),  # fmt: skip
        ("model", {"class": "Sequential", "config": {"modules": 5}}, "must be a list"),
        (
            "model",
            {"class": "Sequential", "config": {"modules": [5]}},
            "could not build Sequential",
        ),  # fmt: skip
        (
            "model",
            {
                "class": "Conv2d",
                "config": {"in_channels": 1, "out_channels": 1, "kernel_size": {"__tuple__": 5}},
            },
            "could not build Conv2d",
        ),  # fmt: skip
        (
            "model",
            {
                "class": "Linear",
                "config": {
                    "in_features": 4,
                    "out_features": 2,
                    "weight_init": {"__dtype__": "object"},
                },
            },
            "refusing dtype",
        ),  # fmt: skip
        ("input", 5, "'input' must be"),
        ("input", {"shape": "4", "dtype": "float32"}, "input shape must be"),
        ("input", {"shape": [4.0], "dtype": "float32"}, "input shape must be"),
        ("input", {"shape": [-4], "dtype": "float32"}, "input shape must be"),
        ("input", {"shape": [4], "dtype": "object"}, "refusing dtype"),
        ("input", {"shape": [4], "dtype": 5}, "refusing dtype"),
        ("input", {"shape": [10**6, 10**6], "dtype": "float32"}, "elements per sample"),
        ("input", {"shape": [1] * 20, "dtype": "float32"}, "input shape must be"),
        ("dtype", "object", "refusing dtype"),
        ("dtype", "complex64", "refusing dtype"),
        ("dtype", 5, "refusing dtype"),
        ("dtype", [], "refusing dtype"),
        ("compile", 5, "compile"),
        ("compile", {"optimizer": 5}, "optimizer"),
        ("compile", {"optimizer": {"name": 5}}, "optimizer's name"),
        ("compile", {"optimizer": {"name": "adamm"}}, "cannot rebuild the optimizer"),
        ("compile", {"optimizer": {"name": "adam", "defaults": 5}}, "defaults"),
        (
            "compile",
            {"optimizer": {"name": "adam", "defaults": {"__dict__": {"lr": "x"}}}},
            "optimizer",
        ),  # fmt: skip
        ("compile", {"optimizer": {"name": "adam"}, "loss": 5}, "must be given as"),
        (
            "compile",
            {"optimizer": {"name": "adam"}, "loss": {"class": "Linaer"}},
            "did you mean 'Linear'",
        ),  # fmt: skip
        (
            "compile",
            {"optimizer": {"name": "adam"}, "loss": {"class": "CrossEntropyLoss"}, "metrics": 5},
            "metrics",
        ),  # fmt: skip
        (
            "compile",
            {
                "optimizer": {"name": "adam"},
                "loss": {"class": "CrossEntropyLoss"},
                "metrics": [{"class": "os.system"}],
            },
            "unknown metric",
        ),  # fmt: skip
    ],
)
def test_wrong_types_in_config_fields(tmp_path, good, field, value, match):
    cfg = config_of(good)
    cfg[field] = value
    refused(tmp_path, with_config(good, cfg), match)


def test_every_config_field_with_wrong_types_loads_or_is_refused(tmp_path, good):
    """Replace every value anywhere in the config by values of other types: loading either
    succeeds (a value the constructor accepts) or raises ModelFileError — never another
    exception, never slowly."""
    cfg = config_of(good)
    paths = []

    def walk(v, path):
        paths.append(path)
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, (*path, k))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, (*path, i))

    walk(cfg, ())
    outcomes = {"loaded": 0, "refused": 0}
    t0 = time.perf_counter()
    values = (-1, "x", {"k": [None]}, None)
    for i, path in enumerate(paths[1:]):
        for value in (values[i % 4],):
            c = json.loads(json.dumps(cfg))
            target = c
            for k in path[:-1]:
                target = target[k]
            target[path[-1]] = value
            p = tmp_path / "f.dg"
            p.write_bytes(with_config(good, c))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "loaded uncompiled" for a broken loss
                    dg.load_model(p)
                outcomes["loaded"] += 1
            except ModelFileError:
                outcomes["refused"] += 1
    assert outcomes["refused"] > 50 and time.perf_counter() - t0 < 30, outcomes


def test_unknown_class_names_list_the_nearest(tmp_path, good):
    cfg = config_of(good)
    cfg["model"]["config"]["modules"][1] = {"class": "Relu"}
    e = refused(tmp_path, with_config(good, cfg), "'Relu' is not a registered layer class")
    assert "did you mean 'ReLU'" in str(e)
    cfg["model"] = {"class": "os.system", "config": {"command": "echo pwned"}}
    refused(tmp_path, with_config(good, cfg), "'os.system' is not a registered")


# ---- declared shapes vs the weights ------------------------------------------------------------
@pytest.mark.parametrize(
    ("layer", "match"),
    [
        (
            {"class": "Linear", "config": {"in_features": 20000, "out_features": 20000}},
            r"shape \(20000, 20000\)",
        ),  # fmt: skip
        (
            {"class": "Linear", "config": {"in_features": 10**9, "out_features": 10**9}},
            "beyond what the file's weights hold",
        ),  # fmt: skip
        (
            {"class": "Embedding", "config": {"num_embeddings": 10**9, "embedding_dim": 64}},
            "building Embedding",
        ),  # fmt: skip
        (
            {
                "class": "Conv2d",
                "config": {"in_channels": 10**4, "out_channels": 10**4, "kernel_size": 9},
            },
            "building Conv2d",
        ),  # fmt: skip
        (
            {"class": "LSTM", "config": {"input_size": 10**5, "hidden_size": 10**5}},
            "building LSTM",
        ),  # fmt: skip
        (
            {"class": "RNN", "config": {"input_size": 1, "hidden_size": 1, "num_layers": 10**7}},
            "far more arrays|beyond",
        ),  # fmt: skip
        (
            {
                "class": "SinusoidalPositionalEncoding",
                "config": {"d_model": 10**4, "max_len": 10**6},
            },
            "building SinusoidalPositionalEncoding",
        ),  # fmt: skip
        (
            {
                "class": "Sequential",
                "config": {
                    "modules": [
                        {"class": "Linear", "config": {"in_features": 3000, "out_features": 3000}}
                    ]
                    * 5
                },
            },
            "beyond",
        ),  # fmt: skip
    ],
)
def test_huge_declared_shapes_refused_before_allocating(tmp_path, good, layer, match):
    cfg = config_of(good)
    cfg["model"] = layer
    cfg["compile"] = None
    refused(tmp_path, with_config(good, cfg), match)


def test_huge_lazy_layer_from_the_input_shape(tmp_path, good):
    cfg = config_of(good)
    cfg["model"] = {"class": "Linear", "config": {"in_features": None, "out_features": 4000}}
    cfg["input"] = {"shape": [4000], "dtype": "float32"}
    cfg["compile"] = None
    refused(tmp_path, with_config(good, cfg), "beyond what the file's weights hold")


def test_lazy_layers_with_a_wrong_input_shape(tmp_path, good):
    cfg = config_of(good)
    cfg["model"]["config"]["modules"][2]["config"]["in_features"] = None  # lazy: built by a run
    cfg["input"] = {"shape": [5], "dtype": "float32"}
    refused(tmp_path, with_config(good, cfg), r"does not run on its recorded input shape \(5,\)")
    cfg["input"] = {"shape": [4], "dtype": "float32"}
    path = tmp_path / "lazy.dg"
    path.write_bytes(with_config(good, cfg))
    assert dg.load_model(path)[2].weight.shape == (2, 3)


def test_shape_mismatch_with_weights(tmp_path, good):
    cfg = config_of(good)
    cfg["model"]["config"]["modules"][0]["config"]["in_features"] = 5
    refused(tmp_path, with_config(good, cfg), r"'0.weight' has shape \(3, 4\) in the weights")
    bad = st_save({"0.weight": np.zeros((3, 4), np.float32), "0.bias": np.zeros(3, np.float32)})
    refused(tmp_path, with_config(good, config_of(good), weights_safetensors=bad), "missing")
    weights = dg.io.load_safetensors(good["weights.safetensors"], "w")
    weights["0.weight"] = weights["0.weight"].astype(np.int32)
    refused(tmp_path, with_config(good, config_of(good), weights_safetensors=st_save(weights)), "int32 in the weights")  # fmt: skip
    weights["0.weight"] = np.zeros((4, 3), np.float32)
    refused(tmp_path, with_config(good, config_of(good), weights_safetensors=st_save(weights)), r"\(4, 3\) in the weights")  # fmt: skip


def test_too_many_layers(tmp_path, good, monkeypatch):
    monkeypatch.setattr(dg.io.serialization, "MAX_MODULES", 1000)  # 50000 by default
    cfg = config_of(good)
    cfg["model"] = {"class": "Sequential", "config": {"modules": [{"class": "ReLU"}] * 1200}}
    refused(tmp_path, with_config(good, cfg), "over 1000 layers")


# ---- safetensors header lies ----------------------------------------------------------------------
def safetensors(header: dict, body: bytes, length: int | None = None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + body


def weights_f32(body_len: int = 4 * 12 + 4 * 3 + 4 * 6 + 4 * 2) -> dict:
    """The good file's header, as a dict to break."""
    return {
        "0.weight": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]},
        "0.bias": {"dtype": "F32", "shape": [3], "data_offsets": [48, 60]},
        "2.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [60, 84]},
        "2.bias": {"dtype": "F32", "shape": [2], "data_offsets": [84, 92]},
    }


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda h: h["2.bias"].update(data_offsets=[84, 10**12]), "claims bytes"),
        (lambda h: h["2.bias"].update(data_offsets=[84, 96]), "claims bytes|needs"),
        (lambda h: h["0.bias"].update(data_offsets=[40, 52]), "overlaps"),
        (lambda h: h["0.weight"].update(data_offsets=[4, 52]), "overlaps|gap"),
        (lambda h: h["0.weight"].update(dtype="F64"), "needs 96 bytes"),
        (lambda h: h["0.weight"].update(dtype="F16"), "needs 24 bytes"),
        (lambda h: h["0.weight"].update(dtype="BF16"), "has dtype 'BF16'"),
        (lambda h: h["0.weight"].update(dtype="object"), "has dtype"),
        (lambda h: h["0.weight"].update(dtype=5), "has dtype"),
        (lambda h: h["0.weight"].update(shape=[3, -4]), "non-negative integers"),
        (lambda h: h["0.weight"].update(shape=[3, 4.0]), "non-negative integers"),
        (lambda h: h["0.weight"].update(shape=[10**9, 10**9]), "needs"),
        (lambda h: h["0.weight"].update(shape=[1] * 40), "at most 32"),
        (lambda h: h["0.weight"].update(data_offsets=[0]), "data_offsets"),
        (lambda h: h["0.weight"].update(data_offsets="0,48"), "data_offsets"),
        (lambda h: h["0.weight"].update(extra=1), "exactly dtype, shape and data_offsets"),
        (lambda h: h.update(__metadata__={"a": 5}), "__metadata__"),
        (lambda h: h.update(x=5), "exactly dtype"),
    ],
)
def test_safetensors_header_lies(tmp_path, good, change, match):
    body = good["weights.safetensors"]
    (n,) = struct.unpack("<Q", body[:8])
    data = body[8 + n :]
    header = weights_f32()
    assert len(data) == 92
    change(header)
    bad = safetensors(header, data)
    refused(tmp_path, with_config(good, config_of(good), weights_safetensors=bad), match)
    refused(tmp_path, bad, match, loader=lambda p: dg.train.load_weights(nn.Linear(4, 3), p))


def test_safetensors_gap_and_length_lies(tmp_path, good):
    header = weights_f32()
    cfg = config_of(good)
    for bad, match in [
        (safetensors(header, bytes(100)), "cover 92 bytes but the data section holds 100"),
        (safetensors(header, bytes(92), length=2**63), "header declares"),
        (safetensors(header, bytes(92), length=5), "not valid JSON"),
        (b"\x01\x00", "too short"),
        (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
        (struct.pack("<Q", 2) + b"\xff\xfe", "not UTF-8"),
        (
            safetensors(
                {
                    "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                    "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
                },
                bytes(12),
            ),
            "gap",
        ),  # fmt: skip
    ]:
        refused(tmp_path, with_config(good, cfg, weights_safetensors=bad), match)
    dup = safetensors(header, bytes(92)).replace(b'"2.bias"', b'"0.bias"')
    refused(tmp_path, with_config(good, cfg, weights_safetensors=dup), "appears twice")


# ---- optimizer state -----------------------------------------------------------------------------
def test_malformed_optimizer_state(tmp_path, good):
    cfg = config_of(good)
    state = cfg["compile"]["optimizer_state"]
    for broken, match in [
        (5, "optimizer state"),
        ({"__dict__": {"state": 5}}, "optimizer state"),
        ({"__dict__": {}}, "optimizer state"),
        ({"__array__": "nope"}, "does not hold"),
        ({"__array__": 5}, "does not hold"),
        ({"__items__": [[1]]}, r"\[key, value\] pairs"),
        ({"__items__": 5}, "unexpected entry in a saved state"),
        ({"__what__": 1}, "unexpected entry"),
    ]:
        c = json.loads(json.dumps(cfg))
        c["compile"]["optimizer_state"] = broken
        refused(tmp_path, with_config(good, c), match)
    # a moment of the wrong shape
    arrays = dg.io.load_safetensors(good["state.safetensors"], "s")
    key = next(k for k, v in arrays.items() if v.shape == (3, 4))
    arrays[key] = np.zeros((7, 7), np.float32)
    c = json.loads(json.dumps(cfg))
    c["compile"]["optimizer_state"] = state
    refused(tmp_path, with_config(good, c, state_safetensors=st_save(arrays)), "optimizer state")


def test_pickle_files_refused(tmp_path):
    import pickle

    refused(tmp_path, pickle.dumps({"a": 1}), "pickle")
    refused(tmp_path, pickle.dumps({"a": 1}, protocol=0), "pickle")


def test_a_legitimate_forward_pass_is_not_counted_against_the_budget(tmp_path, monkeypatch):
    """Loading runs the model once on its recorded input shape: its temporaries are freed as it
    goes, and only what is alive at once counts, so a model larger in activations than in
    weights still loads under a small slack."""
    from deepgrad.io import budget

    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(None, 2),
    )  # fmt: skip
    x = np.random.default_rng(0).normal(size=(2, 1, 48, 48)).astype(np.float32)
    expected = model.predict(x)
    model.save(tmp_path / "m.dg")
    held = sum(v.numel() for v in model.state_dict().values())
    monkeypatch.setattr(budget, "SLACK_ELEMENTS", 20_000)
    monkeypatch.setattr(budget, "SLACK_CALLS", 20)
    allocated = {"n": 0}
    real = budget._Budget.take

    def count(self, n, shape):
        allocated["n"] += n
        return real(self, n, shape)

    monkeypatch.setattr(budget._Budget, "take", count)
    loaded = dg.load_model(tmp_path / "m.dg")
    np.testing.assert_array_equal(loaded.predict(x), expected)
    assert allocated["n"] > held + 20_000  # more than the weights and slack in all
    # without lazy layers the model is not run at all: activations do not matter
    big = nn.Sequential(nn.Conv2d(1, 64, 3, padding=1), nn.ReLU())
    big.summary(input_shape=(1, 128, 128), print_fn=lambda s: None)
    big.save(tmp_path / "big.dg")
    allocated["n"] = 0
    assert dg.load_model(tmp_path / "big.dg")[0].weight.shape == (64, 1, 3, 3)
    assert allocated["n"] < 1000


def test_the_budget_binds_only_the_loading_thread():
    import threading

    from deepgrad import backend
    from deepgrad.io import AllocationRefused, allocation_budget

    done = threading.Event()
    other: dict = {}
    module = backend.xp

    def elsewhere():
        done.wait(5)
        other["shape"] = backend.xp.zeros((1000, 1000)).shape  # not refused: not loading

    t = threading.Thread(target=elsewhere)
    t.start()
    with allocation_budget(100, "here"):
        with pytest.raises(AllocationRefused, match=r"shape \(1000, 1000\)"):
            backend.xp.zeros((1000, 1000))
        done.set()
        t.join(5)
    assert other["shape"] == (1000, 1000)
    assert backend.xp is module  # the array module is restored
