"""Loss functions, in numerically stable forms.

==========================  ================================================================
loss                        per element / per sample
==========================  ================================================================
mse_loss                    (x - y)²
l1_loss                     |x - y|
huber_loss                  ½d² if |d| < δ else δ(|d| - ½δ),   d = x - y
binary_cross_entropy        -[y log p + (1 - y) log(1 - p)]    (logs clamped at -100)
binary_cross_entropy_       (1 - y)·x - (1 + (w₊ - 1)y)·log σ(x)   (fused: ∂/∂x = σ(x) - y)
  with_logits
cross_entropy               -Σ_c a_c log softmax(x)_c          (fused: ∂/∂x = p Σa - a)
nll_loss                    -w_t · logp_t
kl_div                      y (log y - input)                  (input = log-probabilities)
smooth_l1_loss              ½d²/β if |d| < β else |d| - ½β,    d = x - y
multi_margin_loss           Σ_{i≠t} w_t max(0, margin - x_t + x_i)^p / C   (multiclass SVM)
hinge_embedding_loss        x if y = 1, max(0, margin - x) if y = -1
margin_ranking_loss         max(0, -y (x₁ - x₂) + margin)
cosine_embedding_loss       1 - cos(x₁, x₂) if y = 1, max(0, cos(x₁, x₂) - margin) if y = -1
soft_margin_loss            log(1 + e^(-y x)) = softplus(-y x)
multilabel_soft_margin_     -Σ_c w_c [y_c log σ(x_c) + (1 - y_c) log σ(-x_c)] / C   (per sample)
  loss
poisson_nll_loss            eˣ - y x  (log_input) or x - y log(x + ε); + Stirling if full
gaussian_nll_loss           ½ (log max(v, ε) + (x - y)² / max(v, ε)) [+ ½ log 2π]
triplet_margin_loss         max(0, ‖a - p‖ - ‖a - n‖ + margin)   (‖·‖ pairwise_distance)
triplet_margin_with_        max(0, d(a, p) - d(a, n) + margin)   (d any distance function)
  distance_loss
multilabel_margin_loss      Σ_{j ∈ T} Σ_{i ∉ T} max(0, 1 - (x_j - x_i)) / C   (T: the labels)
==========================  ================================================================

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``, as in PyTorch; PyTorch's legacy
``size_average`` and ``reduce`` are taken in PyTorch's positions and read as it reads them
(:mod:`deepgrad.functional.reduction`). Pointwise
losses refuse inputs and targets of different shapes: ``(N, 1)`` against ``(N,)`` would
otherwise broadcast silently to ``(N, N)``.
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import Any

import numpy

from .. import backend, kernels
from .._errors import (
    ChoiceError,
    DtypeNotImplementedError,
    LabelRangeError,
    ShapeMismatchError,
    ValueRangeError,
    _type_words,
    bool_arg,
    broadcast_words,
    float_arg,
    int_arg,
    refuse_kernel_dtype,
)
from ..autograd import Function, _GradMode
from ..tensor import Tensor
from .activation import (
    log_softmax,
    logsigmoid,
    relu,
    shift_by_max,
    sigmoid,
    softmax,
    softplus,
)
from .elementwise import abs, clip, exp, log, minimum, sqrt, where
from .normalization import _broadcast_shape, _clamp_min_straight_through, pairwise_distance
from .reduce import _half_in_float, mean, sum
from .reduction import resolve as legacy_reduction
from .shape import permute, reshape, take_along_dim, unsqueeze
from .special import xlogy

_REDUCTIONS = ("mean", "sum", "none")


def _target(t: Any, like: Tensor, fn: str, promote: bool = False) -> Tensor:
    """Targets as a constant tensor (no gradient), floating ones in ``like``'s dtype. With
    ``promote`` a floating target *tensor* is kept as it is, so the loss takes the promoted
    dtype of the two, as PyTorch's (``mse_loss`` of float32 and float64 is float64)."""
    if promote and isinstance(t, Tensor) and t.dtype.kind == "f":
        return t
    if isinstance(t, Tensor):
        arr = t._data
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


class _WeightTypeError(TypeError, AttributeError):
    """A weight that is not a tensor, for a loss PyTorch writes in Python: it reads
    ``weight.size()`` or ``weight.dim()`` there (``AttributeError`` for a list or a number, a
    ``TypeError`` for a NumPy array), so deepgrad's refusal is both."""


def _refuse_untensored_weight(
    value: Any, fn: str, name: str, position: int, python_loss: bool = False
) -> None:
    """PyTorch's refusal of a ``weight`` / ``pos_weight`` that is not a tensor (a list, a
    NumPy array, a number): "cross_entropy(): argument 'weight' (position 3) must be Tensor,
    not list", a ``TypeError`` (``python_loss``: :class:`_WeightTypeError`)."""
    if value is None or isinstance(value, Tensor):
        return
    cls = _WeightTypeError if python_loss else TypeError
    raise cls(
        f"{fn}(): argument '{name}' (position {position}) must be Tensor, not "
        f"{_type_words(value)}; wrap it with deepgrad.tensor(...) (PyTorch refuses it too)"
    )


def _refuse_bool(t: Any, fn: str, kinds: str = "b") -> None:
    """PyTorch's refusal of a bool (or, with ``kinds="biu"``, any integer) target tensor where
    its loss subtracts it (``l1_loss``, ``gaussian_nll_loss``) or takes its log (``kl_div``)."""
    if isinstance(t, Tensor) and t.dtype.kind in kinds:
        raise RuntimeError(
            f"{fn}: a target tensor of dtype {t.dtype} is not supported (PyTorch refuses it "
            "too); pass a floating target, e.g. target.to(input.dtype)"
        )


def _refuse_integer_input(fn: str, input: Any, target: Any = None, both: bool = False) -> None:  # noqa: A002
    """PyTorch's refusal of an integer or bool ``input`` where its loss has no integer kernel
    (``huber_loss``, ``soft_margin_loss``, ``hinge_embedding_loss``: "result type Float can't
    be cast", "could not infer output dtype"); with ``both``, only when the target is not
    floating either (``mse_loss``, ``l1_loss``, ``smooth_l1_loss`` promote an integer input
    against a floating target)."""
    kind = getattr(getattr(input, "dtype", None), "kind", "f")
    if kind not in "biu":
        return
    if both and getattr(getattr(target, "dtype", None), "kind", "f") not in "biu":
        return
    raise DtypeNotImplementedError(
        f"{fn}: not implemented for an input tensor of dtype {input.dtype}"
        f"{' and a non-floating target' if both else ''} (PyTorch refuses it too); pass "
        "floating tensors, e.g. input.float()"
    )


def _bool_input_as(input: Tensor, y: Tensor) -> Tensor:  # noqa: A002
    """A bool ``input`` against a floating target in the target's dtype (PyTorch's
    ``mse_loss`` and ``smooth_l1_loss`` promote it; a bool tensor cannot be subtracted)."""
    if input.dtype.kind == "b" and y.dtype.kind == "f":
        return Tensor._from_op(input._data.astype(y.dtype), None, 0)
    return input


def _same_shape(x: Tensor, y: Tensor, fn: str) -> None:
    if x.shape != y.shape:
        hint = ""
        if x.ndim == y.ndim + 1 and x.shape[-1] == 1 or y.ndim == x.ndim + 1 and y.shape[-1] == 1:
            hint = (
                "; one has a trailing axis of size 1 — reshape the targets (y.reshape(-1, 1)) "
                "or the predictions so both match, instead of letting them broadcast to N×N"
            )
        else:
            try:
                shape = numpy.broadcast_shapes(x.shape, y.shape)
            except ValueError:  # PyTorch refuses too: its words first
                raise ShapeMismatchError(
                    f"{broadcast_words(x.shape, y.shape)}; {fn}: input shape {x.shape} and "
                    f"target shape {y.shape} differ"
                ) from None
            if shape == x.shape:
                hint = (
                    " (PyTorch broadcasts them, with a warning for most losses; deepgrad "
                    "refuses, as the broadcast is usually a mistake): to mean it, pass "
                    "target.expand_as(input)"
                )
        raise ValueError(f"{fn}: input shape {x.shape} and target shape {y.shape} differ{hint}")


def _reduce(loss: Tensor, reduction: str, fn: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    _check_reduction(reduction, fn)
    return _reduce(loss, "mean", fn)  # 'elementwise_mean'


class _ReductionTypeError(TypeError, ValueError):
    """A ``reduction`` that is not a string: PyTorch's losses written in Python raise
    ``TypeError`` (``reduction + " is not a valid value"``), its others ``ValueError``."""


def _reduction_enum(reduction: Any, fn: str) -> str:
    """``reduction`` as PyTorch's ``_Reduction.get_enum`` reads it for the losses with a
    kernel: ``"mean"``, ``"sum"``, ``"none"``, or the deprecated ``"elementwise_mean"`` (a
    ``"mean"``, with PyTorch's warning); anything else its ``ValueError``."""
    if isinstance(reduction, str) and reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            stacklevel=3,
        )
        return "mean"
    _check_reduction(reduction, fn)
    return reduction


def mse_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """Mean squared error ``mean((x - y)²)``; with ``weight`` (the input's shape) PyTorch's
    weighted form ``Σ w (x - y)² / Σ w``."""
    refuse_kernel_dtype(input, "mse_loss", "c", "mse_cpu")
    reduction = _reduction_enum(legacy_reduction(size_average, reduce, reduction), "mse_loss")
    _refuse_integer_input("mse_loss", input, target, both=True)
    y = _target(target, input, "mse_loss", promote=True)
    _same_shape(input, y, "mse_loss")
    x = _bool_input_as(input, y)
    if reduction == "mean" and weight is None and x.shape == y.shape and x.dtype == y.dtype:
        return MeanSquaredError()(x, y)
    d = x - y
    return _weighted_reduce(d * d, weight, input, reduction, "mse_loss")


def _reduce_array(loss: Any, reduction: str) -> Any:
    """An array loss reduced as :func:`_reduce` reduces a tensor (``sum``'s and ``mean``'s
    forwards): float16 summed in float32, the mean of nothing NaN (silently, as PyTorch's)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return _half_in_float(loss.sum, loss, None)
    if loss.size == 0:
        return backend.xp.full((), numpy.nan, loss.dtype)
    return loss.mean()


class MeanSquaredError(Function):
    """``mean((x - y)²)`` in one node whose backward is PyTorch's ``mse_loss_backward``:
    ``((x - y) · (2/n)) · gy`` for ``x`` (``2/n`` a number, as PyTorch's scalar) and its negative for
    ``y`` — the same last bits as PyTorch's gradient (the two-node form's ``2(x - y)·(gy/n)``
    differed in about half the elements)."""

    def forward(self, x: Any, y: Any) -> Any:
        d = x - y
        return _reduce_array(d * d, "mean")

    def backward(self, gy: Tensor) -> tuple:
        x, y = self.inputs
        need_x, need_y = self.needs_input_grad
        g = (x - y) * (2.0 / builtins.max(x._data.size, 1)) * gy  # a number, as PyTorch's
        return (g if need_x else None), (-g if need_y else None)


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """Mean absolute error ``mean|x - y|``; with ``weight`` (the input's shape) PyTorch's
    weighted form ``Σ w |x - y| / Σ w``."""
    reduction = _reduction_enum(legacy_reduction(size_average, reduce, reduction), "l1_loss")
    _refuse_bool(target, "l1_loss")
    y = _target(target, input, "l1_loss", promote=True)
    _same_shape(input, y, "l1_loss")
    loss = abs(input - y)  # a bool input: PyTorch's RuntimeError of the subtraction
    if loss.dtype.kind in "iu" and reduction == "mean" and weight is None:
        # integers: PyTorch's l1_loss gives their |difference| and its sum, not a mean
        raise RuntimeError(
            "l1_loss: mean(): could not infer output dtype. Input dtype must be either a "
            f"floating point or complex dtype. Got: {loss.dtype} (input {input.dtype}, target "
            f"{y.dtype}); pass floating tensors, or reduction='sum' / 'none'"
        )
    return _weighted_reduce(loss, weight, input, reduction, "l1_loss")


def _weighted_reduce(
    loss: Tensor, weight: Any, input: Tensor, reduction: str, fn: str, by_weight: bool = True
) -> Tensor:  # noqa: A002 - PyTorch's name
    """``loss`` reduced; with ``weight`` (exactly the input's shape, as PyTorch requires)
    ``w·loss`` reduced, the mean dividing by ``Σ w`` (``by_weight``) or by the count."""
    if weight is None:
        return _reduce(loss, reduction, fn)
    _refuse_untensored_weight(weight, fn, "weight", 5 if fn == "huber_loss" else 6, True)
    w = _target(weight, input, fn, promote=True)
    if w.shape != input.shape:
        raise ValueError(
            f"{fn}: weight must have the input's shape {input.shape}, got {w.shape} "
            "(Weights and input must have the same size.)"
        )
    _check_reduction(reduction, fn)
    loss = loss * w
    if reduction == "mean" and by_weight:
        return sum(loss) / sum(w)
    return _reduce(loss, reduction, fn)


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Any = None,
) -> Tensor:
    """Huber loss: quadratic ``½d²`` for ``|d| < delta``, linear ``delta(|d| - ½delta)``
    beyond (robust to outliers); ``weight`` (the input's shape) multiplies each term, and the
    mean stays a mean over the elements, as PyTorch's."""
    refuse_kernel_dtype(input, "huber_loss", "c", "huber_cpu")
    reduction = _reduction_enum(reduction, "huber_loss")
    delta = float_arg(delta, "huber_loss", "delta", 4)
    if not delta > 0:  # NaN too, as PyTorch's check
        raise ValueRangeError(
            f"huber_loss does not support non-positive values for delta. (huber_loss: delta "
            f"must be positive, got {delta}; e.g. delta=1.0)"
        )
    _refuse_integer_input("huber_loss", input)
    y = _target(target, input, "huber_loss")
    _same_shape(input, y, "huber_loss")
    if (
        weight is None
        and reduction in ("mean", "sum", "none")
        and input.shape == y.shape
        and input.dtype == y.dtype
    ):
        return PiecewiseQuadratic(True, delta, reduction)(input, y)
    d = input - y
    ad = abs(d)
    small = ~(ad._data >= delta)  # NaN too: its gradient NaN, as PyTorch's
    loss = where(small, _inside(d, small) ** 2 * 0.5, (ad - 0.5 * delta) * delta)
    return _weighted_reduce(loss, weight, input, reduction, "huber_loss", by_weight=False)


class PiecewiseQuadratic(Function):
    """The Huber loss (``huber``) or the smooth L1 loss (its ``1/t`` multiple), reduced, in
    one node: ``½d²`` (smooth L1: ``½d²/t``) where ``|d| < t``, else ``t(|d| - ½t)``
    (``|d| - ½t``), ``d = x - y``. The backward is PyTorch's kernel's, with ``n`` = 1/count
    for a mean (1 otherwise) in the input's dtype: smooth L1 ``-n·gy``, ``n·gy`` for
    ``d ≤ -t``, ``d ≥ t``, else ``(n·d)·gy/t``; Huber ``-n·gy·t``, ``n·gy·t`` for ``d < -t``,
    ``d > t``, else ``(n·d)·gy``; the target's is its negative. (The graph of ``where``,
    powers and a mean gave other last bits in a fifth to a half of the elements.)"""

    def __init__(self, huber: bool, t: float, reduction: str) -> None:
        self.huber, self.t, self.reduction = huber, t, reduction

    def forward(self, x: Any, y: Any) -> Any:
        xp, t = backend.xp, self.t
        if self.huber and x.dtype == numpy.float16:  # PyTorch's huber kernel: in float32
            return self.forward(x.astype(numpy.float32), y.astype(numpy.float32)).astype(x.dtype)
        d = x - y
        ad = xp.abs(d)
        small = ~(ad >= t)  # NaN too: the quadratic branch, NaN
        inside = xp.where(small, d, d.dtype.type(0))
        if self.huber:
            loss = xp.where(small, inside**2 * 0.5, (ad - 0.5 * t) * t)
        else:
            loss = xp.where(small, inside**2 * (0.5 / t), ad - 0.5 * t)
        return _reduce_array(loss, self.reduction)

    def backward(self, gy: Tensor) -> tuple:
        x, y = self.inputs
        need_x, need_y = self.needs_input_grad
        t = self.t
        n = 1.0 / builtins.max(x._data.size, 1) if self.reduction == "mean" else 1.0
        d = x - y
        dd = d._data
        if self.huber:
            lo, hi = dd < -t, dd > t
            g = where(lo, -n * gy * t, where(hi, n * gy * t, d * n * gy))
        else:
            lo, hi = dd <= -t, dd >= t
            g = where(lo, -n * gy, where(hi, n * gy, d * n * gy / t))
        return (g if need_x else None), (-g if need_y else None)


def _inside(d: Tensor, small: Any) -> Tensor:
    """``d`` where ``small``, 0 elsewhere: the quadratic branch of the Huber and smooth L1
    losses computed only where it is taken, so that its gradient where it is not is 0, not
    ``0 · ∞ = NaN`` (an infinite difference has PyTorch's gradient ``sign(d)``). Values
    and gradients where taken are ``d``'s."""
    return where(small, d, Tensor._from_op(backend.xp.zeros((), d._data.dtype), None, 0))


# PyTorch's EPSILON, a float constant (1e-12 rounded to float32) even for float64 inputs
_TORCH_EPSILON = float(numpy.float32(1e-12))


class BinaryCrossEntropy(Function):
    def forward(self, p: Any, y: Any) -> Any:
        xp = backend.xp
        with backend.quiet():  # log 0 = -inf, clamped to -100 as PyTorch's
            logp = xp.maximum(xp.log(xp.maximum(p, 0)), -100)
            log1mp = xp.maximum(xp.log(xp.maximum(1 - p, 0)), -100)
        return -(y * logp + (1 - y) * log1mp)

    def backward(self, gy: Tensor) -> tuple:
        p, y = self.inputs
        np_, ny = self.needs_input_grad
        gp = gy * (p - y) / clip((1.0 - p) * p, _TORCH_EPSILON, None) if np_ else None
        # the target's gradient, PyTorch's -logit(p) (unclamped: ±inf at p = 0 or 1)
        gt = None
        if ny:
            with backend.quiet():
                gt = gy * (log(1.0 - p) - log(p))
        return gp, gt


def _refuse_weight_broadcast(w: Tensor, input: Tensor, what: str, fn: str) -> None:  # noqa: A002
    """PyTorch multiplies the loss by a weight in place: one that would broadcast it to a
    larger shape is refused ('output with shape [] doesn't match the broadcast shape [1]')."""
    try:
        shape = numpy.broadcast_shapes(input.shape, w.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise RuntimeError(
            f"{fn}: {what} of shape {w.shape} does not broadcast to the input's shape "
            f"{input.shape} (PyTorch refuses it too); give it a shape that broadcasts to the "
            "input's, e.g. one value per class along the last axis"
        )


def _value_range(v: Any) -> str:
    """``values in [lo, hi]`` of an array, and whether it holds NaN (for error messages)."""
    finite = v[~numpy.isnan(v)]
    span = f"values in [{float(finite.min()):g}, {float(finite.max()):g}]" if finite.size else ""
    nan = "NaN" if finite.size < v.size else ""
    return " and ".join(t for t in (span, nan) if t)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-[y log p + (1 - y) log(1 - p)]`` for probabilities ``p`` in [0, 1] (use
    :func:`binary_cross_entropy_with_logits` on raw scores: it is stabler)."""
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "binary_cross_entropy"
    )
    _refuse_untensored_weight(weight, "binary_cross_entropy", "weight", 3, python_loss=True)
    if isinstance(target, Tensor) and target.dtype != input.dtype:
        raise RuntimeError(
            f"binary_cross_entropy: target dtype {target.dtype} differs from input dtype "
            f"{input.dtype} (PyTorch refuses it: 'Found dtype ... but expected ...'); pass "
            "target.to(input.dtype)"
        )
    y = _target(target, input, "binary_cross_entropy")
    _same_shape(input, y, "binary_cross_entropy")
    # PyTorch's checks: every input and target value in [0, 1] (NaN fails them too)
    for what, v in (("input", input._data), ("target", y._data)):
        if v.size and not bool(((v >= 0) & (v <= 1)).all()):
            hint = (
                "apply sigmoid, or use binary_cross_entropy_with_logits on raw scores"
                if what == "input"
                else "targets are probabilities of the positive class"
            )
            raise ValueRangeError(
                f"binary_cross_entropy: all elements of {what} should be between 0 and 1 "
                f"(PyTorch's check); got {_value_range(v)}: {hint}"
            )
    if isinstance(target, Tensor) and target.requires_grad:
        y = target  # its gradient flows, as PyTorch's (-logit(p))
    return binary_cross_entropy_unchecked(input, y, weight, reduction)


def binary_cross_entropy_unchecked(
    input: Tensor,  # noqa: A002
    y: Tensor,
    weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """:func:`binary_cross_entropy` on a target tensor of the input's shape, without
    PyTorch's range checks: Keras's ``binary_crossentropy`` computes the formula for any
    target (and NaN predictions give NaN there)."""
    loss = BinaryCrossEntropy()(input, y)
    if weight is not None:
        w = _target(weight, input, "binary_cross_entropy")
        _refuse_weight_broadcast(w, input, "weight", "binary_cross_entropy")
        loss = loss * w
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable expression, PyTorch's:
    ``(1 - y) x - (1 + (pos_weight - 1) y) · log σ(x)`` (:class:`_BCEWithLogits`).

    The loss has a floating target tensor's dtype, as PyTorch's (which computes it in place
    in ``1 - target``): float64 logits against float32 targets give a float32 loss; the
    dtypes of ``weight`` and ``pos_weight`` do not matter. Integer and bool target tensors
    raise, as PyTorch's; arrays and lists (which PyTorch refuses) are taken in the input's
    dtype."""
    refuse_kernel_dtype(input, "binary_cross_entropy_with_logits", "c", "log_sigmoid_cpu")
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "binary_cross_entropy_with_logits"
    )
    _refuse_untensored_weight(weight, "binary_cross_entropy_with_logits", "weight", 3)
    _refuse_untensored_weight(pos_weight, "binary_cross_entropy_with_logits", "pos_weight", 4)
    for name, t in (("target", target), ("pos_weight", pos_weight)):
        if isinstance(t, Tensor) and t.dtype.kind in ("biu" if name == "target" else "b"):
            raise RuntimeError(
                f"binary_cross_entropy_with_logits: a {name} tensor of dtype {t.dtype} is not "
                f"supported (PyTorch refuses it too); pass {name}.to(input.dtype)"
            )
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        y = target  # its gradient flows, as PyTorch's (Bernoulli.log_prob(value) needs it)
    else:
        y = _target(target, input, "binary_cross_entropy_with_logits")
    _same_shape(input, y, "binary_cross_entropy_with_logits")
    pw = (
        None
        if pos_weight is None
        else _target(pos_weight, input, "binary_cross_entropy_with_logits")
    )
    for what, w in (("pos_weight", pw), ("weight", weight)):
        if w is not None:
            w = w if isinstance(w, Tensor) else backend.xp.asarray(w)
            _refuse_weight_broadcast(w, input, what, "binary_cross_entropy_with_logits")
    with backend.quiet():  # an infinite logit: 0 · inf is NaN, silently as PyTorch's
        loss = _BCEWithLogits()(input, y) if pw is None else _BCEWithLogits()(input, y, pw)
    if weight is not None:
        loss = loss * _target(weight, input, "binary_cross_entropy_with_logits")
    out_dtype = y.dtype if y.dtype.kind == "f" else input.dtype
    if loss.dtype != out_dtype:
        loss = loss.to(out_dtype)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


class _BCEWithLogits(Function):
    """PyTorch's ``binary_cross_entropy_with_logits`` before weighting and reduction, its
    formulas both ways. With ``w = 1 + (pos_weight − 1)·y`` (1 without ``pos_weight``)::

        ℓ = (1 − y)·x − w·log σ(x)                    (log σ: :class:`LogSigmoid`'s form)
        ∂ℓ/∂x = σ(x) − y,   or  (p·y + 1 − y)·σ(x) − p·y  with p = pos_weight
        ∂ℓ/∂y = −x,         or  log σ(−x) − p·log σ(x)

    so a logit of −25 against 0 loses 1.4e−11, not 0 (a cut-off softplus drops it), and
    the gradient is ``σ(x) − y`` itself, exact where the loss is tiny. ``pos_weight``
    receives no gradient, as in PyTorch (``input`` and ``target`` have one shape, which a
    ``pos_weight`` broadcasting to it does not change)."""

    def forward(self, x: Any, y: Any, pw: Any = None) -> Any:
        xp = backend.xp
        log_sig = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
        w = 1 if pw is None else (pw - 1) * y + 1
        return (1 - y) * x - w * log_sig

    def backward(self, gy: Tensor) -> tuple:
        x, y = self.inputs[0], self.inputs[1]
        pw = self.inputs[2] if len(self.inputs) > 2 else None
        need = self.needs_input_grad
        gx = gt = None
        if need[0]:
            sig = sigmoid(x)
            if pw is None:
                gx = gy * (sig - y)
            else:
                t = pw * y
                gx = gy * ((t + 1 - y) * sig - t)
            gx = gx if gx.dtype == x.dtype else gx.to(x.dtype)
        if need[1]:
            if pw is None:
                gt = gy * -x
            else:
                gt = gy * (logsigmoid(-x) - pw * logsigmoid(x))
            gt = gt if gt.dtype == y.dtype else gt.to(y.dtype)
        return (gx, gt) if pw is None else (gx, gt, None)


#: ``arange(0, n·c, c)`` by ``(n, c)``, read-only: each row's first index in a flattened
#: ``(n, c)`` array, for :func:`_row_starts`
_ROW_STARTS: dict[tuple[int, int], Any] = {}


def _row_starts(n: int, c: int) -> Any:
    return backend.cached_constant(_ROW_STARTS, (n, c), lambda xp: xp.arange(0, n * c, c))


class SoftmaxCrossEntropy(Function):
    """Fused ``-Σ_c a_nc log softmax(x_n)_c`` over rows of ``x (N, C)``.

    ``a`` is the per-sample class weighting (one-hot labels × class weights, smoothed, or
    soft targets); the backward is ``(p · Σ_c a_nc - a_nc) · scale_n`` with
    ``p = softmax(x)`` — no log or exp in the backward pass.
    """

    def __init__(
        self, labels: Any, coef: Any, scale: Any, reduce_sum: bool, keep: Any = None
    ) -> None:
        self.labels, self.coef, self.scale, self.reduce_sum = labels, coef, scale, reduce_sum
        # the rows that count (ignore_index leaves some out): the others' losses are 0 whatever
        # their logits (a NaN row times a 0 scale would be NaN), as PyTorch skips them
        self.keep = keep

    def forward(self, x: Any) -> Any:
        # -inf logits (masked classes) give PyTorch's inf/NaN silently: where the user's
        # filters turn NumPy's message into an error, Function.__call__ runs this again quietly
        xp = backend.xp
        if self.coef is None:  # the same numbers in five calls (compiled around exp and log)
            done = kernels.softmax_cross_entropy(x, self.labels, self.scale, self.reduce_sum)
            if done is not None:
                loss, self.e, self.s = done
                return loss
        z = shift_by_max(x, 1)
        e = xp.exp(z)
        s = e.sum(axis=1, keepdims=True)
        self.e, self.s = e, s  # the backward's softmax e / s: made there, where it is written
        if self.coef is None:  # plain integer labels: pick one log-probability per row
            n, c = x.shape
            # -(z - log s) at the labels only (the other classes' log-probabilities unused)
            per = -(z.take(self._flat()) - xp.log(s).reshape(n))
        else:
            per = -(self.coef * (z - xp.log(s))).sum(axis=1)
        per = per * self.scale
        if self.keep is not None:
            per = xp.where(self.keep, per, per.dtype.type(0))
        return per.sum() if self.reduce_sum else per

    def backward(self, gy: Tensor) -> Tensor:
        xp = backend.xp
        x = self.inputs[0]
        scale = self.scale if self.scale.ndim == 0 else self.scale[:, None]
        g = gy._data if self.reduce_sum else gy._data[:, None]
        if _GradMode.enabled:  # create_graph: express through differentiable ops
            n = x.shape[0]
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
        e, c = self.e, xp.asarray(scale * g)
        if self.coef is None and self.reduce_sum:  # the lines below in one compiled pass
            gx = kernels.softmax_cross_entropy_grad(e, self.s, self.labels, c)
            if gx is not None:
                return Tensor._from_op(gx.astype(x._data.dtype, copy=False), None, 0)
        p = xp.divide(e, self.s, out=xp.empty(e.shape, e.dtype))  # softmax(x): fresh, C-order
        if self.coef is None:
            p.reshape(-1)[self._flat()] -= 1  # a view (C-order: e keeps a strided x's order)
            gx = p
        else:
            gx = p * self.coef.sum(axis=1, keepdims=True) - self.coef
        gx *= c
        return Tensor._from_op(gx.astype(x._data.dtype, copy=False), None, 0)

    def _flat(self) -> Any:
        """Each row's label as an index into the flattened ``(N, C)`` array (made once): a
        1-D gather and scatter cost a third of the 2-D ``(rows, labels)`` ones."""
        flat = self.__dict__.get("flat")
        if flat is None:
            n, c = self.e.shape
            flat = self.flat = self.labels.astype(numpy.int64, copy=False) + _row_starts(n, c)
        return flat


def _cross_entropy_options(
    input: Tensor,  # noqa: A002
    size_average: Any,
    reduce: Any,
    reduction: Any,
    label_smoothing: Any,
    ignore_index: Any,
) -> tuple[str, float, int]:
    """:func:`cross_entropy`'s ``(reduction, label_smoothing, ignore_index)`` checked as
    PyTorch checks them (the legacy flags read into a reduction; a smoothing above 1 its
    ``RuntimeError``, below 0 or NaN none at all), and the input's class axis."""
    fn = "cross_entropy"
    reduction = _reduction_enum(legacy_reduction(size_average, reduce, reduction), fn)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    label_smoothing = float_arg(label_smoothing, "cross_entropy_loss", "label_smoothing", 7)
    if label_smoothing > 1.0:
        raise ValueRangeError(
            f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g} ({fn}: "
            "the share of the target spread over the classes, e.g. label_smoothing=0.1)"
        )
    if not label_smoothing > 0.0:  # PyTorch smooths only above 0 (a negative or NaN: none)
        label_smoothing = 0.0
    if input.ndim < 1:
        raise ValueError(f"{fn}: input must have a class axis, got shape {input.shape}")
    ignore_index = int_arg(ignore_index, "cross_entropy_loss", "ignore_index", 5)
    return reduction, label_smoothing, ignore_index


def _plain_call(
    x: Any, t: Any, weight: Any, size_average: Any, reduce: Any, reduction: Any,
    smoothing: Any, ignore_index: Any,
) -> Tensor | None:  # fmt: skip
    """:func:`cross_entropy` for the common call, before any option is read: logits and an
    int64 label tensor, no weight, the defaults but a ``"mean"`` or ``"sum"`` reduction;
    :func:`_plain_labels` then (``None`` for anything else)."""
    if (
        type(t) is Tensor
        and type(x) is Tensor
        and weight is None
        and size_average is None
        and reduce is None
        and type(reduction) is str
        and (reduction == "mean" or reduction == "sum")
        and type(smoothing) is float
        and smoothing == 0.0
        and type(ignore_index) is int
        and t._data.dtype == numpy.int64
    ):
        return _plain_labels(x, t._data, ignore_index, reduction)
    return None


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits against class labels or class probabilities (PyTorch's
    semantics, incl. ``weight``, ``ignore_index`` and ``label_smoothing``).

    Shapes: ``input (N, C)`` or ``(N, C, d1, ...)``, or one sample ``(C,)``; ``target``
    integer labels ``(N,)`` / ``(N, d1, ...)`` (``()`` for one sample) with values in
    ``[0, C)``, or probabilities with the input's shape (``ignore_index`` then refused, as in
    PyTorch). The mean over labels is weighted: ``Σ_n w_{t_n} loss_n / Σ_n w_{t_n}``; the
    mean of an empty batch is NaN, as PyTorch's.
    """
    if isinstance(input, Tensor) and input.dtype.kind == "c":
        last = "lastdim_" if input.ndim <= 2 else ""
        refuse_kernel_dtype(input, "cross_entropy", "c", f"log_softmax_{last}kernel_impl")
    plain = _plain_call(input, target, weight, size_average, reduce, reduction,
                        label_smoothing, ignore_index)  # fmt: skip
    if plain is not None:
        return plain
    fn = "cross_entropy"
    reduction, label_smoothing, ignore_index = _cross_entropy_options(
        input, size_average, reduce, reduction, label_smoothing, ignore_index
    )
    _refuse_untensored_weight(weight, fn, "weight", 3)
    xp = backend.xp
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    if isinstance(target, Tensor) and t.dtype != numpy.int64:
        if not (t.dtype.kind == "f" and t.shape == input.shape):  # not class probabilities
            _refuse_label_dtype(t.dtype, input.ndim, fn)
    if weight is None and not label_smoothing and reduction != "none":
        plain = _plain_labels(input, t, ignore_index, reduction)
        if plain is not None:
            return plain
    # class probabilities: a float target of the input's shape (also one sample's (C,))
    probs = t.dtype.kind == "f" and t.shape == input.shape
    if probs and ignore_index >= 0:
        raise ChoiceError(  # PyTorch's RuntimeError; deepgrad's earlier ValueError too
            f"ignore_index is not supported for floating point target ({fn}: "
            f"ignore_index={ignore_index} is not supported with class-probability "
            f"targets (a float target of the input's shape {input.shape}), as in PyTorch; "
            "leave ignore_index at its default (-100), or give integer class labels)"
        )
    if probs and isinstance(target, Tensor) and target.requires_grad:
        return _soft_targets_graph(input, target, weight, label_smoothing, reduction, fn)
    x = input
    if x.ndim == 1:  # a single sample (C,)
        x = reshape(x, (1, x.shape[0]))
        t = t.reshape((1,) + t.shape)
    rest = x.shape[2:]
    c = x.shape[1]
    if rest:  # move classes last and flatten (N, C, d...) -> (N·d..., C)
        axes = (0, *range(2, x.ndim), 1)
        x = reshape(permute(x, axes), (-1, c))
    w = None
    if weight is not None:
        w = weight._data if isinstance(weight, Tensor) else xp.asarray(weight)
        if w.shape != (c,):
            raise _class_weight_error(c, w.shape, fn)
        w_given = w if isinstance(weight, Tensor) else None  # its dtype counts with probabilities
        w = w.astype(x.dtype)
    dt = x.dtype
    n = x.shape[0]
    none_counted = False
    valid = None  # the rows ignore_index leaves in (None: all)
    if probs:
        q = t
        if rest:
            q = q.transpose((0, *range(2, q.ndim), 1)).reshape(-1, c)
        if label_smoothing:  # smoothed in the target's dtype, as PyTorch
            q = q * (1 - label_smoothing) + label_smoothing / c
        if w is not None and w_given is not None and w_given.dtype != dt:
            w = w_given  # PyTorch promotes a weight tensor of another float dtype too
        if q.dtype != dt or (w is not None and w.dtype != dt):
            out = _promoted_soft_targets(x, q, w, reduction)
            if reduction == "none":
                return reshape(out, input.shape[:1] + rest if input.ndim > 1 else ())
            return out
        coef = q * w if w is not None else q
        labels = None
        scale = xp.asarray(1.0 / n if reduction == "mean" and n else 1.0, dt)
    else:
        _refuse_weight_dtype(weight, input, fn)
        labels, in_range = _check_labels(t, c, ignore_index, fn, input.shape)
        expected = input.shape[:1] + rest if input.ndim > 1 else (1,)
        if t.shape != expected and not (input.ndim == 1 and t.shape == (1,)):
            raise ValueError(
                f"{fn}: integer targets for input of shape {input.shape} must have shape "
                f"{expected}, got {t.shape}"
            )
        labels = labels.reshape(-1)
        # every label counts when all are classes and ignore_index is none of them
        all_valid = in_range and not 0 <= ignore_index < c
        valid = None
        if not all_valid:
            valid = labels != ignore_index
            all_valid = bool(valid.all())
        if n and w is None and not label_smoothing and all_valid:
            # the common case, every label counted with weight 1: the general branch's numbers
            # (a mean divides by n) without its per-sample weight arrays
            coef = None
            scale = xp.asarray(1.0 / n if reduction == "mean" else 1.0, dt)
        else:
            if valid is None:
                valid = labels != ignore_index
            safe, wt, coef = _label_weights(labels, valid, w, c, dt, label_smoothing)
            if reduction == "mean":
                denom = float(wt.sum())
                # the mean is 0/0 = NaN when the weights of the counted labels sum to 0; as in
                # PyTorch, the gradients are then 0 if every label is ignored (the NaN is added
                # below), else NaN in the rows of the counted labels and 0 in the others
                none_counted = not bool(valid.any())
                if denom or none_counted:
                    scale = xp.asarray(1.0 / denom if denom else 0.0, dt)
                else:
                    scale = xp.where(valid, xp.asarray(float("nan"), dt), xp.asarray(0.0, dt))
            else:
                scale = xp.asarray(1.0, dt)
            if coef is None:
                scale = (valid * scale).astype(dt) if not valid.all() else scale
                labels = safe
    keep = valid if valid is not None and not valid.all() else None
    out = SoftmaxCrossEntropy(labels, coef, scale, reduction != "none", keep)(x)
    if reduction == "mean" and (n == 0 or none_counted):  # no losses: NaN (0 / 0), as PyTorch
        out = out + float("nan")
    if reduction == "none":
        out = reshape(out, input.shape[:1] + rest if input.ndim > 1 else ())
    return out


def _label_weights(
    labels: Any, valid: Any, w: Any, c: int, dt: Any, label_smoothing: float
) -> tuple[Any, Any, Any]:
    """:func:`cross_entropy`'s labels with the ignored ones at 0 (``safe``), each row's weight
    (0 where ignored), and the per-class coefficients ``(n, C)`` of the weighted or smoothed
    loss (``None`` for plain labels)."""
    xp = backend.xp
    n = labels.shape[0]
    safe = xp.where(valid, labels, 0)
    wt = (w[safe] if w is not None else xp.ones(n, dt)) * valid
    if label_smoothing == 0 and w is None:
        return safe, wt, None
    coef = xp.zeros((n, c), dt)
    coef[xp.arange(n), safe] = (1 - label_smoothing) * wt
    if label_smoothing:
        row = (w if w is not None else xp.ones(c, dt)) * (label_smoothing / c)
        coef += row[None, :] * valid[:, None]
    return safe, wt, coef


def _refuse_label_dtype(dt: Any, ndim: int, fn: str) -> None:
    """PyTorch's rule for a class-label tensor: int64, or uint8 for an input of at most 2
    dims; any other dtype (int32, bool, float labels...) raises its ``RuntimeError``."""
    if dt == numpy.uint8 and ndim <= 2:
        return
    byte = " or uint8 (Byte)" if ndim <= 2 else ""
    raise RuntimeError(
        f"{fn}: expected target dtype to be int64 (Long){byte} for class labels, but got "
        f"{dt}, as PyTorch; convert the labels with target.long()"
    )


def _class_weight_error(c: int, shape: tuple, fn: str) -> ShapeMismatchError:
    """PyTorch's ``RuntimeError`` for class weights not of shape ``(C,)`` (also a
    ``ValueError``, deepgrad's earlier class)."""
    return ShapeMismatchError(
        f"weight tensor should be defined either for all {c} classes or no classes but got "
        f"weight tensor of shape: {list(shape)} ({fn}: pass one weight per class, shape ({c},))"
    )


def _refuse_weight_dtype(weight: Any, input: Tensor, fn: str) -> None:  # noqa: A002
    """PyTorch's rule for class weights with class labels: a tensor of the input's dtype."""
    if isinstance(weight, Tensor) and weight._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"{fn}: expected weight of dtype {input.dtype} (the input's), but found "
            f"{weight.dtype}, as PyTorch; convert it with weight.to(input.dtype)"
        )


def _soft_targets_graph(x: Tensor, q: Tensor, weight: Any, label_smoothing: float,
                        reduction: str, fn: str) -> Tensor:  # fmt: skip
    """Cross-entropy against class probabilities ``q`` that need a gradient (PyTorch
    differentiates the target too: ``∂/∂q = -log_softmax(x) · w``): the loss recorded from
    tensor operations, ``-(log_softmax(x) · q' · w)`` summed over classes, with ``q'`` the
    smoothed target; a mean divides by the number of class vectors (``numel / C``)."""
    axis = 0 if x.ndim == 1 else 1
    c = x.shape[axis]
    if label_smoothing:
        q = q * (1 - label_smoothing) + label_smoothing / c
    prod = log_softmax(x, axis) * q
    if weight is not None:
        w = weight if isinstance(weight, Tensor) else Tensor(backend.xp.asarray(weight))
        if tuple(w.shape) != (c,):
            raise _class_weight_error(c, tuple(w.shape), fn)
        prod = prod * reshape(w, (c,) + (1,) * (x.ndim - 2))
    out = -sum(prod, axis)
    if reduction == "none":
        return out
    total = sum(out)
    if reduction == "sum":
        return total
    n = math.prod(x.shape) // c if c else 0
    return total / n if n else total * float("nan")


def _promoted_soft_targets(x: Tensor, q: Any, w: Any, reduction: str) -> Tensor:
    """Cross-entropy of logits ``x (n, C)`` against probabilities ``q`` (or a weight ``w``) of
    another float dtype, as PyTorch: ``-(log_softmax(x) · q · w)``, the product promoted (a
    float64 loss for float32 logits and float64 targets or weight; float32 targets rounded as
    they came); per sample for ``reduction="none"``."""
    prod = log_softmax(x, 1) * Tensor._from_op(q if w is None else q * w, None, 0)
    out = -sum(prod, 1)
    if reduction == "none":
        return out
    out = sum(out)
    return out / x.shape[0] if reduction == "mean" else out


def _plain_labels(x: Tensor, t: Any, ignore_index: int, reduction: str) -> Tensor | None:
    """The common case of :func:`cross_entropy` at once: logits ``(N, C)`` with ``N > 0``,
    integer labels ``(N,)`` all in ``[0, C)`` and none equal to ``ignore_index``, no weights,
    no smoothing, a mean or a sum. Returns ``None`` for anything else (the general path then
    checks and computes it); the numbers are the general path's."""
    shape = x._data.shape
    if len(shape) != 2 or t.shape != shape[:1] or t.dtype.kind not in "iu" or not shape[0]:
        return None
    n, c = shape
    if 0 <= ignore_index < c:
        return None
    top = t.view(_UNSIGNED[t.dtype.itemsize]).max() if t.dtype.kind == "i" else t.max()
    if not top < c:  # some label out of range: the general path says which
        return None
    scale = backend.xp.asarray(1.0 / n if reduction == "mean" else 1.0, x._data.dtype)
    return SoftmaxCrossEntropy(t, None, scale, True)(x)


def _check_labels(t: Any, c: int, ignore_index: int, fn: str, shape: tuple) -> tuple[Any, bool]:
    """``t`` as integer labels, and whether every label is a class in ``[0, c)``; raises for
    fractional or non-integer targets and for a label out of range that is not
    ``ignore_index``."""
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
    if not t.size:
        return t, True
    # one reduction checks 0 <= t < c: seen as unsigned, negative labels are beyond c
    top = t.view(_UNSIGNED[t.dtype.itemsize]).max() if t.dtype.kind == "i" else t.max()
    if top < c:
        return t, True
    bad = (t != ignore_index) & ((t < 0) | (t >= c))  # some label is out of range: which
    if bool(xp.any(bad)):
        v = int(t[bad].reshape(-1)[0])
        raise LabelRangeError(  # PyTorch's words (its IndexError), then deepgrad's
            f"Target {v} is out of bounds. ({fn}: class label {v} is out of range for {c} "
            f"classes, expected labels in [0, {c - 1}])"
        )
    return t, False


#: the unsigned dtype of each integer size (a signed label seen as unsigned)
_UNSIGNED = {1: numpy.uint8, 2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood ``-w_t · input[t]`` of log-probabilities ``input (N, C)``
    (``log_softmax`` output) at integer labels ``target (N,)``; also, as PyTorch, one sample
    ``(C,)`` with a 0-d target, and ``(N, C, d1, ...)`` with targets ``(N, d1, ...)`` (per
    position; ``reduction="none"`` keeps that shape). ``"mean"`` divides by the summed
    weights of the counted targets."""
    refuse_kernel_dtype(input, "nll_loss", "c", "nll_loss_out_frame")
    reduction = _reduction_enum(legacy_reduction(size_average, reduce, reduction), "nll_loss")
    fn = "nll_loss"
    ignore_index = int_arg(ignore_index, "nll_loss_nd", "ignore_index", 5)
    _refuse_untensored_weight(weight, fn, "weight", 3)
    if input.ndim < 1:
        raise ValueError(f"{fn}: expected input of shape (N, C) or (N, C, d1, ...), got ()")
    xp = backend.xp
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    if isinstance(target, Tensor) and t.dtype != numpy.int64:
        _refuse_label_dtype(t.dtype, input.ndim, fn)
    _refuse_weight_dtype(weight, input, fn)
    if input.ndim == 1:
        expected: tuple = ()
    else:
        expected = input.shape[:1] + input.shape[2:]
    if t.shape != expected:
        raise ValueError(
            f"{fn}: target for input of shape {input.shape} must have shape {expected}, got "
            f"{t.shape}"
        )
    x = input
    if x.ndim == 1:
        x = reshape(x, (1, x.shape[0]))
    elif x.ndim > 2:  # classes last, positions flattened: (N·d..., C)
        x = reshape(permute(x, (0, *range(2, x.ndim), 1)), (-1, x.shape[1]))
    n, c = x.shape
    t, _ = _check_labels(t.reshape(-1), c, ignore_index, fn, input.shape)
    valid = t != ignore_index
    safe = xp.where(valid, t, 0)
    w = (
        xp.ones(c, input.dtype)
        if weight is None
        else xp.asarray(weight._data if isinstance(weight, Tensor) else weight, input.dtype)
    )
    if w.shape != (c,):
        raise _class_weight_error(c, w.shape, fn)
    wt = w[safe] * valid
    total = float(wt.sum())
    # each row's target log-probability times its weight, picked (not a sum over the classes
    # of x · one-hot, where an infinite x of another class would give inf · 0 = NaN); an
    # ignored position is 0, as PyTorch's
    picked = take_along_dim(x, Tensor._from_op(safe[:, None].astype("int64"), None, 0), dim=1)
    if reduction == "mean" and total == 0:
        # the mean is 0/0 = NaN; as PyTorch, the gradient is w_t / 0 (NaN) at each counted
        # target and 0 elsewhere (all 0 when every target is ignored: the NaN is added)
        with backend.quiet():
            coef = xp.where(valid, wt / xp.asarray(total, wt.dtype), 0)
        per = _weighted(-picked, coef, valid)  # +0.0 where ignored
        nan = Tensor._from_op(xp.asarray(numpy.nan, input.dtype), None, 0)
        return sum(per) + nan if not valid.any() else sum(per)
    per = _weighted(-picked, wt, valid)  # +0.0 where ignored, as PyTorch's
    if reduction == "mean":
        return sum(per) * (1.0 / total)
    if reduction == "none":
        return reshape(per, expected)
    return _reduce(per, reduction, fn)


def _weighted(picked: Tensor, coef: Any, valid: Any) -> Tensor:
    """``picked`` (an ``(n, 1)`` column) times ``coef`` (``(n,)``), 0 where not ``valid``."""
    dt = picked._data.dtype
    p = reshape(picked, (picked.shape[0],)) * Tensor._from_op(coef.astype(dt), None, 0)
    zero = Tensor._from_op(backend.xp.zeros((), dt), None, 0)
    return where(Tensor._from_op(valid, None, 0), p, zero)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``Σ y (log y - input)`` with ``input`` log-probabilities
    (PyTorch's convention); ``reduction="batchmean"`` divides by the batch size, which is
    the mathematically correct KL per sample."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    fn = "kl_div"
    if reduction != "batchmean":
        reduction = _reduction_enum(reduction, fn)
    log_target = bool_arg(log_target, fn, "log_target")
    _refuse_bool(target, fn, "biu")
    y = _target(target, input, fn, promote=True)
    _same_shape(input, y, fn)
    xp = backend.xp
    with backend.quiet():  # 0 · -inf (a log(0) target or input) is NaN, silently as PyTorch's
        if y.requires_grad:  # the target's gradient flows, through PyTorch's formula
            if log_target:
                loss = exp(y) * (y - input)
            else:
                loss = xlogy(y, y) - y * input
        elif log_target:
            ylogy = xp.exp(y._data) * y._data
            yv = Tensor._from_op(xp.exp(y._data), None, 0)
        else:
            yd = y._data
            dt = backend.promote_types(input.dtype, y.dtype)
            # xlogy(y, y): 0 where y = 0, NaN for a negative (or NaN) target, as PyTorch's
            ylogy = xp.where(yd == 0, 0, yd * xp.log(xp.where(yd == 0, 1, yd))).astype(dt)
            yv = y
        if not y.requires_grad:
            loss = Tensor._from_op(ylogy, None, 0) - yv * input
    if reduction == "batchmean":
        # PyTorch's: the sum over a batch of 0 is 0/0 = NaN; a 0-d input is just summed
        if input.ndim == 0:
            return sum(loss)
        with backend.quiet():
            return sum(loss) / float(input.shape[0])
    return _reduce(loss, reduction, fn)


# ---------------------------------------------------------------------------------------------
# more losses (PyTorch's names, defaults and gradients at the hinges)
# ---------------------------------------------------------------------------------------------
def _check_reduction(reduction: Any, fn: str) -> None:
    """PyTorch's refusal of an unknown ``reduction`` ("sum_ is not a valid value for
    reduction"), naming the valid ones; a non-string is both ``TypeError`` and ``ValueError``
    (PyTorch raises one or the other by the loss)."""
    if isinstance(reduction, str) and reduction in _REDUCTIONS:
        return
    error = ValueError if isinstance(reduction, str) else _ReductionTypeError
    raise error(
        f"{reduction} is not a valid value for reduction ({fn}: reduction must be one of "
        f"'mean', 'sum' or 'none', got {reduction!r})"
    )


def _float_target(t: Any, like: Tensor, fn: str) -> Tensor:
    """Targets (labels ±1, counts, values) as a constant tensor in ``like``'s float dtype."""
    arr = t._data if isinstance(t, Tensor) else backend.xp.asarray(t)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: expected numeric targets, got dtype {arr.dtype}")
    return Tensor._from_op(arr.astype(like.dtype, copy=False), None, 0)


def _float_target_with_grad(t: Any, like: Tensor, fn: str) -> Tensor:
    """:func:`_float_target`, but a floating target tensor is kept as it is: PyTorch's
    ``margin_ranking_loss`` and ``multilabel_soft_margin_loss`` are built of differentiable
    operations, so such a target gets its gradient (soft labels from another network) and
    its dtype promotes the loss's (a float64 target with a float32 input: float64)."""
    if isinstance(t, Tensor) and t.dtype.kind == "f":
        return t
    return _float_target(t, like, fn)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1 loss (Fast R-CNN): ``½ d² / beta`` where ``|d| < beta``, ``|d| - ½ beta``
    elsewhere, ``d = input - target`` (``beta = 0`` is the L1 loss; Huber loss divided by
    ``beta``).

    Shapes: ``input`` and ``target`` the same shape ``(*)`` → a scalar, or ``(*)`` with
    ``reduction="none"``.
    """
    refuse_kernel_dtype(input, "smooth_l1_loss", "c", "smooth_l1_cpu")
    reduction = _reduction_enum(legacy_reduction(size_average, reduce, reduction), "smooth_l1_loss")
    fn = "smooth_l1_loss"
    beta = float_arg(beta, fn, "beta", 4)
    if not beta >= 0:  # NaN too, as PyTorch's check
        raise ValueRangeError(
            f"smooth_l1_loss does not support negative values for beta. (smooth_l1_loss: beta "
            f"must be non-negative, got {beta}; e.g. beta=1.0)"
        )
    _check_reduction(reduction, fn)
    _refuse_integer_input(fn, input, target, both=True)
    y = _target(target, input, fn, promote=True)
    _same_shape(input, y, fn)
    x = _bool_input_as(input, y)
    if beta and reduction in ("mean", "sum", "none") and x.shape == y.shape and x.dtype == y.dtype:
        return PiecewiseQuadratic(False, beta, reduction)(x, y)
    d = x - y
    ad = abs(d)
    if beta == 0:
        return _reduce(ad, reduction, fn)
    small = ~(ad._data >= beta)  # NaN too: its gradient NaN, as PyTorch's
    loss = where(small, _inside(d, small) ** 2 * (0.5 / beta), ad - 0.5 * beta)
    return _reduce(loss, reduction, fn)


def multi_margin_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multiclass hinge loss (the multiclass SVM loss of CS231n, Weston-Watkins form):
    ``loss_n = Σ_{i ≠ t} w_t · max(0, margin - x[t] + x[i])^p / C`` for the scores ``x`` of
    sample ``n`` and its label ``t``; ``p`` is 1 or 2, ``w`` the optional class weights.

    A class exactly at the margin (``margin - x[t] + x[i] = 0``) adds no gradient, as in
    PyTorch. The mean is over samples (unweighted).

    Shapes: ``input (N, C)`` with integer ``target (N,)`` in ``[0, C)`` → a scalar, or
    ``(N,)`` with ``reduction="none"``; or ``input (C,)`` with one label.
    """
    refuse_kernel_dtype(input, "multi_margin_loss", "c", "multi_margin_loss_cpu_kernel")
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "multi_margin_loss"
    )
    fn = "multi_margin_loss"
    _refuse_untensored_weight(weight, fn, "weight", 5, python_loss=True)
    if p != 1 and p != 2:  # PyTorch's check (True is 1 there, 2.0 is 2)
        raise ValueError(f"only p == 1 and p == 2 supported ({fn}: p must be 1 or 2, got {p!r})")
    p = 2 if p == 2 else 1
    margin = float_arg(margin, fn, "margin", 4)
    _check_reduction(reduction, fn)
    if input.ndim not in (1, 2) or input.shape[-1] == 0:
        raise ValueError(
            f"{fn}: expected input of shape (N, C) or (C,) with C > 0, got shape {input.shape}"
        )
    xp = backend.xp
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must hold integer class labels, got dtype {t.dtype}")
    c = input.shape[-1]
    out_shape = t.shape
    if input.ndim == 2:
        if t.shape != input.shape[:1]:
            raise ValueError(
                f"{fn}: target must have shape ({input.shape[0]},), one label per row of input "
                f"{input.shape}, got {t.shape}"
            )
        x = input
    else:
        if t.shape not in ((), (1,)):
            raise ValueError(
                f"{fn}: input of shape {input.shape} is one sample: target must have shape () "
                f"or (1,), got {t.shape}"
            )
        x = reshape(input, (1, c))
    t = t.reshape(-1).astype(numpy.int64)
    if t.size and (int(t.min()) < 0 or int(t.max()) >= c):
        v = int(t[(t < 0) | (t >= c)][0])
        raise LabelRangeError(
            f"{fn}: class label {v} is out of range for {c} classes (expected labels in "
            f"[0, {c - 1}])"
        )
    n = x.shape[0]
    coef = xp.full(x.shape, 1.0 / c, x.dtype)  # 1/C for the other classes, 0 for the label
    coef[xp.arange(n), t] = 0
    if weight is not None:
        _refuse_weight_dtype(weight, input, fn)
        w = weight._data if isinstance(weight, Tensor) else xp.asarray(weight)
        if w.shape != (c,):
            raise ShapeMismatchError(
                f"inconsistent weight size, expected {c} but got {list(w.shape)} ({fn}: weight "
                f"must have shape ({c},) (one per class), got {w.shape})"
            )
        coef *= w.astype(x.dtype)[t][:, None]
    z = x - take_along_dim(x, t[:, None].astype("int64"), 1) + margin
    # PyTorch's kernel adds a class's term only where z > 0 and it is not the label: a NaN or
    # infinite margin gives 0 or inf there, not the NaN of 0 · inf
    with backend.quiet():
        keep = (z._data > 0) & (coef != 0)
    h = where(Tensor._from_op(keep, None, 0), z, 0.0)
    if p == 2:
        h = h * h
    per = reshape(sum(h * Tensor._from_op(coef, None, 0), axis=1), out_shape)
    return _reduce(per, reduction, fn)


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Hinge embedding loss for labels ``y = ±1`` (``input`` typically a distance):
    ``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (PyTorch's form: a label
    that is neither adds both terms).

    Shapes: ``input`` and ``target`` the same shape ``(*)`` → a scalar, or ``(*)`` with
    ``reduction="none"``.
    """
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "hinge_embedding_loss"
    )
    fn = "hinge_embedding_loss"
    margin = float_arg(margin, fn, "margin", 3)
    _check_reduction(reduction, fn)
    _refuse_integer_input(fn, input)
    y = _float_target(target, input, fn)
    _same_shape(input, y, fn)
    yd = y._data
    loss = where(yd != 1, clip(margin - input, 0, None), 0.0) + where(yd != -1, input, 0.0)
    return _reduce(loss, reduction, fn)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Any,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Ranking loss ``max(0, -y (x₁ - x₂) + margin)``: ``y = 1`` asks for ``x₁`` ranked above
    ``x₂`` by ``margin``, ``y = -1`` the reverse.

    Shapes: ``input1``, ``input2`` and ``target`` the same shape ``(N,)`` (or any) → a
    scalar, or that shape with ``reduction="none"``.
    """
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "margin_ranking_loss"
    )
    fn = "margin_ranking_loss"
    margin = float_arg(margin, fn, "margin", 4)
    _check_reduction(reduction, fn)
    y = _float_target_with_grad(target, input1, fn)
    if not input1.shape == input2.shape == y.shape:
        raise ValueError(
            f"{fn}: input1, input2 and target must have the same shape, got {input1.shape}, "
            f"{input2.shape} and {y.shape}"
        )
    loss = clip(-y * (input1 - input2) + margin, 0, None)
    return _reduce(loss, reduction, fn)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Any,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Cosine embedding loss: ``1 - cos(x₁, x₂)`` where ``y = 1`` (pull together),
    ``max(0, cos(x₁, x₂) - margin)`` where ``y = -1`` (push apart), with PyTorch's
    ``cos = Σ x₁x₂ / √((Σ x₁² + ε)(Σ x₂² + ε))``, ε = 1e-12 rounded to float32 (as PyTorch's).

    Shapes: ``input1``, ``input2`` ``(N, D)`` with ``target (N,)`` of ±1 → a scalar, or
    ``(N,)`` with ``reduction="none"``; or ``(D,)`` inputs with a 0-d target.
    """
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "cosine_embedding_loss"
    )
    fn = "cosine_embedding_loss"
    margin = float_arg(margin, fn, "margin", 4)
    _check_reduction(reduction, fn)
    y = _float_target(target, input1, fn)
    if y.ndim not in (0, 1):
        raise ValueError(
            f"{fn}: expected a 0-d or 1-d target (one label per pair), got shape {y.shape}"
        )
    want = 2 if y.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise ValueError(
            f"{fn}: a {y.ndim}-d target expects {want}-d inputs, got inputs of shapes "
            f"{input1.shape} and {input2.shape}"
        )
    if input1.shape != input2.shape or input1.shape[: y.ndim] != y.shape:
        raise ValueError(
            f"{fn}: expected inputs of the same shape and a target of shape "
            f"{input1.shape[: y.ndim]}, got {input1.shape}, {input2.shape} and {y.shape}"
        )
    axis = y.ndim
    eps = _TORCH_EPSILON  # PyTorch's EPSILON, 1e-12 rounded to float32
    prod = sum(input1 * input2, axis)
    mag1 = sum(input1 * input1, axis) + eps
    mag2 = sum(input2 * input2, axis) + eps
    cos = prod / sqrt(mag1 * mag2)
    yd = y._data
    loss = where(yd == 1, 1.0 - cos, 0.0) + where(yd == -1, clip(cos - margin, 0, None), 0.0)
    return _reduce(loss, reduction, fn)


def soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss for labels ``y = ±1``: ``log(1 + e^(-y x))``, computed as
    ``softplus(-y x)`` (no overflow).

    Shapes: ``input`` and ``target`` the same shape ``(*)`` → a scalar, or ``(*)`` with
    ``reduction="none"``.
    """
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "soft_margin_loss"
    )
    fn = "soft_margin_loss"
    _check_reduction(reduction, fn)
    _refuse_integer_input(fn, input)
    if isinstance(target, Tensor) and target.requires_grad and _GradMode.enabled:
        raise RuntimeError(  # PyTorch's words: its kernel has no gradient for the target
            f"The function '{fn}' is not differentiable with respect to argument 'target'. "
            "This input cannot have requires_grad True."
        )
    y = _float_target(target, input, fn)
    _same_shape(input, y, fn)
    return _reduce(softplus(-y * input), reduction, fn)


def multilabel_soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label one-versus-all logistic loss, averaged over the ``C`` classes:
    ``loss_n = -Σ_c w_c [y_c log σ(x_c) + (1 - y_c) log σ(-x_c)] / C``, computed so, as
    PyTorch's, with :func:`logsigmoid` (stable, no cut-off).

    Shapes: ``input (N, C)`` (classes last; ``(C,)`` for one sample) and 0/1 ``target`` of
    the same shape; ``weight`` broadcasting to the input (usually ``(C,)``) → a scalar, or
    ``(N,)`` with ``reduction="none"``.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    fn = "multilabel_soft_margin_loss"
    _check_reduction(reduction, fn)
    if isinstance(weight, (list, tuple)):  # PyTorch multiplies by a number or an array
        _refuse_untensored_weight(weight, fn, "weight", 3)
    if input.ndim < 1:
        raise ValueError(f"{fn}: expected input (N, C) or (C,), got shape {input.shape}")
    y = _float_target_with_grad(target, input, fn)
    _same_shape(input, y, fn)
    loss = -(y * logsigmoid(input) + (1.0 - y) * logsigmoid(-input))
    if weight is not None:
        w = _float_target_with_grad(weight, input, fn)  # a float64 weight promotes, as torch
        try:
            fits = numpy.broadcast_shapes(w.shape, input.shape) == input.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeMismatchError(
                f"{broadcast_words(input.shape, w.shape)} ({fn}: weight of shape {w.shape} does "
                f"not broadcast to the input's shape {input.shape}; expected "
                f"({input.shape[-1]},), one per class)"
            )
        loss = loss * w
    c = input.shape[-1]
    per = sum(loss, -1) * (1.0 / c if c else float("nan"))  # C = 0: 0/0, as PyTorch
    return _reduce(per, reduction, fn)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of counts ``y ~ Poisson(λ)``: ``e^x - y x`` for
    ``log_input`` (``x = log λ``), else ``x - y log(x + eps)`` (``x = λ``). ``full`` adds the
    Stirling term ``y log y - y + ½ log(2π y)`` where ``y > 1``.

    Shapes: ``input`` and ``target`` the same shape ``(*)`` → a scalar, or ``(*)`` with
    ``reduction="none"``.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    fn = "poisson_nll_loss"
    _check_reduction(reduction, fn)
    log_input = bool_arg(log_input, fn, "log_input", 3)
    full = bool_arg(full, fn, "full", 4)
    eps = float_arg(eps, fn, "eps", 5)
    y = target if isinstance(target, Tensor) and target.dtype.kind == "f" else None
    y = y if y is not None else _float_target(target, input, fn)  # a float tensor promotes
    _same_shape(input, y, fn)
    if log_input:
        loss = exp(input) - y * input
    else:
        loss = input - y * log(input + eps)
    if full and y.requires_grad:  # PyTorch's Stirling term is differentiated too
        big = Tensor._from_op(y._data > 1, None, 0)
        ys = where(big, y, 1.0)
        stirling = ys * log(ys) - ys + 0.5 * log(2 * math.pi * ys)
        loss = loss + where(big, stirling, 0.0)
    elif full:
        xp = backend.xp
        yd = y._data
        big = yd > 1
        ys = xp.where(big, yd, 1)
        stirling = xp.where(big, ys * xp.log(ys) - ys + 0.5 * xp.log(2 * math.pi * ys), 0)
        loss = loss + Tensor._from_op(stirling.astype(loss.dtype, copy=False), None, 0)
    return _reduce(loss, reduction, fn)


def gaussian_nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target ~ N(input, var)``:
    ``½ (log max(var, eps) + (input - target)² / max(var, eps))``, plus ``½ log 2π`` with
    ``full``. As in PyTorch the clamp at ``eps`` does not stop the gradient to ``var``.

    Shapes: ``input`` and ``target`` the same shape ``(N, *)``; ``var`` that shape
    (heteroscedastic), that shape with one axis of size 1 or without its last axis (shared
    along it), or a number → a scalar, or ``(N, *)`` with ``reduction="none"``.
    """
    fn = "gaussian_nll_loss"
    if eps is None:  # PyTorch's clamp_(min=None)
        raise ValueRangeError(
            "torch.clamp: At least one of 'min' or 'max' must not be None (gaussian_nll_loss: "
            "eps, the smallest variance, must be a number, e.g. eps=1e-6)"
        )
    eps = float_arg(eps, fn, "eps")
    _refuse_bool(target, fn)
    y = _target(target, input, fn, promote=True)
    _same_shape(input, y, fn)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{fn}: var must be non-negative, got {var}")
        v = Tensor._from_op(backend.xp.full(input.shape, var, input.dtype), None, 0)
    else:
        if isinstance(var, Tensor) and var.dtype.kind in "biu":
            raise RuntimeError(  # PyTorch's error class (its clamp_ of an integer var)
                f"{fn}: result type Float can't be cast to the desired output type "
                f"{var.dtype} (an integer var); pass a floating var, e.g. var.to(input.dtype)"
            )
        v = var if isinstance(var, Tensor) else _float_target(var, input, fn)
        if v._data.size and bool((v._data < 0).any()):
            raise ValueError(f"{fn}: var has negative entries (variances must be >= 0)")
        if v.shape != input.shape:
            if input.shape[:-1] == v.shape:
                v = unsqueeze(v, -1)
            elif not (
                v.ndim == input.ndim
                and builtins.sum(b for a, b in zip(input.shape, v.shape) if a != b) == 1
            ):
                raise ValueError(
                    f"{fn}: var of shape {v.shape} does not fit input of shape {input.shape}: "
                    f"expected {input.shape} (one variance per element), {input.shape[:-1]} or "
                    "the input's shape with one axis of size 1 (one shared along that axis)"
                )
    _check_reduction(reduction, fn)
    v = _clamp_min_straight_through(v, eps)
    d = input - y
    loss = (log(v) + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, fn)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Triplet loss ``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the
    :func:`~deepgrad.functional.pairwise_distance` (``‖x₁ - x₂ + eps‖_p`` over the last
    axis); ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative distance (Balntas et al.).

    Shapes: ``anchor``, ``positive``, ``negative`` ``(N, D)`` (or ``(D,)``; the same number
    of dims, broadcasting) → a scalar, or ``(N,)`` with ``reduction="none"``.
    """
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "triplet_margin_loss"
    )
    fn = "triplet_margin_loss"
    margin = float_arg(margin, fn, "margin", 4)
    p = float_arg(p, fn, "p", 5)
    eps = float_arg(eps, fn, "eps", 6)
    swap = bool_arg(swap, fn, "swap", 7)
    if margin <= 0:
        raise ValueError(f"{fn}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(
            f"{fn}: the anchor, positive and negative tensors must have the same number of "
            f"dims, got {anchor.ndim}-d, {positive.ndim}-d and {negative.ndim}-d inputs"
        )
    _broadcast_shape(fn, anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(clip(d_pos + margin - d_neg, 0, None), reduction, fn)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Any = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """Triplet loss with any distance: ``max(0, d(a, p) - d(a, n) + margin)``, ``d`` the
    ``distance_function`` (a callable of two tensors giving one distance per sample; default
    :func:`~deepgrad.functional.pairwise_distance`); ``swap`` uses ``min(d(a, n), d(p, n))``.

    Shapes: ``anchor``, ``positive``, ``negative`` ``(N, D)`` or ``(D,)``, the same number of
    dims → a scalar, or the distances' shape ``(N,)`` with ``reduction="none"``.

    >>> import deepgrad as dg
    >>> a, p, n = dg.zeros(2, 3), dg.ones(2, 3), dg.ones(2, 3) * 2
    >>> float(triplet_margin_with_distance_loss(
    ...     a, p, n, distance_function=lambda x, y: (x - y).abs().sum(-1), margin=1.0))
    0.0
    """
    fn = "triplet_margin_with_distance_loss"
    if margin <= 0:  # PyTorch's check (a NaN margin passes it)
        raise ValueError(f"{fn}: margin must be greater than 0, got {margin}")
    _check_reduction(reduction, fn)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(
            f"{fn}: the anchor, positive and negative tensors must have the same number of "
            f"dims, got {anchor.ndim}-d, {positive.ndim}-d and {negative.ndim}-d inputs"
        )
    if distance_function is not None and not callable(distance_function):
        raise TypeError(
            f"{fn}: distance_function must be a callable of two tensors (or None for "
            f"pairwise_distance), got {type(distance_function).__name__}"
        )
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce(clip(d_pos + margin - d_neg, 0, None), reduction, fn)


def multilabel_margin_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge loss: ``loss_n = Σ_{j ∈ T_n} Σ_{i ∉ T_n} max(0, 1 - (x[j] - x[i])) / C``
    where ``T_n`` is sample ``n``'s labels: the entries of ``target[n]`` before its first
    ``-1`` (the rest is ignored; a label listed twice counts twice, as in PyTorch). A pair
    exactly at the margin adds no gradient, as in PyTorch.

    Shapes: ``input (N, C)`` or ``(C,)`` and an integer ``target`` of the same shape → a scalar,
    or ``(N,)`` (``()``) with ``reduction="none"``.

    >>> import deepgrad as dg
    >>> x = dg.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> round(float(multilabel_margin_loss(x, dg.tensor([[3, 0, -1, 1]]))), 4)
    0.85
    """
    reduction = _reduction_enum(
        legacy_reduction(size_average, reduce, reduction), "multilabel_margin_loss"
    )
    fn = "multilabel_margin_loss"
    _check_reduction(reduction, fn)
    xp = backend.xp
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    if input.ndim not in (1, 2) or input.shape[-1] == 0:
        raise ValueError(
            f"{fn}: expected input of shape (N, C) or (C,) with C > 0, got shape {input.shape}"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{fn}: target must hold integer class labels (padded with -1), got dtype {t.dtype}"
        )
    if t.shape != input.shape:
        raise ValueError(
            f"{fn}: target must have the input's shape {input.shape} (labels, then -1 after "
            f"the last), got {t.shape}"
        )
    c = input.shape[-1]
    x = input if input.ndim == 2 else reshape(input, (1, c))
    t = t.reshape(x.shape).astype(numpy.int64)
    listed = xp.cumprod(t != -1, axis=1).astype(bool)  # the entries before the first -1
    bad = listed & ((t < 0) | (t >= c))
    if bad.any():
        raise LabelRangeError(
            f"{fn}: class label {int(t[bad][0])} is out of range for {c} classes (expected "
            f"labels in [0, {c - 1}], then -1 to end the list)"
        )
    rows, cols = xp.nonzero(listed)
    count = xp.zeros(x.shape, x.dtype)  # how often each class is listed (PyTorch counts a
    backend.ufunc_at("add", count, (rows, t[rows, cols]), 1)  # repeated label once per listing)
    # pairs (listed label j, class i not listed) of each sample, each weighted 1/C
    pairs = count[:, :, None] * (count == 0)[:, None, :] / x.dtype.type(c)
    z = relu(unsqueeze(x, 1) - unsqueeze(x, 2) + 1.0)  # z[n, j, i] = 1 - (x_j - x_i)
    per = sum(z * Tensor._from_op(pairs, None, 0), axis=(1, 2))
    if input.ndim == 1:
        per = reshape(per, ())
    return _reduce(per, reduction, fn)


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "log_softmax",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]
