"""``fit``/``evaluate`` and the callbacks give Keras's numbers for Keras's calls: the same
small programs run in Keras 3 (torch backend) and in deepgrad from the same initial weights.
The Keras values are also recorded as constants (CI has no Keras); each says how it was got."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepgrad import nn, optim

os.environ.setdefault("KERAS_BACKEND", "torch")


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons need Keras on its torch backend")
    return keras


def _weights(din=4, hidden=8, dout=2, seed=0):
    """Dense kernels in Keras's (in, out) layout, and biases."""
    rng = np.random.default_rng(seed)
    return [
        (
            rng.normal(0, 0.5, (din, hidden)).astype("float32"),
            rng.normal(0, 0.1, hidden).astype("float32"),
        ),
        (
            rng.normal(0, 0.5, (hidden, dout)).astype("float32"),
            rng.normal(0, 0.1, dout).astype("float32"),
        ),
    ]


def _deepgrad_mlp(weights):
    (w1, b1), (w2, b2) = weights
    m = nn.Sequential(nn.Linear(*w1.shape), nn.ReLU(), nn.Linear(*w2.shape))
    for lin, (w, b) in zip((m[0], m[2]), weights):
        lin.weight.data[...] = w.T  # torch's (out, in)
        lin.bias.data[...] = b
    return m


def _keras_mlp(keras, weights, activation=None):
    (w1, _), (w2, _) = weights
    m = keras.Sequential(
        [
            keras.Input((w1.shape[0],)),
            keras.layers.Dense(w1.shape[1], activation="relu"),
            keras.layers.Dense(w2.shape[1], activation=activation),
        ]
    )
    m.set_weights([a for pair in weights for a in pair])
    return m


def _data(n=60, din=4, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, din)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    return x, y, rng


# ---- class_weight with validation_split ----------------------------------------------------------
# Keras: class_weight weights the training loss only; the samples validation_split holds out
# are evaluated without it (their sample_weight, if given, still applies).
#   keras.Sequential(Dense(8, relu), Dense(2)).set_weights(_weights());
#   compile(SGD(0.1), SparseCategoricalCrossentropy(from_logits=True));
#   fit(x, y, epochs=2, batch_size=16, shuffle=False, validation_split=0.2,
#       class_weight={0: 1.0, 1: 3.0})   (Keras 3.15, torch backend)
KERAS_CW_SPLIT = {
    "loss": [1.0282944440841675, 0.8865274786949158],
    "val_loss": [0.8130776286125183, 0.7476528286933899],
}


def _cw_split_deepgrad():
    x, y, _ = _data()
    m = _deepgrad_mlp(_weights())
    m.compile(optimizer=optim.SGD(lr=0.1), loss="cross_entropy")
    h = m.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, validation_split=0.2,
              class_weight={0: 1.0, 1: 3.0})  # fmt: skip
    return m, h, x, y


def test_class_weight_does_not_weight_the_validation_split():
    m, h, x, y = _cw_split_deepgrad()
    # the last epoch's val_loss is the unweighted loss of the held-out samples
    assert h.history["val_loss"][-1] == pytest.approx(m.evaluate(x[48:], y[48:]), rel=1e-6)
    for k, v in KERAS_CW_SPLIT.items():
        np.testing.assert_allclose(h.history[k], v, rtol=1e-5)


def test_class_weight_with_validation_split_against_keras():
    keras = _keras()
    x, y, _ = _data()
    km = _keras_mlp(keras, _weights())
    km.compile(optimizer=keras.optimizers.SGD(0.1),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    hk = km.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, validation_split=0.2,
                class_weight={0: 1.0, 1: 3.0})  # fmt: skip
    _, h, _, _ = _cw_split_deepgrad()
    for k in KERAS_CW_SPLIT:
        np.testing.assert_allclose(h.history[k], hk.history[k], rtol=1e-5)


# ---- ReduceLROnPlateau and CSVLogger ---------------------------------------------------------
# Keras (3.15, torch backend): Dense(8, relu) -> Dense(1) from _weights(dout=1), SGD(0.05), "mse",
#   fit(x, y, epochs=3, batch_size=8, shuffle=False, callbacks=[ReduceLROnPlateau(monitor="loss",
#   patience=0, factor=0.5, min_delta=10), CSVLogger(path)])  ->  history["learning_rate"] and
#   the CSV's learning_rate column are both [0.05, 0.05, 0.025] (the rate each epoch ran at), the
#   CSV's epoch column is 0, 1, 2 and its columns are sorted.
KERAS_PLATEAU_LR = [0.05, 0.05, 0.025]


def _regression(n=40):
    x, _, rng = _data(n)
    return x, rng.normal(size=(n, 1)).astype("float32")


def test_csv_logger_after_reduce_lr_on_plateau_logs_the_rate_each_epoch_ran_at(tmp_path):
    import csv

    from deepgrad import callbacks as C

    x, y = _regression()
    m = _deepgrad_mlp(_weights(dout=1)).compile(optim.SGD(lr=0.05), "mse")
    path = tmp_path / "log.csv"
    cbs = [C.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=10),
           C.CSVLogger(path)]  # fmt: skip
    h = m.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=cbs)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    np.testing.assert_allclose(h.history["lr"], KERAS_PLATEAU_LR)
    # Keras 3's key, logged by ReduceLROnPlateau itself: in the history and the CSV too
    np.testing.assert_allclose(h.history["learning_rate"], KERAS_PLATEAU_LR)
    np.testing.assert_allclose([float(r["learning_rate"]) for r in rows], KERAS_PLATEAU_LR)
    np.testing.assert_allclose([float(r["lr"]) for r in rows], KERAS_PLATEAU_LR)
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]  # Keras's CSVLogger counts from 0
    # Keras's columns (sorted, a val_ one for each) with deepgrad's lr beside learning_rate
    assert list(rows[0]) == [
        "epoch", "learning_rate", "loss", "lr", "val_learning_rate", "val_loss", "val_lr"
    ]  # fmt: skip
    np.testing.assert_allclose([float(r["loss"]) for r in rows], h.history["loss"])


def test_csv_logger_writes_na_for_a_missing_quantity(tmp_path):
    from deepgrad import callbacks as C

    x, y = _regression()
    m = _deepgrad_mlp(_weights(dout=1)).compile(optim.SGD(lr=0.05), "mse")
    path = tmp_path / "log.csv"
    m.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_data=(x, y), validation_freq=2,
          callbacks=[C.CSVLogger(path)])  # fmt: skip
    lines = path.read_text().splitlines()
    # Keras's header: the first epoch has no val_* quantity, so a val_ column for each
    assert lines[0] == "epoch,loss,lr,val_loss,val_lr"
    assert lines[1].endswith(",NA,NA") and lines[2].endswith(",NA")
    assert not lines[2].endswith(",NA,NA")


def test_reduce_lr_on_plateau_and_csv_logger_against_keras(tmp_path):
    import csv

    keras = _keras()
    x, y = _regression()
    km = _keras_mlp(keras, _weights(dout=1))
    km.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    path = tmp_path / "k.csv"
    cbs = [keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=10),
           keras.callbacks.CSVLogger(str(path))]  # fmt: skip
    hk = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=cbs)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    np.testing.assert_allclose(hk.history["learning_rate"], KERAS_PLATEAU_LR)
    np.testing.assert_allclose([float(r["learning_rate"]) for r in rows], KERAS_PLATEAU_LR)
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert list(rows[0]) == ["epoch", "learning_rate", "loss", "val_learning_rate", "val_loss"]


# ---- metric names ------------------------------------------------------------------------------
# Keras logs a metric given by name under that very string: compile(loss="mse", metrics=[
#   "acc", "mean_absolute_error", "MAE", "AUC", "f1_score", "Precision"]) then fit(...,
#   validation_split=0.25) gives history keys (Keras 3.15) sorted:
KERAS_METRIC_KEYS = sorted(
    ["loss", "acc", "mean_absolute_error", "MAE", "AUC", "f1_score", "Precision"]
)
_METRIC_SPECS = ["acc", "mean_absolute_error", "MAE", "AUC", "f1_score", "Precision"]


def _binary(n=40):
    x, _, _ = _data(n)
    return x, (x[:, :1] > 0).astype("float32")


def test_metrics_given_by_name_are_logged_under_that_name():
    x, y = _binary()
    m = _deepgrad_mlp(_weights(dout=1))
    m.append(nn.Sigmoid())
    m.compile(optim.SGD(lr=0.05), "mse", metrics=_METRIC_SPECS)
    h = m.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25)
    keys = [k for k in h.history if k != "lr"]
    assert sorted(k for k in keys if not k.startswith("val_")) == KERAS_METRIC_KEYS
    assert sorted(k[4:] for k in keys if k.startswith("val_")) == KERAS_METRIC_KEYS
    assert sorted(m.evaluate(x, y, return_dict=True)) == KERAS_METRIC_KEYS


def test_early_stopping_on_a_keras_metric_name():
    from deepgrad import callbacks as C

    x, y = _binary()
    m = _deepgrad_mlp(_weights(dout=1))
    m.append(nn.Sigmoid())
    m.compile(optim.SGD(lr=0.0), "mse", metrics=["acc", "AUC"])  # lr 0: nothing improves
    for monitor in ("val_acc", "val_AUC"):
        es = C.EarlyStopping(monitor=monitor, patience=1)
        h = m.fit(x, y, epochs=10, verbose=0, validation_split=0.25, callbacks=[es])
        assert h.epoch == [0, 1]  # monitored, not "missing from the logs"
        assert es._direction == "max"


# ---- mode="auto": the monitored metric's direction ------------------------------------------------
# Keras 3.15 (torch backend) asks the compiled metric logged under the monitored name (val_
# taken off) for its direction, "loss" is minimized, and anything else raises ValueError ("Keras
# isn't able to automatically determine whether that metric should be maximized or minimized")
# at the end of the first epoch: Dense(1), compile("sgd", "mse", metrics=["mae", "mse",
# "root_mean_squared_error", R2Score(), "mean_absolute_error"]) (R2Score logs "r2_score"), then
# EarlyStopping(monitor=...)._set_monitor_op() gives these; with metrics=["acc"], monitoring
# "val_acc" maximizes and "val_accuracy" raises (no metric logs that name). An unknown mode
# warns and falls back to "auto" in Keras; deepgrad raises (a README row).
KERAS_AUTO_MODE = {
    "val_loss": "min",
    "loss": "min",
    "val_mae": "min",
    "mse": "min",
    "val_root_mean_squared_error": "min",
    "r2_score": "max",
    "val_mean_absolute_error": "min",
    "lr": ValueError,
    "val_r2": ValueError,
}
_AUTO_MODE_METRICS = ["mae", "mse", "root_mean_squared_error", "r2_score", "mean_absolute_error"]


def _auto_mode_fit(callback, metrics=_AUTO_MODE_METRICS, epochs=1):
    x, _, rng = _data(20)
    y = (2 * x[:, :1]).astype("float32")
    m = nn.Sequential(nn.Linear(4, 1)).compile(optim.SGD(lr=0.01), "mse", metrics=metrics)
    return m.fit(x, y, epochs=epochs, verbose=0, validation_split=0.2, callbacks=[callback])


@pytest.mark.parametrize("monitor", sorted(KERAS_AUTO_MODE))
def test_auto_mode_follows_the_monitored_metrics_direction(monitor, tmp_path):
    from deepgrad import callbacks as C

    want = KERAS_AUTO_MODE[monitor]
    for cb in (C.EarlyStopping(monitor=monitor), C.ReduceLROnPlateau(monitor=monitor),
               C.ModelCheckpoint(tmp_path / "m.dg", monitor=monitor)):  # fmt: skip
        if want is ValueError:
            with pytest.raises(ValueError, match="cannot tell whether .* maximized or minimized"):
                _auto_mode_fit(cb)
            assert cb.model.__dict__["history"].epoch == []  # refused before the first step
        else:
            _auto_mode_fit(cb)
            assert cb._direction == want, type(cb).__name__


def test_auto_mode_refuses_a_name_no_compiled_metric_logs():
    from deepgrad import callbacks as C

    x, y = _binary()
    m = _deepgrad_mlp(_weights(dout=1))
    m.append(nn.Sigmoid())
    m.compile(optim.SGD(lr=0.05), "mse", metrics=["acc"])
    with pytest.raises(ValueError, match=r"'val_accuracy'.*compiled metrics: \['acc'\]"):
        m.fit(x, y, verbose=0, validation_split=0.25,
              callbacks=[C.EarlyStopping(monitor="val_accuracy")])  # fmt: skip
    # a monitored quantity of unknown direction is watched once the mode says which way
    h = m.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
              callbacks=[C.EarlyStopping(monitor="lr", mode="min", patience=1)])  # fmt: skip
    assert h.epoch == [0, 1]


def test_unknown_mode_is_refused():
    from deepgrad import callbacks as C

    for cls in (C.EarlyStopping, C.ReduceLROnPlateau):
        with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'maximize'"):
            cls(mode="maximize")
    with pytest.raises(ValueError, match="got 'maximize'"):
        C.ModelCheckpoint("m.dg", mode="maximize")


def test_auto_mode_against_keras():
    keras = _keras()
    x, _, _ = _data(20)
    y = (2 * x[:, :1]).astype("float32")
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    km.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse", "root_mean_squared_error",
                                                     keras.metrics.R2Score(), "mean_absolute_error"])  # fmt: skip
    km.fit(x, y, epochs=1, verbose=0, validation_split=0.2)
    for monitor, want in KERAS_AUTO_MODE.items():
        cb = keras.callbacks.EarlyStopping(monitor=monitor)
        cb.set_model(km)
        if want is ValueError:
            with pytest.raises(ValueError, match="maximized or minimized"):
                cb._set_monitor_op()
        else:
            cb._set_monitor_op()
            assert ("max" if cb.monitor_op is keras.ops.greater else "min") == want, monitor
    with pytest.warns(UserWarning, match="unknown, fallback to auto mode"):
        keras.callbacks.EarlyStopping(mode="maximize")


def test_metric_names_against_keras():
    keras = _keras()
    x, y = _binary()
    km = _keras_mlp(keras, _weights(dout=1), activation="sigmoid")
    km.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=_METRIC_SPECS)
    hk = km.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25)
    assert sorted(k for k in hk.history if not k.startswith("val_")) == KERAS_METRIC_KEYS


# ---- per-batch logs --------------------------------------------------------------------------
# Keras's batch logs hold the epoch's running loss and metrics, not the batch's own: _weights(),
#   compile(SGD(0.1), SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]),
#   fit(x[:48], y[:48], epochs=1, batch_size=16, shuffle=False, callbacks=[a Callback whose
#   on_train_batch_end records logs])  (Keras 3.15, torch backend)
KERAS_BATCH_LOGS = [
    {"accuracy": 0.625, "loss": 0.6354633569717407},
    {"accuracy": 0.5625, "loss": 0.6235706806182861},
    {"accuracy": 0.5208333134651184, "loss": 0.6277391314506531},
]


def _batch_logs_deepgrad():
    from deepgrad.train import Callback

    seen = []

    class Record(Callback):  # Keras's hook name
        def on_train_batch_end(self, batch, logs=None):
            seen.append(dict(logs))

    x, y, _ = _data(48)
    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy", ["accuracy"])
    h = m.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[Record()])
    return seen, h


def test_batch_logs_are_the_running_loss_and_metrics():
    seen, h = _batch_logs_deepgrad()
    assert [sorted(s) for s in seen] == [sorted(k) for k in KERAS_BATCH_LOGS]  # no batch/size
    for got, want in zip(seen, KERAS_BATCH_LOGS):
        for k, v in want.items():
            assert got[k] == pytest.approx(v, rel=1e-5), k
    assert seen[-1]["loss"] == pytest.approx(h.history["loss"][0], rel=1e-12)


def test_batch_logs_against_keras():
    keras = _keras()
    x, y, _ = _data(48)
    km = _keras_mlp(keras, _weights())
    km.compile(optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"],
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    out = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: out.append(logs))
    km.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[cb])
    seen, _ = _batch_logs_deepgrad()
    for got, want in zip(seen, out):
        assert sorted(got) == sorted(want)
        for k in ("loss", "accuracy"):
            assert got[k] == pytest.approx(float(want[k]), rel=1e-5)


def test_lambda_callback_takes_keras_batch_hook_names():
    from deepgrad import callbacks as C

    x, y, _ = _data(48)
    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy")
    calls = []
    cb = C.LambdaCallback(on_train_batch_begin=lambda b, logs: calls.append(("begin", b)),
                          on_train_batch_end=lambda b, logs: calls.append(("end", b)))  # fmt: skip
    m.fit(x, y, epochs=1, batch_size=24, shuffle=False, verbose=0, callbacks=[cb])
    assert calls == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1)]


def test_terminate_on_nan_raise_error():
    from deepgrad import callbacks as C
    from deepgrad.nn import functional as F

    x, y, _ = _data(48)
    calls = []

    def loss(pred, target):  # NaN from the second batch on
        calls.append(1)
        value = F.cross_entropy(pred, target)
        return value * float("nan") if len(calls) % 3 == 2 else value

    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), loss)
    ended = []
    spy = C.LambdaCallback(on_train_end=lambda logs: ended.append(True))
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        m.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0,
              callbacks=[C.TerminateOnNaN(raise_error=True), spy])  # fmt: skip
    assert not ended  # Keras's: raised at once, no on_train_end
    calls.clear()
    h = m.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0,
              callbacks=[C.TerminateOnNaN(), spy])  # fmt: skip
    assert ended and h.epoch == [0]


# val_loss per epoch: a NaN first (Keras takes it as the best: nothing improves on it), an
# infinity first (also the best), and a finite start for contrast
_MONITOR_RUNS = {
    "nan_first": [float("nan"), 1.0, 0.5, 0.4, 0.3],
    "inf_first": [float("inf"), 1.0, 0.5, 0.4, 0.3],
    "finite": [1.0, 0.9, 0.95, 0.95, 0.95],
}
# Keras 3.15 (torch backend): the epoch EarlyStopping(patience=2) stopped at (None: it did
# not), ReduceLROnPlateau(patience=2, factor=0.5) rates after each epoch from 0.8, and the
# epochs ModelCheckpoint(save_best_only=True) saved; recorded from _keras_monitor_run
_KERAS_MONITOR = {
    "nan_first": (2, [0.8, 0.8, 0.4, 0.4, 0.2], [0]),
    "inf_first": (None, [0.8, 0.8, 0.8, 0.8, 0.8], [0, 1, 2, 3, 4]),
    "finite": (3, [0.8, 0.8, 0.8, 0.4, 0.4], [0, 1]),
}


def _keras_monitor_run(keras, values, tmp_path):
    m = _keras_mlp(keras, _weights())
    m.compile(keras.optimizers.SGD(0.8), "mse")
    es = keras.callbacks.EarlyStopping(patience=2)
    rl = keras.callbacks.ReduceLROnPlateau(patience=2, factor=0.5)
    saved = []
    ck = keras.callbacks.ModelCheckpoint(str(tmp_path / "k.weights.h5"), save_best_only=True,
                                         save_weights_only=True)  # fmt: skip
    should_save = ck._should_save_model

    def record(epoch, batch, logs, filepath):  # Keras's own decision; nothing is written
        if should_save(epoch, batch, logs, filepath):
            saved.append(epoch)
        return False

    ck._should_save_model = record
    for cb in (es, rl, ck):
        cb.set_model(m)
        cb.on_train_begin()
    stopped, lrs = None, []
    for epoch, v in enumerate(values):
        for cb in (es, rl, ck):
            cb.on_epoch_end(epoch, {"val_loss": v})
        lrs.append(float(m.optimizer.learning_rate))
        if m.stop_training and stopped is None:
            stopped = epoch
    return stopped, lrs, saved


def _deepgrad_monitor_run(values, tmp_path):
    from deepgrad.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.8), "mse")
    es = EarlyStopping(patience=2)
    rl = ReduceLROnPlateau(patience=2, factor=0.5)
    ck = ModelCheckpoint(str(tmp_path / "d-{epoch}.dg"), save_best_only=True)
    for cb in (es, rl, ck):
        cb.set_model(m)
        cb.on_train_begin()
    stopped, lrs = None, []
    for epoch, v in enumerate(values):
        m.stop_training = False
        for cb in (es, rl, ck):
            cb.on_epoch_end(epoch, {"val_loss": v})
        lrs.append(m.__dict__["_dg_compiled"].optimizer.param_groups[0]["lr"])
        if m.stop_training and stopped is None:
            stopped = epoch
    saved = sorted(int(p.stem.split("-")[1]) - 1 for p in tmp_path.glob("d-*.dg"))
    return stopped, lrs, saved


@pytest.mark.parametrize("run", sorted(_MONITOR_RUNS))
def test_monitors_take_the_first_value_as_best_even_nan(run, tmp_path):
    values = _MONITOR_RUNS[run]
    stopped, lrs, saved = _deepgrad_monitor_run(values, tmp_path)
    k_stopped, k_lrs, k_saved = _KERAS_MONITOR[run]
    assert stopped == k_stopped and saved == k_saved
    np.testing.assert_allclose(lrs, k_lrs, rtol=1e-6)


@pytest.mark.parametrize("run", sorted(_MONITOR_RUNS))
def test_recorded_monitor_constants_are_keras(run, tmp_path):
    keras = _keras()
    stopped, lrs, saved = _keras_monitor_run(keras, _MONITOR_RUNS[run], tmp_path)
    k_stopped, k_lrs, k_saved = _KERAS_MONITOR[run]
    assert stopped == k_stopped and saved == k_saved
    np.testing.assert_allclose(lrs, k_lrs, rtol=1e-6)


def test_class_weight_with_sample_weight_is_refused_as_keras():
    """Keras 3's array adapter raises "You cannot `class_weight` and `sample_weight` at the same
    time." (deepgrad multiplied them silently)."""
    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy")
    x = np.ones((4, 4), "float32")
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight`"):
        m.fit(x, y, class_weight={0: 1.0, 1: 2.0}, sample_weight=np.ones(4), verbose=0)


def test_keras_refuses_class_weight_with_sample_weight():
    keras = _keras()
    m = _keras_mlp(keras, _weights())
    m.compile("sgd", "sparse_categorical_crossentropy")
    x = np.ones((4, 4), "float32")
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight`"):
        m.fit(x, y, class_weight={0: 1.0, 1: 2.0}, sample_weight=np.ones(4), verbose=0)


# ---- validation_freq ---------------------------------------------------------------------------
# Keras's History appends what each epoch logged, padding nothing: with validation_freq the
# val_* lists hold one entry per validation. _weights(), compile(SGD(0.1),
#   SparseCategoricalCrossentropy(from_logits=True)), fit(x[:32], y[:32], epochs=4,
#   batch_size=16, shuffle=False, validation_data=(x[32:], y[32:]), validation_freq=...) with
#   x, y = _data(48)  (Keras 3.15, torch backend); a list names the 1-based epochs
KERAS_VALIDATION_FREQ = {
    2: [0.5972052812576294, 0.5394750833511353],
    (1, 3): [0.6360759139060974, 0.5653153657913208],
}
KERAS_FREQ_LOSS = [0.6235706806182861, 0.5901066064834595, 0.562868595123291, 0.5406069755554199]


def _fit_validation_freq(freq):
    x, y, _ = _data(48)
    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy")
    return m.fit(x[:32], y[:32], epochs=4, batch_size=16, shuffle=False, verbose=0,
                 validation_data=(x[32:], y[32:]), validation_freq=freq)  # fmt: skip


@pytest.mark.parametrize("freq", [2, (1, 3)])
def test_validation_freq_history_holds_one_entry_per_validation(freq):
    h = _fit_validation_freq(list(freq) if isinstance(freq, tuple) else freq)
    np.testing.assert_allclose(h.history["val_loss"], KERAS_VALIDATION_FREQ[freq], rtol=1e-6)
    np.testing.assert_allclose(h.history["loss"], KERAS_FREQ_LOSS, rtol=1e-6)
    assert h.epoch == [0, 1, 2, 3]
    assert h.epochs_of["val_loss"] == ([1, 3] if freq == 2 else [0, 2])
    assert h.best("val_loss") == (h.epochs_of["val_loss"][1], h.history["val_loss"][1])


def test_history_to_csv_writes_na_where_an_epoch_did_not_validate(tmp_path):
    h = _fit_validation_freq(2)
    h.to_csv(tmp_path / "h.csv")
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,lr,val_loss"
    assert [r.rsplit(",", 1)[1] != "NA" for r in rows[1:]] == [False, True, False, True]


def test_validation_freq_of_a_wrong_kind_is_refused():
    with pytest.raises(ValueError, match="validation_freq must be a positive int"):
        _fit_validation_freq(0)
    with pytest.raises(ValueError, match="validation_freq must be a positive int"):
        _fit_validation_freq((1, 3))  # Keras takes an int or a list


@pytest.mark.parametrize("freq", [2, (1, 3)])
def test_validation_freq_against_keras(freq):
    keras = _keras()
    x, y, _ = _data(48)
    km = _keras_mlp(keras, _weights())
    km.compile(optimizer=keras.optimizers.SGD(0.1),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    hk = km.fit(x[:32], y[:32], epochs=4, batch_size=16, shuffle=False, verbose=0,
                validation_data=(x[32:], y[32:]),
                validation_freq=list(freq) if isinstance(freq, tuple) else freq)  # fmt: skip
    np.testing.assert_allclose(hk.history["val_loss"], KERAS_VALIDATION_FREQ[freq], rtol=1e-6)
    np.testing.assert_allclose(hk.history["loss"], KERAS_FREQ_LOSS, rtol=1e-6)


# ---- x and y given as a list of one array (Keras's nest of a single input) ----------------------
# Keras reads [x] as the single input x: _weights(), compile(SGD(0.1),
#   SparseCategoricalCrossentropy(from_logits=True)), fit([x], [y], epochs=1, batch_size=16,
#   shuffle=False) with x, y = _data(50) -> loss [0.6306334733963013], as fit(x, y); and
#   predict([x[:3]]) has shape (3, 2)  (Keras 3.15, torch backend). deepgrad stacked the list:
#   one sample of shape (3, 4), a (1, 3, 2) prediction.
KERAS_LIST_FIT_LOSS = 0.6306334733963013
KERAS_LIST_PREDICT_SHAPE = (3, 2)


def test_a_list_of_one_array_is_that_array():
    x, y, _ = _data(50)
    m = _deepgrad_mlp(_weights())
    assert m.predict([x[:3]]).shape == KERAS_LIST_PREDICT_SHAPE
    np.testing.assert_array_equal(m.predict([x[:3]]), m.predict(x[:3]))
    m.compile(optim.SGD(lr=0.1), "cross_entropy")
    h = m.fit([x], [y], epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert h.history["loss"][0] == pytest.approx(KERAS_LIST_FIT_LOSS, rel=1e-6)
    assert m.evaluate([x], [y]) == pytest.approx(m.evaluate(x, y), rel=1e-12)
    # nested Python lists of numbers keep meaning rows (Keras refuses them)
    assert m.predict(x[:3].tolist()).shape == (3, 2)


def test_inputs_by_name_are_refused():
    x, y, _ = _data(8)
    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy")
    for call in (lambda: m.predict({"inputs": x}), lambda: m.fit({"inputs": x}, y, verbose=0),
                 lambda: m.evaluate({"inputs": x}, y), lambda: m.fit(x, {"out": y}, verbose=0)):  # fmt: skip
        with pytest.raises(TypeError, match="is a dict"):
            call()


def test_a_list_of_one_array_against_keras():
    keras = _keras()
    x, y, _ = _data(50)
    km = _keras_mlp(keras, _weights())
    assert km.predict([x[:3]], verbose=0).shape == KERAS_LIST_PREDICT_SHAPE
    km.compile(optimizer=keras.optimizers.SGD(0.1),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    hk = km.fit([x], [y], epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert hk.history["loss"][0] == pytest.approx(KERAS_LIST_FIT_LOSS, rel=1e-6)


# ---- train_on_batch / test_on_batch / predict_on_batch ------------------------------------------
# Keras 3.15 (torch backend): _keras_mlp(_weights()), compile(SGD(0.1),
#   SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]), x, y = _data(); then
#   in this order: train_on_batch(x[:16], y[:16]); train_on_batch(x[16:32], y[16:32]);
#   train_on_batch(x[32:48], y[32:48], return_dict=True); test_on_batch(x[:16], y[:16]);
#   train_on_batch(x[:16], y[:16], sample_weight=linspace(0.5, 2, 16));
#   train_on_batch(x[:16], y[:16], class_weight={0: 1.0, 1: 3.0});
#   test_on_batch(x[:16], y[:16], sample_weight=linspace(0.5, 2, 16)). Each call's accuracy is
#   its batch's alone (Keras 3 resets the metrics on every call); the loss is the batch's before
#   the step. A model compiled without metrics gets a float; an uncompiled one raises;
#   reset_metrics= is a TypeError (gone in Keras 3).
KERAS_ON_BATCH = [
    [0.6354633569717407, 0.625],
    [0.6116780638694763, 0.5],
    {"accuracy": 0.4375, "loss": 0.6360759139060974},
    [0.577684223651886, 0.6875],
    [0.714201807975769, 0.6875],
    [1.1457452774047852, 0.6875],
    [0.6226854920387268, 0.8125],
]
#   predict_on_batch(x[:2]) before any of them:
KERAS_PREDICT_ON_BATCH = [
    [0.5882279872894287, 0.9560573101043701],
    [-0.30895814299583435, 0.43287044763565063],
]


def _on_batch_calls(m, x, y):
    w = np.linspace(0.5, 2, 16)
    return [
        m.train_on_batch(x[:16], y[:16]),
        m.train_on_batch(x[16:32], y[16:32]),
        m.train_on_batch(x[32:48], y[32:48], return_dict=True),
        m.test_on_batch(x[:16], y[:16]),
        m.train_on_batch(x[:16], y[:16], sample_weight=w),
        m.train_on_batch(x[:16], y[:16], class_weight={0: 1.0, 1: 3.0}),
        m.test_on_batch(x[:16], y[:16], sample_weight=w),
    ]


def _assert_on_batch(got):
    for g, k in zip(got, KERAS_ON_BATCH, strict=True):
        if isinstance(k, dict):
            assert sorted(g) == sorted(k)
            for key in k:
                assert g[key] == pytest.approx(k[key], rel=1e-5)
        else:
            np.testing.assert_allclose(g, k, rtol=1e-5)


def test_on_batch_methods_give_keras_values():
    x, y, _ = _data()
    m = _deepgrad_mlp(_weights())
    np.testing.assert_allclose(m.predict_on_batch(x[:2]), KERAS_PREDICT_ON_BATCH, rtol=1e-5)
    np.testing.assert_allclose(m.predict_on_batch((x[:2],)), KERAS_PREDICT_ON_BATCH, rtol=1e-5)
    m.compile(optim.SGD(lr=0.1), "cross_entropy", metrics=["accuracy"])
    _assert_on_batch(_on_batch_calls(m, x, y))


def test_on_batch_methods_return_and_refuse_as_keras():
    x, y, _ = _data()
    m = _deepgrad_mlp(_weights())
    with pytest.raises(RuntimeError, match="not compiled"):
        m.train_on_batch(x[:4], y[:4])
    with pytest.raises(RuntimeError, match="not compiled"):
        m.test_on_batch(x[:4], y[:4])
    m.compile(optim.SGD(lr=0.1), "mse")
    t = np.zeros((4, 2), "float32")
    assert isinstance(m.train_on_batch(x[:4], t), float)
    assert isinstance(m.test_on_batch(x[:4], t), float)
    with pytest.raises(TypeError, match="reset_metrics= is not supported.*Keras 3 removed it"):
        m.train_on_batch(x[:4], t, reset_metrics=False)
    with pytest.raises(ValueError, match="cannot be given at the same time"):
        m.train_on_batch(x[:4], t, sample_weight=np.ones(4), class_weight={0: 2.0})


def test_train_on_batch_steps_the_compiled_optimizer_and_leaves_the_mode():
    x, y, _ = _data()
    a = _deepgrad_mlp(_weights()).compile(optim.Adam(lr=0.01), "cross_entropy")
    b = _deepgrad_mlp(_weights()).compile(optim.Adam(lr=0.01), "cross_entropy")
    a.eval()
    for s in (slice(0, 16), slice(16, 32), slice(32, 48), slice(48, 60)):
        a.train_on_batch(x[s], y[s])
    assert not a.training  # the mode it was in
    b.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)  # the same four steps
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_allclose(va, vb, rtol=1e-6, err_msg=k)
    # fit after train_on_batch continues from the optimizer's state
    a.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    b.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for va, vb in zip(a.state_dict().values(), b.state_dict().values()):
        np.testing.assert_allclose(va, vb, rtol=1e-6)


def test_train_on_batch_reads_integer_one_hot_targets():
    x, y, _ = _data()
    a = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy", ["accuracy"])
    b = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "cross_entropy", ["accuracy"])
    onehot = np.eye(2, dtype="int64")[y]
    for s in (slice(0, 16), slice(16, 32)):  # the second call skips the first call's checks
        np.testing.assert_allclose(
            a.train_on_batch(x[s], onehot[s]), b.train_on_batch(x[s], y[s]), rtol=1e-6
        )


def test_on_batch_methods_against_keras():
    keras = _keras()
    x, y, _ = _data()
    km = _keras_mlp(keras, _weights())
    np.testing.assert_allclose(km.predict_on_batch(x[:2]), KERAS_PREDICT_ON_BATCH, rtol=1e-5)
    km.compile(optimizer=keras.optimizers.SGD(0.1),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               metrics=["accuracy"])  # fmt: skip
    _assert_on_batch(_on_batch_calls(km, x, y))
    with pytest.raises(TypeError, match="reset_metrics"):
        km.train_on_batch(x[:4], y[:4], reset_metrics=False)


# ---- predict((x,)), predict((x, y)), evaluate((x,), y) ---------------------------------------------
# Keras 3.15 reads a tuple (x,) or (x, y) given to predict as x (shape (10, 2) for x of 10
# samples), and evaluate((x,), y) as evaluate(x, y); deepgrad raised "expected (x, y)" for
# predict((x,)) on a compiled model, and ran predict((x, y)) as a loader on an uncompiled one.
def test_predict_reads_a_tuple_as_keras():
    x, y, _ = _data(10)
    for compiled in (False, True):
        m = _deepgrad_mlp(_weights())
        if compiled:
            m.compile(optim.SGD(lr=0.1), "cross_entropy")
        want = m.predict(x)
        np.testing.assert_array_equal(m.predict((x,)), want)
        np.testing.assert_array_equal(m.predict((x, y)), want)
    assert m.evaluate((x,), y) == pytest.approx(m.evaluate(x, y), rel=1e-12)


def test_predict_tuple_against_keras():
    keras = _keras()
    x, y, _ = _data(10)
    km = _keras_mlp(keras, _weights())
    want = km.predict(x, verbose=0)
    np.testing.assert_allclose(km.predict((x,), verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(km.predict((x, y), verbose=0), want, rtol=1e-6)
    km.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert km.evaluate((x,), y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0))


# ---- validation_split: the training part is floor(n · (1 - split)) samples ----------------------
# Keras 3.15 (torch backend), the _keras_mlp of _weights() on _data(n=30), SGD(0.1),
#   SparseCategoricalCrossentropy(from_logits=True), fit(x, y, epochs=2, batch_size=8,
#   shuffle=False, validation_split=0.25): 30 · 0.75 = 22.5, so 22 training and 8 validation
#   samples (a ceiling would train on 23)
KERAS_SPLIT_FLOOR = {
    "loss": [0.6313614845275879, 0.5580437779426575],
    "val_loss": [0.6882005333900452, 0.6749135255813599],
}


def test_validation_split_trains_on_the_floor_of_the_fraction():
    x, y, _ = _data(n=30)
    m = _deepgrad_mlp(_weights())
    m.compile(optimizer=optim.SGD(lr=0.1), loss="cross_entropy")
    h = m.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, validation_split=0.25)
    for k, v in KERAS_SPLIT_FLOOR.items():
        np.testing.assert_allclose(h.history[k], v, rtol=1e-5)
    seen = []
    from deepgrad import callbacks as C

    m = _deepgrad_mlp(_weights()).compile(optimizer=optim.SGD(lr=0.1), loss="cross_entropy")
    cb = C.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    m.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25, callbacks=[cb])
    assert len(seen) == 3  # 22 training samples: batches of 8, 8, 6


def test_validation_split_against_keras():
    keras = _keras()
    x, y, _ = _data(n=30)
    km = _keras_mlp(keras, _weights())
    km.compile(optimizer=keras.optimizers.SGD(0.1),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    hk = km.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, validation_split=0.25)
    for k, v in KERAS_SPLIT_FLOOR.items():
        np.testing.assert_allclose(hk.history[k], v, rtol=1e-6)


# ---- ReduceLROnPlateau at min_lr ----------------------------------------------------------------
# Keras 3.15: ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, cooldown=1,
#   min_lr=0.05) on a model compiled with SGD(0.1), on_train_begin() then on_epoch_end(e,
#   {"val_loss": 1.0}) for e = 0..6: (wait, cooldown_counter, learning_rate) after each. The rate
#   falls once; at min_lr nothing is reduced, so neither the wait nor the cooldown restarts.
KERAS_PLATEAU_AT_MIN_LR = [
    (0, 0, 0.1), (0, 1, 0.05), (1, 0, 0.05), (2, 0, 0.05), (3, 0, 0.05), (4, 0, 0.05),
    (5, 0, 0.05),
]  # fmt: skip


def _plateau_steps(cb, model, lr_of):
    cb.set_model(model)
    cb.on_train_begin()
    out = []
    for e in range(7):
        cb.on_epoch_end(e, {"val_loss": 1.0})
        out.append((cb.wait, cb.cooldown_counter, lr_of(model)))
    return out


def test_reduce_lr_on_plateau_at_min_lr_keeps_counting():
    from deepgrad import callbacks as C

    m = _deepgrad_mlp(_weights()).compile(optim.SGD(lr=0.1), "mse")
    cb = C.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1, min_lr=0.05)
    from deepgrad.train.compiled import get_compiled

    got = _plateau_steps(cb, m, lambda m: get_compiled(m, "test").optimizer.param_groups[0]["lr"])
    assert [g[:2] for g in got] == [k[:2] for k in KERAS_PLATEAU_AT_MIN_LR]
    np.testing.assert_allclose([g[2] for g in got], [k[2] for k in KERAS_PLATEAU_AT_MIN_LR])


def test_reduce_lr_on_plateau_at_min_lr_against_keras():
    keras = _keras()
    km = _keras_mlp(keras, _weights())
    km.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    cb = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1, min_lr=0.05)
    got = _plateau_steps(cb, km, lambda m: float(m.optimizer.learning_rate))
    assert [g[:2] for g in got] == [k[:2] for k in KERAS_PLATEAU_AT_MIN_LR]
    np.testing.assert_allclose([g[2] for g in got], [k[2] for k in KERAS_PLATEAU_AT_MIN_LR])


# ---- ModelCheckpoint(save_best_only=True): a missing monitor, initial_value_threshold ----------
# Keras 3.15: the _keras_mlp of _weights() on _data(n=30), SGD(0.1), sparse CE from logits,
#   fit(x, y, batch_size=8, shuffle=False) with
#   (a) epochs=2, ModelCheckpoint("m-{epoch}.keras", save_best_only=True) and no validation data:
#       "Can save best model only with val_loss available." and both epochs saved;
#   (b) epochs=4, ModelCheckpoint("m-{epoch}.keras", monitor="loss", save_best_only=True,
#       initial_value_threshold=0.6): losses [0.6489, 0.5856, 0.5422, 0.5079], epochs 2, 3, 4 saved.
KERAS_CKPT_MISSING_MONITOR = [1, 2]
KERAS_CKPT_THRESHOLD = [2, 3, 4]


def _checkpointed(make_cb, make, suffix, epochs, tmp_path):
    x, y, _ = _data(n=30)
    m = make()
    m.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0,
          callbacks=[make_cb(str(tmp_path / ("m-{epoch}" + suffix)))])  # fmt: skip
    return sorted(int(p.name[2:].split(".")[0]) for p in tmp_path.iterdir())


def _deepgrad_ckpt_model():
    m = _deepgrad_mlp(_weights())
    return m.compile(optimizer=optim.SGD(lr=0.1), loss="cross_entropy")


def test_model_checkpoint_saves_when_the_monitor_is_missing(tmp_path):
    from deepgrad import callbacks as C

    with pytest.warns(UserWarning, match="val_loss"):
        saved = _checkpointed(lambda p: C.ModelCheckpoint(p, save_best_only=True),
                              _deepgrad_ckpt_model, ".dg", 2, tmp_path)  # fmt: skip
    assert saved == KERAS_CKPT_MISSING_MONITOR


def test_model_checkpoint_initial_value_threshold(tmp_path):
    from deepgrad import callbacks as C

    def make_cb(p):
        return C.ModelCheckpoint(p, monitor="loss", save_best_only=True,
                                 initial_value_threshold=0.6)  # fmt: skip

    saved = _checkpointed(make_cb, _deepgrad_ckpt_model, ".dg", 4, tmp_path)
    assert saved == KERAS_CKPT_THRESHOLD


def test_model_checkpoint_against_keras(tmp_path):
    keras = _keras()

    def make():
        km = _keras_mlp(keras, _weights())
        km.compile(optimizer=keras.optimizers.SGD(0.1),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
        return km

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cb = keras.callbacks.ModelCheckpoint
    with pytest.warns(UserWarning, match="val_loss"):
        saved = _checkpointed(lambda p: cb(p, save_best_only=True), make, ".keras", 2,
                              tmp_path / "a")  # fmt: skip
    assert saved == KERAS_CKPT_MISSING_MONITOR
    saved = _checkpointed(
        lambda p: cb(p, monitor="loss", save_best_only=True, initial_value_threshold=0.6),
        make, ".keras", 4, tmp_path / "b",
    )  # fmt: skip
    assert saved == KERAS_CKPT_THRESHOLD


# ---- EarlyStopping's counters when it does not stop ------------------------------------------
# Keras 3.15: EarlyStopping(monitor="loss", patience=5) has stopped_epoch 0 and wait 0 when made
#   (best_epoch and the others are set by on_train_begin, to 0), and after fit(epochs=3) of the _data(n=30) model (SGD(0.1), sparse CE from
#   logits, batch_size=8, shuffle=False; the loss falls every epoch) stopped_epoch 0 (it did not
#   stop), best_epoch 2, wait 0
KERAS_ES_FRESH = (0, 0)
KERAS_ES_NOT_STOPPED = (0, 2, 0)


def _es_counters(es):
    return es.stopped_epoch, es.best_epoch, es.wait


def _es_fresh(es):
    return es.stopped_epoch, es.wait


def test_early_stopping_that_does_not_stop_reports_as_keras():
    from deepgrad import callbacks as C

    es = C.EarlyStopping(monitor="loss", patience=5)
    assert _es_fresh(es) == KERAS_ES_FRESH
    x, y, _ = _data(n=30)
    m = _deepgrad_mlp(_weights()).compile(optimizer=optim.SGD(lr=0.1), loss="cross_entropy")
    m.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=[es])
    assert _es_counters(es) == KERAS_ES_NOT_STOPPED


def test_early_stopping_that_does_not_stop_against_keras():
    keras = _keras()
    es = keras.callbacks.EarlyStopping(monitor="loss", patience=5)
    assert _es_fresh(es) == KERAS_ES_FRESH
    x, y, _ = _data(n=30)
    km = _keras_mlp(keras, _weights())
    km.compile(optimizer=keras.optimizers.SGD(0.1),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=[es])
    assert _es_counters(es) == KERAS_ES_NOT_STOPPED


# ---- "accuracy" with a logits loss: a deliberate difference (README) ---------------------------
# Keras 3.15: _keras_mlp(_weights(dout=1)) on _data(n=30) with (N, 1) float targets, SGD(0.1),
#   BinaryCrossentropy(from_logits=True), metrics=["accuracy"], fit(epochs=2, batch_size=8,
#   shuffle=False, class_weight={0: 1, 1: 3}): accuracy [0.6333, 0.6667] — the logits thresholded
#   at 0.5 — and the loss below (the same here). deepgrad thresholds the logits at 0.
KERAS_LOGITS_ACCURACY = [0.6333333253860474, 0.6666666865348816]
KERAS_LOGITS_LOSS = [1.103341817855835, 0.9715418219566345]
DEEPGRAD_LOGITS_ACCURACY = [16 / 30, 16 / 30]  # the logits thresholded at 0


def _logits_accuracy_deepgrad(metrics):
    x, y, _ = _data(n=30)
    m = _deepgrad_mlp(_weights(dout=1))
    m.compile(optimizer=optim.SGD(lr=0.1), metrics=metrics,
              loss=nn.loss.get("binary_crossentropy", from_logits=True))  # fmt: skip
    return m.fit(x, y[:, None].astype("float32"), epochs=2, batch_size=8, shuffle=False,
                 verbose=0, class_weight={0: 1.0, 1: 3.0})  # fmt: skip


def test_accuracy_with_a_logits_loss_thresholds_at_zero():
    from deepgrad import metrics as M

    h = _logits_accuracy_deepgrad(["accuracy"])
    np.testing.assert_allclose(h.history["loss"], KERAS_LOGITS_LOSS, rtol=1e-6)
    np.testing.assert_allclose(h.history["accuracy"], DEEPGRAD_LOGITS_ACCURACY)
    assert h.history["accuracy"] != pytest.approx(KERAS_LOGITS_ACCURACY)  # the README's row
    with pytest.raises(ValueError, match="from_logits=True"):  # Keras's 0.5 on logits: refused
        _logits_accuracy_deepgrad([M.BinaryAccuracy(threshold=0.5)])


def test_accuracy_with_a_logits_loss_against_keras():
    keras = _keras()
    x, y, _ = _data(n=30)
    km = _keras_mlp(keras, _weights(dout=1))
    km.compile(optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"],
               loss=keras.losses.BinaryCrossentropy(from_logits=True))  # fmt: skip
    hk = km.fit(x, y[:, None].astype("float32"), epochs=2, batch_size=8, shuffle=False,
                verbose=0, class_weight={0: 1.0, 1: 3.0})  # fmt: skip
    np.testing.assert_allclose(hk.history["accuracy"], KERAS_LOGITS_ACCURACY, rtol=1e-6)
    np.testing.assert_allclose(hk.history["loss"], KERAS_LOGITS_LOSS, rtol=1e-6)


# ---- ModelCheckpoint's {batch} -----------------------------------------------------------------
# Keras 3.15: the _data(n=30) model, fit(epochs=2, batch_size=8, shuffle=False) (4 steps an epoch)
#   with ModelCheckpoint("m-{epoch}-{batch}.keras", save_freq=3) saves m-1-3 and m-2-2; with
#   save_freq="epoch" the same filepath raises KeyError ('batch' is not a name there)
KERAS_CKPT_BATCH_FILES = ["m-1-3", "m-2-2"]


def _batch_checkpoints(make, checkpoint, suffix, save_freq, tmp_path):
    x, y, _ = _data(n=30)
    cb = checkpoint(str(tmp_path / ("m-{epoch}-{batch}" + suffix)), save_freq=save_freq)
    make().fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, callbacks=[cb])
    return sorted(p.name.split(".")[0] for p in tmp_path.iterdir())


def test_model_checkpoint_batch_in_the_filepath(tmp_path):
    from deepgrad import callbacks as C

    got = _batch_checkpoints(_deepgrad_ckpt_model, C.ModelCheckpoint, ".dg", 3, tmp_path)
    assert got == KERAS_CKPT_BATCH_FILES
    with pytest.raises(KeyError, match="batch"):
        _batch_checkpoints(_deepgrad_ckpt_model, C.ModelCheckpoint, ".dg", "epoch", tmp_path)


def test_model_checkpoint_batch_in_the_filepath_against_keras(tmp_path):
    keras = _keras()

    def make():
        km = _keras_mlp(keras, _weights())
        km.compile(optimizer=keras.optimizers.SGD(0.1),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
        return km

    ckpt = keras.callbacks.ModelCheckpoint
    assert _batch_checkpoints(make, ckpt, ".keras", 3, tmp_path) == KERAS_CKPT_BATCH_FILES
    with pytest.raises(KeyError, match="batch"):
        _batch_checkpoints(make, ckpt, ".keras", "epoch", tmp_path)
