"""``torch.func``'s differentiation transforms: :func:`grad` / :func:`grad_and_value` of a
scalar function, :func:`jacrev` / :func:`jacfwd` (Jacobians of a function of several inputs)
and :func:`hessian`, built on :func:`deepgrad.grad` with ``create_graph=True``.

They compose as PyTorch's do (``jacfwd(jacrev(f))``, ``vmap(grad(f))``, ``grad(grad(f))``):
each differentiates a fresh copy of its inputs (connected to the original where that requires
grad), and a result keeps its graph only where it reaches a tensor that requires grad outside
the transform (an outer transform's input, or a tensor the function closes over), as
PyTorch's results do. ``jacrev`` and ``jacfwd`` give the same numbers: both are computed by
reverse mode, one backward pass per output element (``chunk_size`` changes nothing).

>>> import deepgrad as dg
>>> from deepgrad.func import jacrev, hessian
>>> jacrev(lambda x, y: x * y, argnums=(0, 1))(dg.tensor([1.0, 2.0]), dg.tensor([3.0, 4.0]))[1]
tensor([[1., 0.],
        [0., 2.]])
>>> hessian(lambda x: (x ** 3).sum())(dg.tensor([1.0, 2.0]))
tensor([[ 6.,  0.],
        [ 0., 12.]])
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

from .. import backend
from ..autograd import enable_grad
from ..autograd import grad as _autograd_grad
from ..functional import stack
from ..tensor import Tensor, zeros, zeros_like
from . import trees

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "linearize", "vjp"]

RANDOMNESS = ("error", "different", "same")
RANDOM_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the "
    "'same' or 'different' randomness flags on vmap or perform the randomness operation out "
    "of vmap"
)


def check_randomness(randomness: Any) -> None:
    if randomness not in RANDOMNESS:
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. Got "
            f"{randomness}"
        )


@contextlib.contextmanager
def random_refused(refuse: bool) -> Iterator[None]:
    """Random draws raise PyTorch's randomness-error message inside the block (when
    ``refuse``)."""
    backend.refuse_random(RANDOM_ERROR if refuse else "")
    try:
        yield
    finally:
        backend.refuse_random(None)


def _fresh(t: Tensor) -> Tensor:
    """A copy of ``t`` to differentiate: connected to ``t`` when ``t`` requires grad (so an
    outer transform sees through), a new leaf else."""
    if t.requires_grad:
        return t.clone()
    return t.detach().requires_grad_(True)


def _reaches_outside(t: Tensor, fresh: set) -> bool:
    """Whether ``t``'s graph reaches a tensor that requires grad other than ``fresh``."""
    stack_ = [t]
    seen: set = set()
    while stack_:
        x = stack_.pop()
        node = x._creator
        if node is None:
            if x.requires_grad and id(x) not in fresh:
                return True
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack_.extend(i for i in (node.inputs or ()) if isinstance(i, Tensor) and i.requires_grad)
    return False


def keep_outer(tree: Any, fresh: list) -> Any:
    """``tree`` with each tensor detached unless its graph reaches outside ``fresh``."""
    ids = {id(t) for t in fresh}
    leaves, spec = trees.flatten(tree)
    out = [
        t.detach()
        if isinstance(t, Tensor) and t.requires_grad and not _reaches_outside(t, ids)
        else t
        for t in leaves
    ]
    return trees.unflatten(out, spec)


def _prepare(args: tuple, argnums: Any, fn: str) -> tuple[list, tuple, dict, dict]:
    """``(args with fresh copies at argnums, the argnums, {n: fresh leaves}, {n: spec})``."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for n in nums:
        if not isinstance(n, int) or isinstance(n, bool) or not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
    args_l = list(args)
    nums = tuple(n % len(args) for n in nums)
    fresh: dict = {}
    specs: dict = {}
    for n in dict.fromkeys(nums):
        leaves, spec = trees.flatten(args_l[n])
        for k, t in enumerate(leaves):
            if not isinstance(t, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(t)}")
            if t.dtype.kind not in "fc":
                raise RuntimeError("only Tensors of floating point dtype can require gradients")
            if fn in ("jacrev", "jacfwd") and t.dtype.kind == "c":
                raise RuntimeError(
                    f"{fn}: Expected all inputs to be real but received complex tensor at "
                    f"flattened input idx: {k}"
                )
        fresh[n] = [_fresh(t) for t in leaves]
        specs[n] = spec
        args_l[n] = trees.unflatten(fresh[n], spec)
    return args_l, nums, fresh, specs


def _split_aux(out: Any, has_aux: bool, who: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(
            f"{who}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return out


def _grads(out: Tensor, flat: list) -> list:
    """∂out/∂flat with the graph kept (zeros where nothing reaches)."""
    gs = (None,) * len(flat)
    if out.requires_grad:
        gs = _autograd_grad(out, flat, retain_graph=True, create_graph=True, allow_unused=True)
    return [g if g is not None else zeros_like(t) for g, t in zip(gs, flat)]


def _per_argnums(flat: list, nums: tuple, fresh: dict, specs: dict, argnums: Any) -> Any:
    it = iter(flat)
    per = tuple(trees.unflatten([next(it) for _ in fresh[n]], specs[n]) for n in nums)
    return per if isinstance(argnums, tuple) else per[0]


def grad_and_value(
    func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable:
    """``grad_and_value(f)(*args)`` is ``(∂f/∂args[argnums], f(*args))`` for ``f`` returning a
    scalar tensor (or ``(scalar, aux)`` with ``has_aux``: then ``(grads, (value, aux))``).
    ``argnums`` may be a tuple (a tuple of gradients); an argument may be a tuple, list or dict
    of tensors (its gradient has that structure).

    >>> import deepgrad as dg
    >>> from deepgrad.func import grad_and_value
    >>> grad_and_value(lambda a, b: (a * b).sum(), argnums=(0, 1))(dg.ones(2), dg.tensor([3.0, 4.0]))
    ((tensor([3., 4.]), tensor([1., 1.])), tensor(7.))
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with enable_grad():
            args_l, nums, fresh, specs = _prepare(args, argnums, "grad")
            out, aux = _split_aux(func(*args_l, **kwargs), has_aux, "grad_and_value(f)(*args)")
            if not isinstance(out, Tensor):
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                    f"{type(out)}"
                )
            if out.ndim != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                    f"got tensor with {out.ndim} dims. Maybe you wanted to use the vjp or "
                    "jacrev APIs instead?"
                )
            flat_in = [t for n in nums for t in fresh[n]]
            grads = _per_argnums(_grads(out, flat_in), nums, fresh, specs, argnums)
        all_fresh = [t for ts in fresh.values() for t in ts]
        grads, value, aux = keep_outer((grads, out, aux), all_fresh)
        return (grads, (value, aux)) if has_aux else (grads, value)

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """``grad(f)(*args)``: the gradient of a scalar ``f`` with respect to ``args[argnums]``
    (with ``has_aux``: ``(gradient, aux)``). See :func:`grad_and_value`.

    >>> import deepgrad as dg
    >>> from deepgrad.func import grad
    >>> grad(lambda x: x.sin().sum())(dg.tensor([0.0]))
    tensor([1.])
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = grad_and_value(func, argnums, has_aux)(*args, **kwargs)
        if has_aux:
            return grads, value[1]
        return grads

    return wrapper


def _jacobian(func: Callable, argnums: Any, has_aux: bool, fn: str, args: tuple, kw: dict):
    who = "vjp(f, *primals)" if fn == "jacrev" else "jvp(f, primals, tangents)"
    with enable_grad():
        args_l, nums, fresh, specs = _prepare(args, argnums, fn)
        out, aux = _split_aux(func(*args_l, **kw), has_aux, who)
        outs, out_spec = trees.flatten(out)
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                raise RuntimeError(
                    f"{who}: expected f(*primals) to return only tensors, got unsupported "
                    f"type {type(o)}"
                )
            if o.dtype.kind == "c":
                raise RuntimeError(
                    f"{fn}: Expected all outputs to be real but received complex tensor at "
                    f"flattened output idx: {k}"
                )
        flat_in = [t for n in nums for t in fresh[n]]
        jacs = []
        for o in outs:
            rows: list[list] = [[] for _ in flat_in]
            flat_o = o.reshape(-1)
            for k in range(o.numel()):
                for j, g in enumerate(_grads(flat_o[k], flat_in)):
                    rows[j].append(g)
            per_in = [
                stack(r).reshape(tuple(o.shape) + tuple(x.shape))
                if r
                else zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
                for r, x in zip(rows, flat_in)
            ]
            jacs.append(_per_argnums(per_in, nums, fresh, specs, argnums))
    all_fresh = [t for ts in fresh.values() for t in ts]
    jac, aux = keep_outer((trees.unflatten(jacs, out_spec), aux), all_fresh)
    return (jac, aux) if has_aux else jac


def jacrev(
    func: Callable,
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable:
    """``jacrev(f, argnums)(*args)``: the Jacobian of ``f`` with respect to
    ``args[argnums]``: for each output tensor ``o`` (``f`` may return a tuple, list or dict of
    them) and each input ``x``, a tensor of shape ``o.shape + x.shape``; the result has the
    output's structure, each place holding the inputs' (a tuple for a tuple ``argnums``).
    ``has_aux``: ``f`` returns ``(output, aux)`` and the result is ``(jacobian, aux)``.
    One backward pass per output element (``chunk_size`` is accepted and changes nothing).

    >>> import deepgrad as dg
    >>> from deepgrad.func import jacrev
    >>> jacrev(lambda x: x.sin())(dg.tensor([0.0, 0.0]))
    tensor([[1., 0.],
            [0., 1.]])
    """
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _jacobian(func, argnums, has_aux, "jacrev", args, kwargs)

    return wrapper


def jacfwd(
    func: Callable,
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable:
    """``jacfwd(f, argnums)(*args)``: the Jacobian as :func:`jacrev` gives it (the same
    numbers and structure; computed here by reverse mode too). As in PyTorch, a random draw
    inside ``f`` raises unless ``randomness`` is ``"different"`` or ``"same"`` (one draw,
    the function being run once).

    >>> import deepgrad as dg
    >>> from deepgrad.func import jacfwd
    >>> jacfwd(lambda x: x ** 2)(dg.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_randomness(randomness)
        with random_refused(randomness == "error"):
            return _jacobian(func, argnums, has_aux, "jacfwd", args, kwargs)

    return wrapper


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """``hessian(f, argnums)(*args)``: ``jacfwd(jacrev(f, argnums), argnums)`` — for a
    scalar ``f`` of one input a tensor of shape ``x.shape + x.shape``; for a tuple
    ``argnums`` the blocks ``H[i][j]``.

    >>> import deepgrad as dg
    >>> from deepgrad.func import hessian
    >>> hessian(lambda x, y: (x * y).sum(), argnums=(0, 1))(dg.ones(1), dg.ones(1))[0][1]
    tensor([[1.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


def _primals(primals: tuple, fn: str) -> tuple[list, list, Any]:
    """``(fresh leaves, the primals rebuilt from them, spec)`` for ``vjp``/``jvp``: every
    tensor of every primal (a tensor or a tuple/list/dict of them) is differentiated."""
    leaves, spec = trees.flatten(primals)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{fn}: Expected primals to be tensors, got {type(t)}")
        if t.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
    fresh = [_fresh(t) for t in leaves]
    return fresh, trees.unflatten(fresh, spec), spec


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """PyTorch's ``torch.func.vjp``: ``(func(*primals), vjp_fn)`` (and ``aux`` with
    ``has_aux``), where ``vjp_fn(cotangents)`` returns ``vᵀ J`` for each primal — the gradient
    of ``Σ cotangents ⊙ func(*primals)`` — with the primals' structure. ``vjp_fn`` may be
    called more than once; it records a graph under an outer transform (``grad(vjp)``).

    >>> import deepgrad as dg
    >>> from deepgrad.func import vjp
    >>> out, fn = vjp(lambda x: x ** 2, dg.tensor([1.0, 3.0]))
    >>> out, fn(dg.ones(2))
    (tensor([1., 9.]), (tensor([2., 6.]),))
    """
    with enable_grad():
        fresh, args, _ = _primals(primals, "vjp")
        out, aux = _split_aux(func(*args), has_aux, "vjp(f, *primals)")
    out_leaves, out_spec = trees.flatten(out)
    if not all(isinstance(t, Tensor) for t in out_leaves):
        raise RuntimeError("vjp(f, *primals): Expected f to be a function that returns tensors")

    def vjp_fn(*cotangents: Any) -> tuple:
        ct = cotangents[0] if len(cotangents) == 1 else cotangents
        ct_leaves, ct_spec = trees.flatten(ct)
        if ct_spec != out_spec and not (len(ct_leaves) == len(out_leaves) == 1):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure "
                "of outputs to the function"
            )
        for c, o in zip(ct_leaves, out_leaves):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output has a shape of {tuple(c.shape)} and "
                    f"output has a shape of {tuple(o.shape)}"
                )
        pairs = [(o, c) for o, c in zip(out_leaves, ct_leaves) if o.requires_grad]
        grads: tuple = (None,) * len(fresh)
        if pairs:
            with enable_grad():
                grads = _autograd_grad(
                    [o for o, _ in pairs],
                    fresh,
                    [c for _, c in pairs],
                    retain_graph=True,
                    create_graph=True,
                    allow_unused=True,
                )
        flat = [g if g is not None else zeros_like(t) for g, t in zip(grads, fresh)]
        flat = keep_outer(flat, fresh)
        return tuple(trees.unflatten(flat, trees.flatten(primals)[1]))

    result = keep_outer(out, fresh)
    return (result, vjp_fn, keep_outer(aux, fresh)) if has_aux else (result, vjp_fn)


def jvp(func: Callable, primals: Any, tangents: Any, *, has_aux: bool = False) -> tuple:
    """PyTorch's ``torch.func.jvp``: ``(func(*primals), J·tangents)`` (and ``aux`` with
    ``has_aux``); ``primals`` and ``tangents`` are tuples of the same structure and shapes.
    Computed by the double-vjp trick: ``u ↦ uᵀJ`` is linear in ``u``, so its gradient
    along the tangents is ``J·tangents``.

    >>> import deepgrad as dg
    >>> from deepgrad.func import jvp
    >>> jvp(lambda x: x ** 2, (dg.tensor([1.0, 3.0]),), (dg.ones(2),))
    (tensor([1., 9.]), tensor([2., 6.]))
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to be tuples, got "
            f"{type(primals).__name__} and {type(tangents).__name__}"
        )
    p_leaves, p_spec = trees.flatten(primals)
    t_leaves, t_spec = trees.flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to have the same "
            "python structure"
        )
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "jvp(f, primals, tangents): Expected primals and tangents to have the same "
                f"shape, got {tuple(p.shape)} and {tuple(t.shape)}"
            )
    with enable_grad():
        fresh, args, _ = _primals(primals, "jvp")
        out, aux = _split_aux(func(*args), has_aux, "jvp(f, primals, tangents)")
        out_leaves, out_spec = trees.flatten(out)
        us = [zeros_like(o).requires_grad_(True) for o in out_leaves]
        live = [(o, u) for o, u in zip(out_leaves, us) if o.requires_grad]
        jv: list = [None] * len(out_leaves)
        if live:
            back = _autograd_grad(
                [o for o, _ in live], fresh, [u for _, u in live],
                create_graph=True, allow_unused=True,
            )  # fmt: skip
            pairs = [(b, t) for b, t in zip(back, t_leaves) if b is not None and b.requires_grad]
            if pairs:
                jv = list(
                    _autograd_grad(
                        [b for b, _ in pairs], us, [t for _, t in pairs],
                        retain_graph=True, create_graph=True, allow_unused=True,
                    )
                )  # fmt: skip
    flat = [g if g is not None else zeros_like(o) for g, o in zip(jv, out_leaves)]
    result, tangent_out, aux = keep_outer((out, trees.unflatten(flat, out_spec), aux), fresh)
    return (result, tangent_out, aux) if has_aux else (result, tangent_out)


def linearize(func: Callable, *primals: Any) -> tuple:
    """PyTorch's ``torch.func.linearize``: ``(func(*primals), jvp_fn)`` with
    ``jvp_fn(*tangents)`` the Jacobian-vector product at ``primals``
    (:func:`jvp` evaluated again for each call).

    >>> import deepgrad as dg
    >>> from deepgrad.func import linearize
    >>> out, fn = linearize(lambda x: x.sin(), dg.tensor([0.0]))
    >>> fn(dg.tensor([2.0]))
    tensor([2.])
    """
    out, _ = jvp(func, primals, tuple(zeros_like(p) for p in primals))

    def jvp_fn(*tangents: Any) -> Any:
        return jvp(func, primals, tangents)[1]

    return out, jvp_fn
