"""Normalization layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm`` (thin modules over
:mod:`deepgrad.functional.normalization`), with PyTorch's parameters and buffers."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy

from .. import backend
from ..functional.normalization import batch_norm, layer_norm
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _expected_ndims: tuple[int, ...] = ()
    _shape_text = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        xp, dt = backend.xp, backend.get_default_dtype()
        if affine:
            self.weight = Parameter(xp.ones((num_features,), dt))
            self.bias = Parameter(xp.zeros((num_features,), dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(xp.zeros((num_features,), dt)))
            self.register_buffer("running_var", Tensor(xp.ones((num_features,), dt)))
            self.register_buffer("num_batches_tracked", Tensor(xp.asarray(0, dtype=numpy.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        if x.ndim not in self._expected_ndims:
            raise ValueError(
                f"{name}({self.num_features}): expected input of shape {self._shape_text}, "
                f"got {x.ndim}-D input of shape {x.shape}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{name}({self.num_features}): expected {self.num_features} channels (axis 1), "
                f"got input of shape {x.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.data)
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

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
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
    ) -> None:
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not ns or any(not isinstance(s, int) or s <= 0 for s in ns):
            raise ValueError(f"LayerNorm: normalized_shape must be positive ints, got {normalized_shape!r}")  # fmt: skip
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

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[-k:]) != self.normalized_shape:
            raise ValueError(
                f"LayerNorm({list(self.normalized_shape)}): expected input with trailing shape "
                f"{self.normalized_shape}, got input of shape {x.shape}"
            )
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
