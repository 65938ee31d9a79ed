"""What the exporter and its rules share: ONNX dtypes, value comparison, index arrays."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy

from ... import backend

if TYPE_CHECKING:
    from .graph import Exporter

#: a translation rule: (exporter, Function of trace a, its twin of trace b, ONNX input names)
#: -> the ONNX name(s) of the output(s)
Rule = Callable[["Exporter", Any, Any, list[str]], Any]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def same_values(a: Any, b: Any) -> bool:
    a, b = backend.to_numpy(a), backend.to_numpy(b)
    if a.dtype.kind == "f":
        return bool(numpy.array_equal(a, b, equal_nan=True))
    return bool(numpy.array_equal(a, b))


def onnx_dtype(helper: Any, dtype: Any) -> int:
    return helper.np_dtype_to_tensor_dtype(numpy.dtype(dtype))


def version() -> str:
    try:
        from importlib.metadata import version

        return version("deepgrad")
    except Exception:  # pragma: no cover - not installed as a distribution
        return "0"


def held_indices(fa: Any, fb: Any) -> list[tuple[Any, Any]]:
    """The integer index arrays a Function holds (an embedding's indices, the array of an
    indexing ``x[ids]``), paired with their twins."""
    name = type(fa).__name__
    if name == "Embedding":
        return [(fa.indices, fb.indices)]
    if name == "GetItem":
        items = fa.index if isinstance(fa.index, tuple) else (fa.index,)
        items_b = fb.index if isinstance(fb.index, tuple) else (fb.index,)
        return [(a, b) for a, b in zip(items, items_b) if is_array(a) and is_array(b)]
    return []


def index_source(ex: Exporter, a: Any, b: Any) -> str:
    """An integer index array held by a Function: an integer graph input (compared by value:
    the model may have cast it) or a constant."""
    x = ex.int_input(a, b)
    if x is None:
        return ex.array_const(a, b, "index array", "indices")
    name = ex.input_ids[id(x)]
    if x.dtype == numpy.int64:
        return name
    key = f"cast:{name}"
    if key not in ex.casts:
        ex.casts[key] = ex.node("Cast", [name], to=onnx_dtype(ex.helper, numpy.int64))
    return ex.casts[key]


def is_array(it: Any) -> bool:
    return not (it is None or it is Ellipsis or isinstance(it, (int, numpy.integer, slice)))


def show_index(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"<array {numpy.shape(i)}>" if is_array(i) else repr(i)
                           for i in items) + "]"  # fmt: skip


# ---- rule builders shared by the families
def same(op: str, **attrs: Any) -> Rule:
    """The rule of a Function that is one ONNX operator of the same inputs."""
    return lambda ex, fa, fb, ins: ex.node(op, ins, **attrs)


def binary(op: str) -> Rule:
    """A two-input ONNX operator; NumPy promotes mixed dtypes, ONNX wants one: cast first."""

    def rule(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
        da, db = fa.inputs[0].dtype, fa.inputs[1].dtype
        if da != db:  # NumPy promotes; ONNX wants one type
            to = numpy.result_type(da, db)
            ins = [
                ex.node("Cast", [n], to=onnx_dtype(ex.helper, to)) if d != to else n
                for n, d in zip(ins, (da, db))
            ]
        return ex.node(op, ins)

    return rule


def dt(fa: Any) -> Any:
    """The dtype of a Function's first input."""
    return fa.inputs[0].dtype
