"""Keras's names on every optimizer (:mod:`deepgrad.optim.keras_names`): ``learning_rate`` /
``lr`` (the lead group's rate, read and set, with Keras's ``.numpy()`` / ``.assign()``),
``iterations`` (steps taken), ``get_config`` / ``from_config``, ``variables`` refused, and
Keras's constructor spellings refused naming deepgrad's. Keras's own values are recorded (CI
has no Keras) and compared with Keras where it is installed."""

from __future__ import annotations

import copy
import json
import os
import pickle

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.optim.optimizer import _registry

os.environ.setdefault("KERAS_BACKEND", "torch")


def test_learning_rate_set_changes_the_next_step_and_keeps_group_proportions():
    w, b = nn.Parameter(dg.ones(2)), nn.Parameter(dg.ones(1))
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    assert opt.learning_rate == opt.lr == pytest.approx(0.1)
    opt.learning_rate = 0.5
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.5, 0.05])
    opt.lr = np.float32(0.2)
    assert opt.learning_rate == pytest.approx(0.2)
    w.grad, b.grad = dg.ones(2), dg.ones(1)
    assert opt.iterations == 0
    opt.step()
    assert opt.iterations == 1
    np.testing.assert_allclose(w.numpy(), [0.8, 0.8], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.98], rtol=1e-6)


def test_learning_rate_refuses_what_is_not_a_rate():
    opt = optim.Adam()  # unbound: the placeholder group holds the rate
    opt.learning_rate = 3e-4
    assert opt.param_groups[0]["lr"] == pytest.approx(3e-4)
    with pytest.raises(ValueError, match="learning rate >= 0"):
        opt.learning_rate = -1.0
    with pytest.raises(ValueError, match="schedule"):
        opt.learning_rate = lambda step: 0.1


def test_a_subclass_keeping_its_own_lr_attribute_keeps_it():
    class Mine(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            self.lr = lr  # before super().__init__: a plain attribute of its own
            super().__init__(params, {"momentum": 0.0})

        def step(self):
            for g in self.param_groups:
                for p in g["params"]:
                    p._data -= self.lr * p.grad._data

    w = nn.Parameter(dg.ones(1))
    opt = Mine([w], lr=0.25)
    assert opt.lr == 0.25
    w.grad = dg.ones(1)
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.75])
    assert opt.iterations == 1


# Keras 3.15: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True).get_config()
KERAS_SGD_CONFIG = {
    "name": "sgd",
    "learning_rate": 0.10000000149011612,
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
    "momentum": 0.9,
    "nesterov": True,
}
# Keras 3.15: keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99,
# amsgrad=True).get_config()
KERAS_ADAM_CONFIG = {
    **{k: v for k, v in KERAS_SGD_CONFIG.items() if k not in ("momentum", "nesterov")},
    "name": "adam",
    "learning_rate": 0.009999999776482582,
    "beta_1": 0.8,
    "beta_2": 0.99,
    "epsilon": 1e-07,
    "amsgrad": True,
}


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons need Keras on its torch backend")
    return keras


# ---- learning_rate / iterations ------------------------------------------------------------------
def test_learning_rate_reads_as_a_number_with_keras_numpy_and_assign():
    opt = optim.Adam(lr=0.01)
    rate = opt.learning_rate
    assert rate == 0.01 and isinstance(rate, float)
    assert rate.numpy().shape == () and rate.numpy() == 0.01
    rate.assign(1e-4)  # Keras 3's model.optimizer.learning_rate.assign(r)
    assert opt.param_groups[0]["lr"] == 1e-4 and opt.learning_rate == 1e-4
    opt.lr.assign(2e-4)  # Keras 2's name
    assert opt.param_groups[0]["lr"] == 2e-4
    with pytest.raises(ValueError, match="expected a learning rate >= 0"):
        opt.learning_rate.assign("fast")


def test_assign_reaches_the_optimizer_fit_steps():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.zeros((8, 1), "float32")
    model = nn.Sequential(nn.Linear(3, 1)).compile(optim.SGD(lr=0.1), "mse")
    model.fit(x, y, verbose=0, epochs=1, batch_size=8)
    model.optimizer.learning_rate.assign(0.0)
    before = [p.numpy().copy() for p in model.parameters()]
    model.fit(x, y, verbose=0, epochs=1, batch_size=8)
    for b, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(b, p.numpy())


def test_a_read_rate_copies_and_saves_as_a_plain_float():
    opt = optim.SGD(lr=0.5)
    rate = opt.learning_rate
    for other in (copy.copy(rate), copy.deepcopy(rate), pickle.loads(pickle.dumps(rate))):
        assert type(other) is float and other == 0.5
    assert json.loads(json.dumps({"lr": rate})) == {"lr": 0.5}
    assert float(rate) * 2 == 1.0 and type(rate * 2) is float


def test_iterations_counts_steps_with_keras_numpy_and_refuses_assign():
    w = dg.tensor([1.0], requires_grad=True)
    opt = optim.Adam([w])
    for _ in range(3):
        (w * w).sum().backward()
        opt.step()
    assert opt.iterations == 3 and int(opt.iterations) == 3
    assert opt.iterations.numpy().dtype == np.int64 and opt.iterations.numpy() == 3
    assert type(copy.deepcopy(opt.iterations)) is int
    with pytest.raises(TypeError, match=r"iterations only counts step\(\) calls.*state\[p\]"):
        opt.iterations.assign(0)


def test_variables_is_refused_naming_state_dict():
    with pytest.raises(AttributeError, match=r"Keras's list of optimizer Variables.*state_dict"):
        optim.Adam().variables  # noqa: B018


# ---- get_config / from_config --------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(_registry))
def test_get_config_round_trips_through_from_config(name):
    cls = _registry[name]
    config = cls().get_config()
    assert config["name"] == name
    assert "learning_rate" in config and "lr" not in config
    rebuilt = cls.from_config(config)
    assert rebuilt.get_config() == config
    assert not rebuilt.is_bound
    assert json.loads(json.dumps(config)) is not None  # JSON-able, as Keras's


def test_get_config_has_keras_rate_and_deepgrad_hyperparameters():
    opt = optim.Adam(lr=0.01, betas=(0.8, 0.99), amsgrad=True)
    opt.learning_rate = 0.005  # Keras reports the current rate
    assert opt.get_config() == {
        "name": "adam",
        "learning_rate": 0.005,
        "betas": (0.8, 0.99),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": True,
        "maximize": False,
        "foreach": None,  # PyTorch's implementation flags: constructor arguments too
        "capturable": False,
        "differentiable": False,
        "fused": None,
        "decoupled_weight_decay": False,
    }
    assert optim.SGD(lr=0.1, momentum=0.9).get_config()["learning_rate"] == 0.1


def test_from_config_reads_keras_sgd_config():
    opt = optim.SGD.from_config(KERAS_SGD_CONFIG)
    g = opt.param_groups[0]
    assert (g["lr"], g["momentum"], g["nesterov"], g["weight_decay"]) == (
        KERAS_SGD_CONFIG["learning_rate"],
        0.9,
        True,
        0.0,
    )


def test_from_config_reads_keras_betas_and_refuses_epsilon():
    config = {k: v for k, v in KERAS_ADAM_CONFIG.items() if k != "epsilon"}
    opt = optim.Adam.from_config(config)
    assert opt.param_groups[0]["betas"] == (0.8, 0.99) and opt.param_groups[0]["amsgrad"]
    with pytest.raises(TypeError, match="Keras's keyword argument 'epsilon'.*eps"):
        optim.Adam.from_config(KERAS_ADAM_CONFIG)


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("clipnorm", 1.0, "clip_grad_norm_"),
        ("clipvalue", 0.5, "clip_grad_value_"),
        ("use_ema", True, "AveragedModel"),
        ("loss_scale_factor", 128.0, "GradScaler"),
        ("gradient_accumulation_steps", 4, "accumulate"),
    ],
)
def test_from_config_refuses_keras_options_that_are_on(key, value, match):
    with pytest.raises(ValueError, match=f"Keras's {key}={value!r} is not supported: .*{match}"):
        optim.SGD.from_config({**KERAS_SGD_CONFIG, key: value})


def test_from_config_reads_keras_weight_decay_only_where_it_is_decoupled():
    config = {**KERAS_SGD_CONFIG, "weight_decay": 0.01}
    with pytest.raises(ValueError, match="decoupled.*PyTorch's L2.*AdamW"):
        optim.SGD.from_config(config)
    adamw = {k: v for k, v in KERAS_ADAM_CONFIG.items() if k != "epsilon"}
    opt = optim.AdamW.from_config({**adamw, "weight_decay": 0.004})
    assert opt.param_groups[0]["weight_decay"] == 0.004
    # deepgrad's own config (no Keras options) keeps deepgrad's meaning
    assert optim.SGD.from_config({"weight_decay": 0.01}).param_groups[0]["weight_decay"] == 0.01


def test_from_config_refuses_what_it_cannot_read():
    with pytest.raises(TypeError, match="expected a dict"):
        optim.SGD.from_config([("lr", 0.1)])
    with pytest.raises(TypeError, match="'learning_rate' or 'lr', not both"):
        optim.SGD.from_config({"learning_rate": 0.1, "lr": 0.1})
    with pytest.raises(TypeError, match="learning_rate is a schedule's config"):
        optim.SGD.from_config({"learning_rate": {"class_name": "ExponentialDecay"}})
    with pytest.raises(TypeError, match="'momentun'; did you mean 'momentum'"):
        optim.SGD.from_config({"momentun": 0.9})


# ---- Keras's constructor spellings ---------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"learning_rate": 1e-3}, r"Keras's keyword argument 'learning_rate'.*: lr"),
        ({"beta_1": 0.8}, r"'beta_1'.*betas=\(beta_1, beta_2\)"),
        ({"epsilon": 1e-7}, r"'epsilon'.*eps"),
        ({"clipnorm": 1.0}, r"Keras's clipnorm= is not supported by deepgrad: .*clip_grad_norm_"),
        ({"name": "adam"}, r"'name'.*not named"),
        ({"betaz": (0.9, 0.99)}, r"unexpected keyword argument 'betaz'; did you mean 'betas'\?"),
    ],
)
def test_keras_spellings_are_refused_naming_deepgrads(kwargs, match):
    with pytest.raises(TypeError, match=match):
        optim.Adam(**kwargs)


def test_valid_keywords_and_subclasses_still_construct():
    w = dg.tensor([1.0], requires_grad=True)
    assert optim.SGD(params=[w], lr=0.1, momentum=0.9).param_groups[0]["momentum"] == 0.9

    class Mine(optim.SGD):  # a subclass passing its parent arguments its own signature lacks
        def __init__(self, params, lr=0.1):
            super().__init__(params, lr=lr, momentum=0.5)

    assert Mine([w]).param_groups[0]["momentum"] == 0.5
    with pytest.raises(TypeError, match="'momentum'"):
        Mine([w], momentum=0.9)


# ---- against Keras ---------------------------------------------------------------------------------
def test_recorded_configs_are_keras():
    keras = _keras()

    def same(config, recorded):
        # Keras numbers the names of later optimizers of a class in a process (sgd_1, ...)
        assert config.pop("name").startswith(recorded["name"])
        assert config == {k: v for k, v in recorded.items() if k != "name"}

    sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    same(sgd.get_config(), KERAS_SGD_CONFIG)
    adam = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, amsgrad=True)
    same(adam.get_config(), KERAS_ADAM_CONFIG)


def test_sgd_from_keras_config_steps_as_keras():
    keras = _keras()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    w0 = rng.normal(size=(3, 1)).astype("float32")
    km = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    km.set_weights([w0])
    kopt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    km.compile(kopt, "mse")
    km.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    model = nn.Sequential(nn.Linear(3, 1, bias=False))
    model[0].weight.data[...] = w0.T
    model.compile(optim.SGD.from_config(kopt.get_config()), "mse")
    model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(model[0].weight.numpy().T, km.get_weights()[0], rtol=1e-5, atol=1e-6)
    assert int(kopt.iterations) == model.optimizer.iterations == 12
    kopt.learning_rate.assign(0.01)
    model.optimizer.learning_rate.assign(0.01)
    assert float(kopt.learning_rate.numpy()) == pytest.approx(
        float(model.optimizer.learning_rate.numpy())
    )
