"""PyTorch's ``torch.utils.hooks``: :class:`RemovableHandle`, what every ``register_*hook``
returns (``handle.remove()``, or a ``with`` block that removes the hook at its end).

>>> import deepgrad as dg
>>> from deepgrad.utils.hooks import RemovableHandle
>>> isinstance(dg.nn.Linear(2, 2).register_forward_hook(lambda m, i, o: None), RemovableHandle)
True
"""

from __future__ import annotations

from ..autograd import RemovableHandle

__all__ = ["RemovableHandle"]
