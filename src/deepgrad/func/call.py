"""``torch.func.functional_call``: run a module with other tensors in place of its
parameters and buffers.

>>> import deepgrad as dg
>>> from deepgrad import nn
>>> from deepgrad.func import functional_call
>>> net = nn.Linear(2, 1)
>>> w = {"weight": dg.ones(1, 2), "bias": dg.zeros(1)}
>>> functional_call(net, w, dg.tensor([[1.0, 2.0]]))
tensor([[3.]])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..functional import stack
from ..nn.module import Module

__all__ = ["functional_call", "stack_module_state"]

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


def stack_module_state(models: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``torch.func.stack_module_state``: the parameters and buffers of ``models`` (modules of
    one class, all in training or all in eval mode) stacked along a new first dim, by name, for
    :func:`deepgrad.func.vmap` over :func:`functional_call` (the model-ensembling recipe).
    Stacked parameters are new leaves (``requires_grad`` when the models' do), unrelated to
    the models' own, so an optimizer can train them.

    >>> import deepgrad as dg
    >>> params, buffers = stack_module_state([dg.nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape, params["weight"].is_leaf, buffers
    ((4, 2, 3), True, {})
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
        )
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(tensors: list, name: str) -> Any:
        flags = {bool(t.requires_grad) for t in tensors}
        if len(flags) > 1:
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        out = stack(tensors)
        return out.detach().requires_grad_() if flags == {True} else out

    all_params = [dict(m.named_parameters()) for m in models]
    all_buffers = [dict(m.named_buffers()) for m in models]
    params = {k: stacked([p[k] for p in all_params], k) for k in all_params[0]}
    buffers = {k: stacked([b[k] for b in all_buffers], k) for k in all_buffers[0]}
    return params, buffers
