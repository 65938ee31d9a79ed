"""``Parameter``: a tensor that a :class:`~deepgrad.nn.Module` learns."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` that registers itself on the module it is
    assigned to (``self.weight = Parameter(...)``)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


_UNINITIALIZED = (
    "Can't access the {what} of an uninitialized parameter or buffer. This error usually "
    "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
    "initialized one. Call `forward` to initialize the parameters before accessing their "
    "attributes (or materialize(shape) them)."
)


_UNINITIALIZED_USE = (
    "Attempted to use an uninitialized parameter in {what}. This error happens when you are "
    "using a `LazyModule` or explicitly manipulating `nn.UninitializedParameter` objects. When "
    "using LazyModules Call `forward` with a dummy batch to initialize the parameters before "
    "calling tensor functions"
)


class UninitializedTensorMixin:
    """A tensor whose shape is not known yet (PyTorch's lazy placeholders): its shape and
    values cannot be read until :meth:`materialize` gives it a shape, which turns it into
    the plain class (``Parameter``, or ``Tensor`` for a buffer) in place, so that whoever
    holds it (an optimizer built before a lazy layer's first call) holds the built tensor.

    As PyTorch's: ``shape`` and ``size()`` raise ``RuntimeError``; ``dtype``, ``device``,
    ``requires_grad``, ``grad``, ``is_leaf`` and ``ndim`` are readable (``module.to(dtype)``
    changes the dtype it will be made in); any other method or operator (``numel()``,
    ``sum()``, ``p + 1``, ``len(p)``, ``requires_grad_()``, the ``nn.init`` functions) raises
    ``ValueError``, as PyTorch's does, where it would otherwise compute on no values."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def __getattribute__(self, name: str) -> Any:
        if name[0] != "_" and name not in _PLACEHOLDER_ATTRS:
            raise ValueError(_UNINITIALIZED_USE.format(what=f"{name}"))
        return object.__getattribute__(self, name)

    @property
    def shape(self) -> Any:
        raise RuntimeError(_UNINITIALIZED.format(what="shape"))

    def size(self, dim: Any = None) -> Any:
        raise RuntimeError(_UNINITIALIZED.format(what="size"))

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor ``shape`` (zeros, in its own dtype unless ``dtype`` is given, on
        its own device); it becomes a ``cls_to_become``, the same object."""
        from .. import backend

        if isinstance(shape, int):
            shape = (shape,)
        dt = self._data.dtype if dtype is None else dtype
        data = backend.xp.zeros(tuple(int(s) for s in shape), dt)
        from .. import devices

        # where the placeholder was moved (module.to(device)), unless a device is given
        where = devices.of_array(self._data) if device is None else devices.device(device)
        self._data = devices.move(data, where)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Copies and pickles stay placeholders (of the same dtype and ``requires_grad``)."""
        return (_rebuild_uninitialized, (type(self), self._data.dtype, self.requires_grad))


#: what a program may read of a placeholder (PyTorch's list, less what deepgrad has not):
#: the rest of its public attributes raise ValueError
_PLACEHOLDER_ATTRS = frozenset(
    {"shape", "size", "materialize", "cls_to_become", "dtype", "device", "requires_grad",
     "grad", "is_leaf", "ndim", "data", "to", "cpu", "cuda", "half", "float", "double",
     "is_floating_point", "is_complex", "persistent"}
)  # fmt: skip

#: the operators a placeholder refuses (they would compute on no values)
_PLACEHOLDER_REFUSED = (
    "__add__ __radd__ __iadd__ __sub__ __rsub__ __isub__ __mul__ __rmul__ __imul__ "
    "__truediv__ __rtruediv__ __itruediv__ __floordiv__ __rfloordiv__ __mod__ __rmod__ "
    "__pow__ __rpow__ __matmul__ __rmatmul__ __neg__ __pos__ __abs__ __invert__ __and__ "
    "__rand__ __or__ __ror__ __xor__ __rxor__ __lt__ __le__ __gt__ __ge__ __len__ __iter__ "
    "__getitem__ __setitem__ __array__ __float__ __int__ __bool__ __index__ __complex__"
).split()


def _refusing(name: str) -> Any:
    def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(_UNINITIALIZED_USE.format(what=name))

    refused.__name__ = name
    return refused


for _name in _PLACEHOLDER_REFUSED:
    setattr(UninitializedTensorMixin, _name, _refusing(_name))


def refuse_placeholder(t: Any, what: str) -> None:
    """PyTorch's ``ValueError`` where ``what`` (a function) is given a lazy layer's
    placeholder, which has no values yet."""
    if is_lazy(t):
        raise ValueError(_UNINITIALIZED_USE.format(what=what))


def refuse_uninitialized(t: Any, what: str, use: str) -> None:
    """PyTorch's refusal of a lazy layer's placeholder by ``what`` (``"WeightNorm"``): run the
    layer once first."""
    if is_lazy(t):
        raise ValueError(
            f"The module passed to `{what}` can't have uninitialized parameters. Make sure to "
            f"run the dummy forward before applying {use}"
        )


def _rebuild_uninitialized(cls: type, dtype: Any, requires_grad: bool) -> Any:
    return cls(requires_grad=requires_grad, dtype=dtype)


def is_lazy(t: Any) -> bool:
    """PyTorch's ``nn.parameter.is_lazy``: whether ``t`` is an uninitialized placeholder
    (a lazy layer's parameter or buffer before its first call)."""
    return isinstance(t, UninitializedTensorMixin)


def is_placeholder(v: Any) -> bool:
    """Whether a state dict's value ``v`` is an uninitialized placeholder: deepgrad's
    (:func:`is_lazy`) or PyTorch's (a torch lazy module's state dict), which has no shape to
    size a lazy layer by or values to load."""
    return is_lazy(v) or type(v).__name__ in ("UninitializedParameter", "UninitializedBuffer")


def built_tensor(module: Any, name: str, data: Any) -> Any:
    """``data`` (an array) as ``module``'s parameter or buffer ``name`` when a lazy layer is
    built: the uninitialized placeholder registered under ``name`` takes it in place (an
    optimizer or a ``state_dict(keep_vars=True)`` holding it sees the built tensor, as
    PyTorch's ``materialize``); otherwise a new ``Parameter`` (for a parameter's name) or
    ``Tensor``. The caller assigns the result to ``name``."""
    held = module._parameters.get(name, module._buffers.get(name))
    if is_lazy(held):
        held.materialize(data.shape)
        held._data[...] = data
        return held
    return Parameter(data) if name in module._parameters else Tensor._wrap(data)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """PyTorch's ``nn.UninitializedParameter``: a :class:`Parameter` without a shape yet,
    what a lazy layer (``nn.LazyLinear``, ``Linear(None, ...)``) holds until its first call
    (or a state dict loaded before it) gives it its size."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        from .. import backend

        Parameter.__init__(self, backend.xp.empty((0,), dtype or backend.get_default_dtype()),
                           requires_grad)  # fmt: skip
