"""Dropout, inverted: zero each element with probability ``p`` in training and scale the
survivors by ``1 / (1 - p)``, so the expected value is unchanged and evaluation is the identity.

=============  ==============================================  ================================
function       forward (training)                              derivative
=============  ==============================================  ================================
dropout        x ⊙ m / (1 - p),  m_i ~ Bernoulli(1 - p)         m / (1 - p)   (the same mask)
dropout2d      the same, one m per (sample, channel) map        m / (1 - p)
=============  ==============================================  ================================

The mask is drawn from deepgrad's seeded generator (``dg.manual_seed``) as PyTorch's CPU
kernel draws it — one float64 uniform ``u`` per value, kept where ``u < 1 - p``, scaled by
``1 / (1 - p)`` computed in the input's dtype — so the same seed gives PyTorch's masks. It is
kept in the input's dtype (a float32 input never meets a float64 array). ``p = 1`` gives zeros; outside
training, or with ``p = 0``, the input itself is returned (no node is recorded).
``inplace=True`` is PyTorch's: in training the result is written into the input, which is
returned (``dropout_``, ``feature_dropout_``, ``alpha_dropout_``: the same draws), recorded
in the graph as every in-place write.

>>> import deepgrad as dg
>>> _ = dg.manual_seed(1)
>>> x = dg.ones(2, 4)
>>> y = dg.functional.dropout(x, 0.5)
>>> sorted(set(y.numpy().ravel().tolist()))   # survivors are scaled by 1 / (1 - 0.5)
[0.0, 2.0]
>>> dg.functional.dropout(x, 0.5, training=False) is x
True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from .. import _torch_rng, backend
from .._errors import bool_arg
from ..autograd import Function
from ..tensor import Tensor


def _check_p(p: float, fn: str) -> None:
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: dropout probability p must be a number in [0, 1], got {p!r}")


def _keep(shape: tuple[int, ...], p: float, like: Any = None) -> Any:
    """Bernoulli(``1 - p``) draws of ``shape`` (booleans), filled in the memory order of the
    array ``like`` where one is given (PyTorch draws its noise into ``empty_like(input)``:
    :func:`deepgrad._torch_rng.as_filled`)."""
    keep = _torch_rng.bernoulli(backend.rng(), shape, 1.0 - p)
    if like is not None and getattr(backend.rng(), "torch_stream", False):
        keep = _torch_rng.as_filled(keep, like)
    return backend.xp.asarray(keep)


def dropout_mask(shape: tuple[int, ...], p: float, dtype: Any, like: Any = None) -> Any:
    """A scaled keep-mask: ``1 / (1 - p)`` with probability ``1 - p``, else 0 (in ``dtype``).

    Drawn from :func:`deepgrad.backend.rng`; used by dropout and by attention dropout; with
    ``like`` (the input's array, of ``shape``) in its memory order, as PyTorch's.
    """
    dt = numpy.dtype(dtype)
    if p >= 1.0:
        return backend.xp.zeros(shape, dt)
    keep = _keep(shape, p, like).astype(dt)
    keep *= _scale(1.0, 1.0 - p, dt)
    return keep


def _scale(a: float, b: float, dt: Any) -> Any:
    """``a / b`` as PyTorch's kernels compute it for a tensor of ``dt``: in float64 for
    float64, else in float32 (its "opmath" type), then rounded to ``dt``."""
    op = numpy.float64 if dt == numpy.float64 else numpy.float32
    return dt.type(op(a) / op(b))


class Dropout(Function):
    """``y = x ⊙ m`` for a fixed scaled mask ``m`` (broadcast against ``x``)."""

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def forward(self, x: Any) -> Any:
        return x * self.mask

    def backward(self, gy: Tensor) -> Tensor:
        return gy * Tensor._from_op(self.mask, None, 0)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: in training, each element is zeroed with probability ``p`` and the
    rest are multiplied by ``1 / (1 - p)``; otherwise ``x`` is returned unchanged.

    Shapes: any → the same shape.
    """
    _check_p(p, "dropout")
    training = bool_arg(training, "dropout", "train", 3)  # PyTorch's parser: a bool only
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating tensor, got dtype {x.dtype}")
    mask = dropout_mask(x.shape, p, x.dtype, x._data)  # in x's memory order, as PyTorch's
    if inplace:
        return _written(x, "dropout_", Dropout(mask))
    return Dropout(mask)(x)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout (spatial dropout): zero whole feature maps ``x[n, c]`` with probability
    ``p`` and scale the kept ones by ``1 / (1 - p)``.

    Shapes: ``(N, C, H, W)`` → the same shape. As PyTorch's, a 3-D input is read as
    ``(N, C, L)`` (``dropout1d``'s channels, with PyTorch's warning: not an unbatched
    ``(C, H, W)``), and an input of another rank drops ``x[n, c]`` of its first two dims
    with PyTorch's deprecation warning.
    """
    _check_p(p, "dropout2d")
    training = bool_arg(training, "feature_dropout", "train", 3)
    if x.ndim not in (3, 4):
        _warn_rank(x, 2)
    if x.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if inplace:
        return _in_place(x, p, training, _feature_dropout, "feature_dropout_")
    return _feature_dropout(x, p, training)


def _warn_rank(x: Tensor, nd: int) -> None:
    """PyTorch's deprecation warning for ``dropout{nd}d`` of an input of another rank."""
    fn = f"dropout{nd}d"
    warnings.warn(
        f"{fn}: Received a {x.ndim}-D input to {fn}, which is deprecated and will result in "
        "an error in a future release. To retain the behavior and silence this warning, "
        f"please use dropout instead. Note that {fn} exists to provide channel-wise dropout "
        f"on inputs with {nd} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {nd + 1}D or {nd + 2}D inputs).",
        stacklevel=3,
    )


def _channel_dropout(
    x: Tensor, p: float, training: bool, nd: int, fn: str, inplace: bool = False
) -> Tensor:
    """Zero whole channels of ``(N, C, *spatial)`` or an unbatched ``(C, *spatial)`` with
    ``nd`` spatial axes; the kept ones are scaled by ``1 / (1 - p)`` (written into ``x`` with
    ``inplace``)."""
    _check_p(p, fn)
    training = bool_arg(training, "feature_dropout", "train", 3)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"{fn}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape "
            f"{x.shape}"
        )
    if not training or p == 0.0:
        return x
    mask_shape = x.shape[: x.ndim - nd] + (1,) * nd
    drop = Dropout(dropout_mask(mask_shape, p, x.dtype))
    return _written(x, "feature_dropout_", drop) if inplace else drop(x)


def dropout1d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout of sequences: zero whole channels ``x[n, c]`` of ``(N, C, L)`` (or
    ``(C, L)``) with probability ``p``, scale the kept ones by ``1 / (1 - p)``. Shapes: the
    same."""
    return _channel_dropout(x, p, training, 1, "dropout1d", inplace)


def dropout3d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel dropout of volumes: zero whole channels of ``(N, C, D, H, W)`` (or
    ``(C, D, H, W)``) with probability ``p``, scale the kept ones by ``1 / (1 - p)``.
    Shapes: the same. As PyTorch's, another rank is read as unbatched (``x[c]`` of its
    first dim dropped whole) with PyTorch's deprecation warning."""
    if x.ndim in (4, 5):
        return _channel_dropout(x, p, training, 3, "dropout3d", inplace)
    _check_p(p, "dropout3d")
    _warn_rank(x, 3)
    training = bool_arg(training, "feature_dropout", "train", 3)
    if not training or p == 0.0 or x.numel() == 0:
        return x  # (an unsqueezed view would be a new tensor)
    if inplace:
        return _in_place(x, p, True, _unbatched_feature_dropout, "feature_dropout_")
    return _unbatched_feature_dropout(x, p, training)


def _unbatched_feature_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """:func:`_feature_dropout` of ``x`` read as one sample (``x[c]`` of its first dim)."""
    return _feature_dropout(x.unsqueeze(0), p, training).squeeze(0)


#: SELU's ``α·λ``: the value a "dropped" SELU activation takes (its negative saturation)
_ALPHA = 1.7580993408473766


def _alpha(
    x: Tensor, p: float, mask_shape: tuple[int, ...], inplace: str = "", feature: bool = False
) -> Tensor:
    """``y = a·(x ⊙ m) + a·α'·(m - 1 + p)``, ``m ~ Bernoulli(1 - p)``, ``α' = 1.758…``,
    ``a = ((α'²·p + 1)(1 - p))^(-1/2)`` (PyTorch's): keeps zero mean and unit variance of
    SELU activations. Gradient ``a·m``. Written into ``x`` where ``inplace`` names the
    in-place form. The draws fill ``x``'s memory order for the per-element form, a new
    row-major array for the per-channel one (``feature``), as PyTorch's noise tensors."""
    dt = x._data.dtype
    if p >= 1.0:
        drop = Dropout(backend.xp.zeros(mask_shape, dt))
        return _written(x, inplace, drop) if inplace else drop(x)
    like = x._data if not feature else None  # per element: x's memory order
    keep = _keep(mask_shape, p, like).astype(dt)
    a = 1.0 / numpy.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    # PyTorch's order, in the input's dtype: b = (m - 1)·(α'a) + α'a·p, then x·(m·a) + b
    bias = (keep - dt.type(1)) * dt.type(_ALPHA * a) + dt.type(_ALPHA * a * p)

    def alpha(t: Tensor) -> Tensor:
        return Dropout(keep * dt.type(a))(t) + Tensor._from_op(bias.astype(dt), None, 0)

    return _written(x, inplace, alpha) if inplace else alpha(x)


def alpha_dropout(
    x: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Alpha dropout (for SELU networks, PyTorch's ``F.alpha_dropout``; note
    ``training=False`` by default, as there): each element is set to SELU's saturation value
    with probability ``p`` and the result is rescaled so that mean and variance are kept.
    Shapes: any → the same."""
    _check_p(p, "alpha_dropout")
    training = bool_arg(training, "alpha_dropout", "train", 3)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    return _alpha(x, p, x.shape, "alpha_dropout_" if inplace else "")


def feature_alpha_dropout(
    x: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Alpha dropout of whole channels: one draw per ``x[n, c]`` of ``(N, C, *)`` (PyTorch's
    ``F.feature_alpha_dropout``; ``training=False`` by default). Shapes: any with at least
    2 dims → the same."""
    _check_p(p, "feature_alpha_dropout")
    training = bool_arg(training, "feature_alpha_dropout", "train", 3)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if x.ndim < 2:
        raise ValueError(
            f"feature_alpha_dropout: feature dropout requires at least 2 dimensions in the "
            f"input, got shape {x.shape}"
        )
    shape = x.shape[:2] + (1,) * (x.ndim - 2)
    return _alpha(x, p, shape, "feature_alpha_dropout_" if inplace else "", feature=True)


def _feature_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Inverted dropout of whole channels ``x[n, c]`` of ``(N, C, *)`` (PyTorch's
    ``torch.feature_dropout``)."""
    _check_p(p, "feature_dropout")
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if x.ndim < 2:
        raise RuntimeError(
            f"feature_dropout: feature dropout requires at least 2 dimensions in the input, "
            f"got shape {x.shape}"
        )
    return Dropout(dropout_mask(x.shape[:2] + (1,) * (x.ndim - 2), p, x.dtype))(x)


def _written(x: Tensor, what: str, fn: Any) -> Tensor:
    """``x <- fn(x)`` in ``x``'s memory (PyTorch's in-place form ``what``), recorded when ``x``
    takes part in a graph; returns ``x``."""
    return x._write_op(None, what, lambda t, _: fn(t))


def _in_place(x: Tensor, p: float, train: bool, fn: Any, what: str) -> Tensor:
    """``x <- fn(x, p, True)`` in place in training with ``p > 0``; else ``x`` as it is."""
    if not train or p == 0.0:
        _check_p(p, what)
        return x
    return _written(x, what, lambda t: fn(t, p, True))


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002 - PyTorch's names
    """PyTorch's ``torch.dropout_(input, p, train)``: :func:`dropout` written into ``input``
    (recorded in the graph when ``input`` takes part in one; the mask in its memory order,
    as PyTorch's); returns ``input``."""
    return dropout(input, p, train, inplace=True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """PyTorch's ``torch.alpha_dropout_(input, p, train)``: :func:`alpha_dropout` in place."""
    return alpha_dropout(input, p, train, inplace=True)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """PyTorch's ``torch.feature_dropout_(input, p, train)``: whole channels ``x[n, c]`` of
    ``(N, C, *)`` zeroed with probability ``p``, the rest scaled by ``1 / (1 - p)``, in
    place."""
    return _in_place(input, p, train, _feature_dropout, "feature_dropout_")


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """PyTorch's ``torch.feature_alpha_dropout_(input, p, train)``:
    :func:`feature_alpha_dropout` in place."""
    return feature_alpha_dropout(input, p, train, inplace=True)
