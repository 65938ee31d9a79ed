"""NumPy arrays where PyTorch requires a Tensor (README, "Coming from PyTorch or Keras"):
operands after the first, loss targets and a module's input are taken as ``dg.tensor(a)``,
the same numbers PyTorch gives for the tensor; parameter arguments (weights, biases, running
statistics) are PyTorch's ``TypeError``, not an ``AttributeError`` from inside."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

F32 = np.float32

TAKEN = {
    "x + a": lambda L, F, x, a: x + a,
    "add(x, a)": lambda L, F, x, a: L.add(x, a),
    "cat([x, a])": lambda L, F, x, a: L.cat([x, a]),
    "where(x > 0, x, a)": lambda L, F, x, a: L.where(x > 0, x, a),
    "maximum(x, a)": lambda L, F, x, a: L.maximum(x, a),
    "mse_loss(x, a)": lambda L, F, x, a: F.mse_loss(x, a),
}


@pytest.mark.parametrize("case", list(TAKEN))
def test_array_operands_are_taken_as_tensors(torch, case):
    x = np.array([1.0, -2.0, 3.0], F32)
    a = np.array([0.5, 4.0, -1.0], F32)
    f = TAKEN[case]
    want = f(torch, torch.nn.functional, torch.tensor(x), torch.tensor(a))
    if case != "x + a":  # PyTorch's own refusal of the array (its x + a takes it)
        with pytest.raises(TypeError):
            f(torch, torch.nn.functional, torch.tensor(x), a)
    got = f(dg, dg.nn.functional, dg.tensor(x), a)
    assert got.dtype == dg.float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


REFUSED = {
    "linear weight": lambda F, a: F.linear(dg.ones(1, 3), a((2, 3))),
    "linear bias": lambda F, a: F.linear(dg.ones(1, 3), dg.ones(2, 3), a((2,))),
    "bilinear weight": lambda F, a: F.bilinear(dg.ones(1, 2), dg.ones(1, 2), a((1, 2, 2))),
    "embedding weight": lambda F, a: F.embedding(dg.tensor([0]), a((2, 3))),
    "embedding_bag weight": lambda F, a: F.embedding_bag(dg.tensor([0]), a((2, 3)), dg.tensor([0])),
    "layer_norm weight": lambda F, a: F.layer_norm(dg.ones(2, 3), (3,), a((3,))),
    "group_norm bias": lambda F, a: F.group_norm(dg.ones(2, 4), 2, None, a((4,))),
    "batch_norm running_mean": lambda F, a: F.batch_norm(dg.ones(2, 3), a((3,)), dg.ones(3)),
    "instance_norm weight": lambda F, a: F.instance_norm(dg.ones(2, 3, 4), weight=a((3,))),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_array_parameters_are_refused_as_torch(case):
    with pytest.raises(TypeError, match="must be Tensor, not numpy.ndarray"):
        REFUSED[case](dg.nn.functional, lambda shape: np.ones(shape, F32))


def test_array_as_a_functions_first_input_or_per_sample_weights_is_refused(torch):
    """``F.linear(array, w)`` and ``embedding_bag(per_sample_weights=array)``: PyTorch's
    ``TypeError`` (deepgrad raised an ``AttributeError`` from inside); ``nn.Linear`` still
    takes an array, as every module does."""
    a = np.ones((2, 3), F32)
    with pytest.raises(TypeError):
        torch.nn.functional.linear(a, torch.ones(2, 3))
    with pytest.raises(TypeError, match="argument 'input' must be Tensor, not numpy.ndarray"):
        dg.nn.functional.linear(a, dg.ones(2, 3))
    with pytest.raises(TypeError, match="'per_sample_weights' must be Tensor"):
        dg.nn.functional.embedding_bag(
            dg.tensor([0, 1]), dg.ones(3, 2), dg.tensor([0]), mode="sum",
            per_sample_weights=np.ones(2, F32),
        )  # fmt: skip
    assert dg.nn.Linear(3, 2)(a).shape == (2, 2)
