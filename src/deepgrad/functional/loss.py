"""Loss functions, in numerically stable forms.

==========================  ================================================================
loss                        per element / per sample
==========================  ================================================================
mse_loss                    (x - y)²
l1_loss                     |x - y|
huber_loss                  ½d² if |d| < δ else δ(|d| - ½δ),   d = x - y
binary_cross_entropy        -[y log p + (1 - y) log(1 - p)]    (logs clamped at -100)
binary_cross_entropy_       (1 - y)·x + (1 + (w₊ - 1)y)·softplus(-x)   (no overflow)
  with_logits
cross_entropy               -Σ_c a_c log softmax(x)_c          (fused: ∂/∂x = p Σa - a)
nll_loss                    -w_t · logp_t
kl_div                      y (log y - input)                  (input = log-probabilities)
==========================  ================================================================

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``, as in PyTorch. Pointwise
losses refuse inputs and targets of different shapes: ``(N, 1)`` against ``(N,)`` would
otherwise broadcast silently to ``(N, N)``.
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .activation import log_softmax, softmax, softplus
from .elementwise import abs, clip, where
from .reduce import mean, sum
from .shape import reshape, transpose

_REDUCTIONS = ("mean", "sum", "none")


def _target(t: Any, like: Tensor, fn: str) -> Tensor:
    """Targets as a constant tensor (no gradient), floating ones in ``like``'s dtype."""
    if isinstance(t, Tensor):
        arr = t.data
    else:
        arr = backend.xp.asarray(t)
    if arr.dtype.kind == "f" and arr.dtype != like.dtype:
        arr = arr.astype(like.dtype)
    if arr.dtype.kind == "b":
        arr = arr.astype(like.dtype)
    return (
        Tensor._from_op(arr, None, 0)
        if not isinstance(t, Tensor)
        else (t if t.dtype == arr.dtype else Tensor._from_op(arr, None, 0))
    )


def _same_shape(x: Tensor, y: Tensor, fn: str) -> None:
    if x.shape != y.shape:
        hint = ""
        if x.ndim == y.ndim + 1 and x.shape[-1] == 1 or y.ndim == x.ndim + 1 and y.shape[-1] == 1:
            hint = (
                "; one has a trailing axis of size 1 — reshape the targets (y.reshape(-1, 1)) "
                "or the predictions so both match, instead of letting them broadcast to N×N"
            )
        raise ValueError(f"{fn}: input shape {x.shape} and target shape {y.shape} differ{hint}")


def _reduce(loss: Tensor, reduction: str, fn: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error ``mean((x - y)²)``."""
    y = _target(target, input, "mse_loss")
    _same_shape(input, y, "mse_loss")
    d = input - y
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean absolute error ``mean|x - y|``."""
    y = _target(target, input, "l1_loss")
    _same_shape(input, y, "l1_loss")
    return _reduce(abs(input - y), reduction, "l1_loss")


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
) -> Tensor:
    """Huber loss: quadratic ``½d²`` for ``|d| < delta``, linear ``delta(|d| - ½delta)``
    beyond (robust to outliers)."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    y = _target(target, input, "huber_loss")
    _same_shape(input, y, "huber_loss")
    d = input - y
    ad = abs(d)
    small = ad.data < delta
    loss = where(small, d * d * 0.5, (ad - 0.5 * delta) * delta)
    return _reduce(loss, reduction, "huber_loss")


class BinaryCrossEntropy(Function):
    def __init__(self, y: Any) -> None:
        self.y = y

    def forward(self, p: Any) -> Any:
        xp = backend.xp
        y = self.y
        logp = xp.maximum(xp.log(xp.maximum(p, 0)), -100)
        log1mp = xp.maximum(xp.log(xp.maximum(1 - p, 0)), -100)
        return -(y * logp + (1 - y) * log1mp)

    def backward(self, gy: Tensor) -> Tensor:
        p = self.inputs[0]
        y = Tensor._from_op(self.y, None, 0)
        return gy * (p - y) / clip((1.0 - p) * p, 1e-12, None)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """``-[y log p + (1 - y) log(1 - p)]`` for probabilities ``p`` in [0, 1] (use
    :func:`binary_cross_entropy_with_logits` on raw scores: it is stabler)."""
    y = _target(target, input, "binary_cross_entropy")
    _same_shape(input, y, "binary_cross_entropy")
    xp = backend.xp
    if input.size and (xp.any(input.data < 0) or xp.any(input.data > 1)):
        raise ValueError(
            "binary_cross_entropy: input must be probabilities in [0, 1]; got values in "
            f"[{float(input.data.min()):g}, {float(input.data.max()):g}] — apply sigmoid, or "
            "use binary_cross_entropy_with_logits on raw scores"
        )
    loss = BinaryCrossEntropy(y.data)(input)
    if weight is not None:
        loss = loss * _target(weight, input, "binary_cross_entropy")
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable expression:
    ``(1 - y) x + (1 + (pos_weight - 1) y) · softplus(-x)``."""
    y = _target(target, input, "binary_cross_entropy_with_logits")
    _same_shape(input, y, "binary_cross_entropy_with_logits")
    sp = softplus(-input)
    if pos_weight is None:
        loss = (1.0 - y) * input + sp
    else:
        pw = _target(pos_weight, input, "binary_cross_entropy_with_logits")
        loss = (1.0 - y) * input + (1.0 + (pw - 1.0) * y) * sp
    if weight is not None:
        loss = loss * _target(weight, input, "binary_cross_entropy_with_logits")
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


class SoftmaxCrossEntropy(Function):
    """Fused ``-Σ_c a_nc log softmax(x_n)_c`` over rows of ``x (N, C)``.

    ``a`` is the per-sample class weighting (one-hot labels × class weights, smoothed, or
    soft targets); the backward is ``(p · Σ_c a_nc - a_nc) · scale_n`` with
    ``p = softmax(x)`` — no log or exp in the backward pass.
    """

    def __init__(self, labels: Any, coef: Any, scale: Any, reduce_sum: bool) -> None:
        self.labels, self.coef, self.scale, self.reduce_sum = labels, coef, scale, reduce_sum

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        z = x - x.max(axis=1, keepdims=True)
        e = xp.exp(z)
        s = e.sum(axis=1, keepdims=True)
        logp = z - xp.log(s)
        if self.coef is None:  # plain integer labels: pick one log-probability per row
            per = -logp[xp.arange(x.shape[0]), self.labels]
        else:
            per = -(self.coef * logp).sum(axis=1)
        self.p = e / s
        per = per * self.scale
        return per.sum() if self.reduce_sum else per

    def backward(self, gy: Tensor) -> Tensor:
        xp = backend.xp
        x = self.inputs[0]
        n = x.shape[0]
        scale = self.scale if xp.ndim(self.scale) == 0 else self.scale[:, None]
        g = gy.data if self.reduce_sum else gy.data[:, None]
        if is_grad_enabled():  # create_graph: express through differentiable ops
            p = softmax(x, axis=1)
            gyt = gy if self.reduce_sum else reshape(gy, (n, 1))
            if self.coef is None:
                a = xp.zeros(x.shape, x.dtype)
                a[xp.arange(n), self.labels] = 1
                rs = 1.0
            else:
                a = self.coef
                rs = Tensor._from_op(a.sum(axis=1, keepdims=True), None, 0)
            diff = p * rs - Tensor._from_op(a, None, 0)
            return diff * Tensor._from_op(xp.asarray(scale, x.dtype), None, 0) * gyt
        if self.coef is None:
            gx = self.p.copy()
            gx[xp.arange(n), self.labels] -= 1
        else:
            gx = self.p * self.coef.sum(axis=1, keepdims=True) - self.coef
        gx *= scale * g
        return Tensor._from_op(gx.astype(x.dtype, copy=False), None, 0)


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits against class labels or class probabilities (PyTorch's
    semantics, incl. ``weight``, ``ignore_index`` and ``label_smoothing``).

    Shapes: ``input (N, C)`` or ``(N, C, d1, ...)``; ``target`` integer labels ``(N,)`` /
    ``(N, d1, ...)`` with values in ``[0, C)``, or probabilities with the input's shape.
    The mean over labels is weighted: ``Σ_n w_{t_n} loss_n / Σ_n w_{t_n}``.
    """
    fn = "cross_entropy"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"{fn}: input must have a class axis, got shape {input.shape}")
    xp = backend.xp
    t = target.data if isinstance(target, Tensor) else xp.asarray(target)
    x = input
    if x.ndim == 1:  # a single sample (C,)
        x = reshape(x, (1, x.shape[0]))
        t = t.reshape((1,) + t.shape)
    rest = x.shape[2:]
    c = x.shape[1]
    if rest:  # move classes last and flatten (N, C, d...) -> (N·d..., C)
        axes = (0, *range(2, x.ndim), 1)
        x = reshape(transpose(x, axes), (-1, c))
    probs = t.dtype.kind == "f" and t.shape == input.shape and (input.ndim > 1 or t.ndim == 1)
    if probs and input.ndim == 1:
        t = t.reshape(1, -1)
    w = None
    if weight is not None:
        w = weight.data if isinstance(weight, Tensor) else xp.asarray(weight)
        if w.shape != (c,):
            raise ValueError(f"{fn}: weight must have shape ({c},), got {w.shape}")
        w = w.astype(x.dtype)
    dt = x.dtype
    n = x.shape[0]
    if probs:
        q = t.astype(dt)
        if rest:
            q = q.transpose((0, *range(2, q.ndim), 1)).reshape(-1, c)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / c
        coef = q * w if w is not None else q
        labels = None
        scale = xp.asarray(1.0 / n if reduction == "mean" else 1.0, dt)
    else:
        labels = _check_labels(t, c, ignore_index, fn, input.shape)
        expected = input.shape[:1] + rest if input.ndim > 1 else (1,)
        if t.shape != expected and not (input.ndim == 1 and t.shape == (1,)):
            raise ValueError(
                f"{fn}: integer targets for input of shape {input.shape} must have shape "
                f"{expected}, got {t.shape}"
            )
        labels = labels.reshape(-1)
        valid = labels != ignore_index
        safe = xp.where(valid, labels, 0)
        wt = w[safe] if w is not None else xp.ones(n, dt)
        wt = wt * valid
        if label_smoothing == 0 and w is None:
            coef = None
        else:
            coef = xp.zeros((n, c), dt)
            coef[xp.arange(n), safe] = (1 - label_smoothing) * wt
            if label_smoothing:
                row = (w if w is not None else xp.ones(c, dt)) * (label_smoothing / c)
                coef += row[None, :] * valid[:, None]
        if reduction == "mean":
            denom = float(wt.sum())
            scale = xp.asarray(1.0 / denom if denom > 0 else float("nan"), dt)
        else:
            scale = xp.asarray(1.0, dt)
        if coef is None:
            scale = (valid * scale).astype(dt) if not valid.all() else scale
            labels = safe
    out = SoftmaxCrossEntropy(labels, coef, scale, reduction != "none")(x)
    if reduction == "none":
        out = reshape(out, input.shape[:1] + rest if input.ndim > 1 else ())
    return out


def _check_labels(t: Any, c: int, ignore_index: int, fn: str, shape: tuple) -> Any:
    xp = backend.xp
    if t.dtype.kind == "f":
        if t.size and not bool(xp.all(t == xp.round(t))):
            raise ValueError(
                f"{fn}: targets of shape {t.shape} hold fractional values (e.g. "
                f"{float(t.reshape(-1)[0]):g}) but cross-entropy needs integer class labels in "
                f"[0, {c - 1}] (or class probabilities of shape {shape}); for a continuous "
                "target use a regression loss such as mse or mae"
            )
        t = t.astype(numpy.int64)
    elif t.dtype.kind == "b":
        t = t.astype(numpy.int64)
    elif t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: targets must be integer labels, got dtype {t.dtype}")
    if t.size:
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bool(xp.any(bad)):
            v = int(t[bad].reshape(-1)[0])
            raise ValueError(
                f"{fn}: class label {v} is out of range for {c} classes (expected labels in "
                f"[0, {c - 1}])"
            )
    return t


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood ``-w_t · input[t]`` of log-probabilities ``input (N, C)``
    (``log_softmax`` output) at integer labels ``target (N,)``."""
    fn = "nll_loss"
    if input.ndim != 2:
        raise ValueError(f"{fn}: expected input of shape (N, C), got {input.shape}")
    xp = backend.xp
    n, c = input.shape
    t = target.data if isinstance(target, Tensor) else xp.asarray(target)
    if t.shape != (n,):
        raise ValueError(f"{fn}: target must have shape ({n},), got {t.shape}")
    t = _check_labels(t, c, ignore_index, fn, input.shape)
    valid = t != ignore_index
    safe = xp.where(valid, t, 0)
    w = (
        xp.ones(c, input.dtype)
        if weight is None
        else xp.asarray(weight.data if isinstance(weight, Tensor) else weight, input.dtype)
    )
    wt = w[safe] * valid
    a = xp.zeros((n, c), input.dtype)
    a[xp.arange(n), safe] = wt
    per = -sum(input * Tensor._from_op(a, None, 0), axis=1)
    if reduction == "mean":
        return sum(per) * (1.0 / float(wt.sum()))
    return _reduce(per, reduction, fn)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Any,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``Σ y (log y - input)`` with ``input`` log-probabilities
    (PyTorch's convention); ``reduction="batchmean"`` divides by the batch size, which is
    the mathematically correct KL per sample."""
    fn = "kl_div"
    y = _target(target, input, fn)
    _same_shape(input, y, fn)
    xp = backend.xp
    if log_target:
        ylogy = xp.exp(y.data) * y.data
        yv = Tensor._from_op(xp.exp(y.data), None, 0)
    else:
        yd = y.data
        ylogy = xp.where(yd > 0, yd * xp.log(xp.where(yd > 0, yd, 1)), 0).astype(input.dtype)
        yv = y
    loss = Tensor._from_op(ylogy, None, 0) - yv * input
    if reduction == "batchmean":
        return sum(loss) * (1.0 / input.shape[0])
    return _reduce(loss, reduction, fn)


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "log_softmax",
    "mse_loss",
    "nll_loss",
]
