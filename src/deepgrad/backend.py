"""The array backend: which array module computes (NumPy, or CuPy on a GPU), the default
floating dtype, and the random state.

One random-number tree: :func:`manual_seed` seeds the global generator (:func:`rng`), which
draws initial weights, dropout masks and ``rand``/``randn`` directly; every other component
that needs a stream of its own — ``fit``'s shuffling, a :class:`~deepgrad.data.DataLoader`'s
epochs, an augmentation, ``random_split`` — seeds it with an int drawn from the global
generator (:func:`draw_seed`, installed as the data package's seed source). So after the same
``manual_seed`` the same program draws the same numbers, as after ``torch.manual_seed``.

Everything numeric in the engine goes through :data:`xp` (read it as ``backend.xp`` at call
time, never bind it at import), so the same code runs on NumPy and on CuPy.

>>> import deepgrad as dg
>>> dg.backend.name()
'numpy'
>>> dg.get_default_dtype()
dtype('float32')
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy

#: The active array module (``numpy`` or ``cupy``).
xp: ModuleType = numpy
#: Whether the active array module is CuPy (arrays on a GPU), set by :func:`set_backend`. The
#: branches written for CuPy test this, not ``xp is numpy``: while a file is read, the
#: loader's budget (io/budget.py) puts a guarded stand-in for NumPy in ``xp``.
gpu: bool = False

# Floating-point results PyTorch returns silently (log(0) = -inf, 1/0 = inf, sqrt(-1) = nan,
# exp(1000) = inf) make NumPy print "RuntimeWarning: divide by zero encountered in log"; inside
# deepgrad's own modules they are results, as in PyTorch, not warnings. Only NumPy's
# floating-point messages are silenced, and only where deepgrad's code made the call: the
# user's own NumPy code warns as before, and deepgrad's other RuntimeWarnings still show.
warnings.filterwarnings(
    "ignore",
    message=r"(divide by zero|invalid value|overflow|underflow) encountered in ",
    category=RuntimeWarning,
    module=r"deepgrad(\.|$)",
)


def quiet() -> Any:
    """``numpy.errstate`` that lets IEEE results through silently (``1/0 = inf``, ``0/0 = nan``,
    ``log(0) = -inf``, ``exp(1000) = inf``, a float overflowing a narrower dtype), as PyTorch
    returns them: the filter above does not help a user who turns warnings into errors
    (``warnings.simplefilter("error")``) after importing deepgrad. Only the computations that
    can produce such values enter it (it costs about 1 µs); NumPy's state is restored on exit.
    A fresh context each time: one errstate is not re-entrant on NumPy 1.26."""
    return numpy.errstate(divide="ignore", invalid="ignore", over="ignore")


#: what NumPy raises for a floating-point message the user's warning filters
#: (``warnings.simplefilter("error")``) or ``numpy.seterr(all="raise")`` turned into an error:
#: hot paths catch it around their one NumPy call (``try`` costs nothing until it raises) and
#: recompute under :func:`quiet`, as :func:`silently` does
FP_ERRORS = (RuntimeWarning, FloatingPointError)


def divide(a: Any, b: Any) -> Any:
    """``a / b`` on arrays, silent at ``x/0`` and ``0/0`` as PyTorch's, at no cost on the hot
    path: NumPy's warning is filtered out by default (above); only where the user's filters
    (or ``numpy.seterr``) turn it into an error is the quotient recomputed under ``quiet``."""
    try:
        return a / b
    except (RuntimeWarning, FloatingPointError):
        with quiet():
            return a / b


def silently(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` (a pure computation on arrays) at no cost on the hot path, as
    :func:`divide`: recomputed under :func:`quiet` only where the user's warning filters or
    ``numpy.seterr`` turned NumPy's floating-point message into an error."""
    try:
        return fn(*args)
    except (RuntimeWarning, FloatingPointError):
        with quiet():
            return fn(*args)
    except ValueError as e:  # shapes that do not broadcast: PyTorch's class and words
        from ._errors import refuse_unbroadcastable

        refuse_unbroadcastable(e)
        raise


_default_dtype = numpy.dtype(numpy.float32)


class Stream(numpy.random.Generator):
    """A random stream as PyTorch's CPU generator keeps it: a Mersenne Twister (MT19937)
    seeded as ``std::mt19937`` with the seed's low 32 bits (PyTorch's ``at::mt19937``), and
    the second value of its last Box–Muller pair (``normal_cache``, PyTorch's
    ``next_double_normal_sample``). A NumPy ``Generator`` over that bit generator, so every
    draw deepgrad makes comes from it; :mod:`deepgrad._torch_rng` makes PyTorch's own
    numbers from its words (every draw PyTorch's programs make on the CPU, its module lists
    which)."""

    torch_stream = True

    def __init__(self, seed: int) -> None:
        bits = numpy.random.MT19937()
        bits._legacy_seeding(int(seed) & 0xFFFFFFFF)
        super().__init__(bits)
        self.normal_cache: float | None = None

    def __reduce__(self) -> tuple:
        # NumPy's Generator pickles (and copies) as a plain Generator: keep the class and
        # the cached normal, or a copied stream would draw NumPy's numbers
        return (_stream_at, (self.bit_generator.state, self.normal_cache))


def _stream_at(state: dict, normal_cache: float | None) -> Stream:
    """A :class:`Stream` in ``state`` (``bit_generator.state``) with ``normal_cache``: what a
    pickled or copied stream is rebuilt from."""
    s = Stream(0)
    s.bit_generator.state = state
    s.normal_cache = normal_cache
    return s


#: the seed the global stream started from: drawn from the operating system's entropy at
#: import (as PyTorch's), so ``initial_seed()`` names it; ``manual_seed`` replaces it
_seed: int | None = int(numpy.random.SeedSequence().entropy % 2**63)
_rng: Any = Stream(_seed)


#: glibc's ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` after ``import deepgrad`` (bytes):
#: see :func:`_tune_malloc` (benchmarks/suite.py starts PyTorch's processes with the same)
MALLOC_MMAP_THRESHOLD = 32 << 20
MALLOC_TRIM_THRESHOLD = 256 << 20


def _tune_malloc() -> None:
    """Keep freed memory in the process between training steps (glibc only).

    A training step allocates and frees the same large arrays every time. By default glibc
    serves arrays above 128 KiB with fresh ``mmap`` pages and trims freed memory back to the
    system, so every step pays thousands of page faults (measured: ~40 % of a small CNN step).
    Raising the mmap and trim thresholds lets freed blocks be reused, as PyTorch's caching
    allocator does. Peak memory is unchanged; set ``DEEPGRAD_MALLOC_TUNING=0`` to opt out.
    """
    import os
    import sys

    if os.environ.get("DEEPGRAD_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, MALLOC_MMAP_THRESHOLD)
        libc.mallopt(m_trim_threshold, MALLOC_TRIM_THRESHOLD)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        pass


_tune_malloc()


def name() -> str:
    """Name of the active array module: ``"numpy"`` or ``"cupy"``."""
    return xp.__name__.split(".")[0]


def set_backend(backend: str) -> None:
    """Select the array module: ``"numpy"`` (default) or ``"cupy"`` (needs a GPU and CuPy).

    Tensors created before the switch keep their arrays; create models after switching.
    """
    global xp, _rng, gpu
    if backend == "numpy":
        xp = numpy
    elif backend == "cupy":
        try:
            cupy = importlib.import_module("cupy")
            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # ImportError, or CUDA runtime errors without a GPU
            raise RuntimeError(
                f"backend 'cupy' was asked for but is not usable here ({exc}); "
                "install cupy-cuda12x on a machine with an NVIDIA GPU, or use 'numpy'"
            ) from exc
        xp = cupy
    else:
        raise ValueError(f"unknown backend {backend!r}; expected 'numpy' or 'cupy'")
    gpu = xp is not numpy
    _rng = _new_rng(_seed)


class _CupyRandom:
    """The global stream on CuPy: ``cupy.random.default_rng`` (drawn on the GPU), with what
    NumPy's ``Generator`` has and CuPy's lacks — ``normal``, ``permutation`` and a state that
    can be saved and restored (:func:`get_rng_state`). Saving restarts the device stream from a
    key drawn from it and returns that key, so that a restored state continues exactly as the
    saved one did. The numbers differ from NumPy's for the same seed (another generator)."""

    def __init__(self, seed: int) -> None:
        self._restart(int(seed))

    def _restart(self, key: int) -> None:
        self._key = key
        self._g = xp.random.default_rng(key)

    def __getattr__(self, attr: str) -> Any:  # random, uniform, integers, standard_normal, ...
        return getattr(self._g, attr)

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> Any:
        """``loc + scale * z`` with ``z`` standard normal (NumPy's ``Generator.normal``)."""
        if size is None:
            size = xp.broadcast_shapes(numpy.shape(loc), numpy.shape(scale))
        return loc + scale * self._g.standard_normal(size)

    def permutation(self, x: Any) -> Any:
        """A random order of ``range(x)`` (an int) or of an array's first axis."""
        if isinstance(x, (int, numpy.integer)):
            return xp.argsort(self._g.random(int(x)))
        return x[xp.argsort(self._g.random(len(x)))]

    def get_state(self) -> dict:
        key = int(self._g.integers(0, 2**62))
        self._restart(key)
        return {"cupy_key": key}

    def set_state(self, state: dict) -> None:
        if not isinstance(state, dict) or set(state) != {"cupy_key"}:
            raise TypeError(
                "set_rng_state on the CuPy backend expects a state saved on the CuPy backend "
                f"(a dict with 'cupy_key'); got {state!r:.80}"
            )
        self._restart(int(state["cupy_key"]))


def _new_rng(seed: int) -> Any:
    """The global generator for ``seed`` on the active array module."""
    return _CupyRandom(seed) if gpu else Stream(seed)


@contextlib.contextmanager
def using(backend: str) -> Iterator[None]:
    """Context manager that switches the backend and restores the previous one on exit."""
    previous = name()
    set_backend(backend)
    try:
        yield
    finally:
        set_backend(previous)


def get_default_dtype() -> numpy.dtype:
    """The floating dtype given to tensors made from Python floats (float32 by default)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the default floating dtype (``float32`` or ``float64``)."""
    global _default_dtype
    d = numpy.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"default dtype must be a floating dtype, got {d}")
    _default_dtype = d


def promote_types(type1: Any, type2: Any) -> numpy.dtype:
    """The dtype two *tensors* of dtypes ``type1`` and ``type2`` combine to, by PyTorch's table
    (``torch.promote_types``), which differs from NumPy's where integers meet floats: the
    float type wins as it is (``int64, float32 -> float32``; NumPy says float64) and a float
    meeting a complex keeps its precision (``float64, complex64 -> complex128``). Within one
    category the wider type wins and bool gives way to anything, as in NumPy. ``uint16``,
    ``uint32`` and ``uint64`` combine only with themselves and floats: PyTorch refuses the rest.

    >>> import deepgrad as dg
    >>> dg.promote_types("int64", "float32"), dg.promote_types("uint8", "int8")
    (dtype('float32'), dtype('int16'))
    """
    da, db = numpy.dtype(type1), numpy.dtype(type2)
    if da == db:
        return da
    ka, kb = da.kind, db.kind
    if (ka == "u" and da.itemsize > 1 and kb != "f") or (
        kb == "u" and db.itemsize > 1 and ka != "f"
    ):
        # PyTorch 2.13's uint16/uint32/uint64 meet only themselves and floats
        raise RuntimeError(
            "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
            f"{da} and {db}"
        )
    if ka == "b" or kb == "b":
        return db if ka == "b" else da
    if ka in "iu" and kb in "fc":
        return db
    if kb in "iu" and ka in "fc":
        return da
    return numpy.promote_types(da, db)


def _category(dt: numpy.dtype) -> int:
    return {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}.get(dt.kind, 2)


def can_cast(from_: Any, to: Any) -> bool:
    """PyTorch's ``torch.can_cast``: a cast that does not lower the value's category
    (bool < integer < float < complex; signed and unsigned integers are one category), the
    rule of in-place operations and ``out=`` (``uint8_tensor.add_(int32_tensor)`` wraps into
    uint8; a float result into an integer tensor is refused)."""
    return _category(numpy.dtype(from_)) <= _category(numpy.dtype(to))


def result_type(*operands: Any) -> numpy.dtype:
    """The dtype of an elementwise operation on ``operands``, by PyTorch's rule
    (``torch.result_type``): operands of higher priority decide the dtype — tensors with
    dimensions, then 0-d tensors, then Python numbers — and a lower-priority operand counts
    only where its category (bool < integer < float < complex) is higher. So
    ``float32 tensor + int64 tensor`` and ``float32 tensor + float64 0-d tensor`` are float32,
    ``int64 tensor + 0-d float64 tensor`` is float64, and ``int64 tensor + 1.5`` takes the
    default float dtype. Arrays count as tensors; NumPy scalars as Python numbers.

    >>> import deepgrad as dg
    >>> dg.result_type(dg.ones(3), dg.tensor(2.0, dtype=dg.float64))
    dtype('float32')
    >>> dg.result_type(dg.tensor([1, 2]), 2.5)
    dtype('float32')
    """
    groups: list[numpy.dtype | None] = [None, None, None]  # dimensioned, 0-d, numbers
    for v in operands:
        dt = getattr(v, "dtype", None)
        if isinstance(v, (bool, int, float, complex, numpy.generic)) or dt is None:
            if isinstance(v, (bool, numpy.bool_)):
                dt = numpy.dtype(bool)
            elif isinstance(v, (int, numpy.integer)):
                dt = numpy.dtype(numpy.int64)
            elif isinstance(v, (float, numpy.floating)):
                dt = _default_dtype
            elif isinstance(v, (complex, numpy.complexfloating)):
                dt = numpy.dtype(numpy.complex64 if _default_dtype.itemsize == 4 else "c16")
            else:
                raise TypeError(f"result_type expects tensors, arrays or numbers, got {v!r}")
            g = 2
        else:
            dt = numpy.dtype(dt)
            g = 0 if len(getattr(v, "shape", ())) else 1
        groups[g] = dt if groups[g] is None else promote_types(groups[g], dt)
    out: numpy.dtype | None = None
    for dt in groups:  # from the highest priority down
        if dt is None:
            continue
        if out is None:
            out = dt
        elif _category(dt) > _category(out):
            if _category(dt) == 3 and out.kind == "f":  # float meets a complex number
                out = numpy.promote_types(out, numpy.complex64)
            else:
                out = dt if _category(out) > 0 else promote_types(out, dt)
    if out is None:
        raise TypeError("result_type expects at least one operand")
    return out


def check_number(v: Any, dtype: Any, what: str) -> None:
    """Raise PyTorch's overflow error where the Python number ``v``, an argument PyTorch reads
    as a ``Scalar`` (``clamp``'s bounds, ``pow``'s exponent, ``addcmul``'s value), does not
    convert to ``dtype``: an int outside an integer dtype's range (an unsigned one also takes
    down to ``-max``, wrapping), a float outside it or NaN, or a finite number past a float
    dtype's largest (inf and NaN pass). Arithmetic operands are not checked: they wrap."""
    dt = numpy.dtype(dtype)
    if isinstance(v, (complex, numpy.complexfloating)) and dt.kind != "c":
        if v.imag != 0:  # a complex number into a real dtype: PyTorch's overflow
            raise RuntimeError(
                f"{what}: value cannot be converted to type {dt} without overflow (got {v!r}, "
                "a complex number, for a real dtype): pass a real number"
            )
        v = v.real
    if dt.kind not in "iuf" or isinstance(v, (bool, numpy.bool_)):
        return
    if dt.kind == "f":
        f = float(v) if isinstance(v, (int, float, numpy.integer, numpy.floating)) else 0.0
        ok = not numpy.isfinite(f) or abs(f) <= float(numpy.finfo(dt).max)
    else:
        info = numpy.iinfo(dt)
        if isinstance(v, (int, numpy.integer)):
            ok = (-int(info.max) if dt.kind == "u" else int(info.min)) <= int(v) <= int(info.max)
        else:
            f = float(v) if isinstance(v, (float, numpy.floating)) else 0.0
            ok = int(info.min) <= f <= int(info.max)  # NaN compares False
    if not ok:
        raise RuntimeError(
            f"{what}: value cannot be converted to type {dt} without overflow (got {v!r}; "
            f"PyTorch's rule for a number argument): pass a value within {dt}'s range, or "
            "convert the tensor to a wider dtype first"
        )


def wrap_int(v: int, dtype: Any) -> int:
    """The Python int ``v`` cast to the integer ``dtype`` with wrap-around, as PyTorch casts
    one meeting an integer tensor in arithmetic and comparisons (``int8_tensor + 300`` adds
    44; ``uint8_tensor > -1`` compares with 255). Beyond the 64-bit range ``v`` is returned as
    it is, for NumPy to refuse (PyTorch refuses it too)."""
    bits = numpy.dtype(dtype).itemsize * 8
    if not -(1 << 63) <= v < (1 << 64) or (0 <= v and v >> (bits - 1) == 0):
        return v
    v %= 1 << bits
    return v - (1 << bits) if numpy.dtype(dtype).kind == "i" and v >> (bits - 1) else v


def manual_seed(seed: int) -> Generator:
    """Seed every random draw of deepgrad: initializers and lazily built layers, dropout,
    ``rand``/``randn``, and — through :func:`draw_seed` — ``fit``'s shuffling, DataLoader
    shuffling, augmentations and ``random_split`` that were given no seed of their own.
    Returns :data:`default_generator` (the global stream), as ``torch.manual_seed`` does."""
    global _rng, _seed
    ws = getattr(_worker, "ws", None)
    if ws is not None:  # in a DataLoader worker: its own stream (PyTorch's worker process)
        ws.seed = _seed_value(int(seed))
        ws.rng = _new_rng(ws.seed)
        return default_generator
    _seed = _seed_value(int(seed))  # PyTorch's int(seed): 2.5 seeds 2, "3" seeds 3
    _rng = _new_rng(_seed)
    return default_generator


def _seed_value(seed: int) -> int:
    """A seed as PyTorch keeps it: an unsigned 64-bit value, negative seeds down to
    ``-2**63`` wrapped (``-1`` is ``2**64 - 1``); outside ``[-2**63, 2**64)`` PyTorch's
    ``ValueError``."""
    if not -(1 << 63) <= seed < (1 << 64):
        raise ValueError(f"Overflow when unpacking long long (manual_seed: got {seed})")
    return seed % (1 << 64)


class _SeedTypeError(RuntimeError, ValueError):
    """A seed that is not an int given to ``Generator.manual_seed``: PyTorch's
    ``RuntimeError`` (and deepgrad's ``ValueError`` of before)."""


class Generator:
    """PyTorch's ``torch.Generator``: a random stream of its own, for the functions that take
    ``generator=`` (``rand``/``randn``/``randint``/``randperm``/``multinomial``,
    ``random_split``, ``DataLoader`` and the samplers). Drawing advances it; it starts at
    PyTorch's default seed (67280421310721), so an unseeded one is reproducible too. The
    numbers are PyTorch's for the same seed (:class:`Stream`).

    >>> import deepgrad as dg
    >>> g = dg.Generator().manual_seed(42)
    >>> a = dg.rand(3, generator=g); b = dg.rand(3, generator=g.manual_seed(42))
    >>> bool((a == b).all()), g.initial_seed()
    (True, 42)
    """

    _DEFAULT_SEED = 67280421310721

    def __init__(self, device: Any = "cpu") -> None:
        dev = str(getattr(device, "type", device))
        if dev.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"Generator: device must be 'cpu' or 'cuda'; got {device!r}")
        if dev.startswith("cuda") and not gpu:  # PyTorch's error without CUDA
            raise RuntimeError(
                "Cannot get CUDA generator without CUDA: deepgrad computes on a GPU through "
                "CuPy after dg.set_backend('cupy') (use Generator() for the CPU's)"
            )
        self._device = str(device)
        self.manual_seed(self._DEFAULT_SEED)

    @property
    def device(self) -> Any:
        """The generator's device: its name here, a ``dg.device`` once :mod:`deepgrad.devices`
        (a layer above) has loaded and put its own property in place (PyTorch's
        ``Generator.device``)."""
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (a non-negative int); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)):
            # PyTorch's RuntimeError (also the ValueError deepgrad raised before)
            raise _SeedTypeError(
                f"manual_seed expected a long, but got {type(seed).__name__} "
                "(Generator.manual_seed takes an int)"
            )
        self._seed = _seed_value(int(seed))
        self.rng = Stream(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        s = int(numpy.random.SeedSequence().entropy % 2**63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self) -> dict:
        """The stream's state as a dict (the seed, NumPy's MT19937 state and the cached
        normal value). :mod:`deepgrad.random`, a floor up, replaces this method and
        :meth:`set_state` with PyTorch's: the state as its 5056 bytes, a uint8 tensor."""
        return {
            "seed": self._seed,
            "bit_generator": self.rng.bit_generator.state,
            "normal_cache": self.rng.normal_cache,
        }

    def set_state(self, state: dict) -> Generator:
        """Restore a state from :meth:`get_state`; returns the generator."""
        if not isinstance(state, dict) or set(state) != {"seed", "bit_generator", "normal_cache"}:
            raise TypeError(
                "Generator.set_state expects the dict that get_state returned "
                f"(keys 'seed', 'bit_generator', 'normal_cache'); got {type(state).__name__}"
            )
        self._seed = int(state["seed"])
        self.rng.bit_generator.state = state["bit_generator"]
        self.rng.normal_cache = state["normal_cache"]
        return self

    @property
    def _generator(self) -> Any:  # what the tensor factories draw from
        return self.rng

    def __repr__(self) -> str:
        return f"<deepgrad.Generator device={self._device!r} initial_seed={self._seed}>"


class _DefaultGenerator(Generator):
    """``torch.default_generator``: the global stream as a :class:`Generator` — what
    :func:`manual_seed` returns, and what ``generator=dg.default_generator`` draws from (the
    same stream as ``generator=None``). Seeding or restoring it seeds or restores the global
    stream itself.

    >>> import deepgrad as dg
    >>> g = dg.manual_seed(3)
    >>> g is dg.default_generator, g.initial_seed()
    (True, 3)
    """

    def __init__(self) -> None:
        self._device = "cpu"

    def manual_seed(self, seed: int) -> Generator:
        return manual_seed(seed)

    def seed(self) -> int:
        s = int(numpy.random.SeedSequence().entropy % 2**63)
        manual_seed(s)
        return s

    def initial_seed(self) -> int:
        ws = getattr(_worker, "ws", None)
        return int((_seed if ws is None else ws.seed) or 0)

    def get_state(self) -> dict:
        return {"seed": self.initial_seed(), "bit_generator": get_rng_state()}

    def set_state(self, state: dict) -> Generator:
        if not isinstance(state, dict) or set(state) != {"seed", "bit_generator"}:
            raise TypeError(
                "Generator.set_state expects the dict that get_state returned "
                f"(keys 'seed', 'bit_generator'); got {type(state).__name__}"
            )
        set_rng_state(state["bit_generator"])
        _set_current_seed(int(state["seed"]))
        return self

    @property
    def rng(self) -> Any:  # type: ignore[override]
        return _current()

    @property
    def _generator(self) -> Any:
        return rng()

    def __repr__(self) -> str:
        return f"<deepgrad.default_generator initial_seed={self.initial_seed()}>"


#: the global stream as a Generator (``torch.default_generator``)
default_generator: Generator = _DefaultGenerator()


#: messages of the blocks that refuse random draws (``vmap(randomness="error")``), innermost last
_RANDOM_REFUSED: list[str] = []


def refuse_random(message: str | None) -> None:
    """Enter (``message``: what a draw raises; ``""`` allows draws) or, with None, leave a
    block in which :func:`rng` raises ``RuntimeError`` if any enclosing block refuses."""
    if message is None:
        _RANDOM_REFUSED.pop()
    else:
        _RANDOM_REFUSED.append(message)


class WorkerStream:
    """A DataLoader worker's own random stream and seed (PyTorch seeds each worker process's
    generator with ``base_seed + worker_id``): while :func:`worker_stream` has it in a
    thread, :func:`rng`, :func:`manual_seed`, :func:`initial_seed` and the state functions
    act on it there, and the global stream of every other thread is left alone."""

    def __init__(self, seed: int) -> None:
        self.seed = _seed_value(int(seed))
        self.rng: Any = _new_rng(self.seed)


_worker = threading.local()


@contextlib.contextmanager
def worker_stream(ws: WorkerStream) -> Iterator[None]:
    """Run a block of the calling thread on the worker stream ``ws``."""
    before = getattr(_worker, "ws", None)
    _worker.ws = ws
    try:
        yield
    finally:
        _worker.ws = before


def _set_current_seed(seed: int) -> None:
    """Record ``seed`` as the calling thread's stream's initial seed (a restored state's)."""
    global _seed
    ws = getattr(_worker, "ws", None)
    if ws is None:
        _seed = seed
    else:
        ws.seed = seed


def _current() -> Any:
    """The calling thread's stream: its worker's (:func:`worker_stream`), else the global."""
    ws = getattr(_worker, "ws", None)
    return _rng if ws is None else ws.rng


def rng() -> Any:
    """The generator behind every random draw (a ``numpy.random.Generator`` on NumPy): the
    global stream, or in a DataLoader worker's block its own (:class:`WorkerStream`)."""
    if _RANDOM_REFUSED:
        refusal = next((m for m in _RANDOM_REFUSED if m), None)
        if refusal:
            raise RuntimeError(refusal)
    return _current()


def draw_seed() -> int:
    """An int in ``[0, 2**62)`` drawn from the global generator, to seed a component's own
    stream (a child of the one tree: determined by :func:`manual_seed`).

    >>> import deepgrad as dg
    >>> _ = dg.manual_seed(0); a = dg.backend.draw_seed()
    >>> _ = dg.manual_seed(0); a == dg.backend.draw_seed()
    True
    """
    return int(_current().integers(0, 2**62))


@contextlib.contextmanager
def fork_rng(seed: int) -> Iterator[None]:
    """Run a block on a generator seeded with ``seed``, then give the global stream back exactly
    where it was (PyTorch's ``torch.random.fork_rng`` with a seed): draws inside the block are
    decided by ``seed`` alone, and draws after it are the same as if the block had not run.

    >>> import deepgrad as dg
    >>> _ = dg.manual_seed(1); before = dg.rand(2)
    >>> _ = dg.manual_seed(1)
    >>> with dg.backend.fork_rng(5):
    ...     _ = dg.rand(100)
    >>> bool((dg.rand(2) == before).all())
    True
    """
    global _rng, _seed
    if not isinstance(seed, (int, numpy.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"fork_rng expects a non-negative int seed, got {seed!r}")
    saved = (_rng, _seed)
    _rng, _seed = _new_rng(int(seed)), int(seed)
    try:
        yield
    finally:
        _rng, _seed = saved


def get_rng_state() -> dict:
    """The generator's state, for checkpoints (a JSON-able dict: the bit generator's, and
    the stream's cached normal value)."""
    cur = _current()
    if isinstance(cur, _CupyRandom):
        return cur.get_state()
    st = cur.bit_generator.state
    if st.get("bit_generator") == "MT19937":  # its words as ints: the dict stays JSON-able
        st = {
            **st,
            "state": {"key": [int(k) for k in st["state"]["key"]], "pos": int(st["state"]["pos"])},
        }
    return {**st, "normal_cache": getattr(cur, "normal_cache", None)}


def set_rng_state(state: dict) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    cur = _current()
    if isinstance(cur, _CupyRandom):
        cur.set_state(state)
    else:
        state = dict(state)
        cache = state.pop("normal_cache", None)
        if state.get("bit_generator") != "MT19937":
            raise ValueError(
                "set_rng_state: the state is not of deepgrad's generator (PyTorch's Mersenne "
                f"Twister, MT19937), but of {str(state.get('bit_generator'))[:40]!r} — deepgrad "
                "before it drew PyTorch's numbers kept NumPy's PCG64; such a state cannot be "
                "continued: start the run again"
            )
        inner = state.get("state")
        if isinstance(inner, dict) and isinstance(inner.get("key"), list):
            state = {**state, "state": {**inner, "key": numpy.asarray(inner["key"], numpy.uint32)}}
        cur.bit_generator.state = state
        if isinstance(cur, Stream):
            cur.normal_cache = cache


def special(fn_name: str) -> Any:
    """A function of ``scipy.special`` (or ``cupyx.scipy.special`` on CuPy), e.g. ``erf``."""
    if name() == "cupy":
        mod = importlib.import_module("cupyx.scipy.special")
    else:
        mod = importlib.import_module("scipy.special")
    return getattr(mod, fn_name)


def accumulate(ufunc: str, a: Any, axis: int) -> Any:
    """``xp.<ufunc>.accumulate(a, axis)``: the running ``maximum``, ``minimum``,
    ``logaddexp``, ``logical_or``, ... along ``axis``. CuPy has only the additive and
    multiplicative scans (``cumsum``/``cumprod``); there the running result is built by
    doubling steps (``out[k:] = f(out[k:], out[:-k])`` for ``k = 1, 2, 4, ...``: ``log2 n``
    launches), exact for ``maximum``/``minimum``/logical ufuncs, and within rounding of the
    sequential order for ``logaddexp``.

    >>> import numpy as np
    >>> accumulate("maximum", np.array([1, 3, 2, 5]), 0).tolist()
    [1, 3, 3, 5]
    """
    fn = getattr(xp, ufunc)
    if not gpu:
        return fn.accumulate(a, axis=axis)
    out = xp.moveaxis(a, axis, -1).copy()
    if ufunc in ("logical_or", "logical_and"):
        out = out.astype(bool)
    n, k = out.shape[-1], 1
    while k < n:
        out[..., k:] = fn(out[..., k:], out[..., :-k])
        k *= 2
    return xp.moveaxis(out, -1, axis)


def ufunc_at(ufunc: str, out: Any, index: Any, values: Any) -> None:
    """``xp.<ufunc>.at(out, index, values)`` (unbuffered: repeated indices all apply). On CuPy
    only ``add`` of the dtypes its atomic add takes runs on the GPU (CuPy's ``maximum.at`` of
    float64 rounds through float32, and it has no ``multiply.at``); the rest makes a round
    trip through the host, where NumPy computes it exactly."""
    if not gpu or (ufunc == "add" and out.dtype.char in "ilqefdILQ"):
        getattr(xp, ufunc).at(out, index, values)
        return

    def on_host(v: Any) -> Any:
        return to_numpy(v) if isinstance(v, xp.ndarray) else v

    host = to_numpy(out)
    idx = tuple(map(on_host, index)) if isinstance(index, tuple) else on_host(index)
    getattr(numpy, ufunc).at(host, idx, on_host(values))
    out[...] = xp.asarray(host)


def floor_divide(a: Any, b: Any) -> Any:
    """``a // b`` by NumPy's and PyTorch's rule for floats (``div = (a - fmod(a, b)) / b``, one
    less where the remainder's sign differs from ``b``'s, then rounded: ``-0.5 // inf`` is
    ``-1``). CuPy's float ``floor_divide`` is ``floor(a / b)`` (``-0.5 // inf`` gives
    ``-0``): on the GPU the rule is spelled out; integers are CuPy's (already Python's).

    >>> import numpy as np
    >>> floor_divide(np.array([-0.5, 7.0]), np.array([np.inf, 2.0])).tolist()
    [-1.0, 3.0]
    """
    if not gpu or getattr(a, "dtype", numpy.dtype(float)).kind != "f":
        return xp.floor_divide(a, b)
    b = xp.asarray(b, a.dtype) if not hasattr(b, "dtype") else b
    mod = xp.fmod(a, b)
    div = (a - mod) / b
    div = div - ((mod != 0) & ((b < 0) != (mod < 0)))
    floor = xp.floor(div)
    floor = floor + (div - floor > 0.5)
    out = xp.where(div != 0, floor, xp.copysign(xp.zeros_like(div), a / b))
    return xp.where(b == 0, a / b, out).astype(xp.result_type(a, b), copy=False)


def index_for(a: Any, index: Any) -> Any:
    """``index`` (an integer or bool array, NumPy's or CuPy's) as an array of ``a``'s own
    module, so that ``a[index]`` works wherever each lives (a host dataset indexed by device
    indices, or the reverse)."""
    if isinstance(a, numpy.ndarray):
        return to_numpy(index) if hasattr(index, "get") else numpy.asarray(index)
    return xp.asarray(index)


def cached_constant(table: dict, key: Any, make: Any) -> Any:
    """A small constant array a training step asks for again and again (``ones(M)`` for a
    bias gradient, a loss's row offsets): ``make(numpy)`` kept read-only in ``table`` under
    ``key`` (emptied when it holds 64) while NumPy computes; on any other array module
    ``make(xp)`` anew each call (a GPU array lives on one device). A fresh one cost ~1 µs of
    a small model's step."""
    if xp is not numpy:
        return make(xp)
    a = table.get(key)
    if a is None:
        if len(table) >= 64:
            table.clear()
        a = table[key] = make(numpy)
        a.flags.writeable = False
    return a


def to_numpy(a: Any) -> numpy.ndarray:
    """Copy an array of the active module to host NumPy (no copy on NumPy)."""
    if isinstance(a, numpy.ndarray):
        return a
    get = getattr(a, "get", None)
    return get() if get is not None else numpy.asarray(a)


def _install_data_seed_source() -> None:
    """Make the NumPy-only data package draw its unseeded streams from this tree."""
    from deepgrad.data import seeding

    seeding.set_seed_source(draw_seed)


_install_data_seed_source()
