"""An allocation budget for building layers from a file: what a config declares cannot make
deepgrad allocate more than the file's weights hold.

Layers allocate their parameters and buffers through the backend's array module
(``backend.xp.empty((out, in))``...). While :func:`allocation_budget` is active in a thread,
``backend.xp`` answers that thread's *allocating* calls (``empty``, ``zeros``, ``ones``,
``full``, ``eye``, ``arange``...) only while the elements of the arrays they made that are still
alive stay within the budget, and only for a bounded number of such arrays (a freed array gives
its share back, so a forward pass's temporaries do not add up); the call that would exceed it
raises :class:`AllocationRefused` (a :class:`~deepgrad.io.ModelFileError`) *before* anything is
allocated, naming the shape and the layer being built. Other threads, and every other
function of the array module, are not affected.

Loading sets the budget to the number of elements in the file's weights plus a small slack
(non-persistent buffers such as positional encodings are not in the file), so a 443-byte file
declaring ``Linear(20000, 20000)`` is refused at once instead of allocating 1.6 GB. Building lazy
layers runs the model once on one sample; the budget is extended for its activations
(:data:`deepgrad.io.serialization.LAZY_ACTIVATION_FACTOR`).

>>> import deepgrad as dg
>>> with allocation_budget(100, "a demo file"):
...     layer = dg.nn.Linear(4, 2)                      # 10 elements: fine
...     try:
...         dg.nn.Linear(1000, 1000)
...     except AllocationRefused as e:
...         print(str(e)[:80])
a demo file: building a layer asks for an array of shape (1000, 1000) (1,000,000
"""

from __future__ import annotations

import contextlib
import math
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from .. import backend
from .safe_read import ModelFileError

#: elements any file may allocate beyond its weights (non-persistent buffers, masks...)
SLACK_ELEMENTS = 4 * 2**20
#: allocating calls any file may make beyond four per array in its weights
SLACK_CALLS = 2000


class AllocationRefused(ModelFileError):
    """Building layers from a file would allocate more than the file holds."""


_local = threading.local()
_lock = threading.Lock()
_installed = 0
_saved_xp: Any = None

#: the array-module functions whose size comes from their arguments, and how to read it
_SHAPE_ARG = ("empty", "zeros", "ones", "full")


def _numel(shape: Any) -> int:
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        return int(shape)
    return math.prod(int(s) for s in shape)


class _Budget:
    def __init__(
        self, elements: int, calls: int, where: str, refusal: Callable[..., str] | None = None
    ) -> None:
        self.refusal = refusal
        self.left = elements
        self.calls = calls
        self.where = where
        self.total = elements
        self.layer: list[str] = []
        self.finalizers: list[weakref.finalize] = []

    def track(self, array: Any, n: int) -> None:
        """Give ``n`` elements (and a call) back when ``array`` is freed: the budget bounds what
        is alive at once, so a forward pass's temporaries do not add up."""
        try:
            self.finalizers.append(weakref.finalize(array, self.give, n))
        except TypeError:  # an object without weak references: stays counted
            pass

    def extend(self, elements: int) -> None:
        """Allow ``elements`` more (e.g. for the activations of a forward pass)."""
        self.left += int(elements)
        self.total += int(elements)

    def give(self, n: int) -> None:
        self.left += n
        self.calls += 1

    def close(self) -> None:
        for f in self.finalizers:
            f.detach()
        self.finalizers.clear()

    def take(self, n: int, shape: Any) -> None:
        self.calls -= 1
        layer = f"building {self.layer[-1]}" if self.layer else "building a layer"
        if n > self.left and self.refusal is not None:
            what = self.layer[-1] if self.layer else "a layer"
            used = self.total - self.left
            raise AllocationRefused(self.refusal(what, tuple(_shape(shape)), n, used, self.total))
        if n > self.left:
            raise AllocationRefused(
                f"{self.where}: {layer} asks for an array of shape {tuple(_shape(shape))} "
                f"({n:,} elements), beyond what the file's weights hold ({self.total:,} elements "
                "with slack): its config declares parameters that its weights do not have"
            )
        if self.calls < 0:
            raise AllocationRefused(
                f"{self.where}: {layer}: the config declares far more arrays than the file's "
                "weights hold"
            )
        self.left -= n


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        return (int(shape),)
    return tuple(int(s) for s in shape)


class _GuardedXP:
    """Stands in for the array module: checks allocating calls against the thread's budget."""

    def __init__(self, inner: Any) -> None:
        self.__dict__["_inner"] = inner
        self.__dict__["__name__"] = inner.__name__

    def __getattr__(self, name: str) -> Any:
        inner = self.__dict__["_inner"]
        fn = getattr(inner, name)
        if name in _SHAPE_ARG or name in ("eye", "identity", "arange", "linspace", "tri"):

            def guarded(*args: Any, **kwargs: Any) -> Any:
                b = getattr(_local, "budget", None)
                if b is None:
                    return fn(*args, **kwargs)
                n, shape = _request(name, args, kwargs)
                b.take(n, shape)
                out = fn(*args, **kwargs)
                b.track(out, n)
                return out

            return guarded
        return fn


def _request(name: str, args: tuple, kwargs: dict) -> tuple[int, Any]:
    """Elements a call to ``xp.<name>(*args, **kwargs)`` would allocate, and its shape."""
    if name in _SHAPE_ARG:
        shape = args[0] if args else kwargs.get("shape", ())
        return _numel(shape), shape
    if name in ("eye", "tri"):
        n = int(args[0] if args else kwargs["N"])
        m = args[1] if len(args) > 1 else kwargs.get("M")
        m = n if m is None else int(m)
        return n * m, (n, m)
    if name == "identity":
        n = int(args[0] if args else kwargs["n"])
        return n * n, (n, n)
    if name == "linspace":
        num = int(args[2] if len(args) > 2 else kwargs.get("num", 50))
        return num, (num,)
    # arange(stop) / arange(start, stop[, step])
    nums = [float(a) for a in args if isinstance(a, (int, float))]
    if len(nums) == 1:
        n = math.ceil(max(nums[0], 0))
    elif len(nums) >= 2:
        step = nums[2] if len(nums) > 2 else 1.0
        n = math.ceil(max((nums[1] - nums[0]) / step, 0)) if step else 0
    else:
        n = 0
    return n, (n,)


@contextlib.contextmanager
def allocation_budget(
    elements: int,
    where: str,
    calls: int | None = None,
    refusal: Callable[..., str] | None = None,
) -> Iterator[Any]:
    """Within this block, this thread's layer construction may hold at most ``elements`` array
    elements alive at once (allocated through ``backend.xp``), in at most ``calls`` arrays (default
    :data:`SLACK_CALLS`); ``where`` names the file in the error. ``refusal(layer, shape, n, used,
    limit)`` words the error of an over-budget array instead (a budget that is not a file's)."""
    global _installed, _saved_xp
    b = _Budget(int(elements), SLACK_CALLS if calls is None else int(calls), where, refusal)
    outer = getattr(_local, "budget", None)
    with _lock:
        if _installed == 0:
            _saved_xp = backend.xp
            backend.xp = _GuardedXP(_saved_xp)
        _installed += 1
    _local.budget = b
    try:
        yield b
    finally:
        _local.budget = outer
        b.close()
        with _lock:
            _installed -= 1
            if _installed == 0:
                backend.xp = _saved_xp
                _saved_xp = None


@contextlib.contextmanager
def building(layer: str) -> Iterator[None]:
    """Name the layer being built in an :class:`AllocationRefused` message."""
    b = getattr(_local, "budget", None)
    if b is None:
        yield
        return
    b.layer.append(layer)
    try:
        yield
    finally:
        b.layer.pop()
