"""Complex helpers (complex, real, imag, conj, angle, polar, view_as_real/view_as_complex,
is_complex) and PyTorch's gradient convention for complex inputs of products, quotients, exp,
abs, matmul, einsum and casts, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

Z = np.array([1 + 2j, 3 - 1j, -0.5 + 0.25j, 2 + 0j])
W = np.array([0.5 - 1j, 2 + 1j, -1.5 + 0.5j, 1 - 3j])
R = np.array([0.3, -1.2, 2.0, 0.7])


def _run(lib, fn, *arrays):
    ts = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    out.backward()
    return out.item(), [
        t.grad.resolve_conj().numpy() if lib is torch else t.grad.numpy() for t in ts
    ]


CASES = {
    "mul": (lambda m, a, b: (m.view_as_real(a * b) * m.tensor([1.0, -2.0], dtype=m.float64)).sum(), Z, W),
    "div": (lambda m, a, b: (a / b).abs().sum(), Z, W),
    "exp": (lambda m, a: m.exp(a).imag.sum(), Z * 0.3),
    "abs": (lambda m, a: (a.abs() * m.tensor(R)).sum(), Z),
    "abs_at_zero": (lambda m, a: a.abs().sum(), np.array([0j, 1 + 1j])),
    "real_imag": (lambda m, a: (a.real * m.tensor(R)).sum() + (a.imag**2).sum(), Z),
    "conj": (lambda m, a, b: (a.conj() * b).real.sum(), Z, W),
    "angle": (lambda m, a: (a.angle() * m.tensor(R)).sum(), Z),
    "angle_real": (lambda m, a: a.angle().sum(), R),
    "complex": (lambda m, a, b: (m.complex(a, b) * m.tensor(W)).abs().sum(), R, R[::-1].copy()),
    "polar": (lambda m, a, b: (m.polar(a, b) * m.tensor(W)).real.sum(), np.abs(R), R),
    "view_as_real": (lambda m, a: (m.view_as_real(a) ** 3).sum(), Z),
    "view_as_complex": (lambda m, a: (m.view_as_complex(a) * m.tensor(W[:3])).abs().sum(), R[:3, None] * np.array([1.0, -0.5])),
    "matmul": (lambda m, a, b: (a.reshape(2, 2) @ b.reshape(2, 2)).abs().sum(), Z, W),
    "einsum": (lambda m, a, b: m.einsum("ij,jk->ik", a.reshape(2, 2), b.reshape(2, 2)).abs().sum(), Z, W),
    "real_times_complex": (lambda m, a: (a * m.tensor(W)).abs().sum(), R),
    "cast": (lambda m, a: (a.to(m.complex128) * m.tensor(W)).abs().sum() if m is torch else (a.astype(m.complex128) * m.tensor(W)).abs().sum(), R),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_torch(case):
    fn, *arrays = CASES[case]
    vd, gd = _run(dg, fn, *arrays)
    vt, gt = _run(torch, fn, *arrays)
    np.testing.assert_allclose(vd, vt, rtol=1e-12)
    for a, b in zip(gd, gt):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_dtypes_and_helpers():
    x = dg.tensor([1.0, 2.0])
    c = dg.complex(x, x)
    assert c.dtype == dg.complex64 and dg.is_complex(c) and c.is_complex() and not dg.is_complex(x)
    assert dg.view_as_real(c).dtype == dg.float32 and tuple(dg.view_as_real(c).shape) == (2, 2)
    assert dg.complex(x.double(), x.double()).dtype == dg.complex128
    assert x.real is x and x.conj() is x and not c.is_conj() and c.resolve_conj() is c
    assert dg.angle(dg.tensor([-1, 2])).dtype == dg.float32


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tensor([1.0]).imag,
        lambda m: m.view_as_real(m.tensor([1.0])),
        lambda m: m.view_as_complex(m.tensor([1.0, 2.0, 3.0])),
        lambda m: m.complex(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)),
    ],
)
def test_errors_as_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(dg)


def test_gradcheck_real_inputs():
    r = dg.tensor(np.abs(R) + 0.1, requires_grad=True)
    t = dg.tensor(R, requires_grad=True)
    assert dg.gradcheck(lambda a, b: dg.view_as_real(dg.polar(a, b) * dg.complex(b, a)), (r, t))
    assert dg.gradcheck(lambda a, b: dg.complex(a, b).angle(), (r, t))
    assert dg.gradcheck(lambda a, b: (dg.complex(a, b) * dg.complex(b, a)).abs(), (r, t))


_HOLOMORPHIC = {
    "log": lambda T, z: T.log(z),
    "sqrt": lambda T, z: T.sqrt(z),
    "rsqrt": lambda T, z: T.rsqrt(z),
    "reciprocal": lambda T, z: T.reciprocal(z),
    "sin": lambda T, z: T.sin(z),
    "cos": lambda T, z: T.cos(z),
    "tanh": lambda T, z: T.tanh(z),
    "sigmoid": lambda T, z: T.sigmoid(z),
    "square": lambda T, z: z**2,
    "cube": lambda T, z: z**3,
    "pow 1.5": lambda T, z: z**1.5,
    "z ** z": lambda T, z: z ** (z * 0.5),
    "log1p": lambda T, z: T.log1p(z),
    "expm1": lambda T, z: T.expm1(z),
    "real input of a complex product": lambda T, z: T.abs(z) * (1 + 0j),
}


@pytest.mark.parametrize("name", list(_HOLOMORPHIC))
def test_complex_gradients_take_the_conjugate_derivative(torch, name):
    """PyTorch's convention for holomorphic functions: ``grad = gy · conj(f'(z))``; a real
    input of a complex operation gets the real part."""
    z0 = np.array([1 + 2j, -0.5 + 0.3j, 0.7 - 1.1j])
    outs = []
    for lib in (torch, dg):
        z = lib.tensor(z0, requires_grad=True)
        y = _HOLOMORPHIC[name](lib, z)
        lib.view_as_real(y).sum().backward()
        outs.append((y.detach().numpy(), z.grad.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-12)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-12)
