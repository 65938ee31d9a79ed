"""Several inputs of one model: Keras's ``fit([x1, x2], y)`` / ``predict([x1, x2])``.

Keras reads a list of arrays as the inputs of a multi-input model (one array per input, each
of ``N`` samples), never as ``len(list)`` samples. deepgrad's multi-input model is a module
whose ``forward`` takes one tensor per input (``forward(self, a, b)``): the arrays are batched
together (the same samples of each) and the model is called ``model(a_batch, b_batch)``. A
model whose ``forward`` takes one input refuses such a list, as Keras's single-input models do
("expects 1 input(s), but it received 2 input tensors"). Keras's inputs by name,
``{"a": xa, "b": xb}``, are matched with ``forward``'s parameter names.

>>> import numpy as np
>>> from deepgrad import nn
>>> class Two(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.a, self.b = nn.Linear(3, 1), nn.Linear(2, 1)
...     def forward(self, a, b):
...         return self.a(a) + self.b(b)
>>> Two().predict([np.ones((5, 3)), np.ones((5, 2))]).shape
(5, 1)
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from .. import backend
from .._choices import did_you_mean
from ..tensor import Tensor
from . import checks


class Inputs:
    """The arrays of a multi-input model's inputs, ``N`` samples each, indexed together:
    ``inputs[idx]`` is the ``Inputs`` of each array's ``[idx]``; ``len`` is ``N``."""

    def __init__(self, arrays: Any) -> None:
        self.arrays = tuple(arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, idx: Any) -> Inputs:
        return Inputs(a[idx] for a in self.arrays)

    @property
    def shape(self) -> tuple[int, ...]:
        """The first input's shape (``len(inputs)`` samples)."""
        return tuple(self.arrays[0].shape)

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        return [tuple(a.shape) for a in self.arrays]

    def map(self, fn: Any) -> Inputs:
        """``fn`` applied to each array."""
        return Inputs(fn(a) for a in self.arrays)


def forward_arity(model: Any) -> tuple[int, float]:
    """How many positional inputs ``model.forward`` takes: ``(required, most)`` (``most``
    infinite with ``*args``); ``(1, 1)`` when the signature cannot be read."""
    try:
        params = inspect.signature(model.forward).parameters.values()
    except (TypeError, ValueError, AttributeError):
        return 1, 1
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    most: float = math.inf if any(p.kind == p.VAR_POSITIONAL for p in params) else len(positional)
    return required, most


def _forward_words(model: Any) -> str:
    try:
        return f"forward{inspect.signature(model.forward)}"
    except (TypeError, ValueError, AttributeError):
        return "forward"


def is_input_list(x: Any) -> bool:
    """A list or tuple of two or more arrays or tensors (each of one dimension or more):
    Keras's inputs of a multi-input model."""
    return (
        isinstance(x, (list, tuple)) and len(x) >= 2 and all(checks._is_array_object(a) for a in x)
    )


def several_inputs(
    x: Any, model: Any, name: str, where: str, n_targets: int | None = None
) -> Inputs | None:
    """``x`` as :class:`Inputs` when it is a list (or tuple) of arrays, Keras's inputs of a
    multi-input model, else ``None`` (one input array). Raises ``ValueError`` when the model's
    ``forward`` does not take that many inputs (Keras's "expects 1 input(s), but it received
    2 input tensors") or when the arrays hold different numbers of samples (Keras's "Data
    cardinality is ambiguous").

    One reading is kept beside Keras's: with targets, a list of one array per target
    (``fit(list(x), y)``, ``n_targets == len(x)``, the arrays not ``n_targets`` rows each)
    for a model that takes fewer inputs is a list of samples, as NumPy stacks it (Keras
    refuses it: no other reading is possible)."""
    if isinstance(x, dict):
        x = inputs_by_name(x, model, where, name)
    if not is_input_list(x):
        return None
    k = len(x)
    required, most = forward_arity(model)
    if not required <= k <= most:
        if n_targets == k and any(len(a) != k for a in x):
            return None  # one array per sample, as many as targets
        takes = f"{required}" if required == most else f"{required} to {most}"
        raise ValueError(
            f"{where}: {name} is a {type(x).__name__} of {k} arrays (shapes "
            f"{[tuple(int(n) for n in a.shape) for a in x]}), which Keras reads as the inputs "
            f"of a multi-input model, one array each; this model takes {takes} input(s) "
            f"({type(model).__name__}.{_forward_words(model)}; Keras raises too: 'expects "
            f"{required} input(s), but it received {k} input tensors'). For one input give one "
            "array: the samples stacked, np.stack(x), or the features joined, "
            "np.concatenate(x, axis=1); for several inputs write forward(self, a, b, ...)"
        )
    arrays = [checks.to_numpy(a, f"{name}[{i}]", where) for i, a in enumerate(x)]
    counts = [len(a) for a in arrays]
    if len(set(counts)) > 1:
        raise ValueError(
            f"{where}: Data cardinality is ambiguous (Keras's words): the {k} inputs in "
            f"{name} hold {counts} samples; every input needs one row per sample"
        )
    return Inputs(arrays)


def inputs_by_name(x: dict, model: Any, where: str, name: str = "x") -> Any:
    """Keras's inputs by name, ``{"a": xa, "b": xb}``, for a model whose ``forward`` names
    its inputs (``forward(self, a, b)``): the arrays in the order of ``forward``'s
    parameters — a list for several (see :func:`several_inputs`), the array itself for one.
    A name ``forward`` does not take, or a missing required one, raises ``TypeError``
    naming ``forward``'s inputs (and the nearest name)."""
    try:
        params = inspect.signature(model.forward).parameters.values()
    except (TypeError, ValueError, AttributeError):
        params = []  # type: ignore[assignment]
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p.name for p in params if p.kind != p.VAR_POSITIONAL and p.default is p.empty]
    keys = list(x)
    unknown = [k for k in keys if k not in names]
    missing = [n for n in required if n not in keys]
    k = len(keys)
    if unknown or missing or not keys or set(keys) != set(names[:k]):
        if unknown:
            why = f"{unknown[0]!r} is not one of them{did_you_mean(unknown[0], names)}"
        elif missing:
            why = f"{missing} missing"
        else:
            why = "give the first ones, in any order"
        raise TypeError(
            f"{where}: {name} is a dict (Keras's inputs by name, keys "
            f"{sorted(map(str, keys))}); {type(model).__name__}.{_forward_words(model)} takes "
            f"inputs named {names}: {why}. Name each array after forward's parameter, or pass "
            "the arrays in a list in that order"
        )
    arrays = [checks.to_numpy(x[n], f"{name}[{n!r}]", where) for n in names[:k]]
    return arrays if k > 1 else arrays[0]


def model_input(xb: Any) -> tuple[Tensor, ...]:
    """The tensors ``model(*...)`` is called with for the batch ``xb`` (one array, or the
    arrays of :class:`Inputs`), on the active backend's device, recording no graph."""
    arrays = xb.arrays if isinstance(xb, Inputs) else (xb,)
    xp = backend.xp
    return tuple(Tensor._from_op(a if xp is np else xp.asarray(a), None, 0) for a in arrays)


def call_model(model: Any, xb: Any) -> Any:
    """``model(x)`` for one input array, ``model(a, b, ...)`` for :class:`Inputs`."""
    return model(*model_input(xb))
