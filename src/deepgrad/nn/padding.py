"""Padding layers, PyTorch's: ``ZeroPad{1,2,3}d``, ``ConstantPad{1,2,3}d``,
``ReflectionPad{1,2,3}d``, ``ReplicationPad{1,2,3}d``, ``CircularPad{1,2,3}d``.

Each is :func:`deepgrad.functional.pad` with a fixed ``padding`` — PyTorch's flat tuple read
from the last axis backwards: ``(left, right)`` for the 1-D layers, ``(left, right, top,
bottom)`` for 2-D, ``(left, right, top, bottom, front, back)`` for 3-D; one int pads every
side. A negative padding crops that side, as in PyTorch.

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

from .. import functional as F
from ..tensor import Tensor
from .module import Module


def _widths(padding: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    """PyTorch's ``_ntuple(2n)``: one int repeated, or exactly ``2n`` ints."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * n)
    items = tuple(padding)
    if len(items) != 2 * n or not all(
        isinstance(p, int) and not isinstance(p, bool) for p in items
    ):
        raise ValueError(
            f"{name}: padding must be an int or a tuple of {2 * n} ints (from the last axis "
            f"backwards), got {padding!r}"
        )
    return items


def pad_with_crop(
    x: Tensor, padding: tuple[int, ...], mode: str, value: float, name: str
) -> Tensor:
    """``F.pad(x, padding, mode, value)`` where a negative width crops its side first (as
    PyTorch's padding layers: the crop comes before the reflection / wrap)."""
    n = len(padding) // 2
    if x.ndim < n:
        raise ValueError(f"{name}: expected an input with at least {n} dims, got shape {x.shape}")
    if min(padding) < 0:
        index = [slice(None)] * x.ndim
        for i in range(n):
            axis = x.ndim - 1 - i
            lo, hi = -min(padding[2 * i], 0), -min(padding[2 * i + 1], 0)
            if lo + hi > x.shape[axis]:
                raise ValueError(
                    f"{name}: padding {padding} crops {lo + hi} from axis {axis} of size "
                    f"{x.shape[axis]} (input shape {x.shape})"
                )
            index[axis] = slice(lo, x.shape[axis] - hi)
        x = x[tuple(index)]
        padding = tuple(max(p, 0) for p in padding)
    try:
        return F.pad(x, padding, mode=mode, value=value)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


class _PadNd(Module):
    """The shared layer: ``padding`` (a ``2·_nd`` tuple), the ``_mode`` of :func:`F.pad`."""

    _nd = 1
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, self._nd, type(self).__name__)

    def _check_input(self, x: Tensor) -> None:
        n, name = self._nd, type(self).__name__
        if x.ndim not in (n + 1, n + 2):
            raise ValueError(
                f"{name}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) input, got "
                f"shape {x.shape}"
            )
        if self._mode != "circular" and 0 in x.shape[x.ndim - n - 1 :]:
            raise ValueError(
                f"{name}: expected non-zero sizes except the batch axis, got shape {x.shape}"
            )

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor, got {type(x).__name__}")
        if self._mode != "constant":
            self._check_input(x)
        return pad_with_crop(x, self.padding, self._mode, self._value(), type(self).__name__)

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
