"""Keras's ``model.optimizer`` (its ``learning_rate``, ``lr`` and ``iterations``),
``model.metrics_names`` and ``model.stop_training``, as a custom callback reads and writes
them. The Keras values are recorded as constants (CI has no Keras); each says how it was got."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepgrad import nn, optim
from deepgrad.train.callback import Callback

os.environ.setdefault("KERAS_BACKEND", "torch")


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 1)).astype("float32")
    w = rng.normal(size=(3, 1)).astype("float32")
    return x, y, w


# Keras 3.15 (torch backend): Sequential([Input((3,)), Dense(1)]) with set_weights([w, 0]),
# compile(SGD(0.1), "mse"), a callback setting optimizer.learning_rate = 0.01 * (iterations + 1)
# on each batch's begin and stop_training = True once iterations == 5; fit(x, y, epochs=4,
# batch_size=4, shuffle=False): these (iterations, learning_rate) after each batch, epochs
# [0, 1], and these weights.
KERAS_SEEN = [(1, 0.01), (2, 0.02), (3, 0.03), (4, 0.04), (5, 0.05)]
KERAS_KERNEL = [1.1538718938827515, 1.0861581563949585, 0.2386096566915512]
KERAS_BIAS = [0.25867027044296265]


class _Warmup(Callback):
    def __init__(self):
        self.seen = []

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = 0.01 * (int(self.model.optimizer.iterations) + 1)

    def on_train_batch_end(self, batch, logs=None):
        opt = self.model.optimizer
        self.seen.append((int(opt.iterations), round(float(opt.learning_rate), 6)))
        if int(opt.iterations) == 5:
            self.model.stop_training = True


def _deepgrad_run():
    x, y, w = _data()
    model = nn.Sequential(nn.Linear(3, 1))
    model.set_weights([w, np.zeros(1, "float32")])
    model.compile(optim.SGD(lr=0.1), "mse")
    cb = _Warmup()
    history = model.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0, callbacks=[cb])
    return model, cb, history


def test_warmup_callback_through_model_optimizer_matches_keras_constants():
    model, cb, history = _deepgrad_run()
    assert cb.seen == KERAS_SEEN
    assert history.epoch == [0, 1]
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel.ravel(), KERAS_KERNEL, rtol=1e-5)
    np.testing.assert_allclose(bias, KERAS_BIAS, rtol=1e-5, atol=1e-7)


def test_warmup_callback_matches_keras_live():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("needs Keras on its torch backend")
    x, y, w = _data()
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.set_weights([w, np.zeros(1, "float32")])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    seen = []

    class Warm(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.model.optimizer.learning_rate = 0.01 * (int(self.model.optimizer.iterations) + 1)

        def on_train_batch_end(self, batch, logs=None):
            opt = self.model.optimizer
            seen.append((int(opt.iterations), round(float(opt.learning_rate), 6)))
            if int(opt.iterations) == 5:
                self.model.stop_training = True

    h = m.fit(x, y, epochs=4, batch_size=4, shuffle=False, verbose=0, callbacks=[Warm()])
    assert seen == KERAS_SEEN and h.epoch == [0, 1]
    np.testing.assert_allclose(m.get_weights()[0].ravel(), KERAS_KERNEL, rtol=1e-6)
    model, _, _ = _deepgrad_run()
    np.testing.assert_allclose(model.get_weights()[0], m.get_weights()[0], rtol=1e-5)


def test_model_optimizer_is_the_compiled_one_and_metrics_names():
    model = nn.Sequential(nn.Linear(3, 2))
    opt = optim.Adam(lr=0.01)
    model.compile(opt, "mse", metrics=["mae"])
    assert model.optimizer is opt
    assert model.metrics_names == ["loss", "mae"]  # evaluate()'s list order
    assert model.optimizer.learning_rate == model.optimizer.lr == 0.01
    model.compile("sgd", "mse")  # a second compile replaces what the first exposed
    assert isinstance(model.optimizer, optim.SGD) and model.metrics_names == ["loss"]


def test_a_modules_own_optimizer_attribute_is_kept():
    class Own(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 1)
            self.optimizer = "my own"
            self.metrics_names = ("mine",)

        def forward(self, x):
            return self.fc(x)

    m = Own()
    m.compile("sgd", "mse")
    assert m.optimizer == "my own" and m.metrics_names == ("mine",)
    x, y, _ = _data()
    m.fit(x, y, epochs=1, verbose=0)  # fit steps the compiled optimizer regardless
    plain = nn.Sequential(nn.Linear(3, 1)).compile("sgd", "mse")
    plain.optimizer = "assigned later"  # a user's assignment overrides compile's
    assert plain.optimizer == "assigned later"
    plain.fit(x, y, epochs=1, verbose=0)


# Keras 3.15: fit(x, y, epochs=3, batch_size=4) of Dense(1) with SGD(0.1), "mse" and
# ReduceLROnPlateau(monitor="loss", factor=0, patience=0, min_delta=10, min_lr=0.001):
# history["learning_rate"] == [0.1, 0.1, 0.001]; ReduceLROnPlateau(factor=1.0) raises
# "ValueError: ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1.0".
def test_reduce_lr_on_plateau_factor_zero_as_keras():
    from deepgrad.callbacks import ReduceLROnPlateau

    x, y, _ = _data()
    model = nn.Sequential(nn.Linear(3, 1)).compile(optim.SGD(lr=0.1), "mse")
    cb = ReduceLROnPlateau(monitor="loss", factor=0, patience=0, min_delta=10, min_lr=0.001)
    h = model.fit(x, y, epochs=3, batch_size=4, verbose=0, callbacks=[cb])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.1, 0.001])
    with pytest.raises(ValueError, match=r"does not support a factor >= 1.0. Received factor=1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_backup_and_restore_takes_keras_double_checkpoint(tmp_path):
    import inspect

    from deepgrad.callbacks import BackupAndRestore

    # Keras 3.15's signature: (backup_dir, save_freq='epoch', double_checkpoint=False,
    # delete_checkpoint=True)
    assert list(inspect.signature(BackupAndRestore).parameters) == [
        "backup_dir", "save_freq", "double_checkpoint", "delete_checkpoint",
    ]  # fmt: skip
    x, y, _ = _data()
    model = nn.Sequential(nn.Linear(3, 1)).compile("sgd", "mse")
    bk = BackupAndRestore(tmp_path, double_checkpoint=True, delete_checkpoint=False)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[bk])
    assert os.path.exists(bk.path)
    with pytest.raises(TypeError, match="double_checkpoint must be a bool"):
        BackupAndRestore(tmp_path, double_checkpoint="yes")


# Keras 3.15: the 14 samples (_data's 12, then its first 2 again), Dense(1) from set_weights([w,
# 0]), SGD(0.1), "mse", fit(epochs=3, batch_size=4, shuffle="batch"): these weights, the same
# as shuffle=False's to float rounding (the batches are the consecutive chunks, in order; only
# the samples within one are shuffled, which a mean loss does not see).
KERAS_BATCH_SHUFFLE_KERNEL = [0.19166888296604156, 0.6862298846244812, 0.054069582372903824]
KERAS_BATCH_SHUFFLE_BIAS = [0.3869574964046478]


def test_fit_shuffle_batch_as_keras():
    x, y, w = _data()
    x, y = np.concatenate([x, x[:2]]), np.concatenate([y, y[:2]])
    batches = []

    class Rows(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            batches.append(batch)

    model = nn.Sequential(nn.Linear(3, 1))
    model.set_weights([w, np.zeros(1, "float32")])
    model.compile(optim.SGD(lr=0.1), "mse")
    model.fit(x, y, epochs=3, batch_size=4, shuffle="batch", verbose=0, seed=3, callbacks=[Rows()])
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel.ravel(), KERAS_BATCH_SHUFFLE_KERNEL, rtol=1e-5)
    np.testing.assert_allclose(bias, KERAS_BATCH_SHUFFLE_BIAS, rtol=1e-5)
    from deepgrad.train.sources import ArraySource

    src = ArraySource(x, y, None, 4, "batch")
    order = src.order(epoch=1, seed=3)
    for s in range(0, 14, 4):  # each chunk holds its own samples, shuffled among themselves
        assert sorted(order[s : s + 4].tolist()) == list(range(s, min(s + 4, 14)))
    assert order.tolist() != list(range(14))
    with pytest.raises(ValueError, match="True, False or Keras's 'batch'"):
        model.fit(x, y, shuffle="yes", verbose=0)


def test_lambda_callback_takes_keras_positional_hooks_and_none():
    # Keras 3.15: LambdaCallback(on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
    # on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs); a None
    # hook is a no-op
    from deepgrad.callbacks import LambdaCallback

    seen = []
    cb = LambdaCallback(None, lambda e, logs: seen.append(e), on_train_end=None)
    x, y, _ = _data()
    model = nn.Sequential(nn.Linear(3, 1)).compile("sgd", "mse")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert seen == [0, 1]
    with pytest.raises(TypeError, match="must be a function"):
        LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_ends=print)


def test_an_optimizer_assigned_to_model_optimizer_is_the_one_fit_steps():
    # Keras: fit steps self.optimizer, so model.optimizer = SGD(...) after compile replaces it
    x, y, w = _data()
    model = nn.Sequential(nn.Linear(3, 1)).compile("adam", "mse")
    model.set_weights([w, np.zeros(1, "float32")])
    sgd = optim.SGD(lr=0.0)
    model.optimizer = sgd
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert sgd.iterations == 3
    np.testing.assert_array_equal(model.get_weights()[0], w)  # lr 0: nothing moved
    assert model.__dict__["_dg_compiled"].optimizer is sgd


# Keras 3.15: Dense(1) from set_weights([w, 0]), SGD(0.1), "mse", fit(x, y, epochs=3,
# batch_size=4, shuffle=False, validation_data=(x[::-1], y[::-1]), validation_batch_size=2,
# validation_steps=2): these val_loss (each epoch the same first 2 batches: x[::-1][:4]); with
# validation_steps=9 of 3 batches Keras warns "Your input ran out of data" and uses them all.
KERAS_VAL_STEPS = [1.2996468544006348, 0.7880626916885376, 0.6909908056259155]


def test_fit_validation_steps_as_keras():
    import warnings

    x, y, w = _data()
    model = nn.Sequential(nn.Linear(3, 1))
    model.set_weights([w, np.zeros(1, "float32")])
    model.compile(optim.SGD(lr=0.1), "mse")
    xv, yv = x[::-1].copy(), y[::-1].copy()
    h = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0,
                  validation_data=(xv, yv), validation_batch_size=2, validation_steps=2)  # fmt: skip
    np.testing.assert_allclose(h.history["val_loss"], KERAS_VAL_STEPS, rtol=1e-5)
    assert h.history["val_loss"][-1] == pytest.approx(model.evaluate(xv[:4], yv[:4]), rel=1e-6)
    from deepgrad.data import ArrayDataset, DataLoader

    loader = DataLoader(ArrayDataset(xv, yv), batch_size=2)
    h2 = model.fit(x, y, epochs=1, verbose=0, validation_data=loader, validation_steps=2)
    assert h2.history["val_loss"][0] == pytest.approx(model.evaluate(xv[:4], yv[:4]), rel=1e-6)
    with pytest.warns(UserWarning, match="ran out of data"):
        h3 = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                       validation_batch_size=5, validation_steps=9)  # fmt: skip
    assert h3.history["val_loss"][0] == pytest.approx(model.evaluate(x, y), rel=1e-6)
    with pytest.raises(ValueError, match="validation_steps must be a positive int"):
        model.fit(x, y, verbose=0, validation_data=(x, y), validation_steps=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, verbose=0, validation_data=(x, y), validation_steps=1)


def test_stop_training_reads_false_after_compile_as_in_keras():
    model = nn.Sequential(nn.Linear(2, 1))
    model.compile(optimizer="sgd", loss="mse")
    assert model.stop_training is False  # Keras: False before any fit
    x = np.zeros((4, 2), np.float32)
    y = np.zeros((4, 1), np.float32)

    class Stop(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    h = model.fit(x, y, epochs=5, verbose=0, callbacks=[Stop()])
    assert len(h.history["loss"]) == 1 and model.stop_training is True
    model.fit(x, y, epochs=2, verbose=0)  # a new fit starts with the flag cleared
    assert model.stop_training is False
