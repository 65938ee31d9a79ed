"""How many threads deepgrad's numerical work uses (PyTorch's ``set_num_threads`` /
``get_num_threads``): the BLAS and OpenMP thread pools under NumPy, through threadpoolctl.

deepgrad also has its own small pool for the elementwise passes around the GEMMs
(:func:`parallel_chunks`: im2col/col2im, max pooling, ReLU, batch norm, Adam). NumPy
releases the GIL inside ufuncs and copies, so those passes, split by batch rows, can use a
second core; each chunk computes exactly what the serial pass computes for its rows, so
results never depend on the worker count. The convolution's per-sample GEMMs also run in
the pool (``blas=True``), with BLAS on one thread while split; their numbers are then
BLAS's on one thread, which OpenBLAS's multi-threaded GEMM can differ from in the last bits
at some shapes, as it does for any change of BLAS's thread count.

The pool shares the cores with OpenBLAS's threads, and OpenBLAS keeps its idle threads
spinning for 2^28 cycles (about 0.1 s) after each GEMM: a pool worker handed a chunk in that
time shares its core with a spinning thread. So the pool is on only where OpenBLAS puts its
threads to sleep soon. ``import deepgrad`` asks for that (``OPENBLAS_THREAD_TIMEOUT=20``:
2^20 cycles, about 0.3 ms) when it is the first to load NumPy and nothing else set it; with
NumPy imported first, set ``OPENBLAS_THREAD_TIMEOUT=20`` in the environment yourself, or the
pool stays off (:data:`WORKERS` resolves to 1). ``DEEPGRAD_NUM_WORKERS`` overrides either
way (1: off). Measured on a 2-core AMD EPYC (2026-12-05, two threads, paired alternating
processes): with the short timeout and the pool on, the Fashion-MNIST 3-convolution model's
training step ran 1.10-1.13x as fast, the batch-norm one 1.12x, CNN inference 1.20x; the
LSTM and the MLP, whose GEMMs follow one another closely, ran as before; the Transformer
about 0.95x (its few pooled passes are small). Without the short timeout, the pool made the
CNN step 0.94x as fast (2026-12-03).

>>> import deepgrad as dg
>>> n = dg.get_num_threads()
>>> dg.set_num_threads(1); dg.get_num_threads()
1
>>> dg.set_num_threads(n)
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from . import backend

__all__ = [
    "blas_threads",
    "get_num_interop_threads",
    "get_num_threads",
    "init_num_threads",
    "parallel_chunks",
    "set_num_interop_threads",
    "set_num_threads",
    "worker_count",
]

_limits: object = None


def _workers_from_env() -> int | None:
    """``DEEPGRAD_NUM_WORKERS`` (a positive integer; 1 turns the pool off), or ``None``."""
    value = os.environ.get("DEEPGRAD_NUM_WORKERS")
    if value is None or value.strip() == "":
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(
            f"DEEPGRAD_NUM_WORKERS must be a positive integer (1: no worker threads), got {value!r}"
        )
    return n


#: the number of threads of :func:`parallel_chunks`: an int (1: the pool is off), ``None``
#: (the BLAS pool's size), or ``"auto"``, the default, decided on first use: ``None`` where
#: OpenBLAS puts its idle threads to sleep soon (see the module's docstring), else 1.
#: ``DEEPGRAD_NUM_WORKERS`` sets an int at import; tests set it directly
WORKERS: int | None | str = _workers_from_env() or "auto"

#: the largest ``OPENBLAS_THREAD_TIMEOUT`` (idle threads spin 2^timeout cycles) with which
#: the pool is on by default
SPIN_TIMEOUT_MAX = 22


def _blas_sleeps_soon() -> bool:
    """Whether every BLAS library loaded is an OpenBLAS whose idle threads sleep after at
    most 2^:data:`SPIN_TIMEOUT_MAX` cycles (``OPENBLAS_THREAD_TIMEOUT``, read by OpenBLAS
    when it loaded; 0 means its default, 2^28)."""
    libs = _blas_libs()
    if not libs:
        return False
    for lib in libs:
        if getattr(lib, "internal_api", None) != "openblas":
            return False
        dynlib = getattr(lib, "dynlib", None)
        read = getattr(dynlib, "openblas_thread_timeout", None)
        if read is None:
            return False
        try:
            timeout = int(read())
        except Exception:  # noqa: BLE001 - an OpenBLAS that cannot say: keep the pool off
            return False
        if not 0 < timeout <= SPIN_TIMEOUT_MAX:
            return False
    return True


#: the least work (in array elements) worth a chunk of its own: handing a chunk to a
#: worker thread that has gone to sleep and waiting for it costs ~50 µs, about what one
#: thread takes for a pass over 256k float32 values (1 MiB). Measured (Intel Xeon, 2 threads,
#: paired processes; PERF-LOG.md): 1 << 18 against 1 << 16, the Transformer 1.08x (its ReLUs
#: of 262k elements no longer split), the CNN 1.05x, the larger conv nets unchanged; 1 << 19
#: no better. Tests set it to 1 to split even tiny arrays
MIN_CHUNK = 1 << 18


def set_num_threads(n: int) -> None:
    """Limit the BLAS/OpenMP thread pools to ``n`` threads (for the rest of the process);
    :func:`parallel_chunks` follows."""
    global _limits
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits

    _limits = threadpool_limits(limits=n)


def get_num_threads() -> int:
    """The number of threads the BLAS pool uses (the CPU count where it reports none)."""
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)


_interop: int | None = None


def set_num_interop_threads(n: int) -> None:
    """Recorded for :func:`get_num_interop_threads`: PyTorch's pool for running independent
    operations side by side; deepgrad runs operations one after another."""
    global _interop
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"Number of inter-op threads must be positive, got {n!r}")
    _interop = n


def get_num_interop_threads() -> int:
    """What :func:`set_num_interop_threads` recorded, else the CPU count (PyTorch's default)."""
    return _interop if _interop is not None else (os.cpu_count() or 1)


def init_num_threads() -> None:
    """Nothing to do: the BLAS pool is set up on import (PyTorch's ``init_num_threads``
    initialises OpenMP/MKL's in a new thread)."""


# ---- deepgrad's own pool -----------------------------------------------------------------------
_blas: list[Any] | None = None  # threadpoolctl's BLAS controllers, found once


def worker_count() -> int:
    """Threads :func:`parallel_chunks` may use: :data:`WORKERS` (``DEEPGRAD_NUM_WORKERS``);
    where it is ``None``, the BLAS pool's current size (so ``set_num_threads``,
    ``threadpoolctl.threadpool_limits`` and ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS``
    all set it), 1 on a GPU backend; ``"auto"`` (the default) is decided once, on the first
    call (see :data:`WORKERS`).

    Reads the BLAS library's own counter (under a microsecond), so it follows every change.
    """
    global WORKERS
    if WORKERS == "auto":
        WORKERS = None if _blas_sleeps_soon() else 1
    if WORKERS is not None:
        return max(1, int(WORKERS))
    return blas_threads()


def blas_threads() -> int:
    """The BLAS pool's current size (the largest where several BLAS libraries are loaded;
    1 where none is found or on a GPU backend). Reads the library's own counter (under a
    microsecond), so it follows ``set_num_threads`` and threadpoolctl's limits."""
    if backend.xp.__name__ != "numpy":
        return 1
    return max([lib.get_num_threads() or 1 for lib in _blas_libs()], default=1)


def _blas_libs() -> list[Any]:
    """threadpoolctl's controllers of the BLAS libraries loaded (found once)."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        except Exception:  # noqa: BLE001 - no threadpoolctl or no BLAS found: stay serial
            _blas = []
    return _blas


class _Task:
    """One chunk handed to a worker; whoever acquires ``claim`` first (the worker, or the
    caller once it has finished its own chunk) runs it."""

    __slots__ = ("fn", "a", "b", "claim", "here")

    def __init__(self, fn: Callable[[int, int], None], a: int, b: int) -> None:
        self.fn, self.a, self.b = fn, a, b
        self.claim = threading.Lock()
        self.here = False  # claimed by the caller (run there, or dropped after an error)


class _Pool:
    """Persistent daemon worker threads, each fed through its own queue (C-level queues:
    the cheapest hand-off the standard library offers). A worker reports on ``done`` only
    the tasks it claimed."""

    def __init__(self) -> None:
        self.inboxes: list[queue.SimpleQueue] = []
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        self.busy = threading.Lock()  # one parallel_chunks at a time; others run serially
        self.ident: set[int] = set()

    def grow(self, n: int) -> None:
        while len(self.inboxes) < n:
            inbox: queue.SimpleQueue = queue.SimpleQueue()
            t = threading.Thread(target=self._work, args=(inbox,), daemon=True,
                                 name=f"deepgrad-worker-{len(self.inboxes)}")  # fmt: skip
            self.inboxes.append(inbox)
            t.start()

    def _work(self, inbox: queue.SimpleQueue) -> None:
        self.ident.add(threading.get_ident())
        while True:
            task = inbox.get()
            if not task.claim.acquire(blocking=False):
                continue  # the caller ran it already
            try:
                task.fn(task.a, task.b)
                self.done.put(None)
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                self.done.put(e)


_pool = _Pool()


def _after_fork() -> None:  # a forked child has none of the parent's threads
    global _pool
    _pool = _Pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _blocked(fn: Callable[[int, int], None], rows: int) -> Callable[[int, int], None]:
    """``fn`` over ``[a, b)`` as consecutive calls over at most ``rows`` rows each."""

    def run(a: int, b: int) -> None:
        for s in range(a, b, rows):
            fn(s, min(b, s + rows))

    return run


def parallel_chunks(
    fn: Callable[[int, int], None],
    n: int,
    work: int | None = None,
    block: int | None = None,
    blas: bool = False,
) -> None:
    """Run ``fn(a, b)`` over contiguous chunks ``[a, b)`` that cover ``range(n)``, on up to
    :func:`worker_count` threads: the calling thread runs the first chunk, persistent workers
    the others, and the call returns when all are done (an exception in any chunk is raised
    here, after the others finish).

    ``fn`` must write disjoint outputs per chunk and compute for its rows exactly what one
    call ``fn(0, n)`` computes for them; then the result is bit for bit the serial one.
    NumPy's ufuncs and copies release the GIL, so chunks of array work run in parallel.
    ``work`` (elements touched in all, default ``n``) limits the split to chunks of at least
    :data:`MIN_CHUNK` elements. With ``block`` (elements), each thread runs its chunk as
    consecutive calls over at most ``block`` elements' worth of rows: many passes over a
    block that stays in cache instead of over arrays that do not. With one worker, tiny
    work, a nested call or a call from another thread while the pool is busy, the chunk is
    all of ``range(n)``. Call BLAS in ``fn`` only with ``blas=True``: when the work is split,
    the BLAS library then runs on one thread per caller for the duration (its own threads
    would compete with the pool's), and at its own count when it is not. The chunks then
    compute what one call computes with BLAS on one thread; OpenBLAS's own threads can
    change a product's last bits at some shapes (``(300, 700) @ (700, 300)`` on one thread
    and on two), as any change of BLAS's thread count does.

    >>> import numpy as np
    >>> x, y = np.arange(8.0), np.empty(8)
    >>> parallel_chunks(lambda a, b: np.multiply(x[a:b], 2, out=y[a:b]), 8)
    >>> y.tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]
    """
    if backend.gpu:  # on a GPU a chunk is more kernel launches, never faster
        if n > 0:
            fn(0, n)
        return
    work = n if work is None else work
    if block is not None and work > block and n > 1:
        fn = _blocked(fn, max(1, n * block // work))
    # the work's own size first: a small pass never asks the BLAS library for its threads
    k = min(n, work // max(1, MIN_CHUNK))
    if k > 1:
        k = min(k, worker_count())
    pool = _pool
    if k <= 1 or threading.get_ident() in pool.ident or not pool.busy.acquire(blocking=False):
        if n > 0:
            fn(0, n)
        return
    restore = _blas_single() if blas else None
    try:
        pool.grow(k - 1)
        bounds = [n * i // k for i in range(k + 1)]
        tasks = [_Task(fn, bounds[i], bounds[i + 1]) for i in range(1, k)]
        for inbox, task in zip(pool.inboxes, tasks):
            inbox.put(task)
        error: BaseException | None = None
        try:
            fn(0, bounds[1])
            # chunks no worker has started yet (its core busy elsewhere) run here: with no
            # free core the call costs about what the serial one does
            for task in reversed(tasks):
                if task.claim.acquire(blocking=False):
                    task.here = True
                    fn(task.a, task.b)
        except BaseException as e:  # noqa: BLE001 - raised once the workers are done
            error = e
            for task in tasks:  # nothing more starts; the claimed ones are awaited below
                if not task.here and task.claim.acquire(blocking=False):
                    task.here = True
        for _ in range(sum(not task.here for task in tasks)):
            e = pool.done.get()
            error = error or e
        if error is not None:
            raise error
    finally:
        if restore:
            _blas_restore(restore)
        pool.busy.release()


def _blas_single() -> list[tuple[Any, int]]:
    """Set every BLAS library loaded to one thread; returns what :func:`_blas_restore`
    needs to set them back."""
    saved = []
    for lib in _blas_libs():
        count = lib.get_num_threads()
        if count and count > 1:
            lib.set_num_threads(1)
            saved.append((lib, count))
    return saved


def _blas_restore(saved: list[tuple[Any, int]]) -> None:
    for lib, count in saved:
        lib.set_num_threads(count)
