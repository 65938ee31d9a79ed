"""Shape functions: reshape, transpose, broadcasting, squeeze, concat/stack/split, indexing, pad.

Each moves or copies elements without arithmetic, so each backward is the inverse movement:
``reshape`` back, the inverse permutation, ``sum_to`` for ``broadcast_to`` (and vice versa),
scatter for ``getitem``, slicing for ``pad``/``concat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import backend
from ..autograd import Function
from ..tensor import Tensor, _index_arrays, as_tensor


def _norm_axis(axis: int, ndim: int, fn: str) -> int:
    # a 0-d tensor accepts axis 0 and -1, as PyTorch's (it wraps dims as if ndim were 1)
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise ValueError(f"{fn}: axis {axis} is out of range for a tensor with {ndim} dims")
    return axis % ndim if ndim else 0


def sum_to_array(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum array ``g`` over the axes that broadcasting added or expanded, to get ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    y = g.sum(axis=axes, keepdims=True)
    return y.reshape(shape) if lead else y


class Reshape(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {self.shape}"
            ) from None

    def backward(self, gy: Tensor) -> Tensor:
        return reshape(gy, self.inputs[0].shape)


def reshape(x: Tensor, shape: int | Sequence[int]) -> Tensor:
    """``x`` with a new shape of the same size (one entry may be -1)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if x.shape == shape:
        return x
    return Reshape(shape)(x)


class Transpose(Function):
    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: Any) -> Any:
        return x.transpose(self.axes)

    def backward(self, gy: Tensor) -> Tensor:
        if self.axes is None:
            return transpose(gy)
        inv = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inv[a % len(self.axes)] = i
        return transpose(gy, tuple(inv))


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes of ``x`` (reverse them when ``axes`` is None)."""
    if axes is not None:
        axes = tuple(axes)
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} dims")
    return Transpose(axes)(x)


permute = transpose


class SwapAxes(Function):
    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b

    def forward(self, x: Any) -> Any:
        return x.swapaxes(self.a, self.b)

    def backward(self, gy: Tensor) -> Tensor:
        return swapaxes(gy, self.a, self.b)


def swapaxes(x: Tensor, a: int, b: int) -> Tensor:
    """Exchange axes ``a`` and ``b``."""
    _norm_axis(a, x.ndim, "swapaxes")
    _norm_axis(b, x.ndim, "swapaxes")
    if x.ndim == 0:  # swapping axis 0 / -1 of a 0-d tensor: itself, as PyTorch's
        return x
    return SwapAxes(a, b)(x)


class BroadcastTo(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        try:
            return backend.xp.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {x.shape} to {self.shape}"
            ) from None

    def backward(self, gy: Tensor) -> Tensor:
        return sum_to(gy, self.inputs[0].shape)


def broadcast_to(x: Tensor, shape: int | Sequence[int]) -> Tensor:
    """``x`` repeated along size-1 (or new leading) axes to ``shape`` (a read-only view).
    ``-1`` keeps an axis's size (PyTorch's ``expand``)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    if x.shape == shape:
        return x
    return BroadcastTo(shape)(x)


expand = broadcast_to


class SumTo(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        return sum_to_array(x, self.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return broadcast_to(gy, self.inputs[0].shape)


def sum_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``x`` down to ``shape``: the adjoint of broadcasting (used by every backward)."""
    if x.shape == shape:
        return x
    return SumTo(tuple(shape))(x)


def squeeze(x: Tensor, axis: int | Sequence[int] | None = None) -> Tensor:
    """Remove axes of size 1 (all of them, or the given ones)."""
    if axis is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = {_norm_axis(a, x.ndim, "squeeze") for a in axes}
        if x.ndim == 0:  # squeeze(0) / squeeze(-1) of a 0-d tensor: itself, as PyTorch's
            return x
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return reshape(x, shape)


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    """Insert an axis of size 1 at position ``axis``."""
    a = _norm_axis(axis, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:a] + (1,) + x.shape[a:])


def flatten(x: Tensor, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge axes ``start_axis..end_axis`` into one (``flatten(x, 1)`` keeps the batch)."""
    if x.ndim == 0:  # PyTorch: 0-d → (1,), for dims 0 / -1 only
        _norm_axis(start_axis, 0, "flatten")
        _norm_axis(end_axis, 0, "flatten")
        return reshape(x, (1,))
    s = _norm_axis(start_axis, x.ndim, "flatten")
    e = _norm_axis(end_axis, x.ndim, "flatten")
    size = 1
    for d in x.shape[s : e + 1]:
        size *= d
    return reshape(x, x.shape[:s] + (size,) + x.shape[e + 1 :])


class Concat(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: Any) -> Any:
        return backend.xp.concatenate(xs, axis=self.axis)

    def backward(self, gy: Tensor) -> tuple:
        out, start = [], 0
        pre = (slice(None),) * self.axis
        for x, need in zip(self.inputs, self.needs_input_grad):
            n = x.shape[self.axis]
            out.append(getitem(gy, pre + (slice(start, start + n),)) if need else None)
            start += n
        return tuple(out)


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concat: expected at least one tensor")
    axis = _norm_axis(axis, ts[0].ndim, "concat")
    for t in ts[1:]:
        if t.ndim != ts[0].ndim or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if i != axis
        ):
            raise ValueError(
                f"concat: shapes {ts[0].shape} and {t.shape} differ outside axis {axis}"
            )
    return Concat(axis)(*ts)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack: expected at least one tensor")
    for t in ts[1:]:
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: all tensors need one shape, got {ts[0].shape} and {t.shape}")
    a = _norm_axis(axis, ts[0].ndim + 1, "stack")
    return concat([unsqueeze(t, a) for t in ts], a)


class Split(Function):
    def __init__(self, bounds: list[int], axis: int) -> None:
        self.bounds, self.axis = bounds, axis

    def forward(self, x: Any) -> Any:
        return tuple(backend.xp.split(x, self.bounds, axis=self.axis))

    def backward(self, *gys: Tensor | None) -> Tensor:
        x = self.inputs[0]
        edges = [0, *self.bounds, x.shape[self.axis]]
        parts = []
        for i, g in enumerate(gys):
            if g is None:
                shape = list(x.shape)
                shape[self.axis] = edges[i + 1] - edges[i]
                dtype = next(gg for gg in gys if gg is not None).dtype
                g = Tensor._from_op(backend.xp.zeros(shape, dtype), None, 0)
            parts.append(g)
        return concat(parts, self.axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], axis: int = 0) -> tuple:
    """Split ``x`` along ``axis`` into chunks of ``split_size`` (an int, PyTorch's meaning) or
    into pieces of the listed sizes."""
    axis = _norm_axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n} (axis {axis})")
    bounds, acc = [], 0
    for s in sizes[:-1]:
        acc += s
        bounds.append(acc)
    return Split(bounds, axis)(x)


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(not (i is None or i is Ellipsis or isinstance(i, (int, slice))) for i in items)


class GetItem(Function):
    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any) -> Any:
        return x[self.index]

    def backward(self, gy: Tensor) -> Tensor:
        return GetItemGrad(self.index, self.inputs[0].shape)(gy)


class GetItemGrad(Function):
    """Scatter ``gy`` into zeros of the input's shape (repeated indices add up)."""

    def __init__(self, index: Any, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def forward(self, gy: Any) -> Any:
        gx = backend.xp.zeros(self.shape, gy.dtype)
        if _is_advanced(self.index):
            backend.xp.add.at(gx, self.index, gy)
        else:
            gx[self.index] = gy
        return gx

    def backward(self, ggx: Tensor) -> Tensor:
        return GetItem(self.index)(ggx)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, Ellipsis, integer arrays or boolean masks."""
    index = _index_arrays(index)
    if isinstance(index, list):
        index = backend.xp.asarray(index)
    try:
        return GetItem(index)(x)
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (tensor of shape {x.shape})") from None


class Pad(Function):
    def __init__(self, pad_width: tuple, value: float) -> None:
        self.pad_width, self.value = pad_width, value

    def forward(self, x: Any) -> Any:
        return backend.xp.pad(x, self.pad_width, constant_values=self.value)

    def backward(self, gy: Tensor) -> Tensor:
        index = tuple(slice(b, s - a) for (b, a), s in zip(self.pad_width, gy.shape))
        return getitem(gy, index)


#: ``pad`` modes other than ``"constant"``, with NumPy's name for each
_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class PadMode(Function):
    """Pad by copying the input's own values (``mode`` reflect, replicate or circular).

    Along each axis of size ``n`` padded by ``(b, a)``, output position ``k`` (``0 <= k <
    b + n + a``) reads input position ``src(k - b)``, with ``src(i)`` = ``i`` inside and

    * reflect: ``-i`` left, ``2(n-1) - i`` right (the edge itself is not repeated);
    * replicate: ``0`` left, ``n - 1`` right;
    * circular: ``i mod n``.

    The axes are independent, so the map is a gather; its backward is the matching scatter
    (:class:`PadModeAdjoint`), whose backward is this gather again."""

    def __init__(self, pad_width: tuple, mode: str) -> None:
        self.pad_width, self.mode = pad_width, mode

    def forward(self, x: Any) -> Any:
        return backend.xp.pad(x, self.pad_width, mode=_PAD_MODES[self.mode])

    def backward(self, gy: Tensor) -> Tensor:
        return PadModeAdjoint(self.pad_width, self.mode)(gy)


class PadModeAdjoint(Function):
    """Adjoint of :class:`PadMode`: ``gy`` (padded shape) → ``gx`` (input shape), each padded
    position's value added to the input position it was copied from, one axis at a time."""

    def __init__(self, pad_width: tuple, mode: str) -> None:
        self.pad_width, self.mode = pad_width, mode

    def forward(self, gy: Any) -> Any:
        g = gy
        for axis, (b, a) in enumerate(self.pad_width):
            if b or a:
                g = self._fold(g, axis, b, a)
        return g

    def _fold(self, g: Any, axis: int, b: int, a: int) -> Any:
        """Fold the ``b`` leading and ``a`` trailing positions of ``axis`` back onto the
        ``n`` inner ones."""
        n = g.shape[axis] - b - a

        def at(sl: slice) -> tuple:
            return (slice(None),) * axis + (sl,)

        gx = g[at(slice(b, b + n))].copy()
        left, right = g[at(slice(0, b))], g[at(slice(b + n, b + n + a))]
        if self.mode == "replicate":
            if b:
                gx[at(slice(0, 1))] += left.sum(axis=axis, keepdims=True)
            if a:
                gx[at(slice(n - 1, n))] += right.sum(axis=axis, keepdims=True)
        elif self.mode == "reflect":  # left k -> b - k, right b + n + k -> n - 2 - k
            if b:
                gx[at(slice(1, b + 1))] += backend.xp.flip(left, axis)
            if a:
                gx[at(slice(n - 1 - a, n - 1))] += backend.xp.flip(right, axis)
        else:  # circular: left k -> n - b + k, right b + n + k -> k
            if b:
                gx[at(slice(n - b, n))] += left
            if a:
                gx[at(slice(0, a))] += right
        return gx

    def backward(self, ggx: Tensor) -> Tensor:
        return PadMode(self.pad_width, self.mode)(ggx)


def pad(x: Tensor, pad_width: int | Sequence, value: float = 0.0, mode: str = "constant") -> Tensor:
    """Pad ``x``: ``pad_width`` is NumPy's (an int for every side, or one ``(before, after)``
    pair per axis).

    ``mode`` (PyTorch's names):

    * ``"constant"``: fill with ``value``;
    * ``"reflect"``: mirror at the edge without repeating it (``[1 2 3]`` padded by 2 →
      ``[3 2 1 2 3 2 1]``); each padding must be smaller than the axis;
    * ``"replicate"``: repeat the edge value (``[1 1 1 2 3 3 3]``);
    * ``"circular"``: wrap around (``[2 3 1 2 3 1 2]``); each padding at most the axis size.

    Shape ``(..., n, ...)`` → ``(..., before + n + after, ...)``; the gradient adds each padded
    position's gradient into the input position it copies.
    """
    if x.ndim == 0:  # as PyTorch's F.pad: nothing to pad is a no-op, anything else an error
        if not isinstance(pad_width, int) and len(pad_width) == 0:
            return x
        raise ValueError(
            f"pad: cannot pad a 0-d tensor (shape ()): it has no axes; got pad_width "
            f"{pad_width!r} (reshape it to 1-d first)"
        )
    if isinstance(pad_width, int):
        pw = ((pad_width, pad_width),) * x.ndim
    else:
        pw = tuple((p, p) if isinstance(p, int) else tuple(p) for p in pad_width)
    if len(pw) != x.ndim or any(len(p) != 2 or min(p) < 0 for p in pw):
        raise ValueError(
            f"pad: expected {x.ndim} non-negative (before, after) pairs, got {pad_width!r}"
        )
    if mode == "constant":
        return Pad(pw, value)(x)
    if mode not in _PAD_MODES:
        raise ValueError(
            f"pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got {mode!r}"
        )
    for axis, ((b, a), n) in enumerate(zip(pw, x.shape)):
        if not (b or a):
            continue
        if n == 0:
            raise ValueError(
                f"pad: mode {mode!r} cannot pad axis {axis} of size 0 (input shape {x.shape})"
            )
        if (mode == "reflect" and max(b, a) >= n) or (mode == "circular" and max(b, a) > n):
            need = "smaller than" if mode == "reflect" else "at most"
            raise ValueError(
                f"pad: mode {mode!r} needs each padding {need} the axis size, got padding "
                f"{(b, a)} on axis {axis} of size {n} (input shape {x.shape})"
            )
    if not any(b or a for b, a in pw):
        return x
    return PadMode(pw, mode)(x)
