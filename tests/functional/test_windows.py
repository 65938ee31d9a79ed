"""The *_window factories (deepgrad.functional.windows), against torch."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

NAMES = ["hann", "hamming", "blackman", "bartlett", "kaiser"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("length", [0, 1, 2, 3, 8, 33])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(name, length, periodic, dtype):
    tdt = torch.float32 if dtype == np.float32 else torch.float64
    got = getattr(dg, name + "_window")(length, periodic, dtype=dtype)
    want = getattr(torch, name + "_window")(length, periodic, dtype=tdt)
    assert got.shape == tuple(want.shape) and got.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-13  # float32: within an ulp
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=tol)


def test_defaults_parameters_and_refusals():
    assert dg.hann_window(5).dtype == np.float32  # default dtype, periodic=True
    np.testing.assert_allclose(dg.hann_window(5).numpy(), torch.hann_window(5).numpy(), atol=1e-7)
    np.testing.assert_allclose(
        dg.kaiser_window(7, False, 5.0).numpy(),
        torch.kaiser_window(7, False, 5.0).numpy(),
        atol=2e-7,
    )
    np.testing.assert_allclose(
        dg.hamming_window(7, False, 0.6, 0.3).numpy(),
        torch.hamming_window(7, False, 0.6, 0.3).numpy(),
        atol=2e-7,
    )
    assert dg.hann_window(4, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):
        dg.hann_window(-1)
    with pytest.raises(RuntimeError, match="floating"):
        dg.hann_window(4, dtype=np.int64)
    with pytest.raises(TypeError):
        dg.hann_window(4, dtyp=np.float64)
