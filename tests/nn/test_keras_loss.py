"""Keras's loss names compute what Keras computes: values and gradients against Keras 3 itself
(torch backend), float64 gradchecks, and the refusals where Keras would clip logits into a
silently wrong number."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

os.environ.setdefault("KERAS_BACKEND", "torch")


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons need Keras on its torch backend")
    return keras


def _cases(rng):
    n, c = 6, 4
    logits = rng.standard_normal((n, c))
    e = np.exp(logits)
    probs = e / e.sum(1, keepdims=True)
    labels = rng.integers(0, c, n)
    onehot = np.eye(c)[labels]
    soft = rng.dirichlet(np.ones(c), n)
    binp = 1 / (1 + np.exp(-logits))
    bin_y = (rng.random((n, c)) > 0.5).astype(np.float64)
    values = rng.standard_normal((n, c)) * 2
    target = rng.standard_normal((n, c))
    rates = np.exp(rng.standard_normal((n, c)))
    counts = rng.poisson(2.0, (n, c)).astype(np.float64)
    pm1 = bin_y * 2 - 1
    # (name, options, predictions, targets, keras call)
    return [
        ("binary_crossentropy", {}, binp, bin_y, {}),
        ("binary_crossentropy", {"from_logits": True}, logits, bin_y, {"from_logits": True}),
        ("binary_crossentropy", {"label_smoothing": 0.2}, binp, bin_y, {"label_smoothing": 0.2}),
        ("categorical_crossentropy", {}, probs, onehot, {}),
        ("categorical_crossentropy", {}, probs * 3.0, soft, {}),  # rows rescaled, as Keras
        ("categorical_crossentropy", {"from_logits": True}, logits, soft, {"from_logits": True}),
        (
            "categorical_crossentropy",
            {"label_smoothing": 0.1},
            probs,
            onehot,
            {"label_smoothing": 0.1},
        ),
        ("sparse_categorical_crossentropy", {}, probs, labels, {}),
        (
            "sparse_categorical_crossentropy",
            {"from_logits": True},
            logits,
            labels,
            {"from_logits": True},
        ),
        ("kl_divergence", {}, probs, soft, {}),
        ("kld", {}, probs, soft, {}),
        ("hinge", {}, values, pm1, {}),
        ("hinge", {}, values, bin_y, {}),  # 0/1 labels read as -1/+1
        ("squared_hinge", {}, values, pm1, {}),
        ("log_cosh", {}, values, target, {}),
        ("poisson", {}, rates, counts, {}),
        ("huber", {}, values, target, {}),
        ("mean_squared_error", {}, values, target, {}),
        ("mse", {}, values, target, {}),
        ("mean_absolute_error", {}, values, target, {}),
        ("mae", {}, values, target, {}),
    ]


REFERENCE = Path(__file__).with_name("keras_loss_reference.json")


def keras_reference() -> list[dict]:
    """Each case's loss and gradient as Keras computes them (``keras.losses.get(name)``, mean
    over the batch, torch autograd through Keras's torch backend)."""
    keras = _keras()
    import torch

    out = []
    for name, opts, pred, y, kopts in _cases(np.random.default_rng(0)):
        tp = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
        value = keras.losses.get(name)(torch.tensor(y), tp, **kopts).mean()
        value.backward()
        out.append(
            {"name": name, "options": opts, "value": value.item(), "grad": tp.grad.numpy().tolist()}
        )
    return out


def test_keras_names_match_keras_values_and_gradients():
    """Against values recorded from Keras 3.15.1 on its torch backend (importing Keras takes
    tens of seconds, too long for every run): ``DEEPGRAD_TEST_KERAS=1`` recomputes them with
    the installed Keras instead; ``python tests/nn/test_keras_loss.py`` rewrites the file."""
    if os.environ.get("DEEPGRAD_TEST_KERAS"):
        reference = keras_reference()
    else:
        reference = json.loads(REFERENCE.read_text())
    cases = _cases(np.random.default_rng(0))
    assert len(reference) == len(cases)
    for ref, (name, opts, pred, y, _) in zip(reference, cases):
        assert (ref["name"], ref["options"]) == (name, opts)
        x = dg.tensor(pred, dtype="float64", requires_grad=True)
        got = nn.loss.get(name, **opts)(x, y)
        got.backward()
        where = f"{name} {opts}"
        # Keras's torch backend takes its per-sample mean (ops.mean) in float32 even for
        # float64 inputs: agreement to ~1e-8 is all its own numbers carry
        assert got.item() == pytest.approx(ref["value"], rel=1e-6, abs=1e-9), where
        np.testing.assert_allclose(
            x.grad.numpy(), np.asarray(ref["grad"]), rtol=1e-6, atol=1e-9, err_msg=where
        )


def test_keras_losses_pass_gradcheck_in_float64():
    rng = np.random.default_rng(1)
    for name, opts, pred, y, _ in _cases(rng):
        loss = nn.loss.get(name, **opts)
        x = dg.tensor(pred, dtype="float64", requires_grad=True)
        assert dg.gradcheck(lambda t, loss=loss, y=y: loss(t, y), (x,)), f"{name} {opts}"


def test_reductions_are_keras_per_sample_ones():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(3), 5)
    y = np.eye(3)[rng.integers(0, 3, 5)]
    per = nn.CategoricalCrossentropy(reduction="none")(dg.tensor(p), y).numpy()
    assert per.shape == (5,)
    np.testing.assert_allclose(per, -np.log(np.clip((p * y).sum(1), 1e-7, 1 - 1e-7)), rtol=1e-6)
    total = nn.CategoricalCrossentropy(reduction="sum")(dg.tensor(p), y).item()
    assert total == pytest.approx(per.sum(), rel=1e-6)
    # Keras's own name for the default
    mean = nn.CategoricalCrossentropy(reduction="sum_over_batch_size")(dg.tensor(p), y).item()
    assert mean == pytest.approx(per.mean(), rel=1e-6)
    with pytest.raises(ValueError, match="reduction must be 'mean'"):
        nn.Hinge(reduction="batchmean")


def test_probability_losses_refuse_logits_instead_of_clipping_them():
    logits = dg.tensor([[2.0, -1.0, 0.5], [-3.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="categorical_crossentropy .*from_logits=True"):
        nn.loss.get("categorical_crossentropy")(logits, np.eye(3)[[0, 1]])
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy .*Softmax"):
        nn.loss.get("sparse_categorical_crossentropy")(logits, [0, 1])
    with pytest.raises(ValueError, match=r"binary_crossentropy .*in \[0, 1\]"):
        nn.loss.get("binary_crossentropy")(logits, np.ones((2, 3)))
    with pytest.raises(ValueError, match="kl_divergence .*probabilities"):
        nn.loss.get("kld")(logits, np.full((2, 3), 1 / 3))
    # integer labels to the one-hot loss: the advice names the sparse one
    model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
    model.compile("sgd", loss="categorical_crossentropy")
    x = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, np.arange(8) % 3, epochs=1, verbose=0)


def test_compile_with_keras_names_trains_like_the_deepgrad_equivalent():
    """A softmax model under Keras's sparse_categorical_crossentropy and a logits model
    under cross_entropy (same weights) take the same steps: the two contracts agree."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    dg.manual_seed(0)
    a = nn.Sequential(nn.Linear(4, 3))
    b = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
    b[0].load_state_dict(a[0].state_dict())
    a.compile(dg.optim.SGD(lr=0.1), loss="cross_entropy", metrics=["accuracy"])
    b.compile(dg.optim.SGD(lr=0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ha = a.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    hb = b.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-4)
    assert ha.history["accuracy"] == hb.history["accuracy"]
    # binary: Keras's from_logits=True is bce_with_logits; accuracy thresholds logits at 0
    yb = (x[:, 0] > 0).astype(np.float32)[:, None]
    c = nn.Sequential(nn.Linear(4, 1))
    c.compile(
        "sgd", loss=nn.loss.get("binary_crossentropy", from_logits=True), metrics=["accuracy"]
    )
    h = c.fit(x, yb, epochs=1, verbose=0)
    pred = (c.predict(x) > 0).astype(np.float32)
    assert c.evaluate(x, yb, verbose=0, return_dict=True)["accuracy"] == pytest.approx(
        float((pred == yb).mean())
    )
    assert np.isfinite(h.history["loss"][0])


if __name__ == "__main__":  # rewrite the recorded Keras values
    REFERENCE.write_text(json.dumps(keras_reference(), indent=1) + "\n")
    print(f"wrote {REFERENCE}")
