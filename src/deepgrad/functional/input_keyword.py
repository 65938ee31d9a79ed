"""PyTorch's ``input=`` keyword on the top-level functions: ``torch.sort(input=x, dim=1,
descending=True)``, ``torch.gather(input=x, dim=1, index=i)``, ``torch.clamp(input=x, min=0)``.

PyTorch names the tensor a function works on ``input``; deepgrad's functions name it ``x``
(``a``/``A`` for the linear-algebra ones). :func:`with_input` lets such a function take the
tensor as ``input=`` too, as its first argument; :mod:`deepgrad` applies it to its top-level
forms whose first parameter is so named and whose PyTorch form names it ``input`` (the test
``tests/functional/test_input_keyword.py`` checks the set against torch's signatures).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

#: deepgrad's names for the first parameter that PyTorch calls ``input``
FIRST_NAMES = frozenset({"x", "a", "A"})

#: functions whose first parameter, so named, is PyTorch's ``input`` too (``F.embedding``,
#: ``F.one_hot``: its documented name is ``tensor``, the one it takes ``input``)
FIRST_NAME_OF = {"embedding": "indices", "one_hot": "tensor"}

#: top-level functions whose first parameter PyTorch does not call ``input`` (they keep theirs)
NOT_INPUT = frozenset({"lu", "promote_types", "split", "tensordot", "vander"})


def takes_input_keyword(fn: Any, name: str = "") -> bool:
    """Whether ``fn``'s first parameter is positional and named as in :data:`FIRST_NAMES`
    (or :data:`FIRST_NAME_OF` gives its name for ``name``)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    names = FIRST_NAMES | {FIRST_NAME_OF.get(name, "x")}
    return bool(params) and params[0].name in names and params[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )  # fmt: skip


#: the unary elementwise functions, which take a tensor only, as PyTorch's (``torch.exp(2.0)``
#: raises ``TypeError``: use ``math.exp``, or ``dg.exp(dg.tensor(2.0))``)
TENSOR_ONLY = (
    "abs", "absolute", "neg", "negative", "positive", "sign", "sgn", "signbit", "floor",
    "ceil", "round", "trunc", "fix", "frac", "exp", "exp2", "expm1", "log", "log2", "log10",
    "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "asin", "acos",
    "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "arcsinh", "arccosh", "arctanh", "sigmoid", "erf", "erfc", "erfinv", "lgamma", "digamma",
    "relu", "bitwise_not", "logical_not", "isnan", "isinf", "isfinite", "isposinf",
    "isneginf", "isreal", "nan_to_num", "angle", "real", "imag", "i0", "sinc", "deg2rad",
    "rad2deg", "logit", "softmax", "log_softmax", "softmin",
)  # fmt: skip


def _refuse_non_tensor(name: str, args: tuple, kwargs: dict) -> None:
    """PyTorch's ``TypeError`` for a first argument of a :data:`TENSOR_ONLY` function that is
    not a tensor."""
    from ..tensor import Tensor

    x = args[0] if args else kwargs.get("input", kwargs.get("x"))
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__} "
            "(PyTorch's rule; wrap it, dg.tensor(v), or use the math module for a number)"
        )


def tensor_only(namespace: dict[str, Any]) -> None:
    """Make each function of :data:`TENSOR_ONLY` in ``namespace`` refuse a first argument
    that is not a tensor with PyTorch's ``TypeError`` (deepgrad computed some and failed on
    others with an ``AttributeError``); aliases stay one object, in every namespace given
    (``special.gammaln is lgamma``). The :func:`with_input` wrappers check it themselves (one
    object in every namespace, for pickle)."""
    done = _TENSOR_ONLY_WRAPPERS
    for name in TENSOR_ONLY:
        fn = namespace.get(name)
        if fn is None or getattr(fn, "takes_input", False):
            continue
        if id(fn) not in done:

            @functools.wraps(fn)
            def wrapper(*args: Any, _fn: Any = fn, _name: str = name, **kwargs: Any) -> Any:
                _refuse_non_tensor(_name, args, kwargs)
                return _fn(*args, **kwargs)

            wrapper.__module__, wrapper.__qualname__ = namespace["__name__"], name
            done[id(fn)] = wrapper
        namespace[name] = done[id(fn)]
    for name, fn in list(namespace.items()):  # the aliases wrapped in another namespace
        if not name.startswith("_") and callable(fn) and id(fn) in done:
            namespace[name] = done[id(fn)]


#: the :func:`tensor_only` wrappers by the id of the function they wrap
_TENSOR_ONLY_WRAPPERS: dict[int, Any] = {}


#: one wrapper per function, so that aliases stay one object (``special.expit is sigmoid``)
_WRAPPERS: dict[int, Any] = {}


def with_input(fn: Any, name: str | None = None) -> Any:
    """``fn`` taking its first argument as PyTorch's ``input=`` too (the same wrapper each
    time for one ``fn``)."""
    if id(fn) in _WRAPPERS:
        return _WRAPPERS[id(fn)]
    name = name or fn.__name__
    checked = name in TENSOR_ONLY

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "input" in kwargs:
            if args:
                raise TypeError(f"{name}() got the input both positionally and as input=; pass one")
            args = (kwargs.pop("input"),)
        if checked:
            _refuse_non_tensor(name, args, kwargs)
        return fn(*args, **kwargs)

    wrapper.takes_input = True  # type: ignore[attr-defined]
    _WRAPPERS[id(fn)] = wrapper
    return wrapper


def accept_input_keyword(namespace: dict[str, Any], names: Any = None) -> None:
    """Give each public function of ``namespace`` (a module's ``globals()``; only ``names``
    when given) whose first parameter PyTorch calls ``input`` the ``input=`` keyword. A
    wrapper's ``__module__``/``__qualname__`` name the first namespace it is installed in, so
    that pickle (a whole model holding ``F.gelu``) finds it there."""
    for name in list(namespace if names is None else names):
        fn = namespace[name]
        if (
            not name.startswith("_")
            and callable(fn)
            and not isinstance(fn, type)
            and name not in NOT_INPUT
            and takes_input_keyword(fn, name)
        ):
            wrapper = with_input(fn, name)
            if wrapper.__module__ == fn.__module__:  # first installed here: its home for pickle
                wrapper.__module__, wrapper.__qualname__ = namespace["__name__"], name
            namespace[name] = wrapper
