"""Normalization layers: ``BatchNorm1d/2d/3d``, ``LayerNorm``, ``GroupNorm``,
``InstanceNorm1d/2d/3d`` (thin modules over
:mod:`deepgrad.functional.normalization`), with PyTorch's parameters and buffers."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import IntArgumentError, ShapeMismatchError, ValueRangeError, int_arg, ints_arg
from ..functional.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from ..functional.shape import squeeze, unsqueeze
from ..tensor import Tensor
from .buffer import UninitializedBuffer
from .module import Module
from .parameter import Parameter, UninitializedParameter, built_tensor, is_lazy, is_placeholder


def _reset_affine(m: Module) -> None:
    """A norm layer's weight back to ones and its bias to zeros (those it has, built)."""
    for name, value in (("weight", 1), ("bias", 0)):
        p = getattr(m, name, None)
        if p is not None and not is_lazy(p):
            p._data[...] = value


class _NormBase(Module):
    """Parameters and buffers shared by batch and instance norm: ``weight`` (ones) and
    ``bias`` (zeros) ``(C,)`` when ``affine`` (``bias=False`` drops the bias), and
    ``running_mean``, ``running_var``, ``num_batches_tracked`` when ``track_running_stats``.
    ``num_features=None`` makes the layer lazy: they are made at the first call, for the
    input's channels (PyTorch's ``LazyBatchNorm*`` / ``LazyInstanceNorm*``)."""

    _version = 2  # PyTorch's, in ``state_dict()._metadata``

    def _may_be_missing(self, name: str, key: str, metadata: Any) -> bool:
        """PyTorch's rule for checkpoints from before ``num_batches_tracked`` (version < 2,
        or a state dict without its metadata, a plain dict): its absence keeps the
        counter's value instead of being a missing key."""
        if name != "num_batches_tracked":
            return False
        version = metadata.get(key.rsplit(".", 1)[0] if "." in key else "", {}).get("version")
        return version is None or version < 2

    _expected_ndims: tuple[int, ...] = ()
    _shape_text = ""

    def __init__(
        self,
        num_features: int | None,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if num_features is not None:  # a float or bool: PyTorch's TypeError (and ValueError)
            num_features = _int_hyper(num_features, name, "num_features")
            if num_features < 0:
                raise ValueRangeError(  # PyTorch's RuntimeError (negative dimension)
                    f"{name}: num_features must be an int >= 0, got {num_features!r}"
                )
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._use_bias = bias
        for p in ("weight", "bias"):
            self.register_parameter(p, None)
        for b in ("running_mean", "running_var", "num_batches_tracked"):
            self.register_buffer(b, None)
        if num_features is not None:
            self._build(num_features)
            return
        # lazy: PyTorch's placeholders until the first call (num_batches_tracked is made now)
        if affine:
            self.weight = UninitializedParameter()
            if bias:
                self.bias = UninitializedParameter()
        if track_running_stats:
            self.register_buffer("running_mean", UninitializedBuffer())
            self.register_buffer("running_var", UninitializedBuffer())
            self.register_buffer("num_batches_tracked", Tensor._wrap(numpy.asarray(0, numpy.int64)))

    def _build(self, num_features: int) -> None:
        """The parameters and buffers for ``num_features`` channels (at construction, or at
        the first call of a lazy layer, ``num_features=None``)."""
        self.num_features = num_features
        xp, dt = backend.xp, self._param_dtype()
        if self.affine:
            self.weight = built_tensor(self, "weight", xp.ones((num_features,), dt))
            if self._use_bias:
                self.bias = built_tensor(self, "bias", xp.zeros((num_features,), dt))
        if self.track_running_stats:
            for name, fill in (("running_mean", xp.zeros), ("running_var", xp.ones)):
                self.register_buffer(name, built_tensor(self, name, fill((num_features,), dt)))
            if self.num_batches_tracked is None:  # a lazy layer made it at construction
                self.register_buffer(
                    "num_batches_tracked", Tensor._wrap(xp.asarray(0, dtype=numpy.int64))
                )
        self._place_new_parameters()

    def _size_from_state(self, prefix: str, state_dict: Any) -> None:
        """A lazy layer not built yet: ``num_features`` from the state dict's entries."""
        if self.num_features is not None:
            return
        for key in ("weight", "bias", "running_mean", "running_var"):
            v = state_dict.get(prefix + key)
            if v is not None and not is_placeholder(v) and len(v.shape) == 1:
                self._build(int(v.shape[0]))
                return

    def _build_from(self, x: Tensor, axis: int) -> None:
        """A lazy layer's first call: ``num_features`` from ``x.shape[axis]``."""
        if self.num_features is None:
            self._build(x.shape[axis])

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.running_mean is not None and not is_lazy(self.running_mean):
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """The running statistics reset, the weight back to ones and the bias to zeros, in
        place (PyTorch's)."""
        self.reset_running_stats()
        _reset_affine(self)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features or 0}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={bool(self.affine and self._use_bias)}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002 - PyTorch's name
        """PyTorch's hook for the input's rank (``ValueError`` for another): a subclass of
        ``_BatchNorm`` defines its own to take other ranks."""
        if input.ndim not in self._expected_ndims:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): expected input of shape "
                f"{self._shape_text}, got {input.ndim}-D input of shape {input.shape}"
            )

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        return self._normalize(input)

    def _normalize(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        self._build_from(x, 1)
        if x.shape[1] != self.num_features:
            raise ShapeMismatchError(
                f"running_mean should contain {x.shape[1]} elements not {self.num_features}; "
                f"{name}({self.num_features}): expected {self.num_features} channels (axis 1), "
                f"got input of shape {x.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a batch of vectors ``(N, C)`` or sequences ``(N, C, L)``:
    ``y = (x - E[x]) / √(Var[x] + eps) · weight + bias`` per channel ``C``.

    In training the statistics are the batch's (biased variance), and ``running_mean`` /
    ``running_var`` (buffers, saved in the state dict with ``num_batches_tracked``) move by
    ``momentum`` toward the batch mean and unbiased variance (``momentum=None``: cumulative
    average); in eval mode the running statistics normalize. ``weight`` starts at 1, ``bias``
    at 0.
    """

    _expected_ndims = (2, 3)
    _shape_text = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of images ``(N, C, H, W)`` per channel (see :class:`BatchNorm1d`
    for the statistics, running averages and buffers)."""

    _expected_ndims = (4,)
    _shape_text = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of volumes ``(N, C, D, H, W)`` per channel (see
    :class:`BatchNorm1d` for the statistics, running averages and buffers).

    >>> import deepgrad as dg
    >>> dg.nn.BatchNorm3d(2)(dg.randn(3, 2, 4, 4, 4)).shape
    (3, 2, 4, 4, 4)
    """

    _expected_ndims = (5,)
    _shape_text = "(N, C, D, H, W)"


class SyncBatchNorm(_BatchNorm):
    """PyTorch's ``torch.nn.SyncBatchNorm`` in one process: batch normalization over any
    input ``(N, C, ...)`` of two or more dimensions (see :class:`BatchNorm1d`). PyTorch
    synchronises the batch statistics across the processes of ``process_group`` when
    ``torch.distributed`` is initialised; deepgrad has no such process group (its
    data-parallel training is :mod:`deepgrad.distributed`), so, as PyTorch's without one,
    the statistics are the local batch's and ``process_group`` has no effect.

    >>> import deepgrad as dg
    >>> net = dg.nn.Sequential(dg.nn.Conv2d(1, 2, 3), dg.nn.BatchNorm2d(2))
    >>> net = dg.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    >>> type(net[1]).__name__, net(dg.randn(2, 1, 5, 5)).shape
    ('SyncBatchNorm', (2, 2, 3, 3))
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        return self._normalize(input)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every ``BatchNorm*D`` in it (itself included) replaced by a
        ``SyncBatchNorm`` that shares its parameters and buffers and keeps its
        training mode, as PyTorch's (the other modules are the same objects)."""
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(
                module.num_features, module.eps, module.momentum, module.affine,
                module.track_running_stats, process_group, bias=module.bias is not None,
            )  # fmt: skip
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out


def _int_hyper(value: Any, layer: str, name: str) -> int:
    """A constructor's int hyperparameter through :func:`deepgrad._errors.int_arg`, its
    refusal naming the layer (an ``IntArgumentError``: a ``TypeError`` and a ``ValueError``)."""
    try:
        return int_arg(value, layer, name)
    except TypeError:
        raise IntArgumentError(f"{layer}: {name} must be an int >= 0, got {value!r}") from None


def _normalized_shape(normalized_shape: Any, layer: str) -> tuple[int, ...]:
    """A constructor's ``normalized_shape`` (an int or a sequence) as a tuple of ints >= 0."""
    try:  # a NumPy integer is taken, a float or bool refused, as PyTorch's
        ns = ints_arg(normalized_shape, layer, "normalized_shape")
    except TypeError as e:
        raise IntArgumentError(
            f"{layer}: normalized_shape must be ints >= 0, got {normalized_shape!r} ({e})"
        ) from None
    if not ns or any(s < 0 for s in ns):
        raise ValueRangeError(  # PyTorch's RuntimeError for a negative size
            f"{layer}: normalized_shape must be ints >= 0, got {normalized_shape!r}"
        )
    return ns


class LayerNorm(Module):
    """Layer normalization over the last axes given by ``normalized_shape``:
    ``y = (x - E[x]) / √(Var[x] + eps) · weight + bias``, statistics per sample (biased
    variance), the same in training and eval.

    Shapes: input ``(*, *normalized_shape)`` → the same; ``weight`` (ones) and ``bias``
    (zeros) have shape ``normalized_shape`` (present when ``elementwise_affine``; ``bias=False``
    drops the bias).
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        ns = _normalized_shape(normalized_shape, "LayerNorm")
        self.normalized_shape = ns
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        xp, dt = backend.xp, backend.get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(xp.ones(ns, dt))
            if bias:
                self.bias = Parameter(xp.zeros(ns, dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self._n = math.prod(ns)

    def reset_parameters(self) -> None:
        """The weight back to ones and the bias to zeros, in place (PyTorch's)."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if input.ndim < k or tuple(input.shape[-k:]) != self.normalized_shape:
            ns = list(self.normalized_shape)
            raise ShapeMismatchError(
                f"Given normalized_shape={ns}, expected input with shape "
                f"[*, {', '.join(map(str, ns))}], but got input of size{list(input.shape)}; "
                f"LayerNorm({ns}): expected input with trailing shape "
                f"{self.normalized_shape}, got input of shape {input.shape}"
            )
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
            f", bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Root-mean-square normalization (PyTorch's ``nn.RMSNorm``): ``y = x / √(mean(x²) + eps)
    ⊙ weight`` over the last axes given by ``normalized_shape``; ``eps=None`` is the machine
    epsilon of the input's dtype; ``weight`` (ones, shape ``normalized_shape``) is present
    when ``elementwise_affine``.

    >>> import deepgrad as dg
    >>> dg.nn.RMSNorm(4)(dg.ones(2, 4)).shape
    (2, 4)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        ns = _normalized_shape(normalized_shape, "RMSNorm")
        self.normalized_shape, self.eps, self.elementwise_affine = ns, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(backend.xp.ones(ns, backend.get_default_dtype()))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """The weight back to ones, in place (PyTorch's)."""
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """Group normalization: the ``num_channels`` channels are split into ``num_groups`` groups,
    each normalized per sample, ``y = (x - E[x]) / √(Var[x] + eps) · weight + bias``
    (statistics over a group's channels and positions, biased variance), the same in
    training and eval; no running statistics.

    Shapes: input ``(N, C, *)`` → the same; ``weight`` (ones) and ``bias`` (zeros) ``(C,)``
    when ``affine`` (``bias=False`` drops the bias).
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        for arg, v in (("num_groups", num_groups), ("num_channels", num_channels)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                # a negative channel count is PyTorch's RuntimeError (negative dimension)
                cls = ValueRangeError if isinstance(v, int) and v < 0 else ValueError
                raise cls(f"GroupNorm: {arg} must be a positive int, got {v!r}")
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps = eps
        self.affine = affine
        xp, dt = backend.xp, backend.get_default_dtype()
        if affine:
            self.weight = Parameter(xp.ones((num_channels,), dt))
            if bias:
                self.bias = Parameter(xp.zeros((num_channels,), dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """The weight back to ones and the bias to zeros, in place (PyTorch's)."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        if self.affine and (input.ndim < 2 or input.shape[1] != self.num_channels):
            raise ValueError(
                f"GroupNorm({self.num_groups}, {self.num_channels}): expected input (N, "
                f"{self.num_channels}, *) ({self.num_channels} channels on axis 1), got input "
                f"of shape {input.shape}"
            )
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(_NormBase):
    _no_batch_ndim = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002 - PyTorch's name
        """PyTorch's hook for the input's rank (``ValueError`` for another)."""
        if input.ndim not in self._expected_ndims:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): expected input of shape "
                f"{self._shape_text}, got {input.ndim}-D input of shape {input.shape}"
            )

    def forward(self, input: Tensor) -> Tensor:
        name = f"{type(self).__name__}({self.num_features})"
        self._check_input_dim(input)
        axis = input.ndim - self._no_batch_ndim  # the channel axis
        self._build_from(
            input, 1
        )  # PyTorch's lazy rule: input.size(1), also for an unbatched input
        if input.shape[axis] != self.num_features:
            msg = (
                f"{name}: expected {self.num_features} channels (axis {axis}), got input of "
                f"shape {input.shape}"
            )
            if self.affine or self.track_running_stats:
                raise ValueError(msg)
            warnings.warn(  # as PyTorch: without parameters or buffers num_features is unused
                msg + "; num_features is not used (affine=False, track_running_stats=False)",
                stacklevel=2,
            )
        unbatched = input.ndim == self._no_batch_ndim
        if unbatched:
            input = unsqueeze(input, 0)
        y = instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return squeeze(y, 0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of sequences: each sample's channel is normalized by its own
    mean and (biased) variance over the length ``L``,
    ``y = (x - E[x]) / √(Var[x] + eps) · weight + bias``.

    PyTorch's defaults: ``affine=False`` (no ``weight``/``bias``) and
    ``track_running_stats=False`` (the input's statistics in training and eval). With
    ``track_running_stats=True`` the buffers ``running_mean``/``running_var`` move by
    ``momentum`` toward the batch's mean over samples of the per-instance mean and unbiased
    variance in training, and normalize in eval mode (as :class:`BatchNorm1d`'s do).

    Shapes: ``(N, C, L)`` or unbatched ``(C, L)`` → the same.
    """

    _expected_ndims = (2, 3)
    _no_batch_ndim = 2
    _shape_text = "(N, C, L) or (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of images ``(N, C, H, W)`` (or unbatched ``(C, H, W)``), per
    sample and channel over ``H × W``; parameters, buffers and defaults as
    :class:`InstanceNorm1d`."""

    _expected_ndims = (3, 4)
    _no_batch_ndim = 3
    _shape_text = "(N, C, H, W) or (C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of volumes ``(N, C, D, H, W)`` (or unbatched ``(C, D, H, W)``),
    per sample and channel over ``D × H × W``; parameters, buffers and defaults as
    :class:`InstanceNorm1d`."""

    _expected_ndims = (4, 5)
    _no_batch_ndim = 4
    _shape_text = "(N, C, D, H, W) or (C, D, H, W)"


class LocalResponseNorm(Module):
    """Normalization across neighbouring channels (AlexNet's):
    ``y[n, c] = x[n, c] / (k + α/size · Σ_{|c' - c| within size} x[n, c']²)^β``.

    No parameters. Shapes: ``(N, C, *)`` with at least 3 dims → the same.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
