"""``deepgrad.func``: PyTorch's ``torch.func`` — :func:`functional_call` (run a module with
other tensors in place of its parameters and buffers), and :func:`grad` /
:func:`grad_and_value` of a scalar function of tensors, built on :func:`deepgrad.grad`.
``vmap`` and the other transforms raise ``NotImplementedError``.

>>> import deepgrad as dg
>>> from deepgrad import nn
>>> from deepgrad.func import functional_call, grad
>>> net = nn.Linear(2, 1)
>>> w = {"weight": dg.ones(1, 2), "bias": dg.zeros(1)}
>>> functional_call(net, w, dg.tensor([[1.0, 2.0]]))
tensor([[3.]])
>>> grad(lambda x: (x ** 2).sum())(dg.tensor([1.0, 2.0]))
tensor([2., 4.])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .autograd import enable_grad
from .autograd import grad as _autograd_grad
from .nn.module import Module
from .tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "vmap"]

_MISSING = object()


def _merge(dicts: Any) -> dict:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    dicts = list(dicts)
    seen: dict = {}
    repeated = []
    for d in dicts:
        for k in d:
            if k in seen:
                repeated.append(k)
            seen[k] = d[k]
    if repeated:
        raise ValueError(
            f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
            "ambiguous"
        )
    return seen


def _tied_names(module: Module) -> dict[str, list[str]]:
    """Every name of each parameter/buffer held under several names (tied weights)."""
    names: dict[int, list[str]] = {}
    for mname, m in module.named_modules():
        for reg in (m._parameters, m._buffers):
            for n, t in reg.items():
                if t is not None:
                    names.setdefault(id(t), []).append(f"{mname}.{n}" if mname else n)
    return {n: group for group in names.values() if len(group) > 1 for n in group}


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a dict,
    or a sequence of dicts with distinct keys, of dotted names such as ``"0.weight"``) in
    place of the module's parameters and buffers; gradients flow to those tensors, and the
    module is left as it was. ``args`` that is not a tuple is the one positional argument.

    ``tie_weights``: a parameter held under several names takes the tensor given for any of
    them (two different tensors for one tied parameter raise ``ValueError``). ``strict``:
    every parameter and buffer must be given and no other name (``RuntimeError`` otherwise).
    Other names are set as plain attributes for the call.
    """
    values = _merge(parameter_and_buffer_dicts)
    if tie_weights:
        tied = _tied_names(module)
        for name in list(values):
            for other in tied.get(name, []):
                if other in values and values[other] is not values[name] and other != name:
                    given = sorted(n for n in tied[name] if n in values)
                    raise ValueError(
                        f"functional_call got multiple values for keys {given}, which are "
                        "tied. Consider using tie_weights=False"
                    )
        for name in list(values):
            for other in tied.get(name, []):
                values.setdefault(other, values[name])
    if strict:
        known = {n for n, _ in _all_named(module)}
        missing = sorted(known - set(values))
        unexpected = sorted(set(values) - known)
        if missing or unexpected:
            lines = []
            if unexpected:
                lines.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected))
            if missing:
                lines.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing))
            raise RuntimeError(
                f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                + "\n\t".join(f"{line}." for line in lines)
            )
    saved = []
    try:
        for name, value in values.items():
            owner, _, attr = name.rpartition(".")
            m = module.get_submodule(owner) if owner else module
            reg = next((r for r in (m._parameters, m._buffers) if attr in r), None)
            saved.append((m, attr, reg, reg[attr] if reg is not None else _MISSING,
                          m.__dict__.get(attr, _MISSING)))  # fmt: skip
            if reg is not None:
                reg[attr] = value
            m.__dict__[attr] = value
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for m, attr, reg, old_reg, old_attr in reversed(saved):
            if reg is not None:
                reg[attr] = old_reg
            if old_attr is _MISSING:
                m.__dict__.pop(attr, None)
            else:
                m.__dict__[attr] = old_attr


def _all_named(module: Module) -> list[tuple[str, Any]]:
    out = []
    for mname, m in module.named_modules():
        for reg in (m._parameters, m._buffers):
            for n, t in reg.items():
                if t is not None:
                    out.append((f"{mname}.{n}" if mname else n, t))
    return out


def _leaves(x: Any) -> list:
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, Mapping):
        return [t for v in x.values() for t in _leaves(v)]
    if isinstance(x, Sequence) and not isinstance(x, str):
        return [t for v in x for t in _leaves(v)]
    raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")


def _rebuild(x: Any, it: Any) -> Any:
    if isinstance(x, Tensor):
        return next(it)
    if isinstance(x, Mapping):
        return type(x)((k, _rebuild(v, it)) for k, v in x.items())
    return type(x)(_rebuild(v, it) for v in x)


def _detach_tree(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.detach()
    if isinstance(x, Mapping):
        return type(x)((k, _detach_tree(v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return type(x)(_detach_tree(v) for v in x)
    return x


def grad_and_value(
    func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable:
    """``grad_and_value(f)(*args)`` is ``(∂f/∂args[argnums], f(*args))`` for ``f`` returning a
    scalar tensor (or ``(scalar, aux)`` with ``has_aux``: then ``(grads, (value, aux))``).
    ``argnums`` may be a tuple (a tuple of gradients); an argument may be a tuple, list or dict
    of tensors (its gradient has that structure). Results carry no graph.

    >>> import deepgrad as dg
    >>> from deepgrad.func import grad_and_value
    >>> grad_and_value(lambda a, b: (a * b).sum(), argnums=(0, 1))(dg.ones(2), dg.tensor([3.0, 4.0]))
    ((tensor([3., 4.]), tensor([1., 1.])), tensor(7.))
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        if not nums:
            raise RuntimeError("argnums must be non-empty")
        for n in nums:
            if not isinstance(n, int) or not -len(args) <= n < len(args):
                raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
        args = list(args)
        with enable_grad():
            diff = {}
            for n in nums:
                n = n % len(args)
                leaves = _leaves(args[n])
                if any(t.dtype.kind not in "fc" for t in leaves):
                    raise RuntimeError("only Tensors of floating point dtype can require gradients")
                leaves = [t.detach().requires_grad_(True) for t in leaves]
                diff[n] = leaves
                args[n] = _rebuild(args[n], iter(leaves))
            out = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(
                        "grad_and_value(f)(*args): output of function f should be a tuple: "
                        "(output, aux) if has_aux is True"
                    )
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                    f"{type(out)}"
                )
            if out.ndim != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                    f"got tensor with {out.ndim} dims. Maybe you wanted to use the vjp or "
                    "jacrev APIs instead?"
                )
            flat = [t for n in nums for t in diff[n % len(args)]]
            if out.requires_grad:
                gs = _autograd_grad(out, flat, allow_unused=True)
            else:
                gs = (None,) * len(flat)
            gs = iter(g if g is not None else t.detach() * 0 for g, t in zip(gs, flat))
            grads = tuple(_rebuild(args[n % len(args)], gs) for n in nums)
        grads = grads if isinstance(argnums, tuple) else grads[0]
        value = out.detach()
        if has_aux:
            return grads, (value, _detach_tree(aux))
        return grads, value

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """``grad(f)(*args)``: the gradient of a scalar ``f`` with respect to ``args[argnums]``
    (with ``has_aux``: ``(gradient, aux)``). See :func:`grad_and_value`.

    >>> import deepgrad as dg
    >>> from deepgrad.func import grad
    >>> grad(lambda x: x.sin().sum())(dg.tensor([0.0]))
    tensor([1.])
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = grad_and_value(func, argnums, has_aux)(*args, **kwargs)
        if has_aux:
            return grads, value[1]
        return grads

    return wrapper


def vmap(func: Callable, *args: Any, **kwargs: Any) -> Callable:
    """Not available: deepgrad has no batching transform. Raises ``NotImplementedError``
    (write the function on batched tensors, or loop and :func:`deepgrad.stack`)."""
    raise NotImplementedError(
        "deepgrad.func.vmap is not implemented: deepgrad has no batching transform; apply "
        "the function to batched tensors directly, or loop over the batch and dg.stack the "
        "results"
    )
