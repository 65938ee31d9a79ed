"""One name per argument: PyTorch's (``dim``, ``keepdim``, ``correction``, ``start_dim``,
``end_dim``, ``dims``) is the declared spelling in :mod:`deepgrad.tensor` and
:mod:`deepgrad.functional`; the few other spellings PyTorch itself accepts are accepted through
:func:`torch_names`, and only those.

The accepted aliases — the NumPy names PyTorch's own argument parser takes (``torch.sum(x,
axis=1, keepdims=True)``); ``var``/``std``'s ``unbiased`` is a parameter of its own there, in
PyTorch's position (see :func:`deepgrad.functional.var`):

=================  =====================================================================
parameter          also accepted as
=================  =====================================================================
``dim``            ``axis``
``keepdim``        ``keepdims``
=================  =====================================================================

Refused with a ``TypeError`` that names PyTorch's spelling (PyTorch refuses them too):

=================  =====================================================================
spelling           PyTorch's name
=================  =====================================================================
``start_axis``     ``start_dim``
``end_axis``       ``end_dim``
``ddof``           ``correction``
``axis``           ``dims`` (``flip``, ``roll``, ``permute``, ``tile``)
=================  =====================================================================

deepgrad takes the aliases wherever a function, method or layer takes ``dim``/``keepdim``/
``correction``; PyTorch's ``torch.*`` functions and most methods do too, while a few of its
Python-level ones (``F.softmax``, ``Tensor.split``, ``Tensor.norm``, ``nn.Softmax``) refuse
``axis`` — the README's table of differences says so.

Positional use is unchanged. Naming one argument twice (``sum(x, 1, dim=1)``,
``sum(x, axis=1, dim=1)``) is a ``TypeError`` that names both spellings. A new alias is added
here, to the table, only where PyTorch accepts it too (``@torch_names(alias="parameter")``
adds one for a single function; nothing uses that now).

This module imports nothing from deepgrad, so :mod:`deepgrad.tensor` can use it too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ._errors import _type_words

Fn = TypeVar("Fn", bound=Callable[..., Any])

#: parameter name → the other names it is also accepted under (PyTorch accepts them too)
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "dim": ("axis",),
    "keepdim": ("keepdims",),
}

#: parameter name → spellings refused with a message naming the parameter (PyTorch refuses them)
_REFUSED: dict[str, tuple[str, ...]] = {
    "start_dim": ("start_axis",),
    "end_dim": ("end_axis",),
    "correction": ("ddof",),
    "dims": ("axis",),
}


def torch_names(fn: Fn | None = None, /, **extra: str) -> Any:
    """Decorator: let ``fn`` take its ``dim``/``keepdim``/``correction`` under the aliases in
    the table above too (plus ``alias="parameter"`` pairs given in ``extra``), and refuse the
    spellings PyTorch refuses with a ``TypeError`` naming PyTorch's.

    Use bare (``@torch_names``) or with extra pairs (``@torch_names(alias="param")``); it works
    on methods too. The docstring gets a line naming the accepted spellings. On a constructor
    (``__init__``) the aliases also appear in the signature, as keyword-only parameters, so
    that a module built as ``Softmax(axis=1)`` saves and rebuilds from its config."""

    def decorate(f: Fn) -> Fn:
        return _wrap(f, extra)

    return decorate if fn is None else decorate(fn)


def _wrap(fn: Fn, extra: dict[str, str]) -> Fn:
    name = fn.__qualname__
    params = inspect.signature(fn).parameters
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    # alias → (parameter, its position when it may be passed positionally)
    table: dict[str, tuple[str, int | None]] = {}
    refused: dict[str, str] = {}  # a spelling PyTorch refuses → the parameter it means
    for i, p in enumerate(params.values()):
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        alias_names = _SYNONYMS.get(p.name, ()) + tuple(a for a, c in extra.items() if c == p.name)
        for alias in alias_names:
            if alias not in params:
                pos = i if p.kind in positional else None
                table[alias] = (p.name, pos)
        refused.update((r, p.name) for r in _REFUSED.get(p.name, ()) if r not in params)
    for r in refused.keys() & table.keys():
        del refused[r]
    unknown = [f"{a}={c!r}" for a, c in extra.items() if c not in params]
    if unknown or not (table or refused):
        raise TypeError(f"torch_names: {name} has no parameter to alias ({', '.join(unknown)})")
    aliases = frozenset(table) | frozenset(refused)
    names = list(params)
    # keepdim's place among the positional arguments (PyTorch's parser wants a bool there)
    kd = names.index("keepdim") if "keepdim" in params else None
    kd = kd if kd is not None and params["keepdim"].kind in positional else None
    has_kd = "keepdim" in params

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs and not aliases.isdisjoint(kwargs):
            kwargs = _rename(kwargs, len(args), table, refused, name)
        if has_kd:
            value = args[kd] if kd is not None and len(args) > kd else kwargs.get("keepdim", False)
            if value is not True and value is not False:
                _refuse_keepdim(name, value, kd if kd is not None and len(args) > kd else None)
        return fn(*args, **kwargs)

    if fn.__name__ == "__init__":
        wrapper.__signature__ = _with_aliases(inspect.signature(fn), table)  # type: ignore[attr-defined]
    if table:
        pairs = ", ".join(f"``{a}`` for ``{c}``" for a, (c, _) in table.items())
        note = f"Also accepts {pairs}, as PyTorch does (see :mod:`deepgrad._names`)."
        wrapper.__doc__ = f"{inspect.cleandoc(fn.__doc__)}\n\n{note}" if fn.__doc__ else note
    return wrapper  # type: ignore[return-value]


def _refuse_keepdim(name: str, value: Any, index: int | None) -> None:
    """PyTorch's parser takes a Python bool as ``keepdim`` only: ``x.sum(0, 1)`` is its
    ``TypeError`` ("sum(): argument 'keepdim' (position 2) must be bool, not int"), not a sum
    over dim 0 that keeps it (nor over dims 0 and 1: that is ``x.sum((0, 1))``)."""
    short = name.rsplit(".", 1)[-1]
    where = "" if index is None else f" (position {index + (0 if '.' in name else 1)})"
    raise TypeError(
        f"{short}(): argument 'keepdim'{where} must be bool, not {_type_words(value)} (pass True or False; "
        f"to reduce over several dims pass them as a tuple, {short}(dim=(0, 1)))"
    )


def _with_aliases(sig: inspect.Signature, table: dict) -> inspect.Signature:
    """``sig`` with each alias added as a keyword-only parameter (the default and annotation
    of the parameter it names), so that code binding a constructor's recorded arguments to
    its signature (``Module.get_config``, ``module_from_config``) accepts either name."""
    params = list(sig.parameters.values())
    var_kw = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    params = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
    for alias, (param, _) in table.items():
        p = sig.parameters[param]
        params.append(
            inspect.Parameter(
                alias, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=p.annotation
            )
        )
    return sig.replace(parameters=params + var_kw)


def _rename(
    kwargs: dict[str, Any], nargs: int, table: dict, refused: dict[str, str], name: str
) -> dict[str, Any]:
    """``kwargs`` with each alias replaced by its parameter's own name; a ``TypeError`` when
    a refused spelling comes (naming PyTorch's) or one argument comes under two names (or
    positionally and under its alias)."""
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}  # parameter → the name it was passed as
    for key, value in kwargs.items():
        if key in refused:
            raise TypeError(
                f"{name}() got an unexpected keyword argument {key!r}: PyTorch's name, the "
                f"one deepgrad uses, is {refused[key]!r}"
            )
        param, pos = table.get(key, (key, None))
        if param in spelled:
            raise TypeError(
                f"{name}() got both {spelled[param]!r} and {key!r}: they are two names for "
                "one argument; pass one"
            )
        if pos is not None and nargs > pos:
            raise TypeError(
                f"{name}() got {param!r} positionally and {key!r} as a keyword: they are two "
                "names for one argument; pass one"
            )
        spelled[param] = key
        out[param] = value
    return out
