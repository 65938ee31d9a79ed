"""Padding layers, PyTorch's: ``ZeroPad{1,2,3}d``, ``ConstantPad{1,2,3}d``,
``ReflectionPad{1,2,3}d``, ``ReplicationPad{1,2,3}d``, ``CircularPad{1,2,3}d``.

Each is :func:`deepgrad.functional.pad` with a fixed ``padding`` — PyTorch's flat tuple read
from the last axis backwards: ``(left, right)`` for the 1-D layers, ``(left, right, top,
bottom)`` for 2-D, ``(left, right, top, bottom, front, back)`` for 3-D; one int pads every
side. A negative padding crops that side, as in PyTorch. As PyTorch's, a layer takes a tuple
of any length and the call applies :func:`~deepgrad.functional.pad`'s rules to it:
``ZeroPad2d((1, 2))`` pads the last axis only, ``ReflectionPad2d((1, 2))`` pads the last
axis of a 2-D or 3-D input (and raises ``NotImplementedError`` for a 4-D one), an odd length
raises ``RuntimeError``.

Inputs: the constant-padding layers pad the last ``n`` axes of any input with at least ``n``
axes; the others (reflect, replicate, circular) take ``(N, C, *spatial)`` or an unbatched
``(C, *spatial)`` with ``n`` spatial axes, as PyTorch's.

>>> import deepgrad as dg
>>> dg.nn.ReflectionPad1d(2)(dg.tensor([[[1.0, 2.0, 3.0]]]))
tensor([[[3., 2., 1., 2., 3., 2., 1.]]])
>>> dg.nn.ZeroPad2d((1, 0, 2, 1))(dg.zeros(1, 1, 3, 3)).shape
(1, 1, 6, 4)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy

from .. import functional as F
from .._errors import ValueRangeError
from ..tensor import Tensor
from .module import Module


def _widths(padding: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    """PyTorch's ``_ntuple(2n)``: one int repeated ``2n`` times, a sequence of ints kept as
    it is, whatever its length (PyTorch's layers take any length at construction and apply
    :func:`F.pad`'s rules at the call: ``ZeroPad2d((1, 2))`` pads the last axis only)."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * n)
    try:
        items = tuple(padding)
    except TypeError:
        items = None
    if items is None or not all(
        isinstance(p, (int, numpy.integer)) and not isinstance(p, bool) for p in items
    ):
        raise TypeError(
            f"{name}: padding must be an int or a tuple of ints ({2 * n} of them: from the "
            f"last axis backwards), got {padding!r}"
        )
    return tuple(int(p) for p in items)


def _check_flat(x: Tensor, padding: tuple[int, ...]) -> None:
    """PyTorch's ``F.pad`` checks of a flat padding tuple against the input, in its order
    and with its ``RuntimeError``s: an even length, at most two per input axis."""
    if len(padding) % 2:
        raise RuntimeError(
            f"Padding length must be divisible by 2, got padding {padding} of length "
            f"{len(padding)} (pairs (left, right) from the last axis backwards)"
        )
    if len(padding) // 2 > x.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(padding)} and input of dimension {x.ndim}"
        )


def pad_with_crop(
    x: Tensor, padding: tuple[int, ...], mode: str, value: float, name: str
) -> Tensor:
    """``F.pad(x, padding, mode, value)`` for the layer ``name``: ``padding`` is PyTorch's
    flat tuple, padding the last ``len(padding) // 2`` axes; a negative width crops its side
    (``"constant"`` and ``"circular"`` crop first, ``"reflect"`` and ``"replicate"`` pad from
    the input's own edges and then crop, as PyTorch's :func:`F.pad` which its layers call).
    An empty tuple changes nothing (a copy)."""
    _check_flat(x, padding)
    if not padding:
        padding = (0, 0) if x.ndim else padding
    try:
        return F.pad(x, padding, mode=mode, value=value)
    except ValueError as e:  # sizes the padding does not fit: PyTorch's RuntimeError
        raise ValueRangeError(f"{name}: {e}") from None


class _PadNd(Module):
    """The shared layer: ``padding`` (PyTorch's flat tuple, ``2·_nd`` numbers for the
    layer's own axes), the ``_mode`` of :func:`F.pad`."""

    _nd = 1
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, self._nd, type(self).__name__)

    def _check_input(self, x: Tensor) -> None:
        """The non-constant modes' input checks: the circular layers' own (an input of
        ``_nd + 1`` or ``_nd + 2`` dims, PyTorch's ``ValueError``), then :func:`F.pad`'s
        (the padding's length against the input's dims) and non-empty padded axes."""
        n, name = self._nd, type(self).__name__
        if self._mode == "circular" and x.ndim not in (n + 1, n + 2):
            raise ValueError(
                f"{name}: expected {n + 1}D or {n + 2}D input (got {x.ndim}D input), of shape "
                f"{x.shape}"
            )
        _check_flat(x, self.padding)
        k = len(self.padding) // 2  # the axes the padding reaches (PyTorch's F.pad rule)
        if x.ndim not in (k + 1, k + 2) or k not in (1, 2, 3):
            raise NotImplementedError(
                f"Padding size {len(self.padding)} is not supported for {x.ndim}D input "
                f"tensor ({name}, padding {self.padding}). Supported combinations for "
                "non-constant padding: 2D or 3D input: padding size = 2 (pads last dimension); "
                "3D or 4D input: padding size = 4 (pads last 2 dimensions); 4D or 5D input: "
                "padding size = 6 (pads last 3 dimensions)"
            )
        if self._mode != "circular" and 0 in x.shape[x.ndim - k - 1 :]:
            raise ValueRangeError(
                f"{name}: expected non-zero sizes except the batch axis, got shape {x.shape}"
            )

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor, got {type(input).__name__}")
        if self._mode != "constant":
            self._check_input(input)
        return pad_with_crop(input, self.padding, self._mode, self._value(), type(self).__name__)

    def _value(self) -> float:
        return 0.0

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _value(self) -> float:
        return self.value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last axis with ``value``: ``(*, L)`` → ``(*, left + L + right)``."""


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two axes with ``value``: ``(*, H, W)`` → ``(*, top + H + bottom,
    left + W + right)``."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three axes with ``value``: ``(*, D, H, W)`` → ``(*, D', H', W')``."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pads the last axis with zeros: ``(*, L)`` → ``(*, left + L + right)``."""


class ZeroPad2d(_ZeroPadNd):
    """Pads the last two axes with zeros: ``(*, H, W)`` → ``(*, H', W')``."""

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last three axes with zeros: ``(*, D, H, W)`` → ``(*, D', H', W')``."""

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Mirrors at the edge without repeating it (``[1 2 3]`` by 2 → ``[3 2 1 2 3 2 1]``):
    ``(N, C, L)`` or ``(C, L)``; each padding smaller than the axis."""

    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Reflection padding of ``(N, C, H, W)`` or ``(C, H, W)``."""

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Reflection padding of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeats the edge value (``[1 2 3]`` by 2 → ``[1 1 1 2 3 3 3]``): ``(N, C, L)`` or
    ``(C, L)``."""

    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Replication padding of ``(N, C, H, W)`` or ``(C, H, W)``."""

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Replication padding of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wraps around (``[1 2 3]`` by 2 → ``[2 3 1 2 3 1 2]``): ``(N, C, L)`` or ``(C, L)``;
    each padding at most the axis size."""

    _mode = "circular"


class CircularPad2d(_PadNd):
    """Circular padding of ``(N, C, H, W)`` or ``(C, H, W)``."""

    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Circular padding of ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    _nd, _mode = 3, "circular"
