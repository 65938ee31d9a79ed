"""deepgrad.fft against torch.fft: values and gradients (real and complex inputs, odd and even
n, trimming and padding, several dims, every norm), dtypes, errors; complex helpers; an FNO
spectral layer trained two steps."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

NORMS = [None, "backward", "ortho", "forward"]


def _pair(shape, complex_, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    if complex_:
        a = (a + 1j * rng.standard_normal(shape)).astype(
            np.complex128 if dtype == np.float64 else np.complex64
        )
    return (
        dg.tensor(a.copy(), requires_grad=True),
        torch.tensor(a.copy(), requires_grad=True),
    )


def _loss(lib, y, w):
    """A real loss touching real and imaginary parts with weights ``w``."""
    if y.is_complex():
        return (lib.view_as_real(y.resolve_conj()) * w).sum()
    return (y * w[..., 0]).sum()


def _check(name, shape, complex_, kwargs, dtype=np.float64, seed=0):
    xd, xt = _pair(shape, complex_, seed, dtype)
    yd = getattr(dg.fft, name)(xd, **kwargs)
    yt = getattr(torch.fft, name)(xt, **kwargs)
    assert str(yd.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1], (yd.dtype, yt.dtype)
    assert tuple(yd.shape) == tuple(yt.shape)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(
        yd.detach().numpy(), yt.detach().resolve_conj().numpy(), rtol=tol, atol=tol
    )
    w = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape) + (2,)).astype(dtype)
    _loss(dg, yd, dg.tensor(w)).backward()
    _loss(torch, yt, torch.tensor(w)).backward()
    assert xd.grad.dtype == xd.dtype
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.resolve_conj().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("name", ["fft", "ifft"])
@pytest.mark.parametrize(
    ("length", "n", "dim"), [(6, None, -1), (7, None, 0), (5, 8, -1), (8, 5, 1)]
)
def test_fft_ifft_match_torch(name, complex_, norm, length, n, dim):
    shape = (length, 3) if dim == 0 else (2, length)
    _check(name, shape, complex_, {"n": n, "dim": dim, "norm": norm})


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(("length", "n"), [(6, None), (7, None), (5, 8), (8, 5), (4, 7)])
def test_rfft_matches_torch(norm, length, n):
    _check("rfft", (3, length), False, {"n": n, "norm": norm})


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize(("m", "n"), [(4, None), (5, None), (4, 6), (4, 7), (6, 5), (5, 3)])
def test_irfft_matches_torch(complex_, norm, m, n):
    _check("irfft", (2, m), complex_, {"n": n, "norm": norm})


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(("m", "n"), [(4, None), (5, 7), (4, 9)])
def test_hfft_ihfft_match_torch(norm, m, n):
    _check("hfft", (2, m), True, {"n": n, "norm": norm})
    _check("ihfft", (2, m + 2), False, {"n": n, "norm": norm})


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(
    ("name", "complex_"),
    [("fft2", True), ("ifft2", False), ("rfft2", False), ("irfft2", True), ("hfft2", True),
     ("ihfft2", False)],
)  # fmt: skip
@pytest.mark.parametrize("s", [None, (4, 5), (3, 6)])
def test_2d_match_torch(name, complex_, norm, s):
    _check(name, (2, 5, 4), complex_, {"s": s, "norm": norm})


@pytest.mark.parametrize(
    ("name", "complex_"),
    [("fftn", True), ("ifftn", True), ("rfftn", False), ("irfftn", True), ("hfftn", True),
     ("ihfftn", False)],
)  # fmt: skip
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"dim": (0, 2)}, {"dim": (2, 0), "norm": "ortho"}, {"s": (3, 6)},
     {"s": (4, 3, 5), "dim": (0, 1, 2), "norm": "forward"}],
)  # fmt: skip
def test_nd_match_torch(name, complex_, kwargs):
    _check(name, (3, 4, 5), complex_, kwargs)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_float32_dtypes_and_values(name):
    complex_ = name in ("irfft", "hfft", "ifft")
    _check(name, (3, 6), complex_, {"norm": "ortho"}, dtype=np.float32)
    _check(name, (3, 7), False, {}, dtype=np.float32) if name not in ("irfft", "hfft") else None


def test_dtypes():
    x32 = dg.randn(4)
    assert dg.fft.fft(x32).dtype == dg.complex64
    assert dg.fft.rfft(x32.double()).dtype == dg.complex128
    assert dg.fft.irfft(dg.fft.rfft(x32)).dtype == dg.float32
    assert dg.fft.fft(dg.arange(4)).dtype == dg.complex64
    np.testing.assert_allclose(
        dg.fft.fft(dg.arange(4)).numpy(), torch.fft.fft(torch.arange(4)).numpy()
    )


def test_one_element_and_zero_size_batch():
    for name in ("fft", "ifft", "rfft"):
        _check(name, (3, 1), False, {})
    _check("irfft", (3, 1), True, {"n": 1})
    x = dg.zeros(0, 4, requires_grad=True)
    y = dg.fft.rfft(x)
    assert tuple(y.shape) == (0, 3)
    dg.view_as_real(y).sum().backward()
    assert tuple(x.grad.shape) == (0, 4)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.fft.fft(x, norm="bad"),
        lambda m, x: m.fft.fft(x, n=0),
        lambda m, x: m.fft.fft(x[:0]),
        lambda m, x: m.fft.rfft(x.to(m.complex64) if m is torch else x.astype(m.complex64)),
        lambda m, x: m.fft.ihfft(x.to(m.complex64) if m is torch else x.astype(m.complex64)),
        lambda m, x: m.fft.fft2(x.reshape(2, 3), s=(2,), dim=(0, 1)),
        lambda m, x: m.fft.fftn(x.reshape(2, 3), dim=(0, 0)),
        lambda m, x: m.fft.irfft(x[:1]),
    ],
)
def test_errors_as_torch(call):
    with pytest.raises(RuntimeError) as expected:
        call(torch, torch.randn(6))
    with pytest.raises(RuntimeError) as got:
        call(dg, dg.randn(6))
    assert str(expected.value).split(" ")[:2] == str(got.value).split(" ")[:2]


def test_dim_out_of_range_is_an_index_error():
    with pytest.raises(IndexError):
        dg.fft.fft(dg.randn(4), dim=1)


@pytest.mark.parametrize("n", [1, 4, 5])
def test_freqs_and_shifts(n):
    for d in (1.0, 0.1):
        np.testing.assert_allclose(
            dg.fft.fftfreq(n, d).numpy(), torch.fft.fftfreq(n, d).numpy(), rtol=1e-6
        )
        np.testing.assert_allclose(
            dg.fft.rfftfreq(n, d).numpy(), torch.fft.rfftfreq(n, d).numpy(), rtol=1e-6
        )
    assert dg.fft.fftfreq(n).dtype == dg.float32
    assert dg.fft.rfftfreq(n, dtype=dg.float64).dtype == dg.float64
    a = np.arange(n * 3.0).reshape(3, n)
    for dim in (None, 0, -1, (0, 1)):
        for name in ("fftshift", "ifftshift"):
            got = getattr(dg.fft, name)(dg.tensor(a), dim=dim).numpy()
            np.testing.assert_array_equal(
                got, getattr(torch.fft, name)(torch.tensor(a), dim=dim).numpy()
            )


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: dg.view_as_real(dg.fft.rfft(x, n=7, norm="ortho")),
        lambda x: dg.view_as_real(dg.fft.fft(x, n=4)),
        lambda x: dg.fft.irfft(dg.fft.rfft(x) * dg.tensor([1.0, 2.0, 0.5, 3.0]), n=6),
        lambda x: dg.fft.irfft(dg.fft.rfft(x), n=5, norm="forward"),
        lambda x: dg.fft.irfftn(dg.fft.rfftn(x.reshape(2, 3), s=(3, 4))),
        lambda x: dg.fft.hfft(dg.fft.ihfft(x), n=6),
        lambda x: dg.view_as_real(dg.fft.fftshift(dg.fft.fft2(x.reshape(3, 2)))),
    ],
)
def test_gradcheck_real_paths(fn):
    x = dg.tensor(np.random.default_rng(3).standard_normal(6), requires_grad=True)
    assert dg.gradcheck(fn, (x,))


def test_second_order_through_rfft():
    for lib in (dg, torch):
        x = lib.tensor([0.5, -1.0, 2.0, 0.25, 1.5], dtype=lib.float64, requires_grad=True)
        y = lib.fft.rfft(x)
        loss = (y.abs() ** 2).sum()
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        if lib is dg:
            ours = (g.detach().numpy(), gg.numpy())
    np.testing.assert_allclose(ours[0], g.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours[1], gg.numpy(), rtol=1e-10)


def test_fno_spectral_layer_trains_as_torch():
    """A 1-D Fourier neural operator block: rfft → keep ``modes`` bins → complex weights via
    einsum → irfft, plus a pointwise linear path; two SGD steps match torch. The spectral
    weights are held as real ``(..., 2)`` pairs and read through ``view_as_complex`` (deepgrad's
    optimizers take real parameters only)."""
    rng = np.random.default_rng(0)
    b, c, n, modes = 3, 2, 16, 5
    x = rng.standard_normal((b, c, n)).astype(np.float32)
    target = rng.standard_normal((b, c, n)).astype(np.float32)
    w0 = (rng.standard_normal((c, c, modes, 2)) / c).astype(np.float32)
    lin = rng.standard_normal((c, c)).astype(np.float32)

    def run(lib):
        w = lib.tensor(w0.copy(), requires_grad=True)
        v = lib.tensor(lin.copy(), requires_grad=True)
        opt = lib.optim.SGD([w, v], lr=0.1)
        xs, ts = lib.tensor(x), lib.tensor(target)
        losses = []
        for _ in range(2):
            opt.zero_grad()
            xf = lib.fft.rfft(xs, norm="ortho")
            out_f = lib.zeros(b, c, n // 2 + 1, dtype=lib.complex64)
            wc = lib.view_as_complex(w)
            out_f[..., :modes] = lib.einsum("bix,iox->box", xf[..., :modes], wc)
            y = lib.fft.irfft(out_f, n=n, norm="ortho") + lib.einsum("bin,io->bon", xs, v)
            loss = ((y - ts) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, w.detach().numpy(), v.detach().numpy()

    ld, wd, vd = run(dg)
    lt, wt, vt = run(torch)
    np.testing.assert_allclose(ld, lt, rtol=1e-5)
    np.testing.assert_allclose(wd, wt, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(vd, vt, rtol=1e-4, atol=1e-6)
