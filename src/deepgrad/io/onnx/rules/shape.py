"""ONNX rules for shape Functions: reshape, transpose, broadcast, split, concat, pad, flip, roll, indexing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy

from .... import backend
from ....functional import shape as S
from ..common import INT64_MAX, INT64_MIN, Rule, dt, index_source, is_array, show_index

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}


def _resolve(shape: Sequence[int], target: Sequence[int]) -> tuple[int, ...]:
    """``target`` with its ``-1`` (if any) replaced by the size that keeps ``prod(shape)``."""
    target = tuple(int(t) for t in target)
    if -1 not in target:
        return target
    known = math.prod(t for t in target if t != -1)
    rest = math.prod(shape) // known if known else 0
    return tuple(rest if t == -1 else t for t in target)


RULES[S.Concat] = lambda ex, fa, fb, ins: ex.node("Concat", ins, axis=int(fa.axis))
# copies: ONNX values have no memory layout, so ``clone()`` and ``contiguous()`` pass through
RULES[S.Clone] = lambda ex, fa, fb, ins: ex.node("Identity", [ins[0]])
RULES[S.Contiguous] = lambda ex, fa, fb, ins: ex.node("Identity", [ins[0]])


def reshape(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    out_a = _resolve(fa.inputs[0].shape, fa.shape)
    out_b = _resolve(fb.inputs[0].shape, fb.shape)
    dims = ex.dims(out_a, out_b, "a reshape target")
    return ex.node("Reshape", [ins[0], ex.shape_value(dims, reshape=True)])


RULES[S.Reshape] = reshape


def permute(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    n = fa.inputs[0].ndim
    return ex.node("Transpose", ins, perm=[int(a) % n for a in fa.dims])


RULES[S.Permute] = permute


def swapaxes(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    n = fa.inputs[0].ndim
    perm = list(range(n))
    a, b = fa.a % n, fa.b % n
    perm[a], perm[b] = perm[b], perm[a]
    return ex.node("Transpose", ins, perm=perm)


RULES[S.SwapAxes] = swapaxes


def broadcast(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    dims = ex.dims(fa.shape, fb.shape, "a broadcast_to shape")
    return ex.node("Expand", [ins[0], ex.shape_value(dims, reshape=False)])


RULES[S.BroadcastTo] = broadcast


def sum_to(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    src = fa.inputs[0].shape
    shape = tuple(fa.shape)
    lead = len(src) - len(shape)
    axes = list(range(lead)) + [
        i + lead for i, s in enumerate(shape) if s == 1 and src[i + lead] != 1
    ]
    y = ex.reduce("ReduceSum", ins[0], axes, True)
    return ex.squeeze(y, list(range(lead))) if lead else y


RULES[S.SumTo] = sum_to


def split(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
    n = fa.inputs[0].shape[fa.axis]
    edges = [0, *fa.bounds, n]
    if list(fa.bounds) != list(fb.bounds) or fb.inputs[0].shape[fb.axis] != n:
        raise ex.batch_error("a split along the batch axis")
    sizes = [b - a for a, b in zip(edges[:-1], edges[1:])]
    return ex.node("Split", [ins[0], ex.ints(sizes)], n_out=len(sizes), axis=int(fa.axis))


RULES[S.Split] = split


def pad(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    pw = [(int(b), int(a)) for b, a in fa.pad_width]
    pads = ex.ints([b for b, _ in pw] + [a for _, a in pw])
    mode = getattr(fa, "mode", None)
    if mode is None:
        return ex.node("Pad", [ins[0], pads, ex.scalar(fa.value, dt(fa))], mode="constant")
    onnx_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    if onnx_mode == "wrap" and ex.opset < 19:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: circular padding needs opset 19 or newer"
        )
    return ex.node("Pad", [ins[0], pads], mode=onnx_mode)


RULES[S.Pad] = pad
RULES[S.PadMode] = pad


def flip(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    k = len(fa.axes)
    return ex.node(
        "Slice",
        [ins[0], ex.ints([-1] * k), ex.ints([INT64_MIN] * k), ex.ints(fa.axes),
         ex.ints([-1] * k)],
    )  # fmt: skip


RULES[S.Flip] = flip


def roll(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    y = ins[0]
    for s, axis in zip(fa.shifts, fa.axes):
        n = fa.inputs[0].shape[axis]
        if fb.inputs[0].shape[axis] != n:
            raise ex.batch_error("a roll along the batch axis")
        s %= n
        if not s:
            continue
        a = ex.node("Slice", [y, ex.ints([n - s]), ex.ints([n]), ex.ints([axis])])
        b = ex.node("Slice", [y, ex.ints([0]), ex.ints([n - s]), ex.ints([axis])])
        y = ex.node("Concat", [a, b], axis=int(axis))
    return y


RULES[S.Roll] = roll


def _along_axis(items: tuple, ndim: int) -> int | None:
    """The axis of a take-along-axis index (what ``gather`` builds, and with it ``max(dim)``,
    ``min(dim)``, ``topk`` and ``sort``): ``ndim`` integer arrays of ``ndim`` dims, each but
    the one at the axis ``arange(n)`` laid along its own dim. None for any other index."""
    if ndim == 0 or len(items) != ndim or not all(is_array(it) for it in items):
        return None
    arrays = [numpy.asarray(backend.to_numpy(it)) for it in items]
    if any(a.ndim != ndim or a.dtype.kind not in "iu" for a in arrays):
        return None
    axis = None
    for d, a in enumerate(arrays):
        n = a.shape[d]
        lying = a.shape == tuple(n if e == d else 1 for e in range(ndim))
        if lying and numpy.array_equal(a.reshape(-1), numpy.arange(n)):
            continue
        if axis is not None:
            return None
        axis = d
    return axis


def _data_index(x: Any, idx: Any, axis: int) -> tuple[str, int] | None:
    """What a take-along-axis index ``idx`` computed from ``x``'s values is: ``("ArgMax",
    0)`` / ``("ArgMin", 0)`` (the first extreme along ``axis``, kept as a dim), ``("TopK",
    1)`` / ``("TopK", 0)`` (positions of the ``k`` largest / smallest values, in order);
    None for anything else (or NaN in ``x``, where ONNX leaves the choice open)."""
    x, idx = numpy.asarray(backend.to_numpy(x)), numpy.asarray(backend.to_numpy(idx))
    others = tuple(n for d, n in enumerate(x.shape) if d != axis)
    if (
        x.dtype.kind not in "fiu"
        or tuple(n for d, n in enumerate(idx.shape) if d != axis) != others
    ):
        return None
    if x.dtype.kind == "f" and numpy.isnan(x).any():
        return None
    k = idx.shape[axis]
    if k == 1 and numpy.array_equal(idx, x.argmax(axis=axis, keepdims=True)):
        return "ArgMax", 0
    if k == 1 and numpy.array_equal(idx, x.argmin(axis=axis, keepdims=True)):
        return "ArgMin", 0
    values = numpy.take_along_axis(x, idx, axis)
    ordered = numpy.sort(x, axis=axis)
    if numpy.array_equal(values, numpy.flip(ordered, axis).take(range(k), axis)):
        return "TopK", 1
    if numpy.array_equal(values, ordered.take(range(k), axis)):
        return "TopK", 0
    return None


def _gather_elements(ex: Exporter, fa: Any, fb: Any, ins: list[str], axis: int) -> str:
    """``x[take-along-axis index]`` as ``GatherElements``: the index from ``ArgMax``/``ArgMin``
    or ``TopK`` where it is that of the input's values in both traces (``max(dim)``,
    ``topk``, ``sort``), else an integer graph input or a constant (``gather``)."""
    ia, ib = fa.index[axis], fb.index[axis]
    kind_a = _data_index(fa.inputs[0]._data, ia, axis)
    kind_b = _data_index(fb.inputs[0]._data, ib, axis)
    if kind_a is not None and kind_a == kind_b and numpy.shape(ia)[axis] == numpy.shape(ib)[axis]:
        op, largest = kind_a
        if op == "TopK":
            k = ex.ints([numpy.shape(ia)[axis]])
            idx = ex.node("TopK", [ins[0], k], n_out=2, axis=axis, largest=largest, sorted=1)[1]
        else:
            idx = ex.node(op, [ins[0]], axis=axis, keepdims=1, select_last_index=0)
    else:
        idx = index_source(ex, ia, ib)
    return ex.node("GatherElements", [ins[0], idx], axis=axis)


def _getitem(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    """``x[index]`` for ints, slices, None, Ellipsis, one integer array, and a take-along-axis
    index (:func:`_along_axis`)."""
    index, index_b = fa.index, fb.index
    items = index if isinstance(index, tuple) else (index,)
    items_b = index_b if isinstance(index_b, tuple) else (index_b,)
    ndim = fa.inputs[0].ndim
    axis = _along_axis(items, ndim)
    if axis is not None and axis == _along_axis(items_b, ndim):
        return _gather_elements(ex, fa, fb, ins, axis)
    arrays = [i for i, it in enumerate(items) if is_array(it)]
    if arrays:
        it = items[arrays[0]]
        dtype = it.dtype if hasattr(it, "dtype") else numpy.asarray(it).dtype  # CuPy's too
        if (
            len(arrays) > 1
            or dtype.kind == "b"
            or any(isinstance(x, (int, numpy.integer)) for x in items)
        ):
            raise NotImplementedError(
                f"export_onnx: {ex.model_name}: GetItem with index {show_index(index)} (boolean "
                "masks or several index arrays) has no ONNX translation"
            )
    consuming = sum(1 for it in items if it is not None and it is not Ellipsis)
    y, pos = ins[0], 0
    for k, it in enumerate(items):
        if it is Ellipsis:
            pos += ndim - consuming
            continue
        if it is None:
            y = ex.unsqueeze(y, [pos])
            pos += 1
            continue
        if isinstance(it, slice):
            if it != slice(None):
                step = 1 if it.step is None else int(it.step)
                start = it.start if it.start is not None else (0 if step > 0 else INT64_MAX)
                stop = it.stop if it.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
                y = ex.node("Slice", [y, ex.ints([int(start)]), ex.ints([int(stop)]),
                                      ex.ints([pos]), ex.ints([step])])  # fmt: skip
            pos += 1
            continue
        if isinstance(it, (int, numpy.integer)):
            y = ex.node("Gather", [y, ex.const(int(it), numpy.int64, "index")], axis=pos)
            continue
        # one integer array: its dims replace the axis
        idx = index_source(ex, it, items_b[k])
        y = ex.node("Gather", [y, idx], axis=pos)
        pos += numpy.ndim(it)
    return y


RULES[S.GetItem] = _getitem
