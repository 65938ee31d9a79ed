"""``evaluate(steps=)`` and ``predict(steps=)`` keep Keras's contract: ``steps`` is the number
of batches drawn (from arrays, Datasets, loaders and generators, an endless one too); more than
the data has uses all of it with Keras's "ran out of data" warning, and callbacks' params carry
the ``steps`` asked for. The Keras values are recorded as constants (CI has no Keras) and
compared with Keras itself where it is installed."""

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

# Keras 3.15 (torch backend): Sequential([Input((2,)), Dense(1, kernel_initializer="ones",
# use_bias=False)]).compile("sgd", "mse"), batch_size=3 (4 batches: 3, 3, 3, 1 samples)
KERAS_PREDICT_STEPS_2 = [1.0, 5.0, 9.0, 13.0, 17.0, 21.0]  # predict(X, batch_size=3, steps=2)
KERAS_EVALUATE_STEPS_2 = 98.5  # evaluate(X, Y, batch_size=3, steps=2) == evaluate(X[:6], Y[:6])
KERAS_EVALUATE_ALL = 284.5  # evaluate(X, Y) and evaluate(X, Y, batch_size=3, steps=10)


def _model():
    m = nn.Sequential(nn.Linear(2, 1, bias=False))
    m[0].weight.data[...] = 1.0
    return m.compile("sgd", "mse")


def _gen(with_y=True, step=3):
    for i in range(0, 10, step):
        yield (X[i : i + step], Y[i : i + step]) if with_y else (X[i : i + step],)


def _endless():
    i = 0
    while True:
        yield X[i % 10 : i % 10 + 2], Y[i % 10 : i % 10 + 2]
        i += 2


def test_steps_draws_the_first_batches_of_arrays():
    m = _model()
    np.testing.assert_array_equal(
        m.predict(X, batch_size=3, steps=2).ravel(), KERAS_PREDICT_STEPS_2
    )
    assert m.evaluate(X, Y, batch_size=3, steps=2) == KERAS_EVALUATE_STEPS_2
    assert m.evaluate(X[:6], Y[:6]) == KERAS_EVALUATE_STEPS_2
    assert m.evaluate(X, Y, batch_size=3, steps=4) == KERAS_EVALUATE_ALL


def test_steps_draws_the_first_batches_of_generators_and_loaders():
    m = _model()
    assert m.evaluate(_gen(), steps=2) == KERAS_EVALUATE_STEPS_2
    np.testing.assert_array_equal(m.predict(_gen(False), steps=2).ravel(), KERAS_PREDICT_STEPS_2)
    # an endless generator: only `steps` batches are drawn (of 2 samples: the first 6 samples)
    assert m.evaluate(_endless(), steps=3) == KERAS_EVALUATE_STEPS_2
    loader = dg.data.DataLoader(dg.data.ArrayDataset(X, Y), batch_size=3)
    assert m.evaluate(loader, steps=2) == KERAS_EVALUATE_STEPS_2
    assert m.evaluate(dg.data.ArrayDataset(X, Y), batch_size=3, steps=2) == KERAS_EVALUATE_STEPS_2
    # the loader itself is left whole
    assert len(loader) == 4 and m.evaluate(loader) == KERAS_EVALUATE_ALL


@pytest.mark.parametrize("source", ["arrays", "loader", "generator"])
def test_more_steps_than_the_data_has_uses_it_all_with_keras_warning(source):
    m = _model()
    data = {
        "arrays": lambda: (X, Y),
        "loader": lambda: (dg.data.DataLoader(dg.data.ArrayDataset(X, Y), batch_size=3),),
        "generator": lambda: (_gen(),),
    }[source]
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        assert m.evaluate(*data(), batch_size=3, steps=10) == KERAS_EVALUATE_ALL
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        out = m.predict(data()[0], batch_size=3, steps=10)
    np.testing.assert_array_equal(out.ravel(), (X.sum(axis=1)))


def test_steps_no_more_than_the_data_has_does_not_warn():
    m = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.evaluate(X, Y, batch_size=3, steps=4)
        m.evaluate(_gen(), steps=4)
        m.predict(_gen(False), steps=3)


@pytest.mark.parametrize("steps", [0, -1, 2.0, True, "2"])
def test_a_steps_that_is_not_a_positive_int_is_refused(steps):
    # Keras reads 0 and -1 as "all the data" and fails on floats with Python's own message
    m = _model()
    with pytest.raises(
        ValueError, match=f"evaluate: steps must be a positive int or None, got {steps!r}"
    ):
        m.evaluate(X, Y, steps=steps)
    with pytest.raises(ValueError, match="predict: steps must be a positive int or None"):
        m.predict(X, steps=steps)


def test_callbacks_params_carry_the_steps_asked_for():
    seen = []

    class Params(dg.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen.append(("test", self.params["steps"]))

        def on_predict_begin(self, logs=None):
            seen.append(("predict", self.params["steps"]))

    m = _model()
    m.evaluate(X, Y, batch_size=3, steps=2, callbacks=[Params()])
    m.predict(X, batch_size=3, steps=2, callbacks=[Params()])
    with pytest.warns(UserWarning, match="ran out of data"):
        m.evaluate(X, Y, batch_size=3, steps=10, callbacks=[Params()])
    m.evaluate(X, Y, batch_size=3, callbacks=[Params()])
    assert seen == [("test", 2), ("predict", 2), ("test", 10), ("test", 4)]  # Keras's


def test_steps_against_keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("this comparison needs Keras on its torch backend")
    km = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)]
    )
    km.compile("sgd", "mse")
    np.testing.assert_array_equal(
        km.predict(X, batch_size=3, steps=2, verbose=0).ravel(), KERAS_PREDICT_STEPS_2
    )
    assert km.evaluate(X, Y, batch_size=3, steps=2, verbose=0) == KERAS_EVALUATE_STEPS_2
    assert km.evaluate(_gen(), steps=2, verbose=0) == KERAS_EVALUATE_STEPS_2
    assert km.evaluate(_endless(), steps=3, verbose=0) == KERAS_EVALUATE_STEPS_2
    np.testing.assert_array_equal(
        km.predict(_gen(False), steps=2, verbose=0).ravel(), KERAS_PREDICT_STEPS_2
    )
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        assert km.evaluate(X, Y, batch_size=3, steps=10, verbose=0) == KERAS_EVALUATE_ALL
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        assert km.evaluate(_gen(), steps=10, verbose=0) == KERAS_EVALUATE_ALL
    seen = []

    class Params(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen.append(self.params["steps"])

    with pytest.warns(UserWarning, match="ran out of data"):
        km.evaluate(X, Y, batch_size=3, steps=10, verbose=0, callbacks=[Params()])
    assert seen == [10]
