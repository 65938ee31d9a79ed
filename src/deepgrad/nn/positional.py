"""Positional encodings for sequence models: fixed sinusoids and learned position vectors.

Both add a vector per position to the input: ``y[…, t, :] = x[…, t, :] + PE[t]`` (the
sequence axis is 0, or 1 with ``batch_first``), then apply dropout.
"""

from __future__ import annotations

import math

import numpy

from .. import backend
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _check(x: Tensor, d_model: int, max_len: int, batch_first: bool, name: str) -> int:
    if x.ndim not in (2, 3) or x.shape[-1] != d_model:
        raise ValueError(
            f"{name}(d_model={d_model}): expected input (S, N, {d_model}), (N, S, {d_model}) "
            f"with batch_first, or (S, {d_model}); got {x.shape}"
        )
    s = x.shape[1] if (batch_first and x.ndim == 3) else x.shape[0]
    if s > max_len:
        raise ValueError(f"{name}: sequence length {s} exceeds max_len={max_len}")
    return s


def _add_positions(x: Tensor, pe: Tensor, s: int, batch_first: bool) -> Tensor:
    p = F.getitem(pe, slice(0, s)) if pe.shape[0] != s else pe  # (S, E)
    if x.ndim == 3 and not batch_first:
        p = F.reshape(p, (s, 1, p.shape[-1]))
    return x + p


class SinusoidalPositionalEncoding(Module):
    """The fixed encoding of "Attention Is All You Need":
    ``PE[t, 2i] = sin(t / 10000^(2i/d_model))``, ``PE[t, 2i+1] = cos(t / 10000^(2i/d_model))``,
    added to the input, followed by dropout.

    ``pe (max_len, d_model)`` is a **non-persistent buffer**: it follows ``.double()`` etc. but
    is not saved in the state dict (it is recomputed from ``d_model`` and ``max_len``).
    Shapes: ``(S, N, d_model)`` (``(N, S, d_model)`` with ``batch_first``) or
    ``(S, d_model)`` → the same.
    """

    def __init__(
        self, d_model: int, max_len: int = 5000, dropout: float = 0.0, batch_first: bool = False
    ) -> None:
        super().__init__()
        if d_model <= 0 or max_len <= 0:
            raise ValueError(
                f"SinusoidalPositionalEncoding: d_model and max_len must be positive, got "
                f"d_model={d_model}, max_len={max_len}"
            )
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        xp = backend.xp  # allocated through the backend (bounded when a model file is loaded)
        pe = xp.zeros((max_len, d_model), dtype=numpy.float64)
        pos = xp.arange(max_len, dtype=numpy.float64)[:, None]
        div = xp.exp(xp.arange(0, d_model, 2, dtype=numpy.float64) * (-math.log(10000.0) / d_model))  # fmt: skip
        pe[:, 0::2] = xp.sin(pos * div)
        pe[:, 1::2] = xp.cos(pos * div[: d_model // 2])
        arr = pe.astype(backend.get_default_dtype())
        self.register_buffer("pe", Tensor._wrap(arr), persistent=False)
        self.p = dropout

    def forward(self, x: Tensor) -> Tensor:
        s = _check(x, self.d_model, self.max_len, self.batch_first, "SinusoidalPositionalEncoding")
        return F.dropout(_add_positions(x, self.pe, s, self.batch_first), self.p, self.training)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"


class LearnedPositionalEncoding(Module):
    """A learned vector per position (``weight (max_len, d_model)``, initialized
    ``N(0, 0.02²)`` as in GPT-2), added to the input, followed by dropout.

    Shapes: ``(S, N, d_model)`` (``(N, S, d_model)`` with ``batch_first``) or
    ``(S, d_model)`` → the same; ``S <= max_len``.
    """

    def __init__(
        self, max_len: int, d_model: int, dropout: float = 0.0, batch_first: bool = False
    ) -> None:
        super().__init__()
        if d_model <= 0 or max_len <= 0:
            raise ValueError(
                f"LearnedPositionalEncoding: d_model and max_len must be positive, got "
                f"max_len={max_len}, d_model={d_model}"
            )
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.weight = Parameter(backend.xp.empty((max_len, d_model), backend.get_default_dtype()))
        init.normal_(self.weight, 0.0, 0.02)
        self.p = dropout

    def forward(self, x: Tensor) -> Tensor:
        s = _check(x, self.d_model, self.max_len, self.batch_first, "LearnedPositionalEncoding")
        return F.dropout(_add_positions(x, self.weight, s, self.batch_first), self.p, self.training)

    def extra_repr(self) -> str:
        return f"max_len={self.max_len}, d_model={self.d_model}"
