"""The registry of layer classes a saved architecture may name.

A saved model's ``config.json`` names classes by a short name (``"Linear"``, ``"Sequential"``,
``"MyNet"``), never by an import path: loading looks the name up here and nowhere else, so a
file cannot make deepgrad import or call anything that was not registered on purpose.

Known classes are

* every public :class:`~deepgrad.nn.Module` subclass exported by :mod:`deepgrad.nn` or the model
  zoo :mod:`deepgrad.models` (looked up
  when needed, so layers added to ``nn`` later are known without a list to maintain);
* classes registered by the user with ``@dg.register`` (or ``deepgrad.io.register``).

>>> import deepgrad as dg
>>> @dg.register
... class Doubler(dg.nn.Module):
...     def forward(self, x):
...         return x * 2
>>> dg.io.get_class("Doubler") is Doubler, dg.io.get_class("Linear") is dg.nn.Linear
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_user: dict[str, type] = {}


def _builtin() -> dict[str, type]:
    from .. import models, nn

    out: dict[str, type] = {}
    for mod in (nn, models):
        for name in dir(mod):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if isinstance(obj, type) and issubclass(obj, nn.Module):
                out[name] = obj
    return out


def register(cls: type | None = None, *, name: str | None = None) -> Any:
    """Register a :class:`~deepgrad.nn.Module` subclass so that saved models may name it.

    Use as a decorator (``@dg.register`` or ``@dg.register(name="Block")``) or call it
    (``dg.io.register(MyNet)``). The class's constructor arguments must be JSON-able
    (numbers, strings, bools, lists, dicts, ``None``, or modules) for ``save`` to record them.
    Registering a different class under a taken name is an error.
    """

    def deco(c: type) -> type:
        from ..nn import Module

        if not (isinstance(c, type) and issubclass(c, Module)):
            raise TypeError(f"register: expected a Module subclass, got {c!r}")
        key = name or c.__name__
        known = _user.get(key) or _builtin().get(key)
        if known is not None and known is not c:
            # re-registering a class redefined with the same qualified name (a re-run notebook
            # cell) replaces it; anything else would make a saved name ambiguous
            same = (known.__module__, known.__qualname__) == (c.__module__, c.__qualname__)
            if not same or key in _builtin():
                raise ValueError(
                    f"register: the name {key!r} is already taken by {known.__module__}."
                    f"{known.__qualname__}; pass name=... to register {c.__qualname__}"
                )
        _user[key] = c
        return c

    if cls is not None:
        return deco(cls)
    return deco


def unregister(name: str) -> None:
    """Remove a user-registered class (mainly for tests)."""
    _user.pop(name, None)


def name_of(cls: type) -> str | None:
    """The registry name of ``cls``, or ``None`` when it is not registered."""
    for key, c in _user.items():
        if c is cls:
            return key
    for key, c in _builtin().items():
        if c is cls:
            return key
    return None


def get_class(name: str) -> type:
    """The registered class called ``name``; ``KeyError`` naming the known ones otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"a class name must be a string, got {type(name).__name__}")
    c = _user.get(name) or _builtin().get(name)
    if c is None:
        import difflib

        known = sorted(registered())
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        lower = {k.lower(): k for k in known}
        if name.lower() in lower and lower[name.lower()] not in close:
            close.insert(0, lower[name.lower()])
        hint = f"did you mean {' or '.join(repr(k) for k in close)}? " if close else ""
        raise KeyError(
            f"{name[:80]!r} is not a registered layer class; {hint}known: {known}. A saved "
            "model may only name deepgrad's layers or classes registered with @dg.register "
            "(never an import path) — import and register your class before loading"
        )
    return c


def registered() -> dict[str, type]:
    """All known classes by name (built-in and user-registered)."""
    out = _builtin()
    out.update(_user)
    return out


Registrar = Callable[[type], type]
