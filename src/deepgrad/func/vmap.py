"""``torch.func.vmap``: map a function over a batch dimension of its inputs.

deepgrad has no batching transform: ``vmap(f)(x)`` runs ``f`` once per batch element (on
``x.select(in_dim, i)``) and stacks the results along ``out_dims``. The numbers, shapes and
gradients are PyTorch's for ordinary functions (``vmap(grad(f))`` gives per-sample gradients,
with :func:`~deepgrad.func.functional_call` as in PyTorch's tutorial), but the cost is ``B``
calls of ``f``, not one batched call: for speed, write ``f`` on batched tensors. What the loop
changes, and how it is handled:

- random draws: ``randomness="error"`` (the default) raises PyTorch's message at the first
  draw; ``"different"`` gives each element its own draws; ``"same"`` gives every element the
  draws of the first (the generator restarts from one state for each element).
- in-place writes into an input mapped by ``in_dims`` write into that input, as in PyTorch;
  a write into any other tensor (one passed with ``in_dims=None`` or closed over) would be
  repeated once per element, so it raises (PyTorch does it once, or refuses it).
- data-dependent control flow (``if x.sum() > 0``, ``x.item()``) runs per element, each
  element taking its own branch, where PyTorch raises (see the README's table).

>>> import deepgrad as dg
>>> from deepgrad.func import vmap
>>> vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(dg.ones(3, 2), dg.tensor([1.0, 2.0]))
tensor([3., 3., 3.])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import autograd, backend
from ..functional import stack
from ..tensor import Tensor, zeros
from . import trees
from .transforms import check_randomness, random_refused

__all__ = ["vmap"]


def _name(func: Any) -> str:
    return getattr(func, "__name__", repr(func))


def _in_dims_per_leaf(func: Any, in_dims: Any, args: tuple) -> list:
    where = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
        raise ValueError(
            f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching "
            f"the structure of inputs, got: {type(in_dims)}."
        )
    dims = trees.broadcast_prefix(in_dims, args)
    if dims is None:
        raise ValueError(
            f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
            f"structure {_structure(in_dims)} but inputs has structure {_structure(args)}."
        )
    for d, x in zip(dims, trees.flatten(args)[0]):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{where}: in_dims must be int or None for each input, got {type(d)}.")
        if not isinstance(x, Tensor):
            raise ValueError(
                f"{where}: Got in_dim={d} for an input but the input is of type {type(x)}. We "
                "cannot vmap over non-Tensor arguments, please use None as the respective "
                "in_dim"
            )
        if not -x.ndim <= d < x.ndim:
            raise ValueError(
                f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                f"dimensionality {x.ndim} so expected in_dim to satisfy {-x.ndim} <= in_dim < "
                f"{x.ndim}."
            )
    return dims


def _structure(x: Any) -> str:
    leaves, spec = trees.flatten(x)
    return str(trees.unflatten(["*"] * len(leaves), spec)).replace("'*'", "*")


def _batch_size(leaves: list, dims: list) -> int:
    sizes = [x.shape[d] for x, d in zip(leaves, dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
        )
    return sizes[0]


class _WriteGuard:
    """Refuses an in-place write, during a later element, into memory an earlier element
    wrote that is not a mapped input's: it would be repeated once per element."""

    def __init__(self, func: Any, mapped: list) -> None:
        self.func = func
        self.allowed = {id(autograd._memory_owner(x._data)) for x in mapped}
        self.earlier: dict = {}  # id -> owner (kept alive, so ids stay theirs)
        self.current: dict = {}

    def __call__(self, owner: Any) -> None:
        key = id(owner)
        if key in self.allowed:
            return
        if self.earlier.get(key) is owner:
            raise RuntimeError(
                f"vmap({_name(self.func)}): the function writes in place into a tensor that "
                "is not an input mapped by in_dims (one passed with in_dims=None or closed "
                "over); deepgrad's vmap runs the function once per batch element, so the "
                "write would be repeated for each element (PyTorch does it once, or refuses "
                "it): write it out of place, or outside vmap"
            )
        self.current[key] = owner

    def next_element(self) -> None:
        self.earlier.update(self.current)
        self.current = {}


def _run(func: Any, args: tuple, kwargs: dict, dims: list, size: int, randomness: str):
    """The function's outputs, one per batch element."""
    leaves, spec = trees.flatten(args)
    mapped = [x for x, d in zip(leaves, dims) if d is not None]
    guard = _WriteGuard(func, mapped)
    state = backend.get_rng_state() if randomness == "same" else None
    results = []
    autograd.WRITE_WATCHERS.append(guard)
    try:
        with random_refused(randomness == "error"):
            for i in range(max(size, 1)):
                if state is not None:
                    backend.set_rng_state(state)
                if size == 0:  # a stand-in element, for the outputs' shapes
                    elem = [x if d is None else zeros(_drop(x.shape, d), dtype=x.dtype)
                            for x, d in zip(leaves, dims)]  # fmt: skip
                else:
                    elem = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
                results.append(func(*trees.unflatten(elem, spec), **kwargs))
                guard.next_element()
    finally:
        autograd.WRITE_WATCHERS.remove(guard)
    return results


def _drop(shape: tuple, d: int) -> tuple:
    d %= len(shape)
    return tuple(shape[:d]) + tuple(shape[d + 1 :])


def _same(values: list) -> bool:
    first = values[0]
    for v in values[1:]:
        if v is first:
            continue
        if not (isinstance(v, Tensor) and isinstance(first, Tensor)):
            if v != first:
                return False
        elif v.shape != first.shape or not bool((v == first).all()):
            return False
    return True


def _combine(func: Any, results: list, out_dims: Any, size: int) -> Any:
    name = _name(func)
    leaves0, spec = trees.flatten(results[0])
    per = [leaves0]
    for r in results[1:]:
        leaves, s = trees.flatten(r)
        if s != spec:
            raise ValueError(
                f"vmap({name}, ...): the function returned outputs of different structures "
                "for different batch elements (deepgrad runs it once per element); return "
                "the same structure for every element"
            )
        per.append(leaves)
    dims = trees.broadcast_prefix(out_dims, results[0])
    if dims is None:
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
            f"the structure of `outputs`. out_dims has structure {_structure(out_dims)} but "
            f"outputs has structure {_structure(results[0])}."
        )
    out = []
    for k, d in enumerate(dims):
        values = [p[k] for p in per]
        if d is None:
            if not _same(values):
                raise ValueError(
                    f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim "
                    "is None"
                )
            out.append(values[0])
            continue
        if not isinstance(values[0], Tensor):
            raise ValueError(
                f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                f"{type(values[0])}. Did you mean to set out_dims= to None for output?"
            )
        n = values[0].ndim + 1
        if not isinstance(d, int) or not -n <= d < n:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
            )
        out.append(stack(values, dim=d) if size else stack(values, dim=d).narrow(d % n, 0, 0))
    return trees.unflatten(out, spec)


def vmap(
    func: Callable,
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable:
    """``vmap(f, in_dims, out_dims)(*args)``: ``f`` applied to each slice of the inputs along
    their ``in_dims`` (an int for all, or a tuple with one entry per argument, an int or None,
    nested to match tuples, lists and dicts; None: passed whole to every call), the results stacked
    along ``out_dims`` (likewise; None: an output that is the same for every element, returned
    once — one that differs raises as PyTorch does; an equal one computed from a mapped input,
    which PyTorch refuses, is returned). Keyword arguments are passed whole. ``randomness``: ``"error"``, ``"different"`` or
    ``"same"``, as in PyTorch; ``chunk_size`` is accepted (the elements run one at a time).
    See the module's notes for the cost and what differs.

    >>> import deepgrad as dg
    >>> from deepgrad.func import vmap, grad
    >>> vmap(grad(lambda w, x: (w * x).sum()), in_dims=(None, 0))(dg.ones(2), dg.eye(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    check_randomness(randomness)
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not args:
            raise ValueError(
                f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, "
                "or you are trying to vmap over a function with no inputs. The latter is "
                "unsupported."
            )
        dims = _in_dims_per_leaf(func, in_dims, args)
        size = _batch_size(trees.flatten(args)[0], dims)
        results = _run(func, args, kwargs, dims, size, randomness)
        return _combine(func, results, out_dims, size)

    return wrapper
