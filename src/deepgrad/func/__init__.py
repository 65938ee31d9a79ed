"""``deepgrad.func``: PyTorch's ``torch.func`` — :func:`functional_call` (run a module with
other tensors in place of its parameters and buffers; :func:`stack_module_state` stacks
models' for ensembling), the differentiation transforms
:func:`grad`, :func:`grad_and_value`, :func:`jacrev`, :func:`jacfwd` and :func:`hessian`
(built on :func:`deepgrad.grad`; they compose), and :func:`vmap` (which runs the function
once per batch element: see :mod:`deepgrad.func.vmap` for its cost and what differs).

>>> import deepgrad as dg
>>> from deepgrad import nn
>>> from deepgrad.func import functional_call, grad, vmap
>>> net = nn.Linear(2, 1)
>>> w = {"weight": dg.ones(1, 2), "bias": dg.zeros(1)}
>>> functional_call(net, w, dg.tensor([[1.0, 2.0]]))
tensor([[3.]])
>>> grad(lambda x: (x ** 2).sum())(dg.tensor([1.0, 2.0]))
tensor([2., 4.])
>>> vmap(lambda x: x.sum())(dg.ones(2, 3))
tensor([3., 3.])
"""

from __future__ import annotations

from .call import functional_call, stack_module_state
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from .vmap import vmap

__all__ = [
    "functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "linearize",
    "stack_module_state", "vjp", "vmap",
]  # fmt: skip
