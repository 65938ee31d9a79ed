"""``Tensor.untyped_storage()`` and ``Tensor.storage()``: the memory behind a tensor.

A deepgrad tensor's values are a NumPy array, possibly a view of a larger one; its storage
is the array that owns that memory (the root of the view chain: ``x.base.base...``), seen
as bytes (:class:`UntypedStorage`) or as elements of the tensor's dtype
(:class:`TypedStorage`, PyTorch's deprecated form, which warns once as PyTorch's does). So,
as in PyTorch, views of one tensor report one storage::

    x.untyped_storage().data_ptr() == x[1:].untyped_storage().data_ptr()
    x.untyped_storage().nbytes()                         # the whole base array's bytes

and writing through a storage (``s[i] = v``, ``fill_``, ``copy_``) writes the tensors over
it. A storage made on its own (``dg.UntypedStorage(n)``) is ``n`` zero bytes.

>>> import deepgrad as dg
>>> x = dg.arange(6.0).reshape(2, 3)
>>> x[1].untyped_storage().nbytes(), x[1].untyped_storage().data_ptr() == x.data_ptr()
(24, True)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from . import backend
from .devices import device as _device

__all__ = ["TypedStorage", "UntypedStorage"]

_WARNED = [False]


def root_array(a: Any) -> Any:
    """The array that owns ``a``'s memory: the last array in its ``base`` chain."""
    while isinstance(getattr(a, "base", None), backend.xp.ndarray):
        a = a.base
    return a


def _ptr(a: Any) -> int:
    """The address of an array's first byte (NumPy or CuPy)."""
    if hasattr(a, "__array_interface__"):
        return int(a.__array_interface__["data"][0])
    return int(a.data.ptr)  # pragma: no cover - CuPy


def _byte_view(root: Any) -> Any:
    """``root``'s memory as a flat uint8 array in memory order (a view: an owner's memory
    is contiguous; a strided root over a foreign buffer is copied, its bytes read only)."""
    if root.flags.c_contiguous or root.flags.f_contiguous:
        return root.reshape(-1, order="A").view(numpy.uint8)
    return backend.xp.ascontiguousarray(root).reshape(-1).view(numpy.uint8)


class UntypedStorage:
    """Bytes of memory (PyTorch's ``torch.UntypedStorage``): ``nbytes()``, ``data_ptr()``,
    item access by byte, ``tolist()``, ``fill_``, ``copy_``, ``clone``."""

    def __init__(self, size: Any = 0, *, device: Any = None) -> None:
        if isinstance(size, (int, numpy.integer)) and not isinstance(size, bool):
            if size < 0:
                raise RuntimeError(f"UntypedStorage: size must be >= 0, got {size}")
            self._root = backend.xp.zeros(int(size), numpy.uint8)
        elif isinstance(size, (bytes, bytearray, list, tuple)):
            self._root = backend.xp.asarray(bytearray(size), dtype=numpy.uint8)
        else:
            raise TypeError(
                f"UntypedStorage(size): expected a size (int) or a sequence of bytes, got "
                f"{type(size).__name__}"
            )
        self._bytes = self._root

    @classmethod
    def _of(cls, array: Any, whole: bool = True) -> UntypedStorage:
        """The storage of ``array``'s owner (``whole``), or of ``array``'s own bytes (a
        slice of a storage)."""
        self = object.__new__(cls)
        self._root = root_array(array) if whole else array
        self._bytes = _byte_view(self._root)
        return self

    def nbytes(self) -> int:
        """The storage's size in bytes."""
        return int(self._bytes.size)

    size = nbytes

    def __len__(self) -> int:
        return self.nbytes()

    def element_size(self) -> int:
        """1: an untyped storage counts bytes."""
        return 1

    def data_ptr(self) -> int:
        """The address of the first byte (equal for every view of one tensor)."""
        return _ptr(self._root) if self._root.size else 0

    @property
    def device(self) -> Any:
        return _device("cuda" if backend.gpu else "cpu")

    is_cuda = property(lambda self: bool(backend.gpu))

    def get_device(self) -> int | None:
        """The device index; ``None`` on the CPU (PyTorch's storages say so; tensors -1)."""
        return 0 if backend.gpu else None

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return UntypedStorage._of(self._bytes[i], whole=False)
        return int(self._bytes[i])

    def __setitem__(self, i: Any, value: Any) -> None:
        self._bytes[i] = value

    def tolist(self) -> list[int]:
        return self._bytes.tolist()

    def fill_(self, value: int) -> UntypedStorage:
        self._bytes[...] = value
        return self

    def copy_(self, source: Any, non_blocking: bool = False) -> UntypedStorage:
        """Overwrite with ``source``'s bytes (a storage of the same size)."""
        src = source._bytes if isinstance(source, (UntypedStorage, TypedStorage)) else source
        src = backend.xp.asarray(src).reshape(-1).view(numpy.uint8)
        if src.size != self.nbytes():
            raise RuntimeError(f"copy_: sizes differ ({src.size} bytes into {self.nbytes()})")
        self._bytes[...] = src
        return self

    def clone(self) -> UntypedStorage:
        """A copy in new memory."""
        return UntypedStorage._of(self._bytes.copy(), whole=False)

    def cpu(self) -> UntypedStorage:
        return self

    def is_shared(self) -> bool:
        from . import shared_memory

        return shared_memory.is_shared(self._root)

    def is_pinned(self, device: Any = None) -> bool:
        return False

    def resizable(self) -> bool:
        """False: a NumPy array's memory does not grow in place."""
        return False

    def type(self, dtype: Any = None) -> str:
        return "torch.storage.UntypedStorage"

    def untyped(self) -> UntypedStorage:
        return self

    def __repr__(self) -> str:
        body = "\n".join(f" {v}" for v in self._bytes[:1000].tolist())
        more = "\n ..." if self.nbytes() > 1000 else ""
        return (
            f"{body}{more}\n[deepgrad.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]"
        )


class TypedStorage:
    """Elements of one dtype (PyTorch's deprecated ``torch.TypedStorage``): ``size()``,
    ``dtype``, item access by element, ``tolist()``, ``untyped()``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "TypedStorage is made by tensor.storage() in deepgrad; for new memory use "
            "dg.UntypedStorage(nbytes) or a tensor (dg.empty(n))"
        )

    @classmethod
    def _of(cls, array: Any, whole: bool = True) -> TypedStorage:
        """The typed storage of ``array``'s owner (``whole``), or of ``array`` itself."""
        self = object.__new__(cls)
        self._untyped = UntypedStorage._of(array, whole)
        self._bytes = self._untyped._bytes
        self.dtype = array.dtype
        usable = self._bytes.size - self._bytes.size % array.dtype.itemsize
        self._elements = self._bytes[:usable].view(array.dtype)
        return self

    def size(self) -> int:
        """The number of elements."""
        return int(self._elements.size)

    def __len__(self) -> int:
        return self.size()

    def nbytes(self) -> int:
        return self._untyped.nbytes()

    def element_size(self) -> int:
        return int(self.dtype.itemsize)

    def data_ptr(self) -> int:
        return self._untyped.data_ptr()

    device = property(lambda self: self._untyped.device)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):  # PyTorch's rule and words
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return self._elements[i].item()

    def __setitem__(self, i: Any, value: Any) -> None:
        self._elements[i] = value

    def tolist(self) -> list:
        return self._elements.tolist()

    def fill_(self, value: Any) -> TypedStorage:
        self._elements[...] = value
        return self

    def untyped(self) -> UntypedStorage:
        return self._untyped

    def is_shared(self) -> bool:
        return self._untyped.is_shared()

    def type(self, dtype: Any = None) -> str:
        return "torch.storage.TypedStorage"

    def __repr__(self) -> str:
        body = "\n".join(f" {v}" for v in self._elements[:1000].tolist())
        return f"{body}\n[deepgrad.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size {self.size()}]"


def untyped_storage(array: Any) -> UntypedStorage:
    """The storage behind ``array``."""
    return UntypedStorage._of(array)


def typed_storage(array: Any) -> TypedStorage:
    """The typed storage behind ``array`` (warns once, as PyTorch's ``storage()``)."""
    if not _WARNED[0]:
        _WARNED[0] = True
        warnings.warn(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage "
            "will be the only storage class. This should only matter to you if you are using "
            "storages directly.  To access UntypedStorage directly, use "
            "tensor.untyped_storage() instead of tensor.storage()",
            UserWarning,
            stacklevel=3,
        )
    return TypedStorage._of(array)
