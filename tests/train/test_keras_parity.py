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
