"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d`` (global pooling with
``output_size=1``), ``AdaptiveMaxPool2d``, ``MaxPool1d``, ``AvgPool1d``, ``AdaptiveAvgPool1d``,
``AdaptiveMaxPool1d``, the 3-D forms, power-average pooling ``LPPool1d/2d/3d`` and fractional
max pooling ``FractionalMaxPool2d/3d``.

No parameters; the math is in :mod:`deepgrad.functional.pooling`. Input ``(N, C, H, W)``
(``(N, C, L)`` for the 1-D layers), or one unbatched sample ``(C, H, W)`` (``(C, L)``) that
gives an unbatched output, as in PyTorch; ``stride`` defaults to ``kernel_size``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from .. import functional as F
from .._errors import with_prefix
from ..tensor import Tensor
from .module import Module

IntPair = int | Sequence[int]


def _run(layer: Module, fn: Any, x: Tensor, *args: Any) -> Any:
    """``fn(x, *args)`` with the layer named in errors (the functions take an unbatched
    sample ``(C, *spatial)`` too, as PyTorch's)."""
    try:
        return fn(x, *args)
    except ValueError as e:
        raise with_prefix(e, layer._short()) from None  # type: ignore[attr-defined]


def _ntuple(v: Any, n: int) -> Any:
    """``v`` as PyTorch's ``_single``/``_pair``/``_triple`` store it (for reprs)."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _MaxPoolNd(Module):
    """Max pooling, shared by the 1-D and 2-D layers (``_fn`` is the function)."""

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    _fn: Any

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _run(self, self._fn, input, self.kernel_size, self.stride, self.padding,
                    self.dilation, self.ceil_mode, self.return_indices)  # fmt: skip

    def _short(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size})"

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")  # fmt: skip


class MaxPool2d(_MaxPoolNd):
    """Max over each ``kernel_size`` window: ``(N, C, H, W)`` → ``(N, C, Ho, Wo)`` with
    ``Ho = ⌊(H + 2·padding - dilation·(k-1) - 1) / stride⌋ + 1`` (⌈…⌉ with ``ceil_mode``).
    The gradient goes to each window's maximum (the first one on ties). Arguments in
    PyTorch's order: ``return_indices`` (also return the flat position ``h·W + w`` of each
    maximum, for :class:`MaxUnpool2d`) comes before ``ceil_mode``.

    >>> import deepgrad as dg
    >>> dg.nn.MaxPool2d(2)(dg.zeros(8, 16, 28, 28)).shape
    (8, 16, 14, 14)
    """

    _fn = staticmethod(F.max_pool2d)


class AvgPool2d(Module):
    """Mean over each ``kernel_size`` window: ``(N, C, H, W)`` → ``(N, C, Ho, Wo)``
    (``Ho`` as :class:`MaxPool2d` without dilation). ``count_include_pad=True`` (PyTorch's
    default) divides by the window size including zero padding; ``divisor_override`` fixes
    the divisor."""

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, F.avg_pool2d, input, self.kernel_size, self.stride, self.padding,
                    self.ceil_mode, self.count_include_pad, self.divisor_override)  # fmt: skip

    def _short(self) -> str:
        return f"AvgPool2d(kernel_size={self.kernel_size})"

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` ``(Ho, Wo)`` for any input size (PyTorch's
    windows ``[⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)``). ``AdaptiveAvgPool2d(1)`` is global average pooling:
    ``(N, C, H, W)`` → ``(N, C, 1, 1)``; ``None`` in ``output_size`` keeps that axis."""

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, F.adaptive_avg_pool2d, input, self.output_size)

    def _short(self) -> str:
        return f"AdaptiveAvgPool2d(output_size={self.output_size})"

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(Module):
    """Average pooling of a volume to a fixed ``output_size`` ``(Do, Ho, Wo)`` for any input
    size (:func:`deepgrad.functional.adaptive_avg_pool3d`): ``(N, C, D, H, W)`` →
    ``(N, C, Do, Ho, Wo)``; ``AdaptiveAvgPool3d(1)`` is global average pooling; ``None`` in
    ``output_size`` keeps that axis."""

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, F.adaptive_avg_pool3d, input, self.output_size)

    def _short(self) -> str:
        return f"AdaptiveAvgPool3d(output_size={self.output_size})"

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(_MaxPoolNd):
    """Max over windows of a sequence: ``(N, C, L)`` → ``(N, C, Lo)`` (the arguments are
    single ints)."""

    _fn = staticmethod(F.max_pool1d)


class AvgPool1d(Module):
    """Mean over windows of a sequence: ``(N, C, L)`` → ``(N, C, Lo)``."""

    def __init__(
        self,
        kernel_size: int,
        stride: int | None = None,
        padding: int = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        # PyTorch's AvgPool1d keeps its sizes as 1-tuples (``_single``)
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(kernel_size if stride is None else stride, 1)
        self.padding = _ntuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, F.avg_pool1d, input, self.kernel_size, self.stride, self.padding,
                    self.ceil_mode, self.count_include_pad)  # fmt: skip

    def _short(self) -> str:
        return f"AvgPool1d(kernel_size={self.kernel_size[0]})"

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling of a sequence to a fixed length: ``(N, C, L)`` → ``(N, C, Lo)``, output
    ``i`` averaging ``[⌊i·L/Lo⌋, ⌈(i+1)·L/Lo⌉)``. ``AdaptiveAvgPool1d(1)`` is global average
    pooling over time.

    >>> import deepgrad as dg
    >>> dg.nn.AdaptiveAvgPool1d(4)(dg.zeros(2, 8, 30)).shape
    (2, 8, 4)
    """

    def __init__(self, output_size: int | Sequence[int]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, F.adaptive_avg_pool1d, input, self.output_size)

    def _short(self) -> str:
        return f"AdaptiveAvgPool1d(output_size={self.output_size})"

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    """Adaptive max pooling, shared by the 1-, 2- and 3-D layers (``_fn`` is the function)."""

    _fn: Any

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _run(self, self._fn, input, self.output_size, self.return_indices)

    def _short(self) -> str:
        return f"{type(self).__name__}(output_size={self.output_size})"

    def extra_repr(self) -> str:  # PyTorch's: the output size alone
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``output_size`` ``(Ho, Wo)`` for any input size: ``(N, C, H, W)``
    → ``(N, C, Ho, Wo)``, window ``(i, j)`` covering rows ``[⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)`` and the
    matching columns (PyTorch's). ``None`` in ``output_size`` keeps that axis;
    ``return_indices=True`` also returns the int64 flat positions ``h·W + w`` of the maxima.

    >>> import deepgrad as dg
    >>> dg.nn.AdaptiveMaxPool2d((3, None))(dg.zeros(2, 4, 10, 7)).shape
    (2, 4, 3, 7)
    """

    _fn = staticmethod(F.adaptive_max_pool2d)

    def __init__(
        self, output_size: int | Sequence[int | None], return_indices: bool = False
    ) -> None:
        super().__init__(output_size, return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of a sequence to a fixed length: ``(N, C, L)`` → ``(N, C, Lo)``, output
    ``i`` the maximum over ``[⌊i·L/Lo⌋, ⌈(i+1)·L/Lo⌉)``; ``return_indices=True`` also returns
    the int64 positions of the maxima."""

    _fn = staticmethod(F.adaptive_max_pool1d)

    def __init__(self, output_size: int | Sequence[int], return_indices: bool = False) -> None:
        super().__init__(output_size, return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of a volume to a fixed ``output_size`` ``(Do, Ho, Wo)``: ``(N, C, D, H, W)``
    (or unbatched ``(C, D, H, W)``) → ``(N, C, Do, Ho, Wo)`` with PyTorch's windows on each
    axis (:func:`~deepgrad.functional.adaptive_max_pool3d`); ``None`` keeps an axis;
    ``return_indices=True`` also returns the int64 flat positions ``(d·H + h)·W + w``.

    >>> import deepgrad as dg
    >>> dg.nn.AdaptiveMaxPool3d((2, None, 1))(dg.zeros(2, 4, 5, 6, 7)).shape
    (2, 4, 2, 6, 1)
    """

    _fn = staticmethod(F.adaptive_max_pool3d)

    def __init__(
        self, output_size: int | Sequence[int | None], return_indices: bool = False
    ) -> None:
        super().__init__(output_size, return_indices)


class _FractionalMaxPoolNd(Module):
    """Fractional max pooling (PyTorch's ``nn.FractionalMaxPool2d/3d``): ``kernel_size`` boxes at
    pseudo-random steps down to ``output_size`` or ``output_ratio`` (one of them; a ratio in
    ``(0, 1)``). Without ``_random_samples`` every call draws new steps from deepgrad's seeded
    generator; given, they are a buffer (in the state dict) and fix the windows."""

    _fn: Any
    _nd: int

    def __init__(
        self,
        kernel_size: IntPair,
        output_size: IntPair | None = None,
        output_ratio: float | Sequence[float] | None = None,
        return_indices: bool = False,
        _random_samples: Any = None,
    ) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        self.kernel_size = _ntuple(kernel_size, nd)
        self.return_indices = return_indices
        if isinstance(_random_samples, dict):  # get_config's form: the values and dtype
            _random_samples = numpy.asarray(_random_samples["values"], _random_samples["dtype"])
        if _random_samples is not None and not isinstance(_random_samples, Tensor):
            _random_samples = Tensor._wrap(_random_samples)
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else _ntuple(output_size, nd)
        self.output_ratio = None if output_ratio is None else _ntuple(output_ratio, nd)
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"{name} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return _run(self, self._fn, input, self.kernel_size, self.output_size, self.output_ratio,
                    self.return_indices, self._random_samples)  # fmt: skip

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        u = self._random_samples
        if config.get("_random_samples") is not None and u is not None:
            config["_random_samples"] = {"values": u.tolist(), "dtype": str(u.dtype)}
        return config

    def _short(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size})"


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-D fractional max pooling (:func:`~deepgrad.functional.fractional_max_pool2d`):
    ``(N, C, H, W)`` or ``(C, H, W)`` → ``(N, C, Ho, Wo)``.

    >>> import deepgrad as dg
    >>> dg.nn.FractionalMaxPool2d(3, output_ratio=0.5)(dg.zeros(2, 4, 10, 9)).shape
    (2, 4, 5, 4)
    """

    _fn, _nd = staticmethod(F.fractional_max_pool2d), 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-D fractional max pooling (:func:`~deepgrad.functional.fractional_max_pool3d`):
    ``(N, C, D, H, W)`` or ``(C, D, H, W)`` → ``(N, C, Do, Ho, Wo)``."""

    _fn, _nd = staticmethod(F.fractional_max_pool3d), 3


class MaxPool3d(_MaxPoolNd):
    """Max over each ``kernel_size`` box: ``(N, C, D, H, W)`` → ``(N, C, Do, Ho, Wo)`` (or
    unbatched ``(C, D, H, W)``), sizes as :class:`MaxPool2d` per axis. Arguments in
    PyTorch's order (``return_indices`` before ``ceil_mode``)."""

    _fn = staticmethod(F.max_pool3d)


class AvgPool3d(Module):
    """Mean over each ``kernel_size`` box: ``(N, C, D, H, W)`` → ``(N, C, Do, Ho, Wo)`` (or
    unbatched ``(C, D, H, W)``); ``count_include_pad`` and ``divisor_override`` as
    :class:`AvgPool2d`."""

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, F.avg_pool3d, input, self.kernel_size, self.stride, self.padding,
                    self.ceil_mode, self.count_include_pad, self.divisor_override)  # fmt: skip

    def _short(self) -> str:
        return f"AvgPool3d(kernel_size={self.kernel_size})"

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _LPPoolNd(Module):
    """Power-average pooling ``(Σ_window x^p)^(1/p)`` (``p = norm_type``; ∞ is max pooling
    of ``|x|``), shared by the 1-, 2- and 3-D layers; ``stride=None`` means the kernel
    size, kept as ``None`` (PyTorch's attribute)."""

    _fn: Any

    def __init__(
        self,
        norm_type: float,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return _run(self, self._fn, input, float(self.norm_type), self.kernel_size, self.stride,
                    self.ceil_mode)  # fmt: skip

    def _short(self) -> str:
        return f"{type(self).__name__}(norm_type={self.norm_type}, kernel_size={self.kernel_size})"

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling of sequences (:func:`~deepgrad.functional.lp_pool1d`):
    ``(N, C, L)`` or ``(C, L)`` → ``(N, C, Lo)``, ``Lo = ⌊(L - k) / s⌋ + 1``.

    >>> import deepgrad as dg
    >>> dg.nn.LPPool1d(2, 2)(dg.tensor([[[3.0, 4.0]]])).tolist()
    [[[5.0]]]
    """

    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling of images (:func:`~deepgrad.functional.lp_pool2d`):
    ``(N, C, H, W)`` or ``(C, H, W)`` → ``(N, C, Ho, Wo)``."""

    _fn = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling of volumes (:func:`~deepgrad.functional.lp_pool3d`):
    ``(N, C, D, H, W)`` or ``(C, D, H, W)`` → ``(N, C, Do, Ho, Wo)``."""

    _fn = staticmethod(F.lp_pool3d)


class _MaxUnpoolNd(Module):
    """Inverse of max pooling (PyTorch's ``nn.MaxUnpool1d/2d/3d``): ``forward(input, indices,
    output_size=None)`` puts each value at the index its ``MaxPool(return_indices=True)``
    returned, zeros elsewhere (:mod:`deepgrad.functional.pool_indices`)."""

    _fn: Any
    _nd: int

    def __init__(
        self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
    ) -> None:
        super().__init__()
        # PyTorch's MaxUnpool keeps its sizes as n-tuples (``_single``/``_pair``/``_triple``)
        n = self._nd
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(kernel_size if stride is None else stride, n)
        self.padding = _ntuple(padding, n)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        return _run(self, self._fn, input, indices, self.kernel_size, self.stride,
                    self.padding, output_size)  # fmt: skip

    def _short(self) -> str:
        k = self.kernel_size[0] if len(set(self.kernel_size)) == 1 else self.kernel_size
        return f"{type(self).__name__}(kernel_size={k})"

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``(N, C, Lo)`` values and indices → ``(N, C, L)``, ``L = (Lo - 1)·stride -
    2·padding + kernel_size`` (or ``output_size``).

    >>> import deepgrad as dg
    >>> pool, unpool = dg.nn.MaxPool1d(2, return_indices=True), dg.nn.MaxUnpool1d(2)
    >>> unpool(*pool(dg.tensor([[[1.0, 3.0, 2.0, 0.0]]]))).tolist()
    [[[0.0, 3.0, 2.0, 0.0]]]
    """

    _fn = staticmethod(F.max_unpool1d)
    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """``(N, C, Ho, Wo)`` values and indices → ``(N, C, H, W)`` (sizes as
    :class:`MaxUnpool1d` per axis)."""

    _fn = staticmethod(F.max_unpool2d)
    _nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """``(N, C, Do, Ho, Wo)`` values and indices → ``(N, C, D, H, W)``."""

    _fn = staticmethod(F.max_unpool3d)
    _nd = 3
