"""``deepgrad.testing``: PyTorch's ``torch.testing`` — :func:`assert_close` with its default
tolerances per dtype and its error messages, and :func:`make_tensor`.

=========================  ==========  =========
dtype                      ``rtol``    ``atol``
=========================  ==========  =========
float16                    1e-3        1e-5
float32, complex64         1.3e-6      1e-5
float64, complex128        1e-7        1e-7
integers, bool             0           0
=========================  ==========  =========

Two inputs of different dtypes (with ``check_dtype=False``) use the looser of their two rows.
Python numbers use the rows of ``int`` (int64), ``float`` (float64) and ``complex``
(complex128).

>>> import deepgrad as dg
>>> dg.testing.assert_close(dg.tensor([1.0, 2.0]), dg.tensor([1.0, 2.0 + 1e-6]))
>>> dg.testing.assert_close(dg.tensor([1.0, 4.0, 5.0]), dg.tensor([1.0, 2.0, 3.0]))
Traceback (most recent call last):
...
AssertionError: Tensor-likes are not close!
<BLANKLINE>
Mismatched elements: 2 / 3 (66.7%)
Greatest absolute difference: 2.0 at index (1,) (up to 1e-05 allowed)
Greatest relative difference: 1.0 at index (1,) (up to 1.3e-06 allowed)
"""

from __future__ import annotations

import cmath
import collections.abc
from collections.abc import Callable
from typing import Any, NoReturn

import numpy

from . import backend
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

#: {dtype: (rtol, atol)}, PyTorch's table
_PRECISIONS = {
    numpy.dtype(numpy.float16): (0.001, 1e-5),
    numpy.dtype(numpy.float32): (1.3e-6, 1e-5),
    numpy.dtype(numpy.float64): (1e-7, 1e-7),
    numpy.dtype(numpy.complex64): (1.3e-6, 1e-5),
    numpy.dtype(numpy.complex128): (1e-7, 1e-7),
}
_NUMBER_DTYPES = {
    int: numpy.dtype(numpy.int64),
    float: numpy.dtype(numpy.float64),
    complex: numpy.dtype(numpy.complex128),
}


class _Mismatch(Exception):
    """One failed comparison: the exception type to raise, its message, and where (the item
    of nested sequences/mappings)."""

    def __init__(self, type_: type[Exception], msg: str, where: tuple = ()) -> None:
        super().__init__(msg)
        self.type, self.msg, self.where = type_, msg, where

    def to_error(self, msg: str | Callable[[str], str] | None = None) -> Exception:
        if isinstance(msg, str):
            return self.type(msg)
        text = self.msg
        if self.where:
            text += f"\n\nThe failure occurred for item {''.join(str([i]) for i in self.where)}"
        return self.type(msg(text) if callable(msg) else text)


def _tolerances(dtypes: list, rtol: float | None, atol: float | None, where: tuple) -> tuple:
    if (rtol is None) != (atol is None):
        raise _Mismatch(
            ValueError,
            "Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}.",
            where,
        )
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*[_PRECISIONS.get(numpy.dtype(d), (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def _mismatch_msg(
    identifier: str,
    extra: str,
    abs_diff: Any,
    abs_idx: tuple | None,
    atol: float,
    rel_diff: Any,
    rel_idx: tuple | None,
    rtol: float,
) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff: Any, idx: tuple | None, tol: float) -> str:
        text = (
            f"{kind.title()} difference: {diff}"
            if idx is None
            else f"Greatest {kind} difference: {diff} at index {idx}"
        )
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    extra = f"Expected {expected} but got {actual}."
    return _mismatch_msg("Scalars", extra, abs_diff, None, atol, rel_diff, None, rtol)


def _tensor_msg(
    actual: numpy.ndarray, expected: numpy.ndarray, matches: numpy.ndarray, rtol: float, atol: float
) -> str:
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    a, e, ok = actual.ravel(), expected.ravel(), matches.ravel()
    if actual.dtype.kind not in "fc":  # integers and bools: differences in int64, as PyTorch
        a, e = a.astype(numpy.int64), e.astype(numpy.int64)
    with numpy.errstate(all="ignore"):
        abs_diff = numpy.abs(a - e)
        abs_diff[ok] = 0
        rel_diff = abs_diff / numpy.abs(e)
    if rel_diff.dtype.kind != "f" or actual.dtype.kind not in "fc":  # int / int: the default float
        rel_diff = rel_diff.astype(backend.get_default_dtype())
    rel_diff[ok] = 0
    i, j = _argmax(abs_diff), _argmax(rel_diff)
    return _mismatch_msg(
        "Tensor-likes",
        extra,
        abs_diff[i].item(),
        tuple(int(k) for k in numpy.unravel_index(i, matches.shape)),
        atol,
        rel_diff[j].item(),
        tuple(int(k) for k in numpy.unravel_index(j, matches.shape)),
        rtol,
    )


def _argmax(a: numpy.ndarray) -> int:
    """The index of the greatest element, a NaN counting as the greatest (as ``torch.max``)."""
    nan = numpy.isnan(a) if a.dtype.kind == "f" else numpy.zeros(a.shape, bool)
    return int(numpy.argmax(nan)) if nan.any() else int(numpy.argmax(a))


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (Tensor, numpy.ndarray))


def _as_array(x: Any) -> numpy.ndarray:
    return backend.to_numpy(x.detach()._data) if isinstance(x, Tensor) else numpy.asarray(x)


def _compare_numbers(a: Any, e: Any, where: tuple, opts: dict) -> None:
    a = a.item() if isinstance(a, numpy.number) else a
    e = e.item() if isinstance(e, numpy.number) else e
    rtol, atol = _tolerances(
        [_NUMBER_DTYPES[type(v)] for v in (a, e)], opts["rtol"], opts["atol"], where
    )
    if opts["check_dtype"] and type(a) is not type(e):
        raise _Mismatch(
            AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.", where
        )
    if a == e or (opts["equal_nan"] and cmath.isnan(a) and cmath.isnan(e)):
        return
    diff = abs(a - e)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(e):
        return
    raise _Mismatch(AssertionError, _scalar_msg(a, e, rtol, atol), where)


def _compare_tensors(actual: Any, expected: Any, where: tuple, opts: dict) -> None:
    rtol, atol = _tolerances([actual.dtype, expected.dtype], opts["rtol"], opts["atol"], where)

    def differ(attribute: str, a: Any, e: Any) -> NoReturn:
        raise _Mismatch(
            AssertionError,
            f"The values for attribute '{attribute}' do not match: {a} != {e}.",
            where,
        )

    if tuple(actual.shape) != tuple(expected.shape):
        differ("shape", actual.shape, expected.shape)
    if opts["check_device"] and isinstance(actual, Tensor) and actual.device != expected.device:
        differ("device", actual.device, expected.device)
    if opts["check_dtype"] and actual.dtype != expected.dtype:
        differ("dtype", actual.dtype, expected.dtype)
    a, e = _as_array(actual), _as_array(expected)
    if a.dtype != e.dtype:
        dtype = backend.promote_types(a.dtype, e.dtype)
        a, e = a.astype(dtype), e.astype(dtype)
    matches = _isclose(a, e, rtol, atol, opts["equal_nan"])
    if matches.all():
        return
    if a.shape == ():
        raise _Mismatch(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol), where)
    raise _Mismatch(AssertionError, _tensor_msg(a, e, matches, rtol, atol), where)


def _isclose(a: numpy.ndarray, e: numpy.ndarray, rtol: float, atol: float, equal_nan: bool) -> Any:
    """PyTorch's ``isclose``: equal values (infinities included) match; otherwise finite values
    within ``atol + rtol·|e|``; NaNs match only with ``equal_nan``."""
    if a.dtype.kind in "biu" or (rtol == 0 and atol == 0):
        same = a == e
    else:
        with numpy.errstate(all="ignore"):
            diff = numpy.abs(a - e)
            same = (a == e) | (numpy.isfinite(diff) & (diff <= atol + rtol * numpy.abs(e)))
    if equal_nan and a.dtype.kind in "fc":
        same = same | (numpy.isnan(a) & numpy.isnan(e))
    return numpy.asarray(same)


def _pairs(actual: Any, expected: Any, where: tuple, opts: dict) -> list:
    """The leaves to compare, recursing through sequences and mappings as PyTorch does."""
    seq = collections.abc.Sequence
    if (
        isinstance(actual, seq)
        and isinstance(expected, seq)
        and not isinstance(actual, str)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise _Mismatch(
                AssertionError,
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                where,
            )
        return [
            p for i in range(len(actual)) for p in _pairs(actual[i], expected[i], (*where, i), opts)
        ]
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        ka, ke = set(actual), set(expected)
        if ka != ke:
            raise _Mismatch(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(ke - ka)}\n"
                f"Additional keys in the actual mapping: {sorted(ka - ke)}",
                where,
            )
        try:
            keys = sorted(ka)
        except TypeError:
            keys = list(ka)
        return [p for k in keys for p in _pairs(actual[k], expected[k], (*where, k), opts)]
    return [_pair(actual, expected, where, opts)]


def _pair(actual: Any, expected: Any, where: tuple, opts: dict) -> Callable[[], None]:
    if actual is None or expected is None:

        def none() -> None:
            if not (actual is None and expected is None):
                raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", where)

        return none
    bools = (bool, numpy.bool_)
    if isinstance(actual, bools) and isinstance(expected, bools):
        a, e = bool(actual), bool(expected)

        def booleans() -> None:
            if a is not e:
                raise _Mismatch(AssertionError, f"Booleans mismatch: {a} is not {e}", where)

        return booleans
    numbers = (int, float, complex, numpy.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        _tolerances([numpy.float64], opts["rtol"], opts["atol"], where)  # refuse one of the two
        return lambda: _compare_numbers(actual, expected, where, opts)
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if (
        _is_tensor_like(actual)
        and related
        and (opts["allow_subclasses"] or type(actual) is type(expected))
    ):
        _tolerances([numpy.float64], opts["rtol"], opts["atol"], where)
        return lambda: _compare_tensors(actual, expected, where, opts)
    raise _Mismatch(
        TypeError,
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
        where,
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert that ``actual`` and ``expected`` are close: ``|actual - expected| <= atol + rtol ·
    |expected|`` elementwise (infinities must be equal; NaNs match only with ``equal_nan``).

    Inputs are tensors (or NumPy arrays, compared with arrays), Python/NumPy numbers, ``None``,
    bools, and sequences and mappings of them (compared item by item). Shapes must match;
    ``check_dtype`` and ``check_device`` (on by default) require the same dtype and device,
    otherwise the two are promoted to a common dtype. Omitted tolerances come from the table
    above (``rtol`` and ``atol`` are given together or not at all). ``msg`` replaces the
    message (a string) or edits it (a callable given the generated message).
    ``check_layout`` and ``check_stride`` are PyTorch's options: deepgrad's tensors are all
    strided, so the layout always matches; a stride is never compared.

    Raises ``AssertionError`` naming the mismatched elements and the greatest absolute and
    relative differences, ``TypeError`` for inputs that cannot be compared (a tensor and a
    number), ``ValueError`` for only one of ``rtol``/``atol``.

    >>> import deepgrad as dg
    >>> dg.testing.assert_close(1.0, 1, check_dtype=False)
    >>> dg.testing.assert_close([dg.tensor(1.0)], [dg.tensor(1.5)], msg=lambda m: m.upper()[:18])
    Traceback (most recent call last):
    ...
    AssertionError: SCALARS ARE NOT CL
    """
    __tracebackhide__ = True
    opts = {
        "allow_subclasses": allow_subclasses,
        "rtol": rtol,
        "atol": atol,
        "equal_nan": equal_nan,
        "check_device": check_device,
        "check_dtype": check_dtype,
    }
    try:
        checks = _pairs(actual, expected, (), opts)
    except _Mismatch as bad:
        raise bad.to_error() from None
    for check in checks:
        try:
            check()
        except _Mismatch as bad:
            raise bad.to_error(msg) from None


_INTEGER_RANGES = {"u": (0, 10), "i": (-9, 10)}


def make_tensor(
    *shape: Any,
    dtype: Any,
    device: Any = None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of ``shape`` and ``dtype`` filled with random values from deepgrad's generator
    (``dg.manual_seed`` makes them repeatable; they are not PyTorch's draws): floats uniform on
    ``[low, high)`` (default ``[-9, 9)``), integers on ``[low, high)`` (default ``[-9, 10)``,
    ``[0, 10)`` for unsigned), bools either value. ``exclude_zero`` replaces zeros by the
    dtype's smallest positive step (``tiny`` for floats, 1 for integers), as PyTorch.
    ``noncontiguous`` and ``memory_format`` are accepted: the values are the same.

    >>> import deepgrad as dg
    >>> t = dg.testing.make_tensor(2, 3, dtype=dg.float64, low=0, high=1)
    >>> t.shape, t.dtype.name, bool((t >= 0).all() and (t < 1).all())
    ((2, 3), 'float64', True)
    """
    from .functional import where
    from .tensor import rand, randint

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dt = numpy.dtype(dtype)
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, float) and cmath.isnan(value):
            raise ValueError(f"`{name}` cannot be NaN, but got {name}={value}")
    if requires_grad and dt.kind not in "fc":
        raise ValueError("make_tensor: requires_grad=True needs a floating point or complex dtype")
    if dt.kind == "b":
        out = randint(0, 2, shape, device=device).to(dt)
    elif dt.kind in "iu":
        lo_d, hi_d = _INTEGER_RANGES[dt.kind]
        info = numpy.iinfo(dt)
        lo = max(int(numpy.ceil(low)) if low is not None else lo_d, int(info.min))
        hi = min(int(numpy.ceil(high)) if high is not None else hi_d, int(info.max))
        if lo >= hi:
            raise ValueError(f"`low` must be less than `high`, but got {lo} >= {hi}")
        out = randint(lo, hi, shape, device=device).to(dt)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        if lo > hi:
            raise ValueError(f"`low` must be less than or equal to `high`, but got {lo} > {hi}")
        real = numpy.float32 if dt.itemsize <= (4 if dt.kind == "f" else 8) else numpy.float64
        out = rand(*shape, dtype=real, device=device) * (hi - lo) + lo
        out = out.to(dt)
        if dt.kind == "c":
            out = out + (rand(*shape, dtype=real, device=device) * (hi - lo) + lo).to(dt) * 1j
    if exclude_zero:
        step = numpy.finfo(dt).tiny if dt.kind in "fc" else 1
        out = where(out == 0, numpy.asarray(step).astype(dt).item(), out).to(dt)
    return out.detach().requires_grad_(requires_grad)
