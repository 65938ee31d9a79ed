"""Callbacks: early stopping, checkpoints, schedules, CSV and TensorBoard logs, NaN stop."""

from __future__ import annotations

import csv
import os
import zipfile

import numpy as np
import pytest
from deepgrad.callbacks import (
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)

import deepgrad as dg
from deepgrad import nn, optim


def overfitting_task(seed=0):
    """Few noisy training samples, a wide model and a large rate: the validation loss falls,
    then rises."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(10, 3))
    x = rng.normal(size=(200, 10))
    y = (x @ w + rng.normal(scale=2.0, size=(200, 3))).argmax(1)
    return (x[:50], y[:50]), (x[50:], y[50:])


def wide():
    return nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))


def test_early_stopping_restores_best_weights_when_epochs_run_out():
    (x, y), val = overfitting_task()
    model = wide().compile(optim.Adam(lr=0.01), "cross_entropy")
    es = EarlyStopping(monitor="val_loss", patience=100, restore_best_weights=True)
    h = model.fit(
        x, y, epochs=25, batch_size=10, validation_data=val, verbose=0, seed=0, callbacks=[es]
    )
    vl = h.history["val_loss"]
    assert len(vl) == 25  # ran out of epochs, never stopped
    assert 0 < int(np.argmin(vl)) < 24  # the best epoch is not the last (else the test is moot)
    # bit-identical to the best epoch's (evaluated in the same batches as fit's validation)
    assert model.evaluate(*val, batch_size=10, return_dict=True)["loss"] == min(vl)


def test_early_stopping_stops_and_restores():
    (x, y), val = overfitting_task()
    model = wide().compile(optim.Adam(lr=0.01), "cross_entropy", ["accuracy"])
    es = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    h = model.fit(
        x, y, epochs=100, batch_size=10, validation_data=val, verbose=0, seed=0, callbacks=[es]
    )
    vl = h.history["val_loss"]
    best = int(np.argmin(vl))
    assert len(vl) == best + 3  # stopped after `patience` epochs without improvement
    assert es.stopped_epoch == len(vl) - 1 and best > 0
    assert model.evaluate(*val, batch_size=10, return_dict=True)["loss"] == min(vl)


def test_early_stopping_modes_and_min_delta():
    assert EarlyStopping(monitor="val_accuracy").mode == "auto"  # decided at fit (Keras's)
    assert EarlyStopping(monitor="val_loss", mode="max").mode == "max"
    (x, y), _ = overfitting_task()
    model = wide().compile(optim.SGD(lr=0.0), "cross_entropy")  # nothing improves
    h = model.fit(
        x,
        y,
        epochs=10,
        verbose=0,
        callbacks=[EarlyStopping(monitor="loss", patience=2, min_delta=1e-6)],
    )
    assert h.epoch == [0, 1, 2]
    with pytest.warns(UserWarning, match="val_loss.*not in the logs"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping()])


def test_model_checkpoint_formats_names_and_keeps_the_best(tmp_path):
    (x, y), val = overfitting_task()
    model = wide().compile(optim.Adam(lr=0.05), "cross_entropy")
    every = ModelCheckpoint(tmp_path / "m-{epoch:02d}-{val_loss:.3f}.dg", save_best_only=False)
    best = ModelCheckpoint(tmp_path / "best.dg", save_best_only=True, verbose=1)
    weights = ModelCheckpoint(tmp_path / "w{epoch}.safetensors", save_weights_only=True)
    h = model.fit(
        x, y, epochs=12, batch_size=10, validation_data=val, verbose=0, seed=0,
        callbacks=[every, best, weights],
    )  # fmt: skip
    vl = h.history["val_loss"]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert f"m-01-{vl[0]:.3f}.dg" in names and f"m-12-{vl[11]:.3f}.dg" in names
    assert "w12.safetensors" in names
    assert not [n for n in names if n.endswith(".tmp")]
    restored = dg.load_model(tmp_path / "best.dg")
    assert restored.evaluate(*val, return_dict=True)["loss"] == pytest.approx(min(vl), rel=1e-6)
    assert best.best == min(vl)
    m2 = wide()
    m2.load_weights(tmp_path / "w12.safetensors") if hasattr(m2, "load_weights") else (
        dg.train.load_weights(m2, tmp_path / "w12.safetensors")
    )
    np.testing.assert_array_equal(m2.predict(x), model.predict(x))


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    (x, y), val = overfitting_task()
    model = wide().compile(optim.Adam(lr=0.05), "cross_entropy")
    path = tmp_path / "ckpt.dg"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path)], validation_data=val)
    before = path.read_bytes()
    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((os.path.basename(src), os.path.basename(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path)], validation_data=val)
    assert replaced and replaced[-1][1] == "ckpt.dg" and replaced[-1][0].endswith(".tmp")
    assert path.read_bytes() != before
    # a crash while writing leaves the previous file intact and no temporary file behind
    good = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def crash(self, name, data, *a, **kw):
        if name == "weights.safetensors":
            raise KeyboardInterrupt("killed while writing")
        return real_writestr(self, name, data, *a, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", crash)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path)], validation_data=val)
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.dg"]
    dg.load_model(path)


def test_learning_rate_scheduler_with_an_optim_schedule():
    (x, y), _ = overfitting_task()
    opt = optim.SGD(lr=0.1)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    model = wide().compile(opt, "cross_entropy")
    h = model.fit(x, y, epochs=5, verbose=0, callbacks=[LearningRateScheduler(sched)])
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])  # epoch 0: initial


def test_learning_rate_scheduler_per_step():
    (x, y), _ = overfitting_task()
    opt = optim.SGD(lr=0.1)
    sched = optim.ExponentialLR(opt, gamma=0.5)
    model = wide().compile(opt, "cross_entropy")
    seen = []
    probe = dg.callbacks.LambdaCallback(
        on_batch_begin=lambda b, logs: seen.append(opt.param_groups[0]["lr"])
    )
    model.fit(
        x, y, epochs=1, batch_size=10, verbose=0,
        callbacks=[probe, LearningRateScheduler(sched, interval="step")],
    )  # fmt: skip
    assert seen == pytest.approx([0.1, 0.05, 0.025, 0.0125, 0.00625])


def test_learning_rate_scheduler_with_functions():
    (x, y), _ = overfitting_task()
    model = wide().compile(optim.SGD(lr=0.3), "cross_entropy")
    h = model.fit(
        x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda e: 0.1 * 0.5**e)]
    )
    assert h.history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    h = model.fit(
        x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda e, lr: lr * 0.1)]
    )
    assert h.history["lr"] == pytest.approx([0.0025, 0.00025, 0.000025])


def test_plateau_schedule_object_gets_the_metric():
    (x, y), val = overfitting_task()
    opt = optim.SGD(lr=0.0)
    sched = optim.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    opt.param_groups[0]["lr"] = 0.0
    model = wide().compile(opt, "cross_entropy")
    model.fit(
        x, y, epochs=2, verbose=0, validation_data=val, callbacks=[LearningRateScheduler(sched)]
    )
    assert sched.state_dict()  # stepped without error with the monitored value


def test_reduce_lr_on_plateau():
    model = wide().compile(optim.SGD(lr=0.8), "cross_entropy")
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.15)
    cb.set_model(model)
    cb.on_train_begin()
    lrs = []
    for epoch, v in enumerate([1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]):
        cb.on_epoch_end(epoch, {"val_loss": v})
        lrs.append(model.__dict__["_dg_compiled"].optimizer.param_groups[0]["lr"])
    # Keras's rule: after a reduction, `cooldown` epochs where waiting is reset
    assert lrs == pytest.approx([0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.15, 0.15])
    cb.on_epoch_end(9, {"val_loss": 0.95})
    cb.on_epoch_end(10, {"val_loss": 0.95})
    assert model.__dict__["_dg_compiled"].optimizer.param_groups[0]["lr"] == pytest.approx(0.15)


def test_csv_logger(tmp_path):
    (x, y), val = overfitting_task()
    model = wide().compile(optim.Adam(lr=0.01), "cross_entropy", ["accuracy"])
    path = tmp_path / "log.csv"
    h = model.fit(x, y, epochs=3, verbose=0, validation_data=val, callbacks=[CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]  # Keras's: 0-based, as h.epoch
    assert [float(r["val_loss"]) for r in rows] == h.history["val_loss"]
    assert set(rows[0]) == {"epoch", *h.history}


def test_tensorboard_event_files_read_back(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (x, y), val = overfitting_task()
    model = wide().compile(optim.Adam(lr=0.01), "cross_entropy", ["accuracy"])
    tb = TensorBoard(tmp_path / "tb", histogram_freq=1, update_freq=2)
    h = model.fit(x, y, epochs=3, batch_size=10, verbose=0, validation_data=val, callbacks=[tb])
    train = EventAccumulator(str(tmp_path / "tb" / "train"), size_guidance={"histograms": 0})
    train.Reload()
    tags = train.Tags()
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"} <= set(
        tags["scalars"]
    )
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    assert [e.value for e in train.Scalars("epoch_loss")] == pytest.approx(
        h.history["loss"], rel=1e-6
    )
    assert "0.weight" in tags["histograms"]
    hist = train.Histograms("0.weight")[0].histogram_value
    assert hist.num == 640
    valid = EventAccumulator(str(tmp_path / "tb" / "validation"))
    valid.Reload()
    assert [e.value for e in valid.Scalars("epoch_loss")] == pytest.approx(
        h.history["val_loss"], rel=1e-6
    )


def test_terminate_on_nan(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)) * 100, rng.normal(size=(64, 1)) * 1e3
    model = nn.Sequential(nn.Linear(3, 1)).compile(optim.SGD(lr=1e6), "mse")
    with np.errstate(all="ignore"), pytest.warns(UserWarning, match="diverged"):
        h = model.fit(x, y, epochs=20, batch_size=8, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(h.epoch) < 20
    assert "invalid loss" in capsys.readouterr().out
    model = nn.Sequential(nn.Linear(3, 1)).compile(optim.SGD(lr=1e6), "mse")
    with np.errstate(all="ignore"), pytest.warns(UserWarning, match="diverged") as rec:
        h = model.fit(x, y, epochs=5, batch_size=8, verbose=0)  # warned once, not stopped
    assert len(h.epoch) == 5
    assert len([w for w in rec if "diverged" in str(w.message)]) == 1


def test_callback_state_dicts_roundtrip():
    es = EarlyStopping(patience=3)
    es.wait, es.best, es.best_epoch = 2, 0.5, 4
    es2 = EarlyStopping(patience=3)
    es2.load_state_dict(es.state_dict())
    assert (es2.wait, es2.best, es2.best_epoch) == (2, 0.5, 4)
    mc = ModelCheckpoint("x.dg", save_best_only=True)
    mc.best = 0.25
    mc2 = ModelCheckpoint("x.dg", save_best_only=True)
    mc2.load_state_dict(mc.state_dict())
    assert mc2.best == 0.25


def _two_group_model():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = dg.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.01}],
        lr=0.1,
    )
    model.compile(opt, loss="cross_entropy")
    rng = np.random.default_rng(0)
    return model, opt, rng.normal(size=(24, 3)), rng.integers(0, 2, 24)


def test_schedules_keep_each_parameter_groups_own_rate():
    """A schedule epoch -> lr sets the first group's rate and scales the others from their
    own base, as PyTorch's schedulers scale each group (it used to overwrite every group)."""
    model, opt, x, y = _two_group_model()
    seen = []
    cb = dg.callbacks.LearningRateScheduler(lambda epoch: 0.1 * 0.5**epoch)
    rec = dg.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: seen.append([g["lr"] for g in opt.param_groups])
    )
    model.fit(x, y, epochs=3, batch_size=8, callbacks=[cb, rec], verbose=0)
    np.testing.assert_allclose(seen, [[0.1, 0.01], [0.05, 0.005], [0.025, 0.0025]])
    # a schedule object steps every group from its own base (PyTorch's own rule)
    model, opt, x, y = _two_group_model()
    sched = dg.callbacks.LearningRateScheduler(dg.optim.StepLR(opt, step_size=1, gamma=0.5))
    model.fit(x, y, epochs=2, batch_size=8, callbacks=[sched], verbose=0)
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.025, 0.0025])


def test_reduce_lr_on_plateau_scales_every_group(capsys):
    model, opt, x, y = _two_group_model()
    cb = dg.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=10.0, verbose=1
    )
    hist = model.fit(x, y, epochs=3, batch_size=8, callbacks=[cb], verbose=0)
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.025, 0.0025])
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.05])  # the rate each epoch ran at
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.025" in capsys.readouterr().out


def test_early_stopping_says_where_it_stopped_and_which_weights_it_restored(capsys):
    model, opt, x, y = _two_group_model()
    losses = iter([1.0, 0.5, 0.7, 0.8, 0.9, 1.0])
    fake = dg.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: logs.__setitem__("val_loss", next(losses))
    )
    es = dg.callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    hist = model.fit(x, y, epochs=6, batch_size=8, callbacks=[fake, es], verbose=0)
    out = capsys.readouterr().out.splitlines()
    assert len(hist.epoch) == 4
    assert out == [
        "Epoch 4: early stopping",
        "Restoring model weights from the end of the best epoch: 2.",
    ]


def test_a_misspelt_callback_keyword_names_the_nearest_valid_one():
    from deepgrad import callbacks as C

    cases = [
        (C.EarlyStopping, {"patiense": 3}, "'patiense'; did you mean 'patience'"),
        (
            C.ModelCheckpoint,
            {"filepath": "m.dg", "save_best": True},
            "did you mean 'save_best_only'",
        ),
        (C.ReduceLROnPlateau, {"factr": 0.5}, "did you mean 'factor'"),
        (C.CSVLogger, {"filename": "l.csv", "seperator": ";"}, "did you mean 'separator'"),
        (C.LearningRateScheduler, {"schedule": abs, "verbos": 1}, "did you mean 'verbose'"),
    ]
    for cls, kwargs, match in cases:
        with pytest.raises(
            TypeError, match=f"{cls.__name__}\\(\\) got an unexpected keyword.*{match}"
        ):
            cls(**kwargs)


def test_tensorboard_takes_keras_arguments_or_refuses_what_it_does_not_write(tmp_path):
    # Keras 3.15's TensorBoard(log_dir, histogram_freq, write_graph=True, write_images=False,
    # write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
    # embeddings_metadata=None): the defaults and write_graph are accepted
    tb = TensorBoard(tmp_path / "tb", 1, True, False, False, "epoch", 0, 0, None)
    assert tb.histogram_freq == 1 and tb.update_freq == "epoch"
    TensorBoard(tmp_path / "tb", write_graph=False)
    for kw in ({"write_images": True}, {"write_steps_per_second": True},
               {"profile_batch": 5}, {"profile_batch": (10, 20)}, {"embeddings_freq": 1},
               {"embeddings_metadata": {"emb": "meta.tsv"}}):  # fmt: skip
        (arg,) = kw
        with pytest.raises(ValueError, match=f"Keras's {arg}=.* is not supported by deepgrad"):
            TensorBoard(tmp_path / "tb", **kw)


def test_lr_callbacks_log_keras_learning_rate_key():
    """Keras 3's ``ReduceLROnPlateau`` and ``LearningRateScheduler`` put ``learning_rate`` (the
    rate the epoch ran at) in the epoch logs, so ``history.history["learning_rate"]`` exists
    when they run (and only then); deepgrad's ``lr`` stays beside it."""
    import numpy as np

    import deepgrad as dg
    from deepgrad import callbacks as C
    from deepgrad import nn

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")

    def run(*cbs):
        dg.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 1)).compile(dg.optim.SGD(lr=0.1), "mse")
        return m.fit(x, y, epochs=4, verbose=0, callbacks=list(cbs)).history

    h = run(C.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1)))
    np.testing.assert_allclose(h["learning_rate"], [0.1, 0.05, 0.1 / 3, 0.025])
    assert h["learning_rate"] == h["lr"]
    h = run(C.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=100))
    np.testing.assert_allclose(h["learning_rate"], [0.1, 0.1, 0.05, 0.025])  # epoch 0 improves
    assert "learning_rate" not in run()


def test_learning_rate_scheduler_calls_schedules_as_keras():
    """Keras 3 calls ``schedule(epoch, lr)`` and falls back to ``schedule(epoch)`` on a
    ``TypeError``, whatever the signature says: ``lambda *a: ...`` gets both arguments (the
    signature read took it as ``epoch -> lr``), a callable class with ``(epoch)`` works."""
    (x, y), _ = overfitting_task()
    model = wide().compile(optim.SGD(lr=0.3), "cross_entropy")
    seen = []

    def schedule(*args):
        seen.append(args)
        return 0.1 / (args[0] + 1)

    h = model.fit(x, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(schedule)])
    assert seen == [(0, 0.3), (1, 0.1)]
    assert h.history["lr"] == pytest.approx([0.1, 0.05])

    class Halving:
        def __call__(self, epoch):
            return 0.2 * 0.5**epoch

    h = model.fit(x, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(Halving())])
    assert h.history["lr"] == pytest.approx([0.2, 0.1])

    def broken(epoch, lr):  # a TypeError inside the two-argument call: the fallback's turn
        return lr + "x"

    with pytest.raises(TypeError, match="positional argument"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(broken)])


def test_model_checkpoint_template_key_missing_raises_even_without_saving(tmp_path):
    """Keras formats the file path before deciding whether to save, so a name missing from
    the logs is its ``KeyError`` at the first epoch end even when ``save_best_only`` would not
    save (here the monitor never improves on ``initial_value_threshold``)."""
    (x, y), val = overfitting_task()
    model = wide().compile(optim.SGD(lr=0.01), "cross_entropy")
    ck = ModelCheckpoint(
        tmp_path / "m-{val_accuracy:.2f}.dg",
        save_best_only=True,
        initial_value_threshold=-1.0,  # val_loss never goes below it: nothing to save
    )
    with pytest.raises(KeyError, match="val_accuracy"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=val, callbacks=[ck])
    assert not list(tmp_path.iterdir())


def test_history_reused_across_fits_resets_epoch_as_keras(tmp_path):
    """Keras 3's ``History.on_train_begin`` resets ``epoch`` while ``history`` keeps
    accumulating across the ``fit`` calls it is handed to."""
    from deepgrad.callbacks import History

    (x, y), _ = overfitting_task()
    model = wide().compile(optim.SGD(lr=0.01), "cross_entropy")
    h = History()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[h])
    assert h.epoch == [0, 1]
    again = model.fit(x, y, epochs=3, verbose=0, callbacks=[h])
    assert again is h
    assert h.epoch == [0, 1, 2] and len(h.history["loss"]) == 5
    assert h.epochs_of["loss"] == [0, 1, 0, 1, 2]
    h.to_csv(tmp_path / "h.csv")  # every run's rows, as before
    rows = list(csv.reader(open(tmp_path / "h.csv")))
    assert [r[0] for r in rows[1:]] == ["1", "2", "1", "2", "3"]
    assert [float(r[1]) for r in rows[1:]] == h.history["loss"]


def test_epoch_line_shows_what_the_callbacks_log(capsys):
    """Keras 3's progress bar is a callback after the user's, so its epoch line shows what
    their ``on_epoch_end`` adds (``LearningRateScheduler``'s ``learning_rate``, a key of the
    user's own); deepgrad printed the line before the callbacks ran."""
    from deepgrad.callbacks import Callback

    class Adds(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra_key"] = 7.0

    (x, y), _ = overfitting_task()
    model = wide().compile(optim.SGD(lr=0.01), "cross_entropy")
    sched = LearningRateScheduler(lambda e: 0.01)
    model.fit(x, y, epochs=2, verbose=2, callbacks=[Adds(), sched])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Epoch ")]
    assert len(lines) == 2
    assert all("extra_key: 7.0000" in ln and "learning_rate: 0.01" in ln for ln in lines)


def test_live_bar_ends_its_line_before_a_callback_prints(monkeypatch):
    """With a live bar (a terminal), a callback printing at the epoch end starts on a line of
    its own, and the final bar is drawn below it."""
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    from deepgrad.callbacks import Callback

    class Says(Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(f"said {epoch}")

    term = Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    (x, y), _ = overfitting_task()
    wide().compile(optim.SGD(lr=0.01), "cross_entropy").fit(
        x, y, epochs=1, verbose=1, callbacks=[Says()]
    )
    assert sys.stdout is term
    out = term.getvalue()
    assert "\nsaid 0\n\r" in out and out.endswith("\n")
    assert "loss:" in out.split("said 0")[1]


def test_history_csv_rows_of_a_quantity_logged_in_a_later_run(tmp_path):
    """A quantity first logged in the second run a History records (epoch 0 again) lands in
    that run's row, not in the first run's row of the same epoch number."""
    from deepgrad.callbacks import History

    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 1.0})
    h.on_epoch_end(1, {"loss": 2.0})
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 3.0, "val_loss": 0.5})
    for hist in (h, History()):
        if hist is not h:
            hist.load_state_dict(h.state_dict())
        hist.to_csv(tmp_path / "h.csv")
        rows = list(csv.reader(open(tmp_path / "h.csv")))
        assert rows == [
            ["epoch", "loss", "val_loss"],
            ["1", "1.0", "NA"],
            ["2", "2.0", "NA"],
            ["1", "3.0", "0.5"],
        ]
