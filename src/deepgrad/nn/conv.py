"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``, ``ConvTranspose2d``.

Thin holders of PyTorch-shaped parameters around :mod:`deepgrad.functional.conv`:

==================  =====================================  ====================
layer               ``weight``                             ``bias``
==================  =====================================  ====================
``Conv2d``          ``(out, in/groups, kh, kw)``            ``(out,)``
``Conv1d``          ``(out, in/groups, k)``                 ``(out,)``
``ConvTranspose2d`` ``(in, out/groups, kh, kw)``            ``(out,)``
``ConvTranspose1d`` ``(in, out/groups, k)``                 ``(out,)``
==================  =====================================  ====================

Default initialization is PyTorch's: ``kaiming_uniform_(a=√5)`` for the weight, i.e.
``U(-1/√fan_in, 1/√fan_in)`` with ``fan_in = weight.shape[1] · Πkernel``, and the same bound
for the bias. ``weight_init``/``bias_init`` take a name of :func:`deepgrad.nn.init.get`
(``"kaiming_normal"``, ``"xavier_uniform"``...) or a callable. ``in_channels=None`` infers the
input channels at the first call.

``padding_mode`` (``Conv1d``/``Conv2d``, PyTorch's): ``"zeros"`` (the default) pads with
zeros inside the convolution; ``"reflect"``, ``"replicate"`` and ``"circular"`` pad the input
explicitly with :func:`deepgrad.functional.pad` and then convolve without padding, as
PyTorch's ``_conv_forward`` does (``padding="same"`` included). The transposed layers only
support ``"zeros"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import backend
from .. import functional as F
from .._errors import ShapeMismatchError, ValueRangeError, with_prefix
from ..functional.arguments import int_tuple
from ..functional.conv import channel_words
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, UninitializedParameter, built_tensor, is_lazy, is_placeholder

#: the ``padding_mode`` values of the convolution layers (PyTorch's)
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared parameter handling of the convolution layers."""

    _nd = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int],
        padding: int | Sequence[int] | str,
        dilation: int | Sequence[int],
        groups: int,
        bias: bool,
        weight_init: Any,
        bias_init: Any,
        output_padding: int | Sequence[int] = 0,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        name = type(self).__name__
        nd = self._nd
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of "
                f"{', '.join(repr(m) for m in PADDING_MODES)}, got {padding_mode!r}"
            )
        if self._transposed and padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported (as in PyTorch), got "
                f"{padding_mode!r}"
            )
        if out_channels <= 0 or (in_channels is not None and in_channels <= 0):
            # PyTorch builds such a layer but its forward raises or gives (N, 0, ...) for
            # in_channels=0, where the bias would be the answer: refused here
            raise ValueError(
                f"{name}: channels must be positive, got in={in_channels}, out={out_channels}"
            )
        if groups <= 0:
            raise ValueError(f"{name}: groups must be positive, got {groups}")
        if out_channels % groups or (in_channels is not None and in_channels % groups):
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                f"both be divisible by groups ({groups})"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = int_tuple(kernel_size, nd, "kernel_size", name)
        self.stride = int_tuple(stride, nd, "stride", name)
        self.dilation = int_tuple(dilation, nd, "dilation", name)
        if min(self.kernel_size + self.stride + self.dilation) < 1:
            raise ValueRangeError(  # PyTorch's RuntimeError for a negative size
                f"{name}: kernel_size, stride and dilation must be positive, got "
                f"kernel_size={self.kernel_size}, stride={self.stride}, dilation={self.dilation}"
            )
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                raise ValueError(
                    f"{name}: padding must be an int, a tuple"
                    f"{'' if self._transposed else ', same or valid'}, got {padding!r}"
                )
            if padding == "same" and self.stride != (1,) * nd:
                raise ValueError(f"{name}: padding='same' needs stride 1, got {self.stride}")
            self.padding: Any = padding
        else:
            self.padding = int_tuple(padding, nd, "padding", name)
        self.output_padding = int_tuple(output_padding, nd, "output_padding", name)
        self.transposed = self._transposed  # PyTorch's public flag
        self.padding_mode = padding_mode
        self.groups = groups
        self._use_bias = bias
        self._weight_init = weight_init
        self._bias_init = bias_init
        self.weight: Parameter | None
        self.bias: Parameter | None
        if in_channels is None:  # lazy: PyTorch's placeholders until the first call
            self.weight = UninitializedParameter()
            self.register_parameter("bias", UninitializedParameter() if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
            self._build(in_channels)

    def _weight_shape(self, in_channels: int) -> tuple[int, ...]:
        if self._transposed:
            return (in_channels, self.out_channels // self.groups, *self.kernel_size)
        return (self.out_channels, in_channels // self.groups, *self.kernel_size)

    def _size_from_state(self, prefix: str, state_dict: Any) -> None:
        """A lazy layer not built yet: ``in_channels`` from the state dict's weight."""
        w = state_dict.get(prefix + "weight")
        if not is_lazy(self.weight) or is_placeholder(w) or w is None:
            return
        if len(w.shape) == 2 + len(self.kernel_size):
            self._build(int(w.shape[0]) if self._transposed else int(w.shape[1]) * self.groups)

    def _build(self, in_channels: int) -> None:
        if in_channels % self.groups:
            raise ValueError(
                f"{type(self).__name__}: in_channels ({in_channels}) must be divisible by "
                f"groups ({self.groups})"
            )
        dt = self._param_dtype()
        xp = backend.xp
        self.in_channels = in_channels
        self.weight = built_tensor(self, "weight", xp.empty(self._weight_shape(in_channels), dt))
        if self._use_bias:
            self.bias = built_tensor(self, "bias", xp.empty((self.out_channels,), dt))
        self.reset_parameters()
        self._place_new_parameters()

    def reset_parameters(self) -> None:
        """The weight and bias drawn again as at construction, in place: PyTorch's
        ``kaiming_uniform_(a=√5)`` and ``U(-1/√fan_in, 1/√fan_in)`` (or the
        ``weight_init``/``bias_init`` given). A lazy layer not built yet keeps its
        placeholders."""
        if is_lazy(self.weight):
            return
        fan_in, _ = init.fan_in_and_fan_out(self.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
        if self._weight_init is None:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        else:
            init.get(self._weight_init)(self.weight)
        if self.bias is not None:
            if self._bias_init is None:
                init.uniform_(self.bias, -bound, bound)
            else:
                init.get(self._bias_init)(self.bias)

    def _check(self, x: Tensor) -> None:
        nd = self._nd
        if not isinstance(x, Tensor):
            raise TypeError(f"{self._short()}: expected a Tensor, got {type(x).__name__}")
        if is_lazy(self._parameters.get("weight")):  # lazy
            # (not ``self.weight``: a parametrized weight is computed on every access)
            if x.ndim not in (nd + 1, nd + 2):
                raise ValueError(
                    f"{self._short()}: expected input of shape {self._dims()}, got {x.shape}"
                )
            self._build(x.shape[-nd - 1])
        hint = f"{self._short()}: expected input of shape {self._dims(self.in_channels)}"
        if x.ndim not in (nd + 1, nd + 2):
            raise ShapeMismatchError(
                f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but "
                f"got input of size: {list(x.shape)} ({hint}, got {x.shape})"
            )
        if x.shape[-nd - 1] != self.in_channels:
            w = self.weight
            words = channel_words(x, w, self.groups, self.in_channels)
            raise ShapeMismatchError(f"{words} ({hint}, got {x.shape})")

    def _pad_widths(self) -> tuple[tuple[int, int], ...]:
        """``(before, after)`` per spatial dim (``"same"``: ``d·(k-1)`` in all, the odd one
        at the end)."""
        if self.padding == "same":
            total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return tuple((t // 2, t - t // 2) for t in total)
        if self.padding == "valid":
            return ((0, 0),) * self._nd
        return tuple((p, p) for p in self.padding)

    @property
    def _reversed_padding_repeated_twice(self) -> list[int]:
        """PyTorch's attribute: the padding as ``F.pad`` takes it, last dim first
        (``[left, right, top, bottom, ...]``), which code copied from its
        ``_conv_forward`` passes to ``F.pad(input, ..., mode=self.padding_mode)``."""
        return [w for pair in reversed(self._pad_widths()) for w in pair]

    def _pad_input(self, x: Tensor) -> tuple[Tensor, Any]:
        """``(input, padding)`` for the convolution function: unchanged for ``"zeros"``;
        otherwise the input padded by ``padding_mode`` and a padding of 0, as PyTorch's
        ``_conv_forward``."""
        if self.padding_mode == "zeros":
            return x, self.padding
        widths = self._pad_widths()
        lead = ((0, 0),) * (x.ndim - self._nd)  # batch (if any) and channels
        return F.pad(x, (*lead, *widths), mode=self.padding_mode), (0,) * self._nd

    def _dims(self, c: Any = "C") -> str:
        spatial = {1: "L", 2: "H, W"}.get(self._nd, "D, H, W")
        return f"(N, {c}, {spatial}) or ({c}, {spatial})"

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """``(N, C, *spatial)`` → ``(N, out, *spatial')``; one unbatched sample
        ``(C, *spatial)`` gives ``(out, *spatial')``, as in PyTorch. A transposed convolution
        takes ``output_size`` (the spatial sizes, or the whole shape) to pick its output
        padding, as PyTorch's: each size must lie in ``[m, m + stride - 1]`` with ``m`` the
        size without output padding."""
        self._check(input)
        if output_size is None:
            return self._forward(input)
        if not self._transposed:
            raise TypeError(
                f"{self._short()}.forward() got an unexpected keyword argument 'output_size' "
                "(only the transposed convolutions take it)"
            )
        return self._forward(input, self._output_padding_for(input, output_size))

    def _output_padding_for(self, x: Tensor, output_size: Sequence[int]) -> tuple[int, ...]:
        """The output padding that gives ``output_size`` (PyTorch's ``_output_padding``)."""
        nd = self._nd
        sizes = [int(s) for s in output_size]
        if len(sizes) == nd + (x.ndim - nd):  # the whole shape given: keep the spatial part
            sizes = sizes[-nd:]
        if len(sizes) != nd:
            raise ValueError(
                f"{self._short()}: output_size must have {nd} or {nd + x.ndim - nd} elements "
                f"(got {len(output_size)})"
            )
        spatial = x.shape[-nd:]
        mins = [
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(
                spatial, self.stride, self.padding, self.dilation, self.kernel_size
            )
        ]
        for size, lo, s in zip(sizes, mins, self.stride):
            if not lo <= size <= lo + s - 1:
                raise ValueError(
                    f"{self._short()}: requested an output size of {tuple(sizes)}, but valid "
                    f"sizes range from {tuple(mins)} to "
                    f"{tuple(m + st - 1 for m, st in zip(mins, self.stride))} (for an input of "
                    f"{tuple(spatial)})"
                )
        return tuple(size - lo for size, lo in zip(sizes, mins))

    def _forward(self, x: Tensor, output_padding: Any = None) -> Tensor:
        """The convolution of ``x``, already checked (the functions take both forms); a
        transposed one with ``output_padding`` instead of its own when given."""
        raise NotImplementedError

    def _short(self) -> str:
        k = self.kernel_size[0] if len(set(self.kernel_size)) == 1 else self.kernel_size
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={k})"

    def extra_repr(self) -> str:
        in_channels = 0 if self.in_channels is None else self.in_channels  # lazy: PyTorch's 0
        s = (
            f"{in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if (
            self._transposed and self.output_padding != (0,) * self._nd
        ):  # after dilation, as PyTorch
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if not self._use_bias:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _DirectConvNd(_ConvNd):
    """What Conv1d/2d/3d share: the forward through :meth:`_conv_forward`."""

    def _forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.weight, self.bias)

    def _conv_forward(
        self,
        input: Tensor,  # noqa: A002 - PyTorch's name
        weight: Tensor,
        bias: Tensor | None,
    ) -> Tensor:
        """This layer's convolution (its padding mode, stride, padding, dilation, groups)
        with ``weight`` and ``bias``: PyTorch's hook for a subclass that transforms its
        weight first (weight standardization)."""
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[self._nd]
        try:
            x, padding = self._pad_input(input)
            return conv(x, weight, bias, self.stride, padding, self.dilation, self.groups)
        except ValueError as e:
            raise with_prefix(e, self._short()) from None


class Conv2d(_DirectConvNd):
    """2-D convolution layer: ``y = conv2d(x, weight) + bias``.

    Shapes: input ``(N, in_channels, H, W)`` → output ``(N, out_channels, Ho, Wo)``,
    ``Ho = ⌊(H + 2·ph - dh·(kh-1) - 1) / sh⌋ + 1``; ``weight (out, in/groups, kh, kw)``,
    ``bias (out,)``. ``padding`` may be an int, a pair, ``"same"`` or ``"valid"``;
    ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.

    >>> import deepgrad as dg
    >>> conv = dg.nn.Conv2d(1, 16, 3, padding=1)
    >>> conv(dg.zeros(8, 1, 28, 28)).shape
    (8, 16, 28, 28)
    """

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, weight_init, bias_init,
                         padding_mode=padding_mode)  # fmt: skip


class Conv1d(_DirectConvNd):
    """1-D convolution layer (over sequences): ``y = conv1d(x, weight) + bias``.

    Shapes: input ``(N, in_channels, L)`` → output ``(N, out_channels, Lo)``,
    ``Lo = ⌊(L + 2p - d·(k-1) - 1) / s⌋ + 1``; ``weight (out, in/groups, k)``, ``bias (out,)``.
    ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
    """

    _nd = 1

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, weight_init, bias_init,
                         padding_mode=padding_mode)  # fmt: skip


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution layer (learned upsampling), the adjoint of ``Conv2d``.

    Shapes: input ``(N, in_channels, H, W)`` → output ``(N, out_channels, Hout, Wout)``,
    ``Hout = (H-1)·sh - 2·ph + dh·(kh-1) + output_padding_h + 1``;
    ``weight (in, out/groups, kh, kw)`` (PyTorch's layout), ``bias (out,)``.

    >>> import deepgrad as dg
    >>> up = dg.nn.ConvTranspose2d(16, 8, 2, stride=2)
    >>> up(dg.zeros(4, 16, 7, 7)).shape
    (4, 8, 14, 14)
    """

    _transposed = True

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, weight_init, bias_init, output_padding,
                         padding_mode)  # fmt: skip

    def _forward(self, x: Tensor, output_padding: Any = None) -> Tensor:
        op = self.output_padding if output_padding is None else output_padding
        try:
            return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                      op, self.groups, self.dilation)  # fmt: skip
        except ValueError as e:
            raise with_prefix(e, self._short()) from None


class ConvTranspose1d(_ConvNd):
    """1-D transposed convolution layer: input ``(N, in, L)`` → ``(N, out, Lout)``,
    ``Lout = (L-1)·s - 2p + d·(k-1) + output_padding + 1``; ``weight (in, out/groups, k)``."""

    _nd = 1
    _transposed = True

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, weight_init, bias_init, output_padding,
                         padding_mode)  # fmt: skip

    def _forward(self, x: Tensor, output_padding: Any = None) -> Tensor:
        op = self.output_padding if output_padding is None else output_padding
        try:
            return F.conv_transpose1d(x, self.weight, self.bias, self.stride[0],
                                          self.padding[0], op[0], self.groups,
                                          self.dilation[0])  # fmt: skip
        except ValueError as e:
            raise with_prefix(e, self._short()) from None


class Conv3d(_DirectConvNd):
    """3-D convolution layer (volumes, video): ``y = conv3d(x, weight) + bias``.

    Shapes: input ``(N, in_channels, D, H, W)`` (or unbatched ``(in_channels, D, H, W)``) →
    ``(N, out_channels, Do, Ho, Wo)``, ``Do = ⌊(D + 2·pd - dd·(kd-1) - 1) / sd⌋ + 1`` (the
    same for H, W); ``weight (out, in/groups, kd, kh, kw)``, ``bias (out,)``, initialized as
    PyTorch's. ``padding`` may be an int, a triple, ``"same"`` or ``"valid"``;
    ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.

    >>> import deepgrad as dg
    >>> dg.nn.Conv3d(2, 4, 3, padding=1)(dg.zeros(1, 2, 4, 5, 5)).shape
    (1, 4, 4, 5, 5)
    """

    _nd = 3

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] | str = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, weight_init, bias_init,
                         padding_mode=padding_mode)  # fmt: skip


class ConvTranspose3d(_ConvNd):
    """3-D transposed convolution layer, the adjoint of ``Conv3d``: input
    ``(N, in, D, H, W)`` → ``(N, out, Dout, Hout, Wout)``,
    ``Dout = (D-1)·sd - 2·pd + dd·(kd-1) + output_padding_d + 1``;
    ``weight (in, out/groups, kd, kh, kw)`` (PyTorch's layout), ``bias (out,)``."""

    _nd = 3
    _transposed = True

    def __init__(
        self,
        in_channels: int | None,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, weight_init, bias_init, output_padding,
                         padding_mode)  # fmt: skip

    def _forward(self, x: Tensor, output_padding: Any = None) -> Tensor:
        op = self.output_padding if output_padding is None else output_padding
        try:
            return F.conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                      op, self.groups, self.dilation)  # fmt: skip
        except ValueError as e:
            raise with_prefix(e, self._short()) from None
