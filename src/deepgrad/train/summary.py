"""``model.summary(input_shape)``: every layer with its output shape and parameter counts.

The output shapes come from forward passes on zero batches of one and of two samples, under
``no_grad`` and in eval mode (no running statistic changes), with temporary forward hooks on
every module — so it works the same for ``Sequential`` and for subclassed models, before any
training, and builds lazy layers (``Linear(None, n)``) on the way. An axis whose size follows
the batch size prints as ``None``, wherever it is: an LSTM's ``h`` is ``(num_layers, None,
H)``, a sequence-first output ``(T, None, H)``; every other axis prints its real size, and a
layer that returns a tuple prints each part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..io.keras_weights import is_keras_weight_buffer
from ..nn.parameter import is_lazy
from ..tensor import Tensor
from .hooks import forward_hooks


@dataclass
class LayerRow:
    """One line of the summary: ``params`` counts what Keras's ``Param #`` counts (the layer's
    parameters and its running statistics), ``trainable`` the parameters not frozen."""

    name: str
    type: str
    output_shape: Any
    params: int
    trainable: int
    calls: int = 1

    @property
    def frozen(self) -> int:
        """Parameters with ``requires_grad=False``, and running statistics (never trained)."""
        return self.params - self.trainable


@dataclass
class SummaryInfo:
    """What :func:`summary` prints. ``total`` / ``trainable`` / ``non_trainable`` are Keras's
    totals: a Keras weight here is a parameter or a running statistic (a persistent
    floating-point buffer such as BatchNorm's ``running_mean``/``running_var``, Keras's
    moving mean and variance); ``statistics`` counts those buffer values, and ``uncounted``
    the other buffer values (integer counters such as ``num_batches_tracked``, non-persistent
    tables), which are not Keras weights."""

    model_name: str
    rows: list[LayerRow]
    total: int
    trainable: int
    statistics: int
    uncounted: int = 0

    @property
    def non_trainable(self) -> int:
        return self.total - self.trainable

    @property
    def frozen(self) -> int:
        """Parameters with ``requires_grad=False`` (the non-trainable ones that are not
        running statistics)."""
        return self.non_trainable - self.statistics


def _shape_of(out: Any) -> Any:
    """The shapes in a layer's output: a tuple per tensor, a list per tuple/list of them."""
    if isinstance(out, Tensor) or hasattr(out, "shape"):
        return tuple(int(d) for d in out.shape)
    if isinstance(out, (tuple, list)):
        return [_shape_of(o) for o in out]
    return type(out).__name__


def _batch_axes(one: Any, two: Any) -> Any:
    """The shapes of a batch of one with ``"None"`` on the axes that grew in a batch of two."""
    if isinstance(one, tuple) and isinstance(two, tuple) and len(one) == len(two):
        return tuple("None" if a != b else a for a, b in zip(one, two))
    if isinstance(one, list) and isinstance(two, list) and len(one) == len(two):
        return [_batch_axes(a, b) for a, b in zip(one, two)]
    return one


def _fmt_shape(s: Any) -> str:
    if isinstance(s, tuple):
        return "(" + ", ".join(str(d) for d in s) + ")"
    if isinstance(s, list):
        return "[" + ", ".join(_fmt_shape(x) for x in s) + "]"
    return str(s)


def _own_counts(m: Any) -> tuple[int, int]:
    """``(Keras's Param #, trainable)`` of ``m``'s own parameters and running statistics."""
    total = trainable = 0
    for p in m.parameters(recurse=False):
        if is_lazy(p):  # a lazy layer not built yet: no parameters counted
            continue
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    for n, b in m.named_buffers(recurse=False):
        if is_keras_weight_buffer(m, n, b) and not is_lazy(b):
            total += b.numel()
    return total, trainable


def _totals(model: Any) -> tuple[int, int, int, int]:
    """``(total, trainable, statistics, uncounted)`` over ``model``, each tensor once."""
    params = [p for p in model.parameters() if not is_lazy(p)]  # built ones
    stats = uncounted = 0
    seen: set[int] = set()
    for m in model.modules():
        for n, b in m.named_buffers(recurse=False):
            if id(b) in seen or is_lazy(b):
                continue
            seen.add(id(b))
            if is_keras_weight_buffer(m, n, b):
                stats += b.numel()
            else:
                uncounted += b.numel()
    total = sum(p.numel() for p in params) + stats
    trainable = sum(p.numel() for p in params if p.requires_grad)
    return total, trainable, stats, uncounted


def summarize(model: Any, input_shape: Any = None, dtype: Any = None) -> SummaryInfo:
    """Collect the rows of the summary (see :func:`summary`)."""
    from .loop import model_dtype

    spec = model.__dict__.get("_dg_input_spec")
    if input_shape is None and spec is not None:
        input_shape = spec["shape"]
        dtype = dtype or spec["dtype"]
    rows: dict[int, LayerRow] = {}
    order: list[int] = []
    named = {id(m): n for n, m in model.named_modules()}

    def show(m: Any) -> bool:
        has_children = any(True for _ in m.children())
        return not has_children or any(True for _ in m.parameters(recurse=False))

    if input_shape is not None:
        if isinstance(input_shape, int):
            input_shape = (input_shape,)
        shape = tuple(int(s) for s in input_shape)
        dt = np.dtype(dtype) if dtype is not None else model_dtype(model)

        second: dict[int, Any] = {}

        def after(name: str, m: Any, inputs: tuple, out: Any) -> None:
            if not name or not show(m):
                return
            key = id(m)
            if key in rows:
                rows[key].calls += 1
                return
            rows[key] = LayerRow(name, type(m).__name__, _shape_of(out), 0, 0)
            order.append(key)

        def after_two(name: str, m: Any, inputs: tuple, out: Any) -> None:
            if name and show(m):
                second.setdefault(id(m), _shape_of(out))

        modes = [(m, m.training) for m in model.modules()]
        model.eval()
        try:
            with no_grad():
                with forward_hooks(model, after):
                    model(Tensor._from_op(backend.xp.zeros((1, *shape), dtype=dt), None, 0))
                with forward_hooks(model, after_two):
                    model(Tensor._from_op(backend.xp.zeros((2, *shape), dtype=dt), None, 0))
        finally:
            for m, mode in modes:
                m.__dict__["training"] = mode
        for key, row in rows.items():
            row.output_shape = _batch_axes(row.output_shape, second.get(key))
        model.__dict__["_dg_input_spec"] = {"shape": list(shape), "dtype": dt.name}
    # counts (after the forward: lazy layers now have parameters); modules not called last
    for name, m in model.named_modules():
        if not name or not show(m):
            continue
        key = id(m)
        if key not in rows:
            rows[key] = LayerRow(
                name, type(m).__name__, "?" if input_shape is None else "-", 0, 0, 0
            )
            order.append(key)
        rows[key].params, rows[key].trainable = _own_counts(m)
        rows[key].name = named[key]
    return SummaryInfo(type(model).__name__, [rows[k] for k in order], *_totals(model))


def format_summary(info: SummaryInfo) -> str:
    """The summary as text (Keras's layout and totals, with a trainable-parameter column)."""
    head = ("Layer (type)", "Output shape", "Params", "Trainable")
    body = [
        (
            f"{r.name} ({r.type})" + (f" ×{r.calls}" if r.calls > 1 else ""),
            _fmt_shape(r.output_shape),
            f"{r.params:,}",
            f"{r.trainable:,}",
        )
        for r in info.rows
    ]
    widths = [
        max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)
    ]
    widths[0] = max(widths[0], 28)

    def line(cells: tuple[str, ...]) -> str:
        return (
            cells[0].ljust(widths[0])
            + "  "
            + cells[1].ljust(widths[1])
            + "  "
            + cells[2].rjust(widths[2])
            + "  "
            + cells[3].rjust(widths[3])
        ).rstrip()

    rule = "─" * len(line(tuple("x" * w for w in widths)))
    out = [f'Model: "{info.model_name}"', rule, line(head), "═" * len(rule)]
    out += [line(b) for b in body]
    out.append(rule)
    out.append(f"Total params: {info.total:,}")
    out.append(f"Trainable params: {info.trainable:,}")
    out.append(f"Non-trainable params: {info.non_trainable:,}")
    if info.statistics:
        out.append(
            f"  (non-trainable: {info.frozen:,} frozen parameters, "
            f"{info.statistics:,} running-statistic values)"
        )
    if info.uncounted:
        out.append(
            f"Other buffer values, not params (counters, non-persistent): {info.uncounted:,}"
        )
    out.append(rule)
    return "\n".join(out)


def summary(
    model: Any,
    input_shape: Any = None,
    dtype: Any = None,
    print_fn: Callable[[str], Any] | None = print,
) -> str:
    """Print every layer of ``model`` with its output shape and parameter counts.

    Parameters
    ----------
    input_shape : tuple of int, optional
        Shape of one sample, without the batch axis (``(1, 28, 28)`` for MNIST images,
        ``(64,)`` for 64 features). Needed for output shapes (and to build lazy layers); when
        omitted, the shape seen by the last ``fit``/``predict``/``summary`` is used, or shapes
        print as ``?``.
    dtype : dtype, optional
        Of the zero batch (default the model's float dtype; ``int64`` for token ids).
    print_fn : callable or None
        Where each line goes (default ``print``); ``None`` prints nothing.

    Returns
    -------
    str
        The summary text. Output shapes show the batch axis as ``None`` (found where it
        is: the axes whose size follows the batch size); ``Params`` counts what Keras's
        ``Param #`` counts: the layer's own parameters and running statistics (BatchNorm's
        ``running_mean``/``running_var``, Keras's moving mean and variance); ``Trainable``
        the parameters that are not frozen (``requires_grad=False``). The totals are Keras's
        (``Non-trainable params``: frozen parameters and running statistics, split on the
        line below); integer counters such as ``num_batches_tracked`` are not Keras weights
        and print on their own line.
    """
    text = format_summary(summarize(model, input_shape, dtype))
    if print_fn is not None:
        print_fn(text)
    return text
