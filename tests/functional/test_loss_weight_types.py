"""A loss's ``weight`` / ``pos_weight`` that is not a tensor (a list, a tuple, a NumPy array, a
number) against torch 2.13: refused where torch refuses it, with an exception of torch's class
("cross_entropy_loss(): argument 'weight' (position 3) must be Tensor, not list"; the losses
torch writes in Python fail on ``weight.size()`` / ``weight.dim()`` with ``AttributeError``
or ``TypeError``: deepgrad's refusal is both), and the same values where torch takes it
(``multilabel_soft_margin_loss`` multiplies by a number or an array)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
P = 1 / (1 + np.exp(-X))
Y = rng.uniform(0, 1, (4, 3))
LAB = np.array([0, 1, 2, 1])
BIN = (Y > 0.5).astype(np.float64)

#: name: (function, its tensors, the weight's keyword)
CALLS = {
    "cross_entropy": ("cross_entropy", (X, LAB), "weight"),
    "nll_loss": ("nll_loss", (X, LAB), "weight"),
    "binary_cross_entropy": ("binary_cross_entropy", (P, Y), "weight"),
    "bce_with_logits weight": ("binary_cross_entropy_with_logits", (X, Y), "weight"),
    "bce_with_logits pos_weight": ("binary_cross_entropy_with_logits", (X, Y), "pos_weight"),
    "multi_margin_loss": ("multi_margin_loss", (X, LAB), "weight"),
    "multilabel_soft_margin_loss": ("multilabel_soft_margin_loss", (X, BIN), "weight"),
    "mse_loss": ("mse_loss", (X, Y), "weight"),
    "l1_loss": ("l1_loss", (X, Y), "weight"),
    "huber_loss": ("huber_loss", (X, Y), "weight"),
}

VALUES = {
    "list": lambda shape: np.ones(shape).tolist(),
    "tuple": lambda shape: tuple(np.ones(shape).tolist()),
    "ndarray": lambda shape: np.full(shape, 2.0),
    "float": lambda shape: 2.0,
    "numpy float": lambda shape: np.float64(2.0),
}


def _shape(name: str) -> tuple:
    return (4, 3) if name in ("mse_loss", "l1_loss", "huber_loss") else (3,)


def _run(lib, name: str, kind: str):
    fn, arrays, key = CALLS[name]
    F = lib.nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(F, fn)(
                *[lib.tensor(a) for a in arrays], **{key: VALUES[kind](_shape(name))}
            )
        except Exception as e:  # noqa: BLE001 - the class is compared
            return e


@pytest.mark.parametrize("kind", list(VALUES))
@pytest.mark.parametrize("name", list(CALLS))
def test_untensored_weights_as_torch(name, kind):
    want, got = _run(torch, name, kind), _run(dg, name, kind)
    if isinstance(want, Exception):
        assert isinstance(got, type(want)), f"torch raised {want!r}, deepgrad gave {got!r}"
        return
    assert not isinstance(got, Exception), f"torch returned {want!r}, deepgrad raised {got!r}"
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda F: F.cross_entropy(dg.tensor(X), dg.tensor(LAB), weight=[1.0, 2.0, 3.0]),
            r"cross_entropy\(\): argument 'weight' \(position 3\) must be Tensor, not list",
        ),
        (
            lambda F: F.nll_loss(dg.tensor(X), dg.tensor(LAB), np.ones(3)),
            r"nll_loss\(\): argument 'weight' \(position 3\) must be Tensor, not numpy.ndarray",
        ),
        (
            lambda F: F.binary_cross_entropy_with_logits(
                dg.tensor(X), dg.tensor(Y), pos_weight=2.0
            ),
            r"argument 'pos_weight' \(position 4\) must be Tensor, not float",
        ),
        (
            lambda F: F.mse_loss(dg.tensor(X), dg.tensor(Y), weight=np.ones((4, 3))),
            r"mse_loss\(\): argument 'weight' \(position 6\) must be Tensor, not numpy.ndarray",
        ),
        (
            lambda F: F.multi_margin_loss(dg.tensor(X), dg.tensor(LAB), weight=[1.0, 1.0, 1.0]),
            r"multi_margin_loss\(\): argument 'weight' \(position 5\) must be Tensor, not list",
        ),
    ],
)
def test_the_refusal_names_the_argument_and_the_fix(call, words):
    with pytest.raises(TypeError, match=words) as info:
        call(dg.nn.functional)
    assert "deepgrad.tensor(" in str(info.value)


def test_tensor_weights_still_match_torch():
    for lib in (torch, dg):
        w = lib.tensor([1.0, 2.0, 0.5], dtype=lib.float64)
        out = lib.nn.functional.cross_entropy(lib.tensor(X), lib.tensor(LAB), weight=w)
        if lib is torch:
            want = out.item()
    assert out.item() == pytest.approx(want, rel=1e-12)
