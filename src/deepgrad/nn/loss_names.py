"""The one table of loss names: what ``compile(loss=...)``, ``nn.loss.get``, a recipe's
``[training] loss`` and the docs accept — deepgrad's short names, PyTorch's functional names
and Keras's names, each with its owner's contract.

Every name maps to a loss module and fixed options. A PyTorch name computes what the PyTorch
function computes (``"mse_loss"`` is ``MSELoss``); a Keras name computes what Keras computes,
predictions included: Keras's cross-entropies and ``kl_divergence`` take *probabilities*
unless ``from_logits=True`` (:mod:`deepgrad.nn.keras_loss`), where deepgrad's
``"cross_entropy"`` and ``"bce_with_logits"`` take the logits its models output. Names that
mean the same computation in all three share a module (``"mean_squared_error"``, ``"mse"``,
``"mse_loss"``); names that do not never share one (Keras's ``"kl_divergence"`` takes
probabilities, PyTorch's ``"kl_div"`` log-probabilities).

>>> get("categorical_crossentropy", from_logits=True)
CategoricalCrossentropy(from_logits=True, reduction='mean')
>>> get("mean_squared_error")
MSELoss()
>>> get("binary_crossentropy_with_logits")
Traceback (most recent call last):
...
ValueError: unknown loss 'binary_crossentropy_with_logits'; did you mean 'binary_cross_entropy_with_logits'? Valid: ...
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from .._choices import did_you_mean
from . import keras_loss as K
from . import loss as L


@dataclass(frozen=True)
class LossName:
    """A row of the table.

    ``canonical`` is the name ``compile`` records (deepgrad's short name of the module);
    ``origin`` is ``"deepgrad"``, ``"PyTorch"`` or ``"Keras"``; ``predictions`` what the model
    must output (``"logits"``, ``"probabilities"``, ``"log-probabilities"``, ``"values"``,
    ``"scores"``); ``kind`` decides the checks ``fit`` makes on targets
    (``"regression"``, ``"binary"``, ``"multiclass"``, ``"distribution"``)."""

    name: str
    cls: type
    canonical: str
    origin: str
    kind: str
    predictions: str
    targets: str
    fixed: dict[str, Any] = field(default_factory=dict)
    note: str = ""


_V, _SAME = "values", "values, same shape"
_P, _PL = "probabilities", "probabilities (from_logits=True: logits)"
_PM1 = "±1 (or 0/1), same shape"
_K01 = "Keras's: 0/1 labels read as -1/+1"

# canonical name, module, kind, predictions, targets, PyTorch's name, Keras's names, origin,
# note — a canonical name is deepgrad's (origin "deepgrad") or Keras's own (origin "Keras")
# fmt: off
_ROWS: tuple[tuple[Any, ...], ...] = (
    ("mse", L.MSELoss, "regression", _V, _SAME, "mse_loss", ("mean_squared_error", "mse"),
     "deepgrad", ""),
    ("mae", L.L1Loss, "regression", _V, _SAME, "l1_loss", ("mean_absolute_error", "mae"),
     "deepgrad", ""),
    ("huber", L.HuberLoss, "regression", _V, _SAME, "huber_loss", ("huber",), "deepgrad",
     "Keras's and PyTorch's: delta = 1"),
    ("smooth_l1", L.SmoothL1Loss, "regression", _V, _SAME, "smooth_l1_loss", (), "deepgrad", ""),
    ("bce", L.BCELoss, "binary", _P, "0/1 or probabilities, same shape",
     "binary_cross_entropy", (), "deepgrad", "PyTorch's: logs clamped at -100, no clipping"),
    ("bce_with_logits", L.BCEWithLogitsLoss, "binary", "logits",
     "0/1 or probabilities, same shape", "binary_cross_entropy_with_logits", (), "deepgrad", ""),
    ("cross_entropy", L.CrossEntropyLoss, "multiclass", "logits",
     "integer labels (N,) or probabilities (N, C)", "cross_entropy", (), "deepgrad", ""),
    ("nll", L.NLLLoss, "multiclass", "log-probabilities", "integer labels (N,)", "nll_loss", (),
     "deepgrad", ""),
    ("kl_div", L.KLDivLoss, "distribution", "log-probabilities", "probabilities, same shape",
     "kl_div", (), "deepgrad", "PyTorch's: input is log-probabilities"),
    ("multi_margin", L.MultiMarginLoss, "multiclass", "scores", "integer labels (N,)",
     "multi_margin_loss", (), "deepgrad", ""),
    ("hinge_embedding", L.HingeEmbeddingLoss, "regression", "scores", "±1, same shape",
     "hinge_embedding_loss", (), "deepgrad", ""),
    ("soft_margin", L.SoftMarginLoss, "regression", "scores", "±1, same shape",
     "soft_margin_loss", (), "deepgrad", ""),
    ("multilabel_soft_margin", L.MultiLabelSoftMarginLoss, "binary", "logits",
     "0/1 per class (N, C)", "multilabel_soft_margin_loss", (), "deepgrad", ""),
    ("poisson_nll", L.PoissonNLLLoss, "regression", "log-rates", "counts, same shape",
     "poisson_nll_loss", (), "deepgrad", ""),
    ("binary_crossentropy", K.BinaryCrossentropy, "binary", _PL,
     "0/1 or probabilities, same shape", None, (), "Keras",
     "Keras's: p clipped to [1e-7, 1 - 1e-7]; refuses values outside [0, 1]"),
    ("categorical_crossentropy", K.CategoricalCrossentropy, "distribution", _PL,
     "one-hot rows or probabilities (N, C)", None, (), "Keras",
     "Keras's: rows rescaled to sum 1, clipped; refuses negative values"),
    ("sparse_categorical_crossentropy", K.SparseCategoricalCrossentropy, "multiclass", _PL,
     "integer labels (N,)", None, (), "Keras",
     "Keras's: as categorical_crossentropy, with integer labels"),
    ("kl_divergence", K.KLDivergence, "distribution", _P, "probabilities, same shape", None,
     ("kld", "kullback_leibler_divergence"), "Keras",
     "Keras's: both sides probabilities clipped to [1e-7, 1] (unlike kl_div)"),
    ("hinge", K.Hinge, "regression", "scores", _PM1, None, (), "Keras", _K01),
    ("squared_hinge", K.SquaredHinge, "regression", "scores", _PM1, None, (), "Keras", _K01),
    ("log_cosh", K.LogCosh, "regression", _V, _SAME, None, ("logcosh",), "Keras", ""),
)
# fmt: on


def _rows() -> list[LossName]:
    rows: list[LossName] = []
    for canonical, cls, kind, preds, targets, torch, keras, origin, note in _ROWS:
        rows.append(LossName(canonical, cls, canonical, origin, kind, preds, targets, note=note))
        if torch:
            rows.append(LossName(torch, cls, canonical, "PyTorch", kind, preds, targets, note=note))
        for k in keras:
            rows.append(LossName(k, cls, canonical, "Keras", kind, preds, targets, note=note))
    # Keras's poisson is PyTorch's Poisson loss on the rate itself, with Keras's epsilon
    rows.append(
        LossName("poisson", L.PoissonNLLLoss, "poisson_nll", "Keras", "regression", "rates",
                 "counts, same shape", {"log_input": False, "eps": 1e-7},
                 "Keras's: p - y log(p + 1e-7), p the rate itself (not its log)")
    )  # fmt: skip
    # a name shared by deepgrad and PyTorch or Keras (cross_entropy, kl_div, mse, huber) is
    # one row, marked as theirs too
    out: dict[str, LossName] = {}
    for r in rows:
        if r.name not in out:
            out[r.name] = r
        else:
            first = out[r.name]
            out[r.name] = LossName(**{**first.__dict__, "origin": f"{first.origin}, {r.origin}"})
    return list(out.values())


TABLE: dict[str, LossName] = {r.name: r for r in _rows()}

#: the kind of each canonical name (what ``fit`` checks targets against)
KIND: dict[str, str] = {r.canonical: r.kind for r in TABLE.values()}


def names() -> list[str]:
    """Every accepted loss name, sorted."""
    return sorted(TABLE)


def resolve(name: str) -> tuple[type, dict[str, Any]]:
    """The module class a name stands for and the options the name fixes."""
    if name not in TABLE:
        raise ValueError(_unknown(name))
    row = TABLE[name]
    return row.cls, dict(row.fixed)


def _unknown(name: Any) -> str:
    return (
        f"unknown loss {name!r}{did_you_mean(name, TABLE) or '.'} Valid: "
        + ", ".join(sorted(TABLE))
        + "; or a loss module, or a callable loss(pred, target)"
    )


def get(loss: Any, **kwargs: Any) -> Any:
    """A loss from a name of the table (a new module, ``kwargs`` its options:
    ``get("cross_entropy", label_smoothing=0.1)``), a loss module, or a callable
    ``loss(pred, target) -> Tensor`` (returned as is)."""
    if isinstance(loss, str):
        cls, fixed = resolve(loss)
        clash = sorted(set(kwargs) & set(fixed))
        if clash:
            raise ValueError(f"loss {loss!r} fixes {fixed}; it cannot take {clash}")
        sig = inspect.signature(cls)
        try:
            sig.bind(**fixed, **kwargs)
        except TypeError:
            allowed = [n for n in sig.parameters if n not in fixed]
            bad = sorted(set(kwargs) - set(sig.parameters))
            hint = did_you_mean(bad[0], allowed) if bad else ""
            raise ValueError(
                f"loss {loss!r}: unknown option(s) {bad or sorted(kwargs)}{hint}; it takes "
                f"{allowed}"
            ) from None
        return cls(**fixed, **kwargs)
    if kwargs:
        raise ValueError(f"loss options {sorted(kwargs)} need a loss given by name")
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name, a module or a callable, got {type(loss).__name__}")


def name_of(loss: Any) -> str | None:
    """The canonical name of a loss module of the table (None for custom callables)."""
    for r in TABLE.values():
        if r.name == r.canonical and type(loss) is r.cls:
            return r.canonical
    return None


def output_kind(loss: Any) -> str | None:
    """What a model trained with ``loss`` outputs: ``"logits"`` (softmax gives
    probabilities), ``"binary_logits"`` (sigmoid), ``"probabilities"``,
    ``"log_probabilities"``, ``"values"`` (regression, scores), or ``None`` (unknown)."""
    name = name_of(loss)
    if name is None:
        return None
    if name in ("cross_entropy",):
        return "logits"
    if name in ("bce_with_logits", "multilabel_soft_margin"):
        return "binary_logits"
    if name in (
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
    ):
        if getattr(loss, "from_logits", False):
            return "binary_logits" if name == "binary_crossentropy" else "logits"
        return "probabilities"
    if name in ("bce", "kl_divergence"):
        return "probabilities"
    if name in ("nll", "kl_div"):
        return "log_probabilities"
    return "values"


def reference() -> str:
    """The table as plain text: name, origin, what it computes on, targets, notes."""
    rows = sorted(TABLE.values(), key=lambda r: (r.canonical, r.name != r.canonical, r.name))
    head = ("name", "same as", "from", "predictions", "targets")
    body = [
        (
            r.name,
            ""
            if r.name == r.canonical and not r.fixed
            else r.canonical + (f" {r.fixed}" if r.fixed else ""),
            r.origin,
            r.predictions,
            r.targets,
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)).rstrip() for b in body]
    notes = {r.name: r.note for r in rows if r.note and (r.name == r.canonical or r.fixed)}
    lines += ["", "notes:"] + [f"  {k}: {v}" for k, v in sorted(notes.items())]
    return "\n".join(lines)


def markdown() -> str:
    """The table as Markdown (one row per name)."""
    rows = sorted(TABLE.values(), key=lambda r: (r.canonical, r.name != r.canonical, r.name))
    out = [
        "| name | module | from | predictions | targets | notes |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        module = r.cls.__name__ + (
            "(" + ", ".join(f"{k}={v!r}" for k, v in r.fixed.items()) + ")" if r.fixed else ""
        )
        out.append(
            f"| `{r.name}` | `{module}` | {r.origin} | {r.predictions} | {r.targets} | {r.note} |"
        )
    return "\n".join(out)
