"""Nested containers of tensors (PyTorch's "pytrees"): tuples (named ones too), lists and dicts
hold the leaves; anything else is a leaf. ``flatten`` gives the leaves in order and a spec that
``unflatten`` fills back with other leaves.

>>> from deepgrad.func.trees import flatten, unflatten
>>> leaves, spec = flatten({"a": 1, "b": (2, [3])})
>>> leaves
[1, 2, 3]
>>> unflatten([10, 20, 30], spec)
{'a': 10, 'b': (20, [30])}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["flatten", "is_container", "unflatten"]

LEAF = None  # the spec of a leaf


def is_container(x: Any) -> bool:
    """Whether ``x`` holds leaves (a tuple, list or dict) rather than being one."""
    return isinstance(x, (tuple, list, dict))


def _children(x: Any) -> tuple[list, Any]:
    if isinstance(x, dict):
        keys = list(x)
        return [x[k] for k in keys], keys
    return list(x), None


def flatten(x: Any) -> tuple[list, Any]:
    """``(leaves, spec)`` of ``x``."""
    if not is_container(x):
        return [x], LEAF
    children, keys = _children(x)
    leaves: list = []
    specs = []
    for c in children:
        sub, spec = flatten(c)
        leaves += sub
        specs.append(spec)
    return leaves, (type(x), keys, specs)


def _fill(spec: Any, it: Iterator) -> Any:
    if spec is LEAF:
        return next(it)
    kind, keys, specs = spec
    children = [_fill(s, it) for s in specs]
    if keys is not None:
        return kind(zip(keys, children))
    if kind is not tuple and issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return kind(*children)  # a named tuple
    return kind(children)


def unflatten(leaves: list, spec: Any) -> Any:
    """The structure ``spec`` (from :func:`flatten`) with ``leaves`` in its places."""
    return _fill(spec, iter(leaves))


def broadcast_prefix(prefix: Any, x: Any) -> list | None:
    """One entry of ``prefix`` per leaf of ``x``: a leaf of ``prefix`` (an int or None) covers
    the whole subtree it stands for; None when the structures do not match."""
    if not is_container(prefix):
        return [prefix] * len(flatten(x)[0])
    if not is_container(x) or isinstance(prefix, dict) != isinstance(x, dict):
        return None
    if isinstance(x, dict):
        if set(prefix) != set(x):
            return None
        pairs = [(prefix[k], x[k]) for k in x]
    else:
        if len(prefix) != len(x):
            return None
        pairs = list(zip(prefix, x))
    out: list = []
    for p, c in pairs:
        sub = broadcast_prefix(p, c)
        if sub is None:
            return None
        out += sub
    return out
