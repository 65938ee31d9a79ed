"""``fit(steps_per_epoch=)`` keeps Keras's contract — each epoch draws the next batches,
continuing across epochs; a pass that runs out ends its epoch early with Keras's warning and the
next epoch starts a new pass — and a generator given to ``fit`` loses no batch to the check of
its first one. Keras's values are recorded as constants (CI has no Keras) and compared with
Keras where it is installed."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

os.environ.setdefault("KERAS_BACKEND", "torch")

X = np.arange(20, dtype="float32").reshape(10, 2)
Y = np.arange(10, dtype="float32").reshape(10, 1)

# Keras 3.15 (torch backend): Sequential([Input((2,)), Dense(1, kernel_initializer="zeros",
# use_bias=False)]).compile(SGD(0.0), "mse") (the weights stay 0: each epoch's loss is the mean
# of y² over the batches it drew); fit(..., batch_size=2, shuffle=False, verbose=0); the batch
# indices are those on_train_batch_begin sees, "|" marks on_epoch_begin.
KERAS_RUNS = {
    # (data, epochs, steps_per_epoch): (history["loss"], batches)
    ("arrays", 6, 2): (
        [3.5, 31.5, 72.5, 3.5, 31.5, 72.5],
        ["|", 0, 1, "|", 0, 1, "|", 0, "|", 0, 1, "|", 0, 1, "|", 0],
    ),
    ("arrays", 3, 3): ([9.17, 57.5, 9.17], ["|", 0, 1, 2, "|", 0, 1, "|", 0, 1, 2]),
    ("arrays", 2, 7): ([28.5, 28.5], ["|", 0, 1, 2, 3, 4, "|", 0, 1, 2, 3, 4]),
    ("generator", 3, 2): ([3.5, 31.5, 72.5], ["|", 0, 1, "|", 0, 1, "|", 0]),
    ("generator", 1, None): ([28.5], ["|", 0, 1, 2, 3, 4]),
}


def _gen():
    for i in range(0, 10, 2):
        yield X[i : i + 2], Y[i : i + 2]


def _endless():
    i = 0
    while True:
        yield X[i % 10 : i % 10 + 2], Y[i % 10 : i % 10 + 2]
        i += 2


def _run(data, epochs, steps, **kw):
    model = nn.Sequential(nn.Linear(2, 1, bias=False)).compile(dg.optim.SGD(lr=0.0), "mse")
    model[0].weight.data[...] = 0.0
    seen, params = [], []

    class Batches(dg.callbacks.Callback):
        def on_train_begin(self, logs=None):
            params.append(self.params["steps"])

        def on_epoch_begin(self, epoch, logs=None):
            seen.append("|")

        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    args = (X, Y) if data == "arrays" else (_gen(),)
    h = model.fit(*args, epochs=epochs, steps_per_epoch=steps, batch_size=2, shuffle=False,
                  verbose=0, callbacks=[Batches()], **kw)  # fmt: skip
    return np.round(h.history["loss"], 2).tolist(), seen, params[0]


@pytest.mark.parametrize("key", sorted(KERAS_RUNS, key=str))
def test_steps_per_epoch_draws_batches_as_keras(key):
    loss, batches = KERAS_RUNS[key]
    data, epochs, steps = key
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the runs out of data are checked below
        got_loss, got_batches, got_steps = _run(data, epochs, steps)
    assert got_loss == loss and got_batches == batches
    if steps is not None:
        assert got_steps == steps  # Keras's params["steps"]


def test_a_pass_that_runs_out_mid_epoch_warns_as_keras():
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        _run("arrays", 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run("arrays", 5, 1)  # 5 batches, 5 epochs of one: no pass runs out mid-epoch


def test_an_endless_generator_trains_steps_per_epoch_batches_each_epoch():
    model = nn.Sequential(nn.Linear(2, 1, bias=False)).compile(dg.optim.SGD(lr=0.0), "mse")
    model[0].weight.data[...] = 0.0
    h = model.fit(_endless(), epochs=3, steps_per_epoch=2, verbose=0)
    # batches (0, 1), (2, 3), (4, 0): the generator goes on where the last epoch stopped
    assert np.round(h.history["loss"], 2).tolist() == [3.5, 31.5, 36.5]


def test_each_new_pass_is_reshuffled():
    model = nn.Sequential(nn.Linear(2, 1, bias=False)).compile(dg.optim.SGD(lr=0.0), "mse")
    model[0].weight.data[...] = 0.0
    orders = []

    class Firsts(dg.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            orders.append(round(logs["loss"], 4))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, Y, epochs=4, steps_per_epoch=5, batch_size=2, seed=0, verbose=0,
                  callbacks=[Firsts()])  # fmt: skip
    passes = [orders[i : i + 5] for i in range(0, 20, 5)]
    assert len({tuple(p) for p in passes}) > 1  # not the same order every pass


def test_a_used_up_generator_stops_training_with_keras_warning():
    # Keras replays the first batches it peeked at; deepgrad stops (README's differences)
    with pytest.warns(UserWarning, match="epoch 2 drew no batch; training stops"):
        loss, batches, _ = _run("generator", 3, None)
    assert loss == [28.5] and batches == ["|", 0, 1, 2, 3, 4, "|"]


@pytest.mark.parametrize("steps", [0, -1, 2.0, True])
def test_a_steps_per_epoch_that_is_not_a_positive_int_is_refused(steps):
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive int or None"):
        _run("arrays", 1, steps)


def test_steps_per_epoch_with_backup_and_restore_is_refused(tmp_path):
    backup = dg.callbacks.BackupAndRestore(str(tmp_path / "b"))
    model = nn.Sequential(nn.Linear(2, 1)).compile("sgd", "mse")
    with pytest.raises(ValueError, match="BackupAndRestore cannot resume a run with steps_per"):
        model.fit(X, Y, steps_per_epoch=2, callbacks=[backup], verbose=0)


def test_against_keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("this comparison needs Keras on its torch backend")
    for (data, epochs, steps), (loss, batches) in KERAS_RUNS.items():
        m = keras.Sequential(
            [keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros", use_bias=False)]
        )
        m.compile(keras.optimizers.SGD(0.0), "mse")
        seen: list = []

        class Batches(keras.callbacks.Callback):
            def __init__(self, seen):
                super().__init__()
                self.seen = seen

            def on_epoch_begin(self, epoch, logs=None):
                self.seen.append("|")

            def on_train_batch_begin(self, batch, logs=None):
                self.seen.append(batch)

        args = (X, Y) if data == "arrays" else (_gen(),)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = m.fit(*args, epochs=epochs, steps_per_epoch=steps, batch_size=2, shuffle=False,
                      verbose=0, callbacks=[Batches(seen)])  # fmt: skip
        assert np.round(h.history["loss"], 2).tolist() == loss, (data, epochs, steps)
        assert seen == batches, (data, epochs, steps)
