"""The elementwise math of ``deepgrad.functional.elementwise_math`` against PyTorch in float64:
values and gradients on ordinary, 0-d, empty and broadcast shapes; float64 gradient checks;
result dtypes for integer inputs; the NaN/inf edges; errors where PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _compare(torch, fd, ft, *arrays, gradcheck=True, atol=1e-12, rtol=1e-10):
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    assert y.shape == tuple(ty.shape)
    assert y.dtype == np.dtype(str(ty.dtype).removeprefix("torch."))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    if ty.requires_grad:
        v = np.random.default_rng(1).standard_normal(y.shape)
        (y * dg.tensor(v)).sum().backward()
        (ty * torch.tensor(v)).sum().backward()
        for x, t in zip(xs, ts, strict=True):
            ref = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(x.grad.numpy(), ref, rtol=max(rtol, 1e-9), atol=atol)
    if gradcheck and all(a.size for a in arrays):
        assert dg.gradcheck(fd, *[dg.tensor(a, requires_grad=True) for a in arrays])


RNG = np.random.default_rng(0)
A = RNG.uniform(-0.9, 0.9, (3, 4))  # inside (-1, 1): every function defined
BIG = RNG.uniform(1.2, 3.0, (3, 4))  # above 1: acosh, lgamma, digamma
NAMES = {  # name -> (input, torch name)
    "tan": A, "asin": A, "acos": A, "atan": A, "sinh": A, "cosh": A, "asinh": A, "atanh": A,
    "acosh": BIG, "log2": BIG, "log10": BIG, "exp2": A, "lgamma": BIG, "digamma": BIG,
    "sinc": A, "logit": (A + 1) / 2, "frac": A * 3, "deg2rad": A, "rad2deg": A,
    "arcsin": A, "arccos": A, "arctan": A, "arcsinh": A, "arccosh": BIG, "arctanh": A,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NAMES))
@pytest.mark.parametrize("shape", ["matrix", "0-d", "empty"])
def test_unary_matches_pytorch(torch, name, shape):
    a = NAMES[name]
    a = {"matrix": a, "0-d": a[0, 1].copy().reshape(()), "empty": a[:0]}[shape]
    _compare(torch, getattr(dg, name), getattr(torch, name), a)
    x = dg.tensor(a)
    np.testing.assert_allclose(getattr(x, name)().numpy(), getattr(torch, name)(torch.tensor(a)))


@pytest.mark.parametrize("name", ["tan", "asinh", "sinh", "lgamma", "digamma", "sinc", "atan"])
def test_second_order_matches_pytorch(torch, name):
    a = BIG if name in ("lgamma", "digamma") else A
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (g,) = dg.grad(getattr(dg, name)(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(getattr(torch, name)(t).sum(), t, create_graph=True)
    (gg,) = dg.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-9, atol=1e-12)


def test_sinc_at_zero_and_polygamma(torch):
    a = np.array([0.0, -0.0, 0.5, 2.0, -1.5])
    _compare(torch, dg.sinc, torch.sinc, a)
    for n in (1, 2, 3):
        # torch's ψₙ (n ≥ 2, through ζ) and SciPy's agree to ~1e-9 relative
        fd, ft = (lambda x, n=n: dg.polygamma(n, x)), (lambda t, n=n: torch.polygamma(n, t))
        _compare(torch, fd, ft, BIG, rtol=1e-8)
    with pytest.raises(ValueError, match="non-negative int"):
        dg.polygamma(-1, dg.tensor(BIG))


@pytest.mark.parametrize("eps", [None, 0.1, 0.5, 0.6, 1.0])  # over 0.5: the bounds cross
def test_logit_inside_outside_and_eps(torch, eps):
    """With eps > 0.5 torch 2.13 sends x < eps to eps and the rest above 1 - eps to 1 - eps
    (logit(0.3, 0.6) = logit(0.6)); deepgrad's clip gave 1 - eps to all."""
    a = np.array([-0.5, 0.0, 0.05, 0.3, 0.5, 0.7, 0.95, 1.0, 1.5, np.nan])
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = dg.logit(x, eps=eps), torch.logit(t, eps=eps)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_edges_nan_inf_match_pytorch(torch):
    a = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.0, -3.0])
    for name in ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
                 "log2", "log10", "exp2", "lgamma", "digamma", "sinc", "trunc", "frac",
                 "deg2rad", "rad2deg", "signbit", "isposinf", "isneginf", "isfinite"]:  # fmt: skip
        y = getattr(dg, name)(dg.tensor(a)).numpy()
        ty = getattr(torch, name)(torch.tensor(a)).numpy()
        np.testing.assert_allclose(y, ty, rtol=1e-14, err_msg=name)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_integer_inputs_give_the_default_float(torch, dtype):
    a = np.array([1, 0, 1]).astype(dtype)
    for name in ["tan", "asin", "atan", "sinh", "log2", "exp2", "lgamma", "sinc", "logit",
                 "deg2rad", "rad2deg"]:  # fmt: skip
        y, ty = getattr(dg, name)(dg.tensor(a)), getattr(torch, name)(torch.tensor(a))
        assert y.dtype == np.float32, name
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6, err_msg=name)
    assert dg.trunc(dg.tensor([3, -2])).tolist() == [3, -2]
    with pytest.raises(TypeError, match="frac"):
        dg.frac(dg.tensor([1, 2]))


BINARY = {
    "atan2": (None, None),
    "arctan2": (None, None),
    "hypot": (None, None),
    "logaddexp": (None, None),
    "logaddexp2": (None, None),
    "fmax": (None, None),
    "fmin": (None, None),
    "float_power": (np.abs, None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize(
    "shapes", [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)), ((0, 3), (3,)), ((), ())]
)
def test_binary_matches_pytorch_broadcasting(torch, name, shapes):
    rng = np.random.default_rng(3)
    a, b = (rng.uniform(-2, 2, s) for s in shapes)
    if BINARY[name][0] is not None:
        a = BINARY[name][0](a) + 0.1
    if name in ("fmax", "fmin") and a.size and b.size:
        a = a.copy()
        a.flat[0] = b.flat[0] if a.shape == b.shape else a.flat[0]
    _compare(torch, getattr(dg, name), getattr(torch, name), a, b, gradcheck=name[:2] != "fm")


def test_fmax_fmin_nan_and_ties_follow_pytorch(torch):
    a = np.array([1.0, np.nan, 2.0, np.nan, 3.0])
    b = np.array([np.nan, 1.0, 2.0, np.nan, 4.0])
    for name in ("fmax", "fmin"):
        _compare(torch, getattr(dg, name), getattr(torch, name), a, b, gradcheck=False)
    assert dg.fmax(dg.tensor([1, 5]), dg.tensor([3, 2])).dtype == np.int64


def test_binary_dtypes_and_refusals(torch):
    i = dg.tensor([1, 2])
    assert dg.atan2(i, i).dtype == np.float32
    assert dg.float_power(dg.tensor([2.0]), 2).dtype == np.float64
    assert dg.float_power(2, dg.tensor([3])).tolist() == [8.0]
    for name in ("hypot", "logaddexp", "logaddexp2"):
        with pytest.raises(TypeError, match="floating"):
            getattr(dg, name)(i, i)
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = dg.float_power(x, 3)
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 12.0]


def test_logaddexp_is_stable_and_matches_at_infinities(torch):
    a = np.array([1000.0, -1000.0, np.inf, -np.inf, -np.inf, 0.0])
    b = np.array([1000.0, -1001.0, np.inf, -np.inf, 5.0, 0.0])
    for name in ("logaddexp", "logaddexp2"):
        np.testing.assert_array_equal(
            getattr(dg, name)(dg.tensor(a), dg.tensor(b)).numpy(),
            getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy(),
        )


def test_heaviside(torch):
    a = np.array([-1.5, 0.0, 2.0, np.nan])
    for v in (np.array([0.5]), np.array([0.5, 0.1, 0.2, 0.3])):
        np.testing.assert_array_equal(
            dg.heaviside(dg.tensor(a), dg.tensor(v)).numpy(),
            torch.heaviside(torch.tensor(a), torch.tensor(v)).numpy(),
        )
    assert dg.heaviside(dg.tensor([-1, 0, 3]), dg.tensor([7])).tolist() == [0, 7, 1]
    with pytest.raises(TypeError, match="one dtype"):
        dg.heaviside(dg.tensor([1.0]), dg.tensor([1]))


def test_aliases_call_the_function_they_name():
    x, y = dg.tensor([-1.0, 2.0]), dg.tensor([4.0, 8.0])
    assert dg.absolute(x).tolist() == [1.0, 2.0] == x.absolute().tolist()
    assert dg.negative(x).tolist() == [1.0, -2.0] == x.negative().tolist()
    assert dg.multiply(x, y).tolist() == [-4.0, 16.0] == x.multiply(y).tolist()
    assert dg.subtract(x, y, alpha=2).tolist() == [-9.0, -14.0] == x.subtract(y, alpha=2).tolist()
    assert dg.divide(x, y).tolist() == [-0.25, 0.25] == x.divide(y).tolist()
    assert dg.true_divide(dg.tensor([1]), dg.tensor([2])).tolist() == [0.5]
    assert dg.fix(dg.tensor([-1.5])).tolist() == [-1.0] == dg.tensor([-1.5]).fix().tolist()


def test_tensor_methods_exist_with_pytorchs_names(torch):
    names = ["acos", "asin", "atan", "atan2", "arctan2", "acosh", "asinh", "atanh", "sinh",
             "cosh", "tan", "log2", "log10", "exp2", "trunc", "fix", "frac", "logit", "lgamma",
             "digamma", "hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "deg2rad",
             "rad2deg", "signbit", "heaviside", "float_power", "sinc", "absolute", "negative",
             "multiply", "subtract", "divide", "true_divide", "logical_and", "logical_or",
             "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
             "bitwise_not", "isneginf", "isposinf", "isreal", "polygamma"]  # fmt: skip
    for n in names:
        assert hasattr(torch.Tensor, n), n
        assert hasattr(dg.Tensor, n), n
    a = np.array([0.3, 0.7])
    assert (
        dg.tensor(a).atan2(dg.tensor(a)).tolist() == torch.tensor(a).atan2(torch.tensor(a)).tolist()
    )
    np.testing.assert_allclose(dg.tensor(a).polygamma(1), torch.tensor(a).polygamma(1), 1e-9)
    assert dg.tensor(a).logit(0.4).tolist() == torch.tensor(a).logit(0.4).tolist()


def test_polygamma_negative_order_is_torchs_runtime_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.polygamma(-1, torch.tensor([1.5]))
    with pytest.raises(RuntimeError, match="non-negative") as got:
        dg.polygamma(-1, dg.tensor([1.5]))
    assert isinstance(got.value, ValueError)


@pytest.mark.parametrize("name", ["hypot", "logaddexp", "logaddexp2"])
def test_float_only_binaries_on_integers_are_torchs_not_implemented_error(name):
    torch = pytest.importorskip("torch")
    i = np.array([1, 2])
    with pytest.raises(NotImplementedError) as want:
        getattr(torch, name)(torch.tensor(i), torch.tensor(i))
    with pytest.raises(NotImplementedError) as got:
        getattr(dg, name)(dg.tensor(i), dg.tensor(i))
    assert isinstance(got.value, TypeError)
    assert str(want.value) in str(got.value)


def test_trigamma_is_pytorchs_kernel(torch):
    """``polygamma(1, x)`` (and so ``digamma``'s gradient) is PyTorch's ``calc_trigamma``:
    float64 to the bit, float32 to 4 ulp (SciPy's exact value differs from PyTorch's by up to
    ~1e-9 relative, which showed in Beta/Gamma KL gradients)."""
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.uniform(-5, 10, 500), [0.0, -1.0, 1e-8, 1e6, np.inf, -np.inf]])
    for dt in (np.float64, np.float32):
        x = values.astype(dt)
        ours = dg.polygamma(1, dg.tensor(x)).numpy()
        theirs = torch.polygamma(1, torch.tensor(x)).numpy()
        if dt is np.float64:
            np.testing.assert_array_equal(ours, theirs)
        else:
            np.testing.assert_array_max_ulp(ours, theirs, maxulp=4)  # NumPy's float32 sin
    x = dg.tensor(values[:50], requires_grad=True)
    dg.digamma(x).sum().backward()
    t = torch.tensor(values[:50], requires_grad=True)
    torch.digamma(t).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
