"""Optimizer hooks, PyTorch's: around ``step`` (each optimizer's and the global ones),
around ``state_dict`` and ``load_state_dict``.

Order, as PyTorch runs them::

    global step pre-hooks, the optimizer's pre-hooks      hook(opt, args, kwargs) -> None | (args, kwargs)
    step(*args, **kwargs)
    the optimizer's post-hooks, global post-hooks          hook(opt, args, kwargs)

``args`` starts with the optimizer itself (PyTorch passes the bound call's arguments). A
``state_dict`` pre-hook is ``hook(opt)``, a post-hook ``hook(opt, state_dict) -> None | new
dict``; a ``load_state_dict`` pre-hook ``hook(opt, state_dict) -> None | new dict``, a post-hook
``hook(opt)``. Every ``register_*`` returns a handle whose ``remove()`` takes the hook away.
While no hook is registered a call costs two dict reads more.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..autograd import RemovableHandle

__all__ = ["register_optimizer_step_post_hook", "register_optimizer_step_pre_hook"]

_GLOBAL_PRE: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_GLOBAL_POST: OrderedDict[int, Callable[..., Any]] = OrderedDict()

STEP_PRE, STEP_POST = "_optimizer_step_pre_hooks", "_optimizer_step_post_hooks"
SD_PRE, SD_POST = "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks"
LOAD_PRE, LOAD_POST = (
    "_optimizer_load_state_dict_pre_hooks",
    "_optimizer_load_state_dict_post_hooks",
)


def _add(hooks: OrderedDict, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"an optimizer hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; it may return new
    ``(args, kwargs)``."""
    return _add(_GLOBAL_PRE, hook)


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    return _add(_GLOBAL_POST, hook)


def add(opt: Any, kind: str, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
    """Register ``hook`` of ``kind`` (one of the names above) on the optimizer ``opt``."""
    hooks = opt.__dict__.get(kind)
    if hooks is None:
        hooks = opt.__dict__[kind] = OrderedDict()
    return _add(hooks, hook, prepend)


def _replacement(hook: Callable[..., Any], result: Any) -> tuple:
    if isinstance(result, tuple) and len(result) == 2:
        return result
    raise RuntimeError(
        f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
    )


def stepping(step: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` with the step hooks around it."""

    @functools.wraps(step)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opt = args[0]
        own = opt.__dict__
        pre, post = own.get(STEP_PRE), own.get(STEP_POST)
        if not (pre or post or _GLOBAL_PRE or _GLOBAL_POST):
            return step(*args, **kwargs)
        for hook in (*_GLOBAL_PRE.values(), *(pre or {}).values()):
            result = hook(opt, args, kwargs)
            if result is not None:
                args, kwargs = _replacement(hook, result)
        out = step(*args, **kwargs)
        for hook in (*(post or {}).values(), *_GLOBAL_POST.values()):
            hook(opt, args, kwargs)
        return out

    wrapper._hooked = True  # type: ignore[attr-defined]
    return wrapper


def _outermost(opt: Any, key: str) -> bool:
    """Whether this is the outer call of a method a subclass extends with ``super()``."""
    return not opt.__dict__.get(key)


def state_dict_hooked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``state_dict`` with its pre- and post-hooks (once, however many classes it passes)."""

    @functools.wraps(fn)
    def wrapper(opt: Any) -> Any:
        if not _outermost(opt, "_in_state_dict"):
            return fn(opt)
        own = opt.__dict__
        for hook in list((own.get(SD_PRE) or {}).values()):
            hook(opt)
        own["_in_state_dict"] = True
        try:
            sd = fn(opt)
        finally:
            own.pop("_in_state_dict", None)
        for hook in list((own.get(SD_POST) or {}).values()):
            new = hook(opt, sd)
            if new is not None:
                sd = new
        return sd

    wrapper._hooked = True  # type: ignore[attr-defined]
    return wrapper


def load_state_dict_hooked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``load_state_dict`` with its pre- and post-hooks (once, as :func:`state_dict_hooked`)."""

    @functools.wraps(fn)
    def wrapper(opt: Any, state_dict: Any) -> Any:
        if not _outermost(opt, "_in_load_state_dict"):
            return fn(opt, state_dict)
        own = opt.__dict__
        for hook in list((own.get(LOAD_PRE) or {}).values()):
            new = hook(opt, state_dict)
            if new is not None:
                state_dict = new
        own["_in_load_state_dict"] = True
        try:
            out = fn(opt, state_dict)
        finally:
            own.pop("_in_load_state_dict", None)
        for hook in list((own.get(LOAD_POST) or {}).values()):
            hook(opt)
        return out

    wrapper._hooked = True  # type: ignore[attr-defined]
    return wrapper
