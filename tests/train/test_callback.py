"""The callback hooks ``fit``, ``evaluate`` and ``predict`` call: Keras 3's sequence (which hooks,
in what order, with which batch indices and log keys), its ``set_model`` / ``set_params`` for
``evaluate(callbacks=...)`` / ``predict(callbacks=...)``, and its ``stop_evaluating`` /
``stop_predicting`` flags. Each sequence is compared with the one Keras 3 (torch backend)
records for the same call where Keras is installed, and asserted as a constant for CI without
it."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.train.callback import Callback

os.environ.setdefault("KERAS_BACKEND", "torch")

HOOKS_WITHOUT_INDEX = (
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)
HOOKS_WITH_INDEX = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


def recorder_class(base: type) -> type:
    """A subclass of ``base`` (deepgrad's or Keras's ``Callback``) recording every hook as
    ``(hook, index or None, sorted log keys)``; the logs themselves go to ``self.logs``."""

    def without_index(name):
        def hook(self, logs=None):
            self.events.append((name, None, _keys(logs)))
            self.logs.append(logs)

        return hook

    def with_index(name):
        def hook(self, index, logs=None):
            self.events.append((name, index, _keys(logs)))
            self.logs.append(logs)

        return hook

    body = {n: without_index(n) for n in HOOKS_WITHOUT_INDEX}
    body.update({n: with_index(n) for n in HOOKS_WITH_INDEX})

    def __init__(self):  # noqa: N807
        base.__init__(self)
        self.events, self.logs = [], []

    body["__init__"] = __init__
    return type("Recorder", (base,), body)


def _keys(logs):
    return None if logs is None else tuple(sorted(logs))


Recorder = recorder_class(Callback)


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons need Keras on its torch backend")
    return keras


def _data(n=10):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    return x, y


W = np.random.default_rng(0).normal(0, 0.5, (4, 2)).astype("float32")
B = np.array([0.1, -0.1], dtype="float32")


def _model():
    m = nn.Sequential(nn.Linear(4, 2))
    m[0].weight.data[...] = W.T
    m[0].bias.data[...] = B
    return m.compile(optim.SGD(lr=0.1), "cross_entropy", metrics=["accuracy"])


def _keras_model(keras):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    m.set_weights([W, B])
    m.compile(
        keras.optimizers.SGD(0.1),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return m


# ---- the sequences (Keras 3.15, torch backend, recorded by recorder_class(keras.callbacks.
# Callback) for the same calls: fit(x, y, epochs=2, batch_size=4, validation_data=(x[:6],
# y[:6]), shuffle=False), evaluate(x, y, batch_size=4), predict(x, batch_size=4), 10 samples) --
M = ("accuracy", "loss")
VAL = ("accuracy", "loss", "val_accuracy", "val_loss")


def _epoch(e):
    train = [
        ev
        for b in range(3)
        for ev in (("on_train_batch_begin", b, ()), ("on_train_batch_end", b, M))
    ]
    test = [
        ev for b in range(2) for ev in (("on_test_batch_begin", b, ()), ("on_test_batch_end", b, M))
    ]
    return [
        ("on_epoch_begin", e, ()),
        *train,
        ("on_test_begin", None, ()),  # the validation pass, before on_epoch_end
        *test,
        ("on_test_end", None, M),  # the validation logs without "val_"
        ("on_epoch_end", e, VAL),
    ]


KERAS_FIT = [("on_train_begin", None, ()), *_epoch(0), *_epoch(1), ("on_train_end", None, VAL)]
KERAS_EVALUATE = [
    ("on_test_begin", None, ()),
    *[ev for b in range(3) for ev in (("on_test_batch_begin", b, ()), ("on_test_batch_end", b, M))],
    ("on_test_end", None, M),
]
KERAS_PREDICT = [
    ("on_predict_begin", None, ()),
    *[
        ev
        for b in range(3)
        for ev in (("on_predict_batch_begin", b, ()), ("on_predict_batch_end", b, ("outputs",)))
    ],
    ("on_predict_end", None, ()),
]


def _without_lr(events):
    """deepgrad's epoch logs have an ``lr`` key more than Keras's (README, "What differs, on
    purpose")."""
    out = []
    for hook, i, keys in events:
        if hook in ("on_epoch_end", "on_train_end"):
            assert "lr" in keys
            keys = tuple(k for k in keys if k != "lr")
        out.append((hook, i, keys))
    return out


def _run_fit(model, rec, **kw):
    x, y = _data()
    return model.fit(x, y, epochs=2, batch_size=4, validation_data=(x[:6], y[:6]),
                     shuffle=False, verbose=0, callbacks=[rec], **kw)  # fmt: skip


def test_fit_calls_the_test_hooks_around_validation():
    rec = Recorder()
    h = _run_fit(_model(), rec)
    assert _without_lr(rec.events) == KERAS_FIT
    # on_test_end has the validation results under their plain names
    ends = [logs for (hook, _, _), logs in zip(rec.events, rec.logs) if hook == "on_test_end"]
    assert [e["loss"] for e in ends] == h.history["val_loss"]
    assert [e["accuracy"] for e in ends] == h.history["val_accuracy"]
    # the last test batch's running values are the pass's results
    last = [logs for (hook, b, _), logs in zip(rec.events, rec.logs) if hook == "on_test_batch_end"]
    assert last[1]["loss"] == pytest.approx(ends[0]["loss"], rel=1e-6)


def test_fit_without_validation_calls_no_test_hooks():
    rec = Recorder()
    x, y = _data()
    _model().fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[rec])
    assert not [ev for ev in rec.events if "test" in ev[0]]


def test_validation_freq_calls_the_test_hooks_only_when_validating():
    rec = Recorder()
    _run_fit(_model(), rec, validation_freq=2)
    begins = [i for i, ev in enumerate(rec.events) if ev[0] == "on_test_begin"]
    assert len(begins) == 1 and rec.events[begins[0] - 1] == ("on_train_batch_end", 2, M)
    assert rec.events[begins[0] - 7][:2] == ("on_epoch_begin", 1)


def test_evaluate_and_predict_call_their_hooks():
    x, y = _data()
    m = _model()
    rec = Recorder()
    result = m.evaluate(x, y, batch_size=4, callbacks=[rec], return_dict=True)
    assert rec.events == KERAS_EVALUATE
    assert rec.logs[-1] == result
    assert rec.model is m and rec.params == {"verbose": 0, "epochs": 1, "steps": 3}
    rec = Recorder()
    out = m.predict(x, batch_size=4, callbacks=[rec])
    assert rec.events == KERAS_PREDICT
    batches = [logs["outputs"] for logs in rec.logs if logs and "outputs" in logs]
    np.testing.assert_array_equal(np.concatenate(batches), out)
    assert rec.model is m and rec.params == {"verbose": 0, "epochs": 1, "steps": 3}


def test_evaluate_and_predict_with_keras_sequences():
    keras = _keras()
    x, y = _data()
    krec = recorder_class(keras.callbacks.Callback)
    km = _keras_model(keras)
    k = krec()
    km.fit(x, y, epochs=2, batch_size=4, validation_data=(x[:6], y[:6]), shuffle=False,
           verbose=0, callbacks=[k])  # fmt: skip
    assert k.events == KERAS_FIT
    rec = Recorder()
    _run_fit(_model(), rec)
    assert _without_lr(rec.events) == k.events

    km, m = _keras_model(keras), _model()
    k, rec = krec(), Recorder()
    km.evaluate(x, y, batch_size=4, verbose=0, callbacks=[k])
    m.evaluate(x, y, batch_size=4, callbacks=[rec])
    assert rec.events == k.events == KERAS_EVALUATE
    assert rec.params == k.params
    for got, want in zip(rec.logs, k.logs):  # the running values of each batch, and the end's
        assert sorted(got) == sorted(want)
        for key in got:
            assert got[key] == pytest.approx(want[key], rel=1e-5)

    k, rec = krec(), Recorder()
    km.predict(x, batch_size=4, verbose=0, callbacks=[k])
    m.predict(x, batch_size=4, callbacks=[rec])
    assert rec.events == k.events == KERAS_PREDICT
    assert rec.params == k.params
    for got, want in zip(rec.logs, k.logs):
        if got and "outputs" in got:
            np.testing.assert_allclose(got["outputs"], np.asarray(want["outputs"]), rtol=1e-5)


def test_every_hook_gets_a_dict():
    rec = Recorder()
    _run_fit(_model(), rec)
    assert all(isinstance(logs, dict) for logs in rec.logs)  # Keras never passes None


class _StopAt(Callback):
    def __init__(self, flag, at):
        self.flag, self.at, self.seen = flag, at, []

    def on_test_batch_end(self, batch, logs=None):
        self.seen.append(batch)
        if self.flag == "stop_evaluating" and batch == self.at:
            self.model.stop_evaluating = True

    def on_predict_batch_end(self, batch, logs=None):
        self.seen.append(batch)
        if self.flag == "stop_predicting" and batch == self.at:
            self.model.stop_predicting = True


def test_stop_evaluating_and_stop_predicting():
    """Keras's flags: the pass ends after the batch that set them, with the results so far."""
    x, y = _data()
    m = _model()
    cb = _StopAt("stop_evaluating", 0)
    logs = m.evaluate(x, y, batch_size=4, callbacks=[cb], return_dict=True)
    assert cb.seen == [0]
    assert logs == m.evaluate(x[:4], y[:4], batch_size=4, return_dict=True)
    cb = _StopAt("stop_predicting", 1)
    out = m.predict(x, batch_size=4, callbacks=[cb])
    assert cb.seen == [0, 1] and out.shape == (8, 2)
    # the next pass starts afresh
    cb = _StopAt(None, None)
    m.evaluate(x, y, batch_size=4, callbacks=[cb])
    assert cb.seen == [0, 1, 2]


def test_stop_flags_against_keras():
    keras = _keras()
    x, y = _data()
    km = _keras_model(keras)

    class KStop(keras.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            self.model.stop_evaluating = True

        def on_predict_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_predicting = True

    want = km.evaluate(x, y, batch_size=4, verbose=0, callbacks=[KStop()], return_dict=True)
    got = _model().evaluate(x, y, batch_size=4, callbacks=[_StopAt("stop_evaluating", 0)],
                            return_dict=True)  # fmt: skip
    assert got == pytest.approx(want, rel=1e-5)
    assert km.predict(x, batch_size=4, verbose=0, callbacks=[KStop()]).shape == (8, 2)


def test_hooks_print_nothing_more(capsys):
    """The progress display is not a callback: hooks add no output of their own."""
    x, y = _data()
    m = _model()
    capsys.readouterr()
    m.evaluate(x, y, batch_size=4, verbose=1, callbacks=[Recorder()])
    assert len(capsys.readouterr().out.splitlines()) == 1
    m.predict(x, batch_size=4, verbose=1, callbacks=[Recorder()])
    assert len(capsys.readouterr().out.splitlines()) == 1
    rec = Recorder()
    m.fit(x, y, epochs=2, batch_size=4, validation_data=(x[:6], y[:6]), verbose=2,
          callbacks=[rec])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all("val_loss" in line for line in out)


def test_evaluate_callbacks_leave_the_models_history():
    x, y = _data()
    m = _model()
    h = m.fit(x, y, epochs=1, batch_size=4, verbose=0)
    m.evaluate(x, y, callbacks=[Recorder()])
    m.predict(x, callbacks=[Recorder()])
    assert m.history is h and h.epoch == [0]


def test_deepgrad_callbacks_in_evaluate_and_predict(tmp_path):
    """The built-in callbacks take the new hooks as no-ops (Keras's base class)."""
    from deepgrad import callbacks as C

    x, y = _data()
    m = _model()
    cbs = [C.EarlyStopping(), C.CSVLogger(str(tmp_path / "log.csv")), C.TerminateOnNaN(),
           C.ModelCheckpoint(str(tmp_path / "m.dg"))]  # fmt: skip
    m.evaluate(x, y, callbacks=cbs)
    m.predict(x, callbacks=cbs)
    assert not list(tmp_path.iterdir())


def test_lambda_callback_takes_the_test_and_predict_hooks():
    x, y = _data()
    seen = []
    cb = dg.callbacks.LambdaCallback(
        on_test_end=lambda logs: seen.append(("test_end", sorted(logs))),
        on_predict_batch_end=lambda b, logs: seen.append(("predict", b)),
    )
    m = _model()
    m.evaluate(x, y, batch_size=5, callbacks=[cb])
    m.predict(x, batch_size=5, callbacks=[cb])
    assert seen == [("test_end", ["accuracy", "loss"]), ("predict", 0), ("predict", 1)]


def test_one_callback_alone_is_taken_as_keras_flattens_it():
    """Keras 3's ``CallbackList`` reads ``callbacks=`` with ``tree.flatten``: one callback
    alone is a list of one (and nested lists are flattened); a class instead of an instance
    is still refused, naming it."""
    x, y = _data()
    m = _model()
    for call in (
        lambda cb: m.evaluate(x, y, callbacks=cb),
        lambda cb: m.predict(x, callbacks=cb),
        lambda cb: m.fit(x, y, epochs=2, verbose=0, callbacks=cb),
    ):
        alone, listed = Recorder(), Recorder()
        call(alone)
        call([[listed]])
        assert alone.events and _without_lr(alone.events) == _without_lr(listed.events)
    with pytest.raises(TypeError, match="instead of an instance"):
        m.predict(x, callbacks=[Recorder])
    with pytest.raises(TypeError, match="instead of an instance"):
        m.fit(x, y, verbose=0, callbacks=Recorder)
