"""``as_strided`` and ``storage_offset``: a tensor's memory read through sizes and strides of
one's choosing, as PyTorch's.

A tensor's *storage* is the memory block of the array its values were cut from (the root of
its NumPy/CuPy ``base`` chain); strides and the storage offset count elements of the tensor's
dtype, as PyTorch's do. ``as_strided`` returns a view of that memory (writes through it reach
the tensor) and checks the bounds PyTorch checks. Its gradient is PyTorch's: the output's
gradient summed into the storage's positions, read back at the input's positions (divided by
how many input elements share one, when the input overlaps itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import int_arg, ints_arg
from ..autograd import Function
from ..tensor import Tensor
from .scatter import IndexAdd
from .shape import index_select, reshape


def _ptr(a: Any) -> int:
    return a.__array_interface__["data"][0] if isinstance(a, numpy.ndarray) else a.data.ptr


def _storage(a: Any) -> tuple[Any, int, int]:
    """``(root, offset, length)``: the array ``a``'s memory was cut from, ``a``'s first
    element's offset in it and its length, both in elements of ``a``'s dtype."""
    root = a
    while isinstance(root.base, type(a)):
        root = root.base
    if any(s < 0 for s in root.strides):
        raise RuntimeError("as_strided: the tensor's memory has negative strides")
    extent = 0
    if root.size:
        extent = sum((n - 1) * s for n, s in zip(root.shape, root.strides)) + root.itemsize
    start = _ptr(root)
    return root, (_ptr(a) - start) // a.itemsize, extent // a.itemsize


def storage_offset(x: Tensor) -> int:
    """The offset of ``x``'s first element in its storage, in elements (PyTorch's
    ``Tensor.storage_offset``).

    >>> import deepgrad as dg
    >>> dg.arange(6.0)[2:].storage_offset()
    2
    """
    return _storage(x._data)[1]


def _positions(shape: Sequence[int], strides: Sequence[int], offset: int) -> Any:
    """The storage index of each element of a ``shape``/``strides`` view at ``offset``."""
    pos = numpy.full(tuple(shape), offset, dtype=numpy.int64)
    for axis, (n, s) in enumerate(zip(shape, strides)):
        pos += (numpy.arange(n, dtype=numpy.int64) * s).reshape(
            (n,) + (1,) * (len(shape) - axis - 1)
        )
    return pos


class AsStrided(Function):
    """``x``'s storage read with ``size``, ``stride`` and ``offset`` (elements)."""

    def __init__(self, size: tuple[int, ...], stride: tuple[int, ...], offset: int) -> None:
        self.size, self.stride, self.offset = size, stride, offset

    def forward(self, x: Any) -> Any:
        root, _, length = _storage(x)
        isz, rsz = x.itemsize, root.itemsize
        flat = backend.xp.lib.stride_tricks.as_strided(root, (length * isz // rsz,), (rsz,))
        flat = flat.view(numpy.uint8)[: length * isz].view(x.dtype)  # the storage, 1-D
        start = flat[self.offset :] if self.offset < length else flat[length:]
        return backend.xp.lib.stride_tricks.as_strided(
            start, self.size, tuple(s * isz for s in self.stride)
        )

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        _, off, length = _storage(x._data)
        xp = backend.xp
        out_pos = xp.asarray(_positions(self.size, self.stride, self.offset).reshape(-1))
        in_pos = _positions(x.shape, x.stride(), off).reshape(-1)
        zeros = Tensor._from_op(xp.zeros((length,), gy.dtype), None, 0)
        g = IndexAdd(0, out_pos, 1)(zeros, reshape(gy, (-1,)))
        gx = index_select(g, 0, xp.asarray(in_pos))
        count = numpy.bincount(in_pos, minlength=length)[in_pos]
        if (count > 1).any():  # an input that overlaps itself (an expanded one)
            gx = gx / Tensor._from_op(xp.asarray(count.astype(gx.dtype)), None, 0)
        return reshape(gx, x.shape)


def as_strided(
    input: Tensor,  # noqa: A002 - PyTorch's name
    size: Sequence[int],
    stride: Sequence[int],
    storage_offset: int | None = None,
) -> Tensor:
    """A view of ``input``'s storage with the given ``size``, ``stride`` and
    ``storage_offset`` (elements; default ``input``'s own offset), as PyTorch's
    ``as_strided``: writes through it reach ``input``; differentiable.

    >>> import deepgrad as dg
    >>> dg.arange(6.0).as_strided((2, 2), (1, 2), 1).tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    size = ints_arg(size, "as_strided", "size", 2)
    stride = ints_arg(stride, "as_strided", "stride", 3)
    _, own, length = _storage(input._data)
    offset = (
        own
        if storage_offset is None
        else int_arg(storage_offset, "as_strided", "storage_offset", 4)
    )
    if len(size) != len(stride):
        raise RuntimeError(
            f"mismatch in length of strides and shape: {len(size)} sizes, {len(stride)} strides"
        )
    if any(s < 0 for s in stride):
        raise RuntimeError(
            "as_strided: Negative strides are not supported at the moment, got strides: "
            f"{list(stride)}"
        )
    if any(n < 0 for n in size):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(size)} and "
            f"strides={list(stride)}"
        )
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    isz = input.itemsize
    need = 0 if 0 in size else offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if need > length:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {isz} requiring a storage size of {need * isz} are out of bounds "
            f"for storage of size {length * isz}"
        )
    return AsStrided(size, stride, offset)(input)


def _clone_positions(x: Tensor) -> Any:
    """Where each element of ``x`` sits in the storage of PyTorch's ``as_strided_scatter``
    output: ``x``'s own strides from offset 0 (gaps included), or row-major when ``x``
    overlaps itself (an expanded tensor)."""
    pos = _positions(x.shape, x.stride(), 0)
    if pos.size and numpy.unique(pos).size != pos.size:
        return numpy.arange(x.numel(), dtype=numpy.int64).reshape(x.shape)
    return pos


class AsStridedScatter(Function):
    """``x`` (its elements at storage positions ``inp``) with the storage positions ``pos``
    (the strided view) holding ``src``; gradients: ``g`` with the view's elements zeroed for
    ``x``, ``g`` read at the view for ``src`` (0 where the view falls in a gap of ``x``)."""

    reads_inputs = False

    def __init__(self, inp: Any, pos: Any, length: int) -> None:
        self.inp, self.pos, self.length = inp, pos, length

    def forward(self, x: Any, src: Any) -> Any:
        storage = backend.xp.zeros(self.length, x.dtype)
        storage[self.inp.reshape(-1)] = x.reshape(-1)
        storage[self.pos.reshape(-1)] = src.reshape(-1)
        return storage[self.inp]

    def backward(self, gy: Tensor) -> tuple:
        nx, ns = self.needs_input_grad
        xp = backend.xp
        gx = gs = None
        if nx:
            zeros = Tensor._from_op(xp.zeros(self.pos.shape, gy._data.dtype), None, 0)
            gx = AsStridedScatter(self.inp, self.pos, self.length)(gy, zeros)
        if ns:
            empty = Tensor._from_op(xp.zeros(self.length, gy._data.dtype), None, 0)
            storage = IndexAdd(0, self.inp.reshape(-1), 1)(empty, reshape(gy, (-1,)))
            gs = reshape(index_select(storage, 0, self.pos.reshape(-1)), self.pos.shape)
        return gx, gs


def as_strided_scatter(
    input: Tensor,  # noqa: A002 - PyTorch's name
    src: Tensor,
    size: Sequence[int],
    stride: Sequence[int],
    storage_offset: int | None = None,
) -> Tensor:
    """A copy of ``input`` in which the view ``as_strided(size, stride, storage_offset)`` of
    the copy holds ``src`` (PyTorch's: the copy keeps ``input``'s strides from offset 0, so a
    transposed or sliced input is written through its own layout, and view elements that
    fall in its gaps are not seen); differentiable in both.

    >>> import deepgrad as dg
    >>> dg.as_strided_scatter(dg.zeros(4), dg.ones(2), (2,), (2,)).tolist()
    [1.0, 0.0, 1.0, 0.0]
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    s = src if isinstance(src, Tensor) else Tensor(src)
    size, stride = tuple(int(n) for n in size), tuple(int(v) for v in stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"mismatch in length of strides and shape: {len(size)} sizes, {len(stride)} strides"
        )
    if any(n < 0 for n in size) or any(v < 0 for v in stride):
        raise RuntimeError(
            f"as_strided_scatter: sizes {list(size)} and strides {list(stride)} must be >= 0"
        )
    offset = 0 if storage_offset is None else int(storage_offset)
    if s.shape != size:
        raise RuntimeError(
            f"as_strided_scatter: expected src to have the size of the view {list(size)}, got "
            f"{list(s.shape)}"
        )
    if s.dtype != x.dtype:
        raise RuntimeError(
            f"as_strided_scatter: expected src's dtype {s.dtype} to equal input's {x.dtype}"
        )
    pos = _positions(size, stride, offset)
    inp = _clone_positions(x)
    length = int(inp.max()) + 1 if inp.size else 0
    if pos.size and (offset < 0 or int(pos.max()) >= length):
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset} "
            f"reach past the {length} elements of input's storage"
        )
    xp = backend.xp
    return AsStridedScatter(xp.asarray(inp), xp.asarray(pos), length)(x, s)
