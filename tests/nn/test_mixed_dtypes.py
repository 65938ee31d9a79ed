"""A float64 input into float32 layers: PyTorch refuses it in ``Linear``, ``Bilinear`` (and so
``MultiheadAttention``), the batch, layer and group norms, convolutions and recurrent layers;
deepgrad refuses it too (it promoted silently in the first four), naming both dtypes and
the two casts that fix it. A float16 input takes float32 norm parameters, as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

CASES = [
    ("Linear", (3, 2), [(2, 3)]),
    ("Bilinear", (3, 3, 2), [(2, 3), (2, 3)]),
    ("MultiheadAttention", (4, 2), [(2, 1, 4)] * 3),
    ("BatchNorm1d", (3,), [(2, 3)]),
    ("LayerNorm", (3,), [(2, 3)]),
    ("GroupNorm", (1, 3), [(2, 3, 4)]),
    ("Conv2d", (1, 2, 3), [(1, 1, 5, 5)]),
]


@pytest.mark.parametrize(("name", "args", "shapes"), CASES)
def test_float64_input_into_float32_layers_is_refused_as_torch(name, args, shapes) -> None:
    xs = [np.ones(s) for s in shapes]  # float64
    with pytest.raises(RuntimeError):
        getattr(torch.nn, name)(*args)(*[torch.tensor(x) for x in xs])
    with pytest.raises(RuntimeError, match=r"float64.*float32|float32.*float64"):
        getattr(dg.nn, name)(*args)(*[dg.tensor(x) for x in xs])
    with pytest.raises(TypeError):  # deepgrad's earlier class for such refusals, still caught
        getattr(dg.nn, name)(*args)(*[dg.tensor(x) for x in xs])
    # the fixes the message names: cast the input, or the module
    out = getattr(dg.nn, name)(*args)(*[dg.tensor(x).float() for x in xs])
    assert (out[0] if isinstance(out, tuple) else out).dtype == np.float32
    out = getattr(dg.nn, name)(*args).double()(*[dg.tensor(x) for x in xs])
    assert (out[0] if isinstance(out, tuple) else out).dtype == np.float64


def test_functional_forms_refuse_mixed_dtypes_too() -> None:
    F = dg.nn.functional
    x, w = dg.ones(2, 3, dtype=dg.float64), dg.ones(4, 3)
    with pytest.raises(
        RuntimeError, match="linear: the input's dtype float64 differs from the weight's float32"
    ):
        F.linear(x, w)
    with pytest.raises(RuntimeError, match="the bias's float32"):
        F.linear(x, w.double(), dg.zeros(4))
    with pytest.raises(RuntimeError, match="running_mean's float32"):
        F.batch_norm(x, dg.zeros(3), dg.ones(3))
    half = dg.ones(2, 3, dtype=dg.float16)  # float16 input with float32 parameters: taken
    assert F.layer_norm(half, (3,), dg.ones(3), dg.zeros(3)).shape == (2, 3)
    torch.nn.functional.layer_norm(torch.ones(2, 3, dtype=torch.float16), (3,), torch.ones(3))
