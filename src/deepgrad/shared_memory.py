"""Tensors in memory several processes share: ``share_memory_()`` for Hogwild and A3C.

``x.share_memory_()`` moves the tensor's values into a shared memory file (Linux's
``memfd_create``, elsewhere an unlinked temporary file) mapped ``MAP_SHARED``, and points the
tensor at that mapping. Processes then see one copy:

* a child started by ``fork`` (Linux's default) inherits the mapping: every write, by
  the parent or any child, is seen by all;
* with ``spawn`` or ``forkserver``, and through ``multiprocessing`` queues and pipes,
  a shared tensor is pickled as the mapping's file descriptor (PyTorch's
  ``file_descriptor`` strategy: :class:`multiprocessing.reduction.DupFd`), so the receiver
  maps the same memory instead of unpickling a copy.

A tensor that is not shared pickles by value, as before. What moves is the tensor's array:
arrays taken from it before the call (``x.numpy()``, a view ``x[0]``) keep the old memory,
as a PyTorch tensor's storage does not; call ``share_memory_()`` (``model.share_memory()``)
before making views or an optimizer, as PyTorch's Hogwild example does.

>>> import deepgrad as dg
>>> x = dg.zeros(3).share_memory_()
>>> x.is_shared()
True
"""

from __future__ import annotations

import mmap
import os
import tempfile
import threading
import weakref
from multiprocessing import reduction
from typing import Any

import numpy

#: id of each shared root array -> (weak reference to it, its mapping's file descriptor)
_ROOTS: dict[int, tuple[weakref.ref, int]] = {}
_LOCK = threading.Lock()
_REGISTERED: set[type] = set()


def _room_for_descriptors() -> None:
    """Each shared array holds two file descriptors (its own and its mapping's): past half
    the soft limit on open files, raise it to the hard limit (a model of many parameters
    shared at once; PyTorch's file_descriptor strategy spends one a storage)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if 4 * len(_ROOTS) + 64 > soft and (hard == resource.RLIM_INFINITY or hard > soft):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not raisable here
        pass


def _new_file(nbytes: int) -> int:
    """A file descriptor of ``nbytes`` of shared memory (anonymous where the OS allows)."""
    _room_for_descriptors()
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("deepgrad-shared-tensor", os.MFD_CLOEXEC)
    else:  # pragma: no cover - not Linux
        f = tempfile.TemporaryFile()
        fd = os.dup(f.fileno())
        f.close()
    os.ftruncate(fd, nbytes)
    return fd


def _root_from_fd(fd: int, nbytes: int) -> numpy.ndarray:
    """The whole mapping of ``fd`` as a flat uint8 array, registered as a shared root (the
    mapping holds its own duplicate of the descriptor, which lives as long as the array)."""
    mm = mmap.mmap(fd, nbytes)  # MAP_SHARED, read and write
    root = numpy.frombuffer(mm, dtype=numpy.uint8)
    own = os.dup(fd)
    with _LOCK:
        _ROOTS[id(root)] = (weakref.ref(root), own)
    weakref.finalize(root, _forget, id(root), own)
    return root


def _forget(key: int, fd: int) -> None:
    with _LOCK:
        _ROOTS.pop(key, None)
    try:
        os.close(fd)
    except OSError:  # pragma: no cover - already closed at interpreter exit
        pass


def _shared_root(a: Any) -> tuple[numpy.ndarray, int] | None:
    """The shared root array ``a`` is a view of, and its descriptor; ``None`` if ``a`` is not
    in shared memory."""
    while isinstance(a, numpy.ndarray):
        entry = _ROOTS.get(id(a))
        if entry is not None and entry[0]() is a:
            return a, entry[1]
        a = a.base
    return None


def is_shared(a: Any) -> bool:
    """Whether the array ``a`` lives in memory made by :func:`share`."""
    return _shared_root(a) is not None


def share(a: numpy.ndarray) -> numpy.ndarray:
    """``a``'s values in new shared memory, as a C-contiguous array of ``a``'s shape and
    dtype (``a`` itself where it is already shared)."""
    if is_shared(a):
        return a
    nbytes = max(a.nbytes, 1)  # a mapping is never empty
    fd = _new_file(nbytes)
    try:
        root = _root_from_fd(fd, nbytes)
    finally:
        os.close(fd)
    out = numpy.ndarray(a.shape, a.dtype, buffer=root)  # C-contiguous, based on root
    out[...] = a
    return out


def register(cls: type) -> None:
    """Pickle ``cls``'s shared instances by descriptor in ``multiprocessing``'s pickler
    (process start with spawn/forkserver, queues, pipes); others by value."""
    with _LOCK:
        if cls in _REGISTERED:
            return
        _REGISTERED.add(cls)
    reduction.ForkingPickler.register(cls, _reduce_tensor)


def _reduce_tensor(t: Any) -> Any:
    found = _shared_root(t._data)
    if found is None:  # by value, as any pickler would
        return t.__reduce_ex__(4)
    root, fd = found
    a = t._data
    offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    state = {s: getattr(t, s) for s in ("_grad", "_requires_grad", "_index", "_view")
             if hasattr(t, s)}  # fmt: skip
    meta = (root.nbytes, a.dtype.str, a.shape, a.strides, offset)
    return _rebuild_tensor, (type(t), reduction.DupFd(fd), meta, state)


def _rebuild_tensor(cls: type, dupfd: Any, meta: tuple, state: dict) -> Any:
    nbytes, dtype, shape, strides, offset = meta
    fd = dupfd.detach()
    try:
        root = _root_from_fd(fd, nbytes)
    finally:
        os.close(fd)
    a = numpy.ndarray(shape, numpy.dtype(dtype), buffer=root, offset=offset, strides=strides)
    t = object.__new__(cls)
    object.__setattr__(t, "_data", a)
    object.__setattr__(t, "_creator", None)
    for name, value in state.items():
        object.__setattr__(t, name, value)
    register(cls)
    return t
