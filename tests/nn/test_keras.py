"""Module's Keras methods: delegated to deepgrad.train / deepgrad.io, described by them."""

from __future__ import annotations

import inspect
import pydoc

import numpy as np

import deepgrad as dg
from deepgrad import nn
from deepgrad.io import keras_weights, model_file
from deepgrad.train import api


def test_help_shows_the_real_signature_and_docstring():
    model = nn.Linear(2, 1)
    for name, impl in [
        ("compile", api.compile),
        ("fit", api.fit),
        ("evaluate", api.evaluate),
        ("predict", api.predict),
        ("summary", api.summary),
        ("save", model_file.save),
        ("save_weights", model_file.save_weights),
        ("load_weights", model_file.load_weights),
        ("get_weights", keras_weights.get_weights),
        ("set_weights", keras_weights.set_weights),
    ]:
        got = list(inspect.signature(getattr(model, name)).parameters)
        want = list(inspect.signature(impl).parameters)[1:]  # less the model
        assert got == want, name
        assert getattr(model, name).__doc__ == impl.__doc__, name
    text = pydoc.render_doc(model.fit, renderer=pydoc.plaintext)
    assert "epochs" in text and "validation_split" in text and "*args" not in text


def test_the_methods_do_the_work_of_their_implementations(tmp_path):
    x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1))
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(x).shape == (32, 1)
    model.save(tmp_path / "m.dg")
    again = dg.load_model(tmp_path / "m.dg")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    model.save_weights(tmp_path / "w.safetensors")
    fresh = nn.Sequential(nn.Linear(3, 1))
    fresh.load_weights(tmp_path / "w.safetensors")
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


def test_a_misspelt_or_keras_only_keyword_is_refused_with_what_to_do():
    """Python's own TypeError names only the word that came; the Keras methods also name the
    nearest valid one, or for Keras's own arguments what does the same in deepgrad."""
    import numpy as np
    import pytest

    import deepgrad as dg

    m = dg.nn.Sequential(dg.nn.Linear(3, 2))
    m.compile(optimizer="adam", loss="cross_entropy")
    x, y = np.zeros((4, 3), np.float32), np.zeros(4, np.int64)
    with pytest.raises(TypeError, match="'epoch'; did you mean 'epochs'"):
        m.fit(x, y, epoch=2, verbose=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'; it takes x, y, "):
        m.fit(x, y, foo=1, verbose=0)
    with pytest.raises(TypeError, match="use_multiprocessing= is not supported.*DataLoader"):
        m.fit(x, y, use_multiprocessing=True, verbose=0)
    with pytest.raises(TypeError, match="'metric'; did you mean 'metrics'"):
        m.compile(optimizer="adam", loss="cross_entropy", metric=["accuracy"])
    with pytest.raises(TypeError, match="workers= is not supported.*DataLoader"):
        m.predict(x, workers=2)
    for keras_only in ("run_eagerly", "jit_compile", "auto_scale_loss"):  # Keras 3's compile
        with pytest.raises(TypeError, match=f"Keras's {keras_only}= is not supported.*leave it"):
            m.compile(optimizer="adam", loss="cross_entropy", **{keras_only: True})
    with pytest.raises(TypeError, match="'batchsize'; did you mean 'batch_size'"):
        m.evaluate(x, y, batchsize=2)
    assert m.fit(x, y, epochs=1, verbose=0).epoch == [0]  # valid keywords pass through


def test_summary_and_file_methods_refuse_keras_only_keywords_with_what_to_do(tmp_path):
    import numpy as np
    import pytest

    import deepgrad as dg

    m = dg.nn.Sequential(dg.nn.Linear(3, 2))
    for kw, match in [
        ({"line_length": 100}, "line_length= is not supported.*leave it out"),
        ({"show_trainable": True}, "show_trainable= is not supported.*Trainable column"),
        ({"expand_nested": True}, "expand_nested= is not supported"),
        ({"layer_range": ["a", "b"]}, "layer_range= is not supported.*print_fn=None"),
        ({"print_fm": print}, "'print_fm'; did you mean 'print_fn'"),
    ]:
        with pytest.raises(TypeError, match=match):
            m.summary(**kw)
    path = tmp_path / "m.dg"
    with pytest.raises(TypeError, match="filepath= is not supported.*model.save\\(path\\)"):
        m.save(filepath=path)
    with pytest.raises(TypeError, match="zipped= is not supported"):
        m.save(path, zipped=False)
    with pytest.raises(TypeError, match="max_shard_size= is not supported"):
        m.save_weights(tmp_path / "w.safetensors", max_shard_size="5GB")
    with pytest.raises(TypeError, match="skip_mismatch= is not supported.*strict=False"):
        m.load_weights(tmp_path / "w.safetensors", skip_mismatch=True)
    with pytest.raises(TypeError, match="'stric'; did you mean 'strict'"):
        m.load_weights(tmp_path / "w.safetensors", stric=False)
    x = np.ones((2, 3), np.float32)
    assert m.summary(print_fn=None)  # valid keywords pass through
    m.predict(x)


def test_save_overwrite_as_keras(tmp_path):
    """Keras's ``overwrite=True`` (its default) replaces the file; ``False`` refuses an
    existing one (Keras asks at the terminal; deepgrad raises, naming overwrite=True)."""
    import numpy as np
    import pytest

    import deepgrad as dg

    m = dg.nn.Sequential(dg.nn.Linear(3, 2))
    path, wpath = tmp_path / "m.dg", tmp_path / "w.safetensors"
    m.save(path, overwrite=False)  # nothing there yet
    m.save_weights(wpath, False)  # Keras's position for overwrite
    m[0].bias.data[...] = 7.0
    for save, p in ((m.save, path), (m.save_weights, wpath)):
        with pytest.raises(FileExistsError, match="overwrite=False.*pass overwrite=True"):
            save(p, overwrite=False)
        save(p, overwrite=True)
        save(p)
    np.testing.assert_array_equal(dg.load_model(path)[0].bias.numpy(), [7.0, 7.0])
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        m.save(path, overwrite="yes")
