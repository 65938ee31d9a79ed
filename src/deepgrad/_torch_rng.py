"""PyTorch's CPU random draws, bit for bit, on deepgrad's global stream.

deepgrad's stream is PyTorch's CPU generator: a Mersenne Twister (MT19937) seeded as
``std::mt19937`` with the seed's low 32 bits (:class:`deepgrad.backend.Stream`), so the same
seed gives the same 32-bit words. The draws that PyTorch's programs use to make their numbers
— ``rand``, ``randn``, ``uniform_``, ``normal_`` (and through them the initializers),
``randint``, ``randperm`` — turn those words into values as PyTorch's CPU kernels do:

* uniform float32: the word's low 24 bits · 2⁻²⁴, then ``u · (b - a) + a`` in float32;
  float64: two words ``hi·2³² + lo``, its low 53 bits · 2⁻⁵³, the same map in float64;
* normal, 16 values or more: uniforms first (one per value), then each block of 16 by
  Box–Muller, ``u1 = 1 - x[j]``, ``u2 = x[j+8]``, ``r = √(-2 ln u1)``, ``θ = 2π u2``:
  ``x[j] = r cos θ · std + mean``, ``x[j+8] = r sin θ · std + mean`` (``j < 8``); a length
  that is not a multiple of 16 draws 16 new uniforms for the last 16 values and redoes them.
  Fewer than 16: one double at a time, Box–Muller on two float64 uniforms
  (``r = √(-2 log1p(-u2))``, ``θ = 2π u1``), returning ``r cos θ`` and keeping ``r sin θ``
  for the next value (the stream's ``normal_cache``, as PyTorch's generator keeps it);
* ``bernoulli``: ``u < p``, one uniform per value (float64 for a number ``p`` — dropout's
  masks —, the probabilities' dtype for a tensor of them);
* ``randint(low, high)``: ``word % (high - low) + low`` (two words from a range of 2²⁸ on;
  the full-range ``random_()``: from 2³²);
* ``randperm(n)``: Fisher–Yates, ``i ↔ i + word % (n - i)``;
* an int64 ``random_()``: a 64-bit word modulo 2⁶³ (how PyTorch's ``DataLoader`` and
  ``RandomSampler`` seed their own generators, so their shuffled order is PyTorch's too).

* ``exponential_``, ``cauchy_``, ``geometric_``: one 53-bit uniform per value through
  ``-log1p(-u)/λ``, ``median + σ tan(π(u - ½))``, ``⌈ln u / log1p(-p)⌉`` in float64;
  ``log_normal_``: ``exp`` of the scalar normals above (the cache included);
* ``multinomial``: the ``k`` largest ``w / Exp(1)`` draws (without replacement, or one
  sample), else each row's running sums searched by 53-bit uniforms;
* ``gamma`` (so Gamma, Beta, Dirichlet, Chi2, StudentT), ``poisson`` and ``binomial``:
  PyTorch's scalar rejection samplers, value by value, on the same 53-bit uniforms and
  scalar normals.

float64 values are PyTorch's exactly (the C library's ``log``/``log1p``/``tan``/``exp``, as
PyTorch's scalar kernels call them, where NumPy's vectorized ones differ in the last bit);
float32 normals within an ulp (PyTorch's vectorized ``log``/``cos``/``sin`` round otherwise
than NumPy's). float16 uniforms are float32's rounded (:func:`uniform_half`, PyTorch's rule),
float16 normals float32's Box–Muller blocks rounded (:func:`normal`), complex uniforms and
normals drawn over the parts as a float tensor (PyTorch's ``view_as_real``); other float16
and complex draws take NumPy's methods on the same stream
(deterministic under ``dg.manual_seed``, not PyTorch's numbers). A stream that is not a
:class:`~deepgrad.backend.Stream` (the CuPy backend's, a NumPy generator handed in) takes
NumPy's methods too.

>>> import deepgrad as dg
>>> _ = dg.manual_seed(0)
>>> dg.rand(3, dtype=dg.float64).tolist()  # torch.manual_seed(0); torch.rand(3, dtype=torch.float64)
[0.9700530018065531, 0.707819864399788, 0.45938294312745087]
"""

from __future__ import annotations

import math
from typing import Any

import numpy

__all__ = [
    "bernoulli", "binomial", "cauchy", "exponential", "gamma", "geometric", "log_normal", "multinomial",
    "normal", "poisson", "random_int64", "randint", "randperm", "scalar_normals", "uniform",
    "as_filled", "uniform_half", "uniform_scalar",
]  # fmt: skip

_M53 = numpy.uint64((1 << 53) - 1)


def _exact(g: Any, dtype: Any) -> bool:
    return getattr(g, "torch_stream", False) and numpy.dtype(dtype) in (
        numpy.dtype(numpy.float32),
        numpy.dtype(numpy.float64),
    )


def _words(g: Any, n: int) -> numpy.ndarray:
    """``n`` 32-bit words of the stream, as uint64. (NumPy's full-range ``integers`` of
    uint32 hands MT19937's words out unchanged, in order, 5× faster than ``random_raw``.)"""
    return g.integers(0, 2**32, n, dtype=numpy.uint32).astype(numpy.uint64)


def _words64(g: Any, n: int) -> numpy.ndarray:
    """``n`` 64-bit words: two 32-bit words each, the first the high half (PyTorch's
    ``random64``; NumPy's MT19937 makes its full-range uint64 draws the same way)."""
    return g.integers(0, 2**64, n, dtype=numpy.uint64)


def _bits53(g: Any, n: int) -> numpy.ndarray:
    """The 53 bits of ``n`` float64 uniforms (``u = bits · 2⁻⁵³``)."""
    return _words64(g, n) & _M53


def _unit(g: Any, n: int, dtype: Any) -> numpy.ndarray:
    """``n`` uniforms in ``[0, 1)`` of ``dtype`` (float32: 24 bits; float64: 53 bits)."""
    if numpy.dtype(dtype) == numpy.float32:
        w = g.integers(0, 2**32, n, dtype=numpy.uint32)
        return (w & numpy.uint32(0xFFFFFF)).astype(numpy.float32) * numpy.float32(2.0**-24)
    return _bits53(g, n).astype(numpy.float64) * 2.0**-53


def _fma(x: numpy.ndarray, y: float, z: float) -> numpy.ndarray:
    """``x · y + z`` rounded once, in ``x``'s dtype (PyTorch's compiled kernels fuse the
    multiply and add): float32 through float64 (its product of two float32 values is exact),
    float64 through the product's exact error (Dekker's split) and the sum's (Knuth's)."""
    if x.dtype == numpy.float32:
        f = numpy.float32
        return (x.astype(numpy.float64) * float(f(y)) + float(f(z))).astype(numpy.float32)
    y, z = float(y), float(z)
    if not (math.isfinite(y) and math.isfinite(z)):  # inf/NaN: no error terms (inf - inf)
        return x * y + z
    if max(abs(y), abs(z)) > 2.0**996:  # Dekker's split of y would overflow: scale by 2^-64
        return _fma(x, y * 2.0**-64, z * 2.0**-64) * 2.0**64  # powers of two: exact
    p = x * y
    cx = 134217729.0 * x  # 2^27 + 1: the halves of x and y
    xh = cx - (cx - x)
    xl = x - xh
    cy = 134217729.0 * y
    yh = cy - (cy - y)
    yl = y - yh
    e = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl  # p + e == x·y exactly
    s = p + z
    bb = s - p
    return s + (((p - (s - bb)) + (z - bb)) + e)


def uniform(g: Any, shape: tuple, dtype: Any, a: float = 0.0, b: float = 1.0) -> Any:
    """Draws of U(a, b) of ``shape`` and ``dtype`` (see the module): ``u · (b - a) + a`` with
    ``b - a`` in ``dtype`` and one rounding, as PyTorch's kernel. A complex dtype: its real
    and imaginary parts each U(a, b), drawn as a float tensor of them (:func:`_parts`)."""
    dtype = numpy.dtype(dtype)
    if dtype.kind == "c" and getattr(g, "torch_stream", False):
        return _parts(uniform(g, (*shape, 2), _part(dtype), a, b), dtype)
    if not _exact(g, dtype):
        return g.uniform(a, b, shape).astype(dtype)
    u = _unit(g, math.prod(shape), dtype).reshape(shape)
    if a == 0.0 and b == 1.0:
        return u
    t = dtype.type
    return _fma(u, t(t(b) - t(a)), t(a))


def _part(dtype: numpy.dtype) -> numpy.dtype:
    """The float dtype of a complex dtype's parts."""
    return numpy.dtype(f"f{dtype.itemsize // 2}")


def _parts(v: Any, dtype: numpy.dtype) -> Any:
    """Complex values of ``dtype`` from draws ``v (..., 2)``: real, imaginary."""
    return numpy.ascontiguousarray(v, _part(dtype)).view(dtype)[..., 0]


def as_filled(values: Any, like: Any) -> Any:
    """Values drawn one per element in the order PyTorch's kernels fill a tensor laid out as
    the array ``like`` (an in-place fill of it, or dropout's noise in ``empty_like`` of it),
    returned in ``like``'s shape; ``values`` holds the draws in draw order. The order is
    TensorIterator's: the dimensions sorted by stride, innermost the smallest, by its
    insertion sort (a zero stride compares as "either", so an expanded dimension keeps its
    place; equal strides put the larger size outside) — a transposed view is filled along
    its rows in memory (``F.dropout(x.t())``, ``x.t().uniform_()``)."""
    values = numpy.asarray(values)
    shape, strides = like.shape, getattr(like, "strides", None)
    if strides is None or len(shape) < 2 or like.flags.c_contiguous:
        return values.reshape(shape)
    dims = [i for i in range(len(shape)) if shape[i] > 1]  # a size-1 axis fills in any order

    def swap(a: int, b: int) -> int:  # TensorIterator's should_swap, on |strides|
        sa, sb = abs(strides[a]), abs(strides[b])
        if sa == 0 or sb == 0:
            return 0
        if sa != sb:
            return 1 if sa > sb else -1
        return 1 if shape[a] > shape[b] else 0

    perm = dims[::-1]  # innermost first
    for i in range(1, len(perm)):
        j = i
        for k in range(i - 1, -1, -1):
            c = swap(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    outer = [i for i in range(len(shape)) if shape[i] == 1] + perm[::-1]
    return values.reshape([shape[i] for i in outer]).transpose(numpy.argsort(outer))


def uniform_scalar(g: Any, n: int, a: float, b: float) -> numpy.ndarray:
    """``n`` float64 draws of U(a, b) as PyTorch's scalar loops make them (``rrelu``'s slopes:
    ``uniform_real_distribution<double>`` called per value): ``u · (b - a) + a`` with the
    product and the sum rounded apart, where ``uniform_``'s kernel rounds once (:func:`uniform`)."""
    return _unit(g, n, numpy.float64) * (float(b) - float(a)) + float(a)


def uniform_half(g: Any, shape: tuple, a: float = 0.0, b: float = 1.0) -> Any:
    """float16 draws of U(a, b) as PyTorch's ``rand``/``uniform_`` make them: float32's
    (:func:`uniform`) rounded to half, a value that rounds up to ``half(b)`` replaced by
    ``half(a)`` (so ``rand`` never gives 1.0)."""
    h = numpy.float16
    v = numpy.asarray(uniform(g, shape, numpy.float32, a, b)).astype(h)
    v[v == h(b)] = h(a)
    return v


def _libm(fn: str, x: numpy.ndarray) -> numpy.ndarray:
    """``math.<fn>`` of every value: float64 through the C library's function, as PyTorch's
    scalar kernels call it (NumPy's vectorized float64 ``log``, ``log1p``, ``exp`` and ``tan``
    are an ulp off for 0.3–7 % of values on AVX-512 CPUs; its cos and sin agree)."""
    f = getattr(math, fn)
    return numpy.fromiter(map(f, x.ravel().tolist()), numpy.float64, x.size).reshape(x.shape)


def _log(x: numpy.ndarray) -> numpy.ndarray:
    """``ln x``: float64 through the C library's ``log`` (:func:`_libm`), float32 through
    NumPy's (PyTorch's own float32 path is Sleef's, within an ulp either way)."""
    return numpy.log(x) if x.dtype != numpy.float64 else _libm("log", x)


def _box_muller_16(x: numpy.ndarray, mean: float, std: float) -> None:
    """Blocks of 16 uniforms (``x (k, 16)``) into normals, in place (see the module); the
    scaling ``z · std + mean`` rounded once."""
    t = x.dtype.type
    u1 = 1 - x[:, :8]
    u2 = x[:, 8:].copy()
    r = numpy.sqrt(t(-2) * _log(u1))
    theta = t(2.0 * math.pi) * u2
    for half, trig in ((slice(0, 8), numpy.cos), (slice(8, 16), numpy.sin)):
        z = r * trig(theta)
        x[:, half] = z if (mean, std) == (0.0, 1.0) else _fma(z, t(std), t(mean))


def normal(g: Any, shape: tuple, dtype: Any, mean: float = 0.0, std: float = 1.0) -> Any:
    """Draws of N(mean, std²) of ``shape`` and ``dtype`` (see the module). A complex dtype:
    each part N(mean, std²/2), drawn as a float tensor of the parts (PyTorch's
    ``view_as_real``), so the complex variance is std²."""
    dtype = numpy.dtype(dtype)
    if dtype.kind == "c" and getattr(g, "torch_stream", False):
        return _parts(normal(g, (*shape, 2), _part(dtype), mean, std / math.sqrt(2)), dtype)
    half = dtype == numpy.float16 and getattr(g, "torch_stream", False)
    if not (half or _exact(g, dtype)):
        return g.normal(mean, std, shape).astype(dtype)
    n = math.prod(shape)
    with numpy.errstate(over="ignore", invalid="ignore"):  # huge or infinite mean/std: ±inf
        if n < 16:  # or NaN as PyTorch's, without NumPy's warnings
            return scalar_normals(g, n, mean, std).astype(dtype).reshape(shape)
        k = n // 16
        # float16: float32's blocks rounded, from k·16 uniforms only (measured against
        # torch 2.13: its half kernel draws no uniforms for the values the tail recomputes)
        x = _unit(g, k * 16 if half else n, numpy.float32 if half else dtype)
        _box_muller_16(x[: k * 16].reshape(k, 16), mean, std)
        if n % 16:
            tail = _unit(g, 16, x.dtype).reshape(1, 16)
            _box_muller_16(tail, mean, std)
            if half:
                x = numpy.concatenate([x[: n - 16], tail[0]])
            else:
                x[n - 16 :] = tail[0]
    return (x.astype(numpy.float16) if half else x).reshape(shape)


def scalar_normals(g: Any, n: int, mean: float = 0.0, std: float = 1.0) -> numpy.ndarray:
    """``n`` float64 normals as PyTorch's scalar sampler draws them one at a time (``normal_``
    of fewer than 16 values, ``log_normal_``): the cached second value of the last pair
    first, then Box–Muller pairs on two 53-bit uniforms each, ``r = √(-2 log1p(-u2))``,
    ``θ = 2π u1``, giving ``r cos θ`` then ``r sin θ`` — an odd count leaves its last
    ``r sin θ`` in the cache — each scaled as ``fma(z, std, mean)``."""
    cached = g.normal_cache
    head = [] if cached is None or n == 0 else [cached]
    pairs = (n - len(head) + 1) // 2
    u = _bits53(g, 2 * pairs).astype(numpy.float64) * 2.0**-53
    r = numpy.sqrt(-2.0 * _libm("log1p", -u[1::2]))
    theta = 2.0 * math.pi * u[0::2]
    z = numpy.empty(2 * pairs, numpy.float64)
    z[0::2], z[1::2] = r * _libm("cos", theta), r * _libm("sin", theta)
    z = numpy.concatenate([numpy.asarray(head, numpy.float64), z])
    if n:
        g.normal_cache = float(z[n]) if len(z) > n else None
    z = z[:n]
    return z if (mean, std) == (0.0, 1.0) else _fma(z, std, mean)


def exponential(g: Any, shape: tuple, dtype: Any, lambd: float = 1.0) -> Any:
    """Exp(``lambd``) draws: ``-1/λ · log1p(-u)``, ``u`` a 53-bit uniform, in float64 (as
    PyTorch's CPU kernel for every dtype), then rounded to ``dtype``."""
    if not getattr(g, "torch_stream", False):
        return g.exponential(1.0 / lambd, shape).astype(dtype)
    u = _unit(g, math.prod(shape), numpy.float64)
    return ((-1.0 / lambd) * _libm("log1p", -u)).astype(dtype).reshape(shape)


def cauchy(g: Any, shape: tuple, dtype: Any, median: float = 0.0, sigma: float = 1.0) -> Any:
    """Cauchy draws ``median + σ tan(π (u - ½))`` (float64, then ``dtype``)."""
    if not getattr(g, "torch_stream", False):
        return (median + sigma * numpy.tan(numpy.pi * (g.random(shape) - 0.5))).astype(dtype)
    u = _unit(g, math.prod(shape), numpy.float64).reshape(shape)
    return _fma(_libm("tan", math.pi * (u - 0.5)), sigma, median).astype(dtype)


def geometric(g: Any, shape: tuple, dtype: Any, p: float) -> Any:
    """Geometric draws (trials to the first success): ``⌈ln u / log1p(-p)⌉`` (float64)."""
    if not getattr(g, "torch_stream", False):
        return g.geometric(p, shape).astype(dtype)
    u = _unit(g, math.prod(shape), numpy.float64).reshape(shape)
    return numpy.ceil(_libm("log", u) / math.log1p(-p)).astype(dtype)


def log_normal(g: Any, shape: tuple, dtype: Any, mean: float = 1.0, std: float = 2.0) -> Any:
    """exp(N(mean, std²)) draws, the normals from PyTorch's scalar sampler (:func:`scalar_normals`)."""
    if not getattr(g, "torch_stream", False):
        return g.lognormal(mean, std, shape).astype(dtype)
    z = scalar_normals(g, math.prod(shape), mean, std)
    return _libm("exp", z).astype(dtype).reshape(shape)


def randint(g: Any, low: int, high: int, shape: tuple, wide: int = 2**28) -> Any:
    """int64 draws uniform in ``[low, high)`` (see the module): a 32-bit word modulo the
    span, a 64-bit one from a span of ``wide`` on — PyTorch's ``random_(from, to)`` (so
    ``randint``) takes 64 bits from ``2^28`` (its note: to keep the modulo's skew small),
    the full-range ``random_()`` from ``2^32`` (int64 and float64)."""
    if not getattr(g, "torch_stream", False):
        return g.integers(low, high, shape, dtype=numpy.int64)
    span = high - low
    n = math.prod(shape)
    words = _words(g, n) if span < wide else _words64(g, n)
    return ((words % numpy.uint64(span)).astype(numpy.int64) + low).reshape(shape)


def bernoulli(g: Any, shape: tuple, p: Any, dtype: Any = numpy.float64) -> Any:
    """Bernoulli(``p``) draws of ``shape`` as booleans, ``u < p`` with one uniform ``u`` of
    ``dtype`` per value in order (PyTorch: a number ``p`` draws float64 uniforms — dropout's
    masks too —, a tensor of probabilities uniforms of its own dtype)."""
    if not getattr(g, "torch_stream", False):
        return g.random(shape) < p
    dtype = numpy.dtype(numpy.float64 if dtype is None else dtype)
    if dtype not in (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64)):
        dtype = numpy.dtype(numpy.float32)  # float16/bfloat16 probabilities: float's path
    n = math.prod(shape)
    if dtype == numpy.float64 and numpy.ndim(p) == 0:  # u < p  ⇔  bits < ⌈p · 2⁵³⌉
        bound = min(max(math.ceil(float(p) * 2.0**53), 0), 2**53)
        return (_bits53(g, n) < numpy.uint64(bound)).reshape(shape)
    return _unit(g, n, dtype).reshape(shape) < p


def multinomial(g: Any, w: numpy.ndarray, k: int, replacement: bool) -> numpy.ndarray:
    """PyTorch's ``multinomial`` of the rows of weights ``w`` (2-D, checked, float32 or
    float64): without replacement, or for one sample, the ``k`` largest ``w / q`` with
    ``q ~ Exp(1)`` drawn like ``w`` (``exponential_``; the Gumbel-max trick); with replacement,
    per row the running sum of ``w`` in its dtype over the total (the last one set to 1),
    searched for one 53-bit uniform per sample (the first sum ≥ ``u``)."""
    if not replacement or k == 1:
        ratio = w / exponential(g, w.shape, w.dtype)
        return numpy.argsort(-ratio, axis=1, kind="stable")[:, :k]
    cum = numpy.cumsum(w, axis=1, dtype=w.dtype)
    cum /= cum[:, -1:]
    cum[:, -1] = 1
    u = _unit(g, w.shape[0] * k, numpy.float64).reshape(w.shape[0], k)
    return numpy.stack([numpy.searchsorted(c, r, side="left") for c, r in zip(cum, u, strict=True)])


def _u53(g: Any) -> float:
    """One 53-bit float64 uniform (PyTorch's ``uniform_real_distribution<double>``)."""
    return (int(g.integers(0, 2**64, dtype=numpy.uint64)) & ((1 << 53) - 1)) * 2.0**-53


def _normal1(g: Any) -> float:
    """One standard normal from PyTorch's scalar sampler, its cache first (as
    :func:`scalar_normals`, one value)."""
    cached = g.normal_cache
    if cached is not None:
        g.normal_cache = None
        return cached
    u1, u2 = _u53(g), _u53(g)
    r, theta = math.sqrt(-2.0 * math.log1p(-u2)), 2.0 * math.pi * u1
    g.normal_cache = r * math.sin(theta)
    return r * math.cos(theta)


_THIRD_F = float(numpy.float32(1.0) / numpy.float32(3.0))  # PyTorch's 1.0f / 3.0f
_C_F = float(numpy.float32(0.0331))  # and its 0.0331f


def _gamma1(g: Any, alpha: float, single: bool) -> float:
    """One Gamma(``alpha``, 1) draw as PyTorch's ``sample_gamma``: Marsaglia and Tsang's
    rejection on its scalar normals and 53-bit uniforms, ``alpha < 1`` boosted by
    ``u^(1/α)``; ``single``: ``alpha`` a float32 (PyTorch's steps on it in float32)."""
    f = numpy.float32
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0:
            return 0.0
        inv = float(f(1.0) / f(alpha)) if single else 1.0 / alpha
        scale *= math.pow(1 - _u53(g), inv)
        alpha = float(f(alpha) + f(1.0)) if single else alpha + 1.0
    d = float(f(alpha) - f(_THIRD_F)) if single else alpha - _THIRD_F
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = _normal1(g)
        y = 1.0 + c * x
        if y <= 0:
            continue
        v = y * y * y
        u = 1 - _u53(g)
        xx = x * x
        if u < 1.0 - _C_F * xx * xx or math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def gamma(g: Any, alpha: numpy.ndarray) -> numpy.ndarray:
    """Gamma(``alpha``, 1) draws, one per value of ``alpha`` in order, in its dtype (at least
    the dtype's smallest normal number), as PyTorch's ``_standard_gamma``."""
    dt = alpha.dtype if alpha.dtype in (numpy.float32, numpy.float64) else numpy.dtype("f4")
    if not getattr(g, "torch_stream", False):
        x = g.gamma(alpha.astype(numpy.float64), 1.0)
    else:
        single = dt == numpy.float32
        x = [_gamma1(g, a, single) for a in alpha.astype(numpy.float64).ravel().tolist()]
    x = numpy.asarray(x, numpy.float64).astype(dt).reshape(alpha.shape)
    return numpy.maximum(x, numpy.finfo(dt).tiny).astype(alpha.dtype)


def _poisson1(g: Any, lam: float) -> int:
    """One Poisson(``lam``) draw as PyTorch's ``sample_poisson``: Hörmann's transformed
    rejection (1993) from ``lam ≥ 10``, else the product of uniforms against ``e^-lam``."""
    if lam == 0:
        return 0
    if lam < 10:
        enlam, k, prod = math.exp(-lam), 0, 1.0
        while True:
            prod *= _u53(g)
            if prod <= enlam:
                return k
            k += 1
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = _u53(g) - 0.5
        v = _u53(g)
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return k


def poisson(g: Any, rates: numpy.ndarray) -> numpy.ndarray:
    """Poisson draws, one per rate in order, in the rates' dtype (PyTorch's ``poisson``)."""
    if not getattr(g, "torch_stream", False):
        return numpy.asarray(g.poisson(rates)).astype(rates.dtype)
    k = [_poisson1(g, r) for r in rates.astype(numpy.float64).ravel().tolist()]
    return numpy.asarray(k, numpy.float64).astype(rates.dtype).reshape(rates.shape)


#: ``ln k! - (k + ½) ln(k + 1) + (k + 1) - ½ ln 2π`` for ``k = 0 … 9`` (PyTorch's table for
#: the BTRS sampler's Stirling tail; larger ``k`` by its series)
_STIRLING_TAIL = (
    0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
    0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
    0.00925546218271273, 0.00833056343336287,
)  # fmt: skip


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _btrs(g: Any, n: Any, p: Any, t: Any) -> float:
    """Hörmann's BTRS (1993) as PyTorch's ``btrs``: a Binomial(``n``, ``p ≤ ½``) draw;
    ``t`` the count's type (``numpy.float32`` for float32 counts: PyTorch's steps on them in
    float32), the rest in float64."""
    sd = float(t(math.sqrt(t(t(n) * t(p)) * t(t(1) - t(p)))))
    b = 1.15 + 2.53 * sd
    a = -0.0873 + 0.0248 * b + 0.01 * float(p)
    c = float(t(n) * t(p)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(t(p) / t(t(1) - t(p)))
    alpha = (2.83 + 5.1 / b) * sd
    m = float(math.floor(t(t(n) + t(1)) * t(p)))
    n = float(n)
    while True:
        u = _u53(g) - 0.5
        v = _u53(g)
        us = 0.5 - abs(u)
        k = float(t(math.floor((2 * a / us + b) * u + c)))
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        bound = (
            (m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
            + (n + 1) * math.log((n - m + 1) / (n - k + 1))
            + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1))
            + _stirling_tail(m) + _stirling_tail(n - m) - _stirling_tail(k) - _stirling_tail(n - k)
        )  # fmt: skip
        if v <= bound:
            return k


def _binomial_inversion(g: Any, n: Any, p: Any, t: Any) -> float:
    """PyTorch's ``binomial_inversion``: geometric gaps summed past ``n`` (``n·p < 10``)."""
    log_q = float(t(math.log1p(-float(p))))
    total, k = 0.0, 0
    while True:
        total += math.ceil(math.log(_u53(g)) / log_q)
        if total > n:
            return float(k)
        k += 1


def _binomial1(g: Any, n: Any, p: Any, t: Any) -> float:
    """One Binomial(``n``, ``p``) draw as PyTorch's ``sample_binomial``."""
    n, p = t(n), t(p)
    if n <= 0 or p <= 0:
        return 0.0
    if p >= 1:
        return float(n)
    if p <= 0.5:
        return _btrs(g, n, p, t) if t(n * p) >= 10 else _binomial_inversion(g, n, p, t)
    q = t(1.0 - float(p))
    k = _btrs(g, n, q, t) if t(n * q) >= 10 else _binomial_inversion(g, n, q, t)
    return float(t(n - t(k)))


def binomial(g: Any, count: numpy.ndarray, prob: numpy.ndarray) -> numpy.ndarray:
    """Binomial(``count``, ``prob``) draws, one per (broadcast) pair in order, in ``count``'s
    dtype, as PyTorch's ``binomial``: BTRS where ``n·min(p, 1-p) ≥ 10``, else inversion."""
    count, prob = numpy.broadcast_arrays(count, prob)
    if not getattr(g, "torch_stream", False):
        return numpy.asarray(g.binomial(count.astype(numpy.int64), prob)).astype(count.dtype)
    t = numpy.float32 if count.dtype == numpy.float32 else float
    pairs = zip(count.ravel().tolist(), prob.ravel().tolist(), strict=True)
    k = [_binomial1(g, n, p, t) for n, p in pairs]
    return numpy.asarray(k, numpy.float64).astype(count.dtype).reshape(count.shape)


def random_int64(g: Any) -> int:
    """One int64 ``random_()`` draw (a 64-bit word modulo 2⁶³), what PyTorch's data loader and
    ``RandomSampler`` take from the stream to seed their own generators."""
    if not getattr(g, "torch_stream", False):
        return int(g.integers(2**63))
    return int(_words64(g, 1)[0] % numpy.uint64(2**63))


def randperm(g: Any, n: int) -> Any:
    """A permutation of ``0 … n-1`` (int64; see the module)."""
    if not getattr(g, "torch_stream", False):
        return g.permutation(n).astype(numpy.int64)
    p = numpy.arange(n, dtype=numpy.int64)
    if n < 2:
        return p
    z = (_words(g, n - 1) % numpy.arange(n, 1, -1, dtype=numpy.uint64)).astype(numpy.int64)
    perm = p.tolist()
    for i, j in enumerate((z + numpy.arange(n - 1)).tolist()):  # the swaps, in order
        perm[i], perm[j] = perm[j], perm[i]
    return numpy.asarray(perm, dtype=numpy.int64)
