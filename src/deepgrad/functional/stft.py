"""The short-time Fourier transform and its inverse, PyTorch's ``stft`` and ``istft``, built
from deepgrad's differentiable pieces (padding, ``unfold``, the FFTs of
:mod:`~deepgrad.functional.fft`, ``index_add``), so gradients flow to the signal, the
spectrogram and a window that requires one.

``stft``: the signal (``(L,)`` or ``(B, L)``), padded by ``n_fft // 2`` on both sides with
``pad_mode`` when ``center``, is cut into frames of ``n_fft`` samples every ``hop_length``
(``n_fft // 4`` by default); each frame is multiplied by the window (``win_length`` long,
ones by default, zero-padded on both sides to ``n_fft``) and Fourier transformed; the result
is ``(B?, n_freq, n_frames)``, ``n_freq = n_fft // 2 + 1`` when ``onesided`` (the default for
a real signal and window), else ``n_fft``. ``normalized`` scales by ``n_fft^(-1/2)``.

``istft`` inverts it by overlap-add: each frame is inverse transformed, multiplied by the
window again and added at its place; the sum is divided by the overlap-added squared window
(which must stay above ``1e-11`` over the kept samples: PyTorch's "window overlap add min"
check) and trimmed (``center``) or cut/zero-padded to ``length``.

As PyTorch 2.x, ``stft`` of a real signal needs ``return_complex`` (``True`` gives the complex
spectrogram; ``False`` its ``view_as_real``, deprecated in PyTorch).

>>> import deepgrad as dg
>>> x = dg.arange(16.0)
>>> S = dg.stft(x, 8, window=dg.hann_window(8), return_complex=True)
>>> S.shape
(5, 9)
>>> bool((dg.istft(S, 8, window=dg.hann_window(8), length=16) - x).abs().max() < 1e-4)
True
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend
from .._errors import int_arg
from ..tensor import Tensor
from .complex import view_as_real
from .fft import fft, ifft, irfft, rfft
from .scatter import index_add
from .shape import pad, reshape, transpose


def _window(window: Tensor | None, win_length: int, n_fft: int, like: Tensor, fn: str) -> Any:
    """The window zero-padded on both sides to ``n_fft`` (``None``: rectangular)."""
    if window is not None:
        if window.ndim != 1 or window.shape[0] != win_length:
            raise RuntimeError(
                f"{fn}: expected a 1D window tensor of size equal to win_length={win_length}, "
                f"but got window with size {list(window.shape)}"
            )
    if win_length == n_fft:
        return window
    if window is None:
        window = Tensor._wrap(
            backend.xp.ones(win_length, like.dtype if like.dtype.kind == "f" else None)
        )
    left = (n_fft - win_length) // 2
    return pad(window, (left, n_fft - win_length - left))


def _lengths(n_fft: int, hop_length: Any, win_length: Any, fn: str) -> tuple[int, int]:
    hop = n_fft // 4 if hop_length is None else int_arg(hop_length, fn, "hop_length", 3)
    win = n_fft if win_length is None else int_arg(win_length, fn, "win_length", 4)
    if hop <= 0:
        raise RuntimeError(f"{fn}: expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(f"{fn}: expected 0 < win_length <= n_fft, but got win_length={win}")
    return hop, win


def stft(
    input: Tensor,  # noqa: A002 - PyTorch's name
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
) -> Tensor:
    """The short-time Fourier transform of ``input`` (``(L,)`` or ``(B, L)``): the
    spectrogram ``(B?, n_freq, n_frames)``; see the module's notes for the arguments."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    is_complex = x.dtype.kind == "c" or (window is not None and window.dtype.kind == "c")
    if return_complex is None:
        if not is_complex:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and "
                "will further require that return_complex=True in a future PyTorch release."
            )
        return_complex = True
    if x.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {x.ndim}D")
    n_fft = int_arg(n_fft, "stft", "n_fft", 2)  # 8.5 refused, as PyTorch's, not truncated
    hop, win = _lengths(n_fft, hop_length, win_length, "stft")
    batched = x.ndim == 2
    if not batched:
        x = reshape(x, (1, x.shape[0]))
    if center:
        half = n_fft // 2
        x = reshape(
            pad(reshape(x, (x.shape[0], 1, x.shape[1])), (half, half), pad_mode), (x.shape[0], -1)
        )
    L = x.shape[-1]
    if n_fft <= 0 or n_fft > L:
        raise RuntimeError(f"stft: expected 0 < n_fft < {L}, but got n_fft={n_fft}")
    if window is None:
        warnings.warn(
            "stft: a window was not provided; a rectangular window is applied, which is known "
            "to cause spectral leakage (pass e.g. window=deepgrad.hann_window(n_fft))",
            UserWarning,
            stacklevel=2,
        )
    frames = x.unfold(-1, n_fft, hop)  # (B, n_frames, n_fft)
    w = _window(window, win, n_fft, x, "stft")
    if w is not None:
        frames = frames * w
    one = (not is_complex) if onesided is None else bool(onesided)
    norm = "ortho" if normalized else "backward"
    if is_complex:
        if one:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = fft(frames, dim=-1, norm=norm)
    else:
        out = rfft(frames, dim=-1, norm=norm) if one else fft(frames, dim=-1, norm=norm)
    out = transpose(out, 1, 2)
    if not batched:
        out = out[0]
    return out if return_complex else view_as_real(out)


def istft(
    input: Tensor,  # noqa: A002 - PyTorch's name
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    """The signal whose :func:`stft` is ``input`` (a complex ``(B?, n_freq, n_frames)``),
    by windowed overlap-add; see the module's notes."""
    S = input if isinstance(input, Tensor) else Tensor(input)
    if S.dtype.kind != "c":
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with "
            "return_complex=True."
        )
    if S.ndim not in (2, 3):
        raise RuntimeError(
            f"istft: expected a tensor with 2 or 3 dimensions of complex, got {S.ndim}"
        )
    n_fft = int_arg(n_fft, "istft", "n_fft", 2)
    hop, win = _lengths(n_fft, hop_length, win_length, "istft")
    batched = S.ndim == 3
    if not batched:
        S = reshape(S, (1,) + tuple(S.shape))
    n_freq, n_frames = S.shape[1], S.shape[2]
    one = (n_freq != n_fft) if onesided is None else bool(onesided)
    if one and n_freq != n_fft // 2 + 1:
        raise RuntimeError(
            f"istft: expected the frequency dimension (3rd to the last) of the input tensor to "
            f"match n_fft / 2 + 1 when onesided=True, but got {n_freq}"
        )
    if not one and n_freq != n_fft:
        raise RuntimeError(
            f"istft: expected the frequency dimension (3rd to the last) of the input tensor to "
            f"match n_fft when onesided=False, but got {n_freq}"
        )
    if window is None:
        warnings.warn(
            "istft: a window was not provided; a rectangular window is applied (pass the "
            "window stft used to make the inversion lossless)",
            UserWarning,
            stacklevel=2,
        )
    w = _window(window, win, n_fft, S, "istft")
    if w is not None and w.dtype.kind == "c" and not return_complex:
        raise RuntimeError("istft: complex windows require return_complex=True")
    norm = "ortho" if normalized else "backward"
    F = transpose(S, 1, 2)  # (B, n_frames, n_freq)
    if return_complex:
        if one:
            raise RuntimeError("cannot have onesided output if window or input is complex")
        frames = ifft(F, n_fft, dim=-1, norm=norm)
    else:
        if not one:
            F = F[..., : n_fft // 2 + 1]
        frames = irfft(F, n_fft, dim=-1, norm=norm)
    if w is not None:
        frames = frames * w
    xp = backend.xp
    total = n_fft + hop * (n_frames - 1)
    idx = (xp.arange(n_frames)[:, None] * hop + xp.arange(n_fft)[None, :]).reshape(-1)
    B = frames.shape[0]
    zeros = Tensor._from_op(xp.zeros((B, total), frames.dtype), None, 0)
    y = index_add(zeros, 1, Tensor._wrap(idx), reshape(frames, (B, -1)))
    w2 = (
        Tensor._from_op(xp.ones(n_fft, frames.dtype.type(0).real.dtype), None, 0)
        if w is None
        else (w * w.conj() if w.dtype.kind == "c" else w * w)
    )
    env_zero = Tensor._from_op(xp.zeros(total, w2.dtype), None, 0)
    env = index_add(env_zero, 0, Tensor._wrap(idx), reshape(w2.expand(n_frames, n_fft), (-1,)))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + int(length)
    elif center:
        end = total - n_fft // 2
    else:
        end = total
    stop = min(end, total)
    y, env = y[:, start:stop], env[start:stop]
    if env.numel() and float(xp.abs(env._data).min()) < 1e-11:
        raise RuntimeError(
            "istft: window overlap add min: the squared window summed over the frames is "
            "below 1e-11 somewhere in the output (the NOLA condition fails); use a window "
            "and hop_length whose overlap covers every sample"
        )
    y = y / env
    if end > total:
        warnings.warn(
            "istft: the signal is shorter than the length parameter; the result is padded "
            "with zeros in the tail (check center and hop_length)",
            UserWarning,
            stacklevel=2,
        )
        y = pad(y, (0, end - total))
    return y if batched else y[0]
