"""Input checks of ``fit``/``evaluate``/``predict``: the mistakes users make, caught before
training starts and explained (what was expected, what was given, what to do).

* ``x`` and ``y`` of different lengths;
* NaN or infinite values in the inputs or targets;
* class labels out of range (``C``, ``-1``) or fractional for cross-entropy;
* continuous regression targets (house prices) given to a classification loss — refused with
  the advice to use ``"mse"`` or ``"mae"``;
* one-hot targets with cross-entropy (accepted: they are class probabilities), integer labels
  of shape ``(N, 1)`` (accepted as ``(N,)``);
* predictions of shape ``(N, 1)`` against targets of shape ``(N,)`` (an error naming both
  shapes, never a silent broadcast to ``N×N``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..tensor import foreign_to_numpy


def _is_array_object(v: Any) -> bool:
    """An array or tensor (NumPy, deepgrad, PyTorch) of at least one dimension."""
    return (isinstance(v, np.ndarray) or hasattr(v, "_creator") or hasattr(v, "detach")) and (
        len(getattr(v, "shape", ())) >= 1
    )


def to_numpy(v: Any, name: str, where: str = "fit") -> np.ndarray:
    """``v`` (array, list, deepgrad or PyTorch tensor) as a NumPy array of numbers.

    A list (or tuple) holding one array is that array, as Keras reads ``[x]`` for a
    single-input model (not one sample with an extra axis)."""
    if isinstance(v, dict):
        raise TypeError(
            f"{where}: {name} is a dict (Keras's data by input/output name, keys "
            f"{sorted(map(str, v))}): a deepgrad model takes one array; pass the array itself"
        )
    if isinstance(v, (list, tuple)) and len(v) == 1 and _is_array_object(v[0]):
        v = v[0]
    v = foreign_to_numpy(v)  # a torch tensor
    if hasattr(v, "data") and hasattr(v, "_creator"):
        v = backend.to_numpy(v._data)  # a deepgrad tensor
    try:
        a = np.asarray(v)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"{where}: {name} could not be made into an array ({e}); give equally long rows"
        ) from None
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: {name} must hold numbers, got dtype {a.dtype} (encode strings and "
            "categories as numbers first, e.g. with deepgrad.data's preprocessing)"
        )
    if a.ndim == 0:
        raise ValueError(f"{where}: {name} must be an array of samples, got a scalar")
    return a


def check_finite(a: np.ndarray, name: str, where: str = "fit") -> None:
    """Refuse NaN/Inf, naming the first offending sample."""
    if a.dtype.kind != "f":
        return
    ok = np.isfinite(a)
    if ok.all():
        return
    bad = np.argwhere(~ok)[0]
    what = "NaN" if np.isnan(a[tuple(bad)]) else "an infinite value"
    count = int((~ok).sum())
    raise ValueError(
        f"{where}: {name} contains {what} at sample {int(bad[0])}"
        + (f", position {tuple(int(i) for i in bad[1:])}" if len(bad) > 1 else "")
        + f" ({count} non-finite value(s) in all); clean or impute them (e.g. "
        "deepgrad.data's SimpleImputer) before training"
    )


def check_lengths(x: np.ndarray, y: np.ndarray | None, sw: np.ndarray | None, where: str) -> None:
    if y is not None and len(x) != len(y):
        raise ValueError(
            f"{where}: x has {len(x)} samples but y has {len(y)}; they must have the same length "
            "(one target per sample)"
        )
    if sw is not None and len(sw) != len(x):
        raise ValueError(f"{where}: sample_weight has {len(sw)} entries for {len(x)} samples")


def has_embedding(model: Any) -> bool:
    """Whether the model starts from integer ids (holds an embedding layer)."""
    return any(hasattr(m, "num_embeddings") for m in model.modules())


def input_array(x: np.ndarray, model: Any, dtype: np.dtype) -> np.ndarray:
    """Inputs in the dtype the model computes in: floats, bools and ``uint8`` pixels become
    ``dtype`` (float32 by default); other integers stay ``int64`` ids when the model has an
    embedding layer, and become floats otherwise."""
    k = x.dtype.kind
    if k == "f" or k == "b" or x.dtype == np.uint8:
        return np.asarray(x, dtype=dtype)
    if k in "iu":
        if has_embedding(model):
            return np.asarray(x, dtype=np.int64)
        return np.asarray(x, dtype=dtype)
    return x


def _value_range(y: np.ndarray) -> str:
    return f"{float(np.min(y)):g} .. {float(np.max(y)):g}" if y.size else "none"


def _regression_advice(loss_name: str) -> str:
    return (
        f"{loss_name} is a classification loss; for a continuous target (a price, a "
        "measurement) use a regression loss, compile(loss='mse') or compile(loss='mae'), with "
        "one output unit and no sigmoid/softmax"
    )


def prepare_targets(
    y: np.ndarray, kind: str | None, loss_name: str | None, dtype: np.dtype, where: str
) -> np.ndarray:
    """Targets in the dtype the loss wants, with the checks that need only ``y``.

    Classification losses: integer labels become ``int64`` (``(N, 1)`` labels are flattened);
    integral floats become labels; fractional values of shape ``(N,)`` are refused as
    regression targets; rows of probabilities / one-hot vectors ``(N, C)`` become floats.
    Binary losses: values outside ``[0, 1]`` are refused. Regression: floats.
    """
    name = loss_name or "the loss"
    if kind == "multiclass":
        if y.dtype.kind == "b":
            y = y.astype(np.int64)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim >= 2 and y.dtype.kind == "f":  # class probabilities / one-hot rows
            check_finite(y, "y", where)
            if y.size and (y.min() < 0 or y.max() > 1):
                raise ValueError(
                    f"{where}: targets of shape {y.shape} were read as class probabilities "
                    f"(one row per sample) but hold values in {_value_range(y)}; give integer "
                    f"labels of shape ({len(y)},) or rows of probabilities. "
                    + _regression_advice(name)
                )
            return np.asarray(y, dtype=dtype)
        if y.dtype.kind == "f":
            check_finite(y, "y", where)
            if y.size and not np.all(y == np.round(y)):
                frac = y[y != np.round(y)].reshape(-1)[0]
                raise ValueError(
                    f"{where}: targets hold fractional values (e.g. {float(frac):g}, range "
                    f"{_value_range(y)}) that look like continuous regression targets. "
                    + _regression_advice(name)
                    + "; cross-entropy needs integer class labels 0..C-1 (or one-hot rows)"
                )
            y = y.astype(np.int64)
        return np.asarray(y, dtype=np.int64)
    if kind == "binary":
        yf = np.asarray(y, dtype=dtype)
        check_finite(yf, "y", where)
        if yf.size and (yf.min() < 0 or yf.max() > 1):
            raise ValueError(
                f"{where}: {name} needs targets in [0, 1] (0/1 labels or probabilities) but y "
                f"holds values in {_value_range(yf)}, which look like continuous regression "
                "targets. " + _regression_advice(name)
            )
        return yf
    if kind is None and y.dtype.kind in "iu":  # a custom loss: integer targets stay labels
        return np.asarray(y, dtype=np.int64)
    yf = np.asarray(y, dtype=dtype)  # regression, distributions, custom losses: floats
    check_finite(yf, "y", where)
    return yf


def check_labels(
    y: np.ndarray,
    n_classes: int,
    loss_name: str | None,
    where: str,
    ignore_index: int | None = None,
) -> None:
    """Integer labels must lie in ``[0, n_classes)`` (the model's number of outputs)."""
    if y.dtype.kind not in "iu" or y.size == 0:
        return
    valid = y if ignore_index is None else y[y != ignore_index]
    if valid.size == 0:
        return
    lo, hi = int(valid.min()), int(valid.max())
    if lo >= 0 and hi < n_classes:
        return
    bad = lo if lo < 0 else hi
    msg = (
        f"{where}: class label {bad} is out of range: the model has {n_classes} outputs, so "
        f"{loss_name or 'cross-entropy'} expects labels 0..{n_classes - 1}, and y holds "
        f"{lo}..{hi}"
    )
    n_unique = len(np.unique(valid))
    if n_unique > max(50, 2 * n_classes):
        msg += (
            f". With {n_unique} distinct values, y looks like a continuous regression target: "
            + _regression_advice(loss_name or "cross_entropy")
        )
    elif lo < 0:
        msg += ". Negative labels (like -1) are not classes: remap them to 0..C-1"
    else:
        msg += f". Give the last layer {hi + 1} outputs, or remap the labels to 0..{n_classes - 1}"
    raise ValueError(msg)


def check_prediction_shape(
    out_shape: tuple, y: np.ndarray, kind: str | None, loss_name: str | None, where: str
) -> None:
    """The model's output and the targets must fit the loss: the same shape for pointwise
    losses (never a silent broadcast of ``(N, 1)`` against ``(N,)`` to ``N×N``); ``(N, C)``
    against ``(N,)`` labels or ``(N, C)`` probabilities for cross-entropy."""
    name = loss_name or "the loss"
    ys = tuple(y.shape)
    if kind == "multiclass":
        if len(out_shape) < 2:
            raise ValueError(
                f"{where}: {name} needs predictions of shape (N, C) (one score per class), but "
                f"the model outputs shape {out_shape}; end the model with Linear(..., C)"
            )
        if y.dtype.kind == "f" and ys != out_shape:
            raise ValueError(
                f"{where}: the model outputs shape {out_shape} but the probability targets have "
                f"shape {ys}; they must match (or give integer labels of shape {out_shape[:1]})"
            )
        if y.dtype.kind in "iu" and ys != out_shape[:1] + out_shape[2:]:
            raise ValueError(
                f"{where}: the model outputs shape {out_shape}, so integer targets must have "
                f"shape {out_shape[:1] + out_shape[2:]}, got {ys}"
            )
        return
    if kind in ("regression", "binary", "distribution") and ys != out_shape:
        hint = ""
        if len(out_shape) == len(ys) + 1 and out_shape[-1] == 1:
            hint = (
                f"; reshape the targets to match: y.reshape(-1, 1) gives {ys + (1,)} "
                "(letting them broadcast would compare every prediction with every target, "
                "an N×N loss)"
            )
        elif len(ys) == len(out_shape) + 1 and ys[-1] == 1:
            hint = f"; flatten the targets: y.reshape(-1) gives {ys[:-1]}"
        elif loss_name == "categorical_crossentropy" and ys == out_shape[:1]:
            hint = (
                "; categorical_crossentropy (Keras's) takes one-hot rows: for integer labels "
                "use loss='sparse_categorical_crossentropy'"
            )
        elif kind == "binary" and len(out_shape) == 2 and out_shape[-1] > 1:
            hint = (
                f"; for {out_shape[-1]} exclusive classes use loss='cross_entropy' with integer "
                "labels, or end the model with one output unit"
            )
        raise ValueError(
            f"{where}: the model's predictions have shape {out_shape} but the targets y have "
            f"shape {ys}; {name} needs both to have the same shape{hint}"
        )
