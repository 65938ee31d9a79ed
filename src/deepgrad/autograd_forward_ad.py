"""``torch.autograd.forward_ad``: dual tensors, read as Jacobian-vector products.

Inside ``with dual_level():``, ``x = make_dual(p, t)`` attaches the tangent ``t`` to a
primal ``p``; ``unpack_dual(y)`` gives ``y``'s primal and its tangent, the directional
derivative of ``y`` along the tangents of every dual it was computed from::

    tangent(y) = Σ_i J_{y,x_i} · t_i

deepgrad computes it when it is unpacked, by the double-vjp trick (as :func:`deepgrad.func.jvp`):
``u ↦ uᵀ J`` is linear in ``u``, so with ``g(u) = Σ_i ⟨vjp_{x_i}(u), t_i⟩ = uᵀ (J t)``,
``∂g/∂u = J·t``. Two reverse passes a call instead of PyTorch's forward rules; the values
are the same to rounding. What that asks of the program (README, "What differs, on
purpose"): the dual tensor is a tensor that requires grad (PyTorch's does not), and the
operations between it and the unpacked tensor must be recorded, so they run with gradients
enabled — a ``no_grad()`` block entered while a dual exists warns that what it computes
has no tangent.

``deepgrad.autograd.forward_ad`` is this module.

>>> import deepgrad as dg
>>> import deepgrad.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     x = fwAD.make_dual(dg.tensor([1.0, 2.0]), dg.tensor([1.0, 0.0]))
...     fwAD.unpack_dual((x ** 2).sum()).tangent
tensor(2.)
"""

from __future__ import annotations

import warnings
import weakref
from typing import Any, NamedTuple

from . import autograd, backend
from .tensor import Tensor

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]  # fmt: skip

#: the active level (PyTorch's allow one): its duals, id(dual) -> (weak dual, tangent)
_LEVELS: list[dict[int, tuple[weakref.ref, Tensor]]] = []


class UnpackedDualTensor(NamedTuple):
    """``unpack_dual``'s result: the primal and its tangent (``None`` where it has none)."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Start a dual level (one at a time, as PyTorch's); returns its index, 0."""
    if _LEVELS:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _LEVELS.append({})
    return len(_LEVELS) - 1


def exit_dual_level(*, level: int | None = None) -> None:
    """End the dual level: its dual tensors keep their primal values, not their tangents."""
    if not _LEVELS or level not in (None, len(_LEVELS) - 1):
        raise RuntimeError(
            f"exit_dual_level: no dual level {'is active' if not _LEVELS else level} to exit "
            "(enter one with `with fwAD.dual_level():`)"
        )
    _LEVELS.pop()
    if _warn_no_grad in autograd._ON_GRAD_OFF:
        autograd._ON_GRAD_OFF.remove(_warn_no_grad)


class dual_level:  # noqa: N801 - PyTorch's name
    """``with dual_level():`` — the scope of dual tensors (:func:`enter_dual_level` ..
    :func:`exit_dual_level`)."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()


def _level(level: int | None, what: str) -> dict:
    if not _LEVELS:
        raise RuntimeError(
            f"Trying to {what} for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    if level not in (None, len(_LEVELS) - 1):
        raise RuntimeError(f"{what}: dual level {level} is not active (the active one is 0)")
    return _LEVELS[-1]


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A dual tensor: ``tensor``'s values (a view of them, differentiable in reverse mode as
    ``tensor`` is) carrying ``tangent`` (same shape; floating or complex, as the primal)."""
    duals = _level(level, "create a dual Tensor")
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError(
            f"make_dual(tensor, tangent): both must be tensors, got {type(tensor).__name__} "
            f"and {type(tangent).__name__}"
        )
    if tensor.dtype.kind not in "fc":
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype}"
        )
    if tangent.dtype.kind not in "fc":
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype}"
        )
    if "c" in (tensor.dtype.kind, tangent.dtype.kind):
        raise NotImplementedError(
            "make_dual: deepgrad's forward AD takes real tensors only (complex tangents need "
            "PyTorch's forward rules); use deepgrad.func.jvp on the real and imaginary parts"
        )
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}."
        )
    with autograd.enable_grad():
        dual = tensor.view_as(tensor) if tensor.requires_grad else tensor.detach().requires_grad_()
    duals[id(dual)] = (weakref.ref(dual), tangent.detach())
    if _warn_no_grad not in autograd._ON_GRAD_OFF:
        autograd._ON_GRAD_OFF.append(_warn_no_grad)
    return dual


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``: the tangent is ``J·t`` summed over the level's
    duals that ``tensor`` depends on through recorded operations, ``None`` where it
    depends on none (or no level is active)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a tensor, got {type(tensor).__name__}")
    primal = tensor.detach()
    if not _LEVELS or level not in (None, len(_LEVELS) - 1):
        return UnpackedDualTensor(primal, None)
    live = [(d, t) for d, t in ((ref(), t) for ref, t in _LEVELS[-1].values()) if d is not None]
    if not tensor.requires_grad or not live:
        return UnpackedDualTensor(primal, None)
    for d, t in live:
        if d is tensor:
            return UnpackedDualTensor(primal, t)
    with autograd.enable_grad():
        u = _zeros_like(tensor)
        grads = autograd.grad([tensor], [d for d, _ in live], [u], retain_graph=True,
                              create_graph=True, allow_unused=True)  # fmt: skip
        terms = [(g * t).sum() for g, (_, t) in zip(grads, live) if g is not None]
        if not terms:
            return UnpackedDualTensor(primal, None)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        if not total.requires_grad:  # linear in u only through recorded ops: none here
            return UnpackedDualTensor(primal, _zeros_like(tensor).detach())
        (jv,) = autograd.grad([total], [u], retain_graph=True, allow_unused=True)
    tangent = jv.detach() if jv is not None else _zeros_like(tensor).detach()
    return UnpackedDualTensor(primal, tangent)


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._from_op(backend.xp.zeros_like(t._data), None, 0).requires_grad_()


def _warn_no_grad() -> None:
    """Called when gradients are disabled: operations in that block lose their tangents."""
    if _LEVELS and any(ref() is not None for ref, _ in _LEVELS[-1].values()):
        warnings.warn(
            "forward AD: operations run with gradients disabled (no_grad, inference_mode) "
            "are not recorded, so what they compute from a dual tensor has no tangent in "
            "deepgrad (PyTorch's forward mode runs there): compute it with gradients enabled",
            UserWarning,
            stacklevel=3,
        )
