"""Programs written the way Keras users write them, each asserting what the Keras 3
documentation (keras.io: Model.fit / evaluate / predict, the callbacks' pages) promises.

Keras is not installed here: every expected value is derived from the documented rule (and
Keras 3's source where the docs are silent), so these fail if deepgrad's contract drifts.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import callbacks as C
from deepgrad import nn, optim
from deepgrad.nn import functional as F


def _data(n=70, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("int64")
    return x, y


def _mlp(d=3, c=2, seed=0):
    dg.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, 8), nn.ReLU(), nn.Linear(8, c))


class TwoInputs(nn.Module):
    """A Keras-style two-tower model: ``keras.Model([in_a, in_b], out)``."""

    def __init__(self, da=3, db=3):
        super().__init__()
        dg.manual_seed(0)
        self.a = nn.Linear(da, 4)
        self.b = nn.Linear(db, 4)
        self.head = nn.Linear(8, 2)

    def forward(self, a, b):
        return self.head(dg.cat([F.relu(self.a(a)), F.relu(self.b(b))], dim=1))


def _direct(model, a, b):
    model.eval()
    with dg.no_grad():
        return model(dg.tensor(a), dg.tensor(b)).numpy()


# ---- several inputs: Keras's x = [x1, x2] ------------------------------------------------------
def test_predict_a_list_of_two_equal_shape_inputs_is_two_inputs():
    """keras.io Model.predict: x "A NumPy array (or array-like), or a list of arrays (in case
    the model has multiple inputs)" — a list of 2 arrays of 70 samples gives 70 predictions,
    not 2; batched by the default batch_size of 32 (3 batches)."""
    x, _ = _data()
    x2 = x[::-1].copy()
    m = TwoInputs()
    steps = []
    cb = C.LambdaCallback(on_predict_batch_end=lambda i, logs: steps.append(i))
    out = m.predict([x, x2], callbacks=[cb])
    assert out.shape == (70, 2)
    assert steps == [0, 1, 2]  # ceil(70 / 32): Keras's default batch_size is 32
    np.testing.assert_allclose(out, _direct(m, x, x2), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(m.predict_on_batch([x, x2]), out, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(m.predict(([x, x2],)), out, rtol=1e-6, atol=1e-7)


def test_fit_evaluate_a_two_input_model():
    x, y = _data()
    x2 = x[:, ::-1].copy()
    m = TwoInputs().compile(optim.SGD(lr=0.1), "cross_entropy", metrics=["accuracy"])
    h = m.fit([x, x2], y, epochs=2, batch_size=16, validation_split=0.2, verbose=0)
    assert sorted(h.history) == ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    # validation_split holds out the last 20 % of each input, before shuffling
    split = int(math.floor(70 * 0.8))
    want = m.evaluate([x[split:], x2[split:]], y[split:], return_dict=True)
    assert h.history["val_loss"][-1] == pytest.approx(want["loss"], rel=1e-6)
    # a tuple of inputs beside y, validation_data as a list, and sample weights
    w = np.linspace(0.5, 1.5, 70)
    loss_list = m.evaluate([x, x2], y, sample_weight=w)
    assert m.evaluate((x, x2), y, sample_weight=w) == pytest.approx(loss_list, rel=1e-12)
    h = m.fit((x, x2), y, epochs=1, verbose=0, validation_data=[[x, x2], y, w])
    assert h.history["val_loss"][0] == pytest.approx(m.evaluate([x, x2], y, sample_weight=w)[0])
    # on one batch
    m.train_on_batch([x[:8], x2[:8]], y[:8])
    assert len(m.test_on_batch([x[:8], x2[:8]], y[:8])) == 2
    # a loader yielding ([a, b], y) batches
    batches = [([x[i : i + 16], x2[i : i + 16]], y[i : i + 16]) for i in range(0, 70, 16)]
    h = m.fit(batches, epochs=1, verbose=0)
    assert len(h.history["loss"]) == 1
    assert m.evaluate(batches, return_dict=True)["loss"] == pytest.approx(
        m.evaluate([x, x2], y, batch_size=16, return_dict=True)["loss"], rel=1e-6
    )


def test_inputs_with_different_sample_counts_are_refused():
    x, y = _data()
    m = TwoInputs().compile("sgd", "cross_entropy")
    with pytest.raises(ValueError, match="cardinality"):
        m.predict([x, x[:-1]])
    with pytest.raises(ValueError, match="cardinality"):
        m.fit([x, x[:-1]], y, verbose=0)


def test_a_single_input_model_refuses_a_list_of_two_arrays():
    """Keras's single-input models raise for two inputs ("expects 1 input(s), but it received
    2 input tensors"); reading the list as 2 samples would be a silent other result."""
    x, y = _data()
    m = _mlp().compile("sgd", "cross_entropy")
    for call in (lambda: m.predict([x, x]), lambda: m.predict([x[:2], x[2:4]]),
                 lambda: m.fit([x, x], y, verbose=0), lambda: m.evaluate([x, x], y),
                 lambda: m.predict_on_batch([x, x])):  # fmt: skip
        with pytest.raises(ValueError, match="expects 1 input.*received 2"):
            call()
    m.predict([x])  # a list of one array is that array (Keras's nest of one input)


def test_a_two_input_model_refuses_three_inputs():
    x, _ = _data()
    with pytest.raises(ValueError, match="takes 2 input"):
        TwoInputs().predict([x, x, x])


# ---- fit's arguments -------------------------------------------------------------------------
class _Recorder(nn.Module):
    """Records the rows its forward sees in training mode (a Dense layer otherwise)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 2)
        self.seen: list[float] = []

    def forward(self, x):
        if self.training:
            self.seen.extend(x.numpy()[:, 0].tolist())
        return self.fc(x)


def test_validation_split_is_the_last_fraction_taken_before_shuffling():
    """keras.io: "The validation data is selected from the last samples in the x and y data
    provided, before shuffling"."""
    x = np.arange(40, dtype="float32")[:, None]
    y = np.arange(40) % 2
    m = _Recorder().compile(optim.SGD(lr=0.0), "cross_entropy")
    h = m.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, shuffle=True, verbose=0)
    assert sorted(set(m.seen)) == list(range(30))  # trained on the first 30 only
    assert m.seen[:30] != list(range(30))  # and shuffled them
    assert h.history["val_loss"][-1] == pytest.approx(m.evaluate(x[30:], y[30:]), rel=1e-6)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(x, y, validation_split=1.0, verbose=0)


def test_validation_data_of_two_or_three_items():
    x, y = _data()
    xv, yv = _data(20, seed=1)
    wv = np.linspace(0.1, 2.0, 20)
    m = _mlp().compile(optim.SGD(lr=0.1), "cross_entropy")
    for vd, want in (((xv, yv), lambda: m.evaluate(xv, yv)),
                     ([xv, yv], lambda: m.evaluate(xv, yv)),  # Keras 3 reads a list as a tuple
                     ((xv, yv, wv), lambda: m.evaluate(xv, yv, sample_weight=wv))):  # fmt: skip
        h = m.fit(x, y, epochs=1, verbose=0, validation_data=vd)
        assert h.history["val_loss"][0] == pytest.approx(want(), rel=1e-6)
    with pytest.raises(ValueError, match=r"\(x, y\) or \(x, y, sample_weight\)"):
        m.fit(x, y, epochs=1, verbose=0, validation_data=(xv, yv, wv, wv))
    h = m.fit(x, y, epochs=1, verbose=0, validation_data=(xv, yv), validation_split=0.5)
    assert h.params["samples"] == 70  # validation_data overrides validation_split


def _per_sample_ce(m, x, y):
    with dg.no_grad():
        m.eval()
        return F.cross_entropy(m(dg.tensor(x)), dg.tensor(y), reduction="none").numpy()


def test_sample_weight_and_class_weight_scale_each_sample_loss():
    """Keras: the loss is Σ wᵢ·lossᵢ / N over the batch ("sum_over_batch_size"); class_weight
    {class: w} is the sample weight of each sample's class; both at once raise."""
    x, y = _data()
    m = _mlp().compile(optim.SGD(lr=0.0), "cross_entropy")
    per = _per_sample_ce(m, x, y)
    w = np.linspace(0.0, 2.0, 70)
    assert m.evaluate(x, y, sample_weight=w, batch_size=70) == pytest.approx(
        float((w * per).sum() / 70), rel=1e-5
    )
    h = m.fit(x, y, batch_size=70, epochs=1, verbose=0, shuffle=False,
              class_weight={0: 1.0, 1: 3.0})  # fmt: skip
    cw = np.where(y == 1, 3.0, 1.0)
    assert h.history["loss"][0] == pytest.approx(float((cw * per).sum() / 70), rel=1e-5)
    h = m.fit(x, y, batch_size=70, epochs=1, verbose=0, shuffle=False, sample_weight=w)
    assert h.history["loss"][0] == pytest.approx(float((w * per).sum() / 70), rel=1e-5)
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        m.fit(x, y, verbose=0, sample_weight=w, class_weight={0: 1.0})


def test_initial_epoch_and_epochs_is_the_last_epoch():
    """keras.io: "the model is not trained for a number of iterations given by epochs, but
    merely until the epoch of index epochs is reached"."""
    x, y = _data()
    began = []
    m = _mlp().compile("sgd", "cross_entropy")
    cb = C.LambdaCallback(on_epoch_begin=lambda e, logs: began.append(e))
    h = m.fit(x, y, epochs=5, initial_epoch=3, verbose=0, callbacks=[cb])
    assert began == [3, 4] and h.epoch == [3, 4] and len(h.history["loss"]) == 2


def test_steps_per_epoch_counts_batches():
    x, y = _data(100)
    m = _mlp().compile("sgd", "cross_entropy")
    steps = []
    cb = C.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))
    h = m.fit(x, y, batch_size=10, epochs=2, steps_per_epoch=3, verbose=0, callbacks=[cb])
    assert steps == [0, 1, 2, 0, 1, 2] and h.params["steps"] == 3


@pytest.mark.parametrize("verbose", [0, 1, 2, "auto"])
def test_verbose_values(verbose, capsys):
    x, y = _data()
    m = _mlp().compile("sgd", "cross_entropy")
    m.fit(x, y, epochs=2, verbose=verbose)
    out = capsys.readouterr().out
    if verbose == 0:
        assert out == ""
    else:
        assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss" in out
    with pytest.raises(ValueError, match="verbose"):
        m.fit(x, y, verbose=3)


def test_evaluate_returns_a_scalar_a_list_or_a_dict():
    x, y = _data()
    y = x.sum(axis=1, keepdims=True)
    m = _mlp(c=1).compile("sgd", "mse")
    assert isinstance(m.evaluate(x, y), float)
    assert m.evaluate(x, y, return_dict=True).keys() == {"loss"}
    m.compile("sgd", "mse", metrics=["mae", "mse"])
    r = m.evaluate(x, y)
    assert isinstance(r, list) and len(r) == 3 and r[0] == pytest.approx(r[2], rel=1e-6)
    d = m.evaluate(x, y, return_dict=True)
    assert list(d) == ["loss", "mae", "mse"] == m.metrics_names
    assert list(d.values()) == r


def test_predict_batch_size_defaults_to_32():
    x, _ = _data(65)
    m = _mlp()
    seen = []
    cb = C.LambdaCallback(on_predict_batch_end=lambda i, logs: seen.append(len(logs["outputs"])))
    assert m.predict(x, callbacks=[cb]).shape == (65, 2)
    assert seen == [32, 32, 1]


def test_history_keys_are_keras_names():
    x, y = _data()
    m = _mlp().compile("adam", "cross_entropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert h is m.history
    # "lr" is deepgrad's one extra key (README's table)
    assert set(h.history) - {"lr"} == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 2 for v in h.history.values())
    m.compile("adam", "cross_entropy", metrics=["acc"])
    h = m.fit(x, y, epochs=1, validation_data=(x, y), verbose=0)
    assert set(h.history) - {"lr"} == {"loss", "acc", "val_loss", "val_acc"}


# ---- callbacks -------------------------------------------------------------------------------
def _drive(cb, model, values, key="val_loss", between=None):
    """Keras's calls of ``cb`` over epochs whose logs hold ``values``; ``between(e)`` changes
    the model before epoch e ends. Returns the epoch training stopped at (or None)."""
    cb.set_model(model)
    model.stop_training = False
    cb.on_train_begin()
    stopped = None
    for e, v in enumerate(values):
        if between is not None:
            between(e)
        cb.on_epoch_end(e, {key: v})
        if model.stop_training:
            stopped = e
            break
    cb.on_train_end()
    return stopped


def _set_bias(m, value):
    m[2].bias.data[...] = value


def test_early_stopping_min_delta_takes_its_absolute_value():
    """Keras: "an absolute change of less than min_delta will count as no improvement"; the
    sign given does not matter (min mode: current < best - |min_delta|)."""
    m = _mlp().compile("sgd", "cross_entropy")
    for delta in (0.1, -0.1):
        es = C.EarlyStopping(min_delta=delta, patience=1)
        assert _drive(es, m, [1.0, 0.95, 0.85]) == 1
        es = C.EarlyStopping(min_delta=delta, patience=2)
        assert _drive(es, m, [1.0, 0.95, 0.85, 0.8]) is None and es.best == 0.85
    es = C.EarlyStopping(monitor="val_accuracy", mode="max", min_delta=-0.05, patience=1)
    assert _drive(es, m, [0.5, 0.54, 0.6], key="val_accuracy") == 1


def test_early_stopping_restores_the_best_weights_at_train_end():
    """Keras 3: restore_best_weights restores at the end of training whether or not it
    stopped early."""
    m = _mlp().compile("sgd", "cross_entropy")
    es = C.EarlyStopping(patience=5, restore_best_weights=True)
    assert _drive(es, m, [1.0, 0.5, 0.7], between=lambda e: _set_bias(m, float(e))) is None
    np.testing.assert_array_equal(m[2].bias.numpy(), [1.0, 1.0])  # epoch 1's weights
    assert es.best_epoch == 1
    es = C.EarlyStopping(patience=1, restore_best_weights=True)
    assert _drive(es, m, [1.0, 0.5, 0.7, 0.8], between=lambda e: _set_bias(m, float(e))) == 2
    np.testing.assert_array_equal(m[2].bias.numpy(), [1.0, 1.0])
    es = C.EarlyStopping(patience=1)  # without it the last weights stay
    _drive(es, m, [1.0, 0.5, 0.7], between=lambda e: _set_bias(m, float(e)))
    np.testing.assert_array_equal(m[2].bias.numpy(), [2.0, 2.0])


def test_early_stopping_start_from_epoch_and_baseline():
    m = _mlp().compile("sgd", "cross_entropy")
    # epochs before start_from_epoch are not watched
    es = C.EarlyStopping(patience=1, start_from_epoch=3)
    assert _drive(es, m, [1.0, 2.0, 3.0, 4.0, 5.0]) == 4
    # baseline: an improvement that does not beat it does not reset the wait
    es = C.EarlyStopping(patience=2, baseline=0.5)
    assert _drive(es, m, [0.9, 0.9, 0.9]) == 1
    es = C.EarlyStopping(patience=2, baseline=0.5)
    assert _drive(es, m, [0.9, 0.4, 0.45, 0.45, 0.45]) == 3


def test_early_stopping_stops_a_fit():
    x, y = _data()
    m = _mlp().compile(optim.SGD(lr=0.0), "cross_entropy")  # nothing improves
    h = m.fit(x, y, epochs=10, validation_split=0.2, verbose=0,
              callbacks=[C.EarlyStopping(monitor="val_loss", patience=2)])  # fmt: skip
    assert h.epoch == [0, 1, 2] and m.stop_training


def test_model_checkpoint_filepath_formatting_and_save_best_only(tmp_path):
    x, y = _data()
    xv, yv = _data(20, seed=1)
    m = _mlp().compile(optim.SGD(lr=0.05), "cross_entropy")
    pattern = str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.dg")
    h = m.fit(x, y, epochs=3, verbose=0, validation_data=(xv, yv), shuffle=False,
              callbacks=[C.ModelCheckpoint(pattern)])  # fmt: skip
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"m-{e + 1:02d}-{v:.2f}.dg" for e, v in enumerate(h.history["val_loss"])]
    # save_best_only with a fixed path always holds the best; weights only
    best = tmp_path / "best.safetensors"
    ck = C.ModelCheckpoint(str(best), save_best_only=True, save_weights_only=True)
    saves = []
    m2 = _mlp()
    _drive(ck, m2, [1.0, 0.5, 0.7],
           between=lambda e: (_set_bias(m2, float(e)), saves.append(e)))  # fmt: skip
    m3 = _mlp(seed=3)
    m3.load_weights(str(best))
    np.testing.assert_array_equal(m3[2].bias.numpy(), [1.0, 1.0])
    # save_best_only with {epoch} in the path: a file for each improving epoch only
    ck = C.ModelCheckpoint(str(tmp_path / "b-{epoch}.dg"), save_best_only=True)
    _drive(ck, m2, [1.0, 0.5, 0.7, 0.4])
    assert sorted(p.name for p in tmp_path.glob("b-*.dg")) == ["b-1.dg", "b-2.dg", "b-4.dg"]
    # monitor a metric to maximize: mode "auto" follows its direction
    m2.compile("sgd", "cross_entropy", metrics=["accuracy"])
    ck = C.ModelCheckpoint(str(tmp_path / "a-{epoch}.dg"), monitor="val_accuracy",
                           save_best_only=True)  # fmt: skip
    _drive(ck, m2, [0.5, 0.7, 0.6, 0.8], key="val_accuracy")
    assert sorted(p.name for p in tmp_path.glob("a-*.dg")) == ["a-1.dg", "a-2.dg", "a-4.dg"]


def test_reduce_lr_on_plateau_cooldown_min_lr_min_delta():
    """Keras: after `patience` epochs without an improvement larger than min_delta,
    lr = max(lr * factor, min_lr), then `cooldown` epochs with the wait held at 0."""
    m = _mlp().compile(optim.SGD(lr=1.0), "cross_entropy")
    rl = C.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.2, min_delta=0.1)
    rates = []
    rl.set_model(m)
    rl.on_train_begin()
    for e, v in enumerate([1.0, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]):
        logs = {"val_loss": v}
        rl.on_epoch_end(e, logs)
        assert logs["learning_rate"] == pytest.approx(rates[-1] if rates else 1.0)
        rates.append(m.optimizer.learning_rate)
    # 0.95 is no improvement on 1.0 (min_delta 0.1): reduce at epoch 1 (patience 1) and set
    # the cooldown counter to 2; Keras counts it down at the start of each epoch's check, so
    # epoch 2 is skipped (2 -> 1) and epoch 3 (1 -> 0) counts again and reduces; epoch 5
    # reduces 0.25 * 0.5 = 0.125 up to min_lr 0.2; at min_lr nothing more happens
    np.testing.assert_allclose(rates, [1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2])
    assert rl.best == 1.0 and rl.wait == 2  # at min_lr the wait goes on counting


def test_learning_rate_scheduler_calls_schedule_with_epoch_and_lr():
    x, y = _data()
    m = _mlp().compile(optim.SGD(lr=0.1), "cross_entropy")
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return lr if epoch < 2 else lr * 0.5

    h = m.fit(x, y, epochs=4, verbose=0, callbacks=[C.LearningRateScheduler(schedule)])
    assert [e for e, _ in calls] == [0, 1, 2, 3]
    np.testing.assert_allclose([lr for _, lr in calls], [0.1, 0.1, 0.1, 0.05])
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.1, 0.05, 0.025])
    h = m.fit(x, y, epochs=2, verbose=0,
              callbacks=[C.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])  # fmt: skip
    np.testing.assert_allclose(h.history["learning_rate"], [0.01, 0.02])


def test_terminate_on_nan_stops_after_the_batch():
    x, y = _data(64)  # NaN inputs are refused up front: the loss turns NaN instead
    calls = []

    def loss(pred, target):
        calls.append(1)
        value = F.cross_entropy(pred, target)
        return value * float("nan") if len(calls) == 3 else value

    m = _mlp().compile(optim.SGD(lr=0.1), loss)
    batches = []
    cb = C.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
    with pytest.warns(UserWarning, match="nan"):
        h = m.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[C.TerminateOnNaN(), cb])
    assert batches == [0, 1, 2] and h.epoch == [0] and math.isnan(h.history["loss"][0])


def test_csv_logger_append(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    m = _mlp().compile("sgd", "cross_entropy", metrics=["accuracy"])
    m.fit(x, y, epochs=2, verbose=0, callbacks=[C.CSVLogger(str(path))])
    m.fit(x, y, epochs=4, initial_epoch=2, verbose=0,
          callbacks=[C.CSVLogger(str(path), append=True)])  # fmt: skip
    rows = list(csv.reader(path.open()))
    assert rows[0][0] == "epoch" and "loss" in rows[0] and "accuracy" in rows[0]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    m.fit(x, y, epochs=1, verbose=0, callbacks=[C.CSVLogger(str(path))])  # append=False
    rows = list(csv.reader(path.open()))
    assert [r[0] for r in rows[1:]] == ["0"]


def test_callback_list_in_a_loop_of_your_own():
    """keras.callbacks.CallbackList(callbacks, add_history=True, model=model, **params), the
    custom-loop idiom of Keras's guides: on_train_batch_begin/_end, a History appended and
    made model.history, set_params given to every callback."""
    x, y = _data(64)
    m = _mlp().compile(optim.SGD(lr=0.1), "cross_entropy")
    seen = []
    cb = C.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append((b, logs["loss"])))
    es = C.EarlyStopping(monitor="loss", patience=0)
    cbs = C.CallbackList([cb, es], add_history=True, model=m, epochs=2, steps=4, verbose=0)
    assert isinstance(cbs.callbacks[-1], C.History) and m.history is cbs.callbacks[-1]
    assert es.params == {"epochs": 2, "steps": 4, "verbose": 0} and es.model is m
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for step in range(4):
            cbs.on_train_batch_begin(step)
            loss = m.train_on_batch(x[step * 16 : (step + 1) * 16], y[step * 16 : (step + 1) * 16])
            cbs.on_train_batch_end(step, {"loss": loss})
        cbs.on_epoch_end(epoch, {"loss": 1.0 - epoch * 0.1})
    cbs.on_train_end()
    assert [b for b, _ in seen] == [0, 1, 2, 3] * 2
    assert m.history.history["loss"] == [1.0, 0.9]
    extra = C.Callback()
    cbs.append(extra)
    assert extra.model is m and extra.params["epochs"] == 2
    with pytest.raises(ValueError, match="ProgbarLogger"):
        C.CallbackList([], add_progbar=True)
    with pytest.raises(TypeError, match="add_histroy.*add_history"):
        C.CallbackList([], add_histroy=True)


class TwoOutputs(nn.Module):
    def __init__(self, as_list=False):
        super().__init__()
        dg.manual_seed(0)
        self.fc = nn.Linear(3, 4)
        self.as_list = as_list

    def forward(self, x):
        h = self.fc(x)
        out = [h[:, :2], h[:, 2:].sum(1)]
        return out if self.as_list else tuple(out)


def test_multi_output_predict_keeps_the_structure_and_targets_per_output_are_refused():
    """Keras's predict returns the outputs in the structure the model returns (a list for a
    list); Keras's y = [y1, y2] (a target per output) needs one loss per output, which a
    deepgrad model compiled with one loss refuses by name rather than stacking y into 2
    samples."""
    x, y = _data()
    for as_list, kind in ((False, tuple), (True, list)):
        out = TwoOutputs(as_list).predict(x)
        assert type(out) is kind and [o.shape for o in out] == [(70, 2), (70,)]
    m = _mlp().compile("sgd", "cross_entropy")
    for call in (lambda: m.fit(x, [y, y], verbose=0), lambda: m.evaluate(x, [y, y]),
                 lambda: m.fit(x[:2], [y[:2], y[:2]], verbose=0),
                 lambda: m.train_on_batch(x, (y, y))):  # fmt: skip
        with pytest.raises(ValueError, match="multi-output"):
            call()
    m.fit(x[:3], [np.int64(0), np.int64(1), np.int64(1)], verbose=0)  # a list of labels


def test_unknown_keywords_name_the_nearest_valid_one():
    x, y = _data()
    m = _mlp().compile("sgd", "cross_entropy")
    for call, word, near in (
        (lambda: m.fit(x, y, epoch=2), "epoch", "epochs"),
        (lambda: m.fit(x, y, validation_splits=0.1), "validation_splits", "validation_split"),
        (lambda: m.evaluate(x, y, return_dic=True), "return_dic", "return_dict"),
        (lambda: m.predict(x, batchsize=8), "batchsize", "batch_size"),
        (lambda: m.compile("sgd", "mse", metric=["mae"]), "metric", "metrics"),
        (lambda: C.EarlyStopping(patiance=2), "patiance", "patience"),
        (lambda: C.ModelCheckpoint("m.dg", save_best=True), "save_best", "save_best_only"),
        (lambda: C.ReduceLROnPlateau(cool_down=1), "cool_down", "cooldown"),
        (lambda: C.CSVLogger("log.csv", apend=True), "apend", "append"),
        (lambda: C.LearningRateScheduler(lambda e: 0.1, verbos=1), "verbos", "verbose"),
    ):
        with pytest.raises(TypeError, match=f"'{word}'; did you mean '{near}'"):
            call()


def test_inputs_by_name_follow_forwards_parameter_names():
    """Keras: x may be "a dict mapping input names to the corresponding array/tensors, if the
    model has named inputs" — here the names of forward's parameters."""
    x, y = _data()
    x2 = x[::-1].copy()
    m = TwoInputs().compile(optim.SGD(lr=0.1), "cross_entropy")
    want = m.predict([x, x2])
    np.testing.assert_array_equal(m.predict({"b": x2, "a": x}), want)
    np.testing.assert_array_equal(m.predict({"a": x.tolist(), "b": x2.tolist()}), want)
    assert m.evaluate({"a": x, "b": x2}, y) == pytest.approx(m.evaluate([x, x2], y), rel=1e-12)
    h = m.fit({"a": x, "b": x2}, y, epochs=1, verbose=0, validation_data=({"a": x, "b": x2}, y))
    assert len(h.history["val_loss"]) == 1
    batches = [({"a": x[i : i + 16], "b": x2[i : i + 16]}, y[i : i + 16]) for i in range(0, 70, 16)]
    m.fit(batches, epochs=1, verbose=0)
    with pytest.raises(TypeError, match=r"is a dict.*'b_' is not one of them; did you mean 'b'"):
        m.predict({"a": x, "b_": x2})
    with pytest.raises(TypeError, match=r"\['b'\] missing"):
        m.predict({"a": x})
    with pytest.raises(TypeError, match="is a dict"):
        m.fit({"a": x, "b": x2}, {"out": y}, verbose=0)  # targets by output name: one loss here
    # a single-input model's input is named by its forward too
    s = _mlp()
    np.testing.assert_array_equal(s.predict({"input": x}), s.predict(x))


def test_history_keys_of_metric_objects():
    """Metric objects are logged under their names: Keras's for the classification metrics;
    the regression and F1/R² objects keep deepgrad's short names (README's table), and
    name= or the metric given by name gives Keras's key."""
    from deepgrad import metrics as M

    x, y = _data()
    m = _mlp().compile("sgd", "cross_entropy", metrics=[M.SparseCategoricalAccuracy()])
    h = m.fit(x, y, epochs=1, verbose=0, validation_split=0.2)
    assert {"sparse_categorical_accuracy", "val_sparse_categorical_accuracy"} <= set(h.history)
    r = x.sum(axis=1, keepdims=True)
    m = _mlp(c=1).compile("sgd", "mse", metrics=[M.MeanSquaredError(), M.MeanAbsoluteError()])
    assert set(m.fit(x, r, epochs=1, verbose=0).history) - {"lr"} == {"loss", "mse", "mae"}
    m.compile("sgd", "mse", metrics=[M.MeanSquaredError(name="mean_squared_error"),
                                     "mean_absolute_error"])  # fmt: skip
    keys = set(m.fit(x, r, epochs=1, verbose=0).history) - {"lr"}
    assert keys == {"loss", "mean_squared_error", "mean_absolute_error"}
