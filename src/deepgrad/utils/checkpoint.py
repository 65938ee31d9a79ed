"""``deepgrad.utils.checkpoint``: PyTorch's activation checkpointing, ``checkpoint`` and
``checkpoint_sequential``, with its arguments, warnings and errors, and the same values,
gradients and side effects as PyTorch's.

The function runs without keeping its activations, and runs again in the backward pass to
rebuild them, as PyTorch's does: its side effects happen twice (a ``BatchNorm`` inside
updates its running statistics twice), and with ``preserve_rng_state=True`` (the default)
the second run replays the first one's random draws (dropout keeps its mask), so the
gradients are those of calling the function directly. With ``use_reentrant=True`` (the
default, with a warning, when it is not passed) the result is a ``CheckpointFunction`` node
on the tensor arguments, as PyTorch's: with no argument that requires grad it records no
graph, and its backward refuses ``dg.grad``; with ``use_reentrant=False`` the parameters the
function uses get their gradients whether or not an argument requires grad.

>>> import deepgrad as dg
>>> from deepgrad.utils.checkpoint import checkpoint
>>> x = dg.tensor([1.0, 2.0], requires_grad=True)
>>> checkpoint(lambda t: (t ** 2).sum(), x, use_reentrant=False).backward()
>>> x.grad
tensor([2., 4.])
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

from .. import autograd, backend
from ..autograd import enable_grad
from ..tensor import Tensor

__all__ = ["CheckpointError", "CheckpointFunction", "checkpoint", "checkpoint_sequential"]


class CheckpointError(RuntimeError):
    """The second run of a checkpointed function gave tensors of other shapes or dtypes than
    the first (PyTorch's ``torch.utils.checkpoint.CheckpointError``)."""


def _rerun(function: Callable, args: tuple, kwargs: dict, rng: Any, context: Any) -> Any:
    """``function`` again, with grad enabled, replaying the random state ``rng`` of its first
    run (when not ``None``) and giving the global stream back as it was (PyTorch's fork)."""
    now = backend.get_rng_state() if rng is not None else None
    if rng is not None:
        backend.set_rng_state(rng)
    try:
        with enable_grad(), context:
            return function(*args, **kwargs)
    finally:
        if now is not None:
            backend.set_rng_state(now)


class CheckpointFunction(autograd.Function):
    """The reentrant checkpoint (PyTorch's ``CheckpointFunction``): ``forward`` runs the
    function without recording; ``backward`` runs it again on detached copies of the tensor
    arguments and back-propagates through that second graph (parameters get their ``.grad``
    there), returning the arguments' gradients."""

    @staticmethod
    def forward(ctx: Any, run_function: Callable, preserve_rng_state: bool, *args: Any) -> Any:
        ctx.run_function = run_function
        ctx.rng = backend.get_rng_state() if preserve_rng_state else None
        ctx.args = args
        return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        if not autograd._is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() "
                "or passing an `inputs` parameter to .backward(). To resolve this error, you "
                "can either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument."
            )
        detached = tuple(
            a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
            for a in ctx.args
        )
        outputs = _rerun(ctx.run_function, detached, {}, ctx.rng, contextlib.nullcontext())
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [
            (o, g)
            for o, g in zip(outputs, grads)
            if isinstance(o, Tensor) and o.requires_grad
        ]  # fmt: skip
        if not pairs:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(
            d.grad if isinstance(d, Tensor) else None for d in detached
        )  # fmt: skip


def _unset(where: str, stacklevel: int) -> None:
    warnings.warn(
        f"{where}: the use_reentrant parameter should be passed explicitly. "
        + (
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. "
            if where == "torch.utils.checkpoint"
            else "In version 2.9 we will raise an exception if use_reentrant is not passed. "
        )
        + "use_reentrant=False is recommended, but if you need to preserve the current default "
        "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
        "differences between the two variants.",
        stacklevel=stacklevel + 1,
    )


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable | None = None,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``, as PyTorch's ``checkpoint`` returns it, its activations
    rebuilt by running it again in the backward pass.

    ``use_reentrant`` should be passed (a ``UserWarning`` when it is not, which then means
    ``True``, as PyTorch 2.13). With ``use_reentrant=True``: keyword arguments for
    ``function`` are refused (``ValueError``), as are ``context_fn`` and ``debug``; if no
    tensor in ``args`` requires grad, a warning says that gradients will be None and the
    result records no graph. ``preserve_rng_state=False`` lets the second run draw new random
    numbers. ``context_fn`` returns two context managers: the first wraps the forward, the
    second the second run. ``determinism_check="default"`` compares the second run's output
    shapes and dtypes with the first's (:class:`CheckpointError`), ``"none"`` does not.
    ``early_stop`` is accepted: the second run is always complete (PyTorch's may stop once it
    has every activation it saved). A backward with ``create_graph=True`` through a
    non-reentrant checkpoint raises (PyTorch supports it): call the function directly there.
    """
    if use_reentrant is None:
        _unset("torch.utils.checkpoint", 2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not None or debug is not False:
            raise ValueError(
                "Passing `context_fn` or `debug` is only supported when use_reentrant=False."
            )
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                stacklevel=2,
            )
        return CheckpointFunction.apply(function, preserve, *args)
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"determinism_check should be one of ['default', 'none'], but got {determinism_check}"
        )
    forward_context, recompute_context = (
        context_fn() if context_fn is not None else (contextlib.nullcontext(),) * 2
    )
    if not autograd.is_grad_enabled():
        with forward_context:
            return function(*args, **kwargs)
    rng = backend.get_rng_state() if preserve else None
    log: list = []
    with forward_context, autograd.record_nodes(log):
        out = function(*args, **kwargs)
    inner = {c for c, _, _ in log}
    flat: list = []
    _flatten(out, flat)
    picked = [i for i, t in enumerate(flat) if isinstance(t, Tensor) and t._creator in inner]
    if not picked:
        return out

    def rerun() -> Any:
        return _rerun(function, args, kwargs, rng, recompute_context)

    node = _Recompute(rerun, [flat[i] for i in picked], picked, inner, determinism_check)
    node.meta = [(shape, dtype) for _, shape, dtype in log]
    make = autograd._make_tensor  # a checkpoint around this one sees the node
    new = {id(flat[i]): make(flat[i]._data, node, k) for k, i in enumerate(picked)}
    return _rebuild(out, new)


def _flatten(out: Any, flat: list) -> None:
    """The leaves of a nest of tuples, lists and dicts, in order."""
    if isinstance(out, (tuple, list)):
        for o in out:
            _flatten(o, flat)
    elif isinstance(out, dict):
        for o in out.values():
            _flatten(o, flat)
    else:
        flat.append(out)


def _rebuild(out: Any, new: dict) -> Any:
    """``out`` with each tensor whose id is in ``new`` replaced by ``new[id]``."""
    if isinstance(out, (tuple, list)):
        items = [_rebuild(o, new) for o in out]
        if hasattr(out, "_fields"):  # a named tuple
            return type(out)(*items)
        return type(out)(items)
    if isinstance(out, dict):
        return type(out)((k, _rebuild(v, new)) for k, v in out.items())
    return new.get(id(out), out) if isinstance(out, Tensor) else out


class _Recompute(autograd.Function):
    """The non-reentrant checkpoint's node: its inputs are the tensors that requires grad the
    function read from outside (arguments, parameters, captured tensors), its outputs the
    function's outputs; its backward runs the function again and back-propagates through
    that second graph to the inputs."""

    reads_inputs = False

    def __init__(self, rerun: Callable, outs: list, picked: list, inner: set, check: str) -> None:
        boundary: dict[int, Tensor] = {}
        stack, seen = [t._creator for t in outs], set()
        while stack:
            fn = stack.pop()
            if fn in seen:
                continue
            seen.add(fn)
            for x in fn.inputs:
                if x._creator in inner:
                    stack.append(x._creator)
                elif x.requires_grad:
                    boundary.setdefault(id(x), x)
        self.rerun, self.picked, self.check = rerun, picked, check
        self.inputs = tuple(boundary.values())
        self.needs_input_grad = (True,) * len(self.inputs)
        self.n_outputs = len(outs)
        if autograd._EPOCH:
            self._epoch = autograd._EPOCH

    def backward(self, *gys: Any) -> Any:
        if autograd.is_grad_enabled():
            raise RuntimeError(
                "checkpoint(use_reentrant=False): a backward with create_graph=True through a "
                "checkpointed function is not supported by deepgrad (PyTorch supports it); "
                "call the function without checkpoint where you need higher-order gradients"
            )
        log: list = []
        with autograd.record_nodes(log):
            out = self.rerun()
        flat: list = []
        _flatten(out, flat)
        outs = [flat[i] if i < len(flat) else None for i in self.picked]
        if self.check != "none":
            self._check([(shape, dtype) for _, shape, dtype in log], outs)
        targets = _stand_ins({c for c, _, _ in log}, self.inputs)
        pairs = [
            (o, g)
            for o, g in zip(outs, gys)
            if g is not None and isinstance(o, Tensor) and o.requires_grad
        ]  # fmt: skip
        if not pairs:
            return (None,) * len(targets)
        return autograd.grad(
            [o for o, _ in pairs],
            targets,
            [g for _, g in pairs],
            retain_graph=True,
            allow_unused=True,
        )

    def _check(self, meta: list, outs: list) -> None:
        """PyTorch's determinism check: the second run's tensors have the first's shapes and
        dtypes, position by position."""
        if len(meta) != len(self.meta) or not all(isinstance(o, Tensor) for o in outs):
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was computed during the "
                f"original forward ({len(self.meta)}) and recomputation ({len(meta)}): the "
                "function must run the same operations again"
            )
        for k, ((shape, dtype), (s2, d2)) in enumerate(zip(self.meta, meta)):
            if (shape, dtype) != (s2, d2):
                raise CheckpointError(
                    "torch.utils.checkpoint: Recomputed values for the following tensors have "
                    "different metadata than during the forward pass.\n"
                    f"tensor at position {k}:\nsaved metadata: {{'shape': {shape}, 'dtype': "
                    f"{dtype}}}\nrecomputed metadata: {{'shape': {s2}, 'dtype': {d2}}}\n"
                )


def _stand_ins(inner: set, boundary: tuple) -> list:
    """The tensors to differentiate the second run with respect to: the leaves among
    ``boundary`` themselves, and for each tensor made outside the run that its nodes read, a
    leaf standing in for it (so the second run's backward stays out of the outer graph,
    whose own pass is under way)."""
    subs: dict[int, Tensor] = {}
    for fn in inner:
        if fn.inputs is None:
            continue
        changed = False
        new = []
        for x in fn.inputs:
            if x._creator is not None and x._creator not in inner:
                s = subs.get(id(x))
                if s is None:
                    s = subs[id(x)] = Tensor._from_op(x._data, None, 0).requires_grad_(True)
                x, changed = s, True
            new.append(x)
        if changed:
            fn.inputs = tuple(new)
    return [subs.get(id(b), b) for b in boundary]


def checkpoint_sequential(
    functions: Any, segments: int, input: Any, use_reentrant: bool | None = None, **kwargs: Any
) -> Any:  # noqa: A002 - PyTorch's name
    """Run ``functions`` (a list of callables or an ``nn.Sequential``) in order on ``input``,
    the first ``segments - 1`` equal segments each through :func:`checkpoint` (PyTorch's
    split; its warnings and errors).

    >>> import deepgrad as dg
    >>> from deepgrad import nn
    >>> from deepgrad.utils.checkpoint import checkpoint_sequential
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> x = dg.randn(4, 2, requires_grad=True)
    >>> bool((checkpoint_sequential(net, 2, x, use_reentrant=False) == net(x)).all())
    True
    """
    if use_reentrant is None:
        _unset("torch.utils.checkpoint.checkpoint_sequential", 2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run(start: int, end: int, fns: list) -> Callable:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = fns[j](x)
            return x

        return forward

    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = len(fns) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(  # noqa: A001
            run(start, end, fns), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run(end + 1, len(fns) - 1, fns)(input)
