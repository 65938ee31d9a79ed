"""F.relu_, elu_, leaky_relu_, hardtanh_, threshold_, celu_, selu_, rrelu_ against PyTorch:
the same values written into the same tensor (and into the base of a view), integer tensors
where PyTorch takes them, and the refusals of deepgrad's in-place rule while recording."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.nn import functional as F

CALLS = [
    ("relu_", ()),
    ("elu_", ()),
    ("elu_", (0.5,)),
    ("leaky_relu_", ()),
    ("leaky_relu_", (0.2,)),
    ("hardtanh_", ()),
    ("hardtanh_", (-0.5, 2.0)),
    ("threshold_", (0.1, -7.0)),
    ("celu_", ()),
    ("celu_", (2.0,)),
    ("selu_", ()),
    ("rrelu_", ()),
    ("rrelu_", (0.2, 0.4)),
]


@pytest.mark.parametrize("name,args", CALLS)
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 2), (2, 3, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_as_torchs(torch, rng, name, args, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    a, b = dg.tensor(x), torch.tensor(x)
    assert getattr(F, name)(a, *args) is a
    assert getattr(torch.nn.functional, name)(b, *args) is b
    assert a.dtype == dtype
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_views_integers_and_rrelu_training(torch):
    base = dg.tensor([[-1.0, 2.0], [-3.0, 4.0]])
    F.relu_(base[1])  # a view: its base changes, as in PyTorch
    assert base.tolist() == [[-1.0, 2.0], [0.0, 4.0]]
    for name, args in (("relu_", ()), ("hardtanh_", ()), ("threshold_", (1, 9))):
        a, b = dg.tensor([-2, 0, 3]), torch.tensor([-2, 0, 3])
        getattr(F, name)(a, *args)
        getattr(torch.nn.functional, name)(b, *args)
        assert a.tolist() == b.tolist() and a.dtype == np.int64
    with pytest.raises(TypeError, match="elu_"):  # PyTorch: NotImplementedError for Long
        F.elu_(dg.tensor([-2, 0, 3]))
    x = dg.tensor(np.linspace(-2, 2, 50))
    dg.manual_seed(4)
    F.rrelu_(x, 0.1, 0.3, True)  # the same draws as the out-of-place form
    dg.manual_seed(4)
    expected = F.rrelu(dg.tensor(np.linspace(-2, 2, 50)), 0.1, 0.3, True)
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


def test_in_place_and_autograd(torch):
    leaf = dg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_"):  # PyTorch refuses a leaf too
        F.relu_(leaf)
    with pytest.raises(RuntimeError):
        torch.nn.functional.relu_(torch.randn(3, requires_grad=True))
    with dg.no_grad():  # allowed there, as PyTorch's parameter edits
        F.hardtanh_(leaf, 0.0, 0.5)
    assert leaf.requires_grad and leaf.min().item() >= 0.0 and leaf.max().item() <= 0.5


@pytest.mark.parametrize(
    "name, args", [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)),
                   ("threshold_", (0.1, -2.0)), ("celu_", (1.5,)), ("selu_", ())],
)  # fmt: skip
def test_a_write_into_a_graph_node_is_recorded_as_torch(torch, name, args):
    def run(m):
        a = m.tensor(np.linspace(-2, 2, 7), requires_grad=True)
        y = a * 1.5
        assert getattr(m.nn.functional, name)(y, *args) is y
        (y * m.arange(7.0, dtype=m.float64)).sum().backward()
        return y.tolist(), a.grad.tolist()

    got, want = run(dg), run(torch)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


def test_top_level_in_place_activations_are_pytorchs(torch):
    """torch.relu_(x), torch.selu_, torch.celu_, torch.rrelu_, torch.threshold_ exist at the
    top level too: the same functions as F's (torch.nn.functional's path, both taking
    PyTorch's input=)."""
    import numpy as np

    import deepgrad as dg
    import deepgrad.nn.functional as F

    for name in ("relu_", "selu_", "celu_", "rrelu_", "threshold_"):
        assert getattr(dg, name) is getattr(F, name) and hasattr(torch, name)
    a = np.array([-1.5, 0.0, 2.0], np.float32)
    x, t = dg.tensor(a), torch.tensor(a)
    assert dg.threshold_(x, 0.5, 9.0) is x
    torch.threshold_(t, 0.5, 9.0)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
