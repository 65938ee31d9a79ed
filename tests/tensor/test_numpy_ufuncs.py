"""NumPy's ufuncs on tensors, as PyTorch's tensors take them (``__array__`` then
``__array_wrap__``: the result is a tensor, no graph), and operators with an array or NumPy
scalar on the left, which run as the tensor's reflected operator (deepgrad's promotion and
graph; PyTorch raises there: README)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "call",
    [
        lambda x: np.exp(x),
        lambda x: np.sqrt(x),
        lambda x: np.maximum(x, 1.5),
        lambda x: np.add(x, 2),
        lambda x: np.multiply(x, x),
        lambda x: np.add.reduce(x),
        lambda x: np.modf(x)[0],
        lambda x: np.modf(x)[1],
        lambda x: np.float32(2) * x,
        lambda x: np.exp(x[0]),
    ],
)
def test_a_ufunc_on_a_tensor_gives_a_tensor_of_pytorchs_values(call):
    v = np.array([0.5, 1.0, 2.5], np.float32)
    want = call(torch.from_numpy(v.copy()))
    got = call(dg.tensor(v))
    assert isinstance(got, dg.Tensor) and isinstance(want, torch.Tensor)
    assert got.shape == tuple(want.shape) and got.dtype == want.numpy().dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_an_array_on_the_left_runs_the_tensors_reflected_operator_with_its_graph():
    a = np.array([1.0, 2.0], np.float32)
    x = dg.tensor([3.0, 4.0], requires_grad=True)
    for y, want in (
        (a * x, [3.0, 8.0]),
        (a + x, [4.0, 6.0]),
        (a - x, [-2.0, -2.0]),
        (a / x, [1 / 3, 0.5]),
        (a**x, [1.0, 16.0]),
    ):
        assert isinstance(y, dg.Tensor) and y.requires_grad
        np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-6)
    (a * x).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]
    assert (a < x).tolist() == [True, True] and (a >= x).tolist() == [False, False]
    assert (np.array([[1.0, 0.0]], np.float32) @ dg.eye(2)).tolist() == [[1.0, 0.0]]


def test_a_ufunc_writing_into_an_array_leaves_it_an_array():
    a = np.zeros(2, np.float32)
    a += dg.tensor([1.0, 2.0])
    assert type(a) is np.ndarray and a.tolist() == [1.0, 2.0]
    out = np.empty(2, np.float32)
    assert np.exp(dg.zeros(2), out=out) is out and out.tolist() == [1.0, 1.0]


def test_no_graph_is_recorded_through_numpy():
    x = dg.tensor([1.0], requires_grad=True)
    y = np.exp(x)
    assert not y.requires_grad and y._creator is None
