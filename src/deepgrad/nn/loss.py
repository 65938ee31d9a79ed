"""Loss modules (thin wrappers of :mod:`deepgrad.functional.loss`); ``get`` resolves the
names of ``compile(loss="cross_entropy")`` from the one table in
:mod:`deepgrad.nn.loss_names` (deepgrad's, PyTorch's and Keras's names)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from .. import functional as F
from .._errors import ShapeMismatchError, ValueRangeError, _type_words
from ..functional import ctc as C
from ..functional import loss as L
from ..functional.linear_cross_entropy import LinearCrossEntropyOptions, linear_cross_entropy
from ..functional.reduction import resolve as legacy_reduction
from ..tensor import Tensor
from .module import Module


class _Loss(Module):
    #: constructor arguments that are tensors only (a saved model's config gives arrays back:
    #: :mod:`deepgrad.io` makes them tensors again)
    _tensor_arguments: tuple[str, ...] = ("weight", "pos_weight")

    #: whether the loss takes PyTorch's deprecated ``reduction="elementwise_mean"`` (a mean,
    #: with its warning at each call): those with a kernel read by ``_Reduction.get_enum``
    _elementwise_mean = True

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        reduction = legacy_reduction(size_average, reduce, reduction)
        if not (self._elementwise_mean and reduction == "elementwise_mean"):
            # PyTorch refuses an unknown reduction at the first call; deepgrad already here
            try:
                L._check_reduction(reduction, type(self).__name__)
            except ValueError as e:
                raise type(e)(
                    f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', got "
                    f"{reduction!r} ({str(e).split(' (')[0]})"
                ) from None
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """PyTorch's base class of the losses with a per-class ``weight`` (a buffer, ``None``
    when not given), which custom losses subclass (``class FocalLoss(_WeightedLoss)``)."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)


def _weight_buffer(loss: Module, name: str, value: Any) -> None:
    """``value`` as the loss's buffer ``name`` (in ``state_dict``, moved by ``.to``), as
    PyTorch keeps a loss's weights: a tensor or None; a list, a NumPy array or a number is
    PyTorch's ``TypeError`` (``register_buffer`` refuses it there)."""
    if value is not None and not isinstance(value, Tensor):
        raise TypeError(
            f"cannot assign '{_type_words(value)}' object to buffer '{name}' (Tensor or None "
            f"required; {type(loss).__name__}({name}=deepgrad.tensor(...)), as PyTorch requires "
            "a torch Tensor)"
        )
    loss.register_buffer(name, value)


class MSELoss(_Loss):
    """Mean squared error ``mean((x - y)²)`` — for regression."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``mean|x - y|`` (MAE) — for regression, robust to outliers."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic near zero, linear beyond ``delta``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if not isinstance(delta, (float, int)):  # PyTorch's check, in its words
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (after a sigmoid)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy on raw scores, in one stable expression."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        _weight_buffer(self, "weight", weight)  # buffers, as PyTorch's
        _weight_buffer(self, "pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits ``(N, C[, d...])`` against integer labels or class
    probabilities; ``weight``, ``ignore_index`` and ``label_smoothing`` as in PyTorch."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class LinearCrossEntropyLoss(_WeightedLoss):
    """A classifier's last layer and its cross-entropy in one module, PyTorch 2.13's
    ``torch.nn.LinearCrossEntropyLoss``: ``self.linear`` is a :class:`~deepgrad.nn.Linear`
    from ``in_features`` to ``num_classes · prod(out_features)`` (PyTorch's weights for the
    same seed; ``bias=False`` by default), and ``forward(input, target)`` is
    :func:`~deepgrad.functional.linear_cross_entropy.linear_cross_entropy` with that weight
    as ``(num_classes, *out_features, in_features)``. ``options`` turns on the chunked path
    (the logits of ``batch_chunk_size`` rows at a time).

    >>> import deepgrad as dg
    >>> loss = dg.nn.LinearCrossEntropyLoss(5, 10)
    >>> loss(dg.randn(4, 5), dg.tensor([1, 0, 9, 3])).shape
    ()
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Any = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: LinearCrossEntropyOptions | None = None,
    ) -> None:
        from .linear import Linear

        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise ShapeMismatchError(
                f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}"
            )
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueRangeError(
                f"expected label_smoothing to be in range [0, 1], got {label_smoothing}"
            )
        super().__init__(weight, None, None, reduction)
        self.num_classes, self.out_features = num_classes, tuple(out_features)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        rows = num_classes * int(numpy.prod(self.out_features, dtype=numpy.int64))
        self.linear = Linear(in_features, rows, bias=bias, device=device, dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        lin = self.linear
        w = lin.weight.reshape(self.num_classes, *self.out_features, lin.in_features)
        b = None if lin.bias is None else lin.bias.reshape(self.num_classes, *self.out_features)
        return linear_cross_entropy(
            input, w, target, linear_bias=b, weight=self.weight, reduction=self.reduction,
            ignore_index=self.ignore_index, label_smoothing=self.label_smoothing,
            options=self.options,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
            f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}, options={self.options}"
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (after ``LogSoftmax``)."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated name of :class:`NLLLoss` (which takes ``(N, C, H, W)``
    log-probabilities as well): the same loss, with PyTorch's ``FutureWarning`` when made."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        warnings.warn(
            "`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
            "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for "
            "more details.",
            FutureWarning,
            stacklevel=3,  # past Module's constructor wrapper,
        )
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class KLDivLoss(_Loss):
    """KL divergence ``Σ y (log y - input)``, ``input`` being log-probabilities."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        Module.__init__(self)
        reduction = legacy_reduction(size_average, reduce, reduction)
        if reduction not in ("batchmean", "elementwise_mean"):
            L._check_reduction(reduction, "KLDivLoss")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class SmoothL1Loss(_Loss):
    """``½ d² / beta`` for ``|d| < beta``, ``|d| - ½ beta`` beyond (``d = input - target``)."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class MultiMarginLoss(_WeightedLoss):
    """Multiclass hinge (SVM) loss ``Σ_{i≠t} w_t max(0, margin - x_t + x_i)^p / C`` of scores
    ``(N, C)`` against integer labels ``(N,)``; ``p`` is 1 or 2."""

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)  # PyTorch's order of checks
        if p != 1 and p != 2:  # PyTorch's check (True is 1 there)
            raise ValueError(
                f"only p == 1 and p == 2 supported (MultiMarginLoss: p must be 1 or 2, got {p!r})"
            )
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D "
                f"instead (weight must be 1-D, one per class; got shape {weight.shape})"
            )
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.multi_margin_loss(
            input, target, self.p, self.margin, self.weight, reduction=self.reduction
        )


class HingeEmbeddingLoss(_Loss):
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``."""

    def __init__(
        self,
        margin: float = 1.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -y (x₁ - x₂) + margin)``: called as ``loss(input1, input2, target)``."""

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return L.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x₁, x₂)`` where ``y = 1``, ``max(0, cos(x₁, x₂) - margin)`` where ``y = -1``:
    called as ``loss(input1, input2, target)``."""

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return L.cosine_embedding_loss(
            input1, input2, target, self.margin, reduction=self.reduction
        )


class SoftMarginLoss(_Loss):
    """Logistic loss ``log(1 + e^(-y x))`` for labels ``y = ±1``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class logistic loss of scores ``(N, C)`` against 0/1 targets ``(N, C)``, averaged
    over the classes (optionally weighted)."""

    _elementwise_mean = False  # PyTorch's Python-written reduction refuses it

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood: ``eˣ - y x`` (``log_input``) or ``x - y log(x + eps)``;
    ``full`` adds the Stirling term."""

    _elementwise_mean = False  # PyTorch's Python-written reduction refuses it

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: bool | None = None,
        eps: float = 1e-8,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        """``log_input`` is PyTorch's name of the first argument (the input, a log-rate when
        ``self.log_input``, else a rate)."""
        return L.poisson_nll_loss(
            log_input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction
        )


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood ``½ (log var + (x - y)² / var)``: called as
    ``loss(input, target, var)``."""

    _elementwise_mean = False  # PyTorch's Python-written reduction refuses it

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:  # noqa: A002
        return L.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the ``p``-norm distance: called as
    ``loss(anchor, positive, negative)``."""

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return L.triplet_margin_loss(
            anchor,
            positive,
            negative,
            self.margin,
            self.p,
            self.eps,
            self.swap,
            reduction=self.reduction,
        )


class TripletMarginWithDistanceLoss(_Loss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with any distance ``d`` (default
    :func:`deepgrad.functional.pairwise_distance`): called as
    ``loss(anchor, positive, negative)``; see
    :func:`deepgrad.functional.triplet_margin_with_distance_loss`."""

    _elementwise_mean = False  # PyTorch's Python-written reduction refuses it

    def __init__(
        self,
        *,
        distance_function: Any = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:  # PyTorch's check (a NaN margin passes it)
            raise ValueError(
                f"TripletMarginWithDistanceLoss: margin must be greater than 0, got {margin}"
            )
        # PyTorch stores the default distance as a PairwiseDistance() submodule
        if distance_function is None:
            from .distance import PairwiseDistance

            distance_function = PairwiseDistance()
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return L.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss of scores ``(N, C)`` against label lists ``(N, C)`` (each
    row's labels, then ``-1``): see :func:`deepgrad.functional.multilabel_margin_loss`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.multilabel_margin_loss(input, target, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (:func:`deepgrad.functional.ctc_loss`):
    called as ``loss(log_probs, targets, input_lengths, target_lengths)``."""

    _elementwise_mean = False  # deepgrad's ctc_loss takes 'mean', 'sum' or 'none'

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return C.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            self.blank,
            self.reduction,
            self.zero_infinity,
        )


# The names compile(loss=...) accepts — deepgrad's, PyTorch's and Keras's — live in one table,
# :mod:`deepgrad.nn.loss_names`; ``get``, ``name_of`` and ``KIND`` read it. MarginRankingLoss,
# CosineEmbeddingLoss, GaussianNLLLoss and TripletMarginLoss take three tensors (CTCLoss four),
# not (predictions, targets), so ``compile``/``fit`` cannot call them: no names there.
from .loss_names import KIND, get, name_of  # noqa: E402, F401 (re-exported)

del F
