"""In-place updates as PyTorch code writes them: ``with no_grad(): p -= lr * p.grad``, the
``add_``/``mul_``/``fill_``/``uniform_`` family, and the rule that protects the graph."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def test_hand_written_sgd_updates_parameters_in_place_like_pytorch(torch):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    w0, b0 = rng.normal(size=(3, 1)), np.zeros(1)
    w = dg.tensor(w0, dtype=dg.float64, requires_grad=True)
    b = dg.tensor(b0, dtype=dg.float64, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    tb = torch.tensor(b0, requires_grad=True)
    for _ in range(5):
        loss = ((dg.tensor(x) @ w + b - dg.tensor(y)) ** 2).mean()
        loss.backward()
        with dg.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad = b.grad = None
        tloss = ((torch.tensor(x) @ tw + tb - torch.tensor(y)) ** 2).mean()
        tloss.backward()
        with torch.no_grad():
            tw -= 0.1 * tw.grad
            tb -= 0.1 * tb.grad
        tw.grad = tb.grad = None
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=1e-12)
    assert w.requires_grad and w.grad_fn is None  # still the same leaf


def test_module_parameters_update_through_the_loop_variable():
    model = nn.Linear(2, 1)
    before = model.weight.numpy().copy()
    model(dg.randn(4, 2)).sum().backward()
    with dg.no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad
            p *= 1.0
            p /= 1.0
            p += 0.0
    np.testing.assert_allclose(model.weight.numpy(), before - 0.5 * model.weight.grad.numpy())


def test_leaf_requiring_grad_refuses_in_place_while_recording():
    w = dg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w -= 1.0
    for call in (lambda: w.add_(1.0), lambda: w.zero_(), lambda: w.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match="in-place operation on a tensor that takes part"):
            call()


def test_recorded_augmented_assignment_is_in_place_and_differentiable(torch):
    """``h += b`` inside a forward (graph recorded) is PyTorch's in-place write: its value and
    gradient, and every reference to ``h`` sees the result."""
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    h = a * 2
    old = h
    h += a
    h *= a
    h.sum().backward()
    ta = torch.tensor([1.0, 2.0], requires_grad=True)
    th = ta * 2
    th += ta
    th *= ta
    th.sum().backward()
    np.testing.assert_allclose(h.numpy(), th.detach().numpy())
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    assert old is h
    total = dg.zeros(())
    total += (a * a).sum()  # accumulating a loss: total now requires grad
    assert total.requires_grad


def test_in_place_family_values_dtypes_and_errors():
    x = dg.ones(2, 3)
    assert x.add_(dg.ones(3), alpha=2) is x
    np.testing.assert_allclose(x.numpy(), 3.0)
    x.sub_(1).mul_(2).div_(4)
    np.testing.assert_allclose(x.numpy(), 1.0)
    x.copy_(np.arange(3.0))
    np.testing.assert_allclose(x.numpy(), [[0, 1, 2], [0, 1, 2]])
    x.clamp_(min=0.5, max=1.5)
    np.testing.assert_allclose(x.numpy(), [[0.5, 1, 1.5], [0.5, 1, 1.5]])
    assert x.fill_(7).zero_().numpy().sum() == 0 and x.dtype == np.float32
    dg.manual_seed(3)
    u = dg.zeros(1000).uniform_(-2, 2)
    dg.manual_seed(3)
    assert np.array_equal(u.numpy(), dg.zeros(1000).uniform_(-2, 2).numpy())
    assert u.dtype == np.float32 and -2 <= u.numpy().min() and u.numpy().max() < 2
    n = dg.zeros(20000).normal_(1.0, 0.5)
    assert abs(n.numpy().mean() - 1.0) < 0.02 and abs(n.numpy().std() - 0.5) < 0.02
    with pytest.raises(ValueError, match=r"shape \(2, 3\) in place with one of shape \(4, 2, 3\)"):
        x += dg.ones(4, 2, 3)
    i = dg.tensor([1, 2])
    with pytest.raises(
        TypeError, match="result type Float can.t be cast to the desired output type Long"
    ):
        i += 0.5
    with dg.no_grad():
        lin = nn.Linear(2, 2)
        lin.weight.fill_(0.25)
    np.testing.assert_allclose(lin.weight.numpy(), 0.25)


def test_small_pytorch_conveniences(torch):
    t = dg.randn(2, 3)
    assert t.dim() == 2
    assert t.to("float64").dtype == np.float64 and t.to("cpu") is t and t.contiguous() is t
    with pytest.raises(TypeError, match="argument 'device' must be torch.device, not object"):
        t.to(object())
    w = dg.randn(3, requires_grad=True)
    c = w.clone()
    (c * c).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * w.numpy(), rtol=1e-6)
    d = dg.ones(2).clone()
    d += 1
    assert dg.ones(2).numpy().sum() == 2 and d.numpy().sum() == 4
    v = dg.tensor([1.0, np.nan, np.inf, -np.inf])
    assert v.isnan().tolist() == [False, True, False, False]
    assert v.isinf().tolist() == [False, False, True, True]
    assert v.isfinite().tolist() == [True, False, False, False]
    assert dg.tensor([1.5, -2.0]).int().tolist() == [1, -2]
    assert dg.tensor([0.0, 2.0]).bool().tolist() == [False, True]


def test_in_place_on_a_0d_result_matches_torch(torch):
    """A 0-d result of an operation (``0.0 + log(p)``, ``x.sum()``) is updated in place as in
    PyTorch: makemore's ``log_likelihood += logprob`` after ``log_likelihood = 0.0`` held
    NumPy's immutable scalar, which ``+=`` refused; ``.data`` shares it, ``fill_`` writes it."""

    def run(lib):
        p = lib.tensor([0.5, 0.25, 0.125])
        total = 0.0
        for i in range(3):
            total += lib.log(p[i])
        s = p.sum()
        d = s.data
        d += 1.0
        m = p.max()
        m.fill_(7.0)
        k = lib.tensor([3, 4]).sum()
        k -= 2
        return [total.item(), s.item(), m.item(), k.item(), k.dtype == lib.int64]

    np.testing.assert_allclose(run(dg), run(torch), rtol=1e-6)


_INTO_FRESH = {
    "index_add_": lambda m, z, s, i: z.index_add_(0, i, s, alpha=2),
    "scatter_add_": lambda m, z, s, i: z.scatter_add_(0, i[:, None].expand(-1, 2), s),
    "scatter_": lambda m, z, s, i: z.scatter_(0, m.tensor([[2, 0], [1, 2], [0, 1]]), s),
    "scatter_reduce_": lambda m, z, s, i: z.scatter_reduce_(
        0, i[:, None].expand(-1, 2), s, "amax", include_self=False
    ),
    "index_put_": lambda m, z, s, i: z.index_put_((i,), s, accumulate=True),
    "index_copy_": lambda m, z, s, i: z.index_copy_(0, m.tensor([2, 0, 1]), s),
    "put_": lambda m, z, s, i: z.put_(m.tensor([0, 5, 3, 1, 2, 4]), s, accumulate=True),
}


@pytest.mark.parametrize("name", sorted(_INTO_FRESH))
def test_scatter_into_a_fresh_tensor_from_a_source_in_the_graph_as_torch(torch, name):
    # a GNN's aggregation: torch.zeros(n, d).index_add_(0, dst, messages), messages in the graph
    def run(m):
        w = m.tensor(np.arange(1.0, 7.0).reshape(3, 2), requires_grad=True)
        z = m.full((4, 2), 0.5, dtype=m.float64)
        out = _INTO_FRESH[name](m, z, w * w, m.tensor([3, 0, 3]))
        assert out is z and z.requires_grad
        (z * m.tensor(np.arange(8.0).reshape(4, 2))).sum().backward()
        return z.detach().numpy(), w.grad.numpy()

    (ours, gours), (theirs, gtheirs) = run(dg), run(torch)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(gours, gtheirs)


def test_scatter_into_a_leaf_that_requires_grad_is_still_refused():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place operation on a tensor that takes part"):
        w.scatter_add_(0, dg.tensor([1, 0]), dg.tensor([1.0, 1.0]))


CAST_CASES = {
    "int += 1.5": lambda L: L.tensor([1, 2]).__iadd__(1.5),
    "int /= 2": lambda L: L.tensor([1, 2]).__itruediv__(2),
    "int.add_(1.5)": lambda L: L.tensor([1, 2]).add_(1.5),
    "bool += 1": lambda L: L.tensor([True]).__iadd__(1),
    "int32 += float64": lambda L: L.tensor([1], dtype=L.int32).__iadd__(
        L.tensor([1.5], dtype=L.float64)
    ),
    "float32 += complex64": lambda L: L.tensor([1.0]).__iadd__(L.tensor([1j])),
    "uint8 -= 1.0": lambda L: L.tensor([1], dtype=L.uint8).__isub__(1.0),
    "int8.sqrt_()": lambda L: L.tensor([1], dtype=L.int8).sqrt_(),
    "int16.sub_(float)": lambda L: L.tensor([1], dtype=L.int16).sub_(L.tensor([1.0])),
    "add(out=int64)": lambda L: L.add(L.tensor([1.0]), 1, out=L.tensor([1])),
}


@pytest.mark.parametrize("name", CAST_CASES)
def test_in_place_cast_errors_name_torchs_dtypes(torch, name):
    """An in-place result (or ``out=``) of a higher category than the tensor's dtype raises
    PyTorch's RuntimeError with its message, dtypes by PyTorch's names ("result type Float
    can't be cast to the desired output type Long"; deepgrad wrote float32 and int64)."""
    with pytest.raises(RuntimeError) as want:
        CAST_CASES[name](torch)
    with pytest.raises(RuntimeError) as got:
        CAST_CASES[name](dg)
    assert str(want.value) in str(got.value)


AUGMENTED = {
    "dtype kept": "h = w * 2; h += torch.ones(3, dtype=torch.float64); out = [h * 1, h.dtype == torch.float32]",
    "a view sees it": "h = w * 2; v = h.view(3); h += 1; out = [v * 1]",
    "another name sees it": "h = w * 2; k = h; h += 1; out = [k * h, k is h]",
    "a list sees it": "h = w * 2; kept = [h]; h -= w; out = [kept[0] * 3]",
    "chained": "h = w * 2; h /= 3; h -= w; h **= 2; h *= w; out = [h]",
    "an output buffer filled by steps": (
        "buf = torch.zeros(4, 3, dtype=torch.float64); h = torch.zeros(3, dtype=torch.float64)\n"
        "for i in range(4):\n    h = torch.tanh(w * i + h)\n    buf[i] += h\nout = [buf]"
    ),
    "into a view of a view": "y = (w * 1).repeat(2).reshape(2, 3); y[0][1:] += w[:2]; out = [y]",
    "a loss accumulated": "total = 0\nfor i in range(3):\n    total += (w * i).sum()\nout = [total]",
}


@pytest.mark.parametrize("name", sorted(AUGMENTED))
def test_augmented_assignment_as_torch(torch, name):
    got = []
    for lib in (dg, torch):
        w = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        env = {"torch": lib, "w": w}
        exec(AUGMENTED[name], env)
        outs = env["out"]
        sum(o.sum() for o in outs if not isinstance(o, bool)).backward()
        got.append(
            ([o if isinstance(o, bool) else o.detach().numpy() for o in outs], w.grad.numpy())
        )
    (ours, g1), (theirs, g2) = got
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, bool):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-13)


def test_augmented_assignment_refusals_as_torch(torch):
    for lib in (dg, torch):
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            h = lib.zeros(3, dtype=lib.int64)
            h += w
        with pytest.raises(RuntimeError, match="leaf"):
            w += 1
