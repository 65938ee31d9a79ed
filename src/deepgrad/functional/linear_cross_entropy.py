"""PyTorch's fused output head and loss, ``linear_cross_entropy``:

    loss = cross_entropy(linear(input, W, b), target, weight, ...)

for a classifier's last layer ``W (C, in)`` (``(C, d1, ..., dK, in)`` for a K-dimensional
loss, whose logits are laid out ``(N, C, d1, ..., dK)``). Without ``options`` it is exactly
that composition (the reference path). With :class:`LinearCrossEntropyOptions` (PyTorch's
chunked path, for heads whose ``(N, C)`` logits would not fit: a language model's vocabulary)
the batch is taken ``batch_chunk_size`` rows at a time and the logits of one chunk exist at
once — :class:`LinearCrossEntropyChunked`, one graph node:

    forward, per chunk:   z = x_c Wᵀ + b,  ℓ_n = w_{t_n} (logsumexp(z_n) − z_{n,t_n})
    backward, per chunk:  g = coef ⊙ (softmax(z) − onehot(t)),  ∂x_c = g W,
                          ∂W += gᵀ x_c,  ∂b += Σ_rows g

with ``coef_n = w_{t_n} · ∂L/∂ℓ_n`` (``1 / Σ w`` folded in for ``"mean"``), the logits
recomputed in the backward rather than kept. Rows whose label is ``ignore_index`` add
nothing. As PyTorch's chunked op it takes integer labels, ``reduction`` ``"mean"``, ``"sum"``
or ``"none"``, no label smoothing and no K dimensions (others fall back to the reference
path with PyTorch's warning), and no second-order gradient.

Shapes: ``input (in,)`` or ``(N, in)``; ``target ()``/``(N,)``/``(N, d1, ...)`` labels or
class probabilities of the logits' shape; ``linear_bias (C, d1, ...)``; ``weight (C,)``.

>>> import deepgrad as dg
>>> from deepgrad.functional.linear_cross_entropy import linear_cross_entropy
>>> x, w = dg.ones(4, 3), dg.zeros(5, 3)
>>> round(linear_cross_entropy(x, w, dg.tensor([0, 1, 2, 3])).item(), 4)  # log 5
1.6094
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy

from .. import backend
from .._errors import ChoiceError, ShapeMismatchError
from ..autograd import Function, _GradMode
from ..tensor import Tensor, as_tensor
from .linalg import linear
from .loss import _check_labels, _check_reduction, cross_entropy

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy"]

_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """PyTorch's options of the chunked :func:`linear_cross_entropy`: ``batch_chunk_size``
    (rows a chunk; None: from ``chunking_method``), ``chunking_method`` (``"auto"``,
    ``"aspect_ratio"`` or ``"aspect_ratio:N"``: chunks whose logits take the memory of the
    input, divided by N; ``"auto"`` is ``"aspect_ratio:2"`` for float32/float64, as on
    PyTorch's CPU), ``acc_policy`` and ``acc_dtype`` (checked as PyTorch checks them;
    deepgrad computes in the input's dtype), ``allow_retain_graph`` (a second backward
    through a scalar reduction is refused unless True, as PyTorch's)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r} (one of {_POLICIES})")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            factor = factor if sep else "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(
                    f"invalid chunking_method: {self.chunking_method!r} (expected 'auto', "
                    "'aspect_ratio' or 'aspect_ratio:N' with N >= 1, or None)"
                )
        size = self.batch_chunk_size
        if size is not None and not (isinstance(size, int) and size > 0):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")
        acc = self.acc_dtype
        if acc is not None and repr(acc) != "bfloat16":
            if numpy.dtype(acc) not in (numpy.float16, numpy.float32, numpy.float64):
                raise ValueError(
                    "acc_dtype must be one of {None, float16, bfloat16, float32, float64}, "
                    f"got {acc!r}. Pass acc_dtype=None to let the op pick automatically."
                )

    def chunk_rows(self, n: int, in_features: int, num_classes: int) -> int:
        """The rows of one chunk for a batch of ``n`` (PyTorch's ``_adjust``)."""
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else "aspect_ratio:2"
        rows = n if self.batch_chunk_size is None else min(self.batch_chunk_size, n)
        if method is not None:
            factor = int(method.split(":", 1)[1]) if ":" in method else 1
            want = -(-n // -(-num_classes // in_features))
            heuristic = min((1 << (want - 1).bit_length()) // factor, n)
            if self.batch_chunk_size is not None and self.batch_chunk_size != heuristic:
                raise ValueError(
                    f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method "
                    f"(={self.chunking_method!r}, giving {heuristic}) disagree: set "
                    "chunking_method=None to use batch_chunk_size"
                )
            rows = heuristic
        return max(rows, 1)


class LinearCrossEntropyChunked(Function):
    """``linear_cross_entropy`` over row chunks (see the module): inputs ``x (N, in)``,
    ``W (C, in)``, optionally ``b (C,)``; the labels, class weights and options are fixed
    at construction. Output: the reduced loss ``()`` or the per-row losses ``(N,)``."""

    def __init__(self, t: Any, w: Any, ignore: int, reduction: str, rows: int, keep: bool):
        self.t, self.cw, self.ignore, self.reduction = t, w, ignore, reduction
        self.rows, self.keep, self.spent = rows, keep, False

    def _chunks(self, n: int) -> range:
        return range(0, n, self.rows)

    def _logits(self, x: Any, W: Any, b: Any, s: int) -> Any:
        z = x[s : s + self.rows] @ W.T
        return z if b is None else z + b

    def _row_weights(self, s: int, e: int) -> tuple[Any, Any]:
        t = self.t[s:e]
        valid = t != self.ignore
        tt = numpy.where(valid, t, 0)
        w = valid.astype(self.dtype) if self.cw is None else self.cw[tt] * valid
        return tt, w

    def forward(self, x: Any, W: Any, b: Any = None) -> Any:
        xp, n = backend.xp, x.shape[0]
        self.dtype = x.dtype
        losses = xp.empty(n, x.dtype)
        total = x.dtype.type(0)
        for s in self._chunks(n):
            z = self._logits(x, W, b, s)
            e = s + z.shape[0]
            tt, w = self._row_weights(s, e)
            m = z.max(axis=1, keepdims=True)
            lse = (m + xp.log(xp.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
            losses[s:e] = (lse - z[xp.arange(z.shape[0]), tt]) * w
            total = total + w.sum()
        self.total = total
        if self.reduction == "none":
            return losses
        out = losses.sum()
        with numpy.errstate(invalid="ignore", divide="ignore"):  # no label counted: NaN
            return xp.asarray(out / total if self.reduction == "mean" else out, x.dtype)

    def backward(self, gy: Tensor) -> tuple:
        if _GradMode.enabled:
            raise RuntimeError(
                "linear_cross_entropy with options (the chunked path): higher-order "
                "gradients are not supported, as in PyTorch; use options=None"
            )
        if self.spent and not self.keep and self.reduction != "none":
            raise RuntimeError(
                "linear_cross_entropy: backward through the chunked op a second time needs "
                "LinearCrossEntropyOptions(allow_retain_graph=True), as in PyTorch"
            )
        self.spent = True
        xp = backend.xp
        x, W = self.inputs[0]._data, self.inputs[1]._data
        b = self.inputs[2]._data if len(self.inputs) > 2 else None
        g_out = gy._data
        need = self.needs_input_grad
        gx = xp.empty_like(x) if need[0] else None
        gW = xp.zeros_like(W) if need[1] else None
        gb = xp.zeros_like(b) if b is not None and need[2] else None
        scale = g_out / self.total if self.reduction == "mean" else g_out
        for s in self._chunks(x.shape[0]):
            z = self._logits(x, W, b, s)
            e = s + z.shape[0]
            tt, w = self._row_weights(s, e)
            p = xp.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[xp.arange(e - s), tt] -= 1
            p *= (w * (scale[s:e] if self.reduction == "none" else scale))[:, None]
            if gx is not None:
                gx[s:e] = p @ W
            if gW is not None:
                gW += p.T @ x[s:e]
            if gb is not None:
                gb += p.sum(axis=0)
        make = Tensor._from_op
        grads = tuple(None if g is None else make(g, None, 0) for g in (gx, gW, gb))
        return grads[: len(self.inputs)]


def linear_cross_entropy(
    input: Tensor,  # noqa: A002 - PyTorch's name
    linear_weight: Tensor,
    target: Any,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, PyTorch's
    ``torch.nn.functional.linear_cross_entropy`` (see the module: shapes, the chunked path).
    ``ignore_index=None`` means -100 for labels; given with class probabilities it is
    refused, as PyTorch refuses it."""
    x, W = as_tensor(input), as_tensor(linear_weight)
    if x.ndim not in (1, 2):
        raise ShapeMismatchError(f"expected input with dimensionality 1 or 2, got {x.ndim}")
    if W.ndim < 2:
        raise ShapeMismatchError(
            f"expected linear_weight with dimensionality at least 2, got {W.ndim}"
        )
    lead, n_in, c, dims = tuple(x.shape[:-1]), x.shape[-1], W.shape[0], tuple(W.shape[1:-1])
    if n_in != W.shape[-1]:
        raise ShapeMismatchError(
            "expected equal input and linear_weight last dimensions (in_features), got "
            f"{n_in} and {W.shape[-1]}, respectively"
        )
    if linear_bias is not None and tuple(linear_bias.shape) != (c, *dims):
        raise ShapeMismatchError(
            f"expected linear_bias shape {(c, *dims)}, got {tuple(linear_bias.shape)}"
        )
    if dims and not lead:
        raise ShapeMismatchError(
            f"K-dimensional loss defined by linear_weight shape {tuple(W.shape)} requires "
            f"batched input, (N, {n_in}), got unbatched input with shape {tuple(x.shape)}"
        )
    t = as_tensor(target)
    shape = (*lead, c, *dims)
    if tuple(t.shape) == shape and ignore_index is not None:
        raise ChoiceError(  # PyTorch's RuntimeError
            "ignore_index cannot be specified when target contains probabilities (a float "
            f"target of the logits' shape {shape}); leave ignore_index=None"
        )
    ignore = -100 if ignore_index is None else ignore_index
    if options is not None:
        fits = (
            not dims
            and reduction in ("mean", "sum", "none")
            and label_smoothing == 0.0
            and t.dtype == numpy.int64
        )
        if fits:
            return _chunked(x, W, t, linear_bias, weight, reduction, ignore, options)
        warnings.warn(
            "linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
            "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, "
            f"out_features == (). Got reduction={reduction!r}, label_smoothing="
            f"{label_smoothing}, target.dtype={t.dtype}, out_features={dims}",
            stacklevel=2,
        )
    if dims:
        W = W.reshape(math.prod(dims) * c, n_in)
        linear_bias = None if linear_bias is None else linear_bias.reshape(-1)
    logits = linear(x, W, linear_bias).reshape(shape)
    return cross_entropy(logits, target, weight, ignore_index=ignore, reduction=reduction,
                         label_smoothing=label_smoothing)  # fmt: skip


def _chunked(x: Tensor, W: Tensor, t: Tensor, b: Any, weight: Any, reduction: str,
             ignore: int, options: LinearCrossEntropyOptions) -> Tensor:  # fmt: skip
    """The chunked path: labels checked as ``cross_entropy`` checks them, one sample as a
    batch of one."""
    _check_reduction(reduction, "linear_cross_entropy")
    one = x.ndim == 1
    xs = x.reshape(1, -1) if one else x
    labels = t._data.reshape(-1) if one else t._data
    if labels.shape != (xs.shape[0],):
        raise ShapeMismatchError(
            f"linear_cross_entropy: expected target of shape {(xs.shape[0],)[: 0 if one else 1]}"
            f", got {tuple(t.shape)}"
        )
    labels, _ = _check_labels(labels, W.shape[0], ignore, "linear_cross_entropy", ())
    cw = None if weight is None else as_tensor(weight)._data
    rows = options.chunk_rows(xs.shape[0], xs.shape[1], W.shape[0])
    fn = LinearCrossEntropyChunked(labels, cw, ignore, reduction, rows,
                                   options.allow_retain_graph)  # fmt: skip
    out = fn(xs, W) if b is None else fn(xs, W, b)
    return out.reshape(()) if one and reduction == "none" else out
