"""The table of ONNX operators the importer knows: ``op_type -> handler``.

A handler takes the node's :class:`Node` context (its attributes, opset and the module that
runs it) and the node's inputs — :class:`~deepgrad.tensor.Tensor` values, ``None`` for an
omitted optional input — and returns one tensor or a list (one per output). Float tensors go
through deepgrad's differentiable functions, so an imported model can be trained further;
integer and boolean tensors (shapes, indices, masks) are computed as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy

from ...tensor import Tensor

Handler = Callable[["Node", list[Any]], Any]

#: op_type -> handler, filled by the op-family modules
HANDLERS: dict[str, Handler] = {}


def op(*names: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the ONNX operators ``names``."""

    def deco(fn: Handler) -> Handler:
        for n in names:
            HANDLERS[n] = fn
        return fn

    return deco


class OnnxImportError(NotImplementedError):
    """An ONNX model (or one of its nodes) that deepgrad cannot import, saying what and why."""


#: an operator whose output size comes from values in the model (``ConstantOfShape``,
#: ``Expand``, ``Tile``, ``Range``, ``Pad``, convolution pads and strides ...) may make at most
#: this many elements, or :data:`GROWTH` times the largest tensor the run has seen so far
#: (inputs, initializers, node outputs), whichever is more; ``load_onnx(..., max_elements=N)``
#: sets a fixed limit instead
MIN_LIMIT = 2**26
GROWTH = 16
#: an operator whose work is not bounded by its output size (``Einsum``'s summed letters,
#: ``MatMul``'s inner dimension, a pooling window, ``LRN``'s window) may do at most this many
#: elementary steps per element of the size limit: ``WORK_FACTOR x limit`` in all. Under the
#: default limit (``GROWTH`` x the largest tensor) a product ``(..., N, K) @ (..., K, M)`` takes
#: at most ``min(N, M) / GROWTH`` x limit steps, so only one whose output has both sides past
#: ``GROWTH x WORK_FACTOR`` (16,384) can be refused (a 4096 x 4096 layer on any batch loads)
WORK_FACTOR = 1024


#: operators whose inputs broadcast together (NumPy's rule) into their output: two small
#: inputs shaped ``(N, 1)`` and ``(1, N)`` make ``N²`` elements, so the broadcast shape is
#: checked like any data-sized output (:meth:`Node.check_broadcast`)
BROADCASTING = frozenset(
    "Add Sub Mul Div Mod Pow Max Min Sum Mean Equal Greater Less GreaterOrEqual LessOrEqual "
    "And Or Xor Where PRelu".split()
)


def size_limit(largest: int, max_elements: int | None) -> int:
    """The most elements one data-sized output may have (see :data:`MIN_LIMIT`)."""
    if max_elements is not None:
        return int(max_elements)
    return max(MIN_LIMIT, GROWTH * int(largest))


@dataclass
class Node:
    """What a handler sees of one ONNX node: ``op_type``, ``name``, its attributes as Python
    values (``attrs``), the opset of its domain, the number of outputs asked for, and the
    module that runs it (for ``training``)."""

    op_type: str
    name: str
    attrs: dict[str, Any]
    opset: int
    n_outputs: int
    module: Any = field(default=None, repr=False)
    #: the most elements an output sized by the model's values may have (set for each run)
    limit: int = MIN_LIMIT

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def fail(self, why: str) -> OnnxImportError:
        return OnnxImportError(f"ONNX {self.op_type} node {self.name!r}: {why}")

    def check_size(self, shape: Any, what: str = "an output of shape") -> tuple[int, ...]:
        """``shape`` as ints, refused (before anything is allocated) when a size is negative or
        its elements pass :attr:`limit`: the sizes come from the model's values."""
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape):
            raise self.fail(f"asks for {what} {shape}; expected non-negative sizes")
        n = math.prod(shape)
        if n > self.limit:
            raise self.fail(
                f"asks for {what} {shape} ({n:,} elements), more than the "
                f"{self.limit:,} this model may make (at least {MIN_LIMIT:,}, or {GROWTH}x the "
                "largest tensor so far); if the model is trusted, "
                "load_onnx(path, max_elements=N) allows more"
            )
        return shape

    def check_work(self, n: int, what: str) -> None:
        """Refuse (before it starts) work of ``n`` elementary steps (multiply-adds, window
        reads) past :data:`WORK_FACTOR` times :attr:`limit`: ``what`` says what it is."""
        n = int(n)
        if n > WORK_FACTOR * self.limit:
            raise self.fail(
                f"{what} takes {n:,} steps, more than the {WORK_FACTOR * self.limit:,} this "
                f"model may do in one node ({WORK_FACTOR}x its size limit of {self.limit:,}); "
                "if the model is trusted, load_onnx(path, max_elements=N) with N at least "
                f"{-(-n // WORK_FACTOR):,} allows it"
            )

    def check_broadcast(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        """The shape that ``shapes`` broadcast to (NumPy's rule), refused like
        :meth:`check_size` (before anything is allocated), or when they do not broadcast."""
        n = max((len(s) for s in shapes), default=0)
        out = []
        for dims in zip(*[(1,) * (n - len(s)) + tuple(s) for s in shapes]):
            sizes = {int(d) for d in dims} - {1}
            if len(sizes) > 1:
                raise self.fail(
                    f"inputs of shapes {', '.join(map(str, shapes))} do not broadcast together "
                    "(each axis must have one size, or 1)"
                )
            out.append(sizes.pop() if sizes else 1)
        return self.check_size(out, f"the broadcast of {', '.join(map(str, shapes))}, of shape")


def array(v: Any) -> numpy.ndarray:
    """The NumPy array of a tensor (or array-like): shapes, axes, indices read by a handler."""
    if isinstance(v, Tensor):
        return numpy.asarray(v.numpy())
    return numpy.asarray(v)


def ints(v: Any) -> list[int]:
    """A 1-D integer input (``shape``, ``axes``, ``pads`` ...) as a list of Python ints."""
    return [int(i) for i in array(v).reshape(-1)]


def wrap(a: Any, dtype: Any = None) -> Tensor:
    """A tensor holding ``a`` (as ``dtype`` if given), without gradient."""
    arr = numpy.asarray(a, dtype=dtype)
    return Tensor._wrap(arr)


def is_float(t: Any) -> bool:
    return numpy.dtype(t.dtype).kind == "f"
