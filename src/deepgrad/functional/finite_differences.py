"""``gradient``: PyTorch's estimate of a sampled function's derivatives by finite differences
(second-order central differences inside, first- or second-order one-sided ones at the
edges), along each of the chosen dims. Built from slicing and arithmetic, so it is
differentiable in ``input``.

Along one dim with sample spacing ``h`` (uniform) the estimate is::

    inside:          (f[i+1] - f[i-1]) / 2h
    edges, order 1:  (f[1] - f[0]) / h,               (f[-1] - f[-2]) / h
    edges, order 2:  (-3 f[0] + 4 f[1] - f[2]) / 2h,  (3 f[-1] - 4 f[-2] + f[-3]) / 2h

and with coordinates ``x`` (non-uniform: ``hs = x[i] - x[i-1]``, ``hd = x[i+1] - x[i]``) the
inside is ``(hs² f[i+1] + (hd² - hs²) f[i] - hd² f[i-1]) / (hs·hd·(hs + hd))`` and the
edges their one-sided forms in the same coordinates (NumPy's and PyTorch's formulas).

>>> import deepgrad as dg
>>> dg.gradient(dg.tensor([1.0, 2.0, 4.0, 8.0]))[0].tolist()
[1.0, 1.5, 3.0, 4.0]
"""

from __future__ import annotations

import numbers
from typing import Any

from .. import backend
from .._names import torch_names
from ..tensor import Tensor
from .elementwise import _floating
from .shape import _norm_axis, concat, movedim


def _dims(dim: Any, ndim: int) -> list[int]:
    if dim is None:
        return list(range(ndim))
    dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    out = [_norm_axis(int(d), ndim, "torch.gradient") for d in dims]
    if len(set(out)) != len(out):
        raise RuntimeError(f"torch.gradient: dim {list(dims)} appears multiple times in the list")
    return out


def _spacings(spacing: Any, dims: list[int]) -> list[Any]:
    """One entry per dim: a float (uniform spacing) or a 1-D coordinate array."""
    if isinstance(spacing, numbers.Number):
        return [float(spacing)] * len(dims)
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        return [float(spacing.item())] * len(dims)
    items = list(spacing)
    if len(items) != len(dims):
        raise RuntimeError(
            f"torch.gradient expected spacing to be unspecified, a scalar or a list of length "
            f"equal to 'self.dim() = {len(dims)}', since dim argument was not given, but got "
            f"a list of length {len(items)}"
        )
    out = []
    for s in items:
        if isinstance(s, Tensor):
            out.append(float(s.item()) if s.ndim == 0 else s._data.astype(float))
        else:
            out.append(float(s))
    return out


def _along_first(f: Tensor, h: Any, edge_order: int) -> Tensor:
    """The estimate along dim 0 of ``f`` (the dim moved there), ``h`` a spacing or the
    coordinates."""
    xp = backend.xp
    n = f.shape[0]
    tail = (1,) * (f.ndim - 1)
    if isinstance(h, float):
        inner = (f[2:] - f[:-2]) / (2.0 * h)
        if edge_order == 1:
            first = (f[1:2] - f[0:1]) / h
            last = (f[-1:] - f[-2:-1]) / h
        else:
            first = (-1.5 * f[0:1] + 2.0 * f[1:2] - 0.5 * f[2:3]) / h
            last = (0.5 * f[-3:-2] - 2.0 * f[-2:-1] + 1.5 * f[-1:]) / h
        return concat([first, inner, last], 0)
    x = xp.asarray(h)
    if x.shape != (n,):
        raise RuntimeError(
            f"torch.gradient expected each tensor to be on the same device and of the length "
            f"of its dim ({n}), got coordinates of shape {tuple(x.shape)}"
        )
    dx = xp.diff(x)

    def const(v: Any) -> Tensor:
        return Tensor._from_op(xp.asarray(v, dtype=f._data.dtype).reshape((-1,) + tail), None, 0)

    hs, hd = dx[:-1], dx[1:]
    a = -hd / (hs * (hd + hs))
    b = (hd - hs) / (hd * hs)
    c = hs / (hd * (hd + hs))
    inner = const(a) * f[:-2] + const(b) * f[1:-1] + const(c) * f[2:]
    if edge_order == 1:
        first = (f[1:2] - f[0:1]) / float(dx[0])
        last = (f[-1:] - f[-2:-1]) / float(dx[-1])
    else:
        h1, h2 = float(dx[0]), float(dx[1])
        a0 = -(2.0 * h1 + h2) / (h1 * (h1 + h2))
        b0 = (h1 + h2) / (h1 * h2)
        c0 = -h1 / (h2 * (h1 + h2))
        first = a0 * f[0:1] + b0 * f[1:2] + c0 * f[2:3]
        h1, h2 = float(dx[-2]), float(dx[-1])
        a1 = h2 / (h1 * (h1 + h2))
        b1 = -(h2 + h1) / (h1 * h2)
        c1 = (2.0 * h2 + h1) / (h2 * (h1 + h2))
        last = a1 * f[-3:-2] + b1 * f[-2:-1] + c1 * f[-1:]
    return concat([first, inner, last], 0)


@torch_names
def gradient(
    input: Tensor,  # noqa: A002 - PyTorch's name
    *,
    spacing: Any = 1,
    dim: Any = None,
    edge_order: int = 1,
) -> tuple[Tensor, ...]:
    """The finite-difference derivative of ``input`` along each of ``dim`` (all dims by
    default): one tensor of ``input``'s shape per dim. ``spacing`` is one number for all dims,
    one per dim, or one 1-D coordinate tensor per dim (constants: no gradient flows to
    them); ``edge_order`` 1 or 2 picks the edges' one-sided formula. Each dim needs at least
    ``edge_order + 1`` samples. Integer inputs give the default float dtype."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    if edge_order not in (1, 2):
        raise RuntimeError(
            f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}"
        )
    dims = _dims(dim, x.ndim)
    hs = _spacings(spacing, dims)
    x = _floating(x)
    out = []
    for d, h in zip(dims, hs):
        if x.shape[d] < edge_order + 1:
            raise RuntimeError(
                f"torch.gradient expected each dimension size to be at least edge_order+1 "
                f"({edge_order + 1}), got size {x.shape[d]} along dim {d}"
            )
        out.append(movedim(_along_first(movedim(x, d, 0), h, edge_order), 0, d))
    return tuple(out)
