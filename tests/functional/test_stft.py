"""stft and istft (deepgrad.functional.stft), values and gradients against torch."""

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(5)

CASES = [
    {"n_fft": 8},
    {"n_fft": 16, "hop_length": 3},
    {"n_fft": 16, "win_length": 10},
    {"n_fft": 8, "center": False},
    {"n_fft": 8, "pad_mode": "constant"},
    {"n_fft": 8, "normalized": True},
    {"n_fft": 8, "onesided": False},
    {"n_fft": 9, "hop_length": 2},
]


def same(got, want, tol=1e-9):
    want = want.detach().numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize("shape", [(40,), (3, 40)])
@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize("windowed", [False, True])
def test_stft_and_istft_match_torch(shape, kw, windowed):
    x = R.normal(size=shape)
    wl = kw.get("win_length", kw["n_fft"])
    w = np.hanning(wl + 2)[1:-1]
    wd, wt = (dg.tensor(w), torch.tensor(w)) if windowed else (None, None)
    S = dg.stft(dg.tensor(x), window=wd, return_complex=True, **kw)
    St = torch.stft(torch.tensor(x), window=wt, return_complex=True, **kw)
    same(S, St)
    ikw = {k: v for k, v in kw.items() if k != "pad_mode"}
    for length in (None, 35, 50):
        try:
            yt = torch.istft(St, window=wt, length=length, **ikw)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="overlap add min"):
                dg.istft(S, window=wd, length=length, **ikw)
            continue
        same(dg.istft(S, window=wd, length=length, **ikw), yt)


def test_complex_signal_return_complex_false_and_methods():
    z = R.normal(size=30) + 1j * R.normal(size=30)
    St = torch.stft(torch.tensor(z), 8, return_complex=True)
    same(dg.stft(dg.tensor(z), 8), St)
    same(
        dg.istft(dg.tensor(St.numpy()), 8, return_complex=True),
        torch.istft(St, 8, return_complex=True),
    )
    x = R.normal(size=30)
    same(
        dg.tensor(x).stft(8, return_complex=False),
        torch.stft(torch.tensor(x), 8, return_complex=False),
    )
    S = torch.stft(torch.tensor(x), 8, return_complex=True)
    same(dg.tensor(S.numpy()).istft(8), torch.istft(S, 8))


def test_refusals():
    x = dg.tensor(R.normal(size=30))
    with pytest.raises(RuntimeError, match="return_complex"):
        dg.stft(x, 8)
    with pytest.raises(RuntimeError, match="onesided"):
        dg.stft(dg.tensor(R.normal(size=30) + 0j), 8, onesided=True)
    with pytest.raises(RuntimeError, match="n_fft"):
        dg.stft(x, 64, center=False, return_complex=True)
    with pytest.raises(RuntimeError, match="win_length"):
        dg.stft(x, 8, win_length=9, return_complex=True)
    with pytest.raises(RuntimeError, match="complex-valued"):
        dg.istft(x, 8)
    with pytest.raises(UserWarning, match="window"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            dg.stft(x, 8, return_complex=True)


def test_gradients_match_torch_and_gradcheck():
    x, w = R.normal(size=(2, 30)), np.hanning(10)[1:-1]
    xd, wd = dg.tensor(x, requires_grad=True), dg.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    S = dg.stft(xd, 8, 2, window=wd, return_complex=True)
    St = torch.stft(xt, 8, 2, window=wt, return_complex=True)
    G = R.normal(size=St.shape) + 1j * R.normal(size=St.shape)
    dg.real(S * dg.tensor(G)).sum().backward()
    (St * torch.tensor(G)).real.sum().backward()
    same(xd.grad, xt.grad)
    same(wd.grad, wt.grad)
    Sd = dg.tensor(St.detach().numpy(), requires_grad=True)
    Stt = St.detach().requires_grad_()
    wd.grad = wt.grad = None
    y, yt = dg.istft(Sd, 8, 2, window=wd), torch.istft(Stt, 8, 2, window=wt)
    g = R.normal(size=yt.shape)
    (y * dg.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    same(Sd.grad, Stt.grad)
    same(wd.grad, wt.grad)
    win = dg.tensor(w)
    assert dg.gradcheck(
        lambda t: dg.view_as_real(dg.stft(t, 8, 3, window=win, return_complex=True)),
        dg.tensor(R.normal(size=20), requires_grad=True),
    )
    assert dg.gradcheck(
        lambda re, im: dg.istft(dg.complex(re, im), 8, 2, window=win, length=20),
        dg.tensor(R.normal(size=(5, 11)), requires_grad=True),
        dg.tensor(R.normal(size=(5, 11)), requires_grad=True),
    )
