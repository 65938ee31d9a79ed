"""``deepgrad.fft``: PyTorch's ``torch.fft`` — discrete Fourier transforms with gradients.

A namespace: the transforms live in :mod:`deepgrad.functional.fft` (their formulas, norms and
backward rules are written there).

>>> import deepgrad as dg
>>> x = dg.tensor([1.0, 2.0, 3.0])
>>> dg.fft.irfft(dg.fft.rfft(x, norm="ortho"), n=3, norm="ortho").round(decimals=4).tolist()
[1.0, 2.0, 3.0]
"""

from __future__ import annotations

from .functional.fft import (
    fft,
    fft2,
    fftfreq,
    fftn,
    fftshift,
    hfft,
    hfft2,
    hfftn,
    ifft,
    ifft2,
    ifftn,
    ifftshift,
    ihfft,
    ihfft2,
    ihfftn,
    irfft,
    irfft2,
    irfftn,
    rfft,
    rfft2,
    rfftfreq,
    rfftn,
)

__all__ = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "hfft2", "hfftn", "ifft", "ifft2",
    "ifftn", "ifftshift", "ihfft", "ihfft2", "ihfftn", "irfft", "irfft2", "irfftn", "rfft",
    "rfft2", "rfftfreq", "rfftn",
]  # fmt: skip
