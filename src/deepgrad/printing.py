"""How tensors print: ``repr(x)`` shows the text PyTorch shows for the same numbers, and
``dg.set_printoptions`` (PyTorch's) changes it.

The rules are PyTorch's. One format serves a whole tensor: integers print as they are; a
float tensor whose finite non-zero values are all whole numbers prints them with a trailing
point (``2.``); others with ``precision`` decimals (``2.0000``), or in scientific notation
(``1.0000e-05``) when the largest finite non-zero magnitude is over 1000 times the smallest,
over 1e8, or the smallest under 1e-4. Every element is padded to one width; rows wrap at
``linewidth``; a tensor of more than ``threshold`` elements shows only ``edgeitems`` at
each end of every axis, with ``...`` between.

>>> import deepgrad as dg
>>> dg.tensor([1.23456789, 2.0, -3.5])
tensor([ 1.2346,  2.0000, -3.5000])
>>> dg.tensor([1e-5, 1e5])
tensor([1.0000e-05, 1.0000e+05])
>>> dg.set_printoptions(precision=2)
>>> dg.tensor([1 / 3])
tensor([0.33])
>>> dg.set_printoptions(profile="default")

NumPy arrays are not affected: they print as NumPy prints them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy

__all__ = ["set_printoptions", "tensor_repr"]


@dataclass
class _Options:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

_OPTS = _Options()


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions``: ``precision`` decimals (4),
    more than ``threshold`` elements (1000) summarised to ``edgeitems`` (3) at each end of an
    axis, lines of ``linewidth`` characters (80). ``profile`` ("default", "short", "full") sets
    those four first; the others given then override it. ``sci_mode`` True or False forces or
    forbids scientific notation; None (also what every call that omits it sets, as in
    PyTorch) chooses it from the values."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}")
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}  # fmt: skip
    for name, value in given.items():
        if value is not None:
            setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


class _Format:
    """The one format of every element of a real array: its mode and its width."""

    def __init__(self, values: numpy.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max([1, *(len(str(v)) for v in flat.tolist())])
            return
        shown = flat[numpy.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitude = numpy.abs(shown).astype(numpy.float64)
        smallest, largest = magnitude.min(), magnitude.max()
        self.int_mode = bool(numpy.all(shown == numpy.ceil(shown)))
        if _OPTS.sci_mode is None:
            with numpy.errstate(over="ignore"):  # a subnormal smallest: the ratio is inf
                ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = bool(_OPTS.sci_mode)
        p = _OPTS.precision
        if self.sci_mode:
            texts = (f"{v:.{p}e}" for v in shown.tolist())
        elif self.int_mode:
            texts = (f"{v:.0f}." for v in shown.tolist())
        else:
            texts = (f"{v:.{p}f}" for v in shown.tolist())
        self.width = max(1, *(len(t) for t in texts))

    def __call__(self, value: float | int | bool) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("." if math.isfinite(value) else "")
        else:
            text = f"{value:.{_OPTS.precision}f}"
        return text.rjust(self.width)


class _ComplexFormat:
    """Real and imaginary parts, each with its own format: ``1.0000+2.0000j``."""

    def __init__(self, values: numpy.ndarray) -> None:
        self.real, self.imag = _Format(values.real), _Format(values.imag)
        self.width = self.real.width + self.imag.width + 1

    def __call__(self, value: complex) -> str:
        real = self.real(value.real)
        imag = (self.imag(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _summary(a: numpy.ndarray) -> numpy.ndarray:
    """The elements a summarised print shows (those that decide its format)."""
    e = _OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return numpy.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return a[(slice(0, 0),) * a.ndim]
    rows = _rows(a.shape[0], True)
    return numpy.stack([_summary(a[i]) for i in rows if i is not None])


def _rows(n: int, summarize: bool) -> list[int | None]:
    """The indices of axis 0 to show, ``None`` standing for the elided middle."""
    e = _OPTS.edgeitems
    if summarize and n > 2 * e:
        return [*range(e), None, *range(n - e, n)]
    return list(range(n))


def _body(a: numpy.ndarray, indent: int, summarize: bool, fmt: _Format | _ComplexFormat) -> str:
    if a.ndim == 0:
        return fmt(a.item())
    if a.ndim == 1:
        if summarize and not _OPTS.edgeitems:
            items = ["..."]
        else:
            items = [" ..." if i is None else fmt(a[i].item()) for i in _rows(len(a), summarize)]
        per_line = max(1, math.floor((_OPTS.linewidth - indent) / (fmt.width + 2)))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [
        "..." if i is None else _body(a[i], indent + 1, summarize, fmt)
        for i in _rows(len(a), summarize)
    ]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ``, suffix`` after the body, each on a new line if it would pass ``linewidth``."""
    out = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last_line + len(s) + 2 > _OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last_line = indent + len(s)
        else:
            out.append(", " + s)
            last_line += len(s) + 2
    return "".join(out) + ")"


def tensor_repr(
    data: numpy.ndarray,
    *,
    default_dtype: numpy.dtype,
    grad_fn: str | None = None,
    requires_grad: bool = False,
    device: str | None = None,
) -> str:
    """``tensor(...)``, as PyTorch prints a tensor of these values: the values, then the
    suffixes PyTorch adds (``device=``, ``size=`` for an empty tensor that is not 1-d,
    ``dtype=`` unless it is the default float, its complex, int64 or bool, ``grad_fn=<...>``
    or ``requires_grad=True``). ``data`` is a NumPy array; ``default_dtype`` the float dtype
    that needs no suffix."""
    prefix = "tensor("
    indent = len(prefix)
    default = numpy.dtype(default_dtype)
    default_complex = numpy.dtype(numpy.complex128 if default.itemsize == 8 else numpy.complex64)
    suffixes = [f"device='{device}'"] if device is not None else []
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default:
            suffixes.append(f"dtype={data.dtype}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype not in (default, default_complex, numpy.int64, numpy.bool_):
            suffixes.append(f"dtype={data.dtype}")
        summarize = data.size > _OPTS.threshold
        shown = _summary(data) if summarize else data
        fmt = _ComplexFormat(shown) if data.dtype.kind == "c" else _Format(shown)
        body = _body(data, indent, summarize, fmt)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
