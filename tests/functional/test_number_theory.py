"""gcd and lcm (deepgrad.functional.number_theory), against torch."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_matches_torch_with_broadcast_signs_and_zeros(name):
    a = np.array([[12, -18, 0, 7, 0]])
    b = np.array([[8], [-12], [0]])
    got = getattr(dg, name)(dg.tensor(a), dg.tensor(b))
    want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.dtype == np.int64
    assert getattr(dg.tensor(a), name)(dg.tensor(b)).shape == (3, 5)
    x = dg.tensor([12, 18])
    getattr(x, name + "_")(dg.tensor([8, 4]))
    assert x.tolist() == getattr(torch, name)(torch.tensor([12, 18]), torch.tensor([8, 4])).tolist()


def test_refuses_floats():
    with pytest.raises(NotImplementedError, match="integer"):  # torch's error type
        dg.gcd(dg.tensor([1.0]), dg.tensor([2.0]))
