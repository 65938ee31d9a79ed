"""PyTorch's ``out=`` keyword on the top-level functions (``dg.matmul(a, b, out=y)``).

:func:`with_out` wraps a function so that ``fn(..., out=t)`` computes the result as usual and
writes it into ``t``, PyTorch's contract:

- ``t`` is returned (the same object) and keeps its identity and its memory, so views of it
  and other references to it see the new values;
- the result is cast to ``t``'s dtype where PyTorch allows it: most functions take any dtype
  the result casts to without losing its kind (a float result is refused by an integer ``t``,
  an integer or float one by a bool ``t``; float64 into float32 is fine); ``matmul``/``mm``/
  ``bmm``, ``abs``, ``clamp`` with number bounds and ``where`` want ``t``'s dtype to be the
  result's exactly (``clamp`` with tensor bounds casts; ``where``'s form takes tensors only);
- ``sum`` computes in ``t``'s dtype, as with ``dtype=t.dtype`` (PyTorch's: a float sum into
  an int64 ``t`` sums the truncated values); ``mean`` in a floating ``t``'s dtype;
- a ``t`` of another shape is resized (its values replaced; other views of its old memory no
  longer follow it), with PyTorch's ``UserWarning`` when it had elements;
- the functions that return a pair (``max``/``min`` along a dim, ``sort``, ``topk``,
  ``kthvalue``, ``median``, ``nanmedian``, ``mode``, ``cummax``, ``cummin``, ``aminmax``) take
  ``out=`` as a tuple (or list) of two tensors, each of the result's dtype exactly (int64 for
  indices), and return the same named pair holding them; ``max(x)``/``max(x, other)`` (and
  ``min``'s) take one tensor, under the cast rule;
- while grad mode is on, an argument (or ``t``) that requires grad is refused with PyTorch's
  ``RuntimeError``: functions with ``out=`` are not differentiated.

``out=None`` (the default) is the function itself. Applied where the functions are exported
(:mod:`deepgrad`'s top level); ``deepgrad.functional``'s functions take no ``out=``.

>>> import deepgrad as dg
>>> y = dg.zeros(2)
>>> dg.add(dg.tensor([1.0, 2.0]), 1, out=y) is y, y.tolist()
(True, [2.0, 3.0])
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import numpy

from .. import autograd, backend
from .._errors import kernel_dtype_name
from ..tensor import Tensor

#: dtype rules: "cast" (PyTorch's ``canCast``: no float→integer, no →bool from a non-bool, no
#: complex→real), "exact" (``out``'s dtype must be the result's) or "dtype" (``sum``: ``out``'s
#: dtype is the one it computes in, as its ``dtype=``; a ``dtype=`` given too must be it; PyTorch's
#: ``sum`` takes ``out=`` only with a ``dim``)
CAST, EXACT, DTYPE = "cast", "exact", "dtype"
#: ``mean``'s: computed in ``out``'s dtype where it is floating (PyTorch's: a float32 mean into
#: a float64 ``out`` sums in float64), then the cast rule; unlike ``sum``'s, no dim is needed
MEAN = "mean"
#: the rule of the functions returning a pair: ``out`` a tuple of two tensors, each "exact"
PAIR = "pair"


_can_cast = backend.can_cast  # PyTorch's ``canCast``: a cast that keeps the value's kind


def _requires_grad(args: Any) -> bool:
    for a in args:
        if isinstance(a, Tensor):
            if a.requires_grad:
                return True
        elif isinstance(a, (list, tuple)) and _requires_grad(a):
            return True
    return False


def write_out(name: str, result: Tensor, out: Any, rule: str = CAST) -> Tensor:
    """Write ``result`` into ``out`` (PyTorch's rules above) and return ``out``."""
    res = result._data
    dst = out.dtype
    if rule in (EXACT, DTYPE) and res.dtype != dst:
        raise RuntimeError(
            f"{name}(): expected the out tensor to have dtype {res.dtype}, but got {dst} "
            "instead (PyTorch's rule: no cast for this function)"
        )
    if rule == CAST and not _can_cast(res.dtype, dst):
        error = TypeError if name in ("cat", "concat", "concatenate", "stack") else RuntimeError
        raise error(
            f"{name}(): result type {kernel_dtype_name(res.dtype)} can't be cast to the desired "
            f"output type {kernel_dtype_name(dst)} ({res.dtype} into out's {dst}: PyTorch's rule)"
        )
    if out.shape != res.shape:
        if out.numel():
            warnings.warn(
                f"{name}(): an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(res.shape)}. PyTorch deprecates this; resize the out tensor to zero "
                "elements first (or use the returned tensor)",
                UserWarning,
                stacklevel=3,
            )
        out._data = backend.xp.empty(res.shape, dtype=dst)
    # a value past float16's range is inf there, silently as PyTorch's
    backend.silently(backend.xp.copyto, out._data, res, "unsafe")
    return out


def write_pair(name: str, result: Any, out: Any) -> Any:
    """Write the pair ``result`` (``values, indices``) into the two tensors of ``out`` and
    return the same kind of pair holding them; a one-tensor result (``max(x)``,
    ``max(x, other)``) goes into one tensor ``out`` under the cast rule."""
    if not isinstance(result, tuple):
        if name not in ("max", "min"):
            raise TypeError(f"{name}(): out= needs a dim, as in PyTorch: {name}(x, dim, out=...)")
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{name}(): this form returns one tensor: out must be a Tensor, not "
                f"{type(out).__name__}"
            )
        return write_out(name, result, out, CAST)
    if (
        not isinstance(out, (tuple, list))
        or len(out) != len(result)
        or not all(isinstance(t, Tensor) for t in out)
    ):
        got = f"{len(out)} elements" if isinstance(out, (tuple, list)) else type(out).__name__
        raise TypeError(f"{name}(): out must be a tuple of {len(result)} tensors, got {got}")
    for r, o in zip(result, out):  # all checked before any is written
        if r.dtype != o.dtype:
            raise RuntimeError(
                f"{name}(): expected the out tensors to have dtypes "
                f"{tuple(str(r.dtype) for r in result)}, but got "
                f"{tuple(str(o.dtype) for o in out)} instead (PyTorch's rule: no cast)"
            )
    for r, o in zip(result, out):
        write_out(name, r, o, EXACT)
    return type(result)(tuple(out))


def _abs_rule(args: tuple, kwargs: dict, out: Tensor) -> str:
    """``abs``'s ``out=`` rule: the result's dtype exactly, but for a complex input any
    floating ``out`` or one of the input's own complex dtype (``|x|`` cast into it), as
    PyTorch's."""
    x = args[0] if args else kwargs.get("input", kwargs.get("x"))
    dt = numpy.dtype(getattr(x, "dtype", numpy.float64))
    ok = dt.kind == "c" and (out.dtype.kind == "f" or out.dtype == dt)
    return CAST if ok else EXACT


def _overload_rule(name: str, args: tuple, kwargs: dict) -> str:
    """The ``out=`` rule of ``clamp``/``clip`` and ``where``, which depends on the arguments
    as PyTorch's overloads do: tensor bounds (none a number) cast into ``out`` ("cast"),
    number bounds want the result's dtype ("exact"); ``where``'s ``out=`` form takes tensors
    only ("exact"), a number raising PyTorch's ``TypeError``."""
    if name == "where":
        for i, key in enumerate(("input", "other")):
            v = args[i + 1] if len(args) > i + 1 else kwargs.get(key)
            if v is not None and not isinstance(v, Tensor):
                raise TypeError(
                    f"where(): argument '{key}' (position {i + 2}) must be Tensor, not "
                    f"{type(v).__name__} (the out= form takes tensors only, as PyTorch's: "
                    "wrap the number with dg.tensor(...))"
                )
        return EXACT
    bounds = [*args[1:3], kwargs.get("min"), kwargs.get("max")]
    bounds = [v for v in bounds if v is not None]
    return CAST if bounds and all(isinstance(v, Tensor) for v in bounds) else EXACT


def with_out(fn: Any, name: str | None = None, rule: str = CAST) -> Any:
    """``fn`` taking PyTorch's keyword-only ``out=`` too (see the module's docstring)."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        if rule != PAIR and not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        if autograd.is_grad_enabled() and _requires_grad((*args, *kwargs.values(), out)):
            raise RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad (call it without "
                "out=, or under dg.no_grad())"
            )
        if rule == PAIR:
            return write_pair(name, fn(*args, **kwargs), out)
        if name in ("clamp", "clip", "where"):
            return write_out(name, fn(*args, **kwargs), out, _overload_rule(name, args, kwargs))
        if name in ("abs", "absolute"):
            return write_out(name, fn(*args, **kwargs), out, _abs_rule(args, kwargs, out))
        if rule == DTYPE:
            if len(args) < 2 and kwargs.get("dim", kwargs.get("axis")) is None:
                raise TypeError(f"{name}(): out= needs a dim, as in PyTorch: {name}(x, dim, out=t)")
            if kwargs.get("dtype") is None:
                kwargs["dtype"] = out.dtype
            elif numpy.dtype(kwargs["dtype"]) != out.dtype:
                raise RuntimeError(
                    f"{name}(): expected the out tensor to have dtype "
                    f"{numpy.dtype(kwargs['dtype'])} (its dtype=), but got {out.dtype} instead"
                )
        if rule == MEAN:  # mean computes in a floating out's dtype, as with dtype=
            if kwargs.get("dtype") is None:
                x = args[0] if args else kwargs.get("input", kwargs.get("x"))
                floating = getattr(x, "dtype", numpy.dtype("f")).kind in "fc"
                if out.dtype.kind in "fc" and floating:  # (integers: mean's own refusal)
                    kwargs["dtype"] = out.dtype
            elif numpy.dtype(kwargs["dtype"]) != out.dtype:
                raise RuntimeError(
                    f"{name}(): expected the out tensor to have dtype "
                    f"{numpy.dtype(kwargs['dtype'])} (its dtype=), but got {out.dtype} instead"
                )
        return write_out(name, fn(*args, **kwargs), out, CAST if rule == MEAN else rule)

    try:
        sig = inspect.signature(fn)
        params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
        var_kw = [p for p in sig.parameters.values() if p.kind is p.VAR_KEYWORD]
        extra = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
        wrapper.__signature__ = sig.replace(parameters=[*params, extra, *var_kw])  # type: ignore[attr-defined]
    except (TypeError, ValueError):  # pragma: no cover - no signature to extend
        pass
    note = "Takes PyTorch's ``out=`` too (see :mod:`deepgrad.functional.out_argument`)."
    wrapper.__doc__ = f"{inspect.cleandoc(fn.__doc__)}\n\n{note}" if fn.__doc__ else note
    return wrapper


#: top-level name → its dtype rule (PyTorch 2's, checked against torch)
OUT_FUNCTIONS: dict[str, str] = {
    "sum": DTYPE,
    "mean": MEAN,
    **dict.fromkeys(
        (
            "max",
            "min",
            "sort",
            "topk",
            "kthvalue",
            "median",
            "nanmedian",
            "mode",
            "cummax",
            "cummin",
            "aminmax",
        ),
        PAIR,
    ),  # fmt: skip
    **dict.fromkeys(("matmul", "mm", "bmm", "abs", "absolute", "clamp", "clip", "where"), EXACT),
    **dict.fromkeys(
        (
            "add",
            "sub",
            "subtract",
            "mul",
            "multiply",
            "div",
            "divide",
            "true_divide",
            "cat",
            "concat",
            "concatenate",
            "stack",
            "exp",
            "log",
            "sqrt",
            "pow",
            "maximum",
            "minimum",
        ),
        CAST,
    ),
}
