"""The message for a name that is not one of the valid choices: what came, the nearest valid
name (``difflib``'s closest match, ignoring case) and the valid ones.

>>> unknown_choice("optimizer", "adma", ["sgd", "adam", "adamw"])
"unknown optimizer 'adma'; did you mean 'adam'? Valid: 'adam', 'adamw', 'sgd'"

This module imports nothing from deepgrad, so every layer of the package can use it.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any


def nearest(name: Any, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` valid names closest to ``name`` (case ignored), best first; ``[]`` when
    none is close, or when ``name`` is not a string."""
    if not isinstance(name, str):
        return []
    pool = list(choices)
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[h] for h in hits]


def did_you_mean(name: Any, choices: Iterable[str], quote: str = "'{}'") -> str:
    """``"; did you mean 'epochs'?"`` for the nearest valid name, or ``""``."""
    hit = nearest(name, choices)
    return f"; did you mean {quote.format(hit[0])}?" if hit else ""


def unknown_choice(kind: str, name: Any, choices: Iterable[str]) -> str:
    """``"unknown KIND 'name'; did you mean 'x'? Valid: 'a', 'b'"`` (choices sorted)."""
    pool = sorted(set(choices))
    valid = ", ".join(repr(c) for c in pool)
    return f"unknown {kind} {name!r}{did_you_mean(name, pool) or '.'} Valid: {valid}"


def unexpected_keyword(
    where: str, key: str, valid: Iterable[str], keras_only: dict[str, str] | None = None
) -> TypeError:
    """The ``TypeError`` for a keyword ``where`` does not take: for a Keras argument listed in
    ``keras_only``, what does the same here; else the nearest valid name and the valid ones
    (Python's own message names only the word that came).

    >>> str(unexpected_keyword("fit()", "epoch", ["epochs", "x"]))
    "fit() got an unexpected keyword argument 'epoch'; did you mean 'epochs'? it takes epochs, x"
    """
    why = (keras_only or {}).get(key)
    if why is not None:
        return TypeError(f"{where}: Keras's {key}= is not supported by deepgrad: {why}")
    pool = list(valid)
    near = nearest(key, pool)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return TypeError(
        f"{where} got an unexpected keyword argument {key!r}; {hint}it takes {', '.join(pool)}"
    )


def keyword_names(init: Callable[..., None]) -> list[str] | None:
    """The keywords ``init`` (a class's ``__init__``) takes, for :func:`refuse_unknown`;
    ``None`` where it takes ``**kwargs`` (any keyword)."""
    params = inspect.signature(init).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY)
    return [k for k, p in params.items() if k != "self" and p.kind not in skip]


def refuse_unknown(where: str, kwargs: Iterable[str], valid: list[str] | None) -> None:
    """:func:`unexpected_keyword`'s error for the first of ``kwargs`` not in ``valid`` (from
    :func:`keyword_names`; ``None`` takes any)."""
    if valid is not None:
        for key in kwargs:
            if key not in valid:
                raise unexpected_keyword(where, key, valid)


def checking_keywords(init: Callable[..., None]) -> Callable[..., None]:
    """``init`` (a class's ``__init__``) refusing a keyword it does not take with
    :func:`unexpected_keyword`'s message, naming the class built and the nearest valid keyword
    (``EarlyStopping(patiense=3)`` → ``patience``). An ``__init__`` taking ``**kwargs`` is
    returned as it is."""
    valid = keyword_names(init)
    if valid is None:
        return init

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        refuse_unknown(f"{type(self).__name__}()", kwargs, valid)
        init(self, *args, **kwargs)

    return wrapper
