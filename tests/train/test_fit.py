"""compile / fit / evaluate / predict: the Keras surface, its vocabulary and its guarantees."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.train import Callback


def blobs(n=120, d=6, c=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(c, d))
    y = rng.integers(0, c, n)
    x = centers[y] + rng.normal(size=(n, d))
    return x, y


def mlp(d=6, c=3, hidden=16):
    return nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, c))


class Recorder(Callback):
    """Records each step's batch index (Keras 3's batch logs have no "batch" or "size")."""

    def __init__(self):
        self.batches = []
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)

    def on_batch_end(self, batch, logs=None):
        self.batches.append(batch)


def test_compile_with_names_and_objects():
    x, y = blobs()
    m1 = mlp().compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    m2 = mlp().compile(
        optimizer=optim.Adam(lr=1e-3), loss=nn.CrossEntropyLoss(), metrics=[dg.metrics.Accuracy()]
    )
    h1 = m1.fit(x, y, epochs=2, verbose=0, seed=0)
    h2 = m2.fit(x, y, epochs=2, verbose=0, seed=0)
    assert set(h1.history) == set(h2.history) == {"loss", "accuracy", "lr"}
    assert h1.epoch == [0, 1]


def test_steps_per_epoch_is_ceil_and_batches_cover_every_sample_once():
    x, y = blobs(n=70)
    x = x.copy()
    x[:, 0] = np.arange(70)  # identify samples by their first feature
    seen: list[list[int]] = []
    sizes: list[int] = []

    class Ids(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append([])

    model = mlp()
    model.compile("sgd", "cross_entropy")
    orig_forward = model.forward

    def spy(xb):
        if dg.is_grad_enabled() and model.training:
            seen[-1].extend(int(v) for v in xb.numpy()[:, 0])
            sizes.append(len(xb))
        return orig_forward(xb)

    model.__dict__["forward"] = spy
    rec = Recorder()
    h = model.fit(x, y, epochs=3, batch_size=32, verbose=0, seed=1, callbacks=[Ids(), rec])
    assert h.params["steps"] == math.ceil(70 / 32) == 3
    assert sizes == [32, 32, 6] * 3
    assert rec.batches == [0, 1, 2] * 3
    for ids in seen:  # without replacement: a permutation of all samples
        assert sorted(ids) == list(range(70))
    assert seen[0] != seen[1]  # reshuffled each epoch
    assert seen[0] != list(range(70))


def test_no_shuffle_keeps_order():
    x, y = blobs(n=40)
    x = x.copy()
    x[:, 0] = np.arange(40)
    order = []
    model = mlp()
    model.compile("sgd", "cross_entropy")
    f = model.forward

    def spy(xb):
        if dg.is_grad_enabled():
            order.extend(int(v) for v in xb.numpy()[:, 0])
        return f(xb)

    model.__dict__["forward"] = spy
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert order == list(range(40))


def test_inputs_become_float32_and_labels_int64():
    x, y = blobs()
    dtypes = []
    model = mlp()
    model.compile("sgd", "cross_entropy")
    f = model.forward

    def spy(xb):
        dtypes.append(xb.dtype)
        return f(xb)

    model.__dict__["forward"] = spy
    model.fit(x.astype(np.float64), y.astype(np.int32), epochs=1, verbose=0)
    assert set(dtypes) == {np.dtype(np.float32)}
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_lazy_layers_are_built_before_the_optimizer_is_bound():
    x, y = blobs(d=5)

    class Net(nn.Module):  # a subclassed model with a lazy layer: no build step needed
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(None, 8)
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.body(x).relu())

    model = Net()
    assert nn.parameter.is_lazy(model.body.weight)
    model.compile(optim.Adam(lr=1e-2), "cross_entropy", ["accuracy"])
    w0 = None
    h = model.fit(x, y, epochs=5, verbose=0, seed=0)
    w0 = model.body.weight
    assert w0 is not None and w0.shape == (8, 5)
    opt = model.__dict__["_dg_compiled"].optimizer
    assert any(p is w0 for g in opt.param_groups for p in g["params"])
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_history_like_keras_and_model_history():
    x, y = blobs()
    model = mlp().compile("adam", "cross_entropy", ["accuracy"])
    h = model.fit(x, y, epochs=3, validation_data=(x[:30], y[:30]), verbose=0, seed=0)
    assert model.history is h
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 3 for v in h.history.values())
    assert h.epoch == [0, 1, 2]
    assert h.params["epochs"] == 3 and h.params["batch_size"] == 32


def test_initial_epoch_continues_counting():
    x, y = blobs()
    model = mlp().compile("adam", "cross_entropy")
    h = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert h.epoch == [3, 4]


def test_same_seed_same_run_bit_for_bit():
    x, y = blobs()

    def run():
        dg.manual_seed(123)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
        model.compile(optim.Adam(lr=1e-2), "cross_entropy", ["accuracy"])
        h = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0, seed=7)
        return model.state_dict(), h.history

    (s1, h1), (s2, h2) = run(), run()
    for k in s1:
        assert np.array_equal(s1[k], s2[k]), k
    assert h1 == h2
    # and a different seed gives a different run
    dg.manual_seed(123)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    model.compile(optim.Adam(lr=1e-2), "cross_entropy")
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0, seed=8)
    assert not np.array_equal(model.state_dict()["0.weight"], s1["0.weight"])


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = blobs(n=100)
    x = x.copy()
    x[:, 0] = np.arange(100)
    model = mlp().compile("sgd", "cross_entropy")
    f = model.forward
    train_ids, val_ids = set(), set()

    def spy(xb):
        ids = {int(v) for v in xb.numpy()[:, 0]}
        if dg.is_grad_enabled():
            train_ids.update(ids)
        elif not model.training:
            val_ids.update(ids)
        return f(xb)

    model.__dict__["forward"] = spy
    h = model.fit(x, y, epochs=2, validation_split=0.25, shuffle=True, verbose=0, seed=0)
    assert train_ids == set(range(75))
    assert set(range(75, 100)) <= val_ids
    assert h.params["samples"] == 75
    # the validation loss is that of the last 25 samples
    assert h.history["val_loss"][-1] == pytest.approx(
        model.evaluate(x[75:], y[75:], return_dict=True)["loss"], rel=1e-6
    )


def test_evaluate_returns_dict_and_predict_numpy():
    x, y = blobs()
    model = mlp().compile(
        "adam", "cross_entropy", ["accuracy", dg.metrics.F1Score(average="macro")]
    )
    model.fit(x, y, epochs=2, verbose=0, seed=0)
    res = model.evaluate(x, y, batch_size=7, return_dict=True)
    assert set(res) == {"loss", "accuracy", "f1"}
    # Keras's default: [loss, *metrics] in compile order (so `loss, acc, f1 = ...` works)
    assert model.evaluate(x, y, batch_size=7) == [res["loss"], res["accuracy"], res["f1"]]
    with pytest.raises(TypeError, match="return_dict must be True or False"):
        model.evaluate(x, y, return_dict="yes")
    only_loss = mlp().compile("adam", "cross_entropy")
    assert isinstance(only_loss.evaluate(x, y), float)  # no metrics: the loss alone
    p = model.predict(x, batch_size=7)
    assert isinstance(p, np.ndarray) and p.shape == (120, 3)
    logits = model(dg.tensor(x.astype(np.float32))).numpy()
    np.testing.assert_allclose(p, logits, rtol=1e-5, atol=1e-6)
    acc = (p.argmax(1) == y).mean()
    assert res["accuracy"] == pytest.approx(acc)
    from deepgrad.functional import cross_entropy

    full = cross_entropy(dg.tensor(logits), y).item()
    assert res["loss"] == pytest.approx(full, rel=1e-5)


def test_predict_in_eval_mode_without_graph_and_batch_independent():
    x, y = blobs(n=50)
    model = nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)
    )
    model.compile("adam", "cross_entropy")
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, seed=0)
    model.train()
    batch = model.predict(x, batch_size=50)
    single = np.concatenate([model.predict(x[i : i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(batch, single, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.predict(x), batch)  # no dropout: deterministic
    assert model.training  # the mode is restored
    grads = []
    f = model.forward

    def spy(xb):
        out = f(xb)
        grads.append(out.requires_grad)
        return out

    model.__dict__["forward"] = spy
    model.predict(x)
    assert grads == [False, False]  # no graph is recorded


def test_fit_accepts_a_dataloader_and_a_dataset():
    from deepgrad.data import ArrayDataset, DataLoader

    x, y = blobs()
    loader = DataLoader(ArrayDataset(x.astype(np.float32), y), batch_size=16, shuffle=True, seed=0)
    model = mlp().compile(optim.Adam(lr=1e-2), "cross_entropy", ["accuracy"])
    rec = Recorder()
    h = model.fit(loader, epochs=3, verbose=0, validation_data=loader, callbacks=[rec])
    assert h.params["steps"] == len(loader) == 8
    assert len(rec.batches) == 24
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert "val_accuracy" in h.history
    model2 = mlp().compile(optim.Adam(lr=1e-2), "cross_entropy")
    h2 = model2.fit(ArrayDataset(x, y), epochs=2, batch_size=40, verbose=0, seed=0)
    assert h2.params["steps"] == 3
    assert model2.evaluate(loader, return_dict=True)["loss"] > 0
    assert model2.predict(loader).shape == (120, 3)


def test_fit_streams_an_iterable_dataset_although_it_is_a_dataset():
    # an IterableDataset is a Dataset too (PyTorch's hierarchy): fit must not shuffle it
    from deepgrad.data import Dataset, IterableDataset

    x, y = blobs(n=48)

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(zip(x.astype(np.float32), y))

    assert isinstance(Stream(), Dataset)
    model = mlp().compile("adam", "cross_entropy")
    h = model.fit(Stream(), epochs=2, batch_size=16, verbose=0)  # shuffle=True by default
    assert len(h.history["loss"]) == 2


def test_plain_iterable_of_batches():
    x, y = blobs(n=64)
    batches = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]
    model = mlp().compile("adam", "cross_entropy")
    h = model.fit(batches, epochs=2, verbose=0)
    assert h.params["steps"] == 4 and len(h.history["loss"]) == 2


def test_sample_and_class_weights():
    x, y = blobs()
    base = mlp()
    state = base.state_dict()

    def run(**kw):
        m = mlp()
        m.load_state_dict(state)
        m.compile(optim.SGD(lr=0.1), "cross_entropy")
        return m.fit(x, y, epochs=1, batch_size=120, verbose=0, seed=0, **kw), m

    h_plain, _ = run()
    h_ones, _ = run(sample_weight=np.ones(120))
    assert h_plain.history["loss"] == pytest.approx(h_ones.history["loss"], rel=1e-6)
    h_cw, _ = run(class_weight={0: 2.0, 1: 2.0, 2: 2.0})
    assert h_cw.history["loss"][0] == pytest.approx(2 * h_plain.history["loss"][0], rel=1e-5)
    # weight 0 on a class removes it from the loss: Σ w l / N
    sw = (y != 0).astype(float)
    h_sw, _ = run(sample_weight=sw)
    m = mlp()
    m.load_state_dict(state)
    from deepgrad.functional import cross_entropy

    per = cross_entropy(m(dg.tensor(x.astype(np.float32))), y, reduction="none").numpy()
    assert h_sw.history["loss"][0] == pytest.approx(float((per * sw).sum() / 120), rel=1e-5)


def test_hand_written_loop_side_by_side():
    x, y = blobs()
    xt, yt = x.astype(np.float32), y
    dg.manual_seed(0)
    a = mlp()
    dg.manual_seed(0)
    b = mlp()
    opt = optim.SGD(a.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):  # full-batch steps by hand
        opt.zero_grad()
        loss = loss_fn(a(dg.tensor(xt)), yt)
        loss.backward()
        opt.step()
    b.compile(optim.SGD(lr=0.1), "cross_entropy")
    b.fit(x, y, epochs=3, batch_size=120, shuffle=False, verbose=0)
    for k, v in a.state_dict().items():
        np.testing.assert_allclose(v, b.state_dict()[k], rtol=1e-6, atol=1e-7)
    # and the hand loop keeps working on a model that was fit
    opt2 = optim.SGD(b.parameters(), lr=0.1)
    opt2.zero_grad()
    loss_fn(b(dg.tensor(xt)), yt).backward()
    opt2.step()


def test_regression_and_binary():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3))
    y = (x @ np.array([1.0, -2.0, 0.5]) + 3.0).reshape(-1, 1)
    model = nn.Sequential(nn.Linear(3, 1)).compile(optim.Adam(lr=0.1), "mse", ["mae", "r2"])
    h = model.fit(x, y, epochs=30, batch_size=32, verbose=0, seed=0)
    assert h.history["loss"][-1] < 0.05 * h.history["loss"][0]
    assert model.evaluate(x, y, return_dict=True)["r2"] > 0.95
    yb = (x[:, 0] > 0).astype(np.float32).reshape(-1, 1)
    clf = nn.Sequential(nn.Linear(3, 1)).compile(
        optim.Adam(lr=0.1), "bce_with_logits", ["accuracy"]
    )
    h = clf.fit(x, yb, epochs=20, verbose=0, seed=0)
    assert h.history["accuracy"][-1] > 0.9


def test_one_hot_targets_with_cross_entropy_are_accepted():
    x, y = blobs()
    onehot = np.eye(3)[y]
    dg.manual_seed(0)
    a = mlp().compile(optim.SGD(lr=0.1), "cross_entropy", ["accuracy"])
    dg.manual_seed(0)
    b = mlp().compile(optim.SGD(lr=0.1), "cross_entropy", ["accuracy"])
    ha = a.fit(x, y, epochs=2, verbose=0, seed=0)
    hb = b.fit(x, onehot, epochs=2, verbose=0, seed=0)
    assert ha.history["loss"] == pytest.approx(hb.history["loss"], rel=1e-5)
    assert ha.history["accuracy"] == pytest.approx(hb.history["accuracy"])
    dg.manual_seed(0)
    d = mlp().compile(optim.SGD(lr=0.1), "cross_entropy", ["accuracy"])
    hd = d.fit(x, onehot.astype(np.int64), epochs=2, verbose=0, seed=0)  # integer one-hot
    assert hd.history["loss"] == pytest.approx(ha.history["loss"], rel=1e-5)
    # (N, 1) integer labels are read as (N,)
    c = mlp().compile("sgd", "cross_entropy")
    c.fit(x, y.reshape(-1, 1), epochs=1, verbose=0)


def test_stop_training_from_a_callback():
    x, y = blobs()

    class StopAt(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = mlp().compile("adam", "cross_entropy")
    h = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[StopAt()])
    assert h.epoch == [0]


def test_callback_hooks_order():
    x, y = blobs(n=20)
    calls = []
    cb = dg.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda e, logs: calls.append(f"epoch_begin{e}"),
        on_batch_begin=lambda b, logs: calls.append(f"b{b}"),
        on_batch_end=lambda b, logs: calls.append(f"e{b}"),
        on_epoch_end=lambda e, logs: calls.append(f"epoch_end{e}"),
        on_train_end=lambda logs: calls.append("train_end"),
    )
    mlp().compile("sgd", "cross_entropy").fit(
        x, y, epochs=2, batch_size=10, verbose=0, callbacks=[cb]
    )
    assert calls == [
        "train_begin",
        "epoch_begin0", "b0", "e0", "b1", "e1", "epoch_end0",
        "epoch_begin1", "b0", "e0", "b1", "e1", "epoch_end1",
        "train_end",
    ]  # fmt: skip


def test_fast_accuracy_update_equals_the_metric():
    from deepgrad.train.loop import metric_updaters

    rng = np.random.default_rng(0)
    for metric in (dg.metrics.Accuracy(), dg.metrics.SparseCategoricalAccuracy()):
        ref = dg.metrics.get(type(metric))
        (fast,) = metric_updaters([metric])
        for _ in range(3):
            p, y = rng.normal(size=(17, 4)).astype(np.float32), rng.integers(0, 4, 17)
            fast(p, y)
            ref.update(p, y)
        assert metric.result() == ref.result()
        assert metric.state_dict() == ref.state_dict()
    binary = dg.metrics.Accuracy()
    (fast,) = metric_updaters([binary])
    fast(np.array([[0.9], [0.2]]), np.array([[1.0], [1.0]]))  # not the fast case: general path
    assert binary.result() == 0.5


def test_logit_metrics_threshold_at_zero_with_bce_with_logits():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] > 0.3).astype(np.float32).reshape(-1, 1)
    model = nn.Sequential(nn.Linear(3, 1)).compile(
        optim.Adam(lr=0.1), "bce_with_logits", ["accuracy", "precision", "f1"]
    )
    model.fit(x, y, epochs=15, verbose=0, seed=0)
    res = model.evaluate(x, y, return_dict=True)
    logits = model.predict(x)
    pred = (logits > 0).astype(np.float32)
    assert res["accuracy"] == pytest.approx(float((pred == y).mean()))
    tp = float(((pred == 1) & (y == 1)).sum())
    assert res["precision"] == pytest.approx(tp / float(pred.sum()))


def test_weighted_metrics_use_sample_and_class_weights_plain_metrics_do_not():
    """Keras's rule: ``metrics`` ignore sample/class weights, ``weighted_metrics`` apply them
    (Σ w [ŷ = y] / Σ w); a name in both lists is logged as ``weighted_<name>``."""
    x, y = blobs(90)
    model = mlp()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy", dg.metrics.F1Score(average="macro")])  # fmt: skip
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, seed=0)
    w = np.where(np.arange(90) % 3 == 0, 5.0, 0.5)
    res = model.evaluate(x, y, sample_weight=w, batch_size=32, return_dict=True)
    hit = model.predict(x).argmax(axis=1) == y
    assert res["accuracy"] == pytest.approx(hit.mean(), abs=1e-6)
    assert res["weighted_accuracy"] == pytest.approx((w * hit).sum() / w.sum(), abs=1e-6)
    assert "f1" in res and "weighted_f1" not in res  # only weighted: keeps its own name
    # class_weight weights the weighted metrics while training (first epoch's logs)
    model2 = mlp()
    model2.compile(optimizer="adam", loss="cross_entropy", weighted_metrics=["accuracy"])
    h = model2.fit(x, y, epochs=1, batch_size=90, verbose=0, seed=0, shuffle=False,
                   class_weight={0: 1.0, 1: 0.0, 2: 0.0})  # fmt: skip
    assert {"loss", "accuracy"} <= set(h.history) and "weighted_accuracy" not in h.history
    # and a loader's (x, y, w) batches reach them too
    batches = [(x[:45], y[:45], w[:45]), (x[45:], y[45:], w[45:])]
    r2 = model.evaluate(batches, return_dict=True)
    assert r2["weighted_accuracy"] == pytest.approx(res["weighted_accuracy"], abs=1e-6)
    assert r2["accuracy"] == pytest.approx(res["accuracy"], abs=1e-6)


def test_weighted_metric_under_class_weight_counts_only_weighted_classes():
    x, y = blobs(90)
    model = mlp()
    # lr 0: the model does not change during the epoch, so the logged training accuracy is
    # the accuracy of the initial model on class 0 only
    model.compile(optimizer=optim.SGD(lr=0.0), loss="cross_entropy",
                  weighted_metrics=["accuracy"])  # fmt: skip
    h = model.fit(x, y, epochs=1, batch_size=30, verbose=0, seed=0,
                  class_weight={0: 1.0, 1: 0.0, 2: 0.0})  # fmt: skip
    pred0 = model.predict(x).argmax(axis=1)
    m0 = y == 0
    assert h.history["accuracy"][0] == pytest.approx((pred0[m0] == 0).mean(), abs=1e-6)


def test_compile_rejects_duplicate_weighted_metric_names():
    model = mlp()
    with pytest.raises(ValueError, match="distinct"):
        model.compile(optimizer="sgd", loss="cross_entropy", weighted_metrics=["mae", "mae"])


def test_history_records_what_callbacks_add_to_the_epoch_logs():
    """Keras 3 appends its History after the user's callbacks, so a key a callback adds to
    the logs in ``on_epoch_end`` is in ``history.history`` (deepgrad's History ran first and
    missed it); callbacks still see the same logs dict, and BackupAndRestore stays last."""
    x, y = blobs(n=40)

    class Adds(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["twice_loss"] = 2 * logs["loss"]

    seen = []

    class Reads(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(sorted(logs))

    model = mlp().compile("sgd", "cross_entropy", ["accuracy"])
    h = model.fit(x, y, epochs=2, verbose=0, seed=0, callbacks=[Adds(), Reads()])
    assert h.history["twice_loss"] == [2 * v for v in h.history["loss"]]
    assert seen == [["accuracy", "loss", "lr", "twice_loss"]] * 2
    assert model.history is h and h.epoch == [0, 1]


def test_fit_evaluate_predict_take_keras_positional_order():
    """Keras 3's positional order: ``fit(x, y, batch_size, epochs, verbose, callbacks, ...)``,
    ``evaluate(x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict)``,
    ``predict(x, batch_size, verbose, steps, callbacks)``; deepgrad's ``seed`` is keyword-only."""
    x, y = blobs(n=40)
    a = mlp().compile("sgd", "cross_entropy")
    b = mlp().compile("sgd", "cross_entropy")
    b.load_state_dict(a.state_dict())
    rec = Recorder()
    ha = a.fit(x, y, 16, 2, 0, [rec], seed=3)
    hb = b.fit(x, y, batch_size=16, epochs=2, verbose=0, seed=3)
    assert ha.history == hb.history and ha.params["steps"] == 3 and rec.batches == [0, 1, 2] * 2
    assert a.evaluate(x, y, 8, 0) == a.evaluate(x, y, batch_size=8)
    assert a.evaluate(x, y, 8, 0, None, None, None, True) == {"loss": a.evaluate(x, y, 8)}
    np.testing.assert_array_equal(a.predict(x, 7, 0, 2), a.predict(x[:14], batch_size=7))
    with pytest.raises(TypeError):
        a.fit(x, y, 16, 1, 0, None, 0.0, None, True, None, None, 0, None, None, None, 1, 5)


def test_compile_positional_order_refuses_keras3_loss_weights():
    """``compile(optimizer, loss, metrics)`` positionally (Keras 2's order, deepgrad's); Keras
    3's third positional argument is ``loss_weights``: numbers there are refused by name, and
    ``weighted_metrics`` is keyword-only, so ``compile("sgd", "mse", None, ["mae"])`` (Keras
    3: ``metrics=["mae"]``) is a TypeError, not silently weighted metrics."""
    x, y = blobs(n=20)
    m = mlp().compile("sgd", "cross_entropy", ["accuracy"])
    assert m.metrics_names == ["loss", "accuracy"]
    for weights in (0.5, [1.0], {"out": 1.0}):
        with pytest.raises(TypeError, match="loss_weights"):
            mlp().compile("sgd", "cross_entropy", weights)
    with pytest.raises(TypeError):
        mlp().compile("sgd", "cross_entropy", None, ["accuracy"])
    m = mlp().compile("sgd", "cross_entropy", weighted_metrics=["accuracy"])
    assert m.metrics_names == ["loss", "accuracy"]


def _keras_class_weights(y, class_weight):
    """Keras 3's ``data_adapter_utils.class_weight_to_sample_weights`` (2-D and less)."""
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    return np.array([class_weight.get(int(v), 1.0) for v in np.round(y).astype("int32")])


def test_class_weight_reads_targets_as_keras_and_refuses_3d_targets():
    """Labels, one-hot rows and ``(N, 1)`` 0/1 targets weighted as Keras 3 weights them
    (a class the dict leaves out weighs 1); targets of 3+ dims (a class per position) are
    refused as in Keras, where deepgrad weighted each sample by its first position's class."""
    from deepgrad.train.api import _class_weights

    rng = np.random.default_rng(0)
    cw = {0: 0.5, 2: 3.0}
    labels = rng.integers(0, 4, 12)
    for y in (labels, np.eye(4)[labels], (labels[:, None] % 2).astype("float32")):
        np.testing.assert_array_equal(_class_weights(y, cw, "fit"), _keras_class_weights(y, cw))

    class Seg(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x):
            return self.conv(x)

    x = rng.normal(size=(6, 3, 2, 5)).astype("float32")
    y = rng.integers(0, 4, (6, 2, 5))
    m = Seg().compile("sgd", "cross_entropy")
    for call in (lambda: m.fit(x, y, class_weight=cw, verbose=0),
                 lambda: m.train_on_batch(x, y, class_weight=cw)):  # fmt: skip
        with pytest.raises(ValueError, match="3\\+ dimensional targets"):
            call()
    m.fit(x, y, verbose=0)  # without class_weight the same targets train


def test_sample_weight_column_is_per_sample_as_keras():
    """Keras squeezes ``(N, 1)`` sample weights to the loss's rank: the same as ``(N,)``.
    deepgrad broadcast them against the ``(N,)`` losses into an ``(N, N)`` product, a loss
    ``N`` times too large, silently. Per-position ``(N, T)`` weights raise, naming the shapes."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    w = rng.uniform(0.5, 2.0, 12).astype("float32")

    def run(weights):
        dg.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 2)).compile("sgd", "mse", weighted_metrics=["mae"])
        out = [m.evaluate(x, y, sample_weight=weights, batch_size=5)]
        out.append(m.fit(x, y, sample_weight=weights, batch_size=5, epochs=2, verbose=0,
                         seed=0).history)  # fmt: skip
        out.append(m.train_on_batch(x, y, sample_weight=weights))
        out.append(m.test_on_batch(x, y, sample_weight=weights))
        loader = [(x[:6], y[:6], weights[:6]), (x[6:], y[6:], weights[6:])]
        out.append(m.evaluate(loader))
        return out

    assert run(w[:, None]) == run(w)
    m = nn.Sequential(nn.Linear(3, 2)).compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(12,\).*\(12, 2\)"):
        m.fit(x, y, sample_weight=np.ones((12, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(6,\)"):
        m.evaluate([(x[:6], y[:6], np.ones((6, 2)))])


def test_a_history_among_the_callbacks_is_the_one_fit_returns():
    """Keras 3 adds no History of its own when one is among the callbacks: that one records the
    run, becomes ``model.history`` and is what ``fit`` returns (deepgrad returned another)."""
    from deepgrad.train import History

    x, y = blobs(n=20)
    mine = History()
    model = mlp().compile("sgd", "cross_entropy")
    h = model.fit(x, y, epochs=2, verbose=0, seed=0, callbacks=[mine])
    assert h is mine and model.history is mine
    assert mine.epoch == [0, 1] and len(mine.history["loss"]) == 2
