"""``deepgrad.utils.checkpoint``: PyTorch's activation checkpointing, ``checkpoint`` and
``checkpoint_sequential``, with its arguments, warnings and errors, and the same values and
gradients as PyTorch's.

deepgrad does not recompute: the function runs once and keeps its activations, so the
gradients are those of calling it directly (PyTorch's recomputation gives the same numbers,
random draws included, as it restores the random state) and no memory is saved. What
PyTorch's reentrant variant does differently is kept: with ``use_reentrant=True`` (the
default, with a warning, when it is not passed) and no input that requires grad, the result
records no graph, so the parameters inside get no gradient.

>>> import deepgrad as dg
>>> from deepgrad.utils.checkpoint import checkpoint
>>> x = dg.tensor([1.0, 2.0], requires_grad=True)
>>> checkpoint(lambda t: (t ** 2).sum(), x, use_reentrant=False).backward()
>>> x.grad
tensor([2., 4.])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


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
    """``function(*args, **kwargs)``, as PyTorch's ``checkpoint`` returns it.

    ``use_reentrant`` should be passed (a ``UserWarning`` when it is not, which then means
    ``True``, as PyTorch 2.13). With ``use_reentrant=True``: keyword arguments for
    ``function`` are refused (``ValueError``), as are ``context_fn`` and ``debug``; if no
    tensor in ``args`` requires grad, a warning says that gradients will be None and the
    result records no graph. ``preserve_rng_state`` is accepted (the function runs once: its
    draws are the ones it makes). ``context_fn`` (a function returning two context managers)
    wraps the forward in the first; ``determinism_check`` and ``early_stop`` only concern a
    recomputation, which does not happen here.
    """
    if use_reentrant is None:
        _unset("torch.utils.checkpoint", 2)
        use_reentrant = True
    kwargs.pop("preserve_rng_state", True)
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
            with no_grad():
                return function(*args)
        return function(*args)
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"determinism_check should be one of ['default', 'none'], but got {determinism_check}"
        )
    if context_fn is None:
        return function(*args, **kwargs)
    forward_context, _ = context_fn()
    with forward_context:
        return function(*args, **kwargs)


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
