"""Temporary forward hooks: wrap every sub-module's ``forward`` for the length of a ``with``
block (used by ``summary`` to record output shapes, and by ``fit``'s first forward pass to say
in which layer an error happened). Nothing is left behind: the wrappers live in the instances'
``__dict__`` and are removed on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

_MISSING = object()


def _annotate(e: BaseException, name: str, module: Any) -> None:
    if getattr(e, "_dg_layer", None) is not None:
        return
    try:
        e._dg_layer = name  # type: ignore[attr-defined]
    except AttributeError:
        return
    if e.args and isinstance(e.args[0], str):
        e.args = (f"in layer {name!r} ({type(module).__name__}): {e.args[0]}", *e.args[1:])


@contextlib.contextmanager
def forward_hooks(
    model: Any,
    after: Callable[[str, Any, tuple, Any], None] | None = None,
    annotate_errors: bool = True,
) -> Iterator[None]:
    """Within the block, every module of ``model`` calls ``after(name, module, inputs,
    output)`` after its forward; an exception raised inside a sub-module gets the innermost
    layer's name prefixed to its message (``in layer 'fc1' (Linear): ...``)."""
    saved: list[tuple[Any, Any]] = []
    for name, m in model.named_modules():
        prev = m.__dict__.get("forward", _MISSING)
        orig = m.forward

        def make(name: str = name, m: Any = m, orig: Any = orig) -> Callable[..., Any]:
            def forward(*args: Any, **kwargs: Any) -> Any:
                try:
                    out = orig(*args, **kwargs)
                except Exception as e:
                    if annotate_errors and name:
                        _annotate(e, name, m)
                    raise
                if after is not None:
                    after(name, m, args, out)
                return out

            return forward

        m.__dict__["forward"] = make()
        saved.append((m, prev))
    try:
        yield
    finally:
        for m, prev in saved:
            if prev is _MISSING:
                m.__dict__.pop("forward", None)
            else:
                m.__dict__["forward"] = prev
