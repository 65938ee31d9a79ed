"""Shapes and indexing: ``Reshape``, ``Flatten``, ``Squeeze``, ``Unsqueeze``, ``Transpose``,
``Concat``, ``Split``, ``Slice``, ``Gather``, ``GatherElements``, ``Expand``, ``Tile``,
``Pad``, ``Shape``, ``Size``, ``Constant``, ``ConstantOfShape``, ``Range``,
``DepthToSpace`` and ``SpaceToDepth``.

These move values without arithmetic, so the same deepgrad functions serve float tensors
(with gradients) and integer ones (shapes and indices computed inside the graph)."""

from __future__ import annotations

import math
from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, ints, op, wrap


def _axes_input(node: Node, ins: list[Any], k: int, attr: str = "axes") -> list[int] | None:
    """The axes of opset ≥ 13 (input ``k``) or older (attribute)."""
    if len(ins) > k and ins[k] is not None:
        return ints(ins[k])
    v = node.attr(attr)
    return None if v is None else [int(a) for a in v]


def check_reshape(node: Node, shape: list[int]) -> None:
    """ONNX's Reshape target: sizes >= 0, ``0`` (copy the input's size) and at most one ``-1``."""
    if any(s < -1 for s in shape) or shape.count(-1) > 1:
        raise node.fail(
            f"shape {tuple(shape)}: expected sizes >= 0 (0 copies the input's) and at most one -1"
        )


@op("Reshape")
def _reshape(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    shape = ints(ins[1]) if node.opset >= 5 else list(node.attr("shape"))
    check_reshape(node, shape)
    if not int(node.attr("allowzero", 0)):
        shape = [x.shape[i] if s == 0 and i < x.ndim else s for i, s in enumerate(shape)]
    known = math.prod(s for s in shape if s != -1)
    size = math.prod(x.shape)
    if (size != known) if -1 not in shape else (known == 0 or size % known):
        raise node.fail(
            f"cannot reshape the input of shape {tuple(x.shape)} ({size} elements) into "
            f"{tuple(shape)}"
        )
    return F.reshape(x, tuple(shape))


@op("Flatten")
def _flatten(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    axis = int(node.attr("axis", 1))
    axis = axis + x.ndim if axis < 0 else axis
    return F.reshape(x, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:])))


@op("Squeeze")
def _squeeze(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    axes = _axes_input(node, ins, 1)
    if axes is None:
        axes = [i for i, s in enumerate(x.shape) if s == 1]
    drop = {a % x.ndim for a in axes}
    return F.reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in drop))


@op("Unsqueeze")
def _unsqueeze(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    axes = _axes_input(node, ins, 1) or []
    n = x.ndim + len(axes)
    new = sorted(a % n for a in axes)
    shape = list(x.shape)
    for a in new:
        shape.insert(a, 1)
    return F.reshape(x, tuple(shape))


@op("Transpose")
def _transpose(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    perm = node.attr("perm") or list(range(x.ndim))[::-1]
    return F.permute(x, tuple(int(p) for p in perm))


@op("Concat")
def _concat(node: Node, ins: list[Any]) -> Tensor:
    xs = [x for x in ins if x is not None]
    axis = int(node.attr("axis"))
    if len({numpy.dtype(x.dtype) for x in xs}) > 1:
        raise node.fail(f"inputs of different dtypes {sorted({str(x.dtype) for x in xs})}")
    return F.cat(xs, axis)


@op("Split")
def _split(node: Node, ins: list[Any]) -> list[Tensor]:
    x = ins[0]
    axis = int(node.attr("axis", 0)) % x.ndim
    n = x.shape[axis]
    sizes = _axes_input(node, ins, 1, attr="split")
    if sizes is None:
        parts = int(node.attr("num_outputs", node.n_outputs))
        if parts != node.n_outputs or parts < 1:
            raise node.fail(
                f"num_outputs = {parts} for a node with {node.n_outputs} outputs; expected "
                "the number of outputs"
            )
        step = -(-n // parts)
        sizes = [min(step, n - i * step) for i in range(parts)]
    out, start = [], 0
    for s in sizes:
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, start + s)
        out.append(x[tuple(index)])
        start += s
    return out


@op("Slice")
def _slice(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    if node.opset < 10:
        starts, ends = list(node.attr("starts")), list(node.attr("ends"))
        axes, steps = node.attr("axes"), None
    else:
        starts, ends = ints(ins[1]), ints(ins[2])
        axes = ints(ins[3]) if len(ins) > 3 and ins[3] is not None else None
        steps = ints(ins[4]) if len(ins) > 4 and ins[4] is not None else None
    axes = list(range(len(starts))) if axes is None else [int(a) % x.ndim for a in axes]
    steps = steps or [1] * len(starts)
    index = [slice(None)] * x.ndim
    for a, b, e, s in zip(axes, starts, ends, steps):
        n = x.shape[a]
        if s < 0:  # ONNX clamps to [-1, n-1] going backwards; -1 there means "before 0"
            b = max(-1, min(n - 1, b + n if b < 0 else b))
            e = max(-1, min(n - 1, e + n if e < 0 else e))
            index[a] = slice(b, None if e == -1 else e, s)
        else:
            index[a] = slice(b, e, s)
    return x[tuple(index)]


def _axis_and_index(node: Node, x: Tensor, idx: Tensor) -> tuple[int, numpy.ndarray]:
    """The ``axis`` attribute and the indices with negative ones counted from the end."""
    axis = int(node.attr("axis", 0)) % x.ndim
    i = array(idx).astype(numpy.int64)
    return axis, numpy.where(i < 0, i + x.shape[axis], i)


@op("Gather")
def _gather(node: Node, ins: list[Any]) -> Tensor:
    axis, i = _axis_and_index(node, *ins)
    x = ins[0]
    node.check_size((*x.shape[:axis], *i.shape, *x.shape[axis + 1 :]))  # rows x indices
    return x[(slice(None),) * axis + (i,)]


@op("GatherElements")
def _gather_elements(node: Node, ins: list[Any]) -> Tensor:
    axis, i = _axis_and_index(node, *ins)
    return F.gather(ins[0], axis, i)


@op("Expand")
def _expand(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    target = ints(ins[1])
    if any(s < 0 for s in target):
        raise node.fail(f"shape {tuple(target)}: expected non-negative sizes")
    n = max(x.ndim, len(target))
    a = (1,) * (n - x.ndim) + tuple(x.shape)
    b = (1,) * (n - len(target)) + tuple(target)
    if any(p != q and 1 not in (p, q) for p, q in zip(a, b)):
        raise node.fail(f"cannot broadcast the input's shape {tuple(x.shape)} to {tuple(target)}")
    shape = node.check_size(q if p == 1 else p for p, q in zip(a, b))
    return F.broadcast_to(x, shape)


@op("Tile")
def _tile(node: Node, ins: list[Any]) -> Tensor:
    x, reps = ins[0], ints(ins[1])
    if len(reps) != x.ndim or any(r < 0 for r in reps):
        raise node.fail(
            f"repeats {tuple(reps)}: expected {x.ndim} non-negative counts (one per input axis)"
        )
    node.check_size(n * r for n, r in zip(x.shape, reps))
    return F.tile(x, tuple(reps))


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


@op("Pad")
def _pad(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    mode = node.attr("mode", "constant")
    if mode not in _PAD_MODES:
        raise node.fail(f"pad mode {mode!r} is not supported ({', '.join(_PAD_MODES)})")
    if node.opset < 11:
        pads, value, axes = list(node.attr("pads")), float(node.attr("value", 0.0)), None
    else:
        pads = ints(ins[1])
        value = array(ins[2]).item() if len(ins) > 2 and ins[2] is not None else 0
        axes = ints(ins[3]) if len(ins) > 3 and ins[3] is not None else None
    axes = list(range(x.ndim)) if axes is None else [a % x.ndim for a in axes]
    k = len(axes)
    if len(pads) != 2 * k:
        raise node.fail(f"pads {tuple(pads)}: expected {2 * k} values (begin and end per axis)")
    width = [(0, 0)] * x.ndim
    for j, a in enumerate(axes):
        width[a] = (pads[j], pads[j + k])
    # negative pads crop
    crop = tuple(slice(-lo if lo < 0 else None, hi if hi < 0 else None) for lo, hi in width)
    node.check_size(n + lo + hi for n, (lo, hi) in zip(x.shape, width))
    x = x[crop]
    width = [(max(lo, 0), max(hi, 0)) for lo, hi in width]
    if not any(lo or hi for lo, hi in width):
        return x
    if mode == "constant":
        return F.pad(x, width, value=value)
    return F.pad(x, width, mode=_PAD_MODES[mode])


@op("Shape")
def _shape(node: Node, ins: list[Any]) -> Tensor:
    shape = list(ins[0].shape)
    start, end = node.attr("start", 0), node.attr("end")
    return wrap(numpy.array(shape[start:end], dtype=numpy.int64))


@op("Size")
def _size(node: Node, ins: list[Any]) -> Tensor:
    return wrap(numpy.int64(math.prod(ins[0].shape)))


@op("Constant")
def _constant(node: Node, ins: list[Any]) -> Tensor:
    for key, dtype in (
        ("value", None),
        ("value_float", numpy.float32),
        ("value_floats", numpy.float32),
        ("value_int", numpy.int64),
        ("value_ints", numpy.int64),
    ):
        if key in node.attrs:
            return wrap(numpy.array(node.attrs[key], dtype=dtype))
    raise node.fail(f"only numeric constants are supported, got {sorted(node.attrs)}")


@op("ConstantOfShape")
def _constant_of_shape(node: Node, ins: list[Any]) -> Tensor:
    value = node.attr("value")
    value = numpy.zeros(1, dtype=numpy.float32) if value is None else numpy.asarray(value)
    shape = node.check_size(ints(ins[0]))
    return wrap(numpy.full(shape, value.reshape(-1)[0], dtype=value.dtype))


def range_length(node: Node, start: Any, limit: Any, delta: Any) -> int:
    """The number of elements ``Range(start, limit, delta)`` makes (ONNX's formula), refusing
    a zero or non-finite ``delta`` and non-finite ends."""
    a, b, d = (array(v).reshape(-1) for v in (start, limit, delta))
    if not (a.size == b.size == d.size == 1):
        raise node.fail(
            f"start, limit and delta must be scalars, got sizes {a.size, b.size, d.size}"
        )
    a, b, d = a.item(), b.item(), d.item()
    if not all(math.isfinite(v) for v in (a, b, d)) or d == 0:
        raise node.fail(f"start {a}, limit {b}, delta {d}: expected finite values, delta != 0")
    if all(isinstance(v, int) for v in (a, b, d)):
        return max(-((a - b) // d), 0)
    return max(math.ceil((b - a) / d), 0)


@op("Range")
def _range(node: Node, ins: list[Any]) -> Tensor:
    start, limit, delta = (array(v) for v in ins)
    node.check_size((range_length(node, start, limit, delta),))
    return wrap(numpy.arange(start.item(), limit.item(), delta.item(), dtype=start.dtype))


@op("DepthToSpace")
def _depth_to_space(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    b = int(node.attr("blocksize"))
    n, c, h, w = x.shape
    if node.attr("mode", "DCR") == "DCR":
        y = F.permute(F.reshape(x, (n, b, b, c // b**2, h, w)), (0, 3, 4, 1, 5, 2))
    else:
        y = F.permute(F.reshape(x, (n, c // b**2, b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return F.reshape(y, (n, c // b**2, h * b, w * b))


@op("SpaceToDepth")
def _space_to_depth(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    b = int(node.attr("blocksize"))
    n, c, h, w = x.shape
    crd = node.attr("mode", "DCR") == "CRD"
    perm = (0, 1, 3, 5, 2, 4) if crd else (0, 3, 5, 1, 2, 4)
    y = F.permute(F.reshape(x, (n, c, h // b, b, w // b, b)), perm)
    return F.reshape(y, (n, c * b * b, h // b, w // b))
