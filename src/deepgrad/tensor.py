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

import numbers
from collections.abc import Sequence
from typing import Any

import numpy

from . import autograd, backend
from ._names import torch_names

Scalar = int | float | bool


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

    __slots__ = ("_data", "grad", "requires_grad", "_creator", "_index", "__weakref__")
    # make ``ndarray + Tensor`` return NotImplemented so Python calls Tensor.__radd__
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        arr = _as_array(data, dtype)
        if requires_grad and arr.dtype.kind not in "fc":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {arr.dtype}"
            )
        self._data = arr
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._creator: autograd.Function | None = None
        self._index = 0

    @classmethod
    def _from_op(cls, data: Any, creator: autograd.Function | None, index: int) -> Tensor:
        t = object.__new__(cls)
        t._data = data
        t.grad = None
        t.requires_grad = creator is not None
        t._creator = creator
        t._index = index
        return t

    # ---- attributes -------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor sharing its memory, detached from the graph."""
        return Tensor._from_op(self._data, None, 0)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else backend.xp.asarray(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        """PyTorch's ``size``: the shape as a :class:`Size` (a tuple), or the length of one
        axis as an int (``x.size(0)``, ``x.size(-1)``). The element count is ``numel()``."""
        shape = self._data.shape
        if dim is None:
            return Size(shape)
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
        return F.transpose(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        body = numpy.array2string(backend.to_numpy(self._data), separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (backend.get_default_dtype(), numpy.int64, numpy.bool_):
            extra += f", dtype={self._data.dtype}"
        if self._creator is not None:
            extra += f", grad_fn={type(self._creator).__name__}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous"
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
    def numpy(self) -> numpy.ndarray:
        """The values as a NumPy array (shares memory on the CPU; no graph)."""
        return backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> numpy.ndarray:
        """NumPy's protocol: ``numpy.asarray(t)`` is ``t.numpy()`` (no copy on the CPU)."""
        a = backend.to_numpy(self._data)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return a.copy() if copy else a

    def item(self) -> Scalar:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, got shape {self._data.shape}"
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

    def float(self) -> Tensor:
        return F.astype(self, numpy.float32)

    def double(self) -> Tensor:
        return F.astype(self, numpy.float64)

    def long(self) -> Tensor:
        return F.astype(self, numpy.int64)

    def int(self) -> Tensor:
        return F.astype(self, numpy.int32)

    def bool(self) -> Tensor:
        return Tensor._from_op(self._data.astype(bool), None, 0)

    def to(self, target: Any) -> Tensor:
        """PyTorch's ``to``: a dtype (``dg.float64``, ``"float32"``) casts; ``"cpu"`` (the
        device deepgrad's NumPy backend runs on) returns the tensor itself."""
        if isinstance(target, str) and target.split(":")[0] == "cpu":
            return self
        try:
            dtype = numpy.dtype(target)
        except TypeError:
            raise TypeError(f"to(): expected a dtype or 'cpu', got {target!r}") from None
        return F.astype(self, dtype)

    def clone(self) -> Tensor:
        """A copy with its own data; differentiable (the gradient flows back unchanged)."""
        if self.requires_grad and autograd.is_grad_enabled():
            return F.add(self, 0)
        return Tensor._from_op(self._data.copy(), None, 0)

    def contiguous(self) -> Tensor:
        """This tensor (NumPy handles any memory layout; kept for PyTorch code)."""
        return self

    def dim(self) -> int:
        """The number of axes (PyTorch's name for ``ndim``)."""
        return self._data.ndim

    def isnan(self) -> Tensor:
        return Tensor._from_op(backend.xp.isnan(self._data), None, 0)

    def isinf(self) -> Tensor:
        return Tensor._from_op(backend.xp.isinf(self._data), None, 0)

    def isfinite(self) -> Tensor:
        return Tensor._from_op(backend.xp.isfinite(self._data), None, 0)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns ``self``."""
        if self._creator is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}"
            )
        self.requires_grad = requires_grad
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` whenever the gradient with respect to this tensor is computed;
        a non-None result replaces it. Returns a handle with ``remove()``."""
        return autograd.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` of this non-leaf tensor after ``backward``."""
        if self._creator is None:
            return
        import weakref

        self._creator.__dict__.setdefault("_retain_grad", []).append(
            (self._index, weakref.ref(self))
        )

    # ---- autograd ---------------------------------------------------------------------
    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate ``d self / d leaf`` into the ``.grad`` of every leaf that requires grad.

        ``grad`` is the gradient flowing in (``dL/dself``); it may be omitted only when this
        tensor has a single element. ``retain_graph`` keeps the graph for another backward;
        ``create_graph`` records the backward pass so gradients can be differentiated again.
        """
        seeds = autograd._seed_grads([self], grad)
        autograd.run_backward([self], seeds, retain_graph or create_graph, create_graph)

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
        return F.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return F.div(other, self)

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
        return self

    def __abs__(self) -> Tensor:
        return F.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return F.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad; do it under dg.no_grad() "
                "or build a new tensor with dg.where / concat"
            )
        self._data[_index_arrays(index)] = value._data if isinstance(value, Tensor) else value

    # ---- in place: PyTorch's `p -= lr * p.grad` under no_grad ------------------------------
    def _records(self, other: Any = None) -> bool:
        """Whether an operation on ``self`` (and ``other``) would be recorded in a graph."""
        return autograd.is_grad_enabled() and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        )

    def _refuse_if_recorded(self, other: Any, what: str) -> None:
        if self._records(other):
            raise RuntimeError(
                f"{what}: an in-place operation on a tensor that takes part in the graph "
                f"(shape {self.shape}) would corrupt its gradients; do it under dg.no_grad() "
                "(e.g. a hand-written parameter update) or write the out-of-place form"
            )

    def _in_place(self, ufunc: Any, other: Any, what: str) -> Tensor:
        """``self._data <- ufunc(self._data, other)`` in the tensor's own memory and dtype."""
        self._refuse_if_recorded(other, what)
        o = other._data if isinstance(other, Tensor) else other
        try:
            ufunc(self._data, o, out=self._data, casting="same_kind")
        except ValueError as e:  # broadcasting would change this tensor's shape
            oshape = getattr(o, "shape", ())
            raise ValueError(
                f"{what}: cannot update a tensor of shape {self.shape} in place with one of "
                f"shape {tuple(oshape)} ({e})"
            ) from None
        except TypeError as e:  # e.g. a float into an integer tensor
            raise TypeError(f"{what}: {e}") from None
        return self

    def _augmented(self, ufunc: Any, other: Any, out_of_place: Any, what: str) -> Tensor:
        """``self op= other``: in place when no graph is recorded (under ``no_grad``, or for
        tensors that need no gradient); otherwise the out-of-place result (``x = x + y``), as
        a graph node must not change under its consumers. A leaf that requires grad cannot
        be updated in place while the graph is recorded (PyTorch's rule)."""
        if self._records(other):
            if self._creator is None and self.requires_grad:
                raise RuntimeError(
                    f"{what}: a leaf tensor that requires grad is used in an in-place operation; "
                    "update parameters under dg.no_grad() (with dg.no_grad(): p -= lr * p.grad)"
                )
            return out_of_place(self, other)
        return self._in_place(ufunc, other, what)

    def __iadd__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.add, other, F.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.subtract, other, F.sub, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.multiply, other, F.mul, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._augmented(backend.xp.true_divide, other, F.div, "/=")

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """In place ``self += alpha * other`` (under ``no_grad`` for tensors in a graph)."""
        return self._in_place(
            backend.xp.add, other if alpha == 1 else _scaled(other, alpha), "add_"
        )

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """In place ``self -= alpha * other``."""
        return self._in_place(
            backend.xp.subtract, other if alpha == 1 else _scaled(other, alpha), "sub_"
        )

    def mul_(self, other: Any) -> Tensor:
        return self._in_place(backend.xp.multiply, other, "mul_")

    def div_(self, other: Any) -> Tensor:
        return self._in_place(backend.xp.true_divide, other, "div_")

    def copy_(self, src: Any) -> Tensor:
        """Overwrite the values with ``src`` (broadcast to this shape, cast to this dtype)."""
        self._refuse_if_recorded(src, "copy_")
        o = src._data if isinstance(src, Tensor) else src
        backend.xp.copyto(self._data, backend.xp.asarray(o), casting="same_kind")
        return self

    def fill_(self, value: Any) -> Tensor:
        return self.copy_(value)

    def zero_(self) -> Tensor:
        return self.copy_(0)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
        """In place ``clamp``: values below ``min`` become ``min``, above ``max`` ``max``."""
        self._refuse_if_recorded(None, "clamp_")
        backend.xp.clip(self._data, min, max, out=self._data)
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with draws from U(a, b) (deepgrad's generator: ``dg.manual_seed`` applies)."""
        return self.copy_(backend.rng().uniform(a, b, self.shape).astype(self.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with draws from N(mean, std²) (deepgrad's generator)."""
        return self.copy_(backend.rng().normal(mean, std, self.shape).astype(self.dtype))

    def _compare(self, other: Any, op: Any) -> Tensor:
        o = other._data if isinstance(other, Tensor) else other
        return Tensor._from_op(op(self._data, o), None, 0)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, numpy.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, numpy.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.greater_equal)

    def __invert__(self) -> Tensor:
        return Tensor._from_op(~self._data, None, 0)

    def __and__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.logical_and)

    def __or__(self, other: Any) -> Tensor:
        return self._compare(other, numpy.logical_or)

    # ---- methods (thin calls into deepgrad.functional) ----------------------------------
    @torch_names
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.sum(self, axis, keepdims)

    @torch_names
    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.mean(self, axis, keepdims)

    @torch_names
    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``x.max()`` the largest element; ``x.max(dim)`` the pair ``(values, indices)``;
        ``x.max(other)`` the elementwise maximum (PyTorch's three forms)."""
        return F.max(self, dim, keepdim)

    @torch_names
    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``x.min()``, ``x.min(dim)`` → ``(values, indices)``, ``x.min(other)``."""
        return F.min(self, dim, keepdim)

    @torch_names
    def var(self, axis: Any = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        return F.var(self, axis, keepdims, correction)

    @torch_names
    def std(self, axis: Any = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        return F.std(self, axis, keepdims, correction)

    @torch_names
    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.logsumexp(self, axis, keepdims)

    @torch_names
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return Tensor._from_op(self._data.argmax(axis=axis, keepdims=keepdims), None, 0)

    @torch_names
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return Tensor._from_op(self._data.argmin(axis=axis, keepdims=keepdims), None, 0)

    def reshape(self, *shape: Any) -> Tensor:
        return F.reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape: Any) -> Tensor:
        return F.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes: ``t.transpose()`` reverses them; ``t.transpose(0, 1)`` swaps two
        (PyTorch's convention for two arguments); a full permutation works too."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            return F.swapaxes(self, axes[0], axes[1])
        return F.transpose(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return F.transpose(self, axes)

    def swapaxes(self, a: int, b: int) -> Tensor:
        return F.swapaxes(self, a, b)

    def expand(self, *shape: Any) -> Tensor:
        return F.broadcast_to(self, shape[0] if len(shape) == 1 else shape)

    def broadcast_to(self, shape: ShapeLike) -> Tensor:
        return F.broadcast_to(self, shape)

    @torch_names
    def squeeze(self, axis: Any = None) -> Tensor:
        return F.squeeze(self, axis)

    @torch_names
    def unsqueeze(self, axis: int) -> Tensor:
        return F.unsqueeze(self, axis)

    @torch_names
    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        return F.flatten(self, start_axis, end_axis)

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
    def softmax(self, axis: int = -1) -> Tensor:
        return F.softmax(self, axis)

    @torch_names
    def log_softmax(self, axis: int = -1) -> Tensor:
        return F.log_softmax(self, axis)

    def matmul(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    # PyTorch's names for the rest of deepgrad.functional (same semantics as torch.Tensor's)
    def pow(self, exponent: Any) -> Tensor:
        return F.pow(self, exponent)

    def neg(self) -> Tensor:
        return F.neg(self)

    @torch_names(axis="dims")
    def flip(self, *args: Any, dims: Any = None) -> Tensor:
        """Reverse along ``x.flip(0, 1)``, ``x.flip((0, 1))`` or ``x.flip(dims=(0, 1))``."""
        if args and dims is not None:
            raise TypeError(
                f"Tensor.flip() got dims both positionally {args} and as a keyword {dims!r}"
            )
        return F.flip(self, _dims(args) if dims is None else dims)

    @torch_names(axis="dims")
    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return F.roll(self, shifts, dims)

    @torch_names
    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        return F.chunk(self, chunks, dim)

    @torch_names
    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        return F.split(self, split_size_or_sections, dim)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile along each dim: ``x.repeat(2, 1)`` or ``x.repeat((2, 1))`` (PyTorch's)."""
        return F.repeat(self, _dims(sizes))

    def tile(self, *dims: Any) -> Tensor:
        return F.tile(self, _dims(dims))

    @torch_names
    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        return F.narrow(self, dim, start, length)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return F.movedim(self, source, destination)

    @torch_names
    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        return F.unflatten(self, dim, sizes)

    @torch_names
    def gather(self, dim: int, index: Any) -> Tensor:
        return F.gather(self, dim, index)

    @torch_names
    def index_select(self, dim: int, index: Any) -> Tensor:
        return F.index_select(self, dim, index)

    @torch_names
    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        return F.take_along_dim(self, indices, dim)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return F.masked_fill(self, mask, value)

    def sort(self, dim: int = -1, descending: bool = False, **kwargs: Any) -> Any:
        return F.sort(self, dim, descending, **kwargs)

    def argsort(self, dim: int = -1, descending: bool = False) -> Tensor:
        return F.argsort(self, dim, descending)

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

    def round(self, decimals: int = 0) -> Tensor:
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
    def cumsum(self, dim: int) -> Tensor:
        return F.cumsum(self, dim)

    @torch_names
    def cumprod(self, dim: int) -> Tensor:
        return F.cumprod(self, dim)

    @torch_names
    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.prod(self, dim, keepdim)

    @torch_names
    def norm(self, p: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
        return F.norm(self, p, dim, keepdim)

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

    def outer(self, other: Any) -> Tensor:
        return F.outer(self, other)

    def bmm(self, other: Any) -> Tensor:
        return F.bmm(self, other)

    def dot(self, other: Any) -> Tensor:
        return F.dot(self, other)


def _dims(args: tuple) -> Any:
    """``f(1, 2)`` and ``f((1, 2))`` alike: the dims of a varargs method."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _make_tensor(data: Any, creator: autograd.Function | None, index: int) -> Tensor:
    """``Tensor._from_op`` as a plain function: the engine calls it for every output."""
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t.requires_grad = creator is not None
    t._creator = creator
    t._index = index
    return t


_new = object.__new__
autograd._make_tensor = _make_tensor


def _scaled(other: Any, alpha: float) -> Any:
    return (other._data if isinstance(other, Tensor) else other) * alpha


def _index_arrays(index: Any) -> Any:
    """Replace tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def _as_array(data: Any, dtype: Any = None) -> Any:
    """Convert ``data`` to an array of the active backend.

    Python floats become the default dtype (float32), Python ints int64, bools bool; arrays
    keep their dtype unless ``dtype`` is given (as in ``torch.tensor``).
    """
    xp = backend.xp
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    if isinstance(data, (xp.ndarray, numpy.ndarray, numpy.generic)):
        return xp.asarray(data)
    if isinstance(data, bool):
        return xp.asarray(data)
    if isinstance(data, numbers.Integral):
        return xp.asarray(data, dtype=numpy.int64)
    if isinstance(data, numbers.Real):
        return xp.asarray(data, dtype=backend.get_default_dtype())
    try:
        arr = numpy.asarray(data)
    except ValueError as exc:
        raise ValueError(f"cannot make a tensor from ragged or mixed data: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"cannot make a tensor from data of type {type(data).__name__} (dtype {arr.dtype}); "
            "expected numbers, nested lists of numbers, or an array"
        )
    if arr.dtype.kind == "f":
        arr = arr.astype(backend.get_default_dtype(), copy=False)
    elif arr.dtype.kind in "iu" and arr.dtype != numpy.uint8:
        arr = arr.astype(numpy.int64, copy=False)
    return xp.asarray(arr)


# ---- creation -------------------------------------------------------------------------------
def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a tensor, without copying when it already is one (or an array of
    the right dtype)."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return Tensor(_as_array(data, dtype))


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested lists, scalars or arrays).

    >>> tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> tensor([1, 2]).dtype
    dtype('int64')
    """
    arr = _as_array(data, dtype)
    if isinstance(data, Tensor) or arr is data:
        arr = arr.copy()
    return Tensor(arr, requires_grad=requires_grad)


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _dtype(dtype: Any) -> Any:
    return backend.get_default_dtype() if dtype is None else dtype


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(backend.xp.zeros(_shape(shape), _dtype(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return Tensor(backend.xp.ones(_shape(shape), _dtype(dtype)), requires_grad)


def full(
    shape: ShapeLike, fill_value: Scalar, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with ``fill_value``."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(backend.xp.full(shape, fill_value, _dtype(dtype)), requires_grad)


def arange(
    start: Scalar, stop: Scalar | None = None, step: Scalar = 1, dtype: Any = None
) -> Tensor:
    """Evenly spaced values in ``[start, stop)``; integer arguments give int64."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, stop, step))
        dtype = numpy.int64 if ints else backend.get_default_dtype()
    return Tensor(backend.xp.arange(start, stop, step, dtype=dtype))


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n × m``)."""
    return Tensor(backend.xp.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in ``[0, 1)`` from deepgrad's seeded generator."""
    d = numpy.dtype(_dtype(dtype))
    return Tensor(backend.rng().random(_shape(shape), dtype=d), requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from deepgrad's seeded generator."""
    d = numpy.dtype(_dtype(dtype))
    return Tensor(backend.rng().standard_normal(_shape(shape), dtype=d), requires_grad)


def randint(low: int, high: int, shape: ShapeLike) -> Tensor:
    """Integers uniform in ``[low, high)`` (int64)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(backend.rng().integers(low, high, shape, dtype=numpy.int64))


def _like(x: Tensor, dtype: Any) -> Any:
    return x.dtype if dtype is None else dtype


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(backend.xp.zeros(x.shape, _like(x, dtype)), requires_grad)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(backend.xp.ones(x.shape, _like(x, dtype)), requires_grad)


def full_like(
    x: Tensor, fill_value: Scalar, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return Tensor(backend.xp.full(x.shape, fill_value, _like(x, dtype)), requires_grad)


def rand_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(x.shape, dtype=_like(x, dtype), requires_grad=requires_grad)


def randn_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(x.shape, dtype=_like(x, dtype), requires_grad=requires_grad)


#: The functional package, which the methods above call at run time (``x.sum()`` is
#: ``F.sum(x)``). It sits a floor above the engine, so the engine does not import it:
#: ``deepgrad.functional`` installs itself here when it is imported (``import deepgrad`` does).
F: Any = None
