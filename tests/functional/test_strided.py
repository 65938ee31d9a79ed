"""``as_strided`` / ``storage_offset`` against PyTorch 2.13: values, the view's memory sharing,
the bounds and argument errors, and the gradient (overlapping outputs and inputs)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

INPUTS = {
    "plain": lambda x: x,
    "transposed": lambda x: x.t(),
    "sliced": lambda x: x[1:],
    "expanded": lambda x: x[:1].expand(3, 3),
}
ARGS = [((3, 2), (1, 1)), ((2, 2), (3, 1), 1), ((5,), (2,), 0), ((2, 3), (0, 1)), ((0, 4), (1, 9))]


@pytest.mark.parametrize("make", INPUTS)
@pytest.mark.parametrize("args", ARGS)
def test_as_strided_values_and_gradient_as_torch(make, args):
    a = np.random.default_rng(0).standard_normal((4, 3))
    res = []
    for lib in (dg, torch):
        x = lib.tensor(a, requires_grad=True)
        y = INPUTS[make](x)
        out = y.as_strided(*args)
        w = np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape))
        (out * lib.tensor(w)).sum().backward()
        res.append((y.storage_offset(), out.detach().numpy(), x.grad.numpy()))
    assert res[0][0] == res[1][0]
    np.testing.assert_array_equal(res[0][1], res[1][1])
    np.testing.assert_allclose(res[0][2], res[1][2], rtol=1e-12)


def test_as_strided_gradcheck_and_function_form():
    x = dg.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    assert dg.gradcheck(lambda x: x.t().as_strided((3, 2), (1, 1), 1) ** 2, (x,))
    assert dg.gradcheck(lambda x: dg.as_strided(x[1:], (3, 2), (1, 2)), (x,))


def test_as_strided_is_a_view_of_the_storage():
    for lib in (dg, torch):
        x = lib.arange(6.0)
        v = x[2:].as_strided((2,), (2,), 1)  # the offset counts from the storage's start
        v.fill_(9.0)
        assert x.tolist() == [0.0, 9.0, 2.0, 9.0, 4.0, 5.0]
        assert x[2:].as_strided((2,), (1,)).tolist() == [2.0, 9.0]  # default: its own offset


@pytest.mark.parametrize(
    "args",
    [((4,), (2,)), ((2,), (-1,)), ((-1,), (1,)), ((2,), (1,), -1), ((2, 2), (1, 2), 3),
     ((1,), (1,), 6)],
)  # fmt: skip
def test_as_strided_errors_as_torch(args):
    msgs = []
    for lib in (dg, torch):
        with pytest.raises(RuntimeError) as err:
            lib.arange(6.0).as_strided(*args)
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]
    assert dg.arange(6.0).as_strided((0,), (1,), 7).shape == (0,)  # nothing to read: no check


def test_negation_is_never_lazy_as_a_plain_torch_tensor():
    for lib in (dg, torch):
        x = lib.tensor([1.0, -2.0])
        assert x.resolve_neg() is x and lib.resolve_neg(x) is x
        assert not x.is_neg() and not lib.is_neg(x)
        assert lib.resolve_conj(x) is x and not lib.is_conj(x)
