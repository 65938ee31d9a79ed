"""``torch.autograd.graph``: the graph's nodes and the hooks around saved tensors.

``Node`` is :class:`deepgrad.autograd.Function` (every ``grad_fn`` is one: ``name()``,
``next_functions``, ``register_hook``, ``register_prehook``, ``metadata``);
:func:`get_gradient_edge` names where a tensor's gradient enters the graph;
:func:`increment_version` tells the graph that a tensor's memory was written behind its back.

Saved-tensor hooks (``saved_tensors_hooks(pack, unpack)``, ``save_on_cpu``) change how a
node keeps what its backward reads. deepgrad's nodes keep NumPy arrays of their own, not
tensors handed to one saving mechanism, so a pack/unpack pair cannot be applied: entering
``saved_tensors_hooks`` raises ``NotImplementedError`` rather than ignoring the hooks.
``save_on_cpu`` is honoured as it stands: on the CPU every saved array is already in host
memory (on the CuPy backend it is refused). ``deepgrad.autograd.graph`` is this module.

>>> import deepgrad as dg
>>> x = dg.ones(2, requires_grad=True)
>>> y = (x * 2).sum()
>>> isinstance(y.grad_fn, dg.autograd.graph.Node), dg.autograd.graph.get_gradient_edge(y).output_nr
(True, 0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from . import autograd, backend
from .autograd import AccumulateGrad, Function, RemovableHandle
from .tensor import Tensor

__all__ = ["GradientEdge", "Node", "disable_saved_tensors_hooks", "get_gradient_edge",
           "increment_version", "register_multi_grad_hook", "save_on_cpu",
           "saved_tensors_hooks"]  # fmt: skip

Node = Function


class GradientEdge(NamedTuple):
    """Where a gradient enters the graph: the ``node`` and which of its outputs."""

    node: Any
    output_nr: int
    ownership_token: Any = None


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    """The edge ``tensor``'s gradient flows into: its ``grad_fn`` and output index, or the
    :class:`AccumulateGrad` node of a leaf that requires grad (PyTorch's)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"get_gradient_edge: expected a tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is not None:
        return GradientEdge(tensor.grad_fn, tensor._index)
    if not tensor.requires_grad:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require "
            "gradients"
        )
    return GradientEdge(AccumulateGrad(tensor), 0)


def increment_version(tensor: Tensor | Iterable[Tensor]) -> None:
    """Record that ``tensor``'s memory was written outside deepgrad's operations (a NumPy
    write into ``x.numpy()``): a node that saved its old values refuses to run backward, as
    after any in-place change."""
    for t in (tensor,) if isinstance(tensor, Tensor) else tensor:
        autograd.note_write(t._data)


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """PyTorch's pack/unpack hooks for saved tensors: refused on entering (see the module's
    text) — deepgrad's nodes keep arrays of their own, which no hook sees."""

    def __init__(
        self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]
    ) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        raise NotImplementedError(
            "saved_tensors_hooks: deepgrad's graph nodes keep the arrays their backward reads "
            "themselves, not through one saving mechanism, so pack/unpack hooks cannot run; "
            "for memory, use dg.utils.checkpoint.checkpoint (recompute) instead"
        )

    def __exit__(self, *exc: Any) -> None:
        pass


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Keep what the backward reads in host memory: what deepgrad does on the CPU already
    (a no-op there); refused on the CuPy backend, where the arrays stay on the GPU."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory, self.device_type = pin_memory, device_type

    def __enter__(self) -> save_on_cpu:
        if backend.gpu:
            raise NotImplementedError(
                "save_on_cpu: deepgrad's nodes keep their arrays on the GPU on the CuPy "
                "backend; use dg.utils.checkpoint.checkpoint to trade compute for memory"
            )
        return self


class disable_saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """A block in which saved-tensor hooks may not be registered: deepgrad never runs
    any, so it changes nothing (``error_message`` is kept, as PyTorch's)."""

    def __init__(self, error_message: str = "") -> None:
        self.error_message = error_message

    def __enter__(self) -> disable_saved_tensors_hooks:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn


def register_multi_grad_hook(tensors: Sequence[Tensor], fn: Callable[..., Any], *,
                             mode: str = "all") -> RemovableHandle:  # fmt: skip
    """A hook on several tensors' gradients together, once a backward pass (PyTorch's).

    ``mode="all"`` (the default): ``fn(grads)`` with a list, one entry per tensor, each the
    gradient the pass computed for it or ``None`` where it computed none (a tensor off the
    graph, or not needed for the ``inputs`` of ``backward(inputs=...)``/``grad``); not called
    in a pass that computes none of them. PyTorch calls ``fn`` as soon as the last of those
    gradients exists; deepgrad when the pass ends (:func:`deepgrad.autograd.queue_callback`:
    after the leaves' ``.grad`` too), with the same gradients. Every tensor must require
    grad (``register_hook``'s error otherwise). ``mode="any"``: ``fn(grad)`` with the first
    of the gradients computed, once a pass. The handle's ``remove()`` removes it.

    >>> import deepgrad as dg
    >>> a, b = dg.ones(2, requires_grad=True), dg.ones(2, requires_grad=True)
    >>> c, d = a * b, a * b
    >>> seen = []
    >>> h = dg.autograd.graph.register_multi_grad_hook(
    ...     (a, b, c, d), lambda gs: seen.append([g is not None for g in gs]))
    >>> c.sum().backward(retain_graph=True)
    >>> c.sum().backward(inputs=(a,))
    >>> seen
    [[True, True, True, False], [True, False, True, False]]
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    if mode == "all":
        return _all_grads_hook(tensors, fn)
    key = object()  # this hook's mark in each pass's state: fired in that pass
    handles = []

    def once(grad: Tensor) -> None:
        state = autograd.pass_state()
        if key not in state:
            state[key] = True
            fn(grad)

    for t in tensors:
        if t.requires_grad:
            handles.append(t.register_hook(once))
    return _Handles(handles)


def _all_grads_hook(tensors: Sequence[Tensor], fn: Callable[..., Any]) -> RemovableHandle:
    """``register_multi_grad_hook(mode="all")``: a hook on each tensor fills the pass's list
    (the first one to fire queues ``fn`` for the end of the pass)."""
    n = len(tensors)
    key = object()  # this hook's entry in each pass's state (dropped with the pass)

    def hook_for(i: int) -> Callable[[Tensor], None]:
        def hook(grad: Tensor) -> None:
            state = autograd.pass_state()  # the innermost pass: this gradient's
            grads = state.get(key)
            if grads is None:
                grads = state[key] = [None] * n
                autograd.queue_callback(lambda: fn(grads))
            grads[i] = grad

        return hook

    return _Handles([t.register_hook(hook_for(i)) for i, t in enumerate(tensors)])


class _Handles(RemovableHandle):
    """Several hooks removed together."""

    def __init__(self, handles: list[RemovableHandle]) -> None:
        super().__init__({})
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
