"""Keras's file names and files: deepgrad writes its own formats (a ``.dg`` zip, safetensors
weights), so ``save`` / ``save_weights`` / ``ModelCheckpoint`` refuse Keras's suffixes rather
than write a file under Keras's name that Keras and h5py cannot read, and ``load_model`` /
``load_weights`` name a file Keras wrote as such instead of calling it corrupted."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.io import ModelFileError

os.environ.setdefault("KERAS_BACKEND", "torch")


def _model():
    return nn.Sequential(nn.Linear(3, 2))


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5", "m.HDF5", "M.Keras"])
def test_save_refuses_keras_suffixes(name, tmp_path):
    with pytest.raises(ValueError, match=r"Keras's format, which deepgrad does not write.*\.dg"):
        _model().save(tmp_path / name)
    assert not os.listdir(tmp_path)  # nothing written


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5", "w.keras"])
def test_save_weights_refuses_keras_suffixes(name, tmp_path):
    with pytest.raises(ValueError, match=r"Keras's format.*\.safetensors"):
        _model().save_weights(tmp_path / name)
    assert not os.listdir(tmp_path)


def test_model_checkpoint_refuses_keras_suffixes_when_made():
    with pytest.raises(ValueError, match=r"ModelCheckpoint\('best\.keras'\).*'best\.dg'"):
        dg.callbacks.ModelCheckpoint("best.keras")
    with pytest.raises(ValueError, match=r"'\.weights\.h5'.*safetensors"):
        dg.callbacks.ModelCheckpoint("w-{epoch}.weights.h5", save_weights_only=True)


@pytest.mark.parametrize("name", ["m.dg", "m.zip", "m", "m.h5.dg", "m.keras.bak"])
def test_deepgrad_suffixes_still_save_and_load(name, tmp_path):
    m = _model()
    m.save(tmp_path / name)
    np.testing.assert_array_equal(dg.load_model(tmp_path / name)[0].weight.data, m[0].weight.data)
    w = tmp_path / (name + ".safetensors")
    m.save_weights(w)
    np.testing.assert_array_equal(_model().load_weights(w)[0].weight.data, m[0].weight.data)


def _fake_keras_files(tmp_path):
    """Files as Keras writes them: an HDF5 file starts with its signature; a ``.keras`` file
    is a zip of config.json, metadata.json and model.weights.h5."""
    h5 = tmp_path / "w.weights.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(2040))
    keras_zip = tmp_path / "m.keras"
    with zipfile.ZipFile(keras_zip, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.0"}))
        zf.writestr("config.json", json.dumps({"class_name": "Sequential"}))
        zf.writestr("model.weights.h5", h5.read_bytes())
    return h5, keras_zip


def _assert_named_as_keras(h5, keras_zip):
    for load in (dg.load_model, _model().load_weights):
        with pytest.raises(ModelFileError, match=r"HDF5 file \(Keras's .*set_weights"):
            load(h5)
        with pytest.raises(ModelFileError, match=r"is a Keras model file \(\.keras\).*set_weights"):
            load(keras_zip)


def test_loading_a_keras_file_names_it(tmp_path):
    _assert_named_as_keras(*_fake_keras_files(tmp_path))


def test_loading_files_keras_wrote_names_them(tmp_path):
    keras = pytest.importorskip("keras")
    km = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    km.save(tmp_path / "m.keras")
    km.save_weights(tmp_path / "w.weights.h5")
    _assert_named_as_keras(tmp_path / "w.weights.h5", tmp_path / "m.keras")
    assert (tmp_path / "w.weights.h5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
