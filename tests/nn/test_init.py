"""trunc_normal_, eye_, dirac_ as in torch.nn.init."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.nn import init


@pytest.mark.parametrize("shape, groups", [((3, 4, 3, 3), 1), ((4, 2, 3), 2), ((2, 2, 3, 3, 3), 1)])
def test_dirac_equals_torch_and_passes_the_input_through(shape, groups, torch):
    w = dg.zeros(*shape)
    init.dirac_(w, groups)
    tw = torch.zeros(*shape)
    torch.nn.init.dirac_(tw, groups)
    np.testing.assert_array_equal(w.numpy(), tw.numpy())
    if shape == (3, 4, 3, 3):
        conv = dg.nn.Conv2d(4, 3, 3, padding=1, bias=False)
        init.dirac_(conv.weight)
        x = dg.randn(1, 4, 5, 5)
        np.testing.assert_allclose(conv(x).numpy(), x.numpy()[:, :3])


def test_eye_and_trunc_normal():
    w = dg.zeros(3, 5)
    np.testing.assert_array_equal(init.eye_(w).numpy(), np.eye(3, 5))
    dg.manual_seed(0)
    t = init.trunc_normal_(dg.zeros(100_000), mean=0.5, std=1.0, a=-1.0, b=1.0).numpy()
    assert t.dtype == np.float32 and t.min() >= -1.0 and t.max() <= 1.0
    # moments of N(0.5, 1) truncated to [-1, 1]: mean 0.1439, std 0.5296
    assert abs(t.mean() - 0.1439) < 0.01 and abs(t.std() - 0.5296) < 0.01
    dg.manual_seed(0)
    again = init.trunc_normal_(dg.zeros(100_000), mean=0.5, std=1.0, a=-1.0, b=1.0).numpy()
    np.testing.assert_array_equal(t, again)
    with pytest.raises(ValueError, match="needs a 2-D tensor"):
        init.eye_(dg.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="a <= b"):
        init.trunc_normal_(dg.zeros(3), a=1.0, b=-1.0)
    with pytest.raises(ValueError, match="not divisible by groups"):
        init.dirac_(dg.zeros(3, 1, 3), groups=2)


def test_torch_argument_names_generator_and_the_old_spellings(torch):
    """PyTorch's keywords (``tensor=``, ``constant_(w, val=)``, ``generator=``), the gains of
    every conv/transposed conv, ``sparse_`` and the deprecated names without ``_``."""
    import warnings

    w = dg.zeros(2, 3)
    np.testing.assert_array_equal(init.constant_(tensor=w, val=0.5).numpy(), np.full((2, 3), 0.5))
    for name in ("conv3d", "conv_transpose1d", "conv_transpose3d"):
        assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name) == 1
    a, b = dg.zeros(4, 5), dg.zeros(4, 5)
    init.kaiming_uniform_(a, a=5**0.5, generator=dg.Generator().manual_seed(3))
    init.kaiming_uniform_(b, a=5**0.5, generator=dg.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    bound = 1 / 5**0.5  # gain √(2/6) · √(3 / fan_in)
    assert np.abs(a.numpy()).max() <= bound and len(np.unique(a.numpy())) == 20
    s = init.sparse_(dg.zeros(10, 6), sparsity=0.3, std=0.1).numpy()
    assert ((s == 0).sum(axis=0) == 3).all()  # ceil(0.3 · 10) zeros in each column
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(dg.zeros(3), 0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        init.constant(w, 2.0)
        init.xavier_uniform(w)
    assert [str(c.message) for c in caught][0] == (
        "`nn.init.constant` is now deprecated in favor of `nn.init.constant_`."
    )
    assert all(c.category is FutureWarning for c in caught)


def test_pytorch_private_fan_helpers_that_public_code_calls():
    torch = pytest.importorskip("torch")
    for shape in [(300, 400), (64, 32, 3, 3), (0, 3), (3, 0)]:
        want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
        assert init._calculate_fan_in_and_fan_out(dg.empty(*shape)) == want
        for mode in ("fan_in", "fan_out"):
            got = init._calculate_correct_fan(dg.empty(*shape), mode)
            assert got == torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)
    for lib in (torch.nn.init, init):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib._calculate_fan_in_and_fan_out(dg.empty(5) if lib is init else torch.empty(5))
        with pytest.raises(ValueError, match="not a valid number"):
            lib.calculate_gain("leaky_relu", True)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.orthogonal_(dg.empty(0, 3)).shape == (0, 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda T, w: T.nn.init.uniform_(w, 1, 0),
        lambda T, w: T.nn.init.normal_(w, std=-1),
        lambda T, w: T.nn.init.trunc_normal_(w, a=2, b=-2),
    ],
)
def test_impossible_fills_raise_pytorchs_class(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as want:
        call(torch, torch.empty(3, 2))
    with pytest.raises(type(want.value)):
        call(dg, dg.empty(3, 2))


def test_trunc_normal_onto_one_point_and_gain_types_are_pytorchs():
    torch = pytest.importorskip("torch")
    w = dg.nn.init.trunc_normal_(dg.empty(3), a=0.5, b=0.5)
    assert w.tolist() == torch.nn.init.trunc_normal_(torch.empty(3), a=0.5, b=0.5).tolist()
    for name in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu"):
        want = torch.nn.init.calculate_gain(name)
        got = dg.nn.init.calculate_gain(name)
        assert got == want and type(got) is type(want)
