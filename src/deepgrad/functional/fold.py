"""Sliding blocks: ``unfold`` (im2col) and ``fold`` (col2im), PyTorch's ``F.unfold``/``F.fold``.

``unfold`` copies every ``kh × kw`` block of the padded input into one column:

    cols[n, (c·kh + p)·kw + q, i·Wo + j] = xpad[n, c, i·sh + p·dh, j·sw + q·dw]

``(N, C, H, W)`` → ``(N, C·kh·kw, L)``, ``L = Ho·Wo`` blocks (``Ho`` as in ``conv2d``).
``fold`` is its adjoint: each column entry is added back at the position it was read from
(overlapping blocks sum), ``(N, C·kh·kw, L)`` → ``(N, C, H, W)``. Each one's gradient is the
other, so gradients of any order work. Both reuse the convolution's kernels
(:func:`deepgrad.functional.conv._im2col` / ``_col2im``, batch-major column layout); an
unbatched input (without ``N``) gives an unbatched output, as PyTorch's.

>>> import deepgrad as dg
>>> unfold(dg.zeros(1, 2, 4, 4), 2).shape
(1, 8, 9)
>>> fold(dg.ones(1, 8, 9), (4, 4), 2)[0, 0, 1]     # interior pixels lie in 2 or 4 blocks
tensor([2., 4., 4., 2.])
"""

from __future__ import annotations

from typing import Any

from .._errors import ShapeMismatchError
from ..autograd import Function
from ..tensor import Tensor
from .arguments import IntTuple, int_tuple
from .conv import _check_fits, _col2im, _Geom, _im2col
from .shape import reshape


class Unfold(Function):
    """``cols = im2col(x)`` for the geometry ``g``; ``∂x = fold(∂cols)``."""

    def __init__(self, g: _Geom) -> None:
        self.g = g

    def forward(self, x: Any) -> Any:
        return _im2col(x, self.g)

    def backward(self, gy: Tensor) -> Tensor:
        return Fold(self.g)(gy)


class Fold(Function):
    """``x = col2im(cols)`` for the geometry ``g``; ``∂cols = unfold(∂x)``."""

    def __init__(self, g: _Geom) -> None:
        self.g = g

    def forward(self, cols: Any) -> Any:
        return _col2im(cols.copy(), self.g, None)  # _col2im may zero entries in place

    def backward(self, gx: Tensor) -> Tensor:
        return Unfold(self.g)(gx)


def _geometry(
    shape: tuple[int, ...], kernel_size: IntTuple, dilation: IntTuple, padding: IntTuple,
    stride: IntTuple, fn: str,
) -> _Geom:  # fmt: skip
    """The convolution geometry of ``shape (N, C, H, W)`` (batch-major columns)."""
    k = int_tuple(kernel_size, 2, "kernel_size", fn)
    d = int_tuple(dilation, 2, "dilation", fn)
    p = int_tuple(padding, 2, "padding", fn)
    s = int_tuple(stride, 2, "stride", fn)
    if min(k + d + s) < 1 or min(p) < 0:
        raise ValueError(
            f"{fn}: kernel_size, dilation and stride must be positive and padding non-negative, "
            f"got kernel_size={k}, dilation={d}, padding={p}, stride={s}"
        )
    g = _Geom(shape, (1, shape[1], *k), s, (p[0], p[0], p[1], p[1]), d, 1)
    g.bm = True
    _check_fits(g, fn)
    return g


def unfold(
    x: Tensor,
    kernel_size: IntTuple,
    dilation: IntTuple = 1,
    padding: IntTuple = 0,
    stride: IntTuple = 1,
) -> Tensor:
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` → ``(N, C·kh·kw, L)``, or unbatched
    ``(C, H, W)`` → ``(C·kh·kw, L)``; ``L = Ho·Wo`` with
    ``Ho = ⌊(H + 2·ph - dh·(kh - 1) - 1) / sh⌋ + 1``."""
    fn = "unfold"
    if not isinstance(x, Tensor) or x.ndim not in (3, 4):
        raise ValueError(
            f"{fn}: expected a 4-D input (N, C, H, W) or an unbatched 3-D input (C, H, W), got "
            f"shape {getattr(x, 'shape', x)}"
        )
    if x.ndim == 3:
        y = unfold(reshape(x, (1, *x.shape)), kernel_size, dilation, padding, stride)
        return reshape(y, y.shape[1:])
    g = _geometry(x.shape, kernel_size, dilation, padding, stride, fn)
    return Unfold(g)(x)


def fold(
    x: Tensor,
    output_size: IntTuple,
    kernel_size: IntTuple,
    dilation: IntTuple = 1,
    padding: IntTuple = 0,
    stride: IntTuple = 1,
) -> Tensor:
    """Sum sliding blocks back into an image (col2im), the adjoint of :func:`unfold`:
    ``(N, C·kh·kw, L)`` → ``(N, C, H, W)`` with ``(H, W) = output_size``, or unbatched
    ``(C·kh·kw, L)`` → ``(C, H, W)``; ``L`` must be the number of blocks that
    :func:`unfold` would take from ``(H, W)``."""
    fn = "fold"
    if not isinstance(x, Tensor) or x.ndim not in (2, 3):
        raise ValueError(
            f"{fn}: expected a 3-D input (N, C·kh·kw, L) or an unbatched 2-D input "
            f"(C·kh·kw, L), got shape {getattr(x, 'shape', x)}"
        )
    if x.ndim == 2:
        y = fold(reshape(x, (1, *x.shape)), output_size, kernel_size, dilation, padding, stride)
        return reshape(y, y.shape[1:])
    k = int_tuple(kernel_size, 2, "kernel_size", fn)
    N, CK, L = x.shape
    if k[0] * k[1] < 1 or CK % (k[0] * k[1]):
        raise ValueError(
            f"{fn}: expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={CK} and kernel_size={k} (input shape {x.shape})"
        )
    H, W = int_tuple(output_size, 2, "output_size", fn)
    g = _geometry((N, CK // (k[0] * k[1]), H, W), k, dilation, padding, stride, fn)
    if g.L != L:  # PyTorch: RuntimeError; deepgrad's ValueError before
        raise ShapeMismatchError(
            f"{fn}: given output_size={(H, W)}, kernel_size={k}, dilation={(g.dh, g.dw)}, "
            f"padding={(g.pt, g.pl)}, stride={(g.sh, g.sw)}, expected size of input's "
            f"dimension 2 to match the calculated number of sliding blocks {g.Ho} * {g.Wo} = "
            f"{g.L}, but got input.size(2)={L} (input shape {x.shape})"
        )
    return Fold(g)(x)
