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


class UninitializedTensorMixin:
    """A tensor whose shape is not known yet (PyTorch's lazy placeholders): its shape and
    values cannot be read until :meth:`materialize` gives it a shape, which turns it into
    the plain class (``Parameter``, or ``Tensor`` for a buffer)."""

    __slots__ = ()
    cls_to_become: type = Tensor

    @property
    def shape(self) -> Any:
        raise RuntimeError(_UNINITIALIZED.format(what="shape"))

    def size(self, dim: Any = None) -> Any:
        raise RuntimeError(_UNINITIALIZED.format(what="size"))

    def numel(self) -> int:
        raise RuntimeError(_UNINITIALIZED.format(what="numel"))

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor ``shape`` (zeros of ``dtype``, the default float dtype unless
        given); it becomes a ``cls_to_become``."""
        from .. import backend

        if isinstance(shape, int):
            shape = (shape,)
        dt = backend.get_default_dtype() if dtype is None else dtype
        self._data = backend.xp.zeros(tuple(int(s) for s in shape), dt)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """PyTorch's ``nn.UninitializedParameter``: a :class:`Parameter` without a shape yet.
    deepgrad's lazy layers (``nn.LazyLinear``, ``Linear(None, ...)``) keep ``None`` until
    their first call instead, so their not-yet-built weights are not instances of it."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        from .. import backend

        Parameter.__init__(self, backend.xp.empty((0,), dtype or backend.get_default_dtype()),
                           requires_grad)  # fmt: skip
