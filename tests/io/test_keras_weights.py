"""``model.get_weights()`` / ``set_weights``: Keras's list, in Keras's order and layouts, so a
list moves between a Keras model and the same deepgrad model and gives the same outputs."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

os.environ.setdefault("KERAS_BACKEND", "torch")

# Keras 3.15: keras.Sequential([Input((4,)), Dense(8), ReLU(), BatchNormalization(), Dense(2)])
#   .get_weights() shapes: kernel, bias, gamma, beta, moving mean, moving variance, kernel, bias
KERAS_MLP_SHAPES = [(4, 8), (8,), (8,), (8,), (8,), (8,), (8, 2), (2,)]
# Keras 3.15: Sequential([Input((1, 6, 6)), Conv2D(3, 3, data_format="channels_first"),
#   BatchNormalization(axis=1), Flatten(), Dense(2)]).get_weights() shapes
KERAS_CNN_SHAPES = [(3, 3, 1, 3), (3,), (3,), (3,), (3,), (3,), (48, 2), (2,)]
# Keras 3.15, set_weights with the first kernel transposed; and with one array fewer
KERAS_SHAPE_ERROR = "weight shape (4, 8) is not compatible with provided weight shape (8, 4)."
KERAS_COUNT_ERROR = "with a weight list of length 7, but the layer was expecting 8 weights."


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8, eps=1e-3), nn.Linear(8, 2))


def _cnn():
    return nn.Sequential(
        nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3, eps=1e-3), nn.Flatten(), nn.Linear(48, 2)
    )


def _randomize(model, seed=0):
    """Random values in every weight, running statistics included (positive variances)."""
    rng = np.random.default_rng(seed)
    model.set_weights([np.abs(rng.normal(0.5, 0.3, w.shape)).astype("float32")
                       for w in model.get_weights()])  # fmt: skip
    return model


def test_order_and_layouts_are_keras():
    m = _mlp()
    w = m.get_weights()
    assert [a.shape for a in w] == KERAS_MLP_SHAPES
    np.testing.assert_array_equal(w[0], m[0].weight.data.T)  # Dense kernel (in, out)
    np.testing.assert_array_equal(w[4], m[2].running_mean.data)
    np.testing.assert_array_equal(w[5], m[2].running_var.data)
    c = _cnn()
    assert [a.shape for a in c.get_weights()] == KERAS_CNN_SHAPES
    np.testing.assert_array_equal(c.get_weights()[0], c[0].weight.data.transpose(2, 3, 1, 0))


def test_set_weights_round_trips_and_writes_the_layout_back():
    m = _randomize(_mlp())
    w = m.get_weights()
    m2 = _mlp()
    m2.set_weights(w)
    for a, b in zip(m2.get_weights(), w):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(m2[0].weight.data, w[0].T)
    w[0][0, 0] = 99.0  # get_weights gives copies
    assert m[0].weight.data[0, 0] != 99.0


def test_frozen_and_shared_weights():
    m = _mlp()
    m[0].requires_grad_(False)
    assert len(m.get_weights()) == 8  # Keras lists non-trainable weights too
    lin = nn.Linear(3, 3)
    shared = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(shared.get_weights()) == 2  # a shared layer once, as Keras's model.weights


def test_set_weights_shape_errors_as_keras():
    m = _mlp()
    w = m.get_weights()
    bad = [w[0].T, *w[1:]]
    with pytest.raises(ValueError, match=r"^Layer 0 " + KERAS_SHAPE_ERROR.replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):  # fmt: skip
        m.set_weights(bad)
    np.testing.assert_array_equal(m[0].weight.data.T, w[0])  # nothing written
    with pytest.raises(ValueError, match=KERAS_COUNT_ERROR):
        m.set_weights(w[:-1])


def test_layers_with_other_keras_layouts_are_refused():
    for layer in (nn.LSTM(3, 4), nn.GRU(3, 4), nn.ConvTranspose2d(2, 2, 3)):
        with pytest.raises(NotImplementedError, match=r"layout Keras.*state_dict"):
            nn.Sequential(layer).get_weights()


def test_a_users_own_layer_lists_its_parameters_as_registered():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(dg.ones(2, 3))
            self.b = nn.Parameter(dg.zeros(3))

        def forward(self, x):
            return x @ self.w + self.b

    m = nn.Sequential(Scale(), nn.Linear(3, 1))
    assert [a.shape for a in m.get_weights()] == [(2, 3), (3,), (3, 1), (1,)]


# Keras 3.15: a custom layer that creates, in build(), a weight (2, 3) then a list of two (3,)
#   and (4,) weights and one (1,) weight: get_weights() lists them in creation order
KERAS_OWN_WEIGHTS_SHAPES = [(2, 3), (3,), (4,), (1,)]


class _Holder(nn.Module):
    """A user's layer holding a tensor, a ParameterList and a ParameterDict."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(dg.ones(2, 3))
        self.ws = nn.ParameterList([nn.Parameter(dg.zeros(3)), nn.Parameter(dg.zeros(4))])
        self.wd = nn.ParameterDict({"s": nn.Parameter(dg.ones(1))})


def test_parameter_list_and_dict_are_listed_as_registered():
    m = _Holder()
    w = m.get_weights()
    assert [a.shape for a in w] == KERAS_OWN_WEIGHTS_SHAPES
    w = [np.full(a.shape, i, "float32") for i, a in enumerate(w)]
    m.set_weights(w)
    np.testing.assert_array_equal(m.ws[1].data, w[2])
    np.testing.assert_array_equal(m.wd["s"].data, w[3])


def test_own_weights_against_keras():
    keras = _keras()

    class Holder(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2, 3))
            self.ws = [self.add_weight(shape=(3,)), self.add_weight(shape=(4,))]
            self.s = self.add_weight(shape=(1,))

        def call(self, x):
            return x

    layer = Holder()
    layer.build((None, 2))
    assert [a.shape for a in layer.get_weights()] == KERAS_OWN_WEIGHTS_SHAPES


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons need Keras on its torch backend")
    return keras


def _keras_models(keras):
    L = keras.layers
    mlp = keras.Sequential([keras.Input((4,)), L.Dense(8), L.ReLU(), L.BatchNormalization(),
                            L.Dense(2)])  # fmt: skip
    cnn = keras.Sequential([keras.Input((1, 6, 6)), L.Conv2D(3, 3, data_format="channels_first"),
                            L.BatchNormalization(axis=1), L.Flatten(), L.Dense(2)])  # fmt: skip
    return mlp, cnn


def test_weights_move_between_keras_and_deepgrad():
    keras = _keras()
    rng = np.random.default_rng(3)
    for km, make, shape in zip(_keras_models(keras), (_mlp, _cnn), ((4,), (1, 6, 6))):
        x = rng.normal(size=(5, *shape)).astype("float32")
        m = _randomize(make())
        km.set_weights(m.get_weights())  # deepgrad -> Keras
        np.testing.assert_allclose(km.predict(x, verbose=0), m.predict(x), rtol=1e-4, atol=1e-5)
        m2 = make()
        m2.set_weights(km.get_weights())  # Keras -> deepgrad
        np.testing.assert_allclose(m2.predict(x), m.predict(x), rtol=1e-6)
    mlp, cnn = _keras_models(keras)
    assert [w.shape for w in mlp.get_weights()] == KERAS_MLP_SHAPES
    assert [w.shape for w in cnn.get_weights()] == KERAS_CNN_SHAPES
    w = mlp.get_weights()
    with pytest.raises(ValueError, match=KERAS_COUNT_ERROR):
        mlp.set_weights(w[:-1])
    with pytest.raises(ValueError) as e:
        mlp.set_weights([w[0].T, *w[1:]])
    assert str(e.value).endswith(KERAS_SHAPE_ERROR)
