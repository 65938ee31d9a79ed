"""Histograms with their bin edges: ``histogram`` (one dim) and ``histogramdd`` (the last dim
of the input holds the ``D`` coordinates of each point), PyTorch's names and contracts.

``bins`` is a count (equal-width bins over ``range``, by default the data's own range, widened
by ½ each side when it is one value and ``[0, 1]`` for no data) or the edges themselves (a
1-D increasing tensor; one per dim for ``histogramdd``). Each bin holds ``[left, right)``,
the last one ``[left, right]``; points outside are not counted. ``weight`` weighs each point,
``density`` divides by the total and the bin volume. Floating inputs only, as PyTorch; not
differentiable (PyTorch's are not either).

>>> import deepgrad as dg
>>> h = dg.histogram(dg.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, range=(0.0, 4.0))
>>> h.hist.tolist(), h.bin_edges.tolist()
([0.0, 2.0, 1.0, 1.0], [0.0, 1.0, 2.0, 3.0, 4.0])
"""

from __future__ import annotations

import builtins
import numbers
from collections import namedtuple
from typing import Any

import numpy

from .. import backend
from .._errors import bool_arg
from ..tensor import Tensor, torch_linspace

#: ``torch.histogram``'s result
HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])
#: ``torch.histogramdd``'s result (``bin_edges``: a tuple of one 1-D tensor per dim)
HistogramddResult = namedtuple("histogramdd", ["hist", "bin_edges"])


def _linspace(lo: Any, hi: Any, steps: int, dtype: Any) -> Any:
    """PyTorch's CPU ``linspace`` in ``dtype`` (:func:`deepgrad.tensor.torch_linspace`): the
    bin edges PyTorch's histogram counts against, value for value."""
    return backend.xp.asarray(torch_linspace(lo, hi, steps, numpy.dtype(dtype)))


def _array(x: Any, what: str) -> Any:
    a = x._data if isinstance(x, Tensor) else backend.xp.asarray(x)
    if a.dtype.kind != "f":
        raise NotImplementedError(
            f'"{what}" not implemented for {a.dtype}: expected a floating tensor (cast it '
            f"with .float() or .double())"
        )
    return a


def _edges(col: Any, bins: Any, rng: Any, dim: int, dtype: Any, fn: str) -> Any:
    """The bin edges of one dim: given, or ``bins + 1`` evenly spaced over the range."""
    xp = backend.xp
    if isinstance(bins, Tensor) or not isinstance(bins, numbers.Integral):
        e = _array(bins, fn)
        if e.ndim != 1 or e.shape[0] < 1:
            raise RuntimeError(f"{fn}: bins tensor should have one dimension and at least 1 edge")
        if e.dtype != dtype:
            raise RuntimeError(
                f"{fn}: input tensor and bins tensors should have the same dtype, but got "
                f"input {dtype} and bins {e.dtype}"
            )
        if e.shape[0] > 1 and bool((e[1:] < e[:-1]).any()):
            raise ValueError(f"{fn}: bin edges of dim {dim} must be increasing")
        return e
    if isinstance(bins, bool) or int(bins) <= 0:
        raise RuntimeError(f"{fn}: bins must be > 0, but got {bins} for dimension {dim}")
    if rng is not None:
        lo, hi = float(rng[0]), float(rng[1])
    elif col.size:
        lo, hi = float(col.min()), float(col.max())
    else:
        lo, hi = 0.0, 1.0
    if not (numpy.isfinite(lo) and numpy.isfinite(hi)):
        raise RuntimeError(f"{fn}: dimension {dim}'s range [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(
            f"{fn}: min should not exceed max, but got min {lo} max {hi} for dimension {dim}"
        )
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return xp.asarray(_linspace(lo, hi, int(bins) + 1, dtype))


def _bin_of(col: Any, edges: Any) -> tuple[Any, Any]:
    """Each value's bin (``[left, right)``, the last one closed) and whether it is inside."""
    xp = backend.xp
    n = edges.shape[0] - 1
    inside = (col >= edges[0]) & (col <= edges[-1]) & (n > 0)
    pos = xp.searchsorted(edges, col, side="right") - 1
    return xp.clip(pos, 0, max(n - 1, 0)), inside


def _count(points: Any, bins: list, rngs: list, weight: Any, density: bool, fn: str) -> Any:
    xp = backend.xp
    dtype = points.dtype
    D = points.shape[1]
    edges = [_edges(points[:, d], bins[d], rngs[d], d, dtype, fn) for d in range(D)]
    shape = tuple(int(e.shape[0]) - 1 for e in edges)
    keep = xp.ones(points.shape[0], bool)
    flat = xp.zeros(points.shape[0], numpy.int64)
    for d in range(D):
        pos, inside = _bin_of(points[:, d], edges[d])
        keep &= inside
        flat = flat * shape[d] + pos
    w = None
    if weight is not None:
        w = _array(weight, fn).reshape(-1)
        if w.shape[0] != points.shape[0]:
            raise RuntimeError(
                f"{fn}: if weight tensor is provided it should have the same shape as the "
                f"input tensor excluding its innermost dimension ({points.shape[0]} points), "
                f"got {w.shape[0]} weights"
            )
        w = w[keep]
    size = int(numpy.prod(shape))
    hist = xp.bincount(flat[keep], weights=w, minlength=size).astype(dtype).reshape(shape)
    if density:
        total = hist.sum()
        for d in range(D):
            widths = xp.diff(edges[d]).reshape((-1,) + (1,) * (D - d - 1))
            hist = hist / widths
        hist = (hist / total).astype(dtype)
    return hist, edges


def histogram(
    input: Tensor,  # noqa: A002 - PyTorch's name
    bins: Any = 100,
    *,
    range: Any = None,  # noqa: A002 - PyTorch's name
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramResult:
    """The histogram of all of ``input``'s values: ``(hist, bin_edges)``, both of the input's
    dtype (see the module's notes for ``bins``, ``range``, ``weight`` and ``density``)."""
    density = bool_arg(density, "histogram", "density")
    a = _array(input, "histogramdd")
    if weight is not None and tuple(_array(weight, "histogramdd").shape) != tuple(a.shape):
        raise RuntimeError(
            f"histogram: weight should have the same shape as input {tuple(a.shape)}, got "
            f"{tuple(weight.shape)}"
        )
    rng = None if range is None else tuple(range)
    hist, edges = _count(a.reshape(-1, 1), [bins], [rng], weight, density, "torch.histogram")
    return HistogramResult(Tensor._wrap(hist), Tensor._wrap(edges[0]))


def histogramdd(
    input: Tensor,  # noqa: A002 - PyTorch's name
    bins: Any = 10,
    *,
    range: Any = None,  # noqa: A002 - PyTorch's name
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramddResult:
    """The ``D``-dimensional histogram of the points ``input[..., :]`` (``D`` = the last
    dim): ``hist`` of shape ``(bins₀, …, bins_D-1)`` and one edge tensor per dim. ``bins``
    is one count for all dims, a count per dim, or a sequence of edge tensors; ``range`` is
    ``[min₀, max₀, min₁, max₁, …]``."""
    density = bool_arg(density, "histogramdd", "density")
    a = _array(input, "histogramdd")
    if a.ndim < 1:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 1 dimension")
    D = int(a.shape[-1])
    points = a.reshape(-1, D)
    if isinstance(bins, Tensor) or isinstance(bins, numbers.Integral):
        per_dim = [bins] * D
    else:
        per_dim = list(bins)
    if len(per_dim) != D:
        raise RuntimeError(
            f"torch.histogramdd: expected {D} sequences of bin edges for each dimension, but "
            f"got {len(per_dim)}"
        )
    if range is None:
        rngs = [None] * D
    else:
        flat = [float(v) for v in range]
        if len(flat) != 2 * D:
            raise RuntimeError(
                f"torch.histogramdd: for a {D}-dimensional histogram, range should have "
                f"{2 * D} elements, but got {len(flat)}"
            )
        rngs = [(flat[2 * d], flat[2 * d + 1]) for d in builtins.range(D)]
    hist, edges = _count(points, per_dim, rngs, weight, density, "torch.histogramdd")
    return HistogramddResult(Tensor._wrap(hist), tuple(Tensor._wrap(e) for e in edges))
