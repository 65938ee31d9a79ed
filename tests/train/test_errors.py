"""The mistakes users make, each caught before training and explained."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim


def data(n=40, d=4, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, c, n)


def clf(d=4, c=3):
    return nn.Sequential(nn.Linear(d, 8), nn.ReLU(), nn.Linear(8, c))


class NoStep(dg.train.Callback):
    """Fails the test if a single training step runs."""

    def on_batch_begin(self, batch, logs=None):
        raise AssertionError("training started despite bad input")


def fit(model, *args, **kw):
    return model.fit(*args, verbose=0, callbacks=[NoStep()], **kw)


def test_not_compiled():
    x, y = data()
    with pytest.raises(RuntimeError, match="not compiled.*compile"):
        clf().fit(x, y)


def test_x_y_length_mismatch():
    x, y = data()
    m = clf().compile("adam", "cross_entropy")
    with pytest.raises(ValueError, match="x has 40 samples but y has 39"):
        fit(m, x, y[:-1])


def test_several_input_arrays_named_as_keras_multi_input():
    """Keras's ``fit([x1, x2], y)`` feeds a multi-input model; a single-input model (one
    tensor in ``forward``) refuses it by name, as Keras's do ("expects 1 input(s), but it
    received 2 input tensors"), rather than reading it as a list of 2 samples ("x has 2
    samples but y has 40"); a list of per-sample arrays, one per target, still trains."""
    x, y = data()
    m = clf().compile("adam", "cross_entropy")
    for xs in ([x, x], (x, x), [x, x[:, :2]]):
        with pytest.raises(ValueError, match=r"of 2 arrays.*multi-input.*takes 1 input"):
            fit(m, xs, y)
    for xs in ([x, x[:, :2]], [x, x], [x[:3], x[3:6]]):
        with pytest.raises(ValueError, match="multi-input.*expects 1 input.*np.stack"):
            m.predict(xs)
    with pytest.raises(ValueError, match="multi-input"):
        m.evaluate([x, x], y)
    m.fit(list(x), y, epochs=1, verbose=0)  # a list of samples, each an array
    m.fit([x[0], x[1]], y[:2], epochs=1, verbose=0)  # two samples, two targets


def test_wrong_feature_count_names_the_layer_expected_and_actual():
    x, y = data(d=5)
    m = clf(d=4).compile("adam", "cross_entropy")
    with pytest.raises(ValueError) as e:
        fit(m, x, y)
    msg = str(e.value)
    assert "layer '0' (Linear)" in msg
    assert "(32, 5)" in msg and "4" in msg


def test_wrong_image_shape_names_the_layer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 1, 10, 10))
    y = rng.integers(0, 3, 16)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3)
    ).compile("adam", "cross_entropy")
    with pytest.raises(ValueError) as e:
        fit(model, x, y)
    msg = str(e.value)
    assert "layer '3' (Linear)" in msg and "256" in msg and "400" in msg


def test_subclassed_model_error_names_the_nested_layer():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
            self.head = nn.Linear(16, 3)

        def forward(self, x):
            return self.head(self.encoder(x))

    x, y = data()
    m = Net().compile("adam", "cross_entropy")
    with pytest.raises(ValueError, match=r"layer 'head' \(Linear\)"):
        fit(m, x, y)
    # the hooks are gone after the error
    assert "forward" not in m.head.__dict__ and "forward" not in m.__dict__


def test_prediction_n1_against_targets_n():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    m = nn.Sequential(nn.Linear(3, 1)).compile("adam", "mse")
    with pytest.raises(ValueError) as e:
        fit(m, x, y)
    msg = str(e.value)
    assert "(32, 1)" in msg and "(32,)" in msg and "reshape" in msg


def test_cross_entropy_labels_out_of_range_before_training():
    x, y = data(c=3)
    m = clf(c=3).compile("adam", "cross_entropy")
    bad = y.copy()
    bad[-1] = 3  # in the last batch: still caught before the first step
    with pytest.raises(ValueError, match=r"class label 3 is out of range.*3 outputs.*0\.\.2"):
        fit(m, x, bad)
    bad[-1] = -1
    with pytest.raises(ValueError, match="class label -1.*Negative labels"):
        fit(m, x, bad)


def test_cross_entropy_fractional_labels():
    x, y = data()
    m = clf().compile("adam", "cross_entropy")
    with pytest.raises(ValueError, match="fractional.*mse"):
        fit(m, x, y + 0.5)


def test_classification_loss_on_house_prices_refused_with_advice():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5))
    prices = rng.uniform(100_000, 900_000, size=64).round(2)
    m = nn.Sequential(nn.Linear(5, 1)).compile("adam", "bce_with_logits")
    with pytest.raises(
        ValueError, match=r"\[0, 1\].*regression.*loss='mse'\) or compile\(loss='mae'\)"
    ):
        fit(m, x, prices.reshape(-1, 1))
    m = nn.Sequential(nn.Linear(5, 1)).compile("adam", "bce")
    with pytest.raises(ValueError, match="mse"):
        fit(m, x, prices.reshape(-1, 1))
    m = nn.Sequential(nn.Linear(5, 10)).compile("adam", "cross_entropy")
    with pytest.raises(ValueError, match="regression.*mse"):
        fit(m, x, prices)
    with pytest.raises(ValueError, match="regression.*mse"):  # whole-number prices too
        fit(m, x, prices.round())


def test_nan_and_inf_in_inputs():
    x, y = data()
    m = clf().compile("adam", "cross_entropy")
    x = x.copy()
    x[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN at sample 7"):
        fit(m, x, y)
    x[7, 2] = np.inf
    with pytest.raises(ValueError, match="infinite value at sample 7"):
        fit(m, x, y)
    with pytest.raises(ValueError, match="NaN"):
        m.predict(np.full((2, 4), np.nan))


def test_nan_in_regression_targets():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    y[3] = np.nan
    m = nn.Sequential(nn.Linear(3, 1)).compile("adam", "mse")
    with pytest.raises(ValueError, match="y contains NaN at sample 3"):
        fit(m, x, y)


def test_binary_loss_with_many_outputs_explained():
    x, y = data()
    m = clf(c=3).compile("adam", "bce_with_logits")
    with pytest.raises(ValueError, match="cross_entropy"):
        fit(m, x, (y == 1).astype(float))


def test_bad_arguments():
    x, y = data()
    m = clf().compile("adam", "cross_entropy")
    with pytest.raises(ValueError, match="batch_size"):
        fit(m, x, y, batch_size=0)
    with pytest.raises(ValueError, match="validation_split"):
        fit(m, x, y, validation_split=1.5)
    with pytest.raises(TypeError, match="instance"):
        m.fit(x, y, verbose=0, callbacks=[dg.callbacks.TerminateOnNaN])
    with pytest.raises(ValueError, match="loss is required"):
        clf().compile("adam")
    with pytest.raises(TypeError, match="numbers"):
        fit(m, np.array([["a", "b", "c", "d"]] * 40), y)


def test_custom_loss_function_still_works():
    x, y = data()

    def my_loss(pred, target):
        return dg.functional.cross_entropy(pred, target)

    m = clf().compile(optim.SGD(lr=0.1), my_loss)
    h = m.fit(x, y, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
