"""Loss modules' ``weight`` / ``pos_weight`` buffers against torch 2.13: a list, a NumPy array
or a number is torch's ``TypeError`` ("cannot assign 'list' object to buffer 'weight'"),
checked before ``MultiMarginLoss``'s own checks as torch orders them; a tensor is kept as the
buffer; a saved model whose compiled loss had tensor weights loads again (the config holds
them as arrays, made tensors again on loading)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

from ._as_torch import raised_alike

torch = pytest.importorskip("torch")

MODULES = {
    "CrossEntropyLoss": "weight",
    "NLLLoss": "weight",
    "BCELoss": "weight",
    "BCEWithLogitsLoss weight": "weight",
    "BCEWithLogitsLoss pos_weight": "pos_weight",
    "MultiMarginLoss": "weight",
    "MultiLabelSoftMarginLoss": "weight",
}

VALUES = {
    "list": [1.0, 2.0, 3.0],
    "ndarray": np.ones(3),
    "2-d ndarray": np.ones((2, 3)),
    "float": 2.0,
    "tensor": "T",
    "2-d tensor": "T2",
}


def _make(lib, name: str, kind: str, **kw):
    value = VALUES[kind]
    if isinstance(value, str) and value == "T":
        value = lib.ones(3)
    elif isinstance(value, str) and value == "T2":
        value = lib.ones(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(lib.nn, name.split()[0])(**{MODULES[name]: value}, **kw)
        except Exception as e:  # noqa: BLE001 - the class is compared
            return e


@pytest.mark.parametrize("kind", list(VALUES))
@pytest.mark.parametrize("name", list(MODULES))
def test_weight_buffers_as_torch(name, kind):
    want, got = _make(torch, name, kind), _make(dg, name, kind)
    if raised_alike(want, got):
        return
    key = MODULES[name]
    assert list(got.state_dict()) == list(want.state_dict())
    assert tuple(getattr(got, key).shape) == tuple(getattr(want, key).shape)


def test_buffer_refusal_words():
    with pytest.raises(TypeError, match=r"cannot assign 'list' object to buffer 'weight'"):
        dg.nn.CrossEntropyLoss(weight=[1.0, 2.0])
    with pytest.raises(
        TypeError, match=r"cannot assign 'numpy.ndarray' object to buffer 'pos_weight'"
    ):
        dg.nn.BCEWithLogitsLoss(pos_weight=np.ones(2))


def test_multi_margin_checks_in_torchs_order():
    for lib in (torch, dg):  # the buffer first, then p, then the weight's rank
        with pytest.raises(TypeError):
            lib.nn.MultiMarginLoss(p=3, weight=[1.0])
        with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
            lib.nn.MultiMarginLoss(p=3, weight=lib.ones(2, 2))
        with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D"):
            lib.nn.MultiMarginLoss(weight=lib.ones(2, 2))


def test_a_saved_weighted_loss_loads(tmp_path):
    for loss in (
        dg.nn.CrossEntropyLoss(weight=dg.tensor([1.0, 2.0])),
        dg.nn.BCEWithLogitsLoss(pos_weight=dg.tensor([2.0])),
        dg.nn.MultiMarginLoss(weight=dg.tensor([1.0, 3.0])),
    ):
        built = dg.io.module_from_config(dg.io.module_to_config(loss))
        assert type(built) is type(loss)
        for key in ("weight", "pos_weight"):
            a, b = getattr(loss, key, None), getattr(built, key, None)
            assert (a is None) == (b is None)
            if a is not None:
                assert isinstance(b, dg.Tensor) and b.dtype == a.dtype
                np.testing.assert_array_equal(b.numpy(), a.numpy())
    model = dg.nn.Sequential(dg.nn.Linear(3, 2))
    model.compile(optimizer="sgd", loss=dg.nn.CrossEntropyLoss(weight=dg.tensor([1.0, 2.0])))
    x = np.random.default_rng(0).random((8, 3)).astype(np.float32)
    model.fit(x, np.array([0, 1] * 4), epochs=1, verbose=0)
    model.save(tmp_path / "m.dg")
    back = dg.io.load_model(tmp_path / "m.dg")
    np.testing.assert_allclose(back(dg.tensor(x)).numpy(), model(dg.tensor(x)).numpy())
