"""``model.get_weights()`` / ``model.set_weights(weights)``: Keras's list of NumPy arrays.

Keras lists a model's weights layer by layer, in layer order, each layer's in its own order:
``Dense`` kernel then bias, ``BatchNormalization`` gamma, beta, moving mean, moving variance.
deepgrad's ``state_dict`` walks a model the same way (a module's parameters, its buffers, then
its children), so the list is the ``state_dict``'s tensors less what Keras has no weight for
(integer counters such as ``num_batches_tracked``, non-persistent buffers), each in Keras's
layout: a ``Linear`` weight ``(out, in)`` is a ``Dense`` kernel ``(in, out)``, a ``Conv2d``
weight ``(out, in, kh, kw)`` a ``Conv2D`` kernel ``(kh, kw, in, out)``. Layers whose Keras
counterpart holds its weights differently (recurrent layers: two biases here, one in Keras;
transposed convolutions; attention) are refused, naming the layer and ``state_dict``: a list
in the wrong layout would load into Keras silently wrong.

>>> import deepgrad as dg
>>> model = dg.nn.Sequential(dg.nn.Linear(3, 2), dg.nn.ReLU(), dg.nn.BatchNorm1d(2))
>>> [w.shape for w in get_weights(model)]
[(3, 2), (2,), (2,), (2,), (2,), (2,)]
>>> set_weights(model, get_weights(model))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..nn.module import state_arrays

__all__ = ["get_weights", "set_weights", "is_keras_weight_buffer"]

#: deepgrad layers whose parameters Keras's counterpart holds transposed: the axes that make
#: Keras's layout from deepgrad's (``weight`` only; every other tensor is as it is)
_TRANSPOSED = {
    nn.Linear: (1, 0),  # Dense kernel (in, out)
    nn.Conv1d: (2, 1, 0),  # Conv1D kernel (k, in, out)
    nn.Conv2d: (2, 3, 1, 0),  # Conv2D kernel (kh, kw, in, out)
    nn.Conv3d: (2, 3, 4, 1, 0),  # Conv3D kernel (kd, kh, kw, in, out)
}
#: deepgrad layers whose tensors are Keras's as they are (same order, same shapes)
_AS_IS = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.LayerNorm,
    nn.Embedding,
    nn.ParameterList,  # a user's own tensors, in their order (a Keras layer's own weights)
    nn.ParameterDict,
)


def is_keras_weight_buffer(module: Any, name: str, buffer: Any) -> bool:
    """Whether buffer ``name`` of ``module`` is a Keras weight: a persistent floating-point
    (or complex) buffer (running statistics), not an integer counter (``num_batches_tracked``)
    nor a non-persistent table."""
    return name not in module._non_persistent and (
        buffer.is_floating_point() or buffer.is_complex()
    )


def _layout(module: Any, path: str) -> tuple[int, ...] | None:
    """The axes of ``module``'s ``weight`` in Keras's layout (``None``: as it is); refuses a
    deepgrad layer whose Keras counterpart holds its weights otherwise."""
    for cls in type(module).__mro__:
        if cls in _TRANSPOSED:
            return _TRANSPOSED[cls]
        if cls in _AS_IS or cls is nn.Module:
            return None  # a user's own layer: its tensors as it registered them, as Keras's
        if cls.__module__.startswith("deepgrad."):
            raise NotImplementedError(
                f"get_weights/set_weights: layer {path or '(the model)'!r} "
                f"({type(module).__name__}) holds its weights in a layout Keras's counterpart "
                "does not share (Keras's order and layouts are known here for Linear, "
                "Conv1d/2d/3d, BatchNorm, LayerNorm, Embedding, ParameterList and "
                "ParameterDict); use model.state_dict() / "
                "load_state_dict, which name every tensor"
            )
    return None


def _entries(model: Any) -> list[tuple[str, Any, tuple[int, ...] | None]]:
    """``(state_dict key, tensor, axes or None)`` for each Keras weight, in Keras's order,
    each tensor once (a shared layer is listed where it first appears)."""
    out = []
    seen: set[int] = set()
    for key, owner, name, t in model._state_entries():
        if id(t) in seen:
            continue
        seen.add(id(t))
        if name in owner._buffers and not is_keras_weight_buffer(owner, name, t):
            continue
        path = key[: -len(name) - 1] if key != name else ""
        axes = _layout(owner, path)
        out.append((key, t, axes if name == "weight" else None))
    return out


def get_weights(model: Any) -> list[np.ndarray]:
    """The model's weights as a list of NumPy arrays (copies), in Keras's order and layouts:
    per layer in layer order (``Linear``: kernel ``(in, out)`` — the transpose of
    ``weight`` — then bias; ``Conv2d``: kernel ``(kh, kw, in, out)``; ``BatchNorm``: weight,
    bias, running mean, running variance), ready for a Keras model's ``set_weights``.
    Layers whose Keras counterpart holds weights otherwise raise ``NotImplementedError``."""
    state = state_arrays(model)  # copies: a weight never shares the model's memory
    weights = []
    for key, _, axes in _entries(model):
        v = np.asarray(state[key])
        weights.append(np.ascontiguousarray(v.transpose(axes)) if axes else v.copy())
    return weights


def set_weights(model: Any, weights: Any) -> None:
    """Set the model's weights from a list of arrays in :func:`get_weights`'s order and
    layouts (Keras's: ``keras_model.get_weights()`` of the same architecture). Every shape is
    checked before anything is written, with Keras's messages."""
    entries = _entries(model)
    weights = list(weights)
    if len(weights) != len(entries):
        raise ValueError(
            f"You called `set_weights(weights)` on layer {type(model).__name__!r} with a weight "
            f"list of length {len(weights)}, but the layer was expecting {len(entries)} weights."
        )
    state = {}
    for (key, t, axes), w in zip(entries, weights):
        w = np.asarray(w)
        expected = tuple(t.shape[a] for a in axes) if axes else tuple(t.shape)
        if w.shape != expected:
            layer = key.rpartition(".")[0] or type(model).__name__
            raise ValueError(
                f"Layer {layer} weight shape {expected} is not compatible with provided weight "
                f"shape {w.shape}."
            )
        state[key] = np.transpose(w, np.argsort(axes)) if axes else w
    model.load_state_dict(state, strict=False)
