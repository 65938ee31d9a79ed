"""Random draws with PyTorch's names: ``normal`` (its four overloads), ``bernoulli`` and
``poisson``, and the in-place fills ``bernoulli_``, ``exponential_``, ``random_`` (Tensor
methods). Every draw comes from deepgrad's seeded generator (``deepgrad.manual_seed`` decides
it) unless a ``generator`` is given.

A draw is not differentiable: the result is a constant (PyTorch gives ``normal``'s mean and
std a zero gradient; here the result records no graph, so a backward through it is refused
rather than silently zero).

=================================  ==============================================
call                               draw
=================================  ==============================================
normal(mean: Tensor, std: Tensor)  N(mean, std²), mean and std broadcast
normal(mean: Tensor, std=1.0)      N(mean, std²), mean's shape
normal(mean: float, std: Tensor)   N(mean, std²), std's shape
normal(mean, std, size)            N(mean, std²) of ``size`` (default float dtype)
bernoulli(input[, p])              1 with probability ``input`` (or ``p``), else 0
poisson(input)                     Poisson(rate = input)
x.bernoulli_(p=0.5)                ``x`` filled with Bernoulli(p) draws
x.exponential_(lambd=1)            ``x`` filled with Exp(lambd) draws (mean 1/lambd)
x.random_(from=0, to=None)         ``x`` filled with integers uniform in [from, to)
x.cauchy_(median=0, sigma=1)       ``x`` filled with Cauchy draws, median + sigma·tan(π(u − ½))
x.geometric_(p)                    ``x`` filled with trials to the first success (1, 2, ...)
x.log_normal_(mean=1, std=2)       ``x`` filled with exp(N(mean, std²)) draws
=================================  ==============================================
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy

from .. import _torch_rng, backend
from .._errors import ShapeMismatchError, ValueRangeError, broadcast_words
from ..tensor import Tensor, _gen, _leaf, _options, _shape, _with_out, random_bounds


def _floating_input(x: Any, fn: str) -> Any:
    a = x._data if isinstance(x, Tensor) else backend.xp.asarray(x)
    if a.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating tensor, got dtype {a.dtype} (as PyTorch)")
    return a


def _refuse_negative_std(std: Any) -> None:
    s = std._data if isinstance(std, Tensor) else numpy.asarray(std)
    bad = ~(s >= 0)  # negative or NaN, as PyTorch refuses
    if s.size and bool(bad.any()):
        raise ValueRangeError(  # PyTorch's RuntimeError (also the ValueError of before)
            f"normal expects std >= 0.0, but found std {float(s[bad].flat[0])}"
        )


@_with_out("normal", drawn=True)
def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """Draws from N(mean, std²): ``mean`` and/or ``std`` tensors (broadcast together; the
    result takes their dtype), or two numbers and a ``size`` (the default float dtype unless
    ``dtype``).

    >>> import deepgrad as dg
    >>> _ = dg.manual_seed(0)
    >>> dg.normal(0.0, 1.0, size=(2, 3)).shape
    (2, 3)
    >>> dg.normal(dg.zeros(4), 2.0).shape
    (4,)
    """
    _options("normal", kw)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    _refuse_negative_std(std)
    g = _gen(generator)
    if not tensors:
        if size is None:
            raise TypeError(
                "normal: with a number mean and std, give the size (normal(0, 1, (2, 3)))"
            )
        shape = _shape((size,), None, "normal")
        dt = numpy.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        draw = dt if dt.kind in "fc" else numpy.dtype(numpy.float64)
        z = _torch_rng.normal(g, shape, draw, float(mean), float(std))  # PyTorch's normal_
        return _leaf(z.astype(dt, copy=False), device, requires_grad, "normal")
    if size is not None:
        raise TypeError("normal: size is only taken with a number mean and std")
    arrays = [_floating_input(t, "normal") for t in tensors]
    dt = backend.result_type(*arrays)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    try:
        shape = numpy.broadcast_shapes(*(numpy.shape(v) for v in (m, s)))
    except ValueError:  # PyTorch's RuntimeError, in its words
        raise ShapeMismatchError(
            f"{broadcast_words(numpy.shape(m), numpy.shape(s))} (normal: mean and std must "
            "broadcast together)"
        ) from None
    # PyTorch's steps, each rounded in dt: a std tensor multiplies normal_(0, 1) draws, a
    # number std scales them in the draw (normal_(0, std)); then the mean is added
    draw = dt if dt.itemsize >= 4 or dt.kind == "f" else numpy.dtype(numpy.float64)
    by_tensor = isinstance(std, Tensor)
    z = _torch_rng.normal(g, shape, draw, 0.0, 1.0 if by_tensor else float(std)).astype(dt)
    if by_tensor:
        z = z * backend.xp.asarray(s, dtype=dt)
    out = (z + backend.xp.asarray(m, dtype=dt)).astype(dt)
    return _leaf(out, device, requires_grad, "normal")


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (elementwise, in ``[0, 1]``), else 0, in ``input``'s
    dtype; with ``p``, probability ``p`` everywhere (``input`` gives the shape and dtype).

    >>> import deepgrad as dg
    >>> dg.bernoulli(dg.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    a = _floating_input(input, "bernoulli")
    prob = a if p is None else p
    _check_probability(prob, "bernoulli")
    # PyTorch's draws: uniforms of the probabilities' dtype, or float64 ones for a number p
    keep = _torch_rng.bernoulli(_gen(generator), a.shape, prob, a.dtype if p is None else None)
    return Tensor._wrap(backend.xp.asarray(keep).astype(a.dtype))


def _check_probability(p: Any, fn: str) -> None:
    arr = p._data if isinstance(p, Tensor) else backend.xp.asarray(p)
    if arr.size and not bool(((arr >= 0) & (arr <= 1)).all()):
        raise ValueRangeError(  # PyTorch's RuntimeError (still a ValueError)
            f"{fn}: probabilities must be in [0, 1], got values outside"
        )


def poisson(input: Tensor, generator: Any = None) -> Tensor:  # noqa: A002
    """Draws from Poisson(rate = ``input``) (elementwise, rates ``>= 0``), in ``input``'s
    dtype."""
    a = _floating_input(input, "poisson")
    if a.size and bool((a < 0).any()):  # PyTorch's RuntimeError (also a ValueError)
        raise ValueRangeError("poisson: rates must be non-negative")
    if a.size and bool(numpy.isposinf(backend.to_numpy(a)).any()):
        raise ValueRangeError(  # PyTorch returns -2^63 (its count's int64 overflow)
            "poisson: rates must be finite, got inf (no count to draw)"
        )
    k = _torch_rng.poisson(_gen(generator), backend.to_numpy(a))  # PyTorch's sampler
    return Tensor._wrap(backend.xp.asarray(k))


def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """Draws from Binomial(``count``, ``prob``) elementwise (broadcasting), in the floating
    dtype of ``count`` (PyTorch's ``torch.binomial``; the draws are deepgrad's stream's)."""
    c = _floating_input(count, "binomial")
    p = prob._data if isinstance(prob, Tensor) else backend.xp.asarray(prob, dtype=c.dtype)
    if p.size and not bool(((p >= 0) & (p <= 1)).all()):
        raise ValueRangeError("binomial: prob must be in [0, 1]")
    if c.size and bool((c < 0).any()):
        raise ValueRangeError("binomial: count must be non-negative")
    draws = _torch_rng.binomial(_gen(generator), c, numpy.asarray(p, dtype=c.dtype))  # torch's
    return Tensor._wrap(backend.xp.asarray(draws))


def bernoulli_(x: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill ``x`` in place with Bernoulli(``p``) draws (``p`` a number or a tensor that
    broadcasts to ``x``)."""
    _check_probability(p, "bernoulli_")
    prob = p._data if isinstance(p, Tensor) else p
    dt = backend.to_numpy(prob).dtype if isinstance(p, Tensor) else None  # as bernoulli()
    if isinstance(p, Tensor):  # one probability per element: drawn in its logical order
        keep = _torch_rng.bernoulli(_gen(generator), x.shape, prob, dt)
        return x.copy_(backend.xp.asarray(keep).astype(x.dtype))
    return _fill(x, _torch_rng.bernoulli, prob, dt, generator=generator)


def _fill(x: Tensor, draw: Any, *params: Any, generator: Any = None) -> Tensor:
    """``x`` filled in place with ``draw(stream, x.shape, ...)`` (:mod:`deepgrad._torch_rng`,
    PyTorch's values) in ``x``'s memory order, as PyTorch's kernels fill it
    (:func:`deepgrad._torch_rng.as_filled`)."""
    g = _gen(generator)
    v = draw(g, x.shape, *params)
    if getattr(g, "torch_stream", False):
        v = _torch_rng.as_filled(v, x._data)
    return x.copy_(backend.xp.asarray(v).astype(x.dtype, copy=False))


def exponential_(x: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill floating ``x`` in place with Exp(``lambd``) draws (density ``λ e^(-λt)``)."""
    _floating_input(x, "exponential_")
    if not lambd > 0:
        raise ValueError(f"exponential_: lambd must be positive, got {lambd}")
    return _fill(x, _torch_rng.exponential, x.dtype, lambd, generator=generator)


def cauchy_(x: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill floating ``x`` in place with Cauchy(``median``, ``sigma``) draws,
    ``median + sigma · tan(π (u − ½))`` for ``u ~ U(0, 1)``; ``sigma ≤ 0`` and integer
    tensors raise PyTorch's ``RuntimeError``.

    >>> import deepgrad as dg
    >>> dg.zeros(2).cauchy_(generator=dg.Generator().manual_seed(0)).shape
    (2,)
    """
    if x._data.dtype.kind != "f":
        raise ValueRangeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {x.dtype}"
        )
    if not sigma > 0:
        raise ValueRangeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _fill(x, _torch_rng.cauchy, x.dtype, median, sigma, generator=generator)


def geometric_(x: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """Fill ``x`` in place with Geometric(``p``) draws: the number of Bernoulli(``p``)
    trials up to and including the first success (1, 2, ...), in ``x``'s dtype (integers
    too); ``p`` outside (0, 1) raises PyTorch's ``RuntimeError``.

    >>> import deepgrad as dg
    >>> bool((dg.zeros(5, dtype=dg.int64).geometric_(0.5) >= 1).all())
    True
    """
    if not 0 < p < 1:
        raise ValueRangeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(x, _torch_rng.geometric, x.dtype, p, generator=generator)


def log_normal_(x: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> Tensor:
    """Fill floating ``x`` in place with ``exp(N(mean, std²))`` draws; ``std ≤ 0`` raises
    PyTorch's ``RuntimeError``, an integer tensor its ``NotImplementedError``.

    >>> import deepgrad as dg
    >>> bool((dg.zeros(3).log_normal_() > 0).all())
    True
    """
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f'"log_normal_cpu" not implemented for {x.dtype}')
    if not std > 0:
        raise ValueRangeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(x, _torch_rng.log_normal, x.dtype, mean, std, generator=generator)


def random_(x: Tensor, *args: Any, generator: Any = None, **kw: Any) -> Tensor:
    """Fill ``x`` in place with integers uniform in ``[from, to)``: ``random_()`` from 0 to
    the dtype's largest exactly representable integer (``2^24`` for float32, ``2^53`` for
    float64, the maximum for integers; 0..1 for bool), ``random_(to)`` or
    ``random_(from, to)`` (also ``from_=``/``to=`` keywords)."""
    lo, hi = kw.pop("from_", kw.pop("from", None)), kw.pop("to", None)
    if kw:
        raise TypeError(f"random_: unexpected keyword arguments {sorted(kw)}")
    if len(args) == 1:
        hi = args[0]
    elif len(args) == 2:
        lo, hi = args
    elif args:
        raise TypeError(
            f"random_: expected random_(), random_(to) or random_(from, to), got {args}"
        )
    full = lo is None and hi is None  # PyTorch's full-range kernel, not its from-to one
    if hi is None and not full and numpy.dtype(x.dtype) == numpy.uint64:
        # PyTorch's top for random_(from) is the dtype's largest value cast to int64: -1
        raise ValueRangeError(
            "to - 1 is out of bounds for UInt64 (random_(from) on uint64: PyTorch takes the "
            "largest uint64 as int64; give to=, below 2**63)"
        )
    lo = 0 if lo is None else lo
    if hi is None:
        hi = _top(x.dtype)
    if not (isinstance(lo, numbers.Integral) and isinstance(hi, numbers.Integral)):
        raise ValueError(f"random_: expected integers from < to, got from={lo}, to={hi}")
    d = numpy.dtype(x.dtype)
    if full and d.kind == "u" and d.itemsize > 1:  # PyTorch's full-range kernel has no wide
        raise NotImplementedError(  # unsigned types (its from-to one has)
            f'"random_kernel_cpu" not implemented for {d} (draw into int64 and convert)'
        )
    # PyTorch's checks: from < to (a float's both moved to integers it holds), from and
    # to - 1 within the dtype
    lo, hi = random_bounds(int(lo), int(hi), d)
    # PyTorch's: a 32-bit word (64-bit from a range of 2^28; 2^32 in the full range) modulo
    # the range, plus from
    g = _gen(generator)
    draws = _torch_rng.randint(g, lo, hi, x.shape, 2**32 if full else 2**28)
    if getattr(g, "torch_stream", False):  # in x's memory order, as PyTorch fills it
        draws = _torch_rng.as_filled(draws, x._data)
    return x.copy_(backend.xp.asarray(draws).astype(x.dtype))


def _top(dtype: numpy.dtype) -> int:
    """One past the largest integer ``random_()`` draws for ``dtype`` (PyTorch's range)."""
    if dtype.kind == "b":
        return 2
    if dtype.kind == "f":
        return 2 ** (numpy.finfo(dtype).nmant + 1) + 1
    return int(numpy.iinfo(dtype).max) + 1
