"""``Buffer``: a tensor that a :class:`~deepgrad.nn.Module` keeps as state but does not learn
(PyTorch 2's ``nn.Buffer``)."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor
from .parameter import UninitializedTensorMixin


class Buffer(Tensor):
    """A tensor that registers itself as a buffer of the module it is assigned to:
    ``self.mask = nn.Buffer(t)`` is ``self.register_buffer("mask", t)``, and
    ``nn.Buffer(t, persistent=False)`` keeps it out of the ``state_dict``.

    It shares ``data``'s memory, cut from its graph (``requires_grad`` kept, as PyTorch's);
    ``data=None`` is an empty tensor.

    >>> import deepgrad as dg
    >>> class Net(dg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = dg.nn.Buffer(dg.ones(2))
    ...         self.cache = dg.nn.Buffer(dg.zeros(2), persistent=False)
    >>> list(Net().state_dict()), [n for n, _ in Net().named_buffers()]
    (['scale'], ['scale', 'cache'])
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        if data is None:
            data = backend.xp.empty((0,), backend.get_default_dtype())
        grad = data.requires_grad if isinstance(data, Tensor) else False
        super().__init__(data._data if isinstance(data, Tensor) else data, grad)
        self.persistent = persistent


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """PyTorch's ``nn.UninitializedBuffer``: a buffer without a shape yet; :meth:`materialize`
    makes it a plain tensor."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(
        self,
        requires_grad: bool = False,
        device: Any = None,
        dtype: Any = None,
        persistent: bool = True,
    ) -> None:
        Tensor.__init__(self, backend.xp.empty((0,), dtype or backend.get_default_dtype()),
                        requires_grad)  # fmt: skip
