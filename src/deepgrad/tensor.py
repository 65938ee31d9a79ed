"""The :class:`Tensor`: an array, an optional gradient, and a link to the operation that made it.

>>> import deepgrad as dg
>>> x = dg.tensor([[1.0, 2.0]], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([[2., 4.]])

Operators (``+ - * / ** @``, comparisons, indexing) and methods (``sum``, ``reshape``,
``exp``...) call the differentiable functions of :mod:`deepgrad.functional`; the graph
machinery (``backward``) lives in :mod:`deepgrad.autograd`.
"""

from __future__ import annotations

import builtins
import math
import numbers
import sys
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy

from . import _torch_rng, autograd, backend, printing, threads
from . import devices as _device
from ._absent import AbsentDtype as _AbsentDtype
from ._errors import (
    AmbiguousTruthError,
    DtypeError,
    DtypeNotImplementedError,
    IndexShapeError,
    MatrixShapeError,
    ShapeMismatchError,
    ValueRangeError,
    _refuse_complex_order,
    bool_arg,
    broadcast_words,
    dim_error,
    int_arg,
    ints_arg,
    kernel_dtype_name,
    tensor_needed,
)
from ._names import torch_names

Scalar = int | float | bool


class memory_format:  # noqa: N801 - PyTorch's name
    """PyTorch's memory formats (``dg.contiguous_format``, ``dg.channels_last``,
    ``dg.channels_last_3d``, ``dg.preserve_format``): the order of a tensor's elements in
    memory, never its values. ``clone``/``contiguous`` lay the NumPy array out so (channels
    last: an ``(N, C, H, W)`` array with ``(N, H, W, C)`` strides), and ``is_contiguous``
    reads the array's real strides by PyTorch's rule.

    >>> import deepgrad as dg
    >>> x = dg.ones(2, 3, 4, 5).contiguous(memory_format=dg.channels_last)
    >>> x.is_contiguous(), x.is_contiguous(memory_format=dg.channels_last), x.shape
    (False, True, (2, 3, 4, 5))
    """

    def __init__(self, name: str, order: tuple | None, rank: int | None) -> None:
        self.name, self.order, self.rank = name, order, rank

    def __repr__(self) -> str:
        return f"deepgrad.{self.name}"

    def layout(self, a: Any, preserve_ok: bool = True) -> Any:
        """A copy of array ``a`` laid out in this format."""
        if self.name == "preserve_format":
            return a.copy(order="K")
        if self.rank is not None and a.ndim != self.rank:
            raise RuntimeError(f"required rank {self.rank} tensor to use {self.name} format")
        if self.order is None:
            return backend.xp.array(a, order="C", copy=True)
        inverse = tuple(self.order.index(k) for k in range(a.ndim))
        return backend.xp.ascontiguousarray(a.transpose(self.order)).transpose(inverse)

    def holds(self, a: Any) -> bool:
        """Whether array ``a`` is contiguous in this format (PyTorch's stride rule: size-1
        dims are skipped)."""
        if self.rank is not None and a.ndim != self.rank:
            return False
        if self.order is None and a.size == 0:  # PyTorch: no elements is contiguous
            return True
        dims = range(a.ndim - 1, -1, -1) if self.order is None else reversed(self.order)
        expected = 1
        for d in dims:
            if a.shape[d] != 1:
                if a.strides[d] != expected * a.itemsize:
                    return False
                expected *= a.shape[d]
        return True


contiguous_format = memory_format("contiguous_format", None, None)
channels_last = memory_format("channels_last", (0, 2, 3, 1), 4)
channels_last_3d = memory_format("channels_last_3d", (0, 2, 3, 4, 1), 5)
preserve_format = memory_format("preserve_format", None, None)


class layout:  # noqa: N801 - PyTorch's name
    """PyTorch's tensor layouts: deepgrad's tensors are all ``dg.strided`` (dense NumPy
    arrays; the sparse layouts do not exist here: README).

    >>> import deepgrad as dg
    >>> dg.ones(2).layout
    deepgrad.strided
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"deepgrad.{self.name}"

    def __reduce__(self) -> str:  # pickles and copies as the one instance
        return self.name


strided = layout("strided")


def _format(fmt: Any, who: str) -> Any:
    if type(fmt).__name__ != "memory_format":  # (a doctest run may load this module twice)
        raise TypeError(
            f"{who}(): argument 'memory_format' must be deepgrad.memory_format, not "
            f"{type(fmt).__name__}"
        )
    return fmt


_NO_ALPHA: Any = object()  # ``add``/``sub``'s ``alpha`` not passed by keyword


class Size(tuple):
    """A tensor's shape, as ``torch.Size``: a tuple of ints with ``numel()``.

    >>> import deepgrad as dg
    >>> s = dg.zeros(2, 3).size()
    >>> s, s == (2, 3), s.numel()
    (deepgrad.Size([2, 3]), True, 6)
    """

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"deepgrad.Size({list(self)})"

    def __getitem__(self, index: Any) -> Any:
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out


ShapeLike = int | Sequence[int]


class _Delegate:
    """A method that calls the ``deepgrad.functional`` function of its own name with the
    tensor as the first argument (``x.atan2(y)`` is ``F.atan2(x, y)``); it takes the name it
    is bound to in the class body, and the function's docstring."""

    def __set_name__(self, owner: type, name: str) -> None:
        setattr(owner, name, _delegating(name))


def _delegating(name: str) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(F, name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``deepgrad.{name}(self, ...)``: see :func:`deepgrad.functional.{name}`."
    return method


_delegate = _Delegate()


class _ViewDelegate(_Delegate):
    """A delegating method (:class:`_Delegate`) whose result(s) are views of the tensor,
    marked as the view methods mark theirs."""

    def __set_name__(self, owner: type, name: str) -> None:
        delegated = _delegating(name)

        def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
            return _mark_views(delegated(self, *args, **kwargs), self)

        method.__name__ = method.__qualname__ = name
        method.__doc__ = delegated.__doc__
        setattr(owner, name, method)


_view_delegate = _ViewDelegate()


def _varargs_ints(values: tuple) -> tuple:
    """PyTorch's varargs form of a tuple-of-ints argument (``x.squeeze(0, 2)``): its parser
    reads each one as an int, a bool as 0 or 1 (``x.squeeze(0, True)`` is ``(0, 1)``)."""
    return tuple(int(v) if isinstance(v, bool) else v for v in values)


def _varargs_dims(dim: Any, dims: tuple) -> Any:
    """``dim`` of a method that takes PyTorch's varargs dims (:func:`_varargs_ints`)."""
    return _varargs_ints((dim, *dims)) if dims else dim


def _varargs_indices(args: tuple) -> tuple:
    """``hsplit``/``vsplit``/``dsplit``'s arguments: two or more positional ones are
    PyTorch's varargs indices (``x.hsplit(1, 2)``)."""
    return (_varargs_ints(args),) if len(args) > 1 else args


class _InPlace:
    """PyTorch's in-place form ``x.name_(...)`` of a method ``x.name(...)``: the result is
    written into ``x``'s own memory and dtype by PyTorch's cast rule (:meth:`Tensor._store`: a
    float result into an integer tensor is refused; a comparison writes 0/1 into a float
    tensor) and ``x`` is returned. While ``x`` (or a tensor argument) takes part in a recorded
    graph the write is recorded as PyTorch records it (:func:`_record_in_place`: gradients
    flow through it; a leaf that requires grad refuses)."""

    def __set_name__(self, owner: type, name: str) -> None:
        setattr(owner, name, _in_place_method(name, name[:-1]))


def _in_place_method(name: str, base: str) -> Any:
    """The method ``name`` that writes the method ``base``'s result in place (:class:`_InPlace`)."""
    compare = base in _COMPARISONS

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        dtype = kwargs.get("dtype")  # ``x.cumsum_(0, dtype=...)``: only x's own, as PyTorch
        if dtype is not None and numpy.dtype(dtype) != self._data.dtype:
            raise RuntimeError(
                f"{name}: Bad in-place call: input tensor dtype {self.dtype} and output tensor "
                f"dtype {numpy.dtype(dtype)} should match (omit dtype, or convert the tensor)"
            )
        tensors = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))
        if builtins.any(self._records(a) for a in tensors or (None,)):
            return _record_in_place(self, tensors, _recomputed(base, args, kwargs), name)
        args = tuple(a.detach() if isinstance(a, Tensor) else a for a in args)
        kwargs = {k: _detached(v) for k, v in kwargs.items()}
        out = getattr(self.detach(), base)(*args, **kwargs)
        if out.shape != self.shape:
            raise RuntimeError(
                f"{name}: the result's shape {out.shape} differs from the tensor's "
                f"{self.shape} (an in-place operation cannot broadcast it)"
            )
        if compare:  # PyTorch writes the booleans as 0/1 in the tensor's own dtype
            backend.xp.copyto(self._data, out._data, casting="unsafe")
            self._note_write()
            return self
        return self._store(out, name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: ``x.{name}(...)`` writes ``x.{base}(...)`` into ``x``."
    return method


#: the comparisons, whose in-place forms (``x.lt_(y)``) write 0/1 in the tensor's own dtype
_COMPARISONS = frozenset(
    ("lt", "le", "gt", "ge", "eq", "ne", "less", "less_equal", "greater", "greater_equal",
     "not_equal")
)  # fmt: skip


def _recomputed(base: str, args: tuple, kwargs: dict) -> Any:
    """``compute(prev, *tensors)`` for :func:`_record_in_place`: the method ``base`` on the
    previous state with the tensor arguments replaced, in order, by the recorded sources. A
    comparison's result is the 0/1 of the tensor's dtype with a zero gradient (PyTorch's
    ``lt_`` backward)."""

    def compute(prev: Tensor, *sources: Tensor) -> Tensor:
        it = iter(sources)
        a = tuple(next(it) if isinstance(x, Tensor) else x for x in args)
        kw = {k: next(it) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        out = getattr(prev, base)(*a, **kw)
        if base in _COMPARISONS:  # zero gradients, to the tensor and the other operand
            zero = prev * 0
            for s in sources:
                zero = zero + s * 0
            return zero + out.to(prev.dtype)
        return out

    return compute


_in_place_form = _InPlace()
_abs_in_place = _in_place_method("abs_", "abs")


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    Attributes
    ----------
    data : Tensor
        The values as a tensor sharing this one's memory, cut from the graph (PyTorch's
        ``.data``: ``p.data.add_(p.grad, alpha=-lr)`` updates ``p``; ``p.data = t`` replaces
        its values). The array itself (NumPy or CuPy) is ``_data``, what the engine reads.
    grad : Tensor or None
        ``dL/dself`` after ``L.backward()``, for leaves with ``requires_grad``.
    requires_grad : bool
        Whether operations on this tensor are recorded for differentiation.
    """

    __slots__ = (
        "_data", "_grad", "_requires_grad", "_creator", "_index", "_view", "_vbase", "_vepoch",
        "__weakref__", "__dict__",
    )  # fmt: skip
    # ``__dict__``: a program's own attributes (``p.no_decay = True``), as PyTorch's tensors
    # take them; made on first use, so a tensor without any costs one pointer. deepcopy,
    # pickle and torch.save files (``_rebuild_from_type_v2``) carry them; views, ``clone``,
    # ``detach`` and results of operations start without, as PyTorch's
    # ``requires_grad`` is a property over the ``_requires_grad`` slot (bound after the class:
    # its reads stay the slot's C getter); deepgrad's own code writes the slot
    # ``_view`` (unset unless True): made by a user-facing view method (``x[1:]``, ``x.view``,
    # ``x.t()``, ...) sharing its input's memory, which ``detach_`` refuses, as PyTorch does;
    # ``_vbase`` (unset unless a view was made while no graph was recorded): the tensor it
    # views, so that a recorded write through it reaches that tensor (``_view_base``);
    # ``_vepoch``: the write clock then, negated minus one if made under ``no_grad``
    # (``_replay_unrecorded_view``)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy's ufunc protocol. A binary operator with an array or a NumPy scalar on the
        left (``a * x``, ``a < x``, ``np.float32(2) * x``, ``np.add(a, x)``) runs as the
        tensor's reflected operator: deepgrad's promotion and graph, as ``dg.tensor(a) * x``
        (README: PyTorch raises there). Any other ufunc call (``np.exp(x)``,
        ``np.maximum(x, 0)``, ``np.isnan(x)``, ``a += x`` into an array) is computed by NumPy
        on the values, and what NumPy returns as arrays comes back as tensors, as PyTorch's
        ``__array_wrap__`` gives them (no graph is recorded through NumPy); ``out=`` arrays
        are written and returned as given.

        >>> import numpy as np, deepgrad as dg
        >>> np.exp(dg.tensor([0.0, 1.0]))
        tensor([1.0000, 2.7183])
        >>> np.array([1.0, 2.0], dtype=np.float32) * dg.tensor([3.0, 4.0], requires_grad=True)
        tensor([3., 8.], grad_fn=<Mul>)
        """
        if method == "__call__" and len(inputs) == 2 and not kwargs and inputs[1] is self:
            reflected = _REFLECTED.get(ufunc)
            if reflected is not None and not isinstance(inputs[0], Tensor):
                return getattr(self, reflected)(inputs[0])
        if backend.gpu:
            raise TypeError(
                f"numpy.{ufunc.__name__} of a deepgrad tensor on the GPU: NumPy computes on "
                "host arrays (as PyTorch's \"can't convert cuda:0 device type tensor to "
                'numpy"); use the deepgrad function of that name, or x.cpu().numpy()'
            )
        args = [x._data if isinstance(x, Tensor) else x for x in inputs]
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(o._data if isinstance(o, Tensor) else o for o in out)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if isinstance(result, tuple):
            return tuple(_ufunc_result(r) for r in result)
        return _ufunc_result(result)

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, *sizes: int
    ) -> None:
        if type(requires_grad) is int and type(data) is int:
            # PyTorch's legacy ``torch.Tensor(6, 4)`` (``nn.Parameter(torch.Tensor(out, in))``
            # before ``reset_parameters``): two or more sizes give a tensor of that shape in
            # the default dtype, zeros where PyTorch leaves memory uninitialised
            shape = (data, requires_grad, *(() if dtype is None else (dtype,)), *sizes)
            if not all(type(n) is int and n >= 0 for n in shape):
                raise TypeError(
                    f"Tensor(*sizes): expected non-negative ints (a shape), got {shape!r}; "
                    "for data use dg.tensor(data)"
                )
            arr, requires_grad = backend.xp.zeros(shape, dtype=backend.get_default_dtype()), False
        else:
            arr = _as_array(data, dtype)
            if (
                dtype is None
                and arr.dtype.kind in "biuf"
                and arr.dtype != backend.get_default_dtype()
                and type(self) is Tensor
                and not isinstance(data, Tensor)
            ):
                # PyTorch's legacy constructor: ``torch.Tensor(data)`` is the default float
                # dtype whatever the data (``torch.Tensor(np_bool_mask)``, ``torch.Tensor([0,
                # 1])``, a float32 array under a float64 default), so ``1.0 -
                # torch.Tensor(dones)`` works (CleanRL's PPO); a tensor is taken as it is;
                # deepgrad's own code keeps the dtype through ``Tensor._wrap``
                arr = arr.astype(backend.get_default_dtype())
        self._set(arr, requires_grad)

    def _set(self, arr: Any, requires_grad: Any) -> None:
        if requires_grad and arr.dtype.kind not in "fc":
            raise DtypeError(
                f"only floating point tensors can require gradients, got dtype {arr.dtype}"
            )
        self._data = arr
        self._grad: Tensor | None = None
        self._requires_grad = bool(requires_grad)
        self._creator: autograd.Function | None = None
        self._index = 0

    @classmethod
    def _wrap(cls, data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of ``data`` keeping its dtype (deepgrad's own code; the public
        ``Tensor(data)`` turns real data into the default float dtype, as PyTorch's legacy
        constructor does)."""
        t = object.__new__(Tensor)
        t._set(_as_array(data, dtype), requires_grad)
        return t

    @classmethod
    def _from_op(cls, data: Any, creator: autograd.Function | None, index: int) -> Tensor:
        t = object.__new__(cls)
        t._data = numpy.asarray(data) if isinstance(data, numpy.generic) else data
        t._grad = None
        t._requires_grad = creator is not None
        t._creator = creator
        t._index = index
        return t

    # ---- attributes -------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor sharing its memory, detached from the graph.
        Writes through it are not seen by the graph (PyTorch's ``.data``: ``detach()``'s
        writes are, and a backward pass that needs an overwritten value raises)."""
        out = Tensor._from_op(self._data, None, 0)
        _UNTRACKED[id(out)] = out
        return out

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else backend.xp.asarray(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @torch_names
    def size(self, dim: int | None = None) -> Any:
        """PyTorch's ``size``: the shape as a :class:`Size` (a tuple), or the length of one
        axis as an int (``x.size(0)``, ``x.size(-1)``). The element count is ``numel()``."""
        shape = self._data.shape
        if dim is None:
            return Size(shape)
        dim = int_arg(dim, "size", "dim", 1)
        n = len(shape)
        if not -n <= dim < n:
            raise IndexError(
                f"size(): dim {dim} is out of range for a tensor of shape {shape} "
                + (f"(expected a dim in [{-n}, {n - 1}])" if n else "(it has no dims)")
            )
        return shape[dim]

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    @property
    def dtype(self) -> numpy.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user, not by an operation that records a graph."""
        return self._creator is None

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The operation that produced this tensor (None for leaves)."""
        return self._creator

    @property
    def T(self) -> Tensor:  # noqa: N802 - NumPy's name
        """The tensor with its axes reversed."""
        return _viewed(F.permute(self, tuple(range(self.ndim - 1, -1, -1))), self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        """The tensor's slices along dim 0; a 0-d tensor raises ``TypeError`` when iterated,
        as PyTorch's (at ``iter()``, not at the first ``next()``)."""
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __contains__(self, element: Any) -> bool:
        """``element in x``: whether any entry equals ``element`` (a number or a tensor
        broadcast against ``x``), PyTorch's ``(element == x).any()``; other objects raise
        PyTorch's ``RuntimeError``."""
        if isinstance(element, (Tensor, numbers.Number, numpy.generic)):
            return bool((element == self).any().item())
        raise RuntimeError(
            f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
            f"{type(element)}."
        )

    @property
    def layout(self) -> layout:
        """``dg.strided``: every deepgrad tensor is dense (PyTorch's ``Tensor.layout``)."""
        return strided

    def __repr__(self) -> str:
        """PyTorch's text for the same tensor (``deepgrad.printing``); the dtype prints as
        NumPy names it (``dtype=float64``) and ``grad_fn=<...>`` names deepgrad's node."""
        creator = self._creator
        if creator is None:
            grad_fn = None
        elif isinstance(creator, autograd._CtxNode):  # as PyTorch names a custom Function's
            grad_fn = f"{creator.fn_cls.__name__}Backward"
        else:
            grad_fn = type(creator).__name__
        dev = _device.of_array(self._data)
        return printing.tensor_repr(
            backend.to_numpy(self._data),
            default_dtype=backend.get_default_dtype(),
            grad_fn=grad_fn,
            requires_grad=self.requires_grad,
            device=None if dev.type == "cpu" else str(dev),
        )

    def __bool__(self) -> bool:
        n = self._data.size
        if n != 1:  # PyTorch's RuntimeError and words (still a ValueError, as NumPy's)
            raise AmbiguousTruthError(
                f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'}"
                f" is ambiguous (a tensor of shape {self.shape}: use .any() or .all(), or "
                ".item() on a one-element tensor)"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be an index")
        return int(self.item())

    __hash__ = object.__hash__

    # ---- conversion -------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> numpy.ndarray:
        """The values as a NumPy array (shares memory on the CPU; no graph). ``force`` is
        PyTorch's (a Python bool): the same array here, as a tensor that requires grad gives
        its values either way (README)."""
        bool_arg(force, "numpy", "force")
        return backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> numpy.ndarray:
        """NumPy's protocol: ``numpy.asarray(t)`` is ``t.numpy()`` (no copy on the CPU)."""
        a = backend.to_numpy(self._data)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __dlpack__(self, **kwargs: Any) -> Any:
        """The DLPack protocol (``torch.from_dlpack(t)``, ``torch.tensor(t)``,
        ``numpy.from_dlpack(t)``): the array's capsule, sharing memory. A tensor that requires
        grad is refused, as PyTorch refuses it (the consumer would not see the graph)."""
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._data.__dlpack_device__()

    def item(self) -> Scalar:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:  # PyTorch's RuntimeError, in its words (still a ValueError)
            raise ShapeMismatchError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar (item() "
                f"needs a tensor with one element, got shape {self._data.shape}; index one, "
                "e.g. x[0].item(), or take them all with x.tolist())"
            )
        return self._data.item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """A tensor sharing this data, cut from the graph (``requires_grad=False``)."""
        return Tensor._from_op(self._data, None, 0)

    def astype(self, dtype: Any) -> Tensor:
        """Cast to ``dtype`` (differentiable between floating dtypes)."""
        return F.astype(self, dtype)

    def float(self, *, memory_format: Any = preserve_format) -> Tensor:
        """``self.to(float32)``: the tensor itself when it is float32 (and in
        ``memory_format``), as PyTorch's; differentiable."""
        return _cast(self, numpy.float32, memory_format, "float")

    def double(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.float64, memory_format, "double")

    def long(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.int64, memory_format, "long")

    def int(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.int32, memory_format, "int")

    def bool(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.bool_, memory_format, "bool")

    def half(self, *, memory_format: Any = preserve_format) -> Tensor:
        """Cast to float16 (NumPy computes in it, slowly: it is for storage and tests)."""
        return _cast(self, numpy.float16, memory_format, "half")

    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """PyTorch's ``type``: without an argument the type name (``'deepgrad.FloatTensor'``,
        ``'deepgrad.cuda.LongTensor'``...); with a dtype (or such a name, ``'torch.LongTensor'``)
        the cast tensor, the tensor itself when it has that dtype. A name of no tensor type
        (``'Foo'``, a bare ``'FloatTensor'``) is PyTorch's ``ValueError`` ("invalid type:
        'Foo'"); a ``'torch.cuda.…'`` name without CUDA its ``RuntimeError``, never a CPU
        tensor."""
        bool_arg(non_blocking, "type", "non_blocking", 2)
        if kwargs.keys() - {"async"}:  # PyTorch's deprecated alias of non_blocking
            raise TypeError(f"type() got an unexpected keyword argument '{sorted(kwargs)[0]}'")
        if dtype is None:
            name = _TYPE_NAMES.get(self._data.dtype, str(self._data.dtype))
            cuda = ".cuda" if self.device.type == "cuda" else ""
            return f"deepgrad{cuda}.{name}"
        if isinstance(dtype, str):
            lib, _, rest = dtype.partition(".")
            cuda = rest.startswith("cuda.")
            short = rest.removeprefix("cuda.")
            if lib in ("torch", "deepgrad") and short in _TYPE_NAMES.values():
                if cuda and not backend.gpu:  # PyTorch without CUDA refuses, never a CPU copy
                    raise RuntimeError(
                        f"type({dtype!r}): CUDA is not available (deepgrad computes on a GPU "
                        "through CuPy after dg.set_backend('cupy')); for the CPU give "
                        f"'torch.{short}'"
                    )
                dtype = next(d for d, n in _TYPE_NAMES.items() if n == short)
            elif not _device.is_dtype(dtype):
                raise ValueError(
                    f"invalid type: {dtype!r} (type() takes a tensor type's full name such as "
                    "'torch.FloatTensor', or a dtype such as dg.float32)"
                )
        return F.astype(self, dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype (a tensor only, as PyTorch's)."""
        if not isinstance(other, Tensor):
            raise tensor_needed("type_as", "other", other)
        return F.astype(self, other.dtype)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    # ---- complex numbers (functional/complex.py) --------------------------------------------
    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    @property
    def real(self) -> Tensor:
        """The real part (a new tensor, not a view: README); a real tensor itself."""
        return F.real(self)

    @property
    def imag(self) -> Tensor:
        """The imaginary part of a complex tensor (a new tensor, not a view: README)."""
        return F.imag(self)

    def conj(self) -> Tensor:
        """The complex conjugate (computed, not a lazy view: ``is_conj()`` is False)."""
        return F.conj(self)

    def conj_physical(self) -> Tensor:
        return F.conj(self)

    def resolve_conj(self) -> Tensor:
        """The tensor itself: conjugates are never lazy here."""
        return self

    def is_conj(self) -> bool:
        return False

    def resolve_neg(self) -> Tensor:
        """The tensor itself: negations are never lazy here (PyTorch's, for a tensor without
        its negative bit)."""
        return self

    def is_neg(self) -> bool:
        return False

    def as_strided(self, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
        return _viewed(F.as_strided(self, size, stride, storage_offset), self)

    def storage_offset(self) -> int:
        return F.storage_offset(self)

    def angle(self) -> Tensor:
        return F.angle(self)

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.dtype.itemsize

    # ---- device ---------------------------------------------------------------------------
    @property
    def device(self) -> _device.device:
        """Where the array lives: ``device(type='cpu')`` (NumPy) or ``cuda:N`` (CuPy)."""
        return _device.of_array(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    # PyTorch's other layout and backend flags: a deepgrad tensor is a dense NumPy (or CuPy)
    # array, never sparse-compressed, meta, quantized, nested, or on those devices
    is_sparse_csr = is_meta = is_mps = is_xpu = is_ipu = is_mtia = is_maia = property(
        lambda self: False
    )
    is_vulkan = is_mkldnn = is_nested = is_quantized = property(lambda self: False)

    def to_dense(self, dtype: Any = None, *, masked_grad: bool = True) -> Tensor:
        """The tensor itself (it is dense already), or ``self.to(dtype)`` (PyTorch's)."""
        del masked_grad
        return self if dtype is None else self.to(dtype)

    @property
    def is_sparse(self) -> bool:
        """``False``: deepgrad's tensors are dense. The gradient of a ``sparse=True``
        embedding's table says ``True``, as PyTorch's (it holds the same numbers densely:
        ``deepgrad.functional.embedding.SparseGrad``)."""
        return False

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's ``to``, its three forms: ``to(dtype, non_blocking=False, copy=False)``,
        ``to(device=None, dtype=None, non_blocking=False, copy=False)`` and
        ``to(other, non_blocking=False, copy=False)`` (``other``'s device and dtype), each
        with the keyword ``memory_format``. Differentiable; returns the tensor itself when
        nothing changes, unless ``copy=True``. The flags are Python bools, as PyTorch's.

        >>> import deepgrad as dg
        >>> x = dg.ones(2)
        >>> x.to(dg.float32) is x, x.to(dg.float32, False, True) is x, x.to("cpu", dg.int64).dtype
        (True, False, dtype('int64'))
        """
        dev, dtype, copy, fmt = _to_arguments(args, kwargs)
        return _converted(self, dev, dtype, copy, fmt)

    def cpu(self, *, memory_format: Any = preserve_format) -> Tensor:
        """This tensor on the CPU (itself when it is there, in ``memory_format``)."""
        fmt = _format(memory_format, "cpu") if memory_format is not None else None
        return _converted(self, _device.device("cpu"), None, False, fmt)

    def cuda(self, device: Any = None, **kwargs: Any) -> Tensor:
        """This tensor on a GPU (through CuPy); a clear error where CUDA is not available."""
        dev = _device.device("cuda", device) if isinstance(device, int) else device
        return _to_device(self, _device.device(dev or "cuda"))

    def clone(self, *, memory_format: Any = preserve_format) -> Tensor:
        """A copy with its own data; differentiable (the gradient flows back unchanged).
        ``memory_format`` lays the copy out (see :class:`memory_format`; by default as this
        tensor is, as PyTorch's ``preserve_format``)."""
        fmt = _format(memory_format, "clone")
        if self.requires_grad and autograd.is_grad_enabled():
            return F.shape.copy_as(self, fmt.layout)
        return Tensor._from_op(fmt.layout(self._data), None, 0)

    def is_contiguous(self, memory_format: Any = contiguous_format) -> bool:
        """Whether the elements lie in memory in row-major order (``x.t()`` does not), or in
        the order ``memory_format`` names (read from the array's strides)."""
        return _format(memory_format, "is_contiguous").holds(self._data)

    def contiguous(self, memory_format: Any = contiguous_format) -> Tensor:
        """This tensor when it is contiguous (in ``memory_format``), else a copy laid out so
        (differentiable)."""
        fmt = _format(memory_format, "contiguous")
        if fmt is preserve_format:  # PyTorch 2.13 accepts it: row-major, as the default
            fmt = contiguous_format
        if fmt.holds(self._data):
            return self
        out = F.contiguous(self)
        out._data = fmt.layout(out._data)
        return out

    def dim(self) -> int:
        """The number of axes (PyTorch's name for ``ndim``)."""
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def nelement(self) -> int:
        return self._data.size

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"``: a 0-d tensor formats as its number (as in PyTorch)."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def isnan(self) -> Tensor:
        return Tensor._from_op(backend.xp.isnan(self._data), None, 0)

    def isinf(self) -> Tensor:
        return Tensor._from_op(backend.xp.isinf(self._data), None, 0)

    def isfinite(self) -> Tensor:
        return Tensor._from_op(backend.xp.isfinite(self._data), None, 0)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns ``self``. ``requires_grad`` is a
        Python bool, as PyTorch's parser takes it (``requires_grad_(1)`` is its ``TypeError``)."""
        if requires_grad is not True and requires_grad is not False:
            bool_arg(requires_grad, "requires_grad_", "requires_grad", 1)
        if self._creator is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise DtypeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}"
            )
        self._requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward`` (leaves, and non-leaves after
        ``retain_grad()``). Reading it on another non-leaf warns, as PyTorch does."""
        g = self._grad
        if g is None and self._creator is not None and self.requires_grad:
            if not self.retains_grad:
                warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        """PyTorch's checks: a tensor (or None) of this tensor's shape and dtype."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size {list(value.shape)} to a tensor "
                    f"of size {list(self.shape)}. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
            if value._data.dtype != self._data.dtype:
                raise DtypeError(
                    f"attempting to assign a gradient with dtype {value.dtype} to a tensor "
                    f"with dtype {self.dtype}. Please ensure that the gradient and the tensor "
                    "have the same dtype"
                )
        self._grad = value

    def zero_grad(self) -> None:
        self._grad = None

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` whenever the gradient with respect to this tensor is computed;
        a non-None result replaces it. Returns a handle with ``remove()``."""
        return autograd.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` of this non-leaf tensor after ``backward`` (accumulated over
        backward calls, as a leaf's)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._creator is None or self.retains_grad:
            return
        import weakref

        self._creator.__dict__.setdefault("_retain_grad", []).append(
            (self._index, weakref.ref(self))
        )

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor (False for leaves)."""
        if self._creator is None:
            return False
        return any(r() is self for _, r in self._creator.__dict__.get("_retain_grad", ()))

    # ---- autograd ---------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate ``d self / d leaf`` into the ``.grad`` of every leaf that requires grad.

        ``gradient`` (PyTorch's name) is the gradient flowing in (``dL/dself``); it may be
        omitted only when this tensor has a single element. ``retain_graph`` keeps the graph for another backward;
        ``create_graph`` records the backward pass so gradients can be differentiated again.
        ``inputs`` (tensors) limits the accumulation to them (see :func:`autograd.backward`).
        """
        seeds = autograd._seed_grads([self], gradient)
        if inputs is not None:
            autograd.backward([self], seeds, retain_graph, create_graph, inputs=inputs)
            return
        autograd.run_backward([self], seeds, bool(retain_graph or create_graph), create_graph)

    # ---- operators ----------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return F.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return F.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return F.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return F.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return F.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        """``other * self``, computed as PyTorch's ``self * other``."""
        return F.mul(self, other)

    def __truediv__(self, other: Any) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        """``other / self`` computed as PyTorch's ``reciprocal(self) * other`` (the same
        rounding: two steps, as there)."""
        return F.mul(F.reciprocal(self), other)

    def __pow__(self, other: Any) -> Tensor:
        return F.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return F.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return F.neg(self)

    def __pos__(self) -> Tensor:
        """``+x``: the tensor itself, as PyTorch's (a bool tensor is refused, as there)."""
        if self._data.dtype.kind == "b":
            raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
        return self

    positive = __pos__

    def __abs__(self) -> Tensor:
        return F.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        out = F.getitem(self, index)
        b = out._data.base  # _viewed_if_shared, inlined (the hottest view)
        if b is not None and (b is self._data or b is self._data.base):
            out._view = True
            if out._creator is None:
                _note_view_base(out, self)
        return out

    def __setitem__(self, index: Any, value: Any) -> None:
        # a value that requires grad written into an integer tensor is a plain copy (no graph:
        # the tensor cannot carry a gradient), as in PyTorch
        grad_value = isinstance(value, Tensor) and value.requires_grad
        if not (
            autograd.is_grad_enabled()
            and (self.requires_grad or (grad_value and self._data.dtype.kind in "fc"))
        ):
            self._assign(index, value)
            return
        _record_in_place(
            self, (value,), lambda p, v: _Assignment(index, v)(p, *_tensors(v)), "x[index] = value"
        )

    def _assign(self, index: Any, value: Any) -> None:
        _assign_array(self._data, index, value._data if isinstance(value, Tensor) else value)
        self._note_write()

    # ---- in place: PyTorch's `p -= lr * p.grad` under no_grad ------------------------------
    def _records(self, other: Any = None) -> bool:
        """Whether an operation on ``self`` (and ``other``) would be recorded in a graph (a
        view made without a graph of a tensor in one since, too: PyTorch's view replay)."""
        if not autograd.is_grad_enabled():
            return False
        if self.requires_grad or (isinstance(other, Tensor) and other.requires_grad):
            return True
        base = getattr(self, "_vbase", None) if self._creator is None else None
        for _ in range(_VIEW_DEPTH):  # the chain of views made without a graph
            if base is None:
                return False
            if base.requires_grad:
                return True
            base = getattr(base, "_vbase", None) if base._creator is None else None
        return False

    def _refuse_if_hooked(self) -> None:
        """PyTorch's error for an in-place change of a tensor that a module's full backward
        hooks wrapped (it would bypass them)."""
        if type(self._creator) is autograd.BackwardHookFunctionBackward:
            raise RuntimeError(
                f"Output {self._index} of BackwardHookFunction is a view and is being modified "
                "inplace. This view was created inside a custom Function (or because an input "
                "was returned as-is) and the autograd logic to handle view+inplace would "
                "override the custom backward associated with the custom Function, leading to "
                "incorrect gradients. This behavior is forbidden. You can fix this by cloning "
                "the output of the custom Function."
            )

    def _refuse_if_recorded(self, other: Any, what: str) -> None:
        if self._records(other):
            self._refuse_if_hooked()
            raise RuntimeError(
                f"{what}: an in-place operation on a tensor that takes part in the graph "
                f"(shape {self.shape}) would corrupt its gradients; do it under dg.no_grad() "
                "(e.g. a hand-written parameter update) or write the out-of-place form"
            )

    def _in_place(self, ufunc: Any, other: Any, what: str, op: Any = None) -> Tensor:
        """``self <- op(self, other)`` in the tensor's own memory and dtype. While this tensor
        or ``other`` takes part in a graph it is recorded as ``self <- op(self, other)`` (the
        out-of-place form; :func:`_record_in_place`). Otherwise the common case (``other`` of
        this float dtype, or a Python float into a float tensor) runs ``ufunc`` straight into
        the memory; any other pair computes ``op``'s result by PyTorch's promotion and writes
        it by :meth:`_store`'s rule (``uint8.add_(int32)`` wraps into uint8; a float result
        into an integer tensor is refused)."""
        if self._records(other):
            if op is None:
                self._refuse_if_recorded(other, what)
            return _record_in_place(self, (other,), op, what)
        if not self._data.flags.writeable:
            self._refuse_read_only(what)
        o = other._data if isinstance(other, Tensor) else other
        d = self._data.dtype
        od = getattr(o, "dtype", None)  # (``dtype == None`` is True: NumPy reads None as float64)
        if (
            d.kind in "fc"
            and ufunc is not None
            and ((od is not None and od == d) or (type(o) is float and d != numpy.float16))
        ):  # (float16 meeting a number computes as the out-of-place form, in float32 for * /)
            try:
                ufunc(self._data, o, out=self._data)
            except ValueError as e:  # broadcasting would change this tensor's shape
                raise self._shape_error(o, what, e) from None
            except backend.FP_ERRORS as e:  # the user's filters or numpy.seterr made an error
                # of NumPy's message (inf - inf, overflow: PyTorch's NaN/inf, silently). NumPy
                # reports after the loop, so the memory holds the result: running it again
                # would apply it twice. A Python number past the dtype's range fails before
                # the loop (its cast): that one is computed now, with the number as ±inf.
                if " in cast" in str(e):
                    with backend.quiet():
                        ufunc(self._data, o, out=self._data)
            self._note_write()
            return self
        if not isinstance(other, Tensor):
            other = Tensor._wrap(o) if hasattr(o, "dtype") and hasattr(o, "shape") else o
        return self._store(op(self.detach(), _detached(other)), what, o)

    def _note_write(self) -> None:
        """Tell the graph that this tensor's memory was written in place (not recorded)."""
        if not _UNTRACKED or _UNTRACKED.get(id(self)) is not self:
            autograd.note_write(self._data)

    def _shape_error(self, o: Any, what: str, e: Any) -> ValueError:
        """PyTorch's error for an in-place result that does not fit ``self`` ("output with
        shape [3] doesn't match the broadcast shape [2, 3]", a ``RuntimeError``; also a
        ``ValueError``, deepgrad's earlier class)."""
        oshape = getattr(o, "shape", ())
        try:
            full = list(numpy.broadcast_shapes(self.shape, tuple(oshape)))
            words = f"output with shape {list(self.shape)} doesn't match the broadcast shape {full}"
        except ValueError:
            words = broadcast_words(self.shape, tuple(oshape))
        return ShapeMismatchError(
            f"{words} ({what}: cannot update a tensor of shape {self.shape} in place with one of "
            f"shape {tuple(oshape)} ({e})"
        )

    def _refuse_read_only(self, what: str) -> None:
        """A write into memory NumPy holds read-only: an ``expand``/``broadcast_to`` view
        (one memory location behind several elements: PyTorch's ``RuntimeError``, in its
        words) or a read-only buffer; deepgrad refuses both, naming ``clone()``."""
        raise _read_only_error(self._data, what)

    def _store(self, result: Tensor, what: str, other: Any = None) -> Tensor:
        """Write an in-place operation's result into this tensor, as PyTorch does: of this
        shape (no broadcasting of ``self``), of a dtype that casts to this one by
        ``torch.can_cast`` (same or lower category), then cast, integers wrapping."""
        if not self._data.flags.writeable:
            self._refuse_read_only(what)
        if result.shape != self.shape:
            raise self._shape_error(other, what, f"the result has shape {result.shape}")
        self._check_cast(result, what)
        # a value past float16's range is inf there, silently as PyTorch's
        backend.silently(backend.xp.copyto, self._data, result._data, "unsafe")
        self._note_write()
        return self

    def _augmented(self, ufunc: Any, other: Any, out_of_place: Any, what: str) -> Tensor:
        """``self op= other``: in place, as PyTorch's (the tensor keeps its identity, dtype and
        memory: its views and other references see the result); while recording, the write is
        recorded as every in-place method's (:func:`_record_in_place`). A leaf that requires
        grad cannot be updated in place while the graph is recorded (PyTorch's rule)."""
        if self._records(other) and self._creator is None and self.requires_grad:
            self._refuse_if_hooked()
            raise RuntimeError(
                f"{what}: a leaf tensor that requires grad is used in an in-place operation; "
                "update parameters under dg.no_grad() (with dg.no_grad(): p -= lr * p.grad)"
            )
        return self._in_place(ufunc, other, what, out_of_place)

    def __iadd__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.add, other, F.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.subtract, other, F.sub, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.multiply, other, F.mul, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.true_divide, other, F.div, "/=")

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.floor_divide, "//=")

    def __imod__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.remainder, "%=")

    def __ipow__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.pow, "**=")

    def __iand__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.bitwise_and, "&=")

    def __ior__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.bitwise_or, "|=")

    def __ixor__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.bitwise_xor, "^=")

    def __ilshift__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.bitwise_left_shift, "<<=")

    def __irshift__(self, other: Any) -> Tensor:
        return self._augmented(None, other, F.bitwise_right_shift, ">>=")

    def add_(
        self, other: Any = _NO_ALPHA, /, *args: Any, alpha: Any = _NO_ALPHA, **kwargs: Any
    ) -> Tensor:
        """In place ``self += alpha * other`` (under ``no_grad`` for tensors in a graph);
        ``alpha`` scales ``other`` in the dtype of ``self + other``, as :meth:`add`."""
        if kwargs or other is _NO_ALPHA:  # x.add_(3, other=y): PyTorch's (alpha, other)
            other, alpha = F.elementwise.keyword_other("add_", other, args, alpha, kwargs)
        else:
            other, alpha = F.elementwise.positional_alpha("add_", other, args, alpha)
        if type(alpha) is int and alpha == 1:
            return self._in_place(backend.xp.add, other, "add_", F.add)
        if self._records(other):
            return _record_in_place(self, (other,), lambda t, o: t.add(o, alpha=alpha), "add_")
        if self._scaled_in_place(other, alpha, 1):
            return self
        result = F.elementwise.add_scaled(self.detach(), _detached(other), alpha, "add_")
        return self._store(result, "add_", other)

    def _scaled_in_place(self, other: Any, alpha: Any, sign: int) -> bool:
        """The common case of ``add_``/``sub_`` with ``alpha`` (``p.data.add_(p.grad,
        alpha=-lr)``) straight into the memory: ``other`` a tensor of this float32/float64
        dtype and shape, ``alpha`` a Python number. False (nothing done) otherwise."""
        d = self._data.dtype
        if not (
            isinstance(other, Tensor)
            and other._data.dtype == d
            and d.kind == "f"
            and d.itemsize > 2
            and type(alpha) in (int, float)
            and other._data.shape == self._data.shape
        ):
            return False
        with backend.quiet():  # overflow to inf, silently as PyTorch's
            backend.xp.add(self._data, other._data * (alpha * sign), out=self._data)
        self._note_write()
        return True

    def sub_(
        self, other: Any = _NO_ALPHA, /, *args: Any, alpha: Any = _NO_ALPHA, **kwargs: Any
    ) -> Tensor:
        """In place ``self -= alpha * other`` (see :meth:`add_`)."""
        if kwargs or other is _NO_ALPHA:  # x.sub_(3, other=y): PyTorch's (alpha, other)
            other, alpha = F.elementwise.keyword_other("sub_", other, args, alpha, kwargs)
        else:
            other, alpha = F.elementwise.positional_alpha("sub_", other, args, alpha)
        if type(alpha) is int and alpha == 1:
            return self._in_place(backend.xp.subtract, other, "sub_", F.sub)
        if self._records(other):
            return _record_in_place(self, (other,), lambda t, o: t.sub(o, alpha=alpha), "sub_")
        if self._scaled_in_place(other, alpha, -1):
            return self
        result = F.elementwise.add_scaled(self.detach(), _detached(other), alpha, "sub_", True)
        return self._store(result, "sub_", other)

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        """In place ``self += weight * (end - self)`` (an exponential moving average step),
        computed as :func:`~deepgrad.lerp` (PyTorch's formula and dtype rules)."""
        if self._records(end) or self._records(weight):
            return _record_in_place(self, (end, weight), F.lerp, "lerp_")
        return self._store(F.lerp(self.detach(), _detached(end), _detached(weight)), "lerp_")

    def addcmul_(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        """In place ``self += value * tensor1 * tensor2``."""
        if self._records(tensor1) or self._records(tensor2):
            return _record_in_place(
                self,
                (tensor1, tensor2),
                lambda t, a, b: F.addcmul(t, a, b, value=value),
                "addcmul_",
            )
        t1, t2 = _detached(tensor1), _detached(tensor2)
        return self._store(F.addcmul(self.detach(), t1, t2, value=value), "addcmul_")

    def addcdiv_(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        """In place ``self += value * tensor1 / tensor2``."""
        if self._records(tensor1) or self._records(tensor2):
            return _record_in_place(
                self,
                (tensor1, tensor2),
                lambda t, a, b: F.addcdiv(t, a, b, value=value),
                "addcdiv_",
            )
        t1, t2 = _detached(tensor1), _detached(tensor2)
        return self._store(F.addcdiv(self.detach(), t1, t2, value=value), "addcdiv_")

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """In place: ``value`` where ``mask`` (broadcast to this tensor's shape) is True."""
        m = F.elementwise._fill_mask(self, mask, value, "masked_fill_")
        if numpy.broadcast_shapes(m.shape, self.shape) != self.shape:
            raise IndexShapeError(
                f"masked_fill_: output with shape {self.shape} doesn't match the broadcast shape "
                f"{numpy.broadcast_shapes(m.shape, self.shape)} (the mask's {m.shape})"
            )
        if self._records(value):
            return _record_in_place(
                self, (value,), lambda t, v: F.elementwise._filled(t, m, v), "masked_fill_"
            )
        value = (
            _arr(value)
            if isinstance(value, Tensor)
            else _checked_scalar(value, self.dtype, op=True)
        )
        target = self._data
        if not target.flags.writeable:  # an expanded view: PyTorch writes it, and warns
            target = _writable_alias(target, "masked_fill_")
            warnings.warn(_EXPANDED_DEPRECATED.format("masked_fill_", "mask", "scalar"),
                          UserWarning, stacklevel=2)  # fmt: skip
        target[backend.xp.broadcast_to(m, self.shape)] = value
        self._note_write()
        return self

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph, in place. A view (``x[1:]``, ``x.t()``,
        ``x.view(...)``, ``x.split(...)``, ... of any tensor; ``F.narrow(x, ...)`` and the other
        function forms of a leaf) is refused, as PyTorch refuses views."""
        inputs = getattr(self._creator, "inputs", None) or ()
        if getattr(self, "_view", False) or any(
            isinstance(x, Tensor)
            and x._creator is None
            and backend.xp.may_share_memory(self._data, x._data)
            for x in inputs
        ):
            raise RuntimeError(_DETACH_VIEW)
        self._creator, self._requires_grad = None, False
        return self

    def mul_(self, other: Any) -> Tensor:
        return self._in_place(backend.xp.multiply, other, "mul_", F.mul)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """In place ``self / other`` (``rounding_mode`` as :meth:`div`'s); a float quotient
        into an integer tensor is refused, as PyTorch refuses it."""
        if rounding_mode is None:
            return self._in_place(backend.xp.true_divide, other, "div_", F.div)
        return self._in_place(
            None, other, "div_", lambda t, o: F.div(t, o, rounding_mode=rounding_mode)
        )

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """Overwrite the values with ``src`` (broadcast to this shape, cast to this dtype as
        PyTorch casts: a float into an integer tensor is truncated). ``non_blocking`` is
        PyTorch's flag for asynchronous device copies: a bool, and the copy is done when
        this returns either way."""
        bool_arg(non_blocking, "copy_", "non_blocking", 2)
        if self._records(src):
            return _record_in_place(self, (src,), _copied, "copy_")
        o = backend.xp.asarray(src._data if isinstance(src, Tensor) else src)
        if not self._data.flags.writeable:
            self._refuse_read_only("copy_")
        try:
            backend.xp.copyto(self._data, o, casting="unsafe")
        except ValueError as e:  # PyTorch's class (RuntimeError) and words
            raise ShapeMismatchError(
                f"{broadcast_words(self.shape, o.shape)} (copy_: {e})"
            ) from None
        self._note_write()
        return self

    def fill_(self, value: Any) -> Tensor:
        """Every element becomes ``value`` (a number or a 0-d tensor, as PyTorch takes)."""
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                "dimensions (index it to a 0-d tensor, or use copy_ to broadcast a tensor)"
            )
        if not self._data.flags.writeable and not self._records(value):
            # an expanded view: every element takes the one value, as PyTorch writes it
            alias = _writable_alias(self._data, "fill_")
            v = value._data if isinstance(value, Tensor) else value
            backend.xp.copyto(alias, backend.xp.asarray(v), casting="unsafe")
            self._note_write()
            return self
        return self.copy_(value)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
        """In place ``clamp``: values below ``min`` become ``min``, above ``max`` ``max``."""
        if self._records(min) or self._records(max):
            return _record_in_place(self, (min, max), F.clamp, "clamp_")
        if (
            self._data.dtype.kind == "f"
            and type(min) in _FLOAT_OR_NONE
            and type(max) in _FLOAT_OR_NONE
            and (min is not None or max is not None)
        ):
            for v in (min, max):  # 1e5 into float16 raises, as PyTorch's number bounds
                if v is not None:
                    backend.check_number(v, self._data.dtype, "clamp_")
            if not self._data.flags.writeable:
                self._refuse_read_only("clamp_")
            backend.xp.clip(self._data, min, max, out=self._data)
            self._note_write()
            return self
        return self._store(F.clamp(self.detach(), _detached(min), _detached(max)), "clamp_")

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from U(a, b) (deepgrad's generator, ``dg.manual_seed`` applies, or
        ``generator``); the bounds PyTorch refuses (:func:`check_uniform_bounds`) and integer
        tensors raise its errors."""
        check_uniform_bounds(self._data.dtype, a, b)
        return self.copy_(_draw_like(self, _torch_rng.uniform, generator, a, b))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from N(mean, std²) (deepgrad's generator, or ``generator``);
        ``std < 0`` (or NaN) raises PyTorch's ``RuntimeError`` (also a ValueError)."""
        if self._data.dtype.kind in "biu":  # PyTorch has no kernel for them
            raise DtypeNotImplementedError(
                f'"normal_kernel_cpu" not implemented for '
                f"'{kernel_dtype_name(self._data.dtype)}' (normal_ fills floating tensors)"
            )
        if not std >= 0:  # NaN too, as PyTorch
            raise ValueRangeError(f"normal expects std >= 0.0, but found std {std}")
        return self.copy_(_draw_like(self, _torch_rng.normal, generator, mean, std))

    def _compare(self, other: Any, op: Any) -> Tensor:
        o = other._data if isinstance(other, Tensor) else other
        if isinstance(o, numpy.ndarray) and backend.gpu:
            o = backend.xp.asarray(o)  # a host array beside a device tensor
        if op not in (numpy.equal, numpy.not_equal):  # PyTorch does not order complex numbers
            F.elementwise._refuse_complex_order(op.__name__, self, o)
        a = self._data
        if type(o) is int and a.dtype.kind in "iu":  # PyTorch casts it, wrapping
            o = backend.wrap_int(o, a.dtype)
        elif getattr(o, "dtype", a.dtype) != a.dtype or (
            type(o) is float and a.dtype.kind in "iub"
        ):
            # compared in PyTorch's common dtype (``result_type``), not NumPy's: a float32
            # tensor equals a 0-d float64 tensor of its value rounded to float32
            dt = backend.result_type(a, o)
            with backend.quiet():  # past float16's range: inf, silently as PyTorch's
                a = a.astype(dt, copy=False)
                o = o.astype(dt, copy=False) if hasattr(o, "astype") else backend.xp.asarray(o, dt)
        return Tensor._from_op(backend.silently(op, a, o), None, 0)  # 1e5 in float16: inf

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if _not_comparable(other):
            return NotImplemented  # PyTorch's: ``mask == None`` is False, ``!=`` True
        return self._compare(other, numpy.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if _not_comparable(other):
            return NotImplemented
        return self._compare(other, numpy.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.greater_equal)

    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def lt(self, other: Any) -> Tensor:
        return self < other

    def le(self, other: Any) -> Tensor:
        return self <= other

    def gt(self, other: Any) -> Tensor:
        return self > other

    def ge(self, other: Any) -> Tensor:
        return self >= other

    # PyTorch's aliases of the comparisons
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def equal(self, other: Any) -> bool:
        """True when ``other`` has this shape and the same values."""
        o = other._data if isinstance(other, Tensor) else backend.xp.asarray(other)
        return self._data.shape == o.shape and bool((self._data == o).all())

    def __invert__(self) -> Tensor:
        return Tensor._from_op(~self._data, None, 0)

    def __and__(self, other: Any) -> Tensor:
        """``&``: bitwise AND of integer/bool tensors (logical for bool), as PyTorch."""
        return F.bitwise_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        """``|``: bitwise OR of integer/bool tensors (logical for bool), as PyTorch."""
        return F.bitwise_or(self, other)

    # ---- methods (thin calls into deepgrad.functional) ----------------------------------
    @torch_names
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.sum(self, dim, keepdim, dtype=dtype)

    @torch_names
    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.mean(self, dim, keepdim, dtype=dtype)

    @torch_names
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``x.max()`` the largest element; ``x.max(dim)`` the pair ``(values, indices)``;
        ``x.max(other)`` the elementwise maximum (PyTorch's three forms)."""
        return F.max(self, dim, keepdim)

    @torch_names
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``x.min()``, ``x.min(dim)`` → ``(values, indices)``, ``x.min(other)``."""
        return F.min(self, dim, keepdim)

    def var(self, *args: Any, **kwargs: Any) -> Tensor:
        """``F.var(x, ...)``: the arguments go on as they came, positional or keyword, for
        PyTorch's overloads tell them apart (``x.var(True)`` is unbiased over all dims;
        ``x.var(dim=True)`` a ``TypeError``)."""
        return F.var(self, *args, **kwargs)

    # the signature shown (inspect, help): PyTorch's, (dim, unbiased, keepdim, *, correction)
    var.__wrapped__ = lambda self, dim=None, unbiased=None, keepdim=False, *, correction=None: ...

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        """``F.std(x, ...)``, the arguments as they came (see :meth:`var`)."""
        return F.std(self, *args, **kwargs)

    std.__wrapped__ = lambda self, dim=None, unbiased=None, keepdim=False, *, correction=None: ...

    @torch_names
    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return F.logsumexp(self, dim, keepdim)

    @torch_names
    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind == "b":
            raise RuntimeError("argmax(): does not support bool input (convert it: x.long())")
        _refuse_complex_order("argmax", self)
        return Tensor._from_op(_arg_extreme(self._data, "argmax", dim, keepdim), None, 0)

    @torch_names
    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind == "b":
            raise RuntimeError("argmin(): does not support bool input (convert it: x.long())")
        _refuse_complex_order("argmin", self)
        return Tensor._from_op(_arg_extreme(self._data, "argmin", dim, keepdim), None, 0)

    def reshape(self, *shape: Any, **kw: Any) -> Tensor:
        shape = _sizes_or_keyword(shape, kw, "reshape", "shape")
        return _viewed_if_shared(F.reshape(self, shape[0] if len(shape) == 1 else shape), self)

    def view(self, *shape: Any, **kw: Any) -> Tensor:
        """``view(shape)`` (or ``view(size=shape)``): the same values in another shape;
        ``view(dtype)``: the same bytes read as another dtype (PyTorch's; not differentiable):
        same itemsize, same shape; a different one scales the last dim, which must then be
        contiguous."""
        shape = _sizes_or_keyword(shape, kw, "view", "size", "dtype")
        if len(shape) == 1 and isinstance(shape[0], (numpy.dtype, type, str)):
            return self._view_dtype(numpy.dtype(shape[0]))
        out = F.reshape(self, shape[0] if len(shape) == 1 else shape)
        if _strides_as_torch(self) and not backend.xp.may_share_memory(out._data, self._data):
            raise ShapeMismatchError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
                f"(view: a tensor of shape {self.shape} with strides "
                f"{tuple(st // self._data.itemsize for st in self._data.strides)} cannot be read "
                f"as shape {out.shape} without copying; .reshape copies)"
            )
        return _viewed_if_shared(out, self)

    def _view_dtype(self, dt: numpy.dtype) -> Tensor:
        a, size = self._data, self._data.dtype.itemsize
        if dt.itemsize != size:
            what = f"to view {a.dtype} as {dt} (different element sizes)"
            if a.ndim == 0:
                raise RuntimeError(f"view: a 0-d tensor has no last dim {what}")
            if a.strides[-1] != size and a.shape[-1] != 1:
                raise RuntimeError(f"view: the last dim must be contiguous {what}")
            if (a.shape[-1] * size) % dt.itemsize:
                raise RuntimeError(
                    f"view: the last dim's size {a.shape[-1]} must be divisible by "
                    f"{dt.itemsize // size} {what}"
                )
        return Tensor._from_op(a.view(dt), None, 0)

    def transpose(self, *axes: Any, dim0: Any = None, dim1: Any = None) -> Tensor:
        """Permute axes: ``t.transpose()`` reverses them; ``t.transpose(0, 1)`` (or PyTorch's
        ``t.transpose(dim0=0, dim1=1)``) swaps two (PyTorch's convention for two arguments);
        a full permutation works too."""
        if dim0 is not None or dim1 is not None:
            axes = _transpose_dims(axes, dim0, dim1)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            return _viewed(F.swapaxes(self, axes[0], axes[1]), self)
        return _viewed(F.permute(self, axes or tuple(range(self.ndim - 1, -1, -1))), self)

    def permute(self, *axes: Any, **kw: Any) -> Tensor:
        axes = _sizes_or_keyword(axes, kw, "permute", "dims")
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _viewed(F.permute(self, axes), self)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Exchange two axes (PyTorch's alias of ``transpose``, its arguments ``axis0``,
        ``axis1``)."""
        return _viewed(F.swapaxes(self, axis0, axis1), self)

    def expand(self, *shape: Any, size: Any = None) -> Tensor:
        """``x`` repeated along its size-1 dims (and new leading ones) to ``size``, given as
        ints, one sequence or ``size=`` (``-1`` keeps a dim): a view, as PyTorch's."""
        if size is not None:
            if shape:
                raise TypeError("expand: the size was given both positionally and as size=")
            shape = (size,)
        return _viewed(F.broadcast_to(self, shape[0] if len(shape) == 1 else shape), self)

    broadcast_to = expand  # PyTorch's method takes the same arguments

    @torch_names
    def squeeze(self, dim: Any = None, *dims: Any) -> Tensor:
        """The size-1 dims removed (every one, or those of ``dim``: an int, a tuple, or
        PyTorch's varargs ``x.squeeze(0, 2)``)."""
        return _viewed(F.squeeze(self, _varargs_dims(dim, dims)), self)

    @torch_names
    def unsqueeze(self, dim: int) -> Tensor:
        return _viewed(F.unsqueeze(self, dim), self)

    @torch_names
    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _viewed_if_shared(F.flatten(self, start_dim, end_dim), self)

    def exp(self) -> Tensor:
        return F.exp(self)

    def log(self) -> Tensor:
        return F.log(self)

    def sqrt(self) -> Tensor:
        return F.sqrt(self)

    def abs(self) -> Tensor:
        return F.abs(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return F.clip(self, min, max)

    def relu(self) -> Tensor:
        return F.relu(self)

    def sigmoid(self) -> Tensor:
        return F.sigmoid(self)

    def tanh(self) -> Tensor:
        return F.tanh(self)

    @torch_names
    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        # an int: F.softmax's dim=None (PyTorch's implicit dim) is not the method's
        return F.softmax(self, int_arg(dim, "softmax", "dim", 1), dtype=dtype)

    @torch_names
    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return F.log_softmax(self, int_arg(dim, "log_softmax", "dim", 1), dtype=dtype)

    def matmul(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    def mm(self, mat2: Any) -> Tensor:
        """Matrix product of two 2-D tensors (PyTorch's ``mm``: no broadcasting, no vectors;
        :meth:`matmul` takes those)."""
        for name, t in (("self", self), ("mat2", mat2)):
            if getattr(t, "ndim", 0) != 2:
                raise MatrixShapeError(
                    f"{name} must be a matrix (mm: expected two 2-D tensors, got shapes "
                    f"{self.shape} and {getattr(mat2, 'shape', ())}; matmul takes others)"
                )
        return F.matmul(self, mat2)

    def add(
        self, other: Any = _NO_ALPHA, /, *args: Any, alpha: Any = _NO_ALPHA, **kwargs: Any
    ) -> Tensor:
        """``self + alpha * other``, in the dtype of ``self + other`` (PyTorch's ``alpha``
        rules: :func:`~deepgrad.functional.elementwise.add_scaled`; ``alpha`` keyword-only
        with a tensor ``other``, as PyTorch's overloads:
        :func:`~deepgrad.functional.elementwise.positional_alpha`)."""
        if kwargs or other is _NO_ALPHA:  # x.add(3, other=y): PyTorch's (alpha, other)
            other, alpha = F.elementwise.keyword_other("add", other, args, alpha, kwargs)
        else:
            other, alpha = F.elementwise.positional_alpha("add", other, args, alpha)
        if type(alpha) is int and alpha == 1:
            return F.add(self, other)
        return F.elementwise.add_scaled(self, other, alpha, "add")

    def sub(
        self, other: Any = _NO_ALPHA, /, *args: Any, alpha: Any = _NO_ALPHA, **kwargs: Any
    ) -> Tensor:
        """``self - alpha * other``, in the dtype of ``self - other`` (see :meth:`add`)."""
        if kwargs or other is _NO_ALPHA:  # x.sub(3, other=y): PyTorch's (alpha, other)
            other, alpha = F.elementwise.keyword_other("sub", other, args, alpha, kwargs)
        else:
            other, alpha = F.elementwise.positional_alpha("sub", other, args, alpha)
        if type(alpha) is int and alpha == 1:
            return F.sub(self, other)
        return F.elementwise.add_scaled(self, other, alpha, "sub", negate=True)

    def mul(self, other: Any) -> Tensor:
        return F.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return F.div(self, other, rounding_mode=rounding_mode)

    def maximum(self, other: Any) -> Tensor:
        return F.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return F.minimum(self, other)

    def t(self) -> Tensor:
        """The transpose of a matrix (of a tensor of fewer dims: a view of it, as PyTorch's)."""
        if self._data.ndim > 2:
            raise ShapeMismatchError(
                f"t() expects a tensor with <= 2 dims, got shape {self.shape}; "
                "use transpose(dim0, dim1) or permute"
            )
        out = F.transpose(self, 0, 1) if self._data.ndim == 2 else F.reshape(self, self.shape)
        return _viewed(out, self)

    def view_as(self, other: Tensor) -> Tensor:
        return _viewed_if_shared(F.reshape(self, other.shape), self)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _viewed_if_shared(F.reshape(self, other.shape), self)

    def expand_as(self, other: Tensor) -> Tensor:
        return _viewed(F.broadcast_to(self, other.shape), self)

    def tril(self, diagonal: int = 0) -> Tensor:
        return F.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return F.triu(self, diagonal)

    # ---- new tensors like this one (its dtype and device unless given) ---------------------
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, **kw: Any) -> Tensor:
        return zeros(*size, dtype=_or(dtype, self.dtype), device=_or(device, self.device), **kw)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, **kw: Any) -> Tensor:
        return ones(*size, dtype=_or(dtype, self.dtype), device=_or(device, self.device), **kw)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, **kw: Any) -> Tensor:
        return empty(*size, dtype=_or(dtype, self.dtype), device=_or(device, self.device), **kw)

    def new_full(
        self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None, **kw: Any
    ) -> Tensor:
        return full(
            size, fill_value, dtype=_or(dtype, self.dtype), device=_or(device, self.device), **kw
        )

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, **kw: Any) -> Tensor:
        """A new leaf tensor of ``data`` (a copy), with this tensor's dtype unless given."""
        return tensor(data, dtype=_or(dtype, self.dtype), device=_or(device, self.device), **kw)

    # PyTorch's names for the rest of deepgrad.functional (same semantics as torch.Tensor's)
    def pow(self, exponent: Any) -> Tensor:
        return F.pow(self, exponent)

    def neg(self) -> Tensor:
        return F.neg(self)

    @torch_names
    def flip(self, *args: Any, dims: Any = None) -> Tensor:
        """Reverse along ``x.flip(0, 1)``, ``x.flip((0, 1))`` or ``x.flip(dims=(0, 1))``."""
        if args and dims is not None:
            raise TypeError(
                f"Tensor.flip() got dims both positionally {args} and as a keyword {dims!r}"
            )
        if not args and dims is None:  # PyTorch's: not NumPy's flip of every dim
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        return F.flip(self, _dims(args) if dims is None else dims)

    @torch_names
    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return F.roll(self, shifts, dims)

    @torch_names
    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        return tuple(_viewed(t, self) for t in F.chunk(self, chunks, dim))

    @torch_names
    def split(self, split_size: Any, dim: int = 0) -> tuple:
        """``split_size`` (PyTorch's name on the method): an int or a list of sizes."""
        return tuple(_viewed(t, self) for t in F.split(self, split_size, dim))

    def repeat(self, *sizes: Any, **kw: Any) -> Tensor:
        """Tile along each dim: ``x.repeat(2, 1)``, ``x.repeat((2, 1))`` or
        ``x.repeat(repeats=(2, 1))`` (PyTorch's)."""
        return F.repeat(self, _dims(_sizes_or_keyword(sizes, kw, "repeat", "repeats")))

    def tile(self, *dims: Any, **kw: Any) -> Tensor:
        if not dims and not kw:
            raise TypeError('tile() missing 1 required positional arguments: "dims"')
        return F.tile(self, _dims(_sizes_or_keyword(dims, kw, "tile", "dims")))

    @torch_names
    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        return _viewed(F.narrow(self, dim, start, length), self)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _viewed(F.movedim(self, source, destination), self)

    @torch_names
    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        return _viewed(F.unflatten(self, dim, sizes), self)

    @torch_names
    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
        return F.gather(self, dim, index)

    @torch_names
    def index_select(self, dim: int, index: Any) -> Tensor:
        return F.index_select(self, dim, index)

    @torch_names
    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        return F.take_along_dim(self, indices, dim)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return F.masked_fill(self, mask, value)

    @torch_names
    def sort(self, dim: int = -1, descending: bool = False, **kwargs: Any) -> Any:
        return F.sort(self, dim, descending, **kwargs)

    @torch_names
    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        return F.argsort(self, dim, descending, stable=stable)

    @torch_names
    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return F.topk(self, k, dim, largest, sorted)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition`` holds, else ``other`` (PyTorch's ``Tensor.where``)."""
        return F.where(condition, self, other)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return F.clamp(self, min, max)

    def sign(self) -> Tensor:
        return F.sign(self)

    def floor(self) -> Tensor:
        return F.floor(self)

    def ceil(self) -> Tensor:
        return F.ceil(self)

    def round(self, decimals: int | None = None) -> Tensor:
        return F.round(self, decimals)

    def sin(self) -> Tensor:
        return F.sin(self)

    def cos(self) -> Tensor:
        return F.cos(self)

    def log1p(self) -> Tensor:
        return F.log1p(self)

    def expm1(self) -> Tensor:
        return F.expm1(self)

    def square(self) -> Tensor:
        return F.square(self)

    def rsqrt(self) -> Tensor:
        return F.rsqrt(self)

    def reciprocal(self) -> Tensor:
        return F.reciprocal(self)

    @torch_names
    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        return F.cumsum(self, dim, dtype=dtype)

    @torch_names
    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        return F.cumprod(self, dim, dtype=dtype)

    @torch_names
    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.prod(self, dim, keepdim, dtype=dtype)

    @torch_names
    def norm(
        self, p: float | str = 2, dim: Any = None, keepdim: bool = False, dtype: Any = None
    ) -> Tensor:
        return F.norm(self, p, dim, keepdim, dtype=dtype)

    @torch_names
    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return F.amax(self, dim, keepdim)

    @torch_names
    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return F.amin(self, dim, keepdim)

    @torch_names
    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return F.all(self, dim, keepdim)

    @torch_names
    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return F.any(self, dim, keepdim)

    def outer(self, vec2: Any) -> Tensor:
        return F.outer(self, vec2)

    def bmm(self, mat2: Any) -> Tensor:
        return F.bmm(self, mat2)

    def dot(self, other: Any) -> Tensor:
        return F.dot(self, other)

    # ---- PyTorch's further names (issue 13): operators, order statistics, indexing, ...; each
    # a thin call into deepgrad.functional with torch.Tensor's arguments ----------------------
    def __floordiv__(self, other: Any) -> Tensor:
        return F.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return F.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return F.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return F.remainder(other, self)

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two dims swapped (a batch of transposed matrices)."""
        if self.ndim < 2:
            raise ShapeMismatchError(
                "tensor.mT is only supported on matrices or batches of matrices. Got "
                f"{self.ndim}-D tensor.; mT: expects a tensor with at least 2 dims, got shape {self.shape}"
            )
        return _viewed(F.swapaxes(self, -2, -1), self)

    @property
    def mH(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a batch of matrices: ``mT`` (a view) for a real tensor;
        for a complex one ``conj`` of it, a new tensor (``conj`` is never lazy: README)."""
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.mH is only supported on matrices or batches of matrices. Got "
                f"{self.ndim}-D tensor."
            )
        if self._data.dtype.kind != "c":
            return _viewed(F.swapaxes(self, -2, -1), self)
        return F.conj(F.swapaxes(self, -2, -1))

    def adjoint(self) -> Tensor:
        """``mH`` under PyTorch's other name."""
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                f"{self.ndim}-D tensor."
            )
        return self.mH

    @property
    def H(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix (``mH`` of a 2-D tensor)."""
        if self.ndim != 2:
            raise RuntimeError(
                "tensor.H is only supported on matrices (2-D tensors). Got "
                f"{self.ndim}-D tensor."
                + (" For batches of matrices, consider using tensor.mH" if self.ndim > 2 else "")
            )
        return self.mH

    def floor_divide(self, other: Any) -> Tensor:
        return F.floor_divide(self, other)

    def remainder(self, other: Any) -> Tensor:
        return F.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        return F.fmod(self, other)

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        return F.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        return F.clamp_max(self, max)

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self.clamp_(min, max)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        return F.lerp(self, end, weight)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return F.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return F.addcdiv(self, tensor1, tensor2, value=value)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return F.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return F.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def kron(self, other: Any) -> Tensor:
        return F.kron(self, other)

    @torch_names
    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        return F.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Tensor:
        return F.corrcoef(self)

    def matrix_power(self, n: int) -> Tensor:
        return F.matrix_power(self, n)

    @torch_names
    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        return F.renorm(self, p, dim, maxnorm)

    @torch_names
    def renorm_(self, p: float, dim: int, maxnorm: float) -> Tensor:
        return self._write_op(None, "renorm_", lambda t, _: F.renorm(t, p, dim, maxnorm))

    def xlogy(self, other: Any) -> Tensor:
        return F.xlogy(self, other)

    def nan_to_num(self, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Tensor:
        return F.nan_to_num(self, nan, posinf, neginf)

    def erf(self) -> Tensor:
        return F.erf(self)

    def erfc(self) -> Tensor:
        return F.erfc(self)

    def erfinv(self) -> Tensor:
        return F.erfinv(self)

    def dist(self, other: Any, p: float = 2) -> Tensor:
        return F.dist(self, other, p)

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        return F.isclose(self, other, rtol, atol, equal_nan)

    def allclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        return F.allclose(self, other, rtol, atol, equal_nan)

    @torch_names
    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        return F.median(self, dim, keepdim)

    @torch_names
    def nanmedian(self, dim: Any = None, keepdim: bool = False) -> Any:
        return F.nanmedian(self, dim, keepdim)

    @torch_names
    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return F.kthvalue(self, k, dim, keepdim)

    @torch_names
    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return F.mode(self, dim, keepdim)

    @torch_names
    def quantile(
        self, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        return F.quantile(self, q, dim, keepdim, interpolation=interpolation)

    @torch_names
    def nanquantile(
        self, q: Any, dim: Any = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        return F.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    @torch_names
    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.nanmean(self, dim, keepdim, dtype=dtype)

    @torch_names
    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return F.nansum(self, dim, keepdim, dtype=dtype)

    @torch_names
    def aminmax(self, *, dim: Any = None, keepdim: bool = False) -> Any:
        return F.aminmax(self, dim=dim, keepdim=keepdim)

    @torch_names
    def logcumsumexp(self, dim: int) -> Tensor:
        return F.logcumsumexp(self, dim)

    @torch_names
    def cummax(self, dim: int) -> Any:
        return F.cummax(self, dim)

    @torch_names
    def cummin(self, dim: int) -> Any:
        return F.cummin(self, dim)

    @torch_names
    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        return F.diff(self, n, dim, prepend, append)

    @torch_names
    def count_nonzero(self, dim: Any = None, *dims: Any) -> Tensor:
        """The number of nonzero elements (over ``dim``: an int, a tuple, or PyTorch's varargs
        ``x.count_nonzero(0, 1)``)."""
        return F.count_nonzero(self, _varargs_dims(dim, dims))

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return F.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        return F.argwhere(self)

    @torch_names
    def unique(
        self,
        sorted: bool = True,
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: Any = None,
    ) -> Any:  # noqa: A002
        return F.unique(self, sorted, return_inverse, return_counts, dim)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        return F.histc(self, bins, min, max)

    @torch_names
    def unique_consecutive(
        self, return_inverse: bool = False, return_counts: bool = False, dim: Any = None
    ) -> Any:
        return F.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        return F.bincount(self, weights, minlength)

    @torch_names
    def unbind(self, dim: int = 0) -> tuple:
        return tuple(_viewed(t, self) for t in F.unbind(self, dim))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return _viewed(F.diagonal(self, offset, dim1, dim2), self)

    def diag(self, diagonal: int = 0) -> Tensor:
        return F.diag(self, diagonal)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return F.diag_embed(self, offset, dim1, dim2)

    def trace(self) -> Tensor:
        return F.trace(self)

    @torch_names
    def scatter(
        self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        return F.scatter(self, dim, index, src, value=value, reduce=reduce)

    @torch_names
    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        return F.scatter_add(self, dim, index, src)

    @torch_names
    def scatter_reduce(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        return F.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    @torch_names
    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return F.index_add(self, dim, index, source, alpha=alpha)

    @torch_names
    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        return F.index_fill(self, dim, index, value)

    @torch_names
    def index_reduce(
        self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        return F.index_reduce(self, dim, index, source, reduce, include_self=include_self)

    @torch_names
    def index_reduce_(
        self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        return self._write_op(
            source,
            "index_reduce_",
            lambda t, s: F.index_reduce(t, dim, index, s, reduce, include_self=include_self),
        )

    def _write(self, result: Tensor, what: str) -> Tensor:
        """The in-place form of an out-of-place result: its values copied into this tensor
        (PyTorch's error for a result of a higher category: a float into an integer tensor)."""
        self._check_cast(result, what)
        backend.xp.copyto(self._data, result._data, casting="same_kind")
        return self

    def _check_cast(self, result: Tensor, what: str) -> None:
        """PyTorch's refusal of an in-place result that does not cast to this tensor's dtype by
        ``torch.can_cast`` (a higher category: a float into an integer tensor)."""
        if not backend.can_cast(result.dtype, self._data.dtype):
            raise DtypeError(
                f"{what}: result type {kernel_dtype_name(result.dtype)} can't be cast to the "
                f"desired output type {kernel_dtype_name(self._data.dtype)} (PyTorch's rule "
                f"for in-place operations: {result.dtype} into {self._data.dtype}; write the "
                "out-of-place form, or convert the tensor first)"
            )

    def _write_op(self, source: Any, what: str, compute: Any) -> Tensor:
        """The in-place form of ``compute(self, source)`` (an out-of-place function), written
        into this tensor's memory; recorded in the graph (:func:`_record_in_place`) when this
        tensor or the source takes part in one, as PyTorch records it."""
        if not self._records(source):
            self._write(compute(self.detach(), _detached(source)), what)
            self._note_write()
            return self
        return _record_in_place(self, (source,), compute, what)

    @torch_names
    def scatter_(
        self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        return self._write_op(
            src, "scatter_", lambda t, s: F.scatter(t, dim, index, s, value=value, reduce=reduce)
        )

    @torch_names
    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        return self._write_op(src, "scatter_add_", lambda t, s: F.scatter_add(t, dim, index, s))

    @torch_names
    def scatter_reduce_(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        return self._write_op(
            src,
            "scatter_reduce_",
            lambda t, s: F.scatter_reduce(t, dim, index, s, reduce, include_self=include_self),
        )

    @torch_names
    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return self._write_op(
            source, "index_add_", lambda t, s: F.index_add(t, dim, index, s, alpha=alpha)
        )

    @torch_names
    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        if not self._data.flags.writeable and not self._records(value):
            return self._index_fill_expanded(dim, index, value)
        return self._write_op(value, "index_fill_", lambda t, v: F.index_fill(t, dim, index, v))

    def _index_fill_expanded(self, dim: int, index: Any, value: Any) -> Tensor:
        """``index_fill_`` into an expanded view: the chosen positions' memory takes the value
        (PyTorch's, with its deprecation warning); arguments are checked by the out-of-place
        form first."""
        alias = _writable_alias(self._data, "index_fill_")
        F.index_fill(self.detach(), dim, index, value)  # PyTorch's errors for bad arguments
        warnings.warn(_EXPANDED_DEPRECATED.format("index_fill_", "mask", "scalar"), UserWarning,
                      stacklevel=3)  # fmt: skip
        d = dim + self.ndim if dim < 0 else dim
        idx = _arr(index) if isinstance(index, Tensor) else backend.xp.asarray(index)
        v = _arr(value) if isinstance(value, Tensor) else value
        alias[(slice(None),) * d + (idx.reshape(-1),)] = v
        self._note_write()
        return self

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return F.index_put(self, indices, values, accumulate)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return self._write_op(
            values, "index_put_", lambda t, v: F.index_put(t, indices, v, accumulate)
        )

    @torch_names
    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        return F.index_copy(self, dim, index, source)

    @torch_names
    def index_copy_(self, dim: int, index: Any, source: Any) -> Tensor:
        return self._write_op(source, "index_copy_", lambda t, s: F.index_copy(t, dim, index, s))

    def masked_scatter(self, mask: Any, source: Any) -> Tensor:
        return F.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask: Any, source: Any) -> Tensor:
        def scatter(t: Tensor, s: Any) -> Tensor:
            out = F.masked_scatter(t, mask, s)
            if out.shape != self.shape:
                raise RuntimeError(
                    f"masked_scatter_: the mask broadcasts the tensor of shape {self.shape} to "
                    f"{out.shape}; an in-place operation cannot change the tensor's shape"
                )
            return out

        return self._write_op(source, "masked_scatter_", scatter)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        return F.put(self, index, source, accumulate)

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        return self._write_op(source, "put_", lambda t, s: F.put(t, index, s, accumulate))

    def nan_to_num_(self, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Tensor:
        return self._write_op(
            None, "nan_to_num_", lambda t, _: F.nan_to_num(t, nan, posinf, neginf)
        )

    # ---- PyTorch's math, logical, shape, linalg and sampling methods: each one calls the
    # deepgrad function of its name with this tensor first (``x.atan2(y)`` is
    # ``deepgrad.atan2(x, y)``); the docstrings are the functions' own ---------------------
    acos = asin = atan = atan2 = acosh = asinh = atanh = sinh = cosh = tan = _delegate
    arccos = arcsin = arctan = arctan2 = arccosh = arcsinh = arctanh = _delegate
    log2 = log10 = exp2 = trunc = fix = frac = logit = lgamma = digamma = sinc = _delegate
    hypot = logaddexp = logaddexp2 = fmax = fmin = deg2rad = rad2deg = _delegate
    heaviside = float_power = absolute = negative = multiply = subtract = _delegate
    divide = true_divide = signbit = isneginf = isposinf = isreal = _delegate
    logical_and = logical_or = logical_xor = logical_not = _delegate
    bitwise_and = bitwise_or = bitwise_xor = bitwise_not = _delegate
    bitwise_left_shift = bitwise_right_shift = _delegate
    rot90 = _delegate
    tensor_split = moveaxis = ravel = _view_delegate

    def hsplit(self, *args: Any, **kwargs: Any) -> tuple:
        """``deepgrad.hsplit(self, ...)``; the method also takes PyTorch's varargs indices
        (``x.hsplit(1, 2)`` is ``x.hsplit([1, 2])``)."""
        return _mark_views(F.hsplit(self, *_varargs_indices(args), **kwargs), self)

    def vsplit(self, *args: Any, **kwargs: Any) -> tuple:
        """``deepgrad.vsplit(self, ...)``; varargs indices as :meth:`hsplit`."""
        return _mark_views(F.vsplit(self, *_varargs_indices(args), **kwargs), self)

    def dsplit(self, *args: Any, **kwargs: Any) -> tuple:
        """``deepgrad.dsplit(self, ...)``; varargs indices as :meth:`hsplit`."""
        return _mark_views(F.dsplit(self, *_varargs_indices(args), **kwargs), self)

    fliplr = flipud = masked_select = take = narrow_copy = _delegate

    @torch_names
    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` along ``dim``, that dim removed (a view, as PyTorch's)."""
        return _viewed(F.select(self, dim, index), self)

    select_scatter = slice_scatter = repeat_interleave = inner = mv = cross = _delegate
    inverse = det = logdet = slogdet = matrix_exp = addmv = addbmm = _delegate
    cholesky = cholesky_inverse = cholesky_solve = triangular_solve = svd = qr = _delegate
    pinverse = lu = lu_solve = orgqr = _delegate
    bernoulli = bernoulli_ = exponential_ = random_ = cauchy_ = geometric_ = log_normal_ = _delegate
    prelu = hardshrink = _delegate  # the activations PyTorch also has as methods
    copysign = frexp = ldexp = nextafter = gcd = lcm = sgn = i0 = igamma = igammac = _delegate
    mvlgamma = vdot = ger = addr = diagflat = diagonal_scatter = as_strided_scatter = _delegate
    msort = histogram = stft = istft = _delegate
    copysign_ = ldexp_ = nextafter_ = gcd_ = lcm_ = sgn_ = i0_ = igamma_ = _in_place_form
    igammac_ = mvlgamma_ = addr_ = _in_place_form

    def polygamma(self, n: int) -> Tensor:
        """``ψₙ`` of this tensor (``deepgrad.polygamma(n, self)``)."""
        return F.polygamma(n, self)

    def __xor__(self, other: Any) -> Tensor:
        return F.bitwise_xor(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return F.bitwise_and(other, self)

    def __ror__(self, other: Any) -> Tensor:
        return F.bitwise_or(other, self)

    def __rxor__(self, other: Any) -> Tensor:
        return F.bitwise_xor(other, self)

    def __lshift__(self, other: Any) -> Tensor:
        return F.bitwise_left_shift(self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return F.bitwise_left_shift(other, self)

    def abs_(self) -> Tensor:
        """In place: ``x.abs_()`` writes ``|x|`` into ``x``; a complex tensor is refused, as in
        PyTorch (its ``|x|`` is real: a complex ``x`` would keep a zero imaginary part)."""
        if self._data.dtype.kind == "c":
            raise DtypeError(
                "In-place abs is not supported for complex tensors; write x = x.abs() (real) "
                "or x.copy_(x.abs())"
            )
        return _abs_in_place(self)

    absolute_ = abs_

    def __rshift__(self, other: Any) -> Tensor:
        return F.bitwise_right_shift(self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return F.bitwise_right_shift(other, self)

    # ---- in-place forms of elementwise methods (``x.exp_()``), and the shape changers ----
    exp_ = log_ = sqrt_ = neg_ = sigmoid_ = tanh_ = relu_ = sin_ = cos_ = _in_place_form
    tan_ = floor_ = ceil_ = round_ = trunc_ = frac_ = reciprocal_ = rsqrt_ = _in_place_form
    square_ = sign_ = log1p_ = expm1_ = log2_ = log10_ = erf_ = erfinv_ = _in_place_form
    asin_ = acos_ = atan_ = sinh_ = cosh_ = atan2_ = pow_ = fmod_ = remainder_ = _in_place_form
    hypot_ = logit_ = fix_ = negative_ = _in_place_form
    floor_divide_ = true_divide_ = divide_ = multiply_ = subtract_ = _in_place_form
    bitwise_and_ = bitwise_or_ = bitwise_xor_ = bitwise_not_ = _in_place_form
    bitwise_left_shift_ = bitwise_right_shift_ = _in_place_form
    logical_and_ = logical_or_ = logical_xor_ = logical_not_ = _in_place_form
    acosh_ = asinh_ = atanh_ = arccos_ = arcsin_ = arctan_ = arctan2_ = _in_place_form
    arccosh_ = arcsinh_ = arctanh_ = erfc_ = exp2_ = sinc_ = xlogy_ = _in_place_form
    deg2rad_ = rad2deg_ = digamma_ = lgamma_ = polygamma_ = heaviside_ = _in_place_form
    clamp_min_ = clamp_max_ = cumsum_ = cumprod_ = tril_ = triu_ = _in_place_form
    addmm_ = addmv_ = addbmm_ = baddbmm_ = conj_physical_ = _in_place_form
    lt_ = le_ = gt_ = ge_ = eq_ = ne_ = less_ = less_equal_ = greater_ = _in_place_form
    greater_equal_ = not_equal_ = _in_place_form

    def float_power_(self, exponent: Any) -> Tensor:
        """In place :meth:`float_power`: as PyTorch, only into a float64 (or complex128)
        tensor, the dtype of its result."""
        if self._data.dtype not in (numpy.float64, numpy.complex128):
            complex_ = isinstance(exponent, complex) or (
                isinstance(exponent, Tensor) and exponent.is_complex()
            )
            want = "complex128" if self.is_complex() or complex_ else "float64"
            raise RuntimeError(
                f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
                f"operation's result requires dtype {want} (convert it first: "
                "x = x.double())"
            )
        return _FLOAT_POWER_(self, exponent)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """In place: ``fill_value`` on the main diagonal (PyTorch's rule: a tensor of at least
        2 dims whose dims are all equal, or a tall matrix, whose diagonal restarts after a
        blank row every ``cols + 1`` rows when ``wrap``)."""
        bool_arg(wrap, "fill_diagonal_", "wrap")  # PyTorch's parser: a bool alone (not 1)
        shape = self.shape
        if len(shape) < 2:
            raise RuntimeError("fill_diagonal_: dimensions must larger than 1")
        if len(shape) > 2 and builtins.any(d != shape[0] for d in shape):
            raise RuntimeError("fill_diagonal_: all dimensions of input must be of equal length")
        n = builtins.min(shape)
        if len(shape) == 2 and wrap:
            step = shape[1] + 1
            rows = [r for r in range(shape[0]) if r % step < shape[1]]
            cols = [r % step for r in rows]
        else:
            rows = cols = list(range(n))
        index = (rows, cols) if len(shape) == 2 else (list(range(n)),) * len(shape)
        idx = tuple(Tensor._wrap(numpy.asarray(i, numpy.int64)) for i in index)
        if not idx[0].numel():
            return self
        return self.index_put_(idx, Tensor._wrap(numpy.asarray(fill_value)).to(self.dtype))

    def _reshape_in_place(self, view: Any, what: str) -> Tensor:
        self._refuse_if_recorded(None, what)
        self._data = view
        autograd.note_write(view)  # readers of the earlier shape must not read this one
        return self

    def t_(self) -> Tensor:
        """In place: this tensor becomes its transpose (0-, 1- or 2-d, as :meth:`t`)."""
        return self._reshape_in_place(self.t()._data, "t_")

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """In place: swap two dims of this tensor."""
        return self._reshape_in_place(self.transpose(dim0, dim1)._data, "transpose_")

    swapaxes_ = swapdims_ = transpose_

    def as_strided_(self, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
        """In place: this tensor becomes :meth:`as_strided`'s view of its own memory."""
        view = F.as_strided(self.detach(), size, stride, storage_offset)._data
        return self._reshape_in_place(view, "as_strided_")

    def resize_(self, *sizes: Any, memory_format: Any = None) -> Tensor:
        """In place, as PyTorch: this tensor becomes the contiguous tensor of shape ``sizes``
        over its own memory from its offset (the values it had, in memory order); memory
        beyond is added when needed (zeros here, uninitialised in PyTorch). A tensor that
        requires grad is refused, as PyTorch refuses it."""
        shape = ints_arg(_dims(sizes), "resize_", "size", 1)
        if builtins.any(n < 0 for n in shape):
            raise RuntimeError(f"resize_: negative dimension in {list(shape)}")
        if self.requires_grad:
            raise RuntimeError(
                "cannot resize variables that require grad (resize_ of a tensor that "
                "requires grad; resize a detached copy: x.detach().clone().resize_(...))"
            )
        if shape == self.shape:
            return self
        n = math.prod(shape)
        root, offset, length = F.strided._storage(self._data)
        if root.flags.c_contiguous and root.dtype == self._data.dtype:
            flat = root.reshape(-1)  # the storage itself: a later resize_ finds it again
        else:
            flat = F.as_strided(self.detach(), (length,), (1,), 0)._data
        if offset + n > length:  # PyTorch grows the storage; views keep the old memory
            grown = backend.xp.zeros(offset + n, self._data.dtype)
            grown[:length] = flat[:length]
            flat = grown
        view = flat[offset : offset + n].reshape(shape)
        return self._reshape_in_place(view, "resize_")

    def resize_as_(self, the_template: Tensor, memory_format: Any = None) -> Tensor:
        """In place :meth:`resize_` to the shape of ``the_template``."""
        return self.resize_(the_template.shape, memory_format=memory_format)

    @torch_names
    def split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple:
        """:meth:`split` by a list of sizes (PyTorch's name for that form)."""
        if isinstance(split_sizes, int):
            raise TypeError(
                "split_with_sizes(): argument 'split_sizes' must be a list of ints, not int "
                "(use split(n) for equal chunks)"
            )
        return self.split(list(split_sizes), dim)

    @torch_names
    def unsafe_split(self, split_size: Any, dim: int = 0) -> tuple:
        """:meth:`split` (PyTorch's form without the view checks: the same values here)."""
        return self.split(split_size, dim)

    @torch_names
    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple:
        """:meth:`split_with_sizes` (PyTorch's form without the view checks)."""
        return self.split_with_sizes(split_sizes, dim)

    @torch_names
    def unsafe_chunk(self, chunks: int, dim: int = 0) -> tuple:
        """:meth:`chunk` (PyTorch's form without the view checks: the same values here)."""
        return self.chunk(chunks, dim)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """PyTorch's alias of :meth:`transpose` with two dims."""
        return self.transpose(dim0, dim1)

    @torch_names
    def squeeze_(self, dim: Any = None, *dims: Any) -> Tensor:
        """In place: :meth:`squeeze`."""
        return self._reshape_in_place(self.squeeze(dim, *dims)._data, "squeeze_")

    @torch_names
    def unsqueeze_(self, dim: int) -> Tensor:
        """In place: :meth:`unsqueeze`."""
        return self._reshape_in_place(self.unsqueeze(dim)._data, "unsqueeze_")

    def byte(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.uint8, memory_format, "byte")

    def char(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.int8, memory_format, "char")

    def short(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.int16, memory_format, "short")

    @torch_names
    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dim (PyTorch's ``stride``)."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[int_arg(dim, "stride", "dim", 1)]

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def sum_to_size(self, *size: Any) -> Tensor:
        """Sum over broadcast dims down to ``size`` (the reverse of :meth:`expand`)."""
        if not size:
            raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
        shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
        return F.sum_to(self, tuple(int(v) for v in shape))

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """Sliding windows along ``dimension``: that dim becomes ``(n - size) // step + 1``
        windows and a new last dim holds each window's ``size`` values (PyTorch's
        ``Tensor.unfold``); differentiable (an index gather).

        >>> import deepgrad as dg
        >>> dg.arange(5.0).unfold(0, 2, 2).tolist()
        [[0.0, 1.0], [2.0, 3.0]]
        """
        dimension = int_arg(dimension, "unfold", "dimension", 1)
        size, step = int_arg(size, "unfold", "size", 2), int_arg(step, "unfold", "step", 3)
        if self.ndim == 0:  # a 0-d tensor unfolds as its 1-element vector, one dim fewer
            return F.reshape(self, (1,)).unfold(dimension, size, step)[0]
        if not -self.ndim <= dimension < self.ndim:
            raise dim_error("unfold", dimension, self.ndim)
        d = dimension % self.ndim
        n = self.shape[d]
        if size < 0 or size > n or step <= 0:
            raise RuntimeError(
                f"unfold: size {size} must lie in [0, {n}] (the length of dim {dimension}) "
                f"and step {step} must be > 0"
            )
        starts = numpy.arange(0, n - size + 1, step)
        idx = starts[:, None] + numpy.arange(size)[None, :]
        moved = F.movedim(self, d, -1)
        out = F.movedim(moved[..., idx], -2, d)  # the values and the gradient (a gather)
        # the values as a strided view of this tensor's memory, as PyTorch's unfold: writes
        # through the windows reach the tensor
        a = self._data
        shape = (*a.shape[:d], len(starts), *a.shape[d + 1 :], size)
        strides = (*a.strides[:d], a.strides[d] * step, *a.strides[d + 1 :], a.strides[d])
        out._data = backend.xp.lib.stride_tricks.as_strided(a, shape, strides)
        return _viewed(out, self)

    # ---- PyTorch's utility methods: sampling, legacy constructors, memory queries ---------
    def multinomial(
        self, num_samples: int, replacement: bool = False, *, generator: Any = None
    ) -> Tensor:
        """:func:`deepgrad.multinomial` of this tensor's rows of weights."""
        return multinomial(self, num_samples, replacement, generator=generator)

    def new(self, *args: Any, device: Any = None) -> Tensor:
        """PyTorch's legacy constructor, in this tensor's dtype: ``x.new()`` is empty (shape
        ``(0,)``), ``x.new(2, 3)`` (or a ``Size``) a tensor of that shape (zeros: PyTorch's is
        uninitialised), ``x.new(data)`` a tensor of ``data`` (a sequence, copied), and
        ``x.new(t)`` of a tensor ``t`` of the same dtype shares ``t``'s memory."""
        dev = _or(device, self.device)
        if not args:
            return empty(0, dtype=self.dtype, device=dev)
        if len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0]
            if t.dtype != self.dtype:
                raise TypeError(
                    f"new(): expected a tensor of this tensor's dtype {self.dtype}, got "
                    f"{t.dtype} (convert it first: t.to({self.dtype}))"
                )
            return t.detach()
        if all(isinstance(a, (int, numpy.integer)) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=self.dtype, device=dev)
        if len(args) == 1 and isinstance(args[0], Size):
            return empty(args[0], dtype=self.dtype, device=dev)
        if len(args) == 1 and (isinstance(args[0], (list, tuple)) or hasattr(args[0], "__array__")):
            return tensor(args[0], dtype=self.dtype, device=dev)
        raise TypeError(
            "new(): expected new(), new(*sizes) of ints, new(data) of a sequence, or new(tensor); "
            f"got {tuple(type(a).__name__ for a in args)}"
        )

    def new_empty_strided(
        self,
        size: Any,
        stride: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        **kw: Any,
    ) -> Tensor:
        """:func:`deepgrad.empty_strided` with this tensor's dtype and device unless given."""
        return empty_strided(
            size,
            stride,
            dtype=_or(dtype, self.dtype),
            device=_or(device, self.device),
            requires_grad=requires_grad,
            **kw,
        )

    def data_ptr(self) -> int:
        """The address of the first element: views of one array differ by their offset in bytes."""
        a = self._data
        interface = getattr(a, "__array_interface__", None)  # NumPy's; CuPy's is a.data.ptr
        return int(interface["data"][0]) if interface is not None else int(a.data.ptr)

    const_data_ptr = data_ptr

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    def get_device(self) -> int:
        """-1 for a CPU tensor, else the index of its GPU (PyTorch's ``get_device``)."""
        d = self.device
        return -1 if d.type == "cpu" else int(d.index or 0)

    def is_signed(self) -> bool:
        """Whether the dtype holds negative values (signed ints, floats and complex)."""
        return self._data.dtype.kind in "ifc"

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor; PyTorch's errors for none or several."""
        n = self.numel()
        if n != 1:
            which = "no values" if n == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {which} is ambiguous")
        return bool(self._data.reshape(-1)[0])

    def is_same_size(self, other: Tensor) -> bool:
        return tuple(self.shape) == tuple(other.shape)

    def is_inference(self) -> bool:
        """False: deepgrad's ``inference_mode`` is ``no_grad`` and makes ordinary tensors."""
        return False

    def is_distributed(self) -> bool:
        return False

    @property
    def output_nr(self) -> int:
        """Which output of its creating operation this tensor is (0 for a leaf)."""
        return int(self._index) if self._creator is not None else 0

    @property
    def grad_dtype(self) -> numpy.dtype:
        """The dtype a gradient of this tensor has: its own."""
        return self.dtype

    def register_post_accumulate_grad_hook(self, hook: Any) -> Any:
        """Call ``hook(self)`` after ``backward`` has accumulated this leaf's ``.grad`` (an
        optimizer step inside backward); returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._creator is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        return autograd.register_post_accumulate_grad_hook(self, hook)

    def share_memory_(self) -> Tensor:
        """Move the values into memory shared with child processes (PyTorch's, for Hogwild
        and A3C): a ``fork``-ed child sees and makes every write, and ``multiprocessing``
        with ``spawn``, queues and pipes passes the memory, not a copy
        (:mod:`deepgrad.shared_memory`). Arrays taken from the tensor before the call keep
        the old memory. Returns ``self``; a shared tensor is left as it is."""
        from . import shared_memory

        if backend.gpu:  # PyTorch: a no-op for CUDA tensors
            return self
        if not shared_memory.is_shared(self._data):
            object.__setattr__(self, "_data", shared_memory.share(self._data))
        shared_memory.register(type(self))
        return self

    def untyped_storage(self) -> Any:
        """The memory behind this tensor as bytes (:class:`deepgrad.storage.UntypedStorage`):
        every view of one tensor has the same ``data_ptr()`` and ``nbytes()``."""
        from . import storage

        return storage.untyped_storage(self._data)

    def storage(self) -> Any:
        """The memory behind this tensor as elements of its dtype (PyTorch's deprecated
        ``TypedStorage``; warns once, as PyTorch's)."""
        from . import storage

        return storage.typed_storage(self._data)

    def is_shared(self) -> bool:
        """Whether the values live in shared memory (:meth:`share_memory_`)."""
        from . import shared_memory

        return shared_memory.is_shared(self._data)

    def pin_memory(self, device: Any = None) -> Tensor:
        """PyTorch's error without an accelerator: pinned memory is for copies to a GPU."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def is_pinned(self, device: Any = None) -> bool:
        return False

    def resize(self, *sizes: Any) -> Tensor:
        """PyTorch's deprecated out-of-place ``resize`` (it warns so): a reshaped copy, the
        number of elements kept; differentiable."""
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return self._resized(_shape(sizes, None, "resize"))

    def resize_as(self, tensor: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        """PyTorch's deprecated out-of-place ``resize_as`` (it warns so): ``resize`` to
        ``tensor``'s shape."""
        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        return self._resized(tuple(tensor.shape))

    def _resized(self, shape: tuple) -> Tensor:
        n, m = math.prod(shape), self.numel()
        if n != m:
            raise RuntimeError(
                f"requested resize to {'x'.join(map(str, shape))} ({n} elements in total), but "
                f"the given tensor has a size of {'x'.join(map(str, self.shape))} ({m} "
                "elements). autograd's resize can only change the shape of a given tensor, "
                "while preserving the number of elements. "
            )
        return F.reshape(self.contiguous(), shape)

    def _map_in_place(self, what: str, fn: Any, *others: Any) -> Tensor:
        if self.requires_grad or any(getattr(o, "requires_grad", False) for o in others):
            raise RuntimeError(
                f"Can't call {what}() on Variable that requires grad. Use var.detach()."
                f"{what}() instead."
            )
        cols = [backend.to_numpy(self._data).reshape(-1).tolist()]
        for o in others:
            arr = backend.to_numpy(o._data if isinstance(o, Tensor) else numpy.asarray(o))
            cols.append(numpy.broadcast_to(arr, self.shape).reshape(-1).tolist())
        values = [fn(*vs) for vs in zip(*cols, strict=True)]
        out = numpy.asarray(values, dtype=self.dtype).reshape(self.shape)
        backend.xp.copyto(self._data, backend.xp.asarray(out))
        self._note_write()
        return self

    def apply_(self, callable: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        """In place: every element ``v`` becomes ``callable(v)`` (a Python call per element;
        slow, for small tensors, as PyTorch's)."""
        return self._map_in_place("apply_", callable)

    def map_(self, tensor: Any, callable: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        """In place: ``self[i] = callable(self[i], tensor[i])``, ``tensor`` broadcast."""
        return self._map_in_place("map_", callable, tensor)

    def map2_(self, x: Any, y: Any, callable: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        """In place: ``self[i] = callable(self[i], x[i], y[i])``, ``x`` and ``y`` broadcast."""
        return self._map_in_place("map2_", callable, x, y)

    def as_subclass(self, cls: type) -> Tensor:
        """This tensor as an instance of the Tensor subclass ``cls``: the same memory and
        the same place in the graph."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(
                "Creating a Tensor subclass from a class that does not inherit from Tensor is "
                "not possible. Make sure your class inherits from Tensor."
            )
        out = _new(cls)
        for slot in _VALUE_SLOTS:  # not __weakref__ nor __dict__ (``_requires_grad`` too)
            if hasattr(self, slot):
                object.__setattr__(out, slot, getattr(self, slot))
        return out

    def bfloat16(self, memory_format: Any = None) -> Tensor:
        """Refused: NumPy has no bfloat16."""
        raise TypeError(_NO_DTYPE.format(what="bfloat16()", name="bfloat16", near="x.half()"))

    def chalf(self, memory_format: Any = None) -> Tensor:
        """Refused: NumPy has no complex32 (complex half)."""
        raise TypeError(_NO_DTYPE.format(what="chalf()", name="complex32", near="x.cfloat()"))

    def cfloat(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.complex64, memory_format, "cfloat")

    def cdouble(self, *, memory_format: Any = preserve_format) -> Tensor:
        return _cast(self, numpy.complex128, memory_format, "cdouble")

    def dim_order(self, *, ambiguity_check: Any = False) -> tuple[int, ...]:
        """The dims from outermost to innermost in memory (by stride, ties in dim order).
        ``ambiguity_check=True`` raises where several orders fit (equal neighbouring strides
        or a size-1 dim); a list of memory formats raises there unless exactly one fits."""
        bad = "The ambiguity_check argument must be a bool or a list of memory formats."
        if not isinstance(ambiguity_check, (bool, list)):
            raise TypeError(bad)
        if isinstance(ambiguity_check, list) and not all(
            isinstance(f, memory_format) for f in ambiguity_check
        ):
            raise TypeError(bad)
        strides = self.stride()
        if ambiguity_check is not False:
            several = any(a == b for a, b in zip(strides, strides[1:])) or 1 in self.shape
            formats = ambiguity_check if isinstance(ambiguity_check, list) else []
            fits = sum(1 for f in formats if self.is_contiguous(memory_format=f))
            if several and fits != 1:
                raise RuntimeError(
                    "The tensor does not have unique dim order, or cannot map to exact one of "
                    "the given memory formats."
                )
        return tuple(sorted(range(self.ndim), key=lambda d: -strides[d]))

    def is_set_to(self, tensor: Tensor) -> bool:  # noqa: A002 - PyTorch's name
        """Whether both tensors are the same view of the same memory (address, shape, strides)."""
        a, b = self._data, tensor._data
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and a.strides == b.strides
            and self.data_ptr() == tensor.data_ptr()
        )

    def record_stream(self, stream: Any) -> None:
        """Refused: streams order work on a GPU; a CPU tensor has none."""
        raise RuntimeError(
            "record_stream: a CPU tensor has no CUDA stream to record (deepgrad runs on the CPU)"
        )

    def module_load(self, other: Any, assign: bool = False) -> Tensor:
        """How ``load_state_dict`` puts ``other`` into this parameter or buffer (PyTorch's
        default): ``other.detach()`` with ``assign``, else ``self.copy_(other).detach()``."""
        if assign:
            return other.detach()
        return self.copy_(other).detach()


_NO_DTYPE = (
    "{what}: NumPy has no {name} dtype, so deepgrad has none; its floating dtypes are "
    "float16, float32 and float64 (and complex64, complex128): use {near} or x.float()"
)


_FLOAT_OR_NONE = (float, int, type(None))
#: PyTorch's error for ``detach_`` of a view
_DETACH_VIEW = (
    "Can't detach views in-place. Use detach() instead. If you are using "
    "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
    "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
    "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
    "torch/optim/optimizer.py as the solution."
)


def _viewed(out: Tensor, base: Tensor) -> Tensor:
    """``out``, marked as a user-facing view of ``base`` (``detach_`` refuses it)."""
    out._view = True
    if out._creator is None:
        _note_view_base(out, base)
    return out


def _note_view_base(view: Tensor, base: Tensor) -> None:
    """Remember the tensor a view made while no graph was recorded views (a graph's view
    finds it among its creator's inputs), so that a recorded write through the view reaches
    it (``buf[0, :2].copy_(h)``), and when (:func:`_replay_unrecorded_view`). An operation that
    returned its input itself (``flatten`` of a flat tensor) is not a view of it."""
    if view is base:
        return
    view._vbase = base
    view._vepoch = autograd._EPOCH if autograd._GradMode.enabled else -autograd._EPOCH - 1


def _strides_as_torch(x: Tensor) -> bool:
    """Whether ``x``'s strides are surely PyTorch's, so that ``view`` may refuse as PyTorch's
    does: ``x`` is a view (``t()``, ``permute``, slicing, ``expand``, ...) of memory laid out
    row-major. A computed result is not judged (NumPy keeps an input's layout where PyTorch
    may make a result contiguous, as ``softmax`` of a transpose); ``view`` then copies, as
    before."""
    a = x._data
    if not getattr(x, "_view", False) or a.size <= 1:
        return False
    root = a
    while getattr(root, "base", None) is not None and hasattr(root.base, "flags"):
        root = root.base
    return bool(root.flags.c_contiguous)


def _viewed_if_shared(out: Tensor, x: Tensor) -> Tensor:
    """``out`` marked as a view when its array is one of ``x``'s memory (a reshape or an index
    that had to copy is not: PyTorch's ``reshape`` / advanced indexing make new tensors)."""
    b = out._data.base
    if b is not None and (b is x._data or b is x._data.base):
        out._view = True
        if out._creator is None:
            _note_view_base(out, x)
    return out


def _mark_views(out: Any, x: Any, shared: bool = False) -> Any:
    """The result(s) of a view function of ``x`` (one tensor or a tuple of them) marked as
    views, as the view methods mark theirs (``shared``: only those that share ``x``'s memory,
    as ``reshape``/``flatten``/``ravel``); the function forms (``deepgrad.narrow(x, ...)``)
    and the delegating methods (``x.hsplit(...)``) call it, so both spellings are views."""
    if not isinstance(x, Tensor):
        return out
    for t in out if isinstance(out, (tuple, list)) else (out,):
        if isinstance(t, Tensor) and t is not x:
            if shared:
                _viewed_if_shared(t, x)
            else:
                _viewed(t, x)
    return out


#: the tensors made by ``.data``: their in-place writes are hidden from the graph
_UNTRACKED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
#: PyTorch's warning for reading ``.grad`` of a non-leaf tensor that does not retain it
_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead."
)


def _detached(x: Any) -> Any:
    return x.detach() if isinstance(x, Tensor) else x


def _dims(args: tuple) -> Any:
    """``f(1, 2)`` and ``f((1, 2))`` alike: the dims of a varargs method."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _make_tensor(data: Any, creator: autograd.Function | None, index: int) -> Tensor:
    """``Tensor._from_op`` as a plain function: the engine calls it for every output."""
    t = _new(Tensor)
    if isinstance(data, _GENERIC):  # NumPy's scalar of a 0-d result: a 0-d array, writable in
        data = numpy.asarray(data)  # place (``total += loss``, ``x.data += 1``) as PyTorch's
    t._data = data
    t._grad = None
    t._requires_grad = creator is not None
    t._creator = creator
    t._index = index
    return t


def _overlaps(a: Any) -> bool:
    """Whether several elements of ``a`` share one memory location (a stride 0 over 2+)."""
    return builtins.any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape))


def _read_only_error(a: Any, what: str) -> ValueRangeError:
    """PyTorch's error for a write into an expanded view (in its words), or deepgrad's for
    a read-only buffer; both name ``clone()``."""
    why = (
        "unsupported operation: more than one element of the written-to tensor refers to "
        "a single memory location. Please clone() the tensor before performing the "
        "operation."
        if _overlaps(a)
        else "the tensor's memory is read-only"
    )
    return ValueRangeError(
        f"{why} ({what}: write into x.clone() or into the tensor that was expanded)"
    )


def _writable_alias(a: Any, what: str) -> Any:
    """A writable array over ``a``'s memory, for the writes PyTorch makes into an expanded
    view (``fill_``, ``zero_``, ``x[i] = number``, ``masked_fill_``, index puts: each memory
    location takes the value once or more); NumPy holds ``expand``'s views read-only. The
    memory must belong to a writable array; anything else raises :func:`_read_only_error`."""
    root = a
    while isinstance(root.base, numpy.ndarray):
        root = root.base
    contiguous = root.flags.c_contiguous or root.flags.f_contiguous
    if backend.gpu or not _overlaps(a) or not root.flags.writeable or not contiguous:
        raise _read_only_error(a, what)
    flat = root.reshape(-1, order="A")
    offset = a.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
    return numpy.ndarray(a.shape, a.dtype, buffer=flat, offset=offset, strides=a.strides)


_EXPANDED_DEPRECATED = (
    "Use of {} on expanded tensors is deprecated. Please clone() the tensor before performing "
    "this operation. This also applies to advanced indexing e.g. tensor[{}] = {}"
)


def _assign_array(a: Any, index: Any, v: Any, strict: bool = True) -> None:
    """``a[index] = v`` on an array, reading ``index`` as PyTorch does. With index arrays
    (PyTorch's ``index_put_``) a tensor value must have ``a``'s dtype, except a one-element
    value written through one bool mask (PyTorch's ``masked_fill_``, which refuses a uint8
    mask); with ints, slices or a bare bool alone it is cast (``copy_``). A value that does
    not broadcast raises PyTorch's error. ``strict=False`` (a backward's own writes) skips
    the dtype rules."""
    arrays = _index_arrays(index)
    basic, advanced = _pytorch_index(arrays, a.ndim)
    v = _checked_scalar(v, a.dtype) if strict else v
    put = strict and (advanced is not None or _has_array(basic)) and not isinstance(index, bool)
    if put and getattr(v, "size", 1) == 1 and _lone_mask(arrays):
        probe = backend.xp.broadcast_to(backend.xp.zeros((), bool), a.shape)[basic]
        if advanced is not None:
            _ = probe[advanced]  # the mask's shape is checked first (IndexError)
        if builtins.any(
            isinstance(i, Tensor) and i.dtype == numpy.uint8
            for i in (index if isinstance(index, (tuple, list)) else (index,))
        ):
            raise DtypeError(
                "masked_fill_ only supports boolean masks, but got mask with dtype uint8 "
                "(x[mask] = value with a uint8 mask; use mask.bool())"
            )
        v = v.reshape(()) if isinstance(v, backend.xp.ndarray) else v
    elif put and isinstance(v, backend.xp.ndarray) and v.dtype != a.dtype:
        raise DtypeError(
            "Index put requires the source and destination dtypes match, got "
            f"{a.dtype} for the destination and {v.dtype} for the source (x[index] = "
            f"value with index tensors; convert the value with .to({a.dtype}))"
        )
    if backend.gpu and isinstance(v, numpy.ndarray):
        v = backend.xp.asarray(v)  # a host value written into a device array
    if not a.flags.writeable:  # an expanded view: PyTorch writes what it can (see the alias)
        a = _writable_alias(a, "x[index] = value")
        if advanced is not None or _has_array(basic):
            mask = put and getattr(v, "size", 1) == 1 and _lone_mask(arrays)
            words = (
                ("masked_fill_", "mask", "scalar") if mask else ("index_put_", "indices", "tensor")
            )
            warnings.warn(_EXPANDED_DEPRECATED.format(*words), UserWarning, stacklevel=4)
        elif getattr(v, "size", 1) != 1 and _overlaps(a[basic]):
            raise _read_only_error(a[basic], "x[index] = value")
    try:
        if advanced is None:
            _check_device_bounds(a.shape, basic)
            a[basic] = v
        else:  # ``basic`` selects a view; the arrays index into it (PyTorch's rule)
            view = a[basic]
            _check_device_bounds(view.shape, advanced)
            view[advanced] = v
    except (ValueError, TypeError) as e:  # NumPy's broadcasting error: PyTorch's RuntimeError
        raise IndexShapeError(f"x[index] = value: shape mismatch: {e}") from None


def _has_array(index: Any) -> bool:
    """Whether a NumPy index holds an index array (advanced indexing)."""
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(isinstance(i, (numpy.ndarray, backend.xp.ndarray, list)) for i in items)


def _lone_mask(index: Any) -> bool:
    """Whether ``index`` (read by :func:`_index_arrays`) holds one index array, a bool mask of
    at least 1 dim, beside ints, slices, None and ``...`` (PyTorch then writes a one-element
    value by ``masked_fill_``)."""
    masks = 0
    for it in index if isinstance(index, tuple) else (index,):
        if it is None or it is Ellipsis or isinstance(it, slice):
            continue
        if isinstance(it, (int, numpy.integer)) and not isinstance(it, (bool, numpy.bool_)):
            continue
        arr = it if isinstance(it, (numpy.ndarray, backend.xp.ndarray)) else numpy.asarray(it)
        if arr.ndim == 0 and arr.dtype.kind in "iu":
            continue  # a 0-d integer index selects, as an int
        if arr.dtype != numpy.bool_ or arr.ndim == 0:
            return False
        masks += 1
    return masks == 1


def _tensors(*xs: Any) -> tuple:
    return tuple(x for x in xs if isinstance(x, Tensor))


class _Assignment(autograd.Function):
    """``x[index] = value`` out of place: a copy of ``x`` with ``value`` written at ``index``
    (the node that a recorded assignment makes the tensor's creator, see
    :func:`_record_in_place`). Backward: ``x`` receives ``gy`` with the written positions
    zeroed (they did not reach the result); a tensor value receives ``gy[index]``, summed to
    its shape (as broadcasting spread it) and in its dtype."""

    #: the backward reads neither input's values (only the value's shape and dtype): a value
    #: written after the assignment read it (``y[0][1:] += s``: the view written, then
    #: assigned back into itself) is not refused
    reads_when = ((), ())

    def __init__(self, index: Any, value: Any) -> None:
        self.index = index
        self.value = None if isinstance(value, Tensor) else value  # a number: no input

    def forward(self, x: Any, v: Any = None) -> Any:
        y = x.copy()
        _assign_array(y, self.index, self.value if v is None else v)
        return y

    def backward(self, gy: Tensor) -> Any:
        gx = gv = None
        if self.needs_input_grad[0]:
            keep = backend.xp.ones(gy.shape, gy._data.dtype)
            _assign_array(keep, self.index, 0, strict=False)
            gx = gy * Tensor._wrap(keep)
        if len(self.inputs) == 1:
            return gx
        v = self.inputs[1]
        if self.needs_input_grad[1]:
            gv = gy[self.index]
            if gv.shape != v.shape:
                gv = gv.sum_to_size(*v.shape) if v.shape else gv.sum()
            if gv.dtype != v.dtype:
                gv = gv.to(v.dtype)
        return gx, gv


#: the most graph nodes searched for earlier reads of a tensor written in place
_ASSIGN_SEARCH = 100_000


def _readers(t: Tensor, sources: tuple, what: str) -> tuple[list, list]:
    """The graph nodes that read ``t`` on the way to ``sources`` (``t[i] += v`` reads ``t[i]``
    first; ``y.index_add_(0, i, y[:2])`` reads ``y``), and those that read a view of ``t``'s
    memory there (``y[1:] *= s`` multiplies the view ``y[1:]``), as ``(node, position)``."""
    readers: list = []
    views: list = []
    memory = t._data
    seen: set = set()
    stack = [s._creator for s in sources if isinstance(s, Tensor) and s is not t and s._creator]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if len(seen) > _ASSIGN_SEARCH:
            raise RuntimeError(
                f"{what}: the source's graph has over {_ASSIGN_SEARCH} nodes to search for "
                "earlier reads of the tensor written in place; build the result out of place "
                "(dg.where / dg.cat / index_put / index_add) instead"
            )
        inputs = getattr(fn, "inputs", None) or ()
        if any(i is t for i in inputs):
            readers.append(fn)
        views.extend(
            (fn, k)
            for k, i in enumerate(inputs)
            if i is not t
            and (i._creator is not None or not i.requires_grad)  # a leaf keeps its identity
            and numpy.may_share_memory(i._data, memory)
        )
        stack.extend(i._creator for i in inputs if i._creator is not None)
    return readers, views


def _retarget(fn: Any, old: Tensor, new: Tensor) -> None:
    """Point a node that keeps its output (``exp``'s backward reads it) from ``old`` to ``new``."""
    outs = getattr(fn, "_outputs", None)
    if isinstance(outs, list):
        fn._outputs = [
            weakref.ref(new) if isinstance(o, weakref.ref) and o() is old else o for o in outs
        ]
    elif isinstance(outs, weakref.ref) and outs() is old:
        fn._outputs = weakref.ref(new)


def _keep_saved_values(t: Tensor) -> None:
    """Before an in-place write into ``t``'s memory: the nodes that saved arrays in that
    memory for their backward (max pooling its output, layer and batch norm their ``x̂``) —
    ``t``'s creator, and the internal steps ``t`` is a view of (``max_pool1d`` squeezes a
    2-D pooling's output) — keep copies of the values they saved, so their gradients stay
    those of the values they computed."""
    xp = backend.xp
    mem = t._data
    node = t._creator
    seen: set[int] = set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        saved = node.__dict__
        for k, v in list(saved.items()):
            if isinstance(v, xp.ndarray):
                if v.size and xp.may_share_memory(v, mem):
                    saved[k] = v.copy()
            elif type(v) in (tuple, list) and k != "inputs":
                if builtins.any(
                    isinstance(e, xp.ndarray) and e.size and xp.may_share_memory(e, mem) for e in v
                ):
                    saved[k] = type(v)(
                        e.copy() if isinstance(e, xp.ndarray) and xp.may_share_memory(e, mem) else e
                        for e in v
                    )
        if node is not t._creator and node.keep_output:
            _keep_outputs(node, mem)  # t's own creator is pointed at t's earlier value later
        node = next(
            (
                i._creator
                for i in saved.get("inputs", ()) or ()
                if isinstance(i, Tensor) and xp.may_share_memory(i._data, mem)
            ),
            None,
        )


def _keep_outputs(node: Any, mem: Any) -> None:
    """A node inside an operation that reads its own output in its backward, whose output
    shares the memory about to be written: it gets a copy of that output (held by the node)."""
    outs = node._outputs if isinstance(node._outputs, list) else [node._outputs]
    for ref in outs:
        o = ref() if isinstance(ref, weakref.ref) else ref
        if isinstance(o, Tensor) and backend.xp.may_share_memory(o._data, mem):
            kept = Tensor._from_op(o._data.copy(), node, o._index)
            node.__dict__.setdefault("_kept_outputs", []).append(kept)
            _retarget(node, o, kept)


def _refs_in_loop(inputs: tuple) -> int:
    """The references a loop like :func:`_is_view_of_another`'s holds to an element of
    ``inputs`` beyond the tuple's own (its loop variable, ``getrefcount``'s argument): measured
    on this interpreter, whose reference counting may borrow some of them."""
    for i in inputs:
        return sys.getrefcount(i) - builtins.sum(j is i for j in inputs)
    return 0


#: references :func:`_is_view_of_another` itself holds to an input it checks
_REFS_FROM_HERE = _refs_in_loop((object(),))


def _is_view_of_another(t: Tensor) -> bool:
    """Whether ``t``'s memory belongs to another tensor: a view made by a view method
    (marked), an operation's output that shares its input's memory (an unmarked view), or a
    leaf over part of an array. An operation's output held in a NumPy view of memory of its
    own (a transposed GEMM result, a reshaped temporary) is not one: PyTorch's is a new
    tensor there, and an in-place write into it changes nothing else."""
    if getattr(t, "_view", False):
        return t._data.base is not None  # a deep copy of a view owns its memory
    a = t._data
    if a.base is None:
        return False
    creator = t._creator
    if creator is None:
        return True
    inputs = getattr(creator, "inputs", ()) or ()
    for i in inputs:
        if isinstance(i, Tensor) and numpy.may_share_memory(a, i._data):
            # a view of that input: another's memory if anything but this node holds it
            # (the program, another node), not when it is an operation's internal step
            # (conv1d's conv2d result, squeezed) that nothing else can read
            if sys.getrefcount(i) > _REFS_FROM_HERE + builtins.sum(j is i for j in inputs):
                return True
    return False


def _record_in_place(t: Tensor, sources: tuple, compute: Any, what: str) -> Tensor:
    """An in-place operation recorded in the graph as PyTorch records it (``x[i] = v``,
    ``out.index_add_(0, i, w)``, ``y.mul_(s)``): ``t <- compute(prev, *sources)``, where
    ``compute`` is the operation's out-of-place form and ``prev`` is ``t`` as it was before
    the write (a copy of its values that takes over its old creator). ``t`` keeps its
    identity and memory (views see the write) and becomes the output of the node that
    ``compute`` built: its gradient flows to ``prev`` and to the sources by that node's own
    rule. The operations that read ``t`` on the way to a source are pointed at ``prev``, so
    the graph stays acyclic and they differentiate the values they read; operations that
    read ``t`` before the write and do not lead to a source keep reading ``t`` (see the
    README's table: PyTorch raises for them at backward). A leaf that requires grad refuses
    (PyTorch's rule); a refused or failing write leaves the graph as it was."""
    t._refuse_if_hooked()
    creator = t._creator
    if creator is None and t.requires_grad:
        raise RuntimeError(
            f"{what}: a leaf tensor that requires grad is used in an in-place operation "
            "(PyTorch's rule; an in-place operation on a tensor that takes part in the graph "
            "as a leaf would lose its gradient); do it under dg.no_grad() (with "
            "dg.no_grad(): p -= lr * p.grad) or write the out-of-place form"
        )
    if _is_view_of_another(t):  # PyTorch records the write into the viewed tensor: so here
        return _record_view_write(t, sources, compute, what)
    readers, views = _readers(t, sources, what)
    _keep_saved_values(t)
    prev = Tensor._from_op(t._data.copy(), creator, t._index)
    # the views of t's memory read on the way to a source: their readers keep the values read
    frozen = [
        Tensor._from_op(fn.inputs[k]._data.copy(), fn.inputs[k]._creator, fn.inputs[k]._index)
        for fn, k in views
    ]
    out = compute(prev, *[prev if s is t else s for s in sources])
    if out.shape != t.shape:
        raise ValueError(
            f"{what}: cannot update a tensor of shape {t.shape} in place with a result of "
            f"shape {out.shape}"
        )
    try:
        t._write(out, what)  # first: if the write is refused, the graph is as it was
    except DtypeError:  # a float into an integer tensor: PyTorch's words, its class
        raise
    except TypeError as e:
        raise TypeError(f"{what}: {e}") from None
    if out.dtype != t.dtype and out.requires_grad:  # PyTorch keeps the tensor's dtype
        out = out.to(t.dtype)
    autograd.note_write(t._data, t, prev)
    if creator is not None:
        _retarget(creator, t, prev)
    for fn in readers:
        fn.inputs = tuple(prev if i is t else i for i in fn.inputs)
    for (fn, k), v in zip(views, frozen, strict=True):
        fn.inputs = (*fn.inputs[:k], v, *fn.inputs[k + 1 :])
    node = out._creator
    if node is not None:
        _retarget(node, out, t)
        node._epoch = autograd._EPOCH  # its output is t as written: not a stale read
    t._creator, t._index, t._requires_grad = node, out._index, node is not None
    return t


def _record_view_write(t: Tensor, sources: tuple, compute: Any, what: str) -> Tensor:
    """An in-place operation on a view ``t`` of another tensor's memory, recorded as PyTorch
    records it (its ``CopySlices``): as a write into the tensor viewed, ``base`` (a buffer
    outside the graph too: it joins the graph, as PyTorch's),
    ``base <- base with t's elements replaced by compute(t, *sources)`` (one
    :func:`_record_in_place` of ``base``), ``t``'s elements read and written at their
    positions in ``base`` (found from the memory addresses). ``t`` keeps its memory, which
    now holds the result, and becomes a gather of those positions from the written ``base``
    (PyTorch's view replay), so later uses of ``t`` and of ``base`` both differentiate the
    write. A view whose base is not known (``unfold``'s), of another dtype, or with elements
    sharing memory (``expand``) is refused."""
    node = t._creator
    if node is None and getattr(t, "_vepoch", 0) < 0:
        raise RuntimeError(
            f"{what}: A view was created in no_grad mode and is being modified inplace with "
            "grad mode enabled. Given that this use case is ambiguous and error-prone, it is "
            "forbidden. You can clarify your code by moving both the view and the inplace "
            "either both inside the no_grad block (if you don't want the inplace to be "
            "tracked) or both outside (if you want the inplace to be tracked)."
        )
    if node is not None and node.n_outputs > 1:  # chunk, split: PyTorch refuses
        raise RuntimeError(
            f"Output {t._index} of {node.name()} is a view and is being modified inplace. "
            "This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should "
            f"replace the inplace operation by an out-of-place one. ({what})"
        )
    base = _view_base(t)
    index = None if base is None else _positions_in(t._data, base._data)
    if index is None:
        raise RuntimeError(
            f"{what}: an in-place operation on a view (a tensor of shape {t.shape} that shares "
            "another tensor's memory) while the graph is recorded, where the tensor it views "
            "is not known (an unfold window, a view of a NumPy array): write into that "
            "tensor itself (buf[0, :2] = s) or clone the view first"
        )
    if isinstance(index, str):
        raise RuntimeError(index.format(what=what))

    me = object()  # stands for t among the sources (``v.add_(v)``); one per level of views

    def on_base(prev: Tensor, *srcs: Any) -> Tensor:
        old = prev[index]  # the view's values before the write, read from base's
        new = compute(old, *[old if s is me else s for s in srcs])
        if tuple(new.shape) != tuple(t.shape):
            raise ValueError(
                f"{what}: cannot update a tensor of shape {t.shape} in place with a result "
                f"of shape {tuple(new.shape)}"
            )
        return _Assignment(index, new)(prev, *_tensors(new))

    earlier = _stand_in(t)  # its values before the write
    _record_in_place(base, tuple(me if s is t else s for s in sources), on_base, what)
    t._requires_grad = _regather(t, base, index, earlier)
    return t


def _stand_in(t: Tensor) -> Tensor:
    """``t``'s creator and values now, in a tensor of its own memory (never itself a view
    to replay), for the nodes that read ``t`` before it is regathered."""
    return Tensor._from_op(t._data.copy(), t._creator, t._index)


def _regather(t: Tensor, base: Tensor, index: tuple, earlier: Tensor) -> bool:
    """PyTorch's view replay: ``t`` (whose memory ``base[index]`` is) becomes a gather of
    ``index`` from ``base`` as it is now — its creator that gather's, ``earlier`` (its old
    creator, :func:`_stand_in`) kept for the nodes that read it before. False, and ``t``
    unchanged, where ``base`` is not in a graph."""
    with autograd.enable_grad():
        replay = base[index]
    node = replay._creator
    if node is None:
        return False
    _retarget(node, replay, t)
    t._creator, t._index = node, replay._index
    autograd.note_replay(t, earlier)
    return True


def _replay_if_stale(x: Tensor) -> None:
    """:func:`deepgrad.autograd._replay_stale_views` for one input ``x`` whose creator
    reads no values and was built before the last recorded write: if ``x`` views its
    creator's input ``base`` and that memory was written after ``x`` was made, ``x`` becomes
    a gather of its positions from ``base`` as it is now (itself replayed first, as an input
    of that gather); the nodes that read ``x`` before keep its old creator."""
    node = x._creator
    base = _view_base(x)
    if base is None or autograd._written_since(x, node._epoch) is None:
        return
    if node.n_outputs > 1:  # chunk, split: PyTorch refuses to replay them
        raise RuntimeError(
            f"Output {x._index} of {node.name()} is a view and its base or another view of "
            "its base has been modified inplace. This view is the output of a function that "
            "returns multiple views. Such functions do not allow the output views to be "
            "modified inplace. You should replace the inplace operation by an out-of-place one."
        )
    index = _positions_in(x._data, base._data)
    if index is not None and not isinstance(index, str):
        _regather(x, base, index, _stand_in(x))


autograd._REPLAY[0] = _replay_if_stale


#: the longest chain of views of views followed (a guard: no program nests so deep)
_VIEW_DEPTH = 64


def _replay_unrecorded_view(x: Tensor, depth: int = 0) -> bool:
    """PyTorch's view replay for a view ``x`` made without a graph (:func:`deepgrad.autograd.
    _replay_stale_views`): where a recorded write since it was made brought the tensor it
    views into the graph (``v = buf[:2]; buf.copy_(x * 2)``), ``x`` becomes a gather of its
    positions from it (and requires grad, as PyTorch's; its own base replayed first); a view
    made under ``no_grad`` raises PyTorch's error there. True if ``x`` was remade."""
    base = x._vbase
    if base._creator is None and not (
        getattr(base, "_vbase", None) is not None
        and depth < _VIEW_DEPTH
        and _replay_unrecorded_view(base, depth + 1)
    ):
        return False
    e = getattr(x, "_vepoch", 0)
    if autograd._written_since(x, e if e >= 0 else -e - 1) is None:
        return False
    if e < 0:
        raise RuntimeError(
            "A view was created in no_grad mode and its base or another view of its base has "
            "been modified inplace with grad mode enabled. Given that this use case is "
            "ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
            "both the view and the inplace either both inside the no_grad block (if you don't "
            "want the inplace to be tracked) or both outside (if you want the inplace to be "
            "tracked)."
        )
    index = _positions_in(x._data, base._data)
    if index is None or isinstance(index, str):
        return False
    x._requires_grad = _regather(x, base, index, _stand_in(x))
    return x._requires_grad


autograd._REPLAY_UNRECORDED[0] = _replay_unrecorded_view


def _view_base(t: Tensor) -> Tensor | None:
    """The tensor ``t`` is a view of, found in the graph: the one input of ``t``'s view
    operation that shares its memory (itself a view of another for ``y.t()[0]``: a write
    through ``t`` is then recorded into it, which records it into its own base, each level
    replayed); for a view made without a graph, the tensor noted when it was made (None if
    none was)."""
    if t._creator is None:  # a view made without a graph: its base if it was noted
        return getattr(t, "_vbase", None)
    shared = [
        i
        for i in getattr(t._creator, "inputs", ()) or ()
        if isinstance(i, Tensor) and numpy.may_share_memory(i._data, t._data)
    ]
    return shared[0] if len(shared) == 1 else None


def _positions_in(v: Any, b: Any) -> tuple | str | None:
    """Where the elements of array ``v`` lie in array ``b`` (both views of one memory): an
    index tuple of integer arrays of ``v``'s shape (``b[index]`` holds ``v``'s values), a
    message (with ``{what}``) where PyTorch refuses the write, None where some element of
    ``v`` is not one of ``b``'s."""
    if v.dtype != b.dtype:
        return None
    if any(s == 0 and n > 1 for s, n in zip(v.strides, v.shape, strict=True)):
        return (
            "{what}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location. Please clone() the tensor before performing "
            "the operation. (PyTorch's words: an expanded view)"
        )
    xp = backend.xp

    def start(a: Any) -> int:  # the first element's address (CuPy: its device pointer)
        face = getattr(a, "__array_interface__", None)
        return face["data"][0] if face is not None else a.data.ptr

    def addresses(a: Any) -> Any:
        out = xp.full(a.shape, start(a), xp.int64)
        for d, (n, s) in enumerate(zip(a.shape, a.strides, strict=True)):
            out += (xp.arange(n, dtype=xp.int64) * s).reshape((-1,) + (1,) * (a.ndim - d - 1))
        return out

    want = addresses(v)
    if b.flags.c_contiguous:  # the common base: an element's position is its offset
        flat, rest = xp.divmod(want - start(b), b.itemsize)
        if rest.any() or (flat < 0).any() or (flat >= b.size).any():
            return None
    else:  # any layout: each of v's addresses looked up among b's
        have = addresses(b).reshape(-1)
        order = xp.argsort(have, kind="stable")
        spot = xp.minimum(xp.searchsorted(have[order], want), max(have.size - 1, 0))
        if have.size == 0 or not bool((have[order][spot] == want).all()):
            return None
        flat = order[spot]
    return tuple(xp.unravel_index(flat, b.shape)) if b.ndim else ()


_FLOAT_POWER_ = _in_place_method("float_power_", "float_power")


_new = object.__new__
_GENERIC = numpy.generic
#: the slots holding a tensor's value and place in the graph (what ``as_subclass`` shares)
_VALUE_SLOTS = tuple(s for s in Tensor.__slots__ if s not in ("__weakref__", "__dict__"))
autograd._make_tensor = _make_tensor


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _arr(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


#: PyTorch's type names (``x.type()``) for each dtype
_TYPE_NAMES = {
    numpy.dtype(numpy.float32): "FloatTensor",
    numpy.dtype(numpy.float64): "DoubleTensor",
    numpy.dtype(numpy.float16): "HalfTensor",
    numpy.dtype(numpy.int64): "LongTensor",
    numpy.dtype(numpy.int32): "IntTensor",
    numpy.dtype(numpy.int16): "ShortTensor",
    numpy.dtype(numpy.int8): "CharTensor",
    numpy.dtype(numpy.uint8): "ByteTensor",
    numpy.dtype(numpy.bool_): "BoolTensor",
}


class _ToDevice(autograd.Function):
    """Copy to another device; the gradient is copied back."""

    def __init__(self, target: Any, source: Any) -> None:
        self.target, self.source = target, source

    def forward(self, x: Any) -> Any:
        return _device.move(x, self.target)

    def backward(self, gy: Tensor) -> Tensor:
        return _ToDevice(self.source, self.target)(gy)


def _to_arguments(args: tuple, kwargs: dict) -> tuple[Any, Any, bool, Any]:
    """``Tensor.to``'s arguments read by PyTorch's three signatures, chosen by the first:
    ``(tensor: Tensor, non_blocking, copy)``, ``(dtype, non_blocking, copy)`` or
    ``(device, dtype, non_blocking, copy)``, with the keyword ``memory_format``; returns
    ``(device or None, dtype or None, copy, memory format or None)``. An argument twice, a
    keyword of another signature, a flag that is not a Python bool: PyTorch's ``TypeError``."""
    first = args[0] if args else None
    if isinstance(first, (Tensor, builtins.bool, builtins.float, complex)) or "tensor" in kwargs:
        # PyTorch's keyword is tensor=; a Python bool, float or complex there is a 0-d tensor
        # (x.to(1.5) is x.to(float64), x.to(True) x.to(bool); an int is a device: cuda:1)
        names: tuple = ("tensor", "non_blocking", "copy")
    elif args and (isinstance(first, _AbsentDtype) or _device.is_dtype(first)):
        names = ("dtype", "non_blocking", "copy")
    else:
        names = ("device", "dtype", "non_blocking", "copy")
    signatures = (
        "to(dtype, non_blocking=False, copy=False, *, memory_format=None), "
        "to(device=None, dtype=None, non_blocking=False, copy=False, *, memory_format=None) "
        "or to(other, non_blocking=False, copy=False, *, memory_format=None)"
    )
    if len(args) > len(names):
        raise TypeError(
            f"to() received an invalid combination of arguments: {len(args)} positional "
            f"arguments for {names}; expected one of {signatures}"
        )
    given = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in given or key not in (*names, "memory_format"):
            raise TypeError(
                f"to() received an invalid combination of arguments: {key}= "
                f"{'given twice' if key in given else 'is not an argument of this form'} "
                f"(arguments {tuple(given)}); expected one of {signatures}"
            )
        given[key] = value
    copy = bool_arg(given.get("copy", False), "to", "copy")
    bool_arg(given.get("non_blocking", False), "to", "non_blocking")
    fmt = given.get("memory_format")
    fmt = None if fmt is None else _format(fmt, "to")
    if "tensor" in given:
        other = given["tensor"]
        if isinstance(other, (builtins.bool, builtins.int, builtins.float, complex)):
            other = Tensor._wrap(backend.xp.asarray(other))  # PyTorch's wrapped number
        if not isinstance(other, Tensor):
            raise tensor_needed("to", "tensor", other)
        return other.device, other.dtype, copy, fmt
    dev, dtype = given.get("device"), given.get("dtype")
    if dev is not None:
        if isinstance(dev, builtins.bool) or not isinstance(
            dev, (str, builtins.int, _device.device)
        ):
            raise TypeError(
                f"to(): argument 'device' must be torch.device, not {type(dev).__name__} "
                "(expected a device, a dtype or a tensor first: 'cpu', dg.float32 or x)"
            )
        if isinstance(dev, str) and _device.is_dtype(dev) and dtype is None:
            dev, dtype = None, dev  # deepgrad's dtypes are NumPy's: to("float64") casts
        else:
            dev = (
                _device.device("cuda", dev)
                if isinstance(dev, builtins.int)
                else _device.device(dev)
            )
    if dtype is not None:
        if isinstance(dtype, _AbsentDtype):
            dtype.dtype  # noqa: B018 - raises the TypeError that names the dtype to use
        if not _device.is_dtype(dtype):
            raise TypeError(
                f"to(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__} (a "
                "dtype such as dg.float32)"
            )
        dtype = numpy.dtype(dtype)
    return dev, dtype, copy, fmt


def _converted(x: Tensor, dev: Any, dtype: Any, copy: bool, fmt: Any) -> Tensor:
    """``x`` on ``dev``, in ``dtype`` and laid out in memory format ``fmt`` (None or
    ``preserve_format``: as it is), each step taken only where it changes something; with
    ``copy`` a new tensor even when nothing changes (PyTorch's ``to(..., copy=True)``)."""
    out = x
    if dev is not None:
        out = _to_device(out, dev)
    if dtype is not None:
        out = F.astype(out, dtype)
    if fmt is not None and fmt is not preserve_format:
        # as PyTorch: a new tensor is laid out in ``fmt``; ``x`` itself only when its
        # suggested format is another (a transposed view stays as it is for contiguous_format)
        if out is not x or copy or _suggested_format(x._data) is not fmt:
            out = out.contiguous(memory_format=fmt)  # PyTorch's RuntimeError for another rank
    if copy and out is x:
        out = x.clone()
    return out


def _suggested_format(a: Any) -> Any:
    """PyTorch's ``suggest_memory_format`` of array ``a``: channels last (3d) where a 4-d
    (5-d) array is laid out so and not also row-major, else ``contiguous_format``."""
    for fmt in (channels_last, channels_last_3d):
        if a.ndim == fmt.rank and fmt.holds(a) and not contiguous_format.holds(a):
            return fmt
    return contiguous_format


def _cast(x: Tensor, dtype: Any, memory_format: Any, who: str) -> Tensor:
    """``x.float()``, ``x.long()``...: ``x.to(dtype, memory_format=memory_format)``."""
    fmt = None if memory_format is None else _format(memory_format, who)
    return _converted(x, None, numpy.dtype(dtype), False, fmt)


def _to_device(x: Tensor, target: Any) -> Tensor:
    here = x.device
    if here.type == target.type and (target.index is None or target.index == here.index):
        return x
    return _ToDevice(target, here)(x)


def _copied(t: Tensor, src: Any) -> Tensor:
    """``t.copy_(src)`` out of place: ``src`` broadcast to ``t``'s shape; ``t`` gets a zero
    gradient, as PyTorch's ``CopyBackwards`` gives it."""
    return F.where(Tensor._wrap(backend.xp.zeros(t.shape, bool)), t, src)


#: NumPy's binary ufuncs and the Tensor method that runs ``ufunc(other, tensor)``: an
#: operator with an array or NumPy scalar on the left (:meth:`Tensor.__array_ufunc__`)
_REFLECTED = {
    numpy.add: "__radd__",
    numpy.subtract: "__rsub__",
    numpy.multiply: "__rmul__",
    numpy.true_divide: "__rtruediv__",
    numpy.floor_divide: "__rfloordiv__",
    numpy.remainder: "__rmod__",
    numpy.power: "__rpow__",
    numpy.matmul: "__rmatmul__",
    numpy.bitwise_and: "__rand__",
    numpy.bitwise_or: "__ror__",
    numpy.bitwise_xor: "__rxor__",
    numpy.left_shift: "__rlshift__",
    numpy.right_shift: "__rrshift__",
    numpy.equal: "__eq__",
    numpy.not_equal: "__ne__",
    numpy.less: "__gt__",
    numpy.less_equal: "__ge__",
    numpy.greater: "__lt__",
    numpy.greater_equal: "__le__",
}


def _ufunc_result(r: Any) -> Any:
    """A NumPy ufunc's result on a tensor's values, as a tensor (a NumPy scalar as a 0-d
    one: PyTorch's ``__array_wrap__``); anything else as it came."""
    if isinstance(r, numpy.ndarray):
        return Tensor._wrap(r)
    if isinstance(r, numpy.generic):
        return Tensor._wrap(numpy.asarray(r))
    return r


def _arg_extreme(a: Any, which: str, dim: int | None, keepdim: bool) -> Any:
    """``a.argmax``/``a.argmin`` along ``dim``; a 0-d array's dim 0 / -1 is read as all of it,
    as NumPy (and PyTorch) read it: CuPy refuses that axis."""
    if dim is not None:  # PyTorch's parser: a float or bool dim is a TypeError
        dim = int_arg(dim, which, "dim", 1)
    if a.ndim == 0 and dim in (0, -1):
        dim = None
    if a.size == 0:  # PyTorch's IndexError (also a ValueError: NumPy's class, raised before)
        if dim is None:
            raise IndexShapeError(
                f"{which}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"({which}: the tensor of shape {a.shape} is empty; give a dim whose size is "
                "not 0)"
            )
        axis = dim + a.ndim if dim < 0 else dim
        if 0 <= axis < a.ndim and a.shape[axis] == 0:
            raise IndexShapeError(
                f"{which}(): Expected reduction dim {dim} to have non-zero size. ({which}: "
                f"dim {dim} of shape {a.shape} is empty; reduce over a non-empty dim)"
            )
    return getattr(a, which)(axis=dim, keepdims=keepdim)


def _index_arrays(index: Any) -> Any:
    """Replace tensors inside an index by their arrays, reading the index as PyTorch does: a
    list (shorter than 32) holding a tensor, a sequence, a slice, ``...`` or ``None`` is a
    tuple of indices (``x[[[0, 1], [1, 2]]]`` is ``x[[0, 1], [1, 2]]``, NumPy's old rule),
    and a uint8 tensor is a boolean mask (PyTorch's deprecated byte masks)."""
    if (
        isinstance(index, list)
        and len(index) < 32
        and builtins.any(
            isinstance(i, (Tensor, Sequence, slice, numpy.ndarray)) or i is None or i is Ellipsis
            for i in index
        )
    ):
        index = tuple(index)
    if isinstance(index, tuple):
        return tuple(_index_array(i) for i in index)
    return _index_array(index)


def _index_array(i: Any) -> Any:
    if isinstance(i, Tensor):
        i = i._data
        if i.dtype == numpy.uint8:
            return i.astype(bool)
    elif isinstance(i, numpy.ndarray) and backend.gpu:
        return backend.xp.asarray(i)  # a host index array into a device array
    return i


def _check_device_bounds(shape: tuple, index: Any) -> None:
    """On CuPy, refuse an integer index array with an entry outside ``[-n, n)`` of its dim,
    with PyTorch's ``IndexError``, before the array is indexed: NumPy raises that itself, but
    CuPy wraps such indices around when reading and writes outside the array when writing (a
    corrupted GPU context, not an error). One device-to-host sync per index array; nothing on
    NumPy."""
    if not backend.gpu:
        return
    xp = backend.xp
    items = index if isinstance(index, tuple) else (index,)
    arrays = [
        xp.asarray(it) if isinstance(it, list) and it else it
        for it in items
        if not (it is None or it is Ellipsis or isinstance(it, (bool, int, slice)))
    ]
    used = builtins.sum(
        a.ndim if getattr(a, "dtype", None) == numpy.bool_ else 1 for a in arrays
    ) + builtins.sum(1 for it in items if isinstance(it, (int, slice)) and not isinstance(it, bool))
    d, k = 0, 0
    for it in items:
        if it is Ellipsis:
            d += len(shape) - used
            continue
        if it is None or isinstance(it, bool):
            continue
        if isinstance(it, (int, slice)):
            d += 1
            continue
        a = arrays[k]
        k += 1
        if not isinstance(a, xp.ndarray) or a.dtype.kind not in "iu" or d >= len(shape):
            d += a.ndim if getattr(a, "dtype", None) == numpy.bool_ else 1
            continue
        n = shape[d]
        if a.size and bool(((a < -n) | (a >= n)).any()):
            bad = int(a[(a < -n) | (a >= n)].ravel()[0])
            raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
        d += 1


def _pytorch_index(index: Any, ndim: int) -> tuple[Any, Any]:
    """``index`` as ``(basic, advanced)`` following PyTorch's rule: ``x[index]`` is
    ``x[basic][advanced]`` (``advanced`` None when one NumPy index gives the same result).

    PyTorch applies integers, slices, ``None`` and ``...`` first (an integer *selects*,
    removing its dim, as a 0-d integer tensor does), then the index arrays on what is left,
    as NumPy does for arrays alone: their result dims go where the arrays were when they are
    next to each other, else to the front. NumPy counts integers as index arrays when any
    array is present, which moves or transposes dims (``a[0, :, [0, 1]]`` on ``(2, 3, 4)``:
    PyTorch ``(3, 2)``, NumPy ``(2, 3)``). Lists are index arrays; ``True``/``False`` add a
    dim of size 1/0 that takes part as an index array. ``...`` stands for the slices it
    spans, so arrays on either side of an empty one are next to each other (NumPy counts
    it as a separator and moves their dims to the front)."""
    xp = backend.xp
    items = list(index) if isinstance(index, tuple) else [index]
    has_array = has_special = False
    for k, it in enumerate(items):
        if isinstance(it, (list, range)):
            it = xp.asarray(it) if it else xp.zeros(0, numpy.int64)
        if isinstance(it, (numpy.ndarray, xp.ndarray)) and it.ndim == 0:
            it = bool(it) if it.dtype == numpy.bool_ else int(it) if it.dtype.kind in "iu" else it
        elif isinstance(it, numpy.integer):
            it = int(it)
        elif isinstance(it, numpy.bool_):
            it = bool(it)
        items[k] = it
        if isinstance(it, bool):
            has_array = has_special = True
        elif it is None or isinstance(it, int):
            has_special = True
        elif it is Ellipsis:  # spelled out: NumPy counts even an empty one as a separator
            has_special = True
        elif not isinstance(it, slice):
            has_array = True
    if not has_array or not has_special:
        return (tuple(items) if isinstance(index, tuple) or len(items) != 1 else items[0]), None

    def dims(it: Any) -> int:
        if it is None or it is Ellipsis or isinstance(it, bool):
            return 0
        if isinstance(it, (int, slice)):
            return 1
        return it.ndim if it.dtype == numpy.bool_ else 1

    used = sum(dims(it) for it in items)
    if used > ndim:
        raise IndexError(f"too many indices: {used} dims indexed, the tensor has {ndim}")
    basic: list[Any] = []
    advanced: list[Any] = []
    seen_ellipsis = False
    for it in items:
        if it is Ellipsis:
            if seen_ellipsis:
                raise IndexError("an index can only have a single ellipsis ('...')")
            seen_ellipsis = True
            basic += [slice(None)] * (ndim - used)
            advanced += [slice(None)] * (ndim - used)
        elif isinstance(it, bool):
            basic.append(None)
            advanced.append(xp.zeros(1 if it else 0, numpy.int64))
        elif isinstance(it, int):
            basic.append(it)
        elif it is None or isinstance(it, slice):
            basic.append(it)
            advanced.append(slice(None))
        else:
            basic += [slice(None)] * dims(it)
            advanced.append(it)
    return tuple(basic), tuple(advanced)


def _default_complex() -> numpy.dtype:
    """The complex dtype of Python complex numbers: complex64 beside a float32 default."""
    return numpy.dtype(numpy.complex64 if backend.get_default_dtype().itemsize == 4 else "c16")


def _tensors_as_scalars(data: list | tuple) -> list | tuple:
    """``data`` with each tensor inside it read as one number (a 0-d array of its dtype), as
    ``torch.tensor`` reads them: ``[ones(1), ones(1)]`` has shape ``(2,)``; a tensor of more
    or fewer than one element raises PyTorch's ``ValueError``. Unchanged when it holds none.
    A 0-d NumPy array inside is refused, as PyTorch refuses it."""
    types = set(map(type, data))
    if backend.xp.ndarray in types or numpy.ndarray in types:
        if any(isinstance(x, (numpy.ndarray, backend.xp.ndarray)) and not x.ndim for x in data):
            raise TypeError(
                "len() of unsized object: a 0-d NumPy array inside a list is refused, as by "
                "torch.tensor; use its .item() (or np.stack the arrays)"
            )
    if not any(issubclass(tp, Tensor) or tp is list or tp is tuple for tp in types):
        return data
    out = []
    for x in data:
        if isinstance(x, Tensor):
            if x._data.size != 1:
                raise ValueError(
                    "only one element tensors can be converted to Python scalars (torch.tensor "
                    f"of a list holding a tensor of shape {x.shape}; use dg.stack for a list of "
                    "tensors)"
                )
            x = backend.to_numpy(x._data).reshape(())  # read on the host, as a number
        elif type(x) is list or type(x) is tuple:
            x = _tensors_as_scalars(x)
        out.append(x)
    return type(data)(out)


def _sequence_dtype(data: list | tuple) -> numpy.dtype | None:
    """The dtype ``torch.tensor`` gives a nested sequence: the promotion (``promote_types``)
    of its elements' dtypes, a Python float counting as the default dtype, an int as int64, a
    complex as the default complex dtype, and a NumPy scalar, array or tensor as its own
    dtype (``[np.float64(2.5), 1.0]`` is float64, ``[np.int8(1), True]`` int8). ``None`` for
    an element of another kind (the caller then reads NumPy's dtype)."""
    python = {
        bool: numpy.dtype(bool),
        int: numpy.dtype(numpy.int64),
        float: backend.get_default_dtype(),
        complex: _default_complex(),
    }
    out: numpy.dtype | None = None
    np_bool = False
    stack = [data]
    while stack:
        seq = stack.pop()
        for tp in set(map(type, seq)):
            if tp is list or tp is tuple:
                stack.extend(x for x in seq if type(x) is tp)
                continue
            if tp in python:
                dts = [python[tp]]
            elif issubclass(tp, numpy.generic) and tp().dtype.kind in "biufc":
                dts = [numpy.dtype(tp)]
            elif issubclass(tp, (Tensor, numpy.ndarray, backend.xp.ndarray)):
                dts = {x.dtype for x in seq if type(x) is tp}
            else:
                return None
            for dt in dts:
                out = dt if out is None else backend.promote_types(out, dt)
            np_bool = np_bool or tp is numpy.bool_
    if np_bool and out.kind in "iu":  # PyTorch reads each element as an int: NumPy's bool is not
        raise TypeError("'numpy.bool' object cannot be interpreted as an integer")
    return backend.get_default_dtype() if out is None else out


_REQUIRES_GRAD_SLOT = Tensor.__dict__["_requires_grad"]


def _set_requires_grad(self: Tensor, value: Any) -> None:
    """``x.requires_grad = value`` as PyTorch's setter checks it: a Python bool only (``1``,
    ``None``, a NumPy bool are its ``RuntimeError`` "requires_grad must be a bool"), on a
    leaf only, ``True`` on a floating or complex one only. (deepgrad's engine writes the
    ``_requires_grad`` slot itself where it rebases an input a custom ``Function`` marked
    dirty.)"""
    if value is not True and value is not False:
        raise RuntimeError(
            f"requires_grad must be a bool (got {type(value).__name__} {value!r}; assign "
            "True or False, or call x.requires_grad_())"
        )
    if self._creator is None:
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients "
                f"(got dtype {self._data.dtype})"
            )
    else:
        raise RuntimeError(
            "you can only change requires_grad flags of leaf variables."
            + (
                ""
                if value
                else " If you want to use a computed variable in a subgraph that doesn't "
                "require differentiation use var_no_grad = var.detach()."
            )
        )
    _REQUIRES_GRAD_SLOT.__set__(self, value)


Tensor.requires_grad = property(  # type: ignore[assignment]
    _REQUIRES_GRAD_SLOT.__get__,
    _set_requires_grad,
    doc="Whether operations on this tensor are recorded for differentiation.",
)


class TensorDataError(TypeError, ValueError, RuntimeError):
    """Data ``tensor()`` cannot read (``None``, a string, a ``Fraction``, an object): PyTorch
    raises ``RuntimeError`` ("Could not infer dtype of NoneType"), ``ValueError`` or
    ``TypeError`` by the case; deepgrad raised ``TypeError`` before, so it is all three."""


class IntOverflowError(OverflowError, ValueError, RuntimeError):
    """A number that does not fit the tensor's integer dtype: PyTorch raises ``RuntimeError``
    ("value cannot be converted to type uint8 without overflow") or, past int64,
    ``ValueError``; deepgrad raised NumPy's ``OverflowError`` before, so it is all three."""


def _refuse_array_dtype(dt: numpy.dtype) -> None:
    """PyTorch's refusal of a NumPy array it has no dtype for (strings, objects, dates,
    ``longdouble``)."""
    if dt.kind not in "biufc" or dt.itemsize > (16 if dt.kind == "c" else 8):
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{dt.type.__name__}. The only supported "
            "types are: float64, float32, float16, complex64, complex128, int64, int32, "
            "int16, int8, uint64, uint32, uint16, uint8, and bool (convert it first, e.g. "
            "a.astype(np.float64))"
        )


def _wrapped_ints(data: Any, d: numpy.dtype) -> Any:
    """Python ints for an unsigned dtype narrower than 64 bits, as PyTorch takes them: any
    value in ``[-max, max]``, a negative one wrapped (``tensor([-2], dtype=uint8)`` is 254);
    beyond, or for another dtype, PyTorch's overflow error."""
    arr = numpy.asarray(data)
    if d.kind == "u" and d.itemsize < 8 and arr.dtype.kind in "iu" and arr.size:
        top = (1 << (8 * d.itemsize)) - 1
        if -top <= int(arr.min()) and int(arr.max()) <= top:
            return arr.astype(d)
    raise IntOverflowError(f"value cannot be converted to type {d} without overflow")


#: the largest finite float32 and float16 (PyTorch refuses a finite number beyond them)
_FLOAT_LIMITS = {"float32": 3.4028234663852886e38, "complex64": 3.4028234663852886e38}


def _checked_scalar(v: Any, d: numpy.dtype, op: bool = False) -> Any:
    """A Python (or NumPy) number written into a tensor of dtype ``d``, as PyTorch converts
    it: ``x[i] = v``, or with ``op`` a Scalar argument (``masked_fill``, ``index_fill``,
    ``scatter``'s value). Floats truncate toward 0 into integers. A value the dtype cannot
    hold raises PyTorch's overflow error: NaN, ±inf or a negative float into an integer
    dtype, a complex number into a real one, an int out of range (an unsigned dtype takes
    ``[-max, max]``, negatives wrapped; past int64 only an ``op`` into a float dtype takes
    it, up to uint64's range), a finite float beyond float32's (complex64's parts') range,
    and for an ``op`` float16's. Returns the Python number of ``d``'s value (what any
    backend's array takes); anything but a number unchanged."""
    if not isinstance(v, (bool, int, float, complex, numpy.generic)):
        return v
    v = v.item() if isinstance(v, numpy.generic) else v
    big = type(v) is int and not -(1 << 63) <= v < (1 << 63)
    if big and (not op or d.kind in "iu" or not 0 < v < (1 << 64)):
        raise IntOverflowError(f"Overflow when unpacking long long: {v} is beyond int64")
    if d.kind == "b":
        return bool(v)
    v = float(v) if big else v
    limit = _FLOAT_LIMITS.get(d.name) or (65504.0 if op and d.name == "float16" else math.inf)
    parts = (v.real, v.imag) if isinstance(v, complex) else (v,)
    bad = any(math.isfinite(p) and abs(p) > limit for p in parts)
    if isinstance(v, complex):
        bad = bad or d.kind != "c"
    elif d.kind in "iu":
        info = numpy.iinfo(d)
        if type(v) is float:  # truncated; never negative into an unsigned dtype
            low = v >= 0 if d.kind == "u" else math.isfinite(v) and int(v) >= info.min
            bad = not (math.isfinite(v) and low and int(v) <= info.max)
        else:  # an unsigned dtype wraps a negative int down to -max
            bad = not (-int(info.max) if d.kind == "u" else int(info.min)) <= v <= info.max
            if not bad and v < 0 and d.kind == "u":
                return v % (int(info.max) + 1)
    if bad:
        raise IntOverflowError(f"value cannot be converted to type {d} without overflow: {v}")
    if d.name in ("float64", "complex128") or (d.kind in "iu" and type(v) is int):
        return v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # float16 overflow is inf, as there
        return numpy.asarray(v).astype(d).item()


def _transpose_dims(axes: tuple, dim0: Any, dim1: Any) -> tuple:
    """``(dim0, dim1)`` of ``x.transpose(0, dim1=1)`` / ``x.transpose(dim0=0, dim1=1)``."""
    given = list(axes)
    for name, value, position in (("dim0", dim0, 0), ("dim1", dim1, 1)):
        if value is None:
            continue
        if len(given) != position:
            raise TypeError(
                f"transpose() got {name} both positionally and as a keyword, or without the "
                "dims before it: transpose(dim0, dim1)"
            )
        given.append(value)
    if len(given) != 2:
        raise TypeError("transpose() missing an argument: transpose(dim0, dim1)")
    return tuple(given)


def _sizes_or_keyword(args: tuple, kw: dict, method: str, *names: str) -> tuple:
    """The sizes of ``x.reshape(2, 3)``/``x.reshape((2, 3))`` or, as PyTorch also takes them,
    ``x.reshape(shape=(2, 3))`` (``view(size=)``, ``permute(dims=)``, ``repeat(repeats=)``):
    the positional form, or ``(value,)`` for the one keyword given."""
    if not kw:
        return args
    unknown = [k for k in kw if k not in names]
    if unknown:
        raise TypeError(
            f"{method}() got an unexpected keyword argument {unknown[0]!r}; "
            f"PyTorch's: {' or '.join(repr(n) for n in names)}"
        )
    if args or len(kw) > 1:
        raise TypeError(f"{method}(): the sizes were given both positionally and as a keyword")
    return (next(iter(kw.values())),)


def _not_comparable(other: Any) -> bool:
    """Whether ``tensor == other`` is Python's identity test, as in PyTorch (its ``eq`` takes
    tensors and numbers only; anything else is ``NotImplemented``, so ``if mask == None:``
    reads False, not an elementwise tensor whose truth is ambiguous). Arrays, sequences and
    NumPy scalars keep deepgrad's elementwise comparison."""
    return other is None or isinstance(other, (str, bytes, dict, set, type)) or callable(other)


def _as_array(data: Any, dtype: Any = None) -> Any:
    """Convert ``data`` to an array of the active backend.

    Python floats become the default dtype (float32), Python ints int64, bools bool, complex
    numbers the default complex dtype (complex64); arrays keep their dtype, and a sequence
    takes its elements' dtypes promoted (:func:`_sequence_dtype`), unless ``dtype`` is given
    (as in ``torch.tensor``).
    """
    xp = backend.xp
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, numpy.ndarray):
        _refuse_array_dtype(data.dtype)
    if dtype is not None:
        try:
            return xp.asarray(data, dtype=dtype)
        except OverflowError:
            return xp.asarray(_wrapped_ints(data, numpy.dtype(dtype)))
    if isinstance(data, (xp.ndarray, numpy.ndarray, numpy.generic)):
        return xp.asarray(data)
    if isinstance(data, bool):
        return xp.asarray(data)
    if isinstance(data, int):  # (PyTorch takes no other number types: Fraction, Decimal...)
        if not -(1 << 63) <= data < 1 << 63:
            raise IntOverflowError(f"Overflow when unpacking long long: {data} is beyond int64")
        return xp.asarray(data, dtype=numpy.int64)
    if isinstance(data, float):
        return xp.asarray(data, dtype=backend.get_default_dtype())
    if isinstance(data, complex):
        return xp.asarray(data, dtype=_default_complex())
    if isinstance(data, (list, tuple)):
        data = _tensors_as_scalars(data)
    try:
        arr = numpy.asarray(data)
    except ValueError as exc:
        raise ValueError(f"cannot make a tensor from ragged or mixed data: {exc}") from None
    inferred = _sequence_dtype(data) if isinstance(data, (list, tuple)) else None
    if arr.dtype == object and inferred is not None:  # Python ints past int64 (or uint64)
        if inferred.kind not in "fc":
            raise IntOverflowError("Overflow when unpacking long long: an int is beyond int64")
        with numpy.errstate(over="ignore"):  # read as numbers where the list is float (PyTorch)
            arr = numpy.asarray(data, dtype=inferred)
    if arr.dtype.kind not in "biufc":
        raise TensorDataError(
            f"cannot make a tensor from data of type {type(data).__name__} (dtype {arr.dtype}); "
            "expected numbers, nested lists of numbers, or an array"
        )
    if (
        inferred is not None
        and inferred.kind in "biu"
        and (arr.dtype.kind == "f" or arr.dtype == numpy.uint64 != inferred)
    ):  # Python ints past int64, which NumPy read as uint64 or float64
        raise IntOverflowError(
            f"Overflow when unpacking long long: {int(arr.max())} is beyond int64; give "
            "dtype=uint64 or a float dtype"
        )
    if inferred is not None:
        return xp.asarray(arr.astype(inferred, copy=False))
    if arr.dtype.kind == "f":
        arr = arr.astype(backend.get_default_dtype(), copy=False)
    elif arr.dtype.kind in "iu" and arr.dtype != numpy.uint8:
        arr = arr.astype(numpy.int64, copy=False)
    return xp.asarray(arr)


# ---- creation -------------------------------------------------------------------------------
# PyTorch's signatures: sizes as varargs or one sequence (``zeros(2, 3)``, ``zeros((2, 3))``,
# ``zeros(size=(2, 3))``), and the keywords ``dtype``, ``device``, ``requires_grad`` (plus
# ``generator`` for random draws; ``layout``, ``pin_memory``, ``memory_format`` are accepted
# and have no effect on a NumPy array).
_IGNORED = ("layout", "pin_memory", "memory_format", "out")


def _options(where: str, kwargs: dict) -> None:
    """Refuse keywords PyTorch's creation functions do not take; accept its no-op ones."""
    for k, v in list(kwargs.items()):
        if k in _IGNORED:
            if k == "out" and v is not None:
                raise TypeError(f"{where}: out= is not supported; use the returned tensor")
            if k == "pin_memory":  # no effect, but a Python bool as PyTorch's parser takes it
                bool_arg(v, where, "pin_memory")
            kwargs.pop(k)
    if kwargs:
        import difflib

        k = sorted(kwargs)[0]
        near = difflib.get_close_matches(k, ("dtype", "device", "requires_grad", "generator"))
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise TypeError(f"{where}() got an unexpected keyword argument {k!r}{hint}")


def _leaf(arr: Any, device: Any, requires_grad: bool, where: str) -> Tensor:
    """A leaf tensor of array ``arr``, moved to ``device`` when one is named;
    ``requires_grad`` a Python bool, as PyTorch's factories take it (``requires_grad=1`` is
    its ``TypeError``)."""
    if requires_grad is not False and requires_grad is not True:
        bool_arg(requires_grad, where, "requires_grad")
    if device is not None:
        arr = _device.move(arr, _device.device(device))
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _gen(generator: Any) -> Any:
    """The generator to draw from: ``generator`` when given, else deepgrad's seeded one."""
    if generator is None:
        return backend.rng()
    return getattr(generator, "_generator", generator)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, without copying when it already is one (or an array of
    the right dtype and device). A tensor of another dtype or device is ``data.to(...)``,
    recorded in the graph as PyTorch's."""
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(**{k: v for k, v in (("dtype", dtype), ("device", device)) if v is not None})
    return _leaf(_as_array(data, dtype), device, False, "as_tensor")


def asarray(
    obj: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool | None = None,
) -> Tensor:
    """``obj`` as a tensor, as ``torch.asarray``: a tensor is returned itself, a NumPy array
    shares its memory (writes through either show in both), unless ``dtype`` differs or
    ``copy=True``; ``copy=False`` raises where sharing is impossible (another dtype, a
    Python sequence). A tensor's cast or copy is recorded in the graph (``to`` / ``clone``);
    ``requires_grad=False`` detaches (a leaf given back itself is switched off in place, as
    PyTorch's), ``True`` makes the result require grad. Sequences and numbers are read as by
    :func:`tensor`.

    >>> import numpy as np
    >>> a = np.zeros(2)
    >>> t = asarray(a)
    >>> t[0] = 5.0
    >>> a.tolist(), t.dtype
    ([5.0, 0.0], dtype('float64'))
    """
    dt = None if dtype is None else numpy.dtype(dtype)
    if isinstance(obj, Tensor):
        out = obj
        if dt is not None and dt != obj.dtype:
            if copy is False:
                raise ValueError(f"asarray: can't alias a tensor of dtype {obj.dtype} into {dt}")
            out = obj.to(dt)
        elif copy:
            out = obj.clone()
        if device is not None:
            out = out.to(device)
    elif isinstance(obj, (numpy.ndarray, backend.xp.ndarray)):
        _refuse_array_dtype(obj.dtype)
        if not obj.dtype.isnative:
            raise ValueError(
                f"asarray: the array's byte order ({obj.dtype}) is not the machine's; convert "
                "it first with a.astype(a.dtype.newbyteorder('='))"
            )
        if dt is not None and dt != obj.dtype and copy is False:
            raise ValueError(f"asarray: can't alias an array of dtype {obj.dtype} into {dt}")
        # a 0-d array is read as a number (copied, even under copy=False), as PyTorch's
        share = not copy and obj.ndim and (dt is None or dt == obj.dtype)
        arr = backend.xp.asarray(obj) if share else _as_array(obj, dt).copy()
        out = _leaf(arr, device, False, "asarray")
    else:
        if copy is False:
            if isinstance(obj, numpy.generic):
                raise RuntimeError(
                    "asarray: can't alias NumPy scalars. Either remove copy=False or transform "
                    "it in a ndarray."
                )
            raise ValueError(
                f"asarray: can't alias {type(obj).__name__} into a tensor (copy=False shares "
                "the memory of a tensor or an array only)"
            )
        out = tensor(obj, dtype=dt, device=device)
    if requires_grad is True and not out.requires_grad:
        out.requires_grad_(True)
    elif requires_grad is False and out.requires_grad:
        out = out.requires_grad_(False) if out.is_leaf else out.detach()
    return out


def tensor(
    data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kwargs: Any
) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested lists, scalars or arrays).

    >>> tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> tensor([1, 2]).dtype
    dtype('int64')
    """
    if isinstance(data, numpy.ndarray):
        _refuse_array_dtype(data.dtype)
    if (
        type(data) is backend.xp.ndarray
        and dtype is None
        and device is None
        and not (kwargs or requires_grad)
    ):
        return _make_tensor(data.copy(), None, 0)  # an array of the backend: a copy of it
    _options("tensor", kwargs)
    arr = _as_array(data, dtype)
    if isinstance(data, Tensor) or arr is data:
        arr = arr.copy()
    return _leaf(arr, device, requires_grad, "tensor")


def foreign_to_numpy(v: Any) -> Any:
    """Another library's tensor (PyTorch's, from ``torch.load``: it has ``detach`` and
    ``numpy``) as a NumPy array of its values; anything else, deepgrad's tensors included,
    as it is."""
    if hasattr(v, "detach") and hasattr(v, "numpy") and not isinstance(v, Tensor):
        return v.detach().cpu().numpy()
    return v


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule sharing the tensor's memory (``torch.to_dlpack``; other libraries'
    ``from_dlpack`` take it, or the tensor itself through ``__dlpack__``)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack expects a tensor, got {type(tensor).__name__}")
    return tensor._data.__dlpack__()


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of any DLPack producer (a PyTorch, JAX or NumPy array
    with ``__dlpack__``), as ``torch.from_dlpack``; its dtype and shape.

    >>> import numpy as np
    >>> from_dlpack(np.arange(3.0)).tolist()
    [0.0, 1.0, 2.0]
    """
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(
            f"from_dlpack expects an object with __dlpack__ (a tensor of another library), "
            f"got {type(ext_tensor).__name__}; for a NumPy array use dg.from_numpy"
        )
    if getattr(ext_tensor, "requires_grad", False) and hasattr(ext_tensor, "detach"):
        ext_tensor = ext_tensor.detach()  # its memory, not its graph
    on_cpu = getattr(ext_tensor, "__dlpack_device__", lambda: (1, 0))()[0] == 1  # kDLCPU
    # where the memory is: host memory stays a NumPy array (device cpu) on either backend
    module = numpy if on_cpu else backend.xp
    return Tensor._from_op(module.from_dlpack(ext_tensor), None, 0)


def from_numpy(a: numpy.ndarray) -> Tensor:
    """A tensor sharing the memory of NumPy array ``a`` (writes to either show in both), with
    its dtype, as ``torch.from_numpy``.

    >>> import numpy as np
    >>> a = np.zeros(2)
    >>> t = from_numpy(a)
    >>> a[0] = 5.0
    >>> t.tolist(), t.dtype
    ([5.0, 0.0], dtype('float64'))
    """
    if not isinstance(a, numpy.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(a).__name__}")
    _refuse_array_dtype(a.dtype)
    if not a.dtype.isnative:
        raise ValueError(
            f"from_numpy: the array's byte order ({a.dtype}) is not the machine's; convert it "
            "first with a.astype(a.dtype.newbyteorder('='))"
        )
    return Tensor._from_op(a, None, 0)


def _shape(shape: tuple, size: Any = None, where: str = "size") -> tuple[int, ...]:
    """The size of a creation function: varargs ``(2, 3)``, one sequence ``((2, 3),)``, or
    the ``size=`` keyword."""
    if size is not None:
        if shape:
            raise TypeError(f"{where}: the size was given both positionally and as size=")
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = []
    for s in shape:
        if isinstance(s, Tensor):
            s = s.item()
        if isinstance(s, (int, numpy.integer)) and not isinstance(s, bool) and s < 0:
            raise ValueRangeError(  # PyTorch's RuntimeError (also a ValueError)
                f"{where}: Dimension size must be non-negative. (a size must be non-negative "
                f"ints, got {shape!r})"
            )
        if isinstance(s, bool) or not isinstance(s, (int, numpy.integer)):
            raise TypeError(
                f"{where}: a size must be non-negative ints (as varargs or one tuple), got "
                f"{shape!r}"
            )
        out.append(int(s))
    return tuple(out)


def _dtype(dtype: Any) -> Any:
    return backend.get_default_dtype() if dtype is None else numpy.dtype(dtype)


def _with_out(where: str, drawn: bool = False) -> Callable[[Callable], Callable]:
    """PyTorch's ``out=`` for a factory: the values made in ``out``'s dtype (a ``dtype`` that
    differs is PyTorch's ``RuntimeError``) and written into ``out``, resized to the result's
    shape where it differs, and ``out`` returned (``requires_grad=True`` sets its flag; an
    ``out`` that requires grad is refused, as PyTorch refuses it). A random factory
    (``drawn``) fills a non-contiguous ``out`` as PyTorch's kernels do: in its memory order
    (:func:`deepgrad._torch_rng.as_filled`), ``randn`` by ``normal_`` into ``out`` itself."""

    def wrap(fn: Callable) -> Callable:
        def factory(*args: Any, out: Any = None, **kw: Any) -> Tensor:
            if out is None:
                return fn(*args, **kw)
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"{where}(): argument 'out' must be Tensor, not {type(out).__name__}"
                )
            if out.requires_grad:
                raise ValueRangeError(
                    f"{where}(): functions with out=... arguments don't support automatic "
                    "differentiation, but one of the arguments requires grad."
                )
            dt = numpy.dtype(out.dtype)
            if kw.get("dtype") is not None and numpy.dtype(_dtype(kw["dtype"])) != dt:
                raise ValueRangeError(
                    f"dtype {kernel_dtype_name(numpy.dtype(_dtype(kw['dtype'])))} does not match "
                    f"dtype of out parameter ({kernel_dtype_name(dt)})"
                )
            grad, kw["dtype"] = kw.pop("requires_grad", False), out.dtype
            if (
                where == "randn"
                and not out._data.flags.c_contiguous
                and tuple(out.shape) == _sized(where, args, {"size": kw.get("size")})
            ):  # PyTorch: normal_ into out itself (by its scalar sampler there)
                out.normal_(generator=kw.get("generator"))
            else:
                values = fn(*args, **kw)
                if tuple(out.shape) != tuple(values.shape):
                    out.resize_(values.shape)
                v = values._data
                if drawn and not out._data.flags.c_contiguous:
                    v = _torch_rng.as_filled(v.ravel(), out._data)  # drawn in out's order
                out.copy_(Tensor._wrap(backend.xp.asarray(v)))
            return out.requires_grad_(True) if grad else out

        factory.__name__, factory.__qualname__ = fn.__name__, fn.__qualname__
        factory.__module__ = fn.__module__
        factory.__doc__, factory.__wrapped__ = fn.__doc__, fn  # type: ignore[attr-defined]
        return factory

    return wrap


@_with_out("zeros")
def zeros(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    shape = _sized("zeros", size, kw)
    return _leaf(backend.xp.zeros(shape, _dtype(dtype)), device, requires_grad, "zeros")


@_with_out("ones")
def ones(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """A tensor of ones."""
    shape = _sized("ones", size, kw)
    return _leaf(backend.xp.ones(shape, _dtype(dtype)), device, requires_grad, "ones")


@_with_out("empty")
def empty(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """A tensor of the given size whose values are not set (zeros here: NumPy's
    uninitialised memory would make runs irreproducible)."""
    shape = _sized("empty", size, kw)
    return _leaf(backend.xp.zeros(shape, _dtype(dtype)), device, requires_grad, "empty")


def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """A tensor of shape ``size`` laid out with the element strides ``stride`` over memory of
    its own (zeros: PyTorch's is uninitialised); strides of 0 repeat one value."""
    _options("empty_strided", kw)
    shape = _shape((size,), None, "empty_strided")
    st = tuple(int(v) for v in stride)
    if len(st) != len(shape):
        raise RuntimeError(
            f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
            f"({len(st)})"
        )
    if any(v < 0 for v in st):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(shape)} and "
            f"strides={list(st)} (strides must be non-negative)"
        )
    d = numpy.dtype(_dtype(dtype))
    extent = 0 if 0 in shape else 1 + sum((n - 1) * v for n, v in zip(shape, st, strict=True))
    base = backend.xp.zeros(extent, d)
    arr = backend.xp.lib.stride_tricks.as_strided(base, shape, tuple(v * d.itemsize for v in st))
    return _leaf(arr, device, requires_grad, "empty_strided")


def scalar_tensor(
    s: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """A 0-d tensor of the number ``s`` in the default float dtype unless ``dtype`` is given
    (PyTorch's ``scalar_tensor``: ``scalar_tensor(3)`` is ``tensor(3.)``)."""
    _options("scalar_tensor", kw)
    v = s.item() if isinstance(s, Tensor) else s
    d = numpy.dtype(_dtype(dtype))
    if isinstance(v, complex) and d.kind != "c":
        raise RuntimeError(f"value cannot be converted to type {d} without overflow: {v}")
    return _leaf(backend.xp.asarray(v, dtype=d), device, requires_grad, "scalar_tensor")


def frombuffer(
    buffer: Any,
    *,
    dtype: Any,
    count: int = -1,
    offset: int = 0,
    requires_grad: bool = False,
) -> Tensor:
    """A 1-d tensor of the bytes of a Python buffer object (``bytes``, ``bytearray``,
    ``memoryview``, ``array.array``), sharing its memory (read-only buffers are copied:
    NumPy keeps them read-only): ``count`` elements (-1: all) from byte ``offset``, with
    PyTorch's checks, so it never reads past the buffer."""
    d = numpy.dtype(dtype)
    view = memoryview(buffer).cast("B")
    nbytes = view.nbytes
    if nbytes == 0 or count == 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if offset < 0 or offset >= nbytes:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({nbytes} bytes) minus 1"
        )
    rest = nbytes - offset
    if count < 0:
        if rest % d.itemsize:
            raise ValueError(
                f"buffer length ({rest} bytes) after offset ({offset} bytes) must be a "
                f"multiple of element size ({d.itemsize})"
            )
        count = rest // d.itemsize
    elif count * d.itemsize > rest:
        raise ValueError(
            f"requested buffer length ({count} * {d.itemsize} bytes) after offset ({offset} "
            f"bytes) must not be greater than actual buffer length ({nbytes} bytes)"
        )
    arr = numpy.frombuffer(view, dtype=d, count=count, offset=offset)
    if not arr.flags.writeable:
        arr = arr.copy()
    return _leaf(arr, None, requires_grad, "frombuffer")  # host memory: a CPU tensor, shared


def _sized(where: str, size: tuple, kw: dict) -> tuple[int, ...]:
    kw = dict(kw)
    given = kw.pop("size", None)
    _options(where, kw)
    return _shape(size, given, where)


def _fill_dtype(fill_value: Any) -> Any:
    """PyTorch's dtype for a fill value: bool, int64 for an int, the default float else."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if isinstance(fill_value, (bool, numpy.bool_)):
        return numpy.bool_
    if isinstance(fill_value, (int, numpy.integer)):
        return numpy.int64
    return backend.get_default_dtype()


@_with_out("full")
def full(
    size: Any,
    fill_value: Scalar,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value as in PyTorch (an int
    gives int64, a bool bool, a float the default float dtype) unless ``dtype`` is given."""
    _options("full", kw)
    shape = _shape((size,), None, "full")
    dt = _fill_dtype(fill_value) if dtype is None else dtype
    return _leaf(backend.xp.full(shape, fill_value, dt), device, requires_grad, "full")


@_with_out("arange")
def arange(
    start: Scalar,
    end: Scalar | None = None,
    step: Scalar = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Evenly spaced values in ``[start, end)``; integer arguments give int64."""
    end = kw.pop("stop", end)
    _options("arange", kw)
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = numpy.int64 if ints else backend.get_default_dtype()
    dtype = numpy.dtype(dtype)
    if dtype.kind in "iub":  # PyTorch casts the bounds and step to the integer type first
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise ValueRangeError("step must be nonzero (arange)")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise ValueRangeError(  # PyTorch's rule; an empty range (end == start) is fine
            f"upper bound and lower bound inconsistent with step sign (arange: start {start}, "
            f"end {end}, step {step})"
        )
    if dtype.kind in "iub":
        arr = backend.xp.arange(start, end, step, dtype=dtype)
    else:  # start + i·step, one fused multiply-add in float64 (float32 for float16), as
        # PyTorch's kernel (NumPy's float arange adds a rounded delta: float32 values drift)
        n = builtins.max(math.ceil((end - start) / step), 0)  # PyTorch's length
        arr = backend.xp.asarray(_accumulated_line(start, step, n, dtype))
    return _leaf(arr, device, requires_grad, "arange")


def _accumulated_line(start: Any, step: Any, n: int, dt: numpy.dtype) -> Any:
    """PyTorch's CPU ``arange`` kernel's values: ``start + step·i`` for ``i < n`` in its
    accumulate type (float64; float32 for float16), one fused multiply-add each, rounded to
    ``dt`` — computed, as PyTorch's compiled kernel does, a pair of 32-byte vectors at a time
    (8 float32, 4 float64): a vector's first value by that formula rounded to ``dt``, then
    ``first + step·k`` for its others; the values after the last pair by the formula. Chunks
    of 32,768 values and more are split among the threads as PyTorch's ``parallel_for``
    splits them, each vectorized from its own start."""
    acc = numpy.float32 if dt.itemsize < 4 else numpy.float64
    start, step = acc(start), acc(step)
    narrow = numpy.float32 if acc is numpy.float32 else None
    out = numpy.empty(n, dt)
    vs = max(32 // dt.itemsize, 1)

    def line(base: Any, times: Any) -> Any:  # base + step·times, fused, in acc
        return _fused_line(numpy.float64(base), numpy.float64(step), times, narrow)

    def run(a: int, b: int) -> None:
        m = (b - a) // (2 * vs) * (2 * vs)  # the values the vector pairs cover
        if m:
            firsts = numpy.arange(a, a + m, vs, dtype=numpy.float64)
            base = line(start, firsts).astype(dt)  # each vector's first value, in dt
            k = numpy.arange(vs, dtype=numpy.float64)
            block = line(base.astype(numpy.float64)[:, None], k[None, :])
            out[a : a + m] = block.reshape(-1).astype(dt)
        tail = numpy.arange(a + m, b, dtype=numpy.float64)
        out[a + m : b] = line(start, tail).astype(dt)

    grain = 32768
    if n < grain:
        run(0, n)
    else:
        chunk = -(-n // min(threads.get_num_threads(), -(-n // grain)))
        for a in builtins.range(0, n, chunk):
            run(a, min(n, a + chunk))
    return out


def tensor_range(
    start: Scalar = 0,
    end: Scalar | None = None,
    step: Scalar = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """PyTorch's deprecated ``torch.range`` (``deepgrad.range``): ``start, start + step, …``
    up to ``end`` *included*, in the default float dtype unless ``dtype``; it warns, as
    PyTorch does, that ``arange`` (end excluded) is the function to use.

    >>> import warnings, deepgrad as dg
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     dg.range(0, 3).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    import warnings

    _options("range", kw)
    warnings.warn(
        "range is deprecated and will be removed in a future release because its behavior is "
        "inconsistent with Python's range builtin (as torch.range); use arange, which gives "
        "values in [start, end)",
        UserWarning,
        stacklevel=2,
    )
    if end is None:
        raise TypeError('range() missing the required argument "end" (as torch.range)')
    if step == 0 or (end - start) * step < 0:
        raise ValueError(f"range: step {step} does not lead from {start} to {end}")
    n = int(numpy.floor((end - start) / step)) + 1
    arr = (start + step * numpy.arange(n, dtype=numpy.float64)).astype(_dtype(dtype))
    return _leaf(backend.xp.asarray(arr), device, requires_grad, "range")


@_with_out("linspace")
def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end`` (both included).

    >>> linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    _options("linspace", kw)
    steps = int_arg(steps, "linspace", "steps", 3)
    if steps < 0:
        raise ValueRangeError(f"number of steps must be non-negative (linspace: got {steps!r})")
    arr = torch_linspace(start, end, int(steps), numpy.dtype(_dtype(dtype)))
    return _leaf(backend.xp.asarray(arr), device, requires_grad, "linspace")


def torch_linspace(start: Any, end: Any, steps: int, dt: numpy.dtype) -> Any:
    """PyTorch's CPU ``linspace``, value for value, as a NumPy array of dtype ``dt``.

    ``step = (end - start) / (steps - 1)`` in ``dt`` (in float64 for integer dtypes, whose
    ends are truncated to integers first); element ``i`` is ``start + step·i`` before the
    middle (``i < steps // 2``) and ``end - step·(steps - 1 - i)`` from it, each computed as
    one fused multiply-add — rounded once, as PyTorch's compiled kernel computes it (a
    product rounded first misses it by an ulp in about a third of the elements) — then
    truncated for integer dtypes. The exact product and sum come from error-free
    transformations (:func:`_fused_line`). float16, bfloat16 and complex dtypes: NumPy's
    ``linspace``, rounded."""
    if dt.kind not in "fiu" or (dt.kind == "f" and dt.itemsize < 4):
        return numpy.linspace(float(start), float(end), steps).astype(dt)
    if steps == 0:
        return numpy.empty(0, dt)
    integral = dt.kind in "iu"
    t = numpy.float64 if integral else dt.type
    lo = t(int(start)) if integral else t(start)  # Scalar::to<int>: truncation
    hi = t(int(end)) if integral else t(end)
    if steps == 1:
        return numpy.array([lo], dt)
    with numpy.errstate(all="ignore"):
        step = (hi - lo) / t(steps - 1)
    i = numpy.arange(steps)
    first = i < steps // 2
    base = numpy.where(first, numpy.float64(lo), numpy.float64(hi))
    times = numpy.where(first, i, i - (steps - 1)).astype(numpy.float64)  # -(steps - 1 - i)
    val = _fused_line(
        base, numpy.float64(step), times, numpy.float32 if dt == numpy.float32 else None
    )
    if integral:
        return numpy.trunc(val).astype(dt)
    return val.astype(dt)


def _fused_line(base: Any, step: Any, times: Any, narrow: Any) -> Any:
    """``base + step·times`` rounded once (a fused multiply-add) in float64, or, with
    ``narrow`` (float32), rounded once to it: the product split exactly (Dekker's
    ``two_prod``), the sum with its error (``two_sum``), and for float32 the double rounded
    to odd first, so that the second rounding is the exact sum's."""
    with numpy.errstate(all="ignore"):
        p = step * times
        c = 134217729.0  # 2**27 + 1: Veltkamp's split of a double into two 26-bit halves
        sh = c * step - (c * step - step)
        sl = step - sh
        th = c * times - (c * times - times)
        tl = times - th
        e1 = ((sh * th - p) + sh * tl + sl * th) + sl * tl  # step·times = p + e1, exactly
        s = base + p
        bb = s - base
        e2 = (base - (s - bb)) + (p - bb)  # base + p = s + e2, exactly
        err = e1 + e2
        val = s + err
        if narrow is None:
            return numpy.where(numpy.isfinite(p), val, base + p)
        rest = (s - val) + err  # what val misses of the sum
        bits = val.view(numpy.int64)
        odd = (rest != 0) & ((bits & 1) == 0) & numpy.isfinite(val)
        val = numpy.where(odd, numpy.nextafter(val, val + rest), val)  # rounded to odd
        return numpy.where(numpy.isfinite(p), val, base + p).astype(narrow)


@_with_out("logspace")
def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    >>> logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    _options("logspace", kw)
    steps = int_arg(steps, "logspace", "steps", 3)
    if steps < 0:
        raise ValueRangeError(f"number of steps must be non-negative (logspace: got {steps!r})")
    arr = (float(base) ** numpy.linspace(float(start), float(end), int(steps))).astype(
        _dtype(dtype)
    )
    return _leaf(backend.xp.asarray(arr), device, requires_grad, "logspace")


@_with_out("eye")
def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """The identity matrix (``n × m``)."""
    _options("eye", kw)
    n, m = int_arg(n, "eye", "n", 1), None if m is None else int_arg(m, "eye", "m", 2)
    return _leaf(backend.xp.eye(n, m, dtype=_dtype(dtype)), device, requires_grad, "eye")


@_with_out("rand", drawn=True)
def rand(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Uniform samples in ``[0, 1)`` from deepgrad's seeded generator (or ``generator``)."""
    shape = _sized("rand", size, kw)
    arr = _draw("rand", _gen(generator), shape, numpy.dtype(_dtype(dtype)))
    return _leaf(arr, device, requires_grad, "rand")


@_with_out("randn", drawn=True)
def randn(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Standard normal samples from deepgrad's seeded generator (or ``generator``)."""
    shape = _sized("randn", size, kw)
    arr = _draw("randn", _gen(generator), shape, numpy.dtype(_dtype(dtype)))
    return _leaf(arr, device, requires_grad, "randn")


class _NoDraw(NotImplementedError, TypeError):
    """``rand``/``randn`` of an integer or bool dtype: PyTorch's ``NotImplementedError``;
    deepgrad raised NumPy's ``TypeError`` before, so it is both."""


def check_uniform_bounds(dtype: Any, a: float, b: float) -> None:
    """PyTorch's checks of ``uniform_(a, b)`` on a floating ``dtype``, in its order: each
    bound finite within the dtype's range, ``a ≤ b``, and ``b − a`` no larger than the
    dtype's largest value (else the draws would be ±inf or NaN). Raises PyTorch's
    ``RuntimeError`` (also a ``ValueError``)."""
    name = kernel_dtype_name(numpy.dtype(dtype))
    if numpy.dtype(dtype).kind in "biu":  # PyTorch has no kernel for them
        raise DtypeNotImplementedError(
            f"\"check_uniform_bounds\" not implemented for '{name}' (uniform_ fills floating "
            "tensors)"
        )
    big = float(numpy.finfo(dtype).max)
    for what, v in (("from", a), ("to", b)):
        if not -big <= v <= big:
            raise ValueRangeError(
                f"{what} is out of bounds for {name}: uniform_ on {name} takes finite bounds "
                f"within ±{big:g}, got {what}={v}"
            )
    if a > b:
        raise ValueRangeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    if b - a > big:
        raise ValueRangeError(
            f"uniform_ expects to-from <= the largest {name} ({big:g}), but found to={b} and "
            f"from={a} which result in to-from to exceed the limit"
        )


def _draw_like(t: Tensor, draw: Any, generator: Any, *params: float) -> Any:
    """``draw``'s values (:mod:`deepgrad._torch_rng`) for tensor ``t``: its shape and dtype,
    the float16 and complex dtypes through float32/float64 draws (float16 uniforms as
    PyTorch's: :func:`deepgrad._torch_rng.uniform_half`), in ``t``'s memory order
    (:func:`deepgrad._torch_rng.as_filled`)."""
    d = numpy.dtype(t.dtype)
    g = _gen(generator)
    if not getattr(g, "torch_stream", False):
        base = d if d.kind == "f" and d.itemsize >= 4 else numpy.dtype(numpy.float64)
        return numpy.asarray(draw(g, tuple(t.shape), base, *params)).astype(d)
    if d.kind == "c":  # PyTorch draws over view_as_real(t): the parts, in their memory order
        return _complex_draw_like(t, draw, g, *params)
    if d == numpy.float16 and draw is _torch_rng.uniform:
        v = _torch_rng.uniform_half(g, tuple(t.shape), *params)
    elif draw is _torch_rng.normal and not t._data.flags.c_contiguous:
        # PyTorch's kernel fills a non-contiguous tensor value by value (its scalar path)
        v = _torch_rng.scalar_normals(g, t._data.size, *params).astype(d)
    else:  # float16 normals are PyTorch's too (float32's, rounded)
        half = d == numpy.float16 and draw is _torch_rng.normal
        base = d if d.kind == "f" and (d.itemsize >= 4 or half) else numpy.dtype(numpy.float64)
        v = numpy.asarray(draw(g, tuple(t.shape), base, *params)).astype(d)
    return _torch_rng.as_filled(v, t._data)  # in t's memory order, as PyTorch fills it


def _complex_draw_like(t: Tensor, draw: Any, g: Any, *params: float) -> Any:
    """:func:`_draw_like` for a complex tensor: the draws of the float tensor of its parts
    (``view_as_real``: each part U(a, b), or N(mean, std²/2)), in that view's memory order —
    a non-contiguous one value by value by the scalar normal sampler, as PyTorch's."""
    a = t._data
    part = numpy.dtype(f"f{a.dtype.itemsize // 2}")
    real = numpy.lib.stride_tricks.as_strided(
        a.real, (*a.shape, 2), (*a.strides, part.itemsize), writeable=False
    )
    if draw is _torch_rng.normal and not a.flags.c_contiguous:
        mean, std = params
        v = _torch_rng.scalar_normals(g, real.size, mean, std / math.sqrt(2)).astype(part)
        v = _torch_rng.as_filled(v, real)
        return v[..., 0] + 1j * v[..., 1]  # finite: scalar draws of a finite std
    return _torch_rng.as_filled(draw(g, tuple(a.shape), a.dtype, *params), a)


def _draw(where: str, g: Any, shape: tuple, d: numpy.dtype) -> Any:
    """``rand``'s uniform ``[0, 1)`` or ``randn``'s standard normal draws in dtype ``d``:
    float16 uniforms as PyTorch's (:func:`deepgrad._torch_rng.uniform_half`; from 11 random
    bits on a stream that is not PyTorch's), normals PyTorch's (float32's Box–Muller blocks
    rounded, :func:`deepgrad._torch_rng.normal`; a float32 draw rounded on other streams);
    a complex dtype as PyTorch's, real and imaginary parts drawn apart (``randn``'s each of
    variance ½, so the complex variance is 1)."""
    if d.kind not in "fc":
        raise _NoDraw(
            f"{where}: cannot draw dtype {d} (PyTorch: not implemented for integer and bool "
            f"dtypes); draw a float and convert, or use randint for integers"
        )
    part = numpy.dtype(f"f{d.itemsize // 2}") if d.kind == "c" else d
    base = part if part.itemsize >= 4 else numpy.dtype(numpy.float32)
    n = (*shape, 2) if d.kind == "c" else shape
    if getattr(g, "torch_stream", False):
        # PyTorch's numbers (deepgrad._torch_rng); a NumPy generator handed in: its own
        if d.itemsize >= 4 or d.kind == "c":
            return (_torch_rng.uniform if where == "rand" else _torch_rng.normal)(g, shape, d)
        return (_torch_rng.uniform_half if where == "rand" else _torch_rng.normal)(
            g, shape, *(() if where == "rand" else (d,))
        )
    if where == "rand":
        arr = g.random(n, dtype=base) if part.itemsize >= 4 else g.integers(0, 2048, n) / 2048
    else:
        arr = g.standard_normal(n, dtype=base) * (math.sqrt(0.5) if d.kind == "c" else 1)
    arr = arr.astype(part, copy=False)
    return arr[..., 0] + 1j * arr[..., 1] if d.kind == "c" else arr


def _float_nudged(lo: int, hi: int, d: numpy.dtype) -> tuple[int, int]:
    """PyTorch's ``update_from``/``update_to`` for a floating dtype ``d``: a ``from`` whose
    ``from + 1`` rounds below it moves up, and a ``to`` whose ``to - 1`` rounds to ``to`` or
    above moves down, by the dtype's spacing there (so the drawn integers round into the
    range)."""
    digits = numpy.finfo(d).nmant + 1
    with numpy.errstate(over="ignore"):  # past the dtype's range: the caller refuses it
        up, down = d.type(lo + 1), d.type(hi - 1)
    if numpy.isfinite(up) and int(up) < lo:
        lo = int(up) + (1 << ((abs(lo + 1)).bit_length() - 1 - digits + 1))
    if numpy.isfinite(down) and int(down) >= hi:
        hi = int(down) - (1 << ((abs(hi - 1)).bit_length() - 1 - digits + 1))
    return lo, hi


def random_bounds(lo: int, hi: int, dtype: Any, fn: str = "random_") -> tuple[int, int]:
    """``[lo, hi)`` as PyTorch's ``random_(from, to)`` (so ``randint``) takes it for
    ``dtype``: ``from < to``; for a floating dtype both moved to integers the dtype holds
    (:func:`_float_nudged`) and still ``from < to``; ``from`` and ``to - 1`` within the
    dtype's range (its largest finite value for floats); beyond ``2^digits`` a float cannot
    hold every integer, which PyTorch warns about and so does deepgrad. Raises PyTorch's
    ``RuntimeError`` (also a ``ValueError``)."""
    if hi <= lo:
        raise ValueRangeError(
            f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi} "
            f"({fn}: the range [{lo}, {hi}) is empty)"
        )
    d = numpy.dtype(dtype)
    if d.kind == "f":
        lo, hi = _float_nudged(lo, hi, d)
        if hi <= lo:
            raise ValueRangeError(
                f"random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, "
                f"but got from={lo} >= to={hi} ({fn} on {d})"
            )
        big = int(numpy.finfo(d).max)
        info = (-big, big)
    elif d.kind == "b":
        info = (0, 1)
    else:
        info = (int(numpy.iinfo(d).min), int(numpy.iinfo(d).max))
    for name, v in (("from", lo), ("to - 1", hi - 1)):
        if not info[0] <= v <= info[1]:
            raise ValueRangeError(
                f"{name} is out of bounds for {kernel_dtype_name(d)} ({fn}: {v} is outside "
                f"[{info[0]}, {info[1]}])"
            )
    if d.kind == "f":
        digits = numpy.finfo(d).nmant + 1
        for name, v in (("from", lo), ("to - 1", hi - 1)):
            if abs(v) > 1 << digits:
                warnings.warn(
                    f"{name} is out of bounds [-{1 << digits}, {1 << digits}]. Due to precision "
                    f"limitations {kernel_dtype_name(d)} can support discrete uniform "
                    "distribution only within this range.",
                    UserWarning,
                    stacklevel=3,
                )
    return lo, hi


@_with_out("randint", drawn=True)
def randint(
    *args: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Integers uniform in ``[low, high)`` (int64): PyTorch's ``randint(high, size)`` and
    ``randint(low, high, size)`` (also with ``low=``, ``high=``, ``size=`` keywords).

    >>> randint(5, (2, 3)).shape, randint(3, 5, (4,)).dtype
    ((2, 3), dtype('int64'))
    """
    pos = list(args)
    size, high, low = kw.pop("size", None), kw.pop("high", None), kw.pop("low", None)
    _options("randint", kw)
    if size is None and pos:
        size = pos.pop()
    if high is None and pos:
        high = pos.pop()
    if low is None:
        low = pos.pop() if pos else 0
    if pos or size is None or high is None:
        raise TypeError(
            "randint: expected randint(high, size) or randint(low, high, size) (or the "
            f"keywords low=, high=, size=), got {len(args)} positional arguments"
        )
    low, high = int_arg(low, "randint", "low", 1), int_arg(high, "randint", "high", 2)
    shape = _shape((size,), None, "randint")
    dt = numpy.int64 if dtype is None else numpy.dtype(dtype)
    low, high = random_bounds(low, high, dt, "randint")  # PyTorch's checks (its random_'s)
    arr = _torch_rng.randint(_gen(generator), low, high, shape).astype(dt, copy=False)
    return _leaf(arr, device, requires_grad, "randint")


@_with_out("randperm", drawn=True)
def randperm(
    n: int,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """A random permutation of ``0 … n-1`` (int64, or ``dtype``). PyTorch's checks: ``n ≥ 0``,
    ``n - 1`` representable in ``dtype`` (a float holds every integer up to ``2^digits``, so
    ``n ≤ 2^digits + 1``), no bool."""
    _options("randperm", kw)
    dt = numpy.dtype(numpy.int64 if dtype is None else dtype)
    n = int_arg(n, "randperm", "n", 1)
    if n < 0:
        raise ValueRangeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dt.kind == "b":
        raise DtypeNotImplementedError(
            "\"randperm\" not implemented for 'Bool' (draw int64 and compare or convert)"
        )
    top = (1 << (numpy.finfo(dt).nmant + 1)) + 1 if dt.kind == "f" else None
    if top is None and dt.kind in "iu" and n - 1 > int(numpy.iinfo(dt).max):
        raise ValueRangeError(
            f"value cannot be converted to type {dt} without overflow (randperm({n}) needs "
            f"{n - 1}; {dt} holds at most {int(numpy.iinfo(dt).max)})"
        )
    if top is not None and n > top:
        raise ValueRangeError(
            f"n cannot be greater than {top} for {kernel_dtype_name(dt)} type (randperm: "
            f"larger integers are not all representable)"
        )
    arr = _torch_rng.randperm(_gen(generator), n).astype(dt)
    return _leaf(arr, device, requires_grad, "randperm")


class MultinomialError(RuntimeError, ValueError):
    """Weights or a count that ``multinomial`` cannot draw from: PyTorch raises
    ``RuntimeError``; deepgrad raised ``ValueError`` before, so it is both."""


def multinomial(
    input: Tensor,  # noqa: A002 - PyTorch's name
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Draw ``num_samples`` category indices from each row of non-negative weights
    ``input`` (``(C,)`` → ``(num_samples,)``, ``(N, C)`` → ``(N, num_samples)``, int64),
    with probability proportional to the weights; without ``replacement`` a category is
    drawn at most once per row (a row with fewer nonzero weights than ``num_samples`` then
    gives zero-weight categories last, as PyTorch does). Seeded by ``dg.manual_seed`` (or
    ``generator``). PyTorch's errors: negative, infinite or NaN weights, a row summing to 0,
    integer weights, ``num_samples`` over the categories without replacement.

    >>> import deepgrad as dg
    >>> dg.multinomial(dg.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    w = backend.to_numpy(input._data if isinstance(input, Tensor) else numpy.asarray(input))
    if w.ndim not in (1, 2):
        raise MultinomialError(f"prob_dist must be 1 or 2 dim (got shape {w.shape})")
    if w.dtype.kind != "f":
        raise MultinomialError(
            f"multinomial only supports floating-point dtypes for input, got: {w.dtype} "
            "(convert the weights: w.float())"
        )
    rows = numpy.atleast_2d(w).astype(numpy.float64)
    k = int_arg(num_samples, "multinomial", "num_samples", 2)
    if k <= 0:
        raise MultinomialError(f"cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and k > rows.shape[1]:
        raise MultinomialError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({k} > {rows.shape[1]}); pass replacement=True"
        )
    if rows.shape[0] == 0:
        return Tensor._wrap(backend.xp.zeros((0, k), numpy.int64))
    if not numpy.all(numpy.isfinite(rows)) or (rows < 0).any():
        raise MultinomialError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = rows.sum(axis=1)
    if (sums <= 0).any():
        raise MultinomialError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = _gen(generator)
    if getattr(g, "torch_stream", False):  # PyTorch's algorithm and numbers
        dt = w.dtype if w.dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
        out = _torch_rng.multinomial(g, numpy.atleast_2d(w).astype(dt), k, replacement)
        out = out.astype(numpy.int64)
        return Tensor._wrap(backend.xp.asarray(out[0] if w.ndim == 1 else out))
    p = rows / sums[:, None]
    if replacement:  # inverse CDF, all rows at once
        cdf = numpy.cumsum(p, axis=1)
        cdf[:, -1] = 1.0
        u = numpy.asarray(backend.to_numpy(g.random((rows.shape[0], k))))
        out = (u[:, :, None] >= cdf[:, None, :]).sum(axis=2)
        out = numpy.minimum(out, rows.shape[1] - 1)
    else:  # Gumbel top-k: the k largest log p + Gumbel noise are a draw without replacement
        with numpy.errstate(divide="ignore"):
            logp = numpy.log(p)
        u = numpy.asarray(backend.to_numpy(g.random(rows.shape)))
        keys = logp - numpy.log(-numpy.log(numpy.clip(u, 1e-300, 1.0)))
        out = numpy.argsort(-keys, axis=1, kind="stable")[:, :k]
    out = out.astype(numpy.int64)
    return Tensor._wrap(backend.xp.asarray(out[0] if w.ndim == 1 else out))


def _like(x: Tensor, dtype: Any) -> Any:
    return x.dtype if dtype is None else numpy.dtype(dtype)


def _like_device(x: Tensor, device: Any) -> Any:
    """The device for a ``*_like`` tensor: ``device``, else ``x``'s when it is not where the
    active backend creates arrays."""
    if device is not None:
        return device
    return None if isinstance(x._data, backend.xp.ndarray) else x.device


def zeros_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    order = _like_order(input, kw)
    _options("zeros_like", kw)
    arr = backend.xp.zeros_like(input._data, dtype=_like(input, dtype), order=order)
    return _leaf(arr, _like_device(input, device), requires_grad, "zeros_like")


def _like_order(input: Tensor, kw: dict) -> str:
    """NumPy's ``order`` for a ``*_like`` result: ``"K"`` keeps a transposed or permuted
    input's layout, as PyTorch's ``preserve_format`` (its default) does, so later memory-order
    work (an in-place draw, ``view``) sees PyTorch's strides; ``"C"`` for a row-major or
    expanded input, or when ``memory_format`` asks for another."""
    a = input._data
    if (
        kw.get("memory_format", preserve_format) is preserve_format
        and a.ndim > 1
        and not a.flags.c_contiguous
        and 0 not in a.strides
    ):
        return "K"
    return "C"


def ones_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    order = _like_order(input, kw)
    _options("ones_like", kw)
    arr = backend.xp.ones_like(input._data, dtype=_like(input, dtype), order=order)
    return _leaf(arr, _like_device(input, device), requires_grad, "ones_like")


def empty_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Like :func:`empty`: zeros of ``input``'s shape (and dtype and device)."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad, **kw)


def full_like(
    input: Tensor,  # noqa: A002
    fill_value: Scalar,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    order = _like_order(input, kw)
    _options("full_like", kw)
    full = backend.xp.full(input.shape, fill_value, _like(input, dtype))
    arr = backend.xp.empty_like(input._data, dtype=full.dtype, order=order)
    arr[...] = full
    return _leaf(arr, _like_device(input, device), requires_grad, "full_like")


def rand_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    out = _strided_like("rand_like", input, dtype, device, requires_grad, kw,
                        lambda t, g: t.uniform_(0.0, 1.0, generator=g))  # fmt: skip
    if out is not None:
        return out
    return rand(
        input.shape,
        dtype=_like(input, dtype),
        device=_like_device(input, device),
        requires_grad=requires_grad,
        **kw,
    )


def _strided_like(
    where: str, input: Tensor, dtype: Any, device: Any, requires_grad: bool, kw: dict, fill: Any
) -> Tensor | None:
    """PyTorch's ``*_like`` draw of a transposed or permuted ``input``: ``fill`` (an in-place
    draw, ``uniform_``) of ``empty_like(input)``, which keeps ``input``'s layout — so the
    values land in its memory order, and a normal draw of a strided tensor takes PyTorch's
    element-by-element path. None where ``input`` is C-contiguous (the plain draw is the
    same) or not a NumPy array."""
    a = input._data
    if not isinstance(a, numpy.ndarray) or _like_order(input, kw) == "C":
        return None
    _options(where, {k: v for k, v in kw.items() if k != "generator"})
    out = Tensor._wrap(numpy.empty_like(a, dtype=numpy.dtype(_like(input, dtype)), order="K"))
    fill(out, kw.get("generator"))
    return _leaf(out._data, _like_device(input, device), requires_grad, where)


def randn_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    out = _strided_like("randn_like", input, dtype, device, requires_grad, kw,
                        lambda t, g: t.normal_(0.0, 1.0, generator=g))  # fmt: skip
    if out is not None:
        return out
    return randn(
        input.shape,
        dtype=_like(input, dtype),
        device=_like_device(input, device),
        requires_grad=requires_grad,
        **kw,
    )


def randint_like(
    input: Tensor,  # noqa: A002
    low: int,
    high: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """``randint`` with ``input``'s shape (``randint_like(x, high)`` or ``(x, low, high)``)."""
    if high is None:
        low, high = 0, low
    out = _strided_like("randint_like", input, dtype, device, requires_grad, kw,
                        lambda t, g: t.random_(low, high, generator=g))  # fmt: skip
    if out is not None:
        return out
    return randint(
        low,
        high,
        input.shape,
        dtype=_like(input, dtype),
        device=_like_device(input, device),
        requires_grad=requires_grad,
        **kw,
    )


#: The functional package, which the methods above call at run time (``x.sum()`` is
#: ``F.sum(x)``). It sits a floor above the engine, so the engine does not import it:
#: ``deepgrad.functional`` installs itself here when it is imported (``import deepgrad`` does).
F: Any = None
